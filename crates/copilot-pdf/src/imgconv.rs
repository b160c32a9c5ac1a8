//! Image XObject → PNG (or the original JPEG): filters, colour spaces, bit depths, Decode
//! arrays, and soft / stencil / colour-key masks composited on white.

use std::io::Cursor;

use super::images::{EncodedImage, ImageFormat};
use super::raw::{
    as_dict, decoded, decoded_before_codec, deref, get, get_number, DictExt, Dictionary, Document,
    Object, Stream,
};

/// Largest image we decode, in pixels (a 600 dpi A3 scan is ~70 Mpx).
const MAX_PIXELS: u64 = 100_000_000;

/// A colour space we can convert to gray or RGB.
#[derive(Debug, Clone)]
enum ColorSpace {
    Gray,
    Rgb,
    Cmyk,
    /// One tint component; 1 is full ink (drawn as black), 0 is none (white).
    Separation,
    Indexed {
        base: Box<ColorSpace>,
        hival: usize,
        lookup: Vec<u8>,
    },
}

impl ColorSpace {
    fn components(&self) -> usize {
        match self {
            ColorSpace::Gray | ColorSpace::Separation | ColorSpace::Indexed { .. } => 1,
            ColorSpace::Rgb => 3,
            ColorSpace::Cmyk => 4,
        }
    }

    /// 1 for gray output, 3 for RGB.
    fn out_channels(&self) -> usize {
        match self {
            ColorSpace::Gray | ColorSpace::Separation => 1,
            ColorSpace::Rgb | ColorSpace::Cmyk => 3,
            ColorSpace::Indexed { base, .. } => base.out_channels(),
        }
    }

    /// Converts one pixel of 8-bit component values (`ink` scale as in the PDF: 0 = none of
    /// the component) into `out` (1 or 3 bytes).
    fn to_output(&self, comps: &[u8], out: &mut [u8]) {
        match self {
            ColorSpace::Gray | ColorSpace::Rgb => out.copy_from_slice(&comps[..out.len()]),
            ColorSpace::Separation => out[0] = 255 - comps[0],
            ColorSpace::Cmyk => {
                let k = 255 - u32::from(comps[3]);
                for (o, c) in out.iter_mut().zip(&comps[..3]) {
                    *o = ((255 - u32::from(*c)) * k / 255) as u8;
                }
            }
            ColorSpace::Indexed {
                base,
                hival,
                lookup,
            } => {
                let n = base.components();
                let index = usize::from(comps[0]).min(*hival);
                let start = index * n;
                let mut entry = [0u8; 4];
                for (i, slot) in entry.iter_mut().take(n).enumerate() {
                    *slot = lookup.get(start + i).copied().unwrap_or(0);
                }
                base.to_output(&entry[..n], out);
            }
        }
    }
}

/// Reads an image's colour space.
fn color_space(doc: &Document, object: &Object, depth: usize) -> Result<ColorSpace, String> {
    if depth > 4 {
        return Err("colour space nested too deeply".into());
    }
    match deref(doc, object) {
        Object::Name(name) => device_space(name),
        Object::Array(items) => {
            let family = items
                .first()
                .map(|o| deref(doc, o))
                .and_then(Object::as_name)
                .ok_or("colour space array without a family name")?;
            match family {
                b"ICCBased" => {
                    let stream = items
                        .get(1)
                        .and_then(|o| as_dict(doc, o))
                        .ok_or("ICCBased colour space without its stream")?;
                    match get_number(doc, stream, b"N").map(|n| n as i64) {
                        Some(1) => Ok(ColorSpace::Gray),
                        Some(3) => Ok(ColorSpace::Rgb),
                        Some(4) => Ok(ColorSpace::Cmyk),
                        _ => match stream.at(b"Alternate") {
                            Some(alt) => color_space(doc, alt, depth + 1),
                            None => Err("ICCBased colour space with an unusable /N".into()),
                        },
                    }
                }
                b"CalGray" => Ok(ColorSpace::Gray),
                b"CalRGB" => Ok(ColorSpace::Rgb),
                b"Indexed" | b"I" => {
                    let base = items.get(1).ok_or("Indexed colour space without a base")?;
                    let base = color_space(doc, base, depth + 1)?;
                    if matches!(base, ColorSpace::Indexed { .. }) {
                        return Err("Indexed colour space over another Indexed space".into());
                    }
                    let hival = items
                        .get(2)
                        .and_then(|o| super::objects::number(deref(doc, o)))
                        .ok_or("Indexed colour space without hival")?
                        .clamp(0.0, 255.0) as usize;
                    let lookup = match items.get(3).map(|o| deref(doc, o)) {
                        Some(Object::Str(bytes)) => bytes.clone(),
                        Some(Object::Stream(s)) => decoded(s)?,
                        _ => return Err("Indexed colour space without a lookup table".into()),
                    };
                    Ok(ColorSpace::Indexed {
                        base: Box::new(base),
                        hival,
                        lookup,
                    })
                }
                b"Separation" => Ok(ColorSpace::Separation),
                b"DeviceN" => {
                    let count = items
                        .get(1)
                        .map(|o| deref(doc, o))
                        .and_then(Object::as_array)
                        .map(<[Object]>::len);
                    if count == Some(1) {
                        Ok(ColorSpace::Separation)
                    } else {
                        Err("DeviceN colour space (several inks) is not converted".into())
                    }
                }
                b"Lab" => Err("Lab colour space is not converted".into()),
                b"Pattern" => Err("Pattern colour space on an image".into()),
                other => device_space(other),
            }
        }
        _ => Err("missing or unreadable /ColorSpace".into()),
    }
}

