//! The `cascade` binary as a user runs it: a preset summarised as JSON, a streamed trace, the
//! same seed giving the same hash, a fault from a commands file, and mistakes reported in one
//! line with exit status 2.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn cascade(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cascade"))
        .args(args)
        .output()
        .expect("the cascade binary starts")
}

fn stdout_of(args: &[&str]) -> String {
    let output = cascade(args);
    assert!(
        output.status.success(),
        "cascade {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the output is UTF-8")
}

fn json_of(args: &[&str]) -> Value {
    serde_json::from_str(&stdout_of(args)).expect("`run --format json` prints one JSON object")
}

fn number(report: &Value, pointer: &str) -> f64 {
    report
        .pointer(pointer)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{pointer} is not a number in {report}"))
}

/// A file in this test binary's scratch directory.
fn scratch_file(name: &str, contents: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, contents).expect("the scratch directory is writable");
    path
}

fn service<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["services"]
        .as_array()
        .and_then(|services| services.iter().find(|service| service["name"] == name))
        .unwrap_or_else(|| panic!("no service {name} in {report}"))
}

const CHECKOUT_5S: [&str; 7] = [
    "run",
    "--preset",
    "checkout",
    "--duration",
    "5s",
    "--format",
    "json",
];

#[test]
fn a_healthy_checkout_serves_its_users() {
    let report = json_of(&CHECKOUT_5S);
    assert_eq!(report["scenario"], "Checkout");
    assert_eq!(report["seed"], 1);
    assert_eq!(report["duration_us"], 5_000_000);
    let started = number(&report, "/end_to_end/started");
    let succeeded = number(&report, "/end_to_end/succeeded");
    // 30 requests per second for 5 s, Poisson: about 150.
    assert!((100.0..200.0).contains(&started), "started {started}");
    assert!(
        succeeded > 0.9 * started,
        "succeeded {succeeded} of {started}"
    );
    assert_eq!(number(&report, "/end_to_end/failed"), 0.0);
    let goodput = number(&report, "/end_to_end/goodput_per_second");
    assert!((goodput - succeeded / 5.0).abs() < 1e-9);
    // Two sequential 40 ms round trips plus work: well above 160 ms, well below a timeout.
    let p50 = number(&report, "/end_to_end/latency_ms_p50");
    let p99 = number(&report, "/end_to_end/latency_ms_p99");
    let max = number(&report, "/end_to_end/latency_ms_max");
    assert!(
        160.0 < p50 && p50 <= p99 && p99 <= max && max < 1_000.0,
        "{p50} {p99} {max}"
    );
    assert!(number(&report, "/events_processed") > started);
    let hash = report["trace_hash"].as_str().expect("the hash is a string");
    assert!(hash.starts_with("0x") && hash.len() == 18, "{hash}");
    let orders = service(&report, "Orders");
    assert_eq!(orders["workers"], 20);
    assert!(orders["received"].as_f64() >= Some(started - 5.0));
    assert_eq!(report["links"][1]["from"], "Orders");
    assert_eq!(report["links"][1]["to"], "Payments");
    assert_eq!(report["links"][1]["kind"], "sync");
    assert!(number(&report, "/links/1/attempts") >= succeeded);
}

#[test]
fn the_same_seed_gives_the_same_hash_and_the_trace_matches_the_run() {
    let first = json_of(&CHECKOUT_5S);
    let second = json_of(&CHECKOUT_5S);
    assert_eq!(first["trace_hash"], second["trace_hash"]);
    assert_eq!(first, second, "the whole report is reproducible");
    let mut other_seed = CHECKOUT_5S.to_vec();
    other_seed.extend(["--seed", "2"]);
    assert_ne!(json_of(&other_seed)["trace_hash"], first["trace_hash"]);

    let trace = stdout_of(&["trace", "--preset", "checkout", "--duration", "5s"]);
    let events: Vec<Value> = trace
        .lines()
        .map(|line| serde_json::from_str(line).expect("every trace line is JSON"))
        .collect();
    assert_eq!(events.len() as f64, number(&first, "/trace_events"));
    assert_eq!(events[0]["event"], "request_started");
    assert!(events
        .iter()
        .all(|event| event["time"].as_u64() <= Some(5_000_000)));
    assert!(events
        .windows(2)
        .all(|pair| pair[0]["time"].as_u64() <= pair[1]["time"].as_u64()));
}

