//! The Batch API's JSONL files: the request lines (typed: a line's body is the request type
//! the blocking method takes), a writer that streams them to disk and checks the API's limits
//! before anything is sent, and a reader of a finished batch's results, one typed outcome per
//! `custom_id`.
//!
//! The line format is not in OpenAI's OpenAPI document; it is the one the Batch API's guide
//! describes: `{"custom_id", "method": "POST", "url": "/v1/...", "body"}` in, and
//! `{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}` out.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::transport::FileSource;
use crate::types::*;
use crate::{ContentReader, Error, FileUploadRequest, OpenAIClient};

/// At most this many requests in one batch file.
pub const MAX_BATCH_LINES: usize = 50_000;
/// At most this many bytes in one batch file (200 MB, read as 200 × 10⁶: the stricter reading).
pub const MAX_BATCH_FILE_BYTES: u64 = 200_000_000;
/// At most this many embedding inputs across all the requests of an embeddings batch.
pub const MAX_BATCH_EMBEDDING_INPUTS: usize = 50_000;

/// The request of one batch line: which endpoint it calls, with the body the blocking method
/// for that endpoint takes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // lines are written one at a time
pub enum BatchRequest {
    /// `POST /v1/responses`.
    Response(ResponseCreateRequest),
    /// `POST /v1/chat/completions`.
    ChatCompletion(CompletionCreateRequest),
    /// `POST /v1/embeddings`.
    Embedding(EmbeddingCreateRequest),
}

impl BatchRequest {
    /// The `url` of the line, e.g. `/v1/responses`.
    #[inline]
    pub fn url(&self) -> &'static str {
        match self {
            BatchRequest::Response(_) => "/v1/responses",
            BatchRequest::ChatCompletion(_) => "/v1/chat/completions",
            BatchRequest::Embedding(_) => "/v1/embeddings",
        }
    }

    /// The endpoint a batch of such lines is created for.
    #[inline]
    pub fn endpoint(&self) -> BatchCreateRequestEndpoint {
        match self {
            BatchRequest::Response(_) => BatchCreateRequestEndpoint::V1Responses,
            BatchRequest::ChatCompletion(_) => BatchCreateRequestEndpoint::V1ChatCompletions,
            BatchRequest::Embedding(_) => BatchCreateRequestEndpoint::V1Embeddings,
        }
    }

    /// Whether the body asks for a stream, which a batch cannot give.
    #[inline]
    fn streams(&self) -> bool {
        match self {
            BatchRequest::Response(r) => r.stream == Some(true),
            BatchRequest::ChatCompletion(c) => c.stream == Some(true),
            BatchRequest::Embedding(_) => false,
        }
    }

    /// How many embedding inputs the body holds (0 for other endpoints).
    #[inline]
    fn embedding_inputs(&self) -> usize {
        let BatchRequest::Embedding(e) = self else {
            return 0;
        };
        match serde_json::to_value(&e.input) {
            Ok(Value::Array(items)) => items.len(),
            _ => 1,
        }
    }

    /// The request of a line read back: `body` as the type `url` calls for.
    #[inline]
    fn from_parts(url: &str, body: &RawValue) -> Result<Self, String> {
        let body = body.get().as_bytes();
        let decoded = match url {
            "/v1/responses" => serde_json::from_slice(body).map(BatchRequest::Response),
            "/v1/chat/completions" => {
                serde_json::from_slice(body).map(BatchRequest::ChatCompletion)
            }
            "/v1/embeddings" => serde_json::from_slice(body).map(BatchRequest::Embedding),
            other => {
                return Err(format!(
                    "`url` {other:?} is not one this SDK writes (/v1/responses, \
                     /v1/chat/completions, /v1/embeddings)"
                ))
            }
        };
        decoded.map_err(|e| format!("the body is not a request for {url}: {e}"))
    }
}

impl From<ResponseCreateRequest> for BatchRequest {
    #[inline]
    fn from(request: ResponseCreateRequest) -> Self {
        BatchRequest::Response(request)
    }
}

impl From<CompletionCreateRequest> for BatchRequest {
    #[inline]
    fn from(request: CompletionCreateRequest) -> Self {
        BatchRequest::ChatCompletion(request)
    }
}

impl From<EmbeddingCreateRequest> for BatchRequest {
    #[inline]
    fn from(request: EmbeddingCreateRequest) -> Self {
        BatchRequest::Embedding(request)
    }
}

