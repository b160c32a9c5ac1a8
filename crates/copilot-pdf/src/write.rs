//! Writing PDF objects: a serializer for the crate's [`Object`], and the two ways an edited
//! [`Document`] is saved.
//!
//! * **Incremental update** (an input whose cross-reference sections are intact): the
//!   input's bytes unchanged, then the new and changed objects, a new cross-reference
//!   section (a classic `xref` table when the input's newest section is one, else an
//!   uncompressed cross-reference stream) and a trailer with `/Prev`. Nothing of the original
//!   is rewritten, so digital signatures over it stay valid. The objects of an encrypted
//!   input's update are encrypted with its key (RC4, or AES-CBC with PKCS#7 padding).
//! * **Full rewrite** (an input whose cross-reference table had to be rebuilt, or an
//!   encrypted one whose crypt filter is not one an update can reproduce): every object
//!   reachable from the trailer, decrypted and renumbered, with a classic table; `/Encrypt`
//!   is dropped.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::io::Write as _;

use super::crypt::{self, Cipher};
use super::xref;

use super::raw::{DictExt, Dictionary, Document, Encryption, Object, ObjectId};

/// Writes `object` in PDF syntax.
pub(crate) fn write_object(out: &mut Vec<u8>, object: &Object) {
    match object {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Bool(true) => out.extend_from_slice(b"true"),
        Object::Bool(false) => out.extend_from_slice(b"false"),
        Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => write_real(out, *r),
        Object::Name(name) => write_name(out, name),
        Object::Str(bytes) => write_string(out, bytes),
        Object::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b' ');
                }
                write_object(out, item);
            }
            out.push(b']');
        }
        Object::Dict(dict) => write_dict(out, dict),
        Object::Stream(stream) => {
            let mut dict = stream.dict.clone();
            dict.set("Length", Object::Integer(stream.raw_data.len() as i64));
            write_dict(out, &dict);
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&stream.raw_data);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference(number, generation) => {
            out.extend_from_slice(format!("{number} {generation} R").as_bytes())
        }
    }
}

fn write_dict(out: &mut Vec<u8>, dict: &Dictionary) {
    out.extend_from_slice(b"<<");
    for (key, value) in dict {
        write_name(out, key);
        out.push(b' ');
        write_object(out, value);
    }
    out.extend_from_slice(b">>");
}

/// A real number in plain decimal notation (PDF has no exponent syntax), at most ten
/// decimals, without trailing zeros but with one decimal at least, so that it reads back as a
/// real. A number that is not finite is written as 0.0.
fn write_real(out: &mut Vec<u8>, value: f64) {
    let text = if value.is_finite() {
        format!("{value:.10}")
    } else {
        String::new()
    };
    let text = text.trim_end_matches('0');
    match text {
        "" | "-0." | "0." => out.extend_from_slice(b"0.0"),
        text if text.ends_with('.') => {
            out.extend_from_slice(text.as_bytes());
            out.push(b'0');
        }
        text => out.extend_from_slice(text.as_bytes()),
    }
}

