//! The engine's behaviour, seen through the SDK: each module is one subject (runs, vector
//! stores, errors, ...). Every call goes through an `OpenAIClient` to a `LocalServer` on
//! loopback; the raw wire format is tested in `tests/http/`.
//!
//! Only the cases the SDK cannot express (a body of the wrong shape, a request without a
//! key or without the beta header) go around its typed methods.

mod batches;
mod chat;
mod concurrency;
mod conversations;
mod deletes;
mod errors;
mod file_search;
mod models;
mod modify;
mod pagination;
mod responder;
mod response_streams;
mod responses;
mod runs;
mod support;
mod uploads;
mod vector_stores;
