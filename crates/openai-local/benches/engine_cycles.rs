//! Throughput and memory of the local engine, over kept-alive loopback connections:
//!
//! * Assistants cycles: create-message → create-run → poll → read-answer, per second;
//! * Responses: `POST /responses` answered whole, and streamed (`stream: true`, every event
//!   read to the end), per second;
//!
//! each with one client and with eight in parallel; then the memory of an engine holding
//! 10,000 stored responses (the growth of the process's resident set, per response).
//!
//! ```text
//! cargo bench -p openai-local --bench engine_cycles
//! ```
//!
//! The step delay is zero, so a run completes at its first poll: the figures measure the
//! engine (HTTP, JSON, state, the deterministic model), not waiting. The clients are threads
//! of this process, on the same cores as the engine.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use openai_local::LocalServer;
use serde_json::{json, Value};

/// One kept-alive HTTP/1.1 connection.
struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_nodelay(true).ok();
        Conn {
            reader: BufReader::new(stream.try_clone().expect("clone")),
            writer: stream,
        }
    }

    /// Sends a request; returns whether its answer is chunked and its `Content-Length`.
    fn send(&mut self, method: &str, path: &str, body: Option<Value>) -> (bool, usize) {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        write!(
            self.writer,
            "{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer bench\r\n\
             OpenAI-Beta: assistants=v2\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .expect("write");
        let mut status = String::new();
        self.reader.read_line(&mut status).expect("status line");
        assert!(status.contains(" 200 "), "{method} {path}: {status}");
        let (mut chunked, mut len) = (false, 0);
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).expect("header");
            if line == "\r\n" {
                break;
            }
            let line = line.to_ascii_lowercase();
            if let Some(v) = line.strip_prefix("content-length:") {
                len = v.trim().parse().expect("length");
            }
            if line.starts_with("transfer-encoding:") && line.contains("chunked") {
                chunked = true;
            }
        }
        (chunked, len)
    }

    fn call(&mut self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (chunked, len) = self.send(method, path, body);
        assert!(!chunked, "{method} {path}: a whole answer");
        let mut buf = vec![0; len];
        self.reader.read_exact(&mut buf).expect("body");
        serde_json::from_slice(&buf).expect("JSON")
    }

    /// A streamed answer read to its last chunk: the data of its events.
    fn stream(&mut self, path: &str, body: Value) -> Vec<Value> {
        let (chunked, _) = self.send("POST", path, Some(body));
        assert!(chunked, "{path}: a streamed answer");
        let mut text = Vec::new();
        loop {
            let mut size = String::new();
            self.reader.read_line(&mut size).expect("chunk size");
            let size = usize::from_str_radix(size.trim(), 16).expect("hex size");
            let mut chunk = vec![0; size + 2];
            self.reader.read_exact(&mut chunk).expect("chunk");
            if size == 0 {
                break;
            }
            text.extend_from_slice(&chunk[..size]);
        }
        String::from_utf8(text)
            .expect("UTF-8 events")
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .map(|d| serde_json::from_str(d).expect("event JSON"))
            .collect()
    }
}

