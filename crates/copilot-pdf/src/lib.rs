//! A PDF document layer: text for a language model, images for a vision model, descriptions
//! written back as alternative text, and generated report PDFs. It knows nothing of HTTP or of
//! any model API: the copilots of `openai-copilots` are built on it, and it is useful alone.
//!
//! | task | function | crate underneath |
//! |---|---|---|
//! | text per page | [`extract_text`] | `hayro`'s interpreter + our layout |
//! | every image drawn, as PNG or JPEG (scans in CCITT, JBIG2, JPEG 2000 too) | [`extract_images`], [`load_image_file`] | our object layer (on `hayro-syntax`) + our converter + `png` / `jpeg-decoder` / `hayro-*` |
//! | figures drawn with paths and text (diagrams), with their region rendered | [`find_figures`] ([`locate_figures`] + [`render_figures`] to render only some) | our object layer + `hayro` |
//! | descriptions as `/Alt` on `/Figure` structure elements, closer to PDF/UA | [`add_alt_texts`], [`add_alt_texts_with`] | our object layer + our writer (an incremental update) |
//! | all of the above in a worker process with memory and time limits | [`Isolation`], [`serve_worker_if_requested`] | — |
//! | a tagged report PDF with embedded subset fonts | [`render_text_pdf`] | our PDF writer and TrueType subsetter (`skrifa` for glyph lookup and metrics) |
//!
//! Bad input gives a [`PdfError`] naming the file, never a panic: every call into the PDF
//! crates runs under [`std::panic::catch_unwind`], and "success" with no page, or with no
//! text at all, is reported as an error rather than as an empty result.
//!
//! # No input aborts or exhausts the caller
//!
//! `catch_unwind` does not catch an allocation failure: Rust aborts the process. The PDF
//! crates size some allocations from the input: hayro inflates a content stream without a
//! limit (a 150 KB page whose stream inflates to 1 GiB asks for a gigabyte), and unpdf's
//! reading-order pass, which read the text until this crate laid out hayro's glyphs itself,
//! sized histograms from text coordinates (one damaged `Tz` of 3e10 asked for ~60 GB and
//! aborted). So the work runs in a **worker process** with a memory limit (`RLIMIT_DATA`)
//! and time limits, chosen by [`Isolation`]: what the worker dies of costs the caller one
//! page (text comes back page by page, and a worker is started again on the rest) or a typed
//! [`PdfError::LimitExceeded`]. The text layout itself is bounded (at most 4 million glyphs a
//! page, linear passes), so the limit guards against what the parsers allocate. A program
//! that reads untrusted PDFs calls [`serve_worker_if_requested`] first thing in `main` (it
//! then is its own worker), or ships the `copilot-pdf-worker` binary next to itself (found
//! there, or named by `COPILOT_PDF_WORKER`). With neither, the work runs in process,
//! unprotected.
//!
//! What the options cost when the choice was made (unpdf then read the text; measured with
//! `cargo bench -p copilot-pdf --bench pdf_text -- --costs`, release, a shared 2-core
//! machine):
//!
//! | option | cost per document | covers |
//! |---|---|---|
//! | an unpdf setting that skips the pass | — | none exists in unpdf 0.52 (`ParseOptions` has no layout switch; the later stages of its `LayoutAnalyzer` are crate-private) |
//! | rewrite coordinates with lopdf before unpdf reads them | up to +69–73 % (xeCJK, reportlab) even as a lower bound (numbers only clamped) | only what the rewrite foresees: positions are products of `cm`, `Tm`, form matrices, `Tz`, font sizes and glyph widths |
//! | another extractor | lopdf's loses text on Word files; pdf_oxide costs a 7–8 min build and panicked on mutants | — |
//! | **a worker process** (chosen) | +3 to +7 ms per call (starting a process); on documents of 19 to 203 pages within the machine's noise (−36 % to +15 % across runs) | every cause, known or not, in text, images and alternative text alike |
//!
//! A seeded mutation runner (`tests/mutation.rs`) reads damaged real PDFs through text,
//! images, alternative text and figures in workers; CI runs 60 inputs of it. The full run of
//! 10 000 inputs (13 real documents, content streams decompressed so mutations reach the
//! operators), with the text read on hayro's interpreter: no escaped panic, no crash, no
//! worker lost, no job over 4.4 s, the largest peak of a worker 21 MiB. (While unpdf read the
//! text, the same run had 174 workers stopped by a 512 MiB limit — inputs that in process
//! would have taken gigabytes or aborted.)
//!
//! ```
//! use copilot_pdf::{add_alt_texts, extract_images, extract_text, PdfDocument};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let bytes = figure_pdf();
//! // `PdfDocument::from_path("report.pdf")` reads a file; here the bytes are in memory.
//! let doc = PdfDocument::from_bytes("report.pdf", bytes);
//! let text = extract_text(&doc)?;
//! println!("{} pages, {} characters", text.pages().len(), text.char_count());
//! assert!(text.text().contains("Sales by region"));
//!
//! let images = extract_images(&doc)?;
//! assert_eq!(images.images.len(), 1);
//! let descriptions: Vec<_> = images
//!     .images
//!     .iter()
//!     .map(|image| (image.key, format!("A {}×{} picture", image.image.width, image.image.height)))
//!     .collect();
//! let accessible = add_alt_texts(&doc, &descriptions)?; // a new PDF; `doc` is unchanged
//! // The copy shows the same text and images; each image is now a /Figure with /Alt.
//! let copy = PdfDocument::from_bytes("report-with-alt.pdf", accessible);
//! assert_eq!(extract_text(&copy)?.text(), text.text());
//! assert_eq!(extract_images(&copy)?.images.len(), 1);
//! # Ok(())
//! # }
//! #
//! # /// One page: a line of text and a 2×1 gray image, written with lopdf.
//! # fn figure_pdf() -> Vec<u8> {
//! #     use lopdf::{content::{Content, Operation}, dictionary, Document, Object, Stream};
//! #     let mut doc = Document::with_version("1.5");
//! #     let pages = doc.new_object_id();
//! #     let font = doc.add_object(dictionary! {
//! #         "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
//! #     let image = doc.add_object(Stream::new(dictionary! {
//! #         "Type" => "XObject", "Subtype" => "Image", "Width" => 2, "Height" => 1,
//! #         "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8 }, vec![0, 255]));
//! #     let ops = vec![
//! #         Operation::new("BT", vec![]),
//! #         Operation::new("Tf", vec!["F1".into(), 12.into()]),
//! #         Operation::new("Td", vec![72.into(), 720.into()]),
//! #         Operation::new("Tj", vec![Object::string_literal("Sales by region")]),
//! #         Operation::new("ET", vec![]),
//! #         Operation::new("cm", vec![200.into(), 0.into(), 0.into(), 100.into(), 72.into(), 500.into()]),
//! #         Operation::new("Do", vec!["Im1".into()]),
//! #     ];
//! #     let content = doc.add_object(Stream::new(dictionary! {},
//! #         Content { operations: ops }.encode().unwrap()));
//! #     let page = doc.add_object(dictionary! {
//! #         "Type" => "Page", "Parent" => pages, "Contents" => content,
//! #         "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
//! #         "Resources" => dictionary! {
//! #             "Font" => dictionary! { "F1" => font },
//! #             "XObject" => dictionary! { "Im1" => image } } });
//! #     doc.objects.insert(pages, dictionary! {
//! #         "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }.into());
//! #     let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
//! #     doc.trailer.set("Root", catalog);
//! #     let mut bytes = Vec::new();
//! #     doc.save_to(&mut bytes).unwrap();
//! #     bytes
//! # }
//! ```
//!
//! Reports are written by [`render_text_pdf`]: simple Markdown in, a tagged A4 PDF with
//! embedded subset fonts out.
//!
//! ```
//! use copilot_pdf::{extract_text, render_text_pdf, PdfDocument};
//!
//! let pdf = render_text_pdf(Some("Summary"), "# Findings\n\n- Sales rose 4 %\n- Сводка: рост")?;
//! let text = extract_text(&PdfDocument::from_bytes("summary.pdf", pdf))?.text();
//! assert!(text.contains("Sales rose 4 %") && text.contains("Сводка: рост"));
//! # Ok::<(), copilot_pdf::PdfError>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod alt;
mod crypt;
mod error;
mod figures;
mod filters;
mod glyphs;
mod images;
mod imgconv;
mod objects;
mod pdffont;
mod pdfgen;
mod raw;
mod report;
mod syntax;
mod text;
mod ttf_subset;
mod wire;
mod worker;
mod write;
mod xref;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;

