//! The protocol over loopback sockets.

use std::io::{Read, Write};
use std::sync::mpsc;

use crate::*;

#[test]
fn pipelined_requests_are_answered_in_order_on_one_connection() {
    let server = server();
    let mut conn = Conn::open(server.addr());
    let mut burst = get("/v1/models", "");
    burst.extend(post(
        "/v1/responses",
        r#"{"model": "m", "input": "first"}"#,
        "",
    ));
    burst.extend(get("/v1/nowhere", ""));
    burst.extend(post(
        "/v1/responses",
        r#"{"model": "m", "input": "second"}"#,
        "",
    ));
    conn.send(&burst);
    let models = conn.response();
    assert_eq!((models.status, &models.version[..]), (200, "HTTP/1.1"));
    assert_eq!(models.json()["object"], "list");
    let first = conn.response();
    assert_eq!(first.status, 200);
    assert!(first.json()["output"].to_string().contains("first"));
    let missing = conn.response();
    assert_eq!(missing.status, 404);
    missing.assert_error();
    let second = conn.response();
    assert!(second.json()["output"].to_string().contains("second"));
    for resp in [&models, &first, &missing, &second] {
        assert_eq!(resp.header("connection"), None, "kept alive");
        assert!(resp.header("x-request-id").unwrap().starts_with("req_"));
        assert!(resp.header("date").unwrap().ends_with(" GMT"));
    }
    // The connection carries more, one request at a time too.
    for i in 0..5 {
        conn.send(&post(
            "/v1/responses",
            &format!(r#"{{"model": "m", "input": "n{i}"}}"#),
            "",
        ));
        assert_eq!(conn.response().status, 200);
    }
}

#[test]
fn connection_close_is_honoured() {
    let server = server();
    let mut conn = Conn::open(server.addr());
    let mut two = get("/v1/models", "Connection: close\r\n");
    two.extend(get("/v1/models", ""));
    conn.send(&two);
    let resp = conn.response();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("connection"), Some("close"));
    assert!(conn.closed(), "the second request is not answered");
}

