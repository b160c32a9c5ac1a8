//! `/vector_stores`: the stores themselves, and search. Their files and file batches are in
//! `vector_store_files`.

use std::sync::Arc;

use openai_blocking::types::*;

use super::super::clock::Now;
use super::super::http::{Ctx, Failure, Reply};
use super::super::json::{explain_variant, parse_at};
use super::super::page::paginate;
use super::super::search::{self, Chunking, IndexedFile};
use super::super::store::{metadata_or_empty, set_metadata, Store, VectorStore};
use super::filters::{check_filter, matches};
use super::indexing::{Indexes, Jobs};
use super::vector_store_files::{attach, Joining};
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

/// A vector store to create, its settings checked: from `POST /vector_stores`, from the inline
/// stores of tool resources, or for the files attached to a thread's messages.
pub(super) struct NewStore {
    pub name: Option<String>,
    pub file_ids: Vec<String>,
    pub chunking: Chunking,
    pub metadata: Option<Metadata>,
    pub expires_after: Option<VectorStoreExpirationAfter>,
    /// The request path of `file_ids`, for errors (`file_ids`).
    pub files_param: String,
}

impl NewStore {
    /// Checks a creation request's settings; `prefix` starts the names of bad fields.
    pub fn parse(request: VectorStoreCreateRequest, prefix: &str) -> Result<Self, Failure> {
        let chunking = chunking(
            request.chunking_strategy.as_ref(),
            &format!("{prefix}chunking_strategy"),
        )?;
        check_metadata(request.metadata.as_ref(), &format!("{prefix}metadata"))?;
        if let Some(e) = &request.expires_after {
            check_expiry(e, &format!("{prefix}expires_after"))?;
        }
        Ok(Self {
            name: request.name,
            file_ids: request.file_ids.unwrap_or_default(),
            chunking,
            metadata: request.metadata,
            expires_after: request.expires_after,
            files_param: format!("{prefix}file_ids"),
        })
    }

    /// Checks that the files exist, and adds them to `jobs`.
    pub fn check(&self, store: &Store, jobs: &mut Jobs) -> Result<(), Failure> {
        check_files(store, &self.file_ids, &self.files_param)?;
        for id in &self.file_ids {
            jobs.add(store, id, self.chunking);
        }
        Ok(())
    }

    /// Creates the store (checked, its files indexed) and returns it as the API shows it.
    pub fn create(self, store: &mut Store, indexes: &Indexes, now: Now) -> VectorStoreResponse {
        let (id, seq) = store.ids.issue("vs_");
        let mut vs = VectorStore {
            seq,
            resp: VectorStoreResponse {
                extra: Default::default(),
                created_at: now.unix,
                expires_after: self.expires_after,
                expires_at: None,
                file_counts: None,
                id: id.clone(),
                last_active_at: Some(now.unix),
                metadata: metadata_or_empty(self.metadata),
                name: Some(self.name.unwrap_or_default()),
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
        for file_id in &self.file_ids {
            if let Some(file) = files.get(file_id) {
                let outcome = indexes.outcome(file_id, self.chunking);
                let how = Joining::plain(self.chunking);
                attach(&mut vs, ids, file, outcome, how, now, timing.step);
            }
        }
        let view = vs.view(now);
        store.vector_stores.insert(id, vs);
        view
    }
}

pub(super) fn find<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut VectorStore, Failure> {
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
    let now = ctx.now();
    let page = ctx.with_store(|store| {
        let page = paginate(
            store.vector_stores.values().map(|v| (v.seq, v)),
            |v| &v.resp.id,
            &params,
        );
        page.map(|v| v.view(now))
    });
    Reply::json(&VectorStoreListResponse {
        extra: Default::default(),
        data: page.data,
        first_id: page.first_id,
        has_more: page.has_more,
        last_id: page.last_id,
        object: "list".into(),
    })
}

pub(super) fn create(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let request: VectorStoreCreateRequest = ctx.json_or_default()?;
    let new = NewStore::parse(request, "")?;
    let mut jobs = Jobs::default();
    ctx.with_store(|store| new.check(store, &mut jobs))?;
    let indexes = jobs.run(ctx);
    let now = ctx.now();
    let view = ctx.with_store(|store| {
        new.check(store, &mut Jobs::default())?;
        Ok::<_, Failure>(new.create(store, &indexes, now))
    })?;
    Reply::json(&view)
}

pub(super) fn get(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let now = ctx.now();
    let view = ctx.with_store(|store| find(store, id).map(|vs| vs.view(now)))?;
    Reply::json(&view)
}

pub(super) fn modify(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let request: VectorStoreModifyRequest = ctx.json()?;
    check_metadata(request.metadata.as_set(), "metadata")?;
    if let Some(e) = request.expires_after.as_set() {
        check_expiry(e, "expires_after")?;
    }
    let now = ctx.now();
    let view = ctx.with_store(|store| {
        let vs = find(store, id)?;
        request.name.apply_to(&mut vs.resp.name);
        set_metadata(&mut vs.resp.metadata, request.metadata);
        // `null` removes the expiry: the store no longer expires.
        request.expires_after.apply_to(&mut vs.resp.expires_after);
        Ok::<_, Failure>(vs.view(now))
    })?;
    Reply::json(&view)
}

pub(super) fn delete(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    ctx.with_store(|store| {
        store
            .vector_stores
            .remove(id)
            .ok_or_else(|| Failure::not_found("vector store", id))
    })?;
    deleted(id, "vector_store.deleted")
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
    let filter = request
        .filters
        .as_ref()
        .map(|f| serde_json::to_value(f).unwrap_or_default());
    if let Some(f) = &filter {
        check_filter(f, "filters")?;
    }
    let query = match &request.query {
        VectorStoreSearchRequestQuery::String(s) => s.clone(),
        VectorStoreSearchRequestQuery::Array(parts) => parts.join(" "),
    };
    let now = ctx.now();
    // The indexed files that pass the filter, with their attributes: shared, not copied.
    let chosen: Vec<(Arc<IndexedFile>, Option<VectorStoreFileAttributes>)> =
        ctx.with_store(|store| {
            let vs = find(store, id)?;
            vs.resp.last_active_at = Some(now.unix);
            Ok::<_, Failure>(
                vs.files
                    .iter()
                    .filter(|f| {
                        filter.as_ref().is_none_or(|flt| {
                            matches(flt, f.resp.attributes.as_ref().map(|a| &a.0))
                        })
                    })
                    .filter_map(|f| Some((f.indexed(now.at)?.clone(), f.resp.attributes.clone())))
                    .collect(),
            )
        })?;
    let indexed: Vec<&IndexedFile> = chosen.iter().map(|(f, _)| &**f).collect();
    let data = search::rank(&indexed, &query)
        .into_iter()
        .filter(|h| h.score >= threshold)
        .take(max as usize)
        .map(|h| VectorStoreSearchResultItem {
            extra: Default::default(),
            attributes: chosen[h.file].1.clone(),
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
        extra: Default::default(),
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
