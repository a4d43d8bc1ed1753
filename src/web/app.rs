//! The playground screen: the hooks, the one dispatch, and the layout of the components.
//! Everything the page does is an [`Action`] for the [`Playground`]; this file only wires the
//! browser to it: the frame loop, the page-level keys, a link pasted into the address bar,
//! and what a change means for the address, the autosave and downloads.

use super::components::cards::{
    figures_card, files_card, legend, side_header, story_card, story_reader,
};
use super::components::charts::Charts;
use super::components::controls::timeline_bar;
use super::components::embed_view::EmbedView;
use super::components::event_log::{EventLog, RequestPath};
use super::components::faults::FaultControls;
use super::components::inspector::Inspector;
use super::components::stage::Stage;
use super::components::top_bar::{Messages, TopBar};
use super::frame_loop::FrameLoop;
use super::host::CarryOut;
use crate::model::share;
use crate::model::{Action, Changed, Download, FrameTimes, Panel, Playground};
use gloo::events::EventListener;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

/// Wall-clock milliseconds a page load spends replaying a shared run before it shows the
/// page and finishes the replay frame by frame.
const BOOT_REPLAY_MS: f64 = 250.0;
/// Milliseconds after mounting by which the whole page is rendered even if no frame ran.
const FULL_RENDER_LATEST_MS: u32 = 500;

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now())
}

/// The browser's reduced-motion setting, watched for changes.
fn prefers_reduced_motion() -> Option<web_sys::MediaQueryList> {
    web_sys::window()?
        .match_media("(prefers-reduced-motion: reduce)")
        .ok()
        .flatten()
}

/// How the page starts: the model boots from the address, the page options and the
/// autosave, then a shared run replays for a moment before the page shows.
fn boot() -> Playground {
    let page = super::page_options();
    super::set_theme(page.theme);
    let saved = if page.embed {
        None
    } else {
        super::load_saved_run()
    };
    let mut playground = Playground::boot(page, &super::fragment(), saved);
    super::mark("cascade-booted");
    let deadline = now_ms() + BOOT_REPLAY_MS;
    while playground.opening().is_some() && now_ms() < deadline {
        let _ = playground.update(&Action::Advance {
            wall_elapsed_ms: 0.0,
        });
    }
    playground
}

/// What a change means for the page around the model: the address no longer describes the
/// run, the scenario is saved, a link goes into the address bar, a file is downloaded.
pub(super) fn after(
    playground: &Rc<RefCell<Playground>>,
    action: &Action,
    result: &Result<Changed, crate::model::UiError>,
) {
    let mut model = playground.borrow_mut();
    let embed = model.page().embed;
    if let Ok(Changed::Run | Changed::Scenario) = result {
        if !embed {
            super::forget_share_fragment();
        }
        if let Some(run) = model.autosave() {
            super::save_run(&run);
        }
    }
    if let (Action::OpenShare, Ok(_), Some(Panel::Share { fragment })) =
        (action, result, model.panel())
    {
        super::show_fragment(fragment);
    }
    if matches!(action, Action::ToggleRecording) && model.recording().is_some() {
        if let Err(problem) = super::clip::start(model.clip_caption()) {
            // Not recording after all: the model is told, and the person why.
            let _ = model.update(&Action::RecordingRefused(problem));
        }
    }
    if let Some(download) = model.take_download() {
        drop(model);
        if let Err(problem) = hand_over(playground, download) {
            let _ = playground.borrow_mut().update(&Action::Report(problem));
        }
        model = playground.borrow_mut();
    }
    if let Ok(Changed::Run | Changed::Scenario | Changed::Opened) = result {
        super::remember_reproduction(&model);
        super::host::tell_step(&model);
    }
}

