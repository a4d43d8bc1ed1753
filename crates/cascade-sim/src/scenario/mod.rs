//! The scenario format: what a user builds on the canvas and what the CLI reads from JSON. Every
//! field has a default (a real library's default where one exists), so a hand-written file only
//! says what differs. Invalid input comes back as a [`ScenarioError`] naming the path and the
//! problem.
//!
//! The whole format lives here, engine-free: the topology specs, the validator, the JSON
//! reading helpers, and in [`command`] the commands a scenario schedules as its `faults` (the
//! same commands a command log holds). The engine reads a scenario; a scenario never needs the
//! engine.
//!
//! Why one long file: the specs and their validator are read together (each check names the
//! field it guards, next to its definition), and splitting them would put every rule two files
//! away from what it checks.

pub mod command;
pub mod story;

/// A link's kind is shared vocabulary ([`crate::vocabulary`]); re-exported at its old path.
pub use crate::vocabulary::LinkKind;
pub use command::{Command, TimedCommand};
pub use story::{Annotation, AnnotationKind, Pinned, StepCommand, Story, StoryStep};

use crate::distribution::Distribution;
use crate::policy::{AsyncPolicy, SyncPolicy};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The scenario format version this build writes and reads.
pub const SCENARIO_VERSION: u32 = 1;
/// The most services, load sources and links a scenario may have: far more than a canvas
/// shows (the stress preset has 50 services), and a bound on what a hostile file or link can
/// make the page do.
pub const MAX_NODES: usize = 1_000;
/// See [`MAX_NODES`].
pub const MAX_LINKS: usize = 5_000;
/// The most scheduled faults.
pub const MAX_FAULTS: usize = 10_000;
/// The highest request rate of a load source (base or spike), per second.
pub const MAX_RATE_PER_SECOND: f64 = 1_000_000.0;
/// The most spikes one load source may have.
pub const MAX_SPIKES_PER_SOURCE: usize = 100;
/// The longest name of a node or a queue, in characters: a label on the canvas, not a text.
pub const MAX_NAME_CHARS: usize = 64;
/// The most users of a closed-loop load source (each is a scheduled event from the start).
pub const MAX_CLOSED_LOOP_USERS: u32 = 100_000;
/// The most calls one request of a load source may cause down the links, each link called
/// once per job of its caller (retries not counted): fan-out and duplicate links multiply, so
/// a small file could otherwise ask for billions of calls a request and exhaust memory.
pub const MAX_CALLS_PER_REQUEST: u64 = 10_000;
/// How far from the canvas's corner a node may be drawn, either way, in canvas units (the
/// canvas is 1000 wide): a thousand canvases, where positions beyond made the drawing NaN.
pub const MAX_COORDINATE: f64 = 1_000_000.0;

/// A whole topology: services, load sources and the links between them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Format version; see [`SCENARIO_VERSION`].
    pub version: u32,
    /// A short title.
    pub name: String,
    /// One or two sentences saying what the scenario shows.
    pub description: String,
    /// Services with worker threads.
    pub services: Vec<ServiceSpec>,
    /// Load sources that send requests into the system.
    pub clients: Vec<ClientSpec>,
    /// Calls between nodes, in the order each caller makes them.
    pub links: Vec<LinkSpec>,
    /// Faults and changes that happen on their own at set times (a preset's story). They are
    /// part of the scenario, not of the command log.
    pub faults: Vec<TimedCommand>,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            version: SCENARIO_VERSION,
            name: "Untitled".into(),
            description: String::new(),
            services: Vec::new(),
            clients: Vec::new(),
            links: Vec::new(),
            faults: Vec::new(),
        }
    }
}

/// Where a node is drawn. The simulation ignores it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    /// Horizontal, in canvas units (the canvas is 1000 wide).
    pub x: f64,
    /// Vertical, in canvas units (the canvas is 560 high).
    pub y: f64,
}

