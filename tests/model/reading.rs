//! Reading a story: steps forward and back recompute the run exactly, a step that asks the
//! reader to do something waits for it, notes land on the canvas, and a story file opens like
//! a scenario file.

use crate::support::{act, frames, outcome, playground, refused, state_of, FRAME_MS};
use cascade::model::reading::MAX_STORY_EVENTS;
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

/// Frames pass until the story stops playing by itself; at the moment each step is first
/// held, the run is compared with the core's run to that step.
fn watch_it_play(reader: &mut Playground, story: &Story, id: &str) -> Vec<u32> {
    let mut held_frames = vec![0u32; story.steps.len()];
    let mut checked = vec![false; story.steps.len()];
    let mut frames_left = 200_000;
    while reader.story_playing() {
        frames_left -= 1;
        assert!(frames_left > 0, "{id}: the story never ends");
        act(
            reader,
            Action::Advance {
                wall_elapsed_ms: FRAME_MS,
            },
        );
        let step = reader.reading().expect("still reading").step;
        if reader.now() == story.step_time(step) && reader.story_playing() {
            held_frames[step] += 1;
            if !checked[step] {
                checked[step] = true;
                let expected =
                    cascade_sim::stories::run_to_step(story, step, 50_000_000).expect("runs");
                assert_eq!(
                    (reader.now(), reader.main().simulation().trace().hash()),
                    (expected.now(), expected.trace().hash()),
                    "{id}, step {step}"
                );
            }
        }
    }
    assert_eq!(
        checked,
        vec![true; story.steps.len()],
        "{id}: every step was shown"
    );
    held_frames
}

#[test]
fn a_story_plays_its_steps_by_itself_as_the_reader_would_see_them() {
    for id in cascade_sim::stories::ALL {
        let story = cascade_sim::stories::by_id(id).expect("a story");
        let mut reader = playground("checkout");
        act(&mut reader, Action::OpenPresetStory(id.into()));
        act(&mut reader, Action::GoToStep(2));
        act(&mut reader, Action::SetSpeed(100.0));
        act(&mut reader, Action::PlayStory);
        assert_eq!(
            reader.reading().expect("reading").step,
            0,
            "{id}: from the start"
        );
        assert!(reader.playing() && reader.story_playing());
        let held = watch_it_play(&mut reader, &story, id);
        // Each step is held long enough to read its text.
        for (step, frames) in held.iter().enumerate() {
            let wanted = cascade::model::hold_ms(&story.steps[step].text) / FRAME_MS;
            assert!(
                f64::from(*frames) >= wanted.floor(),
                "{id}, step {step}: held {frames} frames, wanted {wanted:.0}"
            );
        }
        let view = reader.reading().expect("the story stays open");
        assert_eq!(view.step, story.steps.len() - 1, "{id}: at its last step");
        assert!(!reader.playing(), "{id}: paused at the end");
        assert_eq!(reader.now(), story.step_time(story.steps.len() - 1));
        assert!(reader.take_download().is_none(), "nothing was recorded");
    }
}

#[test]
fn recording_a_story_plays_it_from_the_start_and_saves_the_clip_at_its_end() {
    let story = a_story();
    let mut reader = playground("checkout");
    act(&mut reader, Action::OpenStory(Box::new(story.clone())));
    act(&mut reader, Action::GoToStep(3));
    act(&mut reader, Action::SetSpeed(10.0));
    act(&mut reader, Action::ToggleRecording);
    assert_eq!(
        reader.recording(),
        Some(SimTime::ZERO),
        "recorded from time zero"
    );
    assert_eq!(reader.reading().expect("reading").step, 0);
    // Step 3 asks the reader to make the call async: playing by itself, it is done for them.
    watch_it_play(&mut reader, &story, "a story");
    assert_eq!(
        reader.main().scenario().links[1].kind,
        LinkKind::Async,
        "what the step asked was done"
    );
    assert_eq!(
        reader.recording(),
        None,
        "the recording ends with the story"
    );
    let clip = reader.take_download().expect("the clip is saved");
    assert_eq!(clip.name, "cascade-checkout-story-0.0s-to-10.0s.webm");
    assert_eq!(clip.media_type, "video/webm");
    let caption = reader.clip_caption().expect("a caption");
    assert_eq!(
        caption,
        "A hung dependency · 4 of 4 · The queue holds the work."
    );
}

