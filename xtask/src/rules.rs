//! The rewrites that turn OpenAPI component schemas into a JSON Schema typify 0.8 turns into
//! correct, forward-compatible Rust. Each is a plain `serde_json::Value` rewrite; the reasons are
//! in `../shared/design/codegen-notes.md` §2 (rule numbers in parentheses).

use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

pub type Defs = BTreeMap<String, Value>;

const SCHEMA_PREFIX: &str = "#/components/schemas/";
const DEF_PREFIX: &str = "#/definitions/";

/// Keys typify ignores or chokes on, prose, and validation keywords (the server validates; a
/// client that rejects a long server string on decode is broken). [2, 3, 4, 6]
const DROP_KEYS: &[&str] = &[
    "description",
    "title",
    "default",
    "example",
    "examples",
    "discriminator",
    "deprecated",
    "propertyNames",
    "maxProperties",
    "minProperties",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "format",
];

pub fn null_schema() -> Value {
    json!({ "type": "null" })
}

pub fn is_null(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|o| o.len() == 1 && o.get("type") == Some(&json!("null")))
}

/// `{"$ref": "#/definitions/X"}` (optionally with a description) -> `X`.
pub fn ref_name(v: &Value) -> Option<&str> {
    let o = v.as_object()?;
    if o.keys().any(|k| k != "$ref" && k != "description") {
        return None;
    }
    let r = o.get("$ref")?.as_str()?;
    Some(r.rsplit('/').next().unwrap_or(r))
}

pub fn def_ref(name: &str) -> Value {
    json!({ "$ref": format!("{DEF_PREFIX}{name}") })
}

