//! `/responses`: create a response (answered whole, streamed, or in the background), read,
//! delete and cancel it, list its input items, count a request's input tokens. The request
//! is read by [`Plan`](super::response_plan::Plan); the response's life is in
//! `responding`, its events in `response_events`.

use serde::Deserialize;

use openai_blocking::types::*;

use super::super::engine::Session;
use super::super::http::{Ctx, Failure, Reply};
use super::super::items::Item;
use super::super::page::paginate;
use super::super::responding::{self, NewResponse, Snapshot, StoredResponse};
use super::super::store::Store;
use super::deleted;
use super::input::bad_value;
use super::response_checks::INCLUDES;
use super::response_events::events;
use super::response_plan::{response_object, Gathered, Plan};

pub(super) fn create(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let r: ResponseCreateRequest = ctx.json()?;
    let plan = Plan::parse(&r, &ctx.raw, true)?;
    plan.pump_related(ctx.session());
    let now = ctx.now();
    let gathered = ctx.with_store(|store| plan.gather(store, now))?;
    let request = plan.model_request(&gathered)?;
    let background = r.background == Some(true);
    let stream = r.stream == Some(true);
    // Answered at once: the model first (store free), then the response is stored answered,
    // in one step, so that nothing half made stays behind should anything fail.
    let answered = (!background && !stream).then(|| responding::answer(ctx.session(), &request));
    let now = ctx.now();
    let (snapshot, due) = ctx.with_store(|store| {
        if let Some(c) = plan
            .conversation
            .as_ref()
            .filter(|c| !store.conversations.contains_key(*c))
        {
            return Err(Failure::not_found("conversation", c).param("conversation"));
        }
        let Gathered {
            history,
            input,
            attributes,
            ..
        } = gathered;
        let input_from = history.len();
        let mut context = history;
        for (_, existing, body) in input {
            context.push(existing.unwrap_or_else(|| {
                let (id, seq) = store.ids.issue(body.id_prefix());
                Item { seq, id, body }
            }));
        }
        let id = store.ids.issue("resp_").0;
        let new = NewResponse {
            resp: response_object(&r, &plan, id.clone(), now),
            context,
            input_from,
            include_results: plan.include_results,
            store: r.store != Some(false),
            attributes,
            request,
        };
        let (stored, mut due) = StoredResponse::open(new, now);
        store.responses.insert(id.clone(), stored);
        if let Some(turn) = answered {
            let round = due.take().map_or(0, |claimed| claimed.round());
            let last = responding::finish(store, &id, round, turn, now);
            return Ok((last, None));
        }
        if background && stream {
            due = responding::claim_now(store, &id, now);
        }
        let snapshot = store.responses.get(&id).map(|s| s.snapshot(false));
        Ok((snapshot, due))
    })?;
    let snapshot = snapshot.ok_or_else(|| Failure::server("The response vanished."))?;
    let id = snapshot.resp.id.clone();
    if !stream {
        // Answered already, or queued in the background.
        return Reply::json(&snapshot.resp);
    }
    let prelude = events(&snapshot);
    Ok(Reply::events(move |session, out| {
        for e in &prelude {
            out.response_event(e);
        }
        out.send();
        let last = due.and_then(|due| responding::take_turn(session, due));
        let rest = match last {
            Some(s) => events(&s),
            None => current_events(session, &id, false),
        };
        for e in rest.iter().skip(prelude.len()) {
            out.response_event(e);
        }
    }))
}

/// The events of a stored response as it is now (none when it is gone).
fn current_events(
    session: &mut Session<'_>,
    id: &str,
    with_results: bool,
) -> Vec<ResponseStreamEvent> {
    let snapshot: Option<Snapshot> =
        session.with_store(|store| store.responses.get(id).map(|r| r.snapshot(with_results)));
    snapshot.map(|s| events(&s)).unwrap_or_default()
}

/// The query of `GET /responses/{id}` and of the lists of items (a response's input, a
/// conversation's).
#[derive(Deserialize, Default)]
pub(super) struct ItemsQuery {
    stream: Option<String>,
    starting_after: Option<String>,
    #[serde(default, alias = "include[]", deserialize_with = "one_or_many")]
    include: Vec<String>,
    include_obfuscation: Option<String>,
    pub limit: Option<i64>,
    pub order: Option<ListOrder>,
    pub after: Option<String>,
}

/// A query parameter given once (a string) or repeated (an array).
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

impl ItemsQuery {
    /// Whether the query asks for file search results; unknown values are refused.
    pub fn with_results(&self) -> Result<bool, Failure> {
        let mut with = false;
        for i in &self.include {
            if !INCLUDES.contains(&i.as_str()) {
                return Err(bad_value("include", i, &INCLUDES));
            }
            with |= i == "file_search_call.results";
        }
        Ok(with)
    }

