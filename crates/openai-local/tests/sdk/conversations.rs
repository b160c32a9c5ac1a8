//! Conversations: their items (create, list, get, delete), and responses that read a
//! conversation and add their input and output to it.

use crate::support::*;

/// The id and text of a conversation's message item.
fn message(item: &ConversationItem) -> (String, MessageRole, String) {
    let ConversationItem::Message {
        id, role, content, ..
    } = item
    else {
        panic!("a message: {item:?}")
    };
    let text = content
        .iter()
        .filter_map(|p| match p {
            ItemContent::InputText { text, .. } | ItemContent::OutputText { text, .. } => {
                Some(text.as_str())
            }
            _ => None,
        })
        .collect::<Vec<_>>()
        .concat();
    (id.clone(), role.clone(), text)
}

fn texts(list: &[ConversationItem]) -> Vec<String> {
    list.iter().map(|i| message(i).2).collect()
}

#[test]
fn a_conversation_and_its_items() -> TestResult {
    let (server, clock) = engine_on_clock(ms(1000));
    let client = client_of(&server);
    let created = client.create_conversation(&ConversationCreateRequest {
        items: Some(vec![
            InputItem::system("Be kind."),
            InputItem::user("first"),
        ]),
        metadata: Some(metadata(&[("topic", "tests")])),
    })?;
    assert!(created.id.starts_with("conv_"), "{}", created.id);
    assert_eq!(created.metadata, json!({"topic": "tests"}));
    let now = clock.now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
    assert_eq!(created.created_at, now);
    assert_eq!(client.get_conversation(&created.id)?, created);

    let updated = client.modify_conversation(
        &created.id,
        &ConversationModifyRequest {
            metadata: Some(metadata(&[("topic", "renamed")])),
        },
    )?;
    assert_eq!(updated.metadata, json!({"topic": "renamed"}));
    assert_eq!(
        client.get_conversation(&created.id)?.metadata,
        updated.metadata
    );

    let added = client.create_conversation_items(
        &created.id,
        &ConversationItemCreateRequest {
            items: vec![InputItem::user("second"), InputItem::assistant("third")],
        },
        None,
    )?;
    assert_eq!(texts(&added.data), ["second", "third"]);
    assert_eq!(added.first_id, Some(message(&added.data[0]).0));
    assert_eq!(added.last_id, Some(message(&added.data[1]).0));
    assert!(!added.has_more);
    assert_eq!(message(&added.data[1]).1, MessageRole::Assistant);

    // Newest first by default; `order`, `limit` and `after` page through them.
    let newest = client.get_conversation_items(&created.id, None)?;
    assert_eq!(
        texts(&newest.data),
        ["third", "second", "first", "Be kind."]
    );
    let query = ConversationItemListQueryParameters {
        limit: Some(3),
        order: Some(ListOrder::Asc),
        ..Default::default()
    };
    let page = client.get_conversation_items(&created.id, Some(&query))?;
    assert_eq!(texts(&page.data), ["Be kind.", "first", "second"]);
    assert!(page.has_more);
    let next = client.get_conversation_items(
        &created.id,
        Some(&ConversationItemListQueryParameters {
            after: page.last_id.clone(),
            ..query.clone()
        }),
    )?;
    assert_eq!(
        (texts(&next.data), next.has_more),
        (vec!["third".to_string()], false)
    );
    let all: Vec<ConversationItem> = client
        .iter_conversation_items(&created.id, Some(query))
        .collect::<Result<_, _>>()?;
    assert_eq!(all.len(), 4);

    // One item by id; deleting it answers with the conversation.
    let (second, _, _) = message(&added.data[0]);
    let one = client.get_conversation_item(&created.id, &second, None)?;
    assert_eq!(message(&one).2, "second");
    let after_delete = client.delete_conversation_item(&created.id, &second)?;
    assert_eq!(after_delete.id, created.id);
    expect_error(
        client.get_conversation_item(&created.id, &second, None),
        404,
    );
    assert_eq!(
        texts(&client.get_conversation_items(&created.id, None)?.data),
        ["third", "first", "Be kind."]
    );

    let deleted = client.delete_conversation(&created.id)?;
    assert_eq!(
        (deleted.deleted, deleted.object.as_str()),
        (true, "conversation.deleted")
    );
    expect_error(client.get_conversation(&created.id), 404);
    expect_error(client.get_conversation_items(&created.id, None), 404);
    Ok(())
}

#[test]
fn twenty_items_at_most_per_call() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let conversation = client.create_conversation(&ConversationCreateRequest::default())?;
    let items: Vec<InputItem> = (0..20).map(|i| InputItem::user(format!("{i}"))).collect();
    let added = client.create_conversation_items(
        &conversation.id,
        &ConversationItemCreateRequest { items },
        None,
    )?;
    assert_eq!(added.data.len(), 20);
    // The SDK refuses more before sending; the engine refuses them too (tests/http).
    let items: Vec<InputItem> = (0..21).map(|i| InputItem::user(format!("{i}"))).collect();
    let refused = client.create_conversation_items(
        &conversation.id,
        &ConversationItemCreateRequest { items },
        None,
    );
    assert!(matches!(
        refused,
        Err(Error::InvalidArgument { name: "items", .. })
    ));
    let error = expect_error(
        client.create_conversation_items(
            "conv_missing",
            &ConversationItemCreateRequest {
                items: vec![InputItem::user("x")],
            },
            None,
        ),
        404,
    );
    assert!(error.message.contains("conv_missing"));
    Ok(())
}

