//! The topology: SVG boxes and links with the canvas dot layer on top. Editable, it has the
//! palette, and pointer input becomes actions: a palette block carried onto the canvas is
//! dropped there, a dragged node is previewed then moved, a line drawn from a node's handle
//! connects it, and a click selects or goes to the model (a message, a link, nothing). The
//! gesture in progress is the only state here; everything it decides is the model's.

use super::topology::{link_view, node_view, pin_view, Focusable};
use crate::model::{Action, Block, Camera, Point, Selection, StageView};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// What the pointer is doing.
#[derive(Clone, Debug, Default, PartialEq)]
enum Gesture {
    /// Nothing.
    #[default]
    Idle,
    /// A palette block is being carried to the canvas from where the pointer went down (in
    /// client pixels: a release within a few pixels of it is a click, not a drop).
    Add(Block, (i32, i32)),
    /// A node is being dragged: where the pointer went down (client pixels: until it goes
    /// past a click's slop, a release is a click), where on the node it holds it (world units
    /// from the centre, kept through the drag), and `moved` once it left its place.
    Move {
        name: String,
        start: (i32, i32),
        grab: Point,
        moved: bool,
    },
    /// A link is being drawn from a node to the pointer.
    Connect { from: String, to: Point },
    /// Two fingers on the canvas: their distance and middle (client pixels) last time.
    Pinch { distance: f64, middle: (f64, f64) },
    /// A selection rectangle is being drawn (Shift and a drag on empty canvas), in world units.
    Area { from: Point, to: Point },
    /// The view is being dragged from empty canvas: where the pointer was last (client
    /// pixels), and whether it moved past a click's slop (until then, a release is a click).
    Pan {
        start: (i32, i32),
        last: (i32, i32),
        moved: bool,
    },
}

/// How far (client pixels) a pointer may move between press and release and still click.
const CLICK_SLOP_PX: i32 = 4;

/// The stage's properties.
#[derive(Properties, PartialEq)]
pub struct StageProps {
    /// What to draw.
    pub view: Rc<StageView>,
    /// The dot layer.
    pub canvas: NodeRef,
    /// Where actions go.
    pub dispatch: Callback<Action>,
    /// The palette, dragging, connecting and selecting work on it.
    #[prop_or_default]
    pub editable: bool,
    /// Not editable: a click on a link switches it (not on a read-only page).
    #[prop_or_default]
    pub switchable: bool,
    /// Where the view looks.
    pub camera: Camera,
    /// What screen readers call this stage (two side by side must differ).
    #[prop_or(AttrValue::Static("Topology"))]
    pub label: AttrValue,
    /// A story is being read: after a click on the canvas, ← and → turn its pages.
    #[prop_or_default]
    pub story_open: bool,
}

/// How the SVG maps the camera's view box onto its box on screen (`xMidYMid meet`: the
/// whole view box, centred, aspect kept): screen pixels per world unit, and where the view
/// box's top left corner is on screen.
fn screen_mapping(svg: &NodeRef, camera: &Camera) -> Option<(f64, f64, f64)> {
    let svg = svg.cast::<web_sys::Element>()?;
    let rect = svg.get_bounding_client_rect();
    if rect.width() <= 0.0 || rect.height() <= 0.0 {
        return None;
    }
    let (_, _, width, height) = camera.view_box();
    let scale = (rect.width() / width).min(rect.height() / height);
    Some((
        scale,
        rect.left() + (rect.width() - width * scale) / 2.0,
        rect.top() + (rect.height() - height * scale) / 2.0,
    ))
}

/// Where a point on screen (client pixels) is in the world.
fn world_point(svg: &NodeRef, camera: &Camera, client_x: i32, client_y: i32) -> Option<Point> {
    let (scale, left, top) = screen_mapping(svg, camera)?;
    let (x, y, _, _) = camera.view_box();
    Some(Point {
        x: x + (f64::from(client_x) - left) / scale,
        y: y + (f64::from(client_y) - top) / scale,
    })
}

