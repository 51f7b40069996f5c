//! Datasets: CSV files with a header, feature columns first, then the target column
//! `y` (regression or ±1 labels) or the one-hot columns `y0 … y{c−1}` (SPEC §6).
//!
//! Every number is parsed as `f64` and must be finite. Errors name the file, the
//! 1-based line and the column header, so a user can find the bad cell.

use faer::Mat;
use std::path::{Path, PathBuf};

/// Examples in rows: `x` is `n × d`, `y` is `n × c`.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Where the data came from (a path, or a generator description).
    pub source: String,
    pub feature_names: Vec<String>,
    pub target_names: Vec<String>,
    pub x: Mat<f64>,
    pub y: Mat<f64>,
}

/// Errors reading a dataset; each names the file and, where there is one, the line
/// and the column.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: the file is empty (a header and at least one row are required)")]
    Empty { path: PathBuf },
    #[error("{path}: line {line}: malformed CSV: {message}")]
    Csv {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}: line {line}: expected {expected} fields as in the header, found {found}")]
    Ragged {
        path: PathBuf,
        line: u64,
        expected: usize,
        found: usize,
    },
    #[error("{path}: line {line}, column '{column}': '{value}' is not a number")]
    NotANumber {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
    },
    #[error("{path}: line {line}, column '{column}': value {value} is not finite")]
    NonFinite {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
    },
    #[error(
        "{path}: line 1: no target column: the header must end with 'y' or with 'y0','y1',... (found {found})"
    )]
    MissingTarget { path: PathBuf, found: String },
    #[error("{path}: line 1: no feature columns before the target column(s)")]
    NoFeatures { path: PathBuf },
    #[error(
        "{path}: line 1, column '{column}': target columns must be the last columns and numbered y0, y1, ... in order"
    )]
    BadTargetLayout { path: PathBuf, column: String },
    #[error("{path}: has {found} feature columns, expected {expected} (as in {reference})")]
    FeatureMismatch {
        path: PathBuf,
        found: usize,
        expected: usize,
        reference: String,
    },
    #[error(
        "{path}: line 1, column {second}: '{column}' is a duplicate of column {first} (column names must be unique)"
    )]
    DuplicateColumn {
        path: PathBuf,
        column: String,
        first: usize,
        second: usize,
    },
    #[error("{path}: line 1: target column '{column}' not found (the header has: {found})")]
    TargetNotFound {
        path: PathBuf,
        column: String,
        found: String,
    },
    #[error(
        "{path}: line {line}, columns '{first}'..'{last}': a one-hot row needs exactly one 1 and 0 elsewhere, found {found} (y0, y1, ... are one-hot classes; for real-valued targets name them with --target, e.g. --target {first},...)"
    )]
    NotOneHot {
        path: PathBuf,
        line: u64,
        first: String,
        last: String,
        found: String,
    },
    #[error(
        "{path}: line {line}, column '{column}': value {value} is too large (|value| must be at most 1e150, or its square overflows the loss); rescale the column"
    )]
    TooLarge {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
    },
    #[error("{path}: has {found} target columns, expected {expected} (as in {reference})")]
    TargetMismatch {
        path: PathBuf,
        found: usize,
        expected: usize,
        reference: String,
    },
}

impl Dataset {
    pub fn n(&self) -> usize {
        self.x.nrows()
    }
    pub fn d(&self) -> usize {
        self.x.ncols()
    }
    pub fn c(&self) -> usize {
        self.y.ncols()
    }

    /// Rows `idx` of this dataset, in that order.
    pub fn select_rows(&self, idx: &[usize]) -> Dataset {
        Dataset {
            source: self.source.clone(),
            feature_names: self.feature_names.clone(),
            target_names: self.target_names.clone(),
            x: Mat::from_fn(idx.len(), self.d(), |i, j| self.x[(idx[i], j)]),
            y: Mat::from_fn(idx.len(), self.c(), |i, j| self.y[(idx[i], j)]),
        }
    }

