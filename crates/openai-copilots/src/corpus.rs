//! Summaries of many documents through the Batch API: the text of each document extracted
//! locally, one request per document (per part of a long one) written to a JSONL file,
//! submitted as one batch, and collected when it is done, by this process or a later one.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::completions::{estimate_tokens, part_request, prompt_budget, split_to_fit};
use crate::documents::{load, Loaded};
use crate::progress::cancelled;
use crate::{CopilotBackend, CopilotError, CopilotStage, SummaryCopilot, TextDocument};
use openai_blocking::types::*;
use openai_blocking::*;

/// A corpus batch in flight: what [`SummaryCopilot::submit_corpus_batch`] started. Save it
/// ([`save`](Self::save)) and a later process can collect the summaries with
/// [`SummaryCopilot::collect_corpus_batch`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CorpusBatch {
    /// The batch's id.
    pub batch_id: String,
    /// The documents in the batch, in the order given: the request `d{i}` (or `d{i}p{k}` for
    /// the parts of a long one) is the `i`-th.
    pub documents: Vec<CorpusDocument>,
    /// Documents that could not be prepared (unreadable, no text), with why; they are not in
    /// the batch, and come back among the summaries' failures.
    pub failures: BTreeMap<String, String>,
}

/// One document of a corpus batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CorpusDocument {
    /// Its name: the path it was given by, or its name in memory.
    pub name: String,
    /// How many requests it was cut into (1 when it fits the model's context).
    pub parts: usize,
}

/// The summaries of a corpus, keyed by document name (the path it was given by).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CorpusSummaries {
    /// Each summarised document's summary.
    pub summaries: BTreeMap<String, String>,
    /// Each document without a summary, with why (not prepared, a request that failed or
    /// did not run, no text in the answer).
    pub failures: BTreeMap<String, String>,
}

/// Where corpus work stands, as reported to the progress callback.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CorpusProgress {
    /// A document was read and its requests written.
    Prepared {
        /// Documents prepared so far (failed ones included).
        done: usize,
        /// Documents in all.
        total: usize,
    },
    /// The batch file was uploaded and the batch created.
    Submitted {
        /// The batch's id.
        batch_id: String,
        /// Requests in it.
        requests: usize,
    },
    /// The batch was polled.
    Waiting {
        /// Its status, e.g. `in_progress`.
        status: String,
        /// Requests done.
        completed: u64,
        /// Requests failed.
        failed: u64,
        /// Requests in all.
        total: u64,
    },
    /// A long document's part summaries were combined into its summary.
    Combined {
        /// Long documents combined so far.
        done: usize,
        /// Long documents in all.
        total: usize,
    },
}

impl CorpusBatch {
    /// Writes it as JSON (through a temporary file renamed into place).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), CopilotError> {
        let path = path.as_ref();
        let json = serde_json::to_vec_pretty(self).map_err(|e| CopilotError::Context {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        crate::output::write_atomically(path, &json)
    }

    /// Reads one written by [`save`](Self::save).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, CopilotError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| CopilotError::io(path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| CopilotError::Context {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }
}

fn custom_id(document: usize, part: Option<usize>) -> String {
    match part {
        None => format!("d{document}"),
        Some(k) => format!("d{document}p{k}"),
    }
}

/// `d{i}` → `(i, None)`, `d{i}p{k}` → `(i, Some(k))`.
fn parse_custom_id(id: &str) -> Option<(usize, Option<usize>)> {
    let rest = id.strip_prefix('d')?;
    match rest.split_once('p') {
        None => Some((rest.parse().ok()?, None)),
        Some((d, p)) => Some((d.parse().ok()?, Some(p.parse().ok()?))),
    }
}

impl SummaryCopilot {
    /// Summarises each document on its own through the Batch API (half the price, done on
    /// OpenAI's side within 24 hours): [`submit_corpus_batch`](Self::submit_corpus_batch),
    /// then [`collect_corpus_batch`](Self::collect_corpus_batch), in one call. `progress`
    /// hears of each document prepared, the batch's request counts, and each long document
    /// combined.
    pub fn summarize_each(
        &self,
        mut progress: impl FnMut(CorpusProgress),
    ) -> Result<CorpusSummaries, CopilotError> {
        let batch = self.submit_corpus_batch(&mut progress)?;
        self.collect_corpus_batch(&batch, progress)
    }

