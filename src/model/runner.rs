//! One run of the simulation as the page drives it: the scenario, the seed, the simulation, its
//! geometry and its event log. The playground holds one (two in the compare view) and decides
//! when it plays; a runner only knows how to move its simulation forward and take changes.

use super::editor::{change_between, Change};
use super::geometry::{Layout, Point};
use super::log::{EventLog, LogEntry, Severity};
use super::share::{SharedState, View};
use super::timeline::{scenario_after, Dropped, Timeline};
use super::UiError;
use cascade_sim::{
    Command, CommandError, InFlight, Position, RequestId, RunOutcome, Scenario, ScenarioError,
    SimDuration, SimTime, Simulation, TraceRetention,
};

/// Longest wall-clock step one frame may simulate, so a background tab does not jump ahead.
const MAX_FRAME_MS: f64 = 100.0;
/// Events one slice of a catch-up handles (the kept trace stays small between slices).
const CATCH_UP_SLICE_EVENTS: u64 = super::pace::MAX_FRAME_EVENTS;
/// Simulated time one press of "step" advances.
pub const STEP: SimDuration = SimDuration::from_millis(100);
/// How far from a moving message a click still picks it, in canvas units.
const MESSAGE_REACH: f64 = 12.0;
/// The most events a seek may run (from the nearest checkpoint, or forward): about a second
/// of a browser tab's time. A seek estimated to cost more is refused, saying why.
pub const MAX_SEEK_EVENTS: u64 = 2_000_000;

/// The run just before a change made at an earlier moment, and what the change dropped: an
/// undo puts both back.
#[derive(Clone)]
pub struct BranchUndo {
    simulation: Simulation,
    log: EventLog,
    logged_until: Option<SimTime>,
    scenario: Scenario,
    dropped: Box<Dropped>,
    /// The change was an edit of the scenario (the history recorded it).
    pub from_edit: bool,
}

/// One run: the scenario, the simulation taken from it and what the page noted of it. A
/// change of structure sets the run aside whole; its undo (or redo) swaps it back in.
struct Run {
    scenario: Scenario,
    /// The scenario the running simulation started from (the command log holds what changed
    /// since): with the seed and the log, a full reproduction.
    started_from: Scenario,
    seed: u64,
    simulation: Simulation,
    log: EventLog,
    /// Set when the run cannot get past one instant: said on screen.
    stalled: Option<String>,
    /// The simulated time the log has taken notes up to (`None`: nothing yet).
    logged_until: Option<SimTime>,
    /// How far the run got, checkpoints to seek back to, the recorded future, the marks.
    timeline: Timeline,
    /// The last change, when it was made at an earlier moment and dropped a recorded future.
    last_branch: Option<Box<BranchUndo>>,
}

impl Run {
    /// `scenario` at time zero with `seed`, its log paused or not.
    fn starting(scenario: Scenario, seed: u64, log_paused: bool) -> Result<Run, ScenarioError> {
        let simulation = Simulation::new(&scenario, seed, TraceRetention::Everything)?;
        let mut log = EventLog::default();
        log.set_paused(log_paused);
        Ok(Run {
            timeline: Timeline::starting(&simulation, &log),
            started_from: scenario.clone(),
            scenario,
            seed,
            simulation,
            log,
            stalled: None,
            logged_until: None,
            last_branch: None,
        })
    }
}

/// A simulation run with what the page shows of it.
pub struct Runner {
    run: Run,
    /// The run the last change of structure replaced.
    set_aside: Option<Box<Run>>,
    layout: Layout,
    /// Transmissions on the wire, refilled each frame (the buffer is reused).
    in_flight: Vec<InFlight>,
}

impl Runner {
    /// A runner at time zero.
    pub fn new(scenario: Scenario, seed: u64) -> Result<Self, ScenarioError> {
        Ok(Runner {
            layout: Layout::new(&scenario),
            run: Run::starting(scenario, seed, false)?,
            set_aside: None,
            in_flight: Vec::new(),
        })
    }

    /// The scenario (with link kinds as last switched).
    pub fn scenario(&self) -> &Scenario {
        &self.run.scenario
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.run.seed
    }

