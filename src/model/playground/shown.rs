//! What the playground shows: read-only views for the components, built from the runs.

use super::{Panel, Playground, LOG_SHOWN};
use crate::embed::{PageOptions, Snippet};
use crate::model::action::Selection;
use crate::model::charts::{self, Chart};
use crate::model::geometry::Camera;
use crate::model::log::{LogEntry, LogFilter};
use crate::model::reading::StoryView;
use crate::model::runner::Runner;
use crate::model::views::{Figures, Inspected, StageView, Story};
use crate::model::words::request_story;
use cascade_sim::{RequestId, Scenario, SimTime};

impl Playground {
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

    /// Where the canvas looks.
    pub fn camera(&self) -> Camera {
        self.camera
    }

    /// The speed the runs reach (simulated seconds per second), when clearly less than the
    /// speed asked for (slow motion: this machine cannot handle the run's events that fast
    /// within the frame budget); `None` while keeping up.
    pub fn slowed_to(&self) -> Option<f64> {
        if self.playing {
            self.pace.slowed_to().map(|share| share * self.speed)
        } else {
            None
        }
    }

    /// The main run's timeline (the compare view's sides share it).
    pub fn timeline(&self) -> crate::model::TimelineView {
        crate::model::TimelineView::of(&self.main)
    }

    /// Since when the canvas is being recorded, if it is.
    pub fn recording(&self) -> Option<SimTime> {
        self.recording
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

    /// What is selected (nothing when several nodes are: see [`Playground::selected_nodes`]).
    pub fn selection(&self) -> Option<&Selection> {
        self.selection.as_ref()
    }

    /// The nodes selected: the group, or the one selected node.
    pub fn selected_nodes(&self) -> Vec<String> {
        match &self.selection {
            Some(Selection::Node(name)) if self.group.is_empty() => vec![name.clone()],
            _ => self.group.clone(),
        }
    }

    /// Everything selected, for the keys: each node of a group, or the one selection.
    pub fn selected(&self) -> Vec<Selection> {
        if self.group.len() > 1 {
            return self.group.iter().cloned().map(Selection::Node).collect();
        }
        self.selection.iter().cloned().collect()
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
        let opening = self.opening.as_ref()?;
        let progress = opening.progress();
        Some(if self.resuming {
            progress.replace("Opening the shared run", "Picking up where you left off")
        } else {
            progress
        })
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
        self.preset
    }

    /// The main run's topology as drawn now (`counts` of messages per link with reduced
    /// motion).
    pub fn stage(&mut self, counts: bool) -> StageView {
        let counts = counts.then(|| self.main.in_flight_per_link());
        let mut view = StageView::of(&self.main, &self.selected_nodes(), counts.as_deref());
        if let Some(reading) = &self.reading {
            view.pins = reading.pins(self.main.layout());
        }
        view
    }

    /// The story being read, as the page shows it.
    pub fn reading(&self) -> Option<StoryView> {
        self.reading.as_ref().map(|reading| StoryView {
            playing_by_itself: self.story_playing(),
            ..reading.view(&self.main)
        })
    }

    /// The compare side's topology as drawn now.
    pub fn side_stage(&mut self, counts: bool) -> Option<StageView> {
        let side = &mut self.compare.as_mut()?.side;
        let counts = counts.then(|| side.in_flight_per_link());
        Some(StageView::of(side, &[], counts.as_deref()))
    }

    /// What the main run's users see.
    pub fn figures(&self) -> Figures {
        Figures::of(&self.main)
    }

    /// The story card: while comparing, of the scenario compared (the sides' own names are
    /// over their figures).
    pub fn story(&self) -> Story {
        let mut story = Story::of(&self.main);
        if let Some(compare) = &self.compare {
            story.title.clone_from(&compare.compared.name);
        }
        story
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
        if self.group.len() > 1 {
            return Some(Inspected::Group(self.group.clone()));
        }
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
