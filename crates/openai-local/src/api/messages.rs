//! `/threads/{thread_id}/messages`, and the checks every new message goes through.

use std::time::Instant;

use serde::Deserialize;

use openai_blocking::types::*;

use super::super::http::{Ctx, Failure, Reply};
use super::super::json::{explain_variant, parse_at};
use super::super::page::paginate;
use super::super::store::{metadata_or_empty, unix_now, Message, Store, Thread};
use super::{check_metadata, deleted, vector_stores};

#[derive(Deserialize)]
struct TextShape {
    #[serde(rename = "text")]
    _text: String,
}

#[derive(Deserialize)]
struct ImageUrlShape {
    #[serde(rename = "image_url")]
    _image_url: MessageContentImageUrlObjectImageUrl,
}

#[derive(Deserialize)]
struct ImageFileShape {
    #[serde(rename = "image_file")]
    _image_file: MessageContentImageFileObjectImageFile,
}

/// A checked message, ready to be added to a thread.
pub(super) struct Prepared {
    role: ThreadMessageResponseRole,
    content: Vec<MessageContent>,
    attachments: Vec<ThreadMessageResponseAttachmentsItem>,
    metadata: Option<Metadata>,
}

/// Checks a message request: its role, content parts (files must exist), attachments and
/// metadata. `param` prefixes the names of bad fields (`messages[0]`).
pub(super) fn prepare(
    store: &Store,
    r: ThreadMessageCreateRequest,
    param: &str,
) -> Result<Prepared, Failure> {
    let p = |field: &str| {
        if param.is_empty() {
            field.to_string()
        } else {
            format!("{param}.{field}")
        }
    };
    let role = match r.role {
        ThreadMessageCreateRequestRole::User => ThreadMessageResponseRole::User,
        ThreadMessageCreateRequestRole::Assistant => ThreadMessageResponseRole::Assistant,
        ThreadMessageCreateRequestRole::Unknown(other) => {
            return Err(Failure::invalid(format!(
                "Invalid value: '{other}'. Supported values are: 'user' and 'assistant'."
            ))
            .param(p("role"))
            .code("invalid_value"))
        }
    };
    check_metadata(r.metadata.as_ref(), &p("metadata"))?;
    let text = |value: String| MessageContent::Text {
        text: MessageContentTextObjectText {
            annotations: Vec::new(),
            value,
        },
    };
    let content = match r.content {
        ThreadMessageCreateRequestContent::String(s) => vec![text(s)],
        ThreadMessageCreateRequestContent::Array(parts) => {
            if parts.is_empty() {
                return Err(
                    Failure::invalid("A message needs at least one content part.")
                        .param(p("content")),
                );
            }
            let mut out = Vec::new();
            for (i, part) in parts.into_iter().enumerate() {
                out.push(match part {
                    MessageRequestContentPart::Text { text: t } => text(t),
                    MessageRequestContentPart::ImageUrl { image_url } => {
                        MessageContent::ImageUrl { image_url }
                    }
                    MessageRequestContentPart::ImageFile { image_file } => {
                        if !store.files.contains_key(&image_file.file_id) {
                            return Err(Failure::not_found("file", &image_file.file_id)
                                .param(p(&format!("content[{i}].image_file.file_id"))));
                        }
                        MessageContent::ImageFile { image_file }
                    }
                    MessageRequestContentPart::Unknown(v) => {
                        return Err(explain_variant(
                            &v,
                            "type",
                            &p(&format!("content[{i}]")),
                            &[
                                ("text", &|b, p| parse_at::<TextShape>(b, p).map(drop)),
                                ("image_url", &|b, p| {
                                    parse_at::<ImageUrlShape>(b, p).map(drop)
                                }),
                                ("image_file", &|b, p| {
                                    parse_at::<ImageFileShape>(b, p).map(drop)
                                }),
                            ],
                        ))
                    }
                });
            }
            out
        }
    };
    let mut attachments = Vec::new();
    for (i, a) in r.attachments.unwrap_or_default().into_iter().enumerate() {
        let Some(file_id) = a.file_id.clone() else {
            return Err(Failure::invalid("Missing required parameter: 'file_id'.")
                .param(p(&format!("attachments[{i}].file_id")))
                .code("missing_required_parameter"));
        };
        if !store.files.contains_key(&file_id) {
            return Err(
                Failure::not_found("file", &file_id).param(p(&format!("attachments[{i}].file_id")))
            );
        }
        for (j, t) in a.tools.iter().enumerate() {
            if let AttachmentTool::Unknown(v) = t {
                return Err(explain_variant(
                    v,
                    "type",
                    &p(&format!("attachments[{i}].tools[{j}]")),
                    &[
                        ("file_search", &|_, _| Ok(())),
                        ("code_interpreter", &|_, _| Ok(())),
                    ],
                ));
            }
        }
        attachments.push(ThreadMessageResponseAttachmentsItem {
            file_id: Some(file_id),
            tools: a.tools,
        });
    }
    Ok(Prepared {
        role,
        content,
        attachments,
        metadata: r.metadata,
    })
}

