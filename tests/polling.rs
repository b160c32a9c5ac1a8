//! Waiting helpers against httpmock, with a sleeper that records waits instead of sleeping.
//!
//! The recorded waits double as the test's clock: a mock can answer differently once the
//! client has slept a given number of times, which is how "three times in progress, then
//! completed" is scripted.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use httpmock::prelude::*;
use httpmock::Mock;
use openai_blocking::types::*;
use openai_blocking::*;
use serde_json::{json, Value};

/// Waits the client asked for, in order.
#[derive(Clone, Default)]
struct Sleeps(Arc<Mutex<Vec<Duration>>>);

impl Sleeps {
    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    fn all(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

fn client_with(
    server: &MockServer,
    configure: impl FnOnce(OpenAIClientBuilder) -> OpenAIClientBuilder,
) -> (OpenAIClient, Sleeps) {
    let sleeps = Sleeps::default();
    let recorder = sleeps.clone();
    let builder = OpenAIClient::create_with_api_key("sk-test")
        .with_base_url(server.base_url())
        .with_max_retries(0)
        .with_sleeper(move |d| recorder.0.lock().unwrap().push(d));
    (configure(builder).build().unwrap(), sleeps)
}

fn client(server: &MockServer) -> (OpenAIClient, Sleeps) {
    client_with(server, |b| b)
}

fn run(status: &str) -> Value {
    let mut run = common::fixture("run_completed.json");
    run["id"] = json!("run_1");
    run["thread_id"] = json!("thread_1");
    run["status"] = json!(status);
    run
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A GET mock of `path` that answers `body` while the client has slept fewer than `until`
/// times (or at least `from` times when `from` is given).
fn when_slept<'a>(
    server: &'a MockServer,
    sleeps: &Sleeps,
    path: &str,
    slept: std::ops::Range<usize>,
    body: Value,
) -> Mock<'a> {
    let sleeps = sleeps.clone();
    server.mock(|when, then| {
        when.method(GET)
            .path(path)
            .is_true(move |_| slept.contains(&sleeps.count()));
        then.status(200).json_body(body);
    })
}

const RUN_PATH: &str = "/threads/thread_1/runs/run_1";

#[test]
fn a_run_polled_three_times_in_progress_then_completed() {
    let server = MockServer::start();
    let (client, sleeps) = client(&server);
    let busy = when_slept(&server, &sleeps, RUN_PATH, 0..3, run("in_progress"));
    let done = when_slept(&server, &sleeps, RUN_PATH, 3..99, run("completed"));

    let run = client
        .wait_for_run_to_complete("thread_1", "run_1")
        .unwrap();

    assert_eq!(run.status, RunResponseStatus::Completed);
    assert_eq!((busy.calls(), done.calls()), (3, 1));
    assert_eq!(
        sleeps.all(),
        vec![Duration::from_secs(1); 3],
        "default interval is 1 s"
    );
}

#[test]
fn queued_cancelling_and_unknown_statuses_keep_the_wait_going() {
    let server = MockServer::start();
    let (client, sleeps) = client(&server);
    let queued = when_slept(&server, &sleeps, RUN_PATH, 0..1, run("queued"));
    let novel = when_slept(&server, &sleeps, RUN_PATH, 1..2, run("thinking_hard"));
    let cancelling = when_slept(&server, &sleeps, RUN_PATH, 2..3, run("cancelling"));
    let cancelled = when_slept(&server, &sleeps, RUN_PATH, 3..99, run("cancelled"));

    let run = client
        .wait_for_run_to_complete("thread_1", "run_1")
        .unwrap();

    assert_eq!(run.status, RunResponseStatus::Cancelled);
    let hits = [
        queued.calls(),
        novel.calls(),
        cancelling.calls(),
        cancelled.calls(),
    ];
    assert_eq!(hits, [1, 1, 1, 1]);
}

#[test]
fn requires_action_ends_the_wait_at_once() {
    let server = MockServer::start();
    let (client, sleeps) = client(&server);
    let mut body = common::fixture("run_requires_action.json");
    body["id"] = json!("run_1");
    body["thread_id"] = json!("thread_1");
    let mock = when_slept(&server, &sleeps, RUN_PATH, 0..99, body);

    let run = client
        .wait_for_run_to_complete("thread_1", "run_1")
        .unwrap();

    assert_eq!(run.status, RunResponseStatus::RequiresAction);
    assert!(run.required_action.is_some());
    assert_eq!(mock.calls(), 1);
    assert_eq!(sleeps.count(), 0);
}

#[test]
fn the_servers_poll_after_hint_sets_the_interval() {
    let server = MockServer::start();
    let (client, sleeps) = client(&server);
    let sleeps2 = sleeps.clone();
    let busy = server.mock(|when, then| {
        when.method(GET)
            .path(RUN_PATH)
            .is_true(move |_| sleeps2.count() < 2);
        then.status(200)
            .header("openai-poll-after-ms", "250")
            .json_body(run("in_progress"));
    });
    let done = when_slept(&server, &sleeps, RUN_PATH, 2..99, run("completed"));

    client
        .wait_for_run_to_complete("thread_1", "run_1")
        .unwrap();

    assert_eq!((busy.calls(), done.calls()), (2, 1));
    assert_eq!(sleeps.all(), vec![ms(250), ms(250)]);
}

#[test]
fn a_long_server_hint_is_capped_at_ten_seconds() {
    let server = MockServer::start();
    let (client, sleeps) = client(&server);
    let sleeps2 = sleeps.clone();
    server.mock(|when, then| {
        when.method(GET)
            .path(RUN_PATH)
            .is_true(move |_| sleeps2.count() < 1);
        then.status(200)
            .header("openai-poll-after-ms", "600000")
            .json_body(run("in_progress"));
    });
    when_slept(&server, &sleeps, RUN_PATH, 1..99, run("completed"));

    client
        .wait_for_run_to_complete("thread_1", "run_1")
        .unwrap();

    assert_eq!(sleeps.all(), vec![Duration::from_secs(10)]);
}

#[test]
fn an_interval_set_by_the_caller_wins_over_the_server_hint() {
    let server = MockServer::start();
    let (client, sleeps) = client_with(&server, |b| b.with_polling_interval(Some(ms(40))));
    let sleeps2 = sleeps.clone();
    server.mock(|when, then| {
        when.method(GET)
            .path(RUN_PATH)
            .is_true(move |_| sleeps2.count() < 2);
        then.status(200)
            .header("openai-poll-after-ms", "5000")
            .json_body(run("in_progress"));
    });
    when_slept(&server, &sleeps, RUN_PATH, 2..99, run("completed"));

    client
        .wait_for_run_to_complete("thread_1", "run_1")
        .unwrap();

    assert_eq!(sleeps.all(), vec![ms(40), ms(40)]);
}

#[test]
fn the_timeout_gives_poll_timeout_with_the_last_run() {
    let server = MockServer::start();
    let (client, sleeps) = client_with(&server, |b| {
        b.with_polling_interval(Some(Duration::from_secs(1)))
            .with_polling_timeout(Some(ms(2500)))
    });
    let busy = when_slept(&server, &sleeps, RUN_PATH, 0..99, run("in_progress"));

    let err = client
        .wait_for_run_to_complete("thread_1", "run_1")
        .unwrap_err();

    // Polls at 0 s, 1 s, 2 s and at the deadline, 2.5 s.
    assert_eq!(sleeps.all(), vec![ms(1000), ms(1000), ms(500)]);
    assert_eq!(busy.calls(), 4);
    match err {
        Error::PollTimeout {
            elapsed,
            attempts,
            last,
        } => {
            assert_eq!((elapsed, attempts), (ms(2500), 4));
            match *last {
                Polled::Run(run) => {
                    assert_eq!(run.id, "run_1");
                    assert_eq!(run.status, RunResponseStatus::InProgress);
                }
                other => panic!("expected the run, got {other:?}"),
            }
        }
        other => panic!("expected PollTimeout, got {other:?}"),
    }
    // A timed-out wait leaves the run alone.
    assert_eq!(
        server
            .mock(|w, t| {
                w.method(POST);
                t.status(500);
            })
            .calls(),
        0
    );
}

#[test]
fn no_timeout_means_waiting_as_long_as_it_takes() {
    let server = MockServer::start();
    let (client, sleeps) = client_with(&server, |b| {
        b.with_polling_interval(Some(Duration::from_secs(60)))
            .with_polling_timeout(None)
    });
    when_slept(&server, &sleeps, RUN_PATH, 0..30, run("in_progress"));
    when_slept(&server, &sleeps, RUN_PATH, 30..99, run("completed"));

    let run = client
        .wait_for_run_to_complete("thread_1", "run_1")
        .unwrap();

    assert_eq!(run.status, RunResponseStatus::Completed);
    assert_eq!(
        sleeps.count(),
        30,
        "30 minutes of waiting, without giving up"
    );
}

#[test]
fn the_cancel_flag_ends_the_wait_within_one_interval() {
    let server = MockServer::start();
    let flag = Arc::new(AtomicBool::new(false));
    let raise = flag.clone();
    let slices = Sleeps::default();
    let recorder = slices.clone();
    // The flag goes up in the middle of the second wait.
    let client = OpenAIClient::create_with_api_key("sk-test")
        .with_base_url(server.base_url())
        .with_sleeper(move |d| {
            let mut all = recorder.0.lock().unwrap();
            all.push(d);
            if all.len() == 13 {
                raise.store(true, Ordering::SeqCst);
            }
        })
        .build()
        .unwrap();
    let busy = server.mock(|when, then| {
        when.method(GET).path(RUN_PATH);
        then.status(200).json_body(run("in_progress"));
    });

    let err = client
        .waiter()
        .cancel_flag(flag)
        .wait_for_run_to_complete("thread_1", "run_1")
        .unwrap_err();

    // One full second in ten slices, then three slices of the second wait.
    assert_eq!(slices.all(), vec![ms(100); 13]);
    assert_eq!(busy.calls(), 2);
    match err {
        Error::PollCancelled { attempts, last, .. } => {
            assert_eq!(attempts, 2);
            assert_eq!(last.status(), "in_progress");
        }
        other => panic!("expected PollCancelled, got {other:?}"),
    }
}

#[test]
fn on_poll_reports_status_elapsed_and_attempt() {
    let server = MockServer::start();
    let (client, sleeps) = client_with(&server, |b| b.with_polling_interval(Some(ms(500))));
    when_slept(&server, &sleeps, RUN_PATH, 0..1, run("queued"));
    when_slept(&server, &sleeps, RUN_PATH, 1..2, run("in_progress"));
    when_slept(&server, &sleeps, RUN_PATH, 2..99, run("completed"));
    let mut seen = Vec::new();

    client
        .waiter()
        .on_poll(|p| seen.push((p.status.clone(), p.elapsed, p.attempt)))
        .wait_for_run_to_complete("thread_1", "run_1")
        .unwrap();

    let expected = vec![
        ("queued".to_owned(), ms(0), 1),
        ("in_progress".to_owned(), ms(500), 2),
        ("completed".to_owned(), ms(1000), 3),
    ];
    // Real time adds a little to the first poll; the recorded waits dominate the rest.
    assert_eq!(seen.len(), 3);
    for ((status, elapsed, attempt), (want_status, want_elapsed, want_attempt)) in
        seen.iter().zip(&expected)
    {
        assert_eq!((status, attempt), (want_status, want_attempt));
        assert!(*elapsed >= *want_elapsed && *elapsed < *want_elapsed + ms(400));
    }
}

fn run_create_mock<'a>(server: &'a MockServer, status: &str) -> Mock<'a> {
    let body = run(status);
    server.mock(|when, then| {
        when.method(POST)
            .path("/threads/thread_1/runs")
            .header("openai-beta", "assistants=v2")
            .json_body(json!({"assistant_id": "asst_1"}));
        then.status(200).json_body(body);
    })
}

