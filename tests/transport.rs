//! Transport behaviour against a local httpmock server: headers, errors, retries,
//! uploads, downloads and Azure routing.

use std::io::Read;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use httpmock::prelude::*;
use openai_blocking::{encode_path_id, Multipart, Request};
use openai_blocking::{
    ApiErrorKind, Error, FileSource, OpenAIClient, OpenAIClientBuilder, RequestOptions,
};
use serde::Deserialize;

const KEY: &str = "sk-test-secret-key";
const ERROR_BODY: &str = r#"{"error":{"message":"Bad thing","type":"invalid_request_error","param":"model","code":"bad_model"}}"#;

#[derive(Debug, Deserialize, PartialEq)]
struct Thread {
    id: String,
    object: String,
}

fn builder(server: &MockServer) -> OpenAIClientBuilder {
    OpenAIClient::create_with_api_key(KEY)
        .with_base_url(server.base_url())
        .with_backoff_delay(Duration::from_millis(1))
}

fn client(server: &MockServer) -> OpenAIClient {
    builder(server).build().unwrap()
}

fn thread_json() -> serde_json::Value {
    serde_json::json!({"id": "abc", "object": "thread"})
}

fn api_error(err: Error) -> Box<openai_blocking::ApiErrorResponse> {
    match err {
        Error::Api(api) => api,
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

#[test]
fn sends_default_and_custom_headers() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path("/threads/abc")
            .header("authorization", format!("Bearer {KEY}"))
            .header("openai-beta", "assistants=v2")
            .header("openai-organization", "org_1")
            .header("openai-project", "proj_1")
            .header(
                "user-agent",
                concat!("openai-blocking/", env!("CARGO_PKG_VERSION")),
            )
            .header("x-custom", "yes")
            .header("x-stainless-retry-count", "0");
        then.status(200)
            .header("x-request-id", "req_1")
            .header("openai-poll-after-ms", "250")
            .header("x-ratelimit-limit-requests", "500")
            .header("x-ratelimit-remaining-requests", "499")
            .header("x-ratelimit-reset-requests", "120ms")
            .header("x-ratelimit-remaining-tokens", "oops")
            .json_body(thread_json());
    });
    let client = builder(&server)
        .with_organization("org_1")
        .with_project("proj_1")
        .with_header("x-custom", "yes")
        .build()
        .unwrap();

    let response = client.send::<Thread>(Request::get("/threads/abc")).unwrap();
    mock.assert();
    assert_eq!(response.status, 200);
    assert_eq!(response.request_id.as_deref(), Some("req_1"));
    assert_eq!(response.header("X-Request-Id"), Some("req_1"));
    assert_eq!(response.poll_after(), Some(Duration::from_millis(250)));
    assert_eq!(response.rate_limit.limit_requests, Some(500));
    assert_eq!(response.rate_limit.remaining_requests, Some(499));
    assert_eq!(response.rate_limit.reset_requests.as_deref(), Some("120ms"));
    assert_eq!(response.rate_limit.remaining_tokens, None);
    assert_eq!(
        response.into_data(),
        Thread {
            id: "abc".into(),
            object: "thread".into()
        }
    );
}

#[test]
fn beta_header_only_on_assistants_family() {
    let server = MockServer::start();
    let with_beta = server.mock(|when, then| {
        when.header("openai-beta", "assistants=v2").is_true(|req| {
            let path = req.uri().path().to_owned();
            ["/assistants", "/threads/t/runs", "/vector_stores/vs/files"].contains(&path.as_str())
        });
        then.status(200).json_body(thread_json());
    });
    let without_beta = server.mock(|when, then| {
        when.header_missing("openai-beta")
            .is_true(|req| ["/files", "/chat/completions"].contains(&req.uri().path()));
        then.status(200).json_body(thread_json());
    });
    let client = client(&server);
    for path in [
        "/assistants",
        "/threads/t/runs",
        "/vector_stores/vs/files",
        "/files",
    ] {
        client.send::<Thread>(Request::get(path)).unwrap();
    }
    let body = serde_json::json!({"model": "gpt-4o", "n": 1});
    client
        .send::<Thread>(Request::post("/chat/completions").json(&body).unwrap())
        .unwrap();
    assert_eq!(with_beta.calls(), 3);
    assert_eq!(without_beta.calls(), 2);
}

#[test]
fn json_body_is_compact_and_typed() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path("/threads")
            .header("content-type", "application/json")
            .body(r#"{"metadata":{"k":"v"}}"#);
        then.status(200).json_body(thread_json());
    });
    let body = serde_json::json!({"metadata": {"k": "v"}});
    client(&server)
        .send::<Thread>(Request::post("/threads").json(&body).unwrap())
        .unwrap();
    mock.assert();
}

