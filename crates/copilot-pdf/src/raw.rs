//! A thin layer over unpdf's object-level parser (`unpdf::parser::raw`): a [`Document`] that
//! reads objects from a loaded [`RawDocument`] and keeps the objects an edit adds or changes
//! apart (they are what an incremental update writes), dictionary helpers, stream decoding
//! within [`MAX_STREAM_BYTES`], and a content-stream tokenizer whose operations can be
//! written back.
//!
//! Two things unpdf 0.52.1's `RawDocument` does not do are done here: the objects a
//! hybrid-reference file lists only in its `/XRefStm` streams (Word's structure trees) are
//! read, and an encrypted file's key is computed again (unpdf keeps it private) so that an
//! update can be encrypted with it.

use std::collections::{BTreeMap, HashMap, HashSet};

use unpdf::parser::raw::crypt::{self, Cipher, EncryptionParams};
use unpdf::parser::raw::{stream as raw_stream, tokenizer, xref};
pub(crate) use unpdf::parser::raw::{
    PdfDict as Dictionary, PdfObject as Object, PdfStream as Stream, RawDocument,
};

use super::{damaged, looks_truncated, preflight, PdfDocument, PdfError, MAX_STREAM_BYTES};

/// An object's number and generation.
pub(crate) type ObjectId = (u32, u16);

/// A loaded PDF: the parsed objects (decrypted when the empty user password opened the file)
/// and the objects added or changed since.
pub(crate) struct Document {
    raw: RawDocument,
    /// Objects of a hybrid-reference file that only its `/XRefStm` streams list: unpdf
    /// 0.52.1 reads the classic tables of such a file and not those streams.
    hybrid: HashMap<ObjectId, Object>,
    /// Objects added or changed by an edit, by id.
    pub(crate) changed: BTreeMap<ObjectId, Object>,
    /// The trailer (of the newest cross-reference section); an edit may change it.
    pub(crate) trailer: Dictionary,
    /// Pages in order (1-based number → page object), read once: edits add no pages.
    pages: BTreeMap<u32, ObjectId>,
    /// The next object number no object of the file uses.
    next_number: u32,
    /// The first number of an added object.
    first_added: u32,
    /// How the file's objects are encrypted, when it is (and opened with the empty user
    /// password): what an update's objects are encrypted with too.
    pub(crate) encryption: Option<Encryption>,
}

/// The file key of an encrypted document and how it encrypts strings and streams.
pub(crate) struct Encryption {
    /// The file encryption key.
    pub(crate) key: Vec<u8>,
    /// RC4, AES-128 or AES-256.
    pub(crate) cipher: Cipher,
    /// Whether metadata streams are encrypted (`/EncryptMetadata`, true by default).
    pub(crate) encrypt_metadata: bool,
}

/// The encryption of a loaded document: its standard security handler's parameters, and the
/// file key the empty user password gives (unpdf computes it to load the file and keeps it
/// to itself, so it is computed again here).
fn encryption(raw: &RawDocument) -> Option<Encryption> {
    let trailer = raw.trailer();
    let dict = match trailer.at(b"Encrypt")? {
        Object::Dict(d) => d,
        other => raw.get_dict(other.as_reference()?).ok()?,
    };
    let int = |key: &[u8]| dict.at(key).and_then(Object::as_i64);
    let bytes = |key: &[u8]| {
        dict.at(key)
            .and_then(Object::as_str_bytes)
            .map(<[u8]>::to_vec)
    };
    let revision = u32::try_from(int(b"R")?).ok()?;
    let cipher = if revision >= 5 {
        Cipher::Aes256
    } else if revision == 4 {
        let filter = dict
            .at(b"StmF")
            .and_then(Object::as_name)
            .unwrap_or(b"Identity");
        let method = dict
            .at(b"CF")
            .and_then(Object::as_dict)
            .and_then(|cf| cf.at(filter))
            .and_then(Object::as_dict)
            .and_then(|f| f.at(b"CFM"))
            .and_then(Object::as_name);
        match method {
            Some(b"AESV2") => Cipher::Aes128,
            Some(b"AESV3") => Cipher::Aes256,
            Some(b"V2") => Cipher::Rc4,
            // An identity (or unknown) filter: an update could not match what is in the file.
            _ => return None,
        }
    } else {
        Cipher::Rc4
    };
    let encrypt_metadata = !matches!(dict.at(b"EncryptMetadata"), Some(Object::Bool(false)));
    let params = EncryptionParams {
        version: u32::try_from(int(b"V").unwrap_or(0)).ok()?,
        revision,
        key_length: u32::try_from(int(b"Length").unwrap_or(40)).ok()?,
        owner_hash: bytes(b"O")?,
        user_hash: bytes(b"U")?,
        permissions: int(b"P").unwrap_or(0) as i32,
        file_id: trailer
            .at(b"ID")
            .and_then(Object::as_array)
            .and_then(|id| id.first())
            .and_then(Object::as_str_bytes)
            .map(<[u8]>::to_vec)
            .unwrap_or_default(),
        cipher,
        owner_key: bytes(b"OE").unwrap_or_default(),
        user_key: bytes(b"UE").unwrap_or_default(),
        encrypt_metadata,
    };
    let key = if revision >= 5 {
        crypt::authenticate_aes256(&params, b"")?
    } else {
        crypt::authenticate_user_password(&params, b"")?
    };
    Some(Encryption {
        key,
        cipher,
        encrypt_metadata,
    })
}

