//! `multipart/form-data` bodies: text fields and one file part streamed from bytes, a path or
//! a reader.

use std::fmt;
use std::io::{Cursor, Read};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use super::retry::random_u64;
use crate::errors::Error;

/// The bytes of a file to upload, with the file name sent to the server.
///
/// Bytes and paths can be sent again when a request is retried (a path is re-opened and
/// streamed from disk each time); a reader can be read only once, so uploads from a reader
/// are never retried.
#[must_use = "a file source is only read when it is uploaded"]
pub struct FileSource {
    file_name: String,
    kind: SourceKind,
}

enum SourceKind {
    Bytes(Arc<[u8]>),
    Path(PathBuf),
    /// `len` bytes of a file from `offset`.
    Range(PathBuf, u64, u64),
    Reader(Mutex<Option<Box<dyn Read + Send>>>, Option<u64>),
}

impl FileSource {
    /// Upload bytes held in memory.
    pub fn from_bytes(file_name: impl Into<String>, bytes: impl Into<Arc<[u8]>>) -> Self {
        FileSource {
            file_name: file_name.into(),
            kind: SourceKind::Bytes(bytes.into()),
        }
    }

    /// Upload a file from disk, streamed; the file name is the path's last component.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let file_name = path
            .file_name()
            .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
        FileSource {
            file_name,
            kind: SourceKind::Path(path),
        }
    }

    /// Upload `len` bytes of the file at `path` from byte `offset` (a part of a large upload),
    /// streamed from disk and read again if the request is retried. The file name is
    /// `part`.
    pub fn from_file_range(path: impl Into<PathBuf>, offset: u64, len: u64) -> Self {
        FileSource {
            file_name: "part".into(),
            kind: SourceKind::Range(path.into(), offset, len),
        }
    }

    /// Upload whatever `reader` yields; give `len` when known so the request carries a
    /// `Content-Length` (otherwise it is sent chunked). Never retried.
    pub fn from_reader(
        file_name: impl Into<String>,
        reader: impl Read + Send + 'static,
        len: Option<u64>,
    ) -> Self {
        FileSource {
            file_name: file_name.into(),
            kind: SourceKind::Reader(Mutex::new(Some(Box::new(reader))), len),
        }
    }

    /// Replace the file name sent to the server.
    pub fn with_file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = file_name.into();
        self
    }

    /// The file name sent to the server.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    pub(crate) fn is_replayable(&self) -> bool {
        !matches!(self.kind, SourceKind::Reader(..))
    }

    /// A fresh reader over the content and its length, when known.
    fn open(&self) -> Result<(Box<dyn Read>, Option<u64>), Error> {
        match &self.kind {
            SourceKind::Bytes(bytes) => {
                let len = bytes.len() as u64;
                Ok((Box::new(Cursor::new(Arc::clone(bytes))), Some(len)))
            }
            SourceKind::Path(path) => {
                let file = std::fs::File::open(path)?;
                let len = file.metadata()?.len();
                // `take` keeps the body at the announced length if the file grows meanwhile.
                Ok((Box::new(file.take(len)), Some(len)))
            }
            SourceKind::Range(path, offset, len) => {
                use std::io::{Seek, SeekFrom};
                let mut file = std::fs::File::open(path)?;
                let size = file.metadata()?.len();
                if offset.saturating_add(*len) > size {
                    return Err(Error::InvalidArgument {
                        name: "file",
                        message: format!(
                            "{} has {size} bytes: it has no range of {len} bytes from {offset}",
                            path.display()
                        ),
                    });
                }
                file.seek(SeekFrom::Start(*offset))?;
                Ok((Box::new(file.take(*len)), Some(*len)))
            }
            SourceKind::Reader(reader, len) => {
                let reader = reader
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take()
                    .ok_or_else(|| Error::InvalidArgument {
                        name: "file",
                        message: "the reader was already consumed by an earlier request".into(),
                    })?;
                match len {
                    Some(len) => Ok((Box::new(reader.take(*len)), Some(*len))),
                    None => Ok((Box::new(reader), None)),
                }
            }
        }
    }
}

impl fmt::Debug for FileSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("FileSource");
        s.field("file_name", &self.file_name);
        match &self.kind {
            SourceKind::Bytes(bytes) => s.field("bytes", &bytes.len()),
            SourceKind::Path(path) => s.field("path", path),
            SourceKind::Range(path, offset, len) => s
                .field("path", path)
                .field("offset", offset)
                .field("len", len),
            SourceKind::Reader(_, len) => s.field("reader_len", len),
        };
        s.finish()
    }
}

/// A `multipart/form-data` body: text fields followed by one streamed file part.
#[must_use = "a form is only sent as the body of a request"]
pub struct Multipart {
    boundary: String,
    fields: Vec<(&'static str, String)>,
    file_field: &'static str,
    file: FileSource,
}

impl Multipart {
    /// A form whose file part is named `file_field` (OpenAI uses `"file"`).
    pub fn new(file_field: &'static str, file: FileSource) -> Self {
        Multipart {
            boundary: format!("openai-blocking-{:016x}{:016x}", random_u64(), random_u64()),
            fields: Vec::new(),
            file_field,
            file,
        }
    }

    /// Add a text field, e.g. `("purpose", "assistants")`.
    pub fn text(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.fields.push((name, value.into()));
        self
    }

    /// Whether the form can be sent again (its file is not a one-shot reader).
    pub(crate) fn is_replayable(&self) -> bool {
        self.file.is_replayable()
    }

    pub(crate) fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The whole body as one reader (head, file, tail) and its exact length when known.
    pub(crate) fn open(&self) -> Result<(Box<dyn Read>, Option<u64>), Error> {
        let boundary = &self.boundary;
        let mut head = String::new();
        for (name, value) in &self.fields {
            head.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        head.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n",
            self.file_field,
            escape_file_name(&self.file.file_name)
        ));
        let tail = format!("\r\n--{boundary}--\r\n");
        let (file, file_len) = self.file.open()?;
        let len = file_len.map(|n| head.len() as u64 + n + tail.len() as u64);
        let body = Cursor::new(head.into_bytes())
            .chain(file)
            .chain(Cursor::new(tail.into_bytes()));
        Ok((Box::new(body), len))
    }
}

/// Quote-safe file name for a `Content-Disposition` header (as browsers do).
fn escape_file_name(name: &str) -> String {
    name.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_escaped() {
        assert_eq!(escape_file_name("a\"b\r\n.txt"), "a%22b%0D%0A.txt");
    }
}
