//! The request bodies and list queries the SDK sends, each as a typed request together with
//! the exact JSON body (or query string) it must put on the wire, written out literally here
//! and never produced by serialising the request.
//!
//! Two suites include this file (`#[path = ...] mod requests;`):
//!
//! - `tests/api/` (httpmock) sends each `request` and checks that the body received is exactly
//!   `json` (or the query exactly `query`): the SDK sends what we think it sends;
//! - `tests/conformance.rs` sends the same `request` to a Prism mock of OpenAI's official
//!   OpenAPI document, which refuses any request that breaks the spec: what we think we send
//!   is what the spec allows.
//!
//! Every fixture sets every optional field its request type has; where the spec offers
//! alternative shapes that one request cannot hold at once (`vector_store_ids` or
//! `vector_stores`, `file_ids` or `files`, a named tool choice or `allowed_tools`, ...), a
//! second fixture takes the other shape. The values are valid for the spec (ranges, enums,
//! `maxItems`), not necessarily sensible together for a real model. Both suites use every
//! fixture: one left unused by either is a dead-code warning there, which CI denies.

use std::collections::HashMap;

use openai_blocking::types::*;
use serde_json::{json, Map, Value};

/// A typed request body and the exact JSON it must serialise to.
pub struct Fixture<T> {
    pub request: T,
    pub json: Value,
}

/// Typed list query parameters and the exact query string they must be sent as (pairs in any
/// order, each percent-encoded exactly like this).
pub struct Query<T> {
    pub request: T,
    /// Read by the httpmock suite; the conformance suite sends `request`.
    #[allow(dead_code)]
    pub query: &'static str,
}

