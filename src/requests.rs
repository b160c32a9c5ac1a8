//! Small constructors for the common requests, next to the generated types: the generated
//! structs have public fields, so anything beyond these is a struct update away
//! (`RunCreateRequest { instructions: Some(..), ..RunCreateRequest::new("asst_1") }`).

use crate::types::*;

#[cfg(feature = "assistants")]
impl ThreadMessageCreateRequest {
    /// A user message with plain text.
    pub fn user(text: impl Into<String>) -> Self {
        Self::text(ThreadMessageCreateRequestRole::User, text)
    }

    /// An assistant message with plain text (to seed a conversation).
    pub fn assistant(text: impl Into<String>) -> Self {
        Self::text(ThreadMessageCreateRequestRole::Assistant, text)
    }

    fn text(role: ThreadMessageCreateRequestRole, text: impl Into<String>) -> Self {
        Self {
            attachments: None,
            content: ThreadMessageCreateRequestContent::String(text.into()),
            metadata: None,
            role,
        }
    }

    /// Attaches an uploaded file, made available to the given tools.
    pub fn with_attachment(
        mut self,
        file_id: impl Into<String>,
        tools: Vec<AttachmentTool>,
    ) -> Self {
        self.attachments.get_or_insert_with(Vec::new).push(
            ThreadMessageCreateRequestAttachmentsItem {
                file_id: Some(file_id.into()),
                tools: Some(tools),
            },
        );
        self
    }
}

#[cfg(feature = "assistants")]
impl RunCreateRequest {
    /// A run of the given assistant with its own settings.
    pub fn new(assistant_id: impl Into<String>) -> Self {
        Self {
            assistant_id: assistant_id.into(),
            additional_instructions: None,
            additional_messages: None,
            instructions: None,
            max_completion_tokens: None,
            max_prompt_tokens: None,
            metadata: None,
            model: None,
            parallel_tool_calls: None,
            reasoning_effort: None,
            response_format: None,
            stream: None,
            temperature: None,
            tool_choice: None,
            tools: None,
            top_p: None,
            truncation_strategy: None,
        }
    }
}

#[cfg(feature = "assistants")]
impl RunThreadCreateRequest {
    /// A new thread, run by the given assistant; add `thread` for its first messages.
    pub fn new(assistant_id: impl Into<String>) -> Self {
        Self {
            assistant_id: assistant_id.into(),
            instructions: None,
            max_completion_tokens: None,
            max_prompt_tokens: None,
            metadata: None,
            model: None,
            parallel_tool_calls: None,
            response_format: None,
            stream: None,
            temperature: None,
            thread: None,
            tool_choice: None,
            tool_resources: None,
            tools: None,
            top_p: None,
            truncation_strategy: None,
        }
    }
}

#[cfg(feature = "assistants")]
impl AssistantCreateRequest {
    /// An assistant on the given model, with no tools or instructions yet.
    pub fn new(model: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            description: None,
            instructions: None,
            metadata: None,
            name: None,
            reasoning_effort: None,
            response_format: None,
            temperature: None,
            tool_resources: None,
            tools: None,
            top_p: None,
        }
    }
}

#[cfg(feature = "assistants")]
impl AssistantTool {
    /// The file search tool with the server's default settings.
    pub fn file_search() -> Self {
        AssistantTool::FileSearch { file_search: None }
    }
}

#[cfg(feature = "chat")]
impl ChatCompletionRequestMessage {
    /// A user message with plain text.
    pub fn user(text: impl Into<String>) -> Self {
        Self::User {
            content: ChatCompletionRequestUserMessageContent::String(text.into()),
            name: None,
        }
    }

    /// A system message with plain text.
    pub fn system(text: impl Into<String>) -> Self {
        Self::System {
            content: ChatCompletionRequestSystemMessageContent::String(text.into()),
            name: None,
        }
    }

    /// A developer message with plain text.
    pub fn developer(text: impl Into<String>) -> Self {
        Self::Developer {
            content: ChatCompletionRequestDeveloperMessageContent::String(text.into()),
            name: None,
        }
    }

