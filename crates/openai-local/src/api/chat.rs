//! `/chat/completions`, answered by the same responder as runs (without file search).

use std::sync::Arc;

use openai_blocking::types::*;

use super::super::data_url::{data_url_bytes, url_image};
use super::super::http::{Ctx, Failure, Reply};
use super::super::json::{explain_variant, parse_at};
use super::super::model::{
    self, ModelFormat, ModelFunction, ModelImage, ModelMessage, ModelReply, ModelRequest,
    ModelRole, ModelToolChoice, ModelToolOutput,
};
use super::super::sse::EventWriter;
use super::super::text;

/// Declares structs holding the fields of one variant of a tagged union, used to explain
/// why a value decoded as `Unknown`.
macro_rules! shapes {
    ($($name:ident { $field:literal: $ty:ty })*) => {$(
        #[derive(serde::Deserialize)]
        struct $name {
            #[serde(rename = $field)]
            _value: $ty,
        }
    )*};
}

shapes! {
    DeveloperShape { "content": ChatCompletionRequestDeveloperMessageContent }
    SystemShape { "content": ChatCompletionRequestSystemMessageContent }
    UserShape { "content": ChatCompletionRequestUserMessageContent }
    FunctionMessageShape { "name": String }
    FunctionToolShape { "function": FunctionObject }
    CustomToolShape { "custom": CustomToolChatCompletionsCustom }
    TextPartShape { "text": String }
    ImagePartShape { "image_url": ChatCompletionRequestMessageContentPartImageImageUrl }
    AudioPartShape { "input_audio": ChatCompletionRequestMessageContentPartAudioInputAudio }
    FilePartShape { "file": ChatCompletionRequestMessageContentPartFileFile }
}

#[derive(serde::Deserialize)]
struct ToolShape {
    #[serde(rename = "content")]
    _content: ChatCompletionRequestToolMessageContent,
    #[serde(rename = "tool_call_id")]
    _tool_call_id: String,
}

