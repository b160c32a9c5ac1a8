//! Decoding of the open unions by their tag, for the `Deserialize` impls `build.rs` generates.
//!
//! serde's own decoding of an internally tagged enum with an `Unknown` fallback buffers every
//! object twice (once to try the tagged variants, once for the fallback), and an untagged
//! union tries each variant in turn. Here the object's entries are read once: those before the
//! tag are kept as [`Value`]s (usually none: the API writes `type` first), the tag picks the
//! variant, and the variant's own `Deserialize` reads the kept entries and then the rest of the
//! object straight from the input. Only an unknown tag keeps the whole object as a `Value`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

/// An open union whose variants the value of one key tells apart (and, where two variants
/// share that value, a second key). Implemented by `build.rs` for the generated unions.
pub(crate) trait Tagged: Sized {
    /// The key holding the tag: `type`, or `event` for the assistant stream events.
    const TAG: &'static str;
    /// Whether the variant's type reads the tag itself (a struct with a `type` field, in an
    /// untagged union) rather than the enum consuming it (an internally tagged enum).
    const KEEP_TAG: bool;

    /// The second key that tells apart the variants sharing this tag value, if any do.
    fn second_key(_tag: &str) -> Option<&'static str> {
        None
    }

    /// Whether this version of the crate has a variant for the tag (and second value).
    fn known(tag: &str, second: Option<&str>) -> bool;

    /// Decodes the variant for a known tag from the object's remaining entries.
    fn variant<'de, D: Deserializer<'de>>(
        tag: &str,
        second: Option<&str>,
        entries: D,
    ) -> Result<Self, D::Error>;

    /// Keeps a value no variant is known for, unchanged.
    fn unknown(raw: Value) -> Self;
}

/// Decodes `T` by its tag; see the module docs.
pub(crate) fn deserialize<'de, T: Tagged, D: Deserializer<'de>>(input: D) -> Result<T, D::Error> {
    input.deserialize_any(ByTag(PhantomData))
}

/// An object key, borrowed from the input where the input allows it.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(input: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(s))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(s.to_owned()))
            }
            fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(s))
            }
        }
        input.deserialize_str(KeyVisitor)
    }
}

struct ByTag<T>(PhantomData<T>);

impl<'de, T: Tagged> Visitor<'de> for ByTag<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an object with a `{}` field", T::TAG)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        // The entries read before the tag (and the second key, where one is needed).
        let mut seen: Vec<(Key<'de>, Value)> = Vec::new();
        let mut tag_at = None;
        let mut second: Option<(&'static str, Option<usize>)> = None;
        loop {
            let ready = tag_at.is_some() && second.is_none_or(|(_, at)| at.is_some());
            if ready {
                break;
            }
            let Some(key) = map.next_key::<Key<'de>>()? else {
                break;
            };
            let value: Value = map.next_value()?;
            if tag_at.is_none() && key.as_str() == T::TAG {
                if let Value::String(tag) = &value {
                    second = T::second_key(tag).map(|k| {
                        let at = seen.iter().position(|(seen, _)| seen.as_str() == k);
                        (k, at)
                    });
                }
                tag_at = Some(seen.len());
            } else if let Some((k, at @ None)) = &mut second {
                if key.as_str() == *k {
                    *at = Some(seen.len());
                }
            }
            seen.push((key, value));
        }
        let text = |at: Option<usize>| at.and_then(|i| seen[i].1.as_str());
        let tag = text(tag_at);
        let second_value = text(second.and_then(|(_, at)| at));
        match tag {
            Some(tag) if T::known(tag, second_value) => {
                let tag = tag.to_owned();
                let second_value = second_value.map(str::to_owned);
                if let (false, Some(at)) = (T::KEEP_TAG, tag_at) {
                    seen.remove(at);
                }
                let entries = Entries {
                    seen: seen.into_iter(),
                    value: None,
                    rest: map,
                };
                T::variant(&tag, second_value.as_deref(), entries)
            }
            _ => {
                let mut object = Map::new();
                for (key, value) in seen {
                    object.insert(key.as_str().to_owned(), value);
                }
                while let Some((key, value)) = map.next_entry::<String, Value>()? {
                    object.insert(key, value);
                }
                Ok(T::unknown(Value::Object(object)))
            }
        }
    }

    // Anything but an object has no tag: it is kept as it came.
    fn visit_bool<E>(self, v: bool) -> Result<T, E> {
        Ok(T::unknown(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<T, E> {
        Ok(T::unknown(Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<T, E> {
        Ok(T::unknown(Value::from(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<T, E> {
        Ok(T::unknown(Value::from(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<T, E> {
        Ok(T::unknown(Value::from(v)))
    }
    fn visit_string<E>(self, v: String) -> Result<T, E> {
        Ok(T::unknown(Value::String(v)))
    }
    fn visit_unit<E>(self) -> Result<T, E> {
        Ok(T::unknown(Value::Null))
    }
    fn visit_none<E>(self) -> Result<T, E> {
        Ok(T::unknown(Value::Null))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Ok(T::unknown(Value::Array(items)))
    }
}

/// The entries of one object as a deserializer: those read before the tag, then the rest
/// straight from the input.
struct Entries<'de, A> {
    seen: std::vec::IntoIter<(Key<'de>, Value)>,
    value: Option<Value>,
    rest: A,
}

impl<'de, A: MapAccess<'de>> Deserializer<'de> for Entries<'de, A> {
    type Error = A::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Entries<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.seen.next() {
            Some((key, value)) => {
                self.value = Some(value);
                match key {
                    Key::Borrowed(k) => seed.deserialize(BorrowedStrDeserializer::new(k)),
                    Key::Owned(k) => seed.deserialize(k.into_deserializer()),
                }
                .map(Some)
            }
            None => self.rest.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(value).map_err(de::Error::custom),
            None => self.rest.next_value_seed(seed),
        }
    }
}
