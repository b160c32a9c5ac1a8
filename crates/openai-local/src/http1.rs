//! The engine's HTTP/1.1 layer: one connection served by the thread that owns it.
//!
//! [`serve`] reads a request head into the connection's buffer (bounded: [`MAX_HEAD`] bytes,
//! [`MAX_HEADERS`] fields), parses it with `httparse`, hands the handler its body as a
//! [`Read`] (a `Content-Length` body or a chunked one, with `100 Continue` sent at the first
//! read when the client asked for it), drains what the handler left of the body, writes the
//! answer and goes on with the next request of the connection (keep-alive, pipelining). Heads
//! that cannot be parsed get a JSON error and the connection is closed.
//!
//! Nothing is handed to another thread: the connection's thread reads, answers and writes. The
//! buffers (input, output, the head's fields) live as long as the connection and are reused
//! from one request to the next.
//!
//! The code is generic over the reader and the writer, so that tests can run it on bytes in
//! memory.

use std::io::{self, IoSlice, Read, Write};
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

use super::engine::Engine;
use super::http::{self, Answer, AnswerBody, Failure};
use super::spool::Content;
use super::sse::EventWriter;

/// The largest request head (request line and header fields), in bytes; also the size of a
/// connection's input buffer.
pub(crate) const MAX_HEAD: usize = 64 << 10;
/// The most header fields a request may have.
pub(crate) const MAX_HEADERS: usize = 96;
/// The longest chunk-size line (with its extensions) of a chunked body.
const MAX_CHUNK_LINE: usize = 4 << 10;
/// What is read of a body the handler left unread before the connection is given up.
const DRAIN_LIMIT: u64 = 1 << 20;
/// Bodies up to this size are copied behind the head and sent with it in one write; larger
/// ones are sent beside it with one vectored write.
const INLINE_BODY: usize = 32 << 10;
/// What the output buffer holds before it is written out (the events of a stream, a file).
const OUTPUT_BUFFER: usize = 64 << 10;

/// What a connection's thread shares with the server.
pub(crate) struct Connection<'a> {
    /// The engine answering.
    pub engine: &'a Engine,
    /// Set when the server stops: the connection ends after its current answer.
    pub stopping: &'a AtomicBool,
    /// Set by the connection while it answers a request (from its head to its answer's last
    /// byte), so that a stopping server closes only idle connections.
    pub busy: &'a AtomicBool,
    /// The number of requests answered at once, when limited.
    pub permits: Option<&'a Permits>,
}

/// How a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Nothing more to read: the socket can be closed.
    Clean,
    /// The client may still be sending (a body not read, a bad head): the socket should stop
    /// writing and read what comes for a while before it is closed, so that the client gets
    /// the answer rather than a reset.
    Unread,
}

/// Serves the requests that come on `reader`, writing the answers to `writer`, until the
/// client closes the connection, asks for it to be closed, sends what cannot be parsed, or
/// the server stops.
pub(crate) fn serve<R: Read, W: Write>(reader: R, writer: W, conn: &Connection<'_>) -> Ending {
    let mut input = Input::new(reader);
    let mut out = Output::new(writer);
    let mut head = Head::default();
    let mut date = DateCache::default();
    loop {
        match input.read_head(&mut head) {
            Ok(()) => {}
            Err(HeadError::Closed) => return Ending::Clean,
            Err(HeadError::Bad(failure)) => {
                let answer = Answer::failure(&failure);
                let _ = write_answer(&mut out, conn.engine, answer, &head, false, &mut date);
                return Ending::Unread;
            }
        }
        conn.busy.store(true, Ordering::SeqCst);
        let permit = conn.permits.map(Permits::acquire);
        let (answer, body_read) = {
            let mut body = Body::new(&mut input, &mut out, &head);
            let answer = catch_unwind(AssertUnwindSafe(|| {
                http::handle(conn.engine, &head, &mut body)
            }))
            .unwrap_or_else(|_| Answer::panicked());
            (answer, body.finish())
        };
        let keep_alive = body_read && head.keeps_alive() && !conn.stopping.load(Ordering::SeqCst);
        let written = write_answer(&mut out, conn.engine, answer, &head, keep_alive, &mut date);
        drop(permit);
        conn.busy.store(false, Ordering::SeqCst);
        if written.is_err() {
            return Ending::Clean;
        }
        if !body_read {
            return Ending::Unread;
        }
        // Read after `busy` is cleared: a stopping server either sees this connection idle
        // (and closes it) or the connection sees the server stopping here.
        if !keep_alive || conn.stopping.load(Ordering::SeqCst) {
            return Ending::Clean;
        }
    }
}

