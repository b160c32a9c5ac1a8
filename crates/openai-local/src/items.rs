//! The items of the Responses and Conversations APIs (messages, function calls and their
//! outputs, file searches), as the engine stores them, shows them (`OutputItem`,
//! `ConversationItem`) and hands them to the model (`ModelMessage`s, tool outputs,
//! instructions).

use std::collections::HashMap;
use std::sync::Arc;

use openai_blocking::types::*;

use super::data_url::{data_url_bytes, url_image};
use super::model::{ModelDocument, ModelImage, ModelMessage, ModelRole, ModelToolOutput};
use super::search::{self, Unreadable};
use super::spool::Content;

/// A stored item: its id, its creation sequence number (for cursors) and what it holds.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Item {
    pub seq: u64,
    pub id: String,
    /// Shared: copying an item (into a conversation, a response's context) never copies the
    /// file data it may hold.
    pub body: Arc<Body>,
}

/// What an item holds.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Body {
    /// A message: the user's, the developer's, the system's (input parts) or the assistant's
    /// (output text parts).
    Message {
        role: MessageRole,
        content: Vec<ItemContent>,
        status: MessageStatus,
    },
    /// A function call the model made.
    FunctionCall {
        call_id: String,
        name: String,
        arguments: String,
    },
    /// The output of a function call, given by the client.
    FunctionCallOutput { call_id: String, output: String },
    /// A search of the file search tool, with what it found.
    FileSearchCall {
        queries: Vec<String>,
        results: Vec<FileSearchToolCallResultsItem>,
    },
}

impl Body {
    /// The prefix of the ids of items of this kind.
    pub fn id_prefix(&self) -> &'static str {
        match self {
            Body::Message { .. } => "msg_",
            Body::FunctionCall { .. } => "fc_",
            Body::FunctionCallOutput { .. } => "fco_",
            Body::FileSearchCall { .. } => "fs_",
        }
    }

    /// A user message holding one text.
    pub fn user_text(text: &str) -> Self {
        Body::Message {
            role: MessageRole::User,
            content: vec![ItemContent::InputText {
                prompt_cache_breakpoint: None,
                text: text.to_string(),
            }],
            status: MessageStatus::Completed,
        }
    }
}

impl Item {
    /// The item as a conversation lists it (and a response's input items); a file search's
    /// results only `with_results`.
    pub fn conversation_item(&self, with_results: bool) -> ConversationItem {
        let id = self.id.clone();
        match &*self.body {
            Body::Message {
                role,
                content,
                status,
            } => ConversationItem::Message {
                content: content.clone(),
                id,
                phase: None,
                role: role.clone(),
                status: status.clone(),
            },
            Body::FunctionCall {
                call_id,
                name,
                arguments,
            } => ConversationItem::FunctionCall {
                arguments: arguments.clone(),
                call_id: call_id.clone(),
                caller: None,
                created_by: None,
                id,
                name: name.clone(),
                namespace: None,
                status: FunctionCallStatus::Completed,
            },
            Body::FunctionCallOutput { call_id, output } => ConversationItem::FunctionCallOutput {
                call_id: Some(call_id.clone()),
                caller: None,
                created_by: None,
                id,
                name: None,
                namespace: None,
                output: FunctionToolCallOutputResourceOutput::String(output.clone()),
                status: FunctionCallOutputStatusEnum::Completed,
            },
            Body::FileSearchCall { queries, results } => ConversationItem::FileSearchCall {
                id,
                queries: queries.clone(),
                results: with_results.then(|| results.clone()),
                status: FileSearchToolCallStatus::Completed,
            },
        }
    }

