//! Sleep-based waits: poll an object until it reaches a state that ends the wait.
//!
//! Every `wait_for_*` method of [`OpenAIClient`] is a shortcut for the same method on a
//! [`Waiter`] with the client's settings. Take a [`Waiter`] from [`OpenAIClient::waiter`] to
//! watch a wait (a callback on each poll), stop it (a cancel flag), or change its interval,
//! timeout or upload concurrency for one call.

use std::fmt;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::concurrency::bounded_map;
use crate::transport::ApiResponse;
use crate::types::*;
use crate::*;

/// The wait between polls when neither the caller nor the server chose one.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);
/// The longest wait between polls that a server's `openai-poll-after-ms` hint may ask for.
const MAX_SERVER_INTERVAL: Duration = Duration::from_secs(10);
/// A wait with a cancel flag sleeps in slices this long, so cancelling is felt quickly.
const CANCEL_SLICE: Duration = Duration::from_millis(100);
/// Default number of uploads in flight in
/// [`upload_files_to_vector_store_and_wait`](Waiter::upload_files_to_vector_store_and_wait).
const DEFAULT_UPLOAD_CONCURRENCY: usize = 5;

/// What a wait reports to its [`on_poll`](Waiter::on_poll) callback after each poll.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollProgress {
    /// The status the server just reported, e.g. `in_progress`.
    pub status: String,
    /// Time since the wait started (waits asked of a custom sleeper count as elapsed).
    pub elapsed: Duration,
    /// 1 for the first poll, then 2, 3, ...
    pub attempt: u32,
    /// For a batch or a vector store's file batch: how many of its requests or files are
    /// done, failed and in all, as the server just reported them.
    pub counts: Option<PollCounts>,
}

/// How far a batch (or a vector store's file batch) has got, in a [`PollProgress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollCounts {
    /// Requests (files) done.
    pub completed: u64,
    /// Requests (files) that failed.
    pub failed: u64,
    /// Requests (files) in all.
    pub total: u64,
}

/// The last object a wait saw, carried by [`Error::PollTimeout`] and [`Error::PollCancelled`].
#[cfg(polls)]
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // errors hold it boxed; boxing each variant adds nothing
pub enum Polled {
    /// A run.
    #[cfg(feature = "assistants")]
    Run(RunResponse),
    /// A thread message.
    #[cfg(feature = "assistants")]
    ThreadMessage(ThreadMessageResponse),
    /// A page of thread messages, newest first (waiting for an assistant message).
    #[cfg(feature = "assistants")]
    ThreadMessages(ThreadMessageListResponse),
    /// A vector store.
    #[cfg(feature = "vector-stores")]
    VectorStore(VectorStoreResponse),
    /// A file of a vector store.
    #[cfg(feature = "vector-stores")]
    VectorStoreFile(VectorStoreFileResponse),
    /// A file batch of a vector store.
    #[cfg(feature = "vector-stores")]
    VectorStoreFileBatch(VectorStoreFileBatchResponse),
    /// A (background) response.
    #[cfg(feature = "responses")]
    Response(ResponseObject),
    /// A batch.
    #[cfg(feature = "batch")]
    Batch(BatchResponse),
}

#[cfg(polls)]
impl Polled {
    /// The object's status as the server wrote it.
    #[inline]
    pub fn status(&self) -> String {
        match self {
            #[cfg(feature = "assistants")]
            Polled::Run(o) => o.status_text(),
            #[cfg(feature = "assistants")]
            Polled::ThreadMessage(o) => o.status_text(),
            #[cfg(feature = "assistants")]
            Polled::ThreadMessages(o) => o.status_text(),
            #[cfg(feature = "vector-stores")]
            Polled::VectorStore(o) => o.status_text(),
            #[cfg(feature = "vector-stores")]
            Polled::VectorStoreFile(o) => o.status_text(),
            #[cfg(feature = "vector-stores")]
            Polled::VectorStoreFileBatch(o) => o.status_text(),
            #[cfg(feature = "responses")]
            Polled::Response(o) => o.status_text(),
            #[cfg(feature = "batch")]
            Polled::Batch(o) => o.status_text(),
        }
    }
}

