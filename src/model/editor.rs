//! Editing the topology: every change a person makes on the canvas or in the inspector is an
//! [`Edit`], applied to the scenario as a whole, validated, and kept in an undo history. The
//! runner then takes the new scenario in the least disruptive way: a move only redraws, a knob
//! is changed in the running simulation, and only a change of structure restarts it.

use super::geometry::{Layout, CANVAS_HEIGHT, CANVAS_WIDTH, NODE_HEIGHT, NODE_WIDTH};
use cascade_sim::{ClientSpec, Command, LinkKind, LinkSpec, Position, Scenario, ServiceSpec};

/// Positions snap to this grid.
pub const GRID: f64 = 20.0;
/// A paste of more nodes than this keeps their shape instead of looking for free slots.
const PLACED_ONE_BY_ONE: usize = 20;
/// Undo steps kept.
const HISTORY_LIMIT: usize = 100;

/// One change to the topology.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// A new service at a point, or the nearest free grid slot (named "Service N").
    AddService { x: f64, y: f64 },
    /// A new open-loop load source at a point, or the nearest free grid slot ("Users N").
    AddClient { x: f64, y: f64 },
    /// Move a node (snapped to the grid, kept on the canvas).
    Move { name: String, x: f64, y: f64 },
    /// Connect two nodes.
    Connect {
        from: String,
        to: String,
        kind: LinkKind,
    },
    /// Remove a node and its links.
    DeleteNode { name: String },
    /// Remove a link.
    DeleteLink { index: usize },
    /// Rename a node (links follow).
    Rename { from: String, to: String },
    /// Replace a service's knobs (by its current name).
    SetService(Box<ServiceSpec>),
    /// Replace a load source's knobs (by its current name).
    SetClient(Box<ClientSpec>),
    /// Replace a link's knobs.
    SetLink { index: usize, spec: Box<LinkSpec> },
    /// Switch a link to sync or async.
    SetLinkKind { index: usize, kind: LinkKind },
    /// Move several nodes by the same offset (snapped, kept on the canvas), as one change.
    MoveMany {
        names: Vec<String>,
        dx: f64,
        dy: f64,
    },
    /// Remove several nodes and their links, as one change.
    DeleteNodes { names: Vec<String> },
    /// Add copies of nodes and of the links between them, renamed and placed on free slots
    /// near the originals (offset by `offset` canvas units), as one change.
    Paste {
        services: Vec<ServiceSpec>,
        clients: Vec<ClientSpec>,
        links: Vec<LinkSpec>,
        offset: f64,
    },
}

/// How the running simulation should take an edited scenario.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Only where things are drawn changed.
    Layout,
    /// Knobs changed: apply these commands to the running simulation.
    Knobs(Vec<Command>),
    /// Nodes or links were added, removed or renamed: start again from time zero.
    Structure,
}

/// The scenario being edited with its undo and redo stacks.
#[derive(Clone, Debug, Default)]
pub struct History {
    undo: Vec<Scenario>,
    redo: Vec<Scenario>,
}

impl History {
    /// What `edit` makes of `scenario`, validated; the history is not touched (see
    /// [`History::record`], once the running simulation took it).
    pub fn edited(scenario: &Scenario, edit: Edit) -> Result<Scenario, String> {
        let edited = apply_edit(scenario, edit)?;
        // The problem in words: the field's path ("services[2].name") is for a file's author.
        edited.validate().map_err(|error| error.problem)?;
        Ok(edited)
    }

