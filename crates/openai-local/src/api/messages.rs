//! `/threads/{thread_id}/messages`, and the checks every new message goes through.

use std::sync::Arc;

use serde::Deserialize;

use openai_blocking::types::*;

use super::super::clock::Now;
use super::super::http::{Ctx, Failure, Reply};
use super::super::json::{explain_variant, parse_at};
use super::super::page::{paginate, paginate_sorted};
use super::super::search::Chunking;
use super::super::store::{metadata_or_empty, set_metadata, Ids, Message, Store, Thread};
use super::indexing::{Indexes, Jobs};
use super::vector_store_files::NewBatch;
use super::vector_stores::NewStore;
use super::{check_metadata, deleted};

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

/// A message request checked for shape, ready to be added to a thread once the files it names
/// are known to exist ([`Prepared::check`]).
pub(super) struct Prepared {
    role: ThreadMessageResponseRole,
    content: Vec<MessageContent>,
    attachments: Vec<ThreadMessageResponseAttachmentsItem>,
    metadata: Option<Metadata>,
    /// The files it names, each with the request path naming it (for errors).
    files: Vec<(String, String)>,
}

/// Checks a message request's shape: its role, content parts, attachments and metadata.
/// `param` prefixes the names of bad fields (`messages[0]`).
pub(super) fn prepare(r: ThreadMessageCreateRequest, param: &str) -> Result<Prepared, Failure> {
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
    let mut files = Vec::new();
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
                        files.push((
                            image_file.file_id.clone(),
                            p(&format!("content[{i}].image_file.file_id")),
                        ));
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
        files.push((file_id.clone(), p(&format!("attachments[{i}].file_id"))));
        for (j, t) in a.tools.iter().flatten().enumerate() {
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
        files,
    })
}

impl Prepared {
    /// Checks that the files the message names exist, and adds those attached for file search
    /// to `jobs` (they go into the thread's vector store).
    pub fn check(&self, store: &Store, jobs: &mut Jobs) -> Result<(), Failure> {
        if let Some((id, param)) = self
            .files
            .iter()
            .find(|(id, _)| !store.files.contains_key(id))
        {
            return Err(Failure::not_found("file", id).param(param.clone()));
        }
        for id in self.search_files() {
            jobs.add(store, &id, Chunking::Auto);
        }
        Ok(())
    }

    /// The files attached for file search.
    fn search_files(&self) -> Vec<String> {
        self.attachments
            .iter()
            .filter(|a| {
                a.tools
                    .iter()
                    .flatten()
                    .any(|t| *t == AttachmentTool::FileSearch)
            })
            .filter_map(|a| a.file_id.clone())
            .collect()
    }
}

/// Adds a checked message to a thread, and returns it (shared with the thread). Files
/// attached for file search (indexed in `indexes`) go into the thread's vector store,
/// created on first use.
pub(super) fn insert(
    store: &mut Store,
    thread_id: &str,
    m: Prepared,
    indexes: &Indexes,
    now: Now,
) -> Arc<ThreadMessageResponse> {
    let search_files = m.search_files();
    if !search_files.is_empty() {
        attach_to_thread_store(store, thread_id, search_files, indexes, now);
    }
    let (id, seq) = store.ids.issue("msg_");
    let resp = Arc::new(ThreadMessageResponse {
        extra: Default::default(),
        assistant_id: None,
        attachments: Some(m.attachments),
        completed_at: None,
        content: m.content,
        created_at: now.unix,
        id,
        incomplete_at: None,
        incomplete_details: None,
        metadata: metadata_or_empty(m.metadata),
        object: ThreadMessageResponseObject::ThreadMessage,
        role: m.role,
        run_id: None,
        status: Some(ThreadMessageResponseStatus::Completed),
        thread_id: thread_id.to_string(),
    });
    if let Some(t) = store.threads.get_mut(thread_id) {
        t.messages.push(Message {
            seq,
            resp: resp.clone(),
        });
    }
    resp
}

