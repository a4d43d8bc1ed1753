//! The simulation engine: the event loop and every mechanism that moves a request or a message.
//!
//! A service is a pool of workers in front of a bounded inbound queue. A worker takes a request
//! (or a message from a broker queue the service consumes), does its local work, then walks the
//! service's call plan: its outgoing links in scenario order, one after another or all at once.
//! A sync link holds the worker until the response, the timeout, or the last retry; an async
//! link publishes a message and moves on. Everything observable is recorded in the [`Trace`];
//! in-flight transmissions are kept so the UI can draw them without reading the trace.
//!
//! The mechanisms live in sub-modules: `calls` (jobs, sync calls, retries, breakers,
//! bulkheads), `broker` (queues, deliveries, acks, dead letters), `faults` (applying commands),
//! `invariants` (the bookkeeping checks tests run after every event).
//!
//! Why this file is long: it holds the simulation's state (every store the mechanisms share),
//! the event loop with its one match over every event kind, and the bounded driver; a
//! mechanism's own logic lives in its sub-module, and what stays here is what they all touch.

mod broker;
mod calls;
mod faults;
mod invariants;
mod views;

/// The command format moved to [`crate::scenario::command`]; re-exported at its old path.
pub use crate::scenario::command::{Command, TimedCommand};
/// Node states are shared vocabulary ([`crate::vocabulary`]); re-exported at their old path.
pub use crate::vocabulary::NodeState;
pub use faults::CommandError;
pub use views::{InFlight, InFlightKind, LinkView, NodeView, QueueView};

use crate::arena::{Arena, Key};
use crate::breaker::CircuitBreaker;
use crate::distribution::Sampler;
use crate::ids::{AttemptId, LinkId, NodeId, QueueId, RequestId};
use crate::metrics::{
    ClientMetrics, LinkMetrics, NodeMetrics, QueueMetrics, Series, SAMPLE_INTERVAL, SERIES_CAPACITY,
};
use crate::policy::{AsyncPolicy, SyncPolicy, TokenBucket};
use crate::queue::EventQueue;
use crate::rng::Pcg32;
use crate::scenario::{CallMode, ClientSpec, Scenario, ScenarioError};
use crate::time::{SimDuration, SimTime};
use crate::trace::{Trace, TraceEvent, TraceKind, TraceRetention};
use crate::vocabulary::{Failure, LinkKind};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

type JobKey = Key<Job>;
type CallKey = Key<Call>;
type MessageKey = Key<Message>;
type TransitKey = Key<Transit>;

/// Connections a hung (frozen) service keeps waiting in its accept backlog; more are not
/// accepted and their callers time out. Linux's default `net.core.somaxconn` since 5.4.
pub const ACCEPT_BACKLOG: u32 = 4_096;

/// How [`Simulation::run_until`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// Simulated time reached the limit.
    ReachedTime,
    /// The event budget ran out first; call again to continue.
    BudgetExhausted,
    /// Nothing is scheduled: nothing will ever happen again.
    Idle,
    /// The current instant has made more than [`INSTANT_EVENT_LIMIT`] events for itself and
    /// more are due there: simulated time cannot move on (zero latencies and backoffs with many
    /// retries or deliveries can do this). A burst scheduled earlier for one instant (a backlog
    /// arriving at once) does not count. Nothing is lost; the run stays at this instant.
    StuckAtInstant,
}

/// The most events one simulated instant may make for itself (events scheduled at the instant
/// for the same instant) before [`Simulation::run_until`] reports
/// [`RunOutcome::StuckAtInstant`]: far above what any realistic instant needs (a million
/// requests a second is one per microsecond), low enough that the pending events stay within a
/// few hundred megabytes.
pub const INSTANT_EVENT_LIMIT: u64 = 2_000_000;

/// Events [`Simulation::run_until`] handles per call of its inner loop.
const TIER_SLICE_EVENTS: u64 = 1_024;

/// Which part of a link a transmission travels on, for drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Leg {
    /// Caller to callee (a request).
    Forward,
    /// Callee to caller (a response).
    Back,
    /// Producer to broker queue.
    ToBroker,
    /// Broker queue to consumer.
    FromBroker,
}

