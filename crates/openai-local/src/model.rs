//! The model behind the local engine's runs, chat completions and responses: the
//! [`Responder`] trait, the request it answers ([`ModelRequest`]) and the reply it gives
//! ([`ModelReply`]).
//!
//! The engine turns a run (thread messages, instructions, tools, vector stores), a chat
//! completion request or a Responses request (its input items, the previous response's or
//! the conversation's items, instructions, tools) into a [`ModelRequest`], asks the
//! responder, and turns the reply into API objects: an assistant message with
//! `file_citation` annotations, a `requires_action` run waiting for tool outputs, a
//! response's `function_call` items, run steps, usage figures. The built-in responder is
//! [`DeterministicModel`](super::DeterministicModel); plug in another one with
//! [`LocalServerBuilder::responder`](super::LocalServerBuilder::responder).

use std::sync::{Arc, Mutex};

use super::search::{self, IndexedFile};
use super::text;

/// Answers the engine's model requests. Implemented by [`DeterministicModel`](super::DeterministicModel)
/// and by every `Fn(&ModelRequest) -> Result<ModelReply, String>` closure that is
/// `Send + Sync`.
///
/// The responder is called without any engine lock held, from the server's worker threads,
/// possibly for several runs at once. The same responder answers runs, chat completions and
/// responses: one scripted model serves all three APIs. An `Err` fails the run
/// (`last_error.code` is `server_error`, the message is the error) or the response (status
/// `failed`, `error.code` `server_error`), or answers a chat completion with a 500 error; a
/// panic is caught and treated the same way.
///
/// ```
/// use openai_local::{ModelReply, ModelRequest, Responder};
///
/// let shouting = |request: &ModelRequest| -> Result<ModelReply, String> {
///     let last = request.last_user_text().unwrap_or_default();
///     Ok(ModelReply::text(last.to_uppercase()))
/// };
/// let reply = shouting.respond(&ModelRequest::from_user_text("hello")).unwrap();
/// assert_eq!(reply, ModelReply::text("HELLO"));
/// ```
pub trait Responder: Send + Sync {
    /// The model's reply to `request`.
    fn respond(&self, request: &ModelRequest) -> Result<ModelReply, String>;
}

impl<F> Responder for F
where
    F: Fn(&ModelRequest) -> Result<ModelReply, String> + Send + Sync,
{
    fn respond(&self, request: &ModelRequest) -> Result<ModelReply, String> {
        self(request)
    }
}

/// What the model is asked: the conversation so far and what it may use to answer.
#[derive(Debug)]
#[non_exhaustive]
pub struct ModelRequest {
    /// The model name the run, completion or response asked for.
    pub model: String,
    /// Instructions: the assistant's (or the run's) instructions, a chat's system and
    /// developer messages, or a response's `instructions` followed by its system and
    /// developer messages, joined by blank lines.
    pub instructions: String,
    /// The conversation, oldest first (system and developer messages are in `instructions`,
    /// not here). For a response: the previous responses' or the conversation's items, then
    /// its input; a turn of function calls reads as an assistant message without text, each
    /// function call output as a [`ModelRole::Tool`] message.
    pub messages: Vec<ModelMessage>,
    /// The function tools the model may call.
    pub functions: Vec<ModelFunction>,
    /// Which tools the model must or must not use.
    pub tool_choice: ModelToolChoice,
    /// Whether several function calls may be made at once.
    pub parallel_tool_calls: bool,
    /// Outputs of the function calls the model made in its previous turn; when this is not
    /// empty the model is expected to answer with them.
    pub tool_outputs: Vec<ModelToolOutput>,
    /// The file search tool over the run's (or the response's `file_search` tool's) vector
    /// stores, when there is one.
    pub file_search: Option<FileSearch>,
    /// The shape the answer must have: plain text, or JSON (a Responses request's
    /// `text.format`, a chat completion's `response_format`).
    pub format: ModelFormat,
}

impl ModelRequest {
    /// A request holding one user message and nothing else (handy to test a responder).
    pub fn from_user_text(text: impl Into<String>) -> Self {
        Self::new(vec![ModelMessage::new(ModelRole::User, text)])
    }

    /// A request with the given conversation, no instructions and no tools.
    pub fn new(messages: Vec<ModelMessage>) -> Self {
        Self {
            model: "local".into(),
            instructions: String::new(),
            messages,
            functions: Vec::new(),
            tool_choice: ModelToolChoice::Auto,
            parallel_tool_calls: true,
            tool_outputs: Vec::new(),
            file_search: None,
            format: ModelFormat::Text,
        }
    }

    /// The last user message, if there is one.
    pub fn last_user_message(&self) -> Option<&ModelMessage> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == ModelRole::User)
    }

    /// The text of the last user message, if there is one.
    pub fn last_user_text(&self) -> Option<&str> {
        self.last_user_message().map(|m| m.text.as_str())
    }
}

