//! Models, embeddings and moderations: the engine's model list, deterministic vectors whose
//! cosine follows shared words, and a fixed list of flagged terms.

use crate::support::*;

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    dot / (norm(a) * norm(b))
}

#[test]
fn the_engine_lists_its_models() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let models = client.get_models()?;
    let ids: Vec<&str> = models.data.iter().map(|m| m.id.as_str()).collect();
    for expected in [
        "gpt-4o-mini",
        "text-embedding-3-small",
        "omni-moderation-latest",
    ] {
        assert!(ids.contains(&expected), "{ids:?}");
    }
    let one = client.get_model("gpt-4o-mini")?;
    assert_eq!(one, models.data[0]);
    assert_eq!(one.owned_by, "openai-local");
    let error = api_error(client.get_model("gpt-nonexistent"));
    assert_eq!(error.status, 404);
    assert_eq!(
        error.error.and_then(|e| e.code).as_deref(),
        Some("model_not_found")
    );
    Ok(())
}

#[test]
fn embeddings_are_close_when_texts_share_words() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let texts = [
        "How do I return a pair of hiking boots?",
        "Returning boots bought for hiking",
        "Bake bread at 220 degrees for forty minutes",
    ];
    let batch = client.create_embedding(&EmbeddingCreateRequest::batch(
        "text-embedding-3-small",
        texts,
    ))?;
    assert_eq!(batch.data.len(), 3);
    assert_eq!(
        batch.data.iter().map(|e| e.index).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert!(batch.data.iter().all(|e| e.embedding.len() == 1536));
    let v: Vec<&[f64]> = batch.data.iter().map(|e| e.embedding.as_slice()).collect();
    let related = cosine(v[0], v[1]);
    let unrelated = cosine(v[0], v[2]);
    assert!(related > 0.5, "{related}");
    assert!(unrelated.abs() < 0.1, "{unrelated}");
    assert!(batch.usage.prompt_tokens > 0);
    assert_eq!(batch.usage.total_tokens, batch.usage.prompt_tokens);
    assert_eq!(batch.model, "text-embedding-3-small");

    // The same text, the same vector; `dimensions` sets the length.
    let again = client.create_embedding(&EmbeddingCreateRequest::new(
        "text-embedding-3-small",
        texts[0],
    ))?;
    assert_eq!(again.data[0].embedding, batch.data[0].embedding);
    let short = client.create_embedding(&EmbeddingCreateRequest {
        dimensions: Some(64),
        ..EmbeddingCreateRequest::new("text-embedding-3-large", texts[0])
    })?;
    assert_eq!(short.data[0].embedding.len(), 64);
    let length: f64 = short.data[0].embedding.iter().map(|x| x * x).sum();
    assert!((length - 1.0).abs() < 1e-9);
    let large = client.create_embedding(&EmbeddingCreateRequest::new(
        "text-embedding-3-large",
        texts[0],
    ))?;
    assert_eq!(large.data[0].embedding.len(), 3072);

    let error = expect_error(
        client.create_embedding(&EmbeddingCreateRequest {
            dimensions: Some(64),
            ..EmbeddingCreateRequest::new("text-embedding-ada-002", "x")
        }),
        400,
    );
    assert_eq!(error.param.as_deref(), Some("dimensions"));
    let error = expect_error(
        client.create_embedding(&EmbeddingCreateRequest::batch(
            "text-embedding-3-small",
            ["ok", ""],
        )),
        400,
    );
    assert_eq!(error.param.as_deref(), Some("input[1]"));
    Ok(())
}

#[test]
fn base64_embeddings_hold_the_same_vector_as_f32() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let floats = client.create_embedding(&EmbeddingCreateRequest {
        dimensions: Some(32),
        ..EmbeddingCreateRequest::new("text-embedding-3-small", "tents and backpacks")
    })?;
    // The SDK's `Embedding` holds numbers only, so the base64 form is read raw.
    let raw: ApiResponse<Value> = client.send(Request::post("/embeddings").json(&json!({
        "model": "text-embedding-3-small",
        "input": "tents and backpacks",
        "dimensions": 32,
        "encoding_format": "base64"
    }))?)?;
    use base64::Engine as _;
    let text = raw.data["data"][0]["embedding"]
        .as_str()
        .expect("a base64 string");
    let bytes = base64::engine::general_purpose::STANDARD.decode(text)?;
    let decoded: Vec<f64> = bytes
        .chunks_exact(4)
        .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
        .collect();
    assert_eq!(decoded.len(), 32);
    for (d, f) in decoded.iter().zip(&floats.data[0].embedding) {
        assert!((d - f).abs() < 1e-6, "{d} {f}");
    }
    Ok(())
}

#[test]
fn moderation_flags_the_listed_terms_only() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let calm = client.create_moderation(&ModerationCreateRequest::new(
        "Please help me return my tent.",
    ))?;
    assert_eq!(calm.model, "omni-moderation-latest");
    assert!(calm.id.starts_with("modr-"));
    let result = &calm.results[0];
    assert!(!result.flagged);
    assert!(!result.categories.violence);
    assert!(result.category_scores.violence < 0.01);

    let batch = client.create_moderation(&ModerationCreateRequest {
        input: ModerationCreateRequestInput::Variant1(vec![
            "I will hurt you.".into(),
            "Skilled killer whales".into(),
            "That idiot again".into(),
        ]),
        model: Some("text-moderation-latest".into()),
    })?;
    assert_eq!(batch.model, "text-moderation-latest");
    let flags: Vec<bool> = batch.results.iter().map(|r| r.flagged).collect();
    assert_eq!(flags, [true, false, true]);
    let threat = &batch.results[0];
    assert!(threat.categories.harassment_threatening && threat.categories.violence);
    assert!(!threat.categories.sexual);
    assert!(threat.category_scores.harassment_threatening > 0.9);
    assert!(batch.results[2].categories.harassment);
    assert!(!batch.results[2].categories.harassment_threatening);
    Ok(())
}
