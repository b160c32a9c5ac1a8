//! Decoding of the top-level objects, which keep the fields this version does not know in a
//! flattened `extra` map. serde's derive decodes a struct with a flattened field by reading
//! the whole object into a buffer first and each field from that buffer; these objects are
//! most of what a call decodes. So their `Deserialize` is derived on a private twin without
//! the flattened field (`#[serde(remote = ..)]`, which builds the real type) and run through
//! `src/unknown_fields.rs`, which streams the object and hands the entries the twin skips
//! to `extra`. `Serialize` keeps the flattened field: writing it costs nothing extra.

use std::collections::BTreeSet;

use syn::{parse_quote, Fields, Item};

/// Rewrites the `Deserialize` of each struct in `types` that derives it and has an `extra`
/// field, as described above. Run after the derives are final (after `directions::trim`).
/// Returns how many were rewritten.
pub fn stream(file: &mut syn::File, types: &BTreeSet<String>) -> usize {
    let taken: BTreeSet<String> = file
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => Some(s.ident.to_string()),
            Item::Enum(e) => Some(e.ident.to_string()),
            _ => None,
        })
        .collect();
    let mut added: Vec<Item> = Vec::new();
    for item in &mut file.items {
        let Item::Struct(s) = item else { continue };
        let name = s.ident.to_string();
        if !types.contains(&name) || !has_extra(&s.fields) {
            continue;
        }
        if !super::directions::drop_derive(&mut s.attrs, "Deserialize") {
            continue;
        }
        let twin = syn::Ident::new(&format!("{name}Known"), s.ident.span());
        assert!(
            !taken.contains(&twin.to_string()),
            "build.rs: the spec already has a type named {twin}"
        );
        let ident = &s.ident;
        let remote = syn::LitStr::new(&name, s.ident.span());
        let serde_attrs = s.attrs.iter().filter(|a| a.path().is_ident("serde"));
        let mut fields = s.fields.clone();
        for field in fields.iter_mut() {
            field.vis = syn::Visibility::Inherited;
            if field.ident.as_ref().is_some_and(|i| i == "extra") {
                field.attrs = vec![parse_quote!(#[serde(skip)])];
            } else {
                field.attrs.retain(|a| a.path().is_ident("serde"));
            }
        }
        let Fields::Named(fields) = fields else {
            unreachable!("has_extra checked the fields are named")
        };
        let doc = format!(
            " The fields of [`{name}`] this version knows: its `Deserialize`, streamed \
             (see `build/unknown_fields.rs`)."
        );
        added.push(parse_quote! {
            #[doc = #doc]
            #[derive(::serde::Deserialize)]
            #[serde(remote = #remote)]
            #(#serde_attrs)*
            #[allow(dead_code)]
            struct #twin #fields
        });
        added.push(parse_quote! {
            impl<'de> ::serde::Deserialize<'de> for #ident {
                fn deserialize<D: ::serde::Deserializer<'de>>(input: D) -> ::std::result::Result<Self, D::Error> {
                    let mut extra = ::serde_json::Map::new();
                    let mut value = #twin::deserialize(crate::unknown_fields::Collect::new(input, &mut extra))?;
                    value.extra = extra;
                    Ok(value)
                }
            }
        });
        if !super::directions::derives_serde(&s.attrs) {
            let mut stripped = Item::Struct(s.clone());
            super::directions::drop_serde_attrs(&mut stripped);
            *item = stripped;
        }
    }
    let count = added.len() / 2;
    file.items.extend(added);
    count
}

fn has_extra(fields: &Fields) -> bool {
    matches!(fields, Fields::Named(named) if named.named.iter().any(|f| f.ident.as_ref().is_some_and(|i| i == "extra")))
}
