//! Applying commands: faults and changes to a running simulation. The UI, the CLI, tests and
//! replays all go through [`Simulation::apply`], and every applied command is logged with its
//! time, so scenario + seed + command log reproduce a run exactly. The commands themselves are
//! the scenario's format ([`crate::scenario::command`]); what can go wrong applying one to the
//! run as it is now is [`CommandError`], kept here with the code that refuses.

use super::*;
use crate::scenario::{LinkSpec, ServiceSpec};

/// A command that cannot be applied. The simulation is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// No node has that name.
    #[error("no service is named {0:?}")]
    UnknownNode(String),
    /// The link index is out of range.
    #[error("there is no link number {0}")]
    UnknownLink(u32),
    /// Load sources cannot be killed, frozen or slowed.
    #[error("{0:?} is a load source, not a service")]
    NotAService(String),
    /// Killing a dead service, reviving a live one, and so on.
    #[error("{name:?} is already {state:?}")]
    AlreadyInState {
        /// The service.
        name: String,
        /// Its state.
        state: NodeState,
    },
    /// The broker is already in that state.
    #[error("the broker is already {0}")]
    Broker(&'static str),
    /// A value out of range, or a change the engine cannot make at run time.
    #[error("{0}")]
    Invalid(String),
    /// The run cannot get past an instant (see [`RunOutcome::StuckAtInstant`]), so a command
    /// due there or later cannot be applied where it belongs.
    #[error("{}", stuck_message(*.0))]
    StuckAtInstant(SimTime),
}

/// What to tell a person whose scenario stalls at one instant, in one line.
fn stuck_message(at: SimTime) -> String {
    format!(
        "the scenario does too much work at one simulated instant: more than {} million \
         events at t = {:.6} s without time moving on (zero latencies and zero backoffs with \
         many attempts or deliveries do this); give a link some latency or a retry some backoff",
        super::INSTANT_EVENT_LIMIT / 1_000_000,
        at.as_secs_f64()
    )
}

impl Simulation {
    /// Applies a command now and records it in the command log. On error nothing changes.
    pub fn apply(&mut self, command: Command) -> Result<(), CommandError> {
        self.apply_unlogged(&command)?;
        self.command_log.push(TimedCommand {
            at: self.now,
            command,
        });
        Ok(())
    }

    /// Applies a command now without logging it (the scenario's own scheduled faults).
    pub(super) fn apply_unlogged(&mut self, command: &Command) -> Result<(), CommandError> {
        match command {
            Command::Kill { node } => {
                self.kill(self.service_id(node)?)?;
                self.count_frozen();
            }
            Command::Revive { node } => {
                self.revive(self.service_id(node)?)?;
                self.count_frozen();
            }
            Command::Freeze { node } => {
                self.freeze(self.service_id(node)?)?;
                self.count_frozen();
            }
            Command::Slow { node, factor } => {
                let id = self.service_id(node)?;
                command.check_values().map_err(CommandError::Invalid)?;
                self.nodes[id.index()].slow_factor = *factor;
                let factor_percent = libm::round(factor * 100.0) as u32;
                self.record(TraceKind::NodeSlowed {
                    node: id,
                    factor_percent,
                });
            }
            Command::SetErrorRate { node, error_rate } => {
                let id = self.service_id(node)?;
                command.check_values().map_err(CommandError::Invalid)?;
                self.nodes[id.index()].error_rate = *error_rate;
                let per_million = libm::round(error_rate * 1e6) as u32;
                self.record(TraceKind::ErrorRateChanged {
                    node: id,
                    per_million,
                });
            }
            Command::Partition { link } => {
                let id = self.link_id(*link)?;
                if !self.links[id.index()].partitioned {
                    self.links[id.index()].partitioned = true;
                    self.record(TraceKind::LinkPartitioned { link: id });
                }
            }
            Command::Heal { link } => {
                let id = self.link_id(*link)?;
                if self.links[id.index()].partitioned {
                    self.links[id.index()].partitioned = false;
                    self.record(TraceKind::LinkHealed { link: id });
                }
            }
            Command::SetLinkKind { link, kind } => {
                let id = self.link_id(*link)?;
                if self.links[id.index()].kind != *kind {
                    self.links[id.index()].kind = *kind;
                    self.record(TraceKind::LinkKindChanged {
                        link: id,
                        kind: *kind,
                    });
                }
            }
            Command::KillBroker => {
                if !self.broker_up {
                    return Err(CommandError::Broker("down"));
                }
                self.broker_up = false;
                self.record(TraceKind::BrokerKilled);
            }
            Command::ReviveBroker => {
                if self.broker_up {
                    return Err(CommandError::Broker("up"));
                }
                self.broker_up = true;
                self.record(TraceKind::BrokerRevived);
                for index in 0..self.queues.len() {
                    self.dispatch(QueueId(index as u32));
                }
            }
            Command::UpdateService { spec } => self.update_service(spec)?,
            Command::UpdateClient { spec } => self.update_client(spec)?,
            Command::UpdateLink { link, spec } => self.update_link(*link, spec)?,
        }
        Ok(())
    }

