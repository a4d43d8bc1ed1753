//! Share links natively: a link reproduces the run exactly, stays short, keeps opening in
//! every format version (fixtures in `tests/fixtures/`), and every bad link is a clear error.
//! The fuzzing lives in `share_fuzz.rs`.

use crate::support::{act, modified_run, on, outcome, play, restore};
use cascade::model::replay::Replay;
use cascade::model::share::{self, ShareError, SharedState};
use cascade::model::{Action, LogFilter};
use cascade_sim::{presets, Command, SimTime};

#[test]
fn a_link_reproduces_the_run_and_the_view_exactly() {
    for preset in presets::ALL {
        let original = modified_run(preset.id);
        let link = share::encode(&original.capture());
        let state = share::decode(&link)
            .expect("decodes")
            .expect("is a share link");
        let restored = restore(&state);
        let (a, b) = (original.main().simulation(), restored.main().simulation());
        assert_eq!(b.now(), a.now(), "{}: time", preset.id);
        assert_eq!(b.trace().hash(), a.trace().hash(), "{}: trace", preset.id);
        assert_eq!(
            b.trace().count(),
            a.trace().count(),
            "{}: events",
            preset.id
        );
        assert_eq!(b.client_counts(), a.client_counts(), "{}", preset.id);
        assert_eq!(
            restored.main().scenario(),
            original.main().scenario(),
            "{}",
            preset.id
        );
        assert_eq!(restored.main().seed(), 42);
        assert_eq!(restored.selection(), original.selection());
        assert_eq!(restored.log_view().0, LogFilter::Problems);
        assert!((restored.speed() - 2.0).abs() < 1e-12);
        // Both go on the same way.
        let (mut a, mut b) = (original, restored);
        play(&mut a, 1.0);
        play(&mut b, 1.0);
        assert_eq!(
            a.main().simulation().trace().hash(),
            b.main().simulation().trace().hash(),
            "{}: after more time",
            preset.id
        );
        // And a reset of the restored run starts the current scenario, as the original's would.
        act(&mut a, Action::Reset);
        act(&mut b, Action::Reset);
        play(&mut a, 1.0);
        play(&mut b, 1.0);
        assert_eq!(
            a.main().simulation().trace().hash(),
            b.main().simulation().trace().hash()
        );
    }
}

#[test]
fn typical_links_stay_under_two_thousand_characters() {
    let mut longest = (0, "");
    for preset in presets::ALL {
        let length = share::encode(&modified_run(preset.id).capture()).len();
        if length > longest.0 {
            longest = (length, preset.id);
        }
    }
    // The fragment plus a typical site address.
    let url = "https://example.github.io/cascade/#".len() + longest.0;
    assert!(url < 2_000, "the {} link is {url} characters", longest.1);
}

/// Each format version's fixture: a link made by that version and the state it holds, as
/// plain JSON. Old links must keep opening to the same state.
#[test]
fn links_from_every_format_version_keep_opening() {
    for version in 1..=share::SHARE_VERSION {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let link = std::fs::read_to_string(format!("{dir}/share-v{version}.link"))
            .unwrap_or_else(|error| panic!("fixture for version {version}: {error}"));
        let json =
            std::fs::read_to_string(format!("{dir}/share-v{version}.json")).expect("fixture state");
        let expected: SharedState = serde_json::from_str(&json).expect("fixture state parses");
        let state = share::decode(link.trim())
            .expect("the link opens")
            .expect("is a share link");
        assert_eq!(state, expected, "version {version}");
        // And shows what it showed: the fixture's run, pinned when the fixture was made. An
        // engine change that alters it changes what every old link shows; if that is meant,
        // say so in the change and rewrite this file (SHARE_WRITE_FIXTURE=1).
        let restored = restore(&state);
        let shown = std::fs::read_to_string(format!("{dir}/share-v{version}.shows"))
            .expect("fixture outcome");
        assert_eq!(outcome(restored.main()), shown.trim(), "version {version}");
    }
}

/// Writes the fixture for the current version when asked (`SHARE_WRITE_FIXTURE=1`): run once
/// when a new format version is introduced, then keep the files forever.
#[test]
fn write_the_current_fixture_when_asked() {
    if std::env::var_os("SHARE_WRITE_FIXTURE").is_none() {
        return;
    }
    let state = modified_run("retry-storm").capture();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let version = share::SHARE_VERSION;
    std::fs::write(
        format!("{dir}/share-v{version}.link"),
        share::encode(&state) + "\n",
    )
    .expect("write");
    std::fs::write(
        format!("{dir}/share-v{version}.json"),
        serde_json::to_string_pretty(&state).expect("json") + "\n",
    )
    .expect("write");
    let restored = restore(&state);
    std::fs::write(
        format!("{dir}/share-v{version}.shows"),
        outcome(restored.main()) + "\n",
    )
    .expect("write");
}

