//! The README's offline test snippet, run here verbatim.

use crate::support::*;

// README-SNIPPET-START
/// The code under test: asks an assistant one question on a new thread.
fn ask(client: &OpenAIClient, assistant_id: &str, question: &str) -> Result<String, Error> {
    let thread = client.create_thread(&ThreadCreateRequest::default())?;
    client.create_thread_message(&thread.id, &ThreadMessageCreateRequest::user(question))?;
    client.run_and_get_assistant_response(&thread.id, &RunCreateRequest::new(assistant_id))
}

#[test]
fn ask_works_offline() -> Result<(), Box<dyn std::error::Error>> {
    // A scripted model: it answers every question with its length.
    let server = LocalServer::builder()
        .responder(|request: &ModelRequest| -> Result<ModelReply, String> {
            let length = request.last_user_text().unwrap_or_default().chars().count();
            Ok(ModelReply::text(format!("{length} characters")))
        })
        .start()?; // 127.0.0.1 on a free port; stops when dropped
    let client = server.client()?; // an OpenAIClient pointed at it

    let assistant = client.create_assistant(&AssistantCreateRequest::new("gpt-4o-mini"))?;
    assert_eq!(ask(&client, &assistant.id, "Is it open?")?, "11 characters");
    Ok(())
}
// README-SNIPPET-END

#[test]
fn the_readme_shows_the_snippet_tested_here() {
    let source = include_str!("readme.rs");
    let start = source
        .find("// README-SNIPPET-START\n")
        .expect("start marker")
        + 24;
    let end = source.find("// README-SNIPPET-END").expect("end marker");
    let snippet = &source[start..end];
    let readme = include_str!("../../README.md");
    assert!(
        readme.contains(snippet),
        "README.md must show, verbatim, the snippet of tests/e2e/readme.rs between the markers:\n{snippet}"
    );
}