#[test]
fn a_failed_run_gives_run_not_completed_with_its_last_error() {
    let server = MockServer::start();
    let (client, sleeps) = client(&server);
    run_create_mock(&server, "queued");
    let mut failed = run("failed");
    failed["last_error"] = json!({"code": "rate_limit_exceeded", "message": "Slow down"});
    when_slept(&server, &sleeps, RUN_PATH, 0..1, run("in_progress"));
    when_slept(&server, &sleeps, RUN_PATH, 1..99, failed);
    let messages = server.mock(|when, then| {
        when.method(GET).path("/threads/thread_1/messages");
        then.status(200)
            .json_body(json!({"object": "list", "data": [], "has_more": false}));
    });

    let err = client
        .run_and_get_assistant_response("thread_1", &RunCreateRequest::new("asst_1"))
        .unwrap_err();

    match &err {
        Error::RunNotCompleted(run) => {
            assert_eq!(run.status, RunResponseStatus::Failed);
            let last = run.last_error.as_ref().unwrap();
            assert_eq!(last.code, RunResponseLastErrorCode::RateLimitExceeded);
            assert_eq!(last.message, "Slow down");
        }
        other => panic!("expected RunNotCompleted, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "run run_1 ended with status failed: rate_limit_exceeded: Slow down"
    );
    assert_eq!(messages.calls(), 0);
}

fn text_part(value: &str) -> Value {
    json!({"type": "text", "text": {"value": value, "annotations": []}})
}

fn message(id: &str, role: &str, status: &str, content: Vec<Value>) -> Value {
    json!({
        "id": id, "object": "thread.message", "created_at": 1, "thread_id": "thread_1",
        "status": status, "role": role, "content": content, "assistant_id": "asst_1",
        "run_id": "run_1", "attachments": [], "metadata": {}
    })
}

#[test]
fn the_assistant_answer_joins_its_text_parts_in_order() {
    let server = MockServer::start();
    let (client, _) = client(&server);
    run_create_mock(&server, "completed");
    let list = json!({
        "object": "list", "has_more": false, "first_id": "msg_1", "last_id": "msg_2",
        "data": [
            message("msg_1", "assistant", "completed", vec![
                text_part("First part."),
                json!({"type": "image_file", "image_file": {"file_id": "file_img"}}),
                text_part("Second part."),
            ]),
            message("msg_2", "assistant", "completed", vec![text_part("Another message.")]),
        ]
    });
    let messages = server.mock(|when, then| {
        when.method(GET)
            .path("/threads/thread_1/messages")
            .query_param("run_id", "run_1")
            .query_param("order", "asc");
        then.status(200).json_body(list);
    });

    let text = client
        .run_and_get_assistant_response("thread_1", &RunCreateRequest::new("asst_1"))
        .unwrap();

    assert_eq!(text, "First part.\n\nSecond part.\n\nAnother message.");
    assert_eq!(messages.calls(), 1);
}

#[test]
fn wait_for_assistant_message_polls_until_one_is_complete() {
    let server = MockServer::start();
    let (client, sleeps) = client(&server);
    let user = message("msg_u", "user", "completed", vec![text_part("Hi")]);
    let page = |data: Vec<Value>| {
        let first = data[0]["id"].clone();
        let last = data[data.len() - 1]["id"].clone();
        json!({"object": "list", "data": data, "has_more": false, "first_id": first, "last_id": last})
    };
    let list_mock = |slept: std::ops::Range<usize>, body: Value| {
        let sleeps = sleeps.clone();
        server.mock(move |when, then| {
            when.method(GET)
                .path("/threads/thread_1/messages")
                .query_param("order", "desc")
                .query_param("run_id", "run_1")
                .is_true(move |_| slept.contains(&sleeps.count()));
            then.status(200).json_body(body);
        })
    };
    let empty = list_mock(0..1, page(vec![user.clone()]));
    let writing = list_mock(
        1..2,
        page(vec![
            message("msg_a", "assistant", "in_progress", vec![]),
            user.clone(),
        ]),
    );
    let done = list_mock(
        2..99,
        page(vec![
            message("msg_a", "assistant", "completed", vec![text_part("Hello!")]),
            user,
        ]),
    );
    let mut statuses = Vec::new();

    let reply = client
        .waiter()
        .on_poll(|p| statuses.push(p.status.clone()))
        .wait_for_assistant_message("thread_1", Some("run_1"))
        .unwrap();

    assert_eq!(
        (reply.id.as_str(), reply.text()),
        ("msg_a", "Hello!".to_owned())
    );
    assert_eq!((empty.calls(), writing.calls(), done.calls()), (1, 1, 1));
    assert_eq!(statuses, ["waiting", "in_progress", "completed"]);
}

#[test]
fn wait_for_thread_message_stops_on_incomplete() {
    let server = MockServer::start();
    let (client, sleeps) = client(&server);
    let path = "/threads/thread_1/messages/msg_1";
    when_slept(
        &server,
        &sleeps,
        path,
        0..1,
        message("msg_1", "assistant", "in_progress", vec![]),
    );
    let mut incomplete = message("msg_1", "assistant", "incomplete", vec![]);
    incomplete["incomplete_details"] = json!({"reason": "max_tokens"});
    when_slept(&server, &sleeps, path, 1..99, incomplete);

    let message = client
        .wait_for_thread_message_to_complete("thread_1", "msg_1")
        .unwrap();

    assert_eq!(
        message.status,
        Some(ThreadMessageResponseStatus::Incomplete)
    );
    assert_eq!(sleeps.count(), 1);
}

fn batch(status: &str, in_progress: i64, completed: i64) -> Value {
    json!({
        "id": "vsfb_1", "object": "vector_store.files_batch", "created_at": 1,
        "vector_store_id": "vs_1", "status": status,
        "file_counts": {"in_progress": in_progress, "completed": completed, "failed": 0,
                        "cancelled": 0, "total": in_progress + completed}
    })
}

#[test]
fn a_file_batch_is_waited_for_while_files_are_in_progress() {
    let server = MockServer::start();
    let (client, sleeps) = client(&server);
    let create = server.mock(|when, then| {
        when.method(POST)
            .path("/vector_stores/vs_1/file_batches")
            .header("openai-beta", "assistants=v2")
            .json_body(json!({"file_ids": ["file_a", "file_b"]}));
        then.status(200).json_body(batch("in_progress", 2, 0));
    });
    let path = "/vector_stores/vs_1/file_batches/vsfb_1";
    let busy1 = when_slept(&server, &sleeps, path, 0..1, batch("in_progress", 2, 0));
    let busy2 = when_slept(&server, &sleeps, path, 1..2, batch("in_progress", 1, 1));
    let done = when_slept(&server, &sleeps, path, 2..99, batch("completed", 0, 2));

    let request = VectorStoreFileBatchCreateRequest::new(vec!["file_a".into(), "file_b".into()]);
    let batch = client
        .create_vector_store_file_batch_and_wait("vs_1", &request)
        .unwrap();

    assert_eq!(batch.status, VectorStoreFileBatchResponseStatus::Completed);
    assert_eq!(batch.file_counts.completed, 2);
    let hits = [create.calls(), busy1.calls(), busy2.calls(), done.calls()];
    assert_eq!(hits, [1, 1, 1, 1]);
}

#[test]
fn a_vector_store_is_created_then_waited_for() {
    let server = MockServer::start();
    let (client, sleeps) = client(&server);
    let mut store = common::fixture("vector_store.json");
    store["id"] = json!("vs_1");
    store["status"] = json!("in_progress");
    let created = store.clone();
    server.mock(|when, then| {
        when.method(POST).path("/vector_stores");
        then.status(200).json_body(created);
    });
    when_slept(&server, &sleeps, "/vector_stores/vs_1", 0..2, store.clone());
    store["status"] = json!("completed");
    let done = when_slept(&server, &sleeps, "/vector_stores/vs_1", 2..99, store);

    let request = VectorStoreCreateRequest::new("docs", vec!["file_a".into()]);
    let store = client
        .create_vector_store_and_wait_to_complete(&request)
        .unwrap();

    assert_eq!(store.status, Some(VectorStoreResponseStatus::Completed));
    assert_eq!((sleeps.count(), done.calls()), (2, 1));
}

#[test]
fn a_failed_vector_store_file_is_returned_with_its_error() {
    let server = MockServer::start();
    let (client, sleeps) = client(&server);
    let file = |status: &str| {
        json!({"id": "file_a", "object": "vector_store.file", "created_at": 1,
               "vector_store_id": "vs_1", "status": status, "usage_bytes": 0,
               "last_error": if status == "failed" {
                   json!({"code": "unsupported_file", "message": "Cannot read this"})
               } else { Value::Null }})
    };
    let path = "/vector_stores/vs_1/files/file_a";
    when_slept(&server, &sleeps, path, 0..1, file("in_progress"));
    when_slept(&server, &sleeps, path, 1..99, file("failed"));

    let file = client
        .wait_for_vector_store_file_to_complete("vs_1", "file_a")
        .unwrap();

    assert_eq!(file.status, Some(VectorStoreFileResponseStatus::Failed));
    assert_eq!(file.last_error.unwrap().message, "Cannot read this");
}

#[test]
fn submitting_tool_outputs_waits_for_the_run_to_stop_again() {
    let server = MockServer::start();
    let (client, sleeps) = client(&server);
    let submit = server.mock(|when, then| {
        when.method(POST)
            .path("/threads/thread_1/runs/run_1/submit_tool_outputs")
            .json_body(json!({"tool_outputs": [{"tool_call_id": "call_1", "output": "22C"}]}));
        then.status(200).json_body(run("queued"));
    });
    when_slept(&server, &sleeps, RUN_PATH, 0..1, run("in_progress"));
    when_slept(&server, &sleeps, RUN_PATH, 1..99, run("completed"));

    let request = SubmitToolOutputsRequest::new([("call_1", "22C")]);
    let run = client
        .submit_tool_outputs_and_wait("thread_1", "run_1", &request)
        .unwrap();

    assert_eq!(run.status, RunResponseStatus::Completed);
    assert_eq!((submit.calls(), sleeps.count()), (1, 1));
}

#[test]
fn create_thread_and_run_and_wait_polls_the_new_run() {
    let server = MockServer::start();
    let (client, sleeps) = client(&server);
    server.mock(|when, then| {
        when.method(POST)
            .path("/threads/runs")
            .json_body(json!({"assistant_id": "asst_1"}));
        then.status(200).json_body(run("queued"));
    });
    let done = when_slept(&server, &sleeps, RUN_PATH, 0..99, run("incomplete"));

    let run = client
        .create_thread_and_run_and_wait(&RunThreadCreateRequest::new("asst_1"))
        .unwrap();

    assert_eq!(run.status, RunResponseStatus::Incomplete);
    assert_eq!(done.calls(), 1);
}

fn uploaded(id: &str) -> Value {
    json!({"id": id, "object": "file", "bytes": 5, "created_at": 1,
           "filename": format!("{id}.txt"), "purpose": "assistants"})
}

#[test]
fn files_are_uploaded_then_attached_as_one_batch_in_order() {
    let server = MockServer::start();
    let (client, _) = client(&server);
    let uploads: Vec<Mock> = ["a", "b", "c"]
        .iter()
        .map(|name| {
            server.mock(|when, then| {
                when.method(POST)
                    .path("/files")
                    .body_includes(format!("filename=\"{name}.txt\""))
                    .body_includes("assistants");
                then.status(200)
                    .json_body(uploaded(&format!("file_{name}")));
            })
        })
        .collect();
    let create = server.mock(|when, then| {
        when.method(POST)
            .path("/vector_stores/vs_1/file_batches")
            .json_body(json!({"file_ids": ["file_a", "file_b", "file_c"]}));
        then.status(200).json_body(batch("completed", 0, 3));
    });

    let files =
        ["a", "b", "c"].map(|n| FileSource::from_bytes(format!("{n}.txt"), n.as_bytes().to_vec()));
    let batch = client
        .waiter()
        .max_concurrency(2)
        .upload_files_to_vector_store_and_wait("vs_1", files)
        .unwrap();

    assert_eq!(batch.file_counts.completed, 3);
    assert!(uploads.iter().all(|m| m.calls() == 1));
    assert_eq!(create.calls(), 1);
}

#[test]
fn a_failed_upload_deletes_the_others_and_reports_the_error() {
    let server = MockServer::start();
    let (client, _) = client(&server);
    server.mock(|when, then| {
        when.method(POST)
            .path("/files")
            .body_includes("filename=\"a.txt\"");
        then.status(200).json_body(uploaded("file_a"));
    });
    server.mock(|when, then| {
        when.method(POST)
            .path("/files")
            .body_includes("filename=\"b.txt\"");
        then.status(400).json_body(
            json!({"error": {"message": "Bad file", "type": "invalid_request_error",
                                        "param": "file", "code": null}}),
        );
    });
    let deleted = server.mock(|when, then| {
        when.method(DELETE).path("/files/file_a");
        then.status(200)
            .json_body(json!({"id": "file_a", "object": "file", "deleted": true}));
    });
    let batches = server.mock(|when, then| {
        when.method(POST).path("/vector_stores/vs_1/file_batches");
        then.status(200).json_body(batch("completed", 0, 1));
    });

    let files =
        ["a", "b"].map(|n| FileSource::from_bytes(format!("{n}.txt"), n.as_bytes().to_vec()));
    let err = client
        .waiter()
        .max_concurrency(1)
        .upload_files_to_vector_store_and_wait("vs_1", files)
        .unwrap_err();

    assert_eq!(err.status(), Some(400));
    assert_eq!((deleted.calls(), batches.calls()), (1, 0));
}

/// A reader over `bytes` that raises `flag` once its last byte has been read.
struct RaiseAtEnd {
    bytes: std::io::Cursor<Vec<u8>>,
    flag: Arc<AtomicBool>,
}

impl std::io::Read for RaiseAtEnd {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.bytes.read(buf)?;
        if self.bytes.position() == self.bytes.get_ref().len() as u64 {
            self.flag.store(true, Ordering::SeqCst);
        }
        Ok(n)
    }
}

