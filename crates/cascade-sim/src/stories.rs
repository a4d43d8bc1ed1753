//! Preset stories: guided tours of the preset scenarios, one story per preset, told in a few
//! steps each. Together they make the case of the article the playground illustrates: blocking
//! calls spread a delay from one service to its callers, hold their threads until none are
//! left, and with naive retries turn a short overload into a lasting one; a queue between
//! services decouples them in time, redelivers what failed and sets aside what never
//! succeeds, but the broker becomes a dependency of its own.
//!
//! The figures each step's text claims are checked by `tests/all/stories.rs` and can be seen
//! with `cascade story --preset ID`. [`run_to_step`] (with [`play_step`] and [`finish_step`])
//! is the one implementation of a story's semantics (see [`Story`]) outside the playground.

use crate::engine::{CommandError, RunOutcome, Simulation};
use crate::presets;
use crate::scenario::command::Command;
use crate::scenario::story::{
    Annotation, AnnotationKind, StepCommand, Story, StoryStep, STORY_VERSION,
};
use crate::time::SimTime;
use crate::trace::TraceRetention;
use crate::vocabulary::LinkKind;

/// Every preset story's id, in reading order (each is also the id of the preset it runs).
pub const ALL: [&str; 7] = [
    "checkout",
    "frozen-dependency",
    "retry-storm",
    "retry-storm-contained",
    "checkout-async",
    "broker-down",
    "poison-message",
];

/// The preset story with this id.
pub fn by_id(id: &str) -> Option<Story> {
    let (title, steps) = match id {
        "checkout" => ("Blocking calls spread an outage", checkout()),
        "frozen-dependency" => ("A hung service holds every thread", frozen_dependency()),
        "retry-storm" => ("Retries keep an overload going", retry_storm()),
        "retry-storm-contained" => (
            "Backoff, a budget and a breaker stop the storm",
            retry_storm_contained(),
        ),
        "checkout-async" => ("A queue absorbs the outage", checkout_async()),
        "broker-down" => ("The broker is a dependency too", broker_down()),
        "poison-message" => ("Redelivery and the dead-letter queue", poison_message()),
        _ => return None,
    };
    Some(Story {
        story: STORY_VERSION,
        title: title.into(),
        seed: 1,
        scenario: presets::by_id(id)?,
        steps,
    })
}

/// Why a story's run stopped before a step's end.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum StepError {
    /// A step's command (or the reader's action) could not be applied.
    #[error("{path}: {error}")]
    Command {
        /// Where in the story, e.g. `steps[2].until`.
        path: String,
        /// What the engine said.
        error: CommandError,
    },
    /// The run took its whole event budget before the step's time.
    #[error("the run took all {max_events} events by t = {:.6} s", at.as_secs_f64())]
    EventBudget {
        /// The budget.
        max_events: u64,
        /// Where the run had got to.
        at: SimTime,
    },
    /// The run could not get past one instant.
    #[error("{}", CommandError::StuckAtInstant(*.0))]
    StuckAtInstant(SimTime),
}

/// Begins step `index` of a run standing where the step before it ended: applies the step's
/// commands, then runs to its `run_to_s` (if it has one) within `max_events` events in all.
pub fn play_step(
    simulation: &mut Simulation,
    story: &Story,
    index: usize,
    max_events: u64,
) -> Result<(), StepError> {
    let Some(step) = story.steps.get(index) else {
        return Ok(());
    };
    for (number, command) in step.commands.iter().enumerate() {
        simulation
            .apply(command.0.clone())
            .map_err(|error| StepError::Command {
                path: format!("steps[{index}].commands[{number}]"),
                error,
            })?;
    }
    if step.run_to_s.is_some() {
        let time = story.step_time(index);
        let left = max_events.saturating_sub(simulation.events_processed());
        match simulation.run_until(time, left) {
            RunOutcome::ReachedTime | RunOutcome::Idle => {}
            RunOutcome::BudgetExhausted => {
                return Err(StepError::EventBudget {
                    max_events,
                    at: simulation.now(),
                })
            }
            RunOutcome::StuckAtInstant => return Err(StepError::StuckAtInstant(simulation.now())),
        }
    }
    Ok(())
}

/// Leaves step `index` for the next: the reader's action (`until`), if the step asks for one,
/// counts as done at the step's time.
pub fn finish_step(
    simulation: &mut Simulation,
    story: &Story,
    index: usize,
) -> Result<(), StepError> {
    match story.steps.get(index).and_then(|step| step.until.as_ref()) {
        Some(until) => simulation
            .apply(until.0.clone())
            .map_err(|error| StepError::Command {
                path: format!("steps[{index}].until"),
                error,
            }),
        None => Ok(()),
    }
}

/// The run a reader sees at step `index`, computed from time zero: steps `0..=index` played
/// in turn, the reader's action of every step before `index` done at its time.
pub fn run_to_step(story: &Story, index: usize, max_events: u64) -> Result<Simulation, StepError> {
    let mut simulation = Simulation::new(&story.scenario, story.seed, TraceRetention::HashOnly)
        .map_err(|error| StepError::Command {
            path: "scenario".into(),
            error: CommandError::Invalid(error.to_string()),
        })?;
    for step in 0..=index.min(story.steps.len().saturating_sub(1)) {
        if step > 0 {
            finish_step(&mut simulation, story, step - 1)?;
        }
        play_step(&mut simulation, story, step, max_events)?;
    }
    Ok(simulation)
}

