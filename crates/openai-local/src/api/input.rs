//! Input items of the Responses and Conversations APIs, read from the request: messages
//! (text, images, files), function calls, their outputs, file searches and item references.
//! Each bad field is a 400 naming its path (`input[2].content[0].type`).

use serde::Deserialize;

use openai_blocking::types::*;

use super::super::http::Failure;
use super::super::items::Body;
use super::super::json::{explain_variant, parse_at};

/// An item given in a request, with its path in the request.
#[derive(Clone, Debug)]
pub(super) struct Given {
    pub param: String,
    pub what: GivenItem,
}

/// What an item given in a request is.
#[derive(Clone, Debug)]
pub(super) enum GivenItem {
    /// A new item.
    New(Body),
    /// An item the engine already holds, by id (`item_reference`).
    Reference(String),
}

/// The fields of a message, to explain why one did not decode.
#[derive(Deserialize)]
struct MessageShape {
    #[serde(rename = "role")]
    _role: String,
    #[serde(rename = "content")]
    _content: EasyInputMessageContent,
}

/// The fields of a text part, to explain why one did not decode.
#[derive(Deserialize)]
struct TextShape {
    #[serde(rename = "text")]
    _text: String,
}

/// The fields of an image part.
#[derive(Deserialize)]
struct ImageShape {
    #[serde(rename = "detail")]
    _detail: ImageDetail,
}

/// The fields of a refusal part.
#[derive(Deserialize)]
struct RefusalShape {
    #[serde(rename = "refusal")]
    _refusal: String,
}

/// The fields of a function call item.
#[derive(Deserialize)]
struct FunctionCallShape {
    #[serde(rename = "call_id")]
    _call_id: String,
    #[serde(rename = "name")]
    _name: String,
    #[serde(rename = "arguments")]
    _arguments: String,
}

/// The fields of a function call output item.
#[derive(Deserialize)]
struct OutputShape {
    #[serde(rename = "call_id")]
    _call_id: String,
    #[serde(rename = "output")]
    _output: FunctionCallOutputItemParamOutput,
}

/// The fields of a file search call item.
#[derive(Deserialize)]
struct QueriesShape {
    #[serde(rename = "queries")]
    _queries: Vec<String>,
}

/// The fields of an item reference.
#[derive(Deserialize)]
struct IdShape {
    #[serde(rename = "id")]
    _id: String,
}

/// A request's `input`: a text (one user message) or items. `raw` is the request's JSON
/// (see [`parse_items`]).
pub(super) fn parse_input(
    input: &InputParam,
    raw: &serde_json::Value,
) -> Result<Vec<Given>, Failure> {
    match input {
        InputParam::String(text) => Ok(vec![Given {
            param: "input".into(),
            what: GivenItem::New(Body::user_text(text)),
        }]),
        InputParam::Array(items) => parse_items(items, raw.get("input"), "input"),
    }
}

/// Items given at `prefix` (`input`, `items`). `raw` is the same list as JSON: the generated
/// union decodes an `item_reference` as another kind of item without its id, so references
/// are read there.
pub(super) fn parse_items(
    items: &[InputItem],
    raw: Option<&serde_json::Value>,
    prefix: &str,
) -> Result<Vec<Given>, Failure> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let param = format!("{prefix}[{i}]");
            let raw = raw.and_then(|r| r.get(i));
            let what = match raw.filter(|r| r.get("type").is_some_and(|t| t == "item_reference")) {
                Some(r) => match r.get("id").and_then(|id| id.as_str()) {
                    Some(id) => GivenItem::Reference(id.to_string()),
                    None => return Err(missing(&format!("{param}.id"))),
                },
                None => parse_item(item, &param)?,
            };
            Ok(Given { param, what })
        })
        .collect()
}

