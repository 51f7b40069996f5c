//! `cvxrelu export --suite S --format F --out DIR`: write every problem of a
//! benchmark suite in one format — an instance library.
//!
//! Each distinct problem of the suite (dataset × model × seed × λ; the solvers do not
//! matter) becomes `DIR/PROBLEM_ID.EXT`, written atomically. `DIR/index.json` lists
//! every instance with its problem parameters (the full spec), dimensions, file size
//! and status; `DIR/index.csv` is the same as a table. A problem the format cannot
//! express (MPS with second-order cones) or that is above the memory limit is listed
//! as `skipped` with the reason, and the export goes on.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::error::CliError;
use super::export::ExportArgs;
use crate::compile::DEFAULT_MAX_MEMORY;
use crate::export::{self, ExportError, ExportRecord};
use crate::fsio::write_atomic;
use crate::harness::HarnessError;
use crate::harness::expand::expand;
use crate::harness::suite::Suite;
use crate::model::{Problem, ProblemSpec};

#[derive(Serialize)]
struct Instance {
    id: String,
    /// File name inside the library directory (absent when skipped).
    file: Option<String>,
    status: &'static str,
    reason: Option<String>,
    spec: ProblemSpec,
    export: Option<ExportRecord>,
}

#[derive(Serialize)]
struct Index {
    suite: String,
    format: &'static str,
    written: usize,
    skipped: usize,
    instances: Vec<Instance>,
}

fn problem_flags_given(args: &ExportArgs) -> bool {
    let p = &args.problem;
    p.problem.is_some()
        || p.data.is_some()
        || p.model.is_some()
        || p.lambda.is_some()
        || p.gates.is_some()
}

pub fn run(args: &ExportArgs, suite_path: &Path) -> Result<i32, CliError> {
    if problem_flags_given(args) {
        return Err(CliError::usage(
            "--suite exports the suite's problems: do not give problem flags with it",
        ));
    }
    let dir: PathBuf = args.out.clone().ok_or_else(|| {
        CliError::usage("--suite needs --out DIR (the directory of the instance library)")
    })?;
    let suite = Suite::load(suite_path).map_err(HarnessError::from)?;
    std::fs::create_dir_all(&dir).map_err(|source| {
        CliError::Write(crate::fsio::WriteError {
            path: dir.clone(),
            source,
        })
    })?;
    let max_memory = args.max_memory.unwrap_or(DEFAULT_MAX_MEMORY);
    let mut seen = HashSet::new();
    let mut instances = Vec::new();
    for run in expand(&suite) {
        if !seen.insert(run.info.problem_id.clone()) {
            continue;
        }
        let id = run.info.problem_id.clone();
        let spec = run.info.spec.clone();
        let problem = Problem::build_within(&spec, max_memory)?;
        let file = format!("{id}.{}", args.format.extension());
        match export::write_problem_with_limit(&problem, args.format, &dir.join(&file), max_memory)
        {
            Ok(mut rec) => {
                eprintln!("wrote {file} ({} bytes)", rec.bytes);
                rec.path = file.clone();
                instances.push(Instance {
                    id,
                    file: Some(file),
                    status: "written",
                    reason: None,
                    spec,
                    export: Some(rec),
                });
            }
            Err(e @ (ExportError::Unsupported { .. } | ExportError::Compile(_))) => {
                eprintln!("skipped {id}: {e}");
                instances.push(Instance {
                    id,
                    file: None,
                    status: "skipped",
                    reason: Some(e.to_string()),
                    spec,
                    export: None,
                });
            }
            Err(e) => return Err(e.into()),
        }
    }
    let written = instances.iter().filter(|i| i.status == "written").count();
    let index = Index {
        suite: suite.name.clone(),
        format: args.format.name(),
        written,
        skipped: instances.len() - written,
        instances,
    };
    let json = serde_json::to_string_pretty(&index)
        .map_err(|e| CliError::usage(format!("serialising index: {e}")))?;
    write_atomic(&dir.join("index.json"), (json + "\n").as_bytes())?;
    write_atomic(&dir.join("index.csv"), index_csv(&index).as_bytes())?;
    eprintln!(
        "{written} instances written, {} skipped; index in {}",
        index.skipped,
        dir.join("index.json").display()
    );
    if written == 0 {
        let reason = index
            .instances
            .iter()
            .find_map(|i| i.reason.clone())
            .unwrap_or_else(|| "the suite has no problems".into());
        return Err(CliError::File {
            path: suite_path.to_path_buf(),
            message: format!(
                "no instance written in format {}: all {} skipped (first reason: {reason})",
                index.format, index.skipped
            ),
        });
    }
    Ok(0)
}

fn index_csv(index: &Index) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "id",
        "file",
        "status",
        "data",
        "model",
        "reg",
        "lambda",
        "patterns_requested",
        "patterns",
        "seed",
        "scale",
        "bias",
        "n",
        "d",
        "c",
        "rows",
        "cols",
        "nnz_a",
        "nnz_p",
        "bytes",
    ];
    // Writing to a Vec cannot fail.
    let _ = w.write_record(header);
    for i in &index.instances {
        let e = i.export.as_ref();
        let opt = |v: Option<String>| v.unwrap_or_default();
        let _ = w.write_record([
            i.id.clone(),
            opt(i.file.clone()),
            i.status.to_string(),
            i.spec.data.clone(),
            i.spec.model.name().to_string(),
            i.spec.reg.name().to_string(),
            format!("{:e}", i.spec.lambda),
            opt(i.spec.patterns.map(|p| p.to_string())),
            opt(e.map(|e| e.problem.patterns.to_string())),
            i.spec.seed.to_string(),
            i.spec.scale.name().to_string(),
            i.spec.bias.to_string(),
            opt(e.map(|e| e.problem.n.to_string())),
            opt(e.map(|e| e.problem.d.to_string())),
            opt(e.map(|e| e.problem.c.to_string())),
            opt(e.map(|e| e.size.rows.to_string())),
            opt(e.map(|e| e.size.cols.to_string())),
            opt(e.map(|e| e.size.nnz_a.to_string())),
            opt(e.map(|e| e.size.nnz_p.to_string())),
            opt(e.map(|e| e.bytes.to_string())),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
