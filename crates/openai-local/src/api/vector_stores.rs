//! `/vector_stores`: stores, their files and file batches, and search.

use std::time::Instant;

use openai_blocking::types::*;

use super::super::http::{Ctx, Failure, Reply};
use super::super::json::{explain_variant, parse_at};
use super::super::page::paginate;
use super::super::search::{self, Chunking};
use super::super::store::{
    metadata_or_empty, unix_now, FileBatch, Ids, Store, StoredFile, VectorStore, VectorStoreFile,
};
use super::filters::{check_filter, matches};
use super::{check_files, check_metadata, deleted};

#[derive(serde::Deserialize)]
struct StaticShape {
    #[serde(rename = "static")]
    _static: StaticChunkingStrategy,
}

/// The chunking a request asks for; `auto` when none. Static sizes must be 100 to 4096
/// tokens, the overlap at most half of that.
pub(super) fn chunking(
    strategy: Option<&ChunkingStrategyRequestParam>,
    param: &str,
) -> Result<Chunking, Failure> {
    match strategy {
        None | Some(ChunkingStrategyRequestParam::Auto) => Ok(Chunking::Auto),
        Some(ChunkingStrategyRequestParam::Static(s)) => {
            if !(100..=4096).contains(&s.max_chunk_size_tokens) {
                return Err(Failure::invalid(format!(
                    "Invalid 'max_chunk_size_tokens': expected a value between 100 and 4096, got {}.",
                    s.max_chunk_size_tokens
                ))
                .param(format!("{param}.static.max_chunk_size_tokens"))
                .code("integer_out_of_range"));
            }
            if s.chunk_overlap_tokens < 0 || s.chunk_overlap_tokens > s.max_chunk_size_tokens / 2 {
                return Err(Failure::invalid(
                    "Invalid 'chunk_overlap_tokens': it must be between 0 and half of 'max_chunk_size_tokens'.",
                )
                .param(format!("{param}.static.chunk_overlap_tokens"))
                .code("integer_out_of_range"));
            }
            Ok(Chunking::Static {
                max_tokens: s.max_chunk_size_tokens as usize,
                overlap: s.chunk_overlap_tokens as usize,
            })
        }
        Some(ChunkingStrategyRequestParam::Unknown(v)) => Err(explain_variant(
            v,
            "type",
            param,
            &[
                ("auto", &|_, _| Ok(())),
                ("static", &|b, p| parse_at::<StaticShape>(b, p).map(drop)),
            ],
        )),
    }
}

/// Creates a vector store holding the given (existing) files.
pub(super) fn new_store(
    store: &mut Store,
    request: VectorStoreCreateRequest,
    chunking: Chunking,
    now: Instant,
) -> Result<String, Failure> {
    check_metadata(request.metadata.as_ref(), "metadata")?;
    check_files(store, &request.file_ids, "file_ids")?;
    if let Some(e) = &request.expires_after {
        check_expiry(e, "expires_after")?;
    }
    let (id, seq) = store.ids.issue("vs_");
    let created_at = unix_now();
    let mut vs = VectorStore {
        seq,
        resp: VectorStoreResponse {
            created_at,
            expires_after: request.expires_after,
            expires_at: None,
            file_counts: None,
            id: id.clone(),
            last_active_at: Some(created_at),
            metadata: metadata_or_empty(request.metadata),
            name: Some(request.name.unwrap_or_default()),
            object: VectorStoreResponseObject::VectorStore,
            status: None,
            usage_bytes: None,
        },
        files: Vec::new(),
        batches: Vec::new(),
    };
    let Store {
        ids, files, timing, ..
    } = store;
    for file_id in &request.file_ids {
        if let Some(file) = files.get(file_id) {
            attach(&mut vs, ids, file, chunking, None, None, now + timing.step);
        }
    }
    store.vector_stores.insert(id.clone(), vs);
    Ok(id)
}

fn check_expiry(e: &VectorStoreExpirationAfter, param: &str) -> Result<(), Failure> {
    if let VectorStoreExpirationAfterAnchor::Unknown(a) = &e.anchor {
        return Err(Failure::invalid(format!(
            "Invalid anchor '{a}': the only anchor is 'last_active_at'."
        ))
        .param(format!("{param}.anchor"))
        .code("invalid_value"));
    }
    if !(1..=365).contains(&e.days) {
        return Err(
            Failure::invalid("Invalid 'days': expected a value between 1 and 365.")
                .param(format!("{param}.days"))
                .code("integer_out_of_range"),
        );
    }
    Ok(())
}

