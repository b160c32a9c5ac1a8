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
//! Each API family is a Cargo feature, all on by default (`assistants`, `chat`, `responses`,
//! `files`, `vector-stores`, `batch`, `embeddings`, `moderations`, `models`): a program that
//! turns the others off builds only the types and methods of the families it uses. Two more
//! are on by default: `gzip` (compressed answers) and `both-ways` (every generated type
//! both serializes and deserializes; without it request types only serialize and answer
//! types only deserialize, which is all a client needs).
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
// With only some API families on, helpers the others share (pagination, the waits' loop,
// parallel uploads) go unused; the full build keeps every warning.
#![cfg_attr(
    not(all(
        feature = "assistants",
        feature = "chat",
        feature = "responses",
        feature = "files",
        feature = "vector-stores",
        feature = "batch",
        feature = "embeddings",
        feature = "moderations",
        feature = "models"
    )),
    allow(dead_code, unused_imports, unused_macros)
)]

#[cfg(feature = "assistants")]
mod assistants;
#[cfg(feature = "batch")]
mod batch;
#[cfg(feature = "batch")]
mod batches;
#[cfg(by_kind)]
mod by_kind;
#[cfg(feature = "chat")]
mod chat;
mod client;
mod concurrency;
#[cfg(feature = "responses")]
mod conversations;
#[cfg(feature = "embeddings")]
mod embeddings;
mod endpoint;
mod errors;
#[cfg(feature = "vector-stores")]
mod file_batches;
#[cfg(feature = "files")]
mod files;
#[cfg(feature = "assistants")]
mod messages;
#[cfg(feature = "models")]
mod models;
#[cfg(feature = "moderations")]
mod moderations;
#[cfg(open_str)]
mod open_str;
mod options;
pub(crate) mod pagination;
mod patch;
mod polling;
mod query;
mod requests;
mod response_requests;
#[cfg(feature = "responses")]
mod responses;
#[cfg(feature = "assistants")]
mod run_steps;
#[cfg(feature = "assistants")]
mod runs;
mod streaming;
mod tagged;
#[cfg(feature = "assistants")]
mod threads;
mod transport;
pub mod types;
#[cfg(unknown_fields)]
mod unknown_fields;
#[cfg(feature = "files")]
mod uploads;
#[cfg(feature = "vector-stores")]
mod vector_store_files;
#[cfg(feature = "vector-stores")]
mod vector_stores;

#[cfg(feature = "batch")]
pub use batch::{
    read_batch_lines, BatchAnswer, BatchFile, BatchLimits, BatchLine, BatchLineError, BatchRequest,
    BatchResult, BatchResults, BatchWriter, MAX_BATCH_EMBEDDING_INPUTS, MAX_BATCH_FILE_BYTES,
    MAX_BATCH_LINES,
};
pub use client::{OpenAIClient, OpenAIClientBuilder};
pub use errors::{ApiErrorKind, ApiErrorResponse, Error, RateLimit, ResponseMeta};
#[cfg(feature = "files")]
pub use files::FileUploadRequest;
pub use options::RequestOptions;
pub use pagination::{Page, PageIter};
pub use patch::Patch;
#[cfg(polls)]
pub use polling::Polled;
pub use polling::{PollCounts, PollProgress, Waiter};
pub use query::{CursorQuery, QueryParameters};
#[cfg(feature = "responses")]
pub use response_requests::FunctionCall;
#[cfg(feature = "chat")]
pub use streaming::{ChatCompletionStream, ChatTextDeltas};
#[cfg(feature = "responses")]
pub use streaming::{ResponseStream, ResponseTextDeltas};
#[cfg(feature = "assistants")]
pub use streaming::{RunEventHandler, RunStream, TextDeltas};
pub use transport::{
    encode_path_id, ApiResponse, ContentReader, FileSource, Multipart, Request, MAX_RETRY_AFTER,
};
#[cfg(feature = "files")]
pub use uploads::{MAX_UPLOAD_BYTES, MAX_UPLOAD_PART_BYTES};
pub use ureq;
pub use ureq::http::HeaderMap;

// The seed API's request and response types, and the names of the Responses family one
// reaches for first, by feature; every other generated type is in `types`.
#[cfg(feature = "responses")]
pub use types::{
    Annotation, ConversationCreateRequest, ConversationItem, ConversationItemCreateRequest,
    ConversationItemList, ConversationItemListQueryParameters, ConversationModifyRequest,
    ConversationResponse, InputItem, InputParam, OutputItem, OutputMessageContent,
    ResponseCreateRequest, ResponseGetQueryParameters, ResponseInputItemList,
    ResponseInputItemListQueryParameters, ResponseObject, ResponseObjectStatus,
    ResponseStreamEvent, Tool,
};
pub use types::{ApiError, DeleteStatusResponse, ListOrder, Metadata};
#[cfg(feature = "assistants")]
pub use types::{
    AssistantCreateRequest, AssistantCreateRequestToolResources, AssistantListQueryParameters,
    AssistantListResponse, AssistantModifyRequest, AssistantResponse, AssistantStreamEvent,
    AssistantTool, MessageContent, RunCreateRequest, RunListQueryParameters, RunListResponse,
    RunModifyRequest, RunResponse, RunResponseStatus, RunStepInclude, RunStepListQueryParameters,
    RunStepListResponse, RunStepResponse, RunThreadCreateRequest, SubmitToolOutputsRequest,
    ThreadCreateRequest, ThreadMessageCreateRequest, ThreadMessageListQueryParameters,
    ThreadMessageListResponse, ThreadMessageModifyRequest, ThreadMessageResponse,
    ThreadModifyRequest, ThreadResponse,
};
#[cfg(feature = "batch")]
pub use types::{
    BatchCreateRequest, BatchCreateRequestEndpoint, BatchListQueryParameters, BatchListResponse,
    BatchResponse, BatchResponseStatus,
};
#[cfg(feature = "chat")]
pub use types::{
    ChatCompletionRequestMessage, ChatCompletionStreamOptions, CompletionCreateRequest,
    CompletionResponse, CreateChatCompletionChunkResponse,
};
#[cfg(feature = "embeddings")]
pub use types::{EmbeddingCreateRequest, EmbeddingResponse};
#[cfg(feature = "files")]
pub use types::{
    FileListQueryParameters, FileListResponse, FileResponse, UploadCreateRequest,
    UploadCreateRequestPurpose, UploadResponse,
};
#[cfg(feature = "models")]
pub use types::{ModelListResponse, ModelResponse};
#[cfg(feature = "moderations")]
pub use types::{ModerationCreateRequest, ModerationResponse};
#[cfg(feature = "vector-stores")]
pub use types::{
    VectorStoreCreateRequest, VectorStoreFileBatchCreateRequest,
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