/// What the engine needs of a request head, in buffers reused from one request to the next.
#[derive(Debug, Default)]
pub(crate) struct Head {
    /// The method, in capitals.
    pub method: String,
    /// The request target: the path and the query string.
    pub target: String,
    /// The minor version: 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor: u8,
    /// The `Authorization` field (the first one), empty when there is none.
    pub authorization: String,
    /// The `OpenAI-Beta` fields, joined with commas.
    pub beta: String,
    /// The `Content-Type` field (the first one), empty when there is none.
    pub content_type: String,
    /// The `Content-Length`, when given.
    length: Option<u64>,
    /// The body is chunked.
    chunked: bool,
    /// `Connection: close`.
    close: bool,
    /// `Connection: keep-alive` (for HTTP/1.0).
    keep_alive: bool,
    /// `Expect: 100-continue` (HTTP/1.1).
    expect_continue: bool,
}

impl Head {
    fn clear(&mut self) {
        self.method.clear();
        self.target.clear();
        self.minor = 1;
        self.authorization.clear();
        self.beta.clear();
        self.content_type.clear();
        self.length = None;
        self.chunked = false;
        self.close = false;
        self.keep_alive = false;
        self.expect_continue = false;
    }

    /// Takes what the engine needs from a parsed head; a head whose body cannot be framed is
    /// a failure.
    fn take(&mut self, request: &httparse::Request<'_, '_>) -> Result<(), Failure> {
        self.clear();
        self.method.push_str(request.method.unwrap_or(""));
        self.method.make_ascii_uppercase();
        self.target.push_str(request.path.unwrap_or(""));
        self.minor = request.version.unwrap_or(1);
        let mut transfer_coding = false;
        for field in request.headers.iter() {
            let name = field.name;
            let value = field.value.trim_ascii();
            if name.eq_ignore_ascii_case("content-length") {
                let length = parse_length(value).ok_or_else(|| {
                    Failure::invalid("The Content-Length header is not a number of bytes.")
                })?;
                if self.length.is_some_and(|l| l != length) {
                    return Err(Failure::invalid(
                        "The request has Content-Length headers that disagree.",
                    ));
                }
                self.length = Some(length);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                transfer_coding = true;
                for coding in value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
                    if coding.is_empty() {
                        continue;
                    }
                    if !coding.eq_ignore_ascii_case(b"chunked") {
                        return Err(Failure::new(
                            501,
                            "The only transfer coding this server reads is 'chunked'.",
                        ));
                    }
                    if self.chunked {
                        return Err(Failure::invalid("The body is chunked more than once."));
                    }
                    self.chunked = true;
                }
            } else if name.eq_ignore_ascii_case("connection") {
                for token in value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
                    if token.eq_ignore_ascii_case(b"close") {
                        self.close = true;
                    } else if token.eq_ignore_ascii_case(b"keep-alive") {
                        self.keep_alive = true;
                    }
                }
            } else if name.eq_ignore_ascii_case("expect") {
                self.expect_continue = value.eq_ignore_ascii_case(b"100-continue");
            } else if name.eq_ignore_ascii_case("authorization") {
                if self.authorization.is_empty() {
                    push_text(&mut self.authorization, value);
                }
            } else if name.eq_ignore_ascii_case("openai-beta") {
                if !self.beta.is_empty() {
                    self.beta.push(',');
                }
                push_text(&mut self.beta, value);
            } else if name.eq_ignore_ascii_case("content-type") && self.content_type.is_empty() {
                push_text(&mut self.content_type, value);
            }
        }
        if transfer_coding {
            if self.minor == 0 {
                return Err(Failure::invalid(
                    "HTTP/1.0 requests cannot have a Transfer-Encoding.",
                ));
            }
            if !self.chunked {
                return Err(Failure::invalid("The Transfer-Encoding header is empty."));
            }
            if self.length.is_some() {
                return Err(Failure::invalid(
                    "The request has both a Content-Length and a Transfer-Encoding.",
                ));
            }
        }
        if self.minor == 0 {
            self.expect_continue = false;
        }
        Ok(())
    }

    /// Whether the connection stays open after this request's answer.
    fn keeps_alive(&self) -> bool {
        !self.close && (self.minor >= 1 || self.keep_alive)
    }

    /// A `HEAD` request: the answer's head only.
    fn is_head(&self) -> bool {
        self.method == "HEAD"
    }
}