pub fn pascal(s: &str) -> String {
    s.split(['_', '.', '-', '[', ']'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// Collect every `$ref` target name under `v`.
pub fn refs(v: &Value, acc: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                match (k.as_str(), x) {
                    ("$ref", Value::String(r)) => {
                        acc.insert(r.rsplit('/').next().unwrap_or(r).to_string());
                    }
                    _ => refs(x, acc),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, acc)),
        _ => {}
    }
}

/// Post-order rewrite of every object under `v`.
pub fn walk_mut(v: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    match v {
        Value::Object(o) => {
            for x in o.values_mut() {
                walk_mut(x, f);
            }
            f(o);
        }
        Value::Array(a) => a.iter_mut().for_each(|x| walk_mut(x, f)),
        _ => {}
    }
}

/// Rename `$ref` targets everywhere under `v`.
pub fn rewrite_refs(v: &mut Value, map: &dyn Fn(&str) -> Option<String>) {
    walk_mut(v, &mut |o| {
        if let Some(Value::String(r)) = o.get("$ref") {
            let name = r.rsplit('/').next().unwrap_or(r).to_string();
            let new = map(&name).unwrap_or(name);
            o.insert("$ref".into(), json!(format!("{DEF_PREFIX}{new}")));
        }
    });
}

/// `anyOf [inner, null]`; a pure `anyOf` just gains the null alternative.
fn make_nullable(inner: Value) -> Value {
    if let Some(o) = inner.as_object() {
        if o.len() == 1 {
            if let Some(Value::Array(alts)) = o.get("anyOf") {
                let mut alts = alts.clone();
                if !alts.iter().any(is_null) {
                    alts.push(null_schema());
                }
                return json!({ "anyOf": alts });
            }
        }
    }
    json!({ "anyOf": [inner, null_schema()] })
}

/// Per-schema normalisation [1–7, 10]. Property names are data, not schema keywords.
pub fn norm(v: &Value) -> Value {
    let o = match v {
        Value::Array(a) => return Value::Array(a.iter().map(norm).collect()),
        Value::Object(o) => o,
        other => return other.clone(),
    };
    let mut o: Map<String, Value> = o
        .iter()
        .filter(|(k, _)| !DROP_KEYS.contains(&k.as_str()) && !k.starts_with("x-"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    // `additionalProperties: false` becomes deny_unknown_fields and breaks forward compat. [5]
    if o.get("additionalProperties") == Some(&Value::Bool(false)) {
        o.remove("additionalProperties");
    }
    // A `$ref` with siblings (`type`, `title`, ...) is the reference alone, as JSON Schema
    // draft 7 reads it; typify insists the siblings agree with the target. (rule 19)
    if o.contains_key("$ref") {
        o.retain(|k, _| k == "$ref" || k == "nullable");
    }
    // `type: object` beside oneOf/anyOf without properties: the alternatives carry the shape. [10]
    if (o.contains_key("oneOf") || o.contains_key("anyOf"))
        && o.get("type") == Some(&json!("object"))
        && !o.contains_key("properties")
    {
        o.remove("type");
    }
    // allOf [X, {nullable: true}] -> anyOf [X, null]. [7]
    if let Some(Value::Array(alts)) = o.get("allOf") {
        let is_flag = |a: &Value| {
            a.as_object().is_some_and(|m| {
                m.keys()
                    .all(|k| k == "nullable" || k == "description" || k == "title")
            })
        };
        let rest: Vec<&Value> = alts.iter().filter(|a| !is_flag(a)).collect();
        if rest.len() == 1 && rest.len() != alts.len() {
            return make_nullable(norm(rest[0]));
        }
    }
    let nullable = o.remove("nullable") == Some(Value::Bool(true));
    let mut out = Map::new();
    for (k, v) in o {
        let v = match k.as_str() {
            "$ref" => {
                let r = v.as_str().unwrap_or_default();
                json!(format!(
                    "{DEF_PREFIX}{}",
                    r.strip_prefix(SCHEMA_PREFIX).unwrap_or(r)
                ))
            }
            "properties" => Value::Object(
                v.as_object()
                    .map(|p| p.iter().map(|(pk, pv)| (pk.clone(), norm(pv))).collect())
                    .unwrap_or_default(),
            ),
            "items" | "additionalProperties" | "not" | "oneOf" | "anyOf" | "allOf" => norm(&v),
            _ => v,
        };
        out.insert(k, v);
    }
    let mut out = Value::Object(out);
    if nullable {
        // A single-alternative oneOf is just that alternative.
        if let Some(Value::Array(alts)) = out.get("oneOf") {
            if alts.len() == 1 && out.as_object().is_some_and(|m| m.len() == 1) {
                out = alts[0].clone();
            }
        }
        out = make_nullable(out);
    }
    out
}

fn pure_union(d: &Value) -> Option<(&'static str, &Vec<Value>)> {
    let o = d.as_object()?;
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(alts)) = o.get(key) {
            if o.keys().all(|k| k == key || k == "description") {
                return Some((key, alts));
            }
        }
    }
    None
}

/// `D = anyOf[inline, null]` becomes `D = inline` and each use becomes `anyOf[$ref D, null]`:
/// typify would otherwise emit `D` twice (E0072/E0119), and `Option<D>` reads better. (rule 8)
pub fn hoist_nullable_definitions(defs: &mut Defs) {
    let mut nullable = BTreeSet::new();
    for (name, d) in defs.iter_mut() {
        let Some((_, alts)) = pure_union(d) else {
            continue;
        };
        let nn: Vec<&Value> = alts.iter().filter(|a| !is_null(a)).collect();
        if nn.len() == 1 && alts.len() == 2 {
            *d = nn[0].clone();
            nullable.insert(name.clone());
        }
    }
    fn fix(v: &mut Value, nullable: &BTreeSet<String>, in_nullable_list: bool) {
        match v {
            Value::Array(a) => {
                let has_null = a.iter().any(is_null);
                a.iter_mut().for_each(|x| fix(x, nullable, has_null));
            }
            Value::Object(_) => {
                if let Some(r) = ref_name(v) {
                    if nullable.contains(r) && !in_nullable_list {
                        *v = json!({ "anyOf": [def_ref(r), null_schema()] });
                    }
                    return;
                }
                if let Value::Object(o) = v {
                    o.values_mut().for_each(|x| fix(x, nullable, false));
                }
            }
            _ => {}
        }
    }
    for d in defs.values_mut() {
        fix(d, &nullable, false);
    }
}

fn is_string_like(a: &Value, defs: &Defs) -> bool {
    let a = ref_name(a).and_then(|r| defs.get(r)).unwrap_or(a);
    a.as_object().is_some_and(|o| {
        let string_enum = o
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| e.iter().all(Value::is_string));
        (o.get("type") == Some(&json!("string")) || (string_enum && !o.contains_key("type")))
            && o.keys()
                .all(|k| matches!(k.as_str(), "type" | "enum" | "description"))
    })
}

/// A string schema without an enum (inline, or a definition that is one): any value goes.
fn is_open_string(a: &Value, defs: &Defs) -> bool {
    let a = ref_name(a).and_then(|r| defs.get(r)).unwrap_or(a);
    a.get("type") == Some(&json!("string")) && a.get("enum").is_none()
}

/// `anyOf [string, string-enum | $ref string-enum]` becomes an open `string` whose doc lists the
/// known values: typify would emit a broken flattened-`String` struct (model ids). (rule 9)
pub fn collapse_open_strings(defs: &mut Defs) {
    // Unions of unions of strings (model ids) collapse from the inside out.
    for _ in 0..4 {
        let before = defs.clone();
        collapse_open_strings_once(defs);
        if *defs == before {
            break;
        }
    }
}

