//! Reading CBF version 3 (the version [`super::write()`] writes; other versions are
//! refused with the supported one named) with the cones `F`, `L=`, `L+`, `L-`, `Q`, `QR`
//! into a [`ConeProgram`]; anything else is refused with its line number.
//!
//! The file states `min/max cᵀx + c₀  s.t.  g(x) = G x + h ∈ K_con, x ∈ K_var`.
//! Every constraint becomes rows of Clarabel's `b − A x ∈ K` through
//! [`crate::export::conic_row`] (`A = −G`, `b = h`), after two cone maps:
//!
//! - `L-` rows are negated: `g ∈ R₋ ⇔ −g ∈ R₊`;
//! - `QR` cones become `Q` cones by the orthogonal map
//!   `(x₁, x₂, x₃:) ↦ ((x₁+x₂)/√2, (x₁−x₂)/√2, x₃:)`, since
//!   `((x₁+x₂)² − (x₁−x₂)²)/2 = 2x₁x₂`, and `x₁ + x₂ ≥ 0` with `2x₁x₂ ≥ 0` gives
//!   `x₁, x₂ ≥ 0`;
//! - variable domains other than `F` become rows `g = x_j` (`G = I`, `h = 0`) in
//!   their cone; `F` rows in `CON` constrain nothing and are dropped.
//!
//! **Row order.** Clarabel needs the cones in the order Zero → Nonnegative →
//! SecondOrder, so rows are permuted: all `L=` rows (CON rows in file order, then
//! variable-domain rows), one Zero cone; then all `L+`/`L-` rows (same order), one
//! Nonnegative cone; then each `Q`/`QR` cone in file order (CON cones, then VAR
//! cones). [`CbfProblem::con_row`] and [`CbfProblem::var_row`] record where each
//! CBF row and each constrained variable went. A file written by
//! [`super::write()`] is already in this order, so its rows map to themselves.
//!
//! Sections must come in an order where what a section refers to is known:
//! `VER` first, `VAR` before `OBJACOORD`/`ACOORD`, `CON` before `ACOORD`/`BCOORD`;
//! each section at most once. Duplicate coordinates are summed. Counts and indices
//! are checked against their headers, numbers must be finite.
//!
//! **Memory.** Nothing is allocated from a header's numbers: entry lists start with
//! at most as many slots as the file has room for lines, and the
//! dimension-sized buffers (`x`, the rows, the column pointers) are allocated only
//! after every section has been read and [`estimate_bytes`] — the program plus its
//! Clarabel solve — has been checked against the caller's limit
//! ([`read_with_limit`]; [`read`] uses the default 8 GiB of `--max-memory`). So
//! `VAR 100000000000 1` / `F 100000000000` is refused with the estimate instead of
//! aborting in the allocator.

use std::f64::consts::FRAC_1_SQRT_2;

use sprs::{CsMat, TriMat};

use super::CbfCone;
use crate::cone::{Cone, ConeProgram};
use crate::export::conic_row;

/// An error with the 1-based line it was found on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CbfError {
    pub line: usize,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sense {
    Min,
    Max,
}

/// A CBF file as a cone program. The program minimises `σ cᵀx` (σ = −1 for `MAX`),
/// so the file's objective at `x` is [`CbfProblem::objective`].
#[derive(Clone, Debug)]
pub struct CbfProblem {
    pub program: ConeProgram,
    pub version: u32,
    pub sense: Sense,
    /// The constant `c₀` of the objective (`OBJBCOORD`).
    pub objective_constant: f64,
    /// Number of scalar variables (`VAR n`).
    pub num_vars: usize,
    /// For each `CON` row, its row in the program (`None` for rows in `F`). Rows of a
    /// `QR` cone keep their position inside the cone (its first two rows are mixed).
    pub con_row: Vec<Option<usize>>,
    /// For each variable, the program row of its domain constraint (`None` for `F`).
    pub var_row: Vec<Option<usize>>,
    /// The `#` comment lines, without the `#` (provenance of files we wrote).
    pub comments: Vec<String>,
}

