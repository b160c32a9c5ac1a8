//! The server-sent events of a response, as the API sends them, numbered from 0:
//! `response.created`, (`response.queued` for a background response), `response.in_progress`;
//! for each output item `response.output_item.added`, its content (a message's
//! `content_part.added`, `output_text.delta` word by word with each
//! `output_text.annotation.added` after the delta reaching its place, `output_text.done`,
//! `content_part.done`; a function call's `function_call_arguments.delta` and `.done`; a file
//! search's `file_search_call.in_progress`, `.searching`, `.completed`) and
//! `response.output_item.done`; then `response.completed`, `response.incomplete` or
//! `response.failed`.
//!
//! The events are computed from the response as stored (its first state and its state now),
//! so the same response always gives the same events with the same numbers: a background
//! response's stream can be read again from any point.

use openai_blocking::types::*;

use super::super::responding::Snapshot;
use super::super::text;

/// Numbers the events as they are made.
struct Numbered {
    events: Vec<ResponseStreamEvent>,
}

impl Numbered {
    fn next(&self) -> i64 {
        self.events.len() as i64
    }

    fn push(&mut self, make: impl FnOnce(i64) -> ResponseStreamEvent) {
        let n = self.next();
        self.events.push(make(n));
    }
}

/// The events of a response so far (see the module documentation). A response not yet
/// answered (or cancelled) has only its opening events.
pub(crate) fn events(s: &Snapshot) -> Vec<ResponseStreamEvent> {
    use ResponseStreamEvent as E;
    let mut out = Numbered { events: Vec::new() };
    let opened = s.opened.clone();
    out.push(|n| E::ResponseCreated {
        response: opened.clone(),
        sequence_number: n,
    });
    if opened.status == Some(ResponseObjectStatus::Queued) {
        out.push(|n| E::ResponseQueued {
            response: opened.clone(),
            sequence_number: n,
        });
    }
    if !s.started {
        return out.events;
    }
    let working = ResponseObject {
        status: Some(ResponseObjectStatus::InProgress),
        ..opened
    };
    out.push(|n| E::ResponseInProgress {
        response: working,
        sequence_number: n,
    });
    let end = match s.resp.status {
        Some(ResponseObjectStatus::Completed) => E::ResponseCompleted {
            response: s.resp.clone(),
            sequence_number: 0,
        },
        Some(ResponseObjectStatus::Incomplete) => E::ResponseIncomplete {
            response: s.resp.clone(),
            sequence_number: 0,
        },
        Some(ResponseObjectStatus::Failed) => E::ResponseFailed {
            response: s.resp.clone(),
            sequence_number: 0,
        },
        _ => return out.events,
    };
    for (i, item) in s.resp.output.iter().enumerate() {
        item_events(&mut out, i as i64, item);
    }
    let n = out.next();
    out.events.push(match end {
        E::ResponseCompleted { response, .. } => E::ResponseCompleted {
            response,
            sequence_number: n,
        },
        E::ResponseIncomplete { response, .. } => E::ResponseIncomplete {
            response,
            sequence_number: n,
        },
        E::ResponseFailed { response, .. } => E::ResponseFailed {
            response,
            sequence_number: n,
        },
        other => other,
    });
    out.events
}

/// The events of output item `index`: added (empty, in progress), its content, done.
fn item_events(out: &mut Numbered, index: i64, item: &OutputItem) {
    use ResponseStreamEvent as E;
    let opened = match item {
        OutputItem::Message { id, role, .. } => OutputItem::Message {
            content: Vec::new(),
            id: id.clone(),
            phase: None,
            role: role.clone(),
            status: OutputMessageStatus::InProgress,
        },
        OutputItem::FunctionCall {
            call_id, id, name, ..
        } => OutputItem::FunctionCall {
            arguments: String::new(),
            call_id: call_id.clone(),
            caller: None,
            id: id.clone(),
            name: name.clone(),
            namespace: None,
            status: Some(FunctionToolCallStatus::InProgress),
        },
        OutputItem::FileSearchCall { id, queries, .. } => OutputItem::FileSearchCall {
            id: id.clone(),
            queries: queries.clone(),
            results: None,
            status: FileSearchToolCallStatus::InProgress,
        },
        other => other.clone(),
    };
    out.push(|n| E::ResponseOutputItemAdded {
        item: opened,
        output_index: index,
        sequence_number: n,
    });
    match item {
        OutputItem::Message { content, id, .. } => {
            for (k, part) in content.iter().enumerate() {
                part_events(out, index, id, k as i64, part);
            }
        }
        OutputItem::FunctionCall {
            arguments,
            id,
            name,
            ..
        } => {
            let item_id = id.clone().unwrap_or_default();
            out.push(|n| E::ResponseFunctionCallArgumentsDelta {
                delta: arguments.clone(),
                item_id: item_id.clone(),
                output_index: index,
                sequence_number: n,
            });
            out.push(|n| E::ResponseFunctionCallArgumentsDone {
                arguments: arguments.clone(),
                item_id,
                name: name.clone(),
                output_index: index,
                sequence_number: n,
            });
        }
        OutputItem::FileSearchCall { id, .. } => {
            let item_id = || id.clone();
            out.push(|n| E::ResponseFileSearchCallInProgress {
                item_id: item_id(),
                output_index: index,
                sequence_number: n,
            });
            out.push(|n| E::ResponseFileSearchCallSearching {
                item_id: item_id(),
                output_index: index,
                sequence_number: n,
            });
            out.push(|n| E::ResponseFileSearchCallCompleted {
                item_id: item_id(),
                output_index: index,
                sequence_number: n,
            });
        }
        _ => {}
    }
    out.push(|n| E::ResponseOutputItemDone {
        item: item.clone(),
        output_index: index,
        sequence_number: n,
    });
}

