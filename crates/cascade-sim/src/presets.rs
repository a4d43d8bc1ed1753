//! Preset scenarios: the one place the tests, benchmarks, CLI and the UI's preset menu get
//! their fixtures from.
//!
//! Latencies are exaggerated (tens of milliseconds, like calls between regions) so the calls
//! are visible when animated; everything else uses library defaults or says why not.

use crate::distribution::Distribution;
use crate::policy::{AsyncPolicy, SyncPolicy};
use crate::scenario::{
    Arrival, CallMode, ClientSpec, LinkKind, LinkSpec, Position, Scenario, ServiceSpec,
};

/// A named preset.
pub struct Preset {
    /// Stable identifier used by `--preset` and URLs.
    pub id: &'static str,
    /// Builds the scenario.
    pub build: fn() -> Scenario,
}

/// Every preset, in menu order.
pub const ALL: &[Preset] = &[Preset {
    id: "checkout",
    build: checkout,
}];

/// The preset with this id.
pub fn by_id(id: &str) -> Option<Scenario> {
    ALL.iter()
        .find(|preset| preset.id == id)
        .map(|preset| (preset.build)())
}

fn service(name: &str, workers: u32, median_ms: f64, p99_ms: f64, x: f64, y: f64) -> ServiceSpec {
    ServiceSpec {
        name: name.into(),
        workers,
        queue_capacity: 100,
        service_time: Distribution::LogNormal { median_ms, p99_ms },
        error_rate: 0.0,
        call_mode: CallMode::Sequential,
        position: Some(Position { x, y }),
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

/// A web shop's checkout: users call Orders, which calls Payments and then Inventory, each a
/// blocking REST call with Resilience4j's default retry (3 attempts, 500 ms apart) and a 1 s
/// timeout. Orders has 20 worker threads: plenty while its dependencies answer in tens of
/// milliseconds, far too few when each request holds a thread for a second of retries.
pub fn checkout() -> Scenario {
    // Users give up after 3 s and do not retry by themselves.
    let user_call = SyncPolicy {
        timeout_ms: 3_000.0,
        max_attempts: 1,
        ..SyncPolicy::default()
    };
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
            link("Users", "Orders", user_call),
            link("Orders", "Payments", SyncPolicy::default()),
            link("Orders", "Inventory", SyncPolicy::default()),
        ],
        ..Scenario::default()
    }
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
