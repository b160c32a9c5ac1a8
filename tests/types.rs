//! The generated types: hand-written fixtures, typed access, forward compatibility and the
//! hand-written request constructors.

mod common;

use common::{fixture, round_trip};
use openai_blocking::types::*;
use openai_blocking::*;
use serde_json::{json, Value};

#[test]
fn hand_fixtures_round_trip_without_loss() {
    type Check = fn(&Value) -> Result<Vec<String>, String>;
    let cases: &[(&str, Check)] = &[
        ("run_requires_action.json", round_trip::<RunResponse>),
        ("run_completed.json", round_trip::<RunResponse>),
        (
            "message_text_annotations.json",
            round_trip::<ThreadMessageResponse>,
        ),
        (
            "list_messages.json",
            round_trip::<ThreadMessageListResponse>,
        ),
        ("run_step_code.json", round_trip::<RunStepResponse>),
        ("vector_store.json", round_trip::<VectorStoreResponse>),
        ("chat_completion.json", round_trip::<CompletionResponse>),
        (
            "chat_chunk.json",
            round_trip::<CreateChatCompletionChunkResponse>,
        ),
        ("openai_file.json", round_trip::<FileResponse>),
        ("thread.json", round_trip::<ThreadResponse>),
        ("run_step_delta.json", round_trip::<RunStepDeltaObject>),
        (
            "stream_message_delta.json",
            round_trip::<AssistantStreamEvent>,
        ),
    ];
    for (file, check) in cases {
        assert_eq!(check(&fixture(file)), Ok(vec![]), "{file}");
    }
}