pub(super) fn create(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let r: CompletionCreateRequest = ctx.json()?;
    if r.messages.is_empty() {
        return Err(
            Failure::invalid("'messages' must hold at least one message.").param("messages"),
        );
    }
    let n = r.n.unwrap_or(1);
    if !(1..=128).contains(&n) {
        return Err(Failure::invalid(format!(
            "Invalid 'n': expected a value between 1 and 128, got {n}."
        ))
        .param("n")
        .code("integer_out_of_range"));
    }
    // Files named by the messages are taken from the store one at a time, shared, not copied
    // (a file on disk is read once the store is free again).
    let mut file = |id: &str| {
        ctx.with_store(|store| store.files.get(id).map(|f| f.content.clone()))
            .map(|content| content.load().unwrap_or_default())
    };
    let request = model_request(&r, &mut file)?;
    let reply = ctx.respond(&request).map_err(Failure::server)?;
    if let ModelReply::ToolCalls(calls) = &reply {
        if let Some(c) = calls
            .iter()
            .find(|c| !request.functions.iter().any(|f| f.name == c.name))
        {
            return Err(Failure::server(format!(
                "The model called '{}', which is not a tool of this request.",
                c.name
            )));
        }
    }
    let prompt_tokens = model::prompt_tokens(&request);
    let max_tokens = r.max_completion_tokens.or(r.max_tokens).filter(|&m| m > 0);
    // The ids, issued in one step once everything that can fail is done.
    let calls = match &reply {
        ModelReply::ToolCalls(calls) => calls.len(),
        _ => 0,
    };
    let now = ctx.now();
    let (mut call_ids, id) = ctx.with_store(|store| {
        let calls: Vec<String> = (0..calls).map(|_| store.ids.issue("call_").0).collect();
        (calls.into_iter(), store.ids.issue("chatcmpl-").0)
    });
    let (message, finish, completion_tokens) = match reply {
        ModelReply::Answer(answer) => {
            let mut content = answer.text;
            let mut finish = CompletionResponseChoicesItemFinishReason::Stop;
            if let Some(max) = max_tokens {
                if text::token_count(&content) > max {
                    let words: Vec<&str> = content.split_whitespace().collect();
                    let mut kept = Vec::new();
                    for w in words {
                        kept.push(w);
                        if text::token_count(&kept.join(" ")) > max {
                            kept.pop();
                            break;
                        }
                    }
                    content = kept.join(" ");
                    finish = CompletionResponseChoicesItemFinishReason::Length;
                }
            }
            let tokens = text::token_count(&content);
            (assistant_message(Some(content), None), finish, tokens)
        }
        ModelReply::ToolCalls(calls) => {
            let tokens = calls
                .iter()
                .map(|c| text::token_count(&c.arguments) + 4)
                .sum();
            let calls = calls
                .into_iter()
                .map(|c| ChatCompletionMessageToolCallUnion::Function {
                    id: call_ids.next().unwrap_or_default(),
                    function: ChatCompletionMessageToolCallFunction {
                        name: c.name,
                        arguments: c.arguments,
                    },
                })
                .collect();
            (
                assistant_message(None, Some(ChatCompletionMessageToolCalls(calls))),
                CompletionResponseChoicesItemFinishReason::ToolCalls,
                tokens,
            )
        }
    };
    let response = CompletionResponse {
        extra: Default::default(),
        choices: (0..n)
            .map(|index| CompletionResponseChoicesItem {
                finish_reason: finish.clone(),
                index,
                logprobs: None,
                message: message.clone(),
            })
            .collect(),
        created: now.unix,
        id,
        metadata: r.metadata.clone(),
        model: r.model.0.clone(),
        moderation: None,
        object: CompletionResponseObject::ChatCompletion,
        service_tier: None,
        system_fingerprint: Some("fp_local".into()),
        usage: Some(CompletionUsage {
            completion_tokens: completion_tokens * n,
            completion_tokens_details: None,
            prompt_tokens,
            prompt_tokens_details: None,
            total_tokens: prompt_tokens + completion_tokens * n,
        }),
    };
    if r.stream == Some(true) {
        let include_usage = r
            .stream_options
            .as_ref()
            .and_then(|o| o.include_usage)
            .unwrap_or(false);
        return stream(&response, include_usage);
    }
    Reply::json(&response)
}

fn assistant_message(
    content: Option<String>,
    tool_calls: Option<ChatCompletionMessageToolCalls>,
) -> ChatCompletionResponseMessage {
    ChatCompletionResponseMessage {
        annotations: Some(Vec::new()),
        audio: None,
        content,
        function_call: None,
        refusal: None,
        role: ChatCompletionResponseMessageRole::Assistant,
        tool_calls,
    }
}

