//! The union of shard folders, checked and merged.
//!
//! A suite run as shards (`bench --shard k/N`, e.g. one Slurm array task each,
//! [`super::slurm`]) leaves one bench folder per shard. **The check**: the union
//! of the folders is the suite when
//!
//! - every folder has a manifest of the same suite (one suite fingerprint,
//!   [`super::lock::suite_fingerprint`]: the suite's name and the set of its run
//!   ids) — the suite file's, when one is given;
//! - every run of the suite has a record in exactly one folder (none *missing*,
//!   none *duplicated*);
//! - every record is a run of the suite (none *foreign*) and can be read (none
//!   *unreadable*); with a suite file, every record was made with the run's current
//!   settings (none *stale*: the run's settings fingerprint matches).
//!
//! Folders of another suite, or without a manifest, are reported and contribute no
//! record. Temporary files (`records/.tmp…`) are ignored, as `report` does.
//!
//! **The merge** copies every record file of a passing check, byte for byte and
//! atomically, into one new folder with the suite's manifest, so that `report`
//! reads the union as one bench folder. The manifest's machine is kept when every
//! shard ran on the same machine (load averages aside), and left out otherwise.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::HarnessError;
use super::expand::expand;
use super::lock::{manifest_fingerprint, suite_fingerprint};
use super::machine::Machine;
use super::store::{self, Manifest};
use super::suite::Suite;

/// What a folder turned out to hold.
#[derive(Clone, Debug, PartialEq)]
pub enum FolderKind {
    /// Records of the checked suite.
    OfSuite,
    /// A manifest of another suite.
    OtherSuite { suite: String, fingerprint: String },
    /// No `manifest.json`: not a bench folder, or its bench stopped before its first
    /// run.
    NoManifest,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Folder {
    pub path: PathBuf,
    pub kind: FolderKind,
    /// Record files read in it (of the suite or not).
    pub records: usize,
}

/// The result of checking a set of shard folders against one suite.
#[derive(Clone, Debug, PartialEq)]
pub struct MergeCheck {
    pub suite: String,
    pub fingerprint: String,
    /// The suite's run ids, in suite order.
    pub runs: Vec<String>,
    pub folders: Vec<Folder>,
    /// For each run id found: the record files that hold it.
    pub found: BTreeMap<String, Vec<PathBuf>>,
    /// Runs of the suite without a record, in suite order.
    pub missing: Vec<String>,
    /// Runs with records in more than one folder, and those files.
    pub duplicated: Vec<(String, Vec<PathBuf>)>,
    /// Record files of runs the suite does not have.
    pub foreign: Vec<(String, PathBuf)>,
    /// Record files made with other settings than the suite file's.
    pub stale: Vec<(String, PathBuf)>,
    /// Files of `records/` that are not readable records (with the reason).
    pub unreadable: Vec<String>,
    /// The manifest the merged folder gets.
    pub manifest: Manifest,
}

impl MergeCheck {
    /// Whether the union is the suite, each run recorded once.
    pub fn complete(&self) -> bool {
        self.missing.is_empty() && self.mergeable()
    }

    /// Whether nothing but missing runs is wrong (a partial merge is possible).
    pub fn mergeable(&self) -> bool {
        self.duplicated.is_empty()
            && self.foreign.is_empty()
            && self.stale.is_empty()
            && self.unreadable.is_empty()
            && self.folders.iter().all(|f| f.kind == FolderKind::OfSuite)
    }

