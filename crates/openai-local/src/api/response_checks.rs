//! The checks of a Responses request's tools, tool choice and answer format: what the engine
//! offers (function and file search tools, text and JSON formats), with a 400 naming the
//! field for anything else.

use serde::Deserialize;

use openai_blocking::types::*;

use super::super::http::Failure;
use super::super::json::{explain_variant, parse_at};
use super::super::model::{ModelFormat, ModelFunction, ModelToolChoice};
use super::filters::check_filter;
use super::input::bad_value;

/// File search returns at most this many passages unless the tool says otherwise.
pub(super) const DEFAULT_MAX_RESULTS: usize = 20;

/// The tool types of the API the engine does not offer (it offers `function` and
/// `file_search`).
const OTHER_TOOLS: [&str; 15] = [
    "web_search",
    "web_search_preview",
    "web_search_preview_2025_03_11",
    "computer",
    "computer_use_preview",
    "code_interpreter",
    "image_generation",
    "mcp",
    "local_shell",
    "shell",
    "custom",
    "apply_patch",
    "namespace",
    "tool_search",
    "programmatic_tool_calling",
];

/// The `include` values the API knows.
pub(super) const INCLUDES: [&str; 8] = [
    "file_search_call.results",
    "web_search_call.results",
    "web_search_call.action.sources",
    "message.input_image.image_url",
    "computer_call_output.output.image_url",
    "code_interpreter_call.outputs",
    "reasoning.encrypted_content",
    "message.output_text.logprobs",
];

#[derive(Deserialize)]
struct NameShape {
    #[serde(rename = "name")]
    _name: String,
}

#[derive(Deserialize)]
struct StoresShape {
    #[serde(rename = "vector_store_ids")]
    _ids: Vec<String>,
}

#[derive(Deserialize)]
struct SchemaShape {
    #[serde(rename = "name")]
    _name: String,
    #[serde(rename = "schema")]
    _schema: serde_json::Map<String, serde_json::Value>,
}

/// The file search tool of a request.
pub(super) struct SearchTool {
    pub vector_store_ids: Vec<String>,
    pub max: usize,
    pub threshold: f64,
    pub filter: Option<serde_json::Value>,
    pub param: String,
}

pub(super) fn missing(param: &str) -> Failure {
    Failure::invalid(format!("Missing required parameter: '{param}'."))
        .param(param)
        .code("missing_required_parameter")
}

pub(super) fn range(v: Option<f64>, lo: f64, hi: f64, name: &str) -> Result<(), Failure> {
    match v {
        Some(x) if !(lo..=hi).contains(&x) => Err(Failure::invalid(format!(
            "Invalid '{name}': expected a value between {lo} and {hi}, got {x}."
        ))
        .param(name)
        .code("decimal_out_of_range")),
        _ => Ok(()),
    }
}

/// A tool type the engine does not offer, refused naming it.
fn unsupported_tool(kind: &str, param: &str) -> Failure {
    Failure::invalid(format!(
        "Tool '{kind}' is not supported by the local engine: it offers 'function' and 'file_search' tools."
    ))
    .param(param)
    .code("unsupported_value")
}

/// The function tools and the file search tool, checked.
pub(super) fn tools(tools: &[Tool]) -> Result<(Vec<ModelFunction>, Option<SearchTool>), Failure> {
    let mut functions: Vec<ModelFunction> = Vec::new();
    let mut search: Option<SearchTool> = None;
    if tools.len() > 128 {
        return Err(Failure::invalid("At most 128 tools are allowed.").param("tools"));
    }
    for (i, tool) in tools.iter().enumerate() {
        let p = format!("tools[{i}]");
        match tool {
            Tool::Function {
                name,
                description,
                parameters,
                ..
            } => {
                let valid = !name.is_empty()
                    && name.len() <= 64
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                if !valid {
                    return Err(Failure::invalid(format!(
                        "Invalid function name '{name}': use 1 to 64 letters, digits, underscores or dashes."
                    ))
                    .param(format!("{p}.name"))
                    .code("invalid_value"));
                }
                if functions.iter().any(|f| &f.name == name) {
                    return Err(Failure::invalid(format!(
                        "The function name '{name}' is used twice."
                    ))
                    .param(format!("{p}.name")));
                }
                let mut f = ModelFunction::new(name);
                f.description = description.clone();
                f.parameters = parameters
                    .as_ref()
                    .map(|p| serde_json::Value::Object(p.0.clone()));
                functions.push(f);
            }
            Tool::FileSearch {
                filters,
                max_num_results,
                ranking_options,
                vector_store_ids,
            } => {
                if search.is_some() {
                    return Err(Failure::invalid("Give at most one file_search tool.")
                        .param(format!("{p}.type")));
                }
                if vector_store_ids.is_empty() {
                    return Err(Failure::invalid(
                        "A file_search tool needs at least one vector store id.",
                    )
                    .param(format!("{p}.vector_store_ids")));
                }
                let max = max_num_results.unwrap_or(DEFAULT_MAX_RESULTS as i64);
                if !(1..=50).contains(&max) {
                    return Err(Failure::invalid(format!(
                        "Invalid 'max_num_results': expected a value between 1 and 50, got {max}."
                    ))
                    .param(format!("{p}.max_num_results"))
                    .code("integer_out_of_range"));
                }
                let threshold = ranking_options
                    .as_ref()
                    .and_then(|r| r.score_threshold)
                    .unwrap_or(0.0);
                if !(0.0..=1.0).contains(&threshold) {
                    return Err(Failure::invalid(
                        "Invalid 'score_threshold': expected a value between 0 and 1.",
                    )
                    .param(format!("{p}.ranking_options.score_threshold")));
                }
                let filter = filters
                    .as_ref()
                    .map(|f| serde_json::to_value(f).unwrap_or_default());
                if let Some(f) = &filter {
                    check_filter(f, &format!("{p}.filters"))?;
                }
                search = Some(SearchTool {
                    vector_store_ids: vector_store_ids.clone(),
                    max: max as usize,
                    threshold,
                    filter,
                    param: p,
                });
            }
            Tool::Unknown(v) => {
                let kind = v.get("type").and_then(|t| t.as_str()).unwrap_or("");
                if OTHER_TOOLS.contains(&kind) {
                    return Err(unsupported_tool(kind, &format!("{p}.type")));
                }
                return Err(explain_variant(
                    v,
                    "type",
                    &p,
                    &[
                        ("function", &|b, p| parse_at::<NameShape>(b, p).map(drop)),
                        ("file_search", &|b, p| {
                            parse_at::<StoresShape>(b, p).map(drop)
                        }),
                    ],
                ));
            }
            other => {
                let value = serde_json::to_value(other).unwrap_or_default();
                let kind = value["type"].as_str().unwrap_or("unknown");
                return Err(unsupported_tool(kind, &format!("{p}.type")));
            }
        }
    }
    Ok((functions, search))
}

