//! Throughput and memory of the local engine, over kept-alive loopback connections:
//!
//! * Assistants cycles: create-message → create-run → poll → read-answer, per second;
//! * Responses: `POST /responses` answered whole, and streamed (`stream: true`, every event
//!   read to the end), per second;
//!
//! each with one client and with eight in parallel; then the memory of an engine holding
//! 10,000 stored responses (the growth of the process's resident set, per response).
//!
//! Beside each rate, the engine's CPU time per HTTP request (Linux): the CPU time of the whole
//! process over the measurement (`CLOCK_PROCESS_CPUTIME_ID`, which counts every thread, the
//! ones that ended too) minus that of the client threads (each reads its own
//! `CLOCK_THREAD_CPUTIME_ID` when it is done) and of the main thread (which only waits),
//! divided by the number of HTTP requests the clients sent in that time. What remains is the
//! engine's: the thread accepting connections and a thread per connection, which reads and
//! parses its requests, runs them (routing, handlers, the store, the model, JSON in and out)
//! and writes the answers, user and system time alike. Both CPU clocks count nanoseconds. An Assistants cycle is 4
//! requests when the run completes at its first poll (the usual case with no step delay);
//! the request count includes any extra polls.
//!
//! ```text
//! cargo bench -p openai-local --bench engine_cycles
//! cargo bench -p openai-local --bench engine_cycles -- assistants   # one part: memory, assistants, responses
//! ```
//!
//! The step delay is zero, so a run completes at its first poll: the figures measure the
//! engine (HTTP, JSON, state, the deterministic model), not waiting. The clients are threads
//! of this process, on the same cores as the engine.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use openai_local::LocalServer;
use serde_json::{json, Value};

/// The HTTP requests the clients sent, all connections together.
static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// The CPU clocks of Linux (`<time.h>`): the whole process's, and the calling thread's.
#[cfg(target_os = "linux")]
const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
#[cfg(target_os = "linux")]
const CLOCK_THREAD_CPUTIME_ID: i32 = 3;

/// A CPU clock's time in nanoseconds (`None` where the platform has no such clock).
#[cfg(target_os = "linux")]
fn cpu_ns(clock: i32) -> Option<u64> {
    #[repr(C)]
    struct Timespec {
        tv_sec: std::ffi::c_long,
        tv_nsec: std::ffi::c_long,
    }
    unsafe extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    let mut t = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec to write to; the clock ids are Linux's.
    let rc = unsafe { clock_gettime(clock, &mut t) };
    (rc == 0).then(|| t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64)
}

/// The whole process's CPU time, in nanoseconds.
fn process_cpu_ns() -> Option<u64> {
    #[cfg(target_os = "linux")]
    return cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    #[cfg(not(target_os = "linux"))]
    None
}

/// The calling thread's CPU time, in nanoseconds.
fn thread_cpu_ns() -> Option<u64> {
    #[cfg(target_os = "linux")]
    return cpu_ns(CLOCK_THREAD_CPUTIME_ID);
    #[cfg(not(target_os = "linux"))]
    None
}

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
        REQUESTS.fetch_add(1, Ordering::Relaxed);
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

/// What one measurement found.
struct Measured {
    /// Units (cycles, responses) per second.
    rate: f64,
    /// The engine's CPU time per HTTP request, in microseconds (see the module documentation).
    cpu_us_per_request: Option<f64>,
}

/// Runs `work` on `clients` threads at once, `per_client` each; prints and returns the rate
/// and the engine's CPU time per request.
fn measure(
    label: &str,
    unit: &str,
    clients: usize,
    per_client: usize,
    work: impl Fn(usize, usize) -> usize + Send + Sync + Clone + 'static,
) -> Measured {
    let requests_before = REQUESTS.load(Ordering::Relaxed);
    let (process_before, main_before) = (process_cpu_ns(), thread_cpu_ns());
    let start = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|client| {
            let work = work.clone();
            std::thread::spawn(move || {
                let done = work(client, per_client);
                (done, thread_cpu_ns())
            })
        })
        .collect();
    let mut done = 0;
    let mut clients_cpu = Some(0);
    for handle in handles {
        let (n, cpu) = handle.join().expect("client");
        done += n;
        clients_cpu = clients_cpu.zip(cpu).map(|(sum, c)| sum + c);
    }
    let secs = start.elapsed().as_secs_f64();
    let (process_after, main_after) = (process_cpu_ns(), thread_cpu_ns());
    let requests = REQUESTS.load(Ordering::Relaxed) - requests_before;
    let rate = done as f64 / secs;
    let engine_ns = (|| {
        let process = process_after?.checked_sub(process_before?)?;
        let main = main_after?.checked_sub(main_before?)?;
        process.checked_sub(main + clients_cpu?)
    })();
    let cpu_us_per_request = engine_ns.map(|ns| ns as f64 / 1000.0 / requests.max(1) as f64);
    let cpu = match cpu_us_per_request {
        Some(us) => format!(
            "; engine CPU {:.2} s for {requests} requests = {us:.1} µs/request ({:.0} µs per {})",
            engine_ns.unwrap_or(0) as f64 / 1e9,
            us * requests as f64 / done.max(1) as f64,
            unit.trim_end_matches('s'),
        ),
        None => String::new(),
    };
    println!(
        "engine_cycles: {label}, {clients} client(s): {done} {unit} in {secs:.2} s = {rate:.0} {unit}/s{cpu}"
    );
    Measured {
        rate,
        cpu_us_per_request,
    }
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
    // `cargo bench` passes `--bench`; a word names the one part to run.
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let runs = |part: &str| only.as_deref().is_none_or(|o| o == part);
    // First, in a process that has not allocated much yet.
    if runs("memory") {
        memory_of_stored_responses(10_000);
    }

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
    for (clients, per_client) in [(1, 400), (8, 100)]
        .into_iter()
        .filter(|_| runs("assistants"))
    {
        let assistant = assistant.clone();
        let rate = measure(
            "assistants cycles",
            "cycles",
            clients,
            per_client,
            move |_, n| assistants_client(addr, &assistant, n),
        );
        table.push(("Assistants cycle (message, run, poll, answer)", rate));
    }
    for (stream, label) in [(false, "responses"), (true, "streamed responses")] {
        for (clients, per_client) in [(1, 2000), (8, 500)]
            .into_iter()
            .filter(|_| runs("responses"))
        {
            let rate = measure(label, "responses", clients, per_client, move |client, n| {
                responses_client(addr, client, n, stream)
            });
            let what = if stream {
                "POST /responses, stream: true, read to the end"
            } else {
                "POST /responses, answered whole"
            };
            table.push((what, rate));
        }
    }
    println!(
        "\n| operation | 1 client | 8 clients | engine CPU per request, 1 client | 8 clients |\n\
         |---|---|---|---|---|"
    );
    let us = |m: &Measured| {
        m.cpu_us_per_request
            .map_or_else(|| "-".to_string(), |us| format!("{us:.1} µs"))
    };
    for pair in table.chunks(2) {
        println!(
            "| {} | {:.0}/s | {:.0}/s | {} | {} |",
            pair[0].0,
            pair[0].1.rate,
            pair[1].1.rate,
            us(&pair[0].1),
            us(&pair[1].1)
        );
    }
}
