//! The Responses and Conversations APIs on the wire: event names and sequence numbers, the
//! first events before the model answers, resumed streams, error shapes, and the JSON of
//! items.

use std::sync::{mpsc, Mutex};

use crate::support::*;

/// Each event's name is its data's `type`, and the numbers count from `first` by one.
fn check_numbers(events: &[(String, Value)], first: i64) {
    for (i, (name, data)) in events.iter().enumerate() {
        assert_eq!(data["type"].as_str(), Some(name.as_str()), "{data}");
        assert_eq!(data["sequence_number"], json!(first + i as i64), "{data}");
    }
}

fn names(events: &[(String, Value)]) -> Vec<&str> {
    events.iter().map(|(n, _)| n.as_str()).collect()
}

#[test]
fn a_streamed_response_names_and_numbers_its_events() {
    let server = fast();
    let http = Http::new(&server);
    let mut stream = http.open_stream(
        "/v1/responses",
        json!({"model": "gpt-4o-mini", "input": "Hi there", "stream": true}),
    );
    let mut events = Vec::new();
    while let Some(e) = stream.next_event() {
        events.push(e);
    }
    check_numbers(&events, 0);
    assert_eq!(
        names(&events),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed"
        ]
    );
    let deltas: Vec<&str> = events
        .iter()
        .filter(|(n, _)| n == "response.output_text.delta")
        .map(|(_, d)| d["delta"].as_str().unwrap())
        .collect();
    assert_eq!(deltas, ["You", " said:", " \"Hi", " there\""]);
    let completed = &events.last().unwrap().1["response"];
    assert_eq!(completed["status"], "completed");
    // The connection carries the next request; GET gives what the last event carried.
    let id = completed["id"].as_str().unwrap().to_string();
    let stored = stream.get_after(&format!("/v1/responses/{id}"));
    assert_eq!(&stored, completed);
    assert_eq!(stored["object"], "response");
    assert_eq!(stored["output"][0]["content"][0]["annotations"], json!([]));
}

/// The events known before the model answers are sent first: the model here waits until the
/// test has read `response.in_progress`.
#[test]
fn the_first_events_arrive_before_the_model_answers() {
    let (go, wait) = mpsc::channel::<()>();
    let wait = Mutex::new(wait);
    let server = LocalServer::builder()
        .responder(move |_: &ModelRequest| -> Result<ModelReply, String> {
            match wait.lock().unwrap().recv_timeout(Duration::from_secs(20)) {
                Ok(()) => Ok(ModelReply::text("Answered after the opening")),
                Err(_) => Err("the opening events never reached the client".into()),
            }
        })
        .start()
        .unwrap();
    let http = Http::new(&server);
    let mut stream = http.open_stream(
        "/v1/responses",
        json!({"model": "m", "input": "hi", "stream": true, "background": true}),
    );
    let opening: Vec<(String, Value)> = (0..3).map(|_| stream.next_event().unwrap()).collect();
    assert_eq!(
        names(&opening),
        [
            "response.created",
            "response.queued",
            "response.in_progress"
        ]
    );
    assert_eq!(opening[0].1["response"]["status"], "queued");
    go.send(()).unwrap();
    let mut rest = Vec::new();
    while let Some(e) = stream.next_event() {
        rest.push(e);
    }
    check_numbers(&rest, 3);
    assert_eq!(rest.last().unwrap().0, "response.completed");
}

#[test]
fn a_background_stream_is_read_again_after_any_event() {
    let server = fast();
    let http = Http::new(&server);
    let created = http.ok(
        "POST",
        "/v1/responses",
        Some(json!({"model": "m", "input": "one two three", "background": true})),
    );
    assert_eq!(created["status"], "queued");
    let id = id(&created);
    let whole = http.call("GET", &format!("/v1/responses/{id}?stream=true"), None);
    assert_eq!(whole.status, 200, "{}", whole.text());
    assert_eq!(whole.header("content-type"), Some("text/event-stream"));
    let all = parse_events(&whole.body);
    check_numbers(&all, 0);
    let tail = http.call(
        "GET",
        &format!("/v1/responses/{id}?stream=true&starting_after=3"),
        None,
    );
    let tail = parse_events(&tail.body);
    check_numbers(&tail, 4);
    assert_eq!(tail, all[4..]);
    let bad = http.call(
        "GET",
        &format!("/v1/responses/{id}?stream=true&starting_after=three"),
        None,
    );
    assert_eq!(
        (bad.status, bad.error()["param"].clone()),
        (400, json!("starting_after"))
    );
}

