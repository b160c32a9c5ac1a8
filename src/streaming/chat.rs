//! A chat completion's chunks as they arrive, assembled into the final completion.

use super::Events;
use crate::errors::{Error, ResponseMeta};
use crate::transport::Request;
use crate::types::*;
use crate::*;

/// The chunks of a streamed chat completion: an iterator of
/// `Result<CreateChatCompletionChunkResponse, Error>`, made by
/// [`create_completion_stream`](OpenAIClient::create_completion_stream).
///
/// While it is iterated it assembles the [`CompletionResponse`] a non-streamed call would
/// have returned ([`completion`](Self::completion)): per choice the content and refusal
/// joined, tool calls with their arguments joined per index, log probabilities, the finish
/// reason, and the usage of the final chunk when `stream_options.include_usage` asked for it.
/// `data: [DONE]` ends the iterator; [`until_done`](Self::until_done) reads the rest.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use openai_blocking::*;
/// # let server = openai_local::LocalServer::start()?;
/// # let client = server.client()?;
/// let request = CompletionCreateRequest::new(
///     "gpt-4o-mini",
///     vec![ChatCompletionRequestMessage::user("Hello!")],
/// );
/// let mut stream = client.create_completion_stream(&request)?;
/// for delta in stream.text_deltas() {
///     print!("{}", delta?);
/// }
/// let completion = stream.until_done()?;
/// assert_eq!(completion.choices[0].message.content.as_deref(), Some("You said: \"Hello!\""));
/// # Ok(())
/// # }
/// ```
#[must_use = "a stream does nothing until it is iterated"]
pub struct ChatCompletionStream {
    events: Events,
    completion: Option<CompletionResponse>,
    done: bool,
}

impl ChatCompletionStream {
    /// The completion assembled from the chunks so far (`None` before the first chunk).
    #[inline]
    pub fn completion(&self) -> Option<&CompletionResponse> {
        self.completion.as_ref()
    }

    /// The status, request id and headers of the response carrying the stream.
    #[inline]
    pub fn response(&self) -> &ResponseMeta {
        &self.events.response
    }

    /// How many chunks (events) have arrived so far.
    #[inline]
    pub fn events_received(&self) -> u64 {
        self.events.received
    }

    /// An iterator over the content each chunk adds (all choices), as it arrives.
    #[inline]
    pub fn text_deltas(&mut self) -> ChatTextDeltas<'_> {
        ChatTextDeltas { stream: self }
    }

    /// Reads the rest of the stream and returns the assembled completion.
    #[inline]
    pub fn until_done(&mut self) -> Result<CompletionResponse, Error> {
        for chunk in self.by_ref() {
            chunk?;
        }
        self.completion
            .clone()
            .ok_or_else(|| self.events.ended_early("any chunk"))
    }

    /// Whether every choice has its finish reason, so that the stream may end without
    /// `[DONE]`.
    #[inline]
    fn finished(&self) -> bool {
        self.completion.as_ref().is_some_and(|c| {
            !c.choices.is_empty()
                && c.choices.iter().all(|choice| {
                    !matches!(
                        choice.finish_reason,
                        CompletionResponseChoicesItemFinishReason::Unknown(ref s) if s.is_empty()
                    )
                })
        })
    }

    /// Folds a chunk into the completion.
    #[inline]
    fn accumulate(&mut self, chunk: &CreateChatCompletionChunkResponse) {
        let completion = self.completion.get_or_insert_with(|| CompletionResponse {
            choices: Vec::new(),
            created: chunk.created,
            id: chunk.id.clone(),
            metadata: None,
            model: chunk.model.clone(),
            moderation: None,
            object: CompletionResponseObject::ChatCompletion,
            service_tier: None,
            system_fingerprint: None,
            usage: None,
            extra: Default::default(),
        });
        if chunk.service_tier.is_some() {
            completion.service_tier = chunk.service_tier.clone();
        }
        if chunk.system_fingerprint.is_some() {
            completion.system_fingerprint = chunk.system_fingerprint.clone();
        }
        if chunk.usage.is_some() {
            completion.usage = chunk.usage.clone();
        }
        if chunk.moderation.is_some() {
            completion.moderation = chunk.moderation.clone();
        }
        for part in &chunk.choices {
            let choice = match completion
                .choices
                .iter_mut()
                .position(|c| c.index == part.index)
            {
                Some(at) => &mut completion.choices[at],
                None => {
                    completion.choices.push(empty_choice(part.index));
                    completion.choices.last_mut().expect("just pushed")
                }
            };
            apply_chunk(choice, part);
        }
        completion.choices.sort_by_key(|c| c.index);
    }
}

/// A choice before its first delta; its finish reason is an empty `Unknown` until one comes.
fn empty_choice(index: i64) -> CompletionResponseChoicesItem {
    CompletionResponseChoicesItem {
        finish_reason: CompletionResponseChoicesItemFinishReason::Unknown(String::new()),
        index,
        logprobs: None,
        message: ChatCompletionResponseMessage {
            annotations: None,
            audio: None,
            content: None,
            function_call: None,
            refusal: None,
            role: ChatCompletionResponseMessageRole::Assistant,
            tool_calls: None,
        },
    }
}

