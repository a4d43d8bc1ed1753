//! Counters and latency histograms. Live gauges (busy workers, queue depth) are read from the
//! engine's state; this module holds what accumulates.

use crate::time::{SimDuration, SimTime};
use crate::vocabulary::Failure;
use serde::Serialize;
use std::collections::VecDeque;

/// Sub-buckets per power of two: a reported percentile is at most 1/128 (0.8%) above the
/// recorded value it stands for.
const SUB_BUCKETS: usize = 128;
const SUB_BUCKET_BITS: u32 = 7;
/// Enough octaves for any u64 microsecond value.
const BUCKETS: usize = (64 - SUB_BUCKET_BITS as usize + 1) * SUB_BUCKETS;

/// A log-linear histogram of durations in microseconds (HdrHistogram-like, fixed memory once
/// the first value is recorded; an empty histogram allocates nothing).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Histogram {
    #[serde(skip)]
    counts: Vec<u64>,
    count: u64,
    sum_us: u128,
    max_us: u64,
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
    /// Adds everything recorded in `other`.
    pub fn merge(&mut self, other: &Histogram) {
        if other.counts.is_empty() {
            return;
        }
        if self.counts.is_empty() {
            self.counts = vec![0; BUCKETS];
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.count += other.count;
        self.sum_us += other.sum_us;
        self.max_us = self.max_us.max(other.max_us);
    }

    /// Forgets everything recorded.
    pub fn clear(&mut self) {
        if self.count > 0 {
            self.counts.fill(0);
        }
        self.count = 0;
        self.sum_us = 0;
        self.max_us = 0;
    }

    /// Adds one duration.
    #[inline(never)]
    pub fn record(&mut self, duration: SimDuration) {
        let value = duration.as_micros();
        if self.counts.is_empty() {
            self.counts = vec![0; BUCKETS];
        }
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

    /// The `quantile` (0..=1) in milliseconds: the upper end of the bucket that holds it, so
    /// at most 1/128 (0.8%) above the recorded value (0 when empty).
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

/// Per-service counters. Over a whole run (no warm-up), `received = succeeded + failed +
/// rejected + busy + waiting`: every call and delivery that reached the service is finished,
/// turned away, or still there.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NodeMetrics {
    /// Calls accepted and deliveries received while the service was up (or hung: accepted
    /// into its backlog).
    pub received: u64,
    /// Requests and messages finished successfully.
    pub succeeded: u64,
    /// Requests and messages that ended in failure once taken in (5xx, a failed downstream
    /// call, a reset when the service died); rejections are counted apart.
    pub failed: u64,
    /// Calls turned away because the inbound queue was full.
    pub rejected: u64,
    /// Calls refused because the service was down.
    pub refused: u64,
    /// Responses finished after the caller had given up.
    pub wasted_responses: u64,
    /// Worker time spent on those responses, in microseconds.
    pub wasted_work_us: u64,
    /// Calls never accepted because the service was hung and its accept backlog was full
    /// (their callers time out).
    pub backlog_dropped: u64,
    /// Requests and deliveries that got a worker.
    pub started_work: u64,
    /// Of those, the ones that waited (a positive time) for a worker first.
    pub waited_for_worker: u64,
    /// Time integrals of the worker pool, for time averages.
    #[serde(skip)]
    pub occupancy: Occupancy,
}

/// Time integrals of a service's gauges since the measurement began: busy workers, work
/// waiting for a worker, and worker threads, each summed over simulated microseconds. Divided
/// by the elapsed time they give the time-averaged number in service and waiting, and
/// utilisation (busy over capacity), exactly: the gauges only change at events, and the engine
/// adds each constant stretch before it changes one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Occupancy {
    /// When the measurement began (time zero, or the end of a warm-up).
    pub since: SimTime,
    /// Up to when the integrals are summed.
    pub until: SimTime,
    /// Busy workers x microseconds (saturating: 100,000 workers for 50,000 simulated hours).
    pub busy_us: u64,
    /// Waiting requests and deliveries x microseconds.
    pub waiting_us: u64,
    /// Worker threads x microseconds.
    pub capacity_us: u64,
}

