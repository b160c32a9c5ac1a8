//! The one place requests are sent: URL and header assembly, retries, error mapping and
//! decoding. The request itself, multipart bodies, the retry rules and percent-encoding live
//! in the submodules.

mod encode;
mod multipart;
mod request;
mod retry;
pub(crate) mod sse;

use std::fmt;
use std::io::{self, Read};
use std::time::{Duration, Instant, SystemTime};

use serde::de::DeserializeOwned;
use serde::Serialize;
use ureq::http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE};
use ureq::http::{self, response, HeaderMap, HeaderName, HeaderValue, Method, Uri};
use ureq::{AsSendBody, SendBody};

pub use encode::encode_path_id;
pub(crate) use encode::{percent_encode, push_encoded};
pub use multipart::{FileSource, Multipart};
use request::Body;
pub use request::Request;
pub use retry::MAX_RETRY_AFTER;
use retry::{backoff, random_unit, retry_after};

use crate::client::OpenAIClient;
use crate::errors::{header_str, truncate, ApiErrorResponse, Error, RateLimit, ResponseMeta};
use crate::types::ApiError;

/// How much of an error body is read to find the `error` object.
const ERROR_BODY_READ_LIMIT: u64 = 64 * 1024;
/// How much of an error body is kept in [`ApiErrorResponse::body`].
const ERROR_BODY_KEEP: usize = 4 * 1024;
/// How much of an undecodable body is kept in [`Error::Decode`].
const SNIPPET_LEN: usize = 500;

const OPENAI_BETA: HeaderName = HeaderName::from_static("openai-beta");
const RETRY_COUNT: HeaderName = HeaderName::from_static("x-stainless-retry-count");
/// Path prefixes whose endpoints need `OpenAI-Beta: assistants=v2`.
const BETA_PREFIXES: [&str; 3] = ["/assistants", "/threads", "/vector_stores"];
/// Endpoints Azure serves under `/deployments/{model}` (as in openai-python's Azure client).
const AZURE_DEPLOYMENT_ENDPOINTS: [&str; 8] = [
    "/completions",
    "/chat/completions",
    "/embeddings",
    "/audio/transcriptions",
    "/audio/translations",
    "/audio/speech",
    "/images/generations",
    "/images/edits",
];

/// A decoded response plus its status and headers.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiResponse<T> {
    /// The decoded body.
    pub data: T,
    /// HTTP status code.
    pub status: u16,
    /// All response headers.
    pub headers: HeaderMap,
    /// Value of the `x-request-id` header.
    pub request_id: Option<String>,
    /// Rate-limit headers of the response.
    pub rate_limit: RateLimit,
}

impl<T> ApiResponse<T> {
    fn new(data: T, parts: response::Parts) -> Self {
        ApiResponse {
            data,
            status: parts.status.as_u16(),
            request_id: request_id(&parts.headers),
            rate_limit: RateLimit::from_headers(&parts.headers),
            headers: parts.headers,
        }
    }

    /// A response header's value as text (`None` if absent or not visible ASCII).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_str(&self.headers, name)
    }

    /// Drop the metadata and keep the body.
    pub fn into_data(self) -> T {
        self.data
    }

    /// The same response with its body changed by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ApiResponse<U> {
        ApiResponse {
            data: f(self.data),
            status: self.status,
            headers: self.headers,
            request_id: self.request_id,
            rate_limit: self.rate_limit,
        }
    }

    /// The wait the server suggests before polling again (`openai-poll-after-ms`).
    pub fn poll_after(&self) -> Option<Duration> {
        self.header("openai-poll-after-ms")?
            .trim()
            .parse()
            .ok()
            .map(Duration::from_millis)
    }
}

/// A streaming reader over a response body, e.g. a large file's content.
pub struct ContentReader(Source);

enum Source {
    Http(ureq::BodyReader<'static>),
    /// Bytes a unit test chose, read as it chose.
    #[cfg(test)]
    Memory(Box<dyn Read + Send>),
}

impl ContentReader {
    fn http(body: ureq::BodyReader<'static>) -> Self {
        ContentReader(Source::Http(body))
    }