/// Folds one choice of a chunk into the choice of the completion.
fn apply_chunk(
    choice: &mut CompletionResponseChoicesItem,
    part: &CreateChatCompletionChunkResponseChoicesItem,
) {
    let delta = &part.delta;
    let message = &mut choice.message;
    // An empty piece (the role chunk's `"content": ""`) does not make the content exist: an
    // answer of tool calls alone has `null` content, as it has without streaming.
    if let Some(content) = delta.content.as_deref().filter(|c| !c.is_empty()) {
        message
            .content
            .get_or_insert_with(String::new)
            .push_str(content);
    }
    if let Some(refusal) = &delta.refusal {
        message
            .refusal
            .get_or_insert_with(String::new)
            .push_str(refusal);
    }
    if let Some(call) = &delta.function_call {
        let whole = message.function_call.get_or_insert_with(|| {
            ChatCompletionResponseMessageFunctionCall {
                arguments: String::new(),
                name: String::new(),
            }
        });
        if let Some(name) = &call.name {
            whole.name.push_str(name);
        }
        if let Some(arguments) = &call.arguments {
            whole.arguments.push_str(arguments);
        }
    }
    for call in delta.tool_calls.iter().flatten() {
        apply_tool_call(message, call);
    }
    if let Some(reason) = &part.finish_reason {
        // The two enums have the same values: go through their JSON name.
        let name = reason.to_string();
        choice.finish_reason = serde_json::from_value(serde_json::Value::String(name.clone()))
            .unwrap_or(CompletionResponseChoicesItemFinishReason::Unknown(name));
    }
    if let Some(logprobs) = &part.logprobs {
        let whole = choice
            .logprobs
            .get_or_insert(CompletionResponseChoicesItemLogprobs {
                content: None,
                refusal: None,
            });
        if let Some(content) = &logprobs.content {
            whole
                .content
                .get_or_insert_with(Vec::new)
                .extend(content.iter().cloned());
        }
        if let Some(refusal) = &logprobs.refusal {
            whole
                .refusal
                .get_or_insert_with(Vec::new)
                .extend(refusal.iter().cloned());
        }
    }
}

/// Folds a tool call delta into the message's tool calls, by index: the first delta carries
/// the id, type and name, the following ones pieces of the arguments.
fn apply_tool_call(
    message: &mut ChatCompletionResponseMessage,
    call: &ChatCompletionMessageToolCallChunk,
) {
    let calls = message
        .tool_calls
        .get_or_insert_with(|| ChatCompletionMessageToolCalls(Vec::new()));
    let Ok(index) = usize::try_from(call.index) else {
        return;
    };
    while calls.0.len() <= index {
        calls.0.push(ChatCompletionMessageToolCallUnion::Function {
            id: String::new(),
            function: ChatCompletionMessageToolCallFunction {
                arguments: String::new(),
                name: String::new(),
            },
        });
    }
    if let ChatCompletionMessageToolCallUnion::Function { id, function } = &mut calls.0[index] {
        if let Some(new_id) = &call.id {
            id.push_str(new_id);
        }
        if let Some(piece) = &call.function {
            if let Some(name) = &piece.name {
                function.name.push_str(name);
            }
            if let Some(arguments) = &piece.arguments {
                function.arguments.push_str(arguments);
            }
        }
    }
}

impl Iterator for ChatCompletionStream {
    type Item = Result<CreateChatCompletionChunkResponse, Error>;

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
                return (!self.finished()).then(|| Err(self.events.ended_early("[DONE]")));
            }
        };
        if raw.data == "[DONE]" {
            self.done = true;
            self.events.end();
            return None;
        }
        if raw.event.as_deref() == Some("error") || raw.data.starts_with("{\"error\"") {
            self.done = true;
            self.events.end();
            return Some(Err(self.events.failed(&raw.data)));
        }
        match serde_json::from_slice::<CreateChatCompletionChunkResponse>(raw.data.as_bytes()) {
            Ok(chunk) => {
                self.accumulate(&chunk);
                Some(Ok(chunk))
            }
            Err(e) => {
                let err = self.events.undecodable(&raw.data, e);
                self.done = matches!(err, Error::StreamInterrupted { .. });
                Some(Err(err))
            }
        }
    }
}

impl std::fmt::Debug for ChatCompletionStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatCompletionStream")
            .field("request_id", &self.events.response.request_id)
            .field("events_received", &self.events.received)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// The content each chunk of a [`ChatCompletionStream`] adds; see
/// [`ChatCompletionStream::text_deltas`].
#[must_use = "iterators are lazy: nothing is read until it is used"]
#[derive(Debug)]
pub struct ChatTextDeltas<'s> {
    stream: &'s mut ChatCompletionStream,
}

impl Iterator for ChatTextDeltas<'_> {
    type Item = Result<String, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.stream.next()? {
                Ok(chunk) => {
                    let text: String = chunk
                        .choices
                        .iter()
                        .filter_map(|c| c.delta.content.as_deref())
                        .collect();
                    if !text.is_empty() {
                        return Some(Ok(text));
                    }
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl OpenAIClient {
    /// Asks a model for a reply like [`create_completion`](Self::create_completion), as a
    /// stream of chunks (`stream: true` is set for you; set `stream_options.include_usage`
    /// to get the usage in a last chunk).
    #[inline]
    pub fn create_completion_stream(
        &self,
        request: &CompletionCreateRequest,
    ) -> Result<ChatCompletionStream, Error> {
        let request = CompletionCreateRequest {
            stream: Some(true),
            ..request.clone()
        };
        let (response, body) =
            self.send_for_events(Request::post("/chat/completions").json(&request)?)?;
        Ok(ChatCompletionStream {
            events: Events::new(response, body),
            completion: None,
            done: false,
        })
    }
}
