//! The broker: publishing, queues with TTL and max length, deliveries pushed ahead of the
//! consumer up to its prefetch (RabbitMQ `basic.qos`: the consumer's workers only process, a
//! delivery on the wire or buffered at the consumer counts as unacknowledged), acks, redelivery
//! (immediate like RabbitMQ or delayed, and on visibility timeout like SQS), the delivery limit
//! counted as RabbitMQ or SQS count it, and the dead-letter queue.

use super::*;
use crate::policy::Overflow;
use crate::trace::DeadLetterReason;

impl Simulation {
    /// Publishes a message for `request` on an async link. Fails at once when the broker is
    /// down, the link is partitioned, or a full queue rejects publishes (publisher confirms:
    /// the producer learns of a refusal without waiting).
    pub(super) fn publish(&mut self, request: RequestId, link_id: LinkId) -> Result<(), Failure> {
        let link = &self.links[link_id.index()];
        let queue = &self.queues[link.queue.index()];
        let full = queue
            .policy
            .max_length
            .is_some_and(|max| queue.ready.len() as u32 >= max);
        let refused = full && queue.policy.overflow == Overflow::RejectPublish;
        if !self.broker_up || link.partitioned || refused {
            let link = &mut self.links[link_id.index()];
            link.metrics.publish_failed += 1;
            self.record(TraceKind::PublishFailed {
                request,
                link: link_id,
            });
            return Err(Failure::BrokerDown);
        }
        let id = self.next_attempt_id();
        let link = &mut self.links[link_id.index()];
        link.metrics.published += 1;
        let queue = link.queue;
        let queue_ref = &mut self.queues[queue.index()];
        queue_ref.metrics.published += 1;
        queue_ref.to_broker += 1;
        let message = self.messages.insert(Message {
            id,
            request,
            queue,
            link: link_id,
            deliveries: 0,
            published_at: self.now,
            enqueued_at: self.now,
            visibility_pending: false,
            state: MessageState::ToBroker,
        });
        self.record(TraceKind::MessagePublished {
            request,
            message: id,
            queue,
        });
        self.transmit(link_id, Leg::ToBroker, Payload::Publish(message));
        Ok(())
    }

    pub(super) fn on_publish_arrived(&mut self, message_key: MessageKey) {
        let message = self
            .messages
            .get_mut(message_key)
            .expect("published message exists");
        let queue_id = message.queue;
        self.queues[queue_id.index()].to_broker -= 1;
        if !self.broker_up {
            self.discard(message_key, DeadLetterReason::BrokerDown, false);
            return;
        }
        message.state = MessageState::Ready;
        message.enqueued_at = self.now;
        let queue = &mut self.queues[queue_id.index()];
        queue.accrue(self.now);
        queue.metrics.enqueued += 1;
        if queue
            .policy
            .max_length
            .is_some_and(|max| queue.ready.len() as u32 >= max)
        {
            // Drop-head (reject-publish was refused at publish time; one may still slip in
            // while in flight, and then the head makes room as well).
            if let Some(head) = queue.ready.pop_front() {
                self.discard(head, DeadLetterReason::MaxLength, true);
            }
        }
        self.queues[queue_id.index()].ready.push_back(message_key);
        self.dispatch(queue_id);
    }

    /// Dead-letters a message (or drops it when the queue has no dead-letter queue, or when
    /// `respect_dlq` is false because the broker itself lost it).
    /// The producer gave up on a publish and carries on (`on_publish_failure: drop`): the
    /// message it meant to send is lost. It never reached the broker, so no queue counts it;
    /// the link's `publish_failed` does.
    pub(super) fn drop_unpublished(&mut self, request: RequestId, link_id: LinkId) {
        let message = self.next_attempt_id();
        let queue = self.links[link_id.index()].queue;
        let reason = DeadLetterReason::PublishFailed;
        self.record(TraceKind::MessageDropped {
            request,
            message,
            queue,
            reason,
        });
    }

