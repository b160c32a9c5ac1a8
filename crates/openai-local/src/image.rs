//! Image descriptions from pixels: the format and size of a PNG or JPEG image and its
//! dominant colours by name. Other formats are recognised by their signature only.

use std::fmt;
use std::io::Cursor;

/// The largest decoded image accepted, in bytes of pixel data.
const MAX_DECODED_BYTES: usize = 64 << 20;

/// The most pixels sampled to count colours (a grid over larger images).
const MAX_SAMPLES: usize = 1 << 16;

/// Colours reported must cover at least this share of the sampled pixels.
const MIN_SHARE: f64 = 0.05;

/// What the model can tell about an image.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ImageDescription {
    pub format: &'static str,
    pub width: u32,
    pub height: u32,
    /// Colour names with their share of the pixels, largest first.
    pub colours: Vec<(&'static str, f64)>,
}

impl fmt::Display for ImageDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shape = match self.width.cmp(&self.height) {
            std::cmp::Ordering::Greater => "landscape",
            std::cmp::Ordering::Less => "portrait",
            std::cmp::Ordering::Equal => "square",
        };
        write!(
            f,
            "The image is a {}×{} {} ({}).",
            self.width, self.height, self.format, shape
        )?;
        let named: Vec<String> = self
            .colours
            .iter()
            .map(|(name, share)| format!("{name} ({:.0}%)", share * 100.0))
            .collect();
        match named.as_slice() {
            [] => Ok(()),
            [one] => write!(f, " It is almost entirely {one}."),
            [first, rest @ ..] => write!(
                f,
                " Its dominant colour is {first}, followed by {}.",
                rest.join(", ")
            ),
        }
    }
}

/// Describes an image from its bytes; an error says why it cannot (unknown format, corrupt
/// data, too large).
pub(crate) fn describe(bytes: &[u8]) -> Result<ImageDescription, String> {
    let (format, width, height, pixels) = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        let (w, h, px) = decode_png(bytes)?;
        ("PNG", w, h, px)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        let (w, h, px) = decode_jpeg(bytes)?;
        ("JPEG", w, h, px)
    } else {
        let known = if bytes.starts_with(b"GIF8") {
            "a GIF"
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            "a WebP"
        } else {
            return Err("the data is not a PNG or JPEG image".into());
        };
        return Err(format!(
            "it is {known} image, whose pixels the local model cannot read (PNG and JPEG only)"
        ));
    };
    Ok(ImageDescription {
        format,
        width,
        height,
        colours: dominant_colours(&pixels),
    })
}

/// RGBA pixels, one `[r, g, b, a]` per sampled pixel.
type Pixels = Vec<[u8; 4]>;

fn decode_png(bytes: &[u8]) -> Result<(u32, u32, Pixels), String> {
    let bad = |e: png::DecodingError| format!("the PNG data is invalid ({e})");
    let mut decoder = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: MAX_DECODED_BYTES,
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(bad)?;
    let size = reader
        .output_buffer_size()
        .filter(|&n| n <= MAX_DECODED_BYTES)
        .ok_or("the PNG image is too large")?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(bad)?;
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err("the PNG palette could not be expanded".into()),
    };
    let pixels = sample(
        &buf[..info.buffer_size().min(buf.len())],
        info.width,
        info.height,
        info.line_size,
        |p| match channels {
            1 => [p[0], p[0], p[0], 255],
            2 => [p[0], p[0], p[0], p[1]],
            3 => [p[0], p[1], p[2], 255],
            _ => [p[0], p[1], p[2], p[3]],
        },
        channels,
    );
    Ok((info.width, info.height, pixels))
}

fn decode_jpeg(bytes: &[u8]) -> Result<(u32, u32, Pixels), String> {
    let bad = |e: jpeg_decoder::Error| format!("the JPEG data is invalid ({e})");
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.set_max_decoding_buffer_size(MAX_DECODED_BYTES);
    decoder.read_info().map_err(bad)?;
    let info = decoder.info().ok_or("the JPEG header is missing")?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    let channels = info.pixel_format.pixel_bytes();
    if (width as usize) * (height as usize) * channels > MAX_DECODED_BYTES {
        return Err("the JPEG image is too large".into());
    }
    let data = decoder.decode().map_err(bad)?;
    let format = info.pixel_format;
    let line = width as usize * channels;
    let pixels = sample(
        &data,
        width,
        height,
        line,
        |p| match format {
            jpeg_decoder::PixelFormat::L8 => [p[0], p[0], p[0], 255],
            // 16-bit grey is big-endian: the high byte comes first.
            jpeg_decoder::PixelFormat::L16 => [p[0], p[0], p[0], 255],
            jpeg_decoder::PixelFormat::RGB24 => [p[0], p[1], p[2], 255],
            jpeg_decoder::PixelFormat::CMYK32 => {
                // Adobe CMYK JPEGs are stored inverted: the bytes are (255 - c) and so on.
                let k = u16::from(p[3]);
                let ch = |c: u8| ((u16::from(c) * k) / 255) as u8;
                [ch(p[0]), ch(p[1]), ch(p[2]), 255]
            }
        },
        channels,
    );
    Ok((width, height, pixels))
}

