//! Server-sent events, read incrementally from any `Read`, as the event-stream format of the
//! HTML standard describes them: lines end with `\n`, `\r\n` or `\r` (also when a pair is split
//! between two reads), `data:` lines of one event are joined with `\n`, `:` lines are comments
//! (keep-alives), `event:` names the event, `id:` sets the last event id, a final event is
//! dispatched even without the blank line that should end it, and a line cut in the middle of
//! a UTF-8 character between two reads is decoded whole.
//!
//! Memory stays bounded whatever the stream's length: one read buffer, the line being read and
//! the event being assembled; an event larger than [`MAX_EVENT_BYTES`] is an error rather than
//! an ever-growing buffer.

use std::io::{self, Read};

/// The largest event (its data lines together) a stream may send.
pub(crate) const MAX_EVENT_BYTES: usize = 64 * 1024 * 1024;
/// How much is read from the connection at a time.
const READ_CHUNK: usize = 16 * 1024;

/// One event of a stream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SseEvent {
    /// The `event:` field; `None` for the default type (`message`).
    pub event: Option<String>,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
    /// The last `id:` seen so far in the stream, if any.
    pub id: Option<String>,
}

/// Reads [`SseEvent`]s from `R`.
pub(crate) struct SseReader<R> {
    reader: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    /// The bytes of the line being read.
    line: Vec<u8>,
    /// The last byte seen ended a line with `\r`: a `\n` right after belongs to it.
    after_cr: bool,
    /// At the start of the stream, where a byte order mark is skipped.
    at_start: bool,
    event: Option<String>,
    data: String,
    /// Whether any `data:` line came for the event being assembled.
    has_data: bool,
    last_id: Option<String>,
    eof: bool,
    /// The last event came at the end of the stream without the blank line that ends one.
    unterminated: bool,
}

impl<R: Read> SseReader<R> {
    pub(crate) fn new(reader: R) -> Self {
        SseReader {
            reader,
            buf: vec![0; READ_CHUNK].into_boxed_slice(),
            pos: 0,
            len: 0,
            line: Vec::new(),
            after_cr: false,
            at_start: true,
            event: None,
            data: String::new(),
            has_data: false,
            last_id: None,
            eof: false,
            unterminated: false,
        }
    }

    /// The next event, or `None` at the end of the stream. An I/O error (a closed
    /// connection, a read timeout) is returned as it is; the reader should not be used after.
    pub(crate) fn next_event(&mut self) -> io::Result<Option<SseEvent>> {
        loop {
            if self.pos == self.len {
                if self.eof {
                    return Ok(self.finish());
                }
                self.len = match self.reader.read(&mut self.buf) {
                    Ok(0) => {
                        self.eof = true;
                        0
                    }
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                self.pos = 0;
                continue;
            }
            let chunk = &self.buf[self.pos..self.len];
            if self.after_cr {
                self.after_cr = false;
                if chunk[0] == b'\n' {
                    self.pos += 1;
                    continue;
                }
            }
            match chunk.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(end) => {
                    self.after_cr = chunk[end] == b'\r';
                    self.line.extend_from_slice(&chunk[..end]);
                    self.pos += end + 1;
                    if let Some(event) = self.take_line()? {
                        return Ok(Some(event));
                    }
                }
                None => {
                    self.line.extend_from_slice(chunk);
                    self.pos = self.len;
                    if self.line.len() > MAX_EVENT_BYTES {
                        return Err(too_large());
                    }
                }
            }
        }
    }

    /// Handles the complete line in `self.line`; an empty line dispatches the event.
    fn take_line(&mut self) -> io::Result<Option<SseEvent>> {
        let mut bytes = std::mem::take(&mut self.line);
        if self.at_start {
            self.at_start = false;
            if bytes.starts_with("\u{feff}".as_bytes()) {
                bytes.drain(..3);
            }
        }
        if bytes.is_empty() {
            return Ok(self.dispatch());
        }
        let line = match String::from_utf8(bytes) {
            Ok(line) => line,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        self.field(&line)?;
        // Keep the allocation for the next line.
        self.line = line.into_bytes();
        self.line.clear();
        Ok(None)
    }

    fn field(&mut self, line: &str) -> io::Result<()> {
        if line.starts_with(':') {
            return Ok(());
        }
        let (name, value) = match line.split_once(':') {
            Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match name {
            "event" => self.event = Some(value.to_owned()),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
                if self.data.len() > MAX_EVENT_BYTES {
                    return Err(too_large());
                }
            }
            "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
            _ => {}
        }
        Ok(())
    }

    /// The event assembled so far, if it has data; the fields start afresh.
    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event.take();
        if !std::mem::take(&mut self.has_data) {
            self.data.clear();
            return None;
        }
        Some(SseEvent {
            event,
            data: std::mem::take(&mut self.data),
            id: self.last_id.clone(),
        })
    }

