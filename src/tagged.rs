//! Decoding of the open unions by their tag, for the `Deserialize` impls `build.rs` generates.
//!
//! serde's own decoding of an internally tagged enum with an `Unknown` fallback buffers every
//! object twice (once to try the tagged variants, once for the fallback), and an untagged
//! union tries each variant in turn. Here the object's entries are read once: those before the
//! tag are kept (the API writes `id`, then `type`), the tag picks the
//! variant, and the variant's own `Deserialize` reads the kept entries and then the rest of the
//! object straight from the input. Only an unknown tag keeps the whole object as a `Value`.
//!
//! The entries before the tag are kept as [`Content`]: strings borrowed from the input where it
//! lends them, objects as lists of entries. That costs far less than a `Value` (no map to
//! build, no string copied), which matters for servers that sort keys and so write `type`
//! after nearly everything else.
//!
//! The unions a request can hold ([`deserialize_or_unknown`]) must also turn a known tag whose
//! object does not fit its variant into `Unknown` with that object, so they need the object
//! whole after the variant failed: from serde_json they take its text (a scan, then the same
//! decoding as above from the text), from anything else its entries as [`Content`], decoded
//! in place.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, MapDeserializer, SeqDeserializer};
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

/// Decodes `T` by its tag, as [`deserialize`], but a known tag whose object does not fit its
/// variant is `Unknown` with the object, not an error: the unions a request can hold, which a
/// server built on these types (the local engine) inspects to name the wrong field.
///
/// That needs the object whole after its variant failed, so it is read twice: serde_json
/// hands over its text (what [`RawValue`](serde_json::value::RawValue) is made of: a scan
/// that allocates nothing from a slice or a string), which is then decoded by its tag, and
/// only on a failure decoded again as a `Value`. Any other input is read into a `Value`
/// first, and decoded from it.
#[cfg(or_unknown)]
pub(crate) fn deserialize_or_unknown<'de, T: Tagged, D: Deserializer<'de>>(
    input: D,
) -> Result<T, D::Error> {
    input.deserialize_newtype_struct(RAW_VALUE, OrUnknown(PhantomData))
}

/// The name under which serde_json's deserializers hand a value over as its text (private to
/// serde_json, which `RawValue` uses). Were it to change, serde_json would treat the request
/// as an ordinary newtype and [`OrUnknown`] would take its other path: slower, the same result.
#[cfg(or_unknown)]
const RAW_VALUE: &str = "$serde_json::private::RawValue";

/// The decoding of the object from its text: by its tag, else `Unknown` with its value.
#[cfg(or_unknown)]
fn from_text<T: Tagged>(text: &str) -> T {
    let mut input = serde_json::Deserializer::from_str(text);
    deserialize::<T, _>(&mut input).unwrap_or_else(|_| {
        // The text was checked by the scan that cut it out: it is one well-formed value.
        T::unknown(serde_json::from_str(text).unwrap_or_default())
    })
}

/// The decoding of an object read whole: by its tag, else `Unknown` with its value. Anything
/// but an object has no tag and goes straight to `Unknown`, as [`ByTag`] would send it; not
/// asking `ByTag` spares every program a copy of each variant's decoding for this input.
#[cfg(or_unknown)]
fn from_content<T: Tagged>(object: &Content<'_>) -> T {
    let decoded = match object {
        Content::Map(entries) => in_place::<T>(entries).ok(),
        _ => None,
    };
    decoded.unwrap_or_else(|| {
        let input = ContentRefDeserializer::<serde_json::Error>::new(object);
        T::unknown(Value::deserialize(input).unwrap_or_default())
    })
}