/// A step: its text and the time it runs to.
fn step(text: &str, run_to_s: f64) -> StoryStep {
    StoryStep {
        text: text.into(),
        commands: Vec::new(),
        run_to_s: Some(run_to_s),
        until: None,
        annotations: Vec::new(),
    }
}

impl StoryStep {
    fn doing(mut self, command: Command) -> Self {
        self.commands.push(StepCommand(command));
        self
    }

    fn asking(mut self, command: Command) -> Self {
        self.until = Some(StepCommand(command));
        self
    }

    fn staying(mut self) -> Self {
        self.run_to_s = None;
        self
    }

    fn note(mut self, on: &str, kind: AnnotationKind, text: Option<&str>) -> Self {
        self.annotations.push(Annotation {
            on: on.into(),
            kind,
            text: text.map(Into::into),
        });
        self
    }

    fn callout(self, on: &str, text: &str) -> Self {
        self.note(on, AnnotationKind::Callout, Some(text))
    }

    fn highlight(self, on: &str) -> Self {
        self.note(on, AnnotationKind::Highlight, None)
    }

    fn arrow(self, on: &str, text: &str) -> Self {
        self.note(on, AnnotationKind::Arrow, Some(text))
    }
}

fn kill(node: &str) -> Command {
    Command::Kill { node: node.into() }
}

fn revive(node: &str) -> Command {
    Command::Revive { node: node.into() }
}

/// Link 1 of the checkout presets is Orders -> Payments.
const ORDERS_TO_PAYMENTS: u32 = 1;

fn checkout() -> Vec<StoryStep> {
    vec![
        step(
            "Users call *Orders*, which calls Payments and then Inventory, each over a blocking \
             REST call. Every call holds one of Orders' 20 threads until the answer comes back, \
             and with answers in tens of milliseconds only a few are busy at a time.",
            5.0,
        )
        .highlight("Orders")
        .callout("Orders", "20 threads, a few busy"),
        step(
            "Payments crashes. Each call to it is refused at once, but Orders retries twice, \
             500 ms apart, so every request now holds a thread for about a second. Thirty \
             requests a second need more than 20 threads: *Orders runs out*, requests queue in \
             front of it, and almost every user request fails.",
            10.0,
        )
        .doing(kill("Payments"))
        .callout("Orders", "every thread waits on retries")
        .highlight("Payments")
        .arrow("Orders -> Payments", "refused, retried, refused"),
        step(
            "Orders does not need Payments' answer to take an order. *Make the Orders → \
             Payments link async*: click the line and switch it to a queue.",
            10.0,
        )
        .staying()
        .asking(Command::SetLinkKind {
            link: ORDERS_TO_PAYMENTS,
            kind: LinkKind::Async,
        })
        .arrow("Orders -> Payments", "make this async"),
        step(
            "Now Orders publishes a message and moves on: its threads are free again and users \
             succeed, while Payments is still down. The work is not lost: it waits in the \
             *Payments queue*.",
            20.0,
        )
        .callout("Orders", "threads free again")
        .callout("Payments", "still down"),
        step(
            "Payments comes back and works through the backlog at its own pace, and the queue \
             drains. Nobody had to retry anything.",
            35.0,
        )
        .doing(revive("Payments"))
        .highlight("Orders -> Payments")
        .callout("Payments", "draining the queue"),
    ]
}

fn frozen_dependency() -> Vec<StoryStep> {
    vec![
        step(
            "The same checkout, healthy: Orders answers 30 requests a second with a handful of \
             its 20 threads busy.",
            4.0,
        )
        .highlight("Orders"),
        step(
            "At 5 s Payments *hangs*: it accepts calls and never answers. A hang is worse than a \
             crash, because each call waits out its full 1 s timeout, three attempts in all. \
             Within a second every one of Orders' 20 threads is waiting on Payments.",
            7.0,
        )
        .highlight("Payments")
        .callout("Orders", "20 of 20 threads waiting")
        .arrow("Orders -> Payments", "no answer, 1 s timeouts"),
        step(
            "The delay has cascaded to the users: a hundred requests wait in front of Orders, \
             and users give up after 3 s. Inventory is healthy, and idle: nothing gets past \
             Orders to reach it.",
            12.0,
        )
        .callout("Users", "timing out")
        .callout("Inventory", "healthy but idle"),
        step(
            "Payments recovers at 20 s. Orders works off its queue of stale requests, and two \
             seconds later users succeed again.",
            26.0,
        )
        .callout("Orders", "threads free again"),
    ]
}

