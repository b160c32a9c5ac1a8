//! Runs: their lifecycle, messages and steps, tool outputs, cancel and expiry. Lifecycles are
//! watched on a `ManualClock`: each status change happens when the test advances it.

use crate::support::*;

#[test]
fn run_lifecycle_messages_and_steps() {
    const STEP: Duration = Duration::from_secs(1);
    let (server, clock) = on_clock(STEP);
    let http = Http::new(&server);
    let asst = id(&http.ok(
        "POST",
        "/v1/assistants",
        Some(json!({"model": "local", "instructions": "Be brief."})),
    ));
    let thread = http.ok(
        "POST",
        "/v1/threads",
        Some(json!({"messages": [{"role": "user", "content": "Hello engine"}]})),
    );
    let thread = id(&thread);
    let run = http.ok(
        "POST",
        &format!("/v1/threads/{thread}/runs"),
        Some(json!({"assistant_id": asst})),
    );
    assert_eq!(run["status"], "queued");
    assert_eq!(run["object"], "thread.run");
    assert_eq!(run["instructions"], "Be brief.");
    assert!(run["expires_at"].as_i64().unwrap() >= run["created_at"].as_i64().unwrap() + 600);
    let run_id = id(&run);
    // A second run while this one is active is refused, and so is a new message.
    let again = http.call(
        "POST",
        &format!("/v1/threads/{thread}/runs"),
        Some(json!({"assistant_id": asst})),
    );
    assert_eq!(again.status, 400);
    let msg = http.call(
        "POST",
        &format!("/v1/threads/{thread}/messages"),
        Some(json!({"role": "user", "content": "x"})),
    );
    assert_eq!(msg.status, 400);

    // One status per step, each seen for as long as the clock stays within its step.
    let path = format!("/v1/threads/{thread}/runs/{run_id}");
    let mut seen: Vec<String> = Vec::new();
    for advance in [
        Duration::ZERO,
        STEP - Duration::from_millis(1),
        Duration::from_millis(1),
    ] {
        clock.advance(advance);
        seen.push(
            http.ok("GET", &path, None)["status"]
                .as_str()
                .unwrap()
                .into(),
        );
    }
    assert_eq!(seen, ["queued", "queued", "in_progress"]);
    assert!(http.ok("GET", &path, None)["started_at"].is_i64());
    clock.advance(STEP - Duration::from_millis(1));
    assert_eq!(http.ok("GET", &path, None)["status"], "in_progress");
    clock.advance(Duration::from_millis(1));
    assert_eq!(http.ok("GET", &path, None)["status"], "completed");
    let final_run = http.ok("GET", &format!("/v1/threads/{thread}/runs/{run_id}"), None);
    assert!(final_run["started_at"].is_i64() && final_run["completed_at"].is_i64());
    assert!(final_run.get("expires_at").is_none_or(Value::is_null));
    assert!(final_run["usage"]["total_tokens"].as_i64().unwrap() > 0);

    let messages = http.ok(
        "GET",
        &format!("/v1/threads/{thread}/messages?order=asc"),
        None,
    );
    let data = messages["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[1]["role"], "assistant");
    assert_eq!(data[1]["run_id"], run_id.as_str());
    assert_eq!(data[1]["assistant_id"], asst.as_str());
    assert_eq!(
        data[1]["content"][0]["text"]["value"],
        "You said: \"Hello engine\""
    );
    let only_run = http.ok(
        "GET",
        &format!("/v1/threads/{thread}/messages?run_id={run_id}"),
        None,
    );
    assert_eq!(only_run["data"].as_array().unwrap().len(), 1);

    let steps = http.ok(
        "GET",
        &format!("/v1/threads/{thread}/runs/{run_id}/steps"),
        None,
    );
    let steps = steps["data"].as_array().unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0]["type"], "message_creation");
    assert_eq!(steps[0]["status"], "completed");
    assert_eq!(
        steps[0]["step_details"]["message_creation"]["message_id"],
        data[1]["id"]
    );
    let step = http.ok(
        "GET",
        &format!("/v1/threads/{thread}/runs/{run_id}/steps/{}", id(&steps[0])),
        None,
    );
    assert_eq!(step["object"], "thread.run.step");

    let runs = http.ok("GET", &format!("/v1/threads/{thread}/runs"), None);
    assert_eq!(runs["data"][0]["id"], run_id.as_str());
    let meta = http.ok(
        "POST",
        &format!("/v1/threads/{thread}/runs/{run_id}"),
        Some(json!({"metadata": {"a": "b"}})),
    );
    assert_eq!(meta["metadata"]["a"], "b");
    // Cancelling a finished run is refused.
    assert_eq!(
        http.call(
            "POST",
            &format!("/v1/threads/{thread}/runs/{run_id}/cancel"),
            None
        )
        .status,
        400
    );
}

fn weather_assistant(http: &Http) -> String {
    id(&http.ok(
        "POST",
        "/v1/assistants",
        Some(json!({"model": "local", "tools": [{"type": "function", "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}}
        }}]})),
    ))
}

