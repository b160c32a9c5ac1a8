//! Streamed runs (`stream: true`): the event sequences the API sends, written from the stored
//! run, steps and messages, so that GET afterwards returns what the last events carried.
//! The engines run on a `ManualClock` with an hour-long step that the tests never advance:
//! a streamed run is taken at once whatever the step delay, and nothing else moves.

use std::sync::{mpsc, Mutex};

use crate::support::*;

const HOUR: Duration = Duration::from_secs(3600);

/// The events of a streamed answer, each checked to decode as the SDK's event type of its name.
fn events(answer: &Answer) -> Vec<(String, Value)> {
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("content-type"), Some("text/event-stream"));
    let events = parse_events(&answer.body);
    for (name, data) in &events {
        sdk_event(name, data);
    }
    assert_eq!(
        events.last().map(|(n, d)| (n.as_str(), d.clone())),
        Some(("done", json!("[DONE]")))
    );
    events
}

/// The event decoded with the SDK's `AssistantStreamEvent`: never `Unknown`.
fn sdk_event(name: &str, data: &Value) -> openai_blocking::AssistantStreamEvent {
    let event: openai_blocking::AssistantStreamEvent =
        serde_json::from_value(json!({"event": name, "data": data}))
            .unwrap_or_else(|e| panic!("{name} does not decode ({e}): {data}"));
    assert!(
        !matches!(event, openai_blocking::AssistantStreamEvent::Unknown(_)),
        "{name} is not an event the SDK knows: {data}"
    );
    event
}

fn names(events: &[(String, Value)]) -> Vec<&str> {
    events.iter().map(|(n, _)| n.as_str()).collect()
}

/// The data of the only event with this name.
fn only<'a>(events: &'a [(String, Value)], name: &str) -> &'a Value {
    let found: Vec<&Value> = events
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, d)| d)
        .collect();
    assert_eq!(found.len(), 1, "one {name} in {:?}", names(events));
    found[0]
}

/// The data of every event with this name, in order.
fn all<'a>(events: &'a [(String, Value)], name: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, d)| d)
        .collect()
}

/// `n` message deltas in the sequence of a run answered with text, after what comes before the
/// message step.
fn message_sequence(n: usize) -> Vec<&'static str> {
    let mut names = vec![
        "thread.run.step.created",
        "thread.run.step.in_progress",
        "thread.message.created",
        "thread.message.in_progress",
    ];
    names.extend(std::iter::repeat_n("thread.message.delta", n));
    names.extend([
        "thread.message.completed",
        "thread.run.step.completed",
        "thread.run.completed",
        "done",
    ]);
    names
}

const OPENING: [&str; 3] = [
    "thread.run.created",
    "thread.run.queued",
    "thread.run.in_progress",
];

/// The text the message deltas carry, joined; each delta holds text part 0.
fn joined_deltas(events: &[(String, Value)]) -> String {
    all(events, "thread.message.delta")
        .iter()
        .map(|d| {
            let part = &d["delta"]["content"][0];
            assert_eq!(
                (part["index"].as_i64(), part["type"].as_str()),
                (Some(0), Some("text"))
            );
            part["text"]["value"]
                .as_str()
                .expect("a text value")
                .to_string()
        })
        .collect()
}

fn assistant(http: &Http, tools: Value) -> String {
    id(&http.ok(
        "POST",
        "/v1/assistants",
        Some(json!({"model": "local", "tools": tools})),
    ))
}

fn thread_with(http: &Http, text: &str) -> String {
    id(&http.ok(
        "POST",
        "/v1/threads",
        Some(json!({"messages": [{"role": "user", "content": text}]})),
    ))
}

