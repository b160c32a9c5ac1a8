//! `/batches`: create, get, list, cancel, the walker, submitting a written file, reading the
//! results back typed, and waiting with request counts.

use std::sync::{Arc, Mutex};

use httpmock::prelude::*;
use openai_blocking::types::*;
use openai_blocking::*;
use serde_json::{json, Value};

use crate::support::*;

fn batch() -> Value {
    fixture("batch.json")
}

fn batch_with(changes: Value) -> Value {
    let mut batch = batch();
    for (key, value) in changes.as_object().unwrap() {
        batch[key] = value.clone();
    }
    batch
}

#[test]
fn create_batch_sends_every_field() {
    let server = MockServer::start();
    let mock = Route::post(
        "/batches",
        json!({
            "input_file_id": "file-In9xT2",
            "endpoint": "/v1/responses",
            "completion_window": "24h",
            "metadata": {"job": "nightly-summaries"},
            "output_expires_after": {"anchor": "created_at", "seconds": 86400}
        }),
    )
    .mock(&server, batch());
    let request = BatchCreateRequest {
        metadata: Some(metadata(&[("job", "nightly-summaries")])),
        output_expires_after: Some(BatchFileExpirationAfter {
            anchor: BatchFileExpirationAfterAnchor::CreatedAt,
            seconds: 86400,
        }),
        ..BatchCreateRequest::new("file-In9xT2", BatchCreateRequestEndpoint::V1Responses)
    };
    let client = client(&server);
    let created = ok(&mock, client.create_batch(&request));
    assert_eq!(created.id, "batch_68f2b1c0a4e08190");
    assert_eq!(created.status, BatchResponseStatus::InProgress);
    let counts = created.request_counts.as_ref().unwrap();
    assert_eq!((counts.total, counts.completed, counts.failed), (3, 1, 0));
    same_as_plain(
        ok(&mock, client.create_batch_with_response(&request)),
        &created,
    );
    mock.assert_calls(2);
}

#[test]
fn get_cancel_and_list_batches() {
    let server = MockServer::start();
    let get = Route::get("/batches/batch_68f2b1c0a4e08190").mock(&server, batch());
    let cancel = Route::post_empty("/batches/batch_68f2b1c0a4e08190/cancel").mock(
        &server,
        batch_with(json!({"status": "cancelling", "cancelling_at": 1764590500})),
    );
    let odd = Route::get(format!("/batches/{ODD_ID_ENCODED}")).mock(&server, batch());
    let list = Route::get("/batches")
        .query("after=batch_1&limit=2")
        .mock(&server, page(vec![batch()], false));
    let client = client(&server);
    assert_eq!(
        ok(&get, client.get_batch("batch_68f2b1c0a4e08190")).endpoint,
        "/v1/responses"
    );
    let cancelling = ok(&cancel, client.cancel_batch("batch_68f2b1c0a4e08190"));
    assert_eq!(cancelling.status, BatchResponseStatus::Cancelling);
    assert_eq!(cancelling.cancelling_at, Some(1764590500));
    ok(&odd, client.get_batch(ODD_ID));
    let query = BatchListQueryParameters {
        after: Some("batch_1".into()),
        limit: Some(2),
    };
    let listed = ok(&list, client.get_batches(Some(&query)));
    assert_eq!(listed.data.len(), 1);
    invalid_argument("batch_id", client.get_batch(""));
}

#[test]
fn iter_batches_walks_every_page() {
    let server = MockServer::start();
    let pages = three_pages(&server, "/batches", "limit=2", &batch(), "batch_");
    let query = BatchListQueryParameters {
        limit: Some(2),
        ..Default::default()
    };
    let ids: Vec<String> = client(&server)
        .iter_batches(Some(query))
        .map(|b| b.unwrap().id)
        .collect();
    assert_eq!(ids, five_ids("batch_"));
    each_page_once(&pages);
}

