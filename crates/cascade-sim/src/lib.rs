//! # cascade-sim
//!
//! A deterministic discrete-event simulation of services that call each other synchronously
//! (REST with timeouts and retries) or asynchronously (through broker queues). It has no web
//! dependency: the browser playground and the native CLI drive the same engine, and the same
//! scenario and seed give the same trace hash on both.
//!
//! ```text
//!            sync link (worker held until response / timeout / last retry)
//!  +---------------+   request ->   +---------------+
//!  | Orders        |--------------->| Payments      |
//!  | workers [##..]|<---------------| workers [#...]|
//!  | inbound [...] |   <- response  | inbound [..]  |
//!  +---------------+                +---------------+
//!          |
//!          | async link (publish and move on)
//!          v
//!   +-------------------------+  deliver when a worker   +---------------+
//!   | broker queue "Inventory"|------------------------->| Inventory     |
//!   | ready [####] unacked 2  |<---- ack / nack ---------| workers [##..]|
//!   | dead letters: 0         |                          +---------------+
//!   +-------------------------+
//! ```
//!
//! Time is integer microseconds ([`SimTime`]); events are ordered by (time, sequence); all
//! randomness comes from [`rng::Pcg32`] sub-streams of one seed. Behaviour is observable only
//! through the [`Trace`] and read-only views, so the UI, metrics and tests see the same truth.
//!
//! ## Modules, bottom up
//!
//! A module imports only from the layers below its own, never from its layer or above, so
//! there are no import circles (`tests/all/layers.rs` checks it):
//!
//! 1. [`time`], [`ids`], [`rng`], [`arena`], [`vocabulary`]: leaves. The vocabulary holds
//!    the small enums every other layer speaks ([`LinkKind`], [`NodeState`], [`Failure`]).
//! 2. [`distribution`], [`breaker`], [`queue`], [`metrics`].
//! 3. [`policy`], [`trace`].
//! 4. [`scenario`] (with the command format, [`scenario::command`]), [`policy_presets`].
//! 5. [`engine`] (all of `engine/*`), [`swarm`].
//! 6. [`presets`].
//! 7. [`fixtures`].
//!
//! Items that moved down a layer are re-exported at their old paths (and at the crate root).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod arena;
pub mod breaker;
pub mod distribution;
pub mod engine;
pub mod fixtures;
pub mod ids;
pub mod metrics;
pub mod policy;
pub mod policy_presets;
pub mod presets;
pub mod queue;
pub mod rng;
pub mod scenario;
pub mod swarm;
pub mod time;
pub mod trace;
pub mod vocabulary;

pub use distribution::Distribution;
pub use engine::{
    CommandError, InFlight, InFlightKind, Leg, LinkView, NodeView, QueueView, RunOutcome,
    Simulation, INSTANT_EVENT_LIMIT,
};
pub use ids::{AttemptId, LinkId, NodeId, QueueId, RequestId};
pub use metrics::{ClientCounts, ClientMetrics, Histogram, LinkMetrics, NodeMetrics, QueueMetrics};
pub use policy::{
    AsyncPolicy, Backoff, DeliveryLimitCounts, Jitter, Overflow, PublishFailure, RetryBudget,
    RetryOn, SyncPolicy,
};
pub use scenario::command::{Command, TimedCommand};
pub use scenario::{
    Arrival, CallMode, ClientSpec, LinkSpec, Position, Scenario, ScenarioError, ServiceSpec, Spike,
    SCENARIO_VERSION,
};
pub use time::{SimDuration, SimTime};
pub use trace::{Trace, TraceEvent, TraceKind, TraceRetention};
pub use vocabulary::{Failure, LinkKind, NodeState};
