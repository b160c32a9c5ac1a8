//! `/threads/{thread_id}/runs`, their steps, and `/threads/runs` (a thread and its run).

use serde::Deserialize;

use openai_blocking::types::*;

use super::super::clock::Now;
use super::super::http::{Ctx, Failure, Reply};
use super::super::lifecycle::{Refusal, Run};
use super::super::page::paginate_sorted;
use super::super::store::{metadata_or_empty, set_metadata, Ids, Store, Thread};
use super::indexing::{Indexes, Jobs};
use super::messages::{self, Prepared};
use super::resources::Resources;
use super::run_stream::Opening;
use super::threads::NewThread;
use super::{check_metadata, check_tools};

/// The settings of a new run, read from either run-creating request (they share field names).
#[derive(Deserialize)]
struct RunSettings {
    assistant_id: String,
    instructions: Option<String>,
    additional_instructions: Option<String>,
    #[serde(default)]
    additional_messages: Vec<ThreadMessageCreateRequest>,
    model: Option<String>,
    tools: Option<Vec<AssistantTool>>,
    metadata: Option<Metadata>,
    temperature: Option<f64>,
    top_p: Option<f64>,
    response_format: Option<AssistantsApiResponseFormatOption>,
    tool_choice: Option<AssistantsApiToolChoiceOption>,
    parallel_tool_calls: Option<bool>,
    max_prompt_tokens: Option<i64>,
    max_completion_tokens: Option<i64>,
    truncation_strategy: Option<TruncationObject>,
}

impl RunSettings {
    fn from_request<T: serde::Serialize>(request: &T) -> Result<Self, Failure> {
        let value = serde_json::to_value(request).unwrap_or_default();
        serde_json::from_value(value)
            .map_err(|e| Failure::invalid(format!("Invalid run settings: {e}.")))
    }