/// A service: a pool of worker threads in front of a bounded inbound queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceSpec {
    /// Unique name.
    pub name: String,
    /// Worker threads. Default 10: Hystrix's thread-pool core size.
    pub workers: u32,
    /// Requests that may wait for a worker; one more is rejected (an HTTP 503).
    /// Default 100: Resilience4j's thread-pool bulkhead queue capacity.
    pub queue_capacity: u32,
    /// Local work per request, before the service makes its downstream calls.
    pub service_time: Distribution,
    /// Probability (0 to 1) that a request fails with a 5xx after the local work, before any
    /// downstream call. A failed message is redelivered.
    pub error_rate: f64,
    /// Fraction (0 to 1) of requests that fail here every time they are processed: poison
    /// messages. Which requests are poison depends only on the seed and the request.
    pub poison_rate: f64,
    /// Contention: each request's local work takes this many milliseconds longer for every
    /// request in progress at the service when it starts (itself included), as locks, caches
    /// and garbage collection slow a busy server down. Marc Brooker's collapse model is a
    /// 1 s service time plus 10 ms per concurrent request. Default 0 (no contention).
    pub contention_per_request_ms: f64,
    /// Whether the downstream calls are made one after another or all at once.
    pub call_mode: CallMode,
    /// Where it is drawn.
    pub position: Option<Position>,
}

/// The largest `contention_per_request_ms`: a minute per concurrent request.
pub const MAX_CONTENTION_PER_REQUEST_MS: f64 = 60_000.0;

impl Default for ServiceSpec {
    fn default() -> Self {
        ServiceSpec {
            name: "Service".into(),
            workers: 10,
            queue_capacity: 100,
            service_time: Distribution::Exponential { mean_ms: 20.0 },
            error_rate: 0.0,
            poison_rate: 0.0,
            contention_per_request_ms: 0.0,
            call_mode: CallMode::Sequential,
            position: None,
        }
    }
}

impl ServiceSpec {
    /// Checks the knobs (everything but the name); the message starts with the field name.
    /// The scenario validator and run-time updates share it.
    pub fn validate_knobs(&self) -> Result<(), String> {
        if self.workers == 0 {
            return Err("workers: must be at least 1".into());
        }
        if !(0.0..=1.0).contains(&self.poison_rate) {
            return Err("poison_rate: must be between 0 and 1".into());
        }
        if !(0.0..=1.0).contains(&self.error_rate) {
            return Err("error_rate: must be between 0 and 1".into());
        }
        if !(0.0..=MAX_CONTENTION_PER_REQUEST_MS).contains(&self.contention_per_request_ms) {
            return Err(format!(
                "contention_per_request_ms: must be between 0 and {MAX_CONTENTION_PER_REQUEST_MS}"
            ));
        }
        self.service_time
            .validate()
            .map_err(|problem| format!("service_time.{problem}"))
    }
}

/// How a service makes its downstream calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallMode {
    /// In link order; a failed call (after its retries) fails the request and skips the rest.
    #[default]
    Sequential,
    /// All at once; the request waits for every call and fails if any failed.
    Parallel,
}

/// How a load source spaces its requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arrival {
    /// Exponential gaps: independent users (an open-loop Poisson process).
    #[default]
    Poisson,
    /// Evenly spaced.
    Constant,
}

/// A load source. Open loop (the default): requests arrive at `rate_per_second` whatever
/// happens to earlier ones, which is what makes retry storms possible. Closed loop (set
/// `closed_loop_users`): each user sends a request, waits for its outcome, thinks, repeats.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientSpec {
    /// Unique name (shared with services).
    pub name: String,
    /// Open loop: requests per simulated second.
    pub rate_per_second: f64,
    /// Open loop: spacing of requests.
    pub arrival: Arrival,
    /// Open loop: periods with a different rate.
    pub spikes: Vec<Spike>,
    /// Closed loop: number of users; 0 means open loop.
    pub closed_loop_users: u32,
    /// Closed loop: pause between a user's outcome and their next request.
    pub think_time: Distribution,
    /// Where it is drawn.
    pub position: Option<Position>,
}

