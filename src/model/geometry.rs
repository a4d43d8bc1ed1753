//! Geometry: where nodes, links, broker queues and moving messages are drawn on the canvas,
//! and which of them a point on the canvas touches. Pure arithmetic on the scenario's
//! positions; the SVG and the dot layer both read it.

use cascade_sim::{InFlight, NodeId, Scenario, SimTime};

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
/// How far from a link's line a click still lands on the link (half the hit stroke's width).
pub const LINK_REACH: f64 = 9.0;

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
                    // Spread over the canvas, or wider than it when the boxes would overlap
                    // (the view then fits itself to them).
                    None => {
                        let across = (CANVAS_WIDTH / columns as f64).max(NODE_WIDTH + 60.0);
                        let down =
                            (CANVAS_HEIGHT / per_column[column] as f64).max(NODE_HEIGHT + 24.0);
                        Point {
                            x: across * (column as f64 + 0.5),
                            y: down * (row as f64 + 0.5),
                        }
                    }
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

    /// How many nodes are drawn.
    pub fn node_count(&self) -> usize {
        self.centers.len()
    }

    /// How many links are drawn.
    pub fn link_count(&self) -> usize {
        self.links.len()
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

    /// The rectangle around every node's box: (left, top, right, bottom); `None` without nodes.
    pub fn bounds(&self) -> Option<(f64, f64, f64, f64)> {
        let mut centers = self.centers.iter();
        let first = centers.next()?;
        let start = (first.x, first.y, first.x, first.y);
        let (left, top, right, bottom) = centers.fold(start, |(l, t, r, b), c| {
            (l.min(c.x), t.min(c.y), r.max(c.x), b.max(c.y))
        });
        Some((
            left - NODE_WIDTH / 2.0,
            top - NODE_HEIGHT / 2.0,
            right + NODE_WIDTH / 2.0,
            bottom + NODE_HEIGHT / 2.0,
        ))
    }

    /// The link a point touches, if any: within [`LINK_REACH`] of its line, or inside its queue
    /// box when `has_queue` says it is drawn with one. The last drawn wins, as on screen.
    pub fn link_at(&self, point: Point, has_queue: impl Fn(usize) -> bool) -> Option<usize> {
        (0..self.links.len()).rev().find(|link| {
            let (start, end) = self.link_ends(*link);
            if distance_to_segment(point, start, end) <= LINK_REACH {
                return true;
            }
            let middle = self.queue_center(*link);
            has_queue(*link)
                && (point.x - middle.x).abs() <= QUEUE_WIDTH / 2.0
                && (point.y - middle.y).abs() <= QUEUE_HEIGHT / 2.0
        })
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

/// The distance from `point` to the segment from `start` to `end`.
fn distance_to_segment(point: Point, start: Point, end: Point) -> f64 {
    let (dx, dy) = (end.x - start.x, end.y - start.y);
    let length_squared = dx * dx + dy * dy;
    let fraction = if length_squared == 0.0 {
        0.0
    } else {
        (((point.x - start.x) * dx + (point.y - start.y) * dy) / length_squared).clamp(0.0, 1.0)
    };
    let nearest = start.lerp(end, fraction);
    ((point.x - nearest.x).powi(2) + (point.y - nearest.y).powi(2)).sqrt()
}

/// The most the canvas zooms in (four times the fitted scale) and out.
pub const ZOOM_RANGE: (f64, f64) = (0.2, 4.0);
/// Stages narrower than this (CSS pixels; a phone) open readable rather than whole.
const NARROW_STAGE_PX: f64 = 600.0;
/// The smallest scale (CSS pixels per canvas unit) at which the canvas's 14 px text reads at
/// 10 px or more (with room for the stage's border): what a narrow stage opens at.
const READABLE_SCALE: f64 = 10.5 / 14.0;
/// Room kept around the nodes when the view is fitted to them, in canvas units.
const FIT_MARGIN: f64 = 40.0;

/// Where the canvas looks: the world point at the middle of the view and how far it is zoomed
/// in (1 shows a 1000 by 560 window of the world). The SVG's view box and the dot layer both
/// follow it; a share link keeps it.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Camera {
    /// Magnification: 2 shows half the width.
    pub zoom: f64,
    /// The world point at the middle of the view.
    pub x: f64,
    /// The world point at the middle of the view.
    pub y: f64,
}

impl Default for Camera {
    fn default() -> Self {
        Camera {
            zoom: 1.0,
            x: CANVAS_WIDTH / 2.0,
            y: CANVAS_HEIGHT / 2.0,
        }
    }
}

impl Camera {
    /// The world rectangle in view: (left, top, width, height).
    pub fn view_box(&self) -> (f64, f64, f64, f64) {
        let (width, height) = (CANVAS_WIDTH / self.zoom, CANVAS_HEIGHT / self.zoom);
        (self.x - width / 2.0, self.y - height / 2.0, width, height)
    }

    /// Zoomed by `factor` (within [`ZOOM_RANGE`]) keeping the world point `anchor` where it is
    /// on screen (under the pointer, or the middle for the keys and buttons).
    pub fn zoomed(self, factor: f64, anchor: Point) -> Camera {
        if !factor.is_finite() || factor <= 0.0 || !anchor.x.is_finite() || !anchor.y.is_finite() {
            return self;
        }
        let zoom = (self.zoom * factor).clamp(ZOOM_RANGE.0, ZOOM_RANGE.1);
        let applied = zoom / self.zoom;
        Camera {
            zoom,
            x: anchor.x + (self.x - anchor.x) / applied,
            y: anchor.y + (self.y - anchor.y) / applied,
        }
        .kept_near()
    }

    /// Moved by (`dx`, `dy`) world units.
    pub fn panned(self, dx: f64, dy: f64) -> Camera {
        if !dx.is_finite() || !dy.is_finite() {
            return self;
        }
        Camera {
            x: self.x + dx,
            y: self.y + dy,
            ..self
        }
        .kept_near()
    }

    /// The view a scenario opens with on a stage `stage_px` CSS pixels wide (when known):
    /// the canvas as it is when every node is on it, else fitted to the nodes (a large
    /// generated topology). A narrow stage (a phone) shows the left of the topology large
    /// enough to read, text at least 10 CSS pixels, instead of a shrunken picture; pan to
    /// see the rest.
    pub fn for_layout(layout: &Layout, stage_px: Option<f64>) -> Camera {
        let opening = match layout.bounds() {
            Some((left, top, right, bottom))
                if left < 0.0 || top < 0.0 || right > CANVAS_WIDTH || bottom > CANVAS_HEIGHT =>
            {
                Camera::fit(layout)
            }
            _ => Camera::default(),
        };
        let readable = match stage_px {
            Some(width) if width.is_finite() && width > 0.0 && width < NARROW_STAGE_PX => {
                READABLE_SCALE * CANVAS_WIDTH / width
            }
            _ => return opening,
        };
        if opening.zoom >= readable {
            return opening;
        }
        let zoom = readable.min(ZOOM_RANGE.1);
        let Some((left, top, _, bottom)) = layout.bounds() else {
            return opening;
        };
        Camera {
            zoom,
            x: left - FIT_MARGIN / 2.0 + CANVAS_WIDTH / zoom / 2.0,
            y: (top + bottom) / 2.0,
        }
        .checked()
    }

    /// Panned as little as needed, the zoom kept, to bring the world rectangle
    /// `(left, top, right, bottom)` into view with a margin; centred on it when it is larger
    /// than the view. (A story's step shows what it points at on a phone's narrow stage.)
    pub fn showing(self, (left, top, right, bottom): (f64, f64, f64, f64)) -> Camera {
        let (_, _, width, height) = self.view_box();
        let axis = |middle: f64, half_view: f64, low: f64, high: f64| {
            let margin = FIT_MARGIN.min(half_view / 2.0);
            let (low, high) = (low - margin, high + margin);
            if high - low >= 2.0 * half_view {
                (low + high) / 2.0
            } else if low < middle - half_view {
                low + half_view
            } else if high > middle + half_view {
                high - half_view
            } else {
                middle
            }
        };
        Camera {
            x: axis(self.x, width / 2.0, left, right),
            y: axis(self.y, height / 2.0, top, bottom),
            ..self
        }
        .checked()
    }

    /// The view that shows every node of `layout`, as large as fits (never beyond 1).
    pub fn fit(layout: &Layout) -> Camera {
        let Some((left, top, right, bottom)) = layout.bounds() else {
            return Camera::default();
        };
        let (width, height) = (
            right - left + 2.0 * FIT_MARGIN,
            bottom - top + 2.0 * FIT_MARGIN,
        );
        let zoom = (CANVAS_WIDTH / width)
            .min(CANVAS_HEIGHT / height)
            .clamp(ZOOM_RANGE.0, 1.0);
        Camera {
            zoom,
            x: (left + right) / 2.0,
            y: (top + bottom) / 2.0,
        }
        .checked()
    }

    /// Kept within reach of the world: the middle of the view never wanders further than a
    /// view's width from the canvas (a person cannot lose the topology by panning).
    fn kept_near(self) -> Camera {
        let (_, _, width, height) = self.view_box();
        Camera {
            x: self.x.clamp(-width, CANVAS_WIDTH + width),
            y: self.y.clamp(-height, CANVAS_HEIGHT + height),
            ..self
        }
    }

    /// A camera from a link, made safe: finite, within the zoom range.
    pub fn checked(self) -> Camera {
        if !(self.zoom.is_finite() && self.x.is_finite() && self.y.is_finite()) {
            return Camera::default();
        }
        Camera {
            zoom: self.zoom.clamp(ZOOM_RANGE.0, ZOOM_RANGE.1),
            ..self
        }
        .kept_near()
    }
}
