//! `/threads`: create, get, modify, delete and create-and-run.

use httpmock::MockServer;
use openai_blocking::types::*;
use serde_json::json;

use crate::requests::{
    thread_and_run, thread_create, thread_create_with_vector_store_ids, thread_modify,
};
use crate::support::*;

fn thread() -> serde_json::Value {
    fixture("thread.json")
}

fn deleted(id: &str) -> serde_json::Value {
    json!({"id": id, "object": "thread.deleted", "deleted": true})
}

#[test]
fn create_thread_sends_the_whole_request() {
    let server = MockServer::start();
    let sent = thread_create();
    let mock = Route::post("/threads", sent.json).mock(&server, thread());
    let request = sent.request;
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
            .vector_store_ids
            .as_deref(),
        Some(&["vs_1".to_string()][..])
    );
    same_as_plain(
        ok(&mock, client.create_thread_with_response(&request)),
        &created,
    );
    mock.assert_calls(2);
}

#[test]
fn create_thread_with_vector_store_ids() {
    let server = MockServer::start();
    let sent = thread_create_with_vector_store_ids();
    let mock = Route::post("/threads", sent.json).mock(&server, thread());
    let created = ok(&mock, client(&server).create_thread(&sent.request));
    assert_eq!(created.id, "thread_77aa");
    mock.assert();
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
    let change = thread_modify();
    let modify = Route::post("/threads/thread_77aa", change.json).mock(&server, thread());
    let delete = Route::delete("/threads/thread_77aa").mock(&server, deleted("thread_77aa"));
    let client = client(&server);

    let got = ok(&get, client.get_thread("thread_77aa"));
    assert_eq!(got.id, "thread_77aa");
    assert!(got.metadata.as_ref().unwrap().0.is_empty());
    same_as_plain(
        ok(&get, client.get_thread_with_response("thread_77aa")),
        &got,
    );

    let change = change.request;
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
    let sent = thread_and_run();
    let mock =
        Route::post("/threads/runs", sent.json).mock(&server, fixture("run_requires_action.json"));
    let request = sent.request;
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
        metadata: Patch::Set(metadata(&[("k", "v")])),
        tool_resources: Patch::Keep,
    };
    ok(&modify, client.modify_thread(ODD_ID, &change));
    ok(&delete, client.delete_thread(ODD_ID));
    get.assert();
    modify.assert();
    delete.assert();
}