/// The limits a [`BatchWriter`] enforces. [`BatchLimits::OPENAI`] (the default) holds
/// OpenAI's; another server's can be set with [`BatchWriter::with_limits`] (Azure OpenAI, for
/// one, takes more lines per file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchLimits {
    /// Requests per file.
    pub lines: usize,
    /// Bytes per file.
    pub bytes: u64,
    /// Embedding inputs across the requests of an embeddings batch.
    pub embedding_inputs: usize,
}

impl BatchLimits {
    /// OpenAI's limits: [`MAX_BATCH_LINES`], [`MAX_BATCH_FILE_BYTES`] and
    /// [`MAX_BATCH_EMBEDDING_INPUTS`].
    pub const OPENAI: BatchLimits = BatchLimits {
        lines: MAX_BATCH_LINES,
        bytes: MAX_BATCH_FILE_BYTES,
        embedding_inputs: MAX_BATCH_EMBEDDING_INPUTS,
    };

    /// Limits of `lines` requests, `bytes` bytes and `embedding_inputs` inputs.
    #[inline]
    pub fn new(lines: usize, bytes: u64, embedding_inputs: usize) -> Self {
        BatchLimits {
            lines,
            bytes,
            embedding_inputs,
        }
    }
}

impl Default for BatchLimits {
    #[inline]
    fn default() -> Self {
        Self::OPENAI
    }
}

/// One line of a batch input file: a request and the id its result will carry.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchLine {
    /// The caller's id for the request; unique within the file.
    pub custom_id: String,
    /// The request.
    pub request: BatchRequest,
}

impl Serialize for BatchLine {
    #[inline]
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut line = serializer.serialize_struct("BatchLine", 4)?;
        line.serialize_field("custom_id", &self.custom_id)?;
        line.serialize_field("method", "POST")?;
        line.serialize_field("url", self.request.url())?;
        match &self.request {
            BatchRequest::Response(body) => line.serialize_field("body", body)?,
            BatchRequest::ChatCompletion(body) => line.serialize_field("body", body)?,
            BatchRequest::Embedding(body) => line.serialize_field("body", body)?,
        }
        line.end()
    }
}

impl<'de> Deserialize<'de> for BatchLine {
    #[inline]
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            custom_id: String,
            method: String,
            url: String,
            body: Box<RawValue>,
        }
        let raw = Raw::deserialize(deserializer)?;
        if raw.method != "POST" {
            return Err(serde::de::Error::custom(format!(
                "`method` must be POST, not {:?}",
                raw.method
            )));
        }
        let request =
            BatchRequest::from_parts(&raw.url, &raw.body).map_err(serde::de::Error::custom)?;
        Ok(BatchLine {
            custom_id: raw.custom_id,
            request,
        })
    }
}

/// A batch input file that [`BatchWriter::finish`] completed: where it is, what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchFile {
    /// The file (its final path, for a writer made by [`BatchWriter::create`]).
    pub path: Option<PathBuf>,
    /// The endpoint every line calls (`None` for a file without lines).
    pub endpoint: Option<BatchCreateRequestEndpoint>,
    /// How many lines it has.
    pub lines: usize,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Writes batch lines as JSONL, one at a time (nothing is held but the ids seen), and refuses
/// a line that would break the Batch API's rules before anything is sent: more than
/// [`MAX_BATCH_LINES`] lines or [`MAX_BATCH_FILE_BYTES`] bytes, a `custom_id` used twice or
/// empty, a second endpoint, a body asking for a stream, more than
/// [`MAX_BATCH_EMBEDDING_INPUTS`] embedding inputs ([`BatchLimits`]). A refused line is not written, and the
/// error names it: the writer can go on, or the batch be split.
///
/// ```
/// use openai_blocking::*;
///
/// # fn main() -> Result<(), Error> {
/// # let dir = std::env::temp_dir().join(format!("batch-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let mut batch = BatchWriter::create(dir.join("requests.jsonl"))?;
/// for (id, question) in [("q1", "What is Rust?"), ("q2", "What is a borrow?")] {
///     batch.push(id, ResponseCreateRequest::text("gpt-4.1-mini", question))?;
/// }
/// let refused = batch.push("q1", ResponseCreateRequest::text("gpt-4.1-mini", "Again?"));
/// assert!(matches!(refused, Err(Error::InvalidBatchLine { line: 3, .. })));
/// let file = batch.finish()?;
/// assert_eq!((file.lines, file.endpoint), (2, Some(BatchCreateRequestEndpoint::V1Responses)));
/// // Then: client.submit_batch(&file, None)? uploads it and starts the batch.
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub struct BatchWriter<W: Write = BufWriter<File>> {
    /// `None` only once `finish` took it.
    out: Option<W>,
    /// For a file: the temporary path written, and the path it becomes on `finish`.
    paths: Option<(PathBuf, PathBuf)>,
    ids: HashSet<String>,
    endpoint: Option<BatchCreateRequestEndpoint>,
    lines: usize,
    bytes: u64,
    embedding_inputs: usize,
    limits: BatchLimits,
    buffer: Vec<u8>,
}

