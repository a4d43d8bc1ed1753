//! The metrics summary of `cascade run`: built once from a finished simulation into plain
//! serializable structs, then printed either as aligned text or as one JSON object. The core's
//! counter structs are embedded as they are, so the JSON field names are the core's.

use crate::args::format_duration;
use cascade_sim::{
    Failure, LinkKind, LinkMetrics, NodeMetrics, NodeState, QueueMetrics, SimDuration, Simulation,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Everything `cascade run` prints.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// The scenario's name.
    pub scenario: String,
    /// The seed of the run.
    pub seed: u64,
    /// Simulated time from 0 to the end of the run.
    pub duration_us: u64,
    /// The start of the run left out of every figure below (`--warmup`).
    pub warmup_us: u64,
    /// Engine events handled.
    pub events_processed: u64,
    /// Trace events recorded (what `cascade trace` prints, one per line).
    pub trace_events: u64,
    /// The run's fingerprint, `0x` and 16 hex digits.
    pub trace_hash: String,
    /// Commands applied from the commands file.
    pub commands_applied: usize,
    /// What the users experienced.
    pub end_to_end: EndToEnd,
    /// Every service, in scenario order.
    pub services: Vec<ServiceReport>,
    /// Every link, in scenario order.
    pub links: Vec<LinkReport>,
    /// Every broker queue (one per link target, used while a link is async).
    pub queues: Vec<QueueReport>,
}

/// Client requests, summed over every load source.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EndToEnd {
    /// Requests sent.
    pub started: u64,
    /// Requests answered successfully.
    pub succeeded: u64,
    /// Requests that failed, all reasons.
    pub failed: u64,
    /// Failed requests by reason (`timeout`, `refused`, `rejected`, `reset`, `server_error`).
    pub failed_by_reason: BTreeMap<&'static str, u64>,
    /// Sent and not answered when the run ended.
    pub in_flight: u64,
    /// Finished requests (succeeded or failed) per simulated second.
    pub throughput_per_second: f64,
    /// Successful requests per simulated second.
    pub goodput_per_second: f64,
    /// Median latency of successful requests.
    pub latency_ms_p50: f64,
    /// 95th percentile latency of successful requests.
    pub latency_ms_p95: f64,
    /// 99th percentile latency of successful requests.
    pub latency_ms_p99: f64,
    /// Largest latency of a successful request.
    pub latency_ms_max: f64,
    /// Mean latency of successful requests.
    pub latency_ms_mean: f64,
    /// Time from sending to failing of failed requests: median.
    pub failed_latency_ms_p50: f64,
    /// 99th percentile of the same.
    pub failed_latency_ms_p99: f64,
    /// Largest of the same.
    pub failed_latency_ms_max: f64,
    /// Mean of the same.
    pub failed_latency_ms_mean: f64,
}

/// One service's gauges and counters.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServiceReport {
    /// Name.
    pub name: String,
    /// Up or killed when the run ended.
    pub state: NodeState,
    /// Workers in use when the run ended.
    pub busy: u32,
    /// Worker threads.
    pub workers: u32,
    /// Requests waiting for a worker when the run ended.
    pub waiting: u32,
    /// Deliveries pushed by the broker and waiting for a worker when the run ended.
    pub prefetched: u32,
    /// Capacity of the inbound queue.
    pub queue_capacity: u32,
    /// Busy worker time over worker capacity.
    pub utilisation: f64,
    /// Share of the requests and deliveries that got a worker which waited for it first.
    pub wait_probability: f64,
    /// Time-averaged number of busy workers (requests in service).
    pub mean_in_service: f64,
    /// Time-averaged number of requests and deliveries waiting for a worker.
    pub mean_waiting: f64,
    /// The core's counters.
    #[serde(flatten)]
    pub metrics: NodeMetrics,
}

/// One link's counters.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkReport {
    /// Index in the scenario (what `set_link_kind` commands name).
    pub link: u32,
    /// Caller.
    pub from: String,
    /// Callee.
    pub to: String,
    /// Sync or async when the run ended.
    pub kind: LinkKind,
    /// The core's counters.
    #[serde(flatten)]
    pub metrics: LinkMetrics,
}

