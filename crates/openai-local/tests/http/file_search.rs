//! File search: answers cite the right file at the right offsets; summaries cite the file.

use crate::support::*;

#[test]
fn file_search_cites_the_right_file_and_offsets() {
    let server = fast();
    let http = Http::new(&server);
    let policy = http.upload_ok("return-policy.md", POLICY.as_bytes());
    let other = http.upload_ok(
        "recipes.txt",
        b"Pancakes need flour, eggs and milk.\n\nBake bread at 220 degrees for forty minutes.",
    );
    let vs = http.ok(
        "POST",
        "/v1/vector_stores",
        Some(json!({"name": "docs", "file_ids": [policy, other]})),
    );
    assert_eq!(vs["status"], "in_progress");
    assert_eq!(vs["file_counts"]["in_progress"], 2);
    let vs_id = id(&vs);
    let vs = http.wait(&format!("/v1/vector_stores/{vs_id}"), |v| {
        v["status"] == "completed"
    });
    assert_eq!(
        vs["file_counts"],
        json!({"in_progress": 0, "completed": 2, "failed": 0, "cancelled": 0, "total": 2})
    );
    assert!(vs["usage_bytes"].as_i64().unwrap() > 1000);

    let asst = id(&http.ok(
        "POST",
        "/v1/assistants",
        Some(json!({"model": "local", "tools": [{"type": "file_search"}], "tool_resources": {"file_search": {"vector_store_ids": [vs_id]}}})),
    ));
    let run = http.ok(
        "POST",
        "/v1/threads/runs",
        Some(json!({"assistant_id": asst, "thread": {"messages": [{"role": "user", "content": "How many days do I have to return an item for a refund?"}]}})),
    );
    let (thread, run_id) = (run["thread_id"].as_str().unwrap().to_string(), id(&run));
    assert_eq!(http.wait_run(&thread, &run_id)["status"], "completed");
    let msg = &http.ok(
        "GET",
        &format!("/v1/threads/{thread}/messages?limit=1"),
        None,
    )["data"][0];
    let text = &msg["content"][0]["text"];
    let value = text["value"].as_str().unwrap();
    assert!(value.contains("30 days"), "{value}");
    let annotations = text["annotations"].as_array().unwrap();
    assert!(!annotations.is_empty());
    let first = &annotations[0];
    assert_eq!(first["type"], "file_citation");
    assert_eq!(first["file_citation"]["file_id"], policy.as_str());
    let (start, end) = (
        first["start_index"].as_u64().unwrap() as usize,
        first["end_index"].as_u64().unwrap() as usize,
    );
    let marker: String = value.chars().skip(start).take(end - start).collect();
    assert_eq!(marker, first["text"].as_str().unwrap());
    assert!(
        marker.starts_with('【') && marker.ends_with('】'),
        "{marker}"
    );

    let steps = http.ok(
        "GET",
        &format!("/v1/threads/{thread}/runs/{run_id}/steps?order=asc"),
        None,
    );
    let search = &steps["data"][0]["step_details"]["tool_calls"][0];
    assert_eq!(search["type"], "file_search");
    let results = search["file_search"]["results"].as_array().unwrap();
    assert_eq!(results[0]["file_id"], policy.as_str());
    assert_eq!(results[0]["file_name"], "return-policy.md");
    assert!(
        results[0].get("content").is_none(),
        "content only when asked for"
    );
    let with = http.ok(
        "GET",
        &format!("/v1/threads/{thread}/runs/{run_id}/steps?order=asc&include[]=step_details.tool_calls[*].file_search.results[*].content"),
        None,
    );
    let content = &with["data"][0]["step_details"]["tool_calls"][0]["file_search"]["results"][0]
        ["content"][0];
    assert!(content["text"].as_str().unwrap().contains("30 days"));
    let bad = http.call(
        "GET",
        &format!("/v1/threads/{thread}/runs/{run_id}/steps?include[]=everything"),
        None,
    );
    assert_eq!(bad.status, 400);

    // The search endpoint ranks the same passages.
    let found = http.ok(
        "POST",
        &format!("/v1/vector_stores/{vs_id}/search"),
        Some(json!({"query": "bake bread", "max_num_results": 1})),
    );
    assert_eq!(found["object"], "vector_store.search_results.page");
    assert_eq!(found["data"].as_array().unwrap().len(), 1);
    assert_eq!(found["data"][0]["filename"], "recipes.txt");
    let score = found["data"][0]["score"].as_f64().unwrap();
    assert!(score > 0.0 && score < 1.0);
    let strict = http.ok(
        "POST",
        &format!("/v1/vector_stores/{vs_id}/search"),
        Some(json!({"query": "bake bread", "ranking_options": {"score_threshold": 0.999}})),
    );
    assert_eq!(strict["data"], json!([]));
}

