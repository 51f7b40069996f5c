//! CPU-time limits (issue 14, item 5): a baseline whose epoch cap is larger than
//! its time limit stops at the limit; a CPU-time limit gives the same outcome on
//! a machine loaded by CPU-burning threads as on an idle one; records carry both
//! clocks and a run's time to τ is read on its basis.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use cvxrelu::model::{Model, Problem, ProblemSpec, Regularizer, Scaling};
use cvxrelu::results::{Record, SolverName};
use cvxrelu::solvers::baselines::{BaselineSettings, Method, train};
use cvxrelu::solvers::{
    self, CpuClock, SolverConfig, SolverKind, SolverOptions, Status, TimeBasis,
};

fn problem(model: Model, n: usize) -> Problem {
    Problem::build(&ProblemSpec {
        data: format!("synth:n={n},d=8,width=4,noise=0.1,seed=3"),
        test: None,
        split: None,
        split_seed: 0,
        model,
        lambda: 1e-3,
        reg: Regularizer::NeuronGl1,
        patterns: Some(40),
        seed: 1,
        gates: None,
        bias: true,
        scale: Scaling::Standardize,
        target: None,
    })
    .unwrap()
}

/// Threads that burn CPU until dropped.
struct Load {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Load {
    fn start(k: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..k)
            .map(|_| {
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || {
                    let mut x = 1u64;
                    while !stop.load(Ordering::Relaxed) {
                        for _ in 0..10_000 {
                            x = std::hint::black_box(x.wrapping_mul(6364136223846793005) + 1);
                        }
                    }
                })
            })
            .collect();
        Load { stop, threads }
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

#[test]
fn epoch_cap_above_the_time_limit_stops_at_the_limit() {
    let p = problem(Model::Relu, 2000);
    for basis in [TimeBasis::Cpu, TimeBasis::Wall] {
        let mut s = BaselineSettings::new(Method::Sgd);
        // 2000 epochs of 10 steps on n = 2000 take far longer than 0.3 s.
        s.time_limit = 0.3;
        s.time_basis = basis;
        s.step_sizes = Some(vec![0.1, 0.01]);
        let out = train(&p, &s).unwrap();
        assert_eq!(out.status, Status::TimeLimit, "{basis}");
        for g in &out.grid {
            assert_eq!(g.status, Status::TimeLimit, "{basis}: {g:?}");
            assert!(g.epochs < 2000);
            let used = match basis {
                TimeBasis::Cpu => g.cpu_s.unwrap(),
                TimeBasis::Wall => g.time_s,
            };
            // Enforced within max(5%, 0.5 s).
            assert!((0.3..=0.3 + 0.5).contains(&used), "{basis}: {used} s");
        }
        // The trace is on the basis and ends at the limit.
        let end = out.trace.last().unwrap().time_s;
        assert!((0.3..=0.8).contains(&end), "{end}");
        assert_eq!(out.basis, basis);
        assert_eq!(out.cpu.clock, CpuClock::Thread);
    }
}

/// A solve's outcome (status, iterations, objective) with `load` burning threads.
fn outcome(kind: SolverKind, p: &Problem, limit: f64, load: usize) -> (Status, usize, f64, f64) {
    let mut o = SolverOptions::new();
    o.time_limit = Some(limit);
    o.time_basis = Some(TimeBasis::Cpu);
    if kind.is_baseline() {
        o.max_iters = Some(60);
        o.step_sizes = Some(vec![0.1]);
    }
    let config = SolverConfig::new(kind, &o).unwrap();
    let _load = Load::start(load);
    let sol = solvers::solve(p, &config, None).unwrap();
    let rec = Record::from_solution(p, SolverName::from(kind.name()), &sol);
    let cpu = rec.time.cpu.unwrap();
    assert_eq!(rec.time.basis, TimeBasis::Cpu);
    (
        rec.status,
        rec.iterations,
        rec.objective,
        rec.time.setup_s + rec.time.solve_s - cpu.setup_s - cpu.solve_s,
    )
}

#[test]
fn cpu_limits_hold_on_a_loaded_machine() {
    // Deterministic solves whose CPU need is well inside the limit: on the CPU
    // basis, CPU-burning threads beside them (more threads than cores) slow them
    // down in wall time but do not change where they stop.
    let cases = [
        (SolverKind::Sgd, problem(Model::Relu, 400)),
        (SolverKind::Fista, problem(Model::GatedRelu, 400)),
        (SolverKind::Clarabel, problem(Model::GatedRelu, 200)),
    ];
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    for (kind, p) in &cases {
        let idle = outcome(*kind, p, 20.0, 0);
        let loaded = outcome(*kind, p, 20.0, 2 * cores);
        assert_eq!((idle.0, idle.1), (loaded.0, loaded.1), "{kind}");
        assert_eq!(idle.2.to_bits(), loaded.2.to_bits(), "{kind}");
        assert!(idle.0 != Status::TimeLimit, "{kind}: {idle:?}");
    }
}

#[test]
fn a_cpu_limit_binds_whatever_the_load() {
    // A limit smaller than the solve's need stops it near the limit in CPU time,
    // loaded or not.
    let p = problem(Model::Relu, 1500);
    for load in [0, 4] {
        let mut s = BaselineSettings::new(Method::Adam);
        s.time_limit = 0.2;
        s.time_basis = TimeBasis::Cpu;
        s.step_sizes = Some(vec![1e-3]);
        let _l = Load::start(load);
        let out = train(&p, &s).unwrap();
        assert_eq!(out.status, Status::TimeLimit);
        let cpu = out.grid[0].cpu_s.unwrap();
        assert!((0.2..=0.7).contains(&cpu), "load {load}: {cpu} s CPU");
    }
}

#[test]
fn clarabel_enforces_a_cpu_limit_by_its_callback() {
    let p = problem(Model::Relu, 300);
    let mut o = SolverOptions::new();
    o.time_limit = Some(0.05);
    o.time_basis = Some(TimeBasis::Cpu);
    let config = SolverConfig::new(SolverKind::Clarabel, &o).unwrap();
    let sol = solvers::solve(&p, &config, None).unwrap();
    let rec = Record::from_solution(&p, SolverName::from("clarabel"), &sol);
    // The C-ReLU SOCP of n = 300, P = 40 takes more than 0.05 s of iterations.
    assert_eq!(rec.status, Status::TimeLimit, "{:?}", rec.details);
    let cpu = rec.time.cpu.unwrap();
    assert!(cpu.solve_s >= 0.05 && cpu.solve_s <= 0.05 + 0.5, "{cpu:?}");
}
