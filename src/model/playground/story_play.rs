//! A story playing its steps by itself: from time zero, each step's commands given and its run
//! played (at the page's speed) up to the step's time, then held for a moment so its text can
//! be read, what the step asks of the reader done for them, and on to the next. A clip of a
//! story is recorded this way. It is the same run the reader sees step by step: the same
//! commands at the same simulated instants (`cascade_sim::stories::run_to_step`).

use super::{Changed, Playground, UiError};
use crate::model::reading::{done, spans, Reading, Span};
use cascade_sim::SimTime;

/// Wall-clock milliseconds a step is held at its end: enough to read its text.
pub fn hold_ms(text: &str) -> f64 {
    (1_500.0 + 35.0 * text.chars().count() as f64).min(8_000.0)
}

/// Where a story playing by itself is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct StoryPlay {
    /// Wall-clock milliseconds the current step has been held at its end; `None` while its
    /// run still plays toward the step's time.
    held_ms: Option<f64>,
    /// A clip is being recorded of it: the recording ends with the story.
    pub(super) recording: bool,
    /// The step the reader was at before a clip was asked for (to go back to if the browser
    /// cannot record).
    pub(super) return_to: Option<usize>,
}

impl Playground {
    /// Plays the story being read from its first step, by itself (and records it when
    /// `recording`).
    pub(super) fn play_story(&mut self, recording: bool) -> Result<Changed, UiError> {
        let reading = self.reading.take().ok_or(UiError::NoStory(String::new()))?;
        let return_to = recording.then_some(reading.step);
        let result = self.begin_story(&reading);
        self.reading = Some(Reading { step: 0, ..reading });
        result?;
        self.show_the_steps_pins();
        self.story_play = Some(StoryPlay {
            held_ms: None,
            recording,
            return_to,
        });
        self.playing = true;
        if self.recording.is_some() {
            // A clip already running goes on from the story's start.
            self.recording = Some(SimTime::ZERO);
        }
        Ok(Changed::Run)
    }

    /// The run at time zero with the first step's commands given.
    fn begin_story(&mut self, reading: &Reading) -> Result<(), UiError> {
        let story = &reading.story;
        self.story_from_time_zero(story)?;
        if let Some(first) = story.steps.first() {
            for command in &first.commands {
                self.apply_command(&command.0)?;
            }
        }
        self.history.clear();
        Ok(())
    }

    /// Whether the story is playing by itself.
    pub fn story_playing(&self) -> bool {
        self.story_play.is_some()
    }

    /// The simulated instant the story's current step runs to (and stays at while it is
    /// held), while the story plays by itself.
    pub(super) fn story_limit(&self) -> Option<SimTime> {
        self.story_play?;
        let reading = self.reading.as_ref()?;
        Some(reading.story.step_time(reading.step))
    }

    /// Lets `wall_elapsed_ms` pass for the story playing by itself, once the frame's run has
    /// been played (up to the step's time at most): holds the step at its end, then goes on.
    pub(super) fn story_plays_on(&mut self, wall_elapsed_ms: f64) -> Result<Changed, UiError> {
        let (Some(play), Some(reading)) = (self.story_play, self.reading.as_ref()) else {
            return Ok(Changed::Nothing);
        };
        if !self.playing {
            return Ok(Changed::Nothing);
        }
        let step = reading.step;
        let held_ms = match play.held_ms {
            None if self.main.simulation().now() < reading.story.step_time(step) => {
                return Ok(Changed::Nothing);
            }
            // The step's time is reached: hold it from the next frame on.
            None => 0.0,
            Some(held_ms) => held_ms + wall_elapsed_ms.clamp(0.0, 1_000.0),
        };
        let text = &reading.story.steps[step].text;
        if held_ms < hold_ms(text) {
            self.story_play = Some(StoryPlay {
                held_ms: Some(held_ms),
                ..play
            });
            return Ok(Changed::Nothing);
        }
        if step + 1 >= reading.story.steps.len() {
            return Ok(self.story_ends());
        }
        // What the step asked the reader to do counts as done at the step's time, then the
        // next step's commands are given at the same instant.
        let until = reading.until().cloned();
        let next = reading.story.steps[step + 1].commands.clone();
        if let Some(until) = until.filter(|until| !done(until, &self.main)) {
            self.apply_command(&until)?;
        }
        for command in &next {
            self.apply_command(&command.0)?;
        }
        if let Some(reading) = &mut self.reading {
            reading.step = step + 1;
        }
        self.show_the_steps_pins();
        // Changes made by the story are not the reader's to undo.
        self.history.clear();
        self.story_play = Some(StoryPlay {
            held_ms: None,
            ..play
        });
        Ok(Changed::Run)
    }

    /// The last step was held: the story stops, paused at its end, and a recording of it is
    /// saved.
    fn story_ends(&mut self) -> Changed {
        let recording = self.story_play.take().is_some_and(|play| play.recording);
        self.playing = false;
        if recording && self.recording.is_some() {
            self.stop_recording();
        }
        Changed::View
    }

    /// Stops the story playing by itself (the person took over), leaving the run where it is.
    pub(super) fn stop_story_play(&mut self) {
        self.story_play = None;
    }

    /// The story cannot go on by itself (a step was refused, the run is stuck at one instant,
    /// the person changed the run): it stops where it is, and a clip of it is saved as far as
    /// it got.
    pub(super) fn story_cannot_go_on(&mut self) {
        if self.story_play.take().is_some_and(|play| play.recording) {
            self.stop_recording();
        }
    }

    /// What a clip shows under the picture: the step being read and its text, plain.
    pub fn clip_caption(&self) -> Option<String> {
        let reading = self.reading.as_ref()?;
        let step = reading.story.steps.get(reading.step)?;
        let text: String = spans(&step.text)
            .into_iter()
            .map(|span| match span {
                Span::Plain(words) | Span::Emphasis(words) | Span::Link { text: words, .. } => {
                    words
                }
            })
            .collect();
        Some(format!(
            "{} · {} of {} · {}",
            reading.story.title,
            reading.step + 1,
            reading.story.steps.len(),
            text.trim()
        ))
    }
}
