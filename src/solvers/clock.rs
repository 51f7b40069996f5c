//! The clocks of a solve: wall time and CPU time, read together, and the *time
//! basis* that limits, traces and times to τ are measured on.
//!
//! - **Wall** time: [`Instant`], seconds since the solve started.
//! - **CPU** time: seconds of CPU the solve used, from
//!   `clock_gettime` ([`CpuClock`] says which clock):
//!   - [`CpuClock::Thread`] (`CLOCK_THREAD_CPUTIME_ID`) when the solve runs on one
//!     thread (`threads = 1`, the default): it counts exactly the solve's own work,
//!     whatever else the machine *or the process* is doing (tests run in parallel
//!     threads of one process; a harness may run beside other jobs);
//!   - [`CpuClock::Process`] (`CLOCK_PROCESS_CPUTIME_ID`) when `threads > 1`: the
//!     solve's worker threads are counted too, and so is every other thread of the
//!     process (the `bench` command runs one solve at a time, so there it is the
//!     solve's). With `t` busy threads it advances up to `t` times faster than the
//!     wall clock.
//!
//! A single-threaded solve's CPU time does not grow when other processes compete
//! for the cores, so a limit on it stops the solve at the same point of its work
//! on a loaded machine and on a quiet one (up to the granularity of the checks).
//! This is why the bundled suites use `time-basis = "cpu"`.

use std::time::Instant;

use serde::{Deserialize, Serialize};

/// Which clock limits, traces and times to τ use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeBasis {
    /// Elapsed wall-clock time (the default of `solve` and of records made before
    /// the basis was recorded).
    #[default]
    Wall,
    /// CPU time of the solve ([`CpuClock`]).
    Cpu,
}

impl TimeBasis {
    pub const fn name(&self) -> &'static str {
        match self {
            TimeBasis::Wall => "wall",
            TimeBasis::Cpu => "cpu",
        }
    }
}

crate::named::named!(TimeBasis, [Wall, Cpu]);

/// Which CPU clock a solve reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CpuClock {
    /// CPU time of the calling thread (single-threaded solves).
    Thread,
    /// CPU time of the whole process (solves with worker threads).
    Process,
}

impl CpuClock {
    /// The clock of a solve with `threads` threads.
    pub fn for_threads(threads: usize) -> CpuClock {
        if threads <= 1 {
            CpuClock::Thread
        } else {
            CpuClock::Process
        }
    }

    /// Seconds of CPU on this clock since an arbitrary origin.
    pub fn now(&self) -> f64 {
        let id = match self {
            CpuClock::Thread => libc::CLOCK_THREAD_CPUTIME_ID,
            CpuClock::Process => libc::CLOCK_PROCESS_CPUTIME_ID,
        };
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec; both clock ids exist on every
        // POSIX system this crate builds for. On failure (never seen) the time reads
        // as 0 and the CPU clock stands still; wall time is unaffected.
        let rc = unsafe { libc::clock_gettime(id, &mut ts) };
        if rc != 0 {
            return 0.0;
        }
        ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
    }
}

/// Wall and CPU seconds since a stopwatch started.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Reading {
    pub wall_s: f64,
    pub cpu_s: f64,
}

impl Reading {
    /// The reading on `basis`.
    pub fn on(&self, basis: TimeBasis) -> f64 {
        match basis {
            TimeBasis::Wall => self.wall_s,
            TimeBasis::Cpu => self.cpu_s,
        }
    }

    /// `self − earlier`, clock by clock.
    pub fn since(&self, earlier: Reading) -> Reading {
        Reading {
            wall_s: self.wall_s - earlier.wall_s,
            cpu_s: self.cpu_s - earlier.cpu_s,
        }
    }
}

/// Wall and CPU clocks started together; [`Stopwatch::elapsed`] reads the basis.
#[derive(Clone, Copy, Debug)]
pub struct Stopwatch {
    basis: TimeBasis,
    clock: CpuClock,
    wall0: Instant,
    cpu0: f64,
}

impl Stopwatch {
    /// Start now, measuring on `basis`, for a solve with `threads` threads.
    pub fn start(basis: TimeBasis, threads: usize) -> Stopwatch {
        let clock = CpuClock::for_threads(threads);
        Stopwatch {
            basis,
            clock,
            cpu0: clock.now(),
            wall0: Instant::now(),
        }
    }

    pub fn basis(&self) -> TimeBasis {
        self.basis
    }

    pub fn cpu_clock(&self) -> CpuClock {
        self.clock
    }

    pub fn wall_s(&self) -> f64 {
        self.wall0.elapsed().as_secs_f64()
    }

    pub fn cpu_s(&self) -> f64 {
        (self.clock.now() - self.cpu0).max(0.0)
    }

    /// Both clocks.
    pub fn read(&self) -> Reading {
        Reading {
            wall_s: self.wall_s(),
            cpu_s: self.cpu_s(),
        }
    }

    /// Seconds on the basis.
    pub fn elapsed(&self) -> f64 {
        match self.basis {
            TimeBasis::Wall => self.wall_s(),
            TimeBasis::Cpu => self.cpu_s(),
        }
    }
}

impl Stopwatch {
    /// Whether `limit` seconds of the basis have passed, read cheaply: a thread's
    /// CPU time never runs ahead of the wall clock, so the CPU clock (a system call)
    /// is read only once the wall clock has passed the limit.
    pub fn passed(&self, limit: f64) -> bool {
        if limit.is_nan() || limit == f64::INFINITY {
            return false;
        }
        let wall = self.wall_s();
        match (self.basis, self.clock) {
            (TimeBasis::Wall, _) => wall >= limit,
            (TimeBasis::Cpu, CpuClock::Thread) => wall >= limit && self.cpu_s() >= limit,
            (TimeBasis::Cpu, CpuClock::Process) => self.cpu_s() >= limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Burn `seconds` of this thread's CPU time (however loaded the machine).
    fn burn(seconds: f64) {
        let t0 = CpuClock::Thread.now();
        let mut x = 0u64;
        while CpuClock::Thread.now() - t0 < seconds {
            for _ in 0..1000 {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        }
    }

    #[test]
    fn cpu_clock_counts_work_not_sleep() {
        let w = Stopwatch::start(TimeBasis::Cpu, 1);
        std::thread::sleep(Duration::from_millis(100));
        let slept = w.read();
        assert!(slept.wall_s >= 0.1);
        assert!(slept.cpu_s < 0.05, "sleeping used {} s of CPU", slept.cpu_s);
        burn(0.05);
        let r = w.read();
        assert!(r.cpu_s > slept.cpu_s + 0.01, "{r:?}");
        assert!(r.cpu_s <= r.wall_s + 1e-3);
        assert!(w.elapsed() > 0.0);
    }

    #[test]
    fn limits_pass_on_their_basis() {
        let w = Stopwatch::start(TimeBasis::Cpu, 1);
        std::thread::sleep(Duration::from_millis(80));
        assert!(!w.passed(0.05), "sleeping does not use CPU time");
        burn(0.2);
        assert!(w.passed(0.05));
        assert!(!w.passed(f64::INFINITY));
        let wall = Stopwatch::start(TimeBasis::Wall, 1);
        std::thread::sleep(Duration::from_millis(80));
        assert!(wall.passed(0.05));
        let process = Stopwatch::start(TimeBasis::Cpu, 2);
        burn(0.1);
        assert!(process.passed(0.02));
        assert!(!process.passed(f64::INFINITY));
    }
}