#[cfg(polls)]
impl fmt::Display for Polled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, id) = match self {
            #[cfg(feature = "assistants")]
            Polled::Run(o) => ("run", Some(&o.id)),
            #[cfg(feature = "assistants")]
            Polled::ThreadMessage(o) => ("message", Some(&o.id)),
            #[cfg(feature = "assistants")]
            Polled::ThreadMessages(_) => ("assistant message", None),
            #[cfg(feature = "vector-stores")]
            Polled::VectorStore(o) => ("vector store", Some(&o.id)),
            #[cfg(feature = "vector-stores")]
            Polled::VectorStoreFile(o) => ("vector store file", Some(&o.id)),
            #[cfg(feature = "vector-stores")]
            Polled::VectorStoreFileBatch(o) => ("file batch", Some(&o.id)),
            #[cfg(feature = "responses")]
            Polled::Response(o) => ("response", Some(&o.id)),
            #[cfg(feature = "batch")]
            Polled::Batch(o) => ("batch", Some(&o.id)),
        };
        match id {
            Some(id) => write!(f, "{kind} {id} ({})", self.status()),
            None => write!(f, "{kind} ({})", self.status()),
        }
    }
}

/// An object a wait can poll: its status and whether that status ends the wait.
#[cfg(polls)]
trait Pollable: Sized {
    fn status_text(&self) -> String;
    fn is_done(&self) -> bool;
    fn into_polled(self) -> Polled;
    #[inline]
    fn counts(&self) -> Option<PollCounts> {
        None
    }
}

#[cfg(polls)]
fn counts(completed: i64, failed: i64, total: i64) -> PollCounts {
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    PollCounts {
        completed: n(completed),
        failed: n(failed),
        total: n(total),
    }
}

#[cfg(polls)]
fn text_of<T: fmt::Display>(status: Option<&T>) -> String {
    status.map_or_else(|| "unknown".to_owned(), ToString::to_string)
}

#[cfg(feature = "assistants")]
impl Pollable for RunResponse {
    #[inline]
    fn status_text(&self) -> String {
        self.status.to_string()
    }
    /// Stops on requires_action, cancelled, failed, completed, incomplete and expired; goes on
    /// through queued, in_progress, cancelling and values this crate does not know.
    #[inline]
    fn is_done(&self) -> bool {
        use RunResponseStatus::*;
        matches!(
            self.status,
            RequiresAction | Cancelled | Failed | Completed | Incomplete | Expired
        )
    }
    #[inline]
    fn into_polled(self) -> Polled {
        #[cfg(feature = "assistants")]
        Polled::Run(self)
    }
}

#[cfg(feature = "assistants")]
impl Pollable for ThreadMessageResponse {
    #[inline]
    fn status_text(&self) -> String {
        text_of(self.status.as_ref())
    }
    #[inline]
    fn is_done(&self) -> bool {
        use ThreadMessageResponseStatus::*;
        matches!(self.status, None | Some(Completed | Incomplete))
    }
    #[inline]
    fn into_polled(self) -> Polled {
        #[cfg(feature = "assistants")]
        Polled::ThreadMessage(self)
    }
}

#[cfg(feature = "assistants")]
impl Pollable for ThreadMessageListResponse {
    #[inline]
    fn status_text(&self) -> String {
        match self.data.iter().find(|m| is_assistant(m)) {
            Some(message) => message.status_text(),
            None => "waiting".to_owned(),
        }
    }
    #[inline]
    fn is_done(&self) -> bool {
        self.data.iter().any(|m| is_assistant(m) && m.is_done())
    }
    #[inline]
    fn into_polled(self) -> Polled {
        #[cfg(feature = "assistants")]
        Polled::ThreadMessages(self)
    }
}

#[cfg(feature = "vector-stores")]
impl Pollable for VectorStoreResponse {
    #[inline]
    fn status_text(&self) -> String {
        text_of(self.status.as_ref())
    }
    #[inline]
    fn is_done(&self) -> bool {
        use VectorStoreResponseStatus::*;
        matches!(self.status, None | Some(Completed | Expired))
    }
    #[inline]
    fn into_polled(self) -> Polled {
        #[cfg(feature = "vector-stores")]
        Polled::VectorStore(self)
    }
}

#[cfg(feature = "vector-stores")]
impl Pollable for VectorStoreFileResponse {
    #[inline]
    fn status_text(&self) -> String {
        text_of(self.status.as_ref())
    }
    #[inline]
    fn is_done(&self) -> bool {
        use VectorStoreFileResponseStatus::*;
        matches!(self.status, None | Some(Completed | Cancelled | Failed))
    }
    #[inline]
    fn into_polled(self) -> Polled {
        #[cfg(feature = "vector-stores")]
        Polled::VectorStoreFile(self)
    }
}

