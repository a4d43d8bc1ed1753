//! How much simulation a frame can afford. A frame has about 16 ms; the page keeps a share of
//! it for the simulation and the dots, learns from the frames before how many events it
//! handles per millisecond on this machine, and gives the next frame that many. When a
//! topology produces more events than the machine can handle in real time, the simulation
//! falls behind the clock (slow motion, said on screen) instead of the page stuttering. The
//! run is the same either way: where a frame stops does not change what happens.

use std::collections::VecDeque;

/// Milliseconds of work (simulation step and drawing) a frame aims at, out of ~16.7 ms at
/// 60 frames per second: the rest is the browser's (layout, paint, Yew's refresh).
pub const FRAME_WORK_MS: f64 = 6.0;
/// Events the first frame may handle, before anything is known about the machine.
pub const FIRST_FRAME_EVENTS: u64 = 20_000;
/// Events a frame may always handle, however slow the machine: the run never stops.
pub const MIN_FRAME_EVENTS: u64 = 1_000;
/// Events one frame may handle at most: a retry storm slows the simulation, never the page.
pub const MAX_FRAME_EVENTS: u64 = 200_000;
/// A frame's events are only learned from when there were at least this many (a frame of a
/// few events is mostly drawing: it says nothing about the simulation's speed).
const EVENTS_WORTH_LEARNING: u64 = 500;
/// Wall-clock milliseconds over which the speed reached is judged.
const JUDGED_OVER_MS: f64 = 1_000.0;
/// Slower than this share of the speed asked for counts as slow motion.
const KEEPING_UP: f64 = 0.9;

/// The frame budget and the speed the runs actually reach.
#[derive(Clone, Debug, Default)]
pub struct Pace {
    /// Events handled per millisecond of simulation, smoothed over recent frames.
    events_per_ms: Option<f64>,
    /// What drawing a frame costs (the moving messages), smoothed, milliseconds: it comes out
    /// of the frame budget before the simulation's share.
    drawing_ms: f64,
    /// Events the last frame handled, until its work time is known.
    last_frame_events: u64,
    /// Recent frames while playing: wall-clock milliseconds, simulated milliseconds asked
    /// for (wall time times speed) and simulated milliseconds done.
    recent: VecDeque<(f64, f64, f64)>,
}

impl Pace {
    /// Events the next frame may handle.
    pub fn frame_events(&self) -> u64 {
        let simulation_ms = (FRAME_WORK_MS - self.drawing_ms).max(0.0);
        self.events_per_ms
            .map_or(FIRST_FRAME_EVENTS, |rate| (rate * simulation_ms) as u64)
            .clamp(MIN_FRAME_EVENTS, MAX_FRAME_EVENTS)
    }

    /// A frame while playing: `wall_ms` of wall-clock time asked for `asked_ms` of simulated
    /// time, and the runs did `done_ms` of it by handling `events` events.
    pub fn ran(&mut self, wall_ms: f64, asked_ms: f64, done_ms: f64, events: u64) {
        self.last_frame_events = events;
        if wall_ms > 0.0 {
            self.recent.push_back((wall_ms, asked_ms, done_ms));
        }
        let mut total_ms: f64 = self.recent.iter().map(|(wall, _, _)| wall).sum();
        while total_ms > JUDGED_OVER_MS {
            let Some((oldest, _, _)) = self.recent.pop_front() else {
                break;
            };
            total_ms -= oldest;
        }
    }

    /// How long the last frame's work took, measured by the page: the simulation step and
    /// drawing the moving messages.
    pub fn worked(&mut self, simulation_ms: f64, drawing_ms: f64) {
        if drawing_ms.is_finite() && drawing_ms >= 0.0 {
            self.drawing_ms = 0.8 * self.drawing_ms + 0.2 * drawing_ms;
        }
        let events = std::mem::take(&mut self.last_frame_events);
        if events < EVENTS_WORTH_LEARNING || !simulation_ms.is_finite() || simulation_ms <= 0.0 {
            return;
        }
        let rate = events as f64 / simulation_ms;
        self.events_per_ms = Some(match self.events_per_ms {
            // Quick to slow down (the page must not stutter), slower to speed up.
            Some(old) if rate < old => 0.5 * old + 0.5 * rate,
            Some(old) => 0.8 * old + 0.2 * rate,
            None => rate,
        });
    }

    /// Forgets the speed reached (paused, or a new speed asked for): what follows is judged
    /// on its own. What was learned about the machine stays.
    pub fn restart_judging(&mut self) {
        self.recent.clear();
        self.last_frame_events = 0;
    }

    /// The share of the speed asked for that the runs reached over the last second, when it
    /// is clearly less than asked (slow motion); `None` while keeping up or not yet known.
    pub fn slowed_to(&self) -> Option<f64> {
        let (wall, asked, done) = self
            .recent
            .iter()
            .fold((0.0, 0.0, 0.0), |(wall, asked, done), (w, a, d)| {
                (wall + w, asked + a, done + d)
            });
        (wall >= JUDGED_OVER_MS / 2.0 && asked > 0.0 && done < KEEPING_UP * asked)
            .then(|| done / asked)
    }
}

/// Wall-clock milliseconds between two refreshes of the page's numbers, at least.
pub const REFRESH_MS: f64 = 100.0;
/// ... and at most, however heavy the page.
pub const SLOWEST_REFRESH_MS: f64 = 1_000.0;
/// The share of the time refreshing the page may take: a large topology's numbers (hundreds of
/// boxes and links) refresh less often than a small one's, so the dots keep moving smoothly.
const REFRESH_SHARE: f64 = 0.1;

