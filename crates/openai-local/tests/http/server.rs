//! The server itself: the binary, and stopping when dropped.

use crate::support::*;

#[test]
fn the_binary_prints_its_url_and_serves() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_openai-local"))
        .args(["--port", "0", "--step-delay-ms", "1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_string();
    let addr: SocketAddr = url
        .strip_prefix("http://")
        .and_then(|u| u.strip_suffix("/v1"))
        .unwrap_or_else(|| panic!("unexpected first line {url:?}"))
        .parse()
        .unwrap();
    let answer = Http { addr }.ok("GET", "/v1/files", None);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(answer["object"], "list");

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_openai-local"))
        .arg("--port")
        .arg("x")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("usage: openai-local"));
}

#[test]
fn servers_stop_when_dropped() {
    let start = Instant::now();
    for _ in 0..30 {
        let server = LocalServer::builder().workers(4).start().unwrap();
        let addr = server.addr();
        assert_eq!(Http { addr }.ok("GET", "/v1/files", None)["object"], "list");
        drop(server);
        // The port closes once the server is gone (its accept thread ends just after).
        let gone = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
            assert!(
                gone.elapsed() < Duration::from_secs(2),
                "{addr} still accepts connections"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn answers_on_a_kept_alive_connection_never_wait_for_a_delayed_ack() {
    // A response object is written in two pieces (head, then a body of some kilobytes) and
    // a stream in many: with Nagle's algorithm on the server's socket, each later piece waits
    // for the client's delayed ACK, about 40 ms on Linux (the first answers of a connection
    // may escape it: the client acknowledges at once while it is new). The median of twenty
    // requests shows whether they wait.
    let server = fast();
    let stream = TcpStream::connect(server.addr()).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut times = Vec::new();
    for i in 0..20 {
        let body =
            json!({"model": "m", "input": format!("question {i} {}", "padding ".repeat(200))})
                .to_string();
        let started = Instant::now();
        write!(
            writer,
            "POST /v1/responses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut len = 0;
        loop {
            let mut line = String::new();
            std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
        }
        let mut answer = vec![0; len];
        reader.read_exact(&mut answer).unwrap();
        times.push(started.elapsed());
        let answer: Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(answer["status"], "completed");
        assert!(
            len > 1500,
            "a body bigger than the server's write buffer: {len}"
        );
    }
    times.sort();
    assert!(
        times[10] < Duration::from_millis(30),
        "half the answers took 30 ms or more (a delayed-ACK wait): {times:?}"
    );
}
