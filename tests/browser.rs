//! Browser tests (wasm-bindgen-test in headless Chromium): the app mounts and draws the default
//! scenario, and the engine compiled to wasm reproduces the native golden trace hash.
#![cfg(target_arch = "wasm32")]

use cascade::web::App;
use cascade_sim::fixtures::{golden_run, GOLDEN_TRACE_HASH};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn wasm_engine_reproduces_the_native_golden_trace() {
    assert_eq!(golden_run().trace().hash(), GOLDEN_TRACE_HASH);
}

#[wasm_bindgen_test]
async fn app_mounts_and_renders_the_default_scenario() {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("document");
    let root = document.create_element("div").expect("div");
    document
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append");
    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;

    // The first render is the top bar and the canvas; the panels beside it come after the
    // first frame (or half a second at the latest).
    let kill = || {
        root.query_selector("[data-testid='kill-Payments']")
            .expect("selector")
    };
    assert!(kill().is_none(), "the panels wait for the first frame");
    for name in ["Users", "Orders", "Payments", "Inventory"] {
        let node = root
            .query_selector(&format!("[data-testid='node-{name}']"))
            .expect("valid selector")
            .unwrap_or_else(|| panic!("{name} is drawn"));
        assert_eq!(node.get_attribute("data-state").as_deref(), Some("up"));
    }
    assert_eq!(
        root.query_selector_all(".link.sync")
            .expect("selector")
            .length(),
        3,
        "three sync links"
    );
    assert!(
        root.query_selector("canvas.dots")
            .expect("selector")
            .is_some(),
        "the dot layer exists"
    );
    for _ in 0..100 {
        if kill().is_some() {
            break;
        }
        sleep_ms(20).await;
    }
    let kill = kill().expect("the panels come: a kill button");
    assert_eq!(kill.text_content().as_deref(), Some("Kill"));
}

/// Waits `ms` milliseconds of the page's timers.
async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("a timer");
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("the timer fires");
}

/// The share format in wasm: the version-1 fixture (made natively) opens to the same state,
/// and a link made here opens back to it.
#[wasm_bindgen_test]
fn share_links_open_the_same_in_the_browser() {
    let link = include_str!("fixtures/share-v1.link").trim();
    let expected: cascade::model::share::SharedState =
        serde_json::from_str(include_str!("fixtures/share-v1.json")).expect("fixture state");
    let state = cascade::model::share::decode(link)
        .expect("opens")
        .expect("is a share link");
    assert_eq!(state, expected);
    let again = cascade::model::share::decode(&cascade::model::share::encode(&state))
        .expect("opens")
        .expect("is a share link");
    assert_eq!(again, expected);
    cascade::model::Playground::restore(&state, cascade::embed::PageOptions::default())
        .expect("replays");
}
