//! Uploads over raw HTTP: create, parts (multipart field `data`, kept on disk), complete in
//! the order given (with an MD5 check), cancel, expiry, and the refusals.

use crate::support::*;

/// Adds a part with the bytes `data`; the answer.
fn add_part(http: &Http, upload: &str, data: &[u8]) -> Answer {
    let boundary = "part-boundary-7";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"part\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={boundary}");
    http.raw(
        "POST",
        &format!("/v1/uploads/{upload}/parts"),
        &[("Authorization", "Bearer k"), ("Content-Type", &ct)],
        &body,
    )
}

fn part_ok(http: &Http, upload: &str, data: &[u8]) -> String {
    let a = add_part(http, upload, data);
    assert_eq!(a.status, 200, "{}", a.text());
    let part = a.json();
    assert_eq!(part["object"], "upload.part");
    assert_eq!(part["upload_id"], upload);
    id(&part)
}

fn create(http: &Http, bytes: u64, purpose: &str) -> Value {
    http.ok(
        "POST",
        "/v1/uploads",
        Some(
            json!({"filename": "data.jsonl", "purpose": purpose, "bytes": bytes,
                    "mime_type": "application/jsonl"}),
        ),
    )
}

/// The files in `dir` and under it, with their sizes, sorted by size.
fn files_under(dir: &std::path::Path) -> Vec<u64> {
    let mut sizes = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return sizes;
    };
    for e in entries.flatten() {
        let meta = e.metadata().unwrap();
        if meta.is_dir() {
            sizes.extend(files_under(&e.path()));
        } else {
            sizes.push(meta.len());
        }
    }
    sizes.sort();
    sizes
}