impl Occupancy {
    /// Starts measuring at `now`.
    pub fn starting_at(now: SimTime) -> Self {
        Occupancy {
            since: now,
            until: now,
            ..Occupancy::default()
        }
    }

    /// Adds the stretch from the last accrual to `now`, during which the gauges held these
    /// values.
    pub fn accrue(&mut self, now: SimTime, busy: u32, waiting: u32, workers: u32) {
        let span = now.since(self.until).as_micros();
        let add = |total: &mut u64, gauge: u32| {
            *total = total.saturating_add(span.saturating_mul(u64::from(gauge)));
        };
        add(&mut self.busy_us, busy);
        add(&mut self.waiting_us, waiting);
        add(&mut self.capacity_us, workers);
        self.until = self.until.max(now);
    }

    /// Simulated time measured, in microseconds.
    pub fn elapsed_us(&self) -> u64 {
        self.until.since(self.since).as_micros()
    }

    /// Busy worker time over worker capacity (0 when nothing was measured).
    pub fn utilisation(&self) -> f64 {
        ratio(self.busy_us, self.capacity_us)
    }

    /// Time-averaged number of busy workers (requests in service).
    pub fn mean_in_service(&self) -> f64 {
        ratio(self.busy_us, self.elapsed_us())
    }

    /// Time-averaged number of requests and deliveries waiting for a worker.
    pub fn mean_waiting(&self) -> f64 {
        ratio(self.waiting_us, self.elapsed_us())
    }
}

fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
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
    /// Attempts the breaker or bulkhead refused before sending.
    pub not_permitted: u64,
    /// Retries the retry budget refused.
    pub budget_exhausted: u64,
    /// Messages published.
    pub published: u64,
    /// Publishes that failed (broker down, partition, queue refused).
    pub publish_failed: u64,
}

/// Per-queue counters. Over a whole run (no warm-up) every published message is accounted for:
/// `published = acked + dead_lettered + dropped_broker_down + dropped_without_dlq + to_broker +
/// ready + delayed + unacked` (the last four are the queue's live gauges).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct QueueMetrics {
    /// Messages producers sent towards the queue (publishes the broker refused are not
    /// messages: they are the links' `publish_failed`).
    pub published: u64,
    /// Messages that reached the queue.
    pub enqueued: u64,
    /// Deliveries to the consumer, redeliveries included.
    pub delivered: u64,
    /// Messages processed and acknowledged.
    pub acked: u64,
    /// Deliveries that failed and went back to the queue.
    pub requeued: u64,
    /// Messages moved to the dead-letter queue (the DLQ's size).
    pub dead_lettered: u64,
    /// Messages that reached a down broker and were lost.
    pub dropped_broker_down: u64,
    /// Messages dead-lettered (delivery limit, TTL, max length) by a queue without a
    /// dead-letter queue, so discarded.
    pub dropped_without_dlq: u64,
    /// Messages whose TTL passed (dead-lettered or dropped).
    pub expired: u64,
    /// Messages pushed out of a full queue (dead-lettered or dropped).
    pub overflowed: u64,
    /// Publish-to-ack time of each acknowledged message.
    #[serde(skip)]
    pub sojourn: Histogram,
    /// Ready messages x microseconds, for the time-averaged depth.
    #[serde(skip)]
    pub depth: Occupancy,
}

/// End-to-end counts without the latency histogram: what the time series samples (cheap to
/// sum at every sample, unlike merging histograms).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct ClientCounts {
    /// Requests sent.
    pub started: u64,
    /// Requests answered successfully.
    pub succeeded: u64,
    /// Failed requests by reason, indexed like [`crate::Failure::ALL`].
    pub failed_by_reason: [u64; Failure::COUNT],
}

