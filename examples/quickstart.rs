//! Quickstart: ask a question about a document with file search.
//!
//! With no `OPENAI_BASE_URL`, it starts the built-in local engine in-process (no key, no
//! network); with `OPENAI_BASE_URL` and `OPENAI_API_KEY` set, it talks to that server.
//!
//!     cargo run --example quickstart

use openai_blocking::types::*;
use openai_blocking::*;
use openai_local::LocalServer;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (_server, client) = match std::env::var("OPENAI_BASE_URL") {
        Ok(_) => (None, OpenAIClient::from_env()?),
        Err(_) => {
            let server = LocalServer::start()?;
            println!("local engine at {}", server.base_url());
            let client = server.client()?;
            (Some(server), client)
        }
    };

    let policy = include_bytes!("data/return-policy.md");
    let file = client.upload_file("assistants", "return-policy.md", &policy[..])?;
    let store = client.create_vector_store_and_wait_to_complete(&VectorStoreCreateRequest::new(
        "policies",
        vec![file.id.clone()],
    ))?;

    let assistant = client.create_assistant(&AssistantCreateRequest {
        name: Some("Returns helper".into()),
        instructions: Some("Answer from the shop's documents and cite them.".into()),
        tools: Some(vec![AssistantTool::file_search()]),
        tool_resources: Some(AssistantCreateRequestToolResources::file_search(vec![
            store.id.clone(),
        ])),
        ..AssistantCreateRequest::new("gpt-4o-mini")
    })?;

    let thread = client.create_thread(&ThreadCreateRequest::default())?;
    let question = "How long do I have to return unused items?";
    client.create_thread_message(&thread.id, &ThreadMessageCreateRequest::user(question))?;
    let run = client.create_run_and_wait(&thread.id, &RunCreateRequest::new(&assistant.id))?;
    if run.status != RunResponseStatus::Completed {
        return Err(Error::RunNotCompleted(Box::new(run)).into());
    }

    let answer = client.wait_for_assistant_message(&thread.id, Some(&run.id))?;
    println!("Q: {question}");
    println!("A: {}", answer.text());
    for part in &answer.content {
        let MessageContent::Text { text } = part else {
            continue;
        };
        for note in &text.annotations {
            if let TextAnnotation::FileCitation {
                file_citation,
                text,
                ..
            } = note
            {
                let cited = client.get_file(&file_citation.file_id)?;
                println!("   {text} -> {}", cited.filename);
            }
        }
    }

    client.delete_thread(&thread.id)?;
    client.delete_assistant(&assistant.id)?;
    client.delete_vector_store(&store.id)?;
    client.delete_file(&file.id)?;
    Ok(())
}
