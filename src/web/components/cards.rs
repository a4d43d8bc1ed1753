//! The side panel's cards (the story, what users see, files, the legend) and the compare
//! view's side header. Plain functions, not components: each is a few lines of markup that
//! re-renders with the page's figures anyway, and a Yew component costs about 1.5 KB of
//! bundle (measured with twiggy) for no render saved.

use super::super::dots;
use crate::model::{Action, Export, Figures, Story};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The scenario's name, description and scheduled faults (the ones past are marked done).
pub fn story_card(story: &Story) -> Html {
    html! {
        <section class="card story" aria-label="The story">
            <h2>{story.title.clone()}</h2>
            <p class="hint">{story.description.clone()}</p>
            if !story.schedule.is_empty() {
                <ol class="schedule" data-testid="schedule">
                    { for story.schedule.iter().map(|(text, done)| html! {
                        <li class={classes!(done.then_some("done"))}>{text.clone()}</li>
                    }) }
                </ol>
            }
        </section>
    }
}

/// What users see: successes, failures, the rates, and failures by reason.
pub fn figures_card(figures: &Figures) -> Html {
    html! {
        <section class="card figures-card" aria-label="What users see">
            <h2>{"What users see"}</h2>
            <dl class="figures">
                <div><dt>{"Succeeded"}</dt><dd data-testid="delivered">{figures.succeeded}</dd></div>
                <div><dt>{"Failed"}</dt><dd data-testid="errors" class={classes!((figures.failed_per_second > 0.0).then_some("bad"))}>{figures.failed}</dd></div>
                <div><dt>{"ok / s"}</dt><dd>{format!("{:.0}", figures.succeeded_per_second)}</dd></div>
                <div><dt>{"errors / s"}</dt><dd>{format!("{:.0}", figures.failed_per_second)}</dd></div>
            </dl>
            if figures.failed > 0 {
                <p class="hint" data-testid="errors-by-reason">
                    {"Failures: "}
                    {figures.failed_by_reason.iter()
                        .map(|(label, count)| format!("{label} {count}"))
                        .collect::<Vec<_>>()
                        .join(" · ")}
                </p>
            }
        </section>
    }
}

/// One side of the compare view: its title and what its users see.
pub fn side_header(title: &str, figures: &Figures, test_id: &str) -> Html {
    html! {
        <>
            <h2>{title.to_string()}</h2>
            <p class="side-figures">
                <span data-testid={format!("{test_id}-delivered")}>{format!("{} ok", figures.succeeded)}</span>
                <span data-testid={format!("{test_id}-errors")} class={classes!((figures.failed > 0).then_some("bad"))}>
                    {format!("{} failed", figures.failed)}</span>
                <span>{format!("{:.0} ok/s · {:.0} errors/s", figures.succeeded_per_second, figures.failed_per_second)}</span>
            </p>
        </>
    }
}

/// Export the scenario, the picture or the metrics; import a scenario file.
pub fn files_card(
    dispatch: &Callback<Action>,
    recording_since_s: Option<f64>,
    now_s: f64,
    reading: bool,
) -> Html {
    let export = |export: Export| dispatch.reform(move |_: MouseEvent| Action::Export(export));
    let on_import = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: Event| {
            let Some(input) = event.target_dyn_into::<web_sys::HtmlInputElement>() else {
                return;
            };
            let dispatch = dispatch.clone();
            super::super::files::read_chosen_file(&input, move |name, text| {
                dispatch.emit(Action::ImportFile { name, text });
            });
        })
    };
    html! {
        <section class="card files" aria-label="Files">
            <h2>{"Files"}</h2>
            <div class="row-buttons">
                <button class="small" data-testid="export-json" onclick={export(Export::ScenarioJson)} title="The scenario as JSON, the format the command-line tool reads">{"Export scenario"}</button>
                <label class="button small" title="Open a scenario JSON file (from Export or the command-line tool)">{"Import scenario…"}
                    <input type="file" accept=".json,application/json" data-testid="import" onchange={on_import} class="visually-hidden" />
                </label>
                <button class="small" data-testid="export-png" onclick={export(Export::Picture)} title="The topology as drawn now, as a PNG picture">{"Save picture"}</button>
                <button class="small" data-testid="export-csv" onclick={export(Export::MetricsCsv)} title="The last minute of metrics, a row every 250 ms">{"Metrics CSV"}</button>
                if reading {
                    <button class="small" data-testid="export-story" onclick={export(Export::Story)} title="The story being read, as a story file (Import opens it again)">{"Export story"}</button>
                }
                <button class={classes!("small", recording_since_s.is_some().then_some("recording"))} data-testid="record"
                    aria-pressed={recording_since_s.is_some().to_string()}
                    onclick={dispatch.reform(|_: MouseEvent| Action::ToggleRecording)}
                    title={if reading {
                        "Record the story playing every step by itself from the first (topology, moving messages and each step's text) into a WebM video; it saves itself at the end"
                    } else {
                        "Record the canvas as it plays (topology and moving messages) into a WebM video; press again to save it"
                    }}>
                    { match recording_since_s {
                        Some(since) => format!("● Stop and save clip ({:.1} s)", (now_s - since).max(0.0)),
                        None if reading => "Record story clip".to_string(),
                        None => "Record clip".to_string(),
                    } }
                </button>
            </div>
        </section>
    }
}

