//! `/embeddings`: deterministic vectors made by hashing words, for tests, not for meaning.
//!
//! Each search term of a text (its words without stop words, crudely stemmed; all its words
//! when it has no other) adds its weight `1 + ln(count)` to four coordinates chosen by a
//! hash of the term, each with a sign chosen the same way; the vector is then scaled to
//! length 1. Texts sharing words therefore have a positive cosine similarity that grows with
//! what they share, texts sharing none are close to orthogonal, and the same text always
//! gets the same vector.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::json;

use openai_blocking::types::*;

use super::super::http::{Ctx, Failure, Reply};
use super::super::text;

/// The most inputs one request may hold, as the API.
const MAX_INPUTS: usize = 2048;

/// The coordinates each term touches.
const SPREAD: u64 = 4;

/// The length of a model's vectors: 3072 for `*-large`, else 1536.
fn native_dimensions(model: &str) -> usize {
    if model.ends_with("-large") {
        3072
    } else {
        1536
    }
}

/// FNV-1a, then a splitmix64 round per coordinate: stable across runs and platforms.
fn hash(term: &str, k: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in term.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut z = h ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The vector of `text`, of length `dimensions` (see the module documentation).
pub(crate) fn embed(text: &str, dimensions: usize) -> Vec<f64> {
    let mut terms = text::terms(text);
    if terms.is_empty() {
        terms = text::words(text);
    }
    if terms.is_empty() {
        terms = text.trim().chars().map(String::from).collect();
    }
    let mut counts: BTreeMap<String, f64> = BTreeMap::new();
    for t in terms {
        *counts.entry(t).or_insert(0.0) += 1.0;
    }
    let mut v = vec![0.0; dimensions.max(1)];
    let n = v.len() as u64;
    for (term, count) in &counts {
        let weight = 1.0 + count.ln();
        for k in 0..SPREAD {
            let h = hash(term, k);
            let sign = if h >> 63 == 1 { -1.0 } else { 1.0 };
            v[(h % n) as usize] += sign * weight;
        }
    }
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    } else {
        v[0] = 1.0;
    }
    v
}

pub(super) fn create(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let r: EmbeddingCreateRequest = ctx.json()?;
    let texts: Vec<String> = match &r.input {
        EmbeddingCreateRequestInput::Variant0(s) => vec![s.clone()],
        EmbeddingCreateRequestInput::Variant1(v) => v.clone(),
        // Token ids: each one counts as a word.
        EmbeddingCreateRequestInput::Variant2(tokens) => vec![tokens_text(tokens)],
        EmbeddingCreateRequestInput::Variant3(lists) => {
            lists.iter().map(|t| tokens_text(t)).collect()
        }
    };
    if texts.is_empty() {
        return Err(Failure::invalid("'input' must not be empty.").param("input"));
    }
    if texts.len() > MAX_INPUTS {
        return Err(Failure::invalid(format!(
            "'input' holds {} items; at most {MAX_INPUTS} are allowed.",
            texts.len()
        ))
        .param("input"));
    }
    if let Some(i) = texts.iter().position(|t| t.is_empty()) {
        let param = match r.input {
            EmbeddingCreateRequestInput::Variant0(_) => "input".to_string(),
            _ => format!("input[{i}]"),
        };
        return Err(Failure::invalid("An input to embed must not be empty.").param(param));
    }
    let native = native_dimensions(&r.model);
    let dimensions = match r.dimensions {
        None => native,
        Some(_) if r.model == "text-embedding-ada-002" => {
            return Err(
                Failure::invalid("This model does not support specifying dimensions.")
                    .param("dimensions"),
            )
        }
        Some(d) if d < 1 || d as usize > native => {
            return Err(Failure::invalid(format!(
                "Invalid 'dimensions': expected a value between 1 and {native}, got {d}."
            ))
            .param("dimensions")
            .code("integer_out_of_range"))
        }
        Some(d) => d as usize,
    };
    let base64 = match &r.encoding_format {
        None | Some(EmbeddingCreateRequestEncodingFormat::Float) => false,
        Some(EmbeddingCreateRequestEncodingFormat::Base64) => true,
        Some(EmbeddingCreateRequestEncodingFormat::Unknown(other)) => {
            return Err(super::input::bad_value(
                "encoding_format",
                other,
                &["float", "base64"],
            ))
        }
    };
    let tokens: i64 = texts.iter().map(|t| text::token_count(t).max(1)).sum();
    let data: Vec<serde_json::Value> = texts
        .iter()
        .enumerate()
        .map(|(index, t)| {
            let v = embed(t, dimensions);
            let embedding = if base64 {
                // Little-endian 32-bit floats, as the API sends them.
                let bytes: Vec<u8> = v.iter().flat_map(|x| (*x as f32).to_le_bytes()).collect();
                json!(base64::engine::general_purpose::STANDARD.encode(bytes))
            } else {
                json!(v)
            };
            json!({"object": "embedding", "index": index, "embedding": embedding})
        })
        .collect();
    Reply::json(&json!({
        "object": "list",
        "data": data,
        "model": r.model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }))
}

fn tokens_text(tokens: &[i64]) -> String {
    tokens
        .iter()
        .map(|t| format!("t{t}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cosine(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn shared_words_are_close_and_others_apart() {
        let d = 1536;
        let cat = embed("The cat sat on the warm mat", d);
        let cats = embed("A cat sleeps on a mat", d);
        let tax = embed("Quarterly tax filing deadlines", d);
        assert!((cosine(&cat, &cat) - 1.0).abs() < 1e-9);
        assert!(cosine(&cat, &cats) > 0.4, "{}", cosine(&cat, &cats));
        assert!(cosine(&cat, &tax).abs() < 0.1, "{}", cosine(&cat, &tax));
        assert_eq!(
            embed("The cat sat on the warm mat", d),
            cat,
            "deterministic"
        );
        assert_eq!(embed("cat", 8).len(), 8);
        let only_stop_words = embed("the of", 16);
        assert!((cosine(&only_stop_words, &only_stop_words) - 1.0).abs() < 1e-9);
        assert_eq!(embed("", 4), [1.0, 0.0, 0.0, 0.0]);
    }
}
