//! Responses as the engine keeps them, and their lifecycle.
//!
//! A response asked without `background` is answered at once: it is stored `in_progress`
//! with its turn claimed, the model answers (store free), and the reply is applied (store
//! held). A background response is stored `queued` with the model's request; it moves to
//! `in_progress` one step later and the model answers at the next step, computed from
//! timestamps whenever the response is read ([`pump`]), like a run. A client waiting on its
//! stream takes the turn at once ([`claim_now`]). Cancelling drops the pending turn; a late
//! answer to a cancelled turn is ignored.
//!
//! Applying a reply makes the output items: one `file_search_call` per search the model
//! made, then an assistant message (its citation markers become `file_citation`
//! annotations, its text cut at `max_output_tokens`, which makes the response `incomplete`)
//! or the function calls. A completed (or incomplete) response's input and output items
//! join its conversation.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use openai_blocking::types::*;

use super::clock::{later, Now};
use super::engine::Session;
use super::items::{Body, Item};
use super::model::{self, FileSearch, ModelReply, ModelRequest, SearchPassage};
use super::store::{Ids, Store};
use super::text;

/// A response: its API object (output aside) with the items and the turn behind it.
#[derive(Debug)]
pub(crate) struct StoredResponse {
    /// The response now; its `output` is rendered from [`output`](Self::output) when read.
    pub resp: ResponseObject,
    /// The response as it was created (`queued`, or `in_progress`): its first events.
    pub opened: ResponseObject,
    /// What the model was given: the previous response's items or the conversation's, then
    /// this response's input (from [`input_from`](Self::input_from) on).
    pub context: Vec<Item>,
    pub input_from: usize,
    pub output: Vec<Item>,
    /// Whether file search results show in the output (`include[]`).
    pub include_results: bool,
    /// Whether the response stays retrievable once answered (`store`).
    pub store: bool,
    /// The function tools the model may call.
    pub functions: Vec<String>,
    /// The attributes of the searchable files, for the search results.
    pub attributes: HashMap<String, VectorStoreFileAttributes>,
    /// When the current status began.
    since: Instant,
    /// The model's request, until its turn is claimed.
    pending: Option<Box<ModelRequest>>,
    claimed: bool,
    round: u32,
    /// Whether the response reached `in_progress`.
    started: bool,
}

/// A response before it is stored: the API object as created, and what the turn needs.
pub(crate) struct NewResponse {
    pub resp: ResponseObject,
    pub context: Vec<Item>,
    pub input_from: usize,
    pub include_results: bool,
    pub store: bool,
    pub attributes: HashMap<String, VectorStoreFileAttributes>,
    pub request: ModelRequest,
}

/// A model turn claimed for a response: [`take_turn`] must follow.
pub(crate) struct Due {
    id: String,
    round: u32,
    request: Box<ModelRequest>,
}

/// A response as read at one moment, with what its events need.
#[derive(Clone, Debug)]
pub(crate) struct Snapshot {
    pub opened: ResponseObject,
    pub resp: ResponseObject,
    pub started: bool,
}

impl StoredResponse {
    /// Stores a new response: a background one `queued` with its turn pending, another
    /// `in_progress` with its turn claimed (returned).
    pub fn open(new: NewResponse, now: Now) -> (Self, Option<Due>) {
        let background = new.resp.background == Some(true);
        let functions = new
            .request
            .functions
            .iter()
            .map(|f| f.name.clone())
            .collect();
        let mut resp = new.resp;
        resp.status = Some(if background {
            ResponseObjectStatus::Queued
        } else {
            ResponseObjectStatus::InProgress
        });
        let mut stored = Self {
            opened: resp.clone(),
            resp,
            context: new.context,
            input_from: new.input_from,
            output: Vec::new(),
            include_results: new.include_results,
            store: new.store,
            functions,
            attributes: new.attributes,
            since: now.at,
            pending: Some(Box::new(new.request)),
            claimed: false,
            round: 0,
            started: !background,
        };
        let due = (!background).then(|| stored.claim()).flatten();
        (stored, due)
    }

    /// This response's own input items.
    pub fn input(&self) -> &[Item] {
        &self.context[self.input_from.min(self.context.len())..]
    }

    /// Whether the response is still to be answered (queued or in progress).
    pub fn is_active(&self) -> bool {
        matches!(
            self.resp.status,
            Some(ResponseObjectStatus::Queued | ResponseObjectStatus::InProgress)
        )
    }