    /// The item as a response's output shows it; a file search's results only
    /// `with_results`.
    pub fn output_item(&self, with_results: bool) -> OutputItem {
        let id = self.id.clone();
        match &*self.body {
            Body::Message {
                content, status, ..
            } => OutputItem::Message {
                content: content.iter().filter_map(output_part).collect(),
                id,
                phase: None,
                role: OutputItemRole::Assistant,
                status: match status {
                    MessageStatus::Incomplete => OutputMessageStatus::Incomplete,
                    MessageStatus::InProgress => OutputMessageStatus::InProgress,
                    _ => OutputMessageStatus::Completed,
                },
            },
            Body::FunctionCall {
                call_id,
                name,
                arguments,
            } => OutputItem::FunctionCall {
                arguments: arguments.clone(),
                call_id: call_id.clone(),
                caller: None,
                id: Some(id),
                name: name.clone(),
                namespace: None,
                status: Some(FunctionToolCallStatus::Completed),
            },
            Body::FunctionCallOutput { call_id, output } => OutputItem::FunctionCallOutput {
                call_id: Some(call_id.clone()),
                caller: None,
                created_by: None,
                id,
                name: None,
                namespace: None,
                output: FunctionToolCallOutputResourceOutput::String(output.clone()),
                status: FunctionCallOutputStatusEnum::Completed,
            },
            Body::FileSearchCall { queries, results } => OutputItem::FileSearchCall {
                id,
                queries: queries.clone(),
                results: with_results.then(|| results.clone()),
                status: FileSearchToolCallStatus::Completed,
            },
        }
    }

    /// The item as the JSON of a list's `data` (a response's input items).
    pub fn resource(&self, with_results: bool) -> ItemResource {
        ItemResource::Unknown(
            serde_json::to_value(self.conversation_item(with_results)).unwrap_or_default(),
        )
    }
}

/// An assistant message's part as an output part (input parts have none).
fn output_part(part: &ItemContent) -> Option<OutputMessageContent> {
    match part {
        ItemContent::OutputText {
            annotations,
            logprobs,
            text,
        } => Some(OutputMessageContent::OutputText {
            annotations: annotations.clone(),
            logprobs: logprobs.clone(),
            text: text.clone(),
        }),
        ItemContent::Refusal { refusal } => Some(OutputMessageContent::Refusal {
            refusal: refusal.clone(),
        }),
        ItemContent::Text { text } => Some(OutputMessageContent::OutputText {
            annotations: Vec::new(),
            logprobs: Some(Vec::new()),
            text: text.clone(),
        }),
        _ => None,
    }
}

/// The file ids an item's parts name (`input_image` and `input_file` by `file_id`).
pub(crate) fn file_ids(body: &Body) -> Vec<&str> {
    let Body::Message { content, .. } = body else {
        return Vec::new();
    };
    content
        .iter()
        .filter_map(|part| match part {
            ItemContent::InputImage {
                file_id: Some(id), ..
            }
            | ItemContent::InputFile {
                file_id: Some(id), ..
            } => Some(id.as_str()),
            _ => None,
        })
        .collect()
}

/// Uploaded files the items name, by id: their name and bytes (shared with the store; read
/// from disk by [`context`] when they are there).
pub(crate) type Files = HashMap<String, (String, Content)>;

/// What the model gets from a list of items.
#[derive(Debug, Default)]
pub(crate) struct Context {
    /// The system and developer messages.
    pub instructions: Vec<String>,
    pub messages: Vec<ModelMessage>,
    /// The outputs of function calls since the last message.
    pub tool_outputs: Vec<ModelToolOutput>,
}

/// Turns items, oldest first, into the model's view. Each item comes with the request path
/// of its parts (`input[2]`) when it is part of the request being answered: a file there
/// that cannot be read is an error naming the part; in earlier items it is left out.
/// Reading a PDF is slow: call this without the store held.
pub(crate) fn context<'a>(
    items: impl IntoIterator<Item = (Option<String>, &'a Body)>,
    files: &Files,
) -> Result<Context, (String, String)> {
    let mut out = Context::default();
    let mut calls: HashMap<&str, (&str, &str)> = HashMap::new();
    let mut after_call = false;
    for (param, body) in items {
        match body {
            Body::Message { role, content, .. } => {
                after_call = false;
                match role {
                    MessageRole::System | MessageRole::Developer => {
                        out.instructions.push(texts(content).join("\n"))
                    }
                    MessageRole::Assistant => {
                        out.tool_outputs.clear();
                        out.messages.push(ModelMessage::new(
                            ModelRole::Assistant,
                            texts(content).join("\n\n"),
                        ));
                    }
                    _ => {
                        out.tool_outputs.clear();
                        out.messages
                            .push(user_message(content, param.as_deref(), files)?);
                    }
                }
            }
            Body::FunctionCall {
                call_id,
                name,
                arguments,
            } => {
                if !after_call {
                    // A turn of calls reads as an assistant message without text, as in a
                    // chat completion.
                    out.tool_outputs.clear();
                    out.messages
                        .push(ModelMessage::new(ModelRole::Assistant, String::new()));
                }
                after_call = true;
                calls.insert(call_id, (name, arguments));
            }
            Body::FunctionCallOutput { call_id, output } => {
                after_call = false;
                let (name, arguments) = calls.get(call_id.as_str()).copied().unwrap_or(("", "{}"));
                out.messages
                    .push(ModelMessage::new(ModelRole::Tool, output.clone()));
                out.tool_outputs
                    .push(ModelToolOutput::new(call_id, name, arguments, output));
            }
            Body::FileSearchCall { .. } => {}
        }
    }
    Ok(out)
}

