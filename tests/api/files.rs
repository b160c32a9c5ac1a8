//! `/files`: the four uploads (multipart), list (with `purpose`), get, delete, content as bytes
//! and as a reader, and the walker. None of these may carry `OpenAI-Beta`.

use std::io::Read;

use httpmock::{Method, Mock, MockServer};
use openai_blocking::types::*;
use openai_blocking::*;
use serde_json::json;

use crate::requests::files_query;
use crate::support::*;

fn file() -> serde_json::Value {
    fixture("openai_file.json")
}

fn uploaded(name: &str, bytes: usize, purpose: &str) -> serde_json::Value {
    let mut f = file();
    f["filename"] = json!(name);
    f["bytes"] = json!(bytes);
    f["purpose"] = json!(purpose);
    f["status"] = json!("uploaded");
    f
}

/// The parts of a `multipart/form-data` body as (part headers, content), or why it is malformed.
fn form_parts(content_type: &str, body: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .ok_or_else(|| format!("content type {content_type:?}"))?;
    let delimiter = format!("\r\n--{boundary}").into_bytes();
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    // Prefix a CRLF so that the first delimiter looks like the others.
    let body = [b"\r\n".as_slice(), body].concat();
    let mut rest = body
        .strip_prefix(delimiter.as_slice())
        .ok_or("the body does not start with the boundary")?;
    let mut parts = Vec::new();
    loop {
        if rest == b"--\r\n" {
            return Ok(parts);
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or("no CRLF after a boundary")?;
        let head_end = find(rest, b"\r\n\r\n").ok_or("a part without a blank line")?;
        let head = String::from_utf8_lossy(&rest[..head_end]).into_owned();
        rest = &rest[head_end + 4..];
        let end = find(rest, &delimiter).ok_or("a part without a closing boundary")?;
        parts.push((head, rest[..end].to_vec()));
        rest = &rest[end + delimiter.len()..];
    }
}

/// A mock for `POST /files` whose multipart body must be exactly the `purpose` field and one
/// file part named `file_name` holding `content`; with `length` set, `Content-Length` must be
/// the body's length.
fn upload_mock<'a>(
    server: &'a MockServer,
    purpose: &str,
    file_name: &str,
    content: &[u8],
    length: bool,
    response: serde_json::Value,
) -> Mock<'a> {
    let fields = [("purpose", purpose)];
    upload_mock_with(server, &fields, file_name, content, length, response)
}

/// [`upload_mock`] with any text fields, in order, before the file part.
fn upload_mock_with<'a>(
    server: &'a MockServer,
    fields: &[(&str, &str)],
    file_name: &str,
    content: &[u8],
    length: bool,
    response: serde_json::Value,
) -> Mock<'a> {
    let mut expected: Vec<(String, Vec<u8>)> = fields
        .iter()
        .map(|(name, value)| {
            (
                format!("Content-Disposition: form-data; name=\"{name}\""),
                value.as_bytes().to_vec(),
            )
        })
        .collect();
    expected.push((
        format!(
            "Content-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream"
        ),
        content.to_vec(),
    ));
    server.mock(|when, then| {
        let when = when
            .method(Method::POST)
            .is_true(|req| req.uri().path() == "/files" && req.uri().query().is_none())
            .header("authorization", format!("Bearer {KEY}"))
            .header_missing("openai-beta")
            .header_prefix("content-type", "multipart/form-data; boundary=")
            .is_true(move |req| {
                let headers = req.headers();
                let content_type = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                match form_parts(content_type, req.body_ref()) {
                    Ok(parts) if parts == expected => true,
                    Ok(parts) => {
                        eprintln!("unexpected multipart parts: {parts:?}");
                        false
                    }
                    Err(why) => {
                        eprintln!("malformed multipart body: {why}");
                        false
                    }
                }
            });
        if length {
            when.is_true(|req| {
                req.headers()
                    .get("content-length")
                    .and_then(|v| v.to_str().ok())
                    == Some(req.body_ref().len().to_string().as_str())
            });
        }
        then.status(200)
            .header("content-type", "application/json")
            .header("x-request-id", REQUEST_ID)
            .json_body(response);
    })
}

/// Bytes that are not valid UTF-8 and contain CR, LF and dashes, to show they pass untouched.
fn binary_content() -> Vec<u8> {
    let mut bytes = b"--\r\n\r\nPK\x03\x04".to_vec();
    bytes.extend((0u8..=255).rev());
    bytes
}

