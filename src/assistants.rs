//! `/assistants`: create, read, list, modify and delete assistants.

use crate::endpoint::{api_path, endpoints, list_iterators};
use crate::query::query_string;
use crate::transport::Request;
use crate::types::*;

endpoints! {
    /// Creates an assistant (`POST /assistants`).
    fn create_assistant / create_assistant_with_response(request: &AssistantCreateRequest) -> AssistantResponse {
        Request::post("/assistants").json(request)?
    }
    /// One page of assistants (`GET /assistants`); `None` takes the server's defaults.
    fn get_assistants / get_assistants_with_response(query: Option<&AssistantListQueryParameters>) -> AssistantListResponse {
        Request::get("/assistants").query_string(query_string(query))
    }
    /// An assistant by id (`GET /assistants/{id}`).
    fn get_assistant / get_assistant_with_response(assistant_id: &str) -> AssistantResponse {
        Request::get(api_path!("/assistants/{}", assistant_id))
    }
    /// Changes an assistant (`POST /assistants/{id}`).
    fn modify_assistant / modify_assistant_with_response(assistant_id: &str, request: &AssistantModifyRequest) -> AssistantResponse {
        Request::post(api_path!("/assistants/{}", assistant_id)).json(request)?
    }
    /// Deletes an assistant (`DELETE /assistants/{id}`).
    fn delete_assistant / delete_assistant_with_response(assistant_id: &str) -> DeleteStatusResponse {
        Request::delete(api_path!("/assistants/{}", assistant_id))
    }
}

list_iterators! {
    /// Every assistant, page after page, starting from `query`.
    fn iter_assistants() -> AssistantResponse = get_assistants(AssistantListQueryParameters)
}