#[test]
fn a_streamed_text_run_sends_the_api_sequence_and_stores_what_it_sent() {
    let (server, _clock) = on_clock(HOUR);
    let http = Http::new(&server);
    let asst = assistant(&http, json!([]));
    let thread = thread_with(&http, "Hello streaming engine");
    let answer = http.call(
        "POST",
        &format!("/v1/threads/{thread}/runs"),
        Some(json!({"assistant_id": asst, "stream": true})),
    );
    assert_eq!(answer.header("transfer-encoding"), Some("chunked"));
    assert!(answer.header("x-request-id").is_some());
    let events = events(&answer);
    let text = "You said: \"Hello streaming engine\"";
    let mut expected = OPENING.to_vec();
    expected.extend(message_sequence(5));
    assert_eq!(names(&events), expected);

    let created = only(&events, "thread.run.created");
    assert_eq!(created["status"], "queued");
    assert!(created["started_at"].is_null());
    assert_eq!(only(&events, "thread.run.queued"), created);
    let started = only(&events, "thread.run.in_progress");
    assert_eq!(started["status"], "in_progress");
    assert!(started["started_at"].is_i64());
    let run_id = id(created);

    let step_created = only(&events, "thread.run.step.created");
    assert_eq!(
        (
            step_created["status"].as_str(),
            step_created["type"].as_str()
        ),
        (Some("in_progress"), Some("message_creation"))
    );
    assert!(step_created["completed_at"].is_null() && step_created["usage"].is_null());
    let message = only(&events, "thread.message.created");
    assert_eq!(message["status"], "in_progress");
    assert_eq!(message["content"], json!([]));
    assert_eq!(
        step_created["step_details"]["message_creation"]["message_id"],
        message["id"]
    );
    let deltas = all(&events, "thread.message.delta");
    assert!(deltas.iter().all(|d| d["id"] == message["id"]));
    assert_eq!(
        deltas[0]["delta"]["content"][0]["text"]["annotations"],
        json!([])
    );
    assert_eq!(deltas[1]["delta"]["content"][0]["text"]["value"], " said:");
    assert_eq!(joined_deltas(&events), text);

    let message = only(&events, "thread.message.completed");
    assert_eq!(message["status"], "completed");
    assert_eq!(message["content"][0]["text"]["value"], text);
    let step = only(&events, "thread.run.step.completed");
    assert_eq!(step["status"], "completed");
    assert!(step["usage"]["total_tokens"].as_i64().unwrap() > 0);
    let run = only(&events, "thread.run.completed");
    assert_eq!(run["status"], "completed");
    assert_eq!(run["usage"], step["usage"]);

    // The stream told what is stored.
    let run_path = format!("/v1/threads/{thread}/runs/{run_id}");
    assert_eq!(&http.ok("GET", &run_path, None), run);
    assert_eq!(
        http.ok("GET", &format!("{run_path}/steps"), None)["data"],
        json!([step])
    );
    assert_eq!(
        &http.ok(
            "GET",
            &format!("/v1/threads/{thread}/messages/{}", id(message)),
            None
        ),
        message
    );
}

/// The clock-driven run and the streamed one give the same answer.
#[test]
fn a_streamed_run_answers_as_a_polled_one() {
    let clock = ManualClock::new();
    let server = LocalServer::builder()
        .clock(clock.clone())
        .step_delay(HOUR)
        .run_expiry(3 * HOUR)
        .start()
        .unwrap();
    let http = Http::new(&server);
    let asst = assistant(&http, json!([]));
    let polled = thread_with(&http, "Same question");
    let run = id(&http.ok(
        "POST",
        &format!("/v1/threads/{polled}/runs"),
        Some(json!({"assistant_id": asst})),
    ));
    clock.advance(2 * HOUR);
    let path = format!("/v1/threads/{polled}/runs/{run}");
    assert_eq!(http.ok("GET", &path, None)["status"], "completed");
    let expected = http.ok(
        "GET",
        &format!("/v1/threads/{polled}/messages?limit=1"),
        None,
    )["data"][0]["content"]
        .clone();
    let streamed = thread_with(&http, "Same question");
    let events = events(&http.call(
        "POST",
        &format!("/v1/threads/{streamed}/runs"),
        Some(json!({"assistant_id": asst, "stream": true})),
    ));
    assert_eq!(
        only(&events, "thread.message.completed")["content"],
        expected
    );
}