impl CbfProblem {
    /// The file's objective `cᵀx + c₀` at `x`.
    pub fn objective(&self, x: &[f64]) -> f64 {
        let sign = match self.sense {
            Sense::Min => 1.0,
            Sense::Max => -1.0,
        };
        sign * self.program.objective(x) + self.objective_constant
    }
}

/// The section keywords of CBF (versions 1–4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keyword {
    Ver,
    ObjSense,
    Var,
    Con,
    ObjACoord,
    ObjBCoord,
    ACoord,
    BCoord,
    /// Keywords of features this reader refuses.
    Unsupported(&'static str, &'static str),
}

impl Keyword {
    fn parse(s: &str) -> Option<Keyword> {
        const INTEGERS: &str = "integer variables are not supported";
        const PSD: &str = "semidefinite variables and constraints are not supported";
        const POW: &str = "power cones are not supported";
        Some(match s {
            "VER" => Keyword::Ver,
            "OBJSENSE" => Keyword::ObjSense,
            "VAR" => Keyword::Var,
            "CON" => Keyword::Con,
            "OBJACOORD" => Keyword::ObjACoord,
            "OBJBCOORD" => Keyword::ObjBCoord,
            "ACOORD" => Keyword::ACoord,
            "BCOORD" => Keyword::BCoord,
            "INT" => Keyword::Unsupported("INT", INTEGERS),
            "PSDVAR" => Keyword::Unsupported("PSDVAR", PSD),
            "PSDCON" => Keyword::Unsupported("PSDCON", PSD),
            "OBJFCOORD" => Keyword::Unsupported("OBJFCOORD", PSD),
            "FCOORD" => Keyword::Unsupported("FCOORD", PSD),
            "HCOORD" => Keyword::Unsupported("HCOORD", PSD),
            "DCOORD" => Keyword::Unsupported("DCOORD", PSD),
            "POWCONES" => Keyword::Unsupported("POWCONES", POW),
            "POW*CONES" => Keyword::Unsupported("POW*CONES", POW),
            "CHANGE" => {
                Keyword::Unsupported("CHANGE", "sequences of changed problems are not supported")
            }
            _ => return None,
        })
    }

    fn name(&self) -> &'static str {
        match self {
            Keyword::Ver => "VER",
            Keyword::ObjSense => "OBJSENSE",
            Keyword::Var => "VAR",
            Keyword::Con => "CON",
            Keyword::ObjACoord => "OBJACOORD",
            Keyword::ObjBCoord => "OBJBCOORD",
            Keyword::ACoord => "ACOORD",
            Keyword::BCoord => "BCOORD",
            Keyword::Unsupported(k, _) => k,
        }
    }
}

/// The non-comment, non-blank lines of the text, with their 1-based numbers.
struct Lines<'a> {
    inner: std::iter::Enumerate<std::str::Lines<'a>>,
    comments: Vec<String>,
    /// Number of the last line read (for end-of-file errors).
    last: usize,
    /// Length of the text in bytes: no section has more entries than half of it.
    len: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        Lines {
            inner: text.lines().enumerate(),
            comments: Vec::new(),
            last: 0,
            len: text.len(),
        }
    }

    /// Initial capacity for `count` entries of one line each: at most what the file
    /// can hold (each entry line takes at least two bytes), never the header alone.
    fn capacity(&self, count: usize) -> usize {
        count.min(self.len / 2 + 1)
    }

    fn next(&mut self) -> Option<(usize, &'a str)> {
        for (i, raw) in self.inner.by_ref() {
            self.last = i + 1;
            let t = raw.trim();
            if let Some(c) = t.strip_prefix('#') {
                self.comments.push(c.trim().to_string());
            } else if !t.is_empty() {
                return Some((i + 1, t));
            }
        }
        None
    }

    /// The next line of the body of `section`: a data line, not a keyword, not EOF.
    fn body(&mut self, section: &str, what: &str) -> Result<(usize, &'a str), CbfError> {
        match self.next() {
            None => Err(CbfError {
                line: self.last + 1,
                message: format!("unexpected end of file in {section}: expected {what}"),
            }),
            Some((ln, t)) if Keyword::parse(t).is_some() => Err(CbfError {
                line: ln,
                message: format!("{section} ends early: expected {what}, found the keyword {t}"),
            }),
            Some(l) => Ok(l),
        }
    }
}

