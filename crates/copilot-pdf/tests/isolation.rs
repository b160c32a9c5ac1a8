//! The worker process: inputs that would abort or exhaust the caller in process cost a page
//! in a worker, and the limits, failures and answers of the worker are typed.

use std::time::{Duration, Instant};

use copilot_pdf::{Isolation, Job, JobOutput, PdfDocument, PdfError};
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream};

fn worker() -> Isolation {
    Isolation::worker(env!("CARGO_BIN_EXE_copilot-pdf-worker"))
}

/// Content that inflates to `size` bytes of zeros (whitespace to a content parser) from a
/// few bytes per 256 KiB: one sync-flushed deflate block of zeros, repeated (its matches
/// reach back one byte, which is a zero in every copy), in a zlib wrapper.
fn deflate_bomb(size: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    const CHUNK: usize = 256 << 10;
    let mut block = Vec::with_capacity(4096);
    let mut deflate = Compress::new(Compression::best(), false);
    deflate
        .compress_vec(&vec![0u8; CHUNK], &mut block, FlushCompress::Sync)
        .unwrap();
    let copies = size.div_ceil(CHUNK);
    let mut out = vec![0x78, 0xda];
    for _ in 0..copies {
        out.extend_from_slice(&block);
    }
    // A last, empty block with fixed codes; then the Adler-32 of the zeros.
    out.extend_from_slice(&[0x03, 0x00]);
    let b = ((copies * CHUNK) % 65521) as u32;
    out.extend_from_slice(&((b << 16) | 1).to_be_bytes());
    out
}

/// One page per entry; each page shows lines of text. A page marked `true` has a second
/// content stream that inflates to 1 GiB (hayro, which interprets the page, inflates content
/// without a limit): in process that takes a gigabyte; in a worker it meets the memory
/// limit.
fn pdf(pages: &[bool]) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
    "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
    let mut kids = Vec::new();
    for (n, bomb) in pages.iter().enumerate() {
        let mut ops = Vec::new();
        for (i, x) in [72.0f32, 300.0, 300.0, 72.0, 300.0].iter().enumerate() {
            ops.push(Operation::new("BT", vec![]));
            ops.push(Operation::new("Tf", vec!["F1".into(), 12.into()]));
            ops.push(Operation::new(
                "Tm",
                vec![
                    1.into(),
                    0.into(),
                    0.into(),
                    1.into(),
                    Object::Real(*x),
                    Object::Real(700.0 - 20.0 * i as f32),
                ],
            ));
            let line = format!("Page {} line {i} holds words", n + 1);
            ops.push(Operation::new("Tj", vec![Object::string_literal(line)]));
            ops.push(Operation::new("ET", vec![]));
        }
        let mut contents = vec![Object::from(doc.add_object(Stream::new(
            dictionary! {},
            Content { operations: ops }.encode().unwrap(),
        )))];
        if *bomb {
            let mut stream = Stream::new(dictionary! { "Filter" => "FlateDecode" }, Vec::new());
            stream.set_content(deflate_bomb(1 << 30));
            contents.push(doc.add_object(stream).into());
        }
        kids.push(Object::from(
            doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => contents,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } } }),
        ));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }.into(),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

#[test]
fn the_bomb_inflates_to_what_it_says() {
    use std::io::Read;
    let bomb = deflate_bomb(3 << 20);
    assert!(bomb.len() < 16 << 10, "{}", bomb.len());
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(&bomb[..])
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out.len(), 3 << 20);
    assert!(out.iter().all(|b| *b == 0));
}

#[test]
fn a_page_that_asks_for_a_gigabyte_is_left_out_and_the_rest_comes_back() {
    let doc = PdfDocument::from_bytes("inflates-to-1-gib.pdf", pdf(&[false, true, false]));
    let start = Instant::now();
    // A limit well under the default (384 MiB and more) meets the bomb sooner: the test's
    // debug build inflates slowly.
    let (result, stats) = worker().with_memory_limit(96 << 20).run(&doc, Job::Text);
    let Ok(JobOutput::Text(text)) = result else {
        panic!("expected text, got {result:?}");
    };
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    let pages: Vec<_> = text.pages().iter().map(|p| p.number).collect();
    assert_eq!(pages, [1, 2, 3]);
    assert!(text.pages()[0].text.contains("Page 1 line 4 holds words"));
    assert!(text.pages()[2].text.contains("Page 3 line 0 holds words"));
    assert_eq!(text.pages()[1].text, "", "the page at fault is left out");
    assert_eq!(text.pages_without_text(), [2]);
    let warning = text
        .warnings()
        .iter()
        .find(|w| w.starts_with("page 2 left out"))
        .unwrap_or_else(|| panic!("no warning for page 2: {:?}", text.warnings()));
    assert!(warning.contains("memory"), "{warning}");
    // One worker died in the parallel run, one more finding the page, then one finished.
    assert!(stats.workers_lost >= 1 && stats.workers >= 2, "{stats:?}");
    assert!(
        stats.peak_rss_bytes.is_some_and(|b| b < 512 << 20),
        "{stats:?}"
    );
}

