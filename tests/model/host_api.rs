//! The embed's message protocol: requests read, carried out through the playground's door,
//! answered; anything else ignored or refused with a reason, never a crash.

use crate::support::{act, play, playground, state_of};
use cascade::embed::PageOptions;
use cascade::model::host_api::{self, Request};
use cascade::model::{share, Action, Playground};
use cascade_sim::{presets, NodeState, SimTime};
use serde_json::{json, Value};

/// Reads `request`, carries it out and gives the reply, as the page does.
fn ask(playground: &mut Playground, request: Value) -> Value {
    let reply = match host_api::read(&request.to_string()) {
        Ok(incoming) => match host_api::actions(&incoming.request, playground) {
            Ok(actions) => {
                let mut refused = None;
                for action in actions {
                    if let Err(error) = playground.update(&action) {
                        refused = Some(error.to_string());
                        break;
                    }
                }
                match refused {
                    Some(problem) => host_api::error(incoming.id.clone(), &problem),
                    None => host_api::done(&incoming),
                }
            }
            Err(problem) => host_api::error(incoming.id.clone(), &problem),
        },
        Err(Some(reply)) => reply,
        Err(None) => return Value::Null,
    };
    serde_json::from_str(&reply).expect("replies are JSON")
}

#[test]
fn requests_are_carried_out_and_answered_with_their_id() {
    let mut playground = playground("checkout");
    play(&mut playground, 2.0);
    let reply = ask(
        &mut playground,
        json!({"cascade": 1, "type": "pause", "id": 7}),
    );
    assert_eq!(
        reply,
        json!({"cascade": 1, "type": "done", "request": "pause", "id": 7})
    );
    assert!(!playground.playing());
    // Idempotent: pausing a paused run is done, and changes nothing.
    ask(&mut playground, json!({"cascade": 1, "type": "pause"}));
    assert!(!playground.playing());
    ask(&mut playground, json!({"cascade": 1, "type": "play"}));
    assert!(playground.playing());
    ask(&mut playground, json!({"cascade": 1, "type": "play"}));
    assert!(playground.playing());

    let reply = ask(
        &mut playground,
        json!({"cascade": 1, "type": "command", "id": "k", "command": {"command": "kill", "node": "Payments"}}),
    );
    assert_eq!(reply["type"], "done", "{reply}");
    assert_eq!(state_of(&playground, "Payments"), NodeState::Killed);
    ask(
        &mut playground,
        json!({"cascade": 1, "type": "command", "command": {"command": "set_link_kind", "link": 1, "kind": "async"}}),
    );
    assert_eq!(
        playground.main().scenario().links[1].kind,
        cascade_sim::LinkKind::Async
    );

    ask(
        &mut playground,
        json!({"cascade": 1, "type": "seek", "time_s": 1.0}),
    );
    assert_eq!(playground.now(), SimTime::from_secs(1));
    assert_eq!(
        state_of(&playground, "Payments"),
        NodeState::Up,
        "before the kill"
    );

    ask(&mut playground, json!({"cascade": 1, "type": "reset"}));
    assert_eq!(playground.now(), SimTime::ZERO);

    ask(
        &mut playground,
        json!({"cascade": 1, "type": "load", "preset": "poison-message"}),
    );
    assert_eq!(playground.preset_id(), Some("poison-message"));

    // A share link's state opens the run it describes.
    let mut shared = crate::support::playground("checkout");
    play(&mut shared, 1.0);
    act(&mut shared, Action::ToggleKill("Inventory".into()));
    let (state, _) = shared.shareable().expect("shareable");
    let fragment = share::encode(&state);
    let reply = ask(
        &mut playground,
        json!({"cascade": 1, "type": "load", "state": fragment}),
    );
    assert_eq!(reply["type"], "done", "{reply}");
    while playground.opening().is_some() {
        act(
            &mut playground,
            Action::Advance {
                wall_elapsed_ms: 0.0,
            },
        );
    }
    assert_eq!(state_of(&playground, "Inventory"), NodeState::Killed);
}

#[test]
fn what_the_embed_says_is_json_with_the_version() {
    let mut playground = playground("poison-message");
    play(&mut playground, 20.0);
    let ready: Value = serde_json::from_str(&host_api::ready(&playground)).expect("JSON");
    assert_eq!(ready["cascade"], 1);
    assert_eq!(ready["type"], "ready");
    assert_eq!(ready["version"], 1);
    assert_eq!(ready["playing"], true);
    assert_eq!(
        ready["scenario"],
        presets::by_id("poison-message").expect("preset").name
    );
    let metrics: Value = serde_json::from_str(&host_api::metrics(&playground)).expect("JSON");
    assert_eq!(metrics["type"], "metrics");
    assert!(metrics["succeeded"].as_u64().expect("a count") > 0);
    assert!(
        metrics["dead_letters"].as_u64().expect("a count") > 0,
        "the poison message reached the dead-letter queue: {metrics}"
    );
    assert!((metrics["time_s"].as_f64().expect("seconds") - 20.0).abs() < 0.1);
    let state: Value = serde_json::from_str(&host_api::state(&playground)).expect("JSON");
    assert_eq!(state["type"], "state");
    let height: Value = serde_json::from_str(&host_api::height(412.2)).expect("JSON");
    assert_eq!(height, json!({"cascade": 1, "type": "height", "px": 413.0}));
}

