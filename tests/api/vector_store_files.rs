//! `/vector_stores/{id}/files`: attach, list (with `filter`), get, modify attributes, detach
//! and the walker.

use httpmock::MockServer;
use openai_blocking::types::*;
use serde_json::json;

use crate::requests::{
    vector_store_file_create, vector_store_file_modify, vector_store_files_query,
};
use crate::support::*;

const FILES: &str = "/vector_stores/vs_abc123/files";

fn store_file() -> serde_json::Value {
    fixture("vector_store_file.json")
}

#[test]
fn create_vector_store_file_sends_the_whole_request() {
    let server = MockServer::start();
    let sent = vector_store_file_create();
    let mock = Route::post(FILES, sent.json).mock(&server, store_file());
    let request = sent.request;
    let client = client(&server);
    let attached = ok(
        &mock,
        client.create_vector_store_file("vs_abc123", &request),
    );
    assert_eq!(attached.id, "file-9Xy");
    assert_eq!(
        attached.object,
        VectorStoreFileResponseObject::VectorStoreFile
    );
    assert_eq!(attached.vector_store_id, "vs_abc123");
    assert_eq!(
        attached.status,
        Some(VectorStoreFileResponseStatus::Completed)
    );
    assert_eq!(attached.usage_bytes, Some(4096));
    assert_eq!(
        attached.chunking_strategy,
        Some(ChunkingStrategyResponse::Static(StaticChunkingStrategy {
            max_chunk_size_tokens: 800,
            chunk_overlap_tokens: 400,
        }))
    );
    let attributes = &attached.attributes.as_ref().unwrap().0;
    assert_eq!(attributes.len(), 3);
    assert_eq!(
        attributes["category"],
        VectorStoreFileAttributesValue::String("faq".into())
    );
    assert_eq!(
        attributes["year"],
        VectorStoreFileAttributesValue::Number(2024.0)
    );
    assert_eq!(
        attributes["public"],
        VectorStoreFileAttributesValue::Boolean(true)
    );
    same_as_plain(
        ok(
            &mock,
            client.create_vector_store_file_with_response("vs_abc123", &request),
        ),
        &attached,
    );
    mock.assert_calls(2);
}

#[test]
fn create_vector_store_file_minimal_body() {
    let server = MockServer::start();
    let mock = Route::post(FILES, json!({"file_id": "file-1"})).mock(&server, store_file());
    ok(
        &mock,
        client(&server)
            .create_vector_store_file("vs_abc123", &VectorStoreFileCreateRequest::new("file-1")),
    );
    mock.assert();
}

#[test]
fn get_vector_store_files_with_status_filter() {
    let server = MockServer::start();
    let mut failed = with_id(&store_file(), "file-bad");
    failed["status"] = json!("failed");
    failed["last_error"] = json!({"code": "unsupported_file", "message": "Unsupported file type"});
    let query = vector_store_files_query();
    let with_query = Route::get(FILES)
        .query(query.query)
        .mock(&server, page(vec![failed], false));
    let bare = Route::get(FILES).mock(&server, page(vec![store_file()], false));
    let client = client(&server);
    let query = query.request;
    let list = ok(
        &with_query,
        client.get_vector_store_files("vs_abc123", Some(&query)),
    );
    assert_eq!(
        list.data[0].status,
        Some(VectorStoreFileResponseStatus::Failed)
    );
    let error = list.data[0].last_error.as_ref().unwrap();
    assert_eq!(
        error.code,
        VectorStoreFileResponseLastErrorCode::UnsupportedFile
    );
    assert_eq!(error.message, "Unsupported file type");
    same_as_plain(
        ok(
            &with_query,
            client.get_vector_store_files_with_response("vs_abc123", Some(&query)),
        ),
        &list,
    );
    assert_eq!(
        ok(&bare, client.get_vector_store_files("vs_abc123", None)).data[0].id,
        "file-9Xy"
    );
    with_query.assert_calls(2);
    bare.assert_calls(1);
}

