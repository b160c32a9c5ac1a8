//! Shared helpers: a client for a mock server, a route builder that pins down everything a call
//! must send, list pages and argument checks.

use std::fmt::Debug;

use httpmock::{Method, Mock, MockServer};
use openai_blocking::{ApiResponse, Error, OpenAIClient};
use serde_json::{json, Value};

pub use crate::common::fixture;
pub use crate::requests::metadata;

pub const KEY: &str = "sk-api-tests-0123456789";
pub const REQUEST_ID: &str = "req_5f2a9c";
/// A path id that needs percent-encoding, and how it must appear on the wire.
pub const ODD_ID: &str = "a/b c";
pub const ODD_ID_ENCODED: &str = "a%2Fb%20c";

/// Path prefixes that must carry `OpenAI-Beta: assistants=v2`; every other path must not.
const BETA_PREFIXES: [&str; 3] = ["/assistants", "/threads", "/vector_stores"];

/// A client for `server` that never retries, so a mismatch shows up as one failed call.
pub fn client(server: &MockServer) -> OpenAIClient {
    OpenAIClient::create_with_api_key(KEY)
        .with_base_url(server.base_url())
        .with_max_retries(0)
        .build()
        .unwrap()
}

enum Body {
    /// GET and DELETE: no body, no `Content-Type`.
    None,
    /// A POST without a body (e.g. cancel): `Content-Length: 0`, no `Content-Type`.
    EmptyPost,
    Json(Value),
}

/// Everything one call must send.
pub struct Route {
    method: Method,
    path: String,
    query: Vec<String>,
    body: Body,
}

impl Route {
    /// `path` as it must appear on the wire (ids already percent-encoded).
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path, Body::None)
    }

    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path, Body::None)
    }

    /// A POST whose body must be exactly `body` (compared as JSON, numbers strictly).
    pub fn post(path: impl Into<String>, body: Value) -> Self {
        Self::new(Method::POST, path, Body::Json(body))
    }

    /// A POST that must carry no body at all.
    pub fn post_empty(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path, Body::EmptyPost)
    }

    fn new(method: Method, path: impl Into<String>, body: Body) -> Self {
        Route {
            method,
            path: path.into(),
            query: Vec::new(),
            body,
        }
    }

    /// The query the call must send, raw (`limit=2&include%5B%5D=x`); the order of the pairs
    /// does not matter, their encoding does. Without this, the call must send no query at all.
    pub fn query(mut self, query: &str) -> Self {
        self.query = split_query(Some(query));
        self
    }

    /// Registers the expectation and answers `200` with `response` and a request id.
    pub fn mock<'a>(self, server: &'a MockServer, response: Value) -> Mock<'a> {
        self.mock_reply(
            server,
            "application/json",
            response.to_string().into_bytes(),
        )
    }

    /// Registers the expectation and answers `200` with raw bytes of the given content type.
    pub fn mock_reply<'a>(
        self,
        server: &'a MockServer,
        content_type: &str,
        response: Vec<u8>,
    ) -> Mock<'a> {
        let Route {
            method,
            path,
            query,
            body,
        } = self;
        let beta = BETA_PREFIXES.iter().any(|p| path.starts_with(p));
        server.mock(move |when, then| {
            let when = when
                .method(method)
                .is_true(move |req| req.uri().path() == path)
                .is_true(move |req| split_query(req.uri().query()) == query)
                .header("authorization", format!("Bearer {KEY}"));
            let when = if beta {
                when.header("openai-beta", "assistants=v2")
            } else {
                when.header_missing("openai-beta")
            };
            match body {
                Body::None => {
                    when.header_missing("content-type")
                        .is_true(|req| req.body_ref().is_empty());
                }
                Body::EmptyPost => {
                    when.header_missing("content-type")
                        .header("content-length", "0")
                        .is_true(|req| req.body_ref().is_empty());
                }
                Body::Json(value) => {
                    when.header("content-type", "application/json")
                        .json_body(value);
                }
            }
            then.status(200)
                .header("content-type", content_type)
                .header("x-request-id", REQUEST_ID)
                .body(response);
        })
    }
}

