//! The playground model, action by action, as a person would use the page: each test builds
//! a playground, does what a person does (frames pass, buttons, keys, the canvas), and checks
//! what the page would show. Cases the end-to-end tests found are here too, natively.

use crate::support::{act, frames, modified_run, on, play, playground, refused, restore, FRAME_MS};
use cascade::embed::PageOptions;
use cascade::model::editor::Edit;
use cascade::model::share::{self, SharedState};
use cascade::model::words::{compact_count, request_story};
use cascade::model::{
    Action, Block, Camera, Changed, Export, FrameTimes, Layout, LogFilter, Panel, Playground,
    Point, Selection, UiError, CANVAS_HEIGHT, CANVAS_WIDTH, NODE_WIDTH,
};
use cascade_sim::{presets, CommandError, InFlight, LinkKind, NodeId, NodeState, SimTime};

fn state_of(playground: &Playground, name: &str) -> Option<NodeState> {
    playground
        .main()
        .simulation()
        .node_by_name(name)
        .map(|node| node.state)
}

fn kinds(playground: &Playground) -> Vec<LinkKind> {
    playground
        .main()
        .scenario()
        .links
        .iter()
        .map(|link| link.kind)
        .collect()
}

fn running_kinds(playground: &Playground) -> Vec<LinkKind> {
    playground
        .main()
        .simulation()
        .links()
        .map(|link| link.kind)
        .collect()
}

// ---- time ------------------------------------------------------------------------------

#[test]
fn frames_advance_by_the_speed_clamp_big_gaps_and_stop_while_paused() {
    let mut playground = playground("checkout");
    assert!(playground.playing(), "a page starts playing");
    act(&mut playground, Action::SetSpeed(2.0));
    frames(&mut playground, 1, 50.0);
    assert_eq!(playground.now(), SimTime::from_millis(100));
    frames(&mut playground, 1, 10_000.0);
    assert_eq!(
        playground.now(),
        SimTime::from_millis(300),
        "a 10 s gap (a tab in the background) counts as 100 ms"
    );
    act(&mut playground, Action::TogglePlay);
    frames(&mut playground, 3, 50.0);
    assert_eq!(playground.now(), SimTime::from_millis(300));
    act(&mut playground, Action::Step);
    assert_eq!(
        playground.now(),
        SimTime::from_millis(400),
        "a step moves paused time"
    );
    // A step while playing pauses the run, then steps.
    act(&mut playground, Action::TogglePlay);
    assert!(playground.playing());
    act(&mut playground, Action::Step);
    assert!(!playground.playing(), "stepping stopped the run");
    assert_eq!(playground.now(), SimTime::from_millis(500));
    frames(&mut playground, 3, 50.0);
    assert_eq!(playground.now(), SimTime::from_millis(500));
    assert_eq!(
        act(&mut playground, Action::SetSpeed(1_000.0)),
        Changed::View
    );
    assert_eq!(playground.speed(), 100.0, "clamped to the menu's range");
    assert_eq!(
        refused(&mut playground, Action::SetSpeed(f64::NAN)),
        UiError::BadSpeed
    );
    assert_eq!(
        refused(&mut playground, Action::SetSeed("forty".into())),
        UiError::BadSeed("forty".into())
    );
    assert_eq!(
        playground.notice(),
        Some("\"forty\" is not a seed: use a whole number from 0 to 18446744073709551615"),
        "a refusal is said on the page, with the range (-5 is a whole number too)"
    );
    act(&mut playground, Action::SetSeed(" 7 ".into()));
    assert_eq!(playground.main().seed(), 7);
    assert_eq!(playground.now(), SimTime::ZERO, "a new seed starts again");
    assert_eq!(playground.notice(), None, "and the old message goes");
}

#[test]
fn a_run_stuck_at_one_instant_pauses_and_says_why() {
    let mut playground = on(cascade_sim::fixtures::stuck_at_an_instant());
    act(&mut playground, Action::SetSpeed(1.0));
    let mut count = 0;
    while playground.playing() && count < 1_000 {
        frames(&mut playground, 1, 100.0);
        count += 1;
    }
    assert!(!playground.playing(), "paused after {count} frames");
    assert_eq!(playground.now(), SimTime::from_secs(1));
    let said = playground.stalled().expect("says why");
    assert!(
        said.starts_with("Paused: the scenario does too much work at one simulated instant"),
        "{said}"
    );
    assert_eq!(
        refused(&mut playground, Action::ToggleKill("C".into())),
        UiError::Command(CommandError::StuckAtInstant(SimTime::from_secs(1))),
        "a fault cannot land where it belongs"
    );
    act(&mut playground, Action::TogglePlay);
    frames(&mut playground, 1, 100.0);
    assert!(!playground.playing(), "playing again pauses again");
    assert_eq!(playground.now(), SimTime::from_secs(1), "nothing moves");
    act(&mut playground, Action::Reset);
    assert_eq!(
        playground.stalled(),
        None,
        "a reset starts again, the note goes"
    );
    act(&mut playground, Action::LoadPreset("checkout".into()));
    act(&mut playground, Action::TogglePlay);
    frames(&mut playground, 3, 100.0);
    assert!(playground.now() > SimTime::ZERO);
    assert_eq!(playground.stalled(), None);
}

// ---- faults ----------------------------------------------------------------------------

#[test]
fn fault_toggles_act_on_the_named_service_or_link_and_explain_refusals() {
    let mut playground = playground("checkout");
    assert_eq!(
        refused(&mut playground, Action::ToggleKill("Users".into())),
        UiError::Missing("no service is named \"Users\"".into()),
        "a load source cannot be killed"
    );
    assert_eq!(
        act(&mut playground, Action::ToggleKill("Payments".into())),
        Changed::Run
    );
    assert_eq!(state_of(&playground, "Payments"), Some(NodeState::Killed));
    assert_eq!(
        playground
            .main()
            .log()
            .entries()
            .last()
            .map(|entry| entry.text.as_str()),
        Some("Payments was killed")
    );
    act(&mut playground, Action::ToggleKill("Payments".into()));
    assert_eq!(state_of(&playground, "Payments"), Some(NodeState::Up));
    act(&mut playground, Action::ToggleFreeze("Payments".into()));
    assert_eq!(state_of(&playground, "Payments"), Some(NodeState::Frozen));
    act(&mut playground, Action::ToggleKill("Payments".into()));
    assert_eq!(
        state_of(&playground, "Payments"),
        Some(NodeState::Up),
        "kill on a hung service revives it"
    );
    act(&mut playground, Action::ToggleSlow("Payments".into()));
    act(&mut playground, Action::ToggleErrors("Payments".into()));
    let stage = playground.stage(false);
    let payments = stage
        .nodes
        .iter()
        .find(|node| node.name == "Payments")
        .expect("drawn");
    assert!(payments.slowed && payments.failing);
    act(&mut playground, Action::ToggleSlow("Payments".into()));
    act(&mut playground, Action::TogglePartition(1));
    assert!(playground.stage(false).links[1].partitioned);
    let stage = playground.stage(false);
    assert!(!stage.nodes[2].slowed, "slowing again goes back to normal");
    act(&mut playground, Action::TogglePartition(1));
    assert!(!playground.stage(false).links[1].partitioned, "healed");
    assert_eq!(
        refused(&mut playground, Action::TogglePartition(9)),
        UiError::Missing("there is no link number 9".into())
    );
    assert!(
        playground.can_undo_redo() == (false, false),
        "faults are not edits"
    );
}

#[test]
fn the_broker_toggle_kills_and_revives_it() {
    let mut playground = playground("checkout-async");
    assert!(playground.stage(false).broker_up);
    act(&mut playground, Action::ToggleBroker);
    assert!(!playground.stage(false).broker_up);
    act(&mut playground, Action::ToggleBroker);
    assert!(playground.stage(false).broker_up);
}

// ---- the scenario and its history ------------------------------------------------------