    /// The API object, its output shown with file search results when `with_results` (or
    /// when the response was created asking for them).
    pub fn view(&self, with_results: bool) -> ResponseObject {
        let mut resp = self.resp.clone();
        let with_results = with_results || self.include_results;
        resp.output = self
            .output
            .iter()
            .map(|i| i.output_item(with_results))
            .collect();
        resp
    }

    /// The response and its first state, for its events.
    pub fn snapshot(&self, with_results: bool) -> Snapshot {
        Snapshot {
            opened: self.opened.clone(),
            resp: self.view(with_results),
            started: self.started,
        }
    }

    /// Claims the turn: the model's request is taken out.
    fn claim(&mut self) -> Option<Due> {
        let request = self.pending.take()?;
        self.claimed = true;
        self.round += 1;
        Some(Due {
            id: self.resp.id.clone(),
            round: self.round,
            request,
        })
    }

    /// Moves a background response along its timeline up to `now` (one status per `step`)
    /// and claims its turn when it is due.
    fn advance(&mut self, now: Instant, step: Duration) -> Option<Due> {
        loop {
            let due = later(self.since, step);
            match self.resp.status {
                Some(ResponseObjectStatus::Queued) if now >= due => {
                    self.resp.status = Some(ResponseObjectStatus::InProgress);
                    self.started = true;
                    self.since = due;
                }
                Some(ResponseObjectStatus::InProgress) if !self.claimed && now >= due => {
                    self.since = due;
                    return self.claim();
                }
                _ => return None,
            }
        }
    }

    /// Cancels a background response that is not answered yet; a cancelled one stays so.
    pub fn cancel(&mut self) -> Result<(), String> {
        if self.resp.background != Some(true) {
            return Err("Only responses created with 'background': true can be cancelled.".into());
        }
        match &self.resp.status {
            Some(ResponseObjectStatus::Queued | ResponseObjectStatus::InProgress) => {
                self.resp.status = Some(ResponseObjectStatus::Cancelled);
                self.pending = None;
                self.claimed = false;
                Ok(())
            }
            Some(ResponseObjectStatus::Cancelled) => Ok(()),
            other => Err(format!(
                "Cannot cancel a response with status '{}'.",
                other.as_ref().map_or("unknown".into(), ToString::to_string)
            )),
        }
    }
}

/// Claims a background response's turn at once, whatever the step delay (a client waits on
/// its stream): `queued` becomes `in_progress` now. `None` when there is no turn to take.
pub(crate) fn claim_now(store: &mut Store, id: &str, now: Now) -> Option<Due> {
    let r = store.responses.get_mut(id)?;
    if r.resp.status == Some(ResponseObjectStatus::Queued) {
        r.resp.status = Some(ResponseObjectStatus::InProgress);
        r.started = true;
        r.since = now.at;
    }
    if r.resp.status == Some(ResponseObjectStatus::InProgress) && !r.claimed {
        return r.claim();
    }
    None
}

/// Brings a background response up to date: advances its timeline and lets the model take
/// its turn when due, without holding the store while it works.
pub(crate) fn pump(session: &mut Session<'_>, id: &str) {
    let now = session.now();
    let due = session.with_store(|store| {
        let step = store.timing.step;
        store.responses.get_mut(id)?.advance(now.at, step)
    });
    if let Some(due) = due {
        take_turn(session, due);
    }
}

/// Brings up to date the background responses adding to conversation `id`.
pub(crate) fn pump_conversation(session: &mut Session<'_>, id: &str) {
    let active: Vec<String> = session.with_store(|store| {
        store
            .responses
            .values()
            .filter(|r| r.is_active())
            .filter(|r| r.resp.conversation.as_ref().is_some_and(|c| c.id == id))
            .map(|r| r.resp.id.clone())
            .collect()
    });
    for r in active {
        pump(session, &r);
    }
}

/// Asks the model for a claimed turn (store free), then applies the reply (store held) if
/// the response is still the one claimed. Returns the response as the turn left it (a
/// response not to be stored is removed then: this is its last state).
pub(crate) fn take_turn(session: &mut Session<'_>, due: Due) -> Option<Snapshot> {
    let turn = answer(session, &due.request);
    let done = session.now();
    session.with_store(|store| finish(store, &due.id, due.round, turn, done))
}

