//! Scenario tests: build a topology, inject a fault, assert on what a user would see.

use cascade_sim::fixtures::{chain, golden_run, GOLDEN_TRACE_HASH};
use cascade_sim::presets;
use cascade_sim::scenario::{read_json, MAX_NODES};
use cascade_sim::{
    Command, LinkId, LinkKind, LinkSpec, NodeId, QueueId, Scenario, SimTime, Simulation,
    TimedCommand, TraceRetention,
};

use crate::support::{kill, link, node, queue, revive, run_checked};

fn secs(seconds: u64) -> SimTime {
    SimTime::from_secs(seconds)
}

fn checkout(seed: u64) -> Simulation {
    Simulation::new(&presets::checkout(), seed, TraceRetention::HashOnly).expect("preset is valid")
}

#[test]
fn same_scenario_seed_and_commands_give_the_same_trace() {
    let first = golden_run();
    let second = golden_run();
    assert_eq!(first.trace().hash(), second.trace().hash());
    assert_eq!(first.trace().count(), second.trace().count());
    assert!(first.trace().count() > 5_000, "a 20 s run has many events");

    let mut replayed = checkout(1);
    replayed
        .replay(first.command_log(), secs(20))
        .expect("replay");
    assert_eq!(
        replayed.trace().hash(),
        first.trace().hash(),
        "replaying the command log reproduces the run"
    );

    let other_seed = {
        let mut simulation = checkout(2);
        simulation.run_until(secs(20), u64::MAX);
        simulation
    };
    assert_ne!(other_seed.trace().hash(), first.trace().hash());
}

#[test]
fn a_budget_stops_a_run_after_exactly_that_many_events_whatever_its_size() {
    use cascade_sim::RunOutcome;
    let reference = presets::reference_workload();
    let whole = {
        let mut simulation =
            Simulation::new(&reference, 1, TraceRetention::HashOnly).expect("valid");
        assert_eq!(
            simulation.run_until(secs(1), u64::MAX),
            RunOutcome::ReachedTime
        );
        simulation
    };
    // Budgets below, at and around the engine's inner slices, and far above them.
    for budget in [1, 1_023, 1_024, 1_025, 4_096, 10_000, 50_000] {
        let mut simulation =
            Simulation::new(&reference, 1, TraceRetention::HashOnly).expect("valid");
        assert_eq!(
            simulation.run_until(secs(1), budget),
            RunOutcome::BudgetExhausted,
            "{budget}"
        );
        assert_eq!(simulation.events_processed(), budget);
        let mut calls = 1;
        while simulation.run_until(secs(1), budget) == RunOutcome::BudgetExhausted {
            calls += 1;
        }
        assert_eq!(
            (simulation.now(), simulation.trace().hash()),
            (whole.now(), whole.trace().hash()),
            "{budget}: the same run in {calls} calls"
        );
    }
}

#[test]
fn golden_trace_hash_is_pinned() {
    let hash = golden_run().trace().hash();
    assert_eq!(hash, GOLDEN_TRACE_HASH, "golden hash changed: {hash:#018x}; if the engine change is deliberate, update GOLDEN_TRACE_HASH in fixtures.rs");
}

#[test]
fn healthy_checkout_answers_everyone_quickly() {
    let mut simulation = checkout(3);
    run_checked(&mut simulation, secs(30));
    let totals = simulation.client_totals();
    assert!(
        totals.started > 800,
        "30 rps for 30 s, got {}",
        totals.started
    );
    assert_eq!(
        totals.failed(),
        0,
        "no failures while healthy: {:?}",
        totals.failed_by_reason
    );
    let p99 = totals.latency.quantile_ms(0.99);
    assert!(p99 < 600.0, "healthy p99 {p99} ms");
    let orders = node(&simulation, "Orders");
    assert!(
        orders.busy < orders.workers,
        "Orders has spare threads when healthy"
    );
}

