//! A seeded mutation runner: real PDFs (and one generated here), their streams decompressed
//! so that mutations reach the content operators, damaged by bit flips, byte overwrites,
//! truncation, chunk duplication and numbers grown by orders of magnitude inside content
//! streams, and bit flips, truncation and chunk duplication of the file as a whole, then read
//! through the text, image, alternative-text and figure paths (found and drawn in one job, and
//! found, then the found figures sent back to be drawn), each in a worker process.
//!
//! What it checks for every input: the caller survives (it is this process); every answer is
//! a value or a typed error naming the file; no worker escapes its guards with a panic or a
//! crash (a worker stopped by its memory or time limit is what the limits are for, and is
//! counted); no job takes longer than 20 s; no worker's peak RSS reaches 512 MiB.
//!
//! CI runs a short slice (`mutated_pdfs_short_slice`, 60 inputs, also without the samples)
//! and, where `../shared/pdf-samples` is, 200 inputs of the long run. The full run:
//!
//! ```text
//! MUTATION_INPUTS=10000 cargo test --release -p copilot-pdf --test mutation -- --ignored --nocapture
//! ```
//!
//! (`MUTATION_SEED`, default 1, changes the inputs); the larger documents of
//! `COPILOT_PDF_EXTRA_SAMPLES` join the seeds when that is set.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use copilot_pdf::{ImageKey, Isolation, Job, JobOutput, PdfDocument, PdfError, PdfFigure};
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, ObjectId, Stream};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const MEMORY_LIMIT: u64 = 512 << 20;
const TIME_LIMIT: Duration = Duration::from_secs(20);

/// A seed: a document with its streams decompressed, and its content streams.
struct Seed {
    name: String,
    doc: Document,
    contents: Vec<ObjectId>,
    bytes: Vec<u8>,
}

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/pdf-samples")
}

/// Loads `bytes`, keeps at most `max_pages` pages, decompresses every stream that can be.
fn seed(name: &str, bytes: &[u8], max_pages: u32) -> Option<Seed> {
    let mut doc = Document::load_mem(bytes).ok()?;
    let pages = doc.get_pages();
    let extra: Vec<u32> = pages.keys().copied().filter(|n| *n > max_pages).collect();
    if !extra.is_empty() {
        doc.delete_pages(&extra);
        doc.prune_objects();
    }
    doc.decompress();
    let mut contents = Vec::new();
    for page in doc.get_pages().into_values() {
        contents.extend(doc.get_page_contents(page));
    }
    for (id, object) in &doc.objects {
        if let Object::Stream(stream) = object {
            let form = stream
                .dict
                .get(b"Subtype")
                .and_then(Object::as_name)
                .is_ok_and(|s| s == b"Form");
            if form && stream.dict.get(b"Filter").is_err() {
                contents.push(*id);
            }
        }
    }
    contents.retain(|id| {
        matches!(doc.objects.get(id), Some(Object::Stream(s)) if s.dict.get(b"Filter").is_err())
    });
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).ok()?;
    Some(Seed {
        name: name.to_string(),
        doc,
        contents,
        bytes,
    })
}