impl ClientCounts {
    /// Failed requests, all reasons together.
    pub fn failed(&self) -> u64 {
        self.failed_by_reason.iter().sum()
    }
}

/// What the users of the system experienced, end to end.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ClientMetrics {
    /// Requests sent.
    pub started: u64,
    /// Requests answered successfully.
    pub succeeded: u64,
    /// Failed requests by reason, indexed like [`crate::Failure::ALL`].
    pub failed_by_reason: [u64; Failure::COUNT],
    /// Latency of successful requests.
    pub latency: Histogram,
    /// Time from sending to failing, of failed requests.
    pub failed_latency: Histogram,
}

impl ClientMetrics {
    /// Failed requests, all reasons together.
    pub fn failed(&self) -> u64 {
        self.failed_by_reason.iter().sum()
    }
}

/// Simulated time between two samples of the time series.
pub const SAMPLE_INTERVAL: SimDuration = SimDuration::from_millis(250);
/// Samples kept: the last minute.
pub const SERIES_CAPACITY: usize = 240;

/// The state of the system at one instant, plus what happened since the previous sample.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sample {
    /// When.
    pub at: SimTime,
    /// Client requests sent so far.
    pub started: u64,
    /// Client requests answered successfully so far.
    pub succeeded: u64,
    /// Client requests failed so far, by reason (like [`crate::Failure::ALL`]).
    pub failed_by_reason: [u64; Failure::COUNT],
    /// Median latency of the requests that succeeded since the previous sample (0 if none).
    pub p50_ms: f64,
    /// 99th percentile of the same.
    pub p99_ms: f64,
    /// Downstream calls and deliveries so far (for amplification).
    pub downstream_calls: u64,
    /// Busy workers per node.
    pub busy: Vec<u32>,
    /// Requests and deliveries waiting for a worker, per node.
    pub inbound: Vec<u32>,
    /// Ready messages per queue.
    pub queue_depth: Vec<u32>,
    /// Unacknowledged messages per queue.
    pub unacked: Vec<u32>,
    /// Dead-lettered messages per queue so far.
    pub dead_lettered: Vec<u64>,
}

/// Samples at a fixed simulated interval in a bounded buffer: memory does not grow with the
/// length of the run.
#[derive(Clone, Debug)]
pub struct Series {
    samples: VecDeque<Sample>,
    interval_latency: Histogram,
    next_due: SimTime,
    nodes: usize,
    queues: usize,
}

impl Series {
    /// An empty series for a topology of this size; the first sample is due at time zero.
    pub fn new(nodes: usize, queues: usize) -> Self {
        Series {
            samples: VecDeque::with_capacity(SERIES_CAPACITY),
            interval_latency: Histogram::default(),
            next_due: SimTime::ZERO,
            nodes,
            queues,
        }
    }

    /// When the next sample is due.
    pub fn next_sample_due(&self) -> SimTime {
        self.next_due
    }

    /// Moves the next sample `samples` intervals later, without taking those in between.
    pub(crate) fn skip(&mut self, samples: u64) {
        let gap = SAMPLE_INTERVAL.as_micros().saturating_mul(samples);
        self.next_due += SimDuration::from_micros(gap);
    }

    /// Counts one successful request's latency into the current interval.
    pub fn record_latency(&mut self, latency: SimDuration) {
        self.interval_latency.record(latency);
    }