    /// A body read from `reader`, for unit tests of what reads bodies.
    #[cfg(test)]
    pub(crate) fn memory(reader: impl Read + Send + 'static) -> Self {
        ContentReader(Source::Memory(Box::new(reader)))
    }
}

impl Read for ContentReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.0 {
            Source::Http(body) => body.read(buf),
            #[cfg(test)]
            Source::Memory(reader) => reader.read(buf),
        }
    }
}

impl fmt::Debug for ContentReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ContentReader { .. }")
    }
}

impl OpenAIClient {
    /// Sends `request` with the client's headers, retries and error mapping, and decodes the
    /// JSON body of the 2xx answer as `T`: the way to call an endpoint this version has no
    /// method for yet, typed by the caller.
    ///
    /// ```no_run
    /// use openai_blocking::{OpenAIClient, Request};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Model {
    ///     id: String,
    ///     owned_by: String,
    /// }
    ///
    /// # fn main() -> Result<(), openai_blocking::Error> {
    /// let client = OpenAIClient::from_env()?;
    /// let model: Model = client.send(Request::get("/models/gpt-4o"))?.data;
    /// println!("{} by {}", model.id, model.owned_by);
    /// # Ok(())
    /// # }
    /// ```
    pub fn send<T: DeserializeOwned>(&self, request: Request) -> Result<ApiResponse<T>, Error> {
        self.run(request, |parts, body| {
            let data = self.decode(&parts, body)?;
            Ok(ApiResponse::new(data, parts))
        })
    }

    /// [`send`](Self::send) for the body alone: the status and headers are not kept, and the
    /// request id and rate limits are not read (they are on an error).
    pub(crate) fn send_for_data<T: DeserializeOwned>(&self, request: Request) -> Result<T, Error> {
        self.run(request, |parts, body| self.decode(&parts, body))
    }

    /// Reads a 2xx body (at most `max_response_bytes`) and decodes it as `T`.
    fn decode<T: DeserializeOwned>(
        &self,
        parts: &response::Parts,
        body: ureq::Body,
    ) -> Result<T, Error> {
        let bytes = self.read_body(parts, body, self.inner.max_response_bytes)?;
        serde_json::from_slice(&bytes).map_err(|source| Error::Decode {
            status: parts.status.as_u16(),
            snippet: String::from_utf8_lossy(&bytes[..bytes.len().min(4 * SNIPPET_LEN)])
                .chars()
                .take(SNIPPET_LEN)
                .collect(),
            source,
            request_id: request_id(&parts.headers),
        })
    }

    /// Sends `request` like [`send`](Self::send) and returns the whole 2xx body as bytes,
    /// without a size limit; prefer [`send_for_reader`](Self::send_for_reader) for large ones.
    pub fn send_for_bytes(&self, request: Request) -> Result<ApiResponse<Vec<u8>>, Error> {
        self.run(request, |parts, body| {
            let bytes = self.read_body(&parts, body, u64::MAX)?;
            Ok(ApiResponse::new(bytes, parts))
        })
    }

    /// Sends `request` like [`send`](Self::send) and returns a reader over the 2xx body.
    /// Failures while reading it are not retried.
    pub fn send_for_reader(&self, request: Request) -> Result<ApiResponse<ContentReader>, Error> {
        self.run(request, |parts, body| {
            Ok(ApiResponse::new(
                ContentReader::http(body.into_reader()),
                parts,
            ))
        })
    }

    /// Sends `request` and returns the 2xx answer's event stream, unread. Retried like any
    /// call until the response's headers arrive, and never after: a POST that started a
    /// stream is not sent again. A total timeout bounds only the wait for the headers; each
    /// read of the stream waits at most the read timeout, which is the idle timeout between
    /// events. An answer that is not `text/event-stream` is an [`Error::InvalidBody`].
    pub(crate) fn send_for_events(
        &self,
        mut request: Request,
    ) -> Result<(ResponseMeta, ContentReader), Error> {
        request.events = true;
        self.run(request, |parts, body| {
            let meta = ResponseMeta::new(parts.status.as_u16(), &parts.headers);
            let content_type = header_str(&parts.headers, "content-type").unwrap_or_default();
            if !content_type
                .to_ascii_lowercase()
                .starts_with("text/event-stream")
            {
                let mut head = Vec::new();
                let _ = body
                    .into_reader()
                    .take(SNIPPET_LEN as u64)
                    .read_to_end(&mut head);
                return Err(Error::InvalidBody {
                    source: format!(
                        "expected an event stream (text/event-stream), got {content_type:?}: {}",
                        String::from_utf8_lossy(&head)
                    )
                    .into(),
                    response: Box::new(meta),
                });
            }
            Ok((meta, ContentReader::http(body.into_reader())))
        })
    }

