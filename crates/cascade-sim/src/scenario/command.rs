//! The command format: [`Command`] (a fault or a change to a running simulation) and
//! [`TimedCommand`] (a command with the simulated time it takes effect), as they are written
//! and read in a scenario's `faults` and in command logs (the engine's, a share link's, the
//! CLI's `--commands` file). It lives beside the scenario it is part of, so that a scenario can
//! be read, checked and written (the validator, the presets, the swarm's generator, share
//! links) without the engine; the engine only consumes commands (`Simulation::apply`).
//!
//! What lives here is vocabulary, not behaviour: the variants and their fields, the names
//! written in JSON (`COMMAND_NAMES`) and the hand-written reader of [`TimedCommand`]. Whether
//! a command names things a scenario has is
//! [`Scenario::check_command`](super::Scenario::check_command).
//!
//! [`CommandError`](crate::engine::CommandError) stays in the engine: each of its variants is
//! a reason the engine refuses to apply a command to the run as it is now (no such service in
//! this run, a service already down, the broker already up, a run stuck at one instant), not a
//! flaw in the text. A command that cannot be read is a serde error, or a
//! [`ScenarioError`](super::ScenarioError) with its path, like the rest of the format.

use super::{ClientSpec, LinkSpec, ServiceSpec};
use crate::time::SimTime;
use crate::vocabulary::LinkKind;
use serde::{Deserialize, Serialize};

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
        let (at, command) = deserializer.deserialize_map(CommandVisitor { timed: true })?;
        Ok(TimedCommand {
            at: at.unwrap_or(SimTime::ZERO),
            command,
        })
    }
}

/// Reads a command's object: with its `"at"` (a timed command, where it is required) or
/// without it (a story step's, where it is refused). One reader for both keeps the browser
/// bundle to one copy of the spec readers.
pub(crate) struct CommandVisitor {
    /// Whether `"at"` is required (true) or refused (false).
    pub timed: bool,
}

impl<'de> serde::de::Visitor<'de> for CommandVisitor {
    type Value = (Option<SimTime>, Command);

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str(if self.timed {
            "a command such as {\"at\": 2000000, \"command\": \"kill\", \"node\": \"Payments\"}"
        } else {
            "a command such as {\"command\": \"kill\", \"node\": \"Payments\"}"
        })
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<(Option<SimTime>, Command), A::Error> {
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
        match (self.timed, at) {
            (true, None) => return Err(A::Error::missing_field("at")),
            (false, Some(_)) => {
                return Err(A::Error::custom(
                    "a step's command has no \"at\": it happens when the step begins",
                ))
            }
            _ => {}
        }
        let name = name.ok_or_else(|| A::Error::missing_field("command"))?;
        let command = Command::from_fields(&name, fields).map_err(A::Error::custom)?;
        Ok((at, command))
    }
}

impl Command {
    /// Checks the values a command carries, not whether the nodes and links it names exist: a
    /// slow-down factor above 0, an error rate from 0 to 1.
    pub fn check_values(&self) -> Result<(), String> {
        match self {
            Command::Slow { factor, .. } if !(factor.is_finite() && *factor > 0.0) => {
                Err("factor: must be greater than 0".into())
            }
            Command::SetErrorRate { error_rate, .. } if !(0.0..=1.0).contains(error_rate) => {
                Err("error_rate: must be between 0 and 1".into())
            }
            _ => Ok(()),
        }
    }

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
