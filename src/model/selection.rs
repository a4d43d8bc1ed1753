//! What is selected on the canvas: a node by name or a link by index. A leaf: the actions,
//! the share format and the charts all speak of it.

/// What is selected on the canvas (and shown in the inspector).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// A service or load source, by name.
    Node(String),
    /// A link, by index.
    Link(usize),
}
