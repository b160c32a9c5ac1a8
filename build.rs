//! Generates the request and response types from `spec/openai.schema.json` (written by
//! `cargo xtask spec`): the definitions that the enabled API families (Cargo features) reach
//! from their operations in `spec/operations.json` go through typify, then syn passes (every
//! enum opened to unknown values; required nullable fields tolerant of absence and sent as
//! `null`; optional lists as `Option<Vec<_>>`; the clearable fields of modify requests as
//! `Patch<_>`; the open unions decoded by their tag, see `build/tag_dispatch.rs`, and the
//! untagged ones by the kind of value, see `build/kind_dispatch.rs`; the open string enums
//! and the plain structs decoded by code of ours, see `build/string_enums.rs` and
//! `build/struct_decode.rs`), then prettyplease. The result goes to
//! `$OUT_DIR/openai_types.rs`, which `src/types.rs` includes.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::{env, fs};

use syn::{parse_quote, Fields, Item};

#[path = "build/directions.rs"]
mod directions;
#[path = "build/kind_dispatch.rs"]
mod kind_dispatch;
#[path = "build/string_enums.rs"]
mod string_enums;
#[path = "build/struct_decode.rs"]
mod struct_decode;
#[path = "build/tag_dispatch.rs"]
mod tag_dispatch;
#[path = "build/unknown_fields.rs"]
mod unknown_fields;

const SCHEMA: &str = "spec/openai.schema.json";
const OPERATIONS: &str = "spec/operations.json";

fn main() {
    // `polls`: some enabled family has objects to wait for (runs, vector stores, background
    // responses, batches), so the waits' machinery is compiled.
    println!("cargo::rustc-check-cfg=cfg(polls)");
    if ["ASSISTANTS", "VECTOR_STORES", "RESPONSES", "BATCH"]
        .into_iter()
        .any(feature_on)
    {
        println!("cargo:rustc-cfg=polls");
    }
    println!("cargo:rerun-if-changed={SCHEMA}");
    println!("cargo:rerun-if-changed={OPERATIONS}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build");
    if let Err(e) = generate() {
        // A broken spec is a bug of ours, found at build time: fail with the reason.
        eprintln!("build.rs: {e}");
        std::process::exit(1);
    }
}

