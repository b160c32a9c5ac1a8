//! Shared test helpers.
#![allow(dead_code)]

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `../shared/reference/openai-openapi.yaml`. Only tests marked `#[ignore = "needs ..."]`
/// call this, so its absence is a failure that says what is missing.
pub fn upstream_spec() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/openai-openapi.yaml");
    assert!(
        p.exists(),
        "{} is absent: this test reads OpenAI's OpenAPI document there (it is never committed)",
        p.display()
    );
    p
}

/// A checked-in fixture under `tests/fixtures/`.
pub fn fixture(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// What a decode-then-encode of `original` lost or changed, as JSON paths (`/data/0/tools`):
/// `-` for a member that is gone, `+` for one that appeared, `~` for a value that differs.
/// `null` members may come and go (unset optional fields are not sent; required nullable ones
/// are sent as `null`), so they are not reported; empty arrays and objects are, and integers
/// are compared exactly (floats as floats).
pub fn losses(original: &Value, back: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff("", original, back, &mut out);
    out
}

fn diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (key, value) in x {
                let here = format!("{path}/{key}");
                match y.get(key) {
                    None if value.is_null() => {}
                    None => out.push(format!("- {here}")),
                    Some(other) => diff(&here, value, other, out),
                }
            }
            // A `null` the original did not have says nothing new (a field the spec requires
            // as nullable is written out); any other added member is a change.
            for (key, _) in y
                .iter()
                .filter(|(k, v)| !x.contains_key(*k) && !v.is_null())
            {
                out.push(format!("+ {path}/{key}"));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                diff(&format!("{path}/{i}"), v, w, out);
            }
        }
        (Value::Number(x), Value::Number(y)) => {
            let same = match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(i), Some(j), _, _) => i == j,
                (_, _, Some(i), Some(j)) => i == j,
                _ if x.is_f64() || y.is_f64() => x.as_f64() == y.as_f64(),
                _ => false,
            };
            if !same {
                out.push(format!("~ {path}"));
            }
        }
        _ if a == b => {}
        _ => out.push(format!("~ {path}")),
    }
}

/// Decodes `v` as `T`, serialises it back and lists what was lost (see [`losses`]).
pub fn round_trip<T: DeserializeOwned + Serialize>(v: &Value) -> Result<Vec<String>, String> {
    let t: T = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
    let back = serde_json::to_value(&t).map_err(|e| e.to_string())?;
    Ok(losses(v, &back))
}
