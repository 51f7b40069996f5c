//! Exclusive use of a bench folder, and the identity of the suite it holds.
//!
//! **Lock.** `bench --out DIR` holds an advisory lock (`flock`, released by the
//! kernel when the process ends, also on `kill -9`) on `DIR/.lock-shard-K-of-N`
//! for its shard, with its pid written inside. It then checks the other shards'
//! lock files: a live lock of the same shard, or of a shard of another split
//! (`N` differs, so the runs may overlap), makes it exit (code 2) naming the
//! holder's pid. Shards `k/N` of one split are disjoint and may run at the same
//! time into one folder.
//!
//! **Suite fingerprint.** The manifest records a fingerprint of the suite: its name
//! and the set of its run ids (not their settings: a changed setting of the same
//! runs is a suite *edit*, re-run by `--resume` as before). A folder whose manifest
//! has another fingerprint holds another suite, and `bench` refuses to mix them
//! unless `--force` is given.
//!
//! **Machine.** The manifest also has one machine line for all its records, which
//! every bench call rewrites. A folder whose records were measured on another
//! setup ([`Machine::same_setup`]: CPU, cores, threads, build) is refused likewise,
//! `--resume` included (a resume on another CPU would have put the earlier
//! records' times under the new line).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::HarnessError;
use super::expand::{Run, Shard, fnv1a};
use super::machine::Machine;
use super::store::Manifest;

const PREFIX: &str = ".lock-shard-";

/// A held lock; released when dropped (and by the kernel when the process ends).
#[derive(Debug)]
pub struct BenchLock {
    _file: File,
    pub path: PathBuf,
}

fn lock_name(shard: Shard) -> String {
    format!("{PREFIX}{}-of-{}", shard.k, shard.n)
}

fn parse_lock_name(name: &str) -> Option<Shard> {
    let rest = name.strip_prefix(PREFIX)?;
    let (k, n) = rest.split_once("-of-")?;
    Some(Shard {
        k: k.parse().ok()?,
        n: n.parse().ok()?,
    })
}

fn holder_pid(path: &Path) -> String {
    let mut text = String::new();
    match File::open(path).and_then(|mut f| f.read_to_string(&mut text)) {
        Ok(_) if !text.trim().is_empty() => text.trim().to_string(),
        _ => "unknown".into(),
    }
}

fn busy(out: &Path, theirs: Shard, path: &Path) -> HarnessError {
    HarnessError::Usage(format!(
        "{}: in use by another bench process (pid {}, shard {}): wait for it to finish, or choose another --out (shards k/N of one split may run at the same time)",
        out.display(),
        holder_pid(path),
        theirs
    ))
}

fn write_err(path: &Path, source: std::io::Error) -> HarnessError {
    crate::fsio::WriteError {
        path: path.to_path_buf(),
        source,
    }
    .into()
}

/// Lock `out` (which must exist) for `shard`, or fail naming the holder.
pub fn acquire(out: &Path, shard: Shard) -> Result<BenchLock, HarnessError> {
    let path = out.join(lock_name(shard));
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| write_err(&path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Err(busy(out, shard, &path)),
        Err(TryLockError::Error(e)) => return Err(write_err(&path, e)),
    }
    file.set_len(0)
        .and_then(|_| file.rewind())
        .and_then(|_| writeln!(file, "{}", std::process::id()))
        .and_then(|_| file.flush())
        .map_err(|e| write_err(&path, e))?;
    // Other shards' locks: a live one that may overlap ours is a conflict.
    let entries = std::fs::read_dir(out).map_err(|source| HarnessError::Read {
        path: out.to_path_buf(),
        source,
    })?;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(theirs) = parse_lock_name(&name.to_string_lossy()) else {
            continue;
        };
        if theirs == shard || (theirs.n == shard.n && theirs.k != shard.k) {
            continue; // ours, or a disjoint shard of the same split
        }
        let other = e.path();
        let Ok(f) = File::open(&other) else { continue };
        match f.try_lock() {
            Ok(()) => {} // stale: nobody holds it
            Err(TryLockError::WouldBlock) => return Err(busy(out, theirs, &other)),
            Err(TryLockError::Error(_)) => {}
        }
    }
    Ok(BenchLock { _file: file, path })
}

