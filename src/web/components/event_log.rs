//! The event log: notable things in words, newest first, pausable and filterable; a dead
//! letter's entry opens its request's path. And the request path itself.

use crate::model::{Action, LogEntry, LogFilter, Severity};
use cascade_sim::SimTime;
use yew::prelude::*;

/// The event log's properties.
#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// The entries shown, newest first.
    pub entries: Vec<LogEntry>,
    /// Which entries are shown.
    pub filter: LogFilter,
    /// Whether new entries are held back.
    pub paused: bool,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// The event log.
#[function_component]
pub fn EventLog(props: &EventLogProps) -> Html {
    let dispatch = &props.dispatch;
    let on_filter = dispatch.reform(|event: Event| {
        let value = event
            .target_dyn_into::<web_sys::HtmlSelectElement>()
            .map(|select| select.value())
            .unwrap_or_default();
        Action::SetLogFilter(match value.as_str() {
            "problems" => LogFilter::Problems,
            "recoveries" => LogFilter::Recoveries,
            _ => LogFilter::All,
        })
    });
    html! {
        <section class="card log" aria-label="Event log">
            <div class="log-head">
                <h2>{"What happened"}</h2>
                <select class="log-filter" data-testid="log-filter" aria-label="Which events to show" onchange={on_filter}>
                    <option value="all" selected={props.filter == LogFilter::All}>{"everything"}</option>
                    <option value="problems" selected={props.filter == LogFilter::Problems}>{"problems"}</option>
                    <option value="recoveries" selected={props.filter == LogFilter::Recoveries}>{"recoveries and changes"}</option>
                </select>
                <button data-testid="log-pause" class="small" onclick={dispatch.reform(|_: MouseEvent| Action::ToggleLogPause)}
                    aria-pressed={props.paused.to_string()}>
                    { if props.paused { "Resume log" } else { "Pause log" } }
                </button>
            </div>
            <ol class="entries" data-testid="log" aria-live="off">
                { for props.entries.iter().map(|entry| {
                    let class = match entry.severity {
                        Severity::Bad => "bad",
                        Severity::Good => "good",
                        Severity::Info => "info",
                    };
                    let text = match entry.request {
                        Some(request) => html! {
                            <button class="linkish" data-testid="log-request" title="Show this request's path"
                                onclick={dispatch.reform(move |_: MouseEvent| Action::InspectRequest(Some(request.0)))}>
                                {entry.text.clone()}</button>
                        },
                        None => html! { {entry.text.clone()} },
                    };
                    html! {
                        <li class={class}><span class="at">{format!("{:.2} s", entry.at.as_secs_f64())}</span>{text}</li>
                    }
                }) }
            </ol>
        </section>
    }
}

/// The request path's properties.
#[derive(Properties, PartialEq)]
pub struct RequestPathProps {
    /// The request's number and its path in words, oldest first.
    pub path: (u64, Vec<(SimTime, String)>),
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// The path of one request: every hop, attempt, delivery and outcome, in order.
#[function_component]
pub fn RequestPath(props: &RequestPathProps) -> Html {
    let (request, story) = &props.path;
    html! {
        <section class="card path" aria-label="Request path" data-testid="request-path">
            <div class="log-head">
                <h2>{format!("Request {request}")}</h2>
                <button class="small" onclick={props.dispatch.reform(|_: MouseEvent| Action::InspectRequest(None))}>{"Close"}</button>
            </div>
            if story.is_empty() {
                <p class="hint">{"Nothing recent is known about this request."}</p>
            }
            <ol class="entries">
                { for story.iter().map(|(at, text)| html! {
                    <li><span class="at">{format!("{:.3} s", at.as_secs_f64())}</span>{text.clone()}</li>
                }) }
            </ol>
        </section>
    }
}
