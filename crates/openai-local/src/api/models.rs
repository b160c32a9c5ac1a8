//! `/models`: the model names the engine lists. Every endpoint accepts any model name; these
//! are the ones a client discovering models sees.

use openai_blocking::types::*;

use super::super::http::{Ctx, Failure, Reply};

/// The models listed, with what they are for.
pub(super) const MODELS: [&str; 13] = [
    "gpt-4o-mini",
    "gpt-4o",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-5",
    "gpt-5-mini",
    "o4-mini",
    "text-embedding-3-small",
    "text-embedding-3-large",
    "text-embedding-ada-002",
    "omni-moderation-latest",
    "text-moderation-latest",
];

/// The `created` time of every listed model (a fixed moment, so lists compare equal).
const CREATED: i64 = 1_704_067_200;

fn model(id: &str) -> ModelResponse {
    ModelResponse {
        extra: Default::default(),
        created: CREATED,
        id: id.to_string(),
        object: ModelResponseObject::Model,
        owned_by: "openai-local".into(),
        shutdown_date: None,
    }
}

pub(super) fn list(_ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    Reply::json(&ModelListResponse {
        extra: Default::default(),
        data: MODELS.iter().map(|m| model(m)).collect(),
        object: ModelListResponseObject::List,
    })
}

pub(super) fn get(_ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    if !MODELS.contains(&id) {
        return Err(Failure::new(
            404,
            format!("The model '{id}' does not exist or you do not have access to it."),
        )
        .code("model_not_found"));
    }
    Reply::json(&model(id))
}