    /// Checks what the request's types let through: tool types, ranges, enums.
    fn check(&self) -> Result<(), Failure> {
        if let Some(tools) = &self.tools {
            check_tools(tools, "tools")?;
        }
        check_metadata(self.metadata.as_ref(), "metadata")?;
        let range = |v: Option<f64>, lo: f64, hi: f64, name: &str| match v {
            Some(x) if !(lo..=hi).contains(&x) => Err(Failure::invalid(format!(
                "Invalid '{name}': expected a value between {lo} and {hi}, got {x}."
            ))
            .param(name)
            .code("decimal_out_of_range")),
            _ => Ok(()),
        };
        range(self.temperature, 0.0, 2.0, "temperature")?;
        range(self.top_p, 0.0, 1.0, "top_p")?;
        for (v, name) in [
            (self.max_prompt_tokens, "max_prompt_tokens"),
            (self.max_completion_tokens, "max_completion_tokens"),
        ] {
            if v.is_some_and(|n| n < 1) {
                return Err(
                    Failure::invalid(format!("Invalid '{name}': it must be positive."))
                        .param(name)
                        .code("integer_below_min_value"),
                );
            }
        }
        if let Some(TruncationObject {
            type_: TruncationObjectType::Unknown(t),
            ..
        }) = &self.truncation_strategy
        {
            return Err(Failure::invalid(format!(
                "Invalid value: '{t}'. Supported values are: 'auto' and 'last_messages'."
            ))
            .param("truncation_strategy.type")
            .code("invalid_value"));
        }
        match &self.tool_choice {
            Some(AssistantsApiToolChoiceOption::String(AssistantsApiToolChoiceOptionString::Unknown(t))) => {
                Err(Failure::invalid(format!(
                    "Invalid value: '{t}'. Supported values are: 'none', 'auto' and 'required'."
                ))
                .param("tool_choice")
                .code("invalid_value"))
            }
            Some(AssistantsApiToolChoiceOption::AssistantsNamedToolChoice(n)) => match (&n.type_, &n.function) {
                (AssistantsNamedToolChoiceType::Unknown(t), _) => Err(Failure::invalid(format!(
                    "Invalid value: '{t}'. Supported values are: 'function', 'code_interpreter' and 'file_search'."
                ))
                .param("tool_choice.type")
                .code("invalid_value")),
                (AssistantsNamedToolChoiceType::Function, None) => {
                    Err(Failure::invalid("Missing required parameter: 'tool_choice.function'.")
                        .param("tool_choice.function")
                        .code("missing_required_parameter"))
                }
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }
}

/// A run to start, checked for shape: its settings, and the messages it adds to the thread.
struct NewRun {
    settings: RunSettings,
    messages: Vec<Prepared>,
}

impl NewRun {
    /// Reads and checks either run-creating request.
    fn parse<T: serde::Serialize>(request: &T) -> Result<Self, Failure> {
        let mut settings = RunSettings::from_request(request)?;
        settings.check()?;
        let mut prepared = Vec::new();
        for (i, m) in std::mem::take(&mut settings.additional_messages)
            .into_iter()
            .enumerate()
        {
            prepared.push(messages::prepare(m, &format!("additional_messages[{i}]"))?);
        }
        Ok(Self {
            settings,
            messages: prepared,
        })
    }

    /// Checks the run against the store: the thread exists and has no active run (unless it
    /// is about to be created: `None`), the assistant exists, the files of the messages exist
    /// (those to index go to `jobs`). Returns the assistant.
    fn check(
        &self,
        store: &Store,
        thread_id: Option<&str>,
        jobs: &mut Jobs,
    ) -> Result<AssistantResponse, Failure> {
        let thread = match thread_id {
            Some(id) => Some(
                store
                    .threads
                    .get(id)
                    .ok_or_else(|| Failure::not_found("thread", id))?,
            ),
            None => None,
        };
        let assistant_id = &self.settings.assistant_id;
        let assistant = store
            .assistants
            .get(assistant_id)
            .ok_or_else(|| Failure::not_found("assistant", assistant_id).param("assistant_id"))?;
        if let (Some(id), Some(run)) = (thread_id, thread.and_then(Thread::active_run)) {
            return Err(Failure::invalid(format!(
                "Thread {id} already has an active run {}.",
                run.resp.id
            )));
        }
        for m in &self.messages {
            m.check(store, jobs)?;
        }
        Ok(assistant.resp.clone())
    }

    /// Adds the messages to the thread and queues the run (everything checked, the files
    /// indexed); returns the run.
    fn start(
        self,
        store: &mut Store,
        thread_id: &str,
        assistant: AssistantResponse,
        indexes: &Indexes,
        now: Now,
    ) -> RunResponse {
        let s = self.settings;
        // First the messages: a file they attach for search joins the thread's vector store,
        // which the run then searches.
        for m in self.messages {
            messages::insert(store, thread_id, m, indexes, now);
        }
        let thread_resources = store
            .threads
            .get(thread_id)
            .and_then(|t| t.resp.tool_resources.as_ref());
        let mut vector_store_ids = Resources::from_response(thread_resources)
            .vector_store_ids
            .unwrap_or_default();
        for id in Resources::from_response(assistant.tool_resources.as_ref())
            .vector_store_ids
            .unwrap_or_default()
        {
            if !vector_store_ids.contains(&id) {
                vector_store_ids.push(id);
            }
        }
        let mut instructions = s
            .instructions
            .or(assistant.instructions)
            .unwrap_or_default();
        if let Some(extra) = s.additional_instructions.filter(|e| !e.is_empty()) {
            if !instructions.is_empty() {
                instructions.push_str("\n\n");
            }
            instructions.push_str(&extra);
        }
        let (id, seq) = store.ids.issue("run_");
        let resp = RunResponse {
            extra: Default::default(),
            assistant_id: s.assistant_id,
            cancelled_at: None,
            completed_at: None,
            created_at: now.unix,
            expires_at: None,
            failed_at: None,
            id,
            incomplete_details: None,
            instructions: Some(instructions),
            last_error: None,
            max_completion_tokens: s.max_completion_tokens,
            max_prompt_tokens: s.max_prompt_tokens,
            metadata: metadata_or_empty(s.metadata),
            model: s.model.unwrap_or(assistant.model),
            object: RunResponseObject::ThreadRun,
            parallel_tool_calls: ParallelToolCalls(s.parallel_tool_calls.unwrap_or(true)),
            required_action: None,
            response_format: s.response_format.or(assistant.response_format),
            started_at: None,
            status: RunResponseStatus::Queued,
            temperature: s.temperature.or(assistant.temperature),
            thread_id: thread_id.to_string(),
            tool_choice: Some(
                s.tool_choice
                    .unwrap_or(AssistantsApiToolChoiceOption::String(
                        AssistantsApiToolChoiceOptionString::Auto,
                    )),
            ),
            tools: s.tools.unwrap_or(assistant.tools),
            top_p: s.top_p.or(assistant.top_p),
            truncation_strategy: Some(s.truncation_strategy.unwrap_or(TruncationObject {
                last_messages: None,
                type_: TruncationObjectType::Auto,
            })),
            usage: None,
        };
        let expiry = store.timing.run_expiry;
        let Some(thread) = store.threads.get_mut(thread_id) else {
            return resp;
        };
        let input_seq = thread.messages.last().map_or(0, |m| m.seq);
        let run = Run::new(seq, resp, now, expiry, input_seq, vector_store_ids);
        let out = run.resp.clone();
        thread.runs.push(run);
        out
    }
}

/// The query of `POST /threads/{thread_id}/runs`: the fields its streamed steps include.
#[derive(Deserialize, Default)]
struct RunCreateQuery {
    #[serde(rename = "include[]", default)]
    include: Option<Vec<RunStepInclude>>,
}

/// A run just queued (or given its tool outputs): answered as JSON, or streamed.
enum Started {
    Json(Box<RunResponse>),
    Streamed(Box<Opening>),
}

impl Started {
    /// The run as the request asked: JSON when `before` is `None`; otherwise a stream that
    /// opens with the events of `before`, `thread.run.created` and `thread.run.queued`, and
    /// takes the run's turn at once.
    fn new(
        store: &mut Store,
        run: RunResponse,
        before: Option<Vec<AssistantStreamEvent>>,
        with_content: bool,
        now: Now,
    ) -> Self {
        let Some(mut prelude) = before else {
            return Started::Json(Box::new(run));
        };
        let (thread_id, run_id) = (run.thread_id.clone(), run.id.clone());
        prelude.push(AssistantStreamEvent::ThreadRunCreated { data: run.clone() });
        prelude.push(AssistantStreamEvent::ThreadRunQueued { data: run });
        Started::Streamed(Box::new(Opening::claim(
            store,
            &thread_id,
            &run_id,
            now.at,
            prelude,
            with_content,
        )))
    }

    fn reply(self) -> Result<Reply, Failure> {
        match self {
            Started::Json(run) => Reply::json(&run),
            Started::Streamed(opening) => Ok(opening.reply()),
        }
    }
}

pub(super) fn create(ctx: &mut Ctx<'_>, thread_id: &str) -> Result<Reply, Failure> {
    let r: RunCreateRequest = ctx.json()?;
    let q: RunCreateQuery = ctx.query()?;
    let with_content = wants_content(q.include.as_deref().unwrap_or_default())?;
    let stream = r.stream == Some(true);
    let run = NewRun::parse(&r)?;
    ctx.pump(thread_id);
    let mut jobs = Jobs::default();
    ctx.with_store(|store| run.check(store, Some(thread_id), &mut jobs))?;
    let indexes = jobs.run(ctx);
    let now = ctx.now();
    let started = ctx.with_store(|store| {
        let assistant = run.check(store, Some(thread_id), &mut Jobs::default())?;
        let resp = run.start(store, thread_id, assistant, &indexes, now);
        let before = stream.then(Vec::new);
        Ok::<_, Failure>(Started::new(store, resp, before, with_content, now))
    })?;
    started.reply()
}

pub(super) fn create_thread_and_run(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let r: RunThreadCreateRequest = ctx.json()?;
    let stream = r.stream == Some(true);
    let run = NewRun::parse(&r)?;
    let mut thread = r.thread.unwrap_or_default();
    if let Some(res) = &r.tool_resources {
        // The run's tool resources become the new thread's.
        let value = serde_json::to_value(res).unwrap_or_default();
        thread.tool_resources = serde_json::from_value(value).ok();
    }
    let check = |store: &Store, run: &NewRun, thread: &NewThread, jobs: &mut Jobs| {
        let assistant = run.check(store, None, jobs)?;
        thread.check(store, jobs)?;
        Ok::<_, Failure>(assistant)
    };
    // The assistant is checked before the thread's shape, as the API does.
    ctx.with_store(|store| run.check(store, None, &mut Jobs::default()))?;
    let thread = NewThread::parse(thread)?;
    let mut jobs = Jobs::default();
    ctx.with_store(|store| check(store, &run, &thread, &mut jobs))?;
    let indexes = jobs.run(ctx);
    let now = ctx.now();
    let started = ctx.with_store(|store| {
        let assistant = check(store, &run, &thread, &mut Jobs::default())?;
        let thread_id = thread.create(store, &indexes, now);
        let resp = run.start(store, &thread_id, assistant, &indexes, now);
        let before = stream.then(|| {
            store
                .threads
                .get(&thread_id)
                .map(|t| AssistantStreamEvent::ThreadCreated {
                    data: t.resp.clone(),
                    enabled: None,
                })
                .into_iter()
                .collect()
        });
        Ok::<_, Failure>(Started::new(store, resp, before, false, now))
    })?;
    started.reply()
}

fn thread<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut Thread, Failure> {
    store
        .threads
        .get_mut(id)
        .ok_or_else(|| Failure::not_found("thread", id))
}

/// Run `id` of thread `thread_id`: the thread by its id, then the run by its creation sequence
/// number (runs are kept in creation order), not by comparing every run's id.
fn run<'a>(store: &'a mut Store, thread_id: &str, id: &str) -> Result<&'a mut Run, Failure> {
    let Store { ids, threads, .. } = store;
    let t = threads
        .get_mut(thread_id)
        .ok_or_else(|| Failure::not_found("thread", thread_id))?;
    let i = run_index(t, ids, id).ok_or_else(|| Failure::not_found("run", id))?;
    Ok(&mut t.runs[i])
}