fn generate() -> Result<(), String> {
    let text = fs::read_to_string(SCHEMA).map_err(|e| format!("reading {SCHEMA}: {e}"))?;
    let mut raw: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("parsing {SCHEMA}: {e}"))?;
    let operations: serde_json::Value = fs::read_to_string(OPERATIONS)
        .map_err(|e| format!("reading {OPERATIONS}: {e}"))
        .and_then(|t| serde_json::from_str(&t).map_err(|e| format!("parsing {OPERATIONS}: {e}")))?;
    let all_operations: Vec<&serde_json::Value> = operations["operations"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    // Computed on the whole schema, so that a union decodes the same way whatever the
    // features: those a request of any operation can hold keep serde's derive.
    let requests = referenced(
        &raw,
        all_operations
            .iter()
            .filter_map(|op| op["request"].as_str()),
    );
    let enabled: Vec<&serde_json::Value> = all_operations
        .iter()
        .copied()
        .filter(|op| op["path"].as_str().is_some_and(feature_enabled))
        .collect();
    keep_only_used_definitions(&mut raw, &enabled);
    let root: schemars::schema::RootSchema =
        serde_json::from_value(raw.clone()).map_err(|e| format!("parsing {SCHEMA}: {e}"))?;
    let clearable = clearable_set(&raw);

    let mut settings = typify::TypeSpaceSettings::default();
    // Plain structs with public fields; the hand-written constructors in src/ cover the
    // common requests, and typify's builders would be two thirds of the code.
    settings
        .with_struct_builder(false)
        .with_derive("PartialEq".to_string());
    let mut space = typify::TypeSpace::new(&settings);
    space
        .add_root_schema(root)
        .map_err(|e| format!("typify: {e}"))?;

    let mut file: syn::File =
        syn::parse2(space.to_stream()).map_err(|e| format!("typify output: {e}"))?;
    open_enums(&mut file);
    required_nullable(&mut file);
    optional_lists(&mut file);
    let patched = clearable_fields(&mut file, &clearable);
    if patched != clearable.len() {
        return Err(format!(
            "{} fields are marked x-clearable but {patched} were found as Option fields",
            clearable.len()
        ));
    }
    default_when_all_optional(&mut file);
    let base64 = marked(&raw, "x-floats-or-base64");
    if floats_or_base64(&mut file, &base64) != base64.len() {
        return Err("a field marked x-floats-or-base64 is not a Vec<f64>".into());
    }
    event_accessors(&mut file);
    let top_level = top_level_objects(&operations, &raw);
    keep_unknown_fields(&mut file, &top_level);
    tag_dispatch::generate(&mut file, &requests);
    kind_dispatch::generate(&mut file);
    if !feature_on("BOTH_WAYS") {
        let roots = |keys: &[&str]| -> BTreeSet<String> {
            enabled
                .iter()
                .flat_map(|op| keys.iter().filter_map(|k| op[*k].as_str()))
                .map(str::to_owned)
                .collect()
        };
        let mut read = roots(&["response", "stream"]);
        // A batch's input file is read back (to check it, to match results to requests).
        if feature_on("BATCH") {
            read.extend(BATCH_BODIES.map(str::to_owned));
        }
        directions::trim(&mut file, &roots(&["request", "query"]), &read);
    }
    // `open_str`: some open string enum or plain struct is decoded through `src/open_str.rs`.
    println!("cargo::rustc-check-cfg=cfg(open_str)");
    if string_enums::generate(&mut file) + struct_decode::generate(&mut file) > 0 {
        println!("cargo:rustc-cfg=open_str");
    }
    // `by_kind`: some untagged union is decoded through `src/by_kind.rs`; `or_unknown`: some
    // tagged union a request can hold is decoded (through `tagged::deserialize_or_unknown`).
    println!("cargo::rustc-check-cfg=cfg(by_kind, or_unknown)");
    if impls_mentioning(&file, "Deserialize", "by_kind") > 0 {
        println!("cargo:rustc-cfg=by_kind");
    }
    if impls_mentioning(&file, "Deserialize", "deserialize_or_unknown") > 0 {
        println!("cargo:rustc-cfg=or_unknown");
    }
    // `unknown_fields`: some top-level object is decoded through `src/unknown_fields.rs`.
    println!("cargo::rustc-check-cfg=cfg(unknown_fields)");
    if unknown_fields::stream(&mut file, &top_level) > 0 {
        println!("cargo::rustc-cfg=unknown_fields");
    }
    drop_unused_conversions(&mut file);
    let code = prettyplease::unparse(&file);

    let out = PathBuf::from(env::var("OUT_DIR").map_err(|e| e.to_string())?);
    fs::write(out.join("openai_types.rs"), code).map_err(|e| format!("writing output: {e}"))
}

/// The Cargo feature that turns on the operations under each path: a program builds only the
/// types of the API families it uses (see the README's "API families as features").
const FEATURES: &[(&str, &str)] = &[
    ("/assistants", "ASSISTANTS"),
    ("/threads", "ASSISTANTS"),
    ("/chat/", "CHAT"),
    ("/responses", "RESPONSES"),
    ("/conversations", "RESPONSES"),
    ("/files", "FILES"),
    ("/uploads", "FILES"),
    ("/vector_stores", "VECTOR_STORES"),
    ("/batches", "BATCH"),
    ("/embeddings", "EMBEDDINGS"),
    ("/moderations", "MODERATIONS"),
    ("/models", "MODELS"),
];

/// Types the SDK's own code uses beyond the operations' own, with the feature that needs them
/// (`""` for always): the body of every API error and the small types the crate root
/// re-exports whatever the features, and the events of a streamed run (an operation's answer
/// when it is asked to stream, which the operation list does not name).
const EXTRA_ROOTS: &[(&str, &str)] = &[
    ("", "ApiError"),
    ("", "DeleteStatusResponse"),
    ("", "ListOrder"),
    ("", "Metadata"),
    ("ASSISTANTS", "AssistantStreamEvent"),
];

/// The request bodies a batch's JSONL lines hold, which the SDK also decodes.
const BATCH_BODIES: [&str; 3] = [
    "ResponseCreateRequest",
    "CompletionCreateRequest",
    "EmbeddingCreateRequest",
];

