//! The seed swarm: random topologies with random fault schedules. Every invariant is checked
//! after every event (every few events while a storm makes the state large); then every fault
//! is healed, the load stops, and everything must drain.
//! `SWARM_CASES` sets how many seeds run (2,000 by default; `make soak` runs more), and
//! `SWARM_FIRST_SEED` where they start. A failure prints the seed that reproduces it.

use cascade_sim::swarm::{healing_commands, random_case, FAULTY_PERIOD};
use cascade_sim::{RunOutcome, SimDuration, Simulation, TraceRetention};

/// Events each phase (the faulty part, the drain) may take: a run that needs more is stuck,
/// and fails with its seed instead of hanging the test.
const PHASE_EVENT_BUDGET: u64 = 5_000_000;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// After every event while the state is small; in a big one (a storm of retries) every so
/// many events, so that checking costs about ten records per event.
fn due_for_a_check(simulation: &Simulation, handled: u64) -> bool {
    handled % (simulation.live_records() as u64 / 10).max(1) == 0
}

fn run_case(seed: u64) -> Result<(), String> {
    let (scenario, faults) = random_case(seed);
    let mut simulation = Simulation::new(&scenario, seed, TraceRetention::HashOnly)
        .map_err(|error| format!("generated an invalid scenario: {error}"))?;
    let check = |simulation: &Simulation| {
        simulation
            .check_invariants()
            .map_err(|problem| format!("at {:?}: {problem}", simulation.now()))
    };
    let mut pending = faults.into_iter().peekable();
    let mut handled = 0u64;
    loop {
        handled += 1;
        if handled > PHASE_EVENT_BUDGET {
            return Err(format!(
                "still in the faulty phase after {PHASE_EVENT_BUDGET} events, {:?}: a livelock",
                simulation.now()
            ));
        }
        let next_fault = pending.peek().map_or(FAULTY_PERIOD, |(at, _)| *at);
        match simulation.run_until(next_fault, 1) {
            RunOutcome::BudgetExhausted if due_for_a_check(&simulation, handled) => {
                check(&simulation)?
            }
            RunOutcome::BudgetExhausted => {}
            RunOutcome::StuckAtInstant => {
                return Err(format!("stuck at one instant, {:?}", simulation.now()))
            }
            RunOutcome::ReachedTime | RunOutcome::Idle => {
                match pending.next() {
                    // Commands may be refused (killing a dead service): that is fine.
                    Some((_, command)) => {
                        let _ = simulation.apply(command);
                        check(&simulation)?;
                    }
                    None => break,
                }
            }
        }
    }
    for command in healing_commands(&scenario) {
        let _ = simulation.apply(command);
    }
    check(&simulation)?;
    // A day: a case with a delivery limit near 1,000 and a consumer that always fails can
    // take hours to dead-letter its backlog, one slow redelivery at a time.
    let far_future = simulation.now() + SimDuration::from_secs(86_400);
    let mut handled = 0;
    let mut outcome = RunOutcome::BudgetExhausted;
    while outcome == RunOutcome::BudgetExhausted {
        outcome = simulation.run_until(far_future, 1);
        handled += 1;
        if due_for_a_check(&simulation, handled) {
            check(&simulation)?;
        }
        if handled > PHASE_EVENT_BUDGET {
            return Err(format!(
                "still busy after {PHASE_EVENT_BUDGET} events: a livelock"
            ));
        }
    }
    check(&simulation)?;
    if outcome == RunOutcome::StuckAtInstant {
        return Err(format!(
            "stuck at one instant while draining, {:?}",
            simulation.now()
        ));
    }
    if simulation.requests_in_flight() != 0 {
        return Err(format!(
            "{} requests never finished",
            simulation.requests_in_flight()
        ));
    }
    if simulation.messages_in_system() != 0 {
        return Err(format!(
            "{} messages never settled",
            simulation.messages_in_system()
        ));
    }
    if simulation.in_flight_count() != 0 {
        return Err("transmissions still on the wire".into());
    }
    if outcome != RunOutcome::Idle {
        return Err("events were still scheduled after a day of simulated time".into());
    }
    Ok(())
}

#[test]
fn random_topologies_with_random_faults_keep_every_invariant_and_drain() {
    let cases = env_number("SWARM_CASES", 2_000);
    let first = env_number("SWARM_FIRST_SEED", 1);
    let mut failures = Vec::new();
    for seed in first..first + cases {
        if let Err(problem) = run_case(seed) {
            failures.push(format!("seed {seed}: {problem}"));
            if failures.len() >= 5 {
                break;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} swarm cases failed (rerun one with SWARM_FIRST_SEED=<seed> SWARM_CASES=1):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
