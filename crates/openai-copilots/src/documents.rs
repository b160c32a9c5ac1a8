//! Reading the documents given to a copilot: for upload, for their text, or as images.

use std::path::{Path, PathBuf};

use crate::progress::Stage;
use crate::{CopilotDocument, CopilotError, CopilotStage, TextDocument};
use copilot_pdf::{extract_text, PdfDocument};

/// Image files the vision model accepts.
const IMAGE_EXTENSIONS: [&str; 5] = ["png", "jpg", "jpeg", "gif", "webp"];

/// A document read into memory.
#[derive(Debug, Clone)]
pub(crate) enum Loaded {
    Pdf(PdfDocument),
    Text(TextDocument),
    Image(PathBuf),
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

/// Reads a document: a `.pdf` path as a PDF, an image path as an image, any other path as
/// UTF-8 text.
pub(crate) fn load(document: &CopilotDocument) -> Result<Loaded, CopilotError> {
    match document {
        CopilotDocument::Pdf(pdf) => Ok(Loaded::Pdf(pdf.clone())),
        CopilotDocument::Text(text) => Ok(Loaded::Text(text.clone())),
        CopilotDocument::Path(path) => {
            let ext = extension(path);
            if ext.as_deref() == Some("pdf") {
                return Ok(Loaded::Pdf(PdfDocument::from_path(path)?));
            }
            if ext
                .as_deref()
                .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e))
            {
                return Ok(Loaded::Image(path.clone()));
            }
            let content = std::fs::read_to_string(path).map_err(|e| CopilotError::io(path, e))?;
            Ok(Loaded::Text(TextDocument::new(
                path.display().to_string(),
                content,
            )))
        }
    }
}

/// Reads every document of the options, reporting each; no document at all is an error.
pub(crate) fn load_all(common: &crate::CommonOptions) -> Result<Vec<Loaded>, CopilotError> {
    let documents = &common.documents;
    if documents.is_empty() {
        return Err(CopilotError::NoDocuments);
    }
    let stage = Stage::start(common, CopilotStage::ReadingDocuments, documents.len());
    documents
        .iter()
        .map(|d| {
            stage.check()?;
            let loaded = load(d)?;
            stage.step();
            Ok(loaded)
        })
        .collect()
}

/// Refuses an output path that is one of the input documents (always) or an existing file
/// (unless `common.overwrite_outputs`).
pub(crate) fn check_output(
    output: &Path,
    common: &crate::CommonOptions,
) -> Result<(), CopilotError> {
    refuse_input(output, &common.documents)?;
    if !common.overwrite_outputs && output.exists() {
        return Err(CopilotError::OutputExists {
            path: output.to_path_buf(),
        });
    }
    Ok(())
}

/// Refuses to let `output` replace one of `documents`: a document given by path, or a
/// [`PdfDocument`] read from a file (its name is the path). Paths are compared as the files
/// they resolve to, so `./a.pdf` and `dir/../a.pdf` are the same; an output that does not
/// exist yet replaces nothing.
pub(crate) fn refuse_input(
    output: &Path,
    documents: &[CopilotDocument],
) -> Result<(), CopilotError> {
    let Ok(target) = output.canonicalize() else {
        return Ok(());
    };
    let is_target = |path: &Path| path.canonicalize().is_ok_and(|p| p == target);
    let overwrites = documents.iter().any(|document| match document {
        CopilotDocument::Path(path) => is_target(path),
        CopilotDocument::Pdf(pdf) => is_target(Path::new(pdf.name())),
        CopilotDocument::Text(_) => false,
    });
    if overwrites {
        return Err(CopilotError::WouldOverwriteInput {
            path: output.to_path_buf(),
        });
    }
    Ok(())
}

impl Loaded {
    /// The name errors and prompts use.
    pub(crate) fn name(&self) -> String {
        match self {
            Loaded::Pdf(pdf) => pdf.name().to_owned(),
            Loaded::Text(text) => text.name.clone(),
            Loaded::Image(path) => path.display().to_string(),
        }
    }