impl Default for ClientSpec {
    fn default() -> Self {
        ClientSpec {
            name: "Client".into(),
            rate_per_second: 20.0,
            arrival: Arrival::Poisson,
            spikes: Vec::new(),
            closed_loop_users: 0,
            think_time: Distribution::Exponential { mean_ms: 1_000.0 },
            position: None,
        }
    }
}

impl ClientSpec {
    /// The open-loop rate at `at_ms` milliseconds since the start (the last matching spike
    /// wins).
    pub fn rate_at(&self, at_ms: f64) -> f64 {
        self.spikes
            .iter()
            .rev()
            .find(|spike| at_ms >= spike.at_ms && at_ms < spike.at_ms + spike.duration_ms)
            .map_or(self.rate_per_second, |spike| spike.rate_per_second)
    }
}

/// A period during which an open-loop source sends at another rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spike {
    /// Start, in milliseconds since the start of the run.
    pub at_ms: f64,
    /// Length in milliseconds.
    pub duration_ms: f64,
    /// Requests per second during the spike.
    pub rate_per_second: f64,
}

/// A directed link from a caller to a callee. Both policies are kept, so flipping the kind
/// keeps every knob.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkSpec {
    /// The caller's name.
    pub from: String,
    /// The callee's name.
    pub to: String,
    /// Sync or async.
    pub kind: LinkKind,
    /// One-way network latency.
    pub latency: Distribution,
    /// Used while the link is sync.
    pub sync: SyncPolicy,
    /// Used while the link is async.
    #[serde(rename = "async")]
    pub async_policy: AsyncPolicy,
}

impl Default for LinkSpec {
    fn default() -> Self {
        LinkSpec {
            from: String::new(),
            to: String::new(),
            kind: LinkKind::Sync,
            latency: Distribution::Constant { ms: 1.0 },
            sync: SyncPolicy::default(),
            async_policy: AsyncPolicy::default(),
        }
    }
}

/// A scenario that cannot run, with the path of the offending field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct ScenarioError {
    /// Where, e.g. `links[2].sync.timeout_ms`.
    pub path: String,
    /// What is wrong.
    pub problem: String,
}

impl ScenarioError {
    pub(crate) fn new(path: impl Into<String>, problem: impl Into<String>) -> Self {
        ScenarioError {
            path: escape_control(&path.into()),
            problem: escape_control(&problem.into()),
        }
    }
}

/// `text` with every control character written as an escape (`\n`, `\t`, `\u{1b}`), so that
/// a message quoting user input stays on one line and cannot move a terminal's cursor.
pub fn escape_control(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        match character {
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            control if control.is_control() => {
                escaped.push_str(&format!("\\u{{{:x}}}", u32::from(control)));
            }
            other => escaped.push(other),
        }
    }
    escaped
}

/// Reads a JSON document into `T`; an error names the path of the field and the problem.
#[inline]
pub fn read_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ScenarioError> {
    serde_json::from_str(text).map_err(|error| json_error(text, &error))
}

/// A JSON error as a path and a problem. serde_json says where (line and column) and what; the
/// path is found by walking the text to that place, which keeps the deserialising code one
/// plain instantiation per type (the browser bundle is measured in KB).
pub fn json_error(text: &str, error: &serde_json::Error) -> ScenarioError {
    let message = error.to_string();
    let problem = match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_string(),
        None => message,
    };
    let path = json_path_at(text, error.line(), error.column());
    ScenarioError::new(
        if path.is_empty() {
            "(document)".to_string()
        } else {
            path
        },
        problem,
    )
}

