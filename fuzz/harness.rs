//! A mutational fuzzer on stable Rust for the file readers of the CLI (see
//! `fuzz/README.md`). Included by `tests/fuzz.rs` (a bounded run in every
//! `cargo test`, plus every committed seed and crash input) and by
//! `examples/fuzz.rs` (long runs: `--minutes`, `--target`).
//!
//! Each [`Target`] feeds bytes to the *library* entry point the CLI uses for that
//! file type and classifies the outcome: `Ok`/`Err` are fine; a panic (caught with
//! `catch_unwind`) or a single allocation above [`ALLOC_CAP`] (seen by the counting
//! global allocator [`CapAlloc`], which the including binary installs) is a failure.
//! An oversized request is refused (null), so a reader using `try_reserve` gets an
//! error and the failure is still reported; an infallible allocation then aborts the
//! process, after [`CapAlloc`] has written the input to the crash file armed by
//! [`arm_crash_dump`] (no allocation needed for that write).
//!
//! Mutations (1–8 stacked per case, from a seeded ChaCha8 RNG): bit flips, random
//! bytes, insertions, deletions, duplications, splices with another corpus entry,
//! number tokens replaced by interesting values (`1e308`, `NaN`, `-0`,
//! `18446744073709551615`, …), and target dictionary tokens (keywords, keys, cone
//! names). Inputs whose outcome (Ok, or the error message with digits removed) is new
//! join the corpus, a crude feedback that reaches past the first error.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::HashSet;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A single allocation above this is a failure (1 GiB).
pub const ALLOC_CAP: usize = 1 << 30;
/// Mutated inputs are truncated to this many bytes.
pub const MAX_INPUT: usize = 1 << 16;
/// The corpus keeps at most this many inputs.
const MAX_CORPUS: usize = 2000;

thread_local! {
    /// Whether this thread is running a fuzz case (the cap applies only then).
    static ARMED: Cell<bool> = const { Cell::new(false) };
    /// The largest refused request of the current case (0: none).
    static OVERSIZE: Cell<usize> = const { Cell::new(0) };
    /// The largest single request of the current case.
    static CASE_PEAK: Cell<usize> = const { Cell::new(0) };
    /// The current input, for the crash dump (pointer, length).
    static CURRENT: Cell<(*const u8, usize)> = const { Cell::new((std::ptr::null(), 0)) };
}

/// File descriptor the allocator writes the current input to before refusing an
/// oversized request (-1: none). Set by [`arm_crash_dump`].
static DUMP_FD: AtomicI32 = AtomicI32::new(-1);
/// Largest single request seen while armed (reported by the long run).
pub static PEAK_REQUEST: AtomicUsize = AtomicUsize::new(0);

/// The global allocator of the fuzz binaries: the system allocator, refusing single
/// requests above [`ALLOC_CAP`] on threads running a case.
pub struct CapAlloc;

unsafe impl GlobalAlloc for CapAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if check(layout.size()) {
            unsafe { System.alloc(layout) }
        } else {
            std::ptr::null_mut()
        }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if check(layout.size()) {
            unsafe { System.alloc_zeroed(layout) }
        } else {
            std::ptr::null_mut()
        }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if check(new_size) {
            unsafe { System.realloc(ptr, layout, new_size) }
        } else {
            std::ptr::null_mut()
        }
    }
}

/// `true` if the request may proceed. Never allocates.
fn check(size: usize) -> bool {
    let armed = ARMED.try_with(|a| a.get()).unwrap_or(false);
    if !armed {
        return true;
    }
    PEAK_REQUEST.fetch_max(size, Ordering::Relaxed);
    let _ = CASE_PEAK.try_with(|p| p.set(p.get().max(size)));
    if size <= ALLOC_CAP {
        return true;
    }
    let _ = OVERSIZE.try_with(|o| o.set(o.get().max(size)));
    let fd = DUMP_FD.load(Ordering::Relaxed);
    if fd >= 0
        && let Ok((ptr, len)) = CURRENT.try_with(|c| c.get())
        && !ptr.is_null()
    {
        // SAFETY: the input outlives the case; the fd was opened by arm_crash_dump
        // and is never closed; ManuallyDrop keeps the File from closing it here.
        use std::os::fd::FromRawFd;
        let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
        let mut f = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(fd) });
        let _ = f.write_all(bytes);
        let _ = f.write_all(b"\n#### (oversized allocation: the input above aborted the fuzzer)\n");
    }
    false
}

