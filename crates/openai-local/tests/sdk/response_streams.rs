//! Streamed and background responses: the event sequence and its numbers, what a stream
//! builds against what GET returns, the background lifecycle on a manual clock,
//! cancellation, and resuming a background response's stream.

use crate::support::*;

/// The `type` of an event.
fn kind(event: &ResponseStreamEvent) -> String {
    serde_json::to_value(event).unwrap()["type"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Every event of a stream, checking that their numbers count up from `first` by one.
fn drain(stream: &mut ResponseStream, first: i64) -> Result<Vec<ResponseStreamEvent>, Error> {
    let events: Vec<ResponseStreamEvent> = stream.by_ref().collect::<Result<_, _>>()?;
    let numbers: Vec<i64> = events.iter().filter_map(|e| e.sequence_number()).collect();
    let expected: Vec<i64> = (first..first + events.len() as i64).collect();
    assert_eq!(numbers, expected, "sequence numbers");
    Ok(events)
}

/// The event types with repeated deltas counted once.
fn shape(events: &[ResponseStreamEvent]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in events.iter().map(kind) {
        if out.last() != Some(&k) || !k.ends_with(".delta") {
            out.push(k);
        }
    }
    out
}

fn background(request: ResponseCreateRequest) -> ResponseCreateRequest {
    ResponseCreateRequest {
        background: Some(true),
        ..request
    }
}

#[test]
fn a_streamed_answer_has_the_api_event_sequence_and_equals_the_stored_one() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let request = ResponseCreateRequest::text("gpt-4o-mini", "Tell me about the northern lights");
    let mut stream = client.create_response_stream(&request)?;
    let deltas: Vec<String> = stream.text_deltas().collect::<Result<_, _>>()?;
    let response = stream.until_done()?.clone();
    assert_eq!(
        deltas.concat(),
        "You said: \"Tell me about the northern lights\""
    );
    assert!(deltas.len() > 3, "word by word: {deltas:?}");
    let stored = client.get_response(&response.id, None)?;
    assert_eq!(response.output, stored.output);
    assert_eq!(response.status, Some(ResponseObjectStatus::Completed));
    assert_eq!(response.usage, stored.usage);

    let mut again = client.create_response_stream(&request)?;
    let events = drain(&mut again, 0)?;
    assert_eq!(
        shape(&events),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed"
        ]
    );
    let ResponseStreamEvent::ResponseCreated { response, .. } = &events[0] else {
        panic!("{:?}", events[0])
    };
    assert_eq!(response.status, Some(ResponseObjectStatus::InProgress));
    assert!(response.output.is_empty());
    Ok(())
}

#[test]
fn a_streamed_file_search_sends_its_search_and_citations() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let policy = client.upload_file("assistants", "return-policy.md", POLICY.as_bytes())?;
    let store = client.create_vector_store_and_wait_to_complete(&VectorStoreCreateRequest::new(
        "docs",
        vec![policy.id.clone()],
    ))?;
    let request = ResponseCreateRequest {
        tools: Some(ToolsArray(vec![Tool::file_search([store.id.as_str()])])),
        ..ResponseCreateRequest::text("gpt-4o-mini", "What does the warranty cover for tents?")
    };
    let mut stream = client.create_response_stream(&request)?;
    let events = drain(&mut stream, 0)?;
    let kinds = shape(&events);
    let search: Vec<&str> = kinds
        .iter()
        .map(String::as_str)
        .filter(|k| k.contains("file_search_call"))
        .collect();
    assert_eq!(
        search,
        [
            "response.file_search_call.in_progress",
            "response.file_search_call.searching",
            "response.file_search_call.completed"
        ]
    );
    let notes: Vec<&ResponseStreamEvent> = events
        .iter()
        .filter(|e| kind(e) == "response.output_text.annotation.added")
        .collect();
    assert!(!notes.is_empty());
    let streamed = stream.final_response().expect("a response").clone();
    assert_eq!(streamed.citations().len(), notes.len());
    // Each annotation comes once the text reaching its place was sent.
    let mut sent = 0usize;
    for e in &events {
        match e {
            ResponseStreamEvent::ResponseOutputTextDelta { delta, .. } => {
                sent += delta.chars().count()
            }
            ResponseStreamEvent::ResponseOutputTextAnnotationAdded {
                annotation: Some(Annotation::FileCitation { index, .. }),
                ..
            } => assert!(*index as usize <= sent),
            _ => {}
        }
    }
    let stored = client.get_response(&streamed.id, None)?;
    assert_eq!(streamed.output, stored.output);
    assert!(streamed.output_text().contains("two-year warranty"));
    Ok(())
}

