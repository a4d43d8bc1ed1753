//! Jobs and sync calls: admitting work to a worker pool, local work, walking the call plan,
//! attempts with timeouts, retries with backoff (holding the worker), the retry budget, the
//! bulkhead and the circuit breaker, and answering the caller.
//!
//! Why one file: a call's life (attempt, timeout, retry, breaker, budget, answer) is one
//! sequence of events over the same job and call records; split, each step would sit a file
//! away from the ones before and after it.

use super::*;
use crate::breaker::Permit;
use crate::policy::PublishFailure;

impl Simulation {
    /// A new job at a live node: start it, queue it, or reject it (503).
    pub(super) fn admit(&mut self, job_key: JobKey) {
        let node_id = self.jobs.get(job_key).expect("admitted job exists").node;
        let node = &mut self.nodes[node_id.index()];
        node.accrue(self.now);
        if node.busy < node.workers {
            node.busy += 1;
            self.start_work(job_key);
        } else if (node.inbound.len() as u32) < node.queue_capacity {
            node.inbound.push_back(job_key);
        } else {
            node.metrics.rejected += 1;
            if let Some(Origin::Call(call)) = self.jobs.get(job_key).map(|job| job.origin) {
                let call = self.calls.get(call).expect("call of a job exists");
                let (request, id) = (call.request, call.id);
                self.record(TraceKind::CallRejected {
                    request,
                    call: id,
                    node: node_id,
                });
            }
            self.finish_job(job_key, Some(Failure::Rejected));
        }
    }

    pub(super) fn start_work(&mut self, job_key: JobKey) {
        let job = self.jobs.get_mut(job_key).expect("started job exists");
        job.holds_worker = true;
        job.phase = Phase::Working;
        job.work_started = Some(self.now);
        job.paused_snapshot = self.nodes[job.node.index()].paused_total;
        let (node_id, request) = (job.node, job.request);
        let waited = self.now > job.arrived_at;
        let node = &mut self.nodes[node_id.index()];
        node.metrics.started_work += 1;
        node.metrics.waited_for_worker += u64::from(waited);
        let mut duration = node.service_time.sample(&mut node.rng);
        if node.contention_per_request_ms > 0.0 {
            // `busy` counts this request too: it took its worker just before.
            let extra_ms = node.contention_per_request_ms * f64::from(node.busy);
            duration = duration + SimDuration::from_millis_f64(extra_ms);
        }
        if node.slow_factor != 1.0 {
            duration = SimDuration::from_millis_f64(duration.as_millis_f64() * node.slow_factor);
        }
        self.events
            .schedule(self.now + duration, Event::WorkDone(job_key));
        self.record(TraceKind::WorkStarted {
            request,
            node: node_id,
        });
    }

    /// Local work finished: the service's own error rate decides whether it fails here.
    pub(super) fn on_work_done(&mut self, job_key: JobKey) {
        let Some(job) = self.jobs.get_mut(job_key) else {
            return;
        };
        if job.phase != Phase::Working {
            return;
        }
        // The node was frozen while this work was in progress: it finishes that much later.
        let paused_total = self.nodes[job.node.index()].paused_total;
        if job.paused_snapshot != paused_total {
            let extra = SimDuration::from_micros(
                paused_total.as_micros() - job.paused_snapshot.as_micros(),
            );
            job.paused_snapshot = paused_total;
            self.events
                .schedule(self.now + extra, Event::WorkDone(job_key));
            return;
        }
        job.phase = Phase::Calling;
        let request = job.request;
        let node = &mut self.nodes[job.node.index()];
        let poisoned = node.poison_rate > 0.0
            && poison_draw(self.seed, node.poison_salt, request) < node.poison_rate;
        if poisoned || (node.error_rate > 0.0 && node.rng.chance(node.error_rate)) {
            self.finish_job(job_key, Some(Failure::ServerError));
        } else {
            self.advance(job_key);
        }
    }

