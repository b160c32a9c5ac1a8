//! `/vector_stores/{id}/files` and `/vector_stores/{id}/file_batches`: files joining a vector
//! store one at a time or in batches. Files are indexed before they join (outside the store's
//! lock, see `indexing`) and are `in_progress` for one step after.

use std::time::Duration;

use openai_blocking::types::*;

use super::super::clock::{later, Now};
use super::super::http::{Ctx, Failure, Reply};
use super::super::page::paginate;
use super::super::search::Chunking;
use super::super::store::{FileBatch, Ids, Store, StoredFile, VectorStore, VectorStoreFile};
use super::deleted;
use super::indexing::{Indexes, Jobs, Outcome};
use super::vector_stores::{chunking, find};

/// How a file joins a vector store.
pub(super) struct Joining {
    pub chunking: Chunking,
    pub attributes: Option<VectorStoreFileAttributes>,
    pub batch_id: Option<String>,
}

impl Joining {
    /// Joining alone, with the given chunking and no attributes.
    pub fn plain(chunking: Chunking) -> Self {
        Self {
            chunking,
            attributes: None,
            batch_id: None,
        }
    }
}

/// Adds (or re-adds) an indexed file to a vector store; it is ready one `step` after `now`.
pub(super) fn attach(
    vs: &mut VectorStore,
    ids: &mut Ids,
    file: &StoredFile,
    outcome: Outcome,
    how: Joining,
    now: Now,
    step: Duration,
) -> VectorStoreFileResponse {
    vs.files.retain(|f| f.resp.id != file.resp.id);
    let (_, seq) = ids.issue("vsf_");
    let (max, overlap) = match how.chunking {
        Chunking::Auto => (800, 400),
        Chunking::Static {
            max_tokens,
            overlap,
        } => (max_tokens as i64, overlap as i64),
    };
    let resp = VectorStoreFileResponse {
        extra: Default::default(),
        attributes: how.attributes,
        chunking_strategy: Some(ChunkingStrategyResponse::Static(StaticChunkingStrategy {
            chunk_overlap_tokens: overlap,
            max_chunk_size_tokens: max,
        })),
        created_at: now.unix,
        id: file.resp.id.clone(),
        last_error: None,
        object: VectorStoreFileResponseObject::VectorStoreFile,
        status: None,
        usage_bytes: Some(file.resp.bytes),
        vector_store_id: vs.resp.id.clone(),
    };
    let added = VectorStoreFile {
        seq,
        resp,
        ready_at: later(now.at, step),
        outcome,
        cancelled: false,
        batch_id: how.batch_id,
    };
    let view = added.view(now.at);
    vs.files.push(added);
    view
}

pub(super) fn list_files(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let q: VectorStoreFileListQueryParameters = ctx.query()?;
    list_files_of(
        ctx,
        id,
        None,
        q.filter,
        (q.limit, q.order, q.after, q.before),
    )
}

pub(super) fn list_batch_files(ctx: &mut Ctx<'_>, id: &str, batch: &str) -> Result<Reply, Failure> {
    let q: VectorStoreFileBatchFileListQueryParameters = ctx.query()?;
    list_files_of(
        ctx,
        id,
        Some(batch),
        q.filter,
        (q.limit, q.order, q.after, q.before),
    )
}

type ListArgs = (
    Option<i64>,
    Option<ListOrder>,
    Option<String>,
    Option<String>,
);

fn list_files_of(
    ctx: &mut Ctx<'_>,
    id: &str,
    batch: Option<&str>,
    filter: Option<VectorStoreFileStatusFilter>,
    (limit, order, after, before): ListArgs,
) -> Result<Reply, Failure> {
    if let Some(VectorStoreFileStatusFilter::Unknown(f)) = &filter {
        return Err(Failure::invalid(format!(
            "Invalid 'filter': '{f}'. Supported values are: 'in_progress', 'completed', 'failed' and 'cancelled'."
        ))
        .param("filter")
        .code("invalid_value"));
    }
    let params = ctx.list_params(
        limit,
        order.as_ref(),
        after.as_deref(),
        before.as_deref(),
        (20, 100),
    )?;
    let now = ctx.now();
    let wanted = filter.map(|f| f.to_string());
    let page = ctx.with_store(|store| {
        let vs = find(store, id)?;
        if let Some(b) = batch {
            if !vs.batches.iter().any(|x| x.id == b) {
                return Err(Failure::not_found("file batch", b));
            }
        }
        let items = vs
            .files
            .iter()
            .filter(|f| batch.is_none() || f.batch_id.as_deref() == batch)
            .filter(|f| wanted.is_none() || Some(f.status(now.at).to_string()) == wanted)
            .map(|f| (f.seq, f));
        let page = paginate(items, |f| &f.resp.id, &params);
        Ok(page.map(|f| f.view(now.at)))
    })?;
    Reply::json(&VectorStoreFileListResponse {
        extra: Default::default(),
        data: page.data,
        first_id: page.first_id,
        has_more: page.has_more,
        last_id: page.last_id,
        object: "list".into(),
    })
}

