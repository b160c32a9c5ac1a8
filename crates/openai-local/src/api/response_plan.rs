//! A Responses request read in three steps: its shape is checked ([`Plan::parse`], no store),
//! what it names is looked up ([`Plan::gather`], store held: the previous response's or the
//! conversation's items, the files, the searchable vector-store files, all shared, never
//! copied), and the model's request is made ([`Plan::model_request`], store free: files are
//! read there, PDFs through their text layer).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use openai_blocking::types::*;

use super::super::clock::Now;
use super::super::engine::Session;
use super::super::http::Failure;
use super::super::items::{self, Body, Files, Item};
use super::super::model::{FileSearch, ModelFormat, ModelFunction, ModelRequest, ModelToolChoice};
use super::super::responding;
use super::super::search::IndexedFile;
use super::super::store::{metadata_or_empty, Store};
use super::check_metadata;
use super::filters::matches;
use super::input::{bad_value, parse_input, Given, GivenItem};
use super::response_checks::{format, missing, range, tool_choice, tools, SearchTool, INCLUDES};

/// A request checked for shape.
pub(super) struct Plan {
    pub model: String,
    pub given: Vec<Given>,
    pub instructions: Option<String>,
    pub previous: Option<String>,
    pub conversation: Option<String>,
    pub functions: Vec<ModelFunction>,
    pub search: Option<SearchTool>,
    pub tool_choice: ModelToolChoice,
    pub parallel: bool,
    pub format: ModelFormat,
    pub include_results: bool,
    /// The tool choice as the response shows it.
    pub choice: Option<ToolChoiceParam>,
}

/// What a request names, looked up in the store.
pub(super) struct Gathered {
    pub history: Vec<Item>,
    /// The request's input, references resolved: (path, item id when it already exists,
    /// body).
    pub input: Vec<(String, Option<Item>, Arc<Body>)>,
    pub files: Files,
    pub searchable: Vec<Arc<IndexedFile>>,
    pub attributes: HashMap<String, VectorStoreFileAttributes>,
}

