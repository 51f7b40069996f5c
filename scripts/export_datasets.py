#!/usr/bin/env python3
"""Export the small datasets bundled with scikit-learn to problems/data/*.csv.

Format (SPEC §6): a header, the feature columns x0..x{d-1}, then the targets:
  - binary classification: one column `y` with labels -1/+1;
  - multi-class: one-hot columns y0..y{c-1};
  - regression: one real column `y`, standardized (mean 0, population std 1) so
    that the λ grid of the suites means the same thing as on the classification
    sets (the raw diabetes target is 25..346).
Rows keep scikit-learn's order; floats are written with repr() (shortest
round-trip form). Run once: `python3 scripts/export_datasets.py` from the repo root.
"""
import csv
import os
import sys

import numpy as np
from sklearn import datasets

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "problems", "data")


def fmt(v):
    v = float(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def write(name, x, y_cols, y_names):
    path = os.path.join(OUT, name + ".csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([f"x{j}" for j in range(x.shape[1])] + y_names)
        for r in range(x.shape[0]):
            w.writerow([fmt(v) for v in x[r]] + [fmt(v) for v in y_cols[r]])
    print(f"{path}: n={x.shape[0]} d={x.shape[1]} c={len(y_names)}", file=sys.stderr)


def binary(name, loader):
    b = loader()
    y = np.where(b.target == 1, 1.0, -1.0)[:, None]
    write(name, b.data, y, ["y"])


def multiclass(name, loader):
    b = loader()
    classes = np.unique(b.target)
    y = (b.target[:, None] == classes[None, :]).astype(float)
    write(name, b.data, y, [f"y{k}" for k in range(len(classes))])


def regression(name, loader):
    b = loader()
    t = b.target.astype(float)
    y = (t - t.mean()) / t.std()
    write(name, b.data, y[:, None], ["y"])


def main():
    os.makedirs(OUT, exist_ok=True)
    binary("breast_cancer", datasets.load_breast_cancer)
    regression("diabetes", lambda: datasets.load_diabetes(scaled=False))
    multiclass("digits", datasets.load_digits)
    multiclass("wine", datasets.load_wine)
    multiclass("iris", datasets.load_iris)


if __name__ == "__main__":
    main()
