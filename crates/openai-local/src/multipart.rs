//! A streaming `multipart/form-data` parser: the body is read in chunks and each part's bytes
//! go straight into that part, so memory holds the parts plus one chunk, never the body twice.
//! A field can also be written to disk as it arrives ([`parse_spooling`]): memory then holds
//! one chunk of it at a time, whatever its size.

use std::io::{Read, Write};

use super::http::Failure;
use super::spool::{Spool, SpoolWriter};

/// One form field.
#[derive(Debug, Default)]
pub(crate) struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    /// The bytes, unless they went to disk.
    pub data: Vec<u8>,
    /// The field's bytes on disk, for the field [`parse_spooling`] was asked to spool.
    pub spooled: Option<SpoolWriter>,
    /// The field's size in bytes.
    pub size: usize,
}

/// Bytes read from the body at a time.
const CHUNK: usize = 64 << 10;
/// The largest header block of one part.
const MAX_HEADERS: usize = 16 << 10;
/// The largest value of a field that is not a file.
const MAX_FIELD: usize = 64 << 10;

/// The boundary of a `multipart/form-data` content type, if it is one.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    let mut pieces = content_type.split(';');
    let kind = pieces.next()?.trim();
    if !kind.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    pieces
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
        .filter(|b| !b.is_empty() && b.len() <= 200)
}

enum State {
    Preamble,
    AfterDelimiter,
    Headers,
    Body,
    Done,
}

/// Reads every part of a multipart body. `max_file` bounds the bytes of all parts together.
pub(crate) fn parse(
    body: &mut dyn Read,
    boundary: &str,
    max_file: usize,
) -> Result<Vec<Part>, Failure> {
    parse_spooling(body, boundary, max_file, None)
}

/// [`parse`], writing the bytes of the field named `spool.0` to a file of `spool.1` as they
/// arrive (in [`Part::spooled`]) instead of keeping them in memory. That field may hold up to
/// `max_file` bytes, like a file.
pub(crate) fn parse_spooling(
    body: &mut dyn Read,
    boundary: &str,
    max_file: usize,
    spool: Option<(&str, &Spool)>,
) -> Result<Vec<Part>, Failure> {
    let delimiter = format!("\r\n--{boundary}").into_bytes();
    // The body starts with the boundary line; a virtual CRLF lets one delimiter fit all.
    let mut buf: Vec<u8> = b"\r\n".to_vec();
    let mut parts: Vec<Part> = Vec::new();
    let mut state = State::Preamble;
    let mut total = 0usize;
    let mut eof = false;
    let mut chunk = vec![0u8; CHUNK];
    let malformed =
        |why: &str| Failure::invalid(format!("The multipart body is malformed: {why}."));
    loop {
        let progressed = match state {
            State::Preamble => match find(&buf, &delimiter) {
                Some(at) => {
                    buf.drain(..at + delimiter.len());
                    state = State::AfterDelimiter;
                    true
                }
                None => {
                    let keep = buf.len().saturating_sub(delimiter.len());
                    buf.drain(..keep);
                    false
                }
            },
            State::AfterDelimiter => {
                if buf.len() < 2 {
                    false
                } else if buf.starts_with(b"--") {
                    state = State::Done;
                    true
                } else {
                    // Transport padding (spaces, tabs) may follow the boundary.
                    let pad = buf.iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
                    if buf.len() < pad + 2 {
                        false
                    } else if &buf[pad..pad + 2] == b"\r\n" {
                        buf.drain(..pad + 2);
                        parts.push(Part::default());
                        state = State::Headers;
                        true
                    } else {
                        return Err(malformed("a boundary line has trailing characters"));
                    }
                }
            }
            State::Headers => match find(&buf, b"\r\n\r\n") {
                Some(at) => {
                    let block = String::from_utf8_lossy(&buf[..at]).into_owned();
                    buf.drain(..at + 4);
                    let part = parts.last_mut().ok_or_else(|| malformed("no part"))?;
                    read_headers(&block, part).map_err(|w| malformed(&w))?;
                    if let Some((field, spool)) = spool.filter(|(f, _)| *f == part.name) {
                        let writer = spool.create(field).map_err(|e| {
                            Failure::server(format!(
                                "The upload could not be written to disk: {e}."
                            ))
                        })?;
                        part.spooled = Some(writer);
                    }
                    state = State::Body;
                    true
                }
                None if buf.len() > MAX_HEADERS => {
                    return Err(malformed("a part's headers are too long"))
                }
                None => false,
            },
            State::Body => {
                let part = parts.last_mut().ok_or_else(|| malformed("no part"))?;
                let (take, found) = match find(&buf, &delimiter) {
                    Some(at) => (at, true),
                    None => (buf.len().saturating_sub(delimiter.len()), false),
                };
                total += take;
                let limit = if part.filename.is_some() || part.spooled.is_some() {
                    max_file
                } else {
                    MAX_FIELD
                };
                if part.size + take > limit || total > max_file.saturating_add(MAX_FIELD) {
                    return Err(Failure::new(
                        413,
                        format!(
                            "The form field '{}' is too large (the limit is {limit} bytes).",
                            part.name
                        ),
                    )
                    .param(part.name.clone()));
                }
                match part.spooled.as_mut() {
                    Some(out) => out.write_all(&buf[..take]).map_err(|e| {
                        Failure::server(format!("The upload could not be written to disk: {e}."))
                    })?,
                    None => part.data.extend_from_slice(&buf[..take]),
                }
                part.size += take;
                if found {
                    buf.drain(..take + delimiter.len());
                    state = State::AfterDelimiter;
                } else {
                    buf.drain(..take);
                }
                found
            }
            State::Done => return Ok(parts),
        };
        if progressed {
            continue;
        }
        if eof {
            return Err(malformed("the body ended before the closing boundary"));
        }
        let n = loop {
            match body.read(&mut chunk) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(malformed(&format!("reading it failed ({e})"))),
            }
        };
        buf.extend_from_slice(&chunk[..n]);
        eof = n == 0;
    }
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while haystack.len() - from >= needle.len() {
        let at = from + position_of(first, &haystack[from..])?;
        if haystack.len() - at < needle.len() {
            return None;
        }
        if &haystack[at + 1..at + needle.len()] == rest {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Where `byte` first occurs in `bytes`. The standard library's `skip_until` looks for it
/// with the platform's `memchr`: a body is scanned at memory speed, even in a debug build.
fn position_of(byte: u8, bytes: &[u8]) -> Option<usize> {
    let mut rest = bytes;
    let n = std::io::BufRead::skip_until(&mut rest, byte).ok()?;
    (n > 0 && bytes[n - 1] == byte).then(|| n - 1)
}

fn read_headers(block: &str, part: &mut Part) -> Result<(), String> {
    let mut has_disposition = false;
    for line in block.split("\r\n") {
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("the header line {line:?} has no colon"));
        };
        match name.trim().to_ascii_lowercase().as_str() {
            "content-disposition" => {
                has_disposition = true;
                let params = disposition_params(value);
                let get = |key: &str| {
                    params
                        .iter()
                        .find(|(k, _)| k == key)
                        .map(|(_, v)| v.clone())
                };
                part.name = get("name").ok_or("a part has no name")?;
                part.filename = get("filename*")
                    .map(|v| decode_ext_value(&v))
                    .or_else(|| get("filename"));
            }
            "content-type" => part.content_type = Some(value.trim().to_string()),
            _ => {}
        }
    }
    if has_disposition {
        Ok(())
    } else {
        Err("a part has no Content-Disposition header".into())
    }
}

