//! Page text from the glyphs hayro's interpreter draws: each glyph's Unicode text and where
//! it lands, put together into words, lines and paragraphs.
//!
//! The layout is deliberately simple and linear in the number of glyphs. Glyphs are taken in
//! the order the content stream draws them (the order the producing program wrote the text
//! in, which is the reading order for nearly every producer); a glyph continues the current
//! line when it sits on the same baseline a little to the right of the line's end, with a
//! space where the gap is wider than a fraction of the font size. Consecutive lines that stack
//! in one column make a paragraph; pieces on one baseline far apart (table cells) are joined
//! with a tab. Text drawn twice at the same place (fake bold, shadows) is kept once, and bare
//! page numbers at the top or bottom of a page are left out.
//!
//! Every direction of writing is read: each glyph's baseline is turned into a frame where it
//! runs left to right (rotated pages and vertical Chinese or Japanese text alike).

use hayro::hayro_interpret::font::{Glyph as DrawnGlyph, GlyphRun};
use hayro::hayro_interpret::hayro_cmap::{BfString, WritingMode};
use hayro::hayro_interpret::kurbo::{Affine, BezPath};
use hayro::hayro_interpret::{
    BlendMode, ClipPath, Device, DrawMode, DrawProps, Image, ImageDrawProps, SoftMask,
};

/// A gap wider than this share of the font size is a word break.
const WORD_GAP: f32 = 0.12;
/// On a line that draws its spaces, a gap wider than this share of the font size is a word
/// break too (a tab stop); narrower gaps are letters standing apart, as in an OCR layer whose
/// font is wider or narrower than the scanned letters it is placed on.
const DRAWN_SPACES_GAP: f32 = 0.4;
/// A glyph further right of the line's end than this many font sizes starts a new piece
/// (a table cell, a column).
const PIECE_GAP: f32 = 3.0;
/// Baselines closer than this share of the font size are one line (sub- and superscripts).
const SAME_BASELINE: f32 = 0.5;
/// The most glyphs one page may collect (28 bytes of position and some text each): a damaged
/// content stream that loops through forms cannot make a page take unbounded memory.
pub(crate) const MAX_GLYPHS: usize = 4_000_000;
/// The most bytes of text one page may collect (a font's Unicode map can give one glyph a
/// long string).
pub(crate) const MAX_TEXT_BYTES: usize = 64 << 20;

/// One glyph placed in the frame of its writing direction (the baseline runs towards +x, up
/// is +y), its text a range of [`PageGlyphs::text`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Placed {
    /// Where the glyph starts and ends along the baseline.
    pub x0: f32,
    pub x1: f32,
    /// The baseline.
    pub y: f32,
    /// The font size, as drawn.
    pub size: f32,
    /// The writing direction: 0 left to right, 1 bottom to top, 2 right to left (upside
    /// down), 3 top to bottom.
    pub dir: u8,
    /// The glyph's text in [`PageGlyphs::text`] (empty for a space).
    pub start: u32,
    pub end: u32,
}

impl Placed {
    fn is_space(&self) -> bool {
        self.start == self.end
    }
}

/// The glyphs of one page, as a [`Device`] collects them.
#[derive(Debug, Default)]
pub(crate) struct PageGlyphs {
    /// The text of every glyph, one after the other.
    pub text: String,
    pub glyphs: Vec<Placed>,
    /// Runs left out because none of their glyphs maps to Unicode (fonts whose character
    /// codes cannot be decoded).
    pub unmapped_runs: u64,
    /// Glyphs without Unicode in runs that otherwise have it (shown as U+FFFD).
    pub replacement_chars: u64,
    /// Whether the page drew more than [`MAX_GLYPHS`] glyphs or [`MAX_TEXT_BYTES`] of text
    /// (the rest is left out).
    pub overflowed: bool,
    /// The page's visible area (its crop box, `[x0, y0, x1, y1]` in user space): glyphs
    /// drawn outside it are not on the page (pdftotext leaves them out too). `None` reads
    /// every glyph.
    pub bounds: Option<[f64; 4]>,
}

