//! Shared test helpers.
#![allow(dead_code)]

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// `../shared/reference/openai-openapi.yaml`, or `None` (with the reason printed) when absent.
pub fn upstream_spec() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/openai-openapi.yaml");
    if p.exists() {
        Some(p)
    } else {
        println!(
            "skipped: {} is absent (it is read at test time, never committed)",
            p.display()
        );
        None
    }
}

/// A checked-in fixture under `tests/fixtures/`.
pub fn fixture(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Drops nulls, empty arrays and empty objects and compares numbers as f64: optional fields are
/// skipped when serialising, so `"x": null` does not survive a round trip and need not.
pub fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), canonical(v)))
                .filter(|(_, v)| !matches!(v, Value::Array(a) if a.is_empty()))
                .filter(|(_, v)| !matches!(v, Value::Object(o) if o.is_empty()))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        Value::Number(n) => json!(n.as_f64()),
        v => v.clone(),
    }
}

/// Decodes `v` as `T`, serialises it back and says whether anything was lost.
pub fn round_trip<T: DeserializeOwned + Serialize>(v: &Value) -> Result<bool, String> {
    let t: T = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
    let back = serde_json::to_value(&t).map_err(|e| e.to_string())?;
    Ok(canonical(&back) == canonical(v))
}
