//! Batch input files: the exact JSONL a line becomes, the API's limits refused before
//! anything is written, the file written under a temporary name and never over another, and
//! lines read back.

use std::io::Write;

use openai_blocking::types::*;
use openai_blocking::*;
use serde_json::json;

fn refused<T: std::fmt::Debug>(result: Result<T, Error>, line: u64, id: &str, says: &str) {
    match result {
        Err(Error::InvalidBatchLine {
            line: got,
            custom_id,
            message,
        }) => {
            assert_eq!(got, line, "{message}");
            assert_eq!(custom_id.as_deref(), Some(id));
            assert!(message.contains(says), "{message:?} does not say {says:?}");
        }
        other => panic!("expected line {line} to be refused, got {other:?}"),
    }
}

#[test]
fn each_endpoint_writes_its_line_exactly() {
    let mut out = Vec::new();
    let mut writer = BatchWriter::new(&mut out);
    writer
        .push(
            "r1",
            ResponseCreateRequest {
                max_output_tokens: Some(200),
                ..ResponseCreateRequest::text("gpt-4.1-mini", "Hi")
            },
        )
        .unwrap();
    let file = writer.finish().unwrap();
    assert_eq!((file.lines, file.path), (1, None));

    let mut chat = BatchWriter::new(Vec::new());
    chat.push(
        "c1",
        CompletionCreateRequest::new(
            "gpt-4o-mini",
            vec![ChatCompletionRequestMessage::user("Hello")],
        ),
    )
    .unwrap();
    let mut embeddings = BatchWriter::new(Vec::new());
    embeddings
        .push(
            "e1",
            EmbeddingCreateRequest::batch("text-embedding-3-small", ["a", "b"]),
        )
        .unwrap();

    let text = String::from_utf8(out).unwrap();
    assert!(text.ends_with('\n') && text.matches('\n').count() == 1);
    let line: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        line,
        json!({
            "custom_id": "r1", "method": "POST", "url": "/v1/responses",
            "body": {"model": "gpt-4.1-mini", "input": "Hi", "max_output_tokens": 200}
        })
    );
    // Fields in the order the API's guide shows them.
    assert!(text.starts_with(r#"{"custom_id":"r1","method":"POST","url":"/v1/responses","body":{"#));
    assert_eq!(file.bytes, text.len() as u64);
}

#[test]
fn lines_read_back_are_the_lines_written() {
    let lines = vec![
        BatchLine {
            custom_id: "r1".into(),
            request: ResponseCreateRequest::text("gpt-4.1-mini", "One").into(),
        },
        BatchLine {
            custom_id: "r2".into(),
            request: ResponseCreateRequest::new(
                "gpt-4.1-mini",
                vec![InputItem::developer("Be brief."), InputItem::user("Two")],
            )
            .into(),
        },
    ];
    let mut out = Vec::new();
    let mut writer = BatchWriter::new(&mut out);
    for line in &lines {
        writer.push_line(line.clone()).unwrap();
    }
    writer.finish().unwrap();
    let back: Vec<BatchLine> = read_batch_lines(&out[..]).map(Result::unwrap).collect();
    assert_eq!(back, lines);

    let bad = b"{\"custom_id\":\"x\",\"method\":\"GET\",\"url\":\"/v1/responses\",\"body\":{}}\n\n{\"custom_id\":\"y\",\"method\":\"POST\",\"url\":\"/v1/images/generations\",\"body\":{}}\n{";
    let read: Vec<Result<BatchLine, Error>> = read_batch_lines(&bad[..]).collect();
    assert_eq!(read.len(), 3);
    refused(
        read.into_iter().next().unwrap(),
        1,
        "x",
        "`method` must be POST",
    );
    let read: Vec<Result<BatchLine, Error>> = read_batch_lines(&bad[..]).collect();
    refused(
        read.into_iter().nth(1).unwrap(),
        3,
        "y",
        "/v1/images/generations",
    );
}

#[test]
fn ids_endpoints_and_streams_are_checked_line_by_line() {
    let mut writer = BatchWriter::new(Vec::new());
    let ask = |text: &str| ResponseCreateRequest::text("gpt-4.1-mini", text);
    writer.push("a", ask("one")).unwrap();
    refused(writer.push("a", ask("two")), 2, "a", "already used");
    refused(writer.push("", ask("two")), 2, "", "empty");
    refused(
        writer.push(
            "b",
            EmbeddingCreateRequest::new("text-embedding-3-small", "x"),
        ),
        2,
        "b",
        "one endpoint per batch",
    );
    let streaming = ResponseCreateRequest {
        stream: Some(true),
        ..ask("two")
    };
    refused(writer.push("b", streaming), 2, "b", "stream");
    // A refused line is not written: the writer goes on.
    writer.push("b", ask("two")).unwrap();
    assert_eq!(writer.lines(), 2);
    assert_eq!(writer.finish().unwrap().lines, 2);
}

#[test]
fn the_line_count_limit_is_fifty_thousand() {
    let mut writer = BatchWriter::new(std::io::sink());
    let request = EmbeddingCreateRequest::new("text-embedding-3-small", "x");
    for n in 0..MAX_BATCH_LINES {
        writer.push(n.to_string(), request.clone()).unwrap();
    }
    refused(
        writer.push("one more", request),
        50_001,
        "one more",
        "at most 50000 requests",
    );
    assert_eq!(writer.finish().unwrap().lines, 50_000);
}

#[test]
fn the_embedding_inputs_of_a_batch_are_counted() {
    let mut writer = BatchWriter::new(std::io::sink());
    let inputs: Vec<String> = (0..25_000).map(|n| n.to_string()).collect();
    let request = EmbeddingCreateRequest::batch("text-embedding-3-small", inputs);
    writer.push("first half", request.clone()).unwrap();
    writer.push("second half", request).unwrap();
    refused(
        writer.push(
            "one more",
            EmbeddingCreateRequest::new("text-embedding-3-small", "x"),
        ),
        3,
        "one more",
        "at most 50000 inputs",
    );
}

#[test]
fn the_limits_are_openais_unless_set() {
    assert_eq!(
        BatchLimits::default(),
        BatchLimits::new(50_000, 200_000_000, 50_000)
    );
    // The byte limit, smaller: lines of 1,050 bytes of text.
    let big = "x".repeat(1_050);
    let mut writer =
        BatchWriter::new(std::io::sink()).with_limits(BatchLimits::new(10_000, 200_000, 10));
    let mut n = 0;
    let error = loop {
        n += 1;
        match writer.push(
            format!("doc-{n}"),
            ResponseCreateRequest::text("gpt-4.1-mini", big.as_str()),
        ) {
            Ok(()) => assert!(writer.bytes() <= 200_000),
            Err(e) => break e,
        }
    };
    let written = writer.bytes();
    assert!(written <= 200_000 && written + 1_050 > 200_000);
    refused(
        Err::<(), _>(error),
        n,
        &format!("doc-{n}"),
        "past 200000 bytes",
    );
    // A small line still fits.
    writer
        .push("small", ResponseCreateRequest::text("gpt-4.1-mini", "x"))
        .unwrap();

    // Azure's files take 100,000 lines.
    let mut azure = BatchWriter::new(std::io::sink()).with_limits(BatchLimits::new(
        100_000,
        200_000_000,
        50_000,
    ));
    let request = ResponseCreateRequest::text("gpt-4.1-mini", "x");
    for n in 0..50_001 {
        azure.push(n.to_string(), request.clone()).unwrap();
    }
    assert_eq!(azure.lines(), 50_001);
}

#[test]
fn a_file_is_written_under_a_temporary_name_and_never_over_another() {
    let dir = std::env::temp_dir().join(format!(
        "openai-blocking-batch-files-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("requests.jsonl");

    let mut writer = BatchWriter::create(&path).unwrap();
    writer
        .push("a", ResponseCreateRequest::text("gpt-4.1-mini", "one"))
        .unwrap();
    // Until `finish`, the name is free and only the temporary file exists.
    assert!(!path.exists());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    let file = writer.finish().unwrap();
    assert_eq!(file.path.as_deref(), Some(path.as_path()));
    assert_eq!(std::fs::metadata(&path).unwrap().len(), file.bytes);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);

    // An existing file is never written over.
    let before = std::fs::read(&path).unwrap();
    assert!(matches!(
        BatchWriter::create(&path),
        Err(Error::InvalidArgument { name: "path", .. })
    ));
    assert_eq!(std::fs::read(&path).unwrap(), before);

    // A writer dropped without `finish` leaves nothing behind.
    let other = dir.join("abandoned.jsonl");
    let mut abandoned = BatchWriter::create(&other).unwrap();
    abandoned
        .push("a", ResponseCreateRequest::text("gpt-4.1-mini", "one"))
        .unwrap();
    drop(abandoned);
    assert!(!other.exists());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);

    // A file that appears under the name meanwhile is left alone.
    let raced = dir.join("raced.jsonl");
    let mut writer = BatchWriter::create(&raced).unwrap();
    writer
        .push("a", ResponseCreateRequest::text("gpt-4.1-mini", "one"))
        .unwrap();
    std::fs::write(&raced, b"theirs").unwrap();
    assert!(matches!(
        writer.finish(),
        Err(Error::InvalidArgument { name: "path", .. })
    ));
    assert_eq!(std::fs::read(&raced).unwrap(), b"theirs");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A sink that fails after `left` bytes.
struct Failing {
    left: usize,
}

impl Write for Failing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() > self.left {
            return Err(std::io::Error::other("disk full"));
        }
        self.left -= buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failed_write_ends_the_file() {
    let mut writer = BatchWriter::new(Failing { left: 100 });
    writer
        .push("a", ResponseCreateRequest::text("m", "one"))
        .unwrap();
    let big = "x".repeat(200);
    assert!(matches!(
        writer.push("b", ResponseCreateRequest::text("m", big.as_str())),
        Err(Error::Io(_))
    ));
    refused(
        writer.push("c", ResponseCreateRequest::text("m", "x")),
        2,
        "c",
        "earlier write",
    );
    assert!(matches!(writer.finish(), Err(Error::Io(_))));
}
