//! `/batches`: create a batch over an uploaded JSONL file of requests, read it, list them,
//! cancel it. The lifecycle (validation, the lines run against the engine's own handlers,
//! the output and error files) is in `batching`.

use serde_json::Value;

use openai_blocking::types::*;

use super::super::batching::{self, Batch};
use super::super::http::{Ctx, Failure, Reply};
use super::super::page::paginate;
use super::check_metadata;

/// The endpoints a batch of the engine may call.
const ENDPOINTS: [&str; 3] = ["/v1/responses", "/v1/chat/completions", "/v1/embeddings"];

/// The shortest and longest life of a batch's output files, in seconds (an hour, 30 days).
const OUTPUT_EXPIRY: (i64, i64) = (3600, 30 * 86_400);

pub(super) fn create(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let r: BatchCreateRequest = ctx.json()?;
    let endpoint = r.endpoint.to_string();
    if !ENDPOINTS.contains(&endpoint.as_str()) {
        return Err(Failure::invalid(format!(
            "Invalid value: '{endpoint}'. Supported values are: {}.",
            ENDPOINTS.map(|e| format!("'{e}'")).join(", ")
        ))
        .param("endpoint")
        .code("invalid_value"));
    }
    if r.completion_window != BatchCreateRequestCompletionWindow::X24h {
        return Err(Failure::invalid(format!(
            "Invalid value: '{}'. Supported values are: '24h'.",
            r.completion_window
        ))
        .param("completion_window")
        .code("invalid_value"));
    }
    check_metadata(r.metadata.as_ref(), "metadata")?;
    let output_expiry = match &r.output_expires_after {
        None => None,
        Some(after) => {
            if after.anchor != BatchFileExpirationAfterAnchor::CreatedAt {
                return Err(Failure::invalid(format!(
                    "Invalid value: '{}'. Supported values are: 'created_at'.",
                    after.anchor
                ))
                .param("output_expires_after.anchor")
                .code("invalid_value"));
            }
            let (min, max) = OUTPUT_EXPIRY;
            if !(min..=max).contains(&after.seconds) {
                return Err(Failure::invalid(format!(
                    "Invalid 'seconds': expected a value between {min} and {max}, got {}.",
                    after.seconds
                ))
                .param("output_expires_after.seconds")
                .code("integer_out_of_range"));
            }
            Some(after.seconds)
        }
    };
    let now = ctx.now();
    let view = ctx.with_store(|store| {
        let file = store.files.get(&r.input_file_id).ok_or_else(|| {
            Failure::not_found("file", &r.input_file_id).param("input_file_id")
        })?;
        if file.resp.purpose != FileResponsePurpose::Batch {
            return Err(Failure::invalid(format!(
                "The file '{}' has the purpose '{}': a batch's input file is uploaded with the purpose 'batch'.",
                r.input_file_id, file.resp.purpose
            ))
            .param("input_file_id")
            .code("invalid_value"));
        }
        let input = file.content.clone();
        let (id, seq) = store.ids.issue("batch_");
        let resp = BatchResponse {
            extra: Default::default(),
            cancelled_at: None,
            cancelling_at: None,
            completed_at: None,
            completion_window: "24h".into(),
            created_at: now.unix,
            endpoint,
            error_file_id: None,
            errors: None,
            expired_at: None,
            expires_at: None,
            failed_at: None,
            finalizing_at: None,
            id: id.clone(),
            in_progress_at: None,
            input_file_id: r.input_file_id.clone(),
            metadata: r.metadata.clone(),
            model: None,
            object: BatchResponseObject::Batch,
            output_file_id: None,
            request_counts: None,
            status: BatchResponseStatus::Validating,
            usage: None,
        };
        let batch = Batch::new(seq, resp, input, now, output_expiry);
        let view = batch.view();
        store.batches.insert(id, batch);
        Ok(view)
    })?;
    Reply::json(&view)
}

/// The batch `id` as it is now.
fn view(ctx: &mut Ctx<'_>, id: &str) -> Result<Value, Failure> {
    ctx.with_store(|store| {
        store
            .batches
            .get(id)
            .map(Batch::view)
            .ok_or_else(|| Failure::not_found("batch", id))
    })
}

pub(super) fn get(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    batching::pump(ctx.session(), id);
    Reply::json(&view(ctx, id)?)
}

pub(super) fn list(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let q: BatchListQueryParameters = ctx.query()?;
    let params = ctx.list_params(q.limit, None, q.after.as_deref(), None, (20, 100))?;
    batching::pump_all(ctx.session());
    let page = ctx.with_store(|store| {
        let items = store.batches.values().map(|b| (b.seq, b));
        paginate(items, |b| &b.resp.id, &params).map(Batch::view)
    });
    Reply::json(&serde_json::json!({
        "object": "list",
        "data": page.data,
        "first_id": page.first_id,
        "last_id": page.last_id,
        "has_more": page.has_more,
    }))
}

pub(super) fn cancel(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    batching::pump(ctx.session(), id);
    let now = ctx.now();
    let view = ctx.with_store(|store| {
        let batch = store
            .batches
            .get_mut(id)
            .ok_or_else(|| Failure::not_found("batch", id))?;
        batch.cancel(now).map_err(Failure::invalid)?;
        Ok::<_, Failure>(batch.view())
    })?;
    Reply::json(&view)
}
