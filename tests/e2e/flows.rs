//! Whole flows through the SDK against the local engine: assistants, threads, messages, runs, steps, tool outputs and files.

use crate::support::*;

#[test]
fn assistant_thread_messages_run_and_steps() -> TestResult {
    const STEP: Duration = Duration::from_millis(30);
    let server = engine(STEP);
    let client = client_of(&server);

    // Assistants: create, get, modify, list a page, walk them all.
    let mut assistants = Vec::new();
    for i in 0..3 {
        assistants.push(client.create_assistant(&AssistantCreateRequest {
            name: Some(format!("helper {i}")),
            instructions: Some("Be brief.".into()),
            metadata: Some(metadata(&[("n", &i.to_string())])),
            ..AssistantCreateRequest::new("gpt-4o-mini")
        })?);
    }
    let ids: Vec<String> = assistants.iter().map(|a| a.id.clone()).collect();
    let assistant = &assistants[0];
    assert!(assistant.id.starts_with("asst_"));
    assert_eq!(client.get_assistant(&assistant.id)?, *assistant);
    let renamed = client.modify_assistant(
        &assistant.id,
        &AssistantModifyRequest {
            name: Patch::Set("renamed".into()),
            ..Default::default()
        },
    )?;
    assert_eq!(renamed.name.as_deref(), Some("renamed"));
    assert_eq!(renamed.instructions.as_deref(), Some("Be brief."));
    assert_eq!(renamed.model, "gpt-4o-mini");
    assert_eq!(client.get_assistant(&assistant.id)?, renamed);
    // Tools are replaced by a list, kept when left out, and cleared by an empty list.
    let tools = |tools| AssistantModifyRequest {
        tools,
        ..Default::default()
    };
    let with = client.modify_assistant(
        &assistant.id,
        &tools(Some(vec![AssistantTool::file_search()])),
    )?;
    assert_eq!(with.tools.len(), 1);
    let kept = client.modify_assistant(&assistant.id, &tools(None))?;
    assert_eq!(kept.tools.len(), 1);
    let cleared = client.modify_assistant(&assistant.id, &tools(Some(Vec::new())))?;
    assert!(cleared.tools.is_empty());
    let page = client.get_assistants(Some(&AssistantListQueryParameters {
        limit: Some(2),
        ..Default::default()
    }))?;
    let got: Vec<&str> = page.data.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(got, [ids[2].as_str(), ids[1].as_str()], "newest first");
    assert_eq!(
        (page.first_id.as_deref(), page.last_id.as_deref()),
        (Some(ids[2].as_str()), Some(ids[1].as_str()))
    );
    assert!(page.has_more);
    let walked: Vec<String> = client
        .iter_assistants(Some(AssistantListQueryParameters {
            limit: Some(1),
            order: Some(ListOrder::Asc),
            ..Default::default()
        }))
        .map(|a| a.map(|a| a.id))
        .collect::<Result<_, _>>()?;
    assert_eq!(walked, ids, "one per page, oldest first");

    // A thread with metadata and a first message; messages added, read and tagged.
    let thread = client.create_thread(&ThreadCreateRequest {
        messages: Some(vec![ThreadMessageCreateRequest::user("Hello engine")]),
        metadata: Some(metadata(&[("topic", "greeting")])),
        ..Default::default()
    })?;
    assert!(thread.id.starts_with("thread_"));
    assert_eq!(client.get_thread(&thread.id)?, thread);
    let tagged = client.modify_thread(
        &thread.id,
        &ThreadModifyRequest {
            metadata: Patch::Set(metadata(&[("topic", "tests")])),
            ..Default::default()
        },
    )?;
    assert_eq!(tagged.metadata, Some(metadata(&[("topic", "tests")])));
    let first = client.get_thread_messages(&thread.id, None)?;
    assert_eq!(first.data.len(), 1);
    assert_eq!(first.data[0].text(), "Hello engine");
    assert_eq!(first.data[0].role, ThreadMessageResponseRole::User);
    let note = client.create_thread_message(
        &thread.id,
        &ThreadMessageCreateRequest::user("A second message"),
    )?;
    assert_eq!(client.get_thread_message(&thread.id, &note.id)?, note);
    let note = client.modify_thread_message(
        &thread.id,
        &note.id,
        &ThreadMessageModifyRequest {
            metadata: Patch::Set(metadata(&[("seen", "yes")])),
        },
    )?;
    assert_eq!(note.metadata, Some(metadata(&[("seen", "yes")])));
    let gone = client.delete_thread_message(&thread.id, &note.id)?;
    assert!(gone.deleted);
    assert_eq!(gone.id, note.id);
    expect_error(client.get_thread_message(&thread.id, &note.id), 404);

    // A run, watched poll by poll: queued → in_progress → completed, two steps after it
    // was created.
    let mut polled = Vec::new();
    let before_create = Instant::now();
    let run = client
        .waiter()
        .on_poll(|p| polled.push((p.status.clone(), before_create.elapsed())))
        .create_run_and_wait(&thread.id, &RunCreateRequest::new(&assistant.id))?;
    assert_eq!(run.status, RunResponseStatus::Completed);
    let statuses: Vec<String> = polled.iter().map(|(s, _)| s.clone()).collect();
    let seen = transitions(&statuses);
    assert_eq!(seen.last().map(String::as_str), Some("completed"));
    assert!(
        in_order(&seen, &["queued", "in_progress", "completed"]),
        "{seen:?}"
    );
    for (status, at) in &polled {
        // Seen within two steps of the creation, the run cannot have completed yet.
        assert!(*at >= 2 * STEP || status != "completed", "{polled:?}");
    }
    assert_eq!(run.instructions.as_deref(), Some("Be brief."));
    assert!(run.started_at.is_some() && run.completed_at.is_some());
    assert!(run.usage.as_ref().is_some_and(|u| u.total_tokens > 0));
    assert_eq!(run.expires_at, None, "a finished run does not expire");

    let answer = client.wait_for_assistant_message(&thread.id, Some(&run.id))?;
    assert_eq!(answer.text(), "You said: \"Hello engine\"");
    assert_eq!(answer.role, ThreadMessageResponseRole::Assistant);
    assert_eq!(answer.run_id.as_deref(), Some(run.id.as_str()));
    assert_eq!(answer.assistant_id.as_deref(), Some(assistant.id.as_str()));
    assert_eq!(answer.status, Some(ThreadMessageResponseStatus::Completed));
    assert_eq!(
        client.wait_for_thread_message_to_complete(&thread.id, &answer.id)?,
        answer
    );

    // Its one step created that message.
    let steps = client.get_run_steps(&thread.id, &run.id, None)?;
    assert_eq!(steps.data.len(), 1);
    let step = &steps.data[0];
    assert_eq!(step.type_, RunStepResponseType::MessageCreation);
    assert_eq!(step.status, RunStepResponseStatus::Completed);
    assert_eq!(
        (step.run_id.as_str(), step.thread_id.as_str()),
        (run.id.as_str(), thread.id.as_str())
    );
    match &step.step_details {
        RunStepDetails::MessageCreation { message_creation } => {
            assert_eq!(message_creation.message_id, answer.id)
        }
        other => panic!("expected a message creation step, got {other:?}"),
    }
    assert_eq!(client.get_run_step(&thread.id, &run.id, &step.id)?, *step);
    let walked: Vec<RunStepResponse> = client
        .iter_run_steps(&thread.id, &run.id, None)
        .collect::<Result<_, _>>()?;
    assert_eq!(walked, steps.data);

    // The run among the thread's runs; its metadata changed.
    let tagged = client.modify_run(
        &thread.id,
        &run.id,
        &RunModifyRequest {
            metadata: Patch::Set(metadata(&[("checked", "true")])),
        },
    )?;
    assert_eq!(tagged.metadata, Some(metadata(&[("checked", "true")])));
    assert_eq!(client.get_run(&thread.id, &run.id)?, tagged);

    // A second turn: the whole exchange in one call.
    client.create_thread_message(&thread.id, &ThreadMessageCreateRequest::user("Again?"))?;
    let again =
        client.run_and_get_assistant_response(&thread.id, &RunCreateRequest::new(&ids[1]))?;
    assert_eq!(again, "You said: \"Again?\"");
    let runs: Vec<RunResponse> = client
        .iter_runs(
            &thread.id,
            Some(RunListQueryParameters {
                limit: Some(1),
                ..Default::default()
            }),
        )
        .collect::<Result<_, _>>()?;
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1].id, run.id, "newest first");
    assert_eq!(runs[0].assistant_id, ids[1]);
    assert!(runs
        .iter()
        .all(|r| r.status == RunResponseStatus::Completed));
    assert_eq!(client.get_runs(&thread.id, None)?.data, runs);
    let conversation: Vec<String> = client
        .iter_thread_messages(
            &thread.id,
            Some(ThreadMessageListQueryParameters {
                order: Some(ListOrder::Asc),
                ..Default::default()
            }),
        )
        .map(|m| m.map(|m| m.text()))
        .collect::<Result<_, _>>()?;
    assert_eq!(
        conversation,
        [
            "Hello engine",
            "You said: \"Hello engine\"",
            "Again?",
            "You said: \"Again?\""
        ]
    );

    // A thread and its run in one call.
    let run = client.create_thread_and_run_and_wait(&RunThreadCreateRequest {
        thread: Some(ThreadCreateRequest {
            messages: Some(vec![ThreadMessageCreateRequest::user("New thread")]),
            ..Default::default()
        }),
        ..RunThreadCreateRequest::new(&ids[2])
    })?;
    assert_eq!(run.status, RunResponseStatus::Completed);
    assert_ne!(run.thread_id, thread.id);
    assert_eq!(
        client
            .wait_for_assistant_message(&run.thread_id, None)?
            .text(),
        "You said: \"New thread\""
    );

    // Metadata of the answers: the engine's poll hint and request ids.
    let response = client.get_thread_with_response(&thread.id)?;
    assert_eq!(response.status, 200);
    assert_eq!(response.poll_after(), Some(STEP));
    assert!(response
        .request_id
        .as_deref()
        .is_some_and(|id| id.starts_with("req_")));

    // Deleting: thread and assistants, then they are gone.
    let deleted = client.delete_thread(&thread.id)?;
    assert_eq!(
        (deleted.object.as_str(), deleted.deleted),
        ("thread.deleted", true)
    );
    expect_error(client.get_thread(&thread.id), 404);
    for id in &ids {
        let deleted = client.delete_assistant(id)?;
        assert_eq!(
            (deleted.object.as_str(), deleted.id.as_str()),
            ("assistant.deleted", id.as_str())
        );
        expect_error(client.get_assistant(id), 404);
    }
    assert_eq!(client.iter_assistants(None).count(), 0);
    Ok(())
}

