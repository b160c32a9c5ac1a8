//! Every operation in scope (`spec/operations.json`, written by `cargo xtask spec`) has a
//! client method, and that method sends the operation's HTTP method to its path.
//!
//! The table below names, for each operation id, a call of the method that serves it. An
//! operation the xtask adds to the scope without a method here fails the test, and so does a
//! method that calls another path. Path parameters are filled with `p1`, `p2`, ... in order.

use std::collections::BTreeSet;

use httpmock::prelude::*;
use openai_blocking::types::*;
use openai_blocking::*;
use serde_json::Value;

/// A call of one client method with the path ids `p1`, `p2`, `p3`; only the request matters.
type Call = fn(&OpenAIClient);

fn calls() -> Vec<(&'static str, Call)> {
    vec![
        ("listAssistants", |c| drop(c.get_assistants(None))),
        ("createAssistant", |c| {
            drop(c.create_assistant(&AssistantCreateRequest::new("gpt-4o")))
        }),
        ("deleteAssistant", |c| drop(c.delete_assistant("p1"))),
        ("getAssistant", |c| drop(c.get_assistant("p1"))),
        ("modifyAssistant", |c| {
            drop(c.modify_assistant("p1", &AssistantModifyRequest::default()))
        }),
        ("createThread", |c| {
            drop(c.create_thread(&ThreadCreateRequest::default()))
        }),
        ("createThreadAndRun", |c| {
            drop(c.create_thread_and_run(&RunThreadCreateRequest::new("asst")))
        }),
        ("deleteThread", |c| drop(c.delete_thread("p1"))),
        ("getThread", |c| drop(c.get_thread("p1"))),
        ("modifyThread", |c| {
            drop(c.modify_thread("p1", &ThreadModifyRequest::default()))
        }),
        ("listMessages", |c| drop(c.get_thread_messages("p1", None))),
        ("createMessage", |c| {
            drop(c.create_thread_message("p1", &ThreadMessageCreateRequest::user("hi")))
        }),
        ("deleteMessage", |c| {
            drop(c.delete_thread_message("p1", "p2"))
        }),
        ("getMessage", |c| drop(c.get_thread_message("p1", "p2"))),
        ("modifyMessage", |c| {
            drop(c.modify_thread_message("p1", "p2", &ThreadMessageModifyRequest::default()))
        }),
        ("listRuns", |c| drop(c.get_runs("p1", None))),
        ("createRun", |c| {
            drop(c.create_run("p1", &RunCreateRequest::new("asst")))
        }),
        ("getRun", |c| drop(c.get_run("p1", "p2"))),
        ("modifyRun", |c| {
            drop(c.modify_run("p1", "p2", &RunModifyRequest::default()))
        }),
        ("cancelRun", |c| drop(c.cancel_run("p1", "p2"))),
        ("listRunSteps", |c| drop(c.get_run_steps("p1", "p2", None))),
        ("getRunStep", |c| drop(c.get_run_step("p1", "p2", "p3"))),
        ("submitToolOuputsToRun", |c| {
            let request = SubmitToolOutputsRequest {
                tool_outputs: vec![],
                stream: None,
            };
            drop(c.submit_tool_outputs("p1", "p2", &request))
        }),
        ("listFiles", |c| drop(c.get_files(None))),
        ("createFile", |c| {
            drop(c.upload_file("assistants", "a.txt", &b"a"[..]))
        }),
        ("deleteFile", |c| drop(c.delete_file("p1"))),
        ("retrieveFile", |c| drop(c.get_file("p1"))),
        ("downloadFile", |c| drop(c.get_file_content("p1"))),
        ("listVectorStores", |c| drop(c.get_vector_stores(None))),
        ("createVectorStore", |c| {
            drop(c.create_vector_store(&VectorStoreCreateRequest::default()))
        }),
        ("deleteVectorStore", |c| drop(c.delete_vector_store("p1"))),
        ("getVectorStore", |c| drop(c.get_vector_store("p1"))),
        ("modifyVectorStore", |c| {
            drop(c.modify_vector_store("p1", &VectorStoreModifyRequest::default()))
        }),
        ("listVectorStoreFiles", |c| {
            drop(c.get_vector_store_files("p1", None))
        }),
        ("createVectorStoreFile", |c| {
            drop(c.create_vector_store_file("p1", &VectorStoreFileCreateRequest::new("f")))
        }),
        ("deleteVectorStoreFile", |c| {
            drop(c.delete_vector_store_file("p1", "p2"))
        }),
        ("getVectorStoreFile", |c| {
            drop(c.get_vector_store_file("p1", "p2"))
        }),
        ("updateVectorStoreFileAttributes", |c| {
            let request = VectorStoreFileModifyRequest { attributes: None };
            drop(c.modify_vector_store_file("p1", "p2", &request))
        }),
        ("createVectorStoreFileBatch", |c| {
            let request = VectorStoreFileBatchCreateRequest::new(vec!["f".into()]);
            drop(c.create_vector_store_file_batch("p1", &request))
        }),
        ("getVectorStoreFileBatch", |c| {
            drop(c.get_vector_store_file_batch("p1", "p2"))
        }),
        ("cancelVectorStoreFileBatch", |c| {
            drop(c.cancel_vector_store_file_batch("p1", "p2"))
        }),
        ("listFilesInVectorStoreBatch", |c| {
            drop(c.get_vector_store_file_batch_files("p1", "p2", None))
        }),
        ("searchVectorStore", |c| {
            let request = VectorStoreSearchRequest {
                query: VectorStoreSearchRequestQuery::String("q".into()),
                filters: None,
                max_num_results: None,
                ranking_options: None,
                rewrite_query: None,
            };
            drop(c.search_vector_store("p1", &request))
        }),
        ("createResponse", |c| {
            drop(c.create_response(&ResponseCreateRequest::text("gpt-4o", "hi")))
        }),
        ("deleteResponse", |c| drop(c.delete_response("p1"))),
        ("getResponse", |c| drop(c.get_response("p1", None))),
        ("cancelResponse", |c| drop(c.cancel_response("p1"))),
        ("listInputItems", |c| {
            drop(c.get_response_input_items("p1", None))
        }),
        ("Getinputtokencounts", |c| {
            drop(c.get_response_input_tokens(&ResponseInputTokensRequest::default()))
        }),
        ("Compactconversation", |c| {
            drop(c.compact_response(&ResponseCompactRequest::new("gpt-4o", "resp_1")))
        }),
        ("createConversation", |c| {
            drop(c.create_conversation(&ConversationCreateRequest::default()))
        }),
        ("deleteConversation", |c| drop(c.delete_conversation("p1"))),
        ("getConversation", |c| drop(c.get_conversation("p1"))),
        ("updateConversation", |c| {
            drop(c.modify_conversation("p1", &ConversationModifyRequest::default()))
        }),
        ("listConversationItems", |c| {
            drop(c.get_conversation_items("p1", None))
        }),
        ("createConversationItems", |c| {
            let request = ConversationItemCreateRequest { items: vec![] };
            drop(c.create_conversation_items("p1", &request, None))
        }),
        ("deleteConversationItem", |c| {
            drop(c.delete_conversation_item("p1", "p2"))
        }),
        ("getConversationItem", |c| {
            drop(c.get_conversation_item("p1", "p2", None))
        }),
        ("listModels", |c| drop(c.get_models())),
        ("retrieveModel", |c| drop(c.get_model("p1"))),
        ("createEmbedding", |c| {
            drop(c.create_embedding(&EmbeddingCreateRequest::new("text-embedding-3-small", "hi")))
        }),
        ("createModeration", |c| {
            drop(c.create_moderation(&ModerationCreateRequest::new("hi")))
        }),
        ("listBatches", |c| drop(c.get_batches(None))),
        ("createBatch", |c| {
            drop(c.create_batch(&BatchCreateRequest::new(
                "file-1",
                BatchCreateRequestEndpoint::V1Responses,
            )))
        }),
        ("retrieveBatch", |c| drop(c.get_batch("p1"))),
        ("cancelBatch", |c| drop(c.cancel_batch("p1"))),
        ("createUpload", |c| {
            drop(c.create_upload(&UploadCreateRequest {
                bytes: 1,
                expires_after: None,
                filename: "a.txt".into(),
                mime_type: "text/plain".into(),
                purpose: UploadCreateRequestPurpose::Assistants,
            }))
        }),
        ("addUploadPart", |c| {
            drop(c.add_upload_part("p1", FileSource::from_bytes("part", b"x".to_vec())))
        }),
        ("completeUpload", |c| {
            drop(c.complete_upload(
                "p1",
                &UploadCompleteRequest {
                    md5: None,
                    part_ids: vec!["part_1".into()],
                },
            ))
        }),
        ("cancelUpload", |c| drop(c.cancel_upload("p1"))),
        ("createChatCompletion", |c| {
            let request = CompletionCreateRequest::new(
                "gpt-4o",
                vec![ChatCompletionRequestMessage::user("hi")],
            );
            drop(c.create_completion(&request))
        }),
    ]
}

