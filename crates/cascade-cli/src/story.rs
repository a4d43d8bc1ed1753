//! `cascade check` and `cascade story`: validating a scenario or story file, and running a
//! story's steps headless with the figures its author checks the text against.

use crate::args::{Format, ScenarioSource, StoryOptions};
use crate::{input_label, read_input, CliError};
use cascade_sim::breaker::BreakerState;
use cascade_sim::stories::{self, StepError};
use cascade_sim::{Scenario, Simulation, Story, TraceRetention};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// Characters of a step's text shown in its line.
pub const TEXT_PREVIEW_CHARS: usize = 60;

/// What `cascade check` found valid: one line, starting `ok: `.
pub fn check(path: &Path) -> Result<String, CliError> {
    let text = read_input(path).map_err(CliError::Invalid)?;
    let label = input_label(path);
    let invalid =
        |error: cascade_sim::ScenarioError| CliError::Invalid(format!("{label}: {error}"));
    if is_story(&text) {
        let story = Story::from_json(&text).map_err(invalid)?;
        let end = story.step_time(story.steps.len() - 1).as_secs_f64();
        let asks = story
            .steps
            .iter()
            .filter(|step| step.until.is_some())
            .count();
        Ok(format!(
            "ok: story: {}, {} steps ({asks} asking the reader to act) over \"{}\" to {end} s\n",
            story.title,
            story.steps.len(),
            story.scenario.name
        ))
    } else {
        let scenario = Scenario::from_json(&text).map_err(invalid)?;
        Ok(format!(
            "ok: scenario: {}, {} services, {} load sources, {} links, {} scheduled faults\n",
            scenario.name,
            scenario.services.len(),
            scenario.clients.len(),
            scenario.links.len(),
            scenario.faults.len()
        ))
    }
}

/// Whether a file is a story: a JSON object with a top-level `"story"` key. Anything else,
/// unreadable JSON included, is read as a scenario (whose errors then say what is wrong).
fn is_story(text: &str) -> bool {
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
        .is_ok_and(|object| object.contains_key("story"))
}

/// Reads a story from a file (errors name the file, then the field) or a built-in one.
pub fn load_story(source: &ScenarioSource) -> Result<Story, String> {
    match source {
        ScenarioSource::Preset(id) => stories::by_id(id).ok_or_else(|| {
            format!(
                "no story is named {id:?}; the stories are: {}",
                stories::ALL.join(", ")
            )
        }),
        ScenarioSource::File(path) => {
            let text = read_input(path)?;
            Story::from_json(&text).map_err(|error| format!("{}: {error}", input_label(path)))
        }
    }
}

/// The `stories` listing: each id and title.
pub fn stories_text() -> String {
    let width = stories::ALL.iter().map(|id| id.len()).max().unwrap_or(0);
    let mut text = String::new();
    for id in stories::ALL {
        if let Some(story) = stories::by_id(id) {
            let _ = writeln!(
                text,
                "{id:<width$}  {} ({} steps)",
                story.title,
                story.steps.len()
            );
        }
    }
    text
}

/// What one step of a story shows when it pauses.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepReport {
    /// The step's index, from 0.
    pub step: usize,
    /// The simulated time it pauses at, in seconds.
    pub time_s: f64,
    /// The start of its text.
    pub text: String,
    /// What it asks the reader to do (a command), if anything.
    pub until: Option<serde_json::Value>,
    /// Client requests answered successfully so far.
    pub succeeded: u64,
    /// Client requests failed so far.
    pub failed: u64,
    /// Requests answered successfully during the step (from the step before's time).
    pub step_succeeded: u64,
    /// Requests failed during the step.
    pub step_failed: u64,
    /// Share of the requests finished during the step that succeeded (none finished: null).
    pub step_success_rate: Option<f64>,
    /// Failed requests per simulated second during the step (a step of no time: null).
    pub step_errors_per_second: Option<f64>,
    /// Every service at the step's time.
    pub services: Vec<ServiceAt>,
    /// Every link at the step's time.
    pub links: Vec<LinkAt>,
    /// Every broker queue used so far, at the step's time.
    pub queues: Vec<QueueAt>,
    /// Whether the broker is up.
    pub broker_up: bool,
    /// The run's fingerprint so far.
    pub trace_hash: String,
}