pub(super) fn add_file(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let request: VectorStoreFileCreateRequest = ctx.json()?;
    let chunking = chunking(request.chunking_strategy.as_ref(), "chunking_strategy")?;
    let check = |store: &Store, jobs: &mut Jobs| {
        if !store.vector_stores.contains_key(id) {
            return Err(Failure::not_found("vector store", id));
        }
        if !jobs.add(store, &request.file_id, chunking) {
            return Err(Failure::not_found("file", &request.file_id).param("file_id"));
        }
        Ok(())
    };
    let mut jobs = Jobs::default();
    ctx.with_store(|store| check(store, &mut jobs))?;
    let indexes = jobs.run(ctx);
    let now = ctx.now();
    let view = ctx.with_store(|store| {
        check(store, &mut Jobs::default())?;
        let Store {
            ids,
            files,
            vector_stores,
            timing,
            ..
        } = store;
        let (Some(vs), Some(file)) = (vector_stores.get_mut(id), files.get(&request.file_id))
        else {
            return Err(Failure::not_found("vector store", id));
        };
        let how = Joining {
            chunking,
            attributes: request.attributes,
            batch_id: None,
        };
        let outcome = indexes.outcome(&request.file_id, chunking);
        Ok(attach(vs, ids, file, outcome, how, now, timing.step))
    })?;
    Reply::json(&view)
}

fn find_file<'a>(
    vs: &'a mut VectorStore,
    file_id: &str,
) -> Result<&'a mut VectorStoreFile, Failure> {
    let vs_id = &vs.resp.id;
    match vs.files.iter().position(|f| f.resp.id == file_id) {
        Some(i) => Ok(&mut vs.files[i]),
        None => Err(Failure::new(
            404,
            format!("No file found with id '{file_id}' in vector store '{vs_id}'."),
        )),
    }
}

pub(super) fn get_file(ctx: &mut Ctx<'_>, id: &str, file_id: &str) -> Result<Reply, Failure> {
    let now = ctx.now();
    let view = ctx.with_store(|store| {
        let vs = find(store, id)?;
        Ok::<_, Failure>(find_file(vs, file_id)?.view(now.at))
    })?;
    Reply::json(&view)
}

pub(super) fn update_file(ctx: &mut Ctx<'_>, id: &str, file_id: &str) -> Result<Reply, Failure> {
    let request: VectorStoreFileModifyRequest = ctx.json()?;
    let now = ctx.now();
    let view = ctx.with_store(|store| {
        let f = find_file(find(store, id)?, file_id)?;
        f.resp.attributes = request.attributes;
        Ok::<_, Failure>(f.view(now.at))
    })?;
    Reply::json(&view)
}

pub(super) fn remove_file(ctx: &mut Ctx<'_>, id: &str, file_id: &str) -> Result<Reply, Failure> {
    ctx.with_store(|store| {
        let vs = find(store, id)?;
        find_file(vs, file_id)?;
        vs.files.retain(|f| f.resp.id != file_id);
        Ok::<_, Failure>(())
    })?;
    deleted(file_id, "vector_store.file.deleted")
}

/// A file batch to add, its settings checked: each file with its chunking, its attributes and
/// the request path naming it (for errors).
pub(super) struct NewBatch {
    files: Vec<(String, Chunking, Option<VectorStoreFileAttributes>, String)>,
}

impl NewBatch {
    /// Checks a batch request's settings.
    pub fn parse(request: VectorStoreFileBatchCreateRequest) -> Result<Self, Failure> {
        let files: Vec<_> = match request {
            VectorStoreFileBatchCreateRequest::Variant0 {
                attributes,
                chunking_strategy,
                file_ids,
            } => {
                let c = chunking(chunking_strategy.as_ref(), "chunking_strategy")?;
                file_ids
                    .into_iter()
                    .enumerate()
                    .map(|(i, f)| (f, c, attributes.clone(), format!("file_ids[{i}]")))
                    .collect()
            }
            VectorStoreFileBatchCreateRequest::Variant1 {
                attributes,
                chunking_strategy,
                files,
            } => {
                let c = chunking(chunking_strategy.as_ref(), "chunking_strategy")?;
                let mut out = Vec::new();
                for (i, f) in files.into_iter().enumerate() {
                    let own = match &f.chunking_strategy {
                        Some(s) => chunking(Some(s), &format!("files[{i}].chunking_strategy"))?,
                        None => c,
                    };
                    out.push((
                        f.file_id,
                        own,
                        f.attributes.or_else(|| attributes.clone()),
                        format!("files[{i}].file_id"),
                    ));
                }
                out
            }
        };
        if files.is_empty() {
            return Err(Failure::invalid("A file batch needs at least one file.").param("file_ids"));
        }
        Ok(Self { files })
    }

