//! The live charts: small line charts over the last minute, each with its latest value.

use crate::model::Chart;
use std::rc::Rc;
use yew::prelude::*;

/// The charts' properties.
#[derive(Properties, PartialEq)]
pub struct ChartsProps {
    /// The six charts.
    pub charts: Rc<[Chart; 6]>,
}

/// The six live charts.
#[function_component]
pub fn Charts(props: &ChartsProps) -> Html {
    html! {
        <section class="card charts" aria-label="Live charts">
            { for props.charts.iter().map(chart_view) }
        </section>
    }
}

/// A small line chart with its latest value; where there is nothing to measure the line
/// breaks and the value reads "–".
fn chart_view(chart: &Chart) -> Html {
    const WIDTH: f64 = 200.0;
    const HEIGHT: f64 = 48.0;
    let latest = chart.points.last().and_then(|(_, value)| *value);
    let max = chart
        .points
        .iter()
        .filter_map(|(_, value)| *value)
        .fold(0.0, f64::max)
        .max(1e-9);
    let (first_t, last_t) = match (chart.points.first(), chart.points.last()) {
        (Some(first), Some(last)) if last.0 > first.0 => (first.0, last.0),
        _ => (0.0, 1.0),
    };
    // One path: a new piece ("M") after every gap.
    let mut path = String::new();
    let mut drawing = false;
    for (t, value) in &chart.points {
        match value {
            Some(value) => {
                let x = (t - first_t) / (last_t - first_t) * WIDTH;
                let y = HEIGHT - value / max * (HEIGHT - 4.0) - 2.0;
                path.push_str(&format!(
                    "{}{x:.1},{y:.1} ",
                    if drawing { "L" } else { "M" }
                ));
                drawing = true;
            }
            None => drawing = false,
        }
    }
    let shown = match latest {
        None => "–".to_string(),
        Some(latest) if latest >= 100.0 => format!("{latest:.0}"),
        Some(latest) => format!("{latest:.1}"),
    };
    let said = latest.map_or("no data now".to_string(), |latest| {
        format!("now {latest:.1}")
    });
    html! {
        <figure class="chart" data-testid={format!("chart-{}", chart.title)}>
            <figcaption>
                <span>{chart.title.clone()}</span>
                <strong data-testid="chart-latest">{shown}</strong>
            </figcaption>
            <svg viewBox={format!("0 0 {WIDTH} {HEIGHT}")} preserveAspectRatio="none" role="img"
                aria-label={format!("{} over the last minute, {said}", chart.title)}>
                <path d={path} />
            </svg>
        </figure>
    }
}
