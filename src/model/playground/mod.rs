//! The playground: everything the page shows and does, behind one door. It owns the main run,
//! the compare view's async side, a shared run being opened, the selection, the undo history,
//! the play state and speed, the open panel and the message for the person, and changes only
//! through [`Playground::update`]. Every rule is written once, here: the compare side copies
//! the main side's clock, play state and speed because there is only one of each; a fault
//! lands on both sides at the same instant; every change to the scenario goes through the
//! history; a read-only page only looks.

mod edits;
mod selecting;
mod sharing;
mod shown;
mod story_play;

pub use story_play::hold_ms;

use selecting::Clipboard;

use super::action::{Action, Block, Changed, Selection, UiError};
use super::editor::{Edit, History};
use super::geometry::{Camera, Point, CANVAS_HEIGHT, CANVAS_WIDTH};
use super::log::LogFilter;
use super::pace::Pace;
use super::replay::Opening;
use super::runner::Runner;
use super::share::{self, SharedState};
use crate::embed::{PageOptions, Snippet};
use cascade_sim::{presets, Command, LinkId, LinkKind, NodeState, RequestId, Scenario, SimTime};

/// How far a paste lands from what was copied, in canvas units.
pub const PASTE_OFFSET: f64 = 60.0;
/// How much one press of + or - zooms.
pub const ZOOM_STEP: f64 = 1.25;
/// The seed a new playground starts with.
pub const DEFAULT_SEED: u64 = 1;
/// The speed a new playground starts at (simulated seconds per second).
pub const DEFAULT_SPEED: f64 = 0.5;
pub use super::share::SPEED_RANGE;
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
    /// The history move that brings back the run the last change of structure set aside
    /// (`(redo, depth)`: an undo or a redo made at that depth of the history).
    set_aside_for: Option<(bool, usize)>,
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
    /// Wall-clock milliseconds the notice has been shown.
    notice_shown_ms: f64,
    /// A file made by [`Action::Export`], for the page to hand to the browser.
    download: Option<Download>,
    /// The preset on screen, if the scenario is one (worked out when a scenario comes in).
    preset: Option<&'static str>,
    /// The run opening is the person's own autosaved one, not a shared link.
    resuming: bool,
    /// Where the canvas looks.
    camera: Camera,
    /// How wide the stage is on screen, in CSS pixels, once the page says.
    stage_px: Option<f64>,
    /// Nodes selected together (two or more; the selection is then empty).
    group: Vec<String>,
    /// What Copy took: nodes and the links between them.
    clipboard: Option<Clipboard>,
    /// How many events a frame affords, and the speed the runs reach.
    pace: Pace,
    /// The canvas is being recorded since this simulated moment.
    recording: Option<SimTime>,
    /// The story being read, if one is.
    pub(super) reading: Option<super::reading::Reading>,
    /// The story being read plays its steps by itself (for a clip, or to watch).
    story_play: Option<story_play::StoryPlay>,
    /// The story of a link still opening, read once it is open.
    opening_story: Option<super::share::SharedStory>,
}

impl Playground {
    /// A playground on `scenario`, with the page's options.
    pub fn new(scenario: Scenario, page: PageOptions) -> Result<Self, UiError> {
        let mut playground = Playground {
            main: Runner::new(scenario, DEFAULT_SEED)?,
            compare: None,
            opening: None,
            history: History::default(),
            set_aside_for: None,
            selection: None,
            inspected: None,
            log_filter: LogFilter::All,
            playing: true,
            speed: DEFAULT_SPEED,
            page,
            panel: None,
            snippet: Snippet::default(),
            notice: None,
            notice_shown_ms: 0.0,
            download: None,
            preset: None,
            resuming: false,
            camera: Camera::default(),
            group: Vec::new(),
            clipboard: None,
            pace: Pace::default(),
            recording: None,
            reading: None,
            story_play: None,
            opening_story: None,
            stage_px: None,
        };
        playground.camera = Camera::for_layout(playground.main.layout(), None);
        playground.preset = preset_named(&playground.main.scenario().name);
        playground.apply_page_options();
        Ok(playground)
    }

