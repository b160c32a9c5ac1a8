//! `/assistants`: create, list, get, modify, delete and the page walker.

use httpmock::MockServer;
use openai_blocking::types::*;
use serde_json::json;

use crate::requests::{
    assistant_create, assistant_create_with_new_vector_store, assistant_modify,
    assistant_modify_clearing, assistants_query,
};
use crate::support::*;

fn assistant() -> serde_json::Value {
    fixture("assistant.json")
}

#[test]
fn create_assistant_sends_the_whole_request() {
    let server = MockServer::start();
    let sent = assistant_create();
    let mock = Route::post("/assistants", sent.json).mock(&server, assistant());
    let request = sent.request;
    let client = client(&server);
    let created = ok(&mock, client.create_assistant(&request));
    assert_eq!(created.id, "asst_9f2K");
    assert_eq!(created.object, AssistantResponseObject::Assistant);
    assert_eq!(created.created_at, 1_732_000_000);
    assert_eq!(created.name.as_deref(), Some("Support helper"));
    assert_eq!(created.model, "gpt-4o");
    assert_eq!(created.tools.len(), 3);
    assert!(matches!(
        &created.tools[1],
        AssistantTool::FileSearch { file_search: Some(fs) } if fs.max_num_results == Some(8)
    ));
    assert!(matches!(
        &created.tools[2],
        AssistantTool::Function { function } if function.strict == Some(true)
    ));
    let resources = created.tool_resources.as_ref().unwrap();
    assert_eq!(
        resources
            .file_search
            .as_ref()
            .unwrap()
            .vector_store_ids
            .as_deref(),
        Some(&["vs_abc123".to_string()][..])
    );
    assert_eq!(
        resources
            .code_interpreter
            .as_ref()
            .unwrap()
            .file_ids
            .as_deref(),
        Some(&["file-Csv1".to_string()][..])
    );
    assert_eq!(created.metadata.as_ref().unwrap().0["team"], "support");
    assert_eq!(created.temperature, Some(0.3));
    assert_eq!(
        created.response_format,
        Some(AssistantsApiResponseFormatOption::ResponseFormat(
            ResponseFormat::JsonObject
        ))
    );

    same_as_plain(
        ok(&mock, client.create_assistant_with_response(&request)),
        &created,
    );
    mock.assert_calls(2);
}

#[test]
fn create_assistant_with_a_new_vector_store() {
    let server = MockServer::start();
    let sent = assistant_create_with_new_vector_store();
    let mock = Route::post("/assistants", sent.json).mock(&server, assistant());
    let created = ok(&mock, client(&server).create_assistant(&sent.request));
    assert_eq!(created.id, "asst_9f2K");
    mock.assert();
}

#[test]
fn create_assistant_minimal_body() {
    let server = MockServer::start();
    let mock =
        Route::post("/assistants", json!({"model": "gpt-4o-mini"})).mock(&server, assistant());
    let client = client(&server);
    ok(
        &mock,
        client.create_assistant(&AssistantCreateRequest::new("gpt-4o-mini")),
    );
    mock.assert();
}

#[test]
fn get_assistants_with_and_without_query() {
    let server = MockServer::start();
    let second = with_id(&assistant(), "asst_2");
    let query = assistants_query();
    let with_query = Route::get("/assistants")
        .query(query.query)
        .mock(&server, page(vec![assistant(), second], true));
    let bare = Route::get("/assistants").mock(&server, page(vec![assistant()], false));
    let client = client(&server);

    let query = query.request;
    let list = ok(&with_query, client.get_assistants(Some(&query)));
    assert_eq!(list.object, "list");
    assert!(list.has_more);
    assert_eq!(list.first_id.as_deref(), Some("asst_9f2K"));
    assert_eq!(list.last_id.as_deref(), Some("asst_2"));
    let ids: Vec<&str> = list.data.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["asst_9f2K", "asst_2"]);
    same_as_plain(
        ok(
            &with_query,
            client.get_assistants_with_response(Some(&query)),
        ),
        &list,
    );
    with_query.assert_calls(2);

    let list = ok(&bare, client.get_assistants(None));
    assert_eq!(list.data.len(), 1);
    assert!(!list.has_more);
    // Default parameters send no query string either.
    ok(
        &bare,
        client.get_assistants(Some(&AssistantListQueryParameters::default())),
    );
    bare.assert_calls(2);
}

