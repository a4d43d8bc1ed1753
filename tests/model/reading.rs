//! Reading a story: steps forward and back recompute the run exactly, a step that asks the
//! reader to do something waits for it, notes land on the canvas, and a story file opens like
//! a scenario file.

use crate::support::{act, outcome, playground, refused, state_of};
use cascade::model::{Action, Playground, UiError};
use cascade_sim::{
    presets, Annotation, AnnotationKind, Command, LinkKind, NodeState, SimTime, StepCommand, Story,
    StoryStep,
};

fn step(text: &str, run_to_s: Option<f64>) -> StoryStep {
    StoryStep {
        text: text.into(),
        commands: Vec::new(),
        run_to_s,
        until: None,
        annotations: Vec::new(),
    }
}

/// Checkout told in four steps: it runs, Payments hangs, the reader makes the call async,
/// the queue takes the strain.
fn a_story() -> Story {
    let mut hangs = step("Payments *hangs*.", Some(6.0));
    hangs.commands = vec![StepCommand(Command::Freeze {
        node: "Payments".into(),
    })];
    hangs.annotations = vec![Annotation {
        on: "Orders".into(),
        kind: AnnotationKind::Callout,
        text: Some("out of threads".into()),
    }];
    let mut asks = step("Put a queue in: click the Orders → Payments line.", None);
    asks.until = Some(StepCommand(Command::SetLinkKind {
        link: 1,
        kind: LinkKind::Async,
    }));
    asks.annotations = vec![Annotation {
        on: "Orders -> Payments".into(),
        kind: AnnotationKind::Highlight,
        text: None,
    }];
    Story {
        story: 1,
        title: "A hung dependency".into(),
        seed: 1,
        scenario: presets::checkout(),
        steps: vec![
            step("Users call Orders, which calls Payments.", Some(2.0)),
            hangs,
            asks,
            step("The queue holds the work.", Some(10.0)),
        ],
    }
}

fn seen(playground: &Playground) -> (String, usize) {
    (outcome(playground.main()), playground.log_entries().len())
}

#[test]
fn steps_forward_and_back_show_the_same_runs() {
    let mut reader = playground("retry-storm");
    act(&mut reader, Action::OpenStory(Box::new(a_story())));
    let view = reader.reading().expect("a story is read");
    assert_eq!((view.step, view.steps), (0, 4));
    assert_eq!(view.title, "A hung dependency");
    assert_eq!(reader.now(), SimTime::from_secs(2));
    assert!(!reader.playing(), "a step pauses at its moment");
    assert_eq!(reader.scenario_shown().name, "Checkout");

    act(&mut reader, Action::NextStep);
    assert_eq!(reader.now(), SimTime::from_secs(6));
    assert_eq!(state_of(&reader, "Payments"), NodeState::Frozen);
    let pins = reader.stage(false).pins;
    assert_eq!(pins.len(), 1);
    assert_eq!(pins[0].kind, AnnotationKind::Callout);
    let orders = reader.main().layout().center(
        reader
            .main()
            .simulation()
            .node_by_name("Orders")
            .expect("Orders")
            .id,
    );
    assert_eq!(pins[0].at, orders, "pinned to Orders");
    let at_step_one = seen(&reader);

    // A step that asks something waits for it.
    act(&mut reader, Action::NextStep);
    let view = reader.reading().expect("reading");
    assert_eq!(
        view.waiting_for.as_deref(),
        Some("Switch Orders → Payments to async (click the line)")
    );
    assert_eq!(reader.stage(false).pins.len(), 1, "the link is highlighted");
    assert!(matches!(
        refused(&mut reader, Action::NextStep),
        UiError::StepAsks(_)
    ));
    act(
        &mut reader,
        Action::SetLinkKind {
            link: 1,
            kind: LinkKind::Async,
        },
    );
    assert_eq!(reader.reading().expect("reading").waiting_for, None);
    act(&mut reader, Action::NextStep);
    assert_eq!(reader.now(), SimTime::from_secs(10));
    assert_eq!(reader.main().scenario().links[1].kind, LinkKind::Async);
    let at_the_end = seen(&reader);

    // Back: recomputed from time zero, exactly as it was on the way.
    act(&mut reader, Action::PreviousStep);
    act(&mut reader, Action::PreviousStep);
    assert_eq!(reader.reading().expect("reading").step, 1);
    assert_eq!(seen(&reader), at_step_one);
    // Straight to the last step: what the reader was asked is done on the way.
    act(&mut reader, Action::GoToStep(3));
    assert_eq!(seen(&reader), at_the_end);
    assert_eq!(reader.main().scenario().links[1].kind, LinkKind::Async);
    // "Do it for me" does what is asked.
    act(&mut reader, Action::GoToStep(2));
    assert_eq!(reader.main().scenario().links[1].kind, LinkKind::Sync);
    act(&mut reader, Action::DoAsked);
    assert_eq!(reader.main().scenario().links[1].kind, LinkKind::Async);
    // Playing freely keeps the run; another scenario ends the story.
    act(&mut reader, Action::LeaveStory);
    assert!(reader.reading().is_none());
    assert_eq!(reader.main().scenario().links[1].kind, LinkKind::Async);
    act(&mut reader, Action::OpenStory(Box::new(a_story())));
    act(&mut reader, Action::LoadPreset("checkout".into()));
    assert!(reader.reading().is_none());
    assert_eq!(
        refused(&mut reader, Action::NextStep),
        UiError::NoStory(String::new())
    );
}

