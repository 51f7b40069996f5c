//! Enums named by strings (`gated-relu`, `neuron-gl1`, `fista`, ...): one macro
//! gives each its list of values, `Display` and `FromStr` from its `name()`, so the
//! library parses and prints them without a command-line crate (the CLI wraps
//! them in `src/cli/`).

/// `named!(Type, [Variant, ...])`: `Type::ALL`, `Type::NAMES`, `Display` and
/// `FromStr` (the error lists the accepted names) from `Type::name`.
macro_rules! named {
    ($t:ident, [$($v:ident),+ $(,)?]) => {
        impl $t {
            /// Every value, in the order help texts list them.
            pub const ALL: &'static [$t] = &[$($t::$v),+];
            /// The names of [`Self::ALL`].
            pub const NAMES: &'static [&'static str] = &[$($t::$v.name()),+];
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
        impl std::str::FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<$t, String> {
                $t::ALL
                    .iter()
                    .copied()
                    .find(|k| k.name() == s)
                    .ok_or_else(|| format!("'{s}' is not one of: {}", $t::NAMES.join(", ")))
            }
        }
    };
}
pub(crate) use named;