/// The raw `key=value` pairs of a query, sorted.
fn split_query(query: Option<&str>) -> Vec<String> {
    let mut pairs: Vec<String> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    pairs.sort();
    pairs
}

/// The value of a successful call; on failure, httpmock's explanation of the closest mismatch
/// comes first (`assert` panics with a diff when the mock was not hit).
pub fn ok<T>(mock: &Mock, result: Result<T, Error>) -> T {
    match result {
        Ok(value) => value,
        Err(err) => {
            mock.assert();
            panic!("the call failed although the mock matched: {err:?}");
        }
    }
}

/// A `*_with_response` result carries the status and request id and the same data as the
/// plain method.
pub fn same_as_plain<T: PartialEq + Debug>(response: ApiResponse<T>, plain: &T) {
    assert_eq!(response.status, 200);
    assert_eq!(response.request_id.as_deref(), Some(REQUEST_ID));
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(&response.data, plain);
}

/// A list page of `items`; `first_id`/`last_id` follow the items.
pub fn page(items: Vec<Value>, has_more: bool) -> Value {
    let id = |v: Option<&Value>| v.map_or(Value::Null, |v| v["id"].clone());
    json!({
        "object": "list",
        "first_id": id(items.first()),
        "last_id": id(items.last()),
        "has_more": has_more,
        "data": items,
    })
}

/// `template` with another id.
pub fn with_id(template: &Value, id: &str) -> Value {
    let mut value = template.clone();
    value["id"] = json!(id);
    value
}

/// Mocks a list of three pages of two, two and one items built from `template` with ids
/// `{prefix}1`..`{prefix}5`. Page 1 must be asked with `query` alone, page 2 with
/// `after={prefix}2` added and page 3 with `after={prefix}4`. Returns the mocks.
pub fn three_pages<'a>(
    server: &'a MockServer,
    path: &str,
    query: &str,
    template: &Value,
    prefix: &str,
) -> [Mock<'a>; 3] {
    let items = |ids: &[u32]| -> Vec<Value> {
        ids.iter()
            .map(|n| with_id(template, &format!("{prefix}{n}")))
            .collect()
    };
    let with_after = |after: &str| {
        if query.is_empty() {
            format!("after={after}")
        } else {
            format!("{query}&after={after}")
        }
    };
    let first = if query.is_empty() {
        Route::get(path)
    } else {
        Route::get(path).query(query)
    };
    [
        first.mock(server, page(items(&[1, 2]), true)),
        Route::get(path)
            .query(&with_after(&format!("{prefix}2")))
            .mock(server, page(items(&[3, 4]), true)),
        Route::get(path)
            .query(&with_after(&format!("{prefix}4")))
            .mock(server, page(items(&[5]), false)),
    ]
}

/// The ids `{prefix}1`..`{prefix}5` that [`three_pages`] serves.
pub fn five_ids(prefix: &str) -> Vec<String> {
    (1..=5).map(|n| format!("{prefix}{n}")).collect()
}

/// Checks that each page was fetched exactly once.
pub fn each_page_once(mocks: &[Mock]) {
    for mock in mocks {
        mock.assert_calls(1);
    }
}

/// A server that answers anything; for calls that must not send a request.
pub fn catch_all(server: &MockServer) -> Mock<'_> {
    server.mock(|when, then| {
        when.any_request();
        then.status(200).json_body(json!({}));
    })
}

/// The call failed before sending, naming the argument `name`.
#[track_caller]
pub fn invalid_argument<T: Debug>(name: &str, result: Result<T, Error>) {
    match result {
        Err(Error::InvalidArgument { name: got, .. }) => assert_eq!(got, name),
        other => panic!("expected InvalidArgument({name}), got {other:?}"),
    }
}
