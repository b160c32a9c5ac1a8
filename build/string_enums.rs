//! The open string enums (unit variants and a last `Unknown(String)`) are written and read
//! as one string each. serde's derive would read them as an untagged enum: buffer the value,
//! try the known names, then try again as a string, for every deserializer a program uses.
//! Instead each gets `as_str` (the value as written) and, in the directions it travels, a
//! `Serialize` that writes `as_str()` and a `Deserialize` that reads the string once (through
//! `src/open_str.rs`, borrowed when the input allows) and matches it against the known values.

use syn::{parse_quote, Fields, Item};

use super::directions::{drop_derive, drop_serde_attrs};

/// Rewrites every open string enum as above; returns how many now decode through
/// `open_str::deserialize`.
pub fn generate(file: &mut syn::File) -> usize {
    let mut impls: Vec<Item> = Vec::new();
    let mut decoded = 0;
    let mut rewritten = std::collections::BTreeSet::new();
    for item in &mut file.items {
        let Item::Enum(e) = item else { continue };
        let Some(wire) = wire_names(e) else { continue };
        let serialize = drop_derive(&mut e.attrs, "Serialize");
        let deserialize = drop_derive(&mut e.attrs, "Deserialize");
        drop_serde_attrs(item);
        let Item::Enum(e) = item else { unreachable!() };
        let name = &e.ident;
        let known: Vec<&syn::Ident> = e
            .variants
            .iter()
            .filter(|v| matches!(v.fields, Fields::Unit))
            .map(|v| &v.ident)
            .collect();
        impls.push(parse_quote! {
            impl #name {
                /// The value as the API writes it (for `Unknown`, as received).
                pub fn as_str(&self) -> &str {
                    match self {
                        #(Self::#known => #wire,)*
                        Self::Unknown(value) => value,
                    }
                }
            }
        });
        impls.push(parse_quote! {
            impl ::std::fmt::Display for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }
        });
        if serialize {
            impls.push(parse_quote! {
                impl ::serde::Serialize for #name {
                    fn serialize<S: ::serde::Serializer>(
                        &self,
                        serializer: S,
                    ) -> ::std::result::Result<S::Ok, S::Error> {
                        serializer.serialize_str(self.as_str())
                    }
                }
            });
        }
        if deserialize {
            decoded += 1;
            impls.push(parse_quote! {
                impl<'de> ::serde::Deserialize<'de> for #name {
                    fn deserialize<D: ::serde::Deserializer<'de>>(
                        deserializer: D,
                    ) -> ::std::result::Result<Self, D::Error> {
                        let value = crate::open_str::deserialize(deserializer)?;
                        Ok(match &*value {
                            #(#wire => Self::#known,)*
                            _ => Self::Unknown(value.into_owned()),
                        })
                    }
                }
            });
        }
        rewritten.insert(name.to_string());
    }
    // typify's `Display` (a match of its own) gives way to the one above.
    file.items.retain(|item| {
        !matches!(item, Item::Impl(i)
            if super::implements(i, "Display") && super::impl_of(i, &rewritten))
    });
    file.items.extend(impls);
    decoded
}

/// The wire names of an open string enum's known values, in order; `None` for any other
/// enum, or one whose variants carry serde attributes beyond `rename` (kept on the derive).
fn wire_names(e: &syn::ItemEnum) -> Option<Vec<String>> {
    let variants: Vec<&syn::Variant> = e.variants.iter().collect();
    let (last, known) = variants.split_last()?;
    let unknown_string = last.ident == "Unknown"
        && matches!(&last.fields, Fields::Unnamed(f) if f.unnamed.len() == 1
            && quote::quote!(#f).to_string().replace(' ', "").ends_with("String)"));
    if !unknown_string || known.is_empty() {
        return None;
    }
    if e.attrs.iter().any(|a| a.path().is_ident("serde")) {
        return None;
    }
    known
        .iter()
        .map(|v| {
            if !matches!(v.fields, Fields::Unit) {
                return None;
            }
            let serde_attrs: Vec<&syn::Attribute> = v
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("serde"))
                .collect();
            match serde_attrs.as_slice() {
                [] => Some(v.ident.to_string()),
                [only] => {
                    let text = quote::quote!(#only).to_string().replace(' ', "");
                    let rename = super::serde_rename(&v.attrs)?;
                    // Written back as a literal below: no character that needs escaping.
                    let plain = rename
                        .chars()
                        .all(|c| c.is_ascii_graphic() && !"\"\\".contains(c));
                    (plain && text == format!("#[serde(rename=\"{rename}\")]")).then_some(rename)
                }
                _ => None,
            }
        })
        .collect()
}
