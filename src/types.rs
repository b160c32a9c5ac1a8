//! Request and response types, generated at build time from `spec/openai.schema.json`.
#![allow(clippy::all, missing_docs, rustdoc::all)]

pub use crate::Patch;

include!(concat!(env!("OUT_DIR"), "/openai_types.rs"));
