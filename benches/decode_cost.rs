//! Decoding cost in instructions, for `valgrind --tool=callgrind` (timings are too noisy on a
//! shared machine): decodes one of `benches/per_call.rs`'s payloads `N` times, typed or into
//! `serde_json::Value`, inside `measured`, so that callgrind counts only the decoding:
//!
//! ```text
//! cargo bench --no-run --bench decode_cost
//! valgrind --tool=callgrind --toggle-collect='*decode_cost::measured*' \
//!     target/release/deps/decode_cost-* run typed 100
//! ```
//!
//! `<payload>` is `run` (the run with 3 tools), `message` (the 1 KB message), `sorted` or
//! `api` (the 200-item response, keys sorted or in the API's order); `<kind>` is `typed` or
//! `value`. Without arguments it prints each payload's typed/`Value` ratio of wall time, as a
//! quick check.

use openai_blocking::types::*;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--bench") || args.is_empty() {
        for payload in ["run", "message", "sorted", "api"] {
            let bytes = payload_bytes(payload);
            let times = if bytes.len() > 100_000 { 100 } else { 5_000 };
            let time = |typed: bool| {
                let start = std::time::Instant::now();
                decode(payload, typed, &bytes, times);
                start.elapsed().as_secs_f64()
            };
            let (value, typed) = (time(false), time(true));
            println!("{payload:8} typed/Value {:.3}", typed / value);
        }
        return;
    }
    let payload = args[0].as_str();
    let typed = match args.get(1).map(String::as_str) {
        Some("typed") => true,
        Some("value") => false,
        _ => panic!("usage: decode_cost <run|message|sorted|api> <typed|value> [N]"),
    };
    let times: u32 = args.get(2).map_or(100, |n| n.parse().expect("a count"));
    let bytes = payload_bytes(payload);
    decode(payload, typed, &bytes, times);
}

fn decode(payload: &str, typed: bool, bytes: &[u8], times: u32) {
    match (payload, typed) {
        (_, false) => measured::<Value>(bytes, times),
        ("run", true) => measured::<RunResponse>(bytes, times),
        ("message", true) => measured::<ThreadMessageResponse>(bytes, times),
        (_, true) => measured::<ResponseObject>(bytes, times),
    }
}

/// The only code callgrind counts (`--toggle-collect`).
#[inline(never)]
fn measured<T: DeserializeOwned>(bytes: &[u8], times: u32) {
    for _ in 0..times {
        std::hint::black_box(serde_json::from_slice::<T>(std::hint::black_box(bytes)).unwrap());
    }
}

fn payload_bytes(payload: &str) -> Vec<u8> {
    match payload {
        "run" => std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/run_requires_action.json"
        ))
        .unwrap(),
        "message" => format!(
            r#"{{"id":"msg_1","object":"thread.message","created_at":1,"thread_id":"t","role":"assistant","content":[{{"type":"text","text":{{"value":"{}","annotations":[]}}}}],"metadata":{{}}}}"#,
            "x".repeat(800)
        )
        .into_bytes(),
        "sorted" => serde_json::to_vec(&response_json(200, 400)).unwrap(),
        "api" => {
            let mut out = String::new();
            write_id_and_type_first(&response_json(200, 400), &mut out);
            out.into_bytes()
        }
        other => panic!("unknown payload {other}"),
    }
}

/// The response of `benches/per_call.rs`: `items` output items, messages with a cited text,
/// function calls, reasoning summaries and file searches in turn.
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
