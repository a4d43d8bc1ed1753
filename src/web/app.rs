//! The playground screen: the topology drawn in SVG with a dot layer on top, the controls, and
//! the live figures. The simulation runs in an animation-frame loop outside Yew's state; the
//! components re-render about ten times a second to refresh the numbers.

use super::dots;
use crate::model::{
    compact_count, Runner, CANVAS_HEIGHT, CANVAS_WIDTH, NODE_HEIGHT, NODE_WIDTH, QUEUE_HEIGHT,
    QUEUE_WIDTH, SPEEDS,
};
use cascade_sim::{presets, Command, LinkKind, NodeState};
use gloo::events::EventListener;
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
}

impl FrameLoop {
    fn schedule(self: &Rc<Self>) {
        let this = Rc::clone(self);
        let handle = request_animation_frame(move |timestamp_ms| {
            this.frame(timestamp_ms);
            this.schedule();
        });
        *self.handle.borrow_mut() = Some(handle);
    }

    fn frame(&self, timestamp_ms: f64) {
        let elapsed_ms = self
            .last_frame_ms
            .replace(Some(timestamp_ms))
            .map_or(0.0, |last| timestamp_ms - last);
        let mut runner = self.runner.borrow_mut();
        runner.advance(elapsed_ms);
        if let Some(canvas) = self.canvas.cast::<HtmlCanvasElement>() {
            dots::draw(&canvas, &mut runner);
        }
        drop(runner);
        if timestamp_ms - self.last_refresh_ms.get() >= UI_REFRESH_MS {
            self.last_refresh_ms.set(timestamp_ms);
            self.refresh.emit(());
        }
    }
}

