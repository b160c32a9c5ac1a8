//! Batches as the engine keeps them, and their lifecycle, computed when a batch is read
//! ([`pump`]), one step (the engine's `step_delay`) at a time, like a run:
//!
//! * `validating` for one step; then the input file is read (store free) and checked as a
//!   whole. A line that is not a JSON object, lacks `custom_id`, `method: "POST"`, `url` or a
//!   `body` object, calls another `url` than the batch's endpoint or repeats a `custom_id`,
//!   or a file that is empty or past the API's limits, makes the batch `failed`, with an
//!   error per bad line in `errors`. Otherwise it is `in_progress`.
//! * `in_progress`: at each step the next lines (up to `batch_lines_per_step`) run, store
//!   free, in-process against the engine's own handler for the endpoint (the same code and
//!   responder as over HTTP); each result is appended to the output file (a 2xx answer) or to
//!   the error file (an error answer, with its status and error body; a body asking for a
//!   stream is refused there too), and the request counts follow. When the last line has
//!   run, `finalizing`.
//! * `finalizing` for one step, then `completed`: the output and error files are stored
//!   (purpose `batch_output`), each only when it has lines (the id is null otherwise).
//! * A cancel makes the batch `cancelling`, then `cancelled` one step later; a batch still
//!   validating or in progress when its completion window (24 hours of the engine's clock)
//!   ends is `expired`. Either way the lines done keep their results, and the lines that did
//!   not run go to the error file with the code `batch_cancelled` or `batch_expired`
//!   (counted neither completed nor failed).
//!
//! Each piece of work is claimed with the store held, done with the store free, and applied
//! with the store held again, as a run's turn is.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Cursor, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use openai_blocking::types::*;

use super::clock::{later, Now};
use super::engine::{Engine, Session};
use super::http::{dispatch, Failure};
use super::spool::{Content, Spool, SpoolFile, SpoolWriter};
use super::store::{Ids, Store, StoredFile};

/// The completion window of every batch: 24 hours.
pub(crate) const WINDOW: Duration = Duration::from_secs(24 * 3600);
/// The most requests one batch file holds.
pub(crate) const MAX_LINES: usize = 50_000;
/// The largest batch file, in bytes (200 MB).
pub(crate) const MAX_INPUT_BYTES: u64 = 200_000_000;
/// The most embedding inputs across the requests of an embeddings batch.
pub(crate) const MAX_EMBEDDING_INPUTS: usize = 50_000;
/// The most errors a failed batch lists; reading the file stops there.
const MAX_ERRORS: usize = 1000;

/// The fields of a batch the API sends as `null` until they are known.
const NULLABLE: [&str; 14] = [
    "errors",
    "output_file_id",
    "error_file_id",
    "in_progress_at",
    "expires_at",
    "finalizing_at",
    "completed_at",
    "failed_at",
    "expired_at",
    "cancelling_at",
    "cancelled_at",
    "model",
    "usage",
    "metadata",
];

/// A batch: its API object, its input, and how far its lines have run.
#[derive(Debug)]
pub(crate) struct Batch {
    pub seq: u64,
    pub resp: BatchResponse,
    born: Now,
    /// When the current status began (or the last step's work was due).
    since: Instant,
    /// The end of the completion window.
    deadline: Instant,
    claimed: bool,
    round: u32,
    input: Content,
    /// The request lines, once validated.
    lines: Vec<LineRef>,
    /// The next line to run.
    next: usize,
    sinks: Arc<Mutex<Sinks>>,
    /// How long the output and error files last (`output_expires_after`), in seconds.
    output_expiry: Option<i64>,
}

/// Where a request line is in the input file.
#[derive(Clone, Copy, Debug)]
struct LineRef {
    offset: u64,
    len: usize,
}

/// The output and error files being written: each is made at its first line.
#[derive(Debug, Default)]
struct Sinks {
    output: Option<SpoolWriter>,
    errors: Option<SpoolWriter>,
    /// The first failure to write, after which nothing more is written.
    failure: Option<String>,
}

