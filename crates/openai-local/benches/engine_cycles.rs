//! Throughput of the local engine: create-message → create-run → poll → read-answer cycles per
//! second, with one client and with eight in parallel, over kept-alive loopback connections.
//!
//! ```text
//! cargo bench -p openai-local --bench engine_cycles
//! ```
//!
//! The step delay is zero, so a run completes at its first poll: the figure measures the
//! engine (HTTP, JSON, state, the deterministic model), not waiting.

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

    fn call(&mut self, method: &str, path: &str, body: Option<Value>) -> Value {
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
        let mut len = 0;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).expect("header");
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().expect("length");
            }
        }
        let mut buf = vec![0; len];
        self.reader.read_exact(&mut buf).expect("body");
        serde_json::from_slice(&buf).expect("JSON")
    }
}

/// Runs `cycles` cycles on a thread of its own; returns how many completed.
fn client(addr: SocketAddr, assistant: &str, cycles: usize) -> usize {
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

fn main() {
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
    for (clients, per_client) in [(1, 400), (8, 100)] {
        let start = Instant::now();
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                let assistant = assistant.clone();
                std::thread::spawn(move || client(addr, &assistant, per_client))
            })
            .collect();
        let done: usize = handles.into_iter().map(|h| h.join().expect("client")).sum();
        let secs = start.elapsed().as_secs_f64();
        println!(
            "engine_cycles: {clients} client(s): {done} cycles in {secs:.2} s = {:.0} cycles/s",
            done as f64 / secs
        );
    }
}
