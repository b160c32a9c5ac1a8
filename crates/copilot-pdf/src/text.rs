//! Text extraction with unpdf.

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

/// What unpdf reported about an extraction that the warnings are made from (the parts of
/// `unpdf::ExtractionQuality` that say text is missing or wrong).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct TextFacts {
    pub xref_reconstructed: bool,
    pub pages_incomplete: bool,
    pub declared_page_count: Option<u32>,
    pub undecodable_content_streams: u64,
    pub suppressed_text_runs: u64,
    pub suppressed_ocr_pages: u64,
    pub replacement_chars: u64,
    pub chars: u64,
}

impl TextFacts {
    fn of(quality: &unpdf::model::ExtractionQuality) -> Self {
        TextFacts {
            xref_reconstructed: quality.xref_reconstructed,
            pages_incomplete: quality.pages_incomplete,
            declared_page_count: quality.declared_page_count,
            undecodable_content_streams: quality.undecodable_content_streams as u64,
            suppressed_text_runs: quality.suppressed_text_runs as u64,
            suppressed_ocr_pages: quality.suppressed_ocr_pages as u64,
            replacement_chars: quality.replacement_char_count as u64,
            chars: quality.char_count as u64,
        }
    }

    /// Folds the facts of a later run over other pages of the same document into these.
    pub fn merge(&mut self, other: &TextFacts) {
        self.xref_reconstructed |= other.xref_reconstructed;
        self.pages_incomplete |= other.pages_incomplete;
        self.declared_page_count = self.declared_page_count.or(other.declared_page_count);
        self.undecodable_content_streams += other.undecodable_content_streams;
        self.suppressed_text_runs += other.suppressed_text_runs;
        self.suppressed_ocr_pages += other.suppressed_ocr_pages;
        self.replacement_chars += other.replacement_chars;
        self.chars += other.chars;
    }

