//! Every MathOptFormat file the exporter writes validates against the official
//! MOF 1.x schema (copied in ../shared/formats/mof.schema.json; read from disk, no
//! network): all models and regularizers, one and several outputs, plus the
//! committed golden file.

use std::path::Path;

use cvxrelu::export::{self, Format};
use cvxrelu::model::{Model, Problem, ProblemSpec, Regularizer, Scaling};

fn validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/formats/mof.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    // The schema names the "latest" meta-schema; its keywords (definitions, $ref,
    // oneOf, const) are those of draft 7.
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .unwrap()
}

fn errors(v: &jsonschema::Validator, doc: &serde_json::Value) -> Vec<String> {
    v.iter_errors(doc)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn the_schema_rejects_a_broken_file() {
    // A check that cannot fail is no check: a wrong set type must be caught.
    let v = validator();
    let problem = Problem::build(&spec(Model::Relu, Regularizer::NeuronGl1, 1)).unwrap();
    let (bytes, _, _) = export::render_problem(&problem, Format::Mof).unwrap();
    let mut doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert!(errors(&v, &doc).is_empty());
    doc["constraints"][0]["set"]["type"] = "Zeroes".into();
    assert!(!errors(&v, &doc).is_empty());
    let mut doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    doc["version"]["major"] = 2.into();
    assert!(!errors(&v, &doc).is_empty());
}

fn spec(model: Model, reg: Regularizer, c: usize) -> ProblemSpec {
    let c_arg = if c > 1 {
        format!(",c={c}")
    } else {
        String::new()
    };
    ProblemSpec {
        data: format!("synth:n=20,d=3,width=3,noise=0.1,seed=2{c_arg}"),
        test: None,
        split: None,
        split_seed: 0,
        model,
        lambda: 0.01,
        reg,
        patterns: Some(5),
        seed: 1,
        gates: None,
        bias: true,
        scale: Scaling::UnitNorm,
        target: None,
    }
}

#[test]
fn every_mof_file_validates_against_the_official_schema() {
    let v = validator();
    let kinds = [
        (Model::Relu, Regularizer::NeuronGl1),
        (Model::GatedRelu, Regularizer::NeuronGl1),
        (Model::GatedRelu, Regularizer::FeatureGl1),
        (Model::GatedRelu, Regularizer::L1),
        (Model::GatedRelu, Regularizer::L2),
    ];
    for (model, reg) in kinds {
        for c in [1, 3] {
            let problem = Problem::build(&spec(model, reg, c)).unwrap();
            let (bytes, _, _) = export::render_problem(&problem, Format::Mof).unwrap();
            let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            let e = errors(&v, &doc);
            assert!(e.is_empty(), "{model:?} {reg:?} c={c}: {e:?}");
        }
    }
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/tiny_relu.mof.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(golden).unwrap()).unwrap();
    assert!(errors(&v, &doc).is_empty());
}
