//! Random durations: service times and network latencies. The transcendental functions (`ln`,
//! `exp`, `cos`, `pow`) go through `libm` so native and wasm builds draw bit-identical samples
//! (a platform's `ln` may differ in the last ulp). `sqrt` and `floor` are exact operations
//! (IEEE 754 rounds `sqrt` correctly), the same everywhere: they use the standard library's,
//! single instructions in wasm, where `libm` (on stable Rust) computes them in software.
//! (`round` stays `libm`'s: wasm has no instruction for rounding halves away from zero.)

use crate::rng::Pcg32;
use crate::time::SimDuration;
use serde::{Deserialize, Serialize};

/// The 99th percentile of the standard normal distribution.
const NORMAL_Z_P99: f64 = 2.326_347_874_040_840_8;

/// A distribution of durations, in milliseconds. In JSON: `{"kind": "exponential",
/// "mean_ms": 20}`, read through [`DistributionFields`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    try_from = "DistributionFields"
)]
pub enum Distribution {
    /// Always the same duration.
    Constant {
        /// The duration in milliseconds.
        ms: f64,
    },
    /// Memoryless: the service time of an M/M/c queue.
    Exponential {
        /// The mean in milliseconds.
        mean_ms: f64,
    },
    /// Right-skewed with a long tail, like most real service times; given by median and p99.
    LogNormal {
        /// The median in milliseconds.
        median_ms: f64,
        /// The 99th percentile in milliseconds (at least the median).
        p99_ms: f64,
    },
}

/// The fields any distribution may have. A derived internally tagged enum buffers the whole
/// value before reading it (more code in the browser bundle); this plain struct is read
/// directly, in any field order, and then checked against its kind.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributionFields {
    kind: DistributionKind,
    ms: Option<f64>,
    mean_ms: Option<f64>,
    median_ms: Option<f64>,
    p99_ms: Option<f64>,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum DistributionKind {
    Constant,
    Exponential,
    LogNormal,
}

impl TryFrom<DistributionFields> for Distribution {
    type Error = String;

    fn try_from(fields: DistributionFields) -> Result<Self, String> {
        let (kind, needs): (&str, &[&str]) = match fields.kind {
            DistributionKind::Constant => ("constant", &["ms"]),
            DistributionKind::Exponential => ("exponential", &["mean_ms"]),
            DistributionKind::LogNormal => ("log_normal", &["median_ms", "p99_ms"]),
        };
        let given = [
            ("ms", fields.ms),
            ("mean_ms", fields.mean_ms),
            ("median_ms", fields.median_ms),
            ("p99_ms", fields.p99_ms),
        ];
        for (name, value) in given {
            match (needs.contains(&name), value) {
                (true, None) => return Err(format!("missing field `{name}` for kind `{kind}`")),
                (false, Some(_)) => {
                    return Err(format!(
                        "unknown field `{name}` for kind `{kind}`, expected `{}`",
                        needs.join("`, `")
                    ))
                }
                _ => {}
            }
        }
        let value = |field: Option<f64>| field.unwrap_or_default();
        Ok(match fields.kind {
            DistributionKind::Constant => Distribution::Constant {
                ms: value(fields.ms),
            },
            DistributionKind::Exponential => Distribution::Exponential {
                mean_ms: value(fields.mean_ms),
            },
            DistributionKind::LogNormal => Distribution::LogNormal {
                median_ms: value(fields.median_ms),
                p99_ms: value(fields.p99_ms),
            },
        })
    }
}

/// A [`Distribution`] made ready for drawing: what a sample needs that does not depend on the
/// draw (a log-normal's two logarithms and its sigma) is computed once, not per sample. The
/// draws are the very same floating-point operations in the same order, so the samples are
/// bit-identical to [`Distribution::sample`]'s.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sampler {
    /// Always `ms` milliseconds.
    Constant {
        /// The duration in milliseconds.
        ms: f64,
    },
    /// Exponential with this mean.
    Exponential {
        /// The mean in milliseconds.
        mean_ms: f64,
    },
    /// `exp(ln_median + sigma * z)` for a standard normal `z`.
    LogNormal {
        /// The natural logarithm of the median in milliseconds.
        ln_median: f64,
        /// The standard deviation of the logarithm.
        sigma: f64,
    },
}

impl Sampler {
    /// Draws one duration.
    #[inline]
    pub fn sample(&self, rng: &mut Pcg32) -> SimDuration {
        let millis = match *self {
            Sampler::Constant { ms } => ms,
            Sampler::Exponential { mean_ms } => -mean_ms * libm::log(rng.next_f64_nonzero()),
            Sampler::LogNormal { ln_median, sigma } => {
                libm::exp(ln_median + sigma * standard_normal(rng))
            }
        };
        SimDuration::from_millis_f64(millis)
    }

