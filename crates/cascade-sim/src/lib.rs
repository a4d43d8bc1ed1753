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
//! ## Example: build a scenario, run it, read the metrics, apply a command
//!
//! ```
//! use cascade_sim::{
//!     ClientSpec, Command, Distribution, LinkKind, LinkSpec, RunOutcome, Scenario,
//!     ServiceSpec, SimTime, Simulation, TraceRetention,
//! };
//!
//! // Users call Orders, which calls Payments over a blocking (sync) link. Every field left
//! // out keeps its default, the real systems' defaults (docs/semantics.md gives the sources).
//! let scenario = Scenario {
//!     name: "Orders and Payments".into(),
//!     clients: vec![ClientSpec {
//!         name: "Users".into(),
//!         rate_per_second: 50.0,
//!         ..ClientSpec::default()
//!     }],
//!     services: vec![
//!         ServiceSpec { name: "Orders".into(), workers: 20, ..ServiceSpec::default() },
//!         ServiceSpec {
//!             name: "Payments".into(),
//!             service_time: Distribution::Constant { ms: 30.0 },
//!             ..ServiceSpec::default()
//!         },
//!     ],
//!     links: vec![
//!         LinkSpec { from: "Users".into(), to: "Orders".into(), ..LinkSpec::default() },
//!         LinkSpec { from: "Orders".into(), to: "Payments".into(), ..LinkSpec::default() },
//!     ],
//!     ..Scenario::default()
//! };
//!
//! // The scenario is validated here; an error names the field (`links[1].to: ...`).
//! let mut simulation = Simulation::new(&scenario, 1, TraceRetention::HashOnly)?;
//! // Ten simulated seconds, within a budget of engine events.
//! assert_eq!(simulation.run_until(SimTime::from_secs(10), 10_000_000), RunOutcome::ReachedTime);
//!
//! // End-to-end figures are the load source's; each service has its counters.
//! let users = simulation.node_by_name("Users").expect("a load source");
//! let ok_before = users.client_metrics.succeeded;
//! assert!(ok_before > 400 && users.client_metrics.failed() == 0);
//! let p99_ms = users.client_metrics.latency.quantile_ms(0.99);
//! assert!(p99_ms > 30.0 && p99_ms < 1_000.0);
//! let payments = simulation.node_by_name("Payments").expect("a service");
//! assert_eq!(payments.metrics.failed, 0);
//!
//! // Commands are the faults and changes the playground's buttons make: kill Payments, and
//! // the sync chain fails users (refused calls, retried, then given up).
//! simulation.apply(Command::Kill { node: "Payments".into() })?;
//! simulation.run_until(SimTime::from_secs(20), 10_000_000);
//! let users = simulation.node_by_name("Users").expect("a load source");
//! assert!(users.client_metrics.failed() > 100);
//!
//! // Put a queue on the Orders -> Payments link (link 1, by its position in the scenario):
//! // Orders publishes and answers at once, the queue holds the work while Payments is down.
//! simulation.apply(Command::SetLinkKind { link: 1, kind: LinkKind::Async })?;
//! let failed_before = simulation.node_by_name("Users").expect("users").client_metrics.failed();
//! simulation.run_until(SimTime::from_secs(30), 10_000_000);
//! let users = simulation.node_by_name("Users").expect("a load source");
//! let queue = simulation.queues().find(|queue| queue.name == "Payments.queue").expect("a queue");
//! assert!(queue.depth > 300, "the queue holds the work: {}", queue.depth);
//! assert!(users.client_metrics.failed() - failed_before < 50, "users barely notice");
//!
//! // Payments comes back and drains the queue. The same scenario, seed and commands always
//! // give the same trace hash, natively and in the browser.
//! simulation.apply(Command::Revive { node: "Payments".into() })?;
//! simulation.run_until(SimTime::from_secs(60), 100_000_000);
//! assert_eq!(simulation.queues().find(|queue| queue.name == "Payments.queue").expect("a queue").depth, 0);
//! println!("trace hash {:#018x}", simulation.trace().hash());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`presets`] builds the playground's scenarios, [`stories`] the guided tours of them,
//! [`Scenario::from_json`] reads the JSON files the playground and the `cascade` CLI exchange,
//! and [`Simulation::replay`] re-runs a command log exactly.
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
//! 7. [`stories`] (the preset stories, told over the presets' scenarios).
//! 8. [`fixtures`].
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
pub mod stories;
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
pub use scenario::story::{Annotation, AnnotationKind, Pinned, StepCommand, Story, StoryStep};
pub use scenario::{
    Arrival, CallMode, ClientSpec, LinkSpec, Position, Scenario, ScenarioError, ServiceSpec, Spike,
    SCENARIO_VERSION,
};
pub use time::{SimDuration, SimTime};
pub use trace::{Trace, TraceEvent, TraceKind, TraceRetention};
pub use vocabulary::{Failure, LinkKind, NodeState};