#[test]
fn a_streamed_file_search_run_cites_in_the_delta_holding_the_marker() {
    let (server, clock) = on_clock(HOUR);
    let http = Http::new(&server);
    let policy = http.upload_ok("return-policy.md", POLICY.as_bytes());
    let vs = id(&http.ok(
        "POST",
        "/v1/vector_stores",
        Some(json!({"file_ids": [policy]})),
    ));
    clock.advance(HOUR); // the file is indexed one step after it joined the store
    assert_eq!(
        http.ok("GET", &format!("/v1/vector_stores/{vs}"), None)["status"],
        "completed"
    );
    let asst = id(&http.ok(
        "POST",
        "/v1/assistants",
        Some(json!({"model": "local", "tools": [{"type": "file_search"}],
            "tool_resources": {"file_search": {"vector_store_ids": [vs]}}})),
    ));
    let question = "How many days do I have to return an item for a refund?";
    let thread = thread_with(&http, question);
    let include = "include[]=step_details.tool_calls[*].file_search.results[*].content";
    let events = events(&http.call(
        "POST",
        &format!("/v1/threads/{thread}/runs?{include}"),
        Some(json!({"assistant_id": asst, "stream": true})),
    ));
    let deltas = all(&events, "thread.message.delta").len();
    let mut expected = OPENING.to_vec();
    expected.extend([
        "thread.run.step.created",
        "thread.run.step.in_progress",
        "thread.run.step.delta",
        "thread.run.step.completed",
    ]);
    expected.extend(message_sequence(deltas));
    assert_eq!(names(&events), expected);

    // The search step: announced empty, its call in a delta, its results when completed.
    let opened = &all(&events, "thread.run.step.created")[0];
    assert_eq!(
        opened["step_details"],
        json!({"type": "tool_calls", "tool_calls": []})
    );
    let call = &only(&events, "thread.run.step.delta")["delta"]["step_details"]["tool_calls"][0];
    assert_eq!(
        (call["index"].as_i64(), call["type"].as_str()),
        (Some(0), Some("file_search"))
    );
    let search = &all(&events, "thread.run.step.completed")[0];
    let searched = &search["step_details"]["tool_calls"][0];
    assert_eq!(searched["id"], call["id"]);
    let first = &searched["file_search"]["results"][0];
    assert_eq!(first["file_id"], policy.as_str());
    assert!(
        first["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("30 days"),
        "{first}"
    );

    // Citations: each in the one delta whose text holds its marker, at the final offsets.
    let message = only(&events, "thread.message.completed");
    let text = message["content"][0]["text"]["value"].as_str().unwrap();
    assert!(text.contains("30 days"), "{text}");
    assert_eq!(joined_deltas(&events), text);
    let annotations = message["content"][0]["text"]["annotations"]
        .as_array()
        .unwrap();
    assert!(!annotations.is_empty());
    let mut at = 0;
    let mut carried = Vec::new();
    for delta in all(&events, "thread.message.delta") {
        let part = &delta["delta"]["content"][0]["text"];
        let len = part["value"].as_str().unwrap().chars().count() as i64;
        for a in part["annotations"].as_array().into_iter().flatten() {
            let (start, end) = (
                a["start_index"].as_i64().unwrap(),
                a["end_index"].as_i64().unwrap(),
            );
            assert!(
                at <= start && end <= at + len,
                "{a} outside its delta {part}"
            );
            let final_one = &annotations[a["index"].as_u64().unwrap() as usize];
            for key in ["type", "start_index", "end_index", "text"] {
                assert_eq!(a[key], final_one[key], "{key}");
            }
            assert_eq!(a["file_citation"]["file_id"], policy.as_str());
            carried.push(a["index"].as_u64().unwrap());
        }
        at += len;
    }
    assert_eq!(carried, (0..annotations.len() as u64).collect::<Vec<_>>());

    // GET returns the same steps, the content only when asked for.
    let run = only(&events, "thread.run.completed");
    let steps = format!("/v1/threads/{thread}/runs/{}/steps?order=asc", id(run));
    let stored = http.ok("GET", &format!("{steps}&{include}"), None);
    assert_eq!(
        stored["data"],
        json!(all(&events, "thread.run.step.completed"))
    );
    assert!(
        http.ok("GET", &steps, None)["data"][0]["step_details"]["tool_calls"][0]["file_search"]
            ["results"][0]
            .get("content")
            .is_none()
    );
    assert_eq!(
        &http.ok(
            "GET",
            &format!("/v1/threads/{thread}/runs/{}", id(run)),
            None
        ),
        run
    );

    // Without the include, the streamed results carry no content either.
    let events = self::events(&http.call(
        "POST",
        "/v1/threads/runs",
        Some(json!({"assistant_id": asst, "stream": true,
            "thread": {"messages": [{"role": "user", "content": question}]}})),
    ));
    let search = &all(&events, "thread.run.step.completed")[0];
    let first = &search["step_details"]["tool_calls"][0]["file_search"]["results"][0];
    assert_eq!(first["file_id"], policy.as_str());
    assert!(first.get("content").is_none(), "{first}");
}

#[test]
fn a_streamed_thread_and_run_announces_the_thread_first() {
    let (server, _clock) = on_clock(HOUR);
    let http = Http::new(&server);
    let asst = assistant(&http, json!([]));
    let events = events(&http.call(
        "POST",
        "/v1/threads/runs",
        Some(json!({"assistant_id": asst, "stream": true,
            "thread": {"messages": [{"role": "user", "content": "One two"}], "metadata": {"k": "v"}}})),
    ));
    let mut expected = vec!["thread.created"];
    expected.extend(OPENING);
    expected.extend(message_sequence(4));
    assert_eq!(names(&events), expected);
    let thread = only(&events, "thread.created");
    assert_eq!(thread["object"], "thread");
    assert_eq!(thread["metadata"], json!({"k": "v"}));
    let thread_id = id(thread);
    assert_eq!(
        &http.ok("GET", &format!("/v1/threads/{thread_id}"), None),
        thread
    );
    let run = only(&events, "thread.run.completed");
    assert_eq!(run["thread_id"], thread_id.as_str());
    assert_eq!(joined_deltas(&events), "You said: \"One two\"");
    let messages = http.ok(
        "GET",
        &format!("/v1/threads/{thread_id}/messages?order=asc"),
        None,
    );
    assert_eq!(
        messages["data"][0]["content"][0]["text"]["value"],
        "One two"
    );
    assert_eq!(
        &messages["data"][1],
        only(&events, "thread.message.completed")
    );
    assert_eq!(messages["data"].as_array().unwrap().len(), 2);
}

#[test]
fn a_streamed_function_call_waits_for_outputs_and_a_streamed_submit_finishes_the_run() {
    let (server, _clock) = on_clock(HOUR);
    let http = Http::new(&server);
    let asst = assistant(
        &http,
        json!([{"type": "function", "function": {"name": "get_weather"}}]),
    );
    let thread = thread_with(&http, "Call get_weather city=Oslo days=2 please");
    let events = events(&http.call(
        "POST",
        &format!("/v1/threads/{thread}/runs"),
        Some(json!({"assistant_id": asst, "stream": true})),
    ));
    let mut expected = OPENING.to_vec();
    expected.extend([
        "thread.run.step.created",
        "thread.run.step.in_progress",
        "thread.run.step.delta",
        "thread.run.step.delta",
        "thread.run.requires_action",
        "done",
    ]);
    assert_eq!(names(&events), expected);
    let opened = only(&events, "thread.run.step.created");
    assert_eq!(opened["type"], "tool_calls");
    assert_eq!(opened["step_details"]["tool_calls"], json!([]));
    let deltas = all(&events, "thread.run.step.delta");
    let first = &deltas[0]["delta"]["step_details"]["tool_calls"][0];
    assert_eq!(first["index"], 0);
    assert_eq!(first["type"], "function");
    assert_eq!(
        first["function"],
        json!({"name": "get_weather", "arguments": ""})
    );
    let call_id = first["id"].as_str().unwrap().to_string();
    let second = &deltas[1]["delta"]["step_details"]["tool_calls"][0];
    assert_eq!(second["index"], 0);
    assert!(second.get("id").is_none() && second["function"].get("name").is_none());
    let arguments = second["function"]["arguments"].as_str().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(arguments).unwrap(),
        json!({"city": "Oslo", "days": 2})
    );
    let waiting = only(&events, "thread.run.requires_action");
    let calls = &waiting["required_action"]["submit_tool_outputs"]["tool_calls"];
    assert_eq!(calls[0]["id"], call_id.as_str());
    assert_eq!(calls[0]["function"]["arguments"], arguments);
    let run_id = id(waiting);
    let run_path = format!("/v1/threads/{thread}/runs/{run_id}");
    assert_eq!(&http.ok("GET", &run_path, None), waiting);
    let step = &http.ok("GET", &format!("{run_path}/steps"), None)["data"][0];
    assert_eq!(step["status"], "in_progress");
    assert_eq!(
        step["step_details"]["tool_calls"][0]["id"],
        call_id.as_str()
    );

    let events = self::events(&http.call(
        "POST",
        &format!("{run_path}/submit_tool_outputs"),
        Some(json!({"stream": true, "tool_outputs": [{"tool_call_id": call_id, "output": "-3°C and snow"}]})),
    ));
    let mut expected = vec![
        "thread.run.queued",
        "thread.run.in_progress",
        "thread.run.step.completed",
    ];
    let text = "get_weather returned: -3°C and snow";
    expected.extend(message_sequence(text.split_whitespace().count()));
    assert_eq!(names(&events), expected);
    assert_eq!(only(&events, "thread.run.queued")["status"], "queued");
    let completed = all(&events, "thread.run.step.completed");
    assert_eq!(completed[0]["id"], step["id"]);
    assert_eq!(
        completed[0]["step_details"]["tool_calls"][0]["function"]["output"],
        "-3°C and snow"
    );
    assert_eq!(joined_deltas(&events), text);
    let run = only(&events, "thread.run.completed");
    assert!(run["required_action"].is_null());
    assert!(
        run["usage"]["total_tokens"].as_i64() > waiting["usage"]["total_tokens"].as_i64(),
        "both turns count"
    );
    assert_eq!(&http.ok("GET", &run_path, None), run);
    assert_eq!(
        http.ok("GET", &format!("{run_path}/steps?order=asc"), None)["data"],
        json!(completed)
    );
    assert_eq!(
        &http.ok(
            "GET",
            &format!("/v1/threads/{thread}/messages?limit=1"),
            None
        )["data"][0],
        only(&events, "thread.message.completed")
    );
}

