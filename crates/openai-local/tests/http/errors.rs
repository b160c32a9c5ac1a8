//! Errors: invalid bodies name the field, unknown ids are 404s, and random bodies get typed errors, never a crash.

use crate::support::*;

#[test]
fn invalid_bodies_name_the_field() {
    let server = fast();
    let http = Http::new(&server);
    let cases: Vec<(&str, &str, Value, Option<&str>)> = vec![
        (
            "POST",
            "/v1/assistants",
            json!({"name": "x"}),
            Some("model"),
        ),
        (
            "POST",
            "/v1/assistants",
            json!({"model": 42}),
            Some("model"),
        ),
        (
            "POST",
            "/v1/assistants",
            json!({"model": "m", "tools": [{"type": "browser"}]}),
            Some("tools[0].type"),
        ),
        (
            "POST",
            "/v1/assistants",
            json!({"model": "m", "tools": [{}]}),
            Some("tools[0].type"),
        ),
        (
            "POST",
            "/v1/assistants",
            json!({"model": "m", "tools": [{"type": "function"}]}),
            Some("tools[0].function"),
        ),
        (
            "POST",
            "/v1/assistants",
            json!({"model": "m", "tools": [{"type": "function", "function": {"name": 7}}]}),
            Some("tools[0].function.name"),
        ),
        (
            "POST",
            "/v1/assistants",
            json!({"model": "m", "tools": [{"type": "function", "function": {"name": "bad name"}}]}),
            Some("tools[0].function.name"),
        ),
        (
            "POST",
            "/v1/threads",
            json!({"messages": [{"role": "user"}]}),
            Some("messages[0].content"),
        ),
        (
            "POST",
            "/v1/threads",
            json!({"messages": [{"role": "robot", "content": "x"}]}),
            Some("messages[0].role"),
        ),
        (
            "POST",
            "/v1/threads",
            json!({"messages": [{"role": "user", "content": [{"type": "video", "video": 1}]}]}),
            Some("messages[0].content[0].type"),
        ),
        (
            "POST",
            "/v1/vector_stores",
            json!({"file_ids": "file-1"}),
            Some("file_ids"),
        ),
        (
            "POST",
            "/v1/vector_stores",
            json!({"chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": 5, "chunk_overlap_tokens": 0}}}),
            Some("chunking_strategy.static.max_chunk_size_tokens"),
        ),
        (
            "POST",
            "/v1/chat/completions",
            json!({"model": "m"}),
            Some("messages"),
        ),
        (
            "POST",
            "/v1/chat/completions",
            json!({"model": "m", "messages": [{"role": "wizard", "content": "x"}]}),
            Some("messages[0].role"),
        ),
        (
            "POST",
            "/v1/chat/completions",
            json!({"model": "m", "messages": []}),
            Some("messages"),
        ),
    ];
    for (method, path, body, param) in cases {
        let a = http.call(method, path, Some(body.clone()));
        assert_eq!(a.status, 400, "{path} {body}: {}", a.text());
        let e = a.error();
        assert_eq!(e["param"].as_str(), param, "{path} {body}: {e}");
        assert_eq!(e["type"], "invalid_request_error");
    }
    // Not JSON at all: 400 without a param.
    for body in [&b"{"[..], b"", b"not json", b"{\"model\": }"] {
        let a = http.raw(
            "POST",
            "/v1/assistants",
            &[
                ("Authorization", "Bearer k"),
                ("OpenAI-Beta", "assistants=v2"),
            ],
            body,
        );
        assert_eq!(a.status, 400);
        assert_eq!(a.error()["param"], Value::Null);
    }
    // Bad list parameters.
    for (q, param) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("order=up", "order"),
        ("after=nope", "after"),
    ] {
        let a = http.call("GET", &format!("/v1/assistants?{q}"), None);
        assert_eq!(a.status, 400, "{q}");
        assert_eq!(a.error()["param"], param, "{q}");
    }
}

