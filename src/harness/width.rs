//! The ReLU width of baseline entries with `width = "active"`: the published
//! protocol's `m_star` (scnn_experiments, `figure_4.py`: the non-convex ReLU MLP
//! has `p = "m_star"` hidden units, taken from the convex solution of the same
//! problem), here `m = max(50, ⌈a / c⌉)` neurons per output, `a` the active
//! neurons of the same problem's convex solution in the same output directory:
//! the certified record of a convex entry (clarabel, fista, al; not a
//! decomposition) of the same problem id with the lowest objective.
//!
//! **Order.** [`super::bench`] runs a shard's `active` baselines after its other
//! runs, so within one shard (and in a whole-suite run) the convex records exist
//! when they are needed. Shards run *at the same time* may not have them yet: the
//! record then uses `2P` and says why in `details.width_source`; delete those
//! records and `--resume` after the convex runs are done to redo them.

use std::path::Path;

use super::expand::Run;
use super::metrics;
use super::store;
use crate::results::Record;
use crate::results::run::Width;
use crate::solvers::baselines::MIN_ACTIVE_WIDTH;

/// Neurons per output and where they came from, for a run (`None`: the
/// solver's default, `2P`, and no note when the entry did not ask for `active`).
pub fn resolve(
    out: &Path,
    run: &Run,
    all: &[Run],
    outputs: usize,
) -> (Option<usize>, Option<String>) {
    let s = &run.info.solver;
    if s.width != Some(Width::Active)
        || !s.kind.is_baseline()
        || run.info.spec.model != crate::model::Model::Relu
    {
        return (None, None);
    }
    let mut best: Option<Record> = None;
    for other in all.iter().filter(|r| {
        r.info.problem_id == run.info.problem_id
            && !r.info.solver.kind.is_baseline()
            && r.info.solver.decompose.is_none()
    }) {
        let path = store::record_path(out, &other.info.id);
        let Ok(rec) = store::read_record(&path) else {
            continue;
        };
        if !metrics::certified(&rec)
            || rec.run.as_ref().map(|x| &x.fingerprint) != Some(&other.info.fingerprint)
        {
            continue;
        }
        if best.as_ref().is_none_or(|b| rec.objective < b.objective) {
            best = Some(rec);
        }
    }
    match best {
        Some(rec) => {
            let per_output = rec.active_neurons.div_ceil(outputs.max(1));
            let m = per_output.max(MIN_ACTIVE_WIDTH);
            let id = rec.run.as_ref().map(|x| x.id.as_str()).unwrap_or("?");
            (
                Some(m),
                Some(format!(
                    "active: max({MIN_ACTIVE_WIDTH}, {per_output}) neurons per output, from {} active neurons of {id}",
                    rec.active_neurons
                )),
            )
        }
        None => (
            None,
            Some(format!(
                "active requested, but {} holds no certified convex record of {}: used 2P",
                out.display(),
                run.info.problem_id
            )),
        ),
    }
}
