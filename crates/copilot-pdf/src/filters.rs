//! Stream filters (ISO 32000-1, 7.4): the lossless ones decoded here within a byte limit,
//! the image codecs named for the caller (which decodes images itself). Damaged data gives
//! what decoded before the damage when there is some (as viewers show), else an error.

use std::io::Read;

use super::syntax::{Dictionary, Object, Stream};

/// The image codecs a filter chain may end in.
const CODECS: [&str; 4] = ["DCTDecode", "JPXDecode", "JBIG2Decode", "CCITTFaxDecode"];

/// A filter's full name (inline images use abbreviations).
fn full_name(name: &[u8]) -> &[u8] {
    match name {
        b"AHx" => b"ASCIIHexDecode",
        b"A85" => b"ASCII85Decode",
        b"LZW" => b"LZWDecode",
        b"Fl" => b"FlateDecode",
        b"RL" => b"RunLengthDecode",
        b"CCF" => b"CCITTFaxDecode",
        b"DCT" => b"DCTDecode",
        other => other,
    }
}

/// The stream's data with its filters applied up to an image codec, which is named; at
/// most `limit` bytes (more is an error).
pub(crate) fn decode(
    stream: &Stream,
    limit: usize,
) -> Result<(Vec<u8>, Option<&'static str>), String> {
    let dict = &stream.dict;
    let list = |object: Option<&Object>| -> Vec<Object> {
        match object {
            Some(Object::Array(items)) => items.clone(),
            Some(Object::Null) | None => Vec::new(),
            Some(other) => vec![other.clone()],
        }
    };
    let filters = list(dict.get(b"Filter".as_slice()).or(dict.get(b"F".as_slice())));
    let params = list(
        dict.get(b"DecodeParms".as_slice())
            .or(dict.get(b"DP".as_slice())),
    );
    let mut data = std::borrow::Cow::Borrowed(stream.raw_data.as_slice());
    for (index, filter) in filters.iter().enumerate() {
        let Object::Name(name) = filter else {
            return Err("a filter is not a name".into());
        };
        let name = full_name(name);
        if let Some(codec) = CODECS.iter().find(|c| c.as_bytes() == name) {
            return Ok((data.into_owned(), Some(codec)));
        }
        let empty = Dictionary::new();
        let parms = match params.get(index) {
            Some(Object::Dict(d)) => d,
            _ => &empty,
        };
        let decoded = match name {
            b"FlateDecode" => predict(flate(&data, limit)?, parms, limit)?,
            b"LZWDecode" => {
                let early = !matches!(
                    parms.get(b"EarlyChange".as_slice()),
                    Some(Object::Integer(0))
                );
                predict(lzw(&data, early, limit)?, parms, limit)?
            }
            b"ASCIIHexDecode" => ascii_hex(&data),
            b"ASCII85Decode" => ascii85(&data)?,
            b"RunLengthDecode" => run_length(&data, limit)?,
            // Decryption was done when the object was read.
            b"Crypt" => data.into_owned(),
            other => {
                return Err(format!(
                    "unsupported filter {}",
                    String::from_utf8_lossy(&other[..other.len().min(32)])
                ))
            }
        };
        if decoded.len() > limit {
            return Err(format!("stream data decodes to more than {limit} bytes"));
        }
        data = std::borrow::Cow::Owned(decoded);
    }
    Ok((data.into_owned(), None))
}

/// Inflates zlib data (or raw deflate data, which some writers store), at most `limit`
/// bytes plus one (so the caller sees it was over).
fn flate(data: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    let read = |reader: &mut dyn Read| {
        let mut out = Vec::new();
        let result = reader.take(limit as u64 + 1).read_to_end(&mut out);
        (out, result)
    };
    let (out, result) = read(&mut flate2::read::ZlibDecoder::new(data));
    match result {
        Ok(_) => Ok(out),
        Err(_) if !out.is_empty() => Ok(out),
        Err(e) => {
            let (raw, raw_result) = read(&mut flate2::read::DeflateDecoder::new(data));
            if raw_result.is_ok() || !raw.is_empty() {
                Ok(raw)
            } else {
                Err(format!("FlateDecode: {e}"))
            }
        }
    }
}

