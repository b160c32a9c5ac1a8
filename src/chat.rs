//! `/chat/completions`: a model's reply to a list of messages.

use crate::endpoint::{endpoints, refuse_stream};
use crate::transport::Request;
use crate::types::*;

endpoints! {
    /// Asks a model for a reply (`POST /chat/completions`). The reply comes whole: a request
    /// with `stream: Some(true)` is an `InvalidArgument` error, not sent.
    fn create_completion / create_completion_with_response(request: &CompletionCreateRequest) -> CompletionResponse {
        refuse_stream(request.stream, "create_completion")?;
        Request::post("/chat/completions").json(request)?
    }
}
