//! The playground's rules for time, faults, the scenario and the canvas: one clock for both
//! sides of the compare view, faults on both at the same instant, every change to the
//! scenario through the history.

use super::{other_kind, Compare, Playground};
use crate::model::action::{Block, Changed, Fault, Selection, UiError};
use crate::model::editor::{Change, Edit, History};
use crate::model::geometry::Point;
use crate::model::reading::Pin;
use crate::model::replay::REPLAY_SLICE_EVENTS;
use crate::model::runner::Runner;
use cascade_sim::{Command, CommandError, LinkKind, NodeState, RunOutcome, Scenario, SimTime};

impl Playground {
    // ---- time ---------------------------------------------------------------------------

    /// A frame: a shared run still opening replays a slice; otherwise the runs advance at the
    /// speed while playing. The compare view's sides share a clock: while the async side is
    /// still catching up (its frame budget ran out), the sync side waits for it.
    pub(super) fn advance(&mut self, wall_elapsed_ms: f64) -> Result<Changed, UiError> {
        if let Some(opening) = &mut self.opening {
            return match opening.advance(REPLAY_SLICE_EVENTS) {
                Ok(false) => Ok(Changed::View),
                Ok(true) => {
                    if let Some(opening) = self.opening.take() {
                        self.take_opened(opening.into_opened());
                    }
                    Ok(Changed::Opened)
                }
                Err(error) => {
                    self.opening = None;
                    Err(error)
                }
            };
        }
        if !self.playing {
            return Ok(Changed::Nothing);
        }
        let max_events = self.pace.frame_events();
        let events_before = self.events_processed();
        let started = self.main.simulation().now();
        let side_behind = self
            .compare
            .as_ref()
            .is_some_and(|compare| compare.side.simulation().now() < started);
        let limit = self.story_limit();
        if !side_behind {
            self.main
                .advance_within(wall_elapsed_ms, self.speed, max_events, limit);
        }
        let now = self.main.simulation().now();
        if let Some(compare) = &mut self.compare {
            compare.side.run_to(now, max_events);
        }
        let wall_ms = wall_elapsed_ms.max(0.0);
        // A story's step ends where it ends: what lies past it was not asked of this frame
        // (a step held to be read is not slow motion).
        let asked_ms = limit.map_or(wall_ms * self.speed, |limit| {
            (wall_ms * self.speed).min(limit.since(started).as_millis_f64())
        });
        self.pace.ran(
            wall_ms,
            asked_ms,
            now.since(started).as_millis_f64(),
            self.events_processed() - events_before,
        );
        Ok(self.story_plays_on(wall_elapsed_ms)?.max(Changed::View))
    }

    /// Events the runs (both sides in the compare view) have handled so far.
    fn events_processed(&self) -> u64 {
        self.main.simulation().events_processed()
            + self
                .compare
                .as_ref()
                .map_or(0, |compare| compare.side.simulation().events_processed())
    }

    /// Shows the runs at `time` of their timeline, paused (both sides of the compare view).
    pub(super) fn seek(&mut self, time: SimTime) -> Result<Changed, UiError> {
        self.playing = false;
        self.main.seek(time)?;
        let now = self.main.simulation().now();
        if let Some(compare) = &mut self.compare {
            compare.side.seek(now)?;
        }
        // The request shown may not have started yet at that moment.
        self.inspected = None;
        Ok(Changed::Run)
    }

    /// A fault or a link switch given as a command (the embed API, a story's step).
    pub(super) fn apply_command(&mut self, command: &Command) -> Result<Changed, UiError> {
        match command {
            Command::SetLinkKind { link, kind } => self.set_link_kind(*link as usize, *kind),
            Command::UpdateService { .. }
            | Command::UpdateClient { .. }
            | Command::UpdateLink { .. } => Err(UiError::Missing(
                "knobs change through the scenario (load a share link with them), not as a \
                 command"
                    .into(),
            )),
            _ => self.command(command.clone()),
        }
    }

    // ---- stories ------------------------------------------------------------------------

    /// Starts reading `story` at its first step. A story whose first step is too far to
    /// compute is refused before anything changes.
    pub(super) fn open_story(&mut self, story: cascade_sim::Story) -> Result<Changed, UiError> {
        story.validate().map_err(UiError::from)?;
        within_reach(&story, 0)?;
        self.reading = Some(crate::model::reading::Reading { story, step: 0 });
        self.go_to_step(0)?;
        Ok(Changed::Scenario)
    }

