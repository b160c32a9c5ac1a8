//! Image extraction: every image XObject drawn on every page, once per image with all its
//! placements, plus standalone PNG / JPEG files.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Cursor;
use std::path::Path;

use super::raw::{Object, ObjectId};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::objects::{page_operations, page_resources, unit_square_bounds, walk_images, ImageDraw};
use super::{guarded, imgconv, raw, PdfDocument, PdfError};

/// Identifies an image XObject inside one PDF: its object number and generation.
///
/// Stable for a given file (it is how the PDF itself refers to the image), so it is the key
/// for describing an image once and for writing the description back with
/// [`add_alt_texts`](crate::add_alt_texts). Displays as `12 0 R`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImageKey {
    /// Object number.
    pub object: u32,
    /// Generation number (almost always 0).
    pub generation: u16,
}

impl ImageKey {
    /// The key of object `object` generation `generation`.
    pub fn new(object: u32, generation: u16) -> Self {
        ImageKey { object, generation }
    }

    pub(crate) fn id(self) -> ObjectId {
        (self.object, self.generation)
    }
}

impl fmt::Display for ImageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} R", self.object, self.generation)
    }
}

impl From<ObjectId> for ImageKey {
    fn from((object, generation): ObjectId) -> Self {
        ImageKey { object, generation }
    }
}

/// How [`EncodedImage::bytes`] are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ImageFormat {
    /// PNG.
    Png,
    /// JPEG (passed through from the PDF or the file unchanged).
    Jpeg,
}

impl ImageFormat {
    /// The MIME type: `image/png` or `image/jpeg`.
    pub fn mime_type(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpg",
        }
    }
}

/// An image ready to send to a vision model: PNG or JPEG bytes and the pixel size.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EncodedImage {
    /// PNG or JPEG.
    pub format: ImageFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The encoded file.
    pub bytes: Vec<u8>,
}

impl EncodedImage {
    /// The image as a `data:` URL (`data:image/png;base64,…`), the form `/chat/completions`
    /// accepts in an `image_url` content part.
    pub fn data_url(&self) -> String {
        let prefix = format!("data:{};base64,", self.format.mime_type());
        let mut out = String::with_capacity(prefix.len() + self.bytes.len().div_ceil(3) * 4);
        out.push_str(&prefix);
        STANDARD.encode_string(&self.bytes, &mut out);
        out
    }
}

impl fmt::Debug for EncodedImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncodedImage")
            .field("format", &self.format)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// A rectangle in PDF user space (points, origin at the page's bottom-left corner).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct PdfRect {
    /// Left edge.
    pub x0: f64,
    /// Bottom edge.
    pub y0: f64,
    /// Right edge.
    pub x1: f64,
    /// Top edge.
    pub y1: f64,
}

impl PdfRect {
    /// Width in points.
    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    /// Height in points.
    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }
}

/// One place an image is drawn.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ImagePlacement {
    /// 1-based page number.
    pub page: u32,
    /// Where the image lands on the page: the bounding box of the unit square under the
    /// current transformation matrix at its `Do` (rotation and skew give the enclosing box),
    /// in the page's user space (a page `/Rotate` is not applied).
    pub rect: PdfRect,
    /// The resource name the page used for it (e.g. `Im1`).
    pub resource_name: String,
    /// Whether it is drawn from inside a Form XObject rather than by the page itself.
    pub in_form: bool,
}

/// An image XObject of a PDF, described once however often it is drawn.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PdfImage {
    /// The image's object id: the key for [`add_alt_texts`](crate::add_alt_texts).
    pub key: ImageKey,
    /// A readable name: the resource name of its first placement (e.g. `Im1`).
    pub name: String,
    /// Every place it is drawn, in page order (at least one).
    pub placements: Vec<ImagePlacement>,
    /// The picture, as PNG (soft masks composited on white) or the original JPEG.
    pub image: EncodedImage,
}

impl PdfImage {
    /// The first page the image is drawn on.
    pub fn page(&self) -> u32 {
        self.placements.first().map_or(0, |p| p.page)
    }
}

/// An image that is drawn but could not be converted (damaged data, Lab or DeviceN colour).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SkippedImage {
    /// The image's object id.
    pub key: ImageKey,
    /// The resource name of its first placement.
    pub name: String,
    /// Every place it is drawn.
    pub placements: Vec<ImagePlacement>,
    /// Why it was not converted.
    pub reason: String,
}

/// The images of a PDF: those converted, and those drawn but not converted.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct PdfImages {
    /// Converted images, ordered by first appearance (page, then drawing order).
    pub images: Vec<PdfImage>,
    /// Images drawn but not converted, with the reason.
    pub skipped: Vec<SkippedImage>,
    /// Content that could not be read (a page or form whose content stream is damaged);
    /// images drawn there are missing from both lists.
    pub problems: Vec<String>,
}

/// Lists every image XObject drawn on every page (including through Form XObjects), once
/// per image with all its placements, converted for a vision model.
///
/// Scans stored as CCITT fax, JBIG2 (with its global segments) and JPEG 2000 are decoded
/// (hayro-ccitt, hayro-jbig2, hayro-jpeg2000). An image that cannot be converted (damaged
/// data, Lab or DeviceN colour) goes to [`PdfImages::skipped`] with the reason instead of failing the document. Inline
/// images (`BI … EI`) and images in annotations or patterns are not listed. Errors are those
/// of opening the file: [`PdfError::Empty`], [`PdfError::NotPdf`],
/// [`PdfError::PasswordRequired`], [`PdfError::Truncated`], [`PdfError::Damaged`].
///
/// Runs in a worker process when [`Isolation::current`](crate::Isolation::current) has one.
pub fn extract_images(doc: &PdfDocument) -> Result<PdfImages, PdfError> {
    crate::Isolation::current().extract_images(doc)
}

