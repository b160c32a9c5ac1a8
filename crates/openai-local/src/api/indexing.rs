//! Indexing uploads for vector stores without holding the store: a handler takes the files'
//! bytes under the lock (shared, never copied), reads and cuts them into passages outside it
//! ([`Jobs::run`]), and attaches the results in its final step under the lock.

use std::collections::HashMap;
use std::sync::Arc;

use super::super::http::Ctx;
use super::super::search::{self, Chunking, IndexedFile, Unreadable};
use super::super::spool::Content;
use super::super::store::Store;

/// What indexing a file gave: its passages, or why it cannot be searched.
pub(super) type Outcome = Result<Arc<IndexedFile>, Unreadable>;

/// Files to index, with the chunking each is wanted with.
#[derive(Default)]
pub(super) struct Jobs {
    jobs: Vec<Job>,
}

struct Job {
    file_id: String,
    filename: String,
    content: Content,
    chunking: Chunking,
}

impl Jobs {
    /// Adds the upload `file_id`, to be indexed with `chunking` (once, however often it is
    /// added). Returns false, adding nothing, when there is no such upload.
    pub fn add(&mut self, store: &Store, file_id: &str, chunking: Chunking) -> bool {
        let Some(file) = store.files.get(file_id) else {
            return false;
        };
        if !self
            .jobs
            .iter()
            .any(|j| j.file_id == file_id && j.chunking == chunking)
        {
            self.jobs.push(Job {
                file_id: file_id.to_string(),
                filename: file.resp.filename.clone(),
                content: file.content.clone(),
                chunking,
            });
        }
        true
    }

    /// Indexes every file: the slow part. It takes the request's context mutably, only as
    /// proof that the store is not held: like the pump and the model, it cannot be called
    /// inside `with_store` (that does not compile).
    pub fn run(self, _store_not_held: &mut Ctx<'_>) -> Indexes {
        let done = self
            .jobs
            .into_iter()
            .map(|job| {
                let outcome = match job.content.load() {
                    Ok(bytes) => {
                        search::index_file(&job.file_id, &job.filename, &bytes, job.chunking)
                            .map(Arc::new)
                    }
                    Err(e) => Err(Unreadable {
                        code: "unsupported_file",
                        message: format!("The file could not be read: {e}."),
                    }),
                };
                ((job.file_id, job.chunking), outcome)
            })
            .collect();
        Indexes { done }
    }
}

/// The outcomes of [`Jobs::run`], by file and chunking.
#[derive(Default)]
pub(super) struct Indexes {
    done: HashMap<(String, Chunking), Outcome>,
}

impl Indexes {
    /// The outcome for a file. A file that was not indexed (no handler asks for one: the files
    /// to index follow from the request alone) counts as failed.
    pub fn outcome(&self, file_id: &str, chunking: Chunking) -> Outcome {
        self.done
            .get(&(file_id.to_string(), chunking))
            .cloned()
            .unwrap_or_else(|| {
                Err(Unreadable {
                    code: "server_error",
                    message: "The file was not indexed; add it again.".into(),
                })
            })
    }
}
