//! The browser side: start-up, the panic screen, the benchmark page, the frame loop, the dot
//! layer, files, and the Yew components. Everything here is thin: the state and every rule
//! live in [`crate::model::Playground`].

mod app;
mod bench;
mod clip;
mod components;
mod dots;
mod files;
mod frame_loop;
mod host;
mod keys;

pub use app::App;

use wasm_bindgen::JsCast;

/// Mounts the playground into `#app` (or runs the benchmark when the URL asks for `?bench`).
pub fn start() {
    // Read by `make bench` beside the first drawn topology: what loading and compiling the
    // WebAssembly took, and what starting the playground took.
    mark("cascade-start");
    install_panic_screen();
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let search = web_sys::window()
        .and_then(|window| window.location().search().ok())
        .unwrap_or_default();
    let parameters = web_sys::UrlSearchParams::new_with_str(&search).ok();
    if let Some(seconds) = parameters
        .as_ref()
        .and_then(|parameters| parameters.get("bench"))
    {
        bench::run(&document, crate::embed::bench_seconds(&seconds));
        return;
    }
    let root = document
        .get_element_by_id("app")
        .unwrap_or_else(|| document.body().expect("the page has a body").into());
    yew::Renderer::<App>::with_root(root).render();
}

/// The page's query parameters (see [`crate::embed::PageOptions`]).
pub(crate) fn page_options() -> crate::embed::PageOptions {
    let search = web_sys::window()
        .and_then(|window| window.location().search().ok())
        .unwrap_or_default();
    let parameters = web_sys::UrlSearchParams::new_with_str(&search).ok();
    crate::embed::PageOptions::parse(|name| {
        parameters
            .as_ref()
            .and_then(|parameters| parameters.get(name))
    })
}

/// The page's fragment (with its `#`), where share links carry their state.
pub(crate) fn fragment() -> String {
    web_sys::window()
        .and_then(|window| window.location().hash().ok())
        .unwrap_or_default()
}

/// The playground's own address: no query, no fragment (works from any sub-path).
pub(crate) fn page_address() -> String {
    let Some(location) = web_sys::window().map(|window| window.location()) else {
        return String::new();
    };
    format!(
        "{}{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default()
    )
}

/// Puts a share fragment into the address bar without reloading or adding a history entry.
pub(crate) fn show_fragment(fragment: &str) {
    if let Some(history) = web_sys::window().and_then(|window| window.history().ok()) {
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("#{fragment}")),
        );
    }
}

/// Takes a share fragment out of the address once the person changes the run, so a reload
/// brings back their work (autosaved) rather than the link they opened.
pub(crate) fn forget_share_fragment() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    if !location
        .hash()
        .is_ok_and(|hash| hash.starts_with(&format!("#{}", crate::model::share::FRAGMENT_PREFIX)))
    {
        return;
    }
    let address = format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&address));
    }
}

/// Applies the theme to the whole page (`auto` follows the system).
pub(crate) fn set_theme(theme: crate::embed::Theme) {
    if let Some(root) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.document_element())
    {
        let _ = root.set_attribute("data-theme", theme.as_str());
    }
}

/// Marks the moment the topology is first on screen (read by `make bench`).
pub(crate) fn mark_first_topology() {
    mark("cascade-topology-drawn");
}

/// Milliseconds on the page's clock (0 where the browser has none).
pub(crate) fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now())
}

/// A named moment on the page's performance timeline (start-up's steps, read by `make bench`).
pub(crate) fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|window| window.performance()) {
        let _ = performance.mark(name);
    }
}

/// Where the person's run is autosaved in the browser: a share fragment (versioned,
/// compressed, checked like any link).
const RUN_KEY: &str = "cascade.run.v1";
/// Where older versions autosaved the scenario alone (still read).
const SCENARIO_KEY: &str = "cascade.scenario.v1";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Saves the run so a reload loses nothing (quietly does nothing without storage).
pub(crate) fn save_run(run: &crate::model::share::SharedState) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(RUN_KEY, &crate::model::share::encode(run));
    }
}

/// The autosaved run, if there is one and it is still valid (or an older version's scenario,
/// from time zero).
pub(crate) fn load_saved_run() -> Option<crate::model::share::SharedState> {
    let storage = storage()?;
    if let Some(text) = storage.get_item(RUN_KEY).ok().flatten() {
        if let Ok(Some(run)) = crate::model::share::decode(&text) {
            return Some(run);
        }
    }
    let text = storage.get_item(SCENARIO_KEY).ok().flatten()?;
    let scenario = cascade_sim::Scenario::from_json(&text).ok()?;
    Some(crate::model::share::SharedState {
        scenario,
        started_from: None,
        seed: crate::model::playground::DEFAULT_SEED,
        commands: Vec::new(),
        at: cascade_sim::SimTime::ZERO,
        view: crate::model::share::View::default(),
        story: None,
    })
}

/// Removes the loading indicator (the app calls this once it has drawn).
pub(crate) fn hide_loading() {
    if let Some(loading) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("loading"))
    {
        loading.remove();
    }
}

thread_local! {
    /// The latest scenario, seed and command log, for the panic screen (written as JSON only
    /// if it is shown).
    static REPRODUCTION: std::cell::RefCell<Option<crate::model::share::SharedState>> = const { std::cell::RefCell::new(None) };
}

/// Remembers how to reproduce the current run, in case a bug stops the page: the shared
/// state as JSON (scenario, seed, the commands applied and the time reached).
pub(crate) fn remember_reproduction(playground: &crate::model::Playground) {
    let state = playground.capture();
    REPRODUCTION.with(|slot| *slot.borrow_mut() = Some(state));
}

/// A panic shows a readable message with a copyable reproduction instead of a frozen page.
fn install_panic_screen() {
    std::panic::set_hook(Box::new(|info| {
        let message = format!("Cascade stopped because of a bug: {info}");
        web_sys::console::error_1(&message.clone().into());
        let Some(document) = web_sys::window().and_then(|window| window.document()) else {
            return;
        };
        if let Some(fatal) = document
            .get_element_by_id("fatal")
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let reproduction = REPRODUCTION.with(|state| {
                state
                    .try_borrow()
                    .ok()
                    .and_then(|state| serde_json::to_string(state.as_ref()?).ok())
                    .unwrap_or_default()
            });
            fatal.set_text_content(Some(&format!(
                "{message}\nReload the page to start again. To report it, copy this reproduction \
                 (scenario, seed and the commands applied):\n\n{reproduction}"
            )));
            fatal.set_hidden(false);
        }
        hide_loading();
    }));
}