/// The whole playground.
#[function_component]
pub fn App() -> Html {
    let runner = use_mut_ref(|| {
        Runner::new(presets::checkout(), DEFAULT_SEED).expect("the built-in preset is valid")
    });
    let canvas = use_node_ref();
    let force_update = use_force_update();

    {
        let runner = runner.clone();
        let canvas = canvas.clone();
        let force_update = force_update.clone();
        use_effect_with((), move |_| {
            super::hide_loading();
            let frame_loop = Rc::new(FrameLoop {
                runner: runner.clone(),
                canvas,
                refresh: Callback::from(move |()| force_update.force_update()),
                last_frame_ms: Cell::new(None),
                last_refresh_ms: Cell::new(0.0),
                handle: RefCell::new(None),
            });
            frame_loop.schedule();
            let keys = web_sys::window().map(|window| {
                let runner = runner.clone();
                EventListener::new(&window, "keydown", move |event| {
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
                    if event.key() == " " && !typing {
                        event.prevent_default();
                        let mut runner = runner.borrow_mut();
                        runner.playing = !runner.playing;
                    }
                })
            });
            move || {
                frame_loop.handle.borrow_mut().take();
                drop(keys);
            }
        });
    }

    let act = {
        let runner = runner.clone();
        let force_update = force_update.clone();
        Callback::from(move |command: Command| {
            if let Err(error) = runner.borrow_mut().apply(command) {
                web_sys::console::warn_1(&error.to_string().into());
            }
            force_update.force_update();
        })
    };
    let toggle_play = {
        let runner = runner.clone();
        let force_update = force_update.clone();
        Callback::from(move |_: MouseEvent| {
            let mut runner = runner.borrow_mut();
            runner.playing = !runner.playing;
            force_update.force_update();
        })
    };
    let reset = {
        let runner = runner.clone();
        let force_update = force_update.clone();
        Callback::from(move |_: MouseEvent| {
            runner.borrow_mut().reset();
            force_update.force_update();
        })
    };
    let set_speed = {
        let runner = runner.clone();
        Callback::from(move |event: Event| {
            if let Some(select) = event.target_dyn_into::<web_sys::HtmlSelectElement>() {
                if let Ok(speed) = select.value().parse::<f64>() {
                    runner.borrow_mut().speed = speed;
                }
            }
        })
    };

    let runner = runner.borrow();
    let simulation = runner.simulation();
    let totals = simulation.client_totals();
    let rates = runner.rates();
    let view_box = format!("0 0 {CANVAS_WIDTH} {CANVAS_HEIGHT}");

    html! {
        <div class="playground">
            <header class="topbar">
                <h1>{"Cascade"}</h1>
                <p class="tagline">{"Why blocking calls cascade failures, and how queues contain them"}</p>
                <div class="controls" role="toolbar" aria-label="Simulation controls">
                    <button data-testid="play" onclick={toggle_play} aria-pressed={runner.playing.to_string()}>
                        { if runner.playing { "Pause" } else { "Play" } }
                    </button>
                    <button data-testid="reset" onclick={reset}>{"Reset"}</button>
                    <label>{"Speed "}
                        <select data-testid="speed" onchange={set_speed} aria-label="Simulation speed">
                            { for SPEEDS.iter().map(|speed| html! {
                                <option value={speed.to_string()} selected={(*speed - runner.speed).abs() < 1e-9}>{format!("{speed}x")}</option>
                            }) }
                        </select>
                    </label>
                    <span class="clock" data-testid="clock">{format!("t = {:.1} s", simulation.now().as_secs_f64())}</span>
                </div>
            </header>
            <main class="layout">
                <section class="stage" aria-label="Topology">
                    <svg class="topology" viewBox={view_box} role="img" aria-label={runner.scenario().name.clone()}>
                        <defs>
                            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                                <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
                            </marker>
                        </defs>
                        { for simulation.links().map(|link| link_view(&runner, link.id.index(), &act)) }
                        { for simulation.nodes().map(|node| node_view(&runner, node.id.index())) }
                    </svg>
                    <canvas ref={canvas} class="dots" aria-hidden="true"></canvas>
                </section>
                <aside class="panel">
                    <section class="card" aria-label="What users see">
                        <h2>{"What users see"}</h2>
                        <dl class="figures">
                            <div><dt>{"Succeeded"}</dt><dd data-testid="delivered">{totals.succeeded}</dd></div>
                            <div><dt>{"Failed"}</dt><dd data-testid="errors" class={classes!((rates.failed_per_second > 0.0).then_some("bad"))}>{totals.failed()}</dd></div>
                            <div><dt>{"ok / s"}</dt><dd>{format!("{:.0}", rates.succeeded_per_second)}</dd></div>
                            <div><dt>{"errors / s"}</dt><dd>{format!("{:.0}", rates.failed_per_second)}</dd></div>
                        </dl>
                        <p class="hint">{runner.scenario().description.clone()}</p>
                    </section>
                    <section class="card" aria-label="Services">
                        <h2>{"Break things"}</h2>
                        <ul class="rows">
                            { for simulation.nodes().filter(|node| !node.is_client).map(|node| {
                                let name = node.name.to_string();
                                let killed = node.state == NodeState::Killed;
                                let command = if killed { Command::Revive { node: name.clone() } } else { Command::Kill { node: name.clone() } };
                                let onclick = act.reform(move |_: MouseEvent| command.clone());
                                html! {
                                    <li>
                                        <span class="row-name">{&name}</span>
                                        <span class="row-figure">{format!("{}/{} threads", node.busy, node.workers)}</span>
                                        <button data-testid={format!("kill-{name}")} class={classes!("danger", killed.then_some("revive"))} {onclick}
                                            aria-label={format!("{} {name}", if killed { "Revive" } else { "Kill" })}>
                                            { if killed { "Revive" } else { "Kill" } }
                                        </button>
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
                                let command = Command::SetLinkKind { link: link.id.0, kind: next };
                                let onclick = act.reform(move |_: MouseEvent| command.clone());
                                let label = if link.kind == LinkKind::Sync { "sync" } else { "async" };
                                html! {
                                    <li>
                                        <span class="row-name">{format!("{from} → {to}")}</span>
                                        <button data-testid={format!("link-{}-kind", link.id.0)} class={classes!("kind", label)} {onclick}
                                            aria-label={format!("{from} to {to} is {label}; switch")}>{label}</button>
                                    </li>
                                }
                            }) }
                        </ul>
                    </section>
                    <section class="card legend" aria-label="Legend">
                        <h2>{"Legend"}</h2>
                        <ul>
                            { for dots::STYLES.iter().map(|(_, colour, shape, label)| html! {
                                <li><svg viewBox="-8 -8 16 16" class="swatch" aria-hidden="true">{legend_shape(*shape, colour)}</svg>{*label}</li>
                            }) }
                        </ul>
                        <p class="hint">{"Space plays and pauses. Click a link to switch it between sync and async."}</p>
                    </section>
                </aside>
            </main>
        </div>
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

fn node_view(runner: &Runner, index: usize) -> Html {
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
    if node.is_client {
        let rate = runner
            .scenario()
            .clients
            .get(index)
            .map_or(0.0, |client| client.rate_per_second);
        return html! {
            <g class="node client" data-testid={format!("node-{}", node.name)} data-state={state} {transform}>
                <rect width={NODE_WIDTH.to_string()} height={NODE_HEIGHT.to_string()} rx="46" />
                <text x={(NODE_WIDTH / 2.0).to_string()} y="36" class="name" text-anchor="middle">{node.name}</text>
                <text x={(NODE_WIDTH / 2.0).to_string()} y="60" text-anchor="middle">{format!("{rate} requests/s")}</text>
            </g>
        };
    }
    let fill_fraction = f64::from(node.busy) / f64::from(node.workers.max(1));
    let exhausted = node.busy >= node.workers;
    html! {
        <g class={classes!("node", state, exhausted.then_some("exhausted"))} data-testid={format!("node-{}", node.name)} data-state={state} {transform}>
            <title>{format!("{}: {} of {} worker threads busy, {} requests waiting", node.name, node.busy, node.workers, node.inbound)}</title>
            <rect width={NODE_WIDTH.to_string()} height={NODE_HEIGHT.to_string()} rx="10" />
            <text x="12" y="24" class="name">{truncate(node.name, 16)}</text>
            <text x="12" y="45" class="figure" data-testid={format!("busy-{}", node.name)}>{format!("threads {}/{}", node.busy, node.workers)}</text>
            <rect x="12" y="52" width={bar_width.to_string()} height="10" rx="3" class="bar-bg" />
            <rect x="12" y="52" width={(bar_width * fill_fraction).to_string()} height="10" rx="3" class="bar-fill" />
            <text x="12" y="80" class="figure" data-testid={format!("inbound-{}", node.name)}>{format!("waiting {}", compact_count(node.inbound.into()))}</text>
            if killed {
                <text x={(NODE_WIDTH - 12.0).to_string()} y="24" class="down" text-anchor="end">{"DOWN"}</text>
            }
            if node.state == NodeState::Frozen {
                <text x={(NODE_WIDTH - 12.0).to_string()} y="24" class="frozen-label" text-anchor="end">{"FROZEN"}</text>
            }
        </g>
    }
}

fn link_view(runner: &Runner, index: usize, act: &Callback<Command>) -> Html {
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
    let onclick = act.reform(move |_: MouseEvent| command.clone());
    let hit = html! {
        <line class="hit" x1={start.x.to_string()} y1={start.y.to_string()} x2={end.x.to_string()} y2={end.y.to_string()}>
            <title>{"Click to switch between sync and async"}</title>
        </line>
    };
    if link.kind == LinkKind::Sync {
        return html! {
            <g class="link sync" data-testid={format!("link-{index}")} {onclick}>
                <line x1={start.x.to_string()} y1={start.y.to_string()} x2={end.x.to_string()} y2={end.y.to_string()} marker-end="url(#arrow)" />
                {hit}
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