impl Sinks {
    /// Appends a JSONL line to the output file, or to the error file when `error`.
    fn write(&mut self, spool: &Spool, error: bool, line: &Value) {
        if self.failure.is_some() {
            return;
        }
        let (slot, name) = if error {
            (&mut self.errors, "batch_errors")
        } else {
            (&mut self.output, "batch_output")
        };
        let written = match slot {
            Some(out) => Ok(out),
            None => spool.create(name).map(|w| slot.insert(w)),
        }
        .and_then(|out| {
            serde_json::to_writer(&mut *out, line)?;
            out.write_all(b"\n")
        });
        if let Err(e) = written {
            self.failure = Some(format!("The batch's results could not be written: {e}."));
        }
    }
}

/// How a batch ends once its lines are done or abandoned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    Completed,
    Cancelled,
    Expired,
}

/// A piece of a batch's work claimed with the store held: [`pump`] does it with the store
/// free and applies the outcome.
pub(crate) struct Due {
    round: u32,
    /// When the work was due (its step), on the engine's clock.
    at: Instant,
    work: Work,
}

enum Work {
    /// Read and check the input file.
    Validate { input: Content, endpoint: String },
    /// Run these lines, with their `batch_req_` ids.
    Run {
        input: Content,
        endpoint: String,
        lines: Vec<(LineRef, String)>,
        sinks: Arc<Mutex<Sinks>>,
    },
    /// Write the lines that did not run to the error file, then close both files.
    Close {
        end: End,
        input: Content,
        unrun: Vec<(LineRef, String)>,
        sinks: Arc<Mutex<Sinks>>,
    },
}

/// What a piece of work gave.
enum Done {
    Validated(Result<Validated, Vec<BatchError>>),
    Ran {
        completed: i64,
        failed: i64,
        usage: [i64; 2],
    },
    Closed {
        end: End,
        output: Option<Arc<SpoolFile>>,
        errors: Option<Arc<SpoolFile>>,
        failure: Option<String>,
    },
}

/// A valid input file: its request lines and the model the first one names.
struct Validated {
    lines: Vec<LineRef>,
    model: Option<String>,
}

impl Batch {
    /// A new batch over `input`, `validating` from `now`.
    pub fn new(
        seq: u64,
        mut resp: BatchResponse,
        input: Content,
        now: Now,
        output_expiry: Option<i64>,
    ) -> Self {
        resp.status = BatchResponseStatus::Validating;
        resp.created_at = now.unix;
        resp.expires_at = Some(now.unix + WINDOW.as_secs() as i64);
        resp.request_counts = Some(BatchRequestCounts {
            completed: 0,
            failed: 0,
            total: 0,
        });
        resp.usage = Some(usage([0, 0]));
        Self {
            seq,
            resp,
            born: now,
            since: now.at,
            deadline: later(now.at, WINDOW),
            claimed: false,
            round: 0,
            input,
            lines: Vec::new(),
            next: 0,
            sinks: Arc::default(),
            output_expiry,
        }
    }

    /// Whether the batch is still to finish (validating, in progress, finalizing or
    /// cancelling).
    pub fn is_active(&self) -> bool {
        use BatchResponseStatus::*;
        matches!(
            self.resp.status,
            Validating | InProgress | Finalizing | Cancelling
        )
    }

    /// The API object, with the explicit nulls the API sends.
    pub fn view(&self) -> Value {
        let mut v = serde_json::to_value(&self.resp).unwrap_or_default();
        if let Some(object) = v.as_object_mut() {
            for key in NULLABLE {
                object.entry(key).or_insert(Value::Null);
            }
            let errors = object
                .get_mut("errors")
                .and_then(|e| e.get_mut("data"))
                .and_then(Value::as_array_mut);
            for e in errors.into_iter().flatten() {
                if let Some(e) = e.as_object_mut() {
                    for key in ["param", "line"] {
                        e.entry(key).or_insert(Value::Null);
                    }
                }
            }
        }
        v
    }

    /// Starts cancelling: `cancelling` now, `cancelled` one step later. Lines running now
    /// finish and keep their results. A cancelling or cancelled batch stays so.
    pub fn cancel(&mut self, now: Now) -> Result<(), String> {
        use BatchResponseStatus::*;
        match &self.resp.status {
            Validating | InProgress => {
                self.resp.status = Cancelling;
                self.resp.cancelling_at = Some(now.unix);
                self.since = now.at;
                Ok(())
            }
            Cancelling | Cancelled => Ok(()),
            other => Err(format!("Cannot cancel a batch with status '{other}'.")),
        }
    }

