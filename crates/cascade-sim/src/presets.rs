//! Preset scenarios: the one place the tests, benchmarks, CLI and the UI's preset menu get
//! their fixtures from. Each tells one part of the story in its description and schedules the
//! faults that make the point.
//!
//! Latencies are exaggerated (tens of milliseconds, like calls between regions) so the calls
//! are visible when animated; everything else uses library defaults or says why not.

use crate::breaker::BreakerConfig;
use crate::distribution::Distribution;
use crate::policy::{AsyncPolicy, Backoff, Jitter, RetryBudget, SyncPolicy};
use crate::scenario::command::{Command, TimedCommand};
use crate::scenario::{
    Arrival, CallMode, ClientSpec, LinkSpec, Position, Scenario, ServiceSpec, Spike,
};
use crate::time::SimTime;
use crate::vocabulary::LinkKind;

/// A named preset.
pub struct Preset {
    /// Stable identifier used by `--preset` and URLs.
    pub id: &'static str,
    /// The scenario's name (what `build` names it), known without building it.
    pub name: &'static str,
    /// Builds the scenario.
    pub build: fn() -> Scenario,
}

/// Every preset, in menu order.
pub const ALL: &[Preset] = &[
    Preset {
        id: "checkout",
        name: "Checkout",
        build: checkout,
    },
    Preset {
        id: "frozen-dependency",
        name: "A hung dependency exhausts its caller",
        build: frozen_dependency,
    },
    Preset {
        id: "retry-storm",
        name: "A retry storm outlives its trigger",
        build: retry_storm,
    },
    Preset {
        id: "retry-storm-contained",
        name: "Backoff, jitter and a breaker contain it",
        build: retry_storm_contained,
    },
    Preset {
        id: "collapse",
        name: "Retries keep a slowed server collapsed",
        build: collapse,
    },
    Preset {
        id: "collapse-protected",
        name: "Jittered backoff and a retry budget let it recover",
        build: collapse_protected,
    },
    Preset {
        id: "checkout-async",
        name: "The same chain, made async",
        build: checkout_async,
    },
    Preset {
        id: "poison-message",
        name: "A poison message lands in the dead-letter queue",
        build: poison_message,
    },
    Preset {
        id: "broker-down",
        name: "When the broker dies, async is not magic",
        build: broker_down,
    },
];

/// The benchmark workloads, not in the menu: `reference` (checkout at 10,000 requests per
/// second), `stress` (50 services, 100 links) and `large` (200 services and 400 links with
/// about 20,000 messages on the wire).
pub const WORKLOADS: &[Preset] = &[
    Preset {
        id: "reference",
        name: "Checkout at 10,000 requests per second",
        build: reference_workload,
    },
    Preset {
        id: "stress",
        name: "Stress: 50 services, 100 links",
        build: || stress(50, 100, 1_050.0),
    },
    Preset {
        id: "large",
        name: "Stress: 200 services, 400 links",
        build: || stress(200, 400, 4_000.0),
    },
];

/// The preset with this id: the menu's, or one of the [`WORKLOADS`].
pub fn by_id(id: &str) -> Option<Scenario> {
    ALL.iter()
        .chain(WORKLOADS)
        .find(|preset| preset.id == id)
        .map(|preset| (preset.build)())
}

fn service(name: &str, workers: u32, median_ms: f64, p99_ms: f64, x: f64, y: f64) -> ServiceSpec {
    ServiceSpec {
        name: name.into(),
        workers,
        queue_capacity: 100,
        service_time: Distribution::LogNormal { median_ms, p99_ms },
        position: Some(Position { x, y }),
        ..ServiceSpec::default()
    }
}

fn link(from: &str, to: &str, sync: SyncPolicy) -> LinkSpec {
    LinkSpec {
        from: from.into(),
        to: to.into(),
        kind: LinkKind::Sync,
        latency: Distribution::Constant { ms: 40.0 },
        sync,
        async_policy: AsyncPolicy::default(),
    }
}

fn at(seconds: u64, command: Command) -> TimedCommand {
    TimedCommand {
        at: SimTime::from_secs(seconds),
        command,
    }
}

