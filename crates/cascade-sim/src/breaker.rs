//! Circuit breaker of a sync link: the Resilience4j `CircuitBreaker` state machine (CLOSED, OPEN,
//! HALF_OPEN, plus DISABLED), with its count-based and time-based sliding windows, as a pure
//! value. It owns the decision "may this call go out now?" and the bookkeeping of outcomes; it
//! knows nothing about links, events or traces. The engine asks it before each attempt, tells it
//! each result, and schedules a timer at [`CircuitBreaker::automatic_transition_due`] when it
//! wants the transitions Resilience4j makes from its scheduler thread. Keeping it pure makes the
//! algorithm testable against the library's documented behaviour without running a simulation.
//!
//! Why one long file: the configuration, the two sliding windows and the state machine are one
//! algorithm (each transition reads the window and the configuration), and about half the file
//! is its unit tests, one per documented Resilience4j behaviour.
//!
//! ```text
//!            failure or slow-call rate >= threshold
//!   CLOSED ------------------------------------------> OPEN <--------------------+
//!     ^                                                 |                        |
//!     |                          wait_duration_in_open  | (lazily on the next    |
//!     |                          elapsed                |  attempt, or by timer) | trial rates >= threshold,
//!     |   trial rates below threshold                   v                        | or max wait in half-open
//!     +-------------------------------------------- HALF_OPEN -------------------+
//! ```
//!
//! Stale results: a result can come back for a call permitted in an earlier state (permitted
//! while CLOSED, the breaker opened, the response arrives later). Every state change starts a new
//! *epoch*, and [`CircuitBreaker::try_acquire`] hands out a [`Permit`] stamped with the epoch and
//! the start time. [`CircuitBreaker::on_result`] records a result only if its permit belongs to
//! the current epoch, so OPEN ignores results, HALF_OPEN judges only its own trial calls, and a
//! freshly CLOSED window starts empty. (Resilience4j, racing threads, lets such late results leak
//! into whichever state is current; in OPEN they only touch the displayed metrics.)

use crate::time::{SimDuration, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// How the closed state remembers outcomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlidingWindowType {
    /// The last `sliding_window_size` calls.
    #[default]
    CountBased,
    /// The calls that ended in the last `sliding_window_size` seconds (one-second buckets).
    TimeBased,
}

/// Knobs of a circuit breaker. Every default except `enabled` is the Resilience4j default
/// (`CircuitBreakerConfig`, resilience4j 2.x); in Cascade a link has no breaker until the user
/// turns one on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerConfig {
    /// Whether the link has a breaker at all. Default false: the breaker is DISABLED, lets every
    /// call through and records nothing (Cascade's choice, not a Resilience4j setting).
    pub enabled: bool,
    /// Failure rate, in percent, at or above which the breaker opens.
    /// Default 50: Resilience4j `failureRateThreshold`.
    pub failure_rate_threshold: f64,
    /// Slow-call rate, in percent, at or above which the breaker opens.
    /// Default 100: Resilience4j `slowCallRateThreshold`.
    pub slow_call_rate_threshold: f64,
    /// A call that takes longer than this is slow (whether it failed or not).
    /// Default 60000 ms: Resilience4j `slowCallDurationThreshold`.
    pub slow_call_duration_threshold_ms: f64,
    /// Count-based or time-based window. Default count-based: Resilience4j `slidingWindowType`.
    pub sliding_window_type: SlidingWindowType,
    /// Window size: calls when count-based, seconds when time-based.
    /// Default 100: Resilience4j `slidingWindowSize`.
    pub sliding_window_size: u32,
    /// Rates are evaluated only once the window holds this many calls (count-based: at most
    /// `sliding_window_size`). Default 100: Resilience4j `minimumNumberOfCalls`.
    pub minimum_number_of_calls: u32,
    /// Time spent OPEN before trial calls are allowed.
    /// Default 60000 ms: Resilience4j `waitDurationInOpenState`.
    pub wait_duration_in_open_ms: f64,
    /// Trial calls allowed in HALF_OPEN. Once `min(this, minimum_number_of_calls)` trial
    /// results are in (as in Resilience4j), their rates decide CLOSED or OPEN.
    /// Default 10: Resilience4j `permittedNumberOfCallsInHalfOpenState`.
    pub permitted_number_of_calls_in_half_open: u32,
    /// Go HALF_OPEN when the wait ends even if no call arrives (the engine schedules a timer)
    /// instead of on the first attempt after it.
    /// Default false: Resilience4j `automaticTransitionFromOpenToHalfOpenEnabled`.
    pub automatic_transition_from_open_to_half_open: bool,
    /// Longest stay in HALF_OPEN before going back to OPEN; 0 waits until the trial calls are in.
    /// Default 0 ms: Resilience4j `maxWaitDurationInHalfOpenState`.
    pub max_wait_duration_in_half_open_ms: f64,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            enabled: false,
            failure_rate_threshold: 50.0,
            slow_call_rate_threshold: 100.0,
            slow_call_duration_threshold_ms: 60_000.0,
            sliding_window_type: SlidingWindowType::CountBased,
            sliding_window_size: 100,
            minimum_number_of_calls: 100,
            wait_duration_in_open_ms: 60_000.0,
            permitted_number_of_calls_in_half_open: 10,
            automatic_transition_from_open_to_half_open: false,
            max_wait_duration_in_half_open_ms: 0.0,
        }
    }
}

