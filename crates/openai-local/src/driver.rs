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
use super::store::{Store, StoredFile, Thread, VectorStore};

/// File search returns at most this many passages unless the tool says otherwise.
const DEFAULT_MAX_RESULTS: usize = 20;

/// A model turn claimed for a run: [`take_turn`] must follow.
pub(crate) struct Due {
    run_index: usize,
    run_id: String,
    round: u32,
    request: ModelRequest,
    score_threshold: f64,
    functions: Vec<String>,
    /// Images of files on disk, read once the store is free: (message, image, bytes).
    on_disk: Vec<(usize, usize, Content)>,
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
    for (m, i, content) in std::mem::take(&mut due.on_disk) {
        if let (Some(image), Ok(bytes)) = (
            due.request
                .messages
                .get_mut(m)
                .and_then(|m| m.images.get_mut(i)),
            content.load(),
        ) {
            *image = ModelImage::Bytes(bytes);
        }
    }
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
    (0..store.threads.get(thread_id).map_or(0, |t| t.runs.len()))
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
    let mut on_disk = Vec::new();
    let (request, score_threshold) =
        run_request(run, thread, files, vector_stores, now, &mut on_disk);
    let functions = request.functions.iter().map(|f| f.name.clone()).collect();
    Some(Due {
        run_index: i,
        run_id: run.resp.id.clone(),
        round: run.round,
        request,
        score_threshold,
        functions,
        on_disk,
    })
}

/// The model request for a run's next turn, and the file search score threshold. File
/// contents are shared with the store (`Arc`s), never copied; an image file on disk is left
/// empty and listed in `on_disk`, to be read once the store is free.
fn run_request(
    run: &Run,
    thread: &Thread,
    files: &HashMap<String, StoredFile>,
    stores: &HashMap<String, VectorStore>,
    now: Instant,
    on_disk: &mut Vec<(usize, usize, Content)>,
) -> (ModelRequest, f64) {
    let messages = thread
        .messages
        .iter()
        .filter(|m| m.seq <= run.input_seq)
        .enumerate()
        .map(|(index, m)| {
            let role = match m.resp.role {
                ThreadMessageResponseRole::Assistant => ModelRole::Assistant,
                _ => ModelRole::User,
            };
            let mut texts = Vec::new();
            let mut images = Vec::new();
            for part in &m.resp.content {
                match part {
                    MessageContent::Text { text } => texts.push(text.value.as_str()),
                    MessageContent::ImageUrl { image_url } => {
                        images.push(super::data_url::url_image(&image_url.url))
                    }
                    MessageContent::ImageFile { image_file } => {
                        match files.get(&image_file.file_id).map(|f| &f.content) {
                            Some(Content::Memory(bytes)) => {
                                images.push(ModelImage::Bytes(bytes.clone()))
                            }
                            Some(content) => {
                                on_disk.push((index, images.len(), content.clone()));
                                images.push(ModelImage::Bytes(Arc::default()));
                            }
                            None => {}
                        }
                    }
                    _ => {}
                }
            }
            let mut message = ModelMessage::new(role, texts.join("\n\n"));
            message.images = images;
            message
        })
        .collect();
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
    let mut request = ModelRequest::new(messages);
    request.model = run.resp.model.clone();
    request.instructions = run.resp.instructions.clone().unwrap_or_default();
    request.functions = functions;
    request.tool_choice = tool_choice;
    request.parallel_tool_calls = run.resp.parallel_tool_calls.0;
    request.tool_outputs = run.outputs.clone();
    request.file_search = file_search;
    (request, threshold)
}
