//! Standard solver formats (SPEC §5): a compiled problem written for other solvers.
//!
//! One module per format, in the style of MathOptInterface's FileFormats:
//!
//! | format | module | lowering | read by (from their docs) |
//! |---|---|---|---|
//! | CBF 3 (Conic Benchmark Format) | [`cbf`] (write and read) | conic | MOSEK, COPT, MathOptInterface `FileFormats.CBF` (so any JuMP conic solver) |
//! | MathOptFormat 1.x JSON | [`mof`] | quadratic | MathOptInterface `FileFormats.MOF` (JuMP) |
//! | Clarabel JSON | [`clarabel_json`] | quadratic | Clarabel's `load_from_file` |
//! | free MPS with QUADOBJ | [`mps`] | quadratic, no cones | HiGHS, MOSEK, COPT, CPLEX, Gurobi, MathOptInterface `FileFormats.MPS` |
//!
//! The conic formats (CBF, MOF) write constraints as `G x + h ∈ K`, Clarabel as
//! `b − A x ∈ K`: the translation between the two is [`conic_row`], the only place
//! it is made (the CBF reader uses it backwards, see [`cbf::read`](mod@cbf::read)).
//!
//! [`solution`] is the file an external solver writes back after solving an
//! exported instance (status and primal vector, `cvxrelu-solution 1`).
//!
//! [`write_problem`] compiles a problem with the lowering its format needs, writes the
//! file atomically and returns an [`ExportRecord`] (file size and dimensions).

pub mod cbf;
pub mod clarabel_json;
pub mod mof;
pub mod mps;
pub mod solution;

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::compile::{self, Lowering};
use crate::cone::{Cone, ConeProgram, ConeProgramError, ProgramSize};
use crate::fsio::{WriteError, write_atomic};
use crate::model::{Problem, ProblemInfo};

pub use crate::compile::Names;

/// An output format of `cvxrelu export`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Conic Benchmark Format, version 3 (purely conic lowering).
    Cbf,
    /// MathOptFormat JSON 1.x (quadratic objective).
    Mof,
    /// Clarabel's own JSON problem file (`load_from_file`).
    ClarabelJson,
    /// Free-format MPS with a QUADOBJ section (problems without cones only).
    Mps,
}

