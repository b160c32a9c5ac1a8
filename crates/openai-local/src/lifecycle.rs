//! Lifecycles, computed lazily from timestamps whenever an object is read:
//!
//! * a run goes `queued` → `in_progress` → (the model answers) `completed`, `incomplete`,
//!   `failed` or `requires_action`; after tool outputs it is `queued` again; a cancel makes it
//!   `cancelling` → `cancelled`; a run still waiting at `expires_at` is `expired`;
//! * a vector-store file is `in_progress` one step, then `completed` or `failed`, or
//!   `cancelled` with its batch; a store's and a batch's status and `file_counts` derive from
//!   their files.
//!
//! Each change happens one step (the engine's `step_delay`) after the previous one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use openai_blocking::types::*;

use super::clock::{later, secs, Now};
use super::model::{ModelReply, ModelToolOutput, SearchPassage};
use super::search::IndexedFile;
use super::store::{FileBatch, Ids, Message, Thread, VectorStore, VectorStoreFile};
use super::text;

/// A run step.
#[derive(Debug)]
pub(crate) struct Step {
    pub seq: u64,
    pub resp: RunStepResponse,
}

/// A run: its API object plus the clock and the model's working state.
#[derive(Debug)]
pub(crate) struct Run {
    pub seq: u64,
    pub resp: RunResponse,
    /// When the run was created, on the engine's clock.
    born: Now,
    /// When the current status began.
    since: Instant,
    deadline: Instant,
    /// Incremented at every model turn, so that a late answer to a cancelled turn is ignored.
    pub round: u32,
    /// The model is working on this run right now.
    pub claimed: bool,
    pub steps: Vec<Step>,
    /// Outputs submitted for the previous turn's function calls.
    pub outputs: Vec<ModelToolOutput>,
    /// Messages up to this sequence number are the run's conversation.
    pub input_seq: u64,
    /// The vector stores file search reads.
    pub vector_store_ids: Vec<String>,
}

/// Why a change was refused: a message and the request field it concerns.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub message: String,
    pub param: Option<String>,
}

impl Refusal {
    fn new(message: impl Into<String>, param: Option<&str>) -> Self {
        Self {
            message: message.into(),
            param: param.map(str::to_string),
        }
    }
}

impl Run {
    /// A queued run created `now` (its `created_at`, `expires_at` and `status` are set here).
    pub fn new(
        seq: u64,
        mut resp: RunResponse,
        now: Now,
        expiry: Duration,
        input_seq: u64,
        vector_store_ids: Vec<String>,
    ) -> Self {
        let deadline = later(now.at, expiry);
        resp.created_at = now.unix;
        // Whole seconds rounded up, so that `expires_at` never comes before the expiry.
        let whole = secs(expiry).saturating_add(i64::from(expiry.subsec_nanos() > 0));
        resp.expires_at = Some(now.unix.saturating_add(whole));
        resp.status = RunResponseStatus::Queued;
        Self {
            seq,
            resp,
            born: now,
            since: now.at,
            deadline,
            round: 0,
            claimed: false,
            steps: Vec::new(),
            outputs: Vec::new(),
            input_seq,
            vector_store_ids,
        }
    }

    /// The Unix time of `at`.
    pub fn unix(&self, at: Instant) -> i64 {
        self.born.unix_at(at)
    }

    /// Whether the run is unfinished (queued, in progress, requires action or cancelling).
    pub fn is_active(&self) -> bool {
        use RunResponseStatus::*;
        matches!(
            self.resp.status,
            Queued | InProgress | RequiresAction | Cancelling
        )
    }