/// Runs `cycles` Assistants cycles on a thread of its own; returns how many completed.
fn assistants_client(addr: SocketAddr, assistant: &str, cycles: usize) -> usize {
    let mut c = Conn::open(addr);
    let thread = c.call("POST", "/v1/threads", Some(json!({})))["id"]
        .as_str()
        .unwrap()
        .to_string();
    for i in 0..cycles {
        let text = format!("cycle {i}");
        c.call(
            "POST",
            &format!("/v1/threads/{thread}/messages"),
            Some(json!({"role": "user", "content": text})),
        );
        let run = c.call(
            "POST",
            &format!("/v1/threads/{thread}/runs"),
            Some(json!({"assistant_id": assistant})),
        );
        let run_id = run["id"].as_str().unwrap().to_string();
        loop {
            let run = c.call("GET", &format!("/v1/threads/{thread}/runs/{run_id}"), None);
            if run["status"] == "completed" {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let answer = c.call(
            "GET",
            &format!("/v1/threads/{thread}/messages?limit=1"),
            None,
        );
        assert_eq!(
            answer["data"][0]["content"][0]["text"]["value"],
            format!("You said: \"{text}\"")
        );
    }
    cycles
}

/// The request of response `i` of client `client`.
fn response_request(client: usize, i: usize, stream: bool) -> (Value, String) {
    let text = format!("Client {client} asks question {i}: what is the return policy for tents?");
    let body = json!({"model": "local", "input": text, "stream": stream});
    (body, format!("You said: \"{text}\""))
}

/// Creates `count` responses on a thread of its own, answered whole or streamed (every
/// event read); returns how many completed.
fn responses_client(addr: SocketAddr, client: usize, count: usize, stream: bool) -> usize {
    let mut c = Conn::open(addr);
    for i in 0..count {
        let (body, answer) = response_request(client, i, stream);
        if stream {
            let events = c.stream("/v1/responses", body);
            let last = events.last().expect("events");
            assert_eq!(last["type"], "response.completed");
            let text: String = events
                .iter()
                .filter(|e| e["type"] == "response.output_text.delta")
                .map(|e| e["delta"].as_str().unwrap())
                .collect();
            assert_eq!(text, answer);
        } else {
            let response = c.call("POST", "/v1/responses", Some(body));
            assert_eq!(response["status"], "completed");
            assert_eq!(response["output"][0]["content"][0]["text"], answer);
        }
    }
    count
}

/// Runs `work` on `clients` threads at once, `per_client` each; prints and returns the rate.
fn measure(
    label: &str,
    unit: &str,
    clients: usize,
    per_client: usize,
    work: impl Fn(usize, usize) -> usize + Send + Sync + Clone + 'static,
) -> f64 {
    let start = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|client| {
            let work = work.clone();
            std::thread::spawn(move || work(client, per_client))
        })
        .collect();
    let done: usize = handles.into_iter().map(|h| h.join().expect("client")).sum();
    let secs = start.elapsed().as_secs_f64();
    let rate = done as f64 / secs;
    println!("engine_cycles: {label}, {clients} client(s): {done} {unit} in {secs:.2} s = {rate:.0} {unit}/s");
    rate
}

/// A `/proc/self/status` figure, in KiB (0 where there is none).
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The growth of the resident set while a fresh engine stores `count` responses.
fn memory_of_stored_responses(count: usize) {
    let server = LocalServer::builder()
        .step_delay(Duration::ZERO)
        .start()
        .expect("start");
    let mut c = Conn::open(server.addr());
    // One response first, so that what every engine allocates once is not counted.
    let (body, _) = response_request(0, usize::MAX, false);
    let first = c.call("POST", "/v1/responses", Some(body));
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let (rss, peak) = (status_kib("VmRSS"), status_kib("VmHWM"));
    let start = Instant::now();
    let mut last = first;
    for i in 0..count {
        let (body, _) = response_request(0, i, false);
        last = c.call("POST", "/v1/responses", Some(body));
    }
    let secs = start.elapsed().as_secs_f64();
    let stored = c.call(
        "GET",
        &format!("/v1/responses/{}", last["id"].as_str().unwrap()),
        None,
    );
    assert_eq!(stored["id"], last["id"], "the responses are stored");
    let (rss_after, peak_after) = (status_kib("VmRSS"), status_kib("VmHWM"));
    let per = |before: u64, after: u64| after.saturating_sub(before) as f64 * 1024.0 / count as f64;
    println!(
        "engine_cycles: memory: {count} stored responses (created in {secs:.2} s): VmRSS {:.1} → {:.1} MiB \
         (+{:.1} MiB, {:.0} bytes a response), VmHWM {:.1} → {:.1} MiB (+{:.1} MiB, {:.0} bytes a response)",
        rss as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        rss_after.saturating_sub(rss) as f64 / 1024.0,
        per(rss, rss_after),
        peak as f64 / 1024.0,
        peak_after as f64 / 1024.0,
        peak_after.saturating_sub(peak) as f64 / 1024.0,
        per(peak, peak_after),
    );
}

fn main() {
    // First, in a process that has not allocated much yet.
    memory_of_stored_responses(10_000);

    let server = LocalServer::builder()
        .step_delay(Duration::ZERO)
        .start()
        .expect("start");
    let addr = server.addr();
    let assistant =
        Conn::open(addr).call("POST", "/v1/assistants", Some(json!({"model": "local"})))["id"]
            .as_str()
            .unwrap()
            .to_string();
    let mut table = Vec::new();
    for (clients, per_client) in [(1, 400), (8, 100)] {
        let assistant = assistant.clone();
        let rate = measure(
            "assistants cycles",
            "cycles",
            clients,
            per_client,
            move |_, n| assistants_client(addr, &assistant, n),
        );
        table.push((
            "Assistants cycle (message, run, poll, answer)",
            clients,
            rate,
        ));
    }
    for (stream, label) in [(false, "responses"), (true, "streamed responses")] {
        for (clients, per_client) in [(1, 2000), (8, 500)] {
            let rate = measure(label, "responses", clients, per_client, move |client, n| {
                responses_client(addr, client, n, stream)
            });
            let what = if stream {
                "POST /responses, stream: true, read to the end"
            } else {
                "POST /responses, answered whole"
            };
            table.push((what, clients, rate));
        }
    }
    println!("\n| operation | 1 client | 8 clients |\n|---|---|---|");
    for pair in table.chunks(2) {
        println!(
            "| {} | {:.0}/s | {:.0}/s |",
            pair[0].0, pair[0].2, pair[1].2
        );
    }
}
