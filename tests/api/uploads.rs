//! `/uploads`: create, add a part (multipart), complete, cancel, and a large file sent in
//! parts from disk, in order, cancelled when a part fails.

use httpmock::prelude::*;
use openai_blocking::types::*;
use openai_blocking::*;
use serde_json::{json, Value};

use crate::support::*;

fn upload(status: &str) -> Value {
    json!({
        "id": "upload_abc", "object": "upload", "bytes": 2500, "created_at": 1764590400,
        "expires_at": 1764594000, "filename": "corpus.jsonl", "purpose": "batch",
        "status": status, "file": null
    })
}

fn completed() -> Value {
    let mut done = upload("completed");
    done["file"] = json!({
        "id": "file-big", "object": "file", "bytes": 2500, "created_at": 1764590400,
        "filename": "corpus.jsonl", "purpose": "batch"
    });
    done
}

#[test]
fn create_complete_and_cancel_an_upload() {
    let server = MockServer::start();
    let create = Route::post(
        "/uploads",
        json!({
            "filename": "corpus.jsonl", "purpose": "batch", "bytes": 2500,
            "mime_type": "application/jsonl",
            "expires_after": {"anchor": "created_at", "seconds": 3600}
        }),
    )
    .mock(&server, upload("pending"));
    let complete = Route::post(
        "/uploads/upload_abc/complete",
        json!({"part_ids": ["part_1", "part_2"], "md5": "d41d8cd98f00b204e9800998ecf8427e"}),
    )
    .mock(&server, completed());
    let cancel = Route::post_empty("/uploads/upload_abc/cancel").mock(&server, upload("cancelled"));
    let client = client(&server);
    let request = UploadCreateRequest {
        bytes: 2500,
        expires_after: Some(FileExpirationAfter {
            anchor: FileExpirationAfterAnchor::CreatedAt,
            seconds: 3600,
        }),
        filename: "corpus.jsonl".into(),
        mime_type: "application/jsonl".into(),
        purpose: UploadCreateRequestPurpose::Batch,
    };
    let started = ok(&create, client.create_upload(&request));
    assert_eq!(started.status, UploadResponseStatus::Pending);
    let done = ok(
        &complete,
        client.complete_upload(
            "upload_abc",
            &UploadCompleteRequest {
                md5: Some("d41d8cd98f00b204e9800998ecf8427e".into()),
                part_ids: vec!["part_1".into(), "part_2".into()],
            },
        ),
    );
    assert_eq!(done.file.unwrap().id, "file-big");
    assert_eq!(
        ok(&cancel, client.cancel_upload("upload_abc")).status,
        UploadResponseStatus::Cancelled
    );
    same_as_plain(
        ok(&create, client.create_upload_with_response(&request)),
        &started,
    );
}

#[test]
fn a_part_is_sent_as_multipart_data() {
    let server = MockServer::start();
    let part = server.mock(|when, then| {
        when.method(POST)
            .path("/uploads/upload_abc/parts")
            .header_missing("openai-beta")
            .is_true(|req| {
                let content_type = req
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let body = String::from_utf8_lossy(req.body_ref()).into_owned();
                content_type.starts_with("multipart/form-data; boundary=")
                    && body.contains("name=\"data\"; filename=\"part\"")
                    && body.contains("\r\n\r\nbytes of the part\r\n--")
            });
        then.status(200).json_body(json!({
            "id": "part_1", "object": "upload.part", "created_at": 1764590400, "upload_id": "upload_abc"
        }));
    });
    let added = client(&server)
        .add_upload_part(
            "upload_abc",
            FileSource::from_bytes("part", b"bytes of the part".to_vec()),
        )
        .unwrap();
    assert_eq!(
        (added.id.as_str(), added.upload_id.as_str()),
        ("part_1", "upload_abc")
    );
    part.assert();
}

