//! `/threads/{id}/runs`: create, list, get, modify, cancel, submit tool outputs and the walker.

use httpmock::MockServer;
use openai_blocking::types::*;
use serde_json::json;

use crate::requests::{
    run_create, run_create_with_auto_settings, run_modify, runs_query, submit_tool_outputs,
};
use crate::support::*;

fn run() -> serde_json::Value {
    fixture("run_requires_action.json")
}

fn completed() -> serde_json::Value {
    fixture("run_completed.json")
}

#[test]
fn create_run_sends_the_whole_request() {
    let server = MockServer::start();
    let sent = run_create();
    let mock = Route::post("/threads/thread_77aa/runs", sent.json).mock(&server, run());
    let request = sent.request;
    let client = client(&server);
    let created = ok(&mock, client.create_run("thread_77aa", &request));
    assert_eq!(created.id, "run_Xq8p2mZ1");
    assert_eq!(created.assistant_id, "asst_9f2K");
    assert_eq!(created.status, RunResponseStatus::RequiresAction);
    assert_eq!(created.expires_at, Some(1_732_000_600));
    assert_eq!(created.tools.len(), 3);
    assert_eq!(
        created.tool_choice,
        Some(AssistantsApiToolChoiceOption::AssistantsNamedToolChoice(
            AssistantsNamedToolChoice {
                type_: AssistantsNamedToolChoiceType::Function,
                function: Some(AssistantsNamedToolChoiceFunction {
                    name: "get_weather".into()
                }),
            }
        ))
    );
    assert!(matches!(
        &created.response_format,
        Some(AssistantsApiResponseFormatOption::ResponseFormat(ResponseFormat::JsonSchema(s)))
            if s.name == "weather" && s.strict == Some(true)
    ));
    same_as_plain(
        ok(
            &mock,
            client.create_run_with_response("thread_77aa", &request),
        ),
        &created,
    );
    mock.assert_calls(2);
}

#[test]
fn create_run_with_auto_settings() {
    let server = MockServer::start();
    let sent = run_create_with_auto_settings();
    let mock = Route::post("/threads/thread_77aa/runs", sent.json).mock(&server, run());
    let created = ok(
        &mock,
        client(&server).create_run("thread_77aa", &sent.request),
    );
    assert_eq!(created.id, "run_Xq8p2mZ1");
    mock.assert();
}

#[test]
fn get_runs_with_and_without_query() {
    let server = MockServer::start();
    let query = runs_query();
    let with_query = Route::get("/threads/thread_77aa/runs")
        .query(query.query)
        .mock(&server, page(vec![run(), completed()], false));
    let bare =
        Route::get("/threads/thread_77aa/runs").mock(&server, page(vec![completed()], false));
    let client = client(&server);

    let query = query.request;
    let list = ok(&with_query, client.get_runs("thread_77aa", Some(&query)));
    let statuses: Vec<&RunResponseStatus> = list.data.iter().map(|r| &r.status).collect();
    assert_eq!(
        statuses,
        [
            &RunResponseStatus::RequiresAction,
            &RunResponseStatus::Completed
        ]
    );
    assert_eq!(list.last_id.as_deref(), Some("run_done1"));
    same_as_plain(
        ok(
            &with_query,
            client.get_runs_with_response("thread_77aa", Some(&query)),
        ),
        &list,
    );
    let list = ok(&bare, client.get_runs("thread_77aa", None));
    assert_eq!(list.data[0].completed_at, Some(1_732_000_009));
    with_query.assert_calls(2);
    bare.assert_calls(1);
}

