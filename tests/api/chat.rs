//! `/chat/completions`: a rich request and its decoded reply; streaming is refused locally.

use httpmock::MockServer;
use openai_blocking::types::*;
use serde_json::json;

use crate::requests::{
    chat_completion, chat_completion_allowed_tools, chat_completion_custom_tool,
};
use crate::support::*;

#[test]
fn create_completion_sends_the_whole_request() {
    let server = MockServer::start();
    let sent = chat_completion();
    let mock =
        Route::post("/chat/completions", sent.json).mock(&server, fixture("chat_completion.json"));
    let request = sent.request;
    let client = client(&server);
    let reply = ok(&mock, client.create_completion(&request));
    assert_eq!(reply.id, "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG");
    assert_eq!(reply.object, CompletionResponseObject::ChatCompletion);
    assert_eq!(reply.model, "gpt-4o-2024-08-06");
    assert_eq!(reply.service_tier, Some(ServiceTier::Default));
    let choice = &reply.choices[0];
    assert_eq!(
        choice.finish_reason,
        CompletionResponseChoicesItemFinishReason::ToolCalls
    );
    assert_eq!(
        choice.message.role,
        ChatCompletionResponseMessageRole::Assistant
    );
    assert_eq!(reply.text(), None);
    let calls = &choice.message.tool_calls.as_ref().unwrap().0;
    assert!(matches!(
        &calls[0],
        ChatCompletionMessageToolCallUnion::Function { id, function }
            if id == "call_1" && function.name == "get_weather" && function.arguments == r#"{"city":"Oslo"}"#
    ));
    let usage = reply.usage.as_ref().unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (82, 17, 99)
    );
    assert_eq!(
        usage.prompt_tokens_details.as_ref().unwrap().cached_tokens,
        Some(0)
    );
    same_as_plain(
        ok(&mock, client.create_completion_with_response(&request)),
        &reply,
    );
    mock.assert_calls(2);
}

#[test]
fn create_completion_with_allowed_tools_and_other_shapes() {
    let server = MockServer::start();
    let sent = chat_completion_allowed_tools();
    let mock =
        Route::post("/chat/completions", sent.json).mock(&server, fixture("chat_completion.json"));
    let reply = ok(&mock, client(&server).create_completion(&sent.request));
    assert_eq!(reply.id, "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG");
    mock.assert();
}

#[test]
fn create_completion_with_a_custom_tool_choice() {
    let server = MockServer::start();
    let sent = chat_completion_custom_tool();
    let mock =
        Route::post("/chat/completions", sent.json).mock(&server, fixture("chat_completion.json"));
    let reply = ok(&mock, client(&server).create_completion(&sent.request));
    assert_eq!(reply.id, "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG");
    mock.assert();
}

#[test]
fn create_completion_minimal_text_reply() {
    let server = MockServer::start();
    let mut reply = fixture("chat_completion.json");
    reply["choices"][0]["message"] =
        json!({"role": "assistant", "content": "Hello!", "refusal": null, "annotations": []});
    reply["choices"][0]["finish_reason"] = json!("stop");
    let mock = Route::post(
        "/chat/completions",
        json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}),
    )
    .mock(&server, reply);
    let request = CompletionCreateRequest::new(
        "gpt-4o-mini",
        vec![ChatCompletionRequestMessage::user("Hi")],
    );
    let reply = ok(&mock, client(&server).create_completion(&request));
    assert_eq!(reply.text(), Some("Hello!"));
    assert_eq!(
        reply.choices[0].finish_reason,
        CompletionResponseChoicesItemFinishReason::Stop
    );
    mock.assert();
}

#[test]
fn streaming_requests_are_refused_before_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let request = CompletionCreateRequest {
        stream: Some(true),
        ..CompletionCreateRequest::new("gpt-4o", vec![ChatCompletionRequestMessage::user("Hi")])
    };
    let client = client(&server);
    invalid_argument("stream", client.create_completion(&request));
    invalid_argument("stream", client.create_completion_with_response(&request));
    any.assert_calls(0);
}