/// The decoding of an object read whole by its tag, as [`ByTag`] decodes it, but with the tag
/// (and second key) looked up among its entries and the variant reading them where they are:
/// through `ByTag`, those before the tag would be copied first (the whole output content of
/// an output message whose keys are sorted, `type` last). An unknown tag is an error, which
/// [`from_content`] turns into `Unknown` as `ByTag` would.
#[cfg(or_unknown)]
fn in_place<'de, T: Tagged>(
    entries: &[(Content<'de>, Content<'de>)],
) -> Result<T, serde_json::Error> {
    let find = |key: &str| entries.iter().position(|(k, _)| k.as_str() == Some(key));
    let tag_at = find(T::TAG);
    let Some(tag) = tag_at.and_then(|at| entries[at].1.as_str()) else {
        return Err(de::Error::custom("no tag"));
    };
    let second = T::second_key(tag)
        .and_then(find)
        .and_then(|at| entries[at].1.as_str());
    if !T::known(tag, second) {
        return Err(de::Error::custom("unknown tag"));
    }
    let rest = entries
        .iter()
        .enumerate()
        .filter(|&(at, _)| T::KEEP_TAG || Some(at) != tag_at)
        .map(|(_, (k, v))| (k, v));
    let mut map = MapDeserializer::new(rest);
    let value = T::variant(tag, second, de::value::MapAccessDeserializer::new(&mut map))?;
    map.end()?;
    Ok(value)
}

#[cfg(or_unknown)]
struct OrUnknown<T>(PhantomData<T>);

#[cfg(or_unknown)]
impl<'de, T: Tagged> Visitor<'de> for OrUnknown<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an object with a `{}` field", T::TAG)
    }

    // Deserializers that know no raw text (`Value`s, buffered content) pass the newtype on.
    fn visit_newtype_struct<D: Deserializer<'de>>(self, input: D) -> Result<T, D::Error> {
        input.deserialize_any(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let Some(first) = map.next_key::<Key<'de>>()? else {
            return Ok(from_content(&Content::Map(Vec::new())));
        };
        if first.as_str() == RAW_VALUE {
            // serde_json's text of the value, as one entry under that name.
            let text: Key<'de> = map.next_value()?;
            return Ok(from_text(text.as_str()));
        }
        // An object from elsewhere (entries kept before a tag, a `Value`), read whole, in the
        // input's terms as the entries before a tag are.
        let first = match first {
            Key::Borrowed(k) => Content::Str(k),
            Key::Owned(k) => Content::String(k),
        };
        let mut entries = vec![(first, map.next_value()?)];
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(from_content(&Content::Map(entries)))
    }

    // Anything but an object has no tag: it is kept as it came, as `ByTag` keeps it.
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        ByTag(PhantomData).visit_bool(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        ByTag(PhantomData).visit_i64(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        ByTag(PhantomData).visit_u64(v)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        ByTag(PhantomData).visit_f64(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        ByTag(PhantomData).visit_str(v)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        ByTag(PhantomData).visit_string(v)
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        ByTag(PhantomData).visit_unit()
    }
    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        ByTag(PhantomData).visit_none()
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        ByTag(PhantomData).visit_seq(seq)
    }
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
        let head = Head::read(&mut map, T::TAG, T::second_key)?;
        if !head
            .tag()
            .is_some_and(|(tag, second)| T::known(tag, second))
        {
            return head.into_value(map).map(T::unknown);
        }
        let (tag, second, entries) = head.into_entries(T::KEEP_TAG, map);
        T::variant(&tag, second.as_deref(), entries)
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
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(T::unknown)
    }
}

/// The entries of an object up to its tag (and its second key, where the tag needs one). Its
/// code depends on the input's type only, not on the union's: one copy serves every union.
struct Head<'de> {
    seen: Vec<(Key<'de>, Content<'de>)>,
    tag_at: Option<usize>,
    second_at: Option<usize>,
}