#[test]
fn edits_restart_only_when_the_structure_changes_and_undo_walks_back() {
    let mut playground = playground("checkout");
    act(&mut playground, Action::SetSpeed(10.0));
    frames(&mut playground, 1, 100.0);
    let later = playground.now();
    act(
        &mut playground,
        Action::Edit(Box::new(Edit::Move {
            name: "Orders".into(),
            x: 400.0,
            y: 200.0,
        })),
    );
    assert_eq!(playground.now(), later, "a move does not disturb the run");
    // A name taken by another node is refused in words, without the scenario file's path.
    assert_eq!(
        refused(
            &mut playground,
            Action::Edit(Box::new(Edit::Rename {
                from: "Orders".into(),
                to: "Payments".into()
            }))
        )
        .to_string(),
        "\"Payments\" is used by another node; names must be unique"
    );
    let mut orders = playground.main().scenario().services[0].clone();
    orders.workers = 50;
    act(
        &mut playground,
        Action::Edit(Box::new(Edit::SetService(Box::new(orders)))),
    );
    assert_eq!(
        playground.now(),
        later,
        "a knob changes the running simulation"
    );
    let workers = |playground: &Playground| {
        playground
            .main()
            .simulation()
            .node_by_name("Orders")
            .map(|node| node.workers)
    };
    assert_eq!(workers(&playground), Some(50));
    act(
        &mut playground,
        Action::Drop {
            block: Block::Service,
            x: 600.0,
            y: 500.0,
        },
    );
    assert_eq!(
        playground.now(),
        SimTime::ZERO,
        "a new service restarts the run"
    );
    assert_eq!(playground.notice(), None, "no fault given by hand to lose");
    // With one, the restart says it is gone, and undo brings that run back, fault and all.
    act(&mut playground, Action::ToggleKill("Payments".into()));
    act(&mut playground, Action::Step);
    act(&mut playground, Action::Step);
    let killed_at = playground.now();
    let before_drop = playground.main().simulation().trace().hash();
    act(
        &mut playground,
        Action::Drop {
            block: Block::Service,
            x: 200.0,
            y: 500.0,
        },
    );
    assert!(
        playground.notice().is_some_and(|note| note
            .starts_with("The topology changed, so the run starts again from 0 s")
            && note.ends_with("without the 1 fault(s) given by hand. Undo brings that run back.")),
        "{:?}",
        playground.notice()
    );
    assert_eq!(state_of(&playground, "Payments"), Some(NodeState::Up));
    act(&mut playground, Action::Step);
    let after_drop = (
        playground.now(),
        playground.main().simulation().trace().hash(),
    );
    act(&mut playground, Action::Undo);
    assert_eq!(
        playground.now(),
        killed_at,
        "the run before the change, at its moment"
    );
    assert_eq!(state_of(&playground, "Payments"), Some(NodeState::Killed));
    assert_eq!(playground.main().simulation().trace().hash(), before_drop);
    assert_eq!(
        playground.notice(),
        Some(
            format!(
                "The run from before that change is back, at {:.1} s.",
                killed_at.as_secs_f64()
            )
            .as_str()
        )
    );
    // Redo brings the newer run back in turn; undo once more, the older one.
    act(&mut playground, Action::Redo);
    assert_eq!(playground.main().scenario().services.len(), 5);
    assert_eq!(
        (
            playground.now(),
            playground.main().simulation().trace().hash()
        ),
        after_drop
    );
    assert_eq!(state_of(&playground, "Payments"), Some(NodeState::Up));
    act(&mut playground, Action::Undo);
    assert_eq!(state_of(&playground, "Payments"), Some(NodeState::Killed));
    assert_eq!(playground.now(), killed_at);
    act(
        &mut playground,
        Action::Select(Some(Selection::Node("Service 1".into()))),
    );
    act(
        &mut playground,
        Action::Delete(Selection::Node("Service 1".into())),
    );
    assert_eq!(playground.main().scenario().services.len(), 3);
    assert_eq!(
        playground.selection(),
        None,
        "what was deleted is not selected"
    );
    act(&mut playground, Action::Undo);
    assert_eq!(playground.main().scenario().services.len(), 4);
    act(&mut playground, Action::Undo);
    act(&mut playground, Action::Undo);
    assert_eq!(workers(&playground), Some(20));
    act(&mut playground, Action::Redo);
    assert_eq!(playground.main().scenario().services[0].workers, 50);
    let error = refused(
        &mut playground,
        Action::Edit(Box::new(Edit::Connect {
            from: "Payments".into(),
            to: "Orders".into(),
            kind: LinkKind::Sync,
        })),
    );
    assert!(error.to_string().contains("cycle"), "{error}");
}

/// A link switch is a change of the scenario like any other: undone and redone with the
/// rest, and it forgets what could be redone. (It used to change the scenario outside the
/// history, so a redo after switching links silently switched them back.)
#[test]
fn link_switches_go_through_the_history_and_a_new_change_forgets_the_redo() {
    let mut playground = playground("checkout");
    act(&mut playground, Action::Place(Block::Service));
    act(&mut playground, Action::Undo);
    assert_eq!(playground.can_undo_redo(), (false, true));
    act(&mut playground, Action::ToggleLinkKind(1));
    act(
        &mut playground,
        Action::SetLinkKind {
            link: 2,
            kind: LinkKind::Async,
        },
    );
    assert_eq!(
        refused(&mut playground, Action::Redo),
        UiError::NothingToRedo,
        "the switches are newer than the undone add"
    );
    let switched = vec![LinkKind::Sync, LinkKind::Async, LinkKind::Async];
    assert_eq!(kinds(&playground), switched);
    assert_eq!(running_kinds(&playground), switched, "the run agrees");
    assert_eq!(playground.main().scenario().services.len(), 3);
    act(&mut playground, Action::Undo);
    assert_eq!(kinds(&playground)[2], LinkKind::Sync, "undo switches back");
    assert_eq!(running_kinds(&playground)[2], LinkKind::Sync);
    act(&mut playground, Action::Redo);
    assert_eq!(kinds(&playground), switched);
    // Switching a link keeps the run going: it is a knob, not a new topology.
    frames(&mut playground, 10, FRAME_MS);
    let now = playground.now();
    act(&mut playground, Action::ToggleLinkKind(1));
    assert_eq!(playground.now(), now);
    act(&mut playground, Action::Reset);
    assert_eq!(
        kinds(&playground)[1],
        LinkKind::Sync,
        "a reset keeps the topology built"
    );
    assert_eq!(
        act(
            &mut playground,
            Action::SetLinkKind {
                link: 1,
                kind: LinkKind::Sync
            }
        ),
        Changed::Nothing,
        "switching to the kind it has changes nothing, not even the history"
    );
}

#[test]
fn presets_and_files_load_with_a_new_history_and_bad_ones_change_nothing() {
    let mut playground = playground("checkout");
    act(&mut playground, Action::TogglePlay);
    act(&mut playground, Action::Place(Block::Client));
    act(&mut playground, Action::LoadPreset("retry-storm".into()));
    assert_eq!(
        playground.main().scenario().name,
        presets::retry_storm().name
    );
    assert_eq!(playground.preset_id(), Some("retry-storm"));
    assert!(!playground.playing(), "loading keeps the play state");
    assert_eq!(playground.can_undo_redo(), (false, false));
    assert_eq!(
        refused(&mut playground, Action::LoadPreset("nope".into())),
        UiError::NoPreset("nope".into())
    );
    let mut broken = presets::checkout();
    broken.links[0].to = "Nowhere".into();
    assert!(matches!(
        refused(&mut playground, Action::LoadScenario(Box::new(broken))),
        UiError::Scenario(_)
    ));
    let error = refused(
        &mut playground,
        Action::ImportFile {
            name: "notes.json".into(),
            text: Ok("{\"services\": 3}".into()),
        },
    );
    assert!(
        error.to_string().starts_with("Could not open notes.json: ")
            && error
                .to_string()
                .ends_with("The current scenario is unchanged."),
        "{error}"
    );
    assert_eq!(
        playground.main().scenario().name,
        presets::retry_storm().name
    );
    let text = share::pretty_json(&presets::poison_message());
    assert_eq!(
        act(
            &mut playground,
            Action::ImportFile {
                name: "poison.json".into(),
                text: Ok(text),
            },
        ),
        Changed::Scenario
    );
    assert_eq!(playground.preset_id(), Some("poison-message"));
    assert_eq!(
        playground.notice(),
        Some(format!("Opened poison.json: {}.", presets::poison_message().name).as_str()),
        "an import says it worked"
    );
    assert_eq!(
        playground.autosave().map(|saved| saved.scenario.name),
        Some(presets::poison_message().name)
    );
}

// ---- the canvas ------------------------------------------------------------------------

#[test]
fn the_canvas_turns_points_into_links_queues_and_requests() {
    let mut playground = playground("checkout");
    act(&mut playground, Action::TogglePlay);
    let (start, end) = playground.main().layout().link_ends(1);
    let middle = start.lerp(end, 0.5);
    // Paused at time zero nothing is on the wire, so a click on a line lands on the link.
    act(
        &mut playground,
        Action::ClickAt {
            x: middle.x,
            y: middle.y + 5.0,
        },
    );
    assert_eq!(
        kinds(&playground)[1],
        LinkKind::Async,
        "a click switches the link"
    );
    // Its queue box is part of it now.
    let queue = playground.main().layout().queue_center(1);
    act(
        &mut playground,
        Action::ClickAt {
            x: queue.x + 50.0,
            y: queue.y + 15.0,
        },
    );
    assert_eq!(
        kinds(&playground)[1],
        LinkKind::Sync,
        "and a click on the queue box switches it back"
    );
    act(
        &mut playground,
        Action::Select(Some(Selection::Node("Orders".into()))),
    );
    act(&mut playground, Action::ClickAt { x: 5.0, y: 5.0 });
    assert_eq!(
        playground.selection(),
        None,
        "a click on nothing clears the selection"
    );
    let (start, end) = playground.main().layout().link_ends(2);
    let near = start.lerp(end, 0.3);
    act(
        &mut playground,
        Action::Drop {
            block: Block::Queue,
            x: near.x,
            y: near.y,
        },
    );
    assert_eq!(
        kinds(&playground)[2],
        LinkKind::Async,
        "a queue dropped on a link"
    );
    let error = refused(
        &mut playground,
        Action::Drop {
            block: Block::Queue,
            x: 5.0,
            y: 5.0,
        },
    );
    assert_eq!(
        error.to_string(),
        "drop the queue onto a link to make it asynchronous"
    );
    // A message on the wire: a click on it shows its request's path, and switches nothing.
    act(&mut playground, Action::TogglePlay);
    act(&mut playground, Action::SetSpeed(1.0));
    let (point, request) = loop {
        frames(&mut playground, 1, FRAME_MS);
        let runner = playground.main_mut();
        let (layout, in_flight, now) = runner.frame();
        if let Some(message) = in_flight.iter().find(|message| message.request.0 != 0) {
            break (layout.in_flight_position(message, now), message.request);
        }
    };
    let before = kinds(&playground);
    act(&mut playground, Action::TogglePlay);
    act(
        &mut playground,
        Action::ClickAt {
            x: point.x,
            y: point.y,
        },
    );
    assert_eq!(playground.inspected(), Some(request));
    assert_eq!(kinds(&playground), before);
    let (shown, path) = playground.request_path().expect("a path is shown");
    assert_eq!(shown, request.0);
    assert!(
        path.first()
            .is_some_and(|(_, text)| text == "Users sends the request"),
        "{path:?}"
    );
}