#[test]
fn run_requiring_action_reads_naturally() {
    let run: RunResponse = serde_json::from_value(fixture("run_requires_action.json")).unwrap();
    assert_eq!(run.status, RunResponseStatus::RequiresAction);
    let calls = &run
        .required_action
        .as_ref()
        .unwrap()
        .submit_tool_outputs
        .tool_calls;
    assert_eq!(calls[0].id, "call_abc");
    assert_eq!(calls[0].function.name, "get_weather");
    assert_eq!(calls[0].function.arguments, r#"{"city":"Oslo"}"#);
    assert!(matches!(run.tools[0], AssistantTool::CodeInterpreter));
    assert!(run.tools.iter().any(
        |t| matches!(t, AssistantTool::Function { function } if function.name == "get_weather")
    ));
}

#[test]
fn message_with_citations_paths_and_an_image() {
    let msg: ThreadMessageResponse =
        serde_json::from_value(fixture("message_text_annotations.json")).unwrap();
    let MessageContent::Text { text } = &msg.content[0] else {
        panic!("{:?}", msg.content[0])
    };
    match &text.annotations[0] {
        TextAnnotation::FileCitation {
            file_citation,
            start_index,
            end_index,
            ..
        } => {
            assert_eq!(file_citation.file_id, "file-9Xy");
            assert_eq!((*start_index, *end_index), (31, 34));
        }
        other => panic!("{other:?}"),
    }
    match &text.annotations[1] {
        TextAnnotation::FilePath { file_path, .. } => assert_eq!(file_path.file_id, "file-Img1"),
        other => panic!("{other:?}"),
    }
    match &msg.content[1] {
        MessageContent::ImageFile { image_file } => assert_eq!(image_file.file_id, "file-Img1"),
        other => panic!("{other:?}"),
    }
    assert!(msg.text().starts_with("The report says revenue grew 12%"));
}

#[test]
fn run_step_with_code_interpreter_file_search_and_function_calls() {
    let step: RunStepResponse = serde_json::from_value(fixture("run_step_code.json")).unwrap();
    let RunStepDetails::ToolCalls { tool_calls } = &step.step_details else {
        panic!("{:?}", step.step_details)
    };
    assert_eq!(tool_calls.len(), 3);
    match &tool_calls[0] {
        RunStepToolCall::CodeInterpreter {
            code_interpreter,
            id,
        } => {
            assert_eq!(id, "call_ci");
            assert_eq!(code_interpreter.input, "print(1+1)");
            assert!(
                matches!(&code_interpreter.outputs[0], CodeInterpreterOutput::Logs { logs } if logs == "2\n")
            );
            assert!(matches!(
                &code_interpreter.outputs[1],
                CodeInterpreterOutput::Image { .. }
            ));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&tool_calls[1], RunStepToolCall::FileSearch { .. }));
    match &tool_calls[2] {
        RunStepToolCall::Function { function, .. } => {
            assert_eq!(function.name, "get_weather");
            assert_eq!(function.output, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn vector_store_file_counts() {
    let vs: VectorStoreResponse = serde_json::from_value(fixture("vector_store.json")).unwrap();
    let counts = vs.file_counts.unwrap();
    assert_eq!(
        counts.total,
        counts.completed + counts.in_progress + counts.failed + counts.cancelled
    );
}

#[test]
fn chat_completion_with_tool_calls() {
    let c: CompletionResponse = serde_json::from_value(fixture("chat_completion.json")).unwrap();
    assert_eq!(
        c.choices[0].finish_reason,
        CompletionResponseChoicesItemFinishReason::ToolCalls
    );
    assert_eq!(c.text(), None);
    let calls = c.choices[0].message.tool_calls.as_ref().unwrap();
    match &calls.0[0] {
        ChatCompletionMessageToolCallUnion::Function { function, id } => {
            assert_eq!(id, "call_1");
            assert_eq!(function.name, "get_weather");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.usage.unwrap().total_tokens, 99);
}

/// One event of each kind decodes into its own variant, not `Unknown`, and back.
#[test]
fn every_stream_event_kind_decodes() {
    let thread = fixture("thread.json");
    let run = fixture("run_completed.json");
    let step = fixture("run_step_code.json");
    let step_delta = fixture("run_step_delta.json");
    let message = fixture("message_text_annotations.json");
    let message_delta = fixture("stream_message_delta.json")["data"].clone();
    let error =
        json!({ "code": "server_error", "message": "boom", "param": null, "type": "server_error" });
    let mut events = vec![("thread.created", thread)];
    for s in [
        "created",
        "queued",
        "in_progress",
        "requires_action",
        "completed",
        "incomplete",
        "failed",
        "cancelling",
        "cancelled",
        "expired",
    ] {
        events.push((
            Box::leak(format!("thread.run.{s}").into_boxed_str()),
            run.clone(),
        ));
    }
    for s in [
        "created",
        "in_progress",
        "completed",
        "failed",
        "cancelled",
        "expired",
    ] {
        events.push((
            Box::leak(format!("thread.run.step.{s}").into_boxed_str()),
            step.clone(),
        ));
    }
    events.push(("thread.run.step.delta", step_delta));
    for s in ["created", "in_progress", "completed", "incomplete"] {
        events.push((
            Box::leak(format!("thread.message.{s}").into_boxed_str()),
            message.clone(),
        ));
    }
    events.push(("thread.message.delta", message_delta));
    events.push(("error", error));
    events.push(("done", json!("[DONE]")));
    assert_eq!(events.len(), 25);
    for (name, data) in events {
        let v = json!({ "event": name, "data": data });
        let e: AssistantStreamEvent = serde_json::from_value(v.clone()).unwrap();
        assert!(
            !matches!(e, AssistantStreamEvent::Unknown(_)),
            "{name} decoded as Unknown"
        );
        assert_eq!(round_trip::<AssistantStreamEvent>(&v), Ok(vec![]), "{name}");
    }
    let done: AssistantStreamEvent =
        serde_json::from_value(json!({ "event": "done", "data": "[DONE]" })).unwrap();
    assert_eq!(
        done,
        AssistantStreamEvent::Done {
            data: AssistantStreamEventData::Done
        }
    );
}

#[test]
fn unknown_enum_values_are_kept_and_written_back() {
    let s: RunResponseStatus = serde_json::from_str(r#""paused""#).unwrap();
    assert_eq!(s, RunResponseStatus::Unknown("paused".into()));
    assert_eq!(serde_json::to_string(&s).unwrap(), r#""paused""#);
    assert_eq!(s.to_string(), "paused");
    assert_eq!(RunResponseStatus::InProgress.to_string(), "in_progress");

    let mut run = fixture("run_requires_action.json");
    run["status"] = json!("paused");
    run["tools"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "type": "web_search", "web_search": { "k": 1 } }));
    run["brand_new_field"] = json!({ "x": 1 });
    let decoded: RunResponse = serde_json::from_value(run.clone()).unwrap();
    assert_eq!(decoded.status, RunResponseStatus::Unknown("paused".into()));
    let last = decoded.tools.last().unwrap();
    assert_eq!(
        serde_json::to_value(last).unwrap(),
        json!({ "type": "web_search", "web_search": { "k": 1 } })
    );

    let mut msg = fixture("message_text_annotations.json");
    msg["content"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "type": "audio", "audio": { "id": "a" } }));
    let decoded: ThreadMessageResponse = serde_json::from_value(msg).unwrap();
    assert!(
        matches!(decoded.content.last(), Some(MessageContent::Unknown(v)) if v["type"] == "audio")
    );

    let event: AssistantStreamEvent =
        serde_json::from_value(json!({ "event": "thread.run.paused", "data": { "id": "run_1" } }))
            .unwrap();
    assert!(matches!(event, AssistantStreamEvent::Unknown(_)));
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        json!({ "event": "thread.run.paused", "data": { "id": "run_1" } })
    );

    let mut chat = fixture("chat_completion.json");
    chat["choices"][0]["finish_reason"] = json!("max_time");
    let decoded: CompletionResponse = serde_json::from_value(chat).unwrap();
    assert_eq!(
        decoded.choices[0].finish_reason,
        CompletionResponseChoicesItemFinishReason::Unknown("max_time".into())
    );
}

#[test]
fn fields_the_server_omits_or_nulls_are_optional() {
    let mut run = fixture("run_completed.json");
    run["instructions"] = Value::Null;
    run.as_object_mut().unwrap().remove("usage");
    let run: RunResponse = serde_json::from_value(run).unwrap();
    assert_eq!(run.instructions, None);

    let mut file = fixture("openai_file.json");
    file.as_object_mut().unwrap().remove("status");
    assert!(serde_json::from_value::<FileResponse>(file).is_ok());

    let mut vs = fixture("vector_store.json");
    for k in ["status", "usage_bytes", "file_counts", "name"] {
        vs.as_object_mut().unwrap().remove(k);
    }
    assert!(serde_json::from_value::<VectorStoreResponse>(vs).is_ok());
}

#[test]
fn one_delete_type_for_every_delete() {
    for object in [
        "assistant.deleted",
        "thread.deleted",
        "file",
        "vector_store.file.deleted",
    ] {
        let d: DeleteStatusResponse =
            serde_json::from_value(json!({ "id": "x_1", "object": object, "deleted": true }))
                .unwrap();
        assert!(d.deleted);
        assert_eq!(d.object, object);
    }
}

#[test]
fn api_error_body() {
    let e: ApiError = serde_json::from_value(json!({
        "message": "No thread found with id 'thread_x'.", "type": "invalid_request_error",
        "param": null, "code": null
    }))
    .unwrap();
    assert_eq!(e.type_, "invalid_request_error");
    assert_eq!(e.param, None);
}

#[test]
fn request_constructors_serialise_to_exact_json() {
    let run = RunCreateRequest {
        instructions: Some("Be brief.".into()),
        tools: Some(vec![
            AssistantTool::CodeInterpreter,
            AssistantTool::file_search(),
        ]),
        ..RunCreateRequest::new("asst_123")
    };
    assert_eq!(
        serde_json::to_value(&run).unwrap(),
        json!({ "assistant_id": "asst_123", "instructions": "Be brief.",
                "tools": [{ "type": "code_interpreter" }, { "type": "file_search" }] })
    );
    assert_eq!(
        serde_json::to_value(ThreadMessageCreateRequest::user("Hi")).unwrap(),
        json!({ "role": "user", "content": "Hi" })
    );
    assert_eq!(
        serde_json::to_value(
            ThreadMessageCreateRequest::user("Read this")
                .with_attachment("file-1", vec![AttachmentTool::FileSearch])
        )
        .unwrap(),
        json!({ "role": "user", "content": "Read this",
                "attachments": [{ "file_id": "file-1", "tools": [{ "type": "file_search" }] }] })
    );
    let chat = CompletionCreateRequest {
        temperature: Some(0.2),
        ..CompletionCreateRequest::new(
            "gpt-4o-mini",
            vec![
                ChatCompletionRequestMessage::system("Be terse."),
                ChatCompletionRequestMessage::user("hi"),
            ],
        )
    };
    assert_eq!(
        serde_json::to_value(&chat).unwrap(),
        json!({ "model": "gpt-4o-mini", "temperature": 0.2, "messages": [
            { "role": "system", "content": "Be terse." }, { "role": "user", "content": "hi" } ] })
    );
    assert_eq!(
        serde_json::to_value(AssistantCreateRequest {
            name: Some("Docs".into()),
            tools: Some(vec![AssistantTool::file_search()]),
            ..AssistantCreateRequest::new("gpt-4o")
        })
        .unwrap(),
        json!({ "model": "gpt-4o", "name": "Docs", "tools": [{ "type": "file_search" }] })
    );
    assert_eq!(
        serde_json::to_value(VectorStoreFileBatchCreateRequest::new(vec![
            "f1".into(),
            "f2".into()
        ]))
        .unwrap(),
        json!({ "file_ids": ["f1", "f2"] })
    );
    assert_eq!(
        serde_json::to_value(SubmitToolOutputsRequest::new([("call_1", "42")])).unwrap(),
        json!({ "tool_outputs": [{ "tool_call_id": "call_1", "output": "42" }] })
    );
    assert_eq!(
        serde_json::to_value(VectorStoreCreateRequest::new("docs", vec!["f1".into()])).unwrap(),
        json!({ "name": "docs", "file_ids": ["f1"] })
    );
    assert_eq!(
        serde_json::to_value(ThreadCreateRequest::default()).unwrap(),
        json!({})
    );
}

#[test]
fn list_queries_render_as_query_strings() {
    assert_eq!(
        AssistantListQueryParameters::default().to_query_string(),
        ""
    );
    let q = ThreadMessageListQueryParameters {
        limit: Some(100),
        order: Some(ListOrder::Asc),
        after: Some("msg_a b".into()),
        run_id: Some("run_1".into()),
        ..Default::default()
    };
    assert_eq!(
        q.to_query_string(),
        "after=msg_a%20b&limit=100&order=asc&run_id=run_1"
    );
    let q = RunStepListQueryParameters {
        include: Some(vec![
            RunStepInclude::StepDetailsToolCallsFileSearchResultsContent,
        ]),
        ..Default::default()
    };
    assert_eq!(
        q.to_query_string(),
        "include%5B%5D=step_details.tool_calls%5B%2A%5D.file_search.results%5B%2A%5D.content"
    );
    let q = VectorStoreFileListQueryParameters {
        filter: Some(VectorStoreFileStatusFilter::Failed),
        ..Default::default()
    };
    assert_eq!(q.to_query_string(), "filter=failed");
    let q = FileListQueryParameters {
        purpose: Some("assistants".into()),
        ..Default::default()
    };
    assert_eq!(q.to_query_string(), "purpose=assistants");
    let mut q = VectorStoreFileBatchFileListQueryParameters::default();
    q.set_after(Some("file_9".into()));
    assert_eq!(q.to_query_string(), "after=file_9");
}

#[test]
fn an_empty_list_with_null_ids_decodes() {
    // The live API sends null ids on an empty page.
    let empty = serde_json::json!({"object": "list", "data": [], "first_id": null,
                                   "last_id": null, "has_more": false});
    let page: ThreadMessageListResponse = serde_json::from_value(empty.clone()).unwrap();
    assert_eq!(
        (page.first_id, page.last_id, page.data.len()),
        (None, None, 0)
    );
    let files: FileListResponse = serde_json::from_value(empty.clone()).unwrap();
    assert!(files.first_id.is_none());
    let stores: VectorStoreListResponse = serde_json::from_value(empty).unwrap();
    assert!(stores.last_id.is_none());
}

#[test]
fn unknown_fields_of_top_level_objects_survive_a_round_trip() {
    let mut run = fixture("run_completed.json");
    run["reasoning"] = json!({"effort": "high", "summary": ["a", "b"]});
    run["new_counter"] = json!(12345678901234567u64);
    let decoded: RunResponse = serde_json::from_value(run.clone()).unwrap();
    assert_eq!(decoded.extra["reasoning"]["effort"], "high");
    assert_eq!(round_trip::<RunResponse>(&run), Ok(vec![]));
    // Decoded from text, as the client does (streamed, not through a `Value`): the same.
    let streamed: RunResponse = serde_json::from_str(&run.to_string()).unwrap();
    assert_eq!(streamed, decoded);
    assert_eq!(streamed.extra.len(), 2);

    // The items of a list keep theirs too, wherever in the object they come.
    let page = format!(
        r#"{{"object":"list","data":[{{"shiny":[1,{{"x":null}}],{}],"first_id":"a","last_id":"a","has_more":false}}"#,
        &fixture("message_text_annotations.json").to_string()[1..]
    );
    let page: ThreadMessageListResponse = serde_json::from_str(&page).unwrap();
    assert_eq!(page.data[0].extra["shiny"], json!([1, {"x": null}]));
    assert_eq!(page.data[0].extra.len(), 1);

    // Nested objects drop what they do not know (see the README's Types section).
    let mut message = fixture("message_text_annotations.json");
    message["content"][0]["text"]["language"] = json!("en");
    assert_eq!(
        round_trip::<ThreadMessageResponse>(&message),
        Ok(vec!["- /content/0/text/language".to_string()])
    );
}

#[test]
fn required_nullable_fields_are_sent_as_null() {
    let function = ChatCompletionRequestMessage::Function {
        content: None,
        name: "run_check".into(),
    };
    assert_eq!(
        serde_json::to_value(&function).unwrap(),
        json!({"role": "function", "content": null, "name": "run_check"})
    );
    assert_eq!(
        serde_json::to_value(VectorStoreFileModifyRequest::default()).unwrap(),
        json!({"attributes": null})
    );
    // Absent when decoding is still None.
    let decoded: ChatCompletionRequestMessage =
        serde_json::from_value(json!({"role": "function", "name": "f"})).unwrap();
    assert_eq!(
        decoded,
        ChatCompletionRequestMessage::Function {
            content: None,
            name: "f".into()
        }
    );
}

/// The unions of answers decode by reading their tag once (see `src/tagged.rs`): from bytes and
/// from a `Value` alike, with the tag anywhere in the object, and an unknown tag keeps the
/// object exactly, so it serialises back unchanged.
#[test]
fn unions_dispatch_on_their_tag_and_keep_unknown_tags_unchanged() {
    let parts = r#"[
        {"type": "refusal", "refusal": "No."},
        {"image_file": {"file_id": "file-1"}, "type": "image_file"},
        {"type": "text", "text": {"value": "Hi", "annotations": [
            {"type": "file_path", "text": "a", "file_path": {"file_id": "f"}, "start_index": 0, "end_index": 1}
        ]}},
        {"audio": {"k": [1, 2.5, null, "x"]}, "type": "audio", "extra": true},
        {"no_tag": 1},
        "a string"
    ]"#;
    let from_bytes: Vec<MessageContent> = serde_json::from_str(parts).unwrap();
    let value: Value = serde_json::from_str(parts).unwrap();
    let from_value: Vec<MessageContent> = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(from_bytes, from_value);
    assert_eq!(
        from_bytes[0],
        MessageContent::Refusal {
            refusal: "No.".into()
        }
    );
    assert!(matches!(
        &from_bytes[1],
        MessageContent::ImageFile { image_file } if image_file.file_id == "file-1"
    ));
    assert!(matches!(
        &from_bytes[2],
        MessageContent::Text { text } if text.value == "Hi"
            && matches!(text.annotations[0], TextAnnotation::FilePath { .. })
    ));
    for (i, unknown) in from_bytes[3..].iter().enumerate() {
        assert!(matches!(unknown, MessageContent::Unknown(_)), "{unknown:?}");
        assert_eq!(serde_json::to_value(unknown).unwrap(), value[3 + i]);
    }
    assert_eq!(serde_json::to_value(&from_bytes).unwrap(), value);

    // A known tag with a body that does not fit its variant is an error naming the field,
    // not a silent Unknown.
    let err =
        serde_json::from_str::<MessageContent>(r#"{"type": "text", "text": {"annotations": []}}"#)
            .unwrap_err();
    assert!(err.to_string().contains("value"), "{err}");
}

/// Servers that sort keys write the tag after nearly everything else: the entries before it
/// are kept (strings borrowed, objects as lists) and read back exactly as if they had come
/// after it, whatever they hold: nested objects, arrays, `null` options, enums, escaped text,
/// numbers of every kind.
#[test]
fn unions_decode_the_same_whatever_comes_before_the_tag() {
    let tag_first = r#"[
        {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
         "content": [{"type": "output_text", "text": "He said \"hi\"\n", "logprobs": null,
                      "annotations": [{"type": "url_citation", "url": "https://a.example",
                                       "title": "A", "start_index": 0, "end_index": 4}]}]},
        {"type": "function_call", "id": "fc_1", "call_id": "c1", "name": "f",
         "arguments": "{\"x\": -1.5e3}", "status": "in_progress"},
        {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": null}
    ]"#;
    let tag_last = r#"[
        {"content": [{"annotations": [{"end_index": 4, "start_index": 0, "title": "A",
                                       "url": "https://a.example", "type": "url_citation"}],
                      "logprobs": null, "text": "He said \"hi\"\n", "type": "output_text"}],
         "id": "msg_1", "role": "assistant", "status": "completed", "type": "message"},
        {"arguments": "{\"x\": -1.5e3}", "call_id": "c1", "id": "fc_1", "name": "f",
         "status": "in_progress", "type": "function_call"},
        {"encrypted_content": null, "id": "rs_1", "summary": [], "type": "reasoning"}
    ]"#;
    let first: Vec<OutputItem> = serde_json::from_str(tag_first).unwrap();
    let last: Vec<OutputItem> = serde_json::from_str(tag_last).unwrap();
    assert_eq!(first, last);
    assert!(
        matches!(&last[0], OutputItem::Message { status, content, .. }
        if *status == OutputMessageStatus::Completed
            && matches!(&content[0], OutputMessageContent::OutputText { text, .. }
                if text == "He said \"hi\"\n"))
    );
    assert!(
        matches!(&last[1], OutputItem::FunctionCall { arguments, .. }
        if arguments == r#"{"x": -1.5e3}"#)
    );
    // Read from a reader (nothing borrowed) and from a `Value`, the same.
    let from_reader: Vec<OutputItem> = serde_json::from_reader(tag_last.as_bytes()).unwrap();
    let from_value: Vec<OutputItem> =
        serde_json::from_value(serde_json::from_str(tag_last).unwrap()).unwrap();
    assert_eq!(from_reader, first);
    assert_eq!(from_value, first);

    // A bad entry before the tag, or a missing one, is an error that says what was wrong.
    let err = serde_json::from_str::<OutputItem>(
        r#"{"arguments": "{}", "call_id": 7, "name": "f", "type": "function_call"}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("integer `7`"), "{err}");
    let err = serde_json::from_str::<OutputItem>(
        r#"{"arguments": "{}", "call_id": "c1", "type": "function_call"}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("`name`"), "{err}");
}

/// An output message whose keys are sorted holds its contents before its tag, so they are read
/// whole first; each content, whose own tag comes last too, is then decoded by its tag from
/// those entries where they lie: to its typed variant (its annotations too), or, for an
/// unknown tag or a known one whose body does not fit, to `Unknown` with the object as sent.
/// From a string, a reader and a `Value` alike.
#[test]
fn contents_held_before_their_items_tag_decode_to_their_variants() {
    let text = r#"{
        "content": [
            {"annotations": [{"file_id": "file-abc", "filename": "a.pdf", "index": 10,
                              "type": "file_citation"}],
             "logprobs": [], "text": "He said \"hi\"", "type": "output_text"},
            {"refusal": "no", "type": "refusal"},
            {"payload": {"a": [1, 2.5, null]}, "type": "output_hologram"},
            {"annotations": 5, "text": "t", "type": "output_text"}
        ],
        "id": "msg_1", "role": "assistant", "status": "completed", "type": "message"
    }"#;
    let item: OutputItem = decode_three_ways(text).unwrap();
    let OutputItem::Message { content, id, .. } = &item else {
        panic!("not a message: {item:?}");
    };
    assert_eq!(id, "msg_1");
    assert!(
        matches!(&content[0], OutputMessageContent::OutputText { text, annotations, logprobs }
            if text == "He said \"hi\""
                && logprobs.as_deref() == Some(&[][..])
                && matches!(&annotations[..], [Annotation::FileCitation { file_id, index: 10, .. }]
                    if file_id == "file-abc")),
        "{:?}",
        content[0]
    );
    assert!(
        matches!(&content[1], OutputMessageContent::Refusal { refusal } if refusal == "no"),
        "{:?}",
        content[1]
    );
    let raw: Value = serde_json::from_str(text).unwrap();
    for at in [2, 3] {
        assert!(
            matches!(&content[at], OutputMessageContent::Unknown(object)
                if *object == raw["content"][at]),
            "{:?}",
            content[at]
        );
    }
    // Written back, the unknown contents are as sent.
    assert_eq!(
        serde_json::to_value(&content[2..]).unwrap(),
        json!(raw["content"].as_array().unwrap()[2..])
    );
}

/// Decodes `text` as a `T` from a string, a reader (nothing borrowed) and a `Value`, which
/// take different paths through the generated decoding, and checks that they agree.
fn decode_three_ways<T>(text: &str) -> Result<T, String>
where
    T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let from_str = serde_json::from_str::<T>(text).map_err(|e| e.to_string());
    let from_reader = serde_json::from_reader::<_, T>(text.as_bytes()).map_err(|e| e.to_string());
    let value: Value = serde_json::from_str(text).unwrap();
    let from_value = serde_json::from_value::<T>(value).map_err(|e| e.to_string());
    assert_eq!(from_str.as_ref().ok(), from_reader.as_ref().ok(), "{text}");
    assert_eq!(from_str.as_ref().ok(), from_value.as_ref().ok(), "{text}");
    from_str
}

/// The tagged unions a request can hold decode by their tag too, but keep serde's fallback: a
/// known tag whose body does not fit is `Unknown` with the object as sent, which servers
/// built on these types (the local engine) inspect to say which field was wrong. An unknown
/// tag, a missing one or a value that is no object is `Unknown` and serialises back unchanged.
#[test]
fn request_unions_keep_a_bad_known_variant_as_unknown() {
    let tools = r#"[
        {"type": "code_interpreter"},
        {"file_search": {"max_num_results": 20}, "type": "file_search"},
        {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}},
        {"type": "function", "function": {"name": 7}},
        {"function": {"description": "no name"}, "type": "function"},
        {"type": "file_search", "file_search": {"max_num_results": "many"}},
        {"type": "computer_use_preview", "display_width": 1024, "nested": {"a": [1, 2.5, null]}},
        {"no_type": true},
        {"type": 3},
        "a string",
        [1]
    ]"#;
    let decoded: Vec<AssistantTool> = decode_three_ways(tools).unwrap();
    let value: Value = serde_json::from_str(tools).unwrap();
    assert_eq!(decoded[0], AssistantTool::CodeInterpreter);
    assert!(
        matches!(&decoded[1], AssistantTool::FileSearch { file_search: Some(f) }
        if f.max_num_results == Some(20))
    );
    assert!(matches!(&decoded[2], AssistantTool::Function { function }
        if function.name == "get_weather"));
    for (i, unknown) in decoded.iter().enumerate().skip(3) {
        // Exactly the value sent, which serialises back unchanged.
        assert_eq!(unknown, &AssistantTool::Unknown(value[i].clone()), "{i}");
        assert_eq!(serde_json::to_value(unknown).unwrap(), value[i]);
    }
    assert_eq!(serde_json::to_value(&decoded).unwrap(), value);

    // The same inside a request, where the engine finds it, and inside untagged unions: in a
    // list, and as the object of a string-or-object union (which hands it an object already
    // opened, not its text).
    let request: RunCreateRequest = decode_three_ways(
        r#"{"assistant_id": "asst_1", "tools": [{"type": "function", "function": {"name": 7}}]}"#,
    )
    .unwrap();
    assert!(matches!(&request.tools.as_deref().unwrap()[0],
        AssistantTool::Unknown(v) if v["function"]["name"] == 7));
    let content: EasyInputMessageContent = decode_three_ways(
        r#"[{"type": "input_text", "text": 7}, {"type": "input_text", "text": "hi"}]"#,
    )
    .unwrap();
    let EasyInputMessageContent::InputMessageContentList(parts) = content else {
        panic!("{content:?}")
    };
    assert_eq!(
        parts.0[0],
        InputContent::Unknown(json!({"type": "input_text", "text": 7}))
    );
    assert!(matches!(&parts.0[1], InputContent::InputText { text, .. } if text == "hi"));
    let variable: ResponsePromptVariablesValue =
        decode_three_ways(r#"{"type": "input_text", "text": 7}"#).unwrap();
    assert_eq!(
        variable,
        ResponsePromptVariablesValue::InputContent(InputContent::Unknown(
            json!({"type": "input_text", "text": 7})
        ))
    );
}

/// The untagged unions whose variants take different kinds of value (a string or an object,
/// ...) decode the variant of the value's kind; any other kind is an error that says which
/// kinds the union takes, and a value of the right kind that does not fit its variant is that
/// variant's error (not serde's "data did not match any variant").
#[test]
fn unions_of_kinds_decode_by_the_kind_of_value() {
    use AssistantsApiToolChoiceOption as Choice;
    let choice = |text: &str| decode_three_ways::<Choice>(text);
    assert_eq!(
        choice(r#""auto""#),
        Ok(Choice::String(AssistantsApiToolChoiceOptionString::Auto))
    );
    // An open enum inside: a string it does not know is kept.
    assert_eq!(
        choice(r#""sometimes""#),
        Ok(Choice::String(
            AssistantsApiToolChoiceOptionString::Unknown("sometimes".into())
        ))
    );
    assert_eq!(
        choice(r#"{"function": {"name": "get_weather"}, "type": "function"}"#),
        Ok(Choice::AssistantsNamedToolChoice(
            AssistantsNamedToolChoice {
                function: Some(AssistantsNamedToolChoiceFunction {
                    name: "get_weather".into()
                }),
                type_: AssistantsNamedToolChoiceType::Function,
            }
        ))
    );
    for (wrong, got) in [
        ("5", "integer `5`"),
        ("-1.5", "floating point `-1.5`"),
        ("true", "boolean `true`"),
        ("null", "null"),
        (r#"["auto"]"#, "sequence"),
    ] {
        let err = choice(wrong).unwrap_err();
        assert!(
            err.starts_with(&format!(
                "invalid type: {got}, expected a string or an object"
            )),
            "{wrong}: {err}"
        );
    }
    let err = choice(r#"{"function": {"name": "f"}}"#).unwrap_err();
    assert!(err.starts_with("missing field `type`"), "{err}");
    let err = serde_json::from_str::<RunCreateRequest>(
        r#"{"assistant_id": "asst_1", "tool_choice": 12}"#,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("expected a string or an object"),
        "{err}"
    );

    // Four kinds, numbers of every sort into an `f64`, and a nested union in the list.
    use ComparisonFilterValue as V;
    use ComparisonFilterValueArrayItem as Item;
    let values: Vec<V> = decode_three_ways(r#"["a", 1, -2, 2.5, false, ["b", 3]]"#).unwrap();
    assert_eq!(
        values,
        [
            V::String("a".into()),
            V::Number(1.0),
            V::Number(-2.0),
            V::Number(2.5),
            V::Boolean(false),
            V::Array(vec![Item::String("b".into()), Item::Number(3.0)]),
        ]
    );
    let err = decode_three_ways::<V>(r#"{"a": 1}"#).unwrap_err();
    assert!(
        err.starts_with("invalid type: map, expected a string, a number, a boolean or an array"),
        "{err}"
    );
    let err = decode_three_ways::<V>(r#"[null]"#).unwrap_err();
    assert!(
        err.starts_with("invalid type: null, expected a string or a number"),
        "{err}"
    );
}

/// An input item list holds user and assistant messages, both of type `message`: the role
/// tells them apart, wherever it comes in the object.
#[test]
fn item_resources_of_one_type_are_told_apart_by_role() {
    let items: Vec<ItemResource> = serde_json::from_value(json!([
        {"id": "msg_1", "type": "message", "role": "user", "status": "completed",
         "content": [{"type": "input_text", "text": "Weather?"}]},
        {"id": "msg_2", "type": "message", "status": "completed",
         "content": [{"type": "output_text", "text": "Rain.", "annotations": []}], "role": "assistant"},
        {"id": "msg_3", "type": "message", "role": "critic", "content": []},
        {"id": "fc_1", "type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}", "status": "completed"}
    ]))
    .unwrap();
    assert!(matches!(&items[0], ItemResource::InputMessageResource(m) if m.id == "msg_1"));
    assert!(matches!(&items[1], ItemResource::OutputMessage(m) if m.id == "msg_2"));
    assert!(matches!(&items[2], ItemResource::Unknown(v) if v["role"] == "critic"));
    assert!(matches!(&items[3], ItemResource::FunctionToolCallResource(c) if c.call_id == "c1"));
}
