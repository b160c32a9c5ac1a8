//! `/vector_stores`: create, list, get, modify, delete, search and the walker.

use httpmock::MockServer;
use openai_blocking::types::*;
use serde_json::json;

use crate::requests::{
    vector_store_create, vector_store_create_with_auto_chunking, vector_store_modify,
    vector_store_modify_clearing, vector_store_search, vector_store_search_comparison,
    vector_stores_query,
};
use crate::support::*;

fn store() -> serde_json::Value {
    fixture("vector_store.json")
}

#[test]
fn create_vector_store_sends_the_whole_request() {
    let server = MockServer::start();
    let sent = vector_store_create();
    let mock = Route::post("/vector_stores", sent.json).mock(&server, store());
    let request = sent.request;
    let client = client(&server);
    let created = ok(&mock, client.create_vector_store(&request));
    assert_eq!(created.id, "vs_abc123");
    assert_eq!(created.object, VectorStoreResponseObject::VectorStore);
    assert_eq!(created.status, Some(VectorStoreResponseStatus::InProgress));
    let counts = created.file_counts.as_ref().unwrap();
    assert_eq!(
        (counts.completed, counts.in_progress, counts.total),
        (3, 1, 4)
    );
    assert_eq!(created.usage_bytes, Some(123_456));
    assert_eq!(created.expires_after.as_ref().unwrap().days, 7);
    same_as_plain(
        ok(&mock, client.create_vector_store_with_response(&request)),
        &created,
    );
    mock.assert_calls(2);
}

#[test]
fn create_vector_store_with_auto_chunking() {
    let server = MockServer::start();
    let sent = vector_store_create_with_auto_chunking();
    let mock = Route::post("/vector_stores", sent.json).mock(&server, store());
    ok(&mock, client(&server).create_vector_store(&sent.request));
    mock.assert();
}

#[test]
fn get_vector_stores_with_and_without_query() {
    let server = MockServer::start();
    let query = vector_stores_query();
    let with_query = Route::get("/vector_stores").query(query.query).mock(
        &server,
        page(vec![store(), with_id(&store(), "vs_2")], false),
    );
    let bare = Route::get("/vector_stores").mock(&server, page(vec![store()], false));
    let client = client(&server);
    let query = query.request;
    let list = ok(&with_query, client.get_vector_stores(Some(&query)));
    assert_eq!(list.data[1].id, "vs_2");
    assert_eq!(list.data[0].name.as_deref(), Some("Support FAQ"));
    same_as_plain(
        ok(
            &with_query,
            client.get_vector_stores_with_response(Some(&query)),
        ),
        &list,
    );
    assert_eq!(ok(&bare, client.get_vector_stores(None)).data.len(), 1);
    with_query.assert_calls(2);
    bare.assert_calls(1);
}

#[test]
fn get_modify_delete_vector_store() {
    let server = MockServer::start();
    let get = Route::get("/vector_stores/vs_abc123").mock(&server, store());
    let change = vector_store_modify();
    let modify = Route::post("/vector_stores/vs_abc123", change.json).mock(&server, store());
    let delete = Route::delete("/vector_stores/vs_abc123").mock(
        &server,
        json!({"id": "vs_abc123", "object": "vector_store.deleted", "deleted": true}),
    );
    let client = client(&server);

    let got = ok(&get, client.get_vector_store("vs_abc123"));
    assert_eq!(got.metadata.as_ref().unwrap().0["team"], "support");
    assert_eq!(got.last_active_at, Some(1_732_000_100));
    same_as_plain(
        ok(&get, client.get_vector_store_with_response("vs_abc123")),
        &got,
    );

    let change = change.request;
    let modified = ok(&modify, client.modify_vector_store("vs_abc123", &change));
    assert_eq!(modified.id, "vs_abc123");
    same_as_plain(
        ok(
            &modify,
            client.modify_vector_store_with_response("vs_abc123", &change),
        ),
        &modified,
    );

    let gone = ok(&delete, client.delete_vector_store("vs_abc123"));
    assert!(gone.deleted);
    assert_eq!(gone.object, "vector_store.deleted");
    same_as_plain(
        ok(
            &delete,
            client.delete_vector_store_with_response("vs_abc123"),
        ),
        &gone,
    );
    get.assert_calls(2);
    modify.assert_calls(2);
    delete.assert_calls(2);
}