fn device_space(name: &[u8]) -> Result<ColorSpace, String> {
    match name {
        b"DeviceGray" | b"G" | b"CalGray" => Ok(ColorSpace::Gray),
        b"DeviceRGB" | b"RGB" | b"CalRGB" => Ok(ColorSpace::Rgb),
        b"DeviceCMYK" | b"CMYK" => Ok(ColorSpace::Cmyk),
        other => Err(format!(
            "colour space /{} is not converted",
            String::from_utf8_lossy(other)
        )),
    }
}

/// The stream's filter names, in decoding order.
fn filters(doc: &Document, dict: &Dictionary) -> Vec<Vec<u8>> {
    match get(doc, dict, b"Filter") {
        Some(Object::Name(n)) => vec![n.clone()],
        Some(Object::Array(items)) => items
            .iter()
            .filter_map(|o| deref(doc, o).as_name().map(<[u8]>::to_vec))
            .collect(),
        _ => Vec::new(),
    }
}

/// Applies the filters before the image codec the chain ends in (which the caller decodes
/// itself, e.g. DCTDecode).
fn decode_all_but_last(stream: &Stream) -> Result<Vec<u8>, String> {
    decoded_before_codec(stream).map(|(data, _)| data)
}

/// A decoded raster: gray or RGB, 8 bits, optionally with an alpha channel of its own
/// (from colour-key masking).
struct Raster {
    width: usize,
    height: usize,
    channels: usize,
    pixels: Vec<u8>,
    alpha: Option<Vec<u8>>,
}

/// What an image stream is decoded for.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    /// The picture itself.
    Image,
    /// A soft mask: one gray channel, the alpha.
    SoftMask,
    /// An explicit (stencil) mask: 1 bit; the result is the alpha (255 = painted).
    StencilMask,
}

fn dimension(doc: &Document, dict: &Dictionary, key: &[u8], short: &[u8]) -> Result<usize, String> {
    let value = get_number(doc, dict, key)
        .or_else(|| get_number(doc, dict, short))
        .ok_or_else(|| format!("image without /{}", String::from_utf8_lossy(key)))?;
    if !(1.0..=1_000_000.0).contains(&value) {
        return Err(format!(
            "image /{} {value} is out of range",
            String::from_utf8_lossy(key)
        ));
    }
    Ok(value as usize)
}

fn decode_array(doc: &Document, dict: &Dictionary) -> Option<Vec<f64>> {
    let items = get(doc, dict, b"Decode")?.as_array()?;
    items
        .iter()
        .map(|o| super::objects::number(deref(doc, o)))
        .collect()
}

/// Whether `/Decode` is absent or the default for `n` components of a non-indexed space.
fn default_decode(decode: &Option<Vec<f64>>, n: usize) -> bool {
    match decode {
        None => true,
        Some(values) => {
            values.len() >= 2 * n
                && values
                    .chunks(2)
                    .take(n)
                    .all(|pair| pair[0] == 0.0 && pair[1] == 1.0)
        }
    }
}

/// An image's samples as stored (filters undone), with what is needed to interpret them.
struct Samples {
    width: usize,
    height: usize,
    bpc: usize,
    space: ColorSpace,
    image_mask: bool,
    decode: Option<Vec<f64>>,
    /// Rows padded to whole bytes, at least `height` rows.
    data: Vec<u8>,
}

