//! Handlers change the store in one step, after everything that can fail (parsing, checks,
//! indexing, the model): a handler dying at any of its entries into the store leaves the store
//! exactly as it was, and the engine keeps serving.
//!
//! The test injects a panic at the `k`th entry into the store (`Engine::faults`) for every
//! `k` a request makes, and compares the store before and after.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::clock::{Clock, ManualClock};
use super::engine::{Config, Engine};
use super::http::{dispatch, Failure, Reply};
use super::store::Timing;
use super::DeterministicModel;

fn engine() -> Engine {
    let config = Config {
        timing: Timing {
            step: Duration::ZERO,
            run_expiry: Duration::from_secs(600),
        },
        api_key: None,
        max_upload_bytes: 1 << 20,
        max_json_bytes: 1 << 20,
        batch_lines_per_step: 1000,
    };
    Engine::new(
        config,
        Arc::new(DeterministicModel),
        Clock::Manual(ManualClock::new()),
        &std::env::temp_dir(),
    )
}

/// A request with a JSON body (none for `null`); a string is sent as it is, as a multipart
/// body with the boundary `B`.
fn call(engine: &Engine, method: &str, url: &str, body: &Value) -> Result<Reply, Failure> {
    let (content_type, body) = match body {
        Value::Null => ("application/json", Vec::new()),
        Value::String(multipart) => (
            "multipart/form-data; boundary=B",
            multipart.clone().into_bytes(),
        ),
        json => ("application/json", json.to_string().into_bytes()),
    };
    dispatch(engine, method, url, content_type, &mut Cursor::new(body))
}

/// The multipart body of an upload part holding `data`.
fn part(data: &str) -> Value {
    Value::String(format!(
        "--B\r\nContent-Disposition: form-data; name=\"data\"; filename=\"part\"\r\n\r\n{data}\r\n--B--\r\n"
    ))
}

