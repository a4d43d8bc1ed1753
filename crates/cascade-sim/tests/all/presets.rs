//! Each preset tells a story; these tests check that the numbers tell it.

use cascade_sim::{presets, Failure, LinkId, SimTime, Simulation, TraceRetention};

use crate::support::{link, node, queue};

fn run(id: &str, seconds: u64) -> Simulation {
    let scenario = presets::by_id(id).expect("preset exists");
    let mut simulation = Simulation::new(&scenario, 1, TraceRetention::HashOnly).expect("valid");
    simulation.run_until(SimTime::from_secs(seconds), u64::MAX);
    simulation
}

/// Successes between two instants, from a fresh run each time (runs are deterministic).
fn successes_between(id: &str, from_seconds: u64, to_seconds: u64) -> u64 {
    run(id, to_seconds).client_totals().succeeded - run(id, from_seconds).client_totals().succeeded
}

#[test]
fn a_hung_dependency_exhausts_the_callers_threads_until_it_recovers() {
    let healthy = run("frozen-dependency", 5);
    assert_eq!(healthy.client_totals().failed(), 0);
    let hung = run("frozen-dependency", 12);
    let orders = node(&hung, "Orders");
    assert_eq!(
        orders.busy, orders.workers,
        "every Orders thread waits on Payments"
    );
    assert!(
        orders.inbound > 20,
        "requests queue in front of Orders: {}",
        orders.inbound
    );
    assert!(
        hung.client_totals().failed_by_reason[Failure::Timeout.index()] > 50,
        "users time out"
    );
    assert!(
        successes_between("frozen-dependency", 32, 40) > 150,
        "it recovers after 20 s"
    );
}

/// Brooker's collapse model: without backoff and a budget the retries keep the server past
/// the timeout for good; with them it recovers. The preset texts quote these numbers.
#[test]
fn contention_and_retries_make_a_metastable_failure_that_protection_prevents() {
    for id in ["collapse", "collapse-protected"] {
        let before = run(id, 10);
        assert_eq!(before.client_totals().failed(), 0, "{id}: healthy at 40/s");
        assert!(
            successes_between(id, 5, 10) > 150,
            "{id}: about 40 successes a second before the spike"
        );
    }
    assert_eq!(
        successes_between("collapse", 30, 60),
        0,
        "still collapsed 15 to 45 s after the spike"
    );
    let in_progress = |id: &str, seconds: u64| node(&run(id, seconds), "Server").busy;
    let (at_30, at_60) = (in_progress("collapse", 30), in_progress("collapse", 60));
    assert!(
        (600..1_000).contains(&at_30) && at_60 > at_30 + 1_500,
        "the work in progress grows without end: {at_30} at 30 s, {at_60} at 60 s"
    );
    assert!(
        successes_between("collapse-protected", 30, 60) > 1_050,
        "back to about 40 a second"
    );
    assert!(in_progress("collapse-protected", 60) < 150);
    let protected = run("collapse-protected", 60);
    let failed = protected.client_totals().failed();
    assert!(
        (20..100).contains(&failed),
        "the budget fails about 50 requests instead of retrying them: {failed}"
    );
}

#[test]
fn without_backoff_the_retry_storm_outlives_the_spike() {
    assert!(
        successes_between("retry-storm", 1, 5) > 400,
        "healthy before the spike"
    );
    assert!(
        successes_between("retry-storm", 20, 30) < 20,
        "still down 13 s after the spike ended"
    );
    let storm = run("retry-storm", 30);
    let database = node(&storm, "Database");
    assert!(
        database.metrics.wasted_responses > 1_000,
        "the database works for callers who left"
    );
    assert!(
        storm.amplification() > 2.0,
        "retries multiply the load: {}",
        storm.amplification()
    );
}

#[test]
fn backoff_jitter_and_a_breaker_let_the_system_recover() {
    assert!(
        successes_between("retry-storm-contained", 20, 30) > 1_000,
        "recovered after the spike"
    );
    let contained = run("retry-storm-contained", 30);
    let link = contained.link(LinkId(1)).expect("API -> Database");
    assert!(
        link.metrics.not_permitted > 0,
        "the breaker shed load while open"
    );
}

