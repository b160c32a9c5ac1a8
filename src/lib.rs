//! A blocking client for OpenAI's Assistants-v2 API family.
#![warn(missing_docs)]

mod query;
mod requests;
mod types;

pub use query::QueryParameters;
pub use types::*;
