//! Plain-text helpers shared by search, summaries and the model: words, search terms,
//! sentences and paragraphs.

use std::ops::Range;

/// English words too common to tell passages apart.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "been", "before", "but", "by", "can", "could", "did", "do", "does", "doing", "for", "from",
    "had", "has", "have", "he", "her", "here", "him", "his", "how", "i", "if", "in", "into", "is",
    "it", "its", "just", "me", "more", "most", "my", "no", "not", "of", "on", "or", "our", "out",
    "she", "should", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there",
    "these", "they", "this", "those", "to", "too", "up", "us", "very", "was", "we", "were", "what",
    "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you",
    "your",
];

/// The words of `text`: runs of letters and digits (apostrophes inside a word kept), lowercased.
pub(crate) fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        } else if (c == '\'' || c == '’')
            && !current.is_empty()
            && chars.peek().is_some_and(|n| n.is_alphanumeric())
        {
            // "don't", "customer's": keep the word whole, drop the apostrophe.
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The number of [`words`] of `text`, without making them.
pub(crate) fn word_count(text: &str) -> usize {
    let mut count = 0;
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            count += usize::from(!in_word);
            in_word = true;
        } else if (c == '\'' || c == '’')
            && in_word
            && chars.peek().is_some_and(|n| n.is_alphanumeric())
        {
            // An apostrophe inside a word, as in `words`.
        } else {
            in_word = false;
        }
    }
    count
}

/// The search terms of `text`: its words without stop words, crudely stemmed so that
/// "returns", "returned" and "returning" meet "return".
pub(crate) fn terms(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .map(|w| stem(&w))
        .collect()
}

/// Strips a few English suffixes; never leaves fewer than three characters.
fn stem(word: &str) -> String {
    let n = word.chars().count();
    let strip = |suffix: &str, keep: usize| -> Option<String> {
        (word.ends_with(suffix) && n >= suffix.len() + keep)
            .then(|| word[..word.len() - suffix.len()].to_string())
    };
    if let Some(s) = strip("ies", 3) {
        return s + "y";
    }
    for (suffix, keep) in [("ing", 4), ("ed", 4)] {
        if let Some(s) = strip(suffix, keep) {
            return s;
        }
    }
    // "boxes", "wishes", "passes" lose "es"; "houses" and "returns" lose "s".
    for sibilant in ["sses", "xes", "zes", "ches", "shes"] {
        if word.ends_with(sibilant) && n >= 5 {
            return word[..word.len() - 2].to_string();
        }
    }
    if word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") && n >= 4 {
        return word[..word.len() - 1].to_string();
    }
    word.to_string()
}

/// A rough token count (words and punctuation marks), used for usage figures and chunk sizes.
pub(crate) fn token_count(text: &str) -> i64 {
    let words = word_count(text);
    let marks = text.chars().filter(|c| c.is_ascii_punctuation()).count();
    i64::try_from(words + marks).unwrap_or(i64::MAX)
}

/// The byte ranges of the sentences of `text`, trimmed, in order. A sentence ends at `.`, `!`
/// or `?` followed by white space, and at the end of a block: after a heading, or before a
/// blank line or a line that starts a Markdown block (heading, list item, quote, table row,
/// code fence, rule), so headings and list items are sentences. Other line breaks are soft
/// wraps inside a paragraph: the sentences of hard-wrapped prose stay whole.
pub(crate) fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut line_start = 0;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let next = iter.peek().map(|&(_, n)| n);
        let end = match c {
            '\n' => {
                let line = &text[line_start..i];
                let next_line = text[i + 1..].split('\n').next().unwrap_or("");
                line_start = i + 1;
                ends_block(line, next_line).then_some(i)
            }
            // Not the dot of a numbered list item (`1. first`).
            '.' if text[line_start..i]
                .trim()
                .bytes()
                .all(|b| b.is_ascii_digit())
                && !text[line_start..i].trim().is_empty() =>
            {
                None
            }
            '.' | '!' | '?' if next.is_none_or(char::is_whitespace) => Some(i + c.len_utf8()),
            _ => None,
        };
        if let Some(end) = end {
            push_trimmed(text, start..end, &mut out);
            start = end;
        }
    }
    push_trimmed(text, start..text.len(), &mut out);
    out
}

/// Whether the line break between `line` and `next` ends a block rather than wrapping a line.
fn ends_block(line: &str, next: &str) -> bool {
    let line = line.trim_start();
    line.trim().is_empty() || line.starts_with(['#', '|']) || is_rule(line) || starts_block(next)
}

/// Whether `line` is blank or starts a Markdown block of its own: a heading, list item,
/// quote, table row, code fence or rule.
pub(crate) fn starts_block(line: &str) -> bool {
    let l = line.trim();
    let mut chars = l.chars();
    match chars.next() {
        None | Some('#' | '>' | '|') => true,
        Some('-' | '*' | '+') => chars.next().is_none_or(char::is_whitespace) || is_rule(l),
        Some('=' | '_') => is_rule(l),
        Some('`' | '~') => l.starts_with("```") || l.starts_with("~~~"),
        Some(c) if c.is_ascii_digit() => {
            let rest = l.trim_start_matches(|c: char| c.is_ascii_digit());
            let mut rest = rest.chars();
            matches!(rest.next(), Some('.' | ')')) && rest.next().is_none_or(char::is_whitespace)
        }
        _ => false,
    }
}

/// A thematic break or setext underline: three or more of one of `-`, `=`, `*`, `_`.
fn is_rule(line: &str) -> bool {
    let marks: Vec<char> = line.chars().filter(|c| !c.is_whitespace()).collect();
    marks.len() >= 3
        && ['-', '=', '*', '_']
            .iter()
            .any(|m| marks.iter().all(|c| c == m))
}

