//! The timeline: seeking back recomputes an earlier moment exactly, playing on replays what was
//! recorded, a change at an earlier moment starts a new branch that an undo takes back.

use crate::support::{act, frames, outcome, play, playground, refused, state_of, FRAME_MS};
use cascade::model::timeline::MarkKind;
use cascade::model::{Action, Changed, Playground, UiError};
use cascade_sim::{LinkKind, NodeState, SimTime};

/// What a person sees of the main run: the run in one line, and the event log.
type Seen = (String, Vec<String>);

/// What a person sees of the main run now, to compare two moments.
fn seen(playground: &Playground) -> Seen {
    (
        outcome(playground.main()),
        playground
            .log_entries()
            .iter()
            .map(|entry| format!("{:?} {}", entry.at, entry.text))
            .collect(),
    )
}

/// When the faults marked on the timeline happened, simulated seconds.
fn fault_marks(playground: &Playground) -> Vec<f64> {
    playground
        .timeline()
        .marks
        .iter()
        .filter(|(_, kind)| *kind == MarkKind::Fault)
        .map(|(at, _)| *at)
        .collect()
}

/// Checkout with Payments killed at ~3 s and revived at ~6 s, played to ~9 s; what was seen
/// at ~4.5 s and at the end.
fn a_run_with_an_outage() -> (Playground, SimTime, Seen, Seen) {
    let mut playground = playground("checkout");
    play(&mut playground, 3.0);
    act(&mut playground, Action::ToggleKill("Payments".into()));
    frames(&mut playground, 90, FRAME_MS);
    let middle = playground.now();
    let seen_in_the_middle = seen(&playground);
    frames(&mut playground, 90, FRAME_MS);
    act(&mut playground, Action::ToggleKill("Payments".into()));
    frames(&mut playground, 180, FRAME_MS);
    let seen_at_the_end = seen(&playground);
    (playground, middle, seen_in_the_middle, seen_at_the_end)
}

#[test]
fn seeking_back_shows_the_earlier_moment_exactly_and_playing_on_replays_the_rest() {
    let (mut playground, middle, in_the_middle, at_the_end) = a_run_with_an_outage();
    let end = playground.now();
    assert_eq!(
        act(&mut playground, Action::Seek(middle)),
        Changed::Run,
        "the run changed: the address no longer describes it"
    );
    assert!(!playground.playing(), "a seek pauses");
    assert_eq!(playground.now(), middle);
    assert_eq!(
        seen(&playground),
        in_the_middle,
        "the same run, the same log"
    );
    assert_eq!(state_of(&playground, "Payments"), NodeState::Killed);
    let timeline = playground.timeline();
    assert!(timeline.behind);
    assert!((timeline.head_s - end.as_secs_f64()).abs() < 1e-9);
    // The kill and the revive are marked where they happened, once each however often the
    // moments are replayed.
    let faults = fault_marks(&playground);
    assert_eq!(faults.len(), 2, "{faults:?}");
    // Playing on replays the recorded future: Payments is revived at its time again.
    act(&mut playground, Action::TogglePlay);
    while playground.now() < end {
        frames(&mut playground, 1, FRAME_MS);
    }
    act(&mut playground, Action::TogglePlay);
    act(&mut playground, Action::Seek(end));
    assert_eq!(seen(&playground), at_the_end);
    assert_eq!(state_of(&playground, "Payments"), NodeState::Up);
    assert!(!playground.timeline().behind);
    // Back to the start and forward again, in jumps.
    act(&mut playground, Action::Seek(SimTime::ZERO));
    assert_eq!(playground.now(), SimTime::ZERO);
    assert_eq!(state_of(&playground, "Payments"), NodeState::Up);
    act(&mut playground, Action::Seek(middle));
    assert_eq!(seen(&playground), in_the_middle);
    act(&mut playground, Action::Seek(end));
    assert_eq!(seen(&playground), at_the_end);
    assert_eq!(playground.timeline().marks.len(), 2, "no mark twice");
}

#[test]
fn a_change_at_an_earlier_moment_starts_a_branch_and_an_undo_brings_the_old_one_back() {
    let (mut playground, middle, in_the_middle, at_the_end) = a_run_with_an_outage();
    let end = playground.now();
    act(&mut playground, Action::Seek(middle));
    // Reviving Payments earlier than it was: a new branch from here.
    act(&mut playground, Action::ToggleKill("Payments".into()));
    assert_eq!(state_of(&playground, "Payments"), NodeState::Up);
    let timeline = playground.timeline();
    assert!(!timeline.behind, "the old future is gone");
    assert!((timeline.head_s - middle.as_secs_f64()).abs() < 1e-9);
    let faults = fault_marks(&playground);
    assert_eq!(
        faults.len(),
        2,
        "the kill, and the revive made here: {faults:?}"
    );
    assert!(
        (faults[1] - middle.as_secs_f64()).abs() < 1e-9,
        "{faults:?}"
    );
    // Playing on does not revive it a second time at the old moment: there is nothing left
    // to replay, and the run differs from the old one.
    act(&mut playground, Action::TogglePlay);
    while playground.now() < end {
        frames(&mut playground, 1, FRAME_MS);
    }
    assert_ne!(seen(&playground).0, at_the_end.0);
    // Undo: back just before the change, with the old future.
    act(&mut playground, Action::TogglePlay);
    act(&mut playground, Action::Undo);
    assert_eq!(playground.now(), middle);
    assert_eq!(seen(&playground), in_the_middle);
    assert_eq!(state_of(&playground, "Payments"), NodeState::Killed);
    assert!(playground.timeline().behind);
    act(&mut playground, Action::Seek(end));
    assert_eq!(seen(&playground), at_the_end, "the old branch, exactly");
    assert_eq!(
        refused(&mut playground, Action::Undo),
        UiError::NothingToUndo,
        "the branch's undo is used up, and the scenario was not edited"
    );
}