#[test]
fn bad_requests_name_the_field() {
    let server = fast();
    let http = Http::new(&server);
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"input": "x"}), "model", "missing_required_parameter"),
        // A kind of value the union does not take: a string or a list.
        (json!({"model": "m", "input": 5}), "input", "invalid_type"),
        (
            json!({"model": "m", "input": [{"role": "user"}]}),
            "input[0].content",
            "missing_required_parameter",
        ),
        (
            json!({"model": "m", "input": [{"type": "function_call_output", "output": "x"}]}),
            "input[0].call_id",
            "missing_required_parameter",
        ),
        (
            json!({"model": "m", "input": [{"role": "user", "content": [{"type": "input_video"}]}]}),
            "input[0].content[0].type",
            "invalid_value",
        ),
        (
            json!({"model": "m", "input": [{"role": "user", "content": [{"type": "input_image"}]}]}),
            "input[0].content[0].detail",
            "missing_required_parameter",
        ),
        (
            json!({"model": "m", "input": [{"role": "user", "content": [{"type": "input_image", "detail": "auto"}]}]}),
            "input[0].content[0].image_url",
            "missing_required_parameter",
        ),
        (
            json!({"model": "m", "input": [{"type": "item_reference", "id": "msg_nope"}]}),
            "input[0].id",
            "",
        ),
        (
            json!({"model": "m", "input": "x", "tools": [{"type": "function"}]}),
            "tools[0].name",
            "missing_required_parameter",
        ),
        (
            json!({"model": "m", "input": "x", "tools": [{"type": "code_interpreter", "container": {"type": "auto"}}]}),
            "tools[0].type",
            "unsupported_value",
        ),
        (
            json!({"model": "m", "input": "x", "tools": [{"type": "teleport"}]}),
            "tools[0].type",
            "invalid_value",
        ),
        (
            json!({"model": "m", "input": "x", "tool_choice": {"type": "function"}}),
            "tool_choice.name",
            "missing_required_parameter",
        ),
        (
            json!({"model": "m", "input": "x", "tool_choice": "sometimes"}),
            "tool_choice",
            "invalid_value",
        ),
        (
            json!({"model": "m", "input": "x", "text": {"format": {"type": "json_schema", "schema": {}}}}),
            "text.format.name",
            "missing_required_parameter",
        ),
        (
            json!({"model": "m", "input": "x", "text": {"format": {"type": "yaml"}}}),
            "text.format.type",
            "invalid_value",
        ),
        (
            json!({"model": "m", "input": "x", "previous_response_id": "resp_1", "conversation": "conv_1"}),
            "previous_response_id",
            "mutually_exclusive_parameters",
        ),
        (
            json!({"model": "m", "input": "x", "max_output_tokens": 3}),
            "max_output_tokens",
            "integer_below_min_value",
        ),
        (
            json!({"model": "m", "input": "x", "metadata": {"k": 1}}),
            "metadata.k",
            "invalid_type",
        ),
    ];
    for (body, param, code) in cases {
        let a = http.call("POST", "/v1/responses", Some(body.clone()));
        assert!(matches!(a.status, 400 | 404), "{body}: {}", a.text());
        let e = a.error();
        assert_eq!(e["param"].as_str(), Some(param), "{body}: {e}");
        if !code.is_empty() {
            assert_eq!(e["code"].as_str(), Some(code), "{body}: {e}");
        }
    }
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"role": "user", "content": format!("{i}")}))
        .collect();
    let a = http.call("POST", "/v1/conversations", Some(json!({"items": many})));
    assert_eq!(
        (a.status, a.error()["param"].clone()),
        (400, json!("items"))
    );
    let a = http.call(
        "POST",
        "/v1/embeddings",
        Some(json!({"model": "text-embedding-3-small", "input": ""})),
    );
    assert_eq!(
        (a.status, a.error()["param"].clone()),
        (400, json!("input"))
    );
    let a = http.call(
        "POST",
        "/v1/embeddings",
        Some(json!({"model": "text-embedding-3-small", "input": "x", "dimensions": 5000})),
    );
    assert_eq!(
        (a.status, a.error()["param"].clone()),
        (400, json!("dimensions"))
    );
}