/// One broker queue's gauges and counters.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueueReport {
    /// Name.
    pub name: String,
    /// The consuming service.
    pub consumer: String,
    /// Messages ready for delivery when the run ended.
    pub depth: u32,
    /// Messages delivered and not acknowledged when the run ended (on their way to the
    /// consumer, waiting there for a worker, or being processed).
    pub unacked: u32,
    /// Messages waiting out the redelivery delay when the run ended.
    pub delayed: u32,
    /// Messages on their way from a producer to the broker when the run ended.
    pub to_broker: u32,
    /// Time-averaged number of ready messages.
    pub mean_depth: f64,
    /// Publish-to-ack time of acknowledged messages: mean.
    pub sojourn_ms_mean: f64,
    /// Median of the same.
    pub sojourn_ms_p50: f64,
    /// 99th percentile of the same.
    pub sojourn_ms_p99: f64,
    /// Largest of the same.
    pub sojourn_ms_max: f64,
    /// The core's counters.
    #[serde(flatten)]
    pub metrics: QueueMetrics,
}

/// The JSON key of a failure reason.
pub fn failure_key(failure: Failure) -> &'static str {
    match failure {
        Failure::Timeout => "timeout",
        Failure::Refused => "refused",
        Failure::Rejected => "rejected",
        Failure::Reset => "reset",
        Failure::ServerError => "server_error",
        Failure::BreakerOpen => "breaker_open",
        Failure::BulkheadFull => "bulkhead_full",
        Failure::BrokerDown => "publish_failed",
    }
}

impl Report {
    /// Reads a simulation that has run for `duration`, with its figures reset at `warmup`.
    pub fn build(
        scenario_name: &str,
        simulation: &Simulation,
        duration: SimDuration,
        warmup: SimDuration,
        commands_applied: usize,
    ) -> Report {
        let node_names: Vec<&str> = simulation.nodes().map(|node| node.name).collect();
        let name_of = |index: usize| node_names.get(index).copied().unwrap_or("?").to_string();
        let totals = simulation.client_totals();
        let latency = &totals.latency;
        let failed_latency = &totals.failed_latency;
        let measured = duration.as_micros().saturating_sub(warmup.as_micros());
        let seconds = (measured as f64 / 1e6).max(f64::MIN_POSITIVE);
        let failed = totals.failed();
        let end_to_end = EndToEnd {
            started: totals.started,
            succeeded: totals.succeeded,
            failed,
            failed_by_reason: Failure::ALL
                .iter()
                .map(|failure| {
                    (
                        failure_key(*failure),
                        totals.failed_by_reason[failure.index()],
                    )
                })
                .collect(),
            in_flight: simulation.requests_in_flight(),
            throughput_per_second: (totals.succeeded + failed) as f64 / seconds,
            goodput_per_second: totals.succeeded as f64 / seconds,
            latency_ms_p50: latency.quantile_ms(0.50),
            latency_ms_p95: latency.quantile_ms(0.95),
            latency_ms_p99: latency.quantile_ms(0.99),
            latency_ms_max: latency.max_ms(),
            latency_ms_mean: latency.mean_ms(),
            failed_latency_ms_p50: failed_latency.quantile_ms(0.50),
            failed_latency_ms_p99: failed_latency.quantile_ms(0.99),
            failed_latency_ms_max: failed_latency.max_ms(),
            failed_latency_ms_mean: failed_latency.mean_ms(),
        };
        Report {
            scenario: scenario_name.to_string(),
            seed: simulation.seed(),
            duration_us: duration.as_micros(),
            warmup_us: warmup.as_micros(),
            events_processed: simulation.events_processed(),
            trace_events: simulation.trace().count(),
            trace_hash: format!("0x{:016x}", simulation.trace().hash()),
            commands_applied,
            end_to_end,
            services: simulation
                .nodes()
                .filter(|node| !node.is_client)
                .map(|node| {
                    let occupancy = simulation.occupancy(node.id);
                    let metrics = node.metrics;
                    ServiceReport {
                        name: node.name.to_string(),
                        state: node.state,
                        busy: node.busy,
                        workers: node.workers,
                        waiting: node.inbound,
                        prefetched: node.prefetched,
                        queue_capacity: node.queue_capacity,
                        utilisation: occupancy.utilisation(),
                        wait_probability: ratio(metrics.waited_for_worker, metrics.started_work),
                        mean_in_service: occupancy.mean_in_service(),
                        mean_waiting: occupancy.mean_waiting(),
                        metrics: metrics.clone(),
                    }
                })
                .collect(),
            links: simulation
                .links()
                .map(|link| LinkReport {
                    link: link.id.0,
                    from: name_of(link.from.index()),
                    to: name_of(link.to.index()),
                    kind: link.kind,
                    metrics: link.metrics.clone(),
                })
                .collect(),
            queues: simulation
                .queues()
                .map(|queue| {
                    let sojourn = &queue.metrics.sojourn;
                    QueueReport {
                        name: queue.name.to_string(),
                        consumer: name_of(queue.consumer.index()),
                        depth: queue.depth,
                        unacked: queue.unacked,
                        delayed: queue.delayed,
                        to_broker: queue.to_broker,
                        mean_depth: simulation.depth_occupancy(queue.id).mean_in_service(),
                        sojourn_ms_mean: sojourn.mean_ms(),
                        sojourn_ms_p50: sojourn.quantile_ms(0.50),
                        sojourn_ms_p99: sojourn.quantile_ms(0.99),
                        sojourn_ms_max: sojourn.max_ms(),
                        metrics: queue.metrics.clone(),
                    }
                })
                .collect(),
        }
    }

