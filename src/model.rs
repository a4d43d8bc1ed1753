//! The app's web-free model: the running simulation with its play state, and the geometry that
//! places nodes, links, queues and moving messages on the canvas. Tested natively; the Yew
//! components only read it and send it commands.

use cascade_sim::{
    Command, CommandError, InFlight, LinkKind, NodeId, RunOutcome, Scenario, ScenarioError,
    SimDuration, SimTime, Simulation, TraceKind, TraceRetention,
};
use std::collections::VecDeque;

/// Canvas width in layout units; the SVG view box and the dot layer share it.
pub const CANVAS_WIDTH: f64 = 1000.0;
/// Canvas height in layout units.
pub const CANVAS_HEIGHT: f64 = 560.0;
/// A node's box.
pub const NODE_WIDTH: f64 = 170.0;
/// A node's box.
pub const NODE_HEIGHT: f64 = 92.0;
/// A broker queue's box, drawn halfway along an async link.
pub const QUEUE_WIDTH: f64 = 120.0;
/// A broker queue's box.
pub const QUEUE_HEIGHT: f64 = 40.0;
/// Distance between the request lane and the response lane of a link.
const LANE_OFFSET: f64 = 6.0;
/// Longest wall-clock step one frame may simulate, so a background tab does not jump ahead.
const MAX_FRAME_MS: f64 = 100.0;
/// Events one frame may handle: a retry storm slows the simulation, never the page.
pub const FRAME_EVENT_BUDGET: u64 = 200_000;
/// Speeds offered in the UI's quick menu (the slider covers 0.01x to 100x).
pub const SPEEDS: [f64; 9] = [0.01, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0];
/// Rates are averaged over this many time-series samples (two simulated seconds).
const RATE_WINDOW_SAMPLES: usize = 8;
/// Simulated time one press of "step" advances.
pub const STEP: SimDuration = SimDuration::from_millis(100);

/// A point on the canvas.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Point {
    /// Horizontal.
    pub x: f64,
    /// Vertical.
    pub y: f64,
}

impl Point {
    /// The point `fraction` of the way to `other`.
    pub fn lerp(self, other: Point, fraction: f64) -> Point {
        Point {
            x: self.x + (other.x - self.x) * fraction,
            y: self.y + (other.y - self.y) * fraction,
        }
    }
}

/// Where every node is drawn, indexed like the engine's node ids (clients first).
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    centers: Vec<Point>,
    links: Vec<(NodeId, NodeId)>,
    /// Each leg's segment and lane offset per link, computed once: thousands of dots a frame
    /// are placed with a lerp each.
    legs: Vec<[Segment; 4]>,
}

/// Where one leg of a link runs, already shifted onto its lane.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Segment {
    from: Point,
    to: Point,
}

impl Layout {
    /// Positions from the scenario; nodes without one are placed in columns by call depth.
    pub fn new(scenario: &Scenario) -> Self {
        let names: Vec<&str> = scenario.node_names().collect();
        let positions: Vec<Option<cascade_sim::Position>> = scenario
            .clients
            .iter()
            .map(|client| client.position)
            .chain(scenario.services.iter().map(|service| service.position))
            .collect();
        let id_of = |name: &str| NodeId(names.iter().position(|n| *n == name).unwrap_or(0) as u32);
        let links: Vec<(NodeId, NodeId)> = scenario
            .links
            .iter()
            .map(|link| (id_of(&link.from), id_of(&link.to)))
            .collect();
        // Depth = longest chain of calls leading to the node (the scenario has no cycles).
        let mut depth = vec![0usize; names.len()];
        for _ in 0..names.len() {
            for (from, to) in &links {
                depth[to.index()] = depth[to.index()].max(depth[from.index()] + 1);
            }
        }
        let columns = depth.iter().max().map_or(1, |deepest| deepest + 1);
        let mut row_in_column = vec![0usize; columns];
        let per_column: Vec<usize> = (0..columns)
            .map(|column| depth.iter().filter(|d| **d == column).count())
            .collect();
        let centers = positions
            .iter()
            .enumerate()
            .map(|(index, position)| {
                let column = depth[index];
                let row = row_in_column[column];
                row_in_column[column] += 1;
                match position {
                    Some(position) => Point {
                        x: position.x,
                        y: position.y,
                    },
                    None => Point {
                        x: CANVAS_WIDTH * (column as f64 + 0.5) / columns as f64,
                        y: CANVAS_HEIGHT * (row as f64 + 0.5) / per_column[column] as f64,
                    },
                }
            })
            .collect();
        let mut layout = Layout {
            centers,
            links,
            legs: Vec::new(),
        };
        layout.legs = (0..layout.links.len())
            .map(|link| layout.compute_legs(link))
            .collect();
        layout
    }

    /// The node whose box contains `point`, if any (the topmost, i.e. the last drawn).
    pub fn node_at(&self, point: Point) -> Option<NodeId> {
        (0..self.centers.len())
            .rev()
            .map(|index| NodeId(index as u32))
            .find(|node| {
                let center = self.center(*node);
                (point.x - center.x).abs() <= NODE_WIDTH / 2.0
                    && (point.y - center.y).abs() <= NODE_HEIGHT / 2.0
            })
    }

    /// The centre of a node.
    pub fn center(&self, node: NodeId) -> Point {
        self.centers[node.index()]
    }

    /// Where a link's line starts and ends: on the borders of the two boxes.
    pub fn link_ends(&self, link: usize) -> (Point, Point) {
        let (from, to) = self.links[link];
        let (a, b) = (self.center(from), self.center(to));
        (
            clip_to_box(a, b, NODE_WIDTH, NODE_HEIGHT),
            clip_to_box(b, a, NODE_WIDTH, NODE_HEIGHT),
        )
    }

    /// The centre of the broker queue drawn on an async link.
    pub fn queue_center(&self, link: usize) -> Point {
        let (start, end) = self.link_ends(link);
        start.lerp(end, 0.5)
    }

    /// Where a transmission is at `now`: interpolated along its leg, requests and responses on
    /// two parallel lanes so they do not hide each other.
    pub fn in_flight_position(&self, in_flight: &InFlight, now: SimTime) -> Point {
        let total = in_flight
            .arrives_at
            .since(in_flight.sent_at)
            .as_micros()
            .max(1) as f64;
        let fraction = (now.since(in_flight.sent_at).as_micros() as f64 / total).clamp(0.0, 1.0);
        let leg = match in_flight.leg {
            cascade_sim::Leg::Forward => 0,
            cascade_sim::Leg::Back => 1,
            cascade_sim::Leg::ToBroker => 2,
            cascade_sim::Leg::FromBroker => 3,
        };
        let segment = self.legs[in_flight.link.index()][leg];
        segment.from.lerp(segment.to, fraction)
    }

    /// The four legs of a link: request and response lanes, and the two halves through the
    /// queue box.
    fn compute_legs(&self, link: usize) -> [Segment; 4] {
        let (start, end) = self.link_ends(link);
        let middle = self.queue_center(link);
        let on_lane = |from: Point, to: Point, lane: f64| {
            let (dx, dy) = (to.x - from.x, to.y - from.y);
            let length = (dx * dx + dy * dy).sqrt().max(1e-9);
            // Perpendicular to the direction of travel: each direction gets its own lane.
            let shift = Point {
                x: -dy / length * lane,
                y: dx / length * lane,
            };
            Segment {
                from: Point {
                    x: from.x + shift.x,
                    y: from.y + shift.y,
                },
                to: Point {
                    x: to.x + shift.x,
                    y: to.y + shift.y,
                },
            }
        };
        [
            on_lane(start, end, -LANE_OFFSET),
            on_lane(end, start, -LANE_OFFSET),
            on_lane(
                start,
                clip_to_box(middle, start, QUEUE_WIDTH, QUEUE_HEIGHT),
                0.0,
            ),
            on_lane(
                clip_to_box(middle, end, QUEUE_WIDTH, QUEUE_HEIGHT),
                end,
                0.0,
            ),
        ]
    }
}

/// The point where the segment from the centre `inside` towards `outside` leaves a box.
fn clip_to_box(inside: Point, outside: Point, width: f64, height: f64) -> Point {
    let (dx, dy) = (outside.x - inside.x, outside.y - inside.y);
    if dx == 0.0 && dy == 0.0 {
        return inside;
    }
    let scale_x = if dx == 0.0 {
        f64::INFINITY
    } else {
        (width / 2.0) / dx.abs()
    };
    let scale_y = if dy == 0.0 {
        f64::INFINITY
    } else {
        (height / 2.0) / dy.abs()
    };
    let scale = scale_x.min(scale_y).min(1.0);
    Point {
        x: inside.x + dx * scale,
        y: inside.y + dy * scale,
    }
}

