//! Summary copilot: summarise PDFs (or text files) and save the summary as a tagged PDF.
//!
//!     cargo run -p openai-copilots --example pdf_summary [-- FILE.pdf ...]
//!
//! Without arguments it summarises a PDF made from `examples/data/return-policy.md`. With no
//! `OPENAI_BASE_URL` it runs against the built-in local engine (no key, no network); set
//! `COPILOT_BACKEND=chat_completions` or `assistants` to use another backend than Responses.

mod common;

use std::path::PathBuf;

use copilot_pdf::render_text_pdf;
use openai_copilots::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (_server, client) = common::client()?;
    let out = std::env::temp_dir().join("openai-blocking-examples");
    std::fs::create_dir_all(&out)?;

    let mut documents: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if documents.is_empty() {
        let policy = include_str!("data/return-policy.md");
        let pdf = out.join("return-policy.pdf");
        std::fs::write(&pdf, render_text_pdf(Some("Return policy"), policy)?)?;
        documents.push(pdf);
    }
    let backend = match std::env::var("COPILOT_BACKEND").as_deref() {
        Ok("assistants") => CopilotBackend::Assistants,
        Ok("chat_completions") => CopilotBackend::ChatCompletions,
        _ => CopilotBackend::Responses,
    };

    let options = SummaryCopilotOptions::new()
        .with_overwrite_outputs(true) // the example's own folder: a second run replaces it
        .with_backend(backend)
        .with_temperature(0.2)
        .with_documents(documents.iter().map(PathBuf::as_path));
    let mut copilot = client.get_summary_copilot(options);

    println!("{}", copilot.get_summary()?);
    let saved = out.join("summary.pdf");
    copilot.save_summary(&saved, SaveFormat::Pdf)?;
    println!("\nsaved to {}", saved.display());
    Ok(())
}
