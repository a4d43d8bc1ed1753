//! Selecting several nodes (Shift+click, a rectangle) and copying and pasting them: a group
//! is two or more nodes; one node is simply the selection.

use super::{Playground, PASTE_OFFSET};
use crate::model::action::{Action, Changed, Selection, UiError};
use crate::model::editor::Edit;

/// What Copy took: nodes and the links between them.
#[derive(Clone, Debug)]
pub(super) struct Clipboard {
    services: Vec<cascade_sim::ServiceSpec>,
    clients: Vec<cascade_sim::ClientSpec>,
    links: Vec<cascade_sim::LinkSpec>,
}

impl Playground {
    /// Carries out [`Action::SelectAlso`], [`Action::SelectArea`], [`Action::Copy`] and
    /// [`Action::Paste`].
    pub(super) fn select_or_copy(&mut self, action: &Action) -> Result<Changed, UiError> {
        match action {
            Action::SelectAlso(name) => {
                self.check_selection(&Selection::Node(name.clone()))?;
                let mut nodes = self.selected_nodes();
                match nodes.iter().position(|node| node == name) {
                    Some(index) => {
                        nodes.remove(index);
                    }
                    None => nodes.push(name.clone()),
                }
                self.select_nodes(nodes);
                Ok(Changed::View)
            }
            Action::SelectArea { x0, y0, x1, y1 } => {
                let (left, right) = (x0.min(*x1), x0.max(*x1));
                let (top, bottom) = (y0.min(*y1), y0.max(*y1));
                let layout = self.main.layout();
                let nodes = self
                    .main
                    .simulation()
                    .nodes()
                    .filter(|node| {
                        let at = layout.center(node.id);
                        (left..=right).contains(&at.x) && (top..=bottom).contains(&at.y)
                    })
                    .map(|node| node.name.to_string())
                    .collect();
                self.select_nodes(nodes);
                Ok(Changed::View)
            }
            Action::Copy => {
                let nodes = self.selected_nodes();
                if nodes.is_empty() {
                    return Err(UiError::Missing("select what to copy first".into()));
                }
                // In the compare view, the scenario compared (not its all-sync copy).
                let scenario = self.scenario_shown();
                self.clipboard = Some(Clipboard {
                    services: scenario
                        .services
                        .iter()
                        .filter(|service| nodes.contains(&service.name))
                        .cloned()
                        .collect(),
                    clients: scenario
                        .clients
                        .iter()
                        .filter(|client| nodes.contains(&client.name))
                        .cloned()
                        .collect(),
                    links: scenario
                        .links
                        .iter()
                        .filter(|link| nodes.contains(&link.from) && nodes.contains(&link.to))
                        .cloned()
                        .collect(),
                });
                self.notice = Some(format!(
                    "Copied {}: Ctrl+V pastes a copy beside it.",
                    nodes.join(", ")
                ));
                Ok(Changed::View)
            }
            Action::Paste => {
                let clipboard = self
                    .clipboard
                    .clone()
                    .ok_or_else(|| UiError::Missing("copy something first (Ctrl+C)".into()))?;
                let before: Vec<String> = self
                    .main
                    .scenario()
                    .node_names()
                    .map(String::from)
                    .collect();
                let changed = self.edit(Edit::Paste {
                    services: clipboard.services,
                    clients: clipboard.clients,
                    links: clipboard.links,
                    offset: PASTE_OFFSET,
                })?;
                let pasted = self
                    .main
                    .scenario()
                    .node_names()
                    .filter(|name| !before.iter().any(|old| old == name))
                    .map(String::from)
                    .collect();
                self.select_nodes(pasted);
                Ok(changed)
            }
            _ => Ok(Changed::Nothing),
        }
    }
}
