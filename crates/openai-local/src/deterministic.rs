//! The built-in deterministic model: no network, no weights, the same answer to the same
//! request every time.

use super::model::{
    ModelAnswer, ModelCitation, ModelDocument, ModelFormat, ModelFunction, ModelImage, ModelReply,
    ModelRequest, ModelRole, ModelToolCall, ModelToolChoice, SearchPassage,
};
use super::structured::{self, Hints};
use super::{image, summary, text};

/// The local engine's built-in model. It is deterministic and offline: it does not generate
/// language, it picks and quotes. Given a request it answers, in this order of precedence:
///
/// 1. **Tool outputs** submitted for its previous function calls: an answer listing each
///    function with what it returned (`get_weather returned: 18°C`).
/// 2. **Function calls** when the last user message names a function tool (as a whole word),
///    or `tool_choice` forces one: arguments come from `key=value` pairs in the message
///    (`city=Paris days=3 unit="degrees C"`), typed as JSON numbers, booleans or strings
///    (strings when the function's schema says so), pairs going to the function named
///    before them. Several named functions are called at once unless `parallel_tool_calls`
///    is false.
/// 3. **Images** in the last user message: each is described from its pixels (format, size,
///    orientation, dominant colours by name); PNG and JPEG are decoded.
/// 4. **Documents** given with the last user message (a response's `input_file`), else
///    earlier in the conversation when the request has no file search: a summary of each
///    when the message asks for one, else the sentences of the documents sharing the most
///    words with the message.
/// 5. **Summaries** when the message asks for one ("summarize", "summarise", "summary"): an
///    extractive summary (the sentences closest to the TF-IDF centroid, in their original
///    order) of the text given with the request, else of the best matching searchable file
///    (with a citation), else of the instructions (a chat's system message).
/// 6. **File search**, when the request has it: the passages of the run's files that rank
///    best against the message (BM25), quoted by their most relevant sentences, each
///    followed by a citation marker `【n†source】` that becomes a `file_citation` annotation.
/// 7. **Questions about a text given as instructions** (a chat completion whose system
///    message holds documents) or as an earlier user message of at least 25 words: the
///    sentences of that text sharing the most words with the question.
/// 8. Otherwise an echo: `You said: "…"`.
///
/// When the request asks for JSON ([`ModelFormat`]), a text answer becomes JSON: with a
/// JSON Schema, a value that validates against it, its fields filled from the message's
/// `key=value` pairs (by property name), enum members named in the message, and otherwise
/// the text answer (without citation markers); with a bare JSON object format,
/// `{"answer": "…"}`. Function calls stay function calls.
#[derive(Clone, Copy, Debug, Default)]
pub struct DeterministicModel;

/// Requests with fewer words than this are not texts to summarise.
const MIN_SUMMARY_WORDS: usize = 25;

impl super::Responder for DeterministicModel {
    fn respond(&self, request: &ModelRequest) -> Result<ModelReply, String> {
        Ok(shaped(request, answer(request)))
    }
}

/// The reply in the format the request asks for.
fn shaped(request: &ModelRequest, reply: ModelReply) -> ModelReply {
    let ModelReply::Answer(answer) = &reply else {
        return reply;
    };
    let plain = without_citations(answer);
    match &request.format {
        ModelFormat::JsonObject => {
            ModelReply::text(serde_json::json!({ "answer": plain }).to_string())
        }
        ModelFormat::JsonSchema { schema, .. } => {
            let user = request.last_user_text().unwrap_or_default();
            let pairs = key_values(user).into_iter().map(|(_, k, v)| (k, v));
            let hints = Hints::new(pairs, user, &plain);
            ModelReply::text(structured::fill(schema, &hints).to_string())
        }
        _ => reply,
    }
}

/// The answer's text without its citation markers, spaces squashed.
fn without_citations(answer: &ModelAnswer) -> String {
    let chars: Vec<char> = answer.text.chars().collect();
    let kept: String = chars
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            !answer
                .citations
                .iter()
                .any(|c| (c.start..c.end).contains(i))
        })
        .map(|(_, c)| *c)
        .collect();
    text::squash_spaces(&kept)
}

