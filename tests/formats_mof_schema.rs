//! Every MathOptFormat file the exporter writes validates against the official
//! MOF 1.x schema (vendored as `tests/data/formats/mof.schema.json`, see
//! `tests/data/README.md`; read from disk, no network): all models and
//! regularizers, one and several outputs, plus the committed golden file. Broken
//! files (a missing required key, a wrong type, an unknown set type, a wrong
//! version) are rejected.
//!
//! The validator is [`schema`] below: the draft-07 keywords that this schema uses,
//! driven entirely by the schema file. It replaces the `jsonschema` crate (~70
//! crates, most of the test build). A keyword it does not implement makes it panic,
//! so a schema update that adds a rule cannot be silently skipped.

use std::path::{Path, PathBuf};

use cvxrelu::export::{self, Format};
use cvxrelu::model::{Model, Problem, ProblemSpec, Regularizer, Scaling};
use serde_json::{Value, json};

mod schema {
    //! A JSON Schema (draft-07) validator for the keywords `$ref` (local
    //! `#/…` pointers), `type`, `const`, `enum`, `properties`, `required`, `items`
    //! (one schema for every element), `minItems`, `maxItems`, `minimum`,
    //! `uniqueItems` and `oneOf`, with draft-07 semantics: numbers compare by value
    //! (`1` equals `1.0`), `integer` is any number with a zero fraction, `$ref`
    //! ignores its siblings, `oneOf` needs exactly one valid branch, and keywords
    //! constrain only instances of their type (`required` on a string is no error).
    //! Annotations (`title`, `description`, `examples`, `$id`, `$schema`,
    //! `definitions`) are skipped; any other keyword panics.

    use serde_json::{Map, Value};

    pub struct Validator {
        root: Value,
    }

    const ANNOTATIONS: [&str; 6] = [
        "title",
        "description",
        "examples",
        "$id",
        "$schema",
        "definitions",
    ];

    impl Validator {
        pub fn new(root: Value) -> Validator {
            Validator { root }
        }

        /// Every violation, as `instance-path: message` (empty when valid).
        pub fn errors(&self, instance: &Value) -> Vec<String> {
            let mut out = Vec::new();
            self.check(&self.root, instance, "", &mut out);
            out
        }

        fn resolve(&self, reference: &str) -> &Value {
            let pointer = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("unsupported non-local $ref '{reference}'"));
            self.root
                .pointer(pointer)
                .unwrap_or_else(|| panic!("$ref '{reference}' points to nothing"))
        }