/// [`extract_images`] in this process.
pub(crate) fn extract_images_in_process(doc: &PdfDocument) -> Result<PdfImages, PdfError> {
    guarded(doc, || {
        let pdf = raw::open(doc)?;
        let mut problems = Vec::new();
        // key → (first-seen order, placements)
        let mut found: BTreeMap<ObjectId, (usize, Vec<ImagePlacement>)> = BTreeMap::new();
        for (&number, &page_id) in pdf.get_pages() {
            let ops = match page_operations(&pdf, page_id) {
                Ok(ops) => ops,
                Err(e) => {
                    problems.push(format!("page {number}: {e}"));
                    continue;
                }
            };
            let resources = page_resources(&pdf, page_id);
            let mut draws: Vec<ImageDraw> = Vec::new();
            for problem in walk_images(&pdf, &ops, &resources, &mut draws) {
                problems.push(format!("page {number}: {problem}"));
            }
            for draw in draws {
                let [x0, y0, x1, y1] = unit_square_bounds(&draw.ctm);
                let placement = ImagePlacement {
                    page: number,
                    rect: PdfRect { x0, y0, x1, y1 },
                    resource_name: String::from_utf8_lossy(&draw.name).into_owned(),
                    in_form: draw.in_form,
                };
                let order = found.len();
                found
                    .entry(draw.id)
                    .or_insert((order, Vec::new()))
                    .1
                    .push(placement);
            }
        }
        let mut ordered: Vec<(ObjectId, usize, Vec<ImagePlacement>)> =
            found.into_iter().map(|(id, (o, p))| (id, o, p)).collect();
        ordered.sort_by_key(|(_, order, _)| *order);

        let mut result = PdfImages {
            problems,
            ..PdfImages::default()
        };
        for (id, _, placements) in ordered {
            let key = ImageKey::from(id);
            let name = placements[0].resource_name.clone();
            let converted = match pdf.get_object(id) {
                Some(Object::Stream(stream)) => {
                    // A panic in a decoder loses this image, not the document.
                    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        imgconv::convert(&pdf, stream)
                    })) {
                        Ok(result) => result,
                        Err(_) => Err("the image decoder gave up on damaged data".to_string()),
                    }
                }
                _ => Err("the image object is missing".to_string()),
            };
            match converted {
                Ok(image) => result.images.push(PdfImage {
                    key,
                    name,
                    placements,
                    image,
                }),
                Err(reason) => result.skipped.push(SkippedImage {
                    key,
                    name,
                    placements,
                    reason,
                }),
            }
        }
        Ok(result)
    })
}

/// Reads a standalone image file (PNG or JPEG) for a vision model; the bytes are passed
/// through unchanged.
///
/// Errors: [`PdfError::Io`], [`PdfError::Empty`], and [`PdfError::UnsupportedImage`] for
/// anything that is not a readable PNG or JPEG.
pub fn load_image_file(path: impl AsRef<Path>) -> Result<EncodedImage, PdfError> {
    let path = path.as_ref();
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => image_from_bytes(name, bytes),
        Err(source) => Err(PdfError::Io { name, source }),
    }
}

/// Checks PNG or JPEG bytes (by their signature) and reads the pixel size; `name` is used in
/// errors. The bytes are kept unchanged.
pub fn image_from_bytes(
    name: impl Into<String>,
    bytes: impl Into<Vec<u8>>,
) -> Result<EncodedImage, PdfError> {
    let name = name.into();
    let bytes = bytes.into();
    if bytes.is_empty() {
        return Err(PdfError::Empty { name });
    }
    let unsupported = |detail: String| PdfError::UnsupportedImage {
        name: name.clone(),
        detail,
    };
    let result = std::panic::catch_unwind(|| {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            let decoder = png::Decoder::new(Cursor::new(&bytes[..]));
            let reader = decoder
                .read_info()
                .map_err(|e| format!("the PNG header cannot be read: {e}"))?;
            let info = reader.info();
            Ok((ImageFormat::Png, info.width, info.height))
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            let (w, h, _) = imgconv::jpeg_info(&bytes)?;
            Ok((ImageFormat::Jpeg, w, h))
        } else {
            Err("not a PNG or JPEG file".to_string())
        }
    });
    match result {
        Ok(Ok((format, width, height))) => Ok(EncodedImage {
            format,
            width,
            height,
            bytes,
        }),
        Ok(Err(detail)) => Err(unsupported(detail)),
        Err(_) => Err(unsupported(
            "the image decoder gave up on damaged data".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(format: ImageFormat, bytes: &[u8]) -> EncodedImage {
        EncodedImage {
            format,
            width: 1,
            height: 1,
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn data_url_is_standard_padded_base64_rfc_4648_vectors() {
        // RFC 4648, section 10.
        for (input, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(
                image(ImageFormat::Png, input.as_bytes()).data_url(),
                format!("data:image/png;base64,{encoded}"),
                "{input:?}"
            );
        }
    }

    #[test]
    fn data_url_names_the_format_and_uses_the_standard_alphabet() {
        // 0xFB 0xFF 0xBF encodes to "+/+/": the standard alphabet, not the URL-safe one.
        assert_eq!(
            image(ImageFormat::Jpeg, &[0xFB, 0xFF, 0xBF]).data_url(),
            "data:image/jpeg;base64,+/+/"
        );
    }
}
