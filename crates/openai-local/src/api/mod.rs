//! The endpoint handlers, one module per resource, and the routing table.

mod assistants;
mod batches;
mod chat;
mod conversations;
mod embeddings;
mod files;
mod filters;
mod indexing;
mod input;
mod messages;
mod models;
mod moderations;
mod resources;
mod response_checks;
mod response_events;
mod response_plan;
mod responses;
mod run_stream;
mod runs;
mod threads;
mod uploads;
mod vector_store_files;
mod vector_stores;

use serde::Deserialize;

use openai_blocking::types::*;

use super::http::{Ctx, Failure, Reply};
use super::json::{explain_variant, parse_at};

/// The fields of a function tool, to explain why one did not decode.
#[derive(Deserialize)]
struct FunctionShape {
    #[serde(rename = "function")]
    _function: FunctionObject,
}

/// The fields of a file search tool, to explain why one did not decode.
#[derive(Deserialize)]
struct FileSearchShape {
    #[serde(rename = "file_search")]
    _file_search: Option<AssistantToolsFileSearchFileSearch>,
}

/// Dispatches a request by method and path segments (without the `/v1` prefix); `None` when
/// no endpoint has that method and path.
pub(crate) fn route(
    ctx: &mut Ctx<'_>,
    method: &str,
    segs: &[&str],
) -> Option<Result<Reply, Failure>> {
    use vector_store_files as vsf;
    use vector_stores as vs;
    Some(match (method, segs) {
        ("GET", ["assistants"]) => assistants::list(ctx),
        ("POST", ["assistants"]) => assistants::create(ctx),
        ("GET", ["assistants", id]) => assistants::get(ctx, id),
        ("POST", ["assistants", id]) => assistants::modify(ctx, id),
        ("DELETE", ["assistants", id]) => assistants::delete(ctx, id),

        ("POST", ["threads"]) => threads::create(ctx),
        ("POST", ["threads", "runs"]) => runs::create_thread_and_run(ctx),
        ("GET", ["threads", t]) => threads::get(ctx, t),
        ("POST", ["threads", t]) => threads::modify(ctx, t),
        ("DELETE", ["threads", t]) => threads::delete(ctx, t),

        ("GET", ["threads", t, "messages"]) => messages::list(ctx, t),
        ("POST", ["threads", t, "messages"]) => messages::create(ctx, t),
        ("GET", ["threads", t, "messages", m]) => messages::get(ctx, t, m),
        ("POST", ["threads", t, "messages", m]) => messages::modify(ctx, t, m),
        ("DELETE", ["threads", t, "messages", m]) => messages::delete(ctx, t, m),

        ("GET", ["threads", t, "runs"]) => runs::list(ctx, t),
        ("POST", ["threads", t, "runs"]) => runs::create(ctx, t),
        ("GET", ["threads", t, "runs", r]) => runs::get(ctx, t, r),
        ("POST", ["threads", t, "runs", r]) => runs::modify(ctx, t, r),
        ("POST", ["threads", t, "runs", r, "cancel"]) => runs::cancel(ctx, t, r),
        ("POST", ["threads", t, "runs", r, "submit_tool_outputs"]) => {
            runs::submit_tool_outputs(ctx, t, r)
        }
        ("GET", ["threads", t, "runs", r, "steps"]) => runs::list_steps(ctx, t, r),
        ("GET", ["threads", t, "runs", r, "steps", s]) => runs::get_step(ctx, t, r, s),

        ("GET", ["files"]) => files::list(ctx),
        ("POST", ["files"]) => files::upload(ctx),
        ("GET", ["files", f]) => files::get(ctx, f),
        ("DELETE", ["files", f]) => files::delete(ctx, f),
        ("GET", ["files", f, "content"]) => files::content(ctx, f),

        ("GET", ["vector_stores"]) => vs::list(ctx),
        ("POST", ["vector_stores"]) => vs::create(ctx),
        ("GET", ["vector_stores", v]) => vs::get(ctx, v),
        ("POST", ["vector_stores", v]) => vs::modify(ctx, v),
        ("DELETE", ["vector_stores", v]) => vs::delete(ctx, v),
        ("POST", ["vector_stores", v, "search"]) => vs::search(ctx, v),
        ("GET", ["vector_stores", v, "files"]) => vsf::list_files(ctx, v),
        ("POST", ["vector_stores", v, "files"]) => vsf::add_file(ctx, v),
        ("GET", ["vector_stores", v, "files", f]) => vsf::get_file(ctx, v, f),
        ("POST", ["vector_stores", v, "files", f]) => vsf::update_file(ctx, v, f),
        ("DELETE", ["vector_stores", v, "files", f]) => vsf::remove_file(ctx, v, f),
        ("POST", ["vector_stores", v, "file_batches"]) => vsf::create_batch(ctx, v),
        ("GET", ["vector_stores", v, "file_batches", b]) => vsf::get_batch(ctx, v, b),
        ("POST", ["vector_stores", v, "file_batches", b, "cancel"]) => vsf::cancel_batch(ctx, v, b),
        ("GET", ["vector_stores", v, "file_batches", b, "files"]) => {
            vsf::list_batch_files(ctx, v, b)
        }

        ("POST", ["chat", "completions"]) => chat::create(ctx),

        ("POST", ["responses"]) => responses::create(ctx),
        ("POST", ["responses", "input_tokens"]) => responses::input_tokens(ctx),
        ("GET", ["responses", r]) => responses::get(ctx, r),
        ("DELETE", ["responses", r]) => responses::delete(ctx, r),
        ("POST", ["responses", r, "cancel"]) => responses::cancel(ctx, r),
        ("GET", ["responses", r, "input_items"]) => responses::input_items(ctx, r),

        ("POST", ["conversations"]) => conversations::create(ctx),
        ("GET", ["conversations", c]) => conversations::get(ctx, c),
        ("POST", ["conversations", c]) => conversations::update(ctx, c),
        ("DELETE", ["conversations", c]) => conversations::delete(ctx, c),
        ("POST", ["conversations", c, "items"]) => conversations::create_items(ctx, c),
        ("GET", ["conversations", c, "items"]) => conversations::list_items(ctx, c),
        ("GET", ["conversations", c, "items", i]) => conversations::get_item(ctx, c, i),
        ("DELETE", ["conversations", c, "items", i]) => conversations::delete_item(ctx, c, i),

        ("GET", ["models"]) => models::list(ctx),
        ("GET", ["models", m]) => models::get(ctx, m),
        ("POST", ["embeddings"]) => embeddings::create(ctx),
        ("POST", ["moderations"]) => moderations::create(ctx),

        ("POST", ["batches"]) => batches::create(ctx),
        ("GET", ["batches"]) => batches::list(ctx),
        ("GET", ["batches", b]) => batches::get(ctx, b),
        ("POST", ["batches", b, "cancel"]) => batches::cancel(ctx, b),

        ("POST", ["uploads"]) => uploads::create(ctx),
        ("POST", ["uploads", u, "parts"]) => uploads::add_part(ctx, u),
        ("POST", ["uploads", u, "complete"]) => uploads::complete(ctx, u),
        ("POST", ["uploads", u, "cancel"]) => uploads::cancel(ctx, u),
        _ => return None,
    })
}

