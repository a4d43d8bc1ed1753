//! What the core's integration tests share, written once: topology builders (distributions,
//! services, load sources), run helpers that check every invariant after every event, the
//! commands the tests apply most, and lookups that name what they could not find.
//!
//! Each test module keeps its own conventions (the fidelity tests' links that never time out,
//! the mechanism tests' 1 ms links and seed) next to the tests that rely on them.

use cascade_sim::{
    Arrival, ClientMetrics, ClientSpec, Command, Distribution, LinkId, LinkView, NodeView,
    QueueView, RunOutcome, ServiceSpec, SimTime, Simulation,
};

// ---- topology -----------------------------------------------------------------------------

/// Always `ms` milliseconds.
pub fn constant(ms: f64) -> Distribution {
    Distribution::Constant { ms }
}

/// Exponentially distributed with mean `mean_ms` milliseconds.
pub fn exponential(mean_ms: f64) -> Distribution {
    Distribution::Exponential { mean_ms }
}

/// A service with `workers` threads, `queue_capacity` places to wait, and `service_time` of
/// local work per request; every other knob at its default.
pub fn service(
    name: &str,
    workers: u32,
    queue_capacity: u32,
    service_time: Distribution,
) -> ServiceSpec {
    ServiceSpec {
        name: name.into(),
        workers,
        queue_capacity,
        service_time,
        ..ServiceSpec::default()
    }
}

/// An open-loop source with evenly spaced requests: the first at `1000/r` ms, then one every
/// `1000/r` ms.
pub fn users(name: &str, rate_per_second: f64) -> ClientSpec {
    open_loop(name, rate_per_second, Arrival::Constant)
}

/// An open-loop source with exponential gaps between requests (a Poisson process).
pub fn poisson_users(name: &str, rate_per_second: f64) -> ClientSpec {
    open_loop(name, rate_per_second, Arrival::Poisson)
}

fn open_loop(name: &str, rate_per_second: f64, arrival: Arrival) -> ClientSpec {
    ClientSpec {
        name: name.into(),
        rate_per_second,
        arrival,
        ..ClientSpec::default()
    }
}

// ---- running ------------------------------------------------------------------------------

/// Runs to `until` (inclusive), checking every invariant after every event.
pub fn run_checked(simulation: &mut Simulation, until: SimTime) {
    run_watching(simulation, until, |_| {});
}

/// Like [`run_checked`], calling `watch` after every event.
pub fn run_watching(
    simulation: &mut Simulation,
    until: SimTime,
    mut watch: impl FnMut(&Simulation),
) {
    while simulation.run_until(until, 1) == RunOutcome::BudgetExhausted {
        if let Err(problem) = simulation.check_invariants() {
            panic!("invariant broken at {:?}: {problem}", simulation.now());
        }
        watch(simulation);
    }
    if let Err(problem) = simulation.check_invariants() {
        panic!(
            "invariant broken at the end ({:?}): {problem}",
            simulation.now()
        );
    }
}

/// Crash a service.
pub fn kill(node: &str) -> Command {
    Command::Kill { node: node.into() }
}

/// Bring a killed or frozen service back.
pub fn revive(node: &str) -> Command {
    Command::Revive { node: node.into() }
}

/// Hang a service.
pub fn freeze(node: &str) -> Command {
    Command::Freeze { node: node.into() }
}

// ---- lookups ------------------------------------------------------------------------------

/// The node called `name`.
pub fn node<'a>(simulation: &'a Simulation, name: &str) -> NodeView<'a> {
    simulation
        .node_by_name(name)
        .unwrap_or_else(|| panic!("no node {name}"))
}

/// The end-to-end counters of the load source called `name`: its own, not the sum over every
/// source that `client_totals()` gives.
pub fn client<'a>(simulation: &'a Simulation, name: &str) -> &'a ClientMetrics {
    node(simulation, name).client_metrics
}

/// The link at `index` in the scenario.
pub fn link(simulation: &Simulation, index: u32) -> LinkView<'_> {
    simulation
        .link(LinkId(index))
        .unwrap_or_else(|| panic!("no link {index}"))
}

/// The broker queue called `name`.
pub fn queue<'a>(simulation: &'a Simulation, name: &str) -> QueueView<'a> {
    simulation
        .queues()
        .find(|queue| queue.name == name)
        .unwrap_or_else(|| panic!("no queue {name}"))
}
