//! The HTTP side of the engine: authentication, the beta header, routing to the handlers,
//! query strings, request bodies, and OpenAI-shaped answers and errors.

use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use openai_blocking::types::{ApiError, AssistantStreamEvent, ListOrder};

use super::api;
use super::clock::Now;
use super::engine::{Config, Engine, Session};
use super::http1::Head;
use super::model::{ModelReply, ModelRequest};
use super::page::ListParams;
use super::spool::{Content, Spool};
use super::sse::EventWriter;
use super::store::Store;

/// An error answer: `{"error": {"message", "type", "param", "code"}}` with an HTTP status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    pub status: u16,
    pub kind: &'static str,
    pub message: String,
    pub param: Option<String>,
    pub code: Option<String>,
}

impl Failure {
    /// An `invalid_request_error` with the given status.
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            kind: "invalid_request_error",
            message: message.into(),
            param: None,
            code: None,
        }
    }

    /// A 400 `invalid_request_error`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    /// A 404 for an unknown id of the given kind of object.
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(404, format!("No {what} found with id '{id}'."))
    }

    /// A 500 `server_error`.
    pub fn server(message: impl Into<String>) -> Self {
        Self {
            kind: "server_error",
            ..Self::new(500, message)
        }
    }

    /// The same error naming the request field it concerns.
    pub fn param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    /// The same error with a machine-readable code.
    pub fn code(mut self, code: &str) -> Self {
        self.code = Some(code.to_string());
        self
    }

    /// The JSON body, with explicit nulls as the API sends them.
    pub fn body(&self) -> Vec<u8> {
        serde_json::json!({
            "error": {
                "message": self.message,
                "type": self.kind,
                "param": self.param,
                "code": self.code,
            }
        })
        .to_string()
        .into_bytes()
    }
}

/// A successful answer. The body is shared so that a download is sent from the stored file
/// without a copy; a streamed answer has no body but [`Events`] that write it; a download
/// has its file's [`Content`] instead, read from disk as it is sent when it is there.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Arc<Vec<u8>>,
    pub events: Option<Events>,
    pub download: Option<Content>,
}

impl Reply {
    /// A 200 JSON answer.
    pub fn json<T: Serialize>(value: &T) -> Result<Reply, Failure> {
        let body = serde_json::to_vec(value)
            .map_err(|e| Failure::server(format!("The answer could not be encoded: {e}")))?;
        Ok(Reply {
            status: 200,
            content_type: "application/json",
            body: Arc::new(body),
            events: None,
            download: None,
        })
    }

    /// A 200 answer of a file's bytes.
    pub fn download(content: Content) -> Reply {
        Reply {
            status: 200,
            content_type: "application/octet-stream",
            body: Arc::default(),
            events: None,
            download: Some(content),
        }
    }

    /// A 200 `text/event-stream` answer whose events `producer` writes once the response head
    /// is sent.
    pub fn events(
        producer: impl FnOnce(&mut Session<'_>, &mut EventWriter<'_>) + 'static,
    ) -> Reply {
        Reply {
            status: 200,
            content_type: "text/event-stream",
            body: Arc::default(),
            events: Some(Events(Box::new(producer))),
            download: None,
        }
    }
}

/// The work behind a streamed answer: it runs on the worker after the response head is sent,
/// with a session of its own (so it takes the store only when it needs it, and calls the model
/// outside it), and writes the events as they come.
pub(crate) struct Events(Box<Producer>);

/// What writes the events of a streamed answer.
type Producer = dyn FnOnce(&mut Session<'_>, &mut EventWriter<'_>);

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Events(..)")
    }
}

impl Events {
    /// Runs the producer; a panic ends the events with an `error` event.
    pub fn produce(self, session: &mut Session<'_>, out: &mut EventWriter<'_>) {
        let producer = self.0;
        if catch_unwind(AssertUnwindSafe(|| producer(session, out))).is_err() {
            out.event(&AssistantStreamEvent::Error {
                data: ApiError {
                    code: None,
                    message: "The local engine failed while streaming this answer.".into(),
                    param: None,
                    type_: "server_error".into(),
                },
            });
        }
    }

