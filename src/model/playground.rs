//! The playground: everything the page shows and does, behind one door. It owns the main run,
//! the compare view's async side, a shared run being opened, the selection, the undo history,
//! the play state and speed, the open panel and the message for the person, and changes only
//! through [`Playground::update`]. Every rule is written once, here: the compare side copies
//! the main side's clock, play state and speed because there is only one of each; a fault
//! lands on both sides at the same instant; every change to the scenario goes through the
//! history; a read-only page only looks.

use super::action::{Action, Block, Changed, Selection, UiError};
use super::charts::{self, Chart};
use super::editor::{Change, Edit, History};
use super::geometry::Point;
use super::log::{LogEntry, LogFilter};
use super::replay::{Opened, Opening, MAX_REPLAY_EVENTS, REPLAY_SLICE_EVENTS};
use super::runner::Runner;
use super::share::{self, SharedState, View};
use super::views::{Figures, Inspected, StageView, Story};
use super::words::request_story;
use crate::embed::{PageOptions, Snippet};
use cascade_sim::{presets, Command, CommandError, LinkKind, NodeState, RequestId, RunOutcome};
use cascade_sim::{Scenario, SimTime};

/// The seed a new playground starts with.
pub const DEFAULT_SEED: u64 = 1;
/// The speed a new playground starts at (simulated seconds per second).
pub const DEFAULT_SPEED: f64 = 0.5;
/// The slowest and fastest speeds.
pub const SPEED_RANGE: (f64, f64) = (0.01, 100.0);
/// Speeds offered in the speed menu.
pub const SPEEDS: [f64; 9] = [0.01, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0];
/// The preset shown when nothing else is asked for.
pub const DEFAULT_PRESET: &str = "checkout";
/// Log entries the page shows at most.
pub const LOG_SHOWN: usize = 40;
/// A service slowed by the fault controls works this many times slower.
pub const SLOW_FACTOR: f64 = 5.0;
/// The share of requests a service failing on purpose fails.
pub const ERROR_RATE: f64 = 0.2;

/// The compare view's second side.
struct Compare {
    /// The same topology with calls between services through queues.
    side: Runner,
    /// The scenario compared, to go back to.
    compared: Scenario,
}

/// An open dialog under the top bar.
#[derive(Clone, Debug, PartialEq)]
pub enum Panel {
    /// A share link's fragment, ready to copy.
    Share {
        /// The fragment (without `#`).
        fragment: String,
    },
    /// An iframe snippet's fragments: the scenario from time zero, and this run.
    Embed {
        /// The scenario, seed and faults from time zero.
        from_start: String,
        /// This run up to now.
        run: String,
    },
}

/// Which file an export makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// The scenario as JSON (the format the command-line tool reads).
    ScenarioJson,
    /// The kept time series as CSV.
    MetricsCsv,
    /// The topology as drawn now, as a PNG picture (the page draws it).
    Picture,
}

/// A file to download: its name, its media type and its text (for a picture, the caption
/// the page writes under the drawing).
#[derive(Clone, Debug, PartialEq)]
pub struct Download {
    /// File name.
    pub name: String,
    /// Media type.
    pub media_type: &'static str,
    /// Content, or a picture's caption.
    pub text: String,
}

/// The whole playground, web-free.
pub struct Playground {
    main: Runner,
    compare: Option<Compare>,
    opening: Option<Box<Opening>>,
    history: History,
    selection: Option<Selection>,
    inspected: Option<RequestId>,
    log_filter: LogFilter,
    playing: bool,
    speed: f64,
    page: PageOptions,
    panel: Option<Panel>,
    snippet: Snippet,
    /// What to tell the person: the last refusal, or a note.
    notice: Option<String>,
    /// A file made by [`Action::Export`], for the page to hand to the browser.
    download: Option<Download>,
}

