//! The app's native tests, one binary: the playground model action by action (`playground`),
//! share links (`share`) and their fuzzing (`share_fuzz`), the timeline (`timeline`), with shared helpers in `support`.
//! The browser's own tests are `tests/browser.rs` (wasm32) and `tests/e2e` (Playwright).

mod host_api;
mod layout;
mod playground;
mod reading;
mod share;
mod share_fuzz;
mod support;
mod timeline;
