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
mod http1;
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
mod server;
mod spool;
mod sse;
mod store;
mod structured;
mod summary;
mod text;

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
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

    /// Serves `input` as the bytes a client sent on one connection to `server` (which then
    /// closed its side), and returns the bytes the engine wrote back: the HTTP layer run on
    /// memory, for the tests that feed it mutated requests.
    pub fn serve_bytes(server: &super::LocalServer, input: &[u8]) -> Vec<u8> {
        use std::sync::atomic::AtomicBool;
        let mut output = Vec::new();
        let (stopping, busy) = (AtomicBool::new(false), AtomicBool::new(false));
        let conn = super::http1::Connection {
            engine: server.server.engine(),
            stopping: &stopping,
            busy: &busy,
            permits: None,
        };
        super::http1::serve(input, &mut output, &conn);
        output
    }
}

/// A running local engine: an HTTP server on loopback speaking the OpenAI API (Assistants-v2,
/// chat completions, Responses, Conversations, models, embeddings, moderations).
///
/// It stops when dropped: no new connections, idle kept-alive connections closed, requests in
/// flight answered first. Every server has its own
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
    server: server::Server,
    /// The key clients must send (any non-empty key when the builder set none).
    client_key: String,
}

impl std::fmt::Debug for LocalServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalServer")
            .field("addr", &self.server.addr())
            .field("workers", &self.server.workers())
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
        self.server.addr()
    }

    /// The base URL to give a client: `http://HOST:PORT/v1`.
    pub fn base_url(&self) -> String {
        let addr = self.server.addr();
        let host = match addr.ip() {
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        format!("http://{host}:{}/v1", addr.port())
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
        self.server.join();
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
    idle_timeout: Option<Duration>,
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
            .field("idle_timeout", &self.idle_timeout)
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
            idle_timeout: Some(Duration::from_secs(60)),
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

    /// The number of requests answered at once (default 16, at least 1): every connection has
    /// a thread of its own that reads its requests and writes their answers, and at most this
    /// many of them run a handler (or write an answer) at the same time; the others wait for
    /// one to finish. Idle kept-alive connections take none of these.
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    /// How long a connection may go without the client sending a byte (between requests, or
    /// in the middle of one) or taking one of its answer, before the server closes it
    /// (default 60 s; zero for never). A stopping server waits for the requests in flight,
    /// so this is also the longest a client stalled in the middle of a request can hold up
    /// dropping the server.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = (!timeout.is_zero()).then_some(timeout);
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

    /// Binds the address and starts serving (a thread accepting connections, and one for
    /// each connection).
    #[must_use = "the server stops when the value is dropped"]
    pub fn start(self) -> io::Result<LocalServer> {
        let listener = std::net::TcpListener::bind(SocketAddr::new(self.host, self.port))?;
        // A stream's events go out one write at a time (and a large answer may take more than
        // one): with Nagle's algorithm each later write would wait for the client's delayed
        // ACK, some 40 ms on loopback. Accepted connections inherit the setting.
        socket2::SockRef::from(&listener).set_tcp_nodelay(true)?;
        let client_key = self.api_key.clone().unwrap_or_else(|| "local".to_string());
        let clock = match self.clock {
            Some(manual) => Clock::Manual(manual),
            None => Clock::monotonic(),
        };
        let engine = Engine::new(
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
        );
        Ok(LocalServer {
            server: server::Server::start(listener, engine, self.workers, self.idle_timeout)?,
            client_key,
        })
    }
}

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
