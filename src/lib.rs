//! # cvxrelu
//!
//! Two-layer ReLU networks trained to global optimality through convex optimization.
//!
//! A two-layer ReLU network with weight decay has an exact convex reformulation: a
//! group-ℓ1-regularized linear model per activation pattern `D_i = diag(1[X g_i > 0])`
//! with polyhedral cone constraints `(2D_i − I) X v_i ≥ 0` (C-ReLU); dropping the
//! cones gives the convex gated-ReLU model (C-GReLU). This crate
//!
//! - models these problems ([`model`]);
//! - compiles them into explicit sparse second-order cone programs ([`compile`],
//!   [`cone`]) and solves those with Clarabel ([`solvers::clarabel`]);
//! - checks every solution with certificates computed from the weights ([`certify`]);
//! - recovers the network ([`network`]);
//! - runs benchmark suites and reports on them ([`harness`]).
//!
//! The mathematics and conventions are fixed by the project's SPEC (§1–§7).

pub mod certify;
pub mod cli;
pub mod compile;
pub mod cone;
pub mod decompose;
pub mod export;
pub mod fsio;
pub mod guard;
pub mod harness;
pub mod model;
pub mod network;
pub mod record;
pub mod solution;
pub mod solvers;
