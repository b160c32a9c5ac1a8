//! The engine shared by the server's workers (the store behind one lock, the responder, the
//! clock, the settings) and the [`Session`] through which a request reaches it.
//!
//! Lock discipline: the store is reached only through [`Session::with_store`], which runs a
//! closure with the lock held. Everything slow (the lifecycle pump, the model, reading a
//! request body, indexing a file) needs the session too, mutably (or the request context that
//! holds it), so none of it can be called inside that closure: such code does not compile.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::clock::{Clock, Now};
use super::model::{ModelReply, ModelRequest, Responder};
use super::spool::Spool;
use super::store::{Store, Timing};

/// Settings fixed when the server starts.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub timing: Timing,
    pub api_key: Option<String>,
    pub max_upload_bytes: usize,
    pub max_json_bytes: usize,
    /// The most request lines a batch runs at one step.
    pub batch_lines_per_step: usize,
}

/// The engine: state, settings, clock and model.
pub(crate) struct Engine {
    store: Mutex<Store>,
    responder: Arc<dyn Responder>,
    clock: Clock,
    config: Config,
    /// Where uploads' parts and batches' files are kept.
    spool: Spool,
    requests: AtomicU64,
    #[cfg(test)]
    pub(crate) faults: faults::Faults,
}

impl Engine {
    /// An engine with an empty store, keeping the bytes it puts on disk in a new directory
    /// under `temp_dir`.
    pub fn new(
        config: Config,
        responder: Arc<dyn Responder>,
        clock: Clock,
        temp_dir: &std::path::Path,
    ) -> Self {
        Self {
            store: Mutex::new(Store::new(config.timing)),
            responder,
            clock,
            config,
            spool: Spool::new(temp_dir),
            requests: AtomicU64::new(0),
            #[cfg(test)]
            faults: faults::Faults::default(),
        }
    }

    /// The access of one request to the engine.
    pub fn session(&self) -> Session<'_> {
        Session { engine: self }
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A fresh `x-request-id`.
    pub fn next_request_id(&self) -> String {
        format!(
            "req_{:024x}",
            self.requests.fetch_add(1, Ordering::Relaxed) + 1
        )
    }

    /// The store's `Debug` text, to compare states in tests.
    #[cfg(test)]
    pub(crate) fn dump(&self) -> String {
        format!(
            "{:?}",
            *self.store.lock().unwrap_or_else(|e| e.into_inner())
        )
    }
}

/// One request's access to the engine. The store is reached only through
/// [`with_store`](Session::with_store), and the lifecycle pump ([`pump`](Session::pump)) and
/// the model take the session mutably as well, so they cannot run while the store is held:
///
/// ```compile_fail,E0500
/// use openai_local::__private::Session;
///
/// fn pump_inside(session: &mut Session<'_>) {
///     // error[E0500]: closure requires unique access to `*session` but it is already
///     // borrowed (by `with_store`).
///     session.with_store(|_store| session.pump("thread_1"));
/// }
/// ```
///
/// One after the other is how it is done (this compiles, so the example above fails for
/// the nesting alone):
///
/// ```
/// use openai_local::__private::Session;
///
/// fn pump_then_read(session: &mut Session<'_>) -> usize {
///     session.pump("thread_1");
///     session.with_store(|_store| 1)
/// }
/// ```
pub struct Session<'e> {
    engine: &'e Engine,
}

impl<'e> Session<'e> {
    /// Runs `f` with the store locked, and returns what it returns. A handler that panicked
    /// while holding the lock leaves the store usable (handlers change the store in one step,
    /// after everything that can fail).
    pub fn with_store<R>(&mut self, f: impl FnOnce(&mut Store) -> R) -> R {
        #[cfg(test)]
        self.engine.faults.enter_store();
        let mut store = self.engine.store.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut store)
    }

    /// Brings the runs of a thread up to date: advances their timelines and lets the model
    /// take the turns that are due, without holding the store while it works.
    pub fn pump(&mut self, thread_id: &str) {
        super::driver::pump(self, thread_id);
    }

    /// Asks the responder (never with the store held); a panic becomes an error.
    pub(crate) fn respond(&mut self, request: &ModelRequest) -> Result<ModelReply, String> {
        let responder = &self.engine.responder;
        catch_unwind(AssertUnwindSafe(|| responder.respond(request))).unwrap_or_else(|panic| {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".into());
            Err(format!("The model failed: {why}"))
        })
    }

    /// The current moment on the engine's clock.
    pub(crate) fn now(&self) -> Now {
        self.engine.clock.now()
    }

    /// The settings.
    pub(crate) fn config(&self) -> &'e Config {
        &self.engine.config
    }

    /// The engine's directory for bytes kept on disk.
    pub(crate) fn spool(&self) -> &'e Spool {
        &self.engine.spool
    }

    /// The engine itself, to answer a request in-process (a batch's lines) with a session of
    /// its own.
    pub(crate) fn engine(&self) -> &'e Engine {
        self.engine
    }
}

/// Test-only fault injection: a panic at a chosen entry into the store, to check that a
/// handler dying anywhere leaves no half-made change behind.
#[cfg(test)]
pub(crate) mod faults {
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts entries into the store and panics at the armed one.
    #[derive(Debug, Default)]
    pub(crate) struct Faults {
        entries: AtomicUsize,
        panic_at: AtomicUsize,
    }

    impl Faults {
        /// Panics at the `n`th entry into the store from now on (1 is the next); 0 disarms.
        pub(crate) fn arm(&self, n: usize) {
            self.entries.store(0, Ordering::SeqCst);
            self.panic_at.store(n, Ordering::SeqCst);
        }

        /// The entries counted since the last `arm`.
        pub(crate) fn entries(&self) -> usize {
            self.entries.load(Ordering::SeqCst)
        }

        pub(super) fn enter_store(&self) {
            let n = self.entries.fetch_add(1, Ordering::SeqCst) + 1;
            if self.panic_at.load(Ordering::SeqCst) == n {
                panic!("injected fault at store entry {n}");
            }
        }
    }
}
