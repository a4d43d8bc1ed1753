//! The playground screen: the topology drawn in SVG with a dot layer on top, the controls, and
//! the live figures. The simulation runs in an animation-frame loop outside Yew's state; the
//! components re-render about ten times a second to refresh the numbers.

use super::dots;
use super::editing::{Block, Editing, Gesture};
use crate::model::{
    compact_count, comparison, Chart, FrameTimes, Runner, Selection, Severity, UiAction,
    CANVAS_HEIGHT, CANVAS_WIDTH, NODE_HEIGHT, NODE_WIDTH, QUEUE_HEIGHT, QUEUE_WIDTH, SPEEDS,
};
use crate::model::{LogFilter, Replay};
use cascade_sim::{presets, Command, LinkKind, NodeState};
use gloo::events::{EventListener, EventListenerOptions};
use gloo::render::{request_animation_frame, AnimationFrame};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

/// Wall-clock milliseconds between two refreshes of the numbers.
const UI_REFRESH_MS: f64 = 100.0;
/// The seed of the default scenario.
const DEFAULT_SEED: u64 = 1;

/// The one animation-frame loop: advances the runner, redraws the dots, and asks Yew for a
/// refresh now and then. Dropping `handle` cancels it.
struct FrameLoop {
    runner: Rc<RefCell<Runner>>,
    canvas: NodeRef,
    refresh: Callback<()>,
    last_frame_ms: Cell<Option<f64>>,
    last_refresh_ms: Cell<f64>,
    handle: RefCell<Option<AnimationFrame>>,
    /// Wall time of each recent frame's work (simulation step plus drawing), for `make bench`.
    work_ms: RefCell<FrameTimes>,
    /// The async side of the compare view, when it is open, and its dot layer.
    twin: Rc<RefCell<Option<Runner>>>,
    twin_canvas: NodeRef,
    /// False while the playground is scrolled out of view (an embed below the fold): then no
    /// frames run at all, and the simulation waits.
    visible: Cell<bool>,
    /// A shared run still replaying, a slice per frame; swapped in when done.
    pending: Rc<RefCell<Option<Box<PendingRun>>>>,
    before_compare: Rc<RefCell<Option<cascade_sim::Scenario>>>,
    /// `?speed=` and `?autoplay=`, which win over a shared view.
    page: Rc<crate::embed::PageOptions>,
    /// Says something to the person (or clears the message).
    notice: Callback<Option<String>>,
}

impl FrameLoop {
    fn schedule(self: &Rc<Self>) {
        let this = Rc::clone(self);
        let handle = request_animation_frame(move |timestamp_ms| {
            this.frame(timestamp_ms);
            if this.visible.get() {
                this.schedule();
            } else {
                this.handle.borrow_mut().take();
            }
        });
        *self.handle.borrow_mut() = Some(handle);
    }

    /// Stops the loop while out of view and starts it again (without a leap) when back.
    fn set_visible(self: &Rc<Self>, visible: bool) {
        self.visible.set(visible);
        if visible && self.handle.borrow().is_none() {
            self.last_frame_ms.set(None);
            self.schedule();
        }
    }

    /// Replays a slice of a pending shared run; swaps it in when it is done.
    fn replay_slice(&self) {
        let mut pending = self.pending.borrow_mut();
        let Some(run) = pending.as_mut() else {
            return;
        };
        match run.advance(REPLAY_SLICE_EVENTS) {
            Ok(false) => return,
            Ok(true) => {
                if let Some(Opening::Ready(opened, side)) =
                    pending.take().map(|run| run.into_opening())
                {
                    let sides = Sides {
                        runner: &self.runner,
                        twin: &self.twin,
                        before_compare: &self.before_compare,
                    };
                    sides.take_opened(&self.page, opened, side);
                    self.notice.emit(None);
                }
            }
            Err(error) => {
                pending.take();
                self.notice.emit(Some(format!(
                    "This share link could not be replayed: {error}"
                )));
            }
        }
        self.last_refresh_ms.set(0.0);
    }

    fn frame(&self, timestamp_ms: f64) {
        self.replay_slice();
        let elapsed_ms = self
            .last_frame_ms
            .replace(Some(timestamp_ms))
            .map_or(0.0, |last| timestamp_ms - last);
        let performance = web_sys::window().and_then(|window| window.performance());
        let started_ms = performance.as_ref().map_or(0.0, |p| p.now());
        let mut runner = self.runner.borrow_mut();
        // The compare view's sides share a clock: while the async side is still catching up
        // (its frame budget ran out), the sync side waits for it.
        let twin_behind = self
            .twin
            .borrow()
            .as_ref()
            .is_some_and(|twin| twin.simulation().now() < runner.simulation().now());
        if !twin_behind {
            runner.advance(elapsed_ms);
        }
        let canvas = self.canvas.cast::<HtmlCanvasElement>();
        if let Some(canvas) = &canvas {
            dots::draw(canvas, &mut runner);
        }
        let in_flight = runner.simulation().in_flight_count();
        let now = runner.simulation().now();
        drop(runner);
        if let Some(twin) = self.twin.borrow_mut().as_mut() {
            twin.follow(now);
            if let Some(canvas) = self.twin_canvas.cast::<HtmlCanvasElement>() {
                dots::draw(&canvas, twin);
            }
        }
        let work_ms = performance.as_ref().map_or(0.0, |p| p.now()) - started_ms;
        if self.work_ms.borrow().count() == 0 {
            // The first frame: the topology is in the page and this frame paints it.
            super::mark_first_topology();
        }
        self.work_ms.borrow_mut().record(work_ms);
        if timestamp_ms - self.last_refresh_ms.get() >= UI_REFRESH_MS {
            self.last_refresh_ms.set(timestamp_ms);
            if let Some(canvas) = &canvas {
                // Read by `make bench`: the frame budget is measured in the real page.
                let times = self.work_ms.borrow();
                let _ = canvas
                    .set_attribute("data-frame-p50-ms", &format!("{:.3}", times.quantile(0.5)));
                let _ = canvas
                    .set_attribute("data-frame-p95-ms", &format!("{:.3}", times.quantile(0.95)));
                let _ = canvas.set_attribute("data-frames", &times.count().to_string());
                let _ = canvas.set_attribute("data-in-flight", &in_flight.to_string());
            }
            // While a person types in a field, re-rendering would put the old value back.
            let typing = web_sys::window()
                .and_then(|window| window.document())
                .and_then(|document| document.active_element())
                .is_some_and(|element| {
                    element.tag_name() == "TEXTAREA"
                        || (element.tag_name() == "INPUT"
                            && matches!(
                                element.get_attribute("type").as_deref(),
                                Some("text" | "number")
                            ))
                });
            if !typing {
                self.refresh.emit(());
            }
        }
    }
}

/// How the page starts: from a share link, a `?preset=`, the autosaved scenario or the
/// default, with the page options and anything to tell the person.
struct Boot {
    runner: Runner,
    twin: Option<(Runner, cascade_sim::Scenario)>,
    /// A long shared run still replaying (the frame loop finishes it, then swaps it in).
    pending: Option<Box<PendingRun>>,
    page: crate::embed::PageOptions,
    message: Option<String>,
}

impl Boot {
    fn from_location() -> Self {
        let page = super::page_options();
        super::set_theme(page.theme);
        let mut message =
            (!page.problems.is_empty()).then(|| format!("Ignored: {}.", page.problems.join("; ")));
        let (mut shared, mut twin, mut pending) = (None, None, None);
        match crate::share::decode(&super::fragment()).map_err(|error| error.to_string()) {
            Ok(Some(state)) => match open_shared(&state, BOOT_REPLAY_MS) {
                Ok(Opening::Ready(runner, side)) => {
                    shared = Some(runner);
                    twin = side.map(|side| *side);
                }
                Ok(Opening::Replaying(run)) => pending = Some(run),
                Err(error) => message = Some(error),
            },
            Ok(None) => {}
            Err(error) => message = Some(error),
        }
        let mut runner = shared.unwrap_or_else(|| {
            // An explicit ?preset= wins; an embed never reads the autosave (several embeds on
            // one page must not share it); otherwise the autosaved scenario, if still valid.
            let saved = if page.preset.is_some() || page.embed {
                None
            } else {
                super::load_saved_scenario()
            };
            let preset = page.preset.as_deref().unwrap_or("checkout");
            if presets::by_id(preset).is_none() {
                message = Some(format!(
                    "There is no preset called {preset:?}; showing the first one."
                ));
            }
            let scenario = saved
                .or_else(|| presets::by_id(preset))
                .unwrap_or_else(presets::checkout);
            Runner::new(scenario, DEFAULT_SEED).expect("the built-in presets are valid")
        });
        apply_page_options(&page, &mut runner);
        if pending.is_some() {
            // What is on screen until the shared run is ready waits for it.
            runner.playing = false;
        }
        if let Some((side, _)) = &mut twin {
            side.playing = runner.playing;
            side.speed = runner.speed;
        }
        Boot {
            runner,
            twin,
            pending,
            page,
            message,
        }
    }
}

/// The playground's runners: the one on screen, the compare view's async side, and the
/// scenario compared.
struct Sides<'a> {
    runner: &'a Rc<RefCell<Runner>>,
    twin: &'a Rc<RefCell<Option<Runner>>>,
    before_compare: &'a Rc<RefCell<Option<cascade_sim::Scenario>>>,
}

impl Sides<'_> {
    /// Puts a replayed shared run on screen (both sides of a shared comparison), with the
    /// page's own options on top.
    fn take_opened(
        &self,
        page: &crate::embed::PageOptions,
        mut opened: Runner,
        side: Option<Box<(Runner, cascade_sim::Scenario)>>,
    ) {
        apply_page_options(page, &mut opened);
        let side = side.map(|side| *side);
        *self.before_compare.borrow_mut() = side.as_ref().map(|(_, scenario)| scenario.clone());
        *self.twin.borrow_mut() = side.map(|(mut side, _)| {
            side.playing = opened.playing;
            side.speed = opened.speed;
            side
        });
        super::remember_reproduction(&opened);
        *self.runner.borrow_mut() = opened;
    }
}