impl Document {
    /// Loads `bytes` (decrypting with the empty user password).
    fn load(bytes: &[u8]) -> Result<Self, unpdf::Error> {
        let raw = RawDocument::load(bytes)?;
        let hybrid = if raw.xref_reconstructed() {
            HashMap::new()
        } else {
            hybrid_objects(bytes, &raw)
        };
        let trailer = raw.trailer().clone();
        let size = trailer
            .get(b"Size".as_slice())
            .and_then(Object::as_i64)
            .and_then(|s| u32::try_from(s).ok())
            .unwrap_or(0);
        // The largest number the cross-reference sections know, in case /Size is too small.
        let table = if raw.xref_reconstructed() {
            xref::reconstruct(bytes).ok().map(|(table, _)| table)
        } else {
            xref::parse_xref_chain(bytes).ok().map(|(table, _)| table)
        };
        let largest = table
            .iter()
            .flat_map(|t| t.entries.keys())
            .chain(hybrid.keys())
            .map(|(number, _)| *number)
            .max()
            .unwrap_or(0);
        let next_number = size.max(largest.saturating_add(1)).max(1);
        let encryption = if raw.is_encrypted() {
            encryption(&raw)
        } else {
            None
        };
        let mut doc = Document {
            raw,
            hybrid,
            changed: BTreeMap::new(),
            trailer,
            pages: BTreeMap::new(),
            next_number,
            first_added: next_number,
            encryption,
        };
        doc.pages = if doc.hybrid.is_empty() {
            doc.raw.pages()
        } else {
            page_tree(&doc)
        };
        Ok(doc)
    }

    /// Whether the cross-reference table was rebuilt by scanning the file (so byte offsets in
    /// the file cannot be trusted for an incremental update).
    pub(crate) fn xref_reconstructed(&self) -> bool {
        self.raw.xref_reconstructed()
    }

    /// Whether the file was encrypted (and opened with the empty user password).
    pub(crate) fn is_encrypted(&self) -> bool {
        self.raw.is_encrypted()
    }

    /// The header's version (`1.7`).
    pub(crate) fn version(&self) -> &str {
        &self.raw.version
    }

    /// The object `id`: as changed, else as loaded.
    pub(crate) fn get_object(&self, id: ObjectId) -> Option<&Object> {
        self.changed.get(&id).or_else(|| self.loaded(id))
    }

