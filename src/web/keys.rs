//! The page's keyboard: one listener for the whole page, wherever the focus is (a button that
//! was clicked keeps no key of its own), except in form fields, which keep their keys, and
//! Space on a button the keyboard focused, which presses it. Which
//! key means which action is `crate::shortcuts`; this only reads the event, the focus and the
//! selection, and holds Space (it plays or pauses on release, unless it was held to pan).

use crate::model::{Action, Playground};
use crate::shortcuts::{action_for_key, Modifiers};
use gloo::events::{EventListener, EventListenerOptions};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::Callback;

/// Whether Space is held, and whether it was used to drag the view while held.
pub(crate) type SpaceHold = Rc<(Cell<bool>, Cell<bool>)>;

/// The listeners (key down, key up, what forgets a held Space, and a pointer press); dropping
/// them stops them.
pub(crate) type Listeners = (EventListener, EventListener, [EventListener; 3]);

thread_local! {
    /// Whether the focus last moved with the keyboard (Tab) rather than a pointer press.
    static TABBED: Cell<bool> = const { Cell::new(false) };
}

/// The keyboard moved the focus (the canvas's arrow keys walk its items).
pub(crate) fn focus_moved_by_keyboard() {
    TABBED.set(true);
}

/// Whether the focused element was reached with the keyboard (Tab, then the canvas's arrow
/// keys), not pressed with a pointer.
pub(crate) fn focus_from_keyboard() -> bool {
    TABBED.get()
}

/// Space presses a button that the keyboard focused (Tab), the standard way to press one; on a
/// button that a click left focused, it plays or pauses. (`:focus-visible` cannot tell them
/// apart: any key press makes the focused button match it.)
fn presses_a_button(event: &web_sys::KeyboardEvent) -> bool {
    focus_from_keyboard()
        && event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|element| matches!(element.tag_name().as_str(), "BUTTON" | "SUMMARY"))
}

/// Starts listening to the page's keys.
pub(crate) fn listen(
    playground: &Rc<RefCell<Playground>>,
    dispatch: &Callback<Action>,
    space: &SpaceHold,
) -> Option<Listeners> {
    let (playground, dispatch, space) = (playground.clone(), dispatch.clone(), space.clone());
    // Shortcuts live at page level, wherever the focus is (a button that was clicked
    // keeps no key of its own), except in form fields, which keep their keys.
    let in_a_field = |event: &web_sys::KeyboardEvent| {
        event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|element| {
                matches!(element.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
            })
    };
    let (space_down, space_up) = (space.clone(), space.clone());
    let dispatch_up = dispatch.clone();
    web_sys::window().map(|window| {
        // Not passive: space must not scroll the page or press the focused button.
        let options = EventListenerOptions::enable_prevent_default();
        let down = EventListener::new_with_options(&window, "keydown", options, move |event| {
            let Some(event) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
                return;
            };
            if event.key() == "Tab" {
                TABBED.set(true);
            }
            if event.key() == "Escape" {
                // Closes the Share or Embed panel wherever the focus is.
                dispatch.emit(Action::ClosePanel);
            }
            if in_a_field(event) {
                return;
            }
            if event.key() == " " && presses_a_button(event) {
                return;
            }
            if event.key() == " " && !(event.ctrl_key() || event.meta_key() || event.alt_key()) {
                // Space plays or pauses when it is released, unless it was held to
                // drag the view (Space and a drag pans, as in drawing tools).
                event.prevent_default();
                if !event.repeat() {
                    space_down.0.set(true);
                    space_down.1.set(false);
                }
                return;
            }
            let text_selected = web_sys::window()
                .and_then(|window| window.get_selection().ok().flatten())
                .is_some_and(|selection| !selection.is_collapsed());
            let on_canvas_or_scrubber = web_sys::window()
                .and_then(|window| window.document())
                .and_then(|document| document.active_element())
                .is_some_and(|element| {
                    element
                        .closest("svg.topology, [data-testid=scrubber]")
                        .ok()
                        .flatten()
                        .is_some()
                });
            let modifiers = Modifiers {
                command: event.ctrl_key() || event.meta_key(),
                shift: event.shift_key(),
                alt: event.alt_key(),
                text_selected,
                // On the canvas, the arrow keys move along its items when the keyboard
                // brought the focus there; after a click on a node or a line they turn the
                // story's pages.
                reading: playground.borrow().reading().is_some()
                    && !(on_canvas_or_scrubber && focus_from_keyboard()),
            };
            // A node or link focused on the canvas is what fault keys act on; else
            // the selection.
            let focused = web_sys::window()
                .and_then(|window| window.document())
                .and_then(|document| document.active_element())
                .and_then(|element| {
                    element
                        .get_attribute("data-node")
                        .map(crate::model::Selection::Node)
                        .or_else(|| {
                            element
                                .get_attribute("data-link")
                                .and_then(|index| index.parse().ok())
                                .map(crate::model::Selection::Link)
                        })
                });
            // A focused item outside the selection wins (the keyboard moved on);
            // inside it, the whole selection counts (a press on a node focuses it;
            // a rectangle selection takes the focus off the canvas).
            let selected = playground.borrow().selected();
            let selected = match focused {
                Some(focused) if !selected.contains(&focused) => vec![focused],
                _ => selected,
            };
            let Some(action) = action_for_key(&event.key(), modifiers, &selected) else {
                return;
            };
            event.prevent_default();
            dispatch.emit(action.unwrap_or_else(|error| Action::Report(error.to_string())));
        });
        // Space on key up: play or pause (a focused button must not be pressed by it).
        let up = EventListener::new_with_options(&window, "keyup", options, move |event| {
            if let Some(event) = event.dyn_ref::<web_sys::KeyboardEvent>() {
                if event.key() == " " && !in_a_field(event) && !presses_a_button(event) {
                    event.prevent_default();
                    let (held, panned) = (space_up.0.replace(false), space_up.1.get());
                    if held && !panned {
                        dispatch_up.emit(Action::TogglePlay);
                    }
                }
            }
        });
        // Space released while the window had no focus: forget it was held.
        let space_lost = space.clone();
        let blur = ["blur", "contextmenu"].map(|kind| {
            let space_lost = space_lost.clone();
            EventListener::new(&window, kind, move |_| {
                space_lost.0.set(false);
                space_lost.1.set(false);
            })
        });
        // A pointer press: whatever it focuses was not reached with the keyboard. Heard in the
        // capture phase, before the canvas stops the event.
        let pressed = EventListener::new_with_options(
            &window,
            "pointerdown",
            EventListenerOptions::run_in_capture_phase(),
            move |_| TABBED.set(false),
        );
        let [blur, contextmenu] = blur;
        (down, up, [blur, contextmenu, pressed])
    })
}
