//! File indexing and BM25 ranking: a readable file is cut into passages (paragraphs by
//! default, or fixed windows of words for a static chunking strategy) and passages are ranked
//! against a query with Okapi BM25.

use std::collections::HashMap;
use std::ops::Range;

use super::text;

/// How a file is cut into passages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Chunking {
    /// Paragraphs; a heading joins the paragraph under it; long paragraphs are split.
    Auto,
    /// Windows of `max_tokens` words, each overlapping the previous one by `overlap` words.
    Static { max_tokens: usize, overlap: usize },
}

/// The most words an automatic passage holds before it is split at sentence ends.
const AUTO_MAX_WORDS: usize = 300;

/// One passage of an indexed file.
#[derive(Debug)]
pub(crate) struct Passage {
    /// Byte range in the file's text.
    pub range: Range<usize>,
    terms: HashMap<String, u32>,
    len: u32,
}

/// A file read as text and cut into passages, ready to search.
#[derive(Debug)]
pub(crate) struct IndexedFile {
    pub file_id: String,
    pub filename: String,
    pub text: String,
    pub passages: Vec<Passage>,
}

impl IndexedFile {
    /// The text of passage `i`.
    pub fn passage_text(&self, i: usize) -> &str {
        &self.text[self.passages[i].range.clone()]
    }
}

/// Why a file could not be indexed: an error code of the API and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unreadable {
    pub code: &'static str,
    pub message: String,
}

/// Reads `bytes` as text (UTF-8, an optional byte-order mark; a PDF's text layer with the
/// `pdf` feature) and cuts it into passages. Empty files and binary content (invalid UTF-8 or
/// control characters) are unreadable.
pub(crate) fn index_file(
    file_id: &str,
    filename: &str,
    bytes: &[u8],
    chunking: Chunking,
) -> Result<IndexedFile, Unreadable> {
    let text = read_document(filename, bytes)?;
    let ranges = match chunking {
        Chunking::Auto => auto_passages(&text),
        Chunking::Static {
            max_tokens,
            overlap,
        } => static_passages(&text, max_tokens, overlap),
    };
    let passages = ranges
        .into_iter()
        .map(|range| {
            let mut terms = HashMap::new();
            let mut len = 0u32;
            for t in text::terms(&text[range.clone()]) {
                *terms.entry(t).or_insert(0) += 1;
                len += 1;
            }
            Passage { range, terms, len }
        })
        .collect();
    Ok(IndexedFile {
        file_id: file_id.to_string(),
        filename: filename.to_string(),
        text,
        passages,
    })
}

/// The text of a file: a PDF's text layer (with the `pdf` feature), else UTF-8 text.
pub(crate) fn read_document(filename: &str, bytes: &[u8]) -> Result<String, Unreadable> {
    if bytes.starts_with(b"%PDF-") {
        read_pdf(filename, bytes)
    } else {
        read_text(bytes)
    }
}

/// The text layer of a PDF, page after page.
#[cfg(feature = "pdf")]
fn read_pdf(filename: &str, bytes: &[u8]) -> Result<String, Unreadable> {
    use copilot_pdf::{extract_text, PdfDocument, PdfError};
    let doc = PdfDocument::from_bytes(filename, bytes.to_vec());
    match extract_text(&doc) {
        Ok(text) => Ok(text.text().replace("\r\n", "\n")),
        Err(e @ (PdfError::PasswordRequired { .. } | PdfError::NoTextLayer { .. })) => {
            Err(Unreadable {
                code: "unsupported_file",
                message: e.to_string(),
            })
        }
        Err(e) => Err(Unreadable {
            code: "invalid_file",
            message: e.to_string(),
        }),
    }
}

/// Without the `pdf` feature the engine cannot read PDFs.
#[cfg(not(feature = "pdf"))]
fn read_pdf(_filename: &str, _bytes: &[u8]) -> Result<String, Unreadable> {
    Err(Unreadable {
        code: "unsupported_file",
        message: "PDF files can be searched when the engine is built with the `pdf` feature."
            .into(),
    })
}

fn read_text(bytes: &[u8]) -> Result<String, Unreadable> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let unsupported = || Unreadable {
        code: "unsupported_file",
        message: "The file is not text (only UTF-8 text and Markdown files can be searched)."
            .into(),
    };
    let text = std::str::from_utf8(bytes).map_err(|_| unsupported())?;
    let control = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
        .count();
    if control * 100 > text.chars().count() {
        return Err(unsupported());
    }
    if !text.chars().any(char::is_alphanumeric) {
        return Err(Unreadable {
            code: "invalid_file",
            message: "The file has no text to index.".into(),
        });
    }
    Ok(text.replace("\r\n", "\n"))
}

fn auto_passages(text: &str) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut pending_heading: Option<usize> = None;
    for para in text::paragraphs(text) {
        let body = &text[para.clone()];
        let start = pending_heading.take().unwrap_or(para.start);
        let is_heading = !body.contains('\n') && body.starts_with('#');
        if is_heading {
            pending_heading = Some(start);
            continue;
        }
        let range = start..para.end;
        if text::word_count(&text[range.clone()]) <= AUTO_MAX_WORDS {
            out.push(range);
            continue;
        }
        // A long paragraph: groups of whole sentences of at most AUTO_MAX_WORDS words.
        let mut group: Option<Range<usize>> = None;
        let mut count = 0;
        for s in text::sentences(&text[range.clone()]) {
            let s = range.start + s.start..range.start + s.end;
            let n = text::word_count(&text[s.clone()]);
            match group.as_mut() {
                Some(g) if count + n <= AUTO_MAX_WORDS => {
                    g.end = s.end;
                    count += n;
                }
                _ => {
                    out.extend(group.take());
                    group = Some(s);
                    count = n;
                }
            }
        }
        out.extend(group);
    }
    if let Some(start) = pending_heading {
        out.push(start..text.trim_end().len().max(start));
    }
    out
}

