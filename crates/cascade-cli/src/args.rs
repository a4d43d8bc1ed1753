//! Command-line arguments, read by `clap` (derive) and turned into a plain [`Invocation`].
//!
//! Help comes per subcommand (`cascade run --help`, `cascade help trace`), completions from
//! [`clap_complete`] (`cascade completions bash`). Everything a user can get wrong comes back
//! as one line in clap's words, naming the option and the value:
//! `invalid value 'soon' for '--duration <TIME>': not a duration; use e.g. 500ms, 60s, 2m, 1h`.

use cascade_sim::SimDuration;
use clap::error::ErrorKind;
use clap::{ArgGroup, Args, CommandFactory, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;
use std::ffi::OsString;
use std::path::PathBuf;

/// The default seed: the playground's, so a run here matches what the browser shows.
pub const DEFAULT_SEED: u64 = 1;
/// How long `run` simulates when no `--duration` is given.
pub const DEFAULT_RUN_DURATION: SimDuration = SimDuration::from_secs(60);
/// The event budget of a run when no `--max-events` is given: about two minutes of this
/// machine's time, far more than any scenario needs for an hour at its limits.
pub const DEFAULT_MAX_EVENTS: u64 = 1_000_000_000;
/// How long `trace` simulates when no `--duration` is given (its output is large).
pub const DEFAULT_TRACE_DURATION: SimDuration = SimDuration::from_secs(10);

/// What the user asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invocation {
    /// Print this text as it is: the usage (no arguments, `--help`, `help`) or the version.
    Print(String),
    /// List the built-in scenarios.
    Presets,
    /// Print one built-in scenario as a scenario file.
    Preset(String),
    /// Run and print a metrics summary.
    Run(RunOptions),
    /// Run and stream the trace as JSON lines.
    Trace(TraceOptions),
    /// Print the completion script for a shell.
    Completions(Shell),
    /// Validate a scenario or story file.
    Check(PathBuf),
    /// List the built-in stories.
    Stories,
    /// Print one built-in story as a story file.
    StoryFile(String),
    /// Run a story's steps and print what each shows.
    Story(StoryOptions),
}

/// Options of `cascade story`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoryOptions {
    /// The story: a file or a built-in story's id.
    pub source: ScenarioSource,
    /// Table or JSON.
    pub format: Format,
    /// The most engine events the whole story may take.
    pub max_events: u64,
}

/// Where the scenario comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioSource {
    /// A JSON file; `-` is standard input.
    File(PathBuf),
    /// A built-in preset id.
    Preset(String),
}

/// How `run` prints its summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for people.
    #[default]
    Table,
    /// One JSON object for programs.
    Json,
}

/// What both `run` and `trace` need to drive a simulation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunSpec {
    /// The scenario.
    pub source: ScenarioSource,
    /// The seed.
    pub seed: u64,
    /// Simulated time from 0 to the end of the run.
    pub duration: SimDuration,
    /// A JSON file of timed commands, if any.
    pub commands: Option<PathBuf>,
    /// Replaces the base rate of every open-loop load source.
    pub rate_per_second: Option<u32>,
    /// The most engine events the run may take (`--max-events`).
    pub max_events: u64,
}

/// Options of `cascade run`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// Scenario, seed, duration and commands.
    pub spec: RunSpec,
    /// The start of the run left out of every figure (zero for none).
    pub warmup: SimDuration,
    /// Table or JSON.
    pub format: Format,
}

/// Options of `cascade trace`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceOptions {
    /// Scenario, seed, duration and commands.
    pub spec: RunSpec,
}

const ABOUT: &str =
    "Run Cascade scenarios (a deterministic simulation of microservices) from the shell";

const AFTER_HELP: &str = "\
Errors print one line on stderr and exit with status 2; a reader that closes the output early
(`| head`) is not an error. `cascade help COMMAND` (or `cascade COMMAND --help`) describes each
command and its options.";