#[test]
fn upload_file_sends_purpose_name_and_bytes() {
    let server = MockServer::start();
    let content = binary_content();
    let mock = upload_mock(
        &server,
        "assistants",
        "report.pdf",
        &content,
        true,
        uploaded("report.pdf", content.len(), "assistants"),
    );
    let client = client(&server);
    let file = ok(
        &mock,
        client.upload_file("assistants", "report.pdf", content.clone()),
    );
    assert_eq!(file.filename, "report.pdf");
    assert_eq!(file.bytes, content.len() as i64);
    assert_eq!(file.purpose, FileResponsePurpose::Assistants);
    assert_eq!(file.status, Some(FileResponseStatus::Uploaded));
    assert_eq!(file.object, FileResponseObject::File);
    mock.assert();
}

#[test]
fn upload_file_from_path_streams_the_file() {
    let server = MockServer::start();
    let content = b"name,revenue\nnorth,12\nsouth,9\n".to_vec();
    let mock = upload_mock(
        &server,
        "vision",
        "sales q3.csv",
        &content,
        true,
        uploaded("sales q3.csv", content.len(), "vision"),
    );
    let dir = std::env::temp_dir().join(format!("openai-blocking-api-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sales q3.csv");
    std::fs::write(&path, &content).unwrap();
    let result = client(&server).upload_file_from_path("vision", &path);
    std::fs::remove_dir_all(&dir).unwrap();
    let file = ok(&mock, result);
    assert_eq!(file.filename, "sales q3.csv");
    assert_eq!(file.purpose, FileResponsePurpose::Vision);
    mock.assert();
}

#[test]
fn upload_file_from_reader_with_and_without_length() {
    let server = MockServer::start();
    let content = binary_content();
    let sized = upload_mock(
        &server,
        "batch",
        "requests.jsonl",
        &content,
        true,
        uploaded("requests.jsonl", content.len(), "batch"),
    );
    let client = client(&server);
    let reader = std::io::Cursor::new(content.clone());
    let file = ok(
        &sized,
        client.upload_file_from_reader(
            "batch",
            "requests.jsonl",
            reader,
            Some(content.len() as u64),
        ),
    );
    assert_eq!(file.purpose, FileResponsePurpose::Batch);
    sized.assert();

    let server = MockServer::start();
    let chunked = upload_mock(
        &server,
        "user_data",
        "notes.txt",
        b"streamed without a length",
        false,
        uploaded("notes.txt", 25, "user_data"),
    );
    let reader = std::io::Cursor::new(b"streamed without a length".to_vec());
    let file = ok(
        &chunked,
        crate::support::client(&server).upload_file_from_reader(
            "user_data",
            "notes.txt",
            reader,
            None,
        ),
    );
    assert_eq!(file.purpose, FileResponsePurpose::UserData);
    chunked.assert();
}

#[test]
fn upload_file_with_response_takes_any_source() {
    let server = MockServer::start();
    let mock = upload_mock(
        &server,
        "assistants",
        "renamed.md",
        b"# FAQ\n",
        true,
        uploaded("renamed.md", 6, "assistants"),
    );
    let source =
        FileSource::from_bytes("original.md", b"# FAQ\n".to_vec()).with_file_name("renamed.md");
    let response = ok(
        &mock,
        client(&server).upload_file_with_response("assistants", source),
    );
    assert_eq!(response.status, 200);
    assert_eq!(response.request_id.as_deref(), Some(REQUEST_ID));
    assert_eq!(response.data.filename, "renamed.md");
    mock.assert();
}

#[test]
fn uploads_reject_an_empty_purpose_or_file_name() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    invalid_argument("purpose", client.upload_file("", "a.txt", b"x".to_vec()));
    invalid_argument("purpose", client.upload_file_from_path(" ", "/tmp/a.txt"));
    invalid_argument(
        "file_name",
        client.upload_file("assistants", "", b"x".to_vec()),
    );
    invalid_argument(
        "file_name",
        client.upload_file_from_reader("assistants", " ", std::io::empty(), None),
    );
    invalid_argument(
        "file_name",
        client.upload_file_with_response("assistants", FileSource::from_bytes("", b"x".to_vec())),
    );
    any.assert_calls(0);
}

#[test]
fn get_files_with_purpose_and_paging() {
    let server = MockServer::start();
    let query = files_query();
    let with_query = Route::get("/files").query(query.query).mock(
        &server,
        page(vec![file(), with_id(&file(), "file-2")], true),
    );
    let bare = Route::get("/files").mock(&server, page(vec![file()], false));
    let client = client(&server);
    let query = query.request;
    let list = ok(&with_query, client.get_files(Some(&query)));
    assert_eq!(list.data.len(), 2);
    assert!(list.has_more);
    assert_eq!(list.data[0].filename, "salesOverview.pdf");
    assert_eq!(list.data[1].id, "file-2");
    same_as_plain(
        ok(&with_query, client.get_files_with_response(Some(&query))),
        &list,
    );
    let list = ok(&bare, client.get_files(None));
    assert_eq!(list.data[0].bytes, 120_000);
    with_query.assert_calls(2);
    bare.assert_calls(1);
}

