//! # cascade-cli
//!
//! The native command line over the `cascade-sim` core: `cascade run` prints a metrics summary
//! of a scenario, `cascade trace` streams its trace as JSON lines, `cascade presets` lists the
//! built-in scenarios, `cascade check FILE` validates a scenario or story file, `cascade story`
//! runs a story's steps headless ([`story`]), `cascade stories` lists the built-in stories,
//! `cascade completions SHELL` prints a shell completion script. The binary (`src/main.rs`)
//! only hands the arguments and stdout to [`main_with`]; parsing ([`args`], with `clap`),
//! driving and reporting ([`report`]) live here so they can be tested without a process.
//!
//! ```text
//!  args --parse--> Invocation --load--> Scenario + seed + commands
//!                                              |
//!                                   drive in 100 ms slices
//!                            (commands applied exactly as replay does)
//!                                              |
//!                  trace events of each slice -+-> latency histogram --> Report (table | JSON)
//!                                              +-> JSON lines (`trace`)
//! ```
//!
//! Memory stays bounded however long the run: every slice's trace events are drained before
//! the next slice runs.

#![warn(missing_docs)]

pub mod args;
pub mod report;
pub mod story;

use crate::args::{format_duration, Format, Invocation, RunSpec, ScenarioSource};
use crate::report::Report;
use cascade_sim::{
    presets, CommandError, RunOutcome, Scenario, SimDuration, SimTime, Simulation, TimedCommand,
    TraceEvent, TraceRetention,
};
use std::ffi::OsString;
use std::fmt;
use std::io::{self, Read, Write};
use std::path::Path;

/// Simulated time between two drains of the trace. Short enough that a slice's events fit in
/// memory at any realistic rate, long enough that slicing costs nothing measurable.
pub const SLICE: SimDuration = SimDuration::from_millis(100);

/// Why a command stopped early.
#[derive(Debug)]
pub enum CliError {
    /// A user mistake or unusable input (bad argument, unreadable file, invalid scenario or
    /// command): one line on stderr, exit status 2.
    Invalid(String),
    /// Standard output was closed by the reader (e.g. `| head`): stop quietly, exit status 0.
    OutputClosed,
    /// Writing standard output failed for another reason: exit status 2.
    Output(io::Error),
}

impl CliError {
    /// The process exit status for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::OutputClosed => 0,
            CliError::Invalid(_) | CliError::Output(_) => 2,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Invalid(message) => formatter.write_str(message),
            CliError::OutputClosed => formatter.write_str("standard output was closed"),
            CliError::Output(error) => write!(formatter, "cannot write the output: {error}"),
        }
    }
}

impl std::error::Error for CliError {}

impl From<io::Error> for CliError {
    fn from(error: io::Error) -> Self {
        if error.kind() == io::ErrorKind::BrokenPipe {
            CliError::OutputClosed
        } else {
            CliError::Output(error)
        }
    }
}

/// Runs the command line `args` (without the program name), writing results to `out`.
pub fn main_with(
    args: impl IntoIterator<Item = OsString>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let invocation = args::parse(args).map_err(CliError::Invalid)?;
    execute(&invocation, out)?;
    out.flush()?;
    Ok(())
}

/// Carries out a parsed invocation.
pub fn execute(invocation: &Invocation, out: &mut impl Write) -> Result<(), CliError> {
    match invocation {
        Invocation::Print(text) => out.write_all(text.as_bytes())?,
        Invocation::Completions(shell) => {
            // clap_complete cannot report a failed write: render first, then write.
            let mut script = Vec::new();
            args::write_completions(*shell, &mut script);
            out.write_all(&script)?;
        }
        Invocation::Presets => out.write_all(presets_text().as_bytes())?,
        Invocation::Preset(id) => {
            let scenario =
                load_scenario(&ScenarioSource::Preset(id.clone())).map_err(CliError::Invalid)?;
            let text = serde_json::to_string_pretty(&scenario).map_err(|error| {
                CliError::Invalid(format!("could not write the scenario: {error}"))
            })?;
            out.write_all(text.as_bytes())?;
            out.write_all(b"\n")?;
        }
        Invocation::Run(options) => {
            let report = run(&options.spec, options.warmup)?;
            let text = match options.format {
                Format::Table => report.to_table(),
                Format::Json => report.to_json() + "\n",
            };
            out.write_all(text.as_bytes())?;
        }
        Invocation::Trace(options) => trace(&options.spec, out)?,
        Invocation::Check(path) => out.write_all(story::check(path)?.as_bytes())?,
        Invocation::Stories => out.write_all(story::stories_text().as_bytes())?,
        Invocation::StoryFile(id) => {
            let story = story::load_story(&ScenarioSource::Preset(id.clone()))
                .map_err(CliError::Invalid)?;
            out.write_all(story.to_json().as_bytes())?;
            out.write_all(b"\n")?;
        }
        Invocation::Story(options) => story::run_story(options, out)?,
    }
    Ok(())
}

