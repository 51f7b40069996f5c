//! A deadline that long inner computations check (cone projections of the prox, of
//! the C-ReLU dual bound and of the min-norm subgradient), so a solve stops close
//! to its `--time-limit` even when one iteration or one measurement takes longer
//! than the limit. Checks happen between blocks: one block's projection is the
//! granularity.
//!
//! The deadline counts on a [`Stopwatch`]'s time basis: wall time, or the solve's
//! CPU time ([`crate::solvers::clock`]), so a CPU limit stops a single-threaded
//! solve at the same point of its work however loaded the machine is.
//!
//! A cancel request ([`crate::solvers::cancel`]) expires every deadline.

use std::time::Instant;

use crate::solvers::clock::{Stopwatch, TimeBasis};

#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    at: Option<(Stopwatch, f64)>,
}

impl Deadline {
    /// No deadline.
    pub const NONE: Deadline = Deadline { at: None };

    /// `limit` wall-clock seconds after now (none for an infinite limit). `start`
    /// must be (about) now: the stopwatch starts here.
    pub fn after(start: Instant, limit: f64) -> Deadline {
        let watch = Stopwatch::start(TimeBasis::Wall, 1);
        let already = start.elapsed().as_secs_f64();
        Deadline::on(watch, limit - already)
    }

    /// `limit` seconds of `watch`'s basis after `watch` started (none for an
    /// infinite or NaN limit).
    pub fn on(watch: Stopwatch, limit: f64) -> Deadline {
        if limit.is_finite() {
            Deadline {
                at: Some((watch, limit)),
            }
        } else {
            Deadline::NONE
        }
    }

    /// Past the deadline, or a cancel request ([`crate::solvers::cancel`]).
    pub fn expired(&self) -> bool {
        crate::solvers::cancel::requested() || self.at.is_some_and(|(w, limit)| w.passed(limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_expire() {
        assert!(!Deadline::NONE.expired());
        assert!(!Deadline::after(Instant::now(), f64::INFINITY).expired());
        assert!(!Deadline::after(Instant::now(), 1e300).expired());
        assert!(Deadline::after(Instant::now(), 0.0).expired());
        assert!(!Deadline::after(Instant::now(), 60.0).expired());
        let cpu = Stopwatch::start(TimeBasis::Cpu, 1);
        assert!(Deadline::on(cpu, 0.0).expired());
        assert!(!Deadline::on(cpu, 60.0).expired());
        assert!(!Deadline::on(cpu, f64::NAN).expired());
    }
}