    /// Moves the run along its timeline up to `now`. Returns true when the model is due: the
    /// run is then claimed, and [`finish`] must be called with the model's reply.
    pub fn advance(&mut self, now: Instant, step: Duration) -> bool {
        use RunResponseStatus::*;
        loop {
            let due = later(self.since, step);
            let expires_first = self.deadline <= due && now >= self.deadline;
            match self.resp.status {
                Queued | InProgress if !self.claimed && expires_first => {
                    self.expire();
                    return false;
                }
                RequiresAction if now >= self.deadline => {
                    self.expire();
                    return false;
                }
                Queued if now >= due => {
                    self.resp.status = InProgress;
                    if self.resp.started_at.is_none() {
                        self.resp.started_at = Some(self.unix(due));
                    }
                    self.since = due;
                }
                InProgress if !self.claimed && now >= due => {
                    self.claimed = true;
                    self.round += 1;
                    self.since = due;
                    return true;
                }
                Cancelling if now >= due => {
                    let at = self.unix(due);
                    self.resp.status = Cancelled;
                    self.resp.cancelled_at = Some(at);
                    self.resp.expires_at = None;
                    self.close_steps(RunStepResponseStatus::Cancelled, at);
                    return false;
                }
                _ => return false,
            }
        }
    }

    fn expire(&mut self) {
        let at = self.unix(self.deadline);
        self.resp.status = RunResponseStatus::Expired;
        self.resp.required_action = None;
        self.close_steps(RunStepResponseStatus::Expired, at);
    }

    /// Ends the steps still in progress with the given status.
    fn close_steps(&mut self, status: RunStepResponseStatus, at: i64) {
        for s in self.steps.iter_mut().map(|s| &mut s.resp) {
            if s.status == RunStepResponseStatus::InProgress {
                match status {
                    RunStepResponseStatus::Cancelled => s.cancelled_at = Some(at),
                    RunStepResponseStatus::Expired => s.expired_at = Some(at),
                    _ => s.completed_at = Some(at),
                }
                s.status = status.clone();
            }
        }
    }

    /// Starts cancelling the run: `cancelling` now, `cancelled` one step later. A model turn
    /// in progress is abandoned.
    pub fn cancel(&mut self, now: Instant) -> Result<(), Refusal> {
        use RunResponseStatus::*;
        match self.resp.status {
            Queued | InProgress | RequiresAction => {
                self.resp.status = Cancelling;
                self.resp.required_action = None;
                self.claimed = false;
                self.since = now;
                Ok(())
            }
            ref other => Err(Refusal::new(
                format!("Cannot cancel run with status '{other}'."),
                None,
            )),
        }
    }

    /// Takes the outputs of the pending function calls, as `(tool_call_id, output)` pairs;
    /// every pending call needs exactly one. The run is queued again for the model's next turn.
    pub fn submit_outputs(
        &mut self,
        outputs: &[(Option<String>, Option<String>)],
        now: Instant,
    ) -> Result<(), Refusal> {
        if self.resp.status != RunResponseStatus::RequiresAction {
            return Err(Refusal::new(
                format!(
                    "Runs in status '{}' do not accept tool outputs.",
                    self.resp.status
                ),
                None,
            ));
        }
        let pending: Vec<RunToolCallObject> = self
            .resp
            .required_action
            .as_ref()
            .map(|a| a.submit_tool_outputs.tool_calls.clone())
            .unwrap_or_default();
        let mut given: Vec<(&str, &str)> = Vec::new();
        for (i, (id, output)) in outputs.iter().enumerate() {
            let id = id.as_deref().ok_or_else(|| {
                Refusal::new(
                    "Missing required parameter: 'tool_call_id'.",
                    Some(&format!("tool_outputs[{i}].tool_call_id")),
                )
            })?;
            if !pending.iter().any(|c| c.id == id) {
                return Err(Refusal::new(
                    format!("No tool call found with id '{id}'."),
                    Some(&format!("tool_outputs[{i}].tool_call_id")),
                ));
            }
            if given.iter().any(|(g, _)| *g == id) {
                return Err(Refusal::new(
                    format!("Tool call '{id}' has more than one output."),
                    Some(&format!("tool_outputs[{i}].tool_call_id")),
                ));
            }
            given.push((id, output.as_deref().unwrap_or("")));
        }
        if given.len() != pending.len() {
            let expected: Vec<&str> = pending.iter().map(|c| c.id.as_str()).collect();
            let got: Vec<&str> = given.iter().map(|(id, _)| *id).collect();
            return Err(Refusal::new(
                format!("Expected tool outputs for call_ids {expected:?}, got {got:?}."),
                Some("tool_outputs"),
            ));
        }
        let at = self.unix(now);
        self.outputs = pending
            .iter()
            .map(|c| {
                let output = given.iter().find(|(id, _)| *id == c.id).map_or("", |g| g.1);
                ModelToolOutput::new(&c.id, &c.function.name, &c.function.arguments, output)
            })
            .collect();
        for step in self.steps.iter_mut().map(|s| &mut s.resp) {
            let RunStepDetails::ToolCalls { tool_calls } = &mut step.step_details else {
                continue;
            };
            let mut touched = false;
            for call in tool_calls {
                if let RunStepToolCall::Function { function, id } = call {
                    if let Some((_, out)) = given.iter().find(|(g, _)| g == id) {
                        function.output = Some((*out).to_string());
                        touched = true;
                    }
                }
            }
            if touched {
                step.status = RunStepResponseStatus::Completed;
                step.completed_at = Some(at);
            }
        }
        self.resp.required_action = None;
        self.resp.status = RunResponseStatus::Queued;
        self.since = now;
        Ok(())
    }
}