/// Appends a field value as text (bytes that are not UTF-8 replaced).
fn push_text(to: &mut String, value: &[u8]) {
    match std::str::from_utf8(value) {
        Ok(text) => to.push_str(text),
        Err(_) => to.push_str(&String::from_utf8_lossy(value)),
    }
}

/// A `Content-Length` value: decimal digits only, within `u64`.
fn parse_length(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |n, &b| {
        if b.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

/// Why no request head was read.
enum HeadError {
    /// The client closed the connection (or it failed) before a whole head came.
    Closed,
    /// The head cannot be served; the failure is the answer, then the connection is closed.
    Bad(Failure),
}

/// The reading side of a connection: the reader and a buffer of what was read from it and
/// not consumed yet (the rest of a head, a body's first bytes, pipelined requests).
struct Input<R> {
    inner: R,
    buf: Box<[u8]>,
    /// The unconsumed bytes are `buf[pos..end]`.
    pos: usize,
    end: usize,
}

impl<R: Read> Input<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            buf: vec![0; MAX_HEAD].into_boxed_slice(),
            pos: 0,
            end: 0,
        }
    }

    /// Reads more bytes into the buffer (moving what is unconsumed to its start when there is
    /// no room after it); 0 at the end of the input.
    fn fill(&mut self) -> io::Result<usize> {
        if self.pos == self.end {
            self.pos = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.end == self.buf.len() {
            return Err(invalid_data("the input buffer is full"));
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(n) => {
                    self.end += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads and parses the next request head into `head`.
    fn read_head(&mut self, head: &mut Head) -> Result<(), HeadError> {
        head.clear();
        loop {
            let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut request = httparse::Request::new(&mut fields);
            match request.parse(&self.buf[self.pos..self.end]) {
                Ok(httparse::Status::Complete(len)) => {
                    let taken = head.take(&request);
                    self.pos += len;
                    return taken.map_err(HeadError::Bad);
                }
                Ok(httparse::Status::Partial) => {
                    if self.end - self.pos >= MAX_HEAD {
                        return Err(HeadError::Bad(Failure::new(
                            431,
                            format!("The request head is larger than {MAX_HEAD} bytes."),
                        )));
                    }
                }
                Err(httparse::Error::TooManyHeaders) => {
                    return Err(HeadError::Bad(Failure::new(
                        431,
                        format!("The request has more than {MAX_HEADERS} header fields."),
                    )))
                }
                Err(e) => {
                    return Err(HeadError::Bad(Failure::invalid(format!(
                        "The request head could not be parsed: {e}."
                    ))));
                }
            }
            match self.fill() {
                Ok(0) | Err(_) => return Err(HeadError::Closed),
                Ok(_) => {}
            }
        }
    }

    /// Up to `limit` bytes into `out`; 0 at the end of the input.
    fn read_at_most(&mut self, out: &mut [u8], limit: u64) -> io::Result<usize> {
        let want = out.len().min(usize::try_from(limit).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        if self.pos == self.end {
            if want >= self.buf.len() / 4 {
                // A large read goes straight into the caller's buffer.
                loop {
                    match self.inner.read(&mut out[..want]) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        other => return other,
                    }
                }
            }
            if self.fill()? == 0 {
                return Ok(0);
            }
        }
        let n = want.min(self.end - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }

    /// The next line, up to and with its `\n`, as a range of the buffer (valid until the next
    /// read); an error when no `\n` comes within `max` bytes or before the end of the input.
    fn line(&mut self, max: usize) -> io::Result<Range<usize>> {
        let mut searched = 0;
        loop {
            let unread = &self.buf[self.pos..self.end];
            if let Some(i) = unread[searched..].iter().position(|&b| b == b'\n') {
                let start = self.pos;
                self.pos += searched + i + 1;
                if self.pos - start > max {
                    return Err(invalid_data("a line of the chunked body is too long"));
                }
                return Ok(start..self.pos);
            }
            if unread.len() >= max {
                return Err(invalid_data("a line of the chunked body is too long"));
            }
            searched = unread.len();
            if self.fill()? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the chunked body ended early",
                ));
            }
        }
    }
}

fn invalid_data(message: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// How the body is framed, and how much of it is left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    /// `Content-Length`: this many bytes left.
    Length(u64),
    /// Chunked, at this point.
    Chunked(Chunk),
    /// Reading failed: where the next request starts is unknown.
    Failed,
}

/// Where a chunked body's reader is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chunk {
    /// Before a chunk-size line.
    Size,
    /// In a chunk's data, with this many bytes left.
    Data(u64),
    /// Before the CRLF that ends a chunk's data.
    DataEnd,
    /// In the trailer section, this many bytes of it read.
    Trailers(usize),
    /// After the body.
    Done,
}

