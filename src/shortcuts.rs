//! The keyboard: which key means which [`Action`], on the page as a whole. The keys live here,
//! not in the model (which only knows actions), and the page's single key listener asks
//! [`action_for_key`]. Fault keys act on the selection.

use crate::model::{Action, Fault, Selection, UiError};

/// The modifier keys held with a key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Modifiers {
    /// Ctrl or, on a Mac, Command.
    pub command: bool,
    /// Shift.
    pub shift: bool,
    /// Alt or Option: never a shortcut here (it types characters on many layouts).
    pub alt: bool,
    /// Some text on the page is selected: Ctrl+C copies it, as everywhere.
    pub text_selected: bool,
    /// A story is being read and nothing on the canvas has the focus: ← and → step through it.
    pub reading: bool,
}

/// The keys, for the legend.
pub const HELP: &str = "Keys: space plays and pauses, . steps, r resets, Ctrl+Z undoes, + and - zoom, 0 fits the view (Ctrl+wheel zooms at the pointer, a drag on empty canvas pans). Ctrl+A selects every node. Tab reaches the canvas; arrows move between its nodes and links, Enter inspects. On a selected service: k kill/revive, f freeze, s slow, e errors, Delete removes it. On a selected link: t sync/async, p cut/heal. Click a link to switch it. Reading a story: ← and → go back and on.";

