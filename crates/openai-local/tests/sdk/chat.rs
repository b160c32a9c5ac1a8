//! Chat completions: answers, summaries, function calls and image descriptions.

use crate::support::*;

fn user_parts(
    parts: Vec<ChatCompletionRequestUserMessageContentPart>,
) -> ChatCompletionRequestMessage {
    ChatCompletionRequestMessage::User {
        content: ChatCompletionRequestUserMessageContent::Array(parts),
        name: None,
    }
}

fn image_part(url: String) -> ChatCompletionRequestUserMessageContentPart {
    ChatCompletionRequestUserMessageContentPart::ImageUrl {
        image_url: ChatCompletionRequestMessageContentPartImageImageUrl { detail: None, url },
        prompt_cache_breakpoint: None,
    }
}

fn text_part_of(text: &str) -> ChatCompletionRequestUserMessageContentPart {
    ChatCompletionRequestUserMessageContentPart::Text {
        text: text.into(),
        prompt_cache_breakpoint: None,
    }
}

#[test]
fn chat_completions_answer_summarise_call_and_describe_images() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);

    let reply = client.create_completion(&CompletionCreateRequest::new(
        "gpt-4o-mini",
        vec![
            ChatCompletionRequestMessage::system("You are terse."),
            ChatCompletionRequestMessage::user("ping"),
        ],
    ))?;
    assert_eq!(reply.text(), Some("You said: \"ping\""));
    assert_eq!(reply.model, "gpt-4o-mini");
    assert_eq!(
        reply.choices[0].finish_reason,
        CompletionResponseChoicesItemFinishReason::Stop
    );
    let usage = reply.usage.as_ref().expect("usage");
    assert!(
        usage.prompt_tokens > 0
            && usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    );

    let text = "Summarise this text. The harbour town depends on fishing and on summer tourism. \
        Fishing boats leave the harbour before dawn and return at noon. \
        In summer the harbour fills with sailing boats and tourists. \
        A storm in March damaged several fishing boats in the harbour. \
        The town council voted to build a new breakwater to protect the harbour.";
    let reply = client.create_completion(&CompletionCreateRequest::new(
        "m",
        vec![ChatCompletionRequestMessage::user(text)],
    ))?;
    let summary = reply.text().expect("a summary");
    assert!(
        !summary.contains("Summarise") && summary.contains("harbour"),
        "{summary}"
    );
    assert!(summary.len() < text.len());

    // A function named in the message is called; its output then answers.
    let tools = vec![ChatCompletionToolUnion::Function {
        function: FunctionObject {
            name: "lookup_order".into(),
            description: None,
            parameters: Some(FunctionParameters::from(
                json!({"type": "object", "properties": {"order": {"type": "string"}}})
                    .as_object()
                    .expect("an object")
                    .clone(),
            )),
            strict: None,
        },
    }];
    let ask = ChatCompletionRequestMessage::user("Where is my parcel? lookup_order order=1234");
    let reply = client.create_completion(&CompletionCreateRequest {
        tools: Some(tools.clone()),
        ..CompletionCreateRequest::new("m", vec![ask.clone()])
    })?;
    assert_eq!(
        reply.choices[0].finish_reason,
        CompletionResponseChoicesItemFinishReason::ToolCalls
    );
    let calls = reply.choices[0]
        .message
        .tool_calls
        .clone()
        .expect("tool calls");
    let ChatCompletionMessageToolCallUnion::Function { function, id } = &calls[0] else {
        panic!("expected a function call: {calls:?}");
    };
    assert_eq!(
        (function.name.as_str(), function.arguments.as_str()),
        ("lookup_order", r#"{"order":"1234"}"#)
    );
    let reply = client.create_completion(&CompletionCreateRequest {
        tools: Some(tools),
        ..CompletionCreateRequest::new(
            "m",
            vec![
                ask,
                ChatCompletionRequestMessage::Assistant {
                    audio: None,
                    content: None,
                    function_call: None,
                    name: None,
                    refusal: None,
                    tool_calls: Some(calls.clone()),
                },
                ChatCompletionRequestMessage::Tool {
                    content: ChatCompletionRequestToolMessageContent::String(
                        "shipped yesterday".into(),
                    ),
                    tool_call_id: id.clone(),
                },
            ],
        )
    })?;
    assert_eq!(
        reply.text(),
        Some("lookup_order returned: shipped yesterday")
    );

    // An image described from its pixels: format, size, dominant colours.
    let png = two_colour_png(40, 20, 30, [230, 10, 10], [255, 255, 255]);
    let url = format!("data:image/png;base64,{}", base64(&png));
    let reply = client.create_completion(&CompletionCreateRequest::new(
        "m",
        vec![user_parts(vec![
            text_part_of("What is in this picture?"),
            image_part(url.clone()),
        ])],
    ))?;
    assert_eq!(
        reply.text(),
        Some("The image is a 40×20 PNG (landscape). Its dominant colour is red (75%), followed by white (25%).")
    );
    let blue = two_colour_png(6, 9, 6, [0, 0, 230], [0, 0, 0]);
    let reply = client.create_completion(&CompletionCreateRequest::new(
        "m",
        vec![user_parts(vec![image_part(format!(
            "data:image/png;base64,{}",
            base64(&blue)
        ))])],
    ))?;
    assert_eq!(
        reply.text(),
        Some("The image is a 6×9 PNG (portrait). It is almost entirely blue (100%).")
    );
    let reply = client.create_completion(&CompletionCreateRequest::new(
        "m",
        vec![user_parts(vec![image_part(
            "https://example.com/cat.png".into(),
        )])],
    ))?;
    assert!(
        reply
            .text()
            .is_some_and(|t| t.contains("never uses the network")),
        "{reply:?}"
    );

    // The same image in a thread: a run describes it, from a data URL or an uploaded file.
    let assistant = client.create_assistant(&AssistantCreateRequest::new("gpt-4o-mini"))?;
    let image_file = client.upload_file("vision", "flag.png", png.clone())?;
    for part in [
        MessageRequestContentPart::ImageUrl {
            image_url: MessageContentImageUrlObjectImageUrl { detail: None, url },
        },
        MessageRequestContentPart::ImageFile {
            image_file: MessageContentImageFileObjectImageFile {
                detail: None,
                file_id: image_file.id.clone(),
            },
        },
    ] {
        let thread = client.create_thread(&ThreadCreateRequest::default())?;
        let message = ThreadMessageCreateRequest {
            content: ThreadMessageCreateRequestContent::Array(vec![
                MessageRequestContentPart::Text {
                    text: "Describe this.".into(),
                },
                part,
            ]),
            ..ThreadMessageCreateRequest::user("")
        };
        client.create_thread_message(&thread.id, &message)?;
        let answer = client
            .run_and_get_assistant_response(&thread.id, &RunCreateRequest::new(&assistant.id))?;
        assert_eq!(
            answer,
            "The image is a 40×20 PNG (landscape). Its dominant colour is red (75%), followed by white (25%)."
        );
    }
    Ok(())
}