/// The `presets` listing: each id, the scenario's name, and its description.
pub fn presets_text() -> String {
    let width = presets::ALL
        .iter()
        .map(|preset| preset.id.len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for preset in presets::ALL {
        let scenario = (preset.build)();
        text.push_str(&format!(
            "{:<width$}  {}\n{:<width$}  {}\n",
            preset.id, scenario.name, "", scenario.description
        ));
    }
    text
}

/// Runs a scenario and builds its metrics summary, leaving the first `warmup` of the run out of
/// every figure. Only the trace hash is kept, so a long run needs no more memory than a short
/// one.
pub fn run(spec: &RunSpec, warmup: SimDuration) -> Result<Report, CliError> {
    let loaded = Loaded::from_spec(spec)?;
    let mut simulation = loaded.simulation(spec.seed, TraceRetention::HashOnly)?;
    let plan = Plan {
        commands: &loaded.commands,
        end: SimTime::ZERO + spec.duration,
        warmup_end: (warmup > SimDuration::ZERO).then_some(SimTime::ZERO + warmup),
        max_events: spec.max_events,
    };
    drive(&mut simulation, &plan, |_| Ok(())).map_err(|error| loaded.drive_error(error))?;
    Ok(Report::build(
        &loaded.scenario.name,
        &simulation,
        spec.duration,
        warmup,
        loaded.commands.len(),
    ))
}

/// Runs a scenario and writes every trace event to `out` as one JSON object per line.
pub fn trace(spec: &RunSpec, out: &mut impl Write) -> Result<(), CliError> {
    let loaded = Loaded::from_spec(spec)?;
    let mut simulation = loaded.simulation(spec.seed, TraceRetention::Everything)?;
    let mut line = Vec::new();
    let plan = Plan {
        commands: &loaded.commands,
        end: SimTime::ZERO + spec.duration,
        warmup_end: None,
        max_events: spec.max_events,
    };
    drive(&mut simulation, &plan, |events| {
        for event in events {
            line.clear();
            serde_json::to_writer(&mut line, &event).map_err(io::Error::other)?;
            line.push(b'\n');
            out.write_all(&line)?;
        }
        Ok(())
    })
    .map_err(|error| loaded.drive_error(error))
}

/// What [`drive`] does: the commands to apply at their times, where to stop, when the warm-up
/// ends (every figure is reset there), and the most events the whole run may take.
pub struct Plan<'a> {
    /// Timed commands, in time order (see [`parse_commands`]).
    pub commands: &'a [TimedCommand],
    /// The end of the run.
    pub end: SimTime,
    /// When to forget every figure (`--warmup`), if ever.
    pub warmup_end: Option<SimTime>,
    /// The event budget of the whole run (`--max-events`).
    pub max_events: u64,
}

/// Why [`drive`] stopped.
#[derive(Debug)]
pub enum DriveError {
    /// Command number `index` could not be applied.
    Command {
        /// Position in the commands list.
        index: usize,
        /// What the engine said.
        error: CommandError,
    },
    /// The run took its whole event budget before reaching the end.
    EventBudget {
        /// The budget.
        max_events: u64,
        /// Where the run had got to.
        at: SimTime,
    },
    /// The run could not get past one instant.
    StuckAtInstant(SimTime),
    /// The callback failed to write its output.
    Output(io::Error),
}

/// Runs `simulation` through `plan`, applying its commands exactly where
/// [`Simulation::replay`] would (run to each command's time, apply it, go on), but in slices of
/// [`SLICE`] with the trace drained after each and handed to `each_slice`. The simulation
/// should keep [`TraceRetention::Everything`] for a trace; with less, the callback sees less.
/// Every slice runs within what is left of the plan's event budget, and a run stuck at one
/// instant stops with an error: no input can make it spin for ever.
pub fn drive(
    simulation: &mut Simulation,
    plan: &Plan<'_>,
    mut each_slice: impl FnMut(Vec<TraceEvent>) -> io::Result<()>,
) -> Result<(), DriveError> {
    // The warm-up ends before the first command due after it, or before the end.
    let stops = plan.commands.iter().map(|timed| timed.at).chain([plan.end]);
    let mut warmup_end = plan.warmup_end;
    for (index, at) in stops.enumerate() {
        // Events due at the warm-up's end belong to the warm-up; a command at that instant
        // belongs to the measured run.
        if let Some(warmup) = warmup_end.filter(|warmup| *warmup <= at) {
            run_to(simulation, warmup, plan.max_events, &mut each_slice)?;
            simulation.reset_metrics();
            warmup_end = None;
        }
        run_to(simulation, at, plan.max_events, &mut each_slice)?;
        if let Some(timed) = plan.commands.get(index) {
            simulation
                .apply(timed.command.clone())
                .map_err(|error| DriveError::Command { index, error })?;
        }
    }
    Ok(())
}