#[test]
fn a_cancelled_upload_is_upload_cancelled_and_deletes_what_it_uploaded() {
    let server = MockServer::start();
    let (client, _) = client(&server);
    let uploads = server.mock(|when, then| {
        when.method(POST).path("/files");
        then.status(200).json_body(uploaded("file_a"));
    });
    let deleted = server.mock(|when, then| {
        when.method(DELETE).path("/files/file_a");
        then.status(200)
            .json_body(json!({"id": "file_a", "object": "file", "deleted": true}));
    });
    let batches = server.mock(|when, then| {
        when.method(POST).path("/vector_stores/vs_1/file_batches");
        then.status(200).json_body(batch("completed", 0, 1));
    });

    // The first file raises the flag as it is sent: the other two never start.
    let flag = Arc::new(AtomicBool::new(false));
    let first = RaiseAtEnd {
        bytes: std::io::Cursor::new(b"first".to_vec()),
        flag: flag.clone(),
    };
    let files = vec![
        FileSource::from_reader("a.txt", first, Some(5)),
        FileSource::from_bytes("b.txt", &b"b"[..]),
        FileSource::from_bytes("c.txt", &b"c"[..]),
    ];
    let err = client
        .waiter()
        .max_concurrency(1)
        .cancel_flag(flag)
        .upload_files_to_vector_store_and_wait("vs_1", files)
        .unwrap_err();

    assert!(
        matches!(
            err,
            Error::UploadCancelled {
                uploaded: 1,
                total: 3
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("1 of 3"), "{err}");
    assert_eq!(
        (uploads.calls(), deleted.calls(), batches.calls()),
        (1, 1, 0)
    );
}

#[test]
fn an_upload_cancelled_before_it_starts_sends_nothing() {
    let server = MockServer::start();
    let (client, _) = client(&server);
    let any = server.mock(|_, then| {
        then.status(500);
    });
    let files = vec![FileSource::from_bytes("a.txt", &b"a"[..])];
    let err = client
        .waiter()
        .cancel_flag(Arc::new(AtomicBool::new(true)))
        .upload_files_to_vector_store_and_wait("vs_1", files)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::UploadCancelled {
                uploaded: 0,
                total: 1
            }
        ),
        "{err:?}"
    );
    assert_eq!(any.calls(), 0);
}

