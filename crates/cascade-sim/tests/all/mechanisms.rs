//! Mechanism tests: one scenario per mechanism of the engine. Each builds a small topology with
//! constant service times, constant latencies and evenly spaced arrivals, so the figures a user
//! would read (counts, latencies, queue depths) are exact and can be worked out by hand; the
//! comment above each assertion block says how.
//!
//! Conventions: every link has a one-way latency of 1 ms unless said otherwise; a load source
//! at `r` requests per second sends its first request at `1000/r` ms, then one every `1000/r`
//! ms. A load source has no local work, so a request leaves the source at its start time.
//! Every run checks the engine's invariants after every event.
//!
//! Some tests started as pinned engine bugs (found by writing these tests) and now guard the fixes;
//! they fail until the engine is fixed.

use cascade_sim::breaker::{BreakerConfig, BreakerState};
use cascade_sim::trace::DeadLetterReason;
use cascade_sim::{
    Arrival, AsyncPolicy, Backoff, CallMode, ClientSpec, Command, CommandError,
    DeliveryLimitCounts, Failure, Jitter, LinkKind, LinkSpec, NodeState, Overflow, PublishFailure,
    RetryBudget, RunOutcome, Scenario, ServiceSpec, SimTime, Simulation, Spike, SyncPolicy,
    TimedCommand, TraceKind, TraceRetention,
};

use crate::support::{
    client, constant, exponential, freeze, kill, link, node, queue, revive, run_checked,
    run_watching, service, users,
};

// ---- topology helpers ---------------------------------------------------------------------

const SEED: u64 = 11;

/// `millis` after the start of the run.
fn at(millis: u64) -> SimTime {
    SimTime::from_millis(millis)
}

fn ms_of(time: SimTime) -> f64 {
    time.as_micros() as f64 / 1e3
}

fn failing_service(name: &str, workers: u32, service_ms: f64) -> ServiceSpec {
    ServiceSpec {
        error_rate: 1.0,
        ..service(name, workers, 100, constant(service_ms))
    }
}

/// A fixed delay: the default multiplier is 1 and the default jitter none.
fn fixed_backoff(ms: f64) -> Backoff {
    Backoff {
        initial_ms: ms,
        ..Backoff::default()
    }
}

/// A sync call with 1 ms latency and a fixed 10 ms backoff between attempts.
fn call(from: &str, to: &str, timeout_ms: f64, max_attempts: u32) -> LinkSpec {
    LinkSpec {
        from: from.into(),
        to: to.into(),
        kind: LinkKind::Sync,
        latency: constant(1.0),
        sync: SyncPolicy {
            timeout_ms,
            max_attempts,
            backoff: fixed_backoff(10.0),
            ..SyncPolicy::default()
        },
        ..LinkSpec::default()
    }
}

/// A sync call that never times out and is never retried.
fn plain_call(from: &str, to: &str) -> LinkSpec {
    call(from, to, 1e7, 1)
}

/// An async link with 1 ms latency to the broker and from the broker.
fn publish(from: &str, to: &str, policy: AsyncPolicy) -> LinkSpec {
    LinkSpec {
        from: from.into(),
        to: to.into(),
        kind: LinkKind::Async,
        latency: constant(1.0),
        async_policy: policy,
        ..LinkSpec::default()
    }
}

fn topology(
    services: Vec<ServiceSpec>,
    clients: Vec<ClientSpec>,
    links: Vec<LinkSpec>,
) -> Scenario {
    Scenario {
        name: "mechanism".into(),
        services,
        clients,
        links,
        ..Scenario::default()
    }
}

fn start(scenario: &Scenario) -> Simulation {
    Simulation::new(scenario, SEED, TraceRetention::Everything).expect("valid scenario")
}

fn apply(simulation: &mut Simulation, command: Command) {
    let text = format!("{command:?}");
    if let Err(error) = simulation.apply(command) {
        panic!("{text} was refused: {error}");
    }
}

fn failed(simulation: &Simulation, client_name: &str, reason: Failure) -> u64 {
    client(simulation, client_name).failed_by_reason[reason.index()]
}

/// Times (in ms) of the kept trace events that `pick` selects.
fn times_of(simulation: &Simulation, pick: impl Fn(&TraceKind) -> bool) -> Vec<f64> {
    simulation
        .trace()
        .events()
        .filter(|event| pick(&event.kind))
        .map(|event| ms_of(event.time))
        .collect()
}

fn count_of(simulation: &Simulation, pick: impl Fn(&TraceKind) -> bool) -> usize {
    times_of(simulation, pick).len()
}

/// (latency in ms, failure) of every finished client request, in order.
fn finished(simulation: &Simulation) -> Vec<(f64, Option<Failure>)> {
    simulation
        .trace()
        .events()
        .filter_map(|event| match event.kind {
            TraceKind::RequestFinished {
                failure,
                latency_us,
                ..
            } => Some((latency_us as f64 / 1e3, failure)),
            _ => None,
        })
        .collect()
}

fn node_id(simulation: &Simulation, name: &str) -> cascade_sim::NodeId {
    node(simulation, name).id
}

// ---- freeze and slow ----------------------------------------------------------------------

/// Users (10/s) -> Api (4 workers, 10 ms), timeout 100 ms, one attempt.
#[test]
fn freeze_times_out_callers_and_the_backlog_is_processed_only_after_revive() {
    let scenario = topology(
        vec![service("Api", 4, 100, constant(10.0))],
        vec![users("Users", 10.0)],
        vec![call("Users", "Api", 100.0, 1)],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(1_050));
    assert_eq!(
        client(&sim, "Users").succeeded,
        10,
        "healthy: 100..1000 ms answered"
    );

    apply(&mut sim, freeze("Api"));
    let api_id = node_id(&sim, "Api");
    run_checked(&mut sim, at(2_050));
    // Requests 1100..2000 reach a hung Api. Those sent at 1100..1900 time out 100 ms later;
    // the one sent at 2000 is still waiting.
    let api = node(&sim, "Api");
    assert_eq!(api.state, NodeState::Frozen);
    assert_eq!(api.busy, 0, "a frozen service starts no work");
    assert_eq!(
        api.metrics.received, 10,
        "nothing is processed while frozen"
    );
    assert_eq!(failed(&sim, "Users", Failure::Timeout), 9);
    assert_eq!(link(&sim, 0).metrics.timeouts, 9);
    let work_while_frozen = times_of(
        &sim,
        |kind| matches!(kind, TraceKind::WorkStarted { node, .. } if *node == api_id),
    )
    .into_iter()
    .filter(|time| *time > 1_050.0)
    .count();
    assert_eq!(work_while_frozen, 0);

    apply(&mut sim, revive("Api"));
    run_checked(&mut sim, at(2_500));
    // On revive the ten held calls are processed, four at a time (2050-2060, 2060-2070,
    // 2070-2080). Nine callers gave up: 9 wasted responses of 10 ms of work each. The tenth
    // (sent at 2000, timeout at 2100) gets its answer at 2081: latency 81 ms.
    let api = node(&sim, "Api");
    assert_eq!(api.metrics.wasted_responses, 9);
    assert_eq!(api.metrics.wasted_work_us, 90_000);
    assert_eq!(api.metrics.received, 24, "10 before, 10 held, 2100..2400");
    let users = client(&sim, "Users");
    assert_eq!(users.started, 25);
    assert_eq!(
        users.succeeded, 15,
        "10 before + the one sent at 2000 + 2100..2400"
    );
    assert_eq!(users.failed(), 9);
    assert_eq!(users.latency.max_ms(), 81.0);
}

/// Users (1/s) -> Api (1 worker, 500 ms). A request starts work at 1001 ms; Api hangs from
/// 1200 to 2000 ms. A hung process does no work, so 300 ms remain at 2000 and the answer is
/// due at 2301 (latency 1302 ms). The engine instead lets the work finish during the freeze
/// and answers at the revive (latency 1001 ms); a freeze shorter than the remaining work does
/// not delay the request at all.
#[test]
fn freeze_pauses_the_work_in_progress() {
    let scenario = topology(
        vec![service("Api", 1, 10, constant(500.0))],
        vec![users("Users", 1.0)],
        vec![plain_call("Users", "Api")],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(1_200));
    apply(&mut sim, freeze("Api"));
    run_checked(&mut sim, at(2_000));
    apply(&mut sim, revive("Api"));
    run_checked(&mut sim, at(2_500));
    assert_eq!(
        finished(&sim),
        [(1_302.0, None)],
        "500 ms of work plus 800 ms frozen plus 2 ms of network"
    );
}

/// Calls held by a frozen Api were accepted (the connections are open); when the process is
/// then killed, those connections are reset. The engine replays them after the kill as new
/// connection attempts, so callers see Refused and Api counts them as refused.
#[test]
fn killing_a_frozen_service_resets_the_calls_it_accepted() {
    let scenario = topology(
        vec![service("Api", 4, 100, constant(10.0))],
        vec![users("Users", 10.0)],
        vec![plain_call("Users", "Api")],
    );
    let mut sim = start(&scenario);
    apply(&mut sim, freeze("Api"));
    run_checked(&mut sim, at(350));
    // Requests 100, 200, 300 reached the hung Api.
    apply(&mut sim, kill("Api"));
    run_checked(&mut sim, at(360));
    assert_eq!(failed(&sim, "Users", Failure::Reset), 3);
    assert_eq!(failed(&sim, "Users", Failure::Refused), 0);
    assert_eq!(node(&sim, "Api").metrics.refused, 0);
}

/// Users (10/s) -> Api (10 workers, 20 ms): latency 22 ms; Slow x3 makes it 2 + 60 = 62 ms.
#[test]
fn slow_multiplies_the_service_time() {
    let scenario = topology(
        vec![service("Api", 10, 100, constant(20.0))],
        vec![users("Users", 10.0)],
        vec![plain_call("Users", "Api")],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(1_050));
    apply(
        &mut sim,
        Command::Slow {
            node: "Api".into(),
            factor: 3.0,
        },
    );
    assert_eq!(node(&sim, "Api").slow_factor, 3.0);
    run_checked(&mut sim, at(2_050));
    apply(
        &mut sim,
        Command::Slow {
            node: "Api".into(),
            factor: 1.0,
        },
    );
    run_checked(&mut sim, at(3_050));
    let latencies: Vec<f64> = finished(&sim)
        .into_iter()
        .map(|(latency, _)| latency)
        .collect();
    let mut expected = vec![22.0; 10];
    expected.extend([62.0; 10]);
    expected.extend([22.0; 10]);
    assert_eq!(latencies, expected);
    assert_eq!(
        count_of(&sim, |kind| matches!(
            kind,
            TraceKind::NodeSlowed {
                factor_percent: 300,
                ..
            }
        )),
        1
    );
}

// ---- errors, retries and the reasons users see ----------------------------------------------