    /// Walks the call plan: starts branches (one at a time, or all at once in parallel mode)
    /// and finishes the job once nothing is outstanding.
    pub(super) fn advance(&mut self, job_key: JobKey) {
        loop {
            let job = self.jobs.get(job_key).expect("advanced job exists");
            let node = &self.nodes[job.node.index()];
            let plan_done = job.next_step >= node.plan.len();
            let sequential = node.call_mode == CallMode::Sequential;
            if job.outstanding > 0 && (sequential || plan_done || job.failure.is_some()) {
                return;
            }
            if job.outstanding == 0 && (plan_done || job.failure.is_some()) {
                let failure = job.failure;
                self.finish_job(job_key, failure);
                return;
            }
            let link = node.plan[job.next_step];
            self.jobs
                .get_mut(job_key)
                .expect("advanced job exists")
                .next_step += 1;
            self.start_attempt(job_key, link, Attempt::FIRST);
        }
    }

    /// Makes an attempt of a branch: a sync call, or a publish on an async link.
    fn start_attempt(&mut self, job: JobKey, link_id: LinkId, attempt: Attempt) {
        match self.links[link_id.index()].kind {
            LinkKind::Async => {
                let request = self.jobs.get(job).expect("publishing job exists").request;
                match self.publish(request, link_id) {
                    Ok(()) => self.refund_retry_budget(link_id, attempt.quota_taken),
                    Err(failure) => {
                        match self.links[link_id.index()].async_policy.on_publish_failure {
                            PublishFailure::FailRequest => self.fail_branch(job, failure),
                            PublishFailure::Retry => {
                                self.attempt_failed(job, link_id, attempt, failure)
                            }
                            PublishFailure::Drop => self.drop_unpublished(request, link_id),
                        }
                    }
                }
            }
            LinkKind::Sync => self.send_call(job, link_id, attempt),
        }
    }

    fn send_call(&mut self, job_key: JobKey, link_id: LinkId, attempt: Attempt) {
        let request = self.jobs.get(job_key).expect("calling job exists").request;
        let link = &mut self.links[link_id.index()];
        let not_permitted = if link
            .sync
            .max_concurrent_calls
            .is_some_and(|max| link.concurrent >= max)
        {
            Some(Failure::BulkheadFull)
        } else {
            None
        };
        let mut permit = None;
        if not_permitted.is_none() {
            let (admission, transition) = link.breaker.try_acquire(self.now);
            self.record_breaker(link_id, transition);
            match admission {
                Ok(granted) => permit = Some(granted),
                Err(_) => {
                    return self.call_not_permitted(job_key, link_id, attempt, Failure::BreakerOpen)
                }
            }
        }
        if let Some(reason) = not_permitted {
            return self.call_not_permitted(job_key, link_id, attempt, reason);
        }
        let id = self.next_attempt_id();
        let call = self.calls.insert(Call {
            id,
            link: link_id,
            request,
            attempt,
            caller: Some(job_key),
            state: CallState::Waiting,
            holds_slot: true,
            permit,
            lost: false,
        });
        self.jobs
            .get_mut(job_key)
            .expect("calling job exists")
            .outstanding += 1;
        let link = &mut self.links[link_id.index()];
        link.concurrent += 1;
        link.metrics.attempts += 1;
        if attempt.number > 1 {
            link.metrics.retries += 1;
        }
        let timeout = link.sync.timeout();
        self.events
            .schedule_after(self.now, timeout, Event::CallTimeout(call));
        self.record(TraceKind::CallSent {
            request,
            call: id,
            link: link_id,
            attempt: attempt.number,
        });
        self.transmit(link_id, Leg::Forward, Payload::Call(call));
    }

    fn call_not_permitted(
        &mut self,
        job: JobKey,
        link_id: LinkId,
        attempt: Attempt,
        reason: Failure,
    ) {
        let request = self.jobs.get(job).expect("calling job exists").request;
        self.links[link_id.index()].metrics.not_permitted += 1;
        self.record(TraceKind::CallNotPermitted {
            request,
            link: link_id,
            reason,
        });
        self.attempt_failed(job, link_id, attempt, reason);
    }