fn retry_storm() -> Vec<StoryStep> {
    vec![
        step(
            "Users call the API, which queries the Database. The Database has 4 workers and \
             serves 200 queries a second; at 120 a second it is busy but keeps up.",
            4.5,
        )
        .highlight("Database"),
        step(
            "At 5 s a two-second spike brings 300 requests a second. Queries wait in the \
             Database's queue longer than the API's 300 ms timeout, and the API *retries each \
             one three times*, 50 ms apart, with no jitter.",
            7.0,
        )
        .callout("Database", "queue growing")
        .arrow("API -> Database", "timeouts, then retries"),
        step(
            "The spike is over, but the storm is not. The Database still works on queries whose \
             callers gave up long ago, and every timeout sends it up to three more. Almost \
             nothing succeeds, and the API's 200 threads are tied up waiting.",
            15.0,
        )
        .callout("Database", "busy with abandoned work")
        .callout("Users", "failing"),
        step(
            "Twenty seconds after the spike the load is back to normal and the system is still \
             down: a *metastable failure*, held up by its own retries. Compare the next story.",
            27.0,
        )
        .highlight("API -> Database"),
    ]
}

fn retry_storm_contained() -> Vec<StoryStep> {
    vec![
        step(
            "The same API and Database, but the API's retries wait a growing, random time \
             (*exponential backoff with full jitter*), spend from a retry budget, and go \
             through a circuit breaker.",
            4.5,
        )
        .highlight("API -> Database"),
        step(
            "The same spike overloads the Database and calls time out. The retry budget runs \
             dry and the breaker opens: the API fails calls at once instead of piling more \
             work on the Database, whose queue empties.",
            7.0,
        )
        .callout("API -> Database", "breaker open: load shed")
        .callout("Database", "draining"),
        step(
            "After its wait the breaker lets a few trial calls through, they succeed, and it \
             closes: from 9 s, two seconds after the spike, every request succeeds. Some \
             requests failed, but the failure did not outlive its cause.",
            10.0,
        )
        .callout("Users", "succeeding again"),
    ]
}

fn checkout_async() -> Vec<StoryStep> {
    vec![
        step(
            "Checkout again, but Orders *publishes* payment requests to a queue and answers \
             the user at once. Payments consumes them when it has a free worker.",
            4.0,
        )
        .highlight("Orders -> Payments"),
        step(
            "Payments dies at 5 s. Users do not notice: Orders keeps publishing, its threads \
             stay free, and the messages wait in the queue.",
            10.0,
        )
        .callout("Payments", "down")
        .callout("Orders -> Payments", "messages wait here"),
        step(
            "Payments comes back at 15 s and works through the backlog: the queue drains with \
             no retry from anyone.",
            20.0,
        )
        .callout("Payments", "catching up"),
        step(
            "The Inventory call is still blocking, though. *Kill Inventory* and see what the \
             queue does not protect.",
            20.0,
        )
        .staying()
        .asking(kill("Inventory"))
        .arrow("Inventory", "kill this one"),
        step(
            "With Inventory down, every request holds an Orders thread through refused calls \
             and retries, Orders runs out of threads, and users fail again. Async helps only \
             where it is used.",
            25.0,
        )
        .callout("Orders", "out of threads again")
        .arrow("Orders -> Inventory", "still blocking"),
    ]
}

fn broker_down() -> Vec<StoryStep> {
    vec![
        step(
            "The async checkout, healthy: Orders publishes payment requests to the broker, \
             Payments consumes them.",
            4.0,
        )
        .highlight("Orders -> Payments"),
        step(
            "At 5 s the *broker* dies. Orders cannot publish, so orders fail: the queue \
             decoupled Orders from Payments, not from the broker.",
            9.0,
        )
        .callout("Orders", "cannot publish")
        .callout("Users", "failing"),
        step(
            "The broker is back at 12 s and orders succeed again. The payment Payments was \
             working on when it died was never acknowledged, so it went back in the queue and \
             is *delivered again*: consumers must be ready to see a message twice.",
            16.0,
        )
        .callout("Orders -> Payments", "redelivered")
        .callout("Payments", "may see a message twice"),
    ]
}

fn poison_message() -> Vec<StoryStep> {
    vec![
        step(
            "One payment request in fifty is malformed, and Payments fails it every time. The \
             broker puts a failed message back and *redelivers* it 200 ms later: here one \
             waits out that delay.",
            2.0,
        )
        .highlight("Payments")
        .arrow("Orders -> Payments", "redelivered"),
        step(
            "After its sixth delivery a poison message goes to the *dead-letter queue* instead \
             of going round for ever: six have by 15 s. The good messages flow past them.",
            15.0,
        )
        .callout("Orders -> Payments", "dead letters collect here"),
        step(
            "Thirteen dead letters now wait for a person to look at them. The queue stays \
             empty and no user request failed, because Orders never waited for Payments. But \
             those users were told their order was taken, and it was never paid.",
            30.0,
        )
        .callout("Users", "unaffected"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_story_is_valid() {
        for id in ALL {
            let story = by_id(id).unwrap_or_else(|| panic!("{id} is a story"));
            story
                .validate()
                .unwrap_or_else(|error| panic!("{id}: {error}"));
            assert!((3..=6).contains(&story.steps.len()), "{id}");
        }
        assert!(by_id("collapse").is_none());
    }
}