#[test]
fn unknown_ids_are_404() {
    let server = fast();
    let http = Http::new(&server);
    let thread = id(&http.ok("POST", "/v1/threads", None));
    for path in [
        "/v1/assistants/asst_nope".to_string(),
        "/v1/threads/thread_nope".to_string(),
        "/v1/threads/thread_nope/messages".to_string(),
        format!("/v1/threads/{thread}/messages/msg_nope"),
        format!("/v1/threads/{thread}/runs/run_nope"),
        format!("/v1/threads/{thread}/runs/run_nope/steps"),
        "/v1/files/file-nope".to_string(),
        "/v1/files/file-nope/content".to_string(),
        "/v1/vector_stores/vs_nope".to_string(),
        "/v1/vector_stores/vs_nope/files".to_string(),
    ] {
        let a = http.call("GET", &path, None);
        assert_eq!(a.status, 404, "{path}");
        assert!(
            a.error()["message"].as_str().unwrap().contains("nope"),
            "{path}"
        );
    }
    assert_eq!(
        http.call("DELETE", "/v1/assistants/asst_nope", None).status,
        404
    );
    let run = http.call(
        "POST",
        &format!("/v1/threads/{thread}/runs"),
        Some(json!({"assistant_id": "asst_nope"})),
    );
    assert_eq!(
        (run.status, run.error()["param"].clone()),
        (404, json!("assistant_id"))
    );
}

#[test]
fn random_bodies_get_typed_errors_never_crashes() {
    let server = fast();
    let http = Http::new(&server);
    let thread = id(&http.ok("POST", "/v1/threads", None));
    let conversation = id(&http.ok("POST", "/v1/conversations", None));
    let upload = id(&http.ok(
        "POST",
        "/v1/uploads",
        Some(json!({"filename": "f", "purpose": "batch", "bytes": 3, "mime_type": "x/y"})),
    ));
    let paths = [
        "/v1/assistants".to_string(),
        "/v1/threads".to_string(),
        format!("/v1/threads/{thread}/messages"),
        format!("/v1/threads/{thread}/runs"),
        "/v1/threads/runs".to_string(),
        "/v1/vector_stores".to_string(),
        "/v1/chat/completions".to_string(),
        "/v1/responses".to_string(),
        "/v1/responses/input_tokens".to_string(),
        "/v1/conversations".to_string(),
        format!("/v1/conversations/{conversation}/items"),
        "/v1/embeddings".to_string(),
        "/v1/moderations".to_string(),
        "/v1/batches".to_string(),
        "/v1/uploads".to_string(),
        format!("/v1/uploads/{upload}/complete"),
    ];
    let mut seed = 42u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let pieces = [
        "{",
        "}",
        "[",
        "]",
        "\"",
        ":",
        ",",
        "null",
        "1",
        "-2.5e3",
        "true",
        "\"model\"",
        "\"tools\"",
        "\"type\"",
        "\"function\"",
        "\"messages\"",
        "\"role\"",
        "\"user\"",
        "\"content\"",
        "\"assistant_id\"",
        "\"input\"",
        "\"items\"",
        "\"input_text\"",
        "\"function_call_output\"",
        "\"item_reference\"",
        "\"input_file_id\"",
        "\"endpoint\"",
        "\"/v1/responses\"",
        "\"part_ids\"",
        "\"bytes\"",
        "\u{fffd}",
        "\\u0000",
    ];
    for round in 0..600 {
        let body: Vec<u8> = if round % 4 == 0 {
            (0..next() % 80).map(|_| (next() & 0xff) as u8).collect()
        } else {
            (0..next() % 25)
                .map(|_| pieces[next() % pieces.len()])
                .collect::<String>()
                .into_bytes()
        };
        let path = &paths[next() % paths.len()];
        let a = http.raw(
            "POST",
            path,
            &[
                ("Authorization", "Bearer k"),
                ("OpenAI-Beta", "assistants=v2"),
                ("Content-Type", "application/json"),
            ],
            &body,
        );
        assert!(
            matches!(a.status, 200 | 400 | 404),
            "{path} {:?} -> {}",
            String::from_utf8_lossy(&body),
            a.status
        );
        if a.status != 200 {
            a.error();
        }
    }
    // Random multipart bodies too.
    for round in 0..100 {
        let body: Vec<u8> = (0..next() % 200)
            .map(|_| b"-\r\nB:;=\"ab"[next() % 10])
            .collect();
        let path = if round % 2 == 0 {
            "/v1/files".to_string()
        } else {
            format!("/v1/uploads/{upload}/parts")
        };
        let a = http.raw(
            "POST",
            &path,
            &[
                ("Authorization", "Bearer k"),
                ("Content-Type", "multipart/form-data; boundary=B"),
            ],
            &body,
        );
        assert_eq!(a.status, 400);
        a.error();
    }
}
