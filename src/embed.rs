//! Embedding: the query parameters of `?embed=1` and the iframe snippet the Embed button
//! writes. Web-free, so both are tested natively.

/// Which controls an embed shows under its canvas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Controls {
    /// The canvas only.
    None,
    /// Play or pause, reset, the clock and a link to the full playground.
    #[default]
    Minimal,
    /// Also the speed, what users see, and a button per fault.
    Full,
}

/// The colour theme.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    /// Follow the reader's system setting.
    #[default]
    Auto,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl Theme {
    /// The value in a URL (and in the page's `data-theme`).
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

impl Controls {
    /// The value in a URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Controls::None => "none",
            Controls::Minimal => "minimal",
            Controls::Full => "full",
        }
    }
}

/// What the page's query string asks for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageOptions {
    /// `embed=1`: just the canvas and a compact control bar.
    pub embed: bool,
    /// `autoplay=0|1`: whether time runs from the start (default: yes).
    pub autoplay: Option<bool>,
    /// `controls=none|minimal|full`.
    pub controls: Controls,
    /// `readonly=1`: play, pause, reset and speed only; no faults, switches or edits.
    pub readonly: bool,
    /// `theme=auto|light|dark`.
    pub theme: Theme,
    /// `preset=ID`: the scenario to start with.
    pub preset: Option<String>,
    /// `speed=X`: simulated seconds per second.
    pub speed: Option<f64>,
    /// `story=ID`: a built-in story to read (wins over `preset`).
    pub story: Option<String>,
    /// `host=ORIGIN` (such as `https://blog.example`): the page framing this one may drive it
    /// with the embed API's messages. Messages from any other origin are ignored.
    pub host: Option<String>,
    /// Parameters that were given but not understood, in words, to show the person.
    pub problems: Vec<String>,
}

/// Whether `text` is a web origin as `postMessage` reports one: `http` or `https`, a host,
/// an optional port, nothing after.
pub fn is_origin(text: &str) -> bool {
    let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || rest.starts_with('[') => (host, Some(port)),
        _ => (rest, None),
    };
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
        && port.is_none_or(|port| {
            !port.is_empty() && port.len() <= 5 && port.chars().all(|c| c.is_ascii_digit())
        })
}

fn flag(name: &str, value: &str, problems: &mut Vec<String>) -> Option<bool> {
    match value {
        "1" | "true" | "yes" | "" => Some(true),
        "0" | "false" | "no" => Some(false),
        _ => {
            problems.push(format!("{name}={value:?} is not 0 or 1"));
            None
        }
    }
}

/// The simulated seconds `?bench=` asks the browser benchmark to run: 10 unless it says a
/// whole number, and at most ten minutes, so a link cannot hold a visitor's tab for hours (the
/// benchmark runs before the page shows anything).
pub fn bench_seconds(parameter: &str) -> u64 {
    parameter.trim().parse().unwrap_or(10).clamp(1, 600)
}

impl PageOptions {
    /// Reads the parameters through `get` (one lookup per name). Anything invalid keeps its
    /// default and is named in `problems`.
    pub fn parse(get: impl Fn(&str) -> Option<String>) -> Self {
        let mut problems = Vec::new();
        let embed = get("embed").and_then(|value| flag("embed", &value, &mut problems));
        let autoplay = get("autoplay").and_then(|value| flag("autoplay", &value, &mut problems));
        let readonly = get("readonly").and_then(|value| flag("readonly", &value, &mut problems));
        let controls = match get("controls").as_deref() {
            None | Some("minimal") => Controls::Minimal,
            Some("none") => Controls::None,
            Some("full") => Controls::Full,
            Some(other) => {
                problems.push(format!(
                    "controls={other:?} is not one of none, minimal, full"
                ));
                Controls::Minimal
            }
        };
        let theme = match get("theme").as_deref() {
            None | Some("auto") => Theme::Auto,
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            Some(other) => {
                problems.push(format!("theme={other:?} is not one of auto, light, dark"));
                Theme::Auto
            }
        };
        let speed =
            get("speed").and_then(|value| match crate::model::words::parse_number(&value) {
                Some(speed) if speed > 0.0 => Some(speed),
                _ => {
                    problems.push(format!("speed={value:?} is not a positive number"));
                    None
                }
            });
        PageOptions {
            embed: embed.unwrap_or(false),
            autoplay,
            controls,
            readonly: readonly.unwrap_or(false),
            theme,
            preset: get("preset").filter(|preset| !preset.is_empty()),
            story: get("story").filter(|story| !story.is_empty()),
            speed,
            host: get("host").and_then(|host| {
                let host = host.trim_end_matches('/').to_string();
                if is_origin(&host) {
                    Some(host)
                } else {
                    problems.push(format!(
                        "host={host:?} is not an origin such as https://blog.example"
                    ));
                    None
                }
            }),
            problems,
        }
    }
}