impl BatchWriter {
    /// A writer of the file at `path`, written under a temporary name beside it and renamed
    /// into place by [`finish`](Self::finish): a half-written file never carries the name.
    /// An existing file at `path` is an error (it may be an input of yours).
    #[inline]
    pub fn create(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref().to_path_buf();
        if path.exists() {
            return Err(Error::InvalidArgument {
                name: "path",
                message: format!(
                    "{} exists; a batch file is never written over",
                    path.display()
                ),
            });
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "batch.jsonl".into());
        let temporary = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
        let file = File::create(&temporary)?;
        let mut writer = BatchWriter::new(BufWriter::new(file));
        writer.paths = Some((temporary, path));
        Ok(writer)
    }
}

impl<W: Write> BatchWriter<W> {
    /// A writer of lines to `out` (a file, a buffer, a pipe).
    #[inline]
    pub fn new(out: W) -> Self {
        BatchWriter {
            out: Some(out),
            paths: None,
            ids: HashSet::new(),
            endpoint: None,
            lines: 0,
            bytes: 0,
            embedding_inputs: 0,
            limits: BatchLimits::OPENAI,
            buffer: Vec::new(),
        }
    }

    /// The same writer enforcing `limits` instead of OpenAI's.
    #[inline]
    pub fn with_limits(mut self, limits: BatchLimits) -> Self {
        self.limits = limits;
        self
    }

    /// How many lines have been written.
    #[inline]
    pub fn lines(&self) -> usize {
        self.lines
    }

    /// How many bytes have been written.
    #[inline]
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Writes one request as the next line, or refuses it with
    /// [`Error::InvalidBatchLine`] naming the line (1-based) and its `custom_id`.
    #[inline]
    pub fn push(
        &mut self,
        custom_id: impl Into<String>,
        request: impl Into<BatchRequest>,
    ) -> Result<(), Error> {
        self.push_line(BatchLine {
            custom_id: custom_id.into(),
            request: request.into(),
        })
    }

    /// Writes one line (e.g. read back from another file, to retry it).
    #[inline]
    pub fn push_line(&mut self, line: BatchLine) -> Result<(), Error> {
        let number = self.lines + 1;
        let refuse = |message: String| Error::InvalidBatchLine {
            line: number as u64,
            custom_id: Some(line.custom_id.clone()),
            message,
        };
        if line.custom_id.is_empty() {
            return Err(refuse("`custom_id` is empty".into()));
        }
        if self.ids.contains(&line.custom_id) {
            return Err(refuse(
                "`custom_id` is already used by an earlier line".into(),
            ));
        }
        if number > self.limits.lines {
            return Err(refuse(format!(
                "a batch file holds at most {} requests",
                self.limits.lines
            )));
        }
        let endpoint = line.request.endpoint();
        if let Some(first) = &self.endpoint {
            if *first != endpoint {
                return Err(refuse(format!(
                    "it calls {endpoint} but the file's earlier lines call {first}: one endpoint per batch"
                )));
            }
        }
        if line.request.streams() {
            return Err(refuse("`stream: true`: a batch answers whole".into()));
        }
        let inputs = line.request.embedding_inputs();
        if self.embedding_inputs + inputs > self.limits.embedding_inputs {
            return Err(refuse(format!(
                "an embeddings batch takes at most {} inputs across its requests",
                self.limits.embedding_inputs
            )));
        }
        self.buffer.clear();
        serde_json::to_writer(&mut self.buffer, &line).map_err(|e| refuse(e.to_string()))?;
        self.buffer.push(b'\n');
        let size = self.buffer.len() as u64;
        if self.bytes + size > self.limits.bytes {
            return Err(refuse(format!(
                "it would take the file past {} bytes",
                self.limits.bytes
            )));
        }
        let Some(out) = self.out.as_mut() else {
            return Err(refuse("an earlier write to the file failed".into()));
        };
        if let Err(e) = out.write_all(&self.buffer) {
            // The line may be half written: the file is not a batch any more.
            self.out = None;
            return Err(Error::Io(e));
        }
        self.bytes += size;
        self.lines = number;
        self.embedding_inputs += inputs;
        self.endpoint = Some(endpoint);
        self.ids.insert(line.custom_id);
        Ok(())
    }

