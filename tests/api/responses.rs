//! `/responses`: create (every field, the other shapes, the constructors), get (with its
//! query), cancel, delete, input items and their walker, input token counts, compaction; the
//! answer's helpers (`output_text`, `function_calls`, `citations`); streaming refused locally;
//! unknown output items and tools kept as they came.

use httpmock::MockServer;
use openai_blocking::types::*;
use serde_json::{json, Value};

use crate::common::{losses, round_trip};
use crate::requests::{
    response_compact, response_compact_previous, response_create, response_create_in_conversation,
    response_create_text, response_create_with_constructors, response_get_query,
    response_input_items_query, response_input_tokens,
};
use crate::support::*;

const RESPONSE_ID: &str = "resp_68a2c1f0e4b88190a5c3d1e2f3a4b5c6";

/// A completed response: reasoning, a file search, a message of two cited text parts, two
/// parallel function calls.
fn response() -> Value {
    fixture("response.json")
}

/// A completed response whose only output is one message with `text`.
fn text_response(text: &str) -> Value {
    let mut reply = response();
    reply["output"] = json!([{
        "id": "msg_1", "type": "message", "status": "completed", "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]
    }]);
    reply
}

/// The `id` of any list item (the items are unions without a common accessor).
fn id_of(item: &impl serde::Serialize) -> String {
    serde_json::to_value(item).unwrap()["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn create_response_sends_the_whole_request() {
    let server = MockServer::start();
    let sent = response_create();
    let mock = Route::post("/responses", sent.json).mock(&server, response());
    let request = sent.request;
    let client = client(&server);
    let created = ok(&mock, client.create_response(&request));
    assert_eq!(created.id, RESPONSE_ID);
    assert_eq!(created.object, ResponseObjectObject::Response);
    assert_eq!(created.status, Some(ResponseObjectStatus::Completed));
    assert_eq!(
        created.model,
        ModelIdsResponses("o4-mini-2025-04-16".into())
    );
    assert_eq!(created.created_at, 1_755_496_944.0);
    assert_eq!(created.completed_at, Some(1_755_496_951.0));
    assert_eq!(
        created.previous_response_id.as_deref(),
        Some("resp_68a2c0aa11b28190c0ffee0123456789")
    );
    assert_eq!(
        created.instructions,
        Some(ResponseObjectInstructions::String(
            "You are the returns desk of a clothing shop.".into()
        ))
    );
    assert_eq!(created.metadata, Some(metadata(&[("ticket", "T-1042")])));
    assert_eq!(
        created.tool_choice,
        ToolChoiceParam::ToolChoiceOptions(ToolChoiceOptions::Auto)
    );
    assert!(matches!(
        &created.tools.0[..],
        [Tool::FileSearch { vector_store_ids, .. }, Tool::Function { name, strict: Some(true), .. }]
            if vector_store_ids == &["vs_handbook"] && name == "get_weather"
    ));
    let usage = created.usage.as_ref().unwrap();
    assert_eq!(
        (usage.input_tokens, usage.output_tokens, usage.total_tokens),
        (18_307, 348, 18_655)
    );
    assert_eq!(
        usage.input_tokens_details.as_ref().unwrap().cached_tokens,
        1024
    );
    assert_eq!(usage.output_tokens_details.reasoning_tokens, 192);

    // Every output item decodes into its own variant, in order.
    let kinds: Vec<&str> = created
        .output
        .iter()
        .map(|item| match item {
            OutputItem::Reasoning { .. } => "reasoning",
            OutputItem::FileSearchCall { .. } => "file_search_call",
            OutputItem::Message { .. } => "message",
            OutputItem::FunctionCall { .. } => "function_call",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "reasoning",
            "file_search_call",
            "message",
            "function_call",
            "function_call"
        ]
    );
    let OutputItem::Reasoning { summary, .. } = &created.output[0] else {
        unreachable!()
    };
    assert!(summary[0]
        .text
        .starts_with("**Checking the return policy**"));
    let OutputItem::FileSearchCall {
        queries,
        results,
        status,
        ..
    } = &created.output[1]
    else {
        unreachable!()
    };
    assert_eq!(status, &FileSearchToolCallStatus::Completed);
    assert_eq!(
        queries,
        &["return policy jackets", "refund processing time"]
    );
    let results = results.as_ref().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].filename.as_deref(), Some("handbook.pdf"));
    assert_eq!(results[0].score, Some(0.9213));

    // The helpers: the text parts joined, the calls in order, the annotations of every part.
    assert_eq!(
        created.output_text(),
        "Yes: unworn jackets can be returned within 30 days. \
         The refund takes up to 5 business days."
    );
    let calls: Vec<(&str, &str, &str)> = created
        .function_calls()
        .iter()
        .map(|c| (c.call_id, c.name, c.arguments))
        .collect();
    assert_eq!(
        calls,
        [
            (
                "call_Wq3pZt8VnB2xKd7s",
                "get_weather",
                r#"{"city":"Oslo","unit":"c"}"#
            ),
            (
                "call_M4nQ9rTz1Yc6Hw0e",
                "get_weather",
                r#"{"city":"Bergen","unit":"c"}"#
            ),
        ]
    );
    let citations = created.citations();
    assert_eq!(citations.len(), 3);
    assert_eq!(
        citations[0],
        &Annotation::FileCitation {
            file_id: "file-2dtbBZdjtDKS8eqWxqbgDi".into(),
            filename: "handbook.pdf".into(),
            index: 50,
        }
    );
    assert!(matches!(
        citations[1],
        Annotation::FileCitation { filename, index: 39, .. } if filename == "refunds.md"
    ));
    assert!(matches!(
        citations[2],
        Annotation::UrlCitation { url, start_index: 0, end_index: 39, .. }
            if url == "https://example.com/help/refunds"
    ));

    same_as_plain(
        ok(&mock, client.create_response_with_response(&request)),
        &created,
    );
    mock.assert_calls(2);
}