/// `?speed=` and `?autoplay=` win over a shared state's view.
fn apply_page_options(page: &crate::embed::PageOptions, runner: &mut Runner) {
    if let Some(speed) = page.speed {
        runner.speed = speed.clamp(0.01, 100.0);
    }
    if let Some(autoplay) = page.autoplay {
        runner.playing = autoplay;
    }
}

/// Wall-clock milliseconds a page load spends replaying a shared run before it shows the
/// page and finishes the replay frame by frame.
const BOOT_REPLAY_MS: f64 = 250.0;
/// Events replayed per slice and per animation frame (about 20 to 40 ms in wasm).
const REPLAY_SLICE_EVENTS: u64 = 100_000;

/// A shared run still replaying: the runner, and in the compare view the async side and the
/// scenario compared.
struct PendingRun {
    main: (Runner, Replay),
    twin: Option<(Runner, Replay, cascade_sim::Scenario)>,
    /// Whether each side has finished.
    done: (bool, bool),
}

impl PendingRun {
    /// Replays a slice on each side still replaying; true when both are done.
    fn advance(&mut self, max_events: u64) -> Result<bool, String> {
        if !self.done.0 {
            let (runner, replay) = &mut self.main;
            self.done.0 = replay.advance(runner, max_events)?;
        }
        if !self.done.1 {
            self.done.1 = match &mut self.twin {
                Some((side, replay, _)) => replay.advance(side, max_events)?,
                None => true,
            };
        }
        Ok(self.done == (true, true))
    }

    /// How far it is, in words.
    fn progress(&self) -> String {
        let (runner, replay) = &self.main;
        format!(
            "Opening the shared run: {:.0} of {:.0} simulated seconds replayed…",
            runner.simulation().now().as_secs_f64(),
            replay.target().as_secs_f64()
        )
    }
}

/// A share link being opened (one value per opened link: its size does not matter).
#[allow(clippy::large_enum_variant)]
enum Opening {
    /// Replayed: the runner, and in the compare view the async side and the scenario compared.
    Ready(Runner, Option<Box<(Runner, cascade_sim::Scenario)>>),
    /// Still replaying after the wall-clock budget: the frame loop finishes it.
    Replaying(Box<PendingRun>),
}

impl PendingRun {
    fn into_opening(self) -> Opening {
        Opening::Ready(
            self.main.0,
            self.twin
                .map(|(side, _, scenario)| Box::new((side, scenario))),
        )
    }
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now())
}

/// Replays a shared state for at most `budget_ms` of wall-clock time; the rest is left to the
/// frame loop.
fn open_shared(state: &crate::share::SharedState, budget_ms: f64) -> Result<Opening, String> {
    let replay_error = |error: String| format!("This share link could not be replayed: {error}");
    let mut pending = if state.view.compare {
        let (sync, (side, replay)) =
            crate::model::comparison_replays(state).map_err(replay_error)?;
        PendingRun {
            main: sync,
            twin: Some((side, replay, state.scenario.clone())),
            done: (false, false),
        }
    } else {
        let started_from = state
            .started_from
            .clone()
            .unwrap_or_else(|| state.scenario.clone());
        PendingRun {
            main: Replay::begin(started_from, state.scenario.clone(), state)
                .map_err(replay_error)?,
            twin: None,
            done: (false, false),
        }
    };
    let deadline = now_ms() + budget_ms;
    loop {
        if pending.advance(REPLAY_SLICE_EVENTS).map_err(replay_error)? {
            return Ok(pending.into_opening());
        }
        if now_ms() >= deadline {
            return Ok(Opening::Replaying(Box::new(pending)));
        }
    }
}

/// What a share link of the playground as it is now holds (in the compare view: the scenario
/// compared, and the commands both sides got).
fn capture(
    runner: &Runner,
    twin: &Option<Runner>,
    before_compare: &Option<cascade_sim::Scenario>,
) -> crate::share::SharedState {
    let mut state = runner.capture();
    if let (Some(_), Some(scenario)) = (twin, before_compare) {
        state.scenario = scenario.clone();
        state.started_from = None;
        state.view.compare = true;
    }
    state
}

/// A state to put in a link, and a note for the person when it had to be shortened.
type Shareable = (crate::share::SharedState, Option<String>);

/// The same scenario, seed and view from time zero, without the commands applied by hand.
fn from_time_zero(state: crate::share::SharedState) -> crate::share::SharedState {
    crate::share::SharedState {
        started_from: None,
        commands: Vec::new(),
        at: cascade_sim::SimTime::ZERO,
        ..state
    }
}

/// An open dialog under the top bar.
#[derive(Clone, PartialEq)]
enum Panel {
    /// The share link, ready to copy.
    Share(String),
    /// The iframe snippet: the fragments of the scenario from time zero and of this run.
    Embed { from_start: String, run: String },
}