#[test]
fn requires_action_then_submit_tool_outputs_and_wait() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let time_tool = function_tool(
        "get_time",
        "The local time in a time zone",
        json!({"type": "object", "properties": {"zone": {"type": "string"}}}),
    );
    let assistant = client.create_assistant(&AssistantCreateRequest {
        tools: Some(vec![weather_tool(), time_tool]),
        ..AssistantCreateRequest::new("gpt-4o-mini")
    })?;
    let thread = client.create_thread(&ThreadCreateRequest::default())?;
    client.create_thread_message(
        &thread.id,
        &ThreadMessageCreateRequest::user(
            "What should I wear? Use get_weather city=Paris days=3 unit=celsius",
        ),
    )?;
    let run = client.create_run_and_wait(&thread.id, &RunCreateRequest::new(&assistant.id))?;
    assert_eq!(run.status, RunResponseStatus::RequiresAction);
    assert!(run.expires_at.is_some(), "a waiting run has a deadline");
    let action = run.required_action.as_ref().expect("a required action");
    assert_eq!(
        action.type_,
        RunResponseRequiredActionType::SubmitToolOutputs
    );
    let [call] = action.submit_tool_outputs.tool_calls.as_slice() else {
        panic!("expected one call: {action:?}");
    };
    assert_eq!(call.function.name, "get_weather");
    let args: Value = serde_json::from_str(&call.function.arguments)?;
    assert_eq!(args, json!({"city": "Paris", "days": 3, "unit": "celsius"}));

    // Wrong answers are refused, naming the field; the run keeps waiting.
    let wrong = SubmitToolOutputsRequest::new([("call_unknown", "18°C")]);
    let error = expect_error(client.submit_tool_outputs(&thread.id, &run.id, &wrong), 400);
    assert_eq!(error.param.as_deref(), Some("tool_outputs[0].tool_call_id"));
    assert_eq!(
        client.get_run(&thread.id, &run.id)?.status,
        RunResponseStatus::RequiresAction
    );
    // A new message or run on the thread is refused while it waits.
    expect_error(
        client.create_thread_message(&thread.id, &ThreadMessageCreateRequest::user("hurry")),
        400,
    );

    let outputs = SubmitToolOutputsRequest::new([(call.id.as_str(), "18°C and sunny")]);
    let done = client.submit_tool_outputs_and_wait(&thread.id, &run.id, &outputs)?;
    assert_eq!(done.status, RunResponseStatus::Completed);
    assert!(done.required_action.is_none());
    let answer = client.wait_for_assistant_message(&thread.id, Some(&run.id))?;
    assert_eq!(answer.text(), "get_weather returned: 18°C and sunny");

    // The steps: the function call with its output, then the message.
    let steps: Vec<RunStepResponse> = client
        .iter_run_steps(
            &thread.id,
            &run.id,
            Some(RunStepListQueryParameters {
                order: Some(ListOrder::Asc),
                ..Default::default()
            }),
        )
        .collect::<Result<_, _>>()?;
    assert_eq!(steps.len(), 2);
    let RunStepDetails::ToolCalls { tool_calls } = &steps[0].step_details else {
        panic!("expected tool calls");
    };
    let [RunStepToolCall::Function { function, id }] = tool_calls.as_slice() else {
        panic!("expected one function call: {tool_calls:?}");
    };
    assert_eq!((id, function.name.as_str()), (&call.id, "get_weather"));
    assert_eq!(function.arguments, call.function.arguments);
    assert_eq!(function.output.as_deref(), Some("18°C and sunny"));
    assert_eq!(steps[0].status, RunStepResponseStatus::Completed);
    assert_eq!(steps[1].type_, RunStepResponseType::MessageCreation);
    // Outputs for a finished run are refused.
    expect_error(
        client.submit_tool_outputs(&thread.id, &run.id, &outputs),
        400,
    );

    // Two functions named at once: two calls, each with its own arguments; all outputs are
    // needed, and the answer uses every one.
    client.create_thread_message(
        &thread.id,
        &ThreadMessageCreateRequest::user("get_time zone=CET then get_weather city=Oslo"),
    )?;
    let run = client.create_run_and_wait(&thread.id, &RunCreateRequest::new(&assistant.id))?;
    assert_eq!(run.status, RunResponseStatus::RequiresAction);
    let calls = &run
        .required_action
        .as_ref()
        .expect("an action")
        .submit_tool_outputs
        .tool_calls;
    let named: Vec<(&str, Value)> = calls
        .iter()
        .map(|c| {
            (
                c.function.name.as_str(),
                serde_json::from_str(&c.function.arguments).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            ("get_time", json!({"zone": "CET"})),
            ("get_weather", json!({"city": "Oslo"}))
        ]
    );
    let partial = SubmitToolOutputsRequest::new([(calls[0].id.as_str(), "14:00")]);
    let error = expect_error(
        client.submit_tool_outputs(&thread.id, &run.id, &partial),
        400,
    );
    assert_eq!(error.param.as_deref(), Some("tool_outputs"));
    let both = SubmitToolOutputsRequest::new([
        (calls[1].id.as_str(), "-2°C, snow"),
        (calls[0].id.as_str(), "14:00"),
    ]);
    let done = client.submit_tool_outputs_and_wait(&thread.id, &run.id, &both)?;
    assert_eq!(done.status, RunResponseStatus::Completed);
    let answer = client.wait_for_assistant_message(&thread.id, Some(&run.id))?;
    assert_eq!(
        answer.text(),
        "get_time returned: 14:00\nget_weather returned: -2°C, snow"
    );
    Ok(())
}

