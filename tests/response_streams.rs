//! Response streams over HTTP (httpmock): what `create_response_stream` sends, resuming a
//! background response where its stream stopped, and what is refused without a request.
//! The recorded event sequences themselves, split at every byte, are the unit tests of
//! `src/streaming/responses.rs`.

use httpmock::prelude::*;
use openai_blocking::types::*;
use openai_blocking::*;
use serde_json::{json, Value};

const TEXT: &str = include_str!("fixtures/response_streams/text.sse");
const ANSWER: &str =
    "Ferris the crab is Rust’s unofficial mascot: orange, cheerful, and always borrowing.";

fn client(server: &MockServer) -> OpenAIClient {
    OpenAIClient::create_with_api_key("sk-test")
        .with_base_url(server.base_url())
        .with_max_retries(0)
        .build()
        .unwrap()
}

/// The recorded text answer as a background response.
fn background(body: &str) -> String {
    body.replace(r#""background":false"#, r#""background":true"#)
}

/// The events of `body` whose sequence number is in `range`.
fn events(body: &str, range: std::ops::RangeInclusive<i64>) -> String {
    body.split_inclusive("\n\n")
        .filter(|event| {
            let data = event.lines().nth(1).unwrap().trim_start_matches("data: ");
            let value: Value = serde_json::from_str(data).unwrap();
            range.contains(&value["sequence_number"].as_i64().unwrap())
        })
        .collect()
}

fn sse(then: httpmock::Then, body: String) {
    then.status(200)
        .header("content-type", "text/event-stream")
        .header("x-request-id", "req_sse")
        .body(body);
}

#[test]
fn a_stream_is_asked_for_with_the_whole_request_and_stream_true() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path("/responses")
            .header("accept", "text/event-stream")
            .header("authorization", "Bearer sk-test")
            .json_body(json!({
                "model": "gpt-4.1-mini",
                "input": "Tell me about Ferris.",
                "instructions": "Be brief.",
                "stream": true
            }));
        sse(then, TEXT.to_owned());
    });
    let request = ResponseCreateRequest {
        instructions: Some("Be brief.".into()),
        ..ResponseCreateRequest::text("gpt-4.1-mini", "Tell me about Ferris.")
    };
    let mut stream = client(&server).create_response_stream(&request).unwrap();
    assert_eq!(stream.response().request_id.as_deref(), Some("req_sse"));
    let text: String = stream.text_deltas().map(Result::unwrap).collect();
    assert_eq!(text, ANSWER);
    let response = stream.until_done().unwrap();
    assert_eq!(response.id, "resp_0a1b2c3d4e5f60718293a4b5c6d7e8f9");
    assert_eq!(response.output_text.as_deref(), Some(ANSWER));
    mock.assert();
}

#[test]
fn a_background_stream_that_stopped_resumes_where_it_stopped_without_duplicates() {
    let server = MockServer::start();
    let body = background(TEXT);
    // The first connection ends after event 10, before the answer is whole.
    let create = server.mock(|when, then| {
        when.method(POST).path("/responses");
        sse(then, events(&body, 0..=10));
    });
    // The server replays from an earlier event than asked: the stream drops those.
    let resume = server.mock(|when, then| {
        when.method(GET)
            .path("/responses/resp_0a1b2c3d4e5f60718293a4b5c6d7e8f9")
            .query_param("stream", "true")
            .query_param("starting_after", "10");
        sse(then, events(&body, 7..=24));
    });
    let client = client(&server);
    let request = ResponseCreateRequest {
        background: Some(true),
        ..ResponseCreateRequest::text("gpt-4.1-mini", "Tell me about Ferris.")
    };
    let mut stream = client.create_response_stream(&request).unwrap();
    let mut seen = Vec::new();
    let mut text = String::new();
    let cut = loop {
        match stream.next().unwrap() {
            Ok(event) => {
                seen.push(event.sequence_number().unwrap());
                if let ResponseStreamEvent::ResponseOutputTextDelta { delta, .. } = event {
                    text.push_str(&delta);
                }
            }
            Err(e) => break e,
        }
    };
    assert!(
        matches!(cut, Error::StreamInterrupted { events: 11, .. }),
        "{cut:?}"
    );
    assert_eq!(stream.last_sequence_number(), Some(10));

    stream.resume(&client).unwrap();
    for event in stream.by_ref() {
        let event = event.unwrap();
        seen.push(event.sequence_number().unwrap());
        if let ResponseStreamEvent::ResponseOutputTextDelta { delta, .. } = event {
            text.push_str(&delta);
        }
    }
    assert_eq!(seen, (0..=24).collect::<Vec<_>>());
    assert_eq!(text, ANSWER);
    let response = stream.final_response().unwrap();
    assert_eq!(response.status, Some(ResponseObjectStatus::Completed));
    assert_eq!(response.output_text(), ANSWER);
    assert_eq!((create.calls(), resume.calls()), (1, 1));
}

