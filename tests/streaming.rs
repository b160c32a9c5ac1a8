//! Streams against raw loopback servers that write exactly the bytes a test chooses, how and
//! when it chooses: every event type, chunk boundaries anywhere, cut streams, `error` events,
//! unknown events, silence past the idle timeout, dropping early, retries before the first
//! byte and never after.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openai_blocking::types::*;
use openai_blocking::*;
use serde_json::{json, Value};

/// How a server writes its answer's body.
#[derive(Clone, Copy)]
enum Pace {
    /// All at once.
    Whole,
    /// One byte per write, with `TCP_NODELAY`: chunk boundaries anywhere.
    ByteByByte,
}

/// What a test server did: how many requests it got, and whether a connection was closed
/// by the client before the server finished writing.
#[derive(Default)]
struct Seen {
    requests: AtomicUsize,
}

/// A server on 127.0.0.1 that answers the `n`th request (from 0) with `answers(n)`: a status
/// line + headers, the body, how to pace it, and whether to close or then hang.
fn server(
    answers: impl Fn(usize) -> (String, Vec<u8>, Pace, After) + Send + Sync + 'static,
) -> (String, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let seen = Arc::new(Seen::default());
    let counter = seen.clone();
    let answers = Arc::new(answers);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (counter, answers) = (counter.clone(), answers.clone());
            std::thread::spawn(move || serve(stream, &counter, &*answers));
        }
    });
    (url, seen)
}

/// What the server does after the body.
#[derive(Clone, Copy)]
enum After {
    Close,
    /// Keeps the connection open, silent, for this long.
    Hang(Duration),
}

fn serve(
    mut stream: TcpStream,
    seen: &Seen,
    answers: &(dyn Fn(usize) -> (String, Vec<u8>, Pace, After) + Send + Sync),
) {
    stream.set_nodelay(true).unwrap();
    read_request(&mut stream);
    let n = seen.requests.fetch_add(1, Ordering::SeqCst);
    let (head, body, pace, after) = answers(n);
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    match pace {
        Pace::Whole => {
            let _ = stream.write_all(&body);
        }
        Pace::ByteByByte => {
            for byte in &body {
                if stream.write_all(std::slice::from_ref(byte)).is_err() {
                    return;
                }
            }
        }
    }
    if let After::Hang(d) = after {
        std::thread::sleep(d);
    }
}

/// Reads a request's head and its `Content-Length` body.
fn read_request(stream: &mut TcpStream) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let len = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    let _ = stream.read_exact(&mut body);
}

/// The head of a streamed answer (no length: the body ends when the connection closes).
fn sse_head() -> String {
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n\
     x-request-id: req_stream\r\nconnection: close\r\n\r\n"
        .to_owned()
}

fn client(url: &str) -> OpenAIClient {
    OpenAIClient::create_with_api_key("sk-test")
        .with_base_url(url)
        .with_backoff_delay(Duration::from_millis(1))
        .build()
        .unwrap()
}

fn sse(events: &[(&str, Value)]) -> Vec<u8> {
    let mut out = String::new();
    for (name, data) in events {
        out.push_str(&format!("event: {name}\ndata: {data}\n\n"));
    }
    out.into_bytes()
}

fn run(status: &str) -> Value {
    let mut run = common::fixture("run_completed.json");
    run["id"] = json!("run_1");
    run["thread_id"] = json!("thread_1");
    run["status"] = json!(status);
    run
}

fn message(status: &str, text: &str) -> Value {
    json!({
        "id": "msg_1", "object": "thread.message", "created_at": 1, "thread_id": "thread_1",
        "role": "assistant", "status": status, "run_id": "run_1", "assistant_id": "asst_1",
        "attachments": [], "metadata": {},
        "content": if text.is_empty() { json!([]) } else {
            json!([{"type": "text", "text": {"value": text, "annotations": [
                {"type": "file_citation", "text": "【0†src】", "start_index": 6, "end_index": 13,
                 "file_citation": {"file_id": "file_1"}}
            ]}}])
        }
    })
}

fn delta(text: &str, annotation: Option<Value>) -> Value {
    let mut part = json!({"index": 0, "type": "text", "text": {"value": text}});
    if let Some(a) = annotation {
        part["text"]["annotations"] = json!([a]);
    }
    json!({"id": "msg_1", "object": "thread.message.delta", "delta": {"content": [part]}})
}