#[test]
fn a_dragged_node_is_drawn_where_the_pointer_is_and_placed_on_release() {
    let mut playground = playground("checkout");
    let orders = NodeId(1);
    let before = playground.main().layout().center(orders);
    act(
        &mut playground,
        Action::PreviewMove {
            name: "Orders".into(),
            x: 333.0,
            y: 444.0,
        },
    );
    assert_eq!(
        playground.main().layout().center(orders),
        Point { x: 333.0, y: 444.0 }
    );
    assert_eq!(
        playground.can_undo_redo(),
        (false, false),
        "not an edit yet"
    );
    act(&mut playground, Action::CancelPreview);
    assert_eq!(playground.main().layout().center(orders), before);
    act(
        &mut playground,
        Action::Edit(Box::new(Edit::Move {
            name: "Orders".into(),
            x: 333.0,
            y: 444.0,
        })),
    );
    assert_eq!(
        playground.main().layout().center(orders),
        Point { x: 340.0, y: 440.0 },
        "snapped to the grid"
    );
    assert_eq!(playground.can_undo_redo(), (true, false));
}

#[test]
fn geometry_puts_links_on_box_borders_and_messages_on_their_lanes() {
    let layout = Layout::new(&presets::checkout());
    let (start, end) = layout.link_ends(0);
    let users = layout.center(NodeId(0));
    let orders = layout.center(NodeId(1));
    assert!(
        (start.x - (users.x + NODE_WIDTH / 2.0)).abs() < 1e-9,
        "leaves Users on its right edge"
    );
    assert!(
        (end.x - (orders.x - NODE_WIDTH / 2.0)).abs() < 1e-9,
        "enters Orders on its left edge"
    );
    let in_flight = InFlight {
        link: cascade_sim::LinkId(0),
        leg: cascade_sim::Leg::Forward,
        sent_at: SimTime::from_millis(100),
        arrives_at: SimTime::from_millis(200),
        kind: cascade_sim::InFlightKind::Request,
        request: cascade_sim::RequestId(1),
    };
    let at_start = layout.in_flight_position(&in_flight, SimTime::from_millis(100));
    let halfway = layout.in_flight_position(&in_flight, SimTime::from_millis(150));
    let at_end = layout.in_flight_position(&in_flight, SimTime::from_millis(500));
    assert!((at_start.x - start.x).abs() < 1e-9 && (at_end.x - end.x).abs() < 1e-9);
    assert!((halfway.x - (start.x + end.x) / 2.0).abs() < 1e-9);
    let back = InFlight {
        leg: cascade_sim::Leg::Back,
        ..in_flight
    };
    let returning = layout.in_flight_position(&back, SimTime::from_millis(100));
    assert!(
        (returning.x - end.x).abs() < 1e-9,
        "responses start at the callee"
    );
    assert!(
        (returning.y - at_end.y).abs() > 1.0,
        "and travel on the other lane"
    );
    let middle = start.lerp(end, 0.5);
    assert_eq!(layout.link_at(middle, |_| false), Some(0));
    assert_eq!(
        layout.link_at(
            Point {
                x: middle.x,
                y: middle.y + 30.0
            },
            |_| false
        ),
        None
    );
    assert_eq!(
        layout.link_at(
            Point {
                x: middle.x,
                y: middle.y + 15.0
            },
            |_| true
        ),
        Some(0),
        "inside the queue box"
    );
    let mut scenario = presets::checkout();
    for service in &mut scenario.services {
        service.position = None;
    }
    scenario.clients[0].position = None;
    let layout = Layout::new(&scenario);
    let centers: Vec<Point> = (0..4).map(|i| layout.center(NodeId(i))).collect();
    for (i, a) in centers.iter().enumerate() {
        for b in &centers[i + 1..] {
            assert!(
                (a.x - b.x).abs() + (a.y - b.y).abs() > NODE_WIDTH / 2.0,
                "{a:?} overlaps {b:?}"
            );
        }
        assert!(a.x > 0.0 && a.x < CANVAS_WIDTH && a.y > 0.0 && a.y < CANVAS_HEIGHT);
    }
}

// ---- what the page shows ---------------------------------------------------------------

#[test]
fn figures_logs_and_charts_tell_what_happened() {
    let mut playground = playground("frozen-dependency");
    act(&mut playground, Action::SetSpeed(10.0));
    frames(&mut playground, 12, 100.0);
    let entries = playground.log_entries();
    assert!(
        entries
            .iter()
            .any(|entry| entry.text == "Payments hangs (accepts calls, never answers)"),
        "{entries:?}"
    );
    assert!(
        entries.windows(2).all(|pair| pair[0].at >= pair[1].at),
        "newest first"
    );
    let [goodput, errors, _, p99, _, _] = playground.charts();
    assert!(goodput.points.len() > 20);
    let early: f64 = goodput.points[4..16]
        .iter()
        .filter_map(|(_, ok)| *ok)
        .sum::<f64>()
        / 12.0;
    assert!(
        (20.0..40.0).contains(&early),
        "about 30 ok/s before the hang: {early}"
    );
    assert!(errors
        .points
        .iter()
        .rev()
        .take(12)
        .any(|(_, failed)| failed.is_some_and(|failed| failed > 0.0)));
    assert!(p99
        .points
        .iter()
        .any(|(_, ms)| ms.is_some_and(|ms| ms > 100.0)));
    let figures = playground.figures();
    assert!(figures.failed > 0 && figures.succeeded > 0);
    assert!(!figures.failed_by_reason.is_empty());
    act(&mut playground, Action::SetLogFilter(LogFilter::Recoveries));
    assert!(playground
        .log_entries()
        .iter()
        .all(|entry| entry.severity != cascade::model::Severity::Bad));
    act(&mut playground, Action::ToggleLogPause);
    let count = playground.main().log().entries().count();
    act(&mut playground, Action::ToggleKill("Orders".into()));
    assert_eq!(
        playground.main().log().entries().count(),
        count,
        "a paused log takes nothing"
    );
    // Selecting a service focuses the last two charts on it.
    act(
        &mut playground,
        Action::Select(Some(Selection::Node("Orders".into()))),
    );
    let [_, _, _, _, busy, _] = playground.charts();
    assert_eq!(busy.title, "Orders: busy threads");
    // A sync link has no queue: the service it calls; an async link: its queue.
    act(&mut playground, Action::Select(Some(Selection::Link(1))));
    let [_, _, _, _, busy, _] = playground.charts();
    assert_eq!(busy.title, "Payments: busy threads");
    act(&mut playground, Action::ToggleLinkKind(1));
    let [_, _, _, _, depth, dead] = playground.charts();
    assert_eq!(
        (depth.title.as_str(), dead.title.as_str()),
        ("Payments.queue: depth", "Payments.queue: dead letters")
    );
    let story = playground.story();
    assert_eq!(story.title, presets::frozen_dependency().name);
    assert!(story.schedule.iter().any(|(_, done)| *done));
}

#[test]
fn rates_follow_the_load() {
    let mut playground = playground("checkout");
    act(&mut playground, Action::SetSpeed(10.0));
    frames(&mut playground, 40, 100.0);
    let figures = playground.figures();
    assert!(
        (20.0..40.0).contains(&figures.succeeded_per_second),
        "about 30 rps: {figures:?}"
    );
}

#[test]
fn a_poison_message_tells_its_whole_story() {
    let mut playground = playground("poison-message");
    act(&mut playground, Action::SetSpeed(10.0));
    frames(&mut playground, 25, 100.0);
    let request = playground
        .main()
        .log()
        .entries()
        .find_map(|entry| entry.request)
        .expect("a dead letter in the log");
    let runner = playground.main();
    let story = request_story(runner.simulation(), runner.log().recent(), request);
    let texts: Vec<&str> = story.iter().map(|(_, text)| text.as_str()).collect();
    assert_eq!(
        texts
            .iter()
            .filter(|text| text.starts_with("delivered to Payments"))
            .count(),
        6,
        "a delivery limit of 5 redeliveries is 6 deliveries (RabbitMQ quorum queues)\n{texts:#?}"
    );
    assert!(texts
        .iter()
        .any(|text| text.starts_with("dead-lettered from Payments.queue")));
    assert!(
        story.windows(2).all(|pair| pair[0].0 <= pair[1].0),
        "in time order"
    );
    act(&mut playground, Action::InspectRequest(Some(request.0)));
    assert_eq!(playground.request_path().map(|(id, _)| id), Some(request.0));
    act(&mut playground, Action::Reset);
    assert_eq!(
        playground.inspected(),
        None,
        "a new run has new request ids"
    );
}

