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