#[test]
fn a_failing_responder_ends_the_stream_with_run_failed() {
    let server = LocalServer::builder()
        .clock(ManualClock::new())
        .step_delay(HOUR)
        .responder(|r: &ModelRequest| -> Result<ModelReply, String> {
            match r.last_user_text() {
                Some("panic") => panic!("boom"),
                _ => Err("the model is down".into()),
            }
        })
        .start()
        .unwrap();
    let http = Http::new(&server);
    let asst = assistant(&http, json!([]));
    for (text, why) in [("fail", "the model is down"), ("panic", "boom")] {
        let thread = thread_with(&http, text);
        let events = events(&http.call(
            "POST",
            &format!("/v1/threads/{thread}/runs"),
            Some(json!({"assistant_id": asst, "stream": true})),
        ));
        let mut expected = OPENING.to_vec();
        expected.extend(["thread.run.failed", "done"]);
        assert_eq!(names(&events), expected);
        let failed = only(&events, "thread.run.failed");
        assert_eq!(failed["status"], "failed");
        assert!(failed["failed_at"].is_i64());
        assert_eq!(failed["last_error"]["code"], "server_error");
        assert!(
            failed["last_error"]["message"]
                .as_str()
                .unwrap()
                .contains(why),
            "{failed}"
        );
        let path = format!("/v1/threads/{thread}/runs/{}", id(failed));
        assert_eq!(&http.ok("GET", &path, None), failed);
        assert_eq!(
            http.ok("GET", &format!("/v1/threads/{thread}/messages"), None)["data"]
                .as_array()
                .unwrap()
                .len(),
            1,
            "no answer was written"
        );
    }
}

