//! `/embeddings`: vectors for texts.

use crate::endpoint::endpoints;
use crate::transport::Request;
use crate::types::*;

endpoints! {
    /// Embedding vectors for the input texts or tokens (`POST /embeddings`).
    fn create_embedding / create_embedding_with_response(request: &EmbeddingCreateRequest) -> EmbeddingResponse {
        Request::post("/embeddings").json(request)?
    }
}

/// Decodes a list of numbers sent either as a JSON array or, for `encoding_format: "base64"`,
/// as the base64 string of little-endian `f32`s (what openai-python decodes too), so callers
/// get the same `Vec<f64>` whichever form they asked for.
pub(crate) fn floats_or_base64<'de, D>(deserializer: D) -> Result<Vec<f64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Floats;
    impl<'de> serde::de::Visitor<'de> for Floats {
        type Value = Vec<f64>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of numbers or a base64 string of little-endian f32s")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<f64>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(x) = seq.next_element()? {
                out.push(x);
            }
            Ok(out)
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Vec<f64>, E> {
            let bytes =
                decode_base64(text).ok_or_else(|| E::custom("invalid base64 in an embedding"))?;
            if bytes.len() % 4 != 0 {
                return Err(E::custom(format!(
                    "a base64 embedding of {} bytes is not a whole number of f32s",
                    bytes.len()
                )));
            }
            Ok(bytes
                .chunks_exact(4)
                .map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                .collect())
        }
    }
    deserializer.deserialize_any(Floats)
}

/// Standard base64 (`A–Z a–z 0–9 + /`, `=` padding optional); `None` on any other byte.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in text {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    // Leftover bits must be padding zeros, and a single leftover character is no byte at all.
    (bits < 6 && acc & ((1 << bits) - 1) == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::decode_base64;

    #[test]
    fn base64_decodes_with_and_without_padding_and_refuses_garbage() {
        assert_eq!(
            decode_base64("AACAPwAAAMA=").unwrap(),
            [0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]
        );
        assert_eq!(decode_base64("TWE").unwrap(), b"Ma");
        assert_eq!(decode_base64("TWFu").unwrap(), b"Man");
        assert_eq!(decode_base64("").unwrap(), b"");
        assert_eq!(decode_base64("TW!u"), None);
        assert_eq!(decode_base64("T"), None);
    }
}
