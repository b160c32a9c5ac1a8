//! Structured outputs of the deterministic model: a JSON value built to fit a JSON Schema,
//! filled from the request (`key=value` pairs of the message, enum members it names, the
//! answer the model would have given as text).
//!
//! The schema subset understood is what structured outputs use: `type` (one or a list),
//! `properties`, `items` and `prefixItems`, `enum`, `const`, `anyOf` / `oneOf` / `allOf`,
//! local `$ref`s (`#/$defs/...`, `#/definitions/...`), `minItems` / `maxItems`,
//! `minLength` / `maxLength`, `minimum` / `maximum` (and their exclusive forms), and a few
//! string `format`s. Keywords it does not know (`pattern`, `multipleOf`, ...) are ignored.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::text;

/// How deep a schema may nest (a recursive `$ref` stops there with `null`).
const MAX_DEPTH: usize = 24;

/// What the request gives to fill a value with.
pub(crate) struct Hints<'a> {
    /// `key=value` pairs of the user's message, keys lowercased.
    pub pairs: HashMap<String, String>,
    /// The words of the user's message, lowercased.
    pub words: Vec<String>,
    /// The answer the model would give as plain text.
    pub answer: &'a str,
}

impl<'a> Hints<'a> {
    /// Hints from the user's message and the text answer.
    pub fn new(
        pairs: impl IntoIterator<Item = (String, String)>,
        user_text: &str,
        answer: &'a str,
    ) -> Self {
        Self {
            pairs: pairs
                .into_iter()
                .map(|(k, v)| (k.to_lowercase(), v))
                .collect(),
            words: text::words(user_text),
            answer,
        }
    }
}

/// A value fitting `schema` (a JSON Schema whose local `$ref`s point into `schema` itself).
pub(crate) fn fill(schema: &Value, hints: &Hints<'_>) -> Value {
    Filler {
        root: schema,
        hints,
    }
    .value(schema, None, 0, 0)
}

struct Filler<'s, 'h> {
    root: &'s Value,
    hints: &'h Hints<'h>,
}

