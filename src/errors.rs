//! The SDK's error type.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use ureq::http::HeaderMap;

#[cfg(polls)]
use crate::polling::Polled;
use crate::types::ApiError;
#[cfg(feature = "assistants")]
use crate::types::RunResponse;

/// Everything that can go wrong when calling the API.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-2xx status.
    Api(Box<ApiErrorResponse>),
    /// The request did not finish in time: no answer, or a body slower than a limit.
    Timeout {
        /// The configured limit that fired, when known.
        after: Option<Duration>,
        /// The underlying transport error.
        source: Box<dyn StdError + Send + Sync>,
        /// The response, when its headers had arrived before the body timed out.
        response: Option<Box<ResponseMeta>>,
    },
    /// The server could not be reached or the connection broke (DNS, refused, TLS, reset,
    /// closed in the middle of a body, ...).
    Connection {
        /// The underlying transport error.
        source: Box<dyn StdError + Send + Sync>,
        /// The response, when its headers had arrived before the connection broke.
        response: Option<Box<ResponseMeta>>,
    },
    /// A 2xx response whose body is larger than the client reads into memory.
    BodyTooLarge {
        /// The limit, in bytes.
        limit: u64,
        /// The response.
        response: Box<ResponseMeta>,
    },
    /// A 2xx response whose body cannot be decoded from its `Content-Encoding` (a broken
    /// gzip stream, say).
    InvalidBody {
        /// What the decoder said.
        source: Box<dyn StdError + Send + Sync>,
        /// The response.
        response: Box<ResponseMeta>,
    },
    /// A 2xx response whose body is not the expected JSON.
    Decode {
        /// HTTP status of the response.
        status: u16,
        /// The first ~500 characters of the body.
        snippet: String,
        /// What serde_json complained about.
        source: serde_json::Error,
        /// Value of the `x-request-id` response header.
        request_id: Option<String>,
    },
    /// An event stream stopped before its end: the connection closed or broke, or no event
    /// came within the read timeout (the idle timeout). The events that arrived stay in the
    /// stream's accumulators; the SDK never sends the request that started a stream again.
    StreamInterrupted {
        /// How many events had arrived.
        events: u64,
        /// Whether it stopped because no byte came within the idle timeout.
        timed_out: bool,
        /// What the connection reported.
        source: Box<dyn StdError + Send + Sync>,
        /// The response that carried the stream.
        response: Box<ResponseMeta>,
    },
    /// The server reported a failure inside an event stream (an `error` event, or a failed
    /// response), after a 2xx status. The events that arrived stay in the stream's
    /// accumulators.
    StreamFailed {
        /// The error the server sent.
        error: Box<ApiError>,
        /// How many events had arrived, this one included.
        events: u64,
        /// The response that carried the stream.
        response: Box<ResponseMeta>,
    },
    /// An argument was rejected before any request was sent (e.g. an empty id).
    InvalidArgument {
        /// Name of the offending argument.
        name: &'static str,
        /// Why it was rejected.
        message: String,
    },
    /// A line of a batch file that breaks the Batch API's rules (refused before it is written)
    /// or that cannot be read back.
    InvalidBatchLine {
        /// The line's number in its file, from 1.
        line: u64,
        /// Its `custom_id`, when it has one.
        custom_id: Option<String>,
        /// What is wrong with it.
        message: String,
    },
    /// A list reported more pages but named, as the cursor to the next one, a cursor it was
    /// already asked for: following it would fetch the same pages forever. The items before
    /// it were yielded.
    PaginationLoop {
        /// The repeated cursor (the `after` id).
        after: String,
    },
    /// A local I/O error, e.g. opening a file to upload.
    Io(std::io::Error),
    /// The client configuration is invalid (empty key, bad base URL, bad header value).
    Config(String),
    /// A wait ran past its polling timeout. The object on the server was left as it is
    /// unless the [`Waiter`](crate::Waiter) was told to
    /// [cancel it on stop](crate::Waiter::cancel_on_stop).
    #[cfg(polls)]
    PollTimeout {
        /// How long the wait lasted.
        elapsed: Duration,
        /// How many times it polled.
        attempts: u32,
        /// The last object it saw.
        last: Box<Polled>,
    },
    /// A wait was stopped by its cancel flag. The object on the server was left as it is
    /// unless the [`Waiter`](crate::Waiter) was told to
    /// [cancel it on stop](crate::Waiter::cancel_on_stop).
    #[cfg(polls)]
    PollCancelled {
        /// How long the wait lasted.
        elapsed: Duration,
        /// How many times it polled.
        attempts: u32,
        /// The last object it saw.
        last: Box<Polled>,
    },
    /// An upload of several files, or of a large file's parts, was stopped by its cancel flag.
    /// Files already uploaded were deleted again, a large file's upload cancelled: nothing of
    /// it is left on the server.
    UploadCancelled {
        /// How many files (parts) had been uploaded (and were deleted) when it stopped.
        uploaded: usize,
        /// How many files (parts) the upload had.
        total: usize,
    },
    /// A run ended other than `completed` where its answer was expected; holds the final run
    /// (`status`, `last_error`, `incomplete_details`, `required_action`).
    #[cfg(feature = "assistants")]
    RunNotCompleted(Box<RunResponse>),
}