    /// Re-runs a command log from the start: run to each command's time, apply it, and finally
    /// run to `end`. With the same scenario and seed this reproduces the original run exactly.
    pub fn replay(&mut self, log: &[TimedCommand], end: SimTime) -> Result<(), CommandError> {
        for timed in log {
            self.run_to_settled(timed.at)?;
            self.apply(timed.command.clone())?;
        }
        self.run_to_settled(end)
    }

    /// Runs to `time` (every event due then included), or fails where the run gets stuck at
    /// one instant.
    pub fn run_to_settled(&mut self, time: SimTime) -> Result<(), CommandError> {
        match self.run_until(time, u64::MAX) {
            RunOutcome::StuckAtInstant => Err(CommandError::StuckAtInstant(self.now)),
            RunOutcome::ReachedTime | RunOutcome::Idle | RunOutcome::BudgetExhausted => Ok(()),
        }
    }

    fn node_index(&self, name: &str) -> Result<usize, CommandError> {
        self.nodes
            .iter()
            .position(|node| node.name == name)
            .ok_or_else(|| CommandError::UnknownNode(name.to_string()))
    }

    fn service_id(&self, name: &str) -> Result<NodeId, CommandError> {
        let index = self.node_index(name)?;
        match self.nodes[index].kind {
            NodeKind::Service => Ok(NodeId(index as u32)),
            NodeKind::Client(_) => Err(CommandError::NotAService(name.to_string())),
        }
    }

    fn link_id(&self, link: u32) -> Result<LinkId, CommandError> {
        if (link as usize) < self.links.len() {
            Ok(LinkId(link))
        } else {
            Err(CommandError::UnknownLink(link))
        }
    }

