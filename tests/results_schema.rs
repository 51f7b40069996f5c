//! The record schema: every committed record (schema version 1, written before
//! details were typed) is read by today's types, and writing it again keeps every
//! key it had (the keys of a record only grow); the certificate refuses pairs
//! without a valid dual bound instead of returning a wrong one.

mod common;

use std::path::Path;

use cvxrelu::certify::{NoBound, certify};
use cvxrelu::model::{Blocks, Model, Problem, ProblemSpec, Regularizer, Scaling, Weights};
use cvxrelu::results::{Record, SCHEMA_VERSION};
use cvxrelu::solvers::SolverDetails;
use serde_json::Value;

/// Keys of `old` missing from `new`, recursively (arrays element by element).
fn missing(old: &Value, new: &Value, path: &str, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                match b.get(k) {
                    None => out.push(format!("{path}.{k}")),
                    Some(w) => missing(v, w, &format!("{path}.{k}"), out),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                missing(v, w, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn committed_v1_records_read_and_keep_their_keys() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
    let mut seen = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for study in std::fs::read_dir(&root).unwrap() {
        let dir = study.unwrap().path().join("records");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let old: Value = serde_json::from_str(&text).unwrap();
            let rec: Record =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if old.get("schema_version").is_none() {
                assert_eq!(rec.schema_version, 1, "{}", path.display());
            }
            let new = serde_json::to_value(&rec).unwrap();
            let mut gone = Vec::new();
            missing(&old, &new, "", &mut gone);
            assert!(gone.is_empty(), "{}: keys lost: {gone:?}", path.display());
            kinds.insert(match &rec.details.solver {
                Some(SolverDetails::Clarabel(_)) => "clarabel",
                Some(SolverDetails::Fista(_)) => "fista",
                Some(SolverDetails::Al(_)) => "al",
                Some(SolverDetails::Baseline(_)) => "baseline",
                Some(SolverDetails::WorkingSet(_)) => "working-set",
                Some(SolverDetails::External(_)) => "external",
                None if rec.details.decomposition.is_some() => "decomposition",
                None => "none",
            });
            seen += 1;
        }
    }
    assert!(seen > 500, "only {seen} committed records found");
    for k in [
        "clarabel",
        "fista",
        "al",
        "baseline",
        "decomposition",
        "external",
    ] {
        assert!(
            kinds.contains(k),
            "no committed record read as {k}: {kinds:?}"
        );
    }
}

#[test]
fn new_records_carry_the_schema_version_and_a_kind() {
    let p = common::synth_problem(
        Model::GatedRelu,
        Regularizer::NeuronGl1,
        1e-2,
        40,
        3,
        1,
        4,
        1,
    );
    let config = cvxrelu::solvers::SolverConfig::new(
        cvxrelu::solvers::SolverKind::Fista,
        &Default::default(),
    )
    .unwrap();
    let sol = cvxrelu::solvers::solve(&p, &config, None).unwrap();
    let rec = Record::from_solution(&p, cvxrelu::solvers::SolverKind::Fista.into(), &sol);
    let v = serde_json::to_value(&rec).unwrap();
    assert_eq!(v["schema_version"], SCHEMA_VERSION);
    assert_eq!(v["solver"], "fista");
    assert_eq!(v["details"]["kind"], "fista");
    assert!(v["details"]["restarts"].is_u64());
    let back: Record = serde_json::from_value(v).unwrap();
    assert_eq!(back.details, rec.details);
}

fn spec(model: Model, reg: Regularizer, lambda: f64) -> ProblemSpec {
    ProblemSpec {
        data: "synth:n=30,d=3,width=3,noise=0.1,seed=2".into(),
        test: None,
        split: None,
        split_seed: 0,
        model,
        lambda,
        reg,
        patterns: Some(4),
        seed: 0,
        gates: None,
        bias: false,
        scale: Scaling::Standardize,
        target: None,
    }
}

#[test]
fn relu_problems_exist_only_with_neuron_gl1() {
    for reg in [Regularizer::FeatureGl1, Regularizer::L1, Regularizer::L2] {
        let e = Problem::build(&spec(Model::Relu, reg, 1e-2)).unwrap_err();
        assert!(e.to_string().contains("neuron-gl1"), "{e}");
    }
    assert!(Problem::build(&spec(Model::Relu, Regularizer::NeuronGl1, 1e-2)).is_ok());
}

#[test]
fn certify_says_when_there_is_no_bound() {
    // l2 at λ = 0: no dual bound.
    let p = Problem::build(&spec(Model::GatedRelu, Regularizer::L2, 0.0)).unwrap();
    let u = Blocks::zeros(p.c(), p.p(), p.d());
    let cert = certify(&p, &Weights::GatedRelu { u: u.clone() });
    assert_eq!(cert.no_bound, Some(NoBound::L2AtZeroLambda));
    assert!(cert.dual_objective.is_none() && cert.duality_gap.is_none());
    // Weights of the other model.
    let relu = Problem::build(&spec(Model::Relu, Regularizer::NeuronGl1, 1e-2)).unwrap();
    let cert = certify(&relu, &Weights::GatedRelu { u });
    assert_eq!(cert.no_bound, Some(NoBound::ModelMismatch));
    assert!(cert.dual_objective.is_none());
    // A valid pair has a bound.
    let v = Blocks::zeros(relu.c(), relu.p(), relu.d());
    let cert = certify(&relu, &Weights::Relu { v: v.clone(), w: v });
    assert_eq!(cert.no_bound, None);
    assert!(
        cert.dual_objective
            .is_some_and(|d| d <= cert.objective + 1e-12)
    );
}