impl Error {
    /// HTTP status of the response this error came from, if one arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::Decode { status, .. } => Some(*status),
            _ => self.response().map(|r| r.status),
        }
    }

    /// Value of the `x-request-id` header of the response this error came from, if one
    /// arrived: for API errors, undecodable bodies, and bodies that broke off, timed out,
    /// were too large or corrupt.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.request_id.as_deref(),
            Error::Decode { request_id, .. } => request_id.as_deref(),
            _ => self.response()?.request_id.as_deref(),
        }
    }

    /// The response whose body failed, for the errors that happen after its headers.
    pub fn response(&self) -> Option<&ResponseMeta> {
        match self {
            Error::Timeout { response, .. } | Error::Connection { response, .. } => {
                response.as_deref()
            }
            Error::BodyTooLarge { response, .. }
            | Error::InvalidBody { response, .. }
            | Error::StreamInterrupted { response, .. }
            | Error::StreamFailed { response, .. } => Some(response),
            _ => None,
        }
    }

    /// Whether sending the same request again may succeed: timeouts, connection errors
    /// and API errors with status 408, 409, 429 or >= 500 (an `x-should-retry` response
    /// header overrides the status rule).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(api) => api.should_retry(),
            Error::Timeout { .. } | Error::Connection { .. } => true,
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(api) => fmt::Display::fmt(api, f),
            Error::Timeout {
                after: Some(after),
                response,
                ..
            } => {
                write!(f, "request timed out after {after:?}")?;
                write_response(f, response.as_deref())
            }
            Error::Timeout {
                after: None,
                source,
                response,
            } => {
                write!(f, "request timed out: {source}")?;
                write_response(f, response.as_deref())
            }
            Error::Connection { source, response } => {
                match response {
                    Some(_) => write!(f, "the response body broke off: {source}")?,
                    None => write!(f, "connection error: {source}")?,
                }
                write_response(f, response.as_deref())
            }
            Error::BodyTooLarge { limit, response } => {
                write!(f, "the response body is larger than {limit} bytes")?;
                write_response(f, Some(response))
            }
            Error::InvalidBody { source, response } => {
                write!(f, "the response body cannot be decoded: {source}")?;
                write_response(f, Some(response))
            }
            Error::StreamInterrupted {
                events,
                timed_out,
                source,
                response,
            } => {
                if *timed_out {
                    write!(
                        f,
                        "the event stream went silent after {events} events: {source}"
                    )?;
                } else {
                    write!(
                        f,
                        "the event stream broke off after {events} events: {source}"
                    )?;
                }
                write_response(f, Some(response))
            }
            Error::StreamFailed {
                error,
                events,
                response,
            } => {
                write!(
                    f,
                    "the server reported an error in the event stream after {events} events"
                )?;
                if !error.type_.is_empty() {
                    write!(f, ": {}", error.type_)?;
                }
                write!(f, ": {}", error.message)?;
                write_response(f, Some(response))
            }
            Error::Decode { status, source, .. } => {
                write!(
                    f,
                    "could not decode the response body (HTTP {status}): {source}"
                )
            }
            Error::InvalidArgument { name, message } => {
                write!(f, "invalid argument `{name}`: {message}")
            }
            Error::PaginationLoop { after } => write!(
                f,
                "the list reported more pages but pointed back at cursor {after:?}; stopped"
            ),
            Error::InvalidBatchLine {
                line,
                custom_id,
                message,
            } => match custom_id {
                Some(id) => write!(f, "batch line {line} (custom_id {id:?}): {message}"),
                None => write!(f, "batch line {line}: {message}"),
            },
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::Config(message) => write!(f, "invalid client configuration: {message}"),
            #[cfg(polls)]
            Error::PollTimeout {
                elapsed,
                attempts,
                last,
            } => write!(
                f,
                "gave up waiting after {elapsed:?} and {attempts} polls: {last}"
            ),
            #[cfg(polls)]
            Error::PollCancelled {
                elapsed,
                attempts,
                last,
            } => write!(
                f,
                "wait cancelled after {elapsed:?} and {attempts} polls: {last}"
            ),
            Error::UploadCancelled { uploaded, total } => write!(
                f,
                "upload cancelled after {uploaded} of {total} files or parts (those were deleted)"
            ),
            #[cfg(feature = "assistants")]
            Error::RunNotCompleted(run) => {
                write!(f, "run {} ended with status {}", run.id, run.status)?;
                if let Some(error) = &run.last_error {
                    write!(f, ": {}: {}", error.code, error.message)?;
                }
                if let Some(details) = run
                    .incomplete_details
                    .as_ref()
                    .and_then(|d| d.reason.as_ref())
                {
                    write!(f, " ({details})")?;
                }
                Ok(())
            }
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Timeout { source, .. }
            | Error::Connection { source, .. }
            | Error::InvalidBody { source, .. }
            | Error::StreamInterrupted { source, .. } => Some(source.as_ref()),
            Error::Decode { source, .. } => Some(source),
            Error::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

