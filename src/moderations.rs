//! `/moderations`: whether texts or images break the usage policies.

use crate::endpoint::endpoints;
use crate::transport::Request;
use crate::types::*;

endpoints! {
    /// Classifies the input against the usage policies (`POST /moderations`).
    fn create_moderation / create_moderation_with_response(request: &ModerationCreateRequest) -> ModerationResponse {
        Request::post("/moderations").json(request)?
    }
}
