//! Streamed answers as blocking iterators: the events of a response ([`ResponseStream`]) or a
//! run ([`RunStream`]) and the chunks of a chat completion ([`ChatCompletionStream`]), each
//! with an accumulator that builds the final objects from what arrived.
//!
//! A stream reads its connection as it is iterated; dropping it early closes the connection.
//! It ends at the server's end marker (`done` / `[DONE]`). A connection that closes or stays
//! silent past the read timeout before the answer is complete ends it with
//! [`Error::StreamInterrupted`]; an `error` event with [`Error::StreamFailed`]. Either error is
//! yielded once, then the iterator ends, and the accumulators keep what arrived.

#[cfg(feature = "chat")]
mod chat;
#[cfg(feature = "responses")]
mod responses;
#[cfg(feature = "assistants")]
mod runs;

use std::io;

#[cfg(feature = "chat")]
pub use chat::{ChatCompletionStream, ChatTextDeltas};
#[cfg(feature = "responses")]
pub use responses::{ResponseStream, ResponseTextDeltas};
#[cfg(feature = "assistants")]
pub use runs::{RunEventHandler, RunStream, TextDeltas};

use crate::errors::{Error, ResponseMeta};
use crate::transport::sse::{SseEvent, SseReader};
use crate::transport::ContentReader;
use crate::types::ApiError;

/// How many characters of an undecodable event's data an error keeps.
const SNIPPET_LEN: usize = 500;

/// The raw events of one response, counted, with errors mapped to the SDK's.
struct Events {
    sse: SseReader<ContentReader>,
    response: ResponseMeta,
    received: u64,
    ended: bool,
}

impl Events {
    #[inline]
    fn new(response: ResponseMeta, body: ContentReader) -> Self {
        Events {
            sse: SseReader::new(body),
            response,
            received: 0,
            ended: false,
        }
    }

    /// The next event; `None` at the end of the stream (or after an error was returned).
    #[inline]
    fn next(&mut self) -> Option<Result<SseEvent, Error>> {
        if self.ended {
            return None;
        }
        match self.sse.next_event() {
            Ok(Some(event)) => {
                self.received += 1;
                Some(Ok(event))
            }
            Ok(None) => {
                self.ended = true;
                None
            }
            Err(e) => {
                self.ended = true;
                Some(Err(self.interrupted(e)))
            }
        }
    }

    /// The stream is over: nothing more is read.
    #[inline]
    fn end(&mut self) {
        self.ended = true;
    }

    #[inline]
    fn interrupted(&self, e: io::Error) -> Error {
        let timed_out = matches!(
            e.kind(),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
        ) || e.to_string().to_ascii_lowercase().contains("timeout");
        Error::StreamInterrupted {
            events: self.received,
            timed_out,
            source: Box::new(e),
            response: Box::new(self.response.clone()),
        }
    }

    /// The connection ended cleanly, but before the answer did.
    #[inline]
    fn ended_early(&self, what: &str) -> Error {
        Error::StreamInterrupted {
            events: self.received,
            timed_out: false,
            source: format!("the connection closed before {what}").into(),
            response: Box::new(self.response.clone()),
        }
    }

    /// An `error` event's data as [`Error::StreamFailed`].
    #[inline]
    fn failed(&self, data: &str) -> Error {
        #[derive(serde::Deserialize)]
        struct Wrapped {
            error: ApiError,
        }
        let error = serde_json::from_slice::<ApiError>(data.as_bytes())
            .or_else(|_| serde_json::from_slice::<Wrapped>(data.as_bytes()).map(|w| w.error))
            .unwrap_or_else(|_| ApiError {
                code: None,
                message: data.to_owned(),
                param: None,
                type_: String::new(),
            });
        self.failed_with(error)
    }

    /// `error`, reported by the server inside the stream, as [`Error::StreamFailed`].
    #[inline]
    fn failed_with(&self, error: ApiError) -> Error {
        Error::StreamFailed {
            error: Box::new(error),
            events: self.received,
            response: Box::new(self.response.clone()),
        }
    }

    /// An event whose data does not decode as its type; when it was the last event, without
    /// the blank line that ends one, the connection cut it off: the stream is over.
    #[inline]
    fn undecodable(&mut self, data: &str, source: serde_json::Error) -> Error {
        if self.sse.unterminated() {
            self.ended = true;
            return Error::StreamInterrupted {
                events: self.received - 1,
                timed_out: false,
                source: format!("the connection closed in the middle of an event: {source}").into(),
                response: Box::new(self.response.clone()),
            };
        }
        Error::Decode {
            status: self.response.status,
            snippet: data.chars().take(SNIPPET_LEN).collect(),
            source,
            request_id: self.response.request_id.clone(),
        }
    }
}
