//! The app's web-free model: the running simulation with its play state, and the geometry that
//! places nodes, links, queues and moving messages on the canvas. Tested natively; the Yew
//! components only read it and send it commands.

use cascade_sim::{
    Command, CommandError, InFlight, LinkKind, NodeId, RunOutcome, Scenario, ScenarioError,
    SimDuration, SimTime, Simulation, TraceRetention,
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
/// Speeds offered in the UI.
pub const SPEEDS: [f64; 7] = [0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0];
/// Simulated time between two rate samples.
const RATE_SAMPLE_INTERVAL: SimDuration = SimDuration::from_millis(250);
/// Rates are averaged over this many samples (two simulated seconds).
const RATE_WINDOW_SAMPLES: usize = 8;

/// A point on the canvas.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Horizontal.
    pub x: f64,
    /// Vertical.
    pub y: f64,
}

impl Point {
    fn lerp(self, other: Point, fraction: f64) -> Point {
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
    links: Vec<(NodeId, NodeId, LinkKind)>,
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
        let links: Vec<(NodeId, NodeId, LinkKind)> = scenario
            .links
            .iter()
            .map(|link| (id_of(&link.from), id_of(&link.to), link.kind))
            .collect();
        // Depth = longest chain of calls leading to the node (the scenario has no cycles).
        let mut depth = vec![0usize; names.len()];
        for _ in 0..names.len() {
            for (from, to, _) in &links {
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
        Layout { centers, links }
    }

    /// The centre of a node.
    pub fn center(&self, node: NodeId) -> Point {
        self.centers[node.index()]
    }

    /// Updates a link's kind (it changes where its messages travel).
    pub fn set_link_kind(&mut self, link: usize, kind: LinkKind) {
        if let Some(entry) = self.links.get_mut(link) {
            entry.2 = kind;
        }
    }

    /// Where a link's line starts and ends: on the borders of the two boxes.
    pub fn link_ends(&self, link: usize) -> (Point, Point) {
        let (from, to, _) = self.links[link];
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
        let link = in_flight.link.index();
        let (start, end) = self.link_ends(link);
        let middle = self.queue_center(link);
        let total = in_flight
            .arrives_at
            .since(in_flight.sent_at)
            .as_micros()
            .max(1) as f64;
        let fraction = (now.since(in_flight.sent_at).as_micros() as f64 / total).clamp(0.0, 1.0);
        let (from, to, lane) = match in_flight.leg {
            cascade_sim::Leg::Forward => (start, end, -LANE_OFFSET),
            cascade_sim::Leg::Back => (end, start, -LANE_OFFSET),
            cascade_sim::Leg::ToBroker => (
                start,
                clip_to_box(middle, start, QUEUE_WIDTH, QUEUE_HEIGHT),
                0.0,
            ),
            cascade_sim::Leg::FromBroker => (
                clip_to_box(middle, end, QUEUE_WIDTH, QUEUE_HEIGHT),
                end,
                0.0,
            ),
        };
        let point = from.lerp(to, fraction);
        let (dx, dy) = (to.x - from.x, to.y - from.y);
        let length = (dx * dx + dy * dy).sqrt().max(1e-9);
        // Perpendicular to the direction of travel: each direction gets its own lane.
        Point {
            x: point.x - dy / length * lane,
            y: point.y + dx / length * lane,
        }
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

/// The simulation as the UI drives it: scenario, seed, play state and speed.
pub struct Runner {
    scenario: Scenario,
    seed: u64,
    simulation: Simulation,
    layout: Layout,
    /// True while time advances.
    pub playing: bool,
    /// Simulated seconds per wall-clock second.
    pub speed: f64,
    in_flight: Vec<InFlight>,
    samples: VecDeque<(SimTime, u64, u64)>,
}

impl Runner {
    /// A runner at time zero, playing at half speed.
    pub fn new(scenario: Scenario, seed: u64) -> Result<Self, ScenarioError> {
        let simulation = Simulation::new(&scenario, seed, TraceRetention::Recent(200))?;
        let layout = Layout::new(&scenario);
        Ok(Runner {
            scenario,
            seed,
            simulation,
            layout,
            playing: true,
            speed: 0.5,
            in_flight: Vec::new(),
            samples: VecDeque::new(),
        })
    }

    /// The scenario (with link kinds as last switched).
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
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
        let step = SimDuration::from_millis_f64(wall_ms * self.speed);
        let target = self.simulation.now() + step;
        let outcome = self.simulation.run_until(target, FRAME_EVENT_BUDGET);
        self.sample_rates();
        outcome
    }

    fn sample_rates(&mut self) {
        let now = self.simulation.now();
        let due = self
            .samples
            .back()
            .is_none_or(|(time, _, _)| now.since(*time) >= RATE_SAMPLE_INTERVAL);
        if due {
            let totals = self.simulation.client_totals();
            self.samples
                .push_back((now, totals.succeeded, totals.failed()));
            if self.samples.len() > RATE_WINDOW_SAMPLES + 1 {
                self.samples.pop_front();
            }
        }
    }

    /// Recent end-to-end rates.
    pub fn rates(&self) -> Rates {
        match (self.samples.front(), self.samples.back()) {
            (Some(first), Some(last)) if last.0 > first.0 => {
                let seconds = last.0.since(first.0).as_micros() as f64 / 1e6;
                Rates {
                    succeeded_per_second: (last.1 - first.1) as f64 / seconds,
                    failed_per_second: (last.2 - first.2) as f64 / seconds,
                }
            }
            _ => Rates::default(),
        }
    }

    /// Applies a fault or change now. A link switch is also written into the scenario, so a
    /// reset keeps the topology the user built.
    pub fn apply(&mut self, command: Command) -> Result<(), CommandError> {
        self.simulation.apply(command.clone())?;
        if let Command::SetLinkKind { link, kind } = command {
            self.scenario.links[link as usize].kind = kind;
            self.layout.set_link_kind(link as usize, kind);
        }
        Ok(())
    }

    /// Starts the scenario again from time zero with the same seed.
    pub fn reset(&mut self) {
        self.simulation = Simulation::new(&self.scenario, self.seed, TraceRetention::Recent(200))
            .expect("a scenario that ran once stays valid");
        self.samples.clear();
    }

    /// What a frame draws: the geometry, the transmissions on the wire now (buffer reused
    /// between frames) and the instant they are at.
    pub fn frame(&mut self) -> (&Layout, &[InFlight], SimTime) {
        self.simulation.fill_in_flight(&mut self.in_flight);
        (&self.layout, &self.in_flight, self.simulation.now())
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
    fn compact_counts() {
        assert_eq!(compact_count(42), "42");
        assert_eq!(compact_count(12_345), "12.3k");
        assert_eq!(compact_count(2_500_000), "2.5M");
    }
}
