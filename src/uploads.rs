//! `/uploads`: a file of up to 8 GB sent in parts of up to 64 MB, for what `/files` (512 MB)
//! cannot take; and [`upload_large_file`](crate::Waiter::upload_large_file), which does it all
//! from a path.

use std::path::Path;

use crate::endpoint::{api_path, endpoints};
use crate::transport::{FileSource, Multipart, Request};
use crate::types::*;
use crate::{Error, OpenAIClient, Waiter};

/// The largest file an upload takes: 8 GB.
pub const MAX_UPLOAD_BYTES: u64 = 8 * 1024 * 1024 * 1024;
/// The largest part of an upload: 64 MB.
pub const MAX_UPLOAD_PART_BYTES: u64 = 64 * 1024 * 1024;

endpoints! {
    /// Starts an upload (`POST /uploads`): the file's name, size, MIME type and purpose. Add
    /// its parts, then complete it within an hour.
    fn create_upload / create_upload_with_response(request: &UploadCreateRequest) -> UploadResponse {
        Request::post("/uploads").json(request)?
    }
    /// Completes an upload with its parts in order (`POST /uploads/{id}/complete`); the
    /// answer's `file` is the uploaded file.
    fn complete_upload / complete_upload_with_response(upload_id: &str, request: &UploadCompleteRequest) -> UploadResponse {
        Request::post(api_path!("/uploads/{}/complete", upload_id)).json(request)?
    }
    /// Cancels an upload (`POST /uploads/{id}/cancel`): its parts are dropped.
    fn cancel_upload / cancel_upload_with_response(upload_id: &str) -> UploadResponse {
        Request::post(api_path!("/uploads/{}/cancel", upload_id))
    }
}

impl OpenAIClient {
    /// Adds a part of at most 64 MB to an upload (`POST /uploads/{id}/parts`, multipart),
    /// streamed from `data` (see [`FileSource::from_file_range`] for a part of a file on disk).
    #[inline]
    pub fn add_upload_part(
        &self,
        upload_id: &str,
        data: FileSource,
    ) -> Result<UploadPartResponse, Error> {
        self.add_upload_part_with_response(upload_id, data)
            .map(crate::ApiResponse::into_data)
    }

    /// [`add_upload_part`](Self::add_upload_part), with the response's status, headers and
    /// request id.
    #[inline]
    pub fn add_upload_part_with_response(
        &self,
        upload_id: &str,
        data: FileSource,
    ) -> Result<crate::ApiResponse<UploadPartResponse>, Error> {
        let path = api_path!("/uploads/{}/parts", upload_id);
        self.send(Request::post(path).multipart(Multipart::new("data", data)))
    }

    /// [`Waiter::upload_large_file`] with 4 parts in flight; see there.
    #[inline]
    pub fn upload_large_file(
        &self,
        path: impl AsRef<Path>,
        purpose: UploadCreateRequestPurpose,
    ) -> Result<FileResponse, Error> {
        self.waiter()
            .max_concurrency(DEFAULT_PART_CONCURRENCY)
            .upload_large_file(path, purpose)
    }
}

/// Parts in flight in [`OpenAIClient::upload_large_file`].
const DEFAULT_PART_CONCURRENCY: usize = 4;

impl Waiter<'_> {
    /// Uploads the file at `path` (up to 8 GB) through the Uploads API: creates the upload,
    /// sends parts of 64 MB ([`part_size`](Self::part_size)) read from disk as they go (never the whole file in memory; about
    /// one part's buffers per part in flight, [`max_concurrency`](Self::max_concurrency) of
    /// them), each part retried on its own by the client's retry policy, then completes the
    /// upload with the parts in the file's order and returns the file.
    ///
    /// When a part fails for good, or the [cancel flag](Self::cancel_flag) is raised, no new
    /// part starts, the upload is cancelled on the server and the error is returned
    /// ([`Error::UploadCancelled`] for the flag). The MIME type comes from the file's
    /// extension (`application/octet-stream` when unknown); use
    /// [`create_upload`](OpenAIClient::create_upload) directly to choose it.
    #[inline]
    pub fn upload_large_file(
        &mut self,
        path: impl AsRef<Path>,
        purpose: UploadCreateRequestPurpose,
    ) -> Result<FileResponse, Error> {
        let path = path.as_ref();
        let bytes = std::fs::metadata(path)?.len();
        if bytes == 0 || bytes > MAX_UPLOAD_BYTES {
            return Err(Error::InvalidArgument {
                name: "path",
                message: format!(
                    "{} has {bytes} bytes; an upload takes 1 byte to {MAX_UPLOAD_BYTES} bytes (8 GB)",
                    path.display()
                ),
            });
        }
        let filename = path
            .file_name()
            .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
        let upload = self.client().create_upload(&UploadCreateRequest {
            bytes: bytes as i64,
            expires_after: None,
            mime_type: mime_type(path).into(),
            purpose,
            filename,
        })?;
        let size = self.upload_part_size();
        let parts: Vec<(u64, u64)> = (0..bytes.div_ceil(size))
            .map(|i| {
                let offset = i * size;
                (offset, size.min(bytes - offset))
            })
            .collect();
        let client = self.client();
        let results = self.in_parallel(parts, |(offset, len)| {
            client.add_upload_part(&upload.id, FileSource::from_file_range(path, offset, len))
        });
        let total = results.len();
        let mut part_ids = Vec::with_capacity(total);
        let mut failure = None;
        for result in results {
            match result {
                Some(Ok(part)) => part_ids.push(part.id),
                Some(Err(e)) => {
                    failure.get_or_insert(e);
                }
                None => {}
            }
        }
        if failure.is_some() || part_ids.len() < total {
            if let Err(e) = client.cancel_upload(&upload.id) {
                log::warn!(
                    "cancelling upload {} after a failed part failed too: {e}",
                    upload.id
                );
            }
            return Err(failure.unwrap_or(Error::UploadCancelled {
                uploaded: part_ids.len(),
                total,
            }));
        }
        let done = client.complete_upload_with_response(
            &upload.id,
            &UploadCompleteRequest {
                md5: None,
                part_ids,
            },
        )?;
        let meta = crate::ResponseMeta::new(done.status, &done.headers);
        done.data.file.ok_or_else(|| Error::InvalidBody {
            source: format!("upload {} completed without its file", upload.id).into(),
            response: Box::new(meta),
        })
    }
}

/// The MIME type of common files by extension.
fn mime_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "md" => "text/markdown",
        "json" => "application/json",
        "jsonl" => "application/jsonl",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        _ => "application/octet-stream",
    }
}