/// The direction (0–3, see [`Placed::dir`]) a baseline vector points in.
fn direction(dx: f64, dy: f64) -> u8 {
    if dx.abs() >= dy.abs() {
        if dx >= 0.0 {
            0
        } else {
            2
        }
    } else if dy >= 0.0 {
        1
    } else {
        3
    }
}

/// A page point in the frame of direction `dir`.
fn to_frame(dir: u8, x: f64, y: f64) -> (f64, f64) {
    match dir {
        0 => (x, y),
        1 => (y, -x),
        2 => (-x, -y),
        _ => (-y, x),
    }
}

impl PageGlyphs {
    /// Adds one glyph from its transform (glyph space of 1000 units per em to page space),
    /// its advance in glyph units when the font gives one, and its text.
    fn add(&mut self, coeffs: [f64; 6], vertical: bool, advance: Option<f32>, text: GlyphText) {
        if self.glyphs.len() >= MAX_GLYPHS || self.text.len() >= MAX_TEXT_BYTES {
            self.overflowed = true;
            return;
        }
        if !coeffs.iter().all(|v| v.is_finite()) {
            return;
        }
        let [a, b, c, d, e, f] = coeffs;
        if let Some([x0, y0, x1, y1]) = self.bounds {
            // Within a font size of the box: a glyph whose origin is just outside still shows.
            let margin = c.hypot(d).max(a.hypot(b)) * 1000.0;
            if !(e >= x0 - margin && e <= x1 + margin && f >= y0 - margin && f <= y1 + margin) {
                return;
            }
        }
        // The baseline runs along the glyph space's x axis, or down its y axis when written
        // vertically; the font size is the glyph's extent across it.
        let ((dx, dy), across) = if vertical {
            ((-c, -d), a.hypot(b))
        } else {
            ((a, b), c.hypot(d))
        };
        let dir = direction(dx, dy);
        let (x, y) = to_frame(dir, e, f);
        let size = (across * 1000.0) as f32;
        let unit = dx.hypot(dy) as f32;
        let advance = advance
            .filter(|_| !vertical)
            .map(|w| w * unit)
            .filter(|w| w.is_finite() && *w >= 0.0 && *w <= 4.0 * size)
            .unwrap_or(if vertical { size } else { size * 0.5 });
        let (x0, y) = (x as f32, y as f32);
        if !(x0.is_finite() && y.is_finite() && size.is_finite() && size > 0.0) {
            return;
        }
        let start = self.text.len() as u32;
        match text {
            GlyphText::Space => {}
            GlyphText::Char(c) => self.text.push(c),
            GlyphText::Str(s) => self.text.push_str(&s),
        }
        self.glyphs.push(Placed {
            x0,
            x1: x0 + advance,
            y,
            size,
            dir,
            start,
            end: self.text.len() as u32,
        });
    }

    /// The text of `glyph`.
    pub fn text_of(&self, glyph: &Placed) -> &str {
        &self.text[glyph.start as usize..glyph.end as usize]
    }
}

/// What a glyph reads as.
enum GlyphText {
    Space,
    Char(char),
    Str(String),
}

/// The text of a glyph's Unicode mapping; `None` when it has none (or maps to control
/// characters, which some fonts' broken maps give).
fn glyph_text(unicode: Option<BfString>) -> Option<GlyphText> {
    let is_space = |c: char| c == ' ' || c == '\u{a0}' || c == '\t';
    match unicode? {
        BfString::Char(c) if is_space(c) => Some(GlyphText::Space),
        BfString::Char(c) if c.is_control() => None,
        BfString::Char(c) => Some(GlyphText::Char(c)),
        BfString::String(s) => {
            let s: String = s.chars().filter(|c| !c.is_control()).collect();
            if s.is_empty() {
                None
            } else if s.chars().all(is_space) {
                Some(GlyphText::Space)
            } else {
                Some(GlyphText::Str(s))
            }
        }
    }
}