impl BreakerConfig {
    /// Checks the knobs with Resilience4j's rules; the message starts with the field name.
    pub fn validate(&self) -> Result<(), String> {
        let percent = |value: f64| value.is_finite() && value > 0.0 && value <= 100.0;
        if !percent(self.failure_rate_threshold) {
            return Err(
                "failure_rate_threshold: must be greater than 0 and at most 100 (percent)".into(),
            );
        }
        if !percent(self.slow_call_rate_threshold) {
            return Err(
                "slow_call_rate_threshold: must be greater than 0 and at most 100 (percent)".into(),
            );
        }
        if !(self.slow_call_duration_threshold_ms.is_finite()
            && self.slow_call_duration_threshold_ms >= 0.001)
        {
            return Err(
                "slow_call_duration_threshold_ms: must be at least 0.001 (one microsecond)".into(),
            );
        }
        if self.sliding_window_size == 0 {
            return Err("sliding_window_size: must be at least 1".into());
        }
        if self.minimum_number_of_calls == 0 {
            return Err("minimum_number_of_calls: must be at least 1".into());
        }
        if !(self.wait_duration_in_open_ms.is_finite() && self.wait_duration_in_open_ms >= 1.0) {
            return Err("wait_duration_in_open_ms: must be at least 1".into());
        }
        if self.permitted_number_of_calls_in_half_open == 0 {
            return Err("permitted_number_of_calls_in_half_open: must be at least 1".into());
        }
        if !(self.max_wait_duration_in_half_open_ms.is_finite()
            && self.max_wait_duration_in_half_open_ms >= 0.0)
        {
            return Err(
                "max_wait_duration_in_half_open_ms: must be at least 0 (0 waits for the trial calls)"
                    .into(),
            );
        }
        Ok(())
    }
}

/// The state of a breaker, as Resilience4j names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Calls flow; outcomes fill the sliding window.
    Closed,
    /// Calls are rejected until the wait in open ends.
    Open,
    /// A limited number of trial calls decide between CLOSED and OPEN.
    HalfOpen,
    /// No breaker: everything passes, nothing is recorded.
    Disabled,
}

impl BreakerState {
    /// The snake_case name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
            BreakerState::Disabled => "disabled",
        }
    }
}

impl core::fmt::Display for BreakerState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A state change, for the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// State before.
    pub from: BreakerState,
    /// State after.
    pub to: BreakerState,
    /// When it happened.
    pub at: SimTime,
}

/// Leave to make one call, from [`CircuitBreaker::try_acquire`]. Hand it back exactly once, to
/// [`CircuitBreaker::on_result`] or [`CircuitBreaker::release`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permit {
    epoch: u64,
    acquired_at: SimTime,
}

impl Permit {
    /// When the call was permitted; its duration (for slow-call detection) runs from here.
    pub fn acquired_at(&self) -> SimTime {
        self.acquired_at
    }
}

/// The breaker refused a call (Resilience4j `CallNotPermittedException`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("circuit breaker is {state} and does not permit further calls")]
pub struct CallNotPermitted {
    /// The state that refused: open, or half-open with all trial calls handed out.
    pub state: BreakerState,
}

/// One call's outcome; a call can be both failed and slow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Outcome {
    failed: bool,
    slow: bool,
}

/// Aggregated outcomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    calls: u32,
    failed: u32,
    slow: u32,
}

impl Counts {
    fn add(&mut self, outcome: Outcome) {
        self.calls += 1;
        self.failed += u32::from(outcome.failed);
        self.slow += u32::from(outcome.slow);
    }

    fn remove(&mut self, outcome: Outcome) {
        self.calls -= 1;
        self.failed -= u32::from(outcome.failed);
        self.slow -= u32::from(outcome.slow);
    }

    fn remove_counts(&mut self, other: Counts) {
        self.calls -= other.calls;
        self.failed -= other.failed;
        self.slow -= other.slow;
    }

    /// (failure rate, slow-call rate) in percent; `calls` must be non-zero.
    fn rates(self) -> (f64, f64) {
        let calls = f64::from(self.calls);
        (
            f64::from(self.failed) * 100.0 / calls,
            f64::from(self.slow) * 100.0 / calls,
        )
    }
}

/// Resilience4j `FixedSizeSlidingWindowMetrics` / `SlidingTimeWindowMetrics`.
#[derive(Clone, Debug, PartialEq)]
enum Window {
    /// Ring of the last `size` outcomes; `next` is the slot to overwrite once full.
    Count {
        ring: Vec<Outcome>,
        size: usize,
        next: usize,
        totals: Counts,
    },
    /// Non-empty one-second buckets (epoch second, counts), oldest first, covering the
    /// `size_secs` seconds up to the latest record.
    Time {
        buckets: VecDeque<(u64, Counts)>,
        size_secs: u64,
        totals: Counts,
    },
}

impl Window {
    fn count_based(size: u32) -> Self {
        Window::Count {
            ring: Vec::new(),
            size: size.max(1) as usize,
            next: 0,
            totals: Counts::default(),
        }
    }

    fn time_based(size_secs: u32) -> Self {
        Window::Time {
            buckets: VecDeque::new(),
            size_secs: u64::from(size_secs.max(1)),
            totals: Counts::default(),
        }
    }

    fn totals(&self) -> Counts {
        match self {
            Window::Count { totals, .. } | Window::Time { totals, .. } => *totals,
        }
    }

