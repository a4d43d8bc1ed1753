//! Pinned runs shared by the native tests and the browser (wasm) test: the same scenario, seed
//! and commands must give the same trace hash on every platform.

use crate::engine::{Command, Simulation};
use crate::presets;
use crate::time::SimTime;
use crate::trace::TraceRetention;

/// The trace hash of [`golden_run`]. If an engine change alters it deliberately, update it here
/// (both the native and the browser test read this constant).
pub const GOLDEN_TRACE_HASH: u64 = 0x528e_2c84_e404_e72a;

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