impl Playground {
    /// A playground on `scenario`, with the page's options.
    pub fn new(scenario: Scenario, page: PageOptions) -> Result<Self, UiError> {
        let mut playground = Playground {
            main: Runner::new(scenario, DEFAULT_SEED)?,
            compare: None,
            opening: None,
            history: History::default(),
            selection: None,
            inspected: None,
            log_filter: LogFilter::All,
            playing: true,
            speed: DEFAULT_SPEED,
            page,
            panel: None,
            snippet: Snippet::default(),
            notice: None,
            download: None,
        };
        playground.apply_page_options();
        Ok(playground)
    }

    /// How the page starts: from a share link in the fragment (opened, or still opening), a
    /// `?preset=`, the autosaved scenario or the default, with the page options and anything
    /// to tell the person. An embed never reads the autosave (several embeds on one page
    /// must not share it).
    pub fn boot(page: PageOptions, fragment: &str, saved: Option<Scenario>) -> Self {
        let mut notes = Vec::new();
        if !page.problems.is_empty() {
            notes.push(format!("Ignored: {}.", page.problems.join("; ")));
        }
        let saved = saved.filter(|_| page.preset.is_none() && !page.embed);
        let id = page.preset.clone().unwrap_or_else(|| DEFAULT_PRESET.into());
        let preset = presets::by_id(&id);
        if preset.is_none() {
            notes.push(format!(
                "There is no preset called {id:?}; showing the first one."
            ));
        }
        let scenario = saved.or(preset).unwrap_or_else(presets::checkout);
        let mut playground = Playground::new(scenario, page.clone())
            .or_else(|_| Playground::new(presets::checkout(), page))
            .expect("the built-in presets are valid");
        match share::decode(fragment) {
            Ok(Some(state)) => {
                if let Err(error) = playground.update(&Action::Open(Box::new(state))) {
                    notes.push(error.to_string());
                }
            }
            Ok(None) => {}
            Err(error) => notes.push(error.to_string()),
        }
        playground.notice = (!notes.is_empty()).then(|| notes.join(" "));
        playground
    }

    /// A playground showing a shared run, replayed to the end at once (tests, tools).
    pub fn restore(state: &SharedState, page: PageOptions) -> Result<Self, UiError> {
        let mut playground = Playground::new(state.scenario.clone(), page)?;
        playground.update(&Action::Open(Box::new(state.clone())))?;
        while playground.opening.is_some() {
            playground.update(&Action::Advance {
                wall_elapsed_ms: 0.0,
            })?;
        }
        Ok(playground)
    }

    /// Carries out an action. On success, says what changed; on refusal nothing changed and
    /// the error (also kept as the notice) says why.
    pub fn update(&mut self, action: &Action) -> Result<Changed, UiError> {
        if !matches!(action, Action::Advance { .. }) {
            self.notice = None;
        }
        let result = self.carry_out(action);
        if self.stalled().is_some() {
            // A run stuck at one instant cannot go on: pause (the page says why).
            self.playing = false;
        }
        match &result {
            Ok(Changed::Run | Changed::Scenario) => {
                // An open Share or Embed panel no longer describes what is on screen.
                self.panel = None;
            }
            Ok(_) => {}
            Err(error) => self.notice = Some(error.to_string()),
        }
        result
    }