#[test]
fn the_response_fixture_round_trips_without_loss() {
    assert_eq!(round_trip::<ResponseObject>(&response()), Ok(vec![]));
}

#[test]
fn create_response_in_a_conversation_with_allowed_tools() {
    let server = MockServer::start();
    let sent = response_create_in_conversation();
    let mut reply = text_response(r#"{"in_stock":true}"#);
    reply["conversation"] = json!({"id": "conv_689667905b048191b4740501625afd940c7533ace33a2dab"});
    reply["previous_response_id"] = json!(null);
    let mock = Route::post("/responses", sent.json).mock(&server, reply);
    let created = ok(&mock, client(&server).create_response(&sent.request));
    assert_eq!(
        created.conversation.as_ref().map(|c| c.id.as_str()),
        Some("conv_689667905b048191b4740501625afd940c7533ace33a2dab")
    );
    assert_eq!(created.output_text(), r#"{"in_stock":true}"#);
    assert!(created.function_calls().is_empty());
    assert!(created.citations().is_empty());
    mock.assert();
}

#[test]
fn create_response_built_with_the_constructors() {
    let server = MockServer::start();
    let sent = response_create_with_constructors();
    let mock = Route::post("/responses", sent.json).mock(&server, response());
    let created = ok(&mock, client(&server).create_response(&sent.request));
    assert_eq!(created.function_calls().len(), 2);
    mock.assert();
}

#[test]
fn create_response_from_a_text() {
    let server = MockServer::start();
    let sent = response_create_text();
    let mock = Route::post("/responses", sent.json).mock(&server, text_response("Hi!"));
    let created = ok(&mock, client(&server).create_response(&sent.request));
    assert_eq!(created.output_text(), "Hi!");
    mock.assert();
}

#[test]
fn output_text_skips_refusals_and_is_empty_without_messages() {
    let server = MockServer::start();
    let mut refused = response();
    refused["output"] = json!([{
        "id": "msg_2", "type": "message", "status": "completed", "role": "assistant",
        "content": [
            {"type": "refusal", "refusal": "I cannot help with that."},
            {"type": "output_text", "text": "Ask the desk.", "annotations": [], "logprobs": []}
        ]
    }]);
    let mut calls_only = response();
    calls_only["output"] = json!([response()["output"][3].clone()]);
    let refusal = Route::get("/responses/resp_r").mock(&server, refused);
    let calls = Route::get("/responses/resp_c").mock(&server, calls_only);
    let client = client(&server);
    let refused = ok(&refusal, client.get_response("resp_r", None));
    assert!(matches!(
        &refused.output[0],
        OutputItem::Message { content, .. }
            if matches!(&content[0], OutputMessageContent::Refusal { refusal } if refusal == "I cannot help with that.")
    ));
    assert_eq!(refused.output_text(), "Ask the desk.");
    let calls_only = ok(&calls, client.get_response("resp_c", None));
    assert_eq!(calls_only.output_text(), "");
    assert_eq!(
        calls_only.function_calls()[0].call_id,
        "call_Wq3pZt8VnB2xKd7s"
    );
    assert!(calls_only.citations().is_empty());
}

#[test]
fn get_response_with_and_without_query() {
    let server = MockServer::start();
    let path = format!("/responses/{RESPONSE_ID}");
    let query = response_get_query();
    let with_query = Route::get(&path)
        .query(query.query)
        .mock(&server, response());
    let bare = Route::get(&path).mock(&server, text_response("Hi!"));
    let client = client(&server);

    let query = query.request;
    let got = ok(&with_query, client.get_response(RESPONSE_ID, Some(&query)));
    assert_eq!(got.id, RESPONSE_ID);
    assert_eq!(got.output.len(), 5);
    same_as_plain(
        ok(
            &with_query,
            client.get_response_with_response(RESPONSE_ID, Some(&query)),
        ),
        &got,
    );
    let got = ok(&bare, client.get_response(RESPONSE_ID, None));
    assert_eq!(got.output_text(), "Hi!");
    with_query.assert_calls(2);
    bare.assert_calls(1);
}

#[test]
fn cancel_response_posts_without_a_body() {
    let server = MockServer::start();
    let mut cancelled = response();
    cancelled["status"] = json!("cancelled");
    cancelled["background"] = json!(true);
    cancelled["completed_at"] = json!(null);
    cancelled["output"] = json!([]);
    cancelled["usage"] = json!(null);
    let mock =
        Route::post_empty(format!("/responses/{RESPONSE_ID}/cancel")).mock(&server, cancelled);
    let client = client(&server);
    let response = ok(&mock, client.cancel_response(RESPONSE_ID));
    assert_eq!(response.status, Some(ResponseObjectStatus::Cancelled));
    assert_eq!(response.background, Some(true));
    assert_eq!(response.completed_at, None);
    assert!(response.usage.is_none());
    assert_eq!(response.output_text(), "");
    same_as_plain(
        ok(&mock, client.cancel_response_with_response(RESPONSE_ID)),
        &response,
    );
    mock.assert_calls(2);
}

#[test]
fn delete_response_ignores_the_answer_body() {
    let server = MockServer::start();
    let mock = Route::delete(format!("/responses/{RESPONSE_ID}")).mock(
        &server,
        json!({"id": RESPONSE_ID, "object": "response", "deleted": true}),
    );
    let client = client(&server);
    ok(&mock, client.delete_response(RESPONSE_ID));
    let answer = ok(&mock, client.delete_response_with_response(RESPONSE_ID));
    same_as_plain(answer, &());
    mock.assert_calls(2);
}

#[test]
fn get_response_input_items_with_and_without_query() {
    let server = MockServer::start();
    let path = format!("/responses/{RESPONSE_ID}/input_items");
    let query = response_input_items_query();
    let with_query = Route::get(&path)
        .query(query.query)
        .mock(&server, fixture("response_input_items.json"));
    let bare = Route::get(&path).mock(&server, page(vec![], false));
    let client = client(&server);

    let query = query.request;
    let list = ok(
        &with_query,
        client.get_response_input_items(RESPONSE_ID, Some(&query)),
    );
    assert_eq!(list.object, ResponseInputItemListObject::List);
    assert!(!list.has_more);
    assert_eq!(
        list.last_id.as_deref(),
        Some("fco_68a2c1f0bb228190c3d4e5f607182930")
    );
    let [message, call, output] = &list.data[..] else {
        panic!("three items expected: {:?}", list.data);
    };
    let ItemResource::InputMessageResource(message) = message else {
        panic!("not an input message: {message:?}");
    };
    assert_eq!(message.role, InputMessageResourceRole::User);
    assert_eq!(message.status, Some(InputMessageResourceStatus::Completed));
    assert!(matches!(
        &message.content.0[..],
        [InputContent::InputText { text, .. }, InputContent::InputImage { detail: ImageDetail::High, file_id: Some(file), .. }]
            if text.starts_with("Can I still return") && file == "file-Jacket7"
    ));
    assert!(matches!(
        call,
        ItemResource::FunctionToolCallResource(c)
            if c.call_id == "call_Wq3pZt8VnB2xKd7s" && c.name == "get_weather" && c.status == FunctionCallStatus::Completed
    ));
    assert!(matches!(
        output,
        ItemResource::FunctionToolCallOutputResource(o)
            if o.call_id.as_deref() == Some("call_Wq3pZt8VnB2xKd7s")
                && o.output == FunctionToolCallOutputResourceOutput::String(r#"{"temp_c":4,"sky":"rain"}"#.into())
    ));
    same_as_plain(
        ok(
            &with_query,
            client.get_response_input_items_with_response(RESPONSE_ID, Some(&query)),
        ),
        &list,
    );
    let empty = ok(&bare, client.get_response_input_items(RESPONSE_ID, None));
    assert!(empty.data.is_empty());
    with_query.assert_calls(2);
    bare.assert_calls(1);
}

/// An assistant message among a response's input items (a response that continues an earlier
/// one has them) is an `OutputMessage`, not an input message with unknown parts: `ItemResource`
/// tells the two `message` shapes apart by `role`.
#[test]
fn input_items_decode_an_assistant_message_as_an_output_message() {
    let server = MockServer::start();
    let assistant = json!({
        "id": "msg_prev1", "type": "message", "status": "completed", "role": "assistant",
        "content": [{"type": "output_text", "text": "4 °C and rain.", "annotations": [], "logprobs": []}]
    });
    let mock =
        Route::get("/responses/resp_1/input_items").mock(&server, page(vec![assistant], false));
    let list = ok(
        &mock,
        client(&server).get_response_input_items("resp_1", None),
    );
    assert!(
        matches!(&list.data[0], ItemResource::OutputMessage(m) if m.id == "msg_prev1"),
        "{:?}",
        list.data[0]
    );
}

#[test]
fn iter_response_input_items_walks_three_pages() {
    let server = MockServer::start();
    let template = fixture("response_input_items.json")["data"][0].clone();
    let pages = three_pages(
        &server,
        "/responses/resp_1/input_items",
        "limit=2&order=asc",
        &template,
        "msg_",
    );
    let client = client(&server);
    let query = ResponseInputItemListQueryParameters {
        limit: Some(2),
        order: Some(ListOrder::Asc),
        ..Default::default()
    };
    let ids: Vec<String> = client
        .iter_response_input_items("resp_1", Some(query))
        .map(|item| item.map(|item| id_of(&item)))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids, five_ids("msg_"));
    each_page_once(&pages);
}

/// The items are unions, so the cursor is the page's `last_id`, not an item's id; without a
/// `last_id` the walk cannot go on and ends, even with `has_more`.
#[test]
fn iter_response_input_items_follows_last_id() {
    let server = MockServer::start();
    let item = |id: &str| with_id(&fixture("response_input_items.json")["data"][1], id);
    let mut first = page(vec![item("fc_1"), item("fc_2")], true);
    first["last_id"] = json!("cursor_7");
    let mut second = page(vec![item("fc_3")], true);
    second["last_id"] = json!(null);
    let one = Route::get("/responses/resp_1/input_items").mock(&server, first);
    let two = Route::get("/responses/resp_1/input_items")
        .query("after=cursor_7")
        .mock(&server, second);
    let client = client(&server);
    let ids: Vec<String> = client
        .iter_response_input_items("resp_1", None)
        .map(|item| item.map(|item| id_of(&item)))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids, ["fc_1", "fc_2", "fc_3"]);
    one.assert_calls(1);
    two.assert_calls(1);
}

#[test]
fn get_response_input_tokens_sends_every_field() {
    let server = MockServer::start();
    let sent = response_input_tokens();
    let mock = Route::post("/responses/input_tokens", sent.json).mock(
        &server,
        json!({"object": "response.input_tokens", "input_tokens": 1234}),
    );
    let request = sent.request;
    let client = client(&server);
    let counted = ok(&mock, client.get_response_input_tokens(&request));
    assert_eq!(counted.input_tokens, 1234);
    assert_eq!(
        counted.object,
        ResponseInputTokensObject::ResponseInputTokens
    );
    same_as_plain(
        ok(
            &mock,
            client.get_response_input_tokens_with_response(&request),
        ),
        &counted,
    );
    mock.assert_calls(2);
}

#[test]
fn compact_response_sends_every_field_and_the_constructor() {
    let server = MockServer::start();
    let compaction = json!({
        "id": "resp_cmp_68a2d0",
        "object": "response.compaction",
        "created_at": 1_755_500_000,
        "output": [
            {"id": "msg_c1", "type": "message", "status": "completed", "role": "user",
             "content": [{"type": "input_text", "text": "What is the weather in Oslo?"}]},
            {"id": "cmp_1", "type": "compaction", "encrypted_content": "gAAAAABoY29tcGFjdGVk"}
        ],
        "usage": {
            "input_tokens": 120,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 40,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 160
        }
    });
    let every = response_compact();
    let previous = response_compact_previous();
    let all = Route::post("/responses/compact", every.json).mock(&server, compaction.clone());
    let short = Route::post("/responses/compact", previous.json).mock(&server, compaction);
    let client = client(&server);
    let compacted = ok(&all, client.compact_response(&every.request));
    assert_eq!(compacted.id, "resp_cmp_68a2d0");
    assert_eq!(
        compacted.object,
        ResponseCompactionObject::ResponseCompaction
    );
    assert!(matches!(
        &compacted.output[..],
        [ItemField::Message { .. }, ItemField::Compaction { id, encrypted_content, .. }]
            if id == "cmp_1" && encrypted_content == "gAAAAABoY29tcGFjdGVk"
    ));
    assert_eq!(compacted.usage.total_tokens, 160);
    assert_eq!(
        compacted
            .usage
            .input_tokens_details
            .as_ref()
            .unwrap()
            .cache_write_tokens,
        None
    );
    same_as_plain(
        ok(&all, client.compact_response_with_response(&every.request)),
        &compacted,
    );
    ok(&short, client.compact_response(&previous.request));
    all.assert_calls(2);
    short.assert_calls(1);
}

#[test]
fn streaming_requests_are_refused_before_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    let create = ResponseCreateRequest {
        stream: Some(true),
        ..ResponseCreateRequest::text("gpt-4o-mini", "Hi")
    };
    invalid_argument("stream", client.create_response(&create));
    invalid_argument("stream", client.create_response_with_response(&create));
    let get = ResponseGetQueryParameters {
        stream: Some(true),
        ..Default::default()
    };
    invalid_argument("stream", client.get_response("resp_1", Some(&get)));
    invalid_argument(
        "stream",
        client.get_response_with_response("resp_1", Some(&get)),
    );
    any.assert_calls(0);
}

