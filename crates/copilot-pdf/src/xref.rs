//! The cross-reference sections of a file as written (ISO 32000-1, 7.5.4 to 7.5.8): where the
//! last one starts, the newest trailer, the largest object number listed, and where each
//! uncompressed object is. An incremental update needs these facts (its `/Prev`, its
//! trailer, its first new number); hayro reads the objects, repairing what it must, and does
//! not give them.

use std::collections::{HashMap, HashSet};

use super::filters;
use super::syntax::{parse_object, skip_white, word, Dictionary, Object, Stream};

/// The cross-reference chain of a file, read from its last `startxref`.
pub(crate) struct Chain {
    /// The trailer of the newest section (an xref stream's dictionary for such a file).
    pub trailer: Dictionary,
    /// The largest object number any section lists.
    pub largest: u32,
    /// Where each object stored uncompressed starts, by number (the newest entry).
    pub offsets: HashMap<u32, usize>,
}

/// The offset the last `startxref` of the file gives.
pub(crate) fn find_startxref(bytes: &[u8]) -> Option<usize> {
    let tail_start = bytes.len().saturating_sub(4096);
    let tail = &bytes[tail_start..];
    let at = tail.windows(9).rposition(|w| w == b"startxref")?;
    let pos = skip_white(bytes, tail_start + at + 9);
    let (digits, _) = word(bytes, pos);
    let offset: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
    (offset < bytes.len()).then_some(offset)
}

/// Reads the chain of sections from the last `startxref` through `/Prev` (and the
/// `/XRefStm` streams of hybrid files): `None` when a section is missing or damaged (hayro
/// then rebuilds the table by scanning, and byte offsets cannot be trusted).
pub(crate) fn read_chain(bytes: &[u8]) -> Option<Chain> {
    let startxref = find_startxref(bytes)?;
    let mut chain = Chain {
        trailer: Dictionary::new(),
        largest: 0,
        offsets: HashMap::new(),
    };
    let mut visited = HashSet::new();
    let mut next = Some(startxref);
    while let Some(offset) = next.take() {
        if !visited.insert(offset) || visited.len() > 256 {
            break;
        }
        let trailer = read_section(bytes, offset, &mut chain)?;
        let offset_of = |key: &[u8]| {
            trailer
                .get(key)
                .and_then(Object::as_i64)
                .and_then(|o| usize::try_from(o).ok())
        };
        if let Some(stream_at) = offset_of(b"XRefStm") {
            read_section(bytes, stream_at, &mut chain)?;
        }
        next = offset_of(b"Prev");
        if chain.trailer.is_empty() {
            chain.trailer = trailer;
        }
    }
    chain.trailer.get(b"Root".as_slice())?;
    Some(chain)
}

/// Reads the section at `offset` (a table and its trailer, or a cross-reference stream)
/// into `chain`, newer entries kept: its trailer.
fn read_section(bytes: &[u8], offset: usize, chain: &mut Chain) -> Option<Dictionary> {
    let at = skip_white(bytes, offset);
    if bytes.get(at..)?.starts_with(b"xref") {
        return read_table(bytes, at + 4, chain);
    }
    let stream = indirect_stream(bytes, at)?;
    if stream
        .dict
        .get(b"Type".as_slice())
        .and_then(Object::as_name)
        != Some(b"XRef")
    {
        return None;
    }
    read_stream(&stream, chain)?;
    Some(stream.dict)
}

fn int_at(bytes: &[u8], pos: usize) -> Option<(u64, usize)> {
    let pos = skip_white(bytes, pos);
    let (digits, end) = word(bytes, pos);
    Some((std::str::from_utf8(digits).ok()?.parse().ok()?, end))
}

fn read_table(bytes: &[u8], mut pos: usize, chain: &mut Chain) -> Option<Dictionary> {
    loop {
        pos = skip_white(bytes, pos);
        if bytes.get(pos..)?.starts_with(b"trailer") {
            let (trailer, _) = parse_object(bytes, pos + 7).ok()?;
            return match trailer {
                Object::Dict(d) => Some(d),
                _ => None,
            };
        }
        let (first, end) = int_at(bytes, pos)?;
        let (count, end) = int_at(bytes, end)?;
        pos = end;
        for index in 0..count {
            let (offset, end) = int_at(bytes, pos)?;
            let (_generation, end) = int_at(bytes, end)?;
            let kind_at = skip_white(bytes, end);
            let kind = *bytes.get(kind_at)?;
            pos = kind_at + 1;
            let number = u32::try_from(first.checked_add(index)?).ok()?;
            chain.largest = chain.largest.max(number);
            match kind {
                b'n' => {
                    chain
                        .offsets
                        .entry(number)
                        .or_insert(usize::try_from(offset).ok()?);
                }
                b'f' => {}
                _ => return None,
            }
        }
    }
}

