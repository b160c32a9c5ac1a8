//! A local engine for [`openai_blocking`]: the Assistants-v2 and Responses HTTP APIs served
//! on loopback, with real state and lifecycles and a deterministic model, so that code using
//! the SDK runs and is tested without the network. Take it as a dev-dependency:
//!
//! ```toml
//! [dev-dependencies]
//! openai-local = "0.1"
//! ```
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use openai_blocking::*;
//! use openai_local::LocalServer;
//!
//! let server = LocalServer::start()?; // 127.0.0.1, a free port, no key needed
//! let client = server.client()?;      // an OpenAIClient pointed at it
//! let assistant = client.create_assistant(&AssistantCreateRequest::new("gpt-4o-mini"))?;
//! let thread = client.create_thread(&ThreadCreateRequest::default())?;
//! client.create_thread_message(&thread.id, &ThreadMessageCreateRequest::user("Say hello."))?;
//! let answer =
//!     client.run_and_get_assistant_response(&thread.id, &RunCreateRequest::new(&assistant.id))?;
//! assert_eq!(answer, "You said: \"Say hello.\"");
//! # Ok(())
//! # }
//! ```
//!
//! [`LocalServer`] serves every endpoint the SDK covers (assistants, threads, runs, files,
//! vector stores, chat completions, responses, conversations, models, embeddings,
//! moderations, batches, uploads), at the root and under `/v1`, with the API's JSON shapes,
//! status codes and errors. Runs, background responses, vector-store files and file batches,
//! and batches move through their statuses one
//! [`step_delay`](LocalServerBuilder::step_delay) at a time, computed from timestamps when
//! they are read; the time is the machine's, or a [`ManualClock`] that tests
//! move by hand. Answers come from a [`Responder`], the same for runs, chat completions and
//! responses: the built-in [`DeterministicModel`] unless another is plugged in. Runs, chat
//! completions and responses asked with `stream: true` answer with the server-sent events
//! the API sends.
//!
//! A batch (`POST /batches` over an uploaded JSONL file of requests to `/v1/responses`,
//! `/v1/chat/completions` or `/v1/embeddings`) is `validating` for a step, its file checked
//! as a whole (a bad file fails it, each bad line named in `errors`); `in_progress` while its
//! lines run, [`batch_lines_per_step`](LocalServerBuilder::batch_lines_per_step) a step,
//! in-process through the engine's own handlers and responder; `finalizing` for a step; then
//! `completed`, with its output and error files stored (a cancelled or expired batch keeps
//! the lines done and lists the others as not run). The Uploads API takes files of up to
//! 8 GiB in parts of up to 64 MiB, written to disk as they arrive (in a directory of the
//! engine's own, see [`temp_dir`](LocalServerBuilder::temp_dir)); the completed file is read
//! from there, never held in memory whole.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod api;
mod batching;
mod clock;
mod data_url;
mod deterministic;
mod driver;
mod engine;
mod http;
mod image;
mod items;
mod json;
mod lifecycle;
mod md5;
mod model;
mod multipart;
mod page;
#[cfg(test)]
mod panic_safety;
mod responding;
mod search;
mod spool;
mod sse;
mod store;
mod structured;
mod summary;
mod text;

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use clock::ManualClock;
pub use deterministic::DeterministicModel;
pub use model::{
    FileSearch, ModelAnswer, ModelCitation, ModelDocument, ModelFormat, ModelFunction, ModelImage,
    ModelMessage, ModelReply, ModelRequest, ModelRole, ModelToolCall, ModelToolChoice,
    ModelToolOutput, Responder, SearchDocument, SearchPassage,
};

use clock::{Clock, MAX_SPAN};
use engine::{Config, Engine};
use store::Timing;

/// Internals made public for the engine's own doc tests (what must not compile); not part of
/// the API, and they may change at any time.
#[doc(hidden)]
pub mod __private {
    pub use super::engine::Session;
    pub use super::store::Store;
}

/// A running local engine: an HTTP server on loopback speaking the OpenAI API (Assistants-v2,
/// chat completions, Responses, Conversations, models, embeddings, moderations).
///
/// It stops when dropped (in-flight requests are answered first). Every server has its own
/// empty state.
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// use openai_local::LocalServer;
///
/// let server = LocalServer::start()?;
/// assert!(server.base_url().starts_with("http://127.0.0.1:"));
/// assert!(server.base_url().ends_with("/v1"));
/// # Ok(()) }
/// ```
pub struct LocalServer {
    addr: SocketAddr,
    server: Arc<tiny_http::Server>,
    workers: Vec<JoinHandle<()>>,
    stopping: Arc<AtomicBool>,
    /// The key clients must send (any non-empty key when the builder set none).
    client_key: String,
}