#[test]
fn query_parameters_are_encoded() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.is_true(|req| req.uri().query() == Some("limit=2&after=a%20b&order=desc"));
        then.status(200).json_body(thread_json());
    });
    let request = Request::get("/assistants")
        .query("limit", "2")
        .query("after", "a b")
        .query_string("?order=desc".into());
    client(&server).send::<Thread>(request).unwrap();
    mock.assert();
}

#[test]
fn user_agent_can_be_replaced() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.header("user-agent", "my-app/1.0");
        then.status(200).json_body(thread_json());
    });
    let client = builder(&server)
        .with_user_agent("my-app/1.0")
        .build()
        .unwrap();
    client.send::<Thread>(Request::get("/files")).unwrap();
    mock.assert();
}

#[test]
fn api_errors_are_mapped() {
    for (status, kind) in [
        (400, ApiErrorKind::BadRequest),
        (401, ApiErrorKind::Authentication),
        (404, ApiErrorKind::NotFound),
        (429, ApiErrorKind::RateLimit),
        (500, ApiErrorKind::InternalServer),
    ] {
        let server = MockServer::start();
        server.mock(|when, then| {
            when.path("/threads/abc");
            then.status(status)
                .header("content-type", "application/json")
                .header("x-request-id", "req_err")
                .header("x-ratelimit-limit-tokens", "1000")
                .header("x-ratelimit-remaining-tokens", "0")
                .header("x-ratelimit-reset-tokens", "6m0s")
                .body(ERROR_BODY);
        });
        let client = builder(&server).with_max_retries(0).build().unwrap();
        let err = client
            .send::<Thread>(Request::get("/threads/abc"))
            .unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.request_id(), Some("req_err"));
        assert_eq!(err.is_retryable(), status == 429 || status == 500);
        let message = err.to_string();
        assert!(
            message.contains("Bad thing") && message.contains("req_err"),
            "{message}"
        );
        assert!(!message.contains(KEY) && !format!("{err:?}").contains(KEY));

        let api = api_error(err);
        assert_eq!(api.kind(), kind);
        assert_eq!(api.message(), "Bad thing");
        let error = api.error.as_ref().unwrap();
        assert_eq!(error.type_, "invalid_request_error");
        assert_eq!(error.param.as_deref(), Some("model"));
        assert_eq!(error.code.as_deref(), Some("bad_model"));
        assert_eq!(api.body, ERROR_BODY);
        assert_eq!(api.rate_limit.limit_tokens, Some(1000));
        assert_eq!(api.rate_limit.remaining_tokens, Some(0));
        assert_eq!(api.rate_limit.reset_tokens.as_deref(), Some("6m0s"));
    }
}

#[test]
fn non_json_error_body_is_kept_raw() {
    let server = MockServer::start();
    let long_body = "x".repeat(10_000);
    server.mock(|when, then| {
        when.path("/files/a");
        then.status(502).body("<html>Bad gateway</html>");
    });
    server.mock(|when, then| {
        when.path("/files/b");
        then.status(404).body(&long_body);
    });
    server.mock(|when, then| {
        when.path("/files/c");
        then.status(403).body(r#"{"error":"plain message"}"#);
    });
    let client = builder(&server).with_max_retries(0).build().unwrap();

    let api = api_error(client.send::<Thread>(Request::get("/files/a")).unwrap_err());
    assert_eq!((api.status, api.error.is_none()), (502, true));
    assert_eq!(api.body, "<html>Bad gateway</html>");
    assert_eq!(api.message(), "<html>Bad gateway</html>");

    let api = api_error(client.send::<Thread>(Request::get("/files/b")).unwrap_err());
    assert_eq!(api.body.len(), 4096);

    let api = api_error(client.send::<Thread>(Request::get("/files/c")).unwrap_err());
    assert_eq!(api.kind(), ApiErrorKind::PermissionDenied);
    assert_eq!(api.message(), "plain message");
}

#[test]
fn rate_limited_request_waits_for_retry_after_ms() {
    let server = MockServer::start();
    let limited = server.mock(|when, then| {
        when.path("/threads/abc")
            .header("x-stainless-retry-count", "0");
        then.status(429)
            .header("retry-after-ms", "100")
            .body(ERROR_BODY);
    });
    let ok = server.mock(|when, then| {
        when.path("/threads/abc")
            .header("x-stainless-retry-count", "1");
        then.status(200).json_body(thread_json());
    });
    // A long backoff shows that the server's 100 ms won, not the backoff.
    let client = builder(&server)
        .with_backoff_delay(Duration::from_secs(5))
        .build()
        .unwrap();
    let start = Instant::now();
    let thread = client.send::<Thread>(Request::get("/threads/abc")).unwrap();
    let elapsed = start.elapsed();
    assert_eq!(thread.data.id, "abc");
    assert_eq!(limited.calls() + ok.calls(), 2);
    assert!(elapsed >= Duration::from_millis(100), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[test]
fn server_errors_are_retried_max_retries_times() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.path("/threads/abc");
        then.status(500).body(ERROR_BODY);
    });
    let err = client(&server)
        .send::<Thread>(Request::get("/threads/abc"))
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(mock.calls(), 3);

    let mut client = client(&server);
    client.set_max_retries(0);
    client
        .send::<Thread>(Request::get("/threads/abc"))
        .unwrap_err();
    assert_eq!(mock.calls(), 4);
}