/// What the model produced for one turn of a run.
#[derive(Debug)]
pub(crate) struct Turn {
    pub round: u32,
    pub reply: Result<ModelReply, String>,
    /// The results of the file searches the model made, one list per search.
    pub searches: Vec<Vec<SearchPassage>>,
    pub score_threshold: f64,
    pub prompt_tokens: i64,
    /// The functions the run may call.
    pub functions: Vec<String>,
}

/// Applies a model turn to run `run_index` of `thread`: records the steps, and completes the
/// run with an assistant message, or asks for tool outputs, or fails it. A turn for a run that
/// moved on meanwhile (cancelled, expired) is dropped.
pub(crate) fn finish(
    thread: &mut Thread,
    run_index: usize,
    ids: &mut Ids,
    turn: Turn,
    now: Instant,
) {
    let Thread { runs, messages, .. } = thread;
    let Some(run) = runs.get_mut(run_index) else {
        return;
    };
    if !run.claimed || run.round != turn.round || run.resp.status != RunResponseStatus::InProgress {
        return;
    }
    run.claimed = false;
    let at = run.unix(now);
    if !turn.searches.is_empty() {
        let calls = turn
            .searches
            .iter()
            .map(|found| RunStepToolCall::FileSearch {
                id: ids.issue("call_").0,
                file_search: RunStepDetailsToolCallsFileSearchObjectFileSearch {
                    ranking_options: Some(RunStepDetailsToolCallsFileSearchRankingOptionsObject {
                        ranker: FileSearchRanker::Default20240821,
                        score_threshold: turn.score_threshold,
                    }),
                    results: found
                        .iter()
                        .map(|p| RunStepDetailsToolCallsFileSearchResultObject {
                            content: Some(vec![RunStepDetailsToolCallsFileSearchResultObjectContentItem {
                                text: Some(p.text.clone()),
                                type_: Some(RunStepDetailsToolCallsFileSearchResultObjectContentItemType::Text),
                            }]),
                            file_id: p.file_id.clone(),
                            file_name: p.filename.clone(),
                            score: p.score,
                        })
                        .collect::<Vec<_>>()
                        .into(),
                },
            })
            .collect();
        push_step(
            run,
            ids,
            RunStepDetails::ToolCalls { tool_calls: calls },
            true,
            at,
            None,
        );
    }
    let reply = turn.reply.and_then(|r| match r {
        ModelReply::ToolCalls(calls) if calls.is_empty() => {
            Err("The model returned an empty list of tool calls.".to_string())
        }
        ModelReply::ToolCalls(calls) => {
            match calls.iter().find(|c| !turn.functions.contains(&c.name)) {
                Some(c) => Err(format!(
                    "The model called '{}', which is not a function tool of this run.",
                    c.name
                )),
                None => Ok(ModelReply::ToolCalls(calls)),
            }
        }
        answer => Ok(answer),
    });
    match reply {
        Err(message) => {
            run.resp.status = RunResponseStatus::Failed;
            run.resp.failed_at = Some(at);
            run.resp.expires_at = None;
            run.resp.last_error = Some(RunResponseLastError {
                code: RunResponseLastErrorCode::ServerError,
                message,
            });
        }
        Ok(ModelReply::ToolCalls(calls)) => {
            let calls: Vec<RunToolCallObject> = calls
                .into_iter()
                .map(|c| RunToolCallObject {
                    id: ids.issue("call_").0,
                    type_: RunToolCallObjectType::Function,
                    function: RunToolCallObjectFunction {
                        name: c.name,
                        arguments: c.arguments,
                    },
                })
                .collect();
            let completion: i64 = calls
                .iter()
                .map(|c| text::token_count(&c.function.arguments) + 4)
                .sum();
            let details = RunStepDetails::ToolCalls {
                tool_calls: calls
                    .iter()
                    .map(|c| RunStepToolCall::Function {
                        id: c.id.clone(),
                        function: RunStepDetailsToolCallsFunctionObjectFunction {
                            name: c.function.name.clone(),
                            arguments: c.function.arguments.clone(),
                            output: None,
                        },
                    })
                    .collect(),
            };
            push_step(
                run,
                ids,
                details,
                false,
                at,
                Some((turn.prompt_tokens, completion)),
            );
            add_usage(run, turn.prompt_tokens, completion);
            run.resp.status = RunResponseStatus::RequiresAction;
            run.resp.required_action = Some(RunResponseRequiredAction {
                type_: RunResponseRequiredActionType::SubmitToolOutputs,
                submit_tool_outputs: RunResponseRequiredActionSubmitToolOutputs {
                    tool_calls: calls,
                },
            });
            run.since = now;
        }
        Ok(ModelReply::Answer(mut answer)) => {
            let mut incomplete = false;
            if let Some(max) = run.resp.max_completion_tokens.filter(|&m| m > 0) {
                if text::token_count(&answer.text) > max {
                    let cut = truncate_tokens(&answer.text, max);
                    answer.text.truncate(cut);
                    let len = text::char_len(&answer.text);
                    answer.citations.retain(|c| c.end <= len);
                    incomplete = true;
                }
            }
            let len = text::char_len(&answer.text);
            let annotations = answer
                .citations
                .iter()
                .filter(|c| c.start < c.end && c.end <= len)
                .map(|c| TextAnnotation::FileCitation {
                    start_index: c.start as i64,
                    end_index: c.end as i64,
                    text: answer
                        .text
                        .chars()
                        .skip(c.start)
                        .take(c.end - c.start)
                        .collect(),
                    file_citation: MessageContentTextAnnotationsFileCitationObjectFileCitation {
                        file_id: c.file_id.clone(),
                    },
                })
                .collect();
            let (message_id, seq) = ids.issue("msg_");
            let completion = text::token_count(&answer.text);
            messages.push(Message {
                seq,
                resp: Arc::new(ThreadMessageResponse {
                    extra: Default::default(),
                    assistant_id: Some(run.resp.assistant_id.clone()),
                    attachments: Some(Vec::new()),
                    completed_at: (!incomplete).then_some(at),
                    content: vec![MessageContent::Text {
                        text: MessageContentTextObjectText {
                            annotations,
                            value: answer.text,
                        },
                    }],
                    created_at: at,
                    id: message_id.clone(),
                    incomplete_at: incomplete.then_some(at),
                    incomplete_details: incomplete.then_some(
                        ThreadMessageResponseIncompleteDetails {
                            reason: ThreadMessageResponseIncompleteDetailsReason::MaxTokens,
                        },
                    ),
                    metadata: super::store::metadata_or_empty(None),
                    object: ThreadMessageResponseObject::ThreadMessage,
                    role: ThreadMessageResponseRole::Assistant,
                    run_id: Some(run.resp.id.clone()),
                    status: Some(if incomplete {
                        ThreadMessageResponseStatus::Incomplete
                    } else {
                        ThreadMessageResponseStatus::Completed
                    }),
                    thread_id: run.resp.thread_id.clone(),
                }),
            });
            let details = RunStepDetails::MessageCreation {
                message_creation: RunStepDetailsMessageCreationObjectMessageCreation { message_id },
            };
            push_step(
                run,
                ids,
                details,
                true,
                at,
                Some((turn.prompt_tokens, completion)),
            );
            add_usage(run, turn.prompt_tokens, completion);
            run.resp.expires_at = None;
            if incomplete {
                run.resp.status = RunResponseStatus::Incomplete;
                run.resp.incomplete_details = Some(RunResponseIncompleteDetails {
                    reason: Some(RunResponseIncompleteDetailsReason::MaxCompletionTokens),
                });
            } else {
                run.resp.status = RunResponseStatus::Completed;
                run.resp.completed_at = Some(at);
            }
        }
    }
}

