//! Progress of long copilot work, and cancelling it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::{CommonOptions, CopilotError};

/// What a copilot is busy with, as reported to the progress callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CopilotStage {
    /// Reading the documents (and extracting their text).
    ReadingDocuments,
    /// Summarising the parts of documents too long for one request.
    SummarisingParts,
    /// Combining the parts' summaries.
    CombiningSummaries,
    /// Describing images, one request per distinct image.
    DescribingImages,
}

/// Where long copilot work stands: `done` of `total` steps of `stage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopilotProgress {
    /// What is being done.
    pub stage: CopilotStage,
    /// Steps of it finished.
    pub done: usize,
    /// Steps of it in all.
    pub total: usize,
}

/// A progress callback (see [`CommonOptions::on_progress`]); called from the threads doing
/// the work, so it is `Send + Sync`.
#[derive(Clone)]
pub struct ProgressCallback(pub Arc<dyn Fn(&CopilotProgress) + Send + Sync>);

impl std::fmt::Debug for ProgressCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressCallback(..)")
    }
}

/// One stage's counter: reports each step done, and refuses to start one once cancelled.
pub(crate) struct Stage<'a> {
    common: &'a CommonOptions,
    stage: CopilotStage,
    done: AtomicUsize,
    total: usize,
}

impl<'a> Stage<'a> {
    /// A stage of `total` steps; reports `0 of total` at once.
    pub(crate) fn start(common: &'a CommonOptions, stage: CopilotStage, total: usize) -> Self {
        let s = Stage {
            common,
            stage,
            done: AtomicUsize::new(0),
            total,
        };
        s.report(0);
        s
    }

    fn report(&self, done: usize) {
        if let Some(callback) = &self.common.on_progress {
            (callback.0)(&CopilotProgress {
                stage: self.stage,
                done,
                total: self.total,
            });
        }
    }

    /// Before a step: [`CopilotError::Cancelled`] once the cancel flag is set.
    pub(crate) fn check(&self) -> Result<(), CopilotError> {
        cancelled(self.common, self.stage)
    }

    /// After a step.
    pub(crate) fn step(&self) {
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        self.report(done);
    }
}

/// [`CopilotError::Cancelled`] when the options' cancel flag is set.
pub(crate) fn cancelled(common: &CommonOptions, stage: CopilotStage) -> Result<(), CopilotError> {
    match &common.cancel {
        Some(flag) if flag.load(Ordering::SeqCst) => Err(CopilotError::Cancelled { stage }),
        _ => Ok(()),
    }
}

/// A cancel flag, for [`CommonOptions::cancel`].
pub(crate) type CancelFlag = Arc<AtomicBool>;
