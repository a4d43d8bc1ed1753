//! The playground in words: notable trace events for the log, one request's whole path,
//! scheduled faults, and compact counts and names for tight labels.

use cascade_sim::{
    Command, LinkId, LinkKind, NodeId, QueueId, RequestId, SimTime, Simulation, TraceEvent,
    TraceKind,
};

/// Names of a run's nodes, links and queues by id, for sentences.
pub(crate) struct Names<'a>(pub(crate) &'a Simulation);

impl Names<'_> {
    pub(crate) fn node(&self, id: NodeId) -> String {
        self.0
            .node(id)
            .map_or("?".to_string(), |node| node.name.to_string())
    }

    pub(crate) fn link(&self, id: LinkId) -> String {
        self.0.link(id).map_or("?".to_string(), |link| {
            format!("{} → {}", self.node(link.from), self.node(link.to))
        })
    }

    pub(crate) fn queue(&self, id: QueueId) -> String {
        self.0
            .queue(id)
            .map_or("?".to_string(), |queue| queue.name.to_string())
    }
}

/// A link kind as the page says it.
pub fn kind_word(kind: LinkKind) -> &'static str {
    match kind {
        LinkKind::Sync => "sync",
        LinkKind::Async => "async",
    }
}

/// What happened to one request, in order, in words (from the recent trace).
pub fn request_story<'a>(
    simulation: &Simulation,
    recent: impl Iterator<Item = &'a TraceEvent>,
    request: RequestId,
) -> Vec<(SimTime, String)> {
    let names = Names(simulation);
    let (node, link, queue) = (
        |id: NodeId| names.node(id),
        |id: LinkId| names.link(id),
        |id: QueueId| names.queue(id),
    );
    let outcome = |failure: Option<cascade_sim::Failure>| {
        failure.map_or("ok".to_string(), |failure| failure.label().to_string())
    };
    recent
        .filter_map(|event| {
            let text = match &event.kind {
                TraceKind::RequestStarted { request: r, client } if *r == request => {
                    format!("{} sends the request", node(*client))
                }
                TraceKind::RequestFinished {
                    request: r,
                    failure,
                    latency_us,
                    ..
                } if *r == request => {
                    format!(
                        "finished: {} after {:.0} ms",
                        outcome(*failure),
                        *latency_us as f64 / 1e3
                    )
                }
                TraceKind::CallSent {
                    request: r,
                    link: l,
                    attempt,
                    ..
                } if *r == request => format!("{}: attempt {attempt} sent", link(*l)),
                TraceKind::CallAccepted {
                    request: r,
                    node: n,
                    ..
                } if *r == request => format!("{} accepts it", node(*n)),
                TraceKind::CallRefused {
                    request: r,
                    node: n,
                    ..
                } if *r == request => format!("{} refuses it (down)", node(*n)),
                TraceKind::CallRejected {
                    request: r,
                    node: n,
                    ..
                } if *r == request => format!("{} rejects it (queue full)", node(*n)),
                TraceKind::CallTimedOut {
                    request: r,
                    link: l,
                    attempt,
                    ..
                } if *r == request => format!("{}: attempt {attempt} timed out", link(*l)),
                TraceKind::Responded {
                    request: r,
                    link: l,
                    failure,
                    wasted,
                    ..
                } if *r == request => {
                    format!(
                        "{}: answered {}{}",
                        link(*l),
                        outcome(*failure),
                        if *wasted {
                            " (nobody waits any more)"
                        } else {
                            ""
                        }
                    )
                }
                TraceKind::RetryScheduled {
                    request: r,
                    link: l,
                    attempt,
                    delay_us,
                } if *r == request => {
                    format!(
                        "{}: attempt {attempt} after {:.0} ms of backoff",
                        link(*l),
                        *delay_us as f64 / 1e3
                    )
                }
                TraceKind::CallNotPermitted {
                    request: r,
                    link: l,
                    reason,
                } if *r == request => format!("{}: not sent ({})", link(*l), reason.label()),
                TraceKind::WorkStarted {
                    request: r,
                    node: n,
                } if *r == request => format!("{} works on it", node(*n)),
                TraceKind::MessagePublished {
                    request: r,
                    queue: q,
                    ..
                } if *r == request => format!("published to {}", queue(*q)),
                TraceKind::PublishFailed {
                    request: r,
                    link: l,
                } if *r == request => format!("{}: publish failed", link(*l)),
                TraceKind::MessageDelivered {
                    request: r,
                    node: n,
                    delivery,
                    ..
                } if *r == request => {
                    format!("delivered to {} (delivery {delivery})", node(*n))
                }
                TraceKind::MessageAcked { request: r, .. } if *r == request => {
                    "acknowledged".to_string()
                }
                TraceKind::MessageRequeued {
                    request: r,
                    deliveries,
                    ..
                } if *r == request => {
                    if *deliveries == 1 {
                        "failed, back in the queue after 1 delivery".to_string()
                    } else {
                        format!("failed, back in the queue after {deliveries} deliveries")
                    }
                }
                TraceKind::MessageDeadLettered {
                    request: r,
                    queue: q,
                    reason,
                    ..
                } if *r == request => {
                    format!("dead-lettered from {} ({})", queue(*q), reason.label())
                }
                TraceKind::MessageDropped {
                    request: r, reason, ..
                } if *r == request => format!("dropped ({})", reason.label()),
                TraceKind::VisibilityTimedOut { request: r, .. } if *r == request => {
                    "visibility timeout: visible again".to_string()
                }
                _ => return None,
            };
            Some((event.time, text))
        })
        .collect()
}

