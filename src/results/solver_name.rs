//! The `solver` of a record: which solver made it, as a type. It serialises to the
//! strings records have always carried: a solver's name (`fista`), a decomposition
//! (`fista+decompose-exact`, what `decompose --from` writes), or the name of a
//! suite's `[[solver]]` entry (`fista-tight`), whose solver the record's `run`
//! says.

use std::fmt;
use std::str::FromStr;

use crate::decompose::Method;
use crate::solvers::SolverKind;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SolverName {
    /// A solver run on its own.
    Solver(SolverKind),
    /// A C-GReLU solution of `source` decomposed by `method` (`decompose --from`).
    Decomposed { source: SolverKind, method: Method },
    /// A suite entry's name.
    Entry(String),
}

impl SolverName {
    /// The solver that ran, when the name says it (an entry's is in `run`).
    pub fn kind(&self) -> Option<SolverKind> {
        match self {
            SolverName::Solver(k) => Some(*k),
            SolverName::Decomposed { source, .. } => Some(*source),
            SolverName::Entry(_) => None,
        }
    }
}

impl fmt::Display for SolverName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SolverName::Solver(k) => f.write_str(k.name()),
            SolverName::Decomposed { source, method } => {
                write!(f, "{}+decompose-{}", source.name(), method.name())
            }
            SolverName::Entry(s) => f.write_str(s),
        }
    }
}

impl FromStr for SolverName {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<SolverName, Self::Err> {
        if let Ok(k) = s.parse::<SolverKind>() {
            return Ok(SolverName::Solver(k));
        }
        if let Some((src, m)) = s.split_once("+decompose-")
            && let (Ok(source), Ok(method)) = (src.parse::<SolverKind>(), m.parse::<Method>())
        {
            return Ok(SolverName::Decomposed { source, method });
        }
        Ok(SolverName::Entry(s.to_string()))
    }
}

/// Compares with the serialised name without building it (the report compares
/// names once per record and solver).
impl PartialEq<str> for SolverName {
    fn eq(&self, other: &str) -> bool {
        match self {
            SolverName::Solver(k) => k.name() == other,
            SolverName::Decomposed { source, method } => other
                .split_once("+decompose-")
                .is_some_and(|(s, m)| s == source.name() && m == method.name()),
            SolverName::Entry(s) => s == other,
        }
    }
}

impl PartialEq<&str> for SolverName {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl From<SolverKind> for SolverName {
    fn from(k: SolverKind) -> SolverName {
        SolverName::Solver(k)
    }
}

impl From<&str> for SolverName {
    fn from(s: &str) -> SolverName {
        match s.parse() {
            Ok(n) => n,
            Err(never) => match never {},
        }
    }
}

impl serde::Serialize for SolverName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for SolverName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SolverName, D::Error> {
        let s = String::deserialize(d)?;
        Ok(SolverName::from(s.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_compare_with_their_strings() {
        for s in [
            "fista",
            "clarabel+decompose-exact",
            "fista-tight",
            "al+decompose-",
        ] {
            let n = SolverName::from(s);
            assert_eq!(n.to_string(), s);
            assert!(n == s, "{s}");
            assert!(n != "adam" && n != "fista+decompose-lp", "{s}");
        }
        assert_eq!(
            SolverName::from("fista"),
            SolverName::Solver(SolverKind::Fista)
        );
        assert_eq!(
            SolverName::from("clarabel+decompose-exact"),
            SolverName::Decomposed {
                source: SolverKind::Clarabel,
                method: Method::Exact
            }
        );
        assert_eq!(SolverName::from("fista-tight").kind(), None);
    }
}
