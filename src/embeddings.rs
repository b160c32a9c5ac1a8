//! `/embeddings`: vectors for texts.

use crate::endpoint::endpoints;
use crate::transport::Request;
use crate::types::*;

endpoints! {
    /// Embedding vectors for the input texts or tokens (`POST /embeddings`).
    fn create_embedding / create_embedding_with_response(request: &EmbeddingCreateRequest) -> EmbeddingResponse {
        Request::post("/embeddings").json(request)?
    }
}
