//! `/conversations` and their items. A response created with `conversation` reads the
//! conversation's items and adds its input and output items to it when it completes.

use std::sync::Arc;

use openai_blocking::types::*;

use super::super::http::{Ctx, Failure, Reply};
use super::super::items::Item;
use super::super::page::paginate_sorted;
use super::super::responding;
use super::super::store::{metadata_or_empty, Conversation, Store};
use super::input::{parse_items, Given, GivenItem};
use super::responses::ItemsQuery;
use super::{check_metadata, deleted};

/// The most items one request may add.
const MAX_ITEMS: usize = 20;

fn find<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut Conversation, Failure> {
    store
        .conversations
        .get_mut(id)
        .ok_or_else(|| Failure::not_found("conversation", id))
}

/// Items to add, checked for shape (at most 20); `raw` is the request's JSON.
fn parse(items: &[InputItem], raw: &[u8]) -> Result<Vec<Given>, Failure> {
    if items.len() > MAX_ITEMS {
        return Err(Failure::invalid(format!(
            "Invalid 'items': array too long. Expected an array with maximum length {MAX_ITEMS}, but got an array with length {} instead.",
            items.len()
        ))
        .param("items")
        .code("array_above_max_length"));
    }
    let raw: serde_json::Value = serde_json::from_slice(raw).unwrap_or_default();
    parse_items(items, raw.get("items"), "items")
}

/// The items made: new ones with fresh ids, references to items the engine holds as they
/// are. Files named by id must exist.
fn make(store: &mut Store, given: Vec<Given>) -> Result<Vec<Item>, Failure> {
    for g in &given {
        match &g.what {
            GivenItem::New(body) => {
                if let Some(id) = super::super::items::file_ids(body)
                    .into_iter()
                    .find(|id| !store.files.contains_key(*id))
                {
                    return Err(Failure::not_found("file", id).param(g.param.clone()));
                }
            }
            GivenItem::Reference(id) => {
                if find_held(store, id).is_none() {
                    return Err(Failure::not_found("item", id).param(format!("{}.id", g.param)));
                }
            }
        }
    }
    Ok(given
        .into_iter()
        .filter_map(|g| match g.what {
            GivenItem::New(body) => {
                let (id, seq) = store.ids.issue(body.id_prefix());
                Some(Item {
                    seq,
                    id,
                    body: Arc::new(body),
                })
            }
            GivenItem::Reference(id) => find_held(store, &id),
        })
        .collect())
}

/// An item the engine holds, by id.
fn find_held(store: &Store, id: &str) -> Option<Item> {
    let in_conversations = store
        .conversations
        .values()
        .find_map(|c| c.items.iter().find(|i| i.id == id));
    in_conversations
        .or_else(|| {
            store
                .responses
                .values()
                .find_map(|r| r.context.iter().chain(&r.output).find(|i| i.id == id))
        })
        .cloned()
}

pub(super) fn create(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let r: ConversationCreateRequest = ctx.json_or_default()?;
    check_metadata(r.metadata.as_ref(), "metadata")?;
    let given = parse(r.items.as_deref().unwrap_or_default(), &ctx.raw)?;
    let now = ctx.now();
    let resp = ctx.with_store(|store| {
        let items = make(store, given)?;
        let id = store.ids.issue("conv_").0;
        let resp = ConversationResponse {
            extra: Default::default(),
            created_at: now.unix,
            id: id.clone(),
            metadata: serde_json::to_value(metadata_or_empty(r.metadata)).unwrap_or_default(),
            object: ConversationResponseObject::Conversation,
        };
        let mut conversation = Conversation {
            resp: resp.clone(),
            items: Vec::new(),
        };
        conversation.append(items);
        store.conversations.insert(id, conversation);
        Ok::<_, Failure>(resp)
    })?;
    Reply::json(&resp)
}

pub(super) fn get(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let resp = ctx.with_store(|store| find(store, id).map(|c| c.resp.clone()))?;
    Reply::json(&resp)
}

