//! `/vector_stores/{id}/files`: files attached to a vector store.

use crate::endpoint::{api_path, endpoints, list_iterators};
use crate::query::query_string;
use crate::transport::Request;
use crate::types::*;

endpoints! {
    /// Attaches an uploaded file to a vector store, which then indexes it
    /// (`POST /vector_stores/{id}/files`).
    fn create_vector_store_file / create_vector_store_file_with_response(vector_store_id: &str, request: &VectorStoreFileCreateRequest) -> VectorStoreFileResponse {
        Request::post(api_path!("/vector_stores/{}/files", vector_store_id)).json(request)?
    }
    /// One page of a vector store's files (`GET /vector_stores/{id}/files`).
    fn get_vector_store_files / get_vector_store_files_with_response(vector_store_id: &str, query: Option<&VectorStoreFileListQueryParameters>) -> VectorStoreFileListResponse {
        Request::get(api_path!("/vector_stores/{}/files", vector_store_id)).query_string(query_string(query))
    }
    /// A vector store's file by id, with its indexing status
    /// (`GET /vector_stores/{id}/files/{id}`).
    fn get_vector_store_file / get_vector_store_file_with_response(vector_store_id: &str, file_id: &str) -> VectorStoreFileResponse {
        Request::get(api_path!("/vector_stores/{}/files/{}", vector_store_id, file_id))
    }
    /// Changes a vector store file's attributes (`POST /vector_stores/{id}/files/{id}`).
    fn modify_vector_store_file / modify_vector_store_file_with_response(vector_store_id: &str, file_id: &str, request: &VectorStoreFileModifyRequest) -> VectorStoreFileResponse {
        Request::post(api_path!("/vector_stores/{}/files/{}", vector_store_id, file_id)).json(request)?
    }
    /// Detaches a file from a vector store; the file stays uploaded
    /// (`DELETE /vector_stores/{id}/files/{id}`).
    fn delete_vector_store_file / delete_vector_store_file_with_response(vector_store_id: &str, file_id: &str) -> DeleteStatusResponse {
        Request::delete(api_path!("/vector_stores/{}/files/{}", vector_store_id, file_id))
    }
}

list_iterators! {
    /// Every file of a vector store, page after page, starting from `query`.
    fn iter_vector_store_files(vector_store_id: &'a str) -> VectorStoreFileResponse = get_vector_store_files(VectorStoreFileListQueryParameters)
}