    /// Shows step `step` of the story being read: the run from time zero, every step up to it
    /// in turn (its commands, its time, and what the reader was asked to do on the way). A
    /// step too far to compute is refused before anything changes: the reader stays where
    /// they are, with what they did there.
    pub(super) fn go_to_step(&mut self, step: usize) -> Result<Changed, UiError> {
        let reading = self
            .reading
            .as_ref()
            .ok_or(UiError::NoStory(String::new()))?;
        let step = step.min(reading.story.steps.len().saturating_sub(1));
        within_reach(&reading.story, step)?;
        let reading = self.reading.take().ok_or(UiError::NoStory(String::new()))?;
        let result = self.replay_story(&reading.story, step);
        self.reading = Some(crate::model::reading::Reading { step, ..reading });
        self.show_the_steps_pins();
        result.map(|()| Changed::Run)
    }

    /// What the step being read points at comes into view (a narrow stage shows part of the
    /// canvas), the zoom kept.
    pub(super) fn show_the_steps_pins(&mut self) {
        let Some(reading) = &self.reading else {
            return;
        };
        let pinned = reading
            .pins(self.main.layout())
            .iter()
            .map(Pin::bounds)
            .reduce(|(l, t, r, b), (left, top, right, bottom)| {
                (l.min(left), t.min(top), r.max(right), b.max(bottom))
            });
        if let Some(area) = pinned {
            self.camera = self.camera.showing(area);
        }
    }

    /// The story's scenario at time zero with its seed (no step taken yet).
    pub(super) fn story_from_time_zero(
        &mut self,
        story: &cascade_sim::Story,
    ) -> Result<(), UiError> {
        self.compare = None;
        self.load(story.scenario.clone())?;
        self.restart(story.seed)?;
        self.preset = super::preset_named(&story.scenario.name);
        Ok(())
    }

    fn replay_story(&mut self, story: &cascade_sim::Story, step: usize) -> Result<(), UiError> {
        self.story_from_time_zero(story)?;
        for (index, part) in story.steps.iter().enumerate().take(step + 1) {
            for command in &part.commands {
                self.apply_command(&command.0)?;
            }
            if let Some(seconds) = part.run_to_s {
                let time =
                    SimTime::ZERO + cascade_sim::SimDuration::from_millis_f64(seconds * 1_000.0);
                // Within reach (checked first), so this ends.
                if self.main.catch_up(time) == RunOutcome::StuckAtInstant {
                    return Err(CommandError::StuckAtInstant(self.main.simulation().now()).into());
                }
            }
            if index < step {
                if let Some(until) = &part.until {
                    if !crate::model::reading::done(&until.0, &self.main) {
                        self.apply_command(&until.0)?;
                    }
                }
            }
        }
        // Changes made by the story are not the reader's to undo.
        self.history.clear();
        self.playing = false;
        Ok(())
    }

    /// The async side does now whatever it has not done yet up to the main side's instant.
    pub(super) fn side_catches_up(&mut self) {
        let now = self.main.simulation().now();
        if let Some(compare) = &mut self.compare {
            compare.side.catch_up(now);
        }
    }

    /// Both sides from time zero with `seed`.
    pub(super) fn restart(&mut self, seed: u64) -> Result<(), UiError> {
        self.main.restart(seed)?;
        if let Some(compare) = &mut self.compare {
            compare.side.restart(seed)?;
        }
        // Request ids start again at 1: the old path would mix with the new run.
        self.inspected = None;
        Ok(())
    }

    /// A fault or change for the run: on both sides of the compare view, at the same instant
    /// (the async side first catches up, as a share link replays it).
    pub(super) fn command(&mut self, command: Command) -> Result<Changed, UiError> {
        if let Some(compare) = &mut self.compare {
            compare.side.settle()?;
            self.main.settle()?;
            let now = self.main.simulation().now();
            if compare.side.catch_up(now) == RunOutcome::StuckAtInstant {
                return Err(CommandError::StuckAtInstant(compare.side.simulation().now()).into());
            }
            // The sides share nodes and states, so a command one takes the other takes too;
            // checked on the async side first so that a refusal leaves both as they were.
            compare.side.apply(command.clone())?;
        }
        self.main.apply(command)?;
        Ok(Changed::Run)
    }