impl<'de> Head<'de> {
    fn read<A: MapAccess<'de>>(
        map: &mut A,
        tag_key: &str,
        second_key: fn(&str) -> Option<&'static str>,
    ) -> Result<Self, A::Error> {
        let mut head = Head {
            seen: Vec::new(),
            tag_at: None,
            second_at: None,
        };
        // The second key this object's tag asks for, if any (found yet or not).
        let mut second: Option<&'static str> = None;
        while head.tag_at.is_none() || (second.is_some() && head.second_at.is_none()) {
            let Some(key) = map.next_key::<Key<'de>>()? else {
                break;
            };
            let value: Content<'de> = map.next_value()?;
            if head.tag_at.is_none() && key.as_str() == tag_key {
                if let Some(tag) = value.as_str() {
                    second = second_key(tag);
                    head.second_at = second
                        .and_then(|k| head.seen.iter().position(|(seen, _)| seen.as_str() == k));
                }
                head.tag_at = Some(head.seen.len());
            } else if second.is_some_and(|k| head.second_at.is_none() && key.as_str() == k) {
                head.second_at = Some(head.seen.len());
            }
            head.seen.push((key, value));
        }
        Ok(head)
    }

    /// The tag's value and the second key's, when they are strings.
    fn tag(&self) -> Option<(&str, Option<&str>)> {
        let text = |at: Option<usize>| at.and_then(|i| self.seen[i].1.as_str());
        Some((text(self.tag_at)?, text(self.second_at)))
    }

    /// The tag, the second key's value and the object's entries from here on, for the variant
    /// to read; the tag's entry is left out unless the variant reads it (`keep_tag`). Call only
    /// when [`tag`](Self::tag) found one.
    fn into_entries<A>(
        mut self,
        keep_tag: bool,
        rest: A,
    ) -> (String, Option<String>, Entries<'de, A>) {
        let text = |seen: &[(Key<'de>, Content<'de>)], at: Option<usize>| {
            at.and_then(|i| seen[i].1.as_str()).map(str::to_owned)
        };
        let second = text(&self.seen, self.second_at);
        let tag = match (keep_tag, self.tag_at) {
            // The entry goes: its string moves out, uncopied.
            (false, Some(at)) => match self.seen.remove(at).1 {
                Content::String(tag) => tag,
                Content::Str(tag) => tag.to_owned(),
                _ => String::new(),
            },
            _ => text(&self.seen, self.tag_at).unwrap_or_default(),
        };
        let entries = Entries {
            seen: self.seen.into_iter(),
            value: None,
            rest,
        };
        (tag, second, entries)
    }

    /// The whole object as a `Value`.
    fn into_value<A: MapAccess<'de>>(self, mut rest: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        for (key, value) in self.seen {
            object.insert(
                key.as_str().to_owned(),
                Value::deserialize(value.into_deserializer())?,
            );
        }
        while let Some((key, value)) = rest.next_entry::<String, Value>()? {
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// The entries of one object as a deserializer: those read before the tag, then the rest
/// straight from the input.
struct Entries<'de, A> {
    seen: std::vec::IntoIter<(Key<'de>, Content<'de>)>,
    value: Option<Content<'de>>,
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
            Some(value) => seed.deserialize(value.into_deserializer()),
            None => self.rest.next_value_seed(seed),
        }
    }
}

/// A value read before the tag, kept in the input's own terms: strings borrowed where the
/// input lends them, arrays and objects as lists. Read back through [`ContentDeserializer`].
enum Content<'de> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(&'de str),
    String(String),
    Seq(Vec<Content<'de>>),
    Map(Vec<(Content<'de>, Content<'de>)>),
}

impl Content<'_> {
    fn as_str(&self) -> Option<&str> {
        match self {
            Content::Str(s) => Some(s),
            Content::String(s) => Some(s),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Content<'de> {
    fn deserialize<D: Deserializer<'de>>(input: D) -> Result<Self, D::Error> {
        input.deserialize_any(ContentVisitor)
    }
}

struct ContentVisitor;