    /// At the end of the stream: a last line without its line end, then a last event
    /// without its blank line, are still delivered (see [`unterminated`](Self::unterminated)).
    fn finish(&mut self) -> Option<SseEvent> {
        if !self.line.is_empty() {
            let line = String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
            // A line that was too long would have failed before; this one fits.
            let _ = self.field(&line);
        }
        let event = self.dispatch();
        self.unterminated = event.is_some();
        event
    }

    /// Whether the last event came at the end of the stream without the blank line that
    /// ends an event: whole if it makes sense, else cut off by the connection's end.
    pub(crate) fn unterminated(&self) -> bool {
        self.unterminated
    }
}

fn too_large() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("an event of the stream is larger than {MAX_EVENT_BYTES} bytes"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `chunks` one read each.
    struct Chunks(Vec<Vec<u8>>);

    impl Read for Chunks {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Ok(0);
            }
            let chunk = self.0.remove(0);
            assert!(chunk.len() <= buf.len());
            buf[..chunk.len()].copy_from_slice(&chunk);
            Ok(chunk.len())
        }
    }

    fn events_of(chunks: Vec<Vec<u8>>) -> Vec<SseEvent> {
        let mut reader = SseReader::new(Chunks(chunks));
        let mut out = Vec::new();
        while let Some(event) = reader.next_event().unwrap() {
            out.push(event);
        }
        out
    }

    fn event(name: Option<&str>, data: &str, id: Option<&str>) -> SseEvent {
        SseEvent {
            event: name.map(str::to_owned),
            data: data.to_owned(),
            id: id.map(str::to_owned),
        }
    }

    const STREAM: &str = "\u{feff}: keep-alive\r\n\
        event: thread.run.created\r\n\
        data: {\"id\":\"run_1\"}\r\n\
        \r\n\
        id: 7\n\
        data: first line\n\
        data:second line\n\
        data\n\
        \n\
        event: ping\r\r\
        : a comment between events\n\
        retry: 1000\n\
        event: thread.message.delta\n\
        data: {\"text\":\"héllo wörld 雨\"}\n\n\
        event: empty-without-data\n\n\
        event: done\n\
        data: [DONE]";

    fn expected() -> Vec<SseEvent> {
        vec![
            event(Some("thread.run.created"), "{\"id\":\"run_1\"}", None),
            event(None, "first line\nsecond line\n", Some("7")),
            event(
                Some("thread.message.delta"),
                "{\"text\":\"héllo wörld 雨\"}",
                Some("7"),
            ),
            event(Some("done"), "[DONE]", Some("7")),
        ]
    }

    #[test]
    fn fields_line_ends_comments_and_a_last_event_without_a_blank_line() {
        assert_eq!(events_of(vec![STREAM.as_bytes().to_vec()]), expected());
    }

    #[test]
    fn the_same_events_whatever_the_chunk_boundaries() {
        let bytes = STREAM.as_bytes();
        // Split in two at every byte offset (inside \r\n pairs and UTF-8 characters too).
        for cut in 0..=bytes.len() {
            // (A reader returns no empty chunk before its end.)
            let chunks = [&bytes[..cut], &bytes[cut..]]
                .iter()
                .filter(|c| !c.is_empty())
                .map(|c| c.to_vec())
                .collect();
            assert_eq!(events_of(chunks), expected(), "cut at {cut}");
        }
        // One byte at a time.
        let chunks = bytes.iter().map(|b| vec![*b]).collect();
        assert_eq!(events_of(chunks), expected());
    }

    #[test]
    fn a_broken_connection_is_an_error_after_the_events_that_arrived() {
        struct Breaks(Option<Vec<u8>>);
        impl Read for Breaks {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                match self.0.take() {
                    Some(bytes) => {
                        buf[..bytes.len()].copy_from_slice(&bytes);
                        Ok(bytes.len())
                    }
                    None => Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset")),
                }
            }
        }
        let mut reader = SseReader::new(Breaks(Some(b"data: one\n\ndata: tw".to_vec())));
        assert_eq!(reader.next_event().unwrap(), Some(event(None, "one", None)));
        let err = reader.next_event().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    }

    #[test]
    fn an_endless_line_is_an_error_not_an_ever_growing_buffer() {
        struct Endless;
        impl Read for Endless {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                buf.fill(b'x');
                Ok(buf.len())
            }
        }
        let err = SseReader::new(Endless).next_event().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn invalid_utf8_is_replaced_not_an_error() {
        let events = events_of(vec![b"data: a\xffb\n\n".to_vec()]);
        assert_eq!(events, vec![event(None, "a\u{fffd}b", None)]);
    }
}
