//! Resilience policies of a link: the knobs of a sync call (timeout, retry, backoff with jitter)
//! and of an async hand-off (queue, delivery limit). Defaults are the published defaults of the
//! library named on each field. The functions here are pure: the engine feeds them and obeys.

use crate::rng::Pcg32;
use crate::time::SimDuration;
use serde::{Deserialize, Serialize};

/// How a sync caller waits and retries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncPolicy {
    /// Give up on an attempt after this long; the callee keeps working (wasted work).
    /// Default 1000 ms: Resilience4j TimeLimiter and Hystrix.
    pub timeout_ms: f64,
    /// Attempts including the first. Default 3: Resilience4j `maxAttempts`.
    pub max_attempts: u32,
    /// Sleep between attempts. The caller's worker thread is held while it sleeps.
    pub backoff: Backoff,
}

impl Default for SyncPolicy {
    fn default() -> Self {
        SyncPolicy {
            timeout_ms: 1_000.0,
            max_attempts: 3,
            backoff: Backoff::default(),
        }
    }
}

impl SyncPolicy {
    /// The timeout as a duration.
    pub fn timeout(&self) -> SimDuration {
        SimDuration::from_millis_f64(self.timeout_ms)
    }

    /// Checks the knobs; the message starts with the field name.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.timeout_ms.is_finite() && self.timeout_ms > 0.0) {
            return Err("timeout_ms: must be greater than 0".into());
        }
        if self.max_attempts == 0 {
            return Err("max_attempts: must be at least 1 (the first call counts)".into());
        }
        self.backoff
            .validate()
            .map_err(|problem| format!("backoff.{problem}"))
    }
}

/// Randomisation of backoff delays (AWS Architecture Blog, "Exponential Backoff And Jitter").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Jitter {
    /// Exactly the computed delay: synchronised retries, the seed of a retry storm.
    #[default]
    None,
    /// Uniform in [0, delay].
    Full,
    /// delay/2 plus uniform in [0, delay/2].
    Equal,
    /// Uniform in [initial, previous * 3], capped.
    Decorrelated,
}

/// Delay between attempts: `min(max_ms, initial_ms * multiplier^(retry-1))`, then jitter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Backoff {
    /// First delay. Default 500 ms: Resilience4j `waitDuration`.
    pub initial_ms: f64,
    /// Growth per retry; 1 means fixed delay (the Resilience4j default).
    pub multiplier: f64,
    /// Upper bound of any delay.
    pub max_ms: f64,
    /// Randomisation.
    pub jitter: Jitter,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial_ms: 500.0,
            multiplier: 1.0,
            max_ms: 20_000.0,
            jitter: Jitter::None,
        }
    }
}

impl Backoff {
    /// The sleep before retry number `retry` (1 for the second attempt). `previous` is the
    /// previous sleep, used by decorrelated jitter.
    pub fn delay(&self, retry: u32, previous: SimDuration, rng: &mut Pcg32) -> SimDuration {
        let exponent = f64::from(retry.saturating_sub(1));
        let computed = (self.initial_ms * libm::pow(self.multiplier, exponent)).min(self.max_ms);
        let millis = match self.jitter {
            Jitter::None => computed,
            Jitter::Full => rng.next_f64() * computed,
            Jitter::Equal => computed / 2.0 + rng.next_f64() * computed / 2.0,
            Jitter::Decorrelated => {
                let upper = (previous.as_millis_f64() * 3.0).max(self.initial_ms);
                (self.initial_ms + rng.next_f64() * (upper - self.initial_ms)).min(self.max_ms)
            }
        };
        SimDuration::from_millis_f64(millis)
    }

    fn validate(&self) -> Result<(), String> {
        if !(self.initial_ms.is_finite() && self.initial_ms >= 0.0) {
            return Err("initial_ms: must be a finite number of at least 0".into());
        }
        if !(self.multiplier.is_finite() && self.multiplier >= 1.0) {
            return Err("multiplier: must be at least 1".into());
        }
        if !(self.max_ms.is_finite() && self.max_ms >= self.initial_ms) {
            return Err("max_ms: must be at least initial_ms".into());
        }
        Ok(())
    }
}

