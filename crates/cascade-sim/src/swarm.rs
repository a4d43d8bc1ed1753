//! Random topologies with random fault schedules, for the seed swarm (VOPR-style): one seed
//! builds a scenario and a fault schedule; the swarm test runs it checking every invariant
//! after every event, then heals every fault, stops the load and checks that everything drains.
//! A failure names the seed that reproduces it.

use crate::breaker::BreakerConfig;
use crate::distribution::Distribution;
use crate::policy::{
    AsyncPolicy, Backoff, DeliveryLimitCounts, Jitter, Overflow, PublishFailure, RetryBudget,
    RetryOn, SyncPolicy, MAX_ATTEMPTS, MAX_DELIVERY_LIMIT, SMALLEST_DURATION_MS,
};
use crate::rng::Pcg32;
use crate::scenario::command::Command;
use crate::scenario::{Arrival, CallMode, ClientSpec, LinkSpec, Scenario, ServiceSpec, Spike};
use crate::time::SimTime;
use crate::vocabulary::LinkKind;

/// How long the faulty part of a swarm run lasts.
pub const FAULTY_PERIOD: SimTime = SimTime::from_millis(1_500);

/// A random scenario and its fault schedule (commands with the time to apply them, sorted).
pub fn random_case(seed: u64) -> (Scenario, Vec<(SimTime, Command)>) {
    let mut rng = Pcg32::new(seed, 0x5eed);
    let services = 1 + rng.below(5) as usize;
    let clients = 1 + rng.below(2) as usize;
    let mut scenario = Scenario {
        name: format!("swarm {seed}"),
        ..Scenario::default()
    };
    for index in 0..services {
        scenario.services.push(ServiceSpec {
            name: format!("S{index}"),
            workers: 1 + rng.below(6),
            queue_capacity: rng.below(12),
            service_time: random_duration(&mut rng, 20.0),
            error_rate: if rng.chance(0.3) {
                rng.next_f64() * 0.5
            } else {
                0.0
            },
            poison_rate: if rng.chance(0.2) {
                rng.next_f64() * 0.2
            } else {
                0.0
            },
            contention_per_request_ms: if rng.chance(0.2) {
                rng.next_f64() * 5.0
            } else {
                0.0
            },
            call_mode: if rng.chance(0.3) {
                CallMode::Parallel
            } else {
                CallMode::Sequential
            },
            position: None,
        });
    }
    for index in 0..clients {
        let closed = rng.chance(0.3);
        let spikes = (0..if rng.chance(0.3) { 1 + rng.below(4) } else { 0 })
            .map(|_| Spike {
                at_ms: rng.next_f64() * 1_000.0,
                duration_ms: rng.next_f64() * 500.0,
                rate_per_second: rng.next_f64() * 300.0,
            })
            .collect();
        scenario.clients.push(ClientSpec {
            name: format!("C{index}"),
            rate_per_second: 5.0 + rng.next_f64() * 120.0,
            arrival: if rng.chance(0.8) {
                Arrival::Poisson
            } else {
                Arrival::Constant
            },
            spikes,
            closed_loop_users: if closed { 1 + rng.below(8) } else { 0 },
            think_time: if rng.chance(0.1) {
                // Short, not zero: zero think time is bounded by the engine (a floor of one
                // microsecond per user), which a unit test checks; here a closed loop
                // publishing at a million a second would only make a case too big to drain.
                Distribution::Constant {
                    ms: 1.0 + rng.next_f64(),
                }
            } else {
                Distribution::Exponential {
                    mean_ms: 5.0 + rng.next_f64() * 100.0,
                }
            },
            position: None,
        });
        let target = rng.below(services as u32);
        scenario.links.push(random_link(
            &mut rng,
            format!("C{index}"),
            format!("S{target}"),
        ));
    }
    // Only calls from lower to higher numbers: no cycles.
    for from in 0..services {
        for to in from + 1..services {
            if rng.chance(0.35) {
                scenario
                    .links
                    .push(random_link(&mut rng, format!("S{from}"), format!("S{to}")));
            }
        }
    }
    let mut faults = Vec::new();
    for _ in 0..rng.below(8) {
        let at = SimTime::from_micros(u64::from(rng.below(FAULTY_PERIOD.as_micros() as u32)));
        let node = format!("S{}", rng.below(services as u32));
        let link = rng.below(scenario.links.len() as u32);
        let command = match rng.below(13) {
            0 => Command::Kill { node },
            1 => Command::Revive { node },
            2 => Command::Freeze { node },
            3 => Command::Slow {
                node,
                factor: 0.5 + rng.next_f64() * 10.0,
            },
            4 => Command::SetErrorRate {
                node,
                error_rate: rng.next_f64(),
            },
            5 => Command::Partition { link },
            6 => Command::Heal { link },
            7 => Command::SetLinkKind {
                link,
                kind: if rng.chance(0.5) {
                    LinkKind::Sync
                } else {
                    LinkKind::Async
                },
            },
            8 => Command::KillBroker,
            9 => Command::ReviveBroker,
            10 => {
                let index = rng.below(services as u32) as usize;
                let mut spec = scenario.services[index].clone();
                spec.workers = 1 + rng.below(6);
                spec.queue_capacity = rng.below(12);
                spec.service_time = random_duration(&mut rng, 20.0);
                Command::UpdateService { spec }
            }
            11 => {
                let current = &scenario.links[link as usize];
                let (from, to, queue) = (
                    current.from.clone(),
                    current.to.clone(),
                    current.async_policy.queue.clone(),
                );
                let mut spec = random_link(&mut rng, from, to);
                spec.async_policy.queue = queue;
                Command::UpdateLink { link, spec }
            }
            _ => {
                let index = rng.below(clients as u32) as usize;
                let mut spec = scenario.clients[index].clone();
                spec.rate_per_second = rng.next_f64() * 200.0;
                Command::UpdateClient { spec }
            }
        };
        faults.push((at, command));
    }
    faults.sort_by_key(|(at, _)| *at);
    (scenario, faults)
}

