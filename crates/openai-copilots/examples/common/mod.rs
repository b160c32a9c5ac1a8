//! What every example starts with: a client for the server named by `OPENAI_BASE_URL`, or for
//! the built-in local engine started in-process when it is unset (no key, no network).

use openai_blocking::OpenAIClient;
use openai_local::LocalServer;

/// The client, and the local engine when one was started (it stops when dropped). PDFs are
/// read in worker processes of this executable, with memory and time limits.
pub fn client() -> Result<(Option<LocalServer>, OpenAIClient), Box<dyn std::error::Error>> {
    copilot_pdf::serve_worker_if_requested();
    if std::env::var_os("OPENAI_BASE_URL").is_some() {
        return Ok((None, OpenAIClient::from_env()?));
    }
    let server = LocalServer::start()?;
    eprintln!("local engine at {}", server.base_url());
    let client = server.client()?;
    Ok((Some(server), client))
}
