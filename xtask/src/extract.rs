//! From OpenAI's OpenAPI document to our JSON Schema and operations table.

use crate::rules::{self, Defs};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// `spec/extract.toml`; its comments explain each table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    paths: Vec<String>,
    #[serde(default)]
    only_methods: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    extra_roots: Vec<String>,
    #[serde(default)]
    skip_roots: Vec<String>,
    #[serde(default)]
    rename: BTreeMap<String, String>,
    #[serde(default)]
    merge: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    query_types: BTreeMap<String, String>,
    #[serde(default)]
    query_enums: BTreeMap<String, String>,
    #[serde(default)]
    inline_requests: BTreeMap<String, String>,
    #[serde(default)]
    union_names: BTreeMap<String, String>,
    #[serde(default)]
    optional: Vec<Optional>,
    #[serde(default)]
    string_or_list: Vec<Optional>,
    #[serde(default)]
    floats_or_base64: Vec<Optional>,
    #[serde(default)]
    docs: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
/// A drift override: one field of one schema, and why.
struct Optional {
    schema: String,
    field: String,
    #[allow(dead_code)] // documentation for the reader of extract.toml
    reason: String,
}

/// What the xtask writes.
pub struct Output {
    pub schema: String,
    pub operations: String,
    pub definitions: usize,
    pub operation_count: usize,
    pub upstream_version: String,
}

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

#[derive(serde::Serialize)]
struct Operation {
    method: String,
    path: String,
    operation_id: String,
    /// JSON request body type, `multipart/form-data`, or none.
    request: Option<String>,
    /// Query parameter type (list operations).
    query: Option<String>,
    /// 200 response type; `bytes` for raw content.
    response: Option<String>,
    /// Type of each `text/event-stream` event, when the operation can stream.
    stream: Option<String>,
}

fn schema_name(v: &Value) -> Option<String> {
    v.get("$ref")?
        .as_str()?
        .rsplit('/')
        .next()
        .map(str::to_string)
}

