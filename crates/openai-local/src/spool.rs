//! Bytes kept on disk instead of in memory: the parts of an upload, the file an upload
//! completes into, the output and error files of a batch.
//!
//! The [`Spool`] is the engine's directory for them, made at first use and removed with the
//! engine. A [`SpoolWriter`] writes one file (removed again should it be dropped unfinished);
//! a finished file is a [`SpoolFile`], removed from disk when the last handle on it goes.
//! [`Content`] is the bytes of a stored file: in memory (what `POST /files` receives) or a
//! sequence of spooled files (an upload's parts in their order), read as one stream.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Cursor, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The largest file [`Content::load`] reads into memory (what `POST /files` takes at most by
/// default): the model and the indexer read files whole, and a larger file is refused there
/// rather than filling the memory.
pub(crate) const MAX_LOAD_BYTES: u64 = 512 << 20;

/// The engine's directory of spooled files (see the module documentation).
pub(crate) struct Spool {
    dir: PathBuf,
    next: AtomicU64,
    /// Whether the directory was made.
    made: Mutex<bool>,
}

impl std::fmt::Debug for Spool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spool").field("dir", &self.dir).finish()
    }
}

impl Spool {
    /// A spool in a new directory under `parent` (made when the first file is written).
    pub fn new(parent: &Path) -> Self {
        static ENGINES: AtomicU64 = AtomicU64::new(0);
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = parent.join(format!(
            "openai-local-{}-{}-{nonce:08x}",
            std::process::id(),
            ENGINES.fetch_add(1, Ordering::Relaxed)
        ));
        Self {
            dir,
            next: AtomicU64::new(0),
            made: Mutex::new(false),
        }
    }

    /// A new, empty file to write, named after `what` (`part`, `batch_output`, ...).
    pub fn create(&self, what: &str) -> io::Result<SpoolWriter> {
        {
            let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
            if !*made {
                std::fs::create_dir_all(&self.dir)?;
                *made = true;
            }
        }
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.join(format!("{what}-{n}"));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(SpoolWriter {
            out: Some(BufWriter::with_capacity(64 << 10, file)),
            path: Some(path),
            len: 0,
        })
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        if *self.made.get_mut().unwrap_or_else(|e| e.into_inner()) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A spooled file being written (buffered); [`finish`](Self::finish) makes it a
/// [`SpoolFile`]. Dropped unfinished, it is removed.
pub(crate) struct SpoolWriter {
    out: Option<BufWriter<File>>,
    path: Option<PathBuf>,
    len: u64,
}

impl std::fmt::Debug for SpoolWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpoolWriter")
            .field("len", &self.len)
            .finish()
    }
}

impl SpoolWriter {
    /// Flushes the file and closes it.
    pub fn finish(mut self) -> io::Result<Arc<SpoolFile>> {
        let out = self
            .out
            .take()
            .ok_or_else(|| io::Error::other("finished twice"))?;
        // On an error the path stays set: dropping `self` removes the file.
        out.into_inner().map_err(io::IntoInnerError::into_error)?;
        let path = self
            .path
            .take()
            .ok_or_else(|| io::Error::other("finished twice"))?;
        Ok(Arc::new(SpoolFile {
            path,
            len: self.len,
        }))
    }
}

impl Write for SpoolWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let out = self
            .out
            .as_mut()
            .ok_or_else(|| io::Error::other("the file is finished"))?;
        let n = out.write(buf)?;
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.out.as_mut() {
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for SpoolWriter {
    fn drop(&mut self) {
        drop(self.out.take());
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A finished spooled file; removed from disk when the last handle on it is dropped.
pub(crate) struct SpoolFile {
    path: PathBuf,
    len: u64,
}

impl std::fmt::Debug for SpoolFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SpoolFile({} bytes)", self.len)
    }
}

impl SpoolFile {
    /// Its size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    fn open(&self) -> io::Result<File> {
        File::open(&self.path)
    }
}

impl Drop for SpoolFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The bytes of a stored file (see the module documentation). Clones share the bytes.
#[derive(Clone)]
pub(crate) enum Content {
    /// In memory.
    Memory(Arc<Vec<u8>>),
    /// On disk: these files one after the other.
    Spooled(Arc<Vec<Arc<SpoolFile>>>),
}

impl std::fmt::Debug for Content {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Content::Memory(bytes) => write!(f, "Memory({} bytes)", bytes.len()),
            Content::Spooled(files) => {
                write!(f, "Spooled({} files, {} bytes)", files.len(), self.len())
            }
        }
    }
}

impl From<Vec<u8>> for Content {
    fn from(bytes: Vec<u8>) -> Self {
        Content::Memory(Arc::new(bytes))
    }
}