    /// The Unix time of `at`.
    fn unix(&self, at: Instant) -> i64 {
        self.born.unix_at(at)
    }

    /// Claims the work due by `now`, if any (see the module documentation).
    fn claim(
        &mut self,
        now: Instant,
        step: Duration,
        per_step: usize,
        ids: &mut Ids,
    ) -> Option<Due> {
        use BatchResponseStatus::*;
        if self.claimed {
            return None;
        }
        let (at, work) = loop {
            let due = later(self.since, step);
            let running = matches!(self.resp.status, Validating | InProgress);
            if running && self.deadline <= due && now >= self.deadline {
                break (self.deadline, self.close(End::Expired, ids));
            }
            if now < due {
                return None;
            }
            match self.resp.status {
                Validating => {
                    let work = Work::Validate {
                        input: self.input.clone(),
                        endpoint: self.resp.endpoint.clone(),
                    };
                    break (due, work);
                }
                InProgress if self.next >= self.lines.len() => {
                    // Nothing left to run (every line ran at the last step).
                    self.resp.status = Finalizing;
                    self.resp.finalizing_at = Some(self.unix(due));
                    self.since = due;
                }
                InProgress => {
                    let end = self.next.saturating_add(per_step).min(self.lines.len());
                    let lines = self.lines[self.next..end]
                        .iter()
                        .map(|l| (*l, ids.unlisted("batch_req_").0))
                        .collect();
                    let work = Work::Run {
                        input: self.input.clone(),
                        endpoint: self.resp.endpoint.clone(),
                        lines,
                        sinks: self.sinks.clone(),
                    };
                    break (due, work);
                }
                Finalizing => break (due, self.close(End::Completed, ids)),
                Cancelling => break (due, self.close(End::Cancelled, ids)),
                _ => return None,
            }
        };
        self.claimed = true;
        self.round += 1;
        Some(Due {
            round: self.round,
            at,
            work,
        })
    }

    /// The work that ends the batch: the lines not run yet go to the error file.
    fn close(&self, end: End, ids: &mut Ids) -> Work {
        let unrun = match end {
            End::Completed => Vec::new(),
            End::Cancelled | End::Expired => self.lines[self.next.min(self.lines.len())..]
                .iter()
                .map(|l| (*l, ids.unlisted("batch_req_").0))
                .collect(),
        };
        Work::Close {
            end,
            input: self.input.clone(),
            unrun,
            sinks: self.sinks.clone(),
        }
    }

