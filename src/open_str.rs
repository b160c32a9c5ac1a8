//! Strings read once, for the `Deserialize` impls `build.rs` writes: the open string enums
//! (`finish_reason`, `role`, `status`…, `build/string_enums.rs`) read the string, borrowed
//! from the input when the deserializer can lend it, and match it against their known values,
//! keeping any other as `Unknown`; the plain structs (`build/struct_decode.rs`) read each
//! field name through their own matching function, without keeping the name. One visitor of
//! each kind serves every type.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, DeserializeSeed, Deserializer, Error, MapAccess, Visitor};

/// Reads one JSON string, borrowed where the input allows (no allocation for a known value).
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<Cow<'de, str>, D::Error> {
    input.deserialize_str(StrVisitor)
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(value))
    }

    fn visit_str<E: Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(value.to_owned()))
    }

    fn visit_string<E: Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(value))
    }
}

/// Reads a field name and returns what the struct's matching function makes of it: the
/// field's index, `u8::MAX` for a name the struct does not have.
pub(crate) struct Field(pub(crate) fn(&str) -> u8);

impl<'de> DeserializeSeed<'de> for Field {
    type Value = u8;

    fn deserialize<D: Deserializer<'de>>(self, input: D) -> Result<u8, D::Error> {
        input.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for Field {
    type Value = u8;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    // `visit_borrowed_str` and `visit_string` come here too (serde's default methods).
    fn visit_str<E: Error>(self, name: &str) -> Result<u8, E> {
        Ok((self.0)(name))
    }
}

/// Reads a field's value into its slot; a field given twice is an error naming it.
pub(crate) fn field<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(A::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

// `ListOrder` decodes in every build with `both-ways` (the default).
#[cfg(all(test, feature = "both-ways"))]
mod tests {
    use crate::types::ListOrder;

    #[test]
    fn known_and_unknown_values_round_trip_and_other_kinds_are_refused() {
        let known: ListOrder = serde_json::from_str(r#""desc""#).unwrap();
        assert_eq!(known, ListOrder::Desc);
        assert_eq!(known.as_str(), "desc");
        // From a reader (no borrowing) and with an escape (decoded to a fresh string).
        let read: ListOrder = serde_json::from_reader(&br#""asc""#[..]).unwrap();
        assert_eq!(read, ListOrder::Asc);
        let escaped: ListOrder = serde_json::from_str(r#""d\u0065sc""#).unwrap();
        assert_eq!(escaped, ListOrder::Desc);
        let new: ListOrder = serde_json::from_str(r#""sideways""#).unwrap();
        assert_eq!(new, ListOrder::Unknown("sideways".into()));
        assert_eq!(new.to_string(), "sideways");
        assert_eq!(serde_json::to_string(&new).unwrap(), r#""sideways""#);
        assert_eq!(serde_json::to_string(&known).unwrap(), r#""desc""#);
        let value: ListOrder = serde_json::from_value(serde_json::json!("asc")).unwrap();
        assert_eq!(value, ListOrder::Asc);
        let refused = serde_json::from_str::<ListOrder>("3").unwrap_err();
        assert!(
            refused.to_string().contains("expected a string"),
            "{refused}"
        );
    }

    #[test]
    #[cfg(feature = "chat")]
    fn structs_decode_their_fields_and_name_a_missing_or_repeated_one() {
        use crate::types::{ChatCompletionMessageToolCallChunk, CompletionUsage};

        // Unknown fields skipped, absent options `None`, `null` options `None`.
        let usage: CompletionUsage = serde_json::from_str(
            r#"{"prompt_tokens": 3, "new_field": {"a": [1]}, "completion_tokens": 4,
                "prompt_tokens_details": null, "total_tokens": 7}"#,
        )
        .unwrap();
        assert_eq!(
            (
                usage.prompt_tokens,
                usage.completion_tokens,
                usage.total_tokens
            ),
            (3, 4, 7)
        );
        assert!(usage.prompt_tokens_details.is_none() && usage.completion_tokens_details.is_none());
        // Nested, through a reader (field names not borrowed) and from a `Value`.
        let text = r#"{"completion_tokens": 1, "prompt_tokens": 2, "total_tokens": 3,
                       "completion_tokens_details": {"reasoning_tokens": 5}}"#;
        let read: CompletionUsage = serde_json::from_reader(text.as_bytes()).unwrap();
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            read,
            serde_json::from_value::<CompletionUsage>(value).unwrap()
        );
        assert_eq!(
            read.completion_tokens_details.unwrap().reasoning_tokens,
            Some(5)
        );
        // A renamed field (`type`), and an escaped field name.
        let chunk: ChatCompletionMessageToolCallChunk =
            serde_json::from_str(r#"{"ind\u0065x": 0, "type": "function", "id": "call_1"}"#)
                .unwrap();
        assert_eq!((chunk.index, chunk.id.as_deref()), (0, Some("call_1")));
        assert_eq!(chunk.type_.unwrap().as_str(), "function");

        let missing = serde_json::from_str::<CompletionUsage>(
            r#"{"completion_tokens": 1, "total_tokens": 3}"#,
        )
        .unwrap_err();
        assert!(
            missing
                .to_string()
                .contains("missing field `prompt_tokens`"),
            "{missing}"
        );
        let twice = serde_json::from_str::<CompletionUsage>(
            r#"{"completion_tokens": 1, "prompt_tokens": 2, "total_tokens": 3, "prompt_tokens": 2}"#,
        )
        .unwrap_err();
        assert!(
            twice
                .to_string()
                .contains("duplicate field `prompt_tokens`"),
            "{twice}"
        );
        let wrong = serde_json::from_str::<CompletionUsage>(r#"[1, 2, 3]"#).unwrap_err();
        assert!(
            wrong
                .to_string()
                .contains("expected struct CompletionUsage"),
            "{wrong}"
        );
    }
}
