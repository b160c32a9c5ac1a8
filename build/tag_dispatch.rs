//! The `Deserialize` of the open unions, generated to read the tag once and dispatch (the
//! runtime half is `src/tagged.rs`):
//!
//! * internally tagged enums (`#[serde(tag = "type")]` with the `Unknown` fallback): the tag's
//!   value names the variant;
//! * untagged unions of structs (`ItemResource`, ...): each struct's `type` field is an enum
//!   of one value, which names the variant; where two structs share it (an input message and an
//!   output message are both `message`), a second field whose values differ between them
//!   (`role`) tells them apart. A union where neither works keeps serde's derive.
//!
//! The tagged enums a request can hold decode the same way, but a known tag whose object does
//! not fit its variant is `Unknown` (see [`generate`]); the untagged unions a request can hold
//! keep serde's derive. Serialisation keeps serde's derive.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;
use syn::{parse_quote, Fields, Item};

/// Replaces the derived `Deserialize` of every union it can dispatch by tag; returns how many
/// tagged enums and untagged unions it replaced.
///
/// The tagged enums a request can hold (reachable from `requests`) keep the fallback of
/// serde's derive: a known tag with a wrong body decodes as `Unknown`, because servers built
/// on these types (the local engine) look at that value to say which field was wrong, as the
/// API does (`tools[0].function.name`); see `tagged::deserialize_or_unknown`. Answers' unions
/// decode by their tag and a wrong body is an error. The untagged unions of structs a request
/// can hold keep serde's derive, which tries each struct in turn.
pub fn generate(file: &mut syn::File, requests: &BTreeSet<String>) -> (usize, usize) {
    let values = enum_values(file);
    let structs = struct_fields(file);
    let in_requests = reachable(file, requests);
    let mut impls: Vec<Item> = Vec::new();
    let (mut tagged, mut unions) = (0, 0);
    for item in &mut file.items {
        let Item::Enum(e) = item else { continue };
        if !has_unknown(e) {
            continue;
        }
        let in_request = in_requests.contains(&e.ident.to_string());
        let dispatch = if let Some(tag) = internal_tag(e) {
            tagged_enum(e, &tag, in_request).inspect(|_| tagged += 1)
        } else if super::has_serde_attr(&e.attrs, "untagged") && !in_request {
            struct_union(e, &structs, &values).inspect(|_| unions += 1)
        } else {
            None
        };
        if let Some(code) = dispatch {
            super::directions::drop_derive(&mut e.attrs, "Deserialize");
            let code: syn::File = parse_quote!(#code);
            impls.extend(code.items);
        }
    }
    file.items.extend(impls);
    (tagged, unions)
}

/// Every type `roots` hold, directly or through other types (by the names in their fields'
/// and variants' types).
pub fn reachable(file: &syn::File, roots: &BTreeSet<String>) -> BTreeSet<String> {
    // Every identifier in a type (`Option<Vec<Foo>>` names `Option`, `Vec` and `Foo`).
    fn names(tokens: TokenStream, out: &mut BTreeSet<String>) {
        for token in tokens {
            match token {
                proc_macro2::TokenTree::Ident(id) => {
                    out.insert(id.to_string());
                }
                proc_macro2::TokenTree::Group(g) => names(g.stream(), out),
                _ => {}
            }
        }
    }
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in &file.items {
        let (name, fields): (_, Vec<&syn::Field>) = match item {
            Item::Struct(s) => (s.ident.to_string(), s.fields.iter().collect()),
            Item::Enum(e) => (
                e.ident.to_string(),
                e.variants.iter().flat_map(|v| v.fields.iter()).collect(),
            ),
            _ => continue,
        };
        let used = uses.entry(name).or_default();
        for field in fields {
            let ty = &field.ty;
            names(quote!(#ty), used);
        }
    }
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = roots.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        if seen.insert(name.clone()) {
            todo.extend(uses.get(&name).into_iter().flatten().cloned());
        }
    }
    seen
}

/// `K` of `#[serde(tag = "K")]`, unless the enum is adjacently tagged (`content = ...`).
fn internal_tag(e: &syn::ItemEnum) -> Option<String> {
    if super::has_serde_attr(&e.attrs, "content=") {
        return None;
    }
    e.attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .find_map(|a| {
            let text = quote!(#a).to_string().replace(' ', "");
            let start = text.find("tag=\"")? + 5;
            let end = start + text[start..].find('"')?;
            Some(text[start..end].to_string())
        })
}

fn has_unknown(e: &syn::ItemEnum) -> bool {
    e.variants.iter().any(|v| v.ident == "Unknown")
}

/// The name a variant or field has on the wire.
fn wire_name(attrs: &[syn::Attribute], ident: &syn::Ident) -> String {
    super::serde_rename(attrs).unwrap_or_else(|| ident.to_string().trim_start_matches("r#").into())
}

/// One dispatch arm: the tag value, the second key's values (if the tag is shared), and the
/// expression that decodes the variant from `entries`.
struct Arm {
    tag: String,
    second: Option<Vec<String>>,
    decode: TokenStream,
}

fn tagged_enum(e: &syn::ItemEnum, tag: &str, or_unknown: bool) -> Option<TokenStream> {
    let mut arms = Vec::new();
    for v in e.variants.iter().filter(|v| v.ident != "Unknown") {
        let ident = &v.ident;
        let decode = match &v.fields {
            Fields::Unit => quote! {{
                <::serde::de::IgnoredAny as ::serde::Deserialize>::deserialize(entries)?;
                Ok(Self::#ident)
            }},
            Fields::Unnamed(f) if f.unnamed.len() == 1 => {
                quote!(Ok(Self::#ident(::serde::Deserialize::deserialize(entries)?)))
            }
            Fields::Named(f) => {
                let fields = f.named.iter().map(|field| {
                    let attrs = field.attrs.iter().filter(|a| a.path().is_ident("serde"));
                    let (name, ty) = (&field.ident, &field.ty);
                    quote!(#(#attrs)* #name: #ty)
                });
                let names: Vec<_> = f.named.iter().map(|field| &field.ident).collect();
                quote! {{
                    #[derive(::serde::Deserialize)]
                    struct Body { #(#fields,)* }
                    let v: Body = ::serde::Deserialize::deserialize(entries)?;
                    Ok(Self::#ident { #(#names: v.#names,)* })
                }}
            }
            Fields::Unnamed(_) => return None,
        };
        arms.push(Arm {
            tag: wire_name(&v.attrs, ident),
            second: None,
            decode,
        });
    }
    Some(dispatch_impl(&e.ident, tag, false, None, &arms, or_unknown))
}

fn struct_union(
    e: &syn::ItemEnum,
    structs: &BTreeMap<String, Vec<StructField>>,
    values: &BTreeMap<String, Vec<String>>,
) -> Option<TokenStream> {
    // (variant, struct) of every variant but Unknown; each must be a struct of ours.
    let mut members = Vec::new();
    for v in e.variants.iter().filter(|v| v.ident != "Unknown") {
        let Fields::Unnamed(f) = &v.fields else {
            return None;
        };
        let name = last_ident(&f.unnamed.first()?.ty)?;
        members.push((&v.ident, structs.get(&name)?));
    }
    // The one value of each struct's required `type` field.
    let one_value = |fields: &[StructField], key: &str| -> Option<Vec<String>> {
        let field = fields.iter().find(|f| f.wire == key && !f.optional)?;
        values.get(field.ty.as_ref()?).cloned()
    };
    let mut by_tag: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, (_, fields)) in members.iter().enumerate() {
        match one_value(fields, "type")?.as_slice() {
            [tag] => by_tag.entry(tag.clone()).or_default().push(i),
            _ => return None,
        }
    }
    let mut arms = Vec::new();
    let mut second_keys = Vec::new();
    for (tag, group) in &by_tag {
        let seconds: Vec<Option<Vec<String>>> = if group.len() == 1 {
            vec![None]
        } else {
            let key = second_key(group.iter().map(|&i| members[i].1), &one_value)?;
            second_keys.push((tag.clone(), key.clone()));
            group
                .iter()
                .map(|&i| one_value(members[i].1, &key))
                .collect()
        };
        for (&i, second) in group.iter().zip(seconds) {
            let ident = members[i].0;
            arms.push(Arm {
                tag: tag.clone(),
                second,
                decode: quote!(Ok(Self::#ident(::serde::Deserialize::deserialize(entries)?))),
            });
        }
    }
    Some(dispatch_impl(
        &e.ident,
        "type",
        true,
        Some(&second_keys),
        &arms,
        false,
    ))
}

/// A field every struct of the group requires, typed by enums whose values no two of them
/// share: the first such, by name.
fn second_key<'a>(
    group: impl Iterator<Item = &'a Vec<StructField>> + Clone,
    one_value: &impl Fn(&[StructField], &str) -> Option<Vec<String>>,
) -> Option<String> {
    let first = group.clone().next()?;
    first.iter().map(|f| &f.wire).find_map(|key| {
        let mut seen = BTreeSet::new();
        for fields in group.clone() {
            for value in one_value(fields, key)? {
                if !seen.insert(value) {
                    return None;
                }
            }
        }
        Some(key.clone())
    })
}

fn dispatch_impl(
    name: &syn::Ident,
    tag: &str,
    keep_tag: bool,
    second_keys: Option<&[(String, String)]>,
    arms: &[Arm],
    or_unknown: bool,
) -> TokenStream {
    let patterns: Vec<TokenStream> = arms
        .iter()
        .map(|arm| {
            let tag = &arm.tag;
            match &arm.second {
                Some(values) => quote!((#tag, Some(#(#values)|*))),
                None => quote!((#tag, _)),
            }
        })
        .collect();
    let decodes = arms.iter().map(|arm| &arm.decode);
    let second_key = second_keys.filter(|k| !k.is_empty()).map(|keys| {
        let (tags, keys): (Vec<_>, Vec<_>) = keys.iter().cloned().unzip();
        quote! {
            fn second_key(tag: &str) -> ::std::option::Option<&'static str> {
                match tag {
                    #(#tags => Some(#keys),)*
                    _ => None,
                }
            }
        }
    });
    let entry = if or_unknown {
        quote!(deserialize_or_unknown)
    } else {
        quote!(deserialize)
    };
    quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                input: D,
            ) -> ::std::result::Result<Self, D::Error> {
                crate::tagged::#entry(input)
            }
        }
        impl crate::tagged::Tagged for #name {
            const TAG: &'static str = #tag;
            const KEEP_TAG: bool = #keep_tag;
            #second_key
            fn known(tag: &str, second: ::std::option::Option<&str>) -> bool {
                matches!((tag, second), #(#patterns)|*)
            }
            fn variant<'de, D: ::serde::Deserializer<'de>>(
                tag: &str,
                second: ::std::option::Option<&str>,
                entries: D,
            ) -> ::std::result::Result<Self, D::Error> {
                match (tag, second) {
                    #(#patterns => #decodes,)*
                    _ => Err(<D::Error as ::serde::de::Error>::custom("no variant for this tag")),
                }
            }
            fn unknown(raw: ::serde_json::Value) -> Self {
                Self::Unknown(raw)
            }
        }
    }
}

/// The known wire values of every string enum (its variants but `Unknown`).
fn enum_values(file: &syn::File) -> BTreeMap<String, Vec<String>> {
    file.items
        .iter()
        .filter_map(|item| match item {
            Item::Enum(e) => Some(e),
            _ => None,
        })
        .filter(|e| {
            e.variants
                .iter()
                .all(|v| v.ident == "Unknown" || matches!(v.fields, Fields::Unit))
        })
        .map(|e| {
            let values = e
                .variants
                .iter()
                .filter(|v| v.ident != "Unknown")
                .map(|v| wire_name(&v.attrs, &v.ident))
                .collect();
            (e.ident.to_string(), values)
        })
        .collect()
}

/// A struct field as the dispatch sees it.
struct StructField {
    wire: String,
    /// The field's type name when it is a plain path (`InputMessageResourceRole`).
    ty: Option<String>,
    optional: bool,
}

fn struct_fields(file: &syn::File) -> BTreeMap<String, Vec<StructField>> {
    let mut out = BTreeMap::new();
    for item in &file.items {
        let Item::Struct(s) = item else { continue };
        let Fields::Named(fields) = &s.fields else {
            continue;
        };
        let fields = fields
            .named
            .iter()
            .filter_map(|f| {
                let optional = super::option_inner(&f.ty).is_some();
                Some(StructField {
                    wire: wire_name(&f.attrs, f.ident.as_ref()?),
                    ty: last_ident(&f.ty),
                    optional,
                })
            })
            .collect();
        out.insert(s.ident.to_string(), fields);
    }
    out
}

fn last_ident(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}
