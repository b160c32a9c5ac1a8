//! `/threads/{id}/messages`: create, list (with `run_id`), get, modify, delete and the walker.

use httpmock::MockServer;
use openai_blocking::types::*;
use serde_json::json;

use crate::requests::{message_create, message_modify, messages_query};
use crate::support::*;

fn message() -> serde_json::Value {
    fixture("message_text_annotations.json")
}

#[test]
fn create_thread_message_sends_the_whole_request() {
    let server = MockServer::start();
    let sent = message_create();
    let mock = Route::post("/threads/thread_77aa/messages", sent.json).mock(&server, message());
    let request = sent.request;
    let client = client(&server);
    let created = ok(&mock, client.create_thread_message("thread_77aa", &request));
    assert_eq!(created.id, "msg_abc123");
    assert_eq!(created.object, ThreadMessageResponseObject::ThreadMessage);
    assert_eq!(created.role, ThreadMessageResponseRole::Assistant);
    assert_eq!(created.status, Some(ThreadMessageResponseStatus::Completed));
    assert_eq!(created.run_id.as_deref(), Some("run_done1"));
    assert!(created
        .text()
        .starts_with("The report says revenue grew 12% [1]."));
    let MessageContent::Text { text } = &created.content[0] else {
        panic!("{:?}", created.content[0]);
    };
    assert!(matches!(
        &text.annotations[1],
        TextAnnotation::FilePath { file_path, .. } if file_path.file_id == "file-Img1"
    ));
    assert!(matches!(
        &created.content[1],
        MessageContent::ImageFile { image_file } if image_file.file_id == "file-Img1"
    ));
    assert_eq!(
        created.attachments.as_ref().unwrap()[0].file_id.as_deref(),
        Some("file-9Xy")
    );
    same_as_plain(
        ok(
            &mock,
            client.create_thread_message_with_response("thread_77aa", &request),
        ),
        &created,
    );
    mock.assert_calls(2);
}

#[test]
fn create_plain_text_message() {
    let server = MockServer::start();
    let mock = Route::post(
        "/threads/thread_77aa/messages",
        json!({"role": "user", "content": "Hi"}),
    )
    .mock(&server, fixture("list_messages.json")["data"][0].clone());
    let created = ok(
        &mock,
        client(&server)
            .create_thread_message("thread_77aa", &ThreadMessageCreateRequest::user("Hi")),
    );
    assert_eq!(created.text(), "Hi");
    assert_eq!(created.role, ThreadMessageResponseRole::User);
}

#[test]
fn get_thread_messages_with_run_filter() {
    let server = MockServer::start();
    let query = messages_query();
    let filtered = Route::get("/threads/thread_77aa/messages")
        .query(query.query)
        .mock(&server, page(vec![message()], false));
    let bare =
        Route::get("/threads/thread_77aa/messages").mock(&server, fixture("list_messages.json"));
    let client = client(&server);

    let query = query.request;
    let list = ok(
        &filtered,
        client.get_thread_messages("thread_77aa", Some(&query)),
    );
    assert_eq!(list.data.len(), 1);
    assert_eq!(list.data[0].run_id.as_deref(), Some("run_done1"));
    assert!(!list.has_more);
    same_as_plain(
        ok(
            &filtered,
            client.get_thread_messages_with_response("thread_77aa", Some(&query)),
        ),
        &list,
    );

    let list = ok(&bare, client.get_thread_messages("thread_77aa", None));
    assert_eq!(list.first_id.as_deref(), Some("msg_1"));
    assert_eq!(list.data[0].text(), "Hi");
    filtered.assert_calls(2);
    bare.assert_calls(1);
}