/// The stream object `n g obj << … >> stream … endstream` at `pos`, its `/Length` direct.
pub(crate) fn indirect_stream(bytes: &[u8], pos: usize) -> Option<Stream> {
    let (_, end) = int_at(bytes, pos)?;
    let (_, end) = int_at(bytes, end)?;
    let at = skip_white(bytes, end);
    if !bytes.get(at..)?.starts_with(b"obj") {
        return None;
    }
    let (Object::Dict(dict), end) = parse_object(bytes, at + 3).ok()? else {
        return None;
    };
    let at = skip_white(bytes, end);
    if !bytes.get(at..)?.starts_with(b"stream") {
        return None;
    }
    let mut start = at + 6;
    if bytes.get(start) == Some(&b'\r') {
        start += 1;
    }
    if bytes.get(start) == Some(&b'\n') {
        start += 1;
    }
    let length = usize::try_from(dict.get(b"Length".as_slice())?.as_i64()?).ok()?;
    let raw_data = bytes.get(start..start.checked_add(length)?)?.to_vec();
    Some(Stream { dict, raw_data })
}

/// An indirect object's dictionary (`n g obj << … >>`) at `pos`.
pub(crate) fn indirect_dict(bytes: &[u8], pos: usize) -> Option<Dictionary> {
    let (_, end) = int_at(bytes, pos)?;
    let (_, end) = int_at(bytes, end)?;
    let at = skip_white(bytes, end);
    if !bytes.get(at..)?.starts_with(b"obj") {
        return None;
    }
    match parse_object(bytes, at + 3).ok()?.0 {
        Object::Dict(d) => Some(d),
        _ => None,
    }
}

fn read_stream(stream: &Stream, chain: &mut Chain) -> Option<()> {
    let (data, _) = filters::decode(stream, super::MAX_STREAM_BYTES).ok()?;
    let widths: Vec<usize> = stream
        .dict
        .get(b"W".as_slice())?
        .as_array()?
        .iter()
        .map(|w| {
            w.as_i64()
                .and_then(|v| usize::try_from(v).ok())
                .filter(|v| *v <= 8)
        })
        .collect::<Option<_>>()?;
    if widths.len() != 3 || widths.iter().sum::<usize>() == 0 {
        return None;
    }
    let size = stream
        .dict
        .get(b"Size".as_slice())
        .and_then(Object::as_i64)
        .unwrap_or(0);
    let index: Vec<i64> = match stream.dict.get(b"Index".as_slice()) {
        Some(Object::Array(items)) => items.iter().filter_map(Object::as_i64).collect(),
        _ => vec![0, size],
    };
    let field = |entry: &[u8], which: usize| -> u64 {
        let start: usize = widths[..which].iter().sum();
        entry[start..start + widths[which]]
            .iter()
            .fold(0u64, |v, b| (v << 8) | u64::from(*b))
    };
    let mut entries = data.chunks_exact(widths.iter().sum());
    for pair in index.chunks_exact(2) {
        let first = u32::try_from(pair[0]).ok()?;
        let count = u32::try_from(pair[1]).ok()?;
        for step in 0..count {
            let Some(entry) = entries.next() else { break };
            let number = first.checked_add(step)?;
            chain.largest = chain.largest.max(number);
            let kind = if widths[0] == 0 { 1 } else { field(entry, 0) };
            if kind == 1 {
                if let Ok(offset) = usize::try_from(field(entry, 1)) {
                    chain.offsets.entry(number).or_insert(offset);
                }
            }
        }
    }
    Some(())
}

/// For a file whose chain could not be read: the largest object number its `n g obj`
/// headers use, and its last `trailer` dictionary (if any).
pub(crate) fn scan(bytes: &[u8]) -> (u32, Option<Dictionary>) {
    let mut largest = 0u32;
    let mut from = 0;
    while let Some(found) = find(&bytes[from..], b"obj") {
        let at = from + found;
        from = at + 3;
        // Back over "n g " before the keyword.
        let before = &bytes[..at];
        let digits_end = before.iter().rposition(|b| !super::syntax::is_white(*b));
        let Some(gen_end) = digits_end else { continue };
        let gen_start = before[..=gen_end]
            .iter()
            .rposition(|b| !b.is_ascii_digit())
            .map_or(0, |p| p + 1);
        if gen_start > gen_end {
            continue;
        }
        let Some(num_end) = before[..gen_start]
            .iter()
            .rposition(|b| !super::syntax::is_white(*b))
        else {
            continue;
        };
        let num_start = before[..=num_end]
            .iter()
            .rposition(|b| !b.is_ascii_digit())
            .map_or(0, |p| p + 1);
        if num_start > num_end || num_end - num_start > 9 {
            continue;
        }
        if let Some(number) = std::str::from_utf8(&before[num_start..=num_end])
            .ok()
            .and_then(|s| s.parse::<u32>().ok())
        {
            largest = largest.max(number);
        }
    }
    let trailer = bytes
        .windows(7)
        .rposition(|w| w == b"trailer")
        .and_then(|at| parse_object(bytes, at + 7).ok())
        .and_then(|(object, _)| match object {
            Object::Dict(d) => Some(d),
            _ => None,
        });
    (largest, trailer)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_chain_reads() {
        let file = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\
            xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n\
            trailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n45\n%%EOF\n";
        let chain = read_chain(file).unwrap();
        assert_eq!(chain.largest, 1);
        assert_eq!(chain.offsets[&1], 9);
        assert_eq!(
            chain.trailer.get(b"Root".as_slice()),
            Some(&Object::Reference(1, 0))
        );
        let (largest, trailer) = scan(file);
        assert_eq!(largest, 1);
        assert!(trailer.is_some());
        assert!(read_chain(&file[..60]).is_none());
    }
}