#[test]
fn a_story_playing_by_itself_waits_while_paused_and_stops_when_the_reader_takes_over() {
    let mut reader = playground("checkout");
    act(&mut reader, Action::OpenStory(Box::new(a_story())));
    act(&mut reader, Action::SetSpeed(1.0));
    act(&mut reader, Action::PlayStory);
    frames(&mut reader, 30, FRAME_MS);
    let at = reader.now();
    assert!(at > SimTime::ZERO && at < SimTime::from_secs(2));
    act(&mut reader, Action::TogglePlay);
    frames(&mut reader, 300, FRAME_MS);
    assert_eq!(
        reader.now(),
        at,
        "paused: neither the run nor the holds go on"
    );
    assert!(
        reader.story_playing(),
        "pausing is watching, not taking over"
    );
    act(&mut reader, Action::TogglePlay);
    act(&mut reader, Action::SetSpeed(2.0));
    frames(&mut reader, 60, FRAME_MS);
    assert_eq!(
        reader.now(),
        SimTime::from_secs(2),
        "a step's run stops at its time"
    );
    assert!(reader.story_playing());
    // The reader goes on by hand: the story stops playing by itself.
    act(&mut reader, Action::NextStep);
    assert!(!reader.story_playing());
    assert_eq!(reader.reading().expect("reading").step, 1);
    assert_eq!(reader.now(), SimTime::from_secs(6));
    // Leaving the story stops it too; so does starting a clip of no story.
    act(&mut reader, Action::PlayStory);
    act(&mut reader, Action::LeaveStory);
    assert!(!reader.story_playing());
    assert_eq!(
        refused(&mut reader, Action::PlayStory),
        UiError::NoStory(String::new())
    );
    act(&mut reader, Action::ToggleRecording);
    assert!(!reader.story_playing(), "a clip of the run as it is");
}

#[test]
fn a_click_on_a_line_while_a_story_plays_takes_over_and_a_held_step_is_not_slow_motion() {
    let mut reader = playground("checkout");
    act(&mut reader, Action::OpenStory(Box::new(a_story())));
    act(&mut reader, Action::SetSpeed(1.0));
    act(&mut reader, Action::PlayStory);
    // Two simulated seconds, then most of step 1's hold.
    frames(&mut reader, 120 + 60, FRAME_MS);
    assert_eq!(reader.now(), SimTime::from_secs(2));
    assert!(reader.story_playing());
    assert_eq!(
        reader.slowed_to(),
        None,
        "holding a step is not falling behind"
    );
    // A click on the Orders -> Payments line switches it: a change of the person's own.
    let (start, end) = reader.main().layout().link_ends(1);
    let middle = start.lerp(end, 0.5);
    act(
        &mut reader,
        Action::ClickAt {
            x: middle.x,
            y: middle.y + 5.0,
        },
    );
    assert_eq!(reader.main().scenario().links[1].kind, LinkKind::Async);
    assert!(!reader.story_playing(), "the person took over");
}

/// The step asks for the Orders -> Payments line to be clicked: a click on it switches the
/// link even right on a message passing there (elsewhere, that click shows the message's path).
#[test]
fn a_click_the_step_asks_for_lands_on_the_line_not_on_a_message_over_it() {
    let mut reader = playground("checkout");
    act(&mut reader, Action::OpenStory(Box::new(a_story())));
    act(&mut reader, Action::NextStep);
    act(&mut reader, Action::NextStep);
    assert!(reader.reading().expect("reading").waiting_for.is_some());
    act(&mut reader, Action::SetSpeed(1.0));
    act(&mut reader, Action::TogglePlay);
    let point = (0..600)
        .find_map(|_| {
            frames(&mut reader, 1, FRAME_MS);
            let (layout, in_flight, now) = reader.main_mut().frame();
            in_flight
                .iter()
                .find(|message| message.request.0 != 0 && message.link.index() == 1)
                .map(|message| layout.in_flight_position(message, now))
        })
        .expect("a message on the Orders -> Payments line within 10 s");
    act(&mut reader, Action::TogglePlay);
    act(
        &mut reader,
        Action::ClickAt {
            x: point.x,
            y: point.y,
        },
    );
    assert_eq!(reader.inspected(), None, "no request path opened");
    assert_eq!(reader.main().scenario().links[1].kind, LinkKind::Async);
    assert_eq!(reader.reading().expect("reading").waiting_for, None);
}