#[test]
fn a_single_page_past_the_limit_is_a_typed_error_naming_the_page_and_the_limit() {
    let doc = PdfDocument::from_bytes("one-bad-page.pdf", pdf(&[true]));
    match worker().with_memory_limit(96 << 20).extract_text(&doc) {
        Err(PdfError::LimitExceeded { name, detail }) => {
            assert_eq!(name, "one-bad-page.pdf");
            assert!(
                detail.starts_with("page 1:") && detail.contains("MiB"),
                "{detail}"
            );
        }
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
}

#[test]
fn a_worker_without_time_to_open_the_document_is_a_limit_error() {
    let doc = PdfDocument::from_bytes("slow.pdf", pdf(&[false; 3]));
    let isolation = worker().with_time_limits(Duration::from_nanos(1), Duration::from_nanos(1));
    match isolation.extract_text(&doc) {
        Err(PdfError::LimitExceeded { detail, .. }) => {
            assert!(detail.contains("time limit"), "{detail}")
        }
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
}

#[test]
fn a_worker_with_too_little_memory_to_open_is_a_limit_error() {
    // 16 MiB of PDF cannot even be read into a worker limited to 8 MiB.
    let mut bytes = pdf(&[false]);
    let at = bytes.len() - 6;
    bytes.splice(at..at, std::iter::repeat_n(b'%', 16 << 20));
    let doc = PdfDocument::from_bytes("small-limit.pdf", bytes);
    let start = Instant::now();
    match worker().with_memory_limit(8 << 20).extract_text(&doc) {
        Err(PdfError::LimitExceeded { name, detail }) => {
            assert_eq!(name, "small-limit.pdf");
            assert!(
                detail.contains("memory") && detail.contains("8 MiB"),
                "{detail}"
            );
            assert!(start.elapsed() < Duration::from_secs(10));
        }
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
}

#[test]
fn a_missing_worker_program_is_a_worker_error() {
    let doc = PdfDocument::from_bytes("any.pdf", pdf(&[false]));
    match Isolation::worker("/nonexistent/copilot-pdf-worker").extract_text(&doc) {
        Err(PdfError::Worker { name, detail }) => {
            assert_eq!(name, "any.pdf");
            assert!(
                detail.contains("/nonexistent/copilot-pdf-worker"),
                "{detail}"
            );
        }
        other => panic!("expected Worker, got {other:?}"),
    }
}

#[test]
fn a_worker_answers_what_the_process_answers() {
    let doc = PdfDocument::from_bytes("three.pdf", pdf(&[false, false, false]));
    let here = Isolation::in_process();
    let there = worker();
    let (a, b) = (
        here.extract_text(&doc).unwrap(),
        there.extract_text(&doc).unwrap(),
    );
    assert_eq!(a.pages(), b.pages());
    assert_eq!(a.warnings(), b.warnings());
    assert_eq!(a.pages().len(), 3);
    let (a, b) = (
        here.extract_images(&doc).unwrap(),
        there.extract_images(&doc).unwrap(),
    );
    assert_eq!(
        (a.images, a.skipped, a.problems),
        (b.images, b.skipped, b.problems)
    );
    let a = here.add_alt_texts(&doc, &[]).unwrap();
    let b = there.add_alt_texts(&doc, &[]).unwrap();
    assert_eq!(a, b);
    // Typed errors cross the process boundary unchanged.
    let garbage = PdfDocument::from_bytes("garbage.pdf", b"%PDF-1.4\n\x00\x01garbage".to_vec());
    let (a, b) = (
        here.extract_text(&garbage).unwrap_err(),
        there.extract_text(&garbage).unwrap_err(),
    );
    assert_eq!(a.to_string(), b.to_string());
}

#[test]
fn integration_tests_find_the_worker_binary_next_to_them() {
    // `cargo test` builds copilot-pdf-worker into target/<profile>/, one folder above the
    // test binary: the default isolation finds it there.
    let current = Isolation::current();
    assert!(current.is_isolated(), "{current:?}");
    assert!(current.program().unwrap().ends_with(format!(
        "copilot-pdf-worker{}",
        std::env::consts::EXE_SUFFIX
    )));
}

#[test]
fn a_program_that_is_not_a_worker_is_a_worker_error_not_a_limit() {
    // A script that refuses the request the way a worker of another version does.
    let doc = PdfDocument::from_bytes("any.pdf", pdf(&[false]));
    let refusing = std::env::temp_dir().join(format!("refusing-worker-{}.sh", std::process::id()));
    std::fs::write(&refusing, "#!/bin/sh\necho 'copilot-pdf worker: malformed request (sent by another version of copilot-pdf)' >&2\nexit 3\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&refusing, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let result = Isolation::worker(&refusing).extract_images(&doc);
    let _ = std::fs::remove_file(&refusing);
    match result {
        Err(PdfError::Worker { detail, .. }) => {
            assert!(detail.contains("another version"), "{detail}")
        }
        other => panic!("expected Worker, got {other:?}"),
    }
}
