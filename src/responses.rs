//! `/responses`: create, read, delete and cancel responses, their input items, token counts
//! and compaction.

use crate::endpoint::{api_path, endpoints, list_iterators, refuse_stream};
use crate::query::query_string;
use crate::transport::Request;
use crate::types::*;
use crate::*;

endpoints! {
    /// Asks a model for a response (`POST /responses`). The answer comes whole (or, with
    /// `background: true`, as a queued response to wait for): a request with
    /// `stream: Some(true)` is an `InvalidArgument` error, not sent; see
    /// [`create_response_stream`](Self::create_response_stream).
    fn create_response / create_response_with_response(request: &ResponseCreateRequest) -> ResponseObject {
        refuse_stream(request.stream, "create_response")?;
        Request::post("/responses").json(request)?
    }
    /// A response by id (`GET /responses/{id}`); `include` can ask for more of its output.
    /// A query with `stream: Some(true)` is refused; see
    /// [`resume_response_stream`](Self::resume_response_stream).
    fn get_response / get_response_with_response(response_id: &str, query: Option<&ResponseGetQueryParameters>) -> ResponseObject {
        refuse_stream(query.and_then(|q| q.stream), "get_response")?;
        Request::get(api_path!("/responses/{}", response_id)).query_string(query_string(query))
    }
    /// Cancels a background response (`POST /responses/{id}/cancel`).
    fn cancel_response / cancel_response_with_response(response_id: &str) -> ResponseObject {
        Request::post(api_path!("/responses/{}/cancel", response_id))
    }
    /// One page of the items a response was given as input (`GET /responses/{id}/input_items`).
    fn get_response_input_items / get_response_input_items_with_response(response_id: &str, query: Option<&ResponseInputItemListQueryParameters>) -> ResponseInputItemList {
        Request::get(api_path!("/responses/{}/input_items", response_id)).query_string(query_string(query))
    }
    /// How many input tokens a request would use (`POST /responses/input_tokens`).
    fn get_response_input_tokens / get_response_input_tokens_with_response(request: &ResponseInputTokensRequest) -> ResponseInputTokens {
        Request::post("/responses/input_tokens").json(request)?
    }
    /// Compacts a conversation's context into fewer items (`POST /responses/compact`).
    fn compact_response / compact_response_with_response(request: &ResponseCompactRequest) -> ResponseCompaction {
        Request::post("/responses/compact").json(request)?
    }
}

list_iterators! {
    /// Every input item of a response, page after page, starting from `query`.
    fn iter_response_input_items(response_id: &'a str) -> ItemResource = get_response_input_items(ResponseInputItemListQueryParameters)
}

impl OpenAIClient {
    /// Deletes a stored response (`DELETE /responses/{id}`).
    pub fn delete_response(&self, response_id: &str) -> Result<(), Error> {
        self.delete_response_with_response(response_id).map(drop)
    }

    /// [`delete_response`](Self::delete_response), with the response's status, headers,
    /// request id and rate limits (the API answers with no body, or one the SDK does not read).
    pub fn delete_response_with_response(
        &self,
        response_id: &str,
    ) -> Result<ApiResponse<()>, Error> {
        let request = Request::delete(api_path!("/responses/{}", response_id));
        let answer = self.send_for_bytes(request)?;
        Ok(answer.map(|_| ()))
    }
}