/// On a phone's narrow stage only part of the canvas is in view: a step brings what it
/// points at into view (the zoom kept, so its text stays readable).
#[test]
fn a_step_brings_what_it_points_at_into_a_narrow_view() {
    let mut reader = playground("checkout");
    act(&mut reader, Action::SetStageWidth(360.0));
    act(&mut reader, Action::OpenStory(Box::new(a_story())));
    let zoom = reader.camera().zoom;
    act(&mut reader, Action::NextStep);
    act(&mut reader, Action::NextStep);
    let pins = reader.stage(false).pins;
    assert_eq!(pins.len(), 1, "the Orders -> Payments line is highlighted");
    assert_pins_in_view(&mut reader);
    assert_eq!(reader.camera().zoom, zoom);
    // Every step of every built-in story, on a phone: its notes, words included, are in view.
    for id in cascade_sim::stories::ALL {
        let story = cascade_sim::stories::by_id(id).expect("a story");
        let mut phone = playground("checkout");
        act(&mut phone, Action::SetStageWidth(360.0));
        act(&mut phone, Action::OpenStory(Box::new(story.clone())));
        for step in 0..story.steps.len() {
            act(&mut phone, Action::GoToStep(step));
            assert_pins_in_view(&mut phone);
        }
    }
}

/// A callout's words run past its box (at most 320 wide) when they are long: its bounds
/// cover them all, at 7 canvas units a character.
#[test]
fn a_long_callout_is_as_wide_as_its_words() {
    let words = "every thread of Orders waits on a Payments call that never answers";
    let pin = cascade::model::reading::Pin {
        kind: AnnotationKind::Callout,
        text: Some(words.into()),
        at: cascade::model::geometry::Point { x: 500.0, y: 300.0 },
        half_width: 85.0,
        half_height: 46.0,
    };
    let (left, _, right, _) = pin.bounds();
    assert!(
        right - left >= words.chars().count() as f64 * 7.0,
        "{left} to {right}"
    );
}

/// Every note of the step in view, or, when together they are larger than the view, the view
/// centred on them.
fn assert_pins_in_view(reader: &mut Playground) {
    let (left, top, width, height) = reader.camera().view_box();
    let pins = reader.stage(false).pins;
    let Some((l, t, r, b)) = pins
        .iter()
        .map(|pin| pin.bounds())
        .reduce(|a, b| (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)))
    else {
        return;
    };
    if r - l > width || b - t > height {
        let camera = reader.camera();
        assert!(
            (r - l <= width || (camera.x - (l + r) / 2.0).abs() < 1e-6)
                && (b - t <= height || (camera.y - (t + b) / 2.0).abs() < 1e-6),
            "notes over {:?} larger than the view {:?}, which is not centred on them",
            (l, t, r, b),
            (left, top, width, height)
        );
        return;
    }
    for pin in pins {
        let (l, t, r, b) = pin.bounds();
        assert!(
            l >= left && r <= left + width && t >= top && b <= top + height,
            "{pin:?} covers {:?}, the view is {:?}",
            (l, t, r, b),
            (left, top, width, height)
        );
    }
}

/// A step a day of heavy traffic away is refused within a bounded amount of work (it froze a
/// tab for hours) and before anything changes: the reader stays where they were, with what
/// they did there; a story that starts there does not open. A step reached by playing the
/// story by itself (no such budget) keeps its run when the next one is refused.
#[test]
fn a_step_too_far_to_compute_is_refused_and_the_reader_stays() {
    let mut heavy = presets::checkout();
    heavy.clients[0].rate_per_second = 100_000.0;
    let story = Story {
        story: 1,
        title: "A harmless tour".into(),
        seed: 1,
        scenario: heavy,
        steps: vec![
            step("Here.", Some(0.01)),
            step("A day later.", Some(86_400.0)),
        ],
    };
    let too_long = |step| UiError::StepTooLong {
        step,
        max_events: MAX_STORY_EVENTS,
    };
    let mut reader = playground("checkout");
    act(&mut reader, Action::OpenStory(Box::new(story.clone())));
    // The reader does something of their own at the step.
    act(&mut reader, Action::ToggleKill("Payments".into()));
    let (at, seen_before) = (reader.now(), seen(&reader));
    assert_eq!(refused(&mut reader, Action::NextStep), too_long(1));
    assert_eq!(reader.reading().expect("reading").step, 0);
    assert_eq!(
        (reader.now(), seen(&reader)),
        (at, seen_before),
        "nothing changed"
    );
    assert_eq!(state_of(&reader, "Payments"), NodeState::Killed);

    let mut starts_there = story.clone();
    starts_there.steps.remove(0);
    let mut opener = playground("checkout");
    let before = seen(&opener);
    assert_eq!(
        refused(&mut opener, Action::OpenStory(Box::new(starts_there))),
        too_long(0)
    );
    assert!(opener.reading().is_none(), "the story did not open");
    assert_eq!(seen(&opener), before);
    assert_eq!(opener.main().scenario(), &presets::checkout());

    // Played by itself to a step that took more than the budget, then Next.
    let mut long = story;
    long.steps = vec![
        step("Here.", Some(0.01)),
        step("Busy.", Some(14.0)),
        step("Later.", Some(14.5)),
    ];
    let mut player = playground("checkout");
    act(&mut player, Action::OpenStory(Box::new(long)));
    act(&mut player, Action::SetSpeed(100.0));
    act(&mut player, Action::PlayStory);
    for _ in 0..100_000 {
        if player.now() >= SimTime::from_secs(14) {
            break;
        }
        frames(&mut player, 1, FRAME_MS);
    }
    assert_eq!(player.reading().expect("reading").step, 1);
    assert_eq!(player.now(), SimTime::from_secs(14), "held at its moment");
    act(&mut player, Action::TogglePlay);
    let (at, seen_before) = (player.now(), seen(&player));
    assert!(player.main().simulation().events_processed() > MAX_STORY_EVENTS);
    assert_eq!(refused(&mut player, Action::NextStep), too_long(2));
    assert_eq!(player.reading().expect("reading").step, 1);
    assert_eq!((player.now(), seen(&player)), (at, seen_before));
}

