//! `cvxrelu predict`: the predictions of a saved network (`solve --weights FILE`)
//! on new raw inputs, with the metric when the inputs have targets
//! ([`crate::results::predict`]).
//!
//! The predictions go to `--out FILE` (atomically) or to stdout (`--out -`, the
//! default) as CSV; the one-line summary (rows, and the metric) goes to stderr.

use std::path::PathBuf;

use super::error::CliError;
use crate::fsio::{check_writable, write_atomic};
use crate::network::Metric;
use crate::results::predict::PredictError;
use crate::results::solution::SolutionFile;

#[derive(clap::Args, Debug, Clone)]
pub struct PredictArgs {
    /// The weights file written by `solve --weights` (or `decompose --weights`).
    #[arg(long, value_name = "FILE.json")]
    pub weights: PathBuf,
    /// New inputs: a CSV of the raw feature columns, optionally followed by the
    /// target column(s) as at training time (then the metric is reported).
    #[arg(long, value_name = "NEW.csv")]
    pub data: PathBuf,
    /// Write the predictions here as CSV ('-' for stdout) [default: -].
    #[arg(long, value_name = "PRED.csv")]
    pub out: Option<PathBuf>,
}

fn cli_error(e: PredictError) -> CliError {
    CliError::usage(e.to_string())
}

pub fn run(args: &PredictArgs) -> Result<i32, CliError> {
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("-"));
    if out.as_os_str() != "-" {
        check_writable(&out)?;
    }
    let file = SolutionFile::read(&args.weights).map_err(|e| cli_error(e.into()))?;
    let pred = file.predict_file(&args.data).map_err(cli_error)?;
    let text = pred.to_csv();
    if out.as_os_str() == "-" {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        match stdout
            .write_all(text.as_bytes())
            .and_then(|_| stdout.flush())
        {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                return Err(CliError::usage(format!("writing to stdout: {e}")));
            }
            _ => {}
        }
    } else {
        write_atomic(&out, text.as_bytes())?;
    }
    let n = pred.outputs.nrows();
    match pred.score {
        None => eprintln!("predicted {n} rows (no targets, no metric)"),
        Some((metric, value)) => {
            let name = match metric {
                Metric::Accuracy => "accuracy",
                Metric::Mse => "mse",
            };
            eprintln!("predicted {n} rows: {name} {value}");
        }
    }
    Ok(0)
}