fn err(line: usize, message: impl Into<String>) -> CbfError {
    CbfError {
        line,
        message: message.into(),
    }
}

fn fields<'a>(ln: usize, t: &'a str, n: usize, what: &str) -> Result<Vec<&'a str>, CbfError> {
    let f: Vec<&str> = t.split_whitespace().collect();
    if f.len() != n {
        return Err(err(
            ln,
            format!("expected {n} field(s) ({what}), found {}: '{t}'", f.len()),
        ));
    }
    Ok(f)
}

fn parse_usize(ln: usize, s: &str, what: &str) -> Result<usize, CbfError> {
    s.parse::<usize>().map_err(|_| {
        err(
            ln,
            format!("bad {what} '{s}': expected a non-negative integer"),
        )
    })
}

fn parse_f64(ln: usize, s: &str, what: &str) -> Result<f64, CbfError> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(err(
            ln,
            format!("bad {what} '{s}': expected a finite number"),
        )),
    }
}

fn index(ln: usize, s: &str, what: &str, bound: usize, declared: &str) -> Result<usize, CbfError> {
    let i = parse_usize(ln, s, what)?;
    if i >= bound {
        return Err(err(
            ln,
            format!("{what} {i} out of range: {declared} declares {bound} (indices are 0-based)"),
        ));
    }
    Ok(i)
}

/// A `VAR` or `CON` section: its total and its cones with their dimensions.
#[derive(Clone, Debug)]
struct ConeList {
    total: usize,
    cones: Vec<(CbfCone, usize)>,
    /// Line of the header `total count`.
    line: usize,
}

/// Everything read, before assembly.
#[derive(Default)]
struct Sections {
    version: Option<u32>,
    sense: Option<Sense>,
    var: Option<ConeList>,
    con: Option<ConeList>,
    c: Vec<(usize, f64)>,
    c0: f64,
    a: Vec<(usize, usize, f64)>,
    h: Vec<(usize, f64)>,
}

/// Read a CBF file's text, refusing programs whose estimated size
/// ([`estimate_bytes`]) exceeds the default memory limit
/// ([`crate::compile::DEFAULT_MAX_MEMORY`]).
pub fn read(text: &str) -> Result<CbfProblem, CbfError> {
    read_with_limit(text, crate::compile::DEFAULT_MAX_MEMORY)
}

/// Estimated bytes of the program of a file with `vars` variables, `rows` program
/// rows and `nnz` nonzeros in `A`, once read and solved by Clarabel: the compile
/// estimate's per-entry and per-row/column terms ([`crate::compile::MemoryEstimate`],
/// 2 × (48 B per nonzero + 240 B per row or column)), which also bounds the reader's
/// own buffers (about 100 B per row or column, 40 B per nonzero). Computed in
/// floating point so that no header overflows it.
pub fn estimate_bytes(vars: usize, rows: usize, nnz: usize) -> f64 {
    2.0 * (48.0 * nnz as f64 + 240.0 * (vars as f64 + rows as f64))
}