/// Notes a finger touching the canvas (on a node or not); with a second finger down, starts a
/// pinch (zoom and pan) whatever the first was doing (a node being dragged goes back to its
/// place) and returns true.
fn finger_down(
    event: &PointerEvent,
    touches: &RefCell<Vec<(i32, (f64, f64))>>,
    gesture: &RefCell<Gesture>,
    svg: &NodeRef,
    dispatch: &Callback<Action>,
) -> bool {
    if event.pointer_type() != "touch" {
        return false;
    }
    let at = (f64::from(event.client_x()), f64::from(event.client_y()));
    let mut fingers = touches.borrow_mut();
    fingers.retain(|(id, _)| *id != event.pointer_id());
    fingers.push((event.pointer_id(), at));
    let [(_, a), (_, b)] = fingers.as_slice() else {
        return false;
    };
    capture(svg, event);
    if let Gesture::Move { moved: true, .. } = *gesture.borrow() {
        dispatch.emit(Action::CancelPreview);
    }
    *gesture.borrow_mut() = Gesture::Pinch {
        distance: (a.0 - b.0).hypot(a.1 - b.1),
        middle: ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0),
    };
    true
}

/// Whether a pointer event happened over the canvas's box on screen.
fn over(svg: &NodeRef, event: &PointerEvent) -> bool {
    svg.cast::<web_sys::Element>().is_some_and(|svg| {
        let rect = svg.get_bounding_client_rect();
        let (x, y) = (f64::from(event.client_x()), f64::from(event.client_y()));
        x >= rect.left() && x <= rect.right() && y >= rect.top() && y <= rect.bottom()
    })
}

/// Where a pointer event is, in world units.
fn canvas_point(svg: &NodeRef, camera: &Camera, event: &PointerEvent) -> Option<Point> {
    world_point(svg, camera, event.client_x(), event.client_y())
}

/// Takes the keyboard's focus off a node or link of the canvas, if one has it.
fn blur_canvas_item() {
    let focused = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.active_element())
        .filter(|element| element.has_attribute("data-item"))
        .and_then(|element| wasm_bindgen::JsCast::dyn_into::<web_sys::SvgElement>(element).ok());
    if let Some(focused) = focused {
        let _ = focused.blur();
    }
}

/// Sends every further event of this pointer to the canvas, wherever it goes (over the side
/// panel, out of the window), so a drag always ends where it is released.
fn capture(svg: &NodeRef, event: &PointerEvent) {
    if let Some(svg) = svg.cast::<web_sys::Element>() {
        let _ = svg.set_pointer_capture(event.pointer_id());
    }
}

