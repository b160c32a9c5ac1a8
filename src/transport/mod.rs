//! The one place requests are sent: URL and header assembly, retries, error mapping and
//! decoding. The request itself, multipart bodies, the retry rules and percent-encoding live
//! in the submodules.

mod encode;
mod multipart;
mod request;
mod retry;

use std::fmt;
use std::io::{self, Read};
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;
use ureq::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use ureq::http::{self, response, HeaderMap, HeaderName, HeaderValue, Method, Uri};
use ureq::{AsSendBody, SendBody};

pub use encode::encode_path_id;
pub(crate) use encode::{percent_encode, push_encoded};
pub use multipart::{FileSource, Multipart};
use request::Body;
pub use request::Request;
use retry::{backoff, random_unit, retry_after};

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