/// Runs to `target` in slices of [`SLICE`], handing each slice's trace to `each_slice`, within
/// what is left of `max_events`. At least one `run_until(target)` even when already there, as
/// replay does: events a command scheduled at its own instant run before the next command at
/// that instant. A quiet stretch (no event due within a slice) is one slice up to the next
/// event, so an hour without events is not 36,000 slices.
fn run_to(
    simulation: &mut Simulation,
    target: SimTime,
    max_events: u64,
    each_slice: &mut impl FnMut(Vec<TraceEvent>) -> io::Result<()>,
) -> Result<(), DriveError> {
    loop {
        let quiet_until = simulation.next_event_time().unwrap_or(target);
        let slice_end = (simulation.now() + SLICE).max(quiet_until).min(target);
        let left = max_events.saturating_sub(simulation.events_processed());
        let outcome = simulation.run_until(slice_end, left);
        each_slice(simulation.trace_mut().take()).map_err(DriveError::Output)?;
        match outcome {
            RunOutcome::StuckAtInstant => return Err(DriveError::StuckAtInstant(simulation.now())),
            RunOutcome::BudgetExhausted => {
                return Err(DriveError::EventBudget {
                    max_events,
                    at: simulation.now(),
                })
            }
            RunOutcome::ReachedTime | RunOutcome::Idle => {}
        }
        if slice_end >= target {
            return Ok(());
        }
    }
}

/// A scenario and commands read from the places a [`RunSpec`] names.
struct Loaded {
    scenario: Scenario,
    commands: Vec<TimedCommand>,
    commands_path: String,
}

impl Loaded {
    fn from_spec(spec: &RunSpec) -> Result<Loaded, CliError> {
        let mut scenario = load_scenario(&spec.source).map_err(CliError::Invalid)?;
        if let Some(rate) = spec.rate_per_second {
            for client in &mut scenario.clients {
                client.rate_per_second = f64::from(rate);
            }
        }
        let end = SimTime::ZERO + spec.duration;
        let (commands, commands_path) = match &spec.commands {
            None => (Vec::new(), String::new()),
            Some(path) => {
                let text = read_input(path).map_err(CliError::Invalid)?;
                let label = input_label(path);
                let commands = parse_commands(&text, end)
                    .map_err(|problem| CliError::Invalid(format!("{label}: {problem}")))?;
                (commands, label)
            }
        };
        Ok(Loaded {
            scenario,
            commands,
            commands_path,
        })
    }

    fn simulation(&self, seed: u64, retention: TraceRetention) -> Result<Simulation, CliError> {
        Simulation::new(&self.scenario, seed, retention)
            .map_err(|error| CliError::Invalid(format!("scenario: {error}")))
    }

    fn drive_error(&self, error: DriveError) -> CliError {
        match error {
            DriveError::Output(error) => CliError::from(error),
            DriveError::StuckAtInstant(at) => {
                CliError::Invalid(CommandError::StuckAtInstant(at).to_string())
            }
            DriveError::EventBudget { max_events, at } => CliError::Invalid(format!(
                "--max-events: the run took all {max_events} events by t = {:.6} s; raise \
                 --max-events or shorten --duration",
                at.as_secs_f64()
            )),
            DriveError::Command { index, error } => {
                let at = self
                    .commands
                    .get(index)
                    .map_or(0, |timed| timed.at.as_micros());
                CliError::Invalid(format!(
                    "{}: commands[{index}] (at {at} us): {error}",
                    self.commands_path
                ))
            }
        }
    }
}

/// Reads a scenario from a file (errors name the file, then the field) or a preset.
pub fn load_scenario(source: &ScenarioSource) -> Result<Scenario, String> {
    match source {
        ScenarioSource::Preset(id) => presets::by_id(id).ok_or_else(|| {
            let ids: Vec<&str> = presets::ALL.iter().map(|preset| preset.id).collect();
            format!(
                "no preset is named {id:?}; the presets are: {}",
                ids.join(", ")
            )
        }),
        ScenarioSource::File(path) => {
            let text = read_input(path)?;
            Scenario::from_json(&text).map_err(|error| format!("{}: {error}", input_label(path)))
        }
    }
}

