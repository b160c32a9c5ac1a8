//! Seeded mutations of valid requests (and random bytes) fed to the HTTP layer: in memory
//! through `__private::serve_bytes`, and some over loopback sockets. Whatever comes in, the
//! engine must not panic or hang, must answer with well-formed responses (or close), and
//! must still answer a normal request afterwards.

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::net::Shutdown;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use openai_local::__private::serve_bytes;

use crate::*;

/// A small seeded generator (xorshift64*): the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Valid requests to start from.
fn bases(rng: &mut Rng) -> Vec<u8> {
    let json = r#"{"model": "m", "input": "fuzz me"}"#;
    match rng.below(9) {
        0 => get("/v1/models", ""),
        1 => post("/v1/responses", json, ""),
        2 => chunked("/v1/responses", json.as_bytes(), rng),
        3 => post(
            "/v1/chat/completions",
            r#"{"model": "m", "stream": true, "messages": [{"role": "user", "content": "hi"}]}"#,
            "",
        ),
        4 => b"GET /v1/files HTTP/1.0\r\nAuthorization: Bearer k\r\nConnection: keep-alive\r\n\r\n"
            .to_vec(),
        5 => {
            let body = "--B\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n\
                        --B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n\
                        some text\r\n--B--\r\n";
            format!(
                "POST /v1/files HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer k\r\n\
                 Content-Type: multipart/form-data; boundary=B\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        }
        6 => post("/v1/threads", "{}", "Expect: 100-continue\r\n"),
        7 => post(
            "/v1/assistants",
            r#"{"model": "m"}"#,
            "Connection: close\r\n",
        ),
        _ => post(
            "/v1/responses",
            r#"{"model": "m", "input": "streamed", "stream": true}"#,
            "",
        ),
    }
}

/// `body` as a chunked request, in chunks of random sizes.
fn chunked(path: &str, body: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut wire = format!(
        "POST {path} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer k\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    let mut rest = body;
    while !rest.is_empty() {
        let n = 1 + rng.below(rest.len().min(20));
        let ext = if rng.below(4) == 0 { ";a=b" } else { "" };
        wire.extend(format!("{n:x}{ext}\r\n").as_bytes());
        wire.extend(&rest[..n]);
        wire.extend(b"\r\n");
        rest = &rest[n..];
    }
    wire.extend(b"0\r\n\r\n");
    wire
}

const INTERESTING: &[u8] = b"\r\n:; ,\t\0\x7f\x80\xff0129afAF-+%?/";

const LENGTHS: &[&str] = &[
    "99999999999999999999",
    "18446744073709551615",
    "9223372036854775807",
    "-1",
    "0",
    "1",
    " 7 ",
    "0x10",
    "5, 5",
    "3,4",
    "",
    "1e3",
];

const SIZES: &[&str] = &[
    "ffffffffffffffff",
    "10000000000000000",
    "-1",
    "0x5",
    "5 ;x",
    "",
    "zz",
    "1",
    "0",
    "FFFFFFF",
];

/// Replaces the first occurrence of `what` after `from` in `v` with `with`.
fn replace_at(v: &mut Vec<u8>, what: &[u8], with: &[u8], from: usize) -> bool {
    let from = from.min(v.len());
    match v[from..].windows(what.len()).position(|w| w == what) {
        Some(i) => {
            let at = from + i;
            v.splice(at..at + what.len(), with.iter().copied());
            true
        }
        None => false,
    }
}

/// One to four random changes to `wire`.
fn mutate(wire: &mut Vec<u8>, rng: &mut Rng) {
    for _ in 0..1 + rng.below(4) {
        let len = wire.len().max(1);
        match rng.below(14) {
            0 if !wire.is_empty() => {
                let i = rng.below(wire.len());
                wire[i] = rng.next() as u8;
            }
            1 => {
                let at = rng.below(len).min(wire.len());
                let byte = *rng.pick(INTERESTING);
                wire.insert(at, byte);
            }
            2 if !wire.is_empty() => {
                let at = rng.below(wire.len());
                let n = 1 + rng.below(16.min(wire.len() - at));
                wire.drain(at..at + n);
            }
            3 => wire.truncate(rng.below(len)),
            4 if !wire.is_empty() => {
                let at = rng.below(wire.len());
                let n = 1 + rng.below(32.min(wire.len() - at));
                let copy = wire[at..at + n].to_vec();
                let to = rng.below(wire.len());
                wire.splice(to..to, copy);
            }
            5 => {
                let with = *rng.pick::<&[u8]>(&[&b"\n"[..], b"\r", b"", b"\r\r\n", b"\n\r"]);
                let from = rng.below(len);
                replace_at(wire, b"\r\n", with, from);
            }
            6 => {
                let value = rng.pick(LENGTHS);
                if let Some(i) = find(wire, b"Content-Length: ") {
                    let start = i + b"Content-Length: ".len();
                    let end = wire[start..]
                        .iter()
                        .position(|&b| b == b'\r')
                        .map_or(wire.len(), |e| start + e);
                    wire.splice(start..end, value.bytes());
                } else {
                    let header = format!("Content-Length: {value}\r\n");
                    replace_at(wire, b"\r\n", format!("\r\n{header}").as_bytes(), 0);
                }
            }
            7 => {
                // A chunk size made wrong, or a chunk's CRLF lost.
                let size = rng.pick(SIZES);
                let from = find(wire, b"\r\n\r\n").unwrap_or(0);
                if rng.below(2) == 0 {
                    if let Some(i) = wire[from..].iter().position(|&b| b == b';' || b == b'\r') {
                        let at = from + 4 + i.saturating_sub(4);
                        let at = at.min(wire.len());
                        wire.splice(at..at, size.bytes());
                    }
                } else {
                    let skip = rng.below(len);
                    replace_at(wire, b"\r\n", b"", from.max(skip));
                }
            }
            8 => {
                let header = *rng.pick::<&[u8]>(&[
                    &b"Bad Name: x\r\n"[..],
                    b"X-Null: a\0b\r\n",
                    b"X-High: \x80\xff\r\n",
                    b"\x7f: del\r\n",
                    b": no name\r\n",
                    b"Transfer-Encoding: chunked\r\n",
                    b"Transfer-Encoding: gzip, chunked\r\n",
                    b"Expect: 100-continue\r\n",
                    b"Connection: close\r\n",
                    b"Connection: keep-alive, close\r\n",
                    b"Folded: a\r\n continued\r\n",
                    b"Authorization: Bearer \xc3\x28\r\n",
                ]);
                replace_at(wire, b"\r\n", &[b"\r\n", header].concat(), 0);
                // (the header goes after the request line)
            }
            9 => {
                let more = bases(rng);
                wire.extend(more);
            }
            10 => {
                let n = rng.below(300);
                *wire = (0..n).map(|_| rng.next() as u8).collect();
            }
            11 => {
                let many: String = (0..90 + rng.below(30))
                    .map(|i| format!("X-{i}: v\r\n"))
                    .collect();
                replace_at(wire, b"\r\n", format!("\r\n{many}").as_bytes(), 0);
            }
            12 if rng.below(8) == 0 => {
                let big = format!("\r\nX-Big: {}\r\n", "b".repeat(60_000 + rng.below(10_000)));
                replace_at(wire, b"\r\n", big.as_bytes(), 0);
            }
            _ => {
                let method =
                    *rng.pick::<&[u8]>(&[&b"DELETE"[..], b"get", b"PUT", b"OPTIONS", b"G\x00T"]);
                if let Some(sp) = wire.iter().position(|&b| b == b' ') {
                    wire.splice(..sp, method.iter().copied());
                }
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Parses everything the engine wrote: well-formed responses only, and no server error;
/// counts the statuses in `seen`.
fn check_output(output: &[u8], input: &[u8], seen: &mut BTreeMap<u16, usize>) {
    let mut reader = output;
    loop {
        match read_response(&mut reader) {
            Ok(None) => return,
            Ok(Some(resp)) => {
                *seen.entry(resp.status).or_default() += 1;
                assert!(
                    resp.status < 500 || resp.status == 501,
                    "a server error {} for {:?}: {}",
                    resp.status,
                    String::from_utf8_lossy(&input[..input.len().min(300)]),
                    String::from_utf8_lossy(&resp.body)
                );
                if resp.status >= 400 && resp.header("content-type") == Some("application/json") {
                    resp.assert_error();
                }
            }
            Err(e) => panic!(
                "malformed output ({e}) for input {:?}; output {:?}",
                String::from_utf8_lossy(&input[..input.len().min(300)]),
                String::from_utf8_lossy(&output[..output.len().min(600)])
            ),
        }
    }
}

/// The case being run, shown when the run hangs.
static CASE: AtomicUsize = AtomicUsize::new(0);

#[test]
fn mutated_requests_in_memory_get_well_formed_answers() {
    const CASES: usize = 4000;
    let server = Arc::new(server());
    let (done, finished) = mpsc::channel();
    let worker = {
        let server = server.clone();
        std::thread::spawn(move || {
            let mut rng = Rng(0x5eed_1234_abcd_0001);
            let mut seen = BTreeMap::new();
            for case in 0..CASES {
                CASE.store(case, Ordering::Relaxed);
                let mut wire = bases(&mut rng);
                if rng.below(3) == 0 {
                    wire.extend(bases(&mut rng));
                }
                mutate(&mut wire, &mut rng);
                let output = serve_bytes(&server, &wire);
                check_output(&output, &wire, &mut seen);
                // A normal request still gets its answer.
                if case % 500 == 0 {
                    let ok = serve_bytes(&server, &get("/v1/models", ""));
                    assert!(ok.starts_with(b"HTTP/1.1 200 OK\r\n"));
                }
            }
            done.send(seen).unwrap();
        })
    };
    match finished.recv_timeout(Duration::from_secs(600)) {
        Ok(seen) => {
            eprintln!("statuses: {seen:?}");
            // The mutations reach every path: answers, 100-continue, bad heads and bodies.
            for status in [100, 200, 400, 401, 404, 431, 501] {
                assert!(seen.contains_key(&status), "no {status} in {seen:?}");
            }
            assert!(seen.values().sum::<usize>() > CASES, "{seen:?}");
        }
        Err(_) => panic!("hung at case {}", CASE.load(Ordering::Relaxed)),
    }
    worker.join().unwrap();
    assert_serves(server.addr());
}

#[test]
fn mutated_requests_over_sockets_get_well_formed_answers() {
    const CASES: usize = 200;
    let server = server();
    let mut rng = Rng(0x0bad_cafe_f00d_0002);
    let mut seen = BTreeMap::new();
    for case in 0..CASES {
        let mut wire = bases(&mut rng);
        if rng.below(2) == 0 {
            wire.extend(bases(&mut rng));
        }
        mutate(&mut wire, &mut rng);
        let stream = TcpStream::connect(server.addr()).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(TIMEOUT)).unwrap();
        // Sent in one write or in pieces; the server may close before reading it all.
        let pieces = 1 + rng.below(3);
        let step = wire.len().div_ceil(pieces).max(1);
        for piece in wire.chunks(step) {
            if (&stream).write_all(piece).is_err() {
                break;
            }
        }
        let _ = stream.shutdown(Shutdown::Write);
        let mut output = Vec::new();
        let mut reader = BufReader::new(&stream);
        match reader.read_to_end(&mut output) {
            Ok(_) => {}
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                panic!("case {case}: no end of the answers: {e}")
            }
            // A reset after the answers: what was read must still be well formed.
            Err(_) => {}
        }
        check_output(&output, &wire, &mut seen);
    }
    eprintln!("statuses: {seen:?}");
    assert!(
        seen.contains_key(&200) && seen.contains_key(&400),
        "{seen:?}"
    );
    assert_serves(server.addr());
}
