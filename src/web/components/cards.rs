//! The side panel's cards (the story, what users see, files, the legend) and the compare
//! view's side header. Plain functions, not components: each is a few lines of markup that
//! re-renders with the page's figures anyway, and a Yew component costs about 1.5 KB of
//! bundle (measured with twiggy) for no render saved.

use super::super::dots;
use crate::model::{Action, Export, Figures, Story};
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
pub fn files_card(dispatch: &Callback<Action>, recording_since_s: Option<f64>, now_s: f64) -> Html {
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
                <button class={classes!("small", recording_since_s.is_some().then_some("recording"))} data-testid="record"
                    aria-pressed={recording_since_s.is_some().to_string()}
                    onclick={dispatch.reform(|_: MouseEvent| Action::ToggleRecording)}
                    title="Record the canvas as it plays (topology and moving messages) into a WebM video; press again to save it">
                    { match recording_since_s {
                        Some(since) => format!("● Stop and save clip ({:.1} s)", (now_s - since).max(0.0)),
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
