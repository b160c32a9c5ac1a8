//! `Patch<T>`: a field of a modify request that can be left as it is, cleared, or set.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A nullable field of a modify request (`AssistantModifyRequest`, `ThreadModifyRequest`,
/// `VectorStoreModifyRequest`, ...): [`Keep`](Patch::Keep) leaves the field out, so the server
/// keeps its value; [`Clear`](Patch::Clear) sends `null`, which removes it;
/// [`Set`](Patch::Set) sends a new value.
///
/// ```
/// use openai_blocking::{AssistantModifyRequest, Patch};
///
/// let request = AssistantModifyRequest {
///     name: Patch::Set("Support".into()),
///     description: Patch::Clear,
///     ..Default::default()
/// };
/// assert_eq!(
///     serde_json::to_string(&request).unwrap(),
///     r#"{"description":null,"name":"Support"}"#
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Patch<T> {
    /// Not sent: the field keeps its value on the server.
    #[default]
    Keep,
    /// Sent as `null`: the field is removed.
    Clear,
    /// Sent as this value.
    Set(T),
}

impl<T> Patch<T> {
    /// Whether the field is left out of the request.
    pub fn is_keep(&self) -> bool {
        matches!(self, Patch::Keep)
    }

    /// The value to set, if any.
    pub fn as_set(&self) -> Option<&T> {
        match self {
            Patch::Set(value) => Some(value),
            _ => None,
        }
    }

    /// Applies the change to a current value: `Keep` leaves it, `Clear` empties it, `Set`
    /// replaces it.
    pub fn apply_to(self, current: &mut Option<T>) {
        match self {
            Patch::Keep => {}
            Patch::Clear => *current = None,
            Patch::Set(value) => *current = Some(value),
        }
    }
}

impl<T> From<T> for Patch<T> {
    fn from(value: T) -> Self {
        Patch::Set(value)
    }
}

impl<T> From<Option<T>> for Patch<T> {
    /// `Some` sets, `None` clears.
    fn from(value: Option<T>) -> Self {
        match value {
            Some(value) => Patch::Set(value),
            None => Patch::Clear,
        }
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Set(value) => value.serialize(serializer),
            // `Keep` is skipped by the field's attribute; alone, it is as good as `null`.
            Patch::Keep | Patch::Clear => serializer.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    /// `null` is `Clear`, a value is `Set`; an absent field is `Keep` (its default).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(deserializer)?.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
    struct Modify {
        #[serde(default, skip_serializing_if = "Patch::is_keep")]
        name: Patch<String>,
    }

    #[test]
    fn keep_clear_and_set_round_trip() {
        for (patch, json) in [
            (Patch::Keep, "{}"),
            (Patch::Clear, r#"{"name":null}"#),
            (Patch::Set("x".to_string()), r#"{"name":"x"}"#),
        ] {
            let modify = Modify { name: patch };
            assert_eq!(serde_json::to_string(&modify).unwrap(), json);
            assert_eq!(serde_json::from_str::<Modify>(json).unwrap(), modify);
        }
        let mut current = Some("old".to_string());
        Patch::Keep.apply_to(&mut current);
        assert_eq!(current.as_deref(), Some("old"));
        Patch::Set("new".to_string()).apply_to(&mut current);
        assert_eq!(current.as_deref(), Some("new"));
        Patch::Clear.apply_to(&mut current);
        assert_eq!(current, None);
    }
}
