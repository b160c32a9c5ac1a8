//! Streamed runs (`stream: true`): the events OpenAI's API sends while a run works, as
//! server-sent events.
//!
//! A streamed run is the run the request would create anyway, stored like any other; only
//! its turn is taken at once, whatever the step delay, since the client waits on the stream.
//! The request queues the run and claims its turn in one store entry; the events known by
//! then (the run created, queued, in progress) are sent first, then the model is asked
//! (store free), its reply applied as for every run, and the rest of the events are written
//! from the stored run, steps and messages: what GET returns afterwards is what the stream's
//! last events carried.
//!
//! As the API does, a step or message is announced empty (`thread.run.step.created` with no
//! tool calls, `thread.message.created` with no content), then filled by deltas (the tool
//! calls; the text word by word, a citation in the delta holding its marker), then sent whole
//! when completed.

use std::time::Instant;

use openai_blocking::types::*;

use super::super::driver::{self, Due};
use super::super::http::Reply;
use super::super::store::{Store, Thread};
use super::super::text;
use super::runs::shown;

/// A streamed turn, opened in the store entry that queued its run.
pub(super) struct Opening {
    thread_id: String,
    run_id: String,
    /// The events known before the model is asked.
    prelude: Vec<AssistantStreamEvent>,
    /// The claimed turn (none when the run had no turn to take, e.g. it expired).
    due: Option<Due>,
    /// The run's steps before this turn: the turn's own come after them.
    steps_before: usize,
    /// Whether file search results carry their content.
    with_content: bool,
}

impl Opening {
    /// Claims the turn of queued run `run_id` now; the stream starts with `prelude`, then
    /// `thread.run.in_progress`.
    pub fn claim(
        store: &mut Store,
        thread_id: &str,
        run_id: &str,
        now: Instant,
        prelude: Vec<AssistantStreamEvent>,
        with_content: bool,
    ) -> Self {
        let due = driver::claim_now(store, thread_id, run_id, now);
        let mut opening = Self {
            thread_id: thread_id.to_string(),
            run_id: run_id.to_string(),
            prelude,
            due,
            steps_before: 0,
            with_content,
        };
        let run = store
            .threads
            .get(thread_id)
            .and_then(|t| t.runs.iter().find(|r| r.resp.id == run_id));
        if let Some(run) = run {
            opening.steps_before = run.steps.len();
            if opening.due.is_some() {
                opening
                    .prelude
                    .push(AssistantStreamEvent::ThreadRunInProgress {
                        data: run.resp.clone(),
                    });
            }
        }
        opening
    }

    /// The same opening with more events sent before the model is asked.
    pub fn then(mut self, events: impl IntoIterator<Item = AssistantStreamEvent>) -> Self {
        self.prelude.extend(events);
        self
    }

    /// The streamed answer: the prelude at once, then the model's turn and its events, then
    /// `done`.
    pub fn reply(self) -> Reply {
        Reply::events(move |session, out| {
            for event in &self.prelude {
                out.event(event);
            }
            out.send();
            if let Some(due) = self.due {
                driver::take_turn(session, &self.thread_id, due);
            }
            let events = session.with_store(|store| {
                turn_events(
                    store,
                    &self.thread_id,
                    &self.run_id,
                    self.steps_before,
                    self.with_content,
                )
            });
            for event in &events {
                out.event(event);
            }
            out.event(&AssistantStreamEvent::Done {
                data: AssistantStreamEventData::Done,
            });
        })
    }
}

/// The events of a turn, read from the stored run: its new steps (with their message), then
/// the run in the status the turn left it in.
fn turn_events(
    store: &Store,
    thread_id: &str,
    run_id: &str,
    steps_before: usize,
    with_content: bool,
) -> Vec<AssistantStreamEvent> {
    let Some(thread) = store.threads.get(thread_id) else {
        return vec![gone(format!(
            "The thread '{thread_id}' was deleted while its run streamed."
        ))];
    };
    let Some(run) = thread.runs.iter().find(|r| r.resp.id == run_id) else {
        return vec![gone(format!(
            "The run '{run_id}' was deleted while it streamed."
        ))];
    };
    let mut events = Vec::new();
    for step in run.steps.iter().skip(steps_before) {
        step_events(&mut events, thread, &shown(&step.resp, with_content));
    }
    events.extend(run_event(&run.resp));
    events
}

/// An `error` event for an object that vanished under the stream.
fn gone(message: String) -> AssistantStreamEvent {
    AssistantStreamEvent::Error {
        data: ApiError {
            code: None,
            message,
            param: None,
            type_: "invalid_request_error".into(),
        },
    }
}

/// The event announcing the run's status (none for an unknown status).
pub(super) fn run_event(run: &RunResponse) -> Option<AssistantStreamEvent> {
    use AssistantStreamEvent as E;
    use RunResponseStatus as S;
    let data = run.clone();
    Some(match run.status {
        S::Queued => E::ThreadRunQueued { data },
        S::InProgress => E::ThreadRunInProgress { data },
        S::RequiresAction => E::ThreadRunRequiresAction { data },
        S::Completed => E::ThreadRunCompleted { data },
        S::Incomplete => E::ThreadRunIncomplete { data },
        S::Failed => E::ThreadRunFailed { data },
        S::Cancelling => E::ThreadRunCancelling { data },
        S::Cancelled => E::ThreadRunCancelled { data },
        S::Expired => E::ThreadRunExpired { data },
        S::Unknown(_) => return None,
    })
}

