//! A run's events as they happen, with the run, its steps and its messages accumulated.

use super::Events;
use crate::endpoint::api_path;
use crate::errors::{Error, ResponseMeta};
use crate::transport::Request;
use crate::types::*;
use crate::*;

/// The events of a streamed run, in the order the server sends them: an iterator of
/// `Result<AssistantStreamEvent, Error>`, made by
/// [`create_run_stream`](OpenAIClient::create_run_stream),
/// [`create_thread_and_run_stream`](OpenAIClient::create_thread_and_run_stream) and
/// [`submit_tool_outputs_stream`](OpenAIClient::submit_tool_outputs_stream).
///
/// While it is iterated it keeps the latest state of what the events describe:
/// [`final_run`](Self::final_run), [`messages`](Self::messages) (their text growing with each
/// delta, annotations included), [`run_steps`](Self::run_steps) and, when the run stops for
/// them, [`required_tool_calls`](Self::required_tool_calls). [`text_deltas`](Self::text_deltas)
/// yields just the text as it comes; [`until_done`](Self::until_done) reads the rest.
///
/// The `done` event ends the iterator (it is not yielded). An `error` event is yielded as
/// [`Error::StreamFailed`], a connection lost before the run stopped as
/// [`Error::StreamInterrupted`]; the iterator ends after either. An event this version does
/// not know is `AssistantStreamEvent::Unknown`, with its name and data, not an error.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use openai_blocking::*;
/// # let server = openai_local::LocalServer::start()?;
/// # let client = server.client()?;
/// # let assistant = client.create_assistant(&AssistantCreateRequest::new("gpt-4o-mini"))?;
/// # let thread = client.create_thread(&ThreadCreateRequest::default())?;
/// client.create_thread_message(&thread.id, &ThreadMessageCreateRequest::user("Hello!"))?;
///
/// let mut stream = client.create_run_stream(&thread.id, &RunCreateRequest::new(&assistant.id))?;
/// for delta in stream.text_deltas() {
///     print!("{}", delta?); // the answer, word by word
/// }
/// assert_eq!(stream.final_run().unwrap().status, RunResponseStatus::Completed);
/// assert_eq!(stream.messages()[0].text(), "You said: \"Hello!\"");
/// # Ok(())
/// # }
/// ```
#[must_use = "a stream does nothing until it is iterated"]
pub struct RunStream {
    events: Events,
    thread: Option<ThreadResponse>,
    run: Option<RunResponse>,
    steps: Vec<RunStepResponse>,
    messages: Vec<ThreadMessageResponse>,
    done: bool,
}

impl RunStream {
    #[inline]
    fn new(response: ResponseMeta, body: crate::ContentReader) -> Self {
        RunStream {
            events: Events::new(response, body),
            thread: None,
            run: None,
            steps: Vec::new(),
            messages: Vec::new(),
            done: false,
        }
    }

    /// The run as its latest event described it (`None` before the first run event).
    #[inline]
    pub fn final_run(&self) -> Option<&RunResponse> {
        self.run.as_ref()
    }

    /// The thread a thread-and-run stream created (`None` for other streams).
    #[inline]
    pub fn thread(&self) -> Option<&ThreadResponse> {
        self.thread.as_ref()
    }

    /// The messages the run created, in order, as far as their events have gone: the text
    /// grows with each delta and the final event replaces the message whole.
    #[inline]
    pub fn messages(&self) -> &[ThreadMessageResponse] {
        &self.messages
    }

    /// The run's steps as their latest full event (created, in progress, completed, ...)
    /// described them.
    #[inline]
    pub fn run_steps(&self) -> &[RunStepResponse] {
        &self.steps
    }

    /// The tool calls the run waits for, when it stopped in `requires_action`; empty
    /// otherwise. Answer them with
    /// [`submit_tool_outputs_stream`](OpenAIClient::submit_tool_outputs_stream).
    #[inline]
    pub fn required_tool_calls(&self) -> &[RunToolCallObject] {
        match self.run.as_ref().and_then(|r| r.required_action.as_ref()) {
            Some(action) if self.run_status() == Some(RunResponseStatus::RequiresAction) => {
                &action.submit_tool_outputs.tool_calls
            }
            _ => &[],
        }
    }