#[test]
fn anything_else_is_ignored_or_refused_with_a_reason() {
    let mut playground = playground("checkout");
    // Not ours: other scripts' messages, not JSON, not an object. No reply at all.
    for text in [
        "",
        "hello",
        "[1,2]",
        "{\"type\": \"pause\"}",
        "null",
        "{\"cascade\"",
    ] {
        assert_eq!(host_api::read(text), Err(None), "{text:?}");
    }
    let refusals = [
        (json!({"cascade": 2, "type": "pause"}), "version 1"),
        (json!({"cascade": 1}), "needs a \"type\""),
        (
            json!({"cascade": 1, "type": "explode", "id": [1]}),
            "unknown type",
        ),
        (
            json!({"cascade": 1, "type": "seek", "time_s": -1}),
            "at least 0",
        ),
        (
            json!({"cascade": 1, "type": "seek", "time_s": "soon"}),
            "time_s",
        ),
        (
            json!({"cascade": 1, "type": "step", "index": 1}),
            "no story",
        ),
        (json!({"cascade": 1, "type": "command"}), "missing"),
        (
            json!({"cascade": 1, "type": "command", "command": {"command": "nuke"}}),
            "command",
        ),
        (
            json!({"cascade": 1, "type": "command", "command": {"command": "kill", "node": "Nobody"}}),
            "Nobody",
        ),
        (
            json!({"cascade": 1, "type": "command", "command": {"command": "kill", "node": "Users"}}),
            "load source",
        ),
        (json!({"cascade": 1, "type": "load"}), "one of"),
        (
            json!({"cascade": 1, "type": "load", "preset": "checkout", "state": "x"}),
            "one of",
        ),
        (
            json!({"cascade": 1, "type": "load", "state": "not-a-share-link"}),
            "load",
        ),
        (
            json!({"cascade": 1, "type": "load", "preset": "nope"}),
            "nope",
        ),
    ];
    for (request, says) in refusals {
        let reply = ask(&mut playground, request.clone());
        assert_eq!(reply["type"], "error", "{request} -> {reply}");
        let message = reply["message"].as_str().expect("a reason");
        assert!(message.contains(says), "{request}: {message}");
        if let Some(id) = request.get("id") {
            assert_eq!(&reply["id"], id);
        }
    }
    // A read-only page plays and pauses but takes no faults.
    let mut readonly = Playground::new(
        presets::checkout(),
        PageOptions {
            readonly: true,
            ..PageOptions::default()
        },
    )
    .expect("valid");
    let reply = ask(
        &mut readonly,
        json!({"cascade": 1, "type": "command", "command": {"command": "kill", "node": "Payments"}}),
    );
    assert_eq!(reply["type"], "error");
    assert_eq!(state_of(&readonly, "Payments"), NodeState::Up);
    assert_eq!(
        ask(&mut readonly, json!({"cascade": 1, "type": "pause"}))["type"],
        "done"
    );
    // A subscription is the page's to keep: read, nothing for the playground to do.
    let incoming = host_api::read(r#"{"cascade": 1, "type": "subscribe", "interval_ms": 10}"#)
        .expect("a subscription");
    assert_eq!(
        incoming.request,
        Request::Subscribe(Some(host_api::MIN_INTERVAL_MS))
    );
    assert_eq!(
        host_api::actions(&incoming.request, &playground),
        Ok(Vec::new())
    );
    assert_eq!(
        host_api::read(r#"{"cascade": 1, "type": "subscribe", "interval_ms": 0}"#)
            .map(|incoming| incoming.request),
        Ok(Request::Subscribe(None))
    );
}

#[test]
fn the_host_parameter_takes_an_origin_only() {
    use cascade::embed::is_origin;
    for origin in [
        "https://blog.example",
        "http://127.0.0.1:8081",
        "https://sub.blog-example.org:443",
        "http://localhost",
    ] {
        assert!(is_origin(origin), "{origin}");
    }
    for text in [
        "blog.example",
        "https://",
        "https://blog.example/path",
        "javascript:alert(1)",
        "https://blog.example:port",
        "https://blog example",
        "*",
    ] {
        assert!(!is_origin(text), "{text}");
    }
    let options =
        PageOptions::parse(|name| (name == "host").then(|| "https://blog.example/".into()));
    assert_eq!(options.host.as_deref(), Some("https://blog.example"));
    let options = PageOptions::parse(|name| (name == "host").then(|| "*".into()));
    assert_eq!(options.host, None);
    assert!(
        options.problems[0].contains("host"),
        "{:?}",
        options.problems
    );
}
