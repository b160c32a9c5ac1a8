//! The engine shared by the server's workers: the store behind one lock, the responder, and
//! the run driver that calls the responder outside the lock.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use openai_blocking::types::*;

use super::lifecycle::{self, Run, Turn};
use super::model::{
    self, FileSearch, ModelFunction, ModelImage, ModelMessage, ModelReply, ModelRequest, ModelRole,
    ModelToolChoice, Responder,
};
use super::search::IndexedFile;
use super::store::{Store, StoredFile, Thread, Timing, VectorStore};

/// Settings fixed when the server starts.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub timing: Timing,
    pub api_key: Option<String>,
    pub max_upload_bytes: usize,
    pub max_json_bytes: usize,
}

/// The engine: state, settings and model.
pub(crate) struct Engine {
    store: Mutex<Store>,
    responder: Arc<dyn Responder>,
    pub config: Config,
    requests: AtomicU64,
}

/// File search returns at most this many passages unless the tool says otherwise.
const DEFAULT_MAX_RESULTS: usize = 20;

impl Engine {
    /// An engine with an empty store.
    pub fn new(config: Config, responder: Arc<dyn Responder>) -> Self {
        Self {
            store: Mutex::new(Store::new(config.timing)),
            responder,
            config,
            requests: AtomicU64::new(0),
        }
    }

    /// The store. A handler that panicked while holding it leaves it usable.
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh `x-request-id`.
    pub fn next_request_id(&self) -> String {
        format!(
            "req_{:024x}",
            self.requests.fetch_add(1, Ordering::Relaxed) + 1
        )
    }

    /// Asks the responder; a panic becomes an error.
    pub fn respond(&self, request: &ModelRequest) -> Result<ModelReply, String> {
        catch_unwind(AssertUnwindSafe(|| self.responder.respond(request))).unwrap_or_else(|panic| {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".into());
            Err(format!("The model failed: {why}"))
        })
    }

    /// Brings the runs of a thread up to date: advances their timelines and lets the model
    /// take the turns that are due (without holding the lock while it works).
    pub fn pump(&self, thread_id: &str) {
        let now = Instant::now();
        let due: Vec<(usize, String, u32, ModelRequest, f64, Vec<String>)> = {
            let mut store = self.lock();
            let step = store.timing.step;
            let Store {
                threads,
                files,
                vector_stores,
                ..
            } = &mut *store;
            let Some(thread) = threads.get_mut(thread_id) else {
                return;
            };
            let mut due = Vec::new();
            for i in 0..thread.runs.len() {
                if thread.runs[i].advance(now, step) {
                    let run = &thread.runs[i];
                    let (request, threshold) = run_request(run, thread, files, vector_stores, now);
                    let functions = request.functions.iter().map(|f| f.name.clone()).collect();
                    due.push((
                        i,
                        run.resp.id.clone(),
                        run.round,
                        request,
                        threshold,
                        functions,
                    ));
                }
            }
            due
        };
        for (index, run_id, round, request, score_threshold, functions) in due {
            let reply = self.respond(&request);
            let searches = request
                .file_search
                .as_ref()
                .map(FileSearch::take_log)
                .unwrap_or_default();
            let turn = Turn {
                round,
                reply,
                searches,
                score_threshold,
                prompt_tokens: model::prompt_tokens(&request),
                functions,
            };
            let mut store = self.lock();
            let Store { threads, ids, .. } = &mut *store;
            if let Some(thread) = threads.get_mut(thread_id) {
                if thread.runs.get(index).is_some_and(|r| r.resp.id == run_id) {
                    lifecycle::finish(thread, index, ids, turn, Instant::now());
                }
            }
        }
    }
}

/// The model request for a run's next turn, and the file search score threshold.
fn run_request(
    run: &Run,
    thread: &Thread,
    files: &HashMap<String, StoredFile>,
    stores: &HashMap<String, VectorStore>,
    now: Instant,
) -> (ModelRequest, f64) {
    let messages = thread
        .messages
        .iter()
        .filter(|m| m.seq <= run.input_seq)
        .map(|m| {
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
                        images.push(url_image(&image_url.url))
                    }
                    MessageContent::ImageFile { image_file } => {
                        if let Some(f) = files.get(&image_file.file_id) {
                            images.push(ModelImage::Bytes(f.content.to_vec()));
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
            AssistantTool::Function { function } => functions.push(ModelFunction {
                name: function.name.clone(),
                description: function.description.clone(),
                parameters: function
                    .parameters
                    .as_ref()
                    .map(|p| serde_json::Value::Object(p.0.clone())),
            }),
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

/// An image given by URL: the bytes of a `data:` URL, else the URL itself.
pub(crate) fn url_image(url: &str) -> ModelImage {
    match data_url_bytes(url) {
        Some(bytes) => ModelImage::Bytes(bytes),
        None => ModelImage::Url(url.to_string()),
    }
}

/// The bytes of a `data:[type][;base64],payload` URL; `None` for other URLs or bad base64.
pub(crate) fn data_url_bytes(url: &str) -> Option<Vec<u8>> {
    let rest = url.strip_prefix("data:")?;
    let (meta, payload) = rest.split_once(',')?;
    if meta.split(';').any(|p| p.eq_ignore_ascii_case("base64")) {
        base64_decode(payload)
    } else {
        Some(super::http::percent_decode(payload, false).into_bytes())
    }
}

/// Standard or URL-safe base64, padding optional, white space ignored.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_urls() {
        assert_eq!(
            data_url_bytes("data:image/png;base64,aGVsbG8="),
            Some(b"hello".to_vec())
        );
        assert_eq!(
            data_url_bytes("data:;base64,aGVsbG8"),
            Some(b"hello".to_vec())
        );
        assert_eq!(
            data_url_bytes("data:text/plain,a%20b"),
            Some(b"a b".to_vec())
        );
        assert_eq!(data_url_bytes("data:image/png;base64,@@"), None);
        assert_eq!(data_url_bytes("https://x/y.png"), None);
        assert_eq!(
            url_image("https://x/y.png"),
            ModelImage::Url("https://x/y.png".into())
        );
    }
}