/// Adds (or re-adds) a file to a vector store: it is indexed now and ready at `ready_at`.
fn attach(
    vs: &mut VectorStore,
    ids: &mut Ids,
    file: &StoredFile,
    chunking: Chunking,
    attributes: Option<VectorStoreFileAttributes>,
    batch_id: Option<&str>,
    ready_at: Instant,
) -> VectorStoreFileResponse {
    vs.files.retain(|f| f.resp.id != file.resp.id);
    let (_, seq) = ids.issue("vsf_");
    let outcome = search::index_file(&file.resp.id, &file.resp.filename, &file.content, chunking)
        .map(std::sync::Arc::new);
    let (max, overlap) = match chunking {
        Chunking::Auto => (800, 400),
        Chunking::Static {
            max_tokens,
            overlap,
        } => (max_tokens as i64, overlap as i64),
    };
    let resp = VectorStoreFileResponse {
        attributes,
        chunking_strategy: Some(ChunkingStrategyResponse::Static(StaticChunkingStrategy {
            chunk_overlap_tokens: overlap,
            max_chunk_size_tokens: max,
        })),
        created_at: unix_now(),
        id: file.resp.id.clone(),
        last_error: None,
        object: VectorStoreFileResponseObject::VectorStoreFile,
        status: None,
        usage_bytes: Some(file.resp.bytes),
        vector_store_id: vs.resp.id.clone(),
    };
    vs.files.push(VectorStoreFile {
        seq,
        resp: resp.clone(),
        ready_at,
        outcome,
        cancelled: false,
        batch_id: batch_id.map(str::to_string),
    });
    resp
}

fn find<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut VectorStore, Failure> {
    store
        .vector_stores
        .get_mut(id)
        .ok_or_else(|| Failure::not_found("vector store", id))
}

pub(super) fn list(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let q: VectorStoreListQueryParameters = ctx.query()?;
    let params = ctx.list_params(
        q.limit,
        q.order.as_ref(),
        q.after.as_deref(),
        q.before.as_deref(),
        (20, 100),
    )?;
    let store = ctx.engine.lock();
    let (now, unix) = (Instant::now(), unix_now());
    let page = paginate(
        store
            .vector_stores
            .values()
            .map(|v| (v.seq, v.view(now, unix))),
        |v| &v.id,
        &params,
    );
    Reply::json(&VectorStoreListResponse {
        data: page.data,
        first_id: page.first_id,
        has_more: page.has_more,
        last_id: page.last_id,
        object: "list".into(),
    })
}

pub(super) fn create(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let request: VectorStoreCreateRequest = ctx.json_or_default()?;
    let chunking = chunking(request.chunking_strategy.as_ref(), "chunking_strategy")?;
    let mut store = ctx.engine.lock();
    let now = Instant::now();
    let id = new_store(&mut store, request, chunking, now)?;
    Reply::json(&store.vector_stores[&id].view(now, unix_now()))
}

pub(super) fn get(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let mut store = ctx.engine.lock();
    Reply::json(&find(&mut store, id)?.view(Instant::now(), unix_now()))
}

pub(super) fn modify(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let request: VectorStoreModifyRequest = ctx.json()?;
    check_metadata(request.metadata.as_ref(), "metadata")?;
    if let Some(e) = &request.expires_after {
        check_expiry(e, "expires_after")?;
    }
    let mut store = ctx.engine.lock();
    let vs = find(&mut store, id)?;
    if let Some(name) = request.name {
        vs.resp.name = Some(name);
    }
    if let Some(m) = request.metadata {
        vs.resp.metadata = Some(m);
    }
    if request.expires_after.is_some() {
        vs.resp.expires_after = request.expires_after;
    }
    Reply::json(&vs.view(Instant::now(), unix_now()))
}