    /// Runs the producer into memory and returns the body.
    pub fn collect(self, session: &mut Session<'_>) -> Vec<u8> {
        let mut out = EventWriter::collect();
        self.produce(session, &mut out);
        out.finish()
    }
}

/// What a handler gets: its session with the engine, the query string and the request body.
///
/// [`with_store`](Ctx::with_store), [`pump`](Ctx::pump), [`respond`](Ctx::respond) and the
/// body readers all take the context mutably: nothing slow can happen while the store is held.
pub(crate) struct Ctx<'a> {
    session: Session<'a>,
    pub query: &'a str,
    pub content_type: &'a str,
    pub body: &'a mut dyn Read,
    /// The JSON body once [`Ctx::json`] read it.
    pub raw: Vec<u8>,
}

impl<'a> Ctx<'a> {
    /// A context for one request.
    pub fn new(
        engine: &'a Engine,
        query: &'a str,
        content_type: &'a str,
        body: &'a mut dyn Read,
    ) -> Self {
        Self {
            session: engine.session(),
            query,
            content_type,
            body,
            raw: Vec::new(),
        }
    }

    /// Runs `f` with the store held (see [`Session::with_store`]).
    pub fn with_store<R>(&mut self, f: impl FnOnce(&mut Store) -> R) -> R {
        self.session.with_store(f)
    }

    /// Brings a thread's runs up to date (see [`Session::pump`]).
    pub fn pump(&mut self, thread_id: &str) {
        self.session.pump(thread_id);
    }

