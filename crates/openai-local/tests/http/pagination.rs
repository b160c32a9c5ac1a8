//! Cursor pagination over a long list.

use crate::support::*;

#[test]
fn pagination_over_250_messages() {
    let server = fast();
    let http = Http::new(&server);
    let thread = id(&http.ok("POST", "/v1/threads", None));
    let created: Vec<String> = (0..250)
        .map(|i| {
            id(&http.ok(
                "POST",
                &format!("/v1/threads/{thread}/messages"),
                Some(json!({"role": "user", "content": format!("m{i}")})),
            ))
        })
        .collect();
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let cursor = after
            .as_ref()
            .map(|a| format!("&after={a}"))
            .unwrap_or_default();
        let page = http.ok(
            "GET",
            &format!("/v1/threads/{thread}/messages?limit=100&order=asc{cursor}"),
            None,
        );
        pages += 1;
        let data = page["data"].as_array().unwrap();
        seen.extend(data.iter().map(id));
        assert_eq!(
            page["last_id"].as_str(),
            data.last().and_then(|d| d["id"].as_str())
        );
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
        after = Some(page["last_id"].as_str().unwrap().to_string());
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created);
    // Newest first by default, 20 a page.
    let page = http.ok("GET", &format!("/v1/threads/{thread}/messages"), None);
    assert_eq!(page["data"].as_array().unwrap().len(), 20);
    assert_eq!(page["first_id"], created[249].as_str());
    assert_eq!(page["data"][0]["content"][0]["text"]["value"], "m249");
    // `before` pages backwards.
    let page = http.ok(
        "GET",
        &format!(
            "/v1/threads/{thread}/messages?order=asc&limit=3&before={}",
            created[10]
        ),
        None,
    );
    let got: Vec<String> = page["data"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(got, created[7..10].to_vec());
    assert_eq!(page["has_more"], true);
}
