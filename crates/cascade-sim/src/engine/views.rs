//! Read-only views for the UI, the CLI and tests: nodes, links and queues (every one in id
//! order, or one by its id in constant time, or a node by its name), end-to-end totals, and the
//! transmissions on the wire (the frame snapshot the UI interpolates).

use super::*;
use crate::breaker::BreakerState;

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
    /// Lost in a partition: it will never arrive.
    Lost,
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
    /// The client request it belongs to (0 when its record is already gone).
    pub request: RequestId,
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
    /// Up, killed or frozen.
    pub state: NodeState,
    /// Local work takes this many times as long.
    pub slow_factor: f64,
    /// Probability of a 5xx after local work.
    pub error_rate: f64,
    /// Workers in use.
    pub busy: u32,
    /// Worker threads (`u32::MAX` for a load source).
    pub workers: u32,
    /// Requests waiting for a worker.
    pub inbound: u32,
    /// Deliveries pushed by the broker that wait here for a worker (unacknowledged).
    pub prefetched: u32,
    /// Inbound queue capacity.
    pub queue_capacity: u32,
    /// Counters.
    pub metrics: &'a NodeMetrics,
    /// End-to-end counters of the requests this node sent (load sources only).
    pub client_metrics: &'a ClientMetrics,
}

impl NodeView<'_> {
    /// Work waiting for a worker: queued requests and buffered deliveries.
    pub fn waiting(&self) -> u32 {
        self.inbound + self.prefetched
    }
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
    /// Traffic is being lost.
    pub partitioned: bool,
    /// Sync calls waiting for an answer now.
    pub concurrent: u32,
    /// The circuit breaker's state.
    pub breaker: BreakerState,
    /// Retry tokens left, when a retry budget is set.
    pub retry_tokens: Option<u32>,
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
    /// Messages delivered and not yet acknowledged (on their way to the consumer, waiting
    /// there for a worker, or being processed).
    pub unacked: u32,
    /// Messages waiting out the redelivery delay.
    pub delayed: u32,
    /// Messages on their way from a producer to the broker.
    pub to_broker: u32,
    /// Age of the message at the head, in microseconds (0 when empty).
    pub oldest_age_us: u64,
    /// Counters (the dead-letter queue's size is `metrics.dead_lettered`).
    pub metrics: &'a QueueMetrics,
}

