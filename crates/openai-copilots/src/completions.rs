//! The chat-completions backend: document text goes into the prompt, cut to fit the model's
//! context; long documents are summarised part by part, then the parts' summaries together.

use std::collections::HashSet;

use crate::parallel::try_map;
use crate::progress::{cancelled, Stage};
use crate::streamed::TextSink;
use crate::{CommonOptions, CopilotError, CopilotStage};
use openai_blocking::types::*;
use openai_blocking::*;

/// Tokens kept for the answer when `max_completion_tokens` is unset.
const ANSWER_RESERVE: usize = 4096;
/// Part summaries requested at once.
const PART_CONCURRENCY: usize = 4;

/// The context window of well-known models, in tokens; a conservative 16k for the others.
fn model_window(model: &str) -> usize {
    let m = model.to_ascii_lowercase();
    let starts = |p: &str| m.starts_with(p);
    if starts("gpt-4.1") {
        1_000_000
    } else if starts("gpt-5") || starts("o1") || starts("o3") || starts("o4") {
        200_000
    } else if starts("gpt-4o") || starts("gpt-4-turbo") || starts("chatgpt-4o") {
        128_000
    } else if starts("gpt-4-32k") {
        32_768
    } else if starts("gpt-4") {
        8_192
    } else {
        16_385
    }
}

/// A cheap token estimate that errs high: about 4 ASCII characters per token, and one token
/// per other character (accented, Cyrillic and CJK text all cost more than English).
pub(crate) fn estimate_tokens(text: &str) -> usize {
    let (ascii, other) = text.chars().fold((0usize, 0usize), |(a, o), c| {
        if c.is_ascii() {
            (a + 1, o)
        } else {
            (a, o + 1)
        }
    });
    ascii.div_ceil(4) + other
}

/// How many tokens of prompt one request may carry.
pub(crate) fn prompt_budget(common: &CommonOptions) -> usize {
    let window = common
        .context_tokens
        .unwrap_or_else(|| model_window(&common.model));
    let answer = common
        .max_completion_tokens
        .map_or(ANSWER_RESERVE, |t| t.max(0) as usize)
        .min(window / 4);
    let mut budget = window.saturating_sub(answer) / 10 * 9;
    if let Some(max) = common.max_prompt_tokens {
        budget = budget.min(max.max(0) as usize);
    }
    budget.max(256)
}

/// Cuts `text` into pieces of at most `max_tokens`, at paragraph, then line, then sentence,
/// then word boundaries, and as a last resort between characters.
pub(crate) fn split_to_fit(text: &str, max_tokens: usize) -> Vec<String> {
    let max_tokens = max_tokens.max(1);
    let mut pieces = Vec::new();
    split_into(text, max_tokens, 0, &mut pieces);
    let mut merged: Vec<String> = Vec::new();
    for piece in pieces {
        match merged.last_mut() {
            Some(last) if estimate_tokens(last) + estimate_tokens(&piece) <= max_tokens => {
                last.push_str(&piece)
            }
            _ => merged.push(piece),
        }
    }
    merged.retain(|p| !p.trim().is_empty());
    merged
}

/// Splits at the `level`-th kind of boundary, recursing into pieces still too long.
fn split_into(text: &str, max_tokens: usize, level: usize, out: &mut Vec<String>) {
    if estimate_tokens(text) <= max_tokens {
        out.push(text.to_owned());
        return;
    }
    const SEPARATORS: [&str; 4] = ["\n\n", "\n", ". ", " "];
    let Some(separator) = SEPARATORS.get(level) else {
        // No boundary left: cut between characters.
        let mut piece = String::new();
        for c in text.chars() {
            if estimate_tokens(&piece) + estimate_tokens(c.encode_utf8(&mut [0; 4])) > max_tokens {
                out.push(std::mem::take(&mut piece));
            }
            piece.push(c);
        }
        out.push(piece);
        return;
    };
    for part in text.split_inclusive(separator) {
        split_into(part, max_tokens, level + 1, out);
    }
}

