//! Every JSON response example the official OpenAPI document gives for our operations decodes
//! into its response type. The document is read at test time from ../shared/reference (never
//! committed), so the test is ignored unless asked for: `cargo test --test spec_examples --
//! --ignored` (CI does when the document is there).

mod common;

use std::collections::BTreeSet;

use openai_blocking::types::*;
use serde_json::{json, Value};

macro_rules! by_name {
    ($name:expr, $v:expr, [$($t:ident),* $(,)?]) => {
        match $name {
            $(stringify!($t) => decode::<$t>($v),)*
            other => Err(format!("no response type {other}")),
        }
    };
}

/// What decoding `v` as `T` lost (see `common::losses`), and the objects that only the
/// catch-all `Unknown` variant of a tagged union took (see [`fallbacks`]).
fn decode<T>(v: &Value) -> Result<(Vec<String>, Vec<String>), String>
where
    T: serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug,
{
    let lost = common::round_trip::<T>(v)?;
    let t: T = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
    Ok((lost, fallbacks(&format!("{t:?}"))))
}

/// The `type` of every object that decoded as an `Unknown` variant, read from the decoded
/// value's `Debug` text (`Unknown(Object {"id": ..., "type": String("message")})`), or its
/// `event` for an Assistants stream event.
///
/// A tagged union keeps what no variant fits as `Unknown`, raw JSON: right for a type this
/// version does not know, but a *known* type lands there too when one of its fields is missing
/// or ill-typed. Such an example "decodes", and the round trip loses nothing, yet its item is
/// invisible to typed code (`output_text()` skips it), so this is checked separately.
fn fallbacks(debug: &str) -> Vec<String> {
    const MARK: &str = "Unknown(Object {";
    const TYPE: &str = "\"type\": String(\"";
    const EVENT: &str = "\"event\": String(\"";
    let mut out = Vec::new();
    let mut rest = debug;
    while let Some(at) = rest.find(MARK) {
        rest = &rest[at + MARK.len()..];
        // Scan this object's own members (depth 0), skipping strings and nested values.
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        let mut tag = String::from("(no type)");
        for (i, c) in rest.char_indices() {
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            // An Assistants stream event is tagged by `event` rather than `type`.
            if let Some(key) = [TYPE, EVENT].iter().find(|k| rest[i..].starts_with(**k)) {
                if depth == 0 {
                    let value = &rest[i + key.len()..];
                    tag = value[..value.find('"').unwrap_or(0)].to_string();
                }
            }
            match c {
                '"' => in_string = true,
                '{' | '[' | '(' => depth += 1,
                '}' | ']' | ')' if depth == 0 => break,
                '}' | ']' | ')' => depth -= 1,
                _ => {}
            }
        }
        out.push(tag);
    }
    out
}