#[test]
fn bad_streamed_requests_get_json_errors() {
    let (server, _clock) = on_clock(HOUR);
    let http = Http::new(&server);
    let asst = assistant(
        &http,
        json!([{"type": "function", "function": {"name": "f"}}]),
    );
    let thread = thread_with(&http, "f x=1");
    let expect = |answer: Answer, status: u16, param: Value| {
        assert_eq!(answer.status, status, "{}", answer.text());
        assert_eq!(answer.header("content-type"), Some("application/json"));
        assert_eq!(answer.error()["param"], param);
    };
    let stream = |extra: Value| {
        let mut body = json!({"assistant_id": asst, "stream": true});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        Some(body)
    };
    expect(
        http.call("POST", "/v1/threads/thread_nope/runs", stream(json!({}))),
        404,
        Value::Null,
    );
    expect(
        http.call(
            "POST",
            &format!("/v1/threads/{thread}/runs"),
            stream(json!({"assistant_id": "asst_nope"})),
        ),
        404,
        json!("assistant_id"),
    );
    expect(
        http.call(
            "POST",
            "/v1/threads/runs",
            stream(json!({"assistant_id": "asst_nope"})),
        ),
        404,
        json!("assistant_id"),
    );
    expect(
        http.call(
            "POST",
            &format!("/v1/threads/{thread}/runs?include[]=everything"),
            stream(json!({})),
        ),
        400,
        json!("include[]"),
    );
    expect(
        http.call(
            "POST",
            &format!("/v1/threads/{thread}/runs/run_nope/submit_tool_outputs"),
            Some(json!({"stream": true, "tool_outputs": []})),
        ),
        404,
        Value::Null,
    );
    // A streamed run leaves the thread as any run: waiting, it refuses another run, and
    // outputs for a call it did not make.
    let events = events(&http.call(
        "POST",
        &format!("/v1/threads/{thread}/runs"),
        stream(json!({})),
    ));
    let run = id(only(&events, "thread.run.requires_action"));
    assert_eq!(
        http.call(
            "POST",
            &format!("/v1/threads/{thread}/runs"),
            stream(json!({}))
        )
        .status,
        400
    );
    expect(
        http.call(
            "POST",
            &format!("/v1/threads/{thread}/runs/{run}/submit_tool_outputs"),
            Some(json!({"stream": true, "tool_outputs": [{"tool_call_id": "call_x", "output": "1"}]})),
        ),
        400,
        json!("tool_outputs[0].tool_call_id"),
    );
}