fn collapse_open_strings_once(defs: &mut Defs) {
    let snapshot = defs.clone();
    for d in defs.values_mut() {
        walk_mut(d, &mut |o| {
            for key in ["anyOf", "oneOf"] {
                let Some(Value::Array(alts)) = o.get(key) else {
                    continue;
                };
                let nn: Vec<&Value> = alts.iter().filter(|a| !is_null(a)).collect();
                let open = nn.iter().any(|a| is_open_string(a, &snapshot));
                if nn.len() < 2 || !open || !nn.iter().all(|a| is_string_like(a, &snapshot)) {
                    continue;
                }
                let mut known = Vec::new();
                for a in &nn {
                    let s = ref_name(a).and_then(|r| snapshot.get(r)).unwrap_or(a);
                    if let Some(Value::Array(e)) = s.get("enum") {
                        known.extend(e.iter().filter_map(Value::as_str).map(|v| format!("`{v}`")));
                    }
                }
                let has_null = nn.len() != alts.len();
                o.remove(key);
                if has_null {
                    o.insert("anyOf".into(), json!([{ "type": "string" }, null_schema()]));
                } else {
                    o.insert("type".into(), json!("string"));
                }
                if !known.is_empty() {
                    o.insert(
                        "description".into(),
                        json!(format!("Known values: {}.", known.join(", "))),
                    );
                }
            }
        });
    }
}

/// `oneOf [$ref A, $ref B]` where A and B are unions themselves: splice into one flat union
/// (one `#[serde(tag = "event")]` enum for the stream events). (rule 15)
pub fn flatten_nested_unions(defs: &mut Defs) {
    let snapshot = defs.clone();
    for d in defs.values_mut() {
        let Some((_, alts)) = pure_union(d) else {
            continue;
        };
        if !alts.iter().all(|a| ref_name(a).is_some()) {
            continue;
        }
        let inner = |a: &Value| {
            ref_name(a)
                .and_then(|r| snapshot.get(r))
                .and_then(pure_union)
        };
        if !alts.iter().any(|a| inner(a).is_some()) {
            continue;
        }
        let mut flat = Vec::new();
        for a in alts {
            match inner(a) {
                Some((_, i)) => flat.extend(i.iter().cloned()),
                None => flat.push(a.clone()),
            }
        }
        *d = json!({ "oneOf": flat });
    }
}

/// Required single-value enum properties of an object schema: its tag candidates.
pub fn tag_of(s: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    if s.get("type") != Some(&json!("object")) {
        return out;
    }
    let required: BTreeSet<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(Value::Object(props)) = s.get("properties") {
        for (pk, pv) in props {
            if let Some(Value::Array(e)) = pv.get("enum") {
                // A tag with several spellings (`web_search`, `web_search_2025_08_26`) is known
                // by its first; the others decode as the union's `Unknown`. (rule 20)
                // Dated spellings of one name (`web_search`, `web_search_2025_08_26`), not
                // distinct values (`eq`, `ne`, ...).
                let versions = pk == "type"
                    && e.first().and_then(Value::as_str).is_some_and(|first| {
                        e.iter()
                            .filter_map(Value::as_str)
                            .all(|v| v.starts_with(first))
                    });
                let tag_like = e.len() == 1 || versions;
                if tag_like && required.contains(pk.as_str()) {
                    out.insert(pk.clone(), e[0].clone());
                }
            }
        }
    }
    out
}

/// The property that tags the union of `names` (required, one value per variant, distinct).
fn common_tag(names: &BTreeSet<String>, defs: &Defs) -> Option<String> {
    let tags: Vec<_> = names
        .iter()
        .filter_map(|n| defs.get(n))
        .map(tag_of)
        .collect();
    let first = tags.first()?;
    first
        .keys()
        .filter(|k| tags.iter().all(|t| t.contains_key(*k)))
        .find(|k| {
            let vals: BTreeSet<String> = tags.iter().map(|t| t[*k].to_string()).collect();
            vals.len() == tags.len()
        })
        .cloned()
}

/// The `$ref` alternatives that form a tagged union (a common tag with distinct values).
fn tagged_refs(alts: &[Value], defs: &Defs) -> Option<Vec<String>> {
    let names: Vec<String> = alts
        .iter()
        .filter_map(ref_name)
        .map(str::to_string)
        .collect();
    if names.len() < 2 || names.iter().any(|n| !defs.contains_key(n)) {
        return None;
    }
    let tags: Vec<_> = names.iter().map(|n| tag_of(&defs[n])).collect();
    let common: BTreeSet<&String> = tags[0]
        .keys()
        .filter(|k| tags.iter().all(|t| t.contains_key(*k)))
        .collect();
    for prop in common {
        let vals: BTreeSet<String> = tags.iter().map(|t| t[prop].to_string()).collect();
        if vals.len() == tags.len() {
            return Some(names);
        }
    }
    None
}

fn union_key(names: &[String]) -> BTreeSet<String> {
    names.iter().cloned().collect()
}

