//! The top bar: the scenario menu, the controls, the seed, the clock, what the page has to
//! say, and an open Share or Embed dialog.

use super::controls::{clock, play_controls, speed_menu};
use super::panels::PanelView;
use crate::embed::Snippet;
use crate::model::{Action, Panel};
use std::rc::Rc;
use yew::prelude::*;

/// What the page has to say now.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Messages {
    /// The last refusal or a note.
    pub notice: Option<String>,
    /// Why the run paused by itself.
    pub stalled: Option<String>,
    /// A shared run still opening, in words.
    pub opening: Option<String>,
}

/// The top bar's properties.
#[derive(Properties, PartialEq)]
pub struct TopBarProps {
    /// Every preset's id and name, in menu order.
    pub presets: Rc<Vec<(&'static str, String)>>,
    /// The preset on screen, if it is one.
    pub preset: Option<&'static str>,
    /// Every built-in story's id and title, in menu order.
    pub stories: Rc<Vec<(&'static str, String)>>,
    /// The title of the story being read, if one is.
    pub reading: Option<String>,
    /// Whether time runs.
    pub playing: bool,
    /// Simulated seconds per second.
    pub speed: f64,
    /// The seed.
    pub seed: u64,
    /// Simulated seconds so far.
    pub now_s: f64,
    /// The share of the speed asked for that the run reaches, when slowed (slow motion).
    pub slowed_to: Option<f64>,
    /// Whether the compare view is open.
    pub comparing: bool,
    /// What the page has to say.
    pub messages: Messages,
    /// An open dialog.
    pub panel: Option<Panel>,
    /// The embed snippet's options.
    pub snippet: Snippet,
    /// The scenario's name.
    pub scenario_name: String,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// The top bar.
#[function_component]
pub fn TopBar(props: &TopBarProps) -> Html {
    let dispatch = &props.dispatch;
    let on_preset = dispatch.reform(|event: Event| {
        let id = event
            .target_dyn_into::<web_sys::HtmlSelectElement>()
            .map(|select| select.value())
            .unwrap_or_default();
        match id.strip_prefix("story:") {
            Some(story) => Action::OpenPresetStory(story.to_string()),
            None => Action::LoadPreset(id),
        }
    });
    let reading = props.reading.is_some();
    let on_seed = dispatch.reform(|event: Event| {
        let text = event
            .target_dyn_into::<web_sys::HtmlInputElement>()
            .map(|input| input.value())
            .unwrap_or_default();
        Action::SetSeed(text)
    });
    let messages = &props.messages;
    html! {
        <header class="topbar">
            <h1>{"Cascade"}</h1>
            <label class="preset">{"Scenario "}
                <select data-testid="preset" onchange={on_preset} aria-label="Preset scenario">
                    // What is on screen when it is not one of the menu's presets (your own, an
                    // import, a link, the stress workload): named, so the menu never lies.
                    if let Some(title) = &props.reading {
                        <option value="" selected=true disabled=true>{format!("Story: {title}")}</option>
                    } else if !props.presets.iter().any(|(id, _)| props.preset == Some(*id)) {
                        <option value="" selected=true disabled=true>
                            { if props.preset.is_some() { props.scenario_name.clone() } else { format!("Your scenario: {}", props.scenario_name) } }
                        </option>
                    }
                    { for props.presets.iter().enumerate().map(|(index, (id, name))| html! {
                        <option value={*id} selected={!reading && props.preset == Some(*id)}>
                            {format!("{}. {name}", index + 1)}
                        </option>
                    }) }
                    <optgroup label="Stories, step by step">
                        { for props.stories.iter().map(|(id, title)| html! {
                            <option value={format!("story:{id}")} selected={props.reading.as_deref() == Some(title.as_str())}>{title.clone()}</option>
                        }) }
                    </optgroup>
                </select>
            </label>
            <div class="controls" role="toolbar" aria-label="Simulation controls">
                {play_controls(props.playing, true, dispatch)}
                <button data-testid="compare" onclick={dispatch.reform(|_: MouseEvent| Action::ToggleCompare)} aria-pressed={props.comparing.to_string()}
                    title="Run this topology twice, all sync and async between services, with the same seed and faults">
                    {"Compare sync and async"}</button>
                <button data-testid="share" onclick={dispatch.reform(|_: MouseEvent| Action::OpenShare)} title="Put this run (scenario, seed, faults, view) into a link">{"Share"}</button>
                <button data-testid="embed" onclick={dispatch.reform(|_: MouseEvent| Action::OpenEmbed)} title="An iframe snippet for a blog post or course page">{"Embed"}</button>
                <label>{"Speed "}{speed_menu(props.speed, dispatch)}</label>
                <label>{"Seed "}
                    <input data-testid="seed" class="seed" type="text" inputmode="numeric"
                        value={props.seed.to_string()} onchange={on_seed} aria-label="Random seed" />
                </label>
                {clock(props.now_s, props.slowed_to)}
            </div>
            // Over the page, not in its flow: a note never moves the layout, and goes by itself.
            <div class="notices" aria-live="polite">
                if let Some(text) = &messages.notice {
                    <p class="message" role="alert" data-testid="message">{text.clone()}</p>
                }
                if let Some(text) = &messages.stalled {
                    <p class="message" role="alert" data-testid="stalled">{text.clone()}</p>
                }
                if let Some(text) = &messages.opening {
                    <p class="message info" role="status" data-testid="replaying">{text.clone()}{" "}
                        <button class="small" data-testid="cancel-replay" onclick={dispatch.reform(|_: MouseEvent| Action::CancelOpening)}>{"Cancel"}</button></p>
                }
            </div>
            if let Some(panel) = &props.panel {
                <PanelView key={if matches!(panel, Panel::Share { .. }) { "share" } else { "embed" }}
                    panel={panel.clone()} snippet={props.snippet.clone()} scenario_name={props.scenario_name.clone()} dispatch={dispatch.clone()} />
            }
        </header>
    }
}