#[test]
fn metrics_csv_has_a_row_per_sample_and_quotes_hostile_names() {
    let mut scenario = presets::checkout_async();
    let old = scenario.services[0].name.clone();
    let hostile = "=HYPERLINK(\"x\",\"y\"), a";
    scenario.services[0].name = hostile.into();
    for link in &mut scenario.links {
        for end in [&mut link.from, &mut link.to] {
            if *end == old {
                *end = hostile.into();
            }
        }
    }
    let mut playground = on(scenario);
    act(&mut playground, Action::SetSpeed(1.0));
    frames(&mut playground, 120, FRAME_MS);
    let download = playground.export(Export::MetricsCsv).expect("a file");
    assert_eq!(download.media_type, "text/csv");
    assert_eq!(
        download.name,
        format!("cascade-{}.csv", slug(&presets::checkout_async().name))
    );
    let lines: Vec<&str> = download.text.lines().collect();
    assert!(lines[0].starts_with("time_s,started,succeeded,failed,failed "));
    assert!(
        lines[0].contains("\"'=HYPERLINK(\"\"x\"\",\"\"y\"\"), a busy\""),
        "{}",
        lines[0]
    );
    let samples = playground.main().simulation().series().samples().count();
    assert_eq!(lines.len(), samples + 1, "a header and a row per sample");
    assert!(
        samples >= 8,
        "two simulated seconds at one sample per 250 ms"
    );
    let columns = |line: &str| {
        let mut quoted = false;
        1 + line
            .chars()
            .filter(|c| {
                if *c == '"' {
                    quoted = !quoted;
                }
                *c == ',' && !quoted
            })
            .count()
    };
    assert!(lines
        .iter()
        .skip(1)
        .all(|line| columns(line) == columns(lines[0])));
}