#[test]
fn get_modify_run() {
    let server = MockServer::start();
    let path = "/threads/thread_77aa/runs/run_done1";
    let get = Route::get(path).mock(&server, completed());
    let change = run_modify();
    let modify = Route::post(path, change.json).mock(&server, completed());
    let client = client(&server);

    let got = ok(&get, client.get_run("thread_77aa", "run_done1"));
    assert_eq!(got.status, RunResponseStatus::Completed);
    assert_eq!(got.usage.as_ref().unwrap().prompt_tokens, 812);
    assert_eq!(got.temperature, Some(0.2));
    assert_eq!(
        got.truncation_strategy.as_ref().unwrap().type_,
        TruncationObjectType::Auto
    );
    same_as_plain(
        ok(
            &get,
            client.get_run_with_response("thread_77aa", "run_done1"),
        ),
        &got,
    );

    let change = change.request;
    let modified = ok(
        &modify,
        client.modify_run("thread_77aa", "run_done1", &change),
    );
    assert_eq!(modified.id, "run_done1");
    same_as_plain(
        ok(
            &modify,
            client.modify_run_with_response("thread_77aa", "run_done1", &change),
        ),
        &modified,
    );
    get.assert_calls(2);
    modify.assert_calls(2);
}

#[test]
fn cancel_run_posts_without_a_body() {
    let server = MockServer::start();
    let mut cancelling = completed();
    cancelling["status"] = json!("cancelling");
    cancelling["completed_at"] = json!(null);
    let mock =
        Route::post_empty("/threads/thread_77aa/runs/run_done1/cancel").mock(&server, cancelling);
    let client = client(&server);
    let run = ok(&mock, client.cancel_run("thread_77aa", "run_done1"));
    assert_eq!(run.status, RunResponseStatus::Cancelling);
    assert_eq!(run.completed_at, None);
    same_as_plain(
        ok(
            &mock,
            client.cancel_run_with_response("thread_77aa", "run_done1"),
        ),
        &run,
    );
    mock.assert_calls(2);
}

#[test]
fn submit_tool_outputs_sends_each_output() {
    let server = MockServer::start();
    let mut in_progress = run();
    in_progress["status"] = json!("in_progress");
    in_progress["required_action"] = json!(null);
    let sent = submit_tool_outputs();
    let mock = Route::post(
        "/threads/thread_77aa/runs/run_Xq8p2mZ1/submit_tool_outputs",
        sent.json,
    )
    .mock(&server, in_progress);
    let request = sent.request;
    let client = client(&server);
    let run = ok(
        &mock,
        client.submit_tool_outputs("thread_77aa", "run_Xq8p2mZ1", &request),
    );
    assert_eq!(run.status, RunResponseStatus::InProgress);
    assert!(run.required_action.is_none());
    same_as_plain(
        ok(
            &mock,
            client.submit_tool_outputs_with_response("thread_77aa", "run_Xq8p2mZ1", &request),
        ),
        &run,
    );
    mock.assert_calls(2);
}

#[test]
fn iter_runs_walks_three_pages() {
    let server = MockServer::start();
    let pages = three_pages(
        &server,
        "/threads/thread_77aa/runs",
        "",
        &completed(),
        "run_",
    );
    let client = client(&server);
    let ids: Vec<String> = client
        .iter_runs("thread_77aa", None)
        .map(|r| r.map(|r| r.id))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids, five_ids("run_"));
    each_page_once(&pages);
}

