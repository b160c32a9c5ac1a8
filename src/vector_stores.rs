//! `/vector_stores`: vector stores and their search.

use crate::endpoint::{api_path, endpoints, list_iterators};
use crate::query::query_string;
use crate::transport::Request;
use crate::types::*;

endpoints! {
    /// Creates a vector store, optionally filled with uploaded files (`POST /vector_stores`).
    fn create_vector_store / create_vector_store_with_response(request: &VectorStoreCreateRequest) -> VectorStoreResponse {
        Request::post("/vector_stores").json(request)?
    }
    /// One page of vector stores (`GET /vector_stores`).
    fn get_vector_stores / get_vector_stores_with_response(query: Option<&VectorStoreListQueryParameters>) -> VectorStoreListResponse {
        Request::get("/vector_stores").query_string(query_string(query))
    }
    /// A vector store by id (`GET /vector_stores/{id}`).
    fn get_vector_store / get_vector_store_with_response(vector_store_id: &str) -> VectorStoreResponse {
        Request::get(api_path!("/vector_stores/{}", vector_store_id))
    }
    /// Renames, re-expires or tags a vector store (`POST /vector_stores/{id}`).
    fn modify_vector_store / modify_vector_store_with_response(vector_store_id: &str, request: &VectorStoreModifyRequest) -> VectorStoreResponse {
        Request::post(api_path!("/vector_stores/{}", vector_store_id)).json(request)?
    }
    /// Deletes a vector store; its files stay uploaded (`DELETE /vector_stores/{id}`).
    fn delete_vector_store / delete_vector_store_with_response(vector_store_id: &str) -> DeleteStatusResponse {
        Request::delete(api_path!("/vector_stores/{}", vector_store_id))
    }
    /// Searches a vector store for passages relevant to a query
    /// (`POST /vector_stores/{id}/search`).
    fn search_vector_store / search_vector_store_with_response(vector_store_id: &str, request: &VectorStoreSearchRequest) -> VectorStoreSearchResponse {
        Request::post(api_path!("/vector_stores/{}/search", vector_store_id)).json(request)?
    }
}

list_iterators! {
    /// Every vector store, page after page, starting from `query`.
    fn iter_vector_stores() -> VectorStoreResponse = get_vector_stores(VectorStoreListQueryParameters)
}