/// Where run `id` is among the thread's runs.
fn run_index(t: &Thread, ids: &Ids, id: &str) -> Option<usize> {
    let seq = ids.seq(id)?;
    let i = t.runs.binary_search_by_key(&seq, |r| r.seq).ok()?;
    (t.runs[i].resp.id == id).then_some(i)
}

fn refused(r: Refusal) -> Failure {
    let f = Failure::invalid(r.message);
    match r.param {
        Some(p) => f.param(p),
        None => f,
    }
}

pub(super) fn list(ctx: &mut Ctx<'_>, thread_id: &str) -> Result<Reply, Failure> {
    let q: RunListQueryParameters = ctx.query()?;
    let params = ctx.list_params(
        q.limit,
        q.order.as_ref(),
        q.after.as_deref(),
        q.before.as_deref(),
        (20, 100),
    )?;
    ctx.pump(thread_id);
    let page = ctx.with_store(|store| {
        let t = thread(store, thread_id)?;
        let page = paginate_sorted(&t.runs, |r| r.seq, |r| &r.resp.id, &params);
        Ok::<_, Failure>(page.map(|r| r.resp.clone()))
    })?;
    Reply::json(&RunListResponse {
        extra: Default::default(),
        data: page.data,
        first_id: page.first_id,
        has_more: page.has_more,
        last_id: page.last_id,
        object: "list".into(),
    })
}

