//! Batches over raw HTTP: the batch object's shape and lifecycle on a manual clock, the
//! output and error files as JSONL, per-line errors, whole-file failures, cancel, expiry,
//! the list.

use crate::support::*;

const HOUR: Duration = Duration::from_secs(3600);

/// One request line of a batch file.
fn line(custom_id: &str, url: &str, body: Value) -> String {
    json!({"custom_id": custom_id, "method": "POST", "url": url, "body": body}).to_string()
}

fn ask(custom_id: &str, text: &str) -> String {
    line(
        custom_id,
        "/v1/responses",
        json!({"model": "gpt-4.1-mini", "input": text}),
    )
}

/// Uploads `lines` as a batch input file; its id.
fn batch_file(http: &Http, lines: &[String]) -> String {
    let a = http.upload("batch", "requests.jsonl", lines.join("\n").as_bytes());
    assert_eq!(a.status, 200, "{}", a.text());
    id(&a.json())
}

fn create(http: &Http, file: &str, endpoint: &str) -> Value {
    http.ok(
        "POST",
        "/v1/batches",
        Some(json!({"input_file_id": file, "endpoint": endpoint, "completion_window": "24h"})),
    )
}

fn get(http: &Http, batch: &str) -> Value {
    http.ok("GET", &format!("/v1/batches/{batch}"), None)
}