pub(super) fn delete(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let mut store = ctx.engine.lock();
    store
        .vector_stores
        .remove(id)
        .ok_or_else(|| Failure::not_found("vector store", id))?;
    deleted(id, "vector_store.deleted")
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
    let mut store = ctx.engine.lock();
    let vs = find(&mut store, id)?;
    if let Some(b) = batch {
        if !vs.batches.iter().any(|x| x.id == b) {
            return Err(Failure::not_found("file batch", b));
        }
    }
    let now = Instant::now();
    let wanted = filter.map(|f| f.to_string());
    let items = vs
        .files
        .iter()
        .filter(|f| batch.is_none() || f.batch_id.as_deref() == batch)
        .map(|f| (f.seq, f.view(now)))
        .filter(|(_, v)| wanted.is_none() || v.status.as_ref().map(|s| s.to_string()) == wanted);
    let page = paginate(items, |f| &f.id, &params);
    Reply::json(&VectorStoreFileListResponse {
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
    let mut store = ctx.engine.lock();
    let Store {
        ids,
        files,
        vector_stores,
        timing,
        ..
    } = &mut *store;
    let vs = vector_stores
        .get_mut(id)
        .ok_or_else(|| Failure::not_found("vector store", id))?;
    let file = files
        .get(&request.file_id)
        .ok_or_else(|| Failure::not_found("file", &request.file_id).param("file_id"))?;
    let now = Instant::now();
    let mut resp = attach(
        vs,
        ids,
        file,
        chunking,
        request.attributes,
        None,
        now + timing.step,
    );
    resp.status = Some(VectorStoreFileResponseStatus::InProgress);
    resp.usage_bytes = Some(0);
    Reply::json(&resp)
}

fn find_file<'a>(
    vs: &'a mut VectorStore,
    file_id: &str,
) -> Result<&'a mut VectorStoreFile, Failure> {
    let vs_id = vs.resp.id.clone();
    vs.files
        .iter_mut()
        .find(|f| f.resp.id == file_id)
        .ok_or_else(|| {
            Failure::new(
                404,
                format!("No file found with id '{file_id}' in vector store '{vs_id}'."),
            )
        })
}

pub(super) fn get_file(ctx: &mut Ctx<'_>, id: &str, file_id: &str) -> Result<Reply, Failure> {
    let mut store = ctx.engine.lock();
    let vs = find(&mut store, id)?;
    Reply::json(&find_file(vs, file_id)?.view(Instant::now()))
}

pub(super) fn update_file(ctx: &mut Ctx<'_>, id: &str, file_id: &str) -> Result<Reply, Failure> {
    let request: VectorStoreFileModifyRequest = ctx.json()?;
    let mut store = ctx.engine.lock();
    let vs = find(&mut store, id)?;
    let f = find_file(vs, file_id)?;
    f.resp.attributes = request.attributes;
    Reply::json(&f.view(Instant::now()))
}

pub(super) fn remove_file(ctx: &mut Ctx<'_>, id: &str, file_id: &str) -> Result<Reply, Failure> {
    let mut store = ctx.engine.lock();
    let vs = find(&mut store, id)?;
    find_file(vs, file_id)?;
    vs.files.retain(|f| f.resp.id != file_id);
    deleted(file_id, "vector_store.file.deleted")
}

pub(super) fn create_batch(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let request: VectorStoreFileBatchCreateRequest = ctx.json()?;
    let mut store = ctx.engine.lock();
    Reply::json(&add_files(&mut store, id, request, Instant::now())?)
}