pub(super) fn update(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let r: ConversationModifyRequest = ctx.json()?;
    let metadata = r.metadata.ok_or_else(|| {
        Failure::invalid("Missing required parameter: 'metadata'.")
            .param("metadata")
            .code("missing_required_parameter")
    })?;
    check_metadata(Some(&metadata), "metadata")?;
    let resp = ctx.with_store(|store| {
        let c = find(store, id)?;
        c.resp.metadata = serde_json::to_value(metadata).unwrap_or_default();
        Ok::<_, Failure>(c.resp.clone())
    })?;
    Reply::json(&resp)
}

pub(super) fn delete(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    ctx.with_store(|store| {
        store
            .conversations
            .remove(id)
            .map(drop)
            .ok_or_else(|| Failure::not_found("conversation", id))
    })?;
    deleted(id, "conversation.deleted")
}

pub(super) fn create_items(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let q: ItemsQuery = ctx.query()?;
    let with_results = q.with_results()?;
    let r: ConversationItemCreateRequest = ctx.json()?;
    let given = parse(&r.items, &ctx.raw)?;
    responding::pump_conversation(ctx.session(), id);
    let added = ctx.with_store(|store| {
        find(store, id)?;
        let items = make(store, given)?;
        // Items share their bodies: they are shown once the store is free.
        find(store, id)?.append(items.iter().cloned());
        Ok::<_, Failure>(items)
    })?;
    Reply::json(&ConversationItemList {
        extra: Default::default(),
        data: added
            .iter()
            .map(|i| i.conversation_item(with_results))
            .collect(),
        first_id: added.first().map(|i| i.id.clone()),
        has_more: false,
        last_id: added.last().map(|i| i.id.clone()),
        object: ConversationItemListObject::List,
    })
}

pub(super) fn list_items(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let q: ItemsQuery = ctx.query()?;
    let with_results = q.with_results()?;
    let params = ctx.list_params(
        q.limit,
        q.order.as_ref(),
        q.after.as_deref(),
        None,
        (20, 100),
    )?;
    responding::pump_conversation(ctx.session(), id);
    let page = ctx.with_store(|store| {
        let c = find(store, id)?;
        let page = paginate_sorted(&c.items, |i| i.seq, |i| &i.id, &params);
        // Items share their bodies: the page is copied cheaply, and shown outside the lock.
        Ok::<_, Failure>(page.map(Item::clone))
    })?;
    let page = page.map(|i| i.conversation_item(with_results));
    Reply::json(&ConversationItemList {
        extra: Default::default(),
        data: page.data,
        first_id: page.first_id,
        has_more: page.has_more,
        last_id: page.last_id,
        object: ConversationItemListObject::List,
    })
}

pub(super) fn get_item(ctx: &mut Ctx<'_>, id: &str, item_id: &str) -> Result<Reply, Failure> {
    let q: ItemsQuery = ctx.query()?;
    let with_results = q.with_results()?;
    responding::pump_conversation(ctx.session(), id);
    let item = ctx.with_store(|store| {
        let c = find(store, id)?;
        c.items
            .iter()
            .find(|i| i.id == item_id)
            .cloned()
            .ok_or_else(|| Failure::not_found("item", item_id))
    })?;
    Reply::json(&item.conversation_item(with_results))
}

pub(super) fn delete_item(ctx: &mut Ctx<'_>, id: &str, item_id: &str) -> Result<Reply, Failure> {
    responding::pump_conversation(ctx.session(), id);
    let resp = ctx.with_store(|store| {
        let c = find(store, id)?;
        let at = c
            .items
            .iter()
            .position(|i| i.id == item_id)
            .ok_or_else(|| Failure::not_found("item", item_id))?;
        c.items.remove(at);
        Ok::<_, Failure>(c.resp.clone())
    })?;
    Reply::json(&resp)
}
