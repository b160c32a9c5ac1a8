//! Document copilots on [`openai_blocking`]: summaries, chat about documents, and image
//! descriptions written back into PDFs as alternative text.
//!
//! The copilots are made from an [`OpenAIClient`] and their options, as in the seed API.
//! Import the prelude, which brings the [`CopilotClientExt`] extension trait and the option
//! types:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use openai_copilots::prelude::*;
//!
//! # let server = openai_local::LocalServer::start()?;
//! # let client = server.client()?;
//! // `client` is any OpenAIClient; here one of the local engine (openai-local).
//! let notes = "The bridge opened in 1932. It carries trains and cars across the harbour. \
//!              Its arch spans 503 metres, and painting it takes ten years.";
//! let mut chat = client.get_chat_copilot(
//!     ChatCopilotOptions::new().with_document(TextDocument::new("bridge.txt", notes)),
//! );
//! let answer = chat.get_response("When did the bridge open?")?;
//! assert!(answer.contains("1932"));
//! chat.close()?; // ends it, deleting anything it made on the server (see ChatCopilot)
//! # Ok(())
//! # }
//! ```
//!
//! The copilots work on three backends ([`CopilotBackend`]): the Responses API (the
//! default: documents in the request when they fit, else `file_search` over a vector store,
//! see [`DocumentDelivery`]; a chat's context in a Conversation), chat completions with the
//! text extracted locally, or the Assistants API with file_search. Answers can be streamed
//! to a callback on each ([`ChatCopilot::get_response_streamed`],
//! [`SummaryCopilot::get_summary_streamed`]). Documents are read with the PDF layer,
//! [`copilot_pdf`], whose [`PdfDocument`] is re-exported here.
//!
//! The [`ImageDescriptionCopilot`] describes a PDF's raster images and the vector figures of
//! a tagged PDF (diagrams drawn with paths and text, rendered to an image), at most
//! [`DEFAULT_MAX_IMAGES_PER_PAGE`] a page and [`DEFAULT_MAX_IMAGES`] a document unless told
//! otherwise, and writes the descriptions back as `/Alt` on `/Figure` structure elements;
//! what it leaves out is listed with why ([`NotDescribed`]).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod assistants;
mod chat;
mod completions;
mod context;
mod corpus;
mod documents;
mod error;
mod images;
mod options;
mod output;
mod parallel;
mod progress;
mod responses;
mod streamed;
mod summary;

pub use chat::ChatCopilot;
pub use context::CopilotContext;
pub use copilot_pdf::PdfDocument;
pub use corpus::{CorpusBatch, CorpusDocument, CorpusProgress, CorpusSummaries};
pub use error::CopilotError;
pub use images::{
    DescribedKind, ImageBatch, ImageDescription, ImageDescriptionCopilot, ImageDescriptionResult,
    NotDescribed, NotDescribedReason,
};
pub use options::{
    ChatCopilotOptions, CommonOptions, CopilotBackend, CopilotDocument, DocumentDelivery,
    ImageDescriptionCopilotOptions, ImageDetail, SaveFormat, SummaryCopilotOptions, TextDocument,
    DEFAULT_COPILOT_MODEL, DEFAULT_IMAGE_DESCRIPTION_PROMPT, DEFAULT_MAX_IMAGES,
    DEFAULT_MAX_IMAGES_PER_PAGE, DEFAULT_SUMMARY_PROMPT, MAX_INLINE_BYTES, TINY_IMAGE_PIXELS,
    TINY_IMAGE_POINTS,
};
pub use progress::{CopilotProgress, CopilotStage, ProgressCallback};
pub use summary::SummaryCopilot;

use openai_blocking::OpenAIClient;

/// The seed API's copilot constructors on [`OpenAIClient`]:
/// `client.get_summary_copilot(options)` and its two siblings.
pub trait CopilotClientExt {
    /// A copilot that summarises the documents of `options`.
    fn get_summary_copilot(&self, options: SummaryCopilotOptions) -> SummaryCopilot;
    /// A copilot that chats about the documents of `options`.
    fn get_chat_copilot(&self, options: ChatCopilotOptions) -> ChatCopilot;
    /// A copilot that describes the images of the documents of `options`.
    fn get_image_description_copilot(
        &self,
        options: ImageDescriptionCopilotOptions,
    ) -> ImageDescriptionCopilot;
}

impl CopilotClientExt for OpenAIClient {
    fn get_summary_copilot(&self, options: SummaryCopilotOptions) -> SummaryCopilot {
        SummaryCopilot::new(self, options)
    }

    fn get_chat_copilot(&self, options: ChatCopilotOptions) -> ChatCopilot {
        ChatCopilot::new(self, options)
    }

    fn get_image_description_copilot(
        &self,
        options: ImageDescriptionCopilotOptions,
    ) -> ImageDescriptionCopilot {
        ImageDescriptionCopilot::new(self, options)
    }
}

/// Everything a copilot user needs in one import: the extension trait, the copilots, their
/// options and errors, and the SDK's client.
pub mod prelude {
    pub use crate::{
        ChatCopilot, ChatCopilotOptions, CopilotBackend, CopilotClientExt, CopilotContext,
        CopilotError, CopilotProgress, CopilotStage, CorpusBatch, CorpusProgress, CorpusSummaries,
        DescribedKind, DocumentDelivery, ImageDescriptionCopilot, ImageDescriptionCopilotOptions,
        ImageDetail, NotDescribedReason, PdfDocument, SaveFormat, SummaryCopilot,
        SummaryCopilotOptions, TextDocument,
    };
    pub use openai_blocking::OpenAIClient;
}

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