    /// Applies the outcome of the work claimed as `round`, due `at`; the stored files (the
    /// output and error files) are made with `ids` and go to `files`.
    fn apply(
        &mut self,
        round: u32,
        at: Instant,
        done: Done,
        ids: &mut Ids,
        files: &mut std::collections::HashMap<String, StoredFile>,
    ) {
        use BatchResponseStatus::*;
        if !self.claimed || self.round != round {
            return;
        }
        self.claimed = false;
        let counts = self.resp.request_counts.get_or_insert(BatchRequestCounts {
            completed: 0,
            failed: 0,
            total: 0,
        });
        match done {
            Done::Validated(Ok(valid)) => {
                counts.total = valid.lines.len() as i64;
                self.lines = valid.lines;
                self.resp.model = valid.model;
                if self.resp.status == Validating {
                    self.resp.status = InProgress;
                    self.resp.in_progress_at = Some(self.unix(at));
                    self.since = at;
                }
            }
            Done::Validated(Err(errors)) => {
                if self.resp.status == Validating {
                    self.resp.status = Failed;
                    self.resp.failed_at = Some(self.unix(at));
                    self.resp.errors = Some(BatchResponseErrors {
                        data: Some(errors),
                        object: Some("list".into()),
                    });
                    self.since = at;
                }
            }
            Done::Ran {
                completed,
                failed,
                usage: [input, output],
            } => {
                counts.completed += completed;
                counts.failed += failed;
                let ran = usize::try_from(completed + failed).unwrap_or(0);
                self.next = (self.next + ran).min(self.lines.len());
                if let Some(u) = self.resp.usage.as_mut() {
                    u.input_tokens += input;
                    u.output_tokens += output;
                    u.total_tokens += input + output;
                }
                if self.resp.status == InProgress {
                    self.since = at;
                    if self.next >= self.lines.len() {
                        self.resp.status = Finalizing;
                        self.resp.finalizing_at = Some(self.unix(at));
                    }
                }
            }
            Done::Closed {
                end,
                output,
                errors,
                failure,
            } => {
                let when = self.unix(at);
                self.since = at;
                if let Some(message) = failure {
                    self.resp.status = Failed;
                    self.resp.failed_at = Some(when);
                    self.resp.errors = Some(BatchResponseErrors {
                        data: Some(vec![BatchError {
                            code: Some("server_error".into()),
                            line: None,
                            message: Some(message),
                            param: None,
                        }]),
                        object: Some("list".into()),
                    });
                    return;
                }
                let (batch_id, expiry) = (self.resp.id.clone(), self.output_expiry);
                let mut store_file = |file: Arc<SpoolFile>, kind: &str| {
                    let (id, seq) = ids.issue("file-");
                    let resp = FileResponse {
                        extra: Default::default(),
                        bytes: i64::try_from(file.len()).unwrap_or(i64::MAX),
                        created_at: when,
                        expires_at: expiry.map(|s| when + s),
                        filename: format!("{batch_id}_{kind}.jsonl"),
                        id: id.clone(),
                        object: FileResponseObject::File,
                        purpose: FileResponsePurpose::BatchOutput,
                        status: Some(FileResponseStatus::Processed),
                        status_details: None,
                    };
                    let content = Content::Spooled(Arc::new(vec![file]));
                    files.insert(id.clone(), StoredFile { seq, resp, content });
                    id
                };
                self.resp.output_file_id = output.map(|f| store_file(f, "output"));
                self.resp.error_file_id = errors.map(|f| store_file(f, "error"));
                match end {
                    End::Completed => {
                        self.resp.status = Completed;
                        self.resp.completed_at = Some(when);
                    }
                    End::Cancelled => {
                        self.resp.status = Cancelled;
                        self.resp.cancelled_at = Some(when);
                    }
                    End::Expired => {
                        self.resp.status = Expired;
                        self.resp.expired_at = Some(when);
                    }
                }
            }
        }
    }
}

/// The usage object of a batch with these input and output tokens.
fn usage([input, output]: [i64; 2]) -> BatchResponseUsage {
    BatchResponseUsage {
        input_tokens: input,
        input_tokens_details: BatchResponseUsageInputTokensDetails { cached_tokens: 0 },
        output_tokens: output,
        output_tokens_details: BatchResponseUsageOutputTokensDetails {
            reasoning_tokens: 0,
        },
        total_tokens: input + output,
    }
}

/// Brings batch `id` up to date: claims the work due, does it without holding the store,
/// applies it, and again until nothing more is due.
pub(crate) fn pump(session: &mut Session<'_>, id: &str) {
    let now = session.now();
    let per_step = session.config().batch_lines_per_step;
    loop {
        let due = session.with_store(|store| {
            let step = store.timing.step;
            let Store { batches, ids, .. } = store;
            batches.get_mut(id)?.claim(now.at, step, per_step, ids)
        });
        let Some(due) = due else { return };
        let Due { round, at, work } = due;
        let done = work_on(session, work);
        session.with_store(|store| {
            let Store {
                batches,
                ids,
                files,
                ..
            } = store;
            if let Some(batch) = batches.get_mut(id) {
                batch.apply(round, at, done, ids, files);
            }
        });
    }
}

/// Brings every unfinished batch up to date (for a list of batches).
pub(crate) fn pump_all(session: &mut Session<'_>) {
    let active: Vec<String> = session.with_store(|store| {
        store
            .batches
            .values()
            .filter(|b| b.is_active())
            .map(|b| b.resp.id.clone())
            .collect()
    });
    for id in active {
        pump(session, &id);
    }
}

