//! Decoding of the open string enums (`finish_reason`, `role`, `status`…), for the
//! `Deserialize` impls `build.rs` writes (`build/string_enums.rs`): the string is read once,
//! borrowed from the input when the deserializer can lend it, and each enum matches it
//! against its known values, keeping any other as `Unknown`. One visitor serves every enum.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, Error, Visitor};

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
}
