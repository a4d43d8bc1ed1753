//! The embed's message protocol, version 1: what a page that frames Cascade may ask of it with
//! `postMessage`, and what Cascade tells it. Every message is a JSON object with
//! `"cascade": 1` and a `"type"`; a request may carry an `"id"` (any JSON value), echoed in
//! the reply. Reading and answering are here, web-free and tested natively; the page only
//! checks where a message came from and carries it (see the README's "Embed API").
//!
//! In: `play`, `pause`, `reset`, `seek` (`time_s`), `step` (`index`, a story's step),
//! `command` (`command`: a fault as in scenario files, e.g. `{"command": "kill", "node":
//! "Payments"}`, or a link switch), `load` (`preset`, `story`, or `state`: a share link's fragment),
//! `subscribe` (`interval_ms`: a `metrics` message that often, 0 to stop).
//! Out: `ready`, `state` (time and play state, after every request and with every `metrics`),
//! `step` (the story step shown, whenever it changes),
//! `metrics`, `height` (the page's content height in CSS pixels), `done` and `error` (the
//! reply to a request: what was done, or why not).

use super::action::Action;
use super::playground::Playground;
use super::share;
use cascade_sim::{Command, SimDuration, SimTime, StepCommand};
use serde_json::value::RawValue;

/// The protocol's version, in every message as `"cascade"`.
pub const VERSION: u64 = 1;
/// The shortest interval between two `metrics` messages, milliseconds.
pub const MIN_INTERVAL_MS: f64 = 50.0;

/// What the host asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// Let time run.
    Play,
    /// Stop time.
    Pause,
    /// Start again from time zero.
    Reset,
    /// Show this moment of the run (paused).
    Seek(SimTime),
    /// Go to a step of the story (counted from 0).
    Step(usize),
    /// Apply a fault or switch a link, now.
    Command(Box<Command>),
    /// Load a preset by id.
    LoadPreset(String),
    /// Open a share link's fragment.
    LoadState(String),
    /// Read a built-in story by id.
    LoadStory(String),
    /// Send `metrics` this often (milliseconds), or stop (`None`).
    Subscribe(Option<f64>),
}

/// A request with the id to answer it with.
#[derive(Clone, Debug, PartialEq)]
pub struct Incoming {
    /// Echoed in the reply: its JSON text.
    pub id: Option<String>,
    /// What is asked.
    pub request: Request,
}

/// A message's fields, each kept as its JSON text until read (a wrong field is answered with
/// its name, not dropped with the message; and no JSON value type comes into the bundle).
#[derive(serde::Deserialize)]
struct Fields {
    cascade: Option<Box<RawValue>>,
    #[serde(rename = "type")]
    kind: Option<Box<RawValue>>,
    id: Option<Box<RawValue>>,
    time_s: Option<Box<RawValue>>,
    index: Option<Box<RawValue>>,
    interval_ms: Option<Box<RawValue>>,
    command: Option<Box<RawValue>>,
    preset: Option<Box<RawValue>>,
    state: Option<Box<RawValue>>,
    story: Option<Box<RawValue>>,
}