const RUN_AFTER_HELP: &str = "\
Throughput counts finished client requests per simulated second, goodput the successful ones.
Services report utilisation (busy worker time over capacity), the share of requests that waited
for a worker, and the time-averaged numbers waiting and in service; queues their time-averaged
depth and publish-to-ack times. Percentiles read at most 1% high.";

const COMMANDS_HELP: &str = "\
A JSON array of timed commands applied during the run, in time order, `at` in simulated
microseconds: [{\"at\": 2000000, \"command\": \"kill\", \"node\": \"Payments\"},
{\"at\": 4000000, \"command\": \"set_link_kind\", \"link\": 1, \"kind\": \"async\"}]";

const CHECK_AFTER_HELP: &str = "\
A file with a top-level \"story\" key is a story (docs/story-format.md), any other a scenario
(docs/scenario-format.md). A valid file prints one line starting with `ok:` and exits 0; an
invalid one prints the field's path and the problem on stderr and exits 2.";

const STORY_AFTER_HELP: &str = "\
Each step applies its commands, runs to its time and pauses there; the reader's action a step
asks for (`until`) counts as done when the next step begins, as in the playground. For each
step: its time, the start of its text, requests succeeded and failed so far and during the step,
busy threads per service, queue depth and dead letters, and every node's state.";

const COMPLETIONS_AFTER_HELP: &str = "\
Install, for example:
  bash: cascade completions bash > ~/.local/share/bash-completion/completions/cascade
  zsh:  cascade completions zsh > ~/.zfunc/_cascade   (with fpath+=~/.zfunc before compinit)
  fish: cascade completions fish > ~/.config/fish/completions/cascade.fish";

/// The command line as clap reads it. [`parse`] turns it into an [`Invocation`];
/// `Cli::command()` (from [`CommandFactory`]) is the whole interface, for completions.
#[derive(Debug, Parser)]
#[command(name = "cascade", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<CliCommand>,
}

#[derive(Debug, Subcommand)]
enum CliCommand {
    /// Run the scenario from time 0 and print a metrics summary
    ///
    /// The summary has figures end to end, per service, per link and per queue, with the seed
    /// and the trace hash that fingerprint the run.
    #[command(after_help = RUN_AFTER_HELP)]
    Run(RunArgs),
    /// Run the scenario and print every trace event as one JSON object per line
    Trace(TraceArgs),
    /// List the built-in scenarios; with a NAME, print that one as a scenario file
    ///
    /// The playground's "Import scenario" opens such a file, and its "Export scenario" writes
    /// the same format.
    Presets {
        /// The preset to print as a scenario file
        name: Option<String>,
    },
    /// Check that a scenario or story file is valid, naming the field of any mistake
    #[command(after_help = CHECK_AFTER_HELP)]
    Check {
        /// The scenario or story file (`-` reads standard input)
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// List the built-in stories (guided tours of the presets); with an ID, print that one
    /// as a story file
    Stories {
        /// The story to print as a story file
        id: Option<String>,
    },
    /// Run a story's steps headless and print the figures each step pauses at
    #[command(after_help = STORY_AFTER_HELP)]
    Story(StoryArgs),
    /// Print the completion script for a shell
    #[command(after_help = COMPLETIONS_AFTER_HELP)]
    Completions {
        /// The shell to complete for
        shell: Shell,
    },
}

/// What `run` and `trace` share: the scenario and how to drive it.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["scenario", "preset"])))]
struct SpecArgs {
    /// A scenario file as saved by the playground (`-` reads standard input)
    #[arg(value_name = "SCENARIO.json")]
    scenario: Option<PathBuf>,
    /// A built-in scenario instead of a file (see `cascade presets`)
    #[arg(long, value_name = "NAME")]
    preset: Option<String>,
    /// Seed of every random choice, decimal or 0x-hex; the same scenario, seed and commands
    /// always give the same trace hash
    #[arg(long, value_name = "N", default_value = "1", value_parser = parse_seed,
          allow_hyphen_values = true)]
    seed: u64,
    /// Timed commands applied during the run (see below)
    #[arg(long, value_name = "FILE", long_help = COMMANDS_HELP)]
    commands: Option<PathBuf>,
    /// Requests per second from every open-loop load source instead of the scenario's rate
    /// (spikes keep their own rates)
    #[arg(long, value_name = "N", value_parser = parse_rate, allow_hyphen_values = true)]
    rate: Option<u32>,
    /// Stop with an error after N engine events: a bound on the work of any run
    #[arg(long, value_name = "N", default_value = "1000000000", value_parser = parse_max_events,
          allow_hyphen_values = true)]
    max_events: u64,
}