/// " (HTTP 200, request id req_1)" for an error that came after a response's headers.
fn write_response(f: &mut fmt::Formatter<'_>, response: Option<&ResponseMeta>) -> fmt::Result {
    let Some(response) = response else {
        return Ok(());
    };
    write!(f, " (HTTP {}", response.status)?;
    if let Some(id) = &response.request_id {
        write!(f, ", request id {id}")?;
    }
    f.write_str(")")
}

/// The status and headers of a response whose body then failed (see [`Error::response`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ResponseMeta {
    /// HTTP status code.
    pub status: u16,
    /// Value of the `x-request-id` header.
    pub request_id: Option<String>,
    /// All response headers.
    pub headers: HeaderMap,
}

impl ResponseMeta {
    pub(crate) fn new(status: u16, headers: &HeaderMap) -> Self {
        ResponseMeta {
            status,
            request_id: header_str(headers, "x-request-id").map(str::to_owned),
            headers: headers.clone(),
        }
    }
}

/// A non-2xx response: status, the parsed `error` object and the raw body.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiErrorResponse {
    /// HTTP status code.
    pub status: u16,
    /// The `error` object of a `{"error": {...}}` body; `None` when the body has another shape.
    pub error: Option<ApiError>,
    /// The raw body, lossily decoded as UTF-8 and truncated to 4 KiB.
    pub body: String,
    /// Value of the `x-request-id` response header.
    pub request_id: Option<String>,
    /// Rate-limit headers of the response.
    pub rate_limit: RateLimit,
    /// The wait the server asked for (`retry-after-ms` / `retry-after`), when valid and positive.
    pub retry_after: Option<Duration>,
    /// All response headers.
    pub headers: HeaderMap,
}

/// Broad category of an API error, derived from the HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 400
    BadRequest,
    /// 401
    Authentication,
    /// 403
    PermissionDenied,
    /// 404
    NotFound,
    /// 409
    Conflict,
    /// 422
    UnprocessableEntity,
    /// 429
    RateLimit,
    /// 500 and above
    InternalServer,
    /// Any other status.
    Other,
}