/// Parses a JSON array of timed commands and checks they are in time order and within the run.
pub fn parse_commands(text: &str, end: SimTime) -> Result<Vec<TimedCommand>, String> {
    let commands: Vec<TimedCommand> = cascade_sim::scenario::read_json(text).map_err(|error| {
        if error.path.starts_with('[') {
            // A problem inside one command: say which, by its path.
            format!("commands{}: {}", error.path, error.problem)
        } else {
            format!("expected a JSON array of commands like [{{\"at\": 2000000, \"command\": \"kill\", \"node\": \"Payments\"}}]: {}", error.problem)
        }
    })?;
    let mut previous = SimTime::ZERO;
    for (index, timed) in commands.iter().enumerate() {
        if timed.at < previous {
            return Err(format!(
                "commands[{index}].at: {} us is earlier than the command before it; \
                 list commands in time order",
                timed.at.as_micros()
            ));
        }
        if timed.at > end {
            return Err(format!(
                "commands[{index}].at: {} us is after the end of the run ({}); \
                 raise --duration or remove the command",
                timed.at.as_micros(),
                format_duration(end.since(SimTime::ZERO))
            ));
        }
        previous = timed.at;
    }
    Ok(commands)
}

/// How messages name an input: its path, or "standard input" for `-`.
pub(crate) fn input_label(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "standard input".to_string()
    } else {
        path.display().to_string()
    }
}

