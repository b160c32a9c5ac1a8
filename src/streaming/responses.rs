//! A response's events as they happen, with the response accumulated from them.

use super::Events;
use crate::endpoint::api_path;
use crate::errors::{Error, ResponseMeta};
use crate::query::QueryParameters;
use crate::transport::Request;
use crate::types::*;
use crate::*;

/// The events of a streamed response, in the order the server sends them: an iterator of
/// `Result<ResponseStreamEvent, Error>`, made by
/// [`create_response_stream`](OpenAIClient::create_response_stream) and
/// [`resume_response_stream`](OpenAIClient::resume_response_stream).
///
/// While it is iterated it builds the response the events describe
/// ([`final_response`](Self::final_response)): the output items as they are added, the text
/// of each content part growing with its deltas, annotations, refusals, and the arguments of
/// each function call joined. It does so also when a server skips the `content_part.added` or
/// `*.done` events, and it fills `output_text` when the final response leaves it out.
/// [`text_deltas`](Self::text_deltas) yields just the text as it comes;
/// [`until_done`](Self::until_done) reads the rest and returns the final response.
///
/// A `response.failed` event or an `error` event is yielded as [`Error::StreamFailed`], a
/// connection lost before the response finished as [`Error::StreamInterrupted`]; the
/// iterator ends after either, and the response built so far stays readable. A background
/// response's stream can then go on where it stopped with [`resume`](Self::resume). An event
/// this version does not know is `ResponseStreamEvent::Unknown`, not an error.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use openai_blocking::*;
///
/// let client = OpenAIClient::from_env()?;
/// let request = ResponseCreateRequest::text("gpt-4.1-mini", "Write a haiku about Rust.");
/// let mut stream = client.create_response_stream(&request)?;
/// for delta in stream.text_deltas() {
///     print!("{}", delta?); // the answer, as it is written
/// }
/// let response = stream.until_done()?;
/// println!("\n{} output tokens", response.usage.as_ref().map_or(0, |u| u.output_tokens));
/// # Ok(())
/// # }
/// ```
#[must_use = "a stream does nothing until it is iterated"]
pub struct ResponseStream {
    events: Events,
    /// The response as the events built it (`None` before the first response event).
    response: Option<ResponseObject>,
    /// Output items that arrived before any response event carried a response to hold them.
    early_output: Vec<OutputItem>,
    /// The sequence number of the last event yielded.
    last_sequence: Option<i64>,
    /// Whether events at or before `last_sequence` are dropped (a resumed stream).
    dedupe: bool,
    done: bool,
}

impl ResponseStream {
    #[inline]
    fn new(response: ResponseMeta, body: crate::ContentReader) -> Self {
        ResponseStream {
            events: Events::new(response, body),
            response: None,
            early_output: Vec::new(),
            last_sequence: None,
            dedupe: false,
            done: false,
        }
    }

    /// The response as the events so far built it: the last full response an event carried
    /// (`response.created`, `.in_progress`, `.completed`, ...) with the output the deltas
    /// since then added. `None` before the first such event.
    #[inline]
    pub fn final_response(&self) -> Option<&ResponseObject> {
        self.response.as_ref()
    }

    /// The status, request id and headers of the HTTP response carrying the stream.
    #[inline]
    pub fn response(&self) -> &ResponseMeta {
        &self.events.response
    }

    /// How many events have arrived on the current connection.
    #[inline]
    pub fn events_received(&self) -> u64 {
        self.events.received
    }

    /// The sequence number of the last event yielded: where [`resume`](Self::resume) (or
    /// [`resume_response_stream`](OpenAIClient::resume_response_stream)) goes on from.
    #[inline]
    pub fn last_sequence_number(&self) -> Option<i64> {
        self.last_sequence
    }