/// The file-name slug, worked out independently of the model.
fn slug(name: &str) -> String {
    name.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

#[test]
fn frame_times_keep_the_last_frames_and_give_quantiles() {
    let mut times = FrameTimes::default();
    assert_eq!(times.quantile(0.95), 0.0);
    for frame in 0..1_000 {
        times.record(f64::from(frame % 100));
    }
    assert_eq!(times.count(), 1_000);
    assert_eq!(times.quantile(0.5), 49.0);
    assert_eq!(times.quantile(0.95), 94.0);
    // Only the last 600 count: slow frames long gone do not.
    for _ in 0..600 {
        times.record(100.0);
    }
    for frame in 0..600 {
        times.record(f64::from(frame * 7919 % 600) / 10.0);
    }
    assert_eq!(times.quantile(0.95), 56.9, "the 570th of 600");
    assert_eq!(times.quantile(1.0), 59.9);
    assert_eq!(times.quantile(0.0), 0.0);
    assert_eq!(compact_count(42), "42");
    assert_eq!(compact_count(12_345), "12.3k");
    assert_eq!(cascade::model::words::speed(0.0123), "0.012x");
    assert_eq!(cascade::model::words::speed(0.35), "0.35x");
    assert_eq!(cascade::model::words::speed(42.4), "42x");
    assert_eq!(compact_count(2_500_000), "2.5M");
}

// ---- the compare view ------------------------------------------------------------------

#[test]
fn the_compare_view_keeps_both_sides_in_step() {
    let mut playground = playground("frozen-dependency");
    act(&mut playground, Action::SetSpeed(10.0));
    frames(&mut playground, 5, 100.0);
    let card = playground.story();
    assert_eq!(act(&mut playground, Action::ToggleCompare), Changed::Run);
    assert!(playground.comparing());
    assert_eq!(
        (playground.story().title, playground.story().description),
        (card.title, card.description),
        "the story card names the scenario compared, as its text describes it"
    );
    assert_eq!(
        playground.now(),
        SimTime::ZERO,
        "both sides start from time zero"
    );
    let side = playground.side().expect("the async side");
    assert!(side.scenario().links[1..]
        .iter()
        .all(|link| link.kind == LinkKind::Async));
    assert!(playground
        .main()
        .scenario()
        .links
        .iter()
        .all(|link| link.kind == LinkKind::Sync));
    assert_eq!(side.seed(), playground.main().seed());
    for _ in 0..30 {
        frames(&mut playground, 1, 100.0);
        let side_now = playground.side().map(|side| side.simulation().now());
        assert_eq!(side_now, Some(playground.now()), "one clock");
    }
    act(&mut playground, Action::ToggleKill("Inventory".into()));
    let killed = |runner: &cascade::model::Runner| {
        runner
            .simulation()
            .node_by_name("Inventory")
            .map(|node| node.state)
    };
    assert_eq!(killed(playground.main()), Some(NodeState::Killed));
    assert_eq!(
        playground.side().and_then(killed),
        Some(NodeState::Killed),
        "a fault lands on both sides"
    );
    act(&mut playground, Action::Step);
    assert_eq!(
        playground.side().map(|side| side.simulation().now()),
        Some(playground.now())
    );
    assert!(
        playground.main().simulation().client_counts().failed() > 50,
        "the hang cascades on the sync side"
    );
    assert_eq!(
        playground
            .side()
            .map(|side| side.simulation().client_counts().failed()),
        Some(0),
        "the queue contains it"
    );
    act(&mut playground, Action::ToggleKill("Inventory".into()));
    assert_eq!(
        playground.side().and_then(killed),
        Some(NodeState::Up),
        "and so does a revival"
    );
    assert_eq!(
        refused(&mut playground, Action::ToggleLinkKind(1)),
        UiError::CompareLinks
    );
    assert_eq!(
        refused(&mut playground, Action::Place(Block::Service)),
        UiError::CompareFixed
    );
    assert_eq!(
        refused(&mut playground, Action::Undo),
        UiError::CompareFixed
    );
    assert_eq!(
        playground.autosave(),
        None,
        "the comparison is not the person's scenario"
    );
    let json = playground.export(Export::ScenarioJson).expect("a file");
    assert!(
        json.text.contains(&presets::frozen_dependency().name),
        "the scenario compared"
    );
    act(&mut playground, Action::LoadPreset("checkout".into()));
    assert!(playground.comparing(), "a preset loads on both sides");
    assert_eq!(playground.scenario_shown().name, presets::checkout().name);
    act(&mut playground, Action::ToggleCompare);
    assert!(!playground.comparing());
    assert_eq!(
        playground.main().scenario(),
        &presets::checkout(),
        "back to the scenario as it was"
    );
}

// ---- share links: opening, panels ------------------------------------------------------

/// A shared run long enough to take several slices to replay.
fn long_state() -> SharedState {
    let mut state = modified_run("checkout").capture();
    state.at = SimTime::from_secs(1_200);
    state
}

#[test]
fn a_run_still_opening_refuses_changes_says_how_far_it_is_and_then_shows_the_link() {
    let state = long_state();
    let mut playground = playground("retry-storm");
    assert_eq!(
        act(&mut playground, Action::Open(Box::new(state.clone()))),
        Changed::Opened
    );
    let progress = playground.opening().expect("still opening after one slice");
    assert!(
        progress.starts_with("Opening the shared run: "),
        "{progress}"
    );
    assert!(
        progress.ends_with("of 1200 simulated seconds replayed…"),
        "{progress}"
    );
    assert_eq!(
        playground.main().scenario().name,
        presets::retry_storm().name,
        "what was on screen stays until the link is ready"
    );
    for action in [
        Action::ToggleKill("Payments".into()),
        Action::TogglePlay,
        Action::ToggleCompare,
        Action::OpenShare,
    ] {
        assert_eq!(refused(&mut playground, action), UiError::StillOpening);
    }
    assert_eq!(
        playground.export(Export::ScenarioJson),
        Err(UiError::StillOpening)
    );
    let mut slices = 0;
    loop {
        slices += 1;
        if act(
            &mut playground,
            Action::Advance {
                wall_elapsed_ms: FRAME_MS,
            },
        ) == Changed::Opened
        {
            break;
        }
        assert!(slices < 1_000);
    }
    assert!(slices > 1, "{slices} slices");
    assert_eq!(playground.opening(), None);
    assert_eq!(playground.now(), SimTime::from_secs(1_200));
    assert_eq!(playground.main().scenario(), &state.scenario);
    assert_eq!(
        playground.selection(),
        state.view.selected.as_ref().map(Into::into).as_ref()
    );
    assert_eq!(playground.speed(), 2.0, "the link's view");
    assert_eq!(playground.can_undo_redo(), (false, false));
    let whole = restore(&state);
    assert_eq!(
        whole.main().simulation().trace().hash(),
        playground.main().simulation().trace().hash(),
        "slices end where a replay in one go does"
    );
}

#[test]
fn a_run_still_opening_can_be_cancelled_or_replaced() {
    let mut playground = playground("retry-storm");
    act(&mut playground, Action::Open(Box::new(long_state())));
    act(&mut playground, Action::CancelOpening);
    assert_eq!(playground.opening(), None);
    assert!(playground
        .notice()
        .is_some_and(|text| text.starts_with("The shared run was not opened")));
    assert_eq!(
        playground.main().scenario().name,
        presets::retry_storm().name
    );
    let service = playground.main().scenario().services[0].name.clone();
    act(&mut playground, Action::ToggleKill(service));
    act(&mut playground, Action::Open(Box::new(long_state())));
    act(&mut playground, Action::LoadPreset("poison-message".into()));
    assert_eq!(
        playground.opening(),
        None,
        "another scenario gives up on the link"
    );
    frames(&mut playground, 5, FRAME_MS);
    assert_eq!(
        playground.main().scenario().name,
        presets::poison_message().name
    );
}

#[test]
fn a_shared_comparison_opens_both_sides_and_page_options_win_over_its_view() {
    let mut original = playground("frozen-dependency");
    act(&mut original, Action::ToggleCompare);
    play(&mut original, 2.0);
    act(&mut original, Action::ToggleKill("Inventory".into()));
    play(&mut original, 1.0);
    let (state, _) = original.shareable().expect("shares");
    assert!(state.view.compare);
    let page = PageOptions {
        speed: Some(5.0),
        autoplay: Some(false),
        ..PageOptions::default()
    };
    let opened = Playground::restore(&state, page).expect("opens");
    assert!(opened.comparing());
    assert_eq!(opened.speed(), 5.0);
    assert!(!opened.playing());
    for (a, b) in [
        (original.main(), opened.main()),
        (original.side().expect("side"), opened.side().expect("side")),
    ] {
        assert_eq!(a.simulation().trace().hash(), b.simulation().trace().hash());
    }
}

#[test]
fn share_and_embed_panels_hold_the_run_and_close_when_it_changes() {
    let mut playground = modified_run("checkout");
    act(&mut playground, Action::OpenShare);
    let Some(Panel::Share { fragment }) = playground.panel().cloned() else {
        panic!("the share panel is open");
    };
    let state = share::decode(&format!("#{fragment}"))
        .expect("ok")
        .expect("a link");
    assert_eq!(state, playground.capture());
    act(&mut playground, Action::TogglePlay);
    assert!(playground.panel().is_some(), "looking keeps it open");
    act(&mut playground, Action::ToggleKill("Orders".into()));
    assert_eq!(playground.panel(), None, "a change makes it stale: closed");
    act(&mut playground, Action::OpenEmbed);
    let Some(Panel::Embed { from_start, run }) = playground.panel().cloned() else {
        panic!("the embed panel is open");
    };
    let from_start = share::decode(&from_start).expect("ok").expect("a link");
    assert!(from_start.commands.is_empty() && from_start.at == SimTime::ZERO);
    let run = share::decode(&run).expect("ok").expect("a link");
    assert!(
        run.view.playing,
        "an embed plays unless its own parameter says not"
    );
    act(&mut playground, Action::ClosePanel);
    assert_eq!(playground.panel(), None);
}

/// A run a link cannot carry whole (here: more commands than a link holds) is shared from
/// time zero, and the note says why.
#[test]
fn a_run_too_long_to_travel_is_shared_from_time_zero_with_a_note() {
    let mut playground = playground("checkout");
    act(&mut playground, Action::TogglePlay);
    act(&mut playground, Action::Step);
    let (whole, note) = playground.shareable().expect("shares");
    assert_eq!(note, None);
    assert_eq!(whole.at, playground.now());
    for _ in 0..=share::MAX_SHARED_COMMANDS {
        act(&mut playground, Action::ToggleSlow("Payments".into()));
    }
    act(&mut playground, Action::OpenShare);
    let note = playground.notice().expect("a note");
    assert!(
        note.starts_with("This run cannot travel whole (commands: more than 10000 commands)"),
        "{note}"
    );
    let Some(Panel::Share { fragment }) = playground.panel().cloned() else {
        panic!("the share panel is open");
    };
    let state = share::decode(&fragment).expect("ok").expect("a link");
    assert!(state.commands.is_empty() && state.at == SimTime::ZERO);
    assert_eq!(&state.scenario, playground.main().scenario());
}

// ---- pages: boot, read-only, embed -----------------------------------------------------

/// Opens everything still opening, as the frame loop does.
fn finish_opening(playground: &mut Playground) {
    while playground.opening().is_some() {
        act(
            playground,
            Action::Advance {
                wall_elapsed_ms: 0.0,
            },
        );
    }
}

#[test]
fn the_page_boots_from_a_link_a_preset_the_autosave_or_the_default() {
    // The autosave is the person's last run: a reload picks it up at the moment it was left,
    // with its faults, its seed and its speed (it used to restart at t = 0 and 0.5x).
    let original = modified_run("poison-message");
    let saved = original.capture();
    let mut plain = Playground::boot(PageOptions::default(), "", Some(saved.clone()));
    if let Some(progress) = plain.opening() {
        assert!(
            progress.starts_with("Picking up where you left off"),
            "{progress}"
        );
    }
    finish_opening(&mut plain);
    assert_eq!(
        plain.main().scenario(),
        &saved.scenario,
        "the autosave comes back"
    );
    assert_eq!(plain.now(), saved.at, "at the moment it was left");
    assert_eq!(
        plain.main().simulation().trace().hash(),
        original.main().simulation().trace().hash(),
        "the very same run"
    );
    assert_eq!(plain.speed(), 2.0, "at its speed");
    assert_eq!(plain.notice(), None);
    let asked = PageOptions {
        preset: Some("retry-storm".into()),
        ..PageOptions::default()
    };
    let booted = Playground::boot(asked, "", Some(saved.clone()));
    assert_eq!(booted.preset_id(), Some("retry-storm"), "?preset= wins");
    let embed = PageOptions {
        embed: true,
        ..PageOptions::default()
    };
    let booted = Playground::boot(embed, "", Some(saved.clone()));
    assert_eq!(
        booted.preset_id(),
        Some("checkout"),
        "an embed never reads the autosave"
    );
    let unknown = PageOptions {
        preset: Some("nope".into()),
        problems: vec!["speed=\"fast\" is not a number".into()],
        ..PageOptions::default()
    };
    let booted = Playground::boot(unknown, "", None);
    assert_eq!(booted.preset_id(), Some("checkout"));
    let notice = booted.notice().expect("says what was ignored");
    assert!(
        notice.contains("Ignored: speed=") && notice.contains("no preset called \"nope\""),
        "{notice}"
    );
    let mut booted = Playground::boot(
        PageOptions::default(),
        "#share=1.garbage",
        Some(saved.clone()),
    );
    finish_opening(&mut booted);
    assert_eq!(
        booted.main().scenario(),
        &saved.scenario,
        "a bad link keeps your work"
    );
    assert!(booted.notice().is_some());
    let state = modified_run("retry-storm").capture();
    let fragment = format!("#{}", share::encode(&state));
    let mut booted = Playground::boot(PageOptions::default(), &fragment, Some(saved));
    finish_opening(&mut booted);
    assert_eq!(
        booted.main().scenario(),
        &state.scenario,
        "a link wins over the autosave"
    );
    assert_eq!(booted.now(), state.at);
}

#[test]
fn a_read_only_page_only_looks() {
    let page = PageOptions {
        readonly: true,
        embed: true,
        ..PageOptions::default()
    };
    let mut playground = Playground::new(presets::checkout(), page).expect("valid");
    for action in [
        Action::ToggleKill("Payments".into()),
        Action::ToggleLinkKind(1),
        Action::Place(Block::Service),
        Action::LoadPreset("retry-storm".into()),
        Action::ToggleCompare,
        // Not even the picture of a move (a refused move left its preview on screen).
        Action::PreviewMove {
            name: "Orders".into(),
            x: 600.0,
            y: 400.0,
        },
    ] {
        assert_eq!(refused(&mut playground, action), UiError::ReadOnly);
    }
    assert!(playground.stage(false).nodes.iter().all(|node| {
        node.name != "Orders"
            || node.center == playground.main().layout().center(cascade_sim::NodeId(1))
    }));
    let (start, end) = playground.main().layout().link_ends(1);
    let middle = start.lerp(end, 0.5);
    act(&mut playground, Action::TogglePlay);
    assert_eq!(
        refused(
            &mut playground,
            Action::ClickAt {
                x: middle.x,
                y: middle.y
            }
        ),
        UiError::ReadOnly,
        "a click on a link would switch it"
    );
    act(&mut playground, Action::TogglePlay);
    act(&mut playground, Action::SetSpeed(5.0));
    act(&mut playground, Action::Reset);
    act(&mut playground, Action::OpenShare);
    assert_eq!(playground.autosave(), None, "an embed does not save");
}

#[test]
fn links_are_drawn_from_a_handle_to_a_node_and_deleted_like_nodes() {
    let mut playground = playground("checkout");
    let id = playground
        .main()
        .simulation()
        .node_by_name("Payments")
        .map(|node| node.id)
        .expect("Payments");
    let payments = playground.main().layout().center(id);
    assert_eq!(
        act(
            &mut playground,
            Action::ConnectTo {
                from: "Users".into(),
                through_queue: false,
                x: payments.x,
                y: payments.y,
            },
        ),
        Changed::Scenario
    );
    let added = playground
        .main()
        .scenario()
        .links
        .last()
        .cloned()
        .expect("a link");
    assert_eq!(
        (added.from.as_str(), added.to.as_str(), added.kind),
        ("Users", "Payments", LinkKind::Sync)
    );
    act(&mut playground, Action::Undo);
    act(
        &mut playground,
        Action::ConnectTo {
            from: "Users".into(),
            through_queue: true,
            x: payments.x,
            y: payments.y,
        },
    );
    assert_eq!(
        playground
            .main()
            .scenario()
            .links
            .last()
            .map(|link| link.kind),
        Some(LinkKind::Async),
        "with Shift, through a queue"
    );
    let count = playground.main().scenario().links.len();
    assert_eq!(
        act(
            &mut playground,
            Action::ConnectTo {
                from: "Users".into(),
                through_queue: false,
                x: 5.0,
                y: 5.0
            }
        ),
        Changed::View,
        "released on nothing: no link"
    );
    let users = playground.main().layout().center(NodeId(0));
    act(
        &mut playground,
        Action::ConnectTo {
            from: "Users".into(),
            through_queue: false,
            x: users.x,
            y: users.y,
        },
    );
    assert_eq!(
        playground.main().scenario().links.len(),
        count,
        "nor on itself"
    );
    act(&mut playground, Action::Delete(Selection::Link(count - 1)));
    assert_eq!(playground.main().scenario().links.len(), count - 1);
    act(&mut playground, Action::Undo);
    assert_eq!(playground.main().scenario().links.len(), count, "undone");
    assert_eq!(
        refused(&mut playground, Action::Place(Block::Queue)).to_string(),
        "drag the queue onto a link to make it asynchronous"
    );
    assert!(matches!(
        refused(
            &mut playground,
            Action::Select(Some(Selection::Node("Nobody".into())))
        ),
        UiError::Missing(_)
    ));
    assert!(matches!(
        refused(&mut playground, Action::Delete(Selection::Link(99))),
        UiError::Edit(_)
    ));
}

#[test]
fn exports_are_handed_over_once_and_reports_are_said() {
    let mut playground = playground("poison-message");
    act(&mut playground, Action::SetSeed("9".into()));
    frames(&mut playground, 30, FRAME_MS);
    act(&mut playground, Action::Export(Export::ScenarioJson));
    let download = playground.take_download().expect("a file");
    assert_eq!(download.media_type, "application/json");
    assert_eq!(
        download.name,
        format!("cascade-{}.json", slug(&presets::poison_message().name))
    );
    let scenario = cascade_sim::Scenario::from_json(&download.text).expect("the scenario, as JSON");
    assert_eq!(&scenario, playground.main().scenario());
    assert_eq!(playground.take_download(), None, "handed over once");
    act(&mut playground, Action::Export(Export::Picture));
    let picture = playground.take_download().expect("a picture");
    assert!(picture.name.ends_with(".png"));
    assert_eq!(
        picture.text,
        format!(
            "{} · t = {:.1} s · seed 9",
            presets::poison_message().name,
            playground.now().as_secs_f64()
        )
    );
    let mut snippet = playground.snippet().clone();
    snippet.controls = cascade::embed::Controls::Full;
    snippet.readonly = true;
    act(&mut playground, Action::SetSnippet(snippet.clone()));
    assert_eq!(playground.snippet(), &snippet);
    act(
        &mut playground,
        Action::Report("This page cannot reach the clipboard.".into()),
    );
    assert_eq!(
        playground.notice(),
        Some("This page cannot reach the clipboard.")
    );
}

// ---- issue 12: what a newcomer sees ----------------------------------------------------

/// During a total outage nothing succeeds: the latency charts have no value (a gap and a dash),
/// not a reassuring 0 ms.
#[test]
fn latency_charts_have_no_value_while_nothing_succeeds() {
    let mut playground = playground("checkout");
    act(&mut playground, Action::SetSpeed(10.0));
    frames(&mut playground, 20, 100.0);
    act(&mut playground, Action::ToggleKill("Orders".into()));
    frames(&mut playground, 20, 100.0);
    let [goodput, _, p50, p99, _, _] = playground.charts();
    assert!(p50
        .points
        .iter()
        .take(10)
        .skip(2)
        .all(|(_, ms)| ms.is_some()));
    assert_eq!(goodput.points.last().and_then(|(_, ok)| *ok), Some(0.0));
    assert_eq!(
        p50.points.last().map(|(_, ms)| *ms),
        Some(None),
        "no data, not 0 ms"
    );
    assert_eq!(p99.points.last().map(|(_, ms)| *ms), Some(None));
}

/// A note goes by itself once there was time to read it; a new one starts its own time.
#[test]
fn notes_fade_by_themselves() {
    let mut playground = playground("checkout");
    let error = refused(&mut playground, Action::ToggleKill("Users".into()));
    let text = error.to_string();
    assert_eq!(playground.notice(), Some(text.as_str()));
    let lasts_ms = cascade::model::playground::notice_lasts_ms(&text);
    assert!(
        lasts_ms <= 6_000.0,
        "a short note stays under 6 s: {lasts_ms} ms"
    );
    frames(&mut playground, (lasts_ms / FRAME_MS) as u32 - 2, FRAME_MS);
    assert!(playground.notice().is_some(), "still there just before");
    frames(&mut playground, 4, FRAME_MS);
    assert_eq!(playground.notice(), None, "gone after {lasts_ms} ms");
    // Paused, the note still goes (wall-clock time, not simulated time).
    act(&mut playground, Action::TogglePlay);
    refused(&mut playground, Action::TogglePartition(7));
    frames(&mut playground, 500, FRAME_MS);
    assert_eq!(playground.notice(), None);
}

/// A load spike shows on its source (the rate now, a mark) and in the log, as it starts and
/// ends; a slowed or failing service and a dead broker are marked where they are drawn.
#[test]
fn spikes_and_faults_show_where_they_happen_and_in_the_log() {
    let mut playground = playground("retry-storm");
    act(&mut playground, Action::SetSpeed(1.0));
    frames(&mut playground, 40, 100.0);
    let users = |playground: &mut Playground| {
        playground
            .stage(false)
            .nodes
            .into_iter()
            .find(|node| node.name == "Users")
            .expect("Users")
    };
    let before = users(&mut playground);
    assert!(!before.spiking);
    assert_eq!(before.rate_per_second, 120.0);
    frames(&mut playground, 15, 100.0);
    assert!(playground.now() > SimTime::from_secs(5) && playground.now() < SimTime::from_secs(7));
    let during = users(&mut playground);
    assert!(during.spiking);
    assert_eq!(during.rate_per_second, 300.0, "the rate it sends now");
    frames(&mut playground, 20, 100.0);
    assert!(!users(&mut playground).spiking);
    let texts: Vec<String> = playground
        .main()
        .log()
        .entries()
        .map(|entry| format!("{:.1} {}", entry.at.as_secs_f64(), entry.text))
        .collect();
    assert!(
        texts.contains(&"5.0 Users spike to 300 requests/s for 2.0 s".to_string()),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"7.0 Users back to 120 requests/s".to_string()),
        "{texts:?}"
    );

    let mut faulty = crate::support::playground("checkout-async");
    act(&mut faulty, Action::ToggleSlow("Payments".into()));
    act(&mut faulty, Action::ToggleErrors("Payments".into()));
    act(&mut faulty, Action::ToggleBroker);
    let stage = faulty.stage(false);
    let payments = stage
        .nodes
        .iter()
        .find(|node| node.name == "Payments")
        .expect("drawn");
    assert_eq!((payments.slow_factor, payments.error_percent), (5.0, 20.0));
    assert!(stage
        .links
        .iter()
        .filter_map(|link| link.queue.as_ref())
        .all(|queue| !queue.broker_up));
}

