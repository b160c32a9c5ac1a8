//! The one place requests are sent: URL and header assembly, multipart bodies, retries,
//! error mapping and decoding.

use std::fmt;
use std::io::{self, Cursor, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::Serialize;
use ureq::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use ureq::http::{self, response, HeaderMap, HeaderName, HeaderValue, Method, Uri};
use ureq::{AsSendBody, SendBody};

use crate::client::OpenAIClient;
use crate::errors::{header_str, truncate, ApiErrorResponse, Error, RateLimit};
use crate::types::ApiError;

/// Largest JSON response read into memory (ureq's own default is 10 MB).
const JSON_BODY_LIMIT: u64 = 256 * 1024 * 1024;
/// How much of an error body is read to find the `error` object.
const ERROR_BODY_READ_LIMIT: u64 = 64 * 1024;
/// How much of an error body is kept in [`ApiErrorResponse::body`].
const ERROR_BODY_KEEP: usize = 4 * 1024;
/// How much of an undecodable body is kept in [`Error::Decode`].
const SNIPPET_LEN: usize = 500;
/// Upper bound of the exponential backoff.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(8);
/// Longest server-requested wait that is honoured; longer ones end the retries.
const MAX_SERVER_WAIT: Duration = Duration::from_secs(60);

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

/// One API call to make: method, path, query, body and extra headers.
pub struct Request {
    method: Method,
    path: String,
    query: String,
    body: Body,
    headers: Vec<(HeaderName, HeaderValue)>,
}

enum Body {
    Empty,
    Json(Vec<u8>),
    Multipart(Multipart),
}

impl Request {
    /// A GET of `path`, which must start with `/` and have its ids already encoded
    /// (see [`encode_path_id`]).
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
        debug_assert!(path.starts_with('/'), "path must start with '/': {path}");
        Request {
            method,
            path,
            query: String::new(),
            body: Body::Empty,
            headers: Vec::new(),
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
    fn is_replayable(&self) -> bool {
        match &self.body {
            Body::Empty | Body::Json(_) => true,
            Body::Multipart(form) => form.file.is_replayable(),
        }
    }
}

/// The bytes of a file to upload, with the file name sent to the server.
///
/// Bytes and paths can be sent again when a request is retried (a path is re-opened and
/// streamed from disk each time); a reader can be read only once, so uploads from a reader
/// are never retried.
pub struct FileSource {
    file_name: String,
    kind: SourceKind,
}

enum SourceKind {
    Bytes(Arc<[u8]>),
    Path(PathBuf),
    Reader(Mutex<Option<Box<dyn Read + Send>>>, Option<u64>),
}

impl FileSource {
    /// Upload bytes held in memory.
    pub fn from_bytes(file_name: impl Into<String>, bytes: impl Into<Arc<[u8]>>) -> Self {
        FileSource {
            file_name: file_name.into(),
            kind: SourceKind::Bytes(bytes.into()),
        }
    }

    /// Upload a file from disk, streamed; the file name is the path's last component.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let file_name = path
            .file_name()
            .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
        FileSource {
            file_name,
            kind: SourceKind::Path(path),
        }
    }

    /// Upload whatever `reader` yields; give `len` when known so the request carries a
    /// `Content-Length` (otherwise it is sent chunked). Never retried.
    pub fn from_reader(
        file_name: impl Into<String>,
        reader: impl Read + Send + 'static,
        len: Option<u64>,
    ) -> Self {
        FileSource {
            file_name: file_name.into(),
            kind: SourceKind::Reader(Mutex::new(Some(Box::new(reader))), len),
        }
    }

    /// Replace the file name sent to the server.
    pub fn with_file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = file_name.into();
        self
    }

    /// The file name sent to the server.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    fn is_replayable(&self) -> bool {
        !matches!(self.kind, SourceKind::Reader(..))
    }

    /// A fresh reader over the content and its length, when known.
    fn open(&self) -> Result<(Box<dyn Read>, Option<u64>), Error> {
        match &self.kind {
            SourceKind::Bytes(bytes) => {
                let len = bytes.len() as u64;
                Ok((Box::new(Cursor::new(Arc::clone(bytes))), Some(len)))
            }
            SourceKind::Path(path) => {
                let file = std::fs::File::open(path)?;
                let len = file.metadata()?.len();
                // `take` keeps the body at the announced length if the file grows meanwhile.
                Ok((Box::new(file.take(len)), Some(len)))
            }
            SourceKind::Reader(reader, len) => {
                let reader = reader
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take()
                    .ok_or_else(|| Error::InvalidArgument {
                        name: "file",
                        message: "the reader was already consumed by an earlier request".into(),
                    })?;
                match len {
                    Some(len) => Ok((Box::new(reader.take(*len)), Some(*len))),
                    None => Ok((Box::new(reader), None)),
                }
            }
        }
    }
}

