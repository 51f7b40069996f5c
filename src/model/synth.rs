//! Seeded synthetic data from a planted two-layer ReLU network.
//!
//! `synth:n=..,d=..,width=..,noise=..,seed=..[,c=..]`: `X` has i.i.d. standard
//! normal entries; the planted network has `width` neurons with first-layer rows
//! drawn uniformly on the unit sphere and output weights `±1/√width`; targets are
//! `f(X) + noise·ε`, `ε` standard normal. Same RNG as the gates (ChaCha8), so a
//! seed gives the same data on every platform.

use faer::Mat;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

use super::data::Dataset;

/// Parameters of the generator.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthParams {
    pub n: usize,
    pub d: usize,
    pub c: usize,
    pub width: usize,
    pub noise: f64,
    pub seed: u64,
}

impl Default for SynthParams {
    fn default() -> Self {
        SynthParams {
            n: 1000,
            d: 20,
            c: 1,
            width: 10,
            noise: 0.1,
            seed: 0,
        }
    }
}

/// Parse `n=..,d=..,...` (every key optional, defaults from [`SynthParams::default`]).
pub fn parse(args: &str) -> Result<SynthParams, String> {
    let mut p = SynthParams::default();
    for kv in args.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("'{kv}' is not key=value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{k}: '{v}': {e}");
        match k.trim() {
            "n" => p.n = v.parse().map_err(|e| bad(&e))?,
            "d" => p.d = v.parse().map_err(|e| bad(&e))?,
            "c" => p.c = v.parse().map_err(|e| bad(&e))?,
            "width" => p.width = v.parse().map_err(|e| bad(&e))?,
            "noise" => p.noise = v.parse().map_err(|e| bad(&e))?,
            "seed" => p.seed = v.parse().map_err(|e| bad(&e))?,
            other => {
                return Err(format!(
                    "unknown key '{other}' (expected n, d, c, width, noise, seed)"
                ));
            }
        }
    }
    if p.n == 0 || p.d == 0 || p.c == 0 || p.width == 0 {
        return Err("n, d, c and width must be >= 1".into());
    }
    if !p.noise.is_finite() || p.noise < 0.0 {
        return Err(format!("noise must be finite and >= 0, got {}", p.noise));
    }
    Ok(p)
}

pub fn generate(p: &SynthParams) -> Dataset {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(p.seed);
    let mut normal = || -> f64 { StandardNormal.sample(&mut rng) };
    let x = Mat::from_fn(p.n, p.d, |_, _| 0.0);
    let mut x = x;
    for i in 0..p.n {
        for j in 0..p.d {
            x[(i, j)] = normal();
        }
    }
    let mut w1 = vec![vec![0.0; p.d]; p.width];
    for row in &mut w1 {
        for v in row.iter_mut() {
            *v = normal();
        }
        let nrm = row.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-300);
        row.iter_mut().for_each(|v| *v /= nrm);
    }
    let scale = 1.0 / (p.width as f64).sqrt();
    let w2: Vec<Vec<f64>> = (0..p.c)
        .map(|_| {
            (0..p.width)
                .map(|_| if normal() > 0.0 { scale } else { -scale })
                .collect()
        })
        .collect();
    let mut y = Mat::zeros(p.n, p.c);
    for i in 0..p.n {
        for (j, row) in w1.iter().enumerate() {
            let a: f64 = row
                .iter()
                .enumerate()
                .map(|(l, w)| w * x[(i, l)])
                .sum::<f64>()
                .max(0.0);
            for k in 0..p.c {
                y[(i, k)] += w2[k][j] * a;
            }
        }
        for k in 0..p.c {
            y[(i, k)] += p.noise * normal();
        }
    }
    let desc = format!(
        "synth:n={},d={},c={},width={},noise={},seed={}",
        p.n, p.d, p.c, p.width, p.noise, p.seed
    );
    Dataset {
        source: desc,
        feature_names: (0..p.d).map(|j| format!("x{j}")).collect(),
        target_names: if p.c == 1 {
            vec!["y".into()]
        } else {
            (0..p.c).map(|k| format!("y{k}")).collect()
        },
        x,
        y,
    }
}

pub fn generate_from_str(args: &str) -> Result<Dataset, String> {
    Ok(generate(&parse(args)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_reproduce() {
        let p = parse("n=50,d=3,width=2,noise=0,seed=4").unwrap();
        assert_eq!((p.n, p.d, p.width, p.seed), (50, 3, 2, 4));
        let a = generate(&p);
        let b = generate(&p);
        assert_eq!(a.x, b.x);
        assert_eq!(a.y, b.y);
        assert!(parse("n=x").is_err());
        assert!(parse("q=1").is_err());
        assert!(parse("noise=-1").is_err());
    }
}