/// The whole playground.
#[function_component]
pub fn App() -> Html {
    let boot = use_mut_ref(|| Some(Boot::from_location()));
    let page = use_memo((), |()| {
        boot.borrow()
            .as_ref()
            .map(|boot| boot.page.clone())
            .unwrap_or_else(super::page_options)
    });
    let booted_twin = boot.borrow_mut().as_mut().and_then(|boot| boot.twin.take());
    let booted_pending = boot
        .borrow_mut()
        .as_mut()
        .and_then(|boot| boot.pending.take());
    let booted_message = boot
        .borrow_mut()
        .as_mut()
        .and_then(|boot| boot.message.take());
    let runner = use_mut_ref(|| {
        boot.borrow_mut()
            .take()
            .map(|boot| boot.runner)
            .unwrap_or_else(|| {
                Runner::new(presets::checkout(), DEFAULT_SEED).expect("the presets are valid")
            })
    });
    let canvas = use_node_ref();
    let twin_canvas = use_node_ref();
    let svg = use_node_ref();
    let gesture = use_mut_ref(Gesture::default);
    // The compare view: the async side runs beside `runner`, which then holds the sync side;
    // `before_compare` is the scenario to go back to.
    let before_compare = use_mut_ref(|| booted_twin.as_ref().map(|(_, scenario)| scenario.clone()));
    let twin = use_mut_ref(|| booted_twin.map(|(side, _)| side));
    let pending = use_mut_ref(|| booted_pending);
    let force_update = use_force_update();
    // The menu's names, built once (building a preset's scenario is not free).
    let preset_names = use_memo((), |()| {
        presets::ALL
            .iter()
            .map(|preset| (preset.id, (preset.build)().name))
            .collect::<Vec<_>>()
    });
    let message = use_state(|| booted_message);
    let panel = use_state(|| None::<Panel>);
    let copied = use_state(|| None::<&'static str>);
    let snippet = use_state(crate::embed::Snippet::default);
    let root = use_node_ref();
    let reduced_motion = use_state(|| {
        web_sys::window()
            .and_then(|window| {
                window
                    .match_media("(prefers-reduced-motion: reduce)")
                    .ok()
                    .flatten()
            })
            .is_some_and(|query| query.matches())
    });

    let dispatch = {
        let runner = runner.clone();
        let force_update = force_update.clone();
        let message = message.clone();
        let twin = twin.clone();
        let before_compare = before_compare.clone();
        let page = page.clone();
        let pending = pending.clone();
        let panel = panel.clone();
        Callback::from(move |action: UiAction| {
            let changes_nothing = action.only_looks();
            if matches!(action, UiAction::LoadPreset(_) | UiAction::LoadScenario(_)) {
                // Choosing another scenario gives up on a shared run still opening.
                pending.borrow_mut().take();
            }
            let result = if pending.borrow().is_some() {
                // Whatever is done now would be replaced when the shared run is ready.
                Err(WAIT_FOR_REPLAY.into())
            } else if page.readonly && !changes_nothing {
                Err(READ_ONLY.into())
            } else {
                act_on_both(&runner, &twin, &before_compare, action)
            };
            if result.is_ok() && !page.embed && !changes_nothing {
                // The address (and an open Share or Embed panel) no longer describes what is
                // on screen.
                super::forget_share_fragment();
                panel.set(None);
                // Only changes are saved: opening someone's link and pausing it keeps your own
                // autosaved work.
                if twin.borrow().is_none() {
                    super::save_scenario(runner.borrow().scenario());
                }
            }
            super::remember_reproduction(&runner.borrow());
            message.set(result.err());
            force_update.force_update();
        })
    };

    {
        let runner = runner.clone();
        let canvas = canvas.clone();
        let twin = twin.clone();
        let twin_canvas = twin_canvas.clone();
        let force_update = force_update.clone();
        let dispatch = dispatch.clone();
        let draw_dots = !*reduced_motion;
        let root = root.clone();
        let message = message.clone();
        let before_compare = before_compare.clone();
        let pending = pending.clone();
        let page = page.clone();
        let panel = panel.clone();
        use_effect_with((), move |_| {
            super::hide_loading();
            super::remember_reproduction(&runner.borrow());
            let opened = {
                let pending = pending.clone();
                let page = page.clone();
                let runner = runner.clone();
                let twin = twin.clone();
                let force_update = force_update.clone();
                let before_compare = before_compare.clone();
                let message = message.clone();
                web_sys::window().map(|window| {
                    // A share link pasted into this tab only changes the fragment: open it, or
                    // say what is wrong with it and keep the scenario as it is.
                    EventListener::new(&window, "hashchange", move |_| {
                        match crate::share::decode(&super::fragment()) {
                            Ok(None) => return,
                            Ok(Some(state)) => match open_shared(&state, 0.0) {
                                Ok(Opening::Ready(opened, side)) => {
                                    pending.borrow_mut().take();
                                    let sides = Sides {
                                        runner: &runner,
                                        twin: &twin,
                                        before_compare: &before_compare,
                                    };
                                    sides.take_opened(&page, opened, side);
                                    message.set(None);
                                }
                                Ok(Opening::Replaying(run)) => {
                                    *pending.borrow_mut() = Some(run);
                                }
                                Err(error) => message.set(Some(error)),
                            },
                            Err(error) => message.set(Some(error.to_string())),
                        }
                        force_update.force_update();
                    })
                })
            };
            let frame_loop = Rc::new(FrameLoop {
                runner: runner.clone(),
                canvas: if draw_dots {
                    canvas
                } else {
                    NodeRef::default()
                },
                refresh: Callback::from(move |()| force_update.force_update()),
                last_frame_ms: Cell::new(None),
                last_refresh_ms: Cell::new(0.0),
                handle: RefCell::new(None),
                work_ms: RefCell::new(FrameTimes::default()),
                twin: twin.clone(),
                twin_canvas: if draw_dots {
                    twin_canvas
                } else {
                    NodeRef::default()
                },
                visible: Cell::new(true),
                pending: pending.clone(),
                before_compare: before_compare.clone(),
                page: page.clone(),
                notice: {
                    let message = message.clone();
                    Callback::from(move |text| message.set(text))
                },
            });
            frame_loop.schedule();
            let observer = root.cast::<web_sys::Element>().and_then(|element| {
                let frame_loop = Rc::clone(&frame_loop);
                let observed = element.clone();
                let callback = wasm_bindgen::closure::Closure::<dyn FnMut(js_sys::Array)>::new(
                    move |entries: js_sys::Array| {
                        let Some(entry) = entries.iter().last().and_then(|entry| {
                            entry.dyn_into::<web_sys::IntersectionObserverEntry>().ok()
                        }) else {
                            return;
                        };
                        let visible = entry.is_intersecting();
                        let _ = observed.set_attribute("data-visible", &visible.to_string());
                        frame_loop.set_visible(visible);
                    },
                );
                let observer =
                    web_sys::IntersectionObserver::new(callback.as_ref().unchecked_ref()).ok()?;
                observer.observe(&element);
                Some((observer, callback))
            });
            let keys = web_sys::window().map(|window| {
                // Not passive: space must not scroll the page, so the listener prevents the default.
                let options = EventListenerOptions::enable_prevent_default();
                EventListener::new_with_options(&window, "keydown", options, move |event| {
                    let Some(event) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
                        return;
                    };
                    let typing = event
                        .target()
                        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
                        .is_some_and(|element| {
                            matches!(
                                element.tag_name().as_str(),
                                "INPUT" | "SELECT" | "TEXTAREA" | "BUTTON"
                            )
                        });
                    if event.key() == "Escape" {
                        // Closes the Share or Embed panel wherever the focus is.
                        panel.set(None);
                    }
                    if typing || event.alt_key() {
                        return;
                    }
                    let command_key = event.ctrl_key() || event.meta_key();
                    let action = match (command_key, event.key().as_str()) {
                        (true, "z" | "Z") if event.shift_key() => UiAction::Redo,
                        (true, "z" | "Z") => UiAction::Undo,
                        (true, "y") => UiAction::Redo,
                        (true, _) => return,
                        (false, " ") => UiAction::TogglePlay,
                        (false, ".") => UiAction::Step,
                        (false, "r") => UiAction::Reset,
                        (false, "Delete" | "Backspace") => UiAction::DeleteSelected,
                        (false, "Escape") => UiAction::Select(None),
                        (false, key @ ("k" | "f" | "s" | "e" | "t" | "p")) => {
                            UiAction::FaultKey(key.chars().next().unwrap_or('k'))
                        }
                        _ => return,
                    };
                    event.prevent_default();
                    dispatch.emit(action);
                })
            });
            move || {
                frame_loop.visible.set(false);
                frame_loop.handle.borrow_mut().take();
                if let Some((observer, _)) = &observer {
                    observer.disconnect();
                }
                drop((keys, opened, observer));
            }
        });
    }

    let act = dispatch.reform(|command: Command| UiAction::Command(Box::new(command)));
    let on_preset = dispatch.reform(|event: Event| {
        let id = event
            .target_dyn_into::<web_sys::HtmlSelectElement>()
            .map(|select| select.value())
            .unwrap_or_default();
        UiAction::LoadPreset(id)
    });
    let on_speed = dispatch.reform(|event: Event| {
        let speed = event
            .target_dyn_into::<web_sys::HtmlSelectElement>()
            .and_then(|select| select.value().parse::<f64>().ok())
            .unwrap_or(f64::NAN);
        UiAction::SetSpeed(speed)
    });
    let on_seed = {
        let message = message.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |event: Event| {
            let Some(input) = event.target_dyn_into::<web_sys::HtmlInputElement>() else {
                return;
            };
            match input.value().trim().parse::<u64>() {
                Ok(seed) => dispatch.emit(UiAction::SetSeed(seed)),
                Err(_) => message.set(Some(format!(
                    "{:?} is not a seed: use a whole number",
                    input.value()
                ))),
            }
        })
    };

    let toggle_compare = {
        let runner = runner.clone();
        let twin = twin.clone();
        let before_compare = before_compare.clone();
        let force_update = force_update.clone();
        let message = message.clone();
        let (page, pending, panel) = (page.clone(), pending.clone(), panel.clone());
        Callback::from(move |_: MouseEvent| {
            let result = if pending.borrow().is_some() {
                Err(WAIT_FOR_REPLAY.into())
            } else if page.readonly {
                Err(READ_ONLY.into())
            } else {
                toggle_comparison(&runner, &twin, &before_compare)
            };
            if result.is_ok() {
                // A new run: the address and an open panel no longer describe it.
                super::forget_share_fragment();
                panel.set(None);
            }
            message.set(result.err());
            force_update.force_update();
        })
    };
    // What a link to the playground as it is now holds; a run too long to share (past an
    // hour of simulated time, or too many commands) is shared from time zero with a note.
    let current_state: Rc<dyn Fn() -> Result<Shareable, String>> = {
        let (runner, twin, before_compare, pending) = (
            runner.clone(),
            twin.clone(),
            before_compare.clone(),
            pending.clone(),
        );
        Rc::new(move || {
            if pending.borrow().is_some() {
                return Err(WAIT_FOR_REPLAY.into());
            }
            runner
                .borrow_mut()
                .settle()
                .map_err(|error| error.to_string())?;
            if let Some(twin) = twin.borrow_mut().as_mut() {
                twin.settle().map_err(|error| error.to_string())?;
            }
            let state = capture(&runner.borrow(), &twin.borrow(), &before_compare.borrow());
            let events = runner.borrow().simulation().events_processed();
            let fits = state.check().and_then(|()| {
                if events > crate::model::MAX_REPLAY_EVENTS {
                    Err(format!(
                        "{} million events to replay, more than a browser tab should spend",
                        events / 1_000_000
                    ))
                } else {
                    Ok(())
                }
            });
            match fits {
                Ok(()) => Ok((state, None)),
                Err(problem) => Ok((
                    from_time_zero(state),
                    Some(format!("This run cannot travel whole ({problem}), so the link starts the scenario from time zero.")),
                )),
            }
        })
    };
    // Share and Embed open their panel on what a link holds now.
    let opener = |make: fn(crate::share::SharedState) -> Panel| {
        let (state, panel, message, copied) = (
            current_state.clone(),
            panel.clone(),
            message.clone(),
            copied.clone(),
        );
        Callback::from(move |_: MouseEvent| match state() {
            Ok((state, note)) => {
                message.set(note);
                copied.set(None);
                panel.set(Some(make(state)));
            }
            Err(error) => message.set(Some(error)),
        })
    };
    // Share: the whole state in the address bar and in a field to copy.
    let on_share = opener(|state| {
        let fragment = crate::share::encode(&state);
        super::show_fragment(&fragment);
        Panel::Share(format!("{}#{fragment}", super::page_address()))
    });
    let on_embed = opener(|mut run| {
        // The embed's own autoplay parameter decides whether it plays.
        run.view.playing = true;
        Panel::Embed {
            from_start: crate::share::encode(&from_time_zero(run.clone())),
            run: crate::share::encode(&run),
        }
    });
    // The full playground at this state, from an embed.
    let open_full = {
        let state = current_state.clone();
        Callback::from(move |_: MouseEvent| {
            let Ok((state, _)) = state() else {
                return;
            };
            let fragment = crate::share::encode(&state);
            if let Some(window) = web_sys::window() {
                let _ = window.open_with_url_and_target(
                    &format!("{}#{fragment}", super::page_address()),
                    "_blank",
                );
            }
        })
    };
    let file_name = |runner: &Runner, extension: &str| {
        let slug: String = runner
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
    };
    // While a shared run opens, what is on screen is a placeholder: nothing to export yet.
    let waiting = {
        let (pending, message) = (pending.clone(), message.clone());
        move || {
            let waiting = pending.borrow().is_some();
            if waiting {
                message.set(Some(WAIT_FOR_REPLAY.into()));
            }
            waiting
        }
    };
    let on_export_json = {
        let (runner, before_compare, message, waiting) = (
            runner.clone(),
            before_compare.clone(),
            message.clone(),
            waiting.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            if waiting() {
                return;
            }
            let runner = runner.borrow();
            let compared = before_compare.borrow();
            let scenario = compared.as_ref().unwrap_or(runner.scenario());
            let text = crate::share::pretty_json(scenario);
            if let Err(error) =
                super::files::download_text(&file_name(&runner, "json"), "application/json", &text)
            {
                message.set(Some(error));
            }
        })
    };
    let on_export_csv = {
        let (runner, message, waiting) = (runner.clone(), message.clone(), waiting.clone());
        Callback::from(move |_: MouseEvent| {
            if waiting() {
                return;
            }
            let runner = runner.borrow();
            if let Err(error) = super::files::download_text(
                &file_name(&runner, "csv"),
                "text/csv",
                &runner.metrics_csv(),
            ) {
                message.set(Some(error));
            }
        })
    };
    let on_export_png = {
        let (runner, message) = (runner.clone(), message.clone());
        Callback::from(move |_: MouseEvent| {
            if waiting() {
                return;
            }
            let document = web_sys::window().and_then(|window| window.document());
            let svg = document.as_ref().and_then(|document| {
                document
                    .query_selector(".stage svg.topology")
                    .ok()
                    .flatten()
            });
            let dots = document
                .as_ref()
                .and_then(|document| document.query_selector(".stage canvas.dots").ok().flatten())
                .and_then(|canvas| canvas.dyn_into::<HtmlCanvasElement>().ok());
            let result = match svg {
                Some(svg) => {
                    let runner = runner.borrow();
                    let caption = format!(
                        "{} · t = {:.1} s · seed {}",
                        runner.scenario().name,
                        runner.simulation().now().as_secs_f64(),
                        runner.seed()
                    );
                    let message = message.clone();
                    super::files::export_png(
                        &svg,
                        dots.as_ref(),
                        &caption,
                        file_name(&runner, "png"),
                        move |error| message.set(Some(error)),
                    )
                }
                None => Err("there is no topology to save".into()),
            };
            if let Err(error) = result {
                message.set(Some(error));
            }
        })
    };
    let on_import = {
        let (dispatch, message) = (dispatch.clone(), message.clone());
        Callback::from(move |event: Event| {
            let Some(input) = event.target_dyn_into::<web_sys::HtmlInputElement>() else {
                return;
            };
            let (dispatch, message) = (dispatch.clone(), message.clone());
            super::files::read_chosen_file(&input, move |name, text| {
                match text.and_then(|text| {
                    cascade_sim::Scenario::from_json(&text).map_err(|error| error.to_string())
                }) {
                    Ok(scenario) => dispatch.emit(UiAction::LoadScenario(Box::new(scenario))),
                    Err(error) => message.set(Some(format!(
                        "Could not open {name}: {error}. The current scenario is unchanged."
                    ))),
                }
            });
        })
    };
    let editing = Editing {
        svg: svg.clone(),
        gesture: gesture.clone(),
        runner: runner.clone(),
        dispatch: dispatch.clone(),
        redraw: {
            let force_update = force_update.clone();
            Callback::from(move |()| force_update.force_update())
        },
    };
    let current_gesture = gesture.borrow().clone();
    let mut twin_ref = twin.borrow_mut();
    let twin_per_link = match twin_ref.as_mut() {
        Some(twin) if *reduced_motion => twin.in_flight_per_link(),
        _ => Vec::new(),
    };
    let twin_view = twin_ref.as_ref();
    let mut runner = runner.borrow_mut();
    let per_link = if *reduced_motion {
        runner.in_flight_per_link()
    } else {
        Vec::new()
    };
    let charts = runner.charts();
    let runner = &*runner;
    let simulation = runner.simulation();
    let totals = simulation.client_counts();
    let rates = runner.rates();
    let scenario = runner.scenario();
    let current_preset = preset_names
        .iter()
        .find(|(_, name)| *name == scenario.name)
        .map(|(id, _)| *id);

    let replaying = pending.borrow().as_ref().map(|run| run.progress());
    if page.embed {
        let controls = EmbedControls {
            replaying,
            dispatch: &dispatch,
            act: &act,
            open_full: &open_full,
            message: message.as_deref().or(runner.stalled()),
        };
        let twin_side = twin_view.map(|twin| (twin, twin_canvas.clone(), &twin_per_link[..]));
        return embed_view(runner, canvas, twin_side, &root, &page, &per_link, controls);
    }
    let cancel_replay = {
        let (pending, message, force_update) =
            (pending.clone(), message.clone(), force_update.clone());
        Callback::from(move |_: MouseEvent| {
            pending.borrow_mut().take();
            message.set(Some(
                "The shared run was not opened; this is the scenario you had (press Play).".into(),
            ));
            force_update.force_update();
        })
    };
    let close_panel = {
        let panel = panel.clone();
        Callback::from(move |_: MouseEvent| panel.set(None))
    };

    html! {
        <div class="playground" ref={root.clone()} data-testid="playground">
            <header class="topbar">
                <h1>{"Cascade"}</h1>
                <label class="preset">{"Scenario "}
                    <select data-testid="preset" onchange={on_preset} aria-label="Preset scenario">
                        { for preset_names.iter().enumerate().map(|(index, (id, name))| html! {
                            <option value={*id} selected={current_preset == Some(*id)}>
                                {format!("{}. {name}", index + 1)}
                            </option>
                        }) }
                    </select>
                </label>
                <div class="controls" role="toolbar" aria-label="Simulation controls">
                    <button data-testid="play" onclick={dispatch.reform(|_: MouseEvent| UiAction::TogglePlay)}
                        aria-pressed={runner.playing.to_string()} title="Play or pause (space)">
                        { if runner.playing { "Pause" } else { "Play" } }
                    </button>
                    <button data-testid="step" onclick={dispatch.reform(|_: MouseEvent| UiAction::Step)}
                        title="Advance 100 ms of simulated time (.)">{"Step"}</button>
                    <button data-testid="reset" onclick={dispatch.reform(|_: MouseEvent| UiAction::Reset)}
                        title="Start again from time zero (r)">{"Reset"}</button>
                    <button data-testid="compare" onclick={toggle_compare} aria-pressed={twin_view.is_some().to_string()}
                        title="Run this topology twice, all sync and async between services, with the same seed and faults">
                        {"Compare sync and async"}</button>
                    <button data-testid="share" onclick={on_share} title="Put this run (scenario, seed, faults, view) into a link">{"Share"}</button>
                    <button data-testid="embed" onclick={on_embed} title="An iframe snippet for a blog post or course page">{"Embed"}</button>
                    <label>{"Speed "}
                        <select data-testid="speed" onchange={on_speed} aria-label="Simulation speed">
                            { for SPEEDS.iter().map(|speed| html! {
                                <option value={speed.to_string()} selected={(*speed - runner.speed).abs() < 1e-9}>{format!("{speed}x")}</option>
                            }) }
                        </select>
                    </label>
                    <label>{"Seed "}
                        <input data-testid="seed" class="seed" type="text" inputmode="numeric"
                            value={runner.seed().to_string()} onchange={on_seed} aria-label="Random seed" />
                    </label>
                    <span class="clock" data-testid="clock">{format!("t = {:.1} s", simulation.now().as_secs_f64())}</span>
                </div>
                if let Some(text) = &*message {
                    <p class="message" role="alert" data-testid="message">{text.clone()}</p>
                }
                if let Some(text) = runner.stalled() {
                    <p class="message" role="alert" data-testid="stalled">{text.to_string()}</p>
                }
                if let Some(text) = replaying {
                    <p class="message info" role="status" data-testid="replaying">{text}{" "}
                        <button class="small" data-testid="cancel-replay" onclick={cancel_replay}>{"Cancel"}</button></p>
                }
                if let Some(open) = &*panel {
                    {panel_view(open, &snippet, &copied, close_panel, &scenario.name)}
                }
            </header>
            <main class="layout">
                <div class="main-column">
                    if let Some(twin) = twin_view {
                        <div class="compare" data-testid="compare-view">
                            {side(runner, canvas.clone(), &act, &per_link, "compare-sync")}
                            {side(twin, twin_canvas.clone(), &act, &twin_per_link, "compare-async")}
                        </div>
                        <p class="hint">{"The charts, the figures on the right and the log follow the sync side; both sides get every fault you apply."}</p>
                    } else {
                        {stage(runner, canvas.clone(), &act, &per_link, Some((&editing, &current_gesture)))}
                    }
                    <section class="card charts" aria-label="Live charts">
                        { for charts.iter().map(chart_view) }
                    </section>
                    {request_path(runner, &dispatch)}
                    {event_log(runner, &dispatch)}
                </div>
                <aside class="panel">
                    <section class="card story" aria-label="The story">
                        <h2>{scenario.name.clone()}</h2>
                        <p class="hint">{scenario.description.clone()}</p>
                        if !scenario.faults.is_empty() {
                            <ol class="schedule" data-testid="schedule">
                                { for scenario.faults.iter().map(|fault| {
                                    let done = fault.at <= simulation.now();
                                    html! {
                                        <li class={classes!(done.then_some("done"))}>
                                            {format!("{:.0} s: {}", fault.at.as_secs_f64(), command_text(&fault.command))}
                                        </li>
                                    }
                                }) }
                            </ol>
                        }
                    </section>
                    <section class="card" aria-label="What users see">
                        <h2>{"What users see"}</h2>
                        <dl class="figures">
                            <div><dt>{"Succeeded"}</dt><dd data-testid="delivered">{totals.succeeded}</dd></div>
                            <div><dt>{"Failed"}</dt><dd data-testid="errors" class={classes!((rates.failed_per_second > 0.0).then_some("bad"))}>{totals.failed()}</dd></div>
                            <div><dt>{"ok / s"}</dt><dd>{format!("{:.0}", rates.succeeded_per_second)}</dd></div>
                            <div><dt>{"errors / s"}</dt><dd>{format!("{:.0}", rates.failed_per_second)}</dd></div>
                        </dl>
                        if totals.failed() > 0 {
                            <p class="hint" data-testid="errors-by-reason">
                                {"Failures: "}
                                {cascade_sim::Failure::ALL.iter()
                                    .filter(|failure| totals.failed_by_reason[failure.index()] > 0)
                                    .map(|failure| format!("{} {}", failure.label(), totals.failed_by_reason[failure.index()]))
                                    .collect::<Vec<_>>()
                                    .join(" · ")}
                            </p>
                        }
                    </section>
                    if let (Some(text), Some(_)) = (&*message, &runner.selected) {
                        <p class="message card" role="alert" data-testid="inspector-message">{text.clone()}</p>
                    }
                    {super::inspector::inspector(runner, &dispatch)}
                    {controls(runner, &act, &dispatch)}
                    <section class="card files" aria-label="Files">
                        <h2>{"Files"}</h2>
                        <div class="row-buttons">
                            <button class="small" data-testid="export-json" onclick={on_export_json} title="The scenario as JSON, the format the command-line tool reads">{"Export scenario"}</button>
                            <label class="button small" title="Open a scenario JSON file (from Export or the command-line tool)">{"Import scenario…"}
                                <input type="file" accept=".json,application/json" data-testid="import" onchange={on_import} class="visually-hidden" />
                            </label>
                            <button class="small" data-testid="export-png" onclick={on_export_png} title="The topology as drawn now, as a PNG picture">{"Save picture"}</button>
                            <button class="small" data-testid="export-csv" onclick={on_export_csv} title="The last minute of metrics, a row every 250 ms">{"Metrics CSV"}</button>
                        </div>
                    </section>
                    <section class="card legend" aria-label="Legend">
                        <h2>{"Legend"}</h2>
                        <ul>
                            { for dots::STYLES.iter().map(|(_, colour, shape, label)| html! {
                                <li><svg viewBox="-8 -8 16 16" class="swatch" aria-hidden="true">{legend_shape(*shape, colour)}</svg>{*label}</li>
                            }) }
                        </ul>
                        <p class="hint">{"Keys: space plays and pauses, . steps, r resets, Ctrl+Z undoes. On a selected service: k kill/revive, f freeze, s slow, e errors, Delete removes it. On a selected link: t sync/async, p cut/heal. Click a link to switch it."}</p>
                    </section>
                </aside>
            </main>
        </div>
    }
}

