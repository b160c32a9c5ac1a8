//! Extractive summaries: the sentences closest to the centroid of the rest of the text
//! (TF-IDF cosine), kept in their original order.

use std::collections::HashMap;

use super::text;

/// Sentences shorter than this many words (headings, list labels) are never picked.
const MIN_WORDS: usize = 4;

/// A summary of `source`: about a third of its sentences, between one and `max_sentences`,
/// picked by the TF-IDF cosine similarity of each sentence to the centroid of the other
/// sentences and given in their original order, Markdown markers stripped. Empty when
/// `source` has no sentence.
pub(crate) fn summarize(source: &str, max_sentences: usize) -> String {
    // Each sentence, Markdown markers stripped, and whether it is a heading.
    let (sentences, headings): (Vec<&str>, Vec<bool>) = text::sentences(source)
        .into_iter()
        .map(|r| {
            (
                text::plain_line(&source[r.clone()]),
                source[r].starts_with('#'),
            )
        })
        .filter(|(s, _)| !s.is_empty())
        .unzip();
    // Headings name the parts of a text; they are not sentences of it.
    let candidates: Vec<usize> = (0..sentences.len())
        .filter(|&i| !headings[i] && text::word_count(sentences[i]) >= MIN_WORDS)
        .collect();
    if candidates.is_empty() {
        return sentences
            .first()
            .map(|s| text::squash_spaces(s))
            .unwrap_or_default();
    }
    let keep = candidates.len().div_ceil(3).clamp(1, max_sentences.max(1));

    // Term frequencies per sentence and document frequencies over the sentences.
    let bags: Vec<HashMap<String, f64>> = candidates
        .iter()
        .map(|&i| {
            let mut bag = HashMap::new();
            for t in text::terms(sentences[i]) {
                *bag.entry(t).or_insert(0.0) += 1.0;
            }
            bag
        })
        .collect();
    let mut df: HashMap<&str, f64> = HashMap::new();
    for bag in &bags {
        for t in bag.keys() {
            *df.entry(t).or_insert(0.0) += 1.0;
        }
    }
    let n = bags.len() as f64;
    let vectors: Vec<HashMap<&str, f64>> = bags
        .iter()
        .map(|bag| {
            bag.iter()
                .map(|(t, tf)| {
                    (
                        t.as_str(),
                        tf * ((1.0 + n) / (1.0 + df[t.as_str()])).ln().max(0.0) + tf * 1e-3,
                    )
                })
                .collect()
        })
        .collect();
    // Each sentence against the centroid of the others: a sentence sharing no term with the
    // rest of the text scores zero however rare its own words are.
    let mut sum: HashMap<&str, f64> = HashMap::new();
    for v in &vectors {
        for (t, w) in v {
            *sum.entry(t).or_insert(0.0) += w;
        }
    }
    let norm = |v: &HashMap<&str, f64>| v.values().map(|w| w * w).sum::<f64>().sqrt();
    let mut scored: Vec<(usize, f64)> = vectors
        .iter()
        .enumerate()
        .map(|(k, v)| {
            let others: HashMap<&str, f64> = sum
                .iter()
                .map(|(t, w)| (*t, w - v.get(t).copied().unwrap_or(0.0)))
                .collect();
            let dot: f64 = v
                .iter()
                .map(|(t, w)| w * others.get(t).copied().unwrap_or(0.0))
                .sum();
            let denom = norm(v) * norm(&others);
            (candidates[k], if denom > 1e-12 { dot / denom } else { 0.0 })
        })
        .collect();
    // Best first; ties go to the earlier sentence.
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut chosen: Vec<usize> = scored.into_iter().take(keep).map(|(i, _)| i).collect();
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

    #[test]
    fn picks_central_sentences_in_order() {
        let text = "The river flooded the town in spring. \
            Cats are small animals that like fish. \
            The flood in the town damaged every house by the river. \
            After the flood, the town rebuilt the houses along the river. \
            My neighbour plays the violin on Sundays. \
            Volunteers helped the town clean the river banks after the flood.";
        let s = summarize(text, 5);
        assert_eq!(
            s,
            "The flood in the town damaged every house by the river. \
             After the flood, the town rebuilt the houses along the river."
        );
        assert!(!s.contains("Cats"));
    }

    #[test]
    fn wrapped_markdown_gives_whole_sentences_and_no_headings() {
        let text = "# Harbour news\n\n## The flood in the town\n\nThe river flooded the town in\nspring. The flood in the town damaged every house by\nthe river. After the flood, the town rebuilt the houses\nalong the river.\n\n## Music in the town\n\nMy neighbour plays the violin on Sundays.";
        let s = summarize(text, 5);
        assert_eq!(
            s,
            "The flood in the town damaged every house by the river. \
             After the flood, the town rebuilt the houses along the river."
        );
    }

    #[test]
    fn short_and_empty_inputs() {
        assert_eq!(summarize("", 3), "");
        assert_eq!(summarize("# Title", 3), "Title");
        assert_eq!(
            summarize("One short sentence here.", 3),
            "One short sentence here."
        );
    }
}