    /// `GET path` (relative to the base URL, e.g. `/models`), decoded as `T`; see
    /// [`send`](Self::send).
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        self.send_for_data(Request::get(path))
    }

    /// `POST path` with `body` as JSON, decoded as `T`; see [`send`](Self::send).
    pub fn post<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<T, Error> {
        self.send_for_data(Request::post(path).json(body)?)
    }

    /// `DELETE path`, decoded as `T`; see [`send`](Self::send).
    pub fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        self.send_for_data(Request::delete(path))
    }

    /// The retry loop. `read` turns a 2xx response into the result; its transport errors
    /// (timeouts, broken connections) are retried like those of the request itself.
    fn run<R>(
        &self,
        req: Request,
        read: impl Fn(response::Parts, ureq::Body) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let call = Call::new(self, &req)?;
        warn_if_heads_are_logged();
        let mut attempt = 0;
        loop {
            let err = match self.send_once(&req, &call, attempt) {
                Ok(response) => {
                    let (parts, body) = response.into_parts();
                    match read(parts, body) {
                        Ok(result) => return Ok(result),
                        Err(err) => err,
                    }
                }
                Err(err) => err,
            };
            if attempt >= call.max_retries || !req.is_replayable() {
                return Err(err);
            }
            let delay = match &err {
                Error::Api(api) if api.should_retry() => match api.retry_after {
                    Some(wait) if wait <= MAX_RETRY_AFTER => wait,
                    Some(_) => return Err(err),
                    None => backoff(self.backoff_delay(), attempt, random_unit()),
                },
                Error::Timeout { .. } | Error::Connection { .. } => {
                    backoff(self.backoff_delay(), attempt, random_unit())
                }
                _ => return Err(err),
            };
            // No retry can finish before the deadline: the last error is the answer.
            if call.deadline.is_some_and(|d| Instant::now() + delay >= d) {
                return Err(err);
            }
            (self.sleeper)(delay);
            attempt += 1;
        }
    }

    /// The full URL: base, Azure deployment prefix, path, query and Azure `api-version`.
    fn uri_for(&self, req: &Request, extra_query: &str) -> Result<Uri, Error> {
        if !req.path.starts_with('/') {
            return Err(Error::InvalidArgument {
                name: "path",
                message: format!("{:?} must start with '/'", req.path),
            });
        }
        let inner = &*self.inner;
        let mut url = String::with_capacity(
            inner.base_url.len() + req.path.len() + req.query.len() + extra_query.len() + 2,
        );
        url.push_str(&inner.base_url);
        if let Some(model) = inner
            .azure_api_version
            .as_deref()
            .and_then(|version| azure_deployment(req, version))
        {
            url.push_str("/deployments/");
            push_encoded(&mut url, &model);
        }
        url.push_str(&req.path);
        let mut separator = '?';
        for query in [req.query.as_str(), extra_query] {
            if !query.is_empty() {
                url.push(separator);
                url.push_str(query);
                separator = '&';
            }
        }
        if let Some(version) = &inner.azure_api_version {
            url.push(separator);
            url.push_str("api-version=");
            url.push_str(version);
        }
        url.parse().map_err(|e| Error::InvalidArgument {
            name: "path",
            message: format!("does not form a valid URL: {e}"),
        })
    }

    /// One attempt; a non-2xx response becomes [`Error::Api`].
    fn send_once(
        &self,
        req: &Request,
        call: &Call,
        attempt: u32,
    ) -> Result<http::Response<ureq::Body>, Error> {
        let inner = &*self.inner;
        let mut request = http::Request::new(());
        *request.method_mut() = req.method.clone();
        *request.uri_mut() = call.uri.clone();
        let headers = request.headers_mut();
        headers.insert(inner.auth.0.clone(), inner.auth.1.clone());
        if needs_beta_header(&req.path) {
            headers.insert(OPENAI_BETA, HeaderValue::from_static("assistants=v2"));
        }
        // The caller's headers come last: `with_header` replaces any header set above.
        for (name, value) in &inner.default_headers {
            headers.insert(name.clone(), value.clone());
        }
        headers.insert(RETRY_COUNT, HeaderValue::from(attempt));
        if req.events {
            headers.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
        }
        let mut upload = None;
        match &req.body {
            Body::Empty => {}
            Body::Json(_) => {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            Body::Multipart(form) => {
                let (reader, len) = form.open()?;
                headers.insert(CONTENT_TYPE, content_type(form)?);
                if let Some(len) = len {
                    headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
                }
                upload = Some(reader);
            }
        }
        for (name, value) in req.headers.iter().chain(&call.headers) {
            headers.insert(name.clone(), value.clone());
        }

        let response = match (&req.body, upload) {
            (_, Some(reader)) => {
                self.dispatch(call, request.map(|()| SendBody::from_owned_reader(reader)))
            }
            (Body::Json(bytes), _) => {
                let bytes = call.body.as_deref().unwrap_or(bytes);
                self.dispatch(call, request.map(|()| bytes))
            }
            // A bodiless POST (e.g. cancelling a run) still announces `Content-Length: 0`.
            _ if req.method == Method::POST => self.dispatch(call, request.map(|()| &[][..])),
            _ => self.dispatch(call, request),
        }?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(Error::Api(Box::new(api_error(response))))
        }
    }

    fn dispatch(
        &self,
        call: &Call,
        request: http::Request<impl AsSendBody>,
    ) -> Result<http::Response<ureq::Body>, Error> {
        let agent = &self.inner.agent;
        let remaining = call.remaining()?;
        let result =
            if self.inner.status_as_error_override || remaining.is_some() || call.timeout.is_some()
            {
                let mut config = agent.configure_request(request).http_status_as_error(false);
                if let Some(timeout) = call.timeout {
                    config = config
                        .timeout_per_read(Some(timeout))
                        .timeout_per_write(Some(timeout));
                }
                if remaining.is_some() {
                    // A stream may last as long as it sends: the deadline bounds its headers.
                    config = if call.events {
                        config.timeout_recv_response(remaining)
                    } else {
                        config.timeout_global(remaining)
                    };
                }
                agent.run(config.build())
            } else {
                agent.run(request)
            };
        result.map_err(|e| self.transport_error(e, call, None))
    }

    fn read_body(
        &self,
        parts: &response::Parts,
        body: ureq::Body,
        limit: u64,
    ) -> Result<Vec<u8>, Error> {
        body.into_with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| self.transport_error(e, &Call::after_headers(self), Some(parts)))
    }

    /// Sort a ureq error into timeout, connection or local failures; `parts` is the
    /// response when the failure came after its headers.
    fn transport_error(
        &self,
        err: ureq::Error,
        call: &Call,
        parts: Option<&response::Parts>,
    ) -> Error {
        let response = parts.map(|p| Box::new(ResponseMeta::new(p.status.as_u16(), &p.headers)));
        let config = self.inner.agent.config();
        let timeouts = config.timeouts();
        match &err {
            ureq::Error::Timeout(kind) => {
                let after = match kind {
                    ureq::Timeout::PerRead => call.timeout.or(config.timeout_per_read()),
                    ureq::Timeout::PerWrite => call.timeout.or(config.timeout_per_write()),
                    ureq::Timeout::Global => call.total_timeout.or(timeouts.global),
                    ureq::Timeout::PerCall => timeouts.per_call,
                    ureq::Timeout::Resolve => timeouts.resolve,
                    ureq::Timeout::Connect => timeouts.connect,
                    ureq::Timeout::SendRequest => timeouts.send_request,
                    ureq::Timeout::SendBody => timeouts.send_body,
                    ureq::Timeout::RecvResponse => timeouts.recv_response,
                    ureq::Timeout::RecvBody => timeouts.recv_body,
                    _ => None,
                };
                Error::Timeout {
                    after,
                    source: Box::new(err),
                    response,
                }
            }
            ureq::Error::Io(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                Error::Timeout {
                    after: None,
                    source: Box::new(err),
                    response,
                }
            }
            ureq::Error::BadUri(_) | ureq::Error::Http(_) => Error::InvalidArgument {
                name: "request",
                message: err.to_string(),
            },
            ureq::Error::BodyExceedsLimit(limit) => match response {
                Some(response) => Error::BodyTooLarge {
                    limit: *limit,
                    response,
                },
                None => Error::Io(io::Error::other(err)),
            },
            #[cfg(feature = "gzip")]
            ureq::Error::Decompress(..) => match response {
                Some(response) => Error::InvalidBody {
                    source: Box::new(err),
                    response,
                },
                None => Error::Connection {
                    source: Box::new(err),
                    response: None,
                },
            },
            _ => Error::Connection {
                source: Box::new(err),
                response,
            },
        }
    }
}