    fn kill(&mut self, node_id: NodeId) -> Result<(), CommandError> {
        let node = &mut self.nodes[node_id.index()];
        if node.state == NodeState::Killed {
            return Err(CommandError::AlreadyInState {
                name: node.name.clone(),
                state: node.state,
            });
        }
        node.accrue(self.now);
        node.state = NodeState::Killed;
        node.epoch += 1;
        node.busy = 0;
        node.inbound.clear();
        node.prefetched.clear();
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
            match job.origin {
                Origin::Call(call) => self.respond(call, Some(Failure::Reset), None, node_id),
                Origin::Message { message, delivery } => {
                    // SQS: invisible until its timeout; RabbitMQ: back in the queue at once.
                    let waits = self
                        .messages
                        .get(message)
                        .is_some_and(|message| message.visibility_pending);
                    if !waits {
                        self.settle_message(message, delivery, false)
                    }
                }
                Origin::Client { .. } => unreachable!("load sources cannot be killed"),
            }
        }
        // Calls the frozen process had accepted die with it (connection reset); everything
        // else that reached it while frozen now meets a dead process.
        let deferred = core::mem::take(&mut self.nodes[node_id.index()].deferred);
        self.nodes[node_id.index()].backlog_calls = 0;
        for (_, event) in deferred {
            if let Event::Arrive(transit) = &event {
                // A delivery that reached the hung process dies with it: its message went
                // back to the queue (or waits for its visibility timeout) below.
                if let Some(Payload::Deliver { .. }) =
                    self.transits.get(*transit).map(|t| &t.payload)
                {
                    self.transits.remove(*transit);
                    continue;
                }
            }
            let accepted_call = match &event {
                Event::Arrive(transit) => match self.transits.get(*transit).map(|t| &t.payload) {
                    Some(Payload::Call(call)) => Some((*transit, *call)),
                    _ => None,
                },
                _ => None,
            };
            match accepted_call {
                Some((transit, call)) => {
                    self.transits.remove(transit);
                    // Accepted into the hung process's backlog, then lost with it.
                    let metrics = &mut self.nodes[node_id.index()].metrics;
                    metrics.received += 1;
                    metrics.failed += 1;
                    self.respond(call, Some(Failure::Reset), None, node_id);
                }
                None => {
                    self.events.schedule(self.now, event);
                }
            }
        }
        self.nodes[node_id.index()].frozen_at = None;
        self.requeue_unacked_of(node_id);
        Ok(())
    }

    fn revive(&mut self, node_id: NodeId) -> Result<(), CommandError> {
        let node = &mut self.nodes[node_id.index()];
        let previous = node.state;
        if previous == NodeState::Up {
            return Err(CommandError::AlreadyInState {
                name: node.name.clone(),
                state: node.state,
            });
        }
        node.state = NodeState::Up;
        self.record(TraceKind::NodeRevived { node: node_id });
        if previous == NodeState::Killed {
            // A restarted process starts with fresh in-memory breakers and retry budgets.
            let outgoing = self.nodes[node_id.index()].plan.clone();
            for link_id in outgoing {
                let link = &mut self.links[link_id.index()];
                link.breaker = CircuitBreaker::new(link.sync.breaker.clone());
                link.budget = link.sync.retry_budget.as_ref().map(TokenBucket::full);
            }
        }
        if previous == NodeState::Frozen {
            self.thaw(node_id);
        }
        self.pull_work(node_id);
        self.dispatch_to(node_id);
        Ok(())
    }

    /// Counts the frozen nodes again after a node's state changed (see `frozen_nodes`).
    fn count_frozen(&mut self) {
        self.frozen_nodes = self
            .nodes
            .iter()
            .filter(|node| node.state == NodeState::Frozen)
            .count();
    }

    fn freeze(&mut self, node_id: NodeId) -> Result<(), CommandError> {
        let node = &mut self.nodes[node_id.index()];
        if node.state != NodeState::Up {
            return Err(CommandError::AlreadyInState {
                name: node.name.clone(),
                state: node.state,
            });
        }
        node.state = NodeState::Frozen;
        node.frozen_at = Some(self.now);
        self.record(TraceKind::NodeFrozen { node: node_id });
        Ok(())
    }

    /// The process resumes where it stopped: what reached it over the network is handled at
    /// once, its own timers fire as long after the thaw as they were due after the freeze, and
    /// work still in progress is pushed back by the length of the freeze (see `paused_total`).
    fn thaw(&mut self, node_id: NodeId) {
        let node = &mut self.nodes[node_id.index()];
        let frozen_at = node.frozen_at.take().unwrap_or(self.now);
        node.paused_total = node.paused_total + (self.now - frozen_at);
        let paused_total = node.paused_total;
        let deferred = core::mem::take(&mut node.deferred);
        node.backlog_calls = 0;
        for (due, event) in deferred {
            if let Event::WorkDone(job) = event {
                if let Some(job) = self.jobs.get_mut(job) {
                    job.paused_snapshot = paused_total;
                }
            }
            // Deliveries the broker pushed while it hung are read now, into its buffer: one
            // step, not an event each (a backlog of millions must not look like an instant
            // feeding itself).
            if let Event::Arrive(transit) = event {
                let delivery = self
                    .transits
                    .get(transit)
                    .is_some_and(|t| matches!(t.payload, Payload::Deliver { .. }));
                if delivery {
                    self.on_arrive(transit);
                    continue;
                }
            }
            // What arrived over the network waits in the socket and is read at once; the
            // process's own timers and work resume with the time they had left.
            let at = match event {
                Event::Arrive(_) => self.now,
                _ => self.now + (due - frozen_at),
            };
            self.events.schedule(at, event);
        }
    }

    fn update_service(&mut self, spec: &ServiceSpec) -> Result<(), CommandError> {
        let id = self.service_id(&spec.name)?;
        spec.validate_knobs().map_err(CommandError::Invalid)?;
        self.nodes[id.index()].configure(spec, self.now);
        self.record(TraceKind::Reconfigured {
            node: Some(id),
            link: None,
        });
        self.pull_work(id);
        Ok(())
    }

    fn update_client(&mut self, spec: &ClientSpec) -> Result<(), CommandError> {
        let index = self.node_index(&spec.name)?;
        let id = NodeId(index as u32);
        // Checked with every other load source as it is now: the limits on load are for all
        // of them together.
        let clients = self
            .nodes
            .iter()
            .filter_map(|node| match &node.kind {
                NodeKind::Client(load) if load.spec.name == spec.name => Some(spec.clone()),
                NodeKind::Client(load) => Some(load.spec.clone()),
                NodeKind::Service => None,
            })
            .collect();
        let probe = Scenario {
            clients,
            ..Scenario::default()
        };
        probe
            .validate()
            .map_err(|error| CommandError::Invalid(error.to_string()))?;
        let NodeKind::Client(load) = &mut self.nodes[index].kind else {
            return Err(CommandError::Invalid(format!(
                "{:?} is a service, not a load source",
                spec.name
            )));
        };
        load.spec = spec.clone();
        load.think_time = spec.think_time.sampler();
        load.generation = load.generation.wrapping_add(1);
        load.spec_generation = load.spec_generation.wrapping_add(1);
        self.think_floor = self.closed_loop_think_floor();
        self.record(TraceKind::Reconfigured {
            node: Some(id),
            link: None,
        });
        // Extra closed-loop users join now; surplus users leave after their current request.
        self.start_load(id);
        Ok(())
    }

    fn update_link(&mut self, link: u32, spec: &LinkSpec) -> Result<(), CommandError> {
        let id = self.link_id(link)?;
        let current = &self.links[id.index()];
        let (from, to) = (
            &self.nodes[current.from.index()].name,
            &self.nodes[current.to.index()].name,
        );
        if spec.from != *from || spec.to != *to {
            return Err(CommandError::Invalid(format!(
                "link {link} connects {from:?} to {to:?}; delete and add a link to change its ends"
            )));
        }
        let queue_name = spec.async_policy.queue_name(&spec.to);
        if queue_name != self.queues[current.queue.index()].name {
            return Err(CommandError::Invalid(
                "async.queue: a link's queue cannot be renamed while it runs".into(),
            ));
        }
        spec.latency
            .validate()
            .map_err(|p| CommandError::Invalid(format!("latency.{p}")))?;
        spec.sync
            .validate()
            .map_err(|p| CommandError::Invalid(format!("sync.{p}")))?;
        spec.async_policy
            .validate()
            .map_err(|p| CommandError::Invalid(format!("async.{p}")))?;
        let link_ref = &mut self.links[id.index()];
        if link_ref.sync.breaker != spec.sync.breaker {
            link_ref.breaker = CircuitBreaker::new(spec.sync.breaker.clone());
        }
        if link_ref.sync.retry_budget != spec.sync.retry_budget {
            link_ref.budget = spec.sync.retry_budget.as_ref().map(TokenBucket::full);
        }
        link_ref.kind = spec.kind;
        link_ref.latency = spec.latency.sampler();
        link_ref.sync = spec.sync.clone();
        link_ref.async_policy = spec.async_policy.clone();
        let queue = link_ref.queue;
        let queue_ref = &mut self.queues[queue.index()];
        queue_ref.most_deliveries = queue_ref
            .most_deliveries
            .max(spec.async_policy.max_deliveries());
        queue_ref.policy = spec.async_policy.clone();
        self.enforce_max_length(queue);
        self.record(TraceKind::Reconfigured {
            node: None,
            link: Some(id),
        });
        self.dispatch(queue);
        Ok(())
    }
}