/// A: Users -> Api (10 ms), one attempt; Api's error rate goes to 1 at 1050 ms.
/// B: Retriers -> Flaky (always fails, 1 ms), three attempts 10 ms apart.
#[test]
fn error_rate_reaches_users_as_server_errors_after_the_last_attempt() {
    let scenario = topology(
        vec![
            service("Api", 10, 100, constant(10.0)),
            failing_service("Flaky", 10, 1.0),
        ],
        vec![users("Users", 10.0), users("Retriers", 10.0)],
        vec![
            call("Users", "Api", 1_000.0, 1),
            call("Retriers", "Flaky", 1_000.0, 3),
        ],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(1_050));
    assert_eq!(client(&sim, "Users").succeeded, 10);
    apply(
        &mut sim,
        Command::SetErrorRate {
            node: "Api".into(),
            error_rate: 1.0,
        },
    );
    assert_eq!(node(&sim, "Api").error_rate, 1.0);
    run_checked(&mut sim, at(2_050));

    let users = client(&sim, "Users");
    assert_eq!(users.succeeded, 10);
    assert_eq!(users.failed(), 10, "1100..2000 all fail");
    assert_eq!(failed(&sim, "Users", Failure::ServerError), 10);
    assert_eq!(link(&sim, 0).metrics.attempts, 20, "one attempt each");
    assert_eq!(link(&sim, 0).metrics.retries, 0);

    // Each request: attempts at t, t+13, t+26, each failing 3 ms later; the user hears at t+29.
    let retriers = client(&sim, "Retriers");
    assert_eq!(retriers.failed_by_reason[Failure::ServerError.index()], 20);
    let flaky_link = link(&sim, 1);
    assert_eq!(
        flaky_link.metrics.attempts, 60,
        "(1 - p^n)/(1 - p) = n attempts at p = 1"
    );
    assert_eq!(flaky_link.metrics.retries, 40);
    assert_eq!(flaky_link.metrics.exhausted, 20);
    assert_eq!(node(&sim, "Flaky").metrics.failed, 60);
    let retried: Vec<f64> = finished(&sim)
        .into_iter()
        .filter(|(latency, failure)| *failure == Some(Failure::ServerError) && *latency > 20.0)
        .map(|(latency, _)| latency)
        .collect();
    assert_eq!(retried, vec![29.0; 20]);
}

/// Four users, four ways to fail; each is counted under its real reason at the load source.
/// A -> Slowpoke (500 ms, timeout 100 ms): timeouts.
/// B -> Dead (killed): refused.
/// C -> Busy (1 worker, no queue, 1000 ms): the first request is served, the rest rejected.
/// D -> Front -> Down (killed): Front answers 5xx, so D sees a server error.
#[test]
fn client_failures_are_counted_under_their_real_reason() {
    let scenario = topology(
        vec![
            service("Slowpoke", 10, 100, constant(500.0)),
            service("Dead", 10, 100, constant(1.0)),
            service("Busy", 1, 0, constant(1_000.0)),
            service("Front", 10, 100, constant(1.0)),
            service("Down", 10, 100, constant(1.0)),
        ],
        vec![
            users("A", 10.0),
            users("B", 10.0),
            users("C", 10.0),
            users("D", 10.0),
        ],
        vec![
            call("A", "Slowpoke", 100.0, 1),
            call("B", "Dead", 1_000.0, 1),
            call("C", "Busy", 5_000.0, 1),
            call("D", "Front", 1_000.0, 1),
            call("Front", "Down", 1_000.0, 1),
        ],
    );
    let mut sim = start(&scenario);
    apply(&mut sim, kill("Dead"));
    apply(&mut sim, kill("Down"));
    run_checked(&mut sim, at(1_050));

    let only = |name: &str, reason: Failure, count: u64| {
        let metrics = client(&sim, name);
        assert_eq!(metrics.failed(), count, "{name}");
        assert_eq!(
            metrics.failed_by_reason[reason.index()],
            count,
            "{name}: {reason:?}"
        );
    };
    only("A", Failure::Timeout, 9); // 100..900 timed out by 1000; 1000's is due at 1100
    only("B", Failure::Refused, 10);
    only("C", Failure::Rejected, 9); // 200..1000; 100 is still being served
    only("D", Failure::ServerError, 10);
    assert_eq!(node(&sim, "Dead").metrics.refused, 10);
    assert_eq!(node(&sim, "Down").metrics.refused, 10);
    assert_eq!(node(&sim, "Busy").metrics.rejected, 9);
    assert_eq!(node(&sim, "Busy").metrics.received, 10);
    assert_eq!(node(&sim, "Slowpoke").metrics.received, 10);
}

// ---- kill and revive ------------------------------------------------------------------------

/// Users (10/s) -> Api (1 worker, 150 ms, queue 10). At 380 ms Api holds the request sent at
/// 200 (working since 251) and has the one sent at 300 queued; both get a connection reset.
/// Requests 400..1000 are refused; after the revive at 1050 Api serves again.
#[test]
fn kill_resets_working_and_queued_requests_refuses_new_ones_and_revive_restores() {
    let scenario = topology(
        vec![service("Api", 1, 10, constant(150.0))],
        vec![users("Users", 10.0)],
        vec![plain_call("Users", "Api")],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(380));
    let api = node(&sim, "Api");
    assert_eq!((api.busy, api.inbound), (1, 1), "one working, one queued");
    apply(&mut sim, kill("Api"));
    let api = node(&sim, "Api");
    assert_eq!(api.state, NodeState::Killed);
    assert_eq!((api.busy, api.inbound), (0, 0));
    assert_eq!(api.metrics.failed, 2);
    let resets = count_of(&sim, |kind| {
        matches!(
            kind,
            TraceKind::Responded {
                failure: Some(Failure::Reset),
                ..
            }
        )
    });
    assert_eq!(resets, 2);

    run_checked(&mut sim, at(1_050));
    assert_eq!(failed(&sim, "Users", Failure::Reset), 2);
    assert_eq!(failed(&sim, "Users", Failure::Refused), 7, "400..1000");
    assert_eq!(node(&sim, "Api").metrics.refused, 7);

    apply(&mut sim, revive("Api"));
    assert_eq!(node(&sim, "Api").state, NodeState::Up);
    run_checked(&mut sim, at(1_500));
    let users = client(&sim, "Users");
    assert_eq!(users.started, 15);
    assert_eq!(
        users.succeeded, 3,
        "100, then 1100 (at 1252) and 1200 (at 1402)"
    );
    assert_eq!(users.failed(), 9);
    assert_eq!(
        sim.requests_in_flight(),
        3,
        "1300, 1400, 1500 are still being served"
    );
}

// ---- partitions ---------------------------------------------------------------------------

/// Users (10/s) -> Api (10 ms), timeout 100 ms, one attempt. Link 0 is partitioned from 1050 to
/// 2050 ms: the ten requests sent meanwhile are lost and time out at the load source.
#[test]
fn partition_loses_sync_calls_until_healed() {
    let scenario = topology(
        vec![service("Api", 10, 100, constant(10.0))],
        vec![users("Users", 10.0)],
        vec![call("Users", "Api", 100.0, 1)],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(1_050));
    apply(&mut sim, Command::Partition { link: 0 });
    assert!(link(&sim, 0).partitioned);
    run_checked(&mut sim, at(2_050));
    apply(&mut sim, Command::Heal { link: 0 });
    assert!(!link(&sim, 0).partitioned);
    assert_eq!(
        node(&sim, "Api").metrics.received,
        10,
        "lost calls never arrive"
    );
    run_checked(&mut sim, at(3_050));

    let users = client(&sim, "Users");
    assert_eq!(users.started, 30);
    assert_eq!(users.succeeded, 20, "100..1000 and 2100..3000");
    assert_eq!(failed(&sim, "Users", Failure::Timeout), 10, "1100..2000");
    assert_eq!(users.failed(), 10);
    assert_eq!(link(&sim, 0).metrics.timeouts, 10);
    assert_eq!(node(&sim, "Api").metrics.received, 20);
}

/// Users -> Api (10 ms) -> async -> Worker. With the async link partitioned Api cannot publish;
/// on_publish_failure FailRequest fails Api's request, which the user sees as a 5xx.
#[test]
fn partition_of_an_async_link_fails_publishes() {
    let scenario = topology(
        vec![
            service("Api", 10, 100, constant(10.0)),
            service("Worker", 10, 100, constant(1.0)),
        ],
        vec![users("Users", 10.0)],
        vec![
            call("Users", "Api", 1_000.0, 1),
            publish("Api", "Worker", AsyncPolicy::default()),
        ],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(1_050));
    apply(&mut sim, Command::Partition { link: 1 });
    run_checked(&mut sim, at(2_050));
    assert_eq!(link(&sim, 1).metrics.published, 10);
    assert_eq!(link(&sim, 1).metrics.publish_failed, 10);
    assert_eq!(failed(&sim, "Users", Failure::ServerError), 10);
    assert_eq!(
        count_of(&sim, |kind| matches!(kind, TraceKind::PublishFailed { .. })),
        10
    );
    apply(&mut sim, Command::Heal { link: 1 });
    run_checked(&mut sim, at(3_050));
    assert_eq!(link(&sim, 1).metrics.published, 20);
    assert_eq!(client(&sim, "Users").succeeded, 20);
    let jobs = queue(&sim, "Worker.queue");
    assert_eq!((jobs.metrics.enqueued, jobs.metrics.acked), (20, 20));
}

// ---- bulkhead, retry budget, circuit breaker ----------------------------------------------

/// Users (10/s) -> Api (10 workers, 500 ms) through a bulkhead of 2. A call holds its slot for
/// 502 ms, so of every six requests two go out and four fail at once with BulkheadFull.
#[test]
fn bulkhead_caps_concurrent_calls_and_fails_the_extra_ones_at_once() {
    let mut link_spec = plain_call("Users", "Api");
    link_spec.sync.max_concurrent_calls = Some(2);
    let scenario = topology(
        vec![service("Api", 10, 100, constant(500.0))],
        vec![users("Users", 10.0)],
        vec![link_spec],
    );
    let mut sim = start(&scenario);
    let (mut max_concurrent, mut max_busy) = (0, 0);
    run_watching(&mut sim, at(1_250), |sim| {
        max_concurrent = max_concurrent.max(link(sim, 0).concurrent);
        max_busy = max_busy.max(node(sim, "Api").busy);
    });
    assert_eq!(max_concurrent, 2);
    assert_eq!(
        max_busy, 2,
        "Api never works on more than the bulkhead lets through"
    );
    // Sent: 100, 200, 700, 800. Refused: 300..600 and 900..1200.
    assert_eq!(link(&sim, 0).metrics.not_permitted, 8);
    assert_eq!(link(&sim, 0).metrics.attempts, 4);
    assert_eq!(node(&sim, "Api").metrics.received, 4);
    let users = client(&sim, "Users");
    assert_eq!(failed(&sim, "Users", Failure::BulkheadFull), 8);
    assert_eq!(users.succeeded, 3, "100 (602), 200 (702), 700 (1202)");
    assert_eq!(users.started, 12);
    let listed: u64 = Failure::ALL
        .iter()
        .map(|reason| users.failed_by_reason[reason.index()])
        .sum();
    assert_eq!(listed, users.failed(), "Failure::ALL lists every reason");
    let refusals = count_of(&sim, |kind| {
        matches!(
            kind,
            TraceKind::CallNotPermitted {
                reason: Failure::BulkheadFull,
                ..
            }
        )
    });
    assert_eq!(refusals, 8);
}

