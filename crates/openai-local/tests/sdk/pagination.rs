//! Cursor pagination over 250 messages: limit, after, before, order and has_more.

use crate::support::*;

#[test]
fn pagination_over_250_messages() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let thread = client.create_thread(&ThreadCreateRequest::default())?;
    let mut created = Vec::new();
    for i in 0..250 {
        let m = client.create_thread_message(
            &thread.id,
            &ThreadMessageCreateRequest::user(format!("m{i}")),
        )?;
        created.push(m.id);
    }
    let query = |limit: Option<i64>, order: Option<ListOrder>| ThreadMessageListQueryParameters {
        limit,
        order,
        ..Default::default()
    };

    // Walking every page, both ways: all 250, each once, in order.
    let mut sizes = Vec::new();
    let mut asc: Vec<ThreadMessageResponse> = Vec::new();
    let mut page_query = query(Some(100), Some(ListOrder::Asc));
    loop {
        let page = client.get_thread_messages(&thread.id, Some(&page_query))?;
        sizes.push(page.data.len());
        page_query.after = page.last_id.clone();
        let more = page.has_more;
        asc.extend(page.data);
        if !more {
            break;
        }
    }
    assert_eq!(sizes, [100, 100, 50]);
    let walked: Vec<ThreadMessageResponse> = client
        .iter_thread_messages(&thread.id, Some(query(Some(100), Some(ListOrder::Asc))))
        .collect::<Result<_, _>>()?;
    assert_eq!(walked, asc);
    let asc_ids: Vec<String> = asc.iter().map(|m| m.id.clone()).collect();
    assert_eq!(asc_ids, created);
    let texts: Vec<String> = asc.iter().map(|m| m.text()).collect();
    assert_eq!(texts, (0..250).map(|i| format!("m{i}")).collect::<Vec<_>>());
    let desc_ids: Vec<String> = client
        .iter_thread_messages(&thread.id, None) // newest first, 20 a page: 13 pages
        .map(|m| m.map(|m| m.id))
        .collect::<Result<_, _>>()?;
    let mut reversed = created.clone();
    reversed.reverse();
    assert_eq!(desc_ids, reversed);
    let seven: Vec<String> = client
        .iter_thread_messages(&thread.id, Some(query(Some(7), Some(ListOrder::Desc))))
        .map(|m| m.map(|m| m.id))
        .collect::<Result<_, _>>()?;
    assert_eq!(seven, reversed, "pages of 7 that do not divide 250");
    assert_eq!(
        seven.iter().collect::<HashSet<_>>().len(),
        250,
        "no duplicate"
    );

    // Single pages: limit, after, before, has_more, first_id and last_id.
    let page =
        client.get_thread_messages(&thread.id, Some(&query(Some(100), Some(ListOrder::Asc))))?;
    assert_eq!(page.data.len(), 100);
    assert!(page.has_more);
    assert_eq!(
        (page.first_id.as_deref(), page.last_id.as_deref()),
        (Some(created[0].as_str()), Some(created[99].as_str()))
    );
    let last = client.get_thread_messages(
        &thread.id,
        Some(&ThreadMessageListQueryParameters {
            after: Some(created[199].clone()),
            ..query(Some(100), Some(ListOrder::Asc))
        }),
    )?;
    assert_eq!(last.data.len(), 50);
    assert!(!last.has_more);
    assert_eq!(
        (last.first_id.as_deref(), last.last_id.as_deref()),
        (Some(created[200].as_str()), Some(created[249].as_str()))
    );
    let default = client.get_thread_messages(&thread.id, None)?;
    assert_eq!(default.data.len(), 20, "20 by default");
    assert_eq!(
        (default.first_id.as_deref(), default.data[0].text().as_str()),
        (Some(created[249].as_str()), "m249")
    );
    assert!(default.has_more);
    let before = client.get_thread_messages(
        &thread.id,
        Some(&ThreadMessageListQueryParameters {
            before: Some(created[10].clone()),
            ..query(Some(3), Some(ListOrder::Asc))
        }),
    )?;
    let got: Vec<&str> = before.data.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        got,
        created[7..10]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    assert!(before.has_more, "m0 to m6 lie beyond");
    let after_desc = client.get_thread_messages(
        &thread.id,
        Some(&ThreadMessageListQueryParameters {
            after: Some(created[100].clone()),
            ..query(Some(5), Some(ListOrder::Desc))
        }),
    )?;
    let got: Vec<&str> = after_desc.data.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(got, [99, 98, 97, 96, 95].map(|i| created[i].as_str()));
    let window = client.get_thread_messages(
        &thread.id,
        Some(&ThreadMessageListQueryParameters {
            after: Some(created[20].clone()),
            before: Some(created[24].clone()),
            ..query(Some(100), Some(ListOrder::Asc))
        }),
    )?;
    let got: Vec<&str> = window.data.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        got,
        created[21..24]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    assert!(!window.has_more);
    let one = client.get_thread_messages(&thread.id, Some(&query(Some(1), None)))?;
    assert_eq!((one.data.len(), one.has_more), (1, true));

    // A deleted message's id still works as a cursor; the message itself is gone.
    client.delete_thread_message(&thread.id, &created[50])?;
    let page = client.get_thread_messages(
        &thread.id,
        Some(&ThreadMessageListQueryParameters {
            after: Some(created[50].clone()),
            ..query(Some(2), Some(ListOrder::Asc))
        }),
    )?;
    let got: Vec<&str> = page.data.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(got, [created[51].as_str(), created[52].as_str()]);
    assert_eq!(
        client
            .iter_thread_messages(&thread.id, Some(query(Some(100), None)))
            .count(),
        249
    );

    // Out-of-range parameters are refused, naming them.
    for bad in [0, 101, -1] {
        let error = expect_error(
            client.get_thread_messages(&thread.id, Some(&query(Some(bad), None))),
            400,
        );
        assert_eq!(error.param.as_deref(), Some("limit"), "limit={bad}");
    }
    let error = expect_error(
        client.get_thread_messages(
            &thread.id,
            Some(&query(None, Some(ListOrder::Unknown("up".into())))),
        ),
        400,
    );
    assert_eq!(error.param.as_deref(), Some("order"));
    let error = expect_error(
        client.get_thread_messages(
            &thread.id,
            Some(&ThreadMessageListQueryParameters {
                after: Some("msg_unknown".into()),
                ..Default::default()
            }),
        ),
        400,
    );
    assert_eq!(error.param.as_deref(), Some("after"));
    Ok(())
}