    /// The warnings these facts call for. Encryption alone is not one: a file that opened
    /// with the empty password gives all its text (unpdf's "may be incomplete" message for
    /// every encrypted file is left out), and a file that did not open is an error.
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
        if self.undecodable_content_streams > 0 {
            out.push(format!(
                "left out {} content stream(s) that could not be decoded",
                self.undecodable_content_streams
            ));
        }
        if self.suppressed_text_runs > 0 {
            out.push(format!(
                "dropped {} text run(s) in fonts whose character codes could not be decoded",
                self.suppressed_text_runs
            ));
        }
        if self.suppressed_ocr_pages > 0 {
            out.push(format!(
                "dropped the unreadable OCR text layer of {} page(s)",
                self.suppressed_ocr_pages
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
    /// The end, with what unpdf reported.
    End(TextFacts),
}

/// Extracts the text of `pages` (all when `None`) in this process, reporting each step to
/// `on_event` as it happens (a worker forwards them, so a page done is not lost if a later one
/// kills the worker). `parallel` parses pages on several threads (still reported in order).
pub(crate) fn stream_text(
    doc: &PdfDocument,
    pages: Option<&[u32]>,
    parallel: bool,
    on_event: &mut dyn FnMut(TextEvent),
) -> Result<(), PdfError> {
    preflight(doc)?;
    guarded(doc, || {
        let parser =
            unpdf::PdfParser::from_bytes_with_options(doc.bytes(), unpdf::ParseOptions::new())
                .map_err(|e| unpdf_error(doc, e))?;
        let options = unpdf::PageStreamOptions {
            pages: match pages {
                Some(list) => unpdf::render::PageSelection::Pages(list.to_vec()),
                None => unpdf::render::PageSelection::All,
            },
            parallel,
            ..Default::default()
        };
        let quality = parser
            .for_each_page(options, |event| {
                match event {
                    unpdf::ParseEvent::DocumentStart { page_count, .. } => {
                        on_event(TextEvent::Start { page_count })
                    }
                    unpdf::ParseEvent::PageParsed(page) => on_event(TextEvent::Page(PdfPageText {
                        number: page.number,
                        text: page_text(&page),
                    })),
                    unpdf::ParseEvent::PageFailed { page, error } => {
                        on_event(TextEvent::PageFailed {
                            number: page,
                            reason: error.to_string(),
                        })
                    }
                    _ => {}
                }
                std::ops::ControlFlow::Continue(())
            })
            .map_err(|e| unpdf_error(doc, e))?;
        on_event(TextEvent::End(TextFacts::of(&quality)));
        Ok(())
    })
}

/// The page's text as unpdf lays it out (blocks separated by a blank line), each piece of
/// text once.
///
/// unpdf 0.52 can give the labels of a diagram drawn as one form XObject two or three times:
/// as a paragraph, or as overlapping "tables" whose grids are the diagram's frame
/// (geobase-word-tagged.pdf, page 13: 557 words where pdftotext has 263). A table whose words
/// (counted) are nearly all words of the page's paragraphs or of a table kept before it is
/// such a copy, and is left out.
pub(crate) fn page_text(page: &unpdf::model::Page) -> String {
    use std::collections::HashMap;
    type Bag = HashMap<String, usize>;
    fn count(text: &str, into: &mut Bag) {
        for word in text.split_whitespace() {
            *into.entry(word.to_string()).or_default() += 1;
        }
    }
    let texts: Vec<(bool, String)> = page
        .elements
        .iter()
        .map(|block| {
            let mut text = String::new();
            block.append_plain_text(&mut text);
            (matches!(block, unpdf::model::Block::Table(_)), text)
        })
        .filter(|(_, text)| !text.is_empty())
        .collect();
    let mut kept: Bag = HashMap::new();
    if texts.iter().any(|(table, _)| *table) {
        for (_, text) in texts.iter().filter(|(table, _)| !table) {
            count(text, &mut kept);
        }
    }
    let mut out = String::new();
    for (table, text) in &texts {
        if *table {
            let mut words: Bag = HashMap::new();
            count(text, &mut words);
            let total: usize = words.values().sum();
            let shared: usize = words
                .iter()
                .map(|(w, n)| (*n).min(kept.get(w).copied().unwrap_or(0)))
                .sum();
            if total >= 4 && shared * 10 >= total * 9 {
                continue;
            }
            for (w, n) in words {
                *kept.entry(w).or_default() += n;
            }
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(text);
    }
    out
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

fn unpdf_error(doc: &PdfDocument, error: unpdf::Error) -> PdfError {
    use unpdf::ErrorKind;
    let name = doc.name().to_string();
    match error.kind() {
        ErrorKind::Encrypted | ErrorKind::InvalidPassword => PdfError::PasswordRequired { name },
        ErrorKind::UnknownFormat => PdfError::NotPdf { name },
        _ => damaged(doc, error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::page_text;
    use unpdf::model::{Block, Page, Paragraph, Table, TableCell, TableRow};

    fn table(rows: &[&[&str]]) -> Block {
        let mut table = Table::new();
        for row in rows {
            table.add_row(TableRow::new(
                row.iter().map(|c| TableCell::text(*c)).collect(),
            ));
        }
        Block::Table(table)
    }

    #[test]
    fn a_table_that_repeats_the_pages_paragraphs_is_shown_once() {
        // What unpdf gives for a diagram drawn as one form XObject: its labels as a paragraph
        // and again as a table made from the diagram's frame.
        let mut page = Page::new(1, 612.0, 792.0);
        page.add_block(Block::Paragraph(Paragraph::with_text(
            "Architecture overview",
        )));
        page.add_block(Block::Paragraph(Paragraph::with_text(
            "Client Server Database Cache Queue",
        )));
        page.add_block(table(&[
            &["Client Server", "Database"],
            &["Cache", "Queue"],
        ]));
        let text = page_text(&page);
        assert_eq!(
            text,
            "Architecture overview\n\nClient Server Database Cache Queue"
        );
        assert_eq!(text.matches("Client").count(), 1);
        // unpdf's own text has them twice.
        assert_eq!(page.plain_text().matches("Client").count(), 2);
    }

    #[test]
    fn overlapping_tables_of_one_diagram_are_shown_once() {
        let mut page = Page::new(1, 612.0, 792.0);
        page.add_block(Block::Paragraph(Paragraph::with_text("Line Events")));
        page.add_block(table(&[
            &["Name: Events", "Client Server"],
            &["Cache", "Queue Dam"],
        ]));
        page.add_block(table(&[
            &["Client", "Server Cache"],
            &["Name: Events Queue", ""],
        ]));
        page.add_block(table(&[&["Queue", "Dam"], &["Cache", "Server"]]));
        let text = page_text(&page);
        assert_eq!(text.matches("Client").count(), 1, "{text}");
        assert_eq!(text.matches("Dam").count(), 1, "{text}");
        assert!(text.starts_with("Line Events\n\nName: Events"), "{text}");
    }

    #[test]
    fn a_real_table_is_kept_even_when_some_of_its_words_are_in_the_text() {
        let mut page = Page::new(1, 612.0, 792.0);
        page.add_block(Block::Paragraph(Paragraph::with_text(
            "Sales by region in 2024: North and South",
        )));
        page.add_block(table(&[
            &["Region", "Sales"],
            &["North", "120"],
            &["South", "95"],
        ]));
        let text = page_text(&page);
        assert!(
            text.contains("Region\tSales") || text.contains("Region"),
            "{text}"
        );
        assert!(text.contains("120") && text.contains("95"), "{text}");
        assert_eq!(text, page.plain_text());
    }
}
