//! `/vector_stores`: create, list, get, modify, delete, search and the walker.

use httpmock::MockServer;
use openai_blocking::*;
use serde_json::json;

use crate::support::*;

fn store() -> serde_json::Value {
    fixture("vector_store.json")
}

#[test]
fn create_vector_store_sends_the_whole_request() {
    let server = MockServer::start();
    let mock = Route::post(
        "/vector_stores",
        json!({
            "name": "Support FAQ",
            "description": "Answers for the help desk",
            "file_ids": ["file-9Xy", "file-Q2r"],
            "chunking_strategy": {"type": "static", "static": {
                "max_chunk_size_tokens": 1200, "chunk_overlap_tokens": 300
            }},
            "expires_after": {"anchor": "last_active_at", "days": 7},
            "metadata": {"team": "support"}
        }),
    )
    .mock(&server, store());
    let request = VectorStoreCreateRequest {
        description: Some("Answers for the help desk".into()),
        chunking_strategy: Some(ChunkingStrategyRequestParam::Static(
            StaticChunkingStrategy {
                max_chunk_size_tokens: 1200,
                chunk_overlap_tokens: 300,
            },
        )),
        expires_after: Some(VectorStoreExpirationAfter {
            anchor: VectorStoreExpirationAfterAnchor::LastActiveAt,
            days: 7,
        }),
        metadata: Some(metadata(&[("team", "support")])),
        ..VectorStoreCreateRequest::new("Support FAQ", vec!["file-9Xy".into(), "file-Q2r".into()])
    };
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
    let mock = Route::post(
        "/vector_stores",
        json!({"name": "Empty", "chunking_strategy": {"type": "auto"}}),
    )
    .mock(&server, store());
    let request = VectorStoreCreateRequest {
        chunking_strategy: Some(ChunkingStrategyRequestParam::Auto),
        ..VectorStoreCreateRequest::new("Empty", Vec::new())
    };
    ok(&mock, client(&server).create_vector_store(&request));
    mock.assert();
}

#[test]
fn get_vector_stores_with_and_without_query() {
    let server = MockServer::start();
    let with_query = Route::get("/vector_stores")
        .query("limit=3&order=asc&after=vs_0&before=vs_9")
        .mock(
            &server,
            page(vec![store(), with_id(&store(), "vs_2")], false),
        );
    let bare = Route::get("/vector_stores").mock(&server, page(vec![store()], false));
    let client = client(&server);
    let query = VectorStoreListQueryParameters {
        limit: Some(3),
        order: Some(ListOrder::Asc),
        after: Some("vs_0".into()),
        before: Some("vs_9".into()),
    };
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
    let modify = Route::post(
        "/vector_stores/vs_abc123",
        json!({
            "name": "Support FAQ (2025)",
            "expires_after": {"anchor": "last_active_at", "days": 30},
            "metadata": {"team": "support", "year": "2025"}
        }),
    )
    .mock(&server, store());
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

    let change = VectorStoreModifyRequest {
        name: Some("Support FAQ (2025)".into()),
        expires_after: Some(VectorStoreExpirationAfter {
            anchor: VectorStoreExpirationAfterAnchor::LastActiveAt,
            days: 30,
        }),
        metadata: Some(metadata(&[("team", "support"), ("year", "2025")])),
    };
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
    let mock = Route::post(
        "/vector_stores/vs_abc123/search",
        json!({
            "query": ["return policy", "refund"],
            "filters": {"type": "and", "filters": [
                {"type": "eq", "key": "category", "value": "faq"},
                {"type": "gte", "key": "year", "value": 2023.0},
                {"type": "in", "key": "region", "value": ["eu", "us"]}
            ]},
            "max_num_results": 5,
            "ranking_options": {"ranker": "auto", "score_threshold": 0.5},
            "rewrite_query": true
        }),
    )
    .mock(&server, fixture("vector_store_search.json"));
    let comparison = |key: &str, type_, value| {
        CompoundFilterFiltersItem::Variant0(ComparisonFilter {
            key: key.into(),
            type_,
            value,
        })
    };
    let request = VectorStoreSearchRequest {
        query: VectorStoreSearchRequestQuery::Array(vec!["return policy".into(), "refund".into()]),
        filters: Some(VectorStoreSearchRequestFilters::CompoundFilter(
            CompoundFilter {
                type_: CompoundFilterType::And,
                filters: vec![
                    comparison(
                        "category",
                        ComparisonFilterType::Eq,
                        ComparisonFilterValue::String("faq".into()),
                    ),
                    comparison(
                        "year",
                        ComparisonFilterType::Gte,
                        ComparisonFilterValue::Number(2023.0),
                    ),
                    comparison(
                        "region",
                        ComparisonFilterType::In,
                        ComparisonFilterValue::Array(vec![
                            ComparisonFilterValueArrayItem::String("eu".into()),
                            ComparisonFilterValueArrayItem::String("us".into()),
                        ]),
                    ),
                ],
            },
        )),
        max_num_results: Some(5),
        ranking_options: Some(VectorStoreSearchRequestRankingOptions {
            ranker: Some(VectorStoreSearchRequestRankingOptionsRanker::Auto),
            score_threshold: Some(0.5),
        }),
        rewrite_query: Some(true),
    };
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
fn search_with_a_plain_query() {
    let server = MockServer::start();
    let mock = Route::post(
        "/vector_stores/vs_abc123/search",
        json!({"query": "return policy", "filters": {"type": "eq", "key": "public", "value": true}}),
    )
    .mock(&server, fixture("vector_store_search.json"));
    let request = VectorStoreSearchRequest {
        query: VectorStoreSearchRequestQuery::String("return policy".into()),
        filters: Some(VectorStoreSearchRequestFilters::ComparisonFilter(
            ComparisonFilter {
                key: "public".into(),
                type_: ComparisonFilterType::Eq,
                value: ComparisonFilterValue::Boolean(true),
            },
        )),
        max_num_results: None,
        ranking_options: None,
        rewrite_query: None,
    };
    ok(
        &mock,
        client(&server).search_vector_store("vs_abc123", &request),
    );
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
        name: Some("n".into()),
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
