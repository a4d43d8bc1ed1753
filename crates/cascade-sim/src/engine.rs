//! The simulation engine: the event loop and every mechanism that moves a request or a message.
//!
//! A service is a pool of workers in front of a bounded inbound queue. A worker takes a request
//! (or a message from a broker queue the service consumes), does its local work, then walks the
//! service's call plan: its outgoing links in scenario order. A sync link holds the worker until
//! the response, the timeout, or the last retry; an async link publishes a message and moves on.
//! Everything observable is recorded in the [`Trace`]; in-flight transmissions are kept so the
//! UI can draw them without reading the trace.

use crate::arena::{Arena, Key};
use crate::distribution::Distribution;
use crate::ids::{AttemptId, LinkId, NodeId, QueueId, RequestId};
use crate::metrics::{ClientMetrics, LinkMetrics, NodeMetrics, QueueMetrics};
use crate::policy::SyncPolicy;
use crate::queue::EventQueue;
use crate::rng::Pcg32;
use crate::scenario::{Arrival, LinkKind, Scenario, ScenarioError};
use crate::time::{SimDuration, SimTime};
use crate::trace::{Failure, Trace, TraceEvent, TraceKind, TraceRetention};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

type JobKey = Key<Job>;
type CallKey = Key<Call>;
type MessageKey = Key<Message>;
type TransitKey = Key<Transit>;

/// Whether a node is taking work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeState {
    /// Running.
    Up,
    /// Crashed: connections are refused at once, in-progress work is lost.
    Killed,
}

/// A fault or change applied to a running simulation: the same path for the UI, the CLI,
/// tests and replays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// Crash a service: in-progress requests get a connection reset, unacked messages return
    /// to their queue, new calls are refused.
    Kill {
        /// The service's name.
        node: String,
    },
    /// Restart a killed service with empty workers.
    Revive {
        /// The service's name.
        node: String,
    },
    /// Switch a link between a blocking call and a queue. Calls already made finish as they are.
    SetLinkKind {
        /// The link's index in the scenario.
        link: u32,
        /// The new kind.
        kind: LinkKind,
    },
}

/// A command with the simulated time it was applied at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedCommand {
    /// When.
    pub at: SimTime,
    /// What.
    #[serde(flatten)]
    pub command: Command,
}

/// A command that cannot be applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// No node has that name.
    #[error("no service is named {0:?}")]
    UnknownNode(String),
    /// The link index is out of range.
    #[error("there is no link number {0}")]
    UnknownLink(u32),
    /// Load sources cannot be killed or revived.
    #[error("{0:?} is a load source, not a service")]
    NotAService(String),
    /// Killing a dead service or reviving a live one.
    #[error("{name:?} is already {state:?}")]
    AlreadyInState {
        /// The service.
        name: String,
        /// Its state.
        state: NodeState,
    },
}

/// How [`Simulation::run_until`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// Simulated time reached the limit.
    ReachedTime,
    /// The event budget ran out first; call again to continue.
    BudgetExhausted,
    /// Nothing is scheduled: nothing will ever happen again.
    Idle,
}

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

/// What a transmission carries, for drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InFlightKind {
    /// A first attempt.
    Request,
    /// A retried attempt.
    Retry,
    /// A successful response.
    Response,
    /// A failed response (refused, rejected, reset, 5xx).
    ErrorResponse,
    /// A message, published or delivered for the first time.
    Message,
    /// A message delivered again after a failure.
    Redelivery,
}

/// One transmission on the wire, enough to interpolate its position at any instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct InFlight {
    /// The link it travels.
    pub link: LinkId,
    /// Which way.
    pub leg: Leg,
    /// Left at.
    pub sent_at: SimTime,
    /// Arrives at.
    pub arrives_at: SimTime,
    /// What it is.
    pub kind: InFlightKind,
}

enum Event {
    ClientArrival(NodeId),
    Arrive(TransitKey),
    WorkDone(JobKey),
    CallTimeout(CallKey),
    BackoffDone(JobKey),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    Client { started_at: SimTime },
    Call(CallKey),
    Message(MessageKey),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Waiting,
    Working,
    Calling(CallKey),
    BackingOff,
}

struct Job {
    node: NodeId,
    request: RequestId,
    origin: Origin,
    phase: Phase,
    /// Position in the node's call plan.
    step: usize,
    /// Attempt number on the current sync step (0 before the first).
    attempt: u32,
    previous_backoff: SimDuration,
    holds_worker: bool,
    work_started: Option<SimTime>,
}

struct Call {
    id: AttemptId,
    link: LinkId,
    request: RequestId,
    attempt: u32,
    /// The waiting caller; `None` once it gave up (timeout) or died.
    caller: Option<JobKey>,
}

struct Message {
    id: AttemptId,
    request: RequestId,
    queue: QueueId,
    link: LinkId,
    deliveries: u32,
}

