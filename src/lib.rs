//! # cvxrelu
//!
//! Two-layer ReLU networks trained to global optimality through convex optimization.
//!
//! A two-layer ReLU network with weight decay has an exact convex reformulation: a
//! group-ℓ1-regularized linear model per activation pattern `D_i = diag(1[X g_i > 0])`
//! with polyhedral cone constraints `(2D_i − I) X v_i ≥ 0` (C-ReLU); dropping the
//! cones gives the convex gated-ReLU model (C-GReLU). This crate
//!
//! - models these problems ([`model`]) and the cones ([`cone`]);
//! - compiles them into explicit sparse second-order cone programs ([`compile`]);
//! - certifies every point from the weights ([`certify`]) and recovers the network
//!   ([`network`]);
//! - solves them ([`solvers`]: one API, [`solvers::solve`], for Clarabel, the native
//!   first-order solvers and the SGD/Adam baselines);
//! - decomposes gated solutions into ReLU ones ([`decompose`]) and exports problems
//!   ([`export`]);
//! - records results ([`results`]), runs benchmark suites and reports on them
//!   ([`harness`]), and drives all of it from the command line ([`cli`]).
//!
//! The modules are in layers, each importing only those below it (see the
//! README's Layout section; `tests/architecture.rs` checks it).
//!
//! The mathematics and conventions are fixed by the project's SPEC (§1–§7).

pub mod certify;
pub mod cli;
pub mod compile;
pub mod cone;
pub mod decompose;
pub mod export;
pub mod fsio;
pub mod harness;
pub mod json;
pub mod linalg;
pub mod model;
mod named;
pub mod network;
pub mod results;
pub mod solvers;