/// The byte length of the first `max` tokens of `text` (words with their punctuation).
fn truncate_tokens(text: &str, max: i64) -> usize {
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if text::token_count(&text[..i]) > max {
                break;
            }
            end = i;
        }
    }
    end
}

fn add_usage(run: &mut Run, prompt: i64, completion: i64) {
    let u = run.resp.usage.get_or_insert(RunCompletionUsage {
        completion_tokens: 0,
        prompt_tokens: 0,
        total_tokens: 0,
    });
    u.prompt_tokens += prompt;
    u.completion_tokens += completion;
    u.total_tokens = u.prompt_tokens + u.completion_tokens;
}

fn push_step(
    run: &mut Run,
    ids: &mut Ids,
    details: RunStepDetails,
    completed: bool,
    at: i64,
    usage: Option<(i64, i64)>,
) {
    let (id, seq) = ids.issue("step_");
    let type_ = match details {
        RunStepDetails::MessageCreation { .. } => RunStepResponseType::MessageCreation,
        _ => RunStepResponseType::ToolCalls,
    };
    run.steps.push(Step {
        seq,
        resp: RunStepResponse {
            extra: Default::default(),
            assistant_id: run.resp.assistant_id.clone(),
            cancelled_at: None,
            completed_at: completed.then_some(at),
            created_at: at,
            expired_at: None,
            failed_at: None,
            id,
            last_error: None,
            metadata: super::store::metadata_or_empty(None),
            object: RunStepResponseObject::ThreadRunStep,
            run_id: run.resp.id.clone(),
            status: if completed {
                RunStepResponseStatus::Completed
            } else {
                RunStepResponseStatus::InProgress
            },
            step_details: details,
            thread_id: run.resp.thread_id.clone(),
            type_,
            usage: usage.map(|(p, c)| RunStepCompletionUsage {
                prompt_tokens: p,
                completion_tokens: c,
                total_tokens: p + c,
            }),
        },
    });
}

