//! The record's `details` object, typed: the solver's own numbers
//! ([`SolverDetails`], tagged by `kind`), a decomposition's
//! ([`DecompositionRun`]), and what the harness or `path` adds about the run.
//!
//! **Schema.** Records carry `schema_version` ([`SCHEMA_VERSION`] = 3). Version 3
//! adds, all optional with defaults, the CPU times and time basis of `time`
//! ([`super::record::Times`]), the grid's CPU time, repetitions and width source of
//! a baseline, and `cpu_s`/`repeat` of its grid runs. Version 2
//! writes the same keys as version 1 plus `kind`, and nests a `decompose`
//! command's numbers under `decomposition` as the harness always did. In version
//! 3 a decomposition's status is `feasible` or `approximate`
//! instead of `solved` (older records are read that way by
//! [`super::Record::upgraded`]). Version-1
//! records (no `kind`) are read by inferring the solver's details from their keys
//! ([`Details::from_map`]), so committed results stay readable.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::compile::MemoryEstimate;
use crate::decompose::DecompositionDetails;
use crate::solvers::{SolverDetails, Status};

/// The record schema this build writes.
pub const SCHEMA_VERSION: u32 = 3;

/// Everything a record's `details` holds. Every part is optional: a skipped run
/// has only `skipped` and `memory_estimate`, a decomposition no solver details.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Details {
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub solver: Option<SolverDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decomposition: Option<DecompositionRun>,
    /// Why a run produced no point (the solver refused to start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why a run was not run (e.g. the SOCP would not fit in memory).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_estimate: Option<MemoryEstimate>,
    /// Length of the trace before the harness thinned it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_points: Option<usize>,
    /// `path`: the index of this λ on the path, and whether it was warm-started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warm_started: Option<bool>,
    /// Seconds of network recovery and metrics after the solve (dense products;
    /// not part of the record's `time`, which is the solver's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_solve_s: Option<f64>,
    /// Why the solver's `solved` was overruled (a non-finite certificate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_overruled: Option<String>,
}

/// A decomposition run: the decomposition's numbers, and the C-GReLU solve it
/// started from (a harness entry solves it; `decompose --from` reads it from a
/// weights file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecompositionRun {
    #[serde(flatten)]
    pub decomposition: DecompositionDetails,
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub gated: Option<GatedSolve>,
    /// `decompose --from`: the weights file and the solver that wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_solver: Option<String>,
}

/// The C-GReLU solve of a harness decomposition entry, with its certificate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GatedSolve {
    pub gated_status: Status,
    pub gated_dual_objective: Option<f64>,
    pub gated_relative_duality_gap: Option<f64>,
    pub gated_iterations: usize,
    pub gated_setup_s: f64,
    pub gated_solve_s: f64,
}

impl Details {
    pub fn of_solver(solver: SolverDetails) -> Details {
        Details {
            solver: Some(solver),
            ..Details::default()
        }
    }

    /// Read a `details` object of either schema version (see the module docs).
    pub fn from_map(mut map: Map<String, Value>) -> Result<Details, String> {
        let take = |map: &mut Map<String, Value>, key: &str| map.remove(key);
        let mut out = Details::default();
        fn parse<T: serde::de::DeserializeOwned>(key: &str, v: Value) -> Result<T, String> {
            serde_json::from_value(v).map_err(|e| format!("details.{key}: {e}"))
        }
        if let Some(v) = take(&mut map, "decomposition") {
            out.decomposition = Some(parse("decomposition", v)?);
        }
        if let Some(v) = take(&mut map, "error") {
            out.error = Some(parse("error", v)?);
        }
        if let Some(v) = take(&mut map, "skipped") {
            out.skipped = Some(parse("skipped", v)?);
        }
        if let Some(v) = take(&mut map, "memory_estimate") {
            out.memory_estimate = Some(parse("memory_estimate", v)?);
        }
        if let Some(v) = take(&mut map, "trace_points") {
            out.trace_points = Some(parse("trace_points", v)?);
        }
        if let Some(v) = take(&mut map, "path_index") {
            out.path_index = Some(parse("path_index", v)?);
        }
        if let Some(v) = take(&mut map, "warm_started") {
            out.warm_started = Some(parse("warm_started", v)?);
        }
        if let Some(v) = take(&mut map, "post_solve_s") {
            out.post_solve_s = Some(parse("post_solve_s", v)?);
        }
        if let Some(v) = take(&mut map, "status_overruled") {
            out.status_overruled = Some(parse("status_overruled", v)?);
        }
        // Version 1 `decompose --from` records: the decomposition's keys at the top.
        if out.decomposition.is_none() && map.contains_key("inflation") {
            out.decomposition = Some(parse("(decomposition)", Value::Object(map))?);
            return Ok(out);
        }
        if map.is_empty() {
            return Ok(out);
        }
        if !map.contains_key("kind") {
            let kind = legacy_kind(&map)
                .ok_or_else(|| "details: no 'kind' and no solver's keys".to_string())?;
            map.insert("kind".into(), kind.into());
        }
        out.solver = Some(parse("kind", Value::Object(map))?);
        Ok(out)
    }
}

/// The solver of a version-1 `details` object, from the keys only that solver
/// writes.
fn legacy_kind(map: &Map<String, Value>) -> Option<&'static str> {
    if map.contains_key("clarabel_status") {
        Some("clarabel")
    } else if map.contains_key("al_status") {
        Some("al")
    } else if map.contains_key("grid") {
        Some("baseline")
    } else if map.contains_key("restarts") {
        Some("fista")
    } else {
        None
    }
}

impl<'de> Deserialize<'de> for Details {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Details, D::Error> {
        let map = Map::<String, Value>::deserialize(d)?;
        Details::from_map(map).map_err(serde::de::Error::custom)
    }
}
