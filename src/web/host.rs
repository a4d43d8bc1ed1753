//! The embed API's carrier: listens for `postMessage` requests from the page that frames this
//! one, keeps to the origins allowed (this page's own, and the `host` parameter's), hands each
//! request to the model's protocol (`model::host_api`) and posts the replies, the `ready` and
//! `height` messages and, when asked, `metrics` and `state` at an interval.

use crate::model::host_api::{self, Request};
use crate::model::{Action, Changed, Playground, UiError};
use gloo::events::EventListener;
use gloo::timers::callback::Interval;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// Carries out an action the way the page's one dispatch does, and says how it went.
pub(crate) type CarryOut = Rc<dyn Fn(Action) -> Result<Changed, UiError>>;

/// Watches the content's size.
type SizeWatch = (web_sys::ResizeObserver, Closure<dyn FnMut(js_sys::Array)>);

/// What keeps the carrier alive; dropped, it stops.
pub(crate) struct HostLink {
    _message: EventListener,
    _subscription: Rc<RefCell<Option<Interval>>>,
    resize: Option<SizeWatch>,
}

impl Drop for HostLink {
    fn drop(&mut self) {
        if let Some((observer, _)) = &self.resize {
            observer.disconnect();
        }
    }
}

/// The page framing this one, if any.
fn parent() -> Option<web_sys::Window> {
    let window = web_sys::window()?;
    let parent = window.parent().ok().flatten()?;
    (!js_sys::Object::is(&parent, &window)).then_some(parent)
}

/// Posts one of the protocol's messages (JSON text) to `target` for `origin`.
fn post(target: &JsValue, text: &str, origin: &str) {
    let Ok(message) = js_sys::JSON::parse(text) else {
        return;
    };
    let post = js_sys::Reflect::get(target, &JsValue::from_str("postMessage"))
        .ok()
        .and_then(|post| post.dyn_into::<js_sys::Function>().ok());
    if let Some(post) = post {
        let _ = post.call2(target, &message, &JsValue::from_str(origin));
    }
}

/// The height the page wants: an embed fills its frame, so it wants its canvas at the canvas's
/// own proportions (or taller) plus the bars around it, whole (they scroll in at most half of a
/// short frame); the full playground wants its whole content.
fn wanted_height(root: &web_sys::Element) -> f64 {
    let document = root.owner_document();
    let embed = document.as_ref().and_then(|document| {
        document
            .query_selector("[data-testid=embed-root]")
            .ok()
            .flatten()
    });
    let stage = document
        .as_ref()
        .and_then(|document| document.query_selector(".stage").ok().flatten());
    match (embed, stage) {
        (Some(embed), Some(stage)) => {
            let (embed, stage) = (
                embed.get_bounding_client_rect(),
                stage.get_bounding_client_rect(),
            );
            let proportion = crate::model::CANVAS_HEIGHT / crate::model::CANVAS_WIDTH;
            // What the controls' dock hides by scrolling.
            let hidden = document
                .as_ref()
                .and_then(|document| document.query_selector(".embed-dock").ok().flatten())
                .map_or(0, |dock| {
                    (dock.scroll_height() - dock.client_height()).max(0)
                });
            let controls = embed.height() - stage.height() + f64::from(hidden);
            // The dock takes at most half the frame: controls taller than the canvas want a
            // frame twice their height (the canvas gets the other half).
            (controls + stage.width() * proportion).max(2.0 * controls)
        }
        _ => f64::from(root.scroll_height()),
    }
}