/// Does a piece of work (the store is free: the session is ours).
fn work_on(session: &mut Session<'_>, work: Work) -> Done {
    match work {
        Work::Validate { input, endpoint } => Done::Validated(validate(&input, &endpoint)),
        Work::Run {
            input,
            endpoint,
            lines,
            sinks,
        } => {
            let (engine, spool) = (session.engine(), session.spool());
            let (mut completed, mut failed, mut tokens) = (0, 0, [0, 0]);
            for (line, id) in lines {
                let (custom_id, status, request_id, body) =
                    run_line(engine, &input, &endpoint, line);
                let ok = (200..300).contains(&status);
                if ok {
                    completed += 1;
                    let [input, output] = line_usage(&body);
                    tokens = [tokens[0] + input, tokens[1] + output];
                } else {
                    failed += 1;
                }
                let record = json!({
                    "id": id,
                    "custom_id": custom_id,
                    "response": {"status_code": status, "request_id": request_id, "body": body},
                    "error": null,
                });
                lock(&sinks).write(spool, !ok, &record);
            }
            Done::Ran {
                completed,
                failed,
                usage: tokens,
            }
        }
        Work::Close {
            end,
            input,
            unrun,
            sinks,
        } => {
            let spool = session.spool();
            let (code, message) = match end {
                End::Expired => (
                    "batch_expired",
                    "This request could not be executed before the completion window expired.",
                ),
                _ => (
                    "batch_cancelled",
                    "This request was not executed because the batch was cancelled.",
                ),
            };
            let mut sinks = lock(&sinks);
            for (line, id) in unrun {
                let custom_id = read_line(&input, line)
                    .ok()
                    .and_then(|v| v.get("custom_id").cloned())
                    .unwrap_or(Value::Null);
                let record = json!({
                    "id": id,
                    "custom_id": custom_id,
                    "response": null,
                    "error": {"code": code, "message": message},
                });
                sinks.write(spool, true, &record);
            }
            let mut failure = sinks.failure.take();
            let mut finish = |w: Option<SpoolWriter>| {
                w.and_then(|w| match w.finish() {
                    Ok(f) => Some(f),
                    Err(e) => {
                        failure.get_or_insert(format!(
                            "The batch's results could not be written: {e}."
                        ));
                        None
                    }
                })
            };
            let output = finish(sinks.output.take());
            let errors = finish(sinks.errors.take());
            Done::Closed {
                end,
                output,
                errors,
                failure,
            }
        }
    }
}

/// The sinks, whoever panicked while holding them.
fn lock(sinks: &Mutex<Sinks>) -> std::sync::MutexGuard<'_, Sinks> {
    sinks.lock().unwrap_or_else(|e| e.into_inner())
}

/// A request line read back as JSON.
fn read_line(input: &Content, line: LineRef) -> Result<Value, String> {
    let raw = input
        .read_at(line.offset, line.len)
        .map_err(|e| e.to_string())?;
    serde_json::from_slice(&raw).map_err(|e| e.to_string())
}

/// Runs one request line: its `custom_id`, the status, the request id and the body answered.
fn run_line(
    engine: &Engine,
    input: &Content,
    endpoint: &str,
    line: LineRef,
) -> (Value, u16, String, Value) {
    let request_id = engine.next_request_id();
    let failed = |f: Failure| {
        (
            f.status,
            serde_json::from_slice(&f.body()).unwrap_or_default(),
        )
    };
    let value = match read_line(input, line) {
        Ok(v) => v,
        Err(e) => {
            let f = Failure::server(format!("The request line could not be read again: {e}."));
            let (status, body) = failed(f);
            return (Value::Null, status, request_id, body);
        }
    };
    let custom_id = value.get("custom_id").cloned().unwrap_or(Value::Null);
    let body = value.get("body").cloned().unwrap_or_default();
    let (status, answer) = if body.get("stream") == Some(&Value::Bool(true)) {
        failed(
            Failure::invalid(
                "A batch request is answered whole: remove 'stream' or set it to false.",
            )
            .param("stream")
            .code("invalid_value"),
        )
    } else {
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let answered = catch_unwind(AssertUnwindSafe(|| {
            dispatch(
                engine,
                "POST",
                endpoint,
                "application/json",
                &mut Cursor::new(bytes),
            )
        }));
        match answered {
            Ok(Ok(reply)) if reply.events.is_none() && reply.download.is_none() => (
                reply.status,
                serde_json::from_slice(&reply.body).unwrap_or_default(),
            ),
            Ok(Ok(_)) => failed(Failure::server("The request was answered with a stream.")),
            Ok(Err(f)) => failed(f),
            Err(_) => failed(Failure::server(
                "The local engine failed while answering this request.",
            )),
        }
    };
    (custom_id, status, request_id, answer)
}