/// A request body, as the handler reads it.
pub(crate) struct Body<'c, R, W> {
    input: &'c mut Input<R>,
    out: &'c mut Output<W>,
    framing: Framing,
    /// `Expect: 100-continue` not answered yet: `100 Continue` goes out at the first read.
    continue_pending: bool,
}

impl<'c, R: Read, W: Write> Body<'c, R, W> {
    fn new(input: &'c mut Input<R>, out: &'c mut Output<W>, head: &Head) -> Self {
        let framing = if head.chunked {
            Framing::Chunked(Chunk::Size)
        } else {
            Framing::Length(head.length.unwrap_or(0))
        };
        Self {
            input,
            out,
            framing,
            continue_pending: head.expect_continue,
        }
    }

    fn is_done(&self) -> bool {
        matches!(
            self.framing,
            Framing::Length(0) | Framing::Chunked(Chunk::Done)
        )
    }

    /// Reads what the handler left of the body (up to [`DRAIN_LIMIT`] bytes); whether the
    /// body was read to its end, so that the connection can carry the next request.
    fn finish(mut self) -> bool {
        if self.is_done() {
            return true;
        }
        if self.continue_pending {
            // The client waits for a word before it sends the body: it gets the answer
            // instead, and the connection is closed.
            return false;
        }
        let _ = io::copy(&mut (&mut self).take(DRAIN_LIMIT), &mut io::sink());
        self.is_done()
    }

    fn read_chunked(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            let Framing::Chunked(state) = &mut self.framing else {
                return Ok(0);
            };
            match *state {
                Chunk::Size => {
                    let line = self.input.line(MAX_CHUNK_LINE)?;
                    let size = chunk_size(&self.input.buf[line])?;
                    *state = if size == 0 {
                        Chunk::Trailers(0)
                    } else {
                        Chunk::Data(size)
                    };
                }
                Chunk::Data(left) => {
                    let n = self.input.read_at_most(out, left)?;
                    if n == 0 {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the chunked body ended early",
                        ));
                    }
                    let left = left - n as u64;
                    *state = if left == 0 {
                        Chunk::DataEnd
                    } else {
                        Chunk::Data(left)
                    };
                    return Ok(n);
                }
                Chunk::DataEnd => {
                    let line = self.input.line(2)?;
                    if &self.input.buf[line] != b"\r\n" {
                        return Err(invalid_data("a chunk's data is not followed by CRLF"));
                    }
                    *state = Chunk::Size;
                }
                Chunk::Trailers(read) => {
                    let line = self.input.line(MAX_HEAD)?;
                    let read = read + line.len();
                    if read > MAX_HEAD {
                        return Err(invalid_data("the chunked body's trailers are too long"));
                    }
                    let line = &self.input.buf[line];
                    *state = if line == b"\r\n" || line == b"\n" {
                        Chunk::Done
                    } else {
                        Chunk::Trailers(read)
                    };
                }
                Chunk::Done => return Ok(0),
            }
        }
    }
}

