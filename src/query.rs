//! List query parameters rendered as URL query strings.

use serde::Serialize;

use crate::transport::percent_encode;
use crate::types::*;

/// A list operation's query parameters, rendered as `key=value&…` (no leading `?`).
///
/// Unset parameters are left out; array parameters such as `include[]` repeat their key.
///
/// ```
/// use openai_blocking::{ListOrder, QueryParameters, RunListQueryParameters};
/// let q = RunListQueryParameters {
///     limit: Some(50),
///     order: Some(ListOrder::Asc),
///     ..Default::default()
/// };
/// assert_eq!(q.to_query_string(), "limit=50&order=asc");
/// ```
pub trait QueryParameters: Serialize {
    /// The parameters as a query string; empty when none is set.
    fn to_query_string(&self) -> String {
        let mut out = String::new();
        if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(self) {
            for (key, value) in &fields {
                let values = match value {
                    serde_json::Value::Array(items) => items.iter().collect(),
                    other => vec![other],
                };
                for v in values {
                    let text = match v {
                        serde_json::Value::Null => continue,
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    if !out.is_empty() {
                        out.push('&');
                    }
                    out.push_str(&percent_encode(key));
                    out.push('=');
                    out.push_str(&percent_encode(&text));
                }
            }
        }
        out
    }
}

/// The query parameters of a cursor-paginated list: they can ask for the page after an id.
pub trait CursorQuery: QueryParameters + Clone + Default {
    /// Sets the `after` cursor, to fetch the page after the given id.
    fn set_after(&mut self, after: Option<String>);
}

macro_rules! query_parameters {
    ($($(#[$attr:meta])* $t:ty),* $(,)?) => {$(
        $(#[$attr])*
        impl QueryParameters for $t {}
    )*};
}

macro_rules! cursor_queries {
    ($($(#[$attr:meta])* $t:ty),* $(,)?) => {$(
        $(#[$attr])*
        impl QueryParameters for $t {}
        $(#[$attr])*
        impl CursorQuery for $t {
            fn set_after(&mut self, after: Option<String>) {
                self.after = after;
            }
        }
    )*};
}

cursor_queries!(
    #[cfg(feature = "assistants")]
    AssistantListQueryParameters,
    #[cfg(feature = "assistants")]
    ThreadMessageListQueryParameters,
    #[cfg(feature = "assistants")]
    RunListQueryParameters,
    #[cfg(feature = "assistants")]
    RunStepListQueryParameters,
    #[cfg(feature = "files")]
    FileListQueryParameters,
    #[cfg(feature = "vector-stores")]
    VectorStoreListQueryParameters,
    #[cfg(feature = "vector-stores")]
    VectorStoreFileListQueryParameters,
    #[cfg(feature = "vector-stores")]
    VectorStoreFileBatchFileListQueryParameters,
    #[cfg(feature = "responses")]
    ResponseInputItemListQueryParameters,
    #[cfg(feature = "responses")]
    ConversationItemListQueryParameters,
    #[cfg(feature = "batch")]
    BatchListQueryParameters,
);

query_parameters!(
    #[cfg(feature = "responses")]
    ResponseGetQueryParameters,
    #[cfg(feature = "responses")]
    ConversationItemGetQueryParameters,
    #[cfg(feature = "responses")]
    ConversationItemCreateQueryParameters,
);

/// The query string of optional list parameters; empty for `None`.
pub(crate) fn query_string<Q: QueryParameters>(query: Option<&Q>) -> String {
    query
        .map(QueryParameters::to_query_string)
        .unwrap_or_default()
}

/// `include[]=a&include[]=b` for the fields an operation is asked to include.
#[cfg(feature = "assistants")]
pub(crate) fn include_query(include: &[RunStepInclude]) -> String {
    let mut out = String::new();
    for value in include {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str("include%5B%5D=");
        out.push_str(&percent_encode(&value.to_string()));
    }
    out
}