impl Plan {
    /// Checks a request's shape (`needs_model`: a creation must name its model). `raw` is the
    /// request's JSON, read where the generated types lose a field.
    pub fn parse(
        r: &ResponseCreateRequest,
        raw: &[u8],
        needs_model: bool,
    ) -> Result<Self, Failure> {
        let raw_json: serde_json::Value = serde_json::from_slice(raw).unwrap_or_default();
        let model = match (&r.model, needs_model) {
            (Some(m), _) => m.0.clone(),
            (None, true) => return Err(missing("model")),
            (None, false) => "local".into(),
        };
        let conversation = match &r.conversation {
            None => None,
            Some(ConversationParam::String(id)) => Some(id.clone()),
            Some(ConversationParam::ConversationParam2(c)) => Some(c.id.clone()),
        };
        if r.previous_response_id.is_some() && conversation.is_some() {
            return Err(Failure::invalid(
                "Mutually exclusive parameters: give either 'previous_response_id' or 'conversation', not both.",
            )
            .param("previous_response_id")
            .code("mutually_exclusive_parameters"));
        }
        let given = match &r.input {
            Some(input) => parse_input(input, &raw_json)?,
            None if r.previous_response_id.is_some() || conversation.is_some() => Vec::new(),
            None => return Err(missing("input")),
        };
        if r.prompt.is_some() {
            return Err(Failure::invalid(
                "The local engine has no stored prompts: send the text as 'input' and 'instructions'.",
            )
            .param("prompt")
            .code("unsupported_parameter"));
        }
        check_metadata(r.metadata.as_ref(), "metadata")?;
        range(r.temperature, 0.0, 2.0, "temperature")?;
        range(r.top_p, 0.0, 1.0, "top_p")?;
        if let Some(n) = r.top_logprobs.filter(|n| !(0..=20).contains(n)) {
            return Err(Failure::invalid(format!(
                "Invalid 'top_logprobs': expected a value between 0 and 20, got {n}."
            ))
            .param("top_logprobs")
            .code("integer_out_of_range"));
        }
        if let Some(n) = r.max_output_tokens.filter(|&n| n < 16) {
            return Err(Failure::invalid(format!(
                "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, got {n}."
            ))
            .param("max_output_tokens")
            .code("integer_below_min_value"));
        }
        if r.background == Some(true) && r.store == Some(false) {
            return Err(Failure::invalid(
                "A background response is stored: 'background': true needs 'store': true.",
            )
            .param("background"));
        }
        if let Some(ResponseCreateRequestTruncation::Unknown(t)) = &r.truncation {
            return Err(bad_value("truncation", t, &["auto", "disabled"]));
        }
        let mut include_results = false;
        for i in r.include.iter().flatten() {
            match i {
                IncludeEnum::FileSearchCallResults => include_results = true,
                IncludeEnum::Unknown(other) => return Err(bad_value("include", other, &INCLUDES)),
                _ => {}
            }
        }
        let (functions, search) = tools(r.tools.as_ref().map_or(&[], |t| t.0.as_slice()))?;
        // `{"type": "function", "name": ...}` decodes as a `ToolChoiceTypes` of an unknown
        // type, without its name (the untagged union tries that shape first): read it here.
        let named = raw_json.get("tool_choice").and_then(|choice| {
            (choice.get("type")? == "function").then(|| {
                choice
                    .get("name")
                    .and_then(|n| n.as_str())
                    .map(str::to_string)
            })
        });
        let choice = match named {
            Some(Some(name)) => Some(ToolChoiceParam::ToolChoiceFunction(ToolChoiceFunction {
                name,
                type_: ToolChoiceFunctionType::Function,
            })),
            Some(None) => return Err(missing("tool_choice.name")),
            None => r.tool_choice.clone(),
        };
        let (model_choice, functions) = tool_choice(choice.as_ref(), functions, &search)?;
        Ok(Self {
            model,
            given,
            instructions: r.instructions.clone(),
            previous: r.previous_response_id.clone(),
            conversation,
            functions,
            search,
            tool_choice: model_choice,
            parallel: r.parallel_tool_calls.unwrap_or(true),
            format: format(r.text.as_ref())?,
            include_results,
            choice,
        })
    }

    /// Brings up to date the background responses this request reads: the previous one,
    /// those adding to the conversation.
    pub fn pump_related(&self, session: &mut Session<'_>) {
        if let Some(previous) = &self.previous {
            responding::pump(session, previous);
        }
        if let Some(conversation) = &self.conversation {
            responding::pump_conversation(session, conversation);
        }
    }