/// A new node never lands on another: the nearest free grid slot, inside the canvas.
#[test]
fn new_nodes_land_on_free_slots_inside_the_canvas() {
    let mut playground = playground("checkout");
    let orders = playground.main().layout().center(NodeId(1));
    for _ in 0..4 {
        act(
            &mut playground,
            Action::Drop {
                block: Block::Service,
                x: orders.x,
                y: orders.y,
            },
        );
        act(&mut playground, Action::Place(Block::Client));
    }
    act(
        &mut playground,
        Action::Drop {
            block: Block::Service,
            x: -500.0,
            y: 9_000.0,
        },
    );
    let layout = playground.main().layout();
    let count = playground.main().scenario().node_names().count();
    let centers: Vec<Point> = (0..count)
        .map(|i| layout.center(NodeId(i as u32)))
        .collect();
    for (i, a) in centers.iter().enumerate() {
        assert!(
            a.x - NODE_WIDTH / 2.0 >= 0.0
                && a.x + NODE_WIDTH / 2.0 <= CANVAS_WIDTH
                && a.y - cascade::model::NODE_HEIGHT / 2.0 >= 0.0
                && a.y + cascade::model::NODE_HEIGHT / 2.0 <= CANVAS_HEIGHT,
            "node {i} at {a:?} is inside the canvas"
        );
        for b in &centers[i + 1..] {
            let apart =
                (a.x - b.x).abs() >= NODE_WIDTH || (a.y - b.y).abs() >= cascade::model::NODE_HEIGHT;
            assert!(apart, "{a:?} overlaps {b:?}");
        }
    }
}