pub(super) fn get(ctx: &mut Ctx<'_>, thread_id: &str, id: &str) -> Result<Reply, Failure> {
    ctx.pump(thread_id);
    let resp = ctx.with_store(|store| Ok::<_, Failure>(run(store, thread_id, id)?.resp.clone()))?;
    Reply::json(&resp)
}

pub(super) fn modify(ctx: &mut Ctx<'_>, thread_id: &str, id: &str) -> Result<Reply, Failure> {
    let r: RunModifyRequest = ctx.json()?;
    check_metadata(r.metadata.as_set(), "metadata")?;
    ctx.pump(thread_id);
    let resp = ctx.with_store(|store| {
        let run = run(store, thread_id, id)?;
        set_metadata(&mut run.resp.metadata, r.metadata);
        Ok::<_, Failure>(run.resp.clone())
    })?;
    Reply::json(&resp)
}

pub(super) fn cancel(ctx: &mut Ctx<'_>, thread_id: &str, id: &str) -> Result<Reply, Failure> {
    ctx.pump(thread_id);
    let now = ctx.now();
    let resp = ctx.with_store(|store| {
        let run = run(store, thread_id, id)?;
        run.cancel(now.at).map_err(refused)?;
        Ok::<_, Failure>(run.resp.clone())
    })?;
    Reply::json(&resp)
}

