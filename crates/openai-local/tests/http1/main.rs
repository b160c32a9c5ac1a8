//! The engine's HTTP/1.1 layer: keep-alive, pipelining, HTTP/1.0, `100-continue`,
//! `Connection: close`, chunked bodies, bad heads (over loopback sockets), and a seeded
//! mutation test feeding it thousands of broken requests (in memory, and some over sockets).

mod fuzz;
mod wire;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use openai_local::LocalServer;
use serde_json::Value;

/// Generous: no test waits this long unless the server hangs.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// A parsed HTTP response.
#[derive(Debug)]
pub struct Resp {
    pub version: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// Checks the engine's error shape: `{"error": {"message", "type", "param", "code"}}`.
    pub fn assert_error(&self) {
        let v = self.json();
        for key in ["message", "type", "param", "code"] {
            assert!(v["error"].get(key).is_some(), "error without {key}: {v}");
        }
    }
}

/// Reads one response: `Ok(None)` when the input ends before its first byte, an error for
/// anything malformed or cut short (or a read that times out).
pub fn read_response(r: &mut impl BufRead) -> Result<Option<Resp>, String> {
    let mut line = Vec::new();
    if r.read_until(b'\n', &mut line).map_err(|e| e.to_string())? == 0 {
        return Ok(None);
    }
    let status_line = crlf_line(&line)?.to_string();
    let (version, rest) = status_line
        .split_once(' ')
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(format!("bad version in {status_line:?}"));
    }
    let (code, _reason) = rest.split_once(' ').unwrap_or((rest, ""));
    let status: u16 = code
        .parse()
        .ok()
        .filter(|s| (100..600).contains(s) && code.len() == 3)
        .ok_or_else(|| format!("bad status in {status_line:?}"))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        r.read_until(b'\n', &mut line).map_err(|e| e.to_string())?;
        let field = crlf_line(&line)?;
        if field.is_empty() {
            break;
        }
        let (name, value) = field
            .split_once(':')
            .ok_or_else(|| format!("bad header line {field:?}"))?;
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        {
            return Err(format!("bad header name {name:?}"));
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let mut resp = Resp {
        version: version.to_string(),
        status,
        headers,
        body: Vec::new(),
    };
    if status == 100 {
        return Ok(Some(resp));
    }
    let length = resp.header("content-length").map(str::to_string);
    let chunked = resp
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    match (length, chunked) {
        (Some(len), false) => {
            let len: usize = len.parse().map_err(|_| format!("bad length {len:?}"))?;
            resp.body = vec![0; len];
            r.read_exact(&mut resp.body).map_err(|e| e.to_string())?;
        }
        (None, true) => loop {
            line.clear();
            r.read_until(b'\n', &mut line).map_err(|e| e.to_string())?;
            let size = crlf_line(&line)?;
            let size =
                usize::from_str_radix(size, 16).map_err(|_| format!("bad chunk size {size:?}"))?;
            let mut chunk = vec![0; size + 2];
            r.read_exact(&mut chunk).map_err(|e| e.to_string())?;
            if !chunk.ends_with(b"\r\n") {
                return Err("a chunk without CRLF".into());
            }
            if size == 0 {
                if chunk != b"\r\n" {
                    return Err("bytes after the last chunk".into());
                }
                break;
            }
            resp.body.extend_from_slice(&chunk[..size]);
        },
        other => return Err(format!("no single framing: {other:?}")),
    }
    Ok(Some(resp))
}

fn crlf_line(line: &[u8]) -> Result<&str, String> {
    let line = line
        .strip_suffix(b"\r\n")
        .ok_or_else(|| format!("line without CRLF: {:?}", String::from_utf8_lossy(line)))?;
    std::str::from_utf8(line).map_err(|_| "a line that is not UTF-8".to_string())
}

/// A connection to the server with timeouts, read through a buffer.
pub struct Conn {
    pub reader: BufReader<TcpStream>,
    pub writer: TcpStream,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        Conn {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
    }

    /// The next response, which must be there and well formed.
    pub fn response(&mut self) -> Resp {
        read_response(&mut self.reader)
            .unwrap_or_else(|e| panic!("malformed response: {e}"))
            .expect("a response, not the end of the connection")
    }

    /// Whether the server closed the connection (nothing more comes).
    pub fn closed(&mut self) -> bool {
        let mut rest = Vec::new();
        match self.reader.read_to_end(&mut rest) {
            Ok(_) => rest.is_empty(),
            Err(e) => panic!("the connection neither closed nor sent: {e}"),
        }
    }
}

/// A server whose runs complete at once.
pub fn server() -> LocalServer {
    LocalServer::builder()
        .step_delay(Duration::ZERO)
        .start()
        .unwrap()
}

/// A request with a JSON body and a `Content-Length`.
pub fn post(path: &str, body: &str, extra: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer k\r\nOpenAI-Beta: assistants=v2\r\n\
         Content-Type: application/json\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A request without a body.
pub fn get(path: &str, extra: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer k\r\n{extra}\r\n").into_bytes()
}

/// A normal request still gets its normal answer.
pub fn assert_serves(addr: SocketAddr) {
    let mut conn = Conn::open(addr);
    conn.send(&get("/v1/models", "Connection: close\r\n"));
    let resp = conn.response();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["object"], "list");
}