/// One message of the conversation.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ModelMessage {
    /// Who wrote it.
    pub role: ModelRole,
    /// Its text parts, joined by blank lines.
    pub text: String,
    /// Its images, in order.
    pub images: Vec<ModelImage>,
    /// The documents given with it (a Responses `input_file`: a text file, or a PDF's text
    /// layer), in order.
    pub documents: Vec<ModelDocument>,
}

impl ModelMessage {
    /// A text message.
    pub fn new(role: ModelRole, text: impl Into<String>) -> Self {
        Self {
            role,
            text: text.into(),
            images: Vec::new(),
            documents: Vec::new(),
        }
    }

    /// The same message with an image added.
    pub fn with_image(mut self, image: ModelImage) -> Self {
        self.images.push(image);
        self
    }

    /// The same message with a document added.
    pub fn with_document(mut self, document: ModelDocument) -> Self {
        self.documents.push(document);
        self
    }
}

/// A document given with a message, read as text.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ModelDocument {
    /// Its file name (`document` when the request gave none).
    pub filename: String,
    /// Its text.
    pub text: String,
}

impl ModelDocument {
    /// A document named `filename` holding `text`.
    pub fn new(filename: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            filename: filename.into(),
            text: text.into(),
        }
    }
}

/// The shape an answer must have.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub enum ModelFormat {
    /// Plain text (the default).
    #[default]
    Text,
    /// A JSON object, any shape.
    JsonObject,
    /// JSON that validates against `schema`.
    JsonSchema {
        /// The format's name.
        name: String,
        /// The JSON Schema the answer must follow.
        schema: serde_json::Value,
    },
}

/// Who wrote a [`ModelMessage`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelRole {
    /// The user.
    User,
    /// The assistant (an earlier answer).
    Assistant,
    /// A tool's output (chat completions' `tool` messages, responses' `function_call_output`
    /// items).
    Tool,
}

/// An image given to the model.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ModelImage {
    /// Image bytes: from a `data:` URL, or an uploaded file (`image_file`) whose bytes are
    /// shared with the engine's store, not copied.
    Bytes(Arc<Vec<u8>>),
    /// A URL the engine did not fetch (the local engine never uses the network).
    Url(String),
}

/// A function tool the model may call.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ModelFunction {
    /// The function's name.
    pub name: String,
    /// What the function does.
    pub description: Option<String>,
    /// The JSON Schema of its arguments, if given.
    pub parameters: Option<serde_json::Value>,
}

impl ModelFunction {
    /// A function with a name only.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: None,
            parameters: None,
        }
    }
}

/// Which tools the model must or must not use (`tool_choice`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelToolChoice {
    /// The model decides (the default).
    Auto,
    /// The model must answer with text.
    None,
    /// The model must call at least one tool.
    Required,
    /// The model must call this function.
    Function(String),
    /// The model must search the files.
    FileSearch,
}

/// The output of a function call the model made in its previous turn.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ModelToolOutput {
    /// The id of the tool call.
    pub call_id: String,
    /// The function that was called.
    pub name: String,
    /// The arguments it was called with (a JSON object, as text).
    pub arguments: String,
    /// What the function returned.
    pub output: String,
}

impl ModelToolOutput {
    /// An output of the named function.
    pub fn new(
        call_id: impl Into<String>,
        name: impl Into<String>,
        arguments: impl Into<String>,
        output: impl Into<String>,
    ) -> Self {
        Self {
            call_id: call_id.into(),
            name: name.into(),
            arguments: arguments.into(),
            output: output.into(),
        }
    }
}

/// The model's reply.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ModelReply {
    /// A text answer (an assistant message).
    Answer(ModelAnswer),
    /// Function calls: a run waits in `requires_action` for their outputs; a chat
    /// completion returns them with `finish_reason: "tool_calls"`.
    ToolCalls(Vec<ModelToolCall>),
}

impl ModelReply {
    /// A text answer without citations.
    pub fn text(text: impl Into<String>) -> Self {
        ModelReply::Answer(ModelAnswer::new(text))
    }

    /// Function calls, in order.
    pub fn tool_calls(calls: impl IntoIterator<Item = ModelToolCall>) -> Self {
        ModelReply::ToolCalls(calls.into_iter().collect())
    }
}

impl From<ModelAnswer> for ModelReply {
    fn from(answer: ModelAnswer) -> Self {
        ModelReply::Answer(answer)
    }
}

/// A text answer with its citations.
///
/// ```
/// use openai_local::{ModelAnswer, ModelCitation, ModelReply};
///
/// let answer = ModelAnswer::new("Shoes: 30 days【0†source】.")
///     .with_citation(ModelCitation::new(14, 24, "file-abc"));
/// assert_eq!(answer.citations[0].file_id, "file-abc");
/// let reply = ModelReply::from(answer);
/// assert!(matches!(reply, ModelReply::Answer(a) if a.text.ends_with("source】.")));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct ModelAnswer {
    /// The answer.
    pub text: String,
    /// Citations of files, each marking a span of `text`.
    pub citations: Vec<ModelCitation>,
}