/// Users give up after 3 s and do not retry by themselves.
fn user_call() -> SyncPolicy {
    SyncPolicy {
        timeout_ms: 3_000.0,
        max_attempts: 1,
        ..SyncPolicy::default()
    }
}

/// A web shop's checkout: users call Orders, which calls Payments and then Inventory, each a
/// blocking REST call with Resilience4j's default retry (3 attempts, 500 ms apart) and a 1 s
/// timeout. Orders has 20 worker threads: plenty while its dependencies answer in tens of
/// milliseconds, far too few when each request holds a thread for a second of retries.
pub fn checkout() -> Scenario {
    Scenario {
        name: "Checkout".into(),
        description: "Users call Orders, which calls Payments and Inventory over blocking REST. \
                      Kill Payments and watch Orders run out of threads; make the Payments link \
                      async and watch the queue absorb the outage instead."
            .into(),
        clients: vec![ClientSpec {
            name: "Users".into(),
            rate_per_second: 30.0,
            arrival: Arrival::Poisson,
            position: Some(Position { x: 120.0, y: 280.0 }),
            ..ClientSpec::default()
        }],
        services: vec![
            service("Orders", 20, 8.0, 40.0, 440.0, 280.0),
            service("Payments", 8, 25.0, 120.0, 820.0, 140.0),
            service("Inventory", 8, 15.0, 60.0, 820.0, 420.0),
        ],
        links: vec![
            link("Users", "Orders", user_call()),
            link("Orders", "Payments", SyncPolicy::default()),
            link("Orders", "Inventory", SyncPolicy::default()),
        ],
        ..Scenario::default()
    }
}

/// Payments hangs at 5 s: it accepts calls and never answers. Each Orders thread waits a full
/// timeout per attempt, three attempts and two backoffs: four seconds per request.
pub fn frozen_dependency() -> Scenario {
    Scenario {
        name: "A hung dependency exhausts its caller".into(),
        description: "At 5 s Payments hangs: it accepts calls and never answers, so every Orders \
                      thread waits out three 1 s timeouts and the pool runs dry. Users time out \
                      until Payments recovers at 20 s."
            .into(),
        faults: vec![
            at(
                5,
                Command::Freeze {
                    node: "Payments".into(),
                },
            ),
            at(
                20,
                Command::Revive {
                    node: "Payments".into(),
                },
            ),
        ],
        ..checkout()
    }
}

/// Users -> API -> Database, where a two-second spike pushes the database past its capacity,
/// calls time out while the database keeps working on them, and three immediate retries per
/// call keep it overloaded long after the spike: a metastable failure.
pub fn retry_storm() -> Scenario {
    let api_to_database = SyncPolicy {
        timeout_ms: 300.0,
        max_attempts: 4,
        backoff: Backoff {
            initial_ms: 50.0,
            multiplier: 1.0,
            max_ms: 50.0,
            jitter: Jitter::None,
        },
        ..SyncPolicy::default()
    };
    Scenario {
        name: "A retry storm outlives its trigger".into(),
        description: "A 2 s spike overloads the database, calls time out, and the API retries \
                      each three times without backoff or jitter. The database then works on \
                      queries nobody waits for, and stays down long after the spike."
            .into(),
        clients: vec![ClientSpec {
            name: "Users".into(),
            rate_per_second: 120.0,
            arrival: Arrival::Poisson,
            spikes: vec![Spike {
                at_ms: 5_000.0,
                duration_ms: 2_000.0,
                rate_per_second: 300.0,
            }],
            position: Some(Position { x: 120.0, y: 280.0 }),
            ..ClientSpec::default()
        }],
        services: vec![
            ServiceSpec {
                queue_capacity: 1_000,
                ..service("API", 200, 2.0, 8.0, 460.0, 280.0)
            },
            ServiceSpec {
                queue_capacity: 5_000,
                service_time: Distribution::Exponential { mean_ms: 20.0 },
                ..service("Database", 4, 20.0, 20.0, 820.0, 280.0)
            },
        ],
        links: vec![
            LinkSpec {
                latency: Distribution::Constant { ms: 20.0 },
                ..link(
                    "Users",
                    "API",
                    SyncPolicy {
                        timeout_ms: 2_000.0,
                        ..user_call()
                    },
                )
            },
            LinkSpec {
                latency: Distribution::Constant { ms: 5.0 },
                ..link("API", "Database", api_to_database)
            },
        ],
        ..Scenario::default()
    }
}