/// Users (10/s) -> Api (1 ms), timeout 50 ms, 3 attempts 10 ms apart, retry budget of 20
/// tokens (a retry costs 5, a retry after a timeout 10, a success refunds 1).
#[test]
fn retry_budget_drains_stops_retries_and_refills_on_success() {
    let mut link_spec = call("Users", "Api", 50.0, 3);
    // AWS costs (the defaults): a retry 5, a retry after a timeout 10, a success refunds 1.
    let budget = RetryBudget {
        capacity: 20,
        ..RetryBudget::default()
    };
    assert_eq!(
        (
            budget.retry_cost,
            budget.timeout_retry_cost,
            budget.first_attempt_refund
        ),
        (5, 10, 1)
    );
    link_spec.sync.retry_budget = Some(budget);
    let scenario = topology(
        vec![failing_service("Api", 10, 1.0)],
        vec![users("Users", 10.0)],
        vec![link_spec],
    );
    let mut sim = start(&scenario);
    assert_eq!(link(&sim, 0).retry_tokens, Some(20));
    // Request 100 fails at 103 and 116 (two retries: 20 -> 15 -> 10), request 200 at 203 and
    // 216 (-> 5 -> 0); from request 300 on, the first failure finds the bucket empty.
    run_checked(&mut sim, at(150));
    assert_eq!(link(&sim, 0).retry_tokens, Some(10));
    run_checked(&mut sim, at(250));
    assert_eq!(link(&sim, 0).retry_tokens, Some(0));
    run_checked(&mut sim, at(1_050));
    let metrics = link(&sim, 0).metrics.clone();
    assert_eq!(metrics.retries, 4);
    assert_eq!(metrics.attempts, 14);
    assert_eq!(
        metrics.budget_exhausted, 8,
        "requests 300..1000 get no retry"
    );
    assert_eq!(metrics.exhausted, 10);
    assert_eq!(failed(&sim, "Users", Failure::ServerError), 10);

    // Healthy again: ten successes refund a token each.
    apply(
        &mut sim,
        Command::SetErrorRate {
            node: "Api".into(),
            error_rate: 0.0,
        },
    );
    run_checked(&mut sim, at(2_050));
    assert_eq!(client(&sim, "Users").succeeded, 10);
    assert_eq!(link(&sim, 0).retry_tokens, Some(10));

    // 100 ms of work against a 50 ms timeout: the attempt sent at 2100 times out at 2150 and
    // its retry costs 10 tokens; the retry times out at 2210 and finds the bucket empty. The
    // late answer to the first attempt (2202) refunds nothing: its caller had given up.
    apply(
        &mut sim,
        Command::Slow {
            node: "Api".into(),
            factor: 100.0,
        },
    );
    run_checked(&mut sim, at(2_149));
    assert_eq!(link(&sim, 0).retry_tokens, Some(10));
    run_checked(&mut sim, at(2_150));
    assert_eq!(link(&sim, 0).retry_tokens, Some(0));
    run_checked(&mut sim, at(2_210));
    assert_eq!(link(&sim, 0).retry_tokens, Some(0));
    assert_eq!(link(&sim, 0).metrics.budget_exhausted, 9);
    assert_eq!(link(&sim, 0).metrics.timeouts, 2);
    assert_eq!(failed(&sim, "Users", Failure::Timeout), 1);
}

/// AWS standard mode: a call that succeeds after a retry gives back what the retry took, not
/// the first-attempt refund. Users (10/s) -> Api (1 ms), 3 attempts 10 ms apart, budget 20.
/// Api is dead until 105 ms: request 100 is refused at 102, its retry (5 tokens: 20 -> 15)
/// leaves at 112 and succeeds at 115, giving the 5 back. Every later request succeeds at once
/// (+1, capped at 20).
#[test]
fn retry_budget_gives_back_a_successful_retrys_cost() {
    let mut link_spec = call("Users", "Api", 50.0, 3);
    link_spec.sync.retry_budget = Some(RetryBudget {
        capacity: 20,
        ..RetryBudget::default()
    });
    let scenario = topology(
        vec![service("Api", 10, 100, constant(1.0))],
        vec![users("Users", 10.0)],
        vec![link_spec],
    );
    let mut sim = start(&scenario);
    apply(&mut sim, kill("Api"));
    run_checked(&mut sim, at(105));
    assert_eq!(link(&sim, 0).retry_tokens, Some(15), "the retry took 5");
    apply(&mut sim, revive("Api"));
    run_checked(&mut sim, at(150));
    assert_eq!(client(&sim, "Users").succeeded, 1);
    assert_eq!(link(&sim, 0).metrics.retries, 1);
    assert_eq!(
        link(&sim, 0).retry_tokens,
        Some(20),
        "the retried success gives back its 5 tokens (a first-attempt success gives 1)"
    );
}

/// A consumer killed while a delivery is on the wire, then revived. Its channel closed, so the
/// broker takes the delivery back at once (here it is dead-lettered: one receive allowed); the
/// prefetch slot is free again and the revived consumer carries on. This used to strand the
/// queue: the revived consumer waited for the old delivery, which freed nothing when it
/// landed, and after an hour 15 messages were ready, none unacked, the consumer idle.
#[test]
fn a_consumer_killed_with_a_delivery_on_the_wire_carries_on_after_revive() {
    let scenario = topology(
        vec![service("Worker", 1, 100, constant(10.0))],
        vec![users("Users", 10.0)],
        vec![publish(
            "Users",
            "Worker",
            AsyncPolicy {
                prefetch: 1,
                delivery_limit: 1,
                delivery_limit_counts: DeliveryLimitCounts::Receives,
                ..AsyncPolicy::default()
            },
        )],
    );
    let mut sim = start(&scenario);
    // The first message reaches the broker at 101 ms and is on its way to Worker until 102.
    run_checked(&mut sim, SimTime::from_micros(101_500));
    assert_eq!(
        queue(&sim, "Worker.queue").unacked,
        1,
        "a delivery on the wire"
    );
    apply(&mut sim, kill("Worker"));
    let jobs = queue(&sim, "Worker.queue");
    assert_eq!(
        (jobs.unacked, jobs.metrics.dead_lettered),
        (0, 1),
        "taken back at once, and at its limit"
    );
    run_checked(&mut sim, at(150));
    apply(&mut sim, revive("Worker"));
    run_checked(&mut sim, SimTime::from_secs(3_600));
    let jobs = queue(&sim, "Worker.queue");
    assert!(jobs.depth <= 1, "{} messages stranded", jobs.depth);
    assert_eq!(jobs.metrics.dead_lettered, 1);
    assert!(
        jobs.metrics.acked >= jobs.metrics.enqueued - 3,
        "{} of {} acknowledged",
        jobs.metrics.acked,
        jobs.metrics.enqueued
    );
}

/// SQS: a consumer polls, so a hung one receives nothing, and the message a crashed one held
/// stays invisible until its visibility timeout (RabbitMQ would requeue it when the channel
/// closes). Users (1/s) -> async (visibility 300 ms) -> Worker (1 s of work).
#[test]
fn an_sqs_message_held_by_a_crashed_consumer_waits_for_its_visibility_timeout() {
    let scenario = topology(
        vec![service("Worker", 1, 100, constant(1_000.0))],
        vec![users("Users", 1.0)],
        vec![publish(
            "Users",
            "Worker",
            AsyncPolicy {
                visibility_timeout_ms: Some(300.0),
                delivery_limit_counts: DeliveryLimitCounts::Receives,
                prefetch: 10,
                ..AsyncPolicy::default()
            },
        )],
    );
    let mut sim = start(&scenario);
    // Delivered at 1001, being processed at 1100 when Worker crashes.
    run_checked(&mut sim, at(1_100));
    apply(&mut sim, kill("Worker"));
    run_checked(&mut sim, at(1_200));
    assert_eq!(
        queue(&sim, "Worker.queue").unacked,
        1,
        "invisible, not requeued"
    );
    apply(&mut sim, revive("Worker"));
    run_checked(&mut sim, at(1_300));
    assert_eq!(queue(&sim, "Worker.queue").unacked, 1, "still invisible");
    run_checked(&mut sim, at(1_310));
    assert_eq!(
        delivery_times(&sim),
        [1_001.0, 1_301.0],
        "visible again at 1301 and received again"
    );
    // Hung: the poller asks for nothing, so nothing is received while it hangs.
    apply(&mut sim, freeze("Worker"));
    run_checked(&mut sim, at(4_500));
    let received = queue(&sim, "Worker.queue").metrics.delivered;
    run_checked(&mut sim, at(9_500));
    assert_eq!(queue(&sim, "Worker.queue").metrics.delivered, received);
    assert!(
        queue(&sim, "Worker.queue").depth >= 4,
        "the backlog waits in the queue"
    );
}

/// A hung RabbitMQ consumer with prefetch 0 is pushed every message; when it thaws they are all
/// read at once. A backlog that large is not an instant feeding itself: the run goes on.
#[test]
fn a_thawed_consumer_reads_a_large_pushed_backlog_without_stalling() {
    let scenario = topology(
        vec![service("Worker", 10, 100, constant(0.01))],
        vec![users("Users", 500_000.0)],
        vec![publish(
            "Users",
            "Worker",
            AsyncPolicy {
                prefetch: 0,
                ..AsyncPolicy::default()
            },
        )],
    );
    let mut sim = Simulation::new(&scenario, SEED, TraceRetention::HashOnly).expect("valid");
    sim.run_until(at(10), u64::MAX);
    apply(&mut sim, freeze("Worker"));
    sim.run_until(at(6_010), u64::MAX);
    assert!(
        queue(&sim, "Worker.queue").unacked > 2_500_000,
        "pushed to the hung consumer"
    );
    apply(
        &mut sim,
        Command::UpdateClient {
            spec: ClientSpec {
                rate_per_second: 0.0,
                ..users("Users", 0.0)
            },
        },
    );
    apply(&mut sim, revive("Worker"));
    assert_ne!(
        sim.run_until(at(7_000), u64::MAX),
        RunOutcome::StuckAtInstant
    );
}

/// Users (10/s) -> Api (10 ms), one attempt, breaker: window 4, minimum 4, 50%, 1 s open,
/// 2 trial calls. Api is dead from the start and revived at 2650 ms.
#[test]
fn circuit_breaker_opens_stops_calls_probes_and_closes_after_revive() {
    let mut link_spec = call("Users", "Api", 1_000.0, 1);
    link_spec.sync.breaker = BreakerConfig {
        enabled: true,
        sliding_window_size: 4,
        minimum_number_of_calls: 4,
        failure_rate_threshold: 50.0,
        wait_duration_in_open_ms: 1_000.0,
        permitted_number_of_calls_in_half_open: 2,
        ..BreakerConfig::default()
    };
    let scenario = topology(
        vec![service("Api", 10, 100, constant(10.0))],
        vec![users("Users", 10.0)],
        vec![link_spec],
    );
    let mut sim = start(&scenario);
    assert_eq!(link(&sim, 0).breaker, BreakerState::Closed);
    apply(&mut sim, kill("Api"));

    // Four refusals (answers at 102..402) fill the window: open at 402.
    run_checked(&mut sim, at(1_450));
    assert_eq!(link(&sim, 0).breaker, BreakerState::Open);
    assert_eq!(
        node(&sim, "Api").metrics.refused,
        4,
        "no call reaches Api while open"
    );
    assert_eq!(link(&sim, 0).metrics.not_permitted, 10, "500..1400");
    assert_eq!(failed(&sim, "Users", Failure::BreakerOpen), 10);
    assert_eq!(failed(&sim, "Users", Failure::Refused), 4);

    // The first call after 1402 (at 1500) is a trial: it goes through and is refused.
    run_checked(&mut sim, at(1_550));
    assert_eq!(link(&sim, 0).breaker, BreakerState::HalfOpen);
    assert_eq!(node(&sim, "Api").metrics.refused, 5);
    // The second trial (1600) fails too: open again at 1602 until 2602.
    run_checked(&mut sim, at(2_650));
    assert_eq!(link(&sim, 0).breaker, BreakerState::Open);
    assert_eq!(node(&sim, "Api").metrics.refused, 6);
    assert_eq!(link(&sim, 0).metrics.not_permitted, 20, "and 1700..2600");

    apply(&mut sim, revive("Api"));
    run_checked(&mut sim, at(3_050));
    // Trials at 2700 and 2800 succeed: closed at 2812.
    assert_eq!(link(&sim, 0).breaker, BreakerState::Closed);
    let users = client(&sim, "Users");
    assert_eq!(users.succeeded, 4, "2700, 2800, 2900, 3000");
    assert_eq!(users.started, 30);
    let transitions: Vec<(f64, BreakerState, BreakerState)> = sim
        .trace()
        .events()
        .filter_map(|event| match event.kind {
            TraceKind::BreakerChanged { from, to, .. } => Some((ms_of(event.time), from, to)),
            _ => None,
        })
        .collect();
    use BreakerState::{Closed, HalfOpen, Open};
    assert_eq!(
        transitions,
        [
            (402.0, Closed, Open),
            (1_500.0, Open, HalfOpen),
            (1_602.0, HalfOpen, Open),
            (2_700.0, Open, HalfOpen),
            (2_812.0, HalfOpen, Closed),
        ]
    );
}