impl<'s> Filler<'s, '_> {
    /// The value for `schema`; `key` is the property it fills, `nth` its place in an array.
    fn value(&self, schema: &'s Value, key: Option<&str>, nth: usize, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        let obj = match schema {
            Value::Bool(true) => return Value::String(self.hints.answer.to_string()),
            Value::Object(obj) => obj,
            _ => return Value::Null,
        };
        if let Some(target) = obj.get("$ref").and_then(Value::as_str) {
            return match resolve(self.root, target) {
                Some(s) => self.value(s, key, nth, depth + 1),
                None => Value::Null,
            };
        }
        if let Some(c) = obj.get("const") {
            return c.clone();
        }
        if let Some(members) = obj.get("enum").and_then(Value::as_array) {
            return self.pick(members, key);
        }
        for union in ["anyOf", "oneOf"] {
            if let Some(options) = obj.get(union).and_then(Value::as_array) {
                // The first option that is not `null`, else the first; deep down a recursive
                // schema, `null` when it is an option, so that the value ends.
                let deep = depth >= MAX_DEPTH / 2;
                let chosen = options
                    .iter()
                    .find(|o| is_null_type(o) == deep)
                    .or(options.first());
                if let Some(o) = chosen {
                    return self.value(o, key, nth, depth + 1);
                }
            }
        }
        if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
            return self.value(&merge_all(all, self.root), key, nth, depth + 1);
        }
        match self.kind(obj) {
            "object" => self.object(obj, depth),
            "array" => self.array(obj, key, depth),
            "string" => self.string(obj, key, nth),
            "integer" => self.number(obj, key, nth, true),
            "number" => self.number(obj, key, nth, false),
            "boolean" => Value::Bool(self.hint(key).is_some_and(|v| v == "true")),
            "null" => Value::Null,
            _ => Value::String(self.hints.answer.to_string()),
        }
    }

    /// The type a schema asks for: its `type` (the first that is not `null` of a list), or
    /// what its keywords imply.
    fn kind(&self, obj: &Map<String, Value>) -> &'static str {
        match obj.get("type") {
            Some(Value::String(t)) => leak_kind(t),
            Some(Value::Array(types)) => types
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .or_else(|| types.iter().find_map(Value::as_str))
                .map_or("null", leak_kind),
            _ if obj.contains_key("properties") => "object",
            _ if obj.contains_key("items") || obj.contains_key("prefixItems") => "array",
            _ => "any",
        }
    }

    fn object(&self, obj: &'s Map<String, Value>, depth: usize) -> Value {
        let mut out = Map::new();
        if let Some(Value::Object(props)) = obj.get("properties") {
            for (name, schema) in props {
                out.insert(name.clone(), self.value(schema, Some(name), 0, depth + 1));
            }
        }
        Value::Object(out)
    }

    fn array(&self, obj: &'s Map<String, Value>, key: Option<&str>, depth: usize) -> Value {
        let prefix: &[Value] = obj
            .get("prefixItems")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let min = count(obj, "minItems").unwrap_or(1).max(prefix.len());
        let n = match count(obj, "maxItems") {
            Some(max) => min.min(max),
            None => min,
        };
        let rest = obj.get("items").filter(|i| i.is_object() || i.is_boolean());
        (0..n)
            .map(|i| match prefix.get(i).or(rest) {
                Some(schema) => self.value(schema, key, i, depth + 1),
                None => Value::Null,
            })
            .collect()
    }

    fn string(&self, obj: &Map<String, Value>, key: Option<&str>, nth: usize) -> Value {
        let format = obj.get("format").and_then(Value::as_str);
        let mut s = match (self.hint(key), format) {
            (Some(v), _) => v.to_string(),
            (None, Some("date")) => "2025-01-01".into(),
            (None, Some("date-time")) => "2025-01-01T00:00:00Z".into(),
            (None, Some("time")) => "00:00:00Z".into(),
            (None, Some("email")) => "someone@example.com".into(),
            (None, Some("uri" | "url")) => "https://example.com/".into(),
            (None, Some("uuid")) => "00000000-0000-4000-8000-000000000000".into(),
            (None, _) => self.hints.answer.to_string(),
        };
        if nth > 0 {
            s.push_str(&format!(" ({})", nth + 1));
        }
        if let Some(max) = count(obj, "maxLength") {
            s = s.chars().take(max).collect();
        }
        if let Some(min) = count(obj, "minLength") {
            while s.chars().count() < min {
                s.push('.');
            }
        }
        Value::String(s)
    }

    fn number(
        &self,
        obj: &Map<String, Value>,
        key: Option<&str>,
        nth: usize,
        integer: bool,
    ) -> Value {
        let bound = |k: &str| obj.get(k).and_then(Value::as_f64);
        let given = self.hint(key).and_then(|v| v.parse::<f64>().ok());
        let mut x = given.unwrap_or(0.0) + nth as f64;
        let step = if integer { 1.0 } else { 0.5 };
        if let Some(lo) = bound("minimum") {
            x = x.max(lo);
        }
        if let Some(lo) = bound("exclusiveMinimum") {
            if x <= lo {
                x = lo + step;
            }
        }
        if let Some(hi) = bound("maximum") {
            x = x.min(hi);
        }
        if let Some(hi) = bound("exclusiveMaximum") {
            if x >= hi {
                x = hi - step;
            }
        }
        if integer {
            let mut n = x.round() as i64;
            if bound("minimum").is_some_and(|lo| (n as f64) < lo)
                || bound("exclusiveMinimum").is_some_and(|lo| (n as f64) <= lo)
            {
                n += 1;
            }
            return Value::from(n);
        }
        serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
    }

    /// The member of `members` the message names (a `key=value` pair for the property, or
    /// the member as a word of the message), else the first.
    fn pick(&self, members: &[Value], key: Option<&str>) -> Value {
        let as_text = |m: &Value| match m {
            Value::String(s) => s.to_lowercase(),
            other => other.to_string(),
        };
        if let Some(given) = self.hint(key) {
            if let Some(m) = members.iter().find(|m| as_text(m) == given.to_lowercase()) {
                return m.clone();
            }
        }
        members
            .iter()
            .find(|m| {
                let words = text::words(&as_text(m));
                !words.is_empty() && self.hints.words.windows(words.len()).any(|w| w == words)
            })
            .or(members.first())
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn hint(&self, key: Option<&str>) -> Option<&str> {
        self.hints
            .pairs
            .get(&key?.to_lowercase())
            .map(String::as_str)
    }
}