#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    spec: SpecArgs,
    /// Simulated time to run: 500ms, 60s, 2m, 1h, 1.5s; a plain number is seconds
    #[arg(long, value_name = "TIME", default_value = "60s", value_parser = parse_duration,
          allow_hyphen_values = true)]
    duration: SimDuration,
    /// Leave the first TIME of the run out of every figure (the run itself is the same); it
    /// must be shorter than --duration
    #[arg(long, value_name = "TIME", value_parser = parse_duration, allow_hyphen_values = true)]
    warmup: Option<SimDuration>,
    /// How to print the summary: aligned text or one JSON object
    #[arg(long, value_name = "FORMAT", value_enum, default_value = "table")]
    format: Format,
}

#[derive(Debug, Args)]
struct TraceArgs {
    #[command(flatten)]
    spec: SpecArgs,
    /// Simulated time to run: 500ms, 60s, 2m, 1h, 1.5s; a plain number is seconds
    #[arg(long, value_name = "TIME", default_value = "10s", value_parser = parse_duration,
          allow_hyphen_values = true)]
    duration: SimDuration,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["story", "preset"])))]
struct StoryArgs {
    /// A story file (`-` reads standard input)
    #[arg(value_name = "STORY.json")]
    story: Option<PathBuf>,
    /// A built-in story instead of a file (see `cascade stories`)
    #[arg(long, value_name = "ID")]
    preset: Option<String>,
    /// How to print the steps: aligned text or one JSON object per step
    #[arg(long, value_name = "FORMAT", value_enum, default_value = "table")]
    format: Format,
    /// Stop with an error after N engine events: a bound on the work of the whole story
    #[arg(long, value_name = "N", default_value = "1000000000", value_parser = parse_max_events,
          allow_hyphen_values = true)]
    max_events: u64,
}

impl SpecArgs {
    fn into_spec(self, duration: SimDuration) -> RunSpec {
        let source = match (self.scenario, self.preset) {
            (_, Some(preset)) => ScenarioSource::Preset(preset),
            // The `source` group makes clap insist on exactly one of the two.
            (file, None) => ScenarioSource::File(file.unwrap_or_default()),
        };
        RunSpec {
            source,
            seed: self.seed,
            duration,
            commands: self.commands,
            rate_per_second: self.rate,
            max_events: self.max_events,
        }
    }
}