pub(super) fn submit_tool_outputs(
    ctx: &mut Ctx<'_>,
    thread_id: &str,
    id: &str,
) -> Result<Reply, Failure> {
    let r: SubmitToolOutputsRequest = ctx.json()?;
    let stream = r.stream == Some(true);
    let outputs: Vec<(Option<String>, Option<String>)> = r
        .tool_outputs
        .into_iter()
        .map(|o| (o.tool_call_id, o.output))
        .collect();
    ctx.pump(thread_id);
    let now = ctx.now();
    let started = ctx.with_store(|store| {
        let run = run(store, thread_id, id)?;
        let waiting: Vec<String> = run
            .steps
            .iter()
            .filter(|s| s.resp.status == RunStepResponseStatus::InProgress)
            .map(|s| s.resp.id.clone())
            .collect();
        run.submit_outputs(&outputs, now.at).map_err(refused)?;
        if !stream {
            return Ok::<_, Failure>(Started::Json(Box::new(run.resp.clone())));
        }
        // The stream goes on from the run queued again: in progress, then the steps the
        // outputs completed, then the model's next turn.
        let completed: Vec<AssistantStreamEvent> = run
            .steps
            .iter()
            .filter(|s| waiting.contains(&s.resp.id))
            .filter(|s| s.resp.status == RunStepResponseStatus::Completed)
            .map(|s| AssistantStreamEvent::ThreadRunStepCompleted {
                data: s.resp.clone(),
            })
            .collect();
        let queued = vec![AssistantStreamEvent::ThreadRunQueued {
            data: run.resp.clone(),
        }];
        let opening = Opening::claim(store, thread_id, id, now.at, queued, false);
        Ok(Started::Streamed(Box::new(opening.then(completed))))
    })?;
    started.reply()
}

/// Whether the step list asks for the file search results' content.
fn wants_content(include: &[RunStepInclude]) -> Result<bool, Failure> {
    let mut wants = false;
    for i in include {
        match i {
            RunStepInclude::StepDetailsToolCallsFileSearchResultsContent => wants = true,
            RunStepInclude::Unknown(other) => {
                return Err(Failure::invalid(format!(
                    "Invalid value: '{other}'. Supported values are: 'step_details.tool_calls[*].file_search.results[*].content'."
                ))
                .param("include[]")
                .code("invalid_value"))
            }
        }
    }
    Ok(wants)
}

/// A step as shown: file search results lose their content unless it was asked for.
pub(super) fn shown(step: &RunStepResponse, with_content: bool) -> RunStepResponse {
    let mut step = step.clone();
    if !with_content {
        if let RunStepDetails::ToolCalls { tool_calls } = &mut step.step_details {
            for call in tool_calls {
                if let RunStepToolCall::FileSearch { file_search, .. } = call {
                    for r in file_search.results.iter_mut().flatten() {
                        r.content = None;
                    }
                }
            }
        }
    }
    step
}

pub(super) fn list_steps(ctx: &mut Ctx<'_>, thread_id: &str, id: &str) -> Result<Reply, Failure> {
    let q: RunStepListQueryParameters = ctx.query()?;
    let with_content = wants_content(q.include.as_deref().unwrap_or_default())?;
    let params = ctx.list_params(
        q.limit,
        q.order.as_ref(),
        q.after.as_deref(),
        q.before.as_deref(),
        (20, 100),
    )?;
    ctx.pump(thread_id);
    let page = ctx.with_store(|store| {
        let run = run(store, thread_id, id)?;
        let page = paginate_sorted(&run.steps, |s| s.seq, |s| &s.resp.id, &params);
        Ok::<_, Failure>(page.map(|s| shown(&s.resp, with_content)))
    })?;
    Reply::json(&RunStepListResponse {
        extra: Default::default(),
        data: page.data,
        first_id: page.first_id,
        has_more: page.has_more,
        last_id: page.last_id,
        object: "list".into(),
    })
}

pub(super) fn get_step(
    ctx: &mut Ctx<'_>,
    thread_id: &str,
    id: &str,
    step_id: &str,
) -> Result<Reply, Failure> {
    let q: RunStepListQueryParameters = ctx.query()?;
    let with_content = wants_content(q.include.as_deref().unwrap_or_default())?;
    ctx.pump(thread_id);
    let step = ctx.with_store(|store| {
        let run = run(store, thread_id, id)?;
        let step = run
            .steps
            .iter()
            .find(|s| s.resp.id == step_id)
            .ok_or_else(|| Failure::not_found("run step", step_id))?;
        Ok::<_, Failure>(shown(&step.resp, with_content))
    })?;
    Reply::json(&step)
}
