//! The `Deserialize` of the plain structs, written here instead of serde's derive: a map of
//! fields read in one loop. The derive also writes a `visit_seq` (a struct sent as a JSON
//! array, which no API answer is) and a field-name visitor with a string, a bytes and an index
//! method for each struct; every program compiles all of them for each deserializer it uses.
//! Here a field name is matched by one non-generic function per struct, called through one
//! shared visitor (`src/open_str.rs`), and nothing is allocated for it.
//!
//! What the derive does, this does: a field named by `#[serde(rename)]`, a missing `Option`
//! is `None`, a missing `#[serde(default)]` field its `Default`, any other missing field and
//! a repeated one are errors naming it, unknown fields are skipped. Structs with any other
//! serde attribute (`flatten`, `skip`, `remote`, `transparent`, `deserialize_with`, ...)
//! keep the derive.

use syn::{parse_quote, Fields, Item};

use super::directions::{derives_serde, drop_derive, drop_serde_attrs};

/// How a field is filled when its key is absent.
enum Missing {
    None,
    Default,
    Error,
}

/// Rewrites the `Deserialize` of every eligible struct; returns how many.
pub fn generate(file: &mut syn::File) -> usize {
    let mut impls: Vec<Item> = Vec::new();
    for item in &mut file.items {
        let Item::Struct(s) = item else { continue };
        if !s.generics.params.is_empty()
            || s.attrs.iter().any(|a| a.path().is_ident("serde"))
            || !derives(&s.attrs, "Deserialize")
        {
            continue;
        }
        let Fields::Named(named) = &s.fields else {
            continue;
        };
        let Some(plan) = named
            .named
            .iter()
            .map(|f| Some((f.ident.clone()?, field_plan(f)?)))
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        // Field indices are `u8`s, `u8::MAX` for a name the struct does not have.
        if plan.len() >= usize::from(u8::MAX) {
            continue;
        }
        let name = s.ident.clone();
        let expecting = format!("struct {name}");
        let idents: Vec<&syn::Ident> = plan.iter().map(|(i, _)| i).collect();
        let types: Vec<&syn::Type> = named.named.iter().map(|f| &f.ty).collect();
        let slots: Vec<syn::Ident> = (0..plan.len())
            .map(|i| quote::format_ident!("slot_{i}"))
            .collect();
        let wires: Vec<&String> = plan.iter().map(|(_, (w, _))| w).collect();
        let indices: Vec<u8> = (0..plan.len() as u8).collect();
        let finish = plan
            .iter()
            .zip(&slots)
            .map(|((_, (wire, missing)), slot)| -> syn::Expr {
                match missing {
                    Missing::None => parse_quote!(#slot.flatten()),
                    Missing::Default => parse_quote!(#slot.unwrap_or_default()),
                    Missing::Error => parse_quote!(
                        #slot.ok_or_else(|| <A::Error as ::serde::de::Error>::missing_field(#wire))?
                    ),
                }
            });
        impls.push(parse_quote! {
            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<D: ::serde::Deserializer<'de>>(
                    deserializer: D,
                ) -> ::std::result::Result<Self, D::Error> {
                    struct Fields;
                    impl<'de> ::serde::de::Visitor<'de> for Fields {
                        type Value = #name;
                        fn expecting(
                            &self,
                            f: &mut ::std::fmt::Formatter<'_>,
                        ) -> ::std::fmt::Result {
                            f.write_str(#expecting)
                        }
                        fn visit_map<A: ::serde::de::MapAccess<'de>>(
                            self,
                            mut map: A,
                        ) -> ::std::result::Result<#name, A::Error> {
                            fn field(name: &str) -> u8 {
                                match name {
                                    #(#wires => #indices,)*
                                    _ => u8::MAX,
                                }
                            }
                            #(let mut #slots: ::std::option::Option<#types> = None;)*
                            while let Some(index) = map.next_key_seed(crate::open_str::Field(field))? {
                                match index {
                                    #(#indices => crate::open_str::field(&mut map, &mut #slots, #wires)?,)*
                                    _ => {
                                        map.next_value::<::serde::de::IgnoredAny>()?;
                                    }
                                }
                            }
                            Ok(#name { #(#idents: #finish,)* })
                        }
                    }
                    deserializer.deserialize_map(Fields)
                }
            }
        });
        drop_derive(&mut s.attrs, "Deserialize");
        if !derives_serde(&s.attrs) {
            drop_serde_attrs(item);
        }
    }
    let count = impls.len();
    file.items.extend(impls);
    count
}

fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            a.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|list| {
                list.iter()
                    .any(|p| p.segments.last().is_some_and(|s| s.ident == name))
            })
        })
}

/// A field's name on the wire and what its absence means; `None` for a field with a serde
/// attribute this does not handle (or too many fields for a `u8` index).
fn field_plan(field: &syn::Field) -> Option<(String, Missing)> {
    let mut wire = field.ident.as_ref()?.to_string();
    let mut default = false;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let mut handled = true;
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                wire = value.value();
            } else if meta.path.is_ident("default") && !meta.input.peek(syn::Token![=]) {
                default = true;
            } else if meta.path.is_ident("skip_serializing_if") {
                let _: syn::LitStr = meta.value()?.parse()?;
            } else {
                handled = false;
                // Consume whatever follows, so that parsing goes on to the end.
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
            }
            Ok(())
        })
        .ok()?;
        if !handled {
            return None;
        }
    }
    let is_option = matches!(&field.ty, syn::Type::Path(p)
        if p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == "Option"));
    let missing = if is_option {
        Missing::None
    } else if default {
        Missing::Default
    } else {
        Missing::Error
    };
    Some((wire, missing))
}
