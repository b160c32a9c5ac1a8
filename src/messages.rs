//! `/threads/{id}/messages`: a thread's messages.

use crate::endpoint::{api_path, endpoints, list_iterators};
use crate::query::query_string;
use crate::transport::Request;
use crate::types::*;

endpoints! {
    /// Adds a message to a thread (`POST /threads/{id}/messages`).
    fn create_thread_message / create_thread_message_with_response(thread_id: &str, request: &ThreadMessageCreateRequest) -> ThreadMessageResponse {
        Request::post(api_path!("/threads/{}/messages", thread_id)).json(request)?
    }
    /// One page of a thread's messages (`GET /threads/{id}/messages`), newest first unless
    /// the query says otherwise; `run_id` keeps only the messages a run created.
    fn get_thread_messages / get_thread_messages_with_response(thread_id: &str, query: Option<&ThreadMessageListQueryParameters>) -> ThreadMessageListResponse {
        Request::get(api_path!("/threads/{}/messages", thread_id)).query_string(query_string(query))
    }
    /// A message by id (`GET /threads/{id}/messages/{id}`).
    fn get_thread_message / get_thread_message_with_response(thread_id: &str, message_id: &str) -> ThreadMessageResponse {
        Request::get(api_path!("/threads/{}/messages/{}", thread_id, message_id))
    }
    /// Changes a message's metadata (`POST /threads/{id}/messages/{id}`).
    fn modify_thread_message / modify_thread_message_with_response(thread_id: &str, message_id: &str, request: &ThreadMessageModifyRequest) -> ThreadMessageResponse {
        Request::post(api_path!("/threads/{}/messages/{}", thread_id, message_id)).json(request)?
    }
    /// Deletes a message (`DELETE /threads/{id}/messages/{id}`).
    fn delete_thread_message / delete_thread_message_with_response(thread_id: &str, message_id: &str) -> DeleteStatusResponse {
        Request::delete(api_path!("/threads/{}/messages/{}", thread_id, message_id))
    }
}

list_iterators! {
    /// Every message of a thread, page after page, starting from `query`.
    fn iter_thread_messages(thread_id: &'a str) -> ThreadMessageResponse = get_thread_messages(ThreadMessageListQueryParameters)
}