/// Users (1/s) -> Caller (1 worker, 1 ms) -> Callee (always fails, 1 ms), 3 attempts with a
/// 500 ms backoff. The request reaching Caller at 1001 holds its only worker through both
/// sleeps until 2011; the next request (at Caller at 2001) waits in the queue.
#[test]
fn backoff_sleep_holds_the_callers_worker() {
    let mut retrying = call("Caller", "Callee", 1_000.0, 3);
    retrying.sync.backoff = fixed_backoff(500.0);
    let scenario = topology(
        vec![
            service("Caller", 1, 10, constant(1.0)),
            failing_service("Callee", 10, 1.0),
        ],
        vec![users("Users", 1.0)],
        vec![plain_call("Users", "Caller"), retrying],
    );
    let mut sim = start(&scenario);
    for sample in [1_100, 1_300, 1_500, 1_700, 1_900, 2_005] {
        run_checked(&mut sim, at(sample));
        assert_eq!(node(&sim, "Caller").busy, 1, "held at {sample} ms");
    }
    assert_eq!(
        node(&sim, "Caller").inbound,
        1,
        "the next request waits for the worker"
    );
    let sleeps: Vec<(f64, u64)> = sim
        .trace()
        .events()
        .filter_map(|event| match event.kind {
            TraceKind::RetryScheduled { delay_us, .. } => Some((ms_of(event.time), delay_us)),
            _ => None,
        })
        .collect();
    assert_eq!(sleeps, [(1_005.0, 500_000), (1_508.0, 500_000)]);
    run_checked(&mut sim, at(2_012));
    assert_eq!(finished(&sim), [(1_012.0, Some(Failure::ServerError))]);
    // Three attempts for the first request, then the second request's first (at 2012).
    assert_eq!(link(&sim, 1).metrics.attempts, 4);
    assert_eq!(
        node(&sim, "Caller").inbound,
        0,
        "the freed worker took the next request"
    );
}

// ---- call plans ---------------------------------------------------------------------------

fn fan_out(mode: CallMode, b: ServiceSpec, c: ServiceSpec, c_first: bool) -> Simulation {
    let front = ServiceSpec {
        call_mode: mode,
        ..service("Front", 10, 100, constant(0.0))
    };
    let mut links = vec![plain_call("Users", "Front")];
    if c_first {
        links.extend([plain_call("Front", "C"), plain_call("Front", "B")]);
    } else {
        links.extend([plain_call("Front", "B"), plain_call("Front", "C")]);
    }
    let mut sim = start(&topology(
        vec![front, b, c],
        vec![users("Users", 1.0)],
        links,
    ));
    run_checked(&mut sim, at(1_500));
    sim
}

/// Users (one request at 1000) -> Front (no local work) -> B and C (100 ms each), 1 ms hops.
#[test]
fn parallel_calls_overlap_and_sequential_calls_add_up() {
    let b = || service("B", 10, 100, constant(100.0));
    let c = || service("C", 10, 100, constant(100.0));
    let parallel = fan_out(CallMode::Parallel, b(), c(), false);
    assert_eq!(
        finished(&parallel),
        [(104.0, None)],
        "1 + max(102, 102) + 1"
    );
    let sequential = fan_out(CallMode::Sequential, b(), c(), false);
    assert_eq!(finished(&sequential), [(206.0, None)], "1 + 102 + 102 + 1");
}

/// Parallel: C fails after 20 ms but Front waits for B (100 ms) before answering 5xx.
/// Sequential with C first: C's failure skips B.
#[test]
fn a_failed_branch_fails_the_request_after_every_branch_settles() {
    let b = || service("B", 10, 100, constant(100.0));
    let c = || failing_service("C", 10, 20.0);
    let parallel = fan_out(CallMode::Parallel, b(), c(), false);
    assert_eq!(finished(&parallel), [(104.0, Some(Failure::ServerError))]);
    assert_eq!(node(&parallel, "B").metrics.succeeded, 1);
    assert_eq!(
        node(&parallel, "B").metrics.wasted_responses,
        0,
        "Front waited for B"
    );
    assert_eq!(node(&parallel, "C").metrics.failed, 1);

    let sequential = fan_out(CallMode::Sequential, b(), c(), true);
    assert_eq!(finished(&sequential), [(24.0, Some(Failure::ServerError))]);
    assert_eq!(
        node(&sequential, "B").metrics.received,
        0,
        "the rest of the plan is skipped"
    );
}

// ---- load sources -------------------------------------------------------------------------

/// 5 users, think 100 ms, Api 40 ms, 5 ms hops: each user cycles every 150 ms, so throughput is
/// N / (T + S + 2L) = 5 / 0.15 s = 33.3 requests per second.
#[test]
fn closed_loop_throughput_is_users_over_the_cycle_time() {
    let mut link_spec = plain_call("Users", "Api");
    link_spec.latency = constant(5.0);
    let scenario = topology(
        vec![service("Api", 10, 100, constant(40.0))],
        vec![ClientSpec {
            closed_loop_users: 5,
            think_time: constant(100.0),
            ..users("Users", 0.0)
        }],
        vec![link_spec],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(3_000));
    // A user sends at 100 + 150k and is answered 50 ms later.
    assert_eq!(client(&sim, "Users").started, 100);
    assert_eq!(client(&sim, "Users").succeeded, 100);
    run_checked(&mut sim, at(6_000));
    let users = client(&sim, "Users");
    assert_eq!(users.succeeded - 100, 100, "3 s at 33.3/s");
    assert_eq!(users.started, 200);
    assert_eq!(users.latency.mean_ms(), 50.0);
    assert_eq!(users.latency.max_ms(), 50.0);
    assert!(
        node(&sim, "Api").busy <= 5,
        "never more requests than users"
    );
}

/// 10/s with a 50/s spike from 1 s to 3 s: about 100 arrivals in the spike.
#[test]
fn a_spike_raises_the_arrival_rate_for_its_window() {
    let scenario = topology(
        vec![service("Api", 100, 100, constant(1.0))],
        vec![ClientSpec {
            spikes: vec![Spike {
                at_ms: 1_000.0,
                duration_ms: 2_000.0,
                rate_per_second: 50.0,
            }],
            ..users("Users", 10.0)
        }],
        vec![plain_call("Users", "Api")],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(5_000));
    let starts = times_of(&sim, |kind| {
        matches!(kind, TraceKind::RequestStarted { .. })
    });
    let between = |from: f64, to: f64| {
        starts
            .iter()
            .filter(|time| **time >= from && **time < to)
            .count() as i64
    };
    // Evenly spaced arrivals restart their phase at each rate change, so a window may hold
    // one arrival fewer than rate x duration.
    let spike = between(1_000.0, 3_000.0);
    assert!((99..=100).contains(&spike), "spike arrivals {spike}");
    let before = between(0.0, 1_000.0);
    assert!((9..=10).contains(&before), "before {before}");
    let after = between(3_000.0, 5_000.0);
    assert!((19..=20).contains(&after), "after {after}");
    let gaps: Vec<f64> = starts
        .windows(2)
        .filter(|pair| pair[0] >= 1_000.0 && pair[1] < 3_000.0)
        .map(|pair| pair[1] - pair[0])
        .collect();
    assert!(
        gaps.iter().all(|gap| *gap == 20.0),
        "20 ms apart in the spike"
    );
}

/// Rates above a few hundred thousand a second have gaps of a microsecond or two: rounding each
/// gap to whole microseconds made 700,000/s come out as 1,000,000/s and Poisson 1,000,000/s as
/// 739,000/s. The cut-off fraction is carried, so every allowed rate comes out as asked.
#[test]
fn high_rates_come_out_as_asked() {
    for (rate, arrival) in [
        (700_000.0, Arrival::Constant),
        (1_000_000.0, Arrival::Constant),
        (333_333.0, Arrival::Constant),
        (1_000_000.0, Arrival::Poisson),
        (650_000.0, Arrival::Poisson),
        (3.0, Arrival::Constant),
    ] {
        let scenario = Scenario {
            name: "rate".into(),
            clients: vec![ClientSpec {
                name: "Users".into(),
                rate_per_second: rate,
                arrival,
                ..ClientSpec::default()
            }],
            ..Scenario::default()
        };
        let mut sim = Simulation::new(&scenario, SEED, TraceRetention::HashOnly).expect("valid");
        let seconds = if rate < 10.0 { 100 } else { 1 };
        sim.run_until(SimTime::from_secs(seconds), u64::MAX);
        let sent = client(&sim, "Users").started as f64 / seconds as f64;
        // Poisson counts over a second at 650k/s have SD 0.12%: 1% is 8 SD.
        assert!(
            (sent - rate).abs() / rate < 0.01,
            "{arrival:?} at {rate}/s sent {sent}/s"
        );
    }
}

/// A hung service under 10,000 requests a second: new connections wait in its accept backlog
/// (4,096), more are never accepted and their callers time out. Memory used to grow with every
/// call (5.5 GB after an hour); now what the run holds is the same after ten seconds and after
/// two minutes.
#[test]
fn a_hung_service_keeps_memory_flat() {
    let scenario = topology(
        vec![service("Api", 10, 100, constant(5.0))],
        vec![users("Users", 10_000.0)],
        vec![call("Users", "Api", 1_000.0, 1)],
    );
    let mut sim = Simulation::new(&scenario, SEED, TraceRetention::HashOnly).expect("valid");
    sim.run_until(at(1_000), u64::MAX);
    apply(&mut sim, freeze("Api"));
    sim.run_until(at(11_000), u64::MAX);
    let after_ten_seconds = sim.live_records();
    sim.run_until(at(121_000), u64::MAX);
    let after_two_minutes = sim.live_records();
    assert!(
        after_two_minutes <= after_ten_seconds + 1_000 && after_two_minutes < 60_000,
        "{after_ten_seconds} records after 10 s, {after_two_minutes} after 2 min"
    );
    let api = node(&sim, "Api");
    assert!(
        api.metrics.backlog_dropped > 1_000_000,
        "{}",
        api.metrics.backlog_dropped
    );
    let users = client(&sim, "Users");
    assert!(users.failed_by_reason[Failure::Timeout.index()] > 1_000_000);
    // Thawed, the backlog is served and the service answers again.
    apply(&mut sim, revive("Api"));
    sim.run_until(at(125_000), u64::MAX);
    let served = client(&sim, "Users").succeeded;
    sim.run_until(at(126_000), u64::MAX);
    assert!(client(&sim, "Users").succeeded > served + 1_000);
}

// ---- async links and the broker -----------------------------------------------------------

