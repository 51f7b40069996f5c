//! Cancelling running solves from another thread (the Python bindings' Ctrl-C):
//! a process-wide request flag that every solver checks between iterations —
//! R-FISTA and the AL's inner and outer loops through their [`Deadline`]
//! (a cancel request makes every deadline expired), Clarabel through its
//! termination callback. A cancelled solve ends as at its time limit
//! ([`super::Status::TimeLimit`]); the caller that asked knows to discard it.
//!
//! The flag is process-wide: a request stops every solve running in the process.
//! [`reset`] it before starting the next solve.
//!
//! [`Deadline`]: super::native::deadline::Deadline

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Ask every running solve to stop at its next check.
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Whether a stop was requested since the last [`reset`].
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// Clear the request (before a new solve).
pub fn reset() {
    REQUESTED.store(false, Ordering::SeqCst);
}
