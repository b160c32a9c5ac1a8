//! `/vector_stores/{id}/file_batches`: create (both body shapes), get, cancel, list the files
//! (with `filter`) and the walker.

use httpmock::MockServer;
use openai_blocking::types::*;
use serde_json::json;

use crate::requests::{file_batch_create, file_batch_create_per_file, file_batch_files_query};
use crate::support::*;

const BATCHES: &str = "/vector_stores/vs_abc123/file_batches";

fn batch() -> serde_json::Value {
    fixture("vector_store_file_batch.json")
}

#[test]
fn create_batch_from_file_ids() {
    let server = MockServer::start();
    let sent = file_batch_create();
    let mock = Route::post(BATCHES, sent.json).mock(&server, batch());
    let request = sent.request;
    let client = client(&server);
    let created = ok(
        &mock,
        client.create_vector_store_file_batch("vs_abc123", &request),
    );
    assert_eq!(created.id, "vsfb_7Qe");
    assert_eq!(
        created.object,
        VectorStoreFileBatchResponseObject::VectorStoreFilesBatch
    );
    assert_eq!(created.vector_store_id, "vs_abc123");
    assert_eq!(
        created.status,
        VectorStoreFileBatchResponseStatus::InProgress
    );
    assert_eq!(created.file_counts.total, 3);
    assert_eq!(created.file_counts.in_progress, 2);
    same_as_plain(
        ok(
            &mock,
            client.create_vector_store_file_batch_with_response("vs_abc123", &request),
        ),
        &created,
    );
    mock.assert_calls(2);
}

#[test]
fn create_batch_with_per_file_settings() {
    let server = MockServer::start();
    let sent = file_batch_create_per_file();
    let mock = Route::post(BATCHES, sent.json).mock(&server, batch());
    ok(
        &mock,
        client(&server).create_vector_store_file_batch("vs_abc123", &sent.request),
    );
    mock.assert();
}

#[test]
fn create_batch_with_the_constructor() {
    let server = MockServer::start();
    let mock = Route::post(BATCHES, json!({"file_ids": ["file-1"]})).mock(&server, batch());
    ok(
        &mock,
        client(&server).create_vector_store_file_batch(
            "vs_abc123",
            &VectorStoreFileBatchCreateRequest::new(vec!["file-1".into()]),
        ),
    );
    mock.assert();
}

#[test]
fn get_and_cancel_batch() {
    let server = MockServer::start();
    let path = format!("{BATCHES}/vsfb_7Qe");
    let get = Route::get(&path).mock(&server, batch());
    let mut cancelled = batch();
    cancelled["status"] = json!("cancelled");
    cancelled["file_counts"] =
        json!({"in_progress": 0, "completed": 1, "failed": 0, "cancelled": 2, "total": 3});
    let cancel = Route::post_empty(format!("{path}/cancel")).mock(&server, cancelled);
    let client = client(&server);

    let got = ok(
        &get,
        client.get_vector_store_file_batch("vs_abc123", "vsfb_7Qe"),
    );
    assert_eq!(got.created_at, 1_732_000_300);
    assert_eq!(got.file_counts.completed, 1);
    same_as_plain(
        ok(
            &get,
            client.get_vector_store_file_batch_with_response("vs_abc123", "vsfb_7Qe"),
        ),
        &got,
    );

    let stopped = ok(
        &cancel,
        client.cancel_vector_store_file_batch("vs_abc123", "vsfb_7Qe"),
    );
    assert_eq!(
        stopped.status,
        VectorStoreFileBatchResponseStatus::Cancelled
    );
    assert_eq!(stopped.file_counts.cancelled, 2);
    same_as_plain(
        ok(
            &cancel,
            client.cancel_vector_store_file_batch_with_response("vs_abc123", "vsfb_7Qe"),
        ),
        &stopped,
    );
    get.assert_calls(2);
    cancel.assert_calls(2);
}