        fn check(&self, schema: &Value, inst: &Value, at: &str, out: &mut Vec<String>) {
            let s = match schema {
                Value::Bool(true) => return,
                Value::Bool(false) => {
                    out.push(format!("{at}: the schema 'false' allows nothing"));
                    return;
                }
                Value::Object(s) => s,
                other => panic!("a schema must be an object or a boolean, got {other}"),
            };
            if let Some(r) = s.get("$ref") {
                // Draft 7: the siblings of $ref are ignored.
                let r = r.as_str().expect("$ref is a string");
                return self.check(self.resolve(r), inst, at, out);
            }
            for (key, value) in s {
                match key.as_str() {
                    k if ANNOTATIONS.contains(&k) => {}
                    "type" => check_type(value, inst, at, out),
                    "const" => {
                        if !equal(value, inst) {
                            out.push(format!("{at}: {inst} is not the constant {value}"));
                        }
                    }
                    "enum" => {
                        let options = value.as_array().expect("enum is an array");
                        if !options.iter().any(|o| equal(o, inst)) {
                            out.push(format!("{at}: {inst} is not one of {value}"));
                        }
                    }
                    "required" => {
                        if let Value::Object(obj) = inst {
                            for name in value.as_array().expect("required is an array") {
                                let name = name.as_str().expect("required names are strings");
                                if !obj.contains_key(name) {
                                    out.push(format!("{at}: missing required property '{name}'"));
                                }
                            }
                        }
                    }
                    "properties" => {
                        if let Value::Object(obj) = inst {
                            let props: &Map<String, Value> =
                                value.as_object().expect("properties is an object");
                            for (name, sub) in props {
                                if let Some(v) = obj.get(name) {
                                    self.check(sub, v, &format!("{at}/{name}"), out);
                                }
                            }
                        }
                    }
                    "items" => {
                        if let Value::Array(items) = inst {
                            assert!(
                                !value.is_array(),
                                "unsupported keyword form: 'items' as an array (tuple validation)"
                            );
                            for (i, v) in items.iter().enumerate() {
                                self.check(value, v, &format!("{at}/{i}"), out);
                            }
                        }
                    }
                    "minItems" | "maxItems" => {
                        if let Value::Array(items) = inst {
                            let bound = value.as_u64().expect("minItems/maxItems is an integer");
                            let n = items.len() as u64;
                            if (key == "minItems" && n < bound) || (key == "maxItems" && n > bound)
                            {
                                out.push(format!("{at}: {n} items, {key} is {bound}"));
                            }
                        }
                    }
                    "minimum" => {
                        if let Some(x) = inst.as_f64() {
                            let m = value.as_f64().expect("minimum is a number");
                            if x < m {
                                out.push(format!("{at}: {x} is below the minimum {m}"));
                            }
                        }
                    }
                    "uniqueItems" => {
                        if let (Some(true), Value::Array(items)) = (value.as_bool(), inst) {
                            for i in 0..items.len() {
                                for j in i + 1..items.len() {
                                    if equal(&items[i], &items[j]) {
                                        out.push(format!(
                                            "{at}: items {i} and {j} are equal (uniqueItems)"
                                        ));
                                    }
                                }
                            }
                        }
                    }
                    "oneOf" => {
                        let branches = value.as_array().expect("oneOf is an array");
                        let mut valid = Vec::new();
                        let mut first_errors = Vec::new();
                        for (b, sub) in branches.iter().enumerate() {
                            let mut e = Vec::new();
                            self.check(sub, inst, at, &mut e);
                            if e.is_empty() {
                                valid.push(b);
                            } else if first_errors.len() < 3 {
                                first_errors.push(e.swap_remove(0));
                            }
                        }
                        if valid.len() != 1 {
                            out.push(format!(
                                "{at}: matches {} of the {} oneOf branches {valid:?} (needs exactly one); e.g. {first_errors:?}",
                                valid.len(),
                                branches.len()
                            ));
                        }
                    }
                    other => panic!("unsupported schema keyword '{other}' at {at}"),
                }
            }
        }
    }

    fn check_type(ty: &Value, inst: &Value, at: &str, out: &mut Vec<String>) {
        let names: Vec<&str> = match ty {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().map(|t| t.as_str().expect("type name")).collect(),
            other => panic!("bad type keyword {other}"),
        };
        if !names.iter().any(|t| has_type(t, inst)) {
            out.push(format!("{at}: {inst} is not of type {ty}"));
        }
    }

    fn has_type(t: &str, v: &Value) -> bool {
        match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            "number" => v.is_number(),
            "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|x| x.fract() == 0.0),
            other => panic!("unknown type name '{other}'"),
        }
    }

    /// JSON equality with numbers compared by value.
    pub fn equal(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
                (Some(i), Some(j)) => i == j,
                _ => match (x.as_u64(), y.as_u64()) {
                    (Some(i), Some(j)) => i == j,
                    _ => x.as_f64() == y.as_f64(),
                },
            },
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
            }
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
            }
            _ => a == b,
        }
    }
}

fn schema_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/formats/mof.schema.json")
}

fn validator() -> schema::Validator {
    let path = schema_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "missing vendored schema {} (see tests/data/README.md): {e}",
            path.display()
        )
    });
    schema::Validator::new(serde_json::from_str(&text).expect("the schema is JSON"))
}

fn errors(v: &schema::Validator, doc: &Value) -> Vec<String> {
    v.errors(doc).into_iter().take(5).collect()
}

