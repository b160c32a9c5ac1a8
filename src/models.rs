//! `/models`: the models the key can use.

use crate::endpoint::{api_path, endpoints};
use crate::transport::Request;
use crate::types::*;

endpoints! {
    /// The models available (`GET /models`).
    fn get_models / get_models_with_response() -> ModelListResponse {
        Request::get("/models")
    }
    /// A model by id (`GET /models/{id}`).
    fn get_model / get_model_with_response(model: &str) -> ModelResponse {
        Request::get(api_path!("/models/{}", model))
    }
}
