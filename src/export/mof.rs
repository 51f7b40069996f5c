//! MathOptFormat (MOF) JSON, version 1.x: the file format of JuMP /
//! MathOptInterface (`MOI.FileFormats.MOF`), validated by the official schema.
//!
//! The program `min ½xᵀPx + qᵀx s.t. b − Ax ∈ K` is written as
//!
//! - one variable per column, named after the mathematics ([`Names`]);
//! - the objective as a `ScalarQuadraticFunction` (a `ScalarAffineFunction` when
//!   `P = 0`). MOI's convention: the function is `½ xᵀQx + aᵀx + b` with `Q`
//!   symmetric, a term `(c, x_i, x_j)` with `i ≠ j` setting `Q_ij = Q_ji = c` (it
//!   contributes `c x_i x_j`) and a term `(c, x_i, x_i)` setting `Q_ii = c` (it
//!   contributes `½ c x_i²`, so the coefficient of `x_i²` is written doubled; MOI's
//!   docs: `yz + y²` is the terms `(1, y, z), (2, y, y)`). Our `P` is that `Q`'s
//!   upper triangle, so every stored entry of `P` is written as is;
//! - one constraint per cone block: a `VectorAffineFunction` `G x + h` in `Zeros`,
//!   `Nonnegatives` or `SecondOrderCone` (`(t, x)` with `t ≥ ‖x‖`, the same order as
//!   ours), with `G = −A`, `h = b` ([`crate::export::conic_row`]); `output_index` is
//!   1-based (MOF follows Julia).
//!
//! The version written is 1.0: the features used are all in MOF 1.0, so every MOF
//! reader since then accepts the file.

use serde::Serialize;

use super::{ExportError, Names, Provenance, conic_row};
use crate::cone::{Cone, ConeProgram};

#[derive(Serialize)]
struct Version {
    major: u32,
    minor: u32,
}

#[derive(Serialize)]
struct Variable<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct AffineTerm<'a> {
    coefficient: f64,
    variable: &'a str,
}

#[derive(Serialize)]
struct QuadraticTerm<'a> {
    coefficient: f64,
    variable_1: &'a str,
    variable_2: &'a str,
}

#[derive(Serialize)]
#[serde(tag = "type")]
enum ObjectiveFunction<'a> {
    ScalarAffineFunction {
        terms: Vec<AffineTerm<'a>>,
        constant: f64,
    },
    ScalarQuadraticFunction {
        affine_terms: Vec<AffineTerm<'a>>,
        quadratic_terms: Vec<QuadraticTerm<'a>>,
        constant: f64,
    },
}

#[derive(Serialize)]
struct Objective<'a> {
    sense: &'static str,
    function: ObjectiveFunction<'a>,
}

#[derive(Serialize)]
struct VectorAffineTerm<'a> {
    output_index: usize,
    scalar_term: AffineTerm<'a>,
}

#[derive(Serialize)]
struct VectorAffineFunction<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    terms: Vec<VectorAffineTerm<'a>>,
    constants: Vec<f64>,
}

#[derive(Serialize)]
#[serde(tag = "type")]
enum Set {
    Zeros { dimension: usize },
    Nonnegatives { dimension: usize },
    SecondOrderCone { dimension: usize },
}

#[derive(Serialize)]
struct Constraint<'a> {
    name: &'a str,
    function: VectorAffineFunction<'a>,
    set: Set,
}

#[derive(Serialize)]
struct Model<'a> {
    name: &'static str,
    description: String,
    version: Version,
    variables: Vec<Variable<'a>>,
    objective: Objective<'a>,
    constraints: Vec<Constraint<'a>>,
}

fn objective<'a>(program: &ConeProgram, names: &'a Names) -> Objective<'a> {
    let affine_terms: Vec<AffineTerm> = program
        .q
        .iter()
        .enumerate()
        .filter(|(_, v)| **v != 0.0)
        .map(|(j, &v)| AffineTerm {
            coefficient: v,
            variable: &names.cols[j],
        })
        .collect();
    let mut quadratic_terms = Vec::with_capacity(program.p.nnz());
    for (col, colvec) in program.p.outer_iterator().enumerate() {
        for (row, &v) in colvec.iter().filter(|(_, v)| **v != 0.0) {
            quadratic_terms.push(QuadraticTerm {
                coefficient: v,
                variable_1: &names.cols[row],
                variable_2: &names.cols[col],
            });
        }
    }
    let function = if quadratic_terms.is_empty() {
        ObjectiveFunction::ScalarAffineFunction {
            terms: affine_terms,
            constant: 0.0,
        }
    } else {
        ObjectiveFunction::ScalarQuadraticFunction {
            affine_terms,
            quadratic_terms,
            constant: 0.0,
        }
    };
    Objective {
        sense: "min",
        function,
    }
}

fn constraints<'a>(program: &ConeProgram, names: &'a Names) -> Vec<Constraint<'a>> {
    let a = program.a.to_csr();
    let mut out = Vec::with_capacity(program.cones.len());
    let mut start = 0;
    for (cone, name) in program.cones.iter().zip(&names.cones) {
        let m = cone.dim();
        let mut terms = Vec::new();
        let mut constants = Vec::with_capacity(m);
        for r in start..start + m {
            if let Some(row) = a.outer_view(r) {
                for (j, &v) in row.iter().filter(|(_, v)| **v != 0.0) {
                    let (g, _) = conic_row(v, 0.0);
                    terms.push(VectorAffineTerm {
                        output_index: r - start + 1,
                        scalar_term: AffineTerm {
                            coefficient: g,
                            variable: &names.cols[j],
                        },
                    });
                }
            }
            constants.push(conic_row(0.0, program.b[r]).1);
        }
        let set = match *cone {
            Cone::Zero(dimension) => Set::Zeros { dimension },
            Cone::Nonnegative(dimension) => Set::Nonnegatives { dimension },
            Cone::SecondOrder(dimension) => Set::SecondOrderCone { dimension },
        };
        out.push(Constraint {
            name,
            function: VectorAffineFunction {
                kind: "VectorAffineFunction",
                terms,
                constants,
            },
            set,
        });
        start += m;
    }
    out
}

/// The MOF JSON of `program` (compact, one line).
pub fn write(
    program: &ConeProgram,
    names: &Names,
    provenance: &Provenance,
) -> Result<Vec<u8>, ExportError> {
    let model = Model {
        name: "cvxrelu",
        description: provenance.lines().join("; "),
        version: Version { major: 1, minor: 0 },
        variables: names.cols.iter().map(|name| Variable { name }).collect(),
        objective: objective(program, names),
        constraints: constraints(program, names),
    };
    let mut bytes = serde_json::to_vec(&model).map_err(|e| ExportError::Serialize {
        format: "mof",
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}