/// Decodes an image XObject into a raster for `role`.
fn raster(doc: &Document, stream: &Stream, role: Role) -> Result<Raster, String> {
    let samples = samples(doc, stream, role)?;
    to_raster(doc, &stream.dict, samples, role)
}

/// Undoes an image XObject's filters (JPEG and CCITT included) into [`Samples`].
fn samples(doc: &Document, stream: &Stream, role: Role) -> Result<Samples, String> {
    let dict = &stream.dict;
    let mut width = dimension(doc, dict, b"Width", b"W")?;
    let mut height = dimension(doc, dict, b"Height", b"H")?;
    if (width as u64) * (height as u64) > MAX_PIXELS {
        return Err(format!(
            "image is too large to decode ({width}×{height} pixels)"
        ));
    }
    let filters = filters(doc, dict);
    let image_mask = role == Role::StencilMask
        || matches!(get(doc, dict, b"ImageMask"), Some(Object::Bool(true)));
    let decode = decode_array(doc, dict);

    let (samples, bpc, space) = match filters.last().map(Vec::as_slice) {
        Some(b"JPXDecode") => {
            let data = decode_all_but_last(stream)?;
            let (w, h, comps, pixels) = decode_jpx(&data)?;
            width = w;
            height = h;
            let space = match role {
                // The PDF's /ColorSpace wins when it fits; else the codestream's own.
                Role::Image => dict
                    .at(b"ColorSpace")
                    .and_then(|cs| color_space(doc, cs, 0).ok())
                    .filter(|s| s.components() == comps)
                    .or(match comps {
                        1 => Some(ColorSpace::Gray),
                        3 => Some(ColorSpace::Rgb),
                        4 => Some(ColorSpace::Cmyk),
                        _ => None,
                    })
                    .ok_or("JPEG 2000 image with an unsupported number of components")?,
                _ => {
                    if comps != 1 {
                        return Err("mask stored as a colour JPEG 2000 image".into());
                    }
                    ColorSpace::Gray
                }
            };
            // /Decode does not apply to JPEG 2000 images (ISO 32000-1, 8.9.5.2).
            return Ok(Samples {
                width,
                height,
                bpc: 8,
                space,
                image_mask: false,
                decode: None,
                data: pixels,
            });
        }
        Some(b"JBIG2Decode") => {
            let data = decode_all_but_last(stream)?;
            let globals = last_decode_parms(doc, dict)
                .and_then(|parms| get(doc, parms, b"JBIG2Globals"))
                .and_then(|g| match g {
                    Object::Stream(g) => Some(decoded(g)),
                    _ => None,
                })
                .transpose()?;
            let samples = decode_jbig2(&data, globals.as_deref(), width, height)?;
            (samples, 1, ColorSpace::Gray)
        }
        Some(b"CCITTFaxDecode" | b"CCF") => {
            let data = decode_all_but_last(stream)?;
            let samples = decode_ccitt(doc, dict, &data, width, height)?;
            let space = if image_mask || role != Role::Image {
                ColorSpace::Gray
            } else {
                color_space(
                    doc,
                    dict.at(b"ColorSpace")
                        .or_else(|| dict.at(b"CS"))
                        .unwrap_or(&Object::Name(b"DeviceGray".to_vec())),
                    0,
                )?
            };
            if space.components() != 1 {
                return Err("CCITT fax image with a colour space of several components".into());
            }
            (samples, 1, space)
        }
        Some(b"DCTDecode" | b"DCT") => {
            let jpeg = decode_all_but_last(stream)?;
            let (w, h, comps, mut pixels) = decode_jpeg(&jpeg)?;
            width = w;
            height = h;
            if comps == 4 {
                // jpeg-decoder inverts 4-component data (Adobe convention); undo that so the
                // samples are as stored and the PDF's /Decode applies as written.
                for v in &mut pixels {
                    *v = 255 - *v;
                }
            }
            let space = match role {
                Role::Image => match dict.at(b"ColorSpace") {
                    Some(cs) => color_space(doc, cs, 0)
                        .ok()
                        .filter(|s| s.components() == comps),
                    None => None,
                }
                .or(match comps {
                    1 => Some(ColorSpace::Gray),
                    3 => Some(ColorSpace::Rgb),
                    4 => Some(ColorSpace::Cmyk),
                    _ => None,
                })
                .ok_or("JPEG with an unsupported number of components")?,
                _ => {
                    if comps != 1 {
                        return Err("mask stored as a colour JPEG".into());
                    }
                    ColorSpace::Gray
                }
            };
            (pixels, 8, space)
        }
        _ => {
            let data = decoded(stream)?;
            if image_mask {
                (data, 1, ColorSpace::Gray)
            } else {
                let space = match role {
                    Role::Image => color_space(
                        doc,
                        dict.at(b"ColorSpace")
                            .or_else(|| dict.at(b"CS"))
                            .ok_or_else(|| "image without /ColorSpace".to_string())?,
                        0,
                    )?,
                    _ => ColorSpace::Gray,
                };
                let bpc = get_number(doc, dict, b"BitsPerComponent")
                    .or_else(|| get_number(doc, dict, b"BPC"))
                    .unwrap_or(8.0) as usize;
                if ![1, 2, 4, 8, 16].contains(&bpc) {
                    return Err(format!("{bpc} bits per component is not supported"));
                }
                (data, bpc, space)
            }
        }
    };

    let row_bytes = (width * space.components() * bpc).div_ceil(8);
    if samples.len() < row_bytes {
        return Err("image data is empty or too short".into());
    }
    let mut data = samples;
    // A short stream: pad the missing rows with zeros rather than give up on the image.
    data.resize(row_bytes * height, 0);
    Ok(Samples {
        width,
        height,
        bpc,
        space,
        image_mask,
        decode,
        data,
    })
}