/// The model's answer to `request` (store free), to apply with [`finish`].
pub(crate) fn answer(session: &mut Session<'_>, request: &ModelRequest) -> Turn {
    let reply = session.respond(request);
    let search = request.file_search.as_ref();
    let searches = search.map(FileSearch::take_searches).unwrap_or_default();
    let filenames: HashMap<String, String> = search
        .map(|s| {
            s.documents()
                .iter()
                .map(|d| (d.file_id.to_string(), d.filename.to_string()))
                .collect()
        })
        .unwrap_or_default();
    Turn {
        reply,
        searches,
        filenames,
        prompt_tokens: model::prompt_tokens(request),
    }
}

/// What the model produced for one turn.
pub(crate) struct Turn {
    reply: Result<ModelReply, String>,
    searches: Vec<(String, Vec<SearchPassage>)>,
    filenames: HashMap<String, String>,
    prompt_tokens: i64,
}

impl Due {
    /// The turn's number, for [`finish`].
    pub fn round(&self) -> u32 {
        self.round
    }
}

/// Applies a turn to response `id` (see the module documentation); `None` when the response
/// is not the one claimed any more (cancelled, deleted).
pub(crate) fn finish(
    store: &mut Store,
    id: &str,
    round: u32,
    turn: Turn,
    now: Now,
) -> Option<Snapshot> {
    let Store {
        responses,
        conversations,
        ids,
        ..
    } = store;
    let r = responses.get_mut(id)?;
    if !r.claimed || r.round != round || r.resp.status != Some(ResponseObjectStatus::InProgress) {
        return None;
    }
    r.claimed = false;
    let mut output: Vec<Item> = turn
        .searches
        .iter()
        .map(|(query, found)| {
            let results = found
                .iter()
                .map(|p| FileSearchToolCallResultsItem {
                    attributes: r.attributes.get(&p.file_id).cloned(),
                    file_id: Some(p.file_id.clone()),
                    filename: Some(p.filename.clone()),
                    score: Some(p.score),
                    text: Some(p.text.clone()),
                })
                .collect();
            item(
                ids,
                Body::FileSearchCall {
                    queries: vec![query.clone()],
                    results,
                },
            )
        })
        .collect();
    let reply = turn.reply.and_then(|reply| match reply {
        ModelReply::ToolCalls(calls) if calls.is_empty() => {
            Err("The model returned an empty list of tool calls.".to_string())
        }
        ModelReply::ToolCalls(calls) => match calls.iter().find(|c| !r.functions.contains(&c.name))
        {
            Some(c) => Err(format!(
                "The model called '{}', which is not a function tool of this response.",
                c.name
            )),
            None => Ok(ModelReply::ToolCalls(calls)),
        },
        answer => Ok(answer),
    });
    let mut status = ResponseObjectStatus::Completed;
    let output_tokens = match reply {
        Err(message) => {
            r.resp.error = Some(ResponseError {
                code: ResponseErrorCode::ServerError,
                message,
            });
            status = ResponseObjectStatus::Failed;
            0
        }
        Ok(ModelReply::ToolCalls(calls)) => {
            let mut tokens = 0;
            for c in calls {
                tokens += text::token_count(&c.arguments) + 4;
                let call_id = ids.issue("call_").0;
                output.push(item(
                    ids,
                    Body::FunctionCall {
                        call_id,
                        name: c.name,
                        arguments: c.arguments,
                    },
                ));
            }
            tokens
        }
        Ok(ModelReply::Answer(answer)) => {
            let (mut value, mut notes) = annotated(&answer, &turn.filenames);
            if let Some(max) = r.resp.max_output_tokens.filter(|&m| m > 0) {
                if text::token_count(&value) > max {
                    value.truncate(truncate_tokens(&value, max));
                    let len = text::char_len(&value);
                    notes.retain(|a| matches!(a, Annotation::FileCitation { index, .. } if *index as usize <= len));
                    status = ResponseObjectStatus::Incomplete;
                    r.resp.incomplete_details = Some(ResponseObjectIncompleteDetails {
                        reason: Some(ResponseObjectIncompleteDetailsReason::MaxOutputTokens),
                    });
                }
            }
            let tokens = text::token_count(&value);
            output.push(item(
                ids,
                Body::Message {
                    role: MessageRole::Assistant,
                    content: vec![ItemContent::OutputText {
                        annotations: notes,
                        logprobs: Some(Vec::new()),
                        text: value,
                    }],
                    status: if status == ResponseObjectStatus::Incomplete {
                        MessageStatus::Incomplete
                    } else {
                        MessageStatus::Completed
                    },
                },
            ));
            tokens
        }
    };
    r.resp.usage = Some(ResponseUsage {
        input_tokens: turn.prompt_tokens,
        input_tokens_details: Some(ResponseUsageInputTokensDetails {
            cache_write_tokens: Some(0),
            cached_tokens: 0,
        }),
        output_tokens,
        output_tokens_details: ResponseUsageOutputTokensDetails {
            reasoning_tokens: 0,
        },
        total_tokens: turn.prompt_tokens + output_tokens,
    });
    if status == ResponseObjectStatus::Completed {
        r.resp.completed_at = Some(now.unix as f64);
    }
    let joins = status != ResponseObjectStatus::Failed;
    r.resp.status = Some(status);
    r.output = output;
    let conversation = r.resp.conversation.as_ref().map(|c| c.id.clone());
    if let (true, Some(conversation)) = (joins, conversation) {
        if let Some(c) = conversations.get_mut(&conversation) {
            c.append(r.input().iter().chain(&r.output).cloned());
        }
    }
    let snapshot = r.snapshot(false);
    if !r.store {
        responses.remove(id);
    }
    Some(snapshot)
}

