//! Vector stores: files one at a time and in batches, failures, attributes and search filters.

use crate::support::*;

#[test]
fn vector_store_files_batches_and_failures() {
    let server = fast();
    let http = Http::new(&server);
    let good = http.upload_ok("good.md", POLICY.as_bytes());
    let also = http.upload_ok("also.txt", b"Plain text is readable.");
    let garbage = http.upload_ok(
        "garbage.bin",
        &[0xff, 0xfe, 0x00, 0x81, 0x02, 0x9c, 0x00, 0x00],
    );
    let empty = http.upload_ok("empty.txt", b"");
    let vs = id(&http.ok("POST", "/v1/vector_stores", Some(json!({"name": "mixed"}))));

    let single = http.ok(
        "POST",
        &format!("/v1/vector_stores/{vs}/files"),
        Some(json!({"file_id": good})),
    );
    assert_eq!(
        (single["status"].as_str(), single["object"].as_str()),
        (Some("in_progress"), Some("vector_store.file"))
    );
    let single = http.wait(&format!("/v1/vector_stores/{vs}/files/{good}"), |f| {
        f["status"] != "in_progress"
    });
    assert_eq!(single["status"], "completed");

    let batch = http.ok(
        "POST",
        &format!("/v1/vector_stores/{vs}/file_batches"),
        Some(json!({"file_ids": [also, garbage, empty]})),
    );
    assert_eq!(batch["object"], "vector_store.files_batch");
    assert_eq!(batch["file_counts"]["in_progress"], 3);
    let batch_id = id(&batch);
    let batch = http.wait(
        &format!("/v1/vector_stores/{vs}/file_batches/{batch_id}"),
        |b| b["status"] != "in_progress",
    );
    assert_eq!(batch["status"], "completed");
    assert_eq!(
        batch["file_counts"],
        json!({"in_progress": 0, "completed": 1, "failed": 2, "cancelled": 0, "total": 3})
    );
    let failed = http.ok(
        "GET",
        &format!("/v1/vector_stores/{vs}/file_batches/{batch_id}/files?filter=failed"),
        None,
    );
    let mut failed_ids: Vec<String> = failed["data"].as_array().unwrap().iter().map(id).collect();
    failed_ids.sort();
    let mut expected = vec![garbage.clone(), empty.clone()];
    expected.sort();
    assert_eq!(failed_ids, expected);
    let g = http.ok(
        "GET",
        &format!("/v1/vector_stores/{vs}/files/{garbage}"),
        None,
    );
    assert_eq!(g["last_error"]["code"], "unsupported_file");
    let e = http.ok(
        "GET",
        &format!("/v1/vector_stores/{vs}/files/{empty}"),
        None,
    );
    assert_eq!(e["last_error"]["code"], "invalid_file");
    let store = http.ok("GET", &format!("/v1/vector_stores/{vs}"), None);
    assert_eq!(
        store["file_counts"],
        json!({"in_progress": 0, "completed": 2, "failed": 2, "cancelled": 0, "total": 4})
    );
    assert_eq!(
        http.ok(
            "GET",
            &format!("/v1/vector_stores/{vs}/files?filter=completed"),
            None
        )["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        http.call(
            "GET",
            &format!("/v1/vector_stores/{vs}/files?filter=weird"),
            None
        )
        .status,
        400
    );
    // A finished batch cannot be cancelled.
    assert_eq!(
        http.call(
            "POST",
            &format!("/v1/vector_stores/{vs}/file_batches/{batch_id}/cancel"),
            None
        )
        .status,
        400
    );

    // Cancelling a batch in progress cancels its files. (The engine's clock stands still: the
    // batch stays in progress until it is cancelled.)
    let (slow, _frozen) = on_clock(Duration::from_secs(30));
    let h = Http::new(&slow);
    let f = h.upload_ok("a.txt", b"some words here");
    let vs2 = id(&h.ok("POST", "/v1/vector_stores", None));
    let b = id(&h.ok(
        "POST",
        &format!("/v1/vector_stores/{vs2}/file_batches"),
        Some(json!({"file_ids": [f]})),
    ));
    let c = h.ok(
        "POST",
        &format!("/v1/vector_stores/{vs2}/file_batches/{b}/cancel"),
        None,
    );
    assert_eq!(c["status"], "cancelled");
    assert_eq!(c["file_counts"]["cancelled"], 1);
    assert_eq!(
        h.ok("GET", &format!("/v1/vector_stores/{vs2}"), None)["file_counts"]["cancelled"],
        1
    );

    // Attributes, removal and modification.
    let upd = http.ok(
        "POST",
        &format!("/v1/vector_stores/{vs}/files/{also}"),
        Some(json!({"attributes": {"lang": "en", "year": 2024}})),
    );
    assert_eq!(upd["attributes"]["year"], 2024.0);
    let filtered = http.ok(
        "POST",
        &format!("/v1/vector_stores/{vs}/search"),
        Some(json!({"query": "readable text", "filters": {"type": "eq", "key": "lang", "value": "en"}})),
    );
    assert_eq!(filtered["data"][0]["file_id"], also.as_str());
    assert_eq!(filtered["data"].as_array().unwrap().len(), 1);
    let removed = http.ok(
        "DELETE",
        &format!("/v1/vector_stores/{vs}/files/{also}"),
        None,
    );
    assert_eq!(removed["object"], "vector_store.file.deleted");
    assert_eq!(
        http.ok("GET", &format!("/v1/vector_stores/{vs}"), None)["file_counts"]["total"],
        3
    );
    assert_eq!(
        http.ok("GET", &format!("/v1/files/{also}"), None)["id"],
        also.as_str(),
        "the file itself stays"
    );
    let renamed = http.ok(
        "POST",
        &format!("/v1/vector_stores/{vs}"),
        Some(json!({"name": "renamed"})),
    );
    assert_eq!(renamed["name"], "renamed");
    assert_eq!(
        http.ok("GET", "/v1/vector_stores", None)["data"][0]["id"],
        vs.as_str()
    );
}