/// A `{id, object, deleted: true}` answer.
fn deleted(id: &str, object: &str) -> Result<Reply, Failure> {
    Reply::json(&DeleteStatusResponse {
        extra: Default::default(),
        deleted: true,
        id: id.to_string(),
        object: object.to_string(),
    })
}

/// The API's limits on metadata: 16 pairs, keys up to 64 characters, values up to 512.
fn check_metadata(metadata: Option<&Metadata>, param: &str) -> Result<(), Failure> {
    let Some(m) = metadata else { return Ok(()) };
    if m.len() > 16 {
        return Err(Failure::invalid("Metadata holds at most 16 key-value pairs.").param(param));
    }
    for (k, v) in m.iter() {
        if k.chars().count() > 64 || v.chars().count() > 512 {
            return Err(Failure::invalid(format!(
                "Metadata keys are at most 64 characters and values at most 512; '{}' is too long.",
                super::text::clip(k, 64)
            ))
            .param(format!("{param}.{k}")));
        }
    }
    Ok(())
}

/// Rejects tools of unknown types, bad function names and out-of-range file search settings.
fn check_tools(tools: &[AssistantTool], param: &str) -> Result<(), Failure> {
    let mut names: Vec<&str> = Vec::new();
    for (i, tool) in tools.iter().enumerate() {
        match tool {
            AssistantTool::Unknown(value) => {
                return Err(explain_variant(
                    value,
                    "type",
                    &format!("{param}[{i}]"),
                    &[
                        ("code_interpreter", &|_, _| Ok(())),
                        ("file_search", &|b, p| {
                            parse_at::<FileSearchShape>(b, p).map(drop)
                        }),
                        ("function", &|b, p| {
                            parse_at::<FunctionShape>(b, p).map(drop)
                        }),
                    ],
                ))
            }
            AssistantTool::Function { function } => {
                let name = function.name.as_str();
                let valid = !name.is_empty()
                    && name.len() <= 64
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                if !valid {
                    return Err(Failure::invalid(format!(
                        "Invalid function name '{name}': use 1 to 64 letters, digits, underscores or dashes."
                    ))
                    .param(format!("{param}[{i}].function.name"))
                    .code("invalid_value"));
                }
                if names.contains(&name) {
                    return Err(Failure::invalid(format!(
                        "The function name '{name}' is used twice."
                    ))
                    .param(format!("{param}[{i}].function.name")));
                }
                names.push(name);
            }
            AssistantTool::FileSearch {
                file_search: Some(fs),
            } => {
                if let Some(n) = fs.max_num_results.filter(|n| !(1..=50).contains(n)) {
                    return Err(Failure::invalid(format!(
                        "Invalid 'max_num_results': expected a value between 1 and 50, got {n}."
                    ))
                    .param(format!("{param}[{i}].file_search.max_num_results"))
                    .code("integer_out_of_range"));
                }
                if let Some(r) = &fs.ranking_options {
                    if !(0.0..=1.0).contains(&r.score_threshold) {
                        return Err(Failure::invalid(
                            "Invalid 'score_threshold': expected a value between 0 and 1.",
                        )
                        .param(format!(
                            "{param}[{i}].file_search.ranking_options.score_threshold"
                        )));
                    }
                }
            }
            _ => {}
        }
    }
    if tools.len() > 128 {
        return Err(Failure::invalid("At most 128 tools are allowed.").param(param));
    }
    Ok(())
}

/// Checks that every file id names an uploaded file.
fn check_files(
    store: &super::store::Store,
    file_ids: &[String],
    param: &str,
) -> Result<(), Failure> {
    match file_ids.iter().position(|id| !store.files.contains_key(id)) {
        Some(i) => Err(Failure::not_found("file", &file_ids[i]).param(format!("{param}[{i}]"))),
        None => Ok(()),
    }
}

/// Checks that every vector store id names a vector store.
fn check_vector_stores(
    store: &super::store::Store,
    ids: &[String],
    param: &str,
) -> Result<(), Failure> {
    match ids
        .iter()
        .position(|id| !store.vector_stores.contains_key(id))
    {
        Some(i) => Err(Failure::not_found("vector store", &ids[i]).param(format!("{param}[{i}]"))),
        None => Ok(()),
    }
}