/// The commands that undo every fault and stop the load, so the system must drain.
pub fn healing_commands(scenario: &Scenario) -> Vec<Command> {
    let mut commands = Vec::new();
    for service in &scenario.services {
        let node = service.name.clone();
        commands.push(Command::Revive { node: node.clone() });
        commands.push(Command::Slow {
            node: node.clone(),
            factor: 1.0,
        });
        commands.push(Command::SetErrorRate {
            node,
            error_rate: 0.0,
        });
    }
    for link in 0..scenario.links.len() as u32 {
        commands.push(Command::Heal { link });
    }
    commands.push(Command::ReviveBroker);
    for client in &scenario.clients {
        let stopped = ClientSpec {
            rate_per_second: 0.0,
            spikes: Vec::new(),
            closed_loop_users: 0,
            ..client.clone()
        };
        commands.push(Command::UpdateClient { spec: stopped });
    }
    commands
}

fn random_duration(rng: &mut Pcg32, scale_ms: f64) -> Distribution {
    // Now and then zero or below a millisecond: the smallest values are where rounding and
    // same-instant ordering go wrong.
    let median_ms = match rng.below(10) {
        0 => 0.0,
        1 => rng.next_f64() * 0.01,
        _ => rng.next_f64() * scale_ms,
    };
    match rng.below(3) {
        0 => Distribution::Constant { ms: median_ms },
        1 => Distribution::Exponential { mean_ms: median_ms },
        _ => Distribution::LogNormal {
            median_ms: median_ms.max(0.1),
            p99_ms: median_ms.max(0.1) * (1.0 + rng.next_f64() * 10.0),
        },
    }
}