/// What the Embed button's snippet asks of the embed.
#[derive(Clone, Debug, PartialEq)]
pub struct Snippet {
    /// Controls under the canvas.
    pub controls: Controls,
    /// Whether time runs from the start.
    pub autoplay: bool,
    /// Whether readers may break things.
    pub readonly: bool,
    /// The theme.
    pub theme: Theme,
    /// Size in CSS pixels.
    pub width: u32,
    /// Size in CSS pixels.
    pub height: u32,
    /// Start at time zero with the scenario as it is now, rather than replay this run to
    /// where it is (with the faults applied by hand).
    pub from_start: bool,
}

impl Default for Snippet {
    fn default() -> Self {
        Snippet {
            controls: Controls::Minimal,
            autoplay: true,
            readonly: false,
            theme: Theme::Auto,
            width: 720,
            height: 480,
            from_start: true,
        }
    }
}

/// Escapes text for an HTML attribute value in double quotes.
pub fn escape_attribute(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            _ => escaped.push(character),
        }
    }
    escaped
}

impl Snippet {
    /// The embed's address: `page` (the playground's address, without query or fragment)
    /// with the parameters, then the shared state's fragment.
    pub fn url(&self, page: &str, fragment: &str) -> String {
        let mut url = format!("{page}?embed=1");
        if self.controls != Controls::Minimal {
            url.push_str("&controls=");
            url.push_str(self.controls.as_str());
        }
        if !self.autoplay {
            url.push_str("&autoplay=0");
        }
        if self.readonly {
            url.push_str("&readonly=1");
        }
        if self.theme != Theme::Auto {
            url.push_str("&theme=");
            url.push_str(self.theme.as_str());
        }
        url.push('#');
        url.push_str(fragment);
        url
    }

    /// A ready-to-paste iframe: address, size, a title for screen readers, lazy loading.
    pub fn html(&self, page: &str, fragment: &str, scenario_name: &str) -> String {
        format!(
            "<iframe src=\"{}\" width=\"{}\" height=\"{}\" title=\"{}\" loading=\"lazy\" \
             style=\"border:0;max-width:100%\"></iframe>",
            escape_attribute(&self.url(page, fragment)),
            self.width,
            self.height,
            escape_attribute(&format!("Cascade simulation: {scenario_name}")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &[(&str, &str)]) -> PageOptions {
        PageOptions::parse(|name| {
            query
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
    }

    #[test]
    fn the_benchmark_runs_at_most_ten_simulated_minutes() {
        assert_eq!(bench_seconds("60"), 60);
        assert_eq!(bench_seconds("100000"), 600);
        assert_eq!(bench_seconds("18446744073709551615"), 600);
        assert_eq!(bench_seconds("0"), 1);
        assert_eq!(bench_seconds("lots"), 10);
    }

    #[test]
    fn every_parameter_is_read_and_bad_ones_are_named() {
        let options = parse(&[
            ("embed", "1"),
            ("autoplay", "0"),
            ("controls", "full"),
            ("readonly", "1"),
            ("theme", "dark"),
            ("preset", "retry-storm"),
            ("speed", "2"),
        ]);
        assert!(options.embed && options.readonly);
        assert_eq!(options.autoplay, Some(false));
        assert_eq!(options.controls, Controls::Full);
        assert_eq!(options.theme, Theme::Dark);
        assert_eq!(options.preset.as_deref(), Some("retry-storm"));
        assert_eq!(options.speed, Some(2.0));
        assert!(options.problems.is_empty());

        let defaults = parse(&[]);
        assert!(!defaults.embed && !defaults.readonly);
        assert_eq!(defaults.controls, Controls::Minimal);
        assert_eq!(defaults.autoplay, None);

        let bad = parse(&[
            ("controls", "most"),
            ("theme", "pink"),
            ("autoplay", "maybe"),
        ]);
        assert_eq!(bad.controls, Controls::Minimal);
        assert_eq!(bad.problems.len(), 3, "{:?}", bad.problems);
        assert!(bad.problems[0].contains("autoplay"));
    }

    #[test]
    fn the_snippet_escapes_what_it_quotes() {
        let snippet = Snippet {
            readonly: true,
            theme: Theme::Dark,
            ..Snippet::default()
        };
        let html = snippet.html(
            "https://example.org/cascade/",
            "share=1.abc",
            "\"><script>alert(1)</script>",
        );
        assert!(html.starts_with(
            "<iframe src=\"https://example.org/cascade/?embed=1&amp;readonly=1&amp;theme=dark#share=1.abc\""
        ));
        assert!(html.contains("width=\"720\" height=\"480\""));
        assert!(html.contains("loading=\"lazy\""));
        assert!(html.contains("title=\"Cascade simulation: &quot;&gt;&lt;script&gt;"));
        assert!(!html.contains("<script>"));
    }
}