impl std::fmt::Debug for LocalServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalServer")
            .field("addr", &self.addr)
            .field("workers", &self.workers.len())
            .finish()
    }
}

impl LocalServer {
    /// Starts a server with the default settings on `127.0.0.1` and a free port.
    pub fn start() -> io::Result<LocalServer> {
        Self::builder().start()
    }

    /// A builder to choose the address, timings, clock, API key and responder.
    pub fn builder() -> LocalServerBuilder {
        LocalServerBuilder::default()
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to give a client: `http://HOST:PORT/v1`.
    pub fn base_url(&self) -> String {
        let host = match self.addr.ip() {
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        format!("http://{host}:{}/v1", self.addr.port())
    }

    /// A client pointed at this server, with the key it accepts.
    pub fn client(&self) -> Result<openai_blocking::OpenAIClient, openai_blocking::Error> {
        openai_blocking::OpenAIClient::create_with_api_key(self.client_key.clone())
            .with_base_url(self.base_url())
            .build()
    }

    /// Blocks until the server stops; it never stops on its own, so this serves until the
    /// process is killed (what the `openai-local` binary does).
    pub fn join(mut self) {
        for w in std::mem::take(&mut self.workers) {
            let _ = w.join();
        }
    }

    fn shutdown(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        for _ in 0..self.workers.len() {
            self.server.unblock();
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Settings of a [`LocalServer`]; [`start`](Self::start) binds the address and serves.
#[must_use = "a builder does nothing until `start` is called"]
pub struct LocalServerBuilder {
    host: IpAddr,
    port: u16,
    step_delay: Duration,
    run_expiry: Duration,
    clock: Option<ManualClock>,
    api_key: Option<String>,
    workers: usize,
    max_upload_bytes: usize,
    batch_lines_per_step: usize,
    temp_dir: Option<PathBuf>,
    responder: Arc<dyn Responder>,
}

impl std::fmt::Debug for LocalServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalServerBuilder")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("step_delay", &self.step_delay)
            .field("run_expiry", &self.run_expiry)
            .field("clock", &self.clock)
            .field("api_key", &self.api_key.as_ref().map(|_| "…"))
            .field("workers", &self.workers)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("batch_lines_per_step", &self.batch_lines_per_step)
            .field("temp_dir", &self.temp_dir)
            .finish_non_exhaustive()
    }
}

impl Default for LocalServerBuilder {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            step_delay: Duration::from_millis(25),
            run_expiry: Duration::from_secs(600),
            clock: None,
            api_key: None,
            workers: 16,
            max_upload_bytes: 512 << 20,
            batch_lines_per_step: 1000,
            temp_dir: None,
            responder: Arc::new(DeterministicModel),
        }
    }
}

impl LocalServerBuilder {
    /// The address to listen on (default `127.0.0.1`).
    pub fn host(mut self, host: IpAddr) -> Self {
        self.host = host;
        self
    }

    /// The port to listen on; 0 (the default) picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The time between two status changes of a run, background response, vector-store file
    /// or file batch (default 25 ms); also the `openai-poll-after-ms` hint of every answer.
    /// Zero makes everything happen at the first read. Delays over a thousand years count as
    /// that.
    pub fn step_delay(mut self, delay: Duration) -> Self {
        self.step_delay = delay.min(MAX_SPAN);
        self
    }

    /// How long a run may stay unfinished (waiting for tool outputs, say) before it expires
    /// (default 10 minutes, as the API; at most a thousand years).
    pub fn run_expiry(mut self, expiry: Duration) -> Self {
        self.run_expiry = expiry.min(MAX_SPAN);
        self
    }

