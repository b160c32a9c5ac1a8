//! A blocking client for OpenAI's API, built on [`ureq`]: responses and conversations, chat
//! completions, embeddings, moderations, models, files and vector stores, and the
//! Assistants-v2 family (assistants, threads, messages, runs, run steps) for the servers that
//! still serve it. Answers stream as blocking iterators ([`ResponseStream`], [`RunStream`],
//! [`ChatCompletionStream`]); no async runtime.
//!
//! ```no_run
//! use openai_blocking::*;
//!
//! # fn main() -> Result<(), Error> {
//! let client = OpenAIClient::from_env()?;
//! let response = client.create_response(&ResponseCreateRequest::text("gpt-4.1-mini", "Hi!"))?;
//! println!("{}", response.output_text());
//! # Ok(())
//! # }
//! ```
//!
//! Request and response types are generated from OpenAI's OpenAPI document into [`types`];
//! the crate root re-exports the common ones.
//!
//! The client is configured once and shared (it is `Clone`, `Send` and `Sync`):
//!
//! ```no_run
//! use std::time::Duration;
//! use openai_blocking::OpenAIClient;
//!
//! # fn main() -> Result<(), openai_blocking::Error> {
//! let client = OpenAIClient::create_with_api_key("sk-...")
//!     .with_project("proj_123")
//!     .with_max_retries(3)
//!     .with_timeout(Duration::from_secs(120))
//!     .build()?;
//!
//! // Or from OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID and OPENAI_PROJECT_ID:
//! let client = OpenAIClient::from_env()?;
//! # let _ = client;
//! # Ok(())
//! # }
//! ```
//!
//! Transient failures (connection errors, timeouts, HTTP 408, 409, 429 and 5xx) are retried
//! twice by default with exponential backoff (0.5 s, 1 s, ... capped at 8 s, minus up to
//! 25 % jitter). A `retry-after-ms` / `retry-after` wait of up to [`MAX_RETRY_AFTER`] (120 s)
//! is honoured; when the server asks for more, the error is returned at once. API failures come back as
//! [`Error::Api`] with the status, the parsed `error` object, the request id and rate-limit
//! headers:
//!
//! ```no_run
//! # use openai_blocking::{ApiErrorKind, Error};
//! # fn handle(result: Result<(), Error>) {
//! match result {
//!     Err(Error::Api(api)) if api.kind() == ApiErrorKind::RateLimit => {
//!         eprintln!("slow down: {:?} left", api.rate_limit.remaining_requests);
//!     }
//!     Err(err) => eprintln!("failed: {err} (request id {:?})", err.request_id()),
//!     Ok(()) => {}
//! }
//! # }
//! ```
//!
//! Background responses, runs, messages, vector stores and file batches are waited for by
//! polling: the `wait_for_*` and `*_and_wait` methods, and [`run_and_get_assistant_response`]. They poll
//! every second, or as the server's `openai-poll-after-ms` header suggests (at most 10 s),
//! and give up after 10 minutes with [`Error::PollTimeout`]; a [`Waiter`] adds a progress
//! callback or a cancel flag. Against the local engine of the `openai-local` crate (a
//! dev-dependency that serves this API on loopback):
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use openai_blocking::*;
//!
//! let server = openai_local::LocalServer::start()?; // 127.0.0.1, no key needed
//! let client = server.client()?;
//! let assistant = client.create_assistant(&AssistantCreateRequest::new("gpt-4o-mini"))?;
//! let thread = client.create_thread(&ThreadCreateRequest::default())?;
//! let question = ThreadMessageCreateRequest::user("Say hello.");
//! client.create_thread_message(&thread.id, &question)?;
//!
//! let run = RunCreateRequest::new(&assistant.id);
//! let answer = client.run_and_get_assistant_response(&thread.id, &run)?;
//! assert!(!answer.is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! [`run_and_get_assistant_response`]: OpenAIClient::run_and_get_assistant_response
//!
//! The workspace has three more crates: `openai-local` (the engine above), `copilot-pdf` (PDF
//! text, images, alternative text and report PDFs) and `openai-copilots` (summary, chat and
//! image-description copilots on this client and that PDF layer).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod assistants;
mod batch;
mod batches;
mod chat;
mod client;
mod concurrency;
mod conversations;
mod embeddings;
mod endpoint;
mod errors;
mod file_batches;
mod files;
mod messages;
mod models;
mod moderations;
mod options;
pub(crate) mod pagination;
mod patch;
mod polling;
mod query;
mod requests;
mod response_requests;
mod responses;
mod run_steps;
mod runs;
mod streaming;
mod tagged;
mod threads;
mod transport;
pub mod types;
mod uploads;
mod vector_store_files;
mod vector_stores;