/// The scenario menu names what is on screen: a preset, or none of them.
#[test]
fn the_scenario_menu_knows_a_scenario_that_is_not_a_preset() {
    let mut playground = playground("checkout");
    assert_eq!(playground.preset_id(), Some("checkout"));
    let mut own = presets::checkout();
    own.name = "My own scenario".into();
    act(&mut playground, Action::LoadScenario(Box::new(own)));
    assert_eq!(playground.preset_id(), None);
    let stress = Playground::boot(
        PageOptions {
            preset: Some("stress".into()),
            ..PageOptions::default()
        },
        "",
        None,
    );
    assert_eq!(stress.preset_id(), Some("stress"));
}

/// The canvas zooms at a point (that point stays put), pans, fits every node, and a share
/// link keeps where it looked.
#[test]
fn the_view_zooms_at_a_point_pans_fits_and_travels_in_links() {
    let mut playground = playground("checkout");
    assert_eq!(
        playground.camera(),
        Camera::default(),
        "a small topology opens unzoomed"
    );
    let anchor = Point { x: 820.0, y: 140.0 };
    let on_screen = |camera: Camera, point: Point| {
        let (x, y, width, height) = camera.view_box();
        ((point.x - x) / width, (point.y - y) / height)
    };
    let before = on_screen(playground.camera(), anchor);
    act(
        &mut playground,
        Action::Zoom {
            factor: 2.0,
            x: anchor.x,
            y: anchor.y,
        },
    );
    assert_eq!(playground.camera().zoom, 2.0);
    let after = on_screen(playground.camera(), anchor);
    assert!(
        (before.0 - after.0).abs() < 1e-9 && (before.1 - after.1).abs() < 1e-9,
        "the point under the pointer stays"
    );
    act(
        &mut playground,
        Action::Zoom {
            factor: 1e9,
            x: 0.0,
            y: 0.0,
        },
    );
    assert_eq!(
        playground.camera().zoom,
        cascade::model::geometry::ZOOM_RANGE.1,
        "zoom is bounded"
    );
    act(
        &mut playground,
        Action::Zoom {
            factor: f64::NAN,
            x: 0.0,
            y: 0.0,
        },
    );
    assert!(playground.camera().zoom.is_finite(), "nonsense is ignored");
    let centre = (playground.camera().x, playground.camera().y);
    act(
        &mut playground,
        Action::Pan {
            dx: 30.0,
            dy: -20.0,
        },
    );
    assert_eq!(
        (playground.camera().x, playground.camera().y),
        (centre.0 + 30.0, centre.1 - 20.0)
    );
    act(&mut playground, Action::Pan { dx: 1e9, dy: 0.0 });
    assert!(
        playground.camera().x < 2_000.0,
        "the topology cannot be lost by panning"
    );
    act(&mut playground, Action::ZoomStep(-1));
    act(&mut playground, Action::FitView);
    let (x, y, width, height) = playground.camera().view_box();
    let (left, top, right, bottom) = playground.main().layout().bounds().expect("nodes");
    assert!(
        x <= left && y <= top && x + width >= right && y + height >= bottom,
        "every node in view"
    );
    // A link keeps the view; a large generated topology opens fitted, no box on another.
    act(&mut playground, Action::ZoomStep(2));
    let camera = playground.camera();
    let restored = restore(&playground.capture());
    assert_eq!(restored.camera(), camera);
    let stress = crate::support::playground("stress");
    let (x, y, width, height) = stress.camera().view_box();
    let layout = stress.main().layout();
    let (left, top, right, bottom) = layout.bounds().expect("nodes");
    assert!(
        x <= left && y <= top && x + width >= right && y + height >= bottom,
        "the stress topology opens fitted"
    );
    let count = stress.main().scenario().node_names().count();
    let centers: Vec<Point> = (0..count)
        .map(|i| layout.center(NodeId(i as u32)))
        .collect();
    for (i, a) in centers.iter().enumerate() {
        for b in &centers[i + 1..] {
            assert!(
                (a.x - b.x).abs() >= NODE_WIDTH || (a.y - b.y).abs() >= cascade::model::NODE_HEIGHT,
                "stress boxes overlap: {a:?} {b:?}"
            );
        }
    }
}

/// Several nodes selected together (Shift+click or a rectangle) move, fail, copy and delete
/// together, each as one change.
#[test]
fn a_group_moves_fails_copies_and_deletes_together() {
    let mut playground = playground("checkout");
    act(&mut playground, Action::TogglePlay);
    act(
        &mut playground,
        Action::Select(Some(Selection::Node("Payments".into()))),
    );
    act(&mut playground, Action::SelectAlso("Inventory".into()));
    assert_eq!(
        playground.selected_nodes(),
        vec!["Payments".to_string(), "Inventory".to_string()]
    );
    assert!(
        matches!(playground.inspector(), Some(cascade::model::Inspected::Group(names)) if names.len() == 2)
    );
    let centre = |playground: &Playground, name: &str| {
        let id = playground
            .main()
            .simulation()
            .node_by_name(name)
            .expect("a node")
            .id;
        playground.main().layout().center(id)
    };
    let (payments, inventory) = (
        centre(&playground, "Payments"),
        centre(&playground, "Inventory"),
    );
    // As a drag does: previewed on the way (both drawn there), then dropped.
    act(
        &mut playground,
        Action::PreviewMove {
            name: "Payments".into(),
            x: payments.x - 100.0,
            y: payments.y,
        },
    );
    assert_eq!(
        centre(&playground, "Inventory").x,
        inventory.x - 100.0,
        "drawn along while dragged"
    );
    act(
        &mut playground,
        Action::Edit(Box::new(Edit::Move {
            name: "Payments".into(),
            x: payments.x - 100.0,
            y: payments.y,
        })),
    );
    assert_eq!(centre(&playground, "Payments").x, payments.x - 100.0);
    assert_eq!(
        centre(&playground, "Inventory").x,
        inventory.x - 100.0,
        "moved along"
    );
    act(&mut playground, Action::Undo);
    assert_eq!(
        centre(&playground, "Inventory"),
        inventory,
        "one change: one undo"
    );
    // A fault key on a group acts on each.
    let keys = cascade::shortcuts::action_for_key("k", Default::default(), &playground.selected())
        .expect("a shortcut")
        .expect("an action");
    act(&mut playground, keys);
    assert_eq!(state_of(&playground, "Payments"), Some(NodeState::Killed));
    assert_eq!(state_of(&playground, "Inventory"), Some(NodeState::Killed));
    // Ctrl+A: every node.
    act(&mut playground, Action::SelectAll);
    assert_eq!(
        playground.selected_nodes(),
        playground
            .main()
            .scenario()
            .node_names()
            .map(str::to_string)
            .collect::<Vec<_>>()
    );
    // Copy and paste: the copies, and the links between them only; placed on free slots.
    act(
        &mut playground,
        Action::SelectArea {
            x0: 0.0,
            y0: 0.0,
            x1: 600.0,
            y1: 560.0,
        },
    );
    assert_eq!(
        playground.selected_nodes(),
        vec!["Users".to_string(), "Orders".to_string()]
    );
    act(&mut playground, Action::Copy);
    act(&mut playground, Action::Paste);
    let scenario = playground.main().scenario().clone();
    assert!(scenario
        .clients
        .iter()
        .any(|client| client.name == "Users copy"));
    assert!(scenario
        .services
        .iter()
        .any(|service| service.name == "Orders copy"));
    assert!(scenario
        .links
        .iter()
        .any(|link| link.from == "Users copy" && link.to == "Orders copy"));
    assert!(
        !scenario.links.iter().any(|link| link.from == "Orders copy"),
        "no link to nodes not copied"
    );
    assert_eq!(
        playground.selected_nodes(),
        vec!["Users copy".to_string(), "Orders copy".to_string()],
        "the copies are selected"
    );
    act(&mut playground, Action::Paste);
    assert!(playground
        .main()
        .scenario()
        .services
        .iter()
        .any(|service| service.name == "Orders copy 2"));
    // Delete the group at once; undo brings both back.
    let count = playground.main().scenario().node_names().count();
    let delete =
        cascade::shortcuts::action_for_key("Delete", Default::default(), &playground.selected())
            .expect("a shortcut")
            .expect("an action");
    act(&mut playground, delete);
    assert_eq!(playground.main().scenario().node_names().count(), count - 2);
    assert_eq!(playground.selected_nodes(), Vec::<String>::new());
    act(&mut playground, Action::Undo);
    assert_eq!(playground.main().scenario().node_names().count(), count);
    assert_eq!(
        refused(&mut crate::support::playground("checkout"), Action::Paste).to_string(),
        "copy something first (Ctrl+C)"
    );
}

