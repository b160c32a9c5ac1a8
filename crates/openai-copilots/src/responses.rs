//! The Responses backend (the default): documents in the request when they fit, else in a
//! vector store searched with `file_search`; a chat's context in a Conversation; images as
//! `input_image` parts.

use base64::Engine as _;

use crate::assistants::{delete, store_documents, strip_citation_markers};
use crate::completions::{estimate_tokens, prompt_budget};
use crate::documents::Loaded;
use crate::streamed::TextSink;
use crate::{
    CommonOptions, CopilotBackend, CopilotContext, CopilotError, DocumentDelivery, MAX_INLINE_BYTES,
};
use openai_blocking::types::*;
use openai_blocking::*;

/// The documents as the model gets them.
pub(crate) enum Delivery {
    /// Parts of a user message: PDFs as `input_file`, text as `input_text`.
    Inline(Vec<InputContent>),
    /// In a vector store (not made yet), searched with `file_search`.
    FileSearch,
}

/// Applies the [`DocumentDelivery`] rule to the documents.
pub(crate) fn deliver(
    common: &CommonOptions,
    documents: &[Loaded],
) -> Result<Delivery, CopilotError> {
    let inline = match common.document_delivery {
        DocumentDelivery::Inline => true,
        DocumentDelivery::FileSearch => false,
        DocumentDelivery::Auto => fits(common, documents)?,
    };
    if !inline {
        return Ok(Delivery::FileSearch);
    }
    documents
        .iter()
        .map(part)
        .collect::<Result<_, _>>()
        .map(Delivery::Inline)
}

/// Whether the documents go in the request under [`DocumentDelivery::Auto`]: few enough,
/// small enough, and their text within the inline token limit.
fn fits(common: &CommonOptions, documents: &[Loaded]) -> Result<bool, CopilotError> {
    if documents.len() > common.max_inline_documents {
        return Ok(false);
    }
    let bytes: usize = documents
        .iter()
        .map(|d| match d {
            Loaded::Pdf(pdf) => pdf.bytes().len(),
            _ => 0,
        })
        .sum();
    if bytes > MAX_INLINE_BYTES {
        return Ok(false);
    }
    let limit = common
        .max_inline_tokens
        .unwrap_or_else(|| prompt_budget(common) / 2);
    let mut tokens = 0;
    for document in documents {
        tokens += estimate_tokens(&document.text()?);
        if tokens > limit {
            return Ok(false);
        }
    }
    Ok(true)
}

/// One document as a part of a message.
fn part(document: &Loaded) -> Result<InputContent, CopilotError> {
    Ok(match document {
        Loaded::Pdf(pdf) => InputContent::InputFile {
            detail: None,
            file_data: Some(format!(
                "data:application/pdf;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(pdf.bytes())
            )),
            file_id: None,
            file_url: None,
            filename: Some(pdf.file_name().to_owned()),
            prompt_cache_breakpoint: None,
        },
        _ => text_part(format!(
            "### Document: {}\n\n{}",
            document.name(),
            document.text()?.trim()
        )),
    })
}

fn text_part(text: impl Into<String>) -> InputContent {
    InputContent::InputText {
        prompt_cache_breakpoint: None,
        text: text.into(),
    }
}

/// A user message made of parts.
fn user(content: Vec<InputContent>) -> InputItem {
    InputItem::EasyInputMessage(EasyInputMessage {
        content: EasyInputMessageContent::InputMessageContentList(InputMessageContentList(content)),
        phase: None,
        role: EasyInputMessageRole::User,
        type_: Some(EasyInputMessageType::Message),
    })
}

/// A request with the copilot's model, sampling options and instructions.
fn request(
    common: &CommonOptions,
    instructions: &str,
    input: Vec<InputItem>,
) -> ResponseCreateRequest {
    ResponseCreateRequest {
        instructions: Some(instructions.to_owned()),
        temperature: common.temperature,
        top_p: common.top_p,
        max_output_tokens: common.max_completion_tokens,
        ..ResponseCreateRequest::new(&common.model, InputParam::Array(input))
    }
}

/// Sends the request (streamed to `sink` when there is one) and returns the answer's text
/// without citation markers.
fn answer(
    client: &OpenAIClient,
    request: &ResponseCreateRequest,
    sink: Option<&mut TextSink<'_>>,
) -> Result<String, CopilotError> {
    let response = match sink {
        None => client.create_response(request)?,
        Some(sink) => {
            let mut stream = client.create_response_stream(request)?;
            for delta in stream.text_deltas() {
                sink.push(&delta?);
            }
            sink.finish();
            stream.until_done()?.clone()
        }
    };
    let text = strip_citation_markers(&response.output_text());
    if text.trim().is_empty() {
        return Err(CopilotError::NoAnswer {
            reason: no_answer_reason(&response),
        });
    }
    Ok(text)
}

