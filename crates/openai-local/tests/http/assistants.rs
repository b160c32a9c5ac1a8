//! Assistants: create, read, modify, delete and list.

use crate::support::*;

#[test]
fn assistants_crud_and_pagination() {
    let server = fast();
    let http = Http::new(&server);
    let ids: Vec<String> = (0..5)
        .map(|i| {
            id(&http.ok(
                "POST",
                "/v1/assistants",
                Some(json!({"model": "gpt-4o", "name": format!("a{i}")})),
            ))
        })
        .collect();
    let page = http.ok("GET", "/v1/assistants?limit=2", None);
    let names: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a4", "a3"], "newest first by default");
    assert_eq!(
        (page["first_id"].as_str(), page["last_id"].as_str()),
        (Some(ids[4].as_str()), Some(ids[3].as_str()))
    );
    assert_eq!(page["has_more"], true);
    let page = http.ok(
        "GET",
        &format!("/v1/assistants?order=asc&limit=2&after={}", ids[2]),
        None,
    );
    let got: Vec<String> = page["data"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(
        (got, page["has_more"].as_bool()),
        (vec![ids[3].clone(), ids[4].clone()], Some(false))
    );
    let page = http.ok(
        "GET",
        &format!("/v1/assistants?order=asc&limit=2&before={}", ids[3]),
        None,
    );
    let got: Vec<String> = page["data"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(got, vec![ids[1].clone(), ids[2].clone()]);

    let modified = http.ok(
        "POST",
        &format!("/v1/assistants/{}", ids[0]),
        Some(json!({"name": "renamed", "metadata": {"k": "v"}})),
    );
    assert_eq!(
        (modified["name"].as_str(), modified["model"].as_str()),
        (Some("renamed"), Some("gpt-4o"))
    );
    assert_eq!(
        http.ok("GET", &format!("/v1/assistants/{}", ids[0]), None)["metadata"]["k"],
        "v"
    );
    let gone = http.ok("DELETE", &format!("/v1/assistants/{}", ids[0]), None);
    assert_eq!(
        gone,
        json!({"id": ids[0], "object": "assistant.deleted", "deleted": true})
    );
    assert_eq!(
        http.call("GET", &format!("/v1/assistants/{}", ids[0]), None)
            .status,
        404
    );
    // A deleted object's id still works as a cursor.
    let page = http.ok(
        "GET",
        &format!("/v1/assistants?order=asc&after={}", ids[0]),
        None,
    );
    assert_eq!(page["data"].as_array().unwrap().len(), 4);
}
