//! Helpers shared by the raw-HTTP tests: a minimal HTTP/1.1 client, engines, test data.
#![allow(dead_code, unused_imports)] // each test binary using it takes a part

pub use std::io::{Read, Write};
pub use std::net::{SocketAddr, TcpStream};
pub use std::time::{Duration, Instant};

pub use openai_local::{LocalServer, ManualClock, ModelReply, ModelRequest};
pub use serde_json::{json, Value};

/// A parsed HTTP answer.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The body as text, cut to 400 characters for failure messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body)
            .chars()
            .take(400)
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `error` object, checking its shape: message, type, param and code all present.
    pub fn error(&self) -> Value {
        let v = self.json();
        let e = v["error"].clone();
        for key in ["message", "type", "param", "code"] {
            assert!(e.get(key).is_some(), "error without {key}: {v}");
        }
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
        e
    }
}

/// A minimal HTTP/1.1 client: one connection per request.
pub struct Http {
    pub addr: SocketAddr,
}

impl Http {
    pub fn new(server: &LocalServer) -> Self {
        Self {
            addr: server.addr(),
        }
    }

    pub fn raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
        let mut s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        let split = out
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("no header end");
        let head = String::from_utf8_lossy(&out[..split]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let chunked = headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
        });
        let mut body = &out[split + 4..];
        let body = if chunked {
            let mut decoded = Vec::new();
            while let Some(chunk) = next_chunk(&mut body) {
                decoded.extend_from_slice(&chunk);
            }
            assert!(body.is_empty(), "bytes after the last chunk");
            decoded
        } else {
            body.to_vec()
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    /// Sends a request with `stream: true` on a connection kept alive, and returns the events
    /// as they arrive, without waiting for the end of the answer.
    pub fn open_stream(&self, path: &str, body: Value) -> EventStream {
        let body = body.to_string();
        let mut s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n\
             Authorization: Bearer k\r\nOpenAI-Beta: assistants=v2\r\nContent-Type: application/json\r\n\r\n",
            self.addr,
            body.len()
        );
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body.as_bytes()).unwrap();
        let mut reader = std::io::BufReader::new(s);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push_str(&line);
        }
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("transfer-encoding: chunked"),
            "{head}"
        );
        EventStream {
            reader,
            pending: Vec::new(),
        }
    }

    /// A request with a Bearer token and the beta header.
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        self.raw(
            method,
            path,
            &[
                ("Authorization", "Bearer test-key"),
                ("OpenAI-Beta", "assistants=v2"),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes(),
        )
    }

    /// A successful call's JSON (panics with the body otherwise).
    pub fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let a = self.call(method, path, body);
        assert_eq!(a.status, 200, "{method} {path}: {}", a.text());
        a.json()
    }

    pub fn upload(&self, purpose: &str, name: &str, data: &[u8]) -> Answer {
        let boundary = "----engine-test-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n{purpose}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let ct = format!("multipart/form-data; boundary={boundary}");
        self.raw(
            "POST",
            "/v1/files",
            &[("Authorization", "Bearer k"), ("Content-Type", &ct)],
            &body,
        )
    }

    pub fn upload_ok(&self, name: &str, data: &[u8]) -> String {
        let a = self.upload("assistants", name, data);
        assert_eq!(a.status, 200, "{}", a.text());
        a.json()["id"].as_str().unwrap().to_string()
    }

    /// Polls `path` until `done` holds for its JSON (5 s at most).
    pub fn wait(&self, path: &str, mut done: impl FnMut(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let v = self.ok("GET", path, None);
            if done(&v) {
                return v;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "timed out on {path}: {v}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn wait_run(&self, thread: &str, run: &str) -> Value {
        self.wait(&format!("/v1/threads/{thread}/runs/{run}"), |r| {
            !matches!(
                r["status"].as_str(),
                Some("queued" | "in_progress" | "cancelling")
            )
        })
    }
}

pub fn fast() -> LocalServer {
    LocalServer::builder()
        .step_delay(Duration::from_millis(5))
        .start()
        .unwrap()
}

pub fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

pub const POLICY: &str = include_str!("../fixtures/return-policy.md");

/// An engine on a [`ManualClock`] whose objects change status every `step` of it: statuses
/// change only when the test advances the clock.
pub fn on_clock(step: Duration) -> (LocalServer, ManualClock) {
    let clock = ManualClock::new();
    let server = LocalServer::builder()
        .clock(clock.clone())
        .step_delay(step)
        .start()
        .unwrap();
    (server, clock)
}

/// A PNG of `w`×`h` pixels of one RGB colour.
pub fn solid_png(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("PNG header");
        writer
            .write_image_data(&rgb.repeat((w * h) as usize))
            .expect("PNG data");
    }
    out
}