/// A text run: created, queued, in progress, a message written in three deltas, completed.
fn text_run_events() -> Vec<(&'static str, Value)> {
    let citation = json!({"index": 0, "type": "file_citation", "text": "【0†src】",
                          "start_index": 6, "end_index": 13, "file_citation": {"file_id": "file_1"}});
    vec![
        ("thread.run.created", run("queued")),
        ("thread.run.queued", run("queued")),
        ("thread.run.in_progress", run("in_progress")),
        ("thread.message.created", message("in_progress", "")),
        ("thread.message.in_progress", message("in_progress", "")),
        ("thread.message.delta", delta("Hello ", None)),
        ("thread.message.delta", delta("【0†src】", Some(citation))),
        ("thread.message.delta", delta(" wörld 雨", None)),
        (
            "thread.message.completed",
            message("completed", "Hello 【0†src】 wörld 雨"),
        ),
        ("thread.run.completed", run("completed")),
        ("done", json!("[DONE]")),
    ]
}

fn names(events: &[AssistantStreamEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            serde_json::to_value(e).unwrap()["event"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn a_run_stream_decodes_every_event_and_accumulates_the_run_and_its_message() {
    for pace in [Pace::Whole, Pace::ByteByByte] {
        let body = sse(&text_run_events());
        let (url, seen) = server(move |_| (sse_head(), body.clone(), pace, After::Close));
        let client = client(&url);
        let mut stream = client
            .create_run_stream("thread_1", &RunCreateRequest::new("asst_1"))
            .unwrap();
        let mut deltas = Vec::new();
        let mut events = Vec::new();
        for event in stream.by_ref() {
            let event = event.unwrap();
            if let AssistantStreamEvent::ThreadMessageDelta { data } = &event {
                deltas.push(
                    serde_json::to_value(data).unwrap()["delta"]["content"][0]["text"]["value"]
                        .clone(),
                );
            }
            events.push(event);
        }
        let expected: Vec<&str> = text_run_events()[..10].iter().map(|(n, _)| *n).collect();
        assert_eq!(names(&events), expected);
        assert_eq!(deltas.len(), 3);
        assert_eq!(
            stream.final_run().unwrap().status,
            RunResponseStatus::Completed
        );
        assert_eq!(stream.messages().len(), 1);
        assert_eq!(stream.messages()[0].text(), "Hello 【0†src】 wörld 雨");
        assert_eq!(stream.response().request_id.as_deref(), Some("req_stream"));
        assert_eq!(stream.events_received(), 11);
        assert!(stream.next().is_none(), "ended at done");
        assert_eq!(seen.requests.load(Ordering::SeqCst), 1);
    }
}

#[test]
fn the_message_is_built_from_the_deltas_alone() {
    // Without message.completed: the deltas (text and annotation) make the message.
    let mut events = text_run_events();
    events.retain(|(n, _)| *n != "thread.message.completed");
    let body = sse(&events);
    let (url, _) = server(move |_| (sse_head(), body.clone(), Pace::Whole, After::Close));
    let mut stream = client(&url)
        .create_run_stream("thread_1", &RunCreateRequest::new("asst_1"))
        .unwrap();
    let run = stream.until_done().unwrap().clone();
    assert_eq!(run.status, RunResponseStatus::Completed);
    let message = &stream.messages()[0];
    assert_eq!(message.text(), "Hello 【0†src】 wörld 雨");
    let MessageContent::Text { text } = &message.content[0] else {
        panic!("a text part")
    };
    assert_eq!(text.annotations.len(), 1);
    assert!(matches!(
        &text.annotations[0],
        TextAnnotation::FileCitation {
            start_index: 6,
            end_index: 13,
            ..
        }
    ));
}

#[test]
fn text_deltas_yield_the_text_as_it_comes() {
    let body = sse(&text_run_events());
    let (url, _) = server(move |_| (sse_head(), body.clone(), Pace::ByteByByte, After::Close));
    let mut stream = client(&url)
        .create_run_stream("thread_1", &RunCreateRequest::new("asst_1"))
        .unwrap();
    let deltas: Vec<String> = stream.text_deltas().collect::<Result<_, _>>().unwrap();
    assert_eq!(deltas, ["Hello ", "【0†src】", " wörld 雨"]);
    assert_eq!(
        stream.final_run().unwrap().status,
        RunResponseStatus::Completed
    );
}

#[test]
fn requires_action_exposes_the_tool_calls_and_a_handler_sees_everything() {
    let mut waiting = run("requires_action");
    waiting["required_action"] = json!({"type": "submit_tool_outputs", "submit_tool_outputs": {
        "tool_calls": [{"id": "call_1", "type": "function",
                        "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]}});
    let body = sse(&[
        ("thread.run.created", run("queued")),
        ("thread.run.requires_action", waiting),
        ("done", json!("[DONE]")),
    ]);
    let (url, _) = server(move |_| (sse_head(), body.clone(), Pace::Whole, After::Close));

    #[derive(Default)]
    struct Recorder {
        events: usize,
        runs: Vec<String>,
        calls: Vec<String>,
    }
    impl RunEventHandler for Recorder {
        fn on_event(&mut self, _: &AssistantStreamEvent) {
            self.events += 1;
        }
        fn on_run(&mut self, run: &RunResponse) {
            self.runs.push(run.status.to_string());
        }
        fn on_tool_call(&mut self, call: &RunToolCallObject) {
            self.calls.push(format!(
                "{}({})",
                call.function.name, call.function.arguments
            ));
        }
    }
    let mut stream = client(&url)
        .create_run_stream("thread_1", &RunCreateRequest::new("asst_1"))
        .unwrap();
    let mut recorder = Recorder::default();
    let run = stream.handle(&mut recorder).unwrap();
    assert_eq!(run.status, RunResponseStatus::RequiresAction);
    assert_eq!(recorder.events, 2);
    assert_eq!(recorder.runs, ["queued", "requires_action"]);
    assert_eq!(recorder.calls, ["get_weather({\"city\":\"Paris\"})"]);
    assert_eq!(stream.required_tool_calls()[0].id, "call_1");
}

#[test]
fn unknown_events_are_kept_not_errors() {
    let mut events = vec![("thread.run.created", run("queued"))];
    events.push((
        "thread.run.paused",
        json!({"id": "run_1", "reason": "maintenance"}),
    ));
    let mut body = sse(&events);
    body.extend_from_slice(b"event: thread.mood\ndata: not json at all\n\n");
    body.extend_from_slice(&sse(&[
        ("thread.run.completed", run("completed")),
        ("done", json!("[DONE]")),
    ]));
    let (url, _) = server(move |_| (sse_head(), body.clone(), Pace::Whole, After::Close));
    let events: Vec<AssistantStreamEvent> = client(&url)
        .create_run_stream("thread_1", &RunCreateRequest::new("asst_1"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(events.len(), 4);
    assert_eq!(
        events[1],
        AssistantStreamEvent::Unknown(json!({"event": "thread.run.paused",
                                              "data": {"id": "run_1", "reason": "maintenance"}}))
    );
    assert_eq!(
        events[2],
        AssistantStreamEvent::Unknown(json!({"event": "thread.mood", "data": "not json at all"}))
    );
}

#[test]
fn an_error_event_is_a_stream_failed_error_and_the_accumulators_keep_what_came() {
    let body = sse(&[
        ("thread.run.created", run("queued")),
        ("thread.run.in_progress", run("in_progress")),
        (
            "error",
            json!({"message": "The server had an error", "type": "server_error",
                         "code": null, "param": null}),
        ),
    ]);
    let (url, _) = server(move |_| (sse_head(), body.clone(), Pace::Whole, After::Close));
    let mut stream = client(&url)
        .create_run_stream("thread_1", &RunCreateRequest::new("asst_1"))
        .unwrap();
    assert!(stream.next().unwrap().is_ok());
    assert!(stream.next().unwrap().is_ok());
    let err = stream.next().unwrap().unwrap_err();
    match &err {
        Error::StreamFailed { error, events, .. } => {
            assert_eq!(error.message, "The server had an error");
            assert_eq!(*events, 3);
        }
        other => panic!("expected StreamFailed, got {other:?}"),
    }
    assert_eq!(err.request_id(), Some("req_stream"));
    assert!(stream.next().is_none());
    assert_eq!(
        stream.final_run().unwrap().status,
        RunResponseStatus::InProgress
    );
}

#[test]
fn a_stream_cut_mid_event_is_an_error_and_the_post_is_not_sent_again() {
    let mut body = sse(&text_run_events()[..6]);
    body.extend_from_slice(b"event: thread.message.delta\ndata: {\"id\":\"msg_1\",\"obj");
    let (url, seen) = server(move |_| (sse_head(), body.clone(), Pace::Whole, After::Close));
    let mut stream = client(&url)
        .create_run_stream("thread_1", &RunCreateRequest::new("asst_1"))
        .unwrap();
    let results: Vec<_> = stream.by_ref().collect();
    assert_eq!(results.len(), 7);
    assert!(results[..6].iter().all(Result::is_ok));
    // The cut event came last, without its blank line, and is not whole: the stream broke.
    let err = results[6].as_ref().unwrap_err();
    assert!(
        matches!(
            err,
            Error::StreamInterrupted {
                events: 6,
                timed_out: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("in the middle of an event"),
        "{err}"
    );
    assert_eq!(err.request_id(), Some("req_stream"));
    assert_eq!(stream.messages()[0].text(), "Hello ");
    assert_eq!(seen.requests.load(Ordering::SeqCst), 1, "never sent again");
}

#[test]
fn a_connection_closed_before_the_run_stopped_says_so() {
    let body = sse(&text_run_events()[..5]);
    let (url, seen) = server(move |_| (sse_head(), body.clone(), Pace::Whole, After::Close));
    let mut stream = client(&url)
        .create_run_stream("thread_1", &RunCreateRequest::new("asst_1"))
        .unwrap();
    let results: Vec<_> = stream.by_ref().collect();
    assert_eq!(results.len(), 6);
    let err = results[5].as_ref().unwrap_err();
    match err {
        Error::StreamInterrupted {
            events, timed_out, ..
        } => {
            assert_eq!(*events, 5);
            assert!(!timed_out);
        }
        other => panic!("expected StreamInterrupted, got {other:?}"),
    }
    assert!(err.to_string().contains("after 5 events"), "{err}");
    assert!(err.to_string().contains("req_stream"), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(seen.requests.load(Ordering::SeqCst), 1);
}

#[test]
fn silence_past_the_idle_timeout_ends_the_stream() {
    let body = sse(&text_run_events()[..3]);
    let (url, _) = server(move |_| {
        (
            sse_head(),
            body.clone(),
            Pace::Whole,
            After::Hang(Duration::from_secs(5)),
        )
    });
    let client = OpenAIClient::create_with_api_key("sk-test")
        .with_base_url(url)
        .with_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let start = Instant::now();
    let results: Vec<_> = client
        .create_run_stream("thread_1", &RunCreateRequest::new("asst_1"))
        .unwrap()
        .collect();
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(results.len(), 4);
    assert!(
        matches!(
            results[3],
            Err(Error::StreamInterrupted {
                events: 3,
                timed_out: true,
                ..
            })
        ),
        "{:?}",
        results[3]
    );
}

#[test]
fn a_total_timeout_bounds_the_wait_for_the_headers_not_the_stream() {
    // 40 events, 50 ms apart: 2 s of stream, past a 1 s total timeout.
    let events: Vec<(&str, Value)> = (0..40)
        .map(|i| {
            ("thread.run.in_progress", {
                let mut r = run("in_progress");
                r["metadata"] = json!({"i": i.to_string()});
                r
            })
        })
        .collect();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        read_request(&mut stream);
        stream.write_all(sse_head().as_bytes()).unwrap();
        for event in &events {
            std::thread::sleep(Duration::from_millis(50));
            if stream.write_all(&sse(std::slice::from_ref(event))).is_err() {
                return;
            }
        }
        let _ = stream.write_all(&sse(&[("thread.run.completed", run("completed"))]));
    });
    let client = OpenAIClient::create_with_api_key("sk-test")
        .with_base_url(url)
        .with_total_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let mut stream = client
        .create_run_stream("thread_1", &RunCreateRequest::new("asst_1"))
        .unwrap();
    let run = stream.until_done().unwrap();
    assert_eq!(run.status, RunResponseStatus::Completed);
    assert_eq!(stream.events_received(), 41);
}

#[test]
fn dropping_a_stream_early_closes_its_connection() {
    let (closed_tx, closed_rx) = mpsc::channel();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        read_request(&mut stream);
        stream.write_all(sse_head().as_bytes()).unwrap();
        // An endless stream: it stops only when the client goes away.
        let event = sse(&[("thread.run.in_progress", run("in_progress"))]);
        let started = Instant::now();
        loop {
            if stream.write_all(&event).is_err() {
                let _ = closed_tx.send(started.elapsed());
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    let client = client(&url);
    let mut stream = client
        .create_run_stream("thread_1", &RunCreateRequest::new("asst_1"))
        .unwrap();
    for _ in 0..5 {
        stream.next().unwrap().unwrap();
    }
    drop(stream);
    let lasted = closed_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the server saw the connection close");
    assert!(lasted < Duration::from_secs(10));
}

#[test]
fn a_failure_before_the_first_byte_is_retried_one_after_never() {
    let body = sse(&text_run_events());
    let (url, seen) = server(move |n| match n {
        0 => (
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
             content-length: 2\r\nconnection: close\r\n\r\n"
                .to_owned(),
            b"{}".to_vec(),
            Pace::Whole,
            After::Close,
        ),
        _ => (sse_head(), body.clone(), Pace::Whole, After::Close),
    });
    let mut stream = client(&url)
        .create_run_stream("thread_1", &RunCreateRequest::new("asst_1"))
        .unwrap();
    assert_eq!(
        stream.until_done().unwrap().status,
        RunResponseStatus::Completed
    );
    assert_eq!(seen.requests.load(Ordering::SeqCst), 2);
}

#[test]
fn an_answer_that_is_not_an_event_stream_is_an_invalid_body() {
    let (url, _) = server(|_| {
        (
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\
             x-request-id: req_json\r\nconnection: close\r\n\r\n"
                .to_owned(),
            b"{}".to_vec(),
            Pace::Whole,
            After::Close,
        )
    });
    let err = client(&url)
        .create_run_stream("thread_1", &RunCreateRequest::new("asst_1"))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidBody { .. }), "{err:?}");
    assert_eq!(err.request_id(), Some("req_json"));
}

fn chunk(delta: Value, finish: Option<&str>) -> Value {
    json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m",
           "system_fingerprint": "fp_1",
           "choices": [{"index": 0, "delta": delta, "finish_reason": finish,
                        "logprobs": {"content": [{"token": "x", "logprob": -0.1, "bytes": null,
                                                  "top_logprobs": []}], "refusal": null}}]})
}

fn chat_body(usage: bool) -> Vec<u8> {
    let mut chunks = vec![
        chunk(json!({"role": "assistant", "content": ""}), None),
        chunk(json!({"content": "Hel"}), None),
        chunk(
            json!({"content": "lo", "tool_calls": [
            {"index": 0, "id": "call_1", "type": "function",
             "function": {"name": "get_weather", "arguments": ""}}]}),
            None,
        ),
        chunk(
            json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\":"}}]}),
            None,
        ),
        chunk(
            json!({"tool_calls": [
            {"index": 0, "function": {"arguments": "\"Paris\"}"}},
            {"index": 1, "id": "call_2", "type": "function",
             "function": {"name": "get_time", "arguments": "{}"}}]}),
            None,
        ),
        chunk(json!({}), Some("tool_calls")),
    ];
    if usage {
        chunks.push(json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
                           "model": "m", "choices": [],
                           "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}}));
    }
    let mut out = String::new();
    for c in chunks {
        out.push_str(&format!("data: {c}\n\n"));
    }
    out.push_str("data: [DONE]\n\n");
    out.into_bytes()
}

#[test]
fn a_chat_stream_assembles_the_completion_with_tool_calls_logprobs_and_usage() {
    for usage in [false, true] {
        let body = chat_body(usage);
        let (url, _) = server(move |_| (sse_head(), body.clone(), Pace::ByteByByte, After::Close));
        let request =
            CompletionCreateRequest::new("m", vec![ChatCompletionRequestMessage::user("Hi")]);
        let mut stream = client(&url).create_completion_stream(&request).unwrap();
        let texts: Vec<String> = stream.text_deltas().collect::<Result<_, _>>().unwrap();
        assert_eq!(texts, ["Hel", "lo"]);
        let completion = stream.until_done().unwrap();
        let choice = &completion.choices[0];
        assert_eq!(choice.message.content.as_deref(), Some("Hello"));
        assert_eq!(
            choice.finish_reason,
            CompletionResponseChoicesItemFinishReason::ToolCalls
        );
        let calls = choice.message.tool_calls.as_ref().unwrap();
        let summary: Vec<String> = calls
            .0
            .iter()
            .map(|c| match c {
                ChatCompletionMessageToolCallUnion::Function { id, function } => {
                    format!("{id} {}({})", function.name, function.arguments)
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            summary,
            [
                "call_1 get_weather({\"city\":\"Paris\"})",
                "call_2 get_time({})"
            ]
        );
        assert_eq!(
            choice
                .logprobs
                .as_ref()
                .unwrap()
                .content
                .as_ref()
                .unwrap()
                .len(),
            6
        );
        assert_eq!(completion.system_fingerprint.as_deref(), Some("fp_1"));
        assert_eq!(
            completion.usage.as_ref().map(|u| u.total_tokens),
            usage.then_some(12)
        );
        // The assembled completion is what a non-streamed call would decode.
        let back: CompletionResponse =
            serde_json::from_value(serde_json::to_value(&completion).unwrap()).unwrap();
        assert_eq!(back, completion);
    }
}

#[test]
fn a_chat_stream_cut_before_done_and_before_a_finish_reason_says_so() {
    let mut body = String::new();
    body.push_str(&format!(
        "data: {}\n\n",
        chunk(json!({"content": "Hel"}), None)
    ));
    let body = body.into_bytes();
    let (url, _) = server(move |_| (sse_head(), body.clone(), Pace::Whole, After::Close));
    let request = CompletionCreateRequest::new("m", vec![ChatCompletionRequestMessage::user("Hi")]);
    let mut stream = client(&url).create_completion_stream(&request).unwrap();
    let err = stream.until_done().unwrap_err();
    assert!(
        matches!(err, Error::StreamInterrupted { events: 1, .. }),
        "{err:?}"
    );
    assert_eq!(
        stream.completion().unwrap().choices[0]
            .message
            .content
            .as_deref(),
        Some("Hel")
    );
}

#[test]
fn run_and_get_assistant_response_streaming_calls_back_and_returns_the_answer() {
    let body = sse(&text_run_events());
    let (url, _) = server(move |_| (sse_head(), body.clone(), Pace::Whole, After::Close));
    let mut seen = String::new();
    let answer = client(&url)
        .run_and_get_assistant_response_streaming(
            "thread_1",
            &RunCreateRequest::new("asst_1"),
            |text| seen.push_str(text),
        )
        .unwrap();
    assert_eq!(answer, "Hello 【0†src】 wörld 雨");
    assert_eq!(seen, answer);
}

#[test]
fn every_event_type_of_the_spec_decodes_from_a_stream() {
    let run = common::fixture("run_completed.json");
    let step = common::fixture("run_step_code.json");
    let message = common::fixture("message_text_annotations.json");
    let step_delta = common::fixture("run_step_delta.json");
    let message_delta = common::fixture("stream_message_delta.json")["data"].clone();
    let mut events: Vec<(String, Value)> =
        vec![("thread.created".into(), common::fixture("thread.json"))];
    for s in [
        "created",
        "queued",
        "in_progress",
        "cancelling",
        "cancelled",
        "expired",
        "incomplete",
        "failed",
        "requires_action",
        "completed",
    ] {
        events.push((format!("thread.run.{s}"), run.clone()));
    }
    for s in [
        "created",
        "in_progress",
        "completed",
        "failed",
        "cancelled",
        "expired",
    ] {
        events.push((format!("thread.run.step.{s}"), step.clone()));
    }
    events.push(("thread.run.step.delta".into(), step_delta));
    for s in ["created", "in_progress", "completed", "incomplete"] {
        events.push((format!("thread.message.{s}"), message.clone()));
    }
    events.push(("thread.message.delta".into(), message_delta));
    let mut body = String::new();
    for (name, data) in &events {
        body.push_str(&format!("event: {name}\r\ndata: {data}\r\n\r\n"));
    }
    body.push_str("event: done\r\ndata: [DONE]\r\n\r\n");
    let body = body.into_bytes();
    let (url, _) = server(move |_| (sse_head(), body.clone(), Pace::Whole, After::Close));
    let decoded: Vec<AssistantStreamEvent> = client(&url)
        .create_run_stream("thread_1", &RunCreateRequest::new("asst_1"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(decoded.len(), 23, "the 25 kinds less error and done");
    for (event, (name, data)) in decoded.iter().zip(&events) {
        assert!(!matches!(event, AssistantStreamEvent::Unknown(_)), "{name}");
        let back = serde_json::to_value(event).unwrap();
        assert_eq!(&back["event"], name);
        assert_eq!(&back["data"]["id"], &data["id"], "{name}");
    }
}
