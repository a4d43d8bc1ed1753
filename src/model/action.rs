//! What a person can do to the playground, as plain data ([`Action`]), what an action changed
//! ([`Changed`]), and why one was refused ([`UiError`]). Keys, buttons, the canvas and the
//! embed bar all produce the same actions; `Playground::update` carries them out.

use super::editor::Edit;
use super::log::LogFilter;
pub use super::selection::Selection;
use super::share::SharedState;
use crate::embed::Snippet;
use cascade_sim::{CommandError, LinkKind, Scenario, ScenarioError, SimTime};
use std::fmt;

/// A block of the palette, carried onto the canvas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    /// A new service.
    Service,
    /// A new open-loop load source.
    Client,
    /// A broker queue: dropped on a link, the link becomes async.
    Queue,
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
    /// The story being read, as a story file (the format `cascade check` reads).
    Story,
}

/// A fault a key toggles on a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Killed (k).
    Kill,
    /// Hanging (f).
    Freeze,
    /// Five times slower (s).
    Slow,
    /// Failing 20% of requests (e).
    Errors,
}

/// Everything a person can do, one doc line each.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Let wall-clock time pass (an animation frame): the runs advance at the speed while
    /// playing, and a shared run still opening replays one more slice.
    Advance {
        /// Wall-clock milliseconds since the last frame.
        wall_elapsed_ms: f64,
    },
    /// How long the last frame's work took, as the page measured it: the next frames handle as
    /// many events as fit the frame budget on this machine.
    FrameWork {
        /// Wall-clock milliseconds the simulation step took.
        simulation_ms: f64,
        /// Wall-clock milliseconds drawing the moving messages took.
        drawing_ms: f64,
    },
    /// Play or pause.
    TogglePlay,
    /// Advance a fixed slice of simulated time, playing or not.
    Step,
    /// Apply a fault given as a command (as in scenario files: kill, revive, freeze, slow,
    /// errors, partition, heal, the broker) or switch a link, now: the embed API's `command`.
    Apply(Box<cascade_sim::Command>),
    /// Show the run at this moment of its timeline, paused: an earlier one is recomputed
    /// exactly; playing on replays what was recorded after it, and a change made there starts
    /// a new branch (an undo brings the old one back).
    Seek(SimTime),
    /// Start again from time zero.
    Reset,
    /// Simulated seconds per wall-clock second (0.01 to 100).
    SetSpeed(f64),
    /// The seed field's text: a whole number starts the run again with that seed.
    SetSeed(String),
    /// Load a preset scenario by id.
    LoadPreset(String),
    /// Load a scenario (an imported file).
    LoadScenario(Box<Scenario>),
    /// Load a scenario from a file's text; `name` says which file in an error.
    ImportFile {
        /// The file's name.
        name: String,
        /// Its text, or why it could not be read.
        text: Result<String, String>,
    },
    /// Change the topology (kept in the undo history).
    Edit(Box<Edit>),
    /// Switch a link to sync or async (an edit, kept in the undo history).
    SetLinkKind {
        /// The link's index.
        link: usize,
        /// Its new kind.
        kind: LinkKind,
    },
    /// Switch a link to the other kind.
    ToggleLinkKind(usize),
    /// Undo the last change of the scenario.
    Undo,
    /// Redo the last undone change.
    Redo,
    /// Delete a node (with its links) or a link.
    Delete(Selection),
    /// A palette block dropped on the canvas at a point.
    Drop {
        /// What was dropped.
        block: Block,
        /// Where, in canvas units.
        x: f64,
        /// Where, in canvas units.
        y: f64,
    },
    /// A palette block clicked (or chosen from the keyboard): placed at a free-looking spot.
    Place(Block),
    /// A node dragged somewhere, not yet dropped: drawn there, nothing else changes.
    PreviewMove {
        /// The node.
        name: String,
        /// Where, in canvas units.
        x: f64,
        /// Where, in canvas units.
        y: f64,
    },
    /// A drag that ended nowhere useful: draw things where they are.
    CancelPreview,
    /// A link drawn from a node's handle, released at a point: connects the node to the one
    /// there, if any: a sync call, or through a queue (Shift held).
    ConnectTo {
        /// The caller.
        from: String,
        /// Through a broker queue (async) rather than a blocking call.
        through_queue: bool,
        /// Where the pointer was released, in canvas units.
        x: f64,
        /// Where the pointer was released, in canvas units.
        y: f64,
    },
    /// Kill a service that is up; revive one that is down or hanging.
    ToggleKill(String),
    /// Make a service that is up hang (accepts calls, never answers); revive one that is not.
    ToggleFreeze(String),
    /// Slow a service down five times, or back to normal.
    ToggleSlow(String),
    /// Make a service fail 20% of requests, or none.
    ToggleErrors(String),
    /// Cut a link (a network partition), or heal it.
    TogglePartition(usize),
    /// Kill the broker, or bring it back.
    ToggleBroker,
    /// Select a node or link for the inspector (or nothing).
    Select(Option<Selection>),
    /// Add a node to what is selected, or take it out (Shift+click): several nodes move,
    /// fail, copy and delete together.
    SelectAlso(String),
    /// Select the nodes inside a rectangle dragged on the canvas (world units).
    SelectArea {
        /// One corner.
        x0: f64,
        /// One corner.
        y0: f64,
        /// The other corner.
        x1: f64,
        /// The other corner.
        y1: f64,
    },
    /// Select every node (Ctrl+A).
    SelectAll,
    /// Copy the selected nodes and the links between them.
    Copy,
    /// Paste what was copied, beside the originals (one change).
    Paste,
    /// A fault key on several selected nodes: the services among them all get one state (if
    /// any is not in the fault, all go into it; otherwise all come out of it).
    GroupFault {
        /// Which fault.
        fault: Fault,
        /// The selected nodes (load sources among them are left alone).
        names: Vec<String>,
    },
    /// Show one request's path (or close it).
    InspectRequest(Option<u64>),
    /// A click on the canvas background: on a message, show its request's path; otherwise on
    /// a link, switch it between sync and async; otherwise clear the selection.
    ClickAt {
        /// Where, in canvas units.
        x: f64,
        /// Where, in canvas units.
        y: f64,
    },
    /// Zoom the canvas by `factor` keeping the world point (`x`, `y`) where it is on screen.
    Zoom {
        /// Above 1 zooms in.
        factor: f64,
        /// The point that stays put, in world units.
        x: f64,
        /// The point that stays put, in world units.
        y: f64,
    },
    /// Move the canvas's view by (`dx`, `dy`) world units.
    Pan {
        /// Rightward.
        dx: f64,
        /// Downward.
        dy: f64,
    },
    /// Zoom in (`steps` above 0) or out by a step of 1.25 each, around the middle of the view
    /// (the + and - keys and buttons).
    ZoomStep(i32),
    /// Fit the view to every node.
    FitView,
    /// The stage is this many CSS pixels wide (the page says so when it is laid out, and on
    /// resize): a narrow one opens large enough to read.
    SetStageWidth(f64),
    /// A click on a canvas that is not edited (the compare view, an embed; its links switch by
    /// their own click): on a message, show its request's path; otherwise clear the selection.
    LookAt {
        /// Where, in canvas units.
        x: f64,
        /// Where, in canvas units.
        y: f64,
    },
    /// Stop or resume adding entries to the event log.
    ToggleLogPause,
    /// Choose which log entries are shown.
    SetLogFilter(LogFilter),
    /// Open the compare view (this topology all sync beside async between services), or
    /// close it and go back to the scenario as it was.
    ToggleCompare,
    /// Open a shared run (from a link): replayed a slice per frame until it is ready.
    Open(Box<SharedState>),
    /// Give up on a shared run still opening and keep what is on screen.
    CancelOpening,
    /// Open the Share panel on a link to the run as it is now.
    OpenShare,
    /// Open the Embed panel on an iframe snippet of the run as it is now.
    OpenEmbed,
    /// Close the Share or Embed panel.
    ClosePanel,
    /// Change the embed snippet's options.
    SetSnippet(Snippet),
    /// Make a file to download (the page takes it with `Playground::take_download`).
    Export(Export),
    /// Read a story: its scenario from time zero, at its first step.
    OpenStory(Box<cascade_sim::Story>),
    /// Read one of the built-in stories, by id.
    OpenPresetStory(String),
    /// Go to a step of the story being read (counted from 0), recomputed from time zero.
    GoToStep(usize),
    /// The next step (refused while the step asks the reader to do something first).
    NextStep,
    /// The step before.
    PreviousStep,
    /// Do what the step asks, for a reader who would rather watch.
    DoAsked,
    /// Play the story being read from its first step by itself: each step's run played up to
    /// its time, held to be read, what it asks done, on to the next.
    PlayStory,
    /// Put the story away and go on with the run as it is (the sandbox).
    LeaveStory,
    /// Start recording the canvas as it plays (topology and moving messages), or stop and
    /// download the clip (WebM; the page records, the model names it).
    ToggleRecording,
    /// The browser could not record after all (`problem` says why): the recording is off, and
    /// a story that started again for the clip goes back to the step the reader was at.
    RecordingRefused(String),
    /// A problem the browser met on the person's behalf (a download, the clipboard), to say.
    Report(String),
}