#[test]
fn parts_are_kept_on_disk_and_complete_into_a_file_in_the_order_given() {
    let dir =
        std::env::temp_dir().join(format!("openai-local-uploads-test-{}", std::process::id()));
    let server = LocalServer::builder().temp_dir(&dir).start().unwrap();
    let http = Http::new(&server);
    let upload = create(&http, 11, "batch");
    assert!(id(&upload).starts_with("upload_"));
    assert_eq!(
        (&upload["object"], &upload["status"], &upload["purpose"]),
        (&json!("upload"), &json!("pending"), &json!("batch"))
    );
    assert_eq!(
        upload["expires_at"].as_i64().unwrap() - upload["created_at"].as_i64().unwrap(),
        3600
    );
    let u = id(&upload);
    let world = part_ok(&http, &u, b"world");
    let hello = part_ok(&http, &u, b"hello ");
    let spare = part_ok(&http, &u, b"not listed");
    assert_eq!(
        files_under(&dir),
        [5, 6, 10],
        "each part is a file of its own on disk"
    );

    // The MD5 of "hello world", in capitals.
    let done = http.ok(
        "POST",
        &format!("/v1/uploads/{u}/complete"),
        Some(json!({"part_ids": [hello, world], "md5": "5EB63BBBE01EEED093CB22BB8F5ACDC3"})),
    );
    assert_eq!(done["status"], "completed");
    let file = &done["file"];
    assert_eq!(
        (
            &file["object"],
            &file["purpose"],
            &file["filename"],
            &file["bytes"]
        ),
        (
            &json!("file"),
            &json!("batch"),
            &json!("data.jsonl"),
            &json!(11)
        )
    );
    let content = http.call("GET", &format!("/v1/files/{}/content", id(file)), None);
    assert_eq!(content.status, 200);
    assert_eq!(content.body, b"hello world");
    assert_eq!(content.header("content-length"), Some("11"));
    assert_eq!(
        http.ok("GET", &format!("/v1/files/{}", id(file)), None),
        *file
    );
    assert_eq!(files_under(&dir), [5, 6], "the part not listed is gone");
    let _ = spare;

    // Done: no more parts, no second completion.
    let a = add_part(&http, &u, b"late");
    assert_eq!(a.status, 400);
    assert!(a.error()["message"].as_str().unwrap().contains("completed"));
    let a = http.call(
        "POST",
        &format!("/v1/uploads/{u}/complete"),
        Some(json!({"part_ids": [hello, world]})),
    );
    assert_eq!(a.status, 400);

    // Deleting the file removes its bytes from disk.
    http.ok("DELETE", &format!("/v1/files/{}", id(file)), None);
    assert_eq!(files_under(&dir), Vec::<u64>::new());
    drop(server);
    assert!(!dir.exists() || files_under(&dir).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn completing_with_the_wrong_parts_is_refused_naming_them() {
    let server = fast();
    let http = Http::new(&server);
    let u = id(&create(&http, 8, "assistants"));
    let a = part_ok(&http, &u, b"abcd");
    let b = part_ok(&http, &u, b"efgh");
    let refused = |body: Value, param: &str| {
        let r = http.call(
            "POST",
            &format!("/v1/uploads/{u}/complete"),
            Some(body.clone()),
        );
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        let e = r.error();
        assert_eq!(e["param"], param, "{body}: {e}");
        e
    };
    let e = refused(json!({"part_ids": [a]}), "part_ids");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains('4') && message.contains('8'), "{message}");
    refused(json!({"part_ids": [a, "part_unknown"]}), "part_ids[1]");
    refused(json!({"part_ids": [a, a]}), "part_ids[1]");
    refused(
        json!({"part_ids": [a, b], "md5": "00000000000000000000000000000000"}),
        "md5",
    );
    refused(json!({}), "part_ids");
    // Still pending: the right parts complete it.
    let done = http.ok(
        "POST",
        &format!("/v1/uploads/{u}/complete"),
        Some(json!({"part_ids": [b, a]})),
    );
    let content = http.call(
        "GET",
        &format!("/v1/files/{}/content", id(&done["file"])),
        None,
    );
    assert_eq!(content.body, b"efghabcd");
}

#[test]
fn a_cancelled_upload_takes_nothing_more() {
    let dir = std::env::temp_dir().join(format!("openai-local-cancel-test-{}", std::process::id()));
    let server = LocalServer::builder().temp_dir(&dir).start().unwrap();
    let http = Http::new(&server);
    let u = id(&create(&http, 4, "vision"));
    let p = part_ok(&http, &u, b"data");
    assert_eq!(files_under(&dir), [4]);
    let cancelled = http.ok("POST", &format!("/v1/uploads/{u}/cancel"), None);
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled.get("file"), None);
    assert_eq!(
        files_under(&dir),
        Vec::<u64>::new(),
        "its parts are removed"
    );
    assert_eq!(add_part(&http, &u, b"more").status, 400);
    let a = http.call(
        "POST",
        &format!("/v1/uploads/{u}/complete"),
        Some(json!({"part_ids": [p]})),
    );
    assert_eq!(a.status, 400);
    assert_eq!(
        http.call("POST", &format!("/v1/uploads/{u}/cancel"), None)
            .status,
        400
    );
    for path in ["parts", "complete", "cancel"] {
        let a = http.call(
            "POST",
            &format!("/v1/uploads/upload_missing/{path}"),
            Some(json!({"part_ids": []})),
        );
        assert_eq!(a.status, 404, "{path}");
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_upload_expires_an_hour_after_it_was_made() {
    let (server, clock) = on_clock(Duration::from_secs(1));
    let http = Http::new(&server);
    let u = id(&create(&http, 4, "user_data"));
    let p = part_ok(&http, &u, b"data");
    clock.advance(Duration::from_secs(3599));
    part_ok(&http, &u, b"more");
    clock.advance(Duration::from_secs(1));
    let a = add_part(&http, &u, b"late");
    assert_eq!(a.status, 400);
    assert!(
        a.error()["message"].as_str().unwrap().contains("expired"),
        "{}",
        a.text()
    );
    let a = http.call(
        "POST",
        &format!("/v1/uploads/{u}/complete"),
        Some(json!({"part_ids": [p]})),
    );
    assert_eq!(a.status, 400);
}

#[test]
fn an_upload_is_refused_for_bad_fields_and_a_part_past_64_mib() {
    let server = fast();
    let http = Http::new(&server);
    let refused = |body: Value, param: &str| {
        let a = http.call("POST", "/v1/uploads", Some(body.clone()));
        assert_eq!(a.status, 400, "{body}: {}", a.text());
        assert_eq!(a.error()["param"], param, "{body}");
    };
    let body = |bytes: Value, purpose: &str| json!({"filename": "a.bin", "purpose": purpose, "bytes": bytes, "mime_type": "text/plain"});
    refused(body(json!(0), "batch"), "bytes");
    assert_eq!(
        http.ok(
            "POST",
            "/v1/uploads",
            Some(body(json!(8u64 << 30), "assistants"))
        )["bytes"],
        8u64 << 30,
        "8 GiB is the most"
    );
    refused(body(json!((8u64 << 30) + 1), "batch"), "bytes");
    refused(body(json!(10), "homework"), "purpose");
    refused(
        json!({"purpose": "batch", "bytes": 1, "mime_type": "text/plain"}),
        "filename",
    );
    refused(
        json!({"filename": "", "purpose": "batch", "bytes": 1, "mime_type": "x"}),
        "filename",
    );

    let u = id(&create(&http, 100 << 20, "batch"));
    let big = vec![b'x'; (64 << 20) + 1];
    let a = add_part(&http, &u, &big);
    assert_eq!((a.status, a.error()["param"].clone()), (413, json!("data")));
    let a = http.raw(
        "POST",
        &format!("/v1/uploads/{u}/parts"),
        &[
            ("Authorization", "Bearer k"),
            ("Content-Type", "multipart/form-data; boundary=B"),
        ],
        b"--B\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--B--\r\n",
    );
    assert_eq!((a.status, a.error()["param"].clone()), (400, json!("data")));
    let exactly = vec![b'y'; 64 << 20];
    part_ok(&http, &u, &exactly);
}