#[test]
fn killing_a_sync_dependency_exhausts_the_callers_threads() {
    let mut simulation = checkout(4);
    run_checked(&mut simulation, secs(5));
    let before = simulation.client_totals();
    simulation.apply(kill("Payments")).expect("kill");
    let mut exhausted_samples = 0;
    for tenth in 1..=100 {
        run_checked(
            &mut simulation,
            secs(5) + cascade_sim::SimDuration::from_millis(tenth * 100),
        );
        let orders = node(&simulation, "Orders");
        if tenth > 30 && orders.busy == orders.workers {
            exhausted_samples += 1;
        }
    }
    assert!(exhausted_samples >= 60, "Orders should be out of threads most of the time, was in {exhausted_samples} of 70 samples");
    let orders = node(&simulation, "Orders");
    assert!(
        orders.inbound > 50,
        "requests pile up in front of Orders: {}",
        orders.inbound
    );
    let after = simulation.client_totals();
    let new_failures = after.failed() - before.failed();
    let new_successes = after.succeeded - before.succeeded;
    assert!(new_failures > 100, "users see errors: {new_failures}");
    assert!(
        new_successes < 20,
        "almost nothing succeeds while Payments is dead: {new_successes}"
    );
    let payments = node(&simulation, "Payments");
    assert!(
        payments.metrics.refused > 100,
        "calls are refused: {}",
        payments.metrics.refused
    );
}

#[test]
fn killing_an_async_dependency_is_absorbed_by_the_queue_and_drains_on_revive() {
    let mut simulation = checkout(5);
    simulation
        .apply(Command::SetLinkKind {
            link: 1,
            kind: LinkKind::Async,
        })
        .expect("flip");
    run_checked(&mut simulation, secs(5));
    simulation.apply(kill("Payments")).expect("kill");
    let failures_before = simulation.client_totals().failed();
    let mut max_busy = 0;
    for tenth in 1..=100 {
        run_checked(
            &mut simulation,
            secs(5) + cascade_sim::SimDuration::from_millis(tenth * 100),
        );
        max_busy = max_busy.max(node(&simulation, "Orders").busy);
    }
    let orders = node(&simulation, "Orders");
    assert!(
        max_busy <= orders.workers / 2,
        "Orders stays healthy: at most {max_busy} busy"
    );
    assert_eq!(
        simulation.client_totals().failed(),
        failures_before,
        "users see no errors"
    );
    let absorbing = queue(&simulation, "Payments.queue");
    assert!(
        absorbing.depth > 200,
        "the queue absorbs ten seconds of payments: {}",
        absorbing.depth
    );

    simulation.apply(revive("Payments")).expect("revive");
    run_checked(&mut simulation, secs(25));
    let queue = queue(&simulation, "Payments.queue");
    assert!(
        queue.depth < 10,
        "the backlog drains after revive: {} left",
        queue.depth
    );
    assert_eq!(queue.metrics.dead_lettered, 0);
    let published = link(&simulation, 1).metrics.published;
    let settled = queue.metrics.acked + u64::from(queue.depth) + u64::from(queue.unacked);
    let on_the_wire = published - queue.metrics.enqueued;
    assert_eq!(settled + on_the_wire, published, "nothing is lost");
}

/// Nodes, links and queues are found by id without a scan, and the lookups agree with the
/// lists; an id the run does not have finds nothing.
#[test]
fn lookups_by_id_agree_with_the_lists() {
    let mut simulation = Simulation::new(&presets::checkout_async(), 1, TraceRetention::HashOnly)
        .expect("preset is valid");
    simulation.run_until(secs(8), u64::MAX);
    for node in simulation.nodes() {
        assert_eq!(simulation.node(node.id).as_ref(), Some(&node));
    }
    for link in simulation.links() {
        assert_eq!(simulation.link(link.id).as_ref(), Some(&link));
        let queue = simulation.queue(link.queue).expect("a link's queue exists");
        assert_eq!(queue.id, link.queue);
    }
    for queue in simulation.queues() {
        assert_eq!(simulation.queue(queue.id).as_ref(), Some(&queue));
    }
    assert!(
        simulation.queues().any(|queue| queue.depth > 0),
        "a queue with a backlog"
    );
    let payments = node(&simulation, "Payments");
    assert_eq!(simulation.node(payments.id), Some(payments));
    let (nodes, links, queues) = (
        simulation.nodes().count() as u32,
        simulation.links().count() as u32,
        simulation.queues().count() as u32,
    );
    assert_eq!(simulation.node(NodeId(nodes)), None);
    assert_eq!(simulation.link(LinkId(links)), None);
    assert_eq!(simulation.queue(QueueId(queues)), None);
}