/// A scheduled fault in words.
pub fn command_text(command: &Command) -> String {
    match command {
        Command::Kill { node } => format!("{node} is killed"),
        Command::Revive { node } => format!("{node} comes back"),
        Command::Freeze { node } => format!("{node} hangs"),
        Command::Slow { node, factor } => format!("{node} slows down ×{factor}"),
        Command::SetErrorRate { node, error_rate } => {
            format!("{node} fails {:.0}% of requests", error_rate * 100.0)
        }
        Command::Partition { link } => format!("link {link} is cut"),
        Command::Heal { link } => format!("link {link} heals"),
        Command::SetLinkKind { link, kind } => {
            format!("link {link} becomes {}", kind_word(*kind))
        }
        Command::KillBroker => "the broker dies".into(),
        Command::ReviveBroker => "the broker comes back".into(),
        Command::UpdateService { spec } => format!("{} is reconfigured", spec.name),
        Command::UpdateClient { spec } => format!("{} changes its load", spec.name),
        Command::UpdateLink { link, .. } => format!("link {link} is reconfigured"),
    }
}

/// Shortens long names for the canvas; the full name stays in the tooltip and side panel.
pub fn truncate(name: &str, max_chars: usize) -> String {
    if name.chars().count() <= max_chars {
        name.to_string()
    } else {
        let mut short: String = name.chars().take(max_chars - 1).collect();
        short.push('…');
        short
    }
}

/// "1.2k" style counts for tight labels.
pub fn compact_count(value: u64) -> String {
    match value {
        0..=9_999 => value.to_string(),
        10_000..=999_999 => format!("{:.1}k", value as f64 / 1e3),
        _ => format!("{:.1}M", value as f64 / 1e6),
    }
}

/// A speed reached, in simulated seconds per second: "0.35x", "0.012x", "3.4x".
pub fn speed(simulated_per_second: f64) -> String {
    match simulated_per_second {
        speed if speed < 0.1 => format!("{speed:.3}x"),
        speed if speed < 10.0 => format!("{speed:.2}x"),
        speed => format!("{speed:.0}x"),
    }
}

/// A number typed into a field or an address, as the page reads it: decimal, with an optional
/// sign, leading dot or exponent (`2`, `-0.5`, `.25`, `+1e3`), surrounding spaces allowed;
/// `None` for anything else, infinities and NaN included. It is read by the JSON number
/// reader the page already has (at most one unit in the last place off the correctly rounded
/// value): the standard library's float parser would add about 13 KB (gzipped) to the page for
/// these few fields.
pub fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    // JSON wants a digit on both sides of a dot, and no sign after the minus.
    let mantissa = digits.split(['e', 'E']).next().unwrap_or_default();
    if !matches!(digits.as_bytes().first()?, b'0'..=b'9' | b'.')
        || !mantissa.bytes().any(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mut json = String::with_capacity(digits.len() + 2);
    let mut last = None;
    for c in digits.chars() {
        if last == Some('.') && !c.is_ascii_digit() {
            json.push('0');
        }
        if c == '.' && !last.is_some_and(|last: char| last.is_ascii_digit()) {
            json.push('0');
        }
        json.push(c);
        last = Some(c);
    }
    if last == Some('.') {
        json.push('0');
    }
    // Leading zeros ("007") are not JSON either.
    let json = match json.trim_start_matches('0') {
        rest if rest.is_empty() || !rest.starts_with(|c: char| c.is_ascii_digit()) => {
            format!("0{rest}")
        }
        rest => rest.to_string(),
    };
    let value: f64 = serde_json::from_str(&json).ok()?;
    value
        .is_finite()
        .then_some(if negative { -value } else { value })
}

#[cfg(test)]
mod number_tests {
    use super::parse_number;

    #[test]
    fn numbers_read_as_the_standard_parser_reads_them() {
        for text in [
            "0",
            "2",
            "-0.5",
            ".25",
            "+1e3",
            " 7 ",
            "0.1",
            "1e-7",
            "123456.789",
            "5.",
            "1E2",
            "0.30000000000000004",
            "9007199254740993",
            "2.5e-308",
            "007",
            "00.5",
            "5.e3",
            "0",
            "000",
        ] {
            // serde_json's reader (without its `float_roundtrip` feature) may be one unit in
            // the last place off the correctly rounded value: nothing a field can show.
            let (read, exact) = (parse_number(text), text.trim().parse::<f64>().ok());
            let close = match (read, exact) {
                (Some(read), Some(exact)) => (read - exact).abs() <= exact.abs() * 2.3e-16,
                _ => false,
            };
            assert!(close, "{text:?}: {read:?}, not {exact:?}");
        }
        for text in [
            "", "-", "+", ".", "abc", "1,5", "--1", "+-1", "1e", "0x10", "inf", "NaN", "1e999",
            "1 2", "\"1\"", "[1]", "1..2", ".e3", "1.2.3",
        ] {
            assert_eq!(parse_number(text), None, "{text:?}");
        }
    }
}
