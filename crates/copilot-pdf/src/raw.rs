//! The object layer: a [`Document`] that reads a file's objects through hayro-syntax (which
//! finds them, repairs a damaged cross-reference table and decrypts them) as owned
//! [`Object`]s, read once each and kept, and keeps the objects an edit adds or changes apart
//! (they are what an incremental update writes); dictionary helpers, stream decoding within
//! [`MAX_STREAM_BYTES`], and a content-stream tokenizer whose operations can be written
//! back.
//!
//! What hayro keeps to itself is read here from the file: the cross-reference chain as
//! written ([`crate::xref`]: the trailer, `startxref`, the largest object number), and an
//! encrypted file's key ([`crate::crypt`]), which an update is encrypted with.

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use hayro::hayro_syntax::object::{self as hs, MaybeRef, ObjectIdentifier};
use hayro::hayro_syntax::{DecryptionError, LoadPdfError, Pdf};

use super::crypt::{self, Cipher};
use super::syntax::{is_delimiter, is_white, parse_object, MAX_NESTING};
pub(crate) use super::syntax::{Dictionary, Object, Stream};
use super::{damaged, looks_truncated, preflight, xref, PdfDocument, PdfError, MAX_STREAM_BYTES};

/// An object's number and generation.
pub(crate) type ObjectId = (u32, u16);

/// The largest object number PDF allows (ISO 32000-1, C.2).
const MAX_NUMBER: u32 = 8_388_607;

/// Objects read from the file, by number, in chunks made on first use.
const CHUNK: usize = 256;

/// A slot of the object cache: the generation asked for and the object (`None`: none).
type Slot = OnceLock<Option<(u16, Object)>>;

/// A loaded PDF: the file's objects (decrypted when the empty user password opened it),
/// read as asked for, and the objects added or changed since.
pub(crate) struct Document {
    pdf: Pdf,
    /// The objects read so far, by number.
    cache: Vec<OnceLock<Box<[Slot]>>>,
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
    /// Whether the cross-reference chain could not be read as written.
    reconstructed: bool,
    /// The header's version (`1.7`).
    version: String,
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

/// Why a file could not be loaded.
enum LoadError {
    /// The empty password does not open it.
    Password,
    /// Encrypted with a handler or algorithm not supported (named).
    Unsupported(String),
    /// Not readable as a PDF.
    Invalid(String),
}

/// The `/Encrypt` dictionary the trailer gives (directly, or as an uncompressed object:
/// it may not be in an object stream, and its strings are not encrypted).
fn encrypt_dictionary(
    bytes: &[u8],
    trailer: &Dictionary,
    chain: Option<&xref::Chain>,
) -> Option<Dictionary> {
    match trailer.get(b"Encrypt".as_slice())? {
        Object::Dict(d) => Some(d.clone()),
        Object::Reference(number, _) => {
            let offset = match chain.and_then(|c| c.offsets.get(number)) {
                Some(offset) => *offset,
                None => find_object(bytes, *number)?,
            };
            xref::indirect_dict(bytes, offset)
        }
        _ => None,
    }
}

/// Where the last `number g obj` of the file starts (for a file whose table is damaged).
fn find_object(bytes: &[u8], number: u32) -> Option<usize> {
    let header = format!("{number} 0 obj");
    let at = bytes
        .windows(header.len())
        .rposition(|w| w == header.as_bytes())?;
    (at == 0 || !bytes[at - 1].is_ascii_digit()).then_some(at)
}

/// The header's version (`1.7`), `1.4` when it cannot be read.
fn header_version(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(5)
        .position(|w| w == b"%PDF-")
        .map(|at| {
            head[at + 5..]
                .iter()
                .take_while(|b| b.is_ascii_digit() || **b == b'.')
                .map(|b| *b as char)
                .collect::<String>()
        })
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "1.4".to_string())
}

/// `object`, read by hayro, as an owned object: references kept, strings and stream data
/// decrypted, stream data still filtered; nesting past [`MAX_NESTING`] is cut to `null`.
fn owned(object: hs::Object<'_>, depth: usize) -> Object {
    if depth > MAX_NESTING {
        return Object::Null;
    }
    let item = |value: MaybeRef<hs::Object<'_>>| match value {
        MaybeRef::Ref(r) => {
            Object::Reference(r.obj_number, u16::try_from(r.gen_number).unwrap_or(0))
        }
        MaybeRef::NotRef(o) => owned(o, depth + 1),
    };
    let dict = |d: &hs::dict::Dict<'_>| -> Dictionary {
        d.entries().map(|(k, v)| (k.to_vec(), item(v))).collect()
    };
    match object {
        hs::Object::Null(_) => Object::Null,
        hs::Object::Boolean(b) => Object::Bool(b),
        hs::Object::Number(n) => {
            // hayro keeps whether a number was written as an integer to itself; its numbers
            // compare equal only in the same kind, and print reals with a point.
            let int = n.as_i64();
            let integer = match i32::try_from(int) {
                Ok(small) => n == hs::Number::from_i32(small),
                Err(_) => !n.to_string().contains(['.', 'e', 'E', 'N', 'i']),
            };
            if integer {
                Object::Integer(int)
            } else {
                Object::Real(n.as_f64())
            }
        }
        hs::Object::String(s) => Object::Str(s.as_bytes().to_vec()),
        hs::Object::Name(n) => Object::Name(n.to_vec()),
        hs::Object::Dict(d) => Object::Dict(dict(&d)),
        hs::Object::Array(a) => Object::Array(a.raw_iter().map(item).collect()),
        hs::Object::Stream(s) => Object::Stream(Stream {
            dict: dict(s.dict()),
            raw_data: s.raw_data().into_owned(),
        }),
    }
}