    /// The function calls of the output so far, each with its arguments as joined from the
    /// deltas (complete once the call's `function_call_arguments.done` or
    /// `output_item.done` arrived).
    #[inline]
    pub fn function_calls(&self) -> Vec<FunctionCall<'_>> {
        self.response
            .as_ref()
            .map(ResponseObject::function_calls)
            .unwrap_or_default()
    }

    /// An iterator over the text of each `response.output_text.delta` as it arrives; the
    /// other events are read (and accumulated) on the way. Errors are yielded as they are by
    /// the stream.
    #[inline]
    pub fn text_deltas(&mut self) -> ResponseTextDeltas<'_> {
        ResponseTextDeltas { stream: self }
    }

    /// Reads the rest of the stream and returns the final response.
    #[inline]
    pub fn until_done(&mut self) -> Result<&ResponseObject, Error> {
        for event in self.by_ref() {
            event?;
        }
        self.response
            .as_ref()
            .ok_or_else(|| self.events.ended_early("any response event"))
    }

    /// Goes on with a background response's stream after it stopped (an interrupted
    /// connection, a read timeout, or the stream dropped from a loop early): reads
    /// `GET /responses/{id}?stream=true&starting_after=N` from the last sequence number
    /// yielded, drops any event it already yielded, and keeps building the same response.
    ///
    /// A response created without `background: true` cannot be resumed (the server keeps no
    /// stream of it, and sending the request again would make a second response): that is an
    /// [`Error::InvalidArgument`], as is a stream that has not yet named its response.
    #[inline]
    pub fn resume(&mut self, client: &OpenAIClient) -> Result<(), Error> {
        let response = self
            .response
            .as_ref()
            .ok_or_else(|| Error::InvalidArgument {
                name: "stream",
                message: "no event named the response yet: there is nothing to resume".into(),
            })?;
        if response.background != Some(true) {
            return Err(Error::InvalidArgument {
                name: "stream",
                message: format!(
                    "response {} is not a background response: only those can be resumed \
                     (create it with `background: Some(true)`)",
                    response.id
                ),
            });
        }
        let (meta, body) =
            client.send_for_events(resume_request(&response.id, self.last_sequence)?)?;
        self.events = Events::new(meta, body);
        self.dedupe = true;
        self.done = false;
        Ok(())
    }

    #[inline]
    fn status(&self) -> Option<&ResponseObjectStatus> {
        self.response.as_ref().and_then(|r| r.status.as_ref())
    }

    /// Whether the response reached a status that ends its stream.
    #[inline]
    fn finished(&self) -> bool {
        use ResponseObjectStatus::*;
        matches!(
            self.status(),
            Some(Completed | Failed | Cancelled | Incomplete)
        )
    }

    /// The output the deltas add to.
    #[inline]
    fn output(&mut self) -> &mut Vec<OutputItem> {
        match self.response.as_mut() {
            Some(response) => &mut response.output,
            None => &mut self.early_output,
        }
    }

    /// Takes the response an event carries: its output wins when it has one, else the output
    /// built so far stays; a finished response gets its `output_text` when it has none.
    #[inline]
    fn take_response(&mut self, mut response: ResponseObject) {
        if response.output.is_empty() {
            response.output = std::mem::take(self.output());
        }
        self.early_output.clear();
        let finished = matches!(
            response.status,
            Some(
                ResponseObjectStatus::Completed
                    | ResponseObjectStatus::Failed
                    | ResponseObjectStatus::Cancelled
                    | ResponseObjectStatus::Incomplete
            )
        );
        if finished && response.output_text.is_none() {
            response.output_text = Some(response.output_text());
        }
        self.response = Some(response);
    }

    /// Keeps what `event` says about the response and its output.
    #[inline]
    fn accumulate(&mut self, event: &ResponseStreamEvent) {
        use ResponseStreamEvent as E;
        match event {
            E::ResponseCreated { response, .. }
            | E::ResponseQueued { response, .. }
            | E::ResponseInProgress { response, .. }
            | E::ResponseCompleted { response, .. }
            | E::ResponseIncomplete { response, .. }
            | E::ResponseFailed { response, .. } => self.take_response(response.clone()),
            E::ResponseOutputItemAdded {
                item, output_index, ..
            }
            | E::ResponseOutputItemDone {
                item, output_index, ..
            } => {
                put(self.output(), *output_index, item.clone());
            }
            E::ResponseContentPartAdded {
                item_id,
                output_index,
                content_index,
                part,
                ..
            }
            | E::ResponseContentPartDone {
                item_id,
                output_index,
                content_index,
                part,
                ..
            } => {
                let part = match part {
                    OutputContent::OutputText {
                        annotations,
                        logprobs,
                        text,
                    } => OutputMessageContent::OutputText {
                        annotations: annotations.clone(),
                        logprobs: logprobs.clone(),
                        text: text.clone(),
                    },
                    OutputContent::Refusal { refusal } => OutputMessageContent::Refusal {
                        refusal: refusal.clone(),
                    },
                    // Reasoning text belongs to reasoning items, whose `output_item.done`
                    // carries it whole.
                    _ => return,
                };
                if let Some(slot) = self.part(*output_index, item_id, *content_index, &part) {
                    *slot = part;
                }
            }
            E::ResponseOutputTextDelta {
                item_id,
                output_index,
                content_index,
                delta,
                ..
            } => {
                if let Some(OutputMessageContent::OutputText { text, .. }) =
                    self.part(*output_index, item_id, *content_index, &empty_text())
                {
                    text.push_str(delta);
                }
            }
            E::ResponseOutputTextDone {
                item_id,
                output_index,
                content_index,
                text: done,
                ..
            } => {
                if let Some(OutputMessageContent::OutputText { text, .. }) =
                    self.part(*output_index, item_id, *content_index, &empty_text())
                {
                    text.clone_from(done);
                }
            }
            E::ResponseOutputTextAnnotationAdded {
                item_id,
                output_index,
                content_index,
                annotation: Some(annotation),
                ..
            } => {
                if let Some(OutputMessageContent::OutputText { annotations, .. }) =
                    self.part(*output_index, item_id, *content_index, &empty_text())
                {
                    annotations.push(annotation.clone());
                }
            }
            E::ResponseRefusalDelta {
                item_id,
                output_index,
                content_index,
                delta,
                ..
            } => {
                if let Some(OutputMessageContent::Refusal { refusal }) =
                    self.part(*output_index, item_id, *content_index, &empty_refusal())
                {
                    refusal.push_str(delta);
                }
            }
            E::ResponseRefusalDone {
                item_id,
                output_index,
                content_index,
                refusal: done,
                ..
            } => {
                if let Some(OutputMessageContent::Refusal { refusal }) =
                    self.part(*output_index, item_id, *content_index, &empty_refusal())
                {
                    refusal.clone_from(done);
                }
            }
            E::ResponseFunctionCallArgumentsDelta {
                item_id,
                output_index,
                delta,
                ..
            } => {
                if let Some(OutputItem::FunctionCall { arguments, .. }) =
                    self.function_call(*output_index, item_id, "")
                {
                    arguments.push_str(delta);
                }
            }
            E::ResponseFunctionCallArgumentsDone {
                item_id,
                output_index,
                arguments: done,
                name: done_name,
                ..
            } => {
                if let Some(OutputItem::FunctionCall {
                    arguments, name, ..
                }) = self.function_call(*output_index, item_id, done_name)
                {
                    arguments.clone_from(done);
                    if name.is_empty() {
                        name.clone_from(done_name);
                    }
                }
            }
            _ => {}
        }
    }

    /// The content part an event names, in the message item at `output_index` (or with
    /// `item_id`); when the server skipped the events that add them, the message and the part
    /// (a copy of `empty`) are added here.
    #[inline]
    fn part(
        &mut self,
        output_index: i64,
        item_id: &str,
        content_index: i64,
        empty: &OutputMessageContent,
    ) -> Option<&mut OutputMessageContent> {
        let output = self.output();
        let at = find_item(output, output_index, item_id).unwrap_or_else(|| {
            let message = OutputItem::Message {
                content: Vec::new(),
                id: item_id.to_owned(),
                phase: None,
                role: OutputItemRole::Assistant,
                status: OutputMessageStatus::InProgress,
            };
            put(output, output_index, message)
        });
        let OutputItem::Message { content, .. } = &mut output[at] else {
            return None;
        };
        let index = usize::try_from(content_index).ok()?;
        while content.len() <= index {
            content.push(empty.clone());
        }
        let slot = &mut content[index];
        // A part of the other kind (text where a refusal was announced) is replaced.
        if std::mem::discriminant(slot) != std::mem::discriminant(empty) {
            *slot = empty.clone();
        }
        Some(slot)
    }

    /// The function call item an arguments event names; added when the server skipped its
    /// `output_item.added` (its `call_id` then stays empty until `output_item.done`).
    #[inline]
    fn function_call(
        &mut self,
        output_index: i64,
        item_id: &str,
        name: &str,
    ) -> Option<&mut OutputItem> {
        let output = self.output();
        let at = find_item(output, output_index, item_id).unwrap_or_else(|| {
            let call = OutputItem::FunctionCall {
                arguments: String::new(),
                call_id: String::new(),
                caller: None,
                id: Some(item_id.to_owned()),
                name: name.to_owned(),
                namespace: None,
                status: Some(FunctionToolCallStatus::InProgress),
            };
            put(output, output_index, call)
        });
        Some(&mut output[at])
    }

    /// Decodes one event. The text and argument deltas (nearly every event of a long answer)
    /// are read straight into their variant, tolerating a missing `logprobs`; the rest go
    /// through the event union.
    #[inline]
    fn decode(&mut self, name: Option<&str>, data: &str) -> Result<ResponseStreamEvent, Error> {
        #[derive(serde::Deserialize)]
        struct Delta {
            #[serde(default)]
            content_index: i64,
            delta: String,
            item_id: String,
            #[serde(default)]
            logprobs: Vec<ResponseLogProb>,
            output_index: i64,
            sequence_number: i64,
        }
        let fast = |make: fn(Delta) -> ResponseStreamEvent| {
            serde_json::from_slice::<Delta>(data.as_bytes()).map(make)
        };
        let event = match name {
            Some("response.output_text.delta") => {
                fast(|d| ResponseStreamEvent::ResponseOutputTextDelta {
                    content_index: d.content_index,
                    delta: d.delta,
                    item_id: d.item_id,
                    logprobs: d.logprobs,
                    output_index: d.output_index,
                    sequence_number: d.sequence_number,
                })
            }
            Some("response.function_call_arguments.delta") => {
                fast(
                    |d| ResponseStreamEvent::ResponseFunctionCallArgumentsDelta {
                        delta: d.delta,
                        item_id: d.item_id,
                        output_index: d.output_index,
                        sequence_number: d.sequence_number,
                    },
                )
            }
            _ => serde_json::from_slice::<ResponseStreamEvent>(data.as_bytes()),
        };
        event.map_err(|e| self.events.undecodable(data, e))
    }

    /// Ends the stream with the failure a `response.failed` event reports.
    #[inline]
    fn failed_response(&mut self) -> Error {
        let error = self.response.as_ref().and_then(|r| r.error.as_ref());
        let error = ApiError {
            code: error.map(|e| e.code.to_string()),
            message: error.map_or_else(
                || "the response failed without an error message".to_owned(),
                |e| e.message.clone(),
            ),
            param: None,
            type_: "response.failed".to_owned(),
        };
        self.events.failed_with(error)
    }
}