    /// The running totals equal the outcomes the window holds, and it holds no more than its
    /// size.
    fn check(&self) -> Result<(), String> {
        let mut held = Counts::default();
        match self {
            Window::Count {
                ring, size, totals, ..
            } => {
                if ring.len() > *size {
                    return Err(format!("a window of {size} holds {} calls", ring.len()));
                }
                ring.iter().for_each(|outcome| held.add(*outcome));
                if held != *totals {
                    return Err(format!(
                        "window totals {totals:?}, its calls add up to {held:?}"
                    ));
                }
            }
            Window::Time {
                buckets,
                size_secs,
                totals,
            } => {
                for (_, counts) in buckets {
                    held.calls += counts.calls;
                    held.failed += counts.failed;
                    held.slow += counts.slow;
                }
                if held != *totals {
                    return Err(format!(
                        "window totals {totals:?}, its buckets add up to {held:?}"
                    ));
                }
                if let (Some((oldest, _)), Some((latest, _))) = (buckets.front(), buckets.back()) {
                    if latest - oldest >= *size_secs {
                        return Err(format!(
                            "buckets span {} s of a {size_secs} s window",
                            latest - oldest + 1
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn record(&mut self, now: SimTime, outcome: Outcome) {
        match self {
            Window::Count {
                ring,
                size,
                next,
                totals,
            } => {
                if ring.len() < *size {
                    ring.push(outcome);
                } else {
                    totals.remove(ring[*next]);
                    ring[*next] = outcome;
                    *next = (*next + 1) % *size;
                }
                totals.add(outcome);
            }
            Window::Time {
                buckets,
                size_secs,
                totals,
            } => {
                let second = now.as_micros() / 1_000_000;
                // Buckets older than the window drop out (the window is [second-size+1, second]).
                while let Some(&(oldest, counts)) = buckets.front() {
                    if oldest + *size_secs > second {
                        break;
                    }
                    totals.remove_counts(counts);
                    buckets.pop_front();
                }
                match buckets.back_mut() {
                    // Same second, or a clock that went back: the latest bucket, as Resilience4j.
                    Some((latest, counts)) if *latest >= second => counts.add(outcome),
                    _ => {
                        let mut counts = Counts::default();
                        counts.add(outcome);
                        buckets.push_back((second, counts));
                    }
                }
                totals.add(outcome);
            }
        }
    }
}

/// A window plus the number of calls it needs before its rates count
/// (Resilience4j `CircuitBreakerMetrics`).
#[derive(Clone, Debug, PartialEq)]
struct Metrics {
    window: Window,
    minimum_calls: u32,
}

impl Metrics {
    /// The closed-state window. Count-based windows need `min(minimum, size)` calls.
    fn for_closed(config: &BreakerConfig) -> Self {
        let minimum = config.minimum_number_of_calls.max(1);
        match config.sliding_window_type {
            SlidingWindowType::CountBased => Metrics {
                window: Window::count_based(config.sliding_window_size),
                minimum_calls: minimum.min(config.sliding_window_size.max(1)),
            },
            SlidingWindowType::TimeBased => Metrics {
                window: Window::time_based(config.sliding_window_size),
                minimum_calls: minimum,
            },
        }
    }

    /// The half-open window: count-based, sized to the trial calls.
    fn for_half_open(config: &BreakerConfig) -> Self {
        let permitted = config.permitted_number_of_calls_in_half_open.max(1);
        Metrics {
            window: Window::count_based(permitted),
            minimum_calls: config.minimum_number_of_calls.max(1).min(permitted),
        }
    }

    /// Rates in percent, once enough calls are in.
    fn rates(&self) -> Option<(f64, f64)> {
        let totals = self.window.totals();
        (totals.calls > 0 && totals.calls >= self.minimum_calls).then(|| totals.rates())
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Disabled,
    Closed {
        metrics: Metrics,
    },
    /// Keeps the metrics that tripped it, for display.
    Open {
        since: SimTime,
        metrics: Metrics,
    },
    HalfOpen {
        since: SimTime,
        permits_left: u32,
        metrics: Metrics,
    },
}

/// A circuit breaker. Pure: time comes in as arguments, transitions come out as values.
#[derive(Clone, Debug, PartialEq)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    slow_call_duration_threshold: SimDuration,
    wait_duration_in_open: SimDuration,
    max_wait_duration_in_half_open: SimDuration,
    phase: Phase,
    /// Bumped on every state change; permits from older epochs are stale.
    epoch: u64,
}

/// A duration in milliseconds truncated to whole milliseconds, as Java's `Duration.toMillis()`.
fn whole_millis(millis: f64) -> SimDuration {
    if millis.is_finite() && millis > 0.0 {
        SimDuration::from_micros((millis as u64).saturating_mul(1_000))
    } else {
        SimDuration::ZERO
    }
}

impl CircuitBreaker {
    /// A breaker in CLOSED (DISABLED when `config.enabled` is false). Call
    /// [`BreakerConfig::validate`] first; out-of-range values are clamped so this never panics.
    pub fn new(config: BreakerConfig) -> Self {
        let phase = if config.enabled {
            Phase::Closed {
                metrics: Metrics::for_closed(&config),
            }
        } else {
            Phase::Disabled
        };
        CircuitBreaker {
            slow_call_duration_threshold: SimDuration::from_millis_f64(
                config.slow_call_duration_threshold_ms,
            ),
            // Resilience4j keeps both waits in whole milliseconds (`Duration.toMillis()`, which
            // truncates): a wait of 1.9 ms is 1 ms, and a half-open limit under 1 ms sets no
            // timer at all, so the breaker waits for its trial calls.
            wait_duration_in_open: whole_millis(config.wait_duration_in_open_ms),
            max_wait_duration_in_half_open: whole_millis(config.max_wait_duration_in_half_open_ms),
            config,
            phase,
            epoch: 0,
        }
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &BreakerConfig {
        &self.config
    }

    /// The current state.
    pub fn state(&self) -> BreakerState {
        match self.phase {
            Phase::Disabled => BreakerState::Disabled,
            Phase::Closed { .. } => BreakerState::Closed,
            Phase::Open { .. } => BreakerState::Open,
            Phase::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// Asks to make a call now. Refused while OPEN and when HALF_OPEN has handed out all its
    /// trial calls. May itself change state, returned alongside for the trace:
    /// OPEN -> HALF_OPEN once `now` is strictly after the end of the wait (Resilience4j
    /// `isAfter`; this attempt is then the first trial call), and HALF_OPEN -> OPEN when the
    /// max wait in half-open has passed (this attempt is then refused).
    #[must_use = "a permit must be handed back through on_result or release"]
    pub fn try_acquire(
        &mut self,
        now: SimTime,
    ) -> (Result<Permit, CallNotPermitted>, Option<Transition>) {
        if let Some(transition) = self.half_open_expiry(now) {
            let refused = CallNotPermitted {
                state: BreakerState::Open,
            };
            return (Err(refused), Some(transition));
        }
        let mut transition = None;
        if let Phase::Open { since, .. } = self.phase {
            if now > since + self.wait_duration_in_open {
                transition = Some(self.half_open(now));
            }
        }
        let permit = Permit {
            epoch: self.epoch,
            acquired_at: now,
        };
        let admission = match &mut self.phase {
            Phase::Disabled | Phase::Closed { .. } => Ok(permit),
            Phase::Open { .. } => Err(CallNotPermitted {
                state: BreakerState::Open,
            }),
            Phase::HalfOpen { permits_left, .. } => {
                if *permits_left > 0 {
                    *permits_left -= 1;
                    Ok(permit)
                } else {
                    Err(CallNotPermitted {
                        state: BreakerState::HalfOpen,
                    })
                }
            }
        };
        (admission, transition)
    }

    /// Records the result of a permitted call that ended `now`; it is slow when it took longer
    /// than `slow_call_duration_threshold_ms`. Results of permits from an earlier state, and all
    /// results while DISABLED, are ignored. Returns the state change it caused: CLOSED -> OPEN when
    /// a rate reaches its threshold, HALF_OPEN -> CLOSED or OPEN once the trial calls are in, or
    /// HALF_OPEN -> OPEN when the max wait in half-open passed before this result.
    pub fn on_result(&mut self, permit: Permit, now: SimTime, failed: bool) -> Option<Transition> {
        if let Some(transition) = self.half_open_expiry(now) {
            return Some(transition);
        }
        if permit.epoch != self.epoch {
            return None;
        }
        let outcome = Outcome {
            failed,
            slow: now.since(permit.acquired_at) > self.slow_call_duration_threshold,
        };
        let (failure_rate, slow_call_rate) = match &mut self.phase {
            Phase::Disabled | Phase::Open { .. } => return None,
            Phase::Closed { metrics } | Phase::HalfOpen { metrics, .. } => {
                metrics.window.record(now, outcome);
                metrics.rates()?
            }
        };
        let exceeded = failure_rate >= self.config.failure_rate_threshold
            || slow_call_rate >= self.config.slow_call_rate_threshold;
        match self.phase {
            Phase::Closed { .. } if exceeded => Some(self.open(now)),
            Phase::HalfOpen { .. } if exceeded => Some(self.open(now)),
            Phase::HalfOpen { .. } => Some(self.close(now)),
            _ => None,
        }
    }

    /// Gives back a permit whose call was never made (Resilience4j `releasePermission`): in
    /// HALF_OPEN its trial slot becomes free again. Stale permits are ignored.
    pub fn release(&mut self, permit: Permit) {
        if permit.epoch != self.epoch {
            return;
        }
        let permitted = self.config.permitted_number_of_calls_in_half_open.max(1);
        if let Phase::HalfOpen { permits_left, .. } = &mut self.phase {
            *permits_left = (*permits_left + 1).min(permitted);
        }
    }

    /// When a time-driven transition falls due, for the engine to schedule [`Self::on_timer`]:
    /// the end of the wait in OPEN (only with automatic transition on), or the end of the max
    /// wait in HALF_OPEN (whenever it is non-zero; Resilience4j schedules it regardless).
    pub fn automatic_transition_due(&self) -> Option<SimTime> {
        match self.phase {
            Phase::Open { since, .. }
                if self.config.automatic_transition_from_open_to_half_open =>
            {
                Some(since + self.wait_duration_in_open)
            }
            Phase::HalfOpen { since, .. }
                if self.max_wait_duration_in_half_open > SimDuration::ZERO =>
            {
                Some(since + self.max_wait_duration_in_half_open)
            }
            _ => None,
        }
    }

    /// A timer scheduled at [`Self::automatic_transition_due`] fired: makes the transition if it
    /// is (still) due. Timers left over from earlier states do nothing.
    pub fn on_timer(&mut self, now: SimTime) -> Option<Transition> {
        let due = self.automatic_transition_due()?;
        if now < due {
            return None;
        }
        match self.phase {
            Phase::Open { .. } => Some(self.half_open(now)),
            Phase::HalfOpen { .. } => Some(self.open(now)),
            Phase::Disabled | Phase::Closed { .. } => None,
        }
    }

    /// Checks its own bookkeeping: window totals match the calls it holds, and HALF_OPEN has
    /// handed out no more trial calls than it permits.
    pub fn check(&self) -> Result<(), String> {
        if let Phase::HalfOpen { permits_left, .. } = self.phase {
            let permitted = self.config.permitted_number_of_calls_in_half_open.max(1);
            if permits_left > permitted {
                return Err(format!("{permits_left} trial calls left of {permitted}"));
            }
        }
        self.metrics()
            .map_or(Ok(()), |metrics| metrics.window.check())
    }

    /// Failure and slow-call rates in percent over the current window (in OPEN: the window that
    /// tripped it), once it holds the minimum number of calls. A time-based window is as of its
    /// latest result. `None` while DISABLED.
    pub fn rates(&self) -> Option<(f64, f64)> {
        self.metrics()?.rates()
    }

    /// Calls in the current window (in OPEN: the window that tripped it).
    pub fn buffered_calls(&self) -> u32 {
        self.metrics()
            .map_or(0, |metrics| metrics.window.totals().calls)
    }

    fn metrics(&self) -> Option<&Metrics> {
        match &self.phase {
            Phase::Disabled => None,
            Phase::Closed { metrics }
            | Phase::Open { metrics, .. }
            | Phase::HalfOpen { metrics, .. } => Some(metrics),
        }
    }

    /// HALF_OPEN -> OPEN if the max wait in half-open has passed (the lazy path of the timer).
    fn half_open_expiry(&mut self, now: SimTime) -> Option<Transition> {
        match self.phase {
            Phase::HalfOpen { .. } => self.on_timer(now),
            _ => None,
        }
    }

    fn close(&mut self, at: SimTime) -> Transition {
        let metrics = Metrics::for_closed(&self.config);
        self.change(at, Phase::Closed { metrics })
    }

    /// The new OPEN keeps the window that tripped it (Resilience4j passes the metrics on).
    fn open(&mut self, at: SimTime) -> Transition {
        let metrics = match &self.phase {
            Phase::Closed { metrics }
            | Phase::Open { metrics, .. }
            | Phase::HalfOpen { metrics, .. } => metrics.clone(),
            Phase::Disabled => Metrics::for_closed(&self.config),
        };
        self.change(at, Phase::Open { since: at, metrics })
    }

    fn half_open(&mut self, at: SimTime) -> Transition {
        let phase = Phase::HalfOpen {
            since: at,
            permits_left: self.config.permitted_number_of_calls_in_half_open.max(1),
            metrics: Metrics::for_half_open(&self.config),
        };
        self.change(at, phase)
    }

    fn change(&mut self, at: SimTime, phase: Phase) -> Transition {
        let from = self.state();
        self.phase = phase;
        self.epoch += 1;
        Transition {
            from,
            to: self.state(),
            at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(millis: u64) -> SimTime {
        SimTime::from_millis(millis)
    }

    /// An enabled breaker with a small count-based window: opens at 50 % failures over 10 calls,
    /// waits 1 s in open, allows 3 trial calls; calls over 100 ms are slow.
    fn config() -> BreakerConfig {
        BreakerConfig {
            enabled: true,
            sliding_window_size: 10,
            minimum_number_of_calls: 10,
            wait_duration_in_open_ms: 1_000.0,
            permitted_number_of_calls_in_half_open: 3,
            slow_call_duration_threshold_ms: 100.0,
            ..BreakerConfig::default()
        }
    }

    fn acquire(breaker: &mut CircuitBreaker, at: SimTime) -> Permit {
        let (admission, transition) = breaker.try_acquire(at);
        assert_eq!(transition, None, "unexpected transition at {at:?}");
        admission.expect("the breaker should permit this call")
    }

    /// One permitted call starting at `start_ms` and taking `took_ms`.
    fn call(
        breaker: &mut CircuitBreaker,
        start_ms: u64,
        took_ms: u64,
        failed: bool,
    ) -> Option<Transition> {
        let permit = acquire(breaker, ms(start_ms));
        breaker.on_result(permit, ms(start_ms + took_ms), failed)
    }

    /// Drives a fresh breaker from CLOSED to OPEN with ten failures, the last ending at 100 ms.
    fn opened(config: BreakerConfig) -> CircuitBreaker {
        let mut breaker = CircuitBreaker::new(config);
        for i in 0..9 {
            assert_eq!(call(&mut breaker, i * 10, 1, true), None);
        }
        assert_eq!(
            call(&mut breaker, 99, 1, true),
            Some(Transition {
                from: BreakerState::Closed,
                to: BreakerState::Open,
                at: ms(100),
            })
        );
        breaker
    }

    /// Drives a breaker to HALF_OPEN lazily: open at 100 ms, first attempt at 1101 ms.
    fn half_opened(config: BreakerConfig) -> (CircuitBreaker, Permit) {
        let mut breaker = opened(config);
        let (admission, transition) = breaker.try_acquire(ms(1_101));
        assert_eq!(
            transition,
            Some(Transition {
                from: BreakerState::Open,
                to: BreakerState::HalfOpen,
                at: ms(1_101),
            })
        );
        (breaker, admission.expect("first trial call"))
    }

    #[test]
    fn closed_opens_when_the_failure_rate_reaches_the_threshold() {
        let mut breaker = CircuitBreaker::new(config());
        for i in 0..5 {
            assert_eq!(call(&mut breaker, i * 10, 1, false), None);
        }
        for i in 5..9 {
            assert_eq!(call(&mut breaker, i * 10, 1, true), None);
        }
        assert_eq!(breaker.rates(), None, "9 calls are below the minimum of 10");
        let opened = call(&mut breaker, 90, 5, true);
        assert_eq!(
            opened,
            Some(Transition {
                from: BreakerState::Closed,
                to: BreakerState::Open,
                at: ms(95),
            })
        );
        assert_eq!(breaker.state(), BreakerState::Open);
        assert_eq!(
            breaker.rates(),
            Some((50.0, 0.0)),
            "open keeps the tripping window"
        );
    }

    #[test]
    fn closed_opens_when_the_slow_call_rate_reaches_the_threshold() {
        let mut breaker = CircuitBreaker::new(BreakerConfig {
            slow_call_rate_threshold: 20.0,
            ..config()
        });
        // Successful but slow: 100 ms is not slow (strictly longer is), 101 ms is.
        assert_eq!(call(&mut breaker, 0, 100, false), None);
        for i in 1..8 {
            assert_eq!(call(&mut breaker, i * 1_000, 1, false), None);
        }
        assert_eq!(call(&mut breaker, 8_000, 101, false), None);
        let opened = call(&mut breaker, 9_000, 250, false);
        assert_eq!(
            opened.map(|t| (t.from, t.to, t.at)),
            Some((BreakerState::Closed, BreakerState::Open, ms(9_250)))
        );
        assert_eq!(breaker.rates(), Some((0.0, 20.0)));
    }

    #[test]
    fn a_failed_slow_call_counts_towards_both_rates() {
        let mut breaker = CircuitBreaker::new(BreakerConfig {
            failure_rate_threshold: 100.0,
            slow_call_rate_threshold: 100.0,
            minimum_number_of_calls: 2,
            ..config()
        });
        assert_eq!(call(&mut breaker, 0, 500, true), None);
        assert_eq!(call(&mut breaker, 1_000, 1, false), None);
        assert_eq!(breaker.rates(), Some((50.0, 50.0)));
    }

    #[test]
    fn closed_stays_closed_below_the_minimum_number_of_calls() {
        let mut breaker = CircuitBreaker::new(BreakerConfig {
            sliding_window_size: 100,
            minimum_number_of_calls: 20,
            ..config()
        });
        for i in 0..19 {
            assert_eq!(call(&mut breaker, i, 1, true), None, "call {i}");
        }
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert_eq!(breaker.buffered_calls(), 19);
        assert_eq!(breaker.rates(), None);
        assert!(
            call(&mut breaker, 19, 1, true).is_some(),
            "the 20th call is evaluated"
        );
    }

    #[test]
    fn count_based_minimum_is_capped_by_the_window_size() {
        // Resilience4j: minimumNumberOfCalls = min(minimumNumberOfCalls, slidingWindowSize).
        let mut breaker = CircuitBreaker::new(BreakerConfig {
            sliding_window_size: 4,
            minimum_number_of_calls: 100,
            ..config()
        });
        for i in 0..3 {
            assert_eq!(call(&mut breaker, i, 1, true), None);
        }
        assert!(call(&mut breaker, 3, 1, true).is_some());
    }

    #[test]
    fn open_rejects_calls_until_the_wait_ends() {
        let mut breaker = opened(config());
        for at in [100, 500, 1_099] {
            let (admission, transition) = breaker.try_acquire(ms(at));
            assert_eq!(
                admission,
                Err(CallNotPermitted {
                    state: BreakerState::Open
                })
            );
            assert_eq!(transition, None);
        }
        assert_eq!(breaker.state(), BreakerState::Open);
    }

    #[test]
    fn open_goes_half_open_lazily_on_the_first_attempt_after_the_wait_and_not_before() {
        let mut breaker = opened(config());
        assert_eq!(
            breaker.automatic_transition_due(),
            None,
            "no timer without automatic transition"
        );
        assert_eq!(breaker.on_timer(ms(5_000)), None);
        assert_eq!(breaker.state(), BreakerState::Open);
        // Opened at 100 ms with a 1 s wait: at exactly 1100 ms the wait has not been exceeded.
        let (admission, transition) = breaker.try_acquire(ms(1_100));
        assert!(admission.is_err());
        assert_eq!(transition, None);
        let just_after = ms(1_100) + SimDuration::from_micros(1);
        let (admission, transition) = breaker.try_acquire(just_after);
        assert!(
            admission.is_ok(),
            "the attempt that half-opens is a trial call"
        );
        assert_eq!(
            transition,
            Some(Transition {
                from: BreakerState::Open,
                to: BreakerState::HalfOpen,
                at: just_after,
            })
        );
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        assert_eq!(
            breaker.buffered_calls(),
            0,
            "half-open starts a fresh window"
        );
    }

    #[test]
    fn open_goes_half_open_by_timer_with_automatic_transition() {
        let mut breaker = opened(BreakerConfig {
            automatic_transition_from_open_to_half_open: true,
            ..config()
        });
        assert_eq!(breaker.automatic_transition_due(), Some(ms(1_100)));
        assert_eq!(breaker.on_timer(ms(1_099)), None, "too early");
        assert_eq!(breaker.state(), BreakerState::Open);
        assert_eq!(
            breaker.on_timer(ms(1_100)),
            Some(Transition {
                from: BreakerState::Open,
                to: BreakerState::HalfOpen,
                at: ms(1_100),
            })
        );
        assert_eq!(breaker.automatic_transition_due(), None);
        assert_eq!(
            breaker.on_timer(ms(1_100)),
            None,
            "a repeated timer is harmless"
        );
        let (admission, transition) = breaker.try_acquire(ms(1_100));
        assert!(admission.is_ok());
        assert_eq!(transition, None);
    }

    #[test]
    fn half_open_permits_exactly_the_trial_calls_then_rejects() {
        let (mut breaker, _first) = half_opened(config());
        let _second = acquire(&mut breaker, ms(1_102));
        let third = acquire(&mut breaker, ms(1_103));
        let (admission, transition) = breaker.try_acquire(ms(1_104));
        assert_eq!(
            admission,
            Err(CallNotPermitted {
                state: BreakerState::HalfOpen
            })
        );
        assert_eq!(transition, None);
        // A permit given back (call never made) frees its slot, as releasePermission does.
        breaker.release(third);
        assert!(breaker.try_acquire(ms(1_105)).0.is_ok());
        assert!(breaker.try_acquire(ms(1_106)).0.is_err());
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
    }

    #[test]
    fn half_open_closes_with_a_fresh_window_when_the_trial_calls_succeed() {
        let (mut breaker, first) = half_opened(config());
        let second = acquire(&mut breaker, ms(1_102));
        let third = acquire(&mut breaker, ms(1_103));
        assert_eq!(breaker.on_result(first, ms(1_110), false), None);
        assert_eq!(breaker.on_result(second, ms(1_111), true), None);
        assert_eq!(breaker.rates(), None, "2 of 3 trial calls are in");
        // 1 failure in 3 = 33 % < 50 %.
        assert_eq!(
            breaker.on_result(third, ms(1_112), false),
            Some(Transition {
                from: BreakerState::HalfOpen,
                to: BreakerState::Closed,
                at: ms(1_112),
            })
        );
        assert_eq!(breaker.buffered_calls(), 0);
        assert_eq!(breaker.rates(), None);
        // The fresh window needs ten new calls before it can open again.
        for i in 0..9 {
            assert_eq!(call(&mut breaker, 2_000 + i, 1, true), None);
        }
        assert!(call(&mut breaker, 2_009, 1, true).is_some());
    }

    #[test]
    fn half_open_reopens_and_restarts_the_wait_when_the_trial_calls_fail() {
        let (mut breaker, first) = half_opened(BreakerConfig {
            automatic_transition_from_open_to_half_open: true,
            ..config()
        });
        let second = acquire(&mut breaker, ms(1_102));
        let third = acquire(&mut breaker, ms(1_103));
        assert_eq!(breaker.on_result(first, ms(1_110), true), None);
        assert_eq!(breaker.on_result(second, ms(1_111), false), None);
        // 2 failures in 3 = 67 % >= 50 %.
        assert_eq!(
            breaker.on_result(third, ms(1_112), true),
            Some(Transition {
                from: BreakerState::HalfOpen,
                to: BreakerState::Open,
                at: ms(1_112),
            })
        );
        assert_eq!(breaker.automatic_transition_due(), Some(ms(2_112)));
        assert!(breaker.try_acquire(ms(2_000)).0.is_err());
    }

    #[test]
    fn half_open_evaluates_slow_trial_calls_too() {
        let (mut breaker, first) = half_opened(BreakerConfig {
            slow_call_rate_threshold: 50.0,
            ..config()
        });
        let second = acquire(&mut breaker, ms(1_102));
        let third = acquire(&mut breaker, ms(1_103));
        assert_eq!(breaker.on_result(first, ms(1_500), false), None);
        assert_eq!(breaker.on_result(second, ms(1_600), false), None);
        let reopened = breaker.on_result(third, ms(1_110), false);
        assert_eq!(reopened.map(|t| t.to), Some(BreakerState::Open));
    }

    #[test]
    fn waits_are_whole_milliseconds_as_in_resilience4j() {
        // Opened at 100 ms; 1.9 ms in open is 1 ms, so a call 1.5 ms later is a trial call.
        let mut breaker = opened(BreakerConfig {
            wait_duration_in_open_ms: 1.9,
            ..config()
        });
        let (admission, transition) = breaker.try_acquire(SimTime::from_micros(101_500));
        assert!(admission.is_ok());
        assert_eq!(transition.map(|t| t.to), Some(BreakerState::HalfOpen));
        // A half-open limit under 1 ms sets no timer: the breaker waits for its trial calls.
        let (breaker, _first) = half_opened(BreakerConfig {
            max_wait_duration_in_half_open_ms: 0.5,
            ..config()
        });
        assert_eq!(breaker.automatic_transition_due(), None);
        let (breaker, _first) = half_opened(BreakerConfig {
            max_wait_duration_in_half_open_ms: 2.7,
            ..config()
        });
        assert_eq!(
            breaker.automatic_transition_due(),
            Some(SimTime::from_micros(1_103_000))
        );
    }

    #[test]
    fn half_open_goes_back_to_open_after_the_max_wait() {
        let max_wait = BreakerConfig {
            max_wait_duration_in_half_open_ms: 500.0,
            // Long trial calls must not open the breaker by being slow.
            slow_call_duration_threshold_ms: 60_000.0,
            ..config()
        };
        // By timer: the due instant is exposed even without automatic open -> half-open.
        let (mut breaker, first) = half_opened(max_wait.clone());
        assert_eq!(breaker.automatic_transition_due(), Some(ms(1_601)));
        assert_eq!(breaker.on_timer(ms(1_600)), None);
        assert_eq!(
            breaker.on_timer(ms(1_601)),
            Some(Transition {
                from: BreakerState::HalfOpen,
                to: BreakerState::Open,
                at: ms(1_601),
            })
        );
        assert_eq!(
            breaker.on_result(first, ms(1_700), false),
            None,
            "a trial result after the half-open period is stale"
        );
        assert_eq!(breaker.state(), BreakerState::Open);

        // Lazily: the next attempt after the max wait reopens and is refused.
        let (mut breaker, _first) = half_opened(max_wait.clone());
        let (admission, transition) = breaker.try_acquire(ms(1_700));
        assert_eq!(
            admission,
            Err(CallNotPermitted {
                state: BreakerState::Open
            })
        );
        assert_eq!(
            transition.map(|t| (t.from, t.to, t.at)),
            Some((BreakerState::HalfOpen, BreakerState::Open, ms(1_700)))
        );

        // Lazily: a result after the max wait reopens instead of closing.
        let (mut breaker, first) = half_opened(BreakerConfig {
            permitted_number_of_calls_in_half_open: 1,
            ..max_wait
        });
        let transition = breaker.on_result(first, ms(1_700), false);
        assert_eq!(transition.map(|t| t.to), Some(BreakerState::Open));
    }

    #[test]
    fn half_open_waits_forever_without_a_max_wait() {
        let (mut breaker, first) = half_opened(config());
        assert_eq!(breaker.automatic_transition_due(), None);
        assert_eq!(breaker.on_timer(ms(1_000_000)), None);
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        assert_eq!(breaker.on_result(first, ms(1_000_000), false), None);
    }

    #[test]
    fn disabled_never_rejects_and_records_nothing() {
        let mut breaker = CircuitBreaker::new(BreakerConfig {
            enabled: false,
            ..config()
        });
        assert_eq!(breaker.state(), BreakerState::Disabled);
        for i in 0..1_000 {
            assert_eq!(call(&mut breaker, i, 10_000, true), None);
        }
        assert_eq!(breaker.state(), BreakerState::Disabled);
        assert_eq!(breaker.buffered_calls(), 0);
        assert_eq!(breaker.rates(), None);
        assert_eq!(breaker.automatic_transition_due(), None);
        assert_eq!(
            CircuitBreaker::new(BreakerConfig::default()).state(),
            BreakerState::Disabled
        );
    }

    #[test]
    fn time_based_window_forgets_outcomes_older_than_the_window() {
        let mut breaker = CircuitBreaker::new(BreakerConfig {
            sliding_window_type: SlidingWindowType::TimeBased,
            sliding_window_size: 10,
            minimum_number_of_calls: 5,
            ..config()
        });
        // Four failures in second 0 (below the minimum of 5 calls).
        for i in 0..4 {
            assert_eq!(call(&mut breaker, i * 100, 1, true), None);
        }
        assert_eq!(breaker.buffered_calls(), 4);
        // At second 10 the failures of second 0 have dropped out (a 10 s window ending in second
        // 10 covers seconds 1..=10), so five successes make a clean window.
        for i in 0..5 {
            assert_eq!(call(&mut breaker, 10_000 + i * 100, 1, false), None);
        }
        assert_eq!(breaker.buffered_calls(), 5);
        assert_eq!(breaker.rates(), Some((0.0, 0.0)));
        // Two failures at second 19 join the five successes of second 10: 2 of 7 = 29 %.
        assert_eq!(call(&mut breaker, 19_000, 1, true), None);
        assert_eq!(call(&mut breaker, 19_500, 1, true), None);
        assert_eq!(breaker.buffered_calls(), 7);
        // At second 20 the successes drop out: 3 failures of 3 calls is below the minimum...
        assert_eq!(call(&mut breaker, 20_000, 1, true), None);
        assert_eq!(breaker.buffered_calls(), 3);
        // ...and more failures open it once five calls are in the window.
        assert_eq!(call(&mut breaker, 20_100, 1, true), None);
        let opened = call(&mut breaker, 20_200, 1, true);
        assert_eq!(opened.map(|t| t.to), Some(BreakerState::Open));
    }

    #[test]
    fn time_based_window_counts_a_result_in_the_second_it_ends() {
        let mut breaker = CircuitBreaker::new(BreakerConfig {
            sliding_window_type: SlidingWindowType::TimeBased,
            sliding_window_size: 2,
            minimum_number_of_calls: 1,
            failure_rate_threshold: 100.0,
            ..config()
        });
        assert_eq!(call(&mut breaker, 0, 1, false), None);
        // Started in second 0, ended in second 2: the bucket of second 0 has dropped out.
        let permit = acquire(&mut breaker, ms(900));
        let opened = breaker.on_result(permit, ms(2_000), true);
        assert_eq!(opened.map(|t| t.to), Some(BreakerState::Open));
    }

    #[test]
    fn stale_results_from_a_previous_state_are_ignored() {
        let mut breaker = CircuitBreaker::new(config());
        // Two calls go out while CLOSED and are still in flight when the breaker opens.
        let slow_success = acquire(&mut breaker, ms(0));
        let late_failure = acquire(&mut breaker, ms(0));
        for i in 0..10 {
            call(&mut breaker, 10 + i, 1, true);
        }
        assert_eq!(breaker.state(), BreakerState::Open);
        // While OPEN their results change nothing, not even the displayed window.
        assert_eq!(breaker.on_result(slow_success, ms(50), false), None);
        assert_eq!(breaker.buffered_calls(), 10);
        assert_eq!(breaker.rates(), Some((100.0, 0.0)));
        // HALF_OPEN judges only its own trial calls: a stale failure does not reopen it.
        let (admission, _) = breaker.try_acquire(ms(2_000));
        let trial = admission.expect("trial call");
        assert_eq!(breaker.on_result(late_failure, ms(2_001), true), None);
        assert_eq!(breaker.buffered_calls(), 0);
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        // A stale permit cannot free a trial slot either.
        let _second = acquire(&mut breaker, ms(2_002));
        let _third = acquire(&mut breaker, ms(2_003));
        breaker.release(late_failure);
        assert!(breaker.try_acquire(ms(2_004)).0.is_err());
        assert_eq!(breaker.on_result(trial, ms(2_010), false), None);
        assert_eq!(breaker.buffered_calls(), 1);
    }

    #[test]
    fn resilience4j_docs_example_count_window_of_ten() {
        // "If 50% of the last 10 calls failed, the circuit breaker opens."
        let mut breaker = CircuitBreaker::new(BreakerConfig {
            enabled: true,
            sliding_window_type: SlidingWindowType::CountBased,
            sliding_window_size: 10,
            minimum_number_of_calls: 10,
            failure_rate_threshold: 50.0,
            ..BreakerConfig::default()
        });
        // 10 calls, 4 failures: 40 % < 50 %, stays closed.
        let script = [
            false, false, true, false, true, false, true, false, true, false,
        ];
        for (i, failed) in script.into_iter().enumerate() {
            let at = i as u64 * 100;
            assert_eq!(call(&mut breaker, at, 10, failed), None, "call {}", i + 1);
        }
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert_eq!(breaker.rates(), Some((40.0, 0.0)));
        // Call 11 fails and pushes out call 1 (a success): 5 failures in the last 10 = 50 %.
        assert_eq!(
            call(&mut breaker, 1_000, 10, true),
            Some(Transition {
                from: BreakerState::Closed,
                to: BreakerState::Open,
                at: ms(1_010),
            })
        );
        assert_eq!(breaker.rates(), Some((50.0, 0.0)));
        assert!(breaker.try_acquire(ms(1_020)).0.is_err());
    }

    #[test]
    fn config_defaults_are_resilience4j_and_unknown_fields_are_rejected() {
        let parsed: BreakerConfig = serde_json::from_str("{}").expect("empty config parses");
        assert_eq!(parsed, BreakerConfig::default());
        assert!(!parsed.enabled);
        assert_eq!(parsed.failure_rate_threshold, 50.0);
        assert_eq!(parsed.sliding_window_size, 100);
        assert_eq!(parsed.permitted_number_of_calls_in_half_open, 10);
        assert_eq!(parsed.validate(), Ok(()));
        let parsed: BreakerConfig =
            serde_json::from_str(r#"{"enabled": true, "sliding_window_type": "time_based"}"#)
                .expect("snake_case window type parses");
        assert_eq!(parsed.sliding_window_type, SlidingWindowType::TimeBased);
        assert!(serde_json::from_str::<BreakerConfig>(r#"{"failureRate": 10}"#).is_err());
        assert_eq!(
            serde_json::to_string(&BreakerState::HalfOpen).expect("serialises"),
            r#""half_open""#
        );
    }

    #[test]
    fn invalid_knobs_name_their_field() {
        let cases: [(BreakerConfig, &str); 9] = [
            (
                BreakerConfig {
                    failure_rate_threshold: 0.0,
                    ..config()
                },
                "failure_rate_threshold: must be greater than 0 and at most 100 (percent)",
            ),
            (
                BreakerConfig {
                    failure_rate_threshold: 100.5,
                    ..config()
                },
                "failure_rate_threshold: must be greater than 0 and at most 100 (percent)",
            ),
            (
                BreakerConfig {
                    slow_call_rate_threshold: f64::NAN,
                    ..config()
                },
                "slow_call_rate_threshold: must be greater than 0 and at most 100 (percent)",
            ),
            (
                BreakerConfig {
                    slow_call_duration_threshold_ms: 0.0,
                    ..config()
                },
                "slow_call_duration_threshold_ms: must be at least 0.001 (one microsecond)",
            ),
            (
                BreakerConfig {
                    sliding_window_size: 0,
                    ..config()
                },
                "sliding_window_size: must be at least 1",
            ),
            (
                BreakerConfig {
                    minimum_number_of_calls: 0,
                    ..config()
                },
                "minimum_number_of_calls: must be at least 1",
            ),
            (
                BreakerConfig {
                    wait_duration_in_open_ms: 0.5,
                    ..config()
                },
                "wait_duration_in_open_ms: must be at least 1",
            ),
            (
                BreakerConfig {
                    permitted_number_of_calls_in_half_open: 0,
                    ..config()
                },
                "permitted_number_of_calls_in_half_open: must be at least 1",
            ),
            (
                BreakerConfig {
                    max_wait_duration_in_half_open_ms: -1.0,
                    ..config()
                },
                "max_wait_duration_in_half_open_ms: must be at least 0 (0 waits for the trial calls)",
            ),
        ];
        for (config, message) in cases {
            assert_eq!(config.validate(), Err(message.to_string()));
        }
        assert_eq!(config().validate(), Ok(()));
    }

    #[test]
    fn invalid_config_is_clamped_instead_of_panicking() {
        let mut breaker = CircuitBreaker::new(BreakerConfig {
            sliding_window_size: 0,
            minimum_number_of_calls: 0,
            permitted_number_of_calls_in_half_open: 0,
            wait_duration_in_open_ms: f64::NAN,
            ..config()
        });
        assert!(
            call(&mut breaker, 0, 1, true).is_some(),
            "window of one call"
        );
        let (admission, transition) = breaker.try_acquire(ms(2));
        assert!(admission.is_ok());
        assert_eq!(transition.map(|t| t.to), Some(BreakerState::HalfOpen));
    }
}
