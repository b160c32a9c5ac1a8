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
pub fn extract_text(doc: &PdfDocument) -> Result<PdfText, PdfError> {
    preflight(doc)?;
    let parsed = guarded(doc, || {
        let options = unpdf::ParseOptions::new();
        unpdf::parse_bytes_with_options(doc.bytes(), options).map_err(|e| unpdf_error(doc, e))
    })?;
    if looks_truncated(doc.bytes()) && parsed.extraction_quality.xref_reconstructed {
        return Err(PdfError::Truncated {
            name: doc.name().to_string(),
            detail: "its cross-reference table is missing; content past the cut is lost".into(),
        });
    }
    if parsed.pages.is_empty() {
        return Err(damaged(doc, "no page could be read"));
    }
    let mut pages: Vec<PdfPageText> = parsed
        .pages
        .iter()
        .map(|page| PdfPageText {
            number: page.number,
            text: page.plain_text(),
        })
        .collect();
    pages.sort_by_key(|p| p.number);
    let quality = &parsed.extraction_quality;
    let mut warnings = Vec::new();
    if let Some(message) = quality.warning_message() {
        warnings.push(message);
    }
    if quality.xref_reconstructed && warnings.is_empty() {
        warnings.push(
            "the cross-reference table was damaged and had to be rebuilt from the file's objects"
                .to_string(),
        );
    }
    let text = PdfText {
        name: doc.name().to_string(),
        pages,
        warnings,
    };
    if text.char_count() == 0 {
        // A damaged file whose pages went missing is "damaged", not "scanned".
        if quality.pages_incomplete {
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

fn unpdf_error(doc: &PdfDocument, error: unpdf::Error) -> PdfError {
    use unpdf::ErrorKind;
    let name = doc.name().to_string();
    match error.kind() {
        ErrorKind::Encrypted | ErrorKind::InvalidPassword => PdfError::PasswordRequired { name },
        ErrorKind::UnknownFormat => PdfError::NotPdf { name },
        _ => damaged(doc, error.to_string()),
    }
}
