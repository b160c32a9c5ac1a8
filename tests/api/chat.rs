//! `/chat/completions`: a rich request and its decoded reply; streaming is refused locally.

use httpmock::MockServer;
use openai_blocking::*;
use serde_json::json;

use crate::support::*;

fn weather_tool() -> ChatCompletionToolUnion {
    ChatCompletionToolUnion::Function {
        function: FunctionObject {
            name: "get_weather".into(),
            description: Some("Current weather for a city".into()),
            parameters: Some(FunctionParameters(object(json!({
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
                "additionalProperties": false
            })))),
            strict: Some(true),
        },
    }
}

fn rich_request() -> CompletionCreateRequest {
    let user = ChatCompletionRequestMessage::User {
        content: ChatCompletionRequestUserMessageContent::Array(vec![
            ChatCompletionRequestUserMessageContentPart::Text {
                text: "What should I wear here today?".into(),
                prompt_cache_breakpoint: None,
            },
            ChatCompletionRequestUserMessageContentPart::ImageUrl {
                image_url: ChatCompletionRequestMessageContentPartImageImageUrl {
                    url: "https://example.com/street.jpg".into(),
                    detail: Some(ChatCompletionRequestMessageContentPartImageImageUrlDetail::Low),
                },
                prompt_cache_breakpoint: None,
            },
        ]),
        name: Some("ola".into()),
    };
    let assistant_call = ChatCompletionRequestMessage::Assistant {
        content: None,
        tool_calls: Some(ChatCompletionMessageToolCalls(vec![
            ChatCompletionMessageToolCallUnion::Function {
                id: "call_1".into(),
                function: ChatCompletionMessageToolCallFunction {
                    name: "get_weather".into(),
                    arguments: r#"{"city":"Oslo"}"#.into(),
                },
            },
        ])),
        audio: None,
        function_call: None,
        name: None,
        refusal: None,
    };
    let tool_result = ChatCompletionRequestMessage::Tool {
        tool_call_id: "call_1".into(),
        content: ChatCompletionRequestToolMessageContent::String(
            r#"{"temp_c":4,"sky":"rain"}"#.into(),
        ),
    };
    CompletionCreateRequest {
        tools: vec![weather_tool()],
        tool_choice: Some(ChatCompletionToolChoiceOption::String(
            ChatCompletionToolChoiceOptionString::Auto,
        )),
        parallel_tool_calls: Some(ParallelToolCalls(false)),
        response_format: Some(ResponseFormat::JsonSchema(
            ResponseFormatJsonSchemaJsonSchema {
                name: "outfit".into(),
                description: Some("What to wear".into()),
                schema: Some(ResponseFormatJsonSchemaSchema(object(json!({
                    "type": "object",
                    "properties": {"items": {"type": "array", "items": {"type": "string"}}},
                    "required": ["items"],
                    "additionalProperties": false
                })))),
                strict: Some(true),
            },
        )),
        temperature: Some(0.7),
        top_p: Some(0.9),
        max_completion_tokens: Some(300),
        n: Some(1),
        seed: Some(42),
        stop: Some(StopConfiguration::Variant1(vec!["END".into()])),
        logprobs: Some(true),
        top_logprobs: Some(2),
        frequency_penalty: Some(0.5),
        presence_penalty: Some(-0.5),
        store: Some(false),
        metadata: Some(metadata(&[("feature", "outfit")])),
        safety_identifier: Some("user-hash-1".into()),
        service_tier: Some(ServiceTier::Default),
        stream: Some(false),
        ..CompletionCreateRequest::new(
            "gpt-4o",
            vec![
                ChatCompletionRequestMessage::developer("Answer in JSON."),
                ChatCompletionRequestMessage::system("You are a stylist."),
                user,
                assistant_call,
                tool_result,
                ChatCompletionRequestMessage::assistant("It rains in Oslo."),
            ],
        )
    }
}

#[test]
fn create_completion_sends_the_whole_request() {
    let server = MockServer::start();
    let mock = Route::post(
        "/chat/completions",
        json!({
            "model": "gpt-4o",
            "messages": [
                {"role": "developer", "content": "Answer in JSON."},
                {"role": "system", "content": "You are a stylist."},
                {"role": "user", "name": "ola", "content": [
                    {"type": "text", "text": "What should I wear here today?"},
                    {"type": "image_url", "image_url": {"url": "https://example.com/street.jpg", "detail": "low"}}
                ]},
                {"role": "assistant", "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}}
                ]},
                {"role": "tool", "tool_call_id": "call_1", "content": "{\"temp_c\":4,\"sky\":\"rain\"}"},
                {"role": "assistant", "content": "It rains in Oslo."}
            ],
            "tools": [{"type": "function", "function": {
                "name": "get_weather",
                "description": "Current weather for a city",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                    "additionalProperties": false
                },
                "strict": true
            }}],
            "tool_choice": "auto",
            "parallel_tool_calls": false,
            "response_format": {"type": "json_schema", "json_schema": {
                "name": "outfit",
                "description": "What to wear",
                "schema": {
                    "type": "object",
                    "properties": {"items": {"type": "array", "items": {"type": "string"}}},
                    "required": ["items"],
                    "additionalProperties": false
                },
                "strict": true
            }},
            "temperature": 0.7,
            "top_p": 0.9,
            "max_completion_tokens": 300,
            "n": 1,
            "seed": 42,
            "stop": ["END"],
            "logprobs": true,
            "top_logprobs": 2,
            "frequency_penalty": 0.5,
            "presence_penalty": -0.5,
            "store": false,
            "metadata": {"feature": "outfit"},
            "safety_identifier": "user-hash-1",
            "service_tier": "default",
            "stream": false
        }),
    )
    .mock(&server, fixture("chat_completion.json"));
    let request = rich_request();
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
