//! The preset stories are valid and tell what the simulation shows; validation names each
//! mistake by its path; a story's run at a step is a pure function of the story.

use cascade_sim::stories::{self, finish_step, play_step, run_to_step};
use cascade_sim::{NodeState, Story};
use serde_json::{json, Value};

use crate::support::node;

fn story(id: &str) -> Story {
    stories::by_id(id).unwrap_or_else(|| panic!("{id} is a preset story"))
}

#[test]
fn every_preset_story_validates_and_round_trips() {
    let mut asking = 0;
    for id in stories::ALL {
        let story = story(id);
        story
            .validate()
            .unwrap_or_else(|error| panic!("{id}: {error}"));
        assert!((3..=6).contains(&story.steps.len()), "{id}");
        assert_eq!(
            Story::from_json(&story.to_json()),
            Ok(story.clone()),
            "{id}"
        );
        asking += usize::from(story.steps.iter().any(|step| step.until.is_some()));
        run_to_step(&story, story.steps.len() - 1, u64::MAX)
            .unwrap_or_else(|error| panic!("{id} runs to its end: {error}"));
    }
    assert!(asking >= 2, "at least two stories ask the reader to act");
}

#[test]
fn the_checkout_story_shows_what_its_text_says() {
    let checkout = story("checkout");
    let out_of_threads = run_to_step(&checkout, 1, u64::MAX).expect("runs");
    let orders = node(&out_of_threads, "Orders");
    assert_eq!((orders.busy, orders.workers), (20, 20), "Orders runs out");
    assert!(out_of_threads.client_totals().failed() > 50);
    let queued = run_to_step(&checkout, 3, u64::MAX).expect("runs");
    assert!(node(&queued, "Orders").busy < 10, "threads free again");
    let queue = queued
        .queues()
        .find(|queue| queue.name == "Payments.queue")
        .expect("a queue");
    assert!(queue.depth > 200, "the work waits: {}", queue.depth);
    let drained = run_to_step(&checkout, 4, u64::MAX).expect("runs");
    assert_eq!(node(&drained, "Payments").state, NodeState::Up);
    assert!(drained.queues().all(|queue| queue.depth == 0));
}

/// A valid story to break one field of at a time.
fn base() -> Value {
    serde_json::from_str(&story("checkout").to_json()).expect("JSON")
}

/// A mistake: the path its error names, and how to make it.
type Mistake = (&'static str, Box<dyn Fn(&mut Value)>);

fn refused(story: &Value) -> String {
    match Story::from_json(&story.to_string()) {
        Ok(_) => panic!("accepted: {story}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn validation_names_each_mistake_by_its_path() {
    let cases: Vec<Mistake> = vec![
        ("story", Box::new(|story| story["story"] = json!(2))),
        ("title", Box::new(|story| story["title"] = json!("  "))),
        ("steps", Box::new(|story| story["steps"] = json!([]))),
        (
            "steps[1].commands[0]",
            Box::new(|story| {
                story["steps"][1]["commands"] = json!([{"command": "kill", "node": "Nobody"}])
            }),
        ),
        (
            "steps[2].until",
            Box::new(|story| {
                story["steps"][2]["until"] =
                    json!({"command": "set_link_kind", "link": 3, "kind": "async"})
            }),
        ),
        (
            "steps[0].commands[0]",
            Box::new(|story| {
                story["steps"][0]["commands"] = json!([{"command": "update_link", "link": 1,
                    "spec": story["scenario"]["links"][1].clone()}])
            }),
        ),
        (
            "steps[3].run_to_s",
            Box::new(|story| story["steps"][3]["run_to_s"] = json!(6.0)),
        ),
        (
            "steps[0].run_to_s",
            Box::new(|story| story["steps"][0]["run_to_s"] = json!(-1.0)),
        ),
        (
            "steps[2].annotations[0].on",
            Box::new(|story| story["steps"][2]["annotations"][0]["on"] = json!("Orders -> Nobody")),
        ),
        (
            "steps[0].annotations[0].on",
            Box::new(|story| story["steps"][0]["annotations"][0]["on"] = json!("Nobody")),
        ),
        (
            "steps[1].commands[0]",
            Box::new(|story| {
                story["steps"][1]["commands"] =
                    json!([{"at": 5, "command": "kill", "node": "Payments"}])
            }),
        ),
        (
            "colour: unknown field",
            Box::new(|story| story["colour"] = json!("blue")),
        ),
        (
            "steps[0].colour: unknown field",
            Box::new(|story| story["steps"][0]["colour"] = json!("blue")),
        ),
    ];
    for (path, break_it) in cases {
        let mut story = base();
        break_it(&mut story);
        let found = refused(&story);
        assert!(
            found.starts_with(path),
            "expected the path {path:?}, got {found:?}"
        );
    }
    // NaN cannot be written in JSON: it is refused by validation on a built story.
    let mut story = story("checkout");
    story.steps[1].run_to_s = Some(f64::NAN);
    assert_eq!(story.validate().expect_err("NaN").path, "steps[1].run_to_s");
}

#[test]
fn a_step_is_a_pure_function_of_the_story() {
    for id in ["checkout", "checkout-async"] {
        let story = story(id);
        for k in 0..story.steps.len() - 1 {
            let once = run_to_step(&story, k, u64::MAX).expect("runs");
            let twice = run_to_step(&story, k, u64::MAX).expect("runs");
            assert_eq!(once.trace().hash(), twice.trace().hash(), "{id} step {k}");
            assert_eq!(once.now(), story.step_time(k), "{id} step {k}");
            let mut going_on = once;
            finish_step(&mut going_on, &story, k).expect("the reader's action applies");
            play_step(&mut going_on, &story, k + 1, u64::MAX).expect("runs");
            let fresh = run_to_step(&story, k + 1, u64::MAX).expect("runs");
            assert_eq!(
                going_on.trace().hash(),
                fresh.trace().hash(),
                "{id}: step {k} then {} equals {} from scratch",
                k + 1,
                k + 1
            );
        }
    }
}