#[test]
fn empty_ids_are_rejected_before_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    let create = RunCreateRequest::new("asst_1");
    let change = RunModifyRequest::default();
    let outputs = SubmitToolOutputsRequest::new([("call_1", "x")]);
    invalid_argument("thread_id", client.create_run("", &create));
    invalid_argument("thread_id", client.create_run_with_response(" ", &create));
    invalid_argument("thread_id", client.get_runs("", None));
    invalid_argument("thread_id", client.get_runs_with_response("", None));
    invalid_argument("thread_id", client.get_run("", "run_1"));
    invalid_argument("run_id", client.get_run("thread_1", ""));
    invalid_argument("run_id", client.get_run_with_response("thread_1", ""));
    invalid_argument("thread_id", client.modify_run("", "run_1", &change));
    invalid_argument("run_id", client.modify_run("thread_1", "", &change));
    invalid_argument(
        "run_id",
        client.modify_run_with_response("thread_1", "", &change),
    );
    invalid_argument("thread_id", client.cancel_run("", "run_1"));
    invalid_argument("run_id", client.cancel_run("thread_1", " "));
    invalid_argument("run_id", client.cancel_run_with_response("thread_1", ""));
    invalid_argument(
        "thread_id",
        client.submit_tool_outputs("", "run_1", &outputs),
    );
    invalid_argument(
        "run_id",
        client.submit_tool_outputs("thread_1", "", &outputs),
    );
    invalid_argument(
        "run_id",
        client.submit_tool_outputs_with_response("thread_1", "", &outputs),
    );
    invalid_argument("thread_id", client.iter_runs("", None).next().unwrap());
    any.assert_calls(0);
}

#[test]
fn ids_are_percent_encoded() {
    let server = MockServer::start();
    let base = format!("/threads/{ODD_ID_ENCODED}/runs");
    let one = format!("{base}/run%231");
    let create = Route::post(&base, json!({"assistant_id": "asst_1"})).mock(&server, completed());
    let list = Route::get(&base).mock(&server, page(vec![completed()], false));
    let get = Route::get(&one).mock(&server, completed());
    let modify = Route::post(&one, json!({})).mock(&server, completed());
    let cancel = Route::post_empty(format!("{one}/cancel")).mock(&server, completed());
    let submit = Route::post(
        format!("{one}/submit_tool_outputs"),
        json!({"tool_outputs": [{"tool_call_id": "c", "output": "o"}]}),
    )
    .mock(&server, completed());
    let client = client(&server);
    ok(
        &create,
        client.create_run(ODD_ID, &RunCreateRequest::new("asst_1")),
    );
    ok(&list, client.get_runs(ODD_ID, None));
    ok(&get, client.get_run(ODD_ID, "run#1"));
    ok(
        &modify,
        client.modify_run(ODD_ID, "run#1", &RunModifyRequest::default()),
    );
    ok(&cancel, client.cancel_run(ODD_ID, "run#1"));
    ok(
        &submit,
        client.submit_tool_outputs(
            ODD_ID,
            "run#1",
            &SubmitToolOutputsRequest::new([("c", "o")]),
        ),
    );
    for mock in [create, list, get, modify, cancel, submit] {
        mock.assert();
    }
}

#[test]
fn streaming_requests_are_refused_before_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    let run = RunCreateRequest {
        stream: Some(true),
        ..RunCreateRequest::new("asst_1")
    };
    invalid_argument("stream", client.create_run("thread_1", &run));
    invalid_argument("stream", client.create_run_with_response("thread_1", &run));
    let thread_and_run = RunThreadCreateRequest {
        stream: Some(true),
        ..RunThreadCreateRequest::new("asst_1")
    };
    invalid_argument("stream", client.create_thread_and_run(&thread_and_run));
    let outputs = SubmitToolOutputsRequest {
        stream: Some(true),
        tool_outputs: vec![],
    };
    invalid_argument(
        "stream",
        client.submit_tool_outputs("thread_1", "run_1", &outputs),
    );
    assert_eq!(any.calls(), 0);
}

#[test]
fn create_run_including_sends_include_in_the_query() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(httpmock::Method::POST)
            .path("/threads/thread_1/runs")
            .query_param(
                "include[]",
                "step_details.tool_calls[*].file_search.results[*].content",
            )
            .json_body(json!({"assistant_id": "asst_1"}));
        then.status(200).json_body(run());
    });
    let include = [RunStepInclude::StepDetailsToolCallsFileSearchResultsContent];
    let client = client(&server);
    let run = ok(
        &mock,
        client.create_run_including("thread_1", &RunCreateRequest::new("asst_1"), &include),
    );
    assert_eq!(run.object, RunResponseObject::ThreadRun);
    mock.assert();
}
