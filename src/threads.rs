//! `/threads`: create, read, modify and delete threads, and create-and-run.

use crate::endpoint::{api_path, endpoints, refuse_stream};
use crate::transport::Request;
use crate::types::*;

endpoints! {
    /// Creates a thread, optionally with first messages (`POST /threads`).
    fn create_thread / create_thread_with_response(request: &ThreadCreateRequest) -> ThreadResponse {
        Request::post("/threads").json(request)?
    }
    /// A thread by id (`GET /threads/{id}`).
    fn get_thread / get_thread_with_response(thread_id: &str) -> ThreadResponse {
        Request::get(api_path!("/threads/{}", thread_id))
    }
    /// Changes a thread's metadata or tool resources (`POST /threads/{id}`).
    fn modify_thread / modify_thread_with_response(thread_id: &str, request: &ThreadModifyRequest) -> ThreadResponse {
        Request::post(api_path!("/threads/{}", thread_id)).json(request)?
    }
    /// Deletes a thread (`DELETE /threads/{id}`).
    fn delete_thread / delete_thread_with_response(thread_id: &str) -> DeleteStatusResponse {
        Request::delete(api_path!("/threads/{}", thread_id))
    }
    /// Creates a thread and starts a run on it in one call (`POST /threads/runs`).
    fn create_thread_and_run / create_thread_and_run_with_response(request: &RunThreadCreateRequest) -> RunResponse {
        refuse_stream(request.stream, "create_thread_and_run")?;
        Request::post("/threads/runs").json(request)?
    }
}
