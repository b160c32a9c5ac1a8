//! The local engine over raw HTTP: wire format, status codes, error shapes, lifecycles,
//! pagination, multipart uploads, the deterministic model and concurrency, without the SDK
//! in between.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use openai_local::{LocalServer, ModelReply, ModelRequest};
use serde_json::{json, Value};

/// A parsed HTTP answer.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The body as text, cut to 400 characters for failure messages.
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body)
            .chars()
            .take(400)
            .collect()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `error` object, checking its shape: message, type, param and code all present.
    fn error(&self) -> Value {
        let v = self.json();
        let e = v["error"].clone();
        for key in ["message", "type", "param", "code"] {
            assert!(e.get(key).is_some(), "error without {key}: {v}");
        }
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
        e
    }
}

/// A minimal HTTP/1.1 client: one connection per request.
struct Http {
    addr: SocketAddr,
}

impl Http {
    fn new(server: &LocalServer) -> Self {
        Self {
            addr: server.addr(),
        }
    }

    fn raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
        let mut s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        let split = out
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("no header end");
        let head = String::from_utf8_lossy(&out[..split]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        Answer {
            status,
            headers,
            body: out[split + 4..].to_vec(),
        }
    }

    /// A request with a Bearer token and the beta header.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        self.raw(
            method,
            path,
            &[
                ("Authorization", "Bearer test-key"),
                ("OpenAI-Beta", "assistants=v2"),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes(),
        )
    }

    /// A successful call's JSON (panics with the body otherwise).
    fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let a = self.call(method, path, body);
        assert_eq!(a.status, 200, "{method} {path}: {}", a.text());
        a.json()
    }

    fn upload(&self, purpose: &str, name: &str, data: &[u8]) -> Answer {
        let boundary = "----engine-test-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n{purpose}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let ct = format!("multipart/form-data; boundary={boundary}");
        self.raw(
            "POST",
            "/v1/files",
            &[("Authorization", "Bearer k"), ("Content-Type", &ct)],
            &body,
        )
    }

    fn upload_ok(&self, name: &str, data: &[u8]) -> String {
        let a = self.upload("assistants", name, data);
        assert_eq!(a.status, 200, "{}", a.text());
        a.json()["id"].as_str().unwrap().to_string()
    }

    /// Polls `path` until `done` holds for its JSON (5 s at most).
    fn wait(&self, path: &str, mut done: impl FnMut(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let v = self.ok("GET", path, None);
            if done(&v) {
                return v;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "timed out on {path}: {v}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn wait_run(&self, thread: &str, run: &str) -> Value {
        self.wait(&format!("/v1/threads/{thread}/runs/{run}"), |r| {
            !matches!(
                r["status"].as_str(),
                Some("queued" | "in_progress" | "cancelling")
            )
        })
    }
}

fn fast() -> LocalServer {
    LocalServer::builder()
        .step_delay(Duration::from_millis(5))
        .start()
        .unwrap()
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

const POLICY: &str = include_str!("fixtures/return-policy.md");

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

#[test]
fn invalid_bodies_name_the_field() {
    let server = fast();
    let http = Http::new(&server);
    let cases: Vec<(&str, &str, Value, Option<&str>)> = vec![
        (
            "POST",
            "/v1/assistants",
            json!({"name": "x"}),
            Some("model"),
        ),
        (
            "POST",
            "/v1/assistants",
            json!({"model": 42}),
            Some("model"),
        ),
        (
            "POST",
            "/v1/assistants",
            json!({"model": "m", "tools": [{"type": "browser"}]}),
            Some("tools[0].type"),
        ),
        (
            "POST",
            "/v1/assistants",
            json!({"model": "m", "tools": [{}]}),
            Some("tools[0].type"),
        ),
        (
            "POST",
            "/v1/assistants",
            json!({"model": "m", "tools": [{"type": "function"}]}),
            Some("tools[0].function"),
        ),
        (
            "POST",
            "/v1/assistants",
            json!({"model": "m", "tools": [{"type": "function", "function": {"name": 7}}]}),
            Some("tools[0].function.name"),
        ),
        (
            "POST",
            "/v1/assistants",
            json!({"model": "m", "tools": [{"type": "function", "function": {"name": "bad name"}}]}),
            Some("tools[0].function.name"),
        ),
        (
            "POST",
            "/v1/threads",
            json!({"messages": [{"role": "user"}]}),
            Some("messages[0].content"),
        ),
        (
            "POST",
            "/v1/threads",
            json!({"messages": [{"role": "robot", "content": "x"}]}),
            Some("messages[0].role"),
        ),
        (
            "POST",
            "/v1/threads",
            json!({"messages": [{"role": "user", "content": [{"type": "video", "video": 1}]}]}),
            Some("messages[0].content[0].type"),
        ),
        (
            "POST",
            "/v1/vector_stores",
            json!({"file_ids": "file-1"}),
            Some("file_ids"),
        ),
        (
            "POST",
            "/v1/vector_stores",
            json!({"chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": 5, "chunk_overlap_tokens": 0}}}),
            Some("chunking_strategy.static.max_chunk_size_tokens"),
        ),
        (
            "POST",
            "/v1/chat/completions",
            json!({"model": "m"}),
            Some("messages"),
        ),
        (
            "POST",
            "/v1/chat/completions",
            json!({"model": "m", "messages": [{"role": "wizard", "content": "x"}]}),
            Some("messages[0].role"),
        ),
        (
            "POST",
            "/v1/chat/completions",
            json!({"model": "m", "messages": []}),
            Some("messages"),
        ),
    ];
    for (method, path, body, param) in cases {
        let a = http.call(method, path, Some(body.clone()));
        assert_eq!(a.status, 400, "{path} {body}: {}", a.text());
        let e = a.error();
        assert_eq!(e["param"].as_str(), param, "{path} {body}: {e}");
        assert_eq!(e["type"], "invalid_request_error");
    }
    // Not JSON at all: 400 without a param.
    for body in [&b"{"[..], b"", b"not json", b"{\"model\": }"] {
        let a = http.raw(
            "POST",
            "/v1/assistants",
            &[
                ("Authorization", "Bearer k"),
                ("OpenAI-Beta", "assistants=v2"),
            ],
            body,
        );
        assert_eq!(a.status, 400);
        assert_eq!(a.error()["param"], Value::Null);
    }
    // Bad list parameters.
    for (q, param) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("order=up", "order"),
        ("after=nope", "after"),
    ] {
        let a = http.call("GET", &format!("/v1/assistants?{q}"), None);
        assert_eq!(a.status, 400, "{q}");
        assert_eq!(a.error()["param"], param, "{q}");
    }
}

