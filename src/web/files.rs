//! Files in and out of the browser: downloads (scenario JSON, metrics CSV, canvas PNG) and
//! reading a chosen file. Nothing leaves the machine: downloads are made from blobs in the page.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// Offers `contents` as a file download named `name`.
pub(crate) fn download_text(name: &str, mime: &str, contents: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(contents));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| "the browser could not make the file".to_string())?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "the browser could not make the file".to_string())?;
    let result = click_download(&url, name);
    // Some browsers read the blob after the click returns: let go of it a little later.
    gloo::timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    result
}

/// Follows a link to `url` with the `download` attribute, as a person's click would.
pub(crate) fn click_download(url: &str, name: &str) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| "no link")?
        .unchecked_into();
    anchor.set_href(url);
    anchor.set_download(name);
    anchor.click();
    Ok(())
}

/// CSS properties copied onto each element of the exported picture, so it looks as on
/// screen (theme included) without the page's style sheet.
const PICTURE_PROPERTIES: [&str; 13] = [
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-dasharray",
    "stroke-opacity",
    "opacity",
    "font-family",
    "font-size",
    "font-weight",
    "display",
    "visibility",
    "paint-order",
];

/// Saves the topology as it is drawn now (boxes, links, figures and the moving messages) as a
/// PNG at twice the canvas resolution, with `caption` (what and when) in the corner.
pub(crate) fn export_png(
    svg: &web_sys::Element,
    dots: Option<&web_sys::HtmlCanvasElement>,
    caption: &str,
    name: String,
    fail: impl Fn(String) + 'static,
) -> Result<(), String> {
    let fail = std::rc::Rc::new(fail);
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let Picture {
        markup,
        width,
        height,
        background,
        text_colour,
    } = picture(svg)?;
    let caption = caption.to_string();

    let scale = 2.0;
    let canvas: web_sys::HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(|_| "no canvas")?
        .unchecked_into();
    canvas.set_width((width * scale) as u32);
    canvas.set_height((height * scale) as u32);
    let context: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .ok_or("no 2d context")?
        .unchecked_into();
    // The moving messages are copied now, before the picture loads and they move on.
    let dots_copy = dots.and_then(|dots| {
        let copy: web_sys::HtmlCanvasElement =
            document.create_element("canvas").ok()?.unchecked_into();
        copy.set_width(dots.width());
        copy.set_height(dots.height());
        let copy_context: web_sys::CanvasRenderingContext2d =
            copy.get_context("2d").ok().flatten()?.unchecked_into();
        copy_context
            .draw_image_with_html_canvas_element(dots, 0.0, 0.0)
            .ok()?;
        Some(copy)
    });
    let image = web_sys::HtmlImageElement::new().map_err(|_| "no image")?;
    let loaded = image.clone();
    let failed = std::rc::Rc::clone(&fail);
    let onerror = Closure::once_into_js(move || {
        failed("the browser could not draw the picture".to_string());
    });
    image.set_onerror(Some(onerror.unchecked_ref()));
    let onload = Closure::once_into_js(move || {
        context.set_fill_style_str(&background);
        context.fill_rect(0.0, 0.0, width * scale, height * scale);
        let _ = context.draw_image_with_html_image_element_and_dw_and_dh(
            &loaded,
            0.0,
            0.0,
            width * scale,
            height * scale,
        );
        if let Some(dots) = &dots_copy {
            let _ = context.draw_image_with_html_canvas_element_and_dw_and_dh(
                dots,
                0.0,
                0.0,
                width * scale,
                height * scale,
            );
        }
        context.set_fill_style_str(&text_colour);
        context.set_font(&format!("600 {}px system-ui, sans-serif", 14.0 * scale));
        let _ = context.fill_text(&caption, 12.0 * scale, 22.0 * scale);
        match canvas.to_data_url() {
            Ok(url) => {
                if let Err(error) = click_download(&url, &name) {
                    fail(error);
                }
            }
            Err(_) => fail("the browser could not encode the picture".to_string()),
        }
    });
    image.set_onload(Some(onload.unchecked_ref()));
    image.set_src(&picture_address(&markup));
    Ok(())
}

