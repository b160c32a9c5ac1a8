//! Image-description copilot: describe every image of PDFs and write the descriptions back
//! as alternative text (a `/Figure` with `/Alt` for each image).
//!
//!     cargo run -p openai-copilots --example pdf_image_descriptions [-- FILE.pdf ...]
//!
//! Without arguments it reads `examples/data/figures.pdf`. With no `OPENAI_BASE_URL` it runs
//! against the built-in local engine, whose model describes images from their pixels.

mod common;

use std::path::PathBuf;

use openai_copilots::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (_server, client) = common::client()?;
    let mut documents: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if documents.is_empty() {
        documents.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/data/figures.pdf"));
    }
    let options = ImageDescriptionCopilotOptions::new()
        .with_overwrite_outputs(true) // the example's own folder: a second run replaces its copies
        .with_documents(documents.iter().map(PathBuf::as_path))
        .with_image_detail(ImageDetail::Low);
    let copilot = client.get_image_description_copilot(options);

    for result in copilot.get_image_descriptions()? {
        println!("{}", result.source);
        for image in &result.descriptions {
            let pages: Vec<String> = image
                .placements
                .iter()
                .map(|p| p.page.to_string())
                .collect();
            println!(
                "  {} (page {}): {}",
                image.name,
                pages.join(", "),
                image.description
            );
        }
        for skipped in &result.skipped {
            println!("  {} skipped: {}", skipped.name, skipped.reason);
        }
        for left in &result.not_described {
            println!(
                "  {} (page {}) not described: {:?}",
                left.name, left.page, left.reason
            );
        }
        for problem in &result.problems {
            println!("  problem: {problem}");
        }
        for (name, why) in &result.failed {
            println!("  {name} failed: {why}");
        }
    }

    let out = std::env::temp_dir().join("openai-blocking-alt-text");
    for path in copilot.add_pdf_image_descriptions(&out)? {
        println!("written with alternative text: {}", path.display());
    }
    Ok(())
}
