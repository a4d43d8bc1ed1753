//! The figures over time: recent rates, the six live charts (the last two follow the
//! selection), the kept time series as CSV, and frame times for the frame budget.

use super::selection::Selection;
use cascade_sim::{LinkId, LinkKind, Simulation};
use std::collections::VecDeque;

/// Rates are averaged over this many time-series samples (two simulated seconds).
const RATE_WINDOW_SAMPLES: usize = 8;

/// Successes and failures per simulated second over the last two seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rates {
    /// Client requests answered successfully per second.
    pub succeeded_per_second: f64,
    /// Client requests failed per second.
    pub failed_per_second: f64,
}

/// One live chart: a value per time-series sample.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Chart {
    /// Title with unit.
    pub title: String,
    /// (simulated seconds, value) pairs, oldest first.
    /// `None` where there is nothing to measure (a latency while no request succeeds): drawn
    /// as a gap and shown as a dash, never as a reassuring zero.
    pub points: Vec<(f64, Option<f64>)>,
}

/// What the last two charts follow.
enum Focus {
    /// A node: name and index.
    Node(String, usize),
    /// A queue: name and index.
    Queue(String, usize),
}

/// Recent end-to-end rates, from the simulation's time series.
pub fn rates(simulation: &Simulation) -> Rates {
    let samples = simulation.series().samples();
    let count = samples.len();
    let mut recent = samples.skip(count.saturating_sub(RATE_WINDOW_SAMPLES + 1));
    let (Some(first), Some(last)) = (recent.next(), recent.last()) else {
        return Rates::default();
    };
    let seconds = last.at.since(first.at).as_micros() as f64 / 1e6;
    let failed =
        |sample: &cascade_sim::metrics::Sample| sample.failed_by_reason.iter().sum::<u64>();
    Rates {
        succeeded_per_second: (last.succeeded - first.succeeded) as f64 / seconds,
        failed_per_second: (failed(last) - failed(first)) as f64 / seconds,
    }
}

/// The live charts over the kept window: goodput, errors, p99, then queued messages and
/// calls per request, or, when a service or link is selected, its busy threads and waiting
/// requests or its queue's depth and dead letters (a sync link: the busy threads and waiting
/// requests of the service it calls).
pub fn charts(simulation: &Simulation, selection: Option<&Selection>) -> [Chart; 6] {
    let samples: Vec<&cascade_sim::metrics::Sample> = simulation.series().samples().collect();
    let focus = match selection {
        Some(Selection::Node(name)) => simulation
            .node_by_name(name)
            .map(|node| Focus::Node(name.clone(), node.id.index())),
        Some(Selection::Link(index)) => u32::try_from(*index)
            .ok()
            .and_then(|index| simulation.link(LinkId(index)))
            .and_then(|link| {
                if link.kind == LinkKind::Sync {
                    // A blocking call has no queue: the service it waits on.
                    let callee = simulation.node(link.to)?;
                    return Some(Focus::Node(callee.name.to_string(), link.to.index()));
                }
                let queue = simulation.queue(link.queue)?;
                Some(Focus::Queue(queue.name.to_string(), link.queue.index()))
            }),
        None => None,
    };
    let (fourth, fifth) = match &focus {
        Some(Focus::Node(name, _)) => (format!("{name}: busy threads"), format!("{name}: waiting")),
        Some(Focus::Queue(name, _)) => (format!("{name}: depth"), format!("{name}: dead letters")),
        None => (
            "queued messages".to_string(),
            "calls per request".to_string(),
        ),
    };
    let mut charts = [
        Chart {
            title: "ok / s".into(),
            points: Vec::new(),
        },
        Chart {
            title: "errors / s".into(),
            points: Vec::new(),
        },
        Chart {
            title: "p50 latency, ms".into(),
            points: Vec::new(),
        },
        Chart {
            title: "p99 latency, ms".into(),
            points: Vec::new(),
        },
        Chart {
            title: fourth,
            points: Vec::new(),
        },
        Chart {
            title: fifth,
            points: Vec::new(),
        },
    ];
    let failed =
        |sample: &cascade_sim::metrics::Sample| sample.failed_by_reason.iter().sum::<u64>();
    for pair in samples.windows(2) {
        let (before, after) = (pair[0], pair[1]);
        let seconds = after.at.since(before.at).as_micros() as f64 / 1e6;
        if seconds <= 0.0 {
            continue;
        }
        let started = after.started - before.started;
        let downstream = after.downstream_calls - before.downstream_calls;
        let (fourth, fifth) = match &focus {
            Some(Focus::Node(_, node)) => (
                after.busy.get(*node).map_or(0.0, |busy| f64::from(*busy)),
                after
                    .inbound
                    .get(*node)
                    .map_or(0.0, |waiting| f64::from(*waiting)),
            ),
            Some(Focus::Queue(_, queue)) => (
                after
                    .queue_depth
                    .get(*queue)
                    .map_or(0.0, |depth| f64::from(*depth)),
                after
                    .dead_lettered
                    .get(*queue)
                    .map_or(0.0, |dead| *dead as f64),
            ),
            None => (
                after
                    .queue_depth
                    .iter()
                    .map(|depth| f64::from(*depth))
                    .sum(),
                if started == 0 {
                    0.0
                } else {
                    downstream as f64 / started as f64
                },
            ),
        };
        // Latencies are of the requests that succeeded in the interval: none, no latency.
        let answered = after.succeeded > before.succeeded;
        let values = [
            Some((after.succeeded - before.succeeded) as f64 / seconds),
            Some((failed(after) - failed(before)) as f64 / seconds),
            answered.then_some(after.p50_ms),
            answered.then_some(after.p99_ms),
            Some(fourth),
            Some(fifth),
        ];
        let t = after.at.as_secs_f64();
        for (chart, value) in charts.iter_mut().zip(values) {
            chart.points.push((t, value));
        }
    }
    charts
}