    /// The report, one finding per line: a line per folder, then `missing ID`,
    /// `duplicated ID in FILE FILE…`, `foreign ID in FILE`, `stale ID in FILE`,
    /// `unreadable …`, and a last line `complete: …` or `incomplete: …`.
    pub fn lines(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "suite {} (fingerprint {}, {} runs) in {} folders",
            self.suite,
            self.fingerprint,
            self.runs.len(),
            self.folders.len()
        );
        for f in &self.folders {
            let what = match &f.kind {
                FolderKind::OfSuite => format!("{} records", f.records),
                FolderKind::OtherSuite { suite, fingerprint } => format!(
                    "another suite: '{suite}' (fingerprint {fingerprint}), {} records not counted",
                    f.records
                ),
                FolderKind::NoManifest => {
                    "no manifest.json (not a bench folder, or its bench stopped before starting): not counted".to_string()
                }
            };
            let _ = writeln!(s, "folder {}: {what}", f.path.display());
        }
        for id in &self.missing {
            let _ = writeln!(s, "missing {id}");
        }
        for (id, files) in &self.duplicated {
            let files: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
            let _ = writeln!(s, "duplicated {id} in {}", files.join(" "));
        }
        for (id, file) in &self.foreign {
            let _ = writeln!(
                s,
                "foreign {id} in {} (not a run of the suite)",
                file.display()
            );
        }
        for (id, file) in &self.stale {
            let _ = writeln!(
                s,
                "stale {id} in {} (made with other settings than the suite file's)",
                file.display()
            );
        }
        for u in &self.unreadable {
            let _ = writeln!(s, "unreadable {u}");
        }
        let recorded = self.runs.len() - self.missing.len();
        let other_folders = self
            .folders
            .iter()
            .filter(|f| f.kind != FolderKind::OfSuite)
            .count();
        if self.complete() {
            let _ = writeln!(
                s,
                "complete: all {} runs of suite {} recorded once",
                self.runs.len(),
                self.suite
            );
        } else {
            let _ = writeln!(
                s,
                "incomplete: {recorded} of {} runs recorded; {} missing, {} duplicated, {} foreign, {} stale, {} unreadable, {other_folders} folders not of the suite",
                self.runs.len(),
                self.missing.len(),
                self.duplicated.len(),
                self.foreign.len(),
                self.stale.len(),
                self.unreadable.len()
            );
        }
        s
    }
}

fn not_a_folder(path: &Path, why: &str) -> HarnessError {
    HarnessError::Usage(format!("{}: {why}", path.display()))
}

/// The machine of every folder's manifest when they agree (load aside).
fn common_machine(manifests: &[Manifest]) -> Option<Machine> {
    let strip = |m: &Manifest| {
        m.machine.clone().map(|mut x| {
            x.load_start = None;
            x.load_end = None;
            x
        })
    };
    let first = strip(manifests.first()?)?;
    manifests
        .iter()
        .all(|m| strip(m).as_ref() == Some(&first))
        .then_some(first)
}

