//! Cascade: a browser playground showing why synchronous REST between services cascades
//! failures and how asynchronous messaging contains them.
//!
//! `model` is web-free and tested natively; `web` holds the thin Yew components and is only
//! compiled for the browser.

#![forbid(unsafe_code)]

pub mod editor;
pub mod embed;
pub mod model;
pub mod share;

#[cfg(target_arch = "wasm32")]
pub mod web;
