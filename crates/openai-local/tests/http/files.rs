//! Files: multipart uploads (chunked too), downloads and upload errors.

use crate::support::*;

#[test]
fn file_upload_download_and_multipart_errors() {
    let server = fast();
    let http = Http::new(&server);
    let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let up = http.upload("assistants", "blob.bin", &binary);
    assert_eq!(up.status, 200);
    let file = up.json();
    assert_eq!(
        (file["bytes"].as_i64(), file["filename"].as_str()),
        (Some(70_000), Some("blob.bin"))
    );
    assert_eq!(
        (file["object"].as_str(), file["purpose"].as_str()),
        (Some("file"), Some("assistants"))
    );
    assert!(id(&file).starts_with("file-"));
    let down = http.call("GET", &format!("/v1/files/{}/content", id(&file)), None);
    assert_eq!(down.status, 200);
    assert_eq!(
        down.header("content-type"),
        Some("application/octet-stream")
    );
    assert!(down.body == binary, "the download differs from the upload");
    assert_eq!(
        http.ok("GET", &format!("/v1/files/{}", id(&file)), None),
        file
    );

    let bad_purpose = http.upload("homework", "a.txt", b"x");
    assert_eq!(
        (bad_purpose.status, bad_purpose.error()["param"].clone()),
        (400, json!("purpose"))
    );
    let ct = "multipart/form-data; boundary=B";
    let only_purpose =
        b"--B\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n--B--\r\n";
    let a = http.raw(
        "POST",
        "/v1/files",
        &[("Authorization", "Bearer k"), ("Content-Type", ct)],
        only_purpose,
    );
    assert_eq!((a.status, a.error()["param"].clone()), (400, json!("file")));
    let only_file = b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhi\r\n--B--\r\n";
    let a = http.raw(
        "POST",
        "/v1/files",
        &[("Authorization", "Bearer k"), ("Content-Type", ct)],
        only_file,
    );
    assert_eq!(
        (a.status, a.error()["param"].clone()),
        (400, json!("purpose"))
    );
    let truncated =
        b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhi";
    let a = http.raw(
        "POST",
        "/v1/files",
        &[("Authorization", "Bearer k"), ("Content-Type", ct)],
        truncated,
    );
    assert_eq!(a.status, 400);
    let json_body = http.raw(
        "POST",
        "/v1/files",
        &[
            ("Authorization", "Bearer k"),
            ("Content-Type", "application/json"),
        ],
        b"{}",
    );
    assert_eq!(json_body.status, 400);

    let small = LocalServer::builder()
        .max_upload_bytes(1000)
        .start()
        .unwrap();
    let big = Http::new(&small).upload("assistants", "big.bin", &binary);
    assert_eq!(big.status, 413);

    let list = http.ok("GET", "/v1/files?purpose=assistants", None);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        http.ok("GET", "/v1/files?purpose=vision", None)["data"],
        json!([])
    );
    assert_eq!(
        http.ok("DELETE", &format!("/v1/files/{}", id(&file)), None)["deleted"],
        true
    );
    assert_eq!(
        http.call("GET", &format!("/v1/files/{}", id(&file)), None)
            .status,
        404
    );
}

#[test]
fn chunked_uploads_and_keep_alive() {
    let server = fast();
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let payload = "Chunked bodies arrive in pieces.".repeat(100);
    let body = format!(
        "--B\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n--B\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"c.txt\"\r\n\r\n{payload}\r\n--B--\r\n"
    );
    let mut chunked = String::new();
    for piece in body.as_bytes().chunks(700) {
        chunked.push_str(&format!(
            "{:x}\r\n{}\r\n",
            piece.len(),
            String::from_utf8_lossy(piece)
        ));
    }
    chunked.push_str("0\r\n\r\n");
    // Two requests on one connection: the upload, then its download.
    write!(
        s,
        "POST /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nContent-Type: multipart/form-data; boundary=B\r\n\
         Transfer-Encoding: chunked\r\n\r\n{chunked}"
    )
    .unwrap();
    let first = read_one(&mut s);
    let file: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(file["bytes"].as_u64(), Some(payload.len() as u64));
    write!(
        s,
        "GET /v1/files/{}/content HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nConnection: close\r\n\r\n",
        id(&file)
    )
    .unwrap();
    assert_eq!(read_one(&mut s), payload.as_bytes());
}

/// Reads one response with a Content-Length from a kept-alive connection; returns its body.
fn read_one(s: &mut TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    if !head.starts_with("HTTP/1.1 200") {
        let mut rest = vec![0; 300];
        let n = s.read(&mut rest).unwrap_or(0);
        panic!("{head}{}", String::from_utf8_lossy(&rest[..n]));
    }
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("a Content-Length");
    let mut body = vec![0; len];
    s.read_exact(&mut body).unwrap();
    body
}