/// The path (`services[0].workers`) of the value being read at a 1-based line and byte column
/// (serde_json counts columns in bytes).
fn json_path_at(text: &str, line: usize, column: usize) -> String {
    enum Frame {
        Object {
            key: Option<String>,
            expect_key: bool,
        },
        Array {
            index: usize,
        },
    }
    let mut stack: Vec<Frame> = Vec::new();
    let (mut at_line, mut at_column) = (1, 0);
    let mut bytes = text.bytes();
    while let Some(byte) = bytes.next() {
        if byte == b'\n' {
            at_line += 1;
            at_column = 0;
        } else {
            at_column += 1;
        }
        if at_line > line || (at_line == line && at_column >= column) {
            break;
        }
        match byte {
            b'{' => stack.push(Frame::Object {
                key: None,
                expect_key: true,
            }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { expect_key, .. }) => *expect_key = true,
                None => {}
            },
            b':' => {
                if let Some(Frame::Object { expect_key, .. }) = stack.last_mut() {
                    *expect_key = false;
                }
            }
            b'"' => {
                let mut string = Vec::new();
                let mut escaped = false;
                for inner in bytes.by_ref() {
                    at_column += 1;
                    match inner {
                        _ if escaped => {
                            escaped = false;
                            string.push(inner);
                        }
                        b'\\' => escaped = true,
                        b'"' => break,
                        _ => string.push(inner),
                    }
                }
                if let Some(Frame::Object { key, expect_key }) = stack.last_mut() {
                    if *expect_key {
                        *key = Some(String::from_utf8_lossy(&string).into_owned());
                    }
                }
            }
            _ => {}
        }
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(key), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Frame::Object { key: None, .. } => {}
            Frame::Array { index } => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

impl Scenario {
    /// Parses JSON and validates it.
    // Inlined, so the deserialising code is generated in the calling crate: the browser app
    // builds it for size, while this crate is built for speed.
    #[inline]
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = read_json(text)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// The names of every node (clients first, then services), in id order.
    pub fn node_names(&self) -> impl Iterator<Item = &str> {
        self.clients
            .iter()
            .map(|c| c.name.as_str())
            .chain(self.services.iter().map(|s| s.name.as_str()))
    }

    /// Checks everything the engine relies on.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.version != SCENARIO_VERSION {
            return Err(ScenarioError::new(
                "version",
                format!(
                    "this build reads version {SCENARIO_VERSION}, the file says {}",
                    self.version
                ),
            ));
        }
        for (field, count, most) in [
            (
                "services",
                self.services.len() + self.clients.len(),
                MAX_NODES,
            ),
            ("links", self.links.len(), MAX_LINKS),
            ("faults", self.faults.len(), MAX_FAULTS),
        ] {
            if count > most {
                return Err(ScenarioError::new(
                    field,
                    format!("{count} is more than this playground handles ({most})"),
                ));
            }
        }
        let mut names: BTreeMap<&str, bool> = BTreeMap::new(); // name -> is a client
        let (mut open_loop_rate, mut closed_loop_users) = (0.0, 0u64);
        for (index, client) in self.clients.iter().enumerate() {
            let path = format!("clients[{index}]");
            check_name(&path, &client.name, &mut names, true)?;
            check_position(&path, client.position)?;
            if !(client.rate_per_second.is_finite() && client.rate_per_second >= 0.0) {
                return Err(ScenarioError::new(
                    format!("{path}.rate_per_second"),
                    "must be a finite number of at least 0",
                ));
            }
            if client.spikes.len() > MAX_SPIKES_PER_SOURCE {
                return Err(ScenarioError::new(
                    format!("{path}.spikes"),
                    format!(
                        "{} spikes; a load source has at most {MAX_SPIKES_PER_SOURCE}",
                        client.spikes.len()
                    ),
                ));
            }
            if client.closed_loop_users > MAX_CLOSED_LOOP_USERS {
                return Err(ScenarioError::new(
                    format!("{path}.closed_loop_users"),
                    format!("at most {MAX_CLOSED_LOOP_USERS}"),
                ));
            }
            for (spike_index, spike) in client.spikes.iter().enumerate() {
                let spike_path = format!("{path}.spikes[{spike_index}]");
                for (field, value) in [
                    ("at_ms", spike.at_ms),
                    ("duration_ms", spike.duration_ms),
                    ("rate_per_second", spike.rate_per_second),
                ] {
                    if !(value.is_finite() && value >= 0.0) {
                        return Err(ScenarioError::new(
                            format!("{spike_path}.{field}"),
                            "must be a finite number of at least 0",
                        ));
                    }
                }
            }
            // Every open-loop source at its highest rate, spikes included, together.
            if client.closed_loop_users == 0 {
                let (field, highest) = client.spikes.iter().enumerate().fold(
                    ("rate_per_second".to_string(), client.rate_per_second),
                    |(field, highest), (spike_index, spike)| {
                        if spike.rate_per_second > highest {
                            let field = format!("spikes[{spike_index}].rate_per_second");
                            (field, spike.rate_per_second)
                        } else {
                            (field, highest)
                        }
                    },
                );
                open_loop_rate += highest;
                if open_loop_rate > MAX_RATE_PER_SECOND {
                    return Err(ScenarioError::new(
                        format!("{path}.{field}"),
                        format!(
                            "all load sources together send at most {MAX_RATE_PER_SECOND} \
                             requests per second (each at its highest rate, spikes included)"
                        ),
                    ));
                }
            } else {
                closed_loop_users += u64::from(client.closed_loop_users);
                if closed_loop_users > u64::from(MAX_CLOSED_LOOP_USERS) {
                    return Err(ScenarioError::new(
                        format!("{path}.closed_loop_users"),
                        format!(
                            "all load sources together have at most {MAX_CLOSED_LOOP_USERS} users"
                        ),
                    ));
                }
            }
            client
                .think_time
                .validate()
                .map_err(|problem| nested(&format!("{path}.think_time"), &problem))?;
        }
        for (index, service) in self.services.iter().enumerate() {
            let path = format!("services[{index}]");
            check_name(&path, &service.name, &mut names, false)?;
            check_position(&path, service.position)?;
            service
                .validate_knobs()
                .map_err(|problem| nested(&path, &problem))?;
        }
        let mut queue_consumers: BTreeMap<String, &str> = BTreeMap::new();
        for (index, link) in self.links.iter().enumerate() {
            let path = format!("links[{index}]");
            if !names.contains_key(link.from.as_str()) {
                return Err(ScenarioError::new(
                    format!("{path}.from"),
                    format!("no client or service is named {:?}", link.from),
                ));
            }
            match names.get(link.to.as_str()) {
                None => {
                    return Err(ScenarioError::new(
                        format!("{path}.to"),
                        format!("no service is named {:?}", link.to),
                    ))
                }
                Some(true) => {
                    return Err(ScenarioError::new(
                        format!("{path}.to"),
                        format!(
                            "{:?} is a load source; links can only point at services",
                            link.to
                        ),
                    ))
                }
                Some(false) => {}
            }
            if link.from == link.to {
                return Err(ScenarioError::new(
                    format!("{path}.to"),
                    "a service cannot call itself",
                ));
            }
            if let Some(queue) = &link.async_policy.queue {
                check_name_length(&format!("{path}.async.queue"), queue)?;
            }
            link.latency
                .validate()
                .map_err(|problem| nested(&format!("{path}.latency"), &problem))?;
            link.sync
                .validate()
                .map_err(|problem| nested(&format!("{path}.sync"), &problem))?;
            link.async_policy
                .validate()
                .map_err(|problem| nested(&format!("{path}.async"), &problem))?;
            let queue = link.async_policy.queue_name(&link.to);
            if let Some(consumer) = queue_consumers.insert(queue.clone(), link.to.as_str()) {
                if consumer != link.to {
                    return Err(ScenarioError::new(
                        format!("{path}.async.queue"),
                        format!("queue {queue:?} is already consumed by {consumer:?}"),
                    ));
                }
            }
        }
        if let Some(index) = self.first_link_closing_a_cycle() {
            return Err(ScenarioError::new(
                format!("links[{index}]"),
                "the calls form a cycle; every request would call itself forever",
            ));
        }
        // Load sources come first among the nodes.
        let calls_below = self.calls_below_each_node();
        for (index, calls) in calls_below.into_iter().take(self.clients.len()).enumerate() {
            if calls > MAX_CALLS_PER_REQUEST {
                return Err(ScenarioError::new(
                    format!("clients[{index}]"),
                    format!(
                        "one request would make {calls} calls down the links (fan-out and \
                         duplicate links multiply); at most {MAX_CALLS_PER_REQUEST}"
                    ),
                ));
            }
        }
        for (index, fault) in self.faults.iter().enumerate() {
            self.check_command(&fault.command)
                .map_err(|problem| nested(&format!("faults[{index}]"), &problem))?;
        }
        Ok(())
    }

    /// Checks that a command names things this scenario has, and the values it carries.
    pub fn check_command(&self, command: &Command) -> Result<(), String> {
        let service = |name: &str| {
            if self.services.iter().any(|service| service.name == name) {
                Ok(())
            } else {
                Err(format!("node: no service is named {name:?}"))
            }
        };
        let link = |index: u32| {
            if (index as usize) < self.links.len() {
                Ok(())
            } else {
                Err(format!("link: there is no link number {index}"))
            }
        };
        match command {
            Command::Kill { node }
            | Command::Revive { node }
            | Command::Freeze { node }
            | Command::Slow { node, .. }
            | Command::SetErrorRate { node, .. } => {
                service(node).and_then(|()| command.check_values())
            }
            Command::Partition { link: index }
            | Command::Heal { link: index }
            | Command::SetLinkKind { link: index, .. }
            | Command::UpdateLink { link: index, .. } => link(*index),
            Command::UpdateService { spec } => service(&spec.name),
            Command::UpdateClient { spec } => {
                if self.clients.iter().any(|client| client.name == spec.name) {
                    Ok(())
                } else {
                    Err(format!(
                        "spec.name: no load source is named {:?}",
                        spec.name
                    ))
                }
            }
            Command::KillBroker | Command::ReviveBroker => Ok(()),
        }
    }

    /// The calls one job of each node causes down the links (indexed like
    /// [`Scenario::node_names`]), each link called once per job of its caller (saturating).
    /// The links must form no cycle. One depth-first pass: each node is counted once.
    fn calls_below_each_node(&self) -> Vec<u64> {
        let mut names: BTreeMap<&str, usize> = BTreeMap::new();
        for (index, name) in self.node_names().enumerate() {
            names.insert(name, index);
        }
        let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
        for link in &self.links {
            if let (Some(&from), Some(&to)) =
                (names.get(link.from.as_str()), names.get(link.to.as_str()))
            {
                outgoing[from].push(to);
            }
        }
        let mut below: Vec<Option<u64>> = vec![None; names.len()];
        for start in 0..names.len() {
            // An explicit stack of (node, next link, calls so far): no recursion depth limit.
            let mut stack = vec![(start, 0usize, 0u64)];
            while let Some((node, cursor, calls)) = stack.pop() {
                if below[node].is_some() {
                    continue;
                }
                match outgoing[node].get(cursor) {
                    None => below[node] = Some(calls),
                    Some(&target) => match below[target] {
                        Some(further) => stack.push((
                            node,
                            cursor + 1,
                            calls.saturating_add(1).saturating_add(further),
                        )),
                        None => {
                            stack.push((node, cursor, calls));
                            stack.push((target, 0, 0));
                        }
                    },
                }
            }
        }
        below.into_iter().map(|calls| calls.unwrap_or(0)).collect()
    }

    /// The index of a link that closes a cycle of calls, if any (depth-first search).
    fn first_link_closing_a_cycle(&self) -> Option<usize> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            Unvisited,
            OnPath,
            Done,
        }
        let mut names: BTreeMap<&str, usize> = BTreeMap::new();
        for (index, name) in self.node_names().enumerate() {
            names.insert(name, index);
        }
        // Outgoing links per node, in scenario order: the search is linear in nodes + links.
        let mut outgoing: Vec<Vec<(usize, usize)>> = vec![Vec::new(); names.len()];
        for (link_index, link) in self.links.iter().enumerate() {
            let (Some(&from), Some(&to)) =
                (names.get(link.from.as_str()), names.get(link.to.as_str()))
            else {
                continue;
            };
            outgoing[from].push((link_index, to));
        }
        let mut marks = vec![Mark::Unvisited; names.len()];
        // Explicit stack of (node, next outgoing link to look at): no recursion depth limit.
        for start in 0..names.len() {
            if marks[start] != Mark::Unvisited {
                continue;
            }
            let mut stack = vec![(start, 0usize)];
            marks[start] = Mark::OnPath;
            while let Some((node, cursor)) = stack.pop() {
                match outgoing[node].get(cursor) {
                    None => marks[node] = Mark::Done,
                    Some(&(link_index, target)) => {
                        stack.push((node, cursor + 1));
                        match marks[target] {
                            Mark::OnPath => return Some(link_index),
                            Mark::Unvisited => {
                                marks[target] = Mark::OnPath;
                                stack.push((target, 0));
                            }
                            Mark::Done => {}
                        }
                    }
                }
            }
        }
        None
    }
}