    /// A service's state, whether it is slowed and whether it fails on purpose.
    pub(super) fn service_state(&self, name: &str) -> Result<(NodeState, bool, bool), UiError> {
        let node = self
            .main
            .simulation()
            .node_by_name(name)
            .filter(|node| !node.is_client)
            .ok_or_else(|| UiError::Missing(format!("no service is named {name:?}")))?;
        Ok((node.state, node.slow_factor > 1.0, node.error_rate > 0.0))
    }

    // ---- the scenario -------------------------------------------------------------------

    /// A new scenario from time zero (a preset, an import): a new history, nothing selected.
    /// In the compare view both sides take it.
    pub(super) fn load(&mut self, scenario: Scenario) -> Result<Changed, UiError> {
        let seed = self.main.seed();
        if self.compare.is_some() {
            let (sync, asynchronous) = crate::model::compare::comparison(&scenario);
            let (main, side) = (Runner::new(sync, seed)?, Runner::new(asynchronous, seed)?);
            self.main = main;
            self.compare = Some(Compare {
                side,
                compared: scenario,
            });
        } else {
            self.main = Runner::new(scenario, seed)?;
        }
        self.preset = super::preset_named(&self.scenario_shown().name);
        self.camera = crate::model::geometry::Camera::for_layout(self.main.layout(), self.stage_px);
        // Choosing another scenario gives up on a shared run still opening.
        self.opening = None;
        self.history.clear();
        self.selection = None;
        self.group.clear();
        self.inspected = None;
        Ok(Changed::Scenario)
    }

    /// An edit of the topology, through the history.
    pub(super) fn edit(&mut self, edit: Edit) -> Result<Changed, UiError> {
        self.refuse_while_comparing()?;
        let edited = History::edited(self.main.scenario(), edit).map_err(UiError::Edit)?;
        if edited == *self.main.scenario() {
            self.main.end_preview();
            return Ok(Changed::Nothing);
        }
        // The history remembers the change only once the running simulation took it.
        let previous = self.main.scenario().clone();
        let (changed, restarted) = self.take_scenario(edited, None)?;
        self.history.record(previous);
        if restarted {
            // An undo of this change brings the run it replaced back.
            self.set_aside_for = Some((false, self.history.depth()));
        } else if self.set_aside_for.is_some_and(|(redo, _)| redo) {
            // Nothing can be redone any more: a run kept for a redo is let go.
            self.set_aside_for = None;
            self.main.drop_set_aside();
        }
        Ok(changed)
    }

    /// Goes back one change of the scenario (or forward, `redo`), once the run took it.
    pub(super) fn walk_history(&mut self, redo: bool) -> Result<Changed, UiError> {
        self.refuse_while_comparing()?;
        // The last change was made at an earlier moment of the timeline: the run goes back to
        // just before it, with the future it dropped.
        if !redo {
            if let Some(from_edit) = self.main.last_branch().map(|undo| undo.from_edit) {
                self.main.undo_branch();
                if from_edit {
                    self.history.forget_last();
                }
                return Ok(Changed::Run);
            }
        }
        let target = if redo {
            self.history.redo_target().ok_or(UiError::NothingToRedo)?
        } else {
            self.history.undo_target().ok_or(UiError::NothingToUndo)?
        };
        let (target, current) = (target.clone(), self.main.scenario().clone());
        let (changed, restarted) = self.take_scenario(target, Some(redo))?;
        if redo {
            self.history.redone(current);
        } else {
            self.history.undone(current);
        }
        if restarted {
            // The run this move left comes back with the opposite move.
            self.set_aside_for = Some((!redo, self.history.depth()));
        }
        Ok(changed)
    }

