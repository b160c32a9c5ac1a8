//! Generates the request and response types from `spec/openai.schema.json` (written by
//! `cargo xtask spec`): typify, then a syn pass that opens every enum to unknown values, then
//! prettyplease. The result goes to `$OUT_DIR/openai_types.rs`, which `src/types.rs` includes.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::{env, fs};

use syn::visit_mut::VisitMut;
use syn::{parse_quote, Fields, Item};

const SCHEMA: &str = "spec/openai.schema.json";

fn main() {
    println!("cargo:rerun-if-changed={SCHEMA}");
    println!("cargo:rerun-if-changed=build.rs");
    if let Err(e) = generate() {
        // A broken spec is a bug of ours, found at build time: fail with the reason.
        eprintln!("build.rs: {e}");
        std::process::exit(1);
    }
}

fn generate() -> Result<(), String> {
    let text = fs::read_to_string(SCHEMA).map_err(|e| format!("reading {SCHEMA}: {e}"))?;
    let root: schemars::schema::RootSchema =
        serde_json::from_str(&text).map_err(|e| format!("parsing {SCHEMA}: {e}"))?;

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
    let code = prettyplease::unparse(&file);

    let out = PathBuf::from(env::var("OUT_DIR").map_err(|e| e.to_string())?);
    fs::write(out.join("openai_types.rs"), code).map_err(|e| format!("writing output: {e}"))
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
    let mut opened = BTreeSet::new();
    for item in &mut file.items {
        let Item::Enum(e) = item else { continue };
        if has_serde_attr(&e.attrs, "untagged") {
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

    /// Adds the `Unknown` arm to the exhaustive match of `impl Display` for opened enums.
    struct DisplayArm<'a>(&'a BTreeSet<String>);
    impl VisitMut for DisplayArm<'_> {
        fn visit_item_impl_mut(&mut self, i: &mut syn::ItemImpl) {
            let syn::Type::Path(p) = &*i.self_ty else {
                return;
            };
            let is_opened = p
                .path
                .segments
                .last()
                .is_some_and(|s| self.0.contains(&s.ident.to_string()));
            let is_display = i
                .trait_
                .as_ref()
                .and_then(|(p, _)| p.segments.last())
                .is_some_and(|s| s.ident == "Display");
            if !(is_opened && is_display) {
                return;
            }
            struct Arm;
            impl VisitMut for Arm {
                fn visit_expr_match_mut(&mut self, m: &mut syn::ExprMatch) {
                    m.arms.push(
                        parse_quote!(Self::Unknown(ref v) => ::std::fmt::Display::fmt(v, f),),
                    );
                }
            }
            Arm.visit_item_impl_mut(i);
        }
    }
    DisplayArm(&opened).visit_file_mut(file);
}