impl fmt::Debug for FileSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("FileSource");
        s.field("file_name", &self.file_name);
        match &self.kind {
            SourceKind::Bytes(bytes) => s.field("bytes", &bytes.len()),
            SourceKind::Path(path) => s.field("path", path),
            SourceKind::Reader(_, len) => s.field("reader_len", len),
        };
        s.finish()
    }
}

/// A `multipart/form-data` body: text fields followed by one streamed file part.
pub struct Multipart {
    boundary: String,
    fields: Vec<(&'static str, String)>,
    file_field: &'static str,
    file: FileSource,
}

impl Multipart {
    /// A form whose file part is named `file_field` (OpenAI uses `"file"`).
    pub fn new(file_field: &'static str, file: FileSource) -> Self {
        Multipart {
            boundary: format!("openai-blocking-{:016x}{:016x}", random_u64(), random_u64()),
            fields: Vec::new(),
            file_field,
            file,
        }
    }

    /// Add a text field, e.g. `("purpose", "assistants")`.
    pub fn text(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.fields.push((name, value.into()));
        self
    }

    fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The whole body as one reader (head, file, tail) and its exact length when known.
    fn open(&self) -> Result<(Box<dyn Read>, Option<u64>), Error> {
        let boundary = &self.boundary;
        let mut head = String::new();
        for (name, value) in &self.fields {
            head.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        head.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n",
            self.file_field,
            escape_file_name(&self.file.file_name)
        ));
        let tail = format!("\r\n--{boundary}--\r\n");
        let (file, file_len) = self.file.open()?;
        let len = file_len.map(|n| head.len() as u64 + n + tail.len() as u64);
        let body = Cursor::new(head.into_bytes())
            .chain(file)
            .chain(Cursor::new(tail.into_bytes()));
        Ok((Box::new(body), len))
    }
}

/// Quote-safe file name for a `Content-Disposition` header (as browsers do).
fn escape_file_name(name: &str) -> String {
    name.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A decoded response plus its status and headers.
#[derive(Debug, Clone)]
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
pub struct ContentReader(ureq::BodyReader<'static>);

impl Read for ContentReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl fmt::Debug for ContentReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ContentReader { .. }")
    }
}

impl OpenAIClient {
    /// Send `req` (with retries) and decode the JSON body of the 2xx response into `T`.
    #[doc(hidden)]
    pub fn execute<T: DeserializeOwned>(&self, req: Request) -> Result<ApiResponse<T>, Error> {
        self.run(req, |parts, body| {
            let bytes = self.read_body(body, JSON_BODY_LIMIT)?;
            let data = serde_json::from_slice(&bytes).map_err(|source| Error::Decode {
                status: parts.status.as_u16(),
                snippet: String::from_utf8_lossy(&bytes[..bytes.len().min(4 * SNIPPET_LEN)])
                    .chars()
                    .take(SNIPPET_LEN)
                    .collect(),
                source,
                request_id: request_id(&parts.headers),
            })?;
            Ok(ApiResponse::new(data, parts))
        })
    }

    /// Send `req` (with retries) and return the whole body of the 2xx response as bytes,
    /// without a size limit; prefer [`execute_reader`](Self::execute_reader) for large files.
    #[doc(hidden)]
    pub fn execute_bytes(&self, req: Request) -> Result<ApiResponse<Vec<u8>>, Error> {
        self.run(req, |parts, body| {
            let bytes = self.read_body(body, u64::MAX)?;
            Ok(ApiResponse::new(bytes, parts))
        })
    }

