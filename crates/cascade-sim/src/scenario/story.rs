//! Stories: a scenario told in steps. Each step has a short text, the faults or changes it
//! makes, the simulated time to run to and pause at, what the reader is asked to do before
//! going on, and notes pinned to nodes and links. The run at any step is a pure function of
//! the story: from time zero, every step up to it in turn applies its commands, runs to its
//! time, and (for the steps already passed) has the reader's action applied at that time. So
//! a reader going back sees exactly what they saw on the way forward.
//!
//! ```json
//! {
//!   "story": 1,
//!   "title": "A hung dependency",
//!   "scenario": { "version": 1, "name": "Checkout", "...": "..." },
//!   "steps": [
//!     { "text": "Users call *Orders*, which calls Payments.", "run_to_s": 3 },
//!     { "text": "Payments hangs.", "commands": [{ "command": "freeze", "node": "Payments" }],
//!       "run_to_s": 8, "annotations": [{ "on": "Orders", "kind": "callout", "text": "out of threads" }] },
//!     { "text": "Put a queue between them: click the Orders → Payments line.",
//!       "until": { "command": "set_link_kind", "link": 1, "kind": "async" } }
//!   ]
//! }
//! ```

use super::command::Command;
use super::{read_json, Scenario, ScenarioError};
use crate::time::SimTime;
use serde::{Deserialize, Serialize};

/// The story format's version, in every file as `"story"`.
pub const STORY_VERSION: u32 = 1;
/// Steps a story may have at most.
pub const MAX_STEPS: usize = 200;
/// Characters a step's text may have at most.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// Commands one step may make at most.
pub const MAX_STEP_COMMANDS: usize = 100;
/// Notes one step may pin at most.
pub const MAX_ANNOTATIONS: usize = 50;
/// The latest time a step may run to, in simulated seconds (a day).
pub const MAX_STEP_TIME_S: f64 = 86_400.0;

fn default_seed() -> u64 {
    1
}

/// A scenario told in steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Story {
    /// The format's version ([`STORY_VERSION`]).
    pub story: u32,
    /// The story's title.
    pub title: String,
    /// The seed of its run (default 1, the playground's).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// What runs.
    pub scenario: Scenario,
    /// The steps, in order.
    pub steps: Vec<StoryStep>,
}

/// One step of a story.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoryStep {
    /// What the step says: plain text, `*emphasis*` and `[links](https://…)`.
    pub text: String,
    /// Faults and changes made when the step begins, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<StepCommand>,
    /// The simulated time to run to and pause at (seconds); none: stay where the step begins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_to_s: Option<f64>,
    /// What the reader is asked to do before going on (a fault or a link switch); when they
    /// go on, it counts as done at the step's time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<StepCommand>,
    /// Notes pinned to nodes and links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
}

/// A command in a step: the scenario format's command without its time.
#[derive(Clone, Debug, PartialEq)]
pub struct StepCommand(pub Command);

impl Serialize for StepCommand {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for StepCommand {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (_, command) =
            deserializer.deserialize_map(super::command::CommandVisitor { timed: false })?;
        Ok(StepCommand(command))
    }
}

/// A note pinned to a node or a link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Annotation {
    /// A node's name, or a link as `"From -> To"`.
    pub on: String,
    /// How it is drawn.
    pub kind: AnnotationKind,
    /// What it says (a callout's words; optional for a highlight or an arrow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// How a note is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnotationKind {
    /// A box of words next to it.
    Callout,
    /// A ring around it.
    Highlight,
    /// An arrow pointing at it.
    Arrow,
}

impl Story {
    /// Parses JSON and validates it.
    #[inline]
    pub fn from_json(text: &str) -> Result<Story, ScenarioError> {
        let story: Story = read_json(text)?;
        story.validate()?;
        Ok(story)
    }

