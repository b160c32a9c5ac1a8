//! Server-sent events: the `text/event-stream` bodies of streamed runs, chat completions and
//! responses.
//!
//! An [`EventWriter`] frames events (`event: NAME\ndata: JSON\n\n`, or `data: JSON\n\n` for
//! chat chunks) and sends them, each [`send`](EventWriter::send) as one HTTP chunk flushed
//! to the socket at once, so that a client reads the first events while the engine is still
//! working on the next ones. A writer can also collect the whole body (HTTP/1.0 clients,
//! which know no chunks, and tests).

use std::io::Write;

use serde::Serialize;

use openai_blocking::types::{AssistantStreamEvent, ResponseStreamEvent};

/// Where the events go.
enum Sink<'w> {
    /// A client connection, in HTTP/1.1 chunks.
    Chunked(&'w mut dyn Write),
    /// Kept in memory.
    Collect(Vec<u8>),
    /// The client went away: events are dropped (the engine still finishes its work).
    Gone,
}

/// Frames and sends server-sent events (see the module documentation).
pub(crate) struct EventWriter<'w> {
    sink: Sink<'w>,
    /// Framed events not sent yet.
    pending: Vec<u8>,
}

impl<'w> EventWriter<'w> {
    /// A writer sending HTTP/1.1 chunks to `out` (the response head is already written).
    pub fn chunked(out: &'w mut dyn Write) -> Self {
        Self {
            sink: Sink::Chunked(out),
            pending: Vec::new(),
        }
    }

    /// A writer collecting the body in memory; [`finish`](Self::finish) returns it.
    pub fn collect() -> EventWriter<'static> {
        EventWriter {
            sink: Sink::Collect(Vec::new()),
            pending: Vec::new(),
        }
    }

    /// Adds an assistant stream event: its name on the `event:` line, its data as one line
    /// of JSON (`[DONE]` as it is).
    pub fn event(&mut self, event: &AssistantStreamEvent) {
        let value = serde_json::to_value(event).unwrap_or_default();
        let name = value["event"].as_str().unwrap_or("error");
        let data = match &value["data"] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        self.frame(Some(name), &data);
    }

    /// Adds a Responses stream event: its `type` on the `event:` line, the event as the data.
    pub fn response_event(&mut self, event: &ResponseStreamEvent) {
        let value = serde_json::to_value(event).unwrap_or_default();
        let name = value["type"].as_str().unwrap_or("error").to_string();
        self.frame(Some(&name), &value.to_string());
    }

    /// Adds a `data:` line holding `value` as JSON, without an event name (chat chunks).
    pub fn data<T: Serialize>(&mut self, value: &T) {
        let data = serde_json::to_string(value).unwrap_or_default();
        self.frame(None, &data);
    }

    /// Adds `data: [DONE]`, the end of a chat completion stream.
    pub fn data_done(&mut self) {
        self.frame(None, "[DONE]");
    }

    fn frame(&mut self, name: Option<&str>, data: &str) {
        if let Some(name) = name {
            self.pending.extend_from_slice(b"event: ");
            self.pending.extend_from_slice(name.as_bytes());
            self.pending.push(b'\n');
        }
        // Every line of the data gets its own `data:` field (JSON written by serde_json
        // has none, so this is one line).
        for line in data.split('\n') {
            self.pending.extend_from_slice(b"data: ");
            self.pending.extend_from_slice(line.as_bytes());
            self.pending.push(b'\n');
        }
        self.pending.push(b'\n');
    }

    /// Sends the events added since the last call (as one chunk, flushed to the client).
    pub fn send(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        match &mut self.sink {
            Sink::Chunked(out) => {
                let sent = write!(out, "{:x}\r\n", self.pending.len())
                    .and_then(|()| out.write_all(&self.pending))
                    .and_then(|()| out.write_all(b"\r\n"))
                    .and_then(|()| out.flush());
                if sent.is_err() {
                    self.sink = Sink::Gone;
                }
            }
            Sink::Collect(body) => body.extend_from_slice(&self.pending),
            Sink::Gone => {}
        }
        self.pending.clear();
    }

    /// Sends what is left and ends the body; returns it when it was collected.
    pub fn finish(mut self) -> Vec<u8> {
        self.send();
        match self.sink {
            Sink::Chunked(out) => {
                let _ = out.write_all(b"0\r\n\r\n").and_then(|()| out.flush());
                Vec::new()
            }
            Sink::Collect(body) => body,
            Sink::Gone => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openai_blocking::types::AssistantStreamEventData;

    #[test]
    fn events_are_framed_and_chunked() {
        let mut out = Vec::new();
        let mut w = EventWriter::chunked(&mut out);
        w.event(&AssistantStreamEvent::Done {
            data: AssistantStreamEventData::Done,
        });
        w.send();
        w.data(&serde_json::json!({"a": "x\ny"}));
        w.data_done();
        w.finish();
        let first = "event: done\ndata: [DONE]\n\n";
        let second = "data: {\"a\":\"x\\ny\"}\n\ndata: [DONE]\n\n";
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "{:x}\r\n{first}\r\n{:x}\r\n{second}\r\n0\r\n\r\n",
                first.len(),
                second.len()
            )
        );
    }

    #[test]
    fn a_collected_body_has_no_chunks() {
        let mut w = EventWriter::collect();
        w.data_done();
        w.send();
        w.send();
        assert_eq!(w.finish(), b"data: [DONE]\n\n");
    }

    #[test]
    fn a_client_gone_drops_the_events() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut broken = Broken;
        let mut w = EventWriter::chunked(&mut broken);
        w.data_done();
        w.send();
        assert!(matches!(w.sink, Sink::Gone));
        w.data_done();
        assert!(w.finish().is_empty());
    }
}