pub use alt::{add_alt_texts, add_alt_texts_with, AltTextOptions};
pub use error::PdfError;
pub use figures::{find_figures, locate_figures, render_figures, PdfFigure};
pub use images::{
    extract_images, image_from_bytes, load_image_file, EncodedImage, ImageFormat, ImageKey,
    ImagePlacement, PdfImage, PdfImages, PdfRect, SkippedImage,
};
pub use report::render_text_pdf;
pub use text::{extract_text, PdfPageText, PdfText};
pub use worker::{
    serve_worker_if_requested, Isolation, Job, JobOutput, RunStats, WORKER_BINARY, WORKER_ENV,
    WORKER_FLAG,
};

/// A PDF held in memory, with the name errors and uploads use.
///
/// Cheap to clone (the bytes are shared). Nothing is parsed until a function such as
/// [`extract_text`] is called, so constructing one never fails on bad content.
#[derive(Clone)]
pub struct PdfDocument {
    name: String,
    bytes: Arc<[u8]>,
}

impl PdfDocument {
    /// Reads a PDF file. The document's name is the path as given, so errors point at the file.
    ///
    /// Fails only when the file cannot be read ([`PdfError::Io`]); the content is checked by
    /// the functions that use it.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, PdfError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        match std::fs::read(path) {
            Ok(bytes) => Ok(PdfDocument {
                name,
                bytes: bytes.into(),
            }),
            Err(source) => Err(PdfError::Io { name, source }),
        }
    }

    /// Wraps PDF bytes under a name (a file name such as `invoice.pdf` is a good choice: it is
    /// what errors show and what an upload would be called).
    pub fn from_bytes(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        PdfDocument {
            name: name.into(),
            bytes: bytes.into().into(),
        }
    }

    /// The name given, or the path the document was read from.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The last path component of [`name`](Self::name) (`reports/q3.pdf` → `q3.pdf`), for
    /// naming an upload.
    pub fn file_name(&self) -> &str {
        Path::new(&self.name)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(&self.name)
    }

    /// The PDF's bytes, unchanged.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes as hayro takes them, shared rather than copied.
    pub(crate) fn shared_bytes(&self) -> hayro::hayro_syntax::PdfData {
        struct Shared(Arc<[u8]>);
        impl AsRef<[u8]> for Shared {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }
        Arc::new(Shared(self.bytes.clone())).into()
    }
}