#[test]
fn get_modify_delete_thread_message() {
    let server = MockServer::start();
    let path = "/threads/thread_77aa/messages/msg_abc123";
    let get = Route::get(path).mock(&server, message());
    let change = message_modify();
    let modify = Route::post(path, change.json).mock(&server, message());
    let delete = Route::delete(path).mock(
        &server,
        json!({"id": "msg_abc123", "object": "thread.message.deleted", "deleted": true}),
    );
    let client = client(&server);

    let got = ok(&get, client.get_thread_message("thread_77aa", "msg_abc123"));
    assert_eq!(got.thread_id, "thread_77aa");
    assert_eq!(got.assistant_id.as_deref(), Some("asst_9f2K"));
    same_as_plain(
        ok(
            &get,
            client.get_thread_message_with_response("thread_77aa", "msg_abc123"),
        ),
        &got,
    );

    let change = change.request;
    let modified = ok(
        &modify,
        client.modify_thread_message("thread_77aa", "msg_abc123", &change),
    );
    assert_eq!(modified.id, "msg_abc123");
    same_as_plain(
        ok(
            &modify,
            client.modify_thread_message_with_response("thread_77aa", "msg_abc123", &change),
        ),
        &modified,
    );

    let gone = ok(
        &delete,
        client.delete_thread_message("thread_77aa", "msg_abc123"),
    );
    assert!(gone.deleted);
    assert_eq!(gone.object, "thread.message.deleted");
    same_as_plain(
        ok(
            &delete,
            client.delete_thread_message_with_response("thread_77aa", "msg_abc123"),
        ),
        &gone,
    );
    get.assert_calls(2);
    modify.assert_calls(2);
    delete.assert_calls(2);
}

#[test]
fn iter_thread_messages_walks_three_pages() {
    let server = MockServer::start();
    let pages = three_pages(
        &server,
        "/threads/thread_77aa/messages",
        "limit=2&run_id=run_done1",
        &message(),
        "msg_",
    );
    let query = ThreadMessageListQueryParameters {
        limit: Some(2),
        run_id: Some("run_done1".into()),
        ..Default::default()
    };
    let client = client(&server);
    let ids: Vec<String> = client
        .iter_thread_messages("thread_77aa", Some(query))
        .map(|m| m.map(|m| m.id))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids, five_ids("msg_"));
    each_page_once(&pages);
}

#[test]
fn empty_ids_are_rejected_before_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    let text = ThreadMessageCreateRequest::user("Hi");
    let change = ThreadMessageModifyRequest::default();
    invalid_argument("thread_id", client.create_thread_message("", &text));
    invalid_argument(
        "thread_id",
        client.create_thread_message_with_response(" ", &text),
    );
    invalid_argument("thread_id", client.get_thread_messages("", None));
    invalid_argument(
        "thread_id",
        client.get_thread_messages_with_response("", None),
    );
    invalid_argument("thread_id", client.get_thread_message("", "msg_1"));
    invalid_argument("message_id", client.get_thread_message("thread_1", ""));
    invalid_argument(
        "message_id",
        client.get_thread_message_with_response("thread_1", " "),
    );
    invalid_argument(
        "thread_id",
        client.modify_thread_message("", "msg_1", &change),
    );
    invalid_argument(
        "message_id",
        client.modify_thread_message("thread_1", "", &change),
    );
    invalid_argument(
        "message_id",
        client.modify_thread_message_with_response("thread_1", "", &change),
    );
    invalid_argument("thread_id", client.delete_thread_message("", "msg_1"));
    invalid_argument("message_id", client.delete_thread_message("thread_1", ""));
    invalid_argument(
        "message_id",
        client.delete_thread_message_with_response("thread_1", ""),
    );
    let first = client.iter_thread_messages("", None).next().unwrap();
    invalid_argument("thread_id", first);
    any.assert_calls(0);
}

#[test]
fn ids_are_percent_encoded() {
    let server = MockServer::start();
    let base = format!("/threads/{ODD_ID_ENCODED}/messages");
    let one = format!("{base}/msg%3F1");
    let list = Route::get(&base).mock(&server, page(vec![message()], false));
    let create =
        Route::post(&base, json!({"role": "user", "content": "Hi"})).mock(&server, message());
    let get = Route::get(&one).mock(&server, message());
    let modify = Route::post(&one, json!({})).mock(&server, message());
    let delete = Route::delete(&one).mock(
        &server,
        json!({"id": "msg?1", "object": "thread.message.deleted", "deleted": true}),
    );
    let client = client(&server);
    ok(&list, client.get_thread_messages(ODD_ID, None));
    ok(
        &create,
        client.create_thread_message(ODD_ID, &ThreadMessageCreateRequest::user("Hi")),
    );
    ok(&get, client.get_thread_message(ODD_ID, "msg?1"));
    ok(
        &modify,
        client.modify_thread_message(ODD_ID, "msg?1", &ThreadMessageModifyRequest::default()),
    );
    ok(&delete, client.delete_thread_message(ODD_ID, "msg?1"));
    for mock in [list, create, get, modify, delete] {
        mock.assert();
    }
}
