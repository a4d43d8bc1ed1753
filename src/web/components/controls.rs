//! The controls the full page and the embed bar share: play or pause, step, reset, the speed
//! menu, the clock, and a service's kill or revive button.

use crate::model::words;
use crate::model::{Action, NodeBox, SPEEDS};
use cascade_sim::NodeState;
use yew::prelude::*;

/// Play or pause, (with `step`) step, and reset. Plain functions, not components: they sit
/// inside the top bar and the embed bar and re-render with them (a component costs bundle
/// size and would save nothing here).
pub fn play_controls(playing: bool, step: bool, dispatch: &Callback<Action>) -> Html {
    html! {
        <>
            <button data-testid="play" onclick={dispatch.reform(|_: MouseEvent| Action::TogglePlay)}
                aria-pressed={playing.to_string()} title="Play or pause (space)">
                { if playing { "Pause" } else { "Play" } }
            </button>
            if step {
                <button data-testid="step" onclick={dispatch.reform(|_: MouseEvent| Action::Step)}
                    title="Advance 100 ms of simulated time (.)">{"Step"}</button>
            }
            <button data-testid="reset" onclick={dispatch.reform(|_: MouseEvent| Action::Reset)}
                title="Start again from time zero (r)">{"Reset"}</button>
        </>
    }
}

/// The speed menu at `speed`.
pub fn speed_menu(speed: f64, dispatch: &Callback<Action>) -> Html {
    let onchange = dispatch.reform(|event: Event| {
        let speed = event
            .target_dyn_into::<web_sys::HtmlSelectElement>()
            .and_then(|select| select.value().parse::<f64>().ok())
            .unwrap_or(f64::NAN);
        Action::SetSpeed(speed)
    });
    html! {
        <select data-testid="speed" {onchange} aria-label="Simulation speed">
            { for SPEEDS.iter().map(|option| html! {
                <option value={option.to_string()} selected={(*option - speed).abs() < 1e-9}>{format!("{option}x")}</option>
            }) }
        </select>
    }
}

/// The simulated clock, in seconds.
pub fn clock(now_s: f64, slowed_to: Option<f64>) -> Html {
    html! {
        <span class="clock" data-testid="clock">{format!("t = {now_s:.1} s")}
            if let Some(speed) = slowed_to {
                <span class="slowed" data-testid="slowed"
                    title="This computer cannot handle the run's events at the speed asked for: the simulation runs slower (the run itself is the same), the page stays smooth">
                    {format!(" slow motion: {}", words::speed(speed))}</span>
            }
        </span>
    }
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
