//! Activation patterns `D_i = diag(1[X g_i > 0])` (strict `>`), stored as a
//! bit-packed `n × P` pattern matrix `M` (one bit per entry, column-major words).
//!
//! [`Patterns::from_gates`] removes duplicate patterns, keeping the first gate that
//! produced each, and drops the all-zero pattern, so the effective `P` can be
//! smaller than the number of gates requested; both are reported.

use faer::{Mat, Par};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::row_blocks;

/// The word of up to 64 products: bit `j` is `z[j] > 0` (strict).
#[inline]
fn pack(z: &[f64]) -> u64 {
    z.iter()
        .enumerate()
        .fold(0, |w, (j, &v)| w | (u64::from(v > 0.0) << j))
}

/// The pattern matrix `M ∈ {0,1}^{n×P}` plus, for each column, the index of the gate
/// (in the requested list) that produced it.
#[derive(Clone, Debug, PartialEq)]
pub struct Patterns {
    n: usize,
    words: usize,
    bits: Vec<u64>,
    /// Gate index (into the requested gates) of each kept pattern.
    pub gate_index: Vec<usize>,
    /// Number of gates requested.
    pub requested: usize,
}

impl Patterns {
    /// Patterns of the gates `g` (`d × P_requested`) on the rows of `x` (`n × d`).
    ///
    /// The products `X G` are made by row blocks ([`super::row_blocks`]) and packed
    /// into bits while the block is in cache: the only buffers are the bits of every
    /// requested pattern (`n P_requested / 8` bytes, compacted in place to the kept
    /// ones) and one `rows × P_requested` block, never the `n × P_requested`
    /// products.
    pub fn from_gates(x: &Mat<f64>, g: &Mat<f64>) -> Patterns {
        let (n, requested) = (x.nrows(), g.ncols());
        let words = n.div_ceil(64);
        let mut bits = vec![0u64; words * requested];
        row_blocks::products(x.as_ref(), g.as_ref(), Par::Seq, |r0, rows, zb| {
            for (i, zc) in zb.chunks(rows).enumerate() {
                let col = &mut bits[i * words + r0 / 64..(i + 1) * words];
                for (w, z) in col.iter_mut().zip(zc.chunks(64)) {
                    *w = pack(z);
                }
            }
        });
        Self::kept(n, bits, requested)
    }

    /// Patterns from precomputed products `z = X G` (`n × P_requested`).
    pub fn from_products(z: &Mat<f64>) -> Patterns {
        let (n, requested) = (z.nrows(), z.ncols());
        let words = n.div_ceil(64);
        let mut bits = vec![0u64; words * requested];
        for (i, col) in bits.chunks_mut(words.max(1)).enumerate().take(requested) {
            let zi = z.col(i);
            let zi = zi
                .try_as_col_major()
                .expect("owned column is contiguous")
                .as_slice();
            for (w, zc) in col.iter_mut().zip(zi.chunks(64)) {
                *w = pack(zc);
            }
        }
        Self::kept(n, bits, requested)
    }

    /// The patterns of `requested` bit columns (`⌈n/64⌉` words each): duplicates
    /// and the all-zero pattern dropped, the first of equal columns kept, compacted
    /// in place (columns are compared through a hash of their words, so no copy of
    /// a column is kept).
    fn kept(n: usize, mut bits: Vec<u64>, requested: usize) -> Patterns {
        let words = n.div_ceil(64);
        let mut gate_index = Vec::new();
        let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
        for i in 0..requested {
            let col = i * words..(i + 1) * words;
            if bits[col.clone()].iter().all(|w| *w == 0) {
                continue;
            }
            let mut h = DefaultHasher::new();
            bits[col.clone()].hash(&mut h);
            let same = seen.entry(h.finish()).or_default();
            let kept = gate_index.len();
            if same
                .iter()
                .any(|&j| bits[j * words..(j + 1) * words] == bits[col.clone()])
            {
                continue;
            }
            same.push(kept);
            bits.copy_within(col, kept * words);
            gate_index.push(i);
        }
        bits.truncate(gate_index.len() * words);
        bits.shrink_to_fit();
        Patterns {
            n,
            words,
            bits,
            gate_index,
            requested,
        }
    }