/// When the page's numbers are refreshed (the dots move every frame; the numbers, boxes and
/// charts are re-rendered now and then).
#[derive(Clone, Debug, Default)]
pub struct Refreshes {
    /// When the last refresh was asked for, wall-clock milliseconds.
    last_ms: Option<f64>,
    /// What a refresh costs, smoothed, wall-clock milliseconds.
    cost_ms: f64,
}

impl Refreshes {
    /// Milliseconds between two refreshes now.
    pub fn interval_ms(&self) -> f64 {
        (self.cost_ms / REFRESH_SHARE).clamp(REFRESH_MS, SLOWEST_REFRESH_MS)
    }

    /// Whether a refresh is due at `now_ms`.
    pub fn due(&self, now_ms: f64) -> bool {
        self.last_ms
            .is_none_or(|last| now_ms - last >= self.interval_ms())
    }

    /// A refresh was asked for at `now_ms`.
    pub fn refreshed(&mut self, now_ms: f64) {
        self.last_ms = Some(now_ms);
    }

    /// What the last refresh cost, measured by the page.
    pub fn cost(&mut self, cost_ms: f64) {
        if cost_ms.is_finite() && cost_ms >= 0.0 {
            self.cost_ms = 0.7 * self.cost_ms + 0.3 * cost_ms;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heavy_refreshes_come_less_often() {
        let mut refreshes = Refreshes::default();
        assert!(refreshes.due(0.0));
        refreshes.refreshed(0.0);
        refreshes.cost(2.0);
        assert!(!refreshes.due(99.0));
        assert!(refreshes.due(100.0), "a cheap refresh: every 100 ms");
        for _ in 0..20 {
            refreshes.cost(40.0);
        }
        let interval = refreshes.interval_ms();
        assert!((interval - 400.0).abs() < 1.0, "{interval}");
        assert!(!refreshes.due(300.0));
        refreshes.cost(f64::NAN);
        for _ in 0..20 {
            refreshes.cost(1_000.0);
        }
        assert_eq!(refreshes.interval_ms(), SLOWEST_REFRESH_MS);
    }

    #[test]
    fn a_slow_frame_shrinks_the_next_and_a_fast_one_grows_it() {
        let mut pace = Pace::default();
        assert_eq!(pace.frame_events(), FIRST_FRAME_EVENTS);
        pace.ran(16.7, 16.7, 10.0, 20_000);
        pace.worked(40.0, 0.0); // 500 events/ms: 6 ms is 3,000 events
        assert_eq!(pace.frame_events(), 3_000);
        pace.ran(16.7, 16.7, 16.7, 3_000);
        pace.worked(1.0, 0.0); // 3,000 events/ms seen: it grows, but not all at once
        let grown = pace.frame_events();
        assert!(grown > 3_000 && grown < 18_000, "{grown}");
    }

    #[test]
    fn drawing_comes_out_of_the_budget_first() {
        let mut pace = Pace::default();
        for _ in 0..50 {
            pace.ran(16.7, 16.7, 16.7, 10_000);
            pace.worked(10.0, 4.0); // 1,000 events/ms, and 4 ms to draw
        }
        let events = pace.frame_events();
        assert!((1_950..=2_050).contains(&events), "{events}");
        for _ in 0..50 {
            pace.ran(16.7, 16.7, 16.7, 10_000);
            pace.worked(10.0, 9.0); // drawing alone is over the budget: the run still moves
        }
        assert_eq!(pace.frame_events(), MIN_FRAME_EVENTS);
    }

    #[test]
    fn few_events_or_nonsense_times_teach_nothing() {
        let mut pace = Pace::default();
        pace.ran(16.7, 16.7, 16.7, 10);
        pace.worked(15.0, 0.0);
        pace.ran(16.7, 16.7, 16.7, 50_000);
        pace.worked(f64::NAN, f64::NAN);
        pace.worked(0.0, 0.0);
        assert_eq!(pace.frame_events(), FIRST_FRAME_EVENTS);
    }

    #[test]
    fn the_budget_stays_between_its_bounds() {
        let mut pace = Pace::default();
        pace.ran(16.7, 16.7, 1.0, 1_000);
        pace.worked(10_000.0, 0.0);
        assert_eq!(pace.frame_events(), MIN_FRAME_EVENTS);
        let mut pace = Pace::default();
        pace.ran(16.7, 16.7, 16.7, 150_000);
        pace.worked(0.01, 0.0);
        assert_eq!(pace.frame_events(), MAX_FRAME_EVENTS);
    }

    #[test]
    fn slow_motion_is_judged_over_the_last_second() {
        let mut pace = Pace::default();
        for _ in 0..30 {
            pace.ran(16.7, 16.7, 16.7, 100);
        }
        assert_eq!(pace.slowed_to(), None, "keeping up");
        for _ in 0..60 {
            pace.ran(16.7, 16.7, 4.175, 100);
        }
        let slowed = pace.slowed_to().expect("a quarter of the speed asked for");
        assert!((slowed - 0.25).abs() < 1e-9, "{slowed}");
        pace.restart_judging();
        assert_eq!(pace.slowed_to(), None, "too soon to say");
    }
}