/// Reads at most [`MAX_SAMPLES`] pixels on a regular grid.
fn sample(
    data: &[u8],
    width: u32,
    height: u32,
    line_size: usize,
    pixel: impl Fn(&[u8]) -> [u8; 4],
    channels: usize,
) -> Pixels {
    let (w, h) = (width as usize, height as usize);
    let step = ((w * h) as f64 / MAX_SAMPLES as f64).sqrt().ceil().max(1.0) as usize;
    let mut out = Vec::new();
    for y in (0..h).step_by(step) {
        for x in (0..w).step_by(step) {
            let at = y * line_size + x * channels;
            if let Some(p) = data.get(at..at + channels) {
                out.push(pixel(p));
            }
        }
    }
    out
}

/// Named colours the pixels are matched against.
const PALETTE: &[(&str, [u8; 3])] = &[
    ("black", [0, 0, 0]),
    ("dark grey", [64, 64, 64]),
    ("grey", [128, 128, 128]),
    ("light grey", [192, 192, 192]),
    ("white", [255, 255, 255]),
    ("red", [220, 20, 20]),
    ("dark red", [128, 0, 0]),
    ("pink", [255, 182, 193]),
    ("orange", [255, 140, 0]),
    ("brown", [139, 69, 19]),
    ("beige", [225, 205, 160]),
    ("yellow", [255, 230, 0]),
    ("olive", [128, 128, 0]),
    ("green", [0, 160, 0]),
    ("light green", [144, 238, 144]),
    ("dark green", [0, 90, 0]),
    ("teal", [0, 128, 128]),
    ("cyan", [0, 230, 230]),
    ("sky blue", [120, 190, 240]),
    ("blue", [0, 0, 230]),
    ("navy", [0, 0, 110]),
    ("purple", [128, 0, 128]),
    ("violet", [170, 110, 220]),
    ("magenta", [255, 0, 255]),
];

/// The nearest palette colour by the "redmean" weighted RGB distance.
fn colour_name([r, g, b]: [u8; 3]) -> &'static str {
    let mut best = ("black", f64::MAX);
    for &(name, [pr, pg, pb]) in PALETTE {
        let rm = (f64::from(r) + f64::from(pr)) / 2.0;
        let dr = f64::from(r) - f64::from(pr);
        let dg = f64::from(g) - f64::from(pg);
        let db = f64::from(b) - f64::from(pb);
        let d =
            (2.0 + rm / 256.0) * dr * dr + 4.0 * dg * dg + (2.0 + (255.0 - rm) / 256.0) * db * db;
        if d < best.1 {
            best = (name, d);
        }
    }
    best.0
}

/// Colour names covering at least [`MIN_SHARE`] of the pixels (three at most), largest
/// first; pixels that are nearly fully transparent count as "transparent".
fn dominant_colours(pixels: &[[u8; 4]]) -> Vec<(&'static str, f64)> {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for &[r, g, b, a] in pixels {
        let name = if a < 16 {
            "transparent"
        } else {
            colour_name([r, g, b])
        };
        match counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, c)) => *c += 1,
            None => counts.push((name, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let total = pixels.len().max(1) as f64;
    counts
        .into_iter()
        .map(|(name, c)| (name, c as f64 / total))
        .filter(|&(_, share)| share >= MIN_SHARE)
        .take(3)
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A PNG of `width`×`height` RGBA pixels from a function of (x, y).
    pub(crate) fn png(width: u32, height: u32, f: impl Fn(u32, u32) -> [u8; 4]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, width, height);
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Eight);
            let mut w = enc.write_header().unwrap();
            let data: Vec<u8> = (0..height)
                .flat_map(|y| (0..width).map(move |x| (x, y)))
                .flat_map(|(x, y)| f(x, y))
                .collect();
            w.write_image_data(&data).unwrap();
        }
        out
    }

    #[test]
    fn describes_a_png() {
        let bytes = png(40, 20, |x, _| {
            if x < 30 {
                [230, 10, 10, 255]
            } else {
                [255, 255, 255, 255]
            }
        });
        let d = describe(&bytes).unwrap();
        assert_eq!((d.format, d.width, d.height), ("PNG", 40, 20));
        assert_eq!(d.colours, vec![("red", 0.75), ("white", 0.25)]);
        assert_eq!(
            d.to_string(),
            "The image is a 40×20 PNG (landscape). Its dominant colour is red (75%), followed by white (25%)."
        );
    }

    #[test]
    fn refuses_garbage_without_panicking() {
        assert!(describe(b"hello").is_err());
        assert!(describe(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").is_err());
        assert!(describe(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]).is_err());
        assert!(describe(b"GIF89a....").unwrap_err().contains("GIF"));
        let mut seed = 7u64;
        for len in 0..200 {
            let mut data = b"\x89PNG\r\n\x1a\n".to_vec();
            for _ in 0..len {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                data.push((seed >> 56) as u8);
            }
            let _ = describe(&data);
            data[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
            let _ = describe(&data[..data.len().min(len + 3)]);
        }
    }
}
