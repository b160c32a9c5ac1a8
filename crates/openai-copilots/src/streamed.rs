//! Answers streamed to a caller's callback as they arrive.

/// Where the text of a streamed answer goes: the caller's callback, with file_search
/// citation markers (`【4:0†source】`) held back until they are whole and then dropped, as
/// the returned answer drops them.
pub(crate) struct TextSink<'a> {
    callback: &'a mut dyn FnMut(&str),
    /// Text from an opening `【` whose closing `】` has not arrived yet.
    pending: String,
}

/// A marker is shorter than this (in bytes, brackets included); a longer bracketed text is
/// passed on as it is.
const MARKER_LIMIT: usize = 64;

impl<'a> TextSink<'a> {
    pub(crate) fn new(callback: &'a mut dyn FnMut(&str)) -> Self {
        TextSink {
            callback,
            pending: String::new(),
        }
    }

    /// Passes on a delta, holding back a marker that may still be coming.
    pub(crate) fn push(&mut self, delta: &str) {
        self.pending.push_str(delta);
        let mut out = String::new();
        loop {
            let Some(start) = self.pending.find('【') else {
                out.push_str(&self.pending);
                self.pending.clear();
                break;
            };
            out.push_str(&self.pending[..start]);
            self.pending.drain(..start);
            match self.pending.find('】') {
                Some(end) if is_marker(&self.pending[..end]) => {
                    self.pending.drain(..end + '】'.len_utf8());
                }
                None if self.pending.len() < MARKER_LIMIT => break,
                // Not a marker: the bracket is text.
                _ => {
                    out.push('【');
                    self.pending.drain(..'【'.len_utf8());
                }
            }
        }
        if !out.is_empty() {
            (self.callback)(&out);
        }
    }

    /// Passes on what was held back at the end of the answer.
    pub(crate) fn finish(&mut self) {
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            (self.callback)(&rest);
        }
    }
}

/// Whether `text` (from `【` up to, not including, `】`) is a citation marker: the rule of
/// `strip_citation_markers`.
fn is_marker(text: &str) -> bool {
    text.contains('†') || text.len() <= 24
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assistants::strip_citation_markers;

    fn streamed(text: &str, cut: usize) -> String {
        let mut out = String::new();
        let mut callback = |t: &str| out.push_str(t);
        let mut sink = TextSink::new(&mut callback);
        let chars: Vec<char> = text.chars().collect();
        for piece in chars.chunks(cut) {
            sink.push(&piece.iter().collect::<String>());
        }
        sink.finish();
        out
    }

    #[test]
    fn streamed_text_is_the_returned_answer_at_any_cut() {
        let long = format!("a【{}】b", "x".repeat(80));
        for text in [
            "Thirty days.【4:0†source】 Done",
            "a【0†source】【1†policy.md】b",
            "【unclosed at the end",
            "日本【1†源】語",
            long.as_str(),
            "no markers at all",
        ] {
            for cut in 1..6 {
                assert_eq!(
                    streamed(text, cut),
                    strip_citation_markers(text),
                    "{text:?} cut every {cut}"
                );
            }
        }
    }

    #[test]
    fn text_before_a_marker_is_not_held_back() {
        let mut seen = Vec::new();
        let mut callback = |t: &str| seen.push(t.to_owned());
        let mut sink = TextSink::new(&mut callback);
        sink.push("Thirty days.【4:0");
        sink.push("†source】 Done");
        sink.finish();
        assert_eq!(seen, ["Thirty days.", " Done"]);
    }
}