/// Reads a message. `Err(Some(reply))`: ours but wrong, answer with the `error` reply;
/// `Err(None)`: not ours (no `"cascade"` key, not a JSON object), say nothing, so other
/// scripts' messages on the same page do no harm.
pub fn read(text: &str) -> Result<Incoming, Option<String>> {
    let fields: Fields = serde_json::from_str(text).map_err(|_| None)?;
    let version = fields.cascade.as_ref().ok_or(None)?;
    let id = fields.id.as_ref().map(|id| id.get().to_string());
    let fail = |message: String| Some(error(id.clone(), &message));
    if serde_json::from_str::<u64>(version.get()).ok() != Some(VERSION) {
        return Err(fail(format!(
            "this embed speaks version {VERSION} of the protocol, not {}",
            version.get()
        )));
    }
    let text_of = |field: &Option<Box<RawValue>>| {
        field
            .as_ref()
            .and_then(|raw| serde_json::from_str::<String>(raw.get()).ok())
    };
    let kind = text_of(&fields.kind).ok_or_else(|| fail("a message needs a \"type\"".into()))?;
    let number = |name: &str, field: &Option<Box<RawValue>>| -> Result<f64, Option<String>> {
        field
            .as_ref()
            .and_then(|raw| serde_json::from_str::<f64>(raw.get()).ok())
            .filter(|value| value.is_finite() && *value >= 0.0)
            .ok_or_else(|| fail(format!("{kind}: \"{name}\" must be a number of at least 0")))
    };
    let request = match kind.as_str() {
        "play" => Request::Play,
        "pause" => Request::Pause,
        "reset" => Request::Reset,
        "seek" => {
            let seconds = number("time_s", &fields.time_s)?;
            Request::Seek(SimTime::ZERO + SimDuration::from_millis_f64(seconds * 1_000.0))
        }
        "step" => Request::Step(number("index", &fields.index)? as usize),
        "command" => {
            let command = fields
                .command
                .as_ref()
                .ok_or_else(|| fail("command: \"command\" is missing".into()))?;
            let command = serde_json::from_str::<StepCommand>(command.get())
                .map_err(|problem| fail(format!("command: {problem}")))?;
            Request::Command(Box::new(command.0))
        }
        "load" => match (
            text_of(&fields.preset),
            text_of(&fields.state),
            text_of(&fields.story),
        ) {
            (Some(preset), None, None) => Request::LoadPreset(preset),
            (None, Some(state), None) => Request::LoadState(state),
            (None, None, Some(story)) => Request::LoadStory(story),
            _ => {
                return Err(fail(
                    "load: give one of \"preset\" (an id), \"story\" (an id) or \"state\" \
                     (a share link's fragment)"
                        .into(),
                ))
            }
        },
        "subscribe" => {
            let interval = number("interval_ms", &fields.interval_ms)?;
            Request::Subscribe((interval > 0.0).then(|| interval.max(MIN_INTERVAL_MS)))
        }
        other => {
            return Err(fail(format!(
                "unknown type {other:?} (play, pause, reset, seek, step, command, load, subscribe)"
            )))
        }
    };
    Ok(Incoming { id, request })
}

/// What the playground does for a request (the page keeps `subscribe` for itself). An empty
/// list: nothing to do (already playing, say).
pub fn actions(request: &Request, playground: &Playground) -> Result<Vec<Action>, String> {
    Ok(match request {
        Request::Play => (!playground.playing())
            .then_some(Action::TogglePlay)
            .into_iter()
            .collect(),
        Request::Pause => playground
            .playing()
            .then_some(Action::TogglePlay)
            .into_iter()
            .collect(),
        Request::Reset => vec![Action::Reset],
        Request::Seek(time) => vec![Action::Seek(*time)],
        Request::Step(index) => match playground.reading() {
            Some(reading) if *index < reading.steps => vec![Action::GoToStep(*index)],
            Some(reading) => {
                return Err(format!(
                    "step: the story has {} steps, counted from 0",
                    reading.steps
                ))
            }
            None => {
                return Err("step: no story is being read here (load one with \"story\")".into())
            }
        },
        Request::Command(command) => vec![Action::Apply(command.clone())],
        Request::LoadPreset(id) => vec![Action::LoadPreset(id.clone())],
        Request::LoadStory(id) => vec![Action::OpenPresetStory(id.clone())],
        Request::LoadState(fragment) => match share::decode(fragment) {
            Ok(Some(state)) => vec![Action::Open(Box::new(state))],
            Ok(None) => return Err("load: the state is empty".into()),
            Err(problem) => return Err(format!("load: {problem}")),
        },
        Request::Subscribe(_) => Vec::new(),
    })
}