    /// The running simulation.
    pub fn simulation(&self) -> &Simulation {
        &self.run.simulation
    }

    /// The geometry.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The event log and the recent trace.
    pub fn log(&self) -> &EventLog {
        &self.run.log
    }

    /// Holds back new log entries, or lets them in again.
    pub(super) fn set_log_paused(&mut self, paused: bool) {
        self.run.log.set_paused(paused);
    }

    /// Why the run stopped by itself, if it did: it cannot get past one instant.
    pub fn stalled(&self) -> Option<&str> {
        self.run.stalled.as_deref()
    }

    /// Takes an edited scenario in the least disruptive way (see [`Change`]): a move only
    /// redraws, a knob is changed in the running simulation, and a change of structure starts
    /// again from time zero, setting the old run aside (only the last one is kept). With
    /// `bring_back` (an undo or redo of the change that set it aside, which the playground
    /// knows from its history) a change of structure to the set-aside run's scenario swaps
    /// that run back in instead, as it was. Says which kind of change it was, and whether a
    /// run came back.
    pub(super) fn take_scenario(
        &mut self,
        scenario: Scenario,
        bring_back: bool,
    ) -> Result<(Change, bool), UiError> {
        let change = change_between(&self.run.scenario, &scenario);
        match &change {
            Change::Layout => {}
            Change::Knobs(commands) => {
                // As in `apply`: events still due now happen first, as they do on replay.
                self.settle()?;
                let before = self.before_branching(true);
                for command in commands {
                    self.run.simulation.apply(command.clone())?;
                }
                self.branched(before);
                self.collect_log();
            }
            Change::Structure => {
                let paused = self.run.log.paused();
                let (mut incoming, came_back) = match self.set_aside.take() {
                    Some(run) if bring_back && run.scenario == scenario => (*run, true),
                    kept => {
                        self.set_aside = kept;
                        (Run::starting(scenario, self.run.seed, paused)?, false)
                    }
                };
                // Whether the event log is paused belongs to the page, not to a run.
                incoming.log.set_paused(paused);
                self.layout = Layout::new(&incoming.scenario);
                std::mem::swap(&mut self.run, &mut incoming);
                self.set_aside = Some(Box::new(incoming));
                return Ok((change, came_back));
            }
        }
        self.layout = Layout::new(&scenario);
        self.run.scenario = scenario;
        Ok((change, false))
    }

    /// Forgets the run set aside (it can no longer come back).
    pub(super) fn drop_set_aside(&mut self) {
        self.set_aside = None;
    }

    /// Draws nodes somewhere else while they are being dragged (an edit commits the move).
    pub(super) fn preview_moves(&mut self, moves: &[(String, Point)]) {
        let mut scenario = self.run.scenario.clone();
        for (name, at) in moves {
            let place = Some(Position { x: at.x, y: at.y });
            if let Some(service) = scenario.services.iter_mut().find(|s| s.name == *name) {
                service.position = place;
            } else if let Some(client) = scenario.clients.iter_mut().find(|c| c.name == *name) {
                client.position = place;
            }
        }
        self.layout = Layout::new(&scenario);
    }

    /// Draws the scenario as it is (after a preview that was not committed).
    pub(super) fn end_preview(&mut self) {
        self.layout = Layout::new(&self.run.scenario);
    }

    /// Advances simulated time by `wall_elapsed_ms` times `speed`, handling at most
    /// `max_events` events (the frame's budget, see [`super::pace`]): more events than that
    /// slow the simulation, not the page. The step is clamped too (a tab coming back from the
    /// background does not leap).
    pub fn advance(&mut self, wall_elapsed_ms: f64, speed: f64, max_events: u64) -> RunOutcome {
        self.advance_within(wall_elapsed_ms, speed, max_events, None)
    }

    /// As [`Runner::advance`], never past `limit` (a story's step ends there).
    pub fn advance_within(
        &mut self,
        wall_elapsed_ms: f64,
        speed: f64,
        max_events: u64,
        limit: Option<SimTime>,
    ) -> RunOutcome {
        let wall_ms = wall_elapsed_ms.clamp(0.0, MAX_FRAME_MS);
        let target = self.run.simulation.now() + SimDuration::from_millis_f64(wall_ms * speed);
        self.run_to(limit.map_or(target, |limit| target.min(limit)), max_events)
    }