#[test]
fn http_1_0_closes_unless_keep_alive_is_asked() {
    let server = server();
    let mut conn = Conn::open(server.addr());
    conn.send(b"GET /v1/models HTTP/1.0\r\nAuthorization: Bearer k\r\n\r\n");
    let resp = conn.response();
    assert_eq!((resp.status, &resp.version[..]), (200, "HTTP/1.0"));
    assert_eq!(resp.header("connection"), Some("close"));
    assert!(conn.closed());

    let mut conn = Conn::open(server.addr());
    for _ in 0..3 {
        conn.send(
            b"GET /v1/models HTTP/1.0\r\nAuthorization: Bearer k\r\nConnection: Keep-Alive\r\n\r\n",
        );
        let resp = conn.response();
        assert_eq!((resp.status, &resp.version[..]), (200, "HTTP/1.0"));
        assert_eq!(resp.header("connection"), Some("keep-alive"));
    }
    // A body with a length, on HTTP/1.0.
    let body = r#"{"model": "m", "input": "old"}"#;
    conn.send(
        format!(
            "POST /v1/responses HTTP/1.0\r\nAuthorization: Bearer k\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    assert_eq!(conn.response().status, 200);
    assert!(conn.closed());
}

#[test]
fn expect_100_continue_is_answered_before_the_body_is_read() {
    let server = server();
    let mut conn = Conn::open(server.addr());
    let body = r#"{"model": "m", "input": "after continue"}"#;
    conn.send(
        format!(
            "POST /v1/responses HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer k\r\n\
             Expect: 100-continue\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    let interim = conn.response();
    assert_eq!(interim.status, 100);
    conn.send(body.as_bytes());
    let resp = conn.response();
    assert_eq!(resp.status, 200);
    assert!(resp.json()["output"].to_string().contains("after continue"));
    // The connection goes on.
    conn.send(&get("/v1/models", ""));
    assert_eq!(conn.response().status, 200);

    // Refused before the body is wanted: no 100, the answer, and the connection is closed.
    let mut conn = Conn::open(server.addr());
    conn.send(
        b"POST /v1/responses HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
    );
    let resp = conn.response();
    assert_eq!(resp.status, 401);
    resp.assert_error();
    assert_eq!(resp.header("connection"), Some("close"));
    assert!(conn.closed());
}

#[test]
fn chunked_request_bodies_are_read() {
    let server = server();
    let mut conn = Conn::open(server.addr());
    let body = br#"{"model": "m", "input": "in chunks"}"#;
    let mut wire = b"POST /v1/responses HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer k\r\n\
                     Transfer-Encoding: chunked\r\n\r\n"
        .to_vec();
    for piece in body.chunks(7) {
        wire.extend(format!("{:x};ext=1\r\n", piece.len()).as_bytes());
        wire.extend(piece);
        wire.extend(b"\r\n");
    }
    wire.extend(b"0\r\nX-Checksum: none\r\n\r\n");
    // Sent in small writes, so that the server reads it in pieces.
    for piece in wire.chunks(5) {
        conn.send(piece);
    }
    let resp = conn.response();
    assert_eq!(resp.status, 200);
    assert!(resp.json()["output"].to_string().contains("in chunks"));
    conn.send(&get("/v1/models", ""));
    assert_eq!(conn.response().status, 200);

    // A broken chunked body: an error answer, then the connection is closed.
    let mut conn = Conn::open(server.addr());
    conn.send(
        b"POST /v1/responses HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer k\r\n\
          Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    );
    let resp = conn.response();
    assert_eq!(resp.status, 400);
    resp.assert_error();
    assert!(conn.closed());
}

#[test]
fn bad_heads_get_json_errors_and_the_connection_is_closed() {
    let server = server();
    let too_many: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (b"GARBAGE\r\n\r\n".to_vec(), 400),
        (b"GET /v1/models HTTP/9.9\r\n\r\n".to_vec(), 400),
        (
            b"GET /v1/models HTTP/1.1\r\nBad Name: x\r\n\r\n".to_vec(),
            400,
        ),
        (get("/v1/models", "Content-Length: 12x\r\n"), 400),
        (
            get("/v1/models", "Content-Length: 1\r\nContent-Length: 2\r\n"),
            400,
        ),
        (get("/v1/models", "Transfer-Encoding: gzip\r\n"), 501),
        (
            get(
                "/v1/models",
                "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
            ),
            400,
        ),
        (get("/v1/models", &too_many), 431),
        (
            get("/v1/models", &format!("X-Big: {}\r\n", "a".repeat(70_000))),
            431,
        ),
    ];
    for (wire, status) in cases {
        let mut conn = Conn::open(server.addr());
        // The server may answer before it has read all of a big head.
        let _ = conn.writer.write_all(&wire);
        let resp = conn.response();
        assert_eq!(
            resp.status,
            status,
            "{:?}",
            String::from_utf8_lossy(&wire[..wire.len().min(80)])
        );
        resp.assert_error();
        assert_eq!(resp.header("connection"), Some("close"));
        assert!(conn.closed());
    }
    assert_serves(server.addr());
}

#[test]
fn a_huge_body_over_the_limit_is_refused_and_the_answer_arrives() {
    let server = server();
    // 40 MiB announced (over the 32 MiB limit of JSON bodies), 34 MiB sent.
    let head = format!(
        "POST /v1/responses HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer k\r\nContent-Length: {}\r\n\r\n",
        40u64 << 20
    );
    let mut conn = Conn::open(server.addr());
    conn.send(head.as_bytes());
    let writer = conn.writer.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let mut writer = writer;
        let block = vec![b' '; 1 << 20];
        for _ in 0..34 {
            if writer.write_all(&block).is_err() {
                break;
            }
        }
    });
    let resp = conn.response();
    assert_eq!(resp.status, 413);
    resp.assert_error();
    assert_eq!(resp.header("connection"), Some("close"));
    sender.join().unwrap();
    assert_serves(server.addr());
}

#[test]
fn a_server_with_idle_kept_alive_connections_stops_when_dropped() {
    let server = server();
    let addr = server.addr();
    let mut idle: Vec<Conn> = (0..4)
        .map(|_| {
            let mut conn = Conn::open(addr);
            conn.send(&get("/v1/models", ""));
            assert_eq!(conn.response().status, 200);
            conn
        })
        .collect();
    // One connection with half a head sent.
    let mut half = Conn::open(addr);
    half.send(b"GET /v1/mod");
    let (done, stopped) = mpsc::channel();
    std::thread::spawn(move || {
        drop(server);
        done.send(()).unwrap();
    });
    stopped
        .recv_timeout(TIMEOUT)
        .expect("the server stopped despite idle connections");
    for conn in &mut idle {
        assert!(conn.closed(), "an idle connection is closed");
    }
    // Half a request is dropped: the connection ends (closed, or reset when the server had
    // not read the bytes yet), with no answer.
    let mut rest = Vec::new();
    match half.reader.read_to_end(&mut rest) {
        Ok(_) => assert!(rest.is_empty()),
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
}

#[test]
fn a_client_stalled_in_the_middle_of_a_body_cannot_hold_up_the_server() {
    let server = openai_local::LocalServer::builder()
        .step_delay(std::time::Duration::ZERO)
        .idle_timeout(std::time::Duration::from_millis(200))
        .start()
        .unwrap();
    let addr = server.addr();
    // A head announcing 100 bytes, then 10 of them, then nothing.
    let mut stalled = Conn::open(addr);
    let mut request = post(
        "/v1/threads",
        &format!("{{\"metadata\":{{}}{}}}", " ".repeat(84)),
        "",
    );
    request.truncate(request.len() - 90);
    stalled.send(&request);
    // The server gives the request up once the client has sent nothing for the timeout: the
    // connection ends, and other clients are served meanwhile.
    assert_serves(addr);
    let mut rest = Vec::new();
    if let Err(e) = stalled.reader.read_to_end(&mut rest) {
        // Not the client's own read timeout: the server ended the connection.
        assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}");
    }
    assert!(
        rest.is_empty() || String::from_utf8_lossy(&rest).starts_with("HTTP/1.1 4"),
        "{}",
        String::from_utf8_lossy(&rest)
    );
    // And a new stalled client does not keep the server from stopping.
    let mut again = Conn::open(addr);
    again.send(&request);
    assert_serves(addr);
    let (done, stopped) = mpsc::channel();
    std::thread::spawn(move || {
        drop(server);
        done.send(()).unwrap();
    });
    stopped
        .recv_timeout(TIMEOUT)
        .expect("the server stopped despite a stalled client");
}

#[test]
fn many_connections_at_once_with_few_workers() {
    let server = LocalServer::builder()
        .step_delay(Duration::ZERO)
        .workers(2)
        .start()
        .unwrap();
    let addr = server.addr();
    // More idle connections than workers: they take none.
    let mut idle: Vec<Conn> = (0..6).map(|_| Conn::open(addr)).collect();
    let clients: Vec<_> = (0..6)
        .map(|i| {
            std::thread::spawn(move || {
                let mut conn = Conn::open(addr);
                for j in 0..20 {
                    let body = format!(r#"{{"model": "m", "input": "c{i} r{j}"}}"#);
                    conn.send(&post("/v1/responses", &body, ""));
                    let resp = conn.response();
                    assert_eq!(resp.status, 200);
                    assert!(resp.json()["output"]
                        .to_string()
                        .contains(&format!("c{i} r{j}")));
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    for conn in &mut idle {
        conn.send(&get("/v1/models", ""));
        assert_eq!(conn.response().status, 200);
    }
}

#[test]
fn a_large_answer_arrives_whole() {
    let server = server();
    let mut conn = Conn::open(server.addr());
    let input = "word ".repeat(30_000);
    conn.send(&post(
        "/v1/responses",
        &serde_json::json!({"model": "m", "input": input}).to_string(),
        "",
    ));
    let resp = conn.response();
    assert_eq!(resp.status, 200);
    assert!(resp.body.len() > 100_000, "{}", resp.body.len());
    let mut again = Vec::new();
    conn.send(&get("/v1/models", "Connection: close\r\n"));
    conn.reader.read_to_end(&mut again).unwrap();
    assert!(again.starts_with(b"HTTP/1.1 200 OK\r\n"));
}