/// The completion as server-sent events, as the API sends them: for each choice, a chunk with
/// the role, the content word by word (or each tool call: its index, id and name, then its
/// arguments), and a chunk with the finish reason; with `include_usage`, a last chunk with
/// the usage and no choices; then `data: [DONE]`.
fn stream(response: &CompletionResponse, include_usage: bool) -> Result<Reply, Failure> {
    let mut out = EventWriter::collect();
    let mut push = |choices: Vec<CreateChatCompletionChunkResponseChoicesItem>,
                    usage: Option<CompletionUsage>| {
        out.data(&CreateChatCompletionChunkResponse {
            choices,
            created: response.created,
            id: response.id.clone(),
            model: response.model.clone(),
            moderation: None,
            obfuscation: None,
            object: CreateChatCompletionChunkResponseObject::ChatCompletionChunk,
            service_tier: None,
            system_fingerprint: response.system_fingerprint.clone(),
            usage,
        });
    };
    for c in &response.choices {
        let chunk = |delta, finish_reason| {
            vec![CreateChatCompletionChunkResponseChoicesItem {
                delta,
                finish_reason,
                index: c.index,
                logprobs: None,
            }]
        };
        push(
            chunk(
                ChatCompletionStreamResponseDelta {
                    role: Some(ChatCompletionStreamResponseDeltaRole::Assistant),
                    content: Some(String::new()),
                    ..Default::default()
                },
                None,
            ),
            None,
        );
        let content = c.message.content.as_deref().unwrap_or_default();
        let chars: Vec<char> = content.chars().collect();
        for piece in text::stream_pieces(content, &[]) {
            let delta = ChatCompletionStreamResponseDelta {
                content: Some(chars[piece].iter().collect()),
                ..Default::default()
            };
            push(chunk(delta, None), None);
        }
        let calls = c.message.tool_calls.iter().flat_map(|calls| calls.0.iter());
        for (i, call) in calls.enumerate() {
            let ChatCompletionMessageToolCallUnion::Function { id, function } = call else {
                continue;
            };
            let call_chunk = |id: Option<&str>, name: Option<&str>, arguments: &str| {
                let delta = ChatCompletionStreamResponseDelta {
                    tool_calls: Some(vec![ChatCompletionMessageToolCallChunk {
                        function: Some(ChatCompletionMessageToolCallChunkFunction {
                            arguments: Some(arguments.to_string()),
                            name: name.map(str::to_string),
                        }),
                        id: id.map(str::to_string),
                        index: i as i64,
                        type_: id.map(|_| ChatCompletionMessageToolCallChunkType::Function),
                    }]),
                    ..Default::default()
                };
                chunk(delta, None)
            };
            push(call_chunk(Some(id), Some(&function.name), ""), None);
            if !function.arguments.is_empty() {
                push(call_chunk(None, None, &function.arguments), None);
            }
        }
        let finish = serde_json::to_value(&c.finish_reason)
            .ok()
            .and_then(|v| serde_json::from_value(v).ok());
        push(
            chunk(ChatCompletionStreamResponseDelta::default(), finish),
            None,
        );
    }
    if include_usage {
        push(Vec::new(), response.usage.clone());
    }
    out.data_done();
    Ok(Reply {
        status: 200,
        content_type: "text/event-stream",
        body: Arc::new(out.finish()),
        events: None,
        download: None,
    })
}

/// The bytes of an uploaded file, by id.
type Files<'a> = dyn FnMut(&str) -> Option<Arc<Vec<u8>>> + 'a;

