//! Share links: the whole playground state (scenario, seed, command log, the simulated time
//! reached, and the view) in a URL fragment, `#share=<version>.<payload>`.
//!
//! The payload is the state as JSON, compressed with zlib (deflate plus an Adler-32 checksum,
//! so a changed or cut link is caught before it is read) and written in base64url. The version
//! stands outside the payload, so a link from a newer build is recognised without unpacking it.
//! Every way a link can be wrong comes back as a [`ShareError`] that says what was wrong; the
//! decoder never panics and never unpacks more than [`MAX_STATE_BYTES`].
//!
//! Format versions (a fixture of each is kept in `tests/fixtures/` and must keep opening):
//! - 1: `SharedState` as below, zlib level 9, base64url without padding.

use super::log::LogFilter;
use super::selection::Selection;
use cascade_sim::{Scenario, SimTime, TimedCommand};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The slowest and fastest speeds a link may ask for (simulated seconds per second); the
/// playground offers the same range.
pub const SPEED_RANGE: (f64, f64) = (0.01, 100.0);

/// The share format this build writes. It reads this one and every older one.
pub const SHARE_VERSION: u32 = 1;
/// What starts a share fragment (after the `#`).
pub const FRAGMENT_PREFIX: &str = "share=";
/// The most a link may unpack to: room for the largest scenario allowed (1,000 nodes and
/// 5,000 links with every knob written out, about 6 MB), and a cap on what a hostile link can
/// make the page allocate.
pub const MAX_STATE_BYTES: usize = 8 << 20;
/// The longest payload read (Chromium's URL limit is 2 MB).
const MAX_PAYLOAD_CHARS: usize = 2 << 20;
/// The latest simulated time a link may ask to replay to: one hour.
pub const MAX_SHARED_TIME: SimTime = SimTime::from_micros(3_600_000_000);
/// The most commands a link may carry.
pub const MAX_SHARED_COMMANDS: usize = 10_000;

/// Everything needed to reproduce what a person sees.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedState {
    /// The scenario as it is now: what the canvas shows and what Reset starts again.
    pub scenario: Scenario,
    /// The scenario the running simulation started from, when knobs or link kinds were changed
    /// since (the command log holds those changes with their times).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_from: Option<Scenario>,
    /// The seed of every random choice.
    pub seed: u64,
    /// Commands applied while it ran, in order, with their simulated times.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<TimedCommand>,
    /// The simulated time the run had reached.
    #[serde(default)]
    pub at: SimTime,
    /// How it was being looked at.
    #[serde(default)]
    pub view: View,
    /// The story being read, and the step shown (its run is the one above).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story: Option<SharedStory>,
}

/// A story in a link: the story itself and the step shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedStory {
    /// The story.
    pub story: cascade_sim::Story,
    /// The step shown, from 0.
    pub step: usize,
}

/// The view options a link carries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct View {
    /// Simulated seconds per second.
    pub speed: f64,
    /// Whether time was running.
    pub playing: bool,
    /// What the inspector showed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected: Option<SharedSelection>,
    /// Which log entries were shown.
    pub log: SharedLogFilter,
    /// Whether the compare view (all sync beside async) was open.
    pub compare: bool,
    /// Where the canvas looked (zoom and middle), when not where the scenario opens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub camera: Option<super::geometry::Camera>,
}

impl Default for View {
    fn default() -> Self {
        View {
            speed: 0.5,
            playing: true,
            selected: None,
            log: SharedLogFilter::All,
            compare: false,
            camera: None,
        }
    }
}

/// [`Selection`] as written in a link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SharedSelection {
    /// A service or load source by name.
    Node(String),
    /// A link by index.
    Link(usize),
}

/// [`LogFilter`] as written in a link.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SharedLogFilter {
    /// Everything.
    #[default]
    All,
    /// Problems only.
    Problems,
    /// Recoveries and changes.
    Recoveries,
}

