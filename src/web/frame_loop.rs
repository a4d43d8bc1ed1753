//! The one animation-frame loop: lets wall-clock time pass in the playground (which advances
//! the runs, or replays a slice of a shared run still opening), redraws the dot layers, and
//! asks Yew for a refresh now and then. Dropping its handle cancels it; it stops while the
//! page is scrolled out of view.

use super::dots;
use crate::model::pace::Refreshes;
use crate::model::{Action, Changed, FrameTimes, Playground};
use gloo::render::{request_animation_frame, AnimationFrame};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

/// The loop and what it drives.
pub(crate) struct FrameLoop {
    pub playground: Rc<RefCell<Playground>>,
    /// The dot layers.
    pub canvas: NodeRef,
    pub side_canvas: NodeRef,
    /// With reduced motion no dots are drawn (the links count what is on them instead).
    pub reduced_motion: Rc<Cell<bool>>,
    /// Re-renders the page.
    pub refresh: Callback<()>,
    pub last_frame_ms: Cell<Option<f64>>,
    /// When the numbers are refreshed next (less often when a refresh is heavy).
    pub refreshes: Rc<RefCell<Refreshes>>,
    pub handle: RefCell<Option<AnimationFrame>>,
    /// Wall time of each recent frame's work (simulation step plus drawing), for `make bench`.
    pub work_ms: RefCell<FrameTimes>,
    /// False while the playground is scrolled out of view (an embed below the fold): then no
    /// frames run at all, and the simulation waits.
    pub visible: Cell<bool>,
    /// Runs once, in a task of its own after the first frame (so after the first paint).
    pub after_first_frame: RefCell<Option<Box<dyn FnOnce()>>>,
}

impl FrameLoop {
    pub fn schedule(self: &Rc<Self>) {
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
    pub fn set_visible(self: &Rc<Self>, visible: bool) {
        self.visible.set(visible);
        if visible && self.handle.borrow().is_none() {
            self.last_frame_ms.set(None);
            self.schedule();
        }
    }

    /// Stops for good.
    pub fn stop(&self) {
        self.visible.set(false);
        self.handle.borrow_mut().take();
    }

    fn frame(&self, timestamp_ms: f64) {
        let elapsed_ms = self
            .last_frame_ms
            .replace(Some(timestamp_ms))
            .map_or(0.0, |last| timestamp_ms - last);
        let started_ms = super::now_ms();
        let mut playground = self.playground.borrow_mut();
        let result = playground.update(&Action::Advance {
            wall_elapsed_ms: elapsed_ms,
        });
        let simulated_ms = super::now_ms();
        let canvas = self.canvas.cast::<HtmlCanvasElement>();
        let moving = !self.reduced_motion.get();
        let camera = playground.camera();
        if let Some(canvas) = &canvas {
            if moving {
                dots::draw(canvas, playground.main_mut(), &camera);
            } else {
                dots::clear(canvas);
            }
        }
        if let (Some(canvas), Some(side)) = (
            self.side_canvas.cast::<HtmlCanvasElement>(),
            playground.side_mut(),
        ) {
            if moving {
                dots::draw(&canvas, side, &camera);
            } else {
                dots::clear(&canvas);
            }
        }
        let in_flight = playground.main().simulation().in_flight_count();
        if result == Ok(Changed::Opened) {
            super::remember_reproduction(&playground);
        }
        let finished_ms = super::now_ms();
        let work_ms = finished_ms - started_ms;
        // The next frames simulate as much as fits the frame budget on this machine.
        let _ = playground.update(&Action::FrameWork {
            simulation_ms: simulated_ms - started_ms,
            drawing_ms: finished_ms - simulated_ms,
        });
        let slowed_to = playground.slowed_to();
        // A story playing by itself went to its next step, or ended and saved its clip: the
        // page handles that as it handles the person's actions.
        let stepped = matches!(result, Ok(Changed::Run)) || playground.has_download();
        // A shared run that just opened (or failed to) shows at once, and so does a step.
        let news = stepped || matches!(result, Ok(Changed::Opened) | Err(_));
        let refresh = news || self.refreshes.borrow().due(timestamp_ms);
        let recording = super::clip::recording();
        // The clip's caption changes with the step, so it is read when the numbers are.
        let caption = (recording && refresh)
            .then(|| playground.clip_caption())
            .flatten();
        drop(playground);
        if stepped {
            super::app::after(
                &self.playground,
                &Action::Advance {
                    wall_elapsed_ms: elapsed_ms,
                },
                &result,
            );
        }
        if self.work_ms.borrow().count() == 0 {
            // The first frame: the topology is in the page and this frame paints it.
            super::mark_first_topology();
            if let Some(then) = self.after_first_frame.borrow_mut().take() {
                gloo::timers::callback::Timeout::new(0, then).forget();
            }
        }
        self.work_ms.borrow_mut().record(work_ms);
        if recording {
            super::clip::frame(refresh, caption);
        }
        if refresh {
            self.refreshes.borrow_mut().refreshed(timestamp_ms);
            if let Some(canvas) = &canvas {
                // Read by `make bench`: the frame budget is measured in the real page.
                let times = self.work_ms.borrow();
                let _ = canvas
                    .set_attribute("data-frame-p50-ms", &format!("{:.3}", times.quantile(0.5)));
                let _ = canvas
                    .set_attribute("data-frame-p95-ms", &format!("{:.3}", times.quantile(0.95)));
                let _ = canvas.set_attribute("data-frames", &times.count().to_string());
                let _ = canvas.set_attribute("data-in-flight", &in_flight.to_string());
                // The share of the speed asked for that the run reaches (1 while keeping up).
                let _ =
                    canvas.set_attribute("data-pace", &format!("{:.3}", slowed_to.unwrap_or(1.0)));
            }
            // While a person types in a field, re-rendering would put the old value back.
            if news || !typing_in_a_field() {
                self.refresh.emit(());
                // Yew renders in a microtask queued by the emit; this one runs after it, so it
                // measures what the refresh cost.
                let refreshes = Rc::clone(&self.refreshes);
                let asked_ms = super::now_ms();
                wasm_bindgen_futures::spawn_local(async move {
                    refreshes.borrow_mut().cost(super::now_ms() - asked_ms);
                });
            }
        }
    }
}

/// Whether the focus is in a text field or text area.
fn typing_in_a_field() -> bool {
    web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.active_element())
        .is_some_and(|element| {
            element.tag_name() == "TEXTAREA"
                || (element.tag_name() == "INPUT"
                    && matches!(
                        element.get_attribute("type").as_deref(),
                        Some("text" | "number")
                    ))
        })
}