#[test]
fn get_modify_delete_vector_store_file() {
    let server = MockServer::start();
    let path = format!("{FILES}/file-9Xy");
    let get = Route::get(&path).mock(&server, store_file());
    let change = vector_store_file_modify();
    let modify = Route::post(&path, change.json).mock(&server, store_file());
    let delete = Route::delete(&path).mock(
        &server,
        json!({"id": "file-9Xy", "object": "vector_store.file.deleted", "deleted": true}),
    );
    let client = client(&server);

    let got = ok(&get, client.get_vector_store_file("vs_abc123", "file-9Xy"));
    assert_eq!(got.created_at, 1_732_000_200);
    same_as_plain(
        ok(
            &get,
            client.get_vector_store_file_with_response("vs_abc123", "file-9Xy"),
        ),
        &got,
    );

    let change = change.request;
    let modified = ok(
        &modify,
        client.modify_vector_store_file("vs_abc123", "file-9Xy", &change),
    );
    assert_eq!(modified.vector_store_id, "vs_abc123");
    same_as_plain(
        ok(
            &modify,
            client.modify_vector_store_file_with_response("vs_abc123", "file-9Xy", &change),
        ),
        &modified,
    );

    let gone = ok(
        &delete,
        client.delete_vector_store_file("vs_abc123", "file-9Xy"),
    );
    assert!(gone.deleted);
    assert_eq!(gone.object, "vector_store.file.deleted");
    same_as_plain(
        ok(
            &delete,
            client.delete_vector_store_file_with_response("vs_abc123", "file-9Xy"),
        ),
        &gone,
    );
    get.assert_calls(2);
    modify.assert_calls(2);
    delete.assert_calls(2);
}

#[test]
fn iter_vector_store_files_walks_three_pages() {
    let server = MockServer::start();
    let pages = three_pages(
        &server,
        FILES,
        "filter=completed&limit=2",
        &store_file(),
        "file-",
    );
    let query = VectorStoreFileListQueryParameters {
        filter: Some(VectorStoreFileStatusFilter::Completed),
        limit: Some(2),
        ..Default::default()
    };
    let client = client(&server);
    let ids: Vec<String> = client
        .iter_vector_store_files("vs_abc123", Some(query))
        .map(|f| f.map(|f| f.id))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids, five_ids("file-"));
    each_page_once(&pages);
}

#[test]
fn empty_ids_are_rejected_before_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    let create = VectorStoreFileCreateRequest::new("file-1");
    let change = VectorStoreFileModifyRequest::default();
    let store = "vector_store_id";
    invalid_argument(store, client.create_vector_store_file("", &create));
    invalid_argument(
        store,
        client.create_vector_store_file_with_response(" ", &create),
    );
    invalid_argument(store, client.get_vector_store_files("", None));
    invalid_argument(store, client.get_vector_store_files_with_response("", None));
    invalid_argument(store, client.get_vector_store_file("", "file-1"));
    invalid_argument("file_id", client.get_vector_store_file("vs_1", ""));
    invalid_argument(
        "file_id",
        client.get_vector_store_file_with_response("vs_1", " "),
    );
    invalid_argument(
        store,
        client.modify_vector_store_file("", "file-1", &change),
    );
    invalid_argument(
        "file_id",
        client.modify_vector_store_file("vs_1", "", &change),
    );
    invalid_argument(
        "file_id",
        client.modify_vector_store_file_with_response("vs_1", "", &change),
    );
    invalid_argument(store, client.delete_vector_store_file("", "file-1"));
    invalid_argument("file_id", client.delete_vector_store_file("vs_1", ""));
    invalid_argument(
        "file_id",
        client.delete_vector_store_file_with_response("vs_1", ""),
    );
    invalid_argument(
        store,
        client.iter_vector_store_files("", None).next().unwrap(),
    );
    any.assert_calls(0);
}

#[test]
fn ids_are_percent_encoded() {
    let server = MockServer::start();
    let base = format!("/vector_stores/{ODD_ID_ENCODED}/files");
    let one = format!("{base}/file%2B1");
    let create = Route::post(&base, json!({"file_id": "file+1"})).mock(&server, store_file());
    let list = Route::get(&base).mock(&server, page(vec![store_file()], false));
    let get = Route::get(&one).mock(&server, store_file());
    // `attributes` is required and nullable: unset, it is sent as `null`.
    let modify = Route::post(&one, json!({"attributes": null})).mock(&server, store_file());
    let delete = Route::delete(&one).mock(
        &server,
        json!({"id": "file+1", "object": "vector_store.file.deleted", "deleted": true}),
    );
    let client = client(&server);
    ok(
        &create,
        client.create_vector_store_file(ODD_ID, &VectorStoreFileCreateRequest::new("file+1")),
    );
    ok(&list, client.get_vector_store_files(ODD_ID, None));
    ok(&get, client.get_vector_store_file(ODD_ID, "file+1"));
    ok(
        &modify,
        client.modify_vector_store_file(ODD_ID, "file+1", &VectorStoreFileModifyRequest::default()),
    );
    ok(&delete, client.delete_vector_store_file(ODD_ID, "file+1"));
    for mock in [create, list, get, modify, delete] {
        mock.assert();
    }
}