fn check_position(path: &str, position: Option<Position>) -> Result<(), ScenarioError> {
    match position {
        Some(Position { x, y })
            if !(x.is_finite() && y.is_finite())
                || x.abs() > MAX_COORDINATE
                || y.abs() > MAX_COORDINATE =>
        {
            Err(ScenarioError::new(
                format!("{path}.position"),
                format!(
                    "x and y must be finite numbers from -{MAX_COORDINATE} to {MAX_COORDINATE}"
                ),
            ))
        }
        _ => Ok(()),
    }
}

fn check_name<'a>(
    path: &str,
    name: &'a str,
    names: &mut BTreeMap<&'a str, bool>,
    is_client: bool,
) -> Result<(), ScenarioError> {
    if name.trim().is_empty() {
        return Err(ScenarioError::new(
            format!("{path}.name"),
            "must not be empty",
        ));
    }
    check_name_length(&format!("{path}.name"), name)?;
    if names.insert(name, is_client).is_some() {
        return Err(ScenarioError::new(
            format!("{path}.name"),
            format!("{name:?} is used by another node; names must be unique"),
        ));
    }
    Ok(())
}

/// Refuses a name longer than [`MAX_NAME_CHARS`].
fn check_name_length(path: &str, name: &str) -> Result<(), ScenarioError> {
    let length = name.chars().count();
    if length > MAX_NAME_CHARS {
        return Err(ScenarioError::new(
            path,
            format!("is {length} characters long; names are at most {MAX_NAME_CHARS}"),
        ));
    }
    Ok(())
}