#[test]
fn uploading_nothing_is_an_invalid_argument() {
    let server = MockServer::start();
    let (client, _) = client(&server);
    let err = client
        .upload_files_to_vector_store_and_wait("vs_1", Vec::new())
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidArgument { name: "files", .. }),
        "{err:?}"
    );
}

#[test]
fn empty_ids_are_rejected_before_any_poll() {
    let server = MockServer::start();
    let (client, _) = client(&server);
    let any = server.mock(|_, then| {
        then.status(500);
    });
    let err = client.wait_for_run_to_complete("thread_1", "").unwrap_err();
    assert!(
        matches!(err, Error::InvalidArgument { name: "run_id", .. }),
        "{err:?}"
    );
    assert_eq!(any.calls(), 0);
}

#[test]
fn get_assistant_response_reads_a_completed_runs_messages_only() {
    let server = MockServer::start();
    let (client, _) = client(&server);
    let list = json!({
        "object": "list", "has_more": false, "first_id": "msg_1", "last_id": "msg_1",
        "data": [message("msg_1", "assistant", "completed", vec![text_part("It is 22C.")])]
    });
    let messages = server.mock(|when, then| {
        when.method(GET)
            .path("/threads/thread_1/messages")
            .query_param("run_id", "run_1");
        then.status(200).json_body(list);
    });
    let completed: RunResponse = serde_json::from_value(run("completed")).unwrap();
    assert_eq!(
        client.get_assistant_response(&completed).unwrap(),
        "It is 22C."
    );

    let waiting: RunResponse = serde_json::from_value(run("requires_action")).unwrap();
    let err = client.get_assistant_response(&waiting).unwrap_err();
    assert!(
        matches!(err, Error::RunNotCompleted(ref r) if r.id == "run_1"),
        "{err:?}"
    );
    assert_eq!(messages.calls(), 1);
}