#[test]
fn client_errors_are_not_retried() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.path("/threads/abc");
        then.status(400).body(ERROR_BODY);
    });
    let err = client(&server)
        .send::<Thread>(Request::get("/threads/abc"))
        .unwrap_err();
    assert!(!err.is_retryable());
    assert_eq!(mock.calls(), 1);
}

#[test]
fn x_should_retry_overrides_the_status() {
    let server = MockServer::start();
    let no = server.mock(|when, then| {
        when.path("/threads/no");
        then.status(500)
            .header("x-should-retry", "false")
            .body(ERROR_BODY);
    });
    let yes = server.mock(|when, then| {
        when.path("/threads/yes");
        then.status(400)
            .header("x-should-retry", "true")
            .body(ERROR_BODY);
    });
    let client = client(&server);
    let err = client
        .send::<Thread>(Request::get("/threads/no"))
        .unwrap_err();
    assert!(!err.is_retryable());
    assert_eq!(no.calls(), 1);
    let err = client
        .send::<Thread>(Request::get("/threads/yes"))
        .unwrap_err();
    assert!(err.is_retryable());
    assert_eq!(yes.calls(), 3);
}

/// A client of `server` whose waits are recorded, not slept.
fn recording_client(server: &MockServer) -> (OpenAIClient, Arc<Mutex<Vec<Duration>>>) {
    let sleeps = Arc::new(Mutex::new(Vec::new()));
    let recorder = sleeps.clone();
    let client = builder(server)
        .with_max_retries(1)
        .with_sleeper(move |d| recorder.lock().unwrap().push(d))
        .build()
        .unwrap();
    (client, sleeps)
}

/// openai-python's rule (MAX_RETRY_AFTER_DELAY): a server wait up to two minutes is obeyed,
/// a finite longer one (large, overflowing, or a far date) ends the retries at once, and
/// zero, negative, non-finite words and garbage fall back to the backoff.
#[test]
fn server_waits_up_to_two_minutes_are_obeyed_longer_ones_end_the_retries() {
    const BACKOFF: &str = "backoff";
    const NO_RETRY: &str = "no retry";
    let cases: &[(&str, &str, &str)] = &[
        ("retry-after", "61", "61s"),
        ("retry-after", "90.5", "90.5s"),
        ("retry-after", "120", "120s"),
        ("retry-after-ms", "119999", "119.999s"),
        ("retry-after", "120.001", NO_RETRY),
        ("retry-after", "121", NO_RETRY),
        ("retry-after", "86400", NO_RETRY),
        ("retry-after", "1e400", NO_RETRY),
        ("retry-after-ms", "1e400", NO_RETRY),
        ("retry-after", "Fri, 01 Jan 2100 00:00:00 GMT", NO_RETRY),
        ("retry-after", "0", BACKOFF),
        ("retry-after", "-5", BACKOFF),
        ("retry-after", "inf", BACKOFF),
        ("retry-after", "nan", BACKOFF),
        ("retry-after", "soon", BACKOFF),
        ("retry-after", "Thu, 01 Jan 1970 00:00:00 GMT", BACKOFF),
    ];
    for (header, value, expected) in cases {
        let server = MockServer::start();
        let mock = server.mock(|when, then| {
            when.path("/threads/abc");
            then.status(429).header(*header, *value).body(ERROR_BODY);
        });
        let (client, sleeps) = recording_client(&server);
        let err = client
            .send::<Thread>(Request::get("/threads/abc"))
            .unwrap_err();
        assert_eq!(err.status(), Some(429), "{header}: {value}");
        let sleeps = sleeps.lock().unwrap().clone();
        match *expected {
            NO_RETRY => {
                assert_eq!(mock.calls(), 1, "{header}: {value}");
                assert!(sleeps.is_empty(), "{header}: {value}: {sleeps:?}");
            }
            BACKOFF => {
                assert_eq!(mock.calls(), 2, "{header}: {value}");
                // The backoff of a first retry with a 1 ms base: at most 1 ms.
                assert!(
                    sleeps[0] <= Duration::from_millis(1),
                    "{header}: {value}: {sleeps:?}"
                );
            }
            wait => {
                assert_eq!(mock.calls(), 2, "{header}: {value}");
                assert_eq!(format!("{:?}", sleeps[0]), wait, "{header}: {value}");
            }
        }
    }
    assert_eq!(openai_blocking::MAX_RETRY_AFTER, Duration::from_secs(120));
}