/// Parses the arguments after the program name. Help and the version come back as
/// [`Invocation::Print`]; a mistake as one line (without clap's `error: `, usage and tip
/// lines folded in).
pub fn parse<I, T>(args: I) -> Result<Invocation, String>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let with_name =
        std::iter::once(OsString::from("cascade")).chain(args.into_iter().map(Into::into));
    let cli = match Cli::try_parse_from(with_name) {
        Ok(cli) => cli,
        Err(error)
            if matches!(
                error.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            return Ok(Invocation::Print(error.render().to_string()));
        }
        Err(error) => return Err(one_line(&error)),
    };
    Ok(match cli.command {
        None => Invocation::Print(Cli::command().render_help().to_string()),
        Some(CliCommand::Presets { name: None }) => Invocation::Presets,
        Some(CliCommand::Presets { name: Some(name) }) => Invocation::Preset(name),
        Some(CliCommand::Completions { shell }) => Invocation::Completions(shell),
        Some(CliCommand::Check { file }) => Invocation::Check(file),
        Some(CliCommand::Stories { id: None }) => Invocation::Stories,
        Some(CliCommand::Stories { id: Some(id) }) => Invocation::StoryFile(id),
        Some(CliCommand::Story(story)) => Invocation::Story(StoryOptions {
            source: match (story.story, story.preset) {
                (_, Some(preset)) => ScenarioSource::Preset(preset),
                (file, None) => ScenarioSource::File(file.unwrap_or_default()),
            },
            format: story.format,
            max_events: story.max_events,
        }),
        Some(CliCommand::Trace(trace)) => Invocation::Trace(TraceOptions {
            spec: trace.spec.into_spec(trace.duration),
        }),
        Some(CliCommand::Run(run)) => {
            let spec = run.spec.into_spec(run.duration);
            let warmup = run.warmup.unwrap_or(SimDuration::ZERO);
            if warmup >= spec.duration {
                return Err(format!(
                    "--warmup: {} must be shorter than the run ({})",
                    format_duration(warmup),
                    format_duration(spec.duration)
                ));
            }
            Invocation::Run(RunOptions {
                spec,
                warmup,
                format: run.format,
            })
        }
    })
}

/// Writes the completion script for `shell` to `out`.
pub fn write_completions(shell: Shell, out: &mut dyn std::io::Write) {
    clap_complete::generate(shell, &mut Cli::command(), "cascade", out);
}

/// clap's message on one line: the `error: ` prefix, the usage and the closing pointer to
/// `--help` left out, a tip kept after a semicolon, lines of a list joined with spaces.
fn one_line(error: &clap::Error) -> String {
    let text = error.render().to_string();
    let parts: Vec<String> = text
        .split("\n\n")
        .map(str::trim)
        .filter(|part| {
            !part.is_empty()
                && !part.starts_with("Usage:")
                && !part.starts_with("For more information")
        })
        .map(|part| part.lines().map(str::trim).collect::<Vec<_>>().join(" "))
        .collect();
    let message = parts.join("; ");
    message
        .strip_prefix("error: ")
        .unwrap_or(&message)
        .to_string()
}

/// Parses `--rate`: a whole number of requests per second.
fn parse_rate(text: &str) -> Result<u32, String> {
    text.parse::<u32>()
        .map_err(|_| "not a whole number of requests per second".to_string())
}

/// Parses `--max-events`: a whole number above 0.
fn parse_max_events(text: &str) -> Result<u64, String> {
    text.parse::<u64>()
        .ok()
        .filter(|events| *events > 0)
        .ok_or_else(|| "not a whole number above 0".to_string())
}

/// Parses a seed: a decimal or `0x`-prefixed hexadecimal `u64`.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse::<u64>(),
    };
    parsed.map_err(|_| {
        "not a seed; use a whole number from 0 to 2^64-1, decimal or 0x-hex".to_string()
    })
}

