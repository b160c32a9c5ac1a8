//! Summary copilot over a corpus: every PDF of a folder summarised on its own, through one
//! batch of the Batch API (half the price on OpenAI, done within 24 hours).
//!
//!     cargo run -p openai-copilots --example pdf_corpus [-- FOLDER]
//!
//! Without a folder it makes 20 small PDFs in the temporary folder. With no `OPENAI_BASE_URL`
//! it runs against the built-in local engine (no key, no network). The batch's id is saved
//! next to the summaries, so `collect_corpus_batch` can pick the results up from another
//! process if this one is stopped while the batch runs.

mod common;

use std::path::PathBuf;

use copilot_pdf::render_text_pdf;
use openai_copilots::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (_server, client) = common::client()?;
    let out = std::env::temp_dir().join(format!("openai-blocking-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&out)?;
    let folder = match std::env::args_os().nth(1) {
        Some(folder) => PathBuf::from(folder),
        None => sample_folder(&out)?,
    };
    let mut pdfs: Vec<PathBuf> = std::fs::read_dir(&folder)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
        })
        .collect();
    pdfs.sort();
    println!("{} PDFs in {}", pdfs.len(), folder.display());

    let copilot = client.get_summary_copilot(
        SummaryCopilotOptions::new()
            .with_summary_prompt("Summarise this document in two sentences.")
            .with_documents(pdfs.iter().map(PathBuf::as_path)),
    );
    let batch = copilot.submit_corpus_batch(|p| {
        if let CorpusProgress::Prepared { done, total } = p {
            eprint!("\rprepared {done}/{total}");
        }
    })?;
    let saved = out.join("batch.json");
    batch.save(&saved)?;
    eprintln!("\nbatch {} (saved to {})", batch.batch_id, saved.display());

    let corpus = copilot.collect_corpus_batch(&batch, |p| {
        if let CorpusProgress::Waiting {
            status,
            completed,
            total,
            ..
        } = p
        {
            eprintln!("{status}: {completed}/{total}");
        }
    })?;
    for (path, summary) in &corpus.summaries {
        println!("\n## {path}\n{summary}");
    }
    for (path, why) in &corpus.failures {
        println!("\n## {path}: not summarised: {why}");
    }
    Ok(())
}

/// A folder of 20 one-page PDFs about made-up sites.
fn sample_folder(out: &std::path::Path) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let folder = out.join("pdfs");
    std::fs::create_dir_all(&folder)?;
    for i in 1..=20 {
        let text = format!(
            "Site {i} inspection. The inspectors counted {} working pumps out of {}. The roof \
             of the main hall needs repairs before winter, budgeted at {} thousand euros. The \
             next visit is planned for autumn.",
            i % 7 + 3,
            i % 7 + 5,
            i * 3 + 10
        );
        let pdf = render_text_pdf(Some(&format!("Site {i}")), &text)?;
        std::fs::write(folder.join(format!("site-{i:02}.pdf")), pdf)?;
    }
    Ok(folder)
}
