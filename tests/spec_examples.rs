//! Every JSON response example the official OpenAPI document gives for our operations decodes
//! into its response type. The document is read at test time from ../shared/reference.

mod common;

use openai_blocking::*;
use serde_json::{json, Value};

macro_rules! by_name {
    ($name:expr, $v:expr, [$($t:ident),* $(,)?]) => {
        match $name {
            $(stringify!($t) => common::round_trip::<$t>($v),)*
            other => Err(format!("no response type {other}")),
        }
    };
}

fn check(type_name: &str, v: &Value) -> Result<bool, String> {
    by_name!(
        type_name,
        v,
        [
            AssistantListResponse,
            AssistantResponse,
            DeleteStatusResponse,
            ThreadResponse,
            RunResponse,
            RunListResponse,
            ThreadMessageListResponse,
            ThreadMessageResponse,
            RunStepListResponse,
            RunStepResponse,
            FileListResponse,
            FileResponse,
            VectorStoreListResponse,
            VectorStoreResponse,
            VectorStoreFileListResponse,
            VectorStoreFileResponse,
            VectorStoreFileBatchResponse,
            VectorStoreSearchResponse,
            CompletionResponse,
            CreateChatCompletionChunkResponse,
            AssistantStreamEvent,
        ]
    )
}

/// `event: X` / `data: …` blocks as `{"event": X, "data": …}`.
fn sse_events(text: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let mut event = None;
        let mut data = String::new();
        for line in block.lines() {
            if let Some(e) = line.strip_prefix("event:") {
                event = Some(e.trim().to_string());
            } else if let Some(d) = line.strip_prefix("data:") {
                data.push_str(d.trim());
            }
        }
        let Some(event) = event else { continue };
        // Some examples end a data line with a stray `}`: take the first JSON value.
        let data = serde_json::Deserializer::from_str(&data)
            .into_iter::<Value>()
            .next()
            .and_then(Result::ok)
            .unwrap_or(Value::String(data));
        out.push(json!({ "event": event, "data": data }));
    }
    out
}

#[test]
fn official_examples_decode_into_their_response_types() {
    let Some(path) = common::upstream_spec() else {
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let spec: Value = serde_saphyr::from_str(&text).unwrap();
    let ops: Value = serde_json::from_str(include_str!("../spec/operations.json")).unwrap();

    let (mut decoded, mut lossy, mut not_json) = (0, 0, 0);
    let mut failures = Vec::new();
    for op in ops["operations"].as_array().unwrap() {
        let Some(response) = op["response"].as_str().filter(|r| *r != "bytes") else {
            continue;
        };
        let method = op["method"].as_str().unwrap().to_lowercase();
        let path = op["path"].as_str().unwrap();
        let meta = &spec["paths"][path][&method]["x-oaiMeta"]["examples"];
        let examples: Vec<&Value> = match meta {
            Value::Array(a) => a.iter().collect(),
            Value::Object(_) => vec![meta],
            _ => vec![],
        };
        for ex in examples {
            let Some(body) = ex["response"].as_str() else {
                continue;
            };
            let values: Vec<(String, Value)> = if body.trim_start().starts_with("event:") {
                sse_events(body)
                    .into_iter()
                    .map(|v| ("AssistantStreamEvent".into(), v))
                    .collect()
            } else {
                let parsed: Vec<Value> = serde_json::Deserializer::from_str(body)
                    .into_iter::<Value>()
                    .map_while(Result::ok)
                    .collect();
                if parsed.is_empty() {
                    // A few examples are JavaScript-style objects (unquoted keys), not JSON.
                    not_json += 1;
                    continue;
                }
                parsed
                    .into_iter()
                    .map(|v| {
                        let ty = if v["object"] == "chat.completion.chunk" {
                            "CreateChatCompletionChunkResponse".to_string()
                        } else {
                            response.to_string()
                        };
                        (ty, v)
                    })
                    .collect()
            };
            for (ty, v) in values {
                match check(&ty, &v) {
                    Ok(exact) => {
                        decoded += 1;
                        if !exact {
                            lossy += 1;
                        }
                    }
                    Err(e) => failures.push(format!("{} {path} as {ty}: {e}", op["operation_id"])),
                }
            }
        }
    }
    println!(
        "official examples: {decoded} decoded ({lossy} drop fields the schema does not define), \
         {not_json} not JSON"
    );
    assert!(
        failures.is_empty(),
        "examples that do not decode:\n{}",
        failures.join("\n")
    );
    assert!(
        decoded >= 60,
        "only {decoded} examples found: did the document's layout change?"
    );
}
