//! A 1 GiB upload streams from disk: peak RSS stays far below the file size.
//! (Its own test binary, so the peak RSS is not shared with other tests; ~3 s.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use openai_blocking::{FileSource, OpenAIClient};
use openai_blocking::{Multipart, Request};

/// Peak resident set size of this process in KiB (Linux).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Accept one request, discard its body, answer with a small JSON object; return the body size.
fn discard_server(listener: TcpListener) -> u64 {
    let (stream, _) = listener.accept().unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut content_length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        let header = line.split_once(':');
        if let Some((_, value)) = header.filter(|(n, _)| n.eq_ignore_ascii_case("content-length")) {
            content_length = value.trim().parse().unwrap();
        }
    }
    let received = std::io::copy(&mut reader.take(content_length), &mut std::io::sink()).unwrap();
    let body = r#"{"id":"file-1"}"#;
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    received
}

#[test]
fn one_gib_upload_streams() {
    const SIZE: u64 = 1 << 30;
    let dir = std::env::temp_dir().join(format!("openai-blocking-1g-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.bin");
    std::fs::File::create(&path).unwrap().set_len(SIZE).unwrap(); // sparse: reads as zeros

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || discard_server(listener));

    let client = OpenAIClient::create_with_api_key("sk-test")
        .with_base_url(format!("http://127.0.0.1:{port}/v1"))
        .build()
        .unwrap();
    let form = Multipart::new("file", FileSource::from_path(&path)).text("purpose", "assistants");
    let response = client
        .send::<serde_json::Value>(Request::post("/files").multipart(form))
        .unwrap();
    let received = server.join().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    assert_eq!(response.data["id"], "file-1");
    assert!(received > SIZE, "{received}");
    let peak = peak_rss_kib();
    eprintln!("peak RSS after a 1 GiB upload: {peak} KiB");
    assert!(peak < 32 * 1024, "peak RSS {peak} KiB");
}
