//! What each part of the page shows, as plain comparable data built from the playground: the
//! components render these and nothing else, and Yew skips the parts whose data did not
//! change. Building them is cheap (the page refreshes its figures about ten times a second).

use super::geometry::Point;
use super::runner::Runner;
use super::words::{command_text, kind_word};
use cascade_sim::breaker::BreakerState;
use cascade_sim::{ClientSpec, LinkKind, LinkSpec, NodeState, ServiceSpec};

/// What the inspector shows: the selected node's or link's knobs.
#[derive(Clone, Debug, PartialEq)]
pub enum Inspected {
    /// A service's knobs.
    Service(Box<ServiceSpec>),
    /// A load source's knobs.
    Client(Box<ClientSpec>),
    /// A link's index and knobs.
    Link(usize, Box<LinkSpec>),
    /// Several nodes selected together: their names.
    Group(Vec<String>),
}

/// A node's box on the canvas (and its row in the fault controls).
#[derive(Clone, Debug, PartialEq)]
pub struct NodeBox {
    /// Its name.
    pub name: String,
    /// A load source rather than a service.
    pub is_client: bool,
    /// Up, killed or frozen.
    pub state: NodeState,
    /// The centre of its box.
    pub center: Point,
    /// Worker threads busy.
    pub busy: u32,
    /// Worker threads.
    pub workers: u32,
    /// Requests waiting for a worker.
    pub inbound: u32,
    /// Deliveries buffered at the consumer.
    pub prefetched: u32,
    /// Requests and deliveries waiting.
    pub waiting: u32,
    /// Requests per second a load source sends now (its spike's rate during a spike).
    pub rate_per_second: f64,
    /// A load source in the middle of a spike.
    pub spiking: bool,
    /// Working slower than normal.
    pub slowed: bool,
    /// How many times slower (1 when not slowed).
    pub slow_factor: f64,
    /// Failing some requests on purpose.
    pub failing: bool,
    /// The share of requests it fails on purpose, in percent.
    pub error_percent: f64,
    /// Selected in the inspector.
    pub selected: bool,
}

/// A broker queue drawn on an async link.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueBox {
    /// The centre of its box.
    pub center: Point,
    /// Messages ready.
    pub depth: u32,
    /// Delivered, not yet acknowledged.
    pub unacked: u32,
    /// Dead-lettered so far.
    pub dead_lettered: u64,
    /// Whether the broker holding it is up.
    pub broker_up: bool,
}

/// A link on the canvas (and its row in the fault controls).
#[derive(Clone, Debug, PartialEq)]
pub struct LinkLine {
    /// Its index in the scenario.
    pub index: usize,
    /// The caller's name.
    pub from: String,
    /// The callee's name.
    pub to: String,
    /// Where its line starts and ends.
    pub start: Point,
    /// Where its line ends.
    pub end: Point,
    /// Sync or async.
    pub kind: LinkKind,
    /// Cut by a network partition.
    pub partitioned: bool,
    /// Its circuit breaker's state, when it has one (`closed`, `open`, `half_open`, ...).
    pub breaker: Option<&'static str>,
    /// Its queue, when async.
    pub queue: Option<QueueBox>,
    /// Transmissions on it now (shown instead of moving dots with reduced motion).
    pub in_flight: Option<u32>,
}

impl LinkLine {
    /// "sync" or "async".
    pub fn kind_word(&self) -> &'static str {
        kind_word(self.kind)
    }
}

/// The topology as drawn now.
#[derive(Clone, Debug, PartialEq)]
pub struct StageView {
    /// The scenario's name (the picture's label).
    pub title: String,
    /// Every node, clients first.
    pub nodes: Vec<NodeBox>,
    /// Every link.
    pub links: Vec<LinkLine>,
    /// Whether the broker is up.
    pub broker_up: bool,
    /// Notes a story pins to the canvas at the step being read.
    pub pins: Vec<crate::model::reading::Pin>,
}

impl StageView {
    /// The topology of `runner` as drawn now; `counts` per link with reduced motion.
    pub fn of(runner: &Runner, selected: &[String], counts: Option<&[u32]>) -> Self {
        let simulation = runner.simulation();
        let layout = runner.layout();
        let scenario = runner.scenario();
        let now_ms = simulation.now().as_micros() as f64 / 1_000.0;
        let nodes = simulation
            .nodes()
            .map(|node| {
                let client = scenario
                    .clients
                    .iter()
                    .find(|client| client.name == node.name);
                let spike = client.and_then(|client| {
                    client.spikes.iter().find(|spike| {
                        spike.at_ms <= now_ms && now_ms < spike.at_ms + spike.duration_ms
                    })
                });
                NodeBox {
                    name: node.name.to_string(),
                    is_client: node.is_client,
                    state: node.state,
                    center: layout.center(node.id),
                    busy: node.busy,
                    workers: node.workers,
                    inbound: node.inbound,
                    prefetched: node.prefetched,
                    waiting: node.waiting(),
                    rate_per_second: spike
                        .map(|spike| spike.rate_per_second)
                        .or(client.map(|client| client.rate_per_second))
                        .unwrap_or(0.0),
                    spiking: spike.is_some(),
                    slowed: node.slow_factor > 1.0,
                    slow_factor: node.slow_factor,
                    failing: node.error_rate > 0.0,
                    error_percent: node.error_rate * 100.0,
                    selected: selected.iter().any(|name| name == node.name),
                }
            })
            .collect::<Vec<_>>();
        let name = |index: usize| {
            nodes
                .get(index)
                .map_or_else(String::new, |node: &NodeBox| node.name.clone())
        };
        let links = simulation
            .links()
            .map(|link| {
                let index = link.id.index();
                let (start, end) = layout.link_ends(index);
                let queue = (link.kind == LinkKind::Async)
                    .then(|| simulation.queue(link.queue))
                    .flatten()
                    .map(|queue| QueueBox {
                        center: layout.queue_center(index),
                        depth: queue.depth,
                        unacked: queue.unacked,
                        dead_lettered: queue.metrics.dead_lettered,
                        broker_up: simulation.broker_up(),
                    });
                LinkLine {
                    index,
                    from: name(link.from.index()),
                    to: name(link.to.index()),
                    start,
                    end,
                    kind: link.kind,
                    partitioned: link.partitioned,
                    breaker: (link.breaker != BreakerState::Disabled)
                        .then(|| link.breaker.as_str()),
                    queue,
                    in_flight: counts.and_then(|counts| counts.get(index).copied()),
                }
            })
            .collect();
        StageView {
            title: scenario.name.clone(),
            nodes,
            links,
            broker_up: simulation.broker_up(),
            pins: Vec::new(),
        }
    }

