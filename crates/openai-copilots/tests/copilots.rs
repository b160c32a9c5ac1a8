//! The copilots end to end: the Assistants backend against the local engine, the
//! chat-completions backend against the local engine and against httpmock (the Responses
//! backend, the default, has its own file: `responses_backend.rs`).
//!
//! The tests of `mod needs_pdf_samples` read real-world PDFs from `../shared/pdf-samples/`;
//! they are ignored unless asked for (`cargo test -p openai-copilots -- --ignored
//! needs_pdf_samples`) and fail when that folder is absent.

use std::path::Path;
use std::time::Duration;

use copilot_pdf::*;
use httpmock::prelude::*;
use openai_blocking::*;
use openai_copilots::*;
use serde_json::{json, Value};

mod shared;
use shared::*;

/// How many assistants, vector stores and files the server holds.
fn server_objects(client: &OpenAIClient) -> (usize, usize, usize) {
    let assistants = client.iter_assistants(None).count();
    let stores = client.iter_vector_stores(None).count();
    let files = client.get_files(None).unwrap().data.len();
    (assistants, stores, files)
}

#[test]
fn a_summary_on_the_assistants_backend_reads_pdf_and_text_and_leaves_nothing_behind() {
    let (_server, client) = engine();
    let options = SummaryCopilotOptions::new()
        .with_backend(CopilotBackend::Assistants)
        .with_document(text_pdf("policy.pdf", POLICY))
        .with_document(TextDocument::new("trains", TRAINS))
        .with_temperature(0.2);
    let mut copilot = client.get_summary_copilot(options);

    let summary = copilot.get_summary().unwrap();

    assert!(
        !summary.contains('【'),
        "citation markers are removed: {summary}"
    );
    assert!(
        summary.contains("30 days") || summary.contains("warranty") || summary.contains("train"),
        "the summary quotes the documents: {summary}"
    );
    assert_eq!(server_objects(&client), (0, 0, 0));
    // The summary is kept: asking again sends nothing.
    assert_eq!(copilot.get_summary().unwrap(), summary);
    assert_eq!(server_objects(&client), (0, 0, 0));
}