/// The action a key press means, given what is selected: `None` when the key is not a
/// shortcut (the browser keeps it), `Some(Err)` when it is one but cannot apply (a fault key
/// with nothing suitable selected).
pub fn action_for_key(
    key: &str,
    modifiers: Modifiers,
    selected: &[Selection],
) -> Option<Result<Action, UiError>> {
    if modifiers.alt {
        return None;
    }
    if modifiers.command {
        return match key {
            "z" | "Z" if modifiers.shift => Some(Ok(Action::Redo)),
            "z" | "Z" => Some(Ok(Action::Undo)),
            "y" | "Y" => Some(Ok(Action::Redo)),
            // Copy nodes only when nodes, not text, are selected.
            "c" | "C" if !modifiers.text_selected && !selected.is_empty() => Some(Ok(Action::Copy)),
            "v" | "V" => Some(Ok(Action::Paste)),
            // Every node, as in drawing tools (not the page's text).
            "a" | "A" => Some(Ok(Action::SelectAll)),
            _ => None,
        };
    }
    if let [_, _, ..] = selected {
        // Several nodes: a fault key acts on each, Delete removes them all at once.
        let names: Vec<String> = selected
            .iter()
            .filter_map(|selection| match selection {
                Selection::Node(name) => Some(name.clone()),
                Selection::Link(_) => None,
            })
            .collect();
        let all = |fault| {
            Some(Ok(Action::GroupFault {
                fault,
                names: names.clone(),
            }))
        };
        match key {
            "k" => return all(Fault::Kill),
            "f" => return all(Fault::Freeze),
            "s" => return all(Fault::Slow),
            "e" => return all(Fault::Errors),
            "Delete" | "Backspace" => {
                return Some(Ok(Action::Edit(Box::new(
                    crate::model::editor::Edit::DeleteNodes { names },
                ))))
            }
            _ => {}
        }
    }
    let selection = selected.first();
    let action = match (key, selection) {
        ("ArrowRight", _) if modifiers.reading => Action::NextStep,
        ("ArrowLeft", _) if modifiers.reading => Action::PreviousStep,
        (" ", _) => Action::TogglePlay,
        (".", _) => Action::Step,
        ("r", _) => Action::Reset,
        ("Escape", _) => Action::Select(None),
        ("+" | "=", _) => Action::ZoomStep(1),
        ("-" | "_", _) => Action::ZoomStep(-1),
        ("0", _) => Action::FitView,
        ("Delete" | "Backspace", Some(selection)) => Action::Delete(selection.clone()),
        ("Delete" | "Backspace", None) => {
            return Some(Err(UiError::Missing(
                "select a service, load source or link first".into(),
            )))
        }
        ("k", Some(Selection::Node(name))) => Action::ToggleKill(name.clone()),
        ("f", Some(Selection::Node(name))) => Action::ToggleFreeze(name.clone()),
        ("s", Some(Selection::Node(name))) => Action::ToggleSlow(name.clone()),
        ("e", Some(Selection::Node(name))) => Action::ToggleErrors(name.clone()),
        ("t", Some(Selection::Link(index))) => Action::ToggleLinkKind(*index),
        ("p", Some(Selection::Link(index))) => Action::TogglePartition(*index),
        ("k" | "f" | "s" | "e" | "t" | "p", _) => {
            return Some(Err(UiError::Missing(
                "select a service (k, f, s, e) or a link (t, p) first".into(),
            )))
        }
        _ => return None,
    };
    Some(Ok(action))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(key: &str, selection: Option<&Selection>) -> Option<Result<Action, UiError>> {
        let selected: Vec<Selection> = selection.into_iter().cloned().collect();
        action_for_key(key, Modifiers::default(), &selected)
    }

    #[test]
    fn keys_mean_actions_on_the_selection() {
        let service = Selection::Node("Payments".into());
        let link = Selection::Link(2);
        assert_eq!(plain(" ", None), Some(Ok(Action::TogglePlay)));
        assert_eq!(
            plain("k", Some(&service)),
            Some(Ok(Action::ToggleKill("Payments".into())))
        );
        assert_eq!(plain("t", Some(&link)), Some(Ok(Action::ToggleLinkKind(2))));
        assert_eq!(
            plain("p", Some(&link)),
            Some(Ok(Action::TogglePartition(2)))
        );
        assert_eq!(
            plain("Delete", Some(&link)),
            Some(Ok(Action::Delete(link.clone())))
        );
        assert!(matches!(plain("k", Some(&link)), Some(Err(_))));
        assert!(matches!(plain("t", None), Some(Err(_))));
        assert_eq!(
            plain("x", None),
            None,
            "not a shortcut: the browser keeps it"
        );
        let command = Modifiers {
            command: true,
            ..Modifiers::default()
        };
        assert_eq!(action_for_key("z", command, &[]), Some(Ok(Action::Undo)));
        let redo = Modifiers {
            shift: true,
            ..command
        };
        assert_eq!(action_for_key("Z", redo, &[]), Some(Ok(Action::Redo)));
        assert_eq!(action_for_key("r", command, &[]), None, "Ctrl+R reloads");
        assert_eq!(
            action_for_key("a", command, &[]),
            Some(Ok(Action::SelectAll))
        );
        let alt = Modifiers {
            alt: true,
            ..Modifiers::default()
        };
        assert_eq!(
            action_for_key("k", alt, std::slice::from_ref(&service)),
            None
        );
        let two = [Selection::Node("A".into()), Selection::Node("B".into())];
        assert_eq!(
            action_for_key("k", Modifiers::default(), &two),
            Some(Ok(Action::GroupFault {
                fault: Fault::Kill,
                names: vec!["A".into(), "B".into()]
            }))
        );
        assert_eq!(action_for_key("c", command, &two), Some(Ok(Action::Copy)));
        assert_eq!(
            action_for_key("c", command, &[]),
            None,
            "nothing selected: the browser copies"
        );
        let text = Modifiers {
            text_selected: true,
            ..command
        };
        assert_eq!(
            action_for_key("c", text, &two),
            None,
            "text selected: the browser copies it"
        );
    }

    #[test]
    fn arrows_step_through_a_story_only_while_one_is_read() {
        let reading = Modifiers {
            reading: true,
            ..Modifiers::default()
        };
        assert_eq!(
            action_for_key("ArrowRight", reading, &[]),
            Some(Ok(Action::NextStep))
        );
        assert_eq!(
            action_for_key("ArrowLeft", reading, &[]),
            Some(Ok(Action::PreviousStep))
        );
        assert_eq!(
            action_for_key("ArrowRight", Modifiers::default(), &[]),
            None
        );
    }
}
