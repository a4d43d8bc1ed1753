//! The compare view: the same topology twice, every call blocking beside calls between
//! services through queues, with the same seed and the same faults.

use cascade_sim::{Command, LinkKind, Scenario};

/// The two sides of the compare view: the same topology with every link sync, and with every
/// link between services async (load sources still call over HTTP). Names say which is which.
pub fn comparison(scenario: &Scenario) -> (Scenario, Scenario) {
    let clients: Vec<&str> = scenario
        .clients
        .iter()
        .map(|client| client.name.as_str())
        .collect();
    let mut sync = scenario.clone();
    let mut asynchronous = scenario.clone();
    for link in &mut sync.links {
        link.kind = LinkKind::Sync;
    }
    for link in &mut asynchronous.links {
        if !clients.contains(&link.from.as_str()) {
            link.kind = LinkKind::Async;
        }
    }
    // Faults that switch link kinds would undo the comparison; every other fault applies to both.
    for side in [&mut sync, &mut asynchronous] {
        side.faults
            .retain(|fault| !matches!(fault.command, Command::SetLinkKind { .. }));
    }
    sync.name = "Every call blocking (sync)".into();
    asynchronous.name = "Calls between services through queues (async)".into();
    (sync, asynchronous)
}