/// A successful call's JSON.
#[track_caller]
fn ok(engine: &Engine, method: &str, url: &str, body: Value) -> Value {
    let reply = call(engine, method, url, &body)
        .unwrap_or_else(|f| panic!("{method} {url}: {}", f.message));
    serde_json::from_slice(&reply.body).expect("JSON")
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

fn upload(engine: &Engine, name: &str, text: &str) -> String {
    upload_for(engine, "assistants", name, text)
}

fn upload_for(engine: &Engine, purpose: &str, name: &str, text: &str) -> String {
    let body = format!(
        "--B\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n{purpose}\r\n\
         --B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n\
         {text}\r\n--B--\r\n"
    );
    let reply = dispatch(
        engine,
        "POST",
        "/v1/files",
        "multipart/form-data; boundary=B",
        &mut Cursor::new(body.into_bytes()),
    )
    .unwrap_or_else(|f| panic!("upload: {}", f.message));
    let file: Value = serde_json::from_slice(&reply.body).expect("JSON");
    id(&file)
}

/// The state a scenario starts from: two readable uploads, an assistant with a function
/// tool, a vector store holding the first upload, a thread with a message, and a thread whose
/// run waits for a tool output.
struct World {
    files: [String; 2],
    assistant: String,
    store: String,
    thread: String,
    waiting: (String, String, String),
    /// A conversation with an item, and a response that made a function call.
    conversation: (String, String),
    calling: (String, String),
    /// A batch input file and a batch over it; an upload with two parts.
    batch: (String, String),
    upload: (String, [String; 2]),
}

fn world(engine: &Engine) -> World {
    let a = upload(engine, "a.md", "Tents come with a two-year warranty.");
    let b = upload(engine, "b.txt", "Stoves are refunded within thirty days.");
    let tool = json!({"type": "function", "function": {"name": "get_weather"}});
    let assistant = id(&ok(
        engine,
        "POST",
        "/v1/assistants",
        json!({"model": "m", "tools": [tool, {"type": "file_search"}]}),
    ));
    let store = id(&ok(
        engine,
        "POST",
        "/v1/vector_stores",
        json!({"file_ids": [a]}),
    ));
    let thread = id(&ok(
        engine,
        "POST",
        "/v1/threads",
        json!({"messages": [{"role": "user", "content": "hello"}]}),
    ));
    let run = ok(
        engine,
        "POST",
        "/v1/threads/runs",
        json!({"assistant_id": assistant, "thread": {"messages": [{"role": "user", "content": "get_weather city=Oslo"}]}}),
    );
    let (waiting_thread, run) = (run["thread_id"].as_str().unwrap().to_string(), id(&run));
    let run = ok(
        engine,
        "GET",
        &format!("/v1/threads/{waiting_thread}/runs/{run}"),
        Value::Null,
    );
    assert_eq!(run["status"], "requires_action", "{run}");
    let call_id = run["required_action"]["submit_tool_outputs"]["tool_calls"][0]["id"]
        .as_str()
        .expect("a tool call")
        .to_string();
    let conversation = ok(
        engine,
        "POST",
        "/v1/conversations",
        json!({"items": [{"role": "user", "content": "hello"}]}),
    );
    let items = ok(
        engine,
        "GET",
        &format!("/v1/conversations/{}/items", id(&conversation)),
        Value::Null,
    );
    let calling = ok(
        engine,
        "POST",
        "/v1/responses",
        json!({"model": "m", "input": "get_weather city=Oslo",
               "tools": [{"type": "function", "name": "get_weather"}]}),
    );
    let response_call = calling["output"][0]["call_id"]
        .as_str()
        .expect("a function call")
        .to_string();
    let line = json!({"custom_id": "q", "method": "POST", "url": "/v1/responses",
                      "body": {"model": "m", "input": "hi"}});
    let input = upload_for(engine, "batch", "in.jsonl", &line.to_string());
    let batch = id(&ok(
        engine,
        "POST",
        "/v1/batches",
        json!({"input_file_id": input, "endpoint": "/v1/responses", "completion_window": "24h"}),
    ));
    let upload = id(&ok(
        engine,
        "POST",
        "/v1/uploads",
        json!({"filename": "f.txt", "purpose": "assistants", "bytes": 6, "mime_type": "text/plain"}),
    ));
    let parts = ["abc", "def"].map(|data| {
        id(&ok(
            engine,
            "POST",
            &format!("/v1/uploads/{upload}/parts"),
            part(data),
        ))
    });
    World {
        batch: (input, batch),
        upload: (upload, parts),
        files: [a, b],
        assistant,
        store,
        thread,
        waiting: (waiting_thread, id(&run), call_id),
        conversation: (id(&conversation), id(&items["data"][0])),
        calling: (id(&calling), response_call),
    }
}

/// The requests that change the store, as built against a world.
fn scenarios(w: &World) -> Vec<(&'static str, String, Value)> {
    let [a, b] = &w.files;
    let (asst, vs, thread) = (&w.assistant, &w.store, &w.thread);
    let (waiting, run, call_id) = &w.waiting;
    let (conversation, item) = &w.conversation;
    let (calling, response_call) = &w.calling;
    // (A batch's cancel is not here: with a step of zero, reading the batch completes it.)
    let (input, _batch) = &w.batch;
    let (upload, [p1, p2]) = &w.upload;
    let png = super::image::tests::png(2, 2, |_, _| [0, 0, 230, 255]);
    let image = {
        use base64::Engine as _;
        format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        )
    };
    let attached = json!({"role": "user", "content": "see file",
        "attachments": [{"file_id": b, "tools": [{"type": "file_search"}]}]});
    let inline = json!({"file_search": {"vector_stores": [{"file_ids": [a, b]}]}});
    vec![
        (
            "POST",
            "/v1/vector_stores".into(),
            json!({"file_ids": [a, b]}),
        ),
        (
            "POST",
            format!("/v1/vector_stores/{vs}/files"),
            json!({"file_id": b}),
        ),
        (
            "POST",
            format!("/v1/vector_stores/{vs}/file_batches"),
            json!({"file_ids": [a, b]}),
        ),
        (
            "POST",
            format!("/v1/vector_stores/{vs}"),
            json!({"name": "renamed"}),
        ),
        (
            "DELETE",
            format!("/v1/vector_stores/{vs}/files/{a}"),
            Value::Null,
        ),
        (
            "POST",
            "/v1/threads".into(),
            json!({"messages": [attached], "tool_resources": inline}),
        ),
        (
            "POST",
            format!("/v1/threads/{thread}/messages"),
            attached.clone(),
        ),
        (
            "POST",
            format!("/v1/threads/{thread}/runs"),
            json!({"assistant_id": asst, "additional_messages": [attached]}),
        ),
        (
            "POST",
            "/v1/threads/runs".into(),
            json!({"assistant_id": asst, "thread": {"messages": [attached]}, "tool_resources": inline}),
        ),
        (
            "POST",
            format!("/v1/threads/{thread}"),
            json!({"tool_resources": inline, "metadata": {"k": "v"}}),
        ),
        (
            "POST",
            "/v1/assistants".into(),
            json!({"model": "m", "tool_resources": inline}),
        ),
        (
            "POST",
            format!("/v1/assistants/{asst}"),
            json!({"name": "x", "tool_resources": inline}),
        ),
        (
            "POST",
            format!("/v1/threads/{waiting}/runs/{run}/submit_tool_outputs"),
            json!({"tool_outputs": [{"tool_call_id": call_id, "output": "-3°C"}]}),
        ),
        (
            "POST",
            format!("/v1/threads/{waiting}/runs/{run}/submit_tool_outputs"),
            json!({"stream": true, "tool_outputs": [{"tool_call_id": call_id, "output": "-3°C"}]}),
        ),
        (
            "POST",
            format!("/v1/threads/{thread}/runs"),
            json!({"assistant_id": asst, "stream": true, "additional_messages": [attached]}),
        ),
        (
            "POST",
            "/v1/threads/runs".into(),
            json!({"assistant_id": asst, "stream": true, "thread": {"messages": [attached]}}),
        ),
        (
            "POST",
            format!("/v1/threads/{waiting}/runs/{run}/cancel"),
            Value::Null,
        ),
        ("DELETE", format!("/v1/files/{a}"), Value::Null),
        ("DELETE", format!("/v1/threads/{thread}"), Value::Null),
        (
            "POST",
            "/v1/chat/completions".into(),
            json!({"model": "m", "messages": [{"role": "user", "content": "get_weather city=Rome"}],
                   "tools": [{"type": "function", "function": {"name": "get_weather"}}]}),
        ),
        (
            "POST",
            "/v1/responses".into(),
            json!({"model": "m", "input": [{"role": "user", "content": [
                      {"type": "input_text", "text": "warranty?"},
                      {"type": "input_image", "detail": "auto", "image_url": image},
                      {"type": "input_file", "file_id": b}]}],
                   "tools": [{"type": "file_search", "vector_store_ids": [vs]}]}),
        ),
        (
            "POST",
            "/v1/responses".into(),
            json!({"model": "m", "previous_response_id": calling,
                   "input": [{"type": "function_call_output", "call_id": response_call, "output": "-3°C"}]}),
        ),
        (
            "POST",
            "/v1/responses".into(),
            json!({"model": "m", "conversation": conversation, "input": "and you?"}),
        ),
        (
            "POST",
            "/v1/responses".into(),
            json!({"model": "m", "input": "streamed", "stream": true}),
        ),
        (
            "POST",
            "/v1/responses".into(),
            json!({"model": "m", "input": "in the background", "background": true, "stream": true}),
        ),
        ("DELETE", format!("/v1/responses/{calling}"), Value::Null),
        (
            "POST",
            "/v1/conversations".into(),
            json!({"metadata": {"k": "v"}, "items": [{"role": "user", "content": "hi"}]}),
        ),
        (
            "POST",
            format!("/v1/conversations/{conversation}/items"),
            json!({"items": [{"role": "assistant", "content": "hi"}, {"type": "item_reference", "id": item}]}),
        ),
        (
            "POST",
            format!("/v1/conversations/{conversation}"),
            json!({"metadata": {"k": "v"}}),
        ),
        (
            "DELETE",
            format!("/v1/conversations/{conversation}/items/{item}"),
            Value::Null,
        ),
        (
            "DELETE",
            format!("/v1/conversations/{conversation}"),
            Value::Null,
        ),
        (
            "POST",
            "/v1/batches".into(),
            json!({"input_file_id": input, "endpoint": "/v1/responses",
                   "completion_window": "24h", "metadata": {"k": "v"}}),
        ),
        (
            "POST",
            "/v1/uploads".into(),
            json!({"filename": "g.bin", "purpose": "batch", "bytes": 9, "mime_type": "x/y"}),
        ),
        ("POST", format!("/v1/uploads/{upload}/parts"), part("ghi")),
        (
            "POST",
            format!("/v1/uploads/{upload}/complete"),
            json!({"part_ids": [p2, p1], "md5": "3d43648e11815c5ded9f8578896ba454"}),
        ),
        ("POST", format!("/v1/uploads/{upload}/cancel"), Value::Null),
    ]
}