    /// Send `req` (with retries) and return a streaming reader over the 2xx response body.
    /// Failures while reading the stream are not retried.
    #[doc(hidden)]
    pub fn execute_reader(&self, req: Request) -> Result<ApiResponse<ContentReader>, Error> {
        self.run(req, |parts, body| {
            Ok(ApiResponse::new(ContentReader(body.into_reader()), parts))
        })
    }

    /// The retry loop. `read` turns a 2xx response into the result; its transport errors
    /// (timeouts, broken connections) are retried like those of the request itself.
    fn run<R>(
        &self,
        req: Request,
        read: impl Fn(response::Parts, ureq::Body) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let uri = self.uri_for(&req)?;
        let mut attempt = 0;
        loop {
            let err = match self.send_once(&req, &uri, attempt) {
                Ok(response) => {
                    let (parts, body) = response.into_parts();
                    match read(parts, body) {
                        Ok(result) => return Ok(result),
                        Err(err) => err,
                    }
                }
                Err(err) => err,
            };
            if attempt >= self.max_retries() || !req.is_replayable() {
                return Err(err);
            }
            let delay = match &err {
                Error::Api(api) if api.should_retry() => match api.retry_after {
                    Some(wait) if wait <= MAX_SERVER_WAIT => wait,
                    Some(_) => return Err(err),
                    None => backoff(self.backoff_delay(), attempt, random_unit()),
                },
                Error::Timeout { .. } | Error::Connection(_) => {
                    backoff(self.backoff_delay(), attempt, random_unit())
                }
                _ => return Err(err),
            };
            (self.sleeper)(delay);
            attempt += 1;
        }
    }

    /// The full URL: base, Azure deployment prefix, path, query and Azure `api-version`.
    fn uri_for(&self, req: &Request) -> Result<Uri, Error> {
        let inner = &*self.inner;
        let mut url =
            String::with_capacity(inner.base_url.len() + req.path.len() + req.query.len() + 1);
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
        if !req.query.is_empty() {
            url.push('?');
            url.push_str(&req.query);
            separator = '&';
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
        uri: &Uri,
        attempt: u32,
    ) -> Result<http::Response<ureq::Body>, Error> {
        let inner = &*self.inner;
        let mut request = http::Request::new(());
        *request.method_mut() = req.method.clone();
        *request.uri_mut() = uri.clone();
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
        for (name, value) in &req.headers {
            headers.insert(name.clone(), value.clone());
        }

        let response = match (&req.body, upload) {
            (_, Some(reader)) => {
                self.dispatch(request.map(|()| SendBody::from_owned_reader(reader)))
            }
            (Body::Json(bytes), _) => self.dispatch(request.map(|()| bytes.as_slice())),
            // A bodiless POST (e.g. cancelling a run) still announces `Content-Length: 0`.
            _ if req.method == Method::POST => self.dispatch(request.map(|()| &[][..])),
            _ => self.dispatch(request),
        }?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(Error::Api(Box::new(api_error(response))))
        }
    }

    fn dispatch(
        &self,
        request: http::Request<impl AsSendBody>,
    ) -> Result<http::Response<ureq::Body>, Error> {
        let agent = &self.inner.agent;
        let result = if self.inner.status_as_error_override {
            agent.run(
                agent
                    .configure_request(request)
                    .http_status_as_error(false)
                    .build(),
            )
        } else {
            agent.run(request)
        };
        result.map_err(|e| self.transport_error(e))
    }