/// The embed's control bar: what it needs from the page.
struct EmbedControls<'a> {
    /// A shared run still being replayed, in words.
    replaying: Option<String>,
    dispatch: &'a Callback<UiAction>,
    act: &'a Callback<Command>,
    open_full: &'a Callback<MouseEvent>,
    message: Option<&'a str>,
}

/// `?embed=1`: the canvas filling the frame and a compact control bar.
fn embed_view(
    runner: &Runner,
    canvas: NodeRef,
    twin: Option<(&Runner, NodeRef, &[u32])>,
    root: &NodeRef,
    page: &crate::embed::PageOptions,
    per_link: &[u32],
    controls: EmbedControls,
) -> Html {
    use crate::embed::Controls;
    let simulation = runner.simulation();
    let totals = simulation.client_counts();
    let dispatch = controls.dispatch;
    // Read-only embeds do not switch links on click; the others do.
    let act = if page.readonly {
        Callback::noop()
    } else {
        controls.act.clone()
    };
    let bar = (page.controls != Controls::None).then(|| {
        let full = page.controls == Controls::Full;
        let faults = full && !page.readonly;
        html! {
            <div class="embed-bar" role="toolbar" aria-label="Simulation controls">
                <button data-testid="play" onclick={dispatch.reform(|_: MouseEvent| UiAction::TogglePlay)}
                    aria-pressed={runner.playing.to_string()}>{ if runner.playing { "Pause" } else { "Play" } }</button>
                <button data-testid="reset" onclick={dispatch.reform(|_: MouseEvent| UiAction::Reset)}>{"Reset"}</button>
                if full {
                    <select data-testid="speed" aria-label="Simulation speed" onchange={dispatch.reform(|event: Event| {
                        UiAction::SetSpeed(event.target_dyn_into::<web_sys::HtmlSelectElement>()
                            .and_then(|select| select.value().parse::<f64>().ok()).unwrap_or(f64::NAN))
                    })}>
                        { for SPEEDS.iter().map(|speed| html! {
                            <option value={speed.to_string()} selected={(*speed - runner.speed).abs() < 1e-9}>{format!("{speed}x")}</option>
                        }) }
                    </select>
                }
                <span class="clock" data-testid="clock">{format!("t = {:.1} s", simulation.now().as_secs_f64())}</span>
                if full {
                    <span class="embed-figures" data-testid="embed-figures">
                        <span data-testid="delivered">{format!("{} ok", totals.succeeded)}</span>
                        {" · "}
                        <span data-testid="errors" class={classes!((totals.failed() > 0).then_some("bad"))}>{format!("{} failed", totals.failed())}</span>
                    </span>
                }
                if faults {
                    <span class="embed-faults">
                        { for simulation.nodes().filter(|node| !node.is_client).map(|node| {
                            let name = node.name.to_string();
                            let up = node.state == NodeState::Up;
                            let command = if up { Command::Kill { node: name.clone() } } else { Command::Revive { node: name.clone() } };
                            html! {
                                <button class={classes!("small", "danger", (!up).then_some("revive"))} data-testid={format!("kill-{name}")}
                                    onclick={controls.act.reform(move |_: MouseEvent| command.clone())}>
                                    {format!("{} {name}", if up { "Kill" } else { "Revive" })}</button>
                            }
                        }) }
                    </span>
                }
                <button class="small open-full" data-testid="open-full" onclick={controls.open_full.clone()}
                    title="Open this run in the full playground, in a new tab">{"Open in Cascade ↗"}</button>
                if let Some(text) = controls.message {
                    <p class="message" role="alert" data-testid="message">{text.to_string()}</p>
                }
            </div>
        }
    });
    // What is happening, for a reader who has not read the story: the title and the scheduled
    // fault that happened last or comes next.
    let titled = page.controls != Controls::None;
    // With no controls there is no bar: problems (a bad link) are said here instead.
    let problem = (!titled).then_some(controls.message).flatten();
    let caption = (titled || problem.is_some() || controls.replaying.is_some()).then(|| {
        let faults = &runner.scenario().faults;
        let now = simulation.now();
        let line = match (
            faults.iter().rev().find(|f| f.at <= now),
            faults.iter().find(|f| f.at > now),
        ) {
            (_, Some(next)) => format!(
                "At {:.0} s: {}",
                next.at.as_secs_f64(),
                command_text(&next.command)
            ),
            (Some(last), None) => format!(
                "Since {:.0} s: {}",
                last.at.as_secs_f64(),
                command_text(&last.command)
            ),
            (None, None) => String::new(),
        };
        html! {
            <div class="embed-caption" data-testid="embed-caption">
                if titled {
                    <strong>{runner.scenario().name.clone()}</strong>
                    if !line.is_empty() { <span>{line}</span> }
                }
                if let Some(text) = &controls.replaying { <span data-testid="replaying">{text.clone()}</span> }
                if let Some(text) = problem { <span class="bad" role="alert" data-testid="message">{text.to_string()}</span> }
            </div>
        }
    });
    html! {
        <div class={classes!("playground", "embed", format!("controls-{}", page.controls.as_str()))} ref={root.clone()}
            data-testid="embed-root" data-readonly={page.readonly.to_string()}>
            if let Some((twin, twin_canvas, twin_per_link)) = twin {
                // A shared comparison: both sides, labelled.
                <div class="compare" data-testid="compare-view">
                    <div class="side" data-testid="compare-sync">
                        <span class="side-label">{"all sync"}</span>
                        {stage(runner, canvas, &act, per_link, None)}
                    </div>
                    <div class="side" data-testid="compare-async">
                        <span class="side-label">{"async between services"}</span>
                        {stage(twin, twin_canvas, &act, twin_per_link, None)}
                    </div>
                </div>
            } else {
                {stage(runner, canvas, &act, per_link, None)}
            }
            {caption}
            {bar}
        </div>
    }
}