    /// The request's session with the engine (for the work shared with streamed answers,
    /// which have a session of their own).
    pub fn session(&mut self) -> &mut Session<'a> {
        &mut self.session
    }

    /// The model's reply to `request`; a panic of the model becomes an error.
    pub fn respond(&mut self, request: &ModelRequest) -> Result<ModelReply, String> {
        self.session.respond(request)
    }

    /// The current moment on the engine's clock.
    pub fn now(&self) -> Now {
        self.session.now()
    }

    /// The engine's settings.
    pub fn config(&self) -> &'a Config {
        self.session.config()
    }

    /// The engine's directory for bytes kept on disk.
    pub fn spool(&self) -> &'a Spool {
        self.session.spool()
    }

    /// The body, parsed as a `T` (see [`super::json::parse`]).
    pub fn json<T: DeserializeOwned>(&mut self) -> Result<T, Failure> {
        self.read_body()?;
        super::json::parse(&self.raw)
    }

    /// The body parsed as a `T`, or `T::default()` when the body is empty.
    pub fn json_or_default<T: DeserializeOwned + Default>(&mut self) -> Result<T, Failure> {
        self.read_body()?;
        if self.raw.iter().all(u8::is_ascii_whitespace) {
            return Ok(T::default());
        }
        super::json::parse(&self.raw)
    }

    fn read_body(&mut self) -> Result<(), Failure> {
        let limit = self.config().max_json_bytes;
        let mut bytes = Vec::new();
        self.body
            .take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::invalid(format!("The request body could not be read: {e}")))?;
        if bytes.len() > limit {
            return Err(Failure::new(
                413,
                format!("The request body is larger than {limit} bytes."),
            ));
        }
        self.raw = bytes;
        Ok(())
    }

    /// The query string, parsed as a `Q`: `limit` is a number, `key[]` or a key given more
    /// than once makes an array, everything else is a string. A bad value is a 400 naming the parameter.
    pub fn query<Q: DeserializeOwned>(&self) -> Result<Q, Failure> {
        let mut map = serde_json::Map::new();
        for pair in self.query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (percent_decode(k, true), percent_decode(v, true));
            let value = match (k.as_str(), v.parse::<i64>()) {
                ("limit", Ok(n)) => n.into(),
                _ => serde_json::Value::String(v),
            };
            if k.ends_with("[]") {
                if let serde_json::Value::Array(items) = map
                    .entry(k)
                    .or_insert_with(|| serde_json::Value::Array(Vec::new()))
                {
                    items.push(value);
                }
            } else if let Some(existing) = map.get_mut(&k) {
                // A key given again (`include=a&include=b`): all its values, in order.
                match existing {
                    serde_json::Value::Array(items) => items.push(value),
                    other => *other = serde_json::Value::Array(vec![other.take(), value]),
                }
            } else {
                map.insert(k, value);
            }
        }
        let value = serde_json::Value::Object(map);
        Q::deserialize(&value).map_err(|e| {
            let serde_json::Value::Object(map) = &value else {
                unreachable!("the query is an object")
            };
            // Find the parameter by trying them one at a time.
            let culprit = map.keys().find(|k| {
                let mut one = serde_json::Map::new();
                one.insert((*k).clone(), map[*k].clone());
                serde_json::from_value::<Q>(serde_json::Value::Object(one))
                    .is_err_and(|e| !e.to_string().starts_with("missing field"))
            });
            let failure =
                Failure::invalid(format!("Invalid query parameter: {e}.")).code("invalid_value");
            match culprit {
                Some(k) => failure.param(k.clone()),
                None => failure,
            }
        })
    }

    /// List parameters checked and resolved: `limit` between 1 and `max_limit` (default
    /// `default_limit`), `order` asc or desc (default desc), cursors this engine issued.
    pub fn list_params(
        &mut self,
        limit: Option<i64>,
        order: Option<&ListOrder>,
        after: Option<&str>,
        before: Option<&str>,
        (default_limit, max_limit): (i64, i64),
    ) -> Result<ListParams, Failure> {
        let limit = limit.unwrap_or(default_limit);
        if !(1..=max_limit).contains(&limit) {
            return Err(Failure::invalid(format!(
                "Invalid 'limit': integer below minimum value or above maximum value. Expected a value between 1 and {max_limit}, got {limit}."
            ))
            .param("limit")
            .code("integer_out_of_range"));
        }
        let descending = match order {
            None | Some(ListOrder::Desc) => true,
            Some(ListOrder::Asc) => false,
            Some(ListOrder::Unknown(other)) => {
                return Err(Failure::invalid(format!(
                    "Invalid value for 'order': '{other}'. Supported values are: 'asc' and 'desc'."
                ))
                .param("order")
                .code("invalid_value"))
            }
        };
        let (after, before) = self.with_store(|store| {
            let cursor = |name: &str, id: Option<&str>| -> Result<Option<u64>, Failure> {
                match id.filter(|s| !s.is_empty()) {
                    None => Ok(None),
                    Some(id) => store.ids.seq(id).map(Some).ok_or_else(|| {
                        Failure::invalid(format!("Invalid '{name}': no object with id '{id}'."))
                            .param(name)
                    }),
                }
            };
            Ok::<_, Failure>((cursor("after", after)?, cursor("before", before)?))
        })?;
        Ok(ListParams {
            limit: usize::try_from(limit).unwrap_or(1),
            descending,
            after,
            before,
        })
    }
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`); invalid escapes are kept
/// as they are and invalid UTF-8 is replaced.
pub(crate) fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let spaced;
    let s = if plus_is_space && s.contains('+') {
        spaced = s.replace('+', " ");
        &spaced
    } else {
        s
    };
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// A path segment with its `%XX` escapes decoded (see [`percent_decode`]); borrowed when it
/// has none, as almost every segment (ids, names) does.
fn decode_segment(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('%') {
        std::borrow::Cow::Owned(percent_decode(s, false))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The answer to a request, before [`super::http1`] writes it.
pub(crate) struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    /// The `x-request-id` and the time taken (`openai-processing-ms`) of a request the
    /// engine answered (none for a request that could not be read, or whose handler died).
    pub served: Option<(String, u128)>,
    pub body: AnswerBody,
}

/// The body of an [`Answer`].
pub(crate) enum AnswerBody {
    /// Bytes in memory, or a stored file's [`Content`] read as it is sent.
    Whole(Content),
    /// A stream of events still to produce and write.
    Events(Events),
}

impl Answer {
    /// The error answer of `failure`.
    pub fn failure(failure: &Failure) -> Answer {
        Answer {
            status: failure.status,
            content_type: "application/json",
            served: None,
            body: AnswerBody::Whole(failure.body().into()),
        }
    }

    /// The 500 of a handler that panicked.
    pub fn panicked() -> Answer {
        Self::failure(&Failure::server(
            "The local engine failed while answering this request.",
        ))
    }
}

/// Answers one request, of which the head is read and the body is still to read.
pub(crate) fn handle(engine: &Engine, head: &Head, body: &mut dyn Read) -> Answer {
    let request_id = engine.next_request_id();
    // The machine's time, not the engine's clock: this measures the work done.
    let started = std::time::Instant::now();
    let (status, content_type, body) = match serve(engine, head, body) {
        Ok(r) => {
            let body = match r.events {
                Some(events) => AnswerBody::Events(events),
                None => AnswerBody::Whole(r.download.unwrap_or(Content::Memory(r.body))),
            };
            (r.status, r.content_type, body)
        }
        Err(f) => (
            f.status,
            "application/json",
            AnswerBody::Whole(f.body().into()),
        ),
    };
    Answer {
        status,
        content_type,
        served: Some((request_id, started.elapsed().as_millis())),
        body,
    }
}

fn serve(engine: &Engine, head: &Head, body: &mut dyn Read) -> Result<Reply, Failure> {
    let token = Some(head.authorization.trim())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty());
    match (token, engine.config().api_key.as_deref()) {
        (None, _) => {
            return Err(Failure::new(
                401,
                "No API key was given: send it as a Bearer token in the Authorization header (Authorization: Bearer YOUR_KEY).",
            ))
        }
        (Some(given), Some(expected)) if given != expected => {
            return Err(Failure::new(401, "The API key given is not the one this server accepts.")
                .code("invalid_api_key"))
        }
        _ => {}
    }

    let url = head.target.as_str();
    let path = url.split_once('?').map_or(url, |(p, _)| p);
    let mut segments = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode_segment);
    let mut resource = segments.next();
    if resource.as_deref() == Some("v1") {
        resource = segments.next();
    }
    if matches!(resource.as_deref(), Some("assistants" | "threads"))
        && !head.beta.split(',').any(|v| v.trim() == "assistants=v2")
    {
        return Err(Failure::invalid(
            "The Assistants API needs the header 'OpenAI-Beta: assistants=v2'; add it to the request.",
        )
        .code("invalid_beta"));
    }
    dispatch(engine, &head.method, url, &head.content_type, body)
}

/// Routes an authenticated request (`url` is its path and query) to its handler.
pub(crate) fn dispatch(
    engine: &Engine,
    method: &str,
    url: &str,
    content_type: &str,
    body: &mut dyn Read,
) -> Result<Reply, Failure> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let parts = path.split('/').filter(|s| !s.is_empty());
    // Paths without escapes (almost all) are routed from segments on the stack.
    let mut plain = [""; MAX_SEGMENTS];
    let decoded: Vec<std::borrow::Cow<'_, str>>;
    let owned: Vec<&str>;
    let mut segs: &[&str] = if !path.contains('%') && parts.clone().count() <= MAX_SEGMENTS {
        let mut count = 0;
        for (slot, segment) in plain.iter_mut().zip(parts) {
            *slot = segment;
            count += 1;
        }
        &plain[..count]
    } else {
        decoded = parts.map(decode_segment).collect();
        owned = decoded.iter().map(|s| &**s).collect();
        &owned
    };
    if segs.first() == Some(&"v1") {
        segs = &segs[1..];
    }
    let mut ctx = Ctx::new(engine, query, content_type, body);
    api::route(&mut ctx, method, segs)
        .unwrap_or_else(|| Err(Failure::new(404, format!("Invalid URL ({method} {path})."))))
}

/// More path segments than any route has (a longer path is routed from the heap, to its 404).
const MAX_SEGMENTS: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b+c", true), "a b c");
        assert_eq!(percent_decode("a%20b+c", false), "a b+c");
        assert_eq!(percent_decode("%zz%4", false), "%zz%4");
        assert_eq!(percent_decode("%C3%AF%", false), "ï%");
    }

    #[test]
    fn error_body_has_explicit_nulls() {
        let body = Failure::not_found("thread", "thread_x").body();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"error": {
                "message": "No thread found with id 'thread_x'.",
                "type": "invalid_request_error", "param": null, "code": null
            }})
        );
    }
}