/// Open `path` (truncated) as the file the allocator dumps an input to before an
/// oversized request can abort the process.
pub fn arm_crash_dump(path: &Path) -> std::io::Result<()> {
    use std::os::fd::IntoRawFd;
    let f = std::fs::File::create(path)?;
    DUMP_FD.store(f.into_raw_fd(), Ordering::Relaxed);
    Ok(())
}

/// The readers under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Dataset CSV: `Problem::build` on the file (reads it with `read_csv`, then
    /// scales it and computes patterns), as `solve --data` does.
    Csv,
    /// CBF text: `export::cbf::read`, as `solve --cbf` does, then the program's size,
    /// objective and violation at 0 (what the record prints).
    Cbf,
    /// Suite TOML: `Suite::parse`, then `expand` into runs, as `bench` does.
    Suite,
    /// Problem TOML: `ProblemArgs { problem }.resolve()`, then `Problem::build`
    /// when the spec reads a file (not `synth:`) with at most 1000 patterns (huge
    /// sizes there are the memory guards of `--patterns`/`synth:`, not this reader).
    Problem,
    /// Weights JSON: `SolutionFile::read`, as `decompose --from` does, then the
    /// shape-dependent accessors and, when the spec is a small `synth:` problem,
    /// `SolutionFile::problem` and `certify`.
    Weights,
}

pub const ALL: [Target; 5] = [
    Target::Csv,
    Target::Cbf,
    Target::Suite,
    Target::Problem,
    Target::Weights,
];

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Csv => "csv",
            Target::Cbf => "cbf",
            Target::Suite => "suite",
            Target::Problem => "problem",
            Target::Weights => "weights",
        }
    }

    pub fn from_name(s: &str) -> Option<Target> {
        ALL.into_iter().find(|t| t.name() == s)
    }

    fn file_name(self) -> &'static str {
        match self {
            Target::Csv => "input.csv",
            Target::Cbf => "input.cbf",
            Target::Suite => "suite.toml",
            Target::Problem => "problem.toml",
            Target::Weights => "weights.json",
        }
    }

    fn dictionary(self) -> &'static [&'static str] {
        match self {
            Target::Csv => &[
                ",", "\n", "\r\n", "\"", "y", "y0", "y1", "x0", ",y\n", ",y0,y1\n", "\u{feff}",
                " ", "\t", "e", "E", "-", "+", ".",
            ],
            Target::Cbf => &[
                "VER\n",
                "OBJSENSE\n",
                "VAR\n",
                "CON\n",
                "OBJACOORD\n",
                "OBJBCOORD\n",
                "ACOORD\n",
                "BCOORD\n",
                "INT\n",
                "PSDVAR\n",
                "CHANGE\n",
                "MIN\n",
                "MAX\n",
                "F ",
                "L= ",
                "L+ ",
                "L- ",
                "Q ",
                "QR ",
                "EXP ",
                "#",
                "\n",
                " ",
            ],
            Target::Suite => &[
                "[[dataset]]\n",
                "[[model]]\n",
                "[[solver]]\n",
                "[report]\n",
                "name = ",
                "data = ",
                "split = ",
                "test = ",
                "kind = ",
                "patterns = ",
                "lambdas = ",
                "seeds = ",
                "taus = ",
                "time-limit = ",
                "max-memory = ",
                "\"8G\"",
                "\"1T\"",
                "decompose = ",
                "\"exact\"",
                "\"relu\"",
                "\"gated-relu\"",
                "\"fista\"",
                "\"clarabel\"",
                "\"al\"",
                "\"sgd\"",
                "\"adam\"",
                "step-sizes = ",
                "batch-size = ",
                "max-iters = ",
                "tol = ",
                "model = ",
                "studies = ",
                "[\"table1\"]",
                "[\"path\"]",
                "[\"equivalence\"]",
                "scale = ",
                "bias = ",
                "true",
                "[]",
                "[",
                "]",
                "=",
                "\"",
                "\n",
                "\"synth:n=10,d=2\"",
            ],
            Target::Problem => &[
                "data = ",
                "test = ",
                "split = ",
                "split-seed = ",
                "model = ",
                "lambda = ",
                "reg = ",
                "patterns = ",
                "seed = ",
                "gates = ",
                "bias = ",
                "scale = ",
                "\"relu\"",
                "\"gated-relu\"",
                "\"l1\"",
                "\"l2\"",
                "\"feature-gl1\"",
                "\"none\"",
                "\"unit-norm\"",
                "\"data.csv\"",
                "\"gates.csv\"",
                "true",
                "\"\"",
                "\n",
                "=",
                "\"",
            ],
            Target::Weights => &[
                "\"data\":",
                "\"c\":",
                "\"p\":",
                "\"d\":",
                "\"model\":",
                "\"gated-relu\"",
                "\"relu\"",
                "\"u\":",
                "\"v\":",
                "\"w\":",
                "\"gates\":",
                "\"gate_index\":",
                "null",
                "[]",
                "{}",
                "[",
                "]",
                "{",
                "}",
                ",",
                ":",
                "\"",
            ],
        }
    }
}