/// Adds a checked message to a thread. Files attached for file search go into the thread's
/// vector store, created on first use.
pub(super) fn insert(
    store: &mut Store,
    thread_id: &str,
    m: Prepared,
    now: Instant,
) -> ThreadMessageResponse {
    let search_files: Vec<String> = m
        .attachments
        .iter()
        .filter(|a| a.tools.contains(&AttachmentTool::FileSearch))
        .filter_map(|a| a.file_id.clone())
        .collect();
    if !search_files.is_empty() {
        attach_to_thread_store(store, thread_id, search_files, now);
    }
    let (id, seq) = store.ids.issue("msg_");
    let resp = ThreadMessageResponse {
        assistant_id: None,
        attachments: Some(m.attachments),
        completed_at: None,
        content: m.content,
        created_at: unix_now(),
        id,
        incomplete_at: None,
        incomplete_details: None,
        metadata: metadata_or_empty(m.metadata),
        object: ThreadMessageResponseObject::ThreadMessage,
        role: m.role,
        run_id: None,
        status: Some(ThreadMessageResponseStatus::Completed),
        thread_id: thread_id.to_string(),
    };
    if let Some(t) = store.threads.get_mut(thread_id) {
        t.messages.push(Message {
            seq,
            resp: resp.clone(),
        });
    }
    resp
}

fn attach_to_thread_store(store: &mut Store, thread_id: &str, file_ids: Vec<String>, now: Instant) {
    let existing = store
        .threads
        .get(thread_id)
        .and_then(|t| t.resp.tool_resources.as_ref())
        .and_then(|r| r.file_search.as_ref())
        .and_then(|f| f.vector_store_ids.first().cloned())
        .filter(|id| store.vector_stores.contains_key(id));
    match existing {
        Some(vs_id) => {
            let request = VectorStoreFileBatchCreateRequest::new(file_ids);
            // The files exist (checked), so adding them cannot fail.
            let _ = vector_stores::add_files(store, &vs_id, request, now);
        }
        None => {
            let request = VectorStoreCreateRequest {
                name: Some(format!("Files of {thread_id}")),
                file_ids,
                expires_after: Some(VectorStoreExpirationAfter {
                    anchor: VectorStoreExpirationAfterAnchor::LastActiveAt,
                    days: 7,
                }),
                ..VectorStoreCreateRequest::default()
            };
            if let Ok(vs_id) =
                vector_stores::new_store(store, request, super::super::search::Chunking::Auto, now)
            {
                if let Some(t) = store.threads.get_mut(thread_id) {
                    let res = t.resp.tool_resources.get_or_insert_with(Default::default);
                    res.file_search
                        .get_or_insert_with(Default::default)
                        .vector_store_ids
                        .push(vs_id);
                }
            }
        }
    }
}

fn thread<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut Thread, Failure> {
    store
        .threads
        .get_mut(id)
        .ok_or_else(|| Failure::not_found("thread", id))
}

fn message<'a>(t: &'a mut Thread, id: &str) -> Result<&'a mut Message, Failure> {
    t.messages
        .iter_mut()
        .find(|m| m.resp.id == id)
        .ok_or_else(|| Failure::not_found("message", id))
}

pub(super) fn list(ctx: &mut Ctx<'_>, thread_id: &str) -> Result<Reply, Failure> {
    let q: ThreadMessageListQueryParameters = ctx.query()?;
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
    let items = t
        .messages
        .iter()
        .filter(|m| q.run_id.is_none() || m.resp.run_id == q.run_id)
        .map(|m| (m.seq, m.resp.clone()));
    let page = paginate(items, |m| &m.id, &params);
    Reply::json(&ThreadMessageListResponse {
        data: page.data,
        first_id: page.first_id,
        has_more: page.has_more,
        last_id: page.last_id,
        object: "list".into(),
    })
}

pub(super) fn create(ctx: &mut Ctx<'_>, thread_id: &str) -> Result<Reply, Failure> {
    let r: ThreadMessageCreateRequest = ctx.json()?;
    ctx.engine.pump(thread_id);
    let mut store = ctx.engine.lock();
    let t = thread(&mut store, thread_id)?;
    if let Some(run) = t.active_run() {
        return Err(Failure::invalid(format!(
            "Can't add messages to {thread_id} while a run {} is active.",
            run.resp.id
        )));
    }
    let prepared = prepare(&store, r, "")?;
    Reply::json(&insert(&mut store, thread_id, prepared, Instant::now()))
}

pub(super) fn get(ctx: &mut Ctx<'_>, thread_id: &str, id: &str) -> Result<Reply, Failure> {
    ctx.engine.pump(thread_id);
    let mut store = ctx.engine.lock();
    Reply::json(&message(thread(&mut store, thread_id)?, id)?.resp)
}

pub(super) fn modify(ctx: &mut Ctx<'_>, thread_id: &str, id: &str) -> Result<Reply, Failure> {
    let r: ThreadMessageModifyRequest = ctx.json()?;
    check_metadata(r.metadata.as_ref(), "metadata")?;
    let mut store = ctx.engine.lock();
    let m = message(thread(&mut store, thread_id)?, id)?;
    if let Some(meta) = r.metadata {
        m.resp.metadata = Some(meta);
    }
    Reply::json(&m.resp)
}

pub(super) fn delete(ctx: &mut Ctx<'_>, thread_id: &str, id: &str) -> Result<Reply, Failure> {
    let mut store = ctx.engine.lock();
    let t = thread(&mut store, thread_id)?;
    message(t, id)?;
    t.messages.retain(|m| m.resp.id != id);
    deleted(id, "thread.message.deleted")
}