#[test]
fn a_foreground_stream_is_never_sent_again() {
    let server = MockServer::start();
    let create = server.mock(|when, then| {
        when.method(POST).path("/responses");
        sse(then, events(TEXT, 0..=10));
    });
    let anything_else = server.mock(|_, then| {
        then.status(500);
    });
    let client = client(&server);
    let request = ResponseCreateRequest::text("gpt-4.1-mini", "Tell me about Ferris.");
    let mut stream = client.create_response_stream(&request).unwrap();
    assert!(stream.until_done().is_err());
    let refused = stream.resume(&client).unwrap_err();
    match &refused {
        Error::InvalidArgument { name, message } => {
            assert_eq!(*name, "stream");
            assert!(message.contains("not a background response"), "{message}");
        }
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
    assert_eq!(create.calls(), 1);
    assert_eq!(anything_else.calls(), 0);
}

#[test]
fn a_stream_that_named_no_response_has_nothing_to_resume() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path("/responses");
        sse(then, String::new());
    });
    let client = client(&server);
    let mut stream = client
        .create_response_stream(&ResponseCreateRequest::text("gpt-4.1-mini", "Hi"))
        .unwrap();
    assert!(matches!(
        stream.next(),
        Some(Err(Error::StreamInterrupted { events: 0, .. }))
    ));
    assert!(matches!(
        stream.resume(&client),
        Err(Error::InvalidArgument { name: "stream", .. })
    ));
}

#[test]
fn resume_response_stream_reads_the_servers_record_from_a_sequence_number() {
    let server = MockServer::start();
    let body = background(TEXT);
    let from_start = server.mock(|when, then| {
        when.method(GET)
            .path("/responses/resp_0a1b2c3d4e5f60718293a4b5c6d7e8f9")
            .query_param("stream", "true")
            .query_param_missing("starting_after");
        sse(then, body.clone());
    });
    let after = server.mock(|when, then| {
        when.method(GET)
            .path("/responses/resp_0a1b2c3d4e5f60718293a4b5c6d7e8f9")
            .query_param("stream", "true")
            .query_param("starting_after", "20");
        // A server that ignores `starting_after` sends everything again.
        sse(then, body.clone());
    });
    let client = client(&server);
    let id = "resp_0a1b2c3d4e5f60718293a4b5c6d7e8f9";

    let mut whole = client.resume_response_stream(id, None).unwrap();
    assert_eq!(whole.until_done().unwrap().output_text(), ANSWER);

    let tail = client.resume_response_stream(id, Some(20)).unwrap();
    let numbers: Vec<i64> = tail
        .map(|e| e.unwrap().sequence_number().unwrap())
        .collect();
    assert_eq!(numbers, [21, 22, 23, 24]);
    assert_eq!((from_start.calls(), after.calls()), (1, 1));
}

#[test]
fn ids_are_encoded_and_stream_queries_are_refused_by_the_whole_answer_methods() {
    let server = MockServer::start();
    let encoded = server.mock(|when, then| {
        when.method(GET)
            .path("/responses/resp%2F1%3F")
            .query_param("stream", "true");
        sse(then, background(TEXT));
    });
    let streamed = server.mock(|when, then| {
        when.method(POST)
            .path("/responses")
            .json_body_includes(r#"{"stream": true}"#);
        sse(then, TEXT.to_owned());
    });
    let client = client(&server);
    let mut stream = client.resume_response_stream("resp/1?", None).unwrap();
    assert_eq!(stream.until_done().unwrap().output_text(), ANSWER);
    assert_eq!(encoded.calls(), 1);
    assert!(matches!(
        client.resume_response_stream("", None),
        Err(Error::InvalidArgument { .. })
    ));

    let streaming = ResponseCreateRequest {
        stream: Some(true),
        ..ResponseCreateRequest::text("gpt-4.1-mini", "Hi")
    };
    assert!(matches!(
        client.create_response(&streaming),
        Err(Error::InvalidArgument { name: "stream", .. })
    ));
    let query = ResponseGetQueryParameters {
        stream: Some(true),
        ..Default::default()
    };
    assert!(matches!(
        client.get_response("resp_1", Some(&query)),
        Err(Error::InvalidArgument { name: "stream", .. })
    ));
    // The streaming method sets `stream` itself, whatever the request says.
    let mut stream = client
        .create_response_stream(&ResponseCreateRequest {
            stream: Some(false),
            ..streaming
        })
        .unwrap();
    assert_eq!(stream.until_done().unwrap().output_text(), ANSWER);
    assert_eq!(streamed.calls(), 1);
}

#[test]
fn events_without_event_lines_unknown_events_and_a_done_marker_are_understood() {
    let server = MockServer::start();
    // Only `data:` lines (the type is in the JSON), an event this version does not know,
    // and the chat completions' end marker after the last event.
    let mut body: String = TEXT
        .split_inclusive("\n\n")
        .map(|event| event.lines().nth(1).unwrap().to_owned() + "\n\n")
        .collect();
    body = body.replacen(
        "data: {\"type\":\"response.in_progress\"",
        "data: {\"type\":\"response.thinking_hard\",\"sequence_number\":1,\"depth\":3}\n\ndata: {\"type\":\"response.in_progress\"",
        1,
    );
    body.push_str("data: [DONE]\n\n");
    server.mock(|when, then| {
        when.method(POST).path("/responses");
        sse(then, body);
    });
    let mut stream = client(&server)
        .create_response_stream(&ResponseCreateRequest::text("gpt-4.1-mini", "Hi"))
        .unwrap();
    let events: Vec<ResponseStreamEvent> = stream.by_ref().map(Result::unwrap).collect();
    let unknown = events
        .iter()
        .find(|e| matches!(e, ResponseStreamEvent::Unknown(_)))
        .unwrap();
    assert_eq!(unknown.event_type(), "response.thinking_hard");
    assert_eq!(unknown.sequence_number(), Some(1));
    assert_eq!(events.len(), 26);
    assert_eq!(stream.final_response().unwrap().output_text(), ANSWER);
}