    fn read_body(&self, body: ureq::Body, limit: u64) -> Result<Vec<u8>, Error> {
        body.into_with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| self.transport_error(e))
    }

    /// Sort a ureq error into timeout, connection or local failures.
    fn transport_error(&self, err: ureq::Error) -> Error {
        let config = self.inner.agent.config();
        let timeouts = config.timeouts();
        match &err {
            ureq::Error::Timeout(kind) => {
                let after = match kind {
                    ureq::Timeout::PerRead => config.timeout_per_read(),
                    ureq::Timeout::PerWrite => config.timeout_per_write(),
                    ureq::Timeout::Global => timeouts.global,
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
                }
            }
            ureq::Error::BadUri(_) | ureq::Error::Http(_) => Error::InvalidArgument {
                name: "request",
                message: err.to_string(),
            },
            ureq::Error::BodyExceedsLimit(_) => Error::Io(io::Error::other(err)),
            _ => Error::Connection(Box::new(err)),
        }
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

/// Reject an empty (or all-blank) path id, else percent-encode it for use in a path.
pub fn encode_path_id(name: &'static str, id: &str) -> Result<String, Error> {
    if id.trim().is_empty() {
        return Err(Error::InvalidArgument {
            name,
            message: "must not be empty".into(),
        });
    }
    Ok(percent_encode(id))
}

/// Percent-encode every byte outside the unreserved set `A-Za-z0-9-._~`.
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_encoded(&mut out, s);
    out
}

fn push_encoded(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xF)]));
        }
    }
}

/// The server-requested wait: `retry-after-ms` (float milliseconds), else `retry-after`
/// (float seconds or an HTTP date). `None` when absent, unparsable, not finite or not in
/// the future; the caller then falls back to the backoff.
fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let positive = |secs: f64| {
        (secs > 0.0).then(|| Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX))
    };
    if let Some(ms) = header_str(headers, "retry-after-ms").and_then(parse_finite) {
        return positive(ms / 1000.0);
    }
    let value = header_str(headers, "retry-after")?;
    if let Some(secs) = parse_finite(value) {
        return positive(secs);
    }
    parse_http_date(value)?
        .duration_since(now)
        .ok()
        .filter(|wait| !wait.is_zero())
}

