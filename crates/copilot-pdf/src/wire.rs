//! The byte format between a process and its PDF worker: length-prefixed little-endian
//! fields, nothing self-describing. Both ends are this crate at the same version (the worker
//! is the same executable or its sibling), and a request starts with a magic that names the
//! format's version, so a mismatch is refused rather than misread.

use crate::images::{
    EncodedImage, ImageFormat, ImageKey, ImagePlacement, PdfImage, PdfImages, PdfRect, SkippedImage,
};
use crate::PdfError;

/// First bytes of every request.
pub(crate) const MAGIC: &[u8; 8] = b"CPDFW\x001\n";

/// Appends fields to a buffer.
#[derive(Default)]
pub(crate) struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn f64(&mut self, v: f64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.u8(v as u8)
    }
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.u64(v.len() as u64);
        self.buf.extend_from_slice(v);
        self
    }
    pub fn str(&mut self, v: &str) -> &mut Self {
        self.bytes(v.as_bytes())
    }
}

/// Reads fields back; every read fails (rather than panics) past the end.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
}

/// A message that does not parse: the other end is not this crate's worker, or died mid-write.
#[derive(Debug)]
pub(crate) struct Malformed(pub &'static str);

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Malformed> {
        if self.data.len() < n {
            return Err(Malformed(what));
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(head)
    }
    pub fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.take(1, "u8")?[0])
    }
    pub fn u32(&mut self) -> Result<u32, Malformed> {
        let b = self.take(4, "u32")?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub fn u64(&mut self) -> Result<u64, Malformed> {
        let b = self.take(8, "u64")?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    pub fn f64(&mut self) -> Result<f64, Malformed> {
        Ok(f64::from_bits(self.u64()?))
    }
    pub fn bool(&mut self) -> Result<bool, Malformed> {
        Ok(self.u8()? != 0)
    }
    pub fn bytes(&mut self) -> Result<&'a [u8], Malformed> {
        let len = self.u64()?;
        let len = usize::try_from(len).map_err(|_| Malformed("length"))?;
        self.take(len, "bytes")
    }
    pub fn string(&mut self) -> Result<String, Malformed> {
        String::from_utf8(self.bytes()?.to_vec()).map_err(|_| Malformed("utf-8"))
    }
    /// A count of items that each take at least `min_item` bytes: refused when the rest of
    /// the message cannot hold that many (so a bad count never sizes an allocation).
    pub fn count(&mut self, min_item: usize) -> Result<usize, Malformed> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_item.max(1)) > self.data.len() {
            return Err(Malformed("count"));
        }
        Ok(n)
    }
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// Writes a [`PdfError`] (the worker's answer for a failed operation).
pub(crate) fn put_error(w: &mut Writer, e: &PdfError) {
    match e {
        PdfError::Io { name, source } => {
            w.u8(0).str(name).str(&source.to_string());
        }
        PdfError::Empty { name } => {
            w.u8(1).str(name);
        }
        PdfError::NotPdf { name } => {
            w.u8(2).str(name);
        }
        PdfError::PasswordRequired { name } => {
            w.u8(3).str(name);
        }
        PdfError::Truncated { name, detail } => {
            w.u8(4).str(name).str(detail);
        }
        PdfError::Damaged { name, detail } => {
            w.u8(5).str(name).str(detail);
        }
        PdfError::NoTextLayer { name, pages } => {
            w.u8(6).str(name).u64(*pages as u64);
        }
        PdfError::UnsupportedImage { name, detail } => {
            w.u8(7).str(name).str(detail);
        }
        PdfError::Write { name, detail } => {
            w.u8(8).str(name).str(detail);
        }
        PdfError::LimitExceeded { name, detail } => {
            w.u8(9).str(name).str(detail);
        }
        PdfError::Worker { name, detail } => {
            w.u8(10).str(name).str(detail);
        }
    }
}

/// Reads what [`put_error`] wrote.
pub(crate) fn get_error(r: &mut Reader) -> Result<PdfError, Malformed> {
    let tag = r.u8()?;
    let name = r.string()?;
    Ok(match tag {
        0 => PdfError::Io {
            name,
            source: std::io::Error::other(r.string()?),
        },
        1 => PdfError::Empty { name },
        2 => PdfError::NotPdf { name },
        3 => PdfError::PasswordRequired { name },
        4 => PdfError::Truncated {
            name,
            detail: r.string()?,
        },
        5 => PdfError::Damaged {
            name,
            detail: r.string()?,
        },
        6 => PdfError::NoTextLayer {
            name,
            pages: r.u64()? as usize,
        },
        7 => PdfError::UnsupportedImage {
            name,
            detail: r.string()?,
        },
        8 => PdfError::Write {
            name,
            detail: r.string()?,
        },
        9 => PdfError::LimitExceeded {
            name,
            detail: r.string()?,
        },
        10 => PdfError::Worker {
            name,
            detail: r.string()?,
        },
        _ => return Err(Malformed("error tag")),
    })
}