/// A page of text, an image drawn directly and a form XObject drawing text and the image:
/// the seed that needs no sample folder.
fn generated() -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages = doc.new_object_id();
    let font = doc.add_object(dictionary! {
    "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
    let image = doc.add_object(Stream::new(
        dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => 4, "Height" => 2,
        "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8 },
        (0..24u8).map(|i| i * 10).collect(),
    ));
    let form_ops = vec![
        Operation::new("BT", vec![]),
        Operation::new("Tf", vec!["F1".into(), 9.into()]),
        Operation::new("Td", vec![10.into(), 10.into()]),
        Operation::new("Tj", vec![Object::string_literal("Label in a form")]),
        Operation::new("ET", vec![]),
        Operation::new("q", vec![]),
        Operation::new(
            "cm",
            vec![
                40.into(),
                0.into(),
                0.into(),
                20.into(),
                5.into(),
                30.into(),
            ],
        ),
        Operation::new("Do", vec!["Im1".into()]),
        Operation::new("Q", vec![]),
    ];
    let form = doc.add_object(Stream::new(
        dictionary! { "Type" => "XObject", "Subtype" => "Form",
        "BBox" => vec![0.into(), 0.into(), 200.into(), 100.into()],
        "Resources" => dictionary! {
            "Font" => dictionary! { "F1" => font },
            "XObject" => dictionary! { "Im1" => image } } },
        Content {
            operations: form_ops,
        }
        .encode()
        .unwrap(),
    ));
    let mut ops = Vec::new();
    for (i, line) in ["A heading", "Some body text that runs on", "More text"]
        .iter()
        .enumerate()
    {
        ops.push(Operation::new("BT", vec![]));
        ops.push(Operation::new("Tf", vec!["F1".into(), 12.into()]));
        ops.push(Operation::new(
            "Td",
            vec![72.into(), (700 - 20 * i as i64).into()],
        ));
        ops.push(Operation::new("Tj", vec![Object::string_literal(*line)]));
        ops.push(Operation::new("ET", vec![]));
    }
    ops.extend([
        Operation::new("q", vec![]),
        Operation::new(
            "cm",
            vec![
                100.into(),
                0.into(),
                0.into(),
                50.into(),
                72.into(),
                500.into(),
            ],
        ),
        Operation::new("Do", vec!["Im1".into()]),
        Operation::new("Q", vec![]),
        Operation::new("q", vec![]),
        Operation::new(
            "cm",
            vec![
                1.into(),
                0.into(),
                0.into(),
                1.into(),
                300.into(),
                300.into(),
            ],
        ),
        Operation::new("Do", vec!["Fm1".into()]),
        Operation::new("Q", vec![]),
    ]);
    let content = doc.add_object(Stream::new(
        dictionary! {},
        Content { operations: ops }.encode().unwrap(),
    ));
    let page = doc.add_object(dictionary! {
    "Type" => "Page", "Parent" => pages, "Contents" => content,
    "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
    "Resources" => dictionary! {
        "Font" => dictionary! { "F1" => font },
        "XObject" => dictionary! { "Im1" => image, "Fm1" => form } } });
    doc.objects.insert(
        pages,
        dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }.into(),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    doc.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

fn seeds() -> Vec<Seed> {
    let mut out: Vec<Seed> = seed("generated", &generated(), 1).into_iter().collect();
    // (file, pages kept): real producers; long documents cut to a few pages so a run of
    // 10 000 inputs stays under an hour.
    let real = [
        ("lo-jpeg.pdf", 1),
        ("gdocs-tagged.pdf", 2),
        ("git-word365-tagged.pdf", 1),
        ("lo-multilang.pdf", 1),
        ("im-images.pdf", 6),
        ("epson-scan.pdf", 2),
        ("r-intro.pdf", 4),
        ("gmpl-es.pdf", 4),
        ("reportlab-guide.pdf", 6),
        ("geobase-word-tagged.pdf", 3),
        ("xecjk-zh.pdf", 3),
        ("vicksburg-scan-ocr.pdf", 2),
    ];
    let mut dirs = vec![samples_dir()];
    if let Some(extra) = std::env::var_os("COPILOT_PDF_EXTRA_SAMPLES") {
        dirs.push(PathBuf::from(extra));
    }
    for (file, pages) in real {
        let Some(bytes) = dirs.iter().find_map(|d| std::fs::read(d.join(file)).ok()) else {
            continue;
        };
        if let Some(s) = seed(file, &bytes, pages) {
            out.push(s);
        }
    }
    out
}

/// One mutant of `seed`, and what was done to it.
fn mutate(seed: &Seed, rng: &mut StdRng) -> (Vec<u8>, &'static str) {
    let kind = rng.random_range(0..11);
    if kind < 8 && !seed.contents.is_empty() {
        // Inside a content stream, then saved with a correct /Length and xref.
        let mut doc = seed.doc.clone();
        let id = seed.contents[rng.random_range(0..seed.contents.len())];
        let Some(Object::Stream(stream)) = doc.objects.get_mut(&id) else {
            unreachable!("content ids are streams");
        };
        let data = &mut stream.content;
        let what = if data.is_empty() {
            data.extend_from_slice(b"1 0 0 1 0 0 cm");
            "content: filled"
        } else {
            match kind {
                0 | 1 => {
                    for _ in 0..rng.random_range(1..=8) {
                        let at = rng.random_range(0..data.len());
                        data[at] ^= 1 << rng.random_range(0..8);
                    }
                    "content: bit flips"
                }
                2 | 3 => {
                    // Digits and separators most of all: numbers are what bound allocations.
                    const ALPHABET: &[u8] = b"0123456789.-+ eE[]()<>/TJTmcmTzTLTfTd";
                    for _ in 0..rng.random_range(1..=8) {
                        let at = rng.random_range(0..data.len());
                        data[at] = if rng.random_bool(0.7) {
                            ALPHABET[rng.random_range(0..ALPHABET.len())]
                        } else {
                            rng.random()
                        };
                    }
                    "content: byte overwrites"
                }
                4 => {
                    let at = rng.random_range(0..data.len());
                    data.truncate(at);
                    "content: truncation"
                }
                7 => {
                    // A number grown by orders of magnitude (digits duplicated, a separator
                    // lost): the damage that sizes unpdf's reading-order histograms.
                    let digits: Vec<usize> = data
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| b.is_ascii_digit())
                        .map(|(i, _)| i)
                        .collect();
                    if digits.is_empty() {
                        data.push(b'9');
                    }
                    for _ in 0..rng.random_range(1..=3) {
                        if digits.is_empty() {
                            break;
                        }
                        let at = digits[rng.random_range(0..digits.len())];
                        let extra = rng.random_range(4..=14);
                        let at = at.min(data.len());
                        data.splice(at..at, std::iter::repeat_n(b'9', extra));
                    }
                    "content: number blow-up"
                }
                _ => {
                    let at = rng.random_range(0..data.len());
                    let len = rng.random_range(1..=400).min(data.len() - at);
                    let chunk = data[at..at + len].to_vec();
                    let to = rng.random_range(0..=data.len());
                    for _ in 0..rng.random_range(1..=20) {
                        data.splice(to..to, chunk.iter().copied());
                    }
                    "content: chunk duplication"
                }
            }
        };
        let mut bytes = Vec::new();
        if doc.save_to(&mut bytes).is_ok() {
            return (bytes, what);
        }
    }
    let mut m = seed.bytes.clone();
    match rng.random_range(0..3) {
        0 => {
            for _ in 0..rng.random_range(1..=20) {
                let at = rng.random_range(0..m.len());
                m[at] ^= 1 << rng.random_range(0..8);
            }
            (m, "file: bit flips")
        }
        1 => {
            m.truncate(rng.random_range(0..m.len()));
            (m, "file: truncation")
        }
        _ => {
            let at = rng.random_range(0..m.len());
            let len = rng.random_range(1..=2000).min(m.len() - at);
            let chunk = m[at..at + len].to_vec();
            let to = rng.random_range(0..=m.len());
            m.splice(to..to, chunk);
            (m, "file: chunk duplication")
        }
    }
}

#[derive(Default)]
struct Tally {
    inputs: usize,
    by_kind: BTreeMap<&'static str, usize>,
    outcomes: BTreeMap<String, usize>,
    lost: BTreeMap<String, usize>,
    failures: Vec<String>,
    worst_time: (Duration, String),
    worst_rss: (u64, String),
}

fn outcome_name<T>(result: &Result<T, PdfError>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(e) => format!("{e:?}")
            .split([' ', '{'])
            .next()
            .unwrap_or("?")
            .to_string(),
    }
}

