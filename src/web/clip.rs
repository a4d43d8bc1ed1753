//! Clips: the canvas recorded as it plays, into a WebM file. A recording canvas off the page
//! gets, every animation frame, the topology's latest picture (the SVG as drawn, refreshed with
//! the numbers) and the moving messages on top; the browser's `MediaRecorder` encodes what that
//! canvas shows. The model decides when a clip starts and stops and what it is called.

use super::files::{click_download, picture, picture_address};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlImageElement, MediaRecorder};

/// Frames per second the clip asks for.
const CLIP_FPS: f64 = 30.0;
/// The widest clip, in pixels (a 4K screen records at this width, not its own).
const MAX_WIDTH: f64 = 1920.0;

/// A recording in progress.
pub(crate) struct Clip {
    canvas: HtmlCanvasElement,
    context: CanvasRenderingContext2d,
    recorder: MediaRecorder,
    chunks: Rc<RefCell<Vec<web_sys::Blob>>>,
    /// The topology's latest picture, once loaded.
    topology: Rc<RefCell<Option<HtmlImageElement>>>,
    background: String,
    /// The caption (a story's step): its text and its lines wrapped to the clip's width.
    caption: Option<(String, Vec<String>)>,
    _on_data: Closure<dyn FnMut(web_sys::BlobEvent)>,
}

/// The first WebM type this browser records.
fn media_type() -> Option<&'static str> {
    [
        "video/webm;codecs=vp9",
        "video/webm;codecs=vp8",
        "video/webm",
    ]
    .into_iter()
    .find(|kind| MediaRecorder::is_type_supported(kind))
}

impl Clip {
    /// Starts recording what `svg` and `dots` show.
    pub(crate) fn start(
        svg: &web_sys::Element,
        dots: &HtmlCanvasElement,
        caption: Option<String>,
    ) -> Result<Clip, String> {
        let kind = media_type().ok_or("this browser cannot record WebM video")?;
        let document = web_sys::window()
            .and_then(|window| window.document())
            .ok_or("no document")?;
        let rect = svg.get_bounding_client_rect();
        let ratio = web_sys::window().map_or(1.0, |window| window.device_pixel_ratio());
        let scale = (ratio * rect.width()).min(MAX_WIDTH) / rect.width().max(1.0);
        // Even sizes: video encoders want them.
        let even = |value: f64| ((value * scale / 2.0).round() as u32 * 2).max(2);
        let canvas: HtmlCanvasElement = document
            .create_element("canvas")
            .map_err(|_| "no canvas")?
            .unchecked_into();
        canvas.set_width(even(rect.width()));
        canvas.set_height(even(rect.height()));
        let context: CanvasRenderingContext2d = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .ok_or("no 2d context")?
            .unchecked_into();
        let stream = canvas
            .capture_stream_with_frame_request_rate(CLIP_FPS)
            .map_err(|_| "the browser cannot record a canvas")?;
        let options = web_sys::MediaRecorderOptions::new();
        options.set_mime_type(kind);
        options.set_video_bits_per_second(4_000_000);
        let recorder =
            MediaRecorder::new_with_media_stream_and_media_recorder_options(&stream, &options)
                .map_err(|_| "the browser cannot record this video")?;
        let chunks: Rc<RefCell<Vec<web_sys::Blob>>> = Rc::default();
        let on_data = {
            let chunks = Rc::clone(&chunks);
            Closure::<dyn FnMut(web_sys::BlobEvent)>::new(move |event: web_sys::BlobEvent| {
                if let Some(data) = event.data() {
                    chunks.borrow_mut().push(data);
                }
            })
        };
        recorder.set_ondataavailable(Some(on_data.as_ref().unchecked_ref()));
        let clip = Clip {
            canvas,
            context,
            recorder,
            chunks,
            topology: Rc::default(),
            background: String::from("white"),
            caption: None,
            _on_data: on_data,
        };
        let mut clip = clip;
        clip.refresh_topology(svg);
        clip.set_caption(caption);
        clip.frame(dots);
        clip.recorder
            .start_with_time_slice(500)
            .map_err(|_| "the recording did not start")?;
        Ok(clip)
    }

    /// Takes a new picture of the topology (its numbers changed).
    pub(crate) fn refresh_topology(&mut self, svg: &web_sys::Element) {
        let Ok(picture) = picture(svg) else { return };
        self.background = picture.background;
        let Ok(image) = HtmlImageElement::new() else {
            return;
        };
        let loaded = image.clone();
        let topology = Rc::clone(&self.topology);
        let onload = Closure::once_into_js(move || {
            *topology.borrow_mut() = Some(loaded);
        });
        image.set_onload(Some(onload.unchecked_ref()));
        image.set_src(&picture_address(&picture.markup));
    }

    /// The caption's font size, for the clip's width.
    fn caption_size(&self) -> f64 {
        (f64::from(self.canvas.width()) / 50.0)
            .clamp(14.0, 32.0)
            .round()
    }

    /// Shows `caption` from now on (wrapped once, when it changes).
    fn set_caption(&mut self, caption: Option<String>) {
        if self.caption.as_ref().map(|(text, _)| text) == caption.as_ref() {
            return;
        }
        let size = self.caption_size();
        self.context
            .set_font(&format!("{size}px system-ui, sans-serif"));
        let width = f64::from(self.canvas.width()) - 2.0 * size * 0.8;
        self.caption = caption.map(|text| {
            let lines = wrap(&self.context, &text, width, 4);
            (text, lines)
        });
    }

