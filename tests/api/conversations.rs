//! `/conversations`: create (with items), get, modify, delete; items: create (at most 20 a
//! call, with `include`), list (with its query), get, delete, and the walker.

use httpmock::MockServer;
use openai_blocking::types::*;
use serde_json::{json, Value};

use crate::requests::{
    conversation_create, conversation_item_get_query, conversation_items_create,
    conversation_items_create_query, conversation_items_query, conversation_modify,
};
use crate::support::*;

const CONVERSATION_ID: &str = "conv_689667905b048191b4740501625afd940c7533ace33a2dab";

fn conversation() -> Value {
    fixture("conversation.json")
}

/// A page of a user message, an assistant message with a citation, a function call and its
/// output.
fn items() -> Value {
    fixture("conversation_items.json")
}

fn item(n: usize) -> Value {
    items()["data"][n].clone()
}

/// `n` user messages, `{"type": "message", "role": "user", "content": "message {i}"}`.
fn user_messages(n: usize) -> (Vec<InputItem>, Value) {
    let items = (1..=n)
        .map(|i| InputItem::user(format!("message {i}")))
        .collect();
    let json = (1..=n)
        .map(|i| json!({"type": "message", "role": "user", "content": format!("message {i}")}))
        .collect();
    (items, Value::Array(json))
}

#[test]
fn create_conversation_sends_the_whole_request() {
    let server = MockServer::start();
    let sent = conversation_create();
    let mock = Route::post("/conversations", sent.json).mock(&server, conversation());
    let request = sent.request;
    let client = client(&server);
    let created = ok(&mock, client.create_conversation(&request));
    assert_eq!(created.id, CONVERSATION_ID);
    assert_eq!(created.object, ConversationResponseObject::Conversation);
    assert_eq!(created.created_at, 1_754_687_376);
    assert_eq!(
        created.metadata,
        json!({"topic": "returns", "channel": "web"})
    );
    same_as_plain(
        ok(&mock, client.create_conversation_with_response(&request)),
        &created,
    );
    mock.assert_calls(2);
}

#[test]
fn create_conversation_empty_and_with_twenty_items() {
    let server = MockServer::start();
    let empty = Route::post("/conversations", json!({})).mock(&server, conversation());
    let (twenty, twenty_json) = user_messages(20);
    let full =
        Route::post("/conversations", json!({"items": twenty_json})).mock(&server, conversation());
    let client = client(&server);
    ok(
        &empty,
        client.create_conversation(&ConversationCreateRequest::default()),
    );
    let request = ConversationCreateRequest {
        items: Some(twenty),
        metadata: None,
    };
    ok(&full, client.create_conversation(&request));
    empty.assert();
    full.assert();
}

#[test]
fn more_than_twenty_items_are_refused_before_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    let (items, _) = user_messages(21);
    let create = ConversationCreateRequest {
        items: Some(items.clone()),
        metadata: None,
    };
    invalid_argument("items", client.create_conversation(&create));
    invalid_argument("items", client.create_conversation_with_response(&create));
    let add = ConversationItemCreateRequest { items };
    invalid_argument(
        "items",
        client.create_conversation_items(CONVERSATION_ID, &add, None),
    );
    invalid_argument(
        "items",
        client.create_conversation_items_with_response(CONVERSATION_ID, &add, None),
    );
    match client.create_conversation(&create) {
        Err(openai_blocking::Error::InvalidArgument { message, .. }) => {
            assert!(message.contains("21 items"), "{message}");
            assert!(message.contains("20"), "{message}");
        }
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
    any.assert_calls(0);
}

#[test]
fn get_modify_delete_conversation() {
    let server = MockServer::start();
    let path = format!("/conversations/{CONVERSATION_ID}");
    let get = Route::get(&path).mock(&server, conversation());
    let change = conversation_modify();
    let mut modified = conversation();
    modified["metadata"] = json!({"topic": "refunds"});
    let modify = Route::post(&path, change.json).mock(&server, modified);
    let delete = Route::delete(&path).mock(
        &server,
        json!({"id": CONVERSATION_ID, "object": "conversation.deleted", "deleted": true}),
    );
    let client = client(&server);

    let got = ok(&get, client.get_conversation(CONVERSATION_ID));
    assert_eq!(got.metadata["topic"], "returns");
    same_as_plain(
        ok(&get, client.get_conversation_with_response(CONVERSATION_ID)),
        &got,
    );

    let change = change.request;
    let modified = ok(
        &modify,
        client.modify_conversation(CONVERSATION_ID, &change),
    );
    assert_eq!(modified.metadata, json!({"topic": "refunds"}));
    same_as_plain(
        ok(
            &modify,
            client.modify_conversation_with_response(CONVERSATION_ID, &change),
        ),
        &modified,
    );

    let deleted = ok(&delete, client.delete_conversation(CONVERSATION_ID));
    assert!(deleted.deleted);
    assert_eq!(deleted.id, CONVERSATION_ID);
    assert_eq!(deleted.object, "conversation.deleted");
    same_as_plain(
        ok(
            &delete,
            client.delete_conversation_with_response(CONVERSATION_ID),
        ),
        &deleted,
    );
    get.assert_calls(2);
    modify.assert_calls(2);
    delete.assert_calls(2);
}