/// The topology with its dot layer (and, editable, the palette).
#[function_component]
pub fn Stage(props: &StageProps) -> Html {
    let svg = use_node_ref();
    let gesture = use_mut_ref(Gesture::default);
    let focused = use_state(|| 0usize);
    // The fingers on the canvas: pointer id and client position.
    let touches = use_mut_ref(Vec::<(i32, (f64, f64))>::new);
    let redraw = use_force_update();
    let dispatch = &props.dispatch;
    let editable = props.editable;
    // Ends a gesture without doing it: the pointer was cancelled, or Escape was pressed.
    let cancel = {
        let (gesture, dispatch, redraw) = (gesture.clone(), dispatch.clone(), redraw.clone());
        Callback::from(move |()| {
            let current = std::mem::take(&mut *gesture.borrow_mut());
            match current {
                Gesture::Idle => {}
                Gesture::Move { moved: true, .. } => dispatch.emit(Action::CancelPreview),
                _ => redraw.force_update(),
            }
        })
    };
    // Space held: a drag anywhere on the canvas, even from a node, pans the view.
    let space_held = use_mut_ref(|| false);
    {
        // Escape cancels a drag in progress (the page's own Escape handling goes on as usual).
        let cancel = cancel.clone();
        let space_held = space_held.clone();
        use_effect_with(editable, move |editable| {
            let escape = (*editable).then(|| {
                web_sys::window().map(|window| {
                    gloo::events::EventListener::new(&window, "keydown", move |event| {
                        let escape = wasm_bindgen::JsCast::dyn_ref::<web_sys::KeyboardEvent>(event)
                            .is_some_and(|event| event.key() == "Escape");
                        if escape {
                            cancel.emit(());
                        }
                    })
                })
            });
            let space = web_sys::window().map(|window| {
                let (down, up, released) = (space_held.clone(), space_held.clone(), space_held);
                let is_space = |event: &web_sys::Event| {
                    wasm_bindgen::JsCast::dyn_ref::<web_sys::KeyboardEvent>(event)
                        .is_some_and(|event| event.key() == " ")
                };
                (
                    gloo::events::EventListener::new(&window, "keydown", move |event| {
                        if is_space(event) {
                            *down.borrow_mut() = true;
                        }
                    }),
                    gloo::events::EventListener::new(&window, "keyup", move |event| {
                        if is_space(event) {
                            *up.borrow_mut() = false;
                        }
                    }),
                    // A key released while the window had no focus never comes up here.
                    gloo::events::EventListener::new(&window, "blur", move |_| {
                        *released.borrow_mut() = false;
                    }),
                )
            });
            move || drop((escape, space))
        });
    }
    let camera = props.camera;
    let on_move = {
        let (svg, gesture, dispatch, redraw) = (
            svg.clone(),
            gesture.clone(),
            dispatch.clone(),
            redraw.clone(),
        );
        let touches = touches.clone();
        Callback::from(move |event: PointerEvent| {
            if event.pointer_type() == "touch" {
                let at = (f64::from(event.client_x()), f64::from(event.client_y()));
                let mut fingers = touches.borrow_mut();
                if let Some(finger) = fingers.iter_mut().find(|(id, _)| *id == event.pointer_id()) {
                    finger.1 = at;
                }
                if let (Gesture::Pinch { distance, middle }, [(_, a), (_, b)]) =
                    (&mut *gesture.borrow_mut(), fingers.as_slice())
                {
                    let now = (
                        (a.0 - b.0).hypot(a.1 - b.1),
                        ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0),
                    );
                    let scale = screen_mapping(&svg, &camera).map_or(1.0, |(scale, _, _)| scale);
                    if let Some(anchor) =
                        world_point(&svg, &camera, now.1 .0 as i32, now.1 .1 as i32)
                    {
                        if *distance > 0.0 {
                            dispatch.emit(Action::Zoom {
                                factor: now.0 / *distance,
                                x: anchor.x,
                                y: anchor.y,
                            });
                        }
                    }
                    dispatch.emit(Action::Pan {
                        dx: -(now.1 .0 - middle.0) / scale,
                        dy: -(now.1 .1 - middle.1) / scale,
                    });
                    (*distance, *middle) = now;
                    return;
                }
            }
            if event.buttons() == 0 && !matches!(*gesture.borrow(), Gesture::Idle) {
                // The release happened where this canvas did not hear it: the gesture is over.
                drop(std::mem::take(&mut *gesture.borrow_mut()));
                dispatch.emit(Action::CancelPreview);
                return;
            }
            let Some(point) = canvas_point(&svg, &camera, &event) else {
                return;
            };
            let mut current = gesture.borrow_mut();
            match &mut *current {
                Gesture::Pan { start, last, moved } => {
                    let client = (event.client_x(), event.client_y());
                    let (dx, dy) = (client.0 - start.0, client.1 - start.1);
                    if !*moved && dx * dx + dy * dy > CLICK_SLOP_PX * CLICK_SLOP_PX {
                        // A drag, not a click: the canvas keeps the pointer from now on.
                        *moved = true;
                        capture(&svg, &event);
                    }
                    if *moved {
                        let scale =
                            screen_mapping(&svg, &camera).map_or(1.0, |(scale, _, _)| scale);
                        let (dx, dy) = (client.0 - last.0, client.1 - last.1);
                        *last = client;
                        drop(current);
                        dispatch.emit(Action::Pan {
                            dx: -f64::from(dx) / scale,
                            dy: -f64::from(dy) / scale,
                        });
                    }
                }
                Gesture::Move {
                    name,
                    start,
                    grab,
                    moved,
                } => {
                    let (dx, dy) = (event.client_x() - start.0, event.client_y() - start.1);
                    *moved |= dx * dx + dy * dy > CLICK_SLOP_PX * CLICK_SLOP_PX;
                    if !*moved {
                        return;
                    }
                    let (name, grab) = (name.clone(), *grab);
                    drop(current);
                    dispatch.emit(Action::PreviewMove {
                        name,
                        x: point.x - grab.x,
                        y: point.y - grab.y,
                    });
                }
                Gesture::Connect { to, .. } => {
                    *to = point;
                    drop(current);
                    redraw.force_update();
                }
                Gesture::Area { to, .. } => {
                    *to = point;
                    drop(current);
                    redraw.force_update();
                }
                Gesture::Idle | Gesture::Add(..) | Gesture::Pinch { .. } => {}
            }
        })
    };
    let on_up = {
        let (svg, gesture, dispatch, redraw) = (
            svg.clone(),
            gesture.clone(),
            dispatch.clone(),
            redraw.clone(),
        );
        let touches = touches.clone();
        Callback::from(move |event: PointerEvent| {
            touches
                .borrow_mut()
                .retain(|(id, _)| *id != event.pointer_id());
            let current = std::mem::take(&mut *gesture.borrow_mut());
            let Some(Point { x, y }) = canvas_point(&svg, &camera, &event) else {
                return;
            };
            dispatch.emit(match current {
                // No gesture began on the canvas (or it was cancelled, or a pinch ended): a
                // release alone is not a click.
                Gesture::Idle | Gesture::Pinch { .. } => return,
                // A press and release on empty canvas is a click: on the editable canvas the
                // model decides what it lands on; elsewhere links switch by their own click.
                Gesture::Pan { moved: false, .. } if editable => Action::ClickAt { x, y },
                Gesture::Pan { moved: false, .. } => Action::LookAt { x, y },
                Gesture::Pan { .. } => return,
                Gesture::Add(block, (x0, y0)) => {
                    let (dx, dy) = (event.client_x() - x0, event.client_y() - y0);
                    if dx * dx + dy * dy <= CLICK_SLOP_PX * CLICK_SLOP_PX {
                        // Pressed and released on the button: a click, placed at a free spot.
                        Action::Place(block)
                    } else if over(&svg, &event) {
                        Action::Drop { block, x, y }
                    } else {
                        // Carried off and let go away from the canvas: nothing is added.
                        return;
                    }
                }
                Gesture::Move {
                    name,
                    grab,
                    moved: true,
                    ..
                } => Action::Edit(Box::new(crate::model::editor::Edit::Move {
                    name,
                    x: x - grab.x,
                    y: y - grab.y,
                })),
                // Shift+click adds a node to the selection (or takes it out).
                Gesture::Move {
                    name, moved: false, ..
                } if event.shift_key() => Action::SelectAlso(name),
                Gesture::Move {
                    name, moved: false, ..
                } => Action::Select(Some(Selection::Node(name))),
                Gesture::Area { from, .. } => {
                    redraw.force_update();
                    Action::SelectArea {
                        x0: from.x,
                        y0: from.y,
                        x1: x,
                        y1: y,
                    }
                }
                Gesture::Connect { from, .. } => {
                    redraw.force_update();
                    Action::ConnectTo {
                        from,
                        through_queue: event.shift_key(),
                        x,
                        y,
                    }
                }
            });
        })
    };
    let on_cancel = {
        let touches = touches.clone();
        cancel.reform(move |event: PointerEvent| {
            touches
                .borrow_mut()
                .retain(|(id, _)| *id != event.pointer_id());
        })
    };
    let node_down = |name: &str, center: Point| {
        let (gesture, svg, name) = (gesture.clone(), svg.clone(), name.to_string());
        let (space_held, touches, dispatch) =
            (space_held.clone(), touches.clone(), dispatch.clone());
        Callback::from(move |event: PointerEvent| {
            if finger_down(&event, &touches, &gesture, &svg, &dispatch) {
                // Two fingers, even both on the node: a pinch, not a drag.
                event.prevent_default();
                event.stop_propagation();
                return;
            }
            // The pressed node takes the keyboard's focus, so the keys act on what was pressed.
            // (Yew delegates events, so the node is found from what was hit.)
            if let Some(node) = event
                .target()
                .and_then(|target| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(target).ok())
                .and_then(|hit| hit.closest("[data-item]").ok().flatten())
                .and_then(|item| wasm_bindgen::JsCast::dyn_into::<web_sys::SvgElement>(item).ok())
            {
                let _ = node.focus();
            }
            // No text selection, no focus change: this is a drag.
            event.prevent_default();
            event.stop_propagation();
            capture(&svg, &event);
            if *space_held.borrow() {
                let at = (event.client_x(), event.client_y());
                *gesture.borrow_mut() = Gesture::Pan {
                    start: at,
                    last: at,
                    moved: true,
                };
                return;
            }
            // Held where it was grabbed: the node keeps its offset from the pointer.
            let grab = canvas_point(&svg, &camera, &event).map_or(Point::default(), |at| Point {
                x: at.x - center.x,
                y: at.y - center.y,
            });
            *gesture.borrow_mut() = Gesture::Move {
                name: name.clone(),
                start: (event.client_x(), event.client_y()),
                grab,
                moved: false,
            };
        })
    };
    let handle_down = |name: &str| {
        let (gesture, svg, name) = (gesture.clone(), svg.clone(), name.to_string());
        Callback::from(move |event: PointerEvent| {
            event.prevent_default();
            event.stop_propagation();
            capture(&svg, &event);
            let to = canvas_point(&svg, &camera, &event).unwrap_or_default();
            *gesture.borrow_mut() = Gesture::Connect {
                from: name.clone(),
                to,
            };
        })
    };
    let pan_down = {
        let (gesture, svg, touches) = (gesture.clone(), svg.clone(), touches.clone());
        let dispatch = dispatch.clone();
        Callback::from(move |event: PointerEvent| {
            if finger_down(&event, &touches, &gesture, &svg, &dispatch) {
                return;
            }
            if event.button() != 0 {
                return;
            }
            if editable && event.shift_key() {
                // Shift and a drag on empty canvas: a selection rectangle.
                if let Some(from) = canvas_point(&svg, &camera, &event) {
                    event.prevent_default();
                    capture(&svg, &event);
                    // The keys act on the group being selected, not on a focused item.
                    blur_canvas_item();
                    *gesture.borrow_mut() = Gesture::Area { from, to: from };
                }
                return;
            }
            let at = (event.client_x(), event.client_y());
            *gesture.borrow_mut() = Gesture::Pan {
                start: at,
                last: at,
                moved: false,
            };
        })
    };
    {
        // Ctrl+wheel (and a trackpad's pinch) zooms at the pointer. A native listener: the
        // page must not zoom or scroll instead, so it is not passive.
        let (svg, dispatch) = (svg.clone(), dispatch.clone());
        use_effect_with(camera, move |camera| {
            let camera = *camera;
            let listener = svg.cast::<web_sys::Element>().map(|element| {
                let options = gloo::events::EventListenerOptions::enable_prevent_default();
                let svg = svg.clone();
                gloo::events::EventListener::new_with_options(
                    &element,
                    "wheel",
                    options,
                    move |event| {
                        let Some(wheel) =
                            wasm_bindgen::JsCast::dyn_ref::<web_sys::WheelEvent>(event)
                        else {
                            return;
                        };
                        if !wheel.ctrl_key() {
                            return;
                        }
                        wheel.prevent_default();
                        if let Some(at) =
                            world_point(&svg, &camera, wheel.client_x(), wheel.client_y())
                        {
                            let factor = (-wheel.delta_y() / 300.0).exp();
                            dispatch.emit(Action::Zoom {
                                factor,
                                x: at.x,
                                y: at.y,
                            });
                        }
                    },
                )
            });
            move || drop(listener)
        });
    }
    let palette_down = |block: Block| {
        let (gesture, svg) = (gesture.clone(), svg.clone());
        Callback::from(move |event: PointerEvent| {
            // The button keeps no focus (Space must stay play/pause) and the drag is the canvas's.
            event.prevent_default();
            capture(&svg, &event);
            *gesture.borrow_mut() = Gesture::Add(block, (event.client_x(), event.client_y()));
        })
    };
    // From the keyboard (Enter on the button): a pointer's click is handled on release above.
    let palette_click = |block: Block| {
        let dispatch = dispatch.clone();
        Callback::from(move |event: MouseEvent| {
            if event.detail() == 0 {
                dispatch.emit(Action::Place(block));
            }
        })
    };
    let view = &props.view;
    // The keyboard path: one item of the canvas is in the tab order at a time (roving
    // tabindex), the arrow keys move along the nodes and then the links, Enter opens the
    // focused item in the inspector. Fault keys act on the focused item (the page's key
    // handler reads `data-node` and `data-link`).
    let items = view.nodes.len() + view.links.len();
    let roving = (*focused).min(items.saturating_sub(1));
    let on_key = {
        let (svg, dispatch, view, editable) =
            (svg.clone(), dispatch.clone(), props.view.clone(), editable);
        let story_open = props.story_open;
        Callback::from(move |event: KeyboardEvent| {
            let Some(current) = event
                .target()
                .and_then(|target| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(target).ok())
                .and_then(|element| element.get_attribute("data-item"))
                .and_then(|item| item.parse::<usize>().ok())
            else {
                return;
            };
            let count = view.nodes.len() + view.links.len();
            let story_keys = matches!(event.key().as_str(), "ArrowLeft" | "ArrowRight")
                && story_open
                && !crate::web::keys::focus_from_keyboard();
            if story_keys {
                // A click put the focus here: the arrows turn the story's pages (the page's
                // key handler), not the focus.
                return;
            }
            let next = match event.key().as_str() {
                "ArrowRight" | "ArrowDown" => (current + 1) % count.max(1),
                "ArrowLeft" | "ArrowUp" => (current + count.max(1) - 1) % count.max(1),
                "Home" => 0,
                "End" => count.saturating_sub(1),
                "Enter" if editable => {
                    event.prevent_default();
                    let selection = match view.nodes.get(current) {
                        Some(node) => Selection::Node(node.name.clone()),
                        None => Selection::Link(current - view.nodes.len()),
                    };
                    dispatch.emit(Action::Select(Some(selection)));
                    return;
                }
                _ => return,
            };
            event.prevent_default();
            crate::web::keys::focus_moved_by_keyboard();
            let target = svg
                .cast::<web_sys::Element>()
                .and_then(|svg| {
                    svg.query_selector(&format!("[data-item=\"{next}\"]"))
                        .ok()
                        .flatten()
                })
                .and_then(|element| {
                    wasm_bindgen::JsCast::dyn_into::<web_sys::SvgElement>(element).ok()
                });
            if let Some(target) = target {
                let _ = target.focus();
            }
        })
    };
    let focusable = |item: usize| Focusable {
        item,
        tabindex: if item == roving { "0" } else { "-1" },
        onfocus: {
            let focused = focused.clone();
            Callback::from(move |_: FocusEvent| focused.set(item))
        },
    };
    let view_box = {
        let (x, y, width, height) = camera.view_box();
        format!("{x:.1} {y:.1} {width:.1} {height:.1}")
    };
    let zoom_bar = html! {
        <div class="zoom-bar" role="group" aria-label="Zoom">
            <button class="small" data-testid="zoom-out" title="Zoom out (-)" aria-label="Zoom out"
                onclick={dispatch.reform(|_: MouseEvent| Action::ZoomStep(-1))}>{"−"}</button>
            <button class="small" data-testid="zoom-in" title="Zoom in (+, or Ctrl+wheel)" aria-label="Zoom in"
                onclick={dispatch.reform(|_: MouseEvent| Action::ZoomStep(1))}>{"+"}</button>
            <button class="small" data-testid="fit-view" title="Fit everything in view (0)"
                onclick={dispatch.reform(|_: MouseEvent| Action::FitView)}>{"Fit"}</button>
        </div>
    };
    let area = match &*gesture.borrow() {
        Gesture::Area { from, to } => Some((*from, *to)),
        _ => None,
    };
    let connecting = match &*gesture.borrow() {
        Gesture::Connect { from, to } => view
            .nodes
            .iter()
            .find(|node| node.name == *from)
            .map(|node| (node.center, *to)),
        _ => None,
    };
    html! {
        <section class="stage" aria-label={props.label.clone()}>
            <svg ref={svg.clone()} class="topology" viewBox={view_box} role="group" onkeydown={on_key} onpointerdown={pan_down}
                aria-label={view.title.clone()}
                onpointermove={on_move} onpointerup={on_up} onpointercancel={on_cancel}>
                <defs>
                    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
                    </marker>
                    <marker id="pin-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" class="pin-head" />
                    </marker>
                    <pattern id="grid" width="20" height="20" patternUnits="userSpaceOnUse">
                        <circle cx="0" cy="0" r="1" class="grid-dot" />
                    </pattern>
                </defs>
                if editable {
                    <rect x="-2000" y="-2000" width="6000" height="5000" fill="url(#grid)" class="grid" />
                }
                { for view.links.iter().map(|link| {
                    let onclick = (!editable && props.switchable).then(|| {
                        let index = link.index;
                        dispatch.reform(move |_: MouseEvent| Action::ToggleLinkKind(index))
                    });
                    link_view(link, onclick, focusable(view.nodes.len() + link.index))
                }) }
                { for view.nodes.iter().enumerate().map(|(index, node)| {
                    let handlers = editable.then(|| (node_down(&node.name, node.center), handle_down(&node.name)));
                    node_view(node, handlers, focusable(index))
                }) }
                { for view.pins.iter().map(pin_view) }
                if view.nodes.is_empty() {
                    // An empty canvas says how to start, in the middle of the view.
                    <text class="empty-hint" data-testid="empty-hint" x={format!("{:.1}", camera.x)}
                        y={format!("{:.1}", camera.y)} text-anchor="middle">
                        <tspan x={format!("{:.1}", camera.x)} dy="-0.6em">{"Nothing here yet: add a load source and a service (+ Load source, + Service),"}</tspan>
                        <tspan x={format!("{:.1}", camera.x)} dy="1.4em">{"drag from the dot on a node's right edge to another to connect them, or pick a preset."}</tspan>
                    </text>
                }
                if let Some((from, to)) = area {
                    <rect class="selecting" x={from.x.min(to.x).to_string()} y={from.y.min(to.y).to_string()}
                        width={(from.x - to.x).abs().to_string()} height={(from.y - to.y).abs().to_string()} />
                }
                if let Some((from, to)) = connecting {
                    <line class="connecting" x1={from.x.to_string()} y1={from.y.to_string()} x2={to.x.to_string()} y2={to.y.to_string()} />
                }
            </svg>
            <canvas ref={props.canvas.clone()} class="dots" aria-hidden="true"></canvas>
            {zoom_bar}
            if editable {
                <div class="palette" role="group" aria-label="Add to the canvas">
                    <button data-testid="palette-service" class="small" title="Drag onto the canvas (or click) to add a service"
                        onpointerdown={palette_down(Block::Service)} onclick={palette_click(Block::Service)}>
                        {"+ Service"}</button>
                    <button data-testid="palette-client" class="small" title="Drag onto the canvas (or click) to add a load source"
                        onpointerdown={palette_down(Block::Client)} onclick={palette_click(Block::Client)}>
                        {"+ Load source"}</button>
                    <button data-testid="palette-queue" class="small" title="Drag onto a link to put a broker queue in it"
                        onpointerdown={palette_down(Block::Queue)} onclick={palette_click(Block::Queue)}>
                        {"+ Queue"}</button>
                </div>
            }
        </section>
    }
}