impl<R: Read, W: Write> Read for Body<'_, R, W> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.is_done() {
            return Ok(0);
        }
        if self.continue_pending {
            self.continue_pending = false;
            self.out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
            self.out.flush()?;
        }
        let read = match self.framing {
            Framing::Length(left) => match self.input.read_at_most(out, left) {
                Ok(0) => Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the body ended before its Content-Length",
                )),
                Ok(n) => {
                    self.framing = Framing::Length(left - n as u64);
                    Ok(n)
                }
                Err(e) => Err(e),
            },
            Framing::Chunked(_) => self.read_chunked(out),
            Framing::Failed => Err(io::Error::other("the body could not be read")),
        };
        if read.is_err() {
            self.framing = Framing::Failed;
        }
        read
    }
}

/// The size of a chunk from its size line (`HEX[;extensions]CRLF`).
fn chunk_size(line: &[u8]) -> io::Result<u64> {
    let line = line
        .strip_suffix(b"\r\n")
        .ok_or_else(|| invalid_data("a chunk-size line does not end with CRLF"))?;
    let digits = match line.iter().position(|&b| b == b';') {
        Some(i) => &line[..i],
        None => line,
    };
    let digits = match digits.iter().rposition(|&b| b != b' ' && b != b'\t') {
        Some(last) => &digits[..=last],
        None => &[],
    };
    if digits.is_empty() || digits.len() > 16 {
        return Err(invalid_data("a chunk size is not 1 to 16 hex digits"));
    }
    digits.iter().try_fold(0u64, |size, &b| {
        let digit = (b as char)
            .to_digit(16)
            .ok_or_else(|| invalid_data("a chunk size is not hexadecimal"))?;
        Ok(size << 4 | u64::from(digit))
    })
}

/// The writing side of a connection: answers are put together in a buffer and written with
/// as few calls as possible (a head and a small body in one).
pub(crate) struct Output<W> {
    inner: W,
    buf: Vec<u8>,
}

