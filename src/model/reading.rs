//! Reading a story: which step the reader is at, whether they did what the step asks, and
//! what the page shows of it (the step's text, progress, notes pinned to the canvas). The run
//! at a step is recomputed from time zero (see `cascade_sim::Story`), so going back shows
//! exactly what was shown on the way forward.

use super::geometry::{Layout, Point, NODE_HEIGHT, NODE_WIDTH};
use super::runner::Runner;
use cascade_sim::{AnnotationKind, Command, NodeId, NodeState, Pinned, Story};

/// A story being read.
#[derive(Clone, Debug)]
pub struct Reading {
    /// The story.
    pub story: Story,
    /// The step shown (from 0).
    pub step: usize,
}

/// What the page shows of the story being read.
#[derive(Clone, Debug, PartialEq)]
pub struct StoryView {
    /// The story's title.
    pub title: String,
    /// The step shown (from 0).
    pub step: usize,
    /// How many steps there are.
    pub steps: usize,
    /// The step's text: plain text with `*emphasis*` and `[links](https://…)`.
    pub text: String,
    /// What the reader is asked to do before going on, in words, while not done yet.
    pub waiting_for: Option<String>,
    /// The story plays its steps by itself (it does what a step asks when the step is over).
    pub playing_by_itself: bool,
}

/// The most events the page computes to reach a story's step (from time zero, synchronously:
/// about a second in a browser). The built-in stories need at most about 62,000.
pub const MAX_STORY_EVENTS: u64 = 5_000_000;

/// A note pinned to the canvas.
#[derive(Clone, Debug, PartialEq)]
pub struct Pin {
    /// How it is drawn.
    pub kind: AnnotationKind,
    /// What it says.
    pub text: Option<String>,
    /// Where it points, in canvas units: a node's centre or a link's middle.
    pub at: Point,
    /// Half the size of what it points at (a node's box; a link: a small one).
    pub half_width: f64,
    /// Half the height.
    pub half_height: f64,
}

impl Pin {
    /// The world rectangle `(left, top, right, bottom)` the note covers, its words included,
    /// as the stage draws it (`pin_view`: a highlight's words under it, an arrow's up and to
    /// the left, a callout's box above), taking 7 canvas units a character.
    pub fn bounds(&self) -> (f64, f64, f64, f64) {
        let (x, y, w, h) = (self.at.x, self.at.y, self.half_width, self.half_height);
        let words = self
            .text
            .as_deref()
            .map_or(0.0, |text| text.chars().count() as f64 * 7.0);
        let (left, top, right, bottom) = (x - w - 8.0, y - h - 8.0, x + w + 8.0, y + h + 8.0);
        match self.kind {
            AnnotationKind::Highlight => (
                left.min(x - words / 2.0),
                top,
                right.max(x + words / 2.0),
                bottom.max(y + h + 30.0),
            ),
            AnnotationKind::Arrow => (left.min(x - w - 74.0 - words), y - h - 70.0, right, bottom),
            AnnotationKind::Callout => {
                // The box is at most 320 wide, but longer words run past it.
                let half = (words + 20.0).max(60.0) / 2.0;
                (
                    left.min(x - half),
                    y - h - 48.0,
                    right.max(x + half),
                    bottom,
                )
            }
        }
    }
}

impl Reading {
    /// The step's command the reader is asked to give, if any.
    pub fn until(&self) -> Option<&Command> {
        self.story
            .steps
            .get(self.step)
            .and_then(|step| step.until.as_ref())
            .map(|until| &until.0)
    }

    /// What the page shows.
    pub fn view(&self, runner: &Runner) -> StoryView {
        let step = self.story.steps.get(self.step);
        StoryView {
            title: self.story.title.clone(),
            step: self.step,
            steps: self.story.steps.len(),
            text: step.map(|step| step.text.clone()).unwrap_or_default(),
            waiting_for: self
                .until()
                .filter(|until| !done(until, runner))
                .map(|until| instruction(until, runner)),
            playing_by_itself: false,
        }
    }

    /// The step's notes, placed on the canvas.
    pub fn pins(&self, layout: &Layout) -> Vec<Pin> {
        let Some(step) = self.story.steps.get(self.step) else {
            return Vec::new();
        };
        step.annotations
            .iter()
            .filter_map(|annotation| {
                let (at, half_width, half_height) = match self.story.annotated(&annotation.on)? {
                    Pinned::Node(index) if index < layout.node_count() => (
                        layout.center(NodeId(index as u32)),
                        NODE_WIDTH / 2.0,
                        NODE_HEIGHT / 2.0,
                    ),
                    Pinned::Link(index) if index < layout.link_count() => {
                        (layout.queue_center(index), 16.0, 16.0)
                    }
                    _ => return None,
                };
                Some(Pin {
                    kind: annotation.kind,
                    text: annotation.text.clone(),
                    at,
                    half_width,
                    half_height,
                })
            })
            .collect()
    }
}