/// The legend: what each dot means, and the keys.
pub fn legend() -> Html {
    html! {
        <section class="card legend" aria-label="Legend">
            <h2>{"Legend"}</h2>
            <ul>
                { for dots::STYLES.iter().map(|(_, colour, shape, label)| html! {
                    <li><svg viewBox="-8 -8 16 16" class="swatch" aria-hidden="true">{legend_shape(*shape, colour)}</svg>{*label}</li>
                }) }
            </ul>
            <p class="hint">{crate::shortcuts::HELP}</p>
        </section>
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

/// A step's text: plain words, emphasis and links (to http and https only).
pub fn story_text(text: &str) -> Html {
    use crate::model::reading::{spans, Span};
    html! {
        { for spans(text).into_iter().map(|span| match span {
            Span::Plain(text) => html! { {text} },
            Span::Emphasis(text) => html! { <em>{text}</em> },
            Span::Link { text, href } => html! { <a {href} target="_blank" rel="noopener">{text}</a> },
        }) }
    }
}

/// The story being read: its step's text, progress, what the step asks, and the way on. A
/// horizontal swipe on the card (touch or mouse) goes to the next or the previous step.
pub fn story_reader(view: &crate::model::reading::StoryView, dispatch: &Callback<Action>) -> Html {
    let on_down = Callback::from(|event: PointerEvent| {
        if let Some(card) = event
            .current_target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        {
            let _ = card.set_attribute("data-swipe-x", &event.client_x().to_string());
        }
    });
    let on_up = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: PointerEvent| {
            let swipe = || {
                let card = event
                    .current_target()?
                    .dyn_into::<web_sys::Element>()
                    .ok()?;
                let from: i32 = card.get_attribute("data-swipe-x")?.parse().ok()?;
                let _ = card.remove_attribute("data-swipe-x");
                match event.client_x() - from {
                    dx if dx <= -60 => Some(Action::NextStep),
                    dx if dx >= 60 => Some(Action::PreviousStep),
                    _ => None,
                }
            };
            if let Some(action) = swipe() {
                dispatch.emit(action);
            }
        })
    };
    let progress = (view.step + 1) as f64 / view.steps.max(1) as f64 * 100.0;
    let last = view.step + 1 >= view.steps;
    html! {
        <section class="card story-reader" aria-label="Story" data-testid="story-reader"
            onpointerdown={on_down} onpointerup={on_up} style="touch-action: pan-y">
            <h2>{view.title.clone()}</h2>
            <div class="progress" role="progressbar" aria-valuemin="1" aria-valuemax={view.steps.to_string()}
                aria-valuenow={(view.step + 1).to_string()} aria-label="Step"><span style={format!("width: {progress:.0}%")}></span></div>
            <p class="hint" data-testid="story-progress">{format!("Step {} of {}", view.step + 1, view.steps)}</p>
            <p class="step-text" data-testid="story-text" aria-live="polite">{story_text(&view.text)}</p>
            if view.playing_by_itself {
                <p class="asks" data-testid="story-playing">{"Playing by itself"}
                    { view.waiting_for.as_ref().map(|asked| format!(": next, {asked}")).unwrap_or_default() }
                    {". Any step or change takes over."}</p>
            } else if let Some(asked) = &view.waiting_for {
                <p class="asks" data-testid="story-asks">{format!("Your turn: {asked}. ")}
                    <button class="small" data-testid="story-do" onclick={dispatch.reform(|_: MouseEvent| Action::DoAsked)}>{"Do it for me"}</button>
                </p>
            }
            <div class="row-buttons">
                <button class="small" data-testid="story-back" disabled={view.step == 0}
                    onclick={dispatch.reform(|_: MouseEvent| Action::PreviousStep)} title="The step before (←)">{"← Back"}</button>
                <button data-testid="story-next" disabled={last || view.waiting_for.is_some()}
                    onclick={dispatch.reform(|_: MouseEvent| Action::NextStep)} title="The next step (→)">{"Next →"}</button>
                <button class="small" data-testid="story-play" disabled={view.playing_by_itself}
                    onclick={dispatch.reform(|_: MouseEvent| Action::PlayStory)}
                    title="Play every step from the first, by itself: each step's run, a moment to read it, what it asks done">{"▶ Play it all"}</button>
                <button class="small leave" data-testid="story-leave" onclick={dispatch.reform(|_: MouseEvent| Action::LeaveStory)}
                    title="Put the story away and play with this run as it is">{"Play freely"}</button>
            </div>
        </section>
    }
}