pub fn extract(spec: &Value, cfg: &Config) -> Result<Output, String> {
    let schemas = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .ok_or("no components.schemas in the document")?;
    let merged_into: BTreeMap<&str, &str> = cfg
        .merge
        .iter()
        .flat_map(|(to, from)| from.iter().map(move |f| (f.as_str(), to.as_str())))
        .collect();
    let our_name = |n: &str| -> String {
        merged_into
            .get(n)
            .map(|s| s.to_string())
            .or_else(|| cfg.rename.get(n).cloned())
            .unwrap_or_else(|| n.to_string())
    };

    // Operations, their roots, and the list query types.
    let mut roots: BTreeSet<String> = cfg.extra_roots.iter().cloned().collect();
    let mut ops = Vec::new();
    let mut query_defs = Defs::new();
    for path in &cfg.paths {
        let item = spec
            .pointer(&format!(
                "/paths/{}",
                path.replace('~', "~0").replace('/', "~1")
            ))
            .and_then(Value::as_object)
            .ok_or_else(|| format!("path {path} is not in the document"))?;
        for (method, op) in item {
            if !METHODS.contains(&method.as_str())
                || cfg
                    .only_methods
                    .get(path)
                    .is_some_and(|m| !m.contains(method))
            {
                continue;
            }
            let op_id = op["operationId"].as_str().unwrap_or_default().to_string();
            let mut acc = BTreeSet::new();
            rules::refs(&op["parameters"], &mut acc);
            rules::refs(&op["requestBody"], &mut acc);
            rules::refs(&op["responses"]["200"], &mut acc);
            roots.extend(acc);
            let body = &op["requestBody"]["content"];
            let request = if let Some(s) = body.get("application/json") {
                match (schema_name(&s["schema"]), cfg.inline_requests.get(&op_id)) {
                    (Some(n), _) => Some(our_name(&n)),
                    (None, Some(name)) => {
                        let mut d = rules::norm(&s["schema"]);
                        rules::rewrite_refs(&mut d, &|r| Some(our_name(r)));
                        if query_defs.insert(name.clone(), d).is_some() {
                            return Err(format!("[inline_requests] {name} is named twice"));
                        }
                        Some(name.clone())
                    }
                    (None, None) => {
                        return Err(format!(
                            "{op_id}: an inline request body needs a name in [inline_requests]"
                        ))
                    }
                }
            } else if body.get("multipart/form-data").is_some() {
                Some("multipart/form-data".to_string())
            } else {
                None
            };
            let content = &op["responses"]["200"]["content"];
            let response = match content.get("application/json").map(|c| &c["schema"]) {
                Some(s) if s.get("$ref").is_some() => schema_name(s).map(|n| our_name(&n)),
                Some(s) if s.get("type") == Some(&json!("string")) => Some("bytes".to_string()),
                _ => None,
            };
            let stream = content
                .get("text/event-stream")
                .and_then(|c| schema_name(&c["schema"]))
                .map(|n| our_name(&n));
            let query = match cfg.query_types.get(&op_id) {
                Some(name) => {
                    let q = query_schema(op, cfg, &mut query_defs)?;
                    query_defs.insert(name.clone(), q);
                    Some(name.clone())
                }
                None => None,
            };
            ops.push(Operation {
                method: method.to_uppercase(),
                path: path.clone(),
                operation_id: op_id,
                request,
                query,
                response,
                stream,
            });
        }
    }
    for s in &cfg.skip_roots {
        roots.remove(s);
    }

    // Transitive closure over the upstream components.
    let mut names = BTreeSet::new();
    let mut stack: Vec<String> = roots.iter().cloned().collect();
    while let Some(n) = stack.pop() {
        if !names.insert(n.clone()) {
            continue;
        }
        let s = schemas
            .get(&n)
            .ok_or_else(|| format!("schema {n} is referenced but not defined"))?;
        let mut acc = BTreeSet::new();
        rules::refs(s, &mut acc);
        stack.extend(acc);
    }

    // Normalise, rename and merge.
    let mut defs = Defs::new();
    for n in &names {
        let mut d = rules::norm(&schemas[n]);
        rules::rewrite_refs(&mut d, &|r| Some(our_name(r)));
        let name = our_name(n);
        if let Some(prev) = defs.get(&name) {
            d = merge_constant_variants(&name, prev, &d)?;
        }
        defs.insert(name, d);
    }
    for (to, from) in &cfg.merge {
        if let Some(missing) = from.iter().find(|f| !names.contains(*f)) {
            return Err(format!("[merge] {to}: {missing} is not in scope"));
        }
    }
    for (from, to) in &cfg.rename {
        if !names.contains(from) {
            return Err(format!("[rename] {from} = {to}: {from} is not in scope"));
        }
    }
    for (name, d) in query_defs {
        if defs.insert(name.clone(), d).is_some() {
            return Err(format!("query type {name} clashes with a schema"));
        }
    }

    rules::merge_all_of(&mut defs);
    rules::drop_undefined_required(&mut defs);
    rules::hoist_nullable_definitions(&mut defs);
    rules::collapse_open_strings(&mut defs);
    rules::flatten_nested_unions(&mut defs);
    // Before unions are inlined, so that a variant's copy carries the override.
    for o in &cfg.optional {
        rules::make_optional(&mut defs, &o.schema, &o.field)?;
    }
    let union_names = cfg
        .union_names
        .iter()
        .map(|(k, v)| (k.split('|').map(str::to_string).collect(), v.clone()))
        .collect();
    for w in rules::inline_tagged_unions(&mut defs, &union_names)? {
        eprintln!("warning: {w}");
    }
    rules::collapse_aliases(&mut defs);
    for o in &cfg.string_or_list {
        rules::string_or_list(&mut defs, &o.schema, &o.field)?;
    }
    for o in &cfg.floats_or_base64 {
        rules::floats_or_base64(&mut defs, &o.schema, &o.field)?;
    }
    // The bodies of `modify*` / `update*` operations: their nullable fields can be cleared.
    let modify_requests: BTreeSet<String> = ops
        .iter()
        .filter(|o| o.operation_id.starts_with("modify") || o.operation_id.starts_with("update"))
        .filter_map(|o| o.request.clone())
        .collect();
    rules::mark_clearable(&mut defs, &modify_requests)?;
    let mut keep: BTreeSet<String> = roots.iter().map(|r| our_name(r)).collect();
    keep.extend(ops.iter().filter_map(|o| o.query.clone()));
    keep.extend(cfg.inline_requests.values().cloned());
    rules::prune(&mut defs, &keep)?;
    rules::lint_typify_names(&defs)?;
    for (name, doc) in &cfg.docs {
        let d = defs
            .get_mut(name)
            .and_then(Value::as_object_mut)
            .ok_or_else(|| format!("[docs] {name} is not a generated type"))?;
        d.insert("description".into(), json!(doc));
    }

    let version = spec
        .pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_string();
    let count = defs.len();
    let doc = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$comment": format!(
            "Generated by `cargo xtask spec` from OpenAI's OpenAPI document {version} and spec/extract.toml. Do not edit."
        ),
        "definitions": defs,
    });
    let ops_doc = json!({
        "$comment": "Generated by `cargo xtask spec`. The operations the SDK covers and their types.",
        "operations": ops,
    });
    Ok(Output {
        schema: pretty(&doc)?,
        operations: pretty(&ops_doc)?,
        definitions: count,
        operation_count: ops.len(),
        upstream_version: version,
    })
}

