//! Native benchmark: the reference workload (checkout at 10,000 requests per second) for a
//! number of simulated seconds, repeated; prints the median events per second as JSON.
//! Usage: `cargo run --release -p cascade-sim --example bench -- [SECONDS] [RUNS]`

use cascade_sim::{presets, SimTime, Simulation, TraceRetention};
use std::time::Instant;

fn main() {
    let mut arguments = std::env::args().skip(1);
    let simulated_seconds: u64 = arguments.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let runs: usize = arguments.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let scenario = presets::reference_workload();
    let mut samples = Vec::new();
    let mut hash = 0;
    let mut events = 0;
    for _ in 0..runs.max(1) {
        let mut simulation = Simulation::new(&scenario, 1, TraceRetention::HashOnly)
            .expect("reference workload is valid");
        let started = Instant::now();
        simulation.run_until(SimTime::from_secs(simulated_seconds), u64::MAX);
        let wall = started.elapsed().as_secs_f64();
        events = simulation.events_processed();
        hash = simulation.trace().hash();
        samples.push((events as f64 / wall, wall));
    }
    samples.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (events_per_second, wall_seconds) = samples[samples.len() / 2];
    println!(
        "{{\"events\":{events},\"wall_ms\":{:.1},\"events_per_second\":{events_per_second:.0},\"simulated_seconds\":{simulated_seconds},\"runs\":{runs},\"trace_hash\":\"{hash:#018x}\"}}",
        wall_seconds * 1e3
    );
}