fn put_placements(w: &mut Writer, placements: &[ImagePlacement]) {
    w.u32(placements.len() as u32);
    for p in placements {
        w.u32(p.page)
            .f64(p.rect.x0)
            .f64(p.rect.y0)
            .f64(p.rect.x1)
            .f64(p.rect.y1)
            .str(&p.resource_name)
            .bool(p.in_form);
    }
}

fn get_placements(r: &mut Reader) -> Result<Vec<ImagePlacement>, Malformed> {
    let n = r.count(45)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(ImagePlacement {
            page: r.u32()?,
            rect: PdfRect {
                x0: r.f64()?,
                y0: r.f64()?,
                x1: r.f64()?,
                y1: r.f64()?,
            },
            resource_name: r.string()?,
            in_form: r.bool()?,
        });
    }
    Ok(out)
}

fn put_key(w: &mut Writer, key: ImageKey) {
    w.u32(key.object).u32(key.generation as u32);
}

fn get_key(r: &mut Reader) -> Result<ImageKey, Malformed> {
    let object = r.u32()?;
    let generation = u16::try_from(r.u32()?).map_err(|_| Malformed("generation"))?;
    Ok(ImageKey::new(object, generation))
}

/// Writes the result of [`extract_images`](crate::extract_images).
pub(crate) fn put_images(w: &mut Writer, images: &PdfImages) {
    w.u32(images.images.len() as u32);
    for image in &images.images {
        put_key(w, image.key);
        w.str(&image.name);
        put_placements(w, &image.placements);
        w.u8(match image.image.format {
            ImageFormat::Png => 0,
            ImageFormat::Jpeg => 1,
        })
        .u32(image.image.width)
        .u32(image.image.height)
        .bytes(&image.image.bytes);
    }
    w.u32(images.skipped.len() as u32);
    for skipped in &images.skipped {
        put_key(w, skipped.key);
        w.str(&skipped.name);
        put_placements(w, &skipped.placements);
        w.str(&skipped.reason);
    }
    w.u32(images.problems.len() as u32);
    for problem in &images.problems {
        w.str(problem);
    }
}

/// Reads what [`put_images`] wrote.
pub(crate) fn get_images(r: &mut Reader) -> Result<PdfImages, Malformed> {
    let mut result = PdfImages::default();
    for _ in 0..r.count(37)? {
        let key = get_key(r)?;
        let name = r.string()?;
        let placements = get_placements(r)?;
        let format = match r.u8()? {
            0 => ImageFormat::Png,
            1 => ImageFormat::Jpeg,
            _ => return Err(Malformed("image format")),
        };
        let width = r.u32()?;
        let height = r.u32()?;
        let bytes = r.bytes()?.to_vec();
        result.images.push(PdfImage {
            key,
            name,
            placements,
            image: EncodedImage {
                format,
                width,
                height,
                bytes,
            },
        });
    }
    for _ in 0..r.count(28)? {
        let key = get_key(r)?;
        let name = r.string()?;
        let placements = get_placements(r)?;
        let reason = r.string()?;
        result.skipped.push(SkippedImage {
            key,
            name,
            placements,
            reason,
        });
    }
    for _ in 0..r.count(8)? {
        result.problems.push(r.string()?);
    }
    Ok(result)
}

/// Writes the result of [`find_figures`](crate::find_figures).
pub(crate) fn put_figures(w: &mut Writer, figures: &[crate::PdfFigure]) {
    w.u32(figures.len() as u32);
    for f in figures {
        w.u32(f.elements.len() as u32);
        for (object, generation) in &f.elements {
            w.u32(*object).u32(*generation as u32);
        }
        w.u32(f.page)
            .f64(f.rect.x0)
            .f64(f.rect.y0)
            .f64(f.rect.x1)
            .f64(f.rect.y1)
            .u64(f.paths as u64)
            .u64(f.texts as u64)
            .u64(f.images as u64);
        match &f.image {
            Some(image) => {
                w.bool(true)
                    .u32(image.width)
                    .u32(image.height)
                    .bytes(&image.bytes);
            }
            None => {
                w.bool(false);
            }
        }
        match &f.render_problem {
            Some(p) => w.bool(true).str(p),
            None => w.bool(false),
        };
    }
}

