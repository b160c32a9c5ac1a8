//! `/files`: upload, list, read, download and delete files.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::endpoint::{api_path, endpoints, list_iterators};
use crate::query::query_string;
use crate::transport;
use crate::transport::{Multipart, Request};
use crate::*;

impl OpenAIClient {
    /// Uploads bytes as a file (`POST /files`, multipart), as in the seed API.
    /// `purpose` is e.g. `assistants`, `vision` or `batch`.
    pub fn upload_file(
        &self,
        purpose: &str,
        file_name: &str,
        bytes: impl Into<Arc<[u8]>>,
    ) -> Result<FileResponse, Error> {
        self.upload(purpose, FileSource::from_bytes(file_name, bytes))
            .map(ApiResponse::into_data)
    }

    /// Uploads a file from disk, streamed with constant memory; retried like any request,
    /// since the file can be read again.
    pub fn upload_file_from_path(
        &self,
        purpose: &str,
        path: impl AsRef<Path>,
    ) -> Result<FileResponse, Error> {
        self.upload(purpose, FileSource::from_path(path.as_ref()))
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
        self.upload(purpose, FileSource::from_reader(file_name, reader, len))
            .map(ApiResponse::into_data)
    }

    /// Uploads any [`FileSource`], with the response's status, headers and request id.
    pub fn upload_file_with_response(
        &self,
        purpose: &str,
        file: FileSource,
    ) -> Result<ApiResponse<FileResponse>, Error> {
        self.upload(purpose, file)
    }

    fn upload(&self, purpose: &str, file: FileSource) -> Result<ApiResponse<FileResponse>, Error> {
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
        let form = Multipart::new("file", file).text("purpose", purpose);
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
