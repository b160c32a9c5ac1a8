//! Responses quickstart: a cited answer from a document (file search), a streamed answer,
//! and a function call round trip.
//!
//! With no `OPENAI_BASE_URL`, it starts the built-in local engine in-process (no key, no
//! network); with `OPENAI_BASE_URL` and `OPENAI_API_KEY` set, it talks to that server.
//!
//!     cargo run --example responses_quickstart

use std::io::Write;

use openai_blocking::types::*;
use openai_blocking::*;
use openai_local::LocalServer;

const MODEL: &str = "gpt-4.1-mini";

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

    // 1. File search: the answer cites the document it comes from.
    let policy = include_bytes!("data/return-policy.md");
    let file = client.upload_file("assistants", "return-policy.md", &policy[..])?;
    let store = client.create_vector_store_and_wait_to_complete(&VectorStoreCreateRequest::new(
        "policies",
        vec![file.id.clone()],
    ))?;
    let question = "How long do I have to return unused items?";
    let cited = client.create_response(&ResponseCreateRequest {
        instructions: Some("Answer from the shop's documents and cite them.".into()),
        tools: Some(ToolsArray(vec![Tool::file_search([store.id.as_str()])])),
        ..ResponseCreateRequest::text(MODEL, question)
    })?;
    println!("Q: {question}");
    println!("A: {}", cited.output_text());
    for citation in cited.citations() {
        if let Annotation::FileCitation { filename, .. } = citation {
            println!("   cites {filename}");
        }
    }

    // 2. Streaming: the answer as it is written.
    let mut stream = client.create_response_stream(&ResponseCreateRequest::text(
        MODEL,
        "Say hello to the shop's customers in one sentence.",
    ))?;
    print!("streamed: ");
    for delta in stream.text_deltas() {
        print!("{}", delta?);
        std::io::stdout().flush()?;
    }
    println!();
    let streamed = stream.until_done()?;
    if let Some(usage) = &streamed.usage {
        println!("   ({} output tokens)", usage.output_tokens);
    }

    // 3. Function calling: the model asks for a call, the program runs it and sends the
    //    output back, the model finishes its answer.
    let tools = ToolsArray(vec![Tool::function(
        "get_order_status",
        "The shipping status of an order",
        serde_json::json!({
            "type": "object",
            "properties": {"order": {"type": "string", "description": "The order number"}},
            "required": ["order"]
        }),
    )]);
    let asked = client.create_response(&ResponseCreateRequest {
        tools: Some(tools.clone()),
        ..ResponseCreateRequest::text(MODEL, "Use get_order_status to check order=A-17.")
    })?;
    let mut outputs = Vec::new();
    for call in asked.function_calls() {
        println!("the model calls {}({})", call.name, call.arguments);
        let args: serde_json::Value = serde_json::from_str(call.arguments)?;
        let order = args["order"].as_str().unwrap_or("unknown");
        let status = format!("order {order} left the warehouse on Monday");
        outputs.push(InputItem::function_call_output(call.call_id, status));
    }
    if !outputs.is_empty() {
        let answered = client.create_response(&ResponseCreateRequest {
            tools: Some(tools),
            previous_response_id: Some(asked.id.clone()),
            ..ResponseCreateRequest::new(MODEL, outputs)
        })?;
        println!("A: {}", answered.output_text());
    }

    client.delete_vector_store(&store.id)?;
    client.delete_file(&file.id)?;
    Ok(())
}