    /// Looks up what the request names (see the module documentation).
    pub fn gather(&self, store: &Store, now: Now) -> Result<Gathered, Failure> {
        let mut history: Vec<Item> = Vec::new();
        if let Some(id) = &self.previous {
            let previous = store
                .responses
                .get(id)
                .ok_or_else(|| Failure::not_found("response", id).param("previous_response_id"))?;
            if previous.is_active() {
                return Err(Failure::invalid(format!(
                    "The previous response '{id}' is not finished yet: wait until it is."
                ))
                .param("previous_response_id"));
            }
            history.extend(previous.context.iter().cloned());
            history.extend(previous.output.iter().cloned());
        }
        if let Some(id) = &self.conversation {
            let conversation = store
                .conversations
                .get(id)
                .ok_or_else(|| Failure::not_found("conversation", id).param("conversation"))?;
            history.extend(conversation.items.iter().cloned());
        }
        let mut input = Vec::new();
        for g in &self.given {
            match &g.what {
                GivenItem::New(body) => input.push((g.param.clone(), None, Arc::new(body.clone()))),
                GivenItem::Reference(id) => {
                    let found = find_item(store, &history, id).ok_or_else(|| {
                        Failure::not_found("item", id).param(format!("{}.id", g.param))
                    })?;
                    input.push((g.param.clone(), Some(found.clone()), found.body.clone()));
                }
            }
        }
        check_calls(&history, &input)?;
        let mut files = Files::new();
        for (param, _, body) in &input {
            if let Body::Message { content, .. } = &**body {
                for (j, part) in content.iter().enumerate() {
                    let (ItemContent::InputImage {
                        file_id: Some(id), ..
                    }
                    | ItemContent::InputFile {
                        file_id: Some(id), ..
                    }) = part
                    else {
                        continue;
                    };
                    if !store.files.contains_key(id) {
                        return Err(Failure::not_found("file", id)
                            .param(format!("{param}.content[{j}].file_id")));
                    }
                }
            }
        }
        let bodies = history
            .iter()
            .map(|i| &*i.body)
            .chain(input.iter().map(|i| &*i.2));
        for body in bodies {
            for id in items::file_ids(body) {
                if let Some(f) = store.files.get(id) {
                    files.insert(id.to_string(), (f.resp.filename.clone(), f.content.clone()));
                }
            }
        }
        let mut searchable: Vec<Arc<IndexedFile>> = Vec::new();
        let mut attributes = HashMap::new();
        if let Some(tool) = &self.search {
            for (k, id) in tool.vector_store_ids.iter().enumerate() {
                let vs = store.vector_stores.get(id).ok_or_else(|| {
                    Failure::not_found("vector store", id)
                        .param(format!("{}.vector_store_ids[{k}]", tool.param))
                })?;
                for f in &vs.files {
                    let Some(indexed) = f.indexed(now.at) else {
                        continue;
                    };
                    let attrs = f.resp.attributes.as_ref();
                    let passes = tool
                        .filter
                        .as_ref()
                        .is_none_or(|flt| matches(flt, attrs.map(|a| &a.0)));
                    if passes && !searchable.iter().any(|s| s.file_id == indexed.file_id) {
                        searchable.push(indexed.clone());
                        if let Some(a) = attrs {
                            attributes.insert(indexed.file_id.clone(), a.clone());
                        }
                    }
                }
            }
        }
        Ok(Gathered {
            history,
            input,
            files,
            searchable,
            attributes,
        })
    }

    /// The model's request (store free: it reads the files given).
    pub fn model_request(&self, g: &Gathered) -> Result<ModelRequest, Failure> {
        let items = g
            .history
            .iter()
            .map(|i| (None, &*i.body))
            .chain(g.input.iter().map(|(p, _, b)| (Some(p.clone()), &**b)));
        let context = items::context(items, &g.files).map_err(|(param, message)| {
            Failure::invalid(message).param(param).code("invalid_file")
        })?;
        let mut instructions: Vec<String> = self.instructions.iter().cloned().collect();
        instructions.extend(context.instructions);
        let mut request = ModelRequest::new(context.messages);
        request.model = self.model.clone();
        request.instructions = instructions.join("\n\n");
        request.functions = self.functions.clone();
        request.tool_choice = self.tool_choice.clone();
        request.parallel_tool_calls = self.parallel;
        request.tool_outputs = context.tool_outputs;
        request.format = self.format.clone();
        request.file_search = self
            .search
            .as_ref()
            .map(|t| FileSearch::new(g.searchable.clone(), t.max, t.threshold));
        Ok(request)
    }
}

/// The item with id `id`: in the request's history, a conversation, or a stored response.
fn find_item<'a>(store: &'a Store, history: &'a [Item], id: &str) -> Option<&'a Item> {
    let in_history = history.iter().find(|i| i.id == id);
    in_history
        .or_else(|| {
            store
                .conversations
                .values()
                .find_map(|c| c.items.iter().find(|i| i.id == id))
        })
        .or_else(|| {
            store
                .responses
                .values()
                .find_map(|r| r.context.iter().chain(&r.output).find(|i| i.id == id))
        })
}