#[test]
fn unknown_ids_are_404() {
    let server = fast();
    let http = Http::new(&server);
    let thread = id(&http.ok("POST", "/v1/threads", None));
    for path in [
        "/v1/assistants/asst_nope".to_string(),
        "/v1/threads/thread_nope".to_string(),
        "/v1/threads/thread_nope/messages".to_string(),
        format!("/v1/threads/{thread}/messages/msg_nope"),
        format!("/v1/threads/{thread}/runs/run_nope"),
        format!("/v1/threads/{thread}/runs/run_nope/steps"),
        "/v1/files/file-nope".to_string(),
        "/v1/files/file-nope/content".to_string(),
        "/v1/vector_stores/vs_nope".to_string(),
        "/v1/vector_stores/vs_nope/files".to_string(),
    ] {
        let a = http.call("GET", &path, None);
        assert_eq!(a.status, 404, "{path}");
        assert!(
            a.error()["message"].as_str().unwrap().contains("nope"),
            "{path}"
        );
    }
    assert_eq!(
        http.call("DELETE", "/v1/assistants/asst_nope", None).status,
        404
    );
    let run = http.call(
        "POST",
        &format!("/v1/threads/{thread}/runs"),
        Some(json!({"assistant_id": "asst_nope"})),
    );
    assert_eq!(
        (run.status, run.error()["param"].clone()),
        (404, json!("assistant_id"))
    );
}

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