/// Whether the run shows `command` done: the service in that state, the link of that kind,
/// the broker down or up.
pub fn done(command: &Command, runner: &Runner) -> bool {
    let simulation = runner.simulation();
    let state = |node: &str| simulation.node_by_name(node).map(|node| node.state);
    match command {
        Command::Kill { node } => state(node) == Some(NodeState::Killed),
        Command::Revive { node } => state(node) == Some(NodeState::Up),
        Command::Freeze { node } => state(node) == Some(NodeState::Frozen),
        Command::Slow { node, factor } => simulation
            .node_by_name(node)
            .is_some_and(|view| (view.slow_factor - factor).abs() < 1e-9),
        Command::SetErrorRate { node, error_rate } => simulation
            .node_by_name(node)
            .is_some_and(|view| (view.error_rate - error_rate).abs() < 1e-9),
        Command::SetLinkKind { link, kind } => runner
            .scenario()
            .links
            .get(*link as usize)
            .is_some_and(|spec| spec.kind == *kind),
        Command::Partition { link } | Command::Heal { link } => simulation
            .links()
            .nth(*link as usize)
            .is_some_and(|view| view.partitioned == matches!(command, Command::Partition { .. })),
        Command::KillBroker => !simulation.broker_up(),
        Command::ReviveBroker => simulation.broker_up(),
        Command::UpdateService { .. }
        | Command::UpdateClient { .. }
        | Command::UpdateLink { .. } => false,
    }
}

/// What the reader is asked to do, as an instruction.
pub fn instruction(command: &Command, runner: &Runner) -> String {
    let link = |index: u32| {
        runner
            .scenario()
            .links
            .get(index as usize)
            .map_or(format!("link {index}"), |link| {
                format!("{} → {}", link.from, link.to)
            })
    };
    match command {
        Command::Kill { node } => format!("Kill {node}"),
        Command::Revive { node } => format!("Revive {node}"),
        Command::Freeze { node } => format!("Freeze {node}"),
        Command::Slow { node, .. } => format!("Slow {node} down"),
        Command::SetErrorRate { node, .. } => format!("Make {node} fail requests"),
        Command::SetLinkKind { link: index, kind } => format!(
            "Switch {} to {} (click the line)",
            link(*index),
            super::words::kind_word(*kind)
        ),
        Command::Partition { link: index } => format!("Cut {}", link(*index)),
        Command::Heal { link: index } => format!("Heal {}", link(*index)),
        Command::KillBroker => "Take the broker down".into(),
        Command::ReviveBroker => "Bring the broker back".into(),
        other => super::words::command_text(other),
    }
}

/// A piece of a step's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Span {
    /// Plain words.
    Plain(String),
    /// `*emphasis*`.
    Emphasis(String),
    /// `[words](https://…)`: only `http` and `https` addresses become links.
    Link {
        /// The words.
        text: String,
        /// Where to.
        href: String,
    },
}

/// A step's text in pieces: plain text, `*emphasis*` and `[links](https://…)`; anything else
/// (an unclosed mark, a link to another scheme) stays plain text.
pub fn spans(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(['*', '[']) {
        let (before, from) = rest.split_at(start);
        plain.push_str(before);
        let parsed = if let Some(inner) = from.strip_prefix('*') {
            // As in Markdown: the words start and end right next to the marks.
            let opens = inner
                .chars()
                .next()
                .is_some_and(|c| !c.is_whitespace() && c != '*');
            let end = inner.char_indices().skip(1).find(|(at, c)| {
                *c == '*'
                    && inner[..*at]
                        .chars()
                        .last()
                        .is_some_and(|before| !before.is_whitespace())
            });
            end.filter(|_| opens)
                .map(|(end, _)| (Span::Emphasis(inner[..end].to_string()), &inner[end + 1..]))
        } else {
            from[1..].find("](").and_then(|close| {
                let words = &from[1..1 + close];
                let after = &from[1 + close + 2..];
                let end = after.find(')')?;
                let href = &after[..end];
                (href.starts_with("https://") || href.starts_with("http://")).then(|| {
                    (
                        Span::Link {
                            text: words.to_string(),
                            href: href.to_string(),
                        },
                        &after[end + 1..],
                    )
                })
            })
        };
        match parsed {
            Some((span, after)) => {
                if !plain.is_empty() {
                    spans.push(Span::Plain(std::mem::take(&mut plain)));
                }
                spans.push(span);
                rest = after;
            }
            None => {
                plain.push_str(&from[..1]);
                rest = &from[1..];
            }
        }
    }
    plain.push_str(rest);
    if !plain.is_empty() {
        spans.push(Span::Plain(plain));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_with_emphasis_and_links() {
        assert_eq!(
            spans("Orders *waits*; see [the docs](https://example.org/a) or [this](javascript:x)."),
            vec![
                Span::Plain("Orders ".into()),
                Span::Emphasis("waits".into()),
                Span::Plain("; see ".into()),
                Span::Link {
                    text: "the docs".into(),
                    href: "https://example.org/a".into()
                },
                Span::Plain(" or [this](javascript:x).".into()),
            ]
        );
        assert_eq!(
            spans("3 * 4 = 12 ** done *"),
            vec![Span::Plain("3 * 4 = 12 ** done *".into())]
        );
        assert_eq!(spans(""), Vec::<Span>::new());
        assert_eq!(
            spans("[unclosed](https://x"),
            vec![Span::Plain("[unclosed](https://x".into())]
        );
    }
}
