//! Running one external command under a deadline: standard input closed, standard
//! output and error into files, its own process group (Unix), killed with the
//! whole group when the deadline passes. The child's CPU time (user + system, of
//! the child and the descendants it waited for) comes from `wait4`'s resource
//! usage, so it is the child's alone even when other threads start processes.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a command ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The exit code (`None` when a signal ended it).
    pub exit_code: Option<i32>,
    /// Killed because the deadline passed.
    pub killed: bool,
    /// Wall seconds from spawn to exit.
    pub wall_s: f64,
    /// User + system CPU seconds of the child (`None` where the platform does not
    /// say).
    pub cpu_s: Option<f64>,
}

/// Run `argv` with a deadline of `limit_s` seconds; stdout and stderr go to the
/// given files. `Err` when it cannot be started (no such program, …).
pub fn run(argv: &[String], limit_s: f64, stdout: &Path, stderr: &Path) -> Result<Outcome, String> {
    let (program, args) = argv.split_first().ok_or("empty command")?;
    let open = |p: &Path| {
        std::fs::File::create(p).map_err(|e| format!("{}: cannot create: {e}", p.display()))
    };
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(open(stdout)?)
        .stderr(open(stderr)?);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let start = Instant::now();
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start '{program}': {e}"))?;
    let deadline = if limit_s.is_finite() {
        Some(start + Duration::from_secs_f64(limit_s.max(0.0)))
    } else {
        None
    };
    wait(child, start, deadline)
}

#[cfg(unix)]
fn wait(
    child: std::process::Child,
    start: Instant,
    deadline: Option<Instant>,
) -> Result<Outcome, String> {
    let pid = child.id() as libc::pid_t;
    let mut killed = false;
    let mut poll = Duration::from_millis(1);
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: a zeroed rusage is a valid value of the plain C struct, and
        // wait4 writes only into the two out-parameters given.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let flags = if killed { 0 } else { libc::WNOHANG };
        // SAFETY: `pid` is our own child, not yet reaped (std never waits on it:
        // the `Child` is dropped without `wait`).
        let r = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
        if r == pid {
            let wall_s = start.elapsed().as_secs_f64();
            let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
            let exit_code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
            drop(child);
            return Ok(Outcome {
                exit_code,
                killed,
                wall_s,
                cpu_s: Some(secs(usage.ru_utime) + secs(usage.ru_stime)),
            });
        }
        if r < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(format!("waiting for the command: {e}"));
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            // SAFETY: kill(2) on the child's process group (its pid: the child
            // was started with process_group(0)).
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
            killed = true;
            continue;
        }
        std::thread::sleep(poll);
        poll = (poll * 2).min(Duration::from_millis(20));
    }
}

#[cfg(not(unix))]
fn wait(
    mut child: std::process::Child,
    start: Instant,
    deadline: Option<Instant>,
) -> Result<Outcome, String> {
    let mut killed = false;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                return Ok(Outcome {
                    exit_code: status.code(),
                    killed,
                    wall_s: start.elapsed().as_secs_f64(),
                    cpu_s: None,
                });
            }
            Ok(None) => {}
            Err(e) => return Err(format!("waiting for the command: {e}")),
        }
        if !killed && deadline.is_some_and(|d| Instant::now() >= d) {
            let _ = child.kill();
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