    /// The dictionary object `id` is (a stream's dictionary too), references followed.
    pub(crate) fn get_dictionary(&self, id: ObjectId) -> Option<&Dictionary> {
        match deref(self, self.get_object(id)?) {
            Object::Dict(d) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }

    /// The object `id` as loaded from the file.
    pub(crate) fn loaded(&self, id: ObjectId) -> Option<&Object> {
        self.raw.get_object(id).or_else(|| self.hybrid.get(&id))
    }

    /// The object `id`, to change: copied into the changed objects first.
    pub(crate) fn get_object_mut(&mut self, id: ObjectId) -> Option<&mut Object> {
        if !self.changed.contains_key(&id) {
            let loaded = self.loaded(id)?.clone();
            self.changed.insert(id, loaded);
        }
        self.changed.get_mut(&id)
    }

    /// The dictionary object `id` is (or a stream's dictionary), to change.
    pub(crate) fn get_dictionary_mut(&mut self, id: ObjectId) -> Option<&mut Dictionary> {
        match self.get_object(id)? {
            Object::Dict(_) | Object::Stream(_) => {}
            _ => return None,
        }
        match self.get_object_mut(id)? {
            Object::Dict(d) => Some(d),
            Object::Stream(s) => Some(&mut s.dict),
            _ => None,
        }
    }

    /// A number for a new object.
    pub(crate) fn new_object_id(&mut self) -> ObjectId {
        let id = (self.next_number, 0);
        self.next_number = self.next_number.saturating_add(1);
        id
    }

    /// Adds `object` under a new number.
    pub(crate) fn add_object(&mut self, object: Object) -> ObjectId {
        let id = self.new_object_id();
        self.changed.insert(id, object);
        id
    }

    /// Sets object `id` (new, or replacing the loaded one).
    pub(crate) fn insert(&mut self, id: ObjectId, object: Object) {
        self.changed.insert(id, object);
    }

    /// The number past every object's.
    pub(crate) fn next_number(&self) -> u32 {
        self.next_number
    }

    /// Whether `id` was added by an edit (rather than loaded from the file).
    pub(crate) fn is_added(&self, id: ObjectId) -> bool {
        id.0 >= self.first_added
    }

    /// The catalog (`/Root`).
    pub(crate) fn catalog(&self) -> Option<&Dictionary> {
        as_dict(self, self.trailer.at(b"Root")?)
    }

    /// Pages in order: 1-based number → page object.
    pub(crate) fn get_pages(&self) -> &BTreeMap<u32, ObjectId> {
        &self.pages
    }
}

/// The page count the document's page tree declares (`/Count` of its root), if any.
pub(crate) fn declared_page_count(doc: &Document) -> Option<u32> {
    let root = doc.catalog()?.at(b"Pages")?;
    let count = as_dict(doc, root)?.at(b"Count")?;
    u32::try_from(deref(doc, count).as_i64()?).ok()
}

/// The pages of `doc` in order, found by walking its page tree (as unpdf does, over the
/// objects of `doc`, those only an `/XRefStm` lists included).
fn page_tree(doc: &Document) -> BTreeMap<u32, ObjectId> {
    let mut pages = BTreeMap::new();
    let Some(root) = doc
        .catalog()
        .and_then(|c| c.at(b"Pages"))
        .and_then(Object::as_reference)
    else {
        return pages;
    };
    let mut visited = HashSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if !visited.insert(id) {
            continue;
        }
        let Some(node) = doc.get_dictionary(id) else {
            continue;
        };
        match node.at(b"Type").and_then(Object::as_name) {
            Some(b"Page") => {
                pages.insert(pages.len() as u32 + 1, id);
            }
            Some(b"Pages") | None => {
                if let Some(Object::Array(kids)) = node.at(b"Kids").map(|k| deref(doc, k)) {
                    stack.extend(kids.iter().rev().filter_map(Object::as_reference));
                }
            }
            Some(_) => {}
        }
    }
    pages
}