fn is_complex(s: &Value) -> bool {
    s.as_object().is_some_and(|o| {
        ["properties", "enum", "oneOf", "anyOf", "allOf"]
            .iter()
            .any(|k| o.contains_key(*k))
            || o.get("additionalProperties").is_some_and(Value::is_object)
    })
}

struct Inliner<'a> {
    defs: &'a Defs,
    union_names: &'a BTreeMap<BTreeSet<String>, String>,
    def_level: BTreeMap<BTreeSet<String>, String>,
    new_defs: Defs,
    warnings: Vec<String>,
    /// `(variant definition, property, new definition)` of each field type hoisted out of a
    /// variant copy: the variant's own definition points at the new one too, or typify would
    /// name its inline copy the same and emit the type twice.
    hoisted: BTreeSet<(String, String, String)>,
}

impl Inliner<'_> {
    /// Copies of the variant schemas in place of their `$ref`s.
    fn inline(&mut self, names: &BTreeSet<String>, alts: &[Value]) -> Result<Vec<Value>, String> {
        let tag = common_tag(names, self.defs);
        let mut out = Vec::new();
        for a in alts {
            match ref_name(a).filter(|r| names.contains(*r)) {
                Some(r) => {
                    let mut v = self.defs[r].clone();
                    if let Some(Value::Array(values)) = tag
                        .as_ref()
                        .and_then(|t| v.pointer_mut(&format!("/properties/{t}/enum")))
                    {
                        values.truncate(1);
                    }
                    self.hoist_variant_props(r, &mut v)?;
                    out.push(v);
                }
                None => out.push(a.clone()),
            }
        }
        Ok(out)
    }

    /// typify names every variant's field type `<Enum><Prop>` and silently reuses the first type
    /// of a name, so give each complex field type its own definition `<Variant><Prop>`. (rule 13)
    fn hoist_variant_props(&mut self, variant: &str, v: &mut Value) -> Result<(), String> {
        let tags = tag_of(v);
        if let Some(Value::Object(props)) = v.get_mut("properties") {
            for (pk, pv) in props.iter_mut() {
                if !tags.contains_key(pk) {
                    let name = format!("{variant}{}", pascal(pk));
                    let hoisted = self.hoist_complex(pv.clone(), &name)?;
                    if hoisted != *pv {
                        self.hoisted
                            .insert((variant.to_string(), pk.clone(), name.clone()));
                    }
                    *pv = hoisted;
                }
            }
        }
        Ok(())
    }

    fn hoist_complex(&mut self, s: Value, name: &str) -> Result<Value, String> {
        if !s.is_object() || ref_name(&s).is_some() {
            return Ok(s);
        }
        if let Some((key, alts)) = pure_union(&s) {
            if alts.len() == 2 && alts.iter().any(is_null) {
                let mut new = Vec::new();
                for a in alts.clone() {
                    new.push(if is_null(&a) {
                        a
                    } else {
                        self.hoist_complex(a, name)?
                    });
                }
                return Ok(json!({ key: new }));
            }
        }
        if s.get("type") == Some(&json!("array")) {
            if let Some(items) = s.get("items").filter(|i| i.is_object()) {
                let items = self.hoist_complex(items.clone(), &format!("{name}Item"))?;
                let mut s = s.clone();
                s["items"] = items;
                return Ok(s);
            }
        }
        if !is_complex(&s) {
            return Ok(s);
        }
        if let Some(existing) = self.defs.get(name).or(self.new_defs.get(name)) {
            if existing != &s {
                return Err(format!(
                    "two different schemas would both be named `{name}`"
                ));
            }
        }
        self.new_defs.insert(name.to_string(), s);
        Ok(def_ref(name))
    }

    /// Rewrite one object: a tagged union of `$ref`s becomes a `$ref` to its named definition.
    fn site(&mut self, o: &mut Map<String, Value>) -> Result<(), String> {
        for key in ["oneOf", "anyOf"] {
            let Some(Value::Array(alts)) = o.get(key) else {
                continue;
            };
            let alts = alts.clone();
            let Some(names) = tagged_refs(&alts, self.defs) else {
                continue;
            };
            let set = union_key(&names);
            let target = self
                .def_level
                .get(&set)
                .or_else(|| self.union_names.get(&set))
                .cloned();
            let Some(target) = target else {
                self.warnings
                    .push(format!("unnamed tagged union {names:?} inlined in place"));
                let inlined = self.inline(&set, &alts)?;
                o.insert(key.into(), Value::Array(inlined));
                return Ok(());
            };
            if !self.defs.contains_key(&target) && !self.new_defs.contains_key(&target) {
                let refs: Vec<Value> = names.iter().map(|n| def_ref(n)).collect();
                let inlined = self.inline(&set, &refs)?;
                self.new_defs
                    .insert(target.clone(), json!({ "oneOf": inlined }));
            }
            let others: Vec<Value> = alts
                .iter()
                .filter(|a| ref_name(a).is_none_or(|r| !set.contains(r)))
                .cloned()
                .collect();
            if others.is_empty() {
                o.remove(key);
                if o.keys().any(|k| k != "description") {
                    o.insert("allOf".into(), json!([def_ref(&target)]));
                } else {
                    o.insert("$ref".into(), def_ref(&target)["$ref"].clone());
                }
            } else {
                let mut new = others;
                new.push(def_ref(&target));
                o.insert(key.into(), Value::Array(new));
            }
            return Ok(());
        }
        Ok(())
    }

    fn walk(&mut self, v: &mut Value) -> Result<(), String> {
        let mut err = None;
        walk_mut(v, &mut |o| {
            if err.is_none() {
                err = self.site(o).err();
            }
        });
        err.map_or(Ok(()), Err)
    }
}