/// What one input did.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Ok,
    /// The reader refused the input; the message.
    Err(String),
    /// A failure: the panic message.
    Panic(String),
    /// A failure: the largest refused allocation request (bytes).
    Oversize(usize),
}

impl Outcome {
    pub fn is_failure(&self) -> bool {
        matches!(self, Outcome::Panic(_) | Outcome::Oversize(_))
    }

    /// The feedback signature: Ok, or the error message with digits removed.
    fn signature(&self) -> String {
        match self {
            Outcome::Ok => "ok".into(),
            Outcome::Err(m) => {
                // The kind of error, not its details: only the words made of
                // lowercase letters (the reader's own prose), not numbers, paths,
                // column names or other excerpts of the input.
                let words: Vec<&str> = m
                    .split(|c: char| c.is_whitespace() || c == ':' || c == ',')
                    .filter(|w| {
                        (2..=14).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_lowercase())
                    })
                    .take(12)
                    .collect();
                words.join(" ")
            }
            Outcome::Panic(m) => format!("panic {m}"),
            Outcome::Oversize(_) => "oversize".into(),
        }
    }
}

/// A per-thread workspace: the directory files are written to, with a small valid
/// dataset and gate file for problem files to refer to.
pub struct Workspace {
    dir: tempfile::TempDir,
}

const DATA_CSV: &str = "x0,x1,y\n0.5,-1,1\n-0.25,2,-1\n1.5,0.5,1\n-1,-0.5,-1\n";
const GATES_CSV: &str = "g0,g1\n1,0.5\n-0.5,1\n0.25,-1\n";

impl Workspace {
    pub fn new() -> Workspace {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(dir.path().join("data.csv"), DATA_CSV).unwrap();
        std::fs::write(dir.path().join("gates.csv"), GATES_CSV).unwrap();
        Workspace { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace::new()
    }
}

/// Silence the default panic hook's output for panics inside a case (the message is
/// captured with the panic payload); other panics print as usual.
pub fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !ARMED.with(|a| a.get()) {
                default(info);
            }
        }));
    });
}

/// Run one input through `target`.
pub fn run_one(target: Target, ws: &Workspace, input: &[u8]) -> Outcome {
    run_case(input, || exec(target, ws, input))
}