    /// The report as one pretty-printed JSON object.
    pub fn to_json(&self) -> String {
        // Serializing plain structs of numbers and strings into a String cannot fail.
        serde_json::to_string_pretty(self).expect("the report serializes")
    }

    /// The report as aligned text.
    pub fn to_table(&self) -> String {
        let mut text = String::new();
        let end = &self.end_to_end;
        let failed = if end.failed == 0 {
            "0".to_string()
        } else {
            let reasons: Vec<String> = Failure::ALL
                .iter()
                .filter_map(|failure| {
                    let count = end.failed_by_reason.get(failure_key(*failure))?;
                    (*count > 0).then(|| format!("{} {count}", failure.label()))
                })
                .collect();
            format!("{}: {}", end.failed, reasons.join(", "))
        };
        let latency = if end.succeeded == 0 {
            "no successful requests".to_string()
        } else {
            format!(
                "p50 {}  p95 {}  p99 {}  max {}",
                milliseconds(end.latency_ms_p50),
                milliseconds(end.latency_ms_p95),
                milliseconds(end.latency_ms_p99),
                milliseconds(end.latency_ms_max)
            )
        };
        let failed_latency = if end.failed == 0 {
            "no failed requests".to_string()
        } else {
            format!(
                "p50 {}  p99 {}  max {}",
                milliseconds(end.failed_latency_ms_p50),
                milliseconds(end.failed_latency_ms_p99),
                milliseconds(end.failed_latency_ms_max)
            )
        };
        let summary = [
            ("scenario", self.scenario.clone()),
            ("seed", self.seed.to_string()),
            (
                "simulated",
                format_duration(SimDuration::from_micros(self.duration_us)),
            ),
            ("events processed", self.events_processed.to_string()),
            (
                "trace hash",
                format!("{} ({} trace events)", self.trace_hash, self.trace_events),
            ),
            ("commands applied", self.commands_applied.to_string()),
            (
                "warm-up left out",
                if self.warmup_us == 0 {
                    "none".to_string()
                } else {
                    format_duration(SimDuration::from_micros(self.warmup_us))
                },
            ),
        ];
        key_values(&mut text, "", &summary);
        text.push_str("\nEnd to end\n");
        key_values(
            &mut text,
            "  ",
            &[
                ("requests started", end.started.to_string()),
                ("succeeded", end.succeeded.to_string()),
                ("failed", failed),
                ("in flight", end.in_flight.to_string()),
                (
                    "throughput",
                    format!("{:.1}/s finished", end.throughput_per_second),
                ),
                (
                    "goodput",
                    format!("{:.1}/s succeeded", end.goodput_per_second),
                ),
                ("latency", latency),
                ("time to fail", failed_latency),
            ],
        );

        text.push_str("\nServices\n");
        let rows: Vec<Vec<String>> = self
            .services
            .iter()
            .map(|service| {
                let metrics = &service.metrics;
                vec![
                    service.name.clone(),
                    format!("{:?}", service.state).to_lowercase(),
                    format!("{}/{}", service.busy, service.workers),
                    (service.waiting + service.prefetched).to_string(),
                    format!("{:.1}%", service.utilisation * 100.0),
                    format!("{:.1}%", service.wait_probability * 100.0),
                    format!("{:.2}", service.mean_in_service),
                    format!("{:.2}", service.mean_waiting),
                    metrics.received.to_string(),
                    metrics.succeeded.to_string(),
                    metrics.failed.to_string(),
                    metrics.rejected.to_string(),
                    metrics.refused.to_string(),
                    metrics.wasted_responses.to_string(),
                    format!("{:.3}s", metrics.wasted_work_us as f64 / 1e6),
                ]
            })
            .collect();
        table(
            &mut text,
            &[
                "service",
                "state",
                "busy/workers",
                "waiting",
                "utilisation",
                "waited",
                "mean busy",
                "mean waiting",
                "received",
                "succeeded",
                "failed",
                "rejected",
                "refused",
                "wasted",
                "wasted work",
            ],
            2,
            &rows,
        );

        text.push_str("\nLinks\n");
        let rows: Vec<Vec<String>> = self
            .links
            .iter()
            .map(|link| {
                let metrics = &link.metrics;
                vec![
                    link.link.to_string(),
                    format!("{} -> {}", link.from, link.to),
                    format!("{:?}", link.kind).to_lowercase(),
                    metrics.attempts.to_string(),
                    metrics.retries.to_string(),
                    metrics.timeouts.to_string(),
                    metrics.exhausted.to_string(),
                    metrics.published.to_string(),
                ]
            })
            .collect();
        table(
            &mut text,
            &[
                "#",
                "link",
                "kind",
                "attempts",
                "retries",
                "timeouts",
                "exhausted",
                "published",
            ],
            3,
            &rows,
        );

        text.push_str("\nQueues\n");
        let rows: Vec<Vec<String>> = self
            .queues
            .iter()
            .map(|queue| {
                let metrics = &queue.metrics;
                vec![
                    queue.name.clone(),
                    queue.consumer.clone(),
                    queue.depth.to_string(),
                    queue.unacked.to_string(),
                    format!("{:.2}", queue.mean_depth),
                    if metrics.acked == 0 {
                        "-".to_string()
                    } else {
                        format!(
                            "{} / {}",
                            milliseconds(queue.sojourn_ms_mean),
                            milliseconds(queue.sojourn_ms_p99)
                        )
                    },
                    metrics.enqueued.to_string(),
                    metrics.delivered.to_string(),
                    metrics.acked.to_string(),
                    metrics.requeued.to_string(),
                    metrics.dead_lettered.to_string(),
                ]
            })
            .collect();
        table(
            &mut text,
            &[
                "queue",
                "consumer",
                "depth",
                "unacked",
                "mean depth",
                "publish->ack mean / p99",
                "enqueued",
                "delivered",
                "acked",
                "requeued",
                "dead-lettered",
            ],
            2,
            &rows,
        );
        text
    }
}