impl Document {
    /// Loads `bytes` (decrypting with the empty user password).
    fn load(doc: &PdfDocument) -> Result<Self, LoadError> {
        let bytes = doc.bytes();
        let chain = xref::read_chain(bytes).filter(|chain| offsets_hold_objects(bytes, chain));
        let (mut trailer, largest) = match &chain {
            Some(chain) => (chain.trailer.clone(), chain.largest),
            None => {
                let (largest, trailer) = xref::scan(bytes);
                (trailer.unwrap_or_default(), largest)
            }
        };
        let encrypt = encrypt_dictionary(bytes, &trailer, chain.as_ref());
        if let Some(dict) = &encrypt {
            match dict.get(b"Filter".as_slice()).and_then(Object::as_name) {
                Some(b"Standard") | None => {}
                Some(other) => {
                    return Err(LoadError::Unsupported(
                        String::from_utf8_lossy(other).into_owned(),
                    ))
                }
            }
        }
        let pdf = Pdf::new(doc.shared_bytes()).map_err(|e| match e {
            LoadPdfError::Decryption(DecryptionError::PasswordProtected) => LoadError::Password,
            LoadPdfError::Decryption(DecryptionError::UnsupportedAlgorithm) => {
                LoadError::Unsupported("an unsupported algorithm".into())
            }
            LoadPdfError::Decryption(other) => {
                LoadError::Invalid(format!("its encryption cannot be read ({other:?})"))
            }
            LoadPdfError::Invalid => LoadError::Invalid("no document structure found".into()),
        })?;
        let root = pdf.xref().root_id();
        if !matches!(trailer.get(b"Root".as_slice()), Some(Object::Reference(..))) {
            trailer.insert(
                b"Root".to_vec(),
                Object::Reference(root.obj_number, u16::try_from(root.gen_number).unwrap_or(0)),
            );
        }
        let size = trailer
            .get(b"Size".as_slice())
            .and_then(Object::as_i64)
            .and_then(|s| u32::try_from(s).ok())
            .unwrap_or(0);
        let next_number = size
            .max(largest.saturating_add(1))
            .max(root.obj_number.saturating_add(1))
            .clamp(1, MAX_NUMBER + 1);
        let first_id = trailer
            .get(b"ID".as_slice())
            .and_then(Object::as_array)
            .and_then(|id| id.first())
            .and_then(Object::as_str_bytes)
            .unwrap_or_default()
            .to_vec();
        let encryption = encrypt
            .and_then(|dict| crypt::file_key(&dict, &first_id))
            .map(|(key, cipher, encrypt_metadata)| Encryption {
                key,
                cipher,
                encrypt_metadata,
            });
        let chunks = (next_number as usize).div_ceil(CHUNK).max(1);
        let mut loaded = Document {
            pdf,
            cache: (0..chunks).map(|_| OnceLock::new()).collect(),
            changed: BTreeMap::new(),
            trailer,
            pages: BTreeMap::new(),
            next_number,
            first_added: next_number,
            reconstructed: chain.is_none(),
            version: header_version(bytes),
            encryption,
        };
        loaded.pages = page_tree(&loaded);
        if loaded.pages.is_empty() {
            // A page tree hayro found another way (it rebuilds broken ones).
            let found: Vec<ObjectId> = loaded
                .pdf
                .pages()
                .iter()
                .filter_map(|page| page.raw().obj_id())
                .map(|id| (id.obj_number, u16::try_from(id.gen_number).unwrap_or(0)))
                .collect();
            loaded.pages = (1..).zip(found).collect();
        }
        Ok(loaded)
    }

    /// hayro's view of the document (for its interpreter and renderer).
    pub(crate) fn hayro(&self) -> &Pdf {
        &self.pdf
    }

    /// Whether the cross-reference table was rebuilt by scanning the file (so byte offsets in
    /// the file cannot be trusted for an incremental update).
    pub(crate) fn xref_reconstructed(&self) -> bool {
        self.reconstructed
    }

    /// Whether the file was encrypted (and opened with the empty user password).
    pub(crate) fn is_encrypted(&self) -> bool {
        self.trailer.contains_key(b"Encrypt".as_slice())
    }