impl Format {
    pub const fn name(&self) -> &'static str {
        match self {
            Format::Cbf => "cbf",
            Format::Mof => "mof",
            Format::ClarabelJson => "clarabel-json",
            Format::Mps => "mps",
        }
    }

    /// The lowering a format needs: CBF has no quadratic objective, the others do.
    pub fn lowering(&self) -> Lowering {
        match self {
            Format::Cbf => Lowering::Conic,
            Format::Mof | Format::ClarabelJson | Format::Mps => Lowering::Quadratic,
        }
    }

    /// The usual file extension.
    pub fn extension(&self) -> &'static str {
        match self {
            Format::Cbf => "cbf",
            Format::Mof => "mof.json",
            Format::ClarabelJson => "json",
            Format::Mps => "mps",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{format} cannot express this problem: {reason}")]
    Unsupported {
        format: &'static str,
        reason: String,
    },
    #[error(transparent)]
    Compile(#[from] compile::CompileError),
    #[error("invalid compiled program: {0}")]
    Program(#[from] ConeProgramError),
    #[error("serialising {format}: {message}")]
    Serialize {
        format: &'static str,
        message: String,
    },
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// The translation between Clarabel's `s = b − A x ∈ K` and the `G x + h ∈ K` of
/// the conic formats (CBF, MathOptFormat's `VectorAffineFunction`-in-set): with the
/// same cone `K`, `G = −A` and `h = b`. Returns `(G_ij, h_i)` from `(A_ij, b_i)`;
/// the map is an involution, so the CBF reader uses it to go back.
#[inline]
pub fn conic_row(a: f64, b: f64) -> (f64, f64) {
    (-a, b)
}

/// Shortest representation that reads back to the same `f64` (Rust's `Display`
/// and `LowerExp` are both shortest-round-trip); exponent notation outside
/// `[1e-4, 1e16)` keeps tiny and huge values short.
pub fn fmt_f64(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".to_string()
    } else if (1e-4..1e16).contains(&a) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// Where an exported problem came from: written as comments (CBF, MPS), the
/// description (MOF) or an extra field (Clarabel JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    pub generator: String,
    pub data: String,
    pub model: String,
    pub reg: String,
    pub lambda: f64,
    pub n: usize,
    pub d: usize,
    pub c: usize,
    pub patterns_requested: usize,
    pub patterns: usize,
    /// The gate seed, or `None` when the gates came from a file.
    pub seed: Option<u64>,
    pub gates: Option<String>,
    pub bias: bool,
    pub scale: String,
    pub lowering: Lowering,
}

impl Provenance {
    pub fn new(problem: &Problem, lowering: Lowering) -> Provenance {
        let s = &problem.spec();
        Provenance {
            generator: format!("cvxrelu {}", env!("CARGO_PKG_VERSION")),
            data: s.data.clone(),
            model: problem.model().name().to_string(),
            reg: problem.reg().name().to_string(),
            lambda: problem.lambda(),
            n: problem.n(),
            d: problem.d(),
            c: problem.c(),
            patterns_requested: problem.patterns().requested,
            patterns: problem.p(),
            seed: if s.gates.is_some() {
                None
            } else {
                Some(s.seed)
            },
            gates: s.gates.clone(),
            bias: s.bias,
            scale: s.scale.name().to_string(),
            lowering,
        }
    }

    /// One `key: value` line per field, in a fixed order (for comment headers).
    pub fn lines(&self) -> Vec<String> {
        let lowering = match self.lowering {
            Lowering::Quadratic => "quadratic",
            Lowering::Conic => "conic",
        };
        let gates = match (&self.gates, self.seed) {
            (Some(g), _) => format!("gates: {g}"),
            (None, Some(seed)) => format!("gates: drawn, seed {seed}"),
            (None, None) => "gates: drawn".to_string(),
        };
        vec![
            format!("generator: {}", self.generator),
            format!("data: {}", self.data),
            format!("model: {}", self.model),
            format!("reg: {}", self.reg),
            format!("lambda: {}", fmt_f64(self.lambda)),
            format!("n: {}, d: {}, c: {}", self.n, self.d, self.c),
            format!(
                "patterns: {} (requested {})",
                self.patterns, self.patterns_requested
            ),
            gates,
            format!("bias: {}, scale: {}", self.bias, self.scale),
            format!("lowering: {lowering}"),
        ]
    }
}

/// Rows per cone kind of a compiled program.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConeSummary {
    pub zero_rows: usize,
    pub nonnegative_rows: usize,
    pub second_order_cones: usize,
    pub second_order_rows: usize,
}

impl ConeSummary {
    pub fn of(cones: &[Cone]) -> ConeSummary {
        let mut s = ConeSummary::default();
        for c in cones {
            match *c {
                Cone::Zero(m) => s.zero_rows += m,
                Cone::Nonnegative(m) => s.nonnegative_rows += m,
                Cone::SecondOrder(m) => {
                    s.second_order_cones += 1;
                    s.second_order_rows += m;
                }
            }
        }
        s
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportTimes {
    pub compile_s: f64,
    pub write_s: f64,
}

/// The record of one export (printed by `cvxrelu export`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportRecord {
    pub format: Format,
    pub path: String,
    /// Size of the written file in bytes.
    pub bytes: u64,
    pub lowering: Lowering,
    /// Columns, rows, nonzeros of `A` and of the upper triangle of `P`, cone blocks.
    pub size: ProgramSize,
    pub cone_rows: ConeSummary,
    pub problem: ProblemInfo,
    pub time: ExportTimes,
}

/// Write a compiled program in `format` (no file I/O). `names` and `provenance`
/// are written where the format has room for them.
pub fn render(
    program: &ConeProgram,
    format: Format,
    names: &Names,
    provenance: &Provenance,
) -> Result<Vec<u8>, ExportError> {
    program.validate()?;
    match format {
        Format::Cbf => Ok(cbf::write(program, &provenance.lines())?.into_bytes()),
        Format::Mof => mof::write(program, names, provenance),
        Format::ClarabelJson => clarabel_json::write(program, provenance),
        Format::Mps => Ok(mps::write(program, names, &provenance.lines())?.into_bytes()),
    }
}

/// Compile `problem` with the lowering `format` needs and render it in memory.
/// Returns the bytes and the compiled program's size and cones.
pub fn render_problem(
    problem: &Problem,
    format: Format,
) -> Result<(Vec<u8>, ProgramSize, ConeSummary), ExportError> {
    let lowering = format.lowering();
    let (program, inverse) = compile::apply(problem, lowering);
    let names = Names::from_layout(&inverse.layout);
    let bytes = render(
        &program,
        format,
        &names,
        &Provenance::new(problem, lowering),
    )?;
    Ok((bytes, program.size(), ConeSummary::of(&program.cones)))
}

/// Compile `problem`, write it to `path` in `format` (atomically) and report what
/// was written. Refuses problems whose compiled size is above `max_memory` bytes.
pub fn write_problem_with_limit(
    problem: &Problem,
    format: Format,
    path: &Path,
    max_memory: u64,
) -> Result<ExportRecord, ExportError> {
    let lowering = format.lowering();
    compile::check_memory(problem, lowering, max_memory)?;
    let t = Instant::now();
    let (program, inverse) = compile::apply(problem, lowering);
    let compile_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let names = Names::from_layout(&inverse.layout);
    let bytes = render(
        &program,
        format,
        &names,
        &Provenance::new(problem, lowering),
    )?;
    write_atomic(path, &bytes)?;
    let write_s = t.elapsed().as_secs_f64();
    Ok(ExportRecord {
        format,
        path: path.display().to_string(),
        bytes: bytes.len() as u64,
        lowering,
        size: program.size(),
        cone_rows: ConeSummary::of(&program.cones),
        problem: problem.info(),
        time: ExportTimes { compile_s, write_s },
    })
}

/// [`write_problem_with_limit`] with the default memory limit (for the harness).
pub fn write_problem(
    problem: &Problem,
    format: Format,
    path: &Path,
) -> Result<ExportRecord, ExportError> {
    write_problem_with_limit(problem, format, path, compile::DEFAULT_MAX_MEMORY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_round_trip_shortest() {
        for v in [
            0.1,
            1.0,
            -2.5,
            1e-7,
            123456.789,
            std::f64::consts::FRAC_1_SQRT_2,
            1e300,
            -5e-324,
            1.0 / 3.0,
        ] {
            let s = fmt_f64(v);
            assert_eq!(s.parse::<f64>().unwrap(), v, "{s}");
        }
        assert_eq!(fmt_f64(1e-7), "1e-7");
        assert_eq!(fmt_f64(0.5), "0.5");
        assert_eq!(fmt_f64(2.0), "2");
        assert_eq!(fmt_f64(-0.0), "0");
    }

    #[test]
    fn sign_convention_is_an_involution() {
        let (g, h) = conic_row(2.5, -1.0);
        assert_eq!((g, h), (-2.5, -1.0));
        assert_eq!(conic_row(g, h), (2.5, -1.0));
    }
}

crate::named::named!(Format, [Cbf, Mof, ClarabelJson, Mps]);
