//! PDF objects as owned values, and a parser for their syntax (ISO 32000-1, 7.3): what the
//! crate edits and writes back, and what content-stream operands, trailers and
//! cross-reference streams are read as. Objects of a file are read by hayro-syntax and
//! converted to these (see [`raw`](super::raw)).

use std::collections::BTreeMap;

/// A PDF object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Object {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Integer(i64),
    /// A real number.
    Real(f64),
    /// A name, without its `/` and with `#xx` escapes resolved.
    Name(Vec<u8>),
    /// A string's bytes (literal or hexadecimal, escapes resolved; decrypted when read).
    Str(Vec<u8>),
    /// An array.
    Array(Vec<Object>),
    /// A dictionary.
    Dict(Dictionary),
    /// A stream: its dictionary and its data as stored (filters not applied).
    Stream(Stream),
    /// A reference to an indirect object: number and generation.
    Reference(u32, u16),
}

/// A dictionary: keys (names without `/`) in byte order, so output is deterministic.
pub(crate) type Dictionary = BTreeMap<Vec<u8>, Object>;

/// A stream object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stream {
    /// The stream's dictionary.
    pub dict: Dictionary,
    /// The data as stored in the file (decrypted, filters not applied).
    pub raw_data: Vec<u8>,
}

impl Object {
    /// The integer this is.
    pub(crate) fn as_i64(&self) -> Option<i64> {
        match self {
            Object::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The name this is (without `/`).
    pub(crate) fn as_name(&self) -> Option<&[u8]> {
        match self {
            Object::Name(n) => Some(n),
            _ => None,
        }
    }

    /// The bytes of the string this is.
    pub(crate) fn as_str_bytes(&self) -> Option<&[u8]> {
        match self {
            Object::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The items of the array this is.
    pub(crate) fn as_array(&self) -> Option<&[Object]> {
        match self {
            Object::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The dictionary this is (not a stream's).
    pub(crate) fn as_dict(&self) -> Option<&Dictionary> {
        match self {
            Object::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// The stream this is.
    pub(crate) fn as_stream(&self) -> Option<&Stream> {
        match self {
            Object::Stream(s) => Some(s),
            _ => None,
        }
    }

    /// The object id this refers to.
    pub(crate) fn as_reference(&self) -> Option<(u32, u16)> {
        match self {
            Object::Reference(n, g) => Some((*n, *g)),
            _ => None,
        }
    }
}

/// How deeply arrays and dictionaries may nest. Real objects nest a few levels; the bound
/// keeps a hostile file's million `[` from overflowing the parser's stack.
pub(crate) const MAX_NESTING: usize = 32;

/// PDF white-space (7.2.2).
pub(crate) fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\0' | b'\x0C')
}

/// PDF delimiters (7.2.2).
pub(crate) fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delimiter(b)
}

/// `pos` moved past white-space and comments.
pub(crate) fn skip_white(data: &[u8], mut pos: usize) -> usize {
    while pos < data.len() {
        match data[pos] {
            b'%' => {
                while pos < data.len() && !matches!(data[pos], b'\n' | b'\r') {
                    pos += 1;
                }
            }
            b if is_white(b) => pos += 1,
            _ => break,
        }
    }
    pos
}

/// The regular characters from `pos` (a keyword, number or operator) and where they end.
pub(crate) fn word(data: &[u8], pos: usize) -> (&[u8], usize) {
    let end = pos
        + data[pos.min(data.len())..]
            .iter()
            .take_while(|b| is_regular(**b))
            .count();
    (&data[pos.min(data.len())..end], end)
}

/// Parses the object at `pos` (white-space and comments before it skipped): the object and
/// where it ends. `n g R` is a reference; stream data is not read (a dictionary followed by
/// `stream` is returned as the dictionary).
pub(crate) fn parse_object(data: &[u8], pos: usize) -> Result<(Object, usize), String> {
    parse_at(data, pos, 0)
}

fn parse_at(data: &[u8], pos: usize, depth: usize) -> Result<(Object, usize), String> {
    let pos = skip_white(data, pos);
    let Some(&b) = data.get(pos) else {
        return Err(format!(
            "byte {pos}: end of data where an object was expected"
        ));
    };
    let opens = b == b'[' || (b == b'<' && data.get(pos + 1) == Some(&b'<'));
    if opens && depth >= MAX_NESTING {
        return Err(format!(
            "byte {pos}: arrays or dictionaries nested deeper than {MAX_NESTING}"
        ));
    }
    match b {
        b'/' => {
            let (name, end) = parse_name(data, pos + 1);
            Ok((Object::Name(name), end))
        }
        b'(' => parse_literal(data, pos).map(|(s, end)| (Object::Str(s), end)),
        b'<' if data.get(pos + 1) == Some(&b'<') => {
            let mut dict = Dictionary::new();
            let mut at = pos + 2;
            loop {
                at = skip_white(data, at);
                match data.get(at) {
                    None => return Err(format!("byte {pos}: dictionary not closed")),
                    Some(b'>') if data.get(at + 1) == Some(&b'>') => {
                        return Ok((Object::Dict(dict), at + 2));
                    }
                    Some(b'/') => {
                        let (key, end) = parse_name(data, at + 1);
                        let (value, end) = parse_at(data, end, depth + 1)?;
                        dict.insert(key, value);
                        at = end;
                    }
                    Some(_) => return Err(format!("byte {at}: a dictionary key is not a name")),
                }
            }
        }
        b'<' => parse_hex(data, pos).map(|(s, end)| (Object::Str(s), end)),
        b'[' => {
            let mut items = Vec::new();
            let mut at = pos + 1;
            loop {
                at = skip_white(data, at);
                match data.get(at) {
                    None => return Err(format!("byte {pos}: array not closed")),
                    Some(b']') => return Ok((Object::Array(items), at + 1)),
                    Some(_) => {
                        let (item, end) = parse_at(data, at, depth + 1)?;
                        items.push(item);
                        at = end;
                    }
                }
            }
        }
        b'+' | b'-' | b'.' | b'0'..=b'9' => parse_number_or_reference(data, pos),
        _ => {
            let (keyword, end) = word(data, pos);
            match keyword {
                b"true" => Ok((Object::Bool(true), end)),
                b"false" => Ok((Object::Bool(false), end)),
                b"null" => Ok((Object::Null, end)),
                _ => Err(format!(
                    "byte {pos}: '{}' is not an object",
                    String::from_utf8_lossy(&keyword[..keyword.len().min(32)])
                )),
            }
        }
    }
}

/// A name's bytes from `pos` (just past its `/`), `#xx` escapes resolved.
fn parse_name(data: &[u8], pos: usize) -> (Vec<u8>, usize) {
    let (raw, end) = word(data, pos);
    let mut name = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'#' && i + 2 < raw.len() {
            if let (Some(h), Some(l)) = (hex_value(raw[i + 1]), hex_value(raw[i + 2])) {
                name.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        name.push(raw[i]);
        i += 1;
    }
    (name, end)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A literal string at `pos` (its `(`): the bytes, escapes resolved, and where it ends.
fn parse_literal(data: &[u8], pos: usize) -> Result<(Vec<u8>, usize), String> {
    let mut out = Vec::new();
    let mut open = 0usize;
    let mut i = pos;
    while i < data.len() {
        let b = data[i];
        match b {
            b'(' => {
                if open > 0 {
                    out.push(b);
                }
                open += 1;
            }
            b')' => {
                open -= 1;
                if open == 0 {
                    return Ok((out, i + 1));
                }
                out.push(b);
            }
            b'\\' => {
                i += 1;
                let Some(&e) = data.get(i) else { break };
                match e {
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'b' => out.push(0x08),
                    b'f' => out.push(0x0C),
                    b'0'..=b'7' => {
                        let mut value = u32::from(e - b'0');
                        for _ in 0..2 {
                            match data.get(i + 1) {
                                Some(d @ b'0'..=b'7') => {
                                    value = value * 8 + u32::from(d - b'0');
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                        out.push(value as u8);
                    }
                    // A line break after a backslash continues the string.
                    b'\r' => {
                        if data.get(i + 1) == Some(&b'\n') {
                            i += 1;
                        }
                    }
                    b'\n' => {}
                    other => out.push(other),
                }
            }
            // An end of line in a string is a line feed, whichever it was.
            b'\r' => {
                out.push(b'\n');
                if data.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    Err(format!("byte {pos}: string not closed"))
}

/// A hexadecimal string at `pos` (its `<`): the bytes and where it ends.
fn parse_hex(data: &[u8], pos: usize) -> Result<(Vec<u8>, usize), String> {
    let mut out = Vec::new();
    let mut high: Option<u8> = None;
    for (i, &b) in data.iter().enumerate().skip(pos + 1) {
        if b == b'>' {
            if let Some(h) = high {
                out.push(h << 4);
            }
            return Ok((out, i + 1));
        }
        if is_white(b) {
            continue;
        }
        let Some(v) = hex_value(b) else {
            return Err(format!("byte {i}: '{}' in a hexadecimal string", b as char));
        };
        match high.take() {
            Some(h) => out.push(h << 4 | v),
            None => high = Some(v),
        }
    }
    Err(format!("byte {pos}: hexadecimal string not closed"))
}

/// A number at `pos`, or the reference `n g R` it starts.
fn parse_number_or_reference(data: &[u8], pos: usize) -> Result<(Object, usize), String> {
    let (text, end) = word(data, pos);
    let number = parse_number(text).ok_or_else(|| {
        format!(
            "byte {pos}: '{}' is not a number",
            String::from_utf8_lossy(&text[..text.len().min(32)])
        )
    })?;
    if let Object::Integer(n) = number {
        if let Some(reference) = reference_after(data, n, end) {
            return Ok(reference);
        }
    }
    Ok((number, end))
}

/// `n g R` when `g R` follows the integer `n` (which ended at `end`).
fn reference_after(data: &[u8], n: i64, end: usize) -> Option<(Object, usize)> {
    let number = u32::try_from(n).ok()?;
    let at = skip_white(data, end);
    if at == end || !data.get(at)?.is_ascii_digit() {
        return None;
    }
    let (gen_text, gen_end) = word(data, at);
    if !gen_text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let generation: u16 = std::str::from_utf8(gen_text).ok()?.parse().ok()?;
    let r = skip_white(data, gen_end);
    if r == gen_end || data.get(r) != Some(&b'R') {
        return None;
    }
    if data.get(r + 1).is_some_and(|b| is_regular(*b)) {
        return None;
    }
    Some((Object::Reference(number, generation), r + 1))
}

/// A PDF number: an integer, or a real (`-.5`, `3.`; an exponent is not PDF syntax but
/// is read).
pub(crate) fn parse_number(text: &[u8]) -> Option<Object> {
    let text = std::str::from_utf8(text).ok()?;
    if text.is_empty() {
        return None;
    }
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(i) = text.parse::<i64>() {
            return Some(Object::Integer(i));
        }
    }
    // Some writers repeat the sign (`--5`); read the last one.
    let trimmed = text.trim_start_matches(['+', '-']);
    let negative = text.len() > trimmed.len() && text[..text.len() - trimmed.len()].ends_with('-');
    let value: f64 = if trimmed.is_empty() || trimmed == "." {
        0.0
    } else {
        trimmed.parse().ok()?
    };
    if !value.is_finite() {
        return None;
    }
    Some(Object::Real(if negative { -value } else { value }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_parse() {
        let data = b"<< /Type /Page /Kids [1 0 R 2 0 R] /N -.5 /S (a\\(b\\)\\101\\\nc) \
                    /H <48 65 6c6> /A#20B true /Z null /I 12 /G [3 4] >> trailing";
        let (object, end) = parse_object(data, 0).unwrap();
        assert_eq!(&data[end..], b" trailing");
        let dict = object.as_dict().unwrap();
        assert_eq!(dict[b"Type".as_slice()], Object::Name(b"Page".to_vec()));
        assert_eq!(
            dict[b"Kids".as_slice()],
            Object::Array(vec![Object::Reference(1, 0), Object::Reference(2, 0)])
        );
        assert_eq!(dict[b"N".as_slice()], Object::Real(-0.5));
        assert_eq!(dict[b"S".as_slice()], Object::Str(b"a(b)Ac".to_vec()));
        assert_eq!(dict[b"H".as_slice()], Object::Str(b"Hel`".to_vec()));
        assert_eq!(dict[b"A B".as_slice()], Object::Bool(true));
        assert_eq!(dict[b"Z".as_slice()], Object::Null);
        assert_eq!(dict[b"I".as_slice()], Object::Integer(12));
        assert_eq!(
            dict[b"G".as_slice()],
            Object::Array(vec![Object::Integer(3), Object::Integer(4)])
        );
    }

    #[test]
    fn damage_is_an_error() {
        assert!(parse_object(b"(open", 0).is_err());
        assert!(parse_object(b"<< /A 1", 0).is_err());
        assert!(parse_object(b"<4x>", 0).is_err());
        assert!(parse_object(b"[1 2", 0).is_err());
        assert!(parse_object(b")", 0).is_err());
        assert!(parse_object(b"", 0).is_err());
        let deep = vec![b'['; 100_000];
        let error = parse_object(&deep, 0).unwrap_err();
        assert!(error.contains("nested deeper than 32"), "{error}");
    }
}