    /// Trims a queue to its max length from the head, as RabbitMQ does when the limit is
    /// lowered.
    pub(super) fn enforce_max_length(&mut self, queue_id: QueueId) {
        let queue = &self.queues[queue_id.index()];
        let Some(max) = queue.policy.max_length else {
            return;
        };
        self.queues[queue_id.index()].accrue(self.now);
        while self.queues[queue_id.index()].ready.len() as u32 > max {
            let head = self.queues[queue_id.index()]
                .ready
                .pop_front()
                .expect("over-long queue");
            self.discard(head, DeadLetterReason::MaxLength, true);
        }
    }

    fn discard(&mut self, message_key: MessageKey, reason: DeadLetterReason, respect_dlq: bool) {
        let message = self
            .messages
            .remove(message_key)
            .expect("discarded message exists");
        let queue = &mut self.queues[message.queue.index()];
        let (request, id, queue_id) = (message.request, message.id, message.queue);
        match reason {
            DeadLetterReason::Expired => queue.metrics.expired += 1,
            DeadLetterReason::MaxLength => queue.metrics.overflowed += 1,
            DeadLetterReason::DeliveryLimit
            | DeadLetterReason::BrokerDown
            | DeadLetterReason::PublishFailed => {}
        }
        if respect_dlq && queue.policy.dead_letter_queue {
            queue.metrics.dead_lettered += 1;
            let deliveries = message.deliveries;
            self.record(TraceKind::MessageDeadLettered {
                request,
                message: id,
                queue: queue_id,
                deliveries,
                reason,
            });
        } else {
            if reason == DeadLetterReason::BrokerDown {
                queue.metrics.dropped_broker_down += 1;
            } else {
                queue.metrics.dropped_without_dlq += 1;
            }
            self.record(TraceKind::MessageDropped {
                request,
                message: id,
                queue: queue_id,
                reason,
            });
        }
    }

    /// Pushes ready messages to the queue's consumer while its prefetch allows (`0` is
    /// unlimited). A broker pushes to a connected consumer, hung or not (RabbitMQ); an SQS
    /// consumer polls, so a hung one receives nothing. A crashed consumer has no channel, and a
    /// broker that is down delivers nothing.
    pub(super) fn dispatch(&mut self, queue_id: QueueId) {
        let consumer = self.queues[queue_id.index()].consumer;
        if !self.broker_up || !self.receives_from(queue_id) {
            return;
        }
        while let Some(message_key) = self.take_live_head(queue_id) {
            let epoch = self.nodes[consumer.index()].epoch;
            let queue = &mut self.queues[queue_id.index()];
            queue.unacked += 1;
            queue.metrics.delivered += 1;
            let visibility = queue.policy.visibility_timeout_ms;
            let message = self
                .messages
                .get_mut(message_key)
                .expect("queued message exists");
            message.deliveries += 1;
            let delivery = message.deliveries;
            message.state = MessageState::Delivered { delivery };
            message.visibility_pending = visibility.is_some();
            let (request, id, link) = (message.request, message.id, message.link);
            if let Some(timeout_ms) = visibility {
                let at = self.now + SimDuration::from_millis_f64(timeout_ms);
                self.events.schedule(
                    at,
                    Event::VisibilityTimeout {
                        message: message_key,
                        delivery,
                    },
                );
            }
            self.record(TraceKind::MessageDelivered {
                request,
                message: id,
                queue: queue_id,
                node: consumer,
                delivery,
            });
            let payload = Payload::Deliver {
                message: message_key,
                delivery,
                epoch,
            };
            self.transmit(link, Leg::FromBroker, payload);
        }
    }

    /// Whether the queue's consumer takes deliveries now: up, or hung on a pushing broker.
    pub(super) fn receives_from(&self, queue_id: QueueId) -> bool {
        let queue = &self.queues[queue_id.index()];
        match self.nodes[queue.consumer.index()].state {
            NodeState::Up => true,
            NodeState::Frozen => queue.policy.visibility_timeout_ms.is_none(),
            NodeState::Killed => false,
        }
    }