    /// Build directly from boolean columns (tests and decompositions).
    pub fn from_columns(n: usize, cols: &[Vec<bool>]) -> Patterns {
        let words = n.div_ceil(64);
        let mut bits = vec![0u64; words * cols.len()];
        for (i, c) in cols.iter().enumerate() {
            assert_eq!(c.len(), n);
            for (r, &b) in c.iter().enumerate() {
                if b {
                    bits[i * words + r / 64] |= 1u64 << (r % 64);
                }
            }
        }
        Patterns {
            n,
            words,
            bits,
            gate_index: (0..cols.len()).collect(),
            requested: cols.len(),
        }
    }

    /// Number of rows `n`.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Effective number of patterns `P`.
    pub fn p(&self) -> usize {
        self.gate_index.len()
    }

    /// `M[row, i]`.
    #[inline]
    pub fn get(&self, row: usize, i: usize) -> bool {
        (self.bits[i * self.words + row / 64] >> (row % 64)) & 1 == 1
    }

    /// The packed words of column `i` (bit `r % 64` of word `r / 64` is `M[r, i]`).
    #[inline]
    pub fn column_words(&self, i: usize) -> &[u64] {
        &self.bits[i * self.words..(i + 1) * self.words]
    }

    /// Number of ones in column `i` (the number of active examples of pattern `i`).
    pub fn count(&self, i: usize) -> usize {
        self.column_words(i)
            .iter()
            .map(|w| w.count_ones() as usize)
            .sum()
    }

    /// Row indices `r` with `M[r, i] = 1`, ascending.
    pub fn active_rows(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.column_words(i).iter().enumerate().flat_map(|(k, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let t = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(k * 64 + t)
            })
        })
    }

    /// Keep only the columns in `keep` (in that order).
    pub fn select(&self, keep: &[usize]) -> Patterns {
        let mut bits = Vec::with_capacity(keep.len() * self.words);
        for &i in keep {
            bits.extend_from_slice(self.column_words(i));
        }
        Patterns {
            n: self.n,
            words: self.words,
            bits,
            gate_index: keep.iter().map(|&i| self.gate_index[i]).collect(),
            requested: self.requested,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedup_keeps_first_and_drops_zero() {
        // x rows: (1,0), (0,1), (-1,-1)
        let x = Mat::from_fn(3, 2, |i, j| [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]][i][j]);
        // gates: g0=(1,0) -> [1,0,0]; g1=(2,0) dup; g2=(-1,-1)*-... ; g3=(0,0) zero
        let g = Mat::from_fn(2, 5, |j, i| {
            [[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [0.0, 0.0], [-1.0, -1.0]][i][j]
        });
        let p = Patterns::from_gates(&x, &g);
        assert_eq!(p.gate_index, vec![0, 2, 4]);
        assert_eq!(p.requested, 5);
        assert!(p.get(0, 0) && !p.get(1, 0) && !p.get(2, 0));
        assert!(!p.get(0, 1) && p.get(1, 1));
        // g4 = (-1,-1): rows (1,0)->-1, (0,1)->-1, (-1,-1)->2
        assert!(p.get(2, 2) && !p.get(0, 2));
        assert_eq!(p.active_rows(2).collect::<Vec<_>>(), vec![2]);
    }

    #[test]
    fn strict_inequality() {
        // X g = 0 exactly on row 0: not active.
        let x = Mat::from_fn(2, 1, |i, _| [0.0, 1.0][i]);
        let g = Mat::from_fn(1, 1, |_, _| 1.0);
        let p = Patterns::from_gates(&x, &g);
        assert!(!p.get(0, 0) && p.get(1, 0));
    }

    #[test]
    fn active_rows_across_words() {
        let n = 200;
        let cols = vec![(0..n).map(|r| r % 3 == 0).collect::<Vec<_>>()];
        let p = Patterns::from_columns(n, &cols);
        let rows: Vec<usize> = p.active_rows(0).collect();
        assert_eq!(rows, (0..n).filter(|r| r % 3 == 0).collect::<Vec<_>>());
        assert_eq!(p.count(0), rows.len());
    }
}