/// The events known before the model answers are sent before it answers: the model here waits
/// until the test has read `thread.run.in_progress`.
#[test]
fn the_first_events_arrive_before_the_model_answers() {
    let (go, wait) = mpsc::channel::<()>();
    let wait = Mutex::new(wait);
    let server = LocalServer::builder()
        .clock(ManualClock::new())
        .step_delay(HOUR)
        .responder(move |_: &ModelRequest| -> Result<ModelReply, String> {
            let wait = wait.lock().unwrap();
            match wait.recv_timeout(Duration::from_secs(20)) {
                Ok(()) => Ok(ModelReply::text("Answered after the opening")),
                Err(_) => Err("the opening events never reached the client".into()),
            }
        })
        .start()
        .unwrap();
    let http = Http::new(&server);
    let asst = assistant(&http, json!([]));
    let thread = thread_with(&http, "hi");
    let mut stream = http.open_stream(
        &format!("/v1/threads/{thread}/runs"),
        json!({"assistant_id": asst, "stream": true}),
    );
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (name, data) = stream.next_event().expect("an event");
        sdk_event(&name, &data);
        seen.push(name);
    }
    assert_eq!(seen, OPENING);
    go.send(()).unwrap();
    while let Some((name, data)) = stream.next_event() {
        sdk_event(&name, &data);
        seen.push(name);
    }
    let mut expected = OPENING.to_vec();
    expected.extend(message_sequence(4));
    assert_eq!(seen, expected);
    // The connection carries the next request: the streamed answer ended where it said.
    let messages = stream.get_after(&format!("/v1/threads/{thread}/messages?limit=1"));
    assert_eq!(
        messages["data"][0]["content"][0]["text"]["value"],
        "Answered after the opening"
    );
}

#[test]
fn a_streamed_run_cut_by_max_completion_tokens_ends_incomplete() {
    let (server, _clock) = on_clock(HOUR);
    let http = Http::new(&server);
    let asst = assistant(&http, json!([]));
    let thread = thread_with(&http, "one two three four five six seven");
    let events = events(&http.call(
        "POST",
        &format!("/v1/threads/{thread}/runs"),
        Some(json!({"assistant_id": asst, "stream": true, "max_completion_tokens": 3})),
    ));
    let deltas = all(&events, "thread.message.delta").len();
    assert!(deltas > 0);
    let mut expected = OPENING.to_vec();
    expected.extend(&message_sequence(deltas)[..4 + deltas]);
    expected.extend([
        "thread.message.incomplete",
        "thread.run.step.completed",
        "thread.run.incomplete",
        "done",
    ]);
    assert_eq!(names(&events), expected);
    let message = only(&events, "thread.message.incomplete");
    assert_eq!(message["incomplete_details"]["reason"], "max_tokens");
    assert_eq!(
        joined_deltas(&events),
        message["content"][0]["text"]["value"].as_str().unwrap()
    );
    let run = only(&events, "thread.run.incomplete");
    assert_eq!(run["incomplete_details"]["reason"], "max_completion_tokens");
    assert_eq!(
        &http.ok(
            "GET",
            &format!("/v1/threads/{thread}/runs/{}", id(run)),
            None
        ),
        run
    );
}

