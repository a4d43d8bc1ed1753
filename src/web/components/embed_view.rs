//! `?embed=1`: the canvas filling the frame, a caption for a reader who has not read the
//! story, and a compact control bar made of the same controls as the full page.

use super::controls::{clock, kill_button, play_controls, speed_menu, timeline_bar};
use super::stage::Stage;
use crate::embed::Controls;
use crate::model::{Action, Figures, StageView};
use std::rc::Rc;
use yew::prelude::*;

/// The embed view's properties.
#[derive(Properties, PartialEq)]
pub struct EmbedViewProps {
    /// The topology as drawn now (the sync side of a shared comparison).
    pub view: Rc<StageView>,
    /// The async side of a shared comparison.
    pub side: Option<Rc<StageView>>,
    /// The dot layers.
    pub canvas: NodeRef,
    /// The async side's dot layer.
    pub side_canvas: NodeRef,
    /// The root element (watched to pause while scrolled out of view).
    pub root: NodeRef,
    /// Which controls the embed shows.
    pub controls: Controls,
    /// A read-only embed only looks.
    pub readonly: bool,
    /// The scenario's name.
    pub title: String,
    /// The last scheduled fault that happened, or the next, in words.
    pub caption: Option<String>,
    /// What users see.
    pub figures: Figures,
    /// Whether time runs.
    pub playing: bool,
    /// Simulated seconds per second.
    pub speed: f64,
    /// Simulated seconds so far.
    pub now_s: f64,
    /// The share of the speed asked for that the run reaches, when slowed (slow motion).
    pub slowed_to: Option<f64>,
    /// A refusal, a note, or why the run paused.
    pub message: Option<String>,
    /// A shared run still opening, in words.
    pub opening: Option<String>,
    /// Where the view looks.
    pub camera: crate::model::Camera,
    /// The run's timeline (shown with the full controls).
    pub timeline: crate::model::TimelineView,
    /// The story being read, if one is: its step replaces the caption, with Back and Next.
    pub reading: Option<crate::model::reading::StoryView>,
    /// Whether the canvas is being recorded (a clip; with the full controls).
    pub recording: bool,
    /// Opens this run in the full playground.
    pub open_full: Callback<MouseEvent>,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// The embed.
#[function_component]
pub fn EmbedView(props: &EmbedViewProps) -> Html {
    let dispatch = &props.dispatch;
    // The story text lets clicks and drags through to the canvas under it, unless it is cut
    // short and scrolls: then it takes the wheel and the pointer (measured after each render).
    let story_text = use_node_ref();
    {
        let story_text = story_text.clone();
        use_effect(move || {
            if let Some(text) = story_text.cast::<web_sys::Element>() {
                let _ = if text.scroll_height() > text.client_height() + 1 {
                    text.set_attribute("data-scrolls", "")
                } else {
                    text.remove_attribute("data-scrolls")
                };
            }
        });
    }
    let switchable = !props.readonly;
    let bar = (props.controls != Controls::None).then(|| {
        let full = props.controls == Controls::Full;
        let faults = full && !props.readonly;
        let figures = &props.figures;
        // The bar and the timeline scroll in at most half of a short frame: the canvas keeps
        // the rest (a 320x240 embed with every control had a strip of canvas left).
        html! {
            <div class="embed-dock">
            // First in the dock: a problem shows even when the controls under it scroll.
            if let Some(text) = &props.message {
                <p class="message embed-message" role="alert" data-testid="message">{text.clone()}</p>
            }
            <div class="embed-bar" role="toolbar" aria-label="Simulation controls">
                if let Some(reading) = &props.reading {
                    <button class="small" data-testid="story-back" disabled={reading.step == 0}
                        onclick={dispatch.reform(|_: MouseEvent| Action::PreviousStep)}>{"←"}</button>
                    <span data-testid="story-progress">{format!("{} / {}", reading.step + 1, reading.steps)}</span>
                    <button class="small" data-testid="story-next" disabled={reading.step + 1 >= reading.steps || reading.waiting_for.is_some()}
                        onclick={dispatch.reform(|_: MouseEvent| Action::NextStep)}>{"Next →"}</button>
                    if !reading.playing_by_itself {
                        <button class="small" data-testid="story-play" onclick={dispatch.reform(|_: MouseEvent| Action::PlayStory)}
                            title="Play every step from the first, by itself">{"▶ All"}</button>
                    }
                    if reading.waiting_for.is_some() && !reading.playing_by_itself {
                        <button class="small" data-testid="story-do" onclick={dispatch.reform(|_: MouseEvent| Action::DoAsked)}>{"Do it for me"}</button>
                    }
                }
                {play_controls(props.playing, false, dispatch)}
                if full {
                    {speed_menu(props.speed, dispatch)}
                }
                {clock(props.now_s, props.slowed_to)}
                if full {
                    <span class="embed-figures" data-testid="embed-figures">
                        <span data-testid="delivered">{format!("{} ok", figures.succeeded)}</span>
                        {" · "}
                        <span data-testid="errors" class={classes!((figures.failed > 0).then_some("bad"))}>{format!("{} failed", figures.failed)}</span>
                    </span>
                }
                if faults {
                    <span class="embed-faults">
                        { for props.view.services().map(|node| kill_button(node, dispatch, true)) }
                    </span>
                }
                if full {
                    <button class={classes!("small", props.recording.then_some("recording"))} data-testid="record"
                        aria-pressed={props.recording.to_string()}
                        onclick={dispatch.reform(|_: MouseEvent| Action::ToggleRecording)}
                        title="Record the canvas as it plays into a WebM video; press again to save it">
                        { match (props.recording, props.reading.is_some()) {
                            (true, _) => "● Save clip",
                            (false, true) => "Record story",
                            (false, false) => "Record clip",
                        } }
                    </button>
                }
                <button class="small open-full" data-testid="open-full" onclick={props.open_full.clone()}
                    title="Open this run in the full playground, in a new tab">{"Open in Cascade ↗"}</button>
            </div>
            if full {
                {timeline_bar(&props.timeline, dispatch)}
            }
            </div>
        }
    });
    let titled = props.controls != Controls::None;
    // With no controls there is no bar: problems (a bad link) are said here instead.
    let problem = (!titled).then_some(props.message.as_ref()).flatten();
    let caption = (titled || problem.is_some() || props.opening.is_some()).then(|| {
        html! {
            <div class="embed-caption" data-testid="embed-caption">
                if let (true, Some(reading)) = (titled, &props.reading) {
                    <strong>{reading.title.clone()}</strong>
                    // Keyed by the step, alone in its wrapper: a new step's text is a new
                    // element, read from its top (a scrolled text kept its scroll).
                    <div class="story-step-box">
                        <span class="story-step" key={reading.step} ref={story_text.clone()} data-testid="story-text">{super::cards::story_text(&reading.text)}</span>
                    </div>
                    if let Some(asked) = &reading.waiting_for {
                        <span class="story-asks" data-testid="story-asks">{format!("Your turn: {asked}.")}</span>
                    }
                } else if titled {
                    <strong>{props.title.clone()}</strong>
                    if let Some(line) = &props.caption { <span>{line.clone()}</span> }
                }
                if let Some(text) = &props.opening { <span data-testid="replaying">{text.clone()}</span> }
                if let Some(text) = problem { <span class="bad" role="alert" data-testid="message">{text.clone()}</span> }
            </div>
        }
    });
    html! {
        // One landmark for the whole embed: the stage, its caption and its controls.
        <main class={classes!("playground", "embed", format!("controls-{}", props.controls.as_str()))} ref={props.root.clone()}
            data-testid="embed-root" data-readonly={props.readonly.to_string()}>
            if let Some(side) = &props.side {
                // A shared comparison: both sides, labelled.
                <div class="compare" data-testid="compare-view">
                    <div class="side" data-testid="compare-sync">
                        <span class="side-label">{"all sync"}</span>
                        <Stage view={props.view.clone()} camera={props.camera} canvas={props.canvas.clone()} dispatch={dispatch.clone()} {switchable} label="Topology, all sync" />
                    </div>
                    <div class="side" data-testid="compare-async">
                        <span class="side-label">{"async between services"}</span>
                        <Stage view={side.clone()} camera={props.camera} canvas={props.side_canvas.clone()} dispatch={dispatch.clone()} {switchable} label="Topology, async between services" />
                    </div>
                </div>
            } else {
                <Stage view={props.view.clone()} camera={props.camera} canvas={props.canvas.clone()} dispatch={dispatch.clone()} {switchable} story_open={props.reading.is_some()} />
            }
            {caption}
            {bar}
        </main>
    }
}