#[test]
fn a_story_file_opens_like_a_scenario_file_and_a_bad_one_says_where() {
    let mut reader = playground("checkout");
    act(
        &mut reader,
        Action::ImportFile {
            name: "hung.json".into(),
            text: Ok(a_story().to_json()),
        },
    );
    assert_eq!(
        reader.reading().expect("the story").title,
        "A hung dependency"
    );
    assert!(reader.notice().expect("said").contains("hung.json"));
    let mut broken = a_story();
    broken.steps[1].annotations[0].on = "Nobody".into();
    let error = refused(
        &mut reader,
        Action::ImportFile {
            name: "broken.json".into(),
            text: Ok(broken.to_json()),
        },
    );
    assert!(
        error.to_string().contains("steps[1].annotations[0].on"),
        "{error}"
    );
    // Each built-in story opens and can be read to its end.
    for id in cascade_sim::stories::ALL {
        let mut reader = playground("checkout");
        act(&mut reader, Action::OpenPresetStory(id.into()));
        let steps = reader.reading().expect("a story").steps;
        act(&mut reader, Action::GoToStep(steps - 1));
        assert_eq!(reader.reading().expect("a story").step, steps - 1, "{id}");
    }
    assert_eq!(
        refused(&mut reader, Action::OpenPresetStory("nope".into())),
        UiError::NoStory("nope".into())
    );
}

#[test]
fn every_step_of_every_built_in_story_is_the_run_the_core_computes() {
    for id in cascade_sim::stories::ALL {
        let story = cascade_sim::stories::by_id(id).expect("a story");
        let mut reader = playground("checkout");
        act(&mut reader, Action::OpenPresetStory(id.into()));
        for step in 0..story.steps.len() {
            act(&mut reader, Action::GoToStep(step));
            let expected =
                cascade_sim::stories::run_to_step(&story, step, 50_000_000).expect("runs");
            assert_eq!(
                (
                    reader.main().simulation().now(),
                    reader.main().simulation().trace().hash()
                ),
                (expected.now(), expected.trace().hash()),
                "{id}, step {step}"
            );
        }
    }
}

#[test]
fn a_story_being_read_exports_as_a_file_that_opens_again() {
    let mut reader = playground("checkout");
    assert_eq!(
        refused(&mut reader, Action::Export(cascade::model::Export::Story)),
        UiError::NoStory(String::new())
    );
    act(&mut reader, Action::OpenStory(Box::new(a_story())));
    act(&mut reader, Action::Export(cascade::model::Export::Story));
    let file = reader.take_download().expect("a file");
    assert_eq!(file.name, "cascade-checkout.story.json");
    assert_eq!(Story::from_json(&file.text), Ok(a_story()));
    let mut other = playground("retry-storm");
    act(
        &mut other,
        Action::ImportFile {
            name: file.name.clone(),
            text: Ok(file.text),
        },
    );
    assert_eq!(other.reading().expect("read").title, "A hung dependency");
}

#[test]
fn a_story_travels_in_a_share_link_at_its_step() {
    let mut reader = playground("checkout");
    act(&mut reader, Action::OpenStory(Box::new(a_story())));
    act(&mut reader, Action::GoToStep(1));
    let (state, _) = reader.shareable().expect("shareable");
    let link = cascade::model::share::encode(&state);
    let opened = cascade::model::share::decode(&link)
        .expect("decodes")
        .expect("a link");
    let shared = crate::support::restore(&opened);
    let view = shared.reading().expect("the story is read");
    assert_eq!((view.title.as_str(), view.step), ("A hung dependency", 1));
    assert_eq!(
        seen(&shared),
        seen(&reader),
        "the same run at the same step"
    );
    act(&mut reader, Action::NextStep);
    let mut shared = shared;
    act(&mut shared, Action::NextStep);
    assert_eq!(seen(&shared), seen(&reader), "and the same step after it");
    // A link whose step is past the story's end is refused with the reason.
    let mut bad = opened.clone();
    bad.story.as_mut().expect("a story").step = 9;
    assert!(bad.check().expect_err("refused").contains("story.step"));
}