    /// Every queue `node_id` consumes pushes what its prefetch allows.
    pub(super) fn dispatch_to(&mut self, node_id: NodeId) {
        for index in 0..self.nodes[node_id.index()].subscriptions.len() {
            let queue_id = self.nodes[node_id.index()].subscriptions[index];
            self.dispatch(queue_id);
        }
    }

    /// A consumer crashed: its channel closed, so every delivery it had not acknowledged (on
    /// the wire or buffered; what it was processing was settled with its jobs) returns to the
    /// queue at once, as RabbitMQ requeues a closed channel's unacked messages. An SQS message
    /// stays invisible until its visibility timeout, crash or not.
    pub(super) fn requeue_unacked_of(&mut self, node_id: NodeId) {
        let subscriptions = &self.nodes[node_id.index()].subscriptions;
        let orphans: Vec<(MessageKey, u32)> = self
            .messages
            .iter()
            .filter(|(_, message)| {
                subscriptions.contains(&message.queue) && !message.visibility_pending
            })
            .filter_map(|(key, message)| match message.state {
                MessageState::Delivered { delivery } => Some((key, delivery)),
                _ => None,
            })
            .collect();
        for (message_key, delivery) in orphans {
            self.settle_message(message_key, delivery, false);
        }
    }

    /// Pops the head of a queue if the consumer may take it (prefetch), dead-lettering expired
    /// messages found at the head on the way (RabbitMQ expires at the head).
    fn take_live_head(&mut self, queue_id: QueueId) -> Option<MessageKey> {
        loop {
            let queue = &mut self.queues[queue_id.index()];
            let prefetch = queue.policy.prefetch;
            if prefetch > 0 && queue.unacked >= prefetch {
                return None;
            }
            let head = *queue.ready.front()?;
            let ttl = queue
                .policy
                .message_ttl_ms
                .map(SimDuration::from_millis_f64);
            let enqueued_at = self
                .messages
                .get(head)
                .expect("queued message exists")
                .enqueued_at;
            queue.accrue(self.now);
            queue.ready.pop_front();
            match ttl {
                Some(ttl) if self.now.since(enqueued_at) >= ttl => {
                    self.discard(head, DeadLetterReason::Expired, true)
                }
                _ => return Some(head),
            }
        }
    }

    /// A delivery reached its consumer and waits in its buffer for a worker. A delivery sent
    /// before the consumer crashed meets a closed channel (the message went back to the queue
    /// when it crashed). A stale delivery (the message became visible again meanwhile) is
    /// still processed: that is the duplicate SQS warns about; one whose message is already
    /// settled is discarded.
    pub(super) fn on_delivery_arrived(
        &mut self,
        message_key: MessageKey,
        delivery: u32,
        epoch: u32,
        link_id: LinkId,
    ) {
        let consumer = self.links[link_id.index()].to;
        if self.nodes[consumer.index()].epoch != epoch {
            // The message went back when the consumer crashed (RabbitMQ), or waits for its
            // visibility timeout (SQS).
            return;
        }
        let Some(request) = self
            .messages
            .get(message_key)
            .map(|message| message.request)
        else {
            return;
        };
        let origin = Origin::Message {
            message: message_key,
            delivery,
        };
        let job = self
            .jobs
            .insert(Job::new(consumer, request, origin, self.now));
        let node = &mut self.nodes[consumer.index()];
        node.metrics.received += 1;
        node.accrue(self.now);
        node.prefetched.push_back(job);
        self.pull_work(consumer);
    }