    fn carry_out(&mut self, action: &Action) -> Result<Changed, UiError> {
        let gives_up_opening = matches!(
            action,
            Action::LoadPreset(_)
                | Action::LoadScenario(_)
                | Action::ImportFile { .. }
                | Action::Open(_)
                | Action::CancelOpening
        );
        if self.opening.is_some() && !gives_up_opening && !matches!(action, Action::Advance { .. })
        {
            // Whatever is done now would be replaced when the shared run is ready.
            return Err(UiError::StillOpening);
        }
        if self.page.readonly && !action.only_looks() && !matches!(action, Action::Open(_)) {
            return Err(UiError::ReadOnly);
        }
        match action {
            Action::Advance { wall_elapsed_ms } => self.advance(*wall_elapsed_ms),
            Action::TogglePlay => {
                self.playing = !self.playing;
                Ok(Changed::View)
            }
            Action::Step => {
                self.main.step();
                self.side_catches_up();
                Ok(Changed::View)
            }
            Action::Reset => self.restart(self.main.seed()).map(|()| Changed::View),
            Action::SetSpeed(speed) if speed.is_finite() && *speed > 0.0 => {
                self.speed = speed.clamp(SPEED_RANGE.0, SPEED_RANGE.1);
                Ok(Changed::View)
            }
            Action::SetSpeed(_) => Err(UiError::BadSpeed),
            Action::SetSeed(text) => {
                let seed = text
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| UiError::BadSeed(text.clone()))?;
                self.restart(seed).map(|()| Changed::Run)
            }
            Action::LoadPreset(id) => {
                let scenario = presets::by_id(id).ok_or_else(|| UiError::NoPreset(id.clone()))?;
                self.load(scenario)
            }
            Action::LoadScenario(scenario) => self.load((**scenario).clone()),
            Action::ImportFile { name, text } => {
                let scenario = text
                    .clone()
                    .and_then(|text| Scenario::from_json(&text).map_err(|error| error.to_string()))
                    .map_err(|problem| UiError::Import {
                        name: name.clone(),
                        problem,
                    })?;
                self.load(scenario)
            }
            Action::Edit(edit) => self.edit((**edit).clone()),
            Action::SetLinkKind { link, kind } => self.set_link_kind(*link, *kind),
            Action::ToggleLinkKind(link) => {
                let kind = self.link_kind(*link)?;
                self.set_link_kind(*link, other_kind(kind))
            }
            Action::Undo => {
                self.refuse_while_comparing()?;
                let previous = self
                    .history
                    .undo(self.main.scenario())
                    .ok_or(UiError::NothingToUndo)?;
                self.take_scenario(previous)
            }
            Action::Redo => {
                self.refuse_while_comparing()?;
                let next = self
                    .history
                    .redo(self.main.scenario())
                    .ok_or(UiError::NothingToRedo)?;
                self.take_scenario(next)
            }
            Action::Delete(Selection::Node(name)) => {
                self.edit(Edit::DeleteNode { name: name.clone() })
            }
            Action::Delete(Selection::Link(index)) => self.edit(Edit::DeleteLink { index: *index }),
            Action::Drop { block, x, y } => self.drop_block(*block, Point { x: *x, y: *y }),
            Action::Place(block) => {
                // A free-looking spot, different for each new node.
                let count = self.main.scenario().node_names().count() as f64;
                let at = Point {
                    x: 160.0 + (count * 97.0) % 680.0,
                    y: 80.0 + (count * 131.0) % 400.0,
                };
                match block {
                    Block::Queue => Err(UiError::Missing(
                        "drag the queue onto a link to make it asynchronous".into(),
                    )),
                    _ => self.drop_block(*block, at),
                }
            }
            Action::PreviewMove { name, x, y } => {
                self.refuse_while_comparing()?;
                self.main.preview_move(name, Point { x: *x, y: *y });
                Ok(Changed::View)
            }
            Action::CancelPreview => {
                self.main.end_preview();
                Ok(Changed::View)
            }
            Action::ToggleKill(name) => {
                let node = self.service_state(name)?;
                self.command(if node.0 == NodeState::Up {
                    Command::Kill { node: name.clone() }
                } else {
                    Command::Revive { node: name.clone() }
                })
            }
            Action::ToggleFreeze(name) => {
                let node = self.service_state(name)?;
                self.command(if node.0 == NodeState::Up {
                    Command::Freeze { node: name.clone() }
                } else {
                    Command::Revive { node: name.clone() }
                })
            }
            Action::ToggleSlow(name) => {
                let (_, slowed, _) = self.service_state(name)?;
                self.command(Command::Slow {
                    node: name.clone(),
                    factor: if slowed { 1.0 } else { SLOW_FACTOR },
                })
            }
            Action::ToggleErrors(name) => {
                let (_, _, failing) = self.service_state(name)?;
                self.command(Command::SetErrorRate {
                    node: name.clone(),
                    error_rate: if failing { 0.0 } else { ERROR_RATE },
                })
            }
            Action::TogglePartition(index) => {
                let link =
                    self.main.simulation().links().nth(*index).ok_or_else(|| {
                        UiError::Missing(format!("there is no link number {index}"))
                    })?;
                let id = link.id.0;
                self.command(if link.partitioned {
                    Command::Heal { link: id }
                } else {
                    Command::Partition { link: id }
                })
            }
            Action::ToggleBroker => self.command(if self.main.simulation().broker_up() {
                Command::KillBroker
            } else {
                Command::ReviveBroker
            }),
            Action::Select(selection) => {
                if let Some(selection) = selection {
                    self.check_selection(selection)?;
                }
                self.selection = selection.clone();
                Ok(Changed::View)
            }
            Action::InspectRequest(request) => {
                self.inspected = request.map(RequestId);
                Ok(Changed::View)
            }
            Action::ClickAt { x, y } => self.click_at(Point { x: *x, y: *y }),
            Action::ToggleLogPause => {
                let paused = self.main.log().paused();
                self.main.set_log_paused(!paused);
                Ok(Changed::View)
            }
            Action::SetLogFilter(filter) => {
                self.log_filter = *filter;
                Ok(Changed::View)
            }
            Action::ToggleCompare => self.toggle_compare(),
            Action::Open(state) => self.open(state),
            Action::CancelOpening => {
                if self.opening.take().is_some() {
                    self.notice = Some(
                        "The shared run was not opened; this is the scenario you had (press Play)."
                            .into(),
                    );
                }
                Ok(Changed::View)
            }
            Action::OpenShare => {
                let (state, note) = self.shareable()?;
                self.panel = Some(Panel::Share {
                    fragment: share::encode(&state),
                });
                self.notice = note;
                Ok(Changed::View)
            }
            Action::OpenEmbed => {
                let (mut run, note) = self.shareable()?;
                // The embed's own autoplay parameter decides whether it plays.
                run.view.playing = true;
                self.panel = Some(Panel::Embed {
                    from_start: share::encode(&from_time_zero(run.clone())),
                    run: share::encode(&run),
                });
                self.notice = note;
                Ok(Changed::View)
            }
            Action::ClosePanel => {
                self.panel = None;
                Ok(Changed::View)
            }
            Action::SetSnippet(snippet) => {
                self.snippet = snippet.clone();
                Ok(Changed::View)
            }
            Action::Export(export) => {
                self.download = Some(self.export(*export)?);
                Ok(Changed::View)
            }
            Action::Report(problem) => {
                self.notice = Some(problem.clone());
                Ok(Changed::View)
            }
            Action::ConnectTo { from, x, y } => {
                let target = self
                    .main
                    .layout()
                    .node_at(Point { x: *x, y: *y })
                    .and_then(|id| self.main.simulation().nodes().nth(id.index()))
                    .map(|node| node.name.to_string());
                match target {
                    Some(to) if to != *from => self.edit(Edit::Connect {
                        from: from.clone(),
                        to,
                        kind: LinkKind::Sync,
                    }),
                    // Released on nothing or on itself: no link.
                    _ => Ok(Changed::View),
                }
            }
        }
    }

    // ---- time ---------------------------------------------------------------------------

    /// A frame: a shared run still opening replays a slice; otherwise the runs advance at the
    /// speed while playing. The compare view's sides share a clock: while the async side is
    /// still catching up (its frame budget ran out), the sync side waits for it.
    fn advance(&mut self, wall_elapsed_ms: f64) -> Result<Changed, UiError> {
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
        let now = self.main.simulation().now();
        let side_behind = self
            .compare
            .as_ref()
            .is_some_and(|compare| compare.side.simulation().now() < now);
        if !side_behind {
            self.main.advance(wall_elapsed_ms, self.speed);
        }
        let now = self.main.simulation().now();
        if let Some(compare) = &mut self.compare {
            compare.side.follow(now);
        }
        Ok(Changed::View)
    }

    /// The async side does now whatever it has not done yet up to the main side's instant.
    fn side_catches_up(&mut self) {
        let now = self.main.simulation().now();
        if let Some(compare) = &mut self.compare {
            compare.side.catch_up(now);
        }
    }

    /// Both sides from time zero with `seed`.
    fn restart(&mut self, seed: u64) -> Result<(), UiError> {
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
    fn command(&mut self, command: Command) -> Result<Changed, UiError> {
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
    fn service_state(&self, name: &str) -> Result<(NodeState, bool, bool), UiError> {
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
    fn load(&mut self, scenario: Scenario) -> Result<Changed, UiError> {
        let seed = self.main.seed();
        if self.compare.is_some() {
            let (sync, asynchronous) = super::compare::comparison(&scenario);
            let (main, side) = (Runner::new(sync, seed)?, Runner::new(asynchronous, seed)?);
            self.main = main;
            self.compare = Some(Compare {
                side,
                compared: scenario,
            });
        } else {
            self.main = Runner::new(scenario, seed)?;
        }
        // Choosing another scenario gives up on a shared run still opening.
        self.opening = None;
        self.history.clear();
        self.selection = None;
        self.inspected = None;
        Ok(Changed::Scenario)
    }

    /// An edit of the topology, through the history.
    fn edit(&mut self, edit: Edit) -> Result<Changed, UiError> {
        self.refuse_while_comparing()?;
        let edited = self
            .history
            .apply(self.main.scenario(), edit)
            .map_err(UiError::Edit)?;
        if edited == *self.main.scenario() {
            self.main.end_preview();
            return Ok(Changed::Nothing);
        }
        self.take_scenario(edited)
    }

    /// The running simulation takes an edited, undone or redone scenario; a selection of
    /// something no longer there is dropped.
    fn take_scenario(&mut self, scenario: Scenario) -> Result<Changed, UiError> {
        if self.main.take_scenario(scenario)? == Change::Structure {
            self.inspected = None;
        }
        if let Some(selection) = &self.selection {
            if self.check_selection(selection).is_err() {
                self.selection = None;
            }
        }
        Ok(Changed::Scenario)
    }

    fn set_link_kind(&mut self, link: usize, kind: LinkKind) -> Result<Changed, UiError> {
        if self.compare.is_some() {
            return Err(UiError::CompareLinks);
        }
        self.edit(Edit::SetLinkKind { index: link, kind })
    }

    fn link_kind(&self, link: usize) -> Result<LinkKind, UiError> {
        self.main
            .scenario()
            .links
            .get(link)
            .map(|spec| spec.kind)
            .ok_or_else(|| UiError::Missing(format!("there is no link number {link}")))
    }

    fn drop_block(&mut self, block: Block, at: Point) -> Result<Changed, UiError> {
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

    fn refuse_while_comparing(&self) -> Result<(), UiError> {
        match self.compare {
            Some(_) => Err(UiError::CompareFixed),
            None => Ok(()),
        }
    }

    fn check_selection(&self, selection: &Selection) -> Result<(), UiError> {
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
    fn link_at(&self, point: Point) -> Option<usize> {
        let links = &self.main.scenario().links;
        self.main.layout().link_at(point, |index| {
            links
                .get(index)
                .is_some_and(|link| link.kind == LinkKind::Async)
        })
    }

    /// A click on the canvas background: a message shows its request's path, a link switches
    /// kind, anything else clears the selection.
    fn click_at(&mut self, point: Point) -> Result<Changed, UiError> {
        if let Some(request) = self.main.request_near(point) {
            self.inspected = Some(request);
            return Ok(Changed::View);
        }
        match self.link_at(point) {
            Some(_) if self.page.readonly => Err(UiError::ReadOnly),
            Some(link) => {
                let kind = self.link_kind(link)?;
                self.set_link_kind(link, other_kind(kind))
            }
            None => {
                self.selection = None;
                Ok(Changed::View)
            }
        }
    }

    // ---- compare, open, share -----------------------------------------------------------

    /// Opens the compare view (the current scenario twice: all sync, and async between
    /// services, same seed) or closes it and goes back to the scenario as it was.
    fn toggle_compare(&mut self) -> Result<Changed, UiError> {
        let seed = self.main.seed();
        if let Some(compare) = self.compare.take() {
            match Runner::new(compare.compared.clone(), seed) {
                Ok(main) => self.main = main,
                Err(error) => {
                    self.compare = Some(compare);
                    return Err(error.into());
                }
            }
        } else {
            let scenario = self.main.scenario().clone();
            let (sync, asynchronous) = super::compare::comparison(&scenario);
            let side = Runner::new(asynchronous, seed)?;
            self.main = Runner::new(sync, seed)?;
            self.compare = Some(Compare {
                side,
                compared: scenario,
            });
        }
        self.inspected = None;
        if let Some(selection) = &self.selection {
            if self.check_selection(selection).is_err() {
                self.selection = None;
            }
        }
        Ok(Changed::Run)
    }

    /// Starts opening a shared run and replays its first slice; the frame loop finishes it.
    fn open(&mut self, state: &SharedState) -> Result<Changed, UiError> {
        state.check().map_err(UiError::Link)?;
        let mut opening = Box::new(Opening::begin(state)?);
        if opening.advance(REPLAY_SLICE_EVENTS)? {
            self.opening = None;
            self.take_opened(opening.into_opened());
        } else {
            self.opening = Some(opening);
        }
        Ok(Changed::Opened)
    }

    /// Puts a replayed shared run on screen (both sides of a shared comparison) with the view
    /// it asks for, the page's own options on top.
    fn take_opened(&mut self, ((main, side), view): (Opened, View)) {
        self.main = main;
        self.compare = side.map(|(side, compared)| Compare { side, compared });
        self.speed = view.speed.clamp(SPEED_RANGE.0, SPEED_RANGE.1);
        self.playing = view.playing;
        self.selection = view.selected.as_ref().map(Into::into);
        self.log_filter = view.log.into();
        self.history.clear();
        self.inspected = None;
        self.apply_page_options();
    }

    /// `?speed=` and `?autoplay=` win over a shared state's view.
    fn apply_page_options(&mut self) {
        if let Some(speed) = self.page.speed {
            self.speed = speed.clamp(SPEED_RANGE.0, SPEED_RANGE.1);
        }
        if let Some(autoplay) = self.page.autoplay {
            self.playing = autoplay;
        }
    }

    /// What a link to the playground as it is now holds (in the compare view: the scenario
    /// compared, and the commands both sides got).
    pub fn capture(&self) -> SharedState {
        let view = View {
            speed: self.speed,
            playing: self.playing,
            selected: self.selection.as_ref().map(Into::into),
            log: self.log_filter.into(),
            compare: false,
        };
        let mut state = self.main.capture(view);
        if let Some(compare) = &self.compare {
            state.scenario = compare.compared.clone();
            state.started_from = None;
            state.view.compare = true;
        }
        state
    }

    /// What a link to the playground holds now, settled at this instant; a run too long to
    /// share (past an hour of simulated time, too many commands or events) is shared from
    /// time zero, with a note saying so.
    pub fn shareable(&mut self) -> Result<(SharedState, Option<String>), UiError> {
        if self.opening.is_some() {
            return Err(UiError::StillOpening);
        }
        self.main.settle()?;
        if let Some(compare) = &mut self.compare {
            compare.side.settle()?;
        }
        let state = self.capture();
        let events = self.main.simulation().events_processed();
        let fits = state.check().and_then(|()| {
            if events > MAX_REPLAY_EVENTS {
                Err(format!(
                    "{} million events to replay, more than a browser tab should spend",
                    events / 1_000_000
                ))
            } else {
                Ok(())
            }
        });
        Ok(match fits {
            Ok(()) => (state, None),
            Err(problem) => (
                from_time_zero(state),
                Some(format!("This run cannot travel whole ({problem}), so the link starts the scenario from time zero.")),
            ),
        })
    }

    // ---- files --------------------------------------------------------------------------

    /// The file the last [`Action::Export`] made, once.
    pub fn take_download(&mut self) -> Option<Download> {
        self.download.take()
    }

    /// A file to download: the scenario (the one compared, in the compare view), the metrics,
    /// or a picture's name and caption. Nothing while a shared run opens: what is on screen
    /// is a placeholder.
    pub fn export(&self, export: Export) -> Result<Download, UiError> {
        if self.opening.is_some() {
            return Err(UiError::StillOpening);
        }
        Ok(match export {
            Export::ScenarioJson => Download {
                name: self.file_name("json"),
                media_type: "application/json",
                text: share::pretty_json(self.scenario_shown()),
            },
            Export::MetricsCsv => Download {
                name: self.file_name("csv"),
                media_type: "text/csv",
                text: charts::metrics_csv(self.main.simulation()),
            },
            Export::Picture => Download {
                name: self.file_name("png"),
                media_type: "image/png",
                text: format!(
                    "{} · t = {:.1} s · seed {}",
                    self.main.scenario().name,
                    self.main.simulation().now().as_secs_f64(),
                    self.main.seed()
                ),
            },
        })
    }

    /// The name of an exported file: `cascade-<scenario name as a slug>.<extension>`.
    pub fn file_name(&self, extension: &str) -> String {
        let slug: String = self
            .main
            .scenario()
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let slug = slug
            .split('-')
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        format!(
            "cascade-{}.{extension}",
            if slug.is_empty() { "scenario" } else { &slug }
        )
    }

    /// The scenario to save in the browser after a change, if this page saves at all (an
    /// embed does not; the compare view is not the person's scenario).
    pub fn autosave(&self) -> Option<&Scenario> {
        (!self.page.embed && self.compare.is_none() && self.opening.is_none())
            .then(|| self.main.scenario())
    }

    // ---- what the page shows ------------------------------------------------------------

    /// The main run (the sync side in the compare view).
    pub fn main(&self) -> &Runner {
        &self.main
    }

    /// The main run, for drawing its moving messages.
    pub fn main_mut(&mut self) -> &mut Runner {
        &mut self.main
    }

    /// The compare view's async side, when open.
    pub fn side(&self) -> Option<&Runner> {
        self.compare.as_ref().map(|compare| &compare.side)
    }

    /// The compare view's async side, for drawing its moving messages.
    pub fn side_mut(&mut self) -> Option<&mut Runner> {
        self.compare.as_mut().map(|compare| &mut compare.side)
    }

    /// Whether the compare view is open.
    pub fn comparing(&self) -> bool {
        self.compare.is_some()
    }

    /// The scenario the person is working on (the one compared, in the compare view).
    pub fn scenario_shown(&self) -> &Scenario {
        self.compare
            .as_ref()
            .map_or(self.main.scenario(), |compare| &compare.compared)
    }

    /// The page's options.
    pub fn page(&self) -> &PageOptions {
        &self.page
    }

    /// Whether time runs.
    pub fn playing(&self) -> bool {
        self.playing
    }

    /// Simulated seconds per wall-clock second.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The simulated time on screen.
    pub fn now(&self) -> SimTime {
        self.main.simulation().now()
    }

    /// What is selected.
    pub fn selection(&self) -> Option<&Selection> {
        self.selection.as_ref()
    }

    /// The request whose path is shown.
    pub fn inspected(&self) -> Option<RequestId> {
        self.inspected
    }

    /// The message for the person, if any.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Why a run paused by itself, if one did.
    pub fn stalled(&self) -> Option<&str> {
        self.main
            .stalled()
            .or_else(|| self.side().and_then(Runner::stalled))
    }

    /// A shared run still opening, in words.
    pub fn opening(&self) -> Option<String> {
        self.opening.as_ref().map(|opening| opening.progress())
    }

    /// The open Share or Embed panel.
    pub fn panel(&self) -> Option<&Panel> {
        self.panel.as_ref()
    }

    /// The embed snippet's options.
    pub fn snippet(&self) -> &Snippet {
        &self.snippet
    }

    /// Whether undo and redo have something to do.
    pub fn can_undo_redo(&self) -> (bool, bool) {
        (self.history.can_undo(), self.history.can_redo())
    }

    /// The id of the preset on screen, if it is one.
    pub fn preset_id(&self) -> Option<&'static str> {
        let name = &self.scenario_shown().name;
        presets::ALL
            .iter()
            .find(|preset| (preset.build)().name == *name)
            .map(|preset| preset.id)
    }

    /// The main run's topology as drawn now (`counts` of messages per link with reduced
    /// motion).
    pub fn stage(&mut self, counts: bool) -> StageView {
        let counts = counts.then(|| self.main.in_flight_per_link());
        StageView::of(&self.main, self.selection.as_ref(), counts.as_deref())
    }

    /// The compare side's topology as drawn now.
    pub fn side_stage(&mut self, counts: bool) -> Option<StageView> {
        let side = &mut self.compare.as_mut()?.side;
        let counts = counts.then(|| side.in_flight_per_link());
        Some(StageView::of(side, None, counts.as_deref()))
    }

    /// What the main run's users see.
    pub fn figures(&self) -> Figures {
        Figures::of(&self.main)
    }

    /// The story card.
    pub fn story(&self) -> Story {
        Story::of(&self.main)
    }

    /// The six live charts (the last two follow the selection).
    pub fn charts(&self) -> [Chart; 6] {
        charts::charts(self.main.simulation(), self.selection.as_ref())
    }

    /// The log entries shown: the newest first, filtered, at most [`LOG_SHOWN`].
    pub fn log_entries(&self) -> Vec<LogEntry> {
        self.main
            .log()
            .entries()
            .rev()
            .filter(|entry| self.log_filter.shows(entry))
            .take(LOG_SHOWN)
            .cloned()
            .collect()
    }

    /// Which log entries are shown, and whether the log is paused.
    pub fn log_view(&self) -> (LogFilter, bool) {
        (self.log_filter, self.main.log().paused())
    }

    /// What the inspector shows: the selected node's or link's knobs.
    pub fn inspector(&self) -> Option<Inspected> {
        let scenario = self.main.scenario();
        match self.selection.as_ref()? {
            Selection::Node(name) => scenario
                .services
                .iter()
                .find(|service| &service.name == name)
                .map(|service| Inspected::Service(Box::new(service.clone())))
                .or_else(|| {
                    scenario
                        .clients
                        .iter()
                        .find(|client| &client.name == name)
                        .map(|client| Inspected::Client(Box::new(client.clone())))
                }),
            Selection::Link(index) => scenario
                .links
                .get(*index)
                .map(|link| Inspected::Link(*index, Box::new(link.clone()))),
        }
    }

    /// The inspected request's path in words, oldest first.
    pub fn request_path(&self) -> Option<(u64, Vec<(SimTime, String)>)> {
        let request = self.inspected?;
        let story = request_story(self.main.simulation(), self.main.log().recent(), request);
        Some((request.0, story))
    }
}

/// The other link kind.
fn other_kind(kind: LinkKind) -> LinkKind {
    match kind {
        LinkKind::Sync => LinkKind::Async,
        LinkKind::Async => LinkKind::Sync,
    }
}

/// The same scenario, seed and view from time zero, without the commands applied by hand.
fn from_time_zero(state: SharedState) -> SharedState {
    SharedState {
        started_from: None,
        commands: Vec::new(),
        at: SimTime::ZERO,
        ..state
    }
}
