//! `/threads/{id}/runs/{id}/steps`: what a run did, step by step.

use crate::endpoint::{api_path, endpoints, list_iterators};
use crate::query::{include_query, query_string};
use crate::transport::Request;
use crate::types::*;

endpoints! {
    /// One page of a run's steps (`GET /threads/{id}/runs/{id}/steps`); `include` can ask for
    /// the content of file search results.
    fn get_run_steps / get_run_steps_with_response(thread_id: &str, run_id: &str, query: Option<&RunStepListQueryParameters>) -> RunStepListResponse {
        Request::get(api_path!("/threads/{}/runs/{}/steps", thread_id, run_id)).query_string(query_string(query))
    }
    /// A run step by id (`GET /threads/{id}/runs/{id}/steps/{id}`).
    fn get_run_step / get_run_step_with_response(thread_id: &str, run_id: &str, step_id: &str) -> RunStepResponse {
        Request::get(api_path!("/threads/{}/runs/{}/steps/{}", thread_id, run_id, step_id))
    }
    /// A run step by id, with more of its details (`include[]`: the content of its file
    /// search results).
    fn get_run_step_including / get_run_step_including_with_response(thread_id: &str, run_id: &str, step_id: &str, include: &[RunStepInclude]) -> RunStepResponse {
        Request::get(api_path!("/threads/{}/runs/{}/steps/{}", thread_id, run_id, step_id))
            .query_string(include_query(include))
    }
}

list_iterators! {
    /// Every step of a run, page after page, starting from `query`.
    fn iter_run_steps(thread_id: &'a str, run_id: &'a str) -> RunStepResponse = get_run_steps(RunStepListQueryParameters)
}