/// The same spike with exponential backoff and full jitter, a retry budget and a circuit
/// breaker on the API's calls: the breaker sheds load, the database drains, the system heals.
pub fn retry_storm_contained() -> Scenario {
    let mut scenario = retry_storm();
    scenario.name = "Backoff, jitter and a breaker contain it".into();
    scenario.description = "The same spike, but with exponential backoff and full jitter, an \
                            AWS-style retry budget and a circuit breaker (its minimum lowered from \
                            Resilience4j's 100 calls so a demo can trip it). Load is shed while \
                            the database drains, and the system recovers soon after the spike."
        .into();
    let call = &mut scenario.links[1].sync;
    call.max_attempts = 3;
    call.backoff = Backoff {
        initial_ms: 100.0,
        multiplier: 2.0,
        max_ms: 2_000.0,
        jitter: Jitter::Full,
    };
    call.retry_budget = Some(RetryBudget::default());
    call.breaker = BreakerConfig {
        enabled: true,
        sliding_window_size: 20,
        minimum_number_of_calls: 10,
        wait_duration_in_open_ms: 2_000.0,
        permitted_number_of_calls_in_half_open: 5,
        automatic_transition_from_open_to_half_open: true,
        ..BreakerConfig::default()
    };
    scenario
}

/// Checkout with the Payments call made asynchronous: Orders publishes and answers at once.
pub fn checkout_async() -> Scenario {
    let mut scenario = checkout();
    scenario.name = "The same chain, made async".into();
    scenario.description = "Orders publishes payment requests to a queue and answers at once. \
                            Payments dies from 5 s to 15 s: the queue absorbs the work, Orders \
                            stays healthy, and the backlog drains after it returns."
        .into();
    scenario.links[1].kind = LinkKind::Async;
    scenario.faults = vec![
        at(
            5,
            Command::Kill {
                node: "Payments".into(),
            },
        ),
        at(
            15,
            Command::Revive {
                node: "Payments".into(),
            },
        ),
    ];
    scenario
}

/// An async chain where a few requests can never be processed: each goes round and round
/// until the delivery limit moves it to the dead-letter queue.
pub fn poison_message() -> Scenario {
    let mut scenario = checkout_async();
    scenario.name = "A poison message lands in the dead-letter queue".into();
    scenario.description = "One payment request in fifty is malformed and fails every time. \
                            The broker redelivers it until the delivery limit (5 redeliveries \
                            here, 20 on RabbitMQ quorum queues) moves it to the dead-letter \
                            queue after its sixth delivery."
        .into();
    scenario.faults.clear();
    scenario.services[1].poison_rate = 0.02;
    scenario.links[1].async_policy = AsyncPolicy {
        delivery_limit: 5,
        redelivery_delay_ms: 200.0,
        ..AsyncPolicy::default()
    };
    scenario
}

