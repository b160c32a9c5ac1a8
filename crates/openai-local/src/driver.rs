//! The run driver: advances a thread's runs and lets the model take the turns that are due,
//! in three steps: claim the turns (store held), ask the model (store free), apply the replies
//! (store held, each checked against the run as it is by then).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openai_blocking::types::*;

use super::engine::Session;
use super::lifecycle::{self, Run, Turn};
use super::model::{
    self, FileSearch, ModelFunction, ModelImage, ModelMessage, ModelRequest, ModelRole,
    ModelToolChoice,
};
use super::search::IndexedFile;
use super::spool::Content;
use super::store::{Store, VectorStore};

/// File search returns at most this many passages unless the tool says otherwise.
const DEFAULT_MAX_RESULTS: usize = 20;

/// A model turn claimed for a run: [`take_turn`] must follow.
pub(crate) struct Due {
    run_index: usize,
    run_id: String,
    round: u32,
    /// The request without its messages, which [`take_turn`] adds from `conversation`.
    request: ModelRequest,
    score_threshold: f64,
    functions: Vec<String>,
    /// The run's conversation: the thread's messages (shared with the store, not copied)
    /// that the model's messages are made of once the store is free.
    conversation: Vec<Arc<ThreadMessageResponse>>,
    /// The bytes of the image files the conversation shows (in memory or on disk), by file
    /// id; an image file missing here was deleted and is left out.
    image_files: HashMap<String, Content>,
}

/// Brings the runs of `thread_id` up to date (see the module documentation).
pub(crate) fn pump(session: &mut Session<'_>, thread_id: &str) {
    let now = session.now();
    let due = session.with_store(|store| claim_due_turns(store, thread_id, now.at));
    for due in due {
        take_turn(session, thread_id, due);
    }
}

/// Asks the model for a claimed turn (store free), then applies the reply (store held), if
/// the run is still the one claimed.
pub(crate) fn take_turn(session: &mut Session<'_>, thread_id: &str, mut due: Due) {
    due.request.messages = model_messages(&due.conversation, &due.image_files);
    let reply = session.respond(&due.request);
    let searches = due
        .request
        .file_search
        .as_ref()
        .map(FileSearch::take_log)
        .unwrap_or_default();
    let turn = Turn {
        round: due.round,
        reply,
        searches,
        score_threshold: due.score_threshold,
        prompt_tokens: model::prompt_tokens(&due.request),
        functions: due.functions,
    };
    let done = session.now();
    session.with_store(|store| {
        let Store { threads, ids, .. } = store;
        if let Some(thread) = threads.get_mut(thread_id) {
            if thread
                .runs
                .get(due.run_index)
                .is_some_and(|r| r.resp.id == due.run_id)
            {
                lifecycle::finish(thread, due.run_index, ids, turn, done.at);
            }
        }
    });
}

/// Moves the thread's runs along their timelines and claims the model turns that are due,
/// each with the request the model gets.
fn claim_due_turns(store: &mut Store, thread_id: &str, now: Instant) -> Vec<Due> {
    let step = store.timing.step;
    // Only unfinished runs move (a finished run's `advance` changes nothing): a thread's
    // history of completed runs costs one status check each, not a lookup of the thread.
    let active: Vec<usize> = store.threads.get(thread_id).map_or_else(Vec::new, |t| {
        (0..t.runs.len())
            .filter(|&i| t.runs[i].is_active())
            .collect()
    });
    active
        .into_iter()
        .filter_map(|i| claim(store, thread_id, i, now, step))
        .collect()
}

/// Claims the model turn of one run at once, whatever the step delay: the run goes from
/// `queued` to `in_progress` and its turn is due now. For a streamed run, whose client waits
/// on the stream. `None` when the run has no turn to take (it is waiting, finished, or the
/// model is already at work on it).
pub(crate) fn claim_now(
    store: &mut Store,
    thread_id: &str,
    run_id: &str,
    now: Instant,
) -> Option<Due> {
    let index = store
        .threads
        .get(thread_id)?
        .runs
        .iter()
        .position(|r| r.resp.id == run_id)?;
    claim(store, thread_id, index, now, Duration::ZERO)
}

