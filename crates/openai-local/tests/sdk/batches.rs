//! The Batch API end to end: `BatchWriter` → `submit_batch` → `wait_for_batch_to_complete`
//! (on the engine's clock, no sleeps) → `batch_results`, for each endpoint, with results
//! matched by `custom_id` and compared with the same requests sent directly; bad lines,
//! whole-file failures, cancel, expiry, and the list.

use std::path::{Path, PathBuf};

use crate::support::*;

const HOUR: Duration = Duration::from_secs(3600);

/// A directory of its own for a test's batch files, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("openai-local-sdk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A batch file of `requests` under `dir`.
fn write_batch(
    dir: &Path,
    requests: impl IntoIterator<Item = (String, BatchRequest)>,
) -> Result<BatchFile, Error> {
    let mut writer = BatchWriter::create(dir.join("requests.jsonl"))?;
    for (custom_id, request) in requests {
        writer.push(custom_id, request)?;
    }
    writer.finish()
}

/// Every result of a batch, by `custom_id`.
fn results_of(
    client: &OpenAIClient,
    batch: &BatchResponse,
) -> Result<HashMap<String, Result<BatchAnswer, BatchLineError>>, Error> {
    let mut out = HashMap::new();
    for result in client.batch_results(batch) {
        let result = result?;
        assert!(
            result
                .id
                .as_deref()
                .is_some_and(|id| id.starts_with("batch_req_")),
            "{result:?}"
        );
        let before = out.insert(result.custom_id.clone(), result.outcome);
        assert!(before.is_none(), "{} twice", result.custom_id);
    }
    Ok(out)
}

fn questions() -> Vec<(String, String)> {
    ["What is Rust?", "What is a borrow?", "Why lifetimes?"]
        .iter()
        .enumerate()
        .map(|(i, q)| (format!("q{i}"), q.to_string()))
        .collect()
}

/// Waits for `batch` on the engine's clock, and returns it with the statuses and counts seen.
fn wait(
    client: &OpenAIClient,
    batch: &BatchResponse,
) -> Result<(BatchResponse, Vec<String>, Vec<PollCounts>), Error> {
    let (mut statuses, mut counts) = (Vec::new(), Vec::new());
    let done = client
        .waiter()
        .on_poll(|p| {
            statuses.push(p.status.clone());
            counts.extend(p.counts);
        })
        .wait_for_batch_to_complete(&batch.id)?;
    Ok((done, transitions(&statuses), counts))
}

#[test]
fn a_responses_batch_runs_each_line_as_the_endpoint_would() -> TestResult {
    let (server, clock) = engine_on_clock(ms(1000));
    let client = client_on_clock(&server, &clock);
    let scratch = Scratch::new("responses");
    let file = write_batch(
        &scratch.0,
        questions().into_iter().map(|(id, q)| {
            let request = ResponseCreateRequest::text("gpt-4.1-mini", q);
            (id, BatchRequest::from(request))
        }),
    )?;
    let submitted = client.submit_batch(&file, Some(metadata(&[("job", "faq")])))?;
    assert_eq!(submitted.status, BatchResponseStatus::Validating);
    assert_eq!(submitted.endpoint, "/v1/responses");
    assert_eq!(
        submitted.metadata.as_ref().and_then(|m| m.get("job")),
        Some(&"faq".to_string())
    );
    let input = client.get_file(&submitted.input_file_id)?;
    assert_eq!(input.purpose, FileResponsePurpose::Batch);
    assert_eq!(input.bytes as u64, file.bytes);

    let (done, statuses, counts) = wait(&client, &submitted)?;
    assert_eq!(
        statuses,
        ["validating", "in_progress", "finalizing", "completed"],
        "one status a step"
    );
    assert_eq!(
        counts.last().map(|c| (c.total, c.completed, c.failed)),
        Some((3, 3, 0))
    );
    assert_eq!(done.status, BatchResponseStatus::Completed);
    assert_eq!(done.error_file_id, None);
    assert_eq!(done.model.as_deref(), Some("gpt-4.1-mini"));
    let t0 = submitted.created_at;
    assert_eq!(
        (done.in_progress_at, done.finalizing_at, done.completed_at),
        (Some(t0 + 1), Some(t0 + 2), Some(t0 + 3))
    );
    let output = client.get_file(done.output_file_id.as_deref().expect("an output file"))?;
    assert_eq!(output.purpose, FileResponsePurpose::BatchOutput);

    let results = results_of(&client, &done)?;
    assert_eq!(results.len(), 3);
    let mut input_tokens = 0;
    for (id, question) in questions() {
        let Ok(BatchAnswer::Response(answer)) = &results[&id] else {
            panic!("{id}: {:?}", results[&id]);
        };
        let direct =
            client.create_response(&ResponseCreateRequest::text("gpt-4.1-mini", &question))?;
        assert_eq!(answer.output_text(), direct.output_text(), "{id}");
        assert_eq!(answer.output_text(), format!("You said: \"{question}\""));
        assert_eq!(answer.usage, direct.usage);
        input_tokens += answer.usage.as_ref().map_or(0, |u| u.input_tokens);
        // Stored, like any response the engine made.
        assert_eq!(
            client.get_response(&answer.id, None)?.output_text(),
            answer.output_text()
        );
    }
    assert_eq!(
        done.usage.as_ref().map(|u| u.input_tokens),
        Some(input_tokens)
    );
    Ok(())
}

