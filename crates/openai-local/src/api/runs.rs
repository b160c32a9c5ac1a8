//! `/threads/{thread_id}/runs`, their steps, and `/threads/runs` (a thread and its run).

use std::time::Instant;

use serde::Deserialize;

use openai_blocking::types::*;

use super::super::http::{Ctx, Failure, Reply};
use super::super::lifecycle::{Refusal, Run};
use super::super::page::paginate;
use super::super::store::{metadata_or_empty, unix_now, Store, Thread};
use super::resources::Resources;
use super::{check_metadata, check_tools, messages, threads};

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
    stream: Option<bool>,
}

impl RunSettings {
    fn from_request<T: serde::Serialize>(request: &T) -> Result<Self, Failure> {
        let value = serde_json::to_value(request).unwrap_or_default();
        serde_json::from_value(value)
            .map_err(|e| Failure::invalid(format!("Invalid run settings: {e}.")))
    }

    /// Checks what the request's types let through: streaming, tool types, ranges, enums.
    fn check(&self) -> Result<(), Failure> {
        if self.stream == Some(true) {
            return Err(Failure::invalid(
                "The local engine does not stream runs: leave 'stream' unset and poll the run.",
            )
            .param("stream")
            .code("unsupported_value"));
        }
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

/// Starts a run on an existing thread.
fn start_run(
    store: &mut Store,
    thread_id: &str,
    s: RunSettings,
    now: Instant,
) -> Result<RunResponse, Failure> {
    let thread = store
        .threads
        .get(thread_id)
        .ok_or_else(|| Failure::not_found("thread", thread_id))?;
    let assistant = store
        .assistants
        .get(&s.assistant_id)
        .ok_or_else(|| Failure::not_found("assistant", &s.assistant_id).param("assistant_id"))?
        .resp
        .clone();
    if let Some(run) = thread.active_run() {
        return Err(Failure::invalid(format!(
            "Thread {thread_id} already has an active run {}.",
            run.resp.id
        )));
    }
    let mut vector_store_ids = Resources::from_response(thread.resp.tool_resources.as_ref())
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
    let mut prepared = Vec::new();
    for (i, m) in s.additional_messages.into_iter().enumerate() {
        prepared.push(messages::prepare(
            store,
            m,
            &format!("additional_messages[{i}]"),
        )?);
    }
    for m in prepared {
        messages::insert(store, thread_id, m, now);
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
        assistant_id: s.assistant_id,
        cancelled_at: None,
        completed_at: None,
        created_at: unix_now(),
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
    let thread = store
        .threads
        .get_mut(thread_id)
        .ok_or_else(|| Failure::not_found("thread", thread_id))?;
    let input_seq = thread.messages.last().map_or(0, |m| m.seq);
    let run = Run::new(seq, resp, now, expiry, input_seq, vector_store_ids);
    let out = run.resp.clone();
    thread.runs.push(run);
    Ok(out)
}

pub(super) fn create(ctx: &mut Ctx<'_>, thread_id: &str) -> Result<Reply, Failure> {
    let r: RunCreateRequest = ctx.json()?;
    let settings = RunSettings::from_request(&r)?;
    settings.check()?;
    ctx.engine.pump(thread_id);
    let mut store = ctx.engine.lock();
    Reply::json(&start_run(&mut store, thread_id, settings, Instant::now())?)
}

pub(super) fn create_thread_and_run(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let r: RunThreadCreateRequest = ctx.json()?;
    let settings = RunSettings::from_request(&r)?;
    settings.check()?;
    let mut store = ctx.engine.lock();
    if !store.assistants.contains_key(&settings.assistant_id) {
        return Err(Failure::not_found("assistant", &settings.assistant_id).param("assistant_id"));
    }
    let mut thread = r.thread.unwrap_or_default();
    if let Some(res) = &r.tool_resources {
        // The run's tool resources become the new thread's.
        let value = serde_json::to_value(res).unwrap_or_default();
        thread.tool_resources = serde_json::from_value(value).ok();
    }
    let now = Instant::now();
    let thread_id = threads::new_thread(&mut store, thread, now)?;
    Reply::json(&start_run(&mut store, &thread_id, settings, now)?)
}

fn thread<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut Thread, Failure> {
    store
        .threads
        .get_mut(id)
        .ok_or_else(|| Failure::not_found("thread", id))
}

fn run<'a>(t: &'a mut Thread, id: &str) -> Result<&'a mut Run, Failure> {
    t.runs
        .iter_mut()
        .find(|r| r.resp.id == id)
        .ok_or_else(|| Failure::not_found("run", id))
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
    ctx.engine.pump(thread_id);
    let mut store = ctx.engine.lock();
    let t = thread(&mut store, thread_id)?;
    let page = paginate(
        t.runs.iter().map(|r| (r.seq, r.resp.clone())),
        |r| &r.id,
        &params,
    );
    Reply::json(&RunListResponse {
        data: page.data,
        first_id: page.first_id,
        has_more: page.has_more,
        last_id: page.last_id,
        object: "list".into(),
    })
}

pub(super) fn get(ctx: &mut Ctx<'_>, thread_id: &str, id: &str) -> Result<Reply, Failure> {
    ctx.engine.pump(thread_id);
    let mut store = ctx.engine.lock();
    Reply::json(&run(thread(&mut store, thread_id)?, id)?.resp)
}

pub(super) fn modify(ctx: &mut Ctx<'_>, thread_id: &str, id: &str) -> Result<Reply, Failure> {
    let r: RunModifyRequest = ctx.json()?;
    check_metadata(r.metadata.as_ref(), "metadata")?;
    ctx.engine.pump(thread_id);
    let mut store = ctx.engine.lock();
    let run = run(thread(&mut store, thread_id)?, id)?;
    if let Some(m) = r.metadata {
        run.resp.metadata = Some(m);
    }
    Reply::json(&run.resp)
}

pub(super) fn cancel(ctx: &mut Ctx<'_>, thread_id: &str, id: &str) -> Result<Reply, Failure> {
    ctx.engine.pump(thread_id);
    let mut store = ctx.engine.lock();
    let run = run(thread(&mut store, thread_id)?, id)?;
    run.cancel(Instant::now()).map_err(refused)?;
    Reply::json(&run.resp)
}

pub(super) fn submit_tool_outputs(
    ctx: &mut Ctx<'_>,
    thread_id: &str,
    id: &str,
) -> Result<Reply, Failure> {
    let r: SubmitToolOutputsRequest = ctx.json()?;
    if r.stream == Some(true) {
        return Err(Failure::invalid(
            "The local engine does not stream runs: leave 'stream' unset.",
        )
        .param("stream")
        .code("unsupported_value"));
    }
    ctx.engine.pump(thread_id);
    let mut store = ctx.engine.lock();
    let run = run(thread(&mut store, thread_id)?, id)?;
    let outputs: Vec<(Option<String>, Option<String>)> = r
        .tool_outputs
        .into_iter()
        .map(|o| (o.tool_call_id, o.output))
        .collect();
    run.submit_outputs(&outputs, Instant::now())
        .map_err(refused)?;
    Reply::json(&run.resp)
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
fn shown(step: &RunStepResponse, with_content: bool) -> RunStepResponse {
    let mut step = step.clone();
    if !with_content {
        if let RunStepDetails::ToolCalls { tool_calls } = &mut step.step_details {
            for call in tool_calls {
                if let RunStepToolCall::FileSearch { file_search, .. } = call {
                    for r in &mut file_search.results {
                        r.content.clear();
                    }
                }
            }
        }
    }
    step
}

pub(super) fn list_steps(ctx: &mut Ctx<'_>, thread_id: &str, id: &str) -> Result<Reply, Failure> {
    let q: RunStepListQueryParameters = ctx.query()?;
    let with_content = wants_content(&q.include)?;
    let params = ctx.list_params(
        q.limit,
        q.order.as_ref(),
        q.after.as_deref(),
        q.before.as_deref(),
        (20, 100),
    )?;
    ctx.engine.pump(thread_id);
    let mut store = ctx.engine.lock();
    let run = run(thread(&mut store, thread_id)?, id)?;
    let page = paginate(
        run.steps
            .iter()
            .map(|s| (s.seq, shown(&s.resp, with_content))),
        |s| &s.id,
        &params,
    );
    Reply::json(&RunStepListResponse {
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
    let with_content = wants_content(&q.include)?;
    ctx.engine.pump(thread_id);
    let mut store = ctx.engine.lock();
    let run = run(thread(&mut store, thread_id)?, id)?;
    let step = run
        .steps
        .iter()
        .find(|s| s.resp.id == step_id)
        .ok_or_else(|| Failure::not_found("run step", step_id))?;
    Reply::json(&shown(&step.resp, with_content))
}
