//! Command-line arguments turned into a plain [`Invocation`], parsed by hand. Everything a user
//! can get wrong here comes back as a one-line message that names the option and the value.

use cascade_sim::SimDuration;
use std::path::PathBuf;

/// The usage text for `--help`, `-h` and no arguments.
pub const USAGE: &str = "\
cascade: run Cascade scenarios (a deterministic simulation of microservices) from the shell

Usage:
  cascade run   (SCENARIO.json | --preset NAME) [--seed N] [--duration 60s] [--commands FILE] [--rate N]
                [--max-events N] [--warmup TIME] [--format table|json]
  cascade trace (SCENARIO.json | --preset NAME) [--seed N] [--duration 10s] [--commands FILE]
                [--max-events N]
  cascade presets [NAME]
  cascade --help

Commands:
  run      Run the scenario from time 0 and print a metrics summary: end to end, per service,
           per link, per queue, with the seed and the trace hash that fingerprint the run.
  trace    Run the scenario and print every trace event as one JSON object per line.
  presets  List the built-in scenarios; with a NAME, print that one as a scenario file (the
           playground's \"Import scenario\" opens it, and its \"Export scenario\" writes the same format).

Options:
  SCENARIO.json        A scenario file as saved by the playground (`-` reads standard input).
  --preset NAME        A built-in scenario instead of a file (see `cascade presets`).
  --rate N             Send N requests per second from every open-loop load source instead of
                       the scenario's rate (spikes keep their own rates).
  --seed N             Seed of every random choice, decimal or 0x-hex (default 1). The same
                       scenario, seed and commands always give the same trace hash.
  --duration TIME      Simulated time to run: 500ms, 60s, 2m, 1h, 1.5s; a plain number is
                       seconds (default 60s for run, 10s for trace).
  --commands FILE      A JSON array of timed commands applied during the run, in time order:
                       [{\"at\": 2000000, \"command\": \"kill\", \"node\": \"Payments\"},
                        {\"at\": 9000000, \"command\": \"revive\", \"node\": \"Payments\"},
                        {\"at\": 4000000, \"command\": \"set_link_kind\", \"link\": 1, \"kind\": \"async\"}]
                       (`at` is in simulated microseconds).
  --max-events N       Stop with an error after N engine events (default 1000000000): a bound on
                       the work of any run, whatever the scenario.
  --warmup TIME        run only: leave the first TIME of the run out of every figure (the run
                       itself is the same); it must be shorter than --duration.
  --format FORMAT      run only: `table` (default, aligned text) or `json` (one object).

Throughput counts finished client requests per simulated second, goodput the successful ones.
Services report utilisation (busy worker time over capacity), the share of requests that waited
for a worker, and the time-averaged numbers waiting and in service; queues their time-averaged
depth and publish-to-ack times. Percentiles read at most 1% high. Errors print one line on stderr
and exit with status 2.
";

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
    /// Print the usage text.
    Help,
    /// List the built-in scenarios.
    Presets,
    /// Print one built-in scenario as a scenario file.
    Preset(String),
    /// Run and print a metrics summary.
    Run(RunOptions),
    /// Run and stream the trace as JSON lines.
    Trace(TraceOptions),
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Invocation, String> {
    let Some((command, rest)) = args.split_first() else {
        return Ok(Invocation::Help);
    };
    match command.as_str() {
        "-h" | "--help" | "help" => Ok(Invocation::Help),
        "presets" => match rest {
            [] => Ok(Invocation::Presets),
            [flag, ..] if is_help(flag) => Ok(Invocation::Help),
            [name] if !name.starts_with('-') => Ok(Invocation::Preset(name.clone())),
            [extra, ..] => Err(format!(
                "`presets` takes at most one preset name, got {extra:?}; see `cascade --help`"
            )),
        },
        "run" => parse_run_or_trace("run", rest),
        "trace" => parse_run_or_trace("trace", rest),
        other if other.starts_with('-') => Err(format!(
            "unknown option {other:?}; the first argument is a command (run, trace, presets); \
             see `cascade --help`"
        )),
        other => Err(format!(
            "unknown command {other:?}; expected run, trace or presets; see `cascade --help`"
        )),
    }
}

fn is_help(arg: &str) -> bool {
    arg == "-h" || arg == "--help"
}

fn parse_run_or_trace(command: &str, args: &[String]) -> Result<Invocation, String> {
    let is_run = command == "run";
    let mut file: Option<PathBuf> = None;
    let mut preset: Option<String> = None;
    let mut seed: Option<u64> = None;
    let mut duration: Option<SimDuration> = None;
    let mut commands: Option<PathBuf> = None;
    let mut rate: Option<u32> = None;
    let mut max_events: Option<u64> = None;
    let mut format: Option<Format> = None;
    let mut warmup: Option<SimDuration> = None;
    let mut options_ended = false;
    let mut remaining = args.iter();
    while let Some(arg) = remaining.next() {
        let is_option = !options_ended && arg.starts_with('-') && arg != "-";
        if !is_option {
            if let Some(first) = &file {
                return Err(format!(
                    "`{command}` takes one scenario file, got {:?} and {arg:?}",
                    first.display()
                ));
            }
            file = Some(PathBuf::from(arg));
            continue;
        }
        if arg == "--" {
            options_ended = true;
            continue;
        }
        if is_help(arg) {
            return Ok(Invocation::Help);
        }
        // `--name=value` or `--name value`.
        let (name, inline_value) = match arg.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (arg.as_str(), None),
        };
        let known = matches!(
            name,
            "--preset" | "--seed" | "--duration" | "--commands" | "--rate" | "--max-events"
        ) || (is_run && matches!(name, "--format" | "--warmup"));
        if !known {
            return Err(format!(
                "unknown option {name:?} for `{command}`; see `cascade --help`"
            ));
        }
        let value = match inline_value {
            Some(value) => value,
            None => remaining
                .next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value; see `cascade --help`"))?,
        };
        let given_twice = || format!("{name} is given twice");
        match name {
            "--preset" => set_once(&mut preset, value, given_twice)?,
            "--seed" => set_once(
                &mut seed,
                parse_seed(&value).map_err(|problem| format!("{name}: {problem}"))?,
                given_twice,
            )?,
            "--duration" => set_once(
                &mut duration,
                parse_duration(&value).map_err(|problem| format!("{name}: {problem}"))?,
                given_twice,
            )?,
            "--commands" => set_once(&mut commands, PathBuf::from(value), given_twice)?,
            "--rate" => set_once(
                &mut rate,
                value.parse::<u32>().map_err(|_| {
                    format!("{name}: {value:?} is not a whole number of requests per second")
                })?,
                given_twice,
            )?,
            "--max-events" => set_once(
                &mut max_events,
                value
                    .parse::<u64>()
                    .ok()
                    .filter(|events| *events > 0)
                    .ok_or_else(|| format!("{name}: {value:?} is not a whole number above 0"))?,
                given_twice,
            )?,
            "--warmup" => set_once(
                &mut warmup,
                parse_duration(&value).map_err(|problem| format!("{name}: {problem}"))?,
                given_twice,
            )?,
            "--format" => set_once(
                &mut format,
                parse_format(&value).map_err(|problem| format!("{name}: {problem}"))?,
                given_twice,
            )?,
            _ => unreachable!("option names were checked above"),
        }
    }
    let source = match (file, preset) {
        (Some(file), None) => ScenarioSource::File(file),
        (None, Some(preset)) => ScenarioSource::Preset(preset),
        (Some(file), Some(preset)) => {
            return Err(format!(
                "give a scenario file or --preset, not both (got {:?} and --preset {preset})",
                file.display()
            ))
        }
        (None, None) => {
            return Err(format!(
                "`{command}` needs a scenario file or --preset NAME; see `cascade presets`"
            ))
        }
    };
    let default_duration = if is_run {
        DEFAULT_RUN_DURATION
    } else {
        DEFAULT_TRACE_DURATION
    };
    let spec = RunSpec {
        source,
        seed: seed.unwrap_or(DEFAULT_SEED),
        duration: duration.unwrap_or(default_duration),
        commands,
        rate_per_second: rate,
        max_events: max_events.unwrap_or(DEFAULT_MAX_EVENTS),
    };
    let warmup = warmup.unwrap_or(SimDuration::ZERO);
    if warmup >= spec.duration {
        return Err(format!(
            "--warmup: {} must be shorter than the run ({})",
            format_duration(warmup),
            format_duration(spec.duration)
        ));
    }
    Ok(if is_run {
        Invocation::Run(RunOptions {
            spec,
            warmup,
            format: format.unwrap_or_default(),
        })
    } else {
        Invocation::Trace(TraceOptions { spec })
    })
}

fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    given_twice: impl FnOnce() -> String,
) -> Result<(), String> {
    if slot.is_some() {
        return Err(given_twice());
    }
    *slot = Some(value);
    Ok(())
}

/// Parses `table` or `json`.
pub fn parse_format(text: &str) -> Result<Format, String> {
    match text {
        "table" => Ok(Format::Table),
        "json" => Ok(Format::Json),
        other => Err(format!("{other:?} is not a format; use table or json")),
    }
}

/// Parses a seed: a decimal or `0x`-prefixed hexadecimal `u64`.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse::<u64>(),
    };
    parsed.map_err(|_| {
        format!("{text:?} is not a seed; use a whole number from 0 to 2^64-1, decimal or 0x-hex")
    })
}

/// Parses a simulated duration: a number with an optional fraction and an optional unit
/// (`us`, `ms`, `s`, `m`, `h`; none means seconds), e.g. `500ms`, `60s`, `1.5m`, `2`.
/// The result is exact in microseconds (digits below a microsecond are refused) and positive.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let invalid = || format!("{text:?} is not a duration; use e.g. 500ms, 60s, 2m, 1h");
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
    let too_long = || format!("{text:?} is too long to simulate");
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
            return Err(format!(
                "{text:?} is finer than a microsecond, the simulation's resolution"
            ));
        }
        fraction_us = numerator / scale;
    }
    let total_us = u64::try_from(fraction_us)
        .ok()
        .and_then(|fraction_us| whole_us.checked_add(fraction_us))
        .ok_or_else(too_long)?;
    if total_us == 0 {
        return Err(format!("{text:?}: the duration must be greater than 0"));
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

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
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
    fn no_arguments_and_help_flags_ask_for_usage() {
        for text in [
            "",
            "-h",
            "--help",
            "help",
            "run --help",
            "trace -h",
            "presets --help",
        ] {
            assert_eq!(parse(&args(text)), Ok(Invocation::Help), "{text:?}");
        }
    }

    #[test]
    fn run_with_a_preset_uses_the_defaults() {
        assert_eq!(
            parse(&args("run --preset checkout")),
            Ok(Invocation::Run(RunOptions {
                spec: preset_spec(DEFAULT_RUN_DURATION),
                warmup: SimDuration::ZERO,
                format: Format::Table,
            }))
        );
        assert_eq!(
            parse(&args("trace --preset checkout")),
            Ok(Invocation::Trace(TraceOptions {
                spec: preset_spec(DEFAULT_TRACE_DURATION),
            }))
        );
        assert_eq!(parse(&args("presets")), Ok(Invocation::Presets));
        assert_eq!(
            parse(&args("presets checkout")),
            Ok(Invocation::Preset("checkout".into()))
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
                rate_per_second: None,
                max_events: DEFAULT_MAX_EVENTS,
            },
            warmup: SimDuration::from_millis(100),
            format: Format::Json,
        });
        assert_eq!(
            parse(&args(
                "run shop.json --seed 42 --duration 500ms --commands faults.json --warmup 100ms --format json"
            )),
            Ok(expected.clone())
        );
        assert_eq!(
            parse(&args(
                "run --seed=0x2a --format=json --duration=0.5s --warmup=0.1s --commands=faults.json shop.json"
            )),
            Ok(expected)
        );
        let Ok(Invocation::Trace(trace)) = parse(&args("trace -- -odd-name.json")) else {
            panic!("`--` should end the options");
        };
        assert_eq!(
            trace.spec.source,
            ScenarioSource::File("-odd-name.json".into())
        );
        let Ok(Invocation::Run(stdin)) = parse(&args("run -")) else {
            panic!("`-` is standard input");
        };
        assert_eq!(stdin.spec.source, ScenarioSource::File("-".into()));
    }

    #[test]
    fn mistakes_name_the_option_and_the_value() {
        let cases = [
            ("frobnicate", "unknown command \"frobnicate\""),
            ("--verbose", "unknown option \"--verbose\""),
            (
                "run --preset checkout --verbose",
                "unknown option \"--verbose\" for `run`",
            ),
            (
                "trace --preset checkout --format json",
                "unknown option \"--format\" for `trace`",
            ),
            ("run --preset checkout --seed", "--seed needs a value"),
            (
                "run --preset checkout --seed -1",
                "--seed: \"-1\" is not a seed",
            ),
            (
                "run --preset checkout --seed 1 --seed 2",
                "--seed is given twice",
            ),
            (
                "run --preset checkout --duration 5x",
                "--duration: \"5x\" is not a duration",
            ),
            (
                "run --preset checkout --format yaml",
                "--format: \"yaml\" is not a format",
            ),
            (
                "run a.json b.json",
                "takes one scenario file, got \"a.json\" and \"b.json\"",
            ),
            ("run a.json --preset checkout", "not both"),
            (
                "run --seed 3",
                "`run` needs a scenario file or --preset NAME",
            ),
            ("presets a b", "`presets` takes at most one preset name"),
        ];
        for (text, expected) in cases {
            match parse(&args(text)) {
                Err(message) => assert!(
                    message.contains(expected) && !message.contains('\n'),
                    "{text:?} gave {message:?}, expected it to contain {expected:?}"
                ),
                Ok(invocation) => panic!("{text:?} parsed as {invocation:?}"),
            }
        }
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
