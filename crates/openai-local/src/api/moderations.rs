//! `/moderations`: flags texts holding one of a small fixed list of words and phrases, for
//! tests, not for safety. Images are never flagged (they are not looked at).

use serde_json::{json, Map, Value};

use openai_blocking::types::*;

use super::super::http::{Ctx, Failure, Reply};
use super::super::text;

/// The categories of the API, with whether images can count towards them.
const CATEGORIES: [(&str, bool); 13] = [
    ("harassment", false),
    ("harassment/threatening", false),
    ("hate", false),
    ("hate/threatening", false),
    ("illicit", false),
    ("illicit/violent", false),
    ("self-harm", true),
    ("self-harm/instructions", true),
    ("self-harm/intent", true),
    ("sexual", true),
    ("sexual/minors", false),
    ("violence", true),
    ("violence/graphic", true),
];

/// The phrases flagged (matched as whole words, case-insensitively), with their categories.
pub(super) const FLAGGED: [(&str, &[&str]); 12] = [
    ("idiot", &["harassment"]),
    (
        "i will hurt you",
        &["harassment", "harassment/threatening", "violence"],
    ),
    ("subhuman", &["hate"]),
    ("counterfeit money", &["illicit"]),
    ("build a bomb", &["illicit", "illicit/violent", "violence"]),
    ("kill myself", &["self-harm", "self-harm/intent"]),
    ("suicide", &["self-harm"]),
    ("porn", &["sexual"]),
    ("kill", &["violence"]),
    ("murder", &["violence"]),
    ("gore", &["violence", "violence/graphic"]),
    ("dismember", &["violence", "violence/graphic"]),
];

/// The score of a flagged category, and of the others.
const HIGH: f64 = 0.95;
const LOW: f64 = 0.000_1;

/// The categories a text falls in.
fn categories_of(text: &str) -> Vec<&'static str> {
    let words = text::words(text);
    let mut found: Vec<&'static str> = Vec::new();
    for (phrase, cats) in FLAGGED {
        let p = text::words(phrase);
        if words.windows(p.len()).any(|w| w == p.as_slice()) {
            for c in cats {
                if !found.contains(c) {
                    found.push(c);
                }
            }
        }
    }
    found
}

/// One result: `text` judged, `images` counted as given (never flagged).
fn result(text: Option<&str>, images: bool) -> Value {
    let found = text.map(categories_of).unwrap_or_default();
    let mut categories = Map::new();
    let mut scores = Map::new();
    let mut applied = Map::new();
    for (name, takes_images) in CATEGORIES {
        let hit = found.contains(&name);
        categories.insert(name.into(), hit.into());
        scores.insert(name.into(), if hit { HIGH } else { LOW }.into());
        let mut kinds = Vec::new();
        if text.is_some() {
            kinds.push("text");
        }
        if images && takes_images {
            kinds.push("image");
        }
        applied.insert(name.into(), json!(kinds));
    }
    json!({
        "flagged": !found.is_empty(),
        "categories": categories,
        "category_scores": scores,
        "category_applied_input_types": applied,
    })
}

pub(super) fn create(ctx: &mut Ctx<'_>) -> Result<Reply, Failure> {
    let r: ModerationCreateRequest = ctx.json()?;
    let results: Vec<Value> = match &r.input {
        ModerationCreateRequestInput::Variant0(s) => vec![result(Some(s), false)],
        ModerationCreateRequestInput::Variant1(texts) => {
            if texts.is_empty() {
                return Err(Failure::invalid("'input' must not be empty.").param("input"));
            }
            texts.iter().map(|t| result(Some(t), false)).collect()
        }
        ModerationCreateRequestInput::Variant2(parts) => {
            let mut texts = Vec::new();
            let mut images = false;
            for (i, part) in parts.iter().enumerate() {
                match part {
                    ModerationCreateRequestInputVariant2Item::Text { text } => {
                        texts.push(text.as_str())
                    }
                    ModerationCreateRequestInputVariant2Item::ImageUrl { .. } => images = true,
                    ModerationCreateRequestInputVariant2Item::Unknown(v) => {
                        return Err(super::super::json::explain_variant(
                            v,
                            "type",
                            &format!("input[{i}]"),
                            &[("text", &|_, _| Ok(())), ("image_url", &|_, _| Ok(()))],
                        ))
                    }
                }
            }
            let joined = texts.join("\n");
            vec![result(
                (!texts.is_empty()).then_some(joined.as_str()),
                images,
            )]
        }
    };
    let id = ctx.with_store(|store| store.ids.issue("modr-").0);
    Reply::json(&json!({
        "id": id,
        "model": r.model.as_deref().unwrap_or("omni-moderation-latest"),
        "results": results,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_listed_words_only() {
        assert_eq!(categories_of("I will KILL the process"), ["violence"]);
        assert_eq!(
            categories_of("he said: I will hurt you."),
            ["harassment", "harassment/threatening", "violence"]
        );
        assert!(categories_of("skill and killer whales").is_empty());
        assert!(categories_of("build a house").is_empty());
        let r = result(Some("a kind note"), true);
        assert_eq!(r["flagged"], false);
        assert_eq!(
            r["category_applied_input_types"]["violence"],
            json!(["text", "image"])
        );
        assert_eq!(r["category_applied_input_types"]["hate"], json!(["text"]));
    }
}