/// The input and output tokens an answer used (responses, chat completions, embeddings).
fn line_usage(body: &Value) -> [i64; 2] {
    let u = &body["usage"];
    let get = |k: &str| u[k].as_i64().unwrap_or(0);
    if u.get("input_tokens").is_some() {
        [get("input_tokens"), get("output_tokens")]
    } else {
        [get("prompt_tokens"), get("completion_tokens")]
    }
}

/// A batch error about a line (or the whole file when `line` is `None`).
fn error(code: &str, message: String, param: Option<&str>, line: Option<u64>) -> BatchError {
    BatchError {
        code: Some(code.into()),
        line: line.map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
        message: Some(message),
        param: param.map(str::to_string),
    }
}

/// Reads the input file and checks it as a whole (see the module documentation).
fn validate(input: &Content, endpoint: &str) -> Result<Validated, Vec<BatchError>> {
    let size = input.len();
    if size > MAX_INPUT_BYTES {
        return Err(vec![error(
            "file_too_large",
            format!("The batch input file has {size} bytes; the limit is {MAX_INPUT_BYTES}."),
            None,
            None,
        )]);
    }
    let mut reader = BufReader::with_capacity(64 << 10, input.reader());
    let mut buf = Vec::new();
    let (mut offset, mut number) = (0u64, 0u64);
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut model = None;
    let mut embedding_inputs = 0usize;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(|e| {
            vec![error(
                "server_error",
                format!("The batch input file could not be read: {e}."),
                None,
                None,
            )]
        })?;
        if n == 0 {
            break;
        }
        number += 1;
        let start = offset;
        offset += n as u64;
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if lines.len() + errors.len() >= MAX_LINES {
            errors.push(error(
                "too_many_requests",
                format!("A batch holds at most {MAX_LINES} requests."),
                None,
                Some(number),
            ));
            break;
        }
        match check_line(&buf, endpoint) {
            Ok(line) => {
                if !seen.insert(line.custom_id.clone()) {
                    errors.push(error(
                        "duplicate_custom_id",
                        format!(
                            "The custom_id '{}' is used by an earlier line: each request needs its own.",
                            line.custom_id
                        ),
                        Some("custom_id"),
                        Some(number),
                    ));
                }
                if model.is_none() {
                    model = line.model;
                }
                embedding_inputs += line.embedding_inputs;
                lines.push(LineRef {
                    offset: start,
                    len: n,
                });
            }
            Err((code, message, param)) => errors.push(error(code, message, param, Some(number))),
        }
        if errors.len() >= MAX_ERRORS {
            break;
        }
    }
    if errors.is_empty() && lines.is_empty() {
        errors.push(error(
            "empty_file",
            "The batch input file holds no requests.".into(),
            None,
            None,
        ));
    }
    if embedding_inputs > MAX_EMBEDDING_INPUTS {
        errors.push(error(
            "too_many_inputs",
            format!(
                "An embeddings batch takes at most {MAX_EMBEDDING_INPUTS} inputs across its requests; this one has {embedding_inputs}."
            ),
            None,
            None,
        ));
    }
    if errors.is_empty() {
        Ok(Validated { lines, model })
    } else {
        Err(errors)
    }
}

/// What validation keeps of a good line.
struct CheckedLine {
    custom_id: String,
    model: Option<String>,
    embedding_inputs: usize,
}

