//! Resilience settings of real libraries and brokers, one click away in the UI and named by
//! `--policy` style ids. Each names its source; values are the published defaults (see
//! docs/semantics.md), translated to this engine's knobs. Where a library has no such knob, the
//! engine's neutral default stays and the note says so.

use crate::breaker::{BreakerConfig, SlidingWindowType};
use crate::policy::{AsyncPolicy, Backoff, DeliveryLimitCounts, Jitter, RetryBudget, SyncPolicy};

/// A named set of sync-call knobs.
pub struct SyncPreset {
    /// Stable identifier.
    pub id: &'static str,
    /// Shown in the UI.
    pub name: &'static str,
    /// Where the numbers come from, and what was translated.
    pub source: &'static str,
    /// Builds the policy.
    pub build: fn() -> SyncPolicy,
}

/// A named set of queue knobs.
pub struct AsyncPreset {
    /// Stable identifier.
    pub id: &'static str,
    /// Shown in the UI.
    pub name: &'static str,
    /// Where the numbers come from, and what was translated.
    pub source: &'static str,
    /// Builds the policy.
    pub build: fn() -> AsyncPolicy,
}

/// Sync-call presets.
pub const SYNC: &[SyncPreset] = &[
    SyncPreset {
        id: "resilience4j",
        name: "Resilience4j defaults",
        source: "Resilience4j: TimeLimiter 1 s; Retry maxAttempts 3 (first call included), \
                 waitDuration 500 ms; CircuitBreaker 50% failures, count window 100, minimum 100 \
                 calls, 60 s open, 10 half-open calls; SemaphoreBulkhead 25 concurrent calls.",
        build: resilience4j,
    },
    SyncPreset {
        id: "polly",
        name: "Polly v8 defaults",
        source: "Polly v8: Timeout 30 s; Retry MaxRetryAttempts 3 (4 attempts), Delay 2 s \
                 constant, no jitter; CircuitBreaker FailureRatio 0.1, MinimumThroughput 100, \
                 SamplingDuration 30 s, BreakDuration 5 s, one trial call.",
        build: polly,
    },
    SyncPreset {
        id: "hystrix",
        name: "Hystrix defaults",
        source: "Hystrix: execution timeout 1000 ms, no retries, thread pool 10 (as a bulkhead \
                 of 10), breaker requestVolumeThreshold 20, errorThresholdPercentage 50, \
                 sleepWindow 5 s, rolling window 10 s, one trial call.",
        build: hystrix,
    },
    SyncPreset {
        id: "aws-sdk-standard",
        name: "AWS SDK standard retries",
        source: "AWS SDK standard mode (JavaScript v3): 3 attempts, delay min(20 s, random x \
                 100 ms x 2^retries so far) in whole ms (full jitter, then the cap), retry quota 500 tokens, 5 per retry, \
                 10 per retry after a \
                 timeout; a call that succeeds gives back what its retry took, or 1 when it \
                 needed no retry. The SDK sets no call timeout; 2 s here.",
        build: aws_sdk_standard,
    },
];

/// Queue presets.
pub const ASYNC: &[AsyncPreset] = &[
    AsyncPreset {
        id: "rabbitmq-quorum",
        name: "RabbitMQ quorum queue",
        source: "RabbitMQ 4 quorum queue: delivery limit 20 redeliveries (21 deliveries), \
                 requeue at once near the head, \
                 dead-letter exchange configured, overflow drop-head, prefetch 100 \
                 (the recommended range is 100-300; 0 means unlimited).",
        build: rabbitmq_quorum,
    },
    AsyncPreset {
        id: "sqs-standard",
        name: "Amazon SQS standard queue",
        source: "SQS standard: visibility timeout 30 s (a failed or slow message reappears after \
                 it), redrive maxReceiveCount 10 receives to a DLQ, retention 4 days; at most 10 \
                 messages per receive (prefetch 10).",
        build: sqs_standard,
    },
];

/// The sync preset with this id.
pub fn sync_by_id(id: &str) -> Option<SyncPolicy> {
    SYNC.iter()
        .find(|preset| preset.id == id)
        .map(|preset| (preset.build)())
}

