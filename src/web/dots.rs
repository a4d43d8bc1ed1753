//! The dot layer: every transmission on the wire drawn on a `<canvas>` over the SVG, each kind
//! with its own colour (Okabe-Ito, colour-blind safe) and shape, so meaning survives without
//! colour.

use crate::model::{Camera, Runner};
use cascade_sim::InFlightKind;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// How each kind is drawn: colour, shape, and the label in the legend.
pub(crate) const STYLES: [(InFlightKind, &str, Shape, &str); 7] = [
    (InFlightKind::Request, "#0072B2", Shape::Circle, "request"),
    (InFlightKind::Retry, "#E69F00", Shape::Triangle, "retry"),
    (InFlightKind::Response, "#009E73", Shape::Circle, "response"),
    (
        InFlightKind::ErrorResponse,
        "#D55E00",
        Shape::Cross,
        "error",
    ),
    (InFlightKind::Message, "#CC79A7", Shape::Diamond, "message"),
    (
        InFlightKind::Redelivery,
        "#56B4E9",
        Shape::Square,
        "redelivery",
    ),
    (
        InFlightKind::Lost,
        "#8a8f98",
        Shape::Ring,
        "lost in a partition",
    ),
];

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Circle,
    Triangle,
    Cross,
    Diamond,
    Square,
    Ring,
}

const RADIUS: f64 = 5.0;
/// Above this many transmissions the dots aggregate into small squares on a coarse grid.
const MANY_DOTS: usize = 1_500;

/// Empties the dot layer (reduced motion turned on while the page is open).
pub(crate) fn clear(canvas: &HtmlCanvasElement) {
    if let Some(context) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|context| context.dyn_into::<CanvasRenderingContext2d>().ok())
    {
        let _ = context.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        context.clear_rect(
            0.0,
            0.0,
            f64::from(canvas.width()),
            f64::from(canvas.height()),
        );
    }
}

/// Redraws the dot layer for the runner's current instant.
pub(crate) fn draw(canvas: &HtmlCanvasElement, runner: &mut Runner, camera: &Camera) {
    let Some(context) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|context| context.dyn_into::<CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    let ratio = web_sys::window().map_or(1.0, |window| window.device_pixel_ratio());
    let css_width = f64::from(canvas.client_width());
    let css_height = f64::from(canvas.client_height());
    let (width, height) = (
        (css_width * ratio).round() as u32,
        (css_height * ratio).round() as u32,
    );
    if canvas.width() != width || canvas.height() != height {
        canvas.set_width(width);
        canvas.set_height(height);
    }
    // As the SVG under it draws (`xMidYMid meet`): the camera's view box, centred, aspect kept.
    let (view_x, view_y, view_width, view_height) = camera.view_box();
    let scale = (css_width / view_width).min(css_height / view_height) * ratio;
    let offset_x = (css_width * ratio - view_width * scale) / 2.0 - view_x * scale;
    let offset_y = (css_height * ratio - view_height * scale) / 2.0 - view_y * scale;
    let _ = context.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
    context.clear_rect(0.0, 0.0, f64::from(width), f64::from(height));
    let _ = context.set_transform(scale, 0.0, 0.0, scale, offset_x, offset_y);
    let (layout, in_flight, now) = runner.frame();
    // Thousands of dots aggregate: each kind marks the cells of a coarse grid it occupies and
    // draws one small square per cell, so the cost stops growing with the number of messages
    // (shape still differs by size, so kinds stay apart without colour).
    if in_flight.len() > MANY_DOTS {
        // Cells of about four canvas units on screen, over the part of the world in view;
        // what is out of view is not drawn at all. One pass over the messages: each cell
        // remembers which kinds it already shows (a bit each), each kind collects its squares.
        let cell = 4.0 / camera.zoom;
        let columns = (view_width / cell) as usize + 1;
        let rows = (view_height / cell) as usize + 1;
        let mut kinds_shown = vec![0_u8; columns * rows];
        let mut squares: [Vec<(f64, f64)>; STYLES.len()] = Default::default();
        for transmission in in_flight {
            let point = layout.in_flight_position(transmission, now);
            let (across, down) = ((point.x - view_x) / cell, (point.y - view_y) / cell);
            if across < 0.0 || down < 0.0 || across >= columns as f64 || down >= rows as f64 {
                continue;
            }
            let style = style_of(transmission.kind);
            let Some(shown) = kinds_shown.get_mut(down as usize * columns + across as usize) else {
                continue;
            };
            if *shown & (1 << style) == 0 {
                *shown |= 1 << style;
                squares[style].push((point.x, point.y));
            }
        }
        for ((kind, colour, _, _), squares) in STYLES.iter().zip(&squares) {
            context.set_fill_style_str(colour);
            let size = if matches!(kind, InFlightKind::Request | InFlightKind::Message) {
                3.0
            } else {
                5.0
            };
            for (x, y) in squares {
                context.fill_rect(x - size / 2.0, y - size / 2.0, size, size);
            }
        }
        return;
    }
    for (kind, colour, shape, _) in STYLES {
        context.set_fill_style_str(colour);
        context.set_stroke_style_str(colour);
        context.begin_path();
        for transmission in in_flight
            .iter()
            .filter(|transmission| transmission.kind == kind)
        {
            let point = layout.in_flight_position(transmission, now);
            trace_shape(&context, shape, point.x, point.y);
        }
        if matches!(shape, Shape::Cross | Shape::Ring) {
            context.set_line_width(2.5);
            context.stroke();
        } else {
            context.fill();
        }
    }
}

/// Where a kind is in [`STYLES`].
fn style_of(kind: InFlightKind) -> usize {
    match kind {
        InFlightKind::Request => 0,
        InFlightKind::Retry => 1,
        InFlightKind::Response => 2,
        InFlightKind::ErrorResponse => 3,
        InFlightKind::Message => 4,
        InFlightKind::Redelivery => 5,
        InFlightKind::Lost => 6,
    }
}

fn trace_shape(context: &CanvasRenderingContext2d, shape: Shape, x: f64, y: f64) {
    match shape {
        Shape::Circle => {
            context.move_to(x + RADIUS, y);
            let _ = context.arc(x, y, RADIUS, 0.0, core::f64::consts::TAU);
        }
        Shape::Triangle => {
            context.move_to(x, y - RADIUS * 1.2);
            context.line_to(x + RADIUS * 1.1, y + RADIUS * 0.9);
            context.line_to(x - RADIUS * 1.1, y + RADIUS * 0.9);
            context.close_path();
        }
        Shape::Cross => {
            context.move_to(x - RADIUS, y - RADIUS);
            context.line_to(x + RADIUS, y + RADIUS);
            context.move_to(x + RADIUS, y - RADIUS);
            context.line_to(x - RADIUS, y + RADIUS);
        }
        Shape::Diamond => {
            context.move_to(x, y - RADIUS * 1.3);
            context.line_to(x + RADIUS * 1.3, y);
            context.line_to(x, y + RADIUS * 1.3);
            context.line_to(x - RADIUS * 1.3, y);
            context.close_path();
        }
        Shape::Square => context.rect(x - RADIUS, y - RADIUS, RADIUS * 2.0, RADIUS * 2.0),
        Shape::Ring => {
            context.move_to(x + RADIUS, y);
            let _ = context.arc(x, y, RADIUS, 0.0, core::f64::consts::TAU);
        }
    }
}