    fn not_for_text(&self) -> CopilotError {
        CopilotError::Document {
            name: self.name(),
            message: "an image has no text to read; give it to the image description copilot"
                .into(),
        }
    }

    /// The file name and bytes to upload.
    pub(crate) fn upload(&self) -> Result<(String, Vec<u8>), CopilotError> {
        match self {
            Loaded::Pdf(pdf) => Ok((pdf.file_name().to_owned(), pdf.bytes().to_vec())),
            Loaded::Text(text) => {
                let base = Path::new(&text.name)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .filter(|n| !n.is_empty())
                    .unwrap_or("document");
                let name = match extension(Path::new(base)) {
                    Some(_) => base.to_owned(),
                    None => format!("{base}.txt"),
                };
                Ok((name, text.content.clone().into_bytes()))
            }
            Loaded::Image(_) => Err(self.not_for_text()),
        }
    }

    /// The text for the model: a PDF's text layer, page after page.
    pub(crate) fn text(&self) -> Result<String, CopilotError> {
        match self {
            Loaded::Pdf(pdf) => Ok(extract_text(pdf)?.text()),
            Loaded::Text(text) => Ok(text.content.clone()),
            Loaded::Image(_) => Err(self.not_for_text()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_uploads_get_a_file_name_with_an_extension() {
        let named = |name: &str| {
            Loaded::Text(TextDocument::new(name, "x"))
                .upload()
                .unwrap()
                .0
        };
        assert_eq!(named("notes"), "notes.txt");
        assert_eq!(named("dir/notes.md"), "notes.md");
        assert_eq!(named(""), "document.txt");
    }

    #[test]
    fn paths_are_read_by_their_extension() {
        let dir = std::env::temp_dir().join(format!("copilot-docs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = dir.join("a.md");
        std::fs::write(&text, "# Title\nBody").unwrap();
        let loaded = load(&CopilotDocument::Path(text)).unwrap();
        assert_eq!(loaded.text().unwrap(), "# Title\nBody");

        let image = load(&CopilotDocument::Path(dir.join("b.PNG"))).unwrap();
        assert!(matches!(image, Loaded::Image(_)));
        assert!(matches!(image.text(), Err(CopilotError::Document { .. })));

        let missing = load(&CopilotDocument::Path(dir.join("missing.txt")));
        assert!(matches!(missing, Err(CopilotError::Io { .. })));
        let missing_pdf = load(&CopilotDocument::Path(dir.join("missing.pdf")));
        assert!(matches!(missing_pdf, Err(CopilotError::Pdf(_))));
        assert!(matches!(
            load_all(&crate::CommonOptions::default()),
            Err(CopilotError::NoDocuments)
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_output_may_not_be_an_input() {
        let dir = std::env::temp_dir().join(format!("copilot-refuse-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let input = dir.join("in.md");
        std::fs::write(&input, "text").unwrap();
        let other = dir.join("other.md");
        std::fs::write(&other, "other").unwrap();
        let documents = [
            CopilotDocument::Text(TextDocument::new(other.display().to_string(), "x")),
            CopilotDocument::Path(input.clone()),
        ];
        // The same file by another spelling is refused, and named in the error.
        let err = refuse_input(&dir.join("sub/../in.md"), &documents).unwrap_err();
        assert!(
            matches!(&err, CopilotError::WouldOverwriteInput { path } if path.ends_with("sub/../in.md")),
            "{err:?}"
        );
        assert!(err.to_string().contains("in.md"), "{err}");
        // A text held in memory is not a file; a new file and another file are fine.
        assert!(refuse_input(&other, &documents).is_ok());
        assert!(refuse_input(&dir.join("new.md"), &documents).is_ok());
        // A PDF read from a file is that file.
        let pdf_path = dir.join("a.pdf");
        std::fs::write(&pdf_path, b"%PDF-1.4").unwrap();
        let pdf = CopilotDocument::Pdf(PdfDocument::from_path(&pdf_path).unwrap());
        assert!(matches!(
            refuse_input(&pdf_path, &[pdf]),
            Err(CopilotError::WouldOverwriteInput { .. })
        ));
        assert_eq!(std::fs::read_to_string(&input).unwrap(), "text");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
