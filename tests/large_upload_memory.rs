//! A 2 GiB file through the Uploads API (`upload_large_file`: 32 parts of 64 MiB, 4 in
//! flight) streams from disk: peak RSS stays near the buffers, not the parts. (Its own test
//! binary, so the peak RSS is not shared with other tests; a few seconds.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use openai_blocking::types::UploadCreateRequestPurpose;
use openai_blocking::OpenAIClient;

/// Peak resident set size of this process in KiB (Linux).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Serves one keep-alive connection: creates the upload, discards each part's body (counting
/// its bytes) and completes it.
fn serve(stream: TcpStream, received: &AtomicU64, parts: &AtomicU64) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0u64;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
            }
        }
        let read = std::io::copy(&mut (&mut reader).take(length), &mut std::io::sink()).unwrap();
        let body = if request_line.contains("/parts") {
            received.fetch_add(read, Ordering::SeqCst);
            let n = parts.fetch_add(1, Ordering::SeqCst);
            format!(
                r#"{{"id":"part_{n}","object":"upload.part","created_at":1,"upload_id":"upload_1"}}"#
            )
        } else if request_line.contains("/complete") {
            r#"{"id":"upload_1","object":"upload","bytes":2147483648,"created_at":1,"expires_at":2,"filename":"big.bin","purpose":"batch","status":"completed","file":{"id":"file-big","object":"file","bytes":2147483648,"created_at":1,"filename":"big.bin","purpose":"batch"}}"#.to_owned()
        } else {
            r#"{"id":"upload_1","object":"upload","bytes":2147483648,"created_at":1,"expires_at":2,"filename":"big.bin","purpose":"batch","status":"pending"}"#.to_owned()
        };
        write!(
            out,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
    }
}

#[test]
fn a_two_gib_upload_in_parts_streams_from_disk() {
    const SIZE: u64 = 2 << 30;
    let dir = std::env::temp_dir().join(format!("openai-blocking-2g-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.bin");
    std::fs::File::create(&path).unwrap().set_len(SIZE).unwrap(); // sparse: reads as zeros

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(AtomicU64::new(0));
    let parts = Arc::new(AtomicU64::new(0));
    let (r, p) = (received.clone(), parts.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let (r, p) = (r.clone(), p.clone());
            std::thread::spawn(move || serve(stream.unwrap(), &r, &p));
        }
    });
    let client = OpenAIClient::create_with_api_key("sk-test")
        .with_base_url(format!("http://127.0.0.1:{port}/v1"))
        .build()
        .unwrap();

    let before = peak_rss_kib();
    let start = std::time::Instant::now();
    let file = client
        .upload_large_file(&path, UploadCreateRequestPurpose::Batch)
        .unwrap();
    let seconds = start.elapsed().as_secs_f64();
    let peak = peak_rss_kib();
    std::fs::remove_dir_all(&dir).unwrap();

    assert_eq!(file.id, "file-big");
    assert_eq!(parts.load(Ordering::SeqCst), 32);
    // Each part's body is its 64 MiB plus the multipart head and tail.
    let sent = received.load(Ordering::SeqCst);
    assert!(
        sent > SIZE && sent < SIZE + 32 * 1024,
        "{sent} bytes received"
    );
    let grown = peak.saturating_sub(before);
    eprintln!(
        "2 GiB in 32 parts of 64 MiB, 4 in flight: {seconds:.1} s, peak RSS {peak} KiB \
         (+{grown} KiB during the upload)"
    );
    // One 64 MiB part held in memory would be 65,536 KiB; streaming keeps far below.
    assert!(grown < 32 * 1024, "peak RSS grew by {grown} KiB");
}