/// Successes and failures per simulated second over the last two seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rates {
    /// Client requests answered successfully per second.
    pub succeeded_per_second: f64,
    /// Client requests failed per second.
    pub failed_per_second: f64,
}

/// How serious a log entry is, for its colour and the filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// A fault or a failure-handling mechanism kicking in.
    Bad,
    /// Recovery.
    Good,
    /// A change the user or the scenario made.
    Info,
}

/// One notable thing that happened, in words.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    /// When.
    pub at: SimTime,
    /// The client request it is about, if any (its path can be shown).
    pub request: Option<cascade_sim::RequestId>,
    /// What, for a person.
    pub text: String,
    /// How serious.
    pub severity: Severity,
}

/// Which log entries are shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFilter {
    /// Everything.
    #[default]
    All,
    /// Faults, failures, breakers opening, dead letters.
    Problems,
    /// Recoveries and changes.
    Recoveries,
}

impl LogFilter {
    /// Whether an entry passes.
    pub fn shows(self, entry: &LogEntry) -> bool {
        match self {
            LogFilter::All => true,
            LogFilter::Problems => entry.severity == Severity::Bad,
            LogFilter::Recoveries => entry.severity != Severity::Bad,
        }
    }
}

/// Entries the event log keeps.
pub const LOG_CAPACITY: usize = 200;

/// One line of a chart: a value per sample, with its time in seconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Chart {
    /// Title with unit.
    pub title: String,
    /// (simulated seconds, value) pairs, oldest first.
    pub points: Vec<(f64, f64)>,
}

/// What the last two charts follow.
enum Focus {
    /// A node: name and index.
    Node(String, usize),
    /// A queue: name and index.
    Queue(String, usize),
}

/// The simulation as the UI drives it: scenario, seed, play state and speed.
pub struct Runner {
    scenario: Scenario,
    /// The scenario the running simulation started from (the command log holds what changed
    /// since): with the seed and the log, a full reproduction.
    started_from: Scenario,
    seed: u64,
    simulation: Simulation,
    layout: Layout,
    /// True while time advances.
    pub playing: bool,
    /// Simulated seconds per wall-clock second.
    pub speed: f64,
    in_flight: Vec<InFlight>,
    log: VecDeque<LogEntry>,
    /// While true, new log entries are not added (the log can be read calmly).
    pub log_paused: bool,
    /// Which entries the log shows.
    pub log_filter: LogFilter,
    history: crate::editor::History,
    /// What the inspector shows.
    pub selected: Option<Selection>,
    /// The most recent trace events, for following one request's path.
    recent: VecDeque<cascade_sim::TraceEvent>,
    /// The request whose path is shown.
    pub inspected: Option<cascade_sim::RequestId>,
    /// Set when the run cannot get past one instant: said on screen, and the run is paused.
    stalled: Option<String>,
}

/// Trace events kept for request paths.
const RECENT_EVENTS: usize = 30_000;

/// What is selected on the canvas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// A service or load source, by name.
    Node(String),
    /// A link, by index.
    Link(usize),
}

impl Runner {
    /// A runner at time zero, playing at half speed.
    pub fn new(scenario: Scenario, seed: u64) -> Result<Self, ScenarioError> {
        let simulation = Simulation::new(&scenario, seed, TraceRetention::Everything)?;
        let layout = Layout::new(&scenario);
        Ok(Runner {
            started_from: scenario.clone(),
            scenario,
            seed,
            simulation,
            layout,
            playing: true,
            speed: 0.5,
            in_flight: Vec::new(),
            log: VecDeque::new(),
            log_paused: false,
            log_filter: LogFilter::All,
            history: crate::editor::History::default(),
            selected: None,
            recent: VecDeque::new(),
            inspected: None,
            stalled: None,
        })
    }

    /// Replaces the scenario (a preset, an import) and starts it from time zero. On error
    /// the current scenario keeps running.
    pub fn load(&mut self, scenario: Scenario) -> Result<(), ScenarioError> {
        let replacement = Runner::new(scenario, self.seed)?;
        // A new scenario starts a new history: undo does not cross a preset change.
        *self = Runner {
            playing: self.playing,
            speed: self.speed,
            ..replacement
        };
        Ok(())
    }

    /// The scenario (with link kinds as last switched).
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Applies an edit of the topology: kept in the undo history, and taken by the running
    /// simulation in the least disruptive way (see [`crate::editor::Change`]).
    pub fn edit(&mut self, edit: crate::editor::Edit) -> Result<(), String> {
        let edited = self.history.apply(&self.scenario, edit)?;
        self.take_scenario(edited)
    }

    /// Goes back one edit.
    pub fn undo(&mut self) -> Result<(), String> {
        match self.history.undo(&self.scenario) {
            Some(previous) => self.take_scenario(previous),
            None => Err("nothing to undo".into()),
        }
    }

    /// Goes forward one undone edit.
    pub fn redo(&mut self) -> Result<(), String> {
        match self.history.redo(&self.scenario) {
            Some(next) => self.take_scenario(next),
            None => Err("nothing to redo".into()),
        }
    }

    /// Whether undo and redo have something to do.
    pub fn can_undo_redo(&self) -> (bool, bool) {
        (self.history.can_undo(), self.history.can_redo())
    }

    fn take_scenario(&mut self, scenario: Scenario) -> Result<(), String> {
        match crate::editor::change_between(&self.scenario, &scenario) {
            crate::editor::Change::Layout => {}
            crate::editor::Change::Knobs(commands) => {
                // As in `apply`: events still due now happen first, as they do on replay.
                self.settle().map_err(|error| error.to_string())?;
                for command in commands {
                    self.simulation
                        .apply(command)
                        .map_err(|error| error.to_string())?;
                }
            }
            crate::editor::Change::Structure => {
                self.simulation = Simulation::new(&scenario, self.seed, TraceRetention::Everything)
                    .map_err(|error| error.to_string())?;
                self.started_from = scenario.clone();
                self.log.clear();
                self.recent.clear();
                self.inspected = None;
                self.stalled = None;
            }
        }
        self.layout = Layout::new(&scenario);
        self.scenario = scenario;
        if let Some(Selection::Node(name)) = &self.selected {
            if self.scenario.node_names().all(|node| node != name) {
                self.selected = None;
            }
        }
        if let Some(Selection::Link(index)) = self.selected {
            if index >= self.scenario.links.len() {
                self.selected = None;
            }
        }
        Ok(())
    }

    /// Moves a node on screen while it is being dragged (committed by an edit on release).
    pub fn preview_move(&mut self, name: &str, x: f64, y: f64) {
        let mut scenario = self.scenario.clone();
        let place = Some(cascade_sim::Position { x, y });
        if let Some(service) = scenario
            .services
            .iter_mut()
            .find(|service| service.name == name)
        {
            service.position = place;
        } else if let Some(client) = scenario
            .clients
            .iter_mut()
            .find(|client| client.name == name)
        {
            client.position = place;
        }
        self.layout = Layout::new(&scenario);
    }