#[test]
fn a_server_hint_is_kept_when_later_answers_omit_it() {
    let server = MockServer::start();
    let (client, sleeps) = client(&server);
    let sleeps2 = sleeps.clone();
    server.mock(|when, then| {
        when.method(GET)
            .path(RUN_PATH)
            .is_true(move |_| sleeps2.count() == 0);
        then.status(200)
            .header("openai-poll-after-ms", "300")
            .json_body(run("queued"));
    });
    when_slept(&server, &sleeps, RUN_PATH, 1..3, run("in_progress"));
    when_slept(&server, &sleeps, RUN_PATH, 3..99, run("completed"));

    client
        .wait_for_run_to_complete("thread_1", "run_1")
        .unwrap();

    assert_eq!(sleeps.all(), vec![ms(300); 3]);
}

// --- Background responses ---------------------------------------------------------------

const RESPONSE_PATH: &str = "/responses/resp_bg1";

/// A background response with `status` (and, once completed, an answer).
fn response(status: &str) -> Value {
    let mut response = json!({
        "id": "resp_bg1", "object": "response", "created_at": 1764590400,
        "status": status, "background": true, "model": "gpt-4.1-mini",
        "output": [], "parallel_tool_calls": true, "tool_choice": "auto", "tools": [],
        "error": null, "incomplete_details": null, "metadata": {}
    });
    if status == "completed" {
        response["output"] = json!([{
            "id": "msg_1", "type": "message", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": "Done.", "annotations": [], "logprobs": []}]
        }]);
    }
    response
}