impl<'de> Visitor<'de> for ContentVisitor {
    type Value = Content<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Content<'de>, E> {
        Ok(Content::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Content<'de>, E> {
        Ok(Content::I64(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Content<'de>, E> {
        Ok(Content::U64(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Content<'de>, E> {
        Ok(Content::F64(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Content<'de>, E> {
        Ok(Content::Str(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Content<'de>, E> {
        Ok(Content::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Content<'de>, E> {
        Ok(Content::String(v))
    }
    fn visit_unit<E>(self) -> Result<Content<'de>, E> {
        Ok(Content::Null)
    }
    fn visit_none<E>(self) -> Result<Content<'de>, E> {
        Ok(Content::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, input: D) -> Result<Content<'de>, D::Error> {
        Content::deserialize(input)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Content<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Content::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Content<'de>, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Content::Map(entries))
    }
}

impl<'de, E: de::Error> IntoDeserializer<'de, E> for Content<'de> {
    type Deserializer = ContentDeserializer<'de, E>;

    fn into_deserializer(self) -> ContentDeserializer<'de, E> {
        ContentDeserializer {
            content: self,
            error: PhantomData,
        }
    }
}

/// Reads a [`Content`] back as the input it was read from would have been read.
struct ContentDeserializer<'de, E> {
    content: Content<'de>,
    error: PhantomData<E>,
}

impl<'de, E: de::Error> Deserializer<'de> for ContentDeserializer<'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.content {
            Content::Null => visitor.visit_unit(),
            Content::Bool(v) => visitor.visit_bool(v),
            Content::U64(v) => visitor.visit_u64(v),
            Content::I64(v) => visitor.visit_i64(v),
            Content::F64(v) => visitor.visit_f64(v),
            Content::Str(v) => visitor.visit_borrowed_str(v),
            Content::String(v) => visitor.visit_string(v),
            Content::Seq(items) => {
                let mut seq = SeqDeserializer::new(items.into_iter());
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Content::Map(entries) => {
                let mut map = MapDeserializer::new(entries.into_iter());
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.content {
            Content::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        match self.content {
            // A unit variant, written as its name.
            Content::Str(name) => visitor.visit_enum(BorrowedStrDeserializer::new(name)),
            Content::String(name) => visitor.visit_enum(name.into_deserializer()),
            // A variant with data, written as an object of one entry.
            Content::Map(entries) if entries.len() == 1 => visitor.visit_enum(
                de::value::MapAccessDeserializer::new(MapDeserializer::new(entries.into_iter())),
            ),
            _ => Err(de::Error::invalid_type(
                de::Unexpected::Other("a value that is not a string or an object of one entry"),
                &"an enum variant",
            )),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// Reads a [`Content`] as [`ContentDeserializer`] does, leaving it in place: what an
/// object read whole is decoded from, kept for `Unknown` if its variant does not fit.
#[cfg(or_unknown)]
struct ContentRefDeserializer<'a, 'de, E> {
    content: &'a Content<'de>,
    error: PhantomData<E>,
}

#[cfg(or_unknown)]
impl<'a, 'de, E> ContentRefDeserializer<'a, 'de, E> {
    fn new(content: &'a Content<'de>) -> Self {
        ContentRefDeserializer {
            content,
            error: PhantomData,
        }
    }
}

#[cfg(or_unknown)]
impl<'a, 'de, E: de::Error> IntoDeserializer<'de, E> for &'a Content<'de> {
    type Deserializer = ContentRefDeserializer<'a, 'de, E>;

    fn into_deserializer(self) -> ContentRefDeserializer<'a, 'de, E> {
        ContentRefDeserializer::new(self)
    }
}

#[cfg(or_unknown)]
impl<'de, E: de::Error> Deserializer<'de> for ContentRefDeserializer<'_, 'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.content {
            Content::Null => visitor.visit_unit(),
            Content::Bool(v) => visitor.visit_bool(*v),
            Content::U64(v) => visitor.visit_u64(*v),
            Content::I64(v) => visitor.visit_i64(*v),
            Content::F64(v) => visitor.visit_f64(*v),
            Content::Str(v) => visitor.visit_borrowed_str(v),
            Content::String(v) => visitor.visit_str(v),
            Content::Seq(items) => {
                let mut seq = SeqDeserializer::new(items.iter());
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Content::Map(entries) => {
                let mut map = MapDeserializer::new(entries.iter().map(|(k, v)| (k, v)));
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.content {
            Content::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        match self.content {
            // A unit variant, written as its name.
            Content::Str(name) => visitor.visit_enum(BorrowedStrDeserializer::new(name)),
            Content::String(name) => visitor.visit_enum(name.as_str().into_deserializer()),
            // A variant with data, written as an object of one entry.
            Content::Map(entries) if entries.len() == 1 => {
                visitor.visit_enum(de::value::MapAccessDeserializer::new(MapDeserializer::new(
                    entries.iter().map(|(k, v)| (k, v)),
                )))
            }
            _ => Err(de::Error::invalid_type(
                de::Unexpected::Other("a value that is not a string or an object of one entry"),
                &"an enum variant",
            )),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}