    /// True when every draw is the same duration.
    pub fn is_constant(&self) -> bool {
        matches!(self, Sampler::Constant { .. })
    }
}

impl Distribution {
    /// Draws one duration. To draw many, make a [`Sampler`] once.
    pub fn sample(&self, rng: &mut Pcg32) -> SimDuration {
        self.sampler().sample(rng)
    }

    /// This distribution made ready for drawing.
    pub fn sampler(&self) -> Sampler {
        match *self {
            Distribution::Constant { ms } => Sampler::Constant { ms },
            Distribution::Exponential { mean_ms } => Sampler::Exponential { mean_ms },
            Distribution::LogNormal { median_ms, p99_ms } => Sampler::LogNormal {
                ln_median: libm::log(median_ms),
                sigma: log_normal_sigma(median_ms, p99_ms),
            },
        }
    }

    /// The mean in milliseconds.
    pub fn mean_ms(&self) -> f64 {
        match *self {
            Distribution::Constant { ms } => ms,
            Distribution::Exponential { mean_ms } => mean_ms,
            Distribution::LogNormal { median_ms, p99_ms } => {
                let sigma = log_normal_sigma(median_ms, p99_ms);
                median_ms * libm::exp(sigma * sigma / 2.0)
            }
        }
    }

    /// Checks the parameters; the message names the offending field.
    pub fn validate(&self) -> Result<(), String> {
        let positive = |name: &str, value: f64| {
            if value.is_finite() && value >= 0.0 {
                Ok(())
            } else {
                Err(format!("{name}: must be a finite number of at least 0"))
            }
        };
        match *self {
            Distribution::Constant { ms } => positive("ms", ms),
            Distribution::Exponential { mean_ms } => positive("mean_ms", mean_ms),
            Distribution::LogNormal { median_ms, p99_ms } => {
                if !(median_ms.is_finite() && median_ms > 0.0) {
                    return Err("median_ms: must be greater than 0".into());
                }
                if !(p99_ms.is_finite() && p99_ms >= median_ms) {
                    return Err("p99_ms: must be at least median_ms".into());
                }
                Ok(())
            }
        }
    }
}

fn log_normal_sigma(median_ms: f64, p99_ms: f64) -> f64 {
    (libm::log(p99_ms) - libm::log(median_ms)) / NORMAL_Z_P99
}

/// One standard normal sample (Box-Muller, cosine branch only, so one draw pair per sample keeps
/// the stream position independent of history).
fn standard_normal(rng: &mut Pcg32) -> f64 {
    let radius = (-2.0 * libm::log(rng.next_f64_nonzero())).sqrt();
    let angle = 2.0 * core::f64::consts::PI * rng.next_f64();
    radius * libm::cos(angle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_of(distribution: &Distribution, samples: u32) -> f64 {
        let mut rng = Pcg32::new(11, 0);
        let total: u64 = (0..samples)
            .map(|_| distribution.sample(&mut rng).as_micros())
            .sum();
        total as f64 / f64::from(samples) / 1_000.0
    }

    #[test]
    fn sample_means_match_the_declared_means() {
        for distribution in [
            Distribution::Constant { ms: 12.5 },
            Distribution::Exponential { mean_ms: 20.0 },
            Distribution::LogNormal {
                median_ms: 10.0,
                p99_ms: 80.0,
            },
        ] {
            let measured = mean_of(&distribution, 200_000);
            let expected = distribution.mean_ms();
            assert!(
                (measured - expected).abs() / expected < 0.02,
                "{distribution:?}: measured {measured}, expected {expected}"
            );
        }
    }

    #[test]
    fn log_normal_p99_is_where_it_was_asked_to_be() {
        let distribution = Distribution::LogNormal {
            median_ms: 10.0,
            p99_ms: 80.0,
        };
        let mut rng = Pcg32::new(5, 0);
        let mut samples: Vec<u64> = (0..100_000)
            .map(|_| distribution.sample(&mut rng).as_micros())
            .collect();
        samples.sort_unstable();
        let median = samples[50_000] as f64 / 1e3;
        let p99 = samples[99_000] as f64 / 1e3;
        assert!((median - 10.0).abs() < 0.3, "median {median}");
        assert!((p99 - 80.0).abs() < 4.0, "p99 {p99}");
    }

    #[test]
    fn invalid_parameters_are_named() {
        let error = Distribution::LogNormal {
            median_ms: 10.0,
            p99_ms: 5.0,
        }
        .validate();
        assert_eq!(error, Err("p99_ms: must be at least median_ms".to_string()));
        assert!(Distribution::Exponential { mean_ms: f64::NAN }
            .validate()
            .is_err());
    }
}