impl Simulation {
    /// Every node, clients first.
    pub fn nodes(&self) -> impl Iterator<Item = NodeView<'_>> {
        (0..self.nodes.len()).map(|index| self.node_view(NodeId(index as u32)))
    }

    /// The node with this id; `None` when the run has no such node.
    pub fn node(&self, id: NodeId) -> Option<NodeView<'_>> {
        (id.index() < self.nodes.len()).then(|| self.node_view(id))
    }

    /// The node with this name.
    pub fn node_by_name(&self, name: &str) -> Option<NodeView<'_>> {
        self.nodes().find(|node| node.name == name)
    }

    /// Every link, in scenario order.
    pub fn links(&self) -> impl Iterator<Item = LinkView<'_>> {
        (0..self.links.len()).map(|index| self.link_view(LinkId(index as u32)))
    }

    /// The link with this id (its index in the scenario); `None` when the run has no such
    /// link.
    pub fn link(&self, id: LinkId) -> Option<LinkView<'_>> {
        (id.index() < self.links.len()).then(|| self.link_view(id))
    }

    /// Every broker queue.
    pub fn queues(&self) -> impl Iterator<Item = QueueView<'_>> {
        (0..self.queues.len()).map(|index| self.queue_view(QueueId(index as u32)))
    }

    /// The broker queue with this id (as a link's view names it); `None` when the run has no
    /// such queue.
    pub fn queue(&self, id: QueueId) -> Option<QueueView<'_>> {
        (id.index() < self.queues.len()).then(|| self.queue_view(id))
    }

    /// The view of a node that exists.
    fn node_view(&self, id: NodeId) -> NodeView<'_> {
        let node = &self.nodes[id.index()];
        NodeView {
            id,
            name: &node.name,
            is_client: matches!(node.kind, NodeKind::Client(_)),
            state: node.state,
            slow_factor: node.slow_factor,
            error_rate: node.error_rate,
            busy: node.busy,
            workers: node.workers,
            inbound: node.inbound.len() as u32,
            prefetched: node.prefetched.len() as u32,
            queue_capacity: node.queue_capacity,
            metrics: &node.metrics,
            client_metrics: &node.client_metrics,
        }
    }

    /// The view of a link that exists.
    fn link_view(&self, id: LinkId) -> LinkView<'_> {
        let link = &self.links[id.index()];
        LinkView {
            id,
            from: link.from,
            to: link.to,
            kind: link.kind,
            queue: link.queue,
            partitioned: link.partitioned,
            concurrent: link.concurrent,
            breaker: link.breaker.state(),
            retry_tokens: link.budget.as_ref().map(TokenBucket::tokens),
            metrics: &link.metrics,
        }
    }

    /// The view of a queue that exists.
    fn queue_view(&self, id: QueueId) -> QueueView<'_> {
        let queue = &self.queues[id.index()];
        QueueView {
            id,
            name: &queue.name,
            consumer: queue.consumer,
            depth: queue.ready.len() as u32,
            unacked: queue.unacked,
            delayed: queue.delayed,
            to_broker: queue.to_broker,
            oldest_age_us: queue
                .ready
                .front()
                .and_then(|head| self.messages.get(*head))
                .map_or(0, |message| self.now.since(message.enqueued_at).as_micros()),
            metrics: &queue.metrics,
        }
    }

    /// Whether the broker is up.
    pub fn broker_up(&self) -> bool {
        self.broker_up
    }

    /// End-to-end figures summed over every load source.
    pub fn client_totals(&self) -> ClientMetrics {
        let counts = self.client_counts();
        let mut total = ClientMetrics {
            started: counts.started,
            succeeded: counts.succeeded,
            failed_by_reason: counts.failed_by_reason,
            ..ClientMetrics::default()
        };
        for node in &self.nodes {
            total.latency.merge(&node.client_metrics.latency);
            total
                .failed_latency
                .merge(&node.client_metrics.failed_latency);
        }
        total
    }

    /// End-to-end counts summed over every load source, without latency (cheap).
    pub fn client_counts(&self) -> crate::metrics::ClientCounts {
        let mut total = crate::metrics::ClientCounts::default();
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
        self.nodes.iter().map(|node| node.open_requests).sum()
    }

    /// A service's worker-pool integrals (utilisation, time-averaged number in service and
    /// waiting) from the start of measurement up to now.
    pub fn occupancy(&self, node: NodeId) -> crate::metrics::Occupancy {
        let node = &self.nodes[node.index()];
        let mut occupancy = node.metrics.occupancy.clone();
        occupancy.accrue(self.now, node.busy, node.waiting(), node.workers);
        occupancy
    }

    /// A queue's ready-depth integral up to now (`mean_in_service` is its time-averaged
    /// depth).
    pub fn depth_occupancy(&self, queue: QueueId) -> crate::metrics::Occupancy {
        let queue = &self.queues[queue.index()];
        let mut occupancy = queue.metrics.depth.clone();
        occupancy.accrue(self.now, queue.ready.len() as u32, 0, 0);
        occupancy
    }

    /// Forgets every counter, histogram and integral, and measures again from now: what a
    /// warm-up excludes. The run itself is untouched (the same events follow). The time series
    /// keeps its samples, but those taken later read the reset running totals, so it is meant
    /// for headless runs (`cascade run --warmup`), not the playground.
    pub fn reset_metrics(&mut self) {
        let now = self.now;
        self.metrics_reset = true;
        for node in &mut self.nodes {
            node.metrics = NodeMetrics {
                occupancy: crate::metrics::Occupancy::starting_at(now),
                ..NodeMetrics::default()
            };
            node.client_metrics = ClientMetrics::default();
        }
        for link in &mut self.links {
            link.metrics = LinkMetrics::default();
        }
        for queue in &mut self.queues {
            queue.metrics = QueueMetrics {
                depth: crate::metrics::Occupancy::starting_at(now),
                ..QueueMetrics::default()
            };
        }
    }

    /// Records the run holds now (jobs, calls, messages, transmissions, events held by hung
    /// services, pending events): what its memory grows with.
    pub fn live_records(&self) -> usize {
        let deferred: usize = self.nodes.iter().map(|node| node.deferred.len()).sum();
        self.jobs.len()
            + self.calls.len()
            + self.messages.len()
            + self.transits.len()
            + deferred
            + self.events.len()
    }

    /// Messages published and not yet acknowledged, dead-lettered or dropped.
    pub fn messages_in_system(&self) -> usize {
        self.messages.len()
    }

    /// Downstream calls and deliveries per client request so far (1 means no amplification
    /// beyond one call per hop; retries and redeliveries push it up).
    pub fn amplification(&self) -> f64 {
        let started = self.client_totals().started;
        if started == 0 {
            0.0
        } else {
            self.downstream_calls() as f64 / started as f64
        }
    }

    /// Replaces `out` with every transmission on the wire now (allocation-free once warm).
    pub fn fill_in_flight(&self, out: &mut Vec<InFlight>) {
        out.clear();
        out.extend(self.transits.iter().map(|(_, transit)| InFlight {
            link: transit.link,
            leg: transit.leg,
            sent_at: transit.sent_at,
            arrives_at: transit.arrives_at,
            kind: transit.kind,
            request: transit.request,
        }));
    }

    pub(super) fn request_of(&self, payload: &Payload) -> RequestId {
        let request = match *payload {
            Payload::Call(call) | Payload::Response { call, .. } => {
                self.calls.get(call).map(|call| call.request)
            }
            Payload::Publish(message) | Payload::Deliver { message, .. } => {
                self.messages.get(message).map(|message| message.request)
            }
        };
        request.unwrap_or(RequestId(0))
    }

    /// Transmissions on the wire now.
    pub fn in_flight_count(&self) -> usize {
        self.transits.len()
    }

    pub(super) fn in_flight_kind(&self, payload: &Payload) -> InFlightKind {
        match *payload {
            Payload::Call(call) => match self.calls.get(call) {
                Some(call) if call.attempt.number > 1 => InFlightKind::Retry,
                _ => InFlightKind::Request,
            },
            Payload::Response { failure: None, .. } => InFlightKind::Response,
            Payload::Response {
                failure: Some(_), ..
            } => InFlightKind::ErrorResponse,
            Payload::Publish(_) => InFlightKind::Message,
            Payload::Deliver { delivery, .. } if delivery > 1 => InFlightKind::Redelivery,
            Payload::Deliver { .. } => InFlightKind::Message,
        }
    }
}
