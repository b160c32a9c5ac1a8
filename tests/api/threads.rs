//! `/threads`: create, get, modify, delete and create-and-run.

use httpmock::MockServer;
use openai_blocking::*;
use serde_json::json;

use crate::support::*;

fn thread() -> serde_json::Value {
    fixture("thread.json")
}

fn deleted(id: &str) -> serde_json::Value {
    json!({"id": id, "object": "thread.deleted", "deleted": true})
}

#[test]
fn create_thread_with_messages_and_resources() {
    let server = MockServer::start();
    let mock = Route::post(
        "/threads",
        json!({
            "messages": [
                {"role": "user", "content": "What is the return policy?",
                 "attachments": [{"file_id": "file-9Xy", "tools": [{"type": "file_search"}]}],
                 "metadata": {"source": "web"}},
                {"role": "assistant", "content": "Let me check the FAQ."}
            ],
            "tool_resources": {
                "code_interpreter": {"file_ids": ["file-Csv1"]},
                "file_search": {"vector_stores": [{
                    "file_ids": ["file-9Xy", "file-Q2r"],
                    "chunking_strategy": {"type": "static", "static": {
                        "max_chunk_size_tokens": 600, "chunk_overlap_tokens": 200
                    }},
                    "metadata": {"kind": "faq"}
                }]}
            },
            "metadata": {"customer": "c-42"}
        }),
    )
    .mock(&server, thread());

    let question = ThreadMessageCreateRequest {
        metadata: Some(metadata(&[("source", "web")])),
        ..ThreadMessageCreateRequest::user("What is the return policy?")
            .with_attachment("file-9Xy", vec![AttachmentTool::FileSearch])
    };
    let request = ThreadCreateRequest {
        messages: vec![
            question,
            ThreadMessageCreateRequest::assistant("Let me check the FAQ."),
        ],
        tool_resources: Some(ThreadCreateRequestToolResources {
            code_interpreter: Some(ThreadCreateRequestToolResourcesCodeInterpreter {
                file_ids: vec!["file-Csv1".into()],
            }),
            file_search: Some(ThreadCreateRequestToolResourcesFileSearch::Variant1 {
                vector_stores: vec![
                    ThreadCreateRequestToolResourcesFileSearchVariant1VectorStoresItem {
                        file_ids: vec!["file-9Xy".into(), "file-Q2r".into()],
                        chunking_strategy: Some(
                            ThreadCreateRequestToolResourcesFileSearchVariant1VectorStoresItemChunkingStrategy::Static {
                                max_chunk_size_tokens: 600,
                                chunk_overlap_tokens: 200,
                            },
                        ),
                        metadata: Some(metadata(&[("kind", "faq")])),
                    },
                ],
            }),
        }),
        metadata: Some(metadata(&[("customer", "c-42")])),
    };
    let client = client(&server);
    let created = ok(&mock, client.create_thread(&request));
    assert_eq!(created.id, "thread_77aa");
    assert_eq!(created.object, ThreadResponseObject::Thread);
    assert_eq!(created.created_at, 1_732_000_000);
    assert_eq!(
        created
            .tool_resources
            .as_ref()
            .unwrap()
            .file_search
            .as_ref()
            .unwrap()
            .vector_store_ids,
        ["vs_1"]
    );
    same_as_plain(
        ok(&mock, client.create_thread_with_response(&request)),
        &created,
    );
    mock.assert_calls(2);
}

#[test]
fn create_empty_thread_sends_an_empty_object() {
    let server = MockServer::start();
    let mock = Route::post("/threads", json!({})).mock(&server, thread());
    ok(
        &mock,
        client(&server).create_thread(&ThreadCreateRequest::default()),
    );
    mock.assert();
}

