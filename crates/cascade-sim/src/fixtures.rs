//! Pinned runs and scenarios shared by the tests: the golden run that the native tests and the
//! browser (wasm) test both hash (the same scenario, seed and commands must give the same trace
//! hash on every platform), and the scenarios that sit at the format's limits. It builds on
//! the engine and the presets, so nothing below them may use it, not even in unit tests.

use crate::distribution::Distribution;
use crate::engine::Simulation;
use crate::policy::{Backoff, SyncPolicy, MAX_ATTEMPTS};
use crate::presets;
use crate::scenario::command::Command;
use crate::scenario::{Arrival, ClientSpec, LinkSpec, Scenario, ServiceSpec};
use crate::time::SimTime;
use crate::trace::TraceRetention;

/// The trace hash of [`golden_run`]. If an engine change alters it deliberately, update it here
/// (both the native and the browser test read this constant).
pub const GOLDEN_TRACE_HASH: u64 = 0x9a72_33fe_c871_090f;

/// The checkout preset, seed 1: healthy for 5 s, Payments killed from 5 s to 12 s, then 8 s of
/// recovery.
pub fn golden_run() -> Simulation {
    let mut simulation = Simulation::new(&presets::checkout(), 1, TraceRetention::HashOnly)
        .expect("the checkout preset is valid");
    simulation.run_until(SimTime::from_secs(5), u64::MAX);
    simulation
        .apply(Command::Kill {
            node: "Payments".into(),
        })
        .expect("Payments is up");
    simulation.run_until(SimTime::from_secs(12), u64::MAX);
    simulation
        .apply(Command::Revive {
            node: "Payments".into(),
        })
        .expect("Payments is down");
    simulation.run_until(SimTime::from_secs(20), u64::MAX);
    simulation
}

/// Users calling `services` services in a chain (`S0` to `S{n-1}`), one request per second:
/// the worst case for the checks that walk the call graph, used at the size limits.
pub fn chain(services: usize) -> Scenario {
    let mut scenario = Scenario {
        clients: vec![ClientSpec {
            name: "Users".into(),
            rate_per_second: 1.0,
            ..Default::default()
        }],
        ..Default::default()
    };
    for index in 0..services {
        scenario.services.push(ServiceSpec {
            name: format!("S{index}"),
            ..Default::default()
        });
        scenario.links.push(LinkSpec {
            from: if index == 0 {
                "Users".into()
            } else {
                format!("S{}", index - 1)
            },
            to: format!("S{index}"),
            ..Default::default()
        });
    }
    scenario
}

/// A valid scenario that cannot get past one instant: a chain of three sync hops with no
/// latency, no backoff, no service time and 100 attempts each, whose last service always
/// fails. The first request, at 1 s, makes a million attempts at the bottom without simulated
/// time moving on.
pub fn stuck_at_an_instant() -> Scenario {
    let instant = Distribution::Constant { ms: 0.0 };
    let service = |name: &str, error_rate: f64| ServiceSpec {
        name: name.into(),
        service_time: instant.clone(),
        error_rate,
        ..ServiceSpec::default()
    };
    let hop = |from: &str, to: &str| LinkSpec {
        from: from.into(),
        to: to.into(),
        latency: instant.clone(),
        sync: SyncPolicy {
            max_attempts: MAX_ATTEMPTS,
            backoff: Backoff {
                initial_ms: 0.0,
                max_ms: 0.0,
                ..Backoff::default()
            },
            ..SyncPolicy::default()
        },
        ..LinkSpec::default()
    };
    Scenario {
        name: "Stuck at one instant".into(),
        clients: vec![ClientSpec {
            name: "Users".into(),
            rate_per_second: 1.0,
            arrival: Arrival::Constant,
            ..ClientSpec::default()
        }],
        services: vec![service("A", 0.0), service("B", 0.0), service("C", 1.0)],
        links: vec![hop("Users", "A"), hop("A", "B"), hop("B", "C")],
        ..Scenario::default()
    }
}