#[test]
fn chat_and_embedding_batches_answer_as_the_endpoints_do() -> TestResult {
    let (server, clock) = engine_on_clock(ms(1000));
    let client = client_on_clock(&server, &clock);
    let scratch = Scratch::new("chat-embeddings");

    let chat = write_batch(
        &scratch.0,
        questions().into_iter().map(|(id, q)| {
            let request = CompletionCreateRequest::new(
                "gpt-4o-mini",
                vec![ChatCompletionRequestMessage::user(q)],
            );
            (id, BatchRequest::from(request))
        }),
    )?;
    let batch = client.submit_batch(&chat, None)?;
    assert_eq!(batch.endpoint, "/v1/chat/completions");
    let done = client.wait_for_batch_to_complete(&batch.id)?;
    assert_eq!(done.status, BatchResponseStatus::Completed);
    let results = results_of(&client, &done)?;
    for (id, question) in questions() {
        let Ok(BatchAnswer::ChatCompletion(answer)) = &results[&id] else {
            panic!("{id}: {:?}", results[&id]);
        };
        let direct = client.create_completion(&CompletionCreateRequest::new(
            "gpt-4o-mini",
            vec![ChatCompletionRequestMessage::user(&question)],
        ))?;
        assert_eq!(answer.text(), direct.text(), "{id}");
        assert_eq!(
            answer.text(),
            Some(format!("You said: \"{question}\"").as_str())
        );
    }

    let scratch = Scratch::new("embeddings");
    let texts = [
        "tents and stoves",
        "a refund for the stove",
        "pancake batter",
    ];
    let embeddings = write_batch(
        &scratch.0,
        texts.iter().enumerate().map(|(i, t)| {
            let request = EmbeddingCreateRequest::new("text-embedding-3-small", *t);
            (format!("e{i}"), BatchRequest::from(request))
        }),
    )?;
    let batch = client.submit_batch(&embeddings, None)?;
    let done = client.wait_for_batch_to_complete(&batch.id)?;
    assert_eq!(done.status, BatchResponseStatus::Completed);
    let results = results_of(&client, &done)?;
    for (i, text) in texts.iter().enumerate() {
        let Ok(BatchAnswer::Embedding(answer)) = &results[&format!("e{i}")] else {
            panic!("e{i}: {:?}", results[&format!("e{i}")]);
        };
        let direct = client.create_embedding(&EmbeddingCreateRequest::new(
            "text-embedding-3-small",
            *text,
        ))?;
        assert_eq!(answer.data[0].embedding, direct.data[0].embedding, "{text}");
        assert_eq!(answer.data[0].embedding.len(), 1536);
    }
    Ok(())
}

#[test]
fn lines_the_endpoint_refuses_come_back_as_api_errors() -> TestResult {
    let (server, clock) = engine_on_clock(ms(1000));
    let client = client_on_clock(&server, &clock);
    let scratch = Scratch::new("refused");
    let ok = CompletionCreateRequest::new("m", vec![ChatCompletionRequestMessage::user("hi")]);
    let empty = CompletionCreateRequest::new("m", Vec::new());
    let too_many = CompletionCreateRequest {
        n: Some(500),
        ..ok.clone()
    };
    let file = write_batch(
        &scratch.0,
        [
            ("ok".to_string(), BatchRequest::from(ok)),
            ("empty".into(), empty.into()),
            ("too-many".into(), too_many.into()),
        ],
    )?;
    let done = client.wait_for_batch_to_complete(&client.submit_batch(&file, None)?.id)?;
    assert_eq!(done.status, BatchResponseStatus::Completed);
    let counts = done.request_counts.clone().expect("counts");
    assert_eq!((counts.total, counts.completed, counts.failed), (3, 1, 2));
    assert!(done.output_file_id.is_some() && done.error_file_id.is_some());
    let results = results_of(&client, &done)?;
    assert!(matches!(&results["ok"], Ok(BatchAnswer::ChatCompletion(_))));
    for (id, param) in [("empty", "messages"), ("too-many", "n")] {
        let Err(
            e @ BatchLineError::Api {
                status,
                request_id,
                error,
            },
        ) = &results[id]
        else {
            panic!("{id}: {:?}", results[id]);
        };
        assert_eq!(*status, 400, "{id}");
        assert!(request_id.as_deref().is_some_and(|r| r.starts_with("req_")));
        assert_eq!(error.param.as_deref(), Some(param), "{id}");
        assert_eq!(error.type_, "invalid_request_error");
        assert!(!e.is_retryable(), "a 400 is not worth retrying");
    }
    Ok(())
}

