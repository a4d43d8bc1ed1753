//! Helpers shared by the app's native tests: a playground on a preset, time passing as the
//! page lets it pass, a run a person might share, and a run's outcome in one line.

use cascade::embed::PageOptions;
use cascade::model::editor::Edit;
use cascade::model::share::SharedState;
use cascade::model::{Action, Changed, LogFilter, Playground, Runner, Selection, UiError};
use cascade_sim::{presets, Scenario};

/// Wall-clock milliseconds of one animation frame at 60 frames per second.
pub const FRAME_MS: f64 = 1000.0 / 60.0;

/// A playground on a preset, as a plain page opens it.
pub fn playground(id: &str) -> Playground {
    on(presets::by_id(id).expect("a preset"))
}

/// A playground on a scenario, as a plain page opens it.
pub fn on(scenario: Scenario) -> Playground {
    Playground::new(scenario, PageOptions::default()).expect("a valid scenario")
}

/// Carries out an action that must succeed.
pub fn act(playground: &mut Playground, action: Action) -> Changed {
    playground
        .update(&action)
        .unwrap_or_else(|error| panic!("{action:?} was refused: {error}"))
}

/// Carries out an action that must be refused, and says why.
pub fn refused(playground: &mut Playground, action: Action) -> UiError {
    match playground.update(&action) {
        Ok(changed) => panic!("{action:?} was carried out ({changed:?})"),
        Err(error) => error,
    }
}

/// Lets `frames` animation frames of `frame_ms` pass.
pub fn frames(playground: &mut Playground, frames: u32, frame_ms: f64) {
    for _ in 0..frames {
        act(
            playground,
            Action::Advance {
                wall_elapsed_ms: frame_ms,
            },
        );
    }
}

/// Plays `seconds` of simulated time at 1x in 60 fps frames, as the page does.
pub fn play(playground: &mut Playground, seconds: f64) {
    act(playground, Action::SetSpeed(1.0));
    if !playground.playing() {
        act(playground, Action::TogglePlay);
    }
    frames(playground, (seconds * 60.0) as u32, FRAME_MS);
}

/// A playground showing a shared run, replayed to the end.
pub fn restore(state: &SharedState) -> Playground {
    Playground::restore(state, PageOptions::default()).expect("the run replays")
}

/// A run a person might share: a preset, faults by hand, knobs changed, a link switched,
/// a node moved, and the view changed.
pub fn modified_run(id: &str) -> Playground {
    let mut playground = playground(id);
    act(&mut playground, Action::SetSeed("42".into()));
    play(&mut playground, 3.0);
    let service = playground.main().scenario().services[0].name.clone();
    act(&mut playground, Action::ToggleKill(service.clone()));
    play(&mut playground, 1.5);
    act(&mut playground, Action::ToggleKill(service.clone()));
    let mut spec = playground.main().scenario().services[0].clone();
    spec.workers += 3;
    act(
        &mut playground,
        Action::Edit(Box::new(Edit::SetService(Box::new(spec)))),
    );
    if !playground.main().scenario().links.is_empty() {
        act(&mut playground, Action::ToggleLinkKind(0));
    }
    act(
        &mut playground,
        Action::Edit(Box::new(Edit::Move {
            name: service.clone(),
            x: 120.0,
            y: 300.0,
        })),
    );
    play(&mut playground, 2.0);
    act(
        &mut playground,
        Action::Select(Some(Selection::Node(service))),
    );
    act(&mut playground, Action::SetLogFilter(LogFilter::Problems));
    act(&mut playground, Action::SetSpeed(2.0));
    playground
}

/// What a run shows, in one line: time, trace hash, events, users' counts.
pub fn outcome(runner: &Runner) -> String {
    let simulation = runner.simulation();
    let counts = simulation.client_counts();
    format!(
        "at_us={} trace_hash={:#018x} events={} succeeded={} failed={}",
        simulation.now().as_micros(),
        simulation.trace().hash(),
        simulation.trace().count(),
        counts.succeeded,
        counts.failed()
    )
}

/// A node's state in the main run.
pub fn state_of(playground: &Playground, name: &str) -> cascade_sim::NodeState {
    playground
        .main()
        .simulation()
        .node_by_name(name)
        .expect("a node")
        .state
}
