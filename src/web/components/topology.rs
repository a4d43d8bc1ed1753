//! How one node and one link are drawn on the stage: the SVG of a box (threads, waiting,
//! faults marked above it) and of a line (its queue box, breaker, message count), with what a
//! screen reader hears of each and what makes them reachable from the keyboard.

use crate::model::words::{compact_count, truncate};
use crate::model::{LinkLine, NodeBox, NODE_HEIGHT, NODE_WIDTH, QUEUE_HEIGHT, QUEUE_WIDTH};
use cascade_sim::{LinkKind, NodeState};
use yew::prelude::*;

/// What makes an item of the canvas reachable from the keyboard.
pub(super) struct Focusable {
    /// Its place in the keyboard order: nodes first, then links.
    pub item: usize,
    /// "0" for the one item in the tab order, "-1" for the others.
    pub tabindex: &'static str,
    /// Remembers it as the one to come back to.
    pub onfocus: Callback<FocusEvent>,
}

/// What a screen reader says of a node.
fn node_words(node: &NodeBox) -> String {
    if node.is_client {
        return format!(
            "{}: load source, {} requests per second",
            node.name, node.rate_per_second
        );
    }
    let state = match node.state {
        NodeState::Up => "up",
        NodeState::Killed => "killed",
        NodeState::Frozen => "frozen",
    };
    let marks = fault_marks(node);
    format!(
        "{}: {state}{}{}, {} of {} threads busy, {} waiting",
        node.name,
        if marks.is_empty() { "" } else { ", " },
        marks.to_ascii_lowercase(),
        node.busy,
        node.workers,
        node.waiting
    )
}

/// What a screen reader says of a link.
fn link_words(link: &LinkLine) -> String {
    let mut words = format!("{} calls {}, {}", link.from, link.to, link.kind_word());
    if link.partitioned {
        words.push_str(", cut");
    }
    if let Some(queue) = &link.queue {
        words.push_str(&format!(
            ", {} queued, {} dead-lettered",
            queue.depth, queue.dead_lettered
        ));
    }
    if let Some(state) = link.breaker {
        words.push_str(&format!(", breaker {}", state.replace('_', "-")));
    }
    words
}

