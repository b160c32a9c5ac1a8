//! Run lifecycles: cancel, expiry, and the run settings that shape an answer.
//!
//! The lifecycle tests run on a `ManualClock` with a client whose waits advance it: every
//! status change and every expiry happens at a known engine time, whatever the machine's speed.

use crate::support::*;

#[test]
fn cancelled_and_expired_runs() -> TestResult {
    const STEP: Duration = Duration::from_millis(100);
    const EXPIRY: Duration = Duration::from_millis(600);
    let (server, clock) = engine_with_expiry(STEP, EXPIRY);
    let client = client_on_clock(&server, &clock);
    let assistant = client.create_assistant(&AssistantCreateRequest {
        tools: Some(vec![weather_tool()]),
        ..AssistantCreateRequest::new("gpt-4o-mini")
    })?;
    let thread = client.create_thread(&ThreadCreateRequest {
        messages: Some(vec![ThreadMessageCreateRequest::user("Hello")]),
        ..Default::default()
    })?;

    // Cancelled while queued: cancelling, then cancelled one step later; nothing written.
    let run = client.create_run(&thread.id, &RunCreateRequest::new(&assistant.id))?;
    assert_eq!(run.status, RunResponseStatus::Queued);
    let cancelling = client.cancel_run(&thread.id, &run.id)?;
    assert_eq!(cancelling.status, RunResponseStatus::Cancelling);
    let cancelled_at = clock.elapsed();
    let mut polled = Vec::new();
    let cancelled = client
        .waiter()
        .on_poll(|p| polled.push(p.status.clone()))
        .wait_for_run_to_complete(&thread.id, &run.id)?;
    assert_eq!(cancelled.status, RunResponseStatus::Cancelled);
    assert!(cancelled.cancelled_at.is_some());
    assert!(cancelled.started_at.is_none(), "it never started");
    assert_eq!(polled, ["cancelling", "cancelled"]);
    assert_eq!(
        clock.elapsed() - cancelled_at,
        STEP,
        "cancelled one step later"
    );
    let messages = client.get_thread_messages(&thread.id, None)?;
    assert_eq!(messages.data.len(), 1, "the cancelled run wrote nothing");
    // A finished run cannot be cancelled again.
    expect_error(client.cancel_run(&thread.id, &run.id), 400);

    // Cancelled while waiting for tool outputs.
    client.create_thread_message(
        &thread.id,
        &ThreadMessageCreateRequest::user("get_weather city=Rome"),
    )?;
    let mut polled = Vec::new();
    let run = client
        .waiter()
        .on_poll(|p| polled.push(p.status.clone()))
        .create_run_and_wait(&thread.id, &RunCreateRequest::new(&assistant.id))?;
    assert_eq!(run.status, RunResponseStatus::RequiresAction);
    assert_eq!(polled, ["queued", "in_progress", "requires_action"]);
    let cancelling = client.cancel_run(&thread.id, &run.id)?;
    assert_eq!(cancelling.status, RunResponseStatus::Cancelling);
    assert!(cancelling.required_action.is_none());
    let cancelled = client.wait_for_run_to_complete(&thread.id, &run.id)?;
    assert_eq!(cancelled.status, RunResponseStatus::Cancelled);
    let steps = client.get_run_steps(&thread.id, &run.id, None)?;
    assert_eq!(steps.data[0].status, RunStepResponseStatus::Cancelled);

    // Left waiting for tool outputs: still waiting just before its expiry, expired at it, and
    // outputs come too late.
    client.create_thread_message(
        &thread.id,
        &ThreadMessageCreateRequest::user("get_weather city=Oslo"),
    )?;
    let created = clock.elapsed();
    let run = client.create_run_and_wait(&thread.id, &RunCreateRequest::new(&assistant.id))?;
    assert_eq!(run.status, RunResponseStatus::RequiresAction);
    assert_eq!(
        clock.elapsed() - created,
        2 * STEP,
        "in progress, then the model"
    );
    let call = run
        .required_action
        .as_ref()
        .expect("an action")
        .submit_tool_outputs
        .tool_calls[0]
        .id
        .clone();
    clock.advance(EXPIRY - 2 * STEP - ms(1));
    let waiting = client.get_run(&thread.id, &run.id)?;
    assert_eq!(waiting.status, RunResponseStatus::RequiresAction);
    clock.advance(ms(1));
    let expired = client.get_run(&thread.id, &run.id)?;
    assert_eq!(expired.status, RunResponseStatus::Expired);
    assert!(expired.required_action.is_none());
    let late = SubmitToolOutputsRequest::new([(call, "too late")]);
    expect_error(client.submit_tool_outputs(&thread.id, &run.id, &late), 400);
    let steps = client.get_run_steps(&thread.id, &run.id, None)?;
    assert_eq!(steps.data[0].status, RunStepResponseStatus::Expired);
    assert!(steps.data[0].expired_at.is_some());

    // A run whose expiry comes before its first step expires on its own; the SDK's wait
    // ends there and the one-call helper reports it.
    let (slow, clock) = engine_with_expiry(Duration::from_secs(5), ms(300));
    let client = client_on_clock(&slow, &clock);
    let assistant = client.create_assistant(&AssistantCreateRequest::new("gpt-4o-mini"))?;
    let thread = client.create_thread(&ThreadCreateRequest {
        messages: Some(vec![ThreadMessageCreateRequest::user("Hello")]),
        ..Default::default()
    })?;
    // A wait shorter than the run gives up with the last run it saw, left as it is.
    let run = client.create_run(&thread.id, &RunCreateRequest::new(&assistant.id))?;
    match client
        .waiter()
        .timeout(Some(ms(20)))
        .wait_for_run_to_complete(&thread.id, &run.id)
    {
        Err(Error::PollTimeout { last, attempts, .. }) => {
            assert!(
                attempts >= 2,
                "a poll at the start, another at the deadline"
            );
            assert!(
                matches!(*last, Polled::Run(ref r) if r.status == RunResponseStatus::Queued && r.id == run.id),
                "{last:?}"
            );
        }
        other => panic!("expected a poll timeout, got {other:?}"),
    }
    assert_eq!(
        client.wait_for_run_to_complete(&thread.id, &run.id)?.status,
        RunResponseStatus::Expired
    );
    match client.run_and_get_assistant_response(&thread.id, &RunCreateRequest::new(&assistant.id)) {
        Err(Error::RunNotCompleted(run)) => {
            assert_eq!(run.status, RunResponseStatus::Expired);
            assert!(run.started_at.is_none(), "expired before its first step");
        }
        other => panic!("expected an expired run, got {other:?}"),
    }
    Ok(())
}