/// Marc Brooker's simple collapse model: a server whose work takes 1 s plus 10 ms for every
/// request in progress, no worker limit, callers with a 3 s timeout that retry up to three
/// times at once, and load stepping from 40 to 80 requests a second for 5 s. The spike pushes
/// the service time past the timeout; every timed-out call leaves its work behind and comes
/// back as a retry, and the extra load keeps the service time past the timeout after the spike
/// is over: a metastable failure.
pub fn collapse() -> Scenario {
    Scenario {
        name: "Retries keep a slowed server collapsed".into(),
        description: "Each request takes 1 s plus 10 ms for every request in progress, and \
                      callers give up after 3 s and retry at once, up to three times. A 5 s \
                      spike from 40 to 80 requests a second pushes the work past the timeout; \
                      the retries and the abandoned work keep it there. Before the spike 40 \
                      requests a second succeed in about 1.7 s; 15 s after it nothing does, \
                      and the 770 requests in progress grow by 70 a second."
            .into(),
        clients: vec![ClientSpec {
            name: "Clients".into(),
            rate_per_second: 40.0,
            arrival: Arrival::Poisson,
            spikes: vec![Spike {
                at_ms: 10_000.0,
                duration_ms: 5_000.0,
                rate_per_second: 80.0,
            }],
            position: Some(Position { x: 160.0, y: 280.0 }),
            ..ClientSpec::default()
        }],
        services: vec![ServiceSpec {
            name: "Server".into(),
            workers: 100_000,
            queue_capacity: 0,
            service_time: Distribution::Constant { ms: 1_000.0 },
            contention_per_request_ms: 10.0,
            position: Some(Position { x: 640.0, y: 280.0 }),
            ..ServiceSpec::default()
        }],
        links: vec![LinkSpec {
            latency: Distribution::Exponential { mean_ms: 100.0 },
            ..link(
                "Clients",
                "Server",
                SyncPolicy {
                    timeout_ms: 3_000.0,
                    max_attempts: 4,
                    backoff: Backoff {
                        initial_ms: 0.0,
                        multiplier: 1.0,
                        max_ms: 0.0,
                        jitter: Jitter::None,
                    },
                    ..SyncPolicy::default()
                },
            )
        }],
        ..Scenario::default()
    }
}

/// The same server and spike, with exponential backoff, full jitter and an AWS-style retry
/// budget on the callers: the retries stop when they stop working, and the server recovers.
pub fn collapse_protected() -> Scenario {
    let mut scenario = collapse();
    scenario.name = "Jittered backoff and a retry budget let it recover".into();
    scenario.description = "The same server and the same spike, but callers wait a random, \
                            growing time before each retry and share a retry budget (AWS SDK \
                            standard mode: 500 tokens, 10 per retry after a timeout). When \
                            the retries stop paying off the budget runs dry (78 tokens left at \
                            its lowest), about 50 requests fail, and 10 s after the spike the \
                            server is back to 40 successes a second with 70 in progress."
        .into();
    let call = &mut scenario.links[0].sync;
    call.backoff = Backoff {
        initial_ms: 1_000.0,
        multiplier: 2.0,
        max_ms: 20_000.0,
        jitter: Jitter::Full,
    };
    call.retry_budget = Some(RetryBudget::default());
    scenario
}

/// The async chain again, but the broker itself dies.
pub fn broker_down() -> Scenario {
    let mut scenario = checkout_async();
    scenario.name = "When the broker dies, async is not magic".into();
    scenario.description = "The broker is down from 5 s to 12 s: Orders cannot publish, so \
                            orders fail. Acknowledgements are lost too, and those messages are \
                            delivered again when it returns."
        .into();
    scenario.faults = vec![at(5, Command::KillBroker), at(12, Command::ReviveBroker)];
    scenario
}

/// The benchmark's reference workload: the checkout chain at 10,000 requests per second, with
/// worker pools scaled so it is stable (about 40% busy), Poisson arrivals, every link sync.
pub fn reference_workload() -> Scenario {
    let mut scenario = checkout();
    scenario.name = "Checkout at 10,000 requests per second".into();
    scenario.clients[0].rate_per_second = 10_000.0;
    for service in &mut scenario.services {
        service.workers *= 500;
        service.queue_capacity = 10_000;
    }
    scenario
}

/// The stress topology's grid: a column and a row further than a node's box (the playground
/// draws 170 by 92), so the picture has no overlap and a fitted view shows every node.
const STRESS_COLUMN: f64 = 200.0;
/// See [`STRESS_COLUMN`].
const STRESS_ROW: f64 = 112.0;