/// Users (10/s) -> Api (10 ms) -> async -> Worker (1 worker, 500 ms). Api answers as soon as it
/// has published: 12 ms, though Worker takes half a second per message and falls behind.
fn publisher_and_slow_consumer(prefetch: u32) -> Simulation {
    let scenario = topology(
        vec![
            service("Api", 10, 100, constant(10.0)),
            service("Worker", 1, 100, constant(500.0)),
        ],
        vec![users("Users", 10.0)],
        vec![
            plain_call("Users", "Api"),
            publish(
                "Api",
                "Worker",
                AsyncPolicy {
                    prefetch,
                    ..AsyncPolicy::default()
                },
            ),
        ],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(2_050));
    sim
}

/// With the default prefetch (250) the broker pushes every message ahead as it arrives: the
/// backlog waits at the consumer, unacknowledged, and the worker never waits for a hop: acks
/// at 613, 1113, 1613.
#[test]
fn the_broker_pushes_ahead_up_to_the_prefetch() {
    let sim = publisher_and_slow_consumer(AsyncPolicy::default().prefetch);
    let jobs = queue(&sim, "Worker.queue");
    assert_eq!(jobs.metrics.delivered, 20);
    assert_eq!(jobs.metrics.acked, 3);
    assert_eq!((jobs.depth, jobs.unacked), (0, 17));
    let worker = node(&sim, "Worker");
    assert_eq!((worker.busy, worker.prefetched), (1, 16));
    let acks: Vec<u64> = sim
        .trace()
        .events()
        .filter(|event| matches!(event.kind, TraceKind::MessageAcked { .. }))
        .map(|event| event.time.as_micros() / 1_000)
        .collect();
    assert_eq!(acks, [613, 1_113, 1_613]);
}

#[test]
fn an_async_publisher_does_not_wait_for_the_consumer() {
    let sim = publisher_and_slow_consumer(1);
    let users = client(&sim, "Users");
    assert_eq!(users.succeeded, 20);
    assert_eq!(users.latency.max_ms(), 12.0);
    assert_eq!(
        node(&sim, "Api").busy,
        0,
        "no worker waits for the consumer"
    );
    // Message k (k = 1..) is enqueued at 100k + 12; with prefetch 1 the next delivery leaves
    // the broker at each ack, so Worker takes one every 501 ms (1 ms from the broker + 500 ms):
    // acks at 613, 1114, 1615; the fourth is in progress and the rest wait in the queue.
    let jobs = queue(&sim, "Worker.queue");
    assert_eq!(jobs.metrics.enqueued, 20);
    assert_eq!(jobs.metrics.delivered, 4);
    assert_eq!(jobs.metrics.acked, 3);
    assert_eq!(jobs.unacked, 1);
    assert_eq!(jobs.depth, 16);
    assert_eq!(
        jobs.oldest_age_us, 1_538_000,
        "the head was enqueued at 512 ms"
    );
    assert_eq!(link(&sim, 1).metrics.published, 20);
}

fn prefetch_run(prefetch: u32) -> (u32, u32, Simulation) {
    let scenario = topology(
        vec![service("Worker", 4, 100, constant(100.0))],
        vec![users("Users", 20.0)],
        vec![publish(
            "Users",
            "Worker",
            AsyncPolicy {
                prefetch,
                ..AsyncPolicy::default()
            },
        )],
    );
    let mut sim = start(&scenario);
    let (mut max_unacked, mut max_busy) = (0, 0);
    run_watching(&mut sim, at(2_000), |sim| {
        max_unacked = max_unacked.max(queue(sim, "Worker.queue").unacked);
        max_busy = max_busy.max(node(sim, "Worker").busy);
    });
    (max_unacked, max_busy, sim)
}

/// Users (20/s) -> async -> Worker (4 workers, 100 ms). Prefetch 1 allows one unacked
/// delivery, so three workers stay idle and the queue backs up: one ack every 101 ms.
#[test]
fn prefetch_one_limits_unacked_deliveries() {
    let (max_unacked, max_busy, sim) = prefetch_run(1);
    assert_eq!(max_unacked, 1);
    assert_eq!(max_busy, 1);
    let jobs = queue(&sim, "Worker.queue");
    assert_eq!(jobs.metrics.acked, 19, "acks at 152 + 101k");
    assert_eq!(
        jobs.metrics.enqueued, 39,
        "published at 50k, enqueued 1 ms later"
    );
    assert_eq!(jobs.depth + jobs.unacked, 20);

    // Prefetch 0 is unlimited: a delivery is unacked for its 1 ms on the wire and its 100 ms of
    // work, but only the work holds a worker.
    let (max_unacked, max_busy, sim) = prefetch_run(0);
    assert_eq!(max_unacked, 3, "a message every 50 ms, each unacked 101 ms");
    assert_eq!(max_busy, 2, "each holds a worker 100 ms");
    assert_eq!(
        queue(&sim, "Worker.queue").metrics.acked,
        37,
        "acks at 152 + 50k"
    );
}

/// Users (10/s) -> async (TTL 300 ms) -> Worker (1 worker, 1000 ms). When Worker frees up at
/// 1102, the messages enqueued at 201..801 have outlived their TTL and are dead-lettered as
/// they reach the head; the one from 901 is delivered.
#[test]
fn message_ttl_expires_messages_when_they_reach_the_head() {
    let scenario = topology(
        vec![service("Worker", 1, 100, constant(1_000.0))],
        vec![users("Users", 10.0)],
        vec![publish(
            "Users",
            "Worker",
            // TTL applies in the queue only: prefetch 1 keeps the backlog there.
            AsyncPolicy {
                message_ttl_ms: Some(300.0),
                prefetch: 1,
                ..AsyncPolicy::default()
            },
        )],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(1_101));
    assert_eq!(
        queue(&sim, "Worker.queue").depth,
        10,
        "nothing expires before the head moves"
    );
    run_checked(&mut sim, at(1_200));
    let jobs = queue(&sim, "Worker.queue");
    assert_eq!(jobs.metrics.expired, 7);
    assert_eq!(jobs.metrics.dead_lettered, 7);
    assert_eq!(jobs.metrics.dropped_without_dlq, 0);
    assert_eq!(jobs.metrics.delivered, 2);
    assert_eq!(jobs.metrics.acked, 1);
    assert_eq!(jobs.depth, 2, "enqueued at 1001 and 1101");
    let expired = count_of(&sim, |kind| {
        matches!(
            kind,
            TraceKind::MessageDeadLettered {
                reason: DeadLetterReason::Expired,
                deliveries: 0,
                ..
            }
        )
    });
    assert_eq!(expired, 7);
}

/// Users (10/s) -> async (max length 3) -> Worker, which is dead: ten messages, room for three.
fn overflow_run(policy: AsyncPolicy) -> Simulation {
    let scenario = topology(
        vec![service("Worker", 1, 100, constant(1.0))],
        vec![users("Users", 10.0)],
        vec![publish(
            "Users",
            "Worker",
            AsyncPolicy {
                max_length: Some(3),
                ..policy
            },
        )],
    );
    let mut sim = start(&scenario);
    apply(&mut sim, kill("Worker"));
    run_checked(&mut sim, at(1_050));
    sim
}

#[test]
fn max_length_drop_head_dead_letters_the_oldest() {
    let sim = overflow_run(AsyncPolicy::default());
    let jobs = queue(&sim, "Worker.queue");
    assert_eq!(jobs.metrics.enqueued, 10);
    assert_eq!(jobs.depth, 3);
    assert_eq!(jobs.metrics.overflowed, 7);
    assert_eq!(jobs.metrics.dead_lettered, 7);
    assert_eq!(jobs.metrics.dropped_without_dlq, 0);
    assert_eq!(
        jobs.oldest_age_us, 249_000,
        "the newest three remain: head from 801 ms"
    );
    assert_eq!(client(&sim, "Users").succeeded, 10, "publishes succeed");
}

#[test]
fn max_length_reject_publish_fails_the_publisher() {
    let sim = overflow_run(AsyncPolicy {
        overflow: Overflow::RejectPublish,
        ..AsyncPolicy::default()
    });
    let jobs = queue(&sim, "Worker.queue");
    assert_eq!(jobs.metrics.enqueued, 3);
    assert_eq!(jobs.depth, 3);
    assert_eq!(jobs.metrics.overflowed, 0);
    assert_eq!(jobs.metrics.dead_lettered, 0);
    assert_eq!(
        jobs.oldest_age_us, 949_000,
        "the oldest stays: head from 101 ms"
    );
    assert_eq!(link(&sim, 0).metrics.publish_failed, 7);
    assert_eq!(failed(&sim, "Users", Failure::BrokerDown), 7);
    assert_eq!(client(&sim, "Users").succeeded, 3);
}

#[test]
fn without_a_dead_letter_queue_overflow_is_dropped() {
    let sim = overflow_run(AsyncPolicy {
        dead_letter_queue: false,
        ..AsyncPolicy::default()
    });
    let jobs = queue(&sim, "Worker.queue");
    assert_eq!(jobs.depth, 3);
    assert_eq!(jobs.metrics.overflowed, 7);
    assert_eq!(jobs.metrics.dropped_without_dlq, 7);
    assert_eq!(jobs.metrics.dead_lettered, 0);
    assert_eq!(
        count_of(&sim, |kind| matches!(
            kind,
            TraceKind::MessageDropped {
                reason: DeadLetterReason::MaxLength,
                ..
            }
        )),
        7
    );
}

/// Users (one message at 1000) -> async -> Worker (always fails, 10 ms).
fn poison_run(policy: AsyncPolicy) -> Simulation {
    let scenario = topology(
        vec![failing_service("Worker", 1, 10.0)],
        vec![users("Users", 1.0)],
        vec![publish("Users", "Worker", policy)],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(1_100));
    sim
}

fn delivery_times(sim: &Simulation) -> Vec<f64> {
    times_of(sim, |kind| {
        matches!(kind, TraceKind::MessageDelivered { .. })
    })
}

fn dead_letters(sim: &Simulation) -> Vec<(f64, u32, DeadLetterReason)> {
    sim.trace()
        .events()
        .filter_map(|event| match event.kind {
            TraceKind::MessageDeadLettered {
                deliveries, reason, ..
            } => Some((ms_of(event.time), deliveries, reason)),
            _ => None,
        })
        .collect()
}

/// Delivery limit 3 counted as SQS counts it (receives), immediate requeue: deliveries at
/// 1001, 1012, 1023; dead-lettered at 1034.
#[test]
fn delivery_limit_dead_letters_a_message_that_always_fails() {
    let mut sim = poison_run(AsyncPolicy {
        delivery_limit: 3,
        delivery_limit_counts: DeliveryLimitCounts::Receives,
        ..AsyncPolicy::default()
    });
    run_checked(&mut sim, at(1_500));
    assert_eq!(delivery_times(&sim), [1_001.0, 1_012.0, 1_023.0]);
    assert_eq!(
        dead_letters(&sim),
        [(1_034.0, 3, DeadLetterReason::DeliveryLimit)]
    );
    let jobs = queue(&sim, "Worker.queue");
    assert_eq!(jobs.metrics.delivered, 3);
    assert_eq!(jobs.metrics.requeued, 2);
    assert_eq!(jobs.metrics.dead_lettered, 1);
    assert_eq!(jobs.metrics.acked, 0);
    assert_eq!(node(&sim, "Worker").metrics.failed, 3);
    assert_eq!(sim.messages_in_system(), 0);
}