/// The known type names, as `'static` strings (any other counts as "any").
fn leak_kind(t: &str) -> &'static str {
    match t {
        "object" => "object",
        "array" => "array",
        "string" => "string",
        "integer" => "integer",
        "number" => "number",
        "boolean" => "boolean",
        "null" => "null",
        _ => "any",
    }
}

fn is_null_type(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

/// A non-negative integer keyword.
fn count(obj: &Map<String, Value>, key: &str) -> Option<usize> {
    obj.get(key)
        .and_then(Value::as_u64)
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX).min(64))
}

/// The schemas of an `allOf` merged into one (their properties and keywords together).
fn merge_all(all: &[Value], root: &Value) -> Value {
    let mut out = Map::new();
    let mut props = Map::new();
    for s in all {
        let s = match s.get("$ref").and_then(Value::as_str) {
            Some(r) => resolve(root, r).unwrap_or(s),
            None => s,
        };
        let Some(obj) = s.as_object() else { continue };
        for (k, v) in obj {
            if k == "properties" {
                if let Some(p) = v.as_object() {
                    props.extend(p.clone());
                }
            } else {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    if !props.is_empty() {
        out.insert("properties".into(), Value::Object(props));
    }
    Value::Object(out)
}

/// The schema a local `$ref` (`#`, `#/$defs/Name`, any JSON pointer) points at.
fn resolve<'s>(root: &'s Value, target: &str) -> Option<&'s Value> {
    let pointer = target.strip_prefix('#')?;
    if pointer.is_empty() {
        return Some(root);
    }
    root.pointer(pointer)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// Checks `value` against the subset of JSON Schema `fill` understands; `Err` says where
    /// it does not fit.
    pub(crate) fn validate(schema: &Value, value: &Value) -> Result<(), String> {
        check(schema, schema, value, "$", 0)
    }

    fn check(
        root: &Value,
        schema: &Value,
        v: &Value,
        at: &str,
        depth: usize,
    ) -> Result<(), String> {
        if depth > MAX_DEPTH + 2 {
            return Ok(());
        }
        let Some(obj) = schema.as_object() else {
            return if schema == &Value::Bool(false) {
                Err(format!("{at}: nothing is allowed"))
            } else {
                Ok(())
            };
        };
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            let target = resolve(root, r).ok_or(format!("{at}: bad $ref {r}"))?;
            return check(root, target, v, at, depth + 1);
        }
        if let Some(c) = obj.get("const") {
            if c != v {
                return Err(format!("{at}: not the const {c}"));
            }
        }
        if let Some(e) = obj.get("enum").and_then(Value::as_array) {
            if !e.contains(v) {
                return Err(format!("{at}: {v} is not in the enum"));
            }
        }
        for union in ["anyOf", "oneOf"] {
            if let Some(options) = obj.get(union).and_then(Value::as_array) {
                if !options
                    .iter()
                    .any(|o| check(root, o, v, at, depth + 1).is_ok())
                {
                    return Err(format!("{at}: matches no option of {union}"));
                }
            }
        }
        if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
            for s in all {
                check(root, s, v, at, depth + 1)?;
            }
        }
        let types: Vec<&str> = match obj.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let is = |t: &str| match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => true,
        };
        if !types.is_empty() && !types.iter().any(|t| is(t)) {
            return Err(format!("{at}: {v} is not of type {types:?}"));
        }
        match v {
            Value::Object(map) => {
                let props = obj.get("properties").and_then(Value::as_object);
                for r in obj
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let r = r.as_str().unwrap_or_default();
                    if !map.contains_key(r) {
                        return Err(format!("{at}: missing {r}"));
                    }
                }
                for (k, x) in map {
                    match props.and_then(|p| p.get(k)) {
                        Some(s) => check(root, s, x, &format!("{at}.{k}"), depth + 1)?,
                        None if obj.get("additionalProperties") == Some(&Value::Bool(false)) => {
                            return Err(format!("{at}: unexpected {k}"))
                        }
                        None => {}
                    }
                }
            }
            Value::Array(items) => {
                if count(obj, "minItems").is_some_and(|m| items.len() < m) {
                    return Err(format!("{at}: too few items"));
                }
                if count(obj, "maxItems").is_some_and(|m| items.len() > m) {
                    return Err(format!("{at}: too many items"));
                }
                let prefix = obj.get("prefixItems").and_then(Value::as_array);
                for (i, x) in items.iter().enumerate() {
                    let s = prefix.and_then(|p| p.get(i)).or(obj.get("items"));
                    if let Some(s) = s {
                        check(root, s, x, &format!("{at}[{i}]"), depth + 1)?;
                    }
                }
            }
            Value::String(s) => {
                let n = s.chars().count();
                if count(obj, "minLength").is_some_and(|m| n < m)
                    || count(obj, "maxLength").is_some_and(|m| n > m)
                {
                    return Err(format!("{at}: bad length"));
                }
            }
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or_default();
                let b = |k: &str| obj.get(k).and_then(Value::as_f64);
                if b("minimum").is_some_and(|lo| x < lo)
                    || b("maximum").is_some_and(|hi| x > hi)
                    || b("exclusiveMinimum").is_some_and(|lo| x <= lo)
                    || b("exclusiveMaximum").is_some_and(|hi| x >= hi)
                {
                    return Err(format!("{at}: {x} out of range"));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn hints<'a>(user: &str, answer: &'a str) -> Hints<'a> {
        let pairs = user
            .split_whitespace()
            .filter_map(|w| w.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()));
        Hints::new(pairs, user, answer)
    }

    #[test]
    fn fills_objects_from_the_message() {
        let schema = json!({
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer", "minimum": 1},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "summary": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
                "metric": {"type": ["boolean", "null"]}
            },
            "required": ["city", "days", "unit", "summary", "tags", "metric"],
            "additionalProperties": false
        });
        let v = fill(
            &schema,
            &hints("weather city=Oslo days=3 in Fahrenheit please", "Cold."),
        );
        assert_eq!(
            v,
            json!({"city": "Oslo", "days": 3, "unit": "fahrenheit", "summary": "Cold.",
                   "tags": ["Cold.", "Cold. (2)"], "metric": false})
        );
        validate(&schema, &v).unwrap();
    }

    #[test]
    fn every_value_fits_its_schema() {
        let schemas = [
            json!({"type": "string", "minLength": 40, "maxLength": 50}),
            json!({"type": "number", "exclusiveMinimum": 2.5, "maximum": 9}),
            json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 2}),
            json!({"type": "array", "maxItems": 0, "items": {"type": "string"}}),
            json!({"type": "array", "prefixItems": [{"const": 1}, {"type": "boolean"}]}),
            json!({"anyOf": [{"type": "null"}, {"type": "object", "properties": {"a": {"type": "string", "format": "date"}}, "required": ["a"]}]}),
            json!({"$defs": {"step": {"type": "object", "properties": {"n": {"type": "integer"}, "next": {"anyOf": [{"$ref": "#/$defs/step"}, {"type": "null"}]}}, "required": ["n", "next"]}},
                   "$ref": "#/$defs/step"}),
            json!({"allOf": [{"type": "object", "properties": {"x": {"type": "integer"}}}, {"properties": {"y": {"enum": ["a", "b"]}}, "required": ["x", "y"]}]}),
            json!({"type": "object", "properties": {"when": {"type": "string", "format": "date-time"}, "kind": {"const": "event"}}}),
            json!(true),
        ];
        for schema in schemas {
            let v = fill(&schema, &hints("x=4 b", "An answer."));
            validate(&schema, &v).unwrap_or_else(|e| panic!("{schema}: {v}: {e}"));
        }
    }

    #[test]
    fn the_validator_refuses_what_does_not_fit() {
        let schema = json!({"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"], "additionalProperties": false});
        assert!(validate(&schema, &json!({"a": 1})).is_ok());
        assert!(validate(&schema, &json!({"a": "1"})).is_err());
        assert!(validate(&schema, &json!({})).is_err());
        assert!(validate(&schema, &json!({"a": 1, "b": 2})).is_err());
    }
}