/// The events of content part `k` of message `item_id`: added (empty), the text word by word
/// with its annotations, the text done, the part done.
fn part_events(out: &mut Numbered, index: i64, item_id: &str, k: i64, part: &OutputMessageContent) {
    use ResponseStreamEvent as E;
    let empty = match part {
        OutputMessageContent::OutputText { .. } => OutputContent::OutputText {
            annotations: Vec::new(),
            logprobs: Some(Vec::new()),
            text: String::new(),
        },
        OutputMessageContent::Refusal { .. } => OutputContent::Refusal {
            refusal: String::new(),
        },
        OutputMessageContent::Unknown(v) => OutputContent::Unknown(v.clone()),
    };
    out.push(|n| E::ResponseContentPartAdded {
        content_index: k,
        item_id: item_id.to_string(),
        output_index: index,
        part: empty,
        sequence_number: n,
    });
    let whole = match part {
        OutputMessageContent::OutputText {
            annotations,
            logprobs,
            text,
        } => {
            let chars: Vec<char> = text.chars().collect();
            let mut placed = 0;
            for piece in text::stream_pieces(text, &[]) {
                let end = piece.end;
                let delta: String = chars[piece].iter().collect();
                out.push(|n| E::ResponseOutputTextDelta {
                    content_index: k,
                    delta,
                    item_id: item_id.to_string(),
                    logprobs: Vec::new(),
                    output_index: index,
                    sequence_number: n,
                });
                while placed < annotations.len() && annotation_index(&annotations[placed]) <= end {
                    annotation_event(out, index, item_id, k, placed, &annotations[placed]);
                    placed += 1;
                }
            }
            while placed < annotations.len() {
                annotation_event(out, index, item_id, k, placed, &annotations[placed]);
                placed += 1;
            }
            out.push(|n| E::ResponseOutputTextDone {
                content_index: k,
                item_id: item_id.to_string(),
                logprobs: Vec::new(),
                output_index: index,
                sequence_number: n,
                text: text.clone(),
            });
            OutputContent::OutputText {
                annotations: annotations.clone(),
                logprobs: logprobs.clone(),
                text: text.clone(),
            }
        }
        OutputMessageContent::Refusal { refusal } => {
            out.push(|n| E::ResponseRefusalDelta {
                content_index: k,
                delta: refusal.clone(),
                item_id: item_id.to_string(),
                output_index: index,
                sequence_number: n,
            });
            out.push(|n| E::ResponseRefusalDone {
                content_index: k,
                item_id: item_id.to_string(),
                output_index: index,
                refusal: refusal.clone(),
                sequence_number: n,
            });
            OutputContent::Refusal {
                refusal: refusal.clone(),
            }
        }
        OutputMessageContent::Unknown(v) => OutputContent::Unknown(v.clone()),
    };
    out.push(|n| E::ResponseContentPartDone {
        content_index: k,
        item_id: item_id.to_string(),
        output_index: index,
        part: whole,
        sequence_number: n,
    });
}

/// Where an annotation stands in its text (in characters).
fn annotation_index(a: &Annotation) -> usize {
    let at = match a {
        Annotation::FileCitation { index, .. } | Annotation::FilePath { index, .. } => *index,
        Annotation::UrlCitation { end_index, .. }
        | Annotation::ContainerFileCitation { end_index, .. } => *end_index,
        Annotation::Unknown(_) => 0,
    };
    usize::try_from(at).unwrap_or(0)
}

fn annotation_event(
    out: &mut Numbered,
    index: i64,
    item_id: &str,
    k: i64,
    placed: usize,
    annotation: &Annotation,
) {
    out.push(|n| ResponseStreamEvent::ResponseOutputTextAnnotationAdded {
        annotation: Some(annotation.clone()),
        annotation_index: placed as i64,
        content_index: k,
        item_id: item_id.to_string(),
        output_index: index,
        sequence_number: n,
    });
}
