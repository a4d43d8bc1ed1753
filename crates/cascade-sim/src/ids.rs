//! Typed identifiers. Nodes, links and queues are numbered in scenario order and index `Vec`s;
//! requests, calls and messages get increasing numbers for the trace.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);
    };
}

id_type!(
    /// A client or service: clients first, then services, in scenario order.
    NodeId(u32)
);
id_type!(
    /// A link, in scenario order.
    LinkId(u32)
);
id_type!(
    /// A broker queue, in order of first mention by a link.
    QueueId(u32)
);
id_type!(
    /// One client request: the correlation id every call and message it causes carries.
    RequestId(u64)
);
id_type!(
    /// One attempt of a sync call, or one published message.
    AttemptId(u64)
);

impl NodeId {
    /// The index into the node table.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
impl LinkId {
    /// The index into the link table.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
impl QueueId {
    /// The index into the queue table.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