    /// A batch of files that exist (checked), indexed with automatic chunking.
    pub fn of_files(file_ids: Vec<String>) -> Self {
        let files = file_ids
            .into_iter()
            .enumerate()
            .map(|(i, f)| (f, Chunking::Auto, None, format!("file_ids[{i}]")))
            .collect();
        Self { files }
    }

    /// Checks that the vector store and the files exist, and adds the files to `jobs`.
    pub fn check(&self, store: &Store, vs_id: &str, jobs: &mut Jobs) -> Result<(), Failure> {
        if !store.vector_stores.contains_key(vs_id) {
            return Err(Failure::not_found("vector store", vs_id));
        }
        for (file_id, chunking, _, param) in &self.files {
            if !jobs.add(store, file_id, *chunking) {
                return Err(Failure::not_found("file", file_id).param(param.clone()));
            }
        }
        Ok(())
    }

    /// Adds the batch (checked, its files indexed) to vector store `vs_id`. Returns `None`,
    /// changing nothing, when there is no such store.
    pub fn add(
        self,
        store: &mut Store,
        vs_id: &str,
        indexes: &Indexes,
        now: Now,
    ) -> Option<VectorStoreFileBatchResponse> {
        let Store {
            ids,
            files,
            vector_stores,
            timing,
            ..
        } = store;
        let vs = vector_stores.get_mut(vs_id)?;
        let batch_id = ids.issue("vsfb_").0;
        for (file_id, chunking, attributes, _) in self.files {
            if let Some(file) = files.get(&file_id) {
                let how = Joining {
                    chunking,
                    attributes,
                    batch_id: Some(batch_id.clone()),
                };
                let outcome = indexes.outcome(&file_id, chunking);
                attach(vs, ids, file, outcome, how, now, timing.step);
            }
        }
        let batch = FileBatch {
            id: batch_id,
            created_at: now.unix,
            cancelled: false,
        };
        let view = batch.view(vs, now.at);
        vs.batches.push(batch);
        Some(view)
    }
}

pub(super) fn create_batch(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let request: VectorStoreFileBatchCreateRequest = ctx.json()?;
    let batch = NewBatch::parse(request)?;
    let mut jobs = Jobs::default();
    ctx.with_store(|store| batch.check(store, id, &mut jobs))?;
    let indexes = jobs.run(ctx);
    let now = ctx.now();
    let view = ctx.with_store(|store| {
        batch.check(store, id, &mut Jobs::default())?;
        batch
            .add(store, id, &indexes, now)
            .ok_or_else(|| Failure::not_found("vector store", id))
    })?;
    Reply::json(&view)
}

fn find_batch(vs: &VectorStore, batch_id: &str) -> Result<usize, Failure> {
    vs.batches
        .iter()
        .position(|b| b.id == batch_id)
        .ok_or_else(|| Failure::not_found("file batch", batch_id))
}

pub(super) fn get_batch(ctx: &mut Ctx<'_>, id: &str, batch_id: &str) -> Result<Reply, Failure> {
    let now = ctx.now();
    let view = ctx.with_store(|store| {
        let vs = find(store, id)?;
        let i = find_batch(vs, batch_id)?;
        Ok::<_, Failure>(vs.batches[i].view(vs, now.at))
    })?;
    Reply::json(&view)
}

pub(super) fn cancel_batch(ctx: &mut Ctx<'_>, id: &str, batch_id: &str) -> Result<Reply, Failure> {
    let now = ctx.now().at;
    let view = ctx.with_store(|store| {
        let vs = find(store, id)?;
        let i = find_batch(vs, batch_id)?;
        let status = vs.batches[i].view(vs, now).status;
        if status != VectorStoreFileBatchResponseStatus::InProgress {
            return Err(Failure::invalid(format!(
                "Cannot cancel a file batch with status '{status}'."
            )));
        }
        vs.batches[i].cancelled = true;
        for f in vs
            .files
            .iter_mut()
            .filter(|f| f.batch_id.as_deref() == Some(batch_id))
        {
            if f.status(now) == VectorStoreFileResponseStatus::InProgress {
                f.cancelled = true;
            }
        }
        Ok(vs.batches[i].view(vs, now))
    })?;
    Reply::json(&view)
}