fn push_trimmed(text: &str, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let piece = &text[range.clone()];
    let lead = piece.len() - piece.trim_start().len();
    let trail = piece.len() - piece.trim_end().len();
    if lead + trail < piece.len() {
        out.push(range.start + lead..range.end - trail);
    }
}

/// The byte ranges of the paragraphs of `text`: blocks separated by blank lines, trimmed.
pub(crate) fn paragraphs(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            push_trimmed(text, start..offset, &mut out);
            start = offset + line.len();
        }
        offset += line.len();
    }
    push_trimmed(text, start..text.len(), &mut out);
    out
}

/// Markdown decoration stripped from a line for display: leading `#`, `>`, `-`, `*` markers.
pub(crate) fn plain_line(line: &str) -> &str {
    line.trim()
        .trim_start_matches(['#', '>'])
        .trim_start()
        .trim_start_matches(['-', '*', '+'])
        .trim()
}

/// Collapses runs of white space into single spaces.
pub(crate) fn squash_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` cut to at most `max` characters on a character boundary, with `…` when cut.
pub(crate) fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// The number of characters (Unicode scalar values) of `text`: the unit of annotation offsets.
pub(crate) fn char_len(text: &str) -> usize {
    text.chars().count()
}

/// The pieces a streamed text is sent in, as character ranges: one per word, each with the
/// whitespace before it, so that the pieces joined are the text exactly. No piece ends inside
/// one of the `whole` ranges (a citation marker): such a range stays in one piece.
pub(crate) fn stream_pieces(text: &str, whole: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut previous: Option<char> = None;
    let mut len = 0;
    for (i, c) in text.chars().enumerate() {
        let after_word = previous.is_some_and(|p| !p.is_whitespace());
        if c.is_whitespace() && after_word && !whole.iter().any(|r| r.start < i && i < r.end) {
            pieces.push(start..i);
            start = i;
        }
        previous = Some(c);
        len = i + 1;
    }
    if len > start {
        pieces.push(start..len);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_pieces_join_to_the_text_and_keep_markers_whole() {
        let pieces = |text: &str, whole: &[Range<usize>]| -> Vec<String> {
            stream_pieces(text, whole)
                .into_iter()
                .map(|r| text.chars().skip(r.start).take(r.len()).collect())
                .collect()
        };
        assert_eq!(
            pieces("  You said:\n\n\"hi\" ", &[]),
            ["  You", " said:", "\n\n\"hi\"", " "]
        );
        assert_eq!(pieces("é ü", &[]), ["é", " ü"]);
        assert!(pieces("", &[]).is_empty());
        // A marker with a space inside stays whole; one ending a word changes nothing.
        let text = "Thirty days【0 source】 then【1†x】.";
        assert_eq!(
            pieces(text, &[11..21, 26..31]),
            ["Thirty", " days【0 source】", " then【1†x】."]
        );
    }

    #[test]
    fn words_and_terms() {
        assert_eq!(
            words("Don't panic, it's 42!"),
            ["dont", "panic", "its", "42"]
        );
        assert_eq!(terms("The returns were returned"), ["return", "return"]);
        assert_eq!(
            terms("policies boxes houses bus"),
            ["policy", "box", "house", "bus"]
        );
        assert_eq!(stem("is"), "is");
    }

    #[test]
    fn word_count_counts_the_words() {
        for text in [
            "",
            "   ",
            "Don't panic, it's 42!",
            "'quoted' words’ and ’tis o'",
            "ÉCOLE straße 数字 x1 — a-b_c",
            "cycle 399",
            "end's",
        ] {
            assert_eq!(word_count(text), words(text).len(), "{text:?}");
        }
    }

    #[test]
    fn sentences_split_on_marks_and_lines() {
        let text = "# Title\nFirst one. Second one!  Third? v1.2 stays\n\n- item";
        let got: Vec<&str> = sentences(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(
            got,
            [
                "# Title",
                "First one.",
                "Second one!",
                "Third?",
                "v1.2 stays",
                "- item"
            ]
        );
    }

    #[test]
    fn wrapped_lines_do_not_end_sentences() {
        let text = "## Warranty\nTents carry a two-year warranty against manufacturing\ndefects. Send a\nphoto.\n- a list item that\n  wraps\n- another\n1. first\n2) second\n\nTitle\n=====\nlast line\n\nnew paragraph";
        let got: Vec<String> = sentences(text)
            .into_iter()
            .map(|r| squash_spaces(&text[r]))
            .collect();
        assert_eq!(
            got,
            [
                "## Warranty",
                "Tents carry a two-year warranty against manufacturing defects.",
                "Send a photo.",
                "- a list item that wraps",
                "- another",
                "1. first",
                "2) second",
                "Title",
                "=====",
                "last line",
                "new paragraph"
            ]
        );
        assert!(!starts_block("2024 was a good year"));
        assert!(!starts_block("-5 degrees"));
        assert!(!starts_block("*emphasis* here"));
    }

    #[test]
    fn paragraphs_split_on_blank_lines() {
        let text = "\n\nOne\nstill one\n \nTwo\n\n\n";
        let got: Vec<&str> = paragraphs(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(got, ["One\nstill one", "Two"]);
    }

    #[test]
    fn clip_respects_char_boundaries() {
        assert_eq!(clip("héllo", 2), "hé…");
        assert_eq!(clip("hé", 2), "hé");
        assert_eq!(plain_line("## - Heading "), "Heading");
    }
}
