//! Streams against the local engine: a run with a tool call round trip, a streamed chat
//! completion with tool calls, and the accumulated objects equal what the API stores and what
//! a call without streaming returns.

use crate::support::*;

#[test]
fn a_streamed_run_with_a_tool_call_round_trip() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let assistant = client.create_assistant(&AssistantCreateRequest {
        tools: Some(vec![weather_tool()]),
        ..AssistantCreateRequest::new("gpt-4o-mini")
    })?;
    let thread = client.create_thread(&ThreadCreateRequest::default())?;
    client.create_thread_message(
        &thread.id,
        &ThreadMessageCreateRequest::user("Use get_weather city=Paris unit=celsius"),
    )?;

    let mut stream = client.create_run_stream(&thread.id, &RunCreateRequest::new(&assistant.id))?;
    let run = stream.until_done()?.clone();
    assert_eq!(run.status, RunResponseStatus::RequiresAction);
    let [call] = stream.required_tool_calls() else {
        panic!("one call: {:?}", stream.required_tool_calls());
    };
    assert_eq!(call.function.name, "get_weather");
    let args: Value = serde_json::from_str(&call.function.arguments)?;
    assert_eq!(args, json!({"city": "Paris", "unit": "celsius"}));
    assert_eq!(
        run,
        client.get_run(&thread.id, &run.id)?,
        "what was streamed is stored"
    );

    let outputs = SubmitToolOutputsRequest::new([(call.id.as_str(), "18°C and sunny")]);
    let mut rest = client.submit_tool_outputs_stream(&thread.id, &run.id, &outputs)?;
    let mut text = String::new();
    for delta in rest.text_deltas() {
        text.push_str(&delta?);
    }
    let done = rest.until_done()?.clone();
    assert_eq!(done.status, RunResponseStatus::Completed);
    assert_eq!(text, "get_weather returned: 18°C and sunny");

    // The accumulated objects are what the API stores.
    assert_eq!(done, client.get_run(&thread.id, &run.id)?);
    let [message] = rest.messages() else {
        panic!("one message: {:?}", rest.messages());
    };
    assert_eq!(
        message,
        &client.get_thread_message(&thread.id, &message.id)?
    );
    assert_eq!(message.text(), text);
    for step in rest.run_steps() {
        assert_eq!(step, &client.get_run_step(&thread.id, &run.id, &step.id)?);
    }
    assert!(!rest.run_steps().is_empty());
    Ok(())
}

#[test]
fn a_streamed_answer_equals_the_polled_one() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let assistant = client.create_assistant(&AssistantCreateRequest::new("gpt-4o-mini"))?;
    let ask = |question: &str| -> Result<String, Error> {
        let thread = client.create_thread(&ThreadCreateRequest::default())?;
        client.create_thread_message(&thread.id, &ThreadMessageCreateRequest::user(question))?;
        Ok(thread.id)
    };
    let question = "Which day is the market open? The market opens on Saturday mornings.";
    let polled_thread = ask(question)?;
    let polled = client
        .run_and_get_assistant_response(&polled_thread, &RunCreateRequest::new(&assistant.id))?;
    let streamed_thread = ask(question)?;
    let mut pieces = Vec::new();
    let streamed = client.run_and_get_assistant_response_streaming(
        &streamed_thread,
        &RunCreateRequest::new(&assistant.id),
        |text| pieces.push(text.to_owned()),
    )?;
    assert_eq!(streamed, polled);
    assert!(pieces.len() > 3, "word by word: {pieces:?}");
    assert_eq!(pieces.concat(), streamed);
    Ok(())
}

#[test]
fn a_streamed_chat_completion_with_tool_calls_equals_the_whole_one() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let tool = ChatCompletionToolUnion::Function {
        function: FunctionObject {
            name: "get_weather".into(),
            description: Some("The current weather".into()),
            parameters: None,
            strict: None,
        },
    };
    for content in [
        "Use get_weather city=Paris and get_weather city=Oslo",
        "Tell me a story about a lighthouse keeper.",
    ] {
        let request = CompletionCreateRequest {
            tools: Some(vec![tool.clone()]),
            stream_options: Some(ChatCompletionStreamOptions {
                include_usage: Some(true),
                include_obfuscation: None,
            }),
            ..CompletionCreateRequest::new(
                "gpt-4o-mini",
                vec![ChatCompletionRequestMessage::user(content)],
            )
        };
        let whole = client.create_completion(&CompletionCreateRequest {
            stream_options: None,
            ..request.clone()
        })?;
        let mut stream = client.create_completion_stream(&request)?;
        let assembled = stream.until_done()?;
        assert!(stream.events_received() > 2);
        // Ids, times and fingerprints differ between two calls; the answer does not.
        let answer = |c: &CompletionResponse| {
            let choice = &c.choices[0];
            let calls: Vec<(String, String)> = choice
                .message
                .tool_calls
                .iter()
                .flat_map(|calls| calls.0.iter())
                .map(|call| match call {
                    ChatCompletionMessageToolCallUnion::Function { function, .. } => {
                        (function.name.clone(), function.arguments.clone())
                    }
                    other => panic!("{other:?}"),
                })
                .collect();
            (
                choice.message.content.clone(),
                calls,
                choice.finish_reason.clone(),
                c.usage.as_ref().map(|u| u.total_tokens),
            )
        };
        assert_eq!(answer(&assembled), answer(&whole), "{content}");
    }
    Ok(())
}
