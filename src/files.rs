//! `/files`: upload, list, read, download and delete files.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::endpoint::{api_path, endpoints, list_iterators};
use crate::query::query_string;
use crate::transport;
use crate::transport::{Multipart, Request};
use crate::types::*;
use crate::*;

/// The range of `expires_after.seconds` the API accepts: one hour to thirty days.
const FILE_EXPIRY_SECONDS: (i64, i64) = (3600, 2_592_000);

/// An upload to `POST /files`: the purpose (`assistants`, `batch`, `vision`, `user_data`,
/// ...), the content and, optionally, when the file expires.
#[derive(Debug)]
#[must_use = "an upload is only sent by `OpenAIClient::create_file`"]
pub struct FileUploadRequest {
    purpose: String,
    file: FileSource,
    expires_after: Option<FileExpirationAfter>,
}

impl FileUploadRequest {
    /// An upload of `file` for `purpose`, kept until deleted (or as the API decides for its
    /// purpose: batch files expire after 30 days).
    pub fn new(purpose: impl Into<String>, file: FileSource) -> Self {
        FileUploadRequest {
            purpose: purpose.into(),
            file,
            expires_after: None,
        }
    }

    /// The file expires this long after its creation (whole seconds, from one hour to 30
    /// days; another length is refused before anything is sent).
    pub fn expires_after(mut self, after: std::time::Duration) -> Self {
        self.expires_after = Some(FileExpirationAfter {
            anchor: FileExpirationAfterAnchor::CreatedAt,
            seconds: i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        });
        self
    }
}

impl OpenAIClient {
    /// Uploads bytes as a file (`POST /files`, multipart), as in the seed API.
    /// `purpose` is e.g. `assistants`, `vision` or `batch`.
    pub fn upload_file(
        &self,
        purpose: &str,
        file_name: &str,
        bytes: impl Into<Arc<[u8]>>,
    ) -> Result<FileResponse, Error> {
        self.upload(FileUploadRequest::new(
            purpose,
            FileSource::from_bytes(file_name, bytes),
        ))
        .map(ApiResponse::into_data)
    }

    /// Uploads a file from disk, streamed with constant memory; retried like any request,
    /// since the file can be read again.
    pub fn upload_file_from_path(
        &self,
        purpose: &str,
        path: impl AsRef<Path>,
    ) -> Result<FileResponse, Error> {
        self.upload(FileUploadRequest::new(
            purpose,
            FileSource::from_path(path.as_ref()),
        ))
        .map(ApiResponse::into_data)
    }

    /// Uploads from a reader, streamed with constant memory. `len` is the exact length when
    /// known. The body cannot be replayed, so a failed upload is not retried.
    pub fn upload_file_from_reader(
        &self,
        purpose: &str,
        file_name: &str,
        reader: impl Read + Send + 'static,
        len: Option<u64>,
    ) -> Result<FileResponse, Error> {
        self.upload(FileUploadRequest::new(
            purpose,
            FileSource::from_reader(file_name, reader, len),
        ))
        .map(ApiResponse::into_data)
    }

    /// Uploads any [`FileSource`], with the response's status, headers and request id.
    pub fn upload_file_with_response(
        &self,
        purpose: &str,
        file: FileSource,
    ) -> Result<ApiResponse<FileResponse>, Error> {
        self.upload(FileUploadRequest::new(purpose, file))
    }

    /// Uploads a file with every option the API takes (`POST /files`, multipart): its
    /// purpose, its content and when it expires.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use openai_blocking::{FileSource, FileUploadRequest, OpenAIClient};
    ///
    /// # fn main() -> Result<(), openai_blocking::Error> {
    /// let client = OpenAIClient::from_env()?;
    /// let upload = FileUploadRequest::new("batch", FileSource::from_path("requests.jsonl"))
    ///     .expires_after(Duration::from_secs(24 * 3600));
    /// let file = client.create_file(upload)?;
    /// # let _ = file;
    /// # Ok(())
    /// # }
    /// ```
    pub fn create_file(&self, upload: FileUploadRequest) -> Result<FileResponse, Error> {
        self.upload(upload).map(ApiResponse::into_data)
    }

    /// [`create_file`](Self::create_file), with the response's status, headers and request id.
    pub fn create_file_with_response(
        &self,
        upload: FileUploadRequest,
    ) -> Result<ApiResponse<FileResponse>, Error> {
        self.upload(upload)
    }

    fn upload(&self, upload: FileUploadRequest) -> Result<ApiResponse<FileResponse>, Error> {
        let FileUploadRequest {
            purpose,
            file,
            expires_after,
        } = upload;
        if purpose.trim().is_empty() {
            return Err(Error::InvalidArgument {
                name: "purpose",
                message: "must not be empty".into(),
            });
        }
        if file.file_name().trim().is_empty() {
            return Err(Error::InvalidArgument {
                name: "file_name",
                message: "must not be empty".into(),
            });
        }
        let mut form = Multipart::new("file", file).text("purpose", purpose);
        if let Some(expiry) = expires_after {
            if !(FILE_EXPIRY_SECONDS.0..=FILE_EXPIRY_SECONDS.1).contains(&expiry.seconds) {
                return Err(Error::InvalidArgument {
                    name: "expires_after",
                    message: format!(
                        "{} s is outside the API's range of {} s (1 hour) to {} s (30 days)",
                        expiry.seconds, FILE_EXPIRY_SECONDS.0, FILE_EXPIRY_SECONDS.1
                    ),
                });
            }
            form = form
                .text("expires_after[anchor]", expiry.anchor.to_string())
                .text("expires_after[seconds]", expiry.seconds.to_string());
        }
        self.send(Request::post("/files").multipart(form))
    }

    /// The content of a file, read whole into memory (`GET /files/{id}/content`).
    pub fn get_file_content(&self, file_id: &str) -> Result<Vec<u8>, Error> {
        let request = Request::get(format!(
            "/files/{}/content",
            transport::encode_path_id("file_id", file_id)?
        ));
        self.send_for_bytes(request).map(ApiResponse::into_data)
    }

    /// The content of a file as a reader, for large files (`GET /files/{id}/content`).
    pub fn get_file_content_reader(&self, file_id: &str) -> Result<ContentReader, Error> {
        let request = Request::get(format!(
            "/files/{}/content",
            transport::encode_path_id("file_id", file_id)?
        ));
        self.send_for_reader(request).map(ApiResponse::into_data)
    }
}

endpoints! {
    /// One page of uploaded files (`GET /files`), optionally of one purpose.
    fn get_files / get_files_with_response(query: Option<&FileListQueryParameters>) -> FileListResponse {
        Request::get("/files").query_string(query_string(query))
    }
    /// A file's metadata by id (`GET /files/{id}`).
    fn get_file / get_file_with_response(file_id: &str) -> FileResponse {
        Request::get(api_path!("/files/{}", file_id))
    }
    /// Deletes a file; it also leaves the vector stores holding it (`DELETE /files/{id}`).
    fn delete_file / delete_file_with_response(file_id: &str) -> DeleteStatusResponse {
        Request::delete(api_path!("/files/{}", file_id))
    }
}

list_iterators! {
    /// Every uploaded file, page after page, starting from `query`.
    fn iter_files() -> FileResponse = get_files(FileListQueryParameters)
}
