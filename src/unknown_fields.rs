//! The top-level objects' unknown fields, collected while the object streams by.
//!
//! `build.rs` derives each top-level object's `Deserialize` on a twin without its `extra`
//! field (see `build/unknown_fields.rs`). serde's derive skips a key it does not know by
//! decoding its value as [`IgnoredAny`](de::IgnoredAny). [`Collect`] wraps the input so
//! that such a value is decoded as a [`Value`] instead and kept, under its key, in the map
//! that becomes `extra`. Known fields are read straight from the input, as if the type had
//! no `extra`: nothing is buffered.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

/// A deserializer whose struct's skipped entries land in `extra`.
pub(crate) struct Collect<'a, D> {
    input: D,
    extra: &'a mut Map<String, Value>,
}

impl<'a, D> Collect<'a, D> {
    pub(crate) fn new(input: D, extra: &'a mut Map<String, Value>) -> Self {
        Collect { input, extra }
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Collect<'_, D> {
    type Error = D::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = Entries {
            visitor,
            extra: self.extra,
        };
        self.input.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.input.deserialize_any(visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.input.is_human_readable()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// The struct's visitor, handed entries whose skipped values are kept.
struct Entries<'a, V> {
    visitor: V,
    extra: &'a mut Map<String, Value>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Entries<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, entries: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Keeping {
            entries,
            key: String::new(),
            extra: self.extra,
        })
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, items: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(items)
    }
}

/// The entries of the object: remembers the last key read, so that a value skipped under it
/// can be kept.
struct Keeping<'a, A> {
    entries: A,
    key: String,
    extra: &'a mut Map<String, Value>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Keeping<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.entries.next_key_seed(Seed {
            seed,
            key: &mut self.key,
            extra: None,
        })
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.entries.next_value_seed(Seed {
            seed,
            key: &mut self.key,
            extra: Some(&mut *self.extra),
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.entries.size_hint()
    }
}

/// The seed of a key (`extra` is `None`: the key's text is remembered) or of a value (a
/// skipped value is kept under the remembered key).
struct Seed<'a, S> {
    seed: S,
    key: &'a mut String,
    extra: Option<&'a mut Map<String, Value>>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, input: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Entry {
            input,
            key: self.key,
            extra: self.extra,
        })
    }
}

/// One key or value, read straight from the input except where the struct skips it.
struct Entry<'a, D> {
    input: D,
    key: &'a mut String,
    extra: Option<&'a mut Map<String, Value>>,
}

macro_rules! forward {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.input.$method(visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Entry<'_, D> {
    type Error = D::Error;

    forward! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_option deserialize_unit deserialize_seq deserialize_map
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        if self.extra.is_some() {
            return self.input.deserialize_identifier(visitor);
        }
        self.key.clear();
        self.input.deserialize_identifier(Remember {
            visitor,
            key: self.key,
        })
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        match self.extra {
            Some(extra) => {
                let value = Value::deserialize(self.input)?;
                extra.insert(std::mem::take(self.key), value);
                visitor.visit_unit()
            }
            None => self.input.deserialize_ignored_any(visitor),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.input.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.input.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.input.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.input.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.input.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.input.deserialize_enum(name, variants, visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.input.is_human_readable()
    }
}

/// A key's visitor that remembers the key's text on the way.
struct Remember<'a, V> {
    visitor: V,
    key: &'a mut String,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Remember<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<V::Value, E> {
        self.key.push_str(key);
        self.visitor.visit_str(key)
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<V::Value, E> {
        self.key.push_str(key);
        self.visitor.visit_borrowed_str(key)
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<V::Value, E> {
        self.key.push_str(&key);
        self.visitor.visit_string(key)
    }

    fn visit_u64<E: de::Error>(self, index: u64) -> Result<V::Value, E> {
        self.visitor.visit_u64(index)
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<V::Value, E> {
        self.key.push_str(&String::from_utf8_lossy(key));
        self.visitor.visit_bytes(key)
    }

    fn visit_borrowed_bytes<E: de::Error>(self, key: &'de [u8]) -> Result<V::Value, E> {
        self.key.push_str(&String::from_utf8_lossy(key));
        self.visitor.visit_borrowed_bytes(key)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::{json, Map, Value};

    use super::Collect;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Known {
        id: String,
        #[serde(default)]
        n: Option<i64>,
    }

    fn decode(text: &str) -> (Known, Map<String, Value>) {
        let mut extra = Map::new();
        let mut input = serde_json::Deserializer::from_str(text);
        let known = Known::deserialize(Collect::new(&mut input, &mut extra)).unwrap();
        input.end().unwrap();
        (known, extra)
    }

    #[test]
    fn known_fields_decode_and_unknown_ones_are_kept_whole() {
        let (known, extra) = decode(
            r#"{"later":{"deep":[1,{"x":null}]},"id":"a","n":3,"flag":true,"esc\"aped":"v"}"#,
        );
        assert_eq!(
            known,
            Known {
                id: "a".into(),
                n: Some(3)
            }
        );
        assert_eq!(
            Value::Object(extra),
            json!({"later": {"deep": [1, {"x": null}]}, "flag": true, "esc\"aped": "v"})
        );
    }

    #[test]
    fn nothing_unknown_leaves_extra_empty_and_errors_still_name_the_field() {
        let (known, extra) = decode(r#"{"id":"b"}"#);
        assert_eq!(known.n, None);
        assert!(extra.is_empty());
        let mut extra = Map::new();
        let mut input = serde_json::Deserializer::from_str(r#"{"n":1}"#);
        let error = Known::deserialize(Collect::new(&mut input, &mut extra)).unwrap_err();
        assert!(error.to_string().contains("missing field `id`"), "{error}");
    }

    #[test]
    fn works_from_a_value_too() {
        let mut extra = Map::new();
        let known = Known::deserialize(Collect::new(json!({"id": "c", "z": [2]}), &mut extra));
        assert_eq!(known.unwrap().id, "c");
        assert_eq!(Value::Object(extra), json!({"z": [2]}));
    }
}