#[test]
fn get_and_delete_file() {
    let server = MockServer::start();
    let get = Route::get("/files/file-abc123").mock(&server, file());
    let delete = Route::delete("/files/file-abc123").mock(
        &server,
        json!({"id": "file-abc123", "object": "file", "deleted": true}),
    );
    let client = client(&server);
    let got = ok(&get, client.get_file("file-abc123"));
    assert_eq!(got.id, "file-abc123");
    assert_eq!(got.created_at, 1_677_610_602);
    assert_eq!(got.status, Some(FileResponseStatus::Processed));
    assert_eq!(got.expires_at, None);
    same_as_plain(ok(&get, client.get_file_with_response("file-abc123")), &got);

    let gone = ok(&delete, client.delete_file("file-abc123"));
    assert!(gone.deleted);
    assert_eq!(gone.object, "file");
    same_as_plain(
        ok(&delete, client.delete_file_with_response("file-abc123")),
        &gone,
    );
    get.assert_calls(2);
    delete.assert_calls(2);
}

#[test]
fn file_content_as_bytes_and_as_reader() {
    let server = MockServer::start();
    let content = binary_content();
    let mock = Route::get("/files/file-abc123/content").mock_reply(
        &server,
        "application/octet-stream",
        content.clone(),
    );
    let client = client(&server);
    assert!(ok(&mock, client.get_file_content("file-abc123")) == content);
    let mut reader = ok(&mock, client.get_file_content_reader("file-abc123"));
    let mut streamed = Vec::new();
    reader.read_to_end(&mut streamed).unwrap();
    assert!(streamed == content);
    mock.assert_calls(2);
}

#[test]
fn iter_files_walks_three_pages() {
    let server = MockServer::start();
    let pages = three_pages(
        &server,
        "/files",
        "purpose=assistants&limit=2",
        &file(),
        "file-",
    );
    let query = FileListQueryParameters {
        purpose: Some("assistants".into()),
        limit: Some(2),
        ..Default::default()
    };
    let client = client(&server);
    let ids: Vec<String> = client
        .iter_files(Some(query))
        .map(|f| f.map(|f| f.id))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids, five_ids("file-"));
    each_page_once(&pages);
}

#[test]
fn empty_ids_are_rejected_before_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    invalid_argument("file_id", client.get_file(""));
    invalid_argument("file_id", client.get_file_with_response(" "));
    invalid_argument("file_id", client.delete_file(""));
    invalid_argument("file_id", client.delete_file_with_response(""));
    invalid_argument("file_id", client.get_file_content(""));
    invalid_argument("file_id", client.get_file_content_reader("  "));
    any.assert_calls(0);
}

#[test]
fn ids_are_percent_encoded() {
    let server = MockServer::start();
    let path = format!("/files/{ODD_ID_ENCODED}");
    let get = Route::get(&path).mock(&server, file());
    let delete = Route::delete(&path).mock(
        &server,
        json!({"id": ODD_ID, "object": "file", "deleted": true}),
    );
    let content =
        Route::get(format!("{path}/content")).mock_reply(&server, "text/plain", b"hi".to_vec());
    let client = client(&server);
    ok(&get, client.get_file(ODD_ID));
    ok(&delete, client.delete_file(ODD_ID));
    assert_eq!(ok(&content, client.get_file_content(ODD_ID)), b"hi");
    let mut text = String::new();
    ok(&content, client.get_file_content_reader(ODD_ID))
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, "hi");
    get.assert();
    delete.assert();
    content.assert_calls(2);
}

#[test]
fn create_file_sends_the_expiry_as_multipart_fields() {
    let server = MockServer::start();
    let fields = [
        ("purpose", "batch"),
        ("expires_after[anchor]", "created_at"),
        ("expires_after[seconds]", "86400"),
    ];
    let mock = upload_mock_with(
        &server,
        &fields,
        "requests.jsonl",
        b"{}\n",
        true,
        uploaded("requests.jsonl", 3, "batch"),
    );
    let upload = FileUploadRequest::new(
        "batch",
        FileSource::from_bytes("requests.jsonl", &b"{}\n"[..]),
    )
    .expires_after(std::time::Duration::from_secs(86_400));
    let file = ok(&mock, client(&server).create_file(upload));
    assert_eq!(file.filename, "requests.jsonl");
    mock.assert();
}

#[test]
fn an_expiry_outside_one_hour_to_thirty_days_is_refused_before_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    for seconds in [0, 3599, 2_592_001] {
        let upload = FileUploadRequest::new("batch", FileSource::from_bytes("a.jsonl", &b"{}"[..]))
            .expires_after(std::time::Duration::from_secs(seconds));
        invalid_argument("expires_after", client.create_file(upload));
    }
    any.assert_calls(0);
}
