//! Text extraction: pages read by hayro's interpreter and laid out by [`crate::glyphs`].

use super::{damaged, guarded, looks_truncated, preflight, PdfDocument, PdfError};

/// The text of one page.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PdfPageText {
    /// 1-based page number.
    pub number: u32,
    /// The page's text in reading order: paragraphs separated by a blank line, the lines of a
    /// paragraph joined; bare page numbers in headers and footers are left out. Empty when
    /// the page has no text (an image-only page).
    pub text: String,
}

/// The text of a PDF, page by page. At least one page has text: a document with none is
/// [`PdfError::NoTextLayer`].
#[derive(Debug, Clone)]
pub struct PdfText {
    name: String,
    pages: Vec<PdfPageText>,
    warnings: Vec<String>,
}

impl PdfText {
    /// The document's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every page, in order (pages without text have an empty `text`).
    pub fn pages(&self) -> &[PdfPageText] {
        &self.pages
    }

    /// The whole text: the pages' texts separated by a blank line (empty pages skipped).
    pub fn text(&self) -> String {
        let mut out = String::new();
        for page in self.pages.iter().filter(|p| !p.text.trim().is_empty()) {
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            out.push_str(page.text.trim_end());
        }
        out
    }

    /// Number of characters (Unicode scalar values) over all pages, whitespace excluded.
    pub fn char_count(&self) -> usize {
        self.pages
            .iter()
            .map(|p| p.text.chars().filter(|c| !c.is_whitespace()).count())
            .sum()
    }

    /// The page numbers that have no text (scanned pages in a mixed document).
    pub fn pages_without_text(&self) -> Vec<u32> {
        self.pages
            .iter()
            .filter(|p| p.text.trim().is_empty())
            .map(|p| p.number)
            .collect()
    }

    /// What the extractor flagged while reading: pages missing from a damaged file, text runs
    /// in fonts it could not decode, a cross-reference table it had to rebuild. Empty for a
    /// clean extraction.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// Extracts the text of every page.
///
/// Encrypted files open when their user password is empty. Errors: [`PdfError::Empty`],
/// [`PdfError::NotPdf`], [`PdfError::PasswordRequired`], [`PdfError::Truncated`] /
/// [`PdfError::Damaged`] (also when the file opens but no page can be read), and
/// [`PdfError::NoTextLayer`] when no page has any text (a scan: describe its images instead).
///
/// The work runs where [`Isolation::current`](crate::Isolation::current) says: in a worker
/// process with memory and time limits when one is set up or found, so no input can abort
/// or exhaust the caller (see [`Isolation`](crate::Isolation)); then a page whose
/// extraction exceeds a limit is left out with a warning, and only a document whose opening
/// exceeds one is [`PdfError::LimitExceeded`].
pub fn extract_text(doc: &PdfDocument) -> Result<PdfText, PdfError> {
    crate::Isolation::current().extract_text(doc)
}

/// What the extraction found that the warnings are made from.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct TextFacts {
    pub xref_reconstructed: bool,
    pub pages_incomplete: bool,
    pub declared_page_count: Option<u32>,
    /// Pages that drew more glyphs than a page may collect (the rest were left out).
    pub overflowed_pages: u64,
    pub suppressed_text_runs: u64,
    pub replacement_chars: u64,
    pub chars: u64,
}

impl TextFacts {
    /// Folds the facts of a later run over other pages of the same document into these.
    pub fn merge(&mut self, other: &TextFacts) {
        self.xref_reconstructed |= other.xref_reconstructed;
        self.pages_incomplete |= other.pages_incomplete;
        self.declared_page_count = self.declared_page_count.or(other.declared_page_count);
        self.overflowed_pages += other.overflowed_pages;
        self.suppressed_text_runs += other.suppressed_text_runs;
        self.replacement_chars += other.replacement_chars;
        self.chars += other.chars;
    }

    /// The warnings these facts call for. Encryption alone is not one: a file that opened
    /// with the empty password gives all its text, and a file that did not open is an error.
    fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.pages_incomplete {
            let declared = self
                .declared_page_count
                .map(|n| format!(" (the document declares {n} pages)"))
                .unwrap_or_default();
            out.push(format!(
                "some pages could not be found in the damaged page tree and are missing{declared}"
            ));
        }
        if self.xref_reconstructed {
            out.push(
                "the cross-reference table was damaged and had to be rebuilt from the file's \
                 objects"
                    .to_string(),
            );
        }
        if self.overflowed_pages > 0 {
            out.push(format!(
                "{} page(s) drew more than {} glyphs or {} MiB of text; the rest of their text \
                 is left out",
                self.overflowed_pages,
                crate::glyphs::MAX_GLYPHS,
                crate::glyphs::MAX_TEXT_BYTES >> 20
            ));
        }
        if self.suppressed_text_runs > 0 {
            out.push(format!(
                "dropped {} text run(s) in fonts whose character codes could not be decoded",
                self.suppressed_text_runs
            ));
        }
        if self.chars > 0 && self.replacement_chars * 10 >= self.chars * 3 {
            out.push(format!(
                "{} of {} characters could not be decoded (shown as U+FFFD)",
                self.replacement_chars, self.chars
            ));
        }
        out
    }
}

