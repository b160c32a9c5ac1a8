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
    write_atomically(path, &bytes)
}

/// Writes `bytes` to `path` through a temporary file in the same folder, renamed into place
/// once whole: a failure halfway leaves the old file (or none), never half a new one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CopilotError> {
    use std::io::Write as _;
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(
        ".{name}.{}-{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let written = std::fs::File::create(&temp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    let result = written.and_then(|()| std::fs::rename(&temp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map_err(|e| CopilotError::io(path, e))
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
    fn an_atomic_write_replaces_whole_and_a_failed_one_leaves_the_old_file() {
        let dir = std::env::temp_dir().join(format!("copilot-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.md");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        // A folder where the file should go: the rename fails, nothing is left behind.
        let blocked = dir.join("blocked");
        std::fs::create_dir_all(blocked.join("inner")).unwrap();
        let err = write_atomically(&blocked, b"x").unwrap_err();
        assert!(matches!(err, CopilotError::Io { .. }), "{err}");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn markdown_marks_are_dropped_in_plain_text() {
        let md = "# Title\n\nSome **bold** and `code`.\n- one\n* two\n```\nfenced\n```";
        assert_eq!(
            plain_text(md),
            "Title\n\nSome bold and code.\n• one\n• two\nfenced"
        );
    }
}