/// The request's tool choice, checked against its tools; an `allowed_tools` choice keeps
/// only the functions it allows.
pub(super) fn tool_choice(
    choice: Option<&ToolChoiceParam>,
    mut functions: Vec<ModelFunction>,
    search: &Option<SearchTool>,
) -> Result<(ModelToolChoice, Vec<ModelFunction>), Failure> {
    let choice = match choice {
        None => ModelToolChoice::Auto,
        Some(ToolChoiceParam::ToolChoiceOptions(o)) => match o {
            ToolChoiceOptions::None => ModelToolChoice::None,
            ToolChoiceOptions::Auto => ModelToolChoice::Auto,
            ToolChoiceOptions::Required => ModelToolChoice::Required,
            ToolChoiceOptions::Unknown(other) => {
                return Err(bad_value(
                    "tool_choice",
                    other,
                    &["none", "auto", "required"],
                ))
            }
        },
        Some(ToolChoiceParam::ToolChoiceFunction(f)) => {
            if !functions.iter().any(|g| g.name == f.name) {
                return Err(Failure::invalid(format!(
                    "Tool choice '{}' is not one of the request's function tools.",
                    f.name
                ))
                .param("tool_choice.name"));
            }
            ModelToolChoice::Function(f.name.clone())
        }
        Some(ToolChoiceParam::ToolChoiceTypes(t)) => match &t.type_ {
            ToolChoiceTypesType::FileSearch if search.is_some() => ModelToolChoice::FileSearch,
            ToolChoiceTypesType::FileSearch => {
                return Err(Failure::invalid(
                    "Tool choice 'file_search' needs a file_search tool in 'tools'.",
                )
                .param("tool_choice.type"))
            }
            other => return Err(unsupported_tool(&other.to_string(), "tool_choice.type")),
        },
        Some(ToolChoiceParam::ToolChoiceAllowed(a)) => {
            let allowed: Vec<&str> = a
                .tools
                .iter()
                .filter_map(|t| t.get("name").and_then(|n| n.as_str()))
                .collect();
            functions.retain(|f| allowed.contains(&f.name.as_str()));
            match &a.mode {
                ToolChoiceAllowedMode::Auto => ModelToolChoice::Auto,
                ToolChoiceAllowedMode::Required => ModelToolChoice::Required,
                ToolChoiceAllowedMode::Unknown(m) => {
                    return Err(bad_value("tool_choice.mode", m, &["auto", "required"]))
                }
            }
        }
        Some(other) => {
            let value = serde_json::to_value(other).unwrap_or_default();
            let kind = value["type"].as_str().unwrap_or("unknown");
            return Err(unsupported_tool(kind, "tool_choice.type"));
        }
    };
    Ok((choice, functions))
}

/// The answer's format (`text.format`).
pub(super) fn format(text: Option<&ResponseTextParam>) -> Result<ModelFormat, Failure> {
    Ok(match text.and_then(|t| t.format.as_ref()) {
        None | Some(TextResponseFormatConfiguration::Text) => ModelFormat::Text,
        Some(TextResponseFormatConfiguration::JsonObject) => ModelFormat::JsonObject,
        Some(TextResponseFormatConfiguration::JsonSchema { name, schema, .. }) => {
            let valid = !name.is_empty()
                && name.len() <= 64
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !valid {
                return Err(Failure::invalid(format!(
                    "Invalid 'text.format.name': '{name}'. Use 1 to 64 letters, digits, underscores or dashes."
                ))
                .param("text.format.name")
                .code("invalid_value"));
            }
            ModelFormat::JsonSchema {
                name: name.clone(),
                schema: serde_json::Value::Object(schema.0.clone()),
            }
        }
        Some(TextResponseFormatConfiguration::Unknown(v)) => {
            return Err(explain_variant(
                v,
                "type",
                "text.format",
                &[
                    ("text", &|_, _| Ok(())),
                    ("json_object", &|_, _| Ok(())),
                    ("json_schema", &|b, p| {
                        parse_at::<SchemaShape>(b, p).map(drop)
                    }),
                ],
            ))
        }
    })
}