/// Checks one line's shape: `(code, message, param)` when it is wrong.
fn check_line(
    text: &[u8],
    endpoint: &str,
) -> Result<CheckedLine, (&'static str, String, Option<&'static str>)> {
    let value: Value = serde_json::from_slice(text).map_err(|e| {
        (
            "invalid_json_line",
            format!(
                "This line is not valid JSON ({e}): each line of a batch file is one JSON request."
            ),
            None,
        )
    })?;
    let Some(line) = value.as_object() else {
        return Err((
            "invalid_json_line",
            "This line is not a JSON object: each line of a batch file is one request, {\"custom_id\", \"method\", \"url\", \"body\"}.".into(),
            None,
        ));
    };
    let missing = |field: &'static str| {
        (
            "missing_required_parameter",
            format!("Missing required parameter: '{field}'."),
            Some(field),
        )
    };
    let custom_id = match line.get("custom_id") {
        None | Some(Value::Null) => return Err(missing("custom_id")),
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(_) => {
            return Err((
                "invalid_value",
                "'custom_id' must be a non-empty string.".into(),
                Some("custom_id"),
            ))
        }
    };
    match line.get("method") {
        None | Some(Value::Null) => return Err(missing("method")),
        Some(Value::String(m)) if m == "POST" => {}
        Some(other) => {
            return Err((
                "invalid_value",
                format!("Invalid 'method': {other}. Batch requests are POST requests."),
                Some("method"),
            ))
        }
    }
    match line.get("url") {
        None | Some(Value::Null) => return Err(missing("url")),
        Some(Value::String(u)) if u == endpoint => {}
        Some(other) => {
            return Err((
                "mismatched_endpoint",
                format!(
                    "The line's url {other} is not the batch's endpoint '{endpoint}': every request of a batch calls its endpoint."
                ),
                Some("url"),
            ))
        }
    }
    let body = match line.get("body") {
        None | Some(Value::Null) => return Err(missing("body")),
        Some(Value::Object(body)) => body,
        Some(_) => {
            return Err((
                "invalid_value",
                "'body' must be a JSON object: the request's body.".into(),
                Some("body"),
            ))
        }
    };
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .map(str::to_string);
    let embedding_inputs = match (endpoint, body.get("input")) {
        ("/v1/embeddings", Some(Value::Array(items))) => items.len(),
        ("/v1/embeddings", _) => 1,
        _ => 0,
    };
    Ok(CheckedLine {
        custom_id,
        model,
        embedding_inputs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The errors' codes and line numbers.
    type Codes = Vec<(String, Option<i64>)>;

    /// The lines of a valid file (where each starts, its length), or the errors' codes and
    /// line numbers.
    fn checked(input: &str, endpoint: &str) -> Result<Vec<(u64, usize)>, Codes> {
        validate(&Content::from(input.as_bytes().to_vec()), endpoint)
            .map(|v| v.lines.iter().map(|l| (l.offset, l.len)).collect())
            .map_err(|errors| {
                errors
                    .into_iter()
                    .map(|e| (e.code.unwrap_or_default(), e.line))
                    .collect()
            })
    }

    #[test]
    fn a_file_is_checked_as_a_whole_and_bad_lines_are_named() {
        let good = |id: &str| {
            format!(
                r#"{{"custom_id":"{id}","method":"POST","url":"/v1/embeddings","body":{{"model":"m","input":["a","b"]}}}}"#
            )
        };
        let (a, b) = (good("a"), good("b"));
        let file = format!("{a}\n\n{b}\r\n");
        let second = a.len() as u64 + 2;
        assert_eq!(
            checked(&file, "/v1/embeddings"),
            Ok(vec![(0, a.len() + 1), (second, b.len() + 2)])
        );
        let bad = [
            "not json".to_string(),
            "[1]".into(),
            r#"{"method":"POST","url":"/v1/embeddings","body":{}}"#.into(),
            r#"{"custom_id":"c","method":"GET","url":"/v1/embeddings","body":{}}"#.into(),
            r#"{"custom_id":"d","method":"POST","url":"/v1/responses","body":{}}"#.into(),
            r#"{"custom_id":"e","method":"POST","url":"/v1/embeddings","body":"x"}"#.into(),
            good("a"),
        ];
        let file = format!("{}\n{}\n", good("a"), bad.join("\n"));
        let codes = [
            "invalid_json_line",
            "invalid_json_line",
            "missing_required_parameter",
            "invalid_value",
            "mismatched_endpoint",
            "invalid_value",
            "duplicate_custom_id",
        ];
        let expected: Codes = codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.to_string(), Some(i as i64 + 2)))
            .collect();
        assert_eq!(checked(&file, "/v1/embeddings"), Err(expected));
        assert_eq!(
            checked(" \n\n", "/v1/embeddings"),
            Err(vec![("empty_file".into(), None)])
        );
    }

    #[test]
    fn usage_is_read_from_each_endpoint_shape() {
        let responses = json!({"usage": {"input_tokens": 3, "output_tokens": 4}});
        let chat = json!({"usage": {"prompt_tokens": 5, "completion_tokens": 6}});
        let embeddings = json!({"usage": {"prompt_tokens": 7, "total_tokens": 7}});
        assert_eq!(line_usage(&responses), [3, 4]);
        assert_eq!(line_usage(&chat), [5, 6]);
        assert_eq!(line_usage(&embeddings), [7, 0]);
        assert_eq!(line_usage(&json!({})), [0, 0]);
    }
}
