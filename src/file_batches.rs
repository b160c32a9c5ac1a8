//! `/vector_stores/{id}/file_batches`: attaching several files to a vector store at once.

use crate::endpoint::{api_path, endpoints, list_iterators};
use crate::query::query_string;
use crate::transport::Request;
use crate::types::*;

endpoints! {
    /// Attaches several uploaded files to a vector store as one batch
    /// (`POST /vector_stores/{id}/file_batches`).
    fn create_vector_store_file_batch / create_vector_store_file_batch_with_response(vector_store_id: &str, request: &VectorStoreFileBatchCreateRequest) -> VectorStoreFileBatchResponse {
        Request::post(api_path!("/vector_stores/{}/file_batches", vector_store_id)).json(request)?
    }
    /// A file batch by id, with its file counts (`GET /vector_stores/{id}/file_batches/{id}`).
    fn get_vector_store_file_batch / get_vector_store_file_batch_with_response(vector_store_id: &str, batch_id: &str) -> VectorStoreFileBatchResponse {
        Request::get(api_path!("/vector_stores/{}/file_batches/{}", vector_store_id, batch_id))
    }
    /// Cancels the files of a batch not yet indexed
    /// (`POST /vector_stores/{id}/file_batches/{id}/cancel`).
    fn cancel_vector_store_file_batch / cancel_vector_store_file_batch_with_response(vector_store_id: &str, batch_id: &str) -> VectorStoreFileBatchResponse {
        Request::post(api_path!("/vector_stores/{}/file_batches/{}/cancel", vector_store_id, batch_id))
    }
    /// One page of a batch's files (`GET /vector_stores/{id}/file_batches/{id}/files`).
    fn get_vector_store_file_batch_files / get_vector_store_file_batch_files_with_response(vector_store_id: &str, batch_id: &str, query: Option<&VectorStoreFileBatchFileListQueryParameters>) -> VectorStoreFileListResponse {
        Request::get(api_path!("/vector_stores/{}/file_batches/{}/files", vector_store_id, batch_id)).query_string(query_string(query))
    }
}

list_iterators! {
    /// Every file of a batch, page after page, starting from `query`.
    fn iter_vector_store_file_batch_files(vector_store_id: &'a str, batch_id: &'a str) -> VectorStoreFileResponse = get_vector_store_file_batch_files(VectorStoreFileBatchFileListQueryParameters)
}
