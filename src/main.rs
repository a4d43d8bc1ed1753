//! The browser entry point. Built by Trunk for wasm32; natively it only says so.

#[cfg(target_arch = "wasm32")]
fn main() {
    cascade::web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "The Cascade playground runs in the browser: `make serve`, then open http://127.0.0.1:8080"
    );
}