fn answer(request: &ModelRequest) -> ModelReply {
    if !request.tool_outputs.is_empty() {
        let lines: Vec<String> = request
            .tool_outputs
            .iter()
            .map(|o| format!("{} returned: {}", o.name, o.output))
            .collect();
        return ModelReply::text(lines.join("\n"));
    }
    let message = request.last_user_message();
    let user_text = message.map(|m| m.text.as_str()).unwrap_or_default();
    let calls = function_calls(request, user_text);
    if !calls.is_empty() {
        return ModelReply::ToolCalls(calls);
    }
    if let Some(m) = message.filter(|m| !m.images.is_empty()) {
        let described: Vec<String> = m
            .images
            .iter()
            .map(|img| match img {
                ModelImage::Bytes(bytes) => match image::describe(bytes) {
                    Ok(d) => d.to_string(),
                    Err(why) => format!("I cannot describe this image: {why}."),
                },
                ModelImage::Url(url) => format!(
                    "I cannot look at {}: the local model never uses the network; send the image as a data: URL.",
                    text::clip(url, 80)
                ),
            })
            .collect();
        return ModelReply::text(described.join("\n"));
    }
    if let Some(m) = message.filter(|m| !m.documents.is_empty()) {
        return from_documents(&m.documents, user_text);
    }
    // Documents given earlier in the conversation (a chat that opened with them).
    let earlier: Vec<ModelDocument> = request
        .messages
        .iter()
        .flat_map(|m| m.documents.iter().cloned())
        .collect();
    if !earlier.is_empty() && request.file_search.is_none() {
        return from_documents(&earlier, user_text);
    }
    if asks_for_summary(user_text) {
        return summarize(request, user_text);
    }
    if let Some(search) = &request.file_search {
        return cited_answer(&search.search(user_text), user_text);
    }
    // A text given as instructions, or as an earlier user message long enough to be a text
    // rather than a question (a chat that opened with documents).
    let mut known = request.instructions.clone();
    let users = request
        .messages
        .iter()
        .filter(|m| m.role == ModelRole::User);
    for m in users.take_while(|m| !message.is_some_and(|last| std::ptr::eq(*m, last))) {
        if text::word_count(&m.text) >= MIN_SUMMARY_WORDS {
            known.push_str("\n\n");
            known.push_str(&m.text);
        }
    }
    if text::word_count(&known) >= MIN_SUMMARY_WORDS {
        let query = text::terms(user_text);
        let shares = |s: &str| text::terms(s).iter().any(|t| query.contains(t));
        let quoted = best_sentences(&known, &query);
        if shares(&quoted) {
            return ModelReply::text(quoted);
        }
    }
    ModelReply::text(format!("You said: \"{}\"", user_text.trim()))
}

/// An answer from the documents given with the message: their summaries when it asks for
/// them, else their sentences closest to the message.
fn from_documents(documents: &[ModelDocument], user_text: &str) -> ModelReply {
    if asks_for_summary(user_text) {
        let parts: Vec<String> = documents
            .iter()
            .map(|d| {
                format!(
                    "Summary of {}: {}",
                    d.filename,
                    summary::summarize(&d.text, 5)
                )
            })
            .collect();
        return ModelReply::text(parts.join("\n\n"));
    }
    let query = text::terms(user_text);
    let quoted: Vec<String> = documents
        .iter()
        .map(|d| best_sentences(&d.text, &query))
        .filter(|q| text::terms(q).iter().any(|t| query.contains(t)))
        .collect();
    if quoted.is_empty() {
        let names: Vec<&str> = documents.iter().map(|d| d.filename.as_str()).collect();
        return ModelReply::text(format!(
            "I read {} and found nothing about that.",
            names.join(", ")
        ));
    }
    ModelReply::text(quoted.join("\n\n"))
}

fn asks_for_summary(text: &str) -> bool {
    text::words(text).iter().any(|w| {
        w.starts_with("summariz") || w.starts_with("summaris") || w == "summary" || w == "summaries"
    })
}