/// The async preset with this id.
pub fn async_by_id(id: &str) -> Option<AsyncPolicy> {
    ASYNC
        .iter()
        .find(|preset| preset.id == id)
        .map(|preset| (preset.build)())
}

fn resilience4j() -> SyncPolicy {
    SyncPolicy {
        timeout_ms: 1_000.0,
        max_attempts: 3,
        backoff: Backoff {
            initial_ms: 500.0,
            multiplier: 1.0,
            max_ms: 500.0,
            jitter: Jitter::None,
        },
        max_concurrent_calls: Some(25),
        breaker: BreakerConfig {
            enabled: true,
            ..BreakerConfig::default()
        },
        ..SyncPolicy::default()
    }
}

fn polly() -> SyncPolicy {
    SyncPolicy {
        timeout_ms: 30_000.0,
        max_attempts: 4,
        backoff: Backoff {
            initial_ms: 2_000.0,
            multiplier: 1.0,
            max_ms: 2_000.0,
            jitter: Jitter::None,
        },
        breaker: BreakerConfig {
            enabled: true,
            failure_rate_threshold: 10.0,
            minimum_number_of_calls: 100,
            sliding_window_type: SlidingWindowType::TimeBased,
            sliding_window_size: 30,
            wait_duration_in_open_ms: 5_000.0,
            permitted_number_of_calls_in_half_open: 1,
            ..BreakerConfig::default()
        },
        ..SyncPolicy::default()
    }
}

fn hystrix() -> SyncPolicy {
    SyncPolicy {
        timeout_ms: 1_000.0,
        max_attempts: 1,
        max_concurrent_calls: Some(10),
        breaker: BreakerConfig {
            enabled: true,
            failure_rate_threshold: 50.0,
            minimum_number_of_calls: 20,
            sliding_window_type: SlidingWindowType::TimeBased,
            sliding_window_size: 10,
            wait_duration_in_open_ms: 5_000.0,
            permitted_number_of_calls_in_half_open: 1,
            ..BreakerConfig::default()
        },
        ..SyncPolicy::default()
    }
}

fn aws_sdk_standard() -> SyncPolicy {
    SyncPolicy {
        timeout_ms: 2_000.0,
        max_attempts: 3,
        backoff: Backoff {
            initial_ms: 100.0,
            multiplier: 2.0,
            max_ms: 20_000.0,
            jitter: Jitter::FullThenCap,
        },
        retry_budget: Some(RetryBudget::default()),
        ..SyncPolicy::default()
    }
}

fn rabbitmq_quorum() -> AsyncPolicy {
    AsyncPolicy {
        delivery_limit: 20,
        prefetch: 100,
        ..AsyncPolicy::default()
    }
}

fn sqs_standard() -> AsyncPolicy {
    AsyncPolicy {
        delivery_limit: 10,
        delivery_limit_counts: DeliveryLimitCounts::Receives,
        prefetch: 10,
        redelivery_delay_ms: 30_000.0,
        visibility_timeout_ms: Some(30_000.0),
        message_ttl_ms: Some(4.0 * 24.0 * 3_600_000.0),
        ..AsyncPolicy::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_validates_names_its_source_and_differs_from_the_others() {
        for preset in SYNC {
            let policy = (preset.build)();
            policy
                .validate()
                .unwrap_or_else(|error| panic!("{}: {error}", preset.id));
            assert!(preset.source.len() > 40, "{} names its source", preset.id);
        }
        for preset in ASYNC {
            (preset.build)()
                .validate()
                .unwrap_or_else(|error| panic!("{}: {error}", preset.id));
        }
        let policies: Vec<SyncPolicy> = SYNC.iter().map(|preset| (preset.build)()).collect();
        for (index, policy) in policies.iter().enumerate() {
            assert!(
                !policies[index + 1..].contains(policy),
                "{} is a duplicate",
                SYNC[index].id
            );
        }
        assert_eq!(
            sync_by_id("polly").map(|policy| policy.max_attempts),
            Some(4),
            "Polly's 3 retries are 4 attempts"
        );
        assert_eq!(
            async_by_id("sqs-standard").and_then(|policy| policy.visibility_timeout_ms),
            Some(30_000.0)
        );
    }
}