impl VectorStoreFile {
    /// The file's status at `now`.
    pub fn status(&self, now: Instant) -> VectorStoreFileResponseStatus {
        if self.cancelled {
            VectorStoreFileResponseStatus::Cancelled
        } else if now < self.ready_at {
            VectorStoreFileResponseStatus::InProgress
        } else if self.outcome.is_ok() {
            VectorStoreFileResponseStatus::Completed
        } else {
            VectorStoreFileResponseStatus::Failed
        }
    }

    /// The file's index, once it is completed.
    pub fn indexed(&self, now: Instant) -> Option<&Arc<IndexedFile>> {
        match (self.status(now), &self.outcome) {
            (VectorStoreFileResponseStatus::Completed, Ok(f)) => Some(f),
            _ => None,
        }
    }

    /// The API object at `now`.
    pub fn view(&self, now: Instant) -> VectorStoreFileResponse {
        let status = self.status(now);
        let mut resp = self.resp.clone();
        resp.last_error = match (&status, &self.outcome) {
            (VectorStoreFileResponseStatus::Failed, Err(e)) => {
                Some(VectorStoreFileResponseLastError {
                    code: match e.code {
                        "unsupported_file" => VectorStoreFileResponseLastErrorCode::UnsupportedFile,
                        "invalid_file" => VectorStoreFileResponseLastErrorCode::InvalidFile,
                        _ => VectorStoreFileResponseLastErrorCode::ServerError,
                    },
                    message: e.message.clone(),
                })
            }
            _ => None,
        };
        if status != VectorStoreFileResponseStatus::Completed {
            resp.usage_bytes = Some(0);
        }
        resp.status = Some(status);
        resp
    }
}