/// A service at a step's time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServiceAt {
    /// Name.
    pub name: String,
    /// `up`, `killed` or `frozen`.
    pub state: cascade_sim::NodeState,
    /// Threads in use.
    pub busy: u32,
    /// Threads.
    pub workers: u32,
    /// Requests and deliveries waiting for a thread.
    pub waiting: u32,
}

/// A link at a step's time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkAt {
    /// `"From -> To"`, as story notes name it.
    pub on: String,
    /// Sync or async now.
    pub kind: cascade_sim::LinkKind,
    /// Whether traffic is being lost.
    pub partitioned: bool,
    /// The circuit breaker's state.
    pub breaker: BreakerState,
    /// Retry tokens left, when a retry budget is set.
    pub retry_tokens: Option<u32>,
}

/// A broker queue at a step's time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueueAt {
    /// Name.
    pub name: String,
    /// Messages ready for delivery.
    pub depth: u32,
    /// Delivered, not yet acknowledged.
    pub unacked: u32,
    /// Waiting out a redelivery delay.
    pub delayed: u32,
    /// Published so far.
    pub published: u64,
    /// Deliveries so far, redeliveries included.
    pub delivered: u64,
    /// Deliveries put back in the queue for redelivery so far.
    pub requeued: u64,
    /// Moved to the dead-letter queue so far.
    pub dead_lettered: u64,
}

/// Runs a story's steps in turn (see [`stories::play_step`]), writing each step's figures to
/// `out` as it pauses.
pub fn run_story(options: &StoryOptions, out: &mut impl Write) -> Result<(), CliError> {
    let story = load_story(&options.source).map_err(CliError::Invalid)?;
    let label = match &options.source {
        ScenarioSource::Preset(id) => format!("story {id}"),
        ScenarioSource::File(path) => input_label(path),
    };
    let mut simulation = Simulation::new(&story.scenario, story.seed, TraceRetention::HashOnly)
        .map_err(|error| CliError::Invalid(format!("{label}: scenario.{error}")))?;
    let step_error = |error: StepError| match error {
        StepError::EventBudget { .. } => {
            CliError::Invalid(format!("--max-events: {error}; raise --max-events"))
        }
        other => CliError::Invalid(format!("{label}: {other}")),
    };
    if options.format == Format::Table {
        writeln!(
            out,
            "story: {} (scenario \"{}\", seed {}, {} steps)",
            story.title,
            story.scenario.name,
            story.seed,
            story.steps.len()
        )?;
    }
    let (mut succeeded, mut failed, mut time_s) = (0, 0, 0.0);
    for index in 0..story.steps.len() {
        if index > 0 {
            stories::finish_step(&mut simulation, &story, index - 1).map_err(step_error)?;
        }
        stories::play_step(&mut simulation, &story, index, options.max_events)
            .map_err(step_error)?;
        let report = StepReport::of(&story, index, &simulation, (succeeded, failed, time_s));
        (succeeded, failed, time_s) = (report.succeeded, report.failed, report.time_s);
        match options.format {
            Format::Table => out.write_all(report.to_table().as_bytes())?,
            Format::Json => {
                serde_json::to_writer(&mut *out, &report).map_err(std::io::Error::other)?;
                out.write_all(b"\n")?;
            }
        }
    }
    Ok(())
}