/// One step of a text extraction, as it happens.
pub(crate) enum TextEvent {
    /// The document opened; it has this many pages.
    Start { page_count: u32 },
    /// A page's text (pages come in ascending order).
    Page(PdfPageText),
    /// A page that could not be read.
    PageFailed { number: u32, reason: String },
    /// The end, with what the extraction found.
    End(TextFacts),
}

/// Extracts the text of `pages` (all when `None`) in this process, reporting each step to
/// `on_event` as it happens (a worker forwards them, so a page done is not lost if a later one
/// kills the worker). `parallel` reads pages on several threads (still reported in order).
///
/// The object layer ([`crate::raw`]) opens the document: it gives the typed errors
/// (password, truncation, unsupported security handlers) and what the warnings say about the
/// file's structure, and hands its hayro document to the interpreter, which draws each page's
/// glyphs.
pub(crate) fn stream_text(
    doc: &PdfDocument,
    pages: Option<&[u32]>,
    parallel: bool,
    on_event: &mut dyn FnMut(TextEvent),
) -> Result<(), PdfError> {
    preflight(doc)?;
    guarded(doc, || {
        let raw = crate::raw::open(doc)?;
        let mut facts = TextFacts {
            xref_reconstructed: raw.xref_reconstructed(),
            declared_page_count: crate::raw::declared_page_count(&raw),
            ..TextFacts::default()
        };
        let pdf = raw.hayro();
        let count = pdf.pages().len() as u32;
        facts.pages_incomplete = facts.declared_page_count.is_some_and(|n| n > count);
        on_event(TextEvent::Start { page_count: count });
        let numbers: Vec<u32> = match pages {
            Some(list) => list
                .iter()
                .copied()
                .filter(|n| (1..=count).contains(n))
                .collect(),
            None => (1..=count).collect(),
        };
        let threads = if parallel {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
        } else {
            1
        };
        read_pages(pdf, &numbers, threads, &mut |number, read| match read {
            Ok(read) => {
                facts.overflowed_pages += u64::from(read.overflowed);
                facts.suppressed_text_runs += read.unmapped_runs;
                facts.replacement_chars += read.replacement_chars;
                facts.chars += read.text.chars().filter(|c| !c.is_whitespace()).count() as u64;
                on_event(TextEvent::Page(PdfPageText {
                    number,
                    text: read.text,
                }));
            }
            Err(reason) => on_event(TextEvent::PageFailed { number, reason }),
        });
        on_event(TextEvent::End(facts));
        Ok(())
    })
}

/// A page read: its text and what the warnings need.
struct PageRead {
    text: String,
    overflowed: bool,
    unmapped_runs: u64,
    replacement_chars: u64,
}

/// The text of page `number` (1-based), or why it could not be read (a panic in the
/// interpreter fails that page, not the document).
fn read_page<'a>(
    pdf: &'a hayro::hayro_syntax::Pdf,
    number: u32,
    cache: &hayro::hayro_interpret::InterpreterCache<'a>,
    settings: &hayro::hayro_interpret::InterpreterSettings,
) -> Result<PageRead, String> {
    use hayro::hayro_interpret::kurbo::{Affine, Rect};
    use hayro::hayro_interpret::{interpret_page, Context};
    let page = pdf
        .pages()
        .get(number as usize - 1)
        .ok_or_else(|| format!("no page {number}"))?;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut glyphs = crate::glyphs::PageGlyphs::default();
        let visible = page.intersected_crop_box();
        if visible.x1 - visible.x0 > 1.0 && visible.y1 - visible.y0 > 1.0 {
            glyphs.bounds = Some([visible.x0, visible.y0, visible.x1, visible.y1]);
        }
        let mut context = Context::new(
            Affine::IDENTITY,
            Rect::new(-1e6, -1e6, 1e6, 1e6),
            cache,
            page.xref(),
            settings.clone(),
        );
        interpret_page(page, &mut context, &mut glyphs);
        PageRead {
            text: crate::glyphs::page_text(&glyphs),
            overflowed: glyphs.overflowed,
            unmapped_runs: glyphs.unmapped_runs,
            replacement_chars: glyphs.replacement_chars,
        }
    }))
    .map_err(|payload| {
        format!(
            "the PDF interpreter gave up with a panic: {}",
            crate::panic_message(payload.as_ref())
        )
    })
}

