//! Pointer input on the canvas turned into plain edits: dragging a palette block onto the
//! canvas adds a node, dragging a node moves it (live, committed on release), dragging from a
//! node's handle to another node connects them, and a click selects. The gesture in progress
//! lives here, outside Yew's state; only its effects go through the dispatcher.

use crate::editor::Edit;
use crate::model::{Point, Runner, Selection, UiAction, CANVAS_HEIGHT, CANVAS_WIDTH};
use cascade_sim::LinkKind;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// What the pointer is doing.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) enum Gesture {
    /// Nothing.
    #[default]
    Idle,
    /// A palette block is being carried to the canvas.
    Add(Block),
    /// A node is being dragged; `moved` once it left its place.
    Move { name: String, moved: bool },
    /// A link is being drawn from a node to the pointer.
    Connect { from: String, to: Point },
}

/// A palette block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Block {
    Service,
    Client,
    /// Dropped on a link, puts a broker queue in it (the link becomes async).
    Queue,
}

/// Everything the canvas needs to turn pointer input into actions.
#[derive(Clone)]
pub(crate) struct Editing {
    pub svg: NodeRef,
    pub gesture: Rc<RefCell<Gesture>>,
    pub runner: Rc<RefCell<Runner>>,
    pub dispatch: Callback<UiAction>,
    pub redraw: Callback<()>,
}

impl Editing {
    /// Where a pointer event is, in canvas units.
    pub fn point(&self, event: &PointerEvent) -> Option<Point> {
        let svg = self.svg.cast::<web_sys::Element>()?;
        let rect = svg.get_bounding_client_rect();
        if rect.width() <= 0.0 || rect.height() <= 0.0 {
            return None;
        }
        Some(Point {
            x: (f64::from(event.client_x()) - rect.left()) * CANVAS_WIDTH / rect.width(),
            y: (f64::from(event.client_y()) - rect.top()) * CANVAS_HEIGHT / rect.height(),
        })
    }

    /// Pointer down on a node: the start of a move (or a click).
    pub fn on_node_down(&self, name: String) -> Callback<PointerEvent> {
        let gesture = self.gesture.clone();
        Callback::from(move |event: PointerEvent| {
            event.stop_propagation();
            *gesture.borrow_mut() = Gesture::Move {
                name: name.clone(),
                moved: false,
            };
        })
    }

    /// Pointer down on a node's handle: the start of a new link.
    pub fn on_handle_down(&self, name: String) -> Callback<PointerEvent> {
        let editing = self.clone();
        Callback::from(move |event: PointerEvent| {
            event.stop_propagation();
            let to = editing.point(&event).unwrap_or_default();
            *editing.gesture.borrow_mut() = Gesture::Connect {
                from: name.clone(),
                to,
            };
        })
    }

    /// Pointer down on a palette block.
    pub fn on_palette_down(&self, block: Block) -> Callback<PointerEvent> {
        let gesture = self.gesture.clone();
        Callback::from(move |_: PointerEvent| *gesture.borrow_mut() = Gesture::Add(block))
    }

    /// A click on a palette block that was not dragged (keyboard, or a plain click): the new
    /// node goes to a free-looking spot.
    pub fn on_palette_click(&self, block: Block) -> Callback<MouseEvent> {
        let editing = self.clone();
        Callback::from(move |_: MouseEvent| {
            *editing.gesture.borrow_mut() = Gesture::Idle;
            let count = editing.runner.borrow().scenario().node_names().count() as f64;
            let (x, y) = (
                160.0 + (count * 97.0) % 680.0,
                80.0 + (count * 131.0) % 400.0,
            );
            editing.dispatch.emit(add(block, x, y));
        })
    }

    pub fn on_move(&self) -> Callback<PointerEvent> {
        let editing = self.clone();
        Callback::from(move |event: PointerEvent| {
            let Some(point) = editing.point(&event) else {
                return;
            };
            let mut gesture = editing.gesture.borrow_mut();
            match &mut *gesture {
                Gesture::Move { name, moved } => {
                    *moved = true;
                    editing
                        .runner
                        .borrow_mut()
                        .preview_move(name, point.x, point.y);
                }
                Gesture::Connect { to, .. } => *to = point,
                Gesture::Idle | Gesture::Add(_) => return,
            }
            drop(gesture);
            editing.redraw.emit(());
        })
    }

    pub fn on_up(&self) -> Callback<PointerEvent> {
        let editing = self.clone();
        Callback::from(move |event: PointerEvent| {
            let gesture = std::mem::take(&mut *editing.gesture.borrow_mut());
            let Some(point) = editing.point(&event) else {
                return;
            };
            let target = {
                let runner = editing.runner.borrow();
                runner.layout().node_at(point).and_then(|id| {
                    runner
                        .simulation()
                        .nodes()
                        .nth(id.index())
                        .map(|node| node.name.to_string())
                })
            };
            // Which link, if any, the click landed on (its group says "link-N").
            let link = event
                .target()
                .and_then(|target| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(target).ok())
                .and_then(|element| element.closest(".link").ok().flatten())
                .and_then(|group| group.get_attribute("data-testid"))
                .and_then(|id| {
                    id.strip_prefix("link-")
                        .and_then(|index| index.parse().ok())
                });
            let action = match gesture {
                Gesture::Idle => UiAction::ClickAt {
                    x: point.x,
                    y: point.y,
                    link,
                },
                Gesture::Add(Block::Queue) => match link {
                    Some(index) => UiAction::Command(Box::new(cascade_sim::Command::SetLinkKind {
                        link: index as u32,
                        kind: LinkKind::Async,
                    })),
                    None => {
                        UiAction::Hint("drop the queue onto a link to make it asynchronous".into())
                    }
                },
                Gesture::Add(block) => add(block, point.x, point.y),
                Gesture::Move { name, moved: true } => UiAction::Edit(Box::new(Edit::Move {
                    name,
                    x: point.x,
                    y: point.y,
                })),
                Gesture::Move { name, moved: false } => {
                    UiAction::Select(Some(Selection::Node(name)))
                }
                Gesture::Connect { from, .. } => match target {
                    Some(to) if to != from => UiAction::Edit(Box::new(Edit::Connect {
                        from,
                        to,
                        kind: LinkKind::Sync,
                    })),
                    _ => {
                        editing.redraw.emit(());
                        return;
                    }
                },
            };
            editing.dispatch.emit(action);
        })
    }
}

fn add(block: Block, x: f64, y: f64) -> UiAction {
    match block {
        Block::Service => UiAction::Edit(Box::new(Edit::AddService { x, y })),
        Block::Client => UiAction::Edit(Box::new(Edit::AddClient { x, y })),
        Block::Queue => UiAction::Hint("drop the queue onto a link to make it asynchronous".into()),
    }
}