impl<W: Write> Output<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            buf: Vec::with_capacity(INLINE_BODY + 1024),
        }
    }

    /// Writes the buffer out, then `tail` (both in one vectored write where the writer can).
    fn write_out(&mut self, tail: &[u8]) -> io::Result<()> {
        let mut slices = [IoSlice::new(&self.buf), IoSlice::new(tail)];
        let mut left = &mut slices[..];
        IoSlice::advance_slices(&mut left, 0);
        let mut result = Ok(());
        while !left.is_empty() {
            match self.inner.write_vectored(left) {
                Ok(0) => {
                    result = Err(io::ErrorKind::WriteZero.into());
                    break;
                }
                Ok(n) => IoSlice::advance_slices(&mut left, n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        self.buf.clear();
        result
    }
}

impl<W: Write> Write for Output<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buf.len() + data.len() > OUTPUT_BUFFER {
            self.write_out(data)?;
        } else {
            self.buf.extend_from_slice(data);
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_out(&[])?;
        self.inner.flush()
    }
}

/// Writes an answer: its head, then its body (whole, with a `Content-Length`) or its events
/// (HTTP/1.1 chunks as they come; whole, once they are done, for HTTP/1.0).
fn write_answer<W: Write>(
    out: &mut Output<W>,
    engine: &Engine,
    answer: Answer,
    head: &Head,
    keep_alive: bool,
    date: &mut DateCache,
) -> io::Result<()> {
    let minor = head.minor.min(1);
    let Answer {
        status,
        content_type,
        served,
        body,
    } = answer;
    out.buf.clear();
    write!(
        out.buf,
        "HTTP/1.{minor} {status} {}\r\nDate: ",
        reason(status)
    )?;
    out.buf.extend_from_slice(date.now());
    out.buf.extend_from_slice(b"\r\nContent-Type: ");
    out.buf.extend_from_slice(content_type.as_bytes());
    out.buf.extend_from_slice(b"\r\n");
    if let Some((request_id, processing_ms)) = served {
        let poll_ms = engine.config().timing.step.as_millis().max(1);
        write!(
            out.buf,
            "x-request-id: {request_id}\r\nopenai-poll-after-ms: {poll_ms}\r\n\
             openai-processing-ms: {processing_ms}\r\n"
        )?;
    }
    if !keep_alive {
        out.buf.extend_from_slice(b"Connection: close\r\n");
    } else if minor == 0 {
        out.buf.extend_from_slice(b"Connection: keep-alive\r\n");
    }
    let content = match body {
        AnswerBody::Whole(content) => content,
        AnswerBody::Events(events) => {
            let mut session = engine.session();
            if minor == 0 || head.is_head() {
                out.buf.extend_from_slice(b"Cache-Control: no-cache\r\n");
                Content::from(events.collect(&mut session))
            } else {
                out.buf.extend_from_slice(
                    b"Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n",
                );
                // A failed write is seen again at the first event, which then stops writing;
                // the events are produced all the same, so that the run they drive is
                // finished.
                let sent = out.flush();
                let mut writer = EventWriter::chunked(&mut *out);
                events.produce(&mut session, &mut writer);
                writer.finish();
                return sent.and_then(|()| out.flush());
            }
        }
    };
    write!(out.buf, "Content-Length: {}\r\n\r\n", content.len())?;
    if head.is_head() {
        return out.write_out(&[]);
    }
    match content {
        Content::Memory(bytes) if bytes.len() <= INLINE_BODY => {
            out.buf.extend_from_slice(&bytes);
            out.write_out(&[])
        }
        Content::Memory(bytes) => out.write_out(&bytes),
        spooled => {
            io::copy(&mut spooled.reader(), out)?;
            out.flush()
        }
    }
}

/// The reason phrase of a status code.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        417 => "Expectation Failed",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// The `Date` of answers, formatted once a second.
#[derive(Default)]
struct DateCache {
    secs: u64,
    text: [u8; 29],
}

impl DateCache {
    /// The current time as an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
    fn now(&mut self) -> &[u8] {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if secs != self.secs || self.text[0] == 0 {
            self.secs = secs;
            http_date(secs, &mut self.text);
        }
        &self.text
    }
}

/// Formats `secs` after the Unix epoch as an HTTP date (RFC 9110's IMF-fixdate).
fn http_date(secs: u64, out: &mut [u8; 29]) {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs / 86_400;
    let in_day = secs % 86_400;
    // The civil date of a day number (Howard Hinnant's `civil_from_days`), from 1970-01-01;
    // the era is never negative here.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    let mut w = &mut out[..];
    let _ = write!(
        w,
        "{}, {day:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[(days as usize + 4) % 7],
        MONTHS[(month - 1) as usize],
        year % 10_000,
        in_day / 3600,
        in_day / 60 % 60,
        in_day % 60
    );
}

/// A limit on the requests answered at once: a request takes a permit before its handler
/// runs and gives it back once its answer is written.
pub(crate) struct Permits {
    /// The free permits, and the connections waiting for one.
    state: Mutex<(usize, usize)>,
    freed: Condvar,
}

impl Permits {
    /// `n` permits.
    pub fn new(n: usize) -> Self {
        Self {
            state: Mutex::new((n, 0)),
            freed: Condvar::new(),
        }
    }

    /// Takes a permit, waiting for one when none is free.
    pub fn acquire(&self) -> Permit<'_> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while state.0 == 0 {
            state.1 += 1;
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.1 -= 1;
        }
        state.0 -= 1;
        Permit(self)
    }
}