#[test]
fn get_batch_files_with_filter() {
    let server = MockServer::start();
    let path = format!("{BATCHES}/vsfb_7Qe/files");
    let file = fixture("vector_store_file.json");
    let query = file_batch_files_query();
    let with_query = Route::get(&path)
        .query(query.query)
        .mock(&server, page(vec![file.clone()], false));
    let bare = Route::get(&path).mock(&server, page(vec![file], false));
    let client = client(&server);
    let query = query.request;
    let list = ok(
        &with_query,
        client.get_vector_store_file_batch_files("vs_abc123", "vsfb_7Qe", Some(&query)),
    );
    assert_eq!(list.data[0].id, "file-9Xy");
    assert_eq!(list.data[0].vector_store_id, "vs_abc123");
    same_as_plain(
        ok(
            &with_query,
            client.get_vector_store_file_batch_files_with_response(
                "vs_abc123",
                "vsfb_7Qe",
                Some(&query),
            ),
        ),
        &list,
    );
    ok(
        &bare,
        client.get_vector_store_file_batch_files("vs_abc123", "vsfb_7Qe", None),
    );
    with_query.assert_calls(2);
    bare.assert_calls(1);
}

#[test]
fn iter_batch_files_walks_three_pages() {
    let server = MockServer::start();
    let pages = three_pages(
        &server,
        &format!("{BATCHES}/vsfb_7Qe/files"),
        "filter=completed",
        &fixture("vector_store_file.json"),
        "file-",
    );
    let query = VectorStoreFileBatchFileListQueryParameters {
        filter: Some(VectorStoreFileStatusFilter::Completed),
        ..Default::default()
    };
    let client = client(&server);
    let ids: Vec<String> = client
        .iter_vector_store_file_batch_files("vs_abc123", "vsfb_7Qe", Some(query))
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
    let create = VectorStoreFileBatchCreateRequest::new(vec!["file-1".into()]);
    let store = "vector_store_id";
    invalid_argument(store, client.create_vector_store_file_batch("", &create));
    invalid_argument(
        store,
        client.create_vector_store_file_batch_with_response(" ", &create),
    );
    invalid_argument(store, client.get_vector_store_file_batch("", "vsfb_1"));
    invalid_argument("batch_id", client.get_vector_store_file_batch("vs_1", ""));
    invalid_argument(
        "batch_id",
        client.get_vector_store_file_batch_with_response("vs_1", ""),
    );
    invalid_argument(store, client.cancel_vector_store_file_batch("", "vsfb_1"));
    invalid_argument(
        "batch_id",
        client.cancel_vector_store_file_batch("vs_1", " "),
    );
    invalid_argument(
        "batch_id",
        client.cancel_vector_store_file_batch_with_response("vs_1", ""),
    );
    invalid_argument(
        store,
        client.get_vector_store_file_batch_files("", "vsfb_1", None),
    );
    invalid_argument(
        "batch_id",
        client.get_vector_store_file_batch_files("vs_1", "", None),
    );
    invalid_argument(
        "batch_id",
        client.get_vector_store_file_batch_files_with_response("vs_1", "", None),
    );
    invalid_argument(
        "batch_id",
        client
            .iter_vector_store_file_batch_files("vs_1", "", None)
            .next()
            .unwrap(),
    );
    any.assert_calls(0);
}

#[test]
fn ids_are_percent_encoded() {
    let server = MockServer::start();
    let base = format!("/vector_stores/{ODD_ID_ENCODED}/file_batches");
    let one = format!("{base}/b%201");
    let create = Route::post(&base, json!({"file_ids": ["f"]})).mock(&server, batch());
    let get = Route::get(&one).mock(&server, batch());
    let cancel = Route::post_empty(format!("{one}/cancel")).mock(&server, batch());
    let files = Route::get(format!("{one}/files")).mock(
        &server,
        page(vec![fixture("vector_store_file.json")], false),
    );
    let client = client(&server);
    ok(
        &create,
        client.create_vector_store_file_batch(
            ODD_ID,
            &VectorStoreFileBatchCreateRequest::new(vec!["f".into()]),
        ),
    );
    ok(&get, client.get_vector_store_file_batch(ODD_ID, "b 1"));
    ok(
        &cancel,
        client.cancel_vector_store_file_batch(ODD_ID, "b 1"),
    );
    ok(
        &files,
        client.get_vector_store_file_batch_files(ODD_ID, "b 1", None),
    );
    for mock in [create, get, cancel, files] {
        mock.assert();
    }
}