/// Advances run `i` of the thread with the given step delay and claims its turn when due.
fn claim(
    store: &mut Store,
    thread_id: &str,
    i: usize,
    now: Instant,
    step: Duration,
) -> Option<Due> {
    let Store {
        threads,
        files,
        vector_stores,
        ..
    } = store;
    let thread = threads.get_mut(thread_id)?;
    if !thread.runs.get_mut(i)?.advance(now, step) {
        return None;
    }
    let run = &thread.runs[i];
    let (request, score_threshold) = run_request(run, vector_stores, now);
    let functions = request.functions.iter().map(|f| f.name.clone()).collect();
    // The conversation as shared references, and the image files it shows: the model's
    // messages are made (texts copied, images decoded) once the store is free.
    let conversation: Vec<Arc<ThreadMessageResponse>> = thread
        .messages
        .iter()
        .filter(|m| m.seq <= run.input_seq)
        .map(|m| Arc::clone(&m.resp))
        .collect();
    let mut image_files = HashMap::new();
    for m in &conversation {
        for part in &m.content {
            if let MessageContent::ImageFile { image_file } = part {
                if let Some(f) = files.get(&image_file.file_id) {
                    image_files.insert(image_file.file_id.clone(), f.content.clone());
                }
            }
        }
    }
    Some(Due {
        run_index: i,
        run_id: run.resp.id.clone(),
        round: run.round,
        request,
        score_threshold,
        functions,
        conversation,
        image_files,
    })
}

/// The model's messages for a run's conversation (store free): texts joined by blank lines,
/// images from `data:` URLs and from the files (read from disk when they are there; a file
/// that cannot be read gives an empty image).
fn model_messages(
    conversation: &[Arc<ThreadMessageResponse>],
    image_files: &HashMap<String, Content>,
) -> Vec<ModelMessage> {
    conversation
        .iter()
        .map(|m| {
            let role = match m.role {
                ThreadMessageResponseRole::Assistant => ModelRole::Assistant,
                _ => ModelRole::User,
            };
            let mut texts = Vec::new();
            let mut images = Vec::new();
            for part in &m.content {
                match part {
                    MessageContent::Text { text } => texts.push(text.value.as_str()),
                    MessageContent::ImageUrl { image_url } => {
                        images.push(super::data_url::url_image(&image_url.url))
                    }
                    MessageContent::ImageFile { image_file } => {
                        if let Some(content) = image_files.get(&image_file.file_id) {
                            images.push(ModelImage::Bytes(content.load().unwrap_or_default()));
                        }
                    }
                    _ => {}
                }
            }
            let mut message = ModelMessage::new(role, texts.join("\n\n"));
            message.images = images;
            message
        })
        .collect()
}

/// The model request for a run's next turn, without its messages (see [`model_messages`]),
/// and the file search score threshold. Indexed files are shared with the store (`Arc`s),
/// never copied.
fn run_request(
    run: &Run,
    stores: &HashMap<String, VectorStore>,
    now: Instant,
) -> (ModelRequest, f64) {
    let mut functions = Vec::new();
    let mut search_tool = None;
    for tool in &run.resp.tools {
        match tool {
            AssistantTool::Function { function } => {
                let mut f = ModelFunction::new(&function.name);
                f.description = function.description.clone();
                f.parameters = function
                    .parameters
                    .as_ref()
                    .map(|p| serde_json::Value::Object(p.0.clone()));
                functions.push(f);
            }
            AssistantTool::FileSearch { file_search } => {
                search_tool = Some(file_search.clone().unwrap_or_default())
            }
            _ => {}
        }
    }
    let threshold = search_tool
        .as_ref()
        .and_then(|t| t.ranking_options.as_ref())
        .map_or(0.0, |r| r.score_threshold);
    let file_search = search_tool.map(|tool| {
        let mut indexed: Vec<Arc<IndexedFile>> = Vec::new();
        for store in run.vector_store_ids.iter().filter_map(|id| stores.get(id)) {
            for f in store.files.iter().filter_map(|f| f.indexed(now)) {
                if !indexed.iter().any(|g| g.file_id == f.file_id) {
                    indexed.push(f.clone());
                }
            }
        }
        let max = tool
            .max_num_results
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(DEFAULT_MAX_RESULTS);
        FileSearch::new(indexed, max, threshold)
    });
    let tool_choice = match &run.resp.tool_choice {
        Some(AssistantsApiToolChoiceOption::String(s)) => match s {
            AssistantsApiToolChoiceOptionString::None => ModelToolChoice::None,
            AssistantsApiToolChoiceOptionString::Required => ModelToolChoice::Required,
            _ => ModelToolChoice::Auto,
        },
        Some(AssistantsApiToolChoiceOption::AssistantsNamedToolChoice(named)) => {
            match (&named.type_, &named.function) {
                (AssistantsNamedToolChoiceType::Function, Some(f)) => {
                    ModelToolChoice::Function(f.name.clone())
                }
                (AssistantsNamedToolChoiceType::FileSearch, _) => ModelToolChoice::FileSearch,
                _ => ModelToolChoice::Auto,
            }
        }
        None => ModelToolChoice::Auto,
    };
    let mut request = ModelRequest::new(Vec::new());
    request.model = run.resp.model.clone();
    request.instructions = run.resp.instructions.clone().unwrap_or_default();
    request.functions = functions;
    request.tool_choice = tool_choice;
    request.parallel_tool_calls = run.resp.parallel_tool_calls.0;
    request.tool_outputs = run.outputs.clone();
    request.file_search = file_search;
    (request, threshold)
}