/// The documents as one prompt section: a heading with each name, then its text.
pub(crate) fn format_documents(documents: &[(String, String)]) -> String {
    documents
        .iter()
        .map(|(name, text)| format!("### Document: {name}\n\n{}", text.trim()))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// One chat completion with the copilot's model and sampling options; its text.
pub(crate) fn complete(
    client: &OpenAIClient,
    common: &CommonOptions,
    messages: Vec<ChatCompletionRequestMessage>,
) -> Result<String, CopilotError> {
    complete_streamed(client, common, messages, None)
}

/// [`complete`], with the answer's text streamed to `sink` as it arrives when there is one.
pub(crate) fn complete_streamed(
    client: &OpenAIClient,
    common: &CommonOptions,
    messages: Vec<ChatCompletionRequestMessage>,
    sink: Option<&mut TextSink<'_>>,
) -> Result<String, CopilotError> {
    let mut request = CompletionCreateRequest::new(&common.model, messages);
    request.temperature = common.temperature;
    request.top_p = common.top_p;
    request.max_completion_tokens = common.max_completion_tokens;
    let response = match sink {
        None => client.create_completion(&request)?,
        Some(sink) => {
            let mut stream = client.create_completion_stream(&request)?;
            for delta in stream.text_deltas() {
                sink.push(&delta?);
            }
            sink.finish();
            stream.until_done()?
        }
    };
    match response.text() {
        Some(text) if !text.trim().is_empty() => Ok(text.to_owned()),
        _ => Err(CopilotError::NoAnswer {
            reason: response
                .choices
                .first()
                .map_or("no choice".to_owned(), |c| {
                    format!("finish_reason {}", c.finish_reason)
                }),
        }),
    }
}

/// Asks `prompt` about the documents; when they do not fit one request, summarises them
/// part by part, then combines the parts' summaries (again by groups if need be).
///
/// With a `sink`, the final request (the only one when the documents fit) is streamed to it.
pub(crate) fn summarize(
    client: &OpenAIClient,
    common: &CommonOptions,
    instructions: &str,
    prompt: &str,
    documents: &[(String, String)],
    mut sink: Option<&mut TextSink<'_>>,
) -> Result<String, CopilotError> {
    let overhead = estimate_tokens(instructions) + estimate_tokens(prompt) + 64;
    let budget = prompt_budget(common).saturating_sub(overhead).max(128);
    let ask_last = |body: String, sink: Option<&mut TextSink<'_>>| {
        let messages = vec![
            ChatCompletionRequestMessage::system(instructions),
            ChatCompletionRequestMessage::user(body),
        ];
        complete_streamed(client, common, messages, sink)
    };
    let ask = |body: String| ask_last(body, None);
    let all = format_documents(documents);
    if estimate_tokens(&all) <= budget {
        return ask_last(format!("{prompt}\n\n{all}"), sink.take());
    }

    let mut parts = Vec::new();
    for (name, text) in documents {
        let pieces = split_to_fit(text, budget);
        let count = pieces.len();
        for (i, piece) in pieces.iter().enumerate() {
            parts.push(part_request(name, i, count, piece));
        }
    }
    let mut summaries = ask_all(common, CopilotStage::SummarisingParts, parts, &ask)?;
    loop {
        cancelled(common, CopilotStage::CombiningSummaries)?;
        let combined = summaries.join("\n\n---\n\n");
        if estimate_tokens(&combined) <= budget {
            return ask_last(
                format!(
                    "{prompt}\n\nThe documents were too long to read at once; below are \
                     summaries of their consecutive parts, in order. Write the summary from \
                     them.\n\n{combined}"
                ),
                sink.take(),
            );
        }
        let groups = group_to_fit(&summaries, budget);
        if groups.len() >= summaries.len() {
            // Every summary alone is too long: shorten each rather than loop for ever.
            let cut = budget / summaries.len().max(1);
            summaries = summaries
                .iter()
                .map(|s| {
                    split_to_fit(s, cut.max(1))
                        .into_iter()
                        .next()
                        .unwrap_or_default()
                })
                .collect();
            continue;
        }
        let requests = groups
            .into_iter()
            .map(|group| {
                format!(
                    "Combine these summaries of consecutive parts of a document into one \
                     shorter summary, keeping their order.\n\n{}",
                    group.join("\n\n---\n\n")
                )
            })
            .collect();
        summaries = ask_all(common, CopilotStage::CombiningSummaries, requests, &ask)?;
    }
}

/// The request for a summary of part `index` (from 0) of `count` of a long document.
pub(crate) fn part_request(name: &str, index: usize, count: usize, piece: &str) -> String {
    format!(
        "This is part {} of {count} of the document \"{name}\". Summarise this part on its \
         own, keeping names, figures and conclusions.\n\n{piece}",
        index + 1
    )
}

/// Sends every request, a few at a time, reporting each as a step of `stage`; the answers in
/// order or the first error.
fn ask_all(
    common: &CommonOptions,
    stage: CopilotStage,
    requests: Vec<String>,
    ask: &(dyn Fn(String) -> Result<String, CopilotError> + Sync),
) -> Result<Vec<String>, CopilotError> {
    let stage = Stage::start(common, stage, requests.len());
    try_map(&requests, PART_CONCURRENCY, |request| {
        stage.check()?;
        let answer = ask(request.clone())?;
        stage.step();
        Ok(answer)
    })
}

/// Consecutive summaries gathered into groups that each fit `budget`.
fn group_to_fit(summaries: &[String], budget: usize) -> Vec<Vec<String>> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut size = 0;
    for summary in summaries {
        let tokens = estimate_tokens(summary) + 4;
        match groups.last_mut() {
            Some(group) if size + tokens <= budget => {
                group.push(summary.clone());
                size += tokens;
            }
            _ => {
                groups.push(vec![summary.clone()]);
                size = tokens;
            }
        }
    }
    groups
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 2)
        .map(str::to_lowercase)
}