/// The Share or Embed dialog.
fn panel_view(
    panel: &Panel,
    snippet: &UseStateHandle<crate::embed::Snippet>,
    copied: &UseStateHandle<Option<&'static str>>,
    close: Callback<MouseEvent>,
    scenario_name: &str,
) -> Html {
    use crate::embed::{Controls, Theme};
    let copy = |text: String| {
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| {
            // The clipboard exists only on secure pages (https or localhost).
            let clipboard = web_sys::window()
                .map(|window| window.navigator())
                .and_then(|navigator| js_sys::Reflect::get(&navigator, &"clipboard".into()).ok())
                .filter(|clipboard| !clipboard.is_undefined() && !clipboard.is_null())
                .map(|clipboard| clipboard.unchecked_into::<web_sys::Clipboard>());
            copied.set(Some(match clipboard {
                Some(clipboard) => {
                    let _ = clipboard.write_text(&text);
                    "Copied to the clipboard."
                }
                None => "This page cannot reach the clipboard: select the text and copy it.",
            }));
        })
    };
    let copied_note = (**copied)
        .map(|note| html! { <span class="hint" role="status" data-testid="copied">{note}</span> });
    let select_all = Callback::from(|event: FocusEvent| {
        if let Some(input) = event.target_dyn_into::<web_sys::HtmlInputElement>() {
            input.select();
        } else if let Some(area) = event.target_dyn_into::<web_sys::HtmlTextAreaElement>() {
            area.select();
        }
    });
    match panel {
        Panel::Share(url) => html! {
            <section class="card dialog" data-testid="share-panel" aria-label="Share this run">
                <h2>{"Share this run"}</h2>
                <p class="hint">{format!("The link holds the scenario, the seed, every fault and change you made with its time, and the view: opening it replays the run to where it is now. {} characters; nothing is stored anywhere else.", url.len())}</p>
                <input class="wide" readonly=true value={url.clone()} data-testid="share-link" aria-label="Share link" onfocus={select_all} />
                <div class="row-buttons">
                    <button onclick={copy(url.clone())} data-testid="copy-link">{"Copy link"}</button>
                    {copied_note.clone()}
                    <button class="small" onclick={close}>{"Close"}</button>
                </div>
            </section>
        },
        Panel::Embed { from_start, run } => {
            let current = (**snippet).clone();
            let fragment = if current.from_start { from_start } else { run };
            let html = current.html(&super::page_address(), fragment, scenario_name);
            let update = |change: fn(&mut crate::embed::Snippet, &str, bool)| {
                let snippet = snippet.clone();
                Callback::from(move |event: Event| {
                    let mut next = (*snippet).clone();
                    if let Some(input) = event.target_dyn_into::<web_sys::HtmlInputElement>() {
                        change(&mut next, &input.value(), input.checked());
                    } else if let Some(select) =
                        event.target_dyn_into::<web_sys::HtmlSelectElement>()
                    {
                        change(&mut next, &select.value(), false);
                    }
                    snippet.set(next);
                })
            };
            html! {
                <section class="card dialog" data-testid="embed-panel" aria-label="Embed this run">
                    <h2>{"Embed this run in a page"}</h2>
                    <div class="embed-options">
                        <label>{"Controls "}
                            <select data-testid="embed-controls" onchange={update(|s, value, _| s.controls = match value { "none" => Controls::None, "full" => Controls::Full, _ => Controls::Minimal })}>
                                { for [Controls::Minimal, Controls::Full, Controls::None].iter().map(|c| html! {
                                    <option value={c.as_str()} selected={*c == current.controls}>{c.as_str()}</option>
                                }) }
                            </select>
                        </label>
                        <label>{"Theme "}
                            <select data-testid="embed-theme" onchange={update(|s, value, _| s.theme = match value { "light" => Theme::Light, "dark" => Theme::Dark, _ => Theme::Auto })}>
                                { for [Theme::Auto, Theme::Light, Theme::Dark].iter().map(|t| html! {
                                    <option value={t.as_str()} selected={*t == current.theme}>{t.as_str()}</option>
                                }) }
                            </select>
                        </label>
                        <label title="Unticked, the embed replays this run to where it is now, with the faults you applied"><input type="checkbox" data-testid="embed-from-start" checked={current.from_start} onchange={update(|s, _, checked| s.from_start = checked)} />{" From time zero"}</label>
                        <label><input type="checkbox" data-testid="embed-autoplay" checked={current.autoplay} onchange={update(|s, _, checked| s.autoplay = checked)} />{" Autoplay"}</label>
                        <label><input type="checkbox" data-testid="embed-readonly" checked={current.readonly} onchange={update(|s, _, checked| s.readonly = checked)} />{" Read-only"}</label>
                        <label>{"Width "}<input type="number" class="seed" min="240" max="2000" value={current.width.to_string()} data-testid="embed-width"
                            onchange={update(|s, value, _| if let Ok(width) = value.parse::<u32>() { s.width = width.clamp(240, 2000) })} /></label>
                        <label>{"Height "}<input type="number" class="seed" min="160" max="2000" value={current.height.to_string()} data-testid="embed-height"
                            onchange={update(|s, value, _| if let Ok(height) = value.parse::<u32>() { s.height = height.clamp(160, 2000) })} /></label>
                    </div>
                    <textarea class="wide" readonly=true rows="4" data-testid="embed-snippet" aria-label="Iframe snippet" onfocus={select_all} value={html.clone()} />
                    <p class="hint">{"Paste this into your page's HTML. It loads this playground from where it is hosted now; several embeds on one page run independently and pause while scrolled out of view."}</p>
                    <div class="row-buttons">
                        <button onclick={copy(html)} data-testid="copy-snippet">{"Copy snippet"}</button>
                        {copied_note}
                        <button class="small" onclick={close}>{"Close"}</button>
                    </div>
                </section>
            }
        }
    }
}