/// The `key=value` parameters of a Content-Disposition value; keys lowercased, quoted
/// values unescaped.
fn disposition_params(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = value.split_once(';').map_or("", |(_, r)| r);
    loop {
        rest = rest.trim_start_matches([' ', '\t', ';']);
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq].trim().to_ascii_lowercase();
        rest = rest[eq + 1..].trim_start();
        let mut val = String::new();
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => val.extend(chars.next().map(|(_, c)| c)),
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => val.push(c),
                }
            }
            rest = &quoted[end..];
        } else {
            let end = rest.find(';').unwrap_or(rest.len());
            val = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        out.push((key, val));
    }
    out
}

/// Decodes an RFC 5987 value (`UTF-8''na%C3%AFve.txt`).
fn decode_ext_value(v: &str) -> String {
    let encoded = v.splitn(3, '\'').nth(2).unwrap_or(v);
    super::http::percent_decode(encoded, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader handing out the data in pieces of the given sizes, in turn.
    struct Trickle<'a> {
        data: &'a [u8],
        sizes: Vec<usize>,
        turn: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let size = self.sizes[self.turn % self.sizes.len()].max(1);
            self.turn += 1;
            let n = size.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn body(boundary: &str, file: &[u8]) -> Vec<u8> {
        let mut b = format!(
            "preamble\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".txt\"\r\n\
             Content-Type: text/plain\r\n\r\n"
        )
        .into_bytes();
        b.extend_from_slice(file);
        b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        b
    }

    #[test]
    fn parses_fields_and_files_in_any_chunking() {
        let file: Vec<u8> = (0..5000u32)
            .map(|i| (i * 7 % 256) as u8)
            .chain(*b"\r\n--X")
            .collect();
        let data = body("XYZ", &file);
        for sizes in [vec![1], vec![3, 7], vec![64 << 10], vec![2, 100, 1]] {
            let mut r = Trickle {
                data: &data,
                sizes,
                turn: 0,
            };
            let parts = parse(&mut r, "XYZ", 1 << 20).unwrap();
            assert_eq!(parts.len(), 2);
            assert_eq!(
                (parts[0].name.as_str(), parts[0].data.as_slice()),
                ("purpose", &b"assistants"[..])
            );
            assert_eq!(parts[1].filename.as_deref(), Some("a \"b\".txt"));
            assert_eq!(parts[1].content_type.as_deref(), Some("text/plain"));
            assert_eq!(parts[1].data, file);
        }
    }

    #[test]
    fn rejects_bad_bodies_and_limits() {
        let data = body("B", b"hello");
        assert!(parse(&mut &data[..data.len() - 6], "B", 100).is_err());
        assert_eq!(parse(&mut &data[..], "B", 3).unwrap_err().status, 413);
        assert!(parse(&mut &b"--B\r\nNoColon\r\n\r\nx\r\n--B--"[..], "B", 100).is_err());
        assert!(parse(&mut &b"--B\r\nX-A: b\r\n\r\nx\r\n--B--"[..], "B", 100).is_err());
        assert!(parse(&mut &b""[..], "B", 100).is_err());
        let ok = parse(
            &mut &b"--B\r\nContent-Disposition: form-data; name=a\r\n\r\n\r\n--B--"[..],
            "B",
            100,
        )
        .unwrap();
        assert_eq!((ok[0].name.as_str(), ok[0].data.len()), ("a", 0));
    }

    #[test]
    fn a_spooled_field_goes_to_disk_in_any_chunking_and_keeps_its_limit() {
        use std::io::Read as _;
        let spool = Spool::new(&std::env::temp_dir());
        let file: Vec<u8> = (0..200_000u32).map(|i| (i * 13 % 251) as u8).collect();
        let data = with_data_field(body("SP", &file));
        for sizes in [vec![1, 4093], vec![64 << 10], vec![7]] {
            let mut r = Trickle {
                data: &data,
                sizes,
                turn: 0,
            };
            let parts = parse_spooling(&mut r, "SP", 1 << 20, Some(("data", &spool))).unwrap();
            assert_eq!(parts[0].data, b"assistants", "other fields stay in memory");
            let part = parts.into_iter().nth(1).unwrap();
            assert_eq!((part.data.len(), part.size), (0, file.len()));
            let spooled = part.spooled.unwrap().finish().unwrap();
            let mut back = Vec::new();
            super::super::spool::Content::Spooled(std::sync::Arc::new(vec![spooled]))
                .reader()
                .read_to_end(&mut back)
                .unwrap();
            assert!(back == file, "the bytes on disk differ");
        }
        let too_big = parse_spooling(&mut &data[..], "SP", 1000, Some(("data", &spool)));
        assert_eq!(too_big.unwrap_err().param.as_deref(), Some("data"));
    }

    /// `body` with its file field named `data`.
    fn with_data_field(body: Vec<u8>) -> Vec<u8> {
        let needle = b"name=\"file\"";
        let at = body
            .windows(needle.len())
            .position(|w| w == needle)
            .expect("a file field");
        let mut out = body[..at].to_vec();
        out.extend_from_slice(b"name=\"data\"");
        out.extend_from_slice(&body[at + needle.len()..]);
        out
    }

    #[test]
    fn find_agrees_with_a_plain_search() {
        let plain = |h: &[u8], n: &[u8]| h.windows(n.len()).position(|w| w == n);
        let hay = b"\r\r\n-\r\n--B\r\n--\r\n--Bx";
        for needle in [
            &b"\r\n--B"[..],
            b"\r",
            b"x",
            b"\r\n--Bx",
            b"B\r",
            b"zz",
            b"\r\n--Bxy",
        ] {
            for start in 0..hay.len() {
                assert_eq!(
                    find(&hay[start..], needle),
                    plain(&hay[start..], needle),
                    "{needle:?} from {start}"
                );
            }
        }
        assert_eq!(find(b"abc", b""), None);
        assert_eq!(position_of(b'c', b"abc"), Some(2));
        assert_eq!(position_of(b'd', b"abc"), None);
        assert_eq!(position_of(b'a', b""), None);
    }

    #[test]
    fn boundary_from_content_type() {
        assert_eq!(
            boundary("multipart/form-data; boundary=\"a b\"").as_deref(),
            Some("a b")
        );
        assert_eq!(
            boundary("Multipart/Form-Data;charset=x; BOUNDARY=z").as_deref(),
            Some("z")
        );
        assert_eq!(boundary("application/json"), None);
        assert_eq!(boundary("multipart/form-data"), None);
    }

    #[test]
    fn filename_star_is_decoded() {
        let mut p = Part::default();
        read_headers(
            "Content-Disposition: form-data; name=file; filename*=UTF-8''na%C3%AFve.txt",
            &mut p,
        )
        .unwrap();
        assert_eq!(p.filename.as_deref(), Some("naïve.txt"));
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut seed = 99u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        let valid = body("QQ", b"file body");
        for round in 0..2000 {
            let mut data = if round % 2 == 0 {
                valid.clone()
            } else {
                Vec::new()
            };
            let len = next() % 300;
            for _ in 0..len {
                let pos = if data.is_empty() {
                    0
                } else {
                    next() % data.len()
                };
                let byte = b"-\r\nQ\":;=abc "[next() % 12];
                if next() % 2 == 0 && !data.is_empty() {
                    data[pos] = byte;
                } else {
                    data.insert(pos, byte);
                }
            }
            let sizes = vec![1 + next() % 50];
            let _ = parse(
                &mut Trickle {
                    data: &data,
                    sizes,
                    turn: 0,
                },
                "QQ",
                1000,
            );
            let _ = disposition_params(&String::from_utf8_lossy(&data));
        }
    }
}
