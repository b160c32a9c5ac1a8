#![cfg(feature = "local")]
//! End-to-end flows through the SDK against the local engine: every call goes through
//! `OpenAIClient` (its waiting helpers, iterators and error mapping) to a `LocalServer` on
//! loopback. The raw wire format is tested in `local_engine.rs`; here the two sides meet.
//!
//! Only the cases the SDK cannot express (a body of the wrong shape, a request without a
//! key or without the beta header) go around its typed methods: through its raw
//! `execute` with a hand-written JSON body, or through ureq directly.

use std::collections::{HashMap, HashSet};
use std::fmt::Debug;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openai_blocking::__private::Request;
use openai_blocking::ureq::http::{HeaderName, HeaderValue};
use openai_blocking::*;
use serde_json::{json, Value};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const POLICY: &str = include_str!("../examples/data/return-policy.md");
const RECIPES: &str = "Pancakes need flour, eggs and milk. Whisk them into a smooth batter.\n\n\
    Bake bread at 220 degrees for forty minutes, until the crust sounds hollow.";
/// No wait in these tests should come anywhere near this.
const POLL_TIMEOUT: Duration = Duration::from_secs(30);

/// An engine whose objects change status every `step`.
fn engine(step: Duration) -> LocalServer {
    LocalServer::builder()
        .step_delay(step)
        .start()
        .expect("the engine starts")
}