/// Carries out an action on the playground, and on the async side too while comparing: the
/// same faults, seed, speed and play state on both.
fn act_on_both(
    runner: &Rc<RefCell<Runner>>,
    twin: &Rc<RefCell<Option<Runner>>>,
    before_compare: &Rc<RefCell<Option<cascade_sim::Scenario>>>,
    action: UiAction,
) -> Result<(), String> {
    let mut twin = twin.borrow_mut();
    let Some(twin) = twin.as_mut() else {
        return runner.borrow_mut().handle(action);
    };
    match &action {
        UiAction::Command(command) if matches!(**command, Command::SetLinkKind { .. }) => {
            Err("while comparing, one side is all sync and the other async; close the comparison to switch links".into())
        }
        UiAction::LoadPreset(_) | UiAction::LoadScenario(_) => {
            let scenario = match action {
                UiAction::LoadPreset(id) => {
                    presets::by_id(&id).ok_or(format!("no preset is called {id:?}"))?
                }
                UiAction::LoadScenario(scenario) => *scenario,
                _ => return Ok(()),
            };
            let (sync, asynchronous) = comparison(&scenario);
            runner.borrow_mut().load(sync).map_err(|error| error.to_string())?;
            twin.load(asynchronous).map_err(|error| error.to_string())?;
            *before_compare.borrow_mut() = Some(scenario);
            Ok(())
        }
        // One side's edit or link switch would not mean the same on the other side (its links
        // are of the other kind), and a share link could not say how each got there.
        UiAction::Edit(_)
        | UiAction::Undo
        | UiAction::Redo
        | UiAction::DeleteSelected
        | UiAction::FaultKey('t') => Err(COMPARE_FIXED.into()),
        _ => {
            // Both sides share a clock: whatever the async side has not done yet up to now, it
            // does first, so the action lands at the same instant on both (as a share link
            // replays it).
            if !action.only_looks() {
                twin.catch_up(runner.borrow().simulation().now());
            }
            runner.borrow_mut().handle(action.clone())?;
            if action == UiAction::Step {
                twin.catch_up(runner.borrow().simulation().now());
            } else {
                // The sides share a topology, so what worked on one works on the other.
                let _ = twin.handle(action);
            }
            let runner = runner.borrow();
            twin.playing = runner.playing;
            twin.speed = runner.speed;
            Ok(())
        }
    }
}

/// Why a read-only page refuses.
const READ_ONLY: &str = "This page is read-only: open it in the playground to change things.";

/// Why nothing can be done while a shared run opens.
const WAIT_FOR_REPLAY: &str =
    "One moment: the shared run is still opening (or cancel it, or pick another scenario).";

/// Why the topology cannot change while comparing.
const COMPARE_FIXED: &str =
    "While comparing, the topology and its knobs are fixed: close the comparison to edit them.";

/// Opens the compare view (the current scenario twice: all sync, and async between services)
/// or closes it and goes back to the scenario as it was.
fn toggle_comparison(
    runner: &Rc<RefCell<Runner>>,
    twin: &Rc<RefCell<Option<Runner>>>,
    before_compare: &Rc<RefCell<Option<cascade_sim::Scenario>>>,
) -> Result<(), String> {
    let mut runner = runner.borrow_mut();
    let mut twin = twin.borrow_mut();
    if twin.take().is_some() {
        if let Some(scenario) = before_compare.borrow_mut().take() {
            runner.load(scenario).map_err(|error| error.to_string())?;
        }
        return Ok(());
    }
    let scenario = runner.scenario().clone();
    let (sync, asynchronous) = comparison(&scenario);
    let mut async_side =
        Runner::new(asynchronous, runner.seed()).map_err(|error| error.to_string())?;
    runner.load(sync).map_err(|error| error.to_string())?;
    async_side.playing = runner.playing;
    async_side.speed = runner.speed;
    *twin = Some(async_side);
    *before_compare.borrow_mut() = Some(scenario);
    Ok(())
}

/// The topology: SVG boxes and links with the canvas dot layer on top. With `editing`, the
/// palette, dragging, connecting and selecting work on it.
fn stage(
    runner: &Runner,
    canvas: NodeRef,
    act: &Callback<Command>,
    per_link: &[u32],
    editing: Option<(&Editing, &Gesture)>,
) -> Html {
    let simulation = runner.simulation();
    let svg = editing
        .map(|(editing, _)| editing.svg.clone())
        .unwrap_or_default();
    let onpointermove = editing.map(|(editing, _)| editing.on_move());
    let onpointerup = editing.map(|(editing, _)| editing.on_up());
    let connecting = match editing {
        Some((_, Gesture::Connect { from, to })) => runner
            .simulation()
            .node_by_name(from)
            .map(|node| (runner.layout().center(node.id), *to)),
        _ => None,
    };
    html! {
        <section class="stage" aria-label="Topology">
            <svg ref={svg} class="topology" viewBox={format!("0 0 {CANVAS_WIDTH} {CANVAS_HEIGHT}")} role="img"
                aria-label={runner.scenario().name.clone()} {onpointermove} {onpointerup}>
                <defs>
                    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
                    </marker>
                    <pattern id="grid" width="20" height="20" patternUnits="userSpaceOnUse">
                        <circle cx="0" cy="0" r="1" class="grid-dot" />
                    </pattern>
                </defs>
                if editing.is_some() {
                    <rect width={CANVAS_WIDTH.to_string()} height={CANVAS_HEIGHT.to_string()} fill="url(#grid)" class="grid" />
                }
                { for simulation.links().map(|link| link_view(runner, link.id.index(), act, per_link.get(link.id.index()).copied(), editing.is_none())) }
                { for simulation.nodes().map(|node| node_view(runner, node.id.index(), editing.map(|(editing, _)| editing))) }
                if let Some((from, to)) = connecting {
                    <line class="connecting" x1={from.x.to_string()} y1={from.y.to_string()} x2={to.x.to_string()} y2={to.y.to_string()} />
                }
            </svg>
            <canvas ref={canvas} class="dots" aria-hidden="true"></canvas>
            if let Some((editing, _)) = editing {
                <div class="palette" role="group" aria-label="Add to the canvas">
                    <button data-testid="palette-service" class="small" title="Drag onto the canvas (or click) to add a service"
                        onpointerdown={editing.on_palette_down(Block::Service)} onclick={editing.on_palette_click(Block::Service)}>
                        {"+ Service"}</button>
                    <button data-testid="palette-client" class="small" title="Drag onto the canvas (or click) to add a load source"
                        onpointerdown={editing.on_palette_down(Block::Client)} onclick={editing.on_palette_click(Block::Client)}>
                        {"+ Load source"}</button>
                    <button data-testid="palette-queue" class="small" title="Drag onto a link to put a broker queue in it"
                        onpointerdown={editing.on_palette_down(Block::Queue)} onclick={editing.on_palette_click(Block::Queue)}>
                        {"+ Queue"}</button>
                </div>
            }
        </section>
    }
}

