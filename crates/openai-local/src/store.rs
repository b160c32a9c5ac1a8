//! The engine's state: every object by id, the ids it issued, and the timing settings the
//! lifecycles follow.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openai_blocking::types::*;

use super::batching::Batch;
use super::items::Item;
use super::lifecycle::Run;
use super::responding::StoredResponse;
use super::search::{IndexedFile, Unreadable};
use super::spool::{Content, SpoolFile};

/// How fast objects move through their lifecycles.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timing {
    /// The time between two status changes.
    pub step: Duration,
    /// How long a run may take before it expires.
    pub run_expiry: Duration,
}

/// Issues ids that look like the API's (`asst_` and 24 letters and digits) and remembers
/// the creation order of every id it issued, deleted objects included, for cursors.
#[derive(Debug, Default)]
pub(crate) struct Ids {
    next: u64,
    issued: HashMap<String, u64>,
}

impl Ids {
    /// A new id with the given prefix, and its creation sequence number.
    pub fn issue(&mut self, prefix: &str) -> (String, u64) {
        let (id, seq) = self.unlisted(prefix);
        self.issued.insert(id.clone(), seq);
        (id, seq)
    }

    /// A new id for an object no list shows (so no cursor names it): it is not remembered.
    pub fn unlisted(&mut self, prefix: &str) -> (String, u64) {
        self.next += 1;
        let seq = self.next;
        // splitmix64 is a bijection: distinct sequence numbers give distinct ids.
        let mut id = String::with_capacity(prefix.len() + 24);
        id.push_str(prefix);
        push_base62(&mut id, splitmix64(seq), 11);
        push_base62(&mut id, splitmix64(seq ^ 0x5DEE_CE66_D1CE_5EED), 13);
        (id, seq)
    }

