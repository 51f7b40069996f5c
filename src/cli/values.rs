//! The command line's view of the library's named enums: clap parsers built from
//! each enum's `NAMES` and `FromStr` (the enums themselves know nothing of clap).

use clap::builder::{PossibleValuesParser, TypedValueParser};

use crate::decompose::Method;
use crate::decompose::exact::ExactForm;
use crate::export::Format;
use crate::model::{Model, Regularizer, Scaling};
use crate::solvers::native::fista::{Metric, Momentum, Stopping, WorkingSets};
use crate::solvers::{SolverKind, TimeBasis};

/// An enum a flag takes by name.
pub trait Named: std::str::FromStr + Clone + Send + Sync + 'static {
    const NAMES: &'static [&'static str];
}

macro_rules! named_flag {
    ($($t:ty),+) => {
        $(impl Named for $t {
            const NAMES: &'static [&'static str] = <$t>::NAMES;
        })+
    };
}
named_flag!(
    Method,
    ExactForm,
    Format,
    Model,
    Regularizer,
    Scaling,
    Stopping,
    TimeBasis,
    WorkingSets,
    Metric,
    Momentum
);

/// `--solver` takes the solvers that run in this process (an external solver is a
/// suite entry with a command).
impl Named for SolverKind {
    const NAMES: &'static [&'static str] = SolverKind::IN_PROCESS_NAMES;
}

/// The clap parser of a named enum: possible values listed in `--help`, errors
/// naming them.
pub fn parser<T: Named>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::NAMES).map(|s| match s.parse::<T>() {
        Ok(v) => v,
        Err(_) => unreachable!("PossibleValuesParser admits only the names of T"),
    })
}
