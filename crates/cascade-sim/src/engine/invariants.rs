//! The bookkeeping that must always hold. Tests call [`Simulation::check_invariants`] after
//! every event; debug builds of the core check it as they run, every so many events (so its
//! cost, about linear in the size of the state, stays a small share); release builds do not.

use super::*;

impl Simulation {
    /// Checks every invariant; the error says which one broke and where.
    pub fn check_invariants(&self) -> Result<(), String> {
        let nodes = self.nodes.len();
        let frozen = self
            .nodes
            .iter()
            .filter(|node| node.state == NodeState::Frozen)
            .count();
        if frozen != self.frozen_nodes {
            return Err(format!(
                "{frozen} nodes are frozen, {} counted",
                self.frozen_nodes
            ));
        }
        let mut holding = vec![0u32; nodes];
        let mut jobs_at = vec![0u32; nodes];
        let mut client_jobs = vec![0u64; nodes];
        let mut outstanding: BTreeMap<u32, u32> = BTreeMap::new();
        let mut slots = vec![0u32; self.links.len()];
        // Places each message is found in, by arena slot.
        let mut places: BTreeMap<u32, u32> = BTreeMap::new();
        let mut place = |message: MessageKey| *places.entry(message.index()).or_default() += 1;
        // Every waiting job, by arena slot: true when it waits for a delivery's worker.
        let mut waiting: BTreeMap<u32, bool> = BTreeMap::new();
        for node in &self.nodes {
            for (jobs, buffered) in [(&node.inbound, false), (&node.prefetched, true)] {
                for job in jobs {
                    if waiting.insert(job.index(), buffered).is_some() {
                        return Err(format!("job {job:?} waits in two places"));
                    }
                }
            }
        }

        for (key, job) in self.jobs.iter() {
            jobs_at[job.node.index()] += 1;
            if job.holds_worker {
                holding[job.node.index()] += 1;
            } else {
                let Some(buffered) = waiting.get(&key.index()) else {
                    return Err(format!("job {key:?} holds no worker and is not queued"));
                };
                if job.phase != Phase::Waiting {
                    return Err(format!("job {key:?} waits while {:?}", job.phase));
                }
                if *buffered != matches!(job.origin, Origin::Message { .. }) {
                    return Err(format!("job {key:?} waits in the wrong buffer"));
                }
            }
            match job.origin {
                Origin::Client { .. } => client_jobs[job.node.index()] += 1,
                Origin::Call(call) if self.calls.get(call).is_none() => {
                    return Err(format!("job {key:?} serves a call with no record"));
                }
                Origin::Call(_) => {}
                Origin::Message { message, delivery } => {
                    let current = self.messages.get(message).map(|m| m.state);
                    if current == Some(MessageState::Delivered { delivery }) {
                        place(message);
                    }
                }
            }
        }
        for (key, call) in self.calls.iter() {
            if let Some(job) = call.caller.and_then(|job| self.jobs.get(job).map(|_| job)) {
                *outstanding.entry(job.index()).or_default() += 1;
            }
            if call.holds_slot {
                slots[call.link.index()] += 1;
                if call.state != CallState::Waiting {
                    return Err(format!(
                        "call {key:?} holds a bulkhead slot while not waiting"
                    ));
                }
            }
        }
        for (key, job) in self.jobs.iter() {
            let found = outstanding.get(&key.index()).copied().unwrap_or(0);
            if found != job.outstanding {
                return Err(format!(
                    "job {key:?} counts {} outstanding branches, {found} calls wait for it",
                    job.outstanding
                ));
            }
        }
        for (index, link) in self.links.iter().enumerate() {
            if link.concurrent != slots[index] {
                return Err(format!(
                    "link {index} counts {} concurrent calls, {} hold a slot",
                    link.concurrent, slots[index]
                ));
            }
        }
        for (_, transit) in self.transits.iter() {
            match transit.payload {
                Payload::Publish(message) => {
                    let state = self.messages.get(message).map(|m| m.state);
                    if state != Some(MessageState::ToBroker) {
                        return Err(format!(
                            "a publish on the wire carries a message in {state:?}"
                        ));
                    }
                    place(message);
                }
                Payload::Deliver {
                    message, delivery, ..
                } => {
                    let state = self.messages.get(message).map(|m| m.state);
                    if state == Some(MessageState::Delivered { delivery }) {
                        place(message);
                    }
                }
                Payload::Call(call) | Payload::Response { call, .. } => {
                    if self.calls.get(call).is_none() {
                        return Err("a call on the wire has no record".into());
                    }
                }
            }
        }
        let mut unacked = vec![0u32; self.queues.len()];
        for (index, queue) in self.queues.iter().enumerate() {
            for message in &queue.ready {
                let state = self.messages.get(*message).map(|m| m.state);
                if state != Some(MessageState::Ready) {
                    return Err(format!("queue {} holds a message in {state:?}", queue.name));
                }
                place(*message);
            }
            // A limit lowered at run time leaves earlier messages above it until they settle.
            let limit = queue.most_deliveries;
            for (_, message) in self
                .messages
                .iter()
                .filter(|(_, m)| m.queue.index() == index)
            {
                if message.deliveries > limit {
                    return Err(format!(
                        "a message was delivered {} times, limit {limit}",
                        message.deliveries
                    ));
                }
            }
        }
        let (mut delayed, mut to_broker) =
            (vec![0u32; self.queues.len()], vec![0u32; self.queues.len()]);
        for (key, message) in self.messages.iter() {
            match message.state {
                MessageState::Delayed => delayed[message.queue.index()] += 1,
                MessageState::ToBroker => to_broker[message.queue.index()] += 1,
                MessageState::Ready | MessageState::Delivered { .. } => {}
            }
            let expected = match message.state {
                MessageState::Delayed => 0,
                MessageState::Delivered { .. } => {
                    unacked[message.queue.index()] += 1;
                    1
                }
                MessageState::ToBroker | MessageState::Ready => 1,
            };
            let found = places.get(&key.index()).copied().unwrap_or(0);
            // An SQS message whose consumer died (or hung) holding it is nowhere until its
            // visibility timeout makes it visible again.
            let invisible = matches!(message.state, MessageState::Delivered { .. })
                && found == 0
                && message.visibility_pending;
            if found != expected && !invisible {
                return Err(format!(
                    "message {key:?} ({:?}) is in {found} places, expected {expected}",
                    message.state
                ));
            }
        }
        for (index, queue) in self.queues.iter().enumerate() {
            if (queue.delayed, queue.to_broker) != (delayed[index], to_broker[index]) {
                return Err(format!(
                    "queue {} counts {} delayed and {} on the way, {} and {} are",
                    queue.name, queue.delayed, queue.to_broker, delayed[index], to_broker[index]
                ));
            }
            // The ledger: every published message is settled or in exactly one live state.
            let metrics = &queue.metrics;
            let accounted = metrics.acked
                + metrics.dead_lettered
                + metrics.dropped_broker_down
                + metrics.dropped_without_dlq
                + u64::from(queue.to_broker)
                + queue.ready.len() as u64
                + u64::from(queue.delayed)
                + u64::from(queue.unacked);
            if !self.metrics_reset && metrics.published != accounted {
                return Err(format!(
                    "queue {}: {} published, {accounted} accounted for",
                    queue.name, metrics.published
                ));
            }
            if queue.unacked != unacked[index] {
                return Err(format!(
                    "queue {} counts {} unacked, {} messages are delivered",
                    queue.name, queue.unacked, unacked[index]
                ));
            }
            // Liveness: the broker pushes whenever it can, so a ready message never waits for
            // a prefetch slot that is free.
            let prefetch = queue.policy.prefetch;
            if self.broker_up
                && self.receives_from(QueueId(index as u32))
                && !queue.ready.is_empty()
                && (prefetch == 0 || queue.unacked < prefetch)
            {
                return Err(format!(
                    "queue {} holds {} ready messages with {} of {prefetch} unacked and nothing \
                     delivering",
                    queue.name,
                    queue.ready.len(),
                    queue.unacked
                ));
            }
            if let Some(max) = queue.policy.max_length {
                if queue.ready.len() as u32 > max {
                    return Err(format!(
                        "queue {} holds {} over its max length {max}",
                        queue.name,
                        queue.ready.len()
                    ));
                }
            }
        }
        for (index, link) in self.links.iter().enumerate() {
            link.breaker
                .check()
                .map_err(|problem| format!("link {index}'s breaker: {problem}"))?;
            if let (Some(bucket), Some(budget)) = (&link.budget, &link.sync.retry_budget) {
                if bucket.tokens() > budget.capacity {
                    return Err(format!(
                        "a retry budget holds {} tokens, capacity {}",
                        bucket.tokens(),
                        budget.capacity
                    ));
                }
            }
        }
        for (index, node) in self.nodes.iter().enumerate() {
            let metrics = &node.metrics;
            let settled = metrics.succeeded + metrics.failed + metrics.rejected;
            if matches!(node.kind, NodeKind::Service)
                && !self.metrics_reset
                && metrics.received != settled + u64::from(jobs_at[index])
            {
                return Err(format!(
                    "{} received {} but settled {settled} and holds {}",
                    node.name, metrics.received, jobs_at[index]
                ));
            }
            if node.busy != holding[index] {
                return Err(format!(
                    "{} counts {} busy workers, {} are in use",
                    node.name, node.busy, holding[index]
                ));
            }
            if node.busy > node.workers.max(node.reconfigured_workers) {
                return Err(format!(
                    "{} uses {} of {} workers",
                    node.name, node.busy, node.workers
                ));
            }
            if node.state == NodeState::Up && node.busy < node.workers && node.waiting() > 0 {
                return Err(format!(
                    "{} has {} free workers and {} jobs waiting",
                    node.name,
                    node.workers - node.busy,
                    node.waiting()
                ));
            }
            if node.inbound.len() as u32 > node.queue_capacity.max(node.reconfigured_capacity) {
                return Err(format!(
                    "{} queues {} over capacity {}",
                    node.name,
                    node.inbound.len(),
                    node.queue_capacity
                ));
            }
            if node.state == NodeState::Killed && (jobs_at[index] > 0 || !node.deferred.is_empty())
            {
                return Err(format!("dead {} still has work", node.name));
            }
            let open = node.open_requests;
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