/// Parses a simulated duration: a number with an optional fraction and an optional unit
/// (`us`, `ms`, `s`, `m`, `h`; none means seconds), e.g. `500ms`, `60s`, `1.5m`, `2`.
/// The result is exact in microseconds (digits below a microsecond are refused) and positive.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let invalid = || "not a duration; use e.g. 500ms, 60s, 2m, 1h".to_string();
    let number_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(number_end);
    let unit_us: u64 = match unit {
        "us" => 1,
        "ms" => 1_000,
        "" | "s" => 1_000_000,
        "m" => 60_000_000,
        "h" => 3_600_000_000,
        _ => return Err(invalid()),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if (whole.is_empty() && fraction.is_empty())
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || number.ends_with('.')
    {
        return Err(invalid());
    }
    let too_long = || "too long to simulate".to_string();
    let whole_us = if whole.is_empty() {
        0
    } else {
        whole
            .parse::<u64>()
            .ok()
            .and_then(|value| value.checked_mul(unit_us))
            .ok_or_else(too_long)?
    };
    // The fraction in microseconds: fraction * unit / 10^digits, which must come out whole.
    let mut fraction_us: u128 = 0;
    if !fraction.is_empty() {
        let digits = u32::try_from(fraction.len()).map_err(|_| invalid())?;
        let scale = 10u128.checked_pow(digits).ok_or_else(invalid)?;
        let numerator = fraction
            .parse::<u128>()
            .ok()
            .and_then(|value| value.checked_mul(u128::from(unit_us)))
            .ok_or_else(invalid)?;
        if numerator % scale != 0 {
            return Err("finer than a microsecond, the simulation's resolution".to_string());
        }
        fraction_us = numerator / scale;
    }
    let total_us = u64::try_from(fraction_us)
        .ok()
        .and_then(|fraction_us| whole_us.checked_add(fraction_us))
        .ok_or_else(too_long)?;
    if total_us == 0 {
        return Err("the duration must be greater than 0".to_string());
    }
    Ok(SimDuration::from_micros(total_us))
}

