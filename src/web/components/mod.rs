//! The page's parts as thin Yew components. Each takes `Properties` that are `PartialEq`
//! (plain data from the model's views, and the one dispatch callback), renders, and turns
//! DOM events into [`crate::model::Action`]s; Yew skips the parts whose data did not change.
//!
//! | component | shows |
//! |---|---|
//! | [`top_bar::TopBar`] | scenario menu, controls, seed, clock, messages, dialogs |
//! | [`stage::Stage`] | the topology, its dot layer, the palette and pointer gestures |
//! | [`topology`] | how one node and one link are drawn, and what a screen reader hears |
//! | [`faults::FaultControls`] | the "Break things" card |
//! | [`charts::Charts`] | the live charts |
//! | [`event_log::EventLog`], [`event_log::RequestPath`] | the log and one request's path |
//! | [`panels::PanelView`] | the Share and Embed dialogs |
//! | [`inspector::Inspector`] | the selected node's or link's knobs |
//! | [`cards`] | the story, what users see, files, the legend, a compare side's header (plain functions) |
//! | [`embed_view::EmbedView`] | `?embed=1`: the stage, a caption and a compact bar |
//! | [`controls`] | play controls, the speed menu, the clock, kill buttons (shared) |

pub mod cards;
pub mod charts;
pub mod controls;
pub mod embed_view;
pub mod event_log;
pub mod faults;
pub mod inspector;
pub mod panels;
pub mod stage;
pub mod top_bar;
pub mod topology;