#[test]
fn a_summary_is_saved_as_pdf_markdown_and_text() {
    let (_server, client) = engine();
    let dir = temp_dir("save");
    let mut copilot = client.get_summary_copilot(
        SummaryCopilotOptions::new().with_document(TextDocument::new("policy.md", POLICY)),
    );
    let summary = copilot.get_summary().unwrap();

    let document = copilot.get_summary_document().unwrap();
    let text = extract_text(&document).unwrap().text();
    let first_words: Vec<&str> = summary.split_whitespace().take(4).collect();
    for word in first_words {
        assert!(
            text.contains(word),
            "{word:?} missing from the PDF text {text:?}"
        );
    }

    for (file, format) in [
        ("s.pdf", SaveFormat::Pdf),
        ("s.md", SaveFormat::Markdown),
        ("s.txt", SaveFormat::Text),
    ] {
        let path = dir.join(file);
        copilot.save_summary(&path, format).unwrap();
        assert_eq!(SaveFormat::from_path(&path), format);
        let bytes = std::fs::read(&path).unwrap();
        match format {
            SaveFormat::Pdf => assert!(bytes.starts_with(b"%PDF-")),
            _ => {
                let saved = String::from_utf8(bytes).unwrap();
                assert!(saved.contains(summary.trim()), "{saved}");
            }
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn chat_on_the_assistants_backend_keeps_the_thread_saves_restores_and_deletes() {
    let (_server, client) = engine();
    let dir = temp_dir("chat");
    let backup = dir.join("context.json");
    let options = ChatCopilotOptions::new()
        .with_backend(CopilotBackend::Assistants)
        .with_document(TextDocument::new("policy.md", POLICY))
        .with_vector_store_expire_days(Some(3))
        .with_context_backup_path(&backup)
        .with_restore_context_from_backup(true);

    let mut first = client.get_chat_copilot(options.clone());
    let answer = first.get_response("How long is the warranty?").unwrap();
    assert!(answer.contains("24 months"), "{answer}");
    let answer = first
        .get_response_for(&["And returns?", "How many days for sale items?"])
        .unwrap();
    assert!(
        answer.contains("14 days") || answer.contains("30 days"),
        "{answer}"
    );
    first.save_context(&backup).unwrap();
    let context = first.context().unwrap().clone();
    let thread = context.thread_id.clone().unwrap();
    let store = client
        .get_vector_store(context.vector_store_id.as_ref().unwrap())
        .unwrap();
    assert_eq!(store.expires_after.unwrap().days, 3);
    drop(first); // saved: the objects stay

    let mut second = client.get_chat_copilot(options);
    let answer = second.get_response("What does shipping cost?").unwrap();
    assert!(
        answer.contains("4.90") || answer.contains("50 euros"),
        "{answer}"
    );
    assert_eq!(
        second.context().unwrap().thread_id.as_deref(),
        Some(&*thread)
    );
    let messages = client.get_thread_messages(&thread, None).unwrap().data;
    assert_eq!(messages.len(), 7, "4 questions and 3 answers in one thread");

    second.delete_context().unwrap();
    assert!(!second.has_context());
    assert_eq!(client.get_thread(&thread).unwrap_err().status(), Some(404));
    assert_eq!(server_objects(&client), (0, 0, 0));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_chat_copilot_dropped_without_saving_deletes_its_objects() {
    let (_server, client) = engine();
    let mut copilot = client.get_chat_copilot(
        ChatCopilotOptions::new()
            .with_backend(CopilotBackend::Assistants)
            .with_document(TextDocument::new("trains.txt", TRAINS)),
    );
    copilot
        .get_response("When does the night train leave?")
        .unwrap();
    assert_eq!(server_objects(&client), (1, 1, 1));
    drop(copilot);
    assert_eq!(server_objects(&client), (0, 0, 0));
}

#[test]
fn a_closed_chat_copilot_deletes_everything_it_created() {
    let (_server, client) = engine();
    let mut copilot = client.get_chat_copilot(
        ChatCopilotOptions::new()
            .with_backend(CopilotBackend::Assistants)
            .with_document(TextDocument::new("trains.txt", TRAINS))
            .with_document(TextDocument::new("policy.md", POLICY)),
    );
    copilot.get_response("Can I bring a bicycle?").unwrap();
    let context = copilot.context().unwrap().clone();
    assert_eq!(server_objects(&client), (1, 1, 2));

    copilot.close().unwrap();

    assert_eq!(server_objects(&client), (0, 0, 0));
    let thread = context.thread_id.unwrap();
    assert_eq!(client.get_thread(&thread).unwrap_err().status(), Some(404));
}

#[test]
fn a_closed_chat_copilot_keeps_a_saved_context_for_the_next_one() {
    let (_server, client) = engine();
    let dir = temp_dir("close-saved");
    let backup = dir.join("context.json");
    let options = ChatCopilotOptions::new()
        .with_backend(CopilotBackend::Assistants)
        .with_document(TextDocument::new("trains.txt", TRAINS))
        .with_context_backup_path(&backup)
        .with_restore_context_from_backup(true);
    let mut first = client.get_chat_copilot(options.clone());
    first.get_response("When does the train leave?").unwrap();
    first.save_context(&backup).unwrap();
    first.close().unwrap();
    assert_eq!(server_objects(&client), (1, 1, 1), "saved: kept on close");

    // The next copilot resumes it, and closing that one keeps it too (it was restored).
    let mut second = client.get_chat_copilot(options.clone());
    second.get_response("And when does it arrive?").unwrap();
    second.close().unwrap();
    assert_eq!(
        server_objects(&client),
        (1, 1, 1),
        "restored: kept on close"
    );

    // delete_context is how a saved conversation is deleted; a close after it sends nothing.
    let mut third = client.get_chat_copilot(options);
    third.get_response("Is breakfast served?").unwrap();
    third.delete_context().unwrap();
    assert_eq!(server_objects(&client), (0, 0, 0));
    third.close().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

/// The JSON objects of one conversation on the Assistants backend, for httpmock.
mod wire {
    use serde_json::{json, Value};

    pub fn assistant() -> Value {
        json!({"id": "asst_1", "object": "assistant", "created_at": 1, "name": "Chat copilot",
               "description": null, "model": "gpt-4o-mini", "instructions": "",
               "tools": [{"type": "file_search"}], "metadata": {}})
    }

    pub fn file() -> Value {
        json!({"id": "file_1", "object": "file", "bytes": 120, "created_at": 1,
               "expires_at": null, "filename": "trains.txt", "purpose": "assistants",
               "status": "processed", "status_details": null})
    }

    pub fn vector_store() -> Value {
        json!({"id": "vs_1", "object": "vector_store", "created_at": 1, "name": "Chat copilot",
               "usage_bytes": 120, "status": "completed", "last_active_at": 1,
               "file_counts": {"in_progress": 0, "completed": 1, "failed": 0, "cancelled": 0,
                               "total": 1},
               "expires_after": {"anchor": "last_active_at", "days": 7}, "expires_at": null,
               "metadata": {}})
    }

    pub fn thread() -> Value {
        json!({"id": "thread_1", "object": "thread", "created_at": 1, "metadata": {},
               "tool_resources": {"file_search": {"vector_store_ids": ["vs_1"]}}})
    }

    pub fn message(id: &str, role: &str, text: &str, run_id: Option<&str>) -> Value {
        json!({"id": id, "object": "thread.message", "created_at": 1, "thread_id": "thread_1",
               "status": "completed", "incomplete_details": null, "completed_at": 1,
               "incomplete_at": null, "role": role,
               "content": [{"type": "text", "text": {"value": text, "annotations": []}}],
               "assistant_id": run_id.map(|_| "asst_1"), "run_id": run_id, "attachments": [],
               "metadata": {}})
    }

    pub fn run() -> Value {
        json!({"id": "run_1", "object": "thread.run", "created_at": 1, "assistant_id": "asst_1",
               "thread_id": "thread_1", "status": "completed", "required_action": null,
               "last_error": null, "expires_at": null, "started_at": 1, "cancelled_at": null,
               "failed_at": null, "completed_at": 2, "incomplete_details": null,
               "model": "gpt-4o-mini", "instructions": "", "tools": [], "metadata": {},
               "usage": null, "temperature": null, "top_p": null, "max_prompt_tokens": null,
               "max_completion_tokens": null,
               "truncation_strategy": {"type": "auto", "last_messages": null},
               "tool_choice": "auto", "parallel_tool_calls": true, "response_format": "auto"})
    }

    pub fn deleted(id: &str, object: &str) -> Value {
        json!({"id": id, "object": object, "deleted": true})
    }
}

#[test]
fn a_failed_deletion_on_close_is_reported_with_what_is_left_and_not_retried_on_drop() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path("/assistants");
        then.status(200).json_body(wire::assistant());
    });
    server.mock(|when, then| {
        when.method(POST).path("/files");
        then.status(200).json_body(wire::file());
    });
    server.mock(|when, then| {
        when.method(POST).path("/vector_stores");
        then.status(200).json_body(wire::vector_store());
    });
    server.mock(|when, then| {
        when.method(GET).path("/vector_stores/vs_1");
        then.status(200).json_body(wire::vector_store());
    });
    server.mock(|when, then| {
        when.method(POST).path("/threads");
        then.status(200).json_body(wire::thread());
    });
    server.mock(|when, then| {
        when.method(POST).path("/threads/thread_1/messages");
        then.status(200)
            .json_body(wire::message("msg_1", "user", "Bicycles?", None));
    });
    server.mock(|when, then| {
        when.method(POST).path("/threads/thread_1/runs");
        then.status(200).json_body(wire::run());
    });
    server.mock(|when, then| {
        when.method(GET).path("/threads/thread_1/runs/run_1");
        then.status(200).json_body(wire::run());
    });
    server.mock(|when, then| {
        when.method(GET).path("/threads/thread_1/messages");
        then.status(200).json_body(json!({
            "object": "list", "first_id": "msg_2", "last_id": "msg_2", "has_more": false,
            "data": [wire::message("msg_2", "assistant", "Yes, booked ahead.", Some("run_1"))],
        }));
    });
    let failure = json!({"error": {"message": "boom", "type": "server_error", "param": null,
                                   "code": null}});
    let delete_thread = server.mock(|when, then| {
        when.method(DELETE).path("/threads/thread_1");
        then.status(500).json_body(failure.clone());
    });
    let delete_assistant = server.mock(|when, then| {
        when.method(DELETE).path("/assistants/asst_1");
        then.status(200)
            .json_body(wire::deleted("asst_1", "assistant.deleted"));
    });
    let delete_store = server.mock(|when, then| {
        when.method(DELETE).path("/vector_stores/vs_1");
        then.status(200)
            .json_body(wire::deleted("vs_1", "vector_store.deleted"));
    });
    let delete_file = server.mock(|when, then| {
        when.method(DELETE).path("/files/file_1");
        then.status(500).json_body(failure.clone());
    });
    let mut client = mock_client(&server);
    client.set_polling_interval(Some(Duration::from_millis(5)));
    let mut copilot = client.get_chat_copilot(
        ChatCopilotOptions::new()
            .with_backend(CopilotBackend::Assistants)
            .with_document(TextDocument::new("trains.txt", TRAINS)),
    );
    assert_eq!(
        copilot.get_response("Bicycles?").unwrap(),
        "Yes, booked ahead."
    );

    let err = copilot.close().unwrap_err();

    let CopilotError::Cleanup { left, source } = &err else {
        panic!("expected Cleanup, got {err:?}");
    };
    assert_eq!(left.thread_id.as_deref(), Some("thread_1"));
    assert_eq!(left.file_ids, ["file_1"]);
    assert_eq!(
        (left.assistant_id.as_ref(), left.vector_store_id.as_ref()),
        (None, None)
    );
    assert_eq!(source.status(), Some(500));
    let message = err.to_string();
    assert!(
        message.contains("thread thread_1") && message.contains("file file_1"),
        "{message}"
    );
    // Every object was tried once, and the copilot, consumed by close, sent nothing more.
    for mock in [
        &delete_thread,
        &delete_assistant,
        &delete_store,
        &delete_file,
    ] {
        assert_eq!(mock.calls(), 1);
    }
}

#[test]
fn a_failed_delete_context_keeps_what_is_left_and_a_retry_finishes() {
    let server = MockServer::start();
    let dir = temp_dir("retry-delete");
    let backup = dir.join("context.json");
    // A conversation saved earlier: restoring it sends nothing.
    let mut saved = CopilotContext::new(CopilotBackend::Assistants);
    saved.thread_id = Some("thread_1".into());
    saved.assistant_id = Some("asst_1".into());
    saved.save(&backup).unwrap();
    let mut failing = server.mock(|when, then| {
        when.method(DELETE).path("/threads/thread_1");
        then.status(500);
    });
    let delete_assistant = server.mock(|when, then| {
        when.method(DELETE).path("/assistants/asst_1");
        then.status(200)
            .json_body(wire::deleted("asst_1", "assistant.deleted"));
    });
    let mut copilot = mock_client(&server).get_chat_copilot(
        ChatCopilotOptions::new()
            .with_backend(CopilotBackend::Assistants)
            .with_document(TextDocument::new("trains.txt", TRAINS))
            .with_context_backup_path(&backup)
            .with_restore_context_from_backup(true),
    );
    copilot.save_context(dir.join("copy.json")).unwrap(); // restores it

    let err = copilot.delete_context().unwrap_err();
    assert!(matches!(err, CopilotError::Cleanup { .. }), "{err:?}");
    let left = copilot.context().expect("what failed is kept");
    assert_eq!(left.thread_id.as_deref(), Some("thread_1"));
    assert_eq!(left.assistant_id, None, "the assistant is gone");

    failing.delete();
    let delete_thread = server.mock(|when, then| {
        when.method(DELETE).path("/threads/thread_1");
        then.status(200)
            .json_body(wire::deleted("thread_1", "thread.deleted"));
    });
    copilot.delete_context().unwrap();
    assert!(!copilot.has_context());
    drop(copilot);
    assert_eq!((delete_thread.calls(), delete_assistant.calls()), (1, 1));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_context_saved_for_another_backend_is_refused() {
    let (_server, client) = engine();
    let dir = temp_dir("mismatch");
    let path = dir.join("ctx.json");
    let mut chat = client.get_chat_copilot(
        ChatCopilotOptions::new().with_document(TextDocument::new("t.txt", TRAINS)),
    );
    chat.get_response("Bicycles?").unwrap();
    chat.save_context(&path).unwrap();
    let mut other = client.get_chat_copilot(
        ChatCopilotOptions::new()
            .with_backend(CopilotBackend::Assistants)
            .with_document(TextDocument::new("t.txt", TRAINS))
            .with_context_backup_path(&path)
            .with_restore_context_from_backup(true),
    );
    let err = other.get_response("Bicycles?").unwrap_err();
    assert!(matches!(err, CopilotError::Context { .. }), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn chat_completions_backend_against_the_engine_summarises_and_answers_from_the_text() {
    let (_server, client) = engine();
    let mut summary = client.get_summary_copilot(
        SummaryCopilotOptions::new()
            .with_backend(CopilotBackend::ChatCompletions)
            .with_document(text_pdf("policy.pdf", POLICY)),
    );
    let text = summary.get_summary().unwrap();
    assert!(text.split_whitespace().count() > 10, "{text}");
    assert_eq!(
        server_objects(&client),
        (0, 0, 0),
        "no server object at all"
    );
}

#[test]
fn the_assistants_backend_on_a_server_without_it_names_the_other_backend() {
    let server = MockServer::start();
    let gone = server.mock(|when, then| {
        when.method(POST).path("/assistants");
        then.status(404).json_body(json!({"error": {"message": "Unknown request URL: POST \
            /v1/assistants", "type": "invalid_request_error", "param": null, "code": "unknown_url"}}));
    });
    let uploads = server.mock(|when, then| {
        when.method(POST).path("/files");
        then.status(500);
    });
    let client = OpenAIClient::create_with_api_key("sk-test")
        .with_base_url(server.base_url())
        .build()
        .unwrap();
    let mut copilot = client.get_summary_copilot(
        SummaryCopilotOptions::new()
            .with_backend(CopilotBackend::Assistants)
            .with_document(TextDocument::new("a", POLICY)),
    );
    let err = copilot.get_summary().unwrap_err();
    assert!(
        matches!(err, CopilotError::AssistantsUnavailable(_)),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("HTTP 404") && message.contains("ChatCompletions"),
        "{message}"
    );
    assert_eq!(
        (gone.calls(), uploads.calls()),
        (1, 0),
        "nothing uploaded first"
    );
}

fn completion(text: &str) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": null,
                     "message": {"role": "assistant", "content": text, "refusal": null}}]
    })
}

