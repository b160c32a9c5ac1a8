//! One API call to make: method, path, query, body and extra headers.

use serde::Serialize;
use ureq::http::{HeaderName, HeaderValue, Method};

use super::encode::push_encoded;
use super::multipart::Multipart;
use crate::errors::Error;

/// One API call to make: method, path, query, body and extra headers; sent by
/// [`OpenAIClient::send`](crate::OpenAIClient::send) and its siblings, for endpoints this
/// version has no method for. The path is relative to the client's base URL and must start
/// with `/` (a call with another path fails with [`Error::InvalidArgument`]).
///
/// ```
/// use openai_blocking::{encode_path_id, Request};
///
/// # fn main() -> Result<(), openai_blocking::Error> {
/// let id = encode_path_id("model", "ft:gpt-4o:acme/1")?; // "ft%3Agpt-4o%3Aacme%2F1"
/// let request = Request::post(format!("/fine_tuning/models/{id}/archive"))
///     .query("dry_run", "true")
///     .json(&serde_json::json!({"reason": "superseded"}))?;
/// # let _ = request;
/// # Ok(())
/// # }
/// ```
#[must_use = "a request is only sent by the client"]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) body: Body,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// The answer is an event stream (see `OpenAIClient::send_for_events`).
    pub(crate) events: bool,
}

pub(crate) enum Body {
    Empty,
    Json(Vec<u8>),
    Multipart(Multipart),
}

impl Request {
    /// A GET of `path`, which must start with `/` and have its ids already encoded
    /// (see [`encode_path_id`](crate::encode_path_id)).
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path.into())
    }

    /// A POST of `path` (see [`Request::get`] for the path rules).
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path.into())
    }

    /// A DELETE of `path` (see [`Request::get`] for the path rules).
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path.into())
    }

    fn new(method: Method, path: String) -> Self {
        Request {
            method,
            path,
            query: String::new(),
            body: Body::Empty,
            headers: Vec::new(),
            events: false,
        }
    }

    /// Append one query parameter; name and value are percent-encoded here.
    pub fn query(mut self, name: &str, value: &str) -> Self {
        if !self.query.is_empty() {
            self.query.push('&');
        }
        push_encoded(&mut self.query, name);
        self.query.push('=');
        push_encoded(&mut self.query, value);
        self
    }

    /// Append an already encoded query string (`a=1&b=2`, with or without a leading `?`).
    pub fn query_string(mut self, query: String) -> Self {
        let query = query.trim_start_matches('?');
        if !query.is_empty() {
            if !self.query.is_empty() {
                self.query.push('&');
            }
            self.query.push_str(query);
        }
        self
    }

    /// Send this header too (it replaces a client-wide header of the same name).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Send `body` as compact JSON with `Content-Type: application/json`.
    pub fn json(mut self, body: &impl Serialize) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::InvalidArgument {
            name: "body",
            message: format!("cannot be serialised as JSON: {e}"),
        })?;
        self.body = Body::Json(bytes);
        Ok(self)
    }

    /// Send a `multipart/form-data` body.
    pub fn multipart(mut self, form: Multipart) -> Self {
        self.body = Body::Multipart(form);
        self
    }

    /// Whether the body can be sent again, i.e. the request may be retried.
    pub(crate) fn is_replayable(&self) -> bool {
        match &self.body {
            Body::Empty | Body::Json(_) => true,
            Body::Multipart(form) => form.is_replayable(),
        }
    }
}
