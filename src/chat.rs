//! `/chat/completions`: a model's reply to a list of messages.

use crate::endpoint::endpoints;
use crate::transport::Request;
use crate::*;

endpoints! {
    /// Asks a model for a reply (`POST /chat/completions`). The reply comes whole: a request
    /// with `stream: Some(true)` is an `InvalidArgument` error, not sent.
    fn create_completion / create_completion_with_response(request: &CompletionCreateRequest) -> CompletionResponse {
        if request.stream == Some(true) {
            return Err(Error::InvalidArgument {
                name: "stream",
                message: "create_completion returns one whole reply; leave `stream` unset".into(),
            });
        }
        Request::post("/chat/completions").json(request)?
    }
}
