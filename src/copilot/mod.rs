//! Document copilots (feature `pdf`): summaries, chat over documents, and image descriptions
//! written back into PDFs as alternative text.
//!
//! Each copilot is made by the client from its options:
//! [`get_summary_copilot`](crate::OpenAIClient::get_summary_copilot),
//! [`get_chat_copilot`](crate::OpenAIClient::get_chat_copilot) and
//! [`get_image_description_copilot`](crate::OpenAIClient::get_image_description_copilot).
//! Summary and chat work on two backends ([`CopilotBackend`]): chat completions with the
//! text extracted locally (the default), or the Assistants API with file_search.
//!
//! The PDF document layer they stand on (text, images, alternative text, generated report
//! PDFs) lives in [`pdf`].

mod assistants;
mod chat;
mod completions;
mod context;
mod documents;
mod error;
mod images;
mod options;
mod output;
pub mod pdf;
mod summary;

pub use chat::ChatCopilot;
pub use context::CopilotContext;
pub use error::CopilotError;
pub use images::{ImageDescription, ImageDescriptionCopilot, ImageDescriptionResult};
pub use options::{
    ChatCopilotOptions, CommonOptions, CopilotBackend, CopilotDocument,
    ImageDescriptionCopilotOptions, ImageDetail, SaveFormat, SummaryCopilotOptions, TextDocument,
    DEFAULT_COPILOT_MODEL, DEFAULT_IMAGE_DESCRIPTION_PROMPT, DEFAULT_SUMMARY_PROMPT,
};
pub use pdf::PdfDocument;
pub use summary::SummaryCopilot;