/// Every function call output answers a call, and the calls the model made last (at the end
/// of the history) all get an output.
fn check_calls(
    history: &[Item],
    input: &[(String, Option<Item>, Arc<Body>)],
) -> Result<(), Failure> {
    let bodies = || {
        history
            .iter()
            .map(|i| &*i.body)
            .chain(input.iter().map(|i| &*i.2))
    };
    let calls: HashSet<&str> = bodies()
        .filter_map(|b| match b {
            Body::FunctionCall { call_id, .. } => Some(call_id.as_str()),
            _ => None,
        })
        .collect();
    for (param, _, body) in input {
        if let Body::FunctionCallOutput { call_id, .. } = &**body {
            if !calls.contains(call_id.as_str()) {
                return Err(Failure::invalid(format!(
                    "No tool call found for function call output with call_id '{call_id}'."
                ))
                .param(format!("{param}.call_id")));
            }
        }
    }
    let answered: HashSet<&str> = bodies()
        .filter_map(|b| match b {
            Body::FunctionCallOutput { call_id, .. } => Some(call_id.as_str()),
            _ => None,
        })
        .collect();
    let last_message = history
        .iter()
        .rposition(|i| matches!(&*i.body, Body::Message { .. }))
        .map_or(0, |p| p + 1);
    for item in &history[last_message..] {
        if let Body::FunctionCall { call_id, .. } = &*item.body {
            if !answered.contains(call_id.as_str()) {
                return Err(Failure::invalid(format!(
                    "No tool output found for function call {call_id}: add a 'function_call_output' item for it to the input."
                ))
                .param("input"));
            }
        }
    }
    Ok(())
}

/// The response object of a request as it is created (no output, no status yet).
pub(super) fn response_object(
    r: &ResponseCreateRequest,
    plan: &Plan,
    id: String,
    now: Now,
) -> ResponseObject {
    let mut extra = serde_json::Map::new();
    extra.insert("store".into(), r.store.unwrap_or(true).into());
    ResponseObject {
        extra,
        background: Some(r.background == Some(true)),
        completed_at: None,
        conversation: plan
            .conversation
            .clone()
            .map(|id| ResponseConversation { id }),
        created_at: now.unix as f64,
        error: None,
        id,
        incomplete_details: None,
        instructions: r
            .instructions
            .clone()
            .map(ResponseObjectInstructions::String),
        max_output_tokens: r.max_output_tokens,
        max_tool_calls: r.max_tool_calls,
        metadata: metadata_or_empty(r.metadata.clone()),
        model: ModelIdsResponses(plan.model.clone()),
        moderation: None,
        object: ResponseObjectObject::Response,
        output: Vec::new(),
        output_text: None,
        parallel_tool_calls: plan.parallel,
        previous_response_id: r.previous_response_id.clone(),
        prompt: None,
        prompt_cache_key: r.prompt_cache_key.clone(),
        prompt_cache_options: None,
        prompt_cache_retention: None,
        reasoning: None,
        safety_identifier: r.safety_identifier.clone(),
        service_tier: Some(ServiceTierResponses::Default),
        status: None,
        temperature: Some(r.temperature.unwrap_or(1.0)),
        text: Some(r.text.clone().unwrap_or(ResponseTextParam {
            format: Some(TextResponseFormatConfiguration::Text),
            verbosity: None,
        })),
        tool_choice: plan
            .choice
            .clone()
            .unwrap_or(ToolChoiceParam::ToolChoiceOptions(ToolChoiceOptions::Auto)),
        tools: r.tools.clone().unwrap_or(ToolsArray(Vec::new())),
        top_logprobs: Some(r.top_logprobs.unwrap_or(0)),
        top_p: Some(r.top_p.unwrap_or(1.0)),
        truncation: Some(match r.truncation {
            Some(ResponseCreateRequestTruncation::Auto) => ResponseObjectTruncation::Auto,
            _ => ResponseObjectTruncation::Disabled,
        }),
        usage: None,
        user: r.user.clone(),
    }
}