#[test]
fn a_short_document_is_summarised_in_one_request_with_its_text() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path("/chat/completions")
            .header_missing("openai-beta")
            .body_includes("\"model\":\"gpt-4.1-mini\"")
            .body_includes("\"temperature\":0.3")
            .body_includes("\"max_completion_tokens\":300")
            .body_includes("Summarise the documents")
            .body_includes("### Document: trains.txt")
            .body_includes("reaches Venice at 08:35");
        then.status(200)
            .json_body(completion("A night train to Venice."));
    });
    let mut copilot = mock_client(&server).get_summary_copilot(
        SummaryCopilotOptions::new()
            .with_backend(CopilotBackend::ChatCompletions)
            .with_model("gpt-4.1-mini")
            .with_temperature(0.3)
            .with_max_completion_tokens(300)
            .with_document(TextDocument::new("trains.txt", TRAINS)),
    );
    assert_eq!(copilot.get_summary().unwrap(), "A night train to Venice.");
    assert_eq!(mock.calls(), 1);
}

#[test]
fn a_long_document_is_summarised_by_parts_then_as_a_whole() {
    let server = MockServer::start();
    let parts = server.mock(|when, then| {
        when.method(POST)
            .path("/chat/completions")
            .body_includes("This is part ");
        then.status(200).json_body(completion("Part summary."));
    });
    let last = server.mock(|when, then| {
        when.method(POST)
            .path("/chat/completions")
            .body_includes("summaries of their consecutive parts");
        then.status(200).json_body(completion("The whole summary."));
    });
    let long = POLICY.repeat(12);
    let mut copilot = mock_client(&server).get_summary_copilot(
        SummaryCopilotOptions::new()
            .with_backend(CopilotBackend::ChatCompletions)
            .with_context_tokens(1200)
            .with_max_completion_tokens(100)
            .with_document(TextDocument::new("long.txt", long)),
    );
    assert_eq!(copilot.get_summary().unwrap(), "The whole summary.");
    assert!(parts.calls() >= 3, "{} parts", parts.calls());
    assert_eq!(last.calls(), 1);
}