    /// Whether any link goes through the broker.
    pub fn uses_async(&self) -> bool {
        self.links.iter().any(|link| link.kind == LinkKind::Async)
    }

    /// The services (not the load sources).
    pub fn services(&self) -> impl Iterator<Item = &NodeBox> {
        self.nodes.iter().filter(|node| !node.is_client)
    }
}

/// What users see: the totals and the recent rates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    /// Requests answered successfully.
    pub succeeded: u64,
    /// Requests failed.
    pub failed: u64,
    /// Failures by reason, in words with counts (only the reasons seen).
    pub failed_by_reason: Vec<(&'static str, u64)>,
    /// Successes per second lately.
    pub succeeded_per_second: f64,
    /// Failures per second lately.
    pub failed_per_second: f64,
}

impl Figures {
    /// What the users of `runner` see now.
    pub fn of(runner: &Runner) -> Self {
        let totals = runner.simulation().client_counts();
        let rates = super::charts::rates(runner.simulation());
        Figures {
            succeeded: totals.succeeded,
            failed: totals.failed(),
            failed_by_reason: cascade_sim::Failure::ALL
                .iter()
                .map(|failure| (failure.label(), totals.failed_by_reason[failure.index()]))
                .filter(|(_, count)| *count > 0)
                .collect(),
            succeeded_per_second: rates.succeeded_per_second,
            failed_per_second: rates.failed_per_second,
        }
    }
}

/// The scenario's story: its name, its description, and its scheduled faults in words.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Story {
    /// The scenario's name.
    pub title: String,
    /// What it shows.
    pub description: String,
    /// Each scheduled fault in words, with whether it has happened.
    pub schedule: Vec<(String, bool)>,
    /// The last scheduled fault that happened, or the next to come, in words (a caption for
    /// a reader who has not read the story).
    pub caption: Option<String>,
}

impl Story {
    /// The story of `runner`'s scenario at its current time.
    pub fn of(runner: &Runner) -> Self {
        let scenario = runner.scenario();
        let now = runner.simulation().now();
        let faults = &scenario.faults;
        let caption = match (
            faults.iter().rev().find(|fault| fault.at <= now),
            faults.iter().find(|fault| fault.at > now),
        ) {
            (_, Some(next)) => Some(format!(
                "At {:.0} s: {}",
                next.at.as_secs_f64(),
                command_text(&next.command)
            )),
            (Some(last), None) => Some(format!(
                "Since {:.0} s: {}",
                last.at.as_secs_f64(),
                command_text(&last.command)
            )),
            (None, None) => None,
        };
        Story {
            title: scenario.name.clone(),
            description: scenario.description.clone(),
            schedule: faults
                .iter()
                .map(|fault| {
                    (
                        format!(
                            "{:.0} s: {}",
                            fault.at.as_secs_f64(),
                            command_text(&fault.command)
                        ),
                        fault.at <= now,
                    )
                })
                .collect(),
            caption,
        }
    }
}

/// The timeline under the canvas: where the run is, how far it got, what happened when.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineView {
    /// The moment shown, simulated seconds.
    pub now_s: f64,
    /// How far the run got, simulated seconds.
    pub head_s: f64,
    /// The moment shown, simulated microseconds.
    pub now_us: u64,
    /// How far the run got, simulated microseconds.
    pub head_us: u64,
    /// Faults, breaker changes and dead letters: when (simulated seconds) and what.
    pub marks: Vec<(f64, crate::model::timeline::MarkKind)>,
    /// The moment shown is before the head: playing replays what was recorded, a change
    /// starts a new branch.
    pub behind: bool,
}

impl TimelineView {
    /// The timeline of a run.
    pub fn of(runner: &Runner) -> Self {
        let timeline = runner.timeline();
        let now = runner.simulation().now();
        TimelineView {
            now_s: now.as_secs_f64(),
            head_s: timeline.head().as_secs_f64(),
            now_us: now.as_micros(),
            head_us: timeline.head().as_micros(),
            marks: timeline
                .marks()
                .iter()
                .map(|mark| (mark.at.as_secs_f64(), mark.kind))
                .collect(),
            behind: timeline.behind(now),
        }
    }
}