/// Gives a file to the browser (a picture is drawn from the page first).
fn hand_over(playground: &Rc<RefCell<Playground>>, download: Download) -> Result<(), String> {
    if download.media_type == "video/webm" {
        let playground = Rc::clone(playground);
        return super::clip::finish(download.name, move |problem| {
            let _ = playground.borrow_mut().update(&Action::Report(problem));
        });
    }
    if download.media_type != "image/png" {
        return super::files::download_text(&download.name, download.media_type, &download.text);
    }
    let document = web_sys::window().and_then(|window| window.document());
    let find = |selector: &str| {
        document
            .as_ref()
            .and_then(|document| document.query_selector(selector).ok().flatten())
    };
    let svg = find(".stage svg.topology").ok_or("there is no topology to save")?;
    let dots =
        find(".stage canvas.dots").and_then(|canvas| canvas.dyn_into::<HtmlCanvasElement>().ok());
    let playground = Rc::clone(playground);
    super::files::export_png(
        &svg,
        dots.as_ref(),
        &download.text,
        download.name,
        move |problem| {
            let _ = playground.borrow_mut().update(&Action::Report(problem));
        },
    )
}

/// The whole playground.
#[function_component]
pub fn App() -> Html {
    let playground = use_mut_ref(boot);
    let canvas = use_node_ref();
    let side_canvas = use_node_ref();
    let root = use_node_ref();
    let force_update = use_force_update();
    // The first render draws the top bar and the canvas only; the charts, the log and the
    // cards beside the canvas come in the task after the first frame is painted (or after
    // FULL_RENDER_LATEST_MS, when no frame runs: a tab opened in the background).
    let complete = use_mut_ref(|| false);
    // The menu's names.
    let presets = use_memo((), |()| {
        cascade_sim::presets::ALL
            .iter()
            .map(|preset| (preset.id, preset.name.to_string()))
            .collect::<Vec<_>>()
    });
    let stories = use_memo((), |()| {
        cascade_sim::stories::ALL
            .iter()
            .filter_map(|id| Some((*id, cascade_sim::stories::by_id(id)?.title)))
            .collect::<Vec<_>>()
    });
    // Reduced motion: counts on the links instead of moving dots, followed live (the setting
    // can change while the page is open).
    let reduced_motion = use_mut_ref(|| {
        Rc::new(Cell::new(
            prefers_reduced_motion().is_some_and(|query| query.matches()),
        ))
    });
    let reduced_motion = (*reduced_motion.borrow()).clone();
    // On one column (a phone), what was just selected is brought into view once drawn.
    let reveal_inspector = use_mut_ref(|| false);
    // Space held down, and whether it was used to drag the view (then it does not play or
    // pause when released).
    let space = use_mut_ref(|| Rc::new((Cell::new(false), Cell::new(false))));
    let space = (*space.borrow()).clone();
    // The one dispatch: every button, key and gesture ends here.
    // The one door from the page: every button, key, gesture and embed API request ends here.
    let carry_out: CarryOut = {
        let (playground, force_update) = (playground.clone(), force_update.clone());
        let reveal_inspector = reveal_inspector.clone();
        let space = space.clone();
        let memo = use_memo((), move |()| -> CarryOut {
            Rc::new(move |action: Action| {
                if matches!(action, Action::Pan { .. }) && space.0.get() {
                    space.1.set(true);
                }
                let result = playground.borrow_mut().update(&action);
                if result.is_ok()
                    && matches!(action, Action::Select(Some(_)) | Action::SelectAlso(_))
                {
                    *reveal_inspector.borrow_mut() = true;
                }
                after(&playground, &action, &result);
                force_update.force_update();
                result
            })
        });
        (*memo).clone()
    };
    let dispatch = {
        let carry_out = carry_out.clone();
        use_memo((), move |()| {
            Callback::from(move |action: Action| {
                let _ = carry_out(action);
            })
        })
    };
    {
        let reveal_inspector = reveal_inspector.clone();
        use_effect(move || {
            if std::mem::take(&mut *reveal_inspector.borrow_mut()) {
                let window = web_sys::window();
                let narrow = window
                    .as_ref()
                    .and_then(|window| window.inner_width().ok())
                    .and_then(|width| width.as_f64())
                    .is_some_and(|width| width <= 900.0);
                let inspector = window
                    .and_then(|window| window.document())
                    .and_then(|document| {
                        document
                            .query_selector(
                                "[data-testid=inspector], [data-testid=inspector-group]",
                            )
                            .ok()
                            .flatten()
                    });
                if let (true, Some(inspector)) = (narrow, inspector) {
                    inspector.scroll_into_view();
                }
            }
        });
    }
    let dispatch = (*dispatch).clone();
    // The full playground at this run, from an embed.
    let open_full = {
        let playground = playground.clone();
        use_memo((), move |()| {
            Callback::from(move |_: MouseEvent| {
                let Ok((state, _)) = playground.borrow_mut().shareable() else {
                    return;
                };
                let address = format!("{}#{}", super::page_address(), share::encode(&state));
                if let Some(window) = web_sys::window() {
                    let _ = window.open_with_url_and_target(&address, "_blank");
                }
            })
        })
    };

    {
        let (playground, dispatch, root) = (playground.clone(), dispatch.clone(), root.clone());
        let carry_out = carry_out.clone();
        let (canvas, side_canvas) = (canvas.clone(), side_canvas.clone());
        let reduced = reduced_motion.clone();
        let force_update = force_update.clone();
        let complete = complete.clone();
        use_effect_with((), move |_| {
            super::mark("cascade-mounted");
            super::hide_loading();
            super::remember_reproduction(&playground.borrow());
            // A share link pasted into this tab only changes the fragment: open it, or say
            // what is wrong with it and keep the scenario as it is.
            let opened = web_sys::window().map(|window| {
                let dispatch = dispatch.clone();
                EventListener::new(&window, "hashchange", move |_| {
                    match share::decode(&super::fragment()) {
                        Ok(None) => {}
                        Ok(Some(state)) => dispatch.emit(Action::Open(Box::new(state))),
                        Err(error) => dispatch.emit(Action::Report(error.to_string())),
                    }
                })
            });
            let motion = prefers_reduced_motion().map(|query| {
                let (reduced, force_update) = (reduced.clone(), force_update.clone());
                let watched = query.clone();
                EventListener::new(&query, "change", move |_| {
                    reduced.set(watched.matches());
                    force_update.force_update();
                })
            });
            // The person's run is saved when the page goes away (a reload picks it up), unless
            // a share link is in the address (it opens itself again, and must not overwrite
            // the person's own work).
            let leaving = web_sys::window().map(|window| {
                let playground = playground.clone();
                EventListener::new(&window, "pagehide", move |_| {
                    if share::decode(&super::fragment()).ok().flatten().is_none() {
                        if let Some(run) = playground.borrow_mut().autosave() {
                            super::save_run(&run);
                        }
                    }
                })
            });
            // The stage's width, now and on resize: a phone's stage opens large enough to read.
            let stage_width = {
                let dispatch = dispatch.clone();
                let last = Cell::new(0.0);
                move || {
                    let width = web_sys::window()
                        .and_then(|window| window.document())
                        .and_then(|document| document.query_selector(".stage").ok().flatten())
                        .map_or(0.0, |stage| f64::from(stage.client_width()));
                    if width > 0.0 && (width - last.get()).abs() >= 1.0 {
                        last.set(width);
                        dispatch.emit(Action::SetStageWidth(width));
                    }
                }
            };
            stage_width();
            let resized = web_sys::window()
                .map(|window| EventListener::new(&window, "resize", move |_| stage_width()));
            let render_all = {
                let (complete, force_update) = (complete.clone(), force_update.clone());
                move || {
                    if !std::mem::replace(&mut *complete.borrow_mut(), true) {
                        force_update.force_update();
                    }
                }
            };
            let latest = {
                let render_all = render_all.clone();
                gloo::timers::callback::Timeout::new(FULL_RENDER_LATEST_MS, render_all)
            };
            let frame_loop = Rc::new(FrameLoop {
                playground: playground.clone(),
                canvas,
                side_canvas,
                reduced_motion: reduced,
                refresh: Callback::from(move |()| force_update.force_update()),
                last_frame_ms: Cell::new(None),
                refreshes: Rc::default(),
                handle: RefCell::new(None),
                work_ms: RefCell::new(FrameTimes::default()),
                visible: Cell::new(true),
                after_first_frame: RefCell::new(Some(Box::new(render_all))),
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
            let keys = super::keys::listen(&playground, &dispatch, &space);
            let allowed = playground.borrow().page().host.clone();
            let host = super::host::listen(&playground, carry_out, allowed);

            move || {
                frame_loop.stop();
                if let Some((observer, _)) = &observer {
                    observer.disconnect();
                }
                drop((
                    keys, opened, observer, motion, leaving, resized, host, latest,
                ));
            }
        });
    }

    let mut model = playground.borrow_mut();
    let counts = reduced_motion.get();
    let view = Rc::new(model.stage(counts));
    let side_view = model.side_stage(counts).map(Rc::new);
    let model = &*model;
    let now_s = model.now().as_secs_f64();
    let slowed_to = model.slowed_to();
    let camera = model.camera();
    let page = model.page();
    if page.embed {
        let story = model.story();
        return html! {
            <EmbedView {view} side={side_view} canvas={canvas.clone()} side_canvas={side_canvas.clone()}
                root={root.clone()} controls={page.controls} readonly={page.readonly}
                title={story.title} caption={story.caption} figures={model.figures()}
                playing={model.playing()} speed={model.speed()} {now_s} {slowed_to}
                message={model.notice().or(model.stalled()).map(str::to_string)}
                opening={model.opening()} open_full={(*open_full).clone()} {camera} timeline={model.timeline()} reading={model.reading()} recording={model.recording().is_some()} dispatch={dispatch.clone()} />
        };
    }
    let messages = Messages {
        notice: model.notice().map(str::to_string),
        stalled: model.stalled().map(str::to_string),
        opening: model.opening(),
    };
    let main = model.main();
    let complete = *complete.borrow();
    html! {
        <div class="playground" ref={root.clone()} data-testid="playground">
            <TopBar presets={presets.clone()} stories={stories.clone()} reading={model.reading().map(|reading| reading.title)} preset={model.preset_id()} playing={model.playing()} speed={model.speed()}
                seed={main.seed()} {now_s} {slowed_to} comparing={model.comparing()} {messages} panel={model.panel().cloned()}
                snippet={model.snippet().clone()} scenario_name={model.scenario_shown().name.clone()} dispatch={dispatch.clone()} />
            <main class="layout">
                <div class="main-column">
                    if let (Some(side), Some(side_view)) = (model.side(), side_view) {
                        <div class="compare" data-testid="compare-view">
                            <div class="side" data-testid="compare-sync">
                                {side_header(&main.scenario().name, &model.figures(), "compare-sync")}
                                <Stage view={view.clone()} {camera} canvas={canvas.clone()} dispatch={dispatch.clone()} switchable=true label="Topology, every call blocking (sync)" />
                            </div>
                            <div class="side" data-testid="compare-async">
                                {side_header(&side.scenario().name, &crate::model::Figures::of(side), "compare-async")}
                                <Stage view={side_view} {camera} canvas={side_canvas.clone()} dispatch={dispatch.clone()} switchable=true label="Topology, calls between services through queues (async)" />
                            </div>
                        </div>
                        <p class="hint">{"The charts, the figures on the right and the log follow the sync side; both sides get every fault you apply."}</p>
                    } else {
                        <Stage view={view.clone()} {camera} canvas={canvas.clone()} dispatch={dispatch.clone()} editable=true story_open={model.reading().is_some()} />
                    }
                    {timeline_bar(&model.timeline(), &dispatch)}
                    if complete {
                    <Charts charts={Rc::new(model.charts())} />
                    if let Some(path) = model.request_path() {
                        <RequestPath {path} dispatch={dispatch.clone()} />
                    }
                    <EventLog entries={model.log_entries()} filter={model.log_view().0} paused={model.log_view().1} dispatch={dispatch.clone()} />
                    }
                </div>
                if complete {
                <aside class="panel">
                    if let Some(reading) = model.reading() {
                        {story_reader(&reading, &dispatch)}
                    } else {
                        {story_card(&model.story())}
                    }
                    {figures_card(&model.figures())}
                    if let (Some(text), Some(_)) = (model.notice(), model.selection()) {
                        <p class="message card" role="alert" data-testid="inspector-message">{text.to_string()}</p>
                    }
                    if let Some(inspected) = model.inspector() {
                        <Inspector {inspected} dispatch={dispatch.clone()} />
                    }
                    <FaultControls {view} dispatch={dispatch.clone()} />
                    {files_card(&dispatch, model.recording().map(|since| since.as_secs_f64()), now_s, model.reading().is_some())}
                    {legend()}
                </aside>
                }
            </main>
        </div>
    }
}
