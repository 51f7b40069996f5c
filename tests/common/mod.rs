//! Shared helpers of the native-solver tests: the reference problems of
//! `../shared/reference/objectives.json`.
#![allow(dead_code)]

use cvxrelu::model::{Model, Problem, ProblemSpec, Regularizer, Scaling};

pub fn reference_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference")
}

/// One entry of `objectives.json`.
#[derive(Clone, Debug)]
pub struct Reference {
    pub data: String,
    pub gates: String,
    pub model: Model,
    pub lambda: f64,
    pub objective: f64,
}

pub fn references() -> Vec<Reference> {
    let path = reference_dir().join("objectives.json");
    let text = std::fs::read_to_string(&path).expect("objectives.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    v["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| Reference {
            data: p["data"].as_str().unwrap().to_string(),
            gates: p["gates"].as_str().unwrap().to_string(),
            model: match p["model"].as_str().unwrap() {
                "gated-relu" => Model::GatedRelu,
                "relu" => Model::Relu,
                m => panic!("unknown model {m}"),
            },
            lambda: p["lambda"].as_f64().unwrap(),
            objective: p["objective"].as_f64().unwrap(),
        })
        .collect()
}

/// A reference dataset with its 50 gates (standardized already: scale none, no bias).
pub fn problem(data: &str, gates: &str, model: Model, lambda: f64, reg: Regularizer) -> Problem {
    let dir = reference_dir();
    let spec = ProblemSpec {
        data: dir.join(data).display().to_string(),
        test: None,
        split: None,
        split_seed: 0,
        model,
        lambda,
        reg,
        patterns: None,
        seed: 0,
        gates: Some(dir.join(gates).display().to_string()),
        bias: false,
        scale: Scaling::None,
    };
    Problem::build(&spec).expect("reference problem builds")
}

pub fn reference_problem(r: &Reference) -> Problem {
    problem(&r.data, &r.gates, r.model, r.lambda, Regularizer::NeuronGl1)
}

pub fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}