#[test]
fn chat_completions_chat_resends_the_history() {
    let server = MockServer::start();
    let first = server.mock(|when, then| {
        when.method(POST)
            .path("/chat/completions")
            .body_includes("Who serves breakfast?")
            .body_excludes("Can I bring a bicycle?");
        then.status(200)
            .json_body(completion("The compartment staff."));
    });
    let second = server.mock(|when, then| {
        when.method(POST)
            .path("/chat/completions")
            .body_includes("Who serves breakfast?")
            .body_includes("The compartment staff.")
            .body_includes("Can I bring a bicycle?");
        then.status(200)
            .json_body(completion("Yes, booked in advance."));
    });
    let mut chat = mock_client(&server).get_chat_copilot(
        ChatCopilotOptions::new()
            .with_backend(CopilotBackend::ChatCompletions)
            .with_document(TextDocument::new("trains.txt", TRAINS)),
    );
    assert_eq!(
        chat.get_response("Who serves breakfast?").unwrap(),
        "The compartment staff."
    );
    assert_eq!(
        chat.get_response("Can I bring a bicycle?").unwrap(),
        "Yes, booked in advance."
    );
    assert_eq!((first.calls(), second.calls()), (1, 1));
    assert_eq!(chat.context().unwrap().history.len(), 4);
    chat.delete_context().unwrap();
    assert!(!chat.has_context());
}

