//! Cursor pagination over a long list.

use crate::support::*;

#[test]
fn pagination_over_250_messages() {
    let server = fast();
    let http = Http::new(&server);
    let thread = id(&http.ok("POST", "/v1/threads", None));
    let created: Vec<String> = (0..250)
        .map(|i| {
            id(&http.ok(
                "POST",
                &format!("/v1/threads/{thread}/messages"),
                Some(json!({"role": "user", "content": format!("m{i}")})),
            ))
        })
        .collect();
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let cursor = after
            .as_ref()
            .map(|a| format!("&after={a}"))
            .unwrap_or_default();
        let page = http.ok(
            "GET",
            &format!("/v1/threads/{thread}/messages?limit=100&order=asc{cursor}"),
            None,
        );
        pages += 1;
        let data = page["data"].as_array().unwrap();
        seen.extend(data.iter().map(id));
        assert_eq!(
            page["last_id"].as_str(),
            data.last().and_then(|d| d["id"].as_str())
        );
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
        after = Some(page["last_id"].as_str().unwrap().to_string());
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created);
    // Newest first by default, 20 a page.
    let page = http.ok("GET", &format!("/v1/threads/{thread}/messages"), None);
    assert_eq!(page["data"].as_array().unwrap().len(), 20);
    assert_eq!(page["first_id"], created[249].as_str());
    assert_eq!(page["data"][0]["content"][0]["text"]["value"], "m249");
    // `before` pages backwards.
    let page = http.ok(
        "GET",
        &format!(
            "/v1/threads/{thread}/messages?order=asc&limit=3&before={}",
            created[10]
        ),
        None,
    );
    let got: Vec<String> = page["data"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(got, created[7..10].to_vec());
    assert_eq!(page["has_more"], true);
}

/// The page the API gives of `all` (oldest first, ids), `gone` deleted, for the given order,
/// limit and cursors (ids of `all`, deleted ones too): the reference the engine's pages are
/// checked against.
fn expected_page(
    all: &[String],
    gone: &[String],
    descending: bool,
    limit: usize,
    after: Option<&str>,
    before: Option<&str>,
) -> (Vec<String>, bool) {
    let position = |id: &str| all.iter().position(|x| x == id).unwrap();
    let mut order: Vec<usize> = (0..all.len()).collect();
    if descending {
        order.reverse();
    }
    let rank = |i: usize| order.iter().position(|&o| o == i).unwrap();
    let in_range: Vec<String> = order
        .iter()
        .filter(|&&i| !gone.contains(&all[i]))
        .filter(|&&i| after.is_none_or(|a| rank(i) > rank(position(a))))
        .filter(|&&i| before.is_none_or(|b| rank(i) < rank(position(b))))
        .map(|&i| all[i].clone())
        .collect();
    let has_more = in_range.len() > limit;
    let page = if before.is_some() && after.is_none() {
        in_range[in_range.len().saturating_sub(limit)..].to_vec()
    } else {
        in_range.into_iter().take(limit).collect()
    };
    (page, has_more)
}