/// A RabbitMQ quorum queue's delivery limit counts redeliveries: with a limit of 3 the message
/// is delivered 4 times (1001, 1012, 1023, 1034) and dead-lettered at 1045.
#[test]
fn a_quorum_queue_delivery_limit_counts_redeliveries() {
    let mut sim = poison_run(AsyncPolicy {
        delivery_limit: 3,
        delivery_limit_counts: DeliveryLimitCounts::Redeliveries,
        ..AsyncPolicy::default()
    });
    run_checked(&mut sim, at(1_500));
    assert_eq!(delivery_times(&sim), [1_001.0, 1_012.0, 1_023.0, 1_034.0]);
    assert_eq!(
        dead_letters(&sim),
        [(1_045.0, 4, DeadLetterReason::DeliveryLimit)]
    );
    assert_eq!(queue(&sim, "Worker.queue").metrics.requeued, 3);
    assert_eq!(
        AsyncPolicy::default().delivery_limit_counts,
        DeliveryLimitCounts::Redeliveries,
        "the default follows RabbitMQ, whose limit of 20 is the default's"
    );
}

/// A quorum queue with `delivery-limit` 0 (RabbitMQ accepts it: only a negative limit is
/// unlimited) dead-letters a message the first time it comes back: one delivery. SQS's
/// `maxReceiveCount` has no 0.
#[test]
fn a_quorum_queue_delivery_limit_of_zero_delivers_once() {
    let zero = AsyncPolicy {
        delivery_limit: 0,
        delivery_limit_counts: DeliveryLimitCounts::Redeliveries,
        ..AsyncPolicy::default()
    };
    assert_eq!(zero.validate(), Ok(()));
    let mut sim = poison_run(zero.clone());
    run_checked(&mut sim, at(1_500));
    assert_eq!(delivery_times(&sim), [1_001.0]);
    assert_eq!(
        dead_letters(&sim),
        [(1_012.0, 1, DeadLetterReason::DeliveryLimit)]
    );
    assert_eq!(queue(&sim, "Worker.queue").metrics.requeued, 0);
    assert!(AsyncPolicy {
        delivery_limit_counts: DeliveryLimitCounts::Receives,
        ..zero
    }
    .validate()
    .is_err());
}

/// Same, with a 200 ms redelivery delay: deliveries at 1001, 1212, 1423. While it waits the
/// message is neither ready nor unacked.
#[test]
fn redelivery_delay_spaces_the_redeliveries() {
    let mut sim = poison_run(AsyncPolicy {
        delivery_limit: 3,
        delivery_limit_counts: DeliveryLimitCounts::Receives,
        redelivery_delay_ms: 200.0,
        ..AsyncPolicy::default()
    });
    let jobs = queue(&sim, "Worker.queue");
    assert_eq!((jobs.depth, jobs.unacked), (0, 0));
    assert_eq!(sim.messages_in_system(), 1, "waiting out the delay");
    assert_eq!(node(&sim, "Worker").busy, 0);
    run_checked(&mut sim, at(1_500));
    assert_eq!(delivery_times(&sim), [1_001.0, 1_212.0, 1_423.0]);
    assert_eq!(
        dead_letters(&sim),
        [(1_434.0, 3, DeadLetterReason::DeliveryLimit)]
    );
}

/// SQS: visibility timeout 100 ms, max receives 2, Worker (2 workers) needs 250 ms. The message
/// becomes visible again at 1101 and goes to the second worker; at 1201 it has been received
/// twice and is dead-lettered, although both copies are then processed successfully.
#[test]
fn visibility_timeout_shorter_than_the_work_duplicates_and_dead_letters_finished_work() {
    let scenario = topology(
        vec![service("Worker", 2, 100, constant(250.0))],
        vec![users("Users", 1.0)],
        vec![publish(
            "Users",
            "Worker",
            AsyncPolicy {
                visibility_timeout_ms: Some(100.0),
                delivery_limit: 2,
                delivery_limit_counts: DeliveryLimitCounts::Receives,
                // One receive at a time, as a poller with a single free worker asks for.
                prefetch: 1,
                ..AsyncPolicy::default()
            },
        )],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(1_500));
    let jobs = queue(&sim, "Worker.queue");
    assert_eq!(jobs.metrics.enqueued, 1);
    assert_eq!(jobs.metrics.delivered, 2, "a duplicate delivery");
    assert_eq!(jobs.metrics.requeued, 1);
    assert_eq!(jobs.metrics.acked, 0);
    assert_eq!(jobs.metrics.dead_lettered, 1);
    assert_eq!(delivery_times(&sim), [1_001.0, 1_101.0]);
    assert_eq!(
        times_of(&sim, |kind| matches!(
            kind,
            TraceKind::VisibilityTimedOut { .. }
        )),
        [1_101.0, 1_201.0]
    );
    assert_eq!(
        dead_letters(&sim),
        [(1_201.0, 2, DeadLetterReason::DeliveryLimit)]
    );
    assert_eq!(
        node(&sim, "Worker").metrics.succeeded,
        2,
        "both copies did the work"
    );
    assert_eq!(node(&sim, "Worker").busy, 0);
}

/// UsersA -> Strict (FailRequest) and UsersB -> Lenient (Drop) both publish to Worker's queue.
/// The broker is down from 1050 to 2050 ms.
#[test]
fn a_dead_broker_fails_or_drops_publishes_by_policy() {
    let on_failure = |mode| AsyncPolicy {
        on_publish_failure: mode,
        ..AsyncPolicy::default()
    };
    let scenario = topology(
        vec![
            service("Strict", 10, 100, constant(10.0)),
            service("Lenient", 10, 100, constant(10.0)),
            service("Worker", 10, 100, constant(1.0)),
        ],
        vec![users("UsersA", 10.0), users("UsersB", 10.0)],
        vec![
            plain_call("UsersA", "Strict"),
            plain_call("UsersB", "Lenient"),
            publish("Strict", "Worker", on_failure(PublishFailure::FailRequest)),
            publish("Lenient", "Worker", on_failure(PublishFailure::Drop)),
        ],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(1_050));
    apply(&mut sim, Command::KillBroker);
    assert!(!sim.broker_up());
    run_checked(&mut sim, at(2_050));
    apply(&mut sim, Command::ReviveBroker);
    run_checked(&mut sim, at(3_050));

    assert_eq!(
        failed(&sim, "UsersA", Failure::ServerError),
        10,
        "1100..2000"
    );
    assert_eq!(client(&sim, "UsersA").succeeded, 20);
    assert_eq!(link(&sim, 2).metrics.publish_failed, 10);
    assert_eq!(link(&sim, 2).metrics.published, 20);

    assert_eq!(client(&sim, "UsersB").succeeded, 30, "Drop carries on");
    assert_eq!(client(&sim, "UsersB").failed(), 0);
    assert_eq!(
        link(&sim, 3).metrics.publish_failed,
        10,
        "the lost messages"
    );
    assert_eq!(link(&sim, 3).metrics.published, 20);

    let jobs = queue(&sim, "Worker.queue");
    assert_eq!(jobs.metrics.enqueued, 40);
    assert_eq!(jobs.metrics.acked, 40);
}

/// Users (1/s) -> Api (1 worker, 10 ms) -> async (Retry, 3 attempts, 200 ms backoff) -> Worker.
/// The broker is down from 950 to 1300 ms: publishes at 1011 and 1211 fail, 1411 succeeds,
/// and Api's worker is held throughout. Down again from 1950 for good: the second request
/// fails after three publishes.
#[test]
fn a_dead_broker_with_retry_holds_the_worker_through_the_backoff() {
    let mut producer = publish(
        "Api",
        "Worker",
        AsyncPolicy {
            on_publish_failure: PublishFailure::Retry,
            ..AsyncPolicy::default()
        },
    );
    producer.sync.max_attempts = 3;
    producer.sync.backoff = fixed_backoff(200.0);
    let scenario = topology(
        vec![
            service("Api", 1, 10, constant(10.0)),
            service("Worker", 10, 100, constant(1.0)),
        ],
        vec![users("Users", 1.0)],
        vec![plain_call("Users", "Api"), producer],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(950));
    apply(&mut sim, Command::KillBroker);
    run_checked(&mut sim, at(1_100));
    assert_eq!(
        node(&sim, "Api").busy,
        1,
        "sleeping before the second publish"
    );
    run_checked(&mut sim, at(1_300));
    apply(&mut sim, Command::ReviveBroker);
    run_checked(&mut sim, at(1_350));
    assert_eq!(
        node(&sim, "Api").busy,
        1,
        "sleeping before the third publish"
    );
    run_checked(&mut sim, at(1_950));
    assert_eq!(finished(&sim), [(412.0, None)]);
    assert_eq!(link(&sim, 1).metrics.publish_failed, 2);
    assert_eq!(link(&sim, 1).metrics.published, 1);
    assert_eq!(queue(&sim, "Worker.queue").metrics.acked, 1);

    apply(&mut sim, Command::KillBroker);
    run_checked(&mut sim, at(2_500));
    assert_eq!(
        finished(&sim),
        [(412.0, None), (412.0, Some(Failure::ServerError))]
    );
    assert_eq!(link(&sim, 1).metrics.publish_failed, 5);
    assert_eq!(link(&sim, 1).metrics.exhausted, 1);
    let sleeps = count_of(&sim, |kind| {
        matches!(
            kind,
            TraceKind::RetryScheduled {
                delay_us: 200_000,
                ..
            }
        )
    });
    assert_eq!(sleeps, 4);
}

/// Users (1/s) publish at 1000; the message would reach the broker at 1001, but the broker
/// dies at 1000.5: the message is lost (dropped, not dead-lettered), the publish had succeeded.
#[test]
fn a_message_in_flight_to_a_dead_broker_is_dropped() {
    let scenario = topology(
        vec![service("Worker", 1, 100, constant(1.0))],
        vec![users("Users", 1.0)],
        vec![publish("Users", "Worker", AsyncPolicy::default())],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, SimTime::from_micros(1_000_500));
    assert_eq!(link(&sim, 0).metrics.published, 1);
    apply(&mut sim, Command::KillBroker);
    run_checked(&mut sim, at(1_200));
    let jobs = queue(&sim, "Worker.queue");
    assert_eq!(jobs.metrics.enqueued, 0);
    assert_eq!(jobs.metrics.dropped_broker_down, 1);
    assert_eq!(jobs.metrics.dead_lettered, 0);
    assert_eq!(sim.messages_in_system(), 0);
    assert_eq!(client(&sim, "Users").succeeded, 1);
    assert_eq!(
        count_of(&sim, |kind| matches!(
            kind,
            TraceKind::MessageDropped {
                reason: DeadLetterReason::BrokerDown,
                ..
            }
        )),
        1
    );
}

/// Users (1/s) -> async -> Worker (100 ms). The message is delivered at 1001 and processed by
/// 1102, but the broker died at 1050: the ack is lost and the message waits. ReviveBroker at
/// 1500 delivers it again.
#[test]
fn an_ack_lost_while_the_broker_is_down_causes_a_redelivery_after_revive() {
    let scenario = topology(
        vec![service("Worker", 1, 100, constant(100.0))],
        vec![users("Users", 1.0)],
        vec![publish("Users", "Worker", AsyncPolicy::default())],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(1_050));
    apply(&mut sim, Command::KillBroker);
    run_checked(&mut sim, at(1_200));
    let jobs = queue(&sim, "Worker.queue");
    assert_eq!(jobs.metrics.acked, 0);
    assert_eq!(jobs.metrics.requeued, 1);
    assert_eq!((jobs.depth, jobs.unacked), (1, 0));
    assert_eq!(
        jobs.metrics.delivered, 1,
        "nothing is delivered while the broker is down"
    );
    assert_eq!(node(&sim, "Worker").metrics.succeeded, 1);
    run_checked(&mut sim, at(1_500));
    assert_eq!(queue(&sim, "Worker.queue").metrics.delivered, 1);
    apply(&mut sim, Command::ReviveBroker);
    run_checked(&mut sim, at(1_700));
    let jobs = queue(&sim, "Worker.queue");
    assert_eq!(jobs.metrics.delivered, 2);
    assert_eq!(jobs.metrics.acked, 1);
    assert_eq!(jobs.depth, 0);
    let redeliveries: Vec<f64> = sim
        .trace()
        .events()
        .filter_map(|event| match event.kind {
            TraceKind::MessageDelivered { delivery: 2, .. } => Some(ms_of(event.time)),
            _ => None,
        })
        .collect();
    assert_eq!(redeliveries, [1_500.0]);
    assert_eq!(
        node(&sim, "Worker").metrics.succeeded,
        2,
        "the work was done twice"
    );
}

