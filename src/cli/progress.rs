//! What a long solve shows on stderr while it runs, rendered from the native
//! solvers' measurements ([`crate::solvers::progress`]):
//!
//! - `--verbose`: an iteration log in the style of Clarabel's — a header, one row
//!   every `--log-every` iterations (iteration, phase, objective, the stopping
//!   measure against its target, step, restarts, elapsed), a row at the end of
//!   each phase (marked `*`), and after the solve a final line with the
//!   certificate's relative duality gap ([`final_line`]).
//! - otherwise, when stderr is a terminal, a progress line (elapsed, phase,
//!   iteration, current measure against its target) that appears once the solve
//!   has run [`PROGRESS_DELAY`] and is cleared when it ends.
//!
//! Nothing is written to stdout, and nothing but the log (when asked for) to a
//! stderr that is not a terminal.

use std::io::IsTerminal;
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::results::Record;
use crate::solvers::progress::{IterationLog, Progress, SharedProgress};

/// Default of `--log-every`: iterations between rows of the verbose log.
pub const DEFAULT_LOG_EVERY: usize = 100;
/// A solve shorter than this shows no progress line.
pub const PROGRESS_DELAY: Duration = Duration::from_secs(3);

/// The header of the verbose log.
pub const HEADER: &str =
    "  iter  phase         objective    measure      value   target       step  restarts     time";

/// One row of the verbose log (`*` after the time marks a phase's last row).
pub fn row(l: &IterationLog) -> String {
    format!(
        "{:>6}  {:<8}  {:>+16.9e}  {:<9}  {:>8.2e}  {:>7.1e}  {:>9.2e}  {:>8}  {:>6.2}s{}",
        l.iteration,
        l.phase.name(),
        l.objective,
        l.measure.name(),
        l.value,
        l.target,
        l.step,
        l.restarts,
        l.elapsed_s,
        if l.last { " *" } else { "" }
    )
}

/// The verbose log: rows every `every` iterations and at the end of each phase.
pub struct IterationTable {
    every: usize,
    next: usize,
    header_done: bool,
    /// The last measurement seen (its target is the solve's).
    pub last: Option<IterationLog>,
    sink: Box<dyn FnMut(&str)>,
}

impl IterationTable {
    /// A table written to stderr.
    pub fn stderr(every: usize) -> IterationTable {
        IterationTable::with_sink(every, Box::new(|s: &str| eprintln!("{s}")))
    }

    /// A table written line by line to `sink`.
    pub fn with_sink(every: usize, sink: Box<dyn FnMut(&str)>) -> IterationTable {
        IterationTable {
            every: every.max(1),
            next: 0,
            header_done: false,
            last: None,
            sink,
        }
    }
}

impl Progress for IterationTable {
    fn log(&mut self, l: &IterationLog) {
        if !self.header_done {
            (self.sink)(HEADER);
            (self.sink)(&"-".repeat(HEADER.len()));
            self.header_done = true;
        }
        if l.iteration >= self.next || l.last {
            (self.sink)(&row(l));
            if l.iteration >= self.next {
                self.next = (l.iteration / self.every + 1) * self.every;
            }
        }
        self.last = Some(*l);
    }
}

/// The line after the log: how the solve ended and the certificate of its point.
pub fn final_line(rec: &Record, target: Option<f64>) -> String {
    let mut s = format!(
        "final: {} after {} iterations, objective {:.10e}",
        rec.status.name(),
        rec.iterations,
        rec.objective
    );
    match rec.relative_duality_gap {
        Some(g) => s += &format!(", certified relative duality gap {g:.2e}"),
        None => s += ", no certified duality gap",
    }
    if let Some(t) = target {
        s += &format!(" (target {t:.1e})");
    }
    s += &format!(
        ", max cone violation {:.1e}, {:.2}s",
        rec.max_cone_violation,
        rec.time.setup_s + rec.time.solve_s
    );
    s
}

/// A transient progress line on a terminal's stderr (see the module docs).
pub struct ProgressLine {
    bar: ProgressBar,
    done: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ProgressLine {
    /// Start a line labelled `label`, shown after `delay` if the solve is still
    /// running then.
    pub fn start(label: &str, delay: Duration) -> ProgressLine {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
                .expect("static template"),
        );
        bar.set_message(label.to_string());
        let (tx, rx) = mpsc::channel::<()>();
        let shown = bar.clone();
        let thread = std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(delay) {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(250));
                let _ = rx.recv();
            }
            shown.finish_and_clear();
        });
        ProgressLine {
            bar,
            done: Some(tx),
            thread: Some(thread),
        }
    }

    /// Clear the line (it disappears) and stop its thread.
    pub fn finish(&mut self) {
        drop(self.done.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The progress line's message for a measurement.
fn line_message(l: &IterationLog) -> String {
    format!(
        "{} iteration {}: {} {:.2e} (target {:.1e})",
        l.phase.name(),
        l.iteration,
        l.measure.name(),
        l.value,
        l.target
    )
}

impl Progress for ProgressLine {
    fn log(&mut self, l: &IterationLog) {
        self.bar.set_message(line_message(l));
    }

    /// Clarabel reports from its own callback: the bar is shared with it.
    fn shared(&self) -> Option<SharedProgress> {
        let bar = self.bar.clone();
        Some(Arc::new(move |l: &IterationLog| {
            bar.set_message(line_message(l))
        }))
    }
}

/// What a `solve` or `path` shows while the solver runs.
pub enum Console {
    /// `--verbose`: the iteration log.
    Log(IterationTable),
    /// A terminal without `--verbose`: the progress line.
    Line(ProgressLine),
    /// Neither: nothing.
    Quiet,
}

impl Console {
    /// The console of a solve by `solver`: the log with `verbose`, else a progress
    /// line if stderr is a terminal, else nothing.
    pub fn new(verbose: bool, log_every: usize, solver: &str) -> Console {
        if verbose {
            Console::Log(IterationTable::stderr(log_every))
        } else if std::io::stderr().is_terminal() {
            Console::Line(ProgressLine::start(solver, PROGRESS_DELAY))
        } else {
            Console::Quiet
        }
    }

    /// End what is shown: the progress line disappears; the log's final line
    /// (after `rec` is certified) is printed by [`Console::finish`].
    pub fn finish(&mut self, rec: &Record) {
        match self {
            Console::Log(t) => {
                // Clarabel's own log has no rows here; its final line still helps.
                eprintln!("{}", final_line(rec, t.last.map(|l| l.target)));
            }
            Console::Line(line) => line.finish(),
            Console::Quiet => {}
        }
    }
}

impl Progress for Console {
    fn log(&mut self, l: &IterationLog) {
        match self {
            Console::Log(t) => t.log(l),
            Console::Line(p) => p.log(l),
            Console::Quiet => {}
        }
    }

    /// Only the progress line follows Clarabel: with `--verbose` Clarabel prints its
    /// own log.
    fn shared(&self) -> Option<SharedProgress> {
        match self {
            Console::Line(p) => p.shared(),
            Console::Log(_) | Console::Quiet => None,
        }
    }
}
