//! `cvxrelu export`: compile a problem and write it in a standard solver format
//! (CBF, MathOptFormat, Clarabel JSON, MPS); print the export record as JSON on
//! stdout, or to `--out FILE`.

use std::path::PathBuf;

use super::error::CliError;
use super::problem_args::ProblemArgs;
use super::solve::{emit_json, parse_bytes};
use crate::compile::DEFAULT_MAX_MEMORY;
use crate::export::{self, ExportError, Format};
use crate::fsio::check_writable;
use crate::model::Problem;

#[derive(clap::Args, Debug, Clone)]
pub struct ExportArgs {
    #[command(flatten)]
    pub problem: ProblemArgs,
    /// Output format.
    #[arg(long, value_parser = super::values::parser::<Format>())]
    pub format: Format,
    /// The file to write (one problem).
    #[arg(long, value_name = "FILE", required_unless_present = "suite")]
    pub output: Option<PathBuf>,
    /// Export every problem of a benchmark suite into the directory `--out DIR`
    /// (an instance library with `index.json` and `index.csv`).
    #[arg(long, value_name = "SUITE.toml", conflicts_with = "output")]
    pub suite: Option<PathBuf>,
    /// One problem: write the JSON record of the export here instead of stdout ('-'
    /// for stdout). With --suite: the directory of the instance library.
    #[arg(long, value_name = "RECORD.json|DIR")]
    pub out: Option<PathBuf>,
    /// Refuse to compile problems whose estimated memory exceeds this
    /// (bytes, or with a K/M/G/T suffix) [default: 8G].
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub max_memory: Option<u64>,
}

impl From<ExportError> for CliError {
    fn from(e: ExportError) -> CliError {
        match e {
            ExportError::Write(w) => CliError::Write(w),
            other => CliError::Usage(other.to_string()),
        }
    }
}

pub fn run(args: &ExportArgs) -> Result<i32, CliError> {
    if let Some(suite) = &args.suite {
        return super::export_suite::run(args, suite);
    }
    let output = args
        .output
        .as_ref()
        .ok_or_else(|| CliError::usage("missing --output FILE"))?;
    check_writable(output)?;
    if let Some(o) = &args.out
        && o.as_os_str() != "-"
    {
        check_writable(o)?;
    }
    let spec = args.problem.resolve()?;
    let problem = Problem::build_within(&spec, args.max_memory.unwrap_or(DEFAULT_MAX_MEMORY))?;
    let record = export::write_problem_with_limit(
        &problem,
        args.format,
        output,
        args.max_memory.unwrap_or(DEFAULT_MAX_MEMORY),
    )?;
    eprintln!(
        "wrote {} ({} bytes, {}): {} columns, {} rows, {} nonzeros in A, {} in P, {} cones",
        record.path,
        record.bytes,
        record.format.name(),
        record.size.cols,
        record.size.rows,
        record.size.nnz_a,
        record.size.nnz_p,
        record.size.cones
    );
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("-"));
    emit_json(&out, &record)?;
    Ok(0)
}
