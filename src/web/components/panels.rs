//! The Share and Embed dialogs under the top bar: the link or the iframe snippet, ready to
//! copy, and the snippet's options.

use super::super::page_address;
use crate::embed::{Controls, Snippet, Theme};
use crate::model::{Action, Panel};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The dialog's properties.
#[derive(Properties, PartialEq)]
pub struct PanelProps {
    /// Which dialog, with what it holds.
    pub panel: Panel,
    /// The embed snippet's options.
    pub snippet: Snippet,
    /// The scenario's name (the iframe's title).
    pub scenario_name: String,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// The Share or Embed dialog.
#[function_component]
pub fn PanelView(props: &PanelProps) -> Html {
    let copied = use_state(|| None::<&'static str>);
    let copied = &copied;
    let (panel, dispatch) = (&props.panel, &props.dispatch);
    let close = dispatch.reform(|_: MouseEvent| Action::ClosePanel);
    let scenario_name = props.scenario_name.as_str();
    let copy = |text: String| {
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| {
            // The clipboard exists only on secure pages (https or localhost).
            let clipboard = web_sys::window()
                .map(|window| window.navigator())
                .and_then(|navigator| js_sys::Reflect::get(&navigator, &"clipboard".into()).ok())
                .filter(|clipboard| !clipboard.is_undefined() && !clipboard.is_null())
                .map(|clipboard| clipboard.unchecked_into::<web_sys::Clipboard>());
            copied.set(Some(match clipboard {
                Some(clipboard) => {
                    let _ = clipboard.write_text(&text);
                    "Copied to the clipboard."
                }
                None => "This page cannot reach the clipboard: select the text and copy it.",
            }));
        })
    };
    let copied_note = (**copied)
        .map(|note| html! { <span class="hint" role="status" data-testid="copied">{note}</span> });
    let select_all = Callback::from(|event: FocusEvent| {
        if let Some(input) = event.target_dyn_into::<web_sys::HtmlInputElement>() {
            input.select();
        } else if let Some(area) = event.target_dyn_into::<web_sys::HtmlTextAreaElement>() {
            area.select();
        }
    });
    match panel {
        Panel::Share { fragment } => {
            let url = format!("{}#{fragment}", page_address());
            html! {
            <section class="card dialog" data-testid="share-panel" aria-label="Share this run">
                <h2>{"Share this run"}</h2>
                <p class="hint">{format!("The link holds the scenario, the seed, every fault and change you made with its time, and the view: opening it replays the run to where it is now. {} characters; nothing is stored anywhere else.", url.len())}</p>
                <input class="wide" readonly=true value={url.clone()} data-testid="share-link" aria-label="Share link" onfocus={select_all} />
                <div class="row-buttons">
                    <button onclick={copy(url.clone())} data-testid="copy-link">{"Copy link"}</button>
                    {copied_note.clone()}
                    <button class="small" onclick={close}>{"Close"}</button>
                </div>
            </section>
            }
        }
        Panel::Embed { from_start, run } => {
            let current = props.snippet.clone();
            let fragment = if current.from_start { from_start } else { run };
            let html = current.html(&page_address(), fragment, scenario_name);
            let update = |change: fn(&mut Snippet, &str, bool)| {
                let (dispatch, current) = (dispatch.clone(), current.clone());
                Callback::from(move |event: Event| {
                    let mut next = current.clone();
                    if let Some(input) = event.target_dyn_into::<web_sys::HtmlInputElement>() {
                        change(&mut next, &input.value(), input.checked());
                    } else if let Some(select) =
                        event.target_dyn_into::<web_sys::HtmlSelectElement>()
                    {
                        change(&mut next, &select.value(), false);
                    }
                    dispatch.emit(Action::SetSnippet(next));
                })
            };
            html! {
                <section class="card dialog" data-testid="embed-panel" aria-label="Embed this run">
                    <h2>{"Embed this run in a page"}</h2>
                    <div class="embed-options">
                        <label>{"Controls "}
                            <select data-testid="embed-controls" onchange={update(|s, value, _| s.controls = match value { "none" => Controls::None, "full" => Controls::Full, _ => Controls::Minimal })}>
                                { for [Controls::Minimal, Controls::Full, Controls::None].iter().map(|c| html! {
                                    <option value={c.as_str()} selected={*c == current.controls}>{c.as_str()}</option>
                                }) }
                            </select>
                        </label>
                        <label>{"Theme "}
                            <select data-testid="embed-theme" onchange={update(|s, value, _| s.theme = match value { "light" => Theme::Light, "dark" => Theme::Dark, _ => Theme::Auto })}>
                                { for [Theme::Auto, Theme::Light, Theme::Dark].iter().map(|t| html! {
                                    <option value={t.as_str()} selected={*t == current.theme}>{t.as_str()}</option>
                                }) }
                            </select>
                        </label>
                        <label title="Unticked, the embed replays this run to where it is now, with the faults you applied"><input type="checkbox" data-testid="embed-from-start" checked={current.from_start} onchange={update(|s, _, checked| s.from_start = checked)} />{" From time zero"}</label>
                        <label><input type="checkbox" data-testid="embed-autoplay" checked={current.autoplay} onchange={update(|s, _, checked| s.autoplay = checked)} />{" Autoplay"}</label>
                        <label><input type="checkbox" data-testid="embed-readonly" checked={current.readonly} onchange={update(|s, _, checked| s.readonly = checked)} />{" Read-only"}</label>
                        <label>{"Width "}<input type="number" class="seed" min="240" max="2000" value={current.width.to_string()} data-testid="embed-width"
                            onchange={update(|s, value, _| if let Ok(width) = value.parse::<u32>() { s.width = width.clamp(240, 2000) })} /></label>
                        <label>{"Height "}<input type="number" class="seed" min="160" max="2000" value={current.height.to_string()} data-testid="embed-height"
                            onchange={update(|s, value, _| if let Ok(height) = value.parse::<u32>() { s.height = height.clamp(160, 2000) })} /></label>
                    </div>
                    <textarea class="wide" readonly=true rows="4" data-testid="embed-snippet" aria-label="Iframe snippet" onfocus={select_all} value={html.clone()} />
                    <p class="hint">{"Paste this into your page's HTML. It loads this playground from where it is hosted now; several embeds on one page run independently and pause while scrolled out of view."}</p>
                    <div class="row-buttons">
                        <button onclick={copy(html)} data-testid="copy-snippet">{"Copy snippet"}</button>
                        {copied_note}
                        <button class="small" onclick={close}>{"Close"}</button>
                    </div>
                </section>
            }
        }
    }
}