/// `metadata` is required (and nullable) in the update body: left unset it is sent as `null`.
#[test]
fn modify_conversation_without_metadata_sends_null() {
    let server = MockServer::start();
    let mock = Route::post(
        format!("/conversations/{CONVERSATION_ID}"),
        json!({"metadata": null}),
    )
    .mock(&server, conversation());
    ok(
        &mock,
        client(&server).modify_conversation(CONVERSATION_ID, &ConversationModifyRequest::default()),
    );
    mock.assert();
}

#[test]
fn create_conversation_items_with_and_without_include() {
    let server = MockServer::start();
    let path = format!("/conversations/{CONVERSATION_ID}/items");
    let sent = conversation_items_create();
    let query = conversation_items_create_query();
    let answer = page(vec![item(0), item(2), item(3)], false);
    let with_query = Route::post(&path, sent.json.clone())
        .query(query.query)
        .mock(&server, answer.clone());
    let bare = Route::post(&path, sent.json).mock(&server, answer);
    let (request, query) = (sent.request, query.request);
    let client = client(&server);
    let added = ok(
        &with_query,
        client.create_conversation_items(CONVERSATION_ID, &request, Some(&query)),
    );
    assert_eq!(added.data.len(), 3);
    assert!(matches!(
        &added.data[1],
        ConversationItem::FunctionCall { call_id, name, arguments, status: FunctionCallStatus::Completed, .. }
            if call_id == "call_Wq3pZt8VnB2xKd7s" && name == "get_weather" && arguments == r#"{"city":"Oslo","unit":"c"}"#
    ));
    assert!(matches!(
        &added.data[2],
        ConversationItem::FunctionCallOutput { output: FunctionToolCallOutputResourceOutput::String(o), .. }
            if o == r#"{"temp_c":4,"sky":"rain"}"#
    ));
    same_as_plain(
        ok(
            &with_query,
            client.create_conversation_items_with_response(CONVERSATION_ID, &request, Some(&query)),
        ),
        &added,
    );
    ok(
        &bare,
        client.create_conversation_items(CONVERSATION_ID, &request, None),
    );
    with_query.assert_calls(2);
    bare.assert_calls(1);
}

#[test]
fn create_twenty_conversation_items() {
    let server = MockServer::start();
    let (twenty, twenty_json) = user_messages(20);
    let mock = Route::post(
        format!("/conversations/{CONVERSATION_ID}/items"),
        json!({"items": twenty_json}),
    )
    .mock(&server, page(vec![item(0)], false));
    let request = ConversationItemCreateRequest { items: twenty };
    ok(
        &mock,
        client(&server).create_conversation_items(CONVERSATION_ID, &request, None),
    );
    mock.assert();
}

