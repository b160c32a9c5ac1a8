//! `openai-local`: serves the built-in local engine, the Assistants-v2 and Responses APIs
//! with a deterministic model, until the process is killed.
//!
//! ```text
//! openai-local --port 8080 [--host 127.0.0.1] [--step-delay-ms 25] [--api-key KEY]
//! ```
//!
//! It prints its base URL (`http://127.0.0.1:8080/v1`) on the first line of its output.

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use openai_local::LocalServer;

const USAGE: &str =
    "usage: openai-local --port PORT [--host ADDRESS] [--step-delay-ms MS] [--api-key KEY]

Serves OpenAI's API (assistants, threads, messages, runs, files, vector stores, chat
completions, responses, conversations, models, embeddings, moderations, batches, uploads) on
loopback, answered by a deterministic local model. Point a client at the printed base URL with any API key (or
the one given with --api-key).

  --port PORT          the port to listen on (0 picks a free one)
  --host ADDRESS       the address to listen on (default 127.0.0.1)
  --step-delay-ms MS   time between two status changes of runs, background responses,
                       files and batches (default 25)
  --api-key KEY        accept only this key (default: any non-empty key)";

fn main() -> ExitCode {
    // With the PDF layer, files are read in worker processes of this executable (with memory
    // and time limits), so that no uploaded PDF can abort or exhaust the engine.
    #[cfg(feature = "pdf")]
    copilot_pdf::serve_worker_if_requested();
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("openai-local: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut builder = LocalServer::builder();
    let mut port = None;
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            return Ok(());
        }
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => {
                let v = value()?;
                port = Some(v.parse::<u16>().map_err(|_| format!("bad port: {v}"))?);
            }
            "--host" => {
                let v = value()?;
                builder = builder.host(
                    v.parse::<IpAddr>()
                        .map_err(|_| format!("bad address: {v}"))?,
                );
            }
            "--step-delay-ms" => {
                let v = value()?;
                let ms = v.parse::<u64>().map_err(|_| format!("bad delay: {v}"))?;
                builder = builder.step_delay(Duration::from_millis(ms));
            }
            "--api-key" => builder = builder.api_key(value()?),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    let port = port.ok_or("--port is required")?;
    let server = builder
        .port(port)
        .start()
        .map_err(|e| format!("cannot listen on port {port}: {e}"))?;
    println!("{}", server.base_url());
    server.join();
    Ok(())
}