/// Converts samples to 8-bit gray or RGB pixels (or, for masks, alpha).
fn to_raster(doc: &Document, dict: &Dictionary, s: Samples, role: Role) -> Result<Raster, String> {
    let Samples {
        width,
        height,
        bpc,
        space,
        image_mask,
        decode,
        data: samples,
    } = s;
    let ncomp = space.components();
    let row_bytes = (width * ncomp * bpc).div_ceil(8);

    // Per component: raw sample value → 8-bit value (an index for Indexed spaces).
    let max_raw = if bpc == 16 { 255 } else { (1usize << bpc) - 1 };
    let indexed_hival = match &space {
        ColorSpace::Indexed { hival, .. } => Some(*hival),
        _ => None,
    };
    let mut tables: Vec<Vec<u8>> = Vec::with_capacity(ncomp);
    for c in 0..ncomp {
        let (dmin, dmax) = match (&decode, indexed_hival) {
            (Some(d), _) if d.len() >= 2 * (c + 1) => (d[2 * c], d[2 * c + 1]),
            (_, Some(_)) => (0.0, max_raw as f64),
            _ => (0.0, 1.0),
        };
        let table = (0..=max_raw)
            .map(|raw| {
                let v = dmin + raw as f64 * (dmax - dmin) / max_raw as f64;
                if indexed_hival.is_some() {
                    v.round().clamp(0.0, 255.0) as u8
                } else if image_mask {
                    // 0 = painted: black for a stencil image, opaque for a mask.
                    if v < 0.5 {
                        0
                    } else {
                        255
                    }
                } else {
                    (v.clamp(0.0, 1.0) * 255.0).round() as u8
                }
            })
            .collect();
        tables.push(table);
    }
    // Colour-key masking: ranges of raw values that are not painted.
    let color_key: Option<Vec<(u16, u16)>> = if role == Role::Image {
        match get(doc, dict, b"Mask") {
            Some(Object::Array(items)) if items.len() >= 2 * ncomp => Some(
                items
                    .chunks(2)
                    .take(ncomp)
                    .map(|p| {
                        let bound = |o: &Object| {
                            super::objects::number(deref(doc, o))
                                .map(|v| v.clamp(0.0, 65535.0) as u16)
                        };
                        match (bound(&p[0]), bound(&p[1])) {
                            (Some(lo), Some(hi)) => (lo, hi),
                            // An unreadable range masks nothing.
                            _ => (1, 0),
                        }
                    })
                    .collect(),
            ),
            _ => None,
        }
    } else {
        None
    };

    let channels = if role == Role::Image {
        space.out_channels()
    } else {
        1
    };
    let mut pixels = vec![0u8; width * height * channels];
    let mut alpha = color_key.as_ref().map(|_| vec![255u8; width * height]);
    let mut raw = vec![0u16; ncomp];
    let mut comps = vec![0u8; ncomp];
    for y in 0..height {
        let row = &samples[y * row_bytes..(y + 1) * row_bytes];
        for x in 0..width {
            for (c, slot) in raw.iter_mut().enumerate() {
                let i = x * ncomp + c;
                *slot = match bpc {
                    8 => u16::from(row[i]),
                    16 => u16::from(row[2 * i]),
                    _ => {
                        let bit = i * bpc;
                        let byte = row[bit / 8];
                        let shift = 8 - bpc - (bit % 8);
                        u16::from((byte >> shift) & ((1u8 << bpc) - 1))
                    }
                };
            }
            for c in 0..ncomp {
                comps[c] = tables[c][usize::from(raw[c]).min(max_raw)];
            }
            let out = &mut pixels[(y * width + x) * channels..(y * width + x + 1) * channels];
            if role == Role::Image && !image_mask {
                space.to_output(&comps, out);
            } else {
                out[0] = comps[0];
            }
            if let (Some(key), Some(alpha)) = (&color_key, alpha.as_mut()) {
                if raw.iter().zip(key).all(|(v, (lo, hi))| v >= lo && v <= hi) {
                    alpha[y * width + x] = 0;
                }
            }
        }
    }
    if role == Role::StencilMask {
        // 0 (painted) → opaque.
        for v in &mut pixels {
            *v = 255 - *v;
        }
    }
    Ok(Raster {
        width,
        height,
        channels,
        pixels,
        alpha,
    })
}

