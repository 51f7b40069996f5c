//! JSON conventions shared by every file the project writes: serde_json writes a
//! non-finite `f64` (a diverged run's objective) as `null`; the readers below take
//! `null` back as NaN, so every record the project writes can be read again.

use serde::Deserialize;

/// `null` (how serde_json writes NaN and ±∞) reads back as NaN.
pub fn nullable_f64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}