/// A phone's narrow stage opens large enough to read (14 px text at 10 px or more), at the
/// left of the topology; a desktop's opens whole; a view the person moved stays.
#[test]
fn a_narrow_stage_opens_readable_and_a_wide_one_whole() {
    let mut phone = playground("checkout");
    act(&mut phone, Action::SetStageWidth(340.0));
    let camera = phone.camera();
    assert!(
        340.0 * camera.zoom / CANVAS_WIDTH * 14.0 >= 10.0,
        "{camera:?}"
    );
    let (x, _, _, _) = camera.view_box();
    let (left, _, _, _) = phone.main().layout().bounds().expect("nodes");
    assert!(x <= left, "the load source is in view");
    let mut desktop = crate::support::playground("stress");
    let fitted = desktop.camera();
    act(&mut desktop, Action::SetStageWidth(912.0));
    assert_eq!(
        desktop.camera(),
        fitted,
        "a wide stage keeps the whole topology"
    );
    act(&mut desktop, Action::ZoomStep(1));
    let moved = desktop.camera();
    act(&mut desktop, Action::SetStageWidth(340.0));
    assert_eq!(
        desktop.camera(),
        moved,
        "a view the person moved stays when the window changes"
    );
}

/// What an independent review of issues 11 and 12 found, each pinned.
#[test]
fn review_findings_stay_fixed() {
    // A fault key on a group with a load source and mixed states: the services get one state.
    let mut playground = playground("checkout");
    act(&mut playground, Action::ToggleKill("Payments".into()));
    let names = vec![
        "Users".to_string(),
        "Payments".to_string(),
        "Inventory".to_string(),
    ];
    act(
        &mut playground,
        Action::GroupFault {
            fault: cascade::model::Fault::Kill,
            names: names.clone(),
        },
    );
    assert_eq!(state_of(&playground, "Inventory"), Some(NodeState::Killed));
    assert_eq!(
        state_of(&playground, "Payments"),
        Some(NodeState::Killed),
        "not revived"
    );
    act(
        &mut playground,
        Action::GroupFault {
            fault: cascade::model::Fault::Kill,
            names,
        },
    );
    assert_eq!(
        state_of(&playground, "Payments"),
        Some(NodeState::Up),
        "all down: all revived"
    );
    assert_eq!(state_of(&playground, "Inventory"), Some(NodeState::Up));
    // An edit the run refuses leaves no undo step behind.
    let mut stuck = on(cascade_sim::fixtures::stuck_at_an_instant());
    act(&mut stuck, Action::SetSpeed(1.0));
    let mut count = 0;
    while stuck.stalled().is_none() && count < 1_000 {
        frames(&mut stuck, 1, 100.0);
        count += 1;
    }
    assert!(
        stuck.stalled().is_some(),
        "still going after {count} frames"
    );
    let mut spec = stuck.main().scenario().services[0].clone();
    spec.workers += 1;
    refused(
        &mut stuck,
        Action::Edit(Box::new(Edit::SetService(Box::new(spec)))),
    );
    assert_eq!(
        stuck.can_undo_redo(),
        (false, false),
        "nothing to undo that never happened"
    );
    // An edited preset is the person's scenario: the menu can load the preset again.
    act(&mut playground, Action::ToggleLinkKind(1));
    assert_eq!(playground.preset_id(), None);
    // A click on the background clears a group; a look at a canvas that is not edited too.
    act(
        &mut playground,
        Action::Select(Some(Selection::Node("Orders".into()))),
    );
    act(&mut playground, Action::SelectAlso("Inventory".into()));
    act(&mut playground, Action::ClickAt { x: 5.0, y: 5.0 });
    assert!(playground.selected_nodes().is_empty());
    act(
        &mut playground,
        Action::Select(Some(Selection::Node("Orders".into()))),
    );
    act(&mut playground, Action::LookAt { x: 5.0, y: 5.0 });
    assert!(playground.selected_nodes().is_empty());
    // Copy in the compare view copies the scenario compared, not its all-sync copy.
    let mut compare = crate::support::playground("checkout-async");
    act(&mut compare, Action::ToggleCompare);
    act(
        &mut compare,
        Action::SelectArea {
            x0: 0.0,
            y0: 0.0,
            x1: 1000.0,
            y1: 560.0,
        },
    );
    act(&mut compare, Action::Copy);
    act(&mut compare, Action::ToggleCompare);
    act(&mut compare, Action::Paste);
    assert!(compare
        .main()
        .scenario()
        .links
        .iter()
        .any(|link| link.from.ends_with(" copy") && link.kind == LinkKind::Async));
    // The same refusal said again gets its whole time to be read.
    let mut noted = crate::support::playground("checkout");
    refused(&mut noted, Action::ToggleKill("Users".into()));
    frames(&mut noted, 200, FRAME_MS);
    refused(&mut noted, Action::ToggleKill("Users".into()));
    frames(&mut noted, 60, FRAME_MS);
    assert!(
        noted.notice().is_some(),
        "still shown a second after it was said again"
    );
    // Nodes placed as far away as a scenario allows do not break the view; further is refused.
    let mut far = presets::checkout();
    far.services[0].position = Some(cascade_sim::Position {
        x: 1.0e300,
        y: -1.0e300,
    });
    assert!(far.validate().is_err());
    far.services[0].position = Some(cascade_sim::Position {
        x: cascade_sim::scenario::MAX_COORDINATE,
        y: -cascade_sim::scenario::MAX_COORDINATE,
    });
    let far = on(far);
    let camera = far.camera();
    assert!(
        camera.zoom.is_finite() && camera.x.is_finite() && camera.y.is_finite(),
        "{camera:?}"
    );
}

/// Frames at 60 fps on a machine that handles `events_per_ms` events per millisecond of
/// simulation (and draws in 1 ms), reported as the page reports them; the most events one
/// frame handled after the first ten.
fn frames_on_a_machine(playground: &mut Playground, frames: u32, events_per_ms: f64) -> u64 {
    let mut most_in_a_frame = 0;
    for frame in 0..frames {
        let before = playground.main().simulation().events_processed();
        act(
            playground,
            Action::Advance {
                wall_elapsed_ms: FRAME_MS,
            },
        );
        let events = playground.main().simulation().events_processed() - before;
        if frame >= 10 {
            most_in_a_frame = most_in_a_frame.max(events);
        }
        act(
            playground,
            Action::FrameWork {
                simulation_ms: events as f64 / events_per_ms,
                drawing_ms: 1.0,
            },
        );
    }
    most_in_a_frame
}

#[test]
fn a_machine_that_cannot_keep_up_plays_in_slow_motion_without_changing_the_run() {
    // A machine handling 1,000 events per millisecond, on the large topology: ~1 M events per
    // simulated second.
    let mut large = playground("large");
    act(&mut large, Action::SetSpeed(1.0));
    let most_in_a_frame = frames_on_a_machine(&mut large, 120, 1_000.0);
    // Once learned, a frame handles what fits 6 ms of work (1 ms of it drawing) on this
    // machine, not a 16 ms frame's worth of the simulation (which would take ~16 ms here and
    // make the page stutter).
    assert!(
        most_in_a_frame <= 5_100,
        "a frame handled {most_in_a_frame} events"
    );
    let slowed = large.slowed_to().expect("slow motion is said");
    assert!(slowed > 0.05 && slowed < 0.9, "{slowed}");
    // Where frames stop does not change the run: the same instant reached in one go is the
    // same run.
    act(&mut large, Action::TogglePlay);
    assert_eq!(large.slowed_to(), None, "paused: nothing to say");
    let at = large.main().simulation().now();
    let mut in_one_go = playground("large");
    in_one_go.main_mut().run_to(at, u64::MAX);
    assert_eq!(
        crate::support::outcome(large.main()),
        crate::support::outcome(in_one_go.main())
    );

    // A small topology on the same machine keeps up: nothing is said.
    let mut checkout = playground("checkout");
    act(&mut checkout, Action::SetSpeed(1.0));
    frames_on_a_machine(&mut checkout, 120, 1_000.0);
    assert_eq!(checkout.slowed_to(), None);
}

#[test]
fn a_clip_is_named_for_the_moments_it_covers() {
    let mut checkout = playground("checkout");
    play(&mut checkout, 1.0);
    let from = checkout.now();
    act(&mut checkout, Action::ToggleRecording);
    assert_eq!(checkout.recording(), Some(from));
    assert!(checkout.take_download().is_none(), "nothing to save yet");
    play(&mut checkout, 2.0);
    let to = checkout.now();
    act(&mut checkout, Action::ToggleRecording);
    assert_eq!(checkout.recording(), None);
    let clip = checkout.take_download().expect("the clip to save");
    assert_eq!(clip.media_type, "video/webm");
    assert_eq!(
        clip.name,
        format!(
            "cascade-checkout-{:.1}s-to-{:.1}s.webm",
            from.as_secs_f64(),
            to.as_secs_f64()
        )
    );
    assert!(clip.text.contains("seed 1"), "{}", clip.text);
    // Read-only pages may record (it only looks).
    assert!(Action::ToggleRecording.only_looks());
}