impl StepReport {
    /// The figures of step `index`, the run standing at its time; `before` is what the step
    /// before it ended with (succeeded, failed, time in seconds).
    pub fn of(
        story: &Story,
        index: usize,
        simulation: &Simulation,
        before: (u64, u64, f64),
    ) -> StepReport {
        let step = &story.steps[index];
        let totals = simulation.client_totals();
        let time_s = simulation.now().as_secs_f64();
        let (step_succeeded, step_failed) = (
            totals.succeeded - before.0,
            totals.failed().saturating_sub(before.1),
        );
        let finished = step_succeeded + step_failed;
        let seconds = time_s - before.2;
        StepReport {
            step: index,
            time_s,
            text: preview(&step.text),
            until: step
                .until
                .as_ref()
                .and_then(|until| serde_json::to_value(until).ok()),
            succeeded: totals.succeeded,
            failed: totals.failed(),
            step_succeeded,
            step_failed,
            step_success_rate: (finished > 0).then(|| step_succeeded as f64 / finished as f64),
            step_errors_per_second: (seconds > 0.0).then(|| step_failed as f64 / seconds),
            services: simulation
                .nodes()
                .filter(|node| !node.is_client)
                .map(|node| ServiceAt {
                    name: node.name.to_string(),
                    state: node.state,
                    busy: node.busy,
                    workers: node.workers,
                    waiting: node.waiting(),
                })
                .collect(),
            links: simulation
                .links()
                .map(|link| LinkAt {
                    on: format!(
                        "{} -> {}",
                        node_name(simulation, link.from),
                        node_name(simulation, link.to)
                    ),
                    kind: link.kind,
                    partitioned: link.partitioned,
                    breaker: link.breaker,
                    retry_tokens: link.retry_tokens,
                })
                .collect(),
            queues: simulation
                .queues()
                .filter(|queue| queue.metrics.published > 0)
                .map(|queue| QueueAt {
                    name: queue.name.to_string(),
                    depth: queue.depth,
                    unacked: queue.unacked,
                    delayed: queue.delayed,
                    published: queue.metrics.published,
                    delivered: queue.metrics.delivered,
                    requeued: queue.metrics.requeued,
                    dead_lettered: queue.metrics.dead_lettered,
                })
                .collect(),
            broker_up: simulation.broker_up(),
            trace_hash: format!("0x{:016x}", simulation.trace().hash()),
        }
    }

    /// The step as a few aligned lines.
    pub fn to_table(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "\nstep {}  t = {} s  \"{}\"",
            self.step, self.time_s, self.text
        );
        let rate = self
            .step_success_rate
            .map_or("-".to_string(), |rate| format!("{:.1}%", rate * 100.0));
        let errors = self
            .step_errors_per_second
            .map_or("-".to_string(), |errors| format!("{errors:.1}"));
        let _ = writeln!(
            text,
            "  requests  succeeded {} (+{})  failed {} (+{})  step success {rate}  errors/s {errors}",
            self.succeeded, self.step_succeeded, self.failed, self.step_failed
        );
        let services: Vec<String> = self
            .services
            .iter()
            .map(|service| {
                format!(
                    "{} {} {}/{} busy, {} waiting",
                    service.name,
                    state_word(service.state),
                    service.busy,
                    service.workers,
                    service.waiting
                )
            })
            .collect();
        let _ = writeln!(text, "  services  {}", services.join(" | "));
        let links: Vec<String> = self
            .links
            .iter()
            .map(|link| {
                let mut words =
                    format!("{} {}", link.on, format!("{:?}", link.kind).to_lowercase());
                if link.partitioned {
                    words.push_str(" partitioned");
                }
                if matches!(link.breaker, BreakerState::Open | BreakerState::HalfOpen) {
                    let _ = write!(words, " breaker {}", link.breaker.as_str());
                }
                if let Some(tokens) = link.retry_tokens {
                    let _ = write!(words, " ({tokens} retry tokens)");
                }
                words
            })
            .collect();
        let _ = writeln!(text, "  links     {}", links.join(" | "));
        for queue in &self.queues {
            let _ = writeln!(
                text,
                "  queue     {}: depth {}, unacked {}, delayed {}, dead letters {} \
                 (published {}, delivered {}, requeued {})",
                queue.name,
                queue.depth,
                queue.unacked,
                queue.delayed,
                queue.dead_lettered,
                queue.published,
                queue.delivered,
                queue.requeued
            );
        }
        let _ = writeln!(
            text,
            "  broker    {}",
            if self.broker_up { "up" } else { "down" }
        );
        if let Some(until) = &self.until {
            let _ = writeln!(text, "  asks      {until}");
        }
        text
    }
}

fn node_name(simulation: &Simulation, id: cascade_sim::NodeId) -> String {
    simulation
        .node(id)
        .map_or_else(String::new, |node| node.name.to_string())
}

fn state_word(state: cascade_sim::NodeState) -> &'static str {
    match state {
        cascade_sim::NodeState::Up => "up",
        cascade_sim::NodeState::Killed => "killed",
        cascade_sim::NodeState::Frozen => "frozen",
    }
}

/// The first [`TEXT_PREVIEW_CHARS`] characters of a text on one line, `…` when cut.
fn preview(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = cascade_sim::scenario::escape_control(&flat);
    if flat.chars().count() <= TEXT_PREVIEW_CHARS {
        return flat;
    }
    let cut: String = flat.chars().take(TEXT_PREVIEW_CHARS).collect();
    format!("{}…", cut.trim_end())
}
