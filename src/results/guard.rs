//! Statuses that a certificate can overrule: a solver may report `solved` on a
//! point whose recomputed objective, loss, penalty, cone violation or duality gap is
//! not finite (e.g. weights near 1e308, where products overflow). Such a point is
//! not a solution of anything; its record says `numerical_error` with the reason.

use crate::certify::Certificate;
use crate::solvers::Status;

/// The status to record for a solver's `status` at a point certified as `cert`,
/// and the reason when it was overruled.
pub fn certified_status(status: Status, cert: &Certificate) -> (Status, Option<String>) {
    // The statuses that claim a usable point (a decomposition's `feasible` and
    // `approximate` as much as a solver's `solved`).
    match status {
        Status::Solved | Status::Feasible | Status::Approximate => {}
        Status::Inaccurate
        | Status::MaxIterations
        | Status::TimeLimit
        | Status::NumericalError
        | Status::Infeasible
        | Status::Diverged
        | Status::Unbounded
        | Status::Skipped => return (status, None),
    }
    let fields = [
        ("objective", Some(cert.objective)),
        ("loss", Some(cert.loss)),
        ("penalty", Some(cert.penalty)),
        ("max_cone_violation", Some(cert.max_cone_violation)),
        ("dual_objective", cert.dual_objective),
        ("duality_gap", cert.duality_gap),
        ("relative_duality_gap", cert.relative_duality_gap),
    ];
    for (name, v) in fields {
        if let Some(v) = v
            && !v.is_finite()
        {
            return (
                Status::NumericalError,
                Some(format!(
                    "the solver reported {}, but the certificate's {name} is {v}: not finite, so not {}",
                    status.name(),
                    status.name()
                )),
            );
        }
    }
    (status, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(objective: f64) -> Certificate {
        Certificate {
            objective,
            loss: 1.0,
            penalty: 0.0,
            max_cone_violation: 0.0,
            dual_objective: Some(0.5),
            duality_gap: Some(0.5),
            relative_duality_gap: Some(0.5),
            no_bound: None,
        }
    }

    #[test]
    fn non_finite_certificates_are_never_solved() {
        assert_eq!(
            certified_status(Status::Solved, &cert(1.0)),
            (Status::Solved, None)
        );
        let (s, why) = certified_status(Status::Solved, &cert(f64::NAN));
        assert_eq!(s, Status::NumericalError);
        assert!(why.unwrap().contains("objective"));
        assert_eq!(
            certified_status(Status::Feasible, &cert(f64::NAN)).0,
            Status::NumericalError
        );
        assert_eq!(
            certified_status(Status::Solved, &cert(f64::INFINITY)).0,
            Status::NumericalError
        );
        // other statuses are kept as they are
        assert_eq!(
            certified_status(Status::TimeLimit, &cert(f64::NAN)).0,
            Status::TimeLimit
        );
    }
}