/// read as a formula by a spreadsheet (names come from files and links).
fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The time series kept for the charts (the last minute, a sample every 250 ms) as CSV:
/// one row per sample, end-to-end counts and latency first, then every node and queue.
pub fn metrics_csv(simulation: &Simulation) -> String {
    let mut header: Vec<String> = ["time_s", "started", "succeeded", "failed"]
        .iter()
        .map(|name| name.to_string())
        .collect();
    header.extend(
        cascade_sim::Failure::ALL
            .iter()
            .map(|failure| format!("failed {}", failure.label())),
    );
    header.extend(["p50_ms", "p99_ms", "downstream_calls"].map(String::from));
    for node in simulation.nodes() {
        header.push(format!("{} busy", node.name));
        header.push(format!("{} waiting", node.name));
    }
    for queue in simulation.queues() {
        for column in ["ready", "unacked", "dead-lettered"] {
            header.push(format!("{} {column}", queue.name));
        }
    }
    let mut text = header
        .iter()
        .map(|cell| csv_cell(cell))
        .collect::<Vec<_>>()
        .join(",");
    text.push('\n');
    for sample in simulation.series().samples() {
        let mut row = vec![
            format!("{:.3}", sample.at.as_secs_f64()),
            sample.started.to_string(),
            sample.succeeded.to_string(),
            sample.failed_by_reason.iter().sum::<u64>().to_string(),
        ];
        row.extend(sample.failed_by_reason.iter().map(u64::to_string));
        row.push(format!("{:.3}", sample.p50_ms));
        row.push(format!("{:.3}", sample.p99_ms));
        row.push(sample.downstream_calls.to_string());
        for (busy, waiting) in sample.busy.iter().zip(&sample.inbound) {
            row.push(busy.to_string());
            row.push(waiting.to_string());
        }
        for index in 0..sample.queue_depth.len() {
            row.push(sample.queue_depth[index].to_string());
            row.push(sample.unacked.get(index).copied().unwrap_or(0).to_string());
            row.push(
                sample
                    .dead_lettered
                    .get(index)
                    .copied()
                    .unwrap_or(0)
                    .to_string(),
            );
        }
        text.push_str(&row.join(","));
        text.push('\n');
    }
    text
}

/// Frame work times kept for the frame-budget figures: the last 600 frames (ten seconds).
#[derive(Clone, Debug, Default)]
pub struct FrameTimes {
    recent_ms: VecDeque<f64>,
    /// The same times in order, kept so as they come and go (no sorting code in the page).
    sorted_ms: Vec<f64>,
    count: u64,
}

impl FrameTimes {
    const KEPT: usize = 600;

    /// Adds one frame's work time.
    pub fn record(&mut self, work_ms: f64) {
        if self.recent_ms.len() == Self::KEPT {
            if let Some(oldest) = self.recent_ms.pop_front() {
                let at = self
                    .sorted_ms
                    .partition_point(|time| time.total_cmp(&oldest).is_lt());
                self.sorted_ms.remove(at);
            }
        }
        self.recent_ms.push_back(work_ms);
        let at = self
            .sorted_ms
            .partition_point(|time| time.total_cmp(&work_ms).is_le());
        self.sorted_ms.insert(at, work_ms);
        self.count += 1;
    }

    /// Frames recorded since the start.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// A quantile (0 to 1) of the kept frames, nearest rank; 0 when empty.
    pub fn quantile(&self, quantile: f64) -> f64 {
        let times = &self.sorted_ms;
        if times.is_empty() {
            return 0.0;
        }
        let rank = ((quantile.clamp(0.0, 1.0) * times.len() as f64).ceil() as usize).max(1);
        times[rank.min(times.len()) - 1]
    }
}