    /// The header's version (`1.7`).
    pub(crate) fn version(&self) -> &str {
        &self.version
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

    /// The object `id` as loaded from the file (read on first use).
    pub(crate) fn loaded(&self, id: ObjectId) -> Option<&Object> {
        let number = id.0 as usize;
        let chunk = self
            .cache
            .get(number / CHUNK)?
            .get_or_init(|| (0..CHUNK).map(|_| OnceLock::new()).collect());
        let slot = chunk[number % CHUNK].get_or_init(|| {
            let object = self
                .pdf
                .xref()
                .get::<hs::Object<'_>>(ObjectIdentifier::new(id.0, i32::from(id.1)))?;
            Some((id.1, owned(object, 0)))
        });
        match slot {
            Some((generation, object)) if *generation == id.1 => Some(object),
            _ => None,
        }
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

/// The pages of `doc` in order, found by walking its page tree.
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

/// Whether every uncompressed object the chain lists starts where it says (else the
/// offsets are stale, and hayro reads the file by scanning it).
fn offsets_hold_objects(bytes: &[u8], chain: &xref::Chain) -> bool {
    chain.offsets.iter().all(|(number, offset)| {
        let at = super::syntax::skip_white(bytes, *offset);
        let (digits, _) = super::syntax::word(bytes, at);
        std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse::<u32>().ok())
            == Some(*number)
    })
}

/// Loads the document (decrypting it with the empty password when it is encrypted),
/// checking that it has pages. Call inside [`guarded`](super::guarded).
pub(crate) fn open(doc: &PdfDocument) -> Result<Document, PdfError> {
    preflight(doc)?;
    let name = || doc.name().to_string();
    let loaded = match Document::load(doc) {
        Ok(loaded) => loaded,
        Err(LoadError::Password) => return Err(PdfError::PasswordRequired { name: name() }),
        Err(LoadError::Unsupported(handler)) => {
            return Err(PdfError::Damaged {
                name: name(),
                detail: format!("encrypted with an unsupported security handler ({handler})"),
            })
        }
        Err(LoadError::Invalid(detail)) => return Err(damaged(doc, detail)),
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
    super::filters::decode(stream, MAX_STREAM_BYTES)
        .map_err(|e| format!("stream data could not be decoded: {e}"))
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
            let (object, end) =
                parse_object(data, pos).map_err(|e| format!("content stream: {e}"))?;
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
        let Ok((Object::Name(key), end)) = parse_object(data, pos) else {
            return Err(format!("inline image at byte {start}: no key"));
        };
        let (value, end) =
            parse_object(data, end).map_err(|e| format!("inline image at byte {start}: {e}"))?;
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

    /// A one-page PDF whose page carries `extra` entries, with a correct table.
    fn one_page(extra: &str) -> Vec<u8> {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
            format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] {extra} >>"),
        ];
        let mut out = b"%PDF-1.7\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(b"xref\n0 4\n0000000000 65535 f \n");
        for offset in offsets {
            out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
        );
        out
    }

    #[test]
    fn objects_read_through_hayro_keep_integers_reals_and_references() {
        let bytes = one_page("/A 3 /B 3.0 /C -2.5 /D 4000000000 /E [1 0 R (s) /N] /F null");
        let doc = crate::PdfDocument::from_bytes("t.pdf", bytes);
        let pdf = open(&doc).unwrap();
        assert!(!pdf.xref_reconstructed());
        assert_eq!(pdf.next_number(), 4);
        assert_eq!(pdf.get_pages().len(), 1);
        let page = pdf.get_dictionary(pdf.get_pages()[&1]).unwrap();
        assert_eq!(page.at(b"A"), Some(&Object::Integer(3)));
        assert_eq!(page.at(b"B"), Some(&Object::Real(3.0)));
        assert_eq!(page.at(b"C"), Some(&Object::Real(-2.5)));
        assert_eq!(page.at(b"D"), Some(&Object::Integer(4_000_000_000)));
        assert_eq!(
            page.at(b"E"),
            Some(&Object::Array(vec![
                Object::Reference(1, 0),
                Object::Str(b"s".to_vec()),
                Object::Name(b"N".to_vec())
            ]))
        );
        assert_eq!(page.at(b"F"), Some(&Object::Null));
        assert_eq!(pdf.version(), "1.7");
    }

    #[test]
    fn a_stale_table_counts_as_rebuilt() {
        let mut bytes = one_page("");
        // Shift every object by two bytes: the first object's offset now points at a `0`.
        bytes.splice(9..9, *b"0 ");
        let doc = crate::PdfDocument::from_bytes("t.pdf", bytes);
        let pdf = open(&doc).unwrap();
        assert!(pdf.xref_reconstructed());
        assert_eq!(pdf.get_pages().len(), 1);
    }

    #[test]
    fn damaged_content_is_an_error_not_a_guess() {
        assert!(decode_content(b"q ) Q").is_err());
        assert!(decode_content(b"BI /W 1 ID xx").is_err());
        assert!(decode_content(b"(unterminated Tj").is_err());
    }
}