/// The text parts of a message.
fn texts(content: &[ItemContent]) -> Vec<String> {
    content
        .iter()
        .filter_map(|part| match part {
            ItemContent::InputText { text, .. }
            | ItemContent::OutputText { text, .. }
            | ItemContent::Text { text } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// A user message with its images and documents read. `param` is the item's request path
/// when it is part of the request being answered.
fn user_message(
    content: &[ItemContent],
    param: Option<&str>,
    files: &Files,
) -> Result<ModelMessage, (String, String)> {
    let mut message = ModelMessage::new(ModelRole::User, texts(content).join("\n\n"));
    for (j, part) in content.iter().enumerate() {
        let at = || param.map(|p| format!("{p}.content[{j}]"));
        match part {
            ItemContent::InputImage {
                file_id, image_url, ..
            } => match (file_id, image_url) {
                (Some(id), _) => {
                    if let Some(bytes) = files.get(id).and_then(|(_, c)| c.load().ok()) {
                        message.images.push(ModelImage::Bytes(bytes));
                    }
                }
                (None, Some(url)) => message.images.push(url_image(url)),
                (None, None) => {}
            },
            ItemContent::InputFile {
                file_data,
                file_id,
                filename,
                file_url,
                ..
            } => {
                let (name, bytes) = match (file_id, file_data) {
                    (Some(id), _) => match files.get(id) {
                        Some((name, content)) => match content.load() {
                            Ok(bytes) => (name.clone(), bytes),
                            Err(e) => match at() {
                                Some(p) => {
                                    return Err((
                                        p,
                                        format!("The file '{name}' cannot be read: {e}."),
                                    ))
                                }
                                None => continue,
                            },
                        },
                        None => continue,
                    },
                    (None, Some(data)) => {
                        let bytes = data_url_bytes(data)
                            .or_else(|| data_url_bytes(&format!("data:;base64,{data}")));
                        match bytes {
                            Some(b) => (
                                filename.clone().unwrap_or_else(|| "document".into()),
                                Arc::new(b),
                            ),
                            None => match at() {
                                Some(p) => {
                                    return Err((
                                        format!("{p}.file_data"),
                                        "The file data is neither a data: URL nor base64.".into(),
                                    ))
                                }
                                None => continue,
                            },
                        }
                    }
                    (None, None) => {
                        if let (Some(url), Some(p)) = (file_url, at()) {
                            return Err((
                                format!("{p}.file_url"),
                                format!(
                                    "The local engine never uses the network, so it cannot read {url}: send the file as 'file_data' or upload it and send its 'file_id'."
                                ),
                            ));
                        }
                        continue;
                    }
                };
                match read_file(&name, &bytes) {
                    Ok(Read::Document(text)) => {
                        message.documents.push(ModelDocument::new(name, text))
                    }
                    Ok(Read::Image) => message.images.push(ModelImage::Bytes(bytes)),
                    Err(e) => {
                        if let Some(p) = at() {
                            return Err((
                                p,
                                format!("The file '{name}' cannot be read: {}", e.message),
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(message)
}

/// What a given file is to the model.
enum Read {
    Document(String),
    Image,
}

/// A file given as input: a PNG or JPEG image, a PDF's text layer (with the `pdf` feature),
/// or text.
fn read_file(filename: &str, bytes: &[u8]) -> Result<Read, Unreadable> {
    if bytes.starts_with(b"\x89PNG") || bytes.starts_with(b"\xFF\xD8\xFF") {
        return Ok(Read::Image);
    }
    search::read_document(filename, bytes).map(Read::Document)
}