    /// The creation sequence number of an id this engine issued.
    pub fn seq(&self, id: &str) -> Option<u64> {
        self.issued.get(id).copied()
    }
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn push_base62(out: &mut String, mut x: u64, digits: usize) {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    for _ in 0..digits {
        out.push(ALPHABET[(x % 62) as usize] as char);
        x /= 62;
    }
}

/// An assistant.
#[derive(Debug)]
pub(crate) struct Assistant {
    pub seq: u64,
    pub resp: AssistantResponse,
}

/// A thread with its messages and runs.
#[derive(Debug)]
pub(crate) struct Thread {
    pub resp: ThreadResponse,
    pub messages: Vec<Message>,
    pub runs: Vec<Run>,
}

impl Thread {
    /// The run that is not finished yet, if any (queued, in progress, requires action or
    /// cancelling).
    pub fn active_run(&self) -> Option<&Run> {
        self.runs.iter().find(|r| r.is_active())
    }
}

/// A thread message. Its API object is shared (`Arc`): a read takes it out of the store's
/// lock with a reference count, and writes the JSON outside; a change copies it only when a
/// read still holds it (`Arc::make_mut`).
#[derive(Debug)]
pub(crate) struct Message {
    pub seq: u64,
    pub resp: Arc<ThreadMessageResponse>,
}

/// An uploaded file with its bytes (in memory, or on disk for a file made by the Uploads API
/// or a batch).
#[derive(Debug)]
pub(crate) struct StoredFile {
    pub seq: u64,
    pub resp: FileResponse,
    pub content: Content,
}

/// An upload of the Uploads API: its parts are on disk until it is completed (they then make
/// its file's bytes, in the order given), cancelled or expired.
#[derive(Debug)]
pub(crate) struct Upload {
    pub resp: UploadResponse,
    /// When it expires, on the engine's clock.
    pub deadline: Instant,
    pub parts: Vec<UploadPart>,
    /// How long its file lasts once completed (`expires_after`), in seconds.
    pub file_expiry: Option<i64>,
}

impl Upload {
    /// Brings the status up to `now`: a pending upload past its deadline is `expired`, and
    /// its parts are handed back to be dropped (outside the store, as removing files is I/O).
    pub fn refresh(&mut self, now: Instant) -> Vec<UploadPart> {
        if self.resp.status == UploadResponseStatus::Pending && now >= self.deadline {
            self.resp.status = UploadResponseStatus::Expired;
            return std::mem::take(&mut self.parts);
        }
        Vec::new()
    }
}

/// A part of an upload, on disk.
#[derive(Debug)]
pub(crate) struct UploadPart {
    pub id: String,
    pub file: Arc<SpoolFile>,
}

/// A vector store with its files and file batches.
#[derive(Debug)]
pub(crate) struct VectorStore {
    pub seq: u64,
    /// The stored fields; `status`, `file_counts`, `usage_bytes` and `expires_at` are
    /// computed when the store is read.
    pub resp: VectorStoreResponse,
    pub files: Vec<VectorStoreFile>,
    pub batches: Vec<FileBatch>,
}

/// A file of a vector store: indexed before it is attached, ready one step after.
#[derive(Debug)]
pub(crate) struct VectorStoreFile {
    pub seq: u64,
    /// The stored fields; `status` and `last_error` are computed when the file is read.
    pub resp: VectorStoreFileResponse,
    pub ready_at: Instant,
    pub outcome: Result<Arc<IndexedFile>, Unreadable>,
    pub cancelled: bool,
    pub batch_id: Option<String>,
}

/// A file batch of a vector store.
#[derive(Debug)]
pub(crate) struct FileBatch {
    pub id: String,
    pub created_at: i64,
    pub cancelled: bool,
}

/// A conversation with its items, oldest first.
#[derive(Debug)]
pub(crate) struct Conversation {
    pub resp: ConversationResponse,
    pub items: Vec<Item>,
}

impl Conversation {
    /// Adds items, keeping them in creation order (a background response's items join when
    /// it completes, after items added meanwhile were created). Items it already holds (given again by reference) are not added twice.
    pub fn append(&mut self, items: impl IntoIterator<Item = Item>) {
        for item in items {
            if !self.items.iter().any(|i| i.id == item.id) {
                self.items.push(item);
            }
        }
        self.items.sort_by_key(|i| i.seq);
    }
}

/// Everything the engine holds. (Public only for the doc tests of the lock discipline, see
/// `Session`: its contents are the engine's own.)
#[derive(Debug)]
pub struct Store {
    pub(crate) ids: Ids,
    pub(crate) timing: Timing,
    pub(crate) assistants: HashMap<String, Assistant>,
    pub(crate) threads: HashMap<String, Thread>,
    pub(crate) files: HashMap<String, StoredFile>,
    pub(crate) vector_stores: HashMap<String, VectorStore>,
    pub(crate) responses: HashMap<String, StoredResponse>,
    pub(crate) conversations: HashMap<String, Conversation>,
    pub(crate) uploads: HashMap<String, Upload>,
    pub(crate) batches: HashMap<String, Batch>,
}

impl Store {
    /// An empty store.
    pub(crate) fn new(timing: Timing) -> Self {
        Self {
            ids: Ids::default(),
            timing,
            assistants: HashMap::new(),
            threads: HashMap::new(),
            files: HashMap::new(),
            vector_stores: HashMap::new(),
            responses: HashMap::new(),
            conversations: HashMap::new(),
            uploads: HashMap::new(),
            batches: HashMap::new(),
        }
    }
}

/// Empty metadata, as the API returns for objects created without any.
pub(crate) fn metadata_or_empty(m: Option<Metadata>) -> Option<Metadata> {
    Some(m.unwrap_or_else(|| Metadata(HashMap::new())))
}

/// Applies a modify request's metadata: kept, cleared (back to empty, as the API shows
/// objects without metadata) or replaced.
pub(crate) fn set_metadata(current: &mut Option<Metadata>, patch: Patch<Metadata>) {
    match patch {
        Patch::Keep => {}
        Patch::Clear => *current = metadata_or_empty(None),
        Patch::Set(m) => *current = Some(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_shaped_and_remembered() {
        let mut ids = Ids::default();
        let mut seen = std::collections::HashSet::new();
        for i in 1..=2000 {
            let (id, seq) = ids.issue("msg_");
            assert_eq!(seq, i);
            assert_eq!(id.len(), 28);
            assert!(id[4..].bytes().all(|b| b.is_ascii_alphanumeric()));
            assert!(seen.insert(id.clone()));
            assert_eq!(ids.seq(&id), Some(i));
        }
        assert_eq!(ids.seq("msg_unknown"), None);
    }
}