#[test]
fn submit_batch_uploads_the_file_for_batch_and_starts_it() {
    let dir = std::env::temp_dir().join(format!("openai-blocking-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("submit.jsonl");
    let _ = std::fs::remove_file(&path);
    let mut writer = BatchWriter::create(&path).unwrap();
    writer
        .push(
            "doc-1",
            ResponseCreateRequest::text("gpt-4.1-mini", "Summarise: one"),
        )
        .unwrap();
    let file = writer.finish().unwrap();
    let content = std::fs::read_to_string(&path).unwrap();

    let server = MockServer::start();
    let upload = server.mock(|when, then| {
        when.method(POST)
            .path("/files")
            .header_exists("content-type")
            .body_includes("name=\"purpose\"\r\n\r\nbatch\r\n")
            .body_includes("filename=\"submit.jsonl\"")
            .body_includes(content.trim_end());
        then.status(200).json_body(json!({
            "id": "file-In9xT2", "object": "file", "bytes": content.len(),
            "created_at": 1764590400, "filename": "submit.jsonl", "purpose": "batch"
        }));
    });
    let create = Route::post(
        "/batches",
        json!({
            "input_file_id": "file-In9xT2",
            "endpoint": "/v1/responses",
            "completion_window": "24h",
            "metadata": {"job": "nightly-summaries"}
        }),
    )
    .mock(&server, batch());
    let started = client(&server)
        .submit_batch(&file, Some(metadata(&[("job", "nightly-summaries")])))
        .unwrap();
    assert_eq!(started.id, "batch_68f2b1c0a4e08190");
    upload.assert();
    create.assert();
    std::fs::remove_dir_all(&dir).unwrap();

    // A file never written to disk cannot be uploaded.
    let mut in_memory = BatchWriter::new(Vec::new());
    in_memory
        .push("doc-1", ResponseCreateRequest::text("gpt-4.1-mini", "x"))
        .unwrap();
    let unsaved = in_memory.finish().unwrap();
    invalid_argument("file", client(&server).submit_batch(&unsaved, None));
}

/// A line of an output file: `custom_id` answered with `status` and `body`.
fn output_line(custom_id: &str, status: u16, body: Value) -> String {
    json!({
        "id": format!("batch_req_{custom_id}"),
        "custom_id": custom_id,
        "response": {"status_code": status, "request_id": format!("req_{custom_id}"), "body": body},
        "error": null
    })
    .to_string()
}

fn response_body(text: &str) -> Value {
    json!({
        "id": "resp_1", "object": "response", "created_at": 1764590400, "status": "completed",
        "model": "gpt-4.1-mini", "parallel_tool_calls": true, "tool_choice": "auto", "tools": [],
        "output": [{
            "id": "msg_1", "type": "message", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]
        }]
    })
}

#[test]
fn results_come_typed_from_the_output_then_the_error_file() {
    let server = MockServer::start();
    // The output file, out of input order, and a blank line at the end.
    let output = [
        output_line("doc-3", 200, response_body("Third.")),
        output_line("doc-1", 200, response_body("First.")),
        String::new(),
    ]
    .join("\n");
    let errors = [
        output_line(
            "doc-2",
            429,
            json!({"error": {"message": "Rate limit reached", "type": "requests", "param": null, "code": "rate_limit_exceeded"}}),
        ),
        json!({"id": "batch_req_doc-4", "custom_id": "doc-4", "response": null,
               "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}})
        .to_string(),
        output_line(
            "doc-5",
            400,
            json!({"error": {"message": "Invalid 'input'.", "type": "invalid_request_error", "param": "input", "code": null}}),
        ),
    ]
    .join("\n");
    let out = Route::get("/files/file-out/content").mock_reply(
        &server,
        "application/octet-stream",
        output.into_bytes(),
    );
    let err = Route::get("/files/file-err/content").mock_reply(
        &server,
        "application/octet-stream",
        errors.into_bytes(),
    );
    let done: BatchResponse = serde_json::from_value(batch_with(json!({
        "status": "completed", "output_file_id": "file-out", "error_file_id": "file-err"
    })))
    .unwrap();

    let client = client(&server);
    let mut results = client.batch_results(&done);
    // Nothing is downloaded before the results are read.
    assert_eq!((out.calls(), err.calls()), (0, 0));
    let first = results.next().unwrap().unwrap();
    assert_eq!((out.calls(), err.calls()), (1, 0));
    let mut all = vec![first];
    all.extend(results.map(Result::unwrap));
    let ids: Vec<&str> = all.iter().map(|r| r.custom_id.as_str()).collect();
    assert_eq!(ids, ["doc-3", "doc-1", "doc-2", "doc-4", "doc-5"]);

    let text = |r: &BatchResult| match &r.outcome {
        Ok(BatchAnswer::Response(response)) => response.output_text(),
        other => panic!("not a response: {other:?}"),
    };
    assert_eq!(text(&all[0]), "Third.");
    assert_eq!(text(&all[1]), "First.");
    assert_eq!(all[1].id.as_deref(), Some("batch_req_doc-1"));
    match &all[2].outcome {
        Err(
            e @ BatchLineError::Api {
                status: 429,
                request_id,
                error,
            },
        ) => {
            assert_eq!(request_id.as_deref(), Some("req_doc-2"));
            assert_eq!(error.code.as_deref(), Some("rate_limit_exceeded"));
            assert!(e.is_retryable());
        }
        other => panic!("expected a 429, got {other:?}"),
    }
    match &all[3].outcome {
        Err(e @ BatchLineError::NotRun { code, .. }) => {
            assert_eq!(code, "batch_expired");
            assert!(e.is_retryable());
        }
        other => panic!("expected batch_expired, got {other:?}"),
    }
    match &all[4].outcome {
        Err(
            e @ BatchLineError::Api {
                status: 400, error, ..
            },
        ) => {
            assert_eq!(error.param.as_deref(), Some("input"));
            assert!(!e.is_retryable());
            assert_eq!(e.to_string(), "HTTP 400: Invalid 'input'.");
        }
        other => panic!("expected a 400, got {other:?}"),
    }
    assert_eq!((out.calls(), err.calls()), (1, 1));
}

#[test]
fn a_broken_result_line_is_named_and_reading_goes_on() {
    let lines = [
        output_line("a", 200, json!({"object": "list", "data": [], "model": "m", "usage": {"prompt_tokens": 1, "total_tokens": 1}})),
        "{\"custom_id\": \"b\", \"response\": {\"status_code\": 200, \"body\": {\"object\": 3}}}".to_owned(),
        "not json".to_owned(),
        json!({"custom_id": "d"}).to_string(),
        output_line("e", 200, json!({"object": "list", "data": [], "model": "m", "usage": {"prompt_tokens": 1, "total_tokens": 1}})),
    ]
    .join("\n");
    let reader: Box<dyn std::io::Read + Send> = Box::new(std::io::Cursor::new(lines.into_bytes()));
    let results: Vec<Result<BatchResult, Error>> =
        BatchResults::from_readers("/v1/embeddings", vec![("file-out".into(), reader)]).collect();
    assert_eq!(results.len(), 5);
    assert!(matches!(&results[0], Ok(r) if matches!(r.outcome, Ok(BatchAnswer::Embedding(_)))));
    for (index, line, id) in [(1, 2, Some("b")), (2, 3, None), (3, 4, Some("d"))] {
        match &results[index] {
            Err(Error::InvalidBatchLine {
                line: got,
                custom_id,
                message,
            }) => {
                assert_eq!(*got, line);
                assert_eq!(custom_id.as_deref(), id);
                assert!(message.starts_with("file-out: "), "{message}");
            }
            other => panic!("line {line}: expected InvalidBatchLine, got {other:?}"),
        }
    }
    assert!(results[4].is_ok());
}

#[test]
fn failed_and_expired_lines_are_collected_into_a_new_batch() {
    // The input file, read back.
    let mut bytes = Vec::new();
    let mut writer = BatchWriter::new(&mut bytes);
    for n in 1..=4 {
        writer
            .push(
                format!("doc-{n}"),
                ResponseCreateRequest::text("gpt-4.1-mini", format!("Summarise {n}")),
            )
            .unwrap();
    }
    writer.finish().unwrap();
    let retry: std::collections::HashSet<&str> = ["doc-2", "doc-4"].into();
    let mut again = BatchWriter::new(Vec::new());
    for line in read_batch_lines(&bytes[..]) {
        let line = line.unwrap();
        if retry.contains(line.custom_id.as_str()) {
            again.push_line(line).unwrap();
        }
    }
    let file = again.finish().unwrap();
    assert_eq!(file.lines, 2);
    assert_eq!(file.endpoint, Some(BatchCreateRequestEndpoint::V1Responses));
}

#[test]
fn a_batch_is_waited_for_with_its_request_counts() {
    let server = MockServer::start();
    let slept = Arc::new(Mutex::new(0usize));
    let counter = slept.clone();
    let client = OpenAIClient::create_with_api_key(KEY)
        .with_base_url(server.base_url())
        .with_max_retries(0)
        .with_polling_interval(Some(std::time::Duration::from_secs(30)))
        .with_sleeper(move |_| *counter.lock().unwrap() += 1)
        .build()
        .unwrap();
    let state = |after: usize, status: &str, completed: i64| {
        let slept = slept.clone();
        let body = batch_with(
            json!({"status": status, "request_counts": {"total": 3, "completed": completed, "failed": 0}}),
        );
        server.mock(move |when, then| {
            when.method(GET)
                .path("/batches/batch_1")
                .is_true(move |_| *slept.lock().unwrap() == after);
            then.status(200).json_body(body);
        })
    };
    state(0, "validating", 0);
    state(1, "in_progress", 1);
    state(2, "finalizing", 3);
    state(3, "completed", 3);
    let mut seen = Vec::new();
    let done = client
        .waiter()
        .on_poll(|p| {
            let c = p.counts.unwrap();
            seen.push((p.status.clone(), c.completed, c.total));
        })
        .wait_for_batch_to_complete("batch_1")
        .unwrap();
    assert_eq!(done.status, BatchResponseStatus::Completed);
    assert_eq!(
        seen,
        [
            ("validating".to_owned(), 0, 3),
            ("in_progress".to_owned(), 1, 3),
            ("finalizing".to_owned(), 3, 3),
            ("completed".to_owned(), 3, 3),
        ]
    );
}

#[test]
fn every_final_batch_status_ends_the_wait() {
    for status in ["completed", "failed", "expired", "cancelled"] {
        let server = MockServer::start();
        let get =
            Route::get("/batches/batch_1").mock(&server, batch_with(json!({"status": status})));
        let done = client(&server)
            .wait_for_batch_to_complete("batch_1")
            .unwrap();
        assert_eq!(done.status.to_string(), status);
        get.assert_calls(1);
    }
}