impl From<LogFilter> for SharedLogFilter {
    fn from(filter: LogFilter) -> Self {
        match filter {
            LogFilter::All => SharedLogFilter::All,
            LogFilter::Problems => SharedLogFilter::Problems,
            LogFilter::Recoveries => SharedLogFilter::Recoveries,
        }
    }
}

impl From<SharedLogFilter> for LogFilter {
    fn from(filter: SharedLogFilter) -> Self {
        match filter {
            SharedLogFilter::All => LogFilter::All,
            SharedLogFilter::Problems => LogFilter::Problems,
            SharedLogFilter::Recoveries => LogFilter::Recoveries,
        }
    }
}

impl From<&Selection> for SharedSelection {
    fn from(selection: &Selection) -> Self {
        match selection {
            Selection::Node(name) => SharedSelection::Node(name.clone()),
            Selection::Link(index) => SharedSelection::Link(*index),
        }
    }
}

impl From<&SharedSelection> for Selection {
    fn from(selection: &SharedSelection) -> Self {
        match selection {
            SharedSelection::Node(name) => Selection::Node(name.clone()),
            SharedSelection::Link(index) => Selection::Link(*index),
        }
    }
}

/// Why a link could not be opened. The messages are for the person holding the link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShareError {
    /// The version before the `.` is missing or not a number.
    BadVersion(String),
    /// Made by a newer build than this one.
    FutureVersion(u32),
    /// A character base64url never uses, at this position of the payload.
    BadCharacter(usize),
    /// The compressed data ends early.
    Truncated,
    /// The compressed data or its checksum does not match.
    Damaged,
    /// It would unpack to more than [`MAX_STATE_BYTES`].
    TooLarge,
    /// It unpacked, but is not a state this build understands: where and what.
    Invalid(String),
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareError::BadVersion(version) => write!(
                f,
                "This share link is damaged: its format version {version:?} is not a number."
            ),
            ShareError::FutureVersion(version) => write!(
                f,
                "This share link was made by a newer version of Cascade (link format \
                 {version}; this page reads up to {SHARE_VERSION}). Open it where it was made."
            ),
            ShareError::BadCharacter(position) => write!(
                f,
                "This share link was changed: character {} is not one a share link uses.",
                position + 1
            ),
            ShareError::Truncated => f.write_str(
                "This share link is cut off: it ends before the saved state does. Copy the \
                 whole link again.",
            ),
            ShareError::Damaged => f.write_str(
                "This share link is damaged: its contents do not match their checksum. Copy \
                 the whole link again.",
            ),
            ShareError::TooLarge => write!(
                f,
                "This share link unpacks to more than {} KB, more than any scenario needs.",
                MAX_STATE_BYTES / 1024
            ),
            ShareError::Invalid(problem) => {
                write!(
                    f,
                    "This share link does not hold a valid scenario: {problem}"
                )
            }
        }
    }
}

impl std::error::Error for ShareError {}

/// The fragment (without `#`) that carries `state`.
pub fn encode(state: &SharedState) -> String {
    pack(&serde_json::to_vec(state).unwrap_or_default())
}

/// `value` as indented JSON for a file people read. Written compactly and then indented as
/// text, so the browser carries one serializer per type, not a second, pretty one.
pub fn pretty_json<T: Serialize>(value: &T) -> String {
    indent_json(&serde_json::to_string(value).unwrap_or_default())
}