/// `GET /responses/{id}?stream=true[&starting_after=N]`.
fn resume_request(response_id: &str, starting_after: Option<i64>) -> Result<Request, Error> {
    let query = ResponseGetQueryParameters {
        stream: Some(true),
        starting_after,
        ..Default::default()
    };
    Ok(Request::get(api_path!("/responses/{}", response_id)).query_string(query.to_query_string()))
}

/// Where the item an event names is: at `output_index` when the item there has `item_id` (or
/// no id to compare), else wherever an item has `item_id`.
fn find_item(output: &[OutputItem], output_index: i64, item_id: &str) -> Option<usize> {
    let by_index = usize::try_from(output_index)
        .ok()
        .filter(|&i| i < output.len() && item_id_of(&output[i]).is_none_or(|id| id == item_id));
    by_index.or_else(|| {
        output
            .iter()
            .position(|item| item_id_of(item) == Some(item_id))
    })
}

/// The id of the items the deltas address (messages and function calls).
fn item_id_of(item: &OutputItem) -> Option<&str> {
    match item {
        OutputItem::Message { id, .. } => Some(id),
        OutputItem::FunctionCall { id, .. } => id.as_deref(),
        _ => None,
    }
}

/// Puts `item` at `output_index` (replacing what is there) or, past the end, last; returns
/// where it went.
fn put(output: &mut Vec<OutputItem>, output_index: i64, item: OutputItem) -> usize {
    match usize::try_from(output_index) {
        Ok(i) if i < output.len() => {
            output[i] = item;
            i
        }
        _ => {
            output.push(item);
            output.len() - 1
        }
    }
}