/// Formats a duration the way [`parse_duration`] reads it, in the largest exact unit.
pub fn format_duration(duration: SimDuration) -> String {
    let micros = duration.as_micros();
    for (unit, unit_us) in [
        ("h", 3_600_000_000),
        ("m", 60_000_000),
        ("s", 1_000_000),
        ("ms", 1_000),
    ] {
        if micros >= unit_us && micros % unit_us == 0 {
            return format!("{}{unit}", micros / unit_us);
        }
    }
    format!("{micros}us")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Invocation, String> {
        parse(text.split_whitespace())
    }

    fn printed(text: &str) -> String {
        match parse_text(text) {
            Ok(Invocation::Print(printed)) => printed,
            other => panic!("{text:?} gave {other:?}, expected text to print"),
        }
    }

    fn preset_spec(duration: SimDuration) -> RunSpec {
        RunSpec {
            source: ScenarioSource::Preset("checkout".into()),
            seed: DEFAULT_SEED,
            duration,
            commands: None,
            rate_per_second: None,
            max_events: DEFAULT_MAX_EVENTS,
        }
    }

    #[test]
    fn no_arguments_and_help_print_the_usage() {
        for text in ["", "-h", "--help", "help"] {
            let usage = printed(text);
            assert!(usage.starts_with(ABOUT), "{text:?}: {usage}");
            for command in [
                "run",
                "trace",
                "presets",
                "check",
                "stories",
                "story",
                "completions",
            ] {
                assert!(
                    usage.contains(&format!("\n  {command} ")),
                    "{text:?}: {usage}"
                );
            }
        }
        assert_eq!(
            printed("--version"),
            format!("cascade {}\n", env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn each_command_has_its_own_help() {
        for text in ["run --help", "help run", "run -h"] {
            let help = printed(text);
            assert!(help.contains("Usage: cascade run "), "{text:?}: {help}");
            for option in [
                "--preset <NAME>",
                "--seed <N>",
                "--warmup <TIME>",
                "--format <FORMAT>",
            ] {
                assert!(help.contains(option), "{text:?} lacks {option}: {help}");
            }
        }
        let run = printed("run --help");
        assert!(
            run.contains("[default: 60s]") && run.contains("Throughput counts"),
            "{run}"
        );
        let trace = printed("trace --help");
        assert!(trace.contains("Usage: cascade trace ") && trace.contains("[default: 10s]"));
        assert!(
            !trace.contains("--warmup") && !trace.contains("--format"),
            "{trace}"
        );
        assert!(printed("presets -h").contains("Usage: cascade presets [NAME]"));
        let completions = printed("help completions");
        assert!(
            completions.contains("bash, elvish, fish, powershell, zsh"),
            "{completions}"
        );
        assert!(
            completions.contains("cascade completions bash >"),
            "{completions}"
        );
    }

    #[test]
    fn run_with_a_preset_uses_the_defaults() {
        assert_eq!(
            parse_text("run --preset checkout"),
            Ok(Invocation::Run(RunOptions {
                spec: preset_spec(DEFAULT_RUN_DURATION),
                warmup: SimDuration::ZERO,
                format: Format::Table,
            }))
        );
        assert_eq!(
            parse_text("trace --preset checkout"),
            Ok(Invocation::Trace(TraceOptions {
                spec: preset_spec(DEFAULT_TRACE_DURATION),
            }))
        );
        assert_eq!(parse_text("presets"), Ok(Invocation::Presets));
        assert_eq!(
            parse_text("presets checkout"),
            Ok(Invocation::Preset("checkout".into()))
        );
        assert_eq!(
            parse_text("completions bash"),
            Ok(Invocation::Completions(Shell::Bash))
        );
    }

    #[test]
    fn every_option_is_read_in_either_spelling() {
        let expected = Invocation::Run(RunOptions {
            spec: RunSpec {
                source: ScenarioSource::File("shop.json".into()),
                seed: 42,
                duration: SimDuration::from_millis(500),
                commands: Some("faults.json".into()),
                rate_per_second: Some(7),
                max_events: 99,
            },
            warmup: SimDuration::from_millis(100),
            format: Format::Json,
        });
        assert_eq!(
            parse_text(
                "run shop.json --seed 42 --duration 500ms --commands faults.json --warmup 100ms \
                 --format json --rate 7 --max-events 99"
            ),
            Ok(expected.clone())
        );
        assert_eq!(
            parse_text(
                "run --seed=0x2a --format=json --duration=0.5s --warmup=0.1s --rate=7 \
                 --max-events=99 --commands=faults.json shop.json"
            ),
            Ok(expected)
        );
        let Ok(Invocation::Trace(trace)) = parse_text("trace -- -odd-name.json") else {
            panic!("`--` should end the options");
        };
        assert_eq!(
            trace.spec.source,
            ScenarioSource::File("-odd-name.json".into())
        );
        let Ok(Invocation::Run(stdin)) = parse_text("run -") else {
            panic!("`-` is standard input");
        };
        assert_eq!(stdin.spec.source, ScenarioSource::File("-".into()));
    }

    #[test]
    fn mistakes_name_the_option_and_the_value_in_one_line() {
        let cases = [
            ("frobnicate", "unrecognized subcommand 'frobnicate'"),
            ("--verbose", "unexpected argument '--verbose' found"),
            ("run --preset checkout --verbose", "unexpected argument '--verbose' found"),
            ("trace --preset checkout --format json", "unexpected argument '--format' found"),
            ("run --preset checkout --sed 3", "tip: a similar argument exists: '--seed'"),
            ("run --preset checkout --seed", "a value is required for '--seed <N>'"),
            (
                "run --preset checkout --seed -1",
                "invalid value '-1' for '--seed <N>': not a seed; use a whole number",
            ),
            (
                "run --preset checkout --seed 1 --seed 2",
                "the argument '--seed <N>' cannot be used multiple times",
            ),
            (
                "run --preset checkout --duration 5x",
                "invalid value '5x' for '--duration <TIME>': not a duration; use e.g. 500ms",
            ),
            (
                "run --preset checkout --duration 0",
                "invalid value '0' for '--duration <TIME>': the duration must be greater than 0",
            ),
            (
                "run --preset checkout --rate lots",
                "invalid value 'lots' for '--rate <N>': not a whole number of requests per second",
            ),
            (
                "run --preset checkout --max-events 0",
                "invalid value '0' for '--max-events <N>': not a whole number above 0",
            ),
            (
                "run --preset checkout --format yaml",
                "invalid value 'yaml' for '--format <FORMAT>' [possible values: table, json]",
            ),
            ("run a.json b.json", "unexpected argument 'b.json' found"),
            (
                "run a.json --preset checkout",
                "the argument '[SCENARIO.json]' cannot be used with '--preset <NAME>'",
            ),
            (
                "run --seed 3",
                "the following required arguments were not provided: <SCENARIO.json|--preset <NAME>>",
            ),
            ("presets a b", "unexpected argument 'b' found"),
            ("completions tcsh", "invalid value 'tcsh' for '<SHELL>'"),
            (
                "run --preset checkout --duration 5s --warmup 5s",
                "--warmup: 5s must be shorter than the run (5s)",
            ),
        ];
        for (text, expected) in cases {
            match parse_text(text) {
                Err(message) => assert!(
                    message.contains(expected)
                        && !message.contains('\n')
                        && !message.starts_with("error")
                        && !message.contains("Usage:"),
                    "{text:?} gave {message:?}, expected it to contain {expected:?}"
                ),
                Ok(invocation) => panic!("{text:?} parsed as {invocation:?}"),
            }
        }
    }

    #[test]
    fn the_bash_completions_know_every_command_and_option() {
        let mut script = Vec::new();
        write_completions(Shell::Bash, &mut script);
        let script = String::from_utf8(script).expect("UTF-8");
        assert!(script.contains("_cascade()"), "{script}");
        for word in [
            "run",
            "trace",
            "presets",
            "completions",
            "--preset",
            "--warmup",
            "--max-events",
        ] {
            assert!(script.contains(word), "{word} is not completed");
        }
        assert!(
            script.contains("table json"),
            "--format's values are completed"
        );
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_accept_units_fractions_and_plain_seconds() {
        let cases = [
            ("500ms", 500_000),
            ("60s", 60_000_000),
            ("2m", 120_000_000),
            ("1h", 3_600_000_000),
            ("5", 5_000_000),
            ("1.5s", 1_500_000),
            ("0.25m", 15_000_000),
            (".5s", 500_000),
            ("250us", 250),
            ("1.5ms", 1_500),
        ];
        for (text, micros) in cases {
            assert_eq!(
                parse_duration(text),
                Ok(SimDuration::from_micros(micros)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn durations_refuse_nonsense_zero_and_overflow() {
        for text in [
            "",
            "s",
            "ms",
            "5x",
            "5 s",
            "-5s",
            "1.2.3s",
            "5.s",
            "1e3",
            "0",
            "0ms",
            "0.0s",
            "1.0005ms",
            "99999999999999999999h",
            "9999999999999h",
        ] {
            assert!(parse_duration(text).is_err(), "{text:?} should be refused");
        }
    }

    #[test]
    fn seeds_are_decimal_or_hex() {
        assert_eq!(parse_seed("7"), Ok(7));
        assert_eq!(parse_seed("0xFF"), Ok(255));
        assert_eq!(parse_seed("18446744073709551615"), Ok(u64::MAX));
        for text in ["", "x", "1.5", "0x", "18446744073709551616", "-3"] {
            assert!(parse_seed(text).is_err(), "{text:?} should be refused");
        }
    }

    #[test]
    fn formatted_durations_read_back() {
        for micros in [
            1,
            250,
            500_000,
            1_500_000,
            60_000_000,
            90_000_000,
            7_200_000_000,
        ] {
            let duration = SimDuration::from_micros(micros);
            assert_eq!(
                parse_duration(&format_duration(duration)),
                Ok(duration),
                "{}",
                format_duration(duration)
            );
        }
        assert_eq!(format_duration(SimDuration::from_secs(60)), "1m");
        assert_eq!(format_duration(SimDuration::from_millis(1_500)), "1500ms");
    }
}
