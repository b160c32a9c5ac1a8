//! Modify requests: `Patch::Keep` leaves a field, `Patch::Set` changes it, `Patch::Clear`
//! (`null`) removes it or puts the API's default back.

use crate::support::*;

#[test]
fn an_assistants_fields_are_kept_set_and_cleared() -> TestResult {
    let server = engine(Duration::ZERO);
    let client = client_of(&server);
    let file = client.upload_file("assistants", "notes.txt", &b"Notes."[..])?;
    let created = client.create_assistant(&AssistantCreateRequest {
        name: Some("Helper".into()),
        description: Some("Answers questions".into()),
        instructions: Some("Be brief.".into()),
        metadata: Some(metadata(&[("team", "support")])),
        temperature: Some(0.2),
        top_p: Some(0.5),
        tool_resources: Some(AssistantCreateRequestToolResources {
            code_interpreter: Some(AssistantCreateRequestToolResourcesCodeInterpreter {
                file_ids: Some(vec![file.id.clone()]),
            }),
            file_search: None,
        }),
        ..AssistantCreateRequest::new("gpt-4o-mini")
    })?;
    assert!(created.tool_resources.is_some());

    let cleared = client.modify_assistant(
        &created.id,
        &AssistantModifyRequest {
            name: Patch::Set("Plain helper".into()),
            description: Patch::Clear,
            instructions: Patch::Clear,
            metadata: Patch::Clear,
            temperature: Patch::Clear,
            tool_resources: Patch::Clear,
            ..Default::default()
        },
    )?;
    let read = client.get_assistant(&created.id)?;
    assert_eq!(cleared, read);
    assert_eq!(read.name.as_deref(), Some("Plain helper"));
    assert_eq!(read.description, None);
    assert_eq!(read.instructions, None);
    assert!(read.metadata.as_ref().is_some_and(|m| m.0.is_empty()));
    assert_eq!(read.temperature, Some(1.0), "back to the API's default");
    assert_eq!(read.top_p, Some(0.5), "kept: not in the request");
    let files = read
        .tool_resources
        .as_ref()
        .and_then(|r| r.code_interpreter.as_ref())
        .and_then(|c| c.file_ids.as_deref())
        .unwrap_or_default();
    assert!(files.is_empty(), "{:?}", read.tool_resources);

    // An empty request changes nothing.
    let unchanged = client.modify_assistant(&created.id, &AssistantModifyRequest::default())?;
    assert_eq!(unchanged, read);
    Ok(())
}

#[test]
fn a_vector_stores_expiry_is_removed_with_null() -> TestResult {
    let server = engine(Duration::ZERO);
    let client = client_of(&server);
    let store = client.create_vector_store(&VectorStoreCreateRequest {
        name: Some("Expiring".into()),
        expires_after: Some(VectorStoreExpirationAfter {
            anchor: VectorStoreExpirationAfterAnchor::LastActiveAt,
            days: 2,
        }),
        ..Default::default()
    })?;
    assert!(store.expires_after.is_some());
    assert!(store.expires_at.is_some());

    let kept = client.modify_vector_store(
        &store.id,
        &VectorStoreModifyRequest {
            name: Patch::Set("Renamed".into()),
            ..Default::default()
        },
    )?;
    assert_eq!(kept.name.as_deref(), Some("Renamed"));
    assert!(kept.expires_after.is_some(), "kept");

    let modified = client.modify_vector_store(
        &store.id,
        &VectorStoreModifyRequest {
            expires_after: Patch::Clear,
            ..Default::default()
        },
    )?;
    assert_eq!(modified.expires_after, None);
    assert_eq!(modified.expires_at, None);
    assert_eq!(modified.name.as_deref(), Some("Renamed"));
    assert_eq!(client.get_vector_store(&store.id)?.expires_after, None);
    Ok(())
}
