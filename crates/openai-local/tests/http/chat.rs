//! Chat completions: echo, summaries, images and function calls.

use crate::support::*;

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
    let content: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(content, "You said: \"hi\"");
    assert_eq!(chunks[0]["object"], "chat.completion.chunk");
}