#[test]
fn a_streamed_function_call_round_trip() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let tools = ToolsArray(vec![Tool::function(
        "lookup_order",
        "Finds an order",
        json!({"type": "object", "properties": {"order": {"type": "string"}}}),
    )]);
    let request = ResponseCreateRequest {
        tools: Some(tools.clone()),
        ..ResponseCreateRequest::text("gpt-4o-mini", "Please lookup_order order=A-17")
    };
    let mut stream = client.create_response_stream(&request)?;
    let events = drain(&mut stream, 0)?;
    assert_eq!(
        shape(&events)[2..],
        [
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed"
        ]
    );
    let calls = stream.function_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].name, calls[0].arguments),
        ("lookup_order", r#"{"order":"A-17"}"#)
    );
    let asked = stream.final_response().expect("a response").clone();

    let follow_up = ResponseCreateRequest {
        tools: Some(tools),
        previous_response_id: Some(asked.id.clone()),
        ..ResponseCreateRequest::new(
            "gpt-4o-mini",
            vec![InputItem::function_call_output(
                asked.function_calls()[0].call_id,
                "shipped on Monday",
            )],
        )
    };
    let mut answer = client.create_response_stream(&follow_up)?;
    let text: String = answer.text_deltas().collect::<Result<_, _>>()?;
    assert_eq!(text, "lookup_order returned: shipped on Monday");
    Ok(())
}

#[test]
fn a_background_response_moves_one_step_at_a_time() -> TestResult {
    let (server, clock) = engine_on_clock(Duration::from_secs(1));
    let client = client_on_clock(&server, &clock);
    let request = background(ResponseCreateRequest::text(
        "gpt-4o-mini",
        "in the background",
    ));
    let created = client.create_response(&request)?;
    assert_eq!(created.status, Some(ResponseObjectStatus::Queued));
    assert_eq!(created.background, Some(true));
    assert!(created.output.is_empty());
    let status = |id: &str| client.get_response(id, None).map(|r| r.status);
    assert_eq!(status(&created.id)?, Some(ResponseObjectStatus::Queued));
    clock.advance(Duration::from_secs(1));
    assert_eq!(status(&created.id)?, Some(ResponseObjectStatus::InProgress));
    clock.advance(Duration::from_secs(1));
    let done = client.get_response(&created.id, None)?;
    assert_eq!(done.status, Some(ResponseObjectStatus::Completed));
    assert_eq!(done.output_text(), "You said: \"in the background\"");
    assert_eq!(done.completed_at, Some(created.created_at + 2.0));

    // The SDK's wait goes through the same steps in engine time.
    let started = clock.elapsed();
    let waited = client.create_response_and_wait(&request)?;
    assert_eq!(waited.status, Some(ResponseObjectStatus::Completed));
    assert_eq!(clock.elapsed() - started, Duration::from_secs(2));
    Ok(())
}

#[test]
fn a_background_response_can_be_cancelled_until_it_is_answered() -> TestResult {
    let (server, clock) = engine_on_clock(Duration::from_secs(1));
    let client = client_on_clock(&server, &clock);
    let queued =
        client.create_response(&background(ResponseCreateRequest::text("m", "stop me")))?;
    let cancelled = client.cancel_response(&queued.id)?;
    assert_eq!(cancelled.status, Some(ResponseObjectStatus::Cancelled));
    clock.advance(Duration::from_secs(10));
    let later = client.get_response(&queued.id, None)?;
    assert_eq!(later.status, Some(ResponseObjectStatus::Cancelled));
    assert!(later.output.is_empty());
    // Cancelling again changes nothing.
    assert_eq!(client.cancel_response(&queued.id)?, later);

    // Once in progress it can still be cancelled; once answered, no more.
    let working = client.create_response(&background(ResponseCreateRequest::text("m", "x")))?;
    clock.advance(Duration::from_secs(1));
    assert_eq!(
        client.cancel_response(&working.id)?.status,
        Some(ResponseObjectStatus::Cancelled)
    );
    let finished = client.create_response(&background(ResponseCreateRequest::text("m", "y")))?;
    clock.advance(Duration::from_secs(2));
    let error = expect_error(client.cancel_response(&finished.id), 400);
    assert!(error.message.contains("completed"), "{}", error.message);
    let foreground = client.create_response(&ResponseCreateRequest::text("m", "z"))?;
    let error = expect_error(client.cancel_response(&foreground.id), 400);
    assert!(error.message.contains("background"), "{}", error.message);
    expect_error(client.cancel_response("resp_missing"), 404);
    Ok(())
}