/// The name of a request in a `done` reply.
fn request_name(request: &Request) -> &'static str {
    match request {
        Request::Play => "play",
        Request::Pause => "pause",
        Request::Reset => "reset",
        Request::Seek(_) => "seek",
        Request::Step(_) => "step",
        Request::Command(_) => "command",
        Request::LoadPreset(_) | Request::LoadState(_) | Request::LoadStory(_) => "load",
        Request::Subscribe(_) => "subscribe",
    }
}

/// A message: `"cascade"`, `"type"` and `fields` (each name with its JSON text).
fn message(kind: &str, fields: &[(&str, String)]) -> String {
    let mut text = format!("{{\"cascade\":{VERSION},\"type\":{}", json_text(kind));
    for (name, value) in fields {
        text.push_str(&format!(",\"{name}\":{value}"));
    }
    text.push('}');
    text
}

/// A string as JSON text.
fn json_text(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// A number as JSON text (0 for what JSON cannot say).
fn json_number(value: f64) -> String {
    if value.is_finite() {
        serde_json::to_string(&value).unwrap_or_else(|_| "0".into())
    } else {
        "0".into()
    }
}

/// `fields` with the request's id, when it had one.
fn with_id(
    id: Option<String>,
    mut fields: Vec<(&'static str, String)>,
) -> Vec<(&'static str, String)> {
    if let Some(id) = id {
        fields.push(("id", id));
    }
    fields
}

/// The reply to a request that could not be carried out.
pub fn error(id: Option<String>, text: &str) -> String {
    message("error", &with_id(id, vec![("message", json_text(text))]))
}

/// The reply to a request carried out.
pub fn done(incoming: &Incoming) -> String {
    message(
        "done",
        &with_id(
            incoming.id.clone(),
            vec![("request", json_text(request_name(&incoming.request)))],
        ),
    )
}

fn state_fields(playground: &Playground) -> Vec<(&'static str, String)> {
    vec![
        ("time_s", json_number(playground.now().as_secs_f64())),
        ("playing", playground.playing().to_string()),
        ("speed", json_number(playground.speed())),
    ]
}

/// Sent once the embed has started.
pub fn ready(playground: &Playground) -> String {
    let mut fields = state_fields(playground);
    fields.push(("version", VERSION.to_string()));
    fields.push(("scenario", json_text(&playground.scenario_shown().name)));
    message("ready", &fields)
}

/// The time and play state.
pub fn state(playground: &Playground) -> String {
    message("state", &state_fields(playground))
}

/// What users see and the queues now.
pub fn metrics(playground: &Playground) -> String {
    let figures = playground.figures();
    let simulation = playground.main().simulation();
    let (queued, dead_letters) =
        simulation
            .queues()
            .fold((0_u64, 0_u64), |(queued, dead), queue| {
                (
                    queued + u64::from(queue.depth),
                    dead + queue.metrics.dead_lettered,
                )
            });
    message(
        "metrics",
        &[
            ("time_s", json_number(playground.now().as_secs_f64())),
            ("succeeded", figures.succeeded.to_string()),
            ("failed", figures.failed.to_string()),
            ("ok_per_s", json_number(figures.succeeded_per_second)),
            ("errors_per_s", json_number(figures.failed_per_second)),
            ("queued", queued.to_string()),
            ("dead_letters", dead_letters.to_string()),
        ],
    )
}

/// The story step shown, when a story is read: sent whenever it changes.
pub fn step(playground: &Playground) -> Option<String> {
    let reading = playground.reading()?;
    Some(message(
        "step",
        &[
            ("index", reading.step.to_string()),
            ("steps", reading.steps.to_string()),
            ("title", json_text(&reading.title)),
        ],
    ))
}

/// The page's content height, for the host to size the frame.
pub fn height(px: f64) -> String {
    message("height", &[("px", json_number(px.max(0.0).ceil()))])
}
