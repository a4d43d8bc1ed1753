//! The structured trace: every observable thing the engine does is one [`TraceEvent`]. Tests,
//! the CLI and the UI's event log read it; a running 64-bit hash over all events is the run's
//! fingerprint (same scenario, seed and commands give the same hash, natively and in wasm).

use crate::breaker::BreakerState;
use crate::ids::{AttemptId, LinkId, NodeId, QueueId, RequestId};
use crate::rng::Fnv64;
use crate::time::SimTime;
use crate::vocabulary::LinkKind;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Failure reasons are shared vocabulary ([`crate::vocabulary`]); re-exported at their old
/// path.
pub use crate::vocabulary::Failure;

/// What happened. Field names are the same across variants: `request` is the correlation id
/// of the client request, `call` and `message` the id of one attempt or message, `node`,
/// `link` and `queue` where it happened, `attempt` and `delivery` count from 1.
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TraceKind {
    /// A load source sent a new request.
    RequestStarted { request: RequestId, client: NodeId },
    /// A client request ended; `failure` is `None` on success.
    RequestFinished {
        request: RequestId,
        client: NodeId,
        failure: Option<Failure>,
        latency_us: u64,
    },
    /// A sync call attempt left the caller.
    CallSent {
        request: RequestId,
        call: AttemptId,
        link: LinkId,
        attempt: u32,
    },
    /// A call reached a live callee and was queued or started.
    CallAccepted {
        request: RequestId,
        call: AttemptId,
        node: NodeId,
    },
    /// A call reached a dead callee.
    CallRefused {
        request: RequestId,
        call: AttemptId,
        node: NodeId,
    },
    /// A call found the callee's inbound queue full.
    CallRejected {
        request: RequestId,
        call: AttemptId,
        node: NodeId,
    },
    /// The caller gave up on an attempt.
    CallTimedOut {
        request: RequestId,
        call: AttemptId,
        link: LinkId,
        attempt: u32,
    },
    /// The callee answered; `wasted` when the caller had already given up.
    Responded {
        request: RequestId,
        call: AttemptId,
        link: LinkId,
        failure: Option<Failure>,
        wasted: bool,
    },
    /// The caller will try again after a backoff sleep (holding its worker).
    RetryScheduled {
        request: RequestId,
        link: LinkId,
        attempt: u32,
        delay_us: u64,
    },
    /// A worker started on a request or message.
    WorkStarted { request: RequestId, node: NodeId },
    /// The circuit breaker or bulkhead refused an attempt before it was sent.
    CallNotPermitted {
        request: RequestId,
        link: LinkId,
        reason: Failure,
    },
    /// A publish could not be made (broker down, link partitioned, queue refused it).
    PublishFailed { request: RequestId, link: LinkId },
    /// A message left its producer for the broker.
    MessagePublished {
        request: RequestId,
        message: AttemptId,
        queue: QueueId,
    },
    /// The broker handed a message to its consumer (delivery count includes this one).
    MessageDelivered {
        request: RequestId,
        message: AttemptId,
        queue: QueueId,
        node: NodeId,
        delivery: u32,
    },
    /// The consumer finished and acknowledged.
    MessageAcked {
        request: RequestId,
        message: AttemptId,
        queue: QueueId,
    },
    /// A failed or interrupted delivery went back to the head of the queue.
    MessageRequeued {
        request: RequestId,
        message: AttemptId,
        queue: QueueId,
        deliveries: u32,
    },
    /// The message moved to the queue's dead-letter queue.
    MessageDeadLettered {
        request: RequestId,
        message: AttemptId,
        queue: QueueId,
        deliveries: u32,
        reason: DeadLetterReason,
    },
    /// The message was discarded (no dead-letter queue, or the broker was down).
    MessageDropped {
        request: RequestId,
        message: AttemptId,
        queue: QueueId,
        reason: DeadLetterReason,
    },
    /// A delivery was not acknowledged within the visibility timeout: the message is visible
    /// again while the first consumer may still be working on it.
    VisibilityTimedOut {
        request: RequestId,
        message: AttemptId,
        queue: QueueId,
        delivery: u32,
    },
    /// A service was killed.
    NodeKilled { node: NodeId },
    /// A service came back.
    NodeRevived { node: NodeId },
    /// A link switched between sync and async.
    LinkKindChanged { link: LinkId, kind: LinkKind },
    /// A service stopped answering (it accepts connections but does nothing).
    NodeFrozen { node: NodeId },
    /// A service's local work now takes `factor_percent`/100 times as long.
    NodeSlowed { node: NodeId, factor_percent: u32 },
    /// A service's error rate changed (in parts per million).
    ErrorRateChanged { node: NodeId, per_million: u32 },
    /// Traffic on a link is lost from now on.
    LinkPartitioned { link: LinkId },
    /// Traffic on a link flows again.
    LinkHealed { link: LinkId },
    /// The broker went down: publishes fail, nothing is delivered.
    BrokerKilled,
    /// The broker is back.
    BrokerRevived,
    /// A circuit breaker changed state.
    BreakerChanged {
        link: LinkId,
        from: BreakerState,
        to: BreakerState,
    },
    /// A node's or link's knobs were changed at run time.
    Reconfigured {
        node: Option<NodeId>,
        link: Option<LinkId>,
    },
}