/// The last `/DecodeParms` dictionary of an image stream (the one for its last filter).
fn last_decode_parms<'a>(doc: &'a Document, dict: &'a Dictionary) -> Option<&'a Dictionary> {
    match get(doc, dict, b"DecodeParms").or_else(|| get(doc, dict, b"DP"))? {
        Object::Array(items) => items.last().and_then(|o| as_dict(doc, o)),
        other => as_dict(doc, other),
    }
}

/// Collects CCITT output as 1-bit rows in PDF sample order (0 = black unless /BlackIs1).
struct BitRows {
    width: usize,
    height: usize,
    row_bytes: usize,
    row: usize,
    black_is_1: bool,
    bits: Vec<u8>,
}

impl hayro_ccitt::Decoder for BitRows {
    fn push_row(&mut self, changes: &[u32]) {
        if self.row < self.height {
            let row = &mut self.bits[self.row * self.row_bytes..(self.row + 1) * self.row_bytes];
            // Runs alternate white, black, white… from the row's start; a run's pixels
            // are 1 bits when their colour is the one /BlackIs1 says 1 is.
            let mut start = 0usize;
            for (index, end) in changes
                .iter()
                .map(|c| (*c as usize).min(self.width))
                .chain(std::iter::once(self.width))
                .enumerate()
            {
                let white = index % 2 == 0;
                if white != self.black_is_1 {
                    for x in start..end.max(start) {
                        row[x / 8] |= 0x80 >> (x % 8);
                    }
                }
                start = end.max(start);
            }
        }
        self.row += 1;
    }
}

/// Decodes CCITT G3/G4 fax data into 1-bit samples (rows padded to whole bytes).
fn decode_ccitt(
    doc: &Document,
    dict: &Dictionary,
    data: &[u8],
    width: usize,
    height: usize,
) -> Result<Vec<u8>, String> {
    let empty = Dictionary::new();
    let parms = last_decode_parms(doc, dict).unwrap_or(&empty);
    let int = |key: &[u8], default: i64| get_number(doc, parms, key).map_or(default, |v| v as i64);
    let flag = |key: &[u8], default: bool| match get(doc, parms, key) {
        Some(Object::Bool(b)) => *b,
        _ => default,
    };
    let k = int(b"K", 0);
    let columns = int(b"Columns", 1728);
    if usize::try_from(columns).ok() != Some(width) {
        return Err(format!(
            "CCITT /Columns {columns} differs from the image width {width}"
        ));
    }
    let rows = match int(b"Rows", 0) {
        r if r > 0 => (r as usize).min(height),
        _ => height,
    };
    let settings = hayro_ccitt::DecodeSettings {
        columns: width as u32,
        rows: rows as u32,
        end_of_block: flag(b"EndOfBlock", true),
        end_of_line: flag(b"EndOfLine", false),
        rows_are_byte_aligned: flag(b"EncodedByteAlign", false),
        encoding: match k {
            k if k < 0 => hayro_ccitt::EncodingMode::Group4,
            0 => hayro_ccitt::EncodingMode::Group3_1D,
            _ => hayro_ccitt::EncodingMode::Group3_2D,
        },
        strict: false,
    };
    let row_bytes = width.div_ceil(8);
    let mut out = BitRows {
        width,
        height,
        row_bytes,
        row: 0,
        black_is_1: flag(b"BlackIs1", false),
        // Rows never decoded stay white.
        bits: vec![if flag(b"BlackIs1", false) { 0 } else { 0xFF }; row_bytes * height],
    };
    // Start every row from zero bits so pushed pixels fully define it.
    for row in out.bits.chunks_mut(row_bytes).take(rows) {
        row.fill(0);
    }
    let mut context = hayro_ccitt::DecoderContext::new(settings);
    match hayro_ccitt::decode(data, &mut out, &mut context) {
        Ok(_) => Ok(out.bits),
        Err(_) if out.row > 0 => Ok(out.bits),
        Err(e) => Err(format!("the CCITT fax data is invalid: {e:?}")),
    }
}