/// Prefixes a "field: problem" message from a sub-validator with the parent path.
fn nested(parent: &str, problem: &str) -> ScenarioError {
    match problem.split_once(": ") {
        Some((field, rest)) => ScenarioError::new(format!("{parent}.{field}"), rest),
        None => ScenarioError::new(parent, problem),
    }
}

#[cfg(test)]
mod json_error_tests {
    use super::*;

    fn error_of(text: &str) -> String {
        Scenario::from_json(text).expect_err("invalid").to_string()
    }

    #[test]
    fn one_request_makes_at_most_ten_thousand_calls() {
        // Four layers joined by 30 duplicate links each: 30 + 900 + 27,000 calls a request.
        let mut links = vec![r#"{"from": "U", "to": "A"}"#.to_string()];
        for (from, to) in [("A", "B"), ("B", "C"), ("C", "D")] {
            for _ in 0..30 {
                links.push(format!(r#"{{"from": "{from}", "to": "{to}"}}"#));
            }
        }
        let text = |links: &[String]| {
            format!(
                r#"{{"clients": [{{"name": "U"}}], "services": [{{"name": "A"}}, {{"name": "B"}},
                    {{"name": "C"}}, {{"name": "D"}}], "links": [{}]}}"#,
                links.join(",")
            )
        };
        let error = error_of(&text(&links));
        assert_eq!(
            error,
            "clients[0]: one request would make 27931 calls down the links (fan-out and \
             duplicate links multiply); at most 10000"
        );
        // Without the last layer: 1 + 30 + 900 calls.
        let read = Scenario::from_json(&text(&links[..61])).expect("931 calls");
        assert_eq!(
            read.calls_below_each_node()[0],
            931,
            "U, the load source, comes first"
        );
    }