/// Why a response has no text: its status, and the reason or error the server gave.
fn no_answer_reason(response: &ResponseObject) -> String {
    let json = serde_json::to_value(response).unwrap_or_default();
    let status = json["status"].as_str().unwrap_or("unknown");
    let why = json["incomplete_details"]["reason"]
        .as_str()
        .or_else(|| json["error"]["message"].as_str());
    match why {
        Some(why) => format!("response {status}: {why}"),
        None => format!("response {status} with no output text"),
    }
}

/// A summary in one response: the documents inline, or searched in a vector store made for
/// it and deleted afterwards (whether the response succeeded or not). Nothing is stored.
pub(crate) fn summarize(
    client: &OpenAIClient,
    common: &CommonOptions,
    instructions: &str,
    prompt: &str,
    documents: &[Loaded],
    sink: Option<&mut TextSink<'_>>,
) -> Result<String, CopilotError> {
    match deliver(common, documents)? {
        Delivery::Inline(parts) => {
            let mut content = vec![text_part(prompt)];
            content.extend(parts);
            let mut request = request(common, instructions, vec![user(content)]);
            request.store = Some(false);
            answer(client, &request, sink)
        }
        Delivery::FileSearch => {
            let name = common
                .assistant_name
                .as_deref()
                .unwrap_or("Summary copilot");
            let mut context = CopilotContext::new(CopilotBackend::Responses);
            let result =
                store_documents(client, name, Some(1), documents, &mut context).and_then(|store| {
                    let mut request = request(common, instructions, vec![InputItem::user(prompt)]);
                    request.tools = Some(vec![Tool::file_search([store])].into());
                    request.store = Some(false);
                    answer(client, &request, sink)
                });
            let cleanup = delete(client, &mut context);
            let answer = result?;
            cleanup?;
            Ok(answer)
        }
    }
}

/// Opens a chat: a Conversation that holds the documents when they go inline, else a vector
/// store for `file_search` and an empty Conversation. On failure everything already created
/// is deleted again.
pub(crate) fn open(
    client: &OpenAIClient,
    common: &CommonOptions,
    name: &str,
    expire_days: Option<u32>,
    documents: &[Loaded],
) -> Result<CopilotContext, CopilotError> {
    let mut context = CopilotContext::new(CopilotBackend::Responses);
    let mut build = || -> Result<(), CopilotError> {
        let items = match deliver(common, documents)? {
            Delivery::Inline(parts) => {
                let mut content = vec![text_part("The documents of this conversation:")];
                content.extend(parts);
                Some(vec![user(content)])
            }
            Delivery::FileSearch => {
                store_documents(client, name, expire_days, documents, &mut context)?;
                None
            }
        };
        let conversation = client.create_conversation(&ConversationCreateRequest {
            items,
            metadata: None,
        })?;
        context.conversation_id = Some(conversation.id);
        Ok(())
    };
    match build() {
        Ok(()) => Ok(context),
        Err(e) => {
            // The first error is the one worth reporting; clean-up is best effort.
            let _ = delete(client, &mut context);
            Err(e)
        }
    }
}

/// Asks `messages` in the chat's Conversation (the server keeps the history and trims the
/// oldest turns when it outgrows the model's context).
pub(crate) fn ask(
    client: &OpenAIClient,
    context: &CopilotContext,
    common: &CommonOptions,
    instructions: &str,
    messages: &[String],
    sink: Option<&mut TextSink<'_>>,
) -> Result<String, CopilotError> {
    let Some(conversation) = &context.conversation_id else {
        return Err(CopilotError::Document {
            name: "context".into(),
            message: "the context has no conversation".into(),
        });
    };
    let input = messages.iter().map(InputItem::user).collect();
    let mut request = request(common, instructions, input);
    request.conversation = Some(conversation.as_str().into());
    request.truncation = Some(ResponseCreateRequestTruncation::Auto);
    if let Some(store) = &context.vector_store_id {
        request.tools = Some(vec![Tool::file_search([store.as_str()])].into());
    }
    answer(client, &request, sink)
}

/// One image description: the prompt and the image (a data URL) as `input_image`, not
/// stored.
pub(crate) fn describe_image(
    client: &OpenAIClient,
    common: &CommonOptions,
    instructions: &str,
    prompt: &str,
    image_url: String,
    detail: crate::ImageDetail,
) -> Result<String, CopilotError> {
    let request = image_request(common, instructions, prompt, image_url, detail);
    answer(client, &request, None)
}

/// The request describing one image (also a batch line's body).
pub(crate) fn image_request(
    common: &CommonOptions,
    instructions: &str,
    prompt: &str,
    image_url: String,
    detail: crate::ImageDetail,
) -> ResponseCreateRequest {
    let detail = match detail {
        crate::ImageDetail::Auto => ImageDetail::Auto,
        crate::ImageDetail::Low => ImageDetail::Low,
        crate::ImageDetail::High => ImageDetail::High,
    };
    let content = vec![
        text_part(prompt),
        InputContent::InputImage {
            detail,
            file_id: None,
            image_url: Some(image_url),
            prompt_cache_breakpoint: None,
        },
    ];
    let mut request = request(common, instructions, vec![user(content)]);
    request.store = Some(false);
    request
}