#[test]
fn empty_ids_are_rejected_before_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    invalid_argument("response_id", client.get_response("", None));
    invalid_argument("response_id", client.get_response_with_response(" ", None));
    invalid_argument("response_id", client.cancel_response(""));
    invalid_argument("response_id", client.cancel_response_with_response(""));
    invalid_argument("response_id", client.delete_response(""));
    invalid_argument("response_id", client.delete_response_with_response(" "));
    invalid_argument("response_id", client.get_response_input_items("", None));
    invalid_argument(
        "response_id",
        client.get_response_input_items_with_response("", None),
    );
    invalid_argument(
        "response_id",
        client.iter_response_input_items("", None).next().unwrap(),
    );
    any.assert_calls(0);
}

#[test]
fn ids_are_percent_encoded() {
    let server = MockServer::start();
    let one = format!("/responses/{ODD_ID_ENCODED}");
    let get = Route::get(&one).mock(&server, response());
    let cancel = Route::post_empty(format!("{one}/cancel")).mock(&server, response());
    let delete = Route::delete(&one).mock(&server, json!({}));
    let items = Route::get(format!("{one}/input_items")).mock(&server, page(vec![], false));
    let client = client(&server);
    ok(&get, client.get_response(ODD_ID, None));
    ok(&cancel, client.cancel_response(ODD_ID));
    ok(&delete, client.delete_response(ODD_ID));
    ok(&items, client.get_response_input_items(ODD_ID, None));
    for mock in [get, cancel, delete, items] {
        mock.assert();
    }
}

