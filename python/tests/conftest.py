"""Shared fixtures: the repository's reference problems (tests/data/reference,
copied into the repository from independent solvers) and the CLI binary the
Python results are compared with."""

import json
import os
import shutil
import subprocess

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REFERENCE = os.path.join(ROOT, "tests", "data", "reference")
DATA = os.path.join(ROOT, "problems", "data")


def cli_binary():
    path = os.environ.get("CVXRELU_BIN") or os.path.join(ROOT, "target", "release", "cvxrelu")
    if not os.path.exists(path):
        pytest.fail(f"{path}: the CLI binary is missing; build it with cargo build --release "
                    "(scripts/test does) or set CVXRELU_BIN")
    return path


def run_cli(*args, check=True):
    r = subprocess.run([cli_binary(), *map(str, args)], capture_output=True, text=True)
    if check and r.returncode not in (0, 1):
        raise AssertionError(f"cvxrelu {' '.join(map(str, args))}: exit {r.returncode}: "
                             f"{r.stderr.strip()}")
    return r


def load_csv(path):
    """Features and targets of a CSV (targets: columns y or y0..y{c-1})."""
    with open(path) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    ycols = [j for j, h in enumerate(header) if h == "y" or (h[:1] == "y" and h[1:].isdigit())]
    xcols = [j for j in range(len(header)) if j not in ycols]
    return data[:, xcols], data[:, ycols]


def reference_problems():
    with open(os.path.join(REFERENCE, "objectives.json")) as f:
        return json.load(f)["problems"]


def reference_id(e):
    return f"{e['data'][:-4]}-{e['model']}-lam{e['lambda']:g}"


@pytest.fixture
def tmpdir_path(tmp_path):
    return tmp_path
