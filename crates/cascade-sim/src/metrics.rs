//! Counters and latency histograms. Live gauges (busy workers, queue depth) are read from the
//! engine's state; this module holds what accumulates.

use crate::time::SimDuration;
use serde::Serialize;

/// Sub-buckets per power of two: relative error of a reported percentile is at most 1/32 (3%).
const SUB_BUCKETS: usize = 32;
const SUB_BUCKET_BITS: u32 = 5;
/// Enough octaves for any u64 microsecond value.
const BUCKETS: usize = (64 - SUB_BUCKET_BITS as usize + 1) * SUB_BUCKETS;

/// A log-linear histogram of durations in microseconds (HdrHistogram-like, fixed memory).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Histogram {
    #[serde(skip)]
    counts: Vec<u64>,
    count: u64,
    sum_us: u128,
    max_us: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; BUCKETS],
            count: 0,
            sum_us: 0,
            max_us: 0,
        }
    }
}

fn bucket_of(value: u64) -> usize {
    if value < SUB_BUCKETS as u64 {
        return value as usize;
    }
    let octave = 63 - value.leading_zeros() - (SUB_BUCKET_BITS - 1);
    let sub = (value >> (octave - 1)) as usize & (SUB_BUCKETS - 1);
    octave as usize * SUB_BUCKETS + sub
}

/// The largest value that lands in `bucket`.
fn bucket_upper(bucket: usize) -> u64 {
    if bucket < SUB_BUCKETS {
        return bucket as u64;
    }
    let octave = (bucket / SUB_BUCKETS) as u32;
    let sub = (bucket % SUB_BUCKETS) as u64;
    let low = (sub | SUB_BUCKETS as u64) << (octave - 1);
    low.saturating_add((1u64 << (octave - 1)) - 1)
}

impl Histogram {
    /// Adds one duration.
    pub fn record(&mut self, duration: SimDuration) {
        let value = duration.as_micros();
        self.counts[bucket_of(value)] += 1;
        self.count += 1;
        self.sum_us += u128::from(value);
        self.max_us = self.max_us.max(value);
    }

    /// How many durations were recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Mean in milliseconds (0 when empty).
    pub fn mean_ms(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum_us as f64 / self.count as f64 / 1e3
        }
    }

    /// Largest recorded value in milliseconds.
    pub fn max_ms(&self) -> f64 {
        self.max_us as f64 / 1e3
    }

    /// The `quantile` (0..=1) in milliseconds, within 3% (0 when empty).
    pub fn quantile_ms(&self, quantile: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = ((quantile.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (bucket, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return bucket_upper(bucket).min(self.max_us) as f64 / 1e3;
            }
        }
        self.max_ms()
    }
}

/// Per-service counters.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NodeMetrics {
    /// Calls that reached the service while it was up.
    pub received: u64,
    /// Requests and messages finished successfully.
    pub succeeded: u64,
    /// Requests and messages that ended in failure (including rejected and reset).
    pub failed: u64,
    /// Calls turned away because the inbound queue was full.
    pub rejected: u64,
    /// Calls refused because the service was down.
    pub refused: u64,
    /// Responses finished after the caller had given up.
    pub wasted_responses: u64,
    /// Worker time spent on those responses, in microseconds.
    pub wasted_work_us: u64,
}

/// Per-link counters.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LinkMetrics {
    /// Sync attempts sent, retries included.
    pub attempts: u64,
    /// Attempts after the first.
    pub retries: u64,
    /// Attempts the caller gave up on.
    pub timeouts: u64,
    /// Calls that failed after the last attempt.
    pub exhausted: u64,
    /// Messages published.
    pub published: u64,
}

/// Per-queue counters.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct QueueMetrics {
    /// Messages that reached the queue.
    pub enqueued: u64,
    /// Deliveries to the consumer, redeliveries included.
    pub delivered: u64,
    /// Messages processed and acknowledged.
    pub acked: u64,
    /// Deliveries that failed and went back to the queue.
    pub requeued: u64,
    /// Messages moved to the dead-letter queue.
    pub dead_lettered: u64,
}

/// What the users of the system experienced, end to end.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ClientMetrics {
    /// Requests sent.
    pub started: u64,
    /// Requests answered successfully.
    pub succeeded: u64,
    /// Failed requests by reason, indexed like [`crate::Failure::ALL`].
    pub failed_by_reason: [u64; 5],
    /// Latency of successful requests.
    pub latency: Histogram,
}

impl ClientMetrics {
    /// Failed requests, all reasons together.
    pub fn failed(&self) -> u64 {
        self.failed_by_reason.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_contain_their_values() {
        let mut previous = 0;
        for value in (0..100_000u64).chain([1 << 40, u64::MAX / 3, u64::MAX]) {
            let bucket = bucket_of(value);
            assert!(bucket >= previous || value > 100_000);
            assert!(bucket < BUCKETS);
            assert!(
                bucket_upper(bucket) >= value,
                "value {value} above its bucket"
            );
            if value < 100_000 {
                previous = bucket;
            }
        }
    }

    #[test]
    fn quantiles_are_within_three_percent() {
        let mut histogram = Histogram::default();
        for value in 1..=10_000u64 {
            histogram.record(SimDuration::from_micros(value * 10));
        }
        for (quantile, exact_ms) in [(0.5, 50.0), (0.99, 99.0), (1.0, 100.0)] {
            let measured = histogram.quantile_ms(quantile);
            assert!(
                (measured - exact_ms).abs() / exact_ms < 0.031,
                "q{quantile}: {measured}"
            );
        }
        assert!((histogram.mean_ms() - 50.005).abs() < 1e-9);
    }
}