#[test]
fn responses_read_a_conversation_and_add_to_it() -> TestResult {
    let seen: Arc<std::sync::Mutex<Vec<Vec<String>>>> = Arc::default();
    let log = seen.clone();
    let server = LocalServer::builder()
        .responder(move |r: &ModelRequest| -> Result<ModelReply, String> {
            log.lock()
                .unwrap()
                .push(r.messages.iter().map(|m| m.text.clone()).collect());
            Ok(ModelReply::text(format!(
                "reply to {}",
                r.last_user_text().unwrap_or_default()
            )))
        })
        .start()?;
    let client = client_of(&server);
    let conversation = client.create_conversation(&ConversationCreateRequest {
        items: Some(vec![InputItem::user("hello")]),
        metadata: None,
    })?;
    let in_conversation = |text: &str| ResponseCreateRequest {
        conversation: Some(ConversationParam::ConversationParam2(ConversationParam2 {
            id: conversation.id.clone(),
        })),
        ..ResponseCreateRequest::text("gpt-4o-mini", text)
    };
    let first = client.create_response(&in_conversation("how are you?"))?;
    assert_eq!(
        first.conversation.as_ref().map(|c| c.id.as_str()),
        Some(conversation.id.as_str())
    );
    let second = client.create_response(&in_conversation("and now?"))?;
    assert_eq!(second.output_text(), "reply to and now?");
    assert_eq!(
        seen.lock().unwrap()[1],
        ["hello", "how are you?", "reply to how are you?", "and now?"]
    );
    let query = ConversationItemListQueryParameters {
        order: Some(ListOrder::Asc),
        ..Default::default()
    };
    let items = client.get_conversation_items(&conversation.id, Some(&query))?;
    assert_eq!(
        texts(&items.data),
        [
            "hello",
            "how are you?",
            "reply to how are you?",
            "and now?",
            "reply to and now?"
        ]
    );
    // The output items keep their ids in the conversation.
    let OutputItem::Message { id, .. } = &second.output[0] else {
        panic!("a message")
    };
    assert_eq!(&message(&items.data[4]).0, id);

    // An item of the conversation given by reference to a response outside it.
    let (hello, _, _) = message(&items.data[0]);
    // (Built directly: decoded from JSON, the SDK's `InputItem` loses a reference's id.)
    let reference = |id: &str| {
        InputItem::ItemReferenceParam(ItemReferenceParam {
            id: id.into(),
            type_: Some(ItemReferenceParamType::ItemReference),
        })
    };
    let referring = client.create_response(&ResponseCreateRequest::new(
        "gpt-4o-mini",
        vec![reference(&hello)],
    ))?;
    assert_eq!(referring.output_text(), "reply to hello");
    let error = expect_error(
        client.create_response(&ResponseCreateRequest::new(
            "gpt-4o-mini",
            vec![reference("msg_missing")],
        )),
        404,
    );
    assert_eq!(error.param.as_deref(), Some("input[0].id"));
    Ok(())
}

#[test]
fn a_background_response_adds_to_its_conversation_when_it_completes() -> TestResult {
    let (server, clock) = engine_on_clock(Duration::from_secs(1));
    let client = client_of(&server);
    let conversation = client.create_conversation(&ConversationCreateRequest::default())?;
    let queued = client.create_response(&ResponseCreateRequest {
        background: Some(true),
        conversation: Some(ConversationParam::String(conversation.id.clone())),
        ..ResponseCreateRequest::text("gpt-4o-mini", "later")
    })?;
    assert_eq!(queued.status, Some(ResponseObjectStatus::Queued));
    assert!(client
        .get_conversation_items(&conversation.id, None)?
        .data
        .is_empty());
    clock.advance(Duration::from_secs(2));
    // Reading the conversation brings the response up to date.
    let items = client.get_conversation_items(&conversation.id, None)?;
    assert_eq!(texts(&items.data), ["You said: \"later\"", "later"]);
    assert_eq!(
        client.get_response(&queued.id, None)?.status,
        Some(ResponseObjectStatus::Completed)
    );
    // A cancelled one adds nothing.
    let cancelled = client.create_response(&ResponseCreateRequest {
        background: Some(true),
        conversation: Some(ConversationParam::String(conversation.id.clone())),
        ..ResponseCreateRequest::text("gpt-4o-mini", "never")
    })?;
    client.cancel_response(&cancelled.id)?;
    clock.advance(Duration::from_secs(5));
    assert_eq!(
        client
            .get_conversation_items(&conversation.id, None)?
            .data
            .len(),
        2
    );
    Ok(())
}
