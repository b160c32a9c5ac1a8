//! Deletes cascade: files leave their vector stores, threads take their messages and runs.

use crate::support::*;

#[test]
fn deletes_cascade() {
    let server = fast();
    let http = Http::new(&server);
    let a = http.upload_ok("a.md", POLICY.as_bytes());
    let b = http.upload_ok("b.txt", b"Another readable file about tents.");
    let vs = id(&http.ok(
        "POST",
        "/v1/vector_stores",
        Some(json!({"file_ids": [a, b]})),
    ));
    http.wait(&format!("/v1/vector_stores/{vs}"), |v| {
        v["status"] == "completed"
    });
    // Deleting a file removes it from its stores.
    http.ok("DELETE", &format!("/v1/files/{a}"), None);
    let store = http.ok("GET", &format!("/v1/vector_stores/{vs}"), None);
    assert_eq!(store["file_counts"]["total"], 1);
    assert_eq!(store["file_counts"]["completed"], 1);
    assert_eq!(
        http.call("GET", &format!("/v1/vector_stores/{vs}/files/{a}"), None)
            .status,
        404
    );
    let found = http.ok(
        "POST",
        &format!("/v1/vector_stores/{vs}/search"),
        Some(json!({"query": "return refund"})),
    );
    assert!(found["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["file_id"] != a.as_str()));

    // Deleting a thread deletes its messages and runs.
    let asst = id(&http.ok("POST", "/v1/assistants", Some(json!({"model": "m"}))));
    let run = http.ok("POST", "/v1/threads/runs", Some(json!({"assistant_id": asst, "thread": {"messages": [{"role": "user", "content": "hi"}]}})));
    let thread = run["thread_id"].as_str().unwrap().to_string();
    http.wait_run(&thread, &id(&run));
    let msg = id(&http.ok("GET", &format!("/v1/threads/{thread}/messages"), None)["data"][0]);
    assert_eq!(
        http.ok(
            "DELETE",
            &format!("/v1/threads/{thread}/messages/{msg}"),
            None
        )["deleted"],
        true
    );
    assert_eq!(
        http.call("GET", &format!("/v1/threads/{thread}/messages/{msg}"), None)
            .status,
        404
    );
    assert_eq!(
        http.ok("DELETE", &format!("/v1/threads/{thread}"), None)["object"],
        "thread.deleted"
    );
    assert_eq!(
        http.call("GET", &format!("/v1/threads/{thread}/messages"), None)
            .status,
        404
    );
    assert_eq!(
        http.call(
            "GET",
            &format!("/v1/threads/{thread}/runs/{}", id(&run)),
            None
        )
        .status,
        404
    );
    // Deleting a store; the file stays.
    assert_eq!(
        http.ok("DELETE", &format!("/v1/vector_stores/{vs}"), None)["object"],
        "vector_store.deleted"
    );
    assert_eq!(
        http.call("GET", &format!("/v1/vector_stores/{vs}"), None)
            .status,
        404
    );
    assert_eq!(
        http.call("GET", &format!("/v1/files/{b}"), None).status,
        200
    );
}
