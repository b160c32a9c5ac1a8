//! Per-call cost of the SDK against a bare ureq call, method of `shared/design/perf-notes.md`:
//! a std-only keep-alive server on 127.0.0.1 answers `POST /threads/t/messages` with a ~1 KB
//! message and `POST /responses` with a ~1.6 KB response; 2000 sequential ~300 B JSON bodies
//! per round, decoded on both sides. Then decoding against `serde_json::Value` on the same
//! bytes: a run whose `tools` has 3 entries into `RunResponse`, and one large response (200
//! output items) into `ResponseObject`, with its keys sorted and in the API's order.
//! Run pinned to one core: `cargo bench --bench per_call` under `taskset -c 1`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

use openai_blocking::types::*;
use openai_blocking::{ureq, OpenAIClient, Request};
use serde_json::{json, Value};

const CALLS: u32 = 2000;

/// Answers each request with `message` or, for `/responses`, with `response`.
fn serve(stream: TcpStream, message: &str, response: &str) {
    stream.set_nodelay(true).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    let answer = |body: &str| {
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: req_1\r\n\
             content-length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let (message, response) = (answer(message), answer(response));
    loop {
        let mut len = 0;
        let mut first = String::new();
        if reader.read_line(&mut first).unwrap_or(0) == 0 {
            return;
        }
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
        }
        let mut request_body = vec![0; len];
        reader.read_exact(&mut request_body).unwrap();
        let body = if first.contains("/responses") {
            &response
        } else {
            &message
        };
        out.write_all(body.as_bytes()).unwrap();
    }
}

/// A completed response whose output is `items` items: messages with a cited text, function
/// calls, reasoning summaries and file searches, in turn.
fn response_json(items: usize, text_len: usize) -> Value {
    let output: Vec<Value> = (0..items)
        .map(|i| match i % 4 {
            0 => json!({
                "id": format!("msg_{i}"), "type": "message", "status": "completed",
                "role": "assistant",
                "content": [{
                    "type": "output_text", "text": "x".repeat(text_len), "logprobs": [],
                    "annotations": [{
                        "type": "file_citation", "file_id": "file-abc", "filename": "a.pdf",
                        "index": 10
                    }]
                }]
            }),
            1 => json!({
                "id": format!("fc_{i}"), "type": "function_call", "status": "completed",
                "call_id": format!("call_{i}"), "name": "get_weather",
                "arguments": "{\"city\":\"Toulouse\",\"unit\":\"c\"}"
            }),
            2 => json!({
                "id": format!("rs_{i}"), "type": "reasoning",
                "summary": [{"type": "summary_text", "text": "y".repeat(text_len / 2)}]
            }),
            _ => json!({
                "id": format!("fs_{i}"), "type": "file_search_call", "status": "completed",
                "queries": ["warranty period"], "results": null
            }),
        })
        .collect();
    json!({
        "id": "resp_1", "object": "response", "created_at": 1764590400, "status": "completed",
        "background": false, "error": null, "incomplete_details": null, "instructions": null,
        "max_output_tokens": null, "model": "gpt-4.1-mini-2025-04-14", "output": output,
        "parallel_tool_calls": true, "previous_response_id": null,
        "reasoning": {"effort": null, "summary": null}, "service_tier": "default",
        "store": true, "temperature": 1.0, "text": {"format": {"type": "text"}},
        "tool_choice": "auto", "tools": [], "top_p": 1.0, "truncation": "disabled",
        "usage": {
            "input_tokens": 14, "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 50, "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 64
        },
        "user": null, "metadata": {}
    })
}

fn micros_per_call(mut call: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..CALLS {
        call();
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS)
}