    /// The status, request id and headers of the response carrying the stream.
    #[inline]
    pub fn response(&self) -> &ResponseMeta {
        &self.events.response
    }

    /// How many events have arrived so far (`done` included).
    #[inline]
    pub fn events_received(&self) -> u64 {
        self.events.received
    }

    /// An iterator over the text of each message delta as it arrives; the other events are
    /// read (and accumulated) on the way. Errors are yielded as they are by the stream.
    #[inline]
    pub fn text_deltas(&mut self) -> TextDeltas<'_> {
        TextDeltas { stream: self }
    }

    /// Reads the rest of the stream and returns the final run.
    #[inline]
    pub fn until_done(&mut self) -> Result<&RunResponse, Error> {
        for event in self.by_ref() {
            event?;
        }
        self.run
            .as_ref()
            .ok_or_else(|| self.events.ended_early("any run event"))
    }

    /// Reads the rest of the stream, calling `handler` for each event and for what it
    /// changed (a text delta with the message so far, a step, the tool calls of a
    /// `requires_action`, ...); returns the final run.
    #[inline]
    pub fn handle(&mut self, handler: &mut impl RunEventHandler) -> Result<RunResponse, Error> {
        while let Some(event) = self.next() {
            let event = event?;
            handler.on_event(&event);
            use AssistantStreamEvent as E;
            match &event {
                E::ThreadRunCreated { data }
                | E::ThreadRunQueued { data }
                | E::ThreadRunInProgress { data }
                | E::ThreadRunCompleted { data }
                | E::ThreadRunIncomplete { data }
                | E::ThreadRunFailed { data }
                | E::ThreadRunCancelling { data }
                | E::ThreadRunCancelled { data }
                | E::ThreadRunExpired { data } => handler.on_run(data),
                E::ThreadRunRequiresAction { data } => {
                    handler.on_run(data);
                    for call in self.required_tool_calls() {
                        handler.on_tool_call(call);
                    }
                }
                E::ThreadRunStepCreated { data }
                | E::ThreadRunStepInProgress { data }
                | E::ThreadRunStepCompleted { data }
                | E::ThreadRunStepFailed { data }
                | E::ThreadRunStepCancelled { data }
                | E::ThreadRunStepExpired { data } => handler.on_run_step(data),
                E::ThreadMessageCreated { data } => handler.on_message_created(data),
                E::ThreadMessageDelta { data } => {
                    if let Some(message) = self.messages.iter().find(|m| m.id == data.id) {
                        for text in delta_texts(data) {
                            handler.on_text_delta(text, message);
                        }
                    }
                }
                E::ThreadMessageCompleted { data } | E::ThreadMessageIncomplete { data } => {
                    handler.on_message_done(data)
                }
                _ => {}
            }
        }
        self.run
            .clone()
            .ok_or_else(|| self.events.ended_early("any run event"))
    }

    #[inline]
    fn run_status(&self) -> Option<RunResponseStatus> {
        self.run.as_ref().map(|r| r.status.clone())
    }

    /// Whether the run stopped, so that the stream may end without `done`.
    #[inline]
    fn run_stopped(&self) -> bool {
        use RunResponseStatus::*;
        matches!(
            self.run_status(),
            Some(RequiresAction | Completed | Incomplete | Failed | Cancelled | Expired)
        )
    }

    /// Keeps what `event` says about the run, its steps and messages.
    #[inline]
    fn accumulate(&mut self, event: &AssistantStreamEvent) {
        use AssistantStreamEvent as E;
        match event {
            E::ThreadCreated { data, .. } => self.thread = Some(data.clone()),
            E::ThreadRunCreated { data }
            | E::ThreadRunQueued { data }
            | E::ThreadRunInProgress { data }
            | E::ThreadRunRequiresAction { data }
            | E::ThreadRunCompleted { data }
            | E::ThreadRunIncomplete { data }
            | E::ThreadRunFailed { data }
            | E::ThreadRunCancelling { data }
            | E::ThreadRunCancelled { data }
            | E::ThreadRunExpired { data } => self.run = Some(data.clone()),
            E::ThreadRunStepCreated { data }
            | E::ThreadRunStepInProgress { data }
            | E::ThreadRunStepCompleted { data }
            | E::ThreadRunStepFailed { data }
            | E::ThreadRunStepCancelled { data }
            | E::ThreadRunStepExpired { data } => upsert(&mut self.steps, data, |s| &s.id),
            E::ThreadMessageCreated { data }
            | E::ThreadMessageInProgress { data }
            | E::ThreadMessageCompleted { data }
            | E::ThreadMessageIncomplete { data } => upsert(&mut self.messages, data, |m| &m.id),
            E::ThreadMessageDelta { data } => {
                if let Some(message) = self.messages.iter_mut().find(|m| m.id == data.id) {
                    apply_message_delta(message, data);
                }
            }
            _ => {}
        }
    }

    /// Decodes one raw event: its data as the type its name calls for, straight into the
    /// variant (no buffering of the whole event, as serde's tagged enums would do).
    #[inline]
    fn decode(&mut self, name: &str, data: &str) -> Result<AssistantStreamEvent, Error> {
        use AssistantStreamEvent as E;
        #[inline]
        fn de<'a, T: serde::Deserialize<'a>>(data: &'a str) -> Result<T, serde_json::Error> {
            serde_json::from_slice(data.as_bytes())
        }
        let event = match name {
            "thread.created" => de(data).map(|data| E::ThreadCreated {
                data,
                enabled: None,
            }),
            "thread.run.created" => de(data).map(|data| E::ThreadRunCreated { data }),
            "thread.run.queued" => de(data).map(|data| E::ThreadRunQueued { data }),
            "thread.run.in_progress" => de(data).map(|data| E::ThreadRunInProgress { data }),
            "thread.run.requires_action" => {
                de(data).map(|data| E::ThreadRunRequiresAction { data })
            }
            "thread.run.completed" => de(data).map(|data| E::ThreadRunCompleted { data }),
            "thread.run.incomplete" => de(data).map(|data| E::ThreadRunIncomplete { data }),
            "thread.run.failed" => de(data).map(|data| E::ThreadRunFailed { data }),
            "thread.run.cancelling" => de(data).map(|data| E::ThreadRunCancelling { data }),
            "thread.run.cancelled" => de(data).map(|data| E::ThreadRunCancelled { data }),
            "thread.run.expired" => de(data).map(|data| E::ThreadRunExpired { data }),
            "thread.run.step.created" => de(data).map(|data| E::ThreadRunStepCreated { data }),
            "thread.run.step.in_progress" => {
                de(data).map(|data| E::ThreadRunStepInProgress { data })
            }
            "thread.run.step.delta" => de(data).map(|data| E::ThreadRunStepDelta { data }),
            "thread.run.step.completed" => de(data).map(|data| E::ThreadRunStepCompleted { data }),
            "thread.run.step.failed" => de(data).map(|data| E::ThreadRunStepFailed { data }),
            "thread.run.step.cancelled" => de(data).map(|data| E::ThreadRunStepCancelled { data }),
            "thread.run.step.expired" => de(data).map(|data| E::ThreadRunStepExpired { data }),
            "thread.message.created" => de(data).map(|data| E::ThreadMessageCreated { data }),
            "thread.message.in_progress" => {
                de(data).map(|data| E::ThreadMessageInProgress { data })
            }
            "thread.message.delta" => de(data).map(|data| E::ThreadMessageDelta { data }),
            "thread.message.completed" => de(data).map(|data| E::ThreadMessageCompleted { data }),
            "thread.message.incomplete" => de(data).map(|data| E::ThreadMessageIncomplete { data }),
            // An event this version does not know: kept with its name and data (as JSON when
            // it is JSON, as text otherwise).
            _ => {
                let data = serde_json::from_str::<serde_json::Value>(data)
                    .unwrap_or_else(|_| serde_json::Value::String(data.to_owned()));
                return Ok(E::Unknown(
                    serde_json::json!({ "event": name, "data": data }),
                ));
            }
        };
        event.map_err(|e| self.events.undecodable(data, e))
    }
}