/// The JSONL lines of a stored file.
fn jsonl(http: &Http, file: &Value) -> Vec<Value> {
    let file = file.as_str().expect("a file id");
    let a = http.call("GET", &format!("/v1/files/{file}/content"), None);
    assert_eq!(a.status, 200, "{}", a.text());
    std::str::from_utf8(&a.body)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn counts(batch: &Value) -> [i64; 3] {
    let c = &batch["request_counts"];
    ["total", "completed", "failed"].map(|k| c[k].as_i64().unwrap())
}

#[test]
fn a_batch_goes_through_its_statuses_one_step_at_a_time_and_stores_its_output() {
    let (server, clock) = on_clock(Duration::from_secs(1));
    let http = Http::new(&server);
    let file = batch_file(
        &http,
        &[ask("q1", "first"), ask("q2", "second"), ask("q3", "third")],
    );
    let batch = http.ok(
        "POST",
        "/v1/batches",
        Some(json!({"input_file_id": file, "endpoint": "/v1/responses",
                    "completion_window": "24h", "metadata": {"job": "nightly"}})),
    );
    let created = batch["created_at"].as_i64().unwrap();
    assert!(id(&batch).starts_with("batch_"), "{batch}");
    assert_eq!(
        (&batch["object"], &batch["status"], &batch["endpoint"]),
        (
            &json!("batch"),
            &json!("validating"),
            &json!("/v1/responses")
        )
    );
    assert_eq!(batch["input_file_id"], file.as_str());
    assert_eq!(batch["completion_window"], "24h");
    assert_eq!(batch["metadata"], json!({"job": "nightly"}));
    assert_eq!(batch["expires_at"], created + 86_400);
    assert_eq!(counts(&batch), [0, 0, 0]);
    for key in [
        "output_file_id",
        "error_file_id",
        "errors",
        "in_progress_at",
        "finalizing_at",
        "completed_at",
        "failed_at",
        "expired_at",
        "cancelling_at",
        "cancelled_at",
    ] {
        assert_eq!(
            batch.get(key),
            Some(&Value::Null),
            "{key} is an explicit null"
        );
    }
    let path = format!("/v1/batches/{}", id(&batch));
    assert_eq!(
        http.ok("GET", &path, None),
        batch,
        "nothing moves without the clock"
    );

    clock.advance(Duration::from_secs(1));
    let b = get(&http, &id(&batch));
    assert_eq!(b["status"], "in_progress");
    assert_eq!(b["in_progress_at"], created + 1);
    assert_eq!(b["model"], "gpt-4.1-mini");
    assert_eq!(counts(&b), [3, 0, 0]);

    clock.advance(Duration::from_secs(1));
    let b = get(&http, &id(&batch));
    assert_eq!(b["status"], "finalizing");
    assert_eq!(b["finalizing_at"], created + 2);
    assert_eq!(counts(&b), [3, 3, 0]);
    assert_eq!(
        b["output_file_id"],
        Value::Null,
        "the files come at the end"
    );

    clock.advance(Duration::from_secs(1));
    let b = get(&http, &id(&batch));
    assert_eq!(b["status"], "completed");
    assert_eq!(b["completed_at"], created + 3);
    assert_eq!(b["error_file_id"], Value::Null, "no line failed");
    let usage = &b["usage"];
    assert!(usage["input_tokens"].as_i64().unwrap() > 0, "{b}");
    assert_eq!(
        usage["total_tokens"].as_i64(),
        Some(usage["input_tokens"].as_i64().unwrap() + usage["output_tokens"].as_i64().unwrap())
    );

    let output = b["output_file_id"].as_str().unwrap();
    let f = http.ok("GET", &format!("/v1/files/{output}"), None);
    assert_eq!(f["purpose"], "batch_output");
    assert_eq!(f["filename"], format!("{}_output.jsonl", id(&batch)));
    let lines = jsonl(&http, &b["output_file_id"]);
    assert_eq!(lines.len(), 3);
    assert_eq!(f["bytes"].as_u64(), {
        let a = http.call("GET", &format!("/v1/files/{output}/content"), None);
        Some(a.body.len() as u64)
    });
    for (line, (custom_id, text)) in
        lines
            .iter()
            .zip([("q1", "first"), ("q2", "second"), ("q3", "third")])
    {
        assert!(id(line).starts_with("batch_req_"), "{line}");
        assert_eq!(line["custom_id"], custom_id);
        assert_eq!(line["error"], Value::Null);
        let response = &line["response"];
        assert_eq!(response["status_code"], 200);
        assert!(response["request_id"].as_str().unwrap().starts_with("req_"));
        let body = &response["body"];
        assert_eq!(body["object"], "response");
        assert_eq!(body["status"], "completed");
        assert_eq!(
            body["output"][0]["content"][0]["text"],
            format!("You said: \"{text}\"")
        );
        // The response was made by the engine's own handler: it is stored like any other.
        let stored = http.ok("GET", &format!("/v1/responses/{}", id(body)), None);
        assert_eq!(stored["output"], body["output"]);
    }
    let ids: std::collections::HashSet<String> = lines.iter().map(id).collect();
    assert_eq!(ids.len(), 3, "each line has its own id");
    assert_eq!(
        get(&http, &id(&batch)),
        b,
        "a finished batch stays as it is"
    );
}

#[test]
fn a_line_the_endpoint_refuses_lands_in_the_error_file_with_the_engine_error() {
    let (server, clock) = on_clock(Duration::ZERO);
    let http = Http::new(&server);
    let chat = |id: &str, body: Value| line(id, "/v1/chat/completions", body);
    let file = batch_file(
        &http,
        &[
            chat(
                "ok",
                json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]}),
            ),
            chat(
                "no-model",
                json!({"messages": [{"role": "user", "content": "hi"}]}),
            ),
            chat(
                "streamed",
                json!({"model": "m", "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
            ),
            chat("empty", json!({"model": "m", "messages": []})),
        ],
    );
    let batch = create(&http, &file, "/v1/chat/completions");
    clock.advance(Duration::from_secs(1));
    let b = get(&http, &id(&batch));
    assert_eq!(b["status"], "completed", "a step of zero runs everything");
    assert_eq!(counts(&b), [4, 1, 3]);
    let out = jsonl(&http, &b["output_file_id"]);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["custom_id"], "ok");
    assert_eq!(out[0]["response"]["body"]["object"], "chat.completion");
    assert_eq!(
        out[0]["response"]["body"]["choices"][0]["message"]["content"],
        "You said: \"hi\""
    );
    let errors = jsonl(&http, &b["error_file_id"]);
    let by_id = |custom_id: &str| {
        errors
            .iter()
            .find(|l| l["custom_id"] == custom_id)
            .unwrap_or_else(|| panic!("no error line for {custom_id}"))
    };
    for (custom_id, param) in [
        ("no-model", "model"),
        ("streamed", "stream"),
        ("empty", "messages"),
    ] {
        let l = by_id(custom_id);
        assert!(id(l).starts_with("batch_req_"));
        assert_eq!(l["error"], Value::Null, "the request ran: {l}");
        let response = &l["response"];
        assert_eq!(response["status_code"], 400, "{l}");
        assert!(response["request_id"].as_str().unwrap().starts_with("req_"));
        let error = &response["body"]["error"];
        assert_eq!(error["type"], "invalid_request_error", "{l}");
        assert_eq!(error["param"], param, "{l}");
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    // The same body sent directly gets the same error.
    let direct = http.call(
        "POST",
        "/v1/chat/completions",
        Some(json!({"messages": [{"role": "user", "content": "hi"}]})),
    );
    assert_eq!(direct.status, 400);
    let mut batched = by_id("no-model")["response"]["body"]["error"].clone();
    let mut direct = direct.error();
    batched["message"] = Value::Null;
    direct["message"] = Value::Null;
    assert_eq!(batched, direct);
}

