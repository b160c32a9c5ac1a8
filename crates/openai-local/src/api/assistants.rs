//! `/assistants`.

use std::time::Instant;

use openai_blocking::types::*;

use super::super::http::{Ctx, Failure, Reply};
use super::super::page::paginate;
use super::super::store::{metadata_or_empty, unix_now, Assistant, Store};
use super::resources::{self, Resources};
use super::{check_metadata, check_tools, deleted};

fn find<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut Assistant, Failure> {
    store
        .assistants
        .get_mut(id)
        .ok_or_else(|| Failure::not_found("assistant", id))
}

pub(super) fn list(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let q: AssistantListQueryParameters = ctx.query()?;
    let params = ctx.list_params(
        q.limit,
        q.order.as_ref(),
        q.after.as_deref(),
        q.before.as_deref(),
        (20, 100),
    )?;
    let store = ctx.engine.lock();
    let page = paginate(
        store.assistants.values().map(|a| (a.seq, a.resp.clone())),
        |a| &a.id,
        &params,
    );
    Reply::json(&AssistantListResponse {
        data: page.data,
        first_id: page.first_id,
        has_more: page.has_more,
        last_id: page.last_id,
        object: "list".into(),
    })
}

pub(super) fn create(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let r: AssistantCreateRequest = ctx.json()?;
    check_tools(&r.tools, "tools")?;
    check_metadata(r.metadata.as_ref(), "metadata")?;
    if r.model.trim().is_empty() {
        return Err(Failure::invalid("'model' must not be empty.").param("model"));
    }
    let mut store = ctx.engine.lock();
    let res = resources::resolve(
        &mut store,
        r.tool_resources.as_ref(),
        "tool_resources",
        Instant::now(),
    )?;
    let (id, seq) = store.ids.issue("asst_");
    let resp = AssistantResponse {
        created_at: unix_now(),
        description: r.description,
        id: id.clone(),
        instructions: r.instructions,
        metadata: metadata_or_empty(r.metadata),
        model: r.model,
        name: r.name,
        object: AssistantResponseObject::Assistant,
        response_format: Some(r.response_format.unwrap_or(
            AssistantsApiResponseFormatOption::String(
                AssistantsApiResponseFormatOptionString::Auto,
            ),
        )),
        temperature: Some(r.temperature.unwrap_or(1.0)),
        tool_resources: res.to_response(),
        tools: r.tools,
        top_p: Some(r.top_p.unwrap_or(1.0)),
    };
    store.assistants.insert(
        id,
        Assistant {
            seq,
            resp: resp.clone(),
        },
    );
    Reply::json(&resp)
}

pub(super) fn get(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let mut store = ctx.engine.lock();
    Reply::json(&find(&mut store, id)?.resp)
}

pub(super) fn modify(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let r: AssistantModifyRequest = ctx.json()?;
    check_tools(r.tools.as_deref().unwrap_or_default(), "tools")?;
    check_metadata(r.metadata.as_ref(), "metadata")?;
    let mut store = ctx.engine.lock();
    find(&mut store, id)?;
    let newer = resources::resolve(
        &mut store,
        r.tool_resources.as_ref(),
        "tool_resources",
        Instant::now(),
    )?;
    let a = &mut find(&mut store, id)?.resp;
    let merged = Resources::from_response(a.tool_resources.as_ref()).merged(newer);
    a.tool_resources = merged.to_response();
    if let Some(v) = r.description {
        a.description = Some(v);
    }
    if let Some(v) = r.instructions {
        a.instructions = Some(v);
    }
    if let Some(v) = r.metadata {
        a.metadata = Some(v);
    }
    if let Some(v) = r.model {
        a.model = v;
    }
    if let Some(v) = r.name {
        a.name = Some(v);
    }
    if let Some(v) = r.response_format {
        a.response_format = Some(v);
    }
    if let Some(v) = r.temperature {
        a.temperature = Some(v);
    }
    if let Some(v) = r.top_p {
        a.top_p = Some(v);
    }
    // `"tools": []` clears them; null or absent leaves them.
    if let Some(tools) = r.tools {
        a.tools = tools;
    }
    Reply::json(&*a)
}

pub(super) fn delete(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let mut store = ctx.engine.lock();
    store
        .assistants
        .remove(id)
        .ok_or_else(|| Failure::not_found("assistant", id))?;
    deleted(id, "assistant.deleted")
}
