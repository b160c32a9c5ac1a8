//! The Assistants backend: an assistant with file_search, the documents in a vector store
//! attached to a thread, one run per question.

use crate::documents::Loaded;
use crate::streamed::TextSink;
use crate::{CommonOptions, CopilotBackend, CopilotContext, CopilotError};
use openai_blocking::types::*;
use openai_blocking::*;

/// What a conversation on the Assistants backend is made with.
pub(crate) struct Setup<'a> {
    pub(crate) common: &'a CommonOptions,
    pub(crate) default_name: &'a str,
    pub(crate) instructions: &'a str,
    pub(crate) expire_days: Option<u32>,
}

/// Creates the assistant, uploads the documents into a vector store and opens a thread.
/// On failure everything already created is deleted again.
pub(crate) fn open(
    client: &OpenAIClient,
    setup: &Setup<'_>,
    documents: &[Loaded],
) -> Result<CopilotContext, CopilotError> {
    let mut context = CopilotContext::new(CopilotBackend::Assistants);
    match build(client, setup, documents, &mut context) {
        Ok(()) => Ok(context),
        Err(e) => {
            // The first error is the one worth reporting; clean-up is best effort.
            let _ = delete(client, &mut context);
            Err(e)
        }
    }
}

fn build(
    client: &OpenAIClient,
    setup: &Setup<'_>,
    documents: &[Loaded],
    context: &mut CopilotContext,
) -> Result<(), CopilotError> {
    let common = setup.common;
    // The assistant comes first: a server without the Assistants API says so before any
    // document is uploaded.
    let name = common
        .assistant_name
        .as_deref()
        .unwrap_or(setup.default_name);
    let assistant = client
        .create_assistant(&AssistantCreateRequest {
            name: Some(name.to_owned()),
            instructions: Some(setup.instructions.to_owned()),
            tools: Some(vec![AssistantTool::file_search()]),
            temperature: common.temperature,
            top_p: common.top_p,
            ..AssistantCreateRequest::new(&common.model)
        })
        .map_err(CopilotError::from_create)?;
    context.assistant_id = Some(assistant.id);

    let store = store_documents(client, name, setup.expire_days, documents, context)?;

    let thread = client
        .create_thread(&ThreadCreateRequest {
            tool_resources: Some(ThreadCreateRequestToolResources {
                code_interpreter: None,
                file_search: Some(ThreadCreateRequestToolResourcesFileSearch::Variant0 {
                    vector_store_ids: vec![store],
                }),
            }),
            ..Default::default()
        })
        .map_err(CopilotError::from_create)?;
    context.thread_id = Some(thread.id);
    Ok(())
}

/// Uploads the documents, puts them in a new vector store (expiring `expire_days` after its
/// last use) and waits for it to be indexed; the ids go into `context` as they are made, so
/// a failure leaves them there for [`delete`]. Returns the store's id.
pub(crate) fn store_documents(
    client: &OpenAIClient,
    name: &str,
    expire_days: Option<u32>,
    documents: &[Loaded],
    context: &mut CopilotContext,
) -> Result<String, CopilotError> {
    let mut names = Vec::new();
    for document in documents {
        let (file_name, bytes) = document.upload()?;
        let file = client.upload_file("assistants", &file_name, bytes)?;
        context.file_ids.push(file.id);
        names.push(document.name());
    }
    let mut request = VectorStoreCreateRequest::new(name, context.file_ids.clone());
    request.expires_after = expire_days.map(|days| VectorStoreExpirationAfter {
        anchor: VectorStoreExpirationAfterAnchor::LastActiveAt,
        days: days.into(),
    });
    let store = client
        .create_vector_store(&request)
        .map_err(|e| match context.backend {
            CopilotBackend::Assistants => CopilotError::from_create(e),
            _ => CopilotError::Api(e),
        })?;
    context.vector_store_id = Some(store.id.clone());
    let store = client.wait_for_vector_store_to_complete(&store.id)?;
    if store.file_counts.as_ref().is_some_and(|c| c.failed > 0) {
        return Err(failed_document(client, &store.id, context, &names));
    }
    Ok(store.id)
}

/// The error for the first document the vector store could not index.
fn failed_document(
    client: &OpenAIClient,
    store_id: &str,
    context: &CopilotContext,
    names: &[String],
) -> CopilotError {
    let query = VectorStoreFileListQueryParameters {
        filter: Some(VectorStoreFileStatusFilter::Failed),
        ..Default::default()
    };
    let failed = client
        .get_vector_store_files(store_id, Some(&query))
        .ok()
        .and_then(|page| page.data.into_iter().next());
    let (name, message) = match failed {
        Some(file) => {
            let index = context.file_ids.iter().position(|id| *id == file.id);
            let name = index.and_then(|i| names.get(i)).cloned().unwrap_or(file.id);
            let message = file.last_error.map_or_else(
                || "the server could not index it".to_owned(),
                |e| format!("the server could not index it: {}", e.message),
            );
            (name, message)
        }
        None => (
            names.join(", "),
            "the server could not index one of these".to_owned(),
        ),
    };
    CopilotError::Document { name, message }
}

