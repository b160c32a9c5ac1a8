//! `/uploads`: a file of up to 8 GiB sent in parts of up to 64 MiB. Each part is written to
//! disk as it arrives (memory holds one buffer of it at a time); completing the upload makes
//! a file whose bytes are the parts on disk, in the order given, read from there when the
//! file is downloaded or used. An upload expires an hour after it was made, on the engine's
//! clock.

use std::sync::Arc;
use std::time::Duration;

use openai_blocking::types::*;

use super::super::clock::later;
use super::super::http::{Ctx, Failure, Reply};
use super::super::md5;
use super::super::multipart;
use super::super::spool::{Content, SpoolFile};
use super::super::store::{StoredFile, Upload, UploadPart};
use super::files::PURPOSES;

/// The largest upload: 8 GiB.
pub(crate) const MAX_UPLOAD_BYTES: u64 = 8 << 30;
/// The largest part: 64 MiB.
pub(crate) const MAX_PART_BYTES: usize = 64 << 20;
/// How long an upload may stay pending.
const LIFETIME: Duration = Duration::from_secs(3600);
/// The shortest and longest life of the file an upload makes, in seconds (an hour, 30 days).
const FILE_EXPIRY: (i64, i64) = (3600, 30 * 86_400);

pub(super) fn create(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let r: UploadCreateRequest = ctx.json()?;
    if r.filename.trim().is_empty() {
        return Err(Failure::invalid("'filename' must not be empty.").param("filename"));
    }
    let purpose = r.purpose.to_string();
    if !PURPOSES.contains(&purpose.as_str()) {
        return Err(Failure::invalid(format!(
            "Invalid value: '{purpose}'. Supported values are: {}.",
            PURPOSES.map(|p| format!("'{p}'")).join(", ")
        ))
        .param("purpose")
        .code("invalid_value"));
    }
    if !(1..=MAX_UPLOAD_BYTES as i64).contains(&r.bytes) {
        return Err(Failure::invalid(format!(
            "Invalid 'bytes': an upload holds 1 to {MAX_UPLOAD_BYTES} bytes (8 GiB), got {}.",
            r.bytes
        ))
        .param("bytes")
        .code("integer_out_of_range"));
    }
    if r.mime_type.trim().is_empty() {
        return Err(Failure::invalid("'mime_type' must not be empty.").param("mime_type"));
    }
    let file_expiry = match &r.expires_after {
        None => None,
        Some(after) => {
            let (min, max) = FILE_EXPIRY;
            if !(min..=max).contains(&after.seconds) {
                return Err(Failure::invalid(format!(
                    "Invalid 'seconds': expected a value between {min} and {max}, got {}.",
                    after.seconds
                ))
                .param("expires_after.seconds")
                .code("integer_out_of_range"));
            }
            Some(after.seconds)
        }
    };
    let now = ctx.now();
    let resp = ctx.with_store(|store| {
        let id = store.ids.issue("upload_").0;
        let resp = UploadResponse {
            extra: Default::default(),
            bytes: r.bytes,
            created_at: now.unix,
            expires_at: now.unix + LIFETIME.as_secs() as i64,
            file: None,
            filename: r.filename.clone(),
            id: id.clone(),
            object: Some(UploadResponseObject::Upload),
            purpose,
            status: UploadResponseStatus::Pending,
        };
        let upload = Upload {
            resp: resp.clone(),
            deadline: later(now.at, LIFETIME),
            parts: Vec::new(),
            file_expiry,
        };
        store.uploads.insert(id, upload);
        resp
    });
    Reply::json(&resp)
}

/// Checks that upload `id` takes parts (or can be completed): it exists and is pending. The
/// parts of an upload found expired go to `gone`, to be dropped with the store free
/// (removing their files is I/O).
fn pending(
    upload: Option<&mut Upload>,
    id: &str,
    now: std::time::Instant,
    doing: &str,
    gone: &mut Vec<UploadPart>,
) -> Result<(), Failure> {
    let upload = upload.ok_or_else(|| Failure::not_found("upload", id))?;
    gone.extend(upload.refresh(now));
    if upload.resp.status != UploadResponseStatus::Pending {
        return Err(Failure::invalid(format!(
            "Cannot {doing} upload {id}: its status is '{}'.",
            upload.resp.status
        )));
    }
    Ok(())
}