    /// Changes the seed and starts again from time zero.
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
        self.reset();
    }

    /// The running simulation.
    pub fn simulation(&self) -> &Simulation {
        &self.simulation
    }

    /// The geometry.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Advances simulated time by `wall_elapsed_ms` times the speed, if playing. The step is
    /// clamped (a tab coming back from the background does not leap) and the event budget is
    /// bounded (a storm of events slows the simulation, not the page).
    pub fn advance(&mut self, wall_elapsed_ms: f64) -> RunOutcome {
        if !self.playing {
            return RunOutcome::ReachedTime;
        }
        let wall_ms = wall_elapsed_ms.clamp(0.0, MAX_FRAME_MS);
        self.run_for(SimDuration::from_millis_f64(wall_ms * self.speed))
    }

    /// Runs toward `time` within one frame's event budget: the compare view's second side
    /// follows the first this way, so both sides always share a clock.
    pub fn follow(&mut self, time: SimTime) -> RunOutcome {
        let outcome = self.simulation.run_until(time, FRAME_EVENT_BUDGET);
        self.collect_log();
        outcome
    }

    /// Runs to `time` whatever it costs, in slices so the kept trace stays small (before a
    /// command is applied to both sides of the compare view at the same instant), unless the
    /// run gets stuck at one instant on the way.
    pub fn catch_up(&mut self, time: SimTime) -> RunOutcome {
        loop {
            let outcome = self.follow(time);
            if outcome != RunOutcome::BudgetExhausted {
                return outcome;
            }
        }
    }

    /// Advances by a fixed slice of simulated time, playing or not (the "step" button).
    pub fn step(&mut self) -> RunOutcome {
        self.run_for(STEP)
    }

    fn run_for(&mut self, duration: SimDuration) -> RunOutcome {
        let target = self.simulation.now() + duration;
        let outcome = self.simulation.run_until(target, FRAME_EVENT_BUDGET);
        self.collect_log();
        if outcome == RunOutcome::StuckAtInstant {
            self.stall();
        }
        outcome
    }

    /// The run cannot get past this instant: pause and say why (nothing is lost).
    fn stall(&mut self) {
        self.playing = false;
        let problem = CommandError::StuckAtInstant(self.simulation.now());
        self.stalled = Some(format!("Paused: {problem}."));
    }

    /// Why the run paused by itself, if it did: it cannot get past one instant.
    pub fn stalled(&self) -> Option<&str> {
        self.stalled.as_deref()
    }

    /// Moves notable trace events into the event log, in words.
    fn collect_log(&mut self) {
        let events = self.simulation.trace_mut().take();
        for event in events {
            if !self.log_paused {
                if let Some((text, severity)) = describe(&self.simulation, &event.kind) {
                    if self.log.len() == LOG_CAPACITY {
                        self.log.pop_front();
                    }
                    let request = match event.kind {
                        TraceKind::MessageDeadLettered { request, .. }
                        | TraceKind::MessageDropped { request, .. } => Some(request),
                        _ => None,
                    };
                    self.log.push_back(LogEntry {
                        at: event.time,
                        request,
                        text,
                        severity,
                    });
                }
            }
            if self.recent.len() == RECENT_EVENTS {
                self.recent.pop_front();
            }
            self.recent.push_back(event);
        }
    }

    /// The event log, newest last.
    pub fn log(&self) -> impl DoubleEndedIterator<Item = &LogEntry> {
        self.log.iter()
    }

    /// Recent end-to-end rates, from the simulation's time series.
    pub fn rates(&self) -> Rates {
        let samples = self.simulation.series().samples();
        let count = samples.len();
        let mut recent = samples.skip(count.saturating_sub(RATE_WINDOW_SAMPLES + 1));
        let (Some(first), Some(last)) = (recent.next(), recent.last()) else {
            return Rates::default();
        };
        let seconds = last.at.since(first.at).as_micros() as f64 / 1e6;
        let failed =
            |sample: &cascade_sim::metrics::Sample| sample.failed_by_reason.iter().sum::<u64>();
        Rates {
            succeeded_per_second: (last.succeeded - first.succeeded) as f64 / seconds,
            failed_per_second: (failed(last) - failed(first)) as f64 / seconds,
        }
    }

    /// The live charts over the kept window: goodput, errors, p99, then queued messages and
    /// calls per request, or, when a service or link is selected, its busy threads and waiting
    /// requests or its queue's depth and dead letters.
    pub fn charts(&self) -> [Chart; 6] {
        let samples: Vec<&cascade_sim::metrics::Sample> =
            self.simulation.series().samples().collect();
        let focus = match &self.selected {
            Some(Selection::Node(name)) => self
                .simulation
                .node_by_name(name)
                .map(|node| Focus::Node(name.clone(), node.id.index())),
            Some(Selection::Link(index)) => self.simulation.links().nth(*index).and_then(|link| {
                let queue = self.simulation.queues().nth(link.queue.index())?;
                Some(Focus::Queue(queue.name.to_string(), link.queue.index()))
            }),
            None => None,
        };
        let (fourth, fifth) = match &focus {
            Some(Focus::Node(name, _)) => {
                (format!("{name}: busy threads"), format!("{name}: waiting"))
            }
            Some(Focus::Queue(name, _)) => {
                (format!("{name}: depth"), format!("{name}: dead letters"))
            }
            None => (
                "queued messages".to_string(),
                "calls per request".to_string(),
            ),
        };
        let mut charts = [
            Chart {
                title: "ok / s".into(),
                points: Vec::new(),
            },
            Chart {
                title: "errors / s".into(),
                points: Vec::new(),
            },
            Chart {
                title: "p50 latency, ms".into(),
                points: Vec::new(),
            },
            Chart {
                title: "p99 latency, ms".into(),
                points: Vec::new(),
            },
            Chart {
                title: fourth,
                points: Vec::new(),
            },
            Chart {
                title: fifth,
                points: Vec::new(),
            },
        ];
        let failed =
            |sample: &cascade_sim::metrics::Sample| sample.failed_by_reason.iter().sum::<u64>();
        for pair in samples.windows(2) {
            let (before, after) = (pair[0], pair[1]);
            let seconds = after.at.since(before.at).as_micros() as f64 / 1e6;
            if seconds <= 0.0 {
                continue;
            }
            let started = after.started - before.started;
            let downstream = after.downstream_calls - before.downstream_calls;
            let (fourth, fifth) = match &focus {
                Some(Focus::Node(_, node)) => (
                    after.busy.get(*node).map_or(0.0, |busy| f64::from(*busy)),
                    after
                        .inbound
                        .get(*node)
                        .map_or(0.0, |waiting| f64::from(*waiting)),
                ),
                Some(Focus::Queue(_, queue)) => (
                    after
                        .queue_depth
                        .get(*queue)
                        .map_or(0.0, |depth| f64::from(*depth)),
                    after
                        .dead_lettered
                        .get(*queue)
                        .map_or(0.0, |dead| *dead as f64),
                ),
                None => (
                    after
                        .queue_depth
                        .iter()
                        .map(|depth| f64::from(*depth))
                        .sum(),
                    if started == 0 {
                        0.0
                    } else {
                        downstream as f64 / started as f64
                    },
                ),
            };
            let values = [
                (after.succeeded - before.succeeded) as f64 / seconds,
                (failed(after) - failed(before)) as f64 / seconds,
                after.p50_ms,
                after.p99_ms,
                fourth,
                fifth,
            ];
            let t = after.at.as_secs_f64();
            for (chart, value) in charts.iter_mut().zip(values) {
                chart.points.push((t, value));
            }
        }
        charts
    }

    /// Applies a fault or change now. A link switch is also written into the scenario, so a
    /// reset keeps the topology the user built.
    pub fn apply(&mut self, command: Command) -> Result<(), CommandError> {
        self.settle()?;
        self.simulation.apply(command.clone())?;
        if let Command::SetLinkKind { link, kind } = command {
            self.scenario.links[link as usize].kind = kind;
        }
        self.collect_log();
        Ok(())
    }

    /// Starts the scenario again from time zero with the same seed.
    pub fn reset(&mut self) {
        self.simulation = Simulation::new(&self.scenario, self.seed, TraceRetention::Everything)
            .expect("a scenario that ran once stays valid");
        self.started_from = self.scenario.clone();
        self.log.clear();
        // Request ids start again at 1: paths of the old run would mix with the new one.
        self.recent.clear();
        self.inspected = None;
        self.stalled = None;
    }

    /// Handles the events still due at the current instant (a frame can stop on its event
    /// budget between two events at the same time): then the run is exactly what replaying
    /// to this instant gives, as a share link must, and a command lands after them, as it
    /// does when the command log is replayed. Fails (and pauses, saying why) when the instant
    /// never ends.
    pub fn settle(&mut self) -> Result<(), CommandError> {
        let now = self.simulation.now();
        if self.catch_up(now) == RunOutcome::StuckAtInstant {
            self.stall();
            return Err(CommandError::StuckAtInstant(now));
        }
        Ok(())
    }

    /// Everything a share link needs to reproduce this run and view.
    pub fn capture(&self) -> crate::share::SharedState {
        crate::share::SharedState {
            scenario: self.scenario.clone(),
            started_from: (self.started_from != self.scenario).then(|| self.started_from.clone()),
            seed: self.seed,
            commands: self.simulation.command_log().to_vec(),
            at: self.simulation.now(),
            view: crate::share::View {
                speed: self.speed,
                playing: self.playing,
                selected: self.selected.as_ref().map(Into::into),
                log: self.log_filter.into(),
                compare: false,
            },
        }
    }

    /// Rebuilds a run from a shared state: `started_from` (or `scenario`) with the seed, the
    /// commands replayed at their times, up to the time reached; then the view. The same
    /// state always gives the same run.
    pub fn restore(state: &crate::share::SharedState) -> Result<Self, String> {
        let started_from = state.started_from.as_ref().unwrap_or(&state.scenario);
        Runner::replay(started_from.clone(), state.scenario.clone(), state)
    }

    /// Replays `state`'s commands and time on `started_from`, then takes `scenario` as the
    /// current one (the compare view replays each side this way).
    pub fn replay(
        started_from: Scenario,
        scenario: Scenario,
        state: &crate::share::SharedState,
    ) -> Result<Self, String> {
        let (mut runner, mut replay) = Replay::begin(started_from, scenario, state)?;
        while !replay.advance(&mut runner, u64::MAX)? {}
        Ok(runner)
    }

    /// What a frame draws: the geometry, the transmissions on the wire now (buffer reused
    /// between frames) and the instant they are at.
    pub fn frame(&mut self) -> (&Layout, &[InFlight], SimTime) {
        self.simulation.fill_in_flight(&mut self.in_flight);
        (&self.layout, &self.in_flight, self.simulation.now())
    }
}