impl DeadLetterReason {
    /// A short human label.
    pub fn label(self) -> &'static str {
        match self {
            DeadLetterReason::DeliveryLimit => "delivery limit reached",
            DeadLetterReason::Expired => "TTL expired",
            DeadLetterReason::MaxLength => "queue full",
            DeadLetterReason::BrokerDown => "broker down",
            DeadLetterReason::PublishFailed => "publish failed",
        }
    }
}

/// Why a message left its queue without being processed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadLetterReason {
    /// Delivered as often as the delivery limit allows without an ack.
    DeliveryLimit,
    /// Its TTL passed before it was consumed.
    Expired,
    /// Pushed out of a full queue (overflow drop-head).
    MaxLength,
    /// The broker was down when it arrived.
    BrokerDown,
    /// The producer could not publish it and dropped it (`on_publish_failure: drop`).
    PublishFailed,
}

/// One trace record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEvent {
    /// When it happened.
    pub time: SimTime,
    /// What happened.
    #[serde(flatten)]
    pub kind: TraceKind,
}

impl TraceEvent {
    /// Mixes this event into a hash, field by field, in a platform-independent encoding.
    pub fn fold_into(&self, hash: &mut Fnv64) {
        use TraceKind::*;
        let failure_word = |failure: Option<Failure>| failure.map_or(0, |f| f.index() as u64 + 1);
        let mut words = |words: &[u64]| {
            for word in words {
                hash.write_u64(*word);
            }
        };
        let time = self.time.as_micros();
        match self.kind {
            RequestStarted { request, client } => words(&[1, time, request.0, client.0.into()]),
            RequestFinished {
                request,
                client,
                failure,
                latency_us,
            } => words(&[
                2,
                time,
                request.0,
                client.0.into(),
                failure_word(failure),
                latency_us,
            ]),
            CallSent {
                request,
                call,
                link,
                attempt,
            } => words(&[3, time, request.0, call.0, link.0.into(), attempt.into()]),
            CallAccepted {
                request,
                call,
                node,
            } => words(&[4, time, request.0, call.0, node.0.into()]),
            CallRefused {
                request,
                call,
                node,
            } => words(&[5, time, request.0, call.0, node.0.into()]),
            CallRejected {
                request,
                call,
                node,
            } => words(&[6, time, request.0, call.0, node.0.into()]),
            CallTimedOut {
                request,
                call,
                link,
                attempt,
            } => words(&[7, time, request.0, call.0, link.0.into(), attempt.into()]),
            Responded {
                request,
                call,
                link,
                failure,
                wasted,
            } => words(&[
                8,
                time,
                request.0,
                call.0,
                link.0.into(),
                failure_word(failure),
                wasted.into(),
            ]),
            RetryScheduled {
                request,
                link,
                attempt,
                delay_us,
            } => words(&[9, time, request.0, link.0.into(), attempt.into(), delay_us]),
            WorkStarted { request, node } => words(&[10, time, request.0, node.0.into()]),
            MessagePublished {
                request,
                message,
                queue,
            } => words(&[11, time, request.0, message.0, queue.0.into()]),
            MessageDelivered {
                request,
                message,
                queue,
                node,
                delivery,
            } => words(&[
                12,
                time,
                request.0,
                message.0,
                queue.0.into(),
                node.0.into(),
                delivery.into(),
            ]),
            MessageAcked {
                request,
                message,
                queue,
            } => words(&[13, time, request.0, message.0, queue.0.into()]),
            MessageRequeued {
                request,
                message,
                queue,
                deliveries,
            } => words(&[
                14,
                time,
                request.0,
                message.0,
                queue.0.into(),
                deliveries.into(),
            ]),
            MessageDeadLettered {
                request,
                message,
                queue,
                deliveries,
                reason,
            } => words(&[
                15,
                time,
                request.0,
                message.0,
                queue.0.into(),
                deliveries.into(),
                reason as u64,
            ]),
            MessageDropped {
                request,
                message,
                queue,
                reason,
            } => words(&[
                19,
                time,
                request.0,
                message.0,
                queue.0.into(),
                reason as u64,
            ]),
            VisibilityTimedOut {
                request,
                message,
                queue,
                delivery,
            } => words(&[
                20,
                time,
                request.0,
                message.0,
                queue.0.into(),
                delivery.into(),
            ]),
            CallNotPermitted {
                request,
                link,
                reason,
            } => words(&[21, time, request.0, link.0.into(), reason.index() as u64]),
            PublishFailed { request, link } => words(&[22, time, request.0, link.0.into()]),
            NodeFrozen { node } => words(&[23, time, node.0.into()]),
            NodeSlowed {
                node,
                factor_percent,
            } => words(&[24, time, node.0.into(), factor_percent.into()]),
            ErrorRateChanged { node, per_million } => {
                words(&[25, time, node.0.into(), per_million.into()])
            }
            LinkPartitioned { link } => words(&[26, time, link.0.into()]),
            LinkHealed { link } => words(&[27, time, link.0.into()]),
            BrokerKilled => words(&[28, time]),
            BrokerRevived => words(&[29, time]),
            BreakerChanged { link, from, to } => {
                words(&[30, time, link.0.into(), from as u64, to as u64])
            }
            Reconfigured { node, link } => words(&[
                31,
                time,
                node.map_or(u64::MAX, |node| node.0.into()),
                link.map_or(u64::MAX, |link| link.0.into()),
            ]),
            NodeKilled { node } => words(&[16, time, node.0.into()]),
            NodeRevived { node } => words(&[17, time, node.0.into()]),
            LinkKindChanged { link, kind } => words(&[18, time, link.0.into(), kind as u64]),
        }
    }
}