/// An item with a fresh id.
fn item(ids: &mut Ids, body: Body) -> Item {
    let (id, seq) = ids.issue(body.id_prefix());
    Item {
        seq,
        id,
        body: std::sync::Arc::new(body),
    }
}

/// The answer's text without its citation markers, and a `file_citation` annotation for
/// each, at the place its marker was (in characters).
fn annotated(
    answer: &model::ModelAnswer,
    filenames: &HashMap<String, String>,
) -> (String, Vec<Annotation>) {
    let chars: Vec<char> = answer.text.chars().collect();
    let mut citations: Vec<&model::ModelCitation> = answer
        .citations
        .iter()
        .filter(|c| c.start < c.end && c.end <= chars.len())
        .collect();
    citations.sort_by_key(|c| c.start);
    let mut out = String::new();
    let mut notes = Vec::new();
    let mut at = 0;
    for c in citations {
        if c.start < at {
            continue; // overlaps the previous marker
        }
        out.extend(&chars[at..c.start]);
        // A marker set apart by a space leaves one space, not two.
        let next = chars.get(c.end).copied();
        if out.ends_with(' ') && next.is_none_or(|n| n.is_whitespace() || n.is_ascii_punctuation())
        {
            out.pop();
        }
        notes.push(Annotation::FileCitation {
            file_id: c.file_id.clone(),
            filename: filenames.get(&c.file_id).cloned().unwrap_or_default(),
            index: text::char_len(&out) as i64,
        });
        at = c.end;
    }
    out.extend(&chars[at..]);
    (out, notes)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ModelAnswer, ModelCitation};

    #[test]
    fn markers_become_annotations_at_their_place() {
        let answer = ModelAnswer::new("Thirty days【0†source】.\n\nFree returns【1†source】")
            .with_citation(ModelCitation::new(11, 21, "file-a"))
            .with_citation(ModelCitation::new(36, 46, "file-b"))
            .with_citation(ModelCitation::new(40, 99, "file-c"));
        let names = HashMap::from([("file-a".to_string(), "a.md".to_string())]);
        let (text, notes) = annotated(&answer, &names);
        assert_eq!(text, "Thirty days.\n\nFree returns");
        assert_eq!(
            notes,
            [
                Annotation::FileCitation {
                    file_id: "file-a".into(),
                    filename: "a.md".into(),
                    index: 11
                },
                Annotation::FileCitation {
                    file_id: "file-b".into(),
                    filename: String::new(),
                    index: 26
                },
            ]
        );
        let spaced = ModelAnswer::new("See a.md 【0†source】 for details.")
            .with_citation(ModelCitation::new(9, 19, "file-a"));
        let (text, notes) = annotated(&spaced, &names);
        assert_eq!(text, "See a.md for details.");
        assert!(matches!(
            notes[0],
            Annotation::FileCitation { index: 8, .. }
        ));
    }
}
