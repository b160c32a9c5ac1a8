//! Decoding of the untagged unions whose variants each take a different kind of JSON value
//! (a string or an object, a string or a list, ...), for the `Deserialize` impls `build.rs`
//! generates (`build/kind_dispatch.rs`).
//!
//! serde's derive for an untagged enum reads the value into a buffer, then tries each variant
//! on it in turn, building an error for each that does not fit. Here the input says what kind
//! the value is (the deserializer's `visit_*` call), which picks the one variant that takes
//! that kind, decoded straight from the input. A kind no variant takes is an error that says
//! which kinds the union takes.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{
    BoolDeserializer, BorrowedStrDeserializer, F64Deserializer, I64Deserializer,
    MapAccessDeserializer, SeqAccessDeserializer, StrDeserializer, StringDeserializer,
    U64Deserializer, UnitDeserializer,
};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};

// The kinds of JSON value, as the bits of `ByKind::KINDS`.
const NULL: u8 = 1;
const BOOL: u8 = 2;
const NUMBER: u8 = 4;
const STRING: u8 = 8;
const ARRAY: u8 = 16;
const OBJECT: u8 = 32;

/// An untagged union whose variants take disjoint kinds of value. Implemented by `build.rs`:
/// one method for each kind in `KINDS`, which decodes the variant of that kind.
pub(crate) trait ByKind: Sized {
    /// The kinds of value the union takes (the bits above).
    const KINDS: u8;

    fn null<'de, D: Deserializer<'de>>(input: D) -> Result<Self, D::Error> {
        Err(not_taken(input))
    }
    fn bool<'de, D: Deserializer<'de>>(input: D) -> Result<Self, D::Error> {
        Err(not_taken(input))
    }
    fn number<'de, D: Deserializer<'de>>(input: D) -> Result<Self, D::Error> {
        Err(not_taken(input))
    }
    fn string<'de, D: Deserializer<'de>>(input: D) -> Result<Self, D::Error> {
        Err(not_taken(input))
    }
    fn array<'de, D: Deserializer<'de>>(input: D) -> Result<Self, D::Error> {
        Err(not_taken(input))
    }
    fn object<'de, D: Deserializer<'de>>(input: D) -> Result<Self, D::Error> {
        Err(not_taken(input))
    }
}

/// The error of a method called for a kind the union does not take (the visitor checks
/// `KINDS` first, so it is never returned).
fn not_taken<'de, D: Deserializer<'de>>(_input: D) -> D::Error {
    de::Error::custom("a kind of value this union does not take")
}

/// Decodes `T` by the kind of the value; see the module docs.
pub(crate) fn deserialize<'de, T: ByKind, D: Deserializer<'de>>(input: D) -> Result<T, D::Error> {
    input.deserialize_any(Kind(PhantomData))
}

struct Kind<T>(PhantomData<T>);

impl<T: ByKind> Kind<T> {
    /// Whether the union takes `kind`; if not, the error naming what it got and what it takes.
    fn takes<E: de::Error>(&self, kind: u8, got: Unexpected) -> Result<(), E> {
        if T::KINDS & kind != 0 {
            Ok(())
        } else {
            Err(E::invalid_type(got, self))
        }
    }
}

impl<'de, T: ByKind> Visitor<'de> for Kind<T> {
    type Value = T;

    /// "a string or an object", "a string, a number or a boolean", ...
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let names = [
            (STRING, "a string"),
            (NUMBER, "a number"),
            (BOOL, "a boolean"),
            (ARRAY, "an array"),
            (OBJECT, "an object"),
            (NULL, "null"),
        ];
        let taken: Vec<&str> = names
            .iter()
            .filter(|(bit, _)| T::KINDS & bit != 0)
            .map(|(_, name)| *name)
            .collect();
        match taken.split_last() {
            Some((last, [])) => f.write_str(last),
            Some((last, rest)) => write!(f, "{} or {last}", rest.join(", ")),
            None => f.write_str("nothing"),
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        self.takes(NULL, Unexpected::Unit)?;
        T::null(UnitDeserializer::new())
    }
    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, input: D) -> Result<T, D::Error> {
        input.deserialize_any(self)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, input: D) -> Result<T, D::Error> {
        input.deserialize_any(self)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        self.takes(BOOL, Unexpected::Bool(v))?;
        T::bool(BoolDeserializer::new(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        self.takes(NUMBER, Unexpected::Signed(v))?;
        T::number(I64Deserializer::new(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        self.takes(NUMBER, Unexpected::Unsigned(v))?;
        T::number(U64Deserializer::new(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        self.takes(NUMBER, Unexpected::Float(v))?;
        T::number(F64Deserializer::new(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<T, E> {
        self.takes(STRING, Unexpected::Str(v))?;
        T::string(BorrowedStrDeserializer::new(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        self.takes(STRING, Unexpected::Str(v))?;
        T::string(StrDeserializer::new(v))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        self.takes(STRING, Unexpected::Str(&v))?;
        T::string(StringDeserializer::new(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, items: A) -> Result<T, A::Error> {
        self.takes(ARRAY, Unexpected::Seq)?;
        T::array(SeqAccessDeserializer::new(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, entries: A) -> Result<T, A::Error> {
        self.takes(OBJECT, Unexpected::Map)?;
        T::object(MapAccessDeserializer::new(entries))
    }
}