/// Messages of a thread with runs between them (so their creation numbers have gaps), some
/// deleted: every page, in both orders, from every cursor (a deleted message's id too), is
/// the one cut from the whole list; `run_id` picks a run's answer; a message is found by id
/// after deletions and shows a metadata change in lists; runs page the same way.
#[test]
fn message_and_run_pages_are_cut_from_the_whole_list() {
    let server = fast();
    let http = Http::new(&server);
    let assistant = id(&http.ok("POST", "/v1/assistants", Some(json!({"model": "local"}))));
    let thread = id(&http.ok("POST", "/v1/threads", None));
    let mut all = Vec::new();
    let mut runs = Vec::new();
    for i in 0..6 {
        all.push(id(&http.ok(
            "POST",
            &format!("/v1/threads/{thread}/messages"),
            Some(json!({"role": "user", "content": format!("m{i}")})),
        )));
        let run = id(&http.ok(
            "POST",
            &format!("/v1/threads/{thread}/runs"),
            Some(json!({"assistant_id": assistant})),
        ));
        assert_eq!(http.wait_run(&thread, &run)["status"], "completed");
        let answer = http.ok(
            "GET",
            &format!("/v1/threads/{thread}/messages?run_id={run}"),
            None,
        );
        assert_eq!(answer["data"].as_array().unwrap().len(), 1);
        assert_eq!(
            answer["data"][0]["content"][0]["text"]["value"],
            format!("You said: \"m{i}\"")
        );
        all.push(id(&answer["data"][0]));
        runs.push(run);
    }
    let gone = vec![all[0].clone(), all[5].clone(), all[11].clone()];
    for g in &gone {
        http.ok(
            "DELETE",
            &format!("/v1/threads/{thread}/messages/{g}"),
            None,
        );
    }
    let got = http.ok(
        "GET",
        &format!("/v1/threads/{thread}/messages/{}", all[7]),
        None,
    );
    assert_eq!(got["id"], all[7].as_str());
    let missing = http.call(
        "GET",
        &format!("/v1/threads/{thread}/messages/{}", all[5]),
        None,
    );
    assert_eq!(missing.status, 404);
    http.ok(
        "POST",
        &format!("/v1/threads/{thread}/messages/{}", all[6]),
        Some(json!({"metadata": {"seen": "yes"}})),
    );

    let cursors: Vec<Option<&str>> = std::iter::once(None)
        .chain(all.iter().map(|s| Some(s.as_str())))
        .collect();
    for (order, descending) in [("asc", false), ("desc", true)] {
        for limit in [1, 2, 5, 20] {
            for &after in &cursors {
                for &before in [None, Some(all[2].as_str()), Some(all[9].as_str())].iter() {
                    let mut path =
                        format!("/v1/threads/{thread}/messages?order={order}&limit={limit}");
                    if let Some(a) = after {
                        path.push_str(&format!("&after={a}"));
                    }
                    if let Some(b) = before {
                        path.push_str(&format!("&before={b}"));
                    }
                    let page = http.ok("GET", &path, None);
                    let data: Vec<String> =
                        page["data"].as_array().unwrap().iter().map(id).collect();
                    let (want, more) = expected_page(&all, &gone, descending, limit, after, before);
                    assert_eq!(
                        (&data, page["has_more"].as_bool()),
                        (&want, Some(more)),
                        "{path}"
                    );
                    assert_eq!(page["first_id"].as_str(), want.first().map(String::as_str));
                    assert_eq!(page["last_id"].as_str(), want.last().map(String::as_str));
                    for m in page["data"].as_array().unwrap() {
                        let seen = if m["id"] == all[6].as_str() {
                            json!("yes")
                        } else {
                            Value::Null
                        };
                        assert_eq!(m["metadata"]["seen"], seen, "{path}");
                    }
                }
            }
        }
    }

    // Runs: newest first by default; pages from a cursor either way.
    let page = http.ok("GET", &format!("/v1/threads/{thread}/runs?limit=2"), None);
    let data: Vec<String> = page["data"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(data, [runs[5].clone(), runs[4].clone()]);
    assert_eq!(page["has_more"], true);
    let page = http.ok(
        "GET",
        &format!(
            "/v1/threads/{thread}/runs?order=asc&limit=2&after={}",
            runs[3]
        ),
        None,
    );
    let data: Vec<String> = page["data"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(data, [runs[4].clone(), runs[5].clone()]);
    assert_eq!(page["has_more"], false);
    let page = http.ok(
        "GET",
        &format!("/v1/threads/{thread}/runs?order=asc&before={}", runs[2]),
        None,
    );
    let data: Vec<String> = page["data"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(data, [runs[0].clone(), runs[1].clone()]);
    let run = http.ok(
        "GET",
        &format!("/v1/threads/{thread}/runs/{}", runs[3]),
        None,
    );
    assert_eq!(run["id"], runs[3].as_str());
}