    /// Draws this frame: the background, the topology's latest picture, the moving messages,
    /// and the caption (a story's step) over the bottom.
    pub(crate) fn frame(&self, dots: &HtmlCanvasElement) {
        let (width, height) = (
            f64::from(self.canvas.width()),
            f64::from(self.canvas.height()),
        );
        self.context.set_fill_style_str(&self.background);
        self.context.fill_rect(0.0, 0.0, width, height);
        if let Some(topology) = self.topology.borrow().as_ref() {
            let _ = self
                .context
                .draw_image_with_html_image_element_and_dw_and_dh(
                    topology, 0.0, 0.0, width, height,
                );
        }
        if dots.width() > 0 && dots.height() > 0 {
            let _ = self
                .context
                .draw_image_with_html_canvas_element_and_dw_and_dh(dots, 0.0, 0.0, width, height);
        }
        if let Some((_, lines)) = &self.caption {
            self.draw_caption(lines, width, height);
        }
    }

    /// White text on a dark band across the bottom, four lines at most.
    fn draw_caption(&self, lines: &[String], width: f64, height: f64) {
        let context = &self.context;
        let size = self.caption_size();
        context.set_font(&format!("{size}px system-ui, sans-serif"));
        let margin = size * 0.8;
        let line_height = size * 1.3;
        let band = lines.len() as f64 * line_height + margin;
        context.set_fill_style_str("#1f2937");
        context.fill_rect(0.0, height - band, width, band);
        context.set_fill_style_str("#ffffff");
        context.set_text_baseline("top");
        for (index, line) in lines.iter().enumerate() {
            let _ = context.fill_text(
                line,
                margin,
                height - band + margin / 2.0 + index as f64 * line_height + size * 0.1,
            );
        }
    }

    /// Stops, and downloads the clip as `name` once the browser has the last of it.
    pub(crate) fn finish(self, name: String, fail: impl Fn(String) + 'static) {
        let chunks = Rc::clone(&self.chunks);
        let kind = self.recorder.mime_type();
        let keep_alive = RefCell::new(Some(self._on_data));
        let onstop = Closure::once_into_js(move || {
            drop(keep_alive.borrow_mut().take());
            let parts = js_sys::Array::new();
            for chunk in chunks.borrow().iter() {
                parts.push(chunk);
            }
            let options = web_sys::BlobPropertyBag::new();
            options.set_type(kind.split(';').next().unwrap_or("video/webm"));
            let blob = web_sys::Blob::new_with_blob_sequence_and_options(&parts, &options);
            let url = blob
                .ok()
                .and_then(|blob| web_sys::Url::create_object_url_with_blob(&blob).ok());
            match url {
                Some(url) => {
                    if let Err(problem) = click_download(&url, &name) {
                        fail(problem);
                    }
                }
                None => fail("the browser could not make the video file".into()),
            }
        });
        self.recorder.set_onstop(Some(onstop.unchecked_ref()));
        let _ = self.recorder.stop();
    }
}

/// `text` in lines no wider than `width` in the context's font, `most` lines at most (the
/// last one ends with "…" when words were left out).
fn wrap(context: &CanvasRenderingContext2d, text: &str, width: f64, most: usize) -> Vec<String> {
    let fits = |line: &str| {
        context
            .measure_text(line)
            .map_or(true, |m| m.width() <= width)
    };
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let longer = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if line.is_empty() || fits(&longer) {
            line = longer;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > most {
        lines.truncate(most);
        if let Some(last) = lines.last_mut() {
            while !last.is_empty() && !fits(&format!("{last} …")) {
                last.pop();
            }
            last.push_str(" …");
        }
    }
    lines
}

thread_local! {
    /// The page's recording, if one is running.
    static CURRENT: RefCell<Option<Clip>> = const { RefCell::new(None) };
}

/// The main stage's topology and dot layer.
fn stage() -> Option<(web_sys::Element, HtmlCanvasElement)> {
    let document = web_sys::window()?.document()?;
    let svg = document.query_selector(".stage svg.topology").ok()??;
    let dots = document
        .query_selector(".stage canvas.dots")
        .ok()??
        .dyn_into::<HtmlCanvasElement>()
        .ok()?;
    Some((svg, dots))
}

/// Starts recording the main stage, with `caption` under it.
pub(crate) fn start(caption: Option<String>) -> Result<(), String> {
    let (svg, dots) = stage().ok_or("there is no canvas to record")?;
    let clip = Clip::start(&svg, &dots, caption)?;
    CURRENT.with(|current| *current.borrow_mut() = Some(clip));
    Ok(())
}

/// Whether a recording runs.
pub(crate) fn recording() -> bool {
    CURRENT.with(|current| current.borrow().is_some())
}

/// A frame was drawn: it goes into the recording. When the numbers were refreshed, with a new
/// picture of the topology and the caption given then (a story's step, or none).
pub(crate) fn frame(refreshed: bool, caption: Option<String>) {
    CURRENT.with(|current| {
        let mut current = current.borrow_mut();
        let Some(clip) = current.as_mut() else { return };
        let Some((svg, dots)) = stage() else { return };
        if refreshed {
            clip.refresh_topology(&svg);
            clip.set_caption(caption);
        }
        clip.frame(&dots);
    });
}

/// Stops the recording and downloads it as `name`.
pub(crate) fn finish(name: String, fail: impl Fn(String) + 'static) -> Result<(), String> {
    let clip = CURRENT
        .with(|current| current.borrow_mut().take())
        .ok_or("no recording was running")?;
    clip.finish(name, fail);
    Ok(())
}
