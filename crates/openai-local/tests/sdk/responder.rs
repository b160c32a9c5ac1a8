//! A custom Responder scripts the model; the engine does everything around it.

use crate::support::*;

/// What a scripted responder saw of one request.
#[derive(Clone, Debug, PartialEq)]
struct Seen {
    model: String,
    instructions: String,
    conversation: Vec<(ModelRole, String)>,
    functions: Vec<String>,
    outputs: Vec<(String, String)>,
    searchable: Vec<String>,
}

/// A responder scripted by the last user message; it records every request it gets.
fn scripted(calls: Arc<std::sync::Mutex<Vec<Seen>>>) -> impl Responder {
    move |request: &ModelRequest| -> Result<ModelReply, String> {
        let files = request.file_search.as_ref();
        calls.lock().unwrap().push(Seen {
            model: request.model.clone(),
            instructions: request.instructions.clone(),
            conversation: request
                .messages
                .iter()
                .map(|m| (m.role, m.text.clone()))
                .collect(),
            functions: request.functions.iter().map(|f| f.name.clone()).collect(),
            outputs: request
                .tool_outputs
                .iter()
                .map(|o| (o.name.clone(), o.output.clone()))
                .collect(),
            searchable: files
                .map(|s| {
                    s.documents()
                        .iter()
                        .map(|d| d.filename.to_string())
                        .collect()
                })
                .unwrap_or_default(),
        });
        if !request.tool_outputs.is_empty() {
            let total: i64 = request
                .tool_outputs
                .iter()
                .map(|o| o.output.parse::<i64>().unwrap_or(0))
                .sum();
            return Ok(ModelReply::text(format!("The total is {total}.")));
        }
        let last = request.last_user_text().unwrap_or_default();
        match last {
            "add" => Ok(ModelReply::tool_calls([
                ModelToolCall::new("price", r#"{"item":"tent"}"#),
                ModelToolCall::new("price", r#"{"item":"stove"}"#),
            ])),
            "undeclared" => Ok(ModelReply::tool_calls([ModelToolCall::new(
                "launch_rocket",
                "{}",
            )])),
            "fail" => Err("the scripted model refuses".into()),
            "panic" => panic!("scripted panic"),
            "cite" => {
                let best = files.and_then(|s| s.search("tents warranty").into_iter().next());
                let best = best.ok_or("nothing to cite")?;
                let text = format!("See {} 【0†source】 for details.", best.filename);
                let start = text.chars().position(|c| c == '【').expect("a marker");
                let citation = ModelCitation::new(start, start + 10, &best.file_id);
                Ok(ModelAnswer::new(text).with_citation(citation).into())
            }
            other => Ok(ModelReply::text(format!(
                "{} message(s); you wrote {}",
                request.messages.len(),
                other.to_uppercase()
            ))),
        }
    }
}

#[test]
fn a_custom_responder_changes_the_answers() -> TestResult {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let server = LocalServer::builder()
        .step_delay(ms(2))
        .responder(scripted(seen.clone()))
        .start()?;
    let mut client = client_of(&server);
    let price = function_tool(
        "price",
        "The price of an item",
        json!({"type": "object", "properties": {"item": {"type": "string"}}}),
    );
    let assistant = client.create_assistant(&AssistantCreateRequest {
        instructions: Some("Sell tents.".into()),
        tools: Some(vec![price]),
        ..AssistantCreateRequest::new("scripted-1")
    })?;
    let thread = client.create_thread(&ThreadCreateRequest::default())?;
    let say = |text: &str| {
        client.create_thread_message(&thread.id, &ThreadMessageCreateRequest::user(text))
    };

    say("hello")?;
    let run = RunCreateRequest::new(&assistant.id);
    assert_eq!(
        client.run_and_get_assistant_response(&thread.id, &run)?,
        "1 message(s); you wrote HELLO"
    );
    say("again")?;
    assert_eq!(
        client.run_and_get_assistant_response(&thread.id, &run)?,
        "3 message(s); you wrote AGAIN"
    );
    let last = seen.lock().unwrap().last().cloned().expect("a request");
    assert_eq!(
        last,
        Seen {
            model: "scripted-1".into(),
            instructions: "Sell tents.".into(),
            conversation: vec![
                (ModelRole::User, "hello".into()),
                (ModelRole::Assistant, "1 message(s); you wrote HELLO".into()),
                (ModelRole::User, "again".into()),
            ],
            functions: vec!["price".into()],
            outputs: vec![],
            searchable: vec![],
        }
    );

    // Its tool calls drive the requires_action loop; its answer uses the outputs.
    say("add")?;
    let waiting = client.create_run_and_wait(&thread.id, &run)?;
    assert_eq!(waiting.status, RunResponseStatus::RequiresAction);
    let calls = waiting
        .required_action
        .expect("an action")
        .submit_tool_outputs
        .tool_calls;
    let args: Vec<&str> = calls
        .iter()
        .map(|c| c.function.arguments.as_str())
        .collect();
    assert_eq!(args, [r#"{"item":"tent"}"#, r#"{"item":"stove"}"#]);
    let outputs = SubmitToolOutputsRequest::new([
        (calls[0].id.as_str(), "120"),
        (calls[1].id.as_str(), "35"),
    ]);
    let done = client.submit_tool_outputs_and_wait(&thread.id, &waiting.id, &outputs)?;
    assert_eq!(done.status, RunResponseStatus::Completed);
    assert_eq!(
        client
            .wait_for_assistant_message(&thread.id, Some(&done.id))?
            .text(),
        "The total is 155."
    );
    let last = seen.lock().unwrap().last().cloned().expect("a request");
    assert_eq!(
        last.outputs,
        [
            ("price".to_string(), "120".to_string()),
            ("price".to_string(), "35".to_string())
        ]
    );

    // Failures: an error, a panic, or a call of an undeclared function fail the run.
    for (text, why) in [
        ("fail", "the scripted model refuses"),
        ("panic", "scripted panic"),
        ("undeclared", "launch_rocket"),
    ] {
        say(text)?;
        match client.run_and_get_assistant_response(&thread.id, &run) {
            Err(Error::RunNotCompleted(run)) => {
                assert_eq!(run.status, RunResponseStatus::Failed);
                let error = run.last_error.expect("a last error");
                assert_eq!(error.code, RunResponseLastErrorCode::ServerError);
                assert!(error.message.contains(why), "{text}: {}", error.message);
                assert!(run.failed_at.is_some());
            }
            other => panic!("{text}: expected a failed run, got {other:?}"),
        }
    }
    // The failed runs left nothing half made: no steps, no answers, no run still active; the
    // thread takes the next message and the next run answers it (the conversation is the
    // questions and the answers of the runs that completed, and the new question).
    let runs = client.get_runs(&thread.id, None)?;
    let failed: Vec<&RunResponse> = runs.data[..3].iter().collect();
    for run in &failed {
        assert_eq!(run.status, RunResponseStatus::Failed);
        assert!(run.required_action.is_none() && run.expires_at.is_none());
        let steps = client.get_run_steps(&thread.id, &run.id, None)?;
        assert!(steps.data.is_empty(), "{:?}", steps.data);
        let written = client.get_thread_messages(
            &thread.id,
            Some(&ThreadMessageListQueryParameters {
                run_id: Some(run.id.clone()),
                ..Default::default()
            }),
        )?;
        assert!(
            written.data.is_empty(),
            "a failed run wrote {:?}",
            written.data
        );
    }
    say("after the panic")?;
    assert_eq!(
        client.run_and_get_assistant_response(&thread.id, &run)?,
        "10 message(s); you wrote AFTER THE PANIC"
    );

    // Its citations become file_citation annotations over the run's files.
    let warranty = client.upload_file("assistants", "warranty.md", POLICY.as_bytes())?;
    let store = client.create_vector_store_and_wait_to_complete(&VectorStoreCreateRequest::new(
        "w",
        vec![warranty.id.clone()],
    ))?;
    let cite = RunCreateRequest {
        tools: Some(vec![AssistantTool::file_search()]),
        ..RunCreateRequest::new(&assistant.id)
    };
    let thread = client.create_thread(&ThreadCreateRequest {
        messages: Some(vec![ThreadMessageCreateRequest::user("cite")]),
        tool_resources: Some(ThreadCreateRequestToolResources {
            file_search: Some(ThreadCreateRequestToolResourcesFileSearch::Variant0 {
                vector_store_ids: vec![store.id.clone()],
            }),
            ..Default::default()
        }),
        ..Default::default()
    })?;
    let run = client.create_run_and_wait(&thread.id, &cite)?;
    assert_eq!(
        run.status,
        RunResponseStatus::Completed,
        "{:?}",
        run.last_error
    );
    let answer = client.wait_for_assistant_message(&thread.id, Some(&run.id))?;
    let text = text_part(&answer);
    assert_eq!(text.value, "See warranty.md 【0†source】 for details.");
    let [TextAnnotation::FileCitation {
        file_citation,
        text: marker,
        start_index,
        end_index,
    }] = text.annotations.as_slice()
    else {
        panic!("expected one citation: {:?}", text.annotations);
    };
    assert_eq!(
        (file_citation.file_id.as_str(), marker.as_str()),
        (warranty.id.as_str(), "【0†source】")
    );
    assert_eq!((*start_index, *end_index), (16, 26));
    assert_eq!(
        seen.lock().unwrap().last().map(|s| s.searchable.clone()),
        Some(vec!["warranty.md".to_string()])
    );
    let steps = client.get_run_steps(
        &thread.id,
        &run.id,
        Some(&RunStepListQueryParameters {
            order: Some(ListOrder::Asc),
            ..Default::default()
        }),
    )?;
    assert_eq!(
        steps.data[0].type_,
        RunStepResponseType::ToolCalls,
        "its search is a step"
    );

    // Chat completions go through it too; its errors are 500s, which the SDK retries.
    let reply = client.create_completion(&CompletionCreateRequest::new(
        "chat-model",
        vec![ChatCompletionRequestMessage::user("hi")],
    ))?;
    assert_eq!(reply.text(), Some("1 message(s); you wrote HI"));
    let before = seen.lock().unwrap().len();
    client.set_backoff_delay(ms(1));
    let e = api_error(client.create_completion(&CompletionCreateRequest::new(
        "m",
        vec![ChatCompletionRequestMessage::user("fail")],
    )));
    assert_eq!((e.status, e.kind()), (500, ApiErrorKind::InternalServer));
    assert!(e.message().contains("the scripted model refuses"), "{e}");
    assert_eq!(
        seen.lock().unwrap().len() - before,
        3,
        "one try and two retries"
    );
    Ok(())
}

/// The same scripted model answers a run and a response alike: it sees the same request
/// (conversation, tools, searchable files, tool outputs) and its replies become function
/// calls and cited answers in both APIs.
#[test]
fn one_scripted_model_answers_runs_and_responses_alike() -> TestResult {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let server = LocalServer::builder()
        .step_delay(ms(2))
        .responder(scripted(seen.clone()))
        .start()?;
    let client = client_of(&server);
    let policy = client.upload_file("assistants", "warranty.md", POLICY.as_bytes())?;
    let store = client.create_vector_store_and_wait_to_complete(&VectorStoreCreateRequest::new(
        "w",
        vec![policy.id.clone()],
    ))?;
    let price_schema = json!({"type": "object", "properties": {"item": {"type": "string"}}});

    // A run: its tool calls, then its answer from the outputs.
    let assistant = client.create_assistant(&AssistantCreateRequest {
        instructions: Some("Sell tents.".into()),
        tools: Some(vec![
            function_tool("price", "The price of an item", price_schema.clone()),
            AssistantTool::file_search(),
        ]),
        tool_resources: Some(AssistantCreateRequestToolResources::file_search(vec![
            store.id.clone(),
        ])),
        ..AssistantCreateRequest::new("scripted-1")
    })?;
    let thread = client.create_thread(&ThreadCreateRequest {
        messages: Some(vec![ThreadMessageCreateRequest::user("add")]),
        ..Default::default()
    })?;
    let waiting = client.create_run_and_wait(&thread.id, &RunCreateRequest::new(&assistant.id))?;
    let calls = waiting
        .required_action
        .expect("an action")
        .submit_tool_outputs
        .tool_calls;
    let run_request = seen.lock().unwrap().last().cloned().expect("a request");
    let outputs = SubmitToolOutputsRequest::new([
        (calls[0].id.as_str(), "120"),
        (calls[1].id.as_str(), "35"),
    ]);
    client.submit_tool_outputs_and_wait(&thread.id, &waiting.id, &outputs)?;
    let run_answer = client.wait_for_assistant_message(&thread.id, None)?.text();

    // A response with the same tools and message.
    let tools = ToolsArray(vec![
        Tool::function("price", "The price of an item", price_schema),
        Tool::file_search([store.id.as_str()]),
    ]);
    let asked = client.create_response(&ResponseCreateRequest {
        instructions: Some("Sell tents.".into()),
        tools: Some(tools.clone()),
        ..ResponseCreateRequest::text("scripted-1", "add")
    })?;
    let response_request = seen.lock().unwrap().last().cloned().expect("a request");
    assert_eq!(
        response_request, run_request,
        "the model sees the same request"
    );
    let response_calls: Vec<(&str, &str)> = asked
        .function_calls()
        .iter()
        .map(|c| (c.name, c.arguments))
        .collect();
    let run_calls: Vec<(&str, &str)> = calls
        .iter()
        .map(|c| (c.function.name.as_str(), c.function.arguments.as_str()))
        .collect();
    assert_eq!(response_calls, run_calls);
    let answered = client.create_response(&ResponseCreateRequest {
        tools: Some(tools.clone()),
        previous_response_id: Some(asked.id.clone()),
        ..ResponseCreateRequest::new(
            "scripted-1",
            vec![
                InputItem::function_call_output(asked.function_calls()[0].call_id, "120"),
                InputItem::function_call_output(asked.function_calls()[1].call_id, "35"),
            ],
        )
    })?;
    assert_eq!(answered.output_text(), run_answer);
    assert_eq!(run_answer, "The total is 155.");

    // Its citation: a file_citation annotation in both, the marker kept in the run's text
    // and replaced by the annotation's place in the response's.
    let cited = client.create_response(&ResponseCreateRequest {
        tools: Some(tools),
        ..ResponseCreateRequest::text("scripted-1", "cite")
    })?;
    assert_eq!(cited.output_text(), "See warranty.md for details.");
    let [Annotation::FileCitation {
        file_id,
        filename,
        index,
    }] = cited.citations().as_slice()
    else {
        panic!("one citation: {:?}", cited.citations())
    };
    assert_eq!(
        (file_id.as_str(), filename.as_str(), *index),
        (policy.id.as_str(), "warranty.md", 15)
    );
    // A failing model fails the response, as it fails a run.
    let failed = client.create_response(&ResponseCreateRequest::text("scripted-1", "panic"))?;
    assert_eq!(failed.status, Some(ResponseObjectStatus::Failed));
    assert!(failed
        .error
        .expect("an error")
        .message
        .contains("scripted panic"));
    let undeclared =
        client.create_response(&ResponseCreateRequest::text("scripted-1", "undeclared"))?;
    assert_eq!(undeclared.status, Some(ResponseObjectStatus::Failed));
    Ok(())
}