#[test]
fn summaries_of_the_store_cite_the_file() {
    let server = fast();
    let http = Http::new(&server);
    let policy = http.upload_ok("return-policy.md", POLICY.as_bytes());
    let asst = id(&http.ok(
        "POST",
        "/v1/assistants",
        Some(json!({"model": "local", "tools": [{"type": "file_search"}],
            "tool_resources": {"file_search": {"vector_stores": [{"file_ids": [policy]}]}}})),
    ));
    let vs_id = http.ok("GET", &format!("/v1/assistants/{asst}"), None)["tool_resources"]
        ["file_search"]["vector_store_ids"][0]
        .as_str()
        .unwrap()
        .to_string();
    http.wait(&format!("/v1/vector_stores/{vs_id}"), |v| {
        v["status"] == "completed"
    });
    let run = http.ok(
        "POST",
        "/v1/threads/runs",
        Some(json!({"assistant_id": asst, "thread": {"messages": [{"role": "user", "content": "Please summarize the document."}]}})),
    );
    let thread = run["thread_id"].as_str().unwrap().to_string();
    assert_eq!(http.wait_run(&thread, &id(&run))["status"], "completed");
    let text = &http.ok(
        "GET",
        &format!("/v1/threads/{thread}/messages?limit=1"),
        None,
    )["data"][0]["content"][0]["text"];
    let value = text["value"].as_str().unwrap();
    assert!(value.starts_with("Summary of return-policy.md:"), "{value}");
    assert!(value.len() < POLICY.len());
    assert_eq!(
        text["annotations"][0]["file_citation"]["file_id"],
        policy.as_str()
    );
}

#[test]
fn a_file_attached_by_a_runs_own_message_is_searched_by_that_run() {
    let (server, clock) = on_clock(Duration::from_secs(1));
    let http = Http::new(&server);
    let policy = http.upload_ok("return-policy.md", POLICY.as_bytes());
    let asst = id(&http.ok(
        "POST",
        "/v1/assistants",
        Some(json!({"model": "local", "tools": [{"type": "file_search"}]})),
    ));
    let thread = id(&http.ok("POST", "/v1/threads", None));
    let question = json!({"role": "user", "content": "How many days do I have to return an item?",
        "attachments": [{"file_id": policy, "tools": [{"type": "file_search"}]}]});
    let run = http.ok(
        "POST",
        &format!("/v1/threads/{thread}/runs"),
        Some(json!({"assistant_id": asst, "additional_messages": [question]})),
    );
    // The file joined the thread's new vector store, ready one step later; the model answers
    // two steps after the run was created.
    let stores = http.ok("GET", &format!("/v1/threads/{thread}"), None)["tool_resources"]
        ["file_search"]["vector_store_ids"]
        .clone();
    assert_eq!(stores.as_array().map(Vec::len), Some(1), "{stores}");
    clock.advance(Duration::from_secs(2));
    let path = format!("/v1/threads/{thread}/runs/{}", id(&run));
    assert_eq!(http.ok("GET", &path, None)["status"], "completed");
    let answer = &http.ok(
        "GET",
        &format!("/v1/threads/{thread}/messages?limit=1"),
        None,
    )["data"][0]["content"][0]["text"];
    assert!(
        answer["value"].as_str().unwrap().contains("30 days"),
        "{answer}"
    );
    assert_eq!(
        answer["annotations"][0]["file_citation"]["file_id"],
        policy.as_str()
    );
}
