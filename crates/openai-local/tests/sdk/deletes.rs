//! Deletes cascade: files, threads, vector stores and assistants.

use crate::support::*;

#[test]
fn deletes_cascade() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);

    // A file in two stores: deleting it takes it out of both.
    let a = client.upload_file("assistants", "a.md", POLICY.as_bytes())?;
    let b = client.upload_file(
        "assistants",
        "b.txt",
        "Another readable file about tents and their poles.".as_bytes(),
    )?;
    let both = client.create_vector_store_and_wait_to_complete(&VectorStoreCreateRequest::new(
        "both",
        vec![a.id.clone(), b.id.clone()],
    ))?;
    let only_a = client.create_vector_store_and_wait_to_complete(
        &VectorStoreCreateRequest::new("only a", vec![a.id.clone()]),
    )?;
    assert_eq!(counts(&both), [0, 2, 0, 0, 2]);
    assert_eq!(counts(&only_a), [0, 1, 0, 0, 1]);
    let refund = search_request("refund within 30 days", None);
    assert_eq!(
        client.search_vector_store(&both.id, &refund)?.data[0].file_id,
        a.id
    );
    let deleted = client.delete_file(&a.id)?;
    assert!(deleted.deleted);
    assert_eq!(deleted.id, a.id);
    let both_now = client.get_vector_store(&both.id)?;
    assert_eq!(counts(&both_now), [0, 1, 0, 0, 1]);
    assert!(
        both_now.usage_bytes < both.usage_bytes,
        "{:?} vs {:?}",
        both_now.usage_bytes,
        both.usage_bytes
    );
    assert_eq!(counts(&client.get_vector_store(&only_a.id)?), [0; 5]);
    expect_error(client.get_vector_store_file(&both.id, &a.id), 404);
    let left: Vec<String> = client
        .iter_vector_store_files(&both.id, None)
        .map(|f| f.map(|f| f.id))
        .collect::<Result<_, _>>()?;
    assert_eq!(left, [b.id.as_str()]);
    let found = client.search_vector_store(&both.id, &refund)?;
    assert!(found.data.iter().all(|r| r.file_id != a.id), "{found:?}");
    assert!(client
        .search_vector_store(&only_a.id, &refund)?
        .data
        .is_empty());
    expect_error(client.get_file(&a.id), 404);
    expect_error(client.get_file_content(&a.id), 404);
    expect_error(client.delete_file(&a.id), 404);
    assert!(client
        .iter_files(None)
        .all(|f| f.is_ok_and(|f| f.id != a.id)));

    // Detaching a file from a store keeps the file.
    client.delete_vector_store_file(&both.id, &b.id)?;
    assert_eq!(counts(&client.get_vector_store(&both.id)?), [0; 5]);
    assert_eq!(client.get_file(&b.id)?.id, b.id);

    // A thread: deleting a message, then the thread with its messages, runs and steps.
    let assistant = client.create_assistant(&AssistantCreateRequest::new("gpt-4o-mini"))?;
    let run = client.create_thread_and_run_and_wait(&RunThreadCreateRequest {
        thread: Some(ThreadCreateRequest {
            messages: Some(vec![
                ThreadMessageCreateRequest::user("first"),
                ThreadMessageCreateRequest::user("second"),
            ]),
            ..Default::default()
        }),
        ..RunThreadCreateRequest::new(&assistant.id)
    })?;
    let thread = run.thread_id.clone();
    let messages = client.get_thread_messages(&thread, None)?;
    assert_eq!(messages.data.len(), 3);
    let step = client.get_run_steps(&thread, &run.id, None)?.data[0]
        .id
        .clone();
    let first = messages.data[2].id.clone();
    let gone = client.delete_thread_message(&thread, &first)?;
    assert_eq!(
        (gone.object.as_str(), gone.deleted),
        ("thread.message.deleted", true)
    );
    expect_error(client.get_thread_message(&thread, &first), 404);
    assert_eq!(client.get_thread_messages(&thread, None)?.data.len(), 2);
    let gone = client.delete_thread(&thread)?;
    assert_eq!(
        (gone.object.as_str(), gone.deleted),
        ("thread.deleted", true)
    );
    for error in [
        api_error(client.get_thread(&thread)),
        api_error(client.get_thread_messages(&thread, None)),
        api_error(client.get_thread_message(&thread, &messages.data[0].id)),
        api_error(client.get_runs(&thread, None)),
        api_error(client.get_run(&thread, &run.id)),
        api_error(client.get_run_steps(&thread, &run.id, None)),
        api_error(client.get_run_step(&thread, &run.id, &step)),
        api_error(
            client.create_thread_message(&thread, &ThreadMessageCreateRequest::user("hello?")),
        ),
        api_error(client.create_run(&thread, &RunCreateRequest::new(&assistant.id))),
        api_error(client.delete_thread(&thread)),
    ] {
        assert_eq!(
            (error.status, error.kind()),
            (404, ApiErrorKind::NotFound),
            "{error}"
        );
        assert!(error.message().contains(&thread), "{error}");
    }

    // A vector store: gone with its file list; its files stay uploaded, and an assistant
    // that searched it now finds nothing there.
    let c = client.upload_file(
        "assistants",
        "c.txt",
        "Kayak rentals cost forty euros a day.".as_bytes(),
    )?;
    let store = client.create_vector_store_and_wait_to_complete(&VectorStoreCreateRequest::new(
        "kayaks",
        vec![c.id.clone()],
    ))?;
    let searcher = client.create_assistant(&AssistantCreateRequest {
        tools: Some(vec![AssistantTool::file_search()]),
        tool_resources: Some(AssistantCreateRequestToolResources::file_search(vec![
            store.id.clone(),
        ])),
        ..AssistantCreateRequest::new("gpt-4o-mini")
    })?;
    let ask = |question: &str| -> Result<ThreadMessageResponse, Error> {
        let thread = client.create_thread(&ThreadCreateRequest {
            messages: Some(vec![ThreadMessageCreateRequest::user(question)]),
            ..Default::default()
        })?;
        let run = client.create_run_and_wait(&thread.id, &RunCreateRequest::new(&searcher.id))?;
        assert_eq!(run.status, RunResponseStatus::Completed);
        client.wait_for_assistant_message(&thread.id, Some(&run.id))
    };
    let before = ask("How much do kayak rentals cost?")?;
    assert!(before.text().contains("forty euros"), "{}", before.text());
    assert!(!text_part(&before).annotations.is_empty());
    let gone = client.delete_vector_store(&store.id)?;
    assert_eq!(
        (gone.object.as_str(), gone.deleted),
        ("vector_store.deleted", true)
    );
    for error in [
        api_error(client.get_vector_store(&store.id)),
        api_error(client.get_vector_store_files(&store.id, None)),
        api_error(client.get_vector_store_file(&store.id, &c.id)),
        api_error(client.search_vector_store(&store.id, &search_request("kayak", None))),
        api_error(
            client.create_vector_store_file(&store.id, &VectorStoreFileCreateRequest::new(&c.id)),
        ),
        api_error(client.delete_vector_store(&store.id)),
    ] {
        assert_eq!(error.status, 404, "{error}");
    }
    assert!(client
        .iter_vector_stores(None)
        .all(|s| s.is_ok_and(|s| s.id != store.id)));
    assert_eq!(client.get_file(&c.id)?.id, c.id, "the file stays uploaded");
    let after = ask("How much do kayak rentals cost?")?;
    assert!(!after.text().contains("forty euros"), "{}", after.text());
    assert!(text_part(&after).annotations.is_empty());

    // An assistant: runs of it are refused, naming the field.
    client.delete_assistant(&assistant.id)?;
    let thread = client.create_thread(&ThreadCreateRequest::default())?;
    let error = expect_error(
        client.create_run(&thread.id, &RunCreateRequest::new(&assistant.id)),
        404,
    );
    assert_eq!(error.param.as_deref(), Some("assistant_id"));
    Ok(())
}