    #[test]
    fn a_scheduled_fault_is_checked_for_its_values() {
        let error = error_of(
            r#"{"services": [{"name": "A"}],
                "faults": [{"at": 1, "command": "slow", "node": "A", "factor": 0}]}"#,
        );
        assert_eq!(error, "faults[0].factor: must be greater than 0");
        let error = error_of(
            r#"{"services": [{"name": "A"}],
                "faults": [{"at": 1, "command": "set_error_rate", "node": "A", "error_rate": 5}]}"#,
        );
        assert_eq!(error, "faults[0].error_rate: must be between 0 and 1");
    }

    #[test]
    fn positions_are_finite_and_within_a_thousand_canvases() {
        let error =
            error_of(r#"{"clients": [{"name": "U", "position": {"x": 1.7e308, "y": 1.7e308}}]}"#);
        assert!(
            error.starts_with("clients[0].position: x and y must be finite"),
            "{error}"
        );
        let error =
            error_of(r#"{"services": [{"name": "A", "position": {"x": 10, "y": -1000001}}]}"#);
        assert!(error.starts_with("services[0].position: "), "{error}");
        Scenario::from_json(
            r#"{"services": [{"name": "A", "position": {"x": -1000000, "y": 1000000}}]}"#,
        )
        .expect("at the edge");
    }

    #[test]
    fn json_errors_name_the_path_of_the_field() {
        let text = "{\n  \"name\": \"x\",\n  \"services\": [\n    {\"name\": \"A\"},\n    {\"name\": \"B\", \"workers\": -3}\n  ]\n}";
        let error = error_of(text);
        assert!(
            error.starts_with("services[1].workers: invalid value"),
            "{error}"
        );
        let error = error_of(
            r#"{"services": [{"name": "A", "service_time": {"kind": "constant", "ms": "slow"}}]}"#,
        );
        assert!(
            error.starts_with("services[0].service_time.ms: invalid type: string \"slow\""),
            "{error}"
        );
        let error = error_of(
            r#"{"services": [{"name": "A", "service_time": {"mean_ms": 3, "kind": "constant", "ms": 2}}]}"#,
        );
        assert!(
            error.starts_with(
                "services[0].service_time: unknown field `mean_ms` for kind `constant`"
            ),
            "{error}"
        );
        let error = error_of(
            r#"{"services": [{"name": "A", "service_time": {"kind": "log_normal", "median_ms": 3}}]}"#,
        );
        assert!(
            error.contains("missing field `p99_ms` for kind `log_normal`"),
            "{error}"
        );
        let read: Scenario = read_json(r#"{"services": [{"name": "A", "service_time": {"p99_ms": 9, "median_ms": 3, "kind": "log_normal"}}]}"#).expect("any order");
        assert_eq!(
            read.services[0].service_time,
            Distribution::LogNormal {
                median_ms: 3.0,
                p99_ms: 9.0
            }
        );
        let error = error_of(
            r#"{"links": [{"from": "a", "to": "b", "sync": {"timeout_ms": 5, "max_attempts": "x"}}]}"#,
        );
        assert!(error.starts_with("links[0].sync.max_attempts:"), "{error}");
        // Columns are bytes: text before the error in other scripts does not move the path.
        let error = error_of(
            r#"{"name": "ééééééééééééééééééééé", "services": [{"name": "A", "workers": -1}], "links": []}"#,
        );
        assert!(error.starts_with("services[0].workers:"), "{error}");
        let error =
            error_of(r#"{"name": "ünïcödé \"quotes\" and [brackets] {", "version": "one"}"#);
        assert!(error.starts_with("version: invalid type"), "{error}");
        let error = error_of("\"seven\"");
        assert!(error.starts_with("(document): invalid type"), "{error}");
        let error = error_of(r#"{"services": [{"name": "A"}"#);
        assert!(error.contains("EOF"), "{error}");
    }
}