#[test]
fn a_background_response_is_polled_through_queued_and_in_progress() {
    let server = MockServer::start();
    let (client, sleeps) = client(&server);
    let create = server.mock(|when, then| {
        when.method(POST)
            .path("/responses")
            .json_body_includes(r#"{"background": true}"#);
        then.status(200).json_body(response("queued"));
    });
    let queued = when_slept(&server, &sleeps, RESPONSE_PATH, 0..1, response("queued"));
    let busy = when_slept(
        &server,
        &sleeps,
        RESPONSE_PATH,
        1..3,
        response("in_progress"),
    );
    let done = when_slept(
        &server,
        &sleeps,
        RESPONSE_PATH,
        3..99,
        response("completed"),
    );
    let request = ResponseCreateRequest {
        background: Some(true),
        ..ResponseCreateRequest::text("gpt-4.1-mini", "Write a long story.")
    };

    let finished = client.create_response_and_wait(&request).unwrap();

    assert_eq!(finished.status, Some(ResponseObjectStatus::Completed));
    assert_eq!(finished.output_text(), "Done.");
    assert_eq!(
        (create.calls(), queued.calls(), busy.calls(), done.calls()),
        (1, 1, 2, 1)
    );
    assert_eq!(sleeps.count(), 3);
}

#[test]
fn every_final_response_status_ends_the_wait_and_a_finished_create_is_not_polled() {
    for status in ["completed", "failed", "cancelled", "incomplete"] {
        let server = MockServer::start();
        let (client, sleeps) = client(&server);
        let get = when_slept(&server, &sleeps, RESPONSE_PATH, 0..99, response(status));
        let waited = client.wait_for_response_to_complete("resp_bg1").unwrap();
        assert_eq!(waited.status.unwrap().to_string(), status);
        assert_eq!((get.calls(), sleeps.count()), (1, 0), "{status}");

        let created = server.mock(|when, then| {
            when.method(POST).path("/responses");
            then.status(200).json_body(response(status));
        });
        let request = ResponseCreateRequest::text("gpt-4.1-mini", "Hi");
        assert_eq!(
            client.create_response_and_wait(&request).unwrap().id,
            "resp_bg1"
        );
        assert_eq!((created.calls(), get.calls()), (1, 1), "{status}");
    }
}

fn cancel_mock(server: &MockServer) -> Mock<'_> {
    server.mock(|when, then| {
        when.method(POST).path("/responses/resp_bg1/cancel");
        then.status(200).json_body(response("cancelled"));
    })
}