#[test]
fn invalid_retry_after_falls_back_to_backoff() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.path("/threads/abc");
        then.status(503)
            .header("retry-after", "nan")
            .body(ERROR_BODY);
    });
    let err = client(&server)
        .send::<Thread>(Request::get("/threads/abc"))
        .unwrap_err();
    assert_eq!(mock.calls(), 3);
    assert_eq!(api_error(err).retry_after, None);
}

#[test]
fn refused_connection_is_retried_then_reported() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = OpenAIClient::create_with_api_key(KEY)
        .with_base_url(format!("http://127.0.0.1:{port}/v1"))
        .with_backoff_delay(Duration::from_millis(40))
        .build()
        .unwrap();
    let start = Instant::now();
    let err = client
        .send::<Thread>(Request::get("/threads/abc"))
        .unwrap_err();
    // Two backoff sleeps: at least 30 ms + 60 ms.
    assert!(
        start.elapsed() >= Duration::from_millis(90),
        "{:?}",
        start.elapsed()
    );
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(std::error::Error::source(&err).is_some());
    assert!(!err.to_string().contains(KEY));
}

#[test]
fn slow_response_times_out() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.path("/threads/abc");
        then.status(200)
            .delay(Duration::from_millis(1500))
            .json_body(thread_json());
    });
    let client = builder(&server)
        .with_timeout(Duration::from_millis(200))
        .with_max_retries(0)
        .build()
        .unwrap();
    let err = client
        .send::<Thread>(Request::get("/threads/abc"))
        .unwrap_err();
    match err {
        Error::Timeout { after, .. } => assert_eq!(after, Some(Duration::from_millis(200))),
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[test]
fn malformed_json_is_a_decode_error() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.path("/threads/abc");
        then.status(200)
            .header("x-request-id", "req_bad")
            .body(r#"{"id": "abc", "object": 42 trailing"#);
    });
    let err = client(&server)
        .send::<Thread>(Request::get("/threads/abc"))
        .unwrap_err();
    assert_eq!(mock.calls(), 1);
    match &err {
        Error::Decode {
            status,
            snippet,
            request_id,
            ..
        } => {
            assert_eq!(*status, 200);
            assert_eq!(snippet, r#"{"id": "abc", "object": 42 trailing"#);
            assert_eq!(request_id.as_deref(), Some("req_bad"));
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert!(std::error::Error::source(&err).is_some());
    assert!(!err.is_retryable());
}

#[test]
fn empty_path_id_sends_nothing() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.any_request();
        then.status(200).json_body(thread_json());
    });
    let client = client(&server);
    let result = encode_path_id("thread_id", " ")
        .and_then(|id| client.send::<Thread>(Request::get(format!("/threads/{id}"))));
    match result {
        Err(Error::InvalidArgument { name, .. }) => assert_eq!(name, "thread_id"),
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
    assert_eq!(mock.calls(), 0);
}

#[test]
fn path_ids_are_percent_encoded() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.is_true(|req| req.uri().path() == "/threads/a%2Fb%20c");
        then.status(200).json_body(thread_json());
    });
    let id = encode_path_id("thread_id", "a/b c").unwrap();
    assert_eq!(id, "a%2Fb%20c");
    client(&server)
        .send::<Thread>(Request::get(format!("/threads/{id}")))
        .unwrap();
    mock.assert();
}

/// A mock for `POST /files` that checks the multipart parts and that Content-Length
/// matches the body.
fn upload_mock<'a>(server: &'a MockServer, file_name: &str, content: &str) -> httpmock::Mock<'a> {
    let file_part = format!(
        "name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n{content}\r\n--"
    );
    server.mock(|when, then| {
        when.method(POST)
            .path("/files")
            .header_includes("content-type", "multipart/form-data; boundary=")
            .body_includes("Content-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n")
            .body_includes(file_part)
            .is_true(|req| {
                let declared = req
                    .headers()
                    .get("content-length")
                    .map(|v| v.to_str().unwrap().to_owned());
                declared == Some(req.body_ref().len().to_string())
            });
        then.status(200).json_body(thread_json());
    })
}

