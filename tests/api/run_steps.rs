//! `/threads/{id}/runs/{id}/steps`: list (with `include[]`), get and the walker.

use httpmock::MockServer;
use openai_blocking::types::*;
use serde_json::json;

use crate::requests::run_steps_query;
use crate::support::*;

const STEPS: &str = "/threads/thread_77aa/runs/run_done1/steps";
/// `include[]=step_details.tool_calls[*].file_search.results[*].content`, percent-encoded.
const INCLUDE_CONTENT: &str =
    "include%5B%5D=step_details.tool_calls%5B%2A%5D.file_search.results%5B%2A%5D.content";

fn step() -> serde_json::Value {
    fixture("run_step_code.json")
}

fn message_step() -> serde_json::Value {
    json!({
        "id": "step_msg", "object": "thread.run.step", "created_at": 1732000005,
        "run_id": "run_done1", "assistant_id": "asst_9f2K", "thread_id": "thread_77aa",
        "type": "message_creation", "status": "completed",
        "cancelled_at": null, "completed_at": 1732000006, "expired_at": null, "failed_at": null,
        "last_error": null,
        "step_details": {"type": "message_creation", "message_creation": {"message_id": "msg_abc123"}},
        "usage": {"prompt_tokens": 30, "completion_tokens": 12, "total_tokens": 42},
        "metadata": {}
    })
}

fn include_content() -> RunStepListQueryParameters {
    RunStepListQueryParameters {
        include: Some(vec![
            RunStepInclude::StepDetailsToolCallsFileSearchResultsContent,
        ]),
        ..Default::default()
    }
}

#[test]
fn get_run_steps_with_include_and_paging() {
    let server = MockServer::start();
    let query = run_steps_query();
    let with_query = Route::get(STEPS)
        .query(query.query)
        .mock(&server, page(vec![step(), message_step()], false));
    let bare = Route::get(STEPS).mock(&server, page(vec![message_step()], false));
    let client = client(&server);

    let query = query.request;
    let list = ok(
        &with_query,
        client.get_run_steps("thread_77aa", "run_done1", Some(&query)),
    );
    assert_eq!(list.data.len(), 2);
    let RunStepDetails::ToolCalls { tool_calls } = &list.data[0].step_details else {
        panic!("{:?}", list.data[0].step_details);
    };
    assert!(matches!(
        &tool_calls[0],
        RunStepToolCall::CodeInterpreter { code_interpreter, .. }
            if code_interpreter.input == "print(1+1)" && code_interpreter.outputs.len() == 2
    ));
    assert!(matches!(
        &tool_calls[1],
        RunStepToolCall::FileSearch { file_search, .. }
            if file_search.results.as_deref().is_some_and(|r| r[0].file_name == "faq.md" && r[0].score == 0.91)
    ));
    assert!(matches!(
        &list.data[1].step_details,
        RunStepDetails::MessageCreation { message_creation } if message_creation.message_id == "msg_abc123"
    ));
    assert_eq!(list.data[1].type_, RunStepResponseType::MessageCreation);
    same_as_plain(
        ok(
            &with_query,
            client.get_run_steps_with_response("thread_77aa", "run_done1", Some(&query)),
        ),
        &list,
    );
    let list = ok(
        &bare,
        client.get_run_steps("thread_77aa", "run_done1", None),
    );
    assert_eq!(list.data[0].usage.as_ref().unwrap().total_tokens, 42);
    with_query.assert_calls(2);
    bare.assert_calls(1);
}

#[test]
fn get_run_step() {
    let server = MockServer::start();
    let mock = Route::get(format!("{STEPS}/step_abc")).mock(&server, step());
    let client = client(&server);
    let got = ok(
        &mock,
        client.get_run_step("thread_77aa", "run_done1", "step_abc"),
    );
    assert_eq!(got.id, "step_abc");
    assert_eq!(got.object, RunStepResponseObject::ThreadRunStep);
    assert_eq!(got.run_id, "run_done1");
    assert_eq!(got.status, RunStepResponseStatus::Completed);
    assert_eq!(got.type_, RunStepResponseType::ToolCalls);
    same_as_plain(
        ok(
            &mock,
            client.get_run_step_with_response("thread_77aa", "run_done1", "step_abc"),
        ),
        &got,
    );
    mock.assert_calls(2);
}

#[test]
fn iter_run_steps_keeps_include_on_every_page() {
    let server = MockServer::start();
    let pages = three_pages(&server, STEPS, INCLUDE_CONTENT, &step(), "step_");
    let client = client(&server);
    let ids: Vec<String> = client
        .iter_run_steps("thread_77aa", "run_done1", Some(include_content()))
        .map(|s| s.map(|s| s.id))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids, five_ids("step_"));
    each_page_once(&pages);
}

#[test]
fn empty_ids_are_rejected_before_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    invalid_argument("thread_id", client.get_run_steps("", "run_1", None));
    invalid_argument("run_id", client.get_run_steps("thread_1", "", None));
    invalid_argument(
        "run_id",
        client.get_run_steps_with_response("thread_1", " ", None),
    );
    invalid_argument("thread_id", client.get_run_step("", "run_1", "step_1"));
    invalid_argument("run_id", client.get_run_step("thread_1", "", "step_1"));
    invalid_argument("step_id", client.get_run_step("thread_1", "run_1", ""));
    invalid_argument(
        "step_id",
        client.get_run_step_with_response("thread_1", "run_1", "\n"),
    );
    invalid_argument(
        "run_id",
        client.iter_run_steps("thread_1", "", None).next().unwrap(),
    );
    any.assert_calls(0);
}

#[test]
fn ids_are_percent_encoded() {
    let server = MockServer::start();
    let base = format!("/threads/{ODD_ID_ENCODED}/runs/run%2F1/steps");
    let list = Route::get(&base).mock(&server, page(vec![step()], false));
    let get = Route::get(format!("{base}/step%201")).mock(&server, step());
    let client = client(&server);
    ok(&list, client.get_run_steps(ODD_ID, "run/1", None));
    ok(&get, client.get_run_step(ODD_ID, "run/1", "step 1"));
    list.assert();
    get.assert();
}

#[test]
fn get_run_step_including_sends_include_in_the_query() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(httpmock::Method::GET)
            .path("/threads/thread_1/runs/run_1/steps/step_1")
            .query_param(
                "include[]",
                "step_details.tool_calls[*].file_search.results[*].content",
            );
        then.status(200).json_body(fixture("run_step_code.json"));
    });
    let include = [RunStepInclude::StepDetailsToolCallsFileSearchResultsContent];
    let step = ok(
        &mock,
        client(&server).get_run_step_including("thread_1", "run_1", "step_1", &include),
    );
    assert_eq!(step.run_id, "run_done1");
    mock.assert();
}