#[test]
fn a_file_that_is_not_a_batch_fails_it_with_an_error_per_line() -> TestResult {
    let (server, clock) = engine_on_clock(ms(1000));
    let client = client_on_clock(&server, &clock);
    let good = r#"{"custom_id":"a","method":"POST","url":"/v1/embeddings","body":{"model":"m","input":"x"}}"#;
    let text = [
        good,
        "{not json",
        r#"{"custom_id":"b","method":"POST","url":"/v1/responses","body":{}}"#,
        good,
    ]
    .join("\n");
    let file = client.upload_file("batch", "bad.jsonl", text.into_bytes())?;
    let batch = client.create_batch(&BatchCreateRequest::new(
        file.id,
        BatchCreateRequestEndpoint::V1Embeddings,
    ))?;
    let done = client.wait_for_batch_to_complete(&batch.id)?;
    assert_eq!(done.status, BatchResponseStatus::Failed);
    assert_eq!(done.failed_at, Some(batch.created_at + 1));
    let errors: Vec<(Option<String>, Option<i64>, Option<String>)> = done
        .errors
        .as_ref()
        .and_then(|e| e.data.clone())
        .expect("errors")
        .into_iter()
        .map(|e| (e.code, e.line, e.param))
        .collect();
    assert_eq!(
        errors,
        [
            (Some("invalid_json_line".into()), Some(2), None),
            (
                Some("mismatched_endpoint".into()),
                Some(3),
                Some("url".into())
            ),
            (
                Some("duplicate_custom_id".into()),
                Some(4),
                Some("custom_id".into())
            ),
        ]
    );
    assert_eq!(client.batch_results(&done).count(), 0, "no file, no result");
    Ok(())
}

#[test]
fn a_cancelled_batch_keeps_its_answers_and_the_rest_can_be_retried() -> TestResult {
    let clock = ManualClock::new();
    let server = LocalServer::builder()
        .clock(clock.clone())
        .step_delay(ms(1000))
        .batch_lines_per_step(1)
        .start()?;
    let client = client_on_clock(&server, &clock);
    let scratch = Scratch::new("cancel");
    let file = write_batch(
        &scratch.0,
        questions()
            .into_iter()
            .map(|(id, q)| (id, ResponseCreateRequest::text("m", q).into())),
    )?;
    let batch = client.submit_batch(&file, None)?;
    clock.advance(ms(2000)); // validated, and the first line run
    let running = client.get_batch(&batch.id)?;
    assert_eq!(running.status, BatchResponseStatus::InProgress);
    let cancelling = client.cancel_batch(&batch.id)?;
    assert_eq!(cancelling.status, BatchResponseStatus::Cancelling);
    assert!(cancelling.cancelling_at.is_some());
    let done = client.wait_for_batch_to_complete(&batch.id)?;
    assert_eq!(done.status, BatchResponseStatus::Cancelled);
    let counts = done.request_counts.clone().expect("counts");
    assert_eq!((counts.total, counts.completed, counts.failed), (3, 1, 0));
    let results = results_of(&client, &done)?;
    let Ok(BatchAnswer::Response(first)) = &results["q0"] else {
        panic!("{:?}", results["q0"]);
    };
    assert_eq!(first.output_text(), "You said: \"What is Rust?\"");
    for id in ["q1", "q2"] {
        let Err(e @ BatchLineError::NotRun { code, .. }) = &results[id] else {
            panic!("{id}: {:?}", results[id]);
        };
        assert_eq!(code, "batch_cancelled");
        assert!(e.is_retryable());
    }
    // A batch that completed cannot be cancelled.
    let other = client.submit_batch(&file, None)?;
    let finished = client.wait_for_batch_to_complete(&other.id)?;
    assert_eq!(finished.status, BatchResponseStatus::Completed);
    let refused = expect_error(client.cancel_batch(&other.id), 400);
    assert!(refused.message.contains("completed"), "{}", refused.message);
    Ok(())
}