    /// How the page starts: from a share link in the fragment (opened, or still opening), a
    /// `?preset=`, the autosaved run or the default, with the page options and anything to
    /// tell the person. The autosave is the person's last run (scenario, seed, the faults and
    /// changes they made, the time reached): a reload replays it and carries on. An embed never
    /// reads it (several embeds on one page must not share it).
    pub fn boot(page: PageOptions, fragment: &str, saved: Option<SharedState>) -> Self {
        let mut notes = Vec::new();
        if !page.problems.is_empty() {
            notes.push(format!("Ignored: {}.", page.problems.join("; ")));
        }
        let saved = saved.filter(|saved| {
            page.preset.is_none() && page.story.is_none() && !page.embed && saved.check().is_ok()
        });
        let id = page.preset.clone().unwrap_or_else(|| DEFAULT_PRESET.into());
        let preset = presets::by_id(&id);
        if preset.is_none() {
            notes.push(format!(
                "There is no preset called {id:?}; showing the first one."
            ));
        }
        let scenario = saved
            .as_ref()
            .map(|saved| saved.scenario.clone())
            .or(preset)
            .unwrap_or_else(presets::checkout);
        let mut playground = Playground::new(scenario, page.clone())
            .or_else(|_| Playground::new(presets::checkout(), page))
            .expect("the built-in presets are valid");
        let link = share::decode(fragment).unwrap_or_else(|error| {
            notes.push(error.to_string());
            None
        });
        let resumed = link.is_none();
        if let Some(state) = link.or(saved) {
            if let Err(error) = playground.update(&Action::Open(Box::new(state))) {
                notes.push(error.to_string());
            }
        }
        if resumed {
            // The person's own run comes back: nothing to undo into, nothing "shared" about it.
            playground.resuming = playground.opening.is_some();
        }
        if let Some(story) = &playground.page.story.clone() {
            if let Err(error) = playground.update(&Action::OpenPresetStory(story.clone())) {
                notes.push(error.to_string());
            }
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
        // What the page reports by itself (time passing, the stage's size) is not the person
        // doing something: it does not clear what they were told.
        let by_the_page = matches!(
            action,
            Action::Advance { .. } | Action::FrameWork { .. } | Action::SetStageWidth(_)
        );
        if !by_the_page {
            self.notice = None;
        }
        if matches!(
            action,
            Action::LoadPreset(_)
                | Action::LoadScenario(_)
                | Action::ImportFile { .. }
                | Action::Open(_)
        ) {
            self.reading = None;
        }
        // A story playing by itself goes on while the person only watches (pauses, changes
        // the speed, looks around); anything else is taking over.
        let watching = matches!(
            action,
            Action::TogglePlay | Action::SetSpeed(_) | Action::Report(_)
        ) || (action.only_looks()
            && !action.moves_in_story()
            && !matches!(action, Action::Seek(_) | Action::Step | Action::Reset));
        if !watching || self.reading.is_none() {
            self.stop_story_play();
        }
        let mut result = self.carry_out(action);
        // Whatever changed the run besides the story itself took over too (a click on a line
        // switches it), and a story that cannot go on (a refused step, a run stuck at one
        // instant) stops playing by itself: its clip is saved as far as it got.
        let own_change = matches!(
            action,
            Action::Advance { .. } | Action::PlayStory | Action::ToggleRecording
        );
        if self.story_playing()
            && ((matches!(action, Action::Advance { .. }) && result.is_err())
                || self.stalled().is_some()
                || (!own_change
                    && matches!(
                        result,
                        Ok(Changed::Run | Changed::Scenario | Changed::Opened)
                    )))
        {
            self.story_cannot_go_on();
        }
        if self.stalled().is_some() {
            // A run stuck at one instant cannot go on: pause (the page says why).
            self.playing = false;
        }
        match &result {
            Ok(Changed::Run | Changed::Scenario | Changed::Opened) => {
                // Another run: its speed is judged afresh.
                self.pace.restart_judging();
                // An open Share or Embed panel no longer describes what is on screen.
                self.panel = None;
            }
            Ok(_) => {}
            Err(error) => self.notice = Some(error.to_string()),
        }
        // Whatever the person did says its note anew, and a refusal (a shared run that could
        // not be replayed, from a frame) is a new note: either gets its whole time to be read.
        if (!by_the_page && self.notice.is_some()) || result.is_err() {
            self.notice_shown_ms = 0.0;
        } else if let (Action::Advance { wall_elapsed_ms }, Some(text)) = (action, &self.notice) {
            // A note goes by itself once there was time to read it.
            self.notice_shown_ms += wall_elapsed_ms.clamp(0.0, 1_000.0);
            if self.notice_shown_ms >= notice_lasts_ms(text) {
                self.notice = None;
                if let Ok(changed) = &mut result {
                    *changed = (*changed).max(Changed::View);
                }
            }
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
        let page_events = matches!(
            action,
            Action::Advance { .. }
                | Action::FrameWork { .. }
                | Action::SetStageWidth(_)
                | Action::Report(_)
                | Action::ClosePanel
                | Action::Select(None)
        );
        if self.opening.is_some() && !gives_up_opening && !page_events {
            // Whatever is done now would be replaced when the shared run is ready.
            return Err(UiError::StillOpening);
        }
        if self.page.readonly && !action.only_looks() && !matches!(action, Action::Open(_)) {
            return Err(UiError::ReadOnly);
        }
        match action {
            Action::Advance { wall_elapsed_ms } => self.advance(*wall_elapsed_ms),
            Action::FrameWork {
                simulation_ms,
                drawing_ms,
            } => {
                self.pace.worked(*simulation_ms, *drawing_ms);
                Ok(Changed::Nothing)
            }
            Action::TogglePlay => {
                self.playing = !self.playing;
                self.pace.restart_judging();
                Ok(Changed::View)
            }
            Action::Step => {
                // Stepping is for looking closely: a playing run stops, then steps.
                self.playing = false;
                self.main.step();
                self.side_catches_up();
                Ok(Changed::View)
            }
            Action::Reset => self.restart(self.main.seed()).map(|()| Changed::View),
            Action::SetSpeed(speed) if speed.is_finite() && *speed > 0.0 => {
                self.speed = speed.clamp(SPEED_RANGE.0, SPEED_RANGE.1);
                self.pace.restart_judging();
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
            Action::ImportFile { name, text }
                if text.as_ref().is_ok_and(|text| looks_like_story(text)) =>
            {
                let story = text
                    .as_ref()
                    .map_err(String::clone)
                    .and_then(|text| {
                        cascade_sim::Story::from_json(text).map_err(|error| error.to_string())
                    })
                    .map_err(|problem| UiError::Import {
                        name: name.clone(),
                        problem,
                    })?;
                let changed = self.open_story(story)?;
                self.notice = Some(format!(
                    "Opened {name}: the story {:?}.",
                    self.reading
                        .as_ref()
                        .map_or("", |reading| reading.story.title.as_str())
                ));
                Ok(changed)
            }
            Action::ImportFile { name, text } => {
                let scenario = text
                    .clone()
                    .and_then(|text| Scenario::from_json(&text).map_err(|error| error.to_string()))
                    .map_err(|problem| UiError::Import {
                        name: name.clone(),
                        problem,
                    })?;
                let changed = self.load(scenario)?;
                // Said, so a person knows the file was read.
                self.notice = Some(format!("Opened {name}: {}.", self.scenario_shown().name));
                Ok(changed)
            }
            Action::Edit(edit) => match &**edit {
                // A node of a group drags the whole group along.
                Edit::Move { name, x, y } if self.group.len() > 1 && self.group.contains(name) => {
                    let from = self.node_center(name)?;
                    self.edit(Edit::MoveMany {
                        names: self.group.clone(),
                        dx: x - from.x,
                        dy: y - from.y,
                    })
                }
                edit => self.edit(edit.clone()),
            },
            Action::SetLinkKind { link, kind } => self.set_link_kind(*link, *kind),
            Action::ToggleLinkKind(link) => {
                let kind = self.link_kind(*link)?;
                self.set_link_kind(*link, other_kind(kind))
            }
            Action::Seek(time) => self.seek(*time),
            Action::Apply(command) => self.apply_command(command),
            Action::OpenStory(story) => self.open_story((**story).clone()),
            Action::OpenPresetStory(id) => {
                let story =
                    cascade_sim::stories::by_id(id).ok_or_else(|| UiError::NoStory(id.clone()))?;
                self.open_story(story)
            }
            Action::GoToStep(step) => self.go_to_step(*step),
            Action::NextStep => {
                let reading = self
                    .reading
                    .as_ref()
                    .ok_or(UiError::NoStory(String::new()))?;
                if let Some(until) = reading.until() {
                    if !super::reading::done(until, &self.main) {
                        return Err(UiError::StepAsks(super::reading::instruction(
                            until, &self.main,
                        )));
                    }
                }
                let next = (reading.step + 1).min(reading.story.steps.len() - 1);
                self.go_to_step(next)
            }
            Action::PreviousStep => {
                let reading = self
                    .reading
                    .as_ref()
                    .ok_or(UiError::NoStory(String::new()))?;
                self.go_to_step(reading.step.saturating_sub(1))
            }
            Action::DoAsked => {
                let until = self
                    .reading
                    .as_ref()
                    .ok_or(UiError::NoStory(String::new()))?
                    .until()
                    .cloned();
                match until {
                    Some(command) if !super::reading::done(&command, &self.main) => {
                        self.apply_command(&command)
                    }
                    _ => Ok(Changed::Nothing),
                }
            }
            Action::LeaveStory => {
                self.reading = None;
                Ok(Changed::View)
            }
            Action::Undo => self.walk_history(false),
            Action::Redo => self.walk_history(true),
            Action::Delete(Selection::Node(name)) => {
                self.edit(Edit::DeleteNode { name: name.clone() })
            }
            Action::Delete(Selection::Link(index)) => self.edit(Edit::DeleteLink { index: *index }),
            Action::Drop { block, x, y } => self.drop_block(*block, Point { x: *x, y: *y }),
            Action::Place(block) => match block {
                Block::Queue => Err(UiError::Missing(
                    "drag the queue onto a link to make it asynchronous".into(),
                )),
                // The free grid slot nearest the middle of the canvas.
                _ => self.drop_block(
                    *block,
                    Point {
                        x: CANVAS_WIDTH / 2.0,
                        y: CANVAS_HEIGHT / 2.0,
                    },
                ),
            },
            Action::PreviewMove { name, x, y } => {
                self.refuse_while_comparing()?;
                let to = Point { x: *x, y: *y };
                let moves = if self.group.len() > 1 && self.group.contains(name) {
                    // The group moves together: each by the dragged node's offset, from where
                    // the scenario has them (not from the last preview).
                    let layout = crate::model::geometry::Layout::new(self.main.scenario());
                    let index =
                        |node: &str| self.main.scenario().node_names().position(|n| n == node);
                    let from = index(name).map(|i| layout.center(cascade_sim::NodeId(i as u32)));
                    let Some(from) = from else {
                        return Err(UiError::Missing(format!("nothing is named {name:?}")));
                    };
                    self.group
                        .iter()
                        .filter_map(|node| {
                            let at = layout.center(cascade_sim::NodeId(index(node)? as u32));
                            Some((
                                node.clone(),
                                Point {
                                    x: at.x + to.x - from.x,
                                    y: at.y + to.y - from.y,
                                },
                            ))
                        })
                        .collect()
                } else {
                    vec![(name.clone(), to)]
                };
                self.main.preview_moves(&moves);
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
                let link = u32::try_from(*index)
                    .ok()
                    .and_then(|id| self.main.simulation().link(LinkId(id)))
                    .ok_or_else(|| UiError::Missing(format!("there is no link number {index}")))?;
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
                self.group.clear();
                Ok(Changed::View)
            }
            Action::SelectAlso(_) | Action::SelectArea { .. } | Action::Copy | Action::Paste => {
                self.select_or_copy(action)
            }
            Action::SelectAll => {
                let names = self
                    .main
                    .scenario()
                    .node_names()
                    .map(str::to_string)
                    .collect();
                self.select_nodes(names);
                Ok(Changed::View)
            }
            Action::GroupFault { fault, names } => self.group_fault(*fault, names),
            Action::InspectRequest(request) => {
                self.inspected = request.map(RequestId);
                Ok(Changed::View)
            }
            Action::ClickAt { x, y } => self.click_at(Point { x: *x, y: *y }),
            Action::LookAt { x, y } => {
                match self.main.request_near(Point { x: *x, y: *y }) {
                    Some(request) => self.inspected = Some(request),
                    None => self.select_nodes(Vec::new()),
                }
                Ok(Changed::View)
            }
            Action::Zoom { factor, x, y } => {
                self.camera = self.camera.zoomed(*factor, Point { x: *x, y: *y });
                Ok(Changed::View)
            }
            Action::Pan { dx, dy } => {
                self.camera = self.camera.panned(*dx, *dy);
                Ok(Changed::View)
            }
            Action::ZoomStep(steps) => {
                let middle = Point {
                    x: self.camera.x,
                    y: self.camera.y,
                };
                self.camera = self.camera.zoomed(ZOOM_STEP.powi(*steps), middle);
                Ok(Changed::View)
            }
            Action::SetStageWidth(width_px) => {
                // The view the scenario opens with follows the stage, until the person moves it.
                let untouched =
                    self.camera == Camera::for_layout(self.main.layout(), self.stage_px);
                self.stage_px = (width_px.is_finite() && *width_px > 0.0).then_some(*width_px);
                if untouched {
                    self.camera = Camera::for_layout(self.main.layout(), self.stage_px);
                }
                Ok(Changed::View)
            }
            Action::FitView => {
                self.camera = Camera::fit(self.main.layout());
                Ok(Changed::View)
            }
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
                    from_start: share::encode(&sharing::from_time_zero(run.clone())),
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
            Action::PlayStory => self.play_story(false),
            Action::RecordingRefused(problem) => {
                self.recording = None;
                if let Some(step) = self.story_play.take().and_then(|play| play.return_to) {
                    // Back where the reader was before the clip was asked for.
                    self.go_to_step(step)?;
                }
                self.notice = Some(problem.clone());
                Ok(Changed::Run)
            }
            Action::ToggleRecording => {
                if self.recording.is_some() {
                    self.stop_story_play();
                    self.stop_recording();
                    return Ok(Changed::View);
                }
                if self.opening.is_some() {
                    return Err(UiError::StillOpening);
                }
                // A clip of a story is the story played from its first step, by itself.
                let changed = match self.reading {
                    Some(_) => self.play_story(true)?,
                    None => Changed::View,
                };
                self.recording = Some(self.main.simulation().now());
                Ok(changed)
            }
            Action::Report(problem) => {
                self.notice = Some(problem.clone());
                Ok(Changed::View)
            }
            Action::ConnectTo {
                from,
                through_queue,
                x,
                y,
            } => {
                let target = self
                    .main
                    .layout()
                    .node_at(Point { x: *x, y: *y })
                    .and_then(|id| self.main.simulation().node(id))
                    .map(|node| node.name.to_string());
                match target {
                    Some(to) if to != *from => self.edit(Edit::Connect {
                        from: from.clone(),
                        to,
                        kind: if *through_queue {
                            LinkKind::Async
                        } else {
                            LinkKind::Sync
                        },
                    }),
                    // Released on nothing or on itself: no link.
                    _ => Ok(Changed::View),
                }
            }
        }
    }
}

impl Playground {
    /// Ends the recording: the page saves the clip under the name given here (the story's or
    /// the scenario's, and the simulated moments it spans).
    pub(super) fn stop_recording(&mut self) {
        let Some(from) = self.recording.take() else {
            return;
        };
        let now = self.main.simulation().now();
        // The run may have started again meanwhile (a preset, a reset, a story from its start).
        let from = from.min(now);
        let span = format!("{:.1}s-to-{:.1}s", from.as_secs_f64(), now.as_secs_f64());
        let story = self
            .reading
            .as_ref()
            .map(|reading| reading.story.title.clone());
        let kind = if story.is_some() { "-story" } else { "" };
        let name = self
            .file_name("webm")
            .replace(".webm", &format!("{kind}-{span}.webm"));
        self.download = Some(Download {
            name,
            media_type: "video/webm",
            text: format!(
                "{} · {:.1} s to {:.1} s · seed {}",
                story.unwrap_or_else(|| self.main.scenario().name.clone()),
                from.as_secs_f64(),
                now.as_secs_f64(),
                self.main.seed()
            ),
        });
    }
}

/// The id of the preset called `name`, if one is (the menu's, then the benchmark workloads).
pub(super) fn preset_named(name: &str) -> Option<&'static str> {
    presets::ALL
        .iter()
        .chain(presets::WORKLOADS)
        .find(|preset| preset.name == name)
        .map(|preset| preset.id)
}

/// How long a note stays: three seconds, and 40 ms more per character to read, at most 12 s.
pub fn notice_lasts_ms(text: &str) -> f64 {
    (3_000.0 + 40.0 * text.chars().count() as f64).min(12_000.0)
}

/// The other link kind.
pub(super) fn other_kind(kind: LinkKind) -> LinkKind {
    match kind {
        LinkKind::Sync => LinkKind::Async,
        LinkKind::Async => LinkKind::Sync,
    }
}

/// Whether a file's text is a story (it says `"story"` at its top level) rather than a scenario.
fn looks_like_story(text: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        story: Option<serde::de::IgnoredAny>,
    }
    serde_json::from_str::<Probe>(text).is_ok_and(|probe| probe.story.is_some())
}