fn main() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let message = message_json();
    let response = response_json(1, 800).to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let (message, response) = (message.clone(), response.clone());
            std::thread::spawn(move || serve(stream.unwrap(), &message, &response));
        }
    });

    let payload = json!({"role": "user", "content": "y".repeat(250)});
    let base = format!("http://127.0.0.1:{port}/v1");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let client = OpenAIClient::create_with_api_key("sk-bench")
        .with_base_url(&base)
        .build()
        .unwrap();
    let bare_post = |path: &str, bytes: &[u8], beta: bool| {
        let mut request = agent
            .post(format!("{base}{path}"))
            .header("content-type", "application/json")
            .header("authorization", "Bearer sk-bench");
        if beta {
            request = request.header("openai-beta", "assistants=v2");
        }
        let mut response = request.send(bytes).unwrap();
        let body = response.body_mut().read_to_vec().unwrap();
        std::hint::black_box(serde_json::from_slice::<Value>(&body).unwrap());
    };

    // A warm-up round, then 9 measured ones; medians are reported.
    let question = ThreadMessageCreateRequest::user("y".repeat(250));
    let ask = ResponseCreateRequest::text("gpt-4.1-mini", "y".repeat(250));
    let (mut bares, mut sends, mut typeds) = (Vec::new(), Vec::new(), Vec::new());
    let (mut bare_responses, mut typed_responses) = (Vec::new(), Vec::new());
    for round in 0..=9 {
        let bare = micros_per_call(|| {
            bare_post(
                "/threads/t/messages",
                &serde_json::to_vec(&payload).unwrap(),
                true,
            )
        });
        let send = micros_per_call(|| {
            let request = Request::post("/threads/t/messages").json(&payload).unwrap();
            std::hint::black_box(client.send::<Value>(request).unwrap());
        });
        // The typed method: a typed request, a typed answer (ThreadMessageResponse).
        let typed = micros_per_call(|| {
            std::hint::black_box(client.create_thread_message("t", &question).unwrap());
        });
        // The same bytes as `create_response` sends, bare.
        let bare_response =
            micros_per_call(|| bare_post("/responses", &serde_json::to_vec(&ask).unwrap(), false));
        let typed_response = micros_per_call(|| {
            std::hint::black_box(client.create_response(&ask).unwrap());
        });
        if round > 0 {
            bares.push(bare);
            sends.push(send);
            typeds.push(typed);
            bare_responses.push(bare_response);
            typed_responses.push(typed_response);
        }
    }
    let (bare, send, typed) = (median(bares), median(sends), median(typeds));
    let (bare_response, typed_response) = (median(bare_responses), median(typed_responses));
    println!("per call, median of 9 rounds of {CALLS} calls:");
    println!("  bare ureq (JSON in, serde_json::Value out)    {bare:6.1} us");
    println!(
        "  sdk send::<Value>                            {send:6.1} us  {:.3}x",
        send / bare
    );
    println!(
        "  sdk create_thread_message (typed in and out)  {typed:6.1} us  {:.3}x",
        typed / bare
    );
    println!("  bare ureq POST /responses (same bytes)       {bare_response:6.1} us");
    println!(
        "  sdk create_response (typed in and out)       {typed_response:6.1} us  {:.3}x",
        typed_response / bare_response
    );

    // Decoding: a run whose `tools` holds 3 entries (the fixture the tests use), and one large
    // response of 200 output items, each against the same bytes into `serde_json::Value`.
    let run = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/run_requires_action.json"
    ))
    .unwrap();
    decode_against_value::<RunResponse>("a run with 3 tools", "RunResponse", &run, 20_000);
    // The answer of the calls above, alone: what a typed call decodes that a bare one
    // decodes into a `Value`.
    let answer = message_json();
    decode_against_value::<ThreadMessageResponse>(
        "the message answered above",
        "ThreadMessageResponse",
        answer.as_bytes(),
        20_000,
    );
    // The same response twice: keys in alphabetical order (serde_json's `Value`, as servers
    // built on it write them: `type` comes last in most objects, so every entry before it is
    // kept aside) and in the API's order (`id`, then `type`, then the rest).
    let response = response_json(200, 400);
    let sorted = serde_json::to_vec(&response).unwrap();
    decode_against_value::<ResponseObject>(
        "a 200-item response, keys sorted",
        "ResponseObject",
        &sorted,
        200,
    );
    let mut api_order = String::new();
    write_id_and_type_first(&response, &mut api_order);
    decode_against_value::<ResponseObject>(
        "a 200-item response, keys in the API's order",
        "ResponseObject",
        api_order.as_bytes(),
        200,
    );
}

/// The message the server answers `POST /threads/t/messages` with (about 1 KB).
fn message_json() -> String {
    format!(
        r#"{{"id":"msg_1","object":"thread.message","created_at":1,"thread_id":"t","role":"assistant","content":[{{"type":"text","text":{{"value":"{}","annotations":[]}}}}],"metadata":{{}}}}"#,
        "x".repeat(800)
    )
}

/// Writes `value` as JSON with every object's `id` and `type` first, as the API orders them.
fn write_id_and_type_first(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            out.push('{');
            let first = ["id", "type"].into_iter().filter(|k| map.contains_key(*k));
            let rest = map
                .keys()
                .map(String::as_str)
                .filter(|k| *k != "id" && *k != "type");
            for (i, key) in first.chain(rest).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(key).to_string());
                out.push(':');
                write_id_and_type_first(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_id_and_type_first(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Decodes `bytes` `times` times into `T` and into `Value`, 9 measured rounds after a warm-up,
/// and prints the medians and their ratio.
fn decode_against_value<T: serde::de::DeserializeOwned>(
    what: &str,
    name: &str,
    bytes: &[u8],
    times: u32,
) {
    let decode = |typed: bool| {
        let start = Instant::now();
        for _ in 0..times {
            if typed {
                std::hint::black_box(serde_json::from_slice::<T>(bytes).unwrap());
            } else {
                std::hint::black_box(serde_json::from_slice::<Value>(bytes).unwrap());
            }
        }
        start.elapsed().as_secs_f64() * 1e6 / f64::from(times)
    };
    let (mut values, mut typeds) = (Vec::new(), Vec::new());
    for round in 0..=9 {
        let (value, typed) = (decode(false), decode(true));
        if round > 0 {
            values.push(value);
            typeds.push(typed);
        }
    }
    let (value, typed) = (median(values), median(typeds));
    println!(
        "decoding {what} ({} B), median of 9 rounds of {times}:",
        bytes.len()
    );
    println!("  serde_json::Value                            {value:8.2} us");
    println!("  {name:<44} {typed:8.2} us  {:.3}x", typed / value);
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