#[test]
fn unknown_ids_are_404() {
    let server = fast();
    let http = Http::new(&server);
    let conversation = id(&http.ok("POST", "/v1/conversations", Some(json!({}))));
    for (method, path) in [
        ("GET", "/v1/responses/resp_nope".to_string()),
        ("DELETE", "/v1/responses/resp_nope".to_string()),
        ("POST", "/v1/responses/resp_nope/cancel".to_string()),
        ("GET", "/v1/responses/resp_nope/input_items".to_string()),
        ("GET", "/v1/conversations/conv_nope".to_string()),
        ("POST", "/v1/conversations/conv_nope".to_string()),
        ("DELETE", "/v1/conversations/conv_nope".to_string()),
        ("GET", "/v1/conversations/conv_nope/items".to_string()),
        (
            "GET",
            format!("/v1/conversations/{conversation}/items/msg_nope"),
        ),
        (
            "DELETE",
            format!("/v1/conversations/{conversation}/items/msg_nope"),
        ),
        ("GET", "/v1/models/gpt-nope".to_string()),
    ] {
        let body = (method == "POST").then(|| json!({"metadata": {}}));
        let a = http.call(method, &path, body);
        assert_eq!(a.status, 404, "{method} {path}: {}", a.text());
        assert!(
            a.error()["message"].as_str().unwrap().contains("nope"),
            "{path}"
        );
    }
}

#[test]
fn items_have_the_api_json_shape() {
    let server = fast();
    let http = Http::new(&server);
    let conversation = http.ok(
        "POST",
        "/v1/conversations",
        Some(json!({
            "metadata": {"topic": "demo"},
            "items": [{"type": "message", "role": "user", "content": "Hello!"}]
        })),
    );
    assert_eq!(conversation["object"], "conversation");
    assert_eq!(conversation["metadata"], json!({"topic": "demo"}));
    let cid = id(&conversation);
    let tools = json!([{"type": "function", "name": "ping", "parameters": {"type": "object", "properties": {}}}]);
    let response = http.ok(
        "POST",
        "/v1/responses",
        Some(json!({"model": "m", "conversation": cid, "input": "ping please", "tools": tools})),
    );
    assert_eq!(response["conversation"], json!({"id": cid}));
    let call = &response["output"][0];
    assert_eq!(call["type"], "function_call");
    assert_eq!(call["status"], "completed");
    assert_eq!(call["arguments"], "{}");
    let items = http.ok(
        "GET",
        &format!("/v1/conversations/{cid}/items?order=asc"),
        None,
    );
    assert_eq!(items["object"], "list");
    let kinds: Vec<(Value, Value)> = items["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["type"].clone(), i["role"].clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (json!("message"), json!("user")),
            (json!("message"), json!("user")),
            (json!("function_call"), Value::Null)
        ]
    );
    let first = &items["data"][0];
    assert_eq!(
        first["content"],
        json!([{"type": "input_text", "text": "Hello!"}])
    );
    assert_eq!(first["status"], "completed");
    assert!(first["id"].as_str().unwrap().starts_with("msg_"));
    // The call answered in the conversation finishes the turn.
    let output =
        json!([{"type": "function_call_output", "call_id": call["call_id"], "output": "pong"}]);
    let answer = http.ok(
        "POST",
        "/v1/responses",
        Some(json!({"model": "m", "conversation": {"id": cid}, "input": output, "tools": tools})),
    );
    assert_eq!(
        answer["output"][0]["content"][0]["text"],
        "ping returned: pong"
    );
    let items = http.ok(
        "GET",
        &format!("/v1/conversations/{cid}/items?limit=2"),
        None,
    );
    assert_eq!(items["data"][0]["role"], "assistant");
    assert_eq!(items["data"][1]["type"], "function_call_output");
    assert_eq!(items["has_more"], true);
    let deleted = http.ok("DELETE", &format!("/v1/conversations/{cid}"), None);
    assert_eq!(
        deleted,
        json!({"id": cid, "object": "conversation.deleted", "deleted": true})
    );
}