    /// An attempt failed: sleep and retry if the policy, the failure kind and the retry budget
    /// allow it, otherwise fail the branch.
    fn attempt_failed(
        &mut self,
        job_key: JobKey,
        link_id: LinkId,
        attempt: Attempt,
        failure: Failure,
    ) {
        let request = self.jobs.get(job_key).expect("failed job exists").request;
        let link = &mut self.links[link_id.index()];
        let mut retry =
            attempt.number < link.sync.max_attempts && link.sync.retry_on.retries(failure);
        let mut quota_taken = None;
        if retry {
            if let (Some(bucket), Some(budget)) = (&mut link.budget, &link.sync.retry_budget) {
                quota_taken = bucket.try_spend(budget, failure);
                if quota_taken.is_none() {
                    link.metrics.budget_exhausted += 1;
                    retry = false;
                }
            }
        }
        if !retry {
            link.metrics.exhausted += 1;
            self.fail_branch(job_key, failure);
            return;
        }
        let delay =
            link.sync
                .backoff
                .delay(attempt.number, attempt.previous_backoff, &mut link.rng);
        let next = Attempt {
            number: attempt.number + 1,
            previous_backoff: delay,
            quota_taken,
        };
        let id = self.next_attempt_id();
        let call = self.calls.insert(Call {
            id,
            link: link_id,
            request,
            attempt: next,
            caller: Some(job_key),
            state: CallState::Sleeping,
            holds_slot: false,
            permit: None,
            lost: false,
        });
        self.jobs
            .get_mut(job_key)
            .expect("failed job exists")
            .outstanding += 1;
        self.events
            .schedule(self.now + delay, Event::RetryDue(call));
        self.record(TraceKind::RetryScheduled {
            request,
            link: link_id,
            attempt: next.number,
            delay_us: delay.as_micros(),
        });
    }

    /// A branch gave up: the job will fail. A load source reports the real reason; a service
    /// answers its own caller with a 5xx.
    fn fail_branch(&mut self, job_key: JobKey, failure: Failure) {
        let job = self.jobs.get_mut(job_key).expect("failing job exists");
        let reported = match job.origin {
            Origin::Client { .. } => failure,
            _ => Failure::ServerError,
        };
        job.failure.get_or_insert(reported);
    }

    pub(super) fn on_retry_due(&mut self, call_key: CallKey) {
        let Some(call) = self.calls.remove(call_key) else {
            return;
        };
        let Some(job_key) = call.caller.filter(|job| self.jobs.get(*job).is_some()) else {
            return;
        };
        self.jobs
            .get_mut(job_key)
            .expect("retrying job exists")
            .outstanding -= 1;
        self.start_attempt(job_key, call.link, call.attempt);
        self.advance(job_key);
    }

    pub(super) fn on_call_timeout(&mut self, call_key: CallKey) {
        let Some(call) = self.calls.get_mut(call_key) else {
            return;
        };
        if call.state != CallState::Waiting {
            return;
        }
        let caller = call
            .caller
            .take()
            .filter(|job| self.jobs.get(*job).is_some());
        let (request, id, link, attempt) = (call.request, call.id, call.link, call.attempt);
        let lost = call.lost;
        self.release_slot_and_report(call_key, link, Some(Failure::Timeout), caller.is_some());
        if lost {
            self.calls.remove(call_key);
        }
        let Some(job_key) = caller else { return };
        self.links[link.index()].metrics.timeouts += 1;
        self.record(TraceKind::CallTimedOut {
            request,
            call: id,
            link,
            attempt: attempt.number,
        });
        self.jobs
            .get_mut(job_key)
            .expect("waiting job exists")
            .outstanding -= 1;
        self.attempt_failed(job_key, link, attempt, Failure::Timeout);
        self.advance(job_key);
    }