/// An output item, a content part, an annotation and a tool of types this version does not
/// know decode as `Unknown`, keep their JSON, and leave the helpers' answers alone.
#[test]
fn unknown_output_items_and_tools_are_kept_as_they_came() {
    let server = MockServer::start();
    let hologram_call = json!({
        "id": "hg_1", "type": "hologram_call", "status": "completed",
        "frames": [{"t": 0, "pixels": "AAEC"}], "fps": 24
    });
    let hologram_tool = json!({"type": "hologram", "resolution": "8k", "max_frames": 120});
    let mut reply = response();
    reply["output"]
        .as_array_mut()
        .unwrap()
        .insert(0, hologram_call.clone());
    let texts = &mut reply["output"][3]["content"];
    texts
        .as_array_mut()
        .unwrap()
        .push(json!({"type": "output_audio", "transcript": "Yes.", "data": "UklGRg=="}));
    texts[0]["annotations"].as_array_mut().unwrap().push(
        json!({"type": "page_citation", "page": 4, "file_id": "file-2dtbBZdjtDKS8eqWxqbgDi"}),
    );
    reply["tools"]
        .as_array_mut()
        .unwrap()
        .push(hologram_tool.clone());
    let mock = Route::get("/responses/resp_h").mock(&server, reply.clone());
    let got = ok(&mock, client(&server).get_response("resp_h", None));

    assert_eq!(got.output[0], OutputItem::Unknown(hologram_call));
    assert_eq!(got.tools.0[2], Tool::Unknown(hologram_tool));
    let OutputItem::Message { content, .. } = &got.output[3] else {
        panic!("not a message: {:?}", got.output[3]);
    };
    assert!(matches!(&content[2], OutputMessageContent::Unknown(v) if v["type"] == "output_audio"));
    // The helpers see what they know and skip the rest.
    assert_eq!(
        got.output_text(),
        "Yes: unworn jackets can be returned within 30 days. \
         The refund takes up to 5 business days."
    );
    assert_eq!(got.function_calls().len(), 2);
    let citations = got.citations();
    assert_eq!(citations.len(), 4);
    assert!(matches!(citations[1], Annotation::Unknown(v) if v["type"] == "page_citation"));
    // Serialised back, nothing is lost or changed.
    let back = serde_json::to_value(&got).unwrap();
    assert_eq!(losses(&reply, &back), Vec::<String>::new());
    assert_eq!(back["output"][0], reply["output"][0]);
    assert_eq!(back["tools"][2], reply["tools"][2]);
}
