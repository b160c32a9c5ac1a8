//! `/embeddings`: one text with every option, several texts, token arrays.

use httpmock::MockServer;
use openai_blocking::types::*;
use openai_blocking::Error;
use serde_json::json;

use crate::requests::{embedding_create, embedding_create_batch, embedding_create_tokens};
use crate::support::*;

/// Two float vectors of four dimensions.
fn embeddings() -> serde_json::Value {
    fixture("embedding.json")
}

#[test]
fn create_embedding_of_one_text_with_every_option() {
    let server = MockServer::start();
    let sent = embedding_create();
    let mut one = embeddings();
    one["data"].as_array_mut().unwrap().truncate(1);
    let mock = Route::post("/embeddings", sent.json).mock(&server, one);
    let request = sent.request;
    let client = client(&server);
    let reply = ok(&mock, client.create_embedding(&request));
    assert_eq!(reply.object, EmbeddingResponseObject::List);
    assert_eq!(reply.model, "text-embedding-3-small");
    assert_eq!(reply.data.len(), 1);
    assert_eq!(reply.data[0].object, EmbeddingObject::Embedding);
    assert_eq!(reply.data[0].index, 0);
    // Decoded exactly, digit for digit.
    assert_eq!(
        reply.data[0].embedding,
        [0.0023064255, -0.009327292, 0.015797347, -0.0077780345]
    );
    assert_eq!(
        (reply.usage.prompt_tokens, reply.usage.total_tokens),
        (8, 8)
    );
    same_as_plain(
        ok(&mock, client.create_embedding_with_response(&request)),
        &reply,
    );
    mock.assert_calls(2);
}

#[test]
fn create_embedding_of_several_texts_keeps_their_order() {
    let server = MockServer::start();
    let sent = embedding_create_batch();
    let mut three = embeddings();
    three["data"]
        .as_array_mut()
        .unwrap()
        .push(json!({"object": "embedding", "index": 2, "embedding": [0.5, -0.5, 0.25, 1e-7]}));
    let mock = Route::post("/embeddings", sent.json).mock(&server, three);
    let reply = ok(&mock, client(&server).create_embedding(&sent.request));
    let indexes: Vec<i64> = reply.data.iter().map(|e| e.index).collect();
    assert_eq!(indexes, [0, 1, 2]);
    assert_eq!(reply.data[1].embedding[0], -0.012345678);
    assert_eq!(reply.data[2].embedding[3], 1e-7);
    mock.assert();
}

/// The request asks for base64, which the API answers with each vector as a base64 string of
/// little-endian `f32`s; the SDK decodes it into the same numbers the float form gives (as
/// openai-python does), so the caller's code does not depend on the encoding it asked for.
#[test]
fn create_embedding_of_tokens_in_base64() {
    let server = MockServer::start();
    let sent = embedding_create_tokens();
    // 1.0f32 and -2.0f32, little-endian.
    let base64 = json!({
        "object": "list",
        "data": [
            {"object": "embedding", "index": 0, "embedding": "AACAPwAAAMA="},
            {"object": "embedding", "index": 1, "embedding": "AAAAAAAAgD8="}
        ],
        "model": "text-embedding-ada-002",
        "usage": {"prompt_tokens": 3, "total_tokens": 3}
    });
    let mock = Route::post("/embeddings", sent.json).mock(&server, base64);
    let reply = ok(&mock, client(&server).create_embedding(&sent.request));
    assert_eq!(reply.data[0].embedding, [1.0, -2.0]);
    assert_eq!(reply.data[1].embedding, [0.0, 1.0]);
}

/// A base64 vector that is not a whole number of `f32`s, or not base64, is a decode error
/// naming what was wrong, not a silently short vector.
#[test]
fn a_malformed_base64_embedding_is_a_decode_error() {
    for (bad, says) in [
        ("AACAPwAA", "not a whole number of f32s"),
        ("AAC@", "invalid base64"),
    ] {
        let server = MockServer::start();
        let sent = embedding_create_tokens();
        let reply = json!({
            "object": "list",
            "data": [{"object": "embedding", "index": 0, "embedding": bad}],
            "model": "text-embedding-ada-002",
            "usage": {"prompt_tokens": 3, "total_tokens": 3}
        });
        let _mock = Route::post("/embeddings", sent.json).mock(&server, reply);
        let err = client(&server).create_embedding(&sent.request).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        assert!(err.to_string().contains(says), "{err}");
    }
}

/// Token arrays as input, sent as nested integer arrays.
#[test]
fn create_embedding_of_token_arrays_sends_them_as_integers() {
    let server = MockServer::start();
    let sent = embedding_create_tokens();
    let mut request = sent.request;
    request.encoding_format = None;
    let mut body = sent.json;
    body.as_object_mut().unwrap().remove("encoding_format");
    assert_eq!(body["input"], json!([[9906, 1917], [13347]]));
    let mock = Route::post("/embeddings", body).mock(&server, embeddings());
    let reply = ok(&mock, client(&server).create_embedding(&request));
    assert_eq!(reply.data.len(), 2);
    mock.assert();
}