    /// The running simulation takes an edited scenario, or one an undo or redo goes to
    /// (`walked`: `Some(redo)`); a selection of something no longer there is dropped. Also
    /// says whether the run started again or came back (a change of structure).
    pub(super) fn take_scenario(
        &mut self,
        scenario: Scenario,
        walked: Option<bool>,
    ) -> Result<(Changed, bool), UiError> {
        let was_at = self.main.simulation().now();
        let bring_back =
            walked.is_some_and(|redo| self.set_aside_for == Some((redo, self.history.depth())));
        // Faults given by hand (switches and knobs are in the scenario, and carry over).
        let given_by_hand = self
            .main
            .simulation()
            .command_log()
            .iter()
            .filter(|timed| {
                !matches!(
                    timed.command,
                    Command::SetLinkKind { .. }
                        | Command::UpdateService { .. }
                        | Command::UpdateClient { .. }
                        | Command::UpdateLink { .. }
                )
            })
            .count();
        let (change, came_back) = self.main.take_scenario(scenario, bring_back)?;
        let restarted = change == Change::Structure;
        if restarted {
            self.inspected = None;
            let now = self.main.simulation().now().as_secs_f64();
            if came_back {
                let which = if walked == Some(true) {
                    "after"
                } else {
                    "before"
                };
                self.notice = Some(format!(
                    "The run from {which} that change is back, at {now:.1} s."
                ));
            } else if given_by_hand > 0 {
                // Say so: the faults given by hand are gone with the old run, which the
                // opposite move brings back (only the last run replaced is kept).
                let back = if walked == Some(false) {
                    "Redo"
                } else {
                    "Undo"
                };
                self.notice = Some(format!(
                    "The topology changed, so the run starts again from 0 s (it was at {:.1} s), \
                     without the {given_by_hand} fault(s) given by hand. {back} brings that run \
                     back.",
                    was_at.as_secs_f64()
                ));
            } else {
                // Another run: what was said of the one before no longer holds.
                self.notice = None;
            }
        }
        // Edited, it is the person's own scenario now (the menu can load the preset again).
        self.preset = None;
        if let Some(selection) = &self.selection {
            if self.check_selection(selection).is_err() {
                self.selection = None;
            }
        }
        let scenario = self.main.scenario();
        self.group
            .retain(|name| scenario.node_names().any(|node| node == name));
        if self.group.len() < 2 {
            let left = std::mem::take(&mut self.group);
            if self.selection.is_none() {
                self.select_nodes(left);
            }
        }
        Ok((Changed::Scenario, restarted))
    }

    pub(super) fn set_link_kind(
        &mut self,
        link: usize,
        kind: LinkKind,
    ) -> Result<Changed, UiError> {
        if self.compare.is_some() {
            return Err(UiError::CompareLinks);
        }
        self.edit(Edit::SetLinkKind { index: link, kind })
    }

    pub(super) fn link_kind(&self, link: usize) -> Result<LinkKind, UiError> {
        self.main
            .scenario()
            .links
            .get(link)
            .map(|spec| spec.kind)
            .ok_or_else(|| UiError::Missing(format!("there is no link number {link}")))
    }

    pub(super) fn drop_block(&mut self, block: Block, at: Point) -> Result<Changed, UiError> {
        let Point { x, y } = at;
        match block {
            Block::Service => self.edit(Edit::AddService { x, y }),
            Block::Client => self.edit(Edit::AddClient { x, y }),
            Block::Queue => match self.link_at(at) {
                Some(link) => self.set_link_kind(link, LinkKind::Async),
                None => Err(UiError::Missing(
                    "drop the queue onto a link to make it asynchronous".into(),
                )),
            },
        }
    }

    /// Selects these nodes: one is the selection (the inspector shows it), several a group.
    pub(super) fn select_nodes(&mut self, nodes: Vec<String>) {
        match nodes.as_slice() {
            [] => {
                self.selection = None;
                self.group.clear();
            }
            [one] => {
                self.selection = Some(Selection::Node(one.clone()));
                self.group.clear();
            }
            _ => {
                self.selection = None;
                self.group = nodes;
            }
        }
    }

