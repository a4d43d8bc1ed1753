//! Commands: faults and changes applied to a running simulation. The UI, the CLI, tests and
//! replays all go through [`Simulation::apply`], and every applied command is logged with its
//! time, so scenario + seed + command log reproduce a run exactly.

use super::*;
use crate::scenario::{LinkSpec, ServiceSpec};

/// A fault or change applied to a running simulation. In JSON it is read as part of a
/// [`TimedCommand`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Crash a service: in-progress requests get a connection reset, unacked messages return
    /// to their queue, new calls are refused.
    Kill {
        /// The service's name.
        node: String,
    },
    /// Bring a killed or frozen service back.
    Revive {
        /// The service's name.
        node: String,
    },
    /// Hang a service: it accepts connections and messages but does nothing until revived, so
    /// callers time out.
    Freeze {
        /// The service's name.
        node: String,
    },
    /// Make a service's local work take `factor` times as long (1 is normal).
    Slow {
        /// The service's name.
        node: String,
        /// Multiplier, greater than 0.
        factor: f64,
    },
    /// Set a service's error rate.
    SetErrorRate {
        /// The service's name.
        node: String,
        /// Probability between 0 and 1.
        error_rate: f64,
    },
    /// Lose all traffic on a link (both directions) until healed; async links cannot publish.
    Partition {
        /// The link's index in the scenario.
        link: u32,
    },
    /// End a partition.
    Heal {
        /// The link's index in the scenario.
        link: u32,
    },
    /// Switch a link between a blocking call and a queue. Calls already made finish as they
    /// are.
    SetLinkKind {
        /// The link's index in the scenario.
        link: u32,
        /// The new kind.
        kind: LinkKind,
    },
    /// Take the broker down: publishes fail, nothing is delivered, acks are lost.
    KillBroker,
    /// Bring the broker back.
    ReviveBroker,
    /// Replace a service's knobs (its name must stay the same).
    UpdateService {
        /// The new specification.
        spec: ServiceSpec,
    },
    /// Replace a load source's knobs (its name must stay the same).
    UpdateClient {
        /// The new specification.
        spec: ClientSpec,
    },
    /// Replace a link's knobs (its endpoints must stay the same; the queue's knobs follow).
    UpdateLink {
        /// The link's index in the scenario.
        link: u32,
        /// The new specification.
        spec: LinkSpec,
    },
}

/// A command with the simulated time it was applied at. In JSON, one flat object:
/// `{"at": 2000000, "command": "kill", "node": "Payments"}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimedCommand {
    /// When.
    pub at: SimTime,
    /// What.
    #[serde(flatten)]
    pub command: Command,
}

/// The command names, as written in JSON.
const COMMAND_NAMES: [&str; 13] = [
    "kill",
    "revive",
    "freeze",
    "slow",
    "set_error_rate",
    "partition",
    "heal",
    "set_link_kind",
    "kill_broker",
    "revive_broker",
    "update_service",
    "update_client",
    "update_link",
];

// Read by hand rather than derived: a derived internally tagged enum inside a flattened struct
// buffers every value and deserialises each spec type twice more, which cost the browser
// bundle about 60 KB. Each field's raw JSON is kept and read once the command is known, so
// the fields may come in any order.
impl<'de> Deserialize<'de> for TimedCommand {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(TimedCommandVisitor)
    }
}

struct TimedCommandVisitor;

impl<'de> serde::de::Visitor<'de> for TimedCommandVisitor {
    type Value = TimedCommand;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str(
            "a command such as {\"at\": 2000000, \"command\": \"kill\", \"node\": \"Payments\"}",
        )
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<TimedCommand, A::Error> {
        use serde::de::Error;
        let (mut at, mut name) = (None, None::<String>);
        let mut fields: Vec<(String, Box<serde_json::value::RawValue>)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            // One rule everywhere: a key given twice is refused, as in scenario objects.
            let repeated = match key.as_str() {
                "at" => at.is_some(),
                "command" => name.is_some(),
                _ => fields.iter().any(|(seen, _)| *seen == key),
            };
            if repeated {
                return Err(A::Error::custom(format!("duplicate field `{key}`")));
            }
            match key.as_str() {
                "at" => at = Some(map.next_value::<SimTime>()?),
                "command" => name = Some(map.next_value()?),
                _ => fields.push((key, map.next_value()?)),
            }
        }
        let at = at.ok_or_else(|| A::Error::missing_field("at"))?;
        let name = name.ok_or_else(|| A::Error::missing_field("command"))?;
        let command = Command::from_fields(&name, fields).map_err(A::Error::custom)?;
        Ok(TimedCommand { at, command })
    }
}

