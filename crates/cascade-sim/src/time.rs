//! Simulated time. Integer microseconds only: floating-point time drifts and differs between
//! machines, and the whole point of the engine is that a run is reproducible from its seed.

use core::ops::{Add, AddAssign, Sub};
use serde::{Deserialize, Serialize};

/// 2^52: every `f64` at least this large is a whole number.
const TWO_POW_52: f64 = 4_503_599_627_370_496.0;

/// A point in simulated time, in microseconds since the start of the run.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimTime(u64);

/// A span of simulated time, in microseconds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimDuration(u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);

    /// A time given in microseconds since the start.
    pub const fn from_micros(micros: u64) -> Self {
        SimTime(micros)
    }

    /// A time given in whole milliseconds since the start.
    pub const fn from_millis(millis: u64) -> Self {
        SimTime(millis * 1_000)
    }

    /// A time given in whole seconds since the start.
    pub const fn from_secs(secs: u64) -> Self {
        SimTime(secs * 1_000_000)
    }

    /// Microseconds since the start.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Seconds since the start, for display and rates only (never fed back into the engine).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// The time elapsed since `earlier`, or zero if `earlier` is later.
    pub const fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A duration in microseconds.
    pub const fn from_micros(micros: u64) -> Self {
        SimDuration(micros)
    }

    /// A duration in whole milliseconds.
    pub const fn from_millis(millis: u64) -> Self {
        SimDuration(millis * 1_000)
    }

    /// A duration in whole seconds.
    pub const fn from_secs(secs: u64) -> Self {
        SimDuration(secs * 1_000_000)
    }

    /// A duration given in (fractional) milliseconds, rounded to the nearest microsecond (half
    /// away from zero).
    /// Negative and non-finite inputs become zero; the scenario validator rejects them earlier.
    pub fn from_millis_f64(millis: f64) -> Self {
        if millis.is_finite() && millis > 0.0 {
            let micros = millis * 1_000.0;
            if micros < TWO_POW_52 {
                // Round half away from zero, as `round` does, without a call: below 2^52 the
                // truncation and the fraction left are exact, so this is the same value.
                let whole = micros as i64;
                let fraction = micros - whole as f64;
                SimDuration(whole as u64 + u64::from(fraction >= 0.5))
            } else {
                // Already a whole number. Durations beyond u64 micros (half a million years)
                // saturate.
                SimDuration(micros as u64)
            }
        } else {
            SimDuration(0)
        }
    }

    /// Microseconds in this duration.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Milliseconds in this duration, for display and statistics.
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1e3
    }

    /// The larger of two durations.
    pub fn max(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.max(other.0))
    }

    /// The smaller of two durations.
    pub fn min(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.min(other.0))
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, rhs: SimDuration) {
        *self = *self + rhs;
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(rhs.0))
    }
}

impl Sub for SimTime {
    type Output = SimDuration;
    fn sub(self, rhs: SimTime) -> SimDuration {
        self.since(rhs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractional_milliseconds_round_as_round_does() {
        // The rounding without a call must give what `round` gives, halves and edges included.
        // A small generator of its own: time sits below the random numbers in the layers.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |bound: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % bound
        };
        let mut values = vec![
            0.0005,
            0.0004999999999999999,
            0.0015,
            0.49999999999999994,
            1.5,
            2.5,
            TWO_POW_52 / 1_000.0 - 0.0005,
            TWO_POW_52 / 1_000.0,
            TWO_POW_52 / 1_000.0 + 1.0,
            1e300,
        ];
        for _ in 0..200_000 {
            let scale = 10f64.powi(next(16) as i32 - 4);
            values.push(next(1 << 53) as f64 / (1u64 << 53) as f64 * scale);
            // Exact halves of a microsecond.
            values.push((next(1_000_000) as f64 + 0.5) / 1_000.0);
        }
        for millis in values {
            let expected = libm::round(millis * 1_000.0) as u64;
            assert_eq!(
                SimDuration::from_millis_f64(millis).as_micros(),
                expected,
                "{millis:e} ms"
            );
        }
    }

    #[test]
    fn arithmetic_saturates_instead_of_wrapping() {
        assert_eq!(
            SimTime::from_millis(5) - SimTime::from_millis(7),
            SimDuration::ZERO
        );
        assert_eq!(
            SimTime::from_micros(u64::MAX) + SimDuration::from_secs(1),
            SimTime::from_micros(u64::MAX)
        );
        assert_eq!(
            SimDuration::from_millis_f64(1.2345),
            SimDuration::from_micros(1_235)
        );
        assert_eq!(SimDuration::from_millis_f64(-3.0), SimDuration::ZERO);
        assert_eq!(SimDuration::from_millis_f64(f64::NAN), SimDuration::ZERO);
    }
}
