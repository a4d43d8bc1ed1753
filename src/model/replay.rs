//! Opening a shared run: the run is rebuilt by replaying its command log from time zero, a
//! slice at a time so a long one does not freeze the page. In the compare view both sides
//! replay the same commands at the same instants.

use super::compare::comparison;
use super::runner::Runner;
use super::share::{SharedState, View};
use super::UiError;
use cascade_sim::{CommandError, RunOutcome, Scenario, SimTime, TimedCommand};

/// The most events a shared run may take to replay: about five seconds of a browser tab's
/// time, and a bound on the memory a link can make it use. Longer runs are shared from time
/// zero (the Share button says so).
pub const MAX_REPLAY_EVENTS: u64 = 20_000_000;
/// Events replayed per slice (about 20 to 40 ms in wasm): one slice per animation frame.
pub const REPLAY_SLICE_EVENTS: u64 = 100_000;
/// Events the simulation runs between two checks of a slice's budget.
const REPLAY_CHUNK_EVENTS: u64 = 50_000;

/// One run being replayed: [`Replay::advance`] until it returns true, then the runner is
/// exactly the shared run.
#[derive(Debug)]
pub struct Replay {
    commands: Vec<TimedCommand>,
    next: usize,
    at: SimTime,
    scenario: Scenario,
}

impl Replay {
    /// A runner at time zero of `started_from`, and the replay that takes it to the shared
    /// moment and then shows `scenario`.
    pub fn begin(
        started_from: Scenario,
        scenario: Scenario,
        state: &SharedState,
    ) -> Result<(Runner, Replay), UiError> {
        let runner = Runner::new(started_from, state.seed)?;
        let replay = Replay {
            commands: state.commands.clone(),
            next: 0,
            at: state.at,
            scenario,
        };
        Ok((runner, replay))
    }

    /// Replays at most about `max_events` events (and any commands due); true when done.
    pub fn advance(&mut self, runner: &mut Runner, max_events: u64) -> Result<bool, UiError> {
        let mut budget = max_events;
        loop {
            let target = self
                .commands
                .get(self.next)
                .map_or(self.at, |timed| timed.at);
            let simulation = runner.simulation_mut();
            let before = simulation.events_processed();
            let outcome = simulation.run_until(target, budget.min(REPLAY_CHUNK_EVENTS));
            let processed = simulation.events_processed();
            let now = simulation.now();
            runner.collect_log();
            budget = budget.saturating_sub((processed - before).max(1));
            if processed > MAX_REPLAY_EVENTS {
                return Err(UiError::Replay(format!(
                    "replaying it takes more than {} million events, more than a browser tab \
                     should spend; open the scenario from time zero instead",
                    MAX_REPLAY_EVENTS / 1_000_000
                )));
            }
            if outcome == RunOutcome::StuckAtInstant {
                return Err(UiError::Replay(
                    CommandError::StuckAtInstant(now).to_string(),
                ));
            }
            if outcome != RunOutcome::BudgetExhausted {
                match self.commands.get(self.next) {
                    Some(timed) => {
                        runner.apply(timed.command.clone()).map_err(|error| {
                            UiError::Replay(format!("commands[{}]: {error}", self.next))
                        })?;
                        self.next += 1;
                    }
                    None => {
                        runner.show_scenario(self.scenario.clone());
                        return Ok(true);
                    }
                }
            }
            if budget == 0 {
                return Ok(false);
            }
        }
    }

    /// The simulated time the replay goes to.
    pub fn target(&self) -> SimTime {
        self.at
    }
}

/// The runs a share link opens, rebuilt at once: the run, and for a shared comparison the
/// async side and the scenario compared.
pub type Opened = (Runner, Option<(Runner, Scenario)>);

/// A shared run being opened: the main run, in the compare view the async side and the
/// scenario compared, and the view the link asks for.
pub struct Opening {
    main: (Runner, Replay),
    side: Option<(Runner, Replay, Scenario)>,
    /// Whether each side has finished.
    done: (bool, bool),
    view: View,
}

impl Opening {
    /// Starts replaying a shared state (both sides of a shared comparison).
    pub fn begin(state: &SharedState) -> Result<Self, UiError> {
        let (main, side) = if state.view.compare {
            let (sync, asynchronous) = comparison(&state.scenario);
            let main = Replay::begin(sync.clone(), sync, state)?;
            let (side, replay) = Replay::begin(asynchronous.clone(), asynchronous, state)?;
            (main, Some((side, replay, state.scenario.clone())))
        } else {
            let started_from = state
                .started_from
                .clone()
                .unwrap_or_else(|| state.scenario.clone());
            (
                Replay::begin(started_from, state.scenario.clone(), state)?,
                None,
            )
        };
        Ok(Opening {
            main,
            side,
            done: (false, false),
            view: state.view.clone(),
        })
    }

    /// Replays a slice on each side still replaying; true when both are done.
    pub fn advance(&mut self, max_events: u64) -> Result<bool, UiError> {
        if !self.done.0 {
            let (runner, replay) = &mut self.main;
            self.done.0 = replay.advance(runner, max_events)?;
        }
        if !self.done.1 {
            self.done.1 = match &mut self.side {
                Some((side, replay, _)) => replay.advance(side, max_events)?,
                None => true,
            };
        }
        Ok(self.done == (true, true))
    }

    /// How far it is, in words.
    pub fn progress(&self) -> String {
        let (runner, replay) = &self.main;
        format!(
            "Opening the shared run: {:.0} of {:.0} simulated seconds replayed…",
            runner.simulation().now().as_secs_f64(),
            replay.target().as_secs_f64()
        )
    }

    /// The replayed runs and the view the link asks for (once [`Opening::advance`] said done).
    pub fn into_opened(self) -> (Opened, View) {
        let side = self.side.map(|(side, _, scenario)| (side, scenario));
        ((self.main.0, side), self.view)
    }
}