#[test]
fn a_wholly_invalid_file_fails_the_batch_with_an_error_per_line() {
    let (server, clock) = on_clock(Duration::from_secs(1));
    let http = Http::new(&server);
    let file = batch_file(
        &http,
        &[
            ask("a", "fine"),
            "this is not JSON".into(),
            line("b", "/v1/chat/completions", json!({"model": "m"})),
            ask("a", "again"),
            json!({"custom_id": "c", "method": "GET", "url": "/v1/responses", "body": {}})
                .to_string(),
            json!({"custom_id": "d", "method": "POST", "url": "/v1/responses"}).to_string(),
        ],
    );
    let batch = create(&http, &file, "/v1/responses");
    let created = batch["created_at"].as_i64().unwrap();
    clock.advance(Duration::from_secs(5));
    let b = get(&http, &id(&batch));
    assert_eq!(b["status"], "failed", "{b}");
    assert_eq!(b["failed_at"], created + 1, "failed when validated");
    assert_eq!(b["in_progress_at"], Value::Null);
    assert_eq!(
        (&b["output_file_id"], &b["error_file_id"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(b["errors"]["object"], "list");
    let errors: Vec<(Value, Value, Value)> = b["errors"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(!e["message"].as_str().unwrap().is_empty(), "{e}");
            assert!(e.get("param").is_some(), "param is an explicit null: {e}");
            (e["code"].clone(), e["line"].clone(), e["param"].clone())
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (json!("invalid_json_line"), json!(2), Value::Null),
            (json!("mismatched_endpoint"), json!(3), json!("url")),
            (json!("duplicate_custom_id"), json!(4), json!("custom_id")),
            (json!("invalid_value"), json!(5), json!("method")),
            (json!("missing_required_parameter"), json!(6), json!("body")),
        ]
    );
}

#[test]
fn an_empty_file_fails_the_batch() {
    let (server, clock) = on_clock(Duration::from_secs(1));
    let http = Http::new(&server);
    let file = batch_file(&http, &["".into(), "  ".into()]);
    let batch = create(&http, &file, "/v1/embeddings");
    clock.advance(Duration::from_secs(1));
    let b = get(&http, &id(&batch));
    assert_eq!(b["status"], "failed");
    assert_eq!(b["errors"]["data"][0]["code"], "empty_file");
    assert_eq!(b["errors"]["data"][0]["line"], Value::Null);
}

#[test]
fn a_batch_is_refused_for_a_bad_endpoint_window_file_or_metadata() {
    let server = fast();
    let http = Http::new(&server);
    let file = batch_file(&http, &[ask("a", "hi")]);
    let other = http.upload_ok("notes.txt", b"hello");
    let refused = |body: Value, status: u16, param: &str| {
        let a = http.call("POST", "/v1/batches", Some(body.clone()));
        assert_eq!(a.status, status, "{body}: {}", a.text());
        assert_eq!(a.error()["param"], param, "{body}");
    };
    let body = |f: &str, endpoint: &str, window: &str| json!({"input_file_id": f, "endpoint": endpoint, "completion_window": window});
    for endpoint in ["/v1/completions", "/v1/moderations", "/v1/anything"] {
        refused(body(&file, endpoint, "24h"), 400, "endpoint");
    }
    refused(
        body(&file, "/v1/responses", "48h"),
        400,
        "completion_window",
    );
    refused(body(&other, "/v1/responses", "24h"), 400, "input_file_id");
    refused(
        body("file-missing", "/v1/responses", "24h"),
        404,
        "input_file_id",
    );
    let mut many = body(&file, "/v1/responses", "24h");
    many["metadata"] = (0..17).map(|i| (format!("k{i}"), json!("v"))).collect();
    refused(many, 400, "metadata");
    refused(
        json!({"endpoint": "/v1/responses", "completion_window": "24h"}),
        400,
        "input_file_id",
    );
    let a = http.call("GET", "/v1/batches/batch_missing", None);
    assert_eq!(a.status, 404);
    let a = http.call("POST", "/v1/batches/batch_missing/cancel", None);
    assert_eq!(a.status, 404);
}

#[test]
fn a_cancelled_batch_keeps_the_lines_done_and_lists_the_others_as_not_run() {
    let clock = ManualClock::new();
    let server = LocalServer::builder()
        .clock(clock.clone())
        .step_delay(Duration::from_secs(1))
        .batch_lines_per_step(1)
        .start()
        .unwrap();
    let http = Http::new(&server);
    let file = batch_file(
        &http,
        &[ask("q1", "one"), ask("q2", "two"), ask("q3", "three")],
    );
    let batch = create(&http, &file, "/v1/responses");
    let path = format!("/v1/batches/{}/cancel", id(&batch));
    clock.advance(Duration::from_secs(2)); // validated, then one line
    let b = get(&http, &id(&batch));
    assert_eq!(
        (b["status"].clone(), counts(&b)),
        (json!("in_progress"), [3, 1, 0])
    );
    let now = b["created_at"].as_i64().unwrap() + 2;
    let cancelling = http.ok("POST", &path, None);
    assert_eq!(cancelling["status"], "cancelling");
    assert_eq!(cancelling["cancelling_at"], now);
    assert_eq!(
        http.ok("POST", &path, None),
        cancelling,
        "cancel again: no change"
    );
    clock.advance(Duration::from_secs(1));
    let b = get(&http, &id(&batch));
    assert_eq!(b["status"], "cancelled");
    assert_eq!(b["cancelled_at"], now + 1);
    assert_eq!(counts(&b), [3, 1, 0], "no more line ran");
    let out = jsonl(&http, &b["output_file_id"]);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["custom_id"], "q1");
    assert_eq!(
        out[0]["response"]["body"]["output"][0]["content"][0]["text"],
        "You said: \"one\""
    );
    let errors = jsonl(&http, &b["error_file_id"]);
    let not_run: Vec<&Value> = errors.iter().map(|e| &e["custom_id"]).collect();
    assert_eq!(not_run, [&json!("q2"), &json!("q3")]);
    for e in &errors {
        assert_eq!(e["response"], Value::Null);
        assert_eq!(e["error"]["code"], "batch_cancelled");
        assert!(id(e).starts_with("batch_req_"));
    }
    let again = http.call("POST", &path, None);
    assert_eq!(again.status, 200, "a cancelled batch stays cancelled");
    // A finished batch cannot be cancelled.
    let done = create(&http, &file, "/v1/responses");
    clock.advance(Duration::from_secs(10));
    assert_eq!(get(&http, &id(&done))["status"], "completed");
    let a = http.call("POST", &format!("/v1/batches/{}/cancel", id(&done)), None);
    assert_eq!(a.status, 400);
    assert!(a.error()["message"].as_str().unwrap().contains("completed"));
}

#[test]
fn a_batch_unfinished_at_the_end_of_its_window_expires() {
    let clock = ManualClock::new();
    let server = LocalServer::builder()
        .clock(clock.clone())
        .step_delay(HOUR)
        .batch_lines_per_step(1)
        .start()
        .unwrap();
    let http = Http::new(&server);
    let lines: Vec<String> = (0..30)
        .map(|i| ask(&format!("q{i}"), &format!("n{i}")))
        .collect();
    let batch = create(&http, &batch_file(&http, &lines), "/v1/responses");
    let created = batch["created_at"].as_i64().unwrap();
    // A day and an hour in one go: the steps are taken in order, as far as the window goes.
    clock.advance(25 * HOUR);
    let b = get(&http, &id(&batch));
    assert_eq!(b["status"], "expired", "{b}");
    assert_eq!(b["expired_at"], created + 86_400);
    assert_eq!(b["in_progress_at"], created + 3600);
    // Validated at hour 1, one line an hour from hour 2 to hour 23.
    assert_eq!(counts(&b), [30, 22, 0]);
    let out = jsonl(&http, &b["output_file_id"]);
    let done: Vec<String> = out
        .iter()
        .map(|l| l["custom_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(done, (0..22).map(|i| format!("q{i}")).collect::<Vec<_>>());
    let errors = jsonl(&http, &b["error_file_id"]);
    assert_eq!(errors.len(), 8);
    for (e, i) in errors.iter().zip(22..) {
        assert_eq!(e["custom_id"], format!("q{i}"));
        assert_eq!(e["error"]["code"], "batch_expired");
        assert_eq!(e["response"], Value::Null);
    }
}

#[test]
fn batches_are_listed_newest_first_with_cursors() {
    let server = fast();
    let http = Http::new(&server);
    let file = batch_file(&http, &[ask("a", "hi")]);
    let made: Vec<String> = (0..5)
        .map(|_| id(&create(&http, &file, "/v1/responses")))
        .collect();
    let page = http.ok("GET", "/v1/batches?limit=2", None);
    assert_eq!(page["object"], "list");
    let ids = |p: &Value| -> Vec<String> { p["data"].as_array().unwrap().iter().map(id).collect() };
    assert_eq!(ids(&page), [made[4].clone(), made[3].clone()]);
    assert_eq!(
        (page["first_id"].clone(), page["has_more"].clone()),
        (json!(made[4]), json!(true))
    );
    let next = http.ok(
        "GET",
        &format!(
            "/v1/batches?limit=2&after={}",
            page["last_id"].as_str().unwrap()
        ),
        None,
    );
    assert_eq!(ids(&next), [made[2].clone(), made[1].clone()]);
    let last = http.ok("GET", &format!("/v1/batches?after={}", made[1]), None);
    assert_eq!(ids(&last), [made[0].clone()]);
    assert_eq!(last["has_more"], false);
    let all = http.ok("GET", "/v1/batches", None);
    assert_eq!(
        all["data"].as_array().unwrap().len(),
        5,
        "20 a page by default"
    );
    for (query, param) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("after=batch_x", "after"),
    ] {
        let a = http.call("GET", &format!("/v1/batches?{query}"), None);
        assert_eq!(
            (a.status, a.error()["param"].clone()),
            (400, json!(param)),
            "{query}"
        );
    }
}

#[test]
fn random_batch_files_fail_or_complete_and_never_crash_the_engine() {
    let server = fast();
    let http = Http::new(&server);
    let mut seed = 7u64;
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
        ":",
        ",",
        "\"",
        "\n",
        "\r\n",
        "null",
        "1",
        "true",
        "\"custom_id\"",
        "\"method\"",
        "\"POST\"",
        "\"url\"",
        "\"/v1/embeddings\"",
        "\"body\"",
        "\"input\"",
        "\"model\"",
        "\"a\"",
        "\"stream\"",
        "\u{fffd}",
    ];
    let good = line("g", "/v1/embeddings", json!({"model": "m", "input": "x"}));
    let (mut failed, mut completed) = (0, 0);
    for round in 0..60 {
        let mut text: String = (0..next() % 40)
            .map(|_| pieces[next() % pieces.len()])
            .collect();
        if round % 3 == 0 {
            text = format!("{good}\n{text}");
        }
        if round % 5 == 1 {
            let other = good.replace("\"g\"", "\"h\"");
            text = format!("\r\n{good}\n\n  \n{other}\n");
        }
        let file = batch_file(&http, &[text]);
        let batch = create(&http, &file, "/v1/embeddings");
        let b = http.wait(&format!("/v1/batches/{}", id(&batch)), |b| {
            !matches!(
                b["status"].as_str(),
                Some("validating" | "in_progress" | "finalizing")
            )
        });
        match b["status"].as_str() {
            Some("failed") => {
                let errors = b["errors"]["data"].as_array().unwrap();
                assert!(!errors.is_empty(), "{b}");
                failed += 1;
            }
            Some("completed") => {
                let [total, done, refused] = counts(&b);
                assert_eq!(total, done + refused, "{b}");
                completed += 1;
            }
            other => panic!("{other:?}: {b}"),
        }
    }
    assert!(
        failed > 0 && completed > 0,
        "{failed} failed, {completed} completed"
    );
}