fn empty_text() -> OutputMessageContent {
    OutputMessageContent::OutputText {
        annotations: Vec::new(),
        logprobs: None,
        text: String::new(),
    }
}

fn empty_refusal() -> OutputMessageContent {
    OutputMessageContent::Refusal {
        refusal: String::new(),
    }
}

impl Iterator for ResponseStream {
    type Item = Result<ResponseStreamEvent, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            let raw = match self.events.next() {
                Some(Ok(raw)) => raw,
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                None => {
                    self.done = true;
                    // A clean end is fine once the response finished; before, it is cut short.
                    return (!self.finished())
                        .then(|| Err(self.events.ended_early("the response finished")));
                }
            };
            // Some servers end with the chat completions' marker.
            if raw.data == "[DONE]" {
                self.done = true;
                self.events.end();
                continue;
            }
            let name = raw.event.as_deref().filter(|n| *n != "message");
            if name == Some("error") {
                self.done = true;
                self.events.end();
                return Some(Err(self.events.failed(&raw.data)));
            }
            let event = match self.decode(name, &raw.data) {
                Ok(event) => event,
                Err(e) => {
                    if matches!(e, Error::StreamInterrupted { .. }) {
                        self.done = true;
                    }
                    return Some(Err(e));
                }
            };
            let sequence = event.sequence_number();
            if self.dedupe && sequence.is_some() && sequence <= self.last_sequence {
                continue; // already yielded before the stream was resumed
            }
            self.last_sequence = sequence.or(self.last_sequence);
            if let ResponseStreamEvent::Error { .. } = event {
                self.done = true;
                self.events.end();
                return Some(Err(self.events.failed(&raw.data)));
            }
            self.accumulate(&event);
            if let ResponseStreamEvent::ResponseFailed { .. } = event {
                self.done = true;
                self.events.end();
                return Some(Err(self.failed_response()));
            }
            return Some(Ok(event));
        }
    }
}