#[test]
fn run_settings_shape_the_answer() -> TestResult {
    let server = engine(ms(2));
    let client = client_of(&server);
    let assistant = client.create_assistant(&AssistantCreateRequest {
        tools: Some(vec![weather_tool()]),
        ..AssistantCreateRequest::new("gpt-4o-mini")
    })?;
    let thread = client.create_thread(&ThreadCreateRequest::default())?;
    let named = "Just chat, do not get_weather city=Paris";

    // tool_choice none: the named function is not called.
    let no_tools = RunCreateRequest {
        additional_messages: Some(vec![ThreadMessageCreateRequest::user(named)]),
        tool_choice: Some(AssistantsApiToolChoiceOption::String(
            AssistantsApiToolChoiceOptionString::None,
        )),
        ..RunCreateRequest::new(&assistant.id)
    };
    let answer = client.run_and_get_assistant_response(&thread.id, &no_tools)?;
    assert_eq!(answer, format!("You said: \"{named}\""));
    let first = client.get_thread_messages(&thread.id, None)?;
    assert_eq!(
        first.data.len(),
        2,
        "the additional message joined the thread"
    );

    // A forced function is called even when the message does not name it.
    let forced = RunCreateRequest {
        additional_messages: Some(vec![ThreadMessageCreateRequest::user("city=Lima")]),
        tool_choice: Some(AssistantsApiToolChoiceOption::AssistantsNamedToolChoice(
            AssistantsNamedToolChoice {
                type_: AssistantsNamedToolChoiceType::Function,
                function: Some(AssistantsNamedToolChoiceFunction {
                    name: "get_weather".into(),
                }),
            },
        )),
        ..RunCreateRequest::new(&assistant.id)
    };
    let run = client.create_run_and_wait(&thread.id, &forced)?;
    assert_eq!(run.status, RunResponseStatus::RequiresAction);
    let call = &run
        .required_action
        .as_ref()
        .expect("an action")
        .submit_tool_outputs
        .tool_calls[0];
    assert_eq!(call.function.arguments, r#"{"city":"Lima"}"#);
    client.cancel_run(&thread.id, &run.id)?;
    client.wait_for_run_to_complete(&thread.id, &run.id)?;

    // Too few completion tokens: the run and its message are incomplete, and the one-call
    // helper says so.
    let short = RunCreateRequest {
        additional_messages: Some(vec![ThreadMessageCreateRequest::user(
            "one two three four five six seven eight",
        )]),
        max_completion_tokens: Some(3),
        ..RunCreateRequest::new(&assistant.id)
    };
    match client.run_and_get_assistant_response(&thread.id, &short) {
        Err(Error::RunNotCompleted(run)) => {
            assert_eq!(run.status, RunResponseStatus::Incomplete);
            assert_eq!(
                run.incomplete_details.and_then(|d| d.reason),
                Some(RunResponseIncompleteDetailsReason::MaxCompletionTokens)
            );
            let message = client.wait_for_assistant_message(&thread.id, Some(&run.id))?;
            assert_eq!(
                message.status,
                Some(ThreadMessageResponseStatus::Incomplete)
            );
            assert!(
                message.text().split_whitespace().count() <= 3,
                "{}",
                message.text()
            );
        }
        other => panic!("expected an incomplete run, got {other:?}"),
    }
    Ok(())
}