#[test]
fn run_lifecycle_messages_and_steps() {
    let server = LocalServer::builder()
        .step_delay(Duration::from_millis(150))
        .start()
        .unwrap();
    let http = Http::new(&server);
    let asst = id(&http.ok(
        "POST",
        "/v1/assistants",
        Some(json!({"model": "local", "instructions": "Be brief."})),
    ));
    let thread = http.ok(
        "POST",
        "/v1/threads",
        Some(json!({"messages": [{"role": "user", "content": "Hello engine"}]})),
    );
    let thread = id(&thread);
    let run = http.ok(
        "POST",
        &format!("/v1/threads/{thread}/runs"),
        Some(json!({"assistant_id": asst})),
    );
    assert_eq!(run["status"], "queued");
    assert_eq!(run["object"], "thread.run");
    assert_eq!(run["instructions"], "Be brief.");
    assert!(run["expires_at"].as_i64().unwrap() >= run["created_at"].as_i64().unwrap() + 600);
    let run_id = id(&run);
    // A second run while this one is active is refused, and so is a new message.
    let again = http.call(
        "POST",
        &format!("/v1/threads/{thread}/runs"),
        Some(json!({"assistant_id": asst})),
    );
    assert_eq!(again.status, 400);
    let msg = http.call(
        "POST",
        &format!("/v1/threads/{thread}/messages"),
        Some(json!({"role": "user", "content": "x"})),
    );
    assert_eq!(msg.status, 400);

    let mut seen: Vec<String> = Vec::new();
    http.wait(&format!("/v1/threads/{thread}/runs/{run_id}"), |r| {
        let s = r["status"].as_str().unwrap().to_string();
        if seen.last() != Some(&s) {
            seen.push(s.clone());
        }
        s == "completed"
    });
    // Polled every few milliseconds with 150 ms steps, every status shows up, in order.
    assert_eq!(seen, ["queued", "in_progress", "completed"]);
    let final_run = http.ok("GET", &format!("/v1/threads/{thread}/runs/{run_id}"), None);
    assert!(final_run["started_at"].is_i64() && final_run["completed_at"].is_i64());
    assert!(final_run.get("expires_at").is_none_or(Value::is_null));
    assert!(final_run["usage"]["total_tokens"].as_i64().unwrap() > 0);

    let messages = http.ok(
        "GET",
        &format!("/v1/threads/{thread}/messages?order=asc"),
        None,
    );
    let data = messages["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[1]["role"], "assistant");
    assert_eq!(data[1]["run_id"], run_id.as_str());
    assert_eq!(data[1]["assistant_id"], asst.as_str());
    assert_eq!(
        data[1]["content"][0]["text"]["value"],
        "You said: \"Hello engine\""
    );
    let only_run = http.ok(
        "GET",
        &format!("/v1/threads/{thread}/messages?run_id={run_id}"),
        None,
    );
    assert_eq!(only_run["data"].as_array().unwrap().len(), 1);

    let steps = http.ok(
        "GET",
        &format!("/v1/threads/{thread}/runs/{run_id}/steps"),
        None,
    );
    let steps = steps["data"].as_array().unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0]["type"], "message_creation");
    assert_eq!(steps[0]["status"], "completed");
    assert_eq!(
        steps[0]["step_details"]["message_creation"]["message_id"],
        data[1]["id"]
    );
    let step = http.ok(
        "GET",
        &format!("/v1/threads/{thread}/runs/{run_id}/steps/{}", id(&steps[0])),
        None,
    );
    assert_eq!(step["object"], "thread.run.step");

    let runs = http.ok("GET", &format!("/v1/threads/{thread}/runs"), None);
    assert_eq!(runs["data"][0]["id"], run_id.as_str());
    let meta = http.ok(
        "POST",
        &format!("/v1/threads/{thread}/runs/{run_id}"),
        Some(json!({"metadata": {"a": "b"}})),
    );
    assert_eq!(meta["metadata"]["a"], "b");
    // Cancelling a finished run is refused.
    assert_eq!(
        http.call(
            "POST",
            &format!("/v1/threads/{thread}/runs/{run_id}/cancel"),
            None
        )
        .status,
        400
    );
}

fn weather_assistant(http: &Http) -> String {
    id(&http.ok(
        "POST",
        "/v1/assistants",
        Some(json!({"model": "local", "tools": [{"type": "function", "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}}
        }}]})),
    ))
}