/// The objects of a hybrid-reference file (ISO 32000-1, 7.5.8.4) that only the
/// cross-reference streams its trailers name by `/XRefStm` list, and the loaded document
/// lacks: unpdf 0.52.1 reads the classic tables and not those streams, so a Word file's
/// structure tree (in object streams) would be missing.
fn hybrid_objects(bytes: &[u8], raw: &RawDocument) -> HashMap<ObjectId, Object> {
    let mut out = HashMap::new();
    let Ok(mut offset) = xref::find_startxref(bytes) else {
        return out;
    };
    let mut visited = HashSet::new();
    while visited.insert(offset) && visited.len() <= 64 && offset < bytes.len() {
        let at = offset
            + bytes[offset..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        let trailer = if bytes[at..].starts_with(b"xref") {
            let Some(found) = bytes[at..].windows(7).position(|w| w == b"trailer") else {
                break;
            };
            match tokenizer::parse_object(bytes, at + found + 7) {
                Ok((Object::Dict(d), _)) => d,
                _ => break,
            }
        } else {
            match tokenizer::parse_object(bytes, at) {
                Ok((Object::Stream(s), _)) => s.dict,
                _ => break,
            }
        };
        let offset_of = |key: &[u8]| {
            trailer
                .at(key)
                .and_then(Object::as_i64)
                .and_then(|o| usize::try_from(o).ok())
        };
        if let Some(stream_at) = offset_of(b"XRefStm") {
            read_xref_stream(bytes, stream_at, raw, &mut out);
        }
        match offset_of(b"Prev") {
            Some(previous) => offset = previous,
            None => break,
        }
    }
    out
}

/// Adds to `out` the objects the cross-reference stream at `offset` lists that `raw` lacks.
fn read_xref_stream(
    bytes: &[u8],
    offset: usize,
    raw: &RawDocument,
    out: &mut HashMap<ObjectId, Object>,
) {
    let Ok((Object::Stream(stream), _)) = tokenizer::parse_object(bytes, offset) else {
        return;
    };
    let Ok(data) = raw_stream::decompress(&stream) else {
        return;
    };
    let widths: Vec<usize> = match stream.dict.at(b"W").and_then(Object::as_array) {
        Some(w) if w.len() == 3 => w
            .iter()
            .filter_map(Object::as_i64)
            .filter_map(|v| usize::try_from(v).ok())
            .filter(|v| *v <= 8)
            .collect(),
        _ => return,
    };
    if widths.len() != 3 || widths.iter().sum::<usize>() == 0 {
        return;
    }
    let size = stream
        .dict
        .at(b"Size")
        .and_then(Object::as_i64)
        .unwrap_or(0);
    let index: Vec<i64> = match stream.dict.at(b"Index").and_then(Object::as_array) {
        Some(items) => items.iter().filter_map(Object::as_i64).collect(),
        None => vec![0, size],
    };
    let field = |entry: &[u8], which: usize| -> u64 {
        let start: usize = widths[..which].iter().sum();
        entry[start..start + widths[which]]
            .iter()
            .fold(0u64, |v, b| (v << 8) | u64::from(*b))
    };
    let row = widths.iter().sum::<usize>();
    let mut entries = data.chunks_exact(row);
    // Compressed objects, by the object stream that holds them.
    let mut wanted: BTreeMap<u32, Vec<(u32, usize)>> = BTreeMap::new();
    for pair in index.chunks_exact(2) {
        let (Ok(first), Ok(count)) = (u32::try_from(pair[0]), usize::try_from(pair[1])) else {
            return;
        };
        for step in 0..count {
            let Some(number) = u32::try_from(step).ok().and_then(|s| first.checked_add(s)) else {
                break;
            };
            let Some(entry) = entries.next() else {
                break;
            };
            let kind = if widths[0] == 0 { 1 } else { field(entry, 0) };
            match kind {
                1 => {
                    let generation = u16::try_from(field(entry, 2)).unwrap_or(0);
                    let id = (number, generation);
                    let at = usize::try_from(field(entry, 1)).unwrap_or(usize::MAX);
                    if raw.get_object(id).is_none() && !out.contains_key(&id) && at < bytes.len() {
                        if let Ok((object, _)) = tokenizer::parse_object(bytes, at) {
                            out.insert(id, object);
                        }
                    }
                }
                2 => {
                    let id = (number, 0);
                    if raw.get_object(id).is_none() && !out.contains_key(&id) {
                        if let (Ok(holder), Ok(index)) = (
                            u32::try_from(field(entry, 1)),
                            usize::try_from(field(entry, 2)),
                        ) {
                            wanted.entry(holder).or_default().push((number, index));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    for (holder, objects) in wanted {
        // The object stream is listed by the table, or (as Word writes) by the stream only.
        let holder = raw
            .get_object((holder, 0))
            .or_else(|| out.get(&(holder, 0)))
            .and_then(Object::as_stream)
            .and_then(object_stream);
        let Some(contents) = holder else {
            continue;
        };
        for (number, index) in objects {
            if let Some((listed, Some(object))) = contents.get(index) {
                if *listed == number {
                    out.insert((number, 0), object.clone());
                }
            }
        }
    }
}

/// What an object stream holds, in order: each object's number and the object (when it
/// parses).
fn object_stream(stream: &Stream) -> Option<Vec<(u32, Option<Object>)>> {
    let count = usize::try_from(stream.dict.at(b"N")?.as_i64()?).ok()?;
    let first = usize::try_from(stream.dict.at(b"First")?.as_i64()?).ok()?;
    let data = decoded(stream).ok()?;
    let mut header = Vec::new();
    let mut pos = 0;
    while header.len() < count.min(data.len()) && pos < first.min(data.len()) {
        let Ok((Object::Integer(number), end)) = tokenizer::parse_object(&data, pos) else {
            break;
        };
        let Ok((Object::Integer(offset), end)) = tokenizer::parse_object(&data, end) else {
            break;
        };
        header.push((number, offset));
        pos = end;
    }
    Some(
        header
            .into_iter()
            .map(|(number, offset)| {
                let object = usize::try_from(offset)
                    .ok()
                    .and_then(|o| first.checked_add(o))
                    .filter(|at| *at < data.len())
                    .and_then(|at| tokenizer::parse_object(&data, at).ok())
                    .map(|(object, _)| object);
                (u32::try_from(number).unwrap_or(0), object)
            })
            .collect(),
    )
}

/// Loads the document (decrypting it with the empty password when it is encrypted),
/// checking that it has pages. Call inside [`guarded`](super::guarded).
pub(crate) fn open(doc: &PdfDocument) -> Result<Document, PdfError> {
    use unpdf::ErrorKind;
    preflight(doc)?;
    let name = || doc.name().to_string();
    if let Some(handler) = unsupported_security_handler(doc.bytes()) {
        return Err(PdfError::Damaged {
            name: name(),
            detail: format!("encrypted with an unsupported security handler ({handler})"),
        });
    }
    let loaded = match Document::load(doc.bytes()) {
        Ok(loaded) => loaded,
        Err(e) => {
            return Err(match e.kind() {
                ErrorKind::Encrypted | ErrorKind::InvalidPassword => {
                    PdfError::PasswordRequired { name: name() }
                }
                ErrorKind::UnknownFormat => PdfError::NotPdf { name: name() },
                ErrorKind::UnsupportedVersion => PdfError::Damaged {
                    name: name(),
                    detail: format!("encrypted with an unsupported security handler ({e})"),
                },
                _ => damaged(doc, e.to_string()),
            })
        }
    };
    // A cut-off file that only opened because its objects were scanned for: whatever it
    // drew past the cut is gone, so say so rather than return part of it.
    if looks_truncated(doc.bytes()) && loaded.xref_reconstructed() {
        return Err(PdfError::Truncated {
            name: name(),
            detail: "its cross-reference table is missing; content past the cut is lost".into(),
        });
    }
    if loaded.get_pages().is_empty() {
        return Err(damaged(doc, "no page could be read"));
    }
    Ok(loaded)
}

/// The `/Filter` of the file's `/Encrypt` dictionary when it is not the standard security
/// handler (unpdf would report such a file as merely unparsable).
fn unsupported_security_handler(bytes: &[u8]) -> Option<String> {
    let (table, trailer) = xref::parse_xref_chain(bytes).ok()?;
    let encrypt = trailer.get(b"Encrypt".as_slice())?;
    let dict = match encrypt {
        Object::Dict(d) => d.clone(),
        Object::Reference(n, g) => match table.entries.get(&(*n, *g))? {
            xref::XrefEntry::Uncompressed(offset) => {
                match tokenizer::parse_object(bytes, *offset).ok()?.0 {
                    Object::Dict(d) => d,
                    _ => return None,
                }
            }
            xref::XrefEntry::Compressed(..) => return None,
        },
        _ => return None,
    };
    match dict.at(b"Filter").and_then(Object::as_name) {
        Some(b"Standard") | None => None,
        Some(other) => Some(String::from_utf8_lossy(other).into_owned()),
    }
}

/// Dictionary access by a byte-string key.
pub(crate) trait DictExt {
    /// `self[key]`, not dereferenced.
    fn at(&self, key: &[u8]) -> Option<&Object>;
    /// Whether `key` is present.
    fn has(&self, key: &[u8]) -> bool {
        self.at(key).is_some()
    }
    /// Sets `key` to `value`.
    fn set(&mut self, key: &str, value: Object);
}

impl DictExt for Dictionary {
    fn at(&self, key: &[u8]) -> Option<&Object> {
        self.get(key)
    }

    fn set(&mut self, key: &str, value: Object) {
        self.insert(key.as_bytes().to_vec(), value);
    }
}

/// A dictionary of `entries`.
pub(crate) fn dict<const N: usize>(entries: [(&str, Object); N]) -> Dictionary {
    entries
        .into_iter()
        .map(|(k, v)| (k.as_bytes().to_vec(), v))
        .collect()
}

/// The name `/name`.
pub(crate) fn name(name: &str) -> Object {
    Object::Name(name.as_bytes().to_vec())
}

/// A reference to `id`.
pub(crate) fn reference(id: ObjectId) -> Object {
    Object::Reference(id.0, id.1)
}

/// A text string: PDFDocEncoding (as ASCII) when the text is ASCII, else UTF-16BE with a
/// byte-order mark.
pub(crate) fn text_string(text: &str) -> Object {
    if text.is_ascii() {
        Object::Str(text.as_bytes().to_vec())
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_be_bytes());
        }
        Object::Str(bytes)
    }
}

/// Follows references (a bounded number of times) to the object they name.
pub(crate) fn deref<'a>(doc: &'a Document, mut object: &'a Object) -> &'a Object {
    for _ in 0..32 {
        match object {
            Object::Reference(n, g) => match doc.get_object((*n, *g)) {
                Some(next) => object = next,
                None => return &Object::Null,
            },
            _ => return object,
        }
    }
    &Object::Null
}

/// The dictionary an object is, or refers to (a stream's dictionary too).
pub(crate) fn as_dict<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Dictionary> {
    match deref(doc, object) {
        Object::Dict(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

/// `dict[key]`, dereferenced.
pub(crate) fn get<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    dict.at(key).map(|o| deref(doc, o))
}

/// `dict[key]` as a number.
pub(crate) fn get_number(doc: &Document, dict: &Dictionary, key: &[u8]) -> Option<f64> {
    get(doc, dict, key).and_then(number)
}

/// A PDF number (integer or real) as `f64`.
pub(crate) fn number(object: &Object) -> Option<f64> {
    match object {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

/// The bytes of a stream with all its filters applied, at most [`MAX_STREAM_BYTES`]. A stream
/// whose last filter is an image codec is an error (see [`decoded_before_codec`]).
pub(crate) fn decoded(stream: &Stream) -> Result<Vec<u8>, String> {
    match decoded_before_codec(stream)? {
        (data, None) => Ok(data),
        (_, Some(codec)) => Err(format!("stream data is an image ({codec})")),
    }
}

/// The bytes of a stream with its filters applied up to an image codec (`DCTDecode`,
/// `JPXDecode`, `JBIG2Decode`, `CCITTFaxDecode`), which is named, at most
/// [`MAX_STREAM_BYTES`].
pub(crate) fn decoded_before_codec(
    stream: &Stream,
) -> Result<(Vec<u8>, Option<&'static str>), String> {
    let decoded =
        raw_stream::decode(stream).map_err(|e| format!("stream data could not be decoded: {e}"))?;
    if decoded.data.len() > MAX_STREAM_BYTES {
        return Err(format!(
            "stream data decodes to more than {MAX_STREAM_BYTES} bytes"
        ));
    }
    Ok((decoded.data, decoded.codec))
}

/// One operation of a content stream: its operands and its operator. An inline image is one
/// operation, `BI`, with its dictionary as operand and its source bytes (`BI` to `EI`) kept.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Operation {
    /// The operator (`Do`, `BDC`, `'`).
    pub operator: String,
    /// The operands, in order.
    pub operands: Vec<Object>,
    /// For an inline image, its bytes from `BI` to `EI` as written.
    inline_image: Option<Vec<u8>>,
}

impl Operation {
    /// An operation.
    pub(crate) fn new(operator: &str, operands: Vec<Object>) -> Self {
        Operation {
            operator: operator.to_string(),
            operands,
            inline_image: None,
        }
    }
}

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\0' | b'\x0C')
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// The deepest nesting of arrays and dictionaries an operand may have. unpdf's object parser
/// recurses once a level, so a stream of a million `[` would overflow the stack (an abort,
/// not an error) without this check; real operands (`TJ` arrays, marked-content
/// properties) nest two or three levels.
const MAX_NESTING: usize = 32;

/// How deeply the arrays and dictionaries of the operand starting at `start` nest (strings
/// and comments skipped), counting no further than one past [`MAX_NESTING`].
fn nesting(data: &[u8], start: usize) -> usize {
    let (mut depth, mut deepest, mut pos) = (0usize, 0usize, start);
    while pos < data.len() {
        match data[pos] {
            b'[' => depth += 1,
            b'<' if data.get(pos + 1) == Some(&b'<') => {
                depth += 1;
                pos += 1;
            }
            b'>' if data.get(pos + 1) == Some(&b'>') => {
                depth = depth.saturating_sub(1);
                pos += 1;
            }
            b']' => depth = depth.saturating_sub(1),
            // A hex string: to its `>`.
            b'<' => {
                while pos < data.len() && data[pos] != b'>' {
                    pos += 1;
                }
            }
            // A literal string: balanced parentheses, backslash escapes.
            b'(' => {
                let mut open = 0usize;
                while pos < data.len() {
                    match data[pos] {
                        b'\\' => pos += 1,
                        b'(' => open += 1,
                        b')' => {
                            open -= 1;
                            if open == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    pos += 1;
                }
            }
            b'%' => {
                while pos < data.len() && data[pos] != b'\n' && data[pos] != b'\r' {
                    pos += 1;
                }
            }
            _ => {}
        }
        deepest = deepest.max(depth);
        if depth == 0 || deepest > MAX_NESTING {
            break;
        }
        pos += 1;
    }
    deepest
}

/// Decodes a content stream into operations. A token that is not an object or an operator
/// is an error (so an edited stream never silently loses content).
pub(crate) fn decode_content(data: &[u8]) -> Result<Vec<Operation>, String> {
    let mut ops = Vec::new();
    let mut operands: Vec<Object> = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let b = data[pos];
        if is_white(b) {
            pos += 1;
            continue;
        }
        if b == b'%' {
            while pos < data.len() && data[pos] != b'\n' && data[pos] != b'\r' {
                pos += 1;
            }
            continue;
        }
        if matches!(b, b'/' | b'(' | b'<' | b'[' | b'+' | b'-' | b'.') || b.is_ascii_digit() {
            if matches!(b, b'[' | b'<') && nesting(data, pos) > MAX_NESTING {
                return Err(format!(
                    "content stream at byte {pos}: arrays or dictionaries nested deeper than \
                     {MAX_NESTING}"
                ));
            }
            let (object, end) = tokenizer::parse_object(data, pos)
                .map_err(|e| format!("content stream at byte {pos}: {e}"))?;
            if end <= pos {
                return Err(format!("content stream at byte {pos}: no progress"));
            }
            operands.push(object);
            pos = end;
            continue;
        }
        if is_delimiter(b) {
            return Err(format!(
                "content stream at byte {pos}: unexpected '{}'",
                b as char
            ));
        }
        let start = pos;
        while pos < data.len() && !is_white(data[pos]) && !is_delimiter(data[pos]) {
            pos += 1;
        }
        let word = &data[start..pos];
        match word {
            b"true" => operands.push(Object::Bool(true)),
            b"false" => operands.push(Object::Bool(false)),
            b"null" => operands.push(Object::Null),
            b"BI" => {
                let (op, end) = inline_image(data, start, pos)?;
                operands.clear();
                ops.push(op);
                pos = end;
            }
            _ => ops.push(Operation {
                operator: String::from_utf8_lossy(word).into_owned(),
                operands: std::mem::take(&mut operands),
                inline_image: None,
            }),
        }
    }
    Ok(ops)
}

/// The inline image whose `BI` is at `start` (its keys begin at `pos`): the operation and
/// where it ends (past `EI`).
fn inline_image(data: &[u8], start: usize, mut pos: usize) -> Result<(Operation, usize), String> {
    let mut dict = Dictionary::new();
    loop {
        while pos < data.len() && is_white(data[pos]) {
            pos += 1;
        }
        if pos >= data.len() {
            return Err(format!("inline image at byte {start}: no ID"));
        }
        if data[pos..].starts_with(b"ID") && data.get(pos + 2).is_none_or(|b| is_white(*b)) {
            pos += 2;
            break;
        }
        let Ok((Object::Name(key), end)) = tokenizer::parse_object(data, pos) else {
            return Err(format!("inline image at byte {start}: no key"));
        };
        let (value, end) = tokenizer::parse_object(data, end)
            .map_err(|e| format!("inline image at byte {start}: {e}"))?;
        dict.insert(key, value);
        pos = end;
    }
    // One white-space byte after ID, then the data.
    pos += 1;
    let length = dict
        .at(b"L")
        .or_else(|| dict.at(b"Length"))
        .and_then(Object::as_i64)
        .and_then(|l| usize::try_from(l).ok());
    let mut search = pos;
    if let Some(length) = length {
        if pos.saturating_add(length) <= data.len() {
            search = pos + length;
        }
    }
    let end = (search.saturating_sub(1)..data.len().saturating_sub(1))
        .find(|&i| {
            data[i..].starts_with(b"EI")
                && i > 0
                && is_white(data[i - 1])
                && data
                    .get(i + 2)
                    .is_none_or(|b| is_white(*b) || is_delimiter(*b))
        })
        .map(|i| i + 2)
        .ok_or_else(|| format!("inline image at byte {start}: no EI"))?;
    Ok((
        Operation {
            operator: "BI".to_string(),
            operands: vec![Object::Dict(dict)],
            inline_image: Some(data[start..end].to_vec()),
        },
        end,
    ))
}

/// Encodes operations as a content stream.
pub(crate) fn encode_content(ops: &[Operation]) -> Vec<u8> {
    let mut out = Vec::new();
    for op in ops {
        if let Some(bytes) = &op.inline_image {
            out.extend_from_slice(bytes);
        } else {
            for operand in &op.operands {
                super::write::write_object(&mut out, operand);
                out.push(b' ');
            }
            out.extend_from_slice(op.operator.as_bytes());
        }
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_round_trips_through_decode_and_encode() {
        let source =
            b"q 1 0 0 1 72.5 -3 cm /Im1 Do Q\nBT /F1 12 Tf (a\\)b) Tj [(x) -20 <00ff>] TJ ET\n\
            /P <</MCID 0>> BDC EMC /Span <</ActualText (\xfe\xff)>> BDC T* 0 0 1 RG EMC\n\
            BI /W 2 /H 1 /BPC 8 /CS /G ID \x00EI\xff EI Q true false null d0";
        let ops = decode_content(source).unwrap();
        let operators: Vec<&str> = ops.iter().map(|o| o.operator.as_str()).collect();
        assert_eq!(
            operators,
            [
                "q", "cm", "Do", "Q", "BT", "Tf", "Tj", "TJ", "ET", "BDC", "EMC", "BDC", "T*",
                "RG", "EMC", "BI", "Q", "d0"
            ]
        );
        assert_eq!(ops[6].operands, [Object::Str(b"a)b".to_vec())]);
        assert_eq!(
            ops[17].operands,
            [Object::Bool(true), Object::Bool(false), Object::Null]
        );
        let again = decode_content(&encode_content(&ops)).unwrap();
        assert_eq!(again, ops);
    }

    #[test]
    fn deeply_nested_operands_are_an_error_not_a_stack_overflow() {
        let mut deep = vec![b'['; 1_000_000];
        deep.extend_from_slice(b" TJ");
        let error = decode_content(&deep).unwrap_err();
        assert!(error.contains("nested deeper than 32"), "{error}");
        let mut deep = b"/P ".to_vec();
        deep.extend(std::iter::repeat_n(b"<</A ".as_slice(), 100_000).flatten());
        assert!(decode_content(&deep).is_err());
        // Real operands: strings with brackets and parentheses inside do not count.
        let ops = decode_content(b"[(a[[[) (b\\)) <5B5B> (c)] TJ /P <</MCID 0 /X [[1]]>> BDC EMC")
            .unwrap();
        assert_eq!(ops.len(), 3);
    }

    #[test]
    fn damaged_content_is_an_error_not_a_guess() {
        assert!(decode_content(b"q ) Q").is_err());
        assert!(decode_content(b"BI /W 1 ID xx").is_err());
        assert!(decode_content(b"(unterminated Tj").is_err());
    }
}
