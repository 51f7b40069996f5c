//! The output directory of `bench`:
//!
//! ```text
//!   DIR/manifest.json        the suite's name, τ list, run ids (in order), studies
//!   DIR/records/ID.json      one record per finished run (crate::results::record::Record
//!                            with its `run` field set)
//! ```
//!
//! Every file is written with [`write_atomic`]; readers ignore anything in
//! `records/` that does not end in `.json` (such as a temporary file left by a kill).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::HarnessError;
use super::expand::Run;
use super::suite::Suite;
use crate::fsio::write_atomic;
use crate::results::record::Record;

/// What `report` needs to know about the suite besides the records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub suite: String,
    pub suite_file: String,
    pub taus: Vec<f64>,
    /// Every run id of the suite, in suite order.
    pub runs: Vec<String>,
    /// Study sections of the report (`[report] studies` of the suite).
    #[serde(default)]
    pub studies: Vec<super::study::Study>,
    /// What the last bench call into the folder ran on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<super::machine::Machine>,
    /// The suite's identity ([`super::lock::suite_fingerprint`]); absent in
    /// manifests written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

impl Manifest {
    pub fn new(suite: &Suite, runs: &[Run]) -> Manifest {
        Manifest {
            suite: suite.name.clone(),
            suite_file: suite.path.display().to_string(),
            taus: suite.taus.clone(),
            runs: runs.iter().map(|r| r.info.id.clone()).collect(),
            studies: suite.studies.clone(),
            machine: None,
            fingerprint: Some(super::lock::suite_fingerprint(&suite.name, runs)),
        }
    }
}

pub fn records_dir(out: &Path) -> PathBuf {
    out.join("records")
}

pub fn record_path(out: &Path, id: &str) -> PathBuf {
    records_dir(out).join(format!("{id}.json"))
}

pub fn manifest_path(out: &Path) -> PathBuf {
    out.join("manifest.json")
}

fn to_json(value: &impl Serialize) -> Vec<u8> {
    let mut text = serde_json::to_string_pretty(value).expect("records serialise");
    text.push('\n');
    text.into_bytes()
}

pub fn write_record(out: &Path, record: &Record) -> Result<PathBuf, HarnessError> {
    let id = &record
        .run
        .as_ref()
        .ok_or_else(|| HarnessError::Usage("a harness record needs its run".into()))?
        .id;
    let path = record_path(out, id);
    write_atomic(&path, &to_json(record))?;
    Ok(path)
}

pub fn write_manifest(out: &Path, manifest: &Manifest) -> Result<(), HarnessError> {
    Ok(write_atomic(&manifest_path(out), &to_json(manifest))?)
}

fn one_line(e: &serde_json::Error) -> String {
    e.to_string().replace('\n', " ")
}

/// Read one record; a file that is not a harness record is an error naming it.
pub fn read_record(path: &Path) -> Result<Record, HarnessError> {
    let text = std::fs::read_to_string(path).map_err(|source| HarnessError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let record: Record = serde_json::from_str(&text).map_err(|e| HarnessError::Corrupt {
        path: path.to_path_buf(),
        message: format!(
            "not a valid record: {} (delete it and run bench --resume to redo the run)",
            one_line(&e)
        ),
    })?;
    match &record.run {
        None => Err(HarnessError::Corrupt {
            path: path.to_path_buf(),
            message: "not a bench record (it has no 'run' field)".into(),
        }),
        Some(run) if path.file_stem().and_then(|s| s.to_str()) != Some(run.id.as_str()) => {
            Err(HarnessError::Corrupt {
                path: path.to_path_buf(),
                message: format!("holds the record of run '{}', not of its file name", run.id),
            })
        }
        Some(_) => Ok(record.upgraded()),
    }
}

/// Every record under `DIR/records`, sorted by file name. A `.json` file there that
/// is not a record of its name (a stray or foreign file) is left out with a warning
/// on stderr naming it, as [`state`] does for `bench --resume`.
pub fn read_all(out: &Path) -> Result<Vec<Record>, HarnessError> {
    let (records, warnings) = read_all_checked(out)?;
    for w in warnings {
        eprintln!("warning: {w}");
    }
    Ok(records)
}

/// [`read_all`] with the warnings returned instead of printed.
pub fn read_all_checked(out: &Path) -> Result<(Vec<Record>, Vec<String>), HarnessError> {
    let dir = records_dir(out);
    let entries = std::fs::read_dir(&dir).map_err(|source| HarnessError::Read {
        path: dir.clone(),
        source,
    })?;
    let mut paths = Vec::new();
    for e in entries {
        let e = e.map_err(|source| HarnessError::Read {
            path: dir.clone(),
            source,
        })?;
        let p = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".json") && !name.starts_with('.') && p.is_file() {
            paths.push(p);
        }
    }
    paths.sort();
    let mut records = Vec::new();
    let mut warnings = Vec::new();
    for p in &paths {
        match read_record(p) {
            Ok(r) => records.push(r),
            Err(e @ HarnessError::Corrupt { .. }) => warnings.push(format!("{e}; ignored")),
            Err(e) => return Err(e),
        }
    }
    Ok((records, warnings))
}

pub fn read_manifest(out: &Path) -> Result<Option<Manifest>, HarnessError> {
    let path = manifest_path(out);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|source| HarnessError::Read {
        path: path.clone(),
        source,
    })?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| HarnessError::Corrupt {
            path,
            message: format!("not a valid manifest: {}", one_line(&e)),
        })
}

/// The state of one run in the output directory.
#[derive(Clone, Debug, PartialEq)]
pub enum RunState {
    /// No record yet.
    Pending,
    /// A record of exactly this run.
    Finished,
    /// A record of this id made with other settings (the suite changed).
    Stale,
}

pub fn state(out: &Path, run: &Run) -> Result<RunState, HarnessError> {
    let path = record_path(out, &run.info.id);
    if !path.exists() {
        return Ok(RunState::Pending);
    }
    let rec = match read_record(&path) {
        Ok(r) => r,
        // Not a record (as `report` sees it too): the run has none, and its rerun
        // replaces the file.
        Err(e @ HarnessError::Corrupt { .. }) => {
            eprintln!("warning: {e}; the run is pending and its record will replace it");
            return Ok(RunState::Pending);
        }
        Err(e) => return Err(e),
    };
    let fp = rec.run.as_ref().map(|r| r.fingerprint.as_str());
    Ok(if fp == Some(run.info.fingerprint.as_str()) {
        RunState::Finished
    } else {
        RunState::Stale
    })
}
