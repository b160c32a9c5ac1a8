//! `/threads/{id}/runs`: runs, their cancellation and tool outputs.

use crate::endpoint::{api_path, endpoints, list_iterators, refuse_stream};
use crate::query::{include_query, query_string};
use crate::transport::Request;
use crate::types::*;

endpoints! {
    /// Starts a run of an assistant on a thread (`POST /threads/{id}/runs`). The answer is
    /// the run as created: a request with `stream: Some(true)` is an `InvalidArgument`
    /// error, not sent.
    fn create_run / create_run_with_response(thread_id: &str, request: &RunCreateRequest) -> RunResponse {
        refuse_stream(request.stream, "create_run")?;
        Request::post(api_path!("/threads/{}/runs", thread_id)).json(request)?
    }
    /// Starts a run like [`create_run`](Self::create_run), asking for more details of its
    /// steps (`include[]`: the content of file search results) in what it reports.
    fn create_run_including / create_run_including_with_response(thread_id: &str, request: &RunCreateRequest, include: &[RunStepInclude]) -> RunResponse {
        refuse_stream(request.stream, "create_run_including")?;
        Request::post(api_path!("/threads/{}/runs", thread_id))
            .query_string(include_query(include))
            .json(request)?
    }
    /// One page of a thread's runs (`GET /threads/{id}/runs`).
    fn get_runs / get_runs_with_response(thread_id: &str, query: Option<&RunListQueryParameters>) -> RunListResponse {
        Request::get(api_path!("/threads/{}/runs", thread_id)).query_string(query_string(query))
    }
    /// A run by id (`GET /threads/{id}/runs/{id}`).
    fn get_run / get_run_with_response(thread_id: &str, run_id: &str) -> RunResponse {
        Request::get(api_path!("/threads/{}/runs/{}", thread_id, run_id))
    }
    /// Changes a run's metadata (`POST /threads/{id}/runs/{id}`).
    fn modify_run / modify_run_with_response(thread_id: &str, run_id: &str, request: &RunModifyRequest) -> RunResponse {
        Request::post(api_path!("/threads/{}/runs/{}", thread_id, run_id)).json(request)?
    }
    /// Asks the server to cancel a run (`POST /threads/{id}/runs/{id}/cancel`); it goes
    /// through `cancelling` to `cancelled`.
    fn cancel_run / cancel_run_with_response(thread_id: &str, run_id: &str) -> RunResponse {
        Request::post(api_path!("/threads/{}/runs/{}/cancel", thread_id, run_id))
    }
    /// Answers the tool calls of a run in `requires_action`
    /// (`POST /threads/{id}/runs/{id}/submit_tool_outputs`); the run then goes on.
    fn submit_tool_outputs / submit_tool_outputs_with_response(thread_id: &str, run_id: &str, request: &SubmitToolOutputsRequest) -> RunResponse {
        refuse_stream(request.stream, "submit_tool_outputs")?;
        Request::post(api_path!("/threads/{}/runs/{}/submit_tool_outputs", thread_id, run_id)).json(request)?
    }
}

list_iterators! {
    /// Every run of a thread, page after page, starting from `query`.
    fn iter_runs(thread_id: &'a str) -> RunResponse = get_runs(RunListQueryParameters)
}