/// PublishFailure::Drop: the producer carries on and the message it meant to send is lost. The
/// broker never took it, so it is the link's failed publish (and a `message_dropped` trace
/// event with reason `publish_failed`), not one of the queue's messages (publish at 1000 with
/// the broker down since 950).
#[test]
fn a_publish_dropped_by_policy_is_counted_as_a_failed_publish() {
    let scenario = topology(
        vec![service("Worker", 1, 100, constant(1.0))],
        vec![users("Users", 1.0)],
        vec![publish(
            "Users",
            "Worker",
            AsyncPolicy {
                on_publish_failure: PublishFailure::Drop,
                ..AsyncPolicy::default()
            },
        )],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(950));
    apply(&mut sim, Command::KillBroker);
    run_checked(&mut sim, at(1_100));
    assert_eq!(client(&sim, "Users").succeeded, 1);
    assert_eq!(link(&sim, 0).metrics.publish_failed, 1);
    let jobs = queue(&sim, "Worker.queue");
    assert_eq!(
        (jobs.metrics.published, jobs.metrics.dropped_broker_down),
        (0, 0),
        "never a message: the broker refused it"
    );
    assert_eq!(
        count_of(&sim, |kind| matches!(
            kind,
            TraceKind::MessageDropped { .. }
        )),
        1
    );
}

// ---- run-time updates ---------------------------------------------------------------------

/// Users (20/s) -> Api (1 worker, 100 ms): a backlog grows by 10 a second. At 2 s Api gets 4
/// workers (40/s) and the backlog drains.
#[test]
fn update_service_with_more_workers_drains_the_backlog() {
    let scenario = topology(
        vec![service("Api", 1, 1_000, constant(100.0))],
        vec![users("Users", 20.0)],
        vec![plain_call("Users", "Api")],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(2_000));
    // 39 calls arrived (51..1951), 20 started (51 + 100k), one of them still working.
    let api = node(&sim, "Api");
    assert_eq!((api.busy, api.inbound), (1, 19));
    apply(
        &mut sim,
        Command::UpdateService {
            spec: service("Api", 4, 1_000, constant(100.0)),
        },
    );
    let api = node(&sim, "Api");
    assert_eq!(api.workers, 4);
    assert_eq!(
        (api.busy, api.inbound),
        (4, 16),
        "new workers start at once"
    );
    let mut max_busy = 0;
    run_watching(&mut sim, at(3_500), |sim| {
        max_busy = max_busy.max(node(sim, "Api").busy);
    });
    assert_eq!(max_busy, 4);
    let api = node(&sim, "Api");
    assert_eq!(api.inbound, 0, "drained");
    assert!(
        api.busy <= 2,
        "load is 20/s x 100 ms = 2 busy workers: {}",
        api.busy
    );
}

/// Users (10/s) -> Api (200 ms), timeout 100 ms: everything times out. At 1050 the timeout
/// becomes 500 ms: the call sent at 1000 still times out at 1100, new calls succeed.
#[test]
fn update_link_timeout_applies_to_new_calls() {
    let scenario = topology(
        vec![service("Api", 10, 100, constant(200.0))],
        vec![users("Users", 10.0)],
        vec![call("Users", "Api", 100.0, 1)],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(1_050));
    assert_eq!(failed(&sim, "Users", Failure::Timeout), 9);
    apply(
        &mut sim,
        Command::UpdateLink {
            link: 0,
            spec: call("Users", "Api", 500.0, 1),
        },
    );
    run_checked(&mut sim, at(2_050));
    assert_eq!(
        failed(&sim, "Users", Failure::Timeout),
        10,
        "the call made before keeps 100 ms"
    );
    assert_eq!(
        client(&sim, "Users").succeeded,
        8,
        "1100..1800 answered after 202 ms"
    );
    assert_eq!(client(&sim, "Users").latency.max_ms(), 202.0);
    assert_eq!(node(&sim, "Api").metrics.wasted_responses, 10);
}

/// 10/s until 1 s, then 40/s: 10 arrivals (100..1000), then 40 (1025..2000).
#[test]
fn update_client_changes_the_arrival_rate() {
    let scenario = topology(
        vec![service("Api", 10, 100, constant(1.0))],
        vec![users("Users", 10.0)],
        vec![plain_call("Users", "Api")],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(1_000));
    assert_eq!(client(&sim, "Users").started, 10);
    apply(
        &mut sim,
        Command::UpdateClient {
            spec: users("Users", 40.0),
        },
    );
    run_checked(&mut sim, at(2_000));
    assert_eq!(client(&sim, "Users").started, 50);
    let starts = times_of(&sim, |kind| {
        matches!(kind, TraceKind::RequestStarted { .. })
    });
    assert_eq!(starts[10], 1_025.0);
}

/// Recognises the error a refused command should return.
type ExpectedError = fn(&CommandError) -> bool;

/// Commands that cannot apply return an error and leave no trace: no event, no log entry, and
/// the run continues exactly as a run that never received them.
#[test]
fn invalid_commands_are_refused_and_change_nothing() {
    let scenario = topology(
        vec![
            service("Api", 2, 10, constant(10.0)),
            service("Worker", 1, 10, constant(1.0)),
        ],
        vec![users("Users", 10.0)],
        vec![
            plain_call("Users", "Api"),
            publish("Api", "Worker", AsyncPolicy::default()),
        ],
    );
    let mut sim = start(&scenario);
    let mut twin = start(&scenario);
    run_checked(&mut sim, at(500));
    twin.run_until(at(500), u64::MAX);
    let (hash, count) = (sim.trace().hash(), sim.trace().count());

    let invalid_link = |spec: LinkSpec| Command::UpdateLink { link: 0, spec };
    let mut wrong_ends = plain_call("Users", "Worker");
    wrong_ends.sync.timeout_ms = 5.0;
    let mut zero_timeout = plain_call("Users", "Api");
    zero_timeout.sync.timeout_ms = 0.0;
    let mut renamed_queue = publish("Api", "Worker", AsyncPolicy::default());
    renamed_queue.async_policy.queue = Some("elsewhere".into());
    let cases: Vec<(Command, ExpectedError)> = vec![
        (kill("Nobody"), |e| {
            matches!(e, CommandError::UnknownNode(_))
        }),
        (kill("Users"), |e| matches!(e, CommandError::NotAService(_))),
        (revive("Api"), |e| {
            matches!(e, CommandError::AlreadyInState { .. })
        }),
        (
            Command::Slow {
                node: "Api".into(),
                factor: 0.0,
            },
            |e| matches!(e, CommandError::Invalid(_)),
        ),
        (
            Command::SetErrorRate {
                node: "Api".into(),
                error_rate: 1.5,
            },
            |e| matches!(e, CommandError::Invalid(_)),
        ),
        (Command::Partition { link: 9 }, |e| {
            matches!(e, CommandError::UnknownLink(9))
        }),
        (Command::ReviveBroker, |e| {
            matches!(e, CommandError::Broker(_))
        }),
        (
            Command::UpdateService {
                spec: service("Api", 0, 10, constant(10.0)),
            },
            |e| matches!(e, CommandError::Invalid(_)),
        ),
        (
            Command::UpdateService {
                spec: ServiceSpec {
                    error_rate: -0.1,
                    ..service("Api", 3, 10, constant(10.0))
                },
            },
            |e| matches!(e, CommandError::Invalid(_)),
        ),
        (
            Command::UpdateService {
                spec: service("Ghost", 3, 10, constant(10.0)),
            },
            |e| matches!(e, CommandError::UnknownNode(_)),
        ),
        (
            Command::UpdateClient {
                spec: users("Api", 50.0),
            },
            |e| matches!(e, CommandError::Invalid(_)),
        ),
        (
            Command::UpdateClient {
                spec: users("Users", -1.0),
            },
            |e| matches!(e, CommandError::Invalid(_)),
        ),
        (invalid_link(wrong_ends), |e| {
            matches!(e, CommandError::Invalid(_))
        }),
        (invalid_link(zero_timeout), |e| {
            matches!(e, CommandError::Invalid(_))
        }),
        (
            Command::UpdateLink {
                link: 1,
                spec: renamed_queue,
            },
            |e| matches!(e, CommandError::Invalid(_)),
        ),
        (
            Command::UpdateLink {
                link: 7,
                spec: plain_call("Users", "Api"),
            },
            |e| matches!(e, CommandError::UnknownLink(7)),
        ),
    ];
    for (command, expected) in cases {
        let text = format!("{command:?}");
        match sim.apply(command) {
            Ok(()) => panic!("{text} was accepted"),
            Err(error) => assert!(expected(&error), "{text}: unexpected error {error:?}"),
        }
    }
    assert!(sim.command_log().is_empty());
    assert_eq!((sim.trace().hash(), sim.trace().count()), (hash, count));
    let api = node(&sim, "Api");
    assert_eq!(
        (api.workers, api.error_rate, api.slow_factor),
        (2, 0.0, 1.0)
    );
    assert_eq!(link(&sim, 0).metrics.timeouts, 0);

    run_checked(&mut sim, at(3_000));
    twin.run_until(at(3_000), u64::MAX);
    assert_eq!(sim.trace().hash(), twin.trace().hash());
    assert_eq!(client(&sim, "Users").succeeded, 29, "100..2900");

    apply(&mut sim, kill("Api"));
    let error = sim.apply(kill("Api")).expect_err("already dead");
    assert!(matches!(
        error,
        CommandError::AlreadyInState {
            state: NodeState::Killed,
            ..
        }
    ));
    apply(&mut sim, Command::KillBroker);
    assert!(matches!(
        sim.apply(Command::KillBroker),
        Err(CommandError::Broker(_))
    ));
    assert!(matches!(
        sim.apply(freeze("Api")),
        Err(CommandError::AlreadyInState { .. })
    ));
    assert_eq!(sim.command_log().len(), 2);
}