impl Action {
    /// Whether the action only looks (play, pause, step, reset, speed, what is shown, a share
    /// panel) and changes neither the scenario nor the faults: all a read-only page allows. A
    /// click on the canvas looks (it may show a request's path); switching the link it lands
    /// on is refused separately.
    pub fn only_looks(&self) -> bool {
        matches!(
            self,
            Action::Advance { .. }
                | Action::FrameWork { .. }
                | Action::TogglePlay
                | Action::Seek(_)
                | Action::Step
                | Action::Reset
                | Action::SetSpeed(_)
                | Action::ToggleLogPause
                | Action::Select(_)
                | Action::SelectAlso(_)
                | Action::SelectArea { .. }
                | Action::SelectAll
                | Action::Copy
                | Action::InspectRequest(_)
                | Action::ClickAt { .. }
                | Action::LookAt { .. }
                | Action::Zoom { .. }
                | Action::Pan { .. }
                | Action::ZoomStep(_)
                | Action::FitView
                | Action::SetStageWidth(_)
                | Action::SetLogFilter(_)
                | Action::CancelPreview
                | Action::OpenShare
                | Action::OpenEmbed
                | Action::ClosePanel
                | Action::SetSnippet(_)
                | Action::Export(_)
                | Action::ToggleRecording
                | Action::PlayStory
                | Action::RecordingRefused(_)
                | Action::Report(_)
        ) || self.moves_in_story()
    }

