//! Helpers shared by the tests of this binary.
#![allow(dead_code)]

pub use std::collections::HashMap;
pub use std::fmt::Debug;
pub use std::time::{Duration, Instant};

pub use openai_blocking::types::*;
pub use openai_blocking::*;
pub use openai_local::*;
pub use serde_json::{json, Value};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

pub const POLICY: &str = include_str!("../../examples/data/return-policy.md");
pub const RECIPES: &str =
    "Pancakes need flour, eggs and milk. Whisk them into a smooth batter.\n\n\
    Bake bread at 220 degrees for forty minutes, until the crust sounds hollow.";
/// No wait in these tests should come anywhere near this.
pub const POLL_TIMEOUT: Duration = Duration::from_secs(30);

/// An engine whose objects change status every `step`.
pub fn engine(step: Duration) -> LocalServer {
    LocalServer::builder()
        .step_delay(step)
        .start()
        .expect("the engine starts")
}

/// A client of `server` that polls every 2 ms and gives up after [`POLL_TIMEOUT`].
pub fn client_of(server: &LocalServer) -> OpenAIClient {
    let mut client = server.client().expect("a client");
    client.set_polling_interval(Some(Duration::from_millis(2)));
    client.set_polling_timeout(Some(POLL_TIMEOUT));
    client
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub fn metadata(pairs: &[(&str, &str)]) -> Metadata {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Metadata::from(map)
}

/// The API error of a call that must fail with one.
#[track_caller]
pub fn api_error<T: Debug>(result: Result<T, Error>) -> Box<ApiErrorResponse> {
    match result {
        Err(Error::Api(e)) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// The `error` object of an API error, checking the status and the OpenAI error shape.
#[track_caller]
pub fn expect_error<T: Debug>(result: Result<T, Error>, status: u16) -> ApiError {
    let e = api_error(result);
    assert_eq!(e.status, status, "{e}");
    let error = e
        .error
        .clone()
        .unwrap_or_else(|| panic!("no error object: {}", e.body));
    assert!(!error.message.is_empty());
    assert_eq!(error.type_, "invalid_request_error", "{e}");
    assert!(
        e.request_id
            .as_deref()
            .is_some_and(|id| id.starts_with("req_")),
        "{e}"
    );
    error
}

/// The text and annotations of a message's first text part.
pub fn text_part(message: &ThreadMessageResponse) -> &MessageContentTextObjectText {
    message
        .content
        .iter()
        .find_map(|c| match c {
            MessageContent::Text { text } => Some(text),
            _ => None,
        })
        .expect("a text part")
}

pub fn function_tool(name: &str, description: &str, parameters: Value) -> AssistantTool {
    AssistantTool::Function {
        function: FunctionObject {
            name: name.into(),
            description: Some(description.into()),
            parameters: Some(FunctionParameters::from(
                parameters.as_object().expect("a schema object").clone(),
            )),
            strict: None,
        },
    }
}

pub fn weather_tool() -> AssistantTool {
    function_tool(
        "get_weather",
        "The current weather in a city",
        json!({
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}
            },
            "required": ["city"]
        }),
    )
}

pub fn search_request(query: &str, max: Option<i64>) -> VectorStoreSearchRequest {
    VectorStoreSearchRequest {
        filters: None,
        max_num_results: max,
        query: VectorStoreSearchRequestQuery::String(query.into()),
        ranking_options: None,
        rewrite_query: None,
    }
}

pub fn counts(store: &VectorStoreResponse) -> [i64; 5] {
    let c = store.file_counts.as_ref().expect("file counts");
    [c.in_progress, c.completed, c.failed, c.cancelled, c.total]
}

pub fn batch_counts(batch: &VectorStoreFileBatchResponse) -> [i64; 5] {
    let c = &batch.file_counts;
    [c.in_progress, c.completed, c.failed, c.cancelled, c.total]
}

/// Removes consecutive repeats: the statuses a wait went through.
pub fn transitions(statuses: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in statuses {
        if out.last() != Some(s) {
            out.push(s.clone());
        }
    }
    out
}

/// Whether `seen` lists some of `order`, in that order.
pub fn in_order(seen: &[String], order: &[&str]) -> bool {
    let mut rest = order.iter();
    seen.iter().all(|s| rest.any(|o| o == s))
}
