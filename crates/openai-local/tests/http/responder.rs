//! A custom responder: its answers, its errors and its panics.

use crate::support::*;

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