#[test]
fn get_conversation_items_with_and_without_query() {
    let server = MockServer::start();
    let path = format!("/conversations/{CONVERSATION_ID}/items");
    let query = conversation_items_query();
    let with_query = Route::get(&path).query(query.query).mock(&server, items());
    let bare = Route::get(&path).mock(&server, page(vec![item(1)], true));
    let client = client(&server);

    let query = query.request;
    let list = ok(
        &with_query,
        client.get_conversation_items(CONVERSATION_ID, Some(&query)),
    );
    assert_eq!(list.object, ConversationItemListObject::List);
    assert_eq!(
        list.first_id.as_deref(),
        Some("msg_6896679c3e2c8191a2b3c4d5e6f70819")
    );
    let [user, assistant, call, output] = &list.data[..] else {
        panic!("four items expected: {:?}", list.data);
    };
    assert!(matches!(
        user,
        ConversationItem::Message { role: MessageRole::User, content, .. }
            if matches!(&content[..], [ItemContent::InputText { text, .. }] if text == "Can I return this jacket?")
    ));
    let ConversationItem::Message {
        role,
        status,
        content,
        ..
    } = assistant
    else {
        panic!("not a message: {assistant:?}");
    };
    assert_eq!(role, &MessageRole::Assistant);
    assert_eq!(status, &MessageStatus::Completed);
    assert!(matches!(
        &content[..],
        [ItemContent::OutputText { text, annotations, .. }]
            if text == "Yes, within 30 days."
                && matches!(&annotations[..], [Annotation::FileCitation { filename, index: 20, .. }] if filename == "handbook.pdf")
    ));
    assert!(
        matches!(call, ConversationItem::FunctionCall { id, .. } if id == "fc_6896679e504e8191c4d5e6f708192031")
    );
    assert!(
        matches!(output, ConversationItem::FunctionCallOutput { call_id: Some(c), .. } if c == "call_Wq3pZt8VnB2xKd7s")
    );
    same_as_plain(
        ok(
            &with_query,
            client.get_conversation_items_with_response(CONVERSATION_ID, Some(&query)),
        ),
        &list,
    );
    let list = ok(&bare, client.get_conversation_items(CONVERSATION_ID, None));
    assert!(list.has_more);
    with_query.assert_calls(2);
    bare.assert_calls(1);
}

#[test]
fn get_and_delete_conversation_item() {
    let server = MockServer::start();
    let path =
        format!("/conversations/{CONVERSATION_ID}/items/msg_6896679d4f3d8191b3c4d5e6f7081920");
    let query = conversation_item_get_query();
    let with_query = Route::get(&path).query(query.query).mock(&server, item(1));
    let bare = Route::get(&path).mock(&server, item(1));
    let delete = Route::delete(&path).mock(&server, conversation());
    let client = client(&server);
    let id = "msg_6896679d4f3d8191b3c4d5e6f7081920";

    let query = query.request;
    let got = ok(
        &with_query,
        client.get_conversation_item(CONVERSATION_ID, id, Some(&query)),
    );
    assert!(matches!(
        &got,
        ConversationItem::Message { id: got_id, role: MessageRole::Assistant, .. } if got_id == id
    ));
    same_as_plain(
        ok(
            &with_query,
            client.get_conversation_item_with_response(CONVERSATION_ID, id, Some(&query)),
        ),
        &got,
    );
    assert_eq!(
        ok(
            &bare,
            client.get_conversation_item(CONVERSATION_ID, id, None)
        ),
        got
    );

    // Deleting an item answers with the conversation.
    let conversation = ok(
        &delete,
        client.delete_conversation_item(CONVERSATION_ID, id),
    );
    assert_eq!(conversation.id, CONVERSATION_ID);
    same_as_plain(
        ok(
            &delete,
            client.delete_conversation_item_with_response(CONVERSATION_ID, id),
        ),
        &conversation,
    );
    with_query.assert_calls(2);
    bare.assert_calls(1);
    delete.assert_calls(2);
}

#[test]
fn iter_conversation_items_walks_three_pages() {
    let server = MockServer::start();
    let path = format!("/conversations/{CONVERSATION_ID}/items");
    let pages = three_pages(
        &server,
        &path,
        "include=message.output_text.logprobs&limit=2&order=desc",
        &item(1),
        "msg_",
    );
    let client = client(&server);
    let query = ConversationItemListQueryParameters {
        include: Some(vec![IncludeEnum::MessageOutputTextLogprobs]),
        limit: Some(2),
        order: Some(ListOrder::Desc),
        after: None,
    };
    let ids: Vec<String> = client
        .iter_conversation_items(CONVERSATION_ID, Some(query))
        .map(|item| {
            item.map(|item| match item {
                ConversationItem::Message { id, .. } => id,
                other => panic!("not a message: {other:?}"),
            })
        })
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids, five_ids("msg_"));
    each_page_once(&pages);
}