/// Reads `numbers` on `threads` threads, handing each page to `done` in the order of
/// `numbers`.
fn read_pages(
    pdf: &hayro::hayro_syntax::Pdf,
    numbers: &[u32],
    threads: usize,
    done: &mut dyn FnMut(u32, Result<PageRead, String>),
) {
    use hayro::hayro_interpret::{InterpreterCache, InterpreterSettings};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let settings = InterpreterSettings {
        // Text only: what an annotation's appearance shows is not the page's text.
        render_content: hayro::hayro_interpret::RenderContent::PAGE,
        ..InterpreterSettings::default()
    };
    let threads = threads.clamp(1, numbers.len().max(1));
    if threads == 1 {
        let cache = InterpreterCache::new();
        for &number in numbers {
            done(number, read_page(pdf, number, &cache, &settings));
        }
        return;
    }
    // Pages are handed out one at a time; finished pages wait until those before them are
    // reported.
    let next = AtomicUsize::new(0);
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (send, next, settings) = (send.clone(), &next, &settings);
            scope.spawn(move || {
                let cache = InterpreterCache::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&number) = numbers.get(index) else {
                        break;
                    };
                    let read = read_page(pdf, number, &cache, settings);
                    if send.send((index, read)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        let mut waiting = std::collections::BTreeMap::new();
        let mut reported = 0;
        for (index, read) in receive {
            waiting.insert(index, read);
            while let Some(read) = waiting.remove(&reported) {
                done(numbers[reported], read);
                reported += 1;
            }
        }
    });
}

/// Extracts the text in this process (no isolation).
pub(crate) fn extract_text_in_process(doc: &PdfDocument) -> Result<PdfText, PdfError> {
    let mut collected = Collected::default();
    stream_text(doc, None, true, &mut |event| collected.add(event))?;
    collected.finish(doc, Vec::new())
}

/// The events of one or more runs over a document, put together.
#[derive(Default)]
pub(crate) struct Collected {
    pub page_count: Option<u32>,
    pub pages: Vec<PdfPageText>,
    pub failed: Vec<(u32, String)>,
    pub facts: Option<TextFacts>,
}

impl Collected {
    pub fn add(&mut self, event: TextEvent) {
        match event {
            TextEvent::Start { page_count } => {
                self.page_count.get_or_insert(page_count);
            }
            TextEvent::Page(page) => self.pages.push(page),
            TextEvent::PageFailed { number, reason } => self.failed.push((number, reason)),
            TextEvent::End(facts) => match &mut self.facts {
                Some(all) => all.merge(&facts),
                None => self.facts = Some(facts),
            },
        }
    }

    /// Pages of `1..=page_count` that no run has given an answer for.
    pub fn missing(&self) -> Vec<u32> {
        let count = self.page_count.unwrap_or(0);
        let mut seen = vec![false; count as usize];
        for number in self
            .pages
            .iter()
            .map(|p| p.number)
            .chain(self.failed.iter().map(|f| f.0))
        {
            if let Some(slot) = number.checked_sub(1).and_then(|i| seen.get_mut(i as usize)) {
                *slot = true;
            }
        }
        (1..=count).filter(|n| !seen[*n as usize - 1]).collect()
    }

    /// The result: `lost` are pages a worker gave up on (with why), shown as empty pages
    /// with a warning each.
    pub fn finish(
        mut self,
        doc: &PdfDocument,
        lost: Vec<(u32, String)>,
    ) -> Result<PdfText, PdfError> {
        let facts = self.facts.take().unwrap_or_default();
        if looks_truncated(doc.bytes()) && facts.xref_reconstructed {
            return Err(PdfError::Truncated {
                name: doc.name().to_string(),
                detail: "its cross-reference table is missing; content past the cut is lost".into(),
            });
        }
        let mut warnings = facts.warnings();
        for (number, reason) in self.failed.iter().chain(lost.iter()) {
            warnings.push(format!("page {number} left out: {reason}"));
            self.pages.push(PdfPageText {
                number: *number,
                text: String::new(),
            });
        }
        self.pages.sort_by_key(|p| p.number);
        self.pages.dedup_by_key(|p| p.number);
        if self.pages.is_empty() {
            return Err(damaged(doc, "no page could be read"));
        }
        let text = PdfText {
            name: doc.name().to_string(),
            pages: self.pages,
            warnings,
        };
        if text.char_count() == 0 {
            // A damaged file whose pages went missing is "damaged", not "scanned".
            if let Some((number, reason)) = lost.first() {
                return Err(PdfError::LimitExceeded {
                    name: doc.name().to_string(),
                    detail: format!("page {number}: {reason}; the other pages read hold no text"),
                });
            }
            if let Some((number, reason)) = self.failed.first() {
                return Err(damaged(
                    doc,
                    format!(
                        "page {number} could not be read ({reason}); the other pages hold no text"
                    ),
                ));
            }
            if facts.pages_incomplete {
                return Err(damaged(
                    doc,
                    "pages are missing and the pages that could be read hold no text",
                ));
            }
            return Err(PdfError::NoTextLayer {
                name: doc.name().to_string(),
                pages: text.pages.len(),
            });
        }
        Ok(text)
    }
}
