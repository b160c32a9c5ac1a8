//! The typed error of the PDF document layer.

use std::fmt;
use std::io;

/// Why a PDF (or an image file) could not be read or written.
///
/// Every variant names the document it is about (its path when it was read from a file,
/// otherwise the name it was given), so a message can be shown to a user as is.
/// Damaged input never panics: the PDF crates run under `catch_unwind`, and a panic inside
/// them comes back as [`PdfError::Damaged`]; in a worker process (see
/// [`Isolation`](crate::Isolation)) an input that exhausts memory or time comes back as
/// [`PdfError::LimitExceeded`] or as a page left out with a warning.
#[derive(Debug)]
#[non_exhaustive]
pub enum PdfError {
    /// The file could not be read.
    Io {
        /// The document's path or name.
        name: String,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// The file has no bytes at all.
    Empty {
        /// The document's path or name.
        name: String,
    },
    /// The bytes are not a PDF (no `%PDF-` header near the start).
    NotPdf {
        /// The document's path or name.
        name: String,
    },
    /// The PDF is encrypted and does not open with the empty user password.
    ///
    /// Files encrypted with only an owner password (an empty user password) open without one.
    PasswordRequired {
        /// The document's path or name.
        name: String,
    },
    /// The PDF ends early (no `%%EOF` marker at its end) and what is there could not be read:
    /// most often an incomplete download.
    Truncated {
        /// The document's path or name.
        name: String,
        /// What failed, as the parser reported it.
        detail: String,
    },
    /// The PDF is corrupt: its structure could not be read, no page could be read, or a
    /// parser gave up (or panicked) on it.
    Damaged {
        /// The document's path or name.
        name: String,
        /// What failed, as the parser reported it.
        detail: String,
    },
    /// The PDF opened but none of its pages has extractable text: a scan or an image-only
    /// document. Its images can still be described (see
    /// [`extract_images`](crate::extract_images)).
    NoTextLayer {
        /// The document's path or name.
        name: String,
        /// How many pages the document has.
        pages: usize,
    },
    /// An image file that is neither PNG nor JPEG, or whose header cannot be read.
    UnsupportedImage {
        /// The image's path or name.
        name: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A PDF could not be written (a generated report, or a copy with alternative text).
    Write {
        /// The document's path or name (for a report: its title, or `report`).
        name: String,
        /// What failed.
        detail: String,
    },
    /// The document needed more memory or time than the [worker's
    /// limits](crate::Isolation) allow before any of it could be read (a page past the
    /// limits is only left out, with a warning).
    LimitExceeded {
        /// The document's path or name.
        name: String,
        /// Which limit, and what the worker reported.
        detail: String,
    },
    /// The worker process could not be used: it cannot be started, or it answers in
    /// another format (a `copilot-pdf-worker` of another version).
    Worker {
        /// The document's path or name.
        name: String,
        /// What went wrong.
        detail: String,
    },
}

impl PdfError {
    /// The path or name of the document the error is about.
    pub fn name(&self) -> &str {
        match self {
            PdfError::Io { name, .. }
            | PdfError::Empty { name }
            | PdfError::NotPdf { name }
            | PdfError::PasswordRequired { name }
            | PdfError::Truncated { name, .. }
            | PdfError::Damaged { name, .. }
            | PdfError::NoTextLayer { name, .. }
            | PdfError::UnsupportedImage { name, .. }
            | PdfError::Write { name, .. }
            | PdfError::LimitExceeded { name, .. }
            | PdfError::Worker { name, .. } => name,
        }
    }
}

impl fmt::Display for PdfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PdfError::Io { name, source } => write!(f, "{name}: cannot read the file: {source}"),
            PdfError::Empty { name } => write!(f, "{name}: the file is empty (0 bytes)"),
            PdfError::NotPdf { name } => {
                write!(f, "{name}: not a PDF file (no %PDF- header at its start)")
            }
            PdfError::PasswordRequired { name } => {
                write!(
                    f,
                    "{name}: the PDF is encrypted and needs a password to open"
                )
            }
            PdfError::Truncated { name, detail } => write!(
                f,
                "{name}: the PDF is truncated (it ends before its %%EOF marker; an incomplete \
                 download?): {detail}"
            ),
            PdfError::Damaged { name, detail } => write!(f, "{name}: the PDF is damaged: {detail}"),
            PdfError::NoTextLayer { name, pages } => write!(
                f,
                "{name}: the PDF has no text layer (none of its {pages} page(s) has extractable \
                 text; a scan or an image-only document)"
            ),
            PdfError::UnsupportedImage { name, detail } => {
                write!(f, "{name}: unsupported image: {detail}")
            }
            PdfError::Write { name, detail } => {
                write!(f, "{name}: the PDF could not be written: {detail}")
            }
            PdfError::LimitExceeded { name, detail } => write!(
                f,
                "{name}: the PDF could not be read within the worker's limits: {detail}"
            ),
            PdfError::Worker { name, detail } => {
                write!(f, "{name}: the PDF worker process failed: {detail}")
            }
        }
    }
}

impl std::error::Error for PdfError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PdfError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