/// Indents compact JSON by two spaces per level, keeping the order of the keys.
fn indent_json(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', depth * 2));
    };
    let mut characters = compact.chars().peekable();
    while let Some(character) = characters.next() {
        if in_string {
            out.push(character);
            match character {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match character {
            '"' => {
                in_string = true;
                out.push('"');
            }
            '{' | '[' => {
                out.push(character);
                if matches!(characters.peek(), Some('}' | ']')) {
                    out.extend(characters.next());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(character);
            }
            ',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(character),
        }
    }
    out.push('\n');
    out
}

/// The fragment that carries `json` as it is, valid or not (the fuzzer packs broken states).
pub fn pack(json: &[u8]) -> String {
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(json, 9);
    let mut fragment = format!("{FRAGMENT_PREFIX}{SHARE_VERSION}.");
    base64url_encode(&packed, &mut fragment);
    fragment
}

/// Reads a URL fragment (with or without its `#`). `Ok(None)` when it is not a share link at
/// all (an ordinary `#anchor`); otherwise the checked state or what was wrong with it.
pub fn decode(fragment: &str) -> Result<Option<SharedState>, ShareError> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let Some(rest) = fragment.strip_prefix(FRAGMENT_PREFIX) else {
        return Ok(None);
    };
    let (version, payload) = rest.split_once('.').unwrap_or((rest, ""));
    let version: u32 = match version.parse() {
        Ok(version) if version >= 1 => version,
        _ => return Err(ShareError::BadVersion(version.chars().take(12).collect())),
    };
    if version > SHARE_VERSION {
        return Err(ShareError::FutureVersion(version));
    }
    if payload.len() > MAX_PAYLOAD_CHARS {
        return Err(ShareError::TooLarge);
    }
    let packed = base64url_decode(payload)?;
    let json = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&packed, MAX_STATE_BYTES)
        .map_err(|error| match error.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => ShareError::TooLarge,
            miniz_oxide::inflate::TINFLStatus::FailedCannotMakeProgress
            | miniz_oxide::inflate::TINFLStatus::NeedsMoreInput => ShareError::Truncated,
            _ => ShareError::Damaged,
        })?;
    let text = std::str::from_utf8(&json)
        .map_err(|_| ShareError::Invalid("the state is not text".into()))?;
    let state: SharedState = cascade_sim::scenario::read_json(text)
        .map_err(|error| ShareError::Invalid(error.to_string()))?;
    state.check().map_err(ShareError::Invalid)?;
    Ok(Some(state))
}