    /// Check that `other` (a test set) has the same columns as `self`.
    pub fn check_compatible(&self, other: &Dataset) -> Result<(), DataError> {
        if other.d() != self.d() {
            return Err(DataError::FeatureMismatch {
                path: other.source.clone().into(),
                found: other.d(),
                expected: self.d(),
                reference: self.source.clone(),
            });
        }
        if other.c() != self.c() {
            return Err(DataError::TargetMismatch {
                path: other.source.clone().into(),
                found: other.c(),
                expected: self.c(),
                reference: self.source.clone(),
            });
        }
        Ok(())
    }
}

/// Split the header into feature names and target names.
fn split_header(path: &Path, header: &[String]) -> Result<usize, DataError> {
    let is_target = |h: &str| {
        h == "y"
            || (h.len() > 1 && h.starts_with('y') && h[1..].bytes().all(|b| b.is_ascii_digit()))
    };
    let first_target = header.iter().position(|h| is_target(h.trim()));
    let Some(first) = first_target else {
        return Err(DataError::MissingTarget {
            path: path.into(),
            found: header.join(","),
        });
    };
    if first == 0 {
        return Err(DataError::NoFeatures { path: path.into() });
    }
    let targets = &header[first..];
    let ok = if targets.len() == 1 {
        matches!(targets[0].trim(), "y" | "y0")
    } else {
        targets
            .iter()
            .enumerate()
            .all(|(k, h)| h.trim() == format!("y{k}"))
    };
    if !ok {
        let bad = targets
            .iter()
            .enumerate()
            .find(|(k, h)| h.trim() != format!("y{k}"))
            .map(|(_, h)| h.clone())
            .unwrap_or_default();
        return Err(DataError::BadTargetLayout {
            path: path.into(),
            column: bad,
        });
    }
    Ok(first)
}

/// Parse one CSV cell as a finite `f64`.
pub(crate) fn parse_cell(
    path: &Path,
    line: u64,
    column: &str,
    cell: &str,
) -> Result<f64, DataError> {
    let t = cell.trim();
    let v: f64 = t.parse().map_err(|_| DataError::NotANumber {
        path: path.into(),
        line,
        column: column.to_string(),
        value: t.to_string(),
    })?;
    if !v.is_finite() {
        return Err(DataError::NonFinite {
            path: path.into(),
            line,
            column: column.to_string(),
            value: t.to_string(),
        });
    }
    Ok(v)
}

/// Read a numeric CSV with a header into (header, row-major values, rows). Shared by
/// datasets and gate files.
pub(crate) fn read_numeric_csv(path: &Path) -> Result<(Vec<String>, Vec<f64>, usize), DataError> {
    let (header, values, lines) = read_numeric_csv_lines(path)?;
    check_unique(path, &header)?;
    Ok((header, values, lines.len()))
}

/// Header, row-major values and the line number of every row.
type NumericCsv = (Vec<String>, Vec<f64>, Vec<u64>);

/// [`read_numeric_csv`] with the line number of every row instead of the count.
fn read_numeric_csv_lines(path: &Path) -> Result<NumericCsv, DataError> {
    let file = std::fs::File::open(path).map_err(|source| DataError::Io {
        path: path.into(),
        source,
    })?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(std::io::BufReader::new(file));
    let header: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => return Err(csv_error(path, e)),
    };
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(DataError::Empty { path: path.into() });
    }
    let width = header.len();
    let mut values = Vec::new();
    let mut lines = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(path, e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        // A completely blank line is skipped by the csv crate; a line with only
        // separators is ragged or empty cells, reported below.
        if record.len() != width {
            return Err(DataError::Ragged {
                path: path.into(),
                line,
                expected: width,
                found: record.len(),
            });
        }
        for (j, cell) in record.iter().enumerate() {
            values.push(parse_cell(path, line, &header[j], cell)?);
        }
        lines.push(line);
    }
    if lines.is_empty() {
        return Err(DataError::Empty { path: path.into() });
    }
    Ok((header, values, lines))
}

fn csv_error(path: &Path, e: csv::Error) -> DataError {
    let line = e.position().map_or(1, |p| p.line());
    let text = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(source) => DataError::Io {
            path: path.into(),
            source,
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => DataError::Ragged {
            path: path.into(),
            line,
            expected: expected_len as usize,
            found: len as usize,
        },
        csv::ErrorKind::Utf8 { err, .. } => DataError::Csv {
            path: path.into(),
            line,
            message: format!(
                "field {}: invalid UTF-8 (after {} valid bytes); the file must be UTF-8 text",
                err.field() + 1,
                err.valid_up_to()
            ),
        },
        _ => DataError::Csv {
            path: path.into(),
            line,
            message: text,
        },
    }
}

