//! The Responses backend (the default): against the local engine, the same copilot tasks as
//! the other backends (summary in three formats, chat with save/restore/delete, streamed
//! answers); against httpmock, the exact requests (documents inline or through file_search,
//! the conversation, clean-up of everything created, also after a failure halfway).

use base64::Engine as _;
use copilot_pdf::*;
use httpmock::prelude::*;
use openai_blocking::*;
use openai_copilots::*;
use serde_json::{json, Value};

mod shared;
use shared::*;

/// How many vector stores and files the server holds.
fn stores_and_files(client: &OpenAIClient) -> (usize, usize) {
    let stores = client.iter_vector_stores(None).count();
    let files = client.get_files(None).unwrap().data.len();
    (stores, files)
}

#[test]
fn a_summary_reads_a_pdf_and_a_text_inline_and_leaves_nothing_on_the_server() {
    let (_server, client) = engine();
    let dir = temp_dir("responses-summary");
    let mut copilot = client.get_summary_copilot(
        SummaryCopilotOptions::new()
            .with_document(text_pdf("policy.pdf", POLICY))
            .with_document(TextDocument::new("trains.txt", TRAINS)),
    );
    assert_eq!(copilot.options().common.backend, CopilotBackend::Responses);

    let summary = copilot.get_summary().unwrap();
    assert!(
        summary.contains("30 days") || summary.contains("warranty") || summary.contains("train"),
        "the summary quotes the documents: {summary}"
    );
    assert_eq!(stores_and_files(&client), (0, 0), "nothing uploaded");

    for (file, format) in [
        ("s.pdf", SaveFormat::Pdf),
        ("s.md", SaveFormat::Markdown),
        ("s.txt", SaveFormat::Text),
    ] {
        let path = dir.join(file);
        copilot.save_summary(&path, format).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        match format {
            SaveFormat::Pdf => {
                let pdf = PdfDocument::from_bytes("s.pdf", bytes);
                let text = extract_text(&pdf).unwrap().text();
                let first = summary.split_whitespace().next().unwrap();
                assert!(text.contains(first), "{first:?} missing from {text:?}");
            }
            _ => assert!(String::from_utf8(bytes).unwrap().contains(summary.trim())),
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_summary_through_file_search_deletes_its_store_and_files() {
    let (_server, client) = engine();
    let mut copilot = client.get_summary_copilot(
        SummaryCopilotOptions::new()
            .with_document_delivery(DocumentDelivery::FileSearch)
            .with_document(text_pdf("policy.pdf", POLICY)),
    );
    let summary = copilot.get_summary().unwrap();
    assert!(!summary.contains('【'), "{summary}");
    assert!(summary.split_whitespace().count() > 5, "{summary}");
    assert_eq!(stores_and_files(&client), (0, 0));
}

#[test]
fn chat_keeps_a_conversation_saves_restores_and_deletes_it() {
    let (_server, client) = engine();
    let dir = temp_dir("responses-chat");
    let backup = dir.join("context.json");
    let options = ChatCopilotOptions::new()
        .with_document(TextDocument::new("policy.md", POLICY))
        .with_context_backup_path(&backup)
        .with_restore_context_from_backup(true);

    let mut first = client.get_chat_copilot(options.clone());
    let answer = first.get_response("How long is the warranty?").unwrap();
    assert!(answer.contains("24 months"), "{answer}");
    first.save_context(&backup).unwrap();
    let context = first.context().unwrap().clone();
    let conversation = context.conversation_id.clone().expect("a conversation");
    assert_eq!(context.backend, CopilotBackend::Responses);
    assert!(context.vector_store_id.is_none() && context.file_ids.is_empty());
    let saved: Value = serde_json::from_slice(&std::fs::read(&backup).unwrap()).unwrap();
    assert_eq!(saved["backend"], "responses");
    assert_eq!(saved["conversation_id"], conversation.as_str());
    drop(first); // saved: the conversation stays

    let mut second = client.get_chat_copilot(options);
    let answer = second
        .get_response("Which orders ship free of charge?")
        .unwrap();
    assert!(answer.contains("50 euros"), "{answer}");
    assert_eq!(
        second.context().unwrap().conversation_id.as_deref(),
        Some(&*conversation)
    );
    // The documents, then two questions and two answers, in one conversation.
    let items: Vec<_> = client
        .iter_conversation_items(&conversation, None)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(items.len(), 5, "{items:?}");

    second.delete_context().unwrap();
    assert!(!second.has_context());
    let gone = client.get_conversation(&conversation).unwrap_err();
    assert_eq!(gone.status(), Some(404));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn chat_over_many_documents_searches_a_vector_store_and_close_deletes_everything() {
    let (_server, client) = engine();
    let mut chat = client.get_chat_copilot(
        ChatCopilotOptions::new()
            .with_max_inline_documents(1)
            .with_document(TextDocument::new("policy.md", POLICY))
            .with_document(text_pdf("trains.pdf", TRAINS)),
    );
    let answer = chat
        .get_response("When does the night train reach Venice?")
        .unwrap();
    assert!(answer.contains("08:35"), "{answer}");
    assert!(!answer.contains('【'), "{answer}");
    let context = chat.context().unwrap().clone();
    assert!(context.vector_store_id.is_some());
    assert_eq!(context.file_ids.len(), 2);
    assert_eq!(stores_and_files(&client), (1, 2));

    chat.close().unwrap();
    assert_eq!(stores_and_files(&client), (0, 0));
    let gone = client
        .get_conversation(context.conversation_id.as_deref().unwrap())
        .unwrap_err();
    assert_eq!(gone.status(), Some(404));
}

#[test]
fn streamed_answers_arrive_in_pieces_that_make_the_answer_on_every_backend() {
    let (_server, client) = engine();
    for backend in [
        CopilotBackend::Responses,
        CopilotBackend::ChatCompletions,
        CopilotBackend::Assistants,
    ] {
        let mut chat = client.get_chat_copilot(
            ChatCopilotOptions::new()
                .with_backend(backend)
                .with_document(TextDocument::new("policy.md", POLICY)),
        );
        let mut pieces = Vec::new();
        let answer = chat
            .get_response_streamed("How long is the warranty?", |t| pieces.push(t.to_owned()))
            .unwrap();
        assert!(answer.contains("24 months"), "{backend:?}: {answer}");
        assert!(pieces.len() > 1, "{backend:?}: one piece: {pieces:?}");
        assert_eq!(pieces.concat().trim(), answer.trim(), "{backend:?}");
        chat.close().unwrap();

        let mut summary = client.get_summary_copilot(
            SummaryCopilotOptions::new()
                .with_backend(backend)
                .with_document(TextDocument::new("trains.txt", TRAINS)),
        );
        let mut streamed = String::new();
        let text = summary
            .get_summary_streamed(|t| streamed.push_str(t))
            .unwrap();
        assert_eq!(streamed.trim(), text.trim(), "{backend:?}");
        // Kept: streamed again at once, without a request.
        let mut again = String::new();
        assert_eq!(
            summary.get_summary_streamed(|t| again.push_str(t)).unwrap(),
            text
        );
        assert_eq!(again, text);
    }
    assert_eq!(stores_and_files(&client), (0, 0));
}

fn response(text: &str) -> Value {
    json!({
        "id": "resp_1", "object": "response", "created_at": 1, "status": "completed",
        "model": "gpt-4o-mini", "output": [{
            "type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]
        }],
        "parallel_tool_calls": true, "tool_choice": "auto", "tools": [],
        "error": null, "incomplete_details": null, "instructions": null, "metadata": {},
        "temperature": 1.0, "top_p": 1.0
    })
}

#[test]
fn a_pdf_that_fits_goes_inline_as_an_input_file_and_nothing_is_stored() {
    let server = MockServer::start();
    let pdf = text_pdf("policy.pdf", POLICY);
    let data = format!(
        "data:application/pdf;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(pdf.bytes())
    );
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path("/responses")
            .header_missing("openai-beta")
            .json_body_includes(r#"{"model": "gpt-4.1-mini", "store": false, "temperature": 0.3, "max_output_tokens": 300}"#)
            .body_includes(r#""type":"input_file""#)
            .body_includes(r#""filename":"policy.pdf""#)
            .body_includes(&data)
            .body_includes("### Document: trains.txt")
            .body_includes("Summarise the documents");
        then.status(200).json_body(response("A policy and a train."));
    });
    let uploads = server.mock(|when, then| {
        when.path_includes("/files");
        then.status(500);
    });
    let mut copilot = mock_client(&server).get_summary_copilot(
        SummaryCopilotOptions::new()
            .with_model("gpt-4.1-mini")
            .with_temperature(0.3)
            .with_max_completion_tokens(300)
            .with_document(pdf)
            .with_document(TextDocument::new("trains.txt", TRAINS)),
    );
    assert_eq!(copilot.get_summary().unwrap(), "A policy and a train.");
    assert_eq!((mock.calls(), uploads.calls()), (1, 0));
}

#[test]
fn documents_over_the_inline_limit_go_through_file_search_and_are_deleted_after() {
    let server = MockServer::start();
    let upload = server.mock(|when, then| {
        when.method(POST).path("/files").body_includes("assistants");
        then.status(200)
            .json_body(json!({"id": "file-1", "object": "file", "bytes": 10,
            "created_at": 1, "filename": "policy.md", "purpose": "assistants"}));
    });
    let store = json!({"id": "vs_1", "object": "vector_store", "created_at": 1,
        "name": "Summary copilot", "status": "completed", "usage_bytes": 0,
        "file_counts": {"in_progress": 0, "completed": 1, "failed": 0, "cancelled": 0, "total": 1},
        "last_active_at": 1, "metadata": {}});
    let create_store = server.mock(|when, then| {
        when.method(POST).path("/vector_stores").json_body_includes(
            r#"{"file_ids": ["file-1"], "expires_after": {"anchor": "last_active_at", "days": 1}}"#,
        );
        then.status(200).json_body(store.clone());
    });
    let get_store = server.mock(|when, then| {
        when.method(GET).path("/vector_stores/vs_1");
        then.status(200).json_body(store.clone());
    });
    let ask = server.mock(|when, then| {
        when.method(POST)
            .path("/responses")
            .json_body_includes(r#"{"tools": [{"type": "file_search", "vector_store_ids": ["vs_1"]}], "store": false}"#)
            .body_includes("Summarise the documents")
            .is_true(|req| !String::from_utf8_lossy(req.body().as_ref()).contains("input_file"));
        then.status(200).json_body(response("Thirty days.【4:0†policy.md】"));
    });
    let deleted = |path: &'static str, object: &'static str| {
        server.mock(move |when, then| {
            when.method(DELETE).path(path);
            then.status(200).json_body(
                json!({"id": path.rsplit('/').next(), "object": object, "deleted": true}),
            );
        })
    };
    let delete_store = deleted("/vector_stores/vs_1", "vector_store.deleted");
    let delete_file = deleted("/files/file-1", "file");

    let mut copilot = mock_client(&server).get_summary_copilot(
        SummaryCopilotOptions::new()
            .with_max_inline_tokens(10)
            .with_document(TextDocument::new("policy.md", POLICY)),
    );
    assert_eq!(copilot.get_summary().unwrap(), "Thirty days.");
    for (name, mock) in [
        ("upload", &upload),
        ("create store", &create_store),
        ("ask", &ask),
        ("delete store", &delete_store),
        ("delete file", &delete_file),
    ] {
        assert_eq!(mock.calls(), 1, "{name}");
    }
    assert!(get_store.calls() <= 1);
}

#[test]
fn a_failure_halfway_deletes_what_was_made_and_reports_the_first_error() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path("/files");
        then.status(200)
            .json_body(json!({"id": "file-1", "object": "file", "bytes": 10,
            "created_at": 1, "filename": "policy.md", "purpose": "assistants"}));
    });
    let store = server.mock(|when, then| {
        when.method(POST).path("/vector_stores");
        then.status(400)
            .json_body(json!({"error": {"message": "Too many stores.",
            "type": "invalid_request_error", "param": null, "code": null}}));
    });
    let delete_file = server.mock(|when, then| {
        when.method(DELETE).path("/files/file-1");
        then.status(200)
            .json_body(json!({"id": "file-1", "object": "file", "deleted": true}));
    });
    let conversations = server.mock(|when, then| {
        when.path_includes("/conversations");
        then.status(500);
    });
    let mut chat = mock_client(&server).get_chat_copilot(
        ChatCopilotOptions::new()
            .with_document_delivery(DocumentDelivery::FileSearch)
            .with_document(TextDocument::new("policy.md", POLICY)),
    );
    let err = chat.get_response("Returns?").unwrap_err();
    assert!(err.to_string().contains("Too many stores"), "{err}");
    assert_eq!(store.calls(), 1);
    assert_eq!(delete_file.calls(), 1, "the uploaded file is deleted again");
    assert_eq!(conversations.calls(), 0, "no conversation was made");
    assert!(!chat.has_context());
}

#[test]
fn chat_requests_name_the_conversation_and_close_deletes_it() {
    let server = MockServer::start();
    let create = server.mock(|when, then| {
        when.method(POST)
            .path("/conversations")
            .body_includes("The documents of this conversation:")
            .body_includes("### Document: policy.md");
        then.status(200)
            .json_body(json!({"id": "conv_1", "object": "conversation",
            "created_at": 1, "metadata": {}}));
    });
    let ask = server.mock(|when, then| {
        when.method(POST)
            .path("/responses")
            .json_body_includes(r#"{"conversation": "conv_1", "truncation": "auto", "input": [{"type": "message", "role": "user", "content": "Returns?"}]}"#)
            .is_true(|req| {
                let body = String::from_utf8_lossy(req.body().as_ref()).into_owned();
                !body.contains("### Document") && !body.contains("\"store\"")
            });
        then.status(200).json_body(response("Within 30 days."));
    });
    let delete = server.mock(|when, then| {
        when.method(DELETE).path("/conversations/conv_1");
        then.status(200)
            .json_body(json!({"id": "conv_1", "object": "conversation.deleted", "deleted": true}));
    });
    let mut chat = mock_client(&server).get_chat_copilot(
        ChatCopilotOptions::new().with_document(TextDocument::new("policy.md", POLICY)),
    );
    assert_eq!(chat.get_response("Returns?").unwrap(), "Within 30 days.");
    assert_eq!(chat.get_response("Returns?").unwrap(), "Within 30 days.");
    assert_eq!((create.calls(), ask.calls()), (1, 2), "documents sent once");
    chat.close().unwrap();
    assert_eq!(delete.calls(), 1);
}

#[test]
fn an_answer_without_text_names_the_reason() {
    let server = MockServer::start();
    let mut incomplete = response("");
    incomplete["status"] = json!("incomplete");
    incomplete["incomplete_details"] = json!({"reason": "max_output_tokens"});
    incomplete["output"] = json!([]);
    server.mock(|when, then| {
        when.method(POST).path("/responses");
        then.status(200).json_body(incomplete);
    });
    let mut copilot = mock_client(&server).get_summary_copilot(
        SummaryCopilotOptions::new().with_document(TextDocument::new("a.txt", "Some text.")),
    );
    let err = copilot.get_summary().unwrap_err();
    assert!(
        matches!(&err, CopilotError::NoAnswer { reason } if reason.contains("incomplete") && reason.contains("max_output_tokens")),
        "{err:?}"
    );
}
