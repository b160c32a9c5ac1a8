//! What can go wrong in a copilot.

use std::error::Error as StdError;
use std::fmt;
use std::path::PathBuf;

use copilot_pdf::PdfError;
use openai_blocking::Error;

use crate::CopilotContext;

/// Everything a copilot can fail with.
#[derive(Debug)]
#[non_exhaustive]
pub enum CopilotError {
    /// A call to the API failed.
    Api(Error),
    /// The server does not serve the Assistants API (it answered 404 or 410 where an
    /// assistant, thread or vector store was created). Use
    /// [`CopilotBackend::ChatCompletions`](crate::CopilotBackend::ChatCompletions).
    AssistantsUnavailable(Error),
    /// A PDF could not be read (named in the error).
    Pdf(PdfError),
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The copilot was given no document to work on.
    NoDocuments,
    /// A document this copilot cannot use (e.g. an image given to the summary copilot, or a
    /// file the server could not index).
    Document {
        /// The document's name or path.
        name: String,
        /// Why.
        message: String,
    },
    /// The model answered with no text.
    NoAnswer {
        /// What the server said instead (e.g. the finish reason).
        reason: String,
    },
    /// A saved context file is not one this crate wrote.
    Context {
        /// The file.
        path: PathBuf,
        /// Why it was rejected.
        message: String,
    },
    /// Some of the objects a copilot created on the server could not be deleted (those
    /// already gone count as deleted). Every object was tried; `left` holds the ones that
    /// remain, so they can be saved with [`CopilotContext::save`] and deleted later.
    Cleanup {
        /// The objects still on the server.
        left: Box<CopilotContext>,
        /// The first failure.
        source: Error,
    },
    /// The cancel flag was set; the work stopped before `stage` was done.
    Cancelled {
        /// What was being done.
        stage: crate::CopilotStage,
    },
    /// An output file exists already and the options do not allow replacing it
    /// (`with_overwrite_outputs`); nothing was written.
    OutputExists {
        /// The output path.
        path: PathBuf,
    },
    /// An output would replace one of the copilot's input documents; nothing was written.
    WouldOverwriteInput {
        /// The output path, which is also an input.
        path: PathBuf,
    },
}

impl CopilotError {
    /// Wraps an error of a call that creates an Assistants object: 404 and 410 there mean
    /// the server has no Assistants API.
    pub(crate) fn from_create(error: Error) -> CopilotError {
        match error.status() {
            Some(404 | 410) => CopilotError::AssistantsUnavailable(error),
            _ => CopilotError::Api(error),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> CopilotError {
        CopilotError::Io {
            path: path.into(),
            source,
        }
    }
}

impl fmt::Display for CopilotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CopilotError::Api(e) => write!(f, "{e}"),
            CopilotError::AssistantsUnavailable(e) => write!(
                f,
                "the server does not serve the Assistants API (HTTP {}); use \
                 CopilotBackend::ChatCompletions instead: {e}",
                e.status().unwrap_or_default()
            ),
            CopilotError::Pdf(e) => write!(f, "{e}"),
            CopilotError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            CopilotError::NoDocuments => write!(f, "the copilot was given no document"),
            CopilotError::Document { name, message } => write!(f, "{name}: {message}"),
            CopilotError::NoAnswer { reason } => write!(f, "the model gave no answer ({reason})"),
            CopilotError::Context { path, message } => {
                write!(
                    f,
                    "{}: not a saved copilot context: {message}",
                    path.display()
                )
            }
            CopilotError::Cleanup { left, source } => write!(
                f,
                "could not delete {} on the server: {source}",
                left.server_objects().join(", ")
            ),
            CopilotError::Cancelled { stage } => write!(f, "cancelled while {stage:?}"),
            CopilotError::OutputExists { path } => write!(
                f,
                "{} exists; not replaced (allow it with with_overwrite_outputs(true))",
                path.display()
            ),
            CopilotError::WouldOverwriteInput { path } => write!(
                f,
                "{}: this is one of the copilot's input documents; it is not overwritten \
                 (choose another output path)",
                path.display()
            ),
        }
    }
}

impl StdError for CopilotError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            CopilotError::Api(e)
            | CopilotError::AssistantsUnavailable(e)
            | CopilotError::Cleanup { source: e, .. } => Some(e),
            CopilotError::Pdf(e) => Some(e),
            CopilotError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<Error> for CopilotError {
    fn from(e: Error) -> Self {
        CopilotError::Api(e)
    }
}

impl From<PdfError> for CopilotError {
    fn from(e: PdfError) -> Self {
        CopilotError::Pdf(e)
    }
}
