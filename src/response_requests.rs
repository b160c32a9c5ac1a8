//! Hand-written constructors and accessors for the Responses family: the common calls in one
//! line (`ResponseCreateRequest::text`, `InputItem::user`, `Tool::function`, ...) and what
//! the official SDKs compute from a response (`output_text`, the function calls, the
//! citations).

use crate::types::*;

#[cfg(feature = "responses")]
impl ResponseCreateRequest {
    /// A request to `model` with `input`: a text, or items (`Vec<InputItem>`).
    ///
    /// ```
    /// use openai_blocking::types::*;
    ///
    /// let request = ResponseCreateRequest {
    ///     instructions: Some("Answer in one sentence.".into()),
    ///     tools: Some(ToolsArray(vec![Tool::file_search(["vs_123"])])),
    ///     ..ResponseCreateRequest::new("gpt-4o-mini", "What is the return policy?")
    /// };
    /// assert_eq!(
    ///     serde_json::to_value(&request).unwrap(),
    ///     serde_json::json!({
    ///         "model": "gpt-4o-mini",
    ///         "input": "What is the return policy?",
    ///         "instructions": "Answer in one sentence.",
    ///         "tools": [{"type": "file_search", "vector_store_ids": ["vs_123"]}]
    ///     })
    /// );
    /// ```
    pub fn new(model: impl Into<String>, input: impl Into<InputParam>) -> Self {
        Self {
            model: Some(ModelIdsResponses(model.into())),
            input: Some(input.into()),
            ..Self::default()
        }
    }

    /// A request to `model` with a text as its only input.
    pub fn text(model: impl Into<String>, text: impl Into<String>) -> Self {
        Self::new(model, InputParam::String(text.into()))
    }
}

#[cfg(feature = "responses")]
impl From<&str> for InputParam {
    fn from(text: &str) -> Self {
        InputParam::String(text.to_owned())
    }
}

#[cfg(feature = "responses")]
impl From<String> for InputParam {
    fn from(text: String) -> Self {
        InputParam::String(text)
    }
}

/// A conversation by id: `conversation: Some(conversation.id.as_str().into())`.
#[cfg(feature = "responses")]
impl From<&str> for ConversationParam {
    fn from(id: &str) -> Self {
        ConversationParam::String(id.to_owned())
    }
}

/// A conversation by id.
#[cfg(feature = "responses")]
impl From<String> for ConversationParam {
    fn from(id: String) -> Self {
        ConversationParam::String(id)
    }
}

#[cfg(feature = "responses")]
impl InputItem {
    /// A message from the user.
    pub fn user(text: impl Into<String>) -> Self {
        Self::message(EasyInputMessageRole::User, text)
    }

    /// Instructions from the developer (they outrank the user's).
    pub fn developer(text: impl Into<String>) -> Self {
        Self::message(EasyInputMessageRole::Developer, text)
    }

    /// A system message.
    pub fn system(text: impl Into<String>) -> Self {
        Self::message(EasyInputMessageRole::System, text)
    }

    /// An earlier answer of the assistant, replayed as context.
    pub fn assistant(text: impl Into<String>) -> Self {
        Self::message(EasyInputMessageRole::Assistant, text)
    }

    /// A message from the user with a text and an image (a URL, or a `data:` URL of the bytes),
    /// at `auto` detail.
    pub fn user_with_image(text: impl Into<String>, image_url: impl Into<String>) -> Self {
        InputItem::EasyInputMessage(EasyInputMessage {
            content: EasyInputMessageContent::InputMessageContentList(InputMessageContentList(
                vec![
                    InputContent::InputText {
                        prompt_cache_breakpoint: None,
                        text: text.into(),
                    },
                    InputContent::InputImage {
                        detail: ImageDetail::Auto,
                        file_id: None,
                        image_url: Some(image_url.into()),
                        prompt_cache_breakpoint: None,
                    },
                ],
            )),
            phase: None,
            role: EasyInputMessageRole::User,
            type_: Some(EasyInputMessageType::Message),
        })
    }

    /// The output of a function the model called (`function_call_output`), answering the
    /// call with id `call_id`.
    pub fn function_call_output(call_id: impl Into<String>, output: impl Into<String>) -> Self {
        InputItem::FunctionCallOutputItemParam(FunctionCallOutputItemParam {
            call_id: Some(call_id.into()),
            caller: None,
            id: None,
            name: None,
            namespace: None,
            output: FunctionCallOutputItemParamOutput::String(output.into()),
            status: None,
            type_: FunctionCallOutputItemParamType::FunctionCallOutput,
        })
    }

    fn message(role: EasyInputMessageRole, text: impl Into<String>) -> Self {
        InputItem::EasyInputMessage(EasyInputMessage {
            content: EasyInputMessageContent::String(text.into()),
            phase: None,
            role,
            type_: Some(EasyInputMessageType::Message),
        })
    }
}