#[test]
fn the_async_chain_absorbs_the_outage_and_loses_nothing() {
    let during = run("checkout-async", 14);
    assert_eq!(during.client_totals().failed(), 0, "users see no errors");
    let holding = queue(&during, "Payments.queue");
    assert!(
        holding.depth > 200,
        "the queue holds the work: {}",
        holding.depth
    );
    let after = run("checkout-async", 30);
    let queue = queue(&after, "Payments.queue");
    assert!(queue.depth < 5, "drained: {}", queue.depth);
    assert_eq!(
        queue.metrics.dead_lettered
            + queue.metrics.dropped_broker_down
            + queue.metrics.dropped_without_dlq,
        0,
        "nothing lost"
    );
}

#[test]
fn poison_messages_end_in_the_dead_letter_queue_and_nothing_else_does() {
    let simulation = run("poison-message", 60);
    let queue = queue(&simulation, "Payments.queue");
    let published = link(&simulation, 1).metrics.published;
    let expected = published as f64 * 0.02;
    let dead = queue.metrics.dead_lettered as f64;
    assert!(
        (dead - expected).abs() < 4.0 * expected.sqrt() + 2.0,
        "about 2% dead-lettered: {dead} of {published}"
    );
    assert!(
        queue.metrics.requeued >= queue.metrics.dead_lettered * 4,
        "each went round five times"
    );
    assert_eq!(
        simulation.client_totals().failed(),
        0,
        "users never see the poison"
    );
}

#[test]
fn when_the_broker_dies_orders_fail_and_unacked_messages_come_back() {
    let before = run("broker-down", 5).client_totals();
    let down = run("broker-down", 12).client_totals();
    let failed_during = down.failed() - before.failed();
    assert!(
        failed_during > 100,
        "orders fail while the broker is down: {failed_during}"
    );
    let after = run("broker-down", 20);
    assert!(
        successes_between("broker-down", 14, 20) > 100,
        "orders succeed again"
    );
    let queue = queue(&after, "Payments.queue");
    assert!(
        queue.metrics.delivered > queue.metrics.enqueued,
        "lost acks mean redeliveries"
    );
}

/// Every preset's trace, pinned: a change to the engine that is meant to be only faster (the
/// event queue, sampling) must leave each of them as it was, bit for bit. Seed 1, two simulated
/// minutes (two seconds for the benchmark workloads, which make a hundred times the events).
#[test]
fn every_presets_trace_is_pinned() {
    let pinned: &[(&str, u64, u64, u64)] = &[
        ("checkout", 120, 51_919, 0x439d_c011_93b6_9d3b),
        ("frozen-dependency", 120, 50_640, 0x77e2_f8db_91af_f747),
        ("retry-storm", 120, 388_533, 0xa5bd_ea7f_76b2_f848),
        ("retry-storm-contained", 120, 161_107, 0x9545_d900_fc96_7dbf),
        ("collapse", 120, 103_494, 0x5ac9_4a9a_3ab4_aaa8),
        ("collapse-protected", 120, 35_571, 0xc20b_1cbd_2807_3839),
        ("checkout-async", 120, 51_935, 0x56af_89b0_cd78_81c8),
        ("poison-message", 120, 52_831, 0xc4a2_4d4b_ec90_09df),
        ("broker-down", 120, 50_595, 0x8bab_4246_8097_6f63),
        ("reference", 2, 281_155, 0x2e94_0e4e_d117_c169),
        ("stress", 2, 499_988, 0x5b19_607b_a44a_4daf),
    ];
    for &(id, seconds, count, hash) in pinned {
        let simulation = run(id, seconds);
        let trace = simulation.trace();
        assert_eq!(
            (trace.count(), trace.hash()),
            (count, hash),
            "{id}: trace changed ({} events, hash {:#018x})",
            trace.count(),
            trace.hash()
        );
    }
}