    /// Flushes the lines (and, for a file, moves it to its name) and says what was written.
    /// After a failed write, the file is removed and the error returned again.
    #[inline]
    pub fn finish(mut self) -> Result<BatchFile, Error> {
        match self.out.take() {
            Some(mut out) => out.flush()?,
            None => {
                return Err(Error::Io(std::io::Error::other(
                    "an earlier write to the batch file failed",
                )))
            }
        }
        let path = match self.paths.take() {
            Some((temporary, path)) => {
                if path.exists() {
                    let _ = std::fs::remove_file(&temporary);
                    return Err(Error::InvalidArgument {
                        name: "path",
                        message: format!(
                            "{} appeared while the batch was written; it was left as it is",
                            path.display()
                        ),
                    });
                }
                if let Err(e) = std::fs::rename(&temporary, &path) {
                    let _ = std::fs::remove_file(&temporary);
                    return Err(Error::Io(e));
                }
                Some(path)
            }
            None => None,
        };
        Ok(BatchFile {
            path,
            endpoint: self.endpoint.take(),
            lines: self.lines,
            bytes: self.bytes,
        })
    }
}

impl<W: Write> Drop for BatchWriter<W> {
    /// A writer dropped before `finish` removes its temporary file.
    #[inline]
    fn drop(&mut self) {
        if let Some((temporary, _)) = self.paths.take() {
            let _ = std::fs::remove_file(temporary);
        }
    }
}

impl<W: Write> std::fmt::Debug for BatchWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchWriter")
            .field("path", &self.paths.as_ref().map(|(_, p)| p))
            .field("endpoint", &self.endpoint)
            .field("lines", &self.lines)
            .field("bytes", &self.bytes)
            .finish_non_exhaustive()
    }
}

/// Reads the lines of a batch input file back, one at a time (to pick some for a retry, or in
/// a server that runs batches). A line that is not a request this SDK knows is an
/// [`Error::InvalidBatchLine`] naming it; reading goes on after it.
pub fn read_batch_lines(reader: impl Read) -> impl Iterator<Item = Result<BatchLine, Error>> {
    jsonl(reader).map(|line| {
        let (number, text) = line?;
        serde_json::from_str::<BatchLine>(&text).map_err(|e| Error::InvalidBatchLine {
            line: number,
            custom_id: custom_id_of(&text),
            message: e.to_string(),
        })
    })
}

/// The non-empty lines of a JSONL stream, numbered from 1.
fn jsonl(reader: impl Read) -> impl Iterator<Item = Result<(u64, String), Error>> {
    BufReader::new(reader)
        .lines()
        .enumerate()
        .filter_map(|(i, line)| match line {
            Ok(text) if text.trim().is_empty() => None,
            Ok(text) => Some(Ok((i as u64 + 1, text))),
            Err(e) => Some(Err(Error::Io(e))),
        })
}

/// The `custom_id` of a line that did not decode whole, when it has one.
fn custom_id_of(text: &str) -> Option<String> {
    let value: Value = serde_json::from_str(text).ok()?;
    value.get("custom_id")?.as_str().map(str::to_owned)
}

/// What a batch request answered, typed by the batch's endpoint.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)]
pub enum BatchAnswer {
    /// The answer of `/v1/responses`.
    Response(ResponseObject),
    /// The answer of `/v1/chat/completions`.
    ChatCompletion(CompletionResponse),
    /// The answer of `/v1/embeddings`.
    Embedding(EmbeddingResponse),
    /// The answer of an endpoint this SDK does not type (moderations, images, ...), as JSON.
    Other(Value),
}