impl Content {
    /// The size in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Content::Memory(bytes) => bytes.len() as u64,
            Content::Spooled(files) => files.iter().map(|f| f.len).sum(),
        }
    }

    /// The bytes from the start, as a stream (a spooled file is read from disk as it goes).
    pub fn reader(&self) -> Box<dyn Read + Send> {
        match self {
            Content::Memory(bytes) => Box::new(Cursor::new(Shared(bytes.clone()))),
            Content::Spooled(files) => Box::new(Segments {
                files: files.clone(),
                next: 0,
                current: None,
            }),
        }
    }

    /// `len` bytes from `offset` (fewer at the end of the content).
    pub fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let files = match self {
            Content::Memory(bytes) => {
                let start = usize::try_from(offset)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                let end = start.saturating_add(len).min(bytes.len());
                return Ok(bytes[start..end].to_vec());
            }
            Content::Spooled(files) => files,
        };
        let mut out = Vec::with_capacity(len);
        let mut skip = offset;
        for file in files.iter() {
            if out.len() >= len {
                break;
            }
            if skip >= file.len {
                skip -= file.len;
                continue;
            }
            let mut f = file.open()?;
            f.seek(SeekFrom::Start(skip))?;
            skip = 0;
            let want = (len - out.len()) as u64;
            f.take(want).read_to_end(&mut out)?;
        }
        Ok(out)
    }

    /// All the bytes in memory: shared when they are there already, read from disk otherwise
    /// (slow: never with the store held). A spooled file over [`MAX_LOAD_BYTES`] is refused.
    pub fn load(&self) -> io::Result<Arc<Vec<u8>>> {
        match self {
            Content::Memory(bytes) => Ok(bytes.clone()),
            Content::Spooled(_) => {
                let len = self.len();
                if len > MAX_LOAD_BYTES {
                    return Err(io::Error::other(format!(
                        "the file has {len} bytes; the local engine reads files of up to {MAX_LOAD_BYTES} bytes whole"
                    )));
                }
                let mut out = Vec::with_capacity(len as usize);
                self.reader().read_to_end(&mut out)?;
                Ok(Arc::new(out))
            }
        }
    }
}

/// Shared bytes, readable through a `Cursor`.
#[derive(Clone, Debug)]
pub(crate) struct Shared(pub Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Spooled files read one after the other, each opened when its turn comes.
struct Segments {
    files: Arc<Vec<Arc<SpoolFile>>>,
    next: usize,
    current: Option<File>,
}

impl Read for Segments {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if let Some(f) = self.current.as_mut() {
                let n = f.read(buf)?;
                if n > 0 {
                    return Ok(n);
                }
                self.current = None;
            }
            let Some(file) = self.files.get(self.next) else {
                return Ok(0);
            };
            self.next += 1;
            self.current = Some(file.open()?);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spooled(spool: &Spool, pieces: &[&[u8]]) -> Content {
        let files = pieces
            .iter()
            .map(|p| {
                let mut w = spool.create("part").unwrap();
                w.write_all(p).unwrap();
                w.finish().unwrap()
            })
            .collect();
        Content::Spooled(Arc::new(files))
    }

    #[test]
    fn spooled_pieces_read_as_one_and_vanish_with_their_last_handle() {
        let spool = Spool::new(&std::env::temp_dir());
        let content = spooled(&spool, &[b"hello ", b"", b"wide ", b"world"]);
        assert_eq!(content.len(), 16);
        let mut all = String::new();
        content.reader().read_to_string(&mut all).unwrap();
        assert_eq!(all, "hello wide world");
        assert_eq!(content.read_at(4, 5).unwrap(), b"o wid");
        assert_eq!(content.read_at(11, 100).unwrap(), b"world");
        assert_eq!(content.read_at(40, 3).unwrap(), b"");
        assert_eq!(&**content.load().unwrap(), b"hello wide world");
        let memory = Content::from(b"hello wide world".to_vec());
        assert_eq!(memory.read_at(4, 5).unwrap(), b"o wid");
        assert_eq!(memory.read_at(99, 5).unwrap(), b"");

        let dir = spool.dir.clone();
        let count = || std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(count(), 4);
        let copy = content.clone();
        drop(content);
        assert_eq!(count(), 4, "a clone keeps the files");
        drop(copy);
        assert_eq!(count(), 0);
        let unfinished = spool.create("part").unwrap();
        assert_eq!(count(), 1);
        drop(unfinished);
        assert_eq!(count(), 0, "an unfinished file is removed");
        drop(spool);
        assert!(!dir.exists(), "the directory goes with the spool");
    }
}
