//! The Uploads API end to end: `upload_large_file` in small parts (the completed file's bytes
//! are the input's), parts completed in the order given, a wrong total refused, cancel.

use std::io::Read;

use crate::support::*;

/// `len` bytes that differ from place to place (a shifted part would not match).
fn varied(len: usize) -> Vec<u8> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A file of `bytes` in a directory of its own; the directory, to remove.
fn input_file(name: &str, bytes: &[u8]) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "openai-local-sdk-upload-{name}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("a directory");
    let path = dir.join(format!("{name}.bin"));
    std::fs::write(&path, bytes).expect("the input file");
    (dir, path)
}

#[test]
fn upload_large_file_in_small_parts_gives_back_the_same_bytes() -> TestResult {
    let server = engine(ms(1));
    let client = client_of(&server);
    let data = varied((1 << 20) + 12_345);
    let (dir, path) = input_file("large", &data);
    let file = client
        .waiter()
        .part_size(64 << 10)
        .max_concurrency(4)
        .upload_large_file(&path, UploadCreateRequestPurpose::Assistants)?;
    assert!(file.id.starts_with("file-"));
    assert_eq!(file.bytes as usize, data.len());
    assert_eq!(file.filename, "large.bin");
    assert_eq!(file.purpose, FileResponsePurpose::Assistants);
    assert_eq!(client.get_file(&file.id)?, file);
    let back = client.get_file_content(&file.id)?;
    assert!(back == data, "the uploaded bytes differ from the file's");
    // Streamed back as well.
    let mut streamed = Vec::new();
    client
        .get_file_content_reader(&file.id)?
        .read_to_end(&mut streamed)?;
    assert!(streamed == data);
    // A file made by an upload is a file like any other: it can be searched.
    let text = "Tents come with a two-year warranty.\n".repeat(2000);
    std::fs::write(&path, &text)?;
    let doc = client
        .waiter()
        .part_size(16 << 10)
        .upload_large_file(&path, UploadCreateRequestPurpose::Assistants)?;
    let store = client.create_vector_store_and_wait_to_complete(&VectorStoreCreateRequest::new(
        "uploaded",
        vec![doc.id.clone()],
    ))?;
    let found = client.search_vector_store(&store.id, &search_request("warranty", Some(1)))?;
    assert_eq!(found.data[0].file_id, doc.id);
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

#[test]
fn parts_complete_in_the_order_given_and_a_wrong_total_is_refused() -> TestResult {
    let server = engine(ms(1));
    let client = client_of(&server);
    let upload = client.create_upload(&UploadCreateRequest {
        bytes: 10,
        expires_after: None,
        filename: "parts.txt".into(),
        mime_type: "text/plain".into(),
        purpose: UploadCreateRequestPurpose::Batch,
    })?;
    assert_eq!(upload.status, UploadResponseStatus::Pending);
    assert_eq!(upload.expires_at - upload.created_at, 3600);
    let part = |text: &'static str| {
        client.add_upload_part(&upload.id, FileSource::from_bytes("part", text.as_bytes()))
    };
    let (tail, head, extra) = (part("world")?, part("hello")?, part("!")?);
    assert_eq!(head.upload_id, upload.id);
    let complete = |ids: &[&str], md5: Option<&str>| {
        client.complete_upload(
            &upload.id,
            &UploadCompleteRequest {
                md5: md5.map(str::to_string),
                part_ids: ids.iter().map(|s| s.to_string()).collect(),
            },
        )
    };
    let short = expect_error(complete(&[&head.id], None), 400);
    assert_eq!(short.param.as_deref(), Some("part_ids"));
    let long = expect_error(complete(&[&head.id, &tail.id, &extra.id], None), 400);
    assert_eq!(long.param.as_deref(), Some("part_ids"));
    let checksum = expect_error(complete(&[&head.id, &tail.id], Some("0123")), 400);
    assert_eq!(checksum.param.as_deref(), Some("md5"));
    let done = complete(
        &[&head.id, &tail.id],
        Some("fc5e038d38a57032085441e7fe7010b0"),
    )?;
    assert_eq!(done.status, UploadResponseStatus::Completed);
    let file = done.file.expect("the upload's file");
    assert_eq!((file.bytes, file.filename.as_str()), (10, "parts.txt"));
    assert_eq!(file.purpose, FileResponsePurpose::Batch);
    assert_eq!(client.get_file_content(&file.id)?, b"helloworld");
    let again = expect_error(complete(&[&head.id, &tail.id], None), 400);
    assert!(again.message.contains("completed"), "{}", again.message);
    Ok(())
}

#[test]
fn a_cancelled_upload_takes_no_more_parts() -> TestResult {
    let server = engine(ms(1));
    let client = client_of(&server);
    let upload = client.create_upload(&UploadCreateRequest {
        bytes: 3,
        expires_after: None,
        filename: "c.txt".into(),
        mime_type: "text/plain".into(),
        purpose: UploadCreateRequestPurpose::Vision,
    })?;
    let part = client.add_upload_part(&upload.id, FileSource::from_bytes("p", &b"abc"[..]))?;
    let cancelled = client.cancel_upload(&upload.id)?;
    assert_eq!(cancelled.status, UploadResponseStatus::Cancelled);
    assert_eq!(cancelled.file, None);
    expect_error(
        client.add_upload_part(&upload.id, FileSource::from_bytes("p", &b"def"[..])),
        400,
    );
    expect_error(
        client.complete_upload(
            &upload.id,
            &UploadCompleteRequest {
                md5: None,
                part_ids: vec![part.id],
            },
        ),
        400,
    );
    expect_error(client.cancel_upload("upload_missing"), 404);
    let refused = expect_error(
        client.create_upload(&UploadCreateRequest {
            bytes: 0,
            expires_after: None,
            filename: "empty.txt".into(),
            mime_type: "text/plain".into(),
            purpose: UploadCreateRequestPurpose::Vision,
        }),
        400,
    );
    assert_eq!(refused.param.as_deref(), Some("bytes"));
    Ok(())
}
