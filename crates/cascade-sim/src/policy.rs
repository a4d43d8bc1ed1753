//! Resilience policies of a link: the knobs of a sync call (timeout, retry, backoff with jitter,
//! retry budget, bulkhead) and of an async hand-off (queue, prefetch, redelivery, delivery
//! limit, dead letters, TTL, max length). Defaults are the published defaults of the library
//! named on each field. The functions here are pure: the engine feeds them and obeys.

use crate::rng::Pcg32;
use crate::time::SimDuration;
use crate::vocabulary::Failure;
use serde::{Deserialize, Serialize};

/// The shortest duration a knob that must be positive may have, in milliseconds: time is whole
/// microseconds, and anything shorter would round to zero (a timeout of zero fails every call
/// at once).
pub const SMALLEST_DURATION_MS: f64 = 0.001;

/// The most attempts a call may make. Libraries take any number (Resilience4j's
/// `maxAttempts` and Polly's `MaxRetryAttempts` are plain integers), but a hundred attempts per
/// call is a retry storm on its own, and the cap bounds the work one request can cause.
pub const MAX_ATTEMPTS: u32 = 100;

/// The highest delivery limit: SQS allows a `maxReceiveCount` of 1 to 1,000, and RabbitMQ's
/// default is 20.
pub const MAX_DELIVERY_LIMIT: u32 = 1_000;

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
    /// Which failures are retried. Default: all of them (Resilience4j retries every exception
    /// unless told otherwise).
    pub retry_on: RetryOn,
    /// Token bucket that limits retries (AWS SDK standard mode). Default: none.
    pub retry_budget: Option<RetryBudget>,
    /// Semaphore bulkhead: at most this many calls on the link at once; one more fails at once
    /// (Resilience4j `maxConcurrentCalls` 25, `maxWaitDuration` 0). Default: none.
    pub max_concurrent_calls: Option<u32>,
    /// Circuit breaker on this link (off unless enabled).
    pub breaker: crate::breaker::BreakerConfig,
}

impl Default for SyncPolicy {
    fn default() -> Self {
        SyncPolicy {
            timeout_ms: 1_000.0,
            max_attempts: 3,
            backoff: Backoff::default(),
            retry_on: RetryOn::default(),
            retry_budget: None,
            max_concurrent_calls: None,
            breaker: crate::breaker::BreakerConfig::default(),
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
        if !(self.timeout_ms.is_finite() && self.timeout_ms >= SMALLEST_DURATION_MS) {
            return Err("timeout_ms: must be at least 0.001 (one microsecond)".into());
        }
        if self.max_attempts == 0 {
            return Err("max_attempts: must be at least 1 (the first call counts)".into());
        }
        if self.max_attempts > MAX_ATTEMPTS {
            return Err(format!("max_attempts: must be at most {MAX_ATTEMPTS}"));
        }
        if self.max_concurrent_calls == Some(0) {
            return Err(
                "max_concurrent_calls: must be at least 1 (or absent for no bulkhead)".into(),
            );
        }
        if let Some(budget) = &self.retry_budget {
            if budget.capacity == 0 {
                return Err("retry_budget.capacity: must be at least 1".into());
            }
        }
        self.breaker
            .validate()
            .map_err(|problem| format!("breaker.{problem}"))?;
        self.backoff
            .validate()
            .map_err(|problem| format!("backoff.{problem}"))
    }
}

/// Which failed attempts are retried.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryOn {
    /// The attempt timed out.
    pub timeout: bool,
    /// The callee answered 5xx.
    pub server_error: bool,
    /// The connection was refused (callee down) or reset (callee died mid-call), or a publish
    /// could not reach the broker.
    pub connection_error: bool,
    /// The callee's queue was full (503).
    pub rejected: bool,
    /// The circuit breaker or bulkhead refused the call without sending it.
    pub not_permitted: bool,
}

impl Default for RetryOn {
    fn default() -> Self {
        RetryOn {
            timeout: true,
            server_error: true,
            connection_error: true,
            rejected: true,
            not_permitted: true,
        }
    }
}

impl RetryOn {
    /// Whether this failure is retried.
    pub fn retries(&self, failure: Failure) -> bool {
        match failure {
            Failure::Timeout => self.timeout,
            Failure::ServerError => self.server_error,
            Failure::Refused | Failure::Reset | Failure::BrokerDown => self.connection_error,
            Failure::Rejected => self.rejected,
            Failure::BreakerOpen | Failure::BulkheadFull => self.not_permitted,
        }
    }
}

