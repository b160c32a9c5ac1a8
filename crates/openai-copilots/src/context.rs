//! A copilot's conversation context: the server-side objects it made, or its chat history.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{CopilotBackend, CopilotError};
use openai_blocking::ChatCompletionRequestMessage;

/// What a copilot conversation holds: the ids of the objects it created on the server
/// (a conversation, vector store and files on the Responses backend; an assistant, thread,
/// vector store and files on the Assistants backend) or the message history (chat
/// completions). Saved as JSON by
/// [`ChatCopilot::save_context`](crate::ChatCopilot::save_context).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CopilotContext {
    /// The backend the conversation lives on.
    pub backend: CopilotBackend,
    /// The Conversation holding the chat (Responses backend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// The assistant created for the conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assistant_id: Option<String>,
    /// The thread holding the conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// The vector store holding the documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vector_store_id: Option<String>,
    /// The uploaded documents.
    #[serde(default)]
    pub file_ids: Vec<String>,
    /// The conversation so far (chat completions backend).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<ChatCompletionRequestMessage>,
}

impl CopilotContext {
    /// An empty context on `backend`.
    pub fn new(backend: CopilotBackend) -> Self {
        CopilotContext {
            backend,
            ..Default::default()
        }
    }

    /// Whether any object on the server belongs to this context.
    pub fn has_server_objects(&self) -> bool {
        self.conversation_id.is_some()
            || self.assistant_id.is_some()
            || self.thread_id.is_some()
            || self.vector_store_id.is_some()
            || !self.file_ids.is_empty()
    }

    /// The server objects of the context, named for people: `conversation conv_abc`,
    /// `thread thread_abc`, `assistant asst_abc`, `vector store vs_abc`, `file file-abc`, in
    /// that order.
    pub fn server_objects(&self) -> Vec<String> {
        let mut out = Vec::new();
        out.extend(
            self.conversation_id
                .iter()
                .map(|id| format!("conversation {id}")),
        );
        out.extend(self.thread_id.iter().map(|id| format!("thread {id}")));
        out.extend(self.assistant_id.iter().map(|id| format!("assistant {id}")));
        out.extend(
            self.vector_store_id
                .iter()
                .map(|id| format!("vector store {id}")),
        );
        out.extend(self.file_ids.iter().map(|id| format!("file {id}")));
        out
    }

    /// Writes the context as pretty JSON.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), CopilotError> {
        let path = path.as_ref();
        let json = serde_json::to_vec_pretty(self).map_err(|e| CopilotError::Context {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        crate::output::write_atomically(path, &json)
    }

    /// Reads a context written by [`save`](Self::save).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, CopilotError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| CopilotError::io(path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| CopilotError::Context {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_context_round_trips_through_its_file_and_junk_is_rejected() {
        let dir = std::env::temp_dir().join(format!("copilot-ctx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ctx.json");
        let context = CopilotContext {
            backend: CopilotBackend::Assistants,
            conversation_id: Some("conv_1".into()),
            assistant_id: Some("asst_1".into()),
            thread_id: Some("thread_1".into()),
            vector_store_id: Some("vs_1".into()),
            file_ids: vec!["file_1".into(), "file_2".into()],
            history: vec![ChatCompletionRequestMessage::user("hi")],
        };
        context.save(&path).unwrap();
        assert_eq!(CopilotContext::load(&path).unwrap(), context);
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(json["backend"], "assistants");
        assert_eq!(json["file_ids"][1], "file_2");

        // Empty and unset values come back as they were (the file leaves them out).
        let empty = CopilotContext::new(CopilotBackend::ChatCompletions);
        empty.save(&path).unwrap();
        assert_eq!(CopilotContext::load(&path).unwrap(), empty);
        assert!(!empty.has_server_objects());
        assert!(empty.server_objects().is_empty());
        assert_eq!(
            context.server_objects(),
            [
                "conversation conv_1",
                "thread thread_1",
                "assistant asst_1",
                "vector store vs_1",
                "file file_1",
                "file file_2"
            ]
        );

        std::fs::write(&path, b"{\"backend\": 7}").unwrap();
        let err = CopilotContext::load(&path).unwrap_err();
        assert!(matches!(err, CopilotError::Context { .. }), "{err}");
        let err = CopilotContext::load(dir.join("missing.json")).unwrap_err();
        assert!(matches!(err, CopilotError::Io { .. }), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
