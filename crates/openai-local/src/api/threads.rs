//! `/threads`.

use std::time::Instant;

use openai_blocking::types::*;

use super::super::http::{Ctx, Failure, Reply};
use super::super::store::{metadata_or_empty, unix_now, Store, Thread};
use super::resources::{self, Resources};
use super::{check_metadata, deleted, messages};

/// Creates a thread with its first messages; nothing is created when a message is invalid.
pub(super) fn new_thread(
    store: &mut Store,
    r: ThreadCreateRequest,
    now: Instant,
) -> Result<String, Failure> {
    check_metadata(r.metadata.as_ref(), "metadata")?;
    let mut prepared = Vec::new();
    for (i, m) in r.messages.into_iter().enumerate() {
        prepared.push(messages::prepare(store, m, &format!("messages[{i}]"))?);
    }
    let res = resources::resolve(store, r.tool_resources.as_ref(), "tool_resources", now)?;
    let id = store.ids.issue("thread_").0;
    let resp = ThreadResponse {
        created_at: unix_now(),
        id: id.clone(),
        metadata: metadata_or_empty(r.metadata),
        object: ThreadResponseObject::Thread,
        tool_resources: Some(res.to_response().unwrap_or_default()),
    };
    store.threads.insert(
        id.clone(),
        Thread {
            resp,
            messages: Vec::new(),
            runs: Vec::new(),
        },
    );
    for m in prepared {
        messages::insert(store, &id, m, now);
    }
    Ok(id)
}

pub(super) fn create(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    // An empty body is a thread with nothing in it.
    let r: ThreadCreateRequest = ctx.json_or_default()?;
    let mut store = ctx.engine.lock();
    let id = new_thread(&mut store, r, Instant::now())?;
    Reply::json(&store.threads[&id].resp)
}

pub(super) fn get(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let store = ctx.engine.lock();
    let t = store
        .threads
        .get(id)
        .ok_or_else(|| Failure::not_found("thread", id))?;
    Reply::json(&t.resp)
}

pub(super) fn modify(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let r: ThreadModifyRequest = ctx.json()?;
    check_metadata(r.metadata.as_ref(), "metadata")?;
    let mut store = ctx.engine.lock();
    if !store.threads.contains_key(id) {
        return Err(Failure::not_found("thread", id));
    }
    let newer = resources::resolve(
        &mut store,
        r.tool_resources.as_ref(),
        "tool_resources",
        Instant::now(),
    )?;
    let t = store
        .threads
        .get_mut(id)
        .ok_or_else(|| Failure::not_found("thread", id))?;
    let merged = Resources::from_response(t.resp.tool_resources.as_ref()).merged(newer);
    t.resp.tool_resources = Some(merged.to_response().unwrap_or_default());
    if let Some(m) = r.metadata {
        t.resp.metadata = Some(m);
    }
    Reply::json(&t.resp)
}

pub(super) fn delete(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let mut store = ctx.engine.lock();
    store
        .threads
        .remove(id)
        .ok_or_else(|| Failure::not_found("thread", id))?;
    deleted(id, "thread.deleted")
}