/// Reads a whole file, or standard input for `-`; the error names the file.
pub(crate) fn read_input(path: &Path) -> Result<String, String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        io::stdin()
            .read_to_string(&mut text)
            .map_err(|error| format!("standard input: cannot read: {error}"))?;
        return Ok(text);
    }
    std::fs::read_to_string(path)
        .map_err(|error| format!("{}: cannot read: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_sim::Command;

    fn kill_payments_at(at: SimTime) -> TimedCommand {
        TimedCommand {
            at,
            command: Command::Kill {
                node: "Payments".into(),
            },
        }
    }

    #[test]
    fn a_preset_prints_as_a_scenario_file_that_reads_back() {
        let mut out = Vec::new();
        execute(&Invocation::Preset("poison-message".into()), &mut out).expect("prints");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(
            Scenario::from_json(&text).expect("a valid scenario file"),
            presets::poison_message()
        );
        let error = execute(&Invocation::Preset("nope".into()), &mut Vec::new())
            .expect_err("no such preset");
        assert!(error.to_string().contains("no preset is named"), "{error}");
    }

    #[test]
    fn driving_in_slices_matches_replay_exactly() {
        let scenario = presets::checkout();
        let commands = [
            kill_payments_at(SimTime::from_millis(1_234)),
            TimedCommand {
                at: SimTime::from_millis(1_234),
                command: Command::SetLinkKind {
                    link: 1,
                    kind: cascade_sim::LinkKind::Async,
                },
            },
            TimedCommand {
                at: SimTime::from_secs(3),
                command: Command::Revive {
                    node: "Payments".into(),
                },
            },
        ];
        let end = SimTime::from_secs(5);
        let mut replayed = Simulation::new(&scenario, 9, TraceRetention::HashOnly).expect("valid");
        replayed.replay(&commands, end).expect("the commands apply");
        let mut driven = Simulation::new(&scenario, 9, TraceRetention::Everything).expect("valid");
        let mut streamed = 0;
        let plan = Plan {
            commands: &commands,
            end,
            warmup_end: None,
            max_events: u64::MAX,
        };
        drive(&mut driven, &plan, |events| {
            streamed += events.len() as u64;
            Ok(())
        })
        .expect("the commands apply");
        assert_eq!(driven.trace().hash(), replayed.trace().hash());
        assert_eq!(driven.events_processed(), replayed.events_processed());
        assert_eq!(driven.now(), end);
        assert_eq!(
            streamed,
            driven.trace().count(),
            "every event was handed out"
        );
        assert_eq!(driven.trace().events().count(), 0, "nothing left behind");
    }

    #[test]
    fn a_quiet_stretch_is_one_slice() {
        // A few requests at the start and none after: ten thousand quiet hours.
        let scenario: Scenario = serde_json::from_str(
            r#"{"clients": [{"name": "U", "rate_per_second": 0, "arrival": "constant",
                    "spikes": [{"at_ms": 0, "duration_ms": 500, "rate_per_second": 4}]}],
                "services": [{"name": "A"}], "links": [{"from": "U", "to": "A"}]}"#,
        )
        .expect("a scenario");
        let mut simulation =
            Simulation::new(&scenario, 1, TraceRetention::HashOnly).expect("valid");
        let end = SimTime::from_secs(10_000 * 3_600);
        let mut slices = 0;
        run_to(&mut simulation, end, u64::MAX, &mut |_| {
            slices += 1;
            Ok(())
        })
        .expect("runs");
        assert_eq!(simulation.now(), end);
        assert!(simulation.events_processed() > 0);
        assert!(slices < 10, "{slices} slices");
    }

    #[test]
    fn the_rebuilt_latency_histogram_matches_the_engine() {
        let spec = RunSpec {
            source: ScenarioSource::Preset("checkout".into()),
            seed: 3,
            duration: SimDuration::from_secs(4),
            commands: None,
            rate_per_second: None,
            max_events: args::DEFAULT_MAX_EVENTS,
        };
        let report = run(&spec, SimDuration::ZERO).expect("the preset runs");
        let mut simulation =
            Simulation::new(&presets::checkout(), 3, TraceRetention::HashOnly).expect("valid");
        simulation.run_until(SimTime::from_secs(4), u64::MAX);
        let users = simulation
            .node_by_name("Users")
            .expect("the preset has Users");
        let engine = &users.client_metrics.latency;
        let end = &report.end_to_end;
        assert!(end.succeeded > 50);
        assert_eq!(end.succeeded, engine.count());
        assert_eq!(end.latency_ms_p50, engine.quantile_ms(0.5));
        assert_eq!(end.latency_ms_p99, engine.quantile_ms(0.99));
        assert_eq!(end.latency_ms_max, engine.max_ms());
        assert_eq!(
            report.trace_hash,
            format!("0x{:016x}", simulation.trace().hash())
        );
    }

    #[test]
    fn commands_must_be_in_order_and_inside_the_run() {
        let end = SimTime::from_secs(10);
        let parsed = parse_commands(
            r#"[{"at": 2000000, "command": "kill", "node": "Payments"},
                {"at": 2000000, "command": "revive", "node": "Payments"}]"#,
            end,
        );
        assert_eq!(parsed.map(|commands| commands.len()), Ok(2));
        let cases = [
            (r#"{"at": 1}"#, "expected a JSON array"),
            (r#"[{"at": 1, "command": "explode"}]"#, "unknown variant"),
            (
                r#"[{"at": 5, "command": "kill", "node": "A"}, {"at": 4, "command": "kill", "node": "B"}]"#,
                "commands[1].at: 4 us is earlier",
            ),
            (
                r#"[{"at": 10000001, "command": "kill", "node": "A"}]"#,
                "after the end of the run (10s)",
            ),
        ];
        for (text, expected) in cases {
            match parse_commands(text, end) {
                Err(message) => assert!(message.contains(expected), "{message}"),
                Ok(commands) => panic!("{text} parsed as {commands:?}"),
            }
        }
    }

    #[test]
    fn a_command_the_engine_refuses_names_its_position() {
        let invocation = args::parse(["run", "--preset", "nope"]).expect("parses");
        let error = execute(&invocation, &mut Vec::new()).expect_err("no such preset");
        assert_eq!(error.exit_code(), 2);
        assert!(error.to_string().contains("no preset is named \"nope\""));

        let loaded = Loaded {
            scenario: presets::checkout(),
            commands: vec![kill_payments_at(SimTime::from_secs(1)); 2],
            commands_path: "faults.json".into(),
        };
        let mut simulation = loaded
            .simulation(1, TraceRetention::Everything)
            .expect("valid");
        let plan = Plan {
            commands: &loaded.commands,
            end: SimTime::from_secs(2),
            warmup_end: None,
            max_events: u64::MAX,
        };
        let error =
            drive(&mut simulation, &plan, |_| Ok(())).expect_err("Payments cannot be killed twice");
        let message = loaded.drive_error(error).to_string();
        assert!(
            message
                .starts_with("faults.json: commands[1] (at 1000000 us): \"Payments\" is already"),
            "{message}"
        );
    }

    #[test]
    fn a_closed_pipe_is_a_quiet_stop() {
        let closed = CliError::from(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(matches!(closed, CliError::OutputClosed));
        assert_eq!(closed.exit_code(), 0);
        let full = CliError::from(io::Error::other("disk full"));
        assert_eq!(full.exit_code(), 2);
    }
}