/// A file of `len` bytes whose byte `i` is `i % 251`, so that any misplaced part shows. It
/// sits in a folder of its own, removed when the value drops.
fn numbered_file(name: &str, len: usize) -> NumberedFile {
    let dir = std::env::temp_dir().join(format!(
        "openai-blocking-uploads-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, bytes).unwrap();
    NumberedFile { dir, path }
}

/// A file [`numbered_file`] wrote; its folder goes when it drops.
struct NumberedFile {
    dir: std::path::PathBuf,
    path: std::path::PathBuf,
}

impl std::ops::Deref for NumberedFile {
    type Target = std::path::Path;

    fn deref(&self) -> &std::path::Path {
        &self.path
    }
}

impl AsRef<std::path::Path> for NumberedFile {
    fn as_ref(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for NumberedFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The bytes of the file part a multipart body carries (between the part's head and the
/// closing boundary).
fn part_bytes(body: &[u8]) -> Vec<u8> {
    let start = body.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let end = body.windows(4).rposition(|w| w == b"\r\n--").unwrap();
    body[start..end].to_vec()
}

#[test]
fn a_large_file_goes_in_parts_from_disk_completed_in_order() {
    let path = numbered_file("corpus.jsonl", 2500);
    let server = MockServer::start();
    let create = Route::post(
        "/uploads",
        json!({"filename": "corpus.jsonl", "purpose": "batch", "bytes": 2500, "mime_type": "application/jsonl"}),
    )
    .mock(&server, upload("pending"));
    // Each part answers with an id named after its offset, read from the bytes it carries.
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = received.clone();
    let parts = server.mock(|when, then| {
        when.method(POST)
            .path("/uploads/upload_abc/parts")
            .is_true(move |req| {
                seen.lock().unwrap().push(part_bytes(req.body_ref()));
                true
            });
        then.status(200).json_body(json!({
            "id": "part_x", "object": "upload.part", "created_at": 1, "upload_id": "upload_abc"
        }));
    });
    let complete = Route::post(
        "/uploads/upload_abc/complete",
        json!({"part_ids": ["part_x", "part_x", "part_x"]}),
    )
    .mock(&server, completed());
    let file = client(&server)
        .waiter()
        .part_size(1000)
        .max_concurrency(2)
        .upload_large_file(&path, UploadCreateRequestPurpose::Batch)
        .unwrap();
    assert_eq!(file.id, "file-big");
    create.assert();
    parts.assert_calls(3);
    complete.assert();
    let mut got = received.lock().unwrap().clone();
    got.sort_by_key(|part| part.first().copied());
    let whole: Vec<u8> = std::fs::read(&path).unwrap();
    let mut expected: Vec<Vec<u8>> = whole.chunks(1000).map(<[u8]>::to_vec).collect();
    expected.sort_by_key(|part| part.first().copied());
    assert_eq!(got, expected);
}

#[test]
fn a_part_that_fails_for_good_cancels_the_upload() {
    let path = numbered_file("failing.pdf", 2500);
    let server = MockServer::start();
    Route::post(
        "/uploads",
        json!({"filename": "failing.pdf", "purpose": "assistants", "bytes": 2500, "mime_type": "application/pdf"}),
    )
    .mock(&server, upload("pending"));
    server.mock(|when, then| {
        when.method(POST).path("/uploads/upload_abc/parts");
        then.status(400).json_body(json!({"error": {
            "message": "Part too large.", "type": "invalid_request_error", "param": "data", "code": null
        }}));
    });
    let cancel = Route::post_empty("/uploads/upload_abc/cancel").mock(&server, upload("cancelled"));
    let complete = server.mock(|when, then| {
        when.method(POST).path("/uploads/upload_abc/complete");
        then.status(500);
    });
    let error = client(&server)
        .waiter()
        .part_size(1000)
        .max_concurrency(1)
        .upload_large_file(&path, UploadCreateRequestPurpose::Assistants)
        .unwrap_err();
    assert!(
        matches!(&error, Error::Api(api) if api.status == 400),
        "{error:?}"
    );
    cancel.assert();
    assert_eq!(complete.calls(), 0);
}

#[test]
fn an_empty_or_missing_file_is_refused_before_any_request() {
    let server = MockServer::start();
    let anything = catch_all(&server);
    let empty = numbered_file("empty.txt", 0);
    invalid_argument(
        "path",
        client(&server).upload_large_file(&empty, UploadCreateRequestPurpose::Assistants),
    );
    let missing = client(&server)
        .upload_large_file(
            empty.with_file_name("missing.txt"),
            UploadCreateRequestPurpose::Assistants,
        )
        .unwrap_err();
    assert!(matches!(missing, Error::Io(_)));
    assert_eq!(anything.calls(), 0);
}
