//! A wall-clock deadline that long inner computations check (cone projections of
//! the prox, of the C-ReLU dual bound and of the min-norm subgradient), so a solve
//! stops close to its `--time-limit` even when one iteration or one measurement
//! takes longer than the limit. Checks happen between blocks: one block's
//! projection is the granularity. A cancel request ([`crate::solvers::cancel`])
//! expires every deadline.

use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    at: Option<Instant>,
}

impl Deadline {
    /// No deadline.
    pub const NONE: Deadline = Deadline { at: None };

    /// `limit` seconds after `start` (none for an infinite or unrepresentable limit).
    pub fn after(start: Instant, limit: f64) -> Deadline {
        let at = if limit.is_finite() && limit >= 0.0 {
            Duration::try_from_secs_f64(limit)
                .ok()
                .and_then(|d| start.checked_add(d))
        } else {
            None
        };
        Deadline { at }
    }

    /// Past the deadline, or a cancel request ([`crate::solvers::cancel`]).
    pub fn expired(&self) -> bool {
        crate::solvers::cancel::requested() || self.at.is_some_and(|at| Instant::now() >= at)
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
    }
}
