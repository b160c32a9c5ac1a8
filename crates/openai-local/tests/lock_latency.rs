//! The store's lock is never held through slow work: while a large upload is indexed for a
//! vector store, cheap requests keep their latency.
//!
//! A test binary of its own, so that no other test competes for the CPU while it measures.

#[path = "http/support.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use support::*;

/// The size of the first upload. Indexing runs at about 1 MiB/s in a debug build (100 MB would
/// take a minute and a half), so the test starts at 2 MiB and doubles the size until indexing
/// takes at least [`MIN_WINDOW`], whatever the machine's speed or the build's profile.
const FIRST_UPLOAD_BYTES: usize = 2 << 20;
const MAX_UPLOAD_BYTES: usize = 256 << 20;
/// How long indexing must last for the polls beside it to show anything.
const MIN_WINDOW: Duration = Duration::from_secs(1);
const POLLERS: usize = 8;
/// The most a poll may take while the file is indexed.
const MAX_POLL: Duration = Duration::from_millis(50);

/// Text of `bytes` bytes: paragraphs of words drawn from a small vocabulary.
fn big_text(bytes: usize) -> String {
    const WORDS: [&str; 16] = [
        "tent", "stove", "warranty", "refund", "lantern", "backpack", "return", "order", "hiking",
        "boots", "weather", "rain", "trail", "summit", "river", "camp",
    ];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut out = String::with_capacity(bytes + 64);
    let mut in_paragraph = 0;
    while out.len() < bytes {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        out.push_str(WORDS[(seed % 16) as usize]);
        in_paragraph += 1;
        out.push_str(if in_paragraph % 120 == 0 {
            ".\n\n"
        } else {
            " "
        });
    }
    out
}

/// A kept-alive HTTP/1.1 connection.
struct Conn {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Conn {
    fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        Conn {
            writer: stream.try_clone().unwrap(),
            reader: BufReader::new(stream),
        }
    }

    /// GETs `path`; the answer must be a 200 with a Content-Length, read as JSON.
    fn get(&mut self, path: &str) -> Value {
        write!(
            self.writer,
            "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nOpenAI-Beta: assistants=v2\r\n\r\n"
        )
        .unwrap();
        let mut status = String::new();
        self.reader.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        let mut len = 0;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }
}

/// One poller: GETs its run until `stop`, recording when each poll started and how long it
/// took.
fn poll(mut conn: Conn, path: String, stop: Arc<AtomicBool>) -> Vec<(Instant, Duration)> {
    let mut polls = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let started = Instant::now();
        let run = conn.get(&path);
        polls.push((started, started.elapsed()));
        assert_eq!(run["status"], "completed", "{run}");
        std::thread::sleep(Duration::from_millis(10));
    }
    polls
}

#[test]
fn polls_stay_fast_while_a_large_file_is_indexed() {
    let server = LocalServer::builder()
        .step_delay(Duration::ZERO)
        .start()
        .unwrap();
    let http = Http::new(&server);
    let asst = id(&http.ok("POST", "/v1/assistants", Some(json!({"model": "m"}))));
    let runs: Vec<String> = (0..POLLERS)
        .map(|i| {
            let body = json!({"assistant_id": asst, "thread": {"messages": [{"role": "user", "content": format!("poller {i}")}]}});
            let run = http.ok("POST", "/v1/threads/runs", Some(body));
            let thread = run["thread_id"].as_str().unwrap().to_string();
            assert_eq!(http.wait_run(&thread, &id(&run))["status"], "completed");
            format!("/v1/threads/{thread}/runs/{}", id(&run))
        })
        .collect();

    // The pollers' connections are opened one after the other, each polled once, before the
    // test starts, so that what is measured is the polls, not the start of the connections'
    // threads.
    let conns: Vec<Conn> = runs
        .iter()
        .map(|path| {
            let mut conn = Conn::open(server.addr());
            assert_eq!(conn.get(path)["status"], "completed");
            conn
        })
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let pollers: Vec<_> = conns
        .into_iter()
        .zip(runs)
        .map(|(conn, path)| {
            let stop = stop.clone();
            std::thread::spawn(move || poll(conn, path, stop))
        })
        .collect();
    // Attaching a file indexes it: the answer comes once its passages are built. Uploads
    // double in size until one takes long enough to measure.
    let mut bytes = FIRST_UPLOAD_BYTES;
    let (vs, file, start, end) = loop {
        let text = big_text(bytes);
        let file = http.upload_ok("big.txt", text.as_bytes());
        drop(text);
        let vs = id(&http.ok("POST", "/v1/vector_stores", Some(json!({"name": "big"}))));
        let start = Instant::now();
        let attached = http.ok(
            "POST",
            &format!("/v1/vector_stores/{vs}/files"),
            Some(json!({"file_id": file})),
        );
        let end = Instant::now();
        assert_eq!(attached["status"], "completed", "{attached}");
        if end - start >= MIN_WINDOW || bytes >= MAX_UPLOAD_BYTES {
            break (vs, file, start, end);
        }
        bytes *= 2;
    };
    stop.store(true, Ordering::SeqCst);
    let polls: Vec<(Instant, Duration)> = pollers
        .into_iter()
        .flat_map(|p| p.join().expect("a poller"))
        .collect();

    let indexing = end - start;
    assert!(
        indexing >= MIN_WINDOW,
        "indexing {} MiB took {indexing:?}: too short to show anything",
        bytes >> 20
    );
    // Every poll that overlapped the indexing.
    let during: Vec<Duration> = polls
        .iter()
        .filter(|(at, took)| *at < end && *at + *took > start)
        .map(|(_, took)| *took)
        .collect();
    let mut sorted = during.clone();
    sorted.sort();
    let slowest = sorted.last().copied().unwrap_or_default();
    eprintln!(
        "indexing {} MiB took {indexing:.2?}; {} polls meanwhile: median {:.2?}, slowest {slowest:.2?}",
        bytes >> 20,
        during.len(),
        sorted.get(sorted.len() / 2).copied().unwrap_or_default(),
    );
    assert!(
        slowest < MAX_POLL,
        "a poll took {slowest:?} while the file was indexed"
    );
    assert!(
        during.len() >= POLLERS * 10,
        "only {} polls during the indexing",
        during.len()
    );
    let found = http.ok(
        "POST",
        &format!("/v1/vector_stores/{vs}/search"),
        Some(json!({"query": "summit lantern", "max_num_results": 1})),
    );
    assert_eq!(found["data"][0]["file_id"], file.as_str());
}