    /// Advances by a fixed slice of simulated time (the "step" button).
    pub fn step(&mut self) -> RunOutcome {
        let target = self.run.simulation.now() + STEP;
        self.run_to(target, CATCH_UP_SLICE_EVENTS)
    }

    /// Runs toward `time` handling at most `max_events` events (a frame's budget): the compare
    /// view's second side follows the first this way, so both sides always share a clock.
    pub fn run_to(&mut self, time: SimTime, max_events: u64) -> RunOutcome {
        let mut budget = max_events;
        let outcome = loop {
            // A recorded command (the run was sought back) is given again at its time.
            let due = self.run.timeline.next_command_at().filter(|at| *at <= time);
            let before = self.run.simulation.events_processed();
            let outcome = self.run.simulation.run_until(due.unwrap_or(time), budget);
            budget = budget.saturating_sub(self.run.simulation.events_processed() - before);
            if due.is_none() || outcome != RunOutcome::ReachedTime && outcome != RunOutcome::Idle {
                break outcome;
            }
            if let Some(command) = self.run.timeline.take_next_command() {
                // It was taken at this moment before, so it is taken again.
                let _ = self.run.simulation.apply(command);
            }
        };
        self.collect_log();
        if outcome == RunOutcome::StuckAtInstant {
            self.stall();
        }
        outcome
    }

    /// The timeline: how far the run got and what happened along the way.
    pub fn timeline(&self) -> &Timeline {
        &self.run.timeline
    }

    /// Shows the run at `time`, recomputed exactly: from the last checkpoint before it (or
    /// from here, going forward), giving the recorded commands again at their times. The
    /// moments after it stay recorded: playing on replays them, a change starts a new branch.
    pub fn seek(&mut self, time: SimTime) -> Result<(), UiError> {
        let now = self.run.simulation.now();
        let cost = self.run.timeline.seek_cost(&self.run.simulation, time);
        if cost > MAX_SEEK_EVENTS {
            return Err(UiError::Seek(format!(
                "going to {:.1} s would take about {:.1} million events, too many for this tab \
                 (a run this big keeps few checkpoints); pick a moment nearer the one shown",
                time.as_secs_f64(),
                cost as f64 / 1e6
            )));
        }
        let from_checkpoint = time < now || self.run.timeline.has_checkpoint_between(now, time);
        if from_checkpoint {
            let log = self.run.simulation.command_log().to_vec();
            let checkpoint = self.run.timeline.restart_from(time, &log);
            self.run.simulation = checkpoint.simulation;
            self.run.log = checkpoint.log;
            self.run.logged_until = checkpoint.logged_until;
            self.run.stalled = None;
        }
        let started = self.run.simulation.events_processed();
        loop {
            match self.run_to(time, CATCH_UP_SLICE_EVENTS) {
                RunOutcome::BudgetExhausted => {}
                RunOutcome::StuckAtInstant => {
                    return Err(CommandError::StuckAtInstant(self.run.simulation.now()).into())
                }
                RunOutcome::ReachedTime | RunOutcome::Idle => break,
            }
            // The estimate can be low (a storm): a hard stop at twice as many.
            if self.run.simulation.events_processed() - started > 2 * MAX_SEEK_EVENTS {
                return Err(UiError::Seek(format!(
                    "getting there takes more than {} million events; it stopped at {:.1} s",
                    2 * MAX_SEEK_EVENTS / 1_000_000,
                    self.run.simulation.now().as_secs_f64()
                )));
            }
        }
        let shown = scenario_after(
            &self.run.started_from,
            self.run.simulation.command_log(),
            &self.run.scenario,
        );
        self.layout = Layout::new(&shown);
        self.run.scenario = shown;
        Ok(())
    }

    /// Before a change: a copy of the run when the change is made at an earlier moment (it
    /// will drop the recorded future), for an undo.
    fn before_branching(
        &self,
        from_edit: bool,
    ) -> Option<(Simulation, EventLog, Option<SimTime>, Scenario, bool)> {
        self.run
            .timeline
            .behind(self.run.simulation.now())
            .then(|| {
                (
                    self.run.simulation.clone(),
                    self.run.log.clone(),
                    self.run.logged_until,
                    self.run.scenario.clone(),
                    from_edit,
                )
            })
    }