/// A name: `/` and its bytes, with `#xx` for white space, delimiters, `#` and bytes outside
/// printable ASCII (ISO 32000-1, 7.3.5).
fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    for &b in name {
        let plain = (0x21..=0x7E).contains(&b)
            && !matches!(
                b,
                b'#' | b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
            );
        if plain {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

/// A string: literal, with `\`, parentheses and line ends escaped, when it is printable
/// text; hexadecimal otherwise.
fn write_string(out: &mut Vec<u8>, bytes: &[u8]) {
    let printable = bytes
        .iter()
        .all(|&b| (0x20..=0x7E).contains(&b) || matches!(b, b'\n' | b'\r' | b'\t'));
    if printable {
        out.push(b'(');
        for &b in bytes {
            match b {
                b'\\' | b'(' | b')' => out.extend_from_slice(&[b'\\', b]),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                _ => out.push(b),
            }
        }
        out.push(b')');
    } else {
        out.push(b'<');
        for b in bytes {
            out.extend_from_slice(format!("{b:02X}").as_bytes());
        }
        out.push(b'>');
    }
}

/// `n g obj … endobj`.
fn write_indirect(out: &mut Vec<u8>, id: ObjectId, object: &Object) {
    out.extend_from_slice(format!("{} {} obj\n", id.0, id.1).as_bytes());
    write_object(out, object);
    out.extend_from_slice(b"\nendobj\n");
}

/// A stream of `data`, Flate-compressed, with `dict`'s entries.
pub(crate) fn flate_stream(mut dict: Dictionary, data: &[u8]) -> Result<Object, String> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(data)
        .and_then(|()| encoder.finish())
        .map(|compressed| {
            dict.set("Filter", super::raw::name("FlateDecode"));
            Object::Stream(super::raw::Stream {
                dict,
                raw_data: compressed,
            })
        })
        .map_err(|e| format!("stream could not be compressed: {e}"))
}

/// Saves the edited `doc`, read from `original`: an incremental update when the input
/// allows one, else a full rewrite (see the module docs).
pub(crate) fn save(doc: &Document, original: &[u8]) -> Result<Vec<u8>, String> {
    let encryption_known = !doc.is_encrypted() || doc.encryption.is_some();
    if doc.xref_reconstructed() || !encryption_known {
        return Ok(full_rewrite(doc));
    }
    match xref::find_startxref(original) {
        Some(previous) => incremental(doc, original, previous),
        None => Ok(full_rewrite(doc)),
    }
}

/// The trailer entries a copy carries over (`/Encrypt` only in an update: a full rewrite
/// is written decrypted).
fn carried_trailer(doc: &Document, with_encrypt: bool) -> Dictionary {
    let mut trailer = Dictionary::new();
    for key in ["Root", "Info", "ID", "Encrypt"] {
        if key == "Encrypt" && !with_encrypt {
            continue;
        }
        if let Some(value) = doc.trailer.at(key.as_bytes()) {
            trailer.set(key, value.clone());
        }
    }
    trailer
}

/// `object`, object `id` of a document encrypted with `encryption`, with its strings and
/// stream data encrypted as the document's are (a metadata stream stays plain when the
/// document says metadata is not encrypted).
fn encrypted(object: &Object, id: ObjectId, encryption: &Encryption) -> Object {
    let key = crypt::object_key(&encryption.key, id, encryption.cipher);
    let mut counter = 0u64;
    encrypt_in(object, id, &key, encryption, &mut counter)
}

fn encrypt_in(
    object: &Object,
    id: ObjectId,
    key: &[u8],
    encryption: &Encryption,
    counter: &mut u64,
) -> Object {
    match object {
        Object::Str(bytes) => {
            *counter += 1;
            Object::Str(seal(bytes, id, *counter, key, encryption.cipher))
        }
        Object::Array(items) => Object::Array(
            items
                .iter()
                .map(|item| encrypt_in(item, id, key, encryption, counter))
                .collect(),
        ),
        Object::Dict(dict) => Object::Dict(encrypt_dict(dict, id, key, encryption, counter)),
        Object::Stream(stream) => {
            let metadata = stream.dict.at(b"Type").and_then(Object::as_name) == Some(b"Metadata");
            let raw_data = if metadata && !encryption.encrypt_metadata {
                stream.raw_data.clone()
            } else {
                *counter += 1;
                seal(&stream.raw_data, id, *counter, key, encryption.cipher)
            };
            Object::Stream(super::raw::Stream {
                dict: encrypt_dict(&stream.dict, id, key, encryption, counter),
                raw_data,
            })
        }
        other => other.clone(),
    }
}

fn encrypt_dict(
    dict: &Dictionary,
    id: ObjectId,
    key: &[u8],
    encryption: &Encryption,
    counter: &mut u64,
) -> Dictionary {
    dict.iter()
        .map(|(k, v)| (k.clone(), encrypt_in(v, id, key, encryption, counter)))
        .collect()
}

/// `data` encrypted with an object's `key`: RC4, or AES-CBC with PKCS#7 padding behind a
/// 16-byte initialization vector. The vector is the AES encryption (under the same key) of
/// the object's id and a counter: unpredictable without the key, never repeated within a
/// file's update, and no random source needed.
fn seal(data: &[u8], id: ObjectId, counter: u64, key: &[u8], cipher: Cipher) -> Vec<u8> {
    if cipher == Cipher::Rc4 {
        return crypt::rc4(key, data); // RC4 is its own inverse
    }
    let mut block = [0u8; 16];
    block[..4].copy_from_slice(&id.0.to_be_bytes());
    block[4..6].copy_from_slice(&id.1.to_be_bytes());
    block[8..].copy_from_slice(&counter.to_be_bytes());
    let iv = crypt::aes_encrypt_block(key, block);
    let mut out = iv.to_vec();
    let mut chain = iv;
    let pad = 16 - data.len() % 16;
    let mut padded = data.to_vec();
    padded.extend(std::iter::repeat_n(pad as u8, pad));
    for chunk in padded.chunks_exact(16) {
        let mut block = [0u8; 16];
        for (slot, (a, b)) in block.iter_mut().zip(chunk.iter().zip(&chain)) {
            *slot = a ^ b;
        }
        chain = crypt::aes_encrypt_block(key, block);
        out.extend_from_slice(&chain);
    }
    out
}

/// The input's bytes, then the changed objects and a cross-reference section.
fn incremental(doc: &Document, original: &[u8], previous: usize) -> Result<Vec<u8>, String> {
    let mut out = original.to_vec();
    if !matches!(out.last(), Some(b'\n' | b'\r')) {
        out.push(b'\n');
    }
    let mut offsets: BTreeMap<ObjectId, usize> = BTreeMap::new();
    for id in objects_to_update(doc) {
        let Some(object) = doc.changed.get(&id) else {
            continue;
        };
        offsets.insert(id, out.len());
        match &doc.encryption {
            Some(encryption) => write_indirect(&mut out, id, &encrypted(object, id, encryption)),
            None => write_indirect(&mut out, id, object),
        }
    }
    if offsets.is_empty() {
        // Nothing changed: the input is its own copy (an empty cross-reference table would
        // not be valid).
        return Ok(original.to_vec());
    }
    let mut trailer = carried_trailer(doc, true);
    trailer.set("Prev", Object::Integer(previous as i64));
    let newest_is_table = original[previous..]
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .is_some_and(|at| original[previous + at..].starts_with(b"xref"));
    let section_at = out.len();
    if newest_is_table {
        trailer.set("Size", Object::Integer(i64::from(doc.next_number())));
        out.extend_from_slice(b"xref\n");
        for run in runs(&offsets) {
            out.extend_from_slice(format!("{} {}\n", run[0].0 .0, run.len()).as_bytes());
            for ((_, generation), offset) in run {
                out.extend_from_slice(format!("{offset:010} {generation:05} n\r\n").as_bytes());
            }
        }
        out.extend_from_slice(b"trailer\n");
        write_dict(&mut out, &trailer);
        out.push(b'\n');
    } else {
        // A cross-reference stream, listing itself too.
        let id = (doc.next_number(), 0);
        offsets.insert(id, section_at);
        let width = (usize::BITS - section_at.leading_zeros())
            .div_ceil(8)
            .max(1) as usize;
        let mut data = Vec::new();
        let mut index = Vec::new();
        for run in runs(&offsets) {
            index.push(Object::Integer(i64::from(run[0].0 .0)));
            index.push(Object::Integer(run.len() as i64));
            for ((_, generation), offset) in run {
                data.push(1);
                data.extend_from_slice(&offset.to_be_bytes()[usize::BITS as usize / 8 - width..]);
                data.extend_from_slice(&generation.to_be_bytes());
            }
        }
        trailer.set("Type", super::raw::name("XRef"));
        trailer.set("Size", Object::Integer(i64::from(id.0) + 1));
        trailer.set(
            "W",
            Object::Array(vec![
                Object::Integer(1),
                Object::Integer(width as i64),
                Object::Integer(2),
            ]),
        );
        trailer.set("Index", Object::Array(index));
        let stream = Object::Stream(super::raw::Stream {
            dict: trailer,
            raw_data: data,
        });
        write_indirect(&mut out, id, &stream);
    }
    out.extend_from_slice(format!("startxref\n{section_at}\n%%EOF\n").as_bytes());
    Ok(out)
}

/// The changed objects an update writes: not those looked at for a change that was not
/// made, nor added objects nothing refers to any more (a structure parent tree replaced by a
/// later step of the same edit).
fn objects_to_update(doc: &Document) -> Vec<ObjectId> {
    let mut kept: Vec<ObjectId> = doc
        .changed
        .iter()
        .filter(|(id, object)| doc.loaded(**id) != Some(*object))
        .map(|(id, _)| *id)
        .collect();
    loop {
        let mut referenced: HashSet<ObjectId> = HashSet::new();
        for_each_reference(&Object::Dict(doc.trailer.clone()), &mut |id| {
            referenced.insert(id);
        });
        for id in &kept {
            if let Some(object) = doc.changed.get(id) {
                for_each_reference(object, &mut |to| {
                    if to != *id {
                        referenced.insert(to);
                    }
                });
            }
        }
        let before = kept.len();
        kept.retain(|id| !doc.is_added(*id) || referenced.contains(id));
        if kept.len() == before {
            return kept;
        }
    }
}

/// `offsets` in runs of consecutive object numbers.
fn runs(offsets: &BTreeMap<ObjectId, usize>) -> Vec<Vec<(ObjectId, usize)>> {
    let mut runs: Vec<Vec<(ObjectId, usize)>> = Vec::new();
    for (&id, &offset) in offsets {
        match runs.last_mut() {
            Some(run)
                if run
                    .last()
                    .is_some_and(|(last, _)| last.0.checked_add(1) == Some(id.0)) =>
            {
                run.push((id, offset))
            }
            _ => runs.push(vec![(id, offset)]),
        }
    }
    runs
}

/// Every object reachable from the trailer's `/Root` and `/Info`, renumbered from 1 and
/// written decrypted with a classic cross-reference table.
fn full_rewrite(doc: &Document) -> Vec<u8> {
    // Number the reachable objects in the order they are found.
    let mut numbers: HashMap<ObjectId, u32> = HashMap::new();
    let mut order: Vec<ObjectId> = Vec::new();
    let mut queue: VecDeque<ObjectId> = VecDeque::new();
    let trailer = carried_trailer(doc, false);
    let visit = |object: &Object,
                 numbers: &mut HashMap<ObjectId, u32>,
                 order: &mut Vec<ObjectId>,
                 queue: &mut VecDeque<ObjectId>| {
        for_each_reference(object, &mut |id| {
            if doc.get_object(id).is_some() && !numbers.contains_key(&id) {
                numbers.insert(id, order.len() as u32 + 1);
                order.push(id);
                queue.push_back(id);
            }
        });
    };
    visit(
        &Object::Dict(trailer.clone()),
        &mut numbers,
        &mut order,
        &mut queue,
    );
    while let Some(id) = queue.pop_front() {
        if let Some(object) = doc.get_object(id) {
            visit(object, &mut numbers, &mut order, &mut queue);
        }
    }

    let version = if doc.version() < "1.4" || doc.version().len() != 3 {
        "1.4"
    } else {
        doc.version()
    };
    let mut out = format!("%PDF-{version}\n%").into_bytes();
    out.extend_from_slice(&[0xE2, 0xE3, 0xCF, 0xD3, b'\n']);
    let mut offsets = Vec::with_capacity(order.len());
    for (index, id) in order.iter().enumerate() {
        let Some(object) = doc.get_object(*id) else {
            continue;
        };
        offsets.push(out.len());
        let renumbered = renumber(object, &numbers);
        write_indirect(&mut out, (index as u32 + 1, 0), &renumbered);
    }
    let section_at = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f\r\n", offsets.len() + 1).as_bytes(),
    );
    for offset in &offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n\r\n").as_bytes());
    }
    let mut trailer = match renumber(&Object::Dict(trailer), &numbers) {
        Object::Dict(d) => d,
        _ => Dictionary::new(),
    };
    trailer.set("Size", Object::Integer(offsets.len() as i64 + 1));
    out.extend_from_slice(b"trailer\n");
    write_dict(&mut out, &trailer);
    out.extend_from_slice(format!("\nstartxref\n{section_at}\n%%EOF\n").as_bytes());
    out
}