#[test]
fn an_empty_answer_is_an_error_not_an_empty_string() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path("/chat/completions");
        then.status(200).json_body(completion(""));
    });
    let mut copilot = mock_client(&server).get_summary_copilot(
        SummaryCopilotOptions::new()
            .with_backend(CopilotBackend::ChatCompletions)
            .with_document(TextDocument::new("t", TRAINS)),
    );
    let err = copilot.get_summary().unwrap_err();
    assert!(matches!(err, CopilotError::NoAnswer { .. }), "{err:?}");
}

#[test]
fn bad_documents_give_typed_errors_naming_the_file() {
    let (_server, client) = engine();
    let dir = temp_dir("bad");
    let broken = dir.join("broken.pdf");
    std::fs::write(&broken, b"%PDF-1.4\n1 0 obj garbage").unwrap();
    let err = client
        .get_summary_copilot(SummaryCopilotOptions::new().with_document_path(&broken))
        .get_summary()
        .unwrap_err();
    assert!(matches!(err, CopilotError::Pdf(_)), "{err:?}");
    assert!(err.to_string().contains("broken.pdf"), "{err}");

    let err = client
        .get_summary_copilot(SummaryCopilotOptions::new())
        .get_summary()
        .unwrap_err();
    assert!(matches!(err, CopilotError::NoDocuments), "{err:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// An 8×6 RGB PNG of one colour.
#[test]
fn images_are_described_once_and_written_back_as_alt_text() {
    let (_server, client) = engine();
    let dir = temp_dir("images");
    let input = dir.join("figures.pdf");
    std::fs::write(&input, pdf_with_images()).unwrap();
    let green = dir.join("green.png");
    std::fs::write(&green, png([20, 200, 20])).unwrap();
    let options = ImageDescriptionCopilotOptions::new()
        .with_document_path(&input)
        .with_document_path(&green)
        .with_image_detail(ImageDetail::Low);
    let copilot = client.get_image_description_copilot(options);

    let results = copilot.get_image_descriptions().unwrap();

    assert_eq!(results.len(), 2);
    let pdf = &results[0];
    assert!(pdf.is_pdf);
    assert_eq!(
        pdf.descriptions.len(),
        2,
        "the red image drawn twice is one image"
    );
    let red = &pdf.descriptions[0];
    assert_eq!(red.placements.len(), 2);
    assert_eq!(red.page(), Some(1));
    assert!(red.description.contains("red"), "{}", red.description);
    assert!(pdf.descriptions[1].description.contains("blue"));
    let file = &results[1];
    assert!(!file.is_pdf && file.descriptions[0].page().is_none());
    assert!(file.descriptions[0].description.contains("green"));

    let out = dir.join("out");
    let written = copilot.add_pdf_image_descriptions(&out).unwrap();
    assert_eq!(written, vec![out.join("figures.alt.pdf")]);
    let bytes = std::fs::read(&written[0]).unwrap();
    // One Figure per placement: the red image drawn twice carries its text twice.
    let mut expected: Vec<String> = pdf
        .descriptions
        .iter()
        .flat_map(|d| vec![d.description.clone(); d.placements.len()])
        .collect();
    expected.sort();
    assert_eq!(alt_texts(&bytes), expected);

    // Descriptions edited by hand are written as given.
    let mut edited = results.clone();
    for d in &mut edited[0].descriptions {
        d.description = format!("Edited: {}", d.description);
    }
    let rewritten = copilot
        .write_alt_texts(&edited, dir.join("edited"))
        .unwrap();
    let alts = alt_texts(&std::fs::read(&rewritten[0]).unwrap());
    assert_eq!(alts.len(), 3);
    assert!(alts.iter().all(|a| a.starts_with("Edited: ")), "{alts:?}");
    let wrong = copilot.write_alt_texts(&edited[..1], dir.join("edited2"));
    assert!(matches!(wrong, Err(CopilotError::Document { .. })));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn outputs_never_replace_an_input_document() {
    let server = MockServer::start();
    let model = server.mock(|when, then| {
        when.method(POST).path("/chat/completions");
        then.status(200)
            .json_body(completion("A red and a blue square."));
    });
    let client = mock_client(&server);
    let dir = temp_dir("no-overwrite");
    let notes = dir.join("notes.md");
    std::fs::write(&notes, POLICY).unwrap();
    let figures = dir.join("figures.pdf");
    let figures_bytes = pdf_with_images();
    std::fs::write(&figures, &figures_bytes).unwrap();
    let refused = |result: Result<(), CopilotError>, what: &str| match result {
        Err(CopilotError::WouldOverwriteInput { path }) => {
            assert!(path.ends_with(what), "{}", path.display())
        }
        other => panic!("{what}: expected WouldOverwriteInput, got {other:?}"),
    };

    let mut summary = client.get_summary_copilot(
        SummaryCopilotOptions::new()
            .with_backend(CopilotBackend::ChatCompletions)
            .with_document_path(&notes),
    );
    refused(
        summary.save_summary(&notes, SaveFormat::Markdown),
        "notes.md",
    );
    let mut chat = client.get_chat_copilot(
        ChatCopilotOptions::new()
            .with_backend(CopilotBackend::ChatCompletions)
            .with_document_path(&notes),
    );
    let same_file = dir.join(".").join("notes.md");
    refused(
        chat.save_response("Shipping?", &same_file, SaveFormat::Text)
            .map(drop),
        "notes.md",
    );
    refused(chat.save_context(&notes), "notes.md");
    let images = client.get_image_description_copilot(
        ImageDescriptionCopilotOptions::new()
            .with_backend(CopilotBackend::ChatCompletions)
            .with_document_path(&figures),
    );
    assert_eq!(model.calls(), 0, "refused before anything was asked");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), POLICY);

    // The inputs' own folder takes copies named apart from them.
    let written = images.add_pdf_image_descriptions(&dir).unwrap();
    assert_eq!(written, [dir.join("figures.alt.pdf")]);
    assert_eq!(std::fs::read(&figures).unwrap(), figures_bytes);
    let asked = model.calls();
    // An existing output is not replaced unless allowed; nothing is asked again.
    match images.add_pdf_image_descriptions(&dir) {
        Err(CopilotError::OutputExists { path }) => assert!(path.ends_with("figures.alt.pdf")),
        other => panic!("expected OutputExists, got {other:?}"),
    }
    let summary_path = dir.join("summary.md");
    summary
        .save_summary(&summary_path, SaveFormat::Markdown)
        .unwrap();
    assert!(std::fs::read_to_string(&summary_path)
        .unwrap()
        .contains("A red and a blue square."));
    assert!(matches!(
        summary.save_summary(&summary_path, SaveFormat::Markdown),
        Err(CopilotError::OutputExists { .. })
    ));
    let mut allowed = client.get_summary_copilot(
        SummaryCopilotOptions::new()
            .with_backend(CopilotBackend::ChatCompletions)
            .with_document_path(&notes)
            .with_overwrite_outputs(true),
    );
    allowed
        .save_summary(&summary_path, SaveFormat::Text)
        .unwrap();
    refused(allowed.save_summary(&notes, SaveFormat::Text), "notes.md");
    assert_eq!(model.calls(), asked + 2, "one summary for each copilot");
    assert_eq!(std::fs::read(&figures).unwrap(), figures_bytes);
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), POLICY);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn identical_images_cost_one_request_and_carry_the_options() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path("/chat/completions")
            .body_includes("\"detail\":\"high\"")
            .body_includes("data:image/png;base64,")
            .body_includes("Describe it for a blind reader.");
        then.status(200).json_body(completion("A green square."));
    });
    let dir = temp_dir("dedupe");
    let a = dir.join("a.png");
    let b = dir.join("b.png");
    std::fs::write(&a, png([20, 200, 20])).unwrap();
    std::fs::write(&b, png([20, 200, 20])).unwrap();
    let copilot = mock_client(&server).get_image_description_copilot(
        ImageDescriptionCopilotOptions::new()
            .with_backend(CopilotBackend::ChatCompletions)
            .with_documents([a.as_path(), b.as_path()])
            .with_image_detail(ImageDetail::High)
            .with_image_description_prompt("Describe it for a blind reader."),
    );
    let results = copilot.get_image_descriptions().unwrap();
    assert_eq!(mock.calls(), 1);
    assert!(results
        .iter()
        .all(|r| r.descriptions[0].description == "A green square."));
    assert!(copilot
        .add_pdf_image_descriptions(dir.join("out"))
        .unwrap()
        .is_empty());
    assert_eq!(
        copilot.get_image_descriptions().unwrap().len(),
        results.len()
    );
    assert_eq!(mock.calls(), 1, "described once, kept");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn part_summaries_too_long_to_combine_are_combined_by_groups_first() {
    let server = MockServer::start();
    let long_part = "This part says a great many things at length. ".repeat(40);
    let parts = server.mock(|when, then| {
        when.method(POST)
            .path("/chat/completions")
            .body_includes("This is part ");
        then.status(200).json_body(completion(&long_part));
    });
    let groups = server.mock(|when, then| {
        when.method(POST)
            .path("/chat/completions")
            .body_includes("Combine these summaries");
        then.status(200)
            .json_body(completion("A short group summary."));
    });
    let last = server.mock(|when, then| {
        when.method(POST)
            .path("/chat/completions")
            .body_includes("summaries of their consecutive parts");
        then.status(200).json_body(completion("The whole summary."));
    });
    let mut copilot = mock_client(&server).get_summary_copilot(
        SummaryCopilotOptions::new()
            .with_backend(CopilotBackend::ChatCompletions)
            .with_context_tokens(1500)
            .with_max_completion_tokens(100)
            .with_document(TextDocument::new("long.txt", POLICY.repeat(20))),
    );
    assert_eq!(copilot.get_summary().unwrap(), "The whole summary.");
    // Three long part summaries exceed one request: they are combined two by two first.
    assert!(parts.calls() >= 3, "{} parts", parts.calls());
    assert!(groups.calls() >= 1 && groups.calls() < parts.calls());
    assert_eq!(last.calls(), 1);
}