impl<'a> Device<'a> for PageGlyphs {
    fn draw_path(&mut self, _: &BezPath, _: DrawProps<'a>, _: &DrawMode) {}
    fn push_clip_path(&mut self, _: &ClipPath) {}
    fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask<'a>>, _: BlendMode) {}
    fn draw_glyph_run(&mut self, run: &GlyphRun<'_, 'a>, props: DrawProps<'a>, mode: &DrawMode) {
        // A glyph's transform places it in text space; the current transformation matrix
        // takes that to the page.
        let ctm = props.transform;
        // Filled and stroked text is drawn twice (once per mode): read it once.
        if matches!(mode, DrawMode::Stroke(_)) && self.last_fill_matches(run, ctm) {
            return;
        }
        let vertical = matches!(run.writing_mode(), WritingMode::Vertical);
        let mark = (self.text.len(), self.glyphs.len());
        let (mut mapped, mut unmapped) = (0u64, 0u64);
        for glyph in run.glyphs() {
            let advance = match &**glyph {
                DrawnGlyph::Outline(outline) => outline.advance_width(),
                DrawnGlyph::Type3(_) => None,
            };
            let text = match glyph_text(glyph.as_unicode()) {
                Some(text) => {
                    mapped += 1;
                    text
                }
                None => {
                    unmapped += 1;
                    GlyphText::Char('\u{fffd}')
                }
            };
            self.add(
                (ctm * glyph.transform()).as_coeffs(),
                vertical,
                advance,
                text,
            );
        }
        if mapped == 0 && unmapped > 0 {
            self.text.truncate(mark.0);
            self.glyphs.truncate(mark.1);
            self.unmapped_runs += 1;
        } else {
            self.replacement_chars += unmapped;
        }
    }
    fn draw_image(&mut self, _: Image<'a, '_>, _: ImageDrawProps<'a>) {}
    fn pop_clip(&mut self) {}
    fn pop_transparency_group(&mut self) {}
}

impl PageGlyphs {
    /// Whether the glyphs last added are `run`'s, at the same places (a run filled, then
    /// stroked).
    fn last_fill_matches(&self, run: &GlyphRun<'_, '_>, ctm: Affine) -> bool {
        let n = run.glyphs().len();
        n > 0
            && self.glyphs.len() >= n
            && run
                .glyphs()
                .iter()
                .zip(&self.glyphs[self.glyphs.len() - n..])
                .all(|(g, placed)| {
                    let [.., e, f] = (ctm * g.transform()).as_coeffs();
                    let (x, y) = to_frame(placed.dir, e, f);
                    (x as f32 - placed.x0).abs() < 0.01 && (y as f32 - placed.y).abs() < 0.01
                })
    }
}

/// A line: glyphs on one baseline, close together.
#[derive(Debug, Clone)]
struct Line {
    dir: u8,
    y: f32,
    x0: f32,
    x1: f32,
    size: f32,
    text: String,
}

impl Line {
    /// Whether this line is the same text at the same place as `other` (drawn twice).
    fn repeats(&self, other: &Line) -> bool {
        let near = 0.3 * self.size.max(other.size);
        self.dir == other.dir
            && (self.y - other.y).abs() <= near
            && (self.x0 - other.x0).abs() <= near
            && self.text == other.text
    }
}

/// A line being collected: a run of consecutive glyphs of the page.
struct Collecting {
    first: usize,
    end: usize,
    dir: u8,
    y: f32,
    x0: f32,
    x1: f32,
    size: f32,
}

impl Collecting {
    fn new(index: usize, glyph: &Placed) -> Self {
        Collecting {
            first: index,
            end: index + 1,
            dir: glyph.dir,
            y: glyph.y,
            x0: glyph.x0,
            x1: glyph.x1,
            size: glyph.size,
        }
    }

    /// Whether `glyph` continues this line: same direction and baseline, starting a little
    /// left of the line's end at most, and not far right of it.
    fn continues(&self, glyph: &Placed) -> bool {
        let size = self.size.max(glyph.size);
        let gap = glyph.x0 - self.x1;
        glyph.dir == self.dir
            && (glyph.y - self.y).abs() <= SAME_BASELINE * size
            && gap >= -0.5 * size
            && gap <= PIECE_GAP * size
    }

    fn extend(&mut self, glyph: &Placed) {
        self.end += 1;
        self.x1 = self.x1.max(glyph.x1);
        if !glyph.is_space() {
            self.size = self.size.max(glyph.size);
        }
    }

    /// The line's text. A space goes where a space glyph was drawn, and where the gap
    /// between two glyphs is wider than a word break.
    fn finish(self, page: &PageGlyphs) -> Line {
        let glyphs = &page.glyphs[self.first..self.end];
        // A line that draws its spaces has its word breaks there; a gap elsewhere is only
        // a break when it is wide (a tab stop), not where letters stand apart.
        let spaces_drawn = glyphs.iter().any(Placed::is_space);
        let threshold = if spaces_drawn {
            DRAWN_SPACES_GAP
        } else {
            WORD_GAP
        } * self.size;
        let mut text = String::new();
        let (mut right, mut space) = (f32::NEG_INFINITY, false);
        for glyph in glyphs {
            if glyph.is_space() {
                space = true;
                continue;
            }
            if !text.is_empty() && (space || glyph.x0 - right > threshold) {
                text.push(' ');
            }
            space = false;
            text.push_str(page.text_of(glyph));
            right = right.max(glyph.x1);
        }
        Line {
            dir: self.dir,
            y: self.y,
            x0: self.x0,
            x1: self.x1,
            size: self.size,
            text,
        }
    }
}

/// The lines of a page, in drawing order, text drawn twice at one place kept once.
fn lines(page: &PageGlyphs) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    let finish = |collected: Collecting, lines: &mut Vec<Line>| {
        let mut line = collected.finish(page);
        if line.text.is_empty() {
            return;
        }
        // Fake bold and shadows draw a line again just beside itself.
        if lines.iter().rev().take(4).any(|l| line.repeats(l)) {
            return;
        }
        if line.text.chars().any(is_rtl) {
            line.text = visual_to_logical(&line.text);
        }
        lines.push(line);
    };
    let mut current: Option<Collecting> = None;
    for (index, glyph) in page.glyphs.iter().enumerate() {
        match &mut current {
            Some(line) if line.continues(glyph) => line.extend(glyph),
            // A space with no line to continue, or far from it, separates nothing.
            _ if glyph.is_space() => {}
            _ => {
                if let Some(done) = current.take() {
                    finish(done, &mut lines);
                }
                current = Some(Collecting::new(index, glyph));
            }
        }
    }
    if let Some(done) = current {
        finish(done, &mut lines);
    }
    lines
}

/// Whether the character is of a script written right to left (Hebrew, Arabic, Syriac,
/// Thaana, N'Ko and their presentation forms).
fn is_rtl(c: char) -> bool {
    matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF)
}