/// Collects JBIG2 output as 1-bit rows in PDF sample order (JBIG2's 1 = black becomes 0).
struct Jbig2Rows {
    width: usize,
    height: usize,
    row_bytes: usize,
    row: usize,
    x: usize,
    bits: Vec<u8>,
}

impl hayro_jbig2::Decoder for Jbig2Rows {
    fn push_pixel(&mut self, black: bool) {
        if self.row < self.height && self.x < self.width {
            if black {
                self.bits[self.row * self.row_bytes + self.x / 8] &= !(0x80 >> (self.x % 8));
            }
            self.x += 1;
        }
    }

    fn push_pixel_chunk(&mut self, black: bool, chunk_count: u32) {
        for _ in 0..chunk_count as usize * 8 {
            self.push_pixel(black);
        }
    }

    fn next_line(&mut self) {
        self.row += 1;
        self.x = 0;
    }
}

/// Decodes embedded JBIG2 data (with its optional global segments) into 1-bit samples of
/// `width`×`height` (rows padded to whole bytes; what the data does not cover stays white).
fn decode_jbig2(
    data: &[u8],
    globals: Option<&[u8]>,
    width: usize,
    height: usize,
) -> Result<Vec<u8>, String> {
    let settings = hayro_jbig2::DecodeSettings::default();
    let globals = globals
        .map(|g| hayro_jbig2::Globals::new(g, &settings))
        .transpose()
        .map_err(|e| format!("the JBIG2 globals are invalid: {e:?}"))?;
    let image = hayro_jbig2::Page::new_embedded(data, globals.as_ref(), &settings)
        .map_err(|e| format!("the JBIG2 data is invalid: {e:?}"))?;
    let (w, h) = (image.width() as u64, image.height() as u64);
    if w * h > MAX_PIXELS {
        return Err(format!(
            "JBIG2 image is too large to decode ({w}×{h} pixels)"
        ));
    }
    let row_bytes = width.div_ceil(8);
    let mut out = Jbig2Rows {
        width,
        height,
        row_bytes,
        row: 0,
        x: 0,
        bits: vec![0xFF; row_bytes * height],
    };
    image
        .decode(&mut out)
        .map_err(|e| format!("the JBIG2 data is invalid: {e:?}"))?;
    Ok(out.bits)
}

/// Decodes JPEG 2000 data (a JP2 file or a raw codestream): (width, height, colour
/// components, interleaved 8-bit samples); an alpha channel is dropped (a PDF gives
/// transparency with /SMask).
fn decode_jpx(data: &[u8]) -> Result<(usize, usize, usize, Vec<u8>), String> {
    let image = hayro_jpeg2000::Image::new(data, &hayro_jpeg2000::DecodeSettings::default())
        .map_err(|e| format!("the JPEG 2000 data is invalid: {e:?}"))?;
    let (width, height) = (image.width() as usize, image.height() as usize);
    if (width as u64) * (height as u64) > MAX_PIXELS || width == 0 || height == 0 {
        return Err(format!(
            "JPEG 2000 image is too large to decode ({width}×{height} pixels)"
        ));
    }
    let alpha = image.has_alpha();
    let mut context = hayro_jpeg2000::DecoderContext::default();
    let decoded = image
        .decode(&mut context)
        .map_err(|e| format!("the JPEG 2000 data is invalid: {e:?}"))?;
    let channels = decoded.components().len();
    if channels == 0 || decoded.components()[0].samples().len() != width * height {
        return Err("JPEG 2000 image whose components differ in size".into());
    }
    let mut pixels = decoded.data_u8();
    let comps = channels - usize::from(alpha);
    if alpha {
        pixels = pixels
            .chunks_exact(channels)
            .flat_map(|p| p[..comps].iter().copied())
            .collect();
    }
    Ok((width, height, comps, pixels))
}