#[test]
fn a_wait_stopped_on_timeout_cancels_on_the_server() -> TestResult {
    let (server, clock) = engine_on_clock(Duration::from_secs(3600));
    let mut client = client_on_clock(&server, &clock);
    client.set_polling_timeout(Some(Duration::from_secs(5)));
    let queued = client.create_response(&background(ResponseCreateRequest::text("m", "slow")))?;
    let result = client
        .waiter()
        .cancel_on_stop(true)
        .wait_for_response_to_complete(&queued.id);
    assert!(
        matches!(result, Err(Error::PollTimeout { .. })),
        "{result:?}"
    );
    let after = client.get_response(&queued.id, None)?;
    assert_eq!(after.status, Some(ResponseObjectStatus::Cancelled));
    Ok(())
}

#[test]
fn a_background_stream_resumes_where_it_stopped() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let request = background(ResponseCreateRequest::text(
        "gpt-4o-mini",
        "A long enough sentence to stream in several pieces",
    ));
    // The whole stream, read at once, for comparison.
    let mut whole = client.create_response_stream(&request)?;
    let all = drain(&mut whole, 0)?;
    assert_eq!(
        shape(&all)[..3],
        [
            "response.created",
            "response.queued",
            "response.in_progress"
        ]
    );
    let whole = whole.final_response().expect("a response").clone();

    // A stream stopped after five events goes on from there, without repeats.
    let mut stream = client.create_response_stream(&request)?;
    let first: Vec<ResponseStreamEvent> = stream.by_ref().take(5).collect::<Result<_, _>>()?;
    assert_eq!(stream.last_sequence_number(), Some(4));
    stream.resume(&client)?;
    let rest = drain(&mut stream, 5)?;
    assert_eq!(first.len() + rest.len(), all.len());
    let resumed = stream.final_response().expect("a response").clone();
    assert_eq!(resumed.output_text(), whole.output_text());
    assert_eq!(
        resumed.output,
        client.get_response(&resumed.id, None)?.output
    );

    // From the start, or after any event, by id.
    let mut replay = client.resume_response_stream(&resumed.id, None)?;
    assert_eq!(drain(&mut replay, 0)?.len(), all.len());
    let mut tail = client.resume_response_stream(&resumed.id, Some(all.len() as i64 - 2))?;
    let tail = drain(&mut tail, all.len() as i64 - 1)?;
    assert_eq!(
        tail.iter().map(kind).collect::<Vec<_>>(),
        ["response.completed"]
    );

    // Only background responses keep their stream.
    let foreground = client.create_response(&ResponseCreateRequest::text("m", "x"))?;
    let error = expect_error(client.resume_response_stream(&foreground.id, None), 400);
    assert_eq!(error.param.as_deref(), Some("stream"));
    expect_error(client.resume_response_stream("resp_missing", None), 404);
    Ok(())
}

#[test]
fn streaming_a_queued_response_answers_it_at_once() -> TestResult {
    let (server, clock) = engine_on_clock(Duration::from_secs(3600));
    let client = client_on_clock(&server, &clock);
    let queued = client.create_response(&background(ResponseCreateRequest::text("m", "now")))?;
    let mut stream = client.resume_response_stream(&queued.id, None)?;
    let events = drain(&mut stream, 0)?;
    assert_eq!(kind(events.last().unwrap()), "response.completed");
    assert_eq!(
        client.get_response(&queued.id, None)?.status,
        Some(ResponseObjectStatus::Completed),
        "no engine time passed"
    );
    Ok(())
}

#[test]
fn a_failing_model_fails_the_response() -> TestResult {
    let server = LocalServer::builder()
        .responder(|_: &ModelRequest| -> Result<ModelReply, String> {
            Err("the scripted model refuses".into())
        })
        .start()?;
    let client = client_of(&server);
    let failed = client.create_response(&ResponseCreateRequest::text("m", "hi"))?;
    assert_eq!(failed.status, Some(ResponseObjectStatus::Failed));
    let error = failed.error.expect("an error");
    assert_eq!(
        (error.code, error.message.as_str()),
        (ResponseErrorCode::ServerError, "the scripted model refuses")
    );
    let mut stream = client.create_response_stream(&ResponseCreateRequest::text("m", "hi"))?;
    let outcome: Result<Vec<ResponseStreamEvent>, Error> = stream.by_ref().collect();
    match outcome {
        Err(Error::StreamFailed { error, .. }) => {
            assert_eq!(error.message, "the scripted model refuses")
        }
        other => panic!("expected a failed stream, got {other:?}"),
    }
    assert_eq!(
        stream.final_response().and_then(|r| r.status.clone()),
        Some(ResponseObjectStatus::Failed)
    );
    Ok(())
}