/// typify only emits `#[serde(tag = ..)]` enums for inline object variants, so unions of `$ref`s
/// get copies of their variants (rule 11), and each union site points at one named definition (rule 12).
pub fn inline_tagged_unions(
    defs: &mut Defs,
    union_names: &BTreeMap<BTreeSet<String>, String>,
) -> Result<Vec<String>, String> {
    let snapshot = defs.clone();
    let mut def_level = BTreeMap::new();
    for (n, d) in &snapshot {
        if let Some((_, alts)) = pure_union(d) {
            if let Some(names) = tagged_refs(alts, &snapshot) {
                if names.len() == alts.len() {
                    def_level.insert(union_key(&names), n.clone());
                }
            }
        }
    }
    let mut inl = Inliner {
        defs: &snapshot,
        union_names,
        def_level,
        new_defs: Defs::new(),
        warnings: Vec::new(),
        hoisted: BTreeSet::new(),
    };
    for (n, d) in defs.iter_mut() {
        if let Some((key, alts)) = pure_union(d) {
            if let Some(names) = tagged_refs(alts, &snapshot) {
                if names.len() == alts.len() {
                    let alts = alts.clone();
                    let inlined = inl.inline(&union_key(&names), &alts)?;
                    d[key] = Value::Array(inlined);
                    continue;
                }
            }
        }
        inl.walk(d).map_err(|e| format!("{n}: {e}"))?;
    }
    // Variant copies and hoisted field types may hold sites not yet rewritten.
    for _ in 0..8 {
        let before = inl.new_defs.clone();
        let mut new_defs = std::mem::take(&mut inl.new_defs);
        for d in new_defs.values_mut() {
            inl.walk(d)?;
        }
        // Definitions added during this pass are kept too.
        for (k, v) in std::mem::take(&mut inl.new_defs) {
            new_defs.entry(k).or_insert(v);
        }
        inl.new_defs = new_defs;
        if inl.new_defs == before {
            break;
        }
    }
    // The variants' own definitions use the hoisted field types as well.
    for (variant, prop, name) in &inl.hoisted {
        let Some(slot) = defs
            .get_mut(variant)
            .and_then(|d| d.pointer_mut(&format!("/properties/{prop}")))
        else {
            continue;
        };
        let mut probe = inl.new_defs.clone();
        let mut hoister = Inliner {
            defs: &snapshot,
            union_names,
            def_level: BTreeMap::new(),
            new_defs: std::mem::take(&mut probe),
            warnings: Vec::new(),
            hoisted: BTreeSet::new(),
        };
        *slot = hoister.hoist_complex(slot.clone(), name)?;
    }
    defs.extend(inl.new_defs);
    Ok(inl.warnings)
}

/// A definition that is only a `$ref` would become a newtype around its target; point its users
/// at the target instead.
pub fn collapse_aliases(defs: &mut Defs) {
    loop {
        let alias = defs.iter().find_map(|(n, d)| {
            let target = ref_name(d).filter(|_| d.as_object().is_some_and(|o| o.len() == 1))?;
            Some((n.clone(), target.to_string()))
        });
        let Some((alias, target)) = alias else { return };
        defs.remove(&alias);
        for d in defs.values_mut() {
            rewrite_refs(d, &|r| (r == alias).then(|| target.clone()));
        }
    }
}

fn is_nullable(s: &Value) -> bool {
    s.get("type") == Some(&json!("null"))
        || ["anyOf", "oneOf"].iter().any(|k| {
            s.get(*k)
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(is_null))
        })
}