/// The function calls the message asks for, in the order the functions are named.
fn function_calls(request: &ModelRequest, text: &str) -> Vec<ModelToolCall> {
    let functions = &request.functions;
    let mut named: Vec<(usize, &ModelFunction)> = match &request.tool_choice {
        ModelToolChoice::None | ModelToolChoice::FileSearch => return Vec::new(),
        ModelToolChoice::Function(name) => functions
            .iter()
            .filter(|f| &f.name == name)
            .map(|f| (find_word(text, &f.name).unwrap_or(0), f))
            .collect(),
        ModelToolChoice::Auto | ModelToolChoice::Required => functions
            .iter()
            .filter_map(|f| find_word(text, &f.name).map(|at| (at, f)))
            .collect(),
    };
    if named.is_empty() && request.tool_choice == ModelToolChoice::Required {
        named.extend(functions.first().map(|f| (0, f)));
    }
    named.sort_by_key(|&(at, _)| at);
    named.dedup_by_key(|(_, f)| f.name.clone());
    if !request.parallel_tool_calls {
        named.truncate(1);
    }
    let pairs = key_values(text);
    (0..named.len())
        .map(|i| {
            let (at, f) = named[i];
            let next = named.get(i + 1).map_or(usize::MAX, |n| n.0);
            let mut args = serde_json::Map::new();
            for (pos, key, value) in &pairs {
                // Pairs after this function's name and before the next one; pairs before
                // every name go to the first function.
                let mine = (*pos >= at || i == 0) && *pos < next;
                if mine && key != &f.name {
                    args.insert(key.clone(), typed_value(f, key, value));
                }
            }
            ModelToolCall {
                name: f.name.clone(),
                arguments: serde_json::Value::Object(args).to_string(),
            }
        })
        .collect()
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The byte offset of `word` in `text` standing as a whole word, if it does.
fn find_word(text: &str, word: &str) -> Option<usize> {
    if word.is_empty() {
        return None;
    }
    text.match_indices(word).map(|(i, _)| i).find(|&i| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
    })
}

/// `key=value` pairs with their byte offsets; values may be quoted with `"` or `'`.
fn key_values(text: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(eq) = text[i..].find('=').map(|e| e + i) {
        let key_start = text[..eq]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_word_char(c) || c == '-' || c == '.')
            .last()
            .map_or(eq, |(k, _)| k);
        let key = text[key_start..eq].trim_matches(['-', '.']).to_string();
        let mut end = eq + 1;
        let value = match bytes.get(end) {
            Some(&q @ (b'"' | b'\'')) => match text[end + 1..].find(q as char) {
                Some(close) => {
                    let v = text[end + 1..end + 1 + close].to_string();
                    end += close + 2;
                    Some(v)
                }
                None => None,
            },
            Some(_) => {
                let len = text[end..]
                    .find(|c: char| c.is_whitespace() || c == ',' || c == ';')
                    .unwrap_or(text.len() - end);
                let v = text[end..end + len].trim_end_matches(['.', ')', '!', '?']);
                end += len;
                (!v.is_empty()).then(|| v.to_string())
            }
            None => None,
        };
        if let (false, Some(value)) = (key.is_empty(), value) {
            out.push((key_start, key, value));
        }
        i = end.max(eq + 1);
    }
    out
}

/// A JSON value for an argument: a string when the schema wants one, else a number, boolean
/// or null when it reads as one, else a string.
fn typed_value(f: &ModelFunction, key: &str, value: &str) -> serde_json::Value {
    let declared = f
        .parameters
        .as_ref()
        .and_then(|p| p.get("properties")?.get(key)?.get("type")?.as_str());
    if declared == Some("string") {
        return serde_json::Value::String(value.to_string());
    }
    if let Ok(n) = value.parse::<i64>() {
        return n.into();
    }
    if let Ok(x) = value.parse::<f64>() {
        if x.is_finite() {
            return x.into();
        }
    }
    match value {
        "true" => true.into(),
        "false" => false.into(),
        "null" => serde_json::Value::Null,
        _ => value.into(),
    }
}