#[test]
fn invalid_scenarios_are_errors_with_paths() {
    let mut scenario = presets::checkout();
    scenario.links[2].to = "Nowhere".into();
    let error = Simulation::new(&scenario, 1, TraceRetention::HashOnly)
        .err()
        .expect("invalid");
    assert_eq!(
        error.to_string(),
        "links[2].to: no service is named \"Nowhere\""
    );

    let mut scenario = presets::checkout();
    scenario.links[1].sync.timeout_ms = 0.0;
    let error = scenario.validate().expect_err("invalid");
    assert_eq!(
        error.to_string(),
        "links[1].sync.timeout_ms: must be at least 0.001 (one microsecond)"
    );

    let mut scenario = presets::checkout();
    scenario.links.push(cascade_sim::LinkSpec {
        from: "Payments".into(),
        to: "Orders".into(),
        ..Default::default()
    });
    let error = scenario.validate().expect_err("cycle");
    assert!(error.to_string().starts_with("links[3]:"), "{error}");

    let error = Scenario::from_json(r#"{"services": [{"name": "A", "threads": 3}]}"#)
        .expect_err("unknown field");
    assert!(
        error.to_string().contains("unknown field `threads`"),
        "{error}"
    );
    assert!(
        error.to_string().contains("workers"),
        "suggests the known fields: {error}"
    );
}

#[test]
fn scenarios_round_trip_through_json() {
    for preset in presets::ALL {
        let scenario = (preset.build)();
        let text = serde_json::to_string_pretty(&scenario).expect("serialize");
        assert_eq!(
            Scenario::from_json(&text).expect("parse"),
            scenario,
            "{}",
            preset.id
        );
    }
    let minimal =
        Scenario::from_json(r#"{"services": [{"name": "Solo"}]}"#).expect("defaults fill the rest");
    assert_eq!(minimal.services[0].workers, 10);
}

/// The bounds that keep every accepted scenario affordable, refused with the path of the
/// field that crosses them and the limit.
#[test]
fn load_limits_hold_for_all_sources_together() {
    use cascade_sim::{ClientSpec, Spike};
    let source = |index: usize, rate_per_second: f64| ClientSpec {
        name: format!("Users {index}"),
        rate_per_second,
        ..ClientSpec::default()
    };
    let mut scenario = Scenario {
        clients: (0..10).map(|index| source(index, 100_000.0)).collect(),
        ..Scenario::default()
    };
    assert_eq!(scenario.validate(), Ok(()), "1,000,000 a second in all");
    scenario.clients.push(source(10, 1.0));
    assert_eq!(
        scenario.validate().map_err(|error| error.to_string()),
        Err(
            "clients[10].rate_per_second: all load sources together send at most 1000000 \
             requests per second (each at its highest rate, spikes included)"
                .into()
        )
    );
    let spike = |rate_per_second: f64| Spike {
        at_ms: 1_000.0,
        duration_ms: 1_000.0,
        rate_per_second,
    };
    let mut spiky = Scenario {
        clients: vec![source(0, 10.0)],
        ..Scenario::default()
    };
    spiky.clients[0].spikes = vec![spike(20.0), spike(2_000_000.0)];
    assert_eq!(
        spiky.validate().map_err(|error| error.path),
        Err("clients[0].spikes[1].rate_per_second".into()),
        "the spike's own path"
    );
    spiky.clients[0].spikes = vec![spike(20.0); 101];
    assert_eq!(
        spiky.validate().map_err(|error| error.to_string()),
        Err("clients[0].spikes: 101 spikes; a load source has at most 100".into())
    );
}

/// 100 closed-loop users with no think time against a dead service used to start 10^8
/// requests a simulated second. Together they now send at most one a microsecond.
#[test]
fn closed_loop_users_with_no_think_time_stay_within_the_rate_limit() {
    use cascade_sim::{ClientSpec, Distribution, LinkSpec, ServiceSpec};
    let scenario = Scenario {
        clients: vec![ClientSpec {
            name: "Users".into(),
            closed_loop_users: 100,
            think_time: Distribution::Constant { ms: 0.0 },
            ..ClientSpec::default()
        }],
        services: vec![ServiceSpec {
            name: "Api".into(),
            ..ServiceSpec::default()
        }],
        links: vec![LinkSpec {
            from: "Users".into(),
            to: "Api".into(),
            latency: Distribution::Constant { ms: 0.0 },
            sync: cascade_sim::SyncPolicy {
                max_attempts: 1,
                ..cascade_sim::SyncPolicy::default()
            },
            ..LinkSpec::default()
        }],
        ..Scenario::default()
    };
    let mut simulation = Simulation::new(&scenario, 1, TraceRetention::HashOnly).expect("valid");
    simulation.apply(kill("Api")).expect("Api is up");
    simulation.run_until(SimTime::from_millis(200), u64::MAX);
    let started = simulation.client_totals().started;
    assert!(
        (190_000..=200_100).contains(&started),
        "{started} requests in 200 ms: one a microsecond at most"
    );
}

#[test]
fn names_are_labels_with_a_length_limit() {
    let mut scenario = presets::checkout();
    scenario.services[1].name = "P".repeat(65);
    assert_eq!(
        scenario.validate().map_err(|error| error.to_string()),
        Err("services[1].name: is 65 characters long; names are at most 64".into())
    );
    let mut scenario = presets::checkout();
    scenario.links[1].async_policy.queue = Some("q\n".repeat(40));
    assert_eq!(
        scenario.validate().map_err(|error| error.path),
        Err("links[1].async.queue".into())
    );
}

/// Control characters quoted from the input are escaped: an error is always one line.
#[test]
fn errors_quoting_input_stay_on_one_line() {
    let error = Scenario::from_json(r#"{"clients": [{"name": "U", "arrival": "po\tis\nson"}]}"#)
        .expect_err("no such arrival");
    let text = error.to_string();
    assert!(!text.contains('\n') && !text.contains('\t'), "{text}");
    assert!(text.contains("po\\tis\\nson"), "{text}");
}

/// The counters the reports print are the trace's events, counted: a run with outages, poison
/// messages, a dead broker and retries agrees event for event.
#[test]
fn the_counters_equal_the_trace() {
    use cascade_sim::TraceKind;
    let mut simulation =
        Simulation::new(&presets::poison_message(), 5, TraceRetention::Everything).expect("valid");
    for (at, command) in [
        (2, kill("Payments")),
        (3, Command::KillBroker),
        (4, Command::ReviveBroker),
        (6, revive("Payments")),
    ] {
        simulation.run_until(secs(at), u64::MAX);
        simulation.apply(command).expect("applies");
    }
    simulation.run_until(secs(10), u64::MAX);
    let count = |pick: &dyn Fn(&TraceKind) -> bool| {
        simulation
            .trace()
            .events()
            .filter(|event| pick(&event.kind))
            .count() as u64
    };
    let totals = simulation.client_totals();
    assert_eq!(
        totals.started,
        count(&|kind| matches!(kind, TraceKind::RequestStarted { .. }))
    );
    assert_eq!(
        totals.succeeded,
        count(&|kind| matches!(kind, TraceKind::RequestFinished { failure: None, .. }))
    );
    let attempts: u64 = simulation.links().map(|link| link.metrics.attempts).sum();
    assert_eq!(
        attempts,
        count(&|kind| matches!(kind, TraceKind::CallSent { .. }))
    );
    let queues: Vec<_> = simulation.queues().collect();
    let sum = |field: fn(&cascade_sim::QueueMetrics) -> u64| -> u64 {
        queues.iter().map(|queue| field(queue.metrics)).sum()
    };
    assert_eq!(
        sum(|metrics| metrics.published),
        count(&|kind| matches!(kind, TraceKind::MessagePublished { .. }))
    );
    assert_eq!(
        sum(|metrics| metrics.delivered),
        count(&|kind| matches!(kind, TraceKind::MessageDelivered { .. }))
    );
    assert_eq!(
        sum(|metrics| metrics.acked),
        count(&|kind| matches!(kind, TraceKind::MessageAcked { .. }))
    );
    assert_eq!(
        sum(|metrics| metrics.dead_lettered),
        count(&|kind| matches!(kind, TraceKind::MessageDeadLettered { .. }))
    );
    assert!(sum(|metrics| metrics.dead_lettered) > 0 && sum(|metrics| metrics.acked) > 100);
}

/// With prefetch 1 and nothing failing, a queue hands messages to its consumer in the order
/// they were published.
#[test]
fn prefetch_one_keeps_publish_order() {
    use cascade_sim::TraceKind;
    let mut scenario = presets::checkout_async();
    scenario.faults.clear();
    scenario.links[1].async_policy.prefetch = 1;
    let mut simulation = Simulation::new(&scenario, 2, TraceRetention::Everything).expect("valid");
    simulation.run_until(secs(10), u64::MAX);
    let order = |pick: &dyn Fn(&TraceKind) -> Option<u64>| -> Vec<u64> {
        simulation
            .trace()
            .events()
            .filter_map(|event| pick(&event.kind))
            .collect()
    };
    let enqueued = order(&|kind| match kind {
        TraceKind::MessagePublished { message, .. } => Some(message.0),
        _ => None,
    });
    let delivered = order(&|kind| match kind {
        TraceKind::MessageDelivered { message, .. } => Some(message.0),
        _ => None,
    });
    assert!(delivered.len() > 100);
    assert_eq!(delivered[..], enqueued[..delivered.len()]);
}

// ---- the format at its edges ---------------------------------------------------------------
// (Once unit tests of the scenario module, which may not use the presets and fixtures built
// on top of it.)

fn faults(json: &str) -> Result<Vec<TimedCommand>, String> {
    read_json::<Scenario>(&format!(
        r#"{{"services": [{{"name": "A"}}], "faults": [{json}]}}"#
    ))
    .map(|scenario| scenario.faults)
    .map_err(|error| error.to_string())
}

#[test]
fn commands_read_in_any_field_order_and_say_what_is_wrong() {
    let expected = TimedCommand {
        at: SimTime::from_micros(5),
        command: Command::Slow {
            node: "A".into(),
            factor: 3.0,
        },
    };
    for order in [
        r#"{"at": 5, "command": "slow", "node": "A", "factor": 3}"#,
        r#"{"factor": 3, "node": "A", "command": "slow", "at": 5}"#,
    ] {
        assert_eq!(faults(order), Ok(vec![expected.clone()]), "{order}");
    }
    // What serialising writes reads back, every command.
    let mut scenario = presets::checkout();
    let link = scenario.links[0].clone();
    let service = scenario.services[0].clone();
    let client = scenario.clients[0].clone();
    let all = [
        Command::Kill { node: "A".into() },
        Command::Revive { node: "A".into() },
        Command::Freeze { node: "A".into() },
        Command::Slow {
            node: "A".into(),
            factor: 2.0,
        },
        Command::SetErrorRate {
            node: "A".into(),
            error_rate: 0.5,
        },
        Command::Partition { link: 0 },
        Command::Heal { link: 0 },
        Command::SetLinkKind {
            link: 0,
            kind: LinkKind::Async,
        },
        Command::KillBroker,
        Command::ReviveBroker,
        Command::UpdateService { spec: service },
        Command::UpdateClient { spec: client },
        Command::UpdateLink {
            link: 0,
            spec: link,
        },
    ];
    scenario.faults = all
        .into_iter()
        .enumerate()
        .map(|(index, command)| TimedCommand {
            at: SimTime::from_micros(index as u64),
            command,
        })
        .collect();
    let text = serde_json::to_string(&scenario.faults).expect("json");
    let read: Vec<TimedCommand> = read_json(&text).expect("reads back");
    assert_eq!(read, scenario.faults);

    for (json, problem) in [
        (
            r#"{"at": 1, "command": "explode"}"#,
            "unknown variant `explode`",
        ),
        (r#"{"at": 1, "command": "kill"}"#, "missing field `node`"),
        (r#"{"command": "kill", "node": "A"}"#, "missing field `at`"),
        (
            r#"{"at": 1, "command": "kill", "node": "A", "why": 1}"#,
            "unknown field `why`",
        ),
        (
            r#"{"at": 1, "command": "slow", "node": "A", "factor": "x"}"#,
            "factor: invalid type",
        ),
    ] {
        let error = faults(json).expect_err(json);
        assert!(
            error.starts_with("faults[0]") && error.contains(problem),
            "{json}: {error}"
        );
    }
}

/// A long chain is the worst case for the cycle search; it stays linear, and past the
/// limits a scenario is refused before any of it runs.
#[test]
fn the_largest_allowed_scenario_validates_and_a_larger_one_is_refused() {
    chain(MAX_NODES - 1)
        .validate()
        .expect("a 999-service chain is fine");
    let mut looped = chain(MAX_NODES - 1);
    looped.links.push(LinkSpec {
        from: format!("S{}", MAX_NODES - 2),
        to: "S0".into(),
        ..LinkSpec::default()
    });
    let error = looped.validate().expect_err("a cycle");
    assert!(
        error
            .to_string()
            .starts_with(&format!("links[{}]", MAX_NODES - 1)),
        "{error}"
    );
    let error = chain(MAX_NODES).validate().expect_err("too many");
    assert!(
        error.to_string().starts_with("services: 1001 is more than"),
        "{error}"
    );
}