#[test]
fn an_edit_at_an_earlier_moment_branches_and_the_scenario_shown_follows_the_moment() {
    let mut playground = playground("checkout");
    play(&mut playground, 2.0);
    let before_the_switch = playground.now();
    let link = 1;
    let old_kind = playground.main().scenario().links[link].kind;
    let new_kind = match old_kind {
        LinkKind::Sync => LinkKind::Async,
        LinkKind::Async => LinkKind::Sync,
    };
    frames(&mut playground, 30, FRAME_MS);
    act(
        &mut playground,
        Action::SetLinkKind {
            link,
            kind: new_kind,
        },
    );
    frames(&mut playground, 60, FRAME_MS);
    let end = playground.now();
    // Seeking back before the switch shows the link as it was then.
    act(&mut playground, Action::Seek(before_the_switch));
    assert_eq!(playground.main().scenario().links[link].kind, old_kind);
    act(&mut playground, Action::Seek(end));
    assert_eq!(playground.main().scenario().links[link].kind, new_kind);
    // An edit at an earlier moment branches; its undo brings back the old future and leaves
    // no undo step of the edit behind.
    act(&mut playground, Action::Seek(before_the_switch));
    let service = playground.main().scenario().services[0].clone();
    let mut slower = service.clone();
    slower.workers += 7;
    act(
        &mut playground,
        Action::Edit(Box::new(cascade::model::editor::Edit::SetService(
            Box::new(slower),
        ))),
    );
    assert!(!playground.timeline().behind);
    act(&mut playground, Action::Undo);
    assert_eq!(playground.main().scenario().services[0], service);
    assert!(playground.timeline().behind, "the old future is back");
    act(&mut playground, Action::Seek(end));
    assert_eq!(playground.main().scenario().links[link].kind, new_kind);
}

#[test]
fn a_long_run_keeps_a_bounded_number_of_checkpoints() {
    let mut playground = playground("checkout");
    act(&mut playground, Action::SetSpeed(100.0));
    // Ten simulated minutes in 100 ms frames.
    frames(&mut playground, 6_000, 100.0);
    let timeline = playground.main().timeline();
    assert!(
        timeline.checkpoint_count() <= cascade::model::timeline::MAX_CHECKPOINTS,
        "{}",
        timeline.checkpoint_count()
    );
    assert!(
        timeline.checkpoint_count() >= 8,
        "{}",
        timeline.checkpoint_count()
    );
    let end = playground.now();
    let middle = SimTime::from_micros(end.as_micros() / 2);
    act(&mut playground, Action::Seek(middle));
    assert_eq!(playground.now(), middle);
}

#[test]
fn a_run_too_big_to_copy_keeps_no_checkpoints_and_refuses_a_seek_too_far_back() {
    let mut large = playground("large");
    act(&mut large, Action::SetSpeed(1.0));
    frames(&mut large, 150, FRAME_MS);
    let records = large.main().simulation().live_records();
    assert!(
        records > cascade::model::timeline::MAX_CHECKPOINT_RECORDS,
        "{records}"
    );
    // Copies are skipped while it holds that much: only the first ones are kept.
    let kept = large.main().timeline().checkpoint_count();
    frames(&mut large, 60, FRAME_MS);
    assert_eq!(large.main().timeline().checkpoint_count(), kept);
    frames(&mut large, 120, FRAME_MS);
    let now = large.now();
    // Back near the start: everything since the last copy would run again.
    let error = refused(
        &mut large,
        Action::Seek(SimTime::from_micros(now.as_micros() * 9 / 10)),
    );
    assert!(
        matches!(&error, UiError::Seek(reason) if reason.contains("million events")),
        "{error}"
    );
    assert_eq!(large.now(), now, "a refused seek changes nothing");
    // Forward from the moment shown is reachable.
    act(
        &mut large,
        Action::Seek(now + cascade_sim::SimDuration::from_millis(1)),
    );
}

/// Adds a service where nothing is: a change of structure, which starts the run again.
fn add_a_service(playground: &mut Playground, x: f64) {
    act(
        playground,
        Action::Drop {
            block: cascade::model::Block::Service,
            x,
            y: 520.0,
        },
    );
}