/// Adds the user's messages to the thread, runs the assistant (streaming the answer to
/// `sink` when there is one) and returns its answer with the file_search citation markers
/// removed.
pub(crate) fn ask(
    client: &OpenAIClient,
    context: &CopilotContext,
    common: &CommonOptions,
    messages: &[String],
    truncation: Option<&TruncationObject>,
    sink: Option<&mut TextSink<'_>>,
) -> Result<String, CopilotError> {
    let (Some(assistant), Some(thread)) = (&context.assistant_id, &context.thread_id) else {
        return Err(CopilotError::Document {
            name: "context".into(),
            message: "the context has no assistant or thread".into(),
        });
    };
    for message in messages {
        client.create_thread_message(thread, &ThreadMessageCreateRequest::user(message))?;
    }
    let request = RunCreateRequest {
        temperature: common.temperature,
        top_p: common.top_p,
        max_prompt_tokens: common.max_prompt_tokens,
        max_completion_tokens: common.max_completion_tokens,
        truncation_strategy: truncation.cloned(),
        ..RunCreateRequest::new(assistant)
    };
    let answer = match sink {
        None => client.run_and_get_assistant_response(thread, &request)?,
        Some(sink) => {
            let mut stream = client.create_run_stream(thread, &request)?;
            for delta in stream.text_deltas() {
                sink.push(&delta?);
            }
            sink.finish();
            let run = stream.until_done()?.clone();
            client.get_assistant_response(&run)?
        }
    };
    Ok(strip_citation_markers(&answer))
}

/// Deletes every object of the context, on any backend (an object already gone counts as
/// deleted) and
/// empties it. After trying them all, a failure is [`CopilotError::Cleanup`] with what is
/// left (also left in `context`) and the first error.
pub(crate) fn delete(
    client: &OpenAIClient,
    context: &mut CopilotContext,
) -> Result<(), CopilotError> {
    let mut first = None;
    let mut check = |result: Result<(), Error>| match result {
        Err(e) if e.status() != Some(404) => {
            first.get_or_insert(e);
            false
        }
        _ => true,
    };
    if let Some(id) = context.conversation_id.take() {
        if !check(client.delete_conversation(&id).map(|_| ())) {
            context.conversation_id = Some(id);
        }
    }
    if let Some(id) = context.thread_id.take() {
        if !check(client.delete_thread(&id).map(|_| ())) {
            context.thread_id = Some(id);
        }
    }
    if let Some(id) = context.assistant_id.take() {
        if !check(client.delete_assistant(&id).map(|_| ())) {
            context.assistant_id = Some(id);
        }
    }
    if let Some(id) = context.vector_store_id.take() {
        if !check(client.delete_vector_store(&id).map(|_| ())) {
            context.vector_store_id = Some(id);
        }
    }
    context
        .file_ids
        .retain(|id| !check(client.delete_file(id).map(|_| ())));
    match first {
        Some(source) => {
            let left = CopilotContext {
                conversation_id: context.conversation_id.clone(),
                assistant_id: context.assistant_id.clone(),
                thread_id: context.thread_id.clone(),
                vector_store_id: context.vector_store_id.clone(),
                file_ids: context.file_ids.clone(),
                ..CopilotContext::new(context.backend)
            };
            Err(CopilotError::Cleanup {
                left: Box::new(left),
                source,
            })
        }
        None => Ok(()),
    }
}

/// Removes file_search markers such as `【4:0†source】` from an answer.
pub(crate) fn strip_citation_markers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('【') {
        let after = &rest[start..];
        match after.find('】') {
            Some(end) if after[..end].contains('†') || after[..end].len() <= 24 => {
                out.push_str(&rest[..start]);
                rest = &after[end + '】'.len_utf8()..];
            }
            _ => {
                out.push_str(&rest[..start + '【'.len_utf8()]);
                rest = &after['【'.len_utf8()..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::strip_citation_markers as strip;

    #[test]
    fn citation_markers_are_removed_and_other_brackets_kept() {
        assert_eq!(
            strip("Thirty days.【4:0†source】 Done"),
            "Thirty days. Done"
        );
        assert_eq!(strip("a【0†source】【1†policy.md】b"), "ab");
        assert_eq!(strip("【unclosed"), "【unclosed");
        let long = format!("【{}】", "x".repeat(40));
        assert_eq!(strip(&long), long, "a long bracketed text is not a marker");
        assert_eq!(strip("日本【1†源】語"), "日本語");
    }
}