fn check(type_name: &str, v: &Value) -> Result<(Vec<String>, Vec<String>), String> {
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
            ResponseObject,
            ResponseInputItemList,
            ResponseInputTokens,
            ResponseCompaction,
            ResponseStreamEvent,
            ConversationResponse,
            ConversationItemList,
            ConversationItem,
            ModelListResponse,
            ModelResponse,
            EmbeddingResponse,
            ModerationResponse,
            UploadResponse,
            UploadPartResponse,
            BatchResponse,
            BatchListResponse,
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

/// What decoding loses of the document's examples, as `operation path-in-example` lines.
/// Most fields the examples carry that the schema does not define (`bytes` on vector stores,
/// `tool_resources` on runs, ...) sit on top-level objects, which keep unknown fields; the
/// variants of tagged unions (tools, items) do not. A loss that appears fails the test: fix
/// the types, or list it here with why.
const KNOWN_LOSSES: &[&str] = &[];

/// Examples that do not decode, as `operation [example title] type: error`. Each breaks the
/// document's own schema (the examples predate fields the schema now requires).
const KNOWN_FAILURES: &[&str] = &[
    // `ModerationCategories` requires `illicit` and `illicit/violent`; this example (from a
    // `text-moderation-007` model) has neither, in `categories` or `category_scores`.
    "createModeration [Single string] ModerationResponse: missing field `illicit`",
    // The unions of answers decode by their tag (`src/tagged.rs`): a known tag whose object
    // lacks a field its variant requires is an error, no longer an `Unknown`. No streamed
    // event has `sequence_number`, which every `ResponseStreamEvent` requires; the text delta
    // and done events also lack `logprobs`.
    "createResponse [Streaming] ResponseStreamEvent: missing field `logprobs`",
    "createResponse [Streaming] ResponseStreamEvent: missing field `sequence_number`",
    // A `web_search_call` without `action`, which `WebSearchToolCall` requires. (Not made
    // optional: a `WebSearchToolCall` needing only `id` and `status` would fit other items.)
    "createResponse [Web search] ResponseObject: missing field `action`",
    // The event's JSON line lacks its `data:` prefix, so the event has no data.
    "createThreadAndRun [Streaming] AssistantStreamEvent: invalid type: string \"\", expected struct RunResponse",
];

/// Objects of a known `type` (or Assistants `event`) that only the catch-all `Unknown`
/// variant took, as `operation [example title] type: tag` (see [`fallbacks`]). Each is an
/// example older than the schema: with the field it lacks added, it decodes into its variant.
const KNOWN_FALLBACKS: &[&str] = &[];

#[test]
#[ignore = "needs ../shared/reference/openai-openapi.yaml (read at test time, never committed)"]
fn needs_shared_spec_official_examples_decode_into_their_response_types() {
    let path = common::upstream_spec();
    let text = std::fs::read_to_string(&path).unwrap();
    let spec: Value = serde_saphyr::from_str_with_options(&text, yaml_1_2()).unwrap();
    let ops: Value = serde_json::from_str(include_str!("../spec/operations.json")).unwrap();

    let (mut decoded, mut not_json) = (0, 0);
    let mut failures = BTreeSet::new();
    let mut fell_back = BTreeSet::new();
    let mut losses = BTreeSet::new();
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
        let op_id = op["operation_id"].as_str().unwrap_or("?");
        for ex in examples {
            let Some(body) = ex["response"].as_str() else {
                continue;
            };
            let title = ex["title"].as_str().unwrap_or("");
            let values: Vec<(String, Value)> = if body.trim_start().starts_with("event:") {
                let events = sse_events(body).into_iter();
                if op["stream"] == "ResponseStreamEvent" {
                    // A Responses event carries its name as `type` inside its data.
                    events
                        .map(|v| ("ResponseStreamEvent".into(), v["data"].clone()))
                        .collect()
                } else {
                    events.map(|v| ("AssistantStreamEvent".into(), v)).collect()
                }
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
                    Ok((lost, unknown)) => {
                        decoded += 1;
                        losses.extend(lost.into_iter().map(|l| format!("{op_id} {l}")));
                        fell_back.extend(
                            unknown
                                .into_iter()
                                .map(|t| format!("{op_id} [{title}] {ty}: {t}")),
                        );
                    }
                    Err(e) => {
                        failures.insert(format!("{op_id} [{title}] {ty}: {e}"));
                    }
                }
            }
        }
    }
    println!("official examples: {decoded} decoded, {not_json} not JSON");
    same_as_known("examples that do not decode", &failures, KNOWN_FAILURES);
    same_as_known(
        "objects of a known type that decode only as `Unknown`",
        &fell_back,
        KNOWN_FALLBACKS,
    );
    same_as_known("round-trip losses", &losses, KNOWN_LOSSES);
    assert!(
        decoded >= 60,
        "only {decoded} examples found: did the document's layout change?"
    );
}

/// `found` must be exactly `known`: a new entry is a regression (fix the types, or list it
/// with why), an entry gone is a fix (take it off the list).
fn same_as_known(what: &str, found: &BTreeSet<String>, known: &[&str]) {
    let known: BTreeSet<String> = known.iter().map(|s| s.to_string()).collect();
    let new: Vec<_> = found.difference(&known).collect();
    let gone: Vec<_> = known.difference(found).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "{what} changed.\nnew (fix the types, or list it with the reason): {new:#?}\n\
         gone (take it off the list): {gone:#?}"
    );
}

/// YAML 1.2 scalars: `y`, `n`, `yes`, `on` stay strings (the document has `required: [x, y]`).
fn yaml_1_2() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options
}
