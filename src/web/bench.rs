//! `?bench=SECONDS`: runs the reference workload in this browser and prints the figures into
//! `#bench-result` as JSON, for `make bench` to read.

use cascade_sim::{presets, SimTime, Simulation, TraceRetention};

/// Simulated seconds of the reference workload run before the measured run.
const WARM_UP_SECONDS: u64 = 5;

pub(crate) fn run(document: &web_sys::Document, simulated_seconds: u64) {
    let performance = web_sys::window()
        .and_then(|window| window.performance())
        .expect("performance API");
    let scenario = presets::reference_workload();
    // A warm-up run first, timed on its own: the browser runs new WebAssembly in quickly
    // compiled code and compiles the optimised code in the background meanwhile (on a busy
    // 2-core machine that takes from a fraction of a second to seconds). The measured run is
    // the engine as a playground that has been open a moment runs it.
    let warm_up_started = performance.now();
    let mut warm_up = Simulation::new(&scenario, 1, TraceRetention::HashOnly)
        .expect("reference workload is valid");
    warm_up.run_until(SimTime::from_secs(WARM_UP_SECONDS), u64::MAX);
    let cold_events_per_second =
        warm_up.events_processed() as f64 / ((performance.now() - warm_up_started) / 1e3);
    let mut simulation = Simulation::new(&scenario, 1, TraceRetention::HashOnly)
        .expect("reference workload is valid");
    let started = performance.now();
    simulation.run_until(SimTime::from_secs(simulated_seconds), u64::MAX);
    let wall_ms = performance.now() - started;
    let events = simulation.events_processed();
    let result = format!(
        "{{\"events\":{events},\"wall_ms\":{wall_ms:.1},\"events_per_second\":{:.0},\"cold_events_per_second\":{cold_events_per_second:.0},\"warm_up_seconds\":{WARM_UP_SECONDS},\"simulated_seconds\":{simulated_seconds},\"trace_hash\":\"{:#018x}\"}}",
        events as f64 / (wall_ms / 1e3),
        simulation.trace().hash()
    );
    let output = document.create_element("pre").expect("create pre");
    output.set_id("bench-result");
    output.set_text_content(Some(&result));
    if let Some(body) = document.body() {
        let _ = body.append_child(&output);
    }
    super::hide_loading();
}