/// `part / whole`, 0 when nothing was counted.
fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn milliseconds(value: f64) -> String {
    format!("{value:.1} ms")
}

/// Writes `label  value` lines with the values aligned.
fn key_values(text: &mut String, indent: &str, rows: &[(&str, String)]) {
    let width = rows.iter().map(|(key, _)| key.len()).max().unwrap_or(0);
    for (key, value) in rows {
        // Writing into a String cannot fail.
        let _ = writeln!(text, "{indent}{key:<width$}  {value}");
    }
}

/// Writes an indented table: the first `left_columns` columns left-aligned (names), the rest
/// right-aligned (numbers).
fn table(text: &mut String, headers: &[&str], left_columns: usize, rows: &[Vec<String>]) {
    if rows.is_empty() {
        text.push_str("  (none)\n");
        return;
    }
    let widths: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(column, header)| {
            rows.iter()
                .filter_map(|row| row.get(column))
                .map(|cell| cell.chars().count())
                .chain([header.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let header_row: Vec<String> = headers.iter().map(|header| header.to_string()).collect();
    for row in std::iter::once(&header_row).chain(rows) {
        let mut line = String::new();
        for (column, cell) in row.iter().enumerate() {
            let width = widths.get(column).copied().unwrap_or(0);
            line.push_str("  ");
            if column < left_columns {
                let _ = write!(line, "{cell:<width$}");
            } else {
                let _ = write!(line, "{cell:>width$}");
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_names_left_and_numbers_right() {
        let mut text = String::new();
        table(
            &mut text,
            &["service", "received"],
            1,
            &[
                vec!["Orders".into(), "7".into()],
                vec!["Payments service".into(), "1234567890".into()],
            ],
        );
        assert_eq!(
            text,
            "  service             received\n  \
               Orders                     7\n  \
               Payments service  1234567890\n"
        );
        let mut empty = String::new();
        table(&mut empty, &["queue"], 1, &[]);
        assert_eq!(empty, "  (none)\n");
    }

    #[test]
    fn every_failure_reason_has_its_own_key() {
        let keys: std::collections::BTreeSet<_> =
            Failure::ALL.iter().map(|f| failure_key(*f)).collect();
        assert_eq!(keys.len(), Failure::ALL.len());
    }
}
