//! Chat copilot: a conversation about documents that can be saved, resumed and deleted.
//!
//!     cargo run -p openai-copilots --example pdf_chat [-- FILE.pdf ...]
//!
//! Without arguments it chats about `examples/data/return-policy.md`. With no
//! `OPENAI_BASE_URL` it runs against the built-in local engine (no key, no network). The
//! conversation lives in a Conversation of the Responses API; its ids are saved to a JSON file (in the
//! temporary folder, named after this process, so no file of yours is touched), a second
//! copilot resumes from it, and everything is deleted at the end.

mod common;

use std::path::PathBuf;

use openai_copilots::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (_server, client) = common::client()?;
    let mut options = ChatCopilotOptions::new().with_vector_store_expire_days(Some(1));
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    options = if paths.is_empty() {
        let policy = include_str!("data/return-policy.md");
        options.with_document(TextDocument::new("return-policy.md", policy))
    } else {
        options.with_documents(paths.iter().map(PathBuf::as_path))
    };
    let backup = std::env::temp_dir().join(format!(
        "openai-blocking-chat-context-{}.json",
        std::process::id()
    ));
    let options = options
        .with_context_backup_path(&backup)
        .with_restore_context_from_backup(true);

    let mut chat = client.get_chat_copilot(options.clone());
    for question in [
        "How long do I have to return unused items?",
        "And for sale items?",
    ] {
        println!("Q: {question}\nA: {}\n", chat.get_response(question)?);
    }
    chat.save_context(&backup)?;
    println!("context saved to {}", backup.display());
    chat.close()?; // the context was saved, so the server keeps it

    let mut resumed = client.get_chat_copilot(options);
    let question = "What does the warranty cover?";
    println!("Q: {question}\nA: {}\n", resumed.get_response(question)?);
    // delete_context deletes a saved conversation too, and says whether it worked.
    resumed.delete_context()?;
    std::fs::remove_file(&backup)?;
    println!("context deleted");
    Ok(())
}
