//! `/threads`.

use openai_blocking::types::*;

use super::super::clock::Now;
use super::super::http::{Ctx, Failure, Reply};
use super::super::store::{metadata_or_empty, set_metadata, Store, Thread};
use super::indexing::{Indexes, Jobs};
use super::messages::{self, Prepared};
use super::resources::{self, Requested, Resources};
use super::{check_metadata, deleted};

/// A thread to create with its first messages, checked for shape.
pub(super) struct NewThread {
    metadata: Option<Metadata>,
    messages: Vec<Prepared>,
    resources: Requested,
}

impl NewThread {
    /// Checks a creation request's shape.
    pub fn parse(r: ThreadCreateRequest) -> Result<Self, Failure> {
        check_metadata(r.metadata.as_ref(), "metadata")?;
        let mut prepared = Vec::new();
        for (i, m) in r.messages.into_iter().flatten().enumerate() {
            prepared.push(messages::prepare(m, &format!("messages[{i}]"))?);
        }
        let resources = resources::parse(r.tool_resources.as_ref(), "tool_resources")?;
        Ok(Self {
            metadata: r.metadata,
            messages: prepared,
            resources,
        })
    }

    /// Checks that everything the thread names exists; the files to index go to `jobs`.
    pub fn check(&self, store: &Store, jobs: &mut Jobs) -> Result<(), Failure> {
        for m in &self.messages {
            m.check(store, jobs)?;
        }
        self.resources.check(store, jobs)
    }

    /// Creates the thread (checked, its files indexed) with its messages; returns its id.
    pub fn create(self, store: &mut Store, indexes: &Indexes, now: Now) -> String {
        let res = self.resources.apply(store, indexes, now);
        let id = store.ids.issue("thread_").0;
        let resp = ThreadResponse {
            extra: Default::default(),
            created_at: now.unix,
            id: id.clone(),
            metadata: metadata_or_empty(self.metadata),
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
        for m in self.messages {
            messages::insert(store, &id, m, indexes, now);
        }
        id
    }
}

pub(super) fn create(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    // An empty body is a thread with nothing in it.
    let r: ThreadCreateRequest = ctx.json_or_default()?;
    let new = NewThread::parse(r)?;
    let mut jobs = Jobs::default();
    ctx.with_store(|store| new.check(store, &mut jobs))?;
    let indexes = jobs.run(ctx);
    let now = ctx.now();
    let resp = ctx.with_store(|store| {
        new.check(store, &mut Jobs::default())?;
        let id = new.create(store, &indexes, now);
        thread_response(store, &id)
    })?;
    Reply::json(&resp)
}

fn thread_response(store: &Store, id: &str) -> Result<ThreadResponse, Failure> {
    store
        .threads
        .get(id)
        .map(|t| t.resp.clone())
        .ok_or_else(|| Failure::not_found("thread", id))
}

pub(super) fn get(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let resp = ctx.with_store(|store| thread_response(store, id))?;
    Reply::json(&resp)
}

pub(super) fn modify(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let r: ThreadModifyRequest = ctx.json()?;
    check_metadata(r.metadata.as_set(), "metadata")?;
    let newer = resources::parse(r.tool_resources.as_set(), "tool_resources")?;
    let check = |store: &Store, newer: &Requested, jobs: &mut Jobs| {
        if !store.threads.contains_key(id) {
            return Err(Failure::not_found("thread", id));
        }
        newer.check(store, jobs)
    };
    let mut jobs = Jobs::default();
    ctx.with_store(|store| check(store, &newer, &mut jobs))?;
    let indexes = jobs.run(ctx);
    let now = ctx.now();
    let resp = ctx.with_store(|store| {
        check(store, &newer, &mut Jobs::default())?;
        let newer = newer.apply(store, &indexes, now);
        // Found: checked above, under the same lock.
        let t = store
            .threads
            .get_mut(id)
            .ok_or_else(|| Failure::not_found("thread", id))?;
        let current = match r.tool_resources {
            // `null` removes every resource; a new value is merged into the current ones.
            Patch::Clear => Resources::default(),
            _ => Resources::from_response(t.resp.tool_resources.as_ref()),
        };
        t.resp.tool_resources = Some(current.merged(newer).to_response().unwrap_or_default());
        set_metadata(&mut t.resp.metadata, r.metadata);
        Ok::<_, Failure>(t.resp.clone())
    })?;
    Reply::json(&resp)
}

pub(super) fn delete(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    ctx.with_store(|store| {
        store
            .threads
            .remove(id)
            .map(drop)
            .ok_or_else(|| Failure::not_found("thread", id))
    })?;
    deleted(id, "thread.deleted")
}