/// Reads what [`put_figures`] wrote.
pub(crate) fn get_figures(r: &mut Reader) -> Result<Vec<crate::PdfFigure>, Malformed> {
    let n = r.count(64)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let count = r.count(8)?;
        let mut elements = Vec::with_capacity(count);
        for _ in 0..count {
            let object = r.u32()?;
            let generation = u16::try_from(r.u32()?).map_err(|_| Malformed("generation"))?;
            elements.push((object, generation));
        }
        let page = r.u32()?;
        let rect = PdfRect {
            x0: r.f64()?,
            y0: r.f64()?,
            x1: r.f64()?,
            y1: r.f64()?,
        };
        let (paths, texts, images) = (r.u64()? as usize, r.u64()? as usize, r.u64()? as usize);
        let image = if r.bool()? {
            Some(EncodedImage {
                format: ImageFormat::Png,
                width: r.u32()?,
                height: r.u32()?,
                bytes: r.bytes()?.to_vec(),
            })
        } else {
            None
        };
        let render_problem = if r.bool()? { Some(r.string()?) } else { None };
        out.push(crate::PdfFigure {
            elements,
            page,
            rect,
            paths,
            texts,
            images,
            image,
            render_problem,
        });
    }
    Ok(out)
}

/// Writes the descriptions given to [`add_alt_texts`](crate::add_alt_texts).
pub(crate) fn put_descriptions(w: &mut Writer, descriptions: &[(ImageKey, String)]) {
    w.u32(descriptions.len() as u32);
    for (key, text) in descriptions {
        put_key(w, *key);
        w.str(text);
    }
}

/// Writes [`AltTextOptions`](crate::AltTextOptions).
pub(crate) fn put_alt_options(w: &mut Writer, options: &crate::AltTextOptions) {
    for field in [&options.lang, &options.title] {
        match field {
            Some(v) => w.bool(true).str(v),
            None => w.bool(false),
        };
    }
    w.u32(options.decorative.len() as u32);
    for key in &options.decorative {
        put_key(w, *key);
    }
}

/// Reads what [`put_alt_options`] wrote.
pub(crate) fn get_alt_options(r: &mut Reader) -> Result<crate::AltTextOptions, Malformed> {
    let mut field = || -> Result<Option<String>, Malformed> {
        Ok(if r.bool()? { Some(r.string()?) } else { None })
    };
    let lang = field()?;
    let title = field()?;
    let n = r.count(8)?;
    let mut decorative = Vec::with_capacity(n);
    for _ in 0..n {
        decorative.push(get_key(r)?);
    }
    let mut options = crate::AltTextOptions::new();
    options.lang = lang;
    options.title = title;
    options.decorative = decorative;
    Ok(options)
}

/// Reads what [`put_descriptions`] wrote.
pub(crate) fn get_descriptions(r: &mut Reader) -> Result<Vec<(ImageKey, String)>, Malformed> {
    let n = r.count(16)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let key = get_key(r)?;
        out.push((key, r.string()?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_round_trip_with_their_fields() {
        let errors = [
            PdfError::NoTextLayer {
                name: "scan.pdf".into(),
                pages: 7,
            },
            PdfError::LimitExceeded {
                name: "big.pdf".into(),
                detail: "needed more than 512 MiB".into(),
            },
            PdfError::Truncated {
                name: "cut.pdf".into(),
                detail: "xref".into(),
            },
        ];
        for e in &errors {
            let mut w = Writer::default();
            put_error(&mut w, e);
            let back = get_error(&mut Reader::new(&w.buf)).unwrap();
            assert_eq!(back.to_string(), e.to_string());
        }
    }

    #[test]
    fn a_count_larger_than_the_message_is_refused() {
        let mut w = Writer::default();
        w.u32(u32::MAX);
        assert!(get_images(&mut Reader::new(&w.buf)).is_err());
        assert!(get_descriptions(&mut Reader::new(&w.buf)).is_err());
    }

    #[test]
    fn images_round_trip() {
        let images = PdfImages {
            images: vec![PdfImage {
                key: ImageKey::new(12, 0),
                name: "Im1".into(),
                placements: vec![ImagePlacement {
                    page: 3,
                    rect: PdfRect {
                        x0: 1.5,
                        y0: 2.0,
                        x1: 100.0,
                        y1: 50.25,
                    },
                    resource_name: "Im1".into(),
                    in_form: true,
                }],
                image: EncodedImage {
                    format: ImageFormat::Jpeg,
                    width: 4,
                    height: 2,
                    bytes: vec![0xFF, 0xD8, 1, 2],
                },
            }],
            skipped: vec![SkippedImage {
                key: ImageKey::new(13, 1),
                name: "Im2".into(),
                placements: vec![],
                reason: "JBIG2".into(),
            }],
            problems: vec!["page 2: bad stream".into()],
        };
        let mut w = Writer::default();
        put_images(&mut w, &images);
        let mut r = Reader::new(&w.buf);
        let back = get_images(&mut r).unwrap();
        assert!(r.is_empty());
        assert_eq!(back.images, images.images);
        assert_eq!(back.skipped, images.skipped);
        assert_eq!(back.problems, images.problems);
        // Every prefix of the message fails cleanly.
        for cut in 0..w.buf.len() {
            assert!(get_images(&mut Reader::new(&w.buf[..cut])).is_err());
        }
    }
}