/// Calls `f` with every reference inside `object`.
fn for_each_reference(object: &Object, f: &mut impl FnMut(ObjectId)) {
    match object {
        Object::Reference(number, generation) => f((*number, *generation)),
        Object::Array(items) => items.iter().for_each(|item| for_each_reference(item, f)),
        Object::Dict(dict) => dict.values().for_each(|value| for_each_reference(value, f)),
        Object::Stream(stream) => stream
            .dict
            .values()
            .for_each(|value| for_each_reference(value, f)),
        _ => {}
    }
}

/// `object` with its references renumbered; a reference to an object that is not written
/// becomes `null` (what a reader makes of it anyway).
fn renumber(object: &Object, numbers: &HashMap<ObjectId, u32>) -> Object {
    match object {
        Object::Reference(number, generation) => match numbers.get(&(*number, *generation)) {
            Some(new) => Object::Reference(*new, 0),
            None => Object::Null,
        },
        Object::Array(items) => {
            Object::Array(items.iter().map(|item| renumber(item, numbers)).collect())
        }
        Object::Dict(dict) => Object::Dict(renumber_dict(dict, numbers)),
        Object::Stream(stream) => Object::Stream(super::raw::Stream {
            dict: renumber_dict(&stream.dict, numbers),
            raw_data: stream.raw_data.clone(),
        }),
        other => other.clone(),
    }
}