#[test]
fn get_modify_delete_thread() {
    let server = MockServer::start();
    let get = Route::get("/threads/thread_77aa").mock(&server, thread());
    let modify = Route::post(
        "/threads/thread_77aa",
        json!({
            "metadata": {"stage": "escalated"},
            "tool_resources": {
                "code_interpreter": {"file_ids": ["file-Csv2"]},
                "file_search": {"vector_store_ids": ["vs_2"]}
            }
        }),
    )
    .mock(&server, thread());
    let delete = Route::delete("/threads/thread_77aa").mock(&server, deleted("thread_77aa"));
    let client = client(&server);

    let got = ok(&get, client.get_thread("thread_77aa"));
    assert_eq!(got.id, "thread_77aa");
    assert!(got.metadata.as_ref().unwrap().0.is_empty());
    same_as_plain(
        ok(&get, client.get_thread_with_response("thread_77aa")),
        &got,
    );

    let change = ThreadModifyRequest {
        metadata: Some(metadata(&[("stage", "escalated")])),
        tool_resources: Some(ThreadModifyRequestToolResources {
            code_interpreter: Some(ThreadModifyRequestToolResourcesCodeInterpreter {
                file_ids: vec!["file-Csv2".into()],
            }),
            file_search: Some(ThreadModifyRequestToolResourcesFileSearch {
                vector_store_ids: vec!["vs_2".into()],
            }),
        }),
    };
    let modified = ok(&modify, client.modify_thread("thread_77aa", &change));
    assert_eq!(modified.id, "thread_77aa");
    same_as_plain(
        ok(
            &modify,
            client.modify_thread_with_response("thread_77aa", &change),
        ),
        &modified,
    );

    let gone = ok(&delete, client.delete_thread("thread_77aa"));
    assert!(gone.deleted);
    assert_eq!(gone.object, "thread.deleted");
    same_as_plain(
        ok(&delete, client.delete_thread_with_response("thread_77aa")),
        &gone,
    );
    get.assert_calls(2);
    modify.assert_calls(2);
    delete.assert_calls(2);
}

#[test]
fn create_thread_and_run_sends_the_whole_request() {
    let server = MockServer::start();
    let mock = Route::post(
        "/threads/runs",
        json!({
            "assistant_id": "asst_9f2K",
            "thread": {
                "messages": [{"role": "user", "content": [
                    {"type": "text", "text": "Weather in Oslo?"},
                    {"type": "image_url", "image_url": {"url": "https://example.com/sky.png", "detail": "low"}}
                ]}],
                "metadata": {"channel": "chat"}
            },
            "model": "gpt-4o",
            "instructions": "You are a weather bot.",
            "tools": [
                {"type": "function", "function": {
                    "name": "get_weather",
                    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}
                }}
            ],
            "tool_resources": {
                "code_interpreter": {"file_ids": ["file-Csv1"]},
                "file_search": {"vector_store_ids": ["vs_abc123"]}
            },
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
            "parallel_tool_calls": true,
            "truncation_strategy": {"type": "last_messages", "last_messages": 10},
            "response_format": {"type": "json_schema", "json_schema": {
                "name": "weather", "schema": {"type": "object"}, "strict": true
            }},
            "temperature": 1.0,
            "top_p": 1.0,
            "max_prompt_tokens": 4000,
            "max_completion_tokens": 1000,
            "metadata": {"session": "s-1"}
        }),
    )
    .mock(&server, fixture("run_requires_action.json"));

    let request = RunThreadCreateRequest {
        thread: Some(ThreadCreateRequest {
            messages: vec![ThreadMessageCreateRequest {
                content: ThreadMessageCreateRequestContent::Array(vec![
                    MessageRequestContentPart::Text {
                        text: "Weather in Oslo?".into(),
                    },
                    MessageRequestContentPart::ImageUrl {
                        image_url: MessageContentImageUrlObjectImageUrl {
                            url: "https://example.com/sky.png".into(),
                            detail: Some(MessageContentImageUrlObjectImageUrlDetail::Low),
                        },
                    },
                ]),
                ..ThreadMessageCreateRequest::user("")
            }],
            metadata: Some(metadata(&[("channel", "chat")])),
            tool_resources: None,
        }),
        model: Some("gpt-4o".into()),
        instructions: Some("You are a weather bot.".into()),
        tools: Some(vec![AssistantTool::Function {
            function: FunctionObject {
                name: "get_weather".into(),
                description: None,
                parameters: Some(FunctionParameters(object(json!({
                    "type": "object",
                    "properties": {"city": {"type": "string"}}
                })))),
                strict: None,
            },
        }]),
        tool_resources: Some(RunThreadCreateRequestToolResources {
            code_interpreter: Some(RunThreadCreateRequestToolResourcesCodeInterpreter {
                file_ids: vec!["file-Csv1".into()],
            }),
            file_search: Some(RunThreadCreateRequestToolResourcesFileSearch {
                vector_store_ids: vec!["vs_abc123".into()],
            }),
        }),
        tool_choice: Some(AssistantsApiToolChoiceOption::AssistantsNamedToolChoice(
            AssistantsNamedToolChoice {
                type_: AssistantsNamedToolChoiceType::Function,
                function: Some(AssistantsNamedToolChoiceFunction {
                    name: "get_weather".into(),
                }),
            },
        )),
        parallel_tool_calls: Some(ParallelToolCalls(true)),
        truncation_strategy: Some(TruncationObject {
            type_: TruncationObjectType::LastMessages,
            last_messages: Some(10),
        }),
        response_format: Some(AssistantsApiResponseFormatOption::ResponseFormat(
            ResponseFormat::JsonSchema(ResponseFormatJsonSchemaJsonSchema {
                name: "weather".into(),
                description: None,
                schema: Some(ResponseFormatJsonSchemaSchema(object(
                    json!({"type": "object"}),
                ))),
                strict: Some(true),
            }),
        )),
        temperature: Some(1.0),
        top_p: Some(1.0),
        max_prompt_tokens: Some(4000),
        max_completion_tokens: Some(1000),
        metadata: Some(metadata(&[("session", "s-1")])),
        ..RunThreadCreateRequest::new("asst_9f2K")
    };
    let client = client(&server);
    let run = ok(&mock, client.create_thread_and_run(&request));
    assert_eq!(run.id, "run_Xq8p2mZ1");
    assert_eq!(run.object, RunResponseObject::ThreadRun);
    assert_eq!(run.thread_id, "thread_77aa");
    assert_eq!(run.status, RunResponseStatus::RequiresAction);
    let action = run.required_action.as_ref().unwrap();
    assert_eq!(
        action.type_,
        RunResponseRequiredActionType::SubmitToolOutputs
    );
    assert_eq!(action.submit_tool_outputs.tool_calls[0].id, "call_abc");
    assert_eq!(
        run.truncation_strategy.as_ref().unwrap().last_messages,
        Some(10)
    );
    assert_eq!(run.parallel_tool_calls, ParallelToolCalls(true));
    same_as_plain(
        ok(&mock, client.create_thread_and_run_with_response(&request)),
        &run,
    );
    mock.assert_calls(2);
}