/// A permit taken; dropping it gives it back.
pub(crate) struct Permit<'a>(&'a Permits);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut state = self.0.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.0 += 1;
        // Waking costs a system call: only when someone waits.
        if state.1 > 0 {
            self.0.freed.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(bytes: &[u8]) -> Input<&[u8]> {
        Input::new(bytes)
    }

    /// Reads a chunked body from `bytes` in reads of `step` bytes.
    fn chunked(bytes: &[u8], step: usize) -> (io::Result<Vec<u8>>, Framing, usize) {
        let mut input = input(bytes);
        let mut sink = Vec::new();
        let mut out = Output::new(&mut sink);
        let head = Head {
            chunked: true,
            ..Head::default()
        };
        let mut body = Body::new(&mut input, &mut out, &head);
        let mut got = Vec::new();
        let mut buf = vec![0; step];
        let result = loop {
            match body.read(&mut buf) {
                Ok(0) => break Ok(got),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => break Err(e),
            }
        };
        let framing = body.framing;
        let left = input.end - input.pos;
        (result, framing, left)
    }

    #[test]
    fn chunked_bodies_are_read_whatever_the_read_size() {
        let wire =
            b"5\r\nhello\r\n1;name=value\r\n \r\n6  \r\nworld!\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";
        for step in [1, 2, 3, 7, 64, 100_000] {
            let (got, framing, left) = chunked(wire, step);
            assert_eq!(got.unwrap(), b"hello world!", "step {step}");
            assert_eq!(framing, Framing::Chunked(Chunk::Done));
            assert_eq!(left, 4, "the next request stays in the buffer");
        }
        let (got, _, _) = chunked(b"A\r\n0123456789\r\n0\r\n\r\n", 4);
        assert_eq!(got.unwrap(), b"0123456789");
    }

    #[test]
    fn bad_chunked_bodies_are_errors() {
        for wire in [
            &b"5\r\nhel"[..],
            b"5\r\nhello",
            b"5\r\nhelloXX0\r\n\r\n",
            b"5\nhello\r\n0\r\n\r\n",
            b"\r\n",
            b"g\r\n",
            b"-1\r\n",
            b"+1\r\nx\r\n0\r\n\r\n",
            b"11111111111111111\r\n",
            b"0\r\nTrailer: never ends",
            b"",
        ] {
            let (got, framing, _) = chunked(wire, 16);
            assert!(got.is_err(), "{:?}", String::from_utf8_lossy(wire));
            assert_eq!(framing, Framing::Failed);
        }
        // A size line longer than the limit.
        let mut long = b"1;".to_vec();
        long.extend(std::iter::repeat_n(b'x', MAX_CHUNK_LINE + 10));
        long.extend_from_slice(b"\r\nx\r\n0\r\n\r\n");
        assert!(chunked(&long, 16).0.is_err());
        // The largest size is read as a size (the body then ends early).
        let (got, _, _) = chunked(b"ffffffffffffffff\r\nabc", 16);
        assert_eq!(got.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn chunk_sizes() {
        assert_eq!(chunk_size(b"0\r\n").unwrap(), 0);
        assert_eq!(chunk_size(b"fF\r\n").unwrap(), 255);
        assert_eq!(chunk_size(b"10 ; a=b\r\n").unwrap(), 16);
        assert!(chunk_size(b"10").is_err());
        assert!(chunk_size(b" 1\r\n").is_err());
        assert!(chunk_size(b";\r\n").is_err());
    }

    #[test]
    fn lengths() {
        assert_eq!(parse_length(b"0"), Some(0));
        assert_eq!(parse_length(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_length(b"18446744073709551616"), None);
        for bad in [&b""[..], b"-1", b"+1", b"1 2", b"0x10", b"1,1"] {
            assert_eq!(parse_length(bad), None);
        }
    }

    #[test]
    fn http_dates() {
        let mut out = [0; 29];
        http_date(784_111_777, &mut out);
        assert_eq!(&out, b"Sun, 06 Nov 1994 08:49:37 GMT");
        http_date(0, &mut out);
        assert_eq!(&out, b"Thu, 01 Jan 1970 00:00:00 GMT");
        http_date(951_782_400, &mut out);
        assert_eq!(&out, b"Tue, 29 Feb 2000 00:00:00 GMT");
        http_date(1_798_761_599, &mut out);
        assert_eq!(&out, b"Thu, 31 Dec 2026 23:59:59 GMT");
    }

    #[test]
    fn permits_limit_and_come_back() {
        let permits = Permits::new(2);
        let a = permits.acquire();
        let b = permits.acquire();
        assert_eq!(permits.state.lock().unwrap().0, 0);
        drop(a);
        let c = permits.acquire();
        drop((b, c));
        assert_eq!(*permits.state.lock().unwrap(), (2, 0));
    }

    #[test]
    fn a_small_answer_is_one_write() {
        struct Counting(Vec<u8>, usize);
        impl Write for Counting {
            fn write(&mut self, data: &[u8]) -> io::Result<usize> {
                self.1 += 1;
                self.0.extend_from_slice(data);
                Ok(data.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut out = Output::new(Counting(Vec::new(), 0));
        out.buf.extend_from_slice(b"head\r\n\r\n");
        out.write_out(b"body").unwrap();
        assert_eq!(out.inner.0, b"head\r\n\r\nbody");
        // The default vectored write writes the first slice only: two calls here, one on a
        // socket.
        assert!(out.inner.1 <= 2);
    }
}
