//! `/files`: multipart upload, listing, download, deletion.

use std::sync::Arc;

use openai_blocking::types::*;

use super::super::http::{Ctx, Failure, Reply};
use super::super::multipart;
use super::super::page::paginate;
use super::super::spool::Content;
use super::super::store::StoredFile;
use super::deleted;

/// The purposes an upload may have.
pub(super) const PURPOSES: [&str; 6] = [
    "assistants",
    "batch",
    "fine-tune",
    "vision",
    "user_data",
    "evals",
];

pub(super) fn upload(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let boundary = multipart::boundary(ctx.content_type).ok_or_else(|| {
        Failure::invalid(
            "Uploads are multipart/form-data requests with the fields 'purpose' and 'file'.",
        )
    })?;
    let max_bytes = ctx.config().max_upload_bytes;
    let parts = multipart::parse(ctx.body, &boundary, max_bytes)?;
    let purpose = parts
        .iter()
        .find(|p| p.name == "purpose" && p.filename.is_none())
        .map(|p| String::from_utf8_lossy(&p.data).trim().to_string())
        .ok_or_else(|| {
            Failure::invalid("Missing required parameter: 'purpose'.")
                .param("purpose")
                .code("missing_required_parameter")
        })?;
    if !PURPOSES.contains(&purpose.as_str()) {
        return Err(Failure::invalid(format!(
            "Invalid value: '{purpose}'. Supported values are: {}.",
            PURPOSES.map(|p| format!("'{p}'")).join(", ")
        ))
        .param("purpose")
        .code("invalid_value"));
    }
    let file = parts
        .into_iter()
        .find(|p| p.name == "file")
        .ok_or_else(|| {
            Failure::invalid("Missing required parameter: 'file'.")
                .param("file")
                .code("missing_required_parameter")
        })?;
    let filename = file
        .filename
        .filter(|f| !f.trim().is_empty())
        .ok_or_else(|| {
            Failure::invalid("The 'file' field must be a file with a file name.").param("file")
        })?;
    let purpose: FileResponsePurpose = serde_json::from_value(serde_json::Value::String(purpose))
        .map_err(|e| Failure::server(e.to_string()))?;
    let bytes = i64::try_from(file.data.len()).unwrap_or(i64::MAX);
    // The bytes move into the store as they are: no copy, and none under the lock.
    let content = Content::Memory(Arc::new(file.data));
    let now = ctx.now();
    let resp = ctx.with_store(|store| {
        let (id, seq) = store.ids.issue("file-");
        let resp = FileResponse {
            extra: Default::default(),
            bytes,
            created_at: now.unix,
            expires_at: None,
            filename,
            id: id.clone(),
            object: FileResponseObject::File,
            purpose,
            status: Some(FileResponseStatus::Processed),
            status_details: None,
        };
        let stored = StoredFile {
            seq,
            resp: resp.clone(),
            content,
        };
        store.files.insert(id, stored);
        resp
    });
    Reply::json(&resp)
}

pub(super) fn list(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let q: FileListQueryParameters = ctx.query()?;
    let params = ctx.list_params(
        q.limit,
        q.order.as_ref(),
        q.after.as_deref(),
        None,
        (10_000, 10_000),
    )?;
    let page = ctx.with_store(|store| {
        let items = store
            .files
            .values()
            .filter(|f| {
                q.purpose
                    .as_ref()
                    .is_none_or(|p| &f.resp.purpose.to_string() == p)
            })
            .map(|f| (f.seq, &f.resp));
        paginate(items, |f| &f.id, &params).map(Clone::clone)
    });
    Reply::json(&FileListResponse {
        extra: Default::default(),
        data: page.data,
        first_id: page.first_id,
        has_more: page.has_more,
        last_id: page.last_id,
        object: "list".into(),
    })
}

pub(super) fn get(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let resp = ctx.with_store(|store| {
        store
            .files
            .get(id)
            .map(|f| f.resp.clone())
            .ok_or_else(|| Failure::not_found("file", id))
    })?;
    Reply::json(&resp)
}

/// Deletes a file and removes it from every vector store holding it.
pub(super) fn delete(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let removed = ctx.with_store(|store| {
        let removed = store
            .files
            .remove(id)
            .ok_or_else(|| Failure::not_found("file", id))?;
        for vs in store.vector_stores.values_mut() {
            vs.files.retain(|f| f.resp.id != id);
        }
        Ok::<_, Failure>(removed)
    })?;
    // Its bytes go now, outside the store (removing a file on disk is I/O); a download under
    // way keeps them until it ends.
    drop(removed);
    deleted(id, "file")
}

/// The file's bytes, shared with the store (sent without a copy, from disk when they are
/// there).
pub(super) fn content(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let content = ctx.with_store(|store| {
        store
            .files
            .get(id)
            .map(|f| f.content.clone())
            .ok_or_else(|| Failure::not_found("file", id))
    })?;
    Ok(Reply::download(content))
}