/// HTTP/1.0 knows no chunks: the events come whole, with a length, once they are done.
#[test]
fn an_http_1_0_client_gets_the_events_whole() {
    let (server, _clock) = on_clock(HOUR);
    let http = Http::new(&server);
    let asst = assistant(&http, json!([]));
    let thread = thread_with(&http, "old client");
    let body = json!({"assistant_id": asst, "stream": true}).to_string();
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "POST /v1/threads/{thread}/runs HTTP/1.0\r\nAuthorization: Bearer k\r\n\
         OpenAI-Beta: assistants=v2\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&out[..split]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.0 200"), "{head}");
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    let len = format!("content-length: {}", out.len() - split - 4);
    assert!(head.contains(&len), "{head}");
    let events = parse_events(&out[split + 4..]);
    let mut expected = OPENING.to_vec();
    expected.extend(message_sequence(4));
    assert_eq!(names(&events), expected);
}

/// The chunks of a streamed chat completion, each checked for the chunk's shape.
fn chunks(answer: &Answer) -> Vec<Value> {
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("content-type"), Some("text/event-stream"));
    let events = parse_events(&answer.body);
    let (last, chunks) = events.split_last().unwrap();
    assert_eq!(last, &(String::new(), json!("[DONE]")));
    chunks
        .iter()
        .map(|(name, chunk)| {
            assert_eq!(name, "", "chat chunks have no event name");
            let typed: openai_blocking::CreateChatCompletionChunkResponse =
                serde_json::from_value(chunk.clone()).unwrap();
            assert_eq!(chunk["object"], "chat.completion.chunk");
            assert!(typed.id.starts_with("chatcmpl-"));
            chunk.clone()
        })
        .collect()
}

#[test]
fn chat_streams_words_tool_calls_and_usage_when_asked() {
    let server = fast();
    let http = Http::new(&server);
    let chat = |extra: Value| {
        let mut body = json!({"model": "m", "stream": true,
            "messages": [{"role": "user", "content": "how are you today"}]});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        chunks(&http.call("POST", "/v1/chat/completions", Some(body)))
    };
    let plain = chat(json!({}));
    assert!(
        plain.iter().all(|c| c.get("usage").is_none()),
        "no usage unasked"
    );
    assert_eq!(plain[0]["choices"][0]["delta"]["role"], "assistant");
    let words: Vec<&str> = plain[1..plain.len() - 1]
        .iter()
        .map(|c| c["choices"][0]["delta"]["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        words,
        ["You", " said:", " \"how", " are", " you", " today\""]
    );
    let last = plain.last().unwrap();
    assert_eq!(last["choices"][0]["finish_reason"], "stop");
    assert_eq!(last["choices"][0]["delta"], json!({}));
    let ids: Vec<&Value> = plain.iter().map(|c| &c["id"]).collect();
    assert!(ids.iter().all(|i| *i == ids[0]));

    let counted = chat(json!({"stream_options": {"include_usage": true}}));
    let (usage, rest) = counted.split_last().unwrap();
    assert_eq!(usage["choices"], json!([]));
    assert_eq!(usage["id"], rest[0]["id"]);
    let whole = http.ok(
        "POST",
        "/v1/chat/completions",
        Some(json!({"model": "m", "messages": [{"role": "user", "content": "how are you today"}]})),
    );
    assert_eq!(usage["usage"], whole["usage"]);
    assert!(usage["usage"]["completion_tokens"].as_i64().unwrap() > 0);
    assert!(rest.iter().all(|c| c.get("usage").is_none()));
    assert_eq!(rest.len(), plain.len());
    let unasked = chat(json!({"stream_options": {"include_usage": false}}));
    assert_eq!(unasked.len(), plain.len());

    let tools = json!({"tools": [{"type": "function", "function": {"name": "lookup_order"}}],
        "messages": [{"role": "user", "content": "lookup_order order=1234"}]});
    let called = chat(tools);
    let calls: Vec<&Value> = called
        .iter()
        .filter_map(|c| c["choices"][0]["delta"].get("tool_calls"))
        .map(|t| &t[0])
        .collect();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["index"], 0);
    assert_eq!(calls[0]["type"], "function");
    assert!(calls[0]["id"].as_str().unwrap().starts_with("call_"));
    assert_eq!(
        calls[0]["function"],
        json!({"name": "lookup_order", "arguments": ""})
    );
    assert_eq!(calls[1]["index"], 0);
    assert!(calls[1].get("id").is_none() && calls[1]["function"].get("name").is_none());
    assert_eq!(calls[1]["function"]["arguments"], "{\"order\":1234}");
    assert_eq!(
        called.last().unwrap()["choices"][0]["finish_reason"],
        "tool_calls"
    );
}
