//! The bookkeeping that must always hold. Tests call [`Simulation::check_invariants`] after
//! every event; it is linear in the size of the state, so the UI and benchmarks do not.

use super::*;

impl Simulation {
    /// Checks every invariant; the error says which one broke and where.
    pub fn check_invariants(&self) -> Result<(), String> {
        let nodes = self.nodes.len();
        let mut holding = vec![0u32; nodes];
        let mut jobs_at = vec![0u32; nodes];
        let mut client_jobs = vec![0u64; nodes];
        let mut outstanding: BTreeMap<u32, u32> = BTreeMap::new();
        let mut slots = vec![0u32; self.links.len()];
        // Places each message is found in, by arena slot.
        let mut places: BTreeMap<u32, u32> = BTreeMap::new();
        let mut place = |message: MessageKey| *places.entry(message.index()).or_default() += 1;

        for (key, job) in self.jobs.iter() {
            jobs_at[job.node.index()] += 1;
            if job.holds_worker {
                holding[job.node.index()] += 1;
            } else {
                let node = &self.nodes[job.node.index()];
                let queued = node.inbound.contains(&key) || node.prefetched.contains(&key);
                if job.phase != Phase::Waiting || !queued {
                    return Err(format!("job {key:?} holds no worker and is not queued"));
                }
                if node.prefetched.contains(&key) != matches!(job.origin, Origin::Message { .. }) {
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
        for (key, message) in self.messages.iter() {
            let expected = match message.state {
                MessageState::Delayed => 0,
                MessageState::Delivered { .. } => {
                    unacked[message.queue.index()] += 1;
                    1
                }
                MessageState::ToBroker | MessageState::Ready => 1,
            };
            let found = places.get(&key.index()).copied().unwrap_or(0);
            if found != expected {
                return Err(format!(
                    "message {key:?} ({:?}) is in {found} places, expected {expected}",
                    message.state
                ));
            }
        }
        for (index, queue) in self.queues.iter().enumerate() {
            if queue.unacked != unacked[index] {
                return Err(format!(
                    "queue {} counts {} unacked, {} messages are delivered",
                    queue.name, queue.unacked, unacked[index]
                ));
            }
            // Liveness: the broker pushes whenever it can, so a ready message never waits for
            // a prefetch slot that is free.
            let consumer = &self.nodes[queue.consumer.index()];
            let prefetch = queue.policy.prefetch;
            if self.broker_up
                && consumer.state != NodeState::Killed
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
        for (index, node) in self.nodes.iter().enumerate() {
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