#[test]
fn create_thread_and_run_minimal_body() {
    let server = MockServer::start();
    let mock = Route::post("/threads/runs", json!({"assistant_id": "asst_1"}))
        .mock(&server, fixture("run_completed.json"));
    let run = ok(
        &mock,
        client(&server).create_thread_and_run(&RunThreadCreateRequest::new("asst_1")),
    );
    assert_eq!(run.status, RunResponseStatus::Completed);
    assert_eq!(run.usage.as_ref().unwrap().total_tokens, 876);
}

#[test]
fn empty_ids_are_rejected_before_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    let change = ThreadModifyRequest::default();
    invalid_argument("thread_id", client.get_thread(""));
    invalid_argument("thread_id", client.get_thread_with_response(" "));
    invalid_argument("thread_id", client.modify_thread("", &change));
    invalid_argument("thread_id", client.modify_thread_with_response("", &change));
    invalid_argument("thread_id", client.delete_thread(""));
    invalid_argument("thread_id", client.delete_thread_with_response(""));
    any.assert_calls(0);
}

#[test]
fn ids_are_percent_encoded() {
    let server = MockServer::start();
    let path = format!("/threads/{ODD_ID_ENCODED}");
    let get = Route::get(&path).mock(&server, thread());
    let modify = Route::post(&path, json!({"metadata": {"k": "v"}})).mock(&server, thread());
    let delete = Route::delete(&path).mock(&server, deleted(ODD_ID));
    let client = client(&server);
    ok(&get, client.get_thread(ODD_ID));
    let change = ThreadModifyRequest {
        metadata: Some(metadata(&[("k", "v")])),
        tool_resources: None,
    };
    ok(&modify, client.modify_thread(ODD_ID, &change));
    ok(&delete, client.delete_thread(ODD_ID));
    get.assert();
    modify.assert();
    delete.assert();
}
