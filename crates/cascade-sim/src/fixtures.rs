//! Pinned runs shared by the native tests and the browser (wasm) test: the same scenario, seed
//! and commands must give the same trace hash on every platform.

use crate::engine::{Command, Simulation};
use crate::presets;
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
pub fn chain(services: usize) -> crate::Scenario {
    let mut scenario = crate::Scenario {
        clients: vec![crate::ClientSpec {
            name: "Users".into(),
            rate_per_second: 1.0,
            ..Default::default()
        }],
        ..Default::default()
    };
    for index in 0..services {
        scenario.services.push(crate::ServiceSpec {
            name: format!("S{index}"),
            ..Default::default()
        });
        scenario.links.push(crate::LinkSpec {
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