/// The validator's draft-07 semantics on small schemas, independent of MOF.
#[test]
fn validator_semantics() {
    let v = schema::Validator::new(json!({
        "type": "object",
        "required": ["n", "xs"],
        "properties": {
            "n": {"type": "integer", "minimum": 1},
            "xs": {"type": "array", "items": {"$ref": "#/definitions/x"}, "uniqueItems": true,
                   "minItems": 1, "maxItems": 3},
            "k": {"oneOf": [{"const": 1}, {"enum": [1, 2]}, {"type": "string"}]}
        },
        "definitions": {"x": {"type": ["number", "null"]}}
    }));
    assert!(v.errors(&json!({"n": 1.0, "xs": [1, null]})).is_empty());
    // integer: 1.5 is not; minimum; required; items through $ref; type list.
    assert_eq!(v.errors(&json!({"n": 1.5, "xs": [1]})).len(), 1);
    assert_eq!(v.errors(&json!({"n": 0, "xs": [1]})).len(), 1);
    assert_eq!(v.errors(&json!({"xs": [1]})).len(), 1);
    assert_eq!(v.errors(&json!({"n": 1, "xs": ["a"]})).len(), 1);
    // uniqueItems compares numbers by value; min/maxItems.
    assert_eq!(v.errors(&json!({"n": 1, "xs": [1, 1.0]})).len(), 1);
    assert_eq!(v.errors(&json!({"n": 1, "xs": []})).len(), 1);
    assert_eq!(v.errors(&json!({"n": 1, "xs": [1, 2, 3, 4]})).len(), 1);
    // oneOf: 2 matches only the enum, "a" only the string, 1 matches two branches.
    assert!(v.errors(&json!({"n": 1, "xs": [1], "k": 2})).is_empty());
    assert!(v.errors(&json!({"n": 1, "xs": [1], "k": "a"})).is_empty());
    assert_eq!(v.errors(&json!({"n": 1, "xs": [1], "k": 1})).len(), 1);
    assert_eq!(v.errors(&json!({"n": 1, "xs": [1], "k": 3})).len(), 1);
    // Keywords constrain only their own instance type.
    assert_eq!(v.errors(&json!("text")).len(), 1); // only "type": object
}

#[test]
#[should_panic(expected = "unsupported schema keyword 'pattern'")]
fn validator_refuses_keywords_it_does_not_implement() {
    let v = schema::Validator::new(json!({"pattern": "^a"}));
    v.errors(&json!("abc"));
}

fn exported(model: Model, reg: Regularizer, c: usize) -> Value {
    let problem = Problem::build(&spec(model, reg, c)).unwrap();
    let (bytes, _, _) = export::render_problem(&problem, Format::Mof).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn the_schema_rejects_broken_files() {
    // A check that cannot fail is no check: each corruption must be caught.
    let v = validator();
    let good = exported(Model::Relu, Regularizer::NeuronGl1, 1);
    assert!(errors(&v, &good).is_empty(), "{:?}", errors(&v, &good));
    let first_vector = good["constraints"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["set"]["type"] == "SecondOrderCone")
        .expect("a second-order cone constraint");

    type Corrupt = fn(&mut Value, usize);
    let cases: [(&str, Corrupt); 10] = [
        ("missing required key 'variables'", |d, _| {
            d.as_object_mut().unwrap().remove("variables");
        }),
        ("missing required key 'set' of a constraint", |d, _| {
            d["constraints"][0].as_object_mut().unwrap().remove("set");
        }),
        ("missing objective sense", |d, _| {
            d["objective"].as_object_mut().unwrap().remove("sense");
        }),
        ("wrong type: variables is a string", |d, _| {
            d["variables"] = "x".into();
        }),
        ("wrong type: a variable name is a number", |d, _| {
            d["variables"][0]["name"] = 3.into();
        }),
        ("wrong type: a cone dimension is not an integer", |d, k| {
            d["constraints"][k]["set"]["dimension"] = 2.5.into();
        }),
        ("unknown cone type", |d, k| {
            d["constraints"][k]["set"]["type"] = "LorentzCone".into();
        }),
        ("misspelt set type 'Zeroes' (MOF says Zeros)", |d, _| {
            d["constraints"][0]["set"]["type"] = "Zeroes".into();
        }),
        ("version 2", |d, _| {
            d["version"]["major"] = 2.into();
        }),
        ("duplicate variable (uniqueItems)", |d, _| {
            let first = d["variables"][0].clone();
            d["variables"].as_array_mut().unwrap().push(first);
        }),
    ];
    for (what, corrupt) in cases {
        let mut doc = good.clone();
        corrupt(&mut doc, first_vector);
        assert_ne!(doc, good, "{what}: the corruption changed nothing");
        let e = errors(&v, &doc);
        assert!(!e.is_empty(), "{what}: accepted");
    }
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
            let doc = exported(model, reg, c);
            let e = errors(&v, &doc);
            assert!(e.is_empty(), "{model:?} {reg:?} c={c}: {e:?}");
        }
    }
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/tiny_relu.mof.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(golden).unwrap()).unwrap();
    assert!(errors(&v, &doc).is_empty());
}