/// A `required` name no property defines is dropped: the document lists `response_id` on
/// three audio events and `call_id`/`request_id` on a few items that have no such field, and
/// typify would make each a required `serde_json::Value` that real answers never carry, so that
/// they would not decode. Only plain objects (properties, no `allOf` left, no schema for extra
/// properties) are touched. (rule 22)
pub fn drop_undefined_required(defs: &mut Defs) {
    for d in defs.values_mut() {
        walk_mut(d, &mut |o| {
            let plain = !o.contains_key("allOf")
                && !o.get("additionalProperties").is_some_and(|a| a.is_object());
            let (Some(Value::Object(props)), Some(Value::Array(required))) =
                (o.get("properties"), o.get("required"))
            else {
                return;
            };
            if !plain {
                return;
            }
            let kept: Vec<Value> = required
                .iter()
                .filter(|r| r.as_str().is_some_and(|r| props.contains_key(r)))
                .cloned()
                .collect();
            if kept.is_empty() {
                o.remove("required");
            } else {
                o.insert("required".into(), Value::Array(kept));
            }
        });
    }
}

/// `allOf` of object schemas (a `$ref` to one, or inline) becomes the one object they make
/// together: properties and required fields merged. The tagged-union rule then sees the
/// variant's tag (`FunctionToolCallOutputResource` = the output item + its `id`). (rule 21)
pub fn merge_all_of(defs: &mut Defs) {
    let snapshot = defs.clone();
    let object_of = |v: &Value| -> Option<Map<String, Value>> {
        let v = match ref_name(v) {
            Some(r) => snapshot.get(r)?,
            None => v,
        };
        let o = v.as_object()?;
        let plain = o.contains_key("properties")
            && !["oneOf", "anyOf", "allOf"]
                .iter()
                .any(|k| o.contains_key(*k));
        plain.then(|| o.clone())
    };
    for d in defs.values_mut() {
        walk_mut(d, &mut |o| {
            let Some(Value::Array(parts)) = o.get("allOf") else {
                return;
            };
            let Some(objects) = parts.iter().map(&object_of).collect::<Option<Vec<_>>>() else {
                return;
            };
            if objects.len() < 2 {
                return;
            }
            let mut props = Map::new();
            let mut required: Vec<Value> = Vec::new();
            for part in objects {
                if let Some(Value::Object(p)) = part.get("properties") {
                    props.extend(p.clone());
                }
                for r in part
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if !required.contains(r) {
                        required.push(r.clone());
                    }
                }
            }
            o.remove("allOf");
            o.insert("type".into(), json!("object"));
            o.insert("properties".into(), Value::Object(props));
            if !required.is_empty() {
                o.insert("required".into(), Value::Array(required));
            }
        });
    }
}

/// Make `schema.field` optional and nullable (a drift override from `extract.toml`).
/// `field` may be a path through inline objects: `input_tokens_details.cached_tokens`.
pub fn make_optional(defs: &mut Defs, schema: &str, field: &str) -> Result<(), String> {
    let mut d = defs
        .get_mut(schema)
        .ok_or_else(|| format!("override: no schema `{schema}`"))?;
    let mut path: Vec<&str> = field.split('.').collect();
    let field = path.pop().unwrap_or_default();
    for step in path {
        d = d
            .get_mut("properties")
            .and_then(|p| p.get_mut(step))
            .filter(|o| o.get("properties").is_some())
            .ok_or_else(|| format!("override: `{schema}` has no inline object `{step}`"))?;
    }
    let prop = d
        .get_mut("properties")
        .and_then(|p| p.get_mut(field))
        .ok_or_else(|| format!("override: `{schema}` has no field `{field}`"))?;
    if !is_nullable(prop) {
        *prop = make_nullable(prop.clone());
    }
    if let Some(Value::Array(req)) = d.get_mut("required") {
        req.retain(|r| r != field);
    }
    Ok(())
}

/// Let `schema.field`, a list of strings, also be a single string (a drift override).
pub fn string_or_list(defs: &mut Defs, schema: &str, field: &str) -> Result<(), String> {
    let prop = list_field(defs, schema, field)?;
    *prop = json!({ "oneOf": [{ "type": "string" }, prop.clone()] });
    Ok(())
}

/// Marks `schema.field`, a list of numbers, `x-floats-or-base64`: the API sends it as the
/// base64 string of little-endian `f32`s when `encoding_format: "base64"` asks for that, and
/// `build.rs` decodes either form into the same list of numbers.
pub fn floats_or_base64(defs: &mut Defs, schema: &str, field: &str) -> Result<(), String> {
    let prop = list_field(defs, schema, field)?;
    if prop.pointer("/items/type") != Some(&json!("number")) {
        return Err(format!(
            "override: `{schema}.{field}` is not a list of numbers"
        ));
    }
    prop["x-floats-or-base64"] = json!(true);
    Ok(())
}

/// The schema of `schema.field`, which an override expects to be a list.
fn list_field<'a>(defs: &'a mut Defs, schema: &str, field: &str) -> Result<&'a mut Value, String> {
    let prop = defs
        .get_mut(schema)
        .and_then(|d| d.get_mut("properties"))
        .and_then(|p| p.get_mut(field))
        .ok_or_else(|| format!("override: `{schema}` has no field `{field}`"))?;
    if prop.get("type") != Some(&json!("array")) {
        return Err(format!("override: `{schema}.{field}` is not a list"));
    }
    Ok(prop)
}