/// A line of glyphs taken left to right, with the right-to-left runs in it turned into the
/// order they are read in: each stretch from a right-to-left character to the last one before
/// a left-to-right character (spaces between its words included) is reversed.
fn visual_to_logical(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !is_rtl(chars[i]) {
            i += 1;
            continue;
        }
        let mut end = i + 1;
        let mut j = i + 1;
        while j < chars.len() && (is_rtl(chars[j]) || chars[j] == ' ') {
            if is_rtl(chars[j]) {
                end = j + 1;
            }
            j += 1;
        }
        chars[i..end].reverse();
        i = end;
    }
    chars.into_iter().collect()
}

/// Whether `text` is a bare page number: digits, or a short roman numeral, alone or between
/// dashes.
fn is_page_number(text: &str) -> bool {
    let core = text
        .trim()
        .trim_matches(|c: char| c == '-' || c == '–' || c.is_whitespace());
    !core.is_empty()
        && core.len() <= 6
        && (core.chars().all(|c| c.is_ascii_digit())
            || core.chars().all(|c| "ivxlcIVXLC".contains(c)))
}

/// Leaves out bare page numbers on the page's top or bottom line: a number alone on its
/// line, no other line within two of its font sizes above or below (a table's last row at the
/// foot of a page stays).
fn drop_page_numbers(lines: &mut Vec<Line>) {
    let upright = || lines.iter().filter(|l| l.dir == 0);
    let (Some(top), Some(bottom)) = (
        upright().map(|l| l.y).reduce(f32::max),
        upright().map(|l| l.y).reduce(f32::min),
    ) else {
        return;
    };
    if top == bottom {
        return;
    }
    let page_number = |line: &Line| {
        let edge = (line.y - top).abs() <= line.size || (line.y - bottom).abs() <= line.size;
        line.dir == 0
            && edge
            && is_page_number(&line.text)
            && !lines.iter().any(|other| {
                !std::ptr::eq(other, line)
                    && other.dir == 0
                    && (other.y - line.y).abs() <= 2.0 * line.size
                    && !is_page_number(&other.text)
            })
    };
    let keep: Vec<bool> = lines.iter().map(|l| !page_number(l)).collect();
    let mut keep = keep.into_iter();
    lines.retain(|_| keep.next().unwrap_or(true));
}

