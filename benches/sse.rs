//! Events per second read from a recorded run stream of 10,000 text deltas, and allocations
//! per event, through `create_run_stream` (loopback HTTP, SSE parsing, typed decoding,
//! accumulation), side by side in the same run with openai-python's SSE decoder on the same
//! bytes (`benches/sse_python.py`: `SSEDecoder.iter_bytes` and `json.loads` of each event, as
//! its `Stream` does), when Python and the `openai` package are installed.
//!
//! cargo bench --bench sse        (pin to one core for steadier figures: taskset -c 1)

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use openai_blocking::{OpenAIClient, RunCreateRequest};

/// Counts allocations, to report them per event.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded as is to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded as is to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const DELTAS: usize = 10_000;

/// A text run: created, in progress, a message written in `DELTAS` word deltas, completed.
fn recorded_stream() -> Vec<u8> {
    let run = |status: &str| {
        format!(
            r#"{{"id":"run_1","object":"thread.run","created_at":1,"thread_id":"thread_1","assistant_id":"asst_1","status":"{status}","model":"gpt-4o","instructions":null,"tools":[],"parallel_tool_calls":true,"metadata":{{}}}}"#
        )
    };
    let message = |status: &str| {
        format!(
            r#"{{"id":"msg_1","object":"thread.message","created_at":1,"thread_id":"thread_1","role":"assistant","status":"{status}","run_id":"run_1","assistant_id":"asst_1","attachments":[],"metadata":{{}},"content":[]}}"#
        )
    };
    let mut out = String::new();
    let mut event = |name: &str, data: &str| {
        out.push_str("event: ");
        out.push_str(name);
        out.push_str("\ndata: ");
        out.push_str(data);
        out.push_str("\n\n");
    };
    event("thread.run.created", &run("queued"));
    event("thread.run.in_progress", &run("in_progress"));
    event("thread.message.created", &message("in_progress"));
    const WORDS: [&str; 8] = [
        "the ",
        "bridge ",
        "opened ",
        "in ",
        "1932, ",
        "and ",
        "painting ",
        "it ",
    ];
    for i in 0..DELTAS {
        let delta = format!(
            r#"{{"id":"msg_1","object":"thread.message.delta","delta":{{"content":[{{"index":0,"type":"text","text":{{"value":"{}"}}}}]}}}}"#,
            WORDS[i % WORDS.len()]
        );
        event("thread.message.delta", &delta);
    }
    event("thread.message.completed", &message("completed"));
    event("thread.run.completed", &run("completed"));
    event("done", "[DONE]");
    out.into_bytes()
}

/// Serves `body` as an event stream to every connection.
fn serve(body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
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
            let mut discard = vec![0; len];
            std::io::Read::read_exact(&mut reader, &mut discard).unwrap();
            let mut stream = stream;
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n",
            );
            let _ = stream.write_all(&body);
        }
    });
    url
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let body = recorded_stream();
    let events = (DELTAS + 6) as f64;
    let file = std::env::temp_dir().join(format!("openai-blocking-sse-{}.txt", std::process::id()));
    std::fs::write(&file, &body).unwrap();
    let url = serve(body.clone());
    let client = OpenAIClient::create_with_api_key("sk-bench")
        .with_base_url(url)
        .build()
        .unwrap();

    let mut rates = Vec::new();
    let mut allocations = Vec::new();
    for _ in 0..7 {
        let start = Instant::now();
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        let mut stream = client
            .create_run_stream("thread_1", &RunCreateRequest::new("asst_1"))
            .unwrap();
        let mut n = 0u64;
        for event in stream.by_ref() {
            std::hint::black_box(event.unwrap());
            n += 1;
        }
        let took = start.elapsed().as_secs_f64();
        allocations.push((ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / events);
        assert_eq!(n as usize, DELTAS + 5);
        rates.push(events / took);
    }
    let ours = median(rates);
    println!(
        "{} bytes, {} events: openai-blocking {:.0} events/s (parse, typed decode, accumulate), {:.1} allocations per event",
        body.len(),
        events,
        ours,
        median(allocations)
    );

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/sse_python.py");
    match Command::new("python3").arg(script).arg(&file).output() {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            match text.trim().parse::<f64>() {
                Ok(python) => println!(
                    "openai-python SSEDecoder + json.loads: {python:.0} events/s; ratio {:.1}x",
                    ours / python
                ),
                Err(_) => println!("openai-python: skipped ({})", text.trim()),
            }
        }
        Ok(out) => println!(
            "openai-python: skipped ({})",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("failed")
        ),
        Err(e) => println!("openai-python: skipped (python3: {e})"),
    }
    let _ = std::fs::remove_file(&file);
}