impl SharedState {
    /// Checks everything replaying the state relies on; the message names the field.
    pub fn check(&self) -> Result<(), String> {
        self.scenario
            .validate()
            .map_err(|error| error.to_string())?;
        if let Some(shared) = &self.story {
            shared
                .story
                .validate()
                .map_err(|error| format!("story.story.{error}"))?;
            if shared.step >= shared.story.steps.len() {
                return Err(format!(
                    "story.step: {} is past the story's {} steps",
                    shared.step,
                    shared.story.steps.len()
                ));
            }
        }
        let started_from = self.started_from.as_ref().unwrap_or(&self.scenario);
        if let Some(started_from) = &self.started_from {
            started_from
                .validate()
                .map_err(|error| format!("started_from: {error}"))?;
            if super::editor::change_between(started_from, &self.scenario)
                == super::editor::Change::Structure
            {
                return Err("started_from: has different services or links than scenario".into());
            }
        }
        if self.at > MAX_SHARED_TIME {
            return Err(format!(
                "at: a link replays at most {} simulated seconds",
                MAX_SHARED_TIME.as_secs_f64()
            ));
        }
        if self.commands.len() > MAX_SHARED_COMMANDS {
            return Err(format!(
                "commands: more than {MAX_SHARED_COMMANDS} commands"
            ));
        }
        let mut previous = SimTime::ZERO;
        for (index, timed) in self.commands.iter().enumerate() {
            if timed.at < previous || timed.at > self.at {
                return Err(format!(
                    "commands[{index}].at: out of order or after the time reached"
                ));
            }
            previous = timed.at;
            started_from
                .check_command(&timed.command)
                .map_err(|problem| format!("commands[{index}].{problem}"))?;
        }
        let (slowest, fastest) = SPEED_RANGE;
        if !(slowest..=fastest).contains(&self.view.speed) {
            return Err(format!(
                "view.speed: must be between {slowest} and {fastest} (times real time)"
            ));
        }
        match &self.view.selected {
            Some(SharedSelection::Node(name)) if self.scenario.node_names().all(|n| n != name) => {
                Err(format!("view.selected: no node is named {name:?}"))
            }
            Some(SharedSelection::Link(index)) if *index >= self.scenario.links.len() => {
                Err(format!("view.selected: there is no link number {index}"))
            }
            _ => Ok(()),
        }
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Appends `bytes` in base64url without padding.
fn base64url_encode(bytes: &[u8], out: &mut String) {
    for chunk in bytes.chunks(3) {
        let word = chunk.iter().enumerate().fold(0u32, |word, (index, byte)| {
            word | u32::from(*byte) << (16 - 8 * index)
        });
        for index in 0..=chunk.len() {
            out.push(char::from(
                ALPHABET[(word >> (18 - 6 * index)) as usize & 63],
            ));
        }
    }
}

/// Reads base64url (padding and whitespace, as a mail client might add, are skipped).
fn base64url_decode(text: &str) -> Result<Vec<u8>, ShareError> {
    let mut bytes = Vec::with_capacity(text.len() * 3 / 4);
    let (mut word, mut bits) = (0u32, 0u32);
    for (position, character) in text.bytes().enumerate() {
        let value = match character {
            b'A'..=b'Z' => character - b'A',
            b'a'..=b'z' => character - b'a' + 26,
            b'0'..=b'9' => character - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            b'=' | b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return Err(ShareError::BadCharacter(position)),
        };
        word = (word << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((word >> bits) as u8);
            word &= (1 << bits) - 1;
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_every_length() {
        for length in 0..40 {
            let bytes: Vec<u8> = (0..length).map(|i| (i * 37 + 11) as u8).collect();
            let mut text = String::new();
            base64url_encode(&bytes, &mut text);
            assert!(!text.contains(['+', '/', '=']));
            assert_eq!(base64url_decode(&text).expect("decodes"), bytes);
        }
        let mut text = String::new();
        base64url_encode(b"Man", &mut text);
        assert_eq!(text, "TWFu", "the RFC 4648 example");
    }

    #[test]
    fn pretty_json_is_the_same_document_in_the_same_order() {
        let scenario = cascade_sim::presets::retry_storm();
        let pretty = pretty_json(&scenario);
        assert!(
            pretty.starts_with("{\n  \"version\": 1,\n  \"name\": "),
            "{pretty}"
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&pretty).expect("valid"),
            serde_json::to_value(&scenario).expect("value")
        );
        let tricky = indent_json(r#"{"a":"x,{}[]:\"\\","b":[],"c":{}}"#);
        assert_eq!(
            tricky,
            "{\n  \"a\": \"x,{}[]:\\\"\\\\\",\n  \"b\": [],\n  \"c\": {}\n}\n"
        );
    }

    #[test]
    fn ordinary_anchors_are_not_share_links() {
        assert_eq!(decode(""), Ok(None));
        assert_eq!(decode("#top"), Ok(None));
    }

    #[test]
    fn each_kind_of_bad_link_says_what_is_wrong() {
        let state = SharedState {
            scenario: cascade_sim::presets::checkout(),
            started_from: None,
            seed: 7,
            commands: Vec::new(),
            at: SimTime::ZERO,
            view: View::default(),
            story: None,
        };
        let link = encode(&state);
        assert_eq!(decode(&link), Ok(Some(state)));
        assert_eq!(decode("share=2.AAAA"), Err(ShareError::FutureVersion(2)));
        assert_eq!(
            decode("share=x.AAAA"),
            Err(ShareError::BadVersion("x".into()))
        );
        assert_eq!(decode(&link[..link.len() - 20]), Err(ShareError::Truncated));
        assert_eq!(
            decode(&format!("{link}*")),
            Err(ShareError::BadCharacter(link.len() - "share=1.".len()))
        );
        // One character changed in the middle: the checksum (or the deflate stream) catches it.
        let mut tampered = link.clone().into_bytes();
        let middle = tampered.len() / 2;
        tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).expect("ascii");
        assert!(matches!(
            decode(&tampered),
            Err(ShareError::Damaged | ShareError::Truncated | ShareError::Invalid(_))
        ));
    }
}
