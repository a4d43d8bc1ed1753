//! The event log: notable trace events in words, newest last, pausable and filterable, and the
//! most recent trace events kept for following one request's path.

use super::words::{kind_word, Names};
use cascade_sim::{LinkId, NodeId, QueueId, RequestId, SimTime, Simulation, TraceEvent, TraceKind};
use std::collections::VecDeque;

/// How serious a log entry is, for its colour and the filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// A fault or a failure-handling mechanism kicking in.
    Bad,
    /// Recovery.
    Good,
    /// A change the user or the scenario made.
    Info,
}

/// One notable thing that happened, in words.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    /// When.
    pub at: SimTime,
    /// The client request it is about, if any (its path can be shown).
    pub request: Option<RequestId>,
    /// What, for a person.
    pub text: String,
    /// How serious.
    pub severity: Severity,
}

/// Which log entries are shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFilter {
    /// Everything.
    #[default]
    All,
    /// Faults, failures, breakers opening, dead letters.
    Problems,
    /// Recoveries and changes.
    Recoveries,
}

impl LogFilter {
    /// Whether an entry passes.
    pub fn shows(self, entry: &LogEntry) -> bool {
        match self {
            LogFilter::All => true,
            LogFilter::Problems => entry.severity == Severity::Bad,
            LogFilter::Recoveries => entry.severity != Severity::Bad,
        }
    }
}

/// Entries the event log keeps.
pub const LOG_CAPACITY: usize = 200;

/// Trace events kept for request paths.
const RECENT_EVENTS: usize = 30_000;

/// A run's event log and its recent trace.
#[derive(Clone, Debug, Default)]
pub struct EventLog {
    entries: VecDeque<LogEntry>,
    /// While true, new entries are not added (the log can be read calmly).
    paused: bool,
    /// The most recent trace events, for following one request's path.
    recent: VecDeque<TraceEvent>,
}

impl EventLog {
    /// Takes the simulation's new trace events: the notable ones into the log, in words, in
    /// time order with `notes` (what the scenario itself does then, such as a load spike; in
    /// time order too), and all of them into the recent trace.
    pub fn collect(&mut self, simulation: &mut Simulation, notes: Vec<LogEntry>) {
        let events = simulation.trace_mut().take();
        if !self.paused {
            // Both are in time order already: merged, a note goes before the events of its
            // instant (a spike starts, then what it causes).
            let mut notes = notes.into_iter().peekable();
            for event in &events {
                while let Some(note) = notes.next_if(|note| note.at <= event.time) {
                    self.push(note);
                }
                if let Some((text, severity)) = describe(simulation, &event.kind) {
                    let request = match event.kind {
                        TraceKind::MessageDeadLettered { request, .. }
                        | TraceKind::MessageDropped { request, .. } => Some(request),
                        _ => None,
                    };
                    self.push(LogEntry {
                        at: event.time,
                        request,
                        text,
                        severity,
                    });
                }
            }
            notes.for_each(|note| self.push(note));
        }
        for event in events {
            if self.recent.len() == RECENT_EVENTS {
                self.recent.pop_front();
            }
            self.recent.push_back(event);
        }
    }

    fn push(&mut self, entry: LogEntry) {
        if self.entries.len() == LOG_CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    /// Forgets everything (a new run: request ids start again at 1, so old paths would mix
    /// with the new ones). The pause stays as it was.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.recent.clear();
    }

    /// The entries, newest last.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &LogEntry> {
        self.entries.iter()
    }

    /// The recent trace, oldest first.
    pub fn recent(&self) -> impl Iterator<Item = &TraceEvent> {
        self.recent.iter()
    }

    /// Whether new entries are held back.
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Holds back new entries, or lets them in again.
    pub fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
    }
}

/// A notable trace event in words; `None` for the routine ones (sent, delivered, acked...).
fn describe(simulation: &Simulation, kind: &TraceKind) -> Option<(String, Severity)> {
    let names = Names(simulation);
    let (node, link, queue) = (
        |id: NodeId| names.node(id),
        |id: LinkId| names.link(id),
        |id: QueueId| names.queue(id),
    );
    use Severity::{Bad, Good, Info};
    Some(match kind {
        TraceKind::NodeKilled { node: id } => (format!("{} was killed", node(*id)), Bad),
        TraceKind::NodeRevived { node: id } => (format!("{} is back", node(*id)), Good),
        TraceKind::NodeFrozen { node: id } => (
            format!("{} hangs (accepts calls, never answers)", node(*id)),
            Bad,
        ),
        TraceKind::NodeSlowed {
            node: id,
            factor_percent,
        } => (
            format!(
                "{} now works at {}% of its normal time",
                node(*id),
                factor_percent
            ),
            Info,
        ),
        TraceKind::ErrorRateChanged {
            node: id,
            per_million,
        } => (
            format!(
                "{} fails {:.1}% of requests",
                node(*id),
                f64::from(*per_million) / 1e4
            ),
            Info,
        ),
        TraceKind::LinkPartitioned { link: id } => {
            (format!("network partition on {}", link(*id)), Bad)
        }
        TraceKind::LinkHealed { link: id } => (format!("{} is reachable again", link(*id)), Good),
        TraceKind::LinkKindChanged { link: id, kind } => {
            (format!("{} is now {}", link(*id), kind_word(*kind)), Info)
        }
        TraceKind::BrokerKilled => ("the broker went down".to_string(), Bad),
        TraceKind::BrokerRevived => ("the broker is back".to_string(), Good),
        TraceKind::BreakerChanged { link: id, to, .. } => {
            let severity = if *to == cascade_sim::breaker::BreakerState::Closed {
                Good
            } else {
                Bad
            };
            (
                format!(
                    "circuit breaker on {} is {}",
                    link(*id),
                    to.as_str().replace('_', "-")
                ),
                severity,
            )
        }
        TraceKind::MessageDeadLettered {
            request,
            queue: id,
            deliveries,
            reason,
            ..
        } => (
            format!(
                "request {} dead-lettered from {} after {} deliveries ({})",
                request.0,
                queue(*id),
                deliveries,
                reason.label()
            ),
            Bad,
        ),
        TraceKind::MessageDropped {
            request,
            queue: id,
            reason,
            ..
        } => (
            format!(
                "request {} dropped from {} ({})",
                request.0,
                queue(*id),
                reason.label()
            ),
            Bad,
        ),
        TraceKind::Reconfigured { .. } => ("settings changed".to_string(), Info),
        _ => return None,
    })
}