#[test]
fn killing_payments_makes_checkouts_fail() {
    let commands = scratch_file(
        "kill-payments-at-2s.json",
        r#"[{"at": 2000000, "command": "kill", "node": "Payments"}]"#,
    );
    let path = commands.to_str().expect("the scratch path is UTF-8");
    let mut args = CHECKOUT_5S.to_vec();
    args.extend(["--commands", path]);
    let report = json_of(&args);
    assert_eq!(report["commands_applied"], 1);
    let failed = number(&report, "/end_to_end/failed");
    assert!(failed > 0.0, "no failures after Payments died");
    let by_reason: f64 = report["end_to_end"]["failed_by_reason"]
        .as_object()
        .expect("failures by reason are an object")
        .values()
        .filter_map(Value::as_f64)
        .sum();
    assert_eq!(by_reason, failed);
    let payments = service(&report, "Payments");
    assert_eq!(payments["state"], "killed");
    assert!(payments["refused"].as_u64() > Some(0));
    assert!(number(&report, "/links/1/retries") > 0.0);
    assert_ne!(report["trace_hash"], json_of(&CHECKOUT_5S)["trace_hash"]);

    let trace = stdout_of(&[
        "trace",
        "--preset",
        "checkout",
        "--duration",
        "3s",
        "--commands",
        path,
    ]);
    assert!(trace.contains(r#"{"time":2000000,"event":"node_killed","node":2}"#));
}

#[test]
fn an_invalid_scenario_is_named_with_its_path_and_exits_2() {
    let scenario = scratch_file(
        "bad-timeout.json",
        r#"{"services": [{"name": "A"}, {"name": "B"}],
            "links": [{"from": "A", "to": "B", "sync": {"timeout_ms": 0.0004}}]}"#,
    );
    let path = scenario.to_str().expect("the scratch path is UTF-8");
    let output = cascade(&["run", path]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr,
        format!(
            "cascade: {path}: links[0].sync.timeout_ms: must be at least 0.001 (one microsecond)\n"
        )
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn mistakes_are_one_line_with_exit_status_2() {
    for args in [
        &["run", "--preset", "checkout", "--duration", "soon"][..],
        &["run", "--preset", "checkout", "--verbose"],
        &["run", "--preset", "nope"],
        &["run", "/no/such/scenario.json"],
        &[
            "trace",
            "--preset",
            "checkout",
            "--commands",
            "/no/such/commands.json",
        ],
        &["explode"],
    ] {
        let output = cascade(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("cascade: ") && stderr.lines().count() == 1,
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn help_table_and_presets_print_something_useful() {
    for args in [&[][..], &["--help"], &["-h"], &["help"]] {
        assert!(stdout_of(args).starts_with("Run Cascade scenarios"));
    }
    let presets = stdout_of(&["presets"]);
    assert!(presets.starts_with("checkout "), "{presets}");
    for preset in cascade_sim::presets::ALL {
        assert!(
            presets.contains(preset.id),
            "{} is listed:\n{presets}",
            preset.id
        );
    }
    let table = stdout_of(&["run", "--preset", "checkout", "--duration", "2s"]);
    for heading in [
        "trace hash",
        "End to end",
        "Services",
        "Links",
        "Queues",
        "Payments",
    ] {
        assert!(table.contains(heading), "no {heading:?} in\n{table}");
    }
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cascade"))
        .args(["trace", "--preset", "checkout", "--duration", "10m"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the cascade binary starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut first_line = String::new();
    BufReader::new(stdout)
        .read_line(&mut first_line)
        .expect("one line arrives");
    // The reader is dropped here: the pipe closes, like `cascade trace ... | head -1`.
    assert!(first_line.contains("request_started"), "{first_line}");
    let output = child.wait_with_output().expect("cascade exits");
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn rate_overrides_every_open_loop_source() {
    let quiet = stdout_of(&[
        "run",
        "--preset",
        "checkout",
        "--duration",
        "5s",
        "--rate",
        "0",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&quiet).expect("json");
    assert_eq!(report["end_to_end"]["started"], 0);
    let busy = stdout_of(&[
        "run",
        "--preset",
        "checkout",
        "--duration",
        "5s",
        "--rate",
        "60",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&busy).expect("json");
    let started = report["end_to_end"]["started"].as_u64().expect("number");
    assert!(
        (240..=360).contains(&started),
        "about 300 requests at 60/s for 5 s: {started}"
    );
}

/// Queueing figures from the command line alone: an M/M/1 server at ρ = 0.5 behind a
/// zero-latency call, measured after a warm-up. Theory: utilisation 0.5, probability of
/// waiting 0.5, L in service 0.5, Lq = ρ²/(1-ρ) = 0.5, W = 1/(μ-λ) = 20 ms; failures take no
/// time here, none happen.
#[test]
fn run_reports_the_figures_that_check_queueing_theory_after_a_warmup() {
    let scenario = scratch_file(
        "mm1.json",
        r#"{"name": "M/M/1",
            "clients": [{"name": "Users", "rate_per_second": 50, "arrival": "poisson"}],
            "services": [{"name": "Server", "workers": 1, "queue_capacity": 10000000,
                          "service_time": {"kind": "exponential", "mean_ms": 10}}],
            "links": [{"from": "Users", "to": "Server",
                       "latency": {"kind": "constant", "ms": 0},
                       "sync": {"timeout_ms": 1e9, "max_attempts": 1}}]}"#,
    );
    let path = scenario.to_str().expect("the scratch path is UTF-8");
    let report = json_of(&[
        "run",
        path,
        "--duration",
        "2020s",
        "--warmup",
        "20s",
        "--format",
        "json",
        "--seed",
        "5",
    ]);
    assert_eq!(number(&report, "/warmup_us"), 20e6);
    let started = number(&report, "/end_to_end/started");
    assert!(
        (started - 100_000.0).abs() < 1_500.0,
        "the warm-up's 1,000 requests are left out: {started}"
    );
    let server = service(&report, "Server");
    // 100k requests at ρ = 0.5: the mean sojourn spreads with SD about 0.8%, the time averages
    // with the arrival count (0.3%) and the busy periods (about 1%).
    for (field, expected, tolerance) in [
        ("utilisation", 0.5, 0.02),
        ("wait_probability", 0.5, 0.03),
        ("mean_in_service", 0.5, 0.02),
        ("mean_waiting", 0.5, 0.06),
    ] {
        let measured = number(server, &format!("/{field}"));
        assert!(
            (measured - expected).abs() / expected < tolerance,
            "{field}: {measured}, theory {expected}"
        );
    }
    let mean = number(&report, "/end_to_end/latency_ms_mean");
    assert!(
        (mean - 20.0).abs() / 20.0 < 0.03,
        "W {mean} ms, theory 20 ms"
    );
    assert_eq!(number(&report, "/end_to_end/failed_latency_ms_max"), 0.0);
}

#[test]
fn a_warmup_must_be_shorter_than_the_run() {
    let output = cascade(&[
        "run",
        "--preset",
        "checkout",
        "--duration",
        "5s",
        "--warmup",
        "5s",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "cascade: --warmup: 5s must be shorter than the run (5s)\n"
    );
}

/// Failed requests have a latency too: killed Payments answers with a refusal after the
/// retries, so the users' failures take at least the two 500 ms backoffs.
#[test]
fn the_time_to_fail_is_reported() {
    let commands = scratch_file(
        "kill-payments.json",
        r#"[{"at": 0, "command": "kill", "node": "Payments"}]"#,
    );
    let commands = commands.to_str().expect("the scratch path is UTF-8");
    let report = json_of(&[
        "run",
        "--preset",
        "checkout",
        "--duration",
        "5s",
        "--commands",
        commands,
        "--format",
        "json",
    ]);
    assert!(number(&report, "/end_to_end/failed") > 20.0);
    let p50 = number(&report, "/end_to_end/failed_latency_ms_p50");
    assert!(p50 >= 1_000.0, "two backoffs of 500 ms: {p50} ms");
}

/// A chain of three sync hops with no latency, no backoff, no service time and 100 attempts
/// each, whose last service always fails: one request makes a million attempts at the bottom,
/// all at the same simulated instant. The run used to spin there until memory ran out; now it
/// stops with one line that says why and what to change.
#[test]
fn a_run_stuck_at_one_instant_stops_with_one_line() {
    let hop = |from: &str, to: &str| {
        format!(
            r#"{{"from": "{from}", "to": "{to}", "latency": {{"kind": "constant", "ms": 0}},
                "sync": {{"max_attempts": 100, "backoff": {{"initial_ms": 0, "max_ms": 0}}}}}}"#
        )
    };
    let instant = r#"{"kind": "constant", "ms": 0}"#;
    let scenario = scratch_file(
        "stuck.json",
        &format!(
            r#"{{"clients": [{{"name": "Users", "rate_per_second": 1, "arrival": "constant"}}],
                "services": [{{"name": "A", "service_time": {instant}}},
                             {{"name": "B", "service_time": {instant}}},
                             {{"name": "C", "service_time": {instant}, "error_rate": 1}}],
                "links": [{}, {}, {}]}}"#,
            hop("Users", "A"),
            hop("A", "B"),
            hop("B", "C")
        ),
    );
    let path = scenario.to_str().expect("the scratch path is UTF-8");
    let output = cascade(&["run", path, "--duration", "5s"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(
            "cascade: the scenario does too much work at one simulated instant: more than \
             2 million events at t = "
        ) && stderr.ends_with("give a link some latency or a retry some backoff\n")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
}

#[test]
fn max_events_bounds_any_run_with_one_line() {
    let output = cascade(&["run", "--preset", "checkout", "--max-events", "1000"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("cascade: --max-events: the run took all 1000 events by t = ")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
    let output = cascade(&["trace", "--preset", "checkout", "--max-events", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "cascade: invalid value '0' for '--max-events <N>': not a whole number above 0\n"
    );
}

#[test]
fn every_command_has_its_help_and_the_version_is_printed() {
    for (args, usage) in [
        (
            &["run", "--help"][..],
            "Usage: cascade run [OPTIONS] <SCENARIO.json|--preset <NAME>>",
        ),
        (
            &["help", "trace"],
            "Usage: cascade trace [OPTIONS] <SCENARIO.json|--preset <NAME>>",
        ),
        (&["presets", "-h"], "Usage: cascade presets [NAME]"),
        (
            &["completions", "--help"],
            "Usage: cascade completions <SHELL>",
        ),
    ] {
        let output = cascade(args);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(output.stderr.is_empty(), "{args:?}");
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(help.contains(usage), "{args:?}: {help}");
    }
    assert_eq!(
        stdout_of(&["--version"]),
        format!("cascade {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn completions_print_a_script_for_each_shell() {
    let bash = stdout_of(&["completions", "bash"]);
    assert!(
        bash.contains("_cascade()") && bash.contains("complete -F _cascade"),
        "{bash}"
    );
    for word in [
        "run",
        "trace",
        "presets",
        "--preset",
        "--duration",
        "--warmup",
    ] {
        assert!(bash.contains(word), "{word} is not completed");
    }
    assert!(stdout_of(&["completions", "zsh"]).starts_with("#compdef cascade"));
    assert!(stdout_of(&["completions", "fish"]).contains("complete -c cascade"));
}

/// Mistakes on the command line: clap's words, on one line after `cascade: `, naming the
/// option and the value, exit status 2, nothing on standard output.
#[test]
fn bad_values_are_named_in_one_line_with_exit_status_2() {
    for (args, expected) in [
        (
            &["run", "--preset", "checkout", "--duration", "soon"][..],
            "invalid value 'soon' for '--duration <TIME>': not a duration; use e.g. 500ms, 60s, \
             2m, 1h",
        ),
        (
            &["trace", "--preset", "checkout", "--seed", "0xZZ"],
            "invalid value '0xZZ' for '--seed <N>': not a seed; use a whole number from 0 to \
             2^64-1, decimal or 0x-hex",
        ),
        (
            &["run", "--preset", "checkout", "--format", "yaml"],
            "invalid value 'yaml' for '--format <FORMAT>' [possible values: table, json]",
        ),
        (
            &["run", "--preset", "checkout", "--rate", "-5"],
            "invalid value '-5' for '--rate <N>': not a whole number of requests per second",
        ),
        (
            &["run", "--preset", "checkout", "--sed", "3"],
            "unexpected argument '--sed' found; tip: a similar argument exists: '--seed'",
        ),
        (
            &["run", "--duration", "5s"],
            "the following required arguments were not provided: \
             <SCENARIO.json|--preset <NAME>>",
        ),
        (
            &["completions", "tcsh"],
            "invalid value 'tcsh' for '<SHELL>' [possible values: \
             bash, elvish, fish, powershell, zsh]; tip: a similar value exists: 'zsh'",
        ),
        (&["explode"], "unrecognized subcommand 'explode'"),
    ] {
        let output = cascade(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            format!("cascade: {expected}\n"),
            "{args:?}"
        );
    }
}

/// Retries and delivery limits are bounded where real libraries bound them, the limit named.
#[test]
fn retry_and_delivery_limits_are_bounded_with_the_limit_in_the_error() {
    for (link, expected) in [
        (
            r#"{"from": "A", "to": "B", "sync": {"max_attempts": 101}}"#,
            "links[0].sync.max_attempts: must be at most 100",
        ),
        (
            r#"{"from": "A", "to": "B", "async": {"delivery_limit": 1001}}"#,
            "links[0].async.delivery_limit: must be at most 1000 (SQS's largest maxReceiveCount)",
        ),
    ] {
        let scenario = scratch_file(
            "bounded.json",
            &format!(r#"{{"services": [{{"name": "A"}}, {{"name": "B"}}], "links": [{link}]}}"#),
        );
        let path = scenario.to_str().expect("the scratch path is UTF-8");
        let output = cascade(&["run", path]);
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            format!("cascade: {path}: {expected}\n")
        );
    }
}

/// From `--format json` alone, every message and every request is accounted for: the
/// identities the report documents hold for a run with an outage and a dead broker.
#[test]
fn the_json_report_reconciles() {
    let commands = scratch_file(
        "outages.json",
        r#"[{"at": 2000000, "command": "kill", "node": "Payments"},
            {"at": 3000000, "command": "kill_broker"},
            {"at": 4000000, "command": "revive_broker"},
            {"at": 6000000, "command": "revive", "node": "Payments"}]"#,
    );
    let commands = commands.to_str().expect("the scratch path is UTF-8");
    let report = json_of(&[
        "run",
        "--preset",
        "poison-message",
        "--duration",
        "7s",
        "--commands",
        commands,
        "--format",
        "json",
    ]);
    let end = &report["end_to_end"];
    assert_eq!(
        number(end, "/started"),
        number(end, "/succeeded") + number(end, "/failed") + number(end, "/in_flight")
    );
    for queue in report["queues"].as_array().expect("queues") {
        let sum: f64 = [
            "acked",
            "dead_lettered",
            "dropped_broker_down",
            "dropped_without_dlq",
            "to_broker",
            "depth",
            "delayed",
            "unacked",
        ]
        .iter()
        .map(|field| number(queue, &format!("/{field}")))
        .sum();
        assert_eq!(number(queue, "/published"), sum, "{queue}");
    }
    let payments = report["queues"]
        .as_array()
        .and_then(|queues| {
            queues
                .iter()
                .find(|queue| queue["name"] == "Payments.queue")
        })
        .expect("Payments.queue");
    assert!(number(payments, "/published") > 100.0);
    assert!(number(payments, "/dropped_broker_down") + number(payments, "/dead_lettered") > 0.0);
    for service in report["services"].as_array().expect("services") {
        let settled: f64 = [
            "succeeded",
            "failed",
            "rejected",
            "busy",
            "waiting",
            "prefetched",
        ]
        .iter()
        .map(|field| number(service, &format!("/{field}")))
        .sum();
        assert_eq!(number(service, "/received"), settled, "{service}");
    }
}

/// Hostile input from the command line: each refused in one line that names the field.
#[test]
fn hostile_scenarios_and_commands_are_refused_in_one_line() {
    let long_name = "N".repeat(70_000);
    let cases = [
        (
            "long-name.json",
            format!(r#"{{"services": [{{"name": "{long_name}"}}]}}"#),
            None,
            "services[0].name: is 70000 characters long; names are at most 64".to_string(),
        ),
        (
            "tab.json",
            r#"{"clients": [{"name": "U", "arrival": "po\tis\nson"}]}"#.to_string(),
            None,
            "clients[0].arrival: unknown variant `po\\tis\\nson`, expected `poisson` or `constant`"
                .to_string(),
        ),
        (
            "many-sources.json",
            format!(
                r#"{{"clients": [{}]}}"#,
                (0..11)
                    .map(|index| format!(r#"{{"name": "U{index}", "rate_per_second": 100000}}"#))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None,
            "clients[10].rate_per_second: all load sources together send at most 1000000 \
             requests per second (each at its highest rate, spikes included)"
                .to_string(),
        ),
        (
            "checkout-preset",
            String::new(),
            Some(r#"[{"at": 1, "command": "kill", "node": "Payments", "node": "Orders"}]"#),
            "commands[0].node: duplicate field `node`".to_string(),
        ),
    ];
    for (name, scenario, commands, expected) in cases {
        let mut args: Vec<String> = vec!["run".into()];
        let path = if scenario.is_empty() {
            args.extend(["--preset".into(), "checkout".into()]);
            String::new()
        } else {
            let path = scratch_file(name, &scenario);
            let path = path
                .to_str()
                .expect("the scratch path is UTF-8")
                .to_string();
            args.push(path.clone());
            path
        };
        if let Some(commands) = commands {
            let file = scratch_file(&format!("{name}.commands.json"), commands);
            args.extend(["--commands".into(), file.to_str().expect("UTF-8").into()]);
        }
        let output = cascade(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(output.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        assert!(
            stderr.ends_with(&format!("{expected}\n")),
            "{name}: {stderr}"
        );
        if !path.is_empty() {
            assert!(
                stderr.starts_with(&format!("cascade: {path}: ")),
                "{stderr}"
            );
        }
    }
}

#[test]
fn check_accepts_valid_scenario_and_story_files() {
    let scenario = scratch_file("check-scenario.json", &stdout_of(&["presets", "checkout"]));
    let line = stdout_of(&["check", scenario.to_str().expect("UTF-8")]);
    assert_eq!(
        line,
        "ok: scenario: Checkout, 3 services, 1 load sources, 3 links, 0 scheduled faults\n"
    );
    let story = scratch_file("check-story.json", &stdout_of(&["stories", "checkout"]));
    let line = stdout_of(&["check", story.to_str().expect("UTF-8")]);
    assert!(
        line.starts_with("ok: story: Blocking calls spread an outage, 5 steps (1 asking"),
        "{line}"
    );
    // `-` reads standard input.
    let mut child = Command::new(env!("CARGO_BIN_EXE_cascade"))
        .args(["check", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    std::io::Write::write_all(
        &mut child.stdin.take().expect("stdin"),
        stdout_of(&["stories", "poison-message"]).as_bytes(),
    )
    .expect("writes");
    let output = child.wait_with_output().expect("finishes");
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("ok: story: "));
}

#[test]
fn check_names_the_field_of_a_mistake_and_exits_2() {
    let cases = [
        (
            "check-bad-scenario.json",
            r#"{"services": [{"name": "A", "workers": 0}]}"#,
            "services[0].workers",
        ),
        (
            "check-bad-story.json",
            r#"{"story": 1, "title": "T", "scenario": {"services": [{"name": "A"}]},
                "steps": [{"text": "x", "commands": [{"command": "kill", "node": "B"}]}]}"#,
            "steps[0].commands[0]: no service is named \"B\"",
        ),
        (
            "check-bad-story-value.json",
            r#"{"story": 1, "title": "T", "scenario": {"services": [{"name": "A"}]},
                "steps": [{"text": "x", "until": {"command": "slow", "node": "A", "factor": 0}}]}"#,
            "steps[0].until: factor: must be greater than 0",
        ),
        (
            "check-bad-story-rate.json",
            r#"{"story": 1, "title": "T", "scenario": {"services": [{"name": "A"}]},
                "steps": [{"text": "x", "commands": [{"command": "set_error_rate", "node": "A", "error_rate": 5}]}]}"#,
            "steps[0].commands[0]: error_rate: must be between 0 and 1",
        ),
        (
            "check-story-version.json",
            r#"{"story": 9, "title": "T", "scenario": {}, "steps": []}"#,
            ": story: this build reads story version 1",
        ),
    ];
    for (name, text, expected) in cases {
        let path = scratch_file(name, text);
        let output = cascade(&["check", path.to_str().expect("UTF-8")]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.starts_with("cascade: ") && stderr.lines().count() == 1,
            "{name}: {stderr}"
        );
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn a_preset_story_runs_step_by_step() {
    let table = stdout_of(&["story", "--preset", "checkout"]);
    assert!(
        table.starts_with("story: Blocking calls spread an outage"),
        "{table}"
    );
    assert!(
        table.contains("step 1  t = 10 s  \"Payments crashes."),
        "{table}"
    );
    assert!(table.contains("Orders up 20/20 busy"), "{table}");
    assert!(table.contains("Payments killed"), "{table}");
    assert!(
        table.contains("asks      {\"command\":\"set_link_kind\",\"kind\":\"async\",\"link\":1}"),
        "{table}"
    );
    assert!(table.contains("Orders -> Payments async"), "{table}");

    let json = stdout_of(&["story", "--preset", "checkout", "--format", "json"]);
    let steps: Vec<Value> = json
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(steps.len(), 5);
    assert_eq!(number(&steps[1], "/time_s"), 10.0);
    let orders = &steps[1]["services"][0];
    assert_eq!(
        (orders["name"].as_str(), orders["busy"].as_u64()),
        (Some("Orders"), Some(20))
    );
    assert!(
        number(&steps[3], "/step_success_rate") > 0.9,
        "{}",
        steps[3]
    );
    assert!(number(&steps[3], "/queues/0/depth") > 200.0, "{}", steps[3]);
    assert_eq!(
        json,
        stdout_of(&["story", "--preset", "checkout", "--format", "json"]),
        "the same story gives the same figures"
    );
    let listed = stdout_of(&["stories"]);
    assert_eq!(listed.lines().count(), 7, "{listed}");

    let output = cascade(&["story", "--preset", "nope"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no story is named \"nope\""));
}