fn summarize(request: &ModelRequest, user_text: &str) -> ModelReply {
    // The text given with the request: the message without its summarise instruction.
    let given: Vec<&str> = text::sentences(user_text)
        .into_iter()
        .map(|r| &user_text[r])
        .filter(|s| !asks_for_summary(s))
        .collect();
    let given = given.join("\n");
    if text::word_count(&given) >= MIN_SUMMARY_WORDS {
        return ModelReply::text(summary::summarize(&given, 5));
    }
    if let Some(search) = &request.file_search {
        let docs = search.documents();
        // The file the rest of the message points at, or the first one.
        let best = search
            .search(&given)
            .first()
            .and_then(|p| docs.iter().position(|d| d.file_id == p.file_id))
            .unwrap_or(0);
        if let Some(doc) = docs.get(best) {
            let mut text = format!(
                "Summary of {}: {}",
                doc.filename,
                summary::summarize(doc.text, 5)
            );
            let start = text::char_len(&text);
            text.push_str("【0†source】");
            let citations = vec![ModelCitation {
                start,
                end: text::char_len(&text),
                file_id: doc.file_id.to_string(),
            }];
            return ModelReply::Answer(ModelAnswer { text, citations });
        }
    }
    if text::word_count(&request.instructions) >= MIN_SUMMARY_WORDS {
        return ModelReply::text(summary::summarize(&request.instructions, 5));
    }
    let earlier: Vec<&str> = request
        .messages
        .iter()
        .rev()
        .skip(1)
        .map(|m| m.text.as_str())
        .collect();
    let earlier = earlier.into_iter().rev().collect::<Vec<_>>().join("\n");
    if text::word_count(&earlier) >= MIN_SUMMARY_WORDS {
        return ModelReply::text(summary::summarize(&earlier, 5));
    }
    ModelReply::text("There is nothing long enough to summarise: send the text with your request.")
}

/// At most this many passages are quoted in an answer.
const MAX_QUOTED: usize = 3;

/// An answer quoting the best passages, each followed by its citation marker.
fn cited_answer(found: &[SearchPassage], question: &str) -> ModelReply {
    let Some(top) = found.first() else {
        return ModelReply::text("I could not find anything about that in the attached files.");
    };
    let query: Vec<String> = text::terms(question);
    let mut out = String::new();
    let mut citations = Vec::new();
    for (n, passage) in found
        .iter()
        .enumerate()
        .filter(|(_, p)| p.score >= top.score * 0.6)
        .take(MAX_QUOTED)
    {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&best_sentences(&passage.text, &query));
        let start = text::char_len(&out);
        out.push_str(&format!("【{n}†source】"));
        citations.push(ModelCitation {
            start,
            end: text::char_len(&out),
            file_id: passage.file_id.clone(),
        });
    }
    ModelReply::Answer(ModelAnswer {
        text: out,
        citations,
    })
}