/// The cursor is the page's `last_id`, which need not be the last item's id.
#[test]
fn iter_conversation_items_follows_last_id() {
    let server = MockServer::start();
    let path = format!("/conversations/{CONVERSATION_ID}/items");
    let mut first = page(vec![with_id(&item(2), "fc_1")], true);
    first["last_id"] = json!("cursor_fc_1");
    let one = Route::get(&path).mock(&server, first);
    let two = Route::get(&path)
        .query("after=cursor_fc_1")
        .mock(&server, page(vec![with_id(&item(3), "fco_2")], false));
    let client = client(&server);
    let items: Vec<ConversationItem> = client
        .iter_conversation_items(CONVERSATION_ID, None)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(items.len(), 2);
    assert!(matches!(&items[1], ConversationItem::FunctionCallOutput { id, .. } if id == "fco_2"));
    one.assert_calls(1);
    two.assert_calls(1);
}

#[test]
fn unknown_item_types_are_kept_as_they_came() {
    let server = MockServer::start();
    let hologram = json!({"id": "hg_1", "type": "hologram_call", "status": "completed", "fps": 24});
    let mock = Route::get(format!("/conversations/{CONVERSATION_ID}/items"))
        .mock(&server, page(vec![hologram.clone(), item(0)], false));
    let list = ok(
        &mock,
        client(&server).get_conversation_items(CONVERSATION_ID, None),
    );
    assert_eq!(list.data[0], ConversationItem::Unknown(hologram.clone()));
    assert!(matches!(list.data[1], ConversationItem::Message { .. }));
    assert_eq!(serde_json::to_value(&list.data[0]).unwrap(), hologram);
}

#[test]
fn empty_ids_are_rejected_before_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    let change = ConversationModifyRequest::default();
    let add = ConversationItemCreateRequest {
        items: vec![InputItem::user("Hi")],
    };
    invalid_argument("conversation_id", client.get_conversation(""));
    invalid_argument(
        "conversation_id",
        client.get_conversation_with_response(" "),
    );
    invalid_argument("conversation_id", client.modify_conversation("", &change));
    invalid_argument("conversation_id", client.delete_conversation(""));
    invalid_argument(
        "conversation_id",
        client.create_conversation_items("", &add, None),
    );
    invalid_argument("conversation_id", client.get_conversation_items("", None));
    invalid_argument(
        "conversation_id",
        client.get_conversation_item("", "msg_1", None),
    );
    invalid_argument(
        "item_id",
        client.get_conversation_item(CONVERSATION_ID, "", None),
    );
    invalid_argument(
        "item_id",
        client.get_conversation_item_with_response(CONVERSATION_ID, " ", None),
    );
    invalid_argument(
        "conversation_id",
        client.delete_conversation_item("", "msg_1"),
    );
    invalid_argument(
        "item_id",
        client.delete_conversation_item(CONVERSATION_ID, ""),
    );
    invalid_argument(
        "conversation_id",
        client.iter_conversation_items("", None).next().unwrap(),
    );
    any.assert_calls(0);
}

#[test]
fn ids_are_percent_encoded() {
    let server = MockServer::start();
    let base = format!("/conversations/{ODD_ID_ENCODED}");
    let one = format!("{base}/items/msg%231");
    let get = Route::get(&base).mock(&server, conversation());
    let modify = Route::post(&base, json!({"metadata": {"a": "b"}})).mock(&server, conversation());
    let delete = Route::delete(&base).mock(
        &server,
        json!({"id": "x", "object": "conversation.deleted", "deleted": true}),
    );
    let add = Route::post(
        format!("{base}/items"),
        json!({"items": [{"type": "message", "role": "user", "content": "Hi"}]}),
    )
    .mock(&server, page(vec![], false));
    let list = Route::get(format!("{base}/items")).mock(&server, page(vec![], false));
    let get_item = Route::get(&one).mock(&server, item(0));
    let delete_item = Route::delete(&one).mock(&server, conversation());
    let client = client(&server);
    ok(&get, client.get_conversation(ODD_ID));
    ok(
        &modify,
        client.modify_conversation(
            ODD_ID,
            &ConversationModifyRequest {
                metadata: Some(metadata(&[("a", "b")])),
            },
        ),
    );
    ok(&delete, client.delete_conversation(ODD_ID));
    ok(
        &add,
        client.create_conversation_items(
            ODD_ID,
            &ConversationItemCreateRequest {
                items: vec![InputItem::user("Hi")],
            },
            None,
        ),
    );
    ok(&list, client.get_conversation_items(ODD_ID, None));
    ok(
        &get_item,
        client.get_conversation_item(ODD_ID, "msg#1", None),
    );
    ok(
        &delete_item,
        client.delete_conversation_item(ODD_ID, "msg#1"),
    );
    for mock in [get, modify, delete, add, list, get_item, delete_item] {
        mock.assert();
    }
}