    /// The clock lifecycles, run expiry and timestamps follow (default: the machine's). With
    /// a [`ManualClock`], statuses change only when the test advances it:
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use openai_local::{LocalServer, ManualClock};
    ///
    /// let clock = ManualClock::new();
    /// let server = LocalServer::builder()
    ///     .clock(clock.clone())
    ///     .step_delay(Duration::from_secs(1))
    ///     .start()?;
    /// let client = server.client()?;
    /// let store = client.create_vector_store(&Default::default())?;
    /// assert_eq!(store.created_at, clock.now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64);
    /// clock.advance(Duration::from_secs(3600));
    /// let later = client.create_vector_store(&Default::default())?;
    /// assert_eq!(later.created_at - store.created_at, 3600);
    /// # Ok(()) }
    /// ```
    pub fn clock(mut self, clock: ManualClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Accepts only this API key (401 `invalid_api_key` otherwise); by default any non-empty
    /// Bearer token is accepted.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The number of worker threads answering requests (default 16, at least 1).
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    /// The largest file upload accepted, in bytes (default 512 MiB, as the API).
    pub fn max_upload_bytes(mut self, bytes: usize) -> Self {
        self.max_upload_bytes = bytes;
        self
    }

    /// The most request lines a batch runs at one step (default 1,000, at least 1): a batch
    /// is `validating` for one step, `in_progress` while its lines run this many a step,
    /// `finalizing` for one step, then `completed`. A small number lets a test look at a
    /// batch part done (to cancel it, or to let it expire).
    pub fn batch_lines_per_step(mut self, lines: usize) -> Self {
        self.batch_lines_per_step = lines.max(1);
        self
    }

    /// The directory under which the engine keeps what it does not hold in memory (the parts
    /// of uploads, the files they complete into, the output and error files of batches), in a
    /// directory of its own removed when the server stops (default: the system's temporary
    /// directory).
    pub fn temp_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.temp_dir = Some(dir.into());
        self
    }

    /// The model answering runs, chat completions and responses (default
    /// [`DeterministicModel`]).
    pub fn responder(mut self, responder: impl Responder + 'static) -> Self {
        self.responder = Arc::new(responder);
        self
    }

    /// Binds the address and starts the worker threads.
    #[must_use = "the server stops when the value is dropped"]
    pub fn start(self) -> io::Result<LocalServer> {
        let listener = std::net::TcpListener::bind(SocketAddr::new(self.host, self.port))?;
        // Answers go out in more than one write (the head, then the body; a stream's events
        // one by one): with Nagle's algorithm each later write would wait for the client's
        // delayed ACK, some 40 ms on loopback. Accepted connections inherit the setting.
        socket2::SockRef::from(&listener).set_tcp_nodelay(true)?;
        let server = tiny_http::Server::from_listener(listener, None)
            .map_err(|e| io::Error::new(io::ErrorKind::AddrNotAvailable, e.to_string()))?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| io::Error::other("the server has no IP address"))?;
        let server = Arc::new(server);
        let client_key = self.api_key.clone().unwrap_or_else(|| "local".to_string());
        let clock = match self.clock {
            Some(manual) => Clock::Manual(manual),
            None => Clock::monotonic(),
        };
        let engine = Arc::new(Engine::new(
            Config {
                timing: Timing {
                    step: self.step_delay,
                    run_expiry: self.run_expiry,
                },
                api_key: self.api_key,
                max_upload_bytes: self.max_upload_bytes,
                max_json_bytes: 32 << 20,
                batch_lines_per_step: self.batch_lines_per_step,
            },
            self.responder,
            clock,
            &self.temp_dir.unwrap_or_else(std::env::temp_dir),
        ));
        let stopping = Arc::new(AtomicBool::new(false));
        let mut workers = Vec::with_capacity(self.workers);
        for i in 0..self.workers {
            let (server, engine, stopping) = (server.clone(), engine.clone(), stopping.clone());
            let worker = std::thread::Builder::new()
                .name(format!("openai-local-{i}"))
                .spawn(move || serve(&server, &engine, &stopping))?;
            workers.push(worker);
        }
        Ok(LocalServer {
            addr,
            server,
            workers,
            stopping,
            client_key,
        })
    }
}

/// A worker: answers requests until the server stops.
fn serve(server: &tiny_http::Server, engine: &Engine, stopping: &AtomicBool) {
    loop {
        let mut request = match server.recv() {
            Ok(r) => r,
            Err(_) if stopping.load(Ordering::SeqCst) => return,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let answer = catch_unwind(AssertUnwindSafe(|| http::handle(engine, &mut request)))
            .unwrap_or_else(|_| {
                let f =
                    http::Failure::server("The local engine failed while answering this request.");
                http::Answer::Whole(http::response(
                    500,
                    &[("Content-Type", "application/json")],
                    Arc::new(f.body()),
                ))
            });
        answer.send(engine, request);
    }
}

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
