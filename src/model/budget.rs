//! Memory guards for what the user sizes: a synthetic dataset (`synth:n=..,d=..`)
//! and the gates and patterns of `P` requested patterns. Each is checked against the
//! memory limit (`--max-memory`, default [`DEFAULT_MAX_MEMORY`])
//! *before* anything of that size is allocated, so a typo such as
//! `--patterns 100000000` is refused with the estimate (exit 2) instead of
//! aborting in an allocation.
//!
//! The estimates count the large buffers of [`super::Problem::build`] in bytes:
//!
//! - synthetic data: `X` and `Y` as generated, the raw training copy and the
//!   preprocessed copy: `4 × 8 B × n (d + c)`;
//! - patterns: the `d × P` gates drawn and kept (`2 × 8 B × d P`), the `n × P`
//!   bit patterns (`n P / 8` B) and one row block of the products `X G`
//!   (`8 B × rows × P`, [`super::row_blocks::block_rows`] rows: at most
//!   `max(256 KiB, 512 P)` bytes; the `n × P` products are never made).

/// Default memory limit (`--max-memory`): 8 GiB, for the data, the patterns, the
/// native solvers and the compiled SOCP alike.
pub const DEFAULT_MAX_MEMORY: u64 = 8 << 30;

use super::problem::ModelError;

const GIB: f64 = (1u64 << 30) as f64;

/// A size that does not fit.
pub fn too_large(what: String, bytes: f64, limit: u64) -> ModelError {
    ModelError::TooLarge {
        what,
        gib: bytes / GIB,
        limit_gib: limit as f64 / GIB,
    }
}

/// Bytes to generate a synthetic dataset of `n × d` features and `c` targets.
pub fn synth_bytes(n: usize, d: usize, c: usize) -> f64 {
    4.0 * 8.0 * n as f64 * (d as f64 + c as f64)
}

/// Bytes to draw `p` gates of dimension `d` and compute their patterns on `n` rows.
pub fn patterns_bytes(n: usize, d: usize, p: usize) -> f64 {
    let rows = super::row_blocks::block_rows(n, p) as f64;
    let (n, d, p) = (n as f64, d as f64, p as f64);
    16.0 * d * p + 8.0 * rows * p + n * p / 8.0
}

pub fn check_synth(
    source: &str,
    n: usize,
    d: usize,
    c: usize,
    limit: u64,
) -> Result<(), ModelError> {
    let bytes = synth_bytes(n, d, c);
    if bytes > limit as f64 {
        return Err(too_large(
            format!("data: {source}: generating n = {n} rows of d = {d} features"),
            bytes,
            limit,
        ));
    }
    Ok(())
}

pub fn check_patterns(n: usize, d: usize, p: usize, limit: u64) -> Result<(), ModelError> {
    let bytes = patterns_bytes(n, d, p);
    if bytes > limit as f64 {
        return Err(too_large(
            format!("patterns: P = {p} gates on n = {n} rows of d = {d} features"),
            bytes,
            limit,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_sizes_are_refused_small_ones_pass() {
        let limit = 8u64 << 30;
        assert!(check_patterns(150, 5, 100, limit).is_ok());
        let e = check_patterns(150, 5, 100_000_000, limit)
            .unwrap_err()
            .to_string();
        assert!(e.contains("P = 100000000") && e.contains("GiB"), "{e}");
        assert!(check_synth("synth:", 1000, 20, 1, limit).is_ok());
        assert!(check_synth("synth:", usize::MAX, usize::MAX, 1, limit).is_err());
        // no overflow in the arithmetic
        assert!(patterns_bytes(usize::MAX, usize::MAX, usize::MAX).is_finite());
    }
}
