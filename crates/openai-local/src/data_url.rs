//! Images and files given inline: `data:` URLs (base64 or percent-escaped payloads).

use std::sync::Arc;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

use super::model::ModelImage;

/// Padding optional, stray bits of the last character ignored: what browsers accept.
const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// An image given by URL: the bytes of a `data:` URL, else the URL itself.
pub(crate) fn url_image(url: &str) -> ModelImage {
    match data_url_bytes(url) {
        Some(bytes) => ModelImage::Bytes(Arc::new(bytes)),
        None => ModelImage::Url(url.to_string()),
    }
}

/// The bytes of a `data:[type][;base64],payload` URL; `None` for other URLs or bad base64.
pub(crate) fn data_url_bytes(url: &str) -> Option<Vec<u8>> {
    let rest = url.strip_prefix("data:")?;
    let (meta, payload) = rest.split_once(',')?;
    if meta.split(';').any(|p| p.eq_ignore_ascii_case("base64")) {
        base64_decode(payload)
    } else {
        Some(percent_encoding::percent_decode_str(payload).collect())
    }
}

/// Standard or URL-safe base64, padding optional, white space ignored.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let engine = if compact.iter().any(|b| matches!(b, b'-' | b'_')) {
        &URL_SAFE
    } else {
        &STANDARD
    };
    engine.decode(compact).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_urls() {
        assert_eq!(
            data_url_bytes("data:image/png;base64,aGVsbG8="),
            Some(b"hello".to_vec())
        );
        assert_eq!(
            data_url_bytes("data:;base64,aGVsbG8"),
            Some(b"hello".to_vec())
        );
        assert_eq!(
            data_url_bytes("data:;base64,aGVs\r\n bG8="),
            Some(b"hello".to_vec()),
            "white space is ignored"
        );
        assert_eq!(data_url_bytes("data:;base64,-_8="), Some(vec![0xfb, 0xff]));
        assert_eq!(data_url_bytes("data:;base64,+/8="), Some(vec![0xfb, 0xff]));
        assert_eq!(
            data_url_bytes("data:text/plain,a%20b"),
            Some(b"a b".to_vec())
        );
        assert_eq!(data_url_bytes("data:image/png;base64,@@"), None);
        assert_eq!(data_url_bytes("https://x/y.png"), None);
        assert_eq!(
            url_image("https://x/y.png"),
            ModelImage::Url("https://x/y.png".into())
        );
        assert_eq!(
            url_image("data:;base64,aGk="),
            ModelImage::Bytes(Arc::new(b"hi".to_vec()))
        );
    }
}