/// File counts by status: in progress, completed, failed, cancelled, total.
pub(crate) fn file_counts<'a>(
    files: impl Iterator<Item = &'a VectorStoreFile>,
    now: Instant,
) -> [i64; 5] {
    let mut counts = [0i64; 5];
    for f in files {
        let slot = match f.status(now) {
            VectorStoreFileResponseStatus::InProgress => 0,
            VectorStoreFileResponseStatus::Completed => 1,
            VectorStoreFileResponseStatus::Failed => 2,
            _ => 3,
        };
        counts[slot] += 1;
        counts[4] += 1;
    }
    counts
}

impl VectorStore {
    /// The API object at `now`.
    pub fn view(&self, now: Now) -> VectorStoreResponse {
        let (now_unix, now) = (now.unix, now.at);
        let [in_progress, completed, failed, cancelled, total] =
            file_counts(self.files.iter(), now);
        let mut resp = self.resp.clone();
        resp.expires_at = resp.expires_after.as_ref().map(|e| {
            resp.last_active_at
                .unwrap_or(resp.created_at)
                .saturating_add(e.days.saturating_mul(86_400))
        });
        resp.status = Some(if resp.expires_at.is_some_and(|t| t <= now_unix) {
            VectorStoreResponseStatus::Expired
        } else if in_progress > 0 {
            VectorStoreResponseStatus::InProgress
        } else {
            VectorStoreResponseStatus::Completed
        });
        resp.file_counts = Some(VectorStoreResponseFileCounts {
            in_progress,
            completed,
            failed,
            cancelled,
            total,
        });
        resp.usage_bytes = Some(
            self.files
                .iter()
                .filter(|f| f.indexed(now).is_some())
                .filter_map(|f| f.resp.usage_bytes)
                .sum(),
        );
        resp
    }
}

impl FileBatch {
    /// The API object at `now`, counting the batch's files still in `store`.
    pub fn view(&self, store: &VectorStore, now: Instant) -> VectorStoreFileBatchResponse {
        let files = store
            .files
            .iter()
            .filter(|f| f.batch_id.as_deref() == Some(self.id.as_str()));
        let [in_progress, completed, failed, cancelled, total] = file_counts(files, now);
        let status = if self.cancelled {
            VectorStoreFileBatchResponseStatus::Cancelled
        } else if in_progress > 0 {
            VectorStoreFileBatchResponseStatus::InProgress
        } else if total > 0 && failed == total {
            VectorStoreFileBatchResponseStatus::Failed
        } else {
            VectorStoreFileBatchResponseStatus::Completed
        };
        VectorStoreFileBatchResponse {
            extra: Default::default(),
            created_at: self.created_at,
            file_counts: VectorStoreFileBatchResponseFileCounts {
                cancelled,
                completed,
                failed,
                in_progress,
                total,
            },
            id: self.id.clone(),
            object: VectorStoreFileBatchResponseObject::VectorStoreFilesBatch,
            status,
            vector_store_id: store.resp.id.clone(),
        }
    }
}