/// One side of the compare view: its title, what its users see, and its topology.
fn side(
    runner: &Runner,
    canvas: NodeRef,
    act: &Callback<Command>,
    per_link: &[u32],
    test_id: &'static str,
) -> Html {
    let totals = runner.simulation().client_counts();
    let rates = runner.rates();
    html! {
        <div class="side" data-testid={test_id}>
            <h2>{runner.scenario().name.clone()}</h2>
            <p class="side-figures">
                <span data-testid={format!("{test_id}-delivered")}>{format!("{} ok", totals.succeeded)}</span>
                <span data-testid={format!("{test_id}-errors")} class={classes!((totals.failed() > 0).then_some("bad"))}>
                    {format!("{} failed", totals.failed())}</span>
                <span>{format!("{:.0} ok/s · {:.0} errors/s", rates.succeeded_per_second, rates.failed_per_second)}</span>
            </p>
            {stage(runner, canvas, act, per_link, None)}
        </div>
    }
}

/// The "Break things" card: every fault one click away, per service and per link.
fn controls(runner: &Runner, act: &Callback<Command>, dispatch: &Callback<UiAction>) -> Html {
    let simulation = runner.simulation();
    let button = |test_id: String,
                  label: &str,
                  class: &'static str,
                  command: Command,
                  pressed: Option<bool>| {
        let onclick = act.reform(move |_: MouseEvent| command.clone());
        html! {
            <button data-testid={test_id} class={class} {onclick} aria-pressed={pressed.map(|p| p.to_string())}>{label.to_string()}</button>
        }
    };
    let uses_async = simulation.links().any(|link| link.kind == LinkKind::Async);
    html! {
        <section class="card" aria-label="Break things">
            <h2>{"Break things"}</h2>
            <ul class="rows">
                { for simulation.nodes().filter(|node| !node.is_client).map(|node| {
                    let name = node.name.to_string();
                    let state = node.state;
                    let (kill_label, kill_command) = if state == NodeState::Up {
                        ("Kill", Command::Kill { node: name.clone() })
                    } else {
                        ("Revive", Command::Revive { node: name.clone() })
                    };
                    let slowed = node.slow_factor > 1.0;
                    let failing = node.error_rate > 0.0;
                    html! {
                        <li class="service-row">
                            <span class="row-name" title={name.clone()}>{&name}</span>
                            <span class="row-figure">{format!("{}/{} threads", node.busy, node.workers)}</span>
                            <span class="row-buttons">
                                {button(format!("kill-{name}"), kill_label, if state == NodeState::Up { "danger" } else { "danger revive" }, kill_command, None)}
                                {button(format!("freeze-{name}"), "Freeze", "small", Command::Freeze { node: name.clone() }, Some(state == NodeState::Frozen))}
                                {button(format!("slow-{name}"), "Slow ×5", "small",
                                    Command::Slow { node: name.clone(), factor: if slowed { 1.0 } else { 5.0 } }, Some(slowed))}
                                {button(format!("errors-{name}"), "20% errors", "small",
                                    Command::SetErrorRate { node: name.clone(), error_rate: if failing { 0.0 } else { 0.2 } }, Some(failing))}
                            </span>
                        </li>
                    }
                }) }
            </ul>
            <h2>{"Links"}</h2>
            <ul class="rows">
                { for simulation.links().map(|link| {
                    let from = simulation.nodes().nth(link.from.index()).map(|n| n.name.to_string()).unwrap_or_default();
                    let to = simulation.nodes().nth(link.to.index()).map(|n| n.name.to_string()).unwrap_or_default();
                    let next = if link.kind == LinkKind::Sync { LinkKind::Async } else { LinkKind::Sync };
                    let label = if link.kind == LinkKind::Sync { "sync" } else { "async" };
                    let link_index = link.id.index();
                    let partition = if link.partitioned { Command::Heal { link: link.id.0 } } else { Command::Partition { link: link.id.0 } };
                    html! {
                        <li>
                            <span class="row-name">{format!("{from} → {to}")}</span>
                            {button(format!("link-{}-kind", link.id.0), label, if label == "sync" { "kind sync" } else { "kind async" },
                                Command::SetLinkKind { link: link.id.0, kind: next }, None)}
                            {button(format!("partition-{}", link.id.0), if link.partitioned { "Heal" } else { "Cut" }, "small", partition, Some(link.partitioned))}
                            <button class="small" data-testid={format!("edit-link-{}", link.id.0)} title="Open this link's knobs in the inspector"
                                onclick={dispatch.reform(move |_: MouseEvent| UiAction::Select(Some(Selection::Link(link_index))))}>{"Knobs"}</button>
                        </li>
                    }
                }) }
            </ul>
            if uses_async {
                <p class="broker-row">
                    <span class="row-name">{ if simulation.broker_up() { "Broker: up" } else { "Broker: DOWN" } }</span>
                    {button("broker".to_string(), if simulation.broker_up() { "Kill broker" } else { "Revive broker" }, "danger",
                        if simulation.broker_up() { Command::KillBroker } else { Command::ReviveBroker }, None)}
                </p>
            }
        </section>
    }
}

/// A small line chart with its latest value.
fn chart_view(chart: &Chart) -> Html {
    const WIDTH: f64 = 200.0;
    const HEIGHT: f64 = 48.0;
    let latest = chart.points.last().map_or(0.0, |(_, value)| *value);
    let max = chart
        .points
        .iter()
        .map(|(_, value)| *value)
        .fold(0.0, f64::max)
        .max(1e-9);
    let (first_t, last_t) = match (chart.points.first(), chart.points.last()) {
        (Some(first), Some(last)) if last.0 > first.0 => (first.0, last.0),
        _ => (0.0, 1.0),
    };
    let points: String = chart
        .points
        .iter()
        .map(|(t, value)| {
            let x = (t - first_t) / (last_t - first_t) * WIDTH;
            let y = HEIGHT - value / max * (HEIGHT - 4.0) - 2.0;
            format!("{x:.1},{y:.1} ")
        })
        .collect();
    html! {
        <figure class="chart" data-testid={format!("chart-{}", chart.title)}>
            <figcaption>
                <span>{chart.title.clone()}</span>
                <strong>{ if latest >= 100.0 { format!("{latest:.0}") } else { format!("{latest:.1}") } }</strong>
            </figcaption>
            <svg viewBox={format!("0 0 {WIDTH} {HEIGHT}")} preserveAspectRatio="none" role="img"
                aria-label={format!("{} over the last minute, now {latest:.1}", chart.title)}>
                <polyline points={points} />
            </svg>
        </figure>
    }
}

/// The event log: notable things in words, newest first, pausable and filterable.
fn event_log(runner: &Runner, dispatch: &Callback<UiAction>) -> Html {
    html! {
        <section class="card log" aria-label="Event log">
            <div class="log-head">
                <h2>{"What happened"}</h2>
                <select class="log-filter" data-testid="log-filter" aria-label="Which events to show"
                    onchange={dispatch.reform(|event: Event| {
                        let value = event.target_dyn_into::<web_sys::HtmlSelectElement>().map(|select| select.value()).unwrap_or_default();
                        UiAction::SetLogFilter(match value.as_str() {
                            "problems" => LogFilter::Problems,
                            "recoveries" => LogFilter::Recoveries,
                            _ => LogFilter::All,
                        })
                    })}>
                    <option value="all" selected={runner.log_filter == LogFilter::All}>{"everything"}</option>
                    <option value="problems" selected={runner.log_filter == LogFilter::Problems}>{"problems"}</option>
                    <option value="recoveries" selected={runner.log_filter == LogFilter::Recoveries}>{"recoveries and changes"}</option>
                </select>
                <button data-testid="log-pause" class="small" onclick={dispatch.reform(|_: MouseEvent| UiAction::ToggleLogPause)}
                    aria-pressed={runner.log_paused.to_string()}>
                    { if runner.log_paused { "Resume log" } else { "Pause log" } }
                </button>
            </div>
            <ol class="entries" data-testid="log" aria-live="off">
                { for runner.log().rev().filter(|entry| runner.log_filter.shows(entry)).take(40).map(|entry| {
                    let class = match entry.severity {
                        Severity::Bad => "bad",
                        Severity::Good => "good",
                        Severity::Info => "info",
                    };
                    let text = match entry.request {
                        Some(request) => html! {
                            <button class="linkish" data-testid="log-request" title="Show this request's path"
                                onclick={dispatch.reform(move |_: MouseEvent| UiAction::InspectRequest(Some(request.0)))}>
                                {entry.text.clone()}</button>
                        },
                        None => html! { {entry.text.clone()} },
                    };
                    html! {
                        <li class={class}><span class="at">{format!("{:.2} s", entry.at.as_secs_f64())}</span>{text}</li>
                    }
                }) }
            </ol>
        </section>
    }
}

/// The path of one request: every hop, attempt, delivery and outcome, in order.
fn request_path(runner: &Runner, dispatch: &Callback<UiAction>) -> Html {
    let Some(request) = runner.inspected else {
        return Html::default();
    };
    let story = runner.request_story(request);
    html! {
        <section class="card path" aria-label="Request path" data-testid="request-path">
            <div class="log-head">
                <h2>{format!("Request {}", request.0)}</h2>
                <button class="small" onclick={dispatch.reform(|_: MouseEvent| UiAction::InspectRequest(None))}>{"Close"}</button>
            </div>
            if story.is_empty() {
                <p class="hint">{"Nothing recent is known about this request."}</p>
            }
            <ol class="entries">
                { for story.iter().map(|(at, text)| html! {
                    <li><span class="at">{format!("{:.3} s", at.as_secs_f64())}</span>{text.clone()}</li>
                }) }
            </ol>
        </section>
    }
}