/// A node's box; `handlers` (pointer down on the box, on its handle) when editable.
pub(super) fn node_view(
    node: &NodeBox,
    handlers: Option<(Callback<PointerEvent>, Callback<PointerEvent>)>,
    focus: Focusable,
) -> Html {
    let transform = format!(
        "translate({},{})",
        node.center.x - NODE_WIDTH / 2.0,
        node.center.y - NODE_HEIGHT / 2.0
    );
    let state = match node.state {
        NodeState::Up => "up",
        NodeState::Killed => "killed",
        NodeState::Frozen => "frozen",
    };
    let (onpointerdown, handle_down) = handlers.unzip();
    // Drag from the handle on the right edge to another node to connect them.
    let handle = handle_down.map(|down| {
        html! {
            <circle class="handle" cx={NODE_WIDTH.to_string()} cy={(NODE_HEIGHT / 2.0).to_string()} r="9"
                data-testid={format!("connect-{}", node.name)} onpointerdown={down}>
                <title>{"Drag to another service to connect"}</title>
            </circle>
        }
    });
    let selected = node.selected.then_some("selected");
    if node.is_client {
        return html! {
            <g class={classes!("node", "client", selected, node.spiking.then_some("spiking"))} data-testid={format!("node-{}", node.name)}
                role="button" tabindex={focus.tabindex} data-item={focus.item.to_string()} data-node={node.name.clone()}
                aria-label={node_words(node)} onfocus={focus.onfocus}
                data-state={state} {transform} {onpointerdown}>
                <rect width={NODE_WIDTH.to_string()} height={NODE_HEIGHT.to_string()} rx="46" />
                <text x={(NODE_WIDTH / 2.0).to_string()} y="36" class="name" text-anchor="middle">{truncate(&node.name, 16)}</text>
                <text x={(NODE_WIDTH / 2.0).to_string()} y="60" text-anchor="middle" data-testid={format!("rate-{}", node.name)}>{format!("{} requests/s", node.rate_per_second)}</text>
                if node.spiking {
                    <text x={(NODE_WIDTH / 2.0).to_string()} y="-8" class="fault-label" text-anchor="middle" data-testid={format!("fault-{}", node.name)}>{"LOAD SPIKE"}</text>
                }
                {handle}
            </g>
        };
    }
    let fill_fraction = f64::from(node.busy) / f64::from(node.workers.max(1));
    let exhausted = node.busy >= node.workers;
    let bar_width = NODE_WIDTH - 24.0;
    html! {
        <g class={classes!("node", state, exhausted.then_some("exhausted"), selected, node.slowed.then_some("slowed"), node.failing.then_some("failing"))}
            role="button" tabindex={focus.tabindex} data-item={focus.item.to_string()} data-node={node.name.clone()}
            aria-label={node_words(node)} onfocus={focus.onfocus}
            data-testid={format!("node-{}", node.name)} data-state={state} {transform} {onpointerdown}>
            <title>{format!("{}: {} of {} worker threads busy, {} requests and {} deliveries waiting", node.name, node.busy, node.workers, node.inbound, node.prefetched)}</title>
            <rect width={NODE_WIDTH.to_string()} height={NODE_HEIGHT.to_string()} rx="10" />
            <text x="12" y="24" class="name">{truncate(&node.name, 16)}</text>
            <text x="12" y="45" class="figure" data-testid={format!("busy-{}", node.name)}>{format!("threads {}/{}", node.busy, node.workers)}</text>
            <rect x="12" y="52" width={bar_width.to_string()} height="10" rx="3" class="bar-bg" />
            <rect x="12" y="52" width={(bar_width * fill_fraction).to_string()} height="10" rx="3" class="bar-fill" />
            <text x="12" y="80" class="figure" data-testid={format!("inbound-{}", node.name)}>{format!("waiting {}", compact_count(node.waiting.into()))}</text>
            if node.state == NodeState::Killed {
                <text x={(NODE_WIDTH / 2.0).to_string()} y="-8" class="down" text-anchor="middle">{"DOWN"}</text>
            }
            if node.state == NodeState::Frozen {
                <text x={(NODE_WIDTH / 2.0).to_string()} y="-8" class="frozen-label" text-anchor="middle">{"FROZEN: accepts calls, never answers"}</text>
            }
            if node.state == NodeState::Up && (node.slowed || node.failing) {
                <text x={(NODE_WIDTH / 2.0).to_string()} y="-8" class="fault-label" text-anchor="middle" data-testid={format!("fault-{}", node.name)}>
                    {fault_marks(node)}</text>
            }
            {handle}
        </g>
    }
}

/// What is wrong with a service on purpose, for the label above its box.
fn fault_marks(node: &NodeBox) -> String {
    let mut marks = Vec::new();
    if node.slowed {
        marks.push(format!("SLOW ×{}", node.slow_factor));
    }
    if node.failing {
        marks.push(format!("{:.0}% ERRORS", node.error_percent));
    }
    marks.join(" · ")
}