impl std::fmt::Debug for ResponseStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseStream")
            .field("request_id", &self.events.response.request_id)
            .field("response_id", &self.response.as_ref().map(|r| &r.id))
            .field("status", &self.status())
            .field("last_sequence_number", &self.last_sequence)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// The text of each `response.output_text.delta` of a [`ResponseStream`], as it arrives; see
/// [`ResponseStream::text_deltas`].
#[must_use = "iterators are lazy: nothing is read until it is used"]
#[derive(Debug)]
pub struct ResponseTextDeltas<'s> {
    stream: &'s mut ResponseStream,
}

impl Iterator for ResponseTextDeltas<'_> {
    type Item = Result<String, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.stream.next()? {
                Ok(ResponseStreamEvent::ResponseOutputTextDelta { delta, .. })
                    if !delta.is_empty() =>
                {
                    return Some(Ok(delta));
                }
                Ok(_) => {}
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl OpenAIClient {
    /// Asks for a response like [`create_response`](Self::create_response) and streams its
    /// events (`stream: true` is set for you). With `background: Some(true)` as well, a
    /// stream that stops early can be [resumed](ResponseStream::resume).
    #[inline]
    pub fn create_response_stream(
        &self,
        request: &ResponseCreateRequest,
    ) -> Result<ResponseStream, Error> {
        let request = ResponseCreateRequest {
            stream: Some(true),
            ..request.clone()
        };
        let (meta, body) = self.send_for_events(Request::post("/responses").json(&request)?)?;
        Ok(ResponseStream::new(meta, body))
    }

    /// Streams a background response's events from the server's record of them
    /// (`GET /responses/{id}?stream=true`): from the start, or after the event numbered
    /// `starting_after` (events at or before it are dropped should the server send them).
    #[inline]
    pub fn resume_response_stream(
        &self,
        response_id: &str,
        starting_after: Option<i64>,
    ) -> Result<ResponseStream, Error> {
        let (meta, body) = self.send_for_events(resume_request(response_id, starting_after)?)?;
        let mut stream = ResponseStream::new(meta, body);
        stream.dedupe = true;
        stream.last_sequence = starting_after;
        Ok(stream)
    }
}

#[cfg(test)]
mod tests {
    //! The recorded event sequences of `tests/fixtures/response_streams/`, read whole and
    //! split at every byte offset, and with the events some servers skip left out.

    use std::io::Read;

    use super::*;

    const FIXTURES: [(&str, &str); 6] = [
        (
            "text",
            include_str!("../../tests/fixtures/response_streams/text.sse"),
        ),
        (
            "function_call",
            include_str!("../../tests/fixtures/response_streams/function_call.sse"),
        ),
        (
            "file_search",
            include_str!("../../tests/fixtures/response_streams/file_search.sse"),
        ),
        (
            "refusal",
            include_str!("../../tests/fixtures/response_streams/refusal.sse"),
        ),
        (
            "error",
            include_str!("../../tests/fixtures/response_streams/error.sse"),
        ),
        (
            "failed",
            include_str!("../../tests/fixtures/response_streams/failed.sse"),
        ),
    ];

    /// Gives its bytes in two reads: up to `split`, then the rest.
    struct Split {
        bytes: Vec<u8>,
        split: usize,
        at: usize,
    }

    impl Read for Split {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let end = if self.at < self.split {
                self.split
            } else {
                self.bytes.len()
            };
            let n = (end - self.at).min(buf.len());
            buf[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn stream(body: &str, split: usize) -> ResponseStream {
        let meta = ResponseMeta::new(200, &Default::default());
        let reader = Split {
            bytes: body.as_bytes().to_vec(),
            split,
            at: 0,
        };
        ResponseStream::new(meta, crate::ContentReader::memory(reader))
    }

    /// What a whole read of a stream gives: each item (events, or an error's kind and
    /// message), then the final response.
    #[allow(clippy::type_complexity)]
    fn outcome(
        mut stream: ResponseStream,
    ) -> (
        Vec<Result<ResponseStreamEvent, String>>,
        Option<ResponseObject>,
    ) {
        let items = stream
            .by_ref()
            .map(|item| item.map_err(|e| e.to_string()))
            .collect();
        (items, stream.final_response().cloned())
    }

    fn fixture(name: &str) -> &'static str {
        FIXTURES.iter().find(|(n, _)| *n == name).unwrap().1
    }

    fn final_of(body: &str) -> ResponseObject {
        let mut stream = stream(body, body.len());
        stream.until_done().unwrap().clone()
    }

    #[test]
    fn every_recording_gives_the_same_events_whatever_byte_it_is_split_at() {
        // About 37,000 whole reads: shared among the cores.
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        for (name, body) in FIXTURES {
            let whole = outcome(stream(body, body.len()));
            assert!(whole.1.is_some(), "{name}: no response");
            std::thread::scope(|scope| {
                for first in 0..threads {
                    let whole = &whole;
                    scope.spawn(move || {
                        for split in (first..body.len()).step_by(threads) {
                            let parts = outcome(stream(body, split));
                            assert!(parts == *whole, "{name}: split at byte {split} differs");
                        }
                    });
                }
            });
        }
    }

    #[test]
    fn the_text_answer_accumulates_to_the_final_response() {
        let body = fixture("text");
        let mut s = stream(body, body.len());
        let deltas: Vec<String> = s.text_deltas().map(Result::unwrap).collect();
        assert_eq!(deltas.len(), 17);
        let text = deltas.concat();
        assert_eq!(
            text,
            "Ferris the crab is Rust’s unofficial mascot: orange, cheerful, and always borrowing."
        );
        let response = s.final_response().unwrap();
        assert_eq!(response.status, Some(ResponseObjectStatus::Completed));
        assert_eq!(response.output_text(), text);
        assert_eq!(response.output_text.as_deref(), Some(text.as_str()));
        assert_eq!(response.usage.as_ref().unwrap().output_tokens, 17);
        assert_eq!(s.last_sequence_number(), Some(24));
    }

    #[test]
    fn function_call_arguments_are_joined_per_item() {
        let body = fixture("function_call");
        let mut s = stream(body, body.len());
        // Stop right after the last delta: the arguments come from the deltas alone.
        while let Some(event) = s.next() {
            if let ResponseStreamEvent::ResponseFunctionCallArgumentsDone { .. } = event.unwrap() {
                break;
            }
            let calls = s.function_calls();
            if let Some(call) = calls.first() {
                assert!(r#"{"city":"Toulouse","unit":"c"}"#.starts_with(call.arguments));
            }
        }
        let calls = s.function_calls();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].name, "get_weather");
        assert_eq!(calls[0].call_id, "call_Wq3nR8sLp2Xv6TbY");
        assert_eq!(calls[0].arguments, r#"{"city":"Toulouse","unit":"c"}"#);
        let done = s.until_done().unwrap();
        assert_eq!(
            done.function_calls()[0].arguments,
            r#"{"city":"Toulouse","unit":"c"}"#
        );
        assert_eq!(done.output_text(), "");
    }

    #[test]
    fn file_search_citations_arrive_with_the_text() {
        let response = final_of(fixture("file_search"));
        assert_eq!(
            response.output_text(),
            "The warranty lasts two years from the date of purchase."
        );
        let cited: Vec<&str> = response
            .citations()
            .iter()
            .filter_map(|a| match a {
                Annotation::FileCitation { filename, .. } => Some(filename.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(cited, ["handbook.pdf", "faq.md"]);
        assert!(matches!(
            &response.output[0],
            OutputItem::FileSearchCall { queries, .. } if queries.len() == 2
        ));
    }

    #[test]
    fn a_refusal_is_a_refusal_part_not_text() {
        let body = fixture("refusal");
        let mut s = stream(body, body.len());
        assert_eq!(s.text_deltas().count(), 0);
        let response = s.final_response().unwrap();
        assert_eq!(response.output_text(), "");
        let OutputItem::Message { content, .. } = &response.output[0] else {
            panic!("not a message: {:?}", response.output[0]);
        };
        assert_eq!(
            content,
            &[OutputMessageContent::Refusal {
                refusal: "I’m sorry, but I can’t help with that.".into()
            }]
        );
    }

    #[test]
    fn an_error_event_ends_the_stream_with_the_partial_answer_kept() {
        let body = fixture("error");
        let mut s = stream(body, body.len());
        let mut texts = String::new();
        let mut failure = None;
        for item in s.by_ref() {
            match item {
                Ok(ResponseStreamEvent::ResponseOutputTextDelta { delta, .. }) => {
                    texts.push_str(&delta)
                }
                Ok(_) => {}
                Err(e) => failure = Some(e),
            }
        }
        let Some(Error::StreamFailed { error, events, .. }) = failure else {
            panic!("expected StreamFailed, got {failure:?}");
        };
        assert_eq!(error.code.as_deref(), Some("server_error"));
        assert!(error.message.starts_with("The server had an error"));
        assert_eq!(events, 8);
        assert_eq!(texts, "Once upon a");
        assert_eq!(s.final_response().unwrap().output_text(), "Once upon a");
        assert!(s.next().is_none());
    }

    #[test]
    fn a_failed_response_is_an_error_that_keeps_the_failed_response() {
        let body = fixture("failed");
        let mut s = stream(body, body.len());
        let error = s.until_done().unwrap_err();
        let Error::StreamFailed { error, .. } = error else {
            panic!("expected StreamFailed, got {error:?}");
        };
        assert_eq!(error.code.as_deref(), Some("server_error"));
        assert_eq!(error.message, "The model stopped unexpectedly.");
        assert_eq!(error.type_, "response.failed");
        let response = s.final_response().unwrap();
        assert_eq!(response.status, Some(ResponseObjectStatus::Failed));
        // The failed response carries no output; what the deltas built stays.
        assert_eq!(response.output_text(), "Chapter one:");
    }

    /// `body` without the events whose name `skip` accepts.
    fn without(body: &str, skip: impl Fn(&str) -> bool) -> String {
        body.split_inclusive("\n\n")
            .filter(|event| {
                let name = event.lines().next().unwrap().trim_start_matches("event: ");
                !skip(name)
            })
            .collect()
    }

    /// `body` with the `response.completed` event's output emptied.
    fn without_final_output(body: &str) -> String {
        body.split_inclusive("\n\n")
            .map(|event| {
                let Some(data) = event.lines().nth(1).and_then(|l| l.strip_prefix("data: ")) else {
                    return event.to_owned();
                };
                let mut value: serde_json::Value = serde_json::from_str(data).unwrap();
                if value["type"] != "response.completed" {
                    return event.to_owned();
                }
                value["response"]["output"] = serde_json::json!([]);
                format!("event: response.completed\ndata: {value}\n\n")
            })
            .collect()
    }

    #[test]
    fn the_answer_is_whole_when_a_server_skips_the_added_and_done_events() {
        for name in ["text", "function_call", "file_search", "refusal"] {
            let body = fixture(name);
            let expected = final_of(body);
            let sparse = without(body, |event| {
                event.ends_with(".added") && event != "response.output_text.annotation.added"
                    || event.ends_with(".done")
            });
            assert!(sparse.len() < body.len());
            // The final response still carries the output: it wins, as it is.
            assert_eq!(final_of(&sparse), expected, "{name}");
            // A final response without output (some servers send it so) keeps the one the
            // deltas built, with its text.
            let bare = without_final_output(&sparse);
            assert_ne!(bare, sparse, "{name}: the output was not found to remove");
            let built = final_of(&bare);
            assert_eq!(built.output_text(), expected.output_text(), "{name}");
            assert_eq!(built.output_text, Some(expected.output_text()), "{name}");
            assert_eq!(built.citations(), expected.citations(), "{name}");
            // The name of a function call comes with the events skipped here: the arguments
            // are whole all the same.
            let arguments = |r: &ResponseObject| {
                r.function_calls()
                    .iter()
                    .map(|c| c.arguments.to_owned())
                    .collect::<Vec<_>>()
            };
            assert_eq!(arguments(&built), arguments(&expected), "{name}");
            // With either kind of event, the name is there.
            for kept in [".added", ".done"] {
                let half = without_final_output(&without(body, |event| {
                    (event.ends_with(".added") || event.ends_with(".done"))
                        && !event.ends_with(kept)
                        && event != "response.output_text.annotation.added"
                }));
                let built = final_of(&half);
                assert_eq!(built.output_text(), expected.output_text(), "{name}");
                let calls = |r: &ResponseObject| {
                    r.function_calls()
                        .iter()
                        .map(|c| (c.name.to_owned(), c.arguments.to_owned()))
                        .collect::<Vec<_>>()
                };
                assert_eq!(calls(&built), calls(&expected), "{name}, {kept} kept");
            }
        }
    }

    #[test]
    fn a_resumed_stream_drops_the_events_it_already_yielded() {
        let body = fixture("text");
        let mut s = stream(body, body.len());
        s.dedupe = true;
        s.last_sequence = Some(10);
        let first = s.next().unwrap().unwrap();
        assert_eq!(first.sequence_number(), Some(11));
        let rest: Vec<i64> = s.map(|e| e.unwrap().sequence_number().unwrap()).collect();
        assert_eq!(rest, (12..=24).collect::<Vec<_>>());
    }

    #[test]
    fn a_stream_cut_before_the_response_finished_says_so() {
        let body = fixture("text");
        let cut = &body[..body.find("event: response.completed").unwrap()];
        let mut s = stream(cut, cut.len());
        let error = s.until_done().unwrap_err();
        assert!(
            matches!(
                error,
                Error::StreamInterrupted {
                    timed_out: false,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(s
            .final_response()
            .unwrap()
            .output_text()
            .starts_with("Ferris the crab"));
    }
}
