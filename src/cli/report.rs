//! `cvxrelu report DIR [--out DIR2]`: the Markdown report, performance profiles and
//! CSV of a bench directory (logic in [`crate::harness::report`]).

use std::path::PathBuf;

use super::error::CliError;

#[derive(clap::Args, Debug, Clone)]
pub struct ReportArgs {
    /// A directory written by `bench`.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Write the report files here instead of DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(args: &ReportArgs) -> Result<i32, CliError> {
    let w = crate::harness::report::report(&args.dir, args.out.as_deref())?;
    eprintln!(
        "{} records: wrote {}, {}, {} profiles and {} study files",
        w.records,
        w.markdown.display(),
        w.csv.display(),
        w.profiles.len(),
        w.study_files.len()
    );
    Ok(0)
}