/// [`read`] with an explicit memory limit in bytes (`--max-memory`).
pub fn read_with_limit(text: &str, max_bytes: u64) -> Result<CbfProblem, CbfError> {
    let mut lines = Lines::new(text);
    let mut s = Sections::default();
    let mut seen: Vec<(Keyword, usize)> = Vec::new();
    while let Some((ln, t)) = lines.next() {
        let kw = Keyword::parse(t).ok_or_else(|| {
            if t.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+' || c == '.') {
                err(
                    ln,
                    format!(
                        "expected a section keyword, found data '{t}' (more entries than the previous section's count?)"
                    ),
                )
            } else {
                err(ln, format!("unknown keyword '{t}'"))
            }
        })?;
        if let Keyword::Unsupported(k, why) = kw {
            return Err(err(
                ln,
                format!(
                    "{k}: {why}; this reader handles linear and second-order cone problems (cones F, L=, L+, L-, Q, QR)"
                ),
            ));
        }
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == kw) {
            return Err(err(
                ln,
                format!("duplicate section {} (first at line {first})", kw.name()),
            ));
        }
        check_order(ln, kw, &seen)?;
        seen.push((kw, ln));
        match kw {
            Keyword::Ver => s.version = Some(ver(&mut lines)?),
            Keyword::ObjSense => s.sense = Some(objsense(&mut lines)?),
            Keyword::Var => s.var = Some(cone_list(&mut lines, "VAR", ln)?),
            Keyword::Con => s.con = Some(cone_list(&mut lines, "CON", ln)?),
            Keyword::ObjACoord => s.c = objacoord(&mut lines, var_count(&s))?,
            Keyword::ObjBCoord => s.c0 = objbcoord(&mut lines)?,
            Keyword::ACoord => s.a = acoord(&mut lines, con_count(&s), var_count(&s))?,
            Keyword::BCoord => s.h = bcoord(&mut lines, con_count(&s))?,
            Keyword::Unsupported(..) => unreachable!("refused above"),
        }
    }
    let end = lines.last + 1;
    let comments = std::mem::take(&mut lines.comments);
    check_size(&s, end, max_bytes)?;
    assemble(s, end, comments)
}

/// Refuse, before any dimension-sized allocation, a program above `max_bytes`.
fn check_size(s: &Sections, end: usize, max_bytes: u64) -> Result<(), CbfError> {
    let Some(var) = &s.var else {
        return Ok(()); // assemble reports the missing section
    };
    // Sums of dimensions that were summed without overflow to their section's total.
    let non_free = |l: &ConeList| -> usize {
        l.cones
            .iter()
            .filter(|(c, _)| *c != CbfCone::Free)
            .map(|(_, d)| *d)
            .sum()
    };
    let constrained = non_free(var);
    let con_rows = s.con.as_ref().map_or(0, non_free);
    let rows = con_rows as u128 + constrained as u128;
    let nnz = s.a.len() + constrained;
    // The reader also keeps an entry (16 B) per CON row, free or not.
    let bytes =
        estimate_bytes(var.total, 0, nnz) + 480.0 * rows as f64 + 16.0 * con_count(s) as f64;
    if bytes > max_bytes as f64 {
        let gib = |b: f64| b / (1u64 << 30) as f64;
        let (line, what) = match &s.con {
            Some(c) if c.total > var.total => (c.line, "CON"),
            _ => (var.line, "VAR"),
        };
        return Err(err(
            line.max(1).min(end),
            format!(
                "{what}: the file declares {} variables and {rows} constrained rows ({nnz} nonzeros): reading and solving it needs an estimated {:.3} GiB, above the memory limit of {:.3} GiB (raise it with --max-memory BYTES)",
                var.total,
                gib(bytes),
                gib(max_bytes as f64)
            ),
        ));
    }
    Ok(())
}

