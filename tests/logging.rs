//! The API key never reaches a log through the SDK, and the one place a dependency writes it
//! (ureq-proto's raw dump of request heads at `trace` level) is warned about and filtered out
//! by the setting the README recommends.
//!
//! One test in its own binary: a process has one logger.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use openai_blocking::OpenAIClient;

const KEY: &str = "sk-test-logging-secret-0123456789abcdef";

/// A logger that keeps every record; `ureq_proto` records only while `DUMPS` is set (as an
/// application logging at `trace` with and without `ureq_proto=debug`).
struct Capture;

static RECORDS: Mutex<Vec<(String, log::Level, String)>> = Mutex::new(Vec::new());
static DUMPS: AtomicBool = AtomicBool::new(true);

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        !metadata.target().starts_with("ureq_proto") || DUMPS.load(Ordering::SeqCst)
    }

    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            RECORDS.lock().unwrap().push((
                record.target().to_owned(),
                record.level(),
                record.args().to_string(),
            ));
        }
    }

    fn flush(&self) {}
}

/// A server that answers every request on 127.0.0.1 with an empty file list (no httpmock:
/// it logs the headers it receives, key included, and would muddy what is measured here).
fn server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            let body =
                r#"{"object":"list","data":[],"has_more":false,"first_id":null,"last_id":null}"#;
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    url
}

/// The bytes ureq-proto dumped, rebuilt from its rows (`4745 5420 ... GET /v1/files ...`):
/// the hex column of consecutive rows, concatenated. A key split across rows shows up here.
fn dumped_bytes(records: &[(String, log::Level, String)]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for (target, _, message) in records.iter().filter(|(t, _, _)| t == "ureq_proto::util") {
        let hex: String = message
            .chars()
            .take(40)
            .filter(|c| !c.is_whitespace())
            .collect();
        let mut chars = hex.as_bytes().chunks(2);
        for pair in chars.by_ref() {
            match std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
            {
                Some(b) => bytes.push(b),
                None => break, // `--`: past the row's last byte
            }
        }
        let _ = target;
    }
    bytes
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_key_is_in_no_log_record_of_the_sdk_and_the_head_dump_is_warned_about() {
    log::set_logger(&Capture).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let url = server();
    let client = OpenAIClient::create_with_api_key(KEY)
        .with_base_url(&url)
        .build()
        .unwrap();

    // Everything at trace, ureq_proto included.
    client.get_files(None).unwrap();
    let records = std::mem::take(&mut *RECORDS.lock().unwrap());
    assert!(records
        .iter()
        .any(|(t, l, _)| t == "ureq_proto::util" && *l == log::Level::Trace));
    for (target, _, message) in records
        .iter()
        .filter(|(t, _, _)| !t.starts_with("ureq_proto"))
    {
        assert!(!message.contains(KEY), "{target}: {message}");
        assert!(!message.contains(&KEY[..12]), "{target}: {message}");
    }
    // ureq-proto's dump holds the Authorization header (upstream behaviour, which is why
    // the SDK warns and the README says to filter it): the day this fails, the dump no
    // longer carries the key, and the warning can go.
    let dumped = dumped_bytes(&records);
    assert!(
        contains(&dumped, b"GET /v1/files"),
        "the dump was not rebuilt"
    );
    assert!(contains(&dumped, format!("Bearer {KEY}").as_bytes()));
    let warnings: Vec<_> = records
        .iter()
        .filter(|(t, l, _)| t.starts_with("openai_blocking") && *l == log::Level::Warn)
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].2.contains("ureq_proto=debug"), "{warnings:?}");

    // With the README's filter (`RUST_LOG=trace,ureq_proto=debug`): no record holds the key,
    // however it is split, and the SDK warns only once per process.
    DUMPS.store(false, Ordering::SeqCst);
    client.get_files(None).unwrap();
    let records = std::mem::take(&mut *RECORDS.lock().unwrap());
    assert!(
        !records.is_empty(),
        "ureq's own records at trace level are still there"
    );
    let all: String = records.iter().map(|(_, _, m)| m.as_str()).collect();
    assert!(!all.contains(&KEY[3..15]), "{all}");
    assert!(!contains(&dumped_bytes(&records), KEY.as_bytes()));
    assert!(!records
        .iter()
        .any(|(t, _, _)| t.starts_with("openai_blocking")));
}