/// Whether the Cargo feature of this name (upper case, `_` for `-`) is on.
fn feature_on(name: &str) -> bool {
    env::var_os(format!("CARGO_FEATURE_{name}")).is_some()
}

/// Whether the feature of an operation's path is on; a path no feature claims is a bug of
/// `FEATURES`, and is kept.
fn feature_enabled(path: &str) -> bool {
    match FEATURES.iter().find(|(prefix, _)| path.starts_with(prefix)) {
        Some((_, feature)) => feature_on(feature),
        None => true,
    }
}

/// The definitions `roots` name and every definition they refer to (`$ref`), transitively.
fn referenced<'a>(
    schema: &serde_json::Value,
    roots: impl IntoIterator<Item = &'a str>,
) -> BTreeSet<String> {
    fn refs(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(target) = map.get("$ref").and_then(|r| r.as_str()) {
                    out.push(target.rsplit('/').next().unwrap_or(target).to_owned());
                }
                map.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = roots.into_iter().map(str::to_owned).collect();
    while let Some(name) = todo.pop() {
        if seen.contains(&name) {
            continue;
        }
        refs(&schema["definitions"][&name], &mut todo);
        seen.insert(name);
    }
    seen
}

/// Drops the definitions no enabled operation uses, so typify generates only what the enabled
/// features need.
fn keep_only_used_definitions(schema: &mut serde_json::Value, enabled: &[&serde_json::Value]) {
    let roots = enabled
        .iter()
        .flat_map(|op| ["request", "query", "response", "stream"].map(|k| op[k].as_str()))
        .flatten()
        .chain(EXTRA_ROOTS.iter().filter_map(|(feature, name)| {
            (feature.is_empty() || feature_on(feature)).then_some(*name)
        }));
    let used = referenced(schema, roots);
    if let Some(definitions) = schema["definitions"].as_object_mut() {
        definitions.retain(|name, _| used.contains(name));
    }
}

fn has_serde_attr(attrs: &[syn::Attribute], needle: &str) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("serde")
            && quote::quote!(#a)
                .to_string()
                .replace(' ', "")
                .contains(needle)
    })
}

/// typify's enums are closed: a new run status, tool type or stream event would fail to decode.
/// Every string enum gains `Unknown(String)` and every tagged enum `Unknown(serde_json::Value)`,
/// both `#[serde(untagged)]`, so unknown values decode and serialise back unchanged.
fn open_enums(file: &mut syn::File) {
    rename_unknown_values(file);
    let structs: BTreeSet<String> = file
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Struct(s) => Some(s.ident.to_string()),
            _ => None,
        })
        .collect();
    let mut opened = BTreeSet::new();
    for item in &mut file.items {
        let Item::Enum(e) = item else { continue };
        if has_serde_attr(&e.attrs, "untagged") {
            // A union of object types that no single tag tells apart (the Responses API's
            // input items, say) is decoded by trying each variant: a last `Unknown(Value)`
            // keeps anything none of them fits.
            if is_object_union(e, &structs) {
                e.variants.push(parse_quote! {
                    /// A value no variant of this version of the crate fits; the raw JSON is
                    /// kept and serialised back unchanged.
                    Unknown(::serde_json::Value)
                });
            }
            continue;
        }
        let tagged = has_serde_attr(&e.attrs, "tag=");
        let all_unit = e.variants.iter().all(|v| matches!(v.fields, Fields::Unit));
        if !tagged && !all_unit {
            continue;
        }
        // A String payload is not Copy; a serde_json::Value is not Eq, Hash or Ord either.
        let drop: &[&str] = if tagged {
            &["Copy", "Eq", "Hash", "Ord", "PartialOrd"]
        } else {
            &["Copy"]
        };
        for a in e.attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
            let Ok(list) = a.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            ) else {
                continue;
            };
            let kept = list
                .into_iter()
                .filter(|p| !drop.iter().any(|d| p.is_ident(d)));
            *a = parse_quote!(#[derive(#(#kept),*)]);
        }
        if tagged {
            e.variants.push(parse_quote! {
                /// A variant this version of the crate does not know; the raw JSON is kept and
                /// serialised back unchanged.
                #[serde(untagged)]
                Unknown(::serde_json::Value)
            });
        } else {
            e.variants.push(parse_quote! {
                /// A value this version of the crate does not know, kept as sent.
                #[serde(untagged)]
                Unknown(::std::string::String)
            });
        }
        opened.insert(e.ident.to_string());
    }

    // The exhaustive match of `impl Display` for an opened enum gains the `Unknown` arm.
    for item in &mut file.items {
        let Item::Impl(i) = item else { continue };
        if !(impl_of(i, &opened) && implements(i, "Display")) {
            continue;
        }
        for f in i.items.iter_mut() {
            let syn::ImplItem::Fn(f) = f else { continue };
            for stmt in &mut f.block.stmts {
                if let syn::Stmt::Expr(syn::Expr::Match(m), _) = stmt {
                    m.arms.push(
                        parse_quote!(Self::Unknown(ref v) => ::std::fmt::Display::fmt(v, f),),
                    );
                }
            }
        }
    }
}