fn pretty(v: &Value) -> Result<String, String> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(|e| e.to_string())
}

/// Schemas merged into one name must agree but for constants; a differing constant property
/// becomes a plain string.
fn merge_constant_variants(name: &str, a: &Value, b: &Value) -> Result<Value, String> {
    let mut out = a.clone();
    let (Some(pa), Some(pb)) = (a["properties"].as_object(), b["properties"].as_object()) else {
        return Err(format!("[merge] {name}: members are not objects"));
    };
    let required = |s: &Value| -> BTreeSet<String> {
        s["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    if pa.keys().ne(pb.keys()) || required(a) != required(b) {
        return Err(format!("[merge] {name}: members have different fields"));
    }
    for (k, va) in pa {
        if va != &pb[k] {
            let consts = [va, &pb[k]].iter().all(|v| {
                v["enum"].as_array().is_some_and(|e| e.len() == 1)
                    || **v == json!({ "type": "string" })
            });
            if !consts {
                return Err(format!("[merge] {name}: field {k} differs"));
            }
            out["properties"][k] = json!({ "type": "string" });
        }
    }
    Ok(out)
}

/// One object schema from an operation's query parameters. Enum-valued parameters point at a
/// shared definition named in `[query_enums]`.
fn query_schema(op: &Value, cfg: &Config, shared: &mut Defs) -> Result<Value, String> {
    let mut props = Map::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        if p["in"] != "query" {
            continue;
        }
        let name = p["name"].as_str().unwrap_or_default();
        let mut s = rules::norm(&p["schema"]);
        if let Some(shared_name) = cfg.query_enums.get(name) {
            let (slot, wrap_array) = if s.get("type") == Some(&json!("array")) {
                (s["items"].clone(), true)
            } else {
                (s.clone(), false)
            };
            if let Some(prev) = shared.get(shared_name) {
                if prev != &slot {
                    return Err(format!(
                        "query parameter `{name}` has different schemas in different operations"
                    ));
                }
            }
            shared.insert(shared_name.clone(), slot);
            s = if wrap_array {
                json!({ "type": "array", "items": rules::def_ref(shared_name) })
            } else {
                rules::def_ref(shared_name)
            };
        }
        props.insert(name.to_string(), s);
    }
    Ok(json!({ "type": "object", "properties": props }))
}
