//! Vector stores filled one file at a time and in batches: statuses, counts, failures, search and filters.
//!
//! The engine runs on a `ManualClock` and the client's waits advance it, so each status is
//! seen at a known engine time, however slow the machine.

use crate::support::*;

#[test]
fn vector_store_filled_one_file_at_a_time_and_in_batches() -> TestResult {
    const STEP: Duration = Duration::from_millis(150);
    let (server, clock) = engine_on_clock(STEP);
    let client = client_on_clock(&server, &clock);
    let store = client.create_vector_store(&VectorStoreCreateRequest::new("kb", Vec::new()))?;
    assert_eq!(counts(&store), [0; 5]);
    assert_eq!(store.status, Some(VectorStoreResponseStatus::Completed));

    // One readable file: in progress for one step, then completed.
    let policy = client.upload_file("assistants", "return-policy.md", POLICY.as_bytes())?;
    let attached_at = clock.elapsed();
    let file = client
        .create_vector_store_file(&store.id, &VectorStoreFileCreateRequest::new(&policy.id))?;
    assert_eq!(file.status, Some(VectorStoreFileResponseStatus::InProgress));
    assert_eq!(
        (file.id.as_str(), file.vector_store_id.as_str()),
        (policy.id.as_str(), store.id.as_str())
    );
    let during = client.get_vector_store(&store.id)?;
    assert_eq!(counts(&during), [1, 0, 0, 0, 1]);
    assert_eq!(during.status, Some(VectorStoreResponseStatus::InProgress));
    clock.advance(STEP - ms(1));
    let almost = client.get_vector_store_file(&store.id, &policy.id)?;
    assert_eq!(
        almost.status,
        Some(VectorStoreFileResponseStatus::InProgress)
    );
    let file = client.wait_for_vector_store_file_to_complete(&store.id, &policy.id)?;
    assert_eq!(file.status, Some(VectorStoreFileResponseStatus::Completed));
    assert!(file.last_error.is_none());
    assert!(file.usage_bytes.is_some_and(|b| b > 0));
    assert!(
        clock.elapsed() - attached_at >= STEP,
        "indexing takes one step"
    );
    let after = client.get_vector_store(&store.id)?;
    assert_eq!(counts(&after), [0, 1, 0, 0, 1]);
    assert_eq!(after.status, Some(VectorStoreResponseStatus::Completed));

    // A file the engine cannot read: failed, with the reason.
    let garbage = client.upload_file(
        "assistants",
        "garbage.bin",
        &[0xff, 0xfe, 0x00, 0x81, 0x02, 0x9c, 0x00, 0x00][..],
    )?;
    client.create_vector_store_file(&store.id, &VectorStoreFileCreateRequest::new(&garbage.id))?;
    let failed = client.wait_for_vector_store_file_to_complete(&store.id, &garbage.id)?;
    assert_eq!(failed.status, Some(VectorStoreFileResponseStatus::Failed));
    let why = failed.last_error.expect("a last error");
    assert_eq!(
        why.code,
        VectorStoreFileResponseLastErrorCode::UnsupportedFile
    );
    assert!(!why.message.is_empty());
    assert_eq!(
        counts(&client.get_vector_store(&store.id)?),
        [0, 1, 1, 0, 2]
    );

    // A batch of three, one of them empty: the batch completes with one failure.
    let also = client.upload_file(
        "assistants",
        "also.txt",
        "Plain text about lighthouse keepers and their lamps.".as_bytes(),
    )?;
    let notes = client.upload_file(
        "assistants",
        "notes.md",
        "# Notes\n\nThe glacier hike starts at the red hut.".as_bytes(),
    )?;
    let empty = client.upload_file("assistants", "empty.txt", Vec::new())?;
    let batch_ids = vec![also.id.clone(), notes.id.clone(), empty.id.clone()];
    let mut polled = Vec::new();
    let batch = client
        .waiter()
        .on_poll(|p| polled.push(p.status.clone()))
        .create_vector_store_file_batch_and_wait(
            &store.id,
            &VectorStoreFileBatchCreateRequest::new(batch_ids),
        )?;
    assert_eq!(batch.status, VectorStoreFileBatchResponseStatus::Completed);
    assert_eq!(batch_counts(&batch), [0, 2, 1, 0, 3]);
    assert!(
        in_order(&transitions(&polled), &["in_progress", "completed"]),
        "{polled:?}"
    );
    assert_eq!(
        client.get_vector_store_file_batch(&store.id, &batch.id)?,
        batch
    );
    let failed: Vec<String> = client
        .iter_vector_store_file_batch_files(
            &store.id,
            &batch.id,
            Some(VectorStoreFileBatchFileListQueryParameters {
                filter: Some(VectorStoreFileStatusFilter::Failed),
                ..Default::default()
            }),
        )
        .map(|f| f.map(|f| f.id))
        .collect::<Result<_, _>>()?;
    assert_eq!(failed, [empty.id.as_str()]);
    let empty_file = client.get_vector_store_file(&store.id, &empty.id)?;
    assert_eq!(
        empty_file.last_error.map(|e| e.code),
        Some(VectorStoreFileResponseLastErrorCode::InvalidFile)
    );
    assert_eq!(
        counts(&client.get_vector_store(&store.id)?),
        [0, 3, 2, 0, 5]
    );

    // Uploaded and attached in one call, from memory, a path and a reader.
    let reader_text = "Reader upload: the ferry to the island leaves at dawn.";
    let sources = vec![
        FileSource::from_bytes(
            "bytes.txt",
            "Bytes upload: the museum opens at ten.".as_bytes(),
        ),
        FileSource::from_path(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/return-policy.md"
        ))
        .with_file_name("policy-copy.md"),
        FileSource::from_reader(
            "reader.txt",
            std::io::Cursor::new(reader_text),
            Some(reader_text.len() as u64),
        ),
    ];
    let batch = client.upload_files_to_vector_store_and_wait(&store.id, sources)?;
    assert_eq!(batch.status, VectorStoreFileBatchResponseStatus::Completed);
    assert_eq!(batch_counts(&batch), [0, 3, 0, 0, 3]);
    let store_now = client.get_vector_store(&store.id)?;
    assert_eq!(counts(&store_now), [0, 6, 2, 0, 8]);
    let names: HashSet<String> = client
        .iter_vector_store_file_batch_files(&store.id, &batch.id, None)
        .map(|f| f.and_then(|f| client.get_file(&f.id)).map(|f| f.filename))
        .collect::<Result<_, _>>()?;
    let expected: HashSet<String> = ["bytes.txt", "policy-copy.md", "reader.txt"]
        .map(String::from)
        .into();
    assert_eq!(names, expected);
    let all: Vec<VectorStoreFileResponse> = client
        .iter_vector_store_files(
            &store.id,
            Some(VectorStoreFileListQueryParameters {
                limit: Some(3),
                ..Default::default()
            }),
        )
        .collect::<Result<_, _>>()?;
    assert_eq!(all.len(), 8);
    assert_eq!(all.iter().map(|f| &f.id).collect::<HashSet<_>>().len(), 8);

    // Searching finds each passage in its own file.
    for (query, file_name, passage) in [
        ("lighthouse keepers", "also.txt", "lamps"),
        ("glacier hike", "notes.md", "red hut"),
        ("ferry island", "reader.txt", "dawn"),
        ("winter sale", "return-policy.md", "14 days"),
    ] {
        let found = client.search_vector_store(&store.id, &search_request(query, Some(3)))?;
        let best = found
            .data
            .first()
            .unwrap_or_else(|| panic!("nothing for {query:?}"));
        assert!(
            best.filename == file_name
                || (file_name == "return-policy.md" && best.filename == "policy-copy.md"),
            "{query:?} found {}",
            best.filename
        );
        assert!(
            best.content[0].text.contains(passage),
            "{query:?}: {:?}",
            best.content
        );
    }

    // Attributes on a file narrow a search; the store is renamed, tagged and listed.
    let attributes = VectorStoreFileAttributes::from(HashMap::from([
        (
            "lang".to_string(),
            VectorStoreFileAttributesValue::String("en".into()),
        ),
        (
            "year".to_string(),
            VectorStoreFileAttributesValue::Number(2024.0),
        ),
    ]));
    let tagged = client.modify_vector_store_file(
        &store.id,
        &notes.id,
        &VectorStoreFileModifyRequest {
            attributes: Some(attributes.clone()),
        },
    )?;
    assert_eq!(tagged.attributes.as_ref(), Some(&attributes));
    assert_eq!(
        client
            .get_vector_store_file(&store.id, &notes.id)?
            .attributes,
        Some(attributes)
    );
    let recent = VectorStoreSearchRequest {
        filters: Some(VectorStoreSearchRequestFilters::ComparisonFilter(
            ComparisonFilter {
                key: "year".into(),
                type_: ComparisonFilterType::Gte,
                value: ComparisonFilterValue::Number(2020.0),
            },
        )),
        ..search_request("lighthouse glacier", None)
    };
    let unfiltered =
        client.search_vector_store(&store.id, &search_request("lighthouse glacier", None))?;
    let names: HashSet<&str> = unfiltered
        .data
        .iter()
        .map(|d| d.filename.as_str())
        .collect();
    assert_eq!(names, HashSet::from(["also.txt", "notes.md"]));
    let found = client.search_vector_store(&store.id, &recent)?;
    let names: Vec<&str> = found.data.iter().map(|d| d.filename.as_str()).collect();
    assert_eq!(names, ["notes.md"], "only the file with a recent year");
    let renamed = client.modify_vector_store(
        &store.id,
        &VectorStoreModifyRequest {
            name: Patch::Set("knowledge".into()),
            metadata: Patch::Set(metadata(&[("team", "docs")])),
            ..Default::default()
        },
    )?;
    assert_eq!(renamed.name.as_deref(), Some("knowledge"));
    assert_eq!(
        counts(&renamed),
        [0, 6, 2, 0, 8],
        "renaming keeps the files"
    );
    let listed = client.get_vector_stores(None)?;
    assert_eq!(listed.data.len(), 1);
    assert_eq!(listed.data[0].metadata, Some(metadata(&[("team", "docs")])));

    // A batch cancelled before it is indexed: its files are cancelled, and counted so. (The
    // engine's clock stands still: the batch stays in progress until it is cancelled.)
    let (slow, _frozen) = engine_on_clock(Duration::from_secs(30));
    let slow_client = client_of(&slow);
    let f = slow_client.upload_file("assistants", "a.txt", "some words here".as_bytes())?;
    let slow_store =
        slow_client.create_vector_store(&VectorStoreCreateRequest::new("slow", Vec::new()))?;
    let batch = slow_client.create_vector_store_file_batch(
        &slow_store.id,
        &VectorStoreFileBatchCreateRequest::new(vec![f.id.clone()]),
    )?;
    assert_eq!(batch_counts(&batch), [1, 0, 0, 0, 1]);
    assert_eq!(
        counts(&slow_client.get_vector_store(&slow_store.id)?),
        [1, 0, 0, 0, 1]
    );
    let cancelled = slow_client.cancel_vector_store_file_batch(&slow_store.id, &batch.id)?;
    assert_eq!(
        cancelled.status,
        VectorStoreFileBatchResponseStatus::Cancelled
    );
    assert_eq!(batch_counts(&cancelled), [0, 0, 0, 1, 1]);
    assert_eq!(
        counts(&slow_client.get_vector_store(&slow_store.id)?),
        [0, 0, 0, 1, 1]
    );
    let waited =
        slow_client.wait_for_vector_store_file_batch_to_complete(&slow_store.id, &batch.id)?;
    assert_eq!(waited.status, VectorStoreFileBatchResponseStatus::Cancelled);
    Ok(())
}