    /// A fault key on a group: one state for all its services. If any is not in the fault, all
    /// go into it; otherwise all come out. Load sources are left alone.
    pub(super) fn group_fault(
        &mut self,
        fault: Fault,
        names: &[String],
    ) -> Result<Changed, UiError> {
        let services: Vec<(String, NodeState, bool, bool)> = names
            .iter()
            .filter_map(|name| {
                let (state, slowed, failing) = self.service_state(name).ok()?;
                Some((name.clone(), state, slowed, failing))
            })
            .collect();
        if services.is_empty() {
            return Err(UiError::Missing("select a service first".into()));
        }
        let in_fault = |(_, state, slowed, failing): &(String, NodeState, bool, bool)| match fault {
            Fault::Kill => *state == NodeState::Killed,
            Fault::Freeze => *state == NodeState::Frozen,
            Fault::Slow => *slowed,
            Fault::Errors => *failing,
        };
        let into = !services.iter().all(in_fault);
        let mut changed = Changed::Nothing;
        for service in services.iter().filter(|service| in_fault(service) != into) {
            let node = service.0.clone();
            let command = match (fault, into) {
                (Fault::Kill, true) if service.1 == NodeState::Up => Command::Kill { node },
                (Fault::Freeze, true) if service.1 == NodeState::Up => Command::Freeze { node },
                (Fault::Kill | Fault::Freeze, true) => continue,
                (Fault::Kill | Fault::Freeze, false) => Command::Revive { node },
                (Fault::Slow, _) => Command::Slow {
                    node,
                    factor: if into { super::SLOW_FACTOR } else { 1.0 },
                },
                (Fault::Errors, _) => Command::SetErrorRate {
                    node,
                    error_rate: if into { super::ERROR_RATE } else { 0.0 },
                },
            };
            changed = changed.max(self.command(command)?);
        }
        Ok(changed)
    }

    /// Where the scenario places a node (not where a drag in progress draws it).
    pub(super) fn node_center(&self, name: &str) -> Result<Point, UiError> {
        let scenario = self.main.scenario();
        let index = scenario
            .node_names()
            .position(|node| node == name)
            .ok_or_else(|| UiError::Missing(format!("nothing is named {name:?}")))?;
        Ok(crate::model::geometry::Layout::new(scenario).center(cascade_sim::NodeId(index as u32)))
    }

    pub(super) fn refuse_while_comparing(&self) -> Result<(), UiError> {
        match self.compare {
            Some(_) => Err(UiError::CompareFixed),
            None => Ok(()),
        }
    }

    pub(super) fn check_selection(&self, selection: &Selection) -> Result<(), UiError> {
        let scenario = self.main.scenario();
        let there = match selection {
            Selection::Node(name) => scenario.node_names().any(|node| node == name),
            Selection::Link(index) => *index < scenario.links.len(),
        };
        if there {
            Ok(())
        } else {
            Err(UiError::Missing(format!(
                "{selection:?} is not on the canvas"
            )))
        }
    }

    // ---- the canvas ---------------------------------------------------------------------

    /// The link drawn under a point, if any.
    pub(super) fn link_at(&self, point: Point) -> Option<usize> {
        let links = &self.main.scenario().links;
        self.main.layout().link_at(point, |index| {
            links
                .get(index)
                .is_some_and(|link| link.kind == LinkKind::Async)
        })
    }

    /// A click on the canvas background: a message shows its request's path, a link switches
    /// kind, anything else clears the selection. A story step that asks for a link to be
    /// switched gives its line's clicks to the link, even where a message passes under them.
    pub(super) fn click_at(&mut self, point: Point) -> Result<Changed, UiError> {
        let link = self.link_at(point);
        let asked_for = match self.reading.as_ref().and_then(|reading| reading.until()) {
            Some(Command::SetLinkKind { link: asked, .. }) => Some(*asked as usize),
            _ => None,
        };
        let on_asked_line = link.is_some() && link == asked_for;
        if !on_asked_line {
            if let Some(request) = self.main.request_near(point) {
                self.inspected = Some(request);
                return Ok(Changed::View);
            }
        }
        match link {
            Some(_) if self.page.readonly => Err(UiError::ReadOnly),
            Some(link) => {
                let kind = self.link_kind(link)?;
                self.set_link_kind(link, other_kind(kind))
            }
            None => {
                self.select_nodes(Vec::new());
                Ok(Changed::View)
            }
        }
    }
}

/// Refuses a step that takes more than [`MAX_STORY_EVENTS`] to reach from time zero, found by
/// running the story headless as the core does (the page replays it the same way, checked by
/// the model tests): nothing on the page has changed yet.
///
/// [`MAX_STORY_EVENTS`]: crate::model::reading::MAX_STORY_EVENTS
fn within_reach(story: &cascade_sim::Story, step: usize) -> Result<(), UiError> {
    let max_events = crate::model::reading::MAX_STORY_EVENTS;
    match cascade_sim::stories::run_to_step(story, step, max_events) {
        Err(cascade_sim::stories::StepError::EventBudget { .. }) => {
            Err(UiError::StepTooLong { step, max_events })
        }
        // Anything else is said by the replay itself, as before.
        _ => Ok(()),
    }
}