/// The largest single allocation request of the last case on this thread.
pub fn last_case_peak() -> usize {
    CASE_PEAK.with(|p| p.get())
}

/// Run `case` as a fuzz case on `input` (the cap armed, panics caught).
pub fn run_case(input: &[u8], case: impl FnOnce() -> Result<(), String>) -> Outcome {
    quiet_panics();
    CURRENT.with(|c| c.set((input.as_ptr(), input.len())));
    OVERSIZE.with(|o| o.set(0));
    CASE_PEAK.with(|p| p.set(0));
    ARMED.with(|a| a.set(true));
    let result = catch_unwind(AssertUnwindSafe(case));
    ARMED.with(|a| a.set(false));
    CURRENT.with(|c| c.set((std::ptr::null(), 0)));
    let oversize = OVERSIZE.with(|o| o.get());
    match result {
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "(non-string panic)".into());
            if oversize > 0 {
                Outcome::Oversize(oversize)
            } else {
                Outcome::Panic(msg)
            }
        }
        Ok(_) if oversize > 0 => Outcome::Oversize(oversize),
        Ok(Ok(())) => Outcome::Ok,
        Ok(Err(e)) => Outcome::Err(e),
    }
}

fn exec(target: Target, ws: &Workspace, input: &[u8]) -> Result<(), String> {
    match target {
        Target::Cbf => {
            // The CLI reads the file with read_to_string: invalid UTF-8 is a read error.
            let text = std::str::from_utf8(input).map_err(|e| e.to_string())?;
            let p = cvxrelu::export::cbf::read(text).map_err(|e| e.to_string())?;
            let size = p.program.size();
            let x = vec![0.0; p.num_vars];
            let _ = (size.rows, p.objective(&x), p.program.max_violation(&x));
            Ok(())
        }
        Target::Csv => {
            let path = ws.path().join(target.file_name());
            std::fs::write(&path, input).map_err(|e| e.to_string())?;
            let spec = cvxrelu::model::ProblemSpec {
                data: path.display().to_string(),
                test: None,
                split: None,
                split_seed: 0,
                model: cvxrelu::model::Model::GatedRelu,
                lambda: 0.01,
                reg: cvxrelu::model::Regularizer::NeuronGl1,
                patterns: Some(3),
                seed: 0,
                gates: None,
                bias: true,
                scale: cvxrelu::model::Scaling::Standardize,
                target: None,
            };
            let problem = cvxrelu::model::Problem::build(&spec).map_err(|e| e.to_string())?;
            let _ = problem.info();
            Ok(())
        }
        Target::Suite => {
            let text = std::str::from_utf8(input).map_err(|e| e.to_string())?;
            let path = ws.path().join(target.file_name());
            let suite =
                cvxrelu::harness::suite::Suite::parse(&path, text).map_err(|e| e.to_string())?;
            let runs = cvxrelu::harness::expand::expand(&suite);
            let _ = runs.len();
            Ok(())
        }
        Target::Problem => {
            let path = ws.path().join(target.file_name());
            std::fs::write(&path, input).map_err(|e| e.to_string())?;
            let args = cvxrelu::cli::problem_args::ProblemArgs {
                problem: Some(path),
                ..Default::default()
            };
            let spec = args.resolve().map_err(|e| e.to_string())?;
            if spec.data.starts_with("synth:")
                || spec
                    .test
                    .as_deref()
                    .is_some_and(|t| t.starts_with("synth:"))
                || spec.patterns.is_some_and(|p| p > 1000)
            {
                return Ok(());
            }
            cvxrelu::model::Problem::build(&spec).map_err(|e| e.to_string())?;
            Ok(())
        }
        Target::Weights => {
            let path = ws.path().join(target.file_name());
            std::fs::write(&path, input).map_err(|e| e.to_string())?;
            let file =
                cvxrelu::results::solution::SolutionFile::read(&path).map_err(|e| e.to_string())?;
            let w = &file.weights;
            let (c, p, _) = w.shape();
            let e = w.effective();
            for k in 0..c {
                for i in 0..p {
                    let _ = e.norm(k, i);
                }
            }
            let _ = (w.active_neurons(), e.nonzero_blocks());
            // Rebuilding reads/generates data: only for the small synth problem of
            // the seeds (sizes there are another guard's business).
            if file.problem.data == WEIGHTS_SEED_DATA
                && file.problem.patterns.is_some_and(|p| p <= 16)
                && file.problem.gates.is_none()
                && file.problem.test.is_none()
            {
                let problem = file.problem(&path).map_err(|e| e.to_string())?;
                let _ = cvxrelu::certify::certify(&problem, &file.weights);
            }
            Ok(())
        }
    }
}