enum Payload {
    Call(CallKey),
    Response {
        call: CallKey,
        failure: Option<Failure>,
    },
    Publish(MessageKey),
    /// `epoch` is the consumer's incarnation when the worker was reserved.
    Deliver {
        message: MessageKey,
        epoch: u32,
    },
}

struct Transit {
    link: LinkId,
    leg: Leg,
    sent_at: SimTime,
    arrives_at: SimTime,
    payload: Payload,
}

enum NodeKind {
    Client {
        rate_per_second: f64,
        arrival: Arrival,
    },
    Service,
}

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
    service_time: Distribution,
    error_rate: f64,
    plan: Vec<LinkId>,
    subscriptions: Vec<QueueId>,
    next_subscription: usize,
    rng: Pcg32,
    metrics: NodeMetrics,
    client_metrics: ClientMetrics,
}

struct Link {
    from: NodeId,
    to: NodeId,
    kind: LinkKind,
    latency: Distribution,
    sync: SyncPolicy,
    queue: QueueId,
    rng: Pcg32,
    metrics: LinkMetrics,
}

struct BrokerQueue {
    name: String,
    consumer: NodeId,
    ready: VecDeque<MessageKey>,
    unacked: u32,
    delivery_limit: u32,
    metrics: QueueMetrics,
}

/// A read-only view of a node for display.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeView<'a> {
    /// Id.
    pub id: NodeId,
    /// Name.
    pub name: &'a str,
    /// True for load sources.
    pub is_client: bool,
    /// Up or killed.
    pub state: NodeState,
    /// Workers in use (reserved for a delivery included).
    pub busy: u32,
    /// Worker threads (`u32::MAX` for a load source).
    pub workers: u32,
    /// Requests waiting for a worker.
    pub inbound: u32,
    /// Inbound queue capacity.
    pub queue_capacity: u32,
    /// Counters.
    pub metrics: &'a NodeMetrics,
    /// End-to-end counters of the requests this node sent (load sources only).
    pub client_metrics: &'a ClientMetrics,
}

/// A read-only view of a link for display.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkView<'a> {
    /// Id.
    pub id: LinkId,
    /// Caller.
    pub from: NodeId,
    /// Callee.
    pub to: NodeId,
    /// Sync or async now.
    pub kind: LinkKind,
    /// The queue it publishes to while async.
    pub queue: QueueId,
    /// Counters.
    pub metrics: &'a LinkMetrics,
}

/// A read-only view of a broker queue for display.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueueView<'a> {
    /// Id.
    pub id: QueueId,
    /// Name.
    pub name: &'a str,
    /// The consuming service.
    pub consumer: NodeId,
    /// Messages ready for delivery.
    pub depth: u32,
    /// Messages delivered and not yet acknowledged.
    pub unacked: u32,
    /// Counters (the dead-letter queue's size is `metrics.dead_lettered`).
    pub metrics: &'a QueueMetrics,
}