/// The most events a shared run may take to replay: about five seconds of a browser tab's
/// time, and a bound on the memory a link can make it use. Longer runs are shared from time
/// zero (the Share button says so).
pub const MAX_REPLAY_EVENTS: u64 = 20_000_000;

/// A shared run being replayed a slice at a time, so a long one does not freeze the page:
/// [`Replay::advance`] until it returns true, then the runner is exactly the shared run.
#[derive(Debug)]
pub struct Replay {
    commands: Vec<cascade_sim::TimedCommand>,
    next: usize,
    at: SimTime,
    scenario: Scenario,
    view: crate::share::View,
}

impl Replay {
    /// A paused runner at time zero of `started_from`, and the replay that takes it to the
    /// shared moment and then to `scenario` and the shared view.
    pub fn begin(
        started_from: Scenario,
        scenario: Scenario,
        state: &crate::share::SharedState,
    ) -> Result<(Runner, Replay), String> {
        let mut runner =
            Runner::new(started_from, state.seed).map_err(|error| error.to_string())?;
        runner.playing = false;
        let replay = Replay {
            commands: state.commands.clone(),
            next: 0,
            at: state.at,
            scenario,
            view: state.view.clone(),
        };
        Ok((runner, replay))
    }

    /// Replays at most about `max_events` events (and any commands due); true when done.
    pub fn advance(&mut self, runner: &mut Runner, max_events: u64) -> Result<bool, String> {
        let mut budget = max_events;
        loop {
            let target = self
                .commands
                .get(self.next)
                .map_or(self.at, |timed| timed.at);
            let before = runner.simulation.events_processed();
            let outcome = runner.simulation.run_until(target, budget.min(50_000));
            runner.collect_log();
            budget = budget.saturating_sub((runner.simulation.events_processed() - before).max(1));
            if runner.simulation.events_processed() > MAX_REPLAY_EVENTS {
                return Err(format!(
                    "replaying it takes more than {} million events, more than a browser tab \
                     should spend; open the scenario from time zero instead",
                    MAX_REPLAY_EVENTS / 1_000_000
                ));
            }
            if outcome == RunOutcome::StuckAtInstant {
                return Err(CommandError::StuckAtInstant(runner.simulation.now()).to_string());
            }
            if outcome != RunOutcome::BudgetExhausted {
                match self.commands.get(self.next) {
                    Some(timed) => {
                        runner
                            .apply(timed.command.clone())
                            .map_err(|error| format!("commands[{}]: {error}", self.next))?;
                        self.next += 1;
                    }
                    None => {
                        self.finish(runner);
                        return Ok(true);
                    }
                }
            }
            if budget == 0 {
                return Ok(false);
            }
        }
    }

    /// The simulated time the replay goes to.
    pub fn target(&self) -> SimTime {
        self.at
    }

    fn finish(&self, runner: &mut Runner) {
        runner.layout = Layout::new(&self.scenario);
        runner.scenario = self.scenario.clone();
        runner.speed = self.view.speed.clamp(0.01, 100.0);
        runner.playing = self.view.playing;
        runner.selected = self.view.selected.as_ref().map(Into::into);
        runner.log_filter = self.view.log.into();
    }
}

/// A cell for CSV: quoted when it holds a comma, a quote or a line break, and kept from being
/// read as a formula by a spreadsheet (names come from files and links).
fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

impl Runner {
    /// The time series kept for the charts (the last minute, a sample every 250 ms) as CSV:
    /// one row per sample, end-to-end counts and latency first, then every node and queue.
    pub fn metrics_csv(&self) -> String {
        let simulation = &self.simulation;
        let mut header: Vec<String> = ["time_s", "started", "succeeded", "failed"]
            .iter()
            .map(|name| name.to_string())
            .collect();
        header.extend(
            cascade_sim::Failure::ALL
                .iter()
                .map(|failure| format!("failed {}", failure.label())),
        );
        header.extend(["p50_ms", "p99_ms", "downstream_calls"].map(String::from));
        for node in simulation.nodes() {
            header.push(format!("{} busy", node.name));
            header.push(format!("{} waiting", node.name));
        }
        for queue in simulation.queues() {
            for column in ["ready", "unacked", "dead-lettered"] {
                header.push(format!("{} {column}", queue.name));
            }
        }
        let mut text = header
            .iter()
            .map(|cell| csv_cell(cell))
            .collect::<Vec<_>>()
            .join(",");
        text.push('\n');
        for sample in simulation.series().samples() {
            let mut row = vec![
                format!("{:.3}", sample.at.as_secs_f64()),
                sample.started.to_string(),
                sample.succeeded.to_string(),
                sample.failed_by_reason.iter().sum::<u64>().to_string(),
            ];
            row.extend(sample.failed_by_reason.iter().map(u64::to_string));
            row.push(format!("{:.3}", sample.p50_ms));
            row.push(format!("{:.3}", sample.p99_ms));
            row.push(sample.downstream_calls.to_string());
            for (busy, waiting) in sample.busy.iter().zip(&sample.inbound) {
                row.push(busy.to_string());
                row.push(waiting.to_string());
            }
            for index in 0..sample.queue_depth.len() {
                row.push(sample.queue_depth[index].to_string());
                row.push(sample.unacked.get(index).copied().unwrap_or(0).to_string());
                row.push(
                    sample
                        .dead_lettered
                        .get(index)
                        .copied()
                        .unwrap_or(0)
                        .to_string(),
                );
            }
            text.push_str(&row.join(","));
            text.push('\n');
        }
        text
    }
}

/// A shared state opened in the compare view: each side replays the same commands at the same
/// instants on its version of the scenario. Returns the (sync, async) sides, still to advance.
#[allow(clippy::type_complexity)]
pub fn comparison_replays(
    state: &crate::share::SharedState,
) -> Result<((Runner, Replay), (Runner, Replay)), String> {
    let (sync, asynchronous) = comparison(&state.scenario);
    Ok((
        Replay::begin(sync.clone(), sync, state)?,
        Replay::begin(asynchronous.clone(), asynchronous, state)?,
    ))
}

/// Everything a person can do to the running playground, as plain data: the components turn
/// clicks and key presses into these, and [`Runner::handle`] carries them out.
#[derive(Clone, Debug, PartialEq)]
pub enum UiAction {
    /// A fault or change for the simulation (boxed: a command can carry a whole spec).
    Command(Box<Command>),
    /// Play or pause.
    TogglePlay,
    /// Advance a fixed slice of simulated time.
    Step,
    /// Start again from time zero.
    Reset,
    /// Change the speed (simulated seconds per second).
    SetSpeed(f64),
    /// Load a preset by id.
    LoadPreset(String),
    /// Load a scenario (an imported file).
    LoadScenario(Box<Scenario>),
    /// Change the seed and start again.
    SetSeed(u64),
    /// Stop or resume adding entries to the event log.
    ToggleLogPause,
    /// Change the topology.
    Edit(Box<crate::editor::Edit>),
    /// Undo the last edit.
    Undo,
    /// Redo the last undone edit.
    Redo,
    /// Select a node or link for the inspector (or nothing).
    Select(Option<Selection>),
    /// Show one request's path (or close it).
    InspectRequest(Option<u64>),
    /// A click on the canvas: on a message, show its request's path; otherwise on a link,
    /// switch it between sync and async; otherwise clear the selection.
    ClickAt { x: f64, y: f64, link: Option<usize> },
    /// Delete what is selected.
    DeleteSelected,
    /// Tell the person something about what they just tried (shown like an error).
    Hint(String),
    /// Choose which log entries are shown.
    SetLogFilter(LogFilter),
    /// A fault key on the selection: k kill/revive, f freeze/revive, s slow, e errors (a
    /// service); t sync/async, p cut/heal (a link).
    FaultKey(char),
}