/// Checkout in two steps, the second of which cannot be taken: Payments is killed twice.
fn a_story_that_breaks() -> Story {
    let kill = || {
        vec![StepCommand(Command::Kill {
            node: "Payments".into(),
        })]
    };
    let mut first = step("Payments goes down.", Some(1.0));
    first.commands = kill();
    let mut second = step("And down again.", Some(2.0));
    second.commands = kill();
    Story {
        steps: vec![first, second],
        ..a_story()
    }
}

#[test]
fn a_story_that_cannot_go_on_stops_at_its_step_and_saves_its_clip() {
    let story = a_story_that_breaks();
    let mut reader = playground("checkout");
    act(&mut reader, Action::OpenStory(Box::new(story.clone())));
    assert!(
        reader.update(&Action::GoToStep(1)).is_err(),
        "the reader cannot take step 2"
    );
    act(&mut reader, Action::SetSpeed(10.0));
    act(&mut reader, Action::ToggleRecording);
    let mut refused = None;
    for _ in 0..2_000 {
        if let Err(error) = reader.update(&Action::Advance {
            wall_elapsed_ms: FRAME_MS,
        }) {
            refused = Some(error);
            break;
        }
    }
    assert!(refused.is_some(), "the second step is refused");
    assert!(
        !reader.story_playing(),
        "and the story stops playing by itself"
    );
    assert_eq!(
        reader.reading().expect("reading").step,
        0,
        "at the step it reached"
    );
    assert_eq!(reader.recording(), None);
    let clip = reader.take_download().expect("the clip so far is saved");
    assert_eq!(clip.name, "cascade-checkout-story-0.0s-to-1.0s.webm");
    frames(&mut reader, 600, FRAME_MS);
    assert_eq!(
        reader.reading().expect("reading").step,
        0,
        "nothing goes on by itself"
    );
}

#[test]
fn a_browser_that_cannot_record_leaves_the_reader_at_their_step() {
    let mut reader = playground("checkout");
    act(&mut reader, Action::OpenStory(Box::new(a_story())));
    act(&mut reader, Action::GoToStep(3));
    let at_step_four = seen(&reader);
    act(&mut reader, Action::ToggleRecording);
    assert_eq!(reader.reading().expect("reading").step, 0);
    act(
        &mut reader,
        Action::RecordingRefused("this browser cannot record WebM video".into()),
    );
    assert_eq!(reader.recording(), None);
    assert!(!reader.story_playing() && !reader.playing());
    assert_eq!(reader.reading().expect("reading").step, 3);
    assert_eq!(seen(&reader), at_step_four, "the run of step 4 again");
    assert_eq!(
        reader.notice(),
        Some("this browser cannot record WebM video")
    );
    assert!(reader.take_download().is_none());
}

#[test]
fn a_clip_running_when_a_story_starts_playing_spans_the_story_from_its_start() {
    let mut reader = playground("checkout");
    act(&mut reader, Action::OpenStory(Box::new(a_story())));
    act(&mut reader, Action::GoToStep(3));
    act(&mut reader, Action::LeaveStory);
    act(&mut reader, Action::ToggleRecording);
    assert_eq!(reader.recording(), Some(SimTime::from_secs(10)));
    act(&mut reader, Action::OpenStory(Box::new(a_story())));
    act(&mut reader, Action::PlayStory);
    act(&mut reader, Action::SetSpeed(1.0));
    frames(&mut reader, 60, FRAME_MS);
    act(&mut reader, Action::ToggleRecording);
    let clip = reader.take_download().expect("saved");
    assert_eq!(clip.name, "cascade-checkout-story-0.0s-to-1.0s.webm");
}