#[test]
fn requires_action_then_tool_outputs_complete_the_run() {
    let server = fast();
    let http = Http::new(&server);
    let asst = weather_assistant(&http);
    let body = json!({"assistant_id": asst, "thread": {"messages": [{"role": "user", "content": "Call get_weather city=Oslo days=2 please"}]}});
    let run = http.ok("POST", "/v1/threads/runs", Some(body));
    let (thread, run_id) = (run["thread_id"].as_str().unwrap().to_string(), id(&run));
    let run = http.wait_run(&thread, &run_id);
    assert_eq!(run["status"], "requires_action", "{run}");
    let calls = run["required_action"]["submit_tool_outputs"]["tool_calls"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["function"]["name"], "get_weather");
    let args: Value =
        serde_json::from_str(calls[0]["function"]["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(args, json!({"city": "Oslo", "days": 2}));
    let call_id = id(&calls[0]);

    let submit = format!("/v1/threads/{thread}/runs/{run_id}/submit_tool_outputs");
    let wrong = http.call(
        "POST",
        &submit,
        Some(json!({"tool_outputs": [{"tool_call_id": "call_x", "output": "1"}]})),
    );
    assert_eq!(
        (wrong.status, wrong.error()["param"].clone()),
        (400, json!("tool_outputs[0].tool_call_id"))
    );
    let none = http.call("POST", &submit, Some(json!({"tool_outputs": []})));
    assert_eq!(
        (none.status, none.error()["param"].clone()),
        (400, json!("tool_outputs"))
    );
    let after = http.ok(
        "POST",
        &submit,
        Some(json!({"tool_outputs": [{"tool_call_id": call_id, "output": "-3°C and snow"}]})),
    );
    assert_eq!(after["status"], "queued");
    let run = http.wait_run(&thread, &run_id);
    assert_eq!(run["status"], "completed");
    assert!(run.get("required_action").is_none_or(Value::is_null));

    let messages = http.ok("GET", &format!("/v1/threads/{thread}/messages"), None);
    assert_eq!(
        messages["data"][0]["content"][0]["text"]["value"],
        "get_weather returned: -3°C and snow"
    );
    let steps = http.ok(
        "GET",
        &format!("/v1/threads/{thread}/runs/{run_id}/steps?order=asc"),
        None,
    );
    let steps = steps["data"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    let call = &steps[0]["step_details"]["tool_calls"][0];
    assert_eq!(
        (call["type"].as_str(), call["id"].as_str()),
        (Some("function"), Some(call_id.as_str()))
    );
    assert_eq!(call["function"]["output"], "-3°C and snow");
    assert_eq!(steps[0]["status"], "completed");
    assert_eq!(steps[1]["type"], "message_creation");
    // Outputs for a finished run are refused.
    assert_eq!(
        http.call("POST", &submit, Some(json!({"tool_outputs": []})))
            .status,
        400
    );
}

#[test]
fn cancel_and_expiry() {
    const STEP: Duration = Duration::from_millis(30);
    const EXPIRY: Duration = Duration::from_millis(250);
    let clock = ManualClock::new();
    let server = LocalServer::builder()
        .clock(clock.clone())
        .step_delay(STEP)
        .run_expiry(EXPIRY)
        .start()
        .unwrap();
    let http = Http::new(&server);
    let asst = weather_assistant(&http);
    let thread = id(&http.ok("POST", "/v1/threads", None));
    let run = id(&http.ok(
        "POST",
        &format!("/v1/threads/{thread}/runs"),
        Some(json!({"assistant_id": asst})),
    ));
    let path = format!("/v1/threads/{thread}/runs/{run}");
    let cancelling = http.ok("POST", &format!("{path}/cancel"), None);
    assert_eq!(cancelling["status"], "cancelling");
    clock.advance(STEP - Duration::from_millis(1));
    assert_eq!(http.ok("GET", &path, None)["status"], "cancelling");
    clock.advance(Duration::from_millis(1));
    let cancelled = http.ok("GET", &path, None);
    assert_eq!(cancelled["status"], "cancelled");
    assert!(cancelled["cancelled_at"].is_i64());
    assert!(cancelled["started_at"].is_null(), "cancelled while queued");
    // The cancelled run wrote nothing.
    assert_eq!(
        http.ok("GET", &format!("/v1/threads/{thread}/messages"), None)["data"],
        json!([])
    );

    // A run left waiting for tool outputs expires at its deadline, not a moment before.
    http.ok(
        "POST",
        &format!("/v1/threads/{thread}/messages"),
        Some(json!({"role": "user", "content": "get_weather city=Rome"})),
    );
    let run = id(&http.ok(
        "POST",
        &format!("/v1/threads/{thread}/runs"),
        Some(json!({"assistant_id": asst})),
    ));
    let path = format!("/v1/threads/{thread}/runs/{run}");
    clock.advance(2 * STEP);
    assert_eq!(http.ok("GET", &path, None)["status"], "requires_action");
    clock.advance(EXPIRY - 2 * STEP - Duration::from_millis(1));
    assert_eq!(http.ok("GET", &path, None)["status"], "requires_action");
    clock.advance(Duration::from_millis(1));
    let expired = http.ok("GET", &path, None);
    assert_eq!(expired["status"], "expired");
    assert!(expired["required_action"].is_null());
    let steps = http.ok(
        "GET",
        &format!("/v1/threads/{thread}/runs/{run}/steps"),
        None,
    );
    assert_eq!(steps["data"][0]["status"], "expired");
}