#[test]
fn a_handler_dying_at_any_store_entry_leaves_no_half_made_change() {
    let count = scenarios(&world(&engine())).len();
    for i in 0..count {
        // The entries into the store the request makes when nothing fails.
        let engine = engine();
        let (method, url, body) = scenarios(&world(&engine)).swap_remove(i);
        let before = engine.dump();
        engine.faults.arm(0);
        call(&engine, method, &url, &body)
            .unwrap_or_else(|f| panic!("{method} {url}: {}", f.message));
        let entries = engine.faults.entries();
        assert_ne!(engine.dump(), before, "{method} {url} changes the store");

        for k in 1..=entries {
            let engine = self::engine();
            let (method, url, body) = scenarios(&world(&engine)).swap_remove(i);
            let before = engine.dump();
            engine.faults.arm(k);
            let died = catch_unwind(AssertUnwindSafe(|| call(&engine, method, &url, &body)));
            engine.faults.arm(0);
            assert!(
                died.is_err(),
                "{method} {url}: entry {k} of {entries} fires"
            );
            assert_eq!(
                engine.dump(),
                before,
                "{method} {url}: a panic at store entry {k} of {entries} left a change"
            );
            // The engine still serves, and the same request now succeeds.
            call(&engine, method, &url, &body)
                .unwrap_or_else(|f| panic!("{method} {url} after the panic: {}", f.message));
        }
    }
}