fn random_link(rng: &mut Pcg32, from: String, to: String) -> LinkSpec {
    // Up to the validator's limits now and then; many attempts only with a latency, so that a
    // chain of them cannot pile a million attempts on one instant (the engine would stop
    // there, by design, and the case could not drain).
    let many_attempts = rng.chance(0.05);
    let breaker = BreakerConfig {
        enabled: rng.chance(0.3),
        sliding_window_type: if rng.chance(0.3) {
            crate::breaker::SlidingWindowType::TimeBased
        } else {
            crate::breaker::SlidingWindowType::CountBased
        },
        minimum_number_of_calls: 1 + rng.below(10),
        sliding_window_size: 1 + rng.below(20),
        wait_duration_in_open_ms: 1.0 + rng.next_f64() * 300.0,
        permitted_number_of_calls_in_half_open: 1 + rng.below(4),
        automatic_transition_from_open_to_half_open: rng.chance(0.5),
        slow_call_duration_threshold_ms: 1.0 + rng.next_f64() * 100.0,
        ..BreakerConfig::default()
    };
    let sync = SyncPolicy {
        timeout_ms: if rng.chance(0.05) {
            SMALLEST_DURATION_MS + rng.next_f64() * 0.5
        } else {
            5.0 + rng.next_f64() * 200.0
        },
        max_attempts: if many_attempts {
            1 + rng.below(MAX_ATTEMPTS)
        } else {
            1 + rng.below(4)
        },
        backoff: Backoff {
            initial_ms: rng.next_f64() * 50.0,
            multiplier: 1.0 + rng.next_f64() * 2.0,
            max_ms: 200.0,
            jitter: [
                Jitter::None,
                Jitter::Full,
                Jitter::FullThenCap,
                Jitter::Equal,
                Jitter::Decorrelated,
            ][rng.below(5) as usize],
        },
        retry_on: RetryOn {
            timeout: rng.chance(0.8),
            server_error: rng.chance(0.8),
            connection_error: rng.chance(0.8),
            rejected: rng.chance(0.8),
            not_permitted: rng.chance(0.5),
        },
        retry_budget: rng.chance(0.3).then(|| {
            if rng.chance(0.2) {
                // The largest numbers a budget takes.
                RetryBudget {
                    capacity: u32::MAX - rng.below(3),
                    retry_cost: rng.below(3),
                    timeout_retry_cost: u32::MAX - rng.below(3),
                    first_attempt_refund: u32::MAX,
                }
            } else {
                RetryBudget {
                    capacity: 1 + rng.below(50),
                    ..RetryBudget::default()
                }
            }
        }),
        max_concurrent_calls: rng.chance(0.3).then(|| 1 + rng.below(5)),
        breaker,
    };
    let async_policy = AsyncPolicy {
        queue: None,
        delivery_limit: if rng.chance(0.05) {
            1 + rng.below(MAX_DELIVERY_LIMIT)
        } else {
            1 + rng.below(5)
        },
        delivery_limit_counts: if rng.chance(0.5) {
            DeliveryLimitCounts::Redeliveries
        } else {
            DeliveryLimitCounts::Receives
        },
        prefetch: rng.below(4),
        redelivery_delay_ms: if rng.chance(0.5) {
            0.0
        } else {
            rng.next_f64() * 50.0
        },
        visibility_timeout_ms: rng.chance(0.3).then(|| 1.0 + rng.next_f64() * 100.0),
        message_ttl_ms: rng.chance(0.3).then(|| 1.0 + rng.next_f64() * 300.0),
        max_length: rng.chance(0.3).then(|| 1 + rng.below(20)),
        overflow: if rng.chance(0.5) {
            Overflow::DropHead
        } else {
            Overflow::RejectPublish
        },
        dead_letter_queue: rng.chance(0.7),
        on_publish_failure: [
            PublishFailure::FailRequest,
            PublishFailure::Retry,
            PublishFailure::Drop,
        ][rng.below(3) as usize],
    };
    LinkSpec {
        from,
        to,
        kind: if rng.chance(0.5) {
            LinkKind::Sync
        } else {
            LinkKind::Async
        },
        latency: if many_attempts {
            Distribution::Constant {
                ms: 0.5 + rng.next_f64() * 10.0,
            }
        } else {
            random_duration(rng, 10.0)
        },
        sync,
        async_policy,
    }
}