/// A step's events: created and in progress (empty), its deltas (with the message it
/// created), and its end when it ended.
fn step_events(events: &mut Vec<AssistantStreamEvent>, thread: &Thread, step: &RunStepResponse) {
    use AssistantStreamEvent as E;
    let opened = RunStepResponse {
        status: RunStepResponseStatus::InProgress,
        cancelled_at: None,
        completed_at: None,
        expired_at: None,
        failed_at: None,
        last_error: None,
        usage: None,
        step_details: match &step.step_details {
            RunStepDetails::ToolCalls { .. } => RunStepDetails::ToolCalls {
                tool_calls: Vec::new(),
            },
            other => other.clone(),
        },
        ..step.clone()
    };
    events.push(E::ThreadRunStepCreated {
        data: opened.clone(),
    });
    events.push(E::ThreadRunStepInProgress { data: opened });
    match &step.step_details {
        RunStepDetails::ToolCalls { tool_calls } => {
            for (i, call) in tool_calls.iter().enumerate() {
                for delta in tool_call_deltas(i as i64, call) {
                    events.push(E::ThreadRunStepDelta {
                        data: RunStepDeltaObject {
                            delta: RunStepDeltaObjectDelta {
                                step_details: Some(RunStepDeltaDetails::ToolCalls {
                                    tool_calls: Some(vec![delta]),
                                }),
                            },
                            id: step.id.clone(),
                            object: RunStepDeltaObjectObject::ThreadRunStepDelta,
                        },
                    });
                }
            }
        }
        RunStepDetails::MessageCreation { message_creation } => {
            let message = thread
                .messages
                .iter()
                .find(|m| m.resp.id == message_creation.message_id);
            if let Some(message) = message {
                message_events(events, &message.resp);
            }
        }
        RunStepDetails::Unknown(_) => {}
    }
    let data = step.clone();
    events.push(match step.status {
        RunStepResponseStatus::Completed => E::ThreadRunStepCompleted { data },
        RunStepResponseStatus::Failed => E::ThreadRunStepFailed { data },
        RunStepResponseStatus::Cancelled => E::ThreadRunStepCancelled { data },
        RunStepResponseStatus::Expired => E::ThreadRunStepExpired { data },
        // Still in progress: function calls waiting for their outputs.
        _ => return,
    });
}

/// The deltas that make a tool call: its id, type and name first (a function's arguments
/// empty), then a function's arguments.
fn tool_call_deltas(index: i64, call: &RunStepToolCall) -> Vec<RunStepToolCallDelta> {
    match call {
        RunStepToolCall::Function { function, id } => {
            let mut deltas = vec![RunStepToolCallDelta::Function {
                function: Some(RunStepDeltaStepDetailsToolCallsFunctionObjectFunction {
                    arguments: Some(String::new()),
                    name: Some(function.name.clone()),
                    output: None,
                }),
                id: Some(id.clone()),
                index,
            }];
            if !function.arguments.is_empty() {
                deltas.push(RunStepToolCallDelta::Function {
                    function: Some(RunStepDeltaStepDetailsToolCallsFunctionObjectFunction {
                        arguments: Some(function.arguments.clone()),
                        name: None,
                        output: None,
                    }),
                    id: None,
                    index,
                });
            }
            deltas
        }
        RunStepToolCall::FileSearch { id, .. } => vec![RunStepToolCallDelta::FileSearch {
            file_search: serde_json::Map::new(),
            id: Some(id.clone()),
            index,
        }],
        // The engine makes no other tool calls.
        _ => Vec::new(),
    }
}

/// A message's events: created and in progress (no content yet), the text word by word, then
/// the message as stored.
fn message_events(events: &mut Vec<AssistantStreamEvent>, message: &ThreadMessageResponse) {
    use AssistantStreamEvent as E;
    let opened = ThreadMessageResponse {
        status: Some(ThreadMessageResponseStatus::InProgress),
        content: Vec::new(),
        completed_at: None,
        incomplete_at: None,
        incomplete_details: None,
        ..message.clone()
    };
    events.push(E::ThreadMessageCreated {
        data: opened.clone(),
    });
    events.push(E::ThreadMessageInProgress { data: opened });
    for (index, part) in message.content.iter().enumerate() {
        let MessageContent::Text { text } = part else {
            continue;
        };
        for content in text_deltas(index as i64, text) {
            events.push(E::ThreadMessageDelta {
                data: MessageDeltaObject {
                    delta: MessageDeltaObjectDelta {
                        content: Some(vec![content]),
                        role: None,
                    },
                    id: message.id.clone(),
                    object: MessageDeltaObjectObject::ThreadMessageDelta,
                },
            });
        }
    }
    let data = message.clone();
    events.push(match message.status {
        Some(ThreadMessageResponseStatus::Incomplete) => E::ThreadMessageIncomplete { data },
        _ => E::ThreadMessageCompleted { data },
    });
}