/// Adds a batch of files to a vector store.
pub(super) fn add_files(
    store: &mut Store,
    id: &str,
    request: VectorStoreFileBatchCreateRequest,
    now: Instant,
) -> Result<VectorStoreFileBatchResponse, Failure> {
    // Each file with its own chunking and attributes.
    let wanted: Vec<(String, Chunking, Option<VectorStoreFileAttributes>, String)> = match request {
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
    if wanted.is_empty() {
        return Err(Failure::invalid("A file batch needs at least one file.").param("file_ids"));
    }
    let Store {
        ids,
        files,
        vector_stores,
        timing,
        ..
    } = store;
    let vs = vector_stores
        .get_mut(id)
        .ok_or_else(|| Failure::not_found("vector store", id))?;
    if let Some((file_id, _, _, param)) = wanted.iter().find(|w| !files.contains_key(&w.0)) {
        return Err(Failure::not_found("file", file_id).param(param.clone()));
    }
    let batch_id = ids.issue("vsfb_").0;
    for (file_id, chunking, attributes, _) in wanted {
        if let Some(file) = files.get(&file_id) {
            attach(
                vs,
                ids,
                file,
                chunking,
                attributes,
                Some(&batch_id),
                now + timing.step,
            );
        }
    }
    let batch = FileBatch {
        id: batch_id,
        created_at: unix_now(),
        cancelled: false,
    };
    let view = batch.view(vs, now);
    vs.batches.push(batch);
    Ok(view)
}

fn find_batch(vs: &mut VectorStore, batch_id: &str) -> Result<usize, Failure> {
    vs.batches
        .iter()
        .position(|b| b.id == batch_id)
        .ok_or_else(|| Failure::not_found("file batch", batch_id))
}

pub(super) fn get_batch(ctx: &mut Ctx<'_>, id: &str, batch_id: &str) -> Result<Reply, Failure> {
    let mut store = ctx.engine.lock();
    let vs = find(&mut store, id)?;
    let i = find_batch(vs, batch_id)?;
    Reply::json(&vs.batches[i].view(vs, Instant::now()))
}

pub(super) fn cancel_batch(ctx: &mut Ctx<'_>, id: &str, batch_id: &str) -> Result<Reply, Failure> {
    let mut store = ctx.engine.lock();
    let vs = find(&mut store, id)?;
    let i = find_batch(vs, batch_id)?;
    let now = Instant::now();
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
    Reply::json(&vs.batches[i].view(vs, now))
}

pub(super) fn search(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let request: VectorStoreSearchRequest = ctx.json()?;
    let max = request.max_num_results.unwrap_or(10);
    if !(1..=50).contains(&max) {
        return Err(Failure::invalid(format!(
            "Invalid 'max_num_results': expected a value between 1 and 50, got {max}."
        ))
        .param("max_num_results")
        .code("integer_out_of_range"));
    }
    let threshold = request
        .ranking_options
        .as_ref()
        .and_then(|r| r.score_threshold)
        .unwrap_or(0.0);
    if let Some(f) = &request.filters {
        check_filter(&serde_json::to_value(f).unwrap_or_default(), "filters")?;
    }
    let query = match &request.query {
        VectorStoreSearchRequestQuery::String(s) => s.clone(),
        VectorStoreSearchRequestQuery::Array(parts) => parts.join(" "),
    };
    let mut store = ctx.engine.lock();
    let vs = find(&mut store, id)?;
    vs.resp.last_active_at = Some(unix_now());
    let now = Instant::now();
    let filter = request
        .filters
        .as_ref()
        .map(|f| serde_json::to_value(f).unwrap_or_default());
    let chosen: Vec<&VectorStoreFile> = vs
        .files
        .iter()
        .filter(|f| f.indexed(now).is_some())
        .filter(|f| {
            filter
                .as_ref()
                .is_none_or(|flt| matches(flt, f.resp.attributes.as_ref().map(|a| &a.0)))
        })
        .collect();
    let indexed: Vec<_> = chosen
        .iter()
        .filter_map(|f| f.indexed(now).cloned())
        .collect();
    let data = search::rank(&indexed, &query)
        .into_iter()
        .filter(|h| h.score >= threshold)
        .take(max as usize)
        .map(|h| VectorStoreSearchResultItem {
            attributes: chosen[h.file].resp.attributes.clone(),
            content: vec![VectorStoreSearchResultContentObject {
                text: indexed[h.file].passage_text(h.passage).to_string(),
                type_: VectorStoreSearchResultContentObjectType::Text,
            }],
            file_id: indexed[h.file].file_id.clone(),
            filename: indexed[h.file].filename.clone(),
            score: h.score,
        })
        .collect();
    Reply::json(&VectorStoreSearchResponse {
        data,
        has_more: false,
        next_page: None,
        object: VectorStoreSearchResponseObject::VectorStoreSearchResultsPage,
        search_query: match request.query {
            VectorStoreSearchRequestQuery::String(s) => {
                VectorStoreSearchResponseSearchQuery::String(s)
            }
            VectorStoreSearchRequestQuery::Array(a) => {
                VectorStoreSearchResponseSearchQuery::Array(a)
            }
        },
    })
}
