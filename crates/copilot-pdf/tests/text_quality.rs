//! Word precision and recall of `extract_text` against poppler's `pdftotext` on the samples.
//!
//! ```text
//! cargo test -p copilot-pdf --test text_quality -- --ignored --nocapture
//! COPILOT_PDF_EXTRA_SAMPLES=dir cargo test … # the larger documents too
//! ```
//!
//! Words: NFKC-normalised, lower-cased runs of letters and digits; every CJK character is a
//! word of its own (those scripts do not separate words). Counted as bags: precision is the
//! share of our words that pdftotext also has (as often), recall the share of pdftotext's
//! words we have. Text shown twice lowers precision; text lost lowers recall. pdftotext is a
//! reference, not the truth (it splits some OCR layers into letters, for one).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use copilot_pdf::{extract_text, PdfDocument};
use unicode_normalization::UnicodeNormalization;

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xAC00..=0xD7AF
        | 0x20000..=0x2FA1F)
}

/// The words of `text`, counted.
fn words(text: &str) -> HashMap<String, usize> {
    let mut out: HashMap<String, usize> = HashMap::new();
    let mut word = String::new();
    let normalised: String = text.nfkc().collect();
    for c in normalised.chars().flat_map(char::to_lowercase) {
        if is_cjk(c) {
            if !word.is_empty() {
                *out.entry(std::mem::take(&mut word)).or_default() += 1;
            }
            *out.entry(c.to_string()).or_default() += 1;
        } else if c.is_alphanumeric() {
            word.push(c);
        } else if !word.is_empty() {
            *out.entry(std::mem::take(&mut word)).or_default() += 1;
        }
    }
    if !word.is_empty() {
        *out.entry(word).or_default() += 1;
    }
    out
}

/// (precision, recall, our words, reference words).
fn precision_recall(ours: &str, reference: &str) -> (f64, f64, usize, usize) {
    let (a, b) = (words(ours), words(reference));
    let common: usize = a
        .iter()
        .map(|(w, n)| (*n).min(b.get(w).copied().unwrap_or(0)))
        .sum();
    let (na, nb): (usize, usize) = (a.values().sum(), b.values().sum());
    let ratio = |x: usize, y: usize| if y == 0 { 1.0 } else { x as f64 / y as f64 };
    (ratio(common, na), ratio(common, nb), na, nb)
}

#[test]
fn word_bags_count_duplicates_and_losses() {
    let (p, r, _, _) = precision_recall("a b c", "a b c");
    assert_eq!((p, r), (1.0, 1.0));
    // Shown twice: half our words are extra.
    let (p, r, _, _) = precision_recall("Client Server Client Server", "Client Server");
    assert_eq!((p, r), (0.5, 1.0));
    // Lost: half the reference is missing.
    let (p, r, _, _) = precision_recall("ﬁle", "file text");
    assert_eq!((p, r), (1.0, 0.5), "the ligature is normalised");
    assert_eq!(words("中文abc"), words("中 文 ABC"));
}

fn sample_files() -> Vec<PathBuf> {
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/pdf-samples")];
    if let Some(extra) = std::env::var_os("COPILOT_PDF_EXTRA_SAMPLES") {
        dirs.push(PathBuf::from(extra));
    }
    assert!(
        dirs[0].is_dir(),
        "needs_pdf_samples: {} is absent",
        dirs[0].display()
    );
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    files.sort();
    files
}

#[test]
#[ignore = "needs pdf samples (../shared/pdf-samples) and pdftotext (poppler-utils): word precision/recall per file"]
fn needs_pdf_samples_word_precision_and_recall_against_pdftotext() {
    println!(
        "{:<34} {:>9} {:>7} {:>8} {:>8}",
        "file", "precision", "recall", "ours", "poppler"
    );
    let mut low = Vec::new();
    for path in sample_files() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Ok(text) = extract_text(&PdfDocument::from_path(&path).unwrap()) else {
            continue;
        };
        let out = Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) runs");
        if !out.status.success() {
            continue;
        }
        let reference = String::from_utf8_lossy(&out.stdout);
        let (p, r, na, nb) = precision_recall(&text.text(), &reference);
        println!(
            "{name:<34} {:>8.1}% {:>6.1}% {na:>8} {nb:>8}",
            p * 100.0,
            r * 100.0
        );
        // The scans' OCR layers are split into letters by pdftotext: not comparable.
        if !name.contains("scan") && (p < 0.95 || r < 0.95) {
            low.push(format!("{name}: precision {p:.3}, recall {r:.3}"));
        }
    }
    assert!(low.is_empty(), "{low:#?}");
}