/// Whether the character is one of the scripts written without spaces between words.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF
        | 0x20000..=0x2FA1F)
}

/// Appends the next line of a paragraph: a word broken by a hyphen is joined again; lines of
/// Chinese or Japanese join without a space.
fn join_line(out: &mut String, next: &str) {
    let before = out.chars().rev().nth(1);
    let first = next.chars().next();
    if out.ends_with('-')
        && before.is_some_and(char::is_alphabetic)
        && first.is_some_and(char::is_lowercase)
    {
        out.pop();
    } else if !(out.chars().next_back().is_some_and(is_cjk) && first.is_some_and(is_cjk)) {
        out.push(' ');
    }
    out.push_str(next);
}

/// The page's text: paragraphs separated by a blank line, the lines of a paragraph joined,
/// pieces of one baseline (table cells) separated by a tab, rows of such pieces by a line
/// break.
pub(crate) fn page_text(page: &PageGlyphs) -> String {
    let mut lines = lines(page);
    drop_page_numbers(&mut lines);
    let mut out = String::new();
    // The previous line, and the extent of the row of pieces it ends.
    let mut previous: Option<(&Line, f32, f32, bool)> = None;
    for line in &lines {
        match previous {
            Some((prev, row_x0, row_x1, row_has_tab)) => {
                let size = prev.size.max(line.size);
                let drop = prev.y - line.y;
                let same_dir = prev.dir == line.dir;
                let similar = prev.size.max(line.size) <= 1.3 * prev.size.min(line.size);
                if same_dir && drop.abs() <= SAME_BASELINE * size && line.x0 > prev.x1 {
                    // Another piece of the same baseline.
                    out.push('\t');
                    out.push_str(&line.text);
                    previous = Some((line, row_x0, line.x1, true));
                    continue;
                }
                let stacked = same_dir
                    && similar
                    && drop > SAME_BASELINE * size
                    && drop <= 1.8 * size
                    && line.x0 < row_x1
                    && line.x1 > row_x0;
                if stacked && row_has_tab {
                    out.push('\n');
                    out.push_str(&line.text);
                } else if stacked {
                    join_line(&mut out, &line.text);
                } else {
                    out.push_str("\n\n");
                    out.push_str(&line.text);
                }
            }
            None => out.push_str(&line.text),
        }
        previous = Some((line, line.x0, line.x1, false));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page of upright glyphs: (text, x, baseline, size), each glyph 0.5 em wide, or as
    /// wide as given.
    fn page(glyphs: &[(&str, f32, f32, f32)]) -> PageGlyphs {
        let mut page = PageGlyphs::default();
        for &(text, x, y, size) in glyphs {
            let mut x = x;
            for c in text.chars() {
                let k = f64::from(size) / 1000.0;
                let glyph = if c == ' ' {
                    GlyphText::Space
                } else {
                    GlyphText::Char(c)
                };
                page.add(
                    [k, 0.0, 0.0, k, f64::from(x), f64::from(y)],
                    false,
                    Some(500.0),
                    glyph,
                );
                x += size * 0.5;
            }
        }
        page
    }

    #[test]
    fn spaces_drawn_or_left_as_gaps_both_break_words() {
        // "two words" with a drawn space, then "gap" moved 0.7 em right of "words".
        let p = page(&[("two words", 0.0, 700.0, 10.0), ("gap", 52.0, 700.0, 10.0)]);
        assert_eq!(page_text(&p), "two words gap");
        // Kerning (a small gap) is not a word break.
        let p = page(&[("ker", 0.0, 700.0, 10.0), ("ning", 15.5, 700.0, 10.0)]);
        assert_eq!(page_text(&p), "kerning");
    }

    #[test]
    fn lines_of_a_paragraph_join_and_hyphenated_words_are_whole_again() {
        let p = page(&[
            ("a long para-", 0.0, 700.0, 10.0),
            ("graph ends", 0.0, 688.0, 10.0),
            ("Next", 0.0, 640.0, 10.0),
        ]);
        assert_eq!(page_text(&p), "a long paragraph ends\n\nNext");
        // A hyphen before a capital (or a number) stays.
        let p = page(&[("Jean-", 0.0, 700.0, 10.0), ("Paul", 0.0, 688.0, 10.0)]);
        assert_eq!(page_text(&p), "Jean- Paul");
    }

    #[test]
    fn letters_standing_apart_on_a_line_with_drawn_spaces_stay_one_word() {
        // An OCR layer: each letter 0.5 em wide, 0.2 em apart; words split by a space.
        let mut glyphs = Vec::new();
        let mut x = 0.0;
        for c in "Pte Ltd".chars() {
            glyphs.push((c.to_string(), x));
            x += 7.0;
        }
        let spec: Vec<(&str, f32, f32, f32)> = glyphs
            .iter()
            .map(|(c, x)| (c.as_str(), *x, 700.0, 10.0))
            .collect();
        assert_eq!(page_text(&page(&spec)), "Pte Ltd");
    }

    #[test]
    fn text_drawn_twice_at_one_place_is_read_once() {
        // Fake bold: the same line again, 0.4 pt to the right.
        let p = page(&[("Title", 0.0, 700.0, 10.0), ("Title", 0.4, 700.0, 10.0)]);
        assert_eq!(page_text(&p), "Title");
        // The same words elsewhere on the page are text of their own.
        let p = page(&[("Title", 0.0, 700.0, 10.0), ("Title", 0.0, 600.0, 10.0)]);
        assert_eq!(page_text(&p), "Title\n\nTitle");
    }

    #[test]
    fn cells_of_a_row_are_tab_separated_and_rows_break_lines() {
        let p = page(&[
            ("Region", 0.0, 700.0, 10.0),
            ("Sales", 100.0, 700.0, 10.0),
            ("North", 0.0, 688.0, 10.0),
            ("120", 100.0, 688.0, 10.0),
        ]);
        assert_eq!(page_text(&p), "Region\tSales\nNorth\t120");
    }

    #[test]
    fn bare_page_numbers_at_the_top_or_bottom_are_left_out() {
        let p = page(&[
            ("12", 300.0, 760.0, 10.0),
            ("Body text", 0.0, 700.0, 10.0),
            ("1999 was a year", 0.0, 500.0, 10.0),
            ("- 12 -", 300.0, 40.0, 10.0),
        ]);
        assert_eq!(page_text(&p), "Body text\n\n1999 was a year");
        assert!(is_page_number("xiv") && is_page_number("– 3 –"));
        assert!(!is_page_number("2024a") && !is_page_number("Chapter 3"));
    }

    #[test]
    fn chinese_lines_join_without_spaces_and_rotated_text_reads_along_its_baseline() {
        let p = page(&[("中文的", 0.0, 700.0, 10.0), ("段落", 0.0, 688.0, 10.0)]);
        assert_eq!(page_text(&p), "中文的段落");
        // A line rotated 90° (baseline going up the page), drawn glyph by glyph.
        let mut p = PageGlyphs::default();
        for (i, c) in "up".chars().enumerate() {
            let k = 0.01;
            p.add(
                [0.0, k, -k, 0.0, 100.0, 100.0 + 5.0 * i as f64],
                false,
                Some(500.0),
                GlyphText::Char(c),
            );
        }
        assert_eq!(p.glyphs[0].dir, 1);
        assert_eq!(page_text(&p), "up");
        // Vertical writing: the baseline runs down the page.
        let mut p = PageGlyphs::default();
        for (i, c) in "縦書".chars().enumerate() {
            let k = 0.01;
            p.add(
                [k, 0.0, 0.0, k, 100.0, 700.0 - 10.0 * i as f64],
                true,
                None,
                GlyphText::Char(c),
            );
        }
        assert_eq!(p.glyphs[0].dir, 3);
        assert_eq!(page_text(&p), "縦書");
    }

    #[test]
    fn damaged_numbers_are_skipped_and_glyphs_are_bounded() {
        let mut p = PageGlyphs::default();
        p.add(
            [f64::NAN, 0.0, 0.0, 1.0, 0.0, 0.0],
            false,
            None,
            GlyphText::Char('x'),
        );
        p.add(
            [0.01, 0.0, 0.0, 0.01, f64::INFINITY, 0.0],
            false,
            None,
            GlyphText::Char('x'),
        );
        p.add(
            [0.01, 0.0, 0.0, 0.01, 1e300, 0.0],
            false,
            None,
            GlyphText::Char('x'),
        );
        assert!(p.glyphs.is_empty());
        p.glyphs = vec![p_glyph(); MAX_GLYPHS];
        p.add(
            [0.01, 0.0, 0.0, 0.01, 0.0, 0.0],
            false,
            None,
            GlyphText::Char('x'),
        );
        assert!(p.overflowed && p.glyphs.len() == MAX_GLYPHS);
        // Long strings for each glyph meet the text's own bound first.
        let mut p = PageGlyphs::default();
        let long = "x".repeat(1 << 20);
        for _ in 0..100 {
            let text = GlyphText::Str(long.clone());
            p.add([0.01, 0.0, 0.0, 0.01, 0.0, 0.0], false, None, text);
        }
        assert!(p.overflowed && p.glyphs.len() == MAX_TEXT_BYTES >> 20);
    }

    fn p_glyph() -> Placed {
        Placed {
            x0: 0.0,
            x1: 1.0,
            y: 0.0,
            size: 1.0,
            dir: 0,
            start: 0,
            end: 0,
        }
    }

    #[test]
    fn right_to_left_runs_read_in_logical_order_and_glyphs_off_the_page_are_left_out() {
        // Arabic drawn left to right (visual order), as a PDF stores it.
        let visual: String = "مرحبا بالعالم".chars().rev().collect();
        let p = page(&[("Arabic: ", 0.0, 700.0, 10.0), (&visual, 40.0, 700.0, 10.0)]);
        assert_eq!(page_text(&p), "Arabic: مرحبا بالعالم");
        assert_eq!(visual_to_logical("abc אבג דה 12"), "abc הד גבא 12");
        // A glyph above a tiny page's crop box (as im-images.pdf draws one) is not on it.
        let mut p = page(&[]);
        p.bounds = Some([0.0, 0.0, 3.84, 3.84]);
        for (x, y) in [(0.0, 16.0), (1.0, 1.0)] {
            p.add(
                [0.001, 0.0, 0.0, 0.001, x, y],
                false,
                Some(500.0),
                GlyphText::Char('B'),
            );
        }
        assert_eq!(p.glyphs.len(), 1);
        assert_eq!(p.glyphs[0].y, 1.0);
    }

    #[test]
    fn glyphs_without_unicode_or_with_control_codes_are_unmapped() {
        assert!(glyph_text(None).is_none());
        assert!(glyph_text(Some(BfString::Char('\0'))).is_none());
        assert!(matches!(
            glyph_text(Some(BfString::Char('\u{a0}'))),
            Some(GlyphText::Space)
        ));
        assert!(matches!(
            glyph_text(Some(BfString::String("ﬁ".into()))),
            Some(GlyphText::Str(s)) if s == "ﬁ"
        ));
    }
}
