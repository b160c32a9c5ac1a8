//! Text extraction speed: pages per second of `extract_text` on the largest PDF in
//! `../shared/pdf-samples/` (or a path given as the first argument), against poppler's
//! `pdftotext` on the same file when it is installed.
//!
//! ```text
//! cargo bench -p copilot-pdf --bench pdf_text [-- path/to/file.pdf]
//! ```
//!
//! Each side runs a warm-up and then `RUNS` timed runs; the best run counts (the machine is
//! shared, so the best run is the least disturbed one).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use copilot_pdf::{extract_text, PdfDocument};

const RUNS: usize = 5;

fn largest_sample() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/pdf-samples");
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .filter(|p| {
            !p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("broken")
        })
        .max_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
}

fn best<F: FnMut()>(mut f: F) -> Duration {
    f();
    (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap()
}

fn main() {
    let path = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .or_else(largest_sample);
    let Some(path) = path else {
        println!("pdf_text: skipped: no PDF given and ../shared/pdf-samples/ is absent");
        return;
    };
    let doc = PdfDocument::from_path(&path).expect("readable PDF");
    let text = extract_text(&doc).expect("text");
    let pages = text.pages().len();
    println!(
        "file: {} ({} bytes, {pages} pages, {} characters)",
        path.display(),
        doc.bytes().len(),
        text.char_count()
    );

    let ours = best(|| {
        let t = extract_text(&doc).expect("text");
        assert_eq!(t.pages().len(), pages);
    });
    let ours_rate = pages as f64 / ours.as_secs_f64();
    println!(
        "extract_text (unpdf): best of {RUNS}: {:.3} s, {ours_rate:.0} pages/s",
        ours.as_secs_f64()
    );

    let have_pdftotext = Command::new("pdftotext").arg("-v").output().is_ok();
    if !have_pdftotext {
        println!("pdftotext: not installed, no comparison");
        return;
    }
    let poppler = best(|| {
        let status = Command::new("pdftotext")
            .arg(&path)
            .arg("/dev/null")
            .status()
            .expect("pdftotext runs");
        assert!(status.success());
    });
    let poppler_rate = pages as f64 / poppler.as_secs_f64();
    println!(
        "pdftotext (poppler):  best of {RUNS}: {:.3} s, {poppler_rate:.0} pages/s (includes process start)",
        poppler.as_secs_f64()
    );
    println!(
        "ratio: pdftotext is {:.2}× the speed of extract_text",
        poppler_rate / ours_rate
    );
}