/// Metadata from pairs.
pub fn metadata(pairs: &[(&str, &str)]) -> Metadata {
    Metadata(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

/// The fields of a JSON object literal (for the JSON-schema-valued fields of requests).
pub fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Parts that several bodies share; each is a fixture too, so a body's JSON embeds the part's
// literal JSON.

/// A strict function tool with a description and JSON-schema parameters.
fn weather_function() -> Fixture<FunctionObject> {
    let parameters = json!({
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
        "required": ["city", "unit"],
        "additionalProperties": false
    });
    Fixture {
        request: FunctionObject {
            name: "get_weather".into(),
            description: Some("Current weather for a city".into()),
            parameters: Some(FunctionParameters(object(parameters))),
            strict: Some(true),
        },
        json: json!({
            "name": "get_weather",
            "description": "Current weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
                "required": ["city", "unit"],
                "additionalProperties": false
            },
            "strict": true
        }),
    }
}

/// The three Assistants tools, file search with all its options.
fn assistant_tools() -> Fixture<Vec<AssistantTool>> {
    let function = weather_function();
    Fixture {
        request: vec![
            AssistantTool::CodeInterpreter,
            AssistantTool::FileSearch {
                file_search: Some(AssistantToolsFileSearchFileSearch {
                    max_num_results: Some(10),
                    ranking_options: Some(FileSearchRankingOptions {
                        ranker: Some(FileSearchRanker::Default20240821),
                        score_threshold: 0.3,
                    }),
                }),
            },
            AssistantTool::Function {
                function: function.request,
            },
        ],
        json: json!([
            {"type": "code_interpreter"},
            {"type": "file_search", "file_search": {
                "max_num_results": 10,
                "ranking_options": {"ranker": "default_2024_08_21", "score_threshold": 0.3}
            }},
            {"type": "function", "function": function.json}
        ]),
    }
}

/// A strict JSON-schema response format with a description.
fn weather_report_format() -> Fixture<ResponseFormat> {
    let schema = json!({
        "type": "object",
        "properties": {"summary": {"type": "string"}},
        "required": ["summary"],
        "additionalProperties": false
    });
    Fixture {
        request: ResponseFormat::JsonSchema(ResponseFormatJsonSchemaJsonSchema {
            name: "weather_report".into(),
            description: Some("A short weather report".into()),
            schema: Some(ResponseFormatJsonSchemaSchema(object(schema))),
            strict: Some(true),
        }),
        json: json!({"type": "json_schema", "json_schema": {
            "name": "weather_report",
            "description": "A short weather report",
            "schema": {
                "type": "object",
                "properties": {"summary": {"type": "string"}},
                "required": ["summary"],
                "additionalProperties": false
            },
            "strict": true
        }}),
    }
}

/// Vector-store file attributes of the three value types.
fn attributes() -> Fixture<VectorStoreFileAttributes> {
    Fixture {
        request: VectorStoreFileAttributes(HashMap::from([
            (
                "category".to_owned(),
                VectorStoreFileAttributesValue::String("faq".into()),
            ),
            (
                "year".to_owned(),
                VectorStoreFileAttributesValue::Number(2024.0),
            ),
            (
                "public".to_owned(),
                VectorStoreFileAttributesValue::Boolean(true),
            ),
        ])),
        json: json!({"category": "faq", "year": 2024.0, "public": true}),
    }
}

// ---------------------------------------------------------------------------------------------
// Assistants

/// `POST /assistants`: every field; file search over an existing vector store.
pub fn assistant_create() -> Fixture<AssistantCreateRequest> {
    let tools = assistant_tools();
    let format = weather_report_format();
    Fixture {
        request: AssistantCreateRequest {
            model: "gpt-4o".into(),
            name: Some("Weather helper".into()),
            description: Some("Answers weather questions from reports".into()),
            instructions: Some("Use the tools; answer in one sentence.".into()),
            tools: Some(tools.request),
            tool_resources: Some(AssistantCreateRequestToolResources {
                code_interpreter: Some(AssistantCreateRequestToolResourcesCodeInterpreter {
                    file_ids: Some(vec!["file-Csv1".into()]),
                }),
                file_search: Some(AssistantCreateRequestToolResourcesFileSearch::Variant0 {
                    vector_store_ids: vec!["vs_abc123".into()],
                }),
            }),
            metadata: Some(metadata(&[("team", "weather"), ("env", "test")])),
            temperature: Some(0.4),
            top_p: Some(0.9),
            reasoning_effort: Some(ReasoningEffort::Medium),
            response_format: Some(AssistantsApiResponseFormatOption::ResponseFormat(
                format.request,
            )),
        },
        json: json!({
            "model": "gpt-4o",
            "name": "Weather helper",
            "description": "Answers weather questions from reports",
            "instructions": "Use the tools; answer in one sentence.",
            "tools": tools.json,
            "tool_resources": {
                "code_interpreter": {"file_ids": ["file-Csv1"]},
                "file_search": {"vector_store_ids": ["vs_abc123"]}
            },
            "metadata": {"team": "weather", "env": "test"},
            "temperature": 0.4,
            "top_p": 0.9,
            "reasoning_effort": "medium",
            "response_format": format.json
        }),
    }
}

/// `POST /assistants`, the other shapes: a vector store created with the assistant (static
/// chunking, metadata), file search with default settings, `response_format: "auto"`.
pub fn assistant_create_with_new_vector_store() -> Fixture<AssistantCreateRequest> {
    Fixture {
        request: AssistantCreateRequest {
            reasoning_effort: Some(ReasoningEffort::Low),
            response_format: Some(AssistantsApiResponseFormatOption::String(
                AssistantsApiResponseFormatOptionString::Auto,
            )),
            tools: Some(vec![AssistantTool::file_search()]),
            tool_resources: Some(AssistantCreateRequestToolResources {
                code_interpreter: None,
                file_search: Some(AssistantCreateRequestToolResourcesFileSearch::Variant1 {
                    vector_stores: vec![
                        AssistantCreateRequestToolResourcesFileSearchVariant1VectorStoresItem {
                            file_ids: Some(vec!["file-9Xy".into(), "file-Q2r".into()]),
                            chunking_strategy: Some(
                                AssistantCreateRequestToolResourcesFileSearchVariant1VectorStoresItemChunkingStrategy::Static {
                                    max_chunk_size_tokens: 600,
                                    chunk_overlap_tokens: 200,
                                },
                            ),
                            metadata: Some(metadata(&[("kind", "faq")])),
                        },
                    ],
                }),
            }),
            ..AssistantCreateRequest::new("o3-mini")
        },
        json: json!({
            "model": "o3-mini",
            "reasoning_effort": "low",
            "response_format": "auto",
            "tools": [{"type": "file_search"}],
            "tool_resources": {"file_search": {"vector_stores": [{
                "file_ids": ["file-9Xy", "file-Q2r"],
                "chunking_strategy": {"type": "static", "static": {
                    "max_chunk_size_tokens": 600, "chunk_overlap_tokens": 200
                }},
                "metadata": {"kind": "faq"}
            }]}}
        }),
    }
}

/// `POST /assistants/{id}`: description, instructions, metadata, temperature and tool
/// resources cleared (`null`), the name set, everything else kept (left out).
pub fn assistant_modify_clearing() -> Fixture<AssistantModifyRequest> {
    Fixture {
        request: AssistantModifyRequest {
            name: Patch::Set("Plain helper".into()),
            description: Patch::Clear,
            instructions: Patch::Clear,
            metadata: Patch::Clear,
            temperature: Patch::Clear,
            tool_resources: Patch::Clear,
            ..Default::default()
        },
        json: json!({
            "name": "Plain helper",
            "description": null,
            "instructions": null,
            "metadata": null,
            "temperature": null,
            "tool_resources": null
        }),
    }
}

/// `POST /assistants/{id}`: every field.
pub fn assistant_modify() -> Fixture<AssistantModifyRequest> {
    let tools = assistant_tools();
    Fixture {
        request: AssistantModifyRequest {
            model: Some("gpt-4o-mini".into()),
            name: Patch::Set("Weather helper v2".into()),
            description: Patch::Set("Answers weather questions briefly".into()),
            instructions: Patch::Set("Answer briefly.".into()),
            tools: Some(tools.request),
            tool_resources: Patch::Set(AssistantModifyRequestToolResources {
                code_interpreter: Some(AssistantModifyRequestToolResourcesCodeInterpreter {
                    file_ids: Some(vec!["file-Csv2".into()]),
                }),
                file_search: Some(AssistantModifyRequestToolResourcesFileSearch {
                    vector_store_ids: Some(vec!["vs_new".into()]),
                }),
            }),
            metadata: Patch::Set(metadata(&[("rev", "2")])),
            temperature: Patch::Set(1.2),
            top_p: Patch::Set(0.8),
            reasoning_effort: Patch::Set(ReasoningEffort::High),
            response_format: Patch::Set(AssistantsApiResponseFormatOption::ResponseFormat(
                ResponseFormat::JsonObject,
            )),
        },
        json: json!({
            "model": "gpt-4o-mini",
            "name": "Weather helper v2",
            "description": "Answers weather questions briefly",
            "instructions": "Answer briefly.",
            "tools": tools.json,
            "tool_resources": {
                "code_interpreter": {"file_ids": ["file-Csv2"]},
                "file_search": {"vector_store_ids": ["vs_new"]}
            },
            "metadata": {"rev": "2"},
            "temperature": 1.2,
            "top_p": 0.8,
            "reasoning_effort": "high",
            "response_format": {"type": "json_object"}
        }),
    }
}

/// `GET /assistants`: every parameter.
pub fn assistants_query() -> Query<AssistantListQueryParameters> {
    Query {
        request: AssistantListQueryParameters {
            limit: Some(20),
            order: Some(ListOrder::Asc),
            after: Some("asst_abc".into()),
            before: Some("asst_xyz".into()),
        },
        query: "after=asst_abc&before=asst_xyz&limit=20&order=asc",
    }
}

// ---------------------------------------------------------------------------------------------
// Threads and messages

/// `POST /threads/{id}/messages` (and the messages of thread bodies): content parts of the
/// three kinds with their details, two attachments, metadata.
pub fn message_create() -> Fixture<ThreadMessageCreateRequest> {
    Fixture {
        request: ThreadMessageCreateRequest {
            role: ThreadMessageCreateRequestRole::User,
            content: ThreadMessageCreateRequestContent::Array(vec![
                MessageRequestContentPart::Text {
                    text: "Summarise the attached report and the chart.".into(),
                },
                MessageRequestContentPart::ImageFile {
                    image_file: MessageContentImageFileObjectImageFile {
                        file_id: "file-Img0".into(),
                        detail: Some(MessageContentImageFileObjectImageFileDetail::High),
                    },
                },
                MessageRequestContentPart::ImageUrl {
                    image_url: MessageContentImageUrlObjectImageUrl {
                        url: "https://example.com/chart.png".into(),
                        detail: Some(MessageContentImageUrlObjectImageUrlDetail::Auto),
                    },
                },
            ]),
            attachments: Some(vec![
                ThreadMessageCreateRequestAttachmentsItem {
                    file_id: Some("file-Report1".into()),
                    tools: Some(vec![
                        AttachmentTool::FileSearch,
                        AttachmentTool::CodeInterpreter,
                    ]),
                },
                ThreadMessageCreateRequestAttachmentsItem {
                    file_id: Some("file-Csv1".into()),
                    tools: Some(vec![AttachmentTool::CodeInterpreter]),
                },
            ]),
            metadata: Some(metadata(&[("source", "web")])),
        },
        json: json!({
            "role": "user",
            "content": [
                {"type": "text", "text": "Summarise the attached report and the chart."},
                {"type": "image_file", "image_file": {"file_id": "file-Img0", "detail": "high"}},
                {"type": "image_url", "image_url": {"url": "https://example.com/chart.png", "detail": "auto"}}
            ],
            "attachments": [
                {"file_id": "file-Report1", "tools": [{"type": "file_search"}, {"type": "code_interpreter"}]},
                {"file_id": "file-Csv1", "tools": [{"type": "code_interpreter"}]}
            ],
            "metadata": {"source": "web"}
        }),
    }
}

/// `POST /threads/{id}/messages/{id}`: every field.
pub fn message_modify() -> Fixture<ThreadMessageModifyRequest> {
    Fixture {
        request: ThreadMessageModifyRequest {
            metadata: Patch::Set(metadata(&[("reviewed", "yes")])),
        },
        json: json!({"metadata": {"reviewed": "yes"}}),
    }
}

/// `GET /threads/{id}/messages`: every parameter.
pub fn messages_query() -> Query<ThreadMessageListQueryParameters> {
    Query {
        request: ThreadMessageListQueryParameters {
            limit: Some(50),
            order: Some(ListOrder::Asc),
            after: Some("msg_a".into()),
            before: Some("msg_z".into()),
            run_id: Some("run_abc123".into()),
        },
        query: "after=msg_a&before=msg_z&limit=50&order=asc&run_id=run_abc123",
    }
}

/// `POST /threads`: every field; a rich user message and an assistant one, a vector store
/// created with the thread (auto chunking, metadata).
pub fn thread_create() -> Fixture<ThreadCreateRequest> {
    let message = message_create();
    Fixture {
        request: ThreadCreateRequest {
            messages: Some(vec![
                message.request,
                ThreadMessageCreateRequest::assistant("I will read the report first."),
            ]),
            tool_resources: Some(ThreadCreateRequestToolResources {
                code_interpreter: Some(ThreadCreateRequestToolResourcesCodeInterpreter {
                    file_ids: Some(vec!["file-Csv1".into()]),
                }),
                file_search: Some(ThreadCreateRequestToolResourcesFileSearch::Variant1 {
                    vector_stores: vec![
                        ThreadCreateRequestToolResourcesFileSearchVariant1VectorStoresItem {
                            file_ids: Some(vec!["file-9Xy".into(), "file-Q2r".into()]),
                            chunking_strategy: Some(
                                ThreadCreateRequestToolResourcesFileSearchVariant1VectorStoresItemChunkingStrategy::Auto,
                            ),
                            metadata: Some(metadata(&[("kind", "reports")])),
                        },
                    ],
                }),
            }),
            metadata: Some(metadata(&[("customer", "c-42")])),
        },
        json: json!({
            "messages": [
                message.json,
                {"role": "assistant", "content": "I will read the report first."}
            ],
            "tool_resources": {
                "code_interpreter": {"file_ids": ["file-Csv1"]},
                "file_search": {"vector_stores": [{
                    "file_ids": ["file-9Xy", "file-Q2r"],
                    "chunking_strategy": {"type": "auto"},
                    "metadata": {"kind": "reports"}
                }]}
            },
            "metadata": {"customer": "c-42"}
        }),
    }
}

/// `POST /threads`, the other shape: file search over an existing vector store.
pub fn thread_create_with_vector_store_ids() -> Fixture<ThreadCreateRequest> {
    Fixture {
        request: ThreadCreateRequest {
            messages: Some(vec![ThreadMessageCreateRequest::user(
                "What is the return policy?",
            )]),
            tool_resources: Some(ThreadCreateRequestToolResources {
                code_interpreter: None,
                file_search: Some(ThreadCreateRequestToolResourcesFileSearch::Variant0 {
                    vector_store_ids: vec!["vs_abc123".into()],
                }),
            }),
            metadata: None,
        },
        json: json!({
            "messages": [{"role": "user", "content": "What is the return policy?"}],
            "tool_resources": {"file_search": {"vector_store_ids": ["vs_abc123"]}}
        }),
    }
}

/// `POST /threads/{id}`: every field.
pub fn thread_modify() -> Fixture<ThreadModifyRequest> {
    Fixture {
        request: ThreadModifyRequest {
            metadata: Patch::Set(metadata(&[("stage", "escalated")])),
            tool_resources: Patch::Set(ThreadModifyRequestToolResources {
                code_interpreter: Some(ThreadModifyRequestToolResourcesCodeInterpreter {
                    file_ids: Some(vec!["file-Csv2".into()]),
                }),
                file_search: Some(ThreadModifyRequestToolResourcesFileSearch {
                    vector_store_ids: Some(vec!["vs_2".into()]),
                }),
            }),
        },
        json: json!({
            "metadata": {"stage": "escalated"},
            "tool_resources": {
                "code_interpreter": {"file_ids": ["file-Csv2"]},
                "file_search": {"vector_store_ids": ["vs_2"]}
            }
        }),
    }
}

/// `POST /threads/runs`: every field, the thread with every field too.
pub fn thread_and_run() -> Fixture<RunThreadCreateRequest> {
    let message = message_create();
    let tools = assistant_tools();
    let format = weather_report_format();
    Fixture {
        request: RunThreadCreateRequest {
            assistant_id: "asst_abc123".into(),
            thread: Some(ThreadCreateRequest {
                messages: Some(vec![message.request]),
                tool_resources: Some(ThreadCreateRequestToolResources {
                    code_interpreter: Some(ThreadCreateRequestToolResourcesCodeInterpreter {
                        file_ids: Some(vec!["file-Csv1".into()]),
                    }),
                    file_search: Some(ThreadCreateRequestToolResourcesFileSearch::Variant0 {
                        vector_store_ids: vec!["vs_thread1".into()],
                    }),
                }),
                metadata: Some(metadata(&[("channel", "chat")])),
            }),
            model: Some("gpt-4o".into()),
            instructions: Some("You are a weather bot.".into()),
            tools: Some(tools.request),
            tool_resources: Some(RunThreadCreateRequestToolResources {
                code_interpreter: Some(RunThreadCreateRequestToolResourcesCodeInterpreter {
                    file_ids: Some(vec!["file-Csv1".into()]),
                }),
                file_search: Some(RunThreadCreateRequestToolResourcesFileSearch {
                    vector_store_ids: Some(vec!["vs_abc123".into()]),
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
                format.request,
            )),
            temperature: Some(1.0),
            top_p: Some(1.0),
            max_prompt_tokens: Some(4000),
            max_completion_tokens: Some(1000),
            metadata: Some(metadata(&[("session", "s-1")])),
            stream: Some(false),
        },
        json: json!({
            "assistant_id": "asst_abc123",
            "thread": {
                "messages": [message.json],
                "tool_resources": {
                    "code_interpreter": {"file_ids": ["file-Csv1"]},
                    "file_search": {"vector_store_ids": ["vs_thread1"]}
                },
                "metadata": {"channel": "chat"}
            },
            "model": "gpt-4o",
            "instructions": "You are a weather bot.",
            "tools": tools.json,
            "tool_resources": {
                "code_interpreter": {"file_ids": ["file-Csv1"]},
                "file_search": {"vector_store_ids": ["vs_abc123"]}
            },
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
            "parallel_tool_calls": true,
            "truncation_strategy": {"type": "last_messages", "last_messages": 10},
            "response_format": format.json,
            "temperature": 1.0,
            "top_p": 1.0,
            "max_prompt_tokens": 4000,
            "max_completion_tokens": 1000,
            "metadata": {"session": "s-1"},
            "stream": false
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Runs

/// `POST /threads/{id}/runs`: every field.
pub fn run_create() -> Fixture<RunCreateRequest> {
    let message = message_create();
    let tools = assistant_tools();
    Fixture {
        request: RunCreateRequest {
            assistant_id: "asst_abc123".into(),
            model: Some("o3-mini".into()),
            instructions: Some("Answer from the attached documents only.".into()),
            additional_instructions: Some("The user is a premium customer.".into()),
            additional_messages: Some(vec![
                message.request,
                ThreadMessageCreateRequest::assistant("Noted."),
            ]),
            tools: Some(tools.request),
            tool_choice: Some(AssistantsApiToolChoiceOption::String(
                AssistantsApiToolChoiceOptionString::Required,
            )),
            parallel_tool_calls: Some(ParallelToolCalls(false)),
            reasoning_effort: Some(ReasoningEffort::Medium),
            response_format: Some(AssistantsApiResponseFormatOption::ResponseFormat(
                ResponseFormat::Text,
            )),
            truncation_strategy: Some(TruncationObject {
                type_: TruncationObjectType::LastMessages,
                last_messages: Some(5),
            }),
            temperature: Some(0.2),
            top_p: Some(0.95),
            max_prompt_tokens: Some(2000),
            max_completion_tokens: Some(500),
            metadata: Some(metadata(&[("ticket", "T-7")])),
            stream: Some(false),
        },
        json: json!({
            "assistant_id": "asst_abc123",
            "model": "o3-mini",
            "instructions": "Answer from the attached documents only.",
            "additional_instructions": "The user is a premium customer.",
            "additional_messages": [
                message.json,
                {"role": "assistant", "content": "Noted."}
            ],
            "tools": tools.json,
            "tool_choice": "required",
            "parallel_tool_calls": false,
            "reasoning_effort": "medium",
            "response_format": {"type": "text"},
            "truncation_strategy": {"type": "last_messages", "last_messages": 5},
            "temperature": 0.2,
            "top_p": 0.95,
            "max_prompt_tokens": 2000,
            "max_completion_tokens": 500,
            "metadata": {"ticket": "T-7"},
            "stream": false
        }),
    }
}

/// `POST /threads/{id}/runs`, the other shapes: `tool_choice` naming a built-in tool,
/// `response_format: "auto"`, automatic truncation.
pub fn run_create_with_auto_settings() -> Fixture<RunCreateRequest> {
    Fixture {
        request: RunCreateRequest {
            tools: Some(vec![AssistantTool::file_search()]),
            tool_choice: Some(AssistantsApiToolChoiceOption::AssistantsNamedToolChoice(
                AssistantsNamedToolChoice {
                    type_: AssistantsNamedToolChoiceType::FileSearch,
                    function: None,
                },
            )),
            response_format: Some(AssistantsApiResponseFormatOption::String(
                AssistantsApiResponseFormatOptionString::Auto,
            )),
            truncation_strategy: Some(TruncationObject {
                type_: TruncationObjectType::Auto,
                last_messages: None,
            }),
            ..RunCreateRequest::new("asst_abc123")
        },
        json: json!({
            "assistant_id": "asst_abc123",
            "tools": [{"type": "file_search"}],
            "tool_choice": {"type": "file_search"},
            "response_format": "auto",
            "truncation_strategy": {"type": "auto"}
        }),
    }
}

/// `POST /threads/{id}/runs/{id}`: every field.
pub fn run_modify() -> Fixture<RunModifyRequest> {
    Fixture {
        request: RunModifyRequest {
            metadata: Patch::Set(metadata(&[("rating", "5")])),
        },
        json: json!({"metadata": {"rating": "5"}}),
    }
}

/// `POST /threads/{id}/runs/{id}/submit_tool_outputs`: every field.
pub fn submit_tool_outputs() -> Fixture<SubmitToolOutputsRequest> {
    Fixture {
        request: SubmitToolOutputsRequest {
            stream: Some(false),
            ..SubmitToolOutputsRequest::new([
                ("call_abc", r#"{"temp_c":4,"sky":"rain"}"#),
                ("call_def", "sunny"),
            ])
        },
        json: json!({
            "tool_outputs": [
                {"tool_call_id": "call_abc", "output": "{\"temp_c\":4,\"sky\":\"rain\"}"},
                {"tool_call_id": "call_def", "output": "sunny"}
            ],
            "stream": false
        }),
    }
}

/// `GET /threads/{id}/runs`: every parameter.
pub fn runs_query() -> Query<RunListQueryParameters> {
    Query {
        request: RunListQueryParameters {
            limit: Some(10),
            order: Some(ListOrder::Desc),
            after: Some("run_a".into()),
            before: Some("run_z".into()),
        },
        query: "after=run_a&before=run_z&limit=10&order=desc",
    }
}

/// `GET /threads/{id}/runs/{id}/steps`: every parameter, `include[]` percent-encoded.
pub fn run_steps_query() -> Query<RunStepListQueryParameters> {
    Query {
        request: RunStepListQueryParameters {
            limit: Some(20),
            order: Some(ListOrder::Asc),
            after: Some("step_a".into()),
            before: Some("step_z".into()),
            include: Some(vec![RunStepInclude::StepDetailsToolCallsFileSearchResultsContent]),
        },
        query: "after=step_a&before=step_z\
                &include%5B%5D=step_details.tool_calls%5B%2A%5D.file_search.results%5B%2A%5D.content\
                &limit=20&order=asc",
    }
}

// ---------------------------------------------------------------------------------------------
// Files

/// `GET /files`: every parameter.
pub fn files_query() -> Query<FileListQueryParameters> {
    Query {
        request: FileListQueryParameters {
            purpose: Some("assistants".into()),
            limit: Some(100),
            order: Some(ListOrder::Desc),
            after: Some("file-abc".into()),
        },
        query: "after=file-abc&limit=100&order=desc&purpose=assistants",
    }
}

// ---------------------------------------------------------------------------------------------
// Vector stores

/// `POST /vector_stores`: every field, static chunking.
pub fn vector_store_create() -> Fixture<VectorStoreCreateRequest> {
    Fixture {
        request: VectorStoreCreateRequest {
            name: Some("Support FAQ".into()),
            description: Some("Answers for the help desk".into()),
            file_ids: Some(vec!["file-9Xy".into(), "file-Q2r".into()]),
            chunking_strategy: Some(ChunkingStrategyRequestParam::Static(
                StaticChunkingStrategy {
                    max_chunk_size_tokens: 1200,
                    chunk_overlap_tokens: 300,
                },
            )),
            expires_after: Some(VectorStoreExpirationAfter {
                anchor: VectorStoreExpirationAfterAnchor::LastActiveAt,
                days: 7,
            }),
            metadata: Some(metadata(&[("team", "support")])),
        },
        json: json!({
            "name": "Support FAQ",
            "description": "Answers for the help desk",
            "file_ids": ["file-9Xy", "file-Q2r"],
            "chunking_strategy": {"type": "static", "static": {
                "max_chunk_size_tokens": 1200, "chunk_overlap_tokens": 300
            }},
            "expires_after": {"anchor": "last_active_at", "days": 7},
            "metadata": {"team": "support"}
        }),
    }
}

/// `POST /vector_stores`, the other shape: an empty store with automatic chunking.
pub fn vector_store_create_with_auto_chunking() -> Fixture<VectorStoreCreateRequest> {
    Fixture {
        request: VectorStoreCreateRequest {
            chunking_strategy: Some(ChunkingStrategyRequestParam::Auto),
            ..VectorStoreCreateRequest::new("Empty store", Vec::new())
        },
        // An empty id list is sent as `[]`, not dropped.
        json: json!({"name": "Empty store", "file_ids": [], "chunking_strategy": {"type": "auto"}}),
    }
}

/// `POST /vector_stores/{id}`: every field.
pub fn vector_store_modify() -> Fixture<VectorStoreModifyRequest> {
    Fixture {
        request: VectorStoreModifyRequest {
            name: Patch::Set("Support FAQ (2025)".into()),
            expires_after: Patch::Set(VectorStoreExpirationAfter {
                anchor: VectorStoreExpirationAfterAnchor::LastActiveAt,
                days: 30,
            }),
            metadata: Patch::Set(metadata(&[("team", "support"), ("year", "2025")])),
        },
        json: json!({
            "name": "Support FAQ (2025)",
            "expires_after": {"anchor": "last_active_at", "days": 30},
            "metadata": {"team": "support", "year": "2025"}
        }),
    }
}

/// `POST /vector_stores/{id}`: the expiry removed (`null`), the rest kept.
pub fn vector_store_modify_clearing() -> Fixture<VectorStoreModifyRequest> {
    Fixture {
        request: VectorStoreModifyRequest {
            expires_after: Patch::Clear,
            ..Default::default()
        },
        json: json!({"expires_after": null}),
    }
}

/// `GET /vector_stores`: every parameter.
pub fn vector_stores_query() -> Query<VectorStoreListQueryParameters> {
    Query {
        request: VectorStoreListQueryParameters {
            limit: Some(10),
            order: Some(ListOrder::Asc),
            after: Some("vs_a".into()),
            before: Some("vs_z".into()),
        },
        query: "after=vs_a&before=vs_z&limit=10&order=asc",
    }
}

/// `POST /vector_stores/{id}/search`: every field; several queries and a compound filter
/// holding comparisons of every value type and a nested compound filter.
pub fn vector_store_search() -> Fixture<VectorStoreSearchRequest> {
    let comparison = |key: &str, type_, value| {
        CompoundFilterFiltersItem::Variant0(ComparisonFilter {
            key: key.into(),
            type_,
            value,
        })
    };
    let nested = json!({"type": "or", "filters": [
        {"type": "ne", "key": "category", "value": "draft"},
        {"type": "lt", "key": "year", "value": 2020.0}
    ]});
    Fixture {
        request: VectorStoreSearchRequest {
            query: VectorStoreSearchRequestQuery::Array(vec![
                "return policy".into(),
                "refund window".into(),
            ]),
            filters: Some(VectorStoreSearchRequestFilters::CompoundFilter(
                CompoundFilter {
                    type_: CompoundFilterType::And,
                    filters: vec![
                        comparison(
                            "category",
                            ComparisonFilterType::Eq,
                            ComparisonFilterValue::String("faq".into()),
                        ),
                        comparison(
                            "year",
                            ComparisonFilterType::Gte,
                            ComparisonFilterValue::Number(2023.0),
                        ),
                        comparison(
                            "public",
                            ComparisonFilterType::Eq,
                            ComparisonFilterValue::Boolean(true),
                        ),
                        comparison(
                            "region",
                            ComparisonFilterType::In,
                            ComparisonFilterValue::Array(vec![
                                ComparisonFilterValueArrayItem::String("eu".into()),
                                ComparisonFilterValueArrayItem::String("us".into()),
                            ]),
                        ),
                        CompoundFilterFiltersItem::Variant1(nested),
                    ],
                },
            )),
            max_num_results: Some(5),
            ranking_options: Some(VectorStoreSearchRequestRankingOptions {
                ranker: Some(VectorStoreSearchRequestRankingOptionsRanker::Auto),
                score_threshold: Some(0.5),
            }),
            rewrite_query: Some(true),
        },
        json: json!({
            "query": ["return policy", "refund window"],
            "filters": {"type": "and", "filters": [
                {"type": "eq", "key": "category", "value": "faq"},
                {"type": "gte", "key": "year", "value": 2023.0},
                {"type": "eq", "key": "public", "value": true},
                {"type": "in", "key": "region", "value": ["eu", "us"]},
                {"type": "or", "filters": [
                    {"type": "ne", "key": "category", "value": "draft"},
                    {"type": "lt", "key": "year", "value": 2020.0}
                ]}
            ]},
            "max_num_results": 5,
            "ranking_options": {"ranker": "auto", "score_threshold": 0.5},
            "rewrite_query": true
        }),
    }
}

/// `POST /vector_stores/{id}/search`, the other shapes: one query, one comparison filter
/// (a mixed array), the dated ranker.
pub fn vector_store_search_comparison() -> Fixture<VectorStoreSearchRequest> {
    Fixture {
        request: VectorStoreSearchRequest {
            query: VectorStoreSearchRequestQuery::String("return policy".into()),
            filters: Some(VectorStoreSearchRequestFilters::ComparisonFilter(
                ComparisonFilter {
                    key: "region".into(),
                    type_: ComparisonFilterType::Nin,
                    value: ComparisonFilterValue::Array(vec![
                        ComparisonFilterValueArrayItem::String("apac".into()),
                        ComparisonFilterValueArrayItem::Number(7.0),
                    ]),
                },
            )),
            max_num_results: Some(10),
            ranking_options: Some(VectorStoreSearchRequestRankingOptions {
                ranker: Some(VectorStoreSearchRequestRankingOptionsRanker::Default20241115),
                score_threshold: Some(0.2),
            }),
            rewrite_query: Some(false),
        },
        json: json!({
            "query": "return policy",
            "filters": {"type": "nin", "key": "region", "value": ["apac", 7.0]},
            "max_num_results": 10,
            "ranking_options": {"ranker": "default-2024-11-15", "score_threshold": 0.2},
            "rewrite_query": false
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Vector store files and file batches

/// `POST /vector_stores/{id}/files`: every field.
pub fn vector_store_file_create() -> Fixture<VectorStoreFileCreateRequest> {
    let attributes = attributes();
    Fixture {
        request: VectorStoreFileCreateRequest {
            file_id: "file-9Xy".into(),
            attributes: Some(attributes.request),
            chunking_strategy: Some(ChunkingStrategyRequestParam::Static(
                StaticChunkingStrategy {
                    max_chunk_size_tokens: 800,
                    chunk_overlap_tokens: 400,
                },
            )),
        },
        json: json!({
            "file_id": "file-9Xy",
            "attributes": attributes.json,
            "chunking_strategy": {"type": "static", "static": {
                "max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400
            }}
        }),
    }
}

/// `POST /vector_stores/{id}/files/{id}`: every field.
pub fn vector_store_file_modify() -> Fixture<VectorStoreFileModifyRequest> {
    Fixture {
        request: VectorStoreFileModifyRequest {
            attributes: Some(VectorStoreFileAttributes(HashMap::from([
                (
                    "category".to_owned(),
                    VectorStoreFileAttributesValue::String("archive".into()),
                ),
                (
                    "year".to_owned(),
                    VectorStoreFileAttributesValue::Number(2023.0),
                ),
                (
                    "public".to_owned(),
                    VectorStoreFileAttributesValue::Boolean(false),
                ),
            ]))),
        },
        json: json!({"attributes": {"category": "archive", "year": 2023.0, "public": false}}),
    }
}

/// `GET /vector_stores/{id}/files`: every parameter.
pub fn vector_store_files_query() -> Query<VectorStoreFileListQueryParameters> {
    Query {
        request: VectorStoreFileListQueryParameters {
            filter: Some(VectorStoreFileStatusFilter::Failed),
            limit: Some(50),
            order: Some(ListOrder::Desc),
            after: Some("file-a".into()),
            before: Some("file-z".into()),
        },
        query: "after=file-a&before=file-z&filter=failed&limit=50&order=desc",
    }
}

/// `POST /vector_stores/{id}/file_batches`: file ids with attributes and chunking for all.
pub fn file_batch_create() -> Fixture<VectorStoreFileBatchCreateRequest> {
    let attributes = attributes();
    Fixture {
        request: VectorStoreFileBatchCreateRequest::Variant0 {
            file_ids: vec!["file-1".into(), "file-2".into(), "file-3".into()],
            attributes: Some(attributes.request),
            chunking_strategy: Some(ChunkingStrategyRequestParam::Static(
                StaticChunkingStrategy {
                    max_chunk_size_tokens: 800,
                    chunk_overlap_tokens: 400,
                },
            )),
        },
        json: json!({
            "file_ids": ["file-1", "file-2", "file-3"],
            "attributes": attributes.json,
            "chunking_strategy": {"type": "static", "static": {
                "max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400
            }}
        }),
    }
}

/// `POST /vector_stores/{id}/file_batches`, the other shape: settings per file. (The spec
/// allows the batch-wide `attributes` and `chunking_strategy` beside `files` too, but says
/// the API ignores them then, so they are left out.)
pub fn file_batch_create_per_file() -> Fixture<VectorStoreFileBatchCreateRequest> {
    let attributes = attributes();
    Fixture {
        request: VectorStoreFileBatchCreateRequest::Variant1 {
            files: vec![
                VectorStoreFileCreateRequest {
                    attributes: Some(VectorStoreFileAttributes(HashMap::from([(
                        "lang".to_owned(),
                        VectorStoreFileAttributesValue::String("en".into()),
                    )]))),
                    ..VectorStoreFileCreateRequest::new("file-1")
                },
                VectorStoreFileCreateRequest {
                    chunking_strategy: Some(ChunkingStrategyRequestParam::Static(
                        StaticChunkingStrategy {
                            max_chunk_size_tokens: 400,
                            chunk_overlap_tokens: 100,
                        },
                    )),
                    ..VectorStoreFileCreateRequest::new("file-2")
                },
                VectorStoreFileCreateRequest {
                    file_id: "file-3".into(),
                    attributes: Some(attributes.request),
                    chunking_strategy: Some(ChunkingStrategyRequestParam::Auto),
                },
            ],
            attributes: None,
            chunking_strategy: None,
        },
        json: json!({"files": [
            {"file_id": "file-1", "attributes": {"lang": "en"}},
            {"file_id": "file-2", "chunking_strategy": {"type": "static", "static": {
                "max_chunk_size_tokens": 400, "chunk_overlap_tokens": 100
            }}},
            {"file_id": "file-3", "attributes": attributes.json, "chunking_strategy": {"type": "auto"}}
        ]}),
    }
}

/// `GET /vector_stores/{id}/file_batches/{id}/files`: every parameter.
pub fn file_batch_files_query() -> Query<VectorStoreFileBatchFileListQueryParameters> {
    Query {
        request: VectorStoreFileBatchFileListQueryParameters {
            filter: Some(VectorStoreFileStatusFilter::InProgress),
            limit: Some(10),
            order: Some(ListOrder::Asc),
            after: Some("file-a".into()),
            before: Some("file-z".into()),
        },
        query: "after=file-a&before=file-z&filter=in_progress&limit=10&order=asc",
    }
}

// ---------------------------------------------------------------------------------------------
// Chat completions

/// The text part of chat message contents.
fn chat_text(text: &str) -> ChatCompletionRequestMessageContentPartText {
    ChatCompletionRequestMessageContentPartText {
        type_: ChatCompletionRequestMessageContentPartTextType::Text,
        text: text.into(),
        prompt_cache_breakpoint: None,
    }
}

/// A custom (free-form input) tool constrained by a Lark grammar.
fn sql_tool() -> Fixture<ChatCompletionToolUnion> {
    Fixture {
        request: ChatCompletionToolUnion::Custom {
            custom: CustomToolChatCompletionsCustom {
                name: "run_sql".into(),
                description: Some("Runs one read-only query".into()),
                format: Some(CustomToolChatCompletionsCustomFormat::Grammar {
                    syntax: CustomToolChatCompletionsCustomFormatGrammarSyntax::Lark,
                    definition: "start: \"SELECT \" /[a-z_]+/".into(),
                }),
            },
        },
        json: json!({"type": "custom", "custom": {
            "name": "run_sql",
            "description": "Runs one read-only query",
            "format": {"type": "grammar", "grammar": {
                "syntax": "lark", "definition": "start: \"SELECT \" /[a-z_]+/"
            }}
        }}),
    }
}

/// `POST /chat/completions`: every field, and every message role with every field (content
/// parts of every kind, an assistant turn with tool calls of both kinds, audio, a refusal
/// and the legacy function call, tool results as text and as parts, a legacy function
/// result), tools of both kinds, a named function as `tool_choice`. `stream` is `false`: the
/// blocking client refuses `true`.
pub fn chat_completion() -> Fixture<CompletionCreateRequest> {
    let function = weather_function();
    let sql = sql_tool();
    let format = weather_report_format();
    let developer = ChatCompletionRequestMessage::Developer {
        content: ChatCompletionRequestDeveloperMessageContent::Array(vec![chat_text(
            "Answer in JSON.",
        )]),
        name: Some("policy".into()),
    };
    let system = ChatCompletionRequestMessage::System {
        content: ChatCompletionRequestSystemMessageContent::String("You are a stylist.".into()),
        name: Some("stylist".into()),
    };
    let breakpoint = || {
        Some(PromptCacheBreakpointParam {
            mode: PromptCacheBreakpointParamMode::Explicit,
        })
    };
    let user = ChatCompletionRequestMessage::User {
        content: ChatCompletionRequestUserMessageContent::Array(vec![
            ChatCompletionRequestUserMessageContentPart::Text {
                text: "What should I wear here today?".into(),
                prompt_cache_breakpoint: breakpoint(),
            },
            ChatCompletionRequestUserMessageContentPart::ImageUrl {
                image_url: ChatCompletionRequestMessageContentPartImageImageUrl {
                    url: "https://example.com/street.jpg".into(),
                    detail: Some(ChatCompletionRequestMessageContentPartImageImageUrlDetail::High),
                },
                prompt_cache_breakpoint: breakpoint(),
            },
            ChatCompletionRequestUserMessageContentPart::InputAudio {
                input_audio: ChatCompletionRequestMessageContentPartAudioInputAudio {
                    data: "UklGRiQAAABXQVZF".into(),
                    format: ChatCompletionRequestMessageContentPartAudioInputAudioFormat::Wav,
                },
                prompt_cache_breakpoint: breakpoint(),
            },
            ChatCompletionRequestUserMessageContentPart::File {
                file: ChatCompletionRequestMessageContentPartFileFile {
                    file_id: Some("file-Pdf1".into()),
                    filename: Some("forecast.pdf".into()),
                    file_data: None,
                },
                prompt_cache_breakpoint: breakpoint(),
            },
            ChatCompletionRequestUserMessageContentPart::File {
                file: ChatCompletionRequestMessageContentPartFileFile {
                    file_id: None,
                    filename: Some("wardrobe.pdf".into()),
                    file_data: Some("data:application/pdf;base64,JVBERi0xLjcK".into()),
                },
                prompt_cache_breakpoint: None,
            },
        ]),
        name: Some("ola".into()),
    };
    let assistant_call = ChatCompletionRequestMessage::Assistant {
        content: Some(ChatCompletionRequestAssistantMessageContent::Array(vec![
            ChatCompletionRequestAssistantMessageContentPart::Text {
                text: "Let me check the weather.".into(),
                prompt_cache_breakpoint: breakpoint(),
            },
            ChatCompletionRequestAssistantMessageContentPart::Refusal {
                refusal: "I cannot see your wardrobe.".into(),
            },
        ])),
        refusal: Some("I cannot see your wardrobe.".into()),
        name: Some("stylist".into()),
        audio: Some(ChatCompletionRequestAssistantMessageAudio {
            id: "audio_abc123".into(),
        }),
        function_call: Some(ChatCompletionRequestAssistantMessageFunctionCall {
            name: "get_weather".into(),
            arguments: r#"{"city":"Oslo","unit":"c"}"#.into(),
        }),
        tool_calls: Some(ChatCompletionMessageToolCalls(vec![
            ChatCompletionMessageToolCallUnion::Function {
                id: "call_1".into(),
                function: ChatCompletionMessageToolCallFunction {
                    name: "get_weather".into(),
                    arguments: r#"{"city":"Oslo","unit":"c"}"#.into(),
                },
            },
            ChatCompletionMessageToolCallUnion::Custom {
                id: "call_2".into(),
                custom: ChatCompletionMessageCustomToolCallCustom {
                    name: "run_sql".into(),
                    input: "SELECT coats".into(),
                },
            },
        ])),
    };
    let weather_result = ChatCompletionRequestMessage::Tool {
        tool_call_id: "call_1".into(),
        content: ChatCompletionRequestToolMessageContent::String(
            r#"{"temp_c":4,"sky":"rain"}"#.into(),
        ),
    };
    let sql_result = ChatCompletionRequestMessage::Tool {
        tool_call_id: "call_2".into(),
        content: ChatCompletionRequestToolMessageContent::Array(vec![
            ChatCompletionRequestToolMessageContentPart(chat_text("raincoat, parka")),
        ]),
    };
    let function_result = ChatCompletionRequestMessage::Function {
        name: "get_weather".into(),
        content: Some(r#"{"temp_c":4}"#.into()),
    };
    let parameters = json!({
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"]
    });
    Fixture {
        request: CompletionCreateRequest {
            model: ModelIdsShared("gpt-4o".into()),
            messages: vec![
                developer,
                system,
                user,
                assistant_call,
                weather_result,
                sql_result,
                function_result,
                ChatCompletionRequestMessage::assistant("It rains in Oslo."),
            ],
            tools: Some(vec![
                ChatCompletionToolUnion::Function {
                    function: function.request,
                },
                sql.request,
            ]),
            tool_choice: Some(ChatCompletionToolChoiceOption::ChatCompletionToolChoice(
                ChatCompletionToolChoice::Function {
                    function: ChatCompletionNamedToolChoiceFunction {
                        name: "get_weather".into(),
                    },
                },
            )),
            parallel_tool_calls: Some(ParallelToolCalls(false)),
            functions: Some(vec![ChatCompletionFunctions {
                name: "get_weather".into(),
                description: Some("Current weather for a city".into()),
                parameters: Some(FunctionParameters(object(parameters))),
            }]),
            function_call: Some(
                CompletionCreateRequestFunctionCall::ChatCompletionFunctionCallOption(
                    ChatCompletionFunctionCallOption {
                        name: "get_weather".into(),
                    },
                ),
            ),
            response_format: Some(format.request),
            audio: Some(CompletionCreateRequestAudio {
                format: CompletionCreateRequestAudioFormat::Mp3,
                voice: VoiceIdsOrCustomVoice::VoiceIdsShared(VoiceIdsShared("alloy".into())),
            }),
            modalities: Some(ResponseModalities(vec![
                ResponseModalitiesItem::Text,
                ResponseModalitiesItem::Audio,
            ])),
            prediction: Some(PredictionContent {
                type_: PredictionContentType::Content,
                content: PredictionContentContent::String("Wear a raincoat.".into()),
            }),
            web_search_options: Some(CompletionCreateRequestWebSearchOptions {
                search_context_size: Some(WebSearchContextSize::Medium),
                user_location: Some(CompletionCreateRequestWebSearchOptionsUserLocation {
                    type_: CompletionCreateRequestWebSearchOptionsUserLocationType::Approximate,
                    approximate: WebSearchLocation {
                        city: Some("Oslo".into()),
                        country: Some("NO".into()),
                        region: Some("Oslo".into()),
                        timezone: Some("Europe/Oslo".into()),
                    },
                }),
            }),
            moderation: Some(ModerationParam {
                model: "omni-moderation-latest".into(),
                policy: Some(ModerationPolicyParam {
                    input: Some(ModerationConfigParam {
                        mode: ModerationMode::Score,
                    }),
                    output: Some(ModerationConfigParam {
                        mode: ModerationMode::Block,
                    }),
                }),
            }),
            temperature: Some(0.7),
            top_p: Some(0.9),
            max_completion_tokens: Some(300),
            max_tokens: Some(400),
            n: Some(1),
            seed: Some(42),
            stop: Some(StopConfiguration::Variant1(vec!["END".into()])),
            logprobs: Some(true),
            top_logprobs: Some(2),
            logit_bias: Some(HashMap::from([("50256".to_owned(), -100)])),
            frequency_penalty: Some(0.5),
            presence_penalty: Some(-0.5),
            reasoning_effort: Some(ReasoningEffort::Low),
            verbosity: Some(Verbosity::Low),
            store: Some(false),
            metadata: Some(metadata(&[("feature", "outfit")])),
            safety_identifier: Some("user-hash-1".into()),
            user: Some("user-1".into()),
            prompt_cache_key: Some("outfits-v1".into()),
            prompt_cache_options: Some(PromptCacheOptionsParam {
                mode: Some(PromptCacheModeEnum::Explicit),
                ttl: Some(PromptCacheTtlEnum::X30m),
            }),
            prompt_cache_retention: Some(CompletionCreateRequestPromptCacheRetention::X24h),
            service_tier: Some(ServiceTier::Default),
            stream: Some(false),
            stream_options: Some(ChatCompletionStreamOptions {
                include_usage: Some(true),
                include_obfuscation: Some(false),
            }),
        },
        json: json!({
            "model": "gpt-4o",
            "messages": [
                {"role": "developer", "name": "policy", "content": [{"type": "text", "text": "Answer in JSON."}]},
                {"role": "system", "name": "stylist", "content": "You are a stylist."},
                {"role": "user", "name": "ola", "content": [
                    {"type": "text", "text": "What should I wear here today?",
                     "prompt_cache_breakpoint": {"mode": "explicit"}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/street.jpg", "detail": "high"},
                     "prompt_cache_breakpoint": {"mode": "explicit"}},
                    {"type": "input_audio", "input_audio": {"data": "UklGRiQAAABXQVZF", "format": "wav"},
                     "prompt_cache_breakpoint": {"mode": "explicit"}},
                    {"type": "file", "file": {"file_id": "file-Pdf1", "filename": "forecast.pdf"},
                     "prompt_cache_breakpoint": {"mode": "explicit"}},
                    {"type": "file", "file": {"filename": "wardrobe.pdf",
                                              "file_data": "data:application/pdf;base64,JVBERi0xLjcK"}}
                ]},
                {"role": "assistant", "name": "stylist",
                 "content": [
                    {"type": "text", "text": "Let me check the weather.",
                     "prompt_cache_breakpoint": {"mode": "explicit"}},
                    {"type": "refusal", "refusal": "I cannot see your wardrobe."}
                 ],
                 "refusal": "I cannot see your wardrobe.",
                 "audio": {"id": "audio_abc123"},
                 "function_call": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\",\"unit\":\"c\"}"},
                 "tool_calls": [
                    {"id": "call_1", "type": "function",
                     "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\",\"unit\":\"c\"}"}},
                    {"id": "call_2", "type": "custom", "custom": {"name": "run_sql", "input": "SELECT coats"}}
                 ]},
                {"role": "tool", "tool_call_id": "call_1", "content": "{\"temp_c\":4,\"sky\":\"rain\"}"},
                {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "raincoat, parka"}]},
                {"role": "function", "name": "get_weather", "content": "{\"temp_c\":4}"},
                {"role": "assistant", "content": "It rains in Oslo."}
            ],
            "tools": [{"type": "function", "function": function.json}, sql.json],
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
            "parallel_tool_calls": false,
            "functions": [{
                "name": "get_weather",
                "description": "Current weather for a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
            }],
            "function_call": {"name": "get_weather"},
            "response_format": format.json,
            "audio": {"format": "mp3", "voice": "alloy"},
            "modalities": ["text", "audio"],
            "prediction": {"type": "content", "content": "Wear a raincoat."},
            "web_search_options": {
                "search_context_size": "medium",
                "user_location": {"type": "approximate", "approximate": {
                    "city": "Oslo", "country": "NO", "region": "Oslo", "timezone": "Europe/Oslo"
                }}
            },
            "moderation": {"model": "omni-moderation-latest", "policy": {
                "input": {"mode": "score"}, "output": {"mode": "block"}
            }},
            "temperature": 0.7,
            "top_p": 0.9,
            "max_completion_tokens": 300,
            "max_tokens": 400,
            "n": 1,
            "seed": 42,
            "stop": ["END"],
            "logprobs": true,
            "top_logprobs": 2,
            "logit_bias": {"50256": -100},
            "frequency_penalty": 0.5,
            "presence_penalty": -0.5,
            "reasoning_effort": "low",
            "verbosity": "low",
            "store": false,
            "metadata": {"feature": "outfit"},
            "safety_identifier": "user-hash-1",
            "user": "user-1",
            "prompt_cache_key": "outfits-v1",
            "prompt_cache_options": {"mode": "explicit", "ttl": "30m"},
            "prompt_cache_retention": "24h",
            "service_tier": "default",
            "stream": false,
            "stream_options": {"include_usage": true, "include_obfuscation": false}
        }),
    }
}

/// `POST /chat/completions`, the other shapes: `allowed_tools` as `tool_choice`, a custom
/// tool with plain-text input, system and developer content as parts, the legacy
/// `function_call` as a string, `stop` as a string, predicted content as parts, a custom
/// voice, JSON-object output.
pub fn chat_completion_allowed_tools() -> Fixture<CompletionCreateRequest> {
    let function = weather_function();
    Fixture {
        request: CompletionCreateRequest {
            tools: Some(vec![
                ChatCompletionToolUnion::Function {
                    function: function.request,
                },
                ChatCompletionToolUnion::Custom {
                    custom: CustomToolChatCompletionsCustom {
                        name: "take_note".into(),
                        description: None,
                        format: Some(CustomToolChatCompletionsCustomFormat::Text),
                    },
                },
            ]),
            tool_choice: Some(ChatCompletionToolChoiceOption::ChatCompletionToolChoice(
                ChatCompletionToolChoice::AllowedTools {
                    allowed_tools: ChatCompletionAllowedTools {
                        mode: ChatCompletionAllowedToolsMode::Required,
                        tools: vec![object(
                            json!({"type": "function", "function": {"name": "get_weather"}}),
                        )],
                    },
                },
            )),
            function_call: Some(CompletionCreateRequestFunctionCall::String(
                CompletionCreateRequestFunctionCallString::None,
            )),
            stop: Some(StopConfiguration::Variant0(Some("END".into()))),
            prediction: Some(PredictionContent {
                type_: PredictionContentType::Content,
                content: PredictionContentContent::Array(vec![chat_text("Wear a raincoat.")]),
            }),
            audio: Some(CompletionCreateRequestAudio {
                format: CompletionCreateRequestAudioFormat::Wav,
                voice: VoiceIdsOrCustomVoice::Object {
                    id: "voice_abc123".into(),
                },
            }),
            response_format: Some(ResponseFormat::JsonObject),
            ..CompletionCreateRequest::new(
                "gpt-4o-audio-preview",
                vec![
                    ChatCompletionRequestMessage::System {
                        content: ChatCompletionRequestSystemMessageContent::Array(vec![
                            ChatCompletionRequestSystemMessageContentPart(chat_text(
                                "You are a stylist.",
                            )),
                        ]),
                        name: None,
                    },
                    ChatCompletionRequestMessage::developer("Answer in JSON."),
                    ChatCompletionRequestMessage::user("Weather in Oslo?"),
                ],
            )
        },
        json: json!({
            "model": "gpt-4o-audio-preview",
            "messages": [
                {"role": "system", "content": [{"type": "text", "text": "You are a stylist."}]},
                {"role": "developer", "content": "Answer in JSON."},
                {"role": "user", "content": "Weather in Oslo?"}
            ],
            "tools": [
                {"type": "function", "function": function.json},
                {"type": "custom", "custom": {"name": "take_note", "format": {"type": "text"}}}
            ],
            "tool_choice": {"type": "allowed_tools", "allowed_tools": {
                "mode": "required",
                "tools": [{"type": "function", "function": {"name": "get_weather"}}]
            }},
            "function_call": "none",
            "stop": "END",
            "prediction": {"type": "content", "content": [{"type": "text", "text": "Wear a raincoat."}]},
            "audio": {"format": "wav", "voice": {"id": "voice_abc123"}},
            "response_format": {"type": "json_object"}
        }),
    }
}

/// `POST /chat/completions`, the remaining shapes: a custom tool named as `tool_choice`, a
/// regex grammar, plain-text output.
pub fn chat_completion_custom_tool() -> Fixture<CompletionCreateRequest> {
    Fixture {
        request: CompletionCreateRequest {
            tools: Some(vec![ChatCompletionToolUnion::Custom {
                custom: CustomToolChatCompletionsCustom {
                    name: "postcode".into(),
                    description: Some("Looks up a Norwegian postcode".into()),
                    format: Some(CustomToolChatCompletionsCustomFormat::Grammar {
                        syntax: CustomToolChatCompletionsCustomFormatGrammarSyntax::Regex,
                        definition: "^[0-9]{4}$".into(),
                    }),
                },
            }]),
            tool_choice: Some(ChatCompletionToolChoiceOption::ChatCompletionToolChoice(
                ChatCompletionToolChoice::Custom {
                    custom: ChatCompletionNamedToolChoiceCustomCustom {
                        name: "postcode".into(),
                    },
                },
            )),
            response_format: Some(ResponseFormat::Text),
            ..CompletionCreateRequest::new(
                "gpt-4o-mini",
                vec![ChatCompletionRequestMessage::user(
                    "Which postcode is Oslo sentrum?",
                )],
            )
        },
        json: json!({
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "Which postcode is Oslo sentrum?"}],
            "tools": [{"type": "custom", "custom": {
                "name": "postcode",
                "description": "Looks up a Norwegian postcode",
                "format": {"type": "grammar", "grammar": {"syntax": "regex", "definition": "^[0-9]{4}$"}}
            }}],
            "tool_choice": {"type": "custom", "custom": {"name": "postcode"}},
            "response_format": {"type": "text"}
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Responses

/// The JSON-schema parameters of the Responses `get_weather` function (the same schema as
/// [`weather_function`]'s).
fn weather_parameters() -> Value {
    json!({
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
        "required": ["city", "unit"],
        "additionalProperties": false
    })
}

/// Input items of every kind a request commonly carries: developer and system messages, a user
/// message with text, image and file parts (by id, inline and by URL), an earlier reasoning
/// item, a function call with its output, and a reference to a stored item.
fn response_input_items() -> Fixture<Vec<InputItem>> {
    Fixture {
        request: vec![
            InputItem::developer("Answer from the handbook; call get_weather for weather."),
            InputItem::InputMessage(InputMessage {
                content: InputMessageContentList(vec![InputContent::InputText {
                    prompt_cache_breakpoint: None,
                    text: "Be brief.".into(),
                }]),
                role: InputMessageRole::System,
                status: Some(InputMessageStatus::Completed),
                type_: Some(InputMessageType::Message),
            }),
            InputItem::EasyInputMessage(EasyInputMessage {
                content: EasyInputMessageContent::InputMessageContentList(InputMessageContentList(
                    vec![
                        InputContent::InputText {
                            prompt_cache_breakpoint: Some(PromptCacheBreakpointConfig {
                                mode: PromptCacheBreakpointConfigMode::Explicit,
                            }),
                            text:
                                "Can I still return this jacket, and what is the weather in Oslo?"
                                    .into(),
                        },
                        InputContent::InputImage {
                            detail: ImageDetail::High,
                            file_id: Some("file-Jacket7".into()),
                            image_url: None,
                            prompt_cache_breakpoint: None,
                        },
                        InputContent::InputImage {
                            detail: ImageDetail::Low,
                            file_id: None,
                            image_url: Some("https://example.com/label.jpg".into()),
                            prompt_cache_breakpoint: None,
                        },
                        InputContent::InputFile {
                            detail: None,
                            file_data: None,
                            file_id: Some("file-Receipt1".into()),
                            file_url: None,
                            filename: None,
                            prompt_cache_breakpoint: None,
                        },
                        InputContent::InputFile {
                            detail: Some(FileInputDetail::High),
                            file_data: Some("data:application/pdf;base64,JVBERi0xLjQK".into()),
                            file_id: None,
                            file_url: None,
                            filename: Some("policy.pdf".into()),
                            prompt_cache_breakpoint: None,
                        },
                        InputContent::InputFile {
                            detail: Some(FileInputDetail::Auto),
                            file_data: None,
                            file_id: None,
                            file_url: Some("https://example.com/terms.pdf".into()),
                            filename: None,
                            prompt_cache_breakpoint: None,
                        },
                    ],
                )),
                phase: None,
                role: EasyInputMessageRole::User,
                type_: Some(EasyInputMessageType::Message),
            }),
            InputItem::ReasoningItem(ReasoningItem {
                content: None,
                encrypted_content: Some("gAAAAABoRTU0ZXhhbXBsZQ==".into()),
                id: "rs_01".into(),
                status: Some(ReasoningItemStatus::Completed),
                summary: vec![SummaryTextContent {
                    text: "The user asks about returns and weather.".into(),
                    type_: SummaryTextContentType::SummaryText,
                }],
                type_: ReasoningItemType::Reasoning,
            }),
            InputItem::FunctionToolCall(FunctionToolCall {
                arguments: r#"{"city":"Oslo","unit":"c"}"#.into(),
                call_id: "call_Wq3".into(),
                caller: None,
                id: Some("fc_01".into()),
                name: "get_weather".into(),
                namespace: None,
                status: Some(FunctionToolCallStatus::Completed),
                type_: FunctionToolCallType::FunctionCall,
            }),
            InputItem::FunctionCallOutputItemParam(FunctionCallOutputItemParam {
                call_id: Some("call_Wq3".into()),
                caller: None,
                id: None,
                name: None,
                namespace: None,
                output: FunctionCallOutputItemParamOutput::String(
                    r#"{"temp_c":4,"sky":"rain"}"#.into(),
                ),
                status: Some(FunctionCallItemStatus::Completed),
                type_: FunctionCallOutputItemParamType::FunctionCallOutput,
            }),
            InputItem::ItemReferenceParam(ItemReferenceParam {
                id: "msg_prev1".into(),
                type_: Some(ItemReferenceParamType::ItemReference),
            }),
        ],
        json: json!([
            {"type": "message", "role": "developer",
             "content": "Answer from the handbook; call get_weather for weather."},
            {"type": "message", "role": "system", "status": "completed",
             "content": [{"type": "input_text", "text": "Be brief."}]},
            {"type": "message", "role": "user", "content": [
                {"type": "input_text",
                 "text": "Can I still return this jacket, and what is the weather in Oslo?",
                 "prompt_cache_breakpoint": {"mode": "explicit"}},
                {"type": "input_image", "detail": "high", "file_id": "file-Jacket7"},
                {"type": "input_image", "detail": "low", "image_url": "https://example.com/label.jpg"},
                {"type": "input_file", "file_id": "file-Receipt1"},
                {"type": "input_file", "detail": "high", "filename": "policy.pdf",
                 "file_data": "data:application/pdf;base64,JVBERi0xLjQK"},
                {"type": "input_file", "detail": "auto", "file_url": "https://example.com/terms.pdf"}
            ]},
            {"type": "reasoning", "id": "rs_01", "status": "completed",
             "encrypted_content": "gAAAAABoRTU0ZXhhbXBsZQ==",
             "summary": [{"type": "summary_text", "text": "The user asks about returns and weather."}]},
            {"type": "function_call", "id": "fc_01", "call_id": "call_Wq3", "name": "get_weather",
             "arguments": "{\"city\":\"Oslo\",\"unit\":\"c\"}", "status": "completed"},
            {"type": "function_call_output", "call_id": "call_Wq3",
             "output": "{\"temp_c\":4,\"sky\":\"rain\"}", "status": "completed"},
            {"type": "item_reference", "id": "msg_prev1"}
        ]),
    }
}

/// Responses tools: a strict function with every option, file search with a compound filter
/// and hybrid ranking, web search with a location, code interpreter in an automatic container,
/// a custom tool with a regex grammar.
fn response_tools() -> Fixture<Vec<Tool>> {
    let output_schema = json!({"type": "object", "properties": {"temp_c": {"type": "number"}}});
    Fixture {
        request: vec![
            Tool::Function {
                allowed_callers: Some(vec![CallableToolAllowedCaller::Direct]),
                defer_loading: Some(false),
                description: Some("Current weather for a city".into()),
                name: "get_weather".into(),
                output_schema: Some(FunctionToolOutputSchema(object(output_schema))),
                parameters: Some(FunctionToolParameters(object(weather_parameters()))),
                strict: Some(true),
            },
            Tool::FileSearch {
                filters: Some(Filters::CompoundFilter(CompoundFilter {
                    type_: CompoundFilterType::And,
                    filters: vec![
                        CompoundFilterFiltersItem::Variant0(ComparisonFilter {
                            key: "category".into(),
                            type_: ComparisonFilterType::Eq,
                            value: ComparisonFilterValue::String("returns".into()),
                        }),
                        CompoundFilterFiltersItem::Variant0(ComparisonFilter {
                            key: "year".into(),
                            type_: ComparisonFilterType::Gte,
                            value: ComparisonFilterValue::Number(2024.0),
                        }),
                    ],
                })),
                max_num_results: Some(8),
                ranking_options: Some(RankingOptions {
                    hybrid_search: Some(HybridSearchOptions {
                        embedding_weight: 0.7,
                        text_weight: 0.3,
                    }),
                    ranker: Some(RankerVersionType::Auto),
                    score_threshold: Some(0.4),
                }),
                vector_store_ids: vec!["vs_handbook".into()],
            },
            Tool::WebSearch {
                external_web_access: Some(false),
                filters: Some(WebSearchToolFilters {
                    allowed_domains: Some(vec!["yr.no".into()]),
                }),
                search_context_size: Some(WebSearchToolSearchContextSize::Low),
                user_location: Some(WebSearchApproximateLocation {
                    city: Some("Oslo".into()),
                    country: Some("NO".into()),
                    region: Some("Oslo".into()),
                    timezone: Some("Europe/Oslo".into()),
                    type_: Some(WebSearchApproximateLocationType::Approximate),
                }),
            },
            Tool::CodeInterpreter {
                allowed_callers: None,
                container: CodeInterpreterToolContainer::AutoCodeInterpreterToolParam(
                    AutoCodeInterpreterToolParam {
                        file_ids: Some(vec!["file-Csv1".into()]),
                        memory_limit: Some(ContainerMemoryLimit::X4g),
                        network_policy: None,
                        type_: AutoCodeInterpreterToolParamType::Auto,
                    },
                ),
            },
            Tool::Custom {
                allowed_callers: None,
                defer_loading: None,
                description: Some("Looks up a Norwegian postcode".into()),
                format: Some(CustomToolFormat::Grammar {
                    definition: "^[0-9]{4}$".into(),
                    syntax: GrammarSyntax1::Regex,
                }),
                name: "postcode".into(),
            },
        ],
        json: json!([
            {"type": "function", "name": "get_weather", "description": "Current weather for a city",
             "parameters": weather_parameters(), "strict": true,
             "output_schema": {"type": "object", "properties": {"temp_c": {"type": "number"}}},
             "defer_loading": false, "allowed_callers": ["direct"]},
            {"type": "file_search", "vector_store_ids": ["vs_handbook"], "max_num_results": 8,
             "filters": {"type": "and", "filters": [
                 {"type": "eq", "key": "category", "value": "returns"},
                 {"type": "gte", "key": "year", "value": 2024.0}
             ]},
             "ranking_options": {"ranker": "auto", "score_threshold": 0.4,
                                 "hybrid_search": {"embedding_weight": 0.7, "text_weight": 0.3}}},
            {"type": "web_search", "external_web_access": false,
             "filters": {"allowed_domains": ["yr.no"]}, "search_context_size": "low",
             "user_location": {"type": "approximate", "city": "Oslo", "country": "NO",
                               "region": "Oslo", "timezone": "Europe/Oslo"}},
            {"type": "code_interpreter", "container": {
                "type": "auto", "file_ids": ["file-Csv1"], "memory_limit": "4g"
            }},
            {"type": "custom", "name": "postcode", "description": "Looks up a Norwegian postcode",
             "format": {"type": "grammar", "syntax": "regex", "definition": "^[0-9]{4}$"}}
        ]),
    }
}

/// A strict JSON-schema text format with a description, low verbosity.
fn weather_report_text() -> Fixture<ResponseTextParam> {
    let schema = json!({
        "type": "object",
        "properties": {"summary": {"type": "string"}},
        "required": ["summary"],
        "additionalProperties": false
    });
    Fixture {
        request: ResponseTextParam {
            format: Some(TextResponseFormatConfiguration::JsonSchema {
                description: Some("A short weather report".into()),
                name: "weather_report".into(),
                schema: ResponseFormatJsonSchemaSchema(object(schema)),
                strict: Some(true),
            }),
            verbosity: Some(Verbosity::Low),
        },
        json: json!({
            "format": {
                "type": "json_schema",
                "name": "weather_report",
                "description": "A short weather report",
                "schema": {
                    "type": "object",
                    "properties": {"summary": {"type": "string"}},
                    "required": ["summary"],
                    "additionalProperties": false
                },
                "strict": true
            },
            "verbosity": "low"
        }),
    }
}

/// `POST /responses`: every field (`previous_response_id` rather than `conversation`: the spec
/// forbids both at once; see [`response_create_in_conversation`]).
pub fn response_create() -> Fixture<ResponseCreateRequest> {
    let input = response_input_items();
    let tools = response_tools();
    let text = weather_report_text();
    Fixture {
        request: ResponseCreateRequest {
            background: Some(true),
            context_management: Some(vec![ContextManagementParam {
                compact_threshold: Some(200_000),
                type_: "compaction".into(),
            }]),
            conversation: None,
            include: Some(vec![
                IncludeEnum::FileSearchCallResults,
                IncludeEnum::ReasoningEncryptedContent,
                IncludeEnum::MessageOutputTextLogprobs,
            ]),
            input: Some(InputParam::Array(input.request)),
            instructions: Some("You are the returns desk of a clothing shop.".into()),
            max_output_tokens: Some(800),
            max_tool_calls: Some(5),
            metadata: Some(metadata(&[("ticket", "T-1042")])),
            model: Some(ModelIdsResponses("gpt-5-mini".into())),
            moderation: Some(ModerationParam {
                model: "omni-moderation-latest".into(),
                policy: Some(ModerationPolicyParam {
                    input: Some(ModerationConfigParam {
                        mode: ModerationMode::Score,
                    }),
                    output: Some(ModerationConfigParam {
                        mode: ModerationMode::Block,
                    }),
                }),
            }),
            parallel_tool_calls: Some(false),
            previous_response_id: Some("resp_prev01".into()),
            prompt: Some(Prompt {
                id: "pmpt_returns".into(),
                variables: Some(ResponsePromptVariables(HashMap::from([
                    (
                        "shop".to_owned(),
                        ResponsePromptVariablesValue::String("Oslo Outdoor".into()),
                    ),
                    (
                        "logo".to_owned(),
                        ResponsePromptVariablesValue::InputContent(InputContent::InputImage {
                            detail: ImageDetail::Auto,
                            file_id: Some("file-Logo1".into()),
                            image_url: None,
                            prompt_cache_breakpoint: None,
                        }),
                    ),
                ]))),
                version: Some("3".into()),
            }),
            prompt_cache_key: Some("returns-desk-v1".into()),
            prompt_cache_options: Some(PromptCacheOptionsParam {
                mode: Some(PromptCacheModeEnum::Explicit),
                ttl: Some(PromptCacheTtlEnum::X30m),
            }),
            prompt_cache_retention: Some(ResponseCreateRequestPromptCacheRetention::X24h),
            reasoning: Some(Reasoning {
                context: Some(ReasoningContext::CurrentTurn),
                effort: Some(ReasoningEffort::Medium),
                generate_summary: Some(ReasoningGenerateSummary::Concise),
                mode: Some(ReasoningModeEnum("standard".into())),
                summary: Some(ReasoningSummary::Auto),
            }),
            safety_identifier: Some("user-hash-1".into()),
            service_tier: Some(ServiceTierResponses::Flex),
            store: Some(true),
            stream: Some(false),
            stream_options: Some(ResponseStreamOptions {
                include_obfuscation: Some(false),
            }),
            temperature: Some(0.4),
            text: Some(text.request),
            tool_choice: Some(ToolChoiceParam::ToolChoiceFunction(ToolChoiceFunction {
                name: "get_weather".into(),
                type_: ToolChoiceFunctionType::Function,
            })),
            tools: Some(ToolsArray(tools.request)),
            top_logprobs: Some(2),
            top_p: Some(0.9),
            truncation: Some(ResponseCreateRequestTruncation::Auto),
            user: Some("user-1".into()),
        },
        json: json!({
            "model": "gpt-5-mini",
            "input": input.json,
            "instructions": "You are the returns desk of a clothing shop.",
            "background": true,
            "context_management": [{"type": "compaction", "compact_threshold": 200000}],
            "include": [
                "file_search_call.results",
                "reasoning.encrypted_content",
                "message.output_text.logprobs"
            ],
            "max_output_tokens": 800,
            "max_tool_calls": 5,
            "metadata": {"ticket": "T-1042"},
            "moderation": {"model": "omni-moderation-latest",
                           "policy": {"input": {"mode": "score"}, "output": {"mode": "block"}}},
            "parallel_tool_calls": false,
            "previous_response_id": "resp_prev01",
            "prompt": {"id": "pmpt_returns", "version": "3", "variables": {
                "shop": "Oslo Outdoor",
                "logo": {"type": "input_image", "detail": "auto", "file_id": "file-Logo1"}
            }},
            "prompt_cache_key": "returns-desk-v1",
            "prompt_cache_options": {"mode": "explicit", "ttl": "30m"},
            "prompt_cache_retention": "24h",
            "reasoning": {"effort": "medium", "summary": "auto", "generate_summary": "concise",
                          "context": "current_turn", "mode": "standard"},
            "safety_identifier": "user-hash-1",
            "service_tier": "flex",
            "store": true,
            "stream": false,
            "stream_options": {"include_obfuscation": false},
            "temperature": 0.4,
            "text": text.json,
            "tool_choice": {"type": "function", "name": "get_weather"},
            "tools": tools.json,
            "top_logprobs": 2,
            "top_p": 0.9,
            "truncation": "auto",
            "user": "user-1"
        }),
    }
}

/// `POST /responses`, the other shapes: a conversation (as an object) instead of a previous
/// response, `allowed_tools` as `tool_choice`, JSON-object output, an MCP tool.
pub fn response_create_in_conversation() -> Fixture<ResponseCreateRequest> {
    Fixture {
        request: ResponseCreateRequest {
            conversation: Some(ConversationParam::ConversationParam2(ConversationParam2 {
                id: "conv_689667905b048191b4740501625afd940c7533ace33a2dab".into(),
            })),
            tools: Some(ToolsArray(vec![
                Tool::function("get_weather", "Current weather", weather_parameters()),
                Tool::Mcp {
                    allowed_callers: None,
                    allowed_tools: None,
                    authorization: None,
                    connector_id: None,
                    defer_loading: None,
                    headers: None,
                    require_approval: None,
                    server_description: Some("Shop inventory".into()),
                    server_label: "inventory".into(),
                    server_url: Some("https://mcp.example.com/sse".into()),
                    tunnel_id: None,
                },
            ])),
            tool_choice: Some(ToolChoiceParam::ToolChoiceAllowed(ToolChoiceAllowed {
                mode: ToolChoiceAllowedMode::Required,
                tools: vec![object(json!({"type": "function", "name": "get_weather"}))],
                type_: ToolChoiceAllowedType::AllowedTools,
            })),
            text: Some(ResponseTextParam {
                format: Some(TextResponseFormatConfiguration::JsonObject),
                verbosity: None,
            }),
            ..ResponseCreateRequest::text("gpt-5-mini", "Is the parka in stock? Answer in JSON.")
        },
        json: json!({
            "model": "gpt-5-mini",
            "input": "Is the parka in stock? Answer in JSON.",
            "conversation": {"id": "conv_689667905b048191b4740501625afd940c7533ace33a2dab"},
            "tools": [
                {"type": "function", "name": "get_weather", "description": "Current weather",
                 "parameters": weather_parameters(), "strict": null},
                {"type": "mcp", "server_label": "inventory", "server_url": "https://mcp.example.com/sse",
                 "server_description": "Shop inventory"}
            ],
            "tool_choice": {"type": "allowed_tools", "mode": "required",
                            "tools": [{"type": "function", "name": "get_weather"}]},
            "text": {"format": {"type": "json_object"}}
        }),
    }
}

/// `POST /responses`, built with the constructors only: user messages (one with an image), a
/// function's output, a function and file search.
pub fn response_create_with_constructors() -> Fixture<ResponseCreateRequest> {
    Fixture {
        request: ResponseCreateRequest {
            tools: Some(ToolsArray(vec![
                Tool::function(
                    "get_weather",
                    "Current weather for a city",
                    weather_parameters(),
                ),
                Tool::file_search(["vs_handbook", "vs_faq"]),
            ])),
            ..ResponseCreateRequest::new(
                "gpt-4o-mini",
                vec![
                    InputItem::user("What is the weather in Oslo?"),
                    InputItem::user_with_image(
                        "And can I return this?",
                        "https://example.com/jacket.jpg",
                    ),
                    InputItem::function_call_output("call_Wq3", r#"{"temp_c":4}"#),
                ],
            )
        },
        json: json!({
            "model": "gpt-4o-mini",
            "input": [
                {"type": "message", "role": "user", "content": "What is the weather in Oslo?"},
                {"type": "message", "role": "user", "content": [
                    {"type": "input_text", "text": "And can I return this?"},
                    {"type": "input_image", "detail": "auto", "image_url": "https://example.com/jacket.jpg"}
                ]},
                {"type": "function_call_output", "call_id": "call_Wq3", "output": "{\"temp_c\":4}"}
            ],
            "tools": [
                {"type": "function", "name": "get_weather", "description": "Current weather for a city",
                 "parameters": weather_parameters(), "strict": null},
                {"type": "file_search", "vector_store_ids": ["vs_handbook", "vs_faq"]}
            ]
        }),
    }
}

/// `POST /responses`: a model and a text, nothing else.
pub fn response_create_text() -> Fixture<ResponseCreateRequest> {
    Fixture {
        request: ResponseCreateRequest::text("gpt-4o-mini", "Say hi."),
        json: json!({"model": "gpt-4o-mini", "input": "Say hi."}),
    }
}

/// `GET /responses/{id}`: every parameter (`stream=false`, the only value `get_response`
/// sends), `include` repeated.
pub fn response_get_query() -> Query<ResponseGetQueryParameters> {
    Query {
        request: ResponseGetQueryParameters {
            include: Some(vec![
                IncludeEnum::FileSearchCallResults,
                IncludeEnum::MessageOutputTextLogprobs,
            ]),
            include_obfuscation: Some(false),
            starting_after: Some(3),
            stream: Some(false),
        },
        query: "include=file_search_call.results&include=message.output_text.logprobs\
                &include_obfuscation=false&starting_after=3&stream=false",
    }
}

/// `GET /responses/{id}/input_items`: every parameter.
pub fn response_input_items_query() -> Query<ResponseInputItemListQueryParameters> {
    Query {
        request: ResponseInputItemListQueryParameters {
            after: Some("msg_a".into()),
            include: Some(vec![IncludeEnum::MessageInputImageImageUrl]),
            limit: Some(50),
            order: Some(ListOrder::Asc),
        },
        query: "after=msg_a&include=message.input_image.image_url&limit=50&order=asc",
    }
}

/// `POST /responses/input_tokens`: every field (a conversation, by id, rather than a previous
/// response).
pub fn response_input_tokens() -> Fixture<ResponseInputTokensRequest> {
    let input = response_input_items();
    let tools = response_tools();
    let text = weather_report_text();
    Fixture {
        request: ResponseInputTokensRequest {
            conversation: Some(ConversationParam::String("conv_123".into())),
            input: Some(ResponseInputTokensRequestInput::Array(input.request)),
            instructions: Some("You are the returns desk of a clothing shop.".into()),
            model: Some("gpt-5-mini".into()),
            parallel_tool_calls: Some(true),
            personality: Some(PersonalityEnum("friendly".into())),
            previous_response_id: None,
            reasoning: Some(Reasoning {
                effort: Some(ReasoningEffort::Low),
                summary: Some(ReasoningSummary::Concise),
                ..Default::default()
            }),
            text: Some(text.request),
            tool_choice: Some(ToolChoiceParam::ToolChoiceOptions(ToolChoiceOptions::Auto)),
            tools: Some(tools.request),
            truncation: Some(TruncationEnum::Disabled),
        },
        json: json!({
            "conversation": "conv_123",
            "input": input.json,
            "instructions": "You are the returns desk of a clothing shop.",
            "model": "gpt-5-mini",
            "parallel_tool_calls": true,
            "personality": "friendly",
            "reasoning": {"effort": "low", "summary": "concise"},
            "text": text.json,
            "tool_choice": "auto",
            "tools": tools.json,
            "truncation": "disabled"
        }),
    }
}

/// `POST /responses/compact`: every field.
pub fn response_compact() -> Fixture<ResponseCompactRequest> {
    Fixture {
        request: ResponseCompactRequest {
            input: Some(ResponseCompactRequestInput::Array(vec![
                InputItem::user("What is the weather in Oslo?"),
                InputItem::assistant("4 °C and rain."),
            ])),
            instructions: Some("Keep the facts about the weather.".into()),
            model: ModelIdsCompaction(Some("gpt-5-mini".into())),
            previous_response_id: Some("resp_prev01".into()),
            prompt_cache_key: Some("returns-desk-v1".into()),
            prompt_cache_options: Some(PromptCacheOptionsParam {
                mode: Some(PromptCacheModeEnum::Implicit),
                ttl: None,
            }),
            prompt_cache_retention: Some(PromptCacheRetentionEnum::InMemory),
            service_tier: Some(ServiceTierEnum::Priority),
        },
        json: json!({
            "model": "gpt-5-mini",
            "input": [
                {"type": "message", "role": "user", "content": "What is the weather in Oslo?"},
                {"type": "message", "role": "assistant", "content": "4 °C and rain."}
            ],
            "instructions": "Keep the facts about the weather.",
            "previous_response_id": "resp_prev01",
            "prompt_cache_key": "returns-desk-v1",
            "prompt_cache_options": {"mode": "implicit"},
            "prompt_cache_retention": "in_memory",
            "service_tier": "priority"
        }),
    }
}

/// `POST /responses/compact`, with the constructor: a model and a previous response.
pub fn response_compact_previous() -> Fixture<ResponseCompactRequest> {
    Fixture {
        request: ResponseCompactRequest::new("gpt-5-mini", "resp_prev01"),
        json: json!({"model": "gpt-5-mini", "previous_response_id": "resp_prev01"}),
    }
}

// ---------------------------------------------------------------------------------------------
// Conversations

/// `POST /conversations`: every field; first items of three kinds.
pub fn conversation_create() -> Fixture<ConversationCreateRequest> {
    Fixture {
        request: ConversationCreateRequest {
            items: Some(vec![
                InputItem::system("You are the returns desk of a clothing shop."),
                InputItem::user_with_image("Can I return this?", "https://example.com/jacket.jpg"),
                InputItem::assistant("Yes, within 30 days."),
            ]),
            metadata: Some(metadata(&[("topic", "returns"), ("channel", "web")])),
        },
        json: json!({
            "items": [
                {"type": "message", "role": "system",
                 "content": "You are the returns desk of a clothing shop."},
                {"type": "message", "role": "user", "content": [
                    {"type": "input_text", "text": "Can I return this?"},
                    {"type": "input_image", "detail": "auto", "image_url": "https://example.com/jacket.jpg"}
                ]},
                {"type": "message", "role": "assistant", "content": "Yes, within 30 days."}
            ],
            "metadata": {"topic": "returns", "channel": "web"}
        }),
    }
}

/// `POST /conversations/{id}`: new metadata.
pub fn conversation_modify() -> Fixture<ConversationModifyRequest> {
    Fixture {
        request: ConversationModifyRequest {
            metadata: Some(metadata(&[("topic", "refunds")])),
        },
        json: json!({"metadata": {"topic": "refunds"}}),
    }
}

/// `POST /conversations/{id}/items`: a user message, a function call and its output.
pub fn conversation_items_create() -> Fixture<ConversationItemCreateRequest> {
    Fixture {
        request: ConversationItemCreateRequest {
            items: vec![
                InputItem::user("And the weather?"),
                InputItem::FunctionToolCall(FunctionToolCall {
                    arguments: r#"{"city":"Oslo","unit":"c"}"#.into(),
                    call_id: "call_Wq3".into(),
                    caller: None,
                    id: None,
                    name: "get_weather".into(),
                    namespace: None,
                    status: None,
                    type_: FunctionToolCallType::FunctionCall,
                }),
                InputItem::function_call_output("call_Wq3", r#"{"temp_c":4}"#),
            ],
        },
        json: json!({"items": [
            {"type": "message", "role": "user", "content": "And the weather?"},
            {"type": "function_call", "call_id": "call_Wq3", "name": "get_weather",
             "arguments": "{\"city\":\"Oslo\",\"unit\":\"c\"}"},
            {"type": "function_call_output", "call_id": "call_Wq3", "output": "{\"temp_c\":4}"}
        ]}),
    }
}

/// `POST /conversations/{id}/items`: the `include` parameter.
pub fn conversation_items_create_query() -> Query<ConversationItemCreateQueryParameters> {
    Query {
        request: ConversationItemCreateQueryParameters {
            include: Some(vec![IncludeEnum::MessageOutputTextLogprobs]),
        },
        query: "include=message.output_text.logprobs",
    }
}

/// `GET /conversations/{id}/items`: every parameter.
pub fn conversation_items_query() -> Query<ConversationItemListQueryParameters> {
    Query {
        request: ConversationItemListQueryParameters {
            after: Some("msg_a".into()),
            include: Some(vec![
                IncludeEnum::CodeInterpreterCallOutputs,
                IncludeEnum::WebSearchCallActionSources,
            ]),
            limit: Some(10),
            order: Some(ListOrder::Desc),
        },
        query: "after=msg_a&include=code_interpreter_call.outputs\
                &include=web_search_call.action.sources&limit=10&order=desc",
    }
}

/// `GET /conversations/{id}/items/{id}`: the `include` parameter.
pub fn conversation_item_get_query() -> Query<ConversationItemGetQueryParameters> {
    Query {
        request: ConversationItemGetQueryParameters {
            include: Some(vec![IncludeEnum::ComputerCallOutputOutputImageUrl]),
        },
        query: "include=computer_call_output.output.image_url",
    }
}

// ---------------------------------------------------------------------------------------------
// Embeddings and moderations

/// `POST /embeddings`: one text, every field.
pub fn embedding_create() -> Fixture<EmbeddingCreateRequest> {
    Fixture {
        request: EmbeddingCreateRequest {
            dimensions: Some(256),
            encoding_format: Some(EmbeddingCreateRequestEncodingFormat::Float),
            user: Some("user-1".into()),
            ..EmbeddingCreateRequest::new(
                "text-embedding-3-small",
                "Items can be returned within 30 days.",
            )
        },
        json: json!({
            "model": "text-embedding-3-small",
            "input": "Items can be returned within 30 days.",
            "dimensions": 256,
            "encoding_format": "float",
            "user": "user-1"
        }),
    }
}

/// `POST /embeddings`: several texts, with the constructor.
pub fn embedding_create_batch() -> Fixture<EmbeddingCreateRequest> {
    Fixture {
        request: EmbeddingCreateRequest::batch(
            "text-embedding-3-large",
            ["return policy", "refund window", "store hours"],
        ),
        json: json!({
            "model": "text-embedding-3-large",
            "input": ["return policy", "refund window", "store hours"]
        }),
    }
}

/// `POST /embeddings`: token arrays (one, and several), base64 output.
pub fn embedding_create_tokens() -> Fixture<EmbeddingCreateRequest> {
    Fixture {
        request: EmbeddingCreateRequest {
            input: EmbeddingCreateRequestInput::Variant3(vec![vec![9906, 1917], vec![13347]]),
            encoding_format: Some(EmbeddingCreateRequestEncodingFormat::Base64),
            ..EmbeddingCreateRequest::new("text-embedding-ada-002", "")
        },
        json: json!({
            "model": "text-embedding-ada-002",
            "input": [[9906, 1917], [13347]],
            "encoding_format": "base64"
        }),
    }
}

/// `POST /moderations`: one text, with the constructor (the default model).
pub fn moderation_create() -> Fixture<ModerationCreateRequest> {
    Fixture {
        request: ModerationCreateRequest::new("I will hurt you."),
        json: json!({"input": "I will hurt you."}),
    }
}

/// `POST /moderations`: text and an image, a named model.
pub fn moderation_create_multimodal() -> Fixture<ModerationCreateRequest> {
    Fixture {
        request: ModerationCreateRequest {
            input: ModerationCreateRequestInput::Variant2(vec![
                ModerationCreateRequestInputVariant2Item::Text {
                    text: "Is this allowed?".into(),
                },
                ModerationCreateRequestInputVariant2Item::ImageUrl {
                    image_url: ModerationCreateRequestInputVariant2ItemImageUrl {
                        url: "https://example.com/poster.png".into(),
                    },
                },
            ]),
            model: Some("omni-moderation-latest".into()),
        },
        json: json!({
            "model": "omni-moderation-latest",
            "input": [
                {"type": "text", "text": "Is this allowed?"},
                {"type": "image_url", "image_url": {"url": "https://example.com/poster.png"}}
            ]
        }),
    }
}

/// `POST /moderations`: several texts.
pub fn moderation_create_texts() -> Fixture<ModerationCreateRequest> {
    Fixture {
        request: ModerationCreateRequest {
            input: ModerationCreateRequestInput::Variant1(vec![
                "first comment".into(),
                "second comment".into(),
            ]),
            model: Some("omni-moderation-2024-09-26".into()),
        },
        json: json!({
            "model": "omni-moderation-2024-09-26",
            "input": ["first comment", "second comment"]
        }),
    }
}
