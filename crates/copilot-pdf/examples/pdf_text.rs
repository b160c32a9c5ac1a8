//! Prints the text of PDF files, page by page, with the extractor's warnings.
//!
//! ```sh
//! cargo run -p copilot-pdf --example pdf_text -- file.pdf [more.pdf ...]
//! ```

use copilot_pdf::{extract_text, PdfDocument};

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: pdf_text FILE.pdf [FILE.pdf ...]");
        std::process::exit(2);
    }
    let mut failed = false;
    for path in paths {
        match PdfDocument::from_path(&path).and_then(|doc| extract_text(&doc)) {
            Ok(text) => {
                for page in text.pages() {
                    println!("--- {path}, page {} ---\n{}", page.number, page.text);
                }
                for warning in text.warnings() {
                    eprintln!("{path}: warning: {warning}");
                }
            }
            Err(e) => {
                eprintln!("{e}");
                failed = true;
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