impl Command {
    /// Builds the command called `name` from its fields' raw JSON. Inlined, so the spec
    /// readers are the caller's own (the browser builds them once, for size).
    #[inline]
    fn from_fields(
        name: &str,
        mut fields: Vec<(String, Box<serde_json::value::RawValue>)>,
    ) -> Result<Command, String> {
        #[inline]
        fn take<T: serde::de::DeserializeOwned>(
            fields: &mut Vec<(String, Box<serde_json::value::RawValue>)>,
            field: &str,
        ) -> Result<T, String> {
            let index = fields
                .iter()
                .position(|(key, _)| key == field)
                .ok_or_else(|| format!("missing field `{field}`"))?;
            let (_, raw) = fields.remove(index);
            serde_json::from_str(raw.get()).map_err(|error| {
                let message = error.to_string();
                let problem = message
                    .rfind(" at line ")
                    .map_or(&*message, |cut| &message[..cut]);
                format!("{field}: {problem}")
            })
        }
        let fields = &mut fields;
        let command = match name {
            "kill" => Command::Kill {
                node: take(fields, "node")?,
            },
            "revive" => Command::Revive {
                node: take(fields, "node")?,
            },
            "freeze" => Command::Freeze {
                node: take(fields, "node")?,
            },
            "slow" => Command::Slow {
                node: take(fields, "node")?,
                factor: take(fields, "factor")?,
            },
            "set_error_rate" => Command::SetErrorRate {
                node: take(fields, "node")?,
                error_rate: take(fields, "error_rate")?,
            },
            "partition" => Command::Partition {
                link: take(fields, "link")?,
            },
            "heal" => Command::Heal {
                link: take(fields, "link")?,
            },
            "set_link_kind" => Command::SetLinkKind {
                link: take(fields, "link")?,
                kind: take(fields, "kind")?,
            },
            "kill_broker" => Command::KillBroker,
            "revive_broker" => Command::ReviveBroker,
            "update_service" => Command::UpdateService {
                spec: take(fields, "spec")?,
            },
            "update_client" => Command::UpdateClient {
                spec: take(fields, "spec")?,
            },
            "update_link" => Command::UpdateLink {
                link: take(fields, "link")?,
                spec: take(fields, "spec")?,
            },
            other => {
                return Err(format!(
                    "unknown variant `{other}` for `command`, expected one of `{}`",
                    COMMAND_NAMES.join("`, `")
                ))
            }
        };
        match fields.first() {
            Some((extra, _)) => Err(format!("unknown field `{extra}` for command `{name}`")),
            None => Ok(command),
        }
    }
}

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
            Command::Kill { node } => self.kill(self.service_id(node)?)?,
            Command::Revive { node } => self.revive(self.service_id(node)?)?,
            Command::Freeze { node } => self.freeze(self.service_id(node)?)?,
            Command::Slow { node, factor } => {
                let id = self.service_id(node)?;
                if !(factor.is_finite() && *factor > 0.0) {
                    return Err(CommandError::Invalid(
                        "factor: must be greater than 0".into(),
                    ));
                }
                self.nodes[id.index()].slow_factor = *factor;
                let factor_percent = libm::round(factor * 100.0) as u32;
                self.record(TraceKind::NodeSlowed {
                    node: id,
                    factor_percent,
                });
            }
            Command::SetErrorRate { node, error_rate } => {
                let id = self.service_id(node)?;
                if !(0.0..=1.0).contains(error_rate) {
                    return Err(CommandError::Invalid(
                        "error_rate: must be between 0 and 1".into(),
                    ));
                }
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
        link_ref.latency = spec.latency.clone();
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