pub use batch::{
    read_batch_lines, BatchAnswer, BatchFile, BatchLimits, BatchLine, BatchLineError, BatchRequest,
    BatchResult, BatchResults, BatchWriter, MAX_BATCH_EMBEDDING_INPUTS, MAX_BATCH_FILE_BYTES,
    MAX_BATCH_LINES,
};
pub use client::{OpenAIClient, OpenAIClientBuilder};
pub use errors::{ApiErrorKind, ApiErrorResponse, Error, RateLimit, ResponseMeta};
pub use files::FileUploadRequest;
pub use options::RequestOptions;
pub use pagination::{Page, PageIter};
pub use patch::Patch;
pub use polling::{PollCounts, PollProgress, Polled, Waiter};
pub use query::{CursorQuery, QueryParameters};
pub use response_requests::FunctionCall;
pub use streaming::{
    ChatCompletionStream, ChatTextDeltas, ResponseStream, ResponseTextDeltas, RunEventHandler,
    RunStream, TextDeltas,
};
pub use transport::{
    encode_path_id, ApiResponse, ContentReader, FileSource, Multipart, Request, MAX_RETRY_AFTER,
};
pub use uploads::{MAX_UPLOAD_BYTES, MAX_UPLOAD_PART_BYTES};
pub use ureq;
pub use ureq::http::HeaderMap;

/// The seed API's request and response types, and the names of the Responses family one
/// reaches for first (sorted by name); every other generated type is in [`types`].
pub use types::{
    Annotation, ApiError, AssistantCreateRequest, AssistantCreateRequestToolResources,
    AssistantListQueryParameters, AssistantListResponse, AssistantModifyRequest, AssistantResponse,
    AssistantStreamEvent, AssistantTool, BatchCreateRequest, BatchCreateRequestEndpoint,
    BatchListQueryParameters, BatchListResponse, BatchResponse, BatchResponseStatus,
    ChatCompletionRequestMessage, ChatCompletionStreamOptions, CompletionCreateRequest,
    CompletionResponse, ConversationCreateRequest, ConversationItem, ConversationItemCreateRequest,
    ConversationItemList, ConversationItemListQueryParameters, ConversationModifyRequest,
    ConversationResponse, CreateChatCompletionChunkResponse, DeleteStatusResponse,
    EmbeddingCreateRequest, EmbeddingResponse, FileListQueryParameters, FileListResponse,
    FileResponse, InputItem, InputParam, ListOrder, MessageContent, Metadata, ModelListResponse,
    ModelResponse, ModerationCreateRequest, ModerationResponse, OutputItem, OutputMessageContent,
    ResponseCreateRequest, ResponseGetQueryParameters, ResponseInputItemList,
    ResponseInputItemListQueryParameters, ResponseObject, ResponseObjectStatus,
    ResponseStreamEvent, RunCreateRequest, RunListQueryParameters, RunListResponse,
    RunModifyRequest, RunResponse, RunResponseStatus, RunStepInclude, RunStepListQueryParameters,
    RunStepListResponse, RunStepResponse, RunThreadCreateRequest, SubmitToolOutputsRequest,
    ThreadCreateRequest, ThreadMessageCreateRequest, ThreadMessageListQueryParameters,
    ThreadMessageListResponse, ThreadMessageModifyRequest, ThreadMessageResponse,
    ThreadModifyRequest, ThreadResponse, Tool, UploadCreateRequest, UploadCreateRequestPurpose,
    UploadResponse, VectorStoreCreateRequest, VectorStoreFileBatchCreateRequest,
    VectorStoreFileBatchFileListQueryParameters, VectorStoreFileBatchResponse,
    VectorStoreFileCreateRequest, VectorStoreFileListQueryParameters, VectorStoreFileListResponse,
    VectorStoreFileModifyRequest, VectorStoreFileResponse, VectorStoreListQueryParameters,
    VectorStoreListResponse, VectorStoreModifyRequest, VectorStoreResponse,
    VectorStoreSearchRequest, VectorStoreSearchResponse,
};

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