    /// Whether the action opens, leaves or moves through a story by hand.
    pub fn moves_in_story(&self) -> bool {
        matches!(
            self,
            Action::OpenStory(_)
                | Action::OpenPresetStory(_)
                | Action::GoToStep(_)
                | Action::NextStep
                | Action::PreviousStep
                | Action::DoAsked
                | Action::LeaveStory
        )
    }
}

/// What an action changed, for the page: what to draw again, whether the address still
/// describes the run, whether to save.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Changed {
    /// Nothing at all.
    Nothing,
    /// What is shown (selection, play state, speed, time, a panel), not what runs.
    View,
    /// The run: a fault, a reset, a new seed. A share link made before no longer describes it.
    Run,
    /// The scenario itself (an edit, a preset, an import): worth saving.
    Scenario,
    /// A shared run is on screen, or started opening: the address describes it.
    Opened,
}

/// Why an action was refused. Nothing changed; the message is for the person.
#[derive(Clone, Debug, PartialEq)]
pub enum UiError {
    /// The page is read-only (an embed that says so).
    ReadOnly,
    /// A shared run is still opening.
    StillOpening,
    /// The compare view fixes the topology and its knobs.
    CompareFixed,
    /// The compare view fixes the link kinds.
    CompareLinks,
    /// The step asks the reader to do something before going on.
    StepAsks(String),
    /// There is no story by that id, or no story is being read.
    NoStory(String),
    /// Reaching the step takes more events than a page computes at once.
    StepTooLong {
        /// The step (from 0).
        step: usize,
        /// The page's budget.
        max_events: u64,
    },
    /// Nothing to undo.
    NothingToUndo,
    /// Nothing to redo.
    NothingToRedo,
    /// No preset has that id.
    NoPreset(String),
    /// The speed is not a positive number.
    BadSpeed,
    /// The seed field does not hold a whole number.
    BadSeed(String),
    /// The action needs something that is not there (a service, a link, a selection).
    Missing(String),
    /// An edit the scenario cannot take.
    Edit(String),
    /// A scenario that cannot run.
    Scenario(ScenarioError),
    /// A command the simulation refused.
    Command(CommandError),
    /// A file that could not be opened.
    Import {
        /// The file's name.
        name: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A share link that could not be opened or replayed.
    Replay(String),
    /// A moment of the timeline that cannot be reached quickly enough, and why.
    Seek(String),
    /// A share link that could not be read.
    Link(String),
}

impl fmt::Display for UiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UiError::ReadOnly => {
                f.write_str("This page is read-only: open it in the playground to change things.")
            }
            UiError::StillOpening => f.write_str(
                "One moment: the shared run is still opening (or cancel it, or pick another scenario).",
            ),
            UiError::CompareFixed => f.write_str(
                "While comparing, the topology and its knobs are fixed: close the comparison to edit them.",
            ),
            UiError::CompareLinks => f.write_str(
                "while comparing, one side is all sync and the other async; close the comparison to switch links",
            ),
            UiError::NothingToUndo => f.write_str("nothing to undo"),
            UiError::NothingToRedo => f.write_str("nothing to redo"),
            UiError::NoPreset(id) => write!(f, "There is no preset called {id:?}."),
            UiError::BadSpeed => f.write_str("speed must be a positive number"),
            UiError::BadSeed(text) => write!(
                f,
                "{text:?} is not a seed: use a whole number from 0 to 18446744073709551615"
            ),
            UiError::Missing(what) | UiError::Edit(what) => f.write_str(what),
            UiError::Scenario(error) => write!(f, "{error}"),
            UiError::Command(error) => write!(f, "{error}"),
            UiError::Import { name, problem } => write!(
                f,
                "Could not open {name}: {problem}. The current scenario is unchanged."
            ),
            UiError::Replay(problem) => {
                write!(f, "This share link could not be replayed: {problem}")
            }
            UiError::Seek(problem) => write!(f, "Not there: {problem}."),
            UiError::StepAsks(instruction) => {
                write!(f, "This step asks you first: {instruction} (or press Do it for me).")
            }
            UiError::StepTooLong { step, max_events } => write!(
                f,
                "Step {} takes more than {} million events to reach, more than a page computes \
                 at once: the story stays where it was (run it with `cascade story`).",
                step + 1,
                max_events / 1_000_000
            ),
            UiError::NoStory(id) if id.is_empty() => f.write_str("No story is being read."),
            UiError::NoStory(id) => write!(f, "There is no story called {id:?}."),
            UiError::Link(problem) => f.write_str(problem),
        }
    }
}

impl std::error::Error for UiError {}

impl From<CommandError> for UiError {
    fn from(error: CommandError) -> Self {
        UiError::Command(error)
    }
}

impl From<ScenarioError> for UiError {
    fn from(error: ScenarioError) -> Self {
        UiError::Scenario(error)
    }
}