/// The fingerprint of a suite: its name and the sorted ids of all its runs.
pub fn suite_fingerprint(suite_name: &str, runs: &[Run]) -> String {
    let mut ids: Vec<&str> = runs.iter().map(|r| r.info.id.as_str()).collect();
    ids.sort_unstable();
    let mut bytes = suite_name.as_bytes().to_vec();
    for id in ids {
        bytes.push(b'\n');
        bytes.extend_from_slice(id.as_bytes());
    }
    fnv1a(&bytes)
}

/// The fingerprint a manifest stands for (computed for manifests written before
/// the field existed).
pub fn manifest_fingerprint(m: &Manifest) -> String {
    if let Some(f) = &m.fingerprint {
        return f.clone();
    }
    let mut ids: Vec<&str> = m.runs.iter().map(String::as_str).collect();
    ids.sort_unstable();
    let mut bytes = m.suite.as_bytes().to_vec();
    for id in ids {
        bytes.push(b'\n');
        bytes.extend_from_slice(id.as_bytes());
    }
    fnv1a(&bytes)
}

/// Refuse to run `suite_file` (suite `name`, fingerprint `fingerprint`) on
/// `machine` into `out` when `out` holds another suite, or records measured on
/// another setup, unless `force`.
pub fn check_suite(
    out: &Path,
    suite_file: &Path,
    name: &str,
    fingerprint: &str,
    machine: &Machine,
    force: bool,
) -> Result<(), HarnessError> {
    let Some(m) = super::store::read_manifest(out)? else {
        return Ok(());
    };
    if force {
        return Ok(());
    }
    let theirs = manifest_fingerprint(&m);
    if theirs != fingerprint {
        return Err(HarnessError::Usage(format!(
            "{}: holds the records of another suite ('{}' from {}, {} runs, fingerprint {}), not of {} ('{}', fingerprint {}): choose another --out, or add --force to run it into this folder anyway",
            out.display(),
            m.suite,
            m.suite_file,
            m.runs.len(),
            theirs,
            suite_file.display(),
            name,
            fingerprint
        )));
    }
    let has_records = std::fs::read_dir(super::store::records_dir(out)).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "json"))
    });
    match m.machine {
        Some(old) if has_records && !old.same_setup(machine) => Err(HarnessError::Usage(format!(
            "{}: its records were measured on {}, this bench would run on {}; the report has one machine line for all of them: choose another --out, or add --force to mix them",
            super::store::manifest_path(out).display(),
            old.setup_line(),
            machine.setup_line()
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_names_round_trip() {
        let s = Shard { k: 2, n: 3 };
        assert_eq!(parse_lock_name(&lock_name(s)), Some(s));
        assert_eq!(parse_lock_name(".lock-shard-x-of-3"), None);
        assert_eq!(parse_lock_name("manifest.json"), None);
    }

    #[test]
    fn second_lock_of_one_shard_fails_disjoint_shards_coexist() {
        let dir = tempfile::tempdir().unwrap();
        let all = acquire(dir.path(), Shard::ALL).unwrap();
        let e = acquire(dir.path(), Shard::ALL).unwrap_err().to_string();
        assert!(e.contains(&format!("pid {}", std::process::id())), "{e}");
        // 1/2 overlaps 1/1
        assert!(acquire(dir.path(), Shard { k: 1, n: 2 }).is_err());
        drop(all);
        let a = acquire(dir.path(), Shard { k: 1, n: 2 }).unwrap();
        let b = acquire(dir.path(), Shard { k: 2, n: 2 }).unwrap();
        assert!(acquire(dir.path(), Shard::ALL).is_err());
        drop((a, b));
        // released: the stale lock files do not block
        acquire(dir.path(), Shard::ALL).unwrap();
    }
}