    /// An earlier assistant reply with plain text (for conversation history).
    pub fn assistant(text: impl Into<String>) -> Self {
        Self::Assistant {
            audio: None,
            content: Some(ChatCompletionRequestAssistantMessageContent::String(
                text.into(),
            )),
            function_call: None,
            name: None,
            refusal: None,
            tool_calls: None,
        }
    }
}

#[cfg(feature = "chat")]
impl CompletionCreateRequest {
    /// A chat completion request for the given model and messages.
    pub fn new(model: impl Into<String>, messages: Vec<ChatCompletionRequestMessage>) -> Self {
        Self {
            model: ModelIdsShared(model.into()),
            messages,
            audio: None,
            frequency_penalty: None,
            function_call: None,
            functions: None,
            logit_bias: None,
            logprobs: None,
            max_completion_tokens: None,
            max_tokens: None,
            metadata: None,
            modalities: None,
            moderation: None,
            n: None,
            parallel_tool_calls: None,
            prediction: None,
            presence_penalty: None,
            prompt_cache_key: None,
            prompt_cache_options: None,
            prompt_cache_retention: None,
            reasoning_effort: None,
            response_format: None,
            safety_identifier: None,
            seed: None,
            service_tier: None,
            stop: None,
            store: None,
            stream: None,
            stream_options: None,
            temperature: None,
            tool_choice: None,
            tools: None,
            top_logprobs: None,
            top_p: None,
            user: None,
            verbosity: None,
            web_search_options: None,
        }
    }
}

#[cfg(feature = "vector-stores")]
impl VectorStoreCreateRequest {
    /// A named vector store filled with already uploaded files.
    pub fn new(name: impl Into<String>, file_ids: Vec<String>) -> Self {
        Self {
            name: Some(name.into()),
            file_ids: Some(file_ids),
            ..Self::default()
        }
    }
}

#[cfg(feature = "vector-stores")]
impl VectorStoreFileCreateRequest {
    /// Attaches an uploaded file with the default chunking.
    pub fn new(file_id: impl Into<String>) -> Self {
        Self {
            file_id: file_id.into(),
            attributes: None,
            chunking_strategy: None,
        }
    }
}

#[cfg(feature = "vector-stores")]
impl VectorStoreFileBatchCreateRequest {
    /// Attaches several uploaded files with the default chunking.
    pub fn new(file_ids: Vec<String>) -> Self {
        Self::Variant0 {
            attributes: None,
            chunking_strategy: None,
            file_ids,
        }
    }
}

#[cfg(feature = "assistants")]
impl SubmitToolOutputsRequest {
    /// Outputs as `(tool_call_id, output)` pairs.
    pub fn new<I, K, V>(outputs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self {
            stream: None,
            tool_outputs: outputs
                .into_iter()
                .map(|(id, out)| SubmitToolOutputsRequestToolOutputsItem {
                    tool_call_id: Some(id.into()),
                    output: Some(out.into()),
                })
                .collect(),
        }
    }
}

#[cfg(feature = "assistants")]
impl ThreadMessageResponse {
    /// The text parts of the message, in order, joined by a blank line.
    pub fn text(&self) -> String {
        let parts: Vec<&str> = self
            .content
            .iter()
            .filter_map(|c| match c {
                MessageContent::Text { text } => Some(text.value.as_str()),
                _ => None,
            })
            .collect();
        parts.join("\n\n")
    }
}

#[cfg(feature = "chat")]
impl CompletionResponse {
    /// The text of the first choice, if it has any.
    pub fn text(&self) -> Option<&str> {
        self.choices.first()?.message.content.as_deref()
    }
}

#[cfg(feature = "assistants")]
impl AssistantCreateRequestToolResources {
    /// File search over the given vector stores.
    pub fn file_search(vector_store_ids: Vec<String>) -> Self {
        Self {
            code_interpreter: None,
            file_search: Some(AssistantCreateRequestToolResourcesFileSearch::Variant0 {
                vector_store_ids,
            }),
        }
    }
}