/// How an async link hands work to its consumer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AsyncPolicy {
    /// Queue name; links naming the same queue share it. Default: the consumer's name.
    pub queue: Option<String>,
    /// Deliveries after which a failing message is dead-lettered.
    /// Default 20: RabbitMQ quorum queues since 4.0.
    pub delivery_limit: u32,
}

impl Default for AsyncPolicy {
    fn default() -> Self {
        AsyncPolicy {
            queue: None,
            delivery_limit: 20,
        }
    }
}

impl AsyncPolicy {
    /// The queue this link publishes to, given the consumer's name.
    pub fn queue_name(&self, consumer: &str) -> String {
        match &self.queue {
            Some(name) if !name.trim().is_empty() => name.clone(),
            _ => format!("{consumer}.queue"),
        }
    }

    /// Checks the knobs; the message starts with the field name.
    pub fn validate(&self) -> Result<(), String> {
        if self.delivery_limit == 0 {
            return Err("delivery_limit: must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delays(backoff: &Backoff, retries: u32) -> Vec<f64> {
        let mut rng = Pcg32::new(9, 0);
        let mut previous = SimDuration::from_millis_f64(backoff.initial_ms);
        (1..=retries)
            .map(|retry| {
                previous = backoff.delay(retry, previous, &mut rng);
                previous.as_millis_f64()
            })
            .collect()
    }

    #[test]
    fn fixed_and_exponential_delays_follow_the_formula_and_the_cap() {
        assert_eq!(delays(&Backoff::default(), 3), [500.0, 500.0, 500.0]);
        let exponential = Backoff {
            initial_ms: 100.0,
            multiplier: 2.0,
            max_ms: 350.0,
            jitter: Jitter::None,
        };
        assert_eq!(delays(&exponential, 4), [100.0, 200.0, 350.0, 350.0]);
    }

    #[test]
    fn jittered_delays_stay_in_their_ranges() {
        let base = Backoff {
            initial_ms: 100.0,
            multiplier: 2.0,
            max_ms: 10_000.0,
            jitter: Jitter::Full,
        };
        for (retry, delay) in delays(&base, 5).into_iter().enumerate() {
            let computed = 100.0 * 2f64.powi(retry as i32);
            assert!(
                (0.0..=computed).contains(&delay),
                "full jitter {delay} > {computed}"
            );
        }
        let equal = Backoff {
            jitter: Jitter::Equal,
            ..base.clone()
        };
        for (retry, delay) in delays(&equal, 5).into_iter().enumerate() {
            let computed = 100.0 * 2f64.powi(retry as i32);
            assert!(
                (computed / 2.0..=computed).contains(&delay),
                "equal jitter {delay}"
            );
        }
        let decorrelated = Backoff {
            jitter: Jitter::Decorrelated,
            max_ms: 1_000.0,
            ..base
        };
        let mut previous = 100.0;
        for delay in delays(&decorrelated, 20) {
            assert!(delay >= 100.0 && delay <= (previous * 3.0f64).min(1_000.0) + 0.001);
            previous = delay;
        }
    }

    #[test]
    fn invalid_knobs_name_their_field() {
        let policy = SyncPolicy {
            timeout_ms: 0.0,
            ..SyncPolicy::default()
        };
        assert_eq!(
            policy.validate(),
            Err("timeout_ms: must be greater than 0".into())
        );
        let policy = SyncPolicy {
            backoff: Backoff {
                multiplier: 0.5,
                ..Backoff::default()
            },
            ..SyncPolicy::default()
        };
        assert_eq!(
            policy.validate(),
            Err("backoff.multiplier: must be at least 1".into())
        );
    }
}