fn static_passages(text: &str, max_tokens: usize, overlap: usize) -> Vec<Range<usize>> {
    let spans = word_spans(text);
    let max_tokens = max_tokens.max(1);
    let stride = max_tokens.saturating_sub(overlap).max(1);
    let mut out = Vec::new();
    let mut first = 0;
    while first < spans.len() {
        let last = (first + max_tokens).min(spans.len()) - 1;
        out.push(spans[first].start..spans[last].end);
        if last + 1 == spans.len() {
            break;
        }
        first += stride;
    }
    out
}

/// Byte ranges of the white-space separated words of `text`.
fn word_spans(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..text.len());
    }
    out
}

/// One ranked passage: the index of its file in the searched slice, of the passage in the
/// file, and its BM25 score squashed into `[0, 1)` by `s / (s + 1)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Hit {
    pub file: usize,
    pub passage: usize,
    pub score: f64,
}

/// Ranks every passage of `files` against `query` with BM25 (k1 = 1.2, b = 0.75), best
/// first; passages sharing no term with the query are left out. Ties keep file order.
pub(crate) fn rank<F: std::ops::Deref<Target = IndexedFile>>(files: &[F], query: &str) -> Vec<Hit> {
    const K1: f64 = 1.2;
    const B: f64 = 0.75;
    let mut query_terms = text::terms(query);
    query_terms.sort();
    query_terms.dedup();
    let all = files.iter().enumerate().flat_map(|(f, file)| {
        file.passages
            .iter()
            .enumerate()
            .map(move |(p, x)| (f, p, x))
    });
    let n = all.clone().count() as f64;
    if n == 0.0 || query_terms.is_empty() {
        return Vec::new();
    }
    let avg_len = (all.clone().map(|(_, _, p)| f64::from(p.len)).sum::<f64>() / n).max(1.0);
    let idf: Vec<f64> = query_terms
        .iter()
        .map(|t| {
            let df = all
                .clone()
                .filter(|(_, _, p)| p.terms.contains_key(t))
                .count() as f64;
            (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
        })
        .collect();
    let mut hits: Vec<Hit> = all
        .filter_map(|(file, passage, p)| {
            let len = f64::from(p.len);
            let score: f64 = query_terms
                .iter()
                .zip(&idf)
                .filter_map(|(t, idf)| {
                    let tf = f64::from(*p.terms.get(t)?);
                    Some(idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / avg_len)))
                })
                .sum();
            (score > 0.0).then(|| Hit {
                file,
                passage,
                score: score / (score + 1.0),
            })
        })
        .collect();
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# Returns\nYou may return shoes within 30 days.\n\n\
        # Shipping\nShipping is free above 50 euros.\n\n\
        # Warranty\nThe warranty covers defects for two years.\n";

    #[test]
    fn headings_join_their_paragraph() {
        let f = index_file("file-1", "doc.md", DOC.as_bytes(), Chunking::Auto).unwrap();
        assert_eq!(f.passages.len(), 3);
        assert_eq!(
            f.passage_text(1),
            "# Shipping\nShipping is free above 50 euros."
        );
    }

    #[test]
    fn bm25_finds_the_right_passage() {
        let f = index_file("file-1", "doc.md", DOC.as_bytes(), Chunking::Auto).unwrap();
        let hits = rank(&[&f], "How long is the warranty?");
        assert_eq!(hits[0].passage, 2);
        assert!(hits[0].score > 0.0 && hits[0].score < 1.0);
        let hits = rank(&[&f], "can I return my shoes");
        assert_eq!(hits[0].passage, 0);
        assert!(rank(&[&f], "zebra").is_empty());
    }

    #[test]
    fn unreadable_content_is_refused() {
        let bin = index_file("f", "x.bin", &[0, 159, 146, 150, 1, 2], Chunking::Auto);
        assert_eq!(bin.unwrap_err().code, "unsupported_file");
        let empty = index_file("f", "x.txt", b"  \n ", Chunking::Auto);
        assert_eq!(empty.unwrap_err().code, "invalid_file");
        let ctrl = index_file("f", "x.txt", b"a\x01\x02\x03\x04", Chunking::Auto);
        assert_eq!(ctrl.unwrap_err().code, "unsupported_file");
    }

    #[test]
    fn static_chunks_overlap() {
        let text = "a b c d e f g";
        let f = index_file(
            "f",
            "x.txt",
            text.as_bytes(),
            Chunking::Static {
                max_tokens: 3,
                overlap: 1,
            },
        )
        .unwrap();
        let got: Vec<&str> = (0..f.passages.len()).map(|i| f.passage_text(i)).collect();
        assert_eq!(got, ["a b c", "c d e", "e f g"]);
    }
}