fn notice(playground: &Playground) -> String {
    playground.notice().unwrap_or_default().to_owned()
}

#[test]
fn undo_and_redo_of_a_restart_swap_the_last_run_replaced_back_and_say_which_move_does() {
    let mut playground = playground("checkout");
    play(&mut playground, 1.0);
    add_a_service(&mut playground, 200.0);
    play(&mut playground, 1.0);
    act(&mut playground, Action::ToggleKill("Payments".into()));
    play(&mut playground, 1.0);
    let a = (playground.now(), outcome(playground.main()));
    add_a_service(&mut playground, 400.0);
    assert!(notice(&playground).ends_with("Undo brings that run back."));
    act(&mut playground, Action::ToggleKill("Orders".into()));
    play(&mut playground, 1.0);
    let b = outcome(playground.main());

    act(&mut playground, Action::Undo);
    assert_eq!((playground.now(), outcome(playground.main())), a);
    assert_eq!(state_of(&playground, "Payments"), NodeState::Killed);
    assert!(notice(&playground).starts_with("The run from before that change is back"));
    // Only the last run replaced is kept: a second undo starts again, and says which move
    // brings the run it left back.
    act(&mut playground, Action::Undo);
    assert_eq!(playground.now(), SimTime::ZERO);
    assert_eq!(state_of(&playground, "Payments"), NodeState::Up);
    let said = notice(&playground);
    assert!(
        said.ends_with("without the 1 fault(s) given by hand. Redo brings that run back."),
        "{said}"
    );
    act(&mut playground, Action::Redo);
    assert_eq!((playground.now(), outcome(playground.main())), a);
    assert!(notice(&playground).starts_with("The run from after that change is back"));
    // The run with Orders killed went when the second undo set another run aside.
    act(&mut playground, Action::Redo);
    assert_eq!(playground.now(), SimTime::ZERO);
    assert_eq!(state_of(&playground, "Orders"), NodeState::Up);
    assert_ne!(outcome(playground.main()), b);
    assert!(notice(&playground).ends_with("Undo brings that run back."));
    act(&mut playground, Action::Undo);
    assert_eq!((playground.now(), outcome(playground.main())), a);
}

#[test]
fn an_undo_brings_back_only_the_run_its_own_change_replaced() {
    // Add a service, then delete it: the scenario is the first one again, but the run the
    // delete replaced is the one with the new service, not the first.
    let mut playground = playground("checkout");
    act(&mut playground, Action::ToggleKill("Payments".into()));
    play(&mut playground, 1.0);
    add_a_service(&mut playground, 200.0);
    act(&mut playground, Action::ToggleKill("Inventory".into()));
    play(&mut playground, 1.0);
    let with_the_service = (playground.now(), outcome(playground.main()));
    act(
        &mut playground,
        Action::Delete(cascade::model::Selection::Node("Service 1".into())),
    );
    play(&mut playground, 1.0);
    act(&mut playground, Action::Undo);
    assert_eq!(
        (playground.now(), outcome(playground.main())),
        with_the_service
    );
    assert_eq!(state_of(&playground, "Inventory"), NodeState::Killed);
    act(&mut playground, Action::Undo);
    assert_eq!(playground.now(), SimTime::ZERO, "that run was not kept");
    assert_eq!(state_of(&playground, "Payments"), NodeState::Up);
    assert!(notice(&playground).ends_with("Redo brings that run back."));
}

#[test]
fn a_restart_keeps_the_log_paused_and_a_reset_lets_the_older_run_go() {
    let mut playground = playground("checkout");
    act(&mut playground, Action::ToggleLogPause);
    act(&mut playground, Action::ToggleKill("Payments".into()));
    play(&mut playground, 1.0);
    add_a_service(&mut playground, 200.0);
    assert!(playground.main().log().paused(), "the pause is the page's");
    act(&mut playground, Action::Undo);
    assert!(playground.main().log().paused());
    assert_eq!(state_of(&playground, "Payments"), NodeState::Killed);
    act(&mut playground, Action::Redo);
    act(&mut playground, Action::Reset);
    act(&mut playground, Action::Undo);
    assert_eq!(
        playground.now(),
        SimTime::ZERO,
        "a reset started again by hand: the older run (and its seed) does not come back"
    );
    assert_eq!(state_of(&playground, "Payments"), NodeState::Up);
}

#[test]
fn a_run_brought_back_keeps_its_branch_to_undo() {
    let mut playground = playground("checkout");
    play(&mut playground, 2.0);
    let end = playground.now();
    act(&mut playground, Action::Seek(SimTime::from_millis(500)));
    act(&mut playground, Action::ToggleKill("Payments".into()));
    add_a_service(&mut playground, 200.0);
    act(&mut playground, Action::Undo);
    assert_eq!(state_of(&playground, "Payments"), NodeState::Killed);
    // The kill was made at an earlier moment: undoing it brings the recorded future back.
    act(&mut playground, Action::Undo);
    assert_eq!(state_of(&playground, "Payments"), NodeState::Up);
    assert!((playground.timeline().head_s - end.as_secs_f64()).abs() < 1e-9);
}
