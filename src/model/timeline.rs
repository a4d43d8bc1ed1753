//! A run's timeline: how far it has got (the head), copies of the simulation taken along the
//! way (checkpoints), the commands that come after the moment shown (its recorded future) and
//! marks where something happened (a fault, a breaker changing, a dead letter).
//!
//! The simulation is deterministic, so any earlier moment can be recomputed exactly: a seek
//! takes the last checkpoint before the moment and runs on from it, applying the recorded
//! commands at their times. Playing on from there replays the same future; a change made
//! there starts a new branch, which drops the recorded future (see [`Dropped`], which an undo
//! brings back). Checkpoints are taken every so many events, so a seek costs at most that many
//! events wherever it lands; when there are too many, every other one goes and the spacing
//! doubles, so memory stays bounded however long the run.

use super::log::EventLog;
use cascade_sim::{
    Command, Scenario, SimDuration, SimTime, Simulation, TimedCommand, Trace, TraceKind,
};

/// Events between two checkpoints at first (a seek runs at most this many events: ~50 ms in
/// wasm on the development machine).
pub const CHECKPOINT_EVENTS: u64 = 100_000;
/// Checkpoints kept at most; beyond, every other one goes and the spacing doubles.
pub const MAX_CHECKPOINTS: usize = 64;
/// A copy costs about as much per record the run holds (jobs, calls, messages, pending
/// events) as handling an event (measured natively: checkout's 180 records copy in the time
/// of ~120 events, the `stress` topology's 490,000 in that of ~20,000): checkpoints are at
/// least this many events per record apart, so copying takes at most ~5% of the run's time.
const EVENTS_PER_RECORD: u64 = 20;
/// A run holding more records than this is not copied at all while it plays (one copy would
/// take a frame's budget): seeking back replays from an earlier checkpoint.
pub const MAX_CHECKPOINT_RECORDS: usize = 100_000;
/// Marks of one kind closer than this to the one before are not kept (they would be drawn on
/// the same pixel).
const MARK_SPACING: SimDuration = SimDuration::from_millis(100);
/// Marks kept at most; beyond, every other one goes.
const MAX_MARKS: usize = 3_000;

/// What a mark on the timeline says happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    /// A fault or a change: a service killed, revived, frozen, slowed or failing, a link cut
    /// or healed or switched, the broker down or back.
    Fault,
    /// A circuit breaker changed state.
    Breaker,
    /// A message went to the dead-letter queue.
    DeadLetter,
}

/// Something that happened, at its time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    /// When.
    pub at: SimTime,
    /// What.
    pub kind: MarkKind,
}

/// A copy of the run at one moment.
#[derive(Clone)]
pub(super) struct Checkpoint {
    pub simulation: Simulation,
    pub log: EventLog,
    pub logged_until: Option<SimTime>,
}

impl Checkpoint {
    fn at(&self) -> SimTime {
        self.simulation.now()
    }
}

/// What a change at an earlier moment dropped: the recorded future, the checkpoints and marks
/// after the moment, and how far the run had got. Given back, the timeline is as it was.
#[derive(Clone)]
pub struct Dropped {
    future: Vec<TimedCommand>,
    checkpoints: Vec<Checkpoint>,
    marks: Vec<Mark>,
    head: SimTime,
    marked_events: u64,
}

/// A run's timeline.
#[derive(Clone)]
pub struct Timeline {
    /// In time order; the first is time zero.
    checkpoints: Vec<Checkpoint>,
    /// Events between two checkpoints now.
    spacing_events: u64,
    /// Commands recorded after the moment shown, in time order.
    future: Vec<TimedCommand>,
    /// The furthest moment the run has reached on this branch.
    head: SimTime,
    /// In time order.
    marks: Vec<Mark>,
    /// Trace events (counted from the start) marked so far: a replay of the same moments
    /// marks nothing again.
    marked_events: u64,
}

impl Timeline {
    /// A timeline starting at `simulation`'s moment.
    pub(super) fn starting(simulation: &Simulation, log: &EventLog) -> Self {
        Timeline {
            checkpoints: vec![Checkpoint {
                simulation: simulation.clone(),
                log: log.clone(),
                logged_until: None,
            }],
            spacing_events: CHECKPOINT_EVENTS,
            future: Vec::new(),
            head: simulation.now(),
            marks: Vec::new(),
            marked_events: 0,
        }
    }

