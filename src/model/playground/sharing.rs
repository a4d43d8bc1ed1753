//! The playground's compare view, shared runs (opening one, and what a link to this one
//! holds) and files.

use super::{Compare, Download, Playground};
use crate::model::action::Export;
use crate::model::action::{Changed, UiError};
use crate::model::charts;
use crate::model::replay::{Opened, Opening, MAX_REPLAY_EVENTS, REPLAY_SLICE_EVENTS};
use crate::model::runner::Runner;
use crate::model::share::SPEED_RANGE;
use crate::model::share::{self, SharedState, View};
use cascade_sim::SimTime;

impl Playground {
    // ---- compare, open, share -----------------------------------------------------------

    /// Opens the compare view (the current scenario twice: all sync, and async between
    /// services, same seed) or closes it and goes back to the scenario as it was.
    pub(super) fn toggle_compare(&mut self) -> Result<Changed, UiError> {
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
            let (sync, asynchronous) = crate::model::compare::comparison(&scenario);
            let side = Runner::new(asynchronous, seed)?;
            self.main = Runner::new(sync, seed)?;
            self.compare = Some(Compare {
                side,
                compared: scenario,
            });
        }
        self.inspected = None;
        self.group.clear();
        if let Some(selection) = &self.selection {
            if self.check_selection(selection).is_err() {
                self.selection = None;
            }
        }
        Ok(Changed::Run)
    }

    /// Starts opening a shared run and replays its first slice; the frame loop finishes it.
    pub(super) fn open(&mut self, state: &SharedState) -> Result<Changed, UiError> {
        self.resuming = false;
        state.check().map_err(UiError::Link)?;
        let mut opening = Box::new(Opening::begin(state)?);
        // The story (if the link has one) is read once its run is on screen.
        self.opening_story = state.story.clone();
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
    pub(super) fn take_opened(&mut self, ((main, side), view): (Opened, View)) {
        self.main = main;
        self.compare = side.map(|(side, compared)| Compare { side, compared });
        self.speed = view.speed.clamp(SPEED_RANGE.0, SPEED_RANGE.1);
        self.playing = view.playing;
        self.selection = view.selected.as_ref().map(Into::into);
        self.group.clear();
        self.log_filter = view.log.into();
        self.history.clear();
        self.inspected = None;
        self.preset = super::preset_named(&self.scenario_shown().name);
        self.camera = view.camera.map_or_else(
            || crate::model::geometry::Camera::for_layout(self.main.layout(), self.stage_px),
            crate::model::geometry::Camera::checked,
        );
        self.reading = self
            .opening_story
            .take()
            .map(|shared| crate::model::reading::Reading {
                story: shared.story,
                step: shared.step,
            });
        self.apply_page_options();
    }

    /// `?speed=` and `?autoplay=` win over a shared state's view.
    pub(super) fn apply_page_options(&mut self) {
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
            camera: (self.camera
                != crate::model::geometry::Camera::for_layout(self.main.layout(), self.stage_px))
            .then_some(self.camera),
        };
        let mut state = self.main.capture(view);
        state.story = self
            .reading
            .as_ref()
            .map(|reading| crate::model::share::SharedStory {
                story: reading.story.clone(),
                step: reading.step,
            });
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

    /// Whether a file waits to be taken (a story that played by itself saved its clip).
    pub fn has_download(&self) -> bool {
        self.download.is_some()
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
            Export::Story => {
                let reading = self
                    .reading
                    .as_ref()
                    .ok_or(UiError::NoStory(String::new()))?;
                Download {
                    name: self.file_name("story.json"),
                    media_type: "application/json",
                    text: share::pretty_json(&reading.story),
                }
            }
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

    /// The run to save in the browser (after a change, and when the page goes away), if this
    /// page saves at all: an embed does not, and the compare view is not the person's
    /// scenario. A reload replays it to the same moment ([`Playground::boot`]); a run too long
    /// to replay is saved from time zero.
    pub fn autosave(&mut self) -> Option<SharedState> {
        if self.page.embed || self.compare.is_some() || self.opening.is_some() {
            return None;
        }
        self.shareable().ok().map(|(state, _)| state)
    }
}

/// The same scenario, seed and view from time zero, without the commands applied by hand.
pub(super) fn from_time_zero(state: SharedState) -> SharedState {
    SharedState {
        started_from: None,
        commands: Vec::new(),
        at: SimTime::ZERO,
        // A story's step is a moment of its run: from time zero there is none to show.
        story: None,
        ..state
    }
}
