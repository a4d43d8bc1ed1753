//! The shared vocabulary: small enums that the scenario format, the policies, the trace, the
//! metrics and the engine all speak (a link's kind, a node's state, why something failed).
//! They live in a leaf module that imports nothing from the crate, so that each of those
//! modules can name them without importing another (the trace reading the scenario for
//! [`LinkKind`], the policies reading the trace for [`Failure`]), and the modules stay in one
//! order: vocabulary below everything that uses it.
//!
//! The old paths still work (`cascade_sim::scenario::LinkKind`, `cascade_sim::trace::Failure`,
//! `cascade_sim::engine::NodeState`, and the crate root).

use serde::{Deserialize, Serialize};

/// Whether a link is a blocking call or a message through a broker queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// A REST call: the caller's worker waits for the response or the timeout.
    #[default]
    Sync,
    /// Publish to a queue and move on; the callee consumes when it has a free worker.
    Async,
}

/// Whether a node is taking work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeState {
    /// Running.
    Up,
    /// Crashed: connections are refused at once, in-progress work is lost.
    Killed,
    /// Hung: connections are accepted but nothing is processed; callers time out.
    Frozen,
}

/// Why a call, a request or a message processing failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// The caller stopped waiting.
    Timeout,
    /// The callee was down: connection refused at once.
    Refused,
    /// The callee's inbound queue was full (HTTP 503).
    Rejected,
    /// The callee died while holding the request (connection reset).
    Reset,
    /// The callee answered with an error (HTTP 5xx): its own error rate, or one of its
    /// downstream calls failed.
    ServerError,
    /// The caller's circuit breaker was open: the call was not sent.
    BreakerOpen,
    /// The caller's bulkhead was full: the call was not sent.
    BulkheadFull,
    /// A publish failed: the broker was down, unreachable, or refused the message.
    BrokerDown,
}

impl Failure {
    /// Every failure, in a fixed order (indexes of per-reason counters).
    pub const ALL: [Failure; 8] = [
        Failure::Timeout,
        Failure::Refused,
        Failure::Rejected,
        Failure::Reset,
        Failure::ServerError,
        Failure::BreakerOpen,
        Failure::BulkheadFull,
        Failure::BrokerDown,
    ];

    /// Position in [`Failure::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// How many kinds of failure there are.
    pub const COUNT: usize = Failure::ALL.len();

    /// A short human label.
    pub fn label(self) -> &'static str {
        match self {
            Failure::Timeout => "timeout",
            Failure::Refused => "refused",
            Failure::Rejected => "rejected (queue full)",
            Failure::Reset => "connection reset",
            Failure::ServerError => "5xx server error",
            Failure::BreakerOpen => "circuit open",
            Failure::BulkheadFull => "bulkhead full",
            Failure::BrokerDown => "publish failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_is_listed_once_at_its_index() {
        for (position, failure) in Failure::ALL.iter().enumerate() {
            assert_eq!(failure.index(), position, "{failure:?}");
            assert!(!failure.label().is_empty());
        }
    }
}