    /// After a change: a change at an earlier moment drops the recorded future (remembered
    /// for an undo); any change makes an older branch's undo stale.
    fn branched(
        &mut self,
        before: Option<(Simulation, EventLog, Option<SimTime>, Scenario, bool)>,
    ) {
        let now = self.run.simulation.now();
        let branch = before.and_then(|(simulation, log, logged_until, scenario, from_edit)| {
            self.run
                .timeline
                .branch(now, self.run.simulation.trace())
                .map(|dropped| {
                    Box::new(BranchUndo {
                        simulation,
                        log,
                        logged_until,
                        scenario,
                        dropped,
                        from_edit,
                    })
                })
        });
        match branch {
            Some(branch) => self.run.last_branch = Some(branch),
            // Later changes make the undo of a branch stale; changes at the same instant (a
            // group's faults, one command each) belong to it.
            None => {
                if self
                    .run
                    .last_branch
                    .as_ref()
                    .is_some_and(|undo| undo.simulation.now() != now)
                {
                    self.run.last_branch = None;
                }
            }
        }
    }

    /// The undo of the last change, when it started a new branch.
    pub fn last_branch(&self) -> Option<&BranchUndo> {
        self.run.last_branch.as_deref()
    }

    /// Undoes the last change when it started a new branch: the run is back just before it,
    /// with the recorded future it dropped. Says whether there was one.
    pub(super) fn undo_branch(&mut self) -> bool {
        let Some(undo) = self.run.last_branch.take() else {
            return false;
        };
        let BranchUndo {
            simulation,
            log,
            logged_until,
            scenario,
            dropped,
            ..
        } = *undo;
        self.run.simulation = simulation;
        self.run.log = log;
        self.run.logged_until = logged_until;
        self.layout = Layout::new(&scenario);
        self.run.scenario = scenario;
        self.run.stalled = None;
        self.run.timeline.restore(*dropped);
        true
    }

    /// Runs to `time` whatever it costs, in slices so the kept trace stays small (before a
    /// command lands on both sides of the compare view at the same instant), unless the run
    /// gets stuck at one instant on the way.
    pub fn catch_up(&mut self, time: SimTime) -> RunOutcome {
        loop {
            let outcome = self.run_to(time, CATCH_UP_SLICE_EVENTS);
            if outcome != RunOutcome::BudgetExhausted {
                return outcome;
            }
        }
    }

    /// The run cannot get past this instant: say why (nothing is lost).
    fn stall(&mut self) {
        let problem = CommandError::StuckAtInstant(self.run.simulation.now());
        self.run.stalled = Some(format!("Paused: {problem}."));
    }

    /// Handles the events still due at the current instant (a frame can stop on its event
    /// budget between two events at the same time): then the run is exactly what replaying
    /// to this instant gives, as a share link must, and a command lands after them, as it
    /// does when the command log is replayed. Fails (saying why) when the instant never ends.
    pub fn settle(&mut self) -> Result<(), CommandError> {
        let now = self.run.simulation.now();
        if self.catch_up(now) == RunOutcome::StuckAtInstant {
            return Err(CommandError::StuckAtInstant(now));
        }
        Ok(())
    }

    /// Applies a fault or change now, after the events still due at this instant.
    pub fn apply(&mut self, command: Command) -> Result<(), CommandError> {
        self.settle()?;
        let before = self.before_branching(false);
        self.run.simulation.apply(command)?;
        self.branched(before);
        self.collect_log();
        Ok(())
    }

    /// Starts the scenario again from time zero with `seed`.
    pub fn restart(&mut self, seed: u64) -> Result<(), ScenarioError> {
        let scenario = self.run.scenario.clone();
        self.run = Run::starting(scenario, seed, self.run.log.paused())?;
        // A run started again by hand (a reset, another seed) does not bring an older one back.
        self.set_aside = None;
        Ok(())
    }