fn parse_item(item: &InputItem, p: &str) -> Result<GivenItem, Failure> {
    let body = match item {
        InputItem::EasyInputMessage(m) => {
            if let Some(EasyInputMessageType::Unknown(t)) = &m.type_ {
                return Err(bad_value(&format!("{p}.type"), t, &["message"]));
            }
            let role = match &m.role {
                EasyInputMessageRole::User => MessageRole::User,
                EasyInputMessageRole::Assistant => MessageRole::Assistant,
                EasyInputMessageRole::System => MessageRole::System,
                EasyInputMessageRole::Developer => MessageRole::Developer,
                EasyInputMessageRole::Unknown(r) => {
                    return Err(bad_value(
                        &format!("{p}.role"),
                        r,
                        &["user", "assistant", "system", "developer"],
                    ))
                }
            };
            let content = match &m.content {
                EasyInputMessageContent::String(text) => vec![text_part(&role, text)],
                EasyInputMessageContent::InputMessageContentList(parts) => {
                    parts_of(&parts.0, &role, p)?
                }
            };
            message(role, content)
        }
        InputItem::InputMessage(m) => {
            let role = match &m.role {
                InputMessageRole::User => MessageRole::User,
                InputMessageRole::System => MessageRole::System,
                InputMessageRole::Developer => MessageRole::Developer,
                InputMessageRole::Unknown(r) => {
                    return Err(bad_value(
                        &format!("{p}.role"),
                        r,
                        &["user", "assistant", "system", "developer"],
                    ))
                }
            };
            let content = parts_of(&m.content.0, &role, p)?;
            message(role, content)
        }
        InputItem::OutputMessage(m) => {
            let mut content = Vec::new();
            for (j, part) in m.content.iter().enumerate() {
                content.push(match part {
                    OutputMessageContent::OutputText {
                        annotations,
                        logprobs,
                        text,
                    } => ItemContent::OutputText {
                        annotations: annotations.clone(),
                        logprobs: logprobs.clone(),
                        text: text.clone(),
                    },
                    OutputMessageContent::Refusal { refusal } => ItemContent::Refusal {
                        refusal: refusal.clone(),
                    },
                    OutputMessageContent::Unknown(v) => {
                        return Err(explain_output_part(v, &format!("{p}.content[{j}]")))
                    }
                });
            }
            message(MessageRole::Assistant, content)
        }
        InputItem::FunctionToolCall(c) => Body::FunctionCall {
            call_id: c.call_id.clone(),
            name: c.name.clone(),
            arguments: c.arguments.clone(),
        },
        InputItem::FunctionCallOutputItemParam(o) => {
            let call_id = o
                .call_id
                .clone()
                .ok_or_else(|| missing(&format!("{p}.call_id")))?;
            let output = match &o.output {
                FunctionCallOutputItemParamOutput::String(s) => s.clone(),
                FunctionCallOutputItemParamOutput::Array(parts) => parts
                    .iter()
                    .filter_map(|part| match part {
                        InputContentParam::InputText { text, .. } => Some(text.as_str()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            };
            Body::FunctionCallOutput { call_id, output }
        }
        InputItem::FileSearchToolCall(f) => Body::FileSearchCall {
            queries: f.queries.clone(),
            results: f.results.clone().unwrap_or_default(),
        },
        InputItem::ItemReferenceParam(r) => return Ok(GivenItem::Reference(r.id.clone())),
        InputItem::Unknown(v) => return Err(explain_item(v, p)),
        other => {
            let value = serde_json::to_value(other).unwrap_or_default();
            let kind = value["type"].as_str().unwrap_or("unknown").to_string();
            return Err(Failure::invalid(format!(
                "The local engine does not take '{kind}' items: give messages, function calls, function call outputs, file search calls or item references."
            ))
            .param(format!("{p}.type"))
            .code("unsupported_value"));
        }
    };
    Ok(GivenItem::New(body))
}

fn message(role: MessageRole, content: Vec<ItemContent>) -> Body {
    Body::Message {
        role,
        content,
        status: MessageStatus::Completed,
    }
}

/// A text part: output text in an assistant's message, input text in the others.
fn text_part(role: &MessageRole, text: &str) -> ItemContent {
    if *role == MessageRole::Assistant {
        ItemContent::OutputText {
            annotations: Vec::new(),
            logprobs: Some(Vec::new()),
            text: text.to_string(),
        }
    } else {
        ItemContent::InputText {
            prompt_cache_breakpoint: None,
            text: text.to_string(),
        }
    }
}

/// The parts of a message given as a list.
fn parts_of(
    parts: &[InputContent],
    role: &MessageRole,
    p: &str,
) -> Result<Vec<ItemContent>, Failure> {
    let mut out = Vec::new();
    for (j, part) in parts.iter().enumerate() {
        let at = format!("{p}.content[{j}]");
        out.push(match part {
            InputContent::InputText { text, .. } => text_part(role, text),
            InputContent::InputImage {
                detail,
                file_id,
                image_url,
                ..
            } => {
                if file_id.is_none() && image_url.is_none() {
                    return Err(Failure::invalid(format!(
                        "An input image needs 'image_url' or 'file_id' ({at})."
                    ))
                    .param(format!("{at}.image_url"))
                    .code("missing_required_parameter"));
                }
                ItemContent::InputImage {
                    detail: detail.clone(),
                    file_id: file_id.clone(),
                    image_url: image_url.clone(),
                    prompt_cache_breakpoint: None,
                }
            }
            InputContent::InputFile {
                detail,
                file_data,
                file_id,
                file_url,
                filename,
                ..
            } => {
                if file_id.is_none() && file_data.is_none() && file_url.is_none() {
                    return Err(Failure::invalid(format!(
                        "An input file needs 'file_id', 'file_data' or 'file_url' ({at})."
                    ))
                    .param(format!("{at}.file_id"))
                    .code("missing_required_parameter"));
                }
                ItemContent::InputFile {
                    detail: detail.clone(),
                    file_data: file_data.clone(),
                    file_id: file_id.clone(),
                    file_url: file_url.clone(),
                    filename: filename.clone(),
                    prompt_cache_breakpoint: None,
                }
            }
            InputContent::Unknown(v) if *role == MessageRole::Assistant => {
                match serde_json::from_value::<OutputMessageContent>(v.clone()) {
                    Ok(OutputMessageContent::OutputText {
                        annotations,
                        logprobs,
                        text,
                    }) => ItemContent::OutputText {
                        annotations,
                        logprobs,
                        text,
                    },
                    Ok(OutputMessageContent::Refusal { refusal }) => {
                        ItemContent::Refusal { refusal }
                    }
                    _ => return Err(explain_output_part(v, &at)),
                }
            }
            InputContent::Unknown(v) => {
                return Err(explain_variant(
                    v,
                    "type",
                    &at,
                    &[
                        ("input_text", &|b, p| parse_at::<TextShape>(b, p).map(drop)),
                        ("input_image", &|b, p| {
                            parse_at::<ImageShape>(b, p).map(drop)
                        }),
                        ("input_file", &|_, _| Ok(())),
                    ],
                ))
            }
        });
    }
    Ok(out)
}

/// Why a part of an assistant's message did not decode.
fn explain_output_part(v: &serde_json::Value, at: &str) -> Failure {
    explain_variant(
        v,
        "type",
        at,
        &[
            ("output_text", &|b, p| parse_at::<TextShape>(b, p).map(drop)),
            ("refusal", &|b, p| parse_at::<RefusalShape>(b, p).map(drop)),
        ],
    )
}

/// Why an item decoded as none of the known kinds.
fn explain_item(v: &serde_json::Value, p: &str) -> Failure {
    if v.get("type").is_none() && v.get("role").is_some() {
        let bytes = serde_json::to_vec(v).unwrap_or_default();
        if let Err(f) = parse_at::<MessageShape>(&bytes, p) {
            return f;
        }
    }
    explain_variant(
        v,
        "type",
        p,
        &[
            ("message", &|b, p| parse_at::<MessageShape>(b, p).map(drop)),
            ("function_call", &|b, p| {
                parse_at::<FunctionCallShape>(b, p).map(drop)
            }),
            ("function_call_output", &|b, p| {
                parse_at::<OutputShape>(b, p).map(drop)
            }),
            ("file_search_call", &|b, p| {
                parse_at::<QueriesShape>(b, p).map(drop)
            }),
            ("item_reference", &|b, p| {
                parse_at::<IdShape>(b, p).map(drop)
            }),
        ],
    )
}

fn missing(param: &str) -> Failure {
    Failure::invalid(format!("Missing required parameter: '{param}'."))
        .param(param)
        .code("missing_required_parameter")
}

/// A 400 for a value not among `supported`.
pub(super) fn bad_value(param: &str, given: &str, supported: &[&str]) -> Failure {
    let names: Vec<String> = supported.iter().map(|s| format!("'{s}'")).collect();
    Failure::invalid(format!(
        "Invalid value: '{given}'. Supported values are: {}.",
        names.join(", ")
    ))
    .param(param)
    .code("invalid_value")
}