#[derive(Clone)]
enum Event {
    /// An open-loop arrival, valid while `generation` matches the client's.
    ClientArrival {
        node: NodeId,
        generation: u32,
    },
    /// A closed-loop user is done thinking.
    UserReady(NodeId),
    /// An open-loop client's rate changes (a spike starts or ends), valid while `spec_generation`
    /// matches the client's.
    RateChange {
        node: NodeId,
        spec_generation: u32,
    },
    Arrive(TransitKey),
    WorkDone(JobKey),
    CallTimeout(CallKey),
    RetryDue(CallKey),
    Redeliver(MessageKey),
    VisibilityTimeout {
        message: MessageKey,
        delivery: u32,
    },
    BreakerTimer(LinkId),
    /// A fault the scenario schedules (index into `scheduled`).
    ScheduledFault(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// A load source's request; `by_user` when a closed-loop user sent it.
    Client {
        started_at: SimTime,
        by_user: bool,
    },
    Call(CallKey),
    /// A delivery of a message; stale once the message has been delivered again.
    Message {
        message: MessageKey,
        delivery: u32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// In the inbound queue, holding no worker.
    Waiting,
    /// Doing local work.
    Working,
    /// Walking the call plan: waiting on `outstanding` branches.
    Calling,
}

#[derive(Clone)]
struct Job {
    node: NodeId,
    request: RequestId,
    origin: Origin,
    phase: Phase,
    /// Next step of the node's call plan to start.
    next_step: usize,
    /// Branches (calls on the wire, or sleeping before a retry) not yet settled.
    outstanding: u32,
    /// The first failure; the job fails once nothing is outstanding.
    failure: Option<Failure>,
    holds_worker: bool,
    /// When the job reached its node (a request admitted, a delivery received).
    arrived_at: SimTime,
    work_started: Option<SimTime>,
    /// The node's `paused_total` when the local work was scheduled.
    paused_snapshot: SimDuration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CallState {
    /// Sleeping before attempt `attempt` (the caller's worker is held).
    Sleeping,
    /// On the wire or at the callee; the caller waits.
    Waiting,
}

/// Where a branch of a job's call plan stands in its retry policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Attempt {
    /// 1 for the first attempt.
    number: u32,
    /// The sleep before this attempt (decorrelated jitter grows from it).
    previous_backoff: SimDuration,
    /// The retry-budget tokens this attempt's retry took (given back if it succeeds).
    quota_taken: Option<u32>,
}

impl Attempt {
    const FIRST: Attempt = Attempt {
        number: 1,
        previous_backoff: SimDuration::ZERO,
        quota_taken: None,
    };
}

/// One attempt of one branch of a job's call plan: a sync call, or a publish being retried.
#[derive(Clone)]
struct Call {
    id: AttemptId,
    link: LinkId,
    request: RequestId,
    attempt: Attempt,
    /// The waiting job; `None` once it gave up (timeout).
    caller: Option<JobKey>,
    state: CallState,
    /// Holds one of the link's bulkhead slots.
    holds_slot: bool,
    /// The breaker's permit, until the attempt's outcome is reported.
    permit: Option<crate::breaker::Permit>,
    /// A transmission of this call was lost to a partition: nobody will answer.
    lost: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MessageState {
    ToBroker,
    Ready,
    /// Waiting out the redelivery delay.
    Delayed,
    /// Handed to the consumer (on the wire or being processed) for delivery number `delivery`.
    Delivered {
        delivery: u32,
    },
}

#[derive(Clone)]
struct Message {
    id: AttemptId,
    request: RequestId,
    queue: QueueId,
    link: LinkId,
    deliveries: u32,
    /// When the producer published it (for the publish-to-ack sojourn).
    published_at: SimTime,
    /// When it last entered the queue (for its TTL).
    enqueued_at: SimTime,
    state: MessageState,
    /// Its current delivery has a visibility timeout pending (SQS): if the consumer dies, the
    /// message waits for it instead of going back at once.
    visibility_pending: bool,
}

#[derive(Clone)]
enum Payload {
    Call(CallKey),
    Response {
        call: CallKey,
        failure: Option<Failure>,
    },
    Publish(MessageKey),
    /// Delivery number `delivery`; `epoch` is the consumer's incarnation when the worker was
    /// reserved.
    Deliver {
        message: MessageKey,
        delivery: u32,
        epoch: u32,
    },
}

#[derive(Clone)]
struct Transit {
    link: LinkId,
    leg: Leg,
    sent_at: SimTime,
    arrives_at: SimTime,
    /// Sent into a partition: it will never arrive.
    lost: bool,
    payload: Payload,
    /// How it is drawn and the request it serves, worked out when it was sent (what a view
    /// of the wire reads every frame, without a lookup per message).
    kind: InFlightKind,
    request: RequestId,
}

#[derive(Clone)]
enum NodeKind {
    Client(ClientLoad),
    Service,
}

#[derive(Clone)]
struct ClientLoad {
    spec: ClientSpec,
    /// The spec's think time, ready to draw from.
    think_time: Sampler,
    /// Pending open-loop arrivals carry this; a new spec or a change of rate bumps it.
    generation: u32,
    /// Spike boundaries carry this; a new spec bumps it.
    spec_generation: u32,
    /// Closed-loop users thinking or waiting; more than the spec asks for leave one by one.
    users_alive: u32,
    /// The fraction of a microsecond the last open-loop gap was cut short by, in [0, 1):
    /// carried into the next gap so that the rate comes out as asked however high it is.
    gap_remainder_us: f64,
}

#[derive(Clone)]
struct Node {
    name: String,
    kind: NodeKind,
    state: NodeState,
    /// Incremented on every kill, so deliveries reserved before a crash are recognised.
    epoch: u32,
    workers: u32,
    busy: u32,
    queue_capacity: u32,
    inbound: VecDeque<JobKey>,
    /// Its service time, ready to draw from.
    service_time: Sampler,
    slow_factor: f64,
    /// Extra local work per request in progress (see `ServiceSpec`).
    contention_per_request_ms: f64,
    error_rate: f64,
    poison_rate: f64,
    /// Mixed into the poison draw so each service has its own poison requests.
    poison_salt: u64,
    call_mode: CallMode,
    plan: Vec<LinkId>,
    subscriptions: Vec<QueueId>,
    /// Deliveries that reached the node and wait for a worker (they count against their
    /// queue's prefetch, not against the workers).
    prefetched: VecDeque<JobKey>,
    /// Events that reached the node while it was frozen, replayed when it thaws.
    deferred: Vec<(SimTime, Event)>,
    /// Of those, new calls: the connections in its accept backlog.
    backlog_calls: u32,
    /// When the current freeze began.
    frozen_at: Option<SimTime>,
    /// Total time this node has spent frozen: work started before a freeze ends that much
    /// later.
    paused_total: SimDuration,
    /// The largest pool and queue configured before a run-time change shrank them: work
    /// admitted earlier may exceed the new limits until it drains.
    reconfigured_workers: u32,
    reconfigured_capacity: u32,
    rng: Pcg32,
    metrics: NodeMetrics,
    client_metrics: ClientMetrics,
    /// Requests this load source sent that have not finished (kept apart from the metrics,
    /// which a warm-up resets).
    open_requests: u64,
}

#[derive(Clone)]
struct Link {
    from: NodeId,
    to: NodeId,
    kind: LinkKind,
    /// Its one-way latency, ready to draw from.
    latency: Sampler,
    sync: SyncPolicy,
    async_policy: AsyncPolicy,
    queue: QueueId,
    partitioned: bool,
    concurrent: u32,
    breaker: CircuitBreaker,
    budget: Option<TokenBucket>,
    rng: Pcg32,
    metrics: LinkMetrics,
}

#[derive(Clone)]
struct BrokerQueue {
    name: String,
    consumer: NodeId,
    ready: VecDeque<MessageKey>,
    unacked: u32,
    /// Messages waiting out the redelivery delay.
    delayed: u32,
    /// Messages on their way from a producer to the broker.
    to_broker: u32,
    policy: AsyncPolicy,
    /// The most deliveries a message could have under any delivery limit this queue has had
    /// (run-time changes can lower it).
    most_deliveries: u32,
    metrics: QueueMetrics,
}

/// A running simulation of one scenario and seed. A clone is an independent copy that goes on
/// exactly as the original would (the timeline keeps clones as checkpoints to seek back to).
#[derive(Clone)]
pub struct Simulation {
    now: SimTime,
    seed: u64,
    events: EventQueue<Event>,
    nodes: Vec<Node>,
    links: Vec<Link>,
    queues: Vec<BrokerQueue>,
    broker_up: bool,
    /// Nodes frozen now: while there are none, no event needs its target looked up to be
    /// deferred (the lookup costs two arena reads for a response or a timeout).
    frozen_nodes: usize,
    jobs: Arena<Job>,
    calls: Arena<Call>,
    messages: Arena<Message>,
    transits: Arena<Transit>,
    next_request: u64,
    next_attempt: u64,
    trace: Trace,
    command_log: Vec<TimedCommand>,
    events_processed: u64,
    /// Set by [`Simulation::reset_metrics`]: the counters no longer cover the whole run, so the
    /// ledger checks that add them up are skipped.
    metrics_reset: bool,
    /// When a debug build next checks the invariants (in events processed).
    #[cfg(debug_assertions)]
    next_invariant_check: u64,
    /// The shortest think time of a closed-loop user: as many microseconds as there are users
    /// in all, so that together they send at most one request per microsecond (the same
    /// 1,000,000 a second that bounds open-loop sources), whatever the think time says.
    think_floor: SimDuration,
    series: Series,
    /// The scenario's own faults, applied at their times without entering the command log.
    scheduled: Vec<Command>,
}

impl Simulation {
    /// Builds a simulation at time zero. The scenario is validated first.
    pub fn new(
        scenario: &Scenario,
        seed: u64,
        retention: TraceRetention,
    ) -> Result<Self, ScenarioError> {
        scenario.validate()?;
        let mut nodes = Vec::new();
        for client in &scenario.clients {
            let load = ClientLoad {
                spec: client.clone(),
                think_time: client.think_time.sampler(),
                generation: 0,
                spec_generation: 0,
                users_alive: 0,
                gap_remainder_us: 0.0,
            };
            nodes.push(Node::new(&client.name, NodeKind::Client(load), seed));
        }
        for service in &scenario.services {
            let mut node = Node::new(&service.name, NodeKind::Service, seed);
            node.configure(service, SimTime::ZERO);
            nodes.push(node);
        }
        let node_id = |name: &str| {
            let index = nodes.iter().position(|node| node.name == name);
            NodeId(index.expect("validated scenario names every endpoint") as u32)
        };
        let mut queue_ids: BTreeMap<String, QueueId> = BTreeMap::new();
        let mut queues = Vec::new();
        let mut links = Vec::new();
        for spec in &scenario.links {
            let (from, to) = (node_id(&spec.from), node_id(&spec.to));
            let queue_name = spec.async_policy.queue_name(&spec.to);
            let queue = *queue_ids.entry(queue_name.clone()).or_insert_with(|| {
                queues.push(BrokerQueue {
                    name: queue_name,
                    consumer: to,
                    ready: VecDeque::new(),
                    unacked: 0,
                    delayed: 0,
                    to_broker: 0,
                    policy: spec.async_policy.clone(),
                    most_deliveries: spec.async_policy.max_deliveries(),
                    metrics: QueueMetrics::default(),
                });
                QueueId(queues.len() as u32 - 1)
            });
            links.push(Link {
                from,
                to,
                kind: spec.kind,
                latency: spec.latency.sampler(),
                sync: spec.sync.clone(),
                async_policy: spec.async_policy.clone(),
                queue,
                partitioned: false,
                concurrent: 0,
                breaker: CircuitBreaker::new(spec.sync.breaker.clone()),
                budget: spec.sync.retry_budget.as_ref().map(TokenBucket::full),
                rng: Pcg32::for_label(seed, &format!("link:{}->{}", spec.from, spec.to)),
                metrics: LinkMetrics::default(),
            });
        }
        for (index, link) in links.iter().enumerate() {
            nodes[link.from.index()].plan.push(LinkId(index as u32));
        }
        for (index, queue) in queues.iter().enumerate() {
            nodes[queue.consumer.index()]
                .subscriptions
                .push(QueueId(index as u32));
        }
        let series = Series::new(nodes.len(), queues.len());
        let mut simulation = Simulation {
            now: SimTime::ZERO,
            seed,
            events: EventQueue::default(),
            nodes,
            links,
            queues,
            broker_up: true,
            frozen_nodes: 0,
            jobs: Arena::default(),
            calls: Arena::default(),
            messages: Arena::default(),
            transits: Arena::default(),
            next_request: 0,
            next_attempt: 0,
            trace: Trace::new(retention),
            command_log: Vec::new(),
            events_processed: 0,
            metrics_reset: false,
            #[cfg(debug_assertions)]
            next_invariant_check: 0,
            think_floor: SimDuration::ZERO,
            series,
            scheduled: scenario
                .faults
                .iter()
                .map(|fault| fault.command.clone())
                .collect(),
        };
        for (index, fault) in scenario.faults.iter().enumerate() {
            simulation
                .events
                .schedule(fault.at, Event::ScheduledFault(index));
        }
        simulation.think_floor = simulation.closed_loop_think_floor();
        for index in 0..simulation.nodes.len() {
            simulation.start_load(NodeId(index as u32));
        }
        Ok(simulation)
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The seed this run was built with.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// When the next event is scheduled, if any: until then nothing happens.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.events.peek_time()
    }

    /// Events handled so far.
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }

    /// The trace recorder (hash, count, kept events).
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// The trace recorder, to take kept events out.
    pub fn trace_mut(&mut self) -> &mut Trace {
        &mut self.trace
    }

    /// Commands applied so far, in order: with the scenario and seed, a full reproduction.
    pub fn command_log(&self) -> &[TimedCommand] {
        &self.command_log
    }

    /// Runs events up to and including `limit`, handling at most `max_events`. Stopping at the
    /// limit, on the budget or when idle is always safe: a run split into many calls gives the
    /// same result as one call. However large the budget, it stops at an instant that has taken
    /// [`INSTANT_EVENT_LIMIT`] events ([`RunOutcome::StuckAtInstant`]), so no call can spin
    /// for ever at one simulated time.
    pub fn run_until(&mut self, limit: SimTime, max_events: u64) -> RunOutcome {
        // In slices of a separate function: a browser's WebAssembly engine swaps a function's
        // first, quickly compiled code for its optimised code between calls, never during one
        // (measured in Chromium: one call for a whole run handled 1.62 M events/s, the same
        // run in calls of 10 simulated ms 2.06 M, medians of 12 alternating runs). Natively
        // the extra call every `TIER_SLICE_EVENTS` events costs nothing measurable.
        let mut handled = 0;
        loop {
            let slice = (max_events - handled).min(TIER_SLICE_EVENTS);
            let (outcome, done) = self.run_slice(limit, slice);
            handled += done;
            if outcome != RunOutcome::BudgetExhausted || handled >= max_events {
                return outcome;
            }
        }
    }

    /// [`Simulation::run_until`] for at most `max_events` events; also says how many it handled.
    #[inline(never)]
    fn run_slice(&mut self, limit: SimTime, max_events: u64) -> (RunOutcome, u64) {
        let mut handled = 0;
        let outcome = loop {
            match self.events.peek_time() {
                None => {
                    self.advance_clock(self.now.max(limit));
                    break RunOutcome::Idle;
                }
                Some(time) if time > limit => {
                    self.advance_clock(self.now.max(limit));
                    break RunOutcome::ReachedTime;
                }
                Some(time)
                    if time == self.now
                        && self.events.scheduled_at_current() >= INSTANT_EVENT_LIMIT =>
                {
                    break RunOutcome::StuckAtInstant
                }
                Some(_) if handled >= max_events => break RunOutcome::BudgetExhausted,
                Some(_) => {
                    self.step();
                    handled += 1;
                }
            }
        };
        (outcome, handled)
    }

    /// Handles the next event; returns its time, or `None` when nothing is scheduled.
    pub fn step(&mut self) -> Option<SimTime> {
        let (time, event) = self.events.pop()?;
        assert!(
            time >= self.now,
            "time went back from {:?} to {time:?}",
            self.now
        );
        self.advance_clock(time);
        self.events_processed += 1;
        if self.frozen_nodes > 0 {
            if let Some(node) = self.event_target(&event) {
                if self.nodes[node.index()].state == NodeState::Frozen {
                    self.defer(node, time, event);
                    return Some(time);
                }
            }
        }
        match event {
            Event::ClientArrival { node, generation } => self.on_client_arrival(node, generation),
            Event::UserReady(node) => self.on_user_ready(node),
            Event::RateChange {
                node,
                spec_generation,
            } => self.on_rate_change(node, spec_generation),
            Event::Arrive(transit) => self.on_arrive(transit),
            Event::WorkDone(job) => self.on_work_done(job),
            Event::CallTimeout(call) => self.on_call_timeout(call),
            Event::RetryDue(call) => self.on_retry_due(call),
            Event::Redeliver(message) => self.on_redeliver(message),
            Event::VisibilityTimeout { message, delivery } => {
                self.on_visibility_timeout(message, delivery)
            }
            Event::BreakerTimer(link) => self.on_breaker_timer(link),
            Event::ScheduledFault(index) => {
                // A scheduled fault that no longer applies (reviving a live service after the
                // user revived it by hand) changes nothing.
                let command = self.scheduled[index].clone();
                let _ = self.apply_unlogged(&command);
            }
        }
        #[cfg(debug_assertions)]
        self.check_invariants_now_and_then();
        Some(time)
    }

    /// Debug builds check every invariant as they run, after so many events that the checks
    /// cost about as much again as the run (at least every 1,024 events).
    #[cfg(debug_assertions)]
    fn check_invariants_now_and_then(&mut self) {
        if self.events_processed < self.next_invariant_check {
            return;
        }
        if let Err(problem) = self.check_invariants() {
            panic!("invariant broken at {:?}: {problem}", self.now);
        }
        self.next_invariant_check = self.events_processed + self.live_records().max(1_024) as u64;
    }

    /// Keeps an event for a hung node until it thaws. New connections wait in its accept
    /// backlog; once that is full, one more is never accepted (its caller times out), so a hung
    /// service cannot pile up memory without bound.
    fn defer(&mut self, node_id: NodeId, time: SimTime, event: Event) {
        let call_arriving = match &event {
            Event::Arrive(transit) => self
                .transits
                .get(*transit)
                .is_some_and(|transit| matches!(transit.payload, Payload::Call(_))),
            _ => false,
        };
        let node = &mut self.nodes[node_id.index()];
        if call_arriving {
            if node.backlog_calls >= ACCEPT_BACKLOG {
                node.metrics.backlog_dropped += 1;
                let Event::Arrive(transit) = event else {
                    unreachable!("checked above")
                };
                let transit = self
                    .transits
                    .remove(transit)
                    .expect("arriving transit exists");
                self.on_lost(transit.payload);
                return;
            }
            node.backlog_calls += 1;
        }
        node.deferred.push((time, event));
    }

    /// Moves the clock, taking every metrics sample due on the way. Nothing changes between
    /// events, so over a long quiet stretch the samples differ only in their time, and the
    /// series keeps only its last [`SERIES_CAPACITY`]: those that would drop out are skipped
    /// (a jump of a simulated year takes as long as a jump of a minute).
    fn advance_clock(&mut self, time: SimTime) {
        let interval = SAMPLE_INTERVAL.as_micros();
        loop {
            let due = self.series.next_sample_due();
            if due > time {
                break;
            }
            self.now = due;
            self.take_sample();
            let next = self.series.next_sample_due();
            if next <= due {
                // The end of time: the next sample would never come.
                break;
            }
            let still_due = time
                .as_micros()
                .checked_sub(next.as_micros())
                .map_or(0, |gap| gap / interval + 1);
            if still_due > SERIES_CAPACITY as u64 {
                self.series.skip(still_due - SERIES_CAPACITY as u64);
            }
        }
        self.now = time;
    }

    /// The node an event acts on, if any: a frozen node defers it.
    fn event_target(&self, event: &Event) -> Option<NodeId> {
        let caller_of = |call: CallKey| {
            self.calls
                .get(call)
                .and_then(|call| call.caller)
                .and_then(|job| self.jobs.get(job))
                .map(|job| job.node)
        };
        match *event {
            Event::ClientArrival { .. } | Event::UserReady(_) | Event::RateChange { .. } => None,
            Event::Redeliver(_) | Event::VisibilityTimeout { .. } => None,
            Event::ScheduledFault(_) => None,
            Event::WorkDone(job) => self.jobs.get(job).map(|job| job.node),
            Event::CallTimeout(call) | Event::RetryDue(call) => caller_of(call),
            Event::BreakerTimer(link) => Some(self.links[link.index()].from),
            Event::Arrive(transit) => {
                let transit = self.transits.get(transit)?;
                if transit.lost {
                    return None;
                }
                match transit.payload {
                    Payload::Call(_) => Some(self.links[transit.link.index()].to),
                    Payload::Response { call, .. } => caller_of(call),
                    Payload::Publish(_) => None,
                    Payload::Deliver { .. } => Some(self.links[transit.link.index()].to),
                }
            }
        }
    }

    fn record(&mut self, kind: TraceKind) {
        self.trace.record(TraceEvent {
            time: self.now,
            kind,
        });
    }

    fn next_attempt_id(&mut self) -> AttemptId {
        self.next_attempt += 1;
        AttemptId(self.next_attempt)
    }

    /// Sends a transmission along a link. Into a partition it is marked lost: it still takes
    /// its time (so it can be drawn and cleaned up) but never reaches anyone.
    fn transmit(&mut self, link_id: LinkId, leg: Leg, payload: Payload) {
        let link = &mut self.links[link_id.index()];
        let latency = link.latency.sample(&mut link.rng);
        // A constant latency is a fixed delay: its arrivals come in time order, so they can
        // take a first-in-first-out lane instead of the heap (same order either way).
        let fixed = link.latency.is_constant();
        let lost = link.partitioned && matches!(leg, Leg::Forward | Leg::Back);
        let arrives_at = self.now + latency;
        let kind = if lost {
            InFlightKind::Lost
        } else {
            self.in_flight_kind(&payload)
        };
        let request = self.request_of(&payload);
        let transit = self.transits.insert(Transit {
            link: link_id,
            leg,
            sent_at: self.now,
            arrives_at,
            lost,
            payload,
            kind,
            request,
        });
        if fixed {
            self.events
                .schedule_after(self.now, latency, Event::Arrive(transit));
        } else {
            self.events.schedule(arrives_at, Event::Arrive(transit));
        }
    }

    fn on_arrive(&mut self, transit_key: TransitKey) {
        let transit = self
            .transits
            .remove(transit_key)
            .expect("arriving transit exists");
        if transit.lost {
            self.on_lost(transit.payload);
            return;
        }
        match transit.payload {
            Payload::Call(call) => self.on_call_arrived(call, transit.link),
            Payload::Response { call, failure } => self.on_response(call, failure),
            Payload::Publish(message) => self.on_publish_arrived(message),
            Payload::Deliver {
                message,
                delivery,
                epoch,
            } => self.on_delivery_arrived(message, delivery, epoch, transit.link),
        }
    }

    // ---- load -------------------------------------------------------------------------------

    /// Starts a load source from its spec at the current time: closed-loop users join (up to
    /// the spec's count), open-loop arrivals and spike boundaries are scheduled under the
    /// current generation, so anything scheduled for an older spec is ignored.
    fn start_load(&mut self, node_id: NodeId) {
        let now_ms = self.now.as_micros() as f64 / 1e3;
        let NodeKind::Client(load) = &mut self.nodes[node_id.index()].kind else {
            return;
        };
        let joining = load.spec.closed_loop_users.saturating_sub(load.users_alive);
        load.users_alive += joining;
        let generation = load.spec_generation;
        let boundaries: Vec<f64> = load
            .spec
            .spikes
            .iter()
            .flat_map(|spike| [spike.at_ms, spike.at_ms + spike.duration_ms])
            .filter(|boundary_ms| *boundary_ms > now_ms)
            .collect();
        for _ in 0..joining {
            self.schedule_user(node_id);
        }
        for boundary_ms in boundaries {
            let at = SimTime::ZERO + SimDuration::from_millis_f64(boundary_ms);
            self.events.schedule(
                at,
                Event::RateChange {
                    node: node_id,
                    spec_generation: generation,
                },
            );
        }
        self.schedule_next_arrival(node_id);
    }

    /// See `think_floor`.
    fn closed_loop_think_floor(&self) -> SimDuration {
        let users: u64 = self
            .nodes
            .iter()
            .map(|node| match &node.kind {
                NodeKind::Client(load) => u64::from(load.spec.closed_loop_users),
                NodeKind::Service => 0,
            })
            .sum();
        SimDuration::from_micros(users.max(1))
    }

    /// A closed-loop user thinks, then sends.
    fn schedule_user(&mut self, node_id: NodeId) {
        let node = &mut self.nodes[node_id.index()];
        let NodeKind::Client(load) = &node.kind else {
            return;
        };
        // Never below the floor, so zero think times cannot flood the run or stall its clock.
        let think = load.think_time.sample(&mut node.rng).max(self.think_floor);
        self.events
            .schedule(self.now + think, Event::UserReady(node_id));
    }

    /// A user is done thinking: sends, or leaves if the spec now wants fewer users.
    fn on_user_ready(&mut self, node_id: NodeId) {
        if self.user_leaves(node_id) {
            return;
        }
        self.send_client_request(node_id, true);
    }

    /// True (and the user is gone) when more users are alive than the spec asks for.
    fn user_leaves(&mut self, node_id: NodeId) -> bool {
        let NodeKind::Client(load) = &mut self.nodes[node_id.index()].kind else {
            return true;
        };
        if load.users_alive > load.spec.closed_loop_users {
            load.users_alive -= 1;
            true
        } else {
            false
        }
    }

    fn schedule_next_arrival(&mut self, node_id: NodeId) {
        let now_ms = self.now.as_micros() as f64 / 1e3;
        let node = &mut self.nodes[node_id.index()];
        let NodeKind::Client(load) = &mut node.kind else {
            return;
        };
        let rate_per_second = load.spec.rate_at(now_ms);
        if load.spec.closed_loop_users > 0 || rate_per_second <= 0.0 {
            return;
        }
        let mean_gap_us = 1e6 / rate_per_second;
        let gap_us = match load.spec.arrival {
            crate::scenario::Arrival::Constant => mean_gap_us,
            crate::scenario::Arrival::Poisson => {
                -mean_gap_us * libm::log(node.rng.next_f64_nonzero())
            }
        };
        let generation = load.generation;
        // Whole microseconds, the cut-off fraction carried into the next gap: the mean gap is
        // exact at any allowed rate (the validator caps rates, so time still moves: a gap of
        // zero means two arrivals in the same microsecond).
        let exact_us = gap_us + load.gap_remainder_us;
        let whole_us = exact_us.floor();
        load.gap_remainder_us = exact_us - whole_us;
        let gap = SimDuration::from_micros(whole_us as u64);
        self.events.schedule(
            self.now + gap,
            Event::ClientArrival {
                node: node_id,
                generation,
            },
        );
    }

    /// A spike starts or ends: forget the pending arrival and draw a new one at the new rate
    /// (exact for Poisson arrivals, which are memoryless).
    fn on_rate_change(&mut self, node_id: NodeId, spec_generation: u32) {
        let NodeKind::Client(load) = &mut self.nodes[node_id.index()].kind else {
            return;
        };
        if load.spec_generation != spec_generation {
            return;
        }
        load.generation = load.generation.wrapping_add(1);
        self.schedule_next_arrival(node_id);
    }

    fn on_client_arrival(&mut self, node_id: NodeId, generation: u32) {
        match &self.nodes[node_id.index()].kind {
            NodeKind::Client(load) if load.generation == generation => {}
            _ => return,
        }
        self.send_client_request(node_id, false);
        self.schedule_next_arrival(node_id);
    }

    fn send_client_request(&mut self, node_id: NodeId, by_user: bool) {
        self.next_request += 1;
        let request = RequestId(self.next_request);
        self.nodes[node_id.index()].client_metrics.started += 1;
        self.record(TraceKind::RequestStarted {
            request,
            client: node_id,
        });
        let origin = Origin::Client {
            started_at: self.now,
            by_user,
        };
        let job = self
            .jobs
            .insert(Job::new(node_id, request, origin, self.now));
        self.nodes[node_id.index()].open_requests += 1;
        self.admit(job);
    }

    /// A client request ended: its closed-loop user thinks before the next one, or leaves.
    fn client_request_finished(&mut self, node_id: NodeId, by_user: bool) {
        if by_user && !self.user_leaves(node_id) {
            self.schedule_user(node_id);
        }
    }

    // ---- metrics ----------------------------------------------------------------------------

    fn take_sample(&mut self) {
        let totals = self.client_counts();
        let nodes = self.nodes.iter().map(|node| (node.busy, node.waiting()));
        let queues = self.queues.iter().map(|queue| {
            (
                queue.ready.len() as u32,
                queue.unacked,
                queue.metrics.dead_lettered,
            )
        });
        let downstream = self.downstream_calls();
        self.series
            .record(self.now, &totals, nodes, queues, downstream);
    }

    /// Calls and deliveries below the load sources: sync attempts on links not leaving a
    /// client, plus broker deliveries.
    pub fn downstream_calls(&self) -> u64 {
        let attempts: u64 = self
            .links
            .iter()
            .filter(|link| matches!(self.nodes[link.from.index()].kind, NodeKind::Service))
            .map(|link| link.metrics.attempts)
            .sum();
        let deliveries: u64 = self
            .queues
            .iter()
            .map(|queue| queue.metrics.delivered)
            .sum();
        attempts + deliveries
    }

    /// The sampled time series (bounded memory).
    pub fn series(&self) -> &Series {
        &self.series
    }
}

impl Node {
    fn new(name: &str, kind: NodeKind, seed: u64) -> Self {
        let is_client = matches!(kind, NodeKind::Client(_));
        Node {
            name: name.to_string(),
            kind,
            state: NodeState::Up,
            epoch: 0,
            workers: if is_client { u32::MAX } else { 1 },
            busy: 0,
            queue_capacity: 0,
            inbound: VecDeque::new(),
            service_time: Sampler::Constant { ms: 0.0 },
            slow_factor: 1.0,
            contention_per_request_ms: 0.0,
            error_rate: 0.0,
            poison_rate: 0.0,
            poison_salt: crate::rng::fnv1a64(name.as_bytes()),
            call_mode: CallMode::Sequential,
            plan: Vec::new(),
            subscriptions: Vec::new(),
            prefetched: VecDeque::new(),
            deferred: Vec::new(),
            backlog_calls: 0,
            frozen_at: None,
            paused_total: SimDuration::ZERO,
            reconfigured_workers: 0,
            reconfigured_capacity: 0,
            rng: Pcg32::for_label(seed, &format!("node:{name}")),
            metrics: NodeMetrics::default(),
            client_metrics: ClientMetrics::default(),
            open_requests: 0,
        }
    }

    /// Applies a service's knobs (at build time and on a run-time update).
    fn configure(&mut self, spec: &crate::scenario::ServiceSpec, now: SimTime) {
        self.accrue(now);
        self.reconfigured_workers = self.reconfigured_workers.max(self.workers.max(self.busy));
        self.reconfigured_capacity = self.reconfigured_capacity.max(self.queue_capacity);
        self.workers = spec.workers;
        self.queue_capacity = spec.queue_capacity;
        self.service_time = spec.service_time.sampler();
        self.error_rate = spec.error_rate;
        self.poison_rate = spec.poison_rate;
        self.contention_per_request_ms = spec.contention_per_request_ms;
        self.call_mode = spec.call_mode;
    }
}

impl Node {
    /// Work waiting for a worker: queued requests and buffered deliveries.
    fn waiting(&self) -> u32 {
        (self.inbound.len() + self.prefetched.len()) as u32
    }

    /// Adds the time since the last change of the pool's gauges to its integrals; called
    /// before any of them changes.
    // Called from many places: one copy of it, not one per caller (the browser bundle).
    #[inline(never)]
    fn accrue(&mut self, now: SimTime) {
        let waiting = self.waiting();
        self.metrics
            .occupancy
            .accrue(now, self.busy, waiting, self.workers);
    }
}

impl BrokerQueue {
    /// Adds the time since the last change of the ready depth to its integral; called before
    /// the depth changes.
    // Called from many places: one copy of it, not one per caller (the browser bundle).
    #[inline(never)]
    fn accrue(&mut self, now: SimTime) {
        let depth = self.ready.len() as u32;
        self.metrics.depth.accrue(now, depth, 0, 0);
    }
}

impl Job {
    fn new(node: NodeId, request: RequestId, origin: Origin, arrived_at: SimTime) -> Self {
        Job {
            arrived_at,
            node,
            request,
            origin,
            phase: Phase::Waiting,
            next_step: 0,
            outstanding: 0,
            failure: None,
            holds_worker: false,
            work_started: None,
            paused_snapshot: SimDuration::ZERO,
        }
    }
}