    /// Ack (success) or nack. A stale delivery (the message was delivered again after a
    /// visibility timeout, or already settled) changes nothing. A nacked message goes back to
    /// the head of its queue (after the redelivery delay), or is dead-lettered once it has been
    /// delivered as often as its delivery limit allows (see `AsyncPolicy::max_deliveries`). An ack while the broker is down is lost: the message
    /// will be delivered again.
    pub(super) fn settle_message(&mut self, message_key: MessageKey, delivery: u32, success: bool) {
        let Some(message) = self.messages.get(message_key) else {
            return;
        };
        if message.state != (MessageState::Delivered { delivery }) {
            return;
        }
        let (request, id, queue_id) = (message.request, message.id, message.queue);
        self.queues[queue_id.index()].unacked -= 1;
        if success && self.broker_up {
            let sojourn = self.now - message.published_at;
            let metrics = &mut self.queues[queue_id.index()].metrics;
            metrics.acked += 1;
            metrics.sojourn.record(sojourn);
            self.messages.remove(message_key);
            self.record(TraceKind::MessageAcked {
                request,
                message: id,
                queue: queue_id,
            });
        } else {
            self.requeue(message_key);
        }
        // The prefetch slot is free again.
        self.dispatch(queue_id);
    }

    /// Puts a message whose delivery failed back, or dead-letters it at the delivery limit.
    fn requeue(&mut self, message_key: MessageKey) {
        let message = self
            .messages
            .get(message_key)
            .expect("requeued message exists");
        let (request, id, queue_id, deliveries) = (
            message.request,
            message.id,
            message.queue,
            message.deliveries,
        );
        let queue = &mut self.queues[queue_id.index()];
        if deliveries >= queue.policy.max_deliveries() {
            self.discard(message_key, DeadLetterReason::DeliveryLimit, true);
            return;
        }
        queue.metrics.requeued += 1;
        let delay = SimDuration::from_millis_f64(queue.policy.redelivery_delay_ms);
        self.record(TraceKind::MessageRequeued {
            request,
            message: id,
            queue: queue_id,
            deliveries,
        });
        if delay > SimDuration::ZERO {
            let message = self
                .messages
                .get_mut(message_key)
                .expect("requeued message exists");
            message.state = MessageState::Delayed;
            self.queues[queue_id.index()].delayed += 1;
            self.events
                .schedule(self.now + delay, Event::Redeliver(message_key));
        } else {
            self.make_ready_again(message_key);
        }
    }

    pub(super) fn on_redeliver(&mut self, message_key: MessageKey) {
        let Some(message) = self.messages.get(message_key) else {
            return;
        };
        if message.state == MessageState::Delayed {
            self.queues[message.queue.index()].delayed -= 1;
            self.make_ready_again(message_key);
        }
    }

    fn make_ready_again(&mut self, message_key: MessageKey) {
        let message = self
            .messages
            .get_mut(message_key)
            .expect("redelivered message exists");
        let queue = &mut self.queues[message.queue.index()];
        if queue
            .policy
            .max_length
            .is_some_and(|max| queue.ready.len() as u32 >= max)
        {
            // It would go back to the head of a full queue: the head is what overflow drops.
            self.discard(message_key, DeadLetterReason::MaxLength, true);
            return;
        }
        message.state = MessageState::Ready;
        queue.accrue(self.now);
        queue.ready.push_front(message_key);
        let queue_id = message.queue;
        self.dispatch(queue_id);
    }

    /// SQS: a delivery not deleted within the visibility timeout becomes visible again; the
    /// first consumer keeps working on its (now stale) copy.
    pub(super) fn on_visibility_timeout(&mut self, message_key: MessageKey, delivery: u32) {
        let Some(message) = self.messages.get(message_key) else {
            return;
        };
        if message.state != (MessageState::Delivered { delivery }) {
            return;
        }
        let (request, id, queue_id) = (message.request, message.id, message.queue);
        self.queues[queue_id.index()].unacked -= 1;
        self.record(TraceKind::VisibilityTimedOut {
            request,
            message: id,
            queue: queue_id,
            delivery,
        });
        self.requeue(message_key);
        self.dispatch(queue_id);
    }
}