impl ApiErrorResponse {
    /// Category of this error, derived from [`status`](Self::status).
    pub fn kind(&self) -> ApiErrorKind {
        match self.status {
            400 => ApiErrorKind::BadRequest,
            401 => ApiErrorKind::Authentication,
            403 => ApiErrorKind::PermissionDenied,
            404 => ApiErrorKind::NotFound,
            409 => ApiErrorKind::Conflict,
            422 => ApiErrorKind::UnprocessableEntity,
            429 => ApiErrorKind::RateLimit,
            500.. => ApiErrorKind::InternalServer,
            _ => ApiErrorKind::Other,
        }
    }

    /// The error message from the body, or the raw body when it carried no `error` object.
    pub fn message(&self) -> &str {
        match &self.error {
            Some(error) => &error.message,
            None => &self.body,
        }
    }

    /// The `x-should-retry` header if the server sent a valid one, else the status rule
    /// (408, 409, 429, >= 500).
    pub(crate) fn should_retry(&self) -> bool {
        match header_str(&self.headers, "x-should-retry") {
            Some("true") => true,
            Some("false") => false,
            _ => matches!(self.status, 408 | 409 | 429 | 500..),
        }
    }
}

impl fmt::Display for ApiErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OpenAI API error (HTTP {})", self.status)?;
        match &self.error {
            Some(error) if !error.type_.is_empty() => {
                write!(f, " {}: {}", error.type_, error.message)?
            }
            Some(error) => write!(f, ": {}", error.message)?,
            None if !self.body.is_empty() => write!(f, ": {}", truncate(&self.body, 200))?,
            None => {}
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// Rate-limit state reported by the `x-ratelimit-*` response headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// `x-ratelimit-limit-requests`
    pub limit_requests: Option<u64>,
    /// `x-ratelimit-remaining-requests`
    pub remaining_requests: Option<u64>,
    /// `x-ratelimit-reset-requests`, e.g. `"1s"` or `"6m0s"`.
    pub reset_requests: Option<String>,
    /// `x-ratelimit-limit-tokens`
    pub limit_tokens: Option<u64>,
    /// `x-ratelimit-remaining-tokens`
    pub remaining_tokens: Option<u64>,
    /// `x-ratelimit-reset-tokens`, e.g. `"20ms"`.
    pub reset_tokens: Option<String>,
}

impl RateLimit {
    /// Read the six `x-ratelimit-*` headers; missing or malformed ones stay `None`.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Self {
        let count = |name| header_str(headers, name).and_then(|v| v.trim().parse().ok());
        let text = |name| header_str(headers, name).map(str::to_owned);
        RateLimit {
            limit_requests: count("x-ratelimit-limit-requests"),
            remaining_requests: count("x-ratelimit-remaining-requests"),
            reset_requests: text("x-ratelimit-reset-requests"),
            limit_tokens: count("x-ratelimit-limit-tokens"),
            remaining_tokens: count("x-ratelimit-remaining-tokens"),
            reset_tokens: text("x-ratelimit-reset-tokens"),
        }
    }
}

/// A header's value as text, if present and visible ASCII.
pub(crate) fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The longest prefix of `s` that has at most `max` bytes and ends on a char boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(truncate("héllo", 3), "hé");
        assert_eq!(truncate("abc", 10), "abc");
    }

    #[test]
    fn kinds_follow_status() {
        let mut e = ApiErrorResponse {
            status: 0,
            error: None,
            body: String::new(),
            request_id: None,
            rate_limit: RateLimit::default(),
            retry_after: None,
            headers: HeaderMap::new(),
        };
        for (status, kind) in [
            (400, ApiErrorKind::BadRequest),
            (401, ApiErrorKind::Authentication),
            (403, ApiErrorKind::PermissionDenied),
            (404, ApiErrorKind::NotFound),
            (409, ApiErrorKind::Conflict),
            (422, ApiErrorKind::UnprocessableEntity),
            (429, ApiErrorKind::RateLimit),
            (500, ApiErrorKind::InternalServer),
            (503, ApiErrorKind::InternalServer),
            (418, ApiErrorKind::Other),
        ] {
            e.status = status;
            assert_eq!(e.kind(), kind, "status {status}");
        }
    }
}