#[cfg(feature = "vector-stores")]
impl Pollable for VectorStoreFileBatchResponse {
    #[inline]
    fn status_text(&self) -> String {
        self.status.to_string()
    }
    #[inline]
    fn is_done(&self) -> bool {
        use VectorStoreFileBatchResponseStatus::*;
        matches!(self.status, Completed | Cancelled | Failed)
    }
    #[inline]
    fn into_polled(self) -> Polled {
        #[cfg(feature = "vector-stores")]
        Polled::VectorStoreFileBatch(self)
    }
    #[inline]
    fn counts(&self) -> Option<PollCounts> {
        let c = &self.file_counts;
        Some(counts(c.completed, c.failed, c.total))
    }
}

#[cfg(feature = "batch")]
impl Pollable for BatchResponse {
    #[inline]
    fn status_text(&self) -> String {
        self.status.to_string()
    }
    /// Stops on completed, failed, expired and cancelled; goes on through validating,
    /// in_progress, finalizing, cancelling and values this crate does not know.
    #[inline]
    fn is_done(&self) -> bool {
        use BatchResponseStatus::*;
        matches!(self.status, Completed | Failed | Expired | Cancelled)
    }
    #[inline]
    fn into_polled(self) -> Polled {
        #[cfg(feature = "batch")]
        Polled::Batch(self)
    }
    #[inline]
    fn counts(&self) -> Option<PollCounts> {
        let c = self.request_counts.as_ref()?;
        Some(counts(c.completed, c.failed, c.total))
    }
}

#[cfg(feature = "responses")]
impl Pollable for ResponseObject {
    #[inline]
    fn status_text(&self) -> String {
        text_of(self.status.as_ref())
    }
    /// Stops on completed, failed, cancelled and incomplete (and on a response without a
    /// status: nothing to wait for); goes on through queued, in_progress and values this
    /// crate does not know.
    #[inline]
    fn is_done(&self) -> bool {
        use ResponseObjectStatus::*;
        matches!(
            self.status,
            None | Some(Completed | Failed | Cancelled | Incomplete)
        )
    }
    #[inline]
    fn into_polled(self) -> Polled {
        #[cfg(feature = "responses")]
        Polled::Response(self)
    }
}

#[cfg(feature = "assistants")]
fn is_assistant(message: &ThreadMessageResponse) -> bool {
    message.role == ThreadMessageResponseRole::Assistant
}

/// The progress callback of a [`Waiter`].
type PollCallback<'c> = Box<dyn FnMut(&PollProgress) + 'c>;

/// Runs a wait with per-call settings; made by [`OpenAIClient::waiter`].
///
/// ```no_run
/// # fn main() -> Result<(), openai_blocking::Error> {
/// use std::sync::atomic::AtomicBool;
/// use std::sync::Arc;
///
/// let client = openai_blocking::OpenAIClient::from_env()?;
/// let stop = Arc::new(AtomicBool::new(false)); // set it from a Ctrl-C handler
/// let run = client
///     .waiter()
///     .on_poll(|p| eprintln!("{} after {:?} (poll {})", p.status, p.elapsed, p.attempt))
///     .cancel_flag(stop.clone())
///     .wait_for_run_to_complete("thread_abc", "run_abc")?;
/// println!("{}", run.status);
/// # Ok(()) }
/// ```
#[must_use = "a waiter does nothing until one of its `wait_for_*` methods is called"]
pub struct Waiter<'c> {
    client: &'c OpenAIClient,
    interval: Option<Duration>,
    timeout: Option<Duration>,
    on_poll: Option<PollCallback<'c>>,
    cancel: Option<Arc<AtomicBool>>,
    cancel_on_stop: bool,
    concurrency: usize,
    #[cfg(feature = "files")]
    part_size: u64,
}

impl fmt::Debug for Waiter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Waiter");
        out.field("interval", &self.interval)
            .field("timeout", &self.timeout)
            .field("on_poll", &self.on_poll.is_some())
            .field("cancel", &self.cancel)
            .field("cancel_on_stop", &self.cancel_on_stop)
            .field("concurrency", &self.concurrency);
        #[cfg(feature = "files")]
        out.field("part_size", &self.part_size);
        out.finish()
    }
}

impl OpenAIClient {
    /// A [`Waiter`] with this client's polling interval and timeout, to which a progress
    /// callback, a cancel flag or other settings can be added for one or more waits.
    #[inline]
    pub fn waiter(&self) -> Waiter<'_> {
        Waiter {
            client: self,
            interval: self.polling_interval(),
            timeout: self.polling_timeout(),
            on_poll: None,
            cancel: None,
            cancel_on_stop: false,
            concurrency: DEFAULT_UPLOAD_CONCURRENCY,
            #[cfg(feature = "files")]
            part_size: crate::MAX_UPLOAD_PART_BYTES,
        }
    }
}

