//! `/conversations`: conversations and their items.

use crate::endpoint::{api_path, endpoints, list_iterators};
use crate::query::query_string;
use crate::transport::Request;
use crate::types::*;
use crate::*;

/// The most items one call may add to a conversation.
const MAX_ITEMS_PER_CALL: usize = 20;

endpoints! {
    /// Creates a conversation, optionally with its first items (`POST /conversations`).
    fn create_conversation / create_conversation_with_response(request: &ConversationCreateRequest) -> ConversationResponse {
        check_items(request.items.as_deref().unwrap_or_default())?;
        Request::post("/conversations").json(request)?
    }
    /// A conversation by id (`GET /conversations/{id}`).
    fn get_conversation / get_conversation_with_response(conversation_id: &str) -> ConversationResponse {
        Request::get(api_path!("/conversations/{}", conversation_id))
    }
    /// Changes a conversation's metadata (`POST /conversations/{id}`).
    fn modify_conversation / modify_conversation_with_response(conversation_id: &str, request: &ConversationModifyRequest) -> ConversationResponse {
        Request::post(api_path!("/conversations/{}", conversation_id)).json(request)?
    }
    /// Deletes a conversation; its items go with it (`DELETE /conversations/{id}`).
    fn delete_conversation / delete_conversation_with_response(conversation_id: &str) -> DeleteStatusResponse {
        Request::delete(api_path!("/conversations/{}", conversation_id))
    }
    /// Adds up to 20 items to a conversation (`POST /conversations/{id}/items`); more is an
    /// `InvalidArgument` error, not sent.
    fn create_conversation_items / create_conversation_items_with_response(conversation_id: &str, request: &ConversationItemCreateRequest, query: Option<&ConversationItemCreateQueryParameters>) -> ConversationItemList {
        check_items(&request.items)?;
        Request::post(api_path!("/conversations/{}/items", conversation_id))
            .query_string(query_string(query))
            .json(request)?
    }
    /// One page of a conversation's items (`GET /conversations/{id}/items`).
    fn get_conversation_items / get_conversation_items_with_response(conversation_id: &str, query: Option<&ConversationItemListQueryParameters>) -> ConversationItemList {
        Request::get(api_path!("/conversations/{}/items", conversation_id)).query_string(query_string(query))
    }
    /// An item of a conversation (`GET /conversations/{id}/items/{id}`).
    fn get_conversation_item / get_conversation_item_with_response(conversation_id: &str, item_id: &str, query: Option<&ConversationItemGetQueryParameters>) -> ConversationItem {
        Request::get(api_path!("/conversations/{}/items/{}", conversation_id, item_id)).query_string(query_string(query))
    }
    /// Deletes an item of a conversation; the answer is the conversation
    /// (`DELETE /conversations/{id}/items/{id}`).
    fn delete_conversation_item / delete_conversation_item_with_response(conversation_id: &str, item_id: &str) -> ConversationResponse {
        Request::delete(api_path!("/conversations/{}/items/{}", conversation_id, item_id))
    }
}

list_iterators! {
    /// Every item of a conversation, page after page, starting from `query`.
    fn iter_conversation_items(conversation_id: &'a str) -> ConversationItem = get_conversation_items(ConversationItemListQueryParameters)
}

/// The API takes at most 20 items a call.
fn check_items(items: &[InputItem]) -> Result<(), Error> {
    if items.len() > MAX_ITEMS_PER_CALL {
        return Err(Error::InvalidArgument {
            name: "items",
            message: format!(
                "{} items: the API takes at most {MAX_ITEMS_PER_CALL} a call",
                items.len()
            ),
        });
    }
    Ok(())
}