#[test]
fn search_vector_store_with_filters_and_ranking() {
    let server = MockServer::start();
    let sent = vector_store_search();
    let mock = Route::post("/vector_stores/vs_abc123/search", sent.json)
        .mock(&server, fixture("vector_store_search.json"));
    let request = sent.request;
    let client = client(&server);
    let results = ok(&mock, client.search_vector_store("vs_abc123", &request));
    assert_eq!(
        results.object,
        VectorStoreSearchResponseObject::VectorStoreSearchResultsPage
    );
    assert_eq!(
        results.search_query,
        VectorStoreSearchResponseSearchQuery::String("return policy".into())
    );
    assert_eq!(results.data.len(), 2);
    assert_eq!(results.data[0].filename, "faq.md");
    assert_eq!(results.data[0].score, 0.87);
    assert_eq!(
        results.data[0].content[0].text,
        "Items can be returned within 30 days."
    );
    assert_eq!(
        results.data[0].attributes.as_ref().unwrap().0["category"],
        VectorStoreFileAttributesValue::String("faq".into())
    );
    assert!(!results.has_more);
    same_as_plain(
        ok(
            &mock,
            client.search_vector_store_with_response("vs_abc123", &request),
        ),
        &results,
    );
    mock.assert_calls(2);
}

#[test]
fn search_with_one_query_and_a_comparison_filter() {
    let server = MockServer::start();
    let sent = vector_store_search_comparison();
    let mock = Route::post("/vector_stores/vs_abc123/search", sent.json)
        .mock(&server, fixture("vector_store_search.json"));
    let results = ok(
        &mock,
        client(&server).search_vector_store("vs_abc123", &sent.request),
    );
    assert_eq!(results.data.len(), 2);
    mock.assert();
}

#[test]
fn iter_vector_stores_walks_three_pages() {
    let server = MockServer::start();
    let pages = three_pages(&server, "/vector_stores", "order=asc", &store(), "vs_");
    let query = VectorStoreListQueryParameters {
        order: Some(ListOrder::Asc),
        ..Default::default()
    };
    let client = client(&server);
    let ids: Vec<String> = client
        .iter_vector_stores(Some(query))
        .map(|v| v.map(|v| v.id))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids, five_ids("vs_"));
    each_page_once(&pages);
}

fn search(query: &str) -> VectorStoreSearchRequest {
    VectorStoreSearchRequest {
        query: VectorStoreSearchRequestQuery::String(query.into()),
        filters: None,
        max_num_results: None,
        ranking_options: None,
        rewrite_query: None,
    }
}

#[test]
fn empty_ids_are_rejected_before_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    let change = VectorStoreModifyRequest::default();
    invalid_argument("vector_store_id", client.get_vector_store(""));
    invalid_argument(
        "vector_store_id",
        client.get_vector_store_with_response(" "),
    );
    invalid_argument("vector_store_id", client.modify_vector_store("", &change));
    invalid_argument(
        "vector_store_id",
        client.modify_vector_store_with_response("", &change),
    );
    invalid_argument("vector_store_id", client.delete_vector_store(""));
    invalid_argument(
        "vector_store_id",
        client.delete_vector_store_with_response(""),
    );
    invalid_argument(
        "vector_store_id",
        client.search_vector_store("", &search("x")),
    );
    invalid_argument(
        "vector_store_id",
        client.search_vector_store_with_response("\t", &search("x")),
    );
    any.assert_calls(0);
}

#[test]
fn ids_are_percent_encoded() {
    let server = MockServer::start();
    let path = format!("/vector_stores/{ODD_ID_ENCODED}");
    let get = Route::get(&path).mock(&server, store());
    let modify = Route::post(&path, json!({"name": "n"})).mock(&server, store());
    let delete = Route::delete(&path).mock(
        &server,
        json!({"id": ODD_ID, "object": "vector_store.deleted", "deleted": true}),
    );
    let search_mock = Route::post(format!("{path}/search"), json!({"query": "q"}))
        .mock(&server, fixture("vector_store_search.json"));
    let client = client(&server);
    ok(&get, client.get_vector_store(ODD_ID));
    let change = VectorStoreModifyRequest {
        name: Patch::Set("n".into()),
        ..Default::default()
    };
    ok(&modify, client.modify_vector_store(ODD_ID, &change));
    ok(&delete, client.delete_vector_store(ODD_ID));
    ok(
        &search_mock,
        client.search_vector_store(ODD_ID, &search("q")),
    );
    for mock in [get, modify, delete, search_mock] {
        mock.assert();
    }
}

#[test]
fn modify_vector_store_removes_the_expiry_with_null() {
    let server = MockServer::start();
    let change = vector_store_modify_clearing();
    let modify = Route::post("/vector_stores/vs_abc123", change.json).mock(&server, store());
    ok(
        &modify,
        client(&server).modify_vector_store("vs_abc123", &change.request),
    );
}