/// What one call (all its attempts) is sent with: the URL, the per-call options resolved
/// against the client's settings, and the deadline.
struct Call {
    uri: Uri,
    /// The per-read timeout for this call, when the options change it.
    timeout: Option<Duration>,
    /// The total timeout and the moment it ends.
    total_timeout: Option<Duration>,
    deadline: Option<Instant>,
    max_retries: u32,
    headers: Vec<(HeaderName, HeaderValue)>,
    /// The JSON body with the options' extra fields, when there are any.
    body: Option<Vec<u8>>,
    /// The answer is an event stream.
    events: bool,
}

impl Call {
    fn new(client: &OpenAIClient, req: &Request) -> Result<Call, Error> {
        let options = client.options.as_deref();
        let timeout = options.and_then(|o| o.timeout);
        if timeout.is_some_and(|t| t.is_zero()) {
            return Err(Error::InvalidArgument {
                name: "options",
                message: "the timeout must be positive".into(),
            });
        }
        let total_timeout = options
            .and_then(|o| o.total_timeout)
            .or(client.inner.total_timeout);
        let mut extra_query = String::new();
        let mut headers = Vec::new();
        let mut body = None;
        if let Some(options) = options {
            for (name, value) in &options.query {
                if !extra_query.is_empty() {
                    extra_query.push('&');
                }
                push_encoded(&mut extra_query, name);
                extra_query.push('=');
                push_encoded(&mut extra_query, value);
            }
            headers = options.checked_headers()?;
            if let Body::Json(bytes) = &req.body {
                body = options.merged_body(bytes)?;
            }
        }
        Ok(Call {
            uri: client.uri_for(req, &extra_query)?,
            timeout,
            total_timeout,
            deadline: total_timeout.map(|t| Instant::now() + t),
            max_retries: options
                .and_then(|o| o.max_retries)
                .unwrap_or(client.max_retries()),
            headers,
            body,
            events: req.events,
        })
    }