/// Standard base64, padded.
pub fn base64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Takes the next HTTP/1.1 chunk off `body`; `None` at the last (empty) chunk.
fn next_chunk(body: &mut &[u8]) -> Option<Vec<u8>> {
    let line_end = body
        .windows(2)
        .position(|w| w == b"\r\n")
        .expect("a chunk size");
    let size = usize::from_str_radix(std::str::from_utf8(&body[..line_end]).unwrap().trim(), 16)
        .expect("a hex chunk size");
    let data = body[line_end + 2..line_end + 2 + size].to_vec();
    assert_eq!(&body[line_end + 2 + size..line_end + 4 + size], b"\r\n");
    *body = &body[line_end + 4 + size..];
    (size > 0).then_some(data)
}

/// A streamed answer read as it arrives: HTTP/1.1 chunks, split into server-sent events.
pub struct EventStream {
    reader: std::io::BufReader<TcpStream>,
    pending: Vec<u8>,
}

impl EventStream {
    /// The next event's name and data (`None` once the answer ended), as soon as it arrived.
    pub fn next_event(&mut self) -> Option<(String, Value)> {
        use std::io::BufRead;
        loop {
            if let Some(end) = self.pending.windows(2).position(|w| w == b"\n\n") {
                let block = String::from_utf8(self.pending[..end].to_vec()).unwrap();
                self.pending.drain(..end + 2);
                return Some(parse_event(&block));
            }
            let mut size = String::new();
            self.reader.read_line(&mut size).unwrap();
            let size = usize::from_str_radix(size.trim(), 16).expect("a hex chunk size");
            let mut data = vec![0; size + 2];
            self.reader.read_exact(&mut data).unwrap();
            if size == 0 {
                assert!(self.pending.is_empty(), "an unfinished event");
                return None;
            }
            self.pending.extend_from_slice(&data[..size]);
        }
    }
}

impl EventStream {
    /// Once the events ended: a GET on the same connection, which must still serve; its JSON.
    pub fn get_after(&mut self, path: &str) -> Value {
        use std::io::BufRead;
        assert!(self.pending.is_empty(), "the events did not end");
        write!(
            self.reader.get_mut(),
            "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n\
             OpenAI-Beta: assistants=v2\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut len = None;
        let mut status = String::new();
        self.reader.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = Some(v.trim().parse::<usize>().unwrap());
            }
        }
        let mut body = vec![0; len.expect("a Content-Length")];
        self.reader.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }
}

/// One server-sent event block: its `event:` name (empty for none) and its `data:` as JSON
/// (`[DONE]` as a string).
pub fn parse_event(block: &str) -> (String, Value) {
    let mut name = String::new();
    let mut data = String::new();
    for line in block.lines() {
        if let Some(n) = line.strip_prefix("event: ") {
            name = n.to_string();
        } else if let Some(d) = line.strip_prefix("data: ") {
            assert!(data.is_empty(), "one data line per event: {block}");
            data = d.to_string();
        } else {
            panic!("not an event line: {line:?}");
        }
    }
    let data = if data == "[DONE]" {
        Value::String(data)
    } else {
        serde_json::from_str(&data).unwrap_or_else(|e| panic!("data not JSON ({e}): {data}"))
    };
    (name, data)
}

/// The events of a whole `text/event-stream` body.
pub fn parse_events(body: &[u8]) -> Vec<(String, Value)> {
    let text = std::str::from_utf8(body).expect("UTF-8 events");
    assert!(text.ends_with("\n\n"), "the body ends an event: {text:?}");
    text[..text.len() - 2]
        .split("\n\n")
        .map(parse_event)
        .collect()
}