/// A retry quota shared by all calls on a link, as in the AWS SDKs' standard retry mode
/// (botocore's `RetryQuotaChecker`, the JS v3 SDK's retry tokens): a retry takes tokens, a
/// bucket that cannot pay means no retry, and a call that succeeds gives tokens back: what its
/// last retry took when it needed retries, `first_attempt_refund` when it succeeded at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryBudget {
    /// Tokens when full. AWS: 500.
    pub capacity: u32,
    /// Tokens a retry costs. AWS: 5.
    pub retry_cost: u32,
    /// Tokens a retry after a timeout costs. AWS: 10.
    pub timeout_retry_cost: u32,
    /// Tokens a call that succeeds on its first attempt gives back. AWS: 1 (botocore's
    /// `_NO_RETRY_INCREMENT`, the JS v3 SDK's `NO_RETRY_INCREMENT`). A call that succeeds
    /// after retries gives back what its last retry took (`retry_cost` or
    /// `timeout_retry_cost`).
    #[serde(alias = "success_refund")]
    pub first_attempt_refund: u32,
}

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget {
            capacity: 500,
            retry_cost: 5,
            timeout_retry_cost: 10,
            first_attempt_refund: 1,
        }
    }
}

/// The live token count of a [`RetryBudget`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenBucket {
    tokens: u32,
}

impl TokenBucket {
    /// A full bucket.
    pub fn full(budget: &RetryBudget) -> Self {
        TokenBucket {
            tokens: budget.capacity,
        }
    }

    /// Tokens left.
    pub fn tokens(&self) -> u32 {
        self.tokens
    }

    /// Takes the cost of retrying after `failure` and returns it; `None` (and nothing taken)
    /// when the bucket holds too few tokens.
    pub fn try_spend(&mut self, budget: &RetryBudget, failure: Failure) -> Option<u32> {
        let cost = if failure == Failure::Timeout {
            budget.timeout_retry_cost
        } else {
            budget.retry_cost
        };
        self.tokens = self.tokens.checked_sub(cost)?;
        Some(cost)
    }

    /// A call succeeded: it gives back what its last retry took (`retry_taken`), or
    /// `first_attempt_refund` when it was not retried (`retry_taken` is `None`). Never above
    /// capacity, whatever the numbers.
    pub fn refund(&mut self, budget: &RetryBudget, retry_taken: Option<u32>) {
        let amount = retry_taken.unwrap_or(budget.first_attempt_refund);
        self.tokens = self.tokens.saturating_add(amount).min(budget.capacity);
    }
}

/// Randomisation of backoff delays (AWS Architecture Blog, "Exponential Backoff And Jitter").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Jitter {
    /// Exactly the computed delay: synchronised retries, the seed of a retry storm.
    #[default]
    None,
    /// Uniform in [0, delay]: the delay is capped first (the AWS Architecture Blog's full
    /// jitter, botocore).
    Full,
    /// Uniform in [0, uncapped delay] in whole milliseconds, then capped: the AWS SDK for
    /// JavaScript v3 (`min(cap, floor(random x base x 2^retries))`), so once the uncapped delay
    /// passes the cap, a share of the sleeps is exactly the cap.
    FullThenCap,
    /// delay/2 plus uniform in [0, delay/2].
    Equal,
    /// Uniform in [initial, previous * 3], capped, where "previous" starts at `initial`: the
    /// first retry already draws from [initial, 3 * initial] (AWS Architecture Blog).
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
    /// previous sleep, used by decorrelated jitter (ignored for the first retry, whose
    /// "previous" sleep is `initial_ms` by definition).
    pub fn delay(&self, retry: u32, previous: SimDuration, rng: &mut Pcg32) -> SimDuration {
        let exponent = f64::from(retry.saturating_sub(1));
        let uncapped = self.initial_ms * libm::pow(self.multiplier, exponent);
        let computed = uncapped.min(self.max_ms);
        let millis = match self.jitter {
            Jitter::None => computed,
            Jitter::Full => rng.next_f64() * computed,
            // An infinite uncapped delay times a draw of 0 is NaN, whose `min` is the cap.
            Jitter::FullThenCap => (rng.next_f64() * uncapped).floor().min(self.max_ms),
            Jitter::Equal => computed / 2.0 + rng.next_f64() * computed / 2.0,
            Jitter::Decorrelated => {
                let previous_ms = if retry <= 1 {
                    self.initial_ms
                } else {
                    previous.as_millis_f64()
                };
                let upper = (previous_ms * 3.0).max(self.initial_ms);
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

/// What a full queue does with one more message (RabbitMQ `x-overflow`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overflow {
    /// Dead-letter (or drop) the oldest message to make room. RabbitMQ's default.
    #[default]
    DropHead,
    /// Refuse the new message: the publisher sees the failure.
    RejectPublish,
}

/// What a producer does when it cannot publish (broker down, link partitioned, queue full with
/// reject-publish).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublishFailure {
    /// The request that wanted to publish fails (Spring AMQP without a retry template).
    #[default]
    FailRequest,
    /// Retry with the link's sync retry policy (attempts and backoff), holding the worker.
    Retry,
    /// Log and carry on: the message is lost, counted as dropped.
    Drop,
}

/// What a queue's `delivery_limit` counts: brokers disagree by one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryLimitCounts {
    /// Redeliveries, as a RabbitMQ quorum queue's `x-delivery-limit`: a message is
    /// dead-lettered once it has been redelivered more times than the limit, so a limit of N
    /// allows N + 1 deliveries.
    #[default]
    Redeliveries,
    /// Receives, as SQS's redrive `maxReceiveCount`: a limit of N allows N deliveries.
    Receives,
}