/// A randomised topology gets every kind of command; scenario + seed + command log replay to
/// the same trace, also after a JSON round trip of the log.
#[test]
fn replaying_the_command_log_of_every_command_reproduces_the_run() {
    let mut api_to_db = call("Api", "Db", 150.0, 3);
    api_to_db.latency = exponential(2.0);
    let exponential_backoff = Backoff {
        initial_ms: 20.0,
        multiplier: 2.0,
        max_ms: 200.0,
        ..Backoff::default()
    };
    api_to_db.sync.backoff = Backoff {
        jitter: Jitter::Full,
        ..exponential_backoff
    };
    api_to_db.sync.retry_budget = Some(RetryBudget::default());
    let mut to_worker = publish(
        "Api",
        "Worker",
        AsyncPolicy {
            delivery_limit: 4,
            prefetch: 3,
            redelivery_delay_ms: 30.0,
            visibility_timeout_ms: Some(400.0),
            message_ttl_ms: Some(2_000.0),
            max_length: Some(50),
            on_publish_failure: PublishFailure::Retry,
            ..AsyncPolicy::default()
        },
    );
    to_worker.latency = exponential(3.0);
    let scenario = topology(
        vec![
            ServiceSpec {
                service_time: exponential(15.0),
                call_mode: CallMode::Parallel,
                ..service("Api", 8, 40, constant(0.0))
            },
            ServiceSpec {
                service_time: exponential(20.0),
                error_rate: 0.05,
                ..service("Db", 4, 20, constant(0.0))
            },
            ServiceSpec {
                service_time: exponential(60.0),
                ..service("Worker", 3, 20, constant(0.0))
            },
        ],
        vec![
            ClientSpec {
                arrival: Arrival::Poisson,
                ..users("Users", 40.0)
            },
            ClientSpec {
                closed_loop_users: 4,
                think_time: exponential(200.0),
                ..users("Loop", 0.0)
            },
        ],
        vec![
            call("Users", "Api", 500.0, 2),
            call("Loop", "Api", 500.0, 1),
            api_to_db.clone(),
            to_worker,
        ],
    );
    let mut breaker_link = api_to_db;
    breaker_link.sync.timeout_ms = 80.0;
    breaker_link.sync.breaker = BreakerConfig {
        enabled: true,
        sliding_window_size: 10,
        minimum_number_of_calls: 5,
        wait_duration_in_open_ms: 300.0,
        automatic_transition_from_open_to_half_open: true,
        ..BreakerConfig::default()
    };
    let commands: Vec<(u64, Command)> = vec![
        (
            500,
            Command::Slow {
                node: "Db".into(),
                factor: 2.5,
            },
        ),
        (
            1_000,
            Command::SetErrorRate {
                node: "Db".into(),
                error_rate: 0.4,
            },
        ),
        (1_500, freeze("Worker")),
        (2_000, revive("Worker")),
        (2_500, kill("Db")),
        (3_000, revive("Db")),
        (3_200, Command::Partition { link: 2 }),
        (3_600, Command::Heal { link: 2 }),
        (3_800, Command::Partition { link: 3 }),
        (4_000, Command::Heal { link: 3 }),
        (
            4_200,
            Command::SetLinkKind {
                link: 3,
                kind: LinkKind::Sync,
            },
        ),
        (
            4_700,
            Command::SetLinkKind {
                link: 3,
                kind: LinkKind::Async,
            },
        ),
        (5_000, Command::KillBroker),
        (5_400, Command::ReviveBroker),
        (5_600, kill("Worker")),
        (5_900, revive("Worker")),
        (6_000, freeze("Api")),
        (6_300, revive("Api")),
        (
            6_500,
            Command::UpdateService {
                spec: ServiceSpec {
                    service_time: exponential(25.0),
                    ..service("Api", 3, 10, constant(0.0))
                },
            },
        ),
        (
            7_000,
            Command::UpdateClient {
                spec: ClientSpec {
                    arrival: Arrival::Poisson,
                    spikes: vec![Spike {
                        at_ms: 8_000.0,
                        duration_ms: 500.0,
                        rate_per_second: 120.0,
                    }],
                    ..users("Users", 60.0)
                },
            },
        ),
        (
            7_500,
            Command::UpdateLink {
                link: 2,
                spec: breaker_link,
            },
        ),
        (8_000, kill("Db")),
        (8_800, revive("Db")),
        (
            9_000,
            Command::SetErrorRate {
                node: "Db".into(),
                error_rate: 0.0,
            },
        ),
    ];
    let end = at(10_000);
    let mut original = start(&scenario);
    for (time, command) in commands {
        run_checked(&mut original, at(time));
        apply(&mut original, command);
    }
    run_checked(&mut original, end);
    assert_eq!(original.command_log().len(), 24);
    let totals = original.client_totals();
    assert!(totals.started > 300, "a busy run: {}", totals.started);
    assert!(totals.failed() > 0 && totals.succeeded > 0);

    let log: Vec<TimedCommand> = original.command_log().to_vec();
    let mut replayed = start(&scenario);
    replayed.replay(&log, end).expect("replay");
    assert_eq!(replayed.trace().hash(), original.trace().hash());
    assert_eq!(replayed.trace().count(), original.trace().count());
    assert_eq!(replayed.client_totals(), totals);

    let text = serde_json::to_string(&log).expect("serialize the log");
    let parsed: Vec<TimedCommand> = serde_json::from_str(&text).expect("parse the log");
    assert_eq!(parsed, log);
    let mut from_json = start(&scenario);
    from_json.replay(&parsed, end).expect("replay");
    assert_eq!(from_json.trace().hash(), original.trace().hash());

    // The commands matter: dropping one changes the run.
    let mut shorter = start(&scenario);
    shorter.replay(&log[..log.len() - 1], end).expect("replay");
    assert_ne!(shorter.trace().hash(), original.trace().hash());
}

/// Lowering a queue's max length at run time below its depth leaves it over the limit: the
/// engine's own invariant check then fails. RabbitMQ applies a lower max-length at once,
/// dropping (or dead-lettering) from the head; the queue should hold 3 and 2 should overflow.
#[test]
fn lowering_max_length_at_run_time_trims_the_queue() {
    let scenario = topology(
        vec![service("Worker", 1, 100, constant(1.0))],
        vec![users("Users", 10.0)],
        vec![publish("Users", "Worker", AsyncPolicy::default())],
    );
    let mut sim = start(&scenario);
    apply(&mut sim, kill("Worker"));
    run_checked(&mut sim, at(550));
    assert_eq!(queue(&sim, "Worker.queue").depth, 5);
    apply(
        &mut sim,
        Command::UpdateLink {
            link: 0,
            spec: publish(
                "Users",
                "Worker",
                AsyncPolicy {
                    max_length: Some(3),
                    ..AsyncPolicy::default()
                },
            ),
        },
    );
    assert_eq!(sim.check_invariants(), Ok(()));
    let jobs = queue(&sim, "Worker.queue");
    assert_eq!(jobs.depth, 3);
    assert_eq!(jobs.metrics.overflowed, 2);
    assert_eq!(jobs.metrics.dead_lettered, 2);
}

/// Lowering the delivery limit at run time below the deliveries a waiting message already has
/// is a valid command (the message is dead-lettered at its next failure, as RabbitMQ checks the
/// limit when a message is returned), but the engine's invariant check then reports "a message
/// was delivered 3 times, limit 1" and every checked run stops there.
#[test]
fn lowering_the_delivery_limit_at_run_time_keeps_the_engine_consistent() {
    let policy = |delivery_limit| AsyncPolicy {
        delivery_limit,
        redelivery_delay_ms: 100.0,
        ..AsyncPolicy::default()
    };
    let scenario = topology(
        vec![failing_service("Worker", 1, 10.0)],
        vec![users("Users", 1.0)],
        vec![publish("Users", "Worker", policy(5))],
    );
    let mut sim = start(&scenario);
    // Deliveries at 1001, 1112, 1223; at 1250 the message waits out its redelivery delay.
    run_checked(&mut sim, at(1_250));
    assert_eq!(queue(&sim, "Worker.queue").metrics.delivered, 3);
    apply(
        &mut sim,
        Command::UpdateLink {
            link: 0,
            spec: publish("Users", "Worker", policy(1)),
        },
    );
    assert_eq!(sim.check_invariants(), Ok(()));
    run_checked(&mut sim, at(1_500));
    assert_eq!(queue(&sim, "Worker.queue").metrics.dead_lettered, 1);
}

/// Closed loop with 5 users (think 1 s) switched to open loop at 100 ms and back to 5 users at
/// 200 ms. Users leave only when they next act, so at 200 ms the five are still thinking and
/// simply stay: five requests at 1000 ms, and no second set of users at 1200 ms.
#[test]
fn switching_back_to_closed_loop_does_not_double_the_users() {
    let closed = |users_count| ClientSpec {
        closed_loop_users: users_count,
        think_time: constant(1_000.0),
        ..users("Users", 0.0)
    };
    let scenario = topology(
        vec![service("Api", 10, 100, constant(10.0))],
        vec![closed(5)],
        vec![plain_call("Users", "Api")],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(100));
    apply(&mut sim, Command::UpdateClient { spec: closed(0) });
    run_checked(&mut sim, at(200));
    apply(&mut sim, Command::UpdateClient { spec: closed(5) });
    run_checked(&mut sim, at(1_300));
    let starts = times_of(&sim, |kind| {
        matches!(kind, TraceKind::RequestStarted { .. })
    });
    assert_eq!(
        starts, [1_000.0; 5],
        "the five users who had not left yet stay; nobody joins twice"
    );
}

/// A client with a spike at 2-3 s is updated at 1 s to a plain 10/s without spikes. The old
/// spec's rate-change events are not cancelled: at 2000 and 3000 ms they restart the arrival
/// clock and the arrival due at that instant is lost (38 requests in 4 s instead of 40).
#[test]
fn update_client_forgets_the_old_spikes() {
    let scenario = topology(
        vec![service("Api", 10, 100, constant(1.0))],
        vec![ClientSpec {
            spikes: vec![Spike {
                at_ms: 2_000.0,
                duration_ms: 1_000.0,
                rate_per_second: 50.0,
            }],
            ..users("Users", 10.0)
        }],
        vec![plain_call("Users", "Api")],
    );
    let mut sim = start(&scenario);
    run_checked(&mut sim, at(1_000));
    apply(
        &mut sim,
        Command::UpdateClient {
            spec: users("Users", 10.0),
        },
    );
    run_checked(&mut sim, at(4_000));
    let starts = times_of(&sim, |kind| {
        matches!(kind, TraceKind::RequestStarted { .. })
    });
    let expected: Vec<f64> = (1..=40).map(|k| f64::from(k) * 100.0).collect();
    assert_eq!(
        starts, expected,
        "every 100 ms, as if there had never been a spike"
    );
}

/// A quiet stretch (no event) of any length takes no longer than a minute's: the samples that
/// would drop out of the series are skipped, and the series is the one taken step by step.
#[test]
fn a_long_quiet_stretch_keeps_the_series_it_would_have_step_by_step() {
    let scenario = topology(
        vec![failing_service("Idle", 1, 10.0)],
        vec![users("Users", 4.0)],
        vec![call("Users", "Idle", 1_000.0, 1)],
    );
    let mut at_once = start(&scenario);
    let mut by_steps = start(&scenario);
    // Two seconds of requests, then none: the first quiet sample carries their latencies.
    for simulation in [&mut at_once, &mut by_steps] {
        simulation.run_until(at(2_000), u64::MAX);
        apply(
            simulation,
            Command::UpdateClient {
                spec: users("Users", 0.0),
            },
        );
    }
    at_once.run_until(at(300_000), u64::MAX);
    for second in 1..=300 {
        by_steps.run_until(at(second * 1_000), u64::MAX);
    }
    assert_eq!(at_once.now(), by_steps.now());
    assert!(at_once.series().samples().eq(by_steps.series().samples()));
    assert_eq!(at_once.trace().hash(), by_steps.trace().hash());
    // A simulated year, then the end of time: both come back.
    let year = SimTime::from_secs(365 * 86_400);
    at_once.run_until(year, u64::MAX);
    let last = at_once.series().samples().last().expect("samples");
    assert_eq!(last.at, year);
    at_once.run_until(SimTime::from_micros(u64::MAX), u64::MAX);
    assert_eq!(at_once.now(), SimTime::from_micros(u64::MAX));
}