impl std::fmt::Debug for PdfDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PdfDocument")
            .field("name", &self.name)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// Largest size any one stream may decompress to (a guard against decompression bombs).
pub(crate) const MAX_STREAM_BYTES: usize = 256 * 1024 * 1024;

/// Checks what can be checked without a parser: not empty, a `%PDF-` header in the first KiB.
pub(crate) fn preflight(doc: &PdfDocument) -> Result<(), PdfError> {
    let bytes = doc.bytes();
    if bytes.is_empty() {
        return Err(PdfError::Empty {
            name: doc.name.clone(),
        });
    }
    let head = &bytes[..bytes.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(PdfError::NotPdf {
            name: doc.name.clone(),
        });
    }
    Ok(())
}

/// Whether the file looks like a cut-off download: PDF objects, but no `%%EOF` marker near
/// its end. (Garbage after a header has no objects: that is damage, not truncation.)
pub(crate) fn looks_truncated(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(2048)..];
    !tail.windows(5).any(|w| w == b"%%EOF") && bytes.windows(6).any(|w| w == b"endobj")
}

/// [`PdfError::Truncated`] when the file looks cut off, [`PdfError::Damaged`] otherwise.
pub(crate) fn damaged(doc: &PdfDocument, detail: impl Into<String>) -> PdfError {
    let name = doc.name.clone();
    let detail = detail.into();
    if looks_truncated(doc.bytes()) {
        PdfError::Truncated { name, detail }
    } else {
        PdfError::Damaged { name, detail }
    }
}

/// What a caught panic said (its `&str` or `String` payload).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// Runs `f` under `catch_unwind`: a panic in a PDF crate becomes [`PdfError::Damaged`]
/// (or [`PdfError::Truncated`]).
pub(crate) fn guarded<T>(
    doc: &PdfDocument,
    f: impl FnOnce() -> Result<T, PdfError>,
) -> Result<T, PdfError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let message = panic_message(payload.as_ref());
            Err(damaged(
                doc,
                format!("the PDF parser gave up with a panic: {message}"),
            ))
        }
    }
}

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