    /// For errors while reading a body: only the timeouts matter there.
    fn after_headers(client: &OpenAIClient) -> Call {
        let options = client.options.as_deref();
        Call {
            uri: Uri::from_static("/"),
            timeout: options.and_then(|o| o.timeout),
            total_timeout: options
                .and_then(|o| o.total_timeout)
                .or(client.inner.total_timeout),
            deadline: None,
            max_retries: 0,
            headers: Vec::new(),
            body: None,
            events: false,
        }
    }

    /// The time left before the deadline (`None` without one); a deadline already passed is
    /// a timeout.
    fn remaining(&self) -> Result<Option<Duration>, Error> {
        let Some(deadline) = self.deadline else {
            return Ok(None);
        };
        match deadline.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Ok(Some(left)),
            _ => Err(Error::Timeout {
                after: self.total_timeout,
                source: "the call's total timeout passed before this attempt".into(),
                response: None,
            }),
        }
    }
}

/// The log target under which ureq-proto dumps every request head it writes, byte by byte,
/// at `trace` level: the `Authorization` header, and so the API key, included.
pub(crate) const HEAD_DUMP_TARGET: &str = "ureq_proto::util";

/// Warns once per process, at `warn` level, when the logger would record ureq-proto's raw
/// request heads (see [`HEAD_DUMP_TARGET`]): the API key would end up in the log. Costs one
/// atomic load per call when trace logging is off.
fn warn_if_heads_are_logged() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static WARNED: AtomicBool = AtomicBool::new(false);
    if log::max_level() < log::LevelFilter::Trace || WARNED.load(Ordering::Relaxed) {
        return;
    }
    if log::log_enabled!(target: HEAD_DUMP_TARGET, log::Level::Trace)
        && !WARNED.swap(true, Ordering::Relaxed)
    {
        log::warn!(
            "trace logging of `{HEAD_DUMP_TARGET}` is on: ureq-proto logs raw request heads, \
             the API key in the Authorization header included; filter that target below trace \
             (e.g. RUST_LOG=trace,ureq_proto=debug)"
        );
    }
}