/// Read a dataset CSV (SPEC §6): the target is `y` or `y0..y{c−1}`, the last
/// columns.
pub fn read_csv(path: &Path) -> Result<Dataset, DataError> {
    read_csv_target(path, None)
}

/// Largest magnitude accepted in the targets: its square must not overflow the loss.
pub const MAX_MAGNITUDE: f64 = 1e150;

/// Line of the `i`-th data row (the header is line 1). Blank lines, which the
/// reader skips, are not counted: `lines[i]` when known.
fn line_of(lines: &[u64], i: usize) -> u64 {
    lines.get(i).copied().unwrap_or(i as u64 + 2)
}

/// Read a dataset CSV whose target columns are `target` (comma-separated column
/// names, anywhere in the header; the other columns are the features, in order), or
/// the default `y` / `y0..y{c−1}` at the end when `None`.
///
/// Checks: column names are unique; targets are at most [`MAX_MAGNITUDE`] in
/// magnitude. The default layout follows the conventions of SPEC §6: `y0..` (two or
/// more columns) must be one-hot on every row, and a single `y` whose values are all
/// 0 or 1 with at least one 0 is read as binary labels, 0 → −1 and 1 → +1 (README,
/// "Decisions"). Columns named by `target` are used as written (real-valued targets,
/// one or several).
pub fn read_csv_target(path: &Path, target: Option<&str>) -> Result<Dataset, DataError> {
    let (header, values, lines) = read_numeric_csv_lines(path)?;
    let n = lines.len();
    check_unique(path, &header)?;
    let width = header.len();
    let (features, targets): (Vec<usize>, Vec<usize>) = match target {
        None => {
            let d = split_header(path, &header)?;
            ((0..d).collect(), (d..width).collect())
        }
        Some(list) => {
            let mut t = Vec::new();
            for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let j = header
                    .iter()
                    .position(|h| h.trim() == name)
                    .ok_or_else(|| DataError::TargetNotFound {
                        path: path.into(),
                        column: name.to_string(),
                        found: header.join(","),
                    })?;
                if !t.contains(&j) {
                    t.push(j);
                }
            }
            if t.is_empty() {
                return Err(DataError::TargetNotFound {
                    path: path.into(),
                    column: list.to_string(),
                    found: header.join(","),
                });
            }
            let f: Vec<usize> = (0..width).filter(|j| !t.contains(j)).collect();
            if f.is_empty() {
                return Err(DataError::NoFeatures { path: path.into() });
            }
            (f, t)
        }
    };
    let (d, c) = (features.len(), targets.len());
    let x = Mat::from_fn(n, d, |i, j| values[i * width + features[j]]);
    let mut y = Mat::from_fn(n, c, |i, k| values[i * width + targets[k]]);
    for k in 0..c {
        for i in 0..n {
            let v = y[(i, k)];
            if v.abs() > MAX_MAGNITUDE {
                return Err(DataError::TooLarge {
                    path: path.into(),
                    line: line_of(&lines, i),
                    column: header[targets[k]].clone(),
                    value: format!("{v:e}"),
                });
            }
        }
    }
    let one_hot_header = target.is_none() && c >= 2;
    if one_hot_header {
        for i in 0..n {
            let ones = (0..c).filter(|&k| y[(i, k)] == 1.0).count();
            let zeros = (0..c).filter(|&k| y[(i, k)] == 0.0).count();
            if ones != 1 || zeros != c - 1 {
                let found: Vec<String> = (0..c).map(|k| y[(i, k)].to_string()).collect();
                return Err(DataError::NotOneHot {
                    path: path.into(),
                    line: line_of(&lines, i),
                    first: header[targets[0]].clone(),
                    last: header[targets[c - 1]].clone(),
                    found: found.join(","),
                });
            }
        }
    }
    if target.is_none() && c == 1 && is_zero_one(&y) {
        for i in 0..n {
            y[(i, 0)] = 2.0 * y[(i, 0)] - 1.0;
        }
    }
    Ok(Dataset {
        source: path.display().to_string(),
        feature_names: features.iter().map(|&j| header[j].clone()).collect(),
        target_names: targets.iter().map(|&j| header[j].clone()).collect(),
        x,
        y,
    })
}