fn run(inputs: usize, seed_value: u64) -> Tally {
    let seeds = seeds();
    assert!(!seeds.is_empty());
    let isolation = Isolation::worker(env!("CARGO_BIN_EXE_copilot-pdf-worker"))
        .with_memory_limit(MEMORY_LIMIT)
        .with_time_limits(TIME_LIMIT, TIME_LIMIT);
    let mut rng = StdRng::seed_from_u64(seed_value);
    let mut tally = Tally::default();
    println!(
        "seeds: {}",
        seeds
            .iter()
            .map(|s| format!("{} ({} content streams)", s.name, s.contents.len()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for i in 0..inputs {
        let seed = &seeds[i % seeds.len()];
        let (bytes, kind) = mutate(seed, &mut rng);
        let name = format!("mutant-{i}-of-{}", seed.name);
        let doc = PdfDocument::from_bytes(name.clone(), bytes);
        tally.inputs += 1;
        *tally.by_kind.entry(kind).or_default() += 1;
        let mut keys: Vec<(ImageKey, String)> = Vec::new();
        // The figures `locate` found, which `render` then sends back to a worker to draw.
        let mut located: Vec<PdfFigure> = Vec::new();
        for job in ["text", "images", "alt", "figures", "locate", "render"] {
            let start = Instant::now();
            let (result, stats) = match job {
                "text" => isolation.run(&doc, Job::Text),
                "images" => isolation.run(&doc, Job::Images),
                "figures" => isolation.run(&doc, Job::Figures),
                "locate" => isolation.run(&doc, Job::LocateFigures),
                "render" => isolation.run(&doc, Job::RenderFigures(&located)),
                _ => isolation.run(&doc, Job::AltTexts(&keys)),
            };
            let took = start.elapsed();
            if let (true, Ok(JobOutput::Figures(figures))) = (job == "locate", &result) {
                located = figures.clone();
            }
            if let Ok(JobOutput::Images(images)) = &result {
                keys = images
                    .images
                    .iter()
                    .map(|im| (im.key, format!("Picture {}", im.key)))
                    .collect();
            }
            let label = format!("{name} ({kind}) {job}");
            *tally
                .outcomes
                .entry(format!("{job}: {}", outcome_name(&result)))
                .or_default() += 1;
            if let Err(e) = &result {
                if !e.to_string().contains(&name) {
                    tally
                        .failures
                        .push(format!("{label}: error without the name: {e}"));
                }
                if let PdfError::Worker { .. } = e {
                    tally.failures.push(format!("{label}: {e}"));
                }
            }
            for reason in &stats.lost_reasons {
                let class = if reason.contains("memory") {
                    "memory limit (would abort in process)"
                } else if reason.contains("time limit") {
                    "time limit"
                } else {
                    tally
                        .failures
                        .push(format!("{label}: worker crashed: {reason}"));
                    "crash"
                };
                *tally.lost.entry(format!("{job}: {class}")).or_default() += 1;
            }
            if took > tally.worst_time.0 {
                tally.worst_time = (took, label.clone());
            }
            if took > TIME_LIMIT + Duration::from_secs(5) {
                tally.failures.push(format!("{label}: took {took:?}"));
            }
            if let Some(rss) = stats.peak_rss_bytes {
                if rss > tally.worst_rss.0 {
                    tally.worst_rss = (rss, label.clone());
                }
                if rss >= MEMORY_LIMIT {
                    tally
                        .failures
                        .push(format!("{label}: peak RSS {rss} bytes"));
                }
            }
        }
        if (i + 1) % 500 == 0 {
            println!("… {} inputs", i + 1);
        }
    }
    println!("inputs: {}", tally.inputs);
    println!("mutations: {:?}", tally.by_kind);
    println!("outcomes: {:#?}", tally.outcomes);
    println!("workers lost: {:?}", tally.lost);
    println!(
        "worst time: {:.2} s ({}); worst peak RSS of a worker that finished: {:.1} MiB ({})",
        tally.worst_time.0.as_secs_f64(),
        tally.worst_time.1,
        tally.worst_rss.0 as f64 / 1048576.0,
        tally.worst_rss.1
    );
    println!("failures: {}", tally.failures.len());
    for failure in tally.failures.iter().take(20) {
        println!("  {failure}");
    }
    tally
}

#[test]
fn mutated_pdfs_short_slice() {
    let tally = run(60, 7);
    assert_eq!(tally.inputs, 60);
    assert!(tally.failures.is_empty(), "{:#?}", tally.failures);
    // The mutants are damaged enough to fail somewhere, and mild enough to be read somewhere.
    assert!(tally.outcomes.keys().any(|k| k.ends_with(": ok")));
    assert!(tally.outcomes.keys().any(|k| !k.ends_with(": ok")));
}

/// The long run: `MUTATION_INPUTS` inputs (200 when unset, which is what CI runs where the
/// samples are; the full run is 10 000, see the file's docs).
#[test]
#[ignore = "needs pdf samples: the long mutation run over ../shared/pdf-samples (MUTATION_INPUTS, default 200; the full run is 10 000)"]
fn needs_pdf_samples_long_mutation_run() {
    let inputs = std::env::var("MUTATION_INPUTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let seed = std::env::var("MUTATION_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let tally = run(inputs, seed);
    assert!(tally.failures.is_empty(), "{:#?}", tally.failures);
}