/// A link; `onclick` switches it (on the editable canvas the pointer handler decides: a click
/// on a message shows its path instead).
pub(super) fn link_view(
    link: &LinkLine,
    onclick: Option<Callback<MouseEvent>>,
    focus: Focusable,
) -> Html {
    let (start, end) = (link.start, link.end);
    let index = link.index;
    // With reduced motion there are no moving dots: each link counts what is on it instead.
    let counter = link.in_flight.map(|count| {
        let middle = start.lerp(end, 0.5);
        let y = if link.kind == LinkKind::Sync {
            middle.y + 22.0
        } else {
            middle.y - 28.0
        };
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
    let breaker = link.breaker.map(|state| {
        let at = start.lerp(end, 0.5);
        html! {
            <text x={at.x.to_string()} y={(at.y - 12.0).to_string()} class={classes!("breaker", state)}
                text-anchor="middle" data-testid={format!("breaker-{index}")}>{format!("breaker {}", state.replace('_', "-"))}</text>
        }
    });
    let queue = link.queue.as_ref().map(|queue| {
        html! {
            <g class={classes!("queue", (!queue.broker_up).then_some("broker-down"))} transform={format!("translate({},{})", queue.center.x - QUEUE_WIDTH / 2.0, queue.center.y - QUEUE_HEIGHT / 2.0)}>
                <rect width={QUEUE_WIDTH.to_string()} height={QUEUE_HEIGHT.to_string()} rx="6" />
                <text x="8" y="17" class="figure" data-testid={format!("queue-depth-{index}")}>{format!("queue {}", compact_count(queue.depth.into()))}</text>
                <text x="8" y="33" class="small">{format!("unacked {} · DLQ {}", queue.unacked, queue.dead_lettered)}</text>
                if !queue.broker_up {
                    <text x={(QUEUE_WIDTH / 2.0).to_string()} y="-6" class="fault-label" text-anchor="middle" data-testid={format!("broker-down-{index}")}>{"BROKER DOWN"}</text>
                }
            </g>
        }
    });
    html! {
        <g class={classes!("link", link.kind_word())} data-testid={format!("link-{index}")} {onclick}
            role="button" tabindex={focus.tabindex} data-item={focus.item.to_string()} data-link={index.to_string()}
            aria-label={link_words(link)} onfocus={focus.onfocus}>
            <line x1={start.x.to_string()} y1={start.y.to_string()} x2={end.x.to_string()} y2={end.y.to_string()} marker-end="url(#arrow)" />
            {hit}
            {counter}
            if link.kind == LinkKind::Sync { {breaker} }
            {queue}
        </g>
    }
}

/// A note a story pins to the canvas: a ring around what it is about, an arrow pointing at
/// it, or a callout with its words above it.
/// (`Pin::bounds` is the area this covers: keep the two together.)
pub fn pin_view(pin: &crate::model::reading::Pin) -> Html {
    use cascade_sim::AnnotationKind;
    let (x, y) = (pin.at.x, pin.at.y);
    let (w, h) = (pin.half_width, pin.half_height);
    let words = pin.text.clone().unwrap_or_default();
    match pin.kind {
        AnnotationKind::Highlight => html! {
            <g class="pin pin-highlight" data-testid="pin">
                <rect x={format!("{:.1}", x - w - 8.0)} y={format!("{:.1}", y - h - 8.0)}
                    width={format!("{:.1}", 2.0 * w + 16.0)} height={format!("{:.1}", 2.0 * h + 16.0)} rx="16" />
                if !words.is_empty() {
                    <text x={format!("{x:.1}")} y={format!("{:.1}", y + h + 26.0)} text-anchor="middle">{words}</text>
                }
            </g>
        },
        AnnotationKind::Arrow => html! {
            <g class="pin pin-arrow" data-testid="pin">
                <line x1={format!("{:.1}", x - w - 70.0)} y1={format!("{:.1}", y - h - 50.0)}
                    x2={format!("{:.1}", x - w - 4.0)} y2={format!("{:.1}", y - h - 4.0)} marker-end="url(#pin-head)" />
                if !words.is_empty() {
                    <text x={format!("{:.1}", x - w - 74.0)} y={format!("{:.1}", y - h - 56.0)} text-anchor="end">{words}</text>
                }
            </g>
        },
        AnnotationKind::Callout => {
            // About 7 canvas units a character at this size: a box that fits the words.
            let width = (words.chars().count() as f64 * 7.0 + 20.0).clamp(60.0, 320.0);
            let top = y - h - 48.0;
            html! {
                <g class="pin pin-callout" data-testid="pin">
                    <line x1={format!("{x:.1}")} y1={format!("{:.1}", top + 28.0)} x2={format!("{x:.1}")} y2={format!("{:.1}", y - h)} />
                    <rect x={format!("{:.1}", x - width / 2.0)} y={format!("{top:.1}")} width={format!("{width:.1}")} height="28" rx="6" />
                    <text x={format!("{x:.1}")} y={format!("{:.1}", top + 19.0)} text-anchor="middle">{words}</text>
                </g>
            }
        }
    }
}