#[test]
fn a_timed_out_wait_leaves_the_response_running_unless_asked_to_cancel_it() {
    let server = MockServer::start();
    let (client, sleeps) = client_with(&server, |b| {
        b.with_polling_interval(Some(Duration::from_secs(1)))
            .with_polling_timeout(Some(ms(2000)))
    });
    let busy = when_slept(
        &server,
        &sleeps,
        RESPONSE_PATH,
        0..99,
        response("in_progress"),
    );
    let cancel = cancel_mock(&server);

    let left = client
        .wait_for_response_to_complete("resp_bg1")
        .unwrap_err();
    assert!(matches!(&left, Error::PollTimeout { last, .. } if last.status() == "in_progress"));
    assert_eq!(cancel.calls(), 0);

    let stopped = client
        .waiter()
        .cancel_on_stop(true)
        .wait_for_response_to_complete("resp_bg1")
        .unwrap_err();
    assert_eq!(cancel.calls(), 1);
    match stopped {
        Error::PollTimeout { last, attempts, .. } => {
            assert_eq!(attempts, 3);
            // The error carries what the cancel call returned.
            assert!(matches!(*last, Polled::Response(ref r) if r.id == "resp_bg1"));
            assert_eq!(last.status(), "cancelled");
            assert_eq!(last.to_string(), "response resp_bg1 (cancelled)");
        }
        other => panic!("expected PollTimeout, got {other:?}"),
    }
    assert_eq!(busy.calls(), 6);
}