/// A client of `server` that polls every 2 ms and gives up after [`POLL_TIMEOUT`].
fn client_of(server: &LocalServer) -> OpenAIClient {
    let mut client = server.client().expect("a client");
    client.set_polling_interval(Some(Duration::from_millis(2)));
    client.set_polling_timeout(Some(POLL_TIMEOUT));
    client
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn metadata(pairs: &[(&str, &str)]) -> Metadata {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Metadata::from(map)
}

/// The API error of a call that must fail with one.
#[track_caller]
fn api_error<T: Debug>(result: Result<T, Error>) -> Box<ApiErrorResponse> {
    match result {
        Err(Error::Api(e)) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// The `error` object of an API error, checking the status and the OpenAI error shape.
#[track_caller]
fn expect_error<T: Debug>(result: Result<T, Error>, status: u16) -> ApiError {
    let e = api_error(result);
    assert_eq!(e.status, status, "{e}");
    let error = e
        .error
        .clone()
        .unwrap_or_else(|| panic!("no error object: {}", e.body));
    assert!(!error.message.is_empty());
    assert_eq!(error.type_, "invalid_request_error", "{e}");
    assert!(
        e.request_id
            .as_deref()
            .is_some_and(|id| id.starts_with("req_")),
        "{e}"
    );
    error
}

/// The text and annotations of a message's first text part.
fn text_part(message: &ThreadMessageResponse) -> &MessageContentTextObjectText {
    message
        .content
        .iter()
        .find_map(|c| match c {
            MessageContent::Text { text } => Some(text),
            _ => None,
        })
        .expect("a text part")
}

fn function_tool(name: &str, description: &str, parameters: Value) -> AssistantTool {
    AssistantTool::Function {
        function: FunctionObject {
            name: name.into(),
            description: Some(description.into()),
            parameters: Some(FunctionParameters::from(
                parameters.as_object().expect("a schema object").clone(),
            )),
            strict: None,
        },
    }
}

fn weather_tool() -> AssistantTool {
    function_tool(
        "get_weather",
        "The current weather in a city",
        json!({
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}
            },
            "required": ["city"]
        }),
    )
}

fn search_request(query: &str, max: Option<i64>) -> VectorStoreSearchRequest {
    VectorStoreSearchRequest {
        filters: None,
        max_num_results: max,
        query: VectorStoreSearchRequestQuery::String(query.into()),
        ranking_options: None,
        rewrite_query: None,
    }
}

fn counts(store: &VectorStoreResponse) -> [i64; 5] {
    let c = store.file_counts.as_ref().expect("file counts");
    [c.in_progress, c.completed, c.failed, c.cancelled, c.total]
}

fn batch_counts(batch: &VectorStoreFileBatchResponse) -> [i64; 5] {
    let c = &batch.file_counts;
    [c.in_progress, c.completed, c.failed, c.cancelled, c.total]
}

/// Removes consecutive repeats: the statuses a wait went through.
fn transitions(statuses: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in statuses {
        if out.last() != Some(s) {
            out.push(s.clone());
        }
    }
    out
}

/// Whether `seen` lists some of `order`, in that order.
fn in_order(seen: &[String], order: &[&str]) -> bool {
    let mut rest = order.iter();
    seen.iter().all(|s| rest.any(|o| o == s))
}

/// A PNG of `width`×`height`, its left `split` columns `left` and the rest `right`.
fn two_colour_png(width: u32, height: u32, split: u32, left: [u8; 3], right: [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("PNG header");
        let pixels: Vec<u8> = (0..height)
            .flat_map(|_| (0..width).flat_map(|x| if x < split { left } else { right }))
            .collect();
        writer.write_image_data(&pixels).expect("PNG data");
    }
    out
}

fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

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
            name: Some("renamed".into()),
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
        messages: vec![ThreadMessageCreateRequest::user("Hello engine")],
        metadata: Some(metadata(&[("topic", "greeting")])),
        ..Default::default()
    })?;
    assert!(thread.id.starts_with("thread_"));
    assert_eq!(client.get_thread(&thread.id)?, thread);
    let tagged = client.modify_thread(
        &thread.id,
        &ThreadModifyRequest {
            metadata: Some(metadata(&[("topic", "tests")])),
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
            metadata: Some(metadata(&[("seen", "yes")])),
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
            metadata: Some(metadata(&[("checked", "true")])),
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
            messages: vec![ThreadMessageCreateRequest::user("New thread")],
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
fn file_search_answers_with_a_citation_of_the_right_file() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let policy = client.upload_file("assistants", "return-policy.md", POLICY.as_bytes())?;
    let recipes = client.upload_file("assistants", "recipes.txt", RECIPES.as_bytes())?;
    assert_eq!(client.get_file_content(&policy.id)?, POLICY.as_bytes());
    assert_eq!(
        (policy.filename.as_str(), policy.bytes),
        ("return-policy.md", POLICY.len() as i64)
    );

    let store = client.create_vector_store_and_wait_to_complete(&VectorStoreCreateRequest::new(
        "docs",
        vec![policy.id.clone(), recipes.id.clone()],
    ))?;
    assert_eq!(store.status, Some(VectorStoreResponseStatus::Completed));
    assert_eq!(counts(&store), [0, 2, 0, 0, 2]);
    assert!(store.usage_bytes.is_some_and(|b| b > 0));

    let assistant = client.create_assistant(&AssistantCreateRequest {
        instructions: Some("Answer from the shop's documents and cite them.".into()),
        tools: vec![AssistantTool::file_search()],
        tool_resources: Some(AssistantCreateRequestToolResources::file_search(vec![
            store.id.clone(),
        ])),
        ..AssistantCreateRequest::new("gpt-4o-mini")
    })?;
    let thread = client.create_thread(&ThreadCreateRequest::default())?;
    let question = "How many days do I have to return unused items for a refund?";
    client.create_thread_message(&thread.id, &ThreadMessageCreateRequest::user(question))?;
    let run = client.create_run_and_wait(&thread.id, &RunCreateRequest::new(&assistant.id))?;
    assert_eq!(
        run.status,
        RunResponseStatus::Completed,
        "{:?}",
        run.last_error
    );

    // The answer quotes the policy and cites it; each annotation's offsets frame its marker.
    let answer = client.wait_for_assistant_message(&thread.id, Some(&run.id))?;
    let text = text_part(&answer);
    assert!(text.value.contains("30 days"), "{}", text.value);
    assert!(!text.annotations.is_empty());
    let mut cited = Vec::new();
    for (n, annotation) in text.annotations.iter().enumerate() {
        let TextAnnotation::FileCitation {
            start_index,
            end_index,
            text: marker,
            file_citation,
        } = annotation
        else {
            panic!("expected a file citation, got {annotation:?}");
        };
        let (start, end) = (*start_index as usize, *end_index as usize);
        let framed: String = text.value.chars().skip(start).take(end - start).collect();
        assert_eq!(
            &framed, marker,
            "offsets {start}..{end} of {:?}",
            text.value
        );
        assert_eq!(marker, &format!("【{n}†source】"));
        cited.push(file_citation.file_id.clone());
    }
    assert_eq!(
        cited[0], policy.id,
        "the best passage comes from the policy"
    );
    // The sentence before the first marker is the one that answers.
    let first_start = match &text.annotations[0] {
        TextAnnotation::FileCitation { start_index, .. } => *start_index as usize,
        _ => unreachable!(),
    };
    let quoted: String = text.value.chars().take(first_start).collect();
    assert!(quoted.contains("within 30 days of delivery"), "{quoted}");

    // Quotes and summaries are whole sentences of the file, even where its lines are
    // hard-wrapped, and never headings.
    let whole_text = POLICY.split_whitespace().collect::<Vec<_>>().join(" ");
    let ask = |question: &str| -> Result<String, Error> {
        let thread = client.create_thread(&ThreadCreateRequest {
            messages: vec![ThreadMessageCreateRequest::user(question)],
            ..Default::default()
        })?;
        client.run_and_get_assistant_response(&thread.id, &RunCreateRequest::new(&assistant.id))
    };
    let warranty = ask("How long is the warranty on tents?")?;
    assert_eq!(
        warranty,
        "Tents, backpacks and sleeping bags carry a two-year warranty against manufacturing \
         defects.【0†source】"
    );
    // Each quoted sentence is a whole sentence of the file, with no heading glued on.
    let headings: Vec<&str> = POLICY
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .collect();
    let check_sentences = |answer: &str, body: &str| {
        for sentence in body.split_inclusive(". ") {
            let sentence = sentence.trim();
            assert!(
                sentence.ends_with('.') && sentence.starts_with(char::is_uppercase),
                "{sentence:?} in {answer}"
            );
            assert!(whole_text.contains(sentence), "{sentence:?} in {answer}");
            // A heading glued to the sentence after it: "Return window You may return...".
            let glued = headings.iter().any(|h| {
                sentence
                    .strip_prefix(h)
                    .and_then(|rest| rest.strip_prefix(' '))
                    .is_some_and(|rest| rest.starts_with(char::is_uppercase))
            });
            assert!(!glued, "a heading in {answer}");
        }
    };
    let returns = ask("How long do I have to return unused items?")?;
    for (n, quote) in returns.split("\n\n").enumerate() {
        let body = quote
            .strip_suffix(&format!("【{n}†source】"))
            .unwrap_or_else(|| panic!("{returns}"));
        check_sentences(&returns, body);
    }
    let summary = ask("Please summarize the document.")?;
    let body = summary
        .strip_prefix("Summary of return-policy.md: ")
        .and_then(|s| s.strip_suffix("【0†source】"))
        .unwrap_or_else(|| panic!("{summary}"));
    check_sentences(&summary, body);
    assert!(!body.contains("Northwind Outfitters"), "{summary}");

    // Two steps: the file search, then the message.
    let query = RunStepListQueryParameters {
        order: Some(ListOrder::Asc),
        include: vec![RunStepInclude::StepDetailsToolCallsFileSearchResultsContent],
        ..Default::default()
    };
    let steps: Vec<RunStepResponse> = client
        .iter_run_steps(&thread.id, &run.id, Some(query))
        .collect::<Result<_, _>>()?;
    assert_eq!(steps.len(), 2, "{steps:#?}");
    assert_eq!(steps[0].type_, RunStepResponseType::ToolCalls);
    assert_eq!(steps[1].type_, RunStepResponseType::MessageCreation);
    let RunStepDetails::ToolCalls { tool_calls } = &steps[0].step_details else {
        panic!("expected tool calls: {:?}", steps[0].step_details);
    };
    let [RunStepToolCall::FileSearch { file_search, id }] = tool_calls.as_slice() else {
        panic!("expected one file search: {tool_calls:?}");
    };
    assert!(id.starts_with("call_"));
    let best = &file_search.results[0];
    assert_eq!(
        (best.file_id.as_str(), best.file_name.as_str()),
        (policy.id.as_str(), "return-policy.md")
    );
    assert!(best.score > 0.0 && best.score < 1.0);
    assert!(best
        .content
        .iter()
        .any(|c| c.text.as_deref().is_some_and(|t| t.contains("30 days"))));
    let scores: Vec<f64> = file_search.results.iter().map(|r| r.score).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "best first: {scores:?}"
    );
    // Without `include` the content is left out.
    let plain = client.get_run_step(&thread.id, &run.id, &steps[0].id)?;
    let RunStepDetails::ToolCalls { tool_calls } = &plain.step_details else {
        panic!("expected tool calls");
    };
    let RunStepToolCall::FileSearch { file_search, .. } = &tool_calls[0] else {
        panic!("expected a file search");
    };
    assert!(file_search.results.iter().all(|r| r.content.is_empty()));

    // The search endpoint ranks the same passages.
    let found = client.search_vector_store(&store.id, &search_request("bake bread", Some(1)))?;
    assert_eq!(found.data.len(), 1);
    assert_eq!(
        (
            found.data[0].file_id.as_str(),
            found.data[0].filename.as_str()
        ),
        (recipes.id.as_str(), "recipes.txt")
    );
    assert!(found.data[0].content[0].text.contains("220 degrees"));
    let found =
        client.search_vector_store(&store.id, &search_request("winter sale returns", None))?;
    assert_eq!(found.data[0].file_id, policy.id);
    assert!(
        found.data[0].content[0].text.contains("14 days"),
        "{:?}",
        found.data[0]
    );

    // A file attached to a message for file search goes into the thread's own vector
    // store, and an assistant without stores of its own finds it there.
    let searcher = client.create_assistant(&AssistantCreateRequest {
        tools: vec![AssistantTool::file_search()],
        ..AssistantCreateRequest::new("gpt-4o-mini")
    })?;
    let thread = client.create_thread(&ThreadCreateRequest::default())?;
    let question = ThreadMessageCreateRequest::user("How long should I bake bread?")
        .with_attachment(&recipes.id, vec![AttachmentTool::FileSearch]);
    let message = client.create_thread_message(&thread.id, &question)?;
    assert_eq!(message.attachments.as_ref().map(Vec::len), Some(1));
    let run = client.create_run_and_wait(&thread.id, &RunCreateRequest::new(&searcher.id))?;
    assert_eq!(run.status, RunResponseStatus::Completed);
    let answer = client.wait_for_assistant_message(&thread.id, Some(&run.id))?;
    assert!(answer.text().contains("forty minutes"), "{}", answer.text());
    let cited: Vec<&str> = text_part(&answer)
        .annotations
        .iter()
        .filter_map(|a| match a {
            TextAnnotation::FileCitation { file_citation, .. } => {
                Some(file_citation.file_id.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(cited, [recipes.id.as_str()]);
    let thread_store = client
        .get_thread(&thread.id)?
        .tool_resources
        .and_then(|r| r.file_search)
        .map(|f| f.vector_store_ids)
        .unwrap_or_default();
    assert_eq!(thread_store.len(), 1, "the thread got a vector store");
    let files = client.get_vector_store_files(&thread_store[0], None)?;
    assert_eq!(
        files.data.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        [recipes.id.as_str()]
    );
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
        tools: vec![weather_tool(), time_tool],
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

/// Polls a run until `done` holds for its status (the SDK's waits stop at requires_action).
fn poll_run(
    client: &OpenAIClient,
    thread_id: &str,
    run_id: &str,
    done: impl Fn(&RunResponseStatus) -> bool,
) -> Result<RunResponse, Error> {
    let start = Instant::now();
    loop {
        let run = client.get_run(thread_id, run_id)?;
        if done(&run.status) {
            return Ok(run);
        }
        assert!(start.elapsed() < POLL_TIMEOUT, "run stuck: {run:?}");
        std::thread::sleep(ms(5));
    }
}

#[test]
fn cancelled_and_expired_runs() -> TestResult {
    let server = LocalServer::builder()
        .step_delay(ms(100))
        .run_expiry(ms(600))
        .start()?;
    let client = client_of(&server);
    let assistant = client.create_assistant(&AssistantCreateRequest {
        tools: vec![weather_tool()],
        ..AssistantCreateRequest::new("gpt-4o-mini")
    })?;
    let thread = client.create_thread(&ThreadCreateRequest {
        messages: vec![ThreadMessageCreateRequest::user("Hello")],
        ..Default::default()
    })?;

    // Cancelled while queued: cancelling, then cancelled one step later; nothing written.
    let run = client.create_run(&thread.id, &RunCreateRequest::new(&assistant.id))?;
    assert_eq!(run.status, RunResponseStatus::Queued);
    let cancelling = client.cancel_run(&thread.id, &run.id)?;
    assert_eq!(cancelling.status, RunResponseStatus::Cancelling);
    let mut polled = Vec::new();
    let cancelled = client
        .waiter()
        .on_poll(|p| polled.push(p.status.clone()))
        .wait_for_run_to_complete(&thread.id, &run.id)?;
    assert_eq!(cancelled.status, RunResponseStatus::Cancelled);
    assert!(cancelled.cancelled_at.is_some());
    assert!(
        in_order(&transitions(&polled), &["cancelling", "cancelled"]),
        "{polled:?}"
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
    let run = client.create_run_and_wait(&thread.id, &RunCreateRequest::new(&assistant.id))?;
    assert_eq!(run.status, RunResponseStatus::RequiresAction);
    let cancelling = client.cancel_run(&thread.id, &run.id)?;
    assert_eq!(cancelling.status, RunResponseStatus::Cancelling);
    assert!(cancelling.required_action.is_none());
    let cancelled = client.wait_for_run_to_complete(&thread.id, &run.id)?;
    assert_eq!(cancelled.status, RunResponseStatus::Cancelled);
    let steps = client.get_run_steps(&thread.id, &run.id, None)?;
    assert_eq!(steps.data[0].status, RunStepResponseStatus::Cancelled);

    // Left waiting for tool outputs past its expiry: expired, and outputs come too late.
    client.create_thread_message(
        &thread.id,
        &ThreadMessageCreateRequest::user("get_weather city=Oslo"),
    )?;
    let run = client.create_run_and_wait(&thread.id, &RunCreateRequest::new(&assistant.id))?;
    assert_eq!(run.status, RunResponseStatus::RequiresAction);
    let call = run
        .required_action
        .as_ref()
        .expect("an action")
        .submit_tool_outputs
        .tool_calls[0]
        .id
        .clone();
    let expired = poll_run(&client, &thread.id, &run.id, |s| {
        *s != RunResponseStatus::RequiresAction
    })?;
    assert_eq!(expired.status, RunResponseStatus::Expired);
    assert!(expired.required_action.is_none());
    let late = SubmitToolOutputsRequest::new([(call, "too late")]);
    expect_error(client.submit_tool_outputs(&thread.id, &run.id, &late), 400);
    let steps = client.get_run_steps(&thread.id, &run.id, None)?;
    assert_eq!(steps.data[0].status, RunStepResponseStatus::Expired);
    assert!(steps.data[0].expired_at.is_some());

    // A run whose expiry comes before its first step expires on its own; the SDK's wait
    // ends there and the one-call helper reports it.
    let slow = LocalServer::builder()
        .step_delay(Duration::from_secs(5))
        .run_expiry(ms(300))
        .start()?;
    let client = client_of(&slow);
    let assistant = client.create_assistant(&AssistantCreateRequest::new("gpt-4o-mini"))?;
    let thread = client.create_thread(&ThreadCreateRequest {
        messages: vec![ThreadMessageCreateRequest::user("Hello")],
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
            assert!(attempts >= 1);
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
    let started = Instant::now();
    match client.run_and_get_assistant_response(&thread.id, &RunCreateRequest::new(&assistant.id)) {
        Err(Error::RunNotCompleted(run)) => assert_eq!(run.status, RunResponseStatus::Expired),
        other => panic!("expected an expired run, got {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "expired before its first step"
    );
    Ok(())
}

#[test]
fn vector_store_filled_one_file_at_a_time_and_in_batches() -> TestResult {
    const STEP: Duration = Duration::from_millis(150);
    let server = engine(STEP);
    let client = client_of(&server);
    let store = client.create_vector_store(&VectorStoreCreateRequest::new("kb", Vec::new()))?;
    assert_eq!(counts(&store), [0; 5]);
    assert_eq!(store.status, Some(VectorStoreResponseStatus::Completed));

    // One readable file: in progress for one step, then completed.
    let policy = client.upload_file("assistants", "return-policy.md", POLICY.as_bytes())?;
    let attached_at = Instant::now();
    let file = client
        .create_vector_store_file(&store.id, &VectorStoreFileCreateRequest::new(&policy.id))?;
    assert_eq!(file.status, Some(VectorStoreFileResponseStatus::InProgress));
    assert_eq!(
        (file.id.as_str(), file.vector_store_id.as_str()),
        (policy.id.as_str(), store.id.as_str())
    );
    let during = client.get_vector_store(&store.id)?;
    // Read within the step, the store must still be indexing (else it may have finished).
    if attached_at.elapsed() < STEP {
        assert_eq!(counts(&during), [1, 0, 0, 0, 1]);
        assert_eq!(during.status, Some(VectorStoreResponseStatus::InProgress));
    }
    let file = client.wait_for_vector_store_file_to_complete(&store.id, &policy.id)?;
    assert_eq!(file.status, Some(VectorStoreFileResponseStatus::Completed));
    assert!(file.last_error.is_none());
    assert!(file.usage_bytes.is_some_and(|b| b > 0));
    assert!(attached_at.elapsed() >= STEP, "indexing takes one step");
    let after = client.get_vector_store(&store.id)?;
    assert_eq!(counts(&after), [0, 1, 0, 0, 1]);
    assert_eq!(after.status, Some(VectorStoreResponseStatus::Completed));

    // A file the engine cannot read: failed, with the reason.
    let garbage = client.upload_file(
        "assistants",
        "garbage.bin",
        &[0xff, 0xfe, 0x00, 0x81, 0x02, 0x9c, 0x00, 0x00][..],
    )?;
    client.create_vector_store_file(&store.id, &VectorStoreFileCreateRequest::new(&garbage.id))?;
    let failed = client.wait_for_vector_store_file_to_complete(&store.id, &garbage.id)?;
    assert_eq!(failed.status, Some(VectorStoreFileResponseStatus::Failed));
    let why = failed.last_error.expect("a last error");
    assert_eq!(
        why.code,
        VectorStoreFileResponseLastErrorCode::UnsupportedFile
    );
    assert!(!why.message.is_empty());
    assert_eq!(
        counts(&client.get_vector_store(&store.id)?),
        [0, 1, 1, 0, 2]
    );

    // A batch of three, one of them empty: the batch completes with one failure.
    let also = client.upload_file(
        "assistants",
        "also.txt",
        "Plain text about lighthouse keepers and their lamps.".as_bytes(),
    )?;
    let notes = client.upload_file(
        "assistants",
        "notes.md",
        "# Notes\n\nThe glacier hike starts at the red hut.".as_bytes(),
    )?;
    let empty = client.upload_file("assistants", "empty.txt", Vec::new())?;
    let batch_ids = vec![also.id.clone(), notes.id.clone(), empty.id.clone()];
    let mut polled = Vec::new();
    let batch = client
        .waiter()
        .on_poll(|p| polled.push(p.status.clone()))
        .create_vector_store_file_batch_and_wait(
            &store.id,
            &VectorStoreFileBatchCreateRequest::new(batch_ids),
        )?;
    assert_eq!(batch.status, VectorStoreFileBatchResponseStatus::Completed);
    assert_eq!(batch_counts(&batch), [0, 2, 1, 0, 3]);
    assert!(
        in_order(&transitions(&polled), &["in_progress", "completed"]),
        "{polled:?}"
    );
    assert_eq!(
        client.get_vector_store_file_batch(&store.id, &batch.id)?,
        batch
    );
    let failed: Vec<String> = client
        .iter_vector_store_file_batch_files(
            &store.id,
            &batch.id,
            Some(VectorStoreFileBatchFileListQueryParameters {
                filter: Some(VectorStoreFileStatusFilter::Failed),
                ..Default::default()
            }),
        )
        .map(|f| f.map(|f| f.id))
        .collect::<Result<_, _>>()?;
    assert_eq!(failed, [empty.id.as_str()]);
    let empty_file = client.get_vector_store_file(&store.id, &empty.id)?;
    assert_eq!(
        empty_file.last_error.map(|e| e.code),
        Some(VectorStoreFileResponseLastErrorCode::InvalidFile)
    );
    assert_eq!(
        counts(&client.get_vector_store(&store.id)?),
        [0, 3, 2, 0, 5]
    );

    // Uploaded and attached in one call, from memory, a path and a reader.
    let reader_text = "Reader upload: the ferry to the island leaves at dawn.";
    let sources = vec![
        FileSource::from_bytes(
            "bytes.txt",
            "Bytes upload: the museum opens at ten.".as_bytes(),
        ),
        FileSource::from_path(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/data/return-policy.md"
        ))
        .with_file_name("policy-copy.md"),
        FileSource::from_reader(
            "reader.txt",
            std::io::Cursor::new(reader_text),
            Some(reader_text.len() as u64),
        ),
    ];
    let batch = client.upload_files_to_vector_store_and_wait(&store.id, sources)?;
    assert_eq!(batch.status, VectorStoreFileBatchResponseStatus::Completed);
    assert_eq!(batch_counts(&batch), [0, 3, 0, 0, 3]);
    let store_now = client.get_vector_store(&store.id)?;
    assert_eq!(counts(&store_now), [0, 6, 2, 0, 8]);
    let names: HashSet<String> = client
        .iter_vector_store_file_batch_files(&store.id, &batch.id, None)
        .map(|f| f.and_then(|f| client.get_file(&f.id)).map(|f| f.filename))
        .collect::<Result<_, _>>()?;
    let expected: HashSet<String> = ["bytes.txt", "policy-copy.md", "reader.txt"]
        .map(String::from)
        .into();
    assert_eq!(names, expected);
    let all: Vec<VectorStoreFileResponse> = client
        .iter_vector_store_files(
            &store.id,
            Some(VectorStoreFileListQueryParameters {
                limit: Some(3),
                ..Default::default()
            }),
        )
        .collect::<Result<_, _>>()?;
    assert_eq!(all.len(), 8);
    assert_eq!(all.iter().map(|f| &f.id).collect::<HashSet<_>>().len(), 8);

    // Searching finds each passage in its own file.
    for (query, file_name, passage) in [
        ("lighthouse keepers", "also.txt", "lamps"),
        ("glacier hike", "notes.md", "red hut"),
        ("ferry island", "reader.txt", "dawn"),
        ("winter sale", "return-policy.md", "14 days"),
    ] {
        let found = client.search_vector_store(&store.id, &search_request(query, Some(3)))?;
        let best = found
            .data
            .first()
            .unwrap_or_else(|| panic!("nothing for {query:?}"));
        assert!(
            best.filename == file_name
                || (file_name == "return-policy.md" && best.filename == "policy-copy.md"),
            "{query:?} found {}",
            best.filename
        );
        assert!(
            best.content[0].text.contains(passage),
            "{query:?}: {:?}",
            best.content
        );
    }

    // Attributes on a file narrow a search; the store is renamed, tagged and listed.
    let attributes = VectorStoreFileAttributes::from(HashMap::from([
        (
            "lang".to_string(),
            VectorStoreFileAttributesValue::String("en".into()),
        ),
        (
            "year".to_string(),
            VectorStoreFileAttributesValue::Number(2024.0),
        ),
    ]));
    let tagged = client.modify_vector_store_file(
        &store.id,
        &notes.id,
        &VectorStoreFileModifyRequest {
            attributes: Some(attributes.clone()),
        },
    )?;
    assert_eq!(tagged.attributes.as_ref(), Some(&attributes));
    assert_eq!(
        client
            .get_vector_store_file(&store.id, &notes.id)?
            .attributes,
        Some(attributes)
    );
    let recent = VectorStoreSearchRequest {
        filters: Some(VectorStoreSearchRequestFilters::ComparisonFilter(
            ComparisonFilter {
                key: "year".into(),
                type_: ComparisonFilterType::Gte,
                value: ComparisonFilterValue::Number(2020.0),
            },
        )),
        ..search_request("lighthouse glacier", None)
    };
    let unfiltered =
        client.search_vector_store(&store.id, &search_request("lighthouse glacier", None))?;
    let names: HashSet<&str> = unfiltered
        .data
        .iter()
        .map(|d| d.filename.as_str())
        .collect();
    assert_eq!(names, HashSet::from(["also.txt", "notes.md"]));
    let found = client.search_vector_store(&store.id, &recent)?;
    let names: Vec<&str> = found.data.iter().map(|d| d.filename.as_str()).collect();
    assert_eq!(names, ["notes.md"], "only the file with a recent year");
    let renamed = client.modify_vector_store(
        &store.id,
        &VectorStoreModifyRequest {
            name: Some("knowledge".into()),
            metadata: Some(metadata(&[("team", "docs")])),
            ..Default::default()
        },
    )?;
    assert_eq!(renamed.name.as_deref(), Some("knowledge"));
    assert_eq!(
        counts(&renamed),
        [0, 6, 2, 0, 8],
        "renaming keeps the files"
    );
    let listed = client.get_vector_stores(None)?;
    assert_eq!(listed.data.len(), 1);
    assert_eq!(listed.data[0].metadata, Some(metadata(&[("team", "docs")])));

    // A batch cancelled before it is indexed: its files are cancelled, and counted so.
    let slow = engine(Duration::from_secs(30));
    let slow_client = client_of(&slow);
    let f = slow_client.upload_file("assistants", "a.txt", "some words here".as_bytes())?;
    let slow_store =
        slow_client.create_vector_store(&VectorStoreCreateRequest::new("slow", Vec::new()))?;
    let batch = slow_client.create_vector_store_file_batch(
        &slow_store.id,
        &VectorStoreFileBatchCreateRequest::new(vec![f.id.clone()]),
    )?;
    assert_eq!(batch_counts(&batch), [1, 0, 0, 0, 1]);
    assert_eq!(
        counts(&slow_client.get_vector_store(&slow_store.id)?),
        [1, 0, 0, 0, 1]
    );
    let cancelled = slow_client.cancel_vector_store_file_batch(&slow_store.id, &batch.id)?;
    assert_eq!(
        cancelled.status,
        VectorStoreFileBatchResponseStatus::Cancelled
    );
    assert_eq!(batch_counts(&cancelled), [0, 0, 0, 1, 1]);
    assert_eq!(
        counts(&slow_client.get_vector_store(&slow_store.id)?),
        [0, 0, 0, 1, 1]
    );
    let waited =
        slow_client.wait_for_vector_store_file_batch_to_complete(&slow_store.id, &batch.id)?;
    assert_eq!(waited.status, VectorStoreFileBatchResponseStatus::Cancelled);
    Ok(())
}

#[test]
fn pagination_over_250_messages() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let thread = client.create_thread(&ThreadCreateRequest::default())?;
    let mut created = Vec::new();
    for i in 0..250 {
        let m = client.create_thread_message(
            &thread.id,
            &ThreadMessageCreateRequest::user(format!("m{i}")),
        )?;
        created.push(m.id);
    }
    let query = |limit: Option<i64>, order: Option<ListOrder>| ThreadMessageListQueryParameters {
        limit,
        order,
        ..Default::default()
    };

    // Walking every page, both ways: all 250, each once, in order.
    let mut pages = 0;
    let asc: Vec<ThreadMessageResponse> = client
        .iter_pages(query(Some(100), Some(ListOrder::Asc)), |q| {
            pages += 1;
            client.get_thread_messages(&thread.id, Some(&q))
        })
        .collect::<Result<_, _>>()?;
    assert_eq!(pages, 3, "100 + 100 + 50");
    let asc_ids: Vec<String> = asc.iter().map(|m| m.id.clone()).collect();
    assert_eq!(asc_ids, created);
    let texts: Vec<String> = asc.iter().map(|m| m.text()).collect();
    assert_eq!(texts, (0..250).map(|i| format!("m{i}")).collect::<Vec<_>>());
    let desc_ids: Vec<String> = client
        .iter_thread_messages(&thread.id, None) // newest first, 20 a page: 13 pages
        .map(|m| m.map(|m| m.id))
        .collect::<Result<_, _>>()?;
    let mut reversed = created.clone();
    reversed.reverse();
    assert_eq!(desc_ids, reversed);
    let seven: Vec<String> = client
        .iter_thread_messages(&thread.id, Some(query(Some(7), Some(ListOrder::Desc))))
        .map(|m| m.map(|m| m.id))
        .collect::<Result<_, _>>()?;
    assert_eq!(seven, reversed, "pages of 7 that do not divide 250");
    assert_eq!(
        seven.iter().collect::<HashSet<_>>().len(),
        250,
        "no duplicate"
    );

    // Single pages: limit, after, before, has_more, first_id and last_id.
    let page =
        client.get_thread_messages(&thread.id, Some(&query(Some(100), Some(ListOrder::Asc))))?;
    assert_eq!(page.data.len(), 100);
    assert!(page.has_more);
    assert_eq!(
        (page.first_id.as_deref(), page.last_id.as_deref()),
        (Some(created[0].as_str()), Some(created[99].as_str()))
    );
    let last = client.get_thread_messages(
        &thread.id,
        Some(&ThreadMessageListQueryParameters {
            after: Some(created[199].clone()),
            ..query(Some(100), Some(ListOrder::Asc))
        }),
    )?;
    assert_eq!(last.data.len(), 50);
    assert!(!last.has_more);
    assert_eq!(
        (last.first_id.as_deref(), last.last_id.as_deref()),
        (Some(created[200].as_str()), Some(created[249].as_str()))
    );
    let default = client.get_thread_messages(&thread.id, None)?;
    assert_eq!(default.data.len(), 20, "20 by default");
    assert_eq!(
        (default.first_id.as_deref(), default.data[0].text().as_str()),
        (Some(created[249].as_str()), "m249")
    );
    assert!(default.has_more);
    let before = client.get_thread_messages(
        &thread.id,
        Some(&ThreadMessageListQueryParameters {
            before: Some(created[10].clone()),
            ..query(Some(3), Some(ListOrder::Asc))
        }),
    )?;
    let got: Vec<&str> = before.data.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        got,
        created[7..10]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    assert!(before.has_more, "m0 to m6 lie beyond");
    let after_desc = client.get_thread_messages(
        &thread.id,
        Some(&ThreadMessageListQueryParameters {
            after: Some(created[100].clone()),
            ..query(Some(5), Some(ListOrder::Desc))
        }),
    )?;
    let got: Vec<&str> = after_desc.data.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(got, [99, 98, 97, 96, 95].map(|i| created[i].as_str()));
    let window = client.get_thread_messages(
        &thread.id,
        Some(&ThreadMessageListQueryParameters {
            after: Some(created[20].clone()),
            before: Some(created[24].clone()),
            ..query(Some(100), Some(ListOrder::Asc))
        }),
    )?;
    let got: Vec<&str> = window.data.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        got,
        created[21..24]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    assert!(!window.has_more);
    let one = client.get_thread_messages(&thread.id, Some(&query(Some(1), None)))?;
    assert_eq!((one.data.len(), one.has_more), (1, true));

    // A deleted message's id still works as a cursor; the message itself is gone.
    client.delete_thread_message(&thread.id, &created[50])?;
    let page = client.get_thread_messages(
        &thread.id,
        Some(&ThreadMessageListQueryParameters {
            after: Some(created[50].clone()),
            ..query(Some(2), Some(ListOrder::Asc))
        }),
    )?;
    let got: Vec<&str> = page.data.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(got, [created[51].as_str(), created[52].as_str()]);
    assert_eq!(
        client
            .iter_thread_messages(&thread.id, Some(query(Some(100), None)))
            .count(),
        249
    );

    // Out-of-range parameters are refused, naming them.
    for bad in [0, 101, -1] {
        let error = expect_error(
            client.get_thread_messages(&thread.id, Some(&query(Some(bad), None))),
            400,
        );
        assert_eq!(error.param.as_deref(), Some("limit"), "limit={bad}");
    }
    let error = expect_error(
        client.get_thread_messages(
            &thread.id,
            Some(&query(None, Some(ListOrder::Unknown("up".into())))),
        ),
        400,
    );
    assert_eq!(error.param.as_deref(), Some("order"));
    let error = expect_error(
        client.get_thread_messages(
            &thread.id,
            Some(&ThreadMessageListQueryParameters {
                after: Some("msg_unknown".into()),
                ..Default::default()
            }),
        ),
        400,
    );
    assert_eq!(error.param.as_deref(), Some("after"));
    Ok(())
}

#[test]
fn deletes_cascade() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);

    // A file in two stores: deleting it takes it out of both.
    let a = client.upload_file("assistants", "a.md", POLICY.as_bytes())?;
    let b = client.upload_file(
        "assistants",
        "b.txt",
        "Another readable file about tents and their poles.".as_bytes(),
    )?;
    let both = client.create_vector_store_and_wait_to_complete(&VectorStoreCreateRequest::new(
        "both",
        vec![a.id.clone(), b.id.clone()],
    ))?;
    let only_a = client.create_vector_store_and_wait_to_complete(
        &VectorStoreCreateRequest::new("only a", vec![a.id.clone()]),
    )?;
    assert_eq!(counts(&both), [0, 2, 0, 0, 2]);
    assert_eq!(counts(&only_a), [0, 1, 0, 0, 1]);
    let refund = search_request("refund within 30 days", None);
    assert_eq!(
        client.search_vector_store(&both.id, &refund)?.data[0].file_id,
        a.id
    );
    let deleted = client.delete_file(&a.id)?;
    assert!(deleted.deleted);
    assert_eq!(deleted.id, a.id);
    let both_now = client.get_vector_store(&both.id)?;
    assert_eq!(counts(&both_now), [0, 1, 0, 0, 1]);
    assert!(
        both_now.usage_bytes < both.usage_bytes,
        "{:?} vs {:?}",
        both_now.usage_bytes,
        both.usage_bytes
    );
    assert_eq!(counts(&client.get_vector_store(&only_a.id)?), [0; 5]);
    expect_error(client.get_vector_store_file(&both.id, &a.id), 404);
    let left: Vec<String> = client
        .iter_vector_store_files(&both.id, None)
        .map(|f| f.map(|f| f.id))
        .collect::<Result<_, _>>()?;
    assert_eq!(left, [b.id.as_str()]);
    let found = client.search_vector_store(&both.id, &refund)?;
    assert!(found.data.iter().all(|r| r.file_id != a.id), "{found:?}");
    assert!(client
        .search_vector_store(&only_a.id, &refund)?
        .data
        .is_empty());
    expect_error(client.get_file(&a.id), 404);
    expect_error(client.get_file_content(&a.id), 404);
    expect_error(client.delete_file(&a.id), 404);
    assert!(client
        .iter_files(None)
        .all(|f| f.is_ok_and(|f| f.id != a.id)));

    // Detaching a file from a store keeps the file.
    client.delete_vector_store_file(&both.id, &b.id)?;
    assert_eq!(counts(&client.get_vector_store(&both.id)?), [0; 5]);
    assert_eq!(client.get_file(&b.id)?.id, b.id);

    // A thread: deleting a message, then the thread with its messages, runs and steps.
    let assistant = client.create_assistant(&AssistantCreateRequest::new("gpt-4o-mini"))?;
    let run = client.create_thread_and_run_and_wait(&RunThreadCreateRequest {
        thread: Some(ThreadCreateRequest {
            messages: vec![
                ThreadMessageCreateRequest::user("first"),
                ThreadMessageCreateRequest::user("second"),
            ],
            ..Default::default()
        }),
        ..RunThreadCreateRequest::new(&assistant.id)
    })?;
    let thread = run.thread_id.clone();
    let messages = client.get_thread_messages(&thread, None)?;
    assert_eq!(messages.data.len(), 3);
    let step = client.get_run_steps(&thread, &run.id, None)?.data[0]
        .id
        .clone();
    let first = messages.data[2].id.clone();
    let gone = client.delete_thread_message(&thread, &first)?;
    assert_eq!(
        (gone.object.as_str(), gone.deleted),
        ("thread.message.deleted", true)
    );
    expect_error(client.get_thread_message(&thread, &first), 404);
    assert_eq!(client.get_thread_messages(&thread, None)?.data.len(), 2);
    let gone = client.delete_thread(&thread)?;
    assert_eq!(
        (gone.object.as_str(), gone.deleted),
        ("thread.deleted", true)
    );
    for error in [
        api_error(client.get_thread(&thread)),
        api_error(client.get_thread_messages(&thread, None)),
        api_error(client.get_thread_message(&thread, &messages.data[0].id)),
        api_error(client.get_runs(&thread, None)),
        api_error(client.get_run(&thread, &run.id)),
        api_error(client.get_run_steps(&thread, &run.id, None)),
        api_error(client.get_run_step(&thread, &run.id, &step)),
        api_error(
            client.create_thread_message(&thread, &ThreadMessageCreateRequest::user("hello?")),
        ),
        api_error(client.create_run(&thread, &RunCreateRequest::new(&assistant.id))),
        api_error(client.delete_thread(&thread)),
    ] {
        assert_eq!(
            (error.status, error.kind()),
            (404, ApiErrorKind::NotFound),
            "{error}"
        );
        assert!(error.message().contains(&thread), "{error}");
    }

    // A vector store: gone with its file list; its files stay uploaded, and an assistant
    // that searched it now finds nothing there.
    let c = client.upload_file(
        "assistants",
        "c.txt",
        "Kayak rentals cost forty euros a day.".as_bytes(),
    )?;
    let store = client.create_vector_store_and_wait_to_complete(&VectorStoreCreateRequest::new(
        "kayaks",
        vec![c.id.clone()],
    ))?;
    let searcher = client.create_assistant(&AssistantCreateRequest {
        tools: vec![AssistantTool::file_search()],
        tool_resources: Some(AssistantCreateRequestToolResources::file_search(vec![
            store.id.clone(),
        ])),
        ..AssistantCreateRequest::new("gpt-4o-mini")
    })?;
    let ask = |question: &str| -> Result<ThreadMessageResponse, Error> {
        let thread = client.create_thread(&ThreadCreateRequest {
            messages: vec![ThreadMessageCreateRequest::user(question)],
            ..Default::default()
        })?;
        let run = client.create_run_and_wait(&thread.id, &RunCreateRequest::new(&searcher.id))?;
        assert_eq!(run.status, RunResponseStatus::Completed);
        client.wait_for_assistant_message(&thread.id, Some(&run.id))
    };
    let before = ask("How much do kayak rentals cost?")?;
    assert!(before.text().contains("forty euros"), "{}", before.text());
    assert!(!text_part(&before).annotations.is_empty());
    let gone = client.delete_vector_store(&store.id)?;
    assert_eq!(
        (gone.object.as_str(), gone.deleted),
        ("vector_store.deleted", true)
    );
    for error in [
        api_error(client.get_vector_store(&store.id)),
        api_error(client.get_vector_store_files(&store.id, None)),
        api_error(client.get_vector_store_file(&store.id, &c.id)),
        api_error(client.search_vector_store(&store.id, &search_request("kayak", None))),
        api_error(
            client.create_vector_store_file(&store.id, &VectorStoreFileCreateRequest::new(&c.id)),
        ),
        api_error(client.delete_vector_store(&store.id)),
    ] {
        assert_eq!(error.status, 404, "{error}");
    }
    assert!(client
        .iter_vector_stores(None)
        .all(|s| s.is_ok_and(|s| s.id != store.id)));
    assert_eq!(client.get_file(&c.id)?.id, c.id, "the file stays uploaded");
    let after = ask("How much do kayak rentals cost?")?;
    assert!(!after.text().contains("forty euros"), "{}", after.text());
    assert!(text_part(&after).annotations.is_empty());

    // An assistant: runs of it are refused, naming the field.
    client.delete_assistant(&assistant.id)?;
    let thread = client.create_thread(&ThreadCreateRequest::default())?;
    let error = expect_error(
        client.create_run(&thread.id, &RunCreateRequest::new(&assistant.id)),
        404,
    );
    assert_eq!(error.param.as_deref(), Some("assistant_id"));
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

#[test]
fn run_settings_shape_the_answer() -> TestResult {
    let server = engine(ms(2));
    let client = client_of(&server);
    let assistant = client.create_assistant(&AssistantCreateRequest {
        tools: vec![weather_tool()],
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

/// A raw call through the SDK's transport with a hand-written JSON body: for bodies its
/// typed requests cannot express.
fn raw_post(client: &OpenAIClient, path: &str, body: Value) -> Result<ApiResponse<Value>, Error> {
    client.execute(Request::post(path).json(&body)?)
}

/// A call with ureq alone, to send what the SDK always adds (the key, the beta header).
fn bare_get(url: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = agent.get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = request.call().expect("loopback answers");
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().expect("a body");
    (status, serde_json::from_str(&body).expect("JSON"))
}

/// The `error` object of a raw answer, checking its four fields are all there.
fn raw_error(body: &Value) -> ApiError {
    let e = &body["error"];
    for key in ["message", "type", "param", "code"] {
        assert!(e.get(key).is_some(), "no {key} in {body}");
    }
    serde_json::from_value(e.clone()).expect("an OpenAI error object")
}

/// The request number of an `x-request-id` (`req_` and hex).
fn request_number(id: Option<&str>) -> u64 {
    let id = id.expect("a request id");
    u64::from_str_radix(id.trim_start_matches("req_"), 16).expect("hex")
}

#[test]
fn error_paths_through_the_sdk() -> TestResult {
    let server = LocalServer::builder()
        .step_delay(ms(5))
        .api_key("sk-local-right")
        .max_upload_bytes(64 * 1024)
        .start()?;
    let client = client_of(&server);

    // 400 for an invalid body, naming the field: missing, mistyped, unknown tool type.
    for (path, body, param) in [
        ("/assistants", json!({"name": "no model"}), "model"),
        ("/assistants", json!({"model": 42}), "model"),
        (
            "/assistants",
            json!({"model": "m", "tools": [{"type": "browser"}]}),
            "tools[0].type",
        ),
        (
            "/assistants",
            json!({"model": "m", "tools": [{"type": "function"}]}),
            "tools[0].function",
        ),
        (
            "/assistants",
            json!({"model": "m", "temperature": "hot"}),
            "temperature",
        ),
        (
            "/threads",
            json!({"messages": [{"role": "user"}]}),
            "messages[0].content",
        ),
        (
            "/threads",
            json!({"messages": [{"role": "robot", "content": "x"}]}),
            "messages[0].role",
        ),
        ("/vector_stores", json!({"file_ids": "file-1"}), "file_ids"),
        ("/chat/completions", json!({"model": "m"}), "messages"),
        (
            "/chat/completions",
            json!({"model": "m", "messages": [{"role": "wizard", "content": "x"}]}),
            "messages[0].role",
        ),
    ] {
        let e = api_error(raw_post(&client, path, body.clone()));
        assert_eq!(
            (e.status, e.kind()),
            (400, ApiErrorKind::BadRequest),
            "{path} {body}: {e}"
        );
        let error = e.error.as_ref().expect("an error object");
        assert_eq!(error.param.as_deref(), Some(param), "{path} {body}: {e}");
        assert_eq!(error.type_, "invalid_request_error");
    }
    // The same through typed requests that are well-formed JSON but invalid.
    let unknown_tool = AssistantCreateRequest {
        tools: vec![AssistantTool::Unknown(json!({"type": "browser"}))],
        ..AssistantCreateRequest::new("gpt-4o-mini")
    };
    let error = expect_error(client.create_assistant(&unknown_tool), 400);
    assert_eq!(error.param.as_deref(), Some("tools[0].type"));
    let bad_name = AssistantCreateRequest {
        tools: vec![function_tool(
            "bad name",
            "spaces are not allowed",
            json!({"type": "object"}),
        )],
        ..AssistantCreateRequest::new("gpt-4o-mini")
    };
    let error = expect_error(client.create_assistant(&bad_name), 400);
    assert_eq!(error.param.as_deref(), Some("tools[0].function.name"));
    let assistant = client.create_assistant(&AssistantCreateRequest::new("gpt-4o-mini"))?;
    let thread = client.create_thread(&ThreadCreateRequest::default())?;
    let hot = RunCreateRequest {
        temperature: Some(3.5),
        ..RunCreateRequest::new(&assistant.id)
    };
    let error = expect_error(client.create_run(&thread.id, &hot), 400);
    assert_eq!(error.param.as_deref(), Some("temperature"));
    let video = ThreadMessageCreateRequest {
        content: ThreadMessageCreateRequestContent::Array(vec![
            MessageRequestContentPart::Unknown(json!({"type": "video", "video": {"url": "x"}})),
        ]),
        ..ThreadMessageCreateRequest::user("")
    };
    let error = expect_error(client.create_thread_message(&thread.id, &video), 400);
    assert_eq!(error.param.as_deref(), Some("content[0].type"));
    let error = expect_error(
        client.create_completion(&CompletionCreateRequest::new("m", Vec::new())),
        400,
    );
    assert_eq!(error.param.as_deref(), Some("messages"));
    let error = expect_error(client.upload_file("homework", "a.txt", "x".as_bytes()), 400);
    assert_eq!(error.param.as_deref(), Some("purpose"));
    let big = api_error(client.upload_file("assistants", "big.bin", vec![7u8; 100 * 1024]));
    assert_eq!(
        (big.status, big.kind()),
        (413, ApiErrorKind::Other),
        "{big}"
    );
    // One upload of a batch refused: the others are deleted again and the error returned.
    let files_before = client.iter_files(None).count();
    let store = client.create_vector_store(&VectorStoreCreateRequest::new("b", Vec::new()))?;
    let result = client
        .waiter()
        .max_concurrency(1)
        .upload_files_to_vector_store_and_wait(
            &store.id,
            [
                FileSource::from_bytes("small-1.txt", "small one".as_bytes()),
                FileSource::from_bytes("big.bin", vec![7u8; 100 * 1024]),
                FileSource::from_bytes("small-2.txt", "small two".as_bytes()),
            ],
        );
    assert_eq!(api_error(result).status, 413);
    assert_eq!(
        client.iter_files(None).count(),
        files_before,
        "nothing left behind"
    );
    assert_eq!(counts(&client.get_vector_store(&store.id)?), [0; 5]);

    // 401: a wrong key through the SDK, no key at all around it.
    let wrong = OpenAIClient::create_with_api_key("sk-wrong")
        .with_base_url(server.base_url())
        .build()?;
    let e = api_error(wrong.get_files(None));
    assert_eq!((e.status, e.kind()), (401, ApiErrorKind::Authentication));
    assert_eq!(
        e.error.as_ref().and_then(|e| e.code.as_deref()),
        Some("invalid_api_key")
    );
    assert!(
        matches!(
            OpenAIClient::create_with_api_key("")
                .with_base_url(server.base_url())
                .build(),
            Err(Error::Config(_))
        ),
        "the SDK never sends an empty key"
    );
    let files_url = format!("{}/files", server.base_url());
    for headers in [
        &[][..],
        &[("Authorization", "Bearer ")],
        &[("Authorization", "Basic c2s6")],
    ] {
        let (status, body) = bare_get(&files_url, headers);
        assert_eq!(status, 401, "{headers:?}: {body}");
        let error = raw_error(&body);
        assert_eq!(error.type_, "invalid_request_error");
        assert!(error.message.contains("Bearer"), "{}", error.message);
    }

    // 404 for unknown ids, with the engine's message, no param and no code; not retried.
    let before = request_number(client.get_files_with_response(None)?.request_id.as_deref());
    let e = api_error(client.get_assistant("asst_nope"));
    assert_eq!((e.status, e.kind()), (404, ApiErrorKind::NotFound));
    assert_eq!(e.message(), "No assistant found with id 'asst_nope'.");
    let error = e.error.as_ref().expect("an error object");
    assert_eq!(
        (error.param.as_deref(), error.code.as_deref()),
        (None, None)
    );
    assert_eq!(error.type_, "invalid_request_error");
    assert_eq!(
        request_number(e.request_id.as_deref()),
        before + 1,
        "one attempt only"
    );
    let after = request_number(client.get_files_with_response(None)?.request_id.as_deref());
    assert_eq!(after, before + 2);
    let message =
        client.create_thread_message(&thread.id, &ThreadMessageCreateRequest::user("hi"))?;
    let run = client.create_run_and_wait(&thread.id, &RunCreateRequest::new(&assistant.id))?;
    let store = client.create_vector_store(&VectorStoreCreateRequest::new("s", Vec::new()))?;
    let not_found: Vec<(&str, Box<ApiErrorResponse>)> = vec![
        ("thread_nope", api_error(client.get_thread("thread_nope"))),
        (
            "thread_nope",
            api_error(client.get_thread_messages("thread_nope", None)),
        ),
        (
            "msg_nope",
            api_error(client.get_thread_message(&thread.id, "msg_nope")),
        ),
        (
            "run_nope",
            api_error(client.get_run(&thread.id, "run_nope")),
        ),
        (
            "run_nope",
            api_error(client.cancel_run(&thread.id, "run_nope")),
        ),
        (
            "step_nope",
            api_error(client.get_run_step(&thread.id, &run.id, "step_nope")),
        ),
        ("file-nope", api_error(client.get_file("file-nope"))),
        ("file-nope", api_error(client.get_file_content("file-nope"))),
        ("vs_nope", api_error(client.get_vector_store("vs_nope"))),
        (
            "file-nope",
            api_error(client.get_vector_store_file(&store.id, "file-nope")),
        ),
        (
            "vsfb_nope",
            api_error(client.get_vector_store_file_batch(&store.id, "vsfb_nope")),
        ),
        (
            "msg_nope",
            api_error(client.delete_thread_message(&thread.id, "msg_nope")),
        ),
    ];
    for (id, e) in &not_found {
        assert_eq!(
            (e.status, e.kind()),
            (404, ApiErrorKind::NotFound),
            "{id}: {e}"
        );
        assert!(e.message().contains(id), "{id}: {e}");
    }
    // The waiting helpers stop at once on a 404.
    let e = api_error(client.wait_for_run_to_complete(&thread.id, "run_nope"));
    assert_eq!(e.status, 404);
    let e = api_error(client.wait_for_vector_store_file_to_complete(&store.id, "file-nope"));
    assert_eq!(e.status, 404);
    // An unknown id inside a body is a 404 naming the field.
    let error = expect_error(
        client.create_run(&thread.id, &RunCreateRequest::new("asst_nope")),
        404,
    );
    assert_eq!(error.param.as_deref(), Some("assistant_id"));
    let error = expect_error(
        client.create_vector_store(&VectorStoreCreateRequest::new(
            "s",
            vec!["file-nope".into()],
        )),
        404,
    );
    assert_eq!(error.param.as_deref(), Some("file_ids[0]"));
    // Ids the SDK refuses before sending anything.
    assert!(matches!(
        client.get_thread(""),
        Err(Error::InvalidArgument {
            name: "thread_id",
            ..
        })
    ));
    assert!(matches!(
        client.get_thread_message(&thread.id, " "),
        Err(Error::InvalidArgument {
            name: "message_id",
            ..
        })
    ));
    assert_eq!(
        client.get_thread_message(&thread.id, &message.id)?.id,
        message.id
    );

    // 400 without `OpenAI-Beta: assistants=v2` on assistants and threads paths.
    let beta = HeaderName::from_static("openai-beta");
    for path in ["/assistants", &format!("/threads/{}", thread.id)] {
        let request =
            Request::get(path).header(beta.clone(), HeaderValue::from_static("assistants=v1"));
        let error = expect_error(client.execute::<Value>(request), 400);
        assert_eq!(error.code.as_deref(), Some("invalid_beta"), "{path}");
    }
    let auth = ("Authorization", "Bearer sk-local-right");
    for path in ["assistants", "threads/x/runs"] {
        let (status, body) = bare_get(&format!("{}/{path}", server.base_url()), &[auth]);
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(raw_error(&body).code.as_deref(), Some("invalid_beta"));
    }
    let (status, body) = bare_get(
        &format!("{}/assistants", server.base_url()),
        &[auth, ("OpenAI-Beta", "assistants=v2")],
    );
    assert_eq!(status, 200, "{body}");
    // Files and vector stores do not need it.
    let (status, _) = bare_get(&format!("{}/vector_stores", server.base_url()), &[auth]);
    assert_eq!(status, 200);
    Ok(())
}

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
        tools: tools.clone(),
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
        tools,
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
            "add" => Ok(ModelReply::ToolCalls(vec![
                ModelToolCall {
                    name: "price".into(),
                    arguments: r#"{"item":"tent"}"#.into(),
                },
                ModelToolCall {
                    name: "price".into(),
                    arguments: r#"{"item":"stove"}"#.into(),
                },
            ])),
            "undeclared" => Ok(ModelReply::ToolCalls(vec![ModelToolCall {
                name: "launch_rocket".into(),
                arguments: "{}".into(),
            }])),
            "fail" => Err("the scripted model refuses".into()),
            "panic" => panic!("scripted panic"),
            "cite" => {
                let best = files.and_then(|s| s.search("tents warranty").into_iter().next());
                let best = best.ok_or("nothing to cite")?;
                let text = format!("See {} 【0†source】 for details.", best.filename);
                let start = text.chars().position(|c| c == '【').expect("a marker");
                Ok(ModelReply::Answer(ModelAnswer {
                    citations: vec![ModelCitation {
                        start,
                        end: start + 10,
                        file_id: best.file_id.clone(),
                    }],
                    text,
                }))
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
        tools: vec![price],
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
        messages: vec![ThreadMessageCreateRequest::user("cite")],
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

#[test]
fn eight_threads_fifty_cycles_each_on_one_engine() -> TestResult {
    const THREADS: usize = 8;
    const CYCLES: usize = 50;
    let server = engine(ms(1));
    let client = client_of(&server);
    let assistant = client.create_assistant(&AssistantCreateRequest::new("gpt-4o-mini"))?;
    let started = Instant::now();

    // Each worker owns a conversation; every question carries a token no other has.
    let results: Vec<(String, Vec<(String, String)>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|w| {
                let client = client.clone();
                let assistant = assistant.id.clone();
                scope.spawn(move || -> Result<(String, Vec<(String, String)>), Error> {
                    let thread = client.create_thread(&ThreadCreateRequest::default())?;
                    let mut cycles = Vec::new();
                    for i in 0..CYCLES {
                        let question = format!(
                            "worker {w} cycle {i} token {:08x}",
                            (w * 7919 + i * 104_729) ^ 0x5bd1_e995
                        );
                        client.create_thread_message(
                            &thread.id,
                            &ThreadMessageCreateRequest::user(&question),
                        )?;
                        let run = client
                            .create_run_and_wait(&thread.id, &RunCreateRequest::new(&assistant))?;
                        assert_eq!(
                            run.status,
                            RunResponseStatus::Completed,
                            "{question}: {run:?}"
                        );
                        let answer =
                            client.wait_for_assistant_message(&thread.id, Some(&run.id))?;
                        assert_eq!(
                            answer.text(),
                            format!("You said: \"{question}\""),
                            "the answer to its own question"
                        );
                        cycles.push((run.id, question));
                    }
                    Ok((thread.id, cycles))
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("worker").expect("cycles"))
            .collect()
    });
    let elapsed = started.elapsed();

    // Afterwards, every conversation is whole: question, answer, question, answer... each
    // answer from the run made for it; no message lost, none duplicated, none elsewhere.
    let mut all_messages = HashSet::new();
    let mut all_runs = HashSet::new();
    for (thread, cycles) in &results {
        let messages: Vec<ThreadMessageResponse> = client
            .iter_thread_messages(
                thread,
                Some(ThreadMessageListQueryParameters {
                    order: Some(ListOrder::Asc),
                    limit: Some(100),
                    ..Default::default()
                }),
            )
            .collect::<Result<_, _>>()?;
        assert_eq!(messages.len(), 2 * CYCLES, "{thread}");
        for (pair, (run_id, question)) in messages.chunks(2).zip(cycles) {
            let (asked, answered) = (&pair[0], &pair[1]);
            assert_eq!(
                (asked.role.clone(), asked.text()),
                (ThreadMessageResponseRole::User, question.clone())
            );
            assert_eq!(answered.role, ThreadMessageResponseRole::Assistant);
            assert_eq!(answered.text(), format!("You said: \"{question}\""));
            assert_eq!(answered.run_id.as_deref(), Some(run_id.as_str()));
        }
        all_messages.extend(messages.into_iter().map(|m| m.id));
        let runs: Vec<RunResponse> = client
            .iter_runs(
                thread,
                Some(RunListQueryParameters {
                    order: Some(ListOrder::Asc),
                    limit: Some(100),
                    ..Default::default()
                }),
            )
            .collect::<Result<_, _>>()?;
        let run_ids: Vec<&str> = runs.iter().map(|r| r.id.as_str()).collect();
        let expected: Vec<&str> = cycles.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(run_ids, expected);
        assert!(runs
            .iter()
            .all(|r| r.status == RunResponseStatus::Completed));
        all_runs.extend(runs.into_iter().map(|r| r.id));
    }
    assert_eq!(
        all_messages.len(),
        THREADS * CYCLES * 2,
        "every id unique across threads"
    );
    assert_eq!(all_runs.len(), THREADS * CYCLES);
    eprintln!(
        "{} create-message-run-wait cycles on {THREADS} threads in {elapsed:.2?} ({:.0}/s)",
        THREADS * CYCLES,
        (THREADS * CYCLES) as f64 / elapsed.as_secs_f64()
    );

    // Eight writers on one thread at once: all 400 messages land, each writer's in order.
    let shared = client.create_thread(&ThreadCreateRequest::default())?;
    std::thread::scope(|scope| {
        for w in 0..THREADS {
            let client = client.clone();
            let thread = shared.id.clone();
            scope.spawn(move || {
                for i in 0..CYCLES {
                    client
                        .create_thread_message(
                            &thread,
                            &ThreadMessageCreateRequest::user(format!("{w}:{i}")),
                        )
                        .expect("a message");
                }
            });
        }
    });
    let texts: Vec<String> = client
        .iter_thread_messages(
            &shared.id,
            Some(ThreadMessageListQueryParameters {
                order: Some(ListOrder::Asc),
                limit: Some(100),
                ..Default::default()
            }),
        )
        .map(|m| m.map(|m| m.text()))
        .collect::<Result<_, _>>()?;
    assert_eq!(texts.len(), THREADS * CYCLES);
    assert_eq!(
        texts.iter().collect::<HashSet<_>>().len(),
        THREADS * CYCLES,
        "no duplicate"
    );
    for w in 0..THREADS {
        let mine: Vec<&String> = texts
            .iter()
            .filter(|t| t.starts_with(&format!("{w}:")))
            .collect();
        let expected: Vec<String> = (0..CYCLES).map(|i| format!("{w}:{i}")).collect();
        assert_eq!(
            mine,
            expected.iter().collect::<Vec<_>>(),
            "writer {w} in its own order"
        );
    }
    Ok(())
}

// README-SNIPPET-START
/// The code under test: asks an assistant one question on a new thread.
fn ask(client: &OpenAIClient, assistant_id: &str, question: &str) -> Result<String, Error> {
    let thread = client.create_thread(&ThreadCreateRequest::default())?;
    client.create_thread_message(&thread.id, &ThreadMessageCreateRequest::user(question))?;
    client.run_and_get_assistant_response(&thread.id, &RunCreateRequest::new(assistant_id))
}

#[test]
fn ask_works_offline() -> Result<(), Box<dyn std::error::Error>> {
    // A scripted model: it answers every question with its length.
    let server = LocalServer::builder()
        .responder(|request: &ModelRequest| -> Result<ModelReply, String> {
            let length = request.last_user_text().unwrap_or_default().chars().count();
            Ok(ModelReply::text(format!("{length} characters")))
        })
        .start()?; // 127.0.0.1 on a free port; stops when dropped
    let client = server.client()?; // an OpenAIClient pointed at it

    let assistant = client.create_assistant(&AssistantCreateRequest::new("gpt-4o-mini"))?;
    assert_eq!(ask(&client, &assistant.id, "Is it open?")?, "11 characters");
    Ok(())
}
// README-SNIPPET-END

#[test]
fn the_readme_shows_the_snippet_tested_here() {
    let source = include_str!("e2e.rs");
    let start = source
        .find("// README-SNIPPET-START\n")
        .expect("start marker")
        + 24;
    let end = source.find("// README-SNIPPET-END").expect("end marker");
    let snippet = &source[start..end];
    let readme = include_str!("../README.md");
    assert!(
        readme.contains(snippet),
        "README.md must show, verbatim, the snippet of tests/e2e.rs between the markers:\n{snippet}"
    );
}
