//! Which way each generated type travels. A client only sends requests and only reads
//! answers, so without the `both-ways` feature a type that only requests hold derives only
//! `Serialize`, and one that only answers hold derives only `Deserialize`. serde's derive is
//! most of the generated code's build, and the `Deserialize` of a large request
//! (`CompletionCreateRequest`) is the largest single item.
//!
//! Servers, proxies and caches (the local engine among them) turn `both-ways` on: every type
//! then derives both, as it does by default.

use std::collections::BTreeSet;

use syn::{parse_quote, Item};

/// Drops the derive a type's direction does not need. `requests` are the types of the
/// enabled operations' bodies and query strings, `answers` those of their answers and event
/// streams. A type no root reaches keeps both, and so does everything it holds; a type both
/// hold keeps both. Returns how many derives were dropped (`Serialize`, `Deserialize`).
pub fn trim(
    file: &mut syn::File,
    requests: &BTreeSet<String>,
    answers: &BTreeSet<String>,
) -> (usize, usize) {
    let sent = super::tag_dispatch::reachable(file, requests);
    let read = super::tag_dispatch::reachable(file, answers);
    let unclassified: BTreeSet<String> = file
        .items
        .iter()
        .filter_map(type_name)
        .filter(|name| !sent.contains(name) && !read.contains(name))
        .collect();
    let serialized =
        super::tag_dispatch::reachable(file, &sent.union(&unclassified).cloned().collect());
    let deserialized =
        super::tag_dispatch::reachable(file, &read.union(&unclassified).cloned().collect());
    // The `Deserialize` written for a union (`tag_dispatch.rs`, `kind_dispatch.rs`) goes with
    // its derive, and so do the impls that only it uses.
    file.items.retain(|item| {
        let Item::Impl(i) = item else { return true };
        let written_for_decoding = i.trait_.as_ref().is_some_and(|(path, _)| {
            path.segments.last().is_some_and(|s| {
                ["Deserialize", "Tagged", "ByKind"].contains(&s.ident.to_string().as_str())
            })
        });
        let ty = match &*i.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        !(written_for_decoding && ty.is_some_and(|t| !deserialized.contains(&t)))
    });
    let (mut ser, mut de) = (0, 0);
    for item in &mut file.items {
        let Some(name) = type_name(item) else {
            continue;
        };
        let attrs = match item {
            Item::Struct(s) => &mut s.attrs,
            Item::Enum(e) => &mut e.attrs,
            _ => continue,
        };
        if !serialized.contains(&name) && drop_derive(attrs, "Serialize") {
            ser += 1;
        }
        if !deserialized.contains(&name) && drop_derive(attrs, "Deserialize") {
            de += 1;
        }
        if !derives_serde(attrs) {
            drop_serde_attrs(item);
        }
    }
    (ser, de)
}

/// Whether `attrs` derive `Serialize` or `Deserialize`.
pub fn derives_serde(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            let text = quote::quote!(#a).to_string();
            text.contains("Serialize") || text.contains("Deserialize")
        })
}

/// Removes the `#[serde(..)]` attributes of a type that derives neither (a union whose
/// `Deserialize` is written by hand and which is never sent): no derive would read them.
pub fn drop_serde_attrs(item: &mut Item) {
    let strip = |attrs: &mut Vec<syn::Attribute>| attrs.retain(|a| !a.path().is_ident("serde"));
    match item {
        Item::Struct(s) => {
            strip(&mut s.attrs);
            s.fields.iter_mut().for_each(|f| strip(&mut f.attrs));
        }
        Item::Enum(e) => {
            strip(&mut e.attrs);
            for v in &mut e.variants {
                strip(&mut v.attrs);
                v.fields.iter_mut().for_each(|f| strip(&mut f.attrs));
            }
        }
        _ => {}
    }
}

fn type_name(item: &Item) -> Option<String> {
    match item {
        Item::Struct(s) => Some(s.ident.to_string()),
        Item::Enum(e) => Some(e.ident.to_string()),
        _ => None,
    }
}

/// Removes `name` (e.g. `Deserialize`, whatever its path) from the `#[derive(..)]` lists of
/// `attrs`; whether it was there.
pub fn drop_derive(attrs: &mut [syn::Attribute], name: &str) -> bool {
    let mut dropped = false;
    for a in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let Ok(list) = a.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            continue;
        };
        let before = list.len();
        let kept: Vec<syn::Path> = list
            .into_iter()
            .filter(|p| p.segments.last().is_none_or(|s| s.ident != name))
            .collect();
        dropped |= kept.len() < before;
        *a = parse_quote!(#[derive(#(#kept),*)]);
    }
    dropped
}