#[test]
fn a_batch_past_its_window_expires_with_the_lines_done() -> TestResult {
    let clock = ManualClock::new();
    let server = LocalServer::builder()
        .clock(clock.clone())
        .step_delay(HOUR)
        .batch_lines_per_step(2)
        .start()?;
    let client = client_on_clock(&server, &clock);
    let scratch = Scratch::new("expiry");
    let file = write_batch(
        &scratch.0,
        (0..50).map(|i| {
            let request = EmbeddingCreateRequest::new("m", format!("text {i}"));
            (format!("e{i}"), BatchRequest::from(request))
        }),
    )?;
    let batch = client.submit_batch(&file, None)?;
    clock.advance(30 * HOUR);
    let done = client.wait_for_batch_to_complete(&batch.id)?;
    assert_eq!(done.status, BatchResponseStatus::Expired);
    assert_eq!(done.expired_at, Some(batch.created_at + 24 * 3600));
    assert_eq!(done.expires_at, done.expired_at);
    // Validated at hour 1, two lines an hour from hour 2 to hour 23.
    let counts = done.request_counts.clone().expect("counts");
    assert_eq!((counts.total, counts.completed, counts.failed), (50, 44, 0));
    let results = results_of(&client, &done)?;
    assert_eq!(results.len(), 50);
    for i in 0..50 {
        let outcome = &results[&format!("e{i}")];
        match (i < 44, outcome) {
            (true, Ok(BatchAnswer::Embedding(_))) => {}
            (false, Err(BatchLineError::NotRun { code, .. })) => assert_eq!(code, "batch_expired"),
            _ => panic!("e{i}: {outcome:?}"),
        }
    }
    Ok(())
}

#[test]
fn batches_page_newest_first() -> TestResult {
    let server = engine(ms(1));
    let client = client_of(&server);
    let file = client.upload_file(
        "batch",
        "one.jsonl",
        br#"{"custom_id":"a","method":"POST","url":"/v1/responses","body":{"model":"m","input":"x"}}"#.to_vec(),
    )?;
    let made: Vec<String> = (0..7)
        .map(|_| {
            client
                .create_batch(&BatchCreateRequest::new(
                    file.id.clone(),
                    BatchCreateRequestEndpoint::V1Responses,
                ))
                .map(|b| b.id)
        })
        .collect::<Result<_, _>>()?;
    let page = client.get_batches(Some(&BatchListQueryParameters {
        limit: Some(3),
        after: None,
    }))?;
    let ids: Vec<&str> = page.data.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, [&made[6], &made[5], &made[4]]);
    assert!(page.has_more);
    let all: Vec<String> = client
        .iter_batches(Some(BatchListQueryParameters {
            limit: Some(2),
            after: None,
        }))
        .map(|b| b.map(|b| b.id))
        .collect::<Result<_, _>>()?;
    let mut newest_first = made.clone();
    newest_first.reverse();
    assert_eq!(all, newest_first);
    let refused = expect_error(
        client.create_batch(&BatchCreateRequest::new(
            file.id.clone(),
            BatchCreateRequestEndpoint::V1Completions,
        )),
        400,
    );
    assert_eq!(refused.param.as_deref(), Some("endpoint"));
    Ok(())
}

#[test]
fn a_plugged_in_responder_answers_the_lines_and_its_failures_are_line_errors() -> TestResult {
    let (clock, asked) = (
        ManualClock::new(),
        Arc::new(std::sync::Mutex::new(Vec::new())),
    );
    let seen = asked.clone();
    let server = LocalServer::builder()
        .clock(clock.clone())
        .step_delay(ms(1000))
        .responder(move |request: &ModelRequest| {
            let text = request.last_user_text().unwrap_or_default().to_string();
            seen.lock().unwrap().push(text.clone());
            if text.contains("fail") {
                Err("the scripted model refuses".to_string())
            } else {
                Ok(ModelReply::text(format!("scripted: {text}")))
            }
        })
        .start()?;
    let client = client_on_clock(&server, &clock);
    let scratch = Scratch::new("responder");
    let file = write_batch(
        &scratch.0,
        ["one", "please fail", "three"].map(|t| {
            let request =
                CompletionCreateRequest::new("m", vec![ChatCompletionRequestMessage::user(t)]);
            (t.to_string(), BatchRequest::from(request))
        }),
    )?;
    let done = client.wait_for_batch_to_complete(&client.submit_batch(&file, None)?.id)?;
    assert_eq!(*asked.lock().unwrap(), ["one", "please fail", "three"]);
    let results = results_of(&client, &done)?;
    for id in ["one", "three"] {
        let Ok(BatchAnswer::ChatCompletion(answer)) = &results[id] else {
            panic!("{id}: {:?}", results[id]);
        };
        assert_eq!(answer.text(), Some(format!("scripted: {id}").as_str()));
    }
    let Err(e @ BatchLineError::Api { status, error, .. }) = &results["please fail"] else {
        panic!("{:?}", results["please fail"]);
    };
    assert_eq!(*status, 500);
    assert_eq!(error.type_, "server_error");
    assert!(error.message.contains("refuses"), "{}", error.message);
    assert!(e.is_retryable(), "a 5xx may pass next time");
    Ok(())
}