#[cfg(feature = "responses")]
impl Tool {
    /// A function the model may call: its name, what it does, and its parameters as a JSON
    /// Schema object (`{"type": "object", "properties": {...}}`); anything but an object
    /// leaves the parameters unset.
    pub fn function(
        name: impl Into<String>,
        description: impl Into<String>,
        parameters: serde_json::Value,
    ) -> Self {
        Tool::Function {
            allowed_callers: None,
            defer_loading: None,
            description: Some(description.into()),
            name: name.into(),
            output_schema: None,
            parameters: match parameters {
                serde_json::Value::Object(map) => Some(FunctionToolParameters(map)),
                _ => None,
            },
            strict: None,
        }
    }

    /// File search over these vector stores.
    pub fn file_search<S: Into<String>>(vector_store_ids: impl IntoIterator<Item = S>) -> Self {
        Tool::FileSearch {
            filters: None,
            max_num_results: None,
            ranking_options: None,
            vector_store_ids: vector_store_ids.into_iter().map(Into::into).collect(),
        }
    }
}

/// A function call of a response: call it, then send its output back with
/// [`InputItem::function_call_output`].
#[cfg(feature = "responses")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FunctionCall<'r> {
    /// The id to answer with.
    pub call_id: &'r str,
    /// The function's name.
    pub name: &'r str,
    /// Its arguments, a JSON object as text.
    pub arguments: &'r str,
}

#[cfg(feature = "responses")]
impl ResponseObject {
    /// The text of every `output_text` part of the response's messages, joined: the answer,
    /// as the official SDKs' `output_text` gives it.
    pub fn output_text(&self) -> String {
        let mut out = String::new();
        for text in self.output_texts() {
            out.push_str(text);
        }
        out
    }

    /// The function calls the response asks for, in order.
    pub fn function_calls(&self) -> Vec<FunctionCall<'_>> {
        self.output
            .iter()
            .filter_map(|item| match item {
                OutputItem::FunctionCall {
                    arguments,
                    call_id,
                    name,
                    ..
                } => Some(FunctionCall {
                    call_id,
                    name,
                    arguments,
                }),
                _ => None,
            })
            .collect()
    }

    /// The annotations of the response's text: file citations of a file search, URL
    /// citations of a web search, file paths.
    pub fn citations(&self) -> Vec<&Annotation> {
        self.output_parts()
            .flat_map(|part| match part {
                OutputMessageContent::OutputText { annotations, .. } => annotations.iter(),
                _ => [].iter(),
            })
            .collect()
    }

    fn output_parts(&self) -> impl Iterator<Item = &OutputMessageContent> {
        self.output.iter().flat_map(|item| match item {
            OutputItem::Message { content, .. } => content.iter(),
            _ => [].iter(),
        })
    }

    fn output_texts(&self) -> impl Iterator<Item = &str> {
        self.output_parts().filter_map(|part| match part {
            OutputMessageContent::OutputText { text, .. } => Some(text.as_str()),
            _ => None,
        })
    }
}

#[cfg(feature = "embeddings")]
impl EmbeddingCreateRequest {
    /// Embeddings of one text by `model`.
    pub fn new(model: impl Into<String>, input: impl Into<String>) -> Self {
        Self {
            dimensions: None,
            encoding_format: None,
            input: EmbeddingCreateRequestInput::Variant0(input.into()),
            model: model.into(),
            user: None,
        }
    }

    /// Embeddings of several texts by `model`, one per text, in order.
    pub fn batch<S: Into<String>>(
        model: impl Into<String>,
        inputs: impl IntoIterator<Item = S>,
    ) -> Self {
        Self {
            input: EmbeddingCreateRequestInput::Variant1(
                inputs.into_iter().map(Into::into).collect(),
            ),
            ..Self::new(model, "")
        }
    }
}

#[cfg(feature = "moderations")]
impl ModerationCreateRequest {
    /// A moderation of one text with the default model.
    pub fn new(input: impl Into<String>) -> Self {
        Self {
            input: ModerationCreateRequestInput::Variant0(input.into()),
            model: None,
        }
    }
}

#[cfg(feature = "responses")]
impl ResponseCompactRequest {
    /// A compaction by `model` of the conversation that led to `previous_response_id`.
    pub fn new(model: impl Into<String>, previous_response_id: impl Into<String>) -> Self {
        Self {
            input: None,
            instructions: None,
            model: ModelIdsCompaction(Some(model.into())),
            previous_response_id: Some(previous_response_id.into()),
            prompt_cache_key: None,
            prompt_cache_options: None,
            prompt_cache_retention: None,
            service_tier: None,
        }
    }
}