    /// Everything a share link needs to reproduce this run, with the view given.
    pub fn capture(&self, view: View) -> SharedState {
        SharedState {
            scenario: self.run.scenario.clone(),
            started_from: (self.run.started_from != self.run.scenario)
                .then(|| self.run.started_from.clone()),
            seed: self.run.seed,
            commands: self.run.simulation.command_log().to_vec(),
            at: self.run.simulation.now(),
            view,
            story: None,
        }
    }

    /// What a frame draws: the geometry, the transmissions on the wire now (buffer reused
    /// between frames) and the instant they are at.
    pub fn frame(&mut self) -> (&Layout, &[InFlight], SimTime) {
        self.run.simulation.fill_in_flight(&mut self.in_flight);
        (&self.layout, &self.in_flight, self.run.simulation.now())
    }

    /// The request of the message drawn nearest to `point`, within a dot's reach.
    pub fn request_near(&mut self, point: Point) -> Option<RequestId> {
        let (layout, in_flight, now) = self.frame();
        in_flight
            .iter()
            .map(|transmission| {
                let at = layout.in_flight_position(transmission, now);
                let distance_squared = (at.x - point.x).powi(2) + (at.y - point.y).powi(2);
                (distance_squared, transmission.request)
            })
            .filter(|(distance_squared, request)| {
                *distance_squared <= MESSAGE_REACH * MESSAGE_REACH && request.0 != 0
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, request)| request)
    }

    /// Transmissions on the wire per link now (for the reduced-motion view).
    pub fn in_flight_per_link(&mut self) -> Vec<u32> {
        let mut counts = vec![0; self.run.scenario.links.len()];
        self.run.simulation.fill_in_flight(&mut self.in_flight);
        for transmission in &self.in_flight {
            if let Some(count) = counts.get_mut(transmission.link.index()) {
                *count += 1;
            }
        }
        counts
    }

    /// The simulation, for a replay driving it.
    pub(super) fn simulation_mut(&mut self) -> &mut Simulation {
        &mut self.run.simulation
    }

    /// Moves the simulation's new trace events into the log.
    pub(super) fn collect_log(&mut self) {
        let now = self.run.simulation.now();
        let notes = self.scenario_notes(self.run.logged_until, now);
        self.run.logged_until = Some(now);
        self.run.timeline.mark(self.run.simulation.trace());
        self.run.log.collect(&mut self.run.simulation, notes);
        self.run
            .timeline
            .passed(&self.run.simulation, &self.run.log, self.run.logged_until);
    }

    /// What the scenario itself does after `since` (from the start when `None`) up to `until`,
    /// for the log: load spikes beginning and ending.
    fn scenario_notes(&self, since: Option<SimTime>, until: SimTime) -> Vec<LogEntry> {
        let after = |at: SimTime| since.is_none_or(|since| at > since) && at <= until;
        let mut notes = Vec::new();
        for client in &self.run.scenario.clients {
            for spike in &client.spikes {
                let start = SimTime::ZERO + SimDuration::from_millis_f64(spike.at_ms);
                let end = start + SimDuration::from_millis_f64(spike.duration_ms);
                if after(start) {
                    notes.push(LogEntry {
                        at: start,
                        request: None,
                        text: format!(
                            "{} spike to {} requests/s for {:.1} s",
                            client.name,
                            spike.rate_per_second,
                            spike.duration_ms / 1_000.0
                        ),
                        severity: Severity::Bad,
                    });
                }
                if after(end) {
                    notes.push(LogEntry {
                        at: end,
                        request: None,
                        text: format!(
                            "{} back to {} requests/s",
                            client.name, client.rate_per_second
                        ),
                        severity: Severity::Good,
                    });
                }
            }
        }
        // In time order for the log's merge (few notes: a simple insertion sort).
        for index in 1..notes.len() {
            let mut at = index;
            while at > 0 && notes[at - 1].at > notes[at].at {
                notes.swap(at - 1, at);
                at -= 1;
            }
        }
        notes
    }

    /// Shows `scenario` as the current one without touching the run (a finished replay: the
    /// run got there by its command log).
    pub(super) fn show_scenario(&mut self, scenario: Scenario) {
        self.layout = Layout::new(&scenario);
        self.run.scenario = scenario;
    }
}
