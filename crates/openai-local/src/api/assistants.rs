//! `/assistants`.

use openai_blocking::types::*;

use super::super::http::{Ctx, Failure, Reply};
use super::super::page::paginate;
use super::super::store::{metadata_or_empty, set_metadata, Assistant, Store};
use super::indexing::Jobs;
use super::resources::{self, Requested, Resources};
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
    let page = ctx.with_store(|store| {
        let items = store.assistants.values().map(|a| (a.seq, &a.resp));
        paginate(items, |a| &a.id, &params).map(Clone::clone)
    });
    Reply::json(&AssistantListResponse {
        extra: Default::default(),
        data: page.data,
        first_id: page.first_id,
        has_more: page.has_more,
        last_id: page.last_id,
        object: "list".into(),
    })
}

pub(super) fn create(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let r: AssistantCreateRequest = ctx.json()?;
    check_tools(r.tools.as_deref().unwrap_or_default(), "tools")?;
    check_metadata(r.metadata.as_ref(), "metadata")?;
    if r.model.trim().is_empty() {
        return Err(Failure::invalid("'model' must not be empty.").param("model"));
    }
    let requested = resources::parse(r.tool_resources.as_ref(), "tool_resources")?;
    let mut jobs = Jobs::default();
    ctx.with_store(|store| requested.check(store, &mut jobs))?;
    let indexes = jobs.run(ctx);
    let now = ctx.now();
    let resp = ctx.with_store(|store| {
        requested.check(store, &mut Jobs::default())?;
        let res = requested.apply(store, &indexes, now);
        let (id, seq) = store.ids.issue("asst_");
        let resp = AssistantResponse {
            extra: Default::default(),
            created_at: now.unix,
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
            tools: r.tools.unwrap_or_default(),
            top_p: Some(r.top_p.unwrap_or(1.0)),
        };
        store.assistants.insert(
            id,
            Assistant {
                seq,
                resp: resp.clone(),
            },
        );
        Ok::<_, Failure>(resp)
    })?;
    Reply::json(&resp)
}

pub(super) fn get(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let resp = ctx.with_store(|store| find(store, id).map(|a| a.resp.clone()))?;
    Reply::json(&resp)
}

pub(super) fn modify(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let r: AssistantModifyRequest = ctx.json()?;
    check_tools(r.tools.as_deref().unwrap_or_default(), "tools")?;
    check_metadata(r.metadata.as_set(), "metadata")?;
    let requested = resources::parse(r.tool_resources.as_set(), "tool_resources")?;
    let check = |store: &mut Store, requested: &Requested, jobs: &mut Jobs| {
        find(store, id)?;
        requested.check(store, jobs)
    };
    let mut jobs = Jobs::default();
    ctx.with_store(|store| check(store, &requested, &mut jobs))?;
    let indexes = jobs.run(ctx);
    let now = ctx.now();
    let resp = ctx.with_store(|store| {
        check(store, &requested, &mut Jobs::default())?;
        let newer = requested.apply(store, &indexes, now);
        // Found: checked above, under the same lock.
        let a = &mut find(store, id)?.resp;
        let current = match r.tool_resources {
            // `null` removes every resource; a new value is merged into the current ones.
            Patch::Clear => Resources::default(),
            _ => Resources::from_response(a.tool_resources.as_ref()),
        };
        a.tool_resources = current.merged(newer).to_response();
        r.description.apply_to(&mut a.description);
        r.instructions.apply_to(&mut a.instructions);
        r.name.apply_to(&mut a.name);
        if let Some(v) = r.model {
            a.model = v;
        }
        // Cleared settings go back to the API's defaults.
        set_metadata(&mut a.metadata, r.metadata);
        let auto = AssistantsApiResponseFormatOption::String(
            AssistantsApiResponseFormatOptionString::Auto,
        );
        a.response_format = match r.response_format {
            Patch::Keep => a.response_format.take(),
            Patch::Clear => Some(auto),
            Patch::Set(v) => Some(v),
        };
        for (patch, value) in [(r.temperature, &mut a.temperature), (r.top_p, &mut a.top_p)] {
            match patch {
                Patch::Keep => {}
                Patch::Clear => *value = Some(1.0),
                Patch::Set(v) => *value = Some(v),
            }
        }
        // `"tools": []` clears them; null or absent leaves them.
        if let Some(tools) = r.tools {
            a.tools = tools;
        }
        Ok::<_, Failure>(a.clone())
    })?;
    Reply::json(&resp)
}

pub(super) fn delete(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    ctx.with_store(|store| {
        store
            .assistants
            .remove(id)
            .map(drop)
            .ok_or_else(|| Failure::not_found("assistant", id))
    })?;
    deleted(id, "assistant.deleted")
}