impl<'c> Waiter<'c> {
    /// Poll at this fixed interval, whatever the server suggests.
    #[inline]
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = Some(interval);
        self
    }

    /// Give up after this long with [`Error::PollTimeout`]; `None` waits for ever.
    #[inline]
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Call `callback` after every poll, e.g. to draw progress.
    #[inline]
    pub fn on_poll(mut self, callback: impl FnMut(&PollProgress) + 'c) -> Self {
        self.on_poll = Some(Box::new(callback));
        self
    }

    /// End the wait with [`Error::PollCancelled`] soon after `flag` becomes `true`. The
    /// server-side object is left as it is unless [`cancel_on_stop`](Self::cancel_on_stop)
    /// asks otherwise.
    #[inline]
    pub fn cancel_flag(mut self, flag: Arc<AtomicBool>) -> Self {
        self.cancel = Some(flag);
        self
    }

    /// When a wait for a response, a run or a batch times out or is cancelled, cancel it on
    /// the server too ([`cancel_response`](OpenAIClient::cancel_response),
    /// [`cancel_run`](OpenAIClient::cancel_run), [`cancel_batch`](OpenAIClient::cancel_batch)),
    /// so that it stops spending tokens. The error's `last` is then the object the cancel call returned; a
    /// cancel call that fails is logged (`log` crate, level warn) and the wait's error is
    /// returned as it was. Off by default: a wait otherwise leaves the object as it is.
    #[inline]
    pub fn cancel_on_stop(mut self, cancel: bool) -> Self {
        self.cancel_on_stop = cancel;
        self
    }

    /// How many uploads [`upload_files_to_vector_store_and_wait`](Self::upload_files_to_vector_store_and_wait)
    /// keeps in flight (default 5, at least 1).
    #[inline]
    pub fn max_concurrency(mut self, uploads: usize) -> Self {
        self.concurrency = uploads.max(1);
        self
    }

    /// The size of the parts of [`upload_large_file`](Self::upload_large_file): 64 MB (the
    /// API's largest) by default; smaller parts cost less to send again on a poor link. Kept
    /// between 1 byte and 64 MB.
    #[cfg(feature = "files")]
    #[inline]
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = bytes.clamp(1, crate::MAX_UPLOAD_PART_BYTES);
        self
    }

    #[cfg(feature = "files")]
    #[inline]
    pub(crate) fn upload_part_size(&self) -> u64 {
        self.part_size
    }

    #[inline]
    fn cancelled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::SeqCst))
    }

    /// Polls with `fetch` until `finish` breaks, the timeout passes or the flag is raised.
    #[cfg(polls)]
    #[inline]
    fn poll<T: Pollable, R>(
        &mut self,
        mut fetch: impl FnMut() -> Result<ApiResponse<T>, Error>,
        mut finish: impl FnMut(T) -> ControlFlow<R, T>,
    ) -> Result<R, Error> {
        let start = Instant::now();
        let mut slept = Duration::ZERO;
        let mut attempt = 0u32;
        // The server's last `openai-poll-after-ms`, kept when later answers omit it.
        let mut hint = None;
        loop {
            attempt += 1;
            let response = fetch()?;
            hint = response.poll_after().or(hint);
            let object = response.into_data();
            let elapsed = start.elapsed().max(slept);
            if let Some(callback) = self.on_poll.as_mut() {
                callback(&PollProgress {
                    status: object.status_text(),
                    elapsed,
                    attempt,
                    counts: object.counts(),
                });
            }
            let object = match finish(object) {
                ControlFlow::Break(done) => return Ok(done),
                ControlFlow::Continue(object) => object,
            };
            let elapsed_now = |slept: Duration| start.elapsed().max(slept);
            let cancelled = |elapsed, last: T| Error::PollCancelled {
                elapsed,
                attempts: attempt,
                last: Box::new(last.into_polled()),
            };
            if self.cancelled() {
                return Err(cancelled(elapsed, object));
            }
            let mut wait = self
                .interval
                .unwrap_or_else(|| hint.map_or(DEFAULT_INTERVAL, |h| h.min(MAX_SERVER_INTERVAL)));
            if let Some(limit) = self.timeout {
                if elapsed >= limit {
                    return Err(Error::PollTimeout {
                        elapsed,
                        attempts: attempt,
                        last: Box::new(object.into_polled()),
                    });
                }
                // The last poll happens at the deadline rather than one interval after it.
                wait = wait.min(limit - elapsed);
            }
            slept += self.sleep(wait);
            if self.cancelled() {
                return Err(cancelled(elapsed_now(slept), object));
            }
        }
    }

    /// Sleeps through the client's sleeper, in slices when a cancel flag may cut it short;
    /// returns how long it slept.
    #[cfg(polls)]
    #[inline]
    fn sleep(&self, wait: Duration) -> Duration {
        if self.cancel.is_none() {
            (self.client.sleeper)(wait);
            return wait;
        }
        let mut left = wait;
        while !left.is_zero() && !self.cancelled() {
            let slice = left.min(CANCEL_SLICE);
            (self.client.sleeper)(slice);
            left -= slice;
        }
        wait - left
    }

    /// With [`cancel_on_stop`](Self::cancel_on_stop), cancels the object on the server when
    /// `result` is a timeout or a cancelled wait.
    #[cfg(polls)]
    #[inline]
    fn stop_on_server<T: Pollable>(
        &self,
        result: Result<T, Error>,
        cancel: impl FnOnce() -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut error = match result {
            Err(error) if self.cancel_on_stop => error,
            other => return other,
        };
        if let Error::PollTimeout { last, .. } | Error::PollCancelled { last, .. } = &mut error {
            match cancel() {
                Ok(object) => **last = object.into_polled(),
                Err(e) => log::warn!("the wait stopped but cancelling {last} failed: {e}"),
            }
        }
        Err(error)
    }

    #[inline]
    #[cfg(polls)]
    fn until_done<T: Pollable>(
        &mut self,
        fetch: impl FnMut() -> Result<ApiResponse<T>, Error>,
    ) -> Result<T, Error> {
        self.poll(fetch, |object| {
            if object.is_done() {
                ControlFlow::Break(object)
            } else {
                ControlFlow::Continue(object)
            }
        })
    }

    /// Polls a run until it stops: `requires_action`, `cancelled`, `failed`, `completed`,
    /// `incomplete` or `expired`. Returns the final run whatever its status.
    #[cfg(feature = "assistants")]
    #[inline]
    pub fn wait_for_run_to_complete(
        &mut self,
        thread_id: &str,
        run_id: &str,
    ) -> Result<RunResponse, Error> {
        let client = self.client;
        let result = self.until_done(|| client.get_run_with_response(thread_id, run_id));
        self.stop_on_server(result, || client.cancel_run(thread_id, run_id))
    }

    /// Polls a batch until it stops: `completed` (read its results with
    /// [`batch_results`](OpenAIClient::batch_results)), `failed` (its `errors` say why: often
    /// lines of the input file), `expired` (the requests not done in the window are in the
    /// error file) or `cancelled`. It goes on through `validating`, `in_progress`,
    /// `finalizing` and `cancelling`; the progress callback gets the request counts.
    #[cfg(feature = "batch")]
    #[inline]
    pub fn wait_for_batch_to_complete(&mut self, batch_id: &str) -> Result<BatchResponse, Error> {
        let client = self.client;
        let result = self.until_done(|| client.get_batch_with_response(batch_id));
        self.stop_on_server(result, || client.cancel_batch(batch_id))
    }

    /// Polls a background response until it stops: `completed`, `failed`, `cancelled` or
    /// `incomplete` (it keeps polling through `queued` and `in_progress`). Returns the final
    /// response whatever its status; read `error` or `incomplete_details` when it is not
    /// `completed`.
    #[cfg(feature = "responses")]
    #[inline]
    pub fn wait_for_response_to_complete(
        &mut self,
        response_id: &str,
    ) -> Result<ResponseObject, Error> {
        let client = self.client;
        let result = self.until_done(|| client.get_response_with_response(response_id, None));
        self.stop_on_server(result, || client.cancel_response(response_id))
    }

    /// Creates a response (send `background: Some(true)` for long work) and waits until it
    /// stops; returns the final response whatever its status.
    #[cfg(feature = "responses")]
    #[inline]
    pub fn create_response_and_wait(
        &mut self,
        request: &ResponseCreateRequest,
    ) -> Result<ResponseObject, Error> {
        let response = self.client.create_response(request)?;
        if response.is_done() {
            return Ok(response);
        }
        self.wait_for_response_to_complete(&response.id)
    }

    /// Polls a message until it is `completed` or `incomplete`, and returns it.
    #[cfg(feature = "assistants")]
    #[inline]
    pub fn wait_for_thread_message_to_complete(
        &mut self,
        thread_id: &str,
        message_id: &str,
    ) -> Result<ThreadMessageResponse, Error> {
        let client = self.client;
        self.until_done(|| client.get_thread_message_with_response(thread_id, message_id))
    }

    /// Polls a thread's newest messages (those of `run_id` only, when given) until one by the
    /// assistant is `completed` or `incomplete`, and returns the newest such message.
    #[cfg(feature = "assistants")]
    #[inline]
    pub fn wait_for_assistant_message(
        &mut self,
        thread_id: &str,
        run_id: Option<&str>,
    ) -> Result<ThreadMessageResponse, Error> {
        let client = self.client;
        let query = ThreadMessageListQueryParameters {
            order: Some(ListOrder::Desc),
            run_id: run_id.map(str::to_owned),
            ..Default::default()
        };
        self.poll(
            || client.get_thread_messages_with_response(thread_id, Some(&query)),
            |mut page| {
                let found = page
                    .data
                    .iter()
                    .position(|m| is_assistant(m) && m.is_done());
                match found {
                    Some(index) => ControlFlow::Break(page.data.swap_remove(index)),
                    None => ControlFlow::Continue(page),
                }
            },
        )
    }

    /// Polls a vector store until it is `completed` (or `expired`), and returns it.
    #[cfg(feature = "vector-stores")]
    #[inline]
    pub fn wait_for_vector_store_to_complete(
        &mut self,
        vector_store_id: &str,
    ) -> Result<VectorStoreResponse, Error> {
        let client = self.client;
        self.until_done(|| client.get_vector_store_with_response(vector_store_id))
    }

    /// Creates a vector store and waits until its files are processed.
    #[cfg(feature = "vector-stores")]
    #[inline]
    pub fn create_vector_store_and_wait_to_complete(
        &mut self,
        request: &VectorStoreCreateRequest,
    ) -> Result<VectorStoreResponse, Error> {
        let store = self.client.create_vector_store(request)?;
        if store.is_done() {
            return Ok(store);
        }
        self.wait_for_vector_store_to_complete(&store.id)
    }

    /// Polls a file of a vector store until it is `completed`, `cancelled` or `failed`
    /// (read `last_error` then), and returns it.
    #[cfg(feature = "vector-stores")]
    #[inline]
    pub fn wait_for_vector_store_file_to_complete(
        &mut self,
        vector_store_id: &str,
        file_id: &str,
    ) -> Result<VectorStoreFileResponse, Error> {
        let client = self.client;
        self.until_done(|| client.get_vector_store_file_with_response(vector_store_id, file_id))
    }

    /// Polls a file batch until it is `completed`, `cancelled` or `failed`, and returns it;
    /// its `file_counts` say how many files failed.
    #[cfg(feature = "vector-stores")]
    #[inline]
    pub fn wait_for_vector_store_file_batch_to_complete(
        &mut self,
        vector_store_id: &str,
        batch_id: &str,
    ) -> Result<VectorStoreFileBatchResponse, Error> {
        let client = self.client;
        self.until_done(|| {
            client.get_vector_store_file_batch_with_response(vector_store_id, batch_id)
        })
    }

    /// Attaches files to a vector store as one batch and waits until it is processed.
    #[cfg(feature = "vector-stores")]
    #[inline]
    pub fn create_vector_store_file_batch_and_wait(
        &mut self,
        vector_store_id: &str,
        request: &VectorStoreFileBatchCreateRequest,
    ) -> Result<VectorStoreFileBatchResponse, Error> {
        let batch = self
            .client
            .create_vector_store_file_batch(vector_store_id, request)?;
        if batch.is_done() {
            return Ok(batch);
        }
        self.wait_for_vector_store_file_batch_to_complete(vector_store_id, &batch.id)
    }

    /// Uploads `files` (purpose `assistants`) with at most
    /// [`max_concurrency`](Self::max_concurrency) uploads in flight, attaches them to the vector
    /// store as one batch, in the given order, and waits until the batch is processed.
    ///
    /// When an upload fails, no new upload starts, the files already uploaded are deleted
    /// again and the first error (in the order of `files`) is returned.
    #[cfg(feature = "vector-stores")]
    #[inline]
    pub fn upload_files_to_vector_store_and_wait(
        &mut self,
        vector_store_id: &str,
        files: impl IntoIterator<Item = FileSource>,
    ) -> Result<VectorStoreFileBatchResponse, Error> {
        crate::transport::encode_path_id("vector_store_id", vector_store_id)?;
        let files: Vec<FileSource> = files.into_iter().collect();
        if files.is_empty() {
            return Err(Error::InvalidArgument {
                name: "files",
                message: "there is no file to upload".into(),
            });
        }
        let ids = self.upload_all(files)?;
        let request = VectorStoreFileBatchCreateRequest::new(ids);
        self.create_vector_store_file_batch_and_wait(vector_store_id, &request)
    }

    /// Uploads every file, `concurrency` at a time; all ids in order, or the first error
    /// (an [`Error::UploadCancelled`] when the cancel flag stopped it).
    /// The client the waiter polls with.
    #[inline]
    pub(crate) fn client(&self) -> &'c OpenAIClient {
        self.client
    }

    /// `work` applied to every item with the waiter's concurrency; after a failure or once
    /// the cancel flag is raised no new item starts (those have `None`).
    #[inline]
    pub(crate) fn in_parallel<T: Send, R: Send>(
        &self,
        items: Vec<T>,
        work: impl Fn(T) -> Result<R, Error> + Sync,
    ) -> Vec<Option<Result<R, Error>>> {
        let cancel = self.cancel.as_deref();
        let cancelled = || cancel.is_some_and(|flag| flag.load(Ordering::SeqCst));
        bounded_map(items, self.concurrency, &cancelled, work)
    }

    #[cfg(feature = "vector-stores")]
    #[inline]
    fn upload_all(&self, files: Vec<FileSource>) -> Result<Vec<String>, Error> {
        let client = self.client;
        let total = files.len();
        let results = self.in_parallel(files, |file| {
            client
                .upload_file_with_response("assistants", file)
                .map(|r| r.into_data().id)
        });
        if results.iter().all(|r| matches!(r, Some(Ok(_)))) {
            return Ok(results.into_iter().flatten().flatten().collect());
        }
        let mut first_error = None;
        let mut uploaded = 0;
        for result in results.into_iter().flatten() {
            match result {
                Ok(id) => {
                    uploaded += 1;
                    // Best effort: the batch already failed, a failed clean-up must not hide why.
                    drop(client.delete_file(&id));
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error.unwrap_or(Error::UploadCancelled { uploaded, total }))
    }

    /// Starts a run and waits until it stops; returns the final run whatever its status.
    #[cfg(feature = "assistants")]
    #[inline]
    pub fn create_run_and_wait(
        &mut self,
        thread_id: &str,
        request: &RunCreateRequest,
    ) -> Result<RunResponse, Error> {
        let run = self.client.create_run(thread_id, request)?;
        self.finish_run(run)
    }

    /// Creates a thread, starts a run on it and waits until the run stops.
    #[cfg(feature = "assistants")]
    #[inline]
    pub fn create_thread_and_run_and_wait(
        &mut self,
        request: &RunThreadCreateRequest,
    ) -> Result<RunResponse, Error> {
        let run = self.client.create_thread_and_run(request)?;
        self.finish_run(run)
    }

    /// Answers a run's tool calls and waits until the run stops again (it may require
    /// action once more).
    #[cfg(feature = "assistants")]
    #[inline]
    pub fn submit_tool_outputs_and_wait(
        &mut self,
        thread_id: &str,
        run_id: &str,
        request: &SubmitToolOutputsRequest,
    ) -> Result<RunResponse, Error> {
        let run = self
            .client
            .submit_tool_outputs(thread_id, run_id, request)?;
        self.finish_run(run)
    }

    #[cfg(feature = "assistants")]
    #[inline]
    fn finish_run(&mut self, run: RunResponse) -> Result<RunResponse, Error> {
        if run.is_done() {
            return Ok(run);
        }
        self.wait_for_run_to_complete(&run.thread_id, &run.id)
    }

    /// Starts a run, waits for it and returns the text of the assistant message(s) it wrote:
    /// every text part in order, parts and messages separated by a blank line.
    ///
    /// A run that ends other than `completed` gives [`Error::RunNotCompleted`] with the final
    /// run (its `status`, `last_error`, `incomplete_details` and `required_action`).
    #[cfg(feature = "assistants")]
    #[inline]
    pub fn run_and_get_assistant_response(
        &mut self,
        thread_id: &str,
        request: &RunCreateRequest,
    ) -> Result<String, Error> {
        let run = self.create_run_and_wait(thread_id, request)?;
        self.client.get_assistant_response(&run)
    }
}

impl OpenAIClient {
    /// The text of the assistant message(s) a completed run wrote: every text part in order,
    /// parts and messages separated by a blank line. Useful after
    /// [`submit_tool_outputs_and_wait`](Self::submit_tool_outputs_and_wait).
    ///
    /// A run that is not `completed` gives [`Error::RunNotCompleted`] with a copy of it.
    #[cfg(feature = "assistants")]
    #[inline]
    pub fn get_assistant_response(&self, run: &RunResponse) -> Result<String, Error> {
        if run.status != RunResponseStatus::Completed {
            return Err(Error::RunNotCompleted(Box::new(run.clone())));
        }
        let query = ThreadMessageListQueryParameters {
            order: Some(ListOrder::Asc),
            run_id: Some(run.id.clone()),
            limit: Some(100),
            ..Default::default()
        };
        let mut texts = Vec::new();
        for message in self.iter_thread_messages(&run.thread_id, Some(query)) {
            let message = message?;
            if is_assistant(&message) {
                let text = message.text();
                if !text.is_empty() {
                    texts.push(text);
                }
            }
        }
        Ok(texts.join("\n\n"))
    }
}

/// Defines each `OpenAIClient::wait…` shortcut as the [`Waiter`] method of the same name.
macro_rules! shortcuts {
    ($($(#[$attr:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $out:ty;)*) => {
        impl OpenAIClient {
            $(
                $(#[$attr])*
                #[doc = concat!("[`Waiter::", stringify!($name), "`] with this client's polling ",
                    "interval and timeout; see there.")]
                #[inline]
                pub fn $name(&self, $($arg: $ty),*) -> Result<$out, Error> {
                    self.waiter().$name($($arg),*)
                }
            )*
        }
    };
}

shortcuts! {
    #[cfg(feature = "assistants")]
    fn wait_for_run_to_complete(thread_id: &str, run_id: &str) -> RunResponse;
    #[cfg(feature = "assistants")]
    fn wait_for_thread_message_to_complete(thread_id: &str, message_id: &str) -> ThreadMessageResponse;
    #[cfg(feature = "assistants")]
    fn wait_for_assistant_message(thread_id: &str, run_id: Option<&str>) -> ThreadMessageResponse;
    #[cfg(feature = "vector-stores")]
    fn wait_for_vector_store_to_complete(vector_store_id: &str) -> VectorStoreResponse;
    #[cfg(feature = "vector-stores")]
    fn create_vector_store_and_wait_to_complete(request: &VectorStoreCreateRequest) -> VectorStoreResponse;
    #[cfg(feature = "vector-stores")]
    fn wait_for_vector_store_file_to_complete(vector_store_id: &str, file_id: &str) -> VectorStoreFileResponse;
    #[cfg(feature = "vector-stores")]
    fn wait_for_vector_store_file_batch_to_complete(vector_store_id: &str, batch_id: &str) -> VectorStoreFileBatchResponse;
    #[cfg(feature = "vector-stores")]
    fn create_vector_store_file_batch_and_wait(vector_store_id: &str, request: &VectorStoreFileBatchCreateRequest) -> VectorStoreFileBatchResponse;
    #[cfg(feature = "assistants")]
    fn create_run_and_wait(thread_id: &str, request: &RunCreateRequest) -> RunResponse;
    #[cfg(feature = "assistants")]
    fn create_thread_and_run_and_wait(request: &RunThreadCreateRequest) -> RunResponse;
    #[cfg(feature = "assistants")]
    fn submit_tool_outputs_and_wait(thread_id: &str, run_id: &str, request: &SubmitToolOutputsRequest) -> RunResponse;
    #[cfg(feature = "assistants")]
    fn run_and_get_assistant_response(thread_id: &str, request: &RunCreateRequest) -> String;
    #[cfg(feature = "responses")]
    fn wait_for_response_to_complete(response_id: &str) -> ResponseObject;
    #[cfg(feature = "responses")]
    fn create_response_and_wait(request: &ResponseCreateRequest) -> ResponseObject;
    #[cfg(feature = "batch")]
    fn wait_for_batch_to_complete(batch_id: &str) -> BatchResponse;
}

impl OpenAIClient {
    /// [`Waiter::upload_files_to_vector_store_and_wait`] with 5 uploads in flight and this
    /// client's polling settings; see there.
    #[cfg(feature = "vector-stores")]
    #[inline]
    pub fn upload_files_to_vector_store_and_wait(
        &self,
        vector_store_id: &str,
        files: impl IntoIterator<Item = FileSource>,
    ) -> Result<VectorStoreFileBatchResponse, Error> {
        self.waiter()
            .upload_files_to_vector_store_and_wait(vector_store_id, files)
    }
}
