//! Attribute filters of vector store search: comparisons (`eq`, `ne`, `gt`, `gte`, `lt`,
//! `lte`, `in`, `nin`) of a file attribute with a value, combined with `and` and `or`.

use std::collections::HashMap;

use openai_blocking::types::VectorStoreFileAttributesValue;

use super::super::http::Failure;

const COMPARISONS: [&str; 8] = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin"];

/// Checks a filter's shape: comparisons `{type, key, value}` or compounds `{type, filters}`.
pub(super) fn check_filter(filter: &serde_json::Value, param: &str) -> Result<(), Failure> {
    let kind = filter.get("type").and_then(|t| t.as_str()).unwrap_or("");
    match kind {
        "and" | "or" => {
            let items = filter.get("filters").and_then(|f| f.as_array());
            let items = items.ok_or_else(|| {
                Failure::invalid("A compound filter needs 'filters'.")
                    .param(format!("{param}.filters"))
            })?;
            for (i, f) in items.iter().enumerate() {
                check_filter(f, &format!("{param}.filters[{i}]"))?;
            }
            Ok(())
        }
        k if COMPARISONS.contains(&k) => {
            if filter.get("key").and_then(|k| k.as_str()).is_none() || filter.get("value").is_none()
            {
                return Err(
                    Failure::invalid("A comparison filter needs 'key' and 'value'.")
                        .param(param.to_string()),
                );
            }
            Ok(())
        }
        other => Err(Failure::invalid(format!(
            "Invalid filter type '{other}': use eq, ne, gt, gte, lt, lte, in, nin, and or or."
        ))
        .param(format!("{param}.type"))
        .code("invalid_value")),
    }
}

/// Whether a file's attributes pass a (checked) filter.
pub(super) fn matches(
    filter: &serde_json::Value,
    attributes: Option<&HashMap<String, VectorStoreFileAttributesValue>>,
) -> bool {
    let kind = filter.get("type").and_then(|t| t.as_str()).unwrap_or("");
    let items = || {
        filter
            .get("filters")
            .and_then(|f| f.as_array())
            .into_iter()
            .flatten()
    };
    match kind {
        "and" => items().all(|f| matches(f, attributes)),
        "or" => items().any(|f| matches(f, attributes)),
        _ => {
            let key = filter.get("key").and_then(|k| k.as_str()).unwrap_or("");
            let wanted = filter.get("value").cloned().unwrap_or_default();
            let Some(have) = attributes.and_then(|a| a.get(key)) else {
                return matches!(kind, "ne" | "nin");
            };
            let have = serde_json::to_value(have).unwrap_or_default();
            let order = compare(&have, &wanted);
            match kind {
                "eq" => order == Some(std::cmp::Ordering::Equal),
                "ne" => order != Some(std::cmp::Ordering::Equal),
                "gt" => order == Some(std::cmp::Ordering::Greater),
                "gte" => matches!(
                    order,
                    Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
                ),
                "lt" => order == Some(std::cmp::Ordering::Less),
                "lte" => matches!(
                    order,
                    Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
                ),
                "in" | "nin" => {
                    let found = wanted.as_array().is_some_and(|v| {
                        v.iter()
                            .any(|w| compare(&have, w) == Some(std::cmp::Ordering::Equal))
                    });
                    found == (kind == "in")
                }
                _ => false,
            }
        }
    }
}

fn compare(a: &serde_json::Value, b: &serde_json::Value) -> Option<std::cmp::Ordering> {
    use serde_json::Value::*;
    match (a, b) {
        (Number(x), Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (String(x), String(y)) => Some(x.cmp(y)),
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_filters() {
        let attrs: HashMap<String, VectorStoreFileAttributesValue> = [
            (
                "year".to_string(),
                VectorStoreFileAttributesValue::Number(2024.0),
            ),
            (
                "lang".to_string(),
                VectorStoreFileAttributesValue::String("en".into()),
            ),
        ]
        .into();
        let f = |v: serde_json::Value| matches(&v, Some(&attrs));
        assert!(f(
            serde_json::json!({"type": "eq", "key": "lang", "value": "en"})
        ));
        assert!(f(
            serde_json::json!({"type": "gte", "key": "year", "value": 2024})
        ));
        assert!(!f(
            serde_json::json!({"type": "lt", "key": "year", "value": 2000})
        ));
        assert!(f(
            serde_json::json!({"type": "in", "key": "lang", "value": ["fr", "en"]})
        ));
        assert!(f(
            serde_json::json!({"type": "ne", "key": "missing", "value": 1})
        ));
        assert!(f(serde_json::json!({"type": "and", "filters": [
            {"type": "eq", "key": "lang", "value": "en"},
            {"type": "or", "filters": [{"type": "gt", "key": "year", "value": 3000}, {"type": "nin", "key": "lang", "value": ["de"]}]}
        ]})));
        assert!(check_filter(&serde_json::json!({"type": "xor"}), "filters").is_err());
        assert!(check_filter(
            &serde_json::json!({"type": "and", "filters": [{"type": "eq"}]}),
            "filters"
        )
        .is_err());
    }
}
