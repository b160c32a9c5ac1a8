//! Helpers shared by the tests of this binary.
#![allow(dead_code)]

pub use std::collections::{HashMap, HashSet};
pub use std::fmt::Debug;
pub use std::sync::Arc;
pub use std::time::{Duration, Instant};

pub use openai_blocking::types::*;
pub use openai_blocking::ureq::http::{HeaderName, HeaderValue};
pub use openai_blocking::Request;
pub use openai_blocking::*;
pub use openai_local::*;
pub use serde_json::{json, Value};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

pub const POLICY: &str = include_str!("../fixtures/return-policy.md");
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

/// An engine on a [`ManualClock`] whose objects change status every `step` of that clock.
pub fn engine_on_clock(step: Duration) -> (LocalServer, ManualClock) {
    engine_with_expiry(step, Duration::from_secs(600))
}

/// [`engine_on_clock`] with runs expiring after `expiry`.
pub fn engine_with_expiry(step: Duration, expiry: Duration) -> (LocalServer, ManualClock) {
    let clock = ManualClock::new();
    let server = LocalServer::builder()
        .clock(clock.clone())
        .step_delay(step)
        .run_expiry(expiry)
        .start()
        .expect("the engine starts");
    (server, clock)
}

/// A client of `server` whose waits advance `clock` instead of sleeping: each poll moves the
/// engine's time on by the poll interval (the server's hint: one step), so a wait goes through
/// every step in order and ends after a known amount of engine time, however slow the machine.
pub fn client_on_clock(server: &LocalServer, clock: &ManualClock) -> OpenAIClient {
    let clock = clock.clone();
    let mut client = OpenAIClient::create_with_api_key("local")
        .with_base_url(server.base_url())
        .with_sleeper(move |d| clock.advance(d))
        .build()
        .expect("a client");
    client.set_polling_timeout(Some(POLL_TIMEOUT));
    client
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

/// A PNG of `width`×`height`, its left `split` columns `left` and the rest `right`.
pub fn two_colour_png(
    width: u32,
    height: u32,
    split: u32,
    left: [u8; 3],
    right: [u8; 3],
) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("PNG header");
        let pixels: Vec<u8> = (0..height)
            .flat_map(|_| (0..width).flat_map(|x| if x < split { left } else { right }))
            .collect();
        writer.write_image_data(&pixels).expect("PNG data");
    }
    out
}

/// Standard base64, padded.
pub fn base64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}
