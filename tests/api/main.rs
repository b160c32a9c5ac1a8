//! Every client method against httpmock, one module per resource: the HTTP method, the exact
//! path and query, the headers (`Authorization`, `Content-Type`, `OpenAI-Beta` present on the
//! Assistants-v2 family and absent elsewhere), the exact JSON body, and the decoding of a
//! realistic response. One test binary keeps link time low.

#[path = "../common/mod.rs"]
mod common;
#[path = "../shared/requests.rs"]
mod requests;
mod support;

mod assistants;
mod batches;
mod chat;
mod conversations;
mod embeddings;
mod file_batches;
mod files;
mod messages;
mod models;
mod moderations;
mod responses;
mod run_steps;
mod runs;
mod threads;
mod uploads;
mod vector_store_files;
mod vector_stores;