#[test]
fn get_modify_delete_assistant() {
    let server = MockServer::start();
    let get = Route::get("/assistants/asst_9f2K").mock(&server, assistant());
    let change = assistant_modify();
    let modify = Route::post("/assistants/asst_9f2K", change.json).mock(&server, assistant());
    let delete = Route::delete("/assistants/asst_9f2K").mock(
        &server,
        json!({"id": "asst_9f2K", "object": "assistant.deleted", "deleted": true}),
    );
    let client = client(&server);

    let got = ok(&get, client.get_assistant("asst_9f2K"));
    assert_eq!(got.id, "asst_9f2K");
    assert_eq!(
        got.description.as_deref(),
        Some("Answers questions from the support FAQ")
    );
    same_as_plain(
        ok(&get, client.get_assistant_with_response("asst_9f2K")),
        &got,
    );

    let change = change.request;
    let modified = ok(&modify, client.modify_assistant("asst_9f2K", &change));
    assert_eq!(
        modified.instructions.as_deref(),
        Some("Answer from the attached documents only.")
    );
    same_as_plain(
        ok(
            &modify,
            client.modify_assistant_with_response("asst_9f2K", &change),
        ),
        &modified,
    );

    let deleted = ok(&delete, client.delete_assistant("asst_9f2K"));
    assert!(deleted.deleted);
    assert_eq!(deleted.id, "asst_9f2K");
    assert_eq!(deleted.object, "assistant.deleted");
    same_as_plain(
        ok(&delete, client.delete_assistant_with_response("asst_9f2K")),
        &deleted,
    );
    get.assert_calls(2);
    modify.assert_calls(2);
    delete.assert_calls(2);
}

#[test]
fn iter_assistants_walks_three_pages() {
    let server = MockServer::start();
    let pages = three_pages(
        &server,
        "/assistants",
        "limit=2&order=desc",
        &assistant(),
        "asst_",
    );
    let query = AssistantListQueryParameters {
        limit: Some(2),
        order: Some(ListOrder::Desc),
        ..Default::default()
    };
    let client = client(&server);
    let ids: Vec<String> = client
        .iter_assistants(Some(query))
        .map(|a| a.map(|a| a.id))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids, five_ids("asst_"));
    each_page_once(&pages);
}

#[test]
fn iter_assistants_without_query_stops_at_an_error() {
    let server = MockServer::start();
    let first =
        Route::get("/assistants").mock(&server, page(vec![with_id(&assistant(), "asst_1")], true));
    // The second page is not mocked: httpmock answers 404.
    let client = client(&server);
    let mut iter = client.iter_assistants(None);
    assert_eq!(iter.next().unwrap().unwrap().id, "asst_1");
    let err = iter.next().unwrap().unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(iter.next().is_none());
    first.assert_calls(1);
}

#[test]
fn empty_ids_are_rejected_before_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    let change = AssistantModifyRequest::default();
    invalid_argument("assistant_id", client.get_assistant(""));
    invalid_argument("assistant_id", client.get_assistant_with_response(" "));
    invalid_argument("assistant_id", client.modify_assistant("", &change));
    invalid_argument(
        "assistant_id",
        client.modify_assistant_with_response("", &change),
    );
    invalid_argument("assistant_id", client.delete_assistant(""));
    invalid_argument("assistant_id", client.delete_assistant_with_response("\t"));
    any.assert_calls(0);
}

#[test]
fn ids_are_percent_encoded() {
    let server = MockServer::start();
    let path = format!("/assistants/{ODD_ID_ENCODED}");
    let get = Route::get(&path).mock(&server, assistant());
    let modify = Route::post(&path, json!({"name": "x"})).mock(&server, assistant());
    let delete = Route::delete(&path).mock(
        &server,
        json!({"id": ODD_ID, "object": "assistant.deleted", "deleted": true}),
    );
    let client = client(&server);
    ok(&get, client.get_assistant(ODD_ID));
    let change = AssistantModifyRequest {
        name: Patch::Set("x".into()),
        ..Default::default()
    };
    ok(&modify, client.modify_assistant(ODD_ID, &change));
    ok(&delete, client.delete_assistant(ODD_ID));
    get.assert();
    modify.assert();
    delete.assert();
}

#[test]
fn modify_assistant_clears_fields_with_null() {
    let server = MockServer::start();
    let change = assistant_modify_clearing();
    let modify = Route::post("/assistants/asst_9f2K", change.json).mock(&server, assistant());
    ok(
        &modify,
        client(&server).modify_assistant("asst_9f2K", &change.request),
    );
}