/// LZW as PDF uses it (9- to 12-bit codes, 256 clears, 257 ends).
fn lzw(data: &[u8], early_change: bool, limit: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut table: Vec<(Option<u16>, u8)> = (0..=255u8).map(|b| (None, b)).collect();
    table.push((None, 0));
    table.push((None, 0));
    let mut width = 9u32;
    let (mut buffer, mut bits) = (0u32, 0u32);
    let mut previous: Option<u16> = None;
    let mut entry = Vec::new();
    let expand = |code: u16, table: &[(Option<u16>, u8)], entry: &mut Vec<u8>| {
        entry.clear();
        let mut at = Some(code);
        while let Some(c) = at {
            let (prefix, byte) = table[usize::from(c)];
            entry.push(byte);
            at = prefix;
        }
        entry.reverse();
    };
    for &byte in data {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= width {
            let code = ((buffer >> (bits - width)) & ((1 << width) - 1)) as u16;
            bits -= width;
            match code {
                256 => {
                    table.truncate(258);
                    width = 9;
                    previous = None;
                    continue;
                }
                257 => return Ok(out),
                _ => {}
            }
            let next = table.len();
            if usize::from(code) < next {
                expand(code, &table, &mut entry);
                if let Some(p) = previous {
                    if next < 4096 {
                        table.push((Some(p), entry[0]));
                    }
                }
            } else if usize::from(code) == next && previous.is_some() {
                let p = previous.unwrap_or(0);
                expand(p, &table, &mut entry);
                let first = entry[0];
                entry.push(first);
                if next < 4096 {
                    table.push((Some(p), first));
                }
            } else {
                return if out.is_empty() {
                    Err(format!("LZWDecode: code {code} out of range"))
                } else {
                    Ok(out)
                };
            }
            out.extend_from_slice(&entry);
            if out.len() > limit {
                return Ok(out);
            }
            previous = Some(code);
            let size = table.len() + usize::from(early_change);
            width = match size {
                0..=511 => 9,
                512..=1023 => 10,
                1024..=2047 => 11,
                _ => 12,
            };
        }
    }
    Ok(out)
}

fn ascii_hex(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 2);
    let mut high: Option<u8> = None;
    for &b in data {
        if b == b'>' {
            break;
        }
        let value = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => continue,
        };
        match high.take() {
            Some(h) => out.push(h << 4 | value),
            None => high = Some(value),
        }
    }
    if let Some(h) = high {
        out.push(h << 4);
    }
    out
}

fn ascii85(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(data.len() / 5 * 4);
    let mut group = [0u8; 5];
    let mut count = 0;
    let push = |group: &[u8; 5], count: usize, out: &mut Vec<u8>| -> Result<(), String> {
        let mut value: u64 = 0;
        for (i, &c) in group.iter().enumerate() {
            let digit = if i < count { c } else { b'u' };
            value = value * 85 + u64::from(digit - b'!');
        }
        if value > u64::from(u32::MAX) {
            return Err("ASCII85Decode: a group is out of range".into());
        }
        out.extend_from_slice(&(value as u32).to_be_bytes()[..count - 1]);
        Ok(())
    };
    for &b in data {
        match b {
            b'~' => break,
            b'z' if count == 0 => out.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group[count] = b;
                count += 1;
                if count == 5 {
                    push(&group, 5, &mut out)?;
                    count = 0;
                }
            }
            b if b.is_ascii_whitespace() || b == 0 => {}
            other => {
                return Err(format!(
                    "ASCII85Decode: '{}' is not a base-85 digit",
                    other as char
                ))
            }
        }
    }
    if count > 1 {
        push(&group, count, &mut out)?;
    }
    Ok(out)
}