/// How an async link hands work to its consumer. Queue-level knobs (everything but
/// `on_publish_failure`) come from the first link that names the queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AsyncPolicy {
    /// Queue name; links naming the same queue share it. Default: `<consumer>.queue`.
    pub queue: Option<String>,
    /// How often a failing message may come back before it is dead-lettered; what it counts
    /// is `delivery_limit_counts`. Default 20: RabbitMQ quorum queues since 4.0.
    pub delivery_limit: u32,
    /// Whether `delivery_limit` counts redeliveries (RabbitMQ, the default) or receives (SQS).
    pub delivery_limit_counts: DeliveryLimitCounts,
    /// Unacknowledged deliveries the broker pushes ahead to the consumer (RabbitMQ
    /// `basic.qos`): deliveries on the wire and waiting at the consumer count, its workers do
    /// not limit it. `0` is unlimited, as in RabbitMQ: every ready message is pushed at once.
    /// Default 250: Spring AMQP's default prefetch (RabbitMQ recommends 100-300).
    pub prefetch: u32,
    /// Wait before a failed message is visible again. RabbitMQ requeues at once (0).
    pub redelivery_delay_ms: f64,
    /// SQS visibility timeout: a delivery not acknowledged within it is delivered again, even
    /// if the first consumer is still working (duplicates). Default: none (RabbitMQ).
    pub visibility_timeout_ms: Option<f64>,
    /// Message TTL; expired messages are dead-lettered when they reach the head of the queue.
    pub message_ttl_ms: Option<f64>,
    /// Maximum ready messages; see `overflow`.
    pub max_length: Option<u32>,
    /// What happens past `max_length`.
    pub overflow: Overflow,
    /// Whether dead-lettered messages go to a dead-letter queue (counted and kept) or are
    /// dropped (counted as dropped).
    pub dead_letter_queue: bool,
    /// What the producer does when a publish fails.
    pub on_publish_failure: PublishFailure,
}