    /// The caller stopped waiting for an attempt (answer or timeout): free its bulkhead slot and
    /// tell the breaker. `permit` is consumed by the first report only.
    fn release_slot_and_report(
        &mut self,
        call_key: CallKey,
        link_id: LinkId,
        failure: Option<Failure>,
        caller_alive: bool,
    ) {
        let (holds_slot, permit, quota_taken) = match self.calls.get_mut(call_key) {
            Some(call) => (
                core::mem::take(&mut call.holds_slot),
                call.permit.take(),
                call.attempt.quota_taken,
            ),
            // Already removed (a lost call): its slot and permit were taken before removal.
            None => (false, None, None),
        };
        let link = &mut self.links[link_id.index()];
        if holds_slot {
            link.concurrent -= 1;
        }
        if let Some(permit) = permit {
            self.report_to_breaker(link_id, permit, failure, caller_alive);
            if failure.is_none() && caller_alive {
                self.refund_retry_budget(link_id, quota_taken);
            }
        }
    }

    fn report_to_breaker(
        &mut self,
        link_id: LinkId,
        permit: Permit,
        failure: Option<Failure>,
        caller_alive: bool,
    ) {
        let link = &mut self.links[link_id.index()];
        if !caller_alive {
            link.breaker.release(permit);
            return;
        }
        let transition = link.breaker.on_result(permit, self.now, failure.is_some());
        self.record_breaker(link_id, transition);
    }

    /// A call (or publish) on the link succeeded: the retry budget gets back what its last
    /// retry took, or the first-attempt refund.
    fn refund_retry_budget(&mut self, link_id: LinkId, quota_taken: Option<u32>) {
        let link = &mut self.links[link_id.index()];
        if let (Some(bucket), Some(budget)) = (&mut link.budget, &link.sync.retry_budget) {
            bucket.refund(budget, quota_taken);
        }
    }

    pub(super) fn record_breaker(
        &mut self,
        link_id: LinkId,
        transition: Option<crate::breaker::Transition>,
    ) {
        let Some(transition) = transition else { return };
        use crate::breaker::BreakerState::{Closed, HalfOpen, Open};
        assert!(
            matches!(
                (transition.from, transition.to),
                (Closed, Open) | (Open, HalfOpen) | (HalfOpen, Closed) | (HalfOpen, Open)
            ),
            "the breaker went from {:?} to {:?}, which its state table does not allow",
            transition.from,
            transition.to
        );
        self.record(TraceKind::BreakerChanged {
            link: link_id,
            from: transition.from,
            to: transition.to,
        });
        if let Some(due) = self.links[link_id.index()]
            .breaker
            .automatic_transition_due()
        {
            self.events
                .schedule(due.max(self.now), Event::BreakerTimer(link_id));
        }
    }

    pub(super) fn on_breaker_timer(&mut self, link_id: LinkId) {
        let transition = self.links[link_id.index()].breaker.on_timer(self.now);
        self.record_breaker(link_id, transition);
    }

