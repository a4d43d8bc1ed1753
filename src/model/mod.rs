//! The app's web-free model: everything the page shows and does, tested natively. The Yew
//! components under `web` only render what it gives them and turn DOM events into
//! [`Action`]s for [`Playground::update`].
//!
//! | module | owns |
//! |---|---|
//! | [`playground`] | the one door: runs, compare side, opening, selection, history, panels (`edits`: time, faults, the scenario, the canvas; `selecting`: groups, copy and paste; `sharing`: compare, open, share, files; `shown`: views) |
//! | [`action`] | what a person can do, what changed, why something was refused |
//! | [`runner`] | one simulation run: scenario, seed, geometry, event log |
//! | [`host_api`] | the embed's `postMessage` protocol: reading requests, writing replies |
//! | [`reading`] | a story being read: the step, what it asks of the reader, its notes on the canvas |
//! | [`timeline`] | how far a run got, checkpoints to seek back to exactly, the recorded future, marks |
//! | [`pace`] | how many events a frame can afford, and slow motion when the machine cannot keep up |
//! | [`editor`] | edits of the topology and the undo history |
//! | [`replay`] | rebuilding a shared run from its command log, a slice at a time |
//! | [`compare`] | the compare view's two versions of a scenario |
//! | [`share`] | the share-link format |
//! | [`views`] | the plain data each component renders |
//! | [`charts`] | rates, live charts, metrics CSV, frame times |
//! | [`log`] | the event log (notable trace events in words) and the recent trace |
//! | [`selection`] | what is selected on the canvas |
//! | [`words`] | the playground in sentences |
//! | [`geometry`] | where things are drawn and what a point touches |

pub mod action;
pub mod charts;
pub mod compare;
pub mod editor;
pub mod geometry;
pub mod host_api;
pub mod log;
pub mod pace;
pub mod playground;
pub mod reading;
pub mod replay;
pub mod runner;
pub mod selection;
pub mod share;
pub mod timeline;
pub mod views;
pub mod words;

pub use action::{Action, Block, Changed, Export, Fault, UiError};
pub use charts::{Chart, FrameTimes, Rates};
pub use geometry::{
    Camera, Layout, Point, CANVAS_HEIGHT, CANVAS_WIDTH, NODE_HEIGHT, NODE_WIDTH, QUEUE_HEIGHT,
    QUEUE_WIDTH,
};
pub use log::{LogEntry, LogFilter, Severity};
pub use playground::{hold_ms, Download, Panel, Playground, SPEEDS};
pub use runner::Runner;
pub use selection::Selection;
pub use views::{Figures, Inspected, LinkLine, NodeBox, QueueBox, StageView, Story, TimelineView};