#[test]
fn multipart_upload_from_bytes() {
    let server = MockServer::start();
    let mock = upload_mock(&server, "a%22b.jsonl", "{\"x\":1}\n");
    let file = FileSource::from_bytes("a\"b.jsonl", b"{\"x\":1}\n".to_vec());
    let form = Multipart::new("file", file).text("purpose", "assistants");
    client(&server)
        .send::<Thread>(Request::post("/files").multipart(form))
        .unwrap();
    mock.assert();
}

#[test]
fn multipart_upload_from_path_is_retried() {
    let server = MockServer::start();
    let failing = server.mock(|when, then| {
        when.path("/files").header("x-stainless-retry-count", "0");
        then.status(500).body(ERROR_BODY);
    });
    let mock = upload_mock(&server, "upload-test.txt", "hello from disk");
    let dir = std::env::temp_dir().join(format!("openai-blocking-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("upload-test.txt");
    std::fs::write(&path, "hello from disk").unwrap();

    let file = FileSource::from_path(&path);
    assert_eq!(file.file_name(), "upload-test.txt");
    let form = Multipart::new("file", file).text("purpose", "assistants");
    let result = client(&server).send::<Thread>(Request::post("/files").multipart(form));
    std::fs::remove_dir_all(&dir).unwrap();
    result.unwrap();
    assert_eq!(failing.calls(), 1);
    mock.assert();
}

#[test]
fn missing_upload_file_is_an_io_error() {
    let server = MockServer::start();
    let file = FileSource::from_path("/definitely/not/here.txt");
    let form = Multipart::new("file", file).text("purpose", "assistants");
    let err = client(&server)
        .send::<Thread>(Request::post("/files").multipart(form))
        .unwrap_err();
    assert!(matches!(err, Error::Io(_)), "{err:?}");
}

#[test]
fn reader_upload_is_not_retried() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.path("/files").body_includes("streamed bytes");
        then.status(500).body(ERROR_BODY);
    });
    let reader = std::io::Cursor::new(b"streamed bytes".to_vec());
    let file = FileSource::from_reader("s.txt", reader, None);
    let form = Multipart::new("file", file).text("purpose", "assistants");
    let err = client(&server)
        .send::<Thread>(Request::post("/files").multipart(form))
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(mock.calls(), 1);
}

#[test]
fn reader_upload_with_length_sends_content_length() {
    let server = MockServer::start();
    let mock = upload_mock(&server, "r.txt", "0123456789");
    let file = FileSource::from_reader("r.txt", std::io::Cursor::new(b"0123456789"), Some(10));
    let form = Multipart::new("file", file).text("purpose", "assistants");
    client(&server)
        .send::<Thread>(Request::post("/files").multipart(form))
        .unwrap();
    mock.assert();
}

#[test]
fn file_content_as_bytes_and_stream() {
    let server = MockServer::start();
    // Larger than ureq's default 10 MB read limit.
    let content: Vec<u8> = (0..11 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let mock = server.mock(|when, then| {
        when.path("/files/f/content");
        then.status(200)
            .header("content-type", "application/octet-stream")
            .body(&content);
    });
    let client = client(&server);
    let bytes = client
        .send_for_bytes(Request::get("/files/f/content"))
        .unwrap();
    assert!(bytes.data == content);

    let mut reader = client
        .send_for_reader(Request::get("/files/f/content"))
        .unwrap()
        .into_data();
    let mut streamed = Vec::new();
    reader.read_to_end(&mut streamed).unwrap();
    assert!(streamed == content);
    assert_eq!(mock.calls(), 2);
}

#[test]
fn callers_agent_still_reads_error_bodies() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.path("/threads/abc");
        then.status(404)
            .header("x-request-id", "req_404")
            .body(ERROR_BODY);
    });
    // ureq's default agent turns statuses into errors; the SDK must undo that per request.
    let client = builder(&server)
        .with_agent(ureq::Agent::new_with_defaults())
        .build()
        .unwrap();
    let api = api_error(
        client
            .send::<Thread>(Request::get("/threads/abc"))
            .unwrap_err(),
    );
    assert_eq!(api.kind(), ApiErrorKind::NotFound);
    assert_eq!(api.request_id.as_deref(), Some("req_404"));
    assert_eq!(api.message(), "Bad thing");
}

