//! Gate vectors `g_1 … g_P`, in the space of the model features (scaled, plus the
//! bias entry when `bias` is on).
//!
//! Generated gates: `ChaCha8Rng::seed_from_u64(seed)` from `rand_chacha` drawing
//! `rand_distr::StandardNormal` values, gate after gate, raw-feature entries only;
//! the bias entry is 0. ChaCha8 is a portable, specified stream cipher RNG and
//! `StandardNormal` is computed in portable floating point, so a seed gives the same
//! gates on every platform for the versions pinned in `Cargo.lock`.
//!
//! Gate files (SPEC §6): CSV with header `g0,g1,…` and `P` rows of `d` numbers, `d`
//! the model feature count (including the bias entry when `bias`).

use super::data::{DataError, read_numeric_csv};
use faer::Mat;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(
        "{path}: line 1: gate file has {found} columns, but the model features have dimension {expected} ({detail})"
    )]
    Width {
        path: PathBuf,
        found: usize,
        expected: usize,
        detail: String,
    },
    #[error("{path}: line 1, column '{column}': gate columns must be named g0, g1, ... in order")]
    Header { path: PathBuf, column: String },
    #[error("{0}")]
    TooLarge(String),
    #[error("the number of patterns must be at least 1 (got P = 0)")]
    ZeroPatterns,
}

/// Draw `p` gates of dimension `d_model`; the last entry is a zero bias entry when
/// `bias` (so `d_model = d_raw + 1`).
pub fn generate(p: usize, d_model: usize, bias: bool, seed: u64) -> Result<Mat<f64>, GateError> {
    if p == 0 {
        return Err(GateError::ZeroPatterns);
    }
    let d_raw = d_model - usize::from(bias);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut g = Mat::zeros(d_model, p);
    for i in 0..p {
        for j in 0..d_raw {
            g[(j, i)] = StandardNormal.sample(&mut rng);
        }
    }
    Ok(g)
}

/// Read a gate file; the result is `d × P` (column `i` is `g_i`).
pub fn read(path: &Path, d_model: usize, detail: &str) -> Result<Mat<f64>, GateError> {
    let (header, values, p) = read_numeric_csv(path)?;
    for (j, h) in header.iter().enumerate() {
        if h.trim() != format!("g{j}") {
            return Err(GateError::Header {
                path: path.into(),
                column: h.clone(),
            });
        }
    }
    let w = header.len();
    if w != d_model {
        return Err(GateError::Width {
            path: path.into(),
            found: w,
            expected: d_model,
            detail: detail.to_string(),
        });
    }
    Ok(Mat::from_fn(w, p, |j, i| values[i * w + j]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_gates_are_reproducible() {
        let a = generate(5, 4, true, 7).unwrap();
        let b = generate(5, 4, true, 7).unwrap();
        let c = generate(5, 4, true, 8).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!((0..5).all(|i| a[(3, i)] == 0.0));
        assert!(matches!(
            generate(0, 4, true, 7),
            Err(GateError::ZeroPatterns)
        ));
    }
}
