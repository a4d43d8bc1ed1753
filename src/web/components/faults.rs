//! The "Break things" card: every fault one click away, per service and per link, and the
//! broker when a link goes through it.

use super::controls::kill_button;
use crate::model::{Action, Selection, StageView};
use cascade_sim::NodeState;
use std::rc::Rc;
use yew::prelude::*;

/// The fault controls' properties.
#[derive(Properties, PartialEq)]
pub struct FaultControlsProps {
    /// The topology as drawn now.
    pub view: Rc<StageView>,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// A toggle button for a fault.
fn toggle(
    test_id: String,
    label: &str,
    class: &'static str,
    action: Action,
    pressed: Option<bool>,
    dispatch: &Callback<Action>,
) -> Html {
    let onclick = dispatch.reform(move |_: MouseEvent| action.clone());
    html! {
        <button data-testid={test_id} class={class} {onclick} aria-pressed={pressed.map(|p| p.to_string())}>{label.to_string()}</button>
    }
}

/// Every fault one click away.
#[function_component]
pub fn FaultControls(props: &FaultControlsProps) -> Html {
    let (view, dispatch) = (&props.view, &props.dispatch);
    html! {
        <section class="card" aria-label="Break things">
            <h2>{"Break things"}</h2>
            <ul class="rows">
                { for view.services().map(|node| {
                    let name = node.name.clone();
                    html! {
                        <li class="service-row">
                            <span class="row-name" title={name.clone()}>{&name}</span>
                            <span class="row-figure">{format!("{}/{} threads", node.busy, node.workers)}</span>
                            <span class="row-buttons">
                                {kill_button(node, dispatch, false)}
                                {toggle(format!("freeze-{name}"), "Freeze", "small", Action::ToggleFreeze(name.clone()), Some(node.state == NodeState::Frozen), dispatch)}
                                {toggle(format!("slow-{name}"), "Slow ×5", "small", Action::ToggleSlow(name.clone()), Some(node.slowed), dispatch)}
                                {toggle(format!("errors-{name}"), "20% errors", "small", Action::ToggleErrors(name.clone()), Some(node.failing), dispatch)}
                            </span>
                        </li>
                    }
                }) }
            </ul>
            if view.services().next().is_none() {
                <p class="hint">{"No service yet: add one on the canvas."}</p>
            }
            <h2>{"Links"}</h2>
            if view.links.is_empty() {
                <p class="hint">{"No link yet: drag from a node's handle to another node."}</p>
            }
            <ul class="rows">
                { for view.links.iter().map(|link| {
                    let index = link.index;
                    let kind = link.kind_word();
                    html! {
                        <li>
                            <span class="row-name link-ends" title={format!("{} calls {} ({})", link.from, link.to, kind)}>
                                <span class="end">{link.from.clone()}</span>{"\u{a0}→\u{a0}"}<span class="end">{link.to.clone()}</span></span>
                            {toggle(format!("link-{index}-kind"), kind, if kind == "sync" { "kind sync" } else { "kind async" },
                                Action::ToggleLinkKind(index), None, dispatch)}
                            {toggle(format!("partition-{index}"), if link.partitioned { "Heal" } else { "Cut" }, "small",
                                Action::TogglePartition(index), Some(link.partitioned), dispatch)}
                            <button class="small" data-testid={format!("edit-link-{index}")} title="Open this link's knobs in the inspector"
                                onclick={dispatch.reform(move |_: MouseEvent| Action::Select(Some(Selection::Link(index))))}>{"Knobs"}</button>
                        </li>
                    }
                }) }
            </ul>
            if view.uses_async() {
                <p class="broker-row">
                    <span class="row-name">{ if view.broker_up { "Broker: up" } else { "Broker: DOWN" } }</span>
                    {toggle("broker".to_string(), if view.broker_up { "Kill broker" } else { "Revive broker" }, "danger",
                        Action::ToggleBroker, None, dispatch)}
                </p>
            }
        </section>
    }
}