    /// Takes the sample due now.
    pub fn record(
        &mut self,
        at: SimTime,
        totals: &ClientCounts,
        nodes: impl Iterator<Item = (u32, u32)>,
        queues: impl Iterator<Item = (u32, u32, u64)>,
        downstream_calls: u64,
    ) {
        let (mut busy, mut inbound) = (
            Vec::with_capacity(self.nodes),
            Vec::with_capacity(self.nodes),
        );
        for (node_busy, node_inbound) in nodes {
            busy.push(node_busy);
            inbound.push(node_inbound);
        }
        let mut queue_depth = Vec::with_capacity(self.queues);
        let mut unacked = Vec::with_capacity(self.queues);
        let mut dead_lettered = Vec::with_capacity(self.queues);
        for (depth, queue_unacked, dead) in queues {
            queue_depth.push(depth);
            unacked.push(queue_unacked);
            dead_lettered.push(dead);
        }
        if self.samples.len() == SERIES_CAPACITY {
            self.samples.pop_front();
        }
        self.samples.push_back(Sample {
            at,
            started: totals.started,
            succeeded: totals.succeeded,
            failed_by_reason: totals.failed_by_reason,
            p50_ms: self.interval_latency.quantile_ms(0.5),
            p99_ms: self.interval_latency.quantile_ms(0.99),
            downstream_calls,
            busy,
            inbound,
            queue_depth,
            unacked,
            dead_lettered,
        });
        self.interval_latency.clear();
        self.next_due = at + SAMPLE_INTERVAL;
    }

    /// The kept samples, oldest first.
    pub fn samples(&self) -> impl DoubleEndedIterator<Item = &Sample> + ExactSizeIterator {
        self.samples.iter()
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
    fn the_series_keeps_a_bounded_window_of_samples() {
        let mut series = Series::new(1, 0);
        let totals = ClientCounts::default();
        for step in 0..(SERIES_CAPACITY as u64 + 50) {
            let at = series.next_sample_due();
            assert_eq!(at, SimTime::from_micros(step * SAMPLE_INTERVAL.as_micros()));
            series.record_latency(SimDuration::from_millis(step));
            series.record(at, &totals, [(1, 2)].into_iter(), [].into_iter(), 0);
        }
        assert_eq!(series.samples().len(), SERIES_CAPACITY);
        let last = series.samples().last().expect("samples");
        assert!(
            (last.p50_ms - (SERIES_CAPACITY as f64 + 49.0)).abs() < 9.0,
            "p50 of the last interval only: {}",
            last.p50_ms
        );
        assert_eq!(last.busy, [1]);
    }

    #[test]
    fn quantiles_are_within_one_percent() {
        let mut histogram = Histogram::default();
        for value in 1..=10_000u64 {
            histogram.record(SimDuration::from_micros(value * 10));
        }
        for (quantile, exact_ms) in [(0.5, 50.0), (0.99, 99.0), (1.0, 100.0)] {
            let measured = histogram.quantile_ms(quantile);
            assert!(
                (measured - exact_ms).abs() / exact_ms < 0.01,
                "q{quantile}: {measured}"
            );
        }
        assert!((histogram.mean_ms() - 50.005).abs() < 1e-9);
    }

    /// Every value from a microsecond to hours, in a histogram of its own: the reported
    /// quantile is never below the value and at most 1% above it.
    #[test]
    fn every_single_value_reads_back_within_one_percent() {
        let mut value = 1u64;
        while value < 10_000_000_000 {
            let mut histogram = Histogram::default();
            histogram.record(SimDuration::from_micros(value));
            histogram.record(SimDuration::from_micros(value * 3));
            let read_us = histogram.quantile_ms(0.5) * 1e3;
            let exact = value as f64;
            assert!(
                read_us >= exact - 1e-6 && (read_us - exact) / exact <= 0.01,
                "{value} us reads {read_us}"
            );
            value = value * 21 / 20 + 1;
        }
    }

    #[test]
    fn occupancy_integrates_piecewise_constant_gauges() {
        let mut occupancy = Occupancy::starting_at(SimTime::from_millis(10));
        occupancy.accrue(SimTime::from_millis(20), 2, 1, 4);
        occupancy.accrue(SimTime::from_millis(30), 4, 3, 4);
        assert_eq!(occupancy.elapsed_us(), 20_000);
        assert!((occupancy.utilisation() - 0.75).abs() < 1e-12);
        assert!((occupancy.mean_in_service() - 3.0).abs() < 1e-12);
        assert!((occupancy.mean_waiting() - 2.0).abs() < 1e-12);
    }
}
