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
use cascade_sim::{Command, SimDuration, SimTime};
use serde_json::{json, Map, Value};

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
    /// Echoed in the reply.
    pub id: Option<Value>,
    /// What is asked.
    pub request: Request,
}

/// Reads a message. `Err(Some(reply))`: ours but wrong, answer with the `error` reply;
/// `Err(None)`: not ours (no `"cascade"` key, not JSON), say nothing, so other scripts'
/// messages on the same page do no harm.
pub fn read(text: &str) -> Result<Incoming, Option<String>> {
    let value: Value = serde_json::from_str(text).map_err(|_| None)?;
    let object = value.as_object().ok_or(None)?;
    let version = object.get("cascade").ok_or(None)?;
    let id = object.get("id").cloned();
    let fail = |message: String| Some(error(id.clone(), &message));
    if version.as_u64() != Some(VERSION) {
        return Err(fail(format!(
            "this embed speaks version {VERSION} of the protocol, not {version}"
        )));
    }
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| fail("a message needs a \"type\"".into()))?;
    let number = |name: &str| -> Result<f64, Option<String>> {
        object
            .get(name)
            .and_then(Value::as_f64)
            .filter(|value| value.is_finite() && *value >= 0.0)
            .ok_or_else(|| fail(format!("{kind}: \"{name}\" must be a number of at least 0")))
    };
    let request =
        match kind {
            "play" => Request::Play,
            "pause" => Request::Pause,
            "reset" => Request::Reset,
            "seek" => {
                let seconds = number("time_s")?;
                Request::Seek(SimTime::ZERO + SimDuration::from_millis_f64(seconds * 1_000.0))
            }
            "step" => Request::Step(number("index")? as usize),
            "command" => {
                let command = object
                    .get("command")
                    .ok_or_else(|| fail("command: \"command\" is missing".into()))?;
                let command = serde_json::from_value::<CommandOnly>(command.clone())
                    .map_err(|problem| fail(format!("command: {problem}")))?;
                Request::Command(Box::new(command.0))
            }
            "load" => match (object.get("preset"), object.get("state"), object.get("story")) {
                (Some(Value::String(preset)), None, None) => Request::LoadPreset(preset.clone()),
                (None, Some(Value::String(state)), None) => Request::LoadState(state.clone()),
                (None, None, Some(Value::String(story))) => Request::LoadStory(story.clone()),
                _ => return Err(fail(
                    "load: give one of \"preset\" (an id), \"story\" (an id) or \"state\" (a share link's fragment)"
                        .into(),
                )),
            },
            "subscribe" => {
                let interval = number("interval_ms")?;
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

/// A command read alone, in the format of a scenario file's timed commands.
struct CommandOnly(Command);

impl<'de> serde::Deserialize<'de> for CommandOnly {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut fields = Map::<String, Value>::deserialize(deserializer)?;
        fields.insert("at".into(), json!(0));
        let timed: cascade_sim::TimedCommand =
            serde_json::from_value(Value::Object(fields)).map_err(serde::de::Error::custom)?;
        Ok(CommandOnly(timed.command))
    }
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

fn message(kind: &str, mut fields: Map<String, Value>) -> String {
    fields.insert("cascade".into(), json!(VERSION));
    fields.insert("type".into(), json!(kind));
    Value::Object(fields).to_string()
}

fn with_id(id: Option<Value>, fields: Map<String, Value>) -> Map<String, Value> {
    let mut fields = fields;
    if let Some(id) = id {
        fields.insert("id".into(), id);
    }
    fields
}

/// The reply to a request that could not be carried out.
pub fn error(id: Option<Value>, text: &str) -> String {
    let mut fields = Map::new();
    fields.insert("message".into(), json!(text));
    message("error", with_id(id, fields))
}

/// The reply to a request carried out.
pub fn done(incoming: &Incoming) -> String {
    let mut fields = Map::new();
    fields.insert("request".into(), json!(request_name(&incoming.request)));
    message("done", with_id(incoming.id.clone(), fields))
}

/// Sent once the embed has started.
pub fn ready(playground: &Playground) -> String {
    let mut fields = state_fields(playground);
    fields.insert("version".into(), json!(VERSION));
    fields.insert(
        "scenario".into(),
        json!(playground.scenario_shown().name.clone()),
    );
    message("ready", fields)
}

fn state_fields(playground: &Playground) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("time_s".into(), json!(playground.now().as_secs_f64()));
    fields.insert("playing".into(), json!(playground.playing()));
    fields.insert("speed".into(), json!(playground.speed()));
    fields
}

/// The time and play state.
pub fn state(playground: &Playground) -> String {
    message("state", state_fields(playground))
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
    let mut fields = Map::new();
    fields.insert("time_s".into(), json!(playground.now().as_secs_f64()));
    fields.insert("succeeded".into(), json!(figures.succeeded));
    fields.insert("failed".into(), json!(figures.failed));
    fields.insert("ok_per_s".into(), json!(figures.succeeded_per_second));
    fields.insert("errors_per_s".into(), json!(figures.failed_per_second));
    fields.insert("queued".into(), json!(queued));
    fields.insert("dead_letters".into(), json!(dead_letters));
    message("metrics", fields)
}

/// The story step shown, when a story is read: sent whenever it changes.
pub fn step(playground: &Playground) -> Option<String> {
    let reading = playground.reading()?;
    let mut fields = Map::new();
    fields.insert("index".into(), json!(reading.step));
    fields.insert("steps".into(), json!(reading.steps));
    fields.insert("title".into(), json!(reading.title));
    Some(message("step", fields))
}

/// The page's content height, for the host to size the frame.
pub fn height(px: f64) -> String {
    let mut fields = Map::new();
    fields.insert("px".into(), json!(px.max(0.0).ceil()));
    message("height", fields)
}