fn attach_to_thread_store(
    store: &mut Store,
    thread_id: &str,
    file_ids: Vec<String>,
    indexes: &Indexes,
    now: Now,
) {
    let existing = store
        .threads
        .get(thread_id)
        .and_then(|t| t.resp.tool_resources.as_ref())
        .and_then(|r| r.file_search.as_ref())
        .and_then(|f| f.vector_store_ids.as_ref()?.first().cloned())
        .filter(|id| store.vector_stores.contains_key(id));
    match existing {
        Some(vs_id) => {
            NewBatch::of_files(file_ids).add(store, &vs_id, indexes, now);
        }
        None => {
            let new = NewStore {
                name: Some(format!("Files of {thread_id}")),
                file_ids,
                chunking: Chunking::Auto,
                metadata: None,
                expires_after: Some(VectorStoreExpirationAfter {
                    anchor: VectorStoreExpirationAfterAnchor::LastActiveAt,
                    days: 7,
                }),
                files_param: "file_ids".into(),
            };
            let vs_id = new.create(store, indexes, now).id;
            if let Some(t) = store.threads.get_mut(thread_id) {
                let res = t.resp.tool_resources.get_or_insert_with(Default::default);
                res.file_search
                    .get_or_insert_with(Default::default)
                    .vector_store_ids
                    .get_or_insert_with(Vec::new)
                    .push(vs_id);
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

/// The thread and the index of its message `id`: the message is found by its creation
/// sequence number (messages are kept in creation order), not by comparing every id.
fn message<'a>(
    store: &'a mut Store,
    thread_id: &str,
    id: &str,
) -> Result<(&'a mut Thread, usize), Failure> {
    let Store { ids, threads, .. } = store;
    let t = threads
        .get_mut(thread_id)
        .ok_or_else(|| Failure::not_found("thread", thread_id))?;
    let i = position(&t.messages, ids, id).ok_or_else(|| Failure::not_found("message", id))?;
    Ok((t, i))
}

/// Where the message with the given id is among `messages` (in creation order).
fn position(messages: &[Message], ids: &Ids, id: &str) -> Option<usize> {
    let seq = ids.seq(id)?;
    let i = messages.binary_search_by_key(&seq, |m| m.seq).ok()?;
    (messages[i].resp.id == id).then_some(i)
}

/// Refuses new messages while a run of the thread is active.
fn check_open(store: &Store, thread_id: &str) -> Result<(), Failure> {
    let t = store
        .threads
        .get(thread_id)
        .ok_or_else(|| Failure::not_found("thread", thread_id))?;
    match t.active_run() {
        Some(run) => Err(Failure::invalid(format!(
            "Can't add messages to {thread_id} while a run {} is active.",
            run.resp.id
        ))),
        None => Ok(()),
    }
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
    ctx.pump(thread_id);
    // Under the lock, the page alone is found (by binary search on the cursors, as the
    // messages are in creation order) and taken as shared references; the JSON is written
    // once the store is free.
    let page = ctx.with_store(|store| {
        let t = thread(store, thread_id)?;
        let page = match &q.run_id {
            None => paginate_sorted(&t.messages, |m| m.seq, |m| &m.resp.id, &params),
            Some(run_id) => {
                let items = t
                    .messages
                    .iter()
                    .filter(|m| m.resp.run_id.as_ref() == Some(run_id))
                    .map(|m| (m.seq, m));
                paginate(items, |m| &m.resp.id, &params)
            }
        };
        Ok::<_, Failure>(page.map(|m| Arc::clone(&m.resp)))
    })?;
    Reply::json(&page.body(|m| &**m))
}

pub(super) fn create(ctx: &mut Ctx<'_>, thread_id: &str) -> Result<Reply, Failure> {
    let r: ThreadMessageCreateRequest = ctx.json()?;
    ctx.pump(thread_id);
    let check = |store: &Store, m: &Prepared, jobs: &mut Jobs| {
        check_open(store, thread_id)?;
        m.check(store, jobs)
    };
    // The thread is checked before the message, as the API does.
    ctx.with_store(|store| check_open(store, thread_id))?;
    let m = prepare(r, "")?;
    let mut jobs = Jobs::default();
    ctx.with_store(|store| check(store, &m, &mut jobs))?;
    let indexes = jobs.run(ctx);
    let now = ctx.now();
    let resp = ctx.with_store(|store| {
        check(store, &m, &mut Jobs::default())?;
        Ok::<_, Failure>(insert(store, thread_id, m, &indexes, now))
    })?;
    Reply::json(&*resp)
}

pub(super) fn get(ctx: &mut Ctx<'_>, thread_id: &str, id: &str) -> Result<Reply, Failure> {
    ctx.pump(thread_id);
    let resp = ctx.with_store(|store| {
        let (t, i) = message(store, thread_id, id)?;
        Ok::<_, Failure>(Arc::clone(&t.messages[i].resp))
    })?;
    Reply::json(&*resp)
}

pub(super) fn modify(ctx: &mut Ctx<'_>, thread_id: &str, id: &str) -> Result<Reply, Failure> {
    let r: ThreadMessageModifyRequest = ctx.json()?;
    check_metadata(r.metadata.as_set(), "metadata")?;
    let resp = ctx.with_store(|store| {
        let (t, i) = message(store, thread_id, id)?;
        let m = &mut t.messages[i];
        set_metadata(&mut Arc::make_mut(&mut m.resp).metadata, r.metadata);
        Ok::<_, Failure>(Arc::clone(&m.resp))
    })?;
    Reply::json(&*resp)
}

pub(super) fn delete(ctx: &mut Ctx<'_>, thread_id: &str, id: &str) -> Result<Reply, Failure> {
    ctx.with_store(|store| {
        let (t, i) = message(store, thread_id, id)?;
        t.messages.remove(i);
        Ok::<_, Failure>(())
    })?;
    deleted(id, "thread.message.deleted")
}