fn run_length(data: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() && out.len() <= limit {
        let length = data[i];
        i += 1;
        match length {
            128 => break,
            0..=127 => {
                let n = usize::from(length) + 1;
                let end = (i + n).min(data.len());
                out.extend_from_slice(&data[i..end]);
                i = end;
            }
            _ => {
                let Some(&b) = data.get(i) else { break };
                out.extend(std::iter::repeat_n(b, 257 - usize::from(length)));
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Undoes a `/Predictor` (TIFF 2 for 8-bit samples, the PNG ones).
fn predict(data: Vec<u8>, parms: &Dictionary, limit: usize) -> Result<Vec<u8>, String> {
    let int = |key: &[u8], default: i64| match parms.get(key) {
        Some(Object::Integer(i)) => *i,
        _ => default,
    };
    let predictor = int(b"Predictor", 1);
    if predictor <= 1 {
        return Ok(data);
    }
    let colors = int(b"Colors", 1).clamp(1, 32) as usize;
    let bits = int(b"BitsPerComponent", 8).clamp(1, 16) as usize;
    let columns = int(b"Columns", 1).clamp(1, 1 << 24) as usize;
    let row = (colors * bits * columns).div_ceil(8);
    let bpp = (colors * bits).div_ceil(8).max(1);
    if predictor == 2 {
        if bits != 8 {
            return Ok(data);
        }
        let mut data = data;
        for line in data.chunks_mut(row) {
            for i in bpp..line.len() {
                line[i] = line[i].wrapping_add(line[i - bpp]);
            }
        }
        return Ok(data);
    }
    let mut out = Vec::with_capacity(data.len().min(limit));
    let mut previous = vec![0u8; row];
    for chunk in data.chunks(row + 1) {
        let kind = chunk[0];
        let mut line = chunk[1..].to_vec();
        line.resize(row, 0);
        for i in 0..row {
            let left = if i >= bpp { line[i - bpp] } else { 0 };
            let up = previous[i];
            let up_left = if i >= bpp { previous[i - bpp] } else { 0 };
            line[i] = match kind {
                0 => line[i],
                1 => line[i].wrapping_add(left),
                2 => line[i].wrapping_add(up),
                3 => line[i].wrapping_add(((u16::from(left) + u16::from(up)) / 2) as u8),
                4 => line[i].wrapping_add(paeth(left, up, up_left)),
                other => return Err(format!("PNG predictor: row filter {other}")),
            };
        }
        out.extend_from_slice(&line);
        previous = line;
        if out.len() > limit {
            break;
        }
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn stream(filter: &[&str], data: &[u8]) -> Stream {
        let mut dict = Dictionary::new();
        dict.insert(
            b"Filter".to_vec(),
            Object::Array(
                filter
                    .iter()
                    .map(|f| Object::Name(f.as_bytes().to_vec()))
                    .collect(),
            ),
        );
        Stream {
            dict,
            raw_data: data.to_vec(),
        }
    }

    #[test]
    fn chains_decode_and_stop_at_a_codec() {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"hello hello hello").unwrap();
        let deflated = z.finish().unwrap();
        let (data, codec) = decode(&stream(&["FlateDecode"], &deflated), 1 << 20).unwrap();
        assert_eq!(
            (data.as_slice(), codec),
            (b"hello hello hello".as_slice(), None)
        );
        let (data, codec) = decode(&stream(&["AHx", "DCTDecode"], b"41 42>"), 100).unwrap();
        assert_eq!(
            (data.as_slice(), codec),
            (b"AB".as_slice(), Some("DCTDecode"))
        );
        assert!(decode(&stream(&["FlateDecode"], &deflated), 4).is_err());
        assert!(decode(&stream(&["Unknown"], b""), 4).is_err());
    }

    #[test]
    fn ascii85_run_length_and_lzw() {
        assert_eq!(ascii85(b"87cURD]i,\"Ebo80~>").unwrap(), b"Hello World!");
        assert_eq!(ascii85(b"z!!~>").unwrap(), [0, 0, 0, 0, 0]);
        assert_eq!(
            run_length(&[2, b'a', b'b', b'c', 254, b'x', 128], 99).unwrap(),
            b"abcxxx"
        );
        // The example of ISO 32000-1, 7.4.4.2: 45 45 45 45 45 65 45 45 45 66.
        let coded = [0x80, 0x0B, 0x60, 0x50, 0x22, 0x0C, 0x0C, 0x85, 0x01];
        assert_eq!(
            lzw(&coded, true, 99).unwrap(),
            [45, 45, 45, 45, 45, 65, 45, 45, 45, 66]
        );
    }

    #[test]
    fn png_predictors_undo() {
        let mut parms = Dictionary::new();
        parms.insert(b"Predictor".to_vec(), Object::Integer(12));
        parms.insert(b"Columns".to_vec(), Object::Integer(3));
        // Row 1 "Sub" (1): 1, +1, +1 → 1 2 3; row 2 "Up" (2): +1 each → 2 3 4.
        let data = vec![1, 1, 1, 1, 2, 1, 1, 1];
        assert_eq!(predict(data, &parms, 99).unwrap(), [1, 2, 3, 2, 3, 4]);
    }
}