#[test]
fn a_cancelled_wait_cancels_the_response_when_asked_and_a_failed_cancel_keeps_the_error() {
    let server = MockServer::start();
    let (client, _) = client(&server);
    server.mock(|when, then| {
        when.method(GET).path(RESPONSE_PATH);
        then.status(200).json_body(response("in_progress"));
    });
    let mut cancel = cancel_mock(&server);
    let flag = Arc::new(AtomicBool::new(true));

    let err = client
        .waiter()
        .cancel_flag(flag.clone())
        .cancel_on_stop(true)
        .wait_for_response_to_complete("resp_bg1")
        .unwrap_err();
    assert!(matches!(&err, Error::PollCancelled { last, .. } if last.status() == "cancelled"));
    assert_eq!(cancel.calls(), 1);

    // The cancel call fails: the wait's own error comes back, with the last response polled.
    cancel.delete();
    let refused = server.mock(|when, then| {
        when.method(POST).path("/responses/resp_bg1/cancel");
        then.status(400).json_body(json!({"error": {
            "message": "Only background responses can be cancelled.",
            "type": "invalid_request_error", "param": null, "code": null
        }}));
    });
    let err = client
        .waiter()
        .cancel_flag(flag)
        .cancel_on_stop(true)
        .wait_for_response_to_complete("resp_bg1")
        .unwrap_err();
    assert_eq!(refused.calls(), 1);
    assert!(matches!(&err, Error::PollCancelled { last, .. } if last.status() == "in_progress"));
}

#[test]
fn a_run_wait_can_cancel_the_run_on_timeout_too() {
    let server = MockServer::start();
    let (client, sleeps) = client_with(&server, |b| {
        b.with_polling_interval(Some(Duration::from_secs(1)))
            .with_polling_timeout(Some(ms(1000)))
    });
    when_slept(&server, &sleeps, RUN_PATH, 0..99, run("in_progress"));
    let cancel = server.mock(|when, then| {
        when.method(POST).path(format!("{RUN_PATH}/cancel"));
        then.status(200).json_body(run("cancelling"));
    });
    let err = client
        .waiter()
        .cancel_on_stop(true)
        .wait_for_run_to_complete("thread_1", "run_1")
        .unwrap_err();
    assert_eq!(cancel.calls(), 1);
    assert!(matches!(&err, Error::PollTimeout { last, .. } if last.status() == "cancelling"));
}