    fn flag(value: Option<&str>, name: &str) -> Result<bool, Failure> {
        match value {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(Failure::invalid(format!(
                "Invalid '{name}': expected true or false, got '{other}'."
            ))
            .param(name)
            .code("invalid_type")),
        }
    }
}

/// The stored response `id`, or a 404.
fn find<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut StoredResponse, Failure> {
    store
        .responses
        .get_mut(id)
        .ok_or_else(|| Failure::not_found("response", id))
}

pub(super) fn get(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let q: ItemsQuery = ctx.query()?;
    let with_results = q.with_results()?;
    let stream = ItemsQuery::flag(q.stream.as_deref(), "stream")?;
    ItemsQuery::flag(q.include_obfuscation.as_deref(), "include_obfuscation")?;
    let after = match q.starting_after.as_deref() {
        None => None,
        Some(n) => Some(n.parse::<i64>().map_err(|_| {
            Failure::invalid(format!(
                "Invalid 'starting_after': expected an integer, got '{n}'."
            ))
            .param("starting_after")
            .code("invalid_type")
        })?),
    };
    if !stream {
        responding::pump(ctx.session(), id);
        let view = ctx.with_store(|store| Ok::<_, Failure>(find(store, id)?.view(with_results)))?;
        return Reply::json(&view);
    }
    let now = ctx.now();
    let due = ctx.with_store(|store| {
        let r = find(store, id)?;
        if r.resp.background != Some(true) {
            return Err(Failure::invalid(
                "Only a background response can be streamed again: create it with 'background': true.",
            )
            .param("stream"));
        }
        Ok(responding::claim_now(store, id, now))
    })?;
    let id = id.to_string();
    Ok(Reply::events(move |session, out| {
        let last = due.and_then(|due| responding::take_turn(session, due));
        let all = match last {
            Some(s) if !with_results => events(&s),
            _ => current_events(session, &id, with_results),
        };
        let first = after.map_or(0, |n| usize::try_from(n.saturating_add(1)).unwrap_or(0));
        for e in all.iter().skip(first) {
            out.response_event(e);
        }
    }))
}

pub(super) fn delete(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    ctx.with_store(|store| {
        store
            .responses
            .remove(id)
            .map(drop)
            .ok_or_else(|| Failure::not_found("response", id))
    })?;
    deleted(id, "response")
}

pub(super) fn cancel(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    responding::pump(ctx.session(), id);
    let view = ctx.with_store(|store| {
        let r = find(store, id)?;
        r.cancel().map_err(Failure::invalid)?;
        Ok::<_, Failure>(r.view(false))
    })?;
    Reply::json(&view)
}

pub(super) fn input_items(ctx: &mut Ctx<'_>, id: &str) -> Result<Reply, Failure> {
    let q: ItemsQuery = ctx.query()?;
    let with_results = q.with_results()?;
    let params = ctx.list_params(
        q.limit,
        q.order.as_ref(),
        q.after.as_deref(),
        None,
        (20, 100),
    )?;
    let page = ctx.with_store(|store| {
        let r = find(store, id)?;
        let items = r.input().iter().map(|i| (i.seq, i));
        // Items share their bodies: the page is copied cheaply, and shown outside the lock.
        Ok::<_, Failure>(paginate(items, |i| &i.id, &params).map(Item::clone))
    })?;
    let page = page.map(|i| i.resource(with_results));
    Reply::json(&ResponseInputItemList {
        extra: Default::default(),
        data: page.data,
        first_id: page.first_id,
        has_more: page.has_more,
        last_id: page.last_id,
        object: ResponseInputItemListObject::List,
    })
}

pub(super) fn input_tokens(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let r: ResponseInputTokensRequest = ctx.json()?;
    // The fields this request shares with a creation, read as one.
    let value = serde_json::to_value(&r).unwrap_or_default();
    let as_create: ResponseCreateRequest = serde_json::from_value(value)
        .map_err(|e| Failure::invalid(format!("Invalid request: {e}.")))?;
    let plan = Plan::parse(&as_create, &ctx.raw, false)?;
    plan.pump_related(ctx.session());
    let now = ctx.now();
    let gathered = ctx.with_store(|store| plan.gather(store, now))?;
    let request = plan.model_request(&gathered)?;
    Reply::json(&ResponseInputTokens {
        extra: Default::default(),
        input_tokens: super::super::model::prompt_tokens(&request),
        object: ResponseInputTokensObject::ResponseInputTokens,
    })
}
