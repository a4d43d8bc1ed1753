//! The controls the full page and the embed bar share: play or pause, step, reset, the speed
//! menu, the clock, and a service's kill or revive button.

use crate::model::{Action, NodeBox, SPEEDS};
use cascade_sim::NodeState;
use yew::prelude::*;

/// The play controls' properties.
#[derive(Properties, PartialEq)]
pub struct PlayControlsProps {
    /// Whether time runs.
    pub playing: bool,
    /// Offer the step button (the full page; the embed bar is compact).
    #[prop_or_default]
    pub step: bool,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// Play or pause, step, reset.
#[function_component]
pub fn PlayControls(props: &PlayControlsProps) -> Html {
    let dispatch = &props.dispatch;
    html! {
        <>
            <button data-testid="play" onclick={dispatch.reform(|_: MouseEvent| Action::TogglePlay)}
                aria-pressed={props.playing.to_string()} title="Play or pause (space)">
                { if props.playing { "Pause" } else { "Play" } }
            </button>
            if props.step {
                <button data-testid="step" onclick={dispatch.reform(|_: MouseEvent| Action::Step)}
                    title="Advance 100 ms of simulated time (.)">{"Step"}</button>
            }
            <button data-testid="reset" onclick={dispatch.reform(|_: MouseEvent| Action::Reset)}
                title="Start again from time zero (r)">{"Reset"}</button>
        </>
    }
}

/// The speed menu's properties.
#[derive(Properties, PartialEq)]
pub struct SpeedMenuProps {
    /// Simulated seconds per second now.
    pub speed: f64,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// The speed menu.
#[function_component]
pub fn SpeedMenu(props: &SpeedMenuProps) -> Html {
    let onchange = props.dispatch.reform(|event: Event| {
        let speed = event
            .target_dyn_into::<web_sys::HtmlSelectElement>()
            .and_then(|select| select.value().parse::<f64>().ok())
            .unwrap_or(f64::NAN);
        Action::SetSpeed(speed)
    });
    html! {
        <select data-testid="speed" {onchange} aria-label="Simulation speed">
            { for SPEEDS.iter().map(|speed| html! {
                <option value={speed.to_string()} selected={(*speed - props.speed).abs() < 1e-9}>{format!("{speed}x")}</option>
            }) }
        </select>
    }
}

/// The simulated clock, in seconds.
pub fn clock(now_s: f64) -> Html {
    html! { <span class="clock" data-testid="clock">{format!("t = {now_s:.1} s")}</span> }
}

/// A service's kill or revive button; `compact` (the embed bar) names the service on it.
pub fn kill_button(node: &NodeBox, dispatch: &Callback<Action>, compact: bool) -> Html {
    let up = node.state == NodeState::Up;
    let verb = if up { "Kill" } else { "Revive" };
    let label = if compact {
        format!("{verb} {}", node.name)
    } else {
        verb.to_string()
    };
    let name = node.name.clone();
    html! {
        <button class={classes!(compact.then_some("small"), "danger", (!up).then_some("revive"))}
            data-testid={format!("kill-{}", node.name)}
            onclick={dispatch.reform(move |_: MouseEvent| Action::ToggleKill(name.clone()))}>
            {label}</button>
    }
}