/// Check the union of `dirs` against `suite` (or, without it, against the first
/// folder's manifest). Errors (exit 2): a path that is not a folder, a folder given
/// twice, an unreadable manifest, no suite to check against.
pub fn check(dirs: &[PathBuf], suite: Option<&Suite>) -> Result<MergeCheck, HarnessError> {
    if dirs.is_empty() {
        return Err(HarnessError::Usage("no shard folder given".into()));
    }
    let mut seen: BTreeMap<PathBuf, &Path> = BTreeMap::new();
    let mut manifests = Vec::new();
    for d in dirs {
        if !d.is_dir() {
            return Err(not_a_folder(d, "not a folder"));
        }
        let real = std::fs::canonicalize(d).map_err(|source| HarnessError::Read {
            path: d.clone(),
            source,
        })?;
        if let Some(first) = seen.insert(real, d) {
            return Err(not_a_folder(
                d,
                &format!(
                    "given twice (also as {}): its records would all count as duplicated",
                    first.display()
                ),
            ));
        }
        manifests.push(store::read_manifest(d)?);
    }
    // The reference: the suite file, or the first manifest.
    let (runs_in_order, run_fingerprints, mut manifest) = match suite {
        Some(s) => {
            let runs = expand(s);
            let fps: BTreeMap<String, String> = runs
                .iter()
                .map(|r| (r.info.id.clone(), r.info.fingerprint.clone()))
                .collect();
            (
                runs.iter().map(|r| r.info.id.clone()).collect::<Vec<_>>(),
                Some(fps),
                Manifest::new(s, &runs),
            )
        }
        None => {
            let m = manifests.iter().flatten().next().cloned().ok_or_else(|| {
                HarnessError::Usage(
                    "none of the folders has a manifest.json: nothing to check against (give --suite)"
                        .into(),
                )
            })?;
            (m.runs.clone(), None, m)
        }
    };
    let fingerprint = match suite {
        Some(s) => suite_fingerprint(&s.name, &expand(s)),
        None => manifest_fingerprint(&manifest),
    };
    manifest.fingerprint = Some(fingerprint.clone());
    let of_suite: std::collections::BTreeSet<&str> =
        runs_in_order.iter().map(String::as_str).collect();

    let mut folders = Vec::new();
    let mut found: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    let mut foreign = Vec::new();
    let mut stale = Vec::new();
    let mut unreadable = Vec::new();
    let mut suite_manifests = Vec::new();
    for (d, m) in dirs.iter().zip(&manifests) {
        let kind = match m {
            None => FolderKind::NoManifest,
            Some(m) if manifest_fingerprint(m) == fingerprint => {
                suite_manifests.push(m.clone());
                FolderKind::OfSuite
            }
            Some(m) => FolderKind::OtherSuite {
                suite: m.suite.clone(),
                fingerprint: manifest_fingerprint(m),
            },
        };
        let (records, warnings) = if store::records_dir(d).is_dir() {
            store::read_all_checked(d)?
        } else {
            (Vec::new(), Vec::new())
        };
        folders.push(Folder {
            path: d.clone(),
            kind: kind.clone(),
            records: records.len(),
        });
        if kind != FolderKind::OfSuite {
            continue;
        }
        unreadable.extend(warnings);
        for r in &records {
            let run = r
                .run
                .as_ref()
                .expect("read_record keeps bench records only");
            let file = store::record_path(d, &run.id);
            if !of_suite.contains(run.id.as_str()) {
                foreign.push((run.id.clone(), file));
                continue;
            }
            if let Some(fps) = &run_fingerprints
                && fps.get(&run.id) != Some(&run.fingerprint)
            {
                stale.push((run.id.clone(), file.clone()));
            }
            found.entry(run.id.clone()).or_default().push(file);
        }
    }
    let missing = runs_in_order
        .iter()
        .filter(|id| !found.contains_key(*id))
        .cloned()
        .collect();
    let duplicated = runs_in_order
        .iter()
        .filter_map(|id| {
            let files = found.get(id)?;
            (files.len() > 1).then(|| (id.clone(), files.clone()))
        })
        .collect();
    manifest.machine = common_machine(&suite_manifests);
    Ok(MergeCheck {
        suite: manifest.suite.clone(),
        fingerprint,
        runs: runs_in_order,
        folders,
        found,
        missing,
        duplicated,
        foreign,
        stale,
        unreadable,
        manifest,
    })
}

/// What [`merge`] wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct Merged {
    pub records: usize,
    pub missing: usize,
    /// Whether the shards' common machine was kept in the manifest.
    pub machine_kept: bool,
}

/// Copy the records of a passing `check` into `out`, a new or empty folder, with
/// the suite's manifest. Missing runs are allowed only with `allow_missing`;
/// anything else [`MergeCheck::mergeable`] refuses is a usage error.
pub fn merge(check: &MergeCheck, out: &Path, allow_missing: bool) -> Result<Merged, HarnessError> {
    if !check.mergeable() || (!allow_missing && !check.missing.is_empty()) {
        return Err(HarnessError::Usage(
            "the shard folders are not the suite (see merge-check): nothing merged".into(),
        ));
    }
    if out.exists() {
        let mut entries = std::fs::read_dir(out).map_err(|source| HarnessError::Read {
            path: out.to_path_buf(),
            source,
        })?;
        if entries.next().is_some() {
            return Err(not_a_folder(
                out,
                "is not empty: merge into a new folder (nothing is overwritten)",
            ));
        }
    }
    let records = store::records_dir(out);
    std::fs::create_dir_all(&records).map_err(|source| crate::fsio::WriteError {
        path: records.clone(),
        source,
    })?;
    let mut n = 0;
    for (id, files) in &check.found {
        let from = &files[0];
        let bytes = std::fs::read(from).map_err(|source| HarnessError::Read {
            path: from.clone(),
            source,
        })?;
        crate::fsio::write_atomic(&store::record_path(out, id), &bytes)?;
        n += 1;
    }
    store::write_manifest(out, &check.manifest)?;
    Ok(Merged {
        records: n,
        missing: check.missing.len(),
        machine_kept: check.manifest.machine.is_some(),
    })
}
