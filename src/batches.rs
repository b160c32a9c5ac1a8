//! `/batches`: run a file of requests on OpenAI's side within a completion window, at a lower
//! price. The JSONL files themselves are written and read by [`crate::batch`].

use crate::endpoint::{api_path, endpoints, list_iterators};
use crate::query::query_string;
use crate::transport::Request;
use crate::types::*;

endpoints! {
    /// Starts a batch over an uploaded JSONL file of requests (`POST /batches`); see
    /// [`BatchWriter`](crate::BatchWriter) for writing and uploading that file.
    fn create_batch / create_batch_with_response(request: &BatchCreateRequest) -> BatchResponse {
        Request::post("/batches").json(request)?
    }
    /// A batch by id (`GET /batches/{id}`): its status and request counts.
    fn get_batch / get_batch_with_response(batch_id: &str) -> BatchResponse {
        Request::get(api_path!("/batches/{}", batch_id))
    }
    /// One page of the organization's batches, newest first (`GET /batches`).
    fn get_batches / get_batches_with_response(query: Option<&BatchListQueryParameters>) -> BatchListResponse {
        Request::get("/batches").query_string(query_string(query))
    }
    /// Cancels a batch (`POST /batches/{id}/cancel`): it goes through `cancelling` to
    /// `cancelled`, and the requests already done keep their results.
    fn cancel_batch / cancel_batch_with_response(batch_id: &str) -> BatchResponse {
        Request::post(api_path!("/batches/{}/cancel", batch_id))
    }
}

list_iterators! {
    /// Every batch, page after page, starting from `query`.
    fn iter_batches() -> BatchResponse = get_batches(BatchListQueryParameters)
}

impl BatchCreateRequest {
    /// A batch of the requests in the uploaded file `input_file_id`, all to `endpoint`, to be
    /// done within 24 hours.
    pub fn new(input_file_id: impl Into<String>, endpoint: BatchCreateRequestEndpoint) -> Self {
        BatchCreateRequest {
            completion_window: BatchCreateRequestCompletionWindow::X24h,
            endpoint,
            input_file_id: input_file_id.into(),
            metadata: None,
            output_expires_after: None,
        }
    }
}