/// `/threads/{thread_id}/runs/{run_id}` with its parameters filled: `/threads/p1/runs/p2`.
fn concrete(template: &str) -> String {
    let mut out = String::new();
    let mut n = 0;
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').expect("a closing brace") + start;
        n += 1;
        out.push_str(&rest[..start]);
        out.push_str(&format!("p{n}"));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn every_operation_in_scope_has_a_client_method_that_calls_it() {
    let spec: Value = serde_json::from_str(include_str!("../spec/operations.json")).unwrap();
    let operations = spec["operations"].as_array().expect("operations");
    let table = calls();
    let named: BTreeSet<&str> = table.iter().map(|(id, _)| *id).collect();
    assert_eq!(named.len(), table.len(), "an operation is listed twice");

    let mut missing = Vec::new();
    let mut wrong = Vec::new();
    for op in operations {
        let id = op["operation_id"].as_str().expect("an operation id");
        let Some((_, call)) = table.iter().find(|(name, _)| *name == id) else {
            missing.push(id.to_owned());
            continue;
        };
        let method = op["method"].as_str().expect("a method");
        let path = concrete(op["path"].as_str().expect("a path"));
        let server = MockServer::start();
        let hit = server.mock(|when, then| {
            when.method(method).path(&path);
            then.status(200).body("{}");
        });
        let client = OpenAIClient::create_with_api_key("sk-test")
            .with_base_url(server.base_url())
            .with_max_retries(0)
            .build()
            .unwrap();
        call(&client);
        if hit.calls() != 1 {
            wrong.push(format!("{id}: expected one {method} {path}"));
        }
    }
    let in_scope: BTreeSet<&str> = operations
        .iter()
        .filter_map(|op| op["operation_id"].as_str())
        .collect();
    let stale: Vec<_> = named.difference(&in_scope).collect();
    assert!(
        missing.is_empty(),
        "operations in spec/operations.json without a client method: {missing:?}"
    );
    assert!(
        wrong.is_empty(),
        "methods that miss their operation:\n{}",
        wrong.join("\n")
    );
    assert!(
        stale.is_empty(),
        "the table names operations out of scope: {stale:?}"
    );
}