/// How many impls of the trait `name` have `word` in their code.
fn impls_mentioning(file: &syn::File, name: &str, word: &str) -> usize {
    file.items
        .iter()
        .filter(|item| match item {
            Item::Impl(i) => implements(i, name) && quote::quote!(#i).to_string().contains(word),
            _ => false,
        })
        .count()
}

/// Whether `i` is an impl block for one of the types named in `types`.
fn impl_of(i: &syn::ItemImpl, types: &BTreeSet<String>) -> bool {
    matches!(&*i.self_ty, syn::Type::Path(p)
        if p.path.segments.last().is_some_and(|s| types.contains(&s.ident.to_string())))
}

/// Whether `i` implements the trait whose last path segment is `name`.
fn implements(i: &syn::ItemImpl, name: &str) -> bool {
    i.trait_
        .as_ref()
        .and_then(|(p, _)| p.segments.last())
        .is_some_and(|s| s.ident == name)
}

/// typify reads a required but nullable field with `deserialize_with = "Option::deserialize"`,
/// which refuses a missing key, and writes `None` as `null`. The live API and older objects
/// leave such keys out, so they decode as `None` when absent (`default`); requests still send
/// them, as `null` when unset, as the spec requires.
fn required_nullable(file: &mut syn::File) {
    for field in struct_fields(file) {
        for attr in field.attrs.iter_mut() {
            if attr.path().is_ident("serde")
                && has_serde_attr(std::slice::from_ref(attr), "Option::deserialize")
            {
                replace_in_attr(
                    attr,
                    "deserialize_with = \"::std::option::Option::deserialize\"",
                    "default",
                );
            }
        }
    }
}

/// typify writes a list the schema does not require as `Vec<T>` that is left out when empty,
/// so an absent list and an empty one look the same: a round trip drops `"annotations": []`,
/// and a request cannot send `"file_ids": []` (which can mean "none" where absent means "the
/// default"). Every such field becomes `Option<Vec<T>>`: `None` is absent, `Some(vec![])` is
/// `[]`, both ways.
fn optional_lists(file: &mut syn::File) {
    for field in struct_fields(file) {
        let Some(attr) = field.attrs.iter_mut().find(|a| {
            a.path().is_ident("serde") && has_serde_attr(std::slice::from_ref(a), "Vec::is_empty")
        }) else {
            continue;
        };
        // Only the skip condition changes: a `rename` in the same attribute stays.
        replace_in_attr(
            attr,
            "\"::std::vec::Vec::is_empty\"",
            "\"::std::option::Option::is_none\"",
        );
        let ty = &field.ty;
        field.ty = parse_quote!(::std::option::Option<#ty>);
    }
}

/// The fields the xtask marked `x-clearable` (nullable fields of modify requests) become
/// `Patch<T>`: left out, `null`, or a value.
fn clearable_fields(file: &mut syn::File, clearable: &BTreeSet<(String, String)>) -> usize {
    let mut changed = 0;
    for item in &mut file.items {
        let Item::Struct(s) = item else { continue };
        let name = s.ident.to_string();
        let Fields::Named(fields) = &mut s.fields else {
            continue;
        };
        for field in &mut fields.named {
            let json_name = serde_rename(&field.attrs).unwrap_or_else(|| {
                field
                    .ident
                    .as_ref()
                    .map(|i| i.to_string())
                    .unwrap_or_default()
            });
            if !clearable.contains(&(name.clone(), json_name)) {
                continue;
            }
            let Some(inner) = option_inner(&field.ty) else {
                continue;
            };
            let rename = serde_rename(&field.attrs);
            field.attrs.retain(|a| !a.path().is_ident("serde"));
            field.attrs.push(match rename {
                Some(name) => parse_quote!(#[serde(rename = #name, default, skip_serializing_if = "crate::Patch::is_keep")]),
                None => parse_quote!(#[serde(default, skip_serializing_if = "crate::Patch::is_keep")]),
            });
            field.ty = parse_quote!(crate::Patch<#inner>);
            changed += 1;
        }
    }
    changed
}

/// The lists of numbers the xtask marked `x-floats-or-base64` also decode from the base64
/// string of little-endian `f32`s the API sends for `encoding_format: "base64"`.
fn floats_or_base64(file: &mut syn::File, marked: &BTreeSet<(String, String)>) -> usize {
    let mut changed = 0;
    for item in &mut file.items {
        let Item::Struct(s) = item else { continue };
        let name = s.ident.to_string();
        let Fields::Named(fields) = &mut s.fields else {
            continue;
        };
        for field in &mut fields.named {
            let json_name = serde_rename(&field.attrs)
                .or_else(|| field.ident.as_ref().map(|i| i.to_string()))
                .unwrap_or_default();
            let ty = quote::ToTokens::to_token_stream(&field.ty).to_string();
            if marked.contains(&(name.clone(), json_name))
                && ty.replace(' ', "") == "::std::vec::Vec<f64>"
            {
                field
                    .attrs
                    .push(parse_quote!(#[serde(deserialize_with = "crate::embeddings::floats_or_base64")]));
                changed += 1;
            }
        }
    }
    changed
}

/// Structs whose fields are all optional get `Default` back where typify left it out (a
/// required nullable field stops typify from deriving it).
fn default_when_all_optional(file: &mut syn::File) {
    for item in &mut file.items {
        let Item::Struct(s) = item else { continue };
        let Fields::Named(fields) = &s.fields else {
            continue;
        };
        let all_optional = fields.named.iter().all(|f| {
            option_inner(&f.ty).is_some()
                || quote::ToTokens::to_token_stream(&f.ty)
                    .to_string()
                    .replace(' ', "")
                    .starts_with("crate::Patch<")
        });
        let has_default = s.attrs.iter().any(|a| {
            a.path().is_ident("derive") && quote::quote!(#a).to_string().contains("Default")
        });
        if all_optional && !has_default {
            s.attrs.push(parse_quote!(#[derive(Default)]));
        }
    }
}

/// Every named field of every struct and of every struct-like enum variant.
fn struct_fields(file: &mut syn::File) -> impl Iterator<Item = &mut syn::Field> {
    file.items.iter_mut().flat_map(|item| match item {
        Item::Struct(s) => match &mut s.fields {
            Fields::Named(fields) => fields.named.iter_mut().collect::<Vec<_>>(),
            _ => Vec::new(),
        },
        Item::Enum(e) => e
            .variants
            .iter_mut()
            .flat_map(|v| match &mut v.fields {
                Fields::Named(fields) => fields.named.iter_mut().collect::<Vec<_>>(),
                _ => Vec::new(),
            })
            .collect(),
        _ => Vec::new(),
    })
}

/// `T` of `Option<T>` (however the path to `Option` is written).
fn option_inner(ty: &syn::Type) -> Option<syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) => Some(inner.clone()),
        _ => None,
    }
}

/// The `#[serde(rename = "...")]` of a field, if any.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .find_map(|a| {
            let text = quote::quote!(#a).to_string();
            let start = text.find("rename = \"")? + "rename = \"".len();
            let end = text[start..].find('"')? + start;
            Some(text[start..end].to_string())
        })
}

/// `(type, field)` of every property the xtask marked `"x-clearable": true`.
fn clearable_set(schema: &serde_json::Value) -> BTreeSet<(String, String)> {
    marked(schema, "x-clearable")
}

/// `(type, field)` of every property the xtask marked `"<mark>": true`.
fn marked(schema: &serde_json::Value, mark: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let Some(defs) = schema.get("definitions").and_then(|d| d.as_object()) else {
        return out;
    };
    for (name, def) in defs {
        let Some(props) = def.get("properties").and_then(|p| p.as_object()) else {
            continue;
        };
        for (field, prop) in props {
            if prop.get(mark) == Some(&serde_json::Value::Bool(true)) {
                out.insert((name.clone(), field.clone()));
            }
        }
    }
    out
}

/// Replaces `from` by `to` in an attribute's tokens (as text), keeping the rest of it.
fn replace_in_attr(attr: &mut syn::Attribute, from: &str, to: &str) {
    let text = quote::quote!(#attr).to_string();
    let replaced = text.replace(from, to);
    if replaced == text {
        panic!("build.rs: `{from}` not found in {text}");
    }
    let parsed = syn::parse::Parser::parse_str(syn::Attribute::parse_outer, &replaced)
        .unwrap_or_else(|e| panic!("build.rs: {replaced}: {e}"));
    *attr = parsed.into_iter().next().expect("one attribute");
}

/// The objects an operation answers with, and the items of the lists it answers with: the
/// types that keep the fields this version does not know.
fn top_level_objects(
    operations: &serde_json::Value,
    schema: &serde_json::Value,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ops = operations["operations"].as_array().into_iter().flatten();
    for name in ops.filter_map(|op| op["response"].as_str()) {
        let def = &schema["definitions"][name];
        if def.is_null() {
            continue;
        }
        out.insert(name.to_owned());
        if let Some(item) = def["properties"]["data"]["items"]["$ref"].as_str() {
            out.insert(item.rsplit('/').next().unwrap_or(item).to_owned());
        }
    }
    out
}

/// Unknown fields survive a round trip on the top-level objects: each gains a flattened
/// `extra` map that collects them when decoding and writes them back when encoding. (Nested
/// structs do not: see the README's "Types" section for the measured cost.)
fn keep_unknown_fields(file: &mut syn::File, types: &BTreeSet<String>) {
    for item in &mut file.items {
        let Item::Struct(s) = item else { continue };
        if !types.contains(&s.ident.to_string()) {
            continue;
        }
        let Fields::Named(fields) = &mut s.fields else {
            continue;
        };
        fields.named.push(syn::parse_quote! {
            /// Fields this version of the crate does not know, kept as received and written
            /// back when the object is serialised.
            #[serde(flatten)]
            pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>
        });
    }
}

/// An enum whose spec has the value `"unknown"` (a message role, say) gets a variant named
/// `Unknown` from typify, which the catch-all `Unknown(..)` would clash with: that value's
/// variant becomes `UnknownValue` (still written `"unknown"`), in the enum and its impls.
fn rename_unknown_values(file: &mut syn::File) {
    let mut renamed = BTreeSet::new();
    for item in &mut file.items {
        let Item::Enum(e) = item else { continue };
        for v in e.variants.iter_mut() {
            if v.ident == "Unknown" {
                v.ident = syn::Ident::new("UnknownValue", v.ident.span());
                renamed.insert(e.ident.to_string());
            }
        }
    }
    // In their impls, `X::Unknown` becomes `X::UnknownValue`: a two-segment path, read as
    // tokens (`X`, `::`, `Unknown`) not followed by another `::`.
    fn rename(tokens: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
        use proc_macro2::TokenTree;
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let colons =
            |t: Option<&TokenTree>| matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == ':');
        let mut out = Vec::with_capacity(tokens.len());
        for (k, token) in tokens.iter().enumerate() {
            out.push(match token {
                TokenTree::Group(g) => {
                    let mut group = proc_macro2::Group::new(g.delimiter(), rename(g.stream()));
                    group.set_span(g.span());
                    TokenTree::Group(group)
                }
                TokenTree::Ident(id)
                    if id == "Unknown"
                        && k >= 3
                        && colons(tokens.get(k - 1))
                        && colons(tokens.get(k - 2))
                        && matches!(tokens.get(k - 3), Some(TokenTree::Ident(_)))
                        && !(k >= 4 && colons(tokens.get(k - 4)))
                        && !colons(tokens.get(k + 1)) =>
                {
                    TokenTree::Ident(syn::Ident::new("UnknownValue", id.span()))
                }
                other => other.clone(),
            });
        }
        out.into_iter().collect()
    }
    for item in &mut file.items {
        let Item::Impl(i) = item else { continue };
        if impl_of(i, &renamed) {
            let tokens = rename(quote::quote!(#i));
            *i = syn::parse2(tokens).expect("an impl with a renamed variant reparses");
        }
    }
}

/// Event unions whose every known variant carries a `sequence_number` (the response stream's
/// events) gain `sequence_number()` and `event_type()`, read from the JSON for `Unknown`, so
/// that a stream can order and name an event without matching dozens of variants.
fn event_accessors(file: &mut syn::File) {
    let mut impls: Vec<Item> = Vec::new();
    for item in &file.items {
        let Item::Enum(e) = item else { continue };
        if !has_serde_attr(&e.attrs, "tag=") {
            continue;
        }
        let known: Vec<&syn::Variant> =
            e.variants.iter().filter(|v| v.ident != "Unknown").collect();
        let all_numbered = known.len() > 1
            && known.iter().all(|v| match &v.fields {
                Fields::Named(f) => f.named.iter().any(|f| {
                    f.ident.as_ref().is_some_and(|i| i == "sequence_number")
                        && quote::quote!(#f).to_string().ends_with("i64")
                }),
                _ => false,
            });
        if !all_numbered {
            continue;
        }
        let name = &e.ident;
        let idents: Vec<&syn::Ident> = known.iter().map(|v| &v.ident).collect();
        let tags: Vec<String> = known
            .iter()
            .map(|v| serde_rename(&v.attrs).unwrap_or_else(|| v.ident.to_string()))
            .collect();
        impls.push(parse_quote! {
            impl #name {
                /// The event's place in its stream, from 0: later events have larger numbers.
                /// `None` only for an event this version does not know that carries none.
                pub fn sequence_number(&self) -> ::std::option::Option<i64> {
                    match self {
                        #(Self::#idents { sequence_number, .. } => Some(*sequence_number),)*
                        Self::Unknown(value) => value
                            .get("sequence_number")
                            .and_then(::serde_json::Value::as_i64),
                    }
                }

                /// The event's `type` as the server wrote it, e.g. `response.output_text.delta`
                /// (empty for an unknown event without one).
                pub fn event_type(&self) -> &str {
                    match self {
                        #(Self::#idents { .. } => #tags,)*
                        Self::Unknown(value) => value
                            .get("type")
                            .and_then(::serde_json::Value::as_str)
                            .unwrap_or_default(),
                    }
                }
            }
        });
    }
    file.items.extend(impls);
}

/// typify writes `FromStr`, `TryFrom<&str>`, `TryFrom<&String>` and `TryFrom<String>` for each
/// string enum and `From<&T> for T` for many types: over half of its items, unused by the crate
/// and a poor fit for open enums (they refuse the values `Unknown` exists for). Dropping them
/// (and the `error` module only they use) takes a quarter of the generated lines away (30,684
/// → 23,039); a value decodes from a string with `serde_json::from_value(json!(s))`, which
/// knows `Unknown`.
fn drop_unused_conversions(file: &mut syn::File) {
    file.items.retain(|item| {
        let Item::Impl(i) = item else { return true };
        let Some((path, _)) = &i.trait_ else {
            return true;
        };
        let Some(last) = path.segments.last() else {
            return true;
        };
        let from_a_reference = last.ident == "From"
            && matches!(&last.arguments, syn::PathArguments::AngleBracketed(a)
                if matches!(a.args.first(), Some(syn::GenericArgument::Type(syn::Type::Reference(_)))));
        !(last.ident == "TryFrom" || last.ident == "FromStr" || from_a_reference)
    });
    let code = quote::quote!(#file).to_string().replace(' ', "");
    if !code.contains("error::ConversionError") {
        file.items
            .retain(|item| !matches!(item, Item::Mod(m) if m.ident == "error"));
    }
}

/// Whether every variant of an untagged enum wraps one of the generated structs (and there
/// are at least three): a union of objects, as opposed to "a string or a list".
fn is_object_union(e: &syn::ItemEnum, structs: &BTreeSet<String>) -> bool {
    e.variants.len() >= 3
        && e.variants.iter().all(|v| match &v.fields {
            Fields::Unnamed(f) if f.unnamed.len() == 1 => match &f.unnamed[0].ty {
                syn::Type::Path(p) => p
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| structs.contains(&s.ident.to_string())),
                _ => false,
            },
            _ => false,
        })
}