/// Decodes JPEG data: (width, height, components, interleaved 8-bit samples).
fn decode_jpeg(data: &[u8]) -> Result<(usize, usize, usize, Vec<u8>), String> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(data));
    decoder.set_max_decoding_buffer_size(MAX_PIXELS as usize * 4);
    decoder
        .read_info()
        .map_err(|e| format!("the JPEG data is invalid: {e}"))?;
    let info = decoder.info().ok_or("the JPEG has no frame header")?;
    let (width, height) = (usize::from(info.width), usize::from(info.height));
    if (width as u64) * (height as u64) > MAX_PIXELS || width == 0 || height == 0 {
        return Err(format!("JPEG size {width}×{height} is not decoded"));
    }
    let pixels = decoder
        .decode()
        .map_err(|e| format!("the JPEG data is invalid: {e}"))?;
    let comps = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => 1,
        jpeg_decoder::PixelFormat::L16 => {
            let eight: Vec<u8> = pixels.chunks(2).map(|p| p[0]).collect();
            return Ok((width, height, 1, eight));
        }
        jpeg_decoder::PixelFormat::RGB24 => 3,
        jpeg_decoder::PixelFormat::CMYK32 => 4,
    };
    if pixels.len() < width * height * comps {
        return Err("the JPEG data is incomplete".into());
    }
    Ok((width, height, comps, pixels))
}

/// Reads a JPEG's size and components without decoding it.
pub(crate) fn jpeg_info(data: &[u8]) -> Result<(u32, u32, usize), String> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(data));
    decoder
        .read_info()
        .map_err(|e| format!("the JPEG data is invalid: {e}"))?;
    let info = decoder.info().ok_or("the JPEG has no frame header")?;
    let comps = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 | jpeg_decoder::PixelFormat::L16 => 1,
        jpeg_decoder::PixelFormat::RGB24 => 3,
        jpeg_decoder::PixelFormat::CMYK32 => 4,
    };
    Ok((u32::from(info.width), u32::from(info.height), comps))
}

/// Nearest-neighbour resampling of a one-channel plane to `width`×`height`.
fn resample(plane: &[u8], from_w: usize, from_h: usize, width: usize, height: usize) -> Vec<u8> {
    if from_w == width && from_h == height {
        return plane.to_vec();
    }
    let mut out = vec![0u8; width * height];
    for y in 0..height {
        let sy = (y * from_h / height).min(from_h - 1);
        for x in 0..width {
            let sx = (x * from_w / width).min(from_w - 1);
            out[y * width + x] = plane[sy * from_w + sx];
        }
    }
    out
}