/// The optional, nullable top-level fields of a modify request (`ModifyAssistantRequest`,
/// `UpdateVectorStoreRequest`, ...) get `"x-clearable": true`: `build.rs` makes them
/// `Patch<T>`, so a caller can leave them, clear them (`null`) or set them. Required fields
/// are always sent, so they are not marked. Returns how many were marked.
pub fn mark_clearable(
    defs: &mut Defs,
    modify_requests: &BTreeSet<String>,
) -> Result<usize, String> {
    let mut marked = 0;
    for name in modify_requests {
        let d = defs
            .get_mut(name)
            .ok_or_else(|| format!("modify request `{name}` is not a schema"))?;
        let required: BTreeSet<String> = d
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let Some(Value::Object(props)) = d.get_mut("properties") else {
            continue;
        };
        for (field, prop) in props.iter_mut() {
            if is_nullable(prop) && !required.contains(field) {
                if let Value::Object(p) = prop {
                    p.insert("x-clearable".into(), Value::Bool(true));
                    marked += 1;
                }
            }
        }
    }
    Ok(marked)
}

/// Keep only what the roots reach. (rule 18)
pub fn prune(defs: &mut Defs, roots: &BTreeSet<String>) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = roots.iter().cloned().collect();
    while let Some(n) = stack.pop() {
        if !seen.insert(n.clone()) {
            continue;
        }
        let d = defs
            .get(&n)
            .ok_or_else(|| format!("`{n}` is referenced but not defined"))?;
        let mut acc = BTreeSet::new();
        refs(d, &mut acc);
        stack.extend(acc);
    }
    defs.retain(|n, _| seen.contains(n));
    Ok(())
}