    /// Reads the documents one at a time, extracts their text, writes one request per
    /// document (a document longer than the model's context: one per part) to a JSONL file
    /// in the temporary folder, uploads it and starts the batch. The requests go to
    /// `/v1/chat/completions` on the chat-completions backend, else to `/v1/responses`
    /// (not stored). A document that cannot be read is listed in
    /// [`failures`](CorpusBatch::failures), not sent, and does not stop the others.
    pub fn submit_corpus_batch(
        &self,
        mut progress: impl FnMut(CorpusProgress),
    ) -> Result<CorpusBatch, CopilotError> {
        let common = &self.options().common;
        let documents = &common.documents;
        if documents.is_empty() {
            return Err(CopilotError::NoDocuments);
        }
        let instructions = self.instructions();
        let prompt = &self.options().summary_prompt;
        let overhead = estimate_tokens(instructions) + estimate_tokens(prompt) + 64;
        let budget = prompt_budget(common).saturating_sub(overhead).max(128);

        let path = std::env::temp_dir().join(format!(
            "openai-copilots-corpus-{}-{}.jsonl",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        let mut writer = BatchWriter::create(&path)?;
        let mut entries = Vec::new();
        let mut failures = BTreeMap::new();
        for (i, document) in documents.iter().enumerate() {
            if let Err(e) = cancelled(common, CopilotStage::ReadingDocuments) {
                let _ = std::fs::remove_file(&path);
                return Err(e);
            }
            let prepared = load(document).and_then(|loaded| {
                let text = loaded.text()?;
                if text.trim().is_empty() {
                    return Err(CopilotError::Document {
                        name: loaded.name(),
                        message: "no text to summarise (a scanned PDF without a text layer?)"
                            .into(),
                    });
                }
                Ok((loaded.name(), text))
            });
            match prepared {
                Ok((name, text)) => {
                    let body = format!("### Document: {name}\n\n{}", text.trim());
                    let parts = if estimate_tokens(&body) <= budget {
                        writer.push(
                            custom_id(i, None),
                            self.batch_request(&format!("{prompt}\n\n{body}")),
                        )?;
                        1
                    } else {
                        let pieces = split_to_fit(&text, budget);
                        for (k, piece) in pieces.iter().enumerate() {
                            let request = part_request(&name, k, pieces.len(), piece);
                            writer.push(custom_id(i, Some(k)), self.batch_request(&request))?;
                        }
                        pieces.len()
                    };
                    entries.push(CorpusDocument { name, parts });
                }
                Err(e) => {
                    let name = match document {
                        crate::CopilotDocument::Path(p) => p.display().to_string(),
                        crate::CopilotDocument::Pdf(pdf) => pdf.name().to_owned(),
                        crate::CopilotDocument::Text(t) => t.name.clone(),
                    };
                    failures.insert(name.clone(), e.to_string());
                    entries.push(CorpusDocument { name, parts: 0 });
                }
            }
            progress(CorpusProgress::Prepared {
                done: i + 1,
                total: documents.len(),
            });
        }
        let file = writer.finish()?;
        let submitted = if file.lines == 0 {
            Err(CopilotError::NoDocuments)
        } else {
            self.client()
                .submit_batch(&file, None)
                .map_err(CopilotError::from)
        };
        let _ = std::fs::remove_file(&path);
        let batch = submitted?;
        progress(CorpusProgress::Submitted {
            batch_id: batch.id.clone(),
            requests: file.lines,
        });
        Ok(CorpusBatch {
            batch_id: batch.id,
            documents: entries,
            failures,
        })
    }

    /// One batch line's request: the copilot's model, options and instructions, and `text`.
    fn batch_request(&self, text: &str) -> BatchRequest {
        let common = &self.options().common;
        if common.backend == CopilotBackend::ChatCompletions {
            let mut request = CompletionCreateRequest::new(
                &common.model,
                vec![
                    ChatCompletionRequestMessage::system(self.instructions()),
                    ChatCompletionRequestMessage::user(text),
                ],
            );
            request.temperature = common.temperature;
            request.top_p = common.top_p;
            request.max_completion_tokens = common.max_completion_tokens;
            return request.into();
        }
        ResponseCreateRequest {
            instructions: Some(self.instructions().to_owned()),
            temperature: common.temperature,
            top_p: common.top_p,
            max_output_tokens: common.max_completion_tokens,
            store: Some(false),
            ..ResponseCreateRequest::text(&common.model, text)
        }
        .into()
    }

    /// Waits for a corpus batch (with the client's polling interval and timeout), reads its
    /// results, and combines the part summaries of long documents into one summary each
    /// (with direct requests on the copilot's backend). Call it again after an interruption,
    /// from any process, with the same [`CorpusBatch`].
    pub fn collect_corpus_batch(
        &self,
        batch: &CorpusBatch,
        mut progress: impl FnMut(CorpusProgress),
    ) -> Result<CorpusSummaries, CopilotError> {
        let client = self.client();
        let mut waiter = client.waiter();
        if let Some(flag) = &self.options().common.cancel {
            waiter = waiter.cancel_flag(flag.clone());
        }
        let done = waiter
            .on_poll(|p| {
                if let Some(c) = p.counts {
                    progress(CorpusProgress::Waiting {
                        status: p.status.clone(),
                        completed: c.completed,
                        failed: c.failed,
                        total: c.total,
                    });
                }
            })
            .wait_for_batch_to_complete(&batch.batch_id)?;

        let mut out = CorpusSummaries {
            failures: batch.failures.clone(),
            ..Default::default()
        };
        // Answers by document, then by part.
        let mut answers: Vec<BTreeMap<usize, Result<String, String>>> =
            vec![BTreeMap::new(); batch.documents.len()];
        for result in client.batch_results(&done) {
            let result = result?;
            let Some((i, part)) =
                parse_custom_id(&result.custom_id).filter(|(i, _)| *i < batch.documents.len())
            else {
                continue; // not one of ours
            };
            let text = match result.outcome {
                Ok(BatchAnswer::Response(r)) => Ok(r.output_text()),
                Ok(BatchAnswer::ChatCompletion(c)) => Ok(c.text().unwrap_or_default().to_owned()),
                Ok(other) => Err(format!("an answer of another endpoint: {other:?}")),
                Err(e) => Err(e.to_string()),
            };
            let text = text.and_then(|t| {
                if t.trim().is_empty() {
                    Err("the model answered with no text".to_owned())
                } else {
                    Ok(t)
                }
            });
            answers[i].insert(part.unwrap_or(0), text);
        }

        let long = batch.documents.iter().filter(|d| d.parts > 1).count();
        let mut combined = 0;
        for (document, parts) in batch.documents.iter().zip(answers) {
            if document.parts == 0 {
                continue; // listed in failures already
            }
            if parts.len() < document.parts {
                let why = match done.status {
                    BatchResponseStatus::Completed => "the batch returned no result for it",
                    _ => "the batch ended before it ran",
                };
                out.failures.insert(
                    document.name.clone(),
                    format!("{why} (batch {}, {:?})", done.id, done.status),
                );
                continue;
            }
            let texts: Result<Vec<String>, String> = parts.into_values().collect();
            let summary = texts.and_then(|texts| {
                if document.parts == 1 {
                    return Ok(texts.into_iter().next().unwrap_or_default());
                }
                let joined = texts.join("\n\n---\n\n");
                let result = self.combine_parts(&document.name, joined);
                combined += 1;
                progress(CorpusProgress::Combined {
                    done: combined,
                    total: long,
                });
                result.map_err(|e| e.to_string())
            });
            match summary {
                Ok(s) => out.summaries.insert(document.name.clone(), s),
                Err(e) => out.failures.insert(document.name.clone(), e),
            };
        }
        Ok(out)
    }

    /// A long document's summary from its parts' summaries: the copilot's own summary of
    /// them, on its backend.
    fn combine_parts(&self, name: &str, parts: String) -> Result<String, CopilotError> {
        let prompt = format!(
            "{}\n\nThe document was too long to read at once; the text below holds summaries \
             of its consecutive parts, in order. Write the summary from them.",
            self.options().summary_prompt
        );
        let documents = [Loaded::Text(TextDocument::new(name, parts))];
        self.summarize_loaded(&documents, &prompt, None)
    }
}