impl Default for AsyncPolicy {
    fn default() -> Self {
        AsyncPolicy {
            queue: None,
            delivery_limit: 20,
            delivery_limit_counts: DeliveryLimitCounts::Redeliveries,
            prefetch: 250,
            redelivery_delay_ms: 0.0,
            visibility_timeout_ms: None,
            message_ttl_ms: None,
            max_length: None,
            overflow: Overflow::DropHead,
            dead_letter_queue: true,
            on_publish_failure: PublishFailure::FailRequest,
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

    /// The most deliveries a message may have: the delivery limit as its broker counts it.
    pub fn max_deliveries(&self) -> u32 {
        match self.delivery_limit_counts {
            DeliveryLimitCounts::Redeliveries => self.delivery_limit.saturating_add(1),
            DeliveryLimitCounts::Receives => self.delivery_limit,
        }
    }

    /// The smallest delivery limit its broker accepts: 0 when counting redeliveries (a RabbitMQ
    /// quorum queue with `delivery-limit` 0 dead-letters a message the first time it comes
    /// back: one delivery), 1 when counting receives (SQS's `maxReceiveCount` is 1 to 1,000).
    pub fn min_delivery_limit(&self) -> u32 {
        match self.delivery_limit_counts {
            DeliveryLimitCounts::Redeliveries => 0,
            DeliveryLimitCounts::Receives => 1,
        }
    }

    /// Switches what the delivery limit counts, raising a limit of 0 to 1 when it comes to
    /// count receives, which have no 0.
    pub fn set_delivery_limit_counts(&mut self, counts: DeliveryLimitCounts) {
        self.delivery_limit_counts = counts;
        self.delivery_limit = self.delivery_limit.max(self.min_delivery_limit());
    }

    /// Checks the knobs; the message starts with the field name.
    pub fn validate(&self) -> Result<(), String> {
        if self.delivery_limit < self.min_delivery_limit() {
            return Err(
                "delivery_limit: must be at least 1 when it counts receives (SQS maxReceiveCount)"
                    .into(),
            );
        }
        if self.delivery_limit > MAX_DELIVERY_LIMIT {
            return Err(format!(
                "delivery_limit: must be at most {MAX_DELIVERY_LIMIT} (SQS's largest maxReceiveCount)"
            ));
        }
        if !(self.redelivery_delay_ms.is_finite() && self.redelivery_delay_ms >= 0.0) {
            return Err("redelivery_delay_ms: must be a finite number of at least 0".into());
        }
        for (name, value) in [
            ("visibility_timeout_ms", self.visibility_timeout_ms),
            ("message_ttl_ms", self.message_ttl_ms),
        ] {
            if let Some(value) = value {
                if !(value.is_finite() && value >= SMALLEST_DURATION_MS) {
                    return Err(format!(
                        "{name}: must be at least 0.001 (one microsecond), or absent"
                    ));
                }
            }
        }
        if self.max_length == Some(0) {
            return Err("max_length: must be at least 1 (or absent)".into());
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

    /// The JavaScript SDK's order: draw from the uncapped window, then cap. With a 100 ms base
    /// doubling to a 20 s cap, the tenth retry's window is 51.2 s, so about 61% of its sleeps
    /// (1 - 20/51.2) are the cap itself and the rest are whole milliseconds below it.
    #[test]
    fn full_jitter_then_cap_piles_up_at_the_cap() {
        let backoff = Backoff {
            initial_ms: 100.0,
            multiplier: 2.0,
            max_ms: 20_000.0,
            jitter: Jitter::FullThenCap,
        };
        let mut rng = Pcg32::new(4, 2);
        let tenth: Vec<f64> = (0..10_000)
            .map(|_| {
                backoff
                    .delay(10, SimDuration::ZERO, &mut rng)
                    .as_millis_f64()
            })
            .collect();
        assert!(tenth.iter().all(|ms| ms.fract() == 0.0 && *ms <= 20_000.0));
        let at_cap = tenth.iter().filter(|ms| **ms == 20_000.0).count();
        assert!(
            (5_900..6_300).contains(&at_cap),
            "{at_cap} of 10,000 at the cap"
        );
        let first: Vec<f64> = (0..1_000)
            .map(|_| {
                backoff
                    .delay(1, SimDuration::ZERO, &mut rng)
                    .as_millis_f64()
            })
            .collect();
        assert!(first
            .iter()
            .all(|ms| ms.fract() == 0.0 && (0.0..100.0).contains(ms)));
        // Capped first, the same draws never reach the cap.
        let capped_first = Backoff {
            jitter: Jitter::Full,
            ..backoff
        };
        let mut rng = Pcg32::new(4, 2);
        let at_cap = (0..10_000)
            .filter(|_| {
                capped_first
                    .delay(10, SimDuration::ZERO, &mut rng)
                    .as_millis_f64()
                    == 20_000.0
            })
            .count();
        assert_eq!(at_cap, 0);
    }

    #[test]
    fn only_receives_need_a_delivery_limit_of_one() {
        let mut policy = AsyncPolicy {
            delivery_limit: 0,
            ..AsyncPolicy::default()
        };
        assert_eq!(policy.max_deliveries(), 1);
        policy.set_delivery_limit_counts(DeliveryLimitCounts::Receives);
        assert_eq!((policy.delivery_limit, policy.max_deliveries()), (1, 1));
        assert_eq!(policy.validate(), Ok(()));
        policy.set_delivery_limit_counts(DeliveryLimitCounts::Redeliveries);
        assert_eq!(policy.delivery_limit, 1, "raising to 1 is not undone");
    }

    /// `sleep = min(cap, U(base, sleep * 3))` with sleep starting at base: the first retry is
    /// drawn from [base, 3 base] (mean 2 base), not fixed at base, so a burst's first retries
    /// spread out. Called as the engine calls it: the first retry's "previous" is zero.
    #[test]
    fn decorrelated_jitter_spreads_the_first_retry() {
        let backoff = Backoff {
            initial_ms: 100.0,
            multiplier: 1.0,
            max_ms: 10_000.0,
            jitter: Jitter::Decorrelated,
        };
        let mut rng = Pcg32::new(3, 1);
        let firsts: Vec<f64> = (0..10_000)
            .map(|_| {
                backoff
                    .delay(1, SimDuration::ZERO, &mut rng)
                    .as_millis_f64()
            })
            .collect();
        assert!(firsts.iter().all(|delay| (100.0..=300.0).contains(delay)));
        let mean = firsts.iter().sum::<f64>() / firsts.len() as f64;
        // Uniform on [100, 300]: mean 200, SD of the mean 0.58 ms over 10,000 draws.
        assert!((mean - 200.0).abs() < 3.0, "mean first retry {mean} ms");
        let above_two_hundred = firsts.iter().filter(|delay| **delay > 200.0).count();
        assert!((4_700..5_300).contains(&above_two_hundred));
    }

    #[test]
    fn retry_budget_spends_refunds_and_runs_dry() {
        let budget = RetryBudget {
            capacity: 20,
            ..RetryBudget::default()
        };
        let mut bucket = TokenBucket::full(&budget);
        assert_eq!(bucket.try_spend(&budget, Failure::Timeout), Some(10));
        assert_eq!(bucket.tokens(), 10);
        assert_eq!(bucket.try_spend(&budget, Failure::ServerError), Some(5));
        assert_eq!(bucket.try_spend(&budget, Failure::Refused), Some(5));
        assert_eq!(bucket.tokens(), 0);
        assert_eq!(
            bucket.try_spend(&budget, Failure::Refused),
            None,
            "empty bucket: no retry"
        );
        bucket.refund(&budget, Some(10));
        assert_eq!(
            bucket.tokens(),
            10,
            "a retried success gives back its retry's cost"
        );
        bucket.refund(&budget, None);
        assert_eq!(bucket.tokens(), 11, "a first-attempt success gives back 1");
        for _ in 0..30 {
            bucket.refund(&budget, None);
        }
        assert_eq!(bucket.tokens(), 20, "refunds stop at capacity");
    }

    /// The largest capacity: a refund must not wrap the bucket around.
    #[test]
    fn refunds_cannot_overflow_the_bucket() {
        let budget = RetryBudget {
            capacity: u32::MAX,
            first_attempt_refund: u32::MAX,
            ..RetryBudget::default()
        };
        let mut bucket = TokenBucket::full(&budget);
        bucket.refund(&budget, None);
        assert_eq!(bucket.tokens(), u32::MAX);
        bucket.refund(&budget, Some(u32::MAX));
        assert_eq!(bucket.tokens(), u32::MAX);
    }

    #[test]
    fn retry_on_filters_by_failure() {
        let only_timeouts = RetryOn {
            timeout: true,
            server_error: false,
            connection_error: false,
            rejected: false,
            not_permitted: false,
        };
        assert!(only_timeouts.retries(Failure::Timeout));
        assert!(!only_timeouts.retries(Failure::ServerError));
        assert!(!only_timeouts.retries(Failure::BreakerOpen));
        assert!(RetryOn::default().retries(Failure::Reset));
    }

    /// 0.0004 ms passed "greater than 0" and became 0 us: every call timed out at once.
    #[test]
    fn durations_that_round_to_zero_are_refused() {
        let policy = SyncPolicy {
            timeout_ms: 0.0004,
            ..SyncPolicy::default()
        };
        assert_eq!(
            policy.validate(),
            Err("timeout_ms: must be at least 0.001 (one microsecond)".into())
        );
        for (ttl, visibility) in [(Some(0.0004), None), (None, Some(0.0004))] {
            let policy = AsyncPolicy {
                message_ttl_ms: ttl,
                visibility_timeout_ms: visibility,
                ..AsyncPolicy::default()
            };
            let error = policy.validate().expect_err("refused");
            assert!(error.contains("at least 0.001"), "{error}");
        }
        let smallest = SyncPolicy {
            timeout_ms: SMALLEST_DURATION_MS,
            ..SyncPolicy::default()
        };
        assert_eq!(smallest.validate(), Ok(()));
        assert_eq!(smallest.timeout(), SimDuration::from_micros(1));
    }

    #[test]
    fn invalid_knobs_name_their_field() {
        let policy = SyncPolicy {
            timeout_ms: 0.0,
            ..SyncPolicy::default()
        };
        assert_eq!(
            policy.validate(),
            Err("timeout_ms: must be at least 0.001 (one microsecond)".into())
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
