//! Per-call options: a timeout, extra headers, query parameters and body fields, and a retry
//! count for the calls made through one view of the client.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};
use ureq::http::{HeaderName, HeaderValue};

use crate::client::OpenAIClient;
use crate::errors::Error;

/// Options for the calls made through [`OpenAIClient::with_options`], as openai-python's
/// `extra_headers` / `extra_query` / `extra_body` / `timeout` / `max_retries`.
///
/// ```no_run
/// use std::time::Duration;
/// use openai_blocking::{OpenAIClient, RequestOptions, RunCreateRequest};
///
/// # fn main() -> Result<(), openai_blocking::Error> {
/// let client = OpenAIClient::from_env()?;
/// let options = RequestOptions::new()
///     .idempotency_key("run-2026-12-01-42")
///     .total_timeout(Duration::from_secs(30))
///     .max_retries(5)
///     .extra_body("service_tier", "flex");
/// let run = client
///     .with_options(options)
///     .create_run("thread_abc", &RunCreateRequest::new("asst_abc"))?;
/// # let _ = run;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use = "options apply only to the client view made with `OpenAIClient::with_options`"]
pub struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) total_timeout: Option<Duration>,
    pub(crate) max_retries: Option<u32>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Map<String, Value>,
}

impl RequestOptions {
    /// No options: the client's settings apply.
    pub fn new() -> Self {
        Self::default()
    }

    /// The longest one read or write may block, instead of the client's
    /// [`with_timeout`](crate::OpenAIClientBuilder::with_timeout). Zero is refused when a
    /// call is made ([`Error::InvalidArgument`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The longest a whole call may take, retries and their waits included, instead of the
    /// client's [`with_total_timeout`](crate::OpenAIClientBuilder::with_total_timeout).
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = Some(timeout);
        self
    }

    /// How many times a failed call is retried, instead of the client's setting.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// Sends this header too; it replaces a header of the same name the client would send.
    /// A name or value not valid in HTTP is refused when a call is made.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sends `Idempotency-Key: <key>`, so that a server which honours it runs a retried
    /// POST once.
    pub fn idempotency_key(self, key: impl Into<String>) -> Self {
        self.header("Idempotency-Key", key)
    }

    /// Adds a query parameter (percent-encoded here) after the method's own.
    pub fn extra_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sets a field of the JSON body, replacing the method's own value of that field: for
    /// parameters this version of the types does not have yet. Ignored by calls without a
    /// JSON body. A value that cannot be represented in JSON is ignored.
    pub fn extra_body(mut self, name: impl Into<String>, value: impl Serialize) -> Self {
        if let Ok(value) = serde_json::to_value(value) {
            self.body.insert(name.into(), value);
        }
        self
    }

    /// The headers, checked.
    pub(crate) fn checked_headers(&self) -> Result<Vec<(HeaderName, HeaderValue)>, Error> {
        self.headers
            .iter()
            .map(|(name, value)| {
                let bad = |what: &str| Error::InvalidArgument {
                    name: "options",
                    message: format!("the header {name:?} has an invalid {what}"),
                };
                let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad("name"))?;
                let value = HeaderValue::from_str(value).map_err(|_| bad("value"))?;
                Ok((header, value))
            })
            .collect()
    }

    /// `body` with the extra fields merged in; unchanged when there are none or it is not a
    /// JSON object.
    pub(crate) fn merged_body(&self, body: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        if self.body.is_empty() {
            return Ok(None);
        }
        let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(body) else {
            return Ok(None);
        };
        fields.extend(self.body.clone());
        serde_json::to_vec(&fields)
            .map(Some)
            .map_err(|e| Error::InvalidArgument {
                name: "options",
                message: format!("the body cannot be serialised: {e}"),
            })
    }
}

impl OpenAIClient {
    /// A view of this client whose calls use `options`: every method, wait and iterator
    /// called through it. Cheap (two reference counts); the client itself is unchanged.
    ///
    /// Options given to a view made from another view replace the earlier ones.
    pub fn with_options(&self, options: RequestOptions) -> OpenAIClient {
        let mut view = self.clone();
        view.options = Some(std::sync::Arc::new(options));
        view
    }

    /// The options of this view, if it was made with [`with_options`](Self::with_options).
    pub fn options(&self) -> Option<&RequestOptions> {
        self.options.as_deref()
    }
}
