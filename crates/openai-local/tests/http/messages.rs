//! Thread messages with images and file attachments.

use crate::support::*;

#[test]
fn thread_messages_with_images_and_attachments() {
    let server = fast();
    let http = Http::new(&server);
    let png = solid_png(3, 9, [0, 0, 230]);
    let image = http.upload("vision", "blue.png", &png).json();
    let doc = http.upload_ok("policy.md", POLICY.as_bytes());
    let asst = id(&http.ok(
        "POST",
        "/v1/assistants",
        Some(json!({"model": "m", "tools": [{"type": "file_search"}]})),
    ));
    let thread = id(&http.ok("POST", "/v1/threads", None));
    http.ok(
        "POST",
        &format!("/v1/threads/{thread}/messages"),
        Some(json!({"role": "user", "content": [{"type": "text", "text": "Describe"}, {"type": "image_file", "image_file": {"file_id": id(&image)}}]})),
    );
    let run = id(&http.ok(
        "POST",
        &format!("/v1/threads/{thread}/runs"),
        Some(json!({"assistant_id": asst})),
    ));
    assert_eq!(http.wait_run(&thread, &run)["status"], "completed");
    let answer = &http.ok(
        "GET",
        &format!("/v1/threads/{thread}/messages?limit=1"),
        None,
    )["data"][0];
    assert_eq!(
        answer["content"][0]["text"]["value"],
        "The image is a 3×9 PNG (portrait). It is almost entirely blue (100%)."
    );

    // An attachment for file search goes into the thread's own vector store.
    http.ok(
        "POST",
        &format!("/v1/threads/{thread}/messages"),
        Some(json!({"role": "user", "content": "Which items carry a warranty?", "attachments": [{"file_id": doc, "tools": [{"type": "file_search"}]}]})),
    );
    let t = http.ok("GET", &format!("/v1/threads/{thread}"), None);
    let vs = t["tool_resources"]["file_search"]["vector_store_ids"][0]
        .as_str()
        .unwrap()
        .to_string();
    http.wait(&format!("/v1/vector_stores/{vs}"), |v| {
        v["status"] == "completed"
    });
    let run = id(&http.ok(
        "POST",
        &format!("/v1/threads/{thread}/runs"),
        Some(json!({"assistant_id": asst})),
    ));
    assert_eq!(http.wait_run(&thread, &run)["status"], "completed");
    let answer = &http.ok(
        "GET",
        &format!("/v1/threads/{thread}/messages?limit=1"),
        None,
    )["data"][0]["content"][0]["text"];
    assert!(
        answer["value"]
            .as_str()
            .unwrap()
            .contains("two-year warranty"),
        "{answer}"
    );
    assert_eq!(
        answer["annotations"][0]["file_citation"]["file_id"],
        doc.as_str()
    );
}