/// A scheduled fault in words.
fn command_text(command: &Command) -> String {
    match command {
        Command::Kill { node } => format!("{node} is killed"),
        Command::Revive { node } => format!("{node} comes back"),
        Command::Freeze { node } => format!("{node} hangs"),
        Command::Slow { node, factor } => format!("{node} slows down ×{factor}"),
        Command::SetErrorRate { node, error_rate } => {
            format!("{node} fails {:.0}% of requests", error_rate * 100.0)
        }
        Command::Partition { link } => format!("link {link} is cut"),
        Command::Heal { link } => format!("link {link} heals"),
        Command::SetLinkKind { link, kind } => {
            let kind = if *kind == LinkKind::Sync {
                "sync"
            } else {
                "async"
            };
            format!("link {link} becomes {kind}")
        }
        Command::KillBroker => "the broker dies".into(),
        Command::ReviveBroker => "the broker comes back".into(),
        Command::UpdateService { spec } => format!("{} is reconfigured", spec.name),
        Command::UpdateClient { spec } => format!("{} changes its load", spec.name),
        Command::UpdateLink { link, .. } => format!("link {link} is reconfigured"),
    }
}

fn legend_shape(shape: dots::Shape, colour: &str) -> Html {
    let colour = colour.to_string();
    match shape {
        dots::Shape::Circle => html! { <circle r="5" fill={colour} /> },
        dots::Shape::Triangle => html! { <path d="M0 -6 L5.5 4.5 L-5.5 4.5 Z" fill={colour} /> },
        dots::Shape::Cross => {
            html! { <path d="M-5 -5 L5 5 M5 -5 L-5 5" stroke={colour} stroke-width="2.5" /> }
        }
        dots::Shape::Diamond => {
            html! { <path d="M0 -6.5 L6.5 0 L0 6.5 L-6.5 0 Z" fill={colour} /> }
        }
        dots::Shape::Square => {
            html! { <rect x="-5" y="-5" width="10" height="10" fill={colour} /> }
        }
        dots::Shape::Ring => {
            html! { <circle r="5" fill="none" stroke={colour} stroke-width="2.5" /> }
        }
    }
}

fn node_view(runner: &Runner, index: usize, editing: Option<&Editing>) -> Html {
    let simulation = runner.simulation();
    let Some(node) = simulation.nodes().nth(index) else {
        return Html::default();
    };
    let center = runner.layout().center(node.id);
    let transform = format!(
        "translate({},{})",
        center.x - NODE_WIDTH / 2.0,
        center.y - NODE_HEIGHT / 2.0
    );
    let killed = node.state == NodeState::Killed;
    let state = match node.state {
        NodeState::Up => "up",
        NodeState::Killed => "killed",
        NodeState::Frozen => "frozen",
    };
    let bar_width = NODE_WIDTH - 24.0;
    let selected = runner.selected == Some(Selection::Node(node.name.to_string()));
    let onpointerdown = editing.map(|editing| editing.on_node_down(node.name.to_string()));
    // Drag from the handle on the right edge to another node to connect them.
    let handle = editing.map(|editing| {
        html! {
            <circle class="handle" cx={NODE_WIDTH.to_string()} cy={(NODE_HEIGHT / 2.0).to_string()} r="9"
                data-testid={format!("connect-{}", node.name)} onpointerdown={editing.on_handle_down(node.name.to_string())}>
                <title>{"Drag to another service to connect"}</title>
            </circle>
        }
    });
    if node.is_client {
        let rate = runner
            .scenario()
            .clients
            .get(index)
            .map_or(0.0, |client| client.rate_per_second);
        return html! {
            <g class={classes!("node", "client", selected.then_some("selected"))} data-testid={format!("node-{}", node.name)}
                data-state={state} {transform} onpointerdown={onpointerdown}>
                <rect width={NODE_WIDTH.to_string()} height={NODE_HEIGHT.to_string()} rx="46" />
                <text x={(NODE_WIDTH / 2.0).to_string()} y="36" class="name" text-anchor="middle">{truncate(node.name, 16)}</text>
                <text x={(NODE_WIDTH / 2.0).to_string()} y="60" text-anchor="middle">{format!("{rate} requests/s")}</text>
                {handle}
            </g>
        };
    }
    let fill_fraction = f64::from(node.busy) / f64::from(node.workers.max(1));
    let exhausted = node.busy >= node.workers;
    html! {
        <g class={classes!("node", state, exhausted.then_some("exhausted"), selected.then_some("selected"))}
            data-testid={format!("node-{}", node.name)} data-state={state} {transform} onpointerdown={onpointerdown}>
            <title>{format!("{}: {} of {} worker threads busy, {} requests and {} deliveries waiting", node.name, node.busy, node.workers, node.inbound, node.prefetched)}</title>
            <rect width={NODE_WIDTH.to_string()} height={NODE_HEIGHT.to_string()} rx="10" />
            <text x="12" y="24" class="name">{truncate(node.name, 16)}</text>
            <text x="12" y="45" class="figure" data-testid={format!("busy-{}", node.name)}>{format!("threads {}/{}", node.busy, node.workers)}</text>
            <rect x="12" y="52" width={bar_width.to_string()} height="10" rx="3" class="bar-bg" />
            <rect x="12" y="52" width={(bar_width * fill_fraction).to_string()} height="10" rx="3" class="bar-fill" />
            <text x="12" y="80" class="figure" data-testid={format!("inbound-{}", node.name)}>{format!("waiting {}", compact_count(node.waiting().into()))}</text>
            if killed {
                <text x={(NODE_WIDTH / 2.0).to_string()} y="-8" class="down" text-anchor="middle">{"DOWN"}</text>
            }
            if node.state == NodeState::Frozen {
                <text x={(NODE_WIDTH / 2.0).to_string()} y="-8" class="frozen-label" text-anchor="middle">{"FROZEN: accepts calls, never answers"}</text>
            }
            {handle}
        </g>
    }
}

/// A link. `clickable` links switch kind on click themselves; on the editable canvas the
/// pointer handler decides (a click on a message shows its path instead).
fn link_view(
    runner: &Runner,
    index: usize,
    act: &Callback<Command>,
    in_flight: Option<u32>,
    clickable: bool,
) -> Html {
    let simulation = runner.simulation();
    let Some(link) = simulation.links().nth(index) else {
        return Html::default();
    };
    let (start, end) = runner.layout().link_ends(index);
    let next = if link.kind == LinkKind::Sync {
        LinkKind::Async
    } else {
        LinkKind::Sync
    };
    let command = Command::SetLinkKind {
        link: link.id.0,
        kind: next,
    };
    let onclick = clickable.then(|| act.reform(move |_: MouseEvent| command.clone()));
    // With reduced motion there are no moving dots: each link counts what is on it instead.
    let counter = in_flight.map(|count| {
        let middle = runner.layout().queue_center(index);
        let y = if link.kind == LinkKind::Sync { middle.y + 22.0 } else { middle.y - 28.0 };
        html! {
            <text x={middle.x.to_string()} y={y.to_string()} class="in-flight-count" text-anchor="middle"
                data-testid={format!("in-flight-{index}")}>{format!("{count} on the wire")}</text>
        }
    });
    let hit = html! {
        <line class="hit" x1={start.x.to_string()} y1={start.y.to_string()} x2={end.x.to_string()} y2={end.y.to_string()}>
            <title>{"Click to switch between sync and async"}</title>
        </line>
    };
    // A link with a circuit breaker says what state it is in, next to the caller.
    let breaker = (link.breaker != cascade_sim::breaker::BreakerState::Disabled).then(|| {
        let at = start.lerp(end, 0.5);
        let state = link.breaker.as_str();
        html! {
            <text x={at.x.to_string()} y={(at.y - 12.0).to_string()} class={classes!("breaker", state)}
                text-anchor="middle" data-testid={format!("breaker-{index}")}>{format!("breaker {}", state.replace('_', "-"))}</text>
        }
    });
    if link.kind == LinkKind::Sync {
        return html! {
            <g class="link sync" data-testid={format!("link-{index}")} {onclick}>
                <line x1={start.x.to_string()} y1={start.y.to_string()} x2={end.x.to_string()} y2={end.y.to_string()} marker-end="url(#arrow)" />
                {hit}
                {counter}
                {breaker}
            </g>
        };
    }
    let queue = simulation.queues().nth(link.queue.index());
    let middle = runner.layout().queue_center(index);
    let (depth, unacked, dead) = queue.map_or((0, 0, 0), |queue| {
        (queue.depth, queue.unacked, queue.metrics.dead_lettered)
    });
    html! {
        <g class="link async" data-testid={format!("link-{index}")} {onclick}>
            <line x1={start.x.to_string()} y1={start.y.to_string()} x2={end.x.to_string()} y2={end.y.to_string()} marker-end="url(#arrow)" />
            {hit}
            {counter}
            <g class="queue" transform={format!("translate({},{})", middle.x - QUEUE_WIDTH / 2.0, middle.y - QUEUE_HEIGHT / 2.0)}>
                <rect width={QUEUE_WIDTH.to_string()} height={QUEUE_HEIGHT.to_string()} rx="6" />
                <text x="8" y="17" class="figure" data-testid={format!("queue-depth-{index}")}>{format!("queue {}", compact_count(depth.into()))}</text>
                <text x="8" y="33" class="small">{format!("unacked {unacked} · DLQ {dead}")}</text>
            </g>
        </g>
    }
}

/// Shortens long names for the canvas; the full name stays in the tooltip and side panel.
fn truncate(name: &str, max_chars: usize) -> String {
    if name.chars().count() <= max_chars {
        name.to_string()
    } else {
        let mut short: String = name.chars().take(max_chars - 1).collect();
        short.push('…');
        short
    }
}