/// The documents' text that fits `budget`: everything when it fits, else the passages
/// sharing the most (rarer) words with `question`, in document order.
pub(crate) fn select_passages(
    question: &str,
    documents: &[(String, String)],
    budget: usize,
) -> String {
    let all = format_documents(documents);
    if estimate_tokens(&all) <= budget {
        return all;
    }
    let piece_budget = (budget / 8).max(64);
    let passages: Vec<(usize, &str, String)> = documents
        .iter()
        .enumerate()
        .flat_map(|(d, (name, text))| {
            split_to_fit(text, piece_budget)
                .into_iter()
                .map(move |p| (d, name.as_str(), p))
        })
        .collect();
    let terms: HashSet<String> = words(question).collect();
    let passage_words: Vec<HashSet<String>> = passages
        .iter()
        .map(|(_, _, p)| words(p).collect())
        .collect();
    let score = |i: usize| -> f64 {
        terms
            .iter()
            .filter(|t| passage_words[i].contains(*t))
            .map(|t| {
                let df = passage_words.iter().filter(|w| w.contains(t)).count() as f64;
                (passages.len() as f64 / df).ln() + 1.0
            })
            .sum()
    };
    let mut ranked: Vec<(usize, f64)> = (0..passages.len()).map(|i| (i, score(i))).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut chosen = Vec::new();
    let mut used = 0;
    for (i, _) in ranked {
        let tokens = estimate_tokens(&passages[i].2) + 16;
        if used + tokens <= budget {
            chosen.push(i);
            used += tokens;
        }
    }
    chosen.sort_unstable();
    chosen
        .into_iter()
        .map(|i| {
            let (_, name, text) = &passages[i];
            format!("### From: {name}\n\n{}", text.trim())
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_estimated_high_for_non_english_text() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("abcd"), 1);
        assert_eq!(estimate_tokens("abcde"), 2);
        assert_eq!(estimate_tokens("日本語"), 3);
        assert_eq!(estimate_tokens("привет"), 6);
    }

    #[test]
    fn the_budget_follows_the_model_and_the_caps() {
        let mut common = CommonOptions::default();
        assert_eq!(prompt_budget(&common), (128_000 - 4096) / 10 * 9);
        common.model = "gpt-3.5-turbo".into();
        assert_eq!(prompt_budget(&common), (16_385 - 4096) / 10 * 9);
        common.max_prompt_tokens = Some(1000);
        assert_eq!(prompt_budget(&common), 1000);
        common.context_tokens = Some(100);
        common.max_prompt_tokens = None;
        assert_eq!(prompt_budget(&common), 256, "never below a usable minimum");
    }

    #[test]
    fn splitting_keeps_all_but_blank_pieces_verbatim_and_respects_the_limit() {
        let text = "First paragraph. It has two sentences.\n\nSecond one is here.\nA line.\n\n"
            .repeat(30)
            + &"слово ".repeat(200)
            + &"漢".repeat(500);
        for limit in [5, 17, 64, 300] {
            let pieces = split_to_fit(&text, limit);
            assert!(
                pieces.iter().all(|p| estimate_tokens(p) <= limit),
                "limit {limit}"
            );
            // Each piece is, verbatim, the next stretch of the text; only pieces that are
            // nothing but whitespace are left out.
            let mut rest = text.as_str();
            for piece in &pieces {
                let at = rest.find(piece.as_str()).expect("a piece of the text");
                assert!(
                    rest[..at].trim().is_empty(),
                    "limit {limit}: lost {:?}",
                    &rest[..at]
                );
                rest = &rest[at + piece.len()..];
            }
            assert!(rest.trim().is_empty(), "limit {limit}: lost {rest:?}");
        }
        assert_eq!(split_to_fit("short", 10), vec!["short".to_owned()]);
    }

    #[test]
    fn passages_about_the_question_are_chosen_in_document_order() {
        let filler = "Nothing to see in this paragraph about weather and lunch.\n\n".repeat(40);
        let doc = format!(
            "{filler}The warranty lasts 24 months from delivery.\n\n{filler}Returns are \
             accepted for 30 days.\n\n{filler}"
        );
        let docs = vec![("policy.txt".to_owned(), doc)];
        let picked = select_passages("How long is the warranty?", &docs, 200);
        assert!(picked.contains("warranty lasts 24 months"), "{picked}");
        assert!(estimate_tokens(&picked) <= 200 + 40);
        let small = vec![("a".to_owned(), "tiny".to_owned())];
        assert_eq!(select_passages("q", &small, 200), "### Document: a\n\ntiny");
    }

    #[test]
    fn groups_fit_the_budget_and_keep_order() {
        let summaries: Vec<String> = (0..10).map(|i| format!("{i}").repeat(40)).collect();
        let groups = group_to_fit(&summaries, 30);
        assert!(groups.len() > 1 && groups.len() < 10);
        assert_eq!(groups.concat(), summaries);
    }
}