pub(super) fn add_part(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    // Before the part's bytes are read: an upload that takes none refuses them at once.
    let now = ctx.now();
    let mut gone = Vec::new();
    let open = ctx.with_store(|store| {
        pending(
            store.uploads.get_mut(id),
            id,
            now.at,
            "add a part to",
            &mut gone,
        )
    });
    drop(gone);
    open?;
    let boundary = multipart::boundary(ctx.content_type).ok_or_else(|| {
        Failure::invalid("A part is a multipart/form-data request with the field 'data'.")
    })?;
    let spool = ctx.spool();
    let fields =
        multipart::parse_spooling(ctx.body, &boundary, MAX_PART_BYTES, Some(("data", spool)))?;
    let data = fields.into_iter().find_map(|f| f.spooled).ok_or_else(|| {
        Failure::invalid("Missing required parameter: 'data'.")
            .param("data")
            .code("missing_required_parameter")
    })?;
    let file = data
        .finish()
        .map_err(|e| Failure::server(format!("The part could not be written to disk: {e}.")))?;
    let now = ctx.now();
    let mut gone = Vec::new();
    let added = ctx.with_store(|store| {
        pending(store.uploads.get_mut(id), id, now.at, "add a part to", &mut gone)?;
        let part_id = store.ids.issue("part_").0;
        let upload = store
            .uploads
            .get_mut(id)
            .ok_or_else(|| Failure::not_found("upload", id))?;
        let held: u64 = upload.parts.iter().map(|p| p.file.len()).sum();
        if held + file.len() > MAX_UPLOAD_BYTES {
            return Err(Failure::invalid(format!(
                "The parts of an upload hold at most {MAX_UPLOAD_BYTES} bytes (8 GiB); this part would take them to {}.",
                held + file.len()
            ))
            .param("data"));
        }
        upload.parts.push(UploadPart {
            id: part_id.clone(),
            file: file.clone(),
        });
        let resp = UploadPartResponse {
            extra: Default::default(),
            created_at: now.unix,
            id: part_id,
            object: UploadPartResponseObject::UploadPart,
            upload_id: id.to_string(),
        };
        Ok::<_, Failure>(resp)
    });
    drop(gone);
    Reply::json(&added?)
}

pub(super) fn complete(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let r: UploadCompleteRequest = ctx.json()?;
    let now = ctx.now();
    // The parts, in the order given, checked against the upload.
    let mut gone = Vec::new();
    let files = ctx.with_store(|store| {
        pending(store.uploads.get_mut(id), id, now.at, "complete", &mut gone)?;
        let upload = store
            .uploads
            .get(id)
            .ok_or_else(|| Failure::not_found("upload", id))?;
        let mut files: Vec<Arc<SpoolFile>> = Vec::with_capacity(r.part_ids.len());
        for (i, part_id) in r.part_ids.iter().enumerate() {
            if r.part_ids[..i].contains(part_id) {
                return Err(Failure::invalid(format!(
                    "The part '{part_id}' is listed twice."
                ))
                .param(format!("part_ids[{i}]")));
            }
            let part = upload
                .parts
                .iter()
                .find(|p| &p.id == part_id)
                .ok_or_else(|| {
                    Failure::invalid(format!("The upload {id} has no part '{part_id}'."))
                        .param(format!("part_ids[{i}]"))
                })?;
            files.push(part.file.clone());
        }
        let total: u64 = files.iter().map(|f| f.len()).sum();
        if total != upload.resp.bytes as u64 {
            return Err(Failure::invalid(format!(
                "The parts listed hold {total} bytes, but the upload was created with 'bytes': {}; the two must match.",
                upload.resp.bytes
            ))
            .param("part_ids"));
        }
        Ok::<_, Failure>(files)
    });
    drop(gone);
    let content = Content::Spooled(Arc::new(files?));
    if let Some(expected) = &r.md5 {
        // Reading every part again is slow: done with the store free.
        let actual = md5::hex_of(content.reader())
            .map_err(|e| Failure::server(format!("The parts could not be read: {e}.")))?;
        if !actual.eq_ignore_ascii_case(expected.trim()) {
            return Err(Failure::invalid(format!(
                "The parts' MD5 checksum is {actual}, not the one given ({expected})."
            ))
            .param("md5"));
        }
    }
    let now = ctx.now();
    let mut gone = Vec::new();
    let completed = ctx.with_store(|store| {
        // A cancel may have come meanwhile.
        pending(store.uploads.get_mut(id), id, now.at, "complete", &mut gone)?;
        let (file_id, seq) = store.ids.issue("file-");
        let upload = store
            .uploads
            .get_mut(id)
            .ok_or_else(|| Failure::not_found("upload", id))?;
        let purpose: FileResponsePurpose =
            serde_json::from_value(serde_json::Value::String(upload.resp.purpose.clone()))
                .map_err(|e| Failure::server(e.to_string()))?;
        let file = FileResponse {
            extra: Default::default(),
            bytes: upload.resp.bytes,
            created_at: now.unix,
            expires_at: upload.file_expiry.map(|s| now.unix + s),
            filename: upload.resp.filename.clone(),
            id: file_id.clone(),
            object: FileResponseObject::File,
            purpose,
            status: Some(FileResponseStatus::Processed),
            status_details: None,
        };
        upload.resp.status = UploadResponseStatus::Completed;
        upload.resp.file = Some(file.clone());
        // The parts not listed go (their files are removed once the store is free).
        gone.append(&mut upload.parts);
        let resp = upload.resp.clone();
        store.files.insert(
            file_id,
            StoredFile {
                seq,
                resp: file,
                content,
            },
        );
        Ok::<_, Failure>(resp)
    });
    drop(gone);
    Reply::json(&completed?)
}

pub(super) fn cancel(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let now = ctx.now();
    let mut gone = Vec::new();
    let cancelled = ctx.with_store(|store| {
        pending(store.uploads.get_mut(id), id, now.at, "cancel", &mut gone)?;
        let upload = store
            .uploads
            .get_mut(id)
            .ok_or_else(|| Failure::not_found("upload", id))?;
        upload.resp.status = UploadResponseStatus::Cancelled;
        gone.append(&mut upload.parts);
        Ok::<_, Failure>(upload.resp.clone())
    });
    // The parts' files are removed now, outside the store.
    drop(gone);
    Reply::json(&cancelled?)
}