/// How much of the trace to keep in memory (the hash always covers everything).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceRetention {
    /// Keep nothing: benchmarks and long CLI runs.
    HashOnly,
    /// Keep everything: tests and `cascade trace`.
    Everything,
}

/// The trace recorder.
#[derive(Clone, Debug)]
pub struct Trace {
    hash: Fnv64,
    count: u64,
    retention: TraceRetention,
    kept: VecDeque<TraceEvent>,
}

impl Trace {
    /// A recorder with the given retention.
    pub fn new(retention: TraceRetention) -> Self {
        Trace {
            hash: Fnv64::new(),
            count: 0,
            retention,
            kept: VecDeque::new(),
        }
    }

    /// Records one event.
    pub fn record(&mut self, event: TraceEvent) {
        event.fold_into(&mut self.hash);
        self.count += 1;
        match self.retention {
            TraceRetention::HashOnly => {}
            TraceRetention::Everything => self.kept.push_back(event),
        }
    }

    /// The fingerprint of every event so far.
    pub fn hash(&self) -> u64 {
        self.hash.finish()
    }

    /// Events recorded so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The kept events, oldest first.
    pub fn events(&self) -> impl ExactSizeIterator<Item = &TraceEvent> {
        self.kept.iter()
    }

    /// Removes and returns the kept events.
    pub fn take(&mut self) -> Vec<TraceEvent> {
        self.kept.drain(..).collect()
    }
}