/// The deltas of text part `index`: one per word (with the whitespace before it); the first
/// carries an empty annotation list, and each annotation comes with the delta holding its
/// span, at the offsets it has in the whole text.
fn text_deltas(index: i64, text: &MessageContentTextObjectText) -> Vec<MessageDeltaContent> {
    let spans: Vec<(usize, usize)> = text
        .annotations
        .iter()
        .map(|a| match a {
            TextAnnotation::FileCitation {
                start_index,
                end_index,
                ..
            }
            | TextAnnotation::FilePath {
                start_index,
                end_index,
                ..
            } => (
                usize::try_from(*start_index).unwrap_or(0),
                usize::try_from(*end_index).unwrap_or(0),
            ),
            TextAnnotation::Unknown(_) => (0, 0),
        })
        .collect();
    let whole: Vec<std::ops::Range<usize>> = spans.iter().map(|&(s, e)| s..e).collect();
    let pieces = text::stream_pieces(&text.value, &whole);
    let chars: Vec<char> = text.value.chars().collect();
    let last = pieces.len().saturating_sub(1);
    pieces
        .iter()
        .enumerate()
        .map(|(k, piece)| {
            let annotations: Vec<TextAnnotationDelta> = text
                .annotations
                .iter()
                .zip(&spans)
                .enumerate()
                .filter(|&(_, (_, &(start, _)))| {
                    piece.contains(&start) || (k == last && start >= piece.end)
                })
                .filter_map(|(i, (a, _))| annotation_delta(i as i64, a))
                .collect();
            let annotations = (k == 0 || !annotations.is_empty()).then_some(annotations);
            MessageDeltaContent::Text {
                index,
                text: Some(MessageDeltaContentTextObjectText {
                    annotations,
                    value: Some(chars[piece.clone()].iter().collect()),
                }),
            }
        })
        .collect()
}

/// An annotation as a delta carries it (`index` is its place in the text's annotations).
fn annotation_delta(index: i64, annotation: &TextAnnotation) -> Option<TextAnnotationDelta> {
    Some(match annotation {
        TextAnnotation::FileCitation {
            end_index,
            file_citation,
            start_index,
            text,
        } => TextAnnotationDelta::FileCitation {
            end_index: Some(*end_index),
            file_citation: Some(
                MessageDeltaContentTextAnnotationsFileCitationObjectFileCitation {
                    file_id: Some(file_citation.file_id.clone()),
                    quote: None,
                },
            ),
            index,
            start_index: Some(*start_index),
            text: Some(text.clone()),
        },
        TextAnnotation::FilePath {
            end_index,
            file_path,
            start_index,
            text,
        } => TextAnnotationDelta::FilePath {
            end_index: Some(*end_index),
            file_path: Some(MessageDeltaContentTextAnnotationsFilePathObjectFilePath {
                file_id: Some(file_path.file_id.clone()),
            }),
            index,
            start_index: Some(*start_index),
            text: Some(text.clone()),
        },
        TextAnnotation::Unknown(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn citation(start: i64, end: i64, text: &str) -> TextAnnotation {
        TextAnnotation::FileCitation {
            end_index: end,
            file_citation: MessageContentTextAnnotationsFileCitationObjectFileCitation {
                file_id: "file-1".into(),
            },
            start_index: start,
            text: text.into(),
        }
    }

    #[test]
    fn text_deltas_rebuild_the_text_and_place_each_citation_once() {
        let value = "Refunds take 30 days【0†source】 or 【1 x】.";
        let text = MessageContentTextObjectText {
            annotations: vec![
                citation(20, 30, "【0†source】"),
                citation(34, 39, "【1 x】"),
            ],
            value: value.into(),
        };
        let deltas = text_deltas(0, &text);
        let mut joined = String::new();
        let mut placed = Vec::new();
        for (k, d) in deltas.iter().enumerate() {
            let MessageDeltaContent::Text {
                index: 0,
                text: Some(t),
            } = d
            else {
                panic!("{d:?}")
            };
            let piece = t.value.clone().unwrap();
            let at = joined.chars().count() as i64;
            joined.push_str(&piece);
            assert_eq!(t.annotations.is_some(), k == 0 || piece.contains('【'));
            for a in t.annotations.iter().flatten() {
                let TextAnnotationDelta::FileCitation {
                    index,
                    start_index: Some(s),
                    end_index: Some(e),
                    ..
                } = a
                else {
                    panic!("{a:?}")
                };
                assert!(at <= *s && *e <= at + piece.chars().count() as i64);
                placed.push(*index);
            }
        }
        assert_eq!(joined, value);
        assert_eq!(placed, [0, 1]);
        assert_eq!(
            deltas.len(),
            6,
            "Refunds/take/30/days【0†source】/or/【1 x】."
        );
    }
}