impl Iterator for RunStream {
    type Item = Result<AssistantStreamEvent, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
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
                // A clean end is fine once the run stopped; before, the answer is cut short.
                return (!self.run_stopped())
                    .then(|| Err(self.events.ended_early("the run stopped")));
            }
        };
        let name = raw.event.as_deref().unwrap_or("message");
        match name {
            "done" => {
                self.done = true;
                self.events.end();
                None
            }
            "error" => {
                self.done = true;
                self.events.end();
                Some(Err(self.events.failed(&raw.data)))
            }
            _ => {
                let event = self.decode(name, &raw.data);
                match &event {
                    Ok(event) => self.accumulate(event),
                    Err(Error::StreamInterrupted { .. }) => self.done = true,
                    Err(_) => {}
                }
                Some(event)
            }
        }
    }
}

impl std::fmt::Debug for RunStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunStream")
            .field("request_id", &self.events.response.request_id)
            .field("events_received", &self.events.received)
            .field("run_status", &self.run_status())
            .field("messages", &self.messages.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// The text of each message delta of a [`RunStream`], as it arrives; see
/// [`RunStream::text_deltas`].
#[must_use = "iterators are lazy: nothing is read until it is used"]
#[derive(Debug)]
pub struct TextDeltas<'s> {
    stream: &'s mut RunStream,
}

