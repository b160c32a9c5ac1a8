//! The local engine over raw HTTP: wire format, status codes, error shapes, lifecycles,
//! pagination, multipart uploads, the deterministic model and concurrency, without the SDK
//! in between. Each module is one subject; `support` holds a minimal HTTP/1.1 client. The same
//! behaviour seen through the SDK is tested in `tests/sdk/`.

mod assistants;
mod auth;
mod batches;
mod chat;
mod concurrency;
mod deletes;
mod errors;
mod file_search;
mod files;
mod messages;
mod pagination;
mod responder;
mod responses;
mod runs;
mod server;
mod streaming;
mod support;
mod uploads;
mod vector_stores;