/// A running simulation of one scenario and seed.
pub struct Simulation {
    now: SimTime,
    seed: u64,
    events: EventQueue<Event>,
    nodes: Vec<Node>,
    links: Vec<Link>,
    queues: Vec<BrokerQueue>,
    jobs: Arena<Job>,
    calls: Arena<Call>,
    messages: Arena<Message>,
    transits: Arena<Transit>,
    next_request: u64,
    next_attempt: u64,
    trace: Trace,
    command_log: Vec<TimedCommand>,
    events_processed: u64,
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
            nodes.push(Node::new(
                &client.name,
                NodeKind::Client {
                    rate_per_second: client.rate_per_second,
                    arrival: client.arrival,
                },
                u32::MAX,
                0,
                Distribution::Constant { ms: 0.0 },
                seed,
            ));
        }
        for service in &scenario.services {
            let mut node = Node::new(
                &service.name,
                NodeKind::Service,
                service.workers,
                service.queue_capacity,
                service.service_time.clone(),
                seed,
            );
            node.error_rate = service.error_rate;
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
                    delivery_limit: spec.async_policy.delivery_limit,
                    metrics: QueueMetrics::default(),
                });
                QueueId(queues.len() as u32 - 1)
            });
            links.push(Link {
                from,
                to,
                kind: spec.kind,
                latency: spec.latency.clone(),
                sync: spec.sync.clone(),
                queue,
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
        let mut simulation = Simulation {
            now: SimTime::ZERO,
            seed,
            events: EventQueue::default(),
            nodes,
            links,
            queues,
            jobs: Arena::default(),
            calls: Arena::default(),
            messages: Arena::default(),
            transits: Arena::default(),
            next_request: 0,
            next_attempt: 0,
            trace: Trace::new(retention),
            command_log: Vec::new(),
            events_processed: 0,
        };
        for index in 0..simulation.nodes.len() {
            simulation.schedule_next_arrival(NodeId(index as u32));
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
    /// same result as one call.
    pub fn run_until(&mut self, limit: SimTime, max_events: u64) -> RunOutcome {
        let mut handled = 0;
        loop {
            match self.events.peek_time() {
                None => {
                    self.now = self.now.max(limit);
                    return RunOutcome::Idle;
                }
                Some(time) if time > limit => {
                    self.now = self.now.max(limit);
                    return RunOutcome::ReachedTime;
                }
                Some(_) if handled >= max_events => return RunOutcome::BudgetExhausted,
                Some(_) => {
                    self.step();
                    handled += 1;
                }
            }
        }
    }

    /// Handles the next event; returns its time, or `None` when nothing is scheduled.
    pub fn step(&mut self) -> Option<SimTime> {
        let (time, event) = self.events.pop()?;
        assert!(
            time >= self.now,
            "time went back from {:?} to {time:?}",
            self.now
        );
        self.now = time;
        self.events_processed += 1;
        match event {
            Event::ClientArrival(node) => self.on_client_arrival(node),
            Event::Arrive(transit) => self.on_arrive(transit),
            Event::WorkDone(job) => {
                if self
                    .jobs
                    .get(job)
                    .is_some_and(|job| job.phase == Phase::Working)
                {
                    self.advance(job);
                }
            }
            Event::CallTimeout(call) => self.on_call_timeout(call),
            Event::BackoffDone(job) => {
                if self
                    .jobs
                    .get(job)
                    .is_some_and(|job| job.phase == Phase::BackingOff)
                {
                    self.advance(job);
                }
            }
        }
        Some(time)
    }

    /// Applies a command now and records it in the command log.
    pub fn apply(&mut self, command: Command) -> Result<(), CommandError> {
        match &command {
            Command::Kill { node } => self.kill(self.service_id(node)?)?,
            Command::Revive { node } => self.revive(self.service_id(node)?)?,
            Command::SetLinkKind { link, kind } => {
                let target = self
                    .links
                    .get_mut(*link as usize)
                    .ok_or(CommandError::UnknownLink(*link))?;
                if target.kind != *kind {
                    target.kind = *kind;
                    self.record(TraceKind::LinkKindChanged {
                        link: LinkId(*link),
                        kind: *kind,
                    });
                }
            }
        }
        self.command_log.push(TimedCommand {
            at: self.now,
            command,
        });
        Ok(())
    }

    /// Re-runs a command log from the start: run to each command's time, apply it, and finally
    /// run to `end`. With the same scenario and seed this reproduces the original run exactly.
    pub fn replay(&mut self, log: &[TimedCommand], end: SimTime) -> Result<(), CommandError> {
        for timed in log {
            self.run_until(timed.at, u64::MAX);
            self.apply(timed.command.clone())?;
        }
        self.run_until(end, u64::MAX);
        Ok(())
    }

    /// Every node, clients first.
    pub fn nodes(&self) -> impl Iterator<Item = NodeView<'_>> {
        self.nodes.iter().enumerate().map(|(index, node)| NodeView {
            id: NodeId(index as u32),
            name: &node.name,
            is_client: matches!(node.kind, NodeKind::Client { .. }),
            state: node.state,
            busy: node.busy,
            workers: node.workers,
            inbound: node.inbound.len() as u32,
            queue_capacity: node.queue_capacity,
            metrics: &node.metrics,
            client_metrics: &node.client_metrics,
        })
    }

    /// The node with this name.
    pub fn node_by_name(&self, name: &str) -> Option<NodeView<'_>> {
        self.nodes().find(|node| node.name == name)
    }

    /// Every link, in scenario order.
    pub fn links(&self) -> impl Iterator<Item = LinkView<'_>> {
        self.links.iter().enumerate().map(|(index, link)| LinkView {
            id: LinkId(index as u32),
            from: link.from,
            to: link.to,
            kind: link.kind,
            queue: link.queue,
            metrics: &link.metrics,
        })
    }

    /// Every broker queue.
    pub fn queues(&self) -> impl Iterator<Item = QueueView<'_>> {
        self.queues
            .iter()
            .enumerate()
            .map(|(index, queue)| QueueView {
                id: QueueId(index as u32),
                name: &queue.name,
                consumer: queue.consumer,
                depth: queue.ready.len() as u32,
                unacked: queue.unacked,
                metrics: &queue.metrics,
            })
    }

    /// End-to-end figures summed over every load source.
    pub fn client_totals(&self) -> ClientMetrics {
        let mut total = ClientMetrics::default();
        for node in &self.nodes {
            let metrics = &node.client_metrics;
            total.started += metrics.started;
            total.succeeded += metrics.succeeded;
            for (sum, count) in total
                .failed_by_reason
                .iter_mut()
                .zip(metrics.failed_by_reason)
            {
                *sum += count;
            }
        }
        total
    }

    /// Client requests sent and not yet answered.
    pub fn requests_in_flight(&self) -> u64 {
        self.nodes
            .iter()
            .map(|node| {
                node.client_metrics.started
                    - node.client_metrics.succeeded
                    - node.client_metrics.failed()
            })
            .sum()
    }

    /// Messages published and not yet acknowledged or dead-lettered.
    pub fn messages_in_system(&self) -> usize {
        self.messages.len()
    }

    /// Replaces `out` with every transmission on the wire now (allocation-free once warm).
    pub fn fill_in_flight(&self, out: &mut Vec<InFlight>) {
        out.clear();
        out.extend(self.transits.iter().map(|(_, transit)| InFlight {
            link: transit.link,
            leg: transit.leg,
            sent_at: transit.sent_at,
            arrives_at: transit.arrives_at,
            kind: self.in_flight_kind(&transit.payload),
        }));
    }

    /// Transmissions on the wire now.
    pub fn in_flight_count(&self) -> usize {
        self.transits.len()
    }

    fn in_flight_kind(&self, payload: &Payload) -> InFlightKind {
        match *payload {
            Payload::Call(call) => match self.calls.get(call) {
                Some(call) if call.attempt > 1 => InFlightKind::Retry,
                _ => InFlightKind::Request,
            },
            Payload::Response { failure: None, .. } => InFlightKind::Response,
            Payload::Response {
                failure: Some(_), ..
            } => InFlightKind::ErrorResponse,
            Payload::Publish(_) => InFlightKind::Message,
            Payload::Deliver { message, .. } => match self.messages.get(message) {
                Some(message) if message.deliveries > 1 => InFlightKind::Redelivery,
                _ => InFlightKind::Message,
            },
        }
    }

    fn service_id(&self, name: &str) -> Result<NodeId, CommandError> {
        let index = self
            .nodes
            .iter()
            .position(|node| node.name == name)
            .ok_or_else(|| CommandError::UnknownNode(name.to_string()))?;
        match self.nodes[index].kind {
            NodeKind::Service => Ok(NodeId(index as u32)),
            NodeKind::Client { .. } => Err(CommandError::NotAService(name.to_string())),
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

    // ---- load -------------------------------------------------------------------------------

    fn schedule_next_arrival(&mut self, node_id: NodeId) {
        let node = &mut self.nodes[node_id.index()];
        let NodeKind::Client {
            rate_per_second,
            arrival,
        } = node.kind
        else {
            return;
        };
        if rate_per_second <= 0.0 {
            return;
        }
        let mean_gap_us = 1e6 / rate_per_second;
        let gap_us = match arrival {
            Arrival::Constant => mean_gap_us,
            Arrival::Poisson => -mean_gap_us * libm::log(node.rng.next_f64_nonzero()),
        };
        // At least one microsecond apart, so an absurd rate cannot stall simulated time.
        let gap = SimDuration::from_micros((libm::round(gap_us) as u64).max(1));
        self.events
            .schedule(self.now + gap, Event::ClientArrival(node_id));
    }

    fn on_client_arrival(&mut self, node: NodeId) {
        self.next_request += 1;
        let request = RequestId(self.next_request);
        self.nodes[node.index()].client_metrics.started += 1;
        self.record(TraceKind::RequestStarted {
            request,
            client: node,
        });
        let job = self.jobs.insert(Job::new(
            node,
            request,
            Origin::Client {
                started_at: self.now,
            },
        ));
        self.admit(job);
        self.schedule_next_arrival(node);
    }

    // ---- workers ----------------------------------------------------------------------------

    /// A new job at a live node: start it, queue it, or reject it.
    fn admit(&mut self, job_key: JobKey) {
        let node_id = self.jobs.get(job_key).expect("admitted job exists").node;
        let node = &mut self.nodes[node_id.index()];
        if node.busy < node.workers {
            node.busy += 1;
            self.start_work(job_key);
        } else if (node.inbound.len() as u32) < node.queue_capacity {
            node.inbound.push_back(job_key);
        } else {
            node.metrics.rejected += 1;
            if let Some(Origin::Call(call)) = self.jobs.get(job_key).map(|job| job.origin) {
                let (request, id) = self
                    .calls
                    .get(call)
                    .map(|c| (c.request, c.id))
                    .expect("call of a job exists");
                self.record(TraceKind::CallRejected {
                    request,
                    call: id,
                    node: node_id,
                });
            }
            self.finish_job(job_key, Some(Failure::Rejected));
        }
    }

    fn start_work(&mut self, job_key: JobKey) {
        let job = self.jobs.get_mut(job_key).expect("started job exists");
        job.holds_worker = true;
        job.phase = Phase::Working;
        job.work_started = Some(self.now);
        let (node_id, request) = (job.node, job.request);
        let node = &mut self.nodes[node_id.index()];
        let duration = node.service_time.sample(&mut node.rng);
        self.events
            .schedule(self.now + duration, Event::WorkDone(job_key));
        self.record(TraceKind::WorkStarted {
            request,
            node: node_id,
        });
    }

    /// Local work finished: the service's own error rate decides whether it fails here.
    fn on_work_done(&mut self, job_key: JobKey) {
        let Some(job) = self.jobs.get(job_key) else {
            return;
        };
        if job.phase != Phase::Working {
            return;
        }
        let node = &mut self.nodes[job.node.index()];
        if node.error_rate > 0.0 && node.rng.chance(node.error_rate) {
            self.finish_job(job_key, Some(Failure::ServerError));
        } else {
            self.advance(job_key);
        }
    }

    /// Walks the call plan from the job's current step: publish on async links, call on the
    /// first sync link, or finish when the plan is done.
    fn advance(&mut self, job_key: JobKey) {
        loop {
            let job = self.jobs.get_mut(job_key).expect("advanced job exists");
            let Some(&link_id) = self.nodes[job.node.index()].plan.get(job.step) else {
                self.finish_job(job_key, None);
                return;
            };
            match self.links[link_id.index()].kind {
                LinkKind::Async => {
                    job.step += 1;
                    job.attempt = 0;
                    let request = job.request;
                    self.publish(request, link_id);
                }
                LinkKind::Sync => {
                    job.attempt = job.attempt.max(1);
                    self.send_call(job_key, link_id);
                    return;
                }
            }
        }
    }

    fn send_call(&mut self, job_key: JobKey, link_id: LinkId) {
        let id = self.next_attempt_id();
        let job = self.jobs.get_mut(job_key).expect("calling job exists");
        let (request, attempt) = (job.request, job.attempt);
        let call = self.calls.insert(Call {
            id,
            link: link_id,
            request,
            attempt,
            caller: Some(job_key),
        });
        job.phase = Phase::Calling(call);
        let link = &mut self.links[link_id.index()];
        link.metrics.attempts += 1;
        if attempt > 1 {
            link.metrics.retries += 1;
        }
        let timeout = link.sync.timeout();
        self.events
            .schedule(self.now + timeout, Event::CallTimeout(call));
        self.record(TraceKind::CallSent {
            request,
            call: id,
            link: link_id,
            attempt,
        });
        self.transmit(link_id, Leg::Forward, Payload::Call(call));
    }

    fn on_call_timeout(&mut self, call_key: CallKey) {
        let Some(call) = self.calls.get_mut(call_key) else {
            return;
        };
        let Some(job_key) = call.caller else { return };
        if self.jobs.get(job_key).map(|job| job.phase) != Some(Phase::Calling(call_key)) {
            return;
        }
        call.caller = None;
        let (request, id, link, attempt) = (call.request, call.id, call.link, call.attempt);
        self.links[link.index()].metrics.timeouts += 1;
        self.record(TraceKind::CallTimedOut {
            request,
            call: id,
            link,
            attempt,
        });
        self.on_call_result(job_key, Some(Failure::Timeout));
    }

    /// The current sync step ended: move on, retry after a backoff, or fail the job.
    fn on_call_result(&mut self, job_key: JobKey, failure: Option<Failure>) {
        let job = self.jobs.get_mut(job_key).expect("caller job exists");
        if failure.is_none() {
            job.step += 1;
            job.attempt = 0;
            job.previous_backoff = SimDuration::ZERO;
            self.advance(job_key);
            return;
        }
        let link_id = self.nodes[job.node.index()].plan[job.step];
        let link = &mut self.links[link_id.index()];
        if job.attempt < link.sync.max_attempts {
            let delay = link
                .sync
                .backoff
                .delay(job.attempt, job.previous_backoff, &mut link.rng);
            job.previous_backoff = delay;
            job.attempt += 1;
            job.phase = Phase::BackingOff;
            let (request, attempt) = (job.request, job.attempt);
            self.events
                .schedule(self.now + delay, Event::BackoffDone(job_key));
            self.record(TraceKind::RetryScheduled {
                request,
                link: link_id,
                attempt,
                delay_us: delay.as_micros(),
            });
        } else {
            link.metrics.exhausted += 1;
            self.finish_job(job_key, Some(Failure::ServerError));
        }
    }

    /// Ends a job: answer its caller, settle its message or record the client outcome, then
    /// give the freed worker more work.
    fn finish_job(&mut self, job_key: JobKey, failure: Option<Failure>) {
        let job = self.jobs.remove(job_key).expect("finished job exists");
        let node_id = job.node;
        let node = &mut self.nodes[node_id.index()];
        if job.holds_worker {
            node.busy -= 1;
        }
        if failure.is_none() {
            node.metrics.succeeded += 1;
        } else {
            node.metrics.failed += 1;
        }
        match job.origin {
            Origin::Client { started_at } => {
                let latency = self.now - started_at;
                let metrics = &mut node.client_metrics;
                match failure {
                    None => {
                        metrics.succeeded += 1;
                        metrics.latency.record(latency);
                    }
                    Some(reason) => metrics.failed_by_reason[reason.index()] += 1,
                }
                self.record(TraceKind::RequestFinished {
                    request: job.request,
                    client: node_id,
                    failure,
                    latency_us: latency.as_micros(),
                });
            }
            Origin::Call(call) => self.respond(call, failure, job.work_started, node_id),
            Origin::Message(message) => self.settle_message(message, failure.is_none()),
        }
        if job.holds_worker {
            self.pull_work(node_id);
        }
    }

    fn respond(
        &mut self,
        call_key: CallKey,
        failure: Option<Failure>,
        work_started: Option<SimTime>,
        node: NodeId,
    ) {
        let call = self.calls.get(call_key).expect("answered call exists");
        let (request, id, link) = (call.request, call.id, call.link);
        let wasted = call.caller.is_none() && failure.is_none();
        if wasted {
            let metrics = &mut self.nodes[node.index()].metrics;
            metrics.wasted_responses += 1;
            metrics.wasted_work_us +=
                work_started.map_or(0, |start| (self.now - start).as_micros());
        }
        self.record(TraceKind::Responded {
            request,
            call: id,
            link,
            failure,
            wasted,
        });
        self.transmit(
            link,
            Leg::Back,
            Payload::Response {
                call: call_key,
                failure,
            },
        );
    }

    /// Gives free workers of a live node queued requests first, then messages round-robin from
    /// the queues it consumes.
    fn pull_work(&mut self, node_id: NodeId) {
        loop {
            let node = &mut self.nodes[node_id.index()];
            if node.state != NodeState::Up || node.busy >= node.workers {
                return;
            }
            if let Some(job) = node.inbound.pop_front() {
                node.busy += 1;
                self.start_work(job);
                continue;
            }
            let subscriptions = node.subscriptions.len();
            let found = (0..subscriptions).find_map(|offset| {
                let slot = (node.next_subscription + offset) % subscriptions;
                let queue = node.subscriptions[slot];
                (!self.queues[queue.index()].ready.is_empty()).then_some((slot, queue))
            });
            let Some((slot, queue_id)) = found else {
                return;
            };
            node.next_subscription = (slot + 1) % subscriptions;
            node.busy += 1;
            let epoch = node.epoch;
            let queue = &mut self.queues[queue_id.index()];
            let message_key = queue
                .ready
                .pop_front()
                .expect("queue was just seen non-empty");
            queue.unacked += 1;
            queue.metrics.delivered += 1;
            let message = self
                .messages
                .get_mut(message_key)
                .expect("queued message exists");
            message.deliveries += 1;
            let (request, id, delivery, link) = (
                message.request,
                message.id,
                message.deliveries,
                message.link,
            );
            self.record(TraceKind::MessageDelivered {
                request,
                message: id,
                queue: queue_id,
                node: node_id,
                delivery,
            });
            self.transmit(
                link,
                Leg::FromBroker,
                Payload::Deliver {
                    message: message_key,
                    epoch,
                },
            );
        }
    }

    // ---- network and broker -----------------------------------------------------------------

    fn transmit(&mut self, link_id: LinkId, leg: Leg, payload: Payload) {
        let link = &mut self.links[link_id.index()];
        let latency = link.latency.sample(&mut link.rng);
        let arrives_at = self.now + latency;
        let transit = self.transits.insert(Transit {
            link: link_id,
            leg,
            sent_at: self.now,
            arrives_at,
            payload,
        });
        self.events.schedule(arrives_at, Event::Arrive(transit));
    }

    fn on_arrive(&mut self, transit_key: TransitKey) {
        let transit = self
            .transits
            .remove(transit_key)
            .expect("arriving transit exists");
        match transit.payload {
            Payload::Call(call_key) => {
                let callee = self.links[transit.link.index()].to;
                let call = self.calls.get(call_key).expect("call in transit exists");
                let (request, id) = (call.request, call.id);
                if self.nodes[callee.index()].state != NodeState::Up {
                    self.nodes[callee.index()].metrics.refused += 1;
                    self.record(TraceKind::CallRefused {
                        request,
                        call: id,
                        node: callee,
                    });
                    self.transmit(
                        transit.link,
                        Leg::Back,
                        Payload::Response {
                            call: call_key,
                            failure: Some(Failure::Refused),
                        },
                    );
                    return;
                }
                self.nodes[callee.index()].metrics.received += 1;
                self.record(TraceKind::CallAccepted {
                    request,
                    call: id,
                    node: callee,
                });
                let job = self
                    .jobs
                    .insert(Job::new(callee, request, Origin::Call(call_key)));
                self.admit(job);
            }
            Payload::Response { call, failure } => {
                let call_value = self.calls.remove(call).expect("answered call exists");
                let Some(job_key) = call_value.caller else {
                    return;
                };
                if self.jobs.get(job_key).map(|job| job.phase) == Some(Phase::Calling(call)) {
                    self.on_call_result(job_key, failure);
                }
            }
            Payload::Publish(message_key) => {
                let queue_id = self
                    .messages
                    .get(message_key)
                    .expect("published message exists")
                    .queue;
                let queue = &mut self.queues[queue_id.index()];
                queue.ready.push_back(message_key);
                queue.metrics.enqueued += 1;
                let consumer = queue.consumer;
                self.pull_work(consumer);
            }
            Payload::Deliver { message, epoch } => {
                let queue_id = self
                    .messages
                    .get(message)
                    .expect("delivered message exists")
                    .queue;
                let consumer = self.queues[queue_id.index()].consumer;
                if self.nodes[consumer.index()].epoch != epoch {
                    // The consumer crashed after the broker sent it: the channel is gone.
                    self.settle_message(message, false);
                    return;
                }
                let request = self
                    .messages
                    .get(message)
                    .expect("delivered message exists")
                    .request;
                let job = self
                    .jobs
                    .insert(Job::new(consumer, request, Origin::Message(message)));
                self.start_work(job);
            }
        }
    }

    fn publish(&mut self, request: RequestId, link_id: LinkId) {
        let id = self.next_attempt_id();
        let link = &mut self.links[link_id.index()];
        link.metrics.published += 1;
        let queue = link.queue;
        let message = self.messages.insert(Message {
            id,
            request,
            queue,
            link: link_id,
            deliveries: 0,
        });
        self.record(TraceKind::MessagePublished {
            request,
            message: id,
            queue,
        });
        self.transmit(link_id, Leg::ToBroker, Payload::Publish(message));
    }

    /// Ack (success) or nack: a nacked message goes back to the head of its queue, or to the
    /// dead-letter queue once it has been delivered `delivery_limit` times.
    fn settle_message(&mut self, message_key: MessageKey, success: bool) {
        let message = self
            .messages
            .get(message_key)
            .expect("settled message exists");
        let (request, id, queue_id, deliveries) = (
            message.request,
            message.id,
            message.queue,
            message.deliveries,
        );
        let queue = &mut self.queues[queue_id.index()];
        queue.unacked -= 1;
        if success {
            queue.metrics.acked += 1;
            self.messages.remove(message_key);
            self.record(TraceKind::MessageAcked {
                request,
                message: id,
                queue: queue_id,
            });
        } else if deliveries >= queue.delivery_limit {
            queue.metrics.dead_lettered += 1;
            self.messages.remove(message_key);
            self.record(TraceKind::MessageDeadLettered {
                request,
                message: id,
                queue: queue_id,
                deliveries,
            });
        } else {
            queue.metrics.requeued += 1;
            queue.ready.push_front(message_key);
            let consumer = queue.consumer;
            self.record(TraceKind::MessageRequeued {
                request,
                message: id,
                queue: queue_id,
                deliveries,
            });
            self.pull_work(consumer);
        }
    }

    // ---- faults -----------------------------------------------------------------------------

    fn kill(&mut self, node_id: NodeId) -> Result<(), CommandError> {
        let node = &mut self.nodes[node_id.index()];
        if node.state == NodeState::Killed {
            return Err(CommandError::AlreadyInState {
                name: node.name.clone(),
                state: node.state,
            });
        }
        node.state = NodeState::Killed;
        node.epoch += 1;
        node.busy = 0;
        node.inbound.clear();
        self.record(TraceKind::NodeKilled { node: node_id });
        let victims: Vec<JobKey> = self
            .jobs
            .iter()
            .filter(|(_, job)| job.node == node_id)
            .map(|(key, _)| key)
            .collect();
        for job_key in victims {
            let job = self.jobs.remove(job_key).expect("victim job exists");
            self.nodes[node_id.index()].metrics.failed += 1;
            if let Phase::Calling(call) = job.phase {
                if let Some(call) = self.calls.get_mut(call) {
                    call.caller = None;
                }
            }
            match job.origin {
                Origin::Call(call) => self.respond(call, Some(Failure::Reset), None, node_id),
                Origin::Message(message) => self.settle_message(message, false),
                Origin::Client { .. } => unreachable!("load sources cannot be killed"),
            }
        }
        Ok(())
    }

    fn revive(&mut self, node_id: NodeId) -> Result<(), CommandError> {
        let node = &mut self.nodes[node_id.index()];
        if node.state == NodeState::Up {
            return Err(CommandError::AlreadyInState {
                name: node.name.clone(),
                state: node.state,
            });
        }
        node.state = NodeState::Up;
        self.record(TraceKind::NodeRevived { node: node_id });
        self.pull_work(node_id);
        Ok(())
    }

    // ---- invariants -------------------------------------------------------------------------

    /// Checks the bookkeeping that must always hold. Tests call it after every step; it is
    /// linear in the size of the state, so the UI and benchmarks do not.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut holding = vec![0u32; self.nodes.len()];
        let mut jobs_at = vec![0u32; self.nodes.len()];
        let mut message_places: BTreeMap<u32, u32> = BTreeMap::new();
        let mut unacked = vec![0u32; self.queues.len()];
        let mut client_jobs = vec![0u64; self.nodes.len()];
        for (key, job) in self.jobs.iter() {
            jobs_at[job.node.index()] += 1;
            if job.holds_worker {
                holding[job.node.index()] += 1;
            } else if !self.nodes[job.node.index()].inbound.contains(&key) {
                return Err(format!("job {key:?} holds no worker and is not queued"));
            }
            if let Phase::Calling(call) = job.phase {
                if self.calls.get(call).and_then(|call| call.caller) != Some(key) {
                    return Err(format!(
                        "job {key:?} waits on a call that does not wait for it"
                    ));
                }
            }
            match job.origin {
                Origin::Message(message) => {
                    *message_places.entry(message.index()).or_default() += 1;
                    let queue = self
                        .messages
                        .get(message)
                        .ok_or("job holds a missing message")?
                        .queue;
                    unacked[queue.index()] += 1;
                }
                Origin::Client { .. } => client_jobs[job.node.index()] += 1,
                Origin::Call(call) if self.calls.get(call).is_none() => {
                    return Err(format!("job {key:?} serves a missing call"));
                }
                Origin::Call(_) => {}
            }
        }
        for (_, transit) in self.transits.iter() {
            match transit.payload {
                Payload::Publish(message) => {
                    *message_places.entry(message.index()).or_default() += 1
                }
                Payload::Deliver { message, epoch } => {
                    *message_places.entry(message.index()).or_default() += 1;
                    let queue = self
                        .messages
                        .get(message)
                        .ok_or("delivery of a missing message")?
                        .queue;
                    unacked[queue.index()] += 1;
                    let consumer = self.queues[queue.index()].consumer;
                    if self.nodes[consumer.index()].epoch == epoch {
                        holding[consumer.index()] += 1;
                    }
                }
                Payload::Call(call) | Payload::Response { call, .. } => {
                    if self.calls.get(call).is_none() {
                        return Err("a call on the wire has no record".into());
                    }
                }
            }
        }
        for (index, queue) in self.queues.iter().enumerate() {
            for message in &queue.ready {
                *message_places.entry(message.index()).or_default() += 1;
            }
            if queue.unacked != unacked[index] {
                return Err(format!(
                    "queue {} counts {} unacked, found {}",
                    queue.name, queue.unacked, unacked[index]
                ));
            }
        }
        for (key, _) in self.messages.iter() {
            let places = message_places.get(&key.index()).copied().unwrap_or(0);
            if places != 1 {
                return Err(format!("message {key:?} is in {places} places"));
            }
        }
        if message_places.len() != self.messages.len() {
            return Err("something refers to a message that no longer exists".into());
        }
        for (index, node) in self.nodes.iter().enumerate() {
            if node.busy != holding[index] {
                return Err(format!(
                    "{} counts {} busy workers, {} are in use",
                    node.name, node.busy, holding[index]
                ));
            }
            if node.busy > node.workers {
                return Err(format!(
                    "{} uses {} of {} workers",
                    node.name, node.busy, node.workers
                ));
            }
            if node.inbound.len() as u32 > node.queue_capacity {
                return Err(format!(
                    "{} queues {} over capacity {}",
                    node.name,
                    node.inbound.len(),
                    node.queue_capacity
                ));
            }
            if node.state == NodeState::Killed && jobs_at[index] > 0 {
                return Err(format!(
                    "dead {} still has {} jobs",
                    node.name, jobs_at[index]
                ));
            }
            let metrics = &node.client_metrics;
            let open = metrics.started - metrics.succeeded - metrics.failed();
            if open != client_jobs[index] {
                return Err(format!(
                    "{} has {open} open requests but {} jobs",
                    node.name, client_jobs[index]
                ));
            }
        }
        Ok(())
    }
}

impl Node {
    fn new(
        name: &str,
        kind: NodeKind,
        workers: u32,
        queue_capacity: u32,
        service_time: Distribution,
        seed: u64,
    ) -> Self {
        Node {
            name: name.to_string(),
            kind,
            state: NodeState::Up,
            epoch: 0,
            workers,
            busy: 0,
            queue_capacity,
            inbound: VecDeque::new(),
            service_time,
            error_rate: 0.0,
            plan: Vec::new(),
            subscriptions: Vec::new(),
            next_subscription: 0,
            rng: Pcg32::for_label(seed, &format!("node:{name}")),
            metrics: NodeMetrics::default(),
            client_metrics: ClientMetrics::default(),
        }
    }
}

impl Job {
    fn new(node: NodeId, request: RequestId, origin: Origin) -> Self {
        Job {
            node,
            request,
            origin,
            phase: Phase::Waiting,
            step: 0,
            attempt: 0,
            previous_backoff: SimDuration::ZERO,
            holds_worker: false,
            work_started: None,
        }
    }
}