/// The responder's view of a chat request: system and developer messages become the
/// instructions; tool messages answering the last assistant tool calls become tool outputs.
fn model_request(
    r: &CompletionCreateRequest,
    files: &mut Files<'_>,
) -> Result<ModelRequest, Failure> {
    let mut instructions: Vec<String> = Vec::new();
    let mut messages: Vec<ModelMessage> = Vec::new();
    let mut calls: Vec<(String, String, String)> = Vec::new();
    let mut outputs: Vec<ModelToolOutput> = Vec::new();
    for (i, m) in r.messages.iter().enumerate() {
        match m {
            ChatCompletionRequestMessage::System { content, .. } => {
                instructions.push(match content {
                    ChatCompletionRequestSystemMessageContent::String(s) => s.clone(),
                    ChatCompletionRequestSystemMessageContent::Array(parts) => parts
                        .iter()
                        .map(|p| p.text.as_str())
                        .collect::<Vec<_>>()
                        .join("\n"),
                })
            }
            ChatCompletionRequestMessage::Developer { content, .. } => {
                instructions.push(match content {
                    ChatCompletionRequestDeveloperMessageContent::String(s) => s.clone(),
                    ChatCompletionRequestDeveloperMessageContent::Array(parts) => parts
                        .iter()
                        .map(|p| p.text.as_str())
                        .collect::<Vec<_>>()
                        .join("\n"),
                })
            }
            ChatCompletionRequestMessage::User { content, .. } => {
                outputs.clear();
                messages.push(user_message(content, i, files)?);
            }
            ChatCompletionRequestMessage::Assistant {
                content,
                tool_calls,
                ..
            } => {
                let text = match content {
                    Some(ChatCompletionRequestAssistantMessageContent::String(s)) => s.clone(),
                    Some(ChatCompletionRequestAssistantMessageContent::Array(parts)) => parts
                        .iter()
                        .filter_map(|p| match p {
                            ChatCompletionRequestAssistantMessageContentPart::Text {
                                text, ..
                            } => Some(text.as_str()),
                            _ => None,
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                    None => String::new(),
                };
                outputs.clear();
                calls = tool_calls
                    .iter()
                    .flat_map(|c| c.0.iter())
                    .filter_map(|c| match c {
                        ChatCompletionMessageToolCallUnion::Function { id, function } => Some((
                            id.clone(),
                            function.name.clone(),
                            function.arguments.clone(),
                        )),
                        _ => None,
                    })
                    .collect();
                messages.push(ModelMessage::new(ModelRole::Assistant, text));
            }
            ChatCompletionRequestMessage::Tool {
                content,
                tool_call_id,
            } => {
                let output = match content {
                    ChatCompletionRequestToolMessageContent::String(s) => s.clone(),
                    ChatCompletionRequestToolMessageContent::Array(parts) => parts
                        .iter()
                        .map(|p| p.text.as_str())
                        .collect::<Vec<_>>()
                        .join("\n"),
                };
                let (name, arguments) = calls
                    .iter()
                    .find(|c| &c.0 == tool_call_id)
                    .map(|c| (c.1.clone(), c.2.clone()))
                    .unwrap_or_default();
                messages.push(ModelMessage::new(ModelRole::Tool, output.clone()));
                outputs.push(ModelToolOutput::new(tool_call_id, name, arguments, output));
            }
            ChatCompletionRequestMessage::Function { content, name } => {
                let output = content.clone().unwrap_or_default();
                messages.push(ModelMessage::new(ModelRole::Tool, output.clone()));
                outputs.push(ModelToolOutput::new("", name, "{}", output));
            }
            ChatCompletionRequestMessage::Unknown(v) => {
                return Err(explain_variant(
                    v,
                    "role",
                    &format!("messages[{i}]"),
                    &[
                        ("developer", &|b, p| {
                            parse_at::<DeveloperShape>(b, p).map(drop)
                        }),
                        ("system", &|b, p| parse_at::<SystemShape>(b, p).map(drop)),
                        ("user", &|b, p| parse_at::<UserShape>(b, p).map(drop)),
                        ("assistant", &|_, _| Ok(())),
                        ("tool", &|b, p| parse_at::<ToolShape>(b, p).map(drop)),
                        ("function", &|b, p| {
                            parse_at::<FunctionMessageShape>(b, p).map(drop)
                        }),
                    ],
                ));
            }
        }
    }
    let mut functions: Vec<ModelFunction> = Vec::new();
    for (i, tool) in r.tools.iter().flatten().enumerate() {
        match tool {
            ChatCompletionToolUnion::Function { function } => functions.push(ModelFunction {
                name: function.name.clone(),
                description: function.description.clone(),
                parameters: function
                    .parameters
                    .as_ref()
                    .map(|p| serde_json::Value::Object(p.0.clone())),
            }),
            ChatCompletionToolUnion::Custom { .. } => {}
            ChatCompletionToolUnion::Unknown(v) => {
                return Err(explain_variant(
                    v,
                    "type",
                    &format!("tools[{i}]"),
                    &[
                        ("function", &|b, p| {
                            parse_at::<FunctionToolShape>(b, p).map(drop)
                        }),
                        ("custom", &|b, p| {
                            parse_at::<CustomToolShape>(b, p).map(drop)
                        }),
                    ],
                ))
            }
        }
    }
    for f in r.functions.iter().flatten() {
        functions.push(ModelFunction {
            name: f.name.clone(),
            description: f.description.clone(),
            parameters: f
                .parameters
                .as_ref()
                .map(|p| serde_json::Value::Object(p.0.clone())),
        });
    }
    let tool_choice = match &r.tool_choice {
        None => ModelToolChoice::Auto,
        Some(ChatCompletionToolChoiceOption::String(s)) => match s {
            ChatCompletionToolChoiceOptionString::None => ModelToolChoice::None,
            ChatCompletionToolChoiceOptionString::Auto => ModelToolChoice::Auto,
            ChatCompletionToolChoiceOptionString::Required => ModelToolChoice::Required,
            ChatCompletionToolChoiceOptionString::Unknown(other) => {
                return Err(Failure::invalid(format!(
                    "Invalid value: '{other}'. Supported values are: 'none', 'auto' and 'required'."
                ))
                .param("tool_choice")
                .code("invalid_value"))
            }
        },
        Some(ChatCompletionToolChoiceOption::ChatCompletionToolChoice(
            ChatCompletionToolChoice::Function { function },
        )) => ModelToolChoice::Function(function.name.clone()),
        Some(_) => ModelToolChoice::Auto,
    };
    let mut request = ModelRequest::new(messages);
    request.model = r.model.0.clone();
    request.instructions = instructions.join("\n\n");
    request.functions = functions;
    request.tool_choice = tool_choice;
    request.parallel_tool_calls = r.parallel_tool_calls.as_ref().is_none_or(|p| p.0);
    request.tool_outputs = outputs;
    request.format = match &r.response_format {
        Some(ResponseFormat::JsonObject) => ModelFormat::JsonObject,
        Some(ResponseFormat::JsonSchema(s)) => ModelFormat::JsonSchema {
            name: s.name.clone(),
            schema: s
                .schema
                .as_ref()
                .map_or(serde_json::Value::Bool(true), |s| {
                    serde_json::Value::Object(s.0.clone())
                }),
        },
        _ => ModelFormat::Text,
    };
    Ok(request)
}

fn user_message(
    content: &ChatCompletionRequestUserMessageContent,
    i: usize,
    files: &mut Files<'_>,
) -> Result<ModelMessage, Failure> {
    let parts = match content {
        ChatCompletionRequestUserMessageContent::String(s) => {
            return Ok(ModelMessage::new(ModelRole::User, s.clone()))
        }
        ChatCompletionRequestUserMessageContent::Array(parts) => parts,
    };
    let mut texts: Vec<String> = Vec::new();
    let mut images: Vec<ModelImage> = Vec::new();
    for (j, part) in parts.iter().enumerate() {
        match part {
            ChatCompletionRequestUserMessageContentPart::Text { text, .. } => {
                texts.push(text.clone())
            }
            ChatCompletionRequestUserMessageContentPart::ImageUrl { image_url, .. } => {
                images.push(url_image(&image_url.url))
            }
            ChatCompletionRequestUserMessageContentPart::File { file, .. } => {
                let bytes = match (&file.file_id, &file.file_data) {
                    (Some(id), _) => files(id).ok_or_else(|| {
                        Failure::not_found("file", id)
                            .param(format!("messages[{i}].content[{j}].file.file_id"))
                    })?,
                    (None, Some(data)) => Arc::new(
                        data_url_bytes(data)
                            .or_else(|| data_url_bytes(&format!("data:;base64,{data}")))
                            .unwrap_or_default(),
                    ),
                    (None, None) => Arc::default(),
                };
                match std::str::from_utf8(&bytes) {
                    Ok(s) => texts.push(s.to_string()),
                    Err(_) => images.push(ModelImage::Bytes(bytes)),
                }
            }
            ChatCompletionRequestUserMessageContentPart::InputAudio { .. } => {}
            ChatCompletionRequestUserMessageContentPart::Unknown(v) => {
                return Err(explain_variant(
                    v,
                    "type",
                    &format!("messages[{i}].content[{j}]"),
                    &[
                        ("text", &|b, p| parse_at::<TextPartShape>(b, p).map(drop)),
                        ("image_url", &|b, p| {
                            parse_at::<ImagePartShape>(b, p).map(drop)
                        }),
                        ("input_audio", &|b, p| {
                            parse_at::<AudioPartShape>(b, p).map(drop)
                        }),
                        ("file", &|b, p| parse_at::<FilePartShape>(b, p).map(drop)),
                    ],
                ))
            }
        }
    }
    let mut m = ModelMessage::new(ModelRole::User, texts.join("\n\n"));
    m.images = images;
    Ok(m)
}