/// `VER` first; `VAR` before what indexes variables; `CON` before what indexes rows.
fn check_order(ln: usize, kw: Keyword, seen: &[(Keyword, usize)]) -> Result<(), CbfError> {
    let has = |k: Keyword| seen.iter().any(|(s, _)| *s == k);
    if kw != Keyword::Ver && !has(Keyword::Ver) {
        return Err(err(
            ln,
            format!("{} before VER: a CBF file starts with VER", kw.name()),
        ));
    }
    let needs: &[Keyword] = match kw {
        Keyword::ObjACoord => &[Keyword::Var],
        Keyword::ACoord => &[Keyword::Var, Keyword::Con],
        Keyword::BCoord => &[Keyword::Con],
        _ => &[],
    };
    for n in needs {
        if !has(*n) {
            return Err(err(
                ln,
                format!(
                    "{} before {}: the section it indexes must come first",
                    kw.name(),
                    n.name()
                ),
            ));
        }
    }
    // Structure after data would mean indices were checked against nothing.
    if matches!(kw, Keyword::Var | Keyword::Con) {
        for later in [Keyword::ObjACoord, Keyword::ACoord, Keyword::BCoord] {
            if has(later) {
                return Err(err(
                    ln,
                    format!(
                        "{} after {}: structure sections come first",
                        kw.name(),
                        later.name()
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn var_count(s: &Sections) -> usize {
    s.var.as_ref().map_or(0, |v| v.total)
}

fn con_count(s: &Sections) -> usize {
    s.con.as_ref().map_or(0, |c| c.total)
}

/// The one CBF version read (and written).
pub const SUPPORTED_VERSION: usize = 3;

fn ver(lines: &mut Lines) -> Result<u32, CbfError> {
    let (ln, t) = lines.body("VER", "the version number")?;
    let f = fields(ln, t, 1, "version")?;
    let v = parse_usize(ln, f[0], "version")?;
    if v != SUPPORTED_VERSION {
        return Err(err(
            ln,
            format!(
                "unsupported CBF version {v}: this reader supports CBF version {SUPPORTED_VERSION} only (the version cvxrelu writes)"
            ),
        ));
    }
    Ok(v as u32)
}

fn objsense(lines: &mut Lines) -> Result<Sense, CbfError> {
    let (ln, t) = lines.body("OBJSENSE", "MIN or MAX")?;
    match t {
        "MIN" => Ok(Sense::Min),
        "MAX" => Ok(Sense::Max),
        _ => Err(err(
            ln,
            format!("bad objective sense '{t}': expected MIN or MAX"),
        )),
    }
}

/// `VAR` / `CON`: a header `total k`, then `k` lines `CONE dim`; dims sum to total.
fn cone_list(lines: &mut Lines, section: &str, kw_line: usize) -> Result<ConeList, CbfError> {
    let (ln, t) = lines.body(section, "the header 'total count'")?;
    let f = fields(ln, t, 2, "total and number of cones")?;
    let total = parse_usize(ln, f[0], &format!("{section} total"))?;
    let k = parse_usize(ln, f[1], &format!("{section} number of cones"))?;
    let header_line = ln;
    let mut cones = Vec::with_capacity(lines.capacity(k));
    let mut sum = 0usize;
    for read in 0..k {
        let (ln, t) = lines.body(
            section,
            &format!("cone {} of {k} (declared at line {header_line})", read + 1),
        )?;
        let f = fields(ln, t, 2, "cone and dimension")?;
        let cone = CbfCone::parse(f[0]).ok_or_else(|| {
            let known = ["EXP", "EXP*", "SVPSD"];
            if known.contains(&f[0]) || f[0].contains("POW") {
                err(
                    ln,
                    format!(
                        "cone {} is not supported (this reader handles F, L=, L+, L-, Q, QR)",
                        f[0]
                    ),
                )
            } else {
                err(ln, format!("unknown cone '{}'", f[0]))
            }
        })?;
        let dim = parse_usize(ln, f[1], "cone dimension")?;
        match cone {
            CbfCone::Quadratic if dim < 1 => {
                return Err(err(ln, "a Q cone needs dimension >= 1"));
            }
            CbfCone::RotatedQuadratic if dim < 2 => {
                return Err(err(ln, "a QR cone needs dimension >= 2"));
            }
            _ => {}
        }
        sum = sum
            .checked_add(dim)
            .ok_or_else(|| err(ln, "dimensions overflow"))?;
        cones.push((cone, dim));
    }
    if sum != total {
        return Err(err(
            header_line,
            format!(
                "{section} declares {total} {} but its {k} cone(s) cover {sum} (section at line {kw_line})",
                if section == "VAR" {
                    "variables"
                } else {
                    "rows"
                }
            ),
        ));
    }
    Ok(ConeList {
        total,
        cones,
        line: header_line,
    })
}

fn count(lines: &mut Lines, section: &str) -> Result<(usize, usize), CbfError> {
    let (ln, t) = lines.body(section, "the number of entries")?;
    let f = fields(ln, t, 1, "number of entries")?;
    Ok((ln, parse_usize(ln, f[0], &format!("{section} count"))?))
}

fn entry<'a>(
    lines: &mut Lines<'a>,
    section: &str,
    read: usize,
    total: usize,
    header: usize,
) -> Result<(usize, &'a str), CbfError> {
    lines.body(
        section,
        &format!("entry {} of {total} (count at line {header})", read + 1),
    )
}

fn objacoord(lines: &mut Lines, n: usize) -> Result<Vec<(usize, f64)>, CbfError> {
    let (header, nnz) = count(lines, "OBJACOORD")?;
    let mut c = Vec::with_capacity(lines.capacity(nnz));
    for r in 0..nnz {
        let (ln, t) = entry(lines, "OBJACOORD", r, nnz, header)?;
        let f = fields(ln, t, 2, "variable, value")?;
        let j = index(ln, f[0], "variable index", n, "VAR")?;
        c.push((j, parse_f64(ln, f[1], "coefficient")?));
    }
    Ok(c)
}

fn objbcoord(lines: &mut Lines) -> Result<f64, CbfError> {
    let (ln, t) = lines.body("OBJBCOORD", "the objective constant")?;
    let f = fields(ln, t, 1, "constant")?;
    parse_f64(ln, f[0], "objective constant")
}

fn acoord(lines: &mut Lines, m: usize, n: usize) -> Result<Vec<(usize, usize, f64)>, CbfError> {
    let (header, nnz) = count(lines, "ACOORD")?;
    let mut a = Vec::with_capacity(lines.capacity(nnz));
    for r in 0..nnz {
        let (ln, t) = entry(lines, "ACOORD", r, nnz, header)?;
        let f = fields(ln, t, 3, "row, variable, value")?;
        let i = index(ln, f[0], "row index", m, "CON")?;
        let j = index(ln, f[1], "variable index", n, "VAR")?;
        a.push((i, j, parse_f64(ln, f[2], "coefficient")?));
    }
    Ok(a)
}

fn bcoord(lines: &mut Lines, m: usize) -> Result<Vec<(usize, f64)>, CbfError> {
    let (header, nnz) = count(lines, "BCOORD")?;
    let mut h = Vec::with_capacity(lines.capacity(nnz));
    for r in 0..nnz {
        let (ln, t) = entry(lines, "BCOORD", r, nnz, header)?;
        let f = fields(ln, t, 2, "row, value")?;
        let i = index(ln, f[0], "row index", m, "CON")?;
        h.push((i, parse_f64(ln, f[1], "constant")?));
    }
    Ok(h)
}

/// The kind of program cone a CBF cone lands in.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Zero,
    Nonnegative,
    SecondOrder,
}

/// One CBF cone to place: its kind and its rows in the extended row space (CON rows
/// `0..m`, then one row per constrained variable).
struct Block {
    cone: CbfCone,
    rows: std::ops::Range<usize>,
}

fn group(c: CbfCone) -> Option<Group> {
    match c {
        CbfCone::Free => None,
        CbfCone::Zero => Some(Group::Zero),
        CbfCone::Nonnegative | CbfCone::Nonpositive => Some(Group::Nonnegative),
        CbfCone::Quadratic | CbfCone::RotatedQuadratic => Some(Group::SecondOrder),
    }
}

/// `vec![value; n]`, an error instead of an abort when the allocation fails (a limit
/// raised far above the machine's memory).
fn filled<T: Clone>(n: usize, value: T, line: usize) -> Result<Vec<T>, CbfError> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| {
        err(
            line,
            format!("cannot allocate a buffer of {n} entries for the program"),
        )
    })?;
    v.resize(n, value);
    Ok(v)
}

fn assemble(s: Sections, end: usize, comments: Vec<String>) -> Result<CbfProblem, CbfError> {
    let version = s.version.ok_or_else(|| err(end, "missing VER section"))?;
    let sense = s
        .sense
        .ok_or_else(|| err(end, "missing OBJSENSE section"))?;
    let var = s.var.ok_or_else(|| err(end, "missing VAR section"))?;
    let con = s.con.unwrap_or(ConeList {
        total: 0,
        cones: Vec::new(),
        line: 0,
    });
    let (n, m) = (var.total, con.total);

    // Extended rows: CON rows, then one row x_j per variable in a non-free domain.
    let mut blocks = Vec::new();
    let mut start = 0;
    for &(cone, dim) in &con.cones {
        blocks.push(Block {
            cone,
            rows: start..start + dim,
        });
        start += dim;
    }
    let mut var_ext: Vec<Option<usize>> = filled(n, None, end)?;
    let mut ext = m;
    let mut j0 = 0;
    for &(cone, dim) in &var.cones {
        if cone != CbfCone::Free {
            for (t, slot) in var_ext[j0..j0 + dim].iter_mut().enumerate() {
                *slot = Some(ext + t);
            }
            blocks.push(Block {
                cone,
                rows: ext..ext + dim,
            });
            ext += dim;
        }
        j0 += dim;
    }
    let ext_rows = ext;

    // G (rows of the extended space) in row-major form, and h.
    let mut g = TriMat::with_capacity((ext_rows, n), s.a.len() + (ext_rows - m));
    for &(i, j, v) in &s.a {
        g.add_triplet(i, j, v);
    }
    for (j, r) in var_ext.iter().enumerate() {
        if let Some(r) = r {
            g.add_triplet(*r, j, 1.0);
        }
    }
    let g: CsMat<f64> = g.to_csr();
    let mut h = filled(ext_rows, 0.0, end)?;
    for &(i, v) in &s.h {
        h[i] += v;
    }

    // Place the blocks: Zero, then Nonnegative, then each SecondOrder cone.
    let mut order: Vec<&Block> = blocks.iter().filter(|b| group(b.cone).is_some()).collect();
    order.sort_by_key(|b| group(b.cone)); // stable: file order within a group
    let mut program_row: Vec<Option<usize>> = filled(ext_rows, None, end)?;
    let mut cones: Vec<Cone> = Vec::new();
    let (mut ai, mut aj, mut av) = (Vec::new(), Vec::new(), Vec::new());
    let mut b = Vec::new();
    let mut row = 0usize;
    for blk in order {
        // Each program row is a combination Σ coef · g_r of extended rows.
        let dim = blk.rows.len();
        for (pos, r) in blk.rows.clone().enumerate() {
            program_row[r] = Some(row + pos);
        }
        let combos: Vec<Vec<(usize, f64)>> = match blk.cone {
            CbfCone::Nonpositive => blk.rows.clone().map(|r| vec![(r, -1.0)]).collect(),
            CbfCone::RotatedQuadratic => {
                let (r1, r2) = (blk.rows.start, blk.rows.start + 1);
                let mut c = vec![
                    vec![(r1, FRAC_1_SQRT_2), (r2, FRAC_1_SQRT_2)],
                    vec![(r1, FRAC_1_SQRT_2), (r2, -FRAC_1_SQRT_2)],
                ];
                c.extend(blk.rows.clone().skip(2).map(|r| vec![(r, 1.0)]));
                c
            }
            _ => blk.rows.clone().map(|r| vec![(r, 1.0)]).collect(),
        };
        for combo in combos {
            let mut bi = 0.0;
            for (r, coef) in combo {
                if let Some(rowvec) = g.outer_view(r) {
                    for (j, &v) in rowvec.iter() {
                        let (aij, _) = conic_row(coef * v, 0.0);
                        ai.push(row);
                        aj.push(j);
                        av.push(aij);
                    }
                }
                bi += coef * h[r];
            }
            let (_, bi) = conic_row(0.0, bi);
            b.push(bi);
            row += 1;
        }
        let merged = match (group(blk.cone), cones.last_mut()) {
            (Some(Group::Zero), Some(Cone::Zero(k))) => {
                *k += dim;
                true
            }
            (Some(Group::Nonnegative), Some(Cone::Nonnegative(k))) => {
                *k += dim;
                true
            }
            _ => false,
        };
        if !merged {
            cones.push(match group(blk.cone) {
                Some(Group::Zero) => Cone::Zero(dim),
                Some(Group::Nonnegative) => Cone::Nonnegative(dim),
                Some(Group::SecondOrder) | None => Cone::SecondOrder(dim),
            });
        }
    }
    let a_full = TriMat::from_triplets((row, n), ai, aj, av);
    let sign = match sense {
        Sense::Min => 1.0,
        Sense::Max => -1.0,
    };
    let mut q = filled(n, 0.0, end)?;
    for &(j, v) in &s.c {
        q[j] += sign * v;
    }
    let program = ConeProgram {
        p: CsMat::zero((n, n)).to_csc(),
        q,
        a: a_full.to_csc(),
        b,
        cones,
    };
    program
        .validate()
        .map_err(|e| err(end, format!("the file gives an invalid program: {e}")))?;
    Ok(CbfProblem {
        program,
        version,
        sense,
        objective_constant: s.c0,
        num_vars: n,
        con_row: program_row[..m].to_vec(),
        var_row: var_ext
            .iter()
            .map(|r| r.and_then(|r| program_row[r]))
            .collect(),
        comments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "# a comment\nVER\n3\n\nOBJSENSE\nMAX\n\nVAR\n3 2\nF 1\nL+ 2\n\nCON\n4 2\nQR 3\nL- 1\n\nOBJACOORD\n1\n0 1.5\n\nOBJBCOORD\n2\n\nACOORD\n4\n0 0 1\n1 1 1\n2 2 1\n3 0 1\n\nBCOORD\n2\n1 1\n3 -4\n";

    #[test]
    fn reads_and_permutes_into_canonical_order() {
        let p = read(SMALL).unwrap();
        assert_eq!(p.version, 3);
        assert_eq!(p.sense, Sense::Max);
        assert_eq!(p.comments, vec!["a comment".to_string()]);
        // Nonnegative: the L- row, then the two domain rows x1, x2 >= 0; then the QR cone.
        assert_eq!(
            p.program.cones,
            vec![Cone::Nonnegative(3), Cone::SecondOrder(3)]
        );
        assert_eq!(p.con_row, vec![Some(3), Some(4), Some(5), Some(0)]);
        assert_eq!(p.var_row, vec![None, Some(1), Some(2)]);
        assert_eq!(p.program.q, vec![-1.5, 0.0, 0.0]);
        // x = (x0, x1, x2): slack of the L- row is −(x0 − 4) = 4 − x0.
        let x = [1.0, 2.0, 0.5];
        let s = p.program.slack(&x);
        assert!((s[0] - 3.0).abs() < 1e-15);
        assert_eq!((s[1], s[2]), (2.0, 0.5));
        // QR rows (x0, x1 + 1, x2) → ((x0+x1+1)/√2, (x0−x1−1)/√2, x2)
        assert!((s[3] - 4.0 * FRAC_1_SQRT_2).abs() < 1e-15);
        assert!((s[4] + 2.0 * FRAC_1_SQRT_2).abs() < 1e-15);
        assert_eq!(s[5], 0.5);
        assert_eq!(p.objective(&x), 1.5 + 2.0);
    }

    #[test]
    fn errors_carry_lines() {
        let e = read("VER\n3\nOBJSENSE\nMIN\nVAR\n2 1\nF 2\nACOORD\n1\n0 0 1\n").unwrap_err();
        assert_eq!(e.line, 8, "{e}");
        let e = read("VER\n3\nOBJSENSE\nMIN\nVAR\n2 1\nF 2\nOBJACOORD\n2\n0 1\n").unwrap_err();
        assert_eq!(e.line, 11, "{e}");
        assert!(e.message.contains("end of file"), "{e}");
        let e = read("VER\n3\nVER\n3\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("duplicate"));
        let e = read("VER\n3\nOBJSENSE\nMIN\nVAR\n2 1\nEXP 2\n").unwrap_err();
        assert_eq!(e.line, 7);
        assert!(e.message.contains("not supported"));
    }
}
