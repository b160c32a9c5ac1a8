//! Authentication, the beta header, and URLs no endpoint answers.

use crate::support::*;

#[test]
fn auth_paths_and_unknown_urls() {
    let server = fast();
    let http = Http::new(&server);
    assert!(server.base_url().ends_with("/v1"));
    let no_auth = http.raw("GET", "/v1/files", &[], b"");
    assert_eq!(no_auth.status, 401);
    assert_eq!(no_auth.error()["type"], "invalid_request_error");
    let empty = http.raw("GET", "/v1/files", &[("Authorization", "Bearer ")], b"");
    assert_eq!(empty.status, 401);
    // Served at the root and under /v1.
    assert_eq!(http.ok("GET", "/files", None)["object"], "list");
    assert_eq!(http.ok("GET", "/v1/files", None)["object"], "list");
    let unknown = http.call("GET", "/v1/nothing/here", None);
    assert_eq!(unknown.status, 404);
    assert!(unknown.error()["message"]
        .as_str()
        .unwrap()
        .contains("Invalid URL"));
    let wrong_method = http.call("PUT", "/v1/assistants", None);
    assert_eq!(wrong_method.status, 404);
    // Every answer carries the poll hint and a request id.
    assert_eq!(no_auth.header("openai-poll-after-ms"), Some("5"));
    assert!(unknown.header("x-request-id").unwrap().starts_with("req_"));

    let keyed = LocalServer::builder().api_key("sk-right").start().unwrap();
    let http = Http::new(&keyed);
    let wrong = http.raw(
        "GET",
        "/v1/files",
        &[("Authorization", "Bearer sk-wrong")],
        b"",
    );
    assert_eq!(
        (wrong.status, wrong.error()["code"].clone()),
        (401, json!("invalid_api_key"))
    );
    assert_eq!(
        http.raw(
            "GET",
            "/v1/files",
            &[("Authorization", "Bearer sk-right")],
            b""
        )
        .status,
        200
    );
}

#[test]
fn beta_header_is_required_on_assistants_and_threads() {
    let server = fast();
    let http = Http::new(&server);
    for path in ["/v1/assistants", "/threads", "/v1/threads/thread_x/runs"] {
        let a = http.raw("GET", path, &[("Authorization", "Bearer k")], b"");
        assert_eq!(a.status, 400, "{path}");
        assert_eq!(a.error()["code"], "invalid_beta");
    }
    let v1 = http.raw(
        "GET",
        "/v1/assistants",
        &[
            ("Authorization", "Bearer k"),
            ("OpenAI-Beta", "assistants=v1"),
        ],
        b"",
    );
    assert_eq!(v1.status, 400);
    let several = http.raw(
        "GET",
        "/v1/assistants",
        &[
            ("Authorization", "Bearer k"),
            ("OpenAI-Beta", "other=1, assistants=v2"),
        ],
        b"",
    );
    assert_eq!(several.status, 200);
    // Files and vector stores do not need it.
    assert_eq!(
        http.raw(
            "GET",
            "/v1/vector_stores",
            &[("Authorization", "Bearer k")],
            b""
        )
        .status,
        200
    );
}