impl ModelAnswer {
    /// An answer without citations.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            citations: Vec::new(),
        }
    }

    /// The same answer with a citation added.
    pub fn with_citation(mut self, citation: ModelCitation) -> Self {
        self.citations.push(citation);
        self
    }
}

/// A citation: the span of the answer holding a marker such as `【0†source】`, and the file it
/// cites. It becomes a `file_citation` annotation of the assistant message.
///
/// Offsets count characters (Unicode scalar values), as the API's `start_index` and
/// `end_index` do; a citation out of the answer's bounds is dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ModelCitation {
    /// The first character of the marker.
    pub start: usize,
    /// One past the last character of the marker.
    pub end: usize,
    /// The cited file.
    pub file_id: String,
}

impl ModelCitation {
    /// A citation of `file_id` marked by the characters `start..end` of the answer.
    pub fn new(start: usize, end: usize, file_id: impl Into<String>) -> Self {
        Self {
            start,
            end,
            file_id: file_id.into(),
        }
    }
}

/// A function call made by the model.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ModelToolCall {
    /// The function to call (one of the request's `functions`).
    pub name: String,
    /// Its arguments: a JSON object, as text.
    pub arguments: String,
}

impl ModelToolCall {
    /// A call of function `name` with `arguments` (a JSON object, as text).
    pub fn new(name: impl Into<String>, arguments: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            arguments: arguments.into(),
        }
    }
}

/// A passage found by [`FileSearch::search`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SearchPassage {
    /// The file it comes from.
    pub file_id: String,
    /// That file's name.
    pub filename: String,
    /// The passage.
    pub text: String,
    /// Its relevance, in `[0, 1)`: the BM25 score `s` squashed by `s / (s + 1)`.
    pub score: f64,
}

/// A searchable file, as [`FileSearch::documents`] lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchDocument<'a> {
    /// The file's id.
    pub file_id: &'a str,
    /// The file's name.
    pub filename: &'a str,
    /// Its whole text.
    pub text: &'a str,
}

/// The file search tool: BM25 over the passages of the files indexed in a run's vector stores.
/// Every [`search`](Self::search) is recorded and shows up as a `file_search` tool call in the
/// run's steps.
#[derive(Debug)]
pub struct FileSearch {
    files: Vec<Arc<IndexedFile>>,
    max_results: usize,
    score_threshold: f64,
    log: Mutex<Vec<(String, Vec<SearchPassage>)>>,
}

impl FileSearch {
    pub(crate) fn new(
        files: Vec<Arc<IndexedFile>>,
        max_results: usize,
        score_threshold: f64,
    ) -> Self {
        Self {
            files,
            max_results: max_results.max(1),
            score_threshold,
            log: Mutex::new(Vec::new()),
        }
    }

    /// The passages best matching `query`, best first: at most the tool's `max_num_results`
    /// (20 by default), none scoring under its `score_threshold`.
    pub fn search(&self, query: &str) -> Vec<SearchPassage> {
        let found: Vec<SearchPassage> = search::rank(&self.files, query)
            .into_iter()
            .filter(|hit| hit.score >= self.score_threshold)
            .take(self.max_results)
            .map(|hit| {
                let file = &self.files[hit.file];
                SearchPassage {
                    file_id: file.file_id.clone(),
                    filename: file.filename.clone(),
                    text: file.passage_text(hit.passage).to_string(),
                    score: hit.score,
                }
            })
            .collect();
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((query.to_string(), found.clone()));
        found
    }

    /// Every searchable file with its whole text (to summarise a document, say).
    pub fn documents(&self) -> Vec<SearchDocument<'_>> {
        self.files
            .iter()
            .map(|f| SearchDocument {
                file_id: &f.file_id,
                filename: &f.filename,
                text: &f.text,
            })
            .collect()
    }

    /// The results of every search made so far, in order.
    pub(crate) fn take_log(&self) -> Vec<Vec<SearchPassage>> {
        self.take_searches()
            .into_iter()
            .map(|(_, found)| found)
            .collect()
    }

    /// Every search made so far, in order: its query and its results.
    pub(crate) fn take_searches(&self) -> Vec<(String, Vec<SearchPassage>)> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Rough token counts of a request and a reply, for usage figures.
pub(crate) fn prompt_tokens(request: &ModelRequest) -> i64 {
    let mut n = text::token_count(&request.instructions);
    for m in &request.messages {
        n += text::token_count(&m.text) + 4;
        for d in &m.documents {
            n += text::token_count(&d.text);
        }
    }
    for o in &request.tool_outputs {
        n += text::token_count(&o.output);
    }
    n
}