/// Approximate typify's names for inline types and fail when two different schemas would get
/// the same one: typify 0.8 silently merges them (wrong code that compiles). (rule 14)
pub fn lint_typify_names(defs: &Defs) -> Result<(), String> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut clashes = BTreeSet::new();
    for (n, d) in defs {
        let key = pascal(n);
        let dump = d.to_string();
        if let Some(prev) = seen.get(&key) {
            if prev != &dump {
                clashes.insert(key.clone());
            }
        }
        seen.insert(key, dump);
    }
    fn visit(
        s: &Value,
        name: &str,
        seen: &mut BTreeMap<String, String>,
        clashes: &mut BTreeSet<String>,
        top: bool,
    ) {
        if !s.is_object() {
            return;
        }
        let alts0 = s
            .get("anyOf")
            .or(s.get("oneOf"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let wrapper = alts0.len() == 2 && alts0.iter().any(is_null);
        if !top && is_complex(s) && ref_name(s).is_none() && !wrapper {
            let key = pascal(name);
            let dump = s.to_string();
            match seen.get(&key) {
                Some(prev) if prev != &dump => {
                    clashes.insert(key);
                }
                Some(_) => {}
                None => {
                    seen.insert(key, dump);
                }
            }
        }
        if let Some(Value::Object(props)) = s.get("properties") {
            for (pk, pv) in props {
                visit(pv, &format!("{name}_{pk}"), seen, clashes, false);
            }
        }
        if let Some(items) = s.get("items") {
            visit(items, &format!("{name}Item"), seen, clashes, false);
        }
        if let Some(ap) = s.get("additionalProperties") {
            visit(ap, &format!("{name}Value"), seen, clashes, false);
        }
        for key in ["oneOf", "anyOf"] {
            let Some(Value::Array(alts)) = s.get(key) else {
                continue;
            };
            let nn: Vec<&Value> = alts.iter().filter(|a| !is_null(a)).collect();
            if nn.len() == 1 {
                visit(nn[0], name, seen, clashes, false);
                continue;
            }
            let tags: BTreeSet<String> = nn
                .first()
                .map(|f| {
                    tag_of(f)
                        .into_keys()
                        .filter(|k| nn.iter().all(|a| tag_of(a).contains_key(k)))
                        .collect()
                })
                .unwrap_or_default();
            for a in nn {
                if let Some(Value::Object(props)) = a.get("properties") {
                    for (pk, pv) in props {
                        if !tags.contains(pk) {
                            visit(pv, &format!("{name}_{pk}"), seen, clashes, false);
                        }
                    }
                }
            }
        }
    }
    for (n, d) in defs {
        visit(d, n, &mut seen, &mut clashes, true);
    }
    if clashes.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "two different schemas would get the same Rust name (typify merges them silently): {}",
            clashes.into_iter().collect::<Vec<_>>().join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defs(v: Value) -> Defs {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn nullable_optional_fields_of_modify_requests_are_marked_clearable() {
        let mut d = defs(json!({
            "M": { "type": "object", "required": ["attributes"], "properties": {
                "name": { "anyOf": [{ "type": "string" }, { "type": "null" }] },
                "attributes": { "anyOf": [{ "type": "object" }, { "type": "null" }] },
                "model": { "type": "string" } } },
            "Other": { "type": "object", "properties": {
                "name": { "anyOf": [{ "type": "string" }, { "type": "null" }] } } }
        }));
        let modify = BTreeSet::from(["M".to_string()]);
        assert_eq!(mark_clearable(&mut d, &modify).unwrap(), 1);
        assert_eq!(d["M"]["properties"]["name"]["x-clearable"], json!(true));
        assert!(d["M"]["properties"]["attributes"]
            .get("x-clearable")
            .is_none());
        assert!(d["M"]["properties"]["model"].get("x-clearable").is_none());
        assert!(d["Other"]["properties"]["name"]
            .get("x-clearable")
            .is_none());
        let missing = BTreeSet::from(["Gone".to_string()]);
        assert!(mark_clearable(&mut d, &missing).is_err());
    }

    #[test]
    fn lint_rejects_two_schemas_with_one_rust_name() {
        // `A.content` and the definition `AContent` would both be named `AContent` by typify.
        let d = defs(json!({
            "A": { "type": "object", "properties": { "content": { "enum": ["x"] } } },
            "AContent": { "enum": ["y"] },
        }));
        let err = lint_typify_names(&d).unwrap_err();
        assert!(err.contains("AContent"), "{err}");
        let same = defs(json!({
            "A": { "type": "object", "properties": { "content": { "enum": ["x"] } } },
        }));
        assert!(lint_typify_names(&same).is_ok());
    }

    #[test]
    fn norm_drops_prose_validation_and_closed_objects_and_opens_nullable() {
        let v = norm(&json!({
            "type": "object", "description": "upstream prose", "additionalProperties": false,
            "x-oaiMeta": {}, "properties": {
                "name": { "type": "string", "maxLength": 256, "nullable": true, "default": "a" },
                "description": { "type": "string" },
            }
        }));
        assert_eq!(
            v,
            json!({ "type": "object", "properties": {
                "name": { "anyOf": [{ "type": "string" }, { "type": "null" }] },
                "description": { "type": "string" },
            }})
        );
    }

    #[test]
    fn open_strings_collapse_and_nullable_definitions_hoist() {
        let mut d = defs(json!({
            "Model": { "enum": ["a", "b"], "type": "string" },
            "Req": { "type": "object", "properties": {
                "model": { "anyOf": [{ "type": "string" }, { "$ref": "#/definitions/Model" }] },
                "tier": { "$ref": "#/definitions/Tier" },
            }},
            "Tier": { "anyOf": [{ "enum": ["auto"], "type": "string" }, { "type": "null" }] },
        }));
        hoist_nullable_definitions(&mut d);
        collapse_open_strings(&mut d);
        assert_eq!(d["Tier"], json!({ "enum": ["auto"], "type": "string" }));
        assert_eq!(d["Req"]["properties"]["tier"]["anyOf"][1], null_schema());
        assert_eq!(d["Req"]["properties"]["model"]["type"], "string");
        assert_eq!(
            d["Req"]["properties"]["model"]["description"],
            "Known values: `a`, `b`."
        );
    }

    #[test]
    fn tagged_unions_are_inlined_and_named() {
        let obj = |t: &str| {
            json!({ "type": "object", "required": ["type"],
            "properties": { "type": { "enum": [t], "type": "string" },
                            "body": { "type": "object", "properties": { t: { "type": "string" } } } } })
        };
        let mut d = defs(json!({
            "Cat": obj("cat"), "Dog": obj("dog"),
            "Owner": { "type": "object", "properties": { "pets": { "type": "array", "items":
                { "oneOf": [{ "$ref": "#/definitions/Cat" }, { "$ref": "#/definitions/Dog" }] } } } },
        }));
        let names = [(
            ["Cat".to_string(), "Dog".to_string()].into(),
            "Pet".to_string(),
        )]
        .into();
        inline_tagged_unions(&mut d, &names).unwrap();
        collapse_aliases(&mut d);
        prune(&mut d, &["Owner".to_string()].into()).unwrap();
        assert_eq!(d["Owner"]["properties"]["pets"]["items"], def_ref("Pet"));
        // Each variant's field type has its own definition: no silent merge of `body`.
        assert_eq!(
            d["Pet"]["oneOf"][0]["properties"]["body"],
            def_ref("CatBody")
        );
        assert_eq!(
            d["Pet"]["oneOf"][1]["properties"]["body"],
            def_ref("DogBody")
        );
        assert!(!d.contains_key("Cat"));
        lint_typify_names(&d).unwrap();
    }
}