/// Real-world PDFs from `../shared/pdf-samples/` through the copilots.
mod needs_pdf_samples {
    use super::*;

    #[test]
    #[ignore = "needs pdf samples: chats about and describes the images of real PDFs of ../shared/pdf-samples"]
    fn real_pdfs_from_the_samples_folder_work_with_the_copilots() {
        let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/pdf-samples");
        assert!(
            samples.is_dir(),
            "needs_pdf_samples: {} is absent; this test reads real-world PDFs from \
             ../shared/pdf-samples and can only run where that folder exists",
            samples.display()
        );
        let (_server, client) = engine();
        let mut chat = client.get_chat_copilot(
            ChatCopilotOptions::new()
                .with_backend(CopilotBackend::ChatCompletions)
                .with_backend(CopilotBackend::Assistants)
                .with_document_path(samples.join("gmpl-es.pdf")),
        );
        let answer = chat.get_response("¿Qué es una variable en GMPL?").unwrap();
        assert!(!answer.trim().is_empty());
        chat.delete_context().unwrap();

        let dir = temp_dir("samples");
        let copilot = client.get_image_description_copilot(
            ImageDescriptionCopilotOptions::new()
                .with_backend(CopilotBackend::ChatCompletions)
                .with_document_path(samples.join("lo-jpeg.pdf")),
        );
        let written = copilot.add_pdf_image_descriptions(&dir).unwrap();
        let alts = alt_texts(&std::fs::read(&written[0]).unwrap());
        assert!(!alts.is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn long_work_reports_progress_and_stops_when_cancelled() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    let server = MockServer::start();
    let parts = server.mock(|when, then| {
        when.method(POST)
            .path("/chat/completions")
            .body_includes("This is part ");
        then.status(200).json_body(completion("Part summary."));
    });
    server.mock(|when, then| {
        when.method(POST)
            .path("/chat/completions")
            .body_includes("summaries of their consecutive parts");
        then.status(200).json_body(completion("The whole summary."));
    });
    let options = || {
        SummaryCopilotOptions::new()
            .with_backend(CopilotBackend::ChatCompletions)
            .with_context_tokens(1200)
            .with_max_completion_tokens(100)
            .with_document(TextDocument::new("long.txt", POLICY.repeat(40)))
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let mut copilot = mock_client(&server)
        .get_summary_copilot(options().with_progress(move |p| log.lock().unwrap().push(*p)));
    assert_eq!(copilot.get_summary().unwrap(), "The whole summary.");
    let seen = seen.lock().unwrap().clone();
    let total_parts = parts.calls();
    assert!(
        total_parts > 4,
        "more parts than requests in flight: {total_parts}"
    );
    let first = seen.first().unwrap();
    assert_eq!(
        (first.stage, first.done, first.total),
        (CopilotStage::ReadingDocuments, 0, 1)
    );
    let part_steps: Vec<usize> = seen
        .iter()
        .filter(|p| p.stage == CopilotStage::SummarisingParts)
        .map(|p| {
            assert_eq!(p.total, total_parts);
            p.done
        })
        .collect();
    assert_eq!(part_steps.len(), total_parts + 1, "0, then each part");
    assert_eq!(part_steps.iter().max(), Some(&total_parts));

    // Cancelled after the first part: no new request starts, and the error says where.
    let flag = Arc::new(AtomicBool::new(false));
    let trip = flag.clone();
    let before = parts.calls();
    let mut copilot = mock_client(&server).get_summary_copilot(
        options().with_cancel_flag(flag).with_progress(move |p| {
            if p.stage == CopilotStage::SummarisingParts && p.done == 1 {
                trip.store(true, Ordering::SeqCst);
            }
        }),
    );
    let err = copilot.get_summary().unwrap_err();
    assert!(
        matches!(
            err,
            CopilotError::Cancelled {
                stage: CopilotStage::SummarisingParts
            }
        ),
        "{err:?}"
    );
    let sent = parts.calls() - before;
    assert!(sent < total_parts, "{sent} of {total_parts} parts sent");
}

#[test]
fn tiny_images_are_written_as_artifacts_and_the_language_is_set() {
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Document, Object, Stream};
    // An untagged page: a picture, and a 2×2 dot (tiny, so decorative).
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut image = |w: i64, h: i64| {
        doc.add_object(Stream::new(
            dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => w,
            "Height" => h, "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8 },
            [220, 20, 20].repeat((w * h) as usize),
        ))
    };
    let (picture, dot) = (image(8, 6), image(2, 2));
    let draw = |name: &str, size: i64, y: i64| {
        vec![
            Operation::new("q", vec![]),
            Operation::new(
                "cm",
                vec![
                    size.into(),
                    0.into(),
                    0.into(),
                    size.into(),
                    50.into(),
                    y.into(),
                ],
            ),
            Operation::new("Do", vec![Object::Name(name.as_bytes().to_vec())]),
            Operation::new("Q", vec![]),
        ]
    };
    let mut ops = draw("Im1", 80, 600);
    ops.extend(draw("Im2", 4, 500));
    let content = doc.add_object(Stream::new(
        dictionary! {},
        Content { operations: ops }.encode().unwrap(),
    ));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Resources" => dictionary! { "XObject" => dictionary! { "Im1" => picture, "Im2" => dot } },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();

    let (_server, client) = engine();
    let dir = temp_dir("tiny-artifacts");
    let input = dir.join("dot.pdf");
    std::fs::write(&input, bytes).unwrap();
    let options = ImageDescriptionCopilotOptions::new()
        .with_document_path(&input)
        .with_document_language("en-GB");
    let copilot = client.get_image_description_copilot(options);
    let written = copilot.add_pdf_image_descriptions(dir.join("out")).unwrap();
    let copy = Document::load_mem(&std::fs::read(&written[0]).unwrap()).unwrap();

    let catalog = copy.catalog().unwrap();
    assert_eq!(
        catalog.get(b"Lang").unwrap().as_str().unwrap(),
        b"en-GB".as_slice()
    );
    let page_id = *copy.get_pages().get(&1).unwrap();
    let ops = Content::decode(&copy.get_page_content(page_id))
        .unwrap()
        .operations;
    let mut open: Vec<Vec<u8>> = Vec::new();
    let mut around = Vec::new();
    for op in &ops {
        match op.operator.as_str() {
            "BMC" | "BDC" => open.push(op.operands[0].as_name().unwrap().to_vec()),
            "EMC" => {
                open.pop();
            }
            "Do" => around.push(String::from_utf8(open.last().cloned().unwrap()).unwrap()),
            _ => {}
        }
    }
    assert_eq!(around, ["Figure", "Artifact"]);
    assert_eq!(alt_texts(&std::fs::read(&written[0]).unwrap()).len(), 1);
    std::fs::remove_dir_all(dir).unwrap();
}