#[test]
fn azure_uses_api_key_version_and_deployments() {
    let server = MockServer::start();
    let chat = server.mock(|when, then| {
        when.method(POST)
            .path("/openai/deployments/my-gpt/chat/completions")
            .query_param("api-version", "2024-10-21")
            .header("api-key", KEY)
            .header_missing("authorization");
        then.status(200).json_body(thread_json());
    });
    let assistants = server.mock(|when, then| {
        when.method(GET)
            .path("/openai/assistants")
            .query_param("api-version", "2024-10-21")
            .query_param("limit", "1")
            .header("api-key", KEY)
            .header("openai-beta", "assistants=v2")
            .header_missing("authorization");
        then.status(200).json_body(thread_json());
    });
    let client = OpenAIClient::create_with_api_key(KEY)
        .with_azure(server.base_url(), "2024-10-21")
        .build()
        .unwrap();
    let body = serde_json::json!({"model": "my-gpt", "messages": []});
    client
        .send::<Thread>(Request::post("/chat/completions").json(&body).unwrap())
        .unwrap();
    client
        .send::<Thread>(Request::get("/assistants").query("limit", "1"))
        .unwrap();
    chat.assert();
    assistants.assert();
}

#[test]
fn debug_output_never_shows_the_key() {
    let builder = OpenAIClient::create_with_api_key(KEY)
        .with_organization("org_1")
        .with_header("x-secret-header", "hidden-value");
    let builder_debug = format!("{builder:?}");
    assert!(builder_debug.contains("<redacted>"), "{builder_debug}");
    assert!(!builder_debug.contains(KEY) && !builder_debug.contains("hidden-value"));

    let client = builder.build().unwrap();
    let client_debug = format!("{client:?}");
    assert!(client_debug.contains("<redacted>") && client_debug.contains("org_1"));
    assert!(!client_debug.contains(KEY));

    let azure = OpenAIClient::create_with_api_key(KEY)
        .with_azure("https://res.openai.azure.com", "2024-10-21")
        .build()
        .unwrap();
    assert!(!format!("{azure:?}").contains(KEY));
}

#[test]
fn build_rejects_bad_configuration() {
    let empty = OpenAIClient::create_with_api_key("").build().unwrap_err();
    assert!(matches!(empty, Error::Config(_)));
    for url in ["not a url", "ftp://example.com/v1", "https:///v1"] {
        let err = OpenAIClient::create_with_api_key(KEY)
            .with_base_url(url)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{url}: {err:?}");
        assert!(!err.to_string().contains(KEY));
    }
}

#[test]
fn clones_share_settings_independently() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.path("/threads/abc");
        then.status(500).body(ERROR_BODY);
    });
    let original = client(&server);
    let mut clone = original.clone();
    clone.set_max_retries(1);
    clone
        .send::<Thread>(Request::get("/threads/abc"))
        .unwrap_err();
    assert_eq!(mock.calls(), 2);
    assert_eq!(original.max_retries(), 2);
}

#[test]
fn bodiless_post_sends_zero_content_length() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path("/threads/t/runs/r/cancel")
            .header("content-length", "0")
            .header_missing("content-type");
        then.status(200).json_body(thread_json());
    });
    client(&server)
        .send::<Thread>(Request::post("/threads/t/runs/r/cancel"))
        .unwrap();
    mock.assert();
}

#[test]
fn public_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<OpenAIClient>();
    assert_send_sync::<OpenAIClientBuilder>();
    assert_send_sync::<Error>();
    assert_send_sync::<FileSource>();
    assert_send_sync::<Request>();
    // Streams move to the thread that reads them.
    fn assert_send<T: Send>() {}
    assert_send::<openai_blocking::ResponseStream>();
    assert_send::<openai_blocking::RunStream>();
    assert_send::<openai_blocking::ChatCompletionStream>();
}

#[test]
fn a_custom_beta_header_replaces_the_default_one() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.path("/threads/abc")
            .header("openai-beta", "assistants=v3")
            .is_true(|req| req.headers().get_all("openai-beta").iter().count() == 1);
        then.status(200).json_body(thread_json());
    });
    let client = builder(&server)
        .with_header("OpenAI-Beta", "assistants=v3")
        .build()
        .unwrap();
    client.send::<Thread>(Request::get("/threads/abc")).unwrap();
    mock.assert();
}

/// A server on 127.0.0.1 that answers each connection with `answer`, in a thread; its URL.
fn raw_server(answer: impl Fn(std::net::TcpStream) + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let answer = Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let answer = answer.clone();
            std::thread::spawn(move || {
                let mut stream = stream;
                read_request_head(&mut stream);
                answer(stream);
            });
        }
    });
    url
}

/// Reads up to the end of a request head (requests here have no body).
fn read_request_head(stream: &mut std::net::TcpStream) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
        head.push(byte[0]);
    }
}

fn raw_client(url: &str) -> OpenAIClientBuilder {
    OpenAIClient::create_with_api_key(KEY)
        .with_base_url(url)
        .with_max_retries(0)
}

const HEAD_200: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: req_body_1\r\n";

