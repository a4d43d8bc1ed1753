//! Cascade: a browser playground showing why synchronous REST between services cascades
//! failures and how asynchronous messaging contains them.
//!
//! `model` is web-free and tested natively (`model::Playground` is the one door to it);
//! `shortcuts` turns key presses into the model's actions; `embed` reads the page's options;
//! `web` holds the thin Yew components and is only compiled for the browser.

#![forbid(unsafe_code)]

pub mod embed;
pub mod model;
pub mod shortcuts;

#[cfg(target_arch = "wasm32")]
pub mod web;