#[test]
fn files_upload_and_download_through_the_sdk() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    // Every byte value, more than one read buffer long, from memory, a path and a reader.
    let binary: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    let dir = std::env::temp_dir().join(format!("openai-blocking-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("blob.bin");
    std::fs::write(&path, &binary)?;
    let from_bytes = client.upload_file("assistants", "blob.bin", binary.clone())?;
    let from_path = client.upload_file_from_path("batch", &path)?;
    let from_reader = client.upload_file_from_reader(
        "vision",
        "reader.bin",
        std::io::Cursor::new(binary.clone()),
        None, // sent chunked
    )?;
    std::fs::remove_dir_all(&dir)?;
    for file in [&from_bytes, &from_path, &from_reader] {
        assert_eq!(file.bytes, binary.len() as i64, "{file:?}");
        assert!(file.id.starts_with("file-"));
        assert!(
            client.get_file_content(&file.id)? == binary,
            "{} differs",
            file.filename
        );
        let mut streamed = Vec::new();
        std::io::Read::read_to_end(
            &mut client.get_file_content_reader(&file.id)?,
            &mut streamed,
        )?;
        assert!(streamed == binary, "{} streamed differs", file.filename);
        assert_eq!(client.get_file(&file.id)?, *file);
    }
    assert_eq!(from_path.filename, "blob.bin");
    assert_eq!(from_reader.purpose.to_string(), "vision");

    let all: Vec<String> = client
        .iter_files(Some(FileListQueryParameters {
            limit: Some(1),
            order: Some(ListOrder::Asc),
            ..Default::default()
        }))
        .map(|f| f.map(|f| f.id))
        .collect::<Result<_, _>>()?;
    assert_eq!(all, [&*from_bytes.id, &*from_path.id, &*from_reader.id]);
    let batch_only = client.get_files(Some(&FileListQueryParameters {
        purpose: Some("batch".into()),
        ..Default::default()
    }))?;
    assert_eq!(batch_only.data, std::slice::from_ref(&from_path));
    Ok(())
}