    /// The furthest moment the run has reached.
    pub fn head(&self) -> SimTime {
        self.head
    }

    /// The marks, in time order.
    pub fn marks(&self) -> &[Mark] {
        &self.marks
    }

    /// Checkpoints kept now.
    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    /// Whether the moment shown is before the head (a change here starts a new branch).
    pub fn behind(&self, now: SimTime) -> bool {
        now < self.head || !self.future.is_empty()
    }

    /// Whether a checkpoint lies after `from` and at or before `to` (a seek forward can start
    /// there instead of running every event in between).
    pub(super) fn has_checkpoint_between(&self, from: SimTime, to: SimTime) -> bool {
        self.checkpoints
            .iter()
            .any(|checkpoint| checkpoint.at() > from && checkpoint.at() <= to)
    }

    /// When the next recorded command is due, if one is.
    pub(super) fn next_command_at(&self) -> Option<SimTime> {
        self.future.first().map(|timed| timed.at)
    }

    /// Takes the next recorded command (due now).
    pub(super) fn take_next_command(&mut self) -> Option<Command> {
        (!self.future.is_empty()).then(|| self.future.remove(0).command)
    }

    /// Notes what the trace says happened, for the marks (events already marked on an earlier
    /// pass over the same moments are not marked again).
    pub(super) fn mark(&mut self, trace: &Trace) {
        let kept = trace.events().len() as u64;
        let first = trace.count() - kept;
        for (index, event) in (first..).zip(trace.events()) {
            if index < self.marked_events {
                // Replaying moments already marked.
                continue;
            }
            let kind = match event.kind {
                TraceKind::BreakerChanged { .. } => MarkKind::Breaker,
                TraceKind::MessageDeadLettered { .. } => MarkKind::DeadLetter,
                TraceKind::NodeKilled { .. }
                | TraceKind::NodeRevived { .. }
                | TraceKind::NodeFrozen { .. }
                | TraceKind::NodeSlowed { .. }
                | TraceKind::ErrorRateChanged { .. }
                | TraceKind::LinkPartitioned { .. }
                | TraceKind::LinkHealed { .. }
                | TraceKind::LinkKindChanged { .. }
                | TraceKind::BrokerKilled
                | TraceKind::BrokerRevived => MarkKind::Fault,
                _ => continue,
            };
            let close = self
                .marks
                .iter()
                .rev()
                .take_while(|mark| mark.at + MARK_SPACING > event.time)
                .any(|mark| mark.kind == kind);
            if !close {
                self.marks.push(Mark {
                    at: event.time,
                    kind,
                });
            }
        }
        self.marked_events = self.marked_events.max(trace.count());
        if self.marks.len() > MAX_MARKS {
            self.marks = self.marks.iter().copied().step_by(2).collect();
        }
    }

    /// The run is at `simulation`'s moment: the head moves on, and a checkpoint is taken when
    /// enough events have passed since the last one.
    pub(super) fn passed(
        &mut self,
        simulation: &Simulation,
        log: &EventLog,
        logged_until: Option<SimTime>,
    ) {
        let now = simulation.now();
        self.head = self.head.max(now);
        let last = self.checkpoints.last().expect("time zero is kept");
        let since = simulation
            .events_processed()
            .saturating_sub(last.simulation.events_processed());
        // Every frame passes here: the records are only counted once a copy could be due.
        let due = now > last.at() && since >= self.spacing_events && {
            let records = simulation.live_records();
            records <= MAX_CHECKPOINT_RECORDS && since >= EVENTS_PER_RECORD * records as u64
        };
        if due {
            self.checkpoints.push(Checkpoint {
                simulation: simulation.clone(),
                log: log.clone(),
                logged_until,
            });
            if self.checkpoints.len() > MAX_CHECKPOINTS {
                // Keep time zero and every other one after it.
                let mut index = 0;
                self.checkpoints.retain(|_| {
                    index += 1;
                    index % 2 == 1
                });
                self.spacing_events *= 2;
            }
        }
    }