/// The topology as a self-contained SVG picture (every element's computed look inlined, since
/// the copy is not in the page), its size on screen, and the colours around it.
pub(crate) struct Picture {
    pub markup: String,
    pub width: f64,
    pub height: f64,
    pub background: String,
    pub text_colour: String,
}

/// The SVG `svg` as it is drawn now, as a [`Picture`].
pub(crate) fn picture(svg: &web_sys::Element) -> Result<Picture, String> {
    let window = web_sys::window().ok_or("no window")?;
    let clone: web_sys::Element = svg
        .clone_node_with_deep(true)
        .map_err(|_| "could not copy the picture")?
        .unchecked_into();
    let originals = svg.query_selector_all("*").map_err(|_| "no elements")?;
    let copies = clone.query_selector_all("*").map_err(|_| "no elements")?;
    for index in 0..originals.length().min(copies.length()) {
        let (Some(original), Some(copy)) = (originals.item(index), copies.item(index)) else {
            continue;
        };
        let (Ok(original), Ok(copy)) = (
            original.dyn_into::<web_sys::Element>(),
            copy.dyn_into::<web_sys::Element>(),
        ) else {
            continue;
        };
        let Ok(Some(computed)) = window.get_computed_style(&original) else {
            continue;
        };
        let style: String = PICTURE_PROPERTIES
            .iter()
            .filter_map(|property| {
                computed
                    .get_property_value(property)
                    .ok()
                    .map(|value| format!("{property}:{value};"))
            })
            .collect();
        let _ = copy.set_attribute("style", &style);
    }
    let rect = svg.get_bounding_client_rect();
    let (width, height) = (rect.width().max(1.0), rect.height().max(1.0));
    let _ = clone.set_attribute("width", &width.to_string());
    let _ = clone.set_attribute("height", &height.to_string());
    let _ = clone.set_attribute("xmlns", "http://www.w3.org/2000/svg");
    let colour = |element: &web_sys::Element, property: &str, default: &str| {
        window
            .get_computed_style(element)
            .ok()
            .flatten()
            .and_then(|style| style.get_property_value(property).ok())
            .unwrap_or_else(|| default.into())
    };
    let text_colour = colour(svg, "color", "black");
    let background = colour(
        svg.parent_element().as_ref().unwrap_or(svg),
        "background-color",
        "white",
    );
    let markup = web_sys::XmlSerializer::new()
        .and_then(|serializer| serializer.serialize_to_string(&clone))
        .map_err(|_| "could not write the picture")?;
    Ok(Picture {
        markup,
        width,
        height,
        background,
        text_colour,
    })
}

/// A `data:` address for an SVG picture's markup.
pub(crate) fn picture_address(markup: &str) -> String {
    format!(
        "data:image/svg+xml;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(markup))
    )
}

/// Reads the file chosen in `input` as text and hands it, with its name, to `done`.
pub(crate) fn read_chosen_file(
    input: &web_sys::HtmlInputElement,
    done: impl FnOnce(String, Result<String, String>) + 'static,
) {
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return;
    };
    // Reset, so choosing the same file again is noticed.
    input.set_value("");
    let name = file.name();
    // A scenario is a few KB (the largest allowed, pretty-printed, about 10 MB); anything
    // bigger is not one, and would only stall the page.
    if file.size() > 16_000_000.0 {
        done(
            name,
            Err(format!(
                "the file is {:.1} MB; a scenario file is a few KB",
                file.size() / 1e6
            )),
        );
        return;
    }
    let promise = file.text();
    wasm_bindgen_futures::spawn_local(async move {
        let text = wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .ok()
            .and_then(|value| value.as_string())
            .ok_or_else(|| "the browser could not read the file".to_string());
        done(name, text);
    });
}