/// The `data` of the weights seed files (a small synthetic problem).
pub const WEIGHTS_SEED_DATA: &str = "synth:n=30,d=3,width=3,noise=0.1,seed=1";

/// Numbers that break parsers and size computations.
const INTERESTING: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "2",
    "255",
    "256",
    "65536",
    "4294967295",
    "4294967296",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "100000000000",
    "100000000",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "1e309",
    "5e-324",
    "1e-320",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "0x10",
    "1_000",
    "00000000000000000000001",
    "",
];

/// The fuzzer state for one target.
pub struct Fuzzer {
    pub target: Target,
    rng: ChaCha8Rng,
    corpus: Vec<Vec<u8>>,
    seen: HashSet<String>,
    ws: Workspace,
    pub execs: u64,
    pub failures: Vec<(Vec<u8>, Outcome)>,
}

impl Fuzzer {
    pub fn new(target: Target, seeds: Vec<Vec<u8>>, rng_seed: u64) -> Fuzzer {
        assert!(!seeds.is_empty(), "{}: no seed inputs", target.name());
        let mut f = Fuzzer {
            target,
            rng: ChaCha8Rng::seed_from_u64(rng_seed),
            corpus: Vec::new(),
            seen: HashSet::new(),
            ws: Workspace::new(),
            execs: 0,
            failures: Vec::new(),
        };
        for s in seeds {
            let o = f.exec(&s);
            f.seen.insert(o.signature());
            f.corpus.push(s);
        }
        f
    }

    pub fn corpus_len(&self) -> usize {
        self.corpus.len()
    }

    /// The outcome signatures seen so far (the corpus feedback), sorted.
    pub fn signatures(&self) -> Vec<String> {
        let mut v: Vec<String> = self.seen.iter().cloned().collect();
        v.sort();
        v
    }

    fn exec(&mut self, input: &[u8]) -> Outcome {
        self.execs += 1;
        let o = run_one(self.target, &self.ws, input);
        if o.is_failure() {
            self.failures.push((input.to_vec(), o.clone()));
        }
        o
    }

    /// One mutated case; returns its outcome.
    pub fn step(&mut self) -> Outcome {
        let base = self.corpus[self.rng.random_range(0..self.corpus.len())].clone();
        let input = self.mutate(base);
        let o = self.exec(&input);
        if !o.is_failure() && self.corpus.len() < MAX_CORPUS && self.seen.insert(o.signature()) {
            self.corpus.push(input);
        }
        o
    }

    fn mutate(&mut self, mut v: Vec<u8>) -> Vec<u8> {
        // Mostly one or two mutations, sometimes up to 8 (deep and wide).
        let n = match self.rng.random_range(0..4) {
            0 | 1 => 1,
            2 => 2,
            _ => 1 + self.rng.random_range(0..8),
        };
        for _ in 0..n {
            self.mutate_once(&mut v);
        }
        v.truncate(MAX_INPUT);
        v
    }

    fn pos(&mut self, len: usize) -> usize {
        self.rng.random_range(0..=len)
    }