/// The (at most two) sentences of a passage sharing the most terms with the query, in
/// order; the first real sentence when none shares any.
fn best_sentences(passage: &str, query: &[String]) -> String {
    // Each sentence, Markdown markers stripped, and whether it is a heading.
    let (sentences, headings): (Vec<&str>, Vec<bool>) = text::sentences(passage)
        .into_iter()
        .map(|r| {
            (
                text::plain_line(&passage[r.clone()]),
                passage[r].starts_with('#'),
            )
        })
        .filter(|(s, _)| !s.is_empty())
        .unzip();
    // A heading is not quoted: glued to the sentence after it, it reads as a fragment.
    let mut scored: Vec<(usize, usize)> = sentences
        .iter()
        .enumerate()
        .filter(|&(i, s)| !headings[i] && text::word_count(s) >= 3)
        .map(|(i, s)| {
            let mut terms = text::terms(s);
            terms.sort();
            terms.dedup();
            (i, terms.iter().filter(|t| query.contains(t)).count())
        })
        .collect();
    scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut chosen: Vec<usize> = scored
        .iter()
        .filter(|s| s.1 > 0)
        .take(2)
        .map(|s| s.0)
        .collect();
    if chosen.is_empty() {
        // Nothing shares a term (the passage matched on its heading): its first real sentence.
        chosen.extend(
            scored
                .first()
                .map(|s| s.0)
                .or((!sentences.is_empty()).then_some(0)),
        );
    }
    chosen.sort_unstable();
    chosen
        .into_iter()
        .map(|i| text::squash_spaces(sentences[i]))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ModelMessage, ModelRole, ModelToolOutput};
    use crate::Responder;

    fn with_function(text: &str, name: &str) -> ModelRequest {
        let mut r = ModelRequest::from_user_text(text);
        r.functions.push(ModelFunction::new(name));
        r
    }

    #[test]
    fn echoes_by_default() {
        let r = DeterministicModel
            .respond(&ModelRequest::from_user_text(" hi "))
            .unwrap();
        assert_eq!(r, ModelReply::text("You said: \"hi\""));
    }

    #[test]
    fn calls_named_functions_with_typed_arguments() {
        let mut r = with_function(
            "Please get_weather city=\"New York\" days=3 metric=true ratio=0.5, zip=02139.",
            "get_weather",
        );
        r.functions[0].parameters = Some(serde_json::json!({
            "type": "object", "properties": {"zip": {"type": "string"}}
        }));
        let ModelReply::ToolCalls(calls) = DeterministicModel.respond(&r).unwrap() else {
            panic!("expected tool calls")
        };
        assert_eq!(calls.len(), 1);
        let args: serde_json::Value = serde_json::from_str(&calls[0].arguments).unwrap();
        assert_eq!(
            args,
            serde_json::json!({"city": "New York", "days": 3, "metric": true, "ratio": 0.5, "zip": "02139"})
        );
        // Not a whole word: no call.
        let r = with_function("what about get_weathers?", "get_weather");
        assert!(matches!(
            DeterministicModel.respond(&r).unwrap(),
            ModelReply::Answer(_)
        ));
    }

    #[test]
    fn splits_arguments_between_functions() {
        let mut r = with_function("get_time zone=CET and get_weather city=Oslo", "get_weather");
        r.functions.push(ModelFunction::new("get_time"));
        let ModelReply::ToolCalls(calls) = DeterministicModel.respond(&r).unwrap() else {
            panic!("expected tool calls")
        };
        assert_eq!(calls[0].name, "get_time");
        assert_eq!(calls[0].arguments, r#"{"zone":"CET"}"#);
        assert_eq!(calls[1].arguments, r#"{"city":"Oslo"}"#);
        r.parallel_tool_calls = false;
        let ModelReply::ToolCalls(calls) = DeterministicModel.respond(&r).unwrap() else {
            panic!("expected tool calls")
        };
        assert_eq!(calls.len(), 1);
        r.tool_choice = ModelToolChoice::None;
        assert!(matches!(
            DeterministicModel.respond(&r).unwrap(),
            ModelReply::Answer(_)
        ));
    }

    #[test]
    fn answers_with_tool_outputs() {
        let mut r = with_function("get_weather city=Paris", "get_weather");
        r.tool_outputs.push(ModelToolOutput::new(
            "call_1",
            "get_weather",
            "{}",
            "18°C, sunny",
        ));
        assert_eq!(
            DeterministicModel.respond(&r).unwrap(),
            ModelReply::text("get_weather returned: 18°C, sunny")
        );
    }

    #[test]
    fn summarises_given_text() {
        let body = "Summarize this please.\n\
            The bakery opens at seven every morning and sells fresh bread. \
            Its bread is baked overnight by two bakers who start at midnight. \
            On Sundays the bakery also sells cakes and the bread sells out by noon. \
            The owner plans to open a second bakery next year.";
        let ModelReply::Answer(a) = DeterministicModel
            .respond(&ModelRequest::from_user_text(body))
            .unwrap()
        else {
            panic!("expected an answer")
        };
        assert!(!a.text.contains("Summarize"));
        assert!(a.text.contains("bread"), "{}", a.text);
        assert!(a.text.len() < body.len());
    }

    #[test]
    fn describes_images() {
        let png = crate::image::tests::png(8, 8, |_, _| [0, 0, 230, 255]);
        let mut r = ModelRequest::new(vec![ModelMessage::new(ModelRole::User, "what is this?")
            .with_image(ModelImage::Bytes(std::sync::Arc::new(png)))]);
        let ModelReply::Answer(a) = DeterministicModel.respond(&r).unwrap() else {
            panic!("expected an answer")
        };
        assert_eq!(
            a.text,
            "The image is a 8×8 PNG (square). It is almost entirely blue (100%)."
        );
        r.messages[0].images = vec![ModelImage::Url("https://example.com/a.png".into())];
        let ModelReply::Answer(a) = DeterministicModel.respond(&r).unwrap() else {
            panic!("expected an answer")
        };
        assert!(a.text.contains("never uses the network"));
    }

    #[test]
    fn quotes_whole_sentences_and_no_headings() {
        let passage = "## How to return an item\n\nStart a return from the Orders page of your\naccount. Print the label.";
        let query = text::terms("How do I return an item?");
        assert_eq!(
            best_sentences(passage, &query),
            "Start a return from the Orders page of your account."
        );
        let query = text::terms("item");
        assert_eq!(
            best_sentences(passage, &query),
            "Start a return from the Orders page of your account.",
            "matched on its heading only: the first sentence"
        );
    }

    #[test]
    fn json_formats_shape_text_answers_only() {
        let mut r = ModelRequest::from_user_text("plan trip city=Oslo nights=2");
        r.format = ModelFormat::JsonSchema {
            name: "trip".into(),
            schema: serde_json::json!({
                "type": "object",
                "properties": {"city": {"type": "string"}, "nights": {"type": "integer"}, "note": {"type": "string"}},
                "required": ["city", "nights", "note"]
            }),
        };
        let ModelReply::Answer(a) = DeterministicModel.respond(&r).unwrap() else {
            panic!("expected an answer")
        };
        let v: serde_json::Value = serde_json::from_str(&a.text).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"city": "Oslo", "nights": 2, "note": "You said: \"plan trip city=Oslo nights=2\""})
        );
        r.format = ModelFormat::JsonObject;
        let ModelReply::Answer(a) = DeterministicModel.respond(&r).unwrap() else {
            panic!("expected an answer")
        };
        assert!(a.text.starts_with("{\"answer\":"), "{}", a.text);
        // A function call stays one.
        r.functions.push(ModelFunction::new("plan"));
        assert!(matches!(
            DeterministicModel.respond(&r).unwrap(),
            ModelReply::ToolCalls(_)
        ));
        // Citation markers do not reach the JSON.
        let cited = ModelAnswer::new("Thirty days【0†source】.")
            .with_citation(ModelCitation::new(11, 21, "f"));
        assert_eq!(without_citations(&cited), "Thirty days.");
    }

    #[test]
    fn documents_and_texts_given_earlier_in_a_conversation_answer_later_questions() {
        let doc = ModelDocument::new("policy.md", "Tents carry a two-year warranty.");
        let text = "Returns are accepted within 30 days of delivery for a full refund, and \
                    orders above 50 euros ship free of charge to every address in the \
                    country, islands included, within three working days of the order.";
        let answer = |opening: ModelMessage, question: &str| {
            let r = ModelRequest::new(vec![
                opening,
                ModelMessage::new(ModelRole::Assistant, "Noted."),
                ModelMessage::new(ModelRole::User, question),
            ]);
            match DeterministicModel.respond(&r).unwrap() {
                ModelReply::Answer(a) => a.text,
                other => panic!("{other:?}"),
            }
        };
        let with_doc = ModelMessage::new(ModelRole::User, "Here it is.").with_document(doc);
        assert_eq!(
            answer(with_doc, "How long is the tent warranty?"),
            "Tents carry a two-year warranty."
        );
        let long = ModelMessage::new(ModelRole::User, text);
        assert!(answer(long, "Which orders ship free?").contains("50 euros"));
        // A short earlier message is a question, not a text to quote.
        let short = ModelMessage::new(ModelRole::User, "orders ship free");
        assert_eq!(
            answer(short, "Which orders ship free?"),
            "You said: \"Which orders ship free?\""
        );
    }

    #[test]
    fn documents_answer_questions_and_summaries() {
        let doc = ModelDocument::new(
            "policy.md",
            "Returns are accepted within 30 days. Tents carry a two-year warranty. Shipping is free above 50 euros.",
        );
        let ask = |text: &str| {
            let r = ModelRequest::new(vec![
                ModelMessage::new(ModelRole::User, text).with_document(doc.clone())
            ]);
            match DeterministicModel.respond(&r).unwrap() {
                ModelReply::Answer(a) => a.text,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(
            ask("How long is the tent warranty?"),
            "Tents carry a two-year warranty."
        );
        assert!(ask("Summarize it").starts_with("Summary of policy.md: "));
        assert_eq!(
            ask("zebras?"),
            "I read policy.md and found nothing about that."
        );
    }

    #[test]
    fn key_values_parse_quotes_and_punctuation() {
        let kv = key_values("a=1, b='x y'; c=\"unterminated d=ok. =bad e=");
        let got: Vec<(&str, &str)> = kv
            .iter()
            .map(|(_, k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(got, [("a", "1"), ("b", "x y"), ("d", "ok")]);
    }
}