/// Why a batch request has no answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum BatchLineError {
    /// The request ran and the API answered with an error status.
    Api {
        /// The HTTP status the request got.
        status: u16,
        /// The request id of that call.
        request_id: Option<String>,
        /// The API's error object.
        error: ApiError,
    },
    /// The request did not run: the batch expired (`batch_expired`) or was cancelled
    /// (`batch_cancelled`) first, or another batch-level reason.
    NotRun {
        /// The reason's code.
        code: String,
        /// What the API said.
        message: String,
    },
}

impl BatchLineError {
    /// Whether the same request in a new batch may well succeed: it did not run (expired or
    /// cancelled), or it got 408, 409, 429 or a 5xx.
    #[inline]
    pub fn is_retryable(&self) -> bool {
        match self {
            BatchLineError::NotRun { .. } => true,
            BatchLineError::Api { status, .. } => {
                matches!(status, 408 | 409 | 429) || *status >= 500
            }
        }
    }
}

impl std::fmt::Display for BatchLineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BatchLineError::Api { status, error, .. } => {
                write!(f, "HTTP {status}: {}", error.message)
            }
            BatchLineError::NotRun { code, message } => write!(f, "not run ({code}): {message}"),
        }
    }
}

impl std::error::Error for BatchLineError {}

/// The outcome of one request of a batch, matched to its input by `custom_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchResult {
    /// The `custom_id` of the input line.
    pub custom_id: String,
    /// The id the Batch API gave the request (`batch_req_...`), when it gave one.
    pub id: Option<String>,
    /// The answer, or why there is none.
    pub outcome: Result<BatchAnswer, BatchLineError>,
}

/// Opens a file of results when its turn comes.
type Opener = Box<dyn FnOnce() -> Result<Box<dyn Read + Send>, Error> + Send>;
/// The numbered lines of the file being read.
type Lines = Box<dyn Iterator<Item = Result<(u64, String), Error>> + Send>;

/// Reads a batch's output file and then its error file, one line at a time; made by
/// [`OpenAIClient::batch_results`]. Results come in the files' order, which is not the input
/// order: match them by `custom_id`. A line that cannot be read is an
/// [`Error::InvalidBatchLine`] naming the file and line, and reading goes on.
#[must_use = "iterators are lazy: nothing is read until it is used"]
pub struct BatchResults {
    files: std::vec::IntoIter<(String, Opener)>,
    current: Option<(String, Lines)>,
    endpoint: String,
}

impl BatchResults {
    /// Results read from `readers` (output file first, then error file), named for errors by
    /// their file ids, for a batch whose endpoint is `endpoint` (e.g. `/v1/responses`).
    #[inline]
    pub fn from_readers(
        endpoint: impl Into<String>,
        readers: Vec<(String, Box<dyn Read + Send>)>,
    ) -> Self {
        let files = readers
            .into_iter()
            .map(|(name, reader)| (name, Box::new(move || Ok(reader)) as Opener))
            .collect();
        Self::from_openers(endpoint.into(), files)
    }

    #[inline]
    fn from_openers(endpoint: String, files: Vec<(String, Opener)>) -> Self {
        BatchResults {
            files: files.into_iter(),
            current: None,
            endpoint,
        }
    }