#[test]
fn states_that_cannot_be_replayed_are_refused_with_the_field() {
    let mut state = modified_run("checkout").capture();
    state.commands.push(cascade_sim::TimedCommand {
        at: state.at,
        command: Command::Kill {
            node: "Nobody".into(),
        },
    });
    let error = share::decode(&share::encode(&state)).expect_err("unknown node");
    assert!(
        matches!(&error, ShareError::Invalid(text) if text.contains("commands[") && text.contains("Nobody")),
        "{error}"
    );

    let mut state = modified_run("checkout").capture();
    state.at = SimTime::from_secs(10 * 3600);
    let error = share::decode(&share::encode(&state)).expect_err("too long");
    assert!(error.to_string().contains("at:"), "{error}");

    let mut state = modified_run("checkout").capture();
    state.scenario.services[0].workers = 0;
    let error = share::decode(&share::encode(&state)).expect_err("invalid scenario");
    assert!(error.to_string().contains("workers"), "{error}");

    // One rule everywhere: refuse, and name the field.
    let mut state = modified_run("checkout").capture();
    state.view.speed = 1e308;
    let error = share::decode(&share::encode(&state)).expect_err("absurd speed");
    assert!(
        error
            .to_string()
            .contains("view.speed: must be between 0.01 and 100"),
        "{error}"
    );
}

/// A key given twice in a command is refused (it used to be last-wins, or for `node`, an
/// "unknown field").
#[test]
fn a_command_with_a_key_given_twice_is_refused() {
    for text in [
        r#"{"at": 1, "command": "kill", "node": "A", "node": "B"}"#,
        r#"{"at": 1, "at": 2, "command": "kill", "node": "A"}"#,
        r#"{"at": 1, "command": "kill", "command": "revive", "node": "A"}"#,
    ] {
        let error = serde_json::from_str::<cascade_sim::TimedCommand>(text)
            .expect_err("a duplicate key")
            .to_string();
        assert!(error.starts_with("duplicate field `"), "{text}: {error}");
    }
}

#[test]
fn a_replay_in_small_slices_ends_exactly_where_one_in_one_go_does() {
    for preset in ["checkout", "retry-storm", "broker-down"] {
        let original = modified_run(preset);
        let state = original.capture();
        let started_from = state.started_from.clone().unwrap_or(state.scenario.clone());
        let (mut runner, mut replay) =
            Replay::begin(started_from, state.scenario.clone(), &state).expect("begins");
        let mut slices = 0;
        while !replay.advance(&mut runner, 97).expect("replays") {
            slices += 1;
            assert!(runner.simulation().now() <= replay.target());
        }
        assert!(slices > 10, "{preset}: it took {slices} slices");
        assert_eq!(
            runner.simulation().trace().hash(),
            original.main().simulation().trace().hash(),
            "{preset}"
        );
        assert_eq!(runner.scenario(), original.main().scenario());
    }
}

/// The largest scenario a link may carry (a 999-service chain, the cycle search's worst case)
/// decodes and opens; one service more is refused with the reason. Both stay quick because
/// every check is linear in the size of the scenario.
#[test]
fn links_at_the_size_limit_open_and_beyond_it_are_refused() {
    let chain = |services: usize| SharedState {
        scenario: cascade_sim::fixtures::chain(services),
        started_from: None,
        seed: 1,
        commands: Vec::new(),
        at: SimTime::from_secs(1),
        view: share::View::default(),
        story: None,
    };
    let largest = chain(cascade_sim::scenario::MAX_NODES - 1);
    let link = share::encode(&largest);
    let opened = share::decode(&link).expect("opens").expect("a link");
    restore(&opened);
    let error = share::decode(&share::encode(&chain(cascade_sim::scenario::MAX_NODES)))
        .expect_err("too big");
    assert!(
        error
            .to_string()
            .contains("more than this playground handles"),
        "{error}"
    );
}

/// A frame that stops on its event budget can leave events due at the very instant it stopped;
/// settled before sharing, the run is exactly what the link replays.
#[test]
fn a_run_stopped_on_its_frame_budget_shares_exactly_once_settled() {
    // Constant gaps and times put many events at the same instant, so a frame's budget
    // often runs out between two of them.
    let mut scenario = presets::by_id("reference").expect("preset");
    scenario.clients[0].arrival = cascade_sim::Arrival::Constant;
    for service in &mut scenario.services {
        service.service_time = cascade_sim::Distribution::Constant { ms: 2.0 };
    }
    for link in &mut scenario.links {
        link.latency = cascade_sim::Distribution::Constant { ms: 1.0 };
    }
    let mut playground = on(scenario);
    act(&mut playground, Action::SetSeed("5".into()));
    act(&mut playground, Action::SetSpeed(100.0));
    crate::support::frames(&mut playground, 3, 100.0);
    act(&mut playground, Action::ToggleKill("Payments".into()));
    crate::support::frames(&mut playground, 1, 100.0);
    let (state, note) = playground.shareable().expect("the instant settles");
    assert_eq!(note, None, "a short run travels whole");
    let restored = restore(
        &share::decode(&share::encode(&state))
            .expect("ok")
            .expect("link"),
    );
    let (a, b) = (playground.main().simulation(), restored.main().simulation());
    assert_eq!(b.now(), a.now());
    assert_eq!(b.trace().hash(), a.trace().hash());
}
