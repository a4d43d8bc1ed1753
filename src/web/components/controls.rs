//! The controls the full page and the embed bar share: play or pause, step, reset, the speed
//! menu, the clock, and a service's kill or revive button.

use crate::model::timeline::MarkKind;
use crate::model::words;
use crate::model::{Action, NodeBox, TimelineView, SPEEDS};
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
            .and_then(|select| words::parse_number(&select.value()))
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

/// The timeline under the canvas: a scrubber over the run so far (drag it, or use the arrow
/// keys, to see an earlier moment exactly), with a tick where a fault, a breaker change or a
/// dead letter happened.
pub fn timeline_bar(view: &TimelineView, dispatch: &Callback<Action>) -> Html {
    // In microseconds, the simulation's own unit: the end of the track is exactly the head.
    let on_input = dispatch.reform(|event: InputEvent| {
        let micros = event
            .target_dyn_into::<web_sys::HtmlInputElement>()
            .and_then(|input| words::parse_number(&input.value()))
            .unwrap_or(0.0)
            .max(0.0);
        Action::Seek(cascade_sim::SimTime::from_micros(micros.round() as u64))
    });
    let span_s = view.head_s.max(1e-9);
    let count = |kind: MarkKind| view.marks.iter().filter(|(_, k)| *k == kind).count();
    let summary = format!(
        "{} faults or changes, {} breaker changes, {} dead letters marked",
        count(MarkKind::Fault),
        count(MarkKind::Breaker),
        count(MarkKind::DeadLetter)
    );
    html! {
        <div class="timeline" data-testid="timeline">
            <div class="timeline-track" title={summary}>
                <svg class="timeline-marks" viewBox="0 0 1000 10" preserveAspectRatio="none" aria-hidden="true">
                    { for view.marks.iter().map(|(at_s, kind)| {
                        let class = match kind {
                            MarkKind::Fault => "fault",
                            MarkKind::Breaker => "breaker",
                            MarkKind::DeadLetter => "dead-letter",
                        };
                        html! { <rect class={class} x={format!("{:.1}", at_s / span_s * 1000.0 - 1.5)} y="0" width="3" height="10" /> }
                    }) }
                </svg>
                <input type="range" data-testid="scrubber" min="0" step="any"
                    max={view.head_us.to_string()} value={view.now_us.to_string()}
                    oninput={on_input} aria-label="Timeline: an earlier moment of the run"
                    aria-valuetext={format!("{:.1} s of {:.1} s", view.now_s, view.head_s)} />
            </div>
            <span class="timeline-label" data-testid="timeline-label">
                {format!("{:.1} / {:.1} s", view.now_s, view.head_s)}
            </span>
            // Always there (no jump when it changes): what the scrubber does, or what happens
            // from an earlier moment.
            <p class="timeline-note">
                if view.behind {
                    <span data-testid="timeline-behind">{"An earlier moment, exactly as it was: Play replays what came next; a fault or change made here starts a new branch (Ctrl+Z brings the old one back)."}</span>
                } else {
                    {"Drag back along the timeline to see any earlier moment of the run."}
                }
            </p>
        </div>
    }
}