impl UiAction {
    /// Whether the action only looks (play, pause, step, reset, speed, what is shown) and
    /// changes neither the scenario nor the run: all a read-only embed allows.
    pub fn only_looks(&self) -> bool {
        matches!(
            self,
            UiAction::TogglePlay
                | UiAction::Step
                | UiAction::Reset
                | UiAction::SetSpeed(_)
                | UiAction::ToggleLogPause
                | UiAction::Select(_)
                | UiAction::InspectRequest(_)
                | UiAction::Hint(_)
                | UiAction::SetLogFilter(_)
                | UiAction::ClickAt { link: None, .. }
        )
    }
}

impl Runner {
    /// Carries out an action. An error is a message for the person, next to the control;
    /// nothing changes then.
    pub fn handle(&mut self, action: UiAction) -> Result<(), String> {
        match action {
            UiAction::Command(command) => self.apply(*command).map_err(|error| error.to_string()),
            UiAction::TogglePlay => {
                self.playing = !self.playing;
                Ok(())
            }
            UiAction::Step => {
                self.step();
                Ok(())
            }
            UiAction::Reset => {
                self.reset();
                Ok(())
            }
            UiAction::SetSpeed(speed) if speed.is_finite() && speed > 0.0 => {
                self.speed = speed.clamp(0.01, 100.0);
                Ok(())
            }
            UiAction::SetSpeed(_) => Err("speed must be a positive number".into()),
            UiAction::LoadPreset(id) => {
                let scenario = cascade_sim::presets::by_id(&id)
                    .ok_or(format!("no preset is called {id:?}"))?;
                self.load(scenario).map_err(|error| error.to_string())
            }
            UiAction::LoadScenario(scenario) => {
                self.load(*scenario).map_err(|error| error.to_string())
            }
            UiAction::SetSeed(seed) => {
                self.set_seed(seed);
                Ok(())
            }
            UiAction::ToggleLogPause => {
                self.log_paused = !self.log_paused;
                Ok(())
            }
            UiAction::Edit(edit) => self.edit(*edit),
            UiAction::Undo => self.undo(),
            UiAction::Redo => self.redo(),
            UiAction::Select(selection) => {
                self.selected = selection;
                Ok(())
            }
            UiAction::Hint(text) => Err(text),
            UiAction::SetLogFilter(filter) => {
                self.log_filter = filter;
                Ok(())
            }
            UiAction::InspectRequest(request) => {
                self.inspected = request.map(cascade_sim::RequestId);
                Ok(())
            }
            UiAction::ClickAt { x, y, link } => {
                if let Some(request) = self.request_near(Point { x, y }) {
                    self.inspected = Some(request);
                    return Ok(());
                }
                match link.and_then(|index| {
                    self.simulation
                        .links()
                        .nth(index)
                        .map(|view| (index, view.kind))
                }) {
                    Some((index, kind)) => {
                        let kind = if kind == LinkKind::Sync {
                            LinkKind::Async
                        } else {
                            LinkKind::Sync
                        };
                        self.apply(Command::SetLinkKind {
                            link: index as u32,
                            kind,
                        })
                        .map_err(|error| error.to_string())
                    }
                    None => {
                        self.selected = None;
                        Ok(())
                    }
                }
            }
            UiAction::FaultKey(key) => {
                let command = self.fault_for_key(key).ok_or_else(|| {
                    "select a service (k, f, s, e) or a link (t, p) first".to_string()
                })?;
                self.apply(command).map_err(|error| error.to_string())
            }
            UiAction::DeleteSelected => match self.selected.take() {
                Some(Selection::Node(name)) => self.edit(crate::editor::Edit::DeleteNode { name }),
                Some(Selection::Link(index)) => {
                    self.edit(crate::editor::Edit::DeleteLink { index })
                }
                None => Err("select a service, load source or link first".into()),
            },
        }
    }

    /// The request of the message drawn nearest to `point`, within a dot's reach.
    pub fn request_near(&mut self, point: Point) -> Option<cascade_sim::RequestId> {
        const REACH: f64 = 12.0;
        let (layout, in_flight, now) = self.frame();
        in_flight
            .iter()
            .map(|transmission| {
                let at = layout.in_flight_position(transmission, now);
                (
                    (at.x - point.x).powi(2) + (at.y - point.y).powi(2),
                    transmission.request,
                )
            })
            .filter(|(distance, request)| *distance <= REACH * REACH && request.0 != 0)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, request)| request)
    }

    /// What happened to one request, in order, in words (from the recent trace).
    pub fn request_story(&self, request: cascade_sim::RequestId) -> Vec<(SimTime, String)> {
        let node = |id: NodeId| {
            self.simulation
                .nodes()
                .nth(id.index())
                .map_or("?".to_string(), |n| n.name.to_string())
        };
        let link = |id: cascade_sim::LinkId| {
            self.simulation
                .links()
                .nth(id.index())
                .map_or("?".to_string(), |l| {
                    format!("{} → {}", node(l.from), node(l.to))
                })
        };
        let queue = |id: cascade_sim::QueueId| {
            self.simulation
                .queues()
                .nth(id.index())
                .map_or("?".to_string(), |q| q.name.to_string())
        };
        let outcome = |failure: Option<cascade_sim::Failure>| {
            failure.map_or("ok".to_string(), |failure| failure.label().to_string())
        };
        self.recent
            .iter()
            .filter_map(|event| {
                let text = match &event.kind {
                    TraceKind::RequestStarted { request: r, client } if *r == request => {
                        format!("{} sends the request", node(*client))
                    }
                    TraceKind::RequestFinished {
                        request: r,
                        failure,
                        latency_us,
                        ..
                    } if *r == request => {
                        format!(
                            "finished: {} after {:.0} ms",
                            outcome(*failure),
                            *latency_us as f64 / 1e3
                        )
                    }
                    TraceKind::CallSent {
                        request: r,
                        link: l,
                        attempt,
                        ..
                    } if *r == request => format!("{}: attempt {attempt} sent", link(*l)),
                    TraceKind::CallAccepted {
                        request: r,
                        node: n,
                        ..
                    } if *r == request => format!("{} accepts it", node(*n)),
                    TraceKind::CallRefused {
                        request: r,
                        node: n,
                        ..
                    } if *r == request => format!("{} refuses it (down)", node(*n)),
                    TraceKind::CallRejected {
                        request: r,
                        node: n,
                        ..
                    } if *r == request => format!("{} rejects it (queue full)", node(*n)),
                    TraceKind::CallTimedOut {
                        request: r,
                        link: l,
                        attempt,
                        ..
                    } if *r == request => format!("{}: attempt {attempt} timed out", link(*l)),
                    TraceKind::Responded {
                        request: r,
                        link: l,
                        failure,
                        wasted,
                        ..
                    } if *r == request => {
                        format!(
                            "{}: answered {}{}",
                            link(*l),
                            outcome(*failure),
                            if *wasted {
                                " (nobody waits any more)"
                            } else {
                                ""
                            }
                        )
                    }
                    TraceKind::RetryScheduled {
                        request: r,
                        link: l,
                        attempt,
                        delay_us,
                    } if *r == request => {
                        format!(
                            "{}: attempt {attempt} after {:.0} ms of backoff",
                            link(*l),
                            *delay_us as f64 / 1e3
                        )
                    }
                    TraceKind::CallNotPermitted {
                        request: r,
                        link: l,
                        reason,
                    } if *r == request => format!("{}: not sent ({})", link(*l), reason.label()),
                    TraceKind::WorkStarted {
                        request: r,
                        node: n,
                    } if *r == request => format!("{} works on it", node(*n)),
                    TraceKind::MessagePublished {
                        request: r,
                        queue: q,
                        ..
                    } if *r == request => format!("published to {}", queue(*q)),
                    TraceKind::PublishFailed {
                        request: r,
                        link: l,
                    } if *r == request => format!("{}: publish failed", link(*l)),
                    TraceKind::MessageDelivered {
                        request: r,
                        node: n,
                        delivery,
                        ..
                    } if *r == request => {
                        format!("delivered to {} (delivery {delivery})", node(*n))
                    }
                    TraceKind::MessageAcked { request: r, .. } if *r == request => {
                        "acknowledged".to_string()
                    }
                    TraceKind::MessageRequeued {
                        request: r,
                        deliveries,
                        ..
                    } if *r == request => {
                        if *deliveries == 1 {
                            "failed, back in the queue after 1 delivery".to_string()
                        } else {
                            format!("failed, back in the queue after {deliveries} deliveries")
                        }
                    }
                    TraceKind::MessageDeadLettered {
                        request: r,
                        queue: q,
                        reason,
                        ..
                    } if *r == request => {
                        format!("dead-lettered from {} ({})", queue(*q), reason.label())
                    }
                    TraceKind::MessageDropped {
                        request: r, reason, ..
                    } if *r == request => format!("dropped ({})", reason.label()),
                    TraceKind::VisibilityTimedOut { request: r, .. } if *r == request => {
                        "visibility timeout: visible again".to_string()
                    }
                    _ => return None,
                };
                Some((event.time, text))
            })
            .collect()
    }

    /// The command a fault key means for the current selection, toggling the fault.
    fn fault_for_key(&self, key: char) -> Option<Command> {
        use cascade_sim::NodeState;
        match self.selected.as_ref()? {
            Selection::Node(name) => {
                let node = self
                    .simulation
                    .node_by_name(name)
                    .filter(|node| !node.is_client)?;
                let node_name = name.clone();
                Some(match (key, node.state) {
                    ('k', NodeState::Up) => Command::Kill { node: node_name },
                    ('f', NodeState::Up) => Command::Freeze { node: node_name },
                    ('k' | 'f', _) => Command::Revive { node: node_name },
                    ('s', _) => Command::Slow {
                        node: node_name,
                        factor: if node.slow_factor > 1.0 { 1.0 } else { 5.0 },
                    },
                    ('e', _) => Command::SetErrorRate {
                        node: node_name,
                        error_rate: if node.error_rate > 0.0 { 0.0 } else { 0.2 },
                    },
                    _ => return None,
                })
            }
            Selection::Link(index) => {
                let link = self.simulation.links().nth(*index)?;
                let id = link.id.0;
                Some(match key {
                    't' => Command::SetLinkKind {
                        link: id,
                        kind: if link.kind == LinkKind::Sync {
                            LinkKind::Async
                        } else {
                            LinkKind::Sync
                        },
                    },
                    'p' if link.partitioned => Command::Heal { link: id },
                    'p' => Command::Partition { link: id },
                    _ => return None,
                })
            }
        }
    }

    /// Transmissions on the wire per link now (for the reduced-motion view).
    pub fn in_flight_per_link(&mut self) -> Vec<u32> {
        let mut counts = vec![0; self.scenario.links.len()];
        self.simulation.fill_in_flight(&mut self.in_flight);
        for transmission in &self.in_flight {
            counts[transmission.link.index()] += 1;
        }
        counts
    }
}