/// Read inputs for a trained network of `d` raw features (`cvxrelu predict`): a CSV
/// of exactly `d` columns is features only (no targets: `y` is `n × 0`); any other
/// width is read as a dataset by [`read_csv_target`] (targets `target`, or the
/// default `y` / `y0..`) and must then have `d` feature columns.
pub fn read_csv_inputs(path: &Path, d: usize, target: Option<&str>) -> Result<Dataset, DataError> {
    let (header, values, lines) = read_numeric_csv_lines(path)?;
    if header.len() != d {
        let data = read_csv_target(path, target).map_err(|e| match e {
            DataError::MissingTarget { .. } => DataError::FeatureMismatch {
                path: path.into(),
                found: header.len(),
                expected: d,
                reference: "the weights file".into(),
            },
            e => e,
        })?;
        if data.d() != d {
            return Err(DataError::FeatureMismatch {
                path: path.into(),
                found: data.d(),
                expected: d,
                reference: "the weights file".into(),
            });
        }
        return Ok(data);
    }
    check_unique(path, &header)?;
    let n = lines.len();
    Ok(Dataset {
        source: path.display().to_string(),
        feature_names: header,
        target_names: Vec::new(),
        x: Mat::from_fn(n, d, |i, j| values[i * d + j]),
        y: Mat::zeros(n, 0),
    })
}

/// A single column of 0/1 values with at least one 0: binary labels written 0/1.
pub fn is_zero_one(y: &Mat<f64>) -> bool {
    y.ncols() == 1
        && (0..y.nrows()).all(|i| y[(i, 0)] == 0.0 || y[(i, 0)] == 1.0)
        && (0..y.nrows()).any(|i| y[(i, 0)] == 0.0)
}

fn check_unique(path: &Path, header: &[String]) -> Result<(), DataError> {
    for (b, h) in header.iter().enumerate() {
        if let Some(a) = header[..b].iter().position(|g| g.trim() == h.trim()) {
            return Err(DataError::DuplicateColumn {
                path: path.into(),
                column: h.clone(),
                first: a + 1,
                second: b + 1,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(content: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(content.as_bytes()).unwrap();
        f
    }

    #[test]
    fn reads_single_and_multi_output() {
        let f = write("a,b,y\n1,2,3\n4,5,-6\n");
        let ds = read_csv(f.path()).unwrap();
        assert_eq!((ds.n(), ds.d(), ds.c()), (2, 2, 1));
        assert_eq!(ds.y[(1, 0)], -6.0);
        let f = write("a,y0,y1,y2\n1,0,1,0\n");
        let ds = read_csv(f.path()).unwrap();
        assert_eq!((ds.n(), ds.d(), ds.c()), (1, 1, 3));
    }

    #[test]
    fn errors_name_line_and_column() {
        let f = write("a,b,y\n1,2,3\n4,x,6\n");
        let e = read_csv(f.path()).unwrap_err().to_string();
        assert!(
            e.contains("line 3") && e.contains("'b'") && e.contains("'x'"),
            "{e}"
        );
        let f = write("a,b,y\n1,2,3\n4,5\n");
        let e = read_csv(f.path()).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("expected 3"), "{e}");
        let f = write("a,b,y\n1,NaN,3\n");
        let e = read_csv(f.path()).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("not finite"), "{e}");
        let f = write("a,b,c\n1,2,3\n");
        assert!(matches!(
            read_csv(f.path()),
            Err(DataError::MissingTarget { .. })
        ));
        let f = write("");
        assert!(matches!(read_csv(f.path()), Err(DataError::Empty { .. })));
        let f = write("a,y\n");
        assert!(matches!(read_csv(f.path()), Err(DataError::Empty { .. })));
        let f = write("a,y1,y0\n1,2,3\n");
        assert!(matches!(
            read_csv(f.path()),
            Err(DataError::BadTargetLayout { .. })
        ));
    }
}