#[test]
fn requires_action_then_tool_outputs_complete_the_run() {
    let server = fast();
    let http = Http::new(&server);
    let asst = weather_assistant(&http);
    let body = json!({"assistant_id": asst, "thread": {"messages": [{"role": "user", "content": "Call get_weather city=Oslo days=2 please"}]}});
    let run = http.ok("POST", "/v1/threads/runs", Some(body));
    let (thread, run_id) = (run["thread_id"].as_str().unwrap().to_string(), id(&run));
    let run = http.wait_run(&thread, &run_id);
    assert_eq!(run["status"], "requires_action", "{run}");
    let calls = run["required_action"]["submit_tool_outputs"]["tool_calls"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["function"]["name"], "get_weather");
    let args: Value =
        serde_json::from_str(calls[0]["function"]["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(args, json!({"city": "Oslo", "days": 2}));
    let call_id = id(&calls[0]);

    let submit = format!("/v1/threads/{thread}/runs/{run_id}/submit_tool_outputs");
    let wrong = http.call(
        "POST",
        &submit,
        Some(json!({"tool_outputs": [{"tool_call_id": "call_x", "output": "1"}]})),
    );
    assert_eq!(
        (wrong.status, wrong.error()["param"].clone()),
        (400, json!("tool_outputs[0].tool_call_id"))
    );
    let none = http.call("POST", &submit, Some(json!({"tool_outputs": []})));
    assert_eq!(
        (none.status, none.error()["param"].clone()),
        (400, json!("tool_outputs"))
    );
    let after = http.ok(
        "POST",
        &submit,
        Some(json!({"tool_outputs": [{"tool_call_id": call_id, "output": "-3°C and snow"}]})),
    );
    assert_eq!(after["status"], "queued");
    let run = http.wait_run(&thread, &run_id);
    assert_eq!(run["status"], "completed");
    assert!(run.get("required_action").is_none_or(Value::is_null));

    let messages = http.ok("GET", &format!("/v1/threads/{thread}/messages"), None);
    assert_eq!(
        messages["data"][0]["content"][0]["text"]["value"],
        "get_weather returned: -3°C and snow"
    );
    let steps = http.ok(
        "GET",
        &format!("/v1/threads/{thread}/runs/{run_id}/steps?order=asc"),
        None,
    );
    let steps = steps["data"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    let call = &steps[0]["step_details"]["tool_calls"][0];
    assert_eq!(
        (call["type"].as_str(), call["id"].as_str()),
        (Some("function"), Some(call_id.as_str()))
    );
    assert_eq!(call["function"]["output"], "-3°C and snow");
    assert_eq!(steps[0]["status"], "completed");
    assert_eq!(steps[1]["type"], "message_creation");
    // Outputs for a finished run are refused.
    assert_eq!(
        http.call("POST", &submit, Some(json!({"tool_outputs": []})))
            .status,
        400
    );
}

#[test]
fn cancel_and_expiry() {
    let server = LocalServer::builder()
        .step_delay(Duration::from_millis(30))
        .run_expiry(Duration::from_millis(250))
        .start()
        .unwrap();
    let http = Http::new(&server);
    let asst = weather_assistant(&http);
    let thread = id(&http.ok("POST", "/v1/threads", None));
    let run = id(&http.ok(
        "POST",
        &format!("/v1/threads/{thread}/runs"),
        Some(json!({"assistant_id": asst})),
    ));
    let cancelling = http.ok(
        "POST",
        &format!("/v1/threads/{thread}/runs/{run}/cancel"),
        None,
    );
    assert_eq!(cancelling["status"], "cancelling");
    let cancelled = http.wait_run(&thread, &run);
    assert_eq!(cancelled["status"], "cancelled");
    assert!(cancelled["cancelled_at"].is_i64());
    // The cancelled run wrote nothing.
    assert_eq!(
        http.ok("GET", &format!("/v1/threads/{thread}/messages"), None)["data"],
        json!([])
    );

    // A run left waiting for tool outputs expires.
    http.ok(
        "POST",
        &format!("/v1/threads/{thread}/messages"),
        Some(json!({"role": "user", "content": "get_weather city=Rome"})),
    );
    let run = id(&http.ok(
        "POST",
        &format!("/v1/threads/{thread}/runs"),
        Some(json!({"assistant_id": asst})),
    ));
    assert_eq!(http.wait_run(&thread, &run)["status"], "requires_action");
    let expired = http.wait(&format!("/v1/threads/{thread}/runs/{run}"), |r| {
        r["status"] != "requires_action"
    });
    assert_eq!(expired["status"], "expired");
    let steps = http.ok(
        "GET",
        &format!("/v1/threads/{thread}/runs/{run}/steps"),
        None,
    );
    assert_eq!(steps["data"][0]["status"], "expired");
}

#[test]
fn file_upload_download_and_multipart_errors() {
    let server = fast();
    let http = Http::new(&server);
    let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let up = http.upload("assistants", "blob.bin", &binary);
    assert_eq!(up.status, 200);
    let file = up.json();
    assert_eq!(
        (file["bytes"].as_i64(), file["filename"].as_str()),
        (Some(70_000), Some("blob.bin"))
    );
    assert_eq!(
        (file["object"].as_str(), file["purpose"].as_str()),
        (Some("file"), Some("assistants"))
    );
    assert!(id(&file).starts_with("file-"));
    let down = http.call("GET", &format!("/v1/files/{}/content", id(&file)), None);
    assert_eq!(down.status, 200);
    assert_eq!(
        down.header("content-type"),
        Some("application/octet-stream")
    );
    assert!(down.body == binary, "the download differs from the upload");
    assert_eq!(
        http.ok("GET", &format!("/v1/files/{}", id(&file)), None),
        file
    );

    let bad_purpose = http.upload("homework", "a.txt", b"x");
    assert_eq!(
        (bad_purpose.status, bad_purpose.error()["param"].clone()),
        (400, json!("purpose"))
    );
    let ct = "multipart/form-data; boundary=B";
    let only_purpose =
        b"--B\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n--B--\r\n";
    let a = http.raw(
        "POST",
        "/v1/files",
        &[("Authorization", "Bearer k"), ("Content-Type", ct)],
        only_purpose,
    );
    assert_eq!((a.status, a.error()["param"].clone()), (400, json!("file")));
    let only_file = b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhi\r\n--B--\r\n";
    let a = http.raw(
        "POST",
        "/v1/files",
        &[("Authorization", "Bearer k"), ("Content-Type", ct)],
        only_file,
    );
    assert_eq!(
        (a.status, a.error()["param"].clone()),
        (400, json!("purpose"))
    );
    let truncated =
        b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhi";
    let a = http.raw(
        "POST",
        "/v1/files",
        &[("Authorization", "Bearer k"), ("Content-Type", ct)],
        truncated,
    );
    assert_eq!(a.status, 400);
    let json_body = http.raw(
        "POST",
        "/v1/files",
        &[
            ("Authorization", "Bearer k"),
            ("Content-Type", "application/json"),
        ],
        b"{}",
    );
    assert_eq!(json_body.status, 400);

    let small = LocalServer::builder()
        .max_upload_bytes(1000)
        .start()
        .unwrap();
    let big = Http::new(&small).upload("assistants", "big.bin", &binary);
    assert_eq!(big.status, 413);

    let list = http.ok("GET", "/v1/files?purpose=assistants", None);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        http.ok("GET", "/v1/files?purpose=vision", None)["data"],
        json!([])
    );
    assert_eq!(
        http.ok("DELETE", &format!("/v1/files/{}", id(&file)), None)["deleted"],
        true
    );
    assert_eq!(
        http.call("GET", &format!("/v1/files/{}", id(&file)), None)
            .status,
        404
    );
}

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

    // Cancelling a batch in progress cancels its files.
    let slow = LocalServer::builder()
        .step_delay(Duration::from_secs(30))
        .start()
        .unwrap();
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

/// A PNG of `w`×`h` pixels of one RGB colour, with stored (uncompressed) deflate blocks.
fn solid_png(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    // Each row: filter type 0, then the pixels.
    let row: Vec<u8> = std::iter::once(0).chain(rgb.repeat(w as usize)).collect();
    let raw = row.repeat(h as usize);
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn chat_completions_echo_summarise_describe_and_call() {
    let server = fast();
    let http = Http::new(&server);
    let chat = |messages: Value, extra: Value| {
        let mut body = json!({"model": "gpt-local", "messages": messages});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        http.ok("POST", "/v1/chat/completions", Some(body))
    };
    let r = chat(
        json!([{"role": "system", "content": "You are terse."}, {"role": "user", "content": "ping"}]),
        json!({}),
    );
    assert_eq!(r["object"], "chat.completion");
    assert_eq!(r["model"], "gpt-local");
    assert_eq!(r["choices"][0]["message"]["content"], "You said: \"ping\"");
    assert_eq!(r["choices"][0]["finish_reason"], "stop");
    assert!(r["usage"]["prompt_tokens"].as_i64().unwrap() > 0);

    let text = "Summarise this text. The harbour town depends on fishing and on summer tourism. \
        Fishing boats leave the harbour before dawn and return at noon. \
        In summer the harbour fills with sailing boats and tourists. \
        A storm in March damaged several fishing boats in the harbour. \
        The town council voted to build a new breakwater to protect the harbour.";
    let r = chat(json!([{"role": "user", "content": text}]), json!({}));
    let summary = r["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(!summary.contains("Summarise"), "{summary}");
    assert!(
        summary.len() < text.len() && summary.contains("harbour"),
        "{summary}"
    );
    // Summaries of the system message when the user only asks.
    let r = chat(
        json!([{"role": "system", "content": &text[21..]}, {"role": "user", "content": "summary please"}]),
        json!({}),
    );
    assert!(r["choices"][0]["message"]["content"]
        .as_str()
        .unwrap()
        .contains("harbour"));

    let png = solid_png(6, 4, [250, 10, 10]);
    let url = format!("data:image/png;base64,{}", base64(&png));
    let r = chat(
        json!([{"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": url}}]}]),
        json!({}),
    );
    assert_eq!(
        r["choices"][0]["message"]["content"],
        "The image is a 6×4 PNG (landscape). It is almost entirely red (100%)."
    );

    let tools = json!({"tools": [{"type": "function", "function": {"name": "lookup_order", "parameters": {"type": "object", "properties": {"order": {"type": "string"}}}}}]});
    let r = chat(
        json!([{"role": "user", "content": "lookup_order order=1234"}]),
        tools.clone(),
    );
    assert_eq!(r["choices"][0]["finish_reason"], "tool_calls");
    let call = r["choices"][0]["message"]["tool_calls"][0].clone();
    assert_eq!(call["function"]["arguments"], "{\"order\":\"1234\"}");
    let r = chat(
        json!([
            {"role": "user", "content": "lookup_order order=1234"},
            {"role": "assistant", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call["id"], "content": "shipped"}
        ]),
        tools,
    );
    assert_eq!(
        r["choices"][0]["message"]["content"],
        "lookup_order returned: shipped"
    );

    let r = chat(
        json!([{"role": "user", "content": "one two three four five six"}]),
        json!({"max_completion_tokens": 3, "n": 2}),
    );
    assert_eq!(r["choices"][0]["finish_reason"], "length");
    assert_eq!(r["choices"].as_array().unwrap().len(), 2);

    let stream = http.call(
        "POST",
        "/v1/chat/completions",
        Some(
            json!({"model": "m", "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
        ),
    );
    assert_eq!(stream.status, 200);
    assert_eq!(stream.header("content-type"), Some("text/event-stream"));
    let body = String::from_utf8(stream.body).unwrap();
    assert!(body.ends_with("data: [DONE]\n\n"));
    let chunks: Vec<Value> = body
        .split("\n\n")
        .filter_map(|e| e.strip_prefix("data: "))
        .filter(|d| *d != "[DONE]")
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    assert_eq!(
        chunks[1]["choices"][0]["delta"]["content"],
        "You said: \"hi\""
    );
    assert_eq!(chunks[0]["object"], "chat.completion.chunk");
}

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

#[test]
fn custom_responders_and_failures() {
    let server = LocalServer::builder()
        .step_delay(Duration::from_millis(1))
        .responder(|r: &ModelRequest| -> Result<ModelReply, String> {
            match r.last_user_text() {
                Some("fail") => Err("the model is down".into()),
                Some("panic") => panic!("boom"),
                Some(t) => Ok(ModelReply::text(format!("[{}] {}", r.model, t.len()))),
                None => Ok(ModelReply::text("nothing")),
            }
        })
        .start()
        .unwrap();
    let http = Http::new(&server);
    let asst = id(&http.ok(
        "POST",
        "/v1/assistants",
        Some(json!({"model": "custom-model"})),
    ));
    let run_with = |text: &str| {
        let run = http.ok("POST", "/v1/threads/runs", Some(json!({"assistant_id": asst, "thread": {"messages": [{"role": "user", "content": text}]}})));
        let thread = run["thread_id"].as_str().unwrap().to_string();
        (http.wait_run(&thread, &id(&run)), thread)
    };
    let (run, thread) = run_with("hello");
    assert_eq!(run["status"], "completed");
    assert_eq!(
        http.ok(
            "GET",
            &format!("/v1/threads/{thread}/messages?limit=1"),
            None
        )["data"][0]["content"][0]["text"]["value"],
        "[custom-model] 5"
    );
    let (run, _) = run_with("fail");
    assert_eq!(
        (run["status"].as_str(), run["last_error"]["code"].as_str()),
        (Some("failed"), Some("server_error"))
    );
    assert_eq!(run["last_error"]["message"], "the model is down");
    assert!(run["failed_at"].is_i64());
    let (run, _) = run_with("panic");
    assert_eq!(run["status"], "failed");
    assert!(run["last_error"]["message"]
        .as_str()
        .unwrap()
        .contains("boom"));
    // Chat completions surface a responder error as a 500.
    let chat = http.call(
        "POST",
        "/v1/chat/completions",
        Some(json!({"model": "m", "messages": [{"role": "user", "content": "fail"}]})),
    );
    assert_eq!(
        (chat.status, chat.error()["type"].clone()),
        (500, json!("server_error"))
    );
    // The server keeps serving after all that.
    assert_eq!(http.ok("GET", "/v1/files", None)["object"], "list");
}

#[test]
fn random_bodies_get_typed_errors_never_crashes() {
    let server = fast();
    let http = Http::new(&server);
    let thread = id(&http.ok("POST", "/v1/threads", None));
    let paths = [
        "/v1/assistants".to_string(),
        "/v1/threads".to_string(),
        format!("/v1/threads/{thread}/messages"),
        format!("/v1/threads/{thread}/runs"),
        "/v1/threads/runs".to_string(),
        "/v1/vector_stores".to_string(),
        "/v1/chat/completions".to_string(),
    ];
    let mut seed = 42u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let pieces = [
        "{",
        "}",
        "[",
        "]",
        "\"",
        ":",
        ",",
        "null",
        "1",
        "-2.5e3",
        "true",
        "\"model\"",
        "\"tools\"",
        "\"type\"",
        "\"function\"",
        "\"messages\"",
        "\"role\"",
        "\"user\"",
        "\"content\"",
        "\"assistant_id\"",
        "\u{fffd}",
        "\\u0000",
    ];
    for round in 0..300 {
        let body: Vec<u8> = if round % 4 == 0 {
            (0..next() % 80).map(|_| (next() & 0xff) as u8).collect()
        } else {
            (0..next() % 25)
                .map(|_| pieces[next() % pieces.len()])
                .collect::<String>()
                .into_bytes()
        };
        let path = &paths[next() % paths.len()];
        let a = http.raw(
            "POST",
            path,
            &[
                ("Authorization", "Bearer k"),
                ("OpenAI-Beta", "assistants=v2"),
                ("Content-Type", "application/json"),
            ],
            &body,
        );
        assert!(
            matches!(a.status, 200 | 400 | 404),
            "{path} {:?} -> {}",
            String::from_utf8_lossy(&body),
            a.status
        );
        if a.status != 200 {
            a.error();
        }
    }
    // Random multipart bodies too.
    for _ in 0..100 {
        let body: Vec<u8> = (0..next() % 200)
            .map(|_| b"-\r\nB:;=\"ab"[next() % 10])
            .collect();
        let a = http.raw(
            "POST",
            "/v1/files",
            &[
                ("Authorization", "Bearer k"),
                ("Content-Type", "multipart/form-data; boundary=B"),
            ],
            &body,
        );
        assert_eq!(a.status, 400);
        a.error();
    }
}

#[test]
fn parallel_clients_lose_and_duplicate_nothing() {
    let server = LocalServer::builder()
        .step_delay(Duration::from_millis(1))
        .start()
        .unwrap();
    let addr = server.addr();
    let asst = id(&Http { addr }.ok("POST", "/v1/assistants", Some(json!({"model": "m"}))));
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let asst = asst.clone();
            std::thread::spawn(move || {
                let http = Http { addr };
                let thread = id(&http.ok("POST", "/v1/threads", None));
                for i in 0..50 {
                    let text = format!("worker {w} message {i}");
                    http.ok(
                        "POST",
                        &format!("/v1/threads/{thread}/messages"),
                        Some(json!({"role": "user", "content": text})),
                    );
                    let run = id(&http.ok(
                        "POST",
                        &format!("/v1/threads/{thread}/runs"),
                        Some(json!({"assistant_id": asst})),
                    ));
                    assert_eq!(http.wait_run(&thread, &run)["status"], "completed");
                }
                let mut texts = Vec::new();
                let mut after = String::new();
                loop {
                    let page = http.ok(
                        "GET",
                        &format!("/v1/threads/{thread}/messages?order=asc&limit=100{after}"),
                        None,
                    );
                    for m in page["data"].as_array().unwrap() {
                        texts.push(
                            m["content"][0]["text"]["value"]
                                .as_str()
                                .unwrap()
                                .to_string(),
                        );
                    }
                    if page["has_more"] != true {
                        break;
                    }
                    after = format!("&after={}", page["last_id"].as_str().unwrap());
                }
                let expected: Vec<String> = (0..50)
                    .flat_map(|i| {
                        let t = format!("worker {w} message {i}");
                        [t.clone(), format!("You said: \"{t}\"")]
                    })
                    .collect();
                assert_eq!(texts, expected);
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
}

#[test]
fn the_binary_prints_its_url_and_serves() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_openai-local"))
        .args(["--port", "0", "--step-delay-ms", "1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_string();
    let addr: SocketAddr = url
        .strip_prefix("http://")
        .and_then(|u| u.strip_suffix("/v1"))
        .unwrap_or_else(|| panic!("unexpected first line {url:?}"))
        .parse()
        .unwrap();
    let answer = Http { addr }.ok("GET", "/v1/files", None);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(answer["object"], "list");

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_openai-local"))
        .arg("--port")
        .arg("x")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("usage: openai-local"));
}

#[test]
fn chunked_uploads_and_keep_alive() {
    let server = fast();
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let payload = "Chunked bodies arrive in pieces.".repeat(100);
    let body = format!(
        "--B\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n--B\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"c.txt\"\r\n\r\n{payload}\r\n--B--\r\n"
    );
    let mut chunked = String::new();
    for piece in body.as_bytes().chunks(700) {
        chunked.push_str(&format!(
            "{:x}\r\n{}\r\n",
            piece.len(),
            String::from_utf8_lossy(piece)
        ));
    }
    chunked.push_str("0\r\n\r\n");
    // Two requests on one connection: the upload, then its download.
    write!(
        s,
        "POST /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nContent-Type: multipart/form-data; boundary=B\r\n\
         Transfer-Encoding: chunked\r\n\r\n{chunked}"
    )
    .unwrap();
    let first = read_one(&mut s);
    let file: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(file["bytes"].as_u64(), Some(payload.len() as u64));
    write!(
        s,
        "GET /v1/files/{}/content HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nConnection: close\r\n\r\n",
        id(&file)
    )
    .unwrap();
    assert_eq!(read_one(&mut s), payload.as_bytes());
}

/// Reads one response with a Content-Length from a kept-alive connection; returns its body.
fn read_one(s: &mut TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    if !head.starts_with("HTTP/1.1 200") {
        let mut rest = vec![0; 300];
        let n = s.read(&mut rest).unwrap_or(0);
        panic!("{head}{}", String::from_utf8_lossy(&rest[..n]));
    }
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("a Content-Length");
    let mut body = vec![0; len];
    s.read_exact(&mut body).unwrap();
    body
}

#[test]
fn servers_stop_when_dropped() {
    let start = Instant::now();
    for _ in 0..30 {
        let server = LocalServer::builder().workers(4).start().unwrap();
        let addr = server.addr();
        assert_eq!(Http { addr }.ok("GET", "/v1/files", None)["object"], "list");
        drop(server);
        // The port closes once the server is gone (its accept thread ends just after).
        let gone = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
            assert!(
                gone.elapsed() < Duration::from_secs(2),
                "{addr} still accepts connections"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    assert!(start.elapsed() < Duration::from_secs(10));
}