    fn mutate_once(&mut self, v: &mut Vec<u8>) {
        let r = &mut self.rng;
        match r.random_range(0..10) {
            0 if !v.is_empty() => {
                let i = r.random_range(0..v.len());
                v[i] ^= 1 << r.random_range(0..8);
            }
            1 if !v.is_empty() => {
                let i = r.random_range(0..v.len());
                v[i] = r.random();
            }
            2 => {
                let i = self.pos(v.len());
                let k = 1 + self.rng.random_range(0..4);
                for _ in 0..k {
                    let b = self.rng.random();
                    v.insert(i, b);
                }
            }
            3 if !v.is_empty() => {
                let i = self.rng.random_range(0..v.len());
                let k = 1 + self.rng.random_range(0..(v.len() - i).min(16));
                v.drain(i..i + k);
            }
            4 if !v.is_empty() => {
                // Duplicate a range (lines, entries).
                let i = self.rng.random_range(0..v.len());
                let k = 1 + self.rng.random_range(0..(v.len() - i).min(64));
                let chunk: Vec<u8> = v[i..i + k].to_vec();
                let at = self.pos(v.len());
                v.splice(at..at, chunk);
            }
            5 => {
                // Splice with another corpus entry.
                let other = &self.corpus[self.rng.random_range(0..self.corpus.len())];
                if !other.is_empty() && !v.is_empty() {
                    let a = self.rng.random_range(0..v.len());
                    let b = self.rng.random_range(0..other.len());
                    let mut out = v[..a].to_vec();
                    out.extend_from_slice(&other[b..]);
                    *v = out;
                }
            }
            6 | 7 => {
                // Replace a number token by an interesting number.
                let tok = INTERESTING[self.rng.random_range(0..INTERESTING.len())].as_bytes();
                let spans = number_spans(v);
                if spans.is_empty() {
                    let at = self.pos(v.len());
                    v.splice(at..at, tok.iter().copied());
                } else {
                    let (a, b) = spans[self.rng.random_range(0..spans.len())];
                    v.splice(a..b, tok.iter().copied());
                }
            }
            8 => {
                let dict = self.target.dictionary();
                let tok = dict[self.rng.random_range(0..dict.len())].as_bytes();
                let at = self.pos(v.len());
                v.splice(at..at, tok.iter().copied());
            }
            _ => {
                // Insert an interesting number anywhere.
                let tok = INTERESTING[self.rng.random_range(0..INTERESTING.len())].as_bytes();
                let at = self.pos(v.len());
                v.splice(at..at, tok.iter().copied());
            }
        }
    }
}

/// Byte ranges of the number-like tokens (digits, sign, '.', 'e').
fn number_spans(v: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < v.len() {
        if v[i].is_ascii_digit() {
            let mut a = i;
            if a > 0 && v[a - 1] == b'-' {
                a -= 1;
            }
            let mut b = i;
            while b < v.len() && (v[b].is_ascii_digit() || matches!(v[b], b'.' | b'e' | b'E')) {
                b += 1;
            }
            spans.push((a, b));
            i = b;
        } else {
            i += 1;
        }
    }
    spans
}

/// The repository's fuzz folder.
pub fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `fuzz/<kind>/<target>/` (kind: `seeds` or `crashes`), sorted.
pub fn inputs(kind: &str, target: Target) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = fuzz_dir().join(kind).join(target.name());
    let Ok(entries) = std::fs::read_dir(&dir) else {
        assert!(kind != "seeds", "missing seed folder {}", dir.display());
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, bytes)
        })
        .collect()
}

/// The seeds of `target` (panics naming the folder when there are none).
pub fn seeds(target: Target) -> Vec<Vec<u8>> {
    let s: Vec<Vec<u8>> = inputs("seeds", target)
        .into_iter()
        .map(|(_, b)| b)
        .collect();
    assert!(
        !s.is_empty(),
        "no seeds in {}",
        fuzz_dir().join("seeds").join(target.name()).display()
    );
    s
}

/// A short stable name for an input (FNV-1a, hex).
pub fn input_name(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}