/// A large topology for the frame-time benchmark (`stress` in `by_id`): `services` services
/// in five layers, `links` links (a third async) between consecutive layers, one load source
/// per first-layer service, calls made in parallel, and `rate_per_second` requests in all.
pub fn stress(services: usize, links: usize, rate_per_second: f64) -> Scenario {
    const LAYERS: usize = 5;
    let per_layer = services.div_ceil(LAYERS).max(1);
    let layer_of = |index: usize| index / per_layer;
    let mut scenario = Scenario {
        name: format!("Stress: {services} services, {links} links"),
        description: "A large topology for measuring frame time.".into(),
        ..Scenario::default()
    };
    for index in 0..services {
        let (layer, row) = (layer_of(index), index % per_layer);
        scenario.services.push(ServiceSpec {
            name: format!("S{index}"),
            workers: 2_000,
            queue_capacity: 10_000,
            service_time: Distribution::Exponential { mean_ms: 5.0 },
            position: Some(Position {
                x: 300.0 + layer as f64 * STRESS_COLUMN,
                y: STRESS_ROW * (row as f64 + 0.5),
            }),
            ..ServiceSpec::default()
        });
    }
    // One load source per service of the first layer, so each request enters at one place.
    let first_layer = per_layer.min(services);
    for target in 0..first_layer {
        let name = format!("Load{target}");
        scenario.clients.push(ClientSpec {
            name: name.clone(),
            rate_per_second: rate_per_second / first_layer as f64,
            position: Some(Position {
                x: 100.0,
                y: STRESS_ROW * (target as f64 + 0.5),
            }),
            ..ClientSpec::default()
        });
        scenario.links.push(LinkSpec {
            latency: Distribution::Constant { ms: 40.0 },
            ..link(
                &name,
                &format!("S{target}"),
                SyncPolicy {
                    timeout_ms: 10_000.0,
                    ..user_call()
                },
            )
        });
    }
    // Each extra link joins a service to one in the next layer, spread round-robin.
    let mut added = 0;
    let mut offset = 0;
    while added < links && offset < services * services {
        let from = offset % services;
        let step = offset / services;
        let to = (layer_of(from) + 1) * per_layer + (from + step) % per_layer;
        offset += 1;
        if to >= services {
            continue;
        }
        let (from_name, to_name) = (format!("S{from}"), format!("S{to}"));
        if scenario
            .links
            .iter()
            .any(|link| link.from == from_name && link.to == to_name)
        {
            continue;
        }
        let sync = SyncPolicy {
            timeout_ms: 10_000.0,
            ..SyncPolicy::default()
        };
        let mut spec = link(&from_name, &to_name, sync);
        spec.kind = if added % 3 == 0 {
            LinkKind::Async
        } else {
            LinkKind::Sync
        };
        spec.async_policy.queue = Some(format!("{to_name}.from.{from_name}"));
        scenario.links.push(spec);
        added += 1;
    }
    scenario
        .services
        .iter_mut()
        .for_each(|service| service.call_mode = CallMode::Parallel);
    scenario
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_is_valid_and_has_a_unique_id() {
        let mut ids: Vec<&str> = ALL
            .iter()
            .chain(WORKLOADS)
            .map(|preset| preset.id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len() + WORKLOADS.len());
        for preset in ALL.iter().chain(WORKLOADS) {
            let scenario = (preset.build)();
            scenario
                .validate()
                .unwrap_or_else(|error| panic!("{}: {error}", preset.id));
            assert_eq!(scenario.name, preset.name, "{}", preset.id);
            assert!(
                !scenario.description.is_empty(),
                "{} explains itself",
                preset.id
            );
        }
        assert!(by_id("reference").is_some());
        let stress = by_id("stress").expect("stress preset");
        stress.validate().expect("the stress topology is valid");
        assert_eq!(stress.services.len(), 50);
        assert_eq!(
            stress.links.len(),
            100 + 10,
            "100 links plus one per load source"
        );
        let mut simulation =
            crate::engine::Simulation::new(&stress, 1, crate::trace::TraceRetention::HashOnly)
                .expect("valid");
        simulation.run_until(SimTime::from_secs(5), u64::MAX);
        let on_the_wire = simulation.in_flight_count();
        assert!(
            (4_000..7_000).contains(&on_the_wire),
            "about 5,000 messages on the wire: {on_the_wire}"
        );
        assert_eq!(simulation.client_totals().failed(), 0, "heavy but healthy");
        assert!(by_id("nope").is_none());
    }
}
