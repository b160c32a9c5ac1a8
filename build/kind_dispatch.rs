//! The `Deserialize` of the untagged unions whose variants each take a different kind of JSON
//! value (`"auto"` or `{"type": "function", ...}`, a string or a list, ...), generated to look
//! at the value's kind once and decode the variant of that kind straight from the input (the
//! runtime half is `src/by_kind.rs`). serde's derive reads the value into a buffer and tries
//! each variant in turn, building an error for each that fails.
//!
//! A union where two variants take the same kind (two kinds of object, a `Value`) keeps
//! serde's derive, as do the unions of structs with an `Unknown` fallback (see
//! `tag_dispatch.rs`). Serialisation keeps serde's derive.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;
use syn::{parse_quote, Fields, Item};

// The kinds of JSON value, as the bits of `by_kind::ByKind::KINDS`.
const NULL: u8 = 1;
const BOOL: u8 = 2;
const NUMBER: u8 = 4;
const STRING: u8 = 8;
const ARRAY: u8 = 16;
const OBJECT: u8 = 32;

/// Replaces the derived `Deserialize` of every untagged union whose variants take disjoint
/// kinds of value; returns how many it replaced.
pub fn generate(file: &mut syn::File) -> usize {
    let kinds = TypeKinds::read(file);
    let mut impls: Vec<Item> = Vec::new();
    for item in &mut file.items {
        let Item::Enum(e) = item else { continue };
        if !super::has_serde_attr(&e.attrs, "untagged") {
            continue;
        }
        let Some(code) = by_kind(e, &kinds) else {
            continue;
        };
        super::directions::drop_derive(&mut e.attrs, "Deserialize");
        let code: syn::File = parse_quote!(#code);
        impls.extend(code.items);
    }
    let count = impls.len() / 2;
    file.items.extend(impls);
    count
}

/// The impls of one union, if its variants' kinds are known and disjoint.
fn by_kind(e: &syn::ItemEnum, kinds: &TypeKinds) -> Option<TokenStream> {
    let mut all = 0u8;
    // For each kind, the expression that decodes its variant from `input`.
    let mut arms: Vec<(u8, TokenStream)> = Vec::new();
    for v in &e.variants {
        let ident = &v.ident;
        let (kind, decode) = match &v.fields {
            Fields::Unnamed(f) if f.unnamed.len() == 1 => (
                kinds.of(&f.unnamed[0].ty, 0)?,
                quote!(::serde::Deserialize::deserialize(input).map(Self::#ident)),
            ),
            Fields::Named(f) => {
                let fields = f.named.iter().map(|field| {
                    let attrs = field.attrs.iter().filter(|a| a.path().is_ident("serde"));
                    let (name, ty) = (&field.ident, &field.ty);
                    quote!(#(#attrs)* #name: #ty)
                });
                let names: Vec<_> = f.named.iter().map(|field| &field.ident).collect();
                let decode = quote! {{
                    #[derive(::serde::Deserialize)]
                    struct Body { #(#fields,)* }
                    let v: Body = ::serde::Deserialize::deserialize(input)?;
                    Ok(Self::#ident { #(#names: v.#names,)* })
                }};
                (OBJECT, decode)
            }
            _ => return None,
        };
        if kind == 0 || all & kind != 0 {
            return None;
        }
        all |= kind;
        arms.push((kind, decode));
    }
    if arms.len() < 2 {
        return None;
    }
    // One method per kind a variant takes; a variant taking several kinds (a string enum
    // only takes strings, but a nested union may take a string and a list) gets each.
    let methods = [
        (NULL, quote!(null)),
        (BOOL, quote!(bool)),
        (NUMBER, quote!(number)),
        (STRING, quote!(string)),
        (ARRAY, quote!(array)),
        (OBJECT, quote!(object)),
    ]
    .into_iter()
    .filter_map(|(bit, method)| {
        let (_, decode) = arms.iter().find(|(kind, _)| kind & bit != 0)?;
        Some(quote! {
            fn #method<'de, D: ::serde::Deserializer<'de>>(
                input: D,
            ) -> ::std::result::Result<Self, D::Error> {
                #decode
            }
        })
    });
    let name = &e.ident;
    Some(quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                input: D,
            ) -> ::std::result::Result<Self, D::Error> {
                crate::by_kind::deserialize(input)
            }
        }
        impl crate::by_kind::ByKind for #name {
            const KINDS: u8 = #all;
            #(#methods)*
        }
    })
}

/// What the kind of value each generated type takes depends on.
enum Def {
    /// A struct with named fields: an object.
    Struct,
    /// A `#[serde(transparent)]` newtype: what its field takes.
    Transparent(Box<syn::Type>),
    /// An enum of unit variants (and `Unknown(String)`): a string.
    Strings,
    /// An enum tagged by a field (`#[serde(tag = "type")]`): an object.
    Tagged,
    /// An untagged union: what its variants take, together.
    Untagged(Vec<Option<syn::Type>>),
}

struct TypeKinds(BTreeMap<String, Def>);

impl TypeKinds {
    fn read(file: &syn::File) -> Self {
        let mut defs = BTreeMap::new();
        for item in &file.items {
            let (name, def) = match item {
                Item::Struct(s) => {
                    let def = match &s.fields {
                        Fields::Named(_) => Def::Struct,
                        Fields::Unnamed(f)
                            if f.unnamed.len() == 1
                                && super::has_serde_attr(&s.attrs, "transparent") =>
                        {
                            Def::Transparent(Box::new(f.unnamed[0].ty.clone()))
                        }
                        _ => continue,
                    };
                    (s.ident.to_string(), def)
                }
                Item::Enum(e) => {
                    let def = if super::has_serde_attr(&e.attrs, "tag=") {
                        Def::Tagged
                    } else if super::has_serde_attr(&e.attrs, "untagged") {
                        Def::Untagged(
                            e.variants
                                .iter()
                                .map(|v| match &v.fields {
                                    Fields::Unnamed(f) if f.unnamed.len() == 1 => {
                                        Some(f.unnamed[0].ty.clone())
                                    }
                                    _ => None,
                                })
                                .collect(),
                        )
                    } else if e.variants.iter().all(|v| {
                        matches!(v.fields, Fields::Unit)
                            || (v.ident == "Unknown" && matches!(v.fields, Fields::Unnamed(_)))
                    }) {
                        Def::Strings
                    } else {
                        continue;
                    };
                    (e.ident.to_string(), def)
                }
                _ => continue,
            };
            defs.insert(name, def);
        }
        TypeKinds(defs)
    }

    /// The kinds of value `ty` takes, if known: `None` for a `Value`, an `Option` or a type
    /// this pass does not know.
    fn of(&self, ty: &syn::Type, depth: usize) -> Option<u8> {
        let syn::Type::Path(p) = ty else { return None };
        let last = p.path.segments.last()?.ident.to_string();
        Some(match last.as_str() {
            "String" => STRING,
            "Vec" => ARRAY,
            "bool" => BOOL,
            "f64" | "f32" | "i64" | "i32" | "u64" | "u32" => NUMBER,
            "Map" | "HashMap" | "BTreeMap" => OBJECT,
            _ if depth > 8 => return None,
            name => match self.0.get(name)? {
                Def::Struct | Def::Tagged => OBJECT,
                Def::Strings => STRING,
                Def::Transparent(inner) => self.of(inner, depth + 1)?,
                Def::Untagged(variants) => variants
                    .iter()
                    .try_fold(0, |all, v| Some(all | self.of(v.as_ref()?, depth + 1)?))?,
            },
        })
    }
}