    /// Remembers `previous` as the scenario before a change that took: it goes on the undo
    /// stack, and the redo stack is forgotten (it led somewhere else).
    pub fn record(&mut self, previous: Scenario) {
        self.undo.push(previous);
        if self.undo.len() > HISTORY_LIMIT {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    /// How many changes an undo can take back: where in the history the page is.
    pub fn depth(&self) -> usize {
        self.undo.len()
    }

    /// The scenario an undo would go back to.
    pub fn undo_target(&self) -> Option<&Scenario> {
        self.undo.last()
    }

    /// The scenario a redo would go forward to.
    pub fn redo_target(&self) -> Option<&Scenario> {
        self.redo.last()
    }

    /// An undo took: `current` (what it left) can be redone.
    pub fn undone(&mut self, current: Scenario) {
        if self.undo.pop().is_some() {
            self.redo.push(current);
        }
    }

    /// Forgets the last change recorded (an undo took it back another way: the run went back
    /// to before it on its timeline).
    pub fn forget_last(&mut self) {
        self.undo.pop();
    }

    /// A redo took: `current` (what it left) can be undone again.
    pub fn redone(&mut self, current: Scenario) {
        if self.redo.pop().is_some() {
            self.undo.push(current);
        }
    }

    /// Applies an edit to `scenario`. On success the old scenario goes on the undo stack, the
    /// redo stack is forgotten (it led somewhere else) and the new one is returned; on error
    /// nothing changes and the error names the problem. An edit that changes nothing leaves
    /// the history as it is.
    pub fn apply(&mut self, scenario: &Scenario, edit: Edit) -> Result<Scenario, String> {
        let edited = apply_edit(scenario, edit)?;
        // The problem in words: the field's path ("services[2].name") is for a file's author.
        edited.validate().map_err(|error| error.problem)?;
        if edited == *scenario {
            return Ok(edited);
        }
        self.undo.push(scenario.clone());
        if self.undo.len() > HISTORY_LIMIT {
            self.undo.remove(0);
        }
        self.redo.clear();
        Ok(edited)
    }

    /// The scenario before the last edit, if any.
    pub fn undo(&mut self, current: &Scenario) -> Option<Scenario> {
        let previous = self.undo.pop()?;
        self.redo.push(current.clone());
        Some(previous)
    }

    /// The scenario the last undo went back from, if any.
    pub fn redo(&mut self, current: &Scenario) -> Option<Scenario> {
        let next = self.redo.pop()?;
        self.undo.push(current.clone());
        Some(next)
    }

    /// Whether there is something to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether there is something to redo.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Forgets everything (a preset or an import replaces the scenario).
    pub fn clear(&mut self) {
        self.undo.clear();
        self.redo.clear();
    }
}

/// A coordinate on the grid, with a box of `size` kept whole inside `0..max`.
fn snap(value: f64, size: f64, max: f64) -> f64 {
    let low = (size / 2.0 / GRID).ceil() * GRID;
    let high = ((max - size / 2.0) / GRID).floor() * GRID;
    ((value / GRID).round() * GRID).clamp(low, high)
}

/// A node's place on the grid, its box inside the canvas.
fn position(x: f64, y: f64) -> Option<Position> {
    Some(Position {
        x: snap(x, NODE_WIDTH, CANVAS_WIDTH),
        y: snap(y, NODE_HEIGHT, CANVAS_HEIGHT),
    })
}

/// The grid slot nearest to (`x`, `y`) where a new node's box overlaps no other, with a gap
/// if there is room for one; the snapped point itself when the canvas is full.
fn free_position(scenario: &Scenario, x: f64, y: f64) -> Option<Position> {
    let layout = Layout::new(scenario);
    let taken: Vec<_> = (0..scenario.node_names().count())
        .map(|index| layout.center(cascade_sim::NodeId(index as u32)))
        .collect();
    let wanted = position(x, y)?;
    // Every grid slot a node fits in.
    let mut slots = Vec::new();
    let (columns, rows) = ((CANVAS_WIDTH / GRID) as i32, (CANVAS_HEIGHT / GRID) as i32);
    for column in 0..=columns {
        for row in 0..=rows {
            if let Some(slot) = position(f64::from(column) * GRID, f64::from(row) * GRID) {
                slots.push(slot);
            }
        }
    }
    let distance = |at: &Position| (at.x - wanted.x).powi(2) + (at.y - wanted.y).powi(2);
    // The nearest free one (the first in column order among equally near ones); a search,
    // not a sort: no sorting code in the page for this.
    [GRID, 0.0]
        .into_iter()
        .find_map(|gap| {
            slots
                .iter()
                .copied()
                .filter(|at| {
                    taken.iter().all(|center| {
                        (center.x - at.x).abs() >= NODE_WIDTH + gap
                            || (center.y - at.y).abs() >= NODE_HEIGHT + gap
                    })
                })
                .min_by(|a, b| distance(a).total_cmp(&distance(b)))
        })
        .or(Some(wanted))
}

/// "Orders copy", then "Orders copy 2", ...: the first name no node has.
fn copy_name(scenario: &Scenario, name: &str) -> String {
    // Room for " copy 999" within the longest name a scenario allows.
    let kept: String = name
        .chars()
        .take(cascade_sim::scenario::MAX_NAME_CHARS.saturating_sub(9))
        .collect();
    let stem = format!("{} copy", kept.trim_end());
    if scenario.node_names().all(|taken| taken != stem) {
        return stem;
    }
    (2..)
        .map(|number| format!("{stem} {number}"))
        .find(|candidate| scenario.node_names().all(|taken| taken != candidate))
        .expect("some number is free")
}

fn unused_name(scenario: &Scenario, stem: &str) -> String {
    (1..)
        .map(|number| format!("{stem} {number}"))
        .find(|name| scenario.node_names().all(|taken| taken != name))
        .expect("some number is free")
}

fn apply_edit(scenario: &Scenario, edit: Edit) -> Result<Scenario, String> {
    let mut next = scenario.clone();
    match edit {
        Edit::AddService { x, y } => {
            let name = unused_name(scenario, "Service");
            next.services.push(ServiceSpec {
                name,
                position: free_position(scenario, x, y),
                ..ServiceSpec::default()
            });
        }
        Edit::AddClient { x, y } => {
            let name = unused_name(scenario, "Users");
            next.clients.push(ClientSpec {
                name,
                position: free_position(scenario, x, y),
                ..ClientSpec::default()
            });
        }
        Edit::Move { name, x, y } => {
            let place = position(x, y);
            if let Some(service) = next
                .services
                .iter_mut()
                .find(|service| service.name == name)
            {
                service.position = place;
            } else if let Some(client) = next.clients.iter_mut().find(|client| client.name == name)
            {
                client.position = place;
            } else {
                return Err(format!("nothing is named {name:?}"));
            }
        }
        Edit::Connect { from, to, kind } => {
            if next
                .links
                .iter()
                .any(|link| link.from == from && link.to == to)
            {
                return Err(format!("{from} already calls {to}"));
            }
            next.links.push(LinkSpec {
                from,
                to,
                kind,
                latency: cascade_sim::Distribution::Constant { ms: 40.0 },
                ..LinkSpec::default()
            });
        }
        Edit::DeleteNode { name } => {
            let before = next.services.len() + next.clients.len();
            next.services.retain(|service| service.name != name);
            next.clients.retain(|client| client.name != name);
            if next.services.len() + next.clients.len() == before {
                return Err(format!("nothing is named {name:?}"));
            }
            next.links
                .retain(|link| link.from != name && link.to != name);
            next.faults.clear();
        }
        Edit::MoveMany { names, dx, dy } => {
            let layout = Layout::new(scenario);
            let all: Vec<&str> = scenario.node_names().collect();
            for name in &names {
                let index = all
                    .iter()
                    .position(|node| node == name)
                    .ok_or_else(|| format!("nothing is named {name:?}"))?;
                let at = layout.center(cascade_sim::NodeId(index as u32));
                let place = position(at.x + dx, at.y + dy);
                if let Some(service) = next.services.iter_mut().find(|s| s.name == *name) {
                    service.position = place;
                } else if let Some(client) = next.clients.iter_mut().find(|c| c.name == *name) {
                    client.position = place;
                }
            }
        }
        Edit::DeleteNodes { names } => {
            for name in &names {
                if scenario.node_names().all(|node| node != name) {
                    return Err(format!("nothing is named {name:?}"));
                }
            }
            next.services
                .retain(|service| !names.contains(&service.name));
            next.clients.retain(|client| !names.contains(&client.name));
            next.links
                .retain(|link| !names.contains(&link.from) && !names.contains(&link.to));
            next.faults.clear();
        }
        Edit::Paste {
            services,
            clients,
            links,
            offset,
        } => {
            let mut renamed: Vec<(String, String)> = Vec::new();
            let many = services.len() + clients.len() > PLACED_ONE_BY_ONE;
            let originals = Layout::new(scenario);
            let names: Vec<&str> = scenario.node_names().collect();
            let place = |next: &Scenario, name: &str, kept: Option<Position>| {
                let at = kept.or_else(|| {
                    names.iter().position(|node| *node == name).map(|index| {
                        let center = originals.center(cascade_sim::NodeId(index as u32));
                        Position {
                            x: center.x,
                            y: center.y,
                        }
                    })
                });
                at.and_then(|at| {
                    if many {
                        // A large paste keeps its shape, offset: searching a free slot for
                        // each of hundreds of nodes would freeze the page.
                        position(at.x + offset, at.y + offset)
                    } else {
                        free_position(next, at.x + offset, at.y + offset)
                    }
                })
            };
            for client in clients {
                let name = copy_name(&next, &client.name);
                let position = place(&next, &client.name, client.position);
                renamed.push((client.name.clone(), name.clone()));
                next.clients.push(ClientSpec {
                    name,
                    position,
                    ..client
                });
            }
            for service in services {
                let name = copy_name(&next, &service.name);
                let position = place(&next, &service.name, service.position);
                renamed.push((service.name.clone(), name.clone()));
                next.services.push(ServiceSpec {
                    name,
                    position,
                    ..service
                });
            }
            let new_name = |old: &str| {
                renamed
                    .iter()
                    .find(|(from, _)| from == old)
                    .map(|(_, to)| to.clone())
            };
            for link in links {
                if let (Some(from), Some(to)) = (new_name(&link.from), new_name(&link.to)) {
                    // A queue named after its consumer would clash with the original's.
                    let mut async_policy = link.async_policy.clone();
                    async_policy.queue = None;
                    next.links.push(LinkSpec {
                        from,
                        to,
                        async_policy,
                        ..link
                    });
                }
            }
        }
        Edit::DeleteLink { index } => {
            if index >= next.links.len() {
                return Err(format!("there is no link number {index}"));
            }
            next.links.remove(index);
            next.faults.clear();
        }
        Edit::Rename { from, to } => {
            let to = to.trim().to_string();
            if to.is_empty() {
                return Err("a name cannot be empty".into());
            }
            for service in next
                .services
                .iter_mut()
                .filter(|service| service.name == from)
            {
                service.name = to.clone();
            }
            for client in next.clients.iter_mut().filter(|client| client.name == from) {
                client.name = to.clone();
            }
            for link in &mut next.links {
                if link.from == from {
                    link.from = to.clone();
                }
                if link.to == from {
                    link.to = to.clone();
                }
            }
            next.faults.clear();
        }
        Edit::SetService(spec) => {
            let missing = format!("no service is named {:?}", spec.name);
            let slot = next
                .services
                .iter_mut()
                .find(|service| service.name == spec.name);
            *slot.ok_or(missing)? = *spec;
        }
        Edit::SetClient(spec) => {
            let missing = format!("no load source is named {:?}", spec.name);
            let slot = next
                .clients
                .iter_mut()
                .find(|client| client.name == spec.name);
            *slot.ok_or(missing)? = *spec;
        }
        Edit::SetLink { index, spec } => {
            let slot = next
                .links
                .get_mut(index)
                .ok_or(format!("there is no link number {index}"))?;
            *slot = *spec;
        }
        Edit::SetLinkKind { index, kind } => {
            next.links
                .get_mut(index)
                .ok_or(format!("there is no link number {index}"))?
                .kind = kind;
        }
    }
    Ok(next)
}

/// What it takes to go from `before` to `after` in a running simulation.
pub fn change_between(before: &Scenario, after: &Scenario) -> Change {
    let same_nodes = before.services.len() == after.services.len()
        && before.clients.len() == after.clients.len()
        && before
            .services
            .iter()
            .zip(&after.services)
            .all(|(a, b)| a.name == b.name)
        && before
            .clients
            .iter()
            .zip(&after.clients)
            .all(|(a, b)| a.name == b.name);
    let same_links = before.links.len() == after.links.len()
        && before.links.iter().zip(&after.links).all(|(a, b)| {
            a.from == b.from
                && a.to == b.to
                && a.async_policy.queue_name(&a.to) == b.async_policy.queue_name(&b.to)
        });
    if !same_nodes || !same_links {
        return Change::Structure;
    }
    let mut commands = Vec::new();
    for (a, b) in before.services.iter().zip(&after.services) {
        if without_position(a) != without_position(b) {
            commands.push(Command::UpdateService { spec: b.clone() });
        }
    }
    for (a, b) in before.clients.iter().zip(&after.clients) {
        if (ClientSpec {
            position: None,
            ..a.clone()
        }) != (ClientSpec {
            position: None,
            ..b.clone()
        }) {
            commands.push(Command::UpdateClient { spec: b.clone() });
        }
    }
    for (index, (a, b)) in before.links.iter().zip(&after.links).enumerate() {
        if a.kind != b.kind
            && (LinkSpec {
                kind: b.kind,
                ..a.clone()
            }) == *b
        {
            // Only the kind: the short command, as the share link's log reads best.
            commands.push(Command::SetLinkKind {
                link: index as u32,
                kind: b.kind,
            });
        } else if a != b {
            commands.push(Command::UpdateLink {
                link: index as u32,
                spec: b.clone(),
            });
        }
    }
    if commands.is_empty() {
        Change::Layout
    } else {
        Change::Knobs(commands)
    }
}

fn without_position(spec: &ServiceSpec) -> ServiceSpec {
    ServiceSpec {
        position: None,
        ..spec.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_sim::presets;

    #[test]
    fn adding_connecting_and_undoing_build_and_unbuild_a_topology() {
        let mut history = History::default();
        let empty = Scenario::default();
        let one = history
            .apply(&empty, Edit::AddClient { x: 103.0, y: 288.0 })
            .expect("add");
        let two = history
            .apply(&one, Edit::AddService { x: 507.0, y: 287.0 })
            .expect("add");
        assert_eq!(two.services[0].name, "Service 1");
        assert_eq!(
            two.services[0].position,
            Some(Position { x: 500.0, y: 280.0 }),
            "snapped to the grid"
        );
        let three = history
            .apply(
                &two,
                Edit::Connect {
                    from: "Users 1".into(),
                    to: "Service 1".into(),
                    kind: LinkKind::Sync,
                },
            )
            .expect("connect");
        assert_eq!(three.links.len(), 1);
        assert!(
            history
                .apply(
                    &three,
                    Edit::Connect {
                        from: "Service 1".into(),
                        to: "Users 1".into(),
                        kind: LinkKind::Sync
                    }
                )
                .is_err(),
            "a link into a load source is refused"
        );
        assert_eq!(history.undo(&three).as_ref(), Some(&two));
        assert_eq!(history.redo(&two).as_ref(), Some(&three));
        assert!(!history.can_redo());
    }

    #[test]
    fn deleting_and_renaming_keep_links_consistent() {
        let mut history = History::default();
        let checkout = presets::checkout();
        let renamed = history
            .apply(
                &checkout,
                Edit::Rename {
                    from: "Payments".into(),
                    to: "Billing <b>".into(),
                },
            )
            .expect("rename");
        assert!(renamed.links.iter().any(|link| link.to == "Billing <b>"));
        let deleted = history
            .apply(
                &renamed,
                Edit::DeleteNode {
                    name: "Billing <b>".into(),
                },
            )
            .expect("delete");
        assert_eq!(deleted.services.len(), 2);
        assert!(deleted.links.iter().all(|link| link.to != "Billing <b>"));
        assert!(
            history
                .apply(
                    &deleted,
                    Edit::Rename {
                        from: "Orders".into(),
                        to: "Inventory".into()
                    }
                )
                .is_err(),
            "names stay unique"
        );
        assert!(history
            .apply(&deleted, Edit::DeleteLink { index: 9 })
            .is_err());
    }

    #[test]
    fn the_least_disruptive_change_is_chosen() {
        let checkout = presets::checkout();
        let mut history = History::default();
        let moved = history
            .apply(
                &checkout,
                Edit::Move {
                    name: "Orders".into(),
                    x: 400.0,
                    y: 100.0,
                },
            )
            .expect("move");
        assert_eq!(change_between(&checkout, &moved), Change::Layout);
        let mut orders = checkout.services[0].clone();
        orders.workers = 40;
        let tuned = history
            .apply(&checkout, Edit::SetService(Box::new(orders.clone())))
            .expect("knob");
        assert_eq!(
            change_between(&checkout, &tuned),
            Change::Knobs(vec![Command::UpdateService { spec: orders }])
        );
        let grown = history
            .apply(&checkout, Edit::AddService { x: 100.0, y: 100.0 })
            .expect("add");
        assert_eq!(change_between(&checkout, &grown), Change::Structure);
    }

    #[test]
    fn autosaved_json_comes_back_and_garbage_is_refused() {
        let text = serde_json::to_string(&presets::checkout()).expect("json");
        assert_eq!(
            Scenario::from_json(&text).expect("valid"),
            presets::checkout()
        );
        assert!(Scenario::from_json("{\"services\": 7").is_err());
    }
}