thread_local! {
    /// Where unprompted messages go, once listening: the allowed host, or `*`.
    static OUT_ORIGIN: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The story step last told, to tell only changes.
    static STEP_TOLD: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Tells a page framing this one the story step shown, when it changed.
pub(crate) fn tell_step(playground: &Playground) {
    let Some(parent) = parent() else { return };
    let Some(origin) = OUT_ORIGIN.with(|origin| origin.borrow().clone()) else {
        return;
    };
    let message = host_api::step(playground);
    let changed = STEP_TOLD.with(|told| {
        let mut told = told.borrow_mut();
        let changed = *told != message;
        told.clone_from(&message);
        changed
    });
    if let (true, Some(message)) = (changed, message) {
        post(&parent, &message, &origin);
    }
}

/// Starts listening (and says `ready` and the height to a page framing this one).
pub(crate) fn listen(
    playground: &Rc<RefCell<Playground>>,
    carry_out: CarryOut,
    allowed: Option<String>,
) -> Option<HostLink> {
    let window = web_sys::window()?;
    let own = window.location().origin().ok()?;
    // Where unprompted messages go: the allowed host, or any page framing this one (what they
    // say, time and figures of a public simulation, is no secret).
    let out_origin = allowed.clone().unwrap_or_else(|| "*".into());
    OUT_ORIGIN.with(|origin| *origin.borrow_mut() = Some(out_origin.clone()));
    let framed = parent();
    if let Some(parent) = &framed {
        post(parent, &host_api::ready(&playground.borrow()), &out_origin);
        tell_step(&playground.borrow());
    }
    let subscription: Rc<RefCell<Option<Interval>>> = Rc::default();
    let message = {
        let playground = Rc::clone(playground);
        let subscription = Rc::clone(&subscription);
        let out_origin = out_origin.clone();
        EventListener::new(&window, "message", move |event| {
            let Some(event) = event.dyn_ref::<web_sys::MessageEvent>() else {
                return;
            };
            let origin = event.origin();
            if origin != own && allowed.as_deref() != Some(origin.as_str()) {
                return;
            }
            let data = event.data();
            let text = data.as_string().or_else(|| {
                js_sys::JSON::stringify(&data)
                    .ok()
                    .and_then(|text| text.as_string())
            });
            let Some(text) = text else { return };
            let Some(source) = event.source().map(JsValue::from) else {
                return;
            };
            let reply = match host_api::read(&text) {
                Err(None) => return,
                Err(Some(reply)) => reply,
                Ok(incoming) => {
                    if let Request::Subscribe(interval_ms) = incoming.request {
                        let playground = Rc::clone(&playground);
                        let target = source.clone();
                        let out_origin = out_origin.clone();
                        *subscription.borrow_mut() = interval_ms.map(|interval_ms| {
                            Interval::new(interval_ms as u32, move || {
                                let playground = playground.borrow();
                                post(&target, &host_api::metrics(&playground), &out_origin);
                                post(&target, &host_api::state(&playground), &out_origin);
                            })
                        });
                    }
                    let actions = host_api::actions(&incoming.request, &playground.borrow());
                    match actions {
                        Err(problem) => host_api::error(incoming.id.clone(), &problem),
                        Ok(actions) => {
                            let refused = actions
                                .into_iter()
                                .find_map(|action| carry_out(action).err());
                            match refused {
                                Some(problem) => {
                                    host_api::error(incoming.id.clone(), &problem.to_string())
                                }
                                None => host_api::done(&incoming),
                            }
                        }
                    }
                }
            };
            post(&source, &reply, &origin);
            post(&source, &host_api::state(&playground.borrow()), &origin);
        })
    };
    // The content's height, whenever it changes: a host script sizes the frame to it.
    let resize = framed.and_then(|parent| {
        let document = window.document()?;
        let root = document.document_element()?;
        let measured = root.clone();
        let last = RefCell::new(0.0);
        let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |_: js_sys::Array| {
            let height = wanted_height(&measured);
            if (height - *last.borrow()).abs() >= 1.0 {
                *last.borrow_mut() = height;
                post(&parent, &host_api::height(height), &out_origin);
            }
        });
        let observer = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()).ok()?;
        observer.observe(&root);
        if let Some(body) = document.body() {
            observer.observe(&body);
        }
        Some((observer, callback))
    });
    Some(HostLink {
        _message: message,
        _subscription: subscription,
        resize,
    })
}