#[test]
fn a_total_timeout_bounds_a_call_that_trickles() {
    use std::io::Write;
    // One byte every 80 ms for 200 bytes: 16 s, each read well inside the 1 s read timeout.
    let url = raw_server(|mut stream| {
        let head = format!("{HEAD_200}content-length: 200\r\n\r\n");
        if stream.write_all(head.as_bytes()).is_err() {
            return;
        }
        for _ in 0..200 {
            std::thread::sleep(Duration::from_millis(80));
            if stream.write_all(b" ").is_err() {
                return;
            }
        }
    });
    let client = raw_client(&url)
        .with_timeout(Duration::from_secs(1))
        .with_total_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let start = Instant::now();
    let err = client.get::<serde_json::Value>("/files").unwrap_err();
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_secs(8), "{elapsed:?}");
    match &err {
        Error::Timeout { after, .. } => assert_eq!(*after, Some(Duration::from_secs(1))),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_eq!(err.request_id(), Some("req_body_1"));
    assert_eq!(err.status(), Some(200));

    // Per call, through the options.
    let client = raw_client(&url).build().unwrap();
    let options = RequestOptions::new().total_timeout(Duration::from_millis(500));
    let start = Instant::now();
    let err = client
        .with_options(options)
        .get::<serde_json::Value>("/files")
        .unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(8));
    assert!(
        matches!(err, Error::Timeout { after: Some(d), .. } if d == Duration::from_millis(500)),
        "{err:?}"
    );
}

#[test]
fn a_retry_that_cannot_finish_before_the_deadline_is_not_made() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.path("/v1/files");
        then.status(503)
            .header("retry-after", "30")
            .body(ERROR_BODY);
    });
    let sleeps = Arc::new(Mutex::new(Vec::new()));
    let recorder = sleeps.clone();
    let client = OpenAIClient::create_with_api_key(KEY)
        .with_base_url(server.url("/v1"))
        .with_total_timeout(Duration::from_secs(10))
        .with_sleeper(move |d| recorder.lock().unwrap().push(d))
        .build()
        .unwrap();
    let err = client.get::<serde_json::Value>("/files").unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(mock.calls(), 1);
    assert!(sleeps.lock().unwrap().is_empty());
}

#[test]
fn zero_timeouts_are_configuration_errors() {
    for builder in [
        OpenAIClient::create_with_api_key(KEY).with_timeout(Duration::ZERO),
        OpenAIClient::create_with_api_key(KEY).with_connect_timeout(Duration::ZERO),
        OpenAIClient::create_with_api_key(KEY).with_total_timeout(Duration::ZERO),
    ] {
        let err = builder.build().unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.contains("ZERO")),
            "{err:?}"
        );
    }
    let server = MockServer::start();
    let any = server.mock(|_, then| {
        then.status(200).body("{}");
    });
    let err = client(&server)
        .with_options(RequestOptions::new().timeout(Duration::ZERO))
        .get::<serde_json::Value>("/files")
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                name: "options",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(any.calls(), 0);
}

#[test]
fn a_body_cut_off_keeps_the_request_id_and_status() {
    use std::io::Write;
    let url = raw_server(|mut stream| {
        let head = format!("{HEAD_200}content-length: 1000\r\n\r\n{{\"id\": \"abc\"");
        let _ = stream.write_all(head.as_bytes());
        // Dropped: the connection closes 988 bytes short.
    });
    let err = raw_client(&url)
        .build()
        .unwrap()
        .get::<Thread>("/threads/abc")
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Connection {
                response: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.request_id(), Some("req_body_1"));
    assert_eq!(err.status(), Some(200));
    assert!(err.to_string().contains("req_body_1"), "{err}");
    assert!(err.is_retryable());
}

#[test]
fn a_body_slower_than_the_read_timeout_keeps_the_request_id() {
    use std::io::Write;
    let url = raw_server(|mut stream| {
        let head = format!("{HEAD_200}content-length: 100\r\n\r\n{{");
        let _ = stream.write_all(head.as_bytes());
        std::thread::sleep(Duration::from_secs(3));
    });
    let err = raw_client(&url)
        .with_timeout(Duration::from_millis(300))
        .build()
        .unwrap()
        .get::<Thread>("/threads/abc")
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                response: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.request_id(), Some("req_body_1"));
}

