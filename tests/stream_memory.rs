//! A 100 MB event stream is read incrementally: peak RSS grows by far less than the stream.
//! (Its own test binary, so the peak RSS is not shared with other tests.)

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use openai_blocking::{AssistantStreamEvent, OpenAIClient, RunCreateRequest};

/// Peak resident set size of this process in KiB (Linux).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

const STREAM_BYTES: usize = 100 * 1000 * 1000;

#[test]
fn a_100_mb_stream_keeps_memory_flat() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
            if line == "\r\n" {
                break;
            }
        }
        // The request body is read whole: a socket closed with unread input is reset, and the
        // end of the stream would be lost.
        let mut body = vec![0; len];
        std::io::Read::read_exact(&mut reader, &mut body).unwrap();
        let mut out = std::io::BufWriter::with_capacity(1 << 16, stream);
        out.write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n",
        )
        .unwrap();
        // About 1 KB per event: a run in progress with some metadata.
        let note = "n".repeat(900);
        let mut written = 0;
        let mut n = 0u64;
        while written < STREAM_BYTES {
            let event = format!(
                "event: thread.run.in_progress\ndata: {{\"id\":\"run_1\",\"object\":\"thread.run\",\
                 \"created_at\":1,\"thread_id\":\"t\",\"assistant_id\":\"a\",\"status\":\"in_progress\",\
                 \"model\":\"m\",\"instructions\":null,\"tools\":[],\"parallel_tool_calls\":true,\
                 \"metadata\":{{\"n\":\"{n}\",\"note\":\"{note}\"}}}}\n\n"
            );
            out.write_all(event.as_bytes()).unwrap();
            written += event.len();
            n += 1;
        }
        out.write_all(b"event: done\ndata: [DONE]\n\n").unwrap();
        (written, n)
    });
    let client = OpenAIClient::create_with_api_key("sk-test")
        .with_base_url(url)
        .build()
        .unwrap();
    let before = peak_rss_kib();
    let mut events = 0u64;
    let mut stream = client
        .create_run_stream("t", &RunCreateRequest::new("a"))
        .unwrap();
    for event in stream.by_ref() {
        assert!(matches!(
            event.unwrap(),
            AssistantStreamEvent::ThreadRunInProgress { .. }
        ));
        events += 1;
    }
    let (written, sent) = server.join().unwrap();
    let grown = peak_rss_kib().saturating_sub(before);
    println!("{written} bytes in {sent} events; peak RSS {before} KiB before, grew by {grown} KiB");
    assert_eq!(events, sent);
    assert!(written >= STREAM_BYTES);
    assert!(
        grown < 16 * 1024,
        "peak RSS grew by {grown} KiB for a 100 MB stream"
    );
}