fn renumber_dict(dict: &Dictionary, numbers: &HashMap<ObjectId, u32>) -> Dictionary {
    dict.iter()
        .map(|(key, value)| (key.clone(), renumber(value, numbers)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_object;

    fn written(object: &Object) -> Vec<u8> {
        let mut out = Vec::new();
        write_object(&mut out, object);
        out
    }

    fn round_trip(object: &Object) -> Object {
        let bytes = written(object);
        parse_object(&bytes, 0).expect("written objects parse").0
    }

    #[test]
    fn names_escape_delimiters_white_space_and_non_ascii() {
        let name = Object::Name(b"A B#(x)/\xE9\x00".to_vec());
        assert_eq!(written(&name), b"/A#20B#23#28x#29#2F#E9#00");
        assert_eq!(round_trip(&name), name);
    }

    #[test]
    fn strings_escape_parentheses_backslashes_and_line_ends() {
        let text = Object::Str(b"a(b)c\\d\re\nf".to_vec());
        assert_eq!(written(&text), b"(a\\(b\\)c\\\\d\\re\\nf)");
        assert_eq!(round_trip(&text), text);
        let binary = Object::Str(vec![0xFE, 0xFF, 0x00, 0x41, 0x29]);
        assert_eq!(written(&binary), b"<FEFF004129>");
        assert_eq!(round_trip(&binary), binary);
    }

    #[test]
    fn reals_have_no_exponent() {
        let cases = [
            (1.5, "1.5"),
            (-0.25, "-0.25"),
            (3.0, "3.0"),
            (-72.0, "-72.0"),
            (1e20, "100000000000000000000.0"),
            (1e-12, "0.0"),
            (-1e-12, "0.0"),
            (f64::NAN, "0.0"),
            (0.0, "0.0"),
            (0.1, "0.1"),
        ];
        for (value, text) in cases {
            assert_eq!(written(&Object::Real(value)), text.as_bytes(), "{value}");
        }
    }

    #[test]
    fn composite_objects_round_trip() {
        let mut inner = Dictionary::new();
        inner.set("MCID", Object::Integer(3));
        inner.set("Alt", Object::Str(b"x".to_vec()));
        let mut dict = Dictionary::new();
        dict.set(
            "K",
            Object::Array(vec![Object::Reference(4, 0), Object::Null]),
        );
        dict.set("B", Object::Bool(false));
        dict.set("D", Object::Dict(inner));
        dict.set("R", Object::Real(-72.125));
        let object = Object::Dict(dict);
        assert_eq!(round_trip(&object), object);
    }

    #[test]
    fn a_stream_gets_its_length() {
        let mut dict = Dictionary::new();
        dict.set("Length", Object::Integer(999));
        let stream = Object::Stream(super::super::raw::Stream {
            dict,
            raw_data: b"endstream?\n0 1".to_vec(),
        });
        let bytes = written(&stream);
        assert!(bytes.starts_with(b"<</Length 14>>\nstream\n"), "{bytes:?}");
        let mut indirect = b"1 0 obj\n".to_vec();
        indirect.extend_from_slice(&bytes);
        let read = crate::xref::indirect_stream(&indirect, 0).expect("the stream reads back");
        assert_eq!(Object::Stream(read), stream_with_length(&stream, 14));
    }

    fn stream_with_length(stream: &Object, length: i64) -> Object {
        let Object::Stream(s) = stream else {
            unreachable!()
        };
        let mut s = s.clone();
        s.dict.set("Length", Object::Integer(length));
        Object::Stream(s)
    }
}