#[test]
#[cfg(feature = "gzip")]
fn broken_gzip_is_an_invalid_body_with_the_request_id() {
    use std::io::Write;
    let url = raw_server(|mut stream| {
        let junk = b"\x1f\x8b\x08\x00not really gzip at all";
        let head = format!(
            "{HEAD_200}content-encoding: gzip\r\ncontent-length: {}\r\n\r\n",
            junk.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(junk);
    });
    let err = raw_client(&url)
        .build()
        .unwrap()
        .get::<Thread>("/threads/abc")
        .unwrap_err();
    assert!(matches!(err, Error::InvalidBody { .. }), "{err:?}");
    assert_eq!(err.request_id(), Some("req_body_1"));
    assert!(!err.is_retryable());
}

#[test]
fn a_body_over_the_size_cap_keeps_the_request_id() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.path("/v1/threads/abc");
        then.status(200)
            .header("x-request-id", "req_big")
            .body(format!(
                "{{\"id\": \"{}\", \"object\": \"thread\"}}",
                "x".repeat(5000)
            ));
    });
    let err = OpenAIClient::create_with_api_key(KEY)
        .with_base_url(server.url("/v1"))
        .with_max_response_bytes(1024)
        .build()
        .unwrap()
        .get::<Thread>("/threads/abc")
        .unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { limit: 1024, .. }),
        "{err:?}"
    );
    assert_eq!(err.request_id(), Some("req_big"));
    assert_eq!(err.status(), Some(200));
}

#[test]
fn per_call_options_add_headers_query_body_fields_and_retries() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path("/threads")
            .query_param("trace", "on")
            .header("idempotency-key", "key-1")
            .header("x-custom", "yes")
            .json_body(serde_json::json!({"metadata": {"a": "b"}, "service_tier": "flex"}));
        then.status(500).body(ERROR_BODY);
    });
    let options = RequestOptions::new()
        .idempotency_key("key-1")
        .header("X-Custom", "yes")
        .extra_query("trace", "on")
        .extra_body("service_tier", "flex")
        .max_retries(4);
    let request = openai_blocking::ThreadCreateRequest {
        metadata: Some(openai_blocking::Metadata::from(
            std::collections::HashMap::from([("a".to_string(), "b".to_string())]),
        )),
        ..Default::default()
    };
    let view = client(&server).with_options(options.clone());
    assert_eq!(view.options(), Some(&options));
    view.create_thread(&request).unwrap_err();
    assert_eq!(mock.calls(), 5, "four retries, each with the options");

    // The client itself is unchanged.
    let plain = client(&server);
    assert!(plain.options().is_none());
    plain.create_thread(&request).unwrap_err();
    assert_eq!(mock.calls(), 5);

    let bad = client(&server)
        .with_options(RequestOptions::new().header("bad header", "x"))
        .create_thread(&request)
        .unwrap_err();
    assert!(
        matches!(
            bad,
            Error::InvalidArgument {
                name: "options",
                ..
            }
        ),
        "{bad:?}"
    );
}

#[test]
fn a_per_call_timeout_replaces_the_clients() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.path("/files");
        then.status(200)
            .delay(Duration::from_millis(1500))
            .body("{}");
    });
    let err = client(&server)
        .with_options(
            RequestOptions::new()
                .timeout(Duration::from_millis(200))
                .max_retries(0),
        )
        .get::<serde_json::Value>("/files")
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { after: Some(d), .. } if d == Duration::from_millis(200)),
        "{err:?}"
    );
}

#[test]
fn raw_get_post_and_delete_reach_any_endpoint() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct Model {
        id: String,
    }
    let server = MockServer::start();
    let get = server.mock(|when, then| {
        when.method(GET)
            .path("/models/gpt-4o")
            .header("authorization", format!("Bearer {KEY}"));
        then.status(200)
            .json_body(serde_json::json!({"id": "gpt-4o"}));
    });
    let post = server.mock(|when, then| {
        when.method(POST)
            .path("/moderations")
            .header("content-type", "application/json")
            .json_body(serde_json::json!({"input": "hi"}));
        then.status(200)
            .json_body(serde_json::json!({"id": "modr-1"}));
    });
    let delete = server.mock(|when, then| {
        when.method(DELETE).path("/models/ft-1");
        then.status(200)
            .json_body(serde_json::json!({"id": "ft-1"}));
    });
    let client = client(&server);
    let model: Model = client.get("/models/gpt-4o").unwrap();
    assert_eq!(model.id, "gpt-4o");
    let moderation: Model = client
        .post("/moderations", &serde_json::json!({"input": "hi"}))
        .unwrap();
    assert_eq!(moderation.id, "modr-1");
    let deleted: Model = client.delete("/models/ft-1").unwrap();
    assert_eq!(deleted.id, "ft-1");
    get.assert();
    post.assert();
    delete.assert();

    let err = client.get::<Model>("models").unwrap_err();
    assert!(
        matches!(err, Error::InvalidArgument { name: "path", .. }),
        "{err:?}"
    );
}