/// Converts an image XObject for a vision model: the original JPEG when it can be used as
/// is (DCT, gray or RGB, no mask, default /Decode), otherwise a PNG with any soft mask,
/// stencil mask or colour-key mask composited on white.
pub(crate) fn convert(doc: &Document, stream: &Stream) -> Result<EncodedImage, String> {
    let dict = &stream.dict;
    let filters = filters(doc, dict);
    let masked = dict.has(b"SMask") || dict.has(b"Mask");
    let is_stencil = matches!(get(doc, dict, b"ImageMask"), Some(Object::Bool(true)));
    if matches!(
        filters.last().map(Vec::as_slice),
        Some(b"DCTDecode" | b"DCT")
    ) && !masked
        && !is_stencil
    {
        let jpeg = decode_all_but_last(stream)?;
        let (width, height, comps) = jpeg_info(&jpeg)?;
        if (comps == 1 || comps == 3) && default_decode(&decode_array(doc, dict), comps) {
            return Ok(EncodedImage {
                format: ImageFormat::Jpeg,
                width,
                height,
                bytes: jpeg,
            });
        }
    }

    let samples = samples(doc, stream, Role::Image)?;
    if !masked && samples.bpc == 1 && matches!(samples.space, ColorSpace::Gray) {
        // Black and white (scans, stencils): the rows are already PNG's 1-bit gray rows
        // (0 = black), inverted when /Decode is [1 0].
        let invert = samples
            .decode
            .as_ref()
            .is_some_and(|d| d.len() >= 2 && d[0] > d[1]);
        let mut data = samples.data;
        if invert {
            for byte in &mut data {
                *byte = !*byte;
            }
        }
        let bytes = encode_png_bits(samples.width, samples.height, &data)?;
        return Ok(EncodedImage {
            format: ImageFormat::Png,
            width: samples.width as u32,
            height: samples.height as u32,
            bytes,
        });
    }
    let mut image = to_raster(doc, dict, samples, Role::Image)?;
    let mask = if is_stencil {
        None
    } else if let Some(smask) = get(doc, dict, b"SMask").and_then(Object::as_stream) {
        Some(raster(doc, smask, Role::SoftMask)?)
    } else if let Some(mask) = get(doc, dict, b"Mask").and_then(Object::as_stream) {
        Some(raster(doc, mask, Role::StencilMask)?)
    } else {
        None
    };
    let alpha = match (mask, image.alpha.take()) {
        (Some(mask), key) => {
            let mut plane = resample(
                &mask.pixels,
                mask.width,
                mask.height,
                image.width,
                image.height,
            );
            if let Some(key) = key {
                for (a, k) in plane.iter_mut().zip(key) {
                    *a = (*a).min(k);
                }
            }
            Some(plane)
        }
        (None, key) => key,
    };
    if let Some(alpha) = alpha {
        // Composite on white: many vision models read transparent pixels as black.
        for (i, a) in alpha.iter().enumerate() {
            let a = u32::from(*a);
            for v in &mut image.pixels[i * image.channels..(i + 1) * image.channels] {
                *v = ((u32::from(*v) * a + 255 * (255 - a)) / 255) as u8;
            }
        }
    }
    let bytes = encode_png(&image)?;
    Ok(EncodedImage {
        format: ImageFormat::Png,
        width: image.width as u32,
        height: image.height as u32,
        bytes,
    })
}

/// Encodes a gray or RGB raster as PNG (1-bit gray when the picture is pure black and white,
/// as scans and stencil masks are).
fn encode_png(image: &Raster) -> Result<Vec<u8>, String> {
    let bilevel = image.channels == 1 && image.pixels.iter().all(|v| *v == 0 || *v == 255);
    if bilevel {
        let row_bytes = image.width.div_ceil(8);
        let mut bits = vec![0u8; row_bytes * image.height];
        for y in 0..image.height {
            for x in 0..image.width {
                if image.pixels[y * image.width + x] == 255 {
                    bits[y * row_bytes + x / 8] |= 0x80 >> (x % 8);
                }
            }
        }
        return encode_png_bits(image.width, image.height, &bits);
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, image.width as u32, image.height as u32);
    encoder.set_compression(png::Compression::Fast);
    encoder.set_color(if image.channels == 1 {
        png::ColorType::Grayscale
    } else {
        png::ColorType::Rgb
    });
    encoder.set_depth(png::BitDepth::Eight);
    let data: &[u8] = &image.pixels;
    let mut writer = encoder
        .write_header()
        .map_err(|e| format!("PNG encoding failed: {e}"))?;
    writer
        .write_image_data(data)
        .map_err(|e| format!("PNG encoding failed: {e}"))?;
    writer
        .finish()
        .map_err(|e| format!("PNG encoding failed: {e}"))?;
    Ok(out)
}

/// Encodes 8-bit RGB pixels as PNG.
pub(crate) fn encode_rgb_png(width: usize, height: usize, rgb: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width as u32, height as u32);
    encoder.set_compression(png::Compression::Fast);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|e| format!("PNG encoding failed: {e}"))?;
    writer
        .write_image_data(rgb)
        .map_err(|e| format!("PNG encoding failed: {e}"))?;
    writer
        .finish()
        .map_err(|e| format!("PNG encoding failed: {e}"))?;
    Ok(out)
}

/// Encodes 1-bit gray rows (padded to whole bytes, 0 = black) as PNG.
fn encode_png_bits(width: usize, height: usize, bits: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width as u32, height as u32);
    encoder.set_compression(png::Compression::Fast);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    let mut writer = encoder
        .write_header()
        .map_err(|e| format!("PNG encoding failed: {e}"))?;
    writer
        .write_image_data(&bits[..width.div_ceil(8) * height])
        .map_err(|e| format!("PNG encoding failed: {e}"))?;
    writer
        .finish()
        .map_err(|e| format!("PNG encoding failed: {e}"))?;
    Ok(out)
}
