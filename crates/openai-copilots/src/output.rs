//! Saving a copilot's text as PDF, Markdown or plain text.

use std::path::Path;

use crate::{CopilotError, SaveFormat};
use copilot_pdf::render_text_pdf;

/// A tagged PDF of `text` under `title`.
pub(crate) fn render_pdf(title: &str, text: &str) -> Result<Vec<u8>, CopilotError> {
    Ok(render_text_pdf(Some(title), text)?)
}

/// Writes `text` to `path` in `format`.
pub(crate) fn save(
    path: &Path,
    title: &str,
    text: &str,
    format: SaveFormat,
) -> Result<(), CopilotError> {
    let bytes = match format {
        SaveFormat::Pdf => render_pdf(title, text)?,
        SaveFormat::Markdown => format!("# {title}\n\n{}\n", text.trim_end()).into_bytes(),
        SaveFormat::Text => format!("{title}\n\n{}\n", plain_text(text).trim_end()).into_bytes(),
    };
    std::fs::write(path, bytes).map_err(|e| CopilotError::io(path, e))
}

/// Markdown without its marks: headings, emphasis, bullets and code fences become plain.
pub(crate) fn plain_text(markdown: &str) -> String {
    let mut out = Vec::new();
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            continue;
        }
        let line = trimmed.trim_start_matches('#').trim_start();
        let line = match line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
            Some(item) => format!("• {item}"),
            None => line.to_owned(),
        };
        out.push(line.replace("**", "").replace("__", "").replace('`', ""));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_marks_are_dropped_in_plain_text() {
        let md = "# Title\n\nSome **bold** and `code`.\n- one\n* two\n```\nfenced\n```";
        assert_eq!(
            plain_text(md),
            "Title\n\nSome bold and code.\n• one\n• two\nfenced"
        );
    }
}