    #[inline]
    fn decode(&self, file: &str, number: u64, text: &str) -> Result<BatchResult, Error> {
        #[derive(Deserialize)]
        struct Line {
            #[serde(default)]
            id: Option<String>,
            custom_id: String,
            #[serde(default)]
            response: Option<Reply>,
            #[serde(default)]
            error: Option<NotRun>,
        }
        #[derive(Deserialize)]
        struct Reply {
            status_code: u16,
            #[serde(default)]
            request_id: Option<String>,
            body: Option<Box<RawValue>>,
        }
        impl Reply {
            /// The body's JSON text (`null` when the line has none).
            #[inline]
            fn body_bytes(&self) -> &[u8] {
                self.body.as_ref().map_or(b"null", |b| b.get().as_bytes())
            }
        }
        #[derive(Deserialize)]
        struct NotRun {
            #[serde(default)]
            code: Option<String>,
            #[serde(default)]
            message: Option<String>,
        }
        let invalid = |message: String| Error::InvalidBatchLine {
            line: number,
            custom_id: custom_id_of(text),
            message: format!("{file}: {message}"),
        };
        let line: Line = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let outcome = match (line.response, line.error) {
            (Some(reply), _) if (200..300).contains(&reply.status_code) => Ok(self
                .answer(reply.body_bytes())
                .map_err(|e| invalid(e.to_string()))?),
            (Some(reply), _) => {
                #[derive(Deserialize)]
                struct Wrapped {
                    error: ApiError,
                }
                let error = serde_json::from_slice::<Wrapped>(reply.body_bytes())
                    .map(|w| w.error)
                    .unwrap_or_else(|_| ApiError {
                        code: None,
                        message: String::from_utf8_lossy(reply.body_bytes()).into_owned(),
                        param: None,
                        type_: String::new(),
                    });
                Err(BatchLineError::Api {
                    status: reply.status_code,
                    request_id: reply.request_id,
                    error,
                })
            }
            (None, Some(error)) => Err(BatchLineError::NotRun {
                code: error.code.unwrap_or_default(),
                message: error.message.unwrap_or_default(),
            }),
            (None, None) => {
                return Err(invalid(
                    "the line has neither a response nor an error".into(),
                ))
            }
        };
        Ok(BatchResult {
            custom_id: line.custom_id,
            id: line.id,
            outcome,
        })
    }

    #[inline]
    fn answer(&self, body: &[u8]) -> Result<BatchAnswer, serde_json::Error> {
        Ok(match self.endpoint.as_str() {
            "/v1/responses" => BatchAnswer::Response(serde_json::from_slice(body)?),
            "/v1/chat/completions" => BatchAnswer::ChatCompletion(serde_json::from_slice(body)?),
            "/v1/embeddings" => BatchAnswer::Embedding(serde_json::from_slice(body)?),
            _ => BatchAnswer::Other(serde_json::from_slice(body)?),
        })
    }
}

impl Iterator for BatchResults {
    type Item = Result<BatchResult, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((file, lines)) = self.current.as_mut() {
                match lines.next() {
                    Some(Ok((number, text))) => {
                        let file = file.clone();
                        return Some(self.decode(&file, number, &text));
                    }
                    Some(Err(e)) => return Some(Err(e)),
                    None => self.current = None,
                }
            }
            let (file, open) = self.files.next()?;
            match open() {
                Ok(reader) => self.current = Some((file, Box::new(jsonl(reader)))),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl std::fmt::Debug for BatchResults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchResults")
            .field("endpoint", &self.endpoint)
            .field("reading", &self.current.as_ref().map(|(file, _)| file))
            .finish_non_exhaustive()
    }
}

impl OpenAIClient {
    /// Uploads a batch input file that a [`BatchWriter`] finished (purpose `batch`, streamed
    /// from disk) and starts the batch over it, to be done within 24 hours; `metadata` tags it.
    #[inline]
    pub fn submit_batch(
        &self,
        file: &BatchFile,
        metadata: Option<Metadata>,
    ) -> Result<BatchResponse, Error> {
        let (Some(path), Some(endpoint)) = (&file.path, &file.endpoint) else {
            return Err(Error::InvalidArgument {
                name: "file",
                message: "the batch file has no lines, or was not written to a path".into(),
            });
        };
        let uploaded =
            self.create_file(FileUploadRequest::new("batch", FileSource::from_path(path)))?;
        self.create_batch(&BatchCreateRequest {
            metadata,
            ..BatchCreateRequest::new(uploaded.id, endpoint.clone())
        })
    }

    /// The results of a batch: its output file, then its error file, each downloaded as a
    /// stream when its turn comes (a file's lines are not held in memory), each line typed by
    /// the batch's endpoint. A batch that has neither file yet gives no results.
    #[inline]
    pub fn batch_results(&self, batch: &BatchResponse) -> BatchResults {
        let files = [&batch.output_file_id, &batch.error_file_id]
            .into_iter()
            .flatten()
            .map(|id| {
                let (client, file_id) = (self.clone(), id.clone());
                let open: Opener = Box::new(move || {
                    let reader: ContentReader = client.get_file_content_reader(&file_id)?;
                    Ok(Box::new(reader) as Box<dyn Read + Send>)
                });
                (id.clone(), open)
            })
            .collect();
        BatchResults::from_openers(batch.endpoint.clone(), files)
    }
}