fn content_type(form: &Multipart) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(&form.content_type()).map_err(|e| Error::InvalidArgument {
        name: "file",
        message: e.to_string(),
    })
}

fn needs_beta_header(path: &str) -> bool {
    BETA_PREFIXES.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
    })
}

/// The deployment (the request's `model`) for Azure's model-scoped endpoints.
fn azure_deployment(req: &Request, api_version: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct ModelField {
        model: Option<String>,
    }
    let Body::Json(bytes) = &req.body else {
        return None;
    };
    let unscoped = matches!(
        api_version.to_ascii_lowercase().as_str(),
        "preview" | "latest"
    );
    if unscoped || !AZURE_DEPLOYMENT_ENDPOINTS.contains(&req.path.as_str()) {
        return None;
    }
    serde_json::from_slice::<ModelField>(bytes).ok()?.model
}

/// Build [`ApiErrorResponse`] from a non-2xx response; never fails.
fn api_error(response: http::Response<ureq::Body>) -> ApiErrorResponse {
    #[derive(serde::Deserialize)]
    struct Envelope {
        error: Option<ErrorField>,
    }
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum ErrorField {
        Object(ApiError),
        Message(String),
    }

    let (parts, body) = response.into_parts();
    let mut raw = Vec::new();
    // Best effort: a body that breaks off still leaves what arrived.
    let _ = body
        .into_reader()
        .take(ERROR_BODY_READ_LIMIT)
        .read_to_end(&mut raw);
    let error = match serde_json::from_slice::<Envelope>(&raw)
        .ok()
        .and_then(|e| e.error)
    {
        Some(ErrorField::Object(error)) => Some(error),
        Some(ErrorField::Message(message)) => Some(ApiError {
            code: None,
            message,
            param: None,
            type_: String::new(),
        }),
        None => None,
    };
    ApiErrorResponse {
        status: parts.status.as_u16(),
        error,
        body: truncate(&String::from_utf8_lossy(&raw), ERROR_BODY_KEEP).to_owned(),
        request_id: request_id(&parts.headers),
        rate_limit: RateLimit::from_headers(&parts.headers),
        retry_after: retry_after(&parts.headers, SystemTime::now()),
        headers: parts.headers,
    }
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    header_str(headers, "x-request-id").map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn beta_paths() {
        for path in [
            "/assistants",
            "/assistants/a",
            "/threads/t/runs",
            "/vector_stores?limit=1",
        ] {
            assert!(needs_beta_header(path), "{path}");
        }
        for path in ["/files", "/chat/completions", "/threadsafe", "/models"] {
            assert!(!needs_beta_header(path), "{path}");
        }
    }

    #[test]
    fn retries_sleep_with_backoff() {
        let server = httpmock::MockServer::start();
        let mock = server.mock(|when, then| {
            when.path("/files/f");
            then.status(503).body("unavailable");
        });
        let mut client = OpenAIClient::create_with_api_key("sk-test")
            .with_base_url(server.base_url())
            .build()
            .unwrap();
        let sleeps = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&sleeps);
        client.sleeper = Arc::new(move |d| recorded.lock().unwrap().push(d));

        let err = client
            .send::<serde_json::Value>(Request::get("/files/f"))
            .unwrap_err();
        assert_eq!(err.status(), Some(503));
        assert_eq!(mock.calls(), 3);
        let sleeps = sleeps.lock().unwrap();
        assert_eq!(sleeps.len(), 2);
        assert!(sleeps[0] >= Duration::from_millis(375) && sleeps[0] <= Duration::from_millis(500));
        assert!(
            sleeps[1] >= Duration::from_millis(750) && sleeps[1] <= Duration::from_millis(1000)
        );
    }
}