    pub(super) fn on_call_arrived(&mut self, call_key: CallKey, link_id: LinkId) {
        let callee = self.links[link_id.index()].to;
        let call = self.calls.get(call_key).expect("call in transit exists");
        let (request, id) = (call.request, call.id);
        if self.nodes[callee.index()].state == NodeState::Killed {
            self.nodes[callee.index()].metrics.refused += 1;
            self.record(TraceKind::CallRefused {
                request,
                call: id,
                node: callee,
            });
            let failure = Some(Failure::Refused);
            self.transmit(
                link_id,
                Leg::Back,
                Payload::Response {
                    call: call_key,
                    failure,
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
            .insert(Job::new(callee, request, Origin::Call(call_key), self.now));
        self.admit(job);
    }

    pub(super) fn on_response(&mut self, call_key: CallKey, failure: Option<Failure>) {
        let call = self.calls.get(call_key).expect("answered call exists");
        let link = call.link;
        let waiting = call.state == CallState::Waiting;
        let caller = call.caller.filter(|job| self.jobs.get(*job).is_some());
        let attempt = call.attempt;
        if waiting {
            self.release_slot_and_report(call_key, link, failure, caller.is_some());
        }
        self.calls.remove(call_key);
        let Some(job_key) = caller.filter(|_| waiting) else {
            return;
        };
        self.jobs
            .get_mut(job_key)
            .expect("waiting job exists")
            .outstanding -= 1;
        if let Some(failure) = failure {
            self.attempt_failed(job_key, link, attempt, failure);
        }
        self.advance(job_key);
    }

    /// A transmission lost to a partition. Nobody answers a lost call: its caller's timeout
    /// ends it, and the record goes once the caller has stopped waiting.
    pub(super) fn on_lost(&mut self, payload: Payload) {
        match payload {
            Payload::Call(call) | Payload::Response { call, .. } => {
                let Some(record) = self.calls.get_mut(call) else {
                    return;
                };
                record.lost = true;
                if record.caller.is_none() {
                    self.calls.remove(call);
                }
            }
            Payload::Publish(_) | Payload::Deliver { .. } => {
                unreachable!("only request and response legs cross a partition")
            }
        }
    }

    /// Ends a job: answer its caller, settle its message or record the client outcome, then
    /// give the freed worker more work.
    pub(super) fn finish_job(&mut self, job_key: JobKey, failure: Option<Failure>) {
        let job = self.jobs.remove(job_key).expect("finished job exists");
        let node_id = job.node;
        let node = &mut self.nodes[node_id.index()];
        if job.holds_worker {
            node.accrue(self.now);
            node.busy -= 1;
        }
        match failure {
            None => node.metrics.succeeded += 1,
            // Turned away at the door: counted as rejected, not as a failure of work taken in.
            Some(Failure::Rejected) if !job.holds_worker => {}
            Some(_) => node.metrics.failed += 1,
        }
        match job.origin {
            Origin::Client {
                started_at,
                by_user,
            } => {
                let latency = self.now - started_at;
                node.open_requests -= 1;
                let metrics = &mut node.client_metrics;
                match failure {
                    None => {
                        metrics.succeeded += 1;
                        metrics.latency.record(latency);
                        self.series.record_latency(latency);
                    }
                    Some(reason) => {
                        metrics.failed_by_reason[reason.index()] += 1;
                        metrics.failed_latency.record(latency);
                    }
                }
                self.record(TraceKind::RequestFinished {
                    request: job.request,
                    client: node_id,
                    failure,
                    latency_us: latency.as_micros(),
                });
                self.client_request_finished(node_id, by_user);
            }
            Origin::Call(call) => self.respond(call, failure, job.work_started, node_id),
            Origin::Message { message, delivery } => {
                self.settle_message(message, delivery, failure.is_none())
            }
        }
        if job.holds_worker {
            self.pull_work(node_id);
        }
    }

    /// Sends the answer back. Work finished for a caller who already gave up is wasted.
    pub(super) fn respond(
        &mut self,
        call_key: CallKey,
        failure: Option<Failure>,
        work_started: Option<SimTime>,
        node: NodeId,
    ) {
        let call = self.calls.get(call_key).expect("answered call exists");
        let (request, id, link) = (call.request, call.id, call.link);
        let caller_alive = call.caller.is_some_and(|job| self.jobs.get(job).is_some());
        let wasted = !caller_alive && failure.is_none();
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

    /// Gives free workers of a live node queued requests first, then the deliveries its
    /// queues pushed to it, in the order they arrived.
    pub(super) fn pull_work(&mut self, node_id: NodeId) {
        self.nodes[node_id.index()].accrue(self.now);
        loop {
            let node = &mut self.nodes[node_id.index()];
            if node.state != NodeState::Up || node.busy >= node.workers {
                return;
            }
            let Some(job) = node
                .inbound
                .pop_front()
                .or_else(|| node.prefetched.pop_front())
            else {
                return;
            };
            node.busy += 1;
            self.start_work(job);
        }
    }
}

/// A uniform number in [0, 1) fixed by the seed, the service and the request: the same
/// request is poison at the same service on every delivery, and drawing it consumes no
/// random stream.
fn poison_draw(seed: u64, salt: u64, request: RequestId) -> f64 {
    let bits = crate::rng::splitmix64(seed ^ salt ^ crate::rng::splitmix64(request.0));
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}