    /// The story as pretty JSON (what `from_json` reads back).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks everything a reader and a run rely on; the error names the field.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.story != STORY_VERSION {
            return Err(ScenarioError::new(
                "story",
                format!(
                    "this build reads story version {STORY_VERSION}, the file says {}",
                    self.story
                ),
            ));
        }
        if self.title.trim().is_empty() {
            return Err(ScenarioError::new("title", "a story needs a title"));
        }
        self.scenario.validate().map_err(|error| ScenarioError {
            path: format!("scenario.{}", error.path),
            problem: error.problem,
        })?;
        if self.steps.is_empty() || self.steps.len() > MAX_STEPS {
            return Err(ScenarioError::new(
                "steps",
                format!("a story has 1 to {MAX_STEPS} steps"),
            ));
        }
        let mut time_s = 0.0_f64;
        for (index, step) in self.steps.iter().enumerate() {
            let at = |field: &str| format!("steps[{index}].{field}");
            if step.text.chars().count() > MAX_TEXT_CHARS {
                return Err(ScenarioError::new(
                    at("text"),
                    format!("at most {MAX_TEXT_CHARS} characters"),
                ));
            }
            if step.commands.len() > MAX_STEP_COMMANDS {
                return Err(ScenarioError::new(
                    at("commands"),
                    format!("at most {MAX_STEP_COMMANDS} commands in a step"),
                ));
            }
            for (number, command) in step.commands.iter().enumerate() {
                self.check_command(&command.0).map_err(|problem| {
                    ScenarioError::new(at(&format!("commands[{number}]")), problem)
                })?;
            }
            if let Some(until) = &step.until {
                self.check_command(&until.0)
                    .map_err(|problem| ScenarioError::new(at("until"), problem))?;
            }
            if let Some(run_to_s) = step.run_to_s {
                if !run_to_s.is_finite() || !(0.0..=MAX_STEP_TIME_S).contains(&run_to_s) {
                    return Err(ScenarioError::new(
                        at("run_to_s"),
                        format!("a time from 0 to {MAX_STEP_TIME_S} seconds"),
                    ));
                }
                if run_to_s < time_s {
                    return Err(ScenarioError::new(
                        at("run_to_s"),
                        format!("{run_to_s} s is before the step before ends ({time_s} s): a story only goes forward"),
                    ));
                }
                time_s = run_to_s;
            }
            if step.annotations.len() > MAX_ANNOTATIONS {
                return Err(ScenarioError::new(
                    at("annotations"),
                    format!("at most {MAX_ANNOTATIONS} notes in a step"),
                ));
            }
            for (number, annotation) in step.annotations.iter().enumerate() {
                if self.annotated(&annotation.on).is_none() {
                    return Err(ScenarioError::new(
                        at(&format!("annotations[{number}].on")),
                        format!(
                            "{:?} is neither a node nor a link (\"From -> To\") of the scenario",
                            annotation.on
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// What a note is pinned to: a node's index among the node names, or a link's index.
    pub fn annotated(&self, on: &str) -> Option<Pinned> {
        if let Some((from, to)) = on.split_once("->") {
            let (from, to) = (from.trim(), to.trim());
            return self
                .scenario
                .links
                .iter()
                .position(|link| link.from == from && link.to == to)
                .map(Pinned::Link);
        }
        self.scenario
            .node_names()
            .position(|name| name == on.trim())
            .map(Pinned::Node)
    }

    /// Whether `command` fits the scenario: the nodes and links it names exist, and the
    /// knobs are left to the scenario (a story changes them through its scenario, not steps).
    fn check_command(&self, command: &Command) -> Result<(), String> {
        let service = |node: &str| {
            if self
                .scenario
                .services
                .iter()
                .any(|service| service.name == node)
            {
                Ok(())
            } else {
                Err(format!("no service is named {node:?}"))
            }
        };
        let link = |link: u32| {
            if (link as usize) < self.scenario.links.len() {
                Ok(())
            } else {
                Err(format!(
                    "there is no link {link} (the scenario has {})",
                    self.scenario.links.len()
                ))
            }
        };
        match command {
            Command::Kill { node }
            | Command::Revive { node }
            | Command::Freeze { node }
            | Command::Slow { node, .. }
            | Command::SetErrorRate { node, .. } => {
                service(node).and_then(|()| command.check_values())
            }
            Command::Partition { link: index }
            | Command::Heal { link: index }
            | Command::SetLinkKind { link: index, .. } => link(*index),
            Command::KillBroker | Command::ReviveBroker => Ok(()),
            Command::UpdateService { .. }
            | Command::UpdateClient { .. }
            | Command::UpdateLink { .. } => {
                Err("a step changes faults and link kinds; knobs belong in the scenario".into())
            }
        }
    }

    /// The simulated time step `index` pauses at: its own `run_to_s`, or where the step
    /// before it ended.
    pub fn step_time(&self, index: usize) -> SimTime {
        let seconds = self
            .steps
            .iter()
            .take(index + 1)
            .rev()
            .find_map(|step| step.run_to_s)
            .unwrap_or(0.0);
        SimTime::ZERO + crate::time::SimDuration::from_millis_f64(seconds * 1_000.0)
    }
}

/// What a note is pinned to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pinned {
    /// A node, by its index among [`Scenario::node_names`] (clients first).
    Node(usize),
    /// A link, by its index in the scenario.
    Link(usize),
}