/// A notable trace event in words; `None` for the routine ones (sent, delivered, acked...).
fn describe(simulation: &Simulation, kind: &TraceKind) -> Option<(String, Severity)> {
    let node = |id: NodeId| {
        simulation
            .nodes()
            .nth(id.index())
            .map_or("?".to_string(), |n| n.name.to_string())
    };
    let link = |id: cascade_sim::LinkId| {
        simulation
            .links()
            .nth(id.index())
            .map_or("?".to_string(), |l| {
                format!("{} → {}", node(l.from), node(l.to))
            })
    };
    let queue = |id: cascade_sim::QueueId| {
        simulation
            .queues()
            .nth(id.index())
            .map_or("?".to_string(), |q| q.name.to_string())
    };
    use Severity::{Bad, Good, Info};
    Some(match kind {
        TraceKind::NodeKilled { node: id } => (format!("{} was killed", node(*id)), Bad),
        TraceKind::NodeRevived { node: id } => (format!("{} is back", node(*id)), Good),
        TraceKind::NodeFrozen { node: id } => (
            format!("{} hangs (accepts calls, never answers)", node(*id)),
            Bad,
        ),
        TraceKind::NodeSlowed {
            node: id,
            factor_percent,
        } => (
            format!(
                "{} now works at {}% of its normal time",
                node(*id),
                factor_percent
            ),
            Info,
        ),
        TraceKind::ErrorRateChanged {
            node: id,
            per_million,
        } => (
            format!(
                "{} fails {:.1}% of requests",
                node(*id),
                f64::from(*per_million) / 1e4
            ),
            Info,
        ),
        TraceKind::LinkPartitioned { link: id } => {
            (format!("network partition on {}", link(*id)), Bad)
        }
        TraceKind::LinkHealed { link: id } => (format!("{} is reachable again", link(*id)), Good),
        TraceKind::LinkKindChanged { link: id, kind } => (
            format!(
                "{} is now {}",
                link(*id),
                if *kind == LinkKind::Sync {
                    "sync"
                } else {
                    "async"
                }
            ),
            Info,
        ),
        TraceKind::BrokerKilled => ("the broker went down".to_string(), Bad),
        TraceKind::BrokerRevived => ("the broker is back".to_string(), Good),
        TraceKind::BreakerChanged { link: id, to, .. } => {
            let severity = if *to == cascade_sim::breaker::BreakerState::Closed {
                Good
            } else {
                Bad
            };
            (
                format!(
                    "circuit breaker on {} is {}",
                    link(*id),
                    to.as_str().replace('_', "-")
                ),
                severity,
            )
        }
        TraceKind::MessageDeadLettered {
            request,
            queue: id,
            deliveries,
            reason,
            ..
        } => (
            format!(
                "request {} dead-lettered from {} after {} deliveries ({})",
                request.0,
                queue(*id),
                deliveries,
                reason.label()
            ),
            Bad,
        ),
        TraceKind::MessageDropped {
            request,
            queue: id,
            reason,
            ..
        } => (
            format!(
                "request {} dropped from {} ({})",
                request.0,
                queue(*id),
                reason.label()
            ),
            Bad,
        ),
        TraceKind::Reconfigured { .. } => ("settings changed".to_string(), Info),
        _ => return None,
    })
}

/// The two sides of the compare view: the same topology with every link sync, and with every
/// link between services async (load sources still call over HTTP). Names say which is which.
pub fn comparison(scenario: &Scenario) -> (Scenario, Scenario) {
    let clients: Vec<&str> = scenario
        .clients
        .iter()
        .map(|client| client.name.as_str())
        .collect();
    let mut sync = scenario.clone();
    let mut asynchronous = scenario.clone();
    for link in &mut sync.links {
        link.kind = LinkKind::Sync;
    }
    for link in &mut asynchronous.links {
        if !clients.contains(&link.from.as_str()) {
            link.kind = LinkKind::Async;
        }
    }
    // Faults that switch link kinds would undo the comparison; every other fault applies to both.
    for side in [&mut sync, &mut asynchronous] {
        side.faults
            .retain(|fault| !matches!(fault.command, Command::SetLinkKind { .. }));
    }
    sync.name = "Every call blocking (sync)".into();
    asynchronous.name = "Calls between services through queues (async)".into();
    (sync, asynchronous)
}

/// Frame work times kept for the frame-budget figures: the last 600 frames (ten seconds).
#[derive(Clone, Debug, Default)]
pub struct FrameTimes {
    recent_ms: VecDeque<f64>,
    count: u64,
}

impl FrameTimes {
    const KEPT: usize = 600;

    /// Adds one frame's work time.
    pub fn record(&mut self, work_ms: f64) {
        if self.recent_ms.len() == Self::KEPT {
            self.recent_ms.pop_front();
        }
        self.recent_ms.push_back(work_ms);
        self.count += 1;
    }

    /// Frames recorded since the start.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// A quantile (0 to 1) of the kept frames, nearest rank; 0 when empty.
    pub fn quantile(&self, quantile: f64) -> f64 {
        let mut times: Vec<f64> = self.recent_ms.iter().copied().collect();
        if times.is_empty() {
            return 0.0;
        }
        let rank = ((quantile.clamp(0.0, 1.0) * times.len() as f64).ceil() as usize).max(1);
        // Selection, not a full sort: less work, and much less code in the bundle.
        *times.select_nth_unstable_by(rank - 1, f64::total_cmp).1
    }
}