    /// About how many events a seek to `time` runs from where it would start: the last
    /// checkpoint at or before it (going back), or the moment shown `from` (going forward,
    /// unless a checkpoint lies on the way). Events are taken to be spread evenly in time, at
    /// the rate of the run since its first checkpoint.
    pub(super) fn seek_cost(&self, from: &Simulation, time: SimTime) -> u64 {
        let checkpoint = self
            .checkpoints
            .iter()
            .rev()
            .find(|checkpoint| checkpoint.at() <= time)
            .map(|checkpoint| &checkpoint.simulation);
        let start = match checkpoint {
            Some(checkpoint) if time < from.now() || checkpoint.now() > from.now() => checkpoint,
            _ => from,
        };
        let first = &self.checkpoints[0].simulation;
        let span_us = from.now().since(first.now()).as_micros().max(1);
        let span_events = from.events_processed() - first.events_processed();
        let rate = span_events as f64 / span_us as f64;
        (time.since(start.now()).as_micros() as f64 * rate) as u64
    }

    /// Where a seek to `time` starts: the last checkpoint at or before it. The recorded future
    /// becomes every command after that checkpoint's (`log` is the run's whole command log up
    /// to the moment shown).
    pub(super) fn restart_from(&mut self, time: SimTime, log: &[TimedCommand]) -> Checkpoint {
        let checkpoint = self
            .checkpoints
            .iter()
            .rev()
            .find(|checkpoint| checkpoint.at() <= time)
            .unwrap_or(&self.checkpoints[0])
            .clone();
        let kept = checkpoint.simulation.command_log().len();
        let mut commands: Vec<TimedCommand> = log.get(kept..).unwrap_or_default().to_vec();
        commands.append(&mut self.future);
        self.future = commands;
        checkpoint
    }

    /// The recorded future, the checkpoints and marks after `now` go: a change at `now` starts
    /// a new branch there. Says what went (nothing when the run was at its head).
    pub(super) fn branch(&mut self, now: SimTime, trace: &Trace) -> Option<Box<Dropped>> {
        if !self.behind(now) {
            return None;
        }
        let later_checkpoint = self
            .checkpoints
            .partition_point(|checkpoint| checkpoint.at() <= now);
        let later_mark = self.marks.partition_point(|mark| mark.at <= now);
        let dropped = Dropped {
            future: std::mem::take(&mut self.future),
            checkpoints: self.checkpoints.split_off(later_checkpoint),
            marks: self.marks.split_off(later_mark),
            head: self.head,
            marked_events: self.marked_events,
        };
        self.head = now;
        // What happened up to the change is marked; the change's own events are next.
        self.marked_events = trace.count() - trace.events().len() as u64;
        Some(Box::new(dropped))
    }

    /// Gives back what a branch dropped.
    pub(super) fn restore(&mut self, dropped: Dropped) {
        self.future = dropped.future;
        self.checkpoints.extend(dropped.checkpoints);
        self.marks.extend(dropped.marks);
        self.head = dropped.head;
        self.marked_events = dropped.marked_events;
    }
}

/// The scenario as the commands in `log` left it (knob changes and link switches applied to
/// `started_from`), drawn where `current` draws it: what a seek to an earlier moment shows.
pub fn scenario_after(
    started_from: &Scenario,
    log: &[TimedCommand],
    current: &Scenario,
) -> Scenario {
    let mut scenario = started_from.clone();
    for timed in log {
        match &timed.command {
            Command::SetLinkKind { link, kind } => {
                if let Some(link) = scenario.links.get_mut(*link as usize) {
                    link.kind = *kind;
                }
            }
            Command::UpdateService { spec } => {
                if let Some(service) = scenario.services.iter_mut().find(|s| s.name == spec.name) {
                    *service = spec.clone();
                }
            }
            Command::UpdateClient { spec } => {
                if let Some(client) = scenario.clients.iter_mut().find(|c| c.name == spec.name) {
                    *client = spec.clone();
                }
            }
            Command::UpdateLink { link, spec } => {
                if let Some(link) = scenario.links.get_mut(*link as usize) {
                    *link = spec.clone();
                }
            }
            _ => {}
        }
    }
    // Moves are not part of the run: nodes stay where they are drawn now.
    for service in &mut scenario.services {
        if let Some(now) = current.services.iter().find(|s| s.name == service.name) {
            service.position = now.position;
        }
    }
    for client in &mut scenario.clients {
        if let Some(now) = current.clients.iter().find(|c| c.name == client.name) {
            client.position = now.position;
        }
    }
    scenario.name.clone_from(&current.name);
    scenario.description.clone_from(&current.description);
    scenario
}