impl Iterator for TextDeltas<'_> {
    type Item = Result<String, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.stream.next()? {
                Ok(AssistantStreamEvent::ThreadMessageDelta { data }) => {
                    let text: String = delta_texts(&data).collect();
                    if !text.is_empty() {
                        return Some(Ok(text));
                    }
                }
                Ok(_) => {}
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// Callbacks for [`RunStream::handle`], for those who prefer them to iterating; each has a
/// default that does nothing.
pub trait RunEventHandler {
    /// Every event, before the more specific callbacks.
    #[inline]
    fn on_event(&mut self, _event: &AssistantStreamEvent) {}
    /// The run, at each of its status events.
    #[inline]
    fn on_run(&mut self, _run: &RunResponse) {}
    /// A step, at each of its full events (created, in progress, completed, failed, ...).
    #[inline]
    fn on_run_step(&mut self, _step: &RunStepResponse) {}
    /// A message the run started writing.
    #[inline]
    fn on_message_created(&mut self, _message: &ThreadMessageResponse) {}
    /// New text of a message, with the message so far (this text included).
    #[inline]
    fn on_text_delta(&mut self, _delta: &str, _message: &ThreadMessageResponse) {}
    /// A message finished (completed or incomplete), whole.
    #[inline]
    fn on_message_done(&mut self, _message: &ThreadMessageResponse) {}
    /// A tool call the run waits for (each one of a `requires_action`).
    #[inline]
    fn on_tool_call(&mut self, _call: &RunToolCallObject) {}
}

/// The text values of a message delta's text parts.
fn delta_texts(delta: &MessageDeltaObject) -> impl Iterator<Item = &str> {
    delta
        .delta
        .content
        .iter()
        .flatten()
        .filter_map(|part| match part {
            MessageDeltaContent::Text {
                text: Some(text), ..
            } => text.value.as_deref(),
            _ => None,
        })
}

/// Replaces the item with `item`'s id, or appends it.
fn upsert<T: Clone>(items: &mut Vec<T>, item: &T, id: impl Fn(&T) -> &String) {
    match items.iter_mut().find(|i| id(i) == id(item)) {
        Some(slot) => *slot = item.clone(),
        None => items.push(item.clone()),
    }
}

/// Folds a message delta into the message: text appended to its part (created when new),
/// annotations added.
fn apply_message_delta(message: &mut ThreadMessageResponse, delta: &MessageDeltaObject) {
    for part in delta.delta.content.iter().flatten() {
        let MessageDeltaContent::Text { index, text } = part else {
            continue;
        };
        let Ok(index) = usize::try_from(*index) else {
            continue;
        };
        while message.content.len() <= index {
            message.content.push(MessageContent::Text {
                text: MessageContentTextObjectText {
                    annotations: Vec::new(),
                    value: String::new(),
                },
            });
        }
        let MessageContent::Text { text: whole } = &mut message.content[index] else {
            continue;
        };
        let Some(text) = text else { continue };
        if let Some(value) = &text.value {
            whole.value.push_str(value);
        }
        for annotation in text.annotations.iter().flatten() {
            if let Some(full) = annotation_of(annotation) {
                whole.annotations.push(full);
            }
        }
    }
}

/// The full annotation a delta carries, when it carries all of it.
fn annotation_of(delta: &TextAnnotationDelta) -> Option<TextAnnotation> {
    let value = serde_json::to_value(delta).ok()?;
    serde_json::from_value::<TextAnnotation>(value)
        .ok()
        .filter(|a| !matches!(a, TextAnnotation::Unknown(_)))
}

impl OpenAIClient {
    /// Starts a run like [`create_run`](Self::create_run) and streams its events
    /// (`stream: true` is set for you).
    #[inline]
    pub fn create_run_stream(
        &self,
        thread_id: &str,
        request: &RunCreateRequest,
    ) -> Result<RunStream, Error> {
        let request = RunCreateRequest {
            stream: Some(true),
            ..request.clone()
        };
        let path = api_path!("/threads/{}/runs", thread_id);
        self.run_stream(Request::post(path).json(&request)?)
    }

    /// Creates a thread and runs it like [`create_thread_and_run`](Self::create_thread_and_run),
    /// streaming the events (the first is `thread.created`).
    #[inline]
    pub fn create_thread_and_run_stream(
        &self,
        request: &RunThreadCreateRequest,
    ) -> Result<RunStream, Error> {
        let request = RunThreadCreateRequest {
            stream: Some(true),
            ..request.clone()
        };
        self.run_stream(Request::post("/threads/runs").json(&request)?)
    }

    /// Answers the tool calls of a run in `requires_action` like
    /// [`submit_tool_outputs`](Self::submit_tool_outputs), streaming the rest of the run.
    #[inline]
    pub fn submit_tool_outputs_stream(
        &self,
        thread_id: &str,
        run_id: &str,
        request: &SubmitToolOutputsRequest,
    ) -> Result<RunStream, Error> {
        let request = SubmitToolOutputsRequest {
            stream: Some(true),
            ..request.clone()
        };
        let path = api_path!("/threads/{}/runs/{}/submit_tool_outputs", thread_id, run_id);
        self.run_stream(Request::post(path).json(&request)?)
    }

    /// The streaming twin of
    /// [`run_and_get_assistant_response`](Self::run_and_get_assistant_response): starts a
    /// run, calls `on_text` with the answer's text as it arrives, and returns the same text
    /// the polling method returns (every text part of the run's assistant messages, parts
    /// and messages separated by a blank line). A run that ends other than `completed` is
    /// [`Error::RunNotCompleted`].
    #[inline]
    pub fn run_and_get_assistant_response_streaming(
        &self,
        thread_id: &str,
        request: &RunCreateRequest,
        mut on_text: impl FnMut(&str),
    ) -> Result<String, Error> {
        let mut stream = self.create_run_stream(thread_id, request)?;
        for delta in stream.text_deltas() {
            on_text(&delta?);
        }
        let run = stream.until_done()?.clone();
        if run.status != RunResponseStatus::Completed {
            return Err(Error::RunNotCompleted(Box::new(run)));
        }
        let texts: Vec<String> = stream
            .messages()
            .iter()
            .filter(|m| {
                m.role == ThreadMessageResponseRole::Assistant
                    && m.run_id.as_deref() == Some(run.id.as_str())
            })
            .map(ThreadMessageResponse::text)
            .filter(|t| !t.is_empty())
            .collect();
        Ok(texts.join("\n\n"))
    }

    #[inline]
    fn run_stream(&self, request: Request) -> Result<RunStream, Error> {
        let (response, body) = self.send_for_events(request)?;
        Ok(RunStream::new(response, body))
    }
}