/// "1.2k" style counts for tight labels.
pub fn compact_count(value: u64) -> String {
    match value {
        0..=9_999 => value.to_string(),
        10_000..=999_999 => format!("{:.1}k", value as f64 / 1e3),
        _ => format!("{:.1}M", value as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scenario that cannot get past one instant: every frame stays within its budget, then
    /// the run pauses and says why; a command at that instant is refused (it could not land
    /// where it belongs), and a new scenario runs as usual.
    #[test]
    fn a_run_stuck_at_one_instant_pauses_and_says_why() {
        let mut runner =
            Runner::new(cascade_sim::fixtures::stuck_at_an_instant(), 1).expect("valid");
        runner.speed = 1.0;
        let mut frames = 0;
        while runner.playing && frames < 1_000 {
            runner.advance(100.0);
            frames += 1;
        }
        assert!(!runner.playing, "paused after {frames} frames");
        assert_eq!(runner.simulation().now(), SimTime::from_secs(1));
        let said = runner.stalled().expect("says why");
        assert!(
            said.starts_with("Paused: the scenario does too much work at one simulated instant"),
            "{said}"
        );
        let refused = runner.apply(Command::Kill { node: "C".into() });
        assert_eq!(
            refused,
            Err(CommandError::StuckAtInstant(SimTime::from_secs(1)))
        );
        runner.playing = true;
        assert_eq!(
            runner.advance(100.0),
            RunOutcome::StuckAtInstant,
            "nothing moves"
        );
        runner.reset();
        assert_eq!(
            runner.stalled(),
            None,
            "a reset starts again, the note goes"
        );
        runner
            .load(cascade_sim::presets::checkout())
            .expect("another scenario");
        assert_eq!(runner.stalled(), None);
        assert_ne!(runner.advance(100.0), RunOutcome::StuckAtInstant);
    }

    #[test]
    fn metrics_csv_has_a_row_per_sample_and_quotes_hostile_names() {
        let mut scenario = cascade_sim::presets::checkout_async();
        let old = scenario.services[0].name.clone();
        let hostile = "=HYPERLINK(\"x\",\"y\"), a";
        scenario.services[0].name = hostile.into();
        for link in &mut scenario.links {
            for end in [&mut link.from, &mut link.to] {
                if *end == old {
                    *end = hostile.into();
                }
            }
        }
        let mut runner = Runner::new(scenario, 1).expect("valid");
        runner.speed = 1.0;
        for _ in 0..120 {
            runner.advance(1000.0 / 60.0);
        }
        let csv = runner.metrics_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].starts_with("time_s,started,succeeded,failed,failed "));
        assert!(
            lines[0].contains("\"'=HYPERLINK(\"\"x\"\",\"\"y\"\"), a busy\""),
            "{}",
            lines[0]
        );
        let samples = runner.simulation().series().samples().count();
        assert_eq!(lines.len(), samples + 1, "a header and a row per sample");
        assert!(
            samples >= 8,
            "two simulated seconds at one sample per 250 ms"
        );
        // Commas inside quotes do not separate cells.
        let columns = |line: &str| {
            let mut quoted = false;
            1 + line
                .chars()
                .filter(|c| {
                    if *c == '"' {
                        quoted = !quoted;
                    }
                    *c == ',' && !quoted
                })
                .count()
        };
        assert_eq!(columns(lines[1]), columns(lines[0]));
        assert!(lines
            .iter()
            .skip(1)
            .all(|line| columns(line) == columns(lines[1])));
    }
    use cascade_sim::presets;

    #[test]
    fn link_ends_sit_on_the_box_borders() {
        let layout = Layout::new(&presets::checkout());
        let (start, end) = layout.link_ends(0);
        let users = layout.center(NodeId(0));
        let orders = layout.center(NodeId(1));
        assert!(
            (start.x - (users.x + NODE_WIDTH / 2.0)).abs() < 1e-9,
            "leaves Users on its right edge"
        );
        assert!(
            (end.x - (orders.x - NODE_WIDTH / 2.0)).abs() < 1e-9,
            "enters Orders on its left edge"
        );
    }

    #[test]
    fn messages_move_from_start_to_end_of_their_leg() {
        let layout = Layout::new(&presets::checkout());
        let in_flight = InFlight {
            link: cascade_sim::LinkId(0),
            leg: cascade_sim::Leg::Forward,
            sent_at: SimTime::from_millis(100),
            arrives_at: SimTime::from_millis(200),
            kind: cascade_sim::InFlightKind::Request,
            request: cascade_sim::RequestId(1),
        };
        let (start, end) = layout.link_ends(0);
        let at_start = layout.in_flight_position(&in_flight, SimTime::from_millis(100));
        let halfway = layout.in_flight_position(&in_flight, SimTime::from_millis(150));
        let at_end = layout.in_flight_position(&in_flight, SimTime::from_millis(500));
        assert!((at_start.x - start.x).abs() < 1e-9 && (at_end.x - end.x).abs() < 1e-9);
        assert!((halfway.x - (start.x + end.x) / 2.0).abs() < 1e-9);
        let back = InFlight {
            leg: cascade_sim::Leg::Back,
            ..in_flight
        };
        let returning = layout.in_flight_position(&back, SimTime::from_millis(100));
        assert!(
            (returning.x - end.x).abs() < 1e-9,
            "responses start at the callee"
        );
        assert!(
            (returning.y - at_end.y).abs() > 1.0,
            "and travel on the other lane"
        );
    }

    #[test]
    fn nodes_without_positions_get_distinct_places() {
        let mut scenario = presets::checkout();
        for service in &mut scenario.services {
            service.position = None;
        }
        scenario.clients[0].position = None;
        let layout = Layout::new(&scenario);
        let centers: Vec<Point> = (0..4).map(|i| layout.center(NodeId(i))).collect();
        for (i, a) in centers.iter().enumerate() {
            for b in &centers[i + 1..] {
                assert!(
                    (a.x - b.x).abs() + (a.y - b.y).abs() > NODE_WIDTH / 2.0,
                    "{a:?} overlaps {b:?}"
                );
            }
            assert!(a.x > 0.0 && a.x < CANVAS_WIDTH && a.y > 0.0 && a.y < CANVAS_HEIGHT);
        }
    }

    #[test]
    fn runner_advances_by_speed_clamps_big_gaps_and_pauses() {
        let mut runner = Runner::new(presets::checkout(), 1).expect("valid");
        runner.speed = 2.0;
        runner.advance(50.0);
        assert_eq!(runner.simulation().now(), SimTime::from_millis(100));
        runner.advance(10_000.0);
        assert_eq!(
            runner.simulation().now(),
            SimTime::from_millis(300),
            "a 10 s gap counts as 100 ms"
        );
        runner.playing = false;
        runner.advance(50.0);
        assert_eq!(runner.simulation().now(), SimTime::from_millis(300));
    }

    #[test]
    fn rates_and_link_switches_survive_what_the_user_does() {
        let mut runner = Runner::new(presets::checkout(), 1).expect("valid");
        runner.speed = 10.0;
        for _ in 0..40 {
            runner.advance(100.0);
        }
        let rates = runner.rates();
        assert!(
            (20.0..40.0).contains(&rates.succeeded_per_second),
            "about 30 rps: {rates:?}"
        );
        runner
            .apply(Command::SetLinkKind {
                link: 1,
                kind: LinkKind::Async,
            })
            .expect("switch");
        runner.reset();
        assert_eq!(runner.simulation().now(), SimTime::ZERO);
        assert_eq!(
            runner.scenario().links[1].kind,
            LinkKind::Async,
            "reset keeps the switched link"
        );
        assert_eq!(
            runner.simulation().links().nth(1).map(|link| link.kind),
            Some(LinkKind::Async)
        );
    }

    #[test]
    fn the_log_tells_what_happened_in_words_and_charts_follow_the_series() {
        let mut runner = Runner::new(presets::frozen_dependency(), 1).expect("valid");
        runner.speed = 10.0;
        for _ in 0..12 {
            runner.advance(100.0);
        }
        let texts: Vec<&str> = runner.log().map(|entry| entry.text.as_str()).collect();
        assert!(
            texts.contains(&"Payments hangs (accepts calls, never answers)"),
            "{texts:?}"
        );
        assert!(runner
            .log()
            .all(|entry| entry.at <= runner.simulation().now()));
        let [goodput, errors, _, p99, _, _] = runner.charts();
        assert!(goodput.points.len() > 20);
        let early: f64 = goodput.points[4..16].iter().map(|(_, ok)| ok).sum::<f64>() / 12.0;
        assert!(
            (20.0..40.0).contains(&early),
            "about 30 ok/s before the hang: {early}"
        );
        assert!(
            errors
                .points
                .iter()
                .rev()
                .take(12)
                .any(|(_, failed)| *failed > 0.0),
            "errors after the hang"
        );
        assert!(p99.points.iter().any(|(_, ms)| *ms > 100.0));
    }

    #[test]
    fn step_load_and_seed_control_the_run() {
        let mut runner = Runner::new(presets::checkout(), 1).expect("valid");
        runner.playing = false;
        runner.step();
        assert_eq!(runner.simulation().now(), SimTime::ZERO + STEP);
        runner.load(presets::retry_storm()).expect("valid");
        assert_eq!(runner.scenario().name, presets::retry_storm().name);
        assert_eq!(runner.simulation().now(), SimTime::ZERO);
        assert!(!runner.playing, "loading keeps the play state");
        let mut broken = presets::checkout();
        broken.links[0].to = "Nowhere".into();
        assert!(runner.load(broken).is_err());
        assert_eq!(
            runner.scenario().name,
            presets::retry_storm().name,
            "a bad scenario changes nothing"
        );
        runner.set_seed(7);
        assert_eq!(runner.seed(), 7);
    }

    #[test]
    fn actions_change_the_runner_or_explain_why_not() {
        let mut runner = Runner::new(presets::checkout(), 1).expect("valid");
        assert_eq!(runner.handle(UiAction::TogglePlay), Ok(()));
        assert!(!runner.playing);
        assert_eq!(runner.handle(UiAction::SetSpeed(1_000.0)), Ok(()));
        assert_eq!(runner.speed, 100.0, "clamped to the slider's range");
        assert!(runner.handle(UiAction::SetSpeed(-1.0)).is_err());
        let error = runner.handle(UiAction::Command(Box::new(Command::Kill {
            node: "Users".into(),
        })));
        assert_eq!(
            error,
            Err("\"Users\" is a load source, not a service".into())
        );
        assert_eq!(
            runner.handle(UiAction::Command(Box::new(Command::Kill {
                node: "Payments".into()
            }))),
            Ok(())
        );
        assert_eq!(
            runner.log().last().map(|entry| entry.text.as_str()),
            Some("Payments was killed")
        );
        assert!(runner.handle(UiAction::LoadPreset("nope".into())).is_err());
        assert_eq!(
            runner.handle(UiAction::LoadPreset("poison-message".into())),
            Ok(())
        );
        assert_eq!(runner.in_flight_per_link().len(), 3);
    }

    #[test]
    fn frame_times_keep_the_last_frames_and_give_quantiles() {
        let mut times = FrameTimes::default();
        assert_eq!(times.quantile(0.95), 0.0);
        for frame in 0..1_000 {
            times.record(f64::from(frame % 100));
        }
        assert_eq!(times.count(), 1_000);
        assert_eq!(times.quantile(0.5), 49.0);
        assert_eq!(times.quantile(0.95), 94.0);
    }

    #[test]
    fn the_comparison_differs_only_in_link_kinds() {
        let (sync, asynchronous) = comparison(&presets::frozen_dependency());
        assert!(sync.links.iter().all(|link| link.kind == LinkKind::Sync));
        assert_eq!(
            asynchronous.links[0].kind,
            LinkKind::Sync,
            "users still call Orders over HTTP"
        );
        assert!(asynchronous.links[1..]
            .iter()
            .all(|link| link.kind == LinkKind::Async));
        assert_eq!(
            sync.faults, asynchronous.faults,
            "the same faults on both sides"
        );
        assert_eq!(sync.services, asynchronous.services);
        let mut left = Runner::new(sync, 1).expect("valid");
        let mut right = Runner::new(asynchronous, 1).expect("valid");
        for _ in 0..30 {
            left.speed = 10.0;
            right.speed = 10.0;
            left.advance(100.0);
            right.advance(100.0);
        }
        assert!(
            left.simulation().client_totals().failed() > 50,
            "the hang cascades on the sync side"
        );
        assert_eq!(
            right.simulation().client_totals().failed(),
            0,
            "the queue contains it"
        );
    }

    #[test]
    fn edits_restart_only_when_the_structure_changes_and_undo_walks_back() {
        use crate::editor::Edit;
        let mut runner = Runner::new(presets::checkout(), 1).expect("valid");
        runner.speed = 10.0;
        runner.advance(100.0);
        let later = runner.simulation().now();
        runner
            .handle(UiAction::Edit(Box::new(Edit::Move {
                name: "Orders".into(),
                x: 400.0,
                y: 200.0,
            })))
            .expect("move");
        assert_eq!(
            runner.simulation().now(),
            later,
            "a move does not disturb the run"
        );
        let mut orders = runner.scenario().services[0].clone();
        orders.workers = 50;
        runner
            .handle(UiAction::Edit(Box::new(Edit::SetService(Box::new(orders)))))
            .expect("knob");
        assert_eq!(
            runner.simulation().now(),
            later,
            "a knob changes the running simulation"
        );
        assert_eq!(
            runner
                .simulation()
                .node_by_name("Orders")
                .map(|node| node.workers),
            Some(50)
        );
        runner
            .handle(UiAction::Edit(Box::new(Edit::AddService {
                x: 600.0,
                y: 500.0,
            })))
            .expect("add");
        assert_eq!(
            runner.simulation().now(),
            SimTime::ZERO,
            "a new service restarts the run"
        );
        runner
            .handle(UiAction::Select(Some(Selection::Node("Service 1".into()))))
            .expect("select");
        runner.handle(UiAction::DeleteSelected).expect("delete");
        assert_eq!(runner.scenario().services.len(), 3);
        runner.handle(UiAction::Undo).expect("undo the delete");
        assert_eq!(runner.scenario().services.len(), 4);
        runner.handle(UiAction::Undo).expect("undo the add");
        runner.handle(UiAction::Undo).expect("undo the knob");
        assert_eq!(
            runner
                .simulation()
                .node_by_name("Orders")
                .map(|node| node.workers),
            Some(20)
        );
        runner.handle(UiAction::Redo).expect("redo");
        assert_eq!(runner.scenario().services[0].workers, 50);
        assert!(
            runner
                .handle(UiAction::Edit(Box::new(Edit::Connect {
                    from: "Payments".into(),
                    to: "Orders".into(),
                    kind: LinkKind::Sync
                })))
                .is_err(),
            "a cycle is refused"
        );
    }

    #[test]
    fn fault_keys_toggle_faults_on_the_selection() {
        let mut runner = Runner::new(presets::checkout(), 1).expect("valid");
        assert!(
            runner.handle(UiAction::FaultKey('k')).is_err(),
            "nothing selected"
        );
        runner
            .handle(UiAction::Select(Some(Selection::Node("Payments".into()))))
            .expect("select");
        runner.handle(UiAction::FaultKey('k')).expect("kill");
        let state = |runner: &Runner| {
            runner
                .simulation()
                .node_by_name("Payments")
                .map(|node| node.state)
        };
        assert_eq!(state(&runner), Some(cascade_sim::NodeState::Killed));
        runner.handle(UiAction::FaultKey('k')).expect("revive");
        runner.handle(UiAction::FaultKey('f')).expect("freeze");
        assert_eq!(state(&runner), Some(cascade_sim::NodeState::Frozen));
        runner
            .handle(UiAction::Select(Some(Selection::Link(1))))
            .expect("select link");
        runner.handle(UiAction::FaultKey('t')).expect("toggle");
        assert_eq!(runner.scenario().links[1].kind, LinkKind::Async);
        runner.handle(UiAction::FaultKey('p')).expect("cut");
        assert!(runner
            .simulation()
            .links()
            .nth(1)
            .is_some_and(|link| link.partitioned));
    }

    #[test]
    fn selecting_a_service_focuses_the_last_two_charts_on_it() {
        let mut runner = Runner::new(presets::frozen_dependency(), 1).expect("valid");
        runner.speed = 10.0;
        for _ in 0..10 {
            runner.advance(100.0);
        }
        runner.selected = Some(Selection::Node("Orders".into()));
        let [_, _, _, _, busy, waiting] = runner.charts();
        assert_eq!(busy.title, "Orders: busy threads");
        assert_eq!(
            busy.points.last().map(|(_, value)| *value),
            Some(20.0),
            "exhausted behind the hung Payments"
        );
        assert!(waiting.points.last().is_some_and(|(_, value)| *value > 0.0));
    }

    #[test]
    fn a_poison_message_tells_its_whole_story() {
        let mut runner = Runner::new(presets::poison_message(), 1).expect("valid");
        runner.speed = 10.0;
        for _ in 0..25 {
            runner.advance(100.0);
        }
        let entry = runner
            .log()
            .find(|entry| entry.request.is_some())
            .expect("a dead letter in the log");
        let request = entry.request.expect("request");
        let story = runner.request_story(request);
        let texts: Vec<&str> = story.iter().map(|(_, text)| text.as_str()).collect();
        assert_eq!(
            texts
                .iter()
                .filter(|text| text.starts_with("delivered to Payments"))
                .count(),
            6,
            "a delivery limit of 5 redeliveries is 6 deliveries (RabbitMQ quorum queues)\n\
             {texts:#?}"
        );
        assert!(texts
            .iter()
            .any(|text| text.starts_with("dead-lettered from Payments.queue")));
        assert!(
            story.windows(2).all(|pair| pair[0].0 <= pair[1].0),
            "in time order"
        );
        runner
            .handle(UiAction::InspectRequest(Some(request.0)))
            .expect("inspect");
        assert_eq!(runner.inspected, Some(request));
    }

    #[test]
    fn compact_counts() {
        assert_eq!(compact_count(42), "42");
        assert_eq!(compact_count(12_345), "12.3k");
        assert_eq!(compact_count(2_500_000), "2.5M");
    }
}