fn parse_finite(value: &str) -> Option<f64> {
    value.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Parse an RFC 1123 date such as `Sun, 06 Nov 1994 08:49:37 GMT` (weekday optional).
fn parse_http_date(value: &str) -> Option<SystemTime> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let value = value.trim();
    let rest = value.split_once(',').map_or(value, |(_, rest)| rest);
    let mut parts = rest.split_whitespace();
    let day: i64 = parts.next()?.parse().ok()?;
    let month_name = parts.next()?;
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month_name))? as i64
        + 1;
    let year: i64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|p| p.parse::<i64>().ok());
    let (hour, minute, second) = (clock.next()??, clock.next()??, clock.next()??);
    let zone_ok = matches!(parts.next(), Some("GMT" | "UTC" | "+0000"));
    let valid = zone_ok
        && clock.next().is_none()
        && parts.next().is_none()
        && (1970..=9999).contains(&year)
        && (1..=31).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0..=60).contains(&second);
    if !valid {
        return None;
    }
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Some(UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `min(base * 2^attempt, 8 s)` reduced by up to 25 %; `unit` is uniform in `[0, 1)`.
fn backoff(base: Duration, attempt: u32, unit: f64) -> Duration {
    let exponential = base.as_secs_f64() * 2f64.powi(attempt.min(64) as i32);
    let capped = exponential.min(MAX_RETRY_DELAY.as_secs_f64());
    Duration::from_secs_f64(capped * (1.0 - 0.25 * unit))
}

/// A pseudo-random number: splitmix64 over the clock and a global counter.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let clock = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut z = clock.wrapping_add(COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A pseudo-random float uniform in `[0, 1)`.
fn random_unit() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT` as a `SystemTime`.
    fn nov_1994() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(784_111_777)
    }

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(nov_1994())
        );
        assert_eq!(
            parse_http_date("06 Nov 1994 08:49:37 GMT"),
            Some(nov_1994())
        );
        assert_eq!(
            parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(UNIX_EPOCH)
        );
        assert_eq!(
            parse_http_date("Tue, 29 Feb 2028 12:00:00 GMT"),
            Some(UNIX_EPOCH + Duration::from_secs(1_835_438_400))
        );
        for bad in [
            "",
            "garbage",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "Sun, 06 Nov 99999999999999 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn retry_after_table() {
        let now = nov_1994();
        let ms = Duration::from_millis;
        type Case<'a> = (&'a [(&'static str, &'a str)], Option<Duration>);
        let cases: &[Case] = &[
            (&[], None),
            (&[("retry-after-ms", "100")], Some(ms(100))),
            (
                &[("retry-after-ms", "1.5")],
                Some(Duration::from_micros(1500)),
            ),
            (&[("retry-after", "2")], Some(ms(2000))),
            (&[("retry-after", "0.5")], Some(ms(500))),
            (&[("retry-after", "20")], Some(ms(20_000))),
            (&[("retry-after", "61")], Some(ms(61_000))),
            (&[("retry-after", "0")], None),
            (&[("retry-after", "-10")], None),
            (&[("retry-after", "inf")], None),
            (&[("retry-after", "nan")], None),
            (&[("retry-after", "garbage")], None),
            (
                &[("retry-after", "Sun, 06 Nov 1994 08:49:40 GMT")],
                Some(ms(3000)),
            ),
            (&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")], None),
            (&[("retry-after", "Fri, 01 Jan 1971 00:00:00 GMT")], None),
            (
                &[("retry-after", "Fri, 01 Jan 2100 00:00:00 GMT")],
                Some(ms((4_102_444_800 - 784_111_777) * 1000)),
            ),
            // retry-after-ms wins when valid, else retry-after is used.
            (
                &[("retry-after-ms", "200"), ("retry-after", "5")],
                Some(ms(200)),
            ),
            (
                &[("retry-after-ms", "junk"), ("retry-after", "5")],
                Some(ms(5000)),
            ),
            (&[("retry-after-ms", "0"), ("retry-after", "5")], None),
        ];
        for (pairs, expected) in cases {
            assert_eq!(retry_after(&headers(pairs), now), *expected, "{pairs:?}");
        }
    }

    #[test]
    fn backoff_bounds() {
        let base = Duration::from_millis(500);
        let ms = Duration::from_millis;
        assert_eq!(backoff(base, 0, 0.0), ms(500));
        assert_eq!(backoff(base, 0, 1.0), ms(375));
        assert_eq!(backoff(base, 1, 0.0), ms(1000));
        assert_eq!(backoff(base, 1, 1.0), ms(750));
        assert_eq!(backoff(base, 4, 0.0), ms(8000));
        assert_eq!(backoff(base, 5, 0.0), ms(8000));
        assert_eq!(backoff(base, 1000, 1.0), ms(6000));
        for _ in 0..1000 {
            let d0 = backoff(base, 0, random_unit());
            assert!(d0 >= ms(375) && d0 <= ms(500), "{d0:?}");
            let d1 = backoff(base, 1, random_unit());
            assert!(d1 >= ms(750) && d1 <= ms(1000), "{d1:?}");
        }
    }

    #[test]
    fn random_unit_is_in_range_and_varies() {
        let samples: Vec<f64> = (0..100).map(|_| random_unit()).collect();
        assert!(samples.iter().all(|u| (0.0..1.0).contains(u)));
        assert!(samples.windows(2).any(|w| w[0] != w[1]));
    }

    #[test]
    fn percent_encoding() {
        assert_eq!(percent_encode("a/b c"), "a%2Fb%20c");
        assert_eq!(percent_encode("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(percent_encode("é?&#%"), "%C3%A9%3F%26%23%25");
        assert_eq!(encode_path_id("thread_id", "thread_1").unwrap(), "thread_1");
        for blank in ["", " ", "\t\n"] {
            let err = encode_path_id("thread_id", blank).unwrap_err();
            assert!(matches!(
                err,
                Error::InvalidArgument {
                    name: "thread_id",
                    ..
                }
            ));
        }
    }

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
    fn file_names_are_escaped() {
        assert_eq!(escape_file_name("a\"b\r\n.txt"), "a%22b%0D%0A.txt");
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
            .execute::<serde_json::Value>(Request::get("/files/f"))
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
