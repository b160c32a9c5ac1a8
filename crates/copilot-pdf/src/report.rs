//! Generated report PDFs (summaries, answers) with krilla: A4 pages, simple Markdown
//! (headings, bullets, numbered items, code blocks), per-character font fallback over the
//! shipped faces, subset font embedding and a tagged structure tree.

use std::num::NonZeroU16;
use std::sync::OnceLock;

use krilla::geom::Point;
use krilla::page::PageSettings;
use krilla::tagging::{ContentTag, Identifier, ListNumbering, SpanTag, Tag, TagGroup, TagTree};
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};
use skrifa::instance::{LocationRef, Size};
use skrifa::MetadataProvider;

use super::PdfError;

/// Latin, Greek and Cyrillic (Noto Sans, OFL-1.1; see `assets/fonts/README.md`).
static LATIN: &[u8] = include_bytes!("../assets/fonts/NotoSans-Regular.ttf");
/// Chinese and Japanese ideographs and kana (Droid Sans Fallback, Apache-2.0).
static CJK: &[u8] = include_bytes!("../assets/fonts/DroidSansFallbackFull.ttf");

const PAGE_WIDTH: f32 = 595.0; // A4
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const BODY_SIZE: f32 = 11.0;
const LINE_SPACING: f32 = 1.45;
const LIST_INDENT: f32 = 18.0;

/// One shipped face: krilla's handle for embedding, skrifa's for glyph lookup and widths.
struct Face {
    font: Font,
    data: &'static [u8],
    units_per_em: f32,
}

impl Face {
    fn load(data: &'static [u8]) -> Option<Face> {
        let font = Font::new(data.into(), 0)?;
        let units_per_em = font.units_per_em();
        Some(Face {
            font,
            data,
            units_per_em,
        })
    }
}

fn faces() -> Result<&'static [Face], String> {
    static FACES: OnceLock<Option<Vec<Face>>> = OnceLock::new();
    FACES
        .get_or_init(|| Some(vec![Face::load(LATIN)?, Face::load(CJK)?]))
        .as_deref()
        .ok_or_else(|| "the shipped fonts could not be loaded".to_string())
}

/// A character placed with one of the faces.
#[derive(Clone, Copy)]
struct Shaped {
    face: usize,
    glyph: u32,
    /// Advance in em.
    advance: f32,
}

/// Maps characters to (face, glyph, advance), trying each face in order; a character no face
/// has is drawn as the first face's missing-glyph box (its text is kept).
struct Shaper {
    fonts: Vec<(skrifa::FontRef<'static>, f32)>,
}

impl Shaper {
    fn new(faces: &[Face]) -> Result<Shaper, String> {
        let fonts = faces
            .iter()
            .map(|f| {
                skrifa::FontRef::new(f.data)
                    .map(|r| (r, f.units_per_em))
                    .map_err(|e| format!("font: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Shaper { fonts })
    }

    fn shape(&self, c: char) -> Shaped {
        for (index, (font, upem)) in self.fonts.iter().enumerate() {
            if let Some(gid) = font.charmap().map(c) {
                if gid.to_u32() != 0 {
                    let advance = font
                        .glyph_metrics(Size::unscaled(), LocationRef::default())
                        .advance_width(gid)
                        .unwrap_or(0.0);
                    return Shaped {
                        face: index,
                        glyph: gid.to_u32(),
                        advance: advance / upem,
                    };
                }
            }
        }
        let (font, upem) = &self.fonts[0];
        let advance = font
            .glyph_metrics(Size::unscaled(), LocationRef::default())
            .advance_width(skrifa::GlyphId::new(0))
            .unwrap_or(0.0);
        Shaped {
            face: 0,
            glyph: 0,
            advance: advance / upem,
        }
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.shape(c).advance * size).sum()
    }
}

/// A block of the report.
enum Block {
    Heading(u16, String),
    Paragraph(String),
    Item {
        label: String,
        text: String,
        ordered: bool,
    },
    Code(Vec<String>),
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF | 0x2E80..=0x2FDF | 0x3000..=0x30FF | 0x3100..=0x31FF | 0x3200..=0x9FFF
        | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// Joins the lines of a paragraph: with a space, except between two CJK characters.
fn join_line(paragraph: &mut String, line: &str) {
    let line = line.trim();
    if line.is_empty() {
        return;
    }
    if let (Some(last), Some(first)) = (paragraph.chars().last(), line.chars().next()) {
        if !(is_cjk(last) && is_cjk(first)) {
            paragraph.push(' ');
        }
    }
    paragraph.push_str(line);
}

/// Removes `**` emphasis marks (the rest of the text is kept as written).
fn inline(text: &str) -> String {
    text.replace("**", "")
}

/// Splits text into blocks, reading simple Markdown: `#` headings, `-`/`*`/`+` bullets,
/// `1.` items, fenced code; blank lines end paragraphs.
fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph = String::new();
    let mut code: Option<Vec<String>> = None;
    let flush = |paragraph: &mut String, blocks: &mut Vec<Block>| {
        if !paragraph.trim().is_empty() {
            blocks.push(Block::Paragraph(inline(paragraph.trim())));
        }
        paragraph.clear();
    };
    for raw in text.lines() {
        let line = raw.replace('\t', "    ");
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            match code.take() {
                Some(lines) => blocks.push(Block::Code(lines)),
                None => {
                    flush(&mut paragraph, &mut blocks);
                    code = Some(Vec::new());
                }
            }
            continue;
        }
        if let Some(lines) = code.as_mut() {
            lines.push(line.trim_end().to_string());
            continue;
        }
        if trimmed.is_empty() {
            flush(&mut paragraph, &mut blocks);
            continue;
        }
        let hashes = trimmed.chars().take_while(|c| *c == '#').count();
        if (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ') {
            flush(&mut paragraph, &mut blocks);
            let title = trimmed[hashes..].trim().trim_end_matches('#').trim();
            blocks.push(Block::Heading(hashes as u16, inline(title)));
            continue;
        }
        if matches!(trimmed, "---" | "***" | "___") {
            flush(&mut paragraph, &mut blocks);
            continue;
        }
        let bullet = ["- ", "* ", "+ ", "• "]
            .iter()
            .find_map(|b| trimmed.strip_prefix(b));
        let numbered = {
            let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
            (digits > 0 && digits < 10)
                .then(|| &trimmed[digits..])
                .and_then(|rest| rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")))
                .map(|rest| (trimmed[..digits + 1].to_string(), rest))
        };
        if let Some(rest) = bullet {
            flush(&mut paragraph, &mut blocks);
            blocks.push(Block::Item {
                label: "•".into(),
                text: inline(rest.trim()),
                ordered: false,
            });
            continue;
        }
        if let Some((label, rest)) = numbered {
            flush(&mut paragraph, &mut blocks);
            blocks.push(Block::Item {
                label,
                text: inline(rest.trim()),
                ordered: true,
            });
            continue;
        }
        // An indented line right after a list item continues it.
        if paragraph.is_empty() && line.starts_with("  ") {
            if let Some(Block::Item { text, .. }) = blocks.last_mut() {
                join_line(text, &inline(trimmed));
                continue;
            }
        }
        join_line(&mut paragraph, trimmed);
    }
    if let Some(lines) = code {
        blocks.push(Block::Code(lines));
    }
    flush(&mut paragraph, &mut blocks);
    blocks
}

/// Breaks `text` into lines no wider than `width`: at spaces, between CJK characters, and
/// inside a word only when the word alone is too wide.
fn wrap(shaper: &Shaper, text: &str, size: f32, width: f32) -> Vec<String> {
    // Tokens: (text, preceded by a space). A CJK character is a token of its own.
    let mut tokens: Vec<(String, bool)> = Vec::new();
    let mut current = String::new();
    let mut current_spaced = false;
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            if !current.is_empty() {
                tokens.push((std::mem::take(&mut current), current_spaced));
            }
            pending_space = true;
        } else if is_cjk(c) {
            if !current.is_empty() {
                tokens.push((std::mem::take(&mut current), current_spaced));
            }
            tokens.push((c.to_string(), pending_space));
            pending_space = false;
        } else {
            if current.is_empty() {
                current_spaced = pending_space;
                pending_space = false;
            }
            current.push(c);
        }
    }
    if !current.is_empty() {
        tokens.push((current, current_spaced));
    }

    let space = shaper.width(" ", size);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_width = 0.0;
    for (token, spaced) in tokens {
        let token_width = shaper.width(&token, size);
        let gap = if spaced && !line.is_empty() {
            space
        } else {
            0.0
        };
        if line_width + gap + token_width <= width || line.is_empty() && token_width <= width {
            if gap > 0.0 {
                line.push(' ');
            }
            line.push_str(&token);
            line_width += gap + token_width;
            continue;
        }
        if token_width <= width {
            lines.push(std::mem::take(&mut line));
            line.push_str(&token);
            line_width = token_width;
            continue;
        }
        // A word wider than the line: break it by characters.
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line_width = 0.0;
        }
        for c in token.chars() {
            let w = shaper.shape(c).advance * size;
            if line_width + w > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            }
            line.push(c);
            line_width += w;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Which part of a block a line belongs to.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    Body,
    Label,
}

/// A line of text placed on a page.
struct Placed {
    block: usize,
    part: Part,
    x: f32,
    baseline: f32,
    size: f32,
    text: String,
}

/// Lays the blocks out on A4 pages.
fn layout(shaper: &Shaper, title: Option<&str>, blocks: &[Block]) -> Vec<Vec<Placed>> {
    let mut pages: Vec<Vec<Placed>> = vec![Vec::new()];
    let mut y = MARGIN;
    let full = PAGE_WIDTH - 2.0 * MARGIN;
    let place = |pages: &mut Vec<Vec<Placed>>,
                 y: &mut f32,
                 block: usize,
                 part: Part,
                 x: f32,
                 size: f32,
                 text: String,
                 advance: bool| {
        let height = size * LINE_SPACING;
        if *y + height > PAGE_HEIGHT - MARGIN && !pages.last().is_some_and(Vec::is_empty) {
            pages.push(Vec::new());
            *y = MARGIN;
        }
        let baseline = *y + size;
        pages.last_mut().expect("a page").push(Placed {
            block,
            part,
            x,
            baseline,
            size,
            text,
        });
        if advance {
            *y += height;
        }
    };
    let title_block = usize::MAX;
    if let Some(title) = title.filter(|t| !t.trim().is_empty()) {
        for line in wrap(shaper, title.trim(), 20.0, full) {
            place(
                &mut pages,
                &mut y,
                title_block,
                Part::Body,
                MARGIN,
                20.0,
                line,
                true,
            );
        }
        y += 10.0;
    }
    for (index, block) in blocks.iter().enumerate() {
        match block {
            Block::Heading(level, text) => {
                let size = match level {
                    1 => 17.0,
                    2 => 14.5,
                    _ => 12.5,
                };
                y += 6.0;
                for line in wrap(shaper, text, size, full) {
                    place(
                        &mut pages,
                        &mut y,
                        index,
                        Part::Body,
                        MARGIN,
                        size,
                        line,
                        true,
                    );
                }
                y += 3.0;
            }
            Block::Paragraph(text) => {
                for line in wrap(shaper, text, BODY_SIZE, full) {
                    place(
                        &mut pages,
                        &mut y,
                        index,
                        Part::Body,
                        MARGIN,
                        BODY_SIZE,
                        line,
                        true,
                    );
                }
                y += 6.0;
            }
            Block::Item { label, text, .. } => {
                let lines = wrap(shaper, text, BODY_SIZE, full - LIST_INDENT);
                // The label shares the first line's position (placed before it, no advance).
                let mut first = true;
                for line in lines {
                    if first {
                        let label_x = MARGIN + 4.0;
                        place(
                            &mut pages,
                            &mut y,
                            index,
                            Part::Label,
                            label_x,
                            BODY_SIZE,
                            label.clone(),
                            false,
                        );
                        first = false;
                    }
                    place(
                        &mut pages,
                        &mut y,
                        index,
                        Part::Body,
                        MARGIN + LIST_INDENT,
                        BODY_SIZE,
                        line,
                        true,
                    );
                }
                y += 2.0;
            }
            Block::Code(code) => {
                for raw in code {
                    for line in wrap(shaper, raw, BODY_SIZE - 1.0, full - 12.0) {
                        place(
                            &mut pages,
                            &mut y,
                            index,
                            Part::Body,
                            MARGIN + 12.0,
                            BODY_SIZE - 1.0,
                            line,
                            true,
                        );
                    }
                }
                y += 6.0;
            }
        }
    }
    pages
}

/// Writes `text` as a tagged PDF report: A4 pages, an optional title, and simple Markdown
/// read as structure (`#` headings → `H1`–`H6`, `-`/`*`/`+` and `1.` items → lists, fenced
/// code and paragraphs → `P`). Every character is kept: Latin, Greek and Cyrillic are drawn
/// in Noto Sans, Chinese and Japanese in Droid Sans Fallback, each embedded as a subset of
/// the glyphs used; a character neither face has is drawn as a box but stays in the text.
///
/// Errors: [`PdfError::Write`] if the PDF cannot be produced.
pub fn render_text_pdf(title: Option<&str>, text: &str) -> Result<Vec<u8>, PdfError> {
    let name = title
        .filter(|t| !t.trim().is_empty())
        .unwrap_or("report")
        .to_string();
    let fail = |detail: String| PdfError::Write {
        name: name.clone(),
        detail,
    };
    let result = std::panic::catch_unwind(|| render(title, text));
    match result {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(detail)) => Err(fail(detail)),
        Err(_) => Err(fail("the PDF writer panicked".into())),
    }
}

fn render(title: Option<&str>, text: &str) -> Result<Vec<u8>, String> {
    let faces = faces()?;
    let shaper = Shaper::new(faces)?;
    let blocks = parse(text);
    let pages = layout(&shaper, title, &blocks);

    let mut document = Document::new_with(SerializeSettings::default());
    // Identifiers of the marked lines, per block (usize::MAX = the title) and part.
    let mut marks: Vec<(usize, Part, Identifier)> = Vec::new();
    let settings = || PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or("page size");
    for lines in &pages {
        let mut page = document.start_page_with(settings()?);
        let mut surface = page.surface();
        for line in lines {
            if line.text.is_empty() {
                continue;
            }
            let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
            draw_line(&mut surface, faces, &shaper, line);
            surface.end_tagged();
            marks.push((line.block, line.part, id));
        }
        surface.finish();
        page.finish();
    }

    let mut tree = TagTree::new();
    let mut take = |block: usize, part: Part| -> Vec<Identifier> {
        let mut taken = Vec::new();
        marks.retain(|(b, p, id)| {
            if *b == block && *p == part {
                taken.push(*id);
                false
            } else {
                true
            }
        });
        taken
    };
    if title.is_some_and(|t| !t.trim().is_empty()) {
        let mut group = TagGroup::new(Tag::Hn(NonZeroU16::MIN, title.map(str::to_string)));
        for id in take(usize::MAX, Part::Body) {
            group.push(id);
        }
        tree.push(group);
    }
    let mut list: Option<(bool, TagGroup)> = None;
    for (index, block) in blocks.iter().enumerate() {
        if !matches!(block, Block::Item { .. }) {
            if let Some((_, group)) = list.take() {
                tree.push(group);
            }
        }
        match block {
            Block::Heading(level, text) => {
                let level = NonZeroU16::new(*level).unwrap_or(NonZeroU16::MIN);
                let mut group = TagGroup::new(Tag::Hn(level, Some(text.clone())));
                for id in take(index, Part::Body) {
                    group.push(id);
                }
                tree.push(group);
            }
            Block::Paragraph(_) | Block::Code(_) => {
                let mut group = TagGroup::new(Tag::P);
                for id in take(index, Part::Body) {
                    group.push(id);
                }
                tree.push(group);
            }
            Block::Item { ordered, .. } => {
                if list.as_ref().is_some_and(|(o, _)| o != ordered) {
                    if let Some((_, group)) = list.take() {
                        tree.push(group);
                    }
                }
                let numbering = if *ordered {
                    ListNumbering::Decimal
                } else {
                    ListNumbering::Disc
                };
                let (_, group) =
                    list.get_or_insert_with(|| (*ordered, TagGroup::new(Tag::L(numbering))));
                let mut label = TagGroup::new(Tag::Lbl);
                for id in take(index, Part::Label) {
                    label.push(id);
                }
                let mut body = TagGroup::new(Tag::LBody);
                for id in take(index, Part::Body) {
                    body.push(id);
                }
                let mut item = TagGroup::new(Tag::LI);
                item.push(label);
                item.push(body);
                group.push(item);
            }
        }
    }
    if let Some((_, group)) = list.take() {
        tree.push(group);
    }
    document.set_tag_tree(tree);
    let mut metadata = krilla::metadata::Metadata::new().creator("openai-blocking".to_string());
    if let Some(title) = title.filter(|t| !t.trim().is_empty()) {
        metadata = metadata.title(title.trim().to_string());
    }
    document.set_metadata(metadata);
    document.finish().map_err(|e| format!("{e:?}"))
}

/// Draws one line, switching faces where the characters need it.
fn draw_line(
    surface: &mut krilla::surface::Surface<'_>,
    faces: &[Face],
    shaper: &Shaper,
    line: &Placed,
) {
    let mut x = line.x;
    let mut run = String::new();
    let mut glyphs: Vec<KrillaGlyph> = Vec::new();
    let mut run_face = usize::MAX;
    let mut run_width = 0.0;
    let flush = |surface: &mut krilla::surface::Surface<'_>,
                 run: &mut String,
                 glyphs: &mut Vec<KrillaGlyph>,
                 face: usize,
                 x: &mut f32,
                 width: &mut f32| {
        if !glyphs.is_empty() {
            surface.draw_glyphs(
                Point::from_xy(*x, line.baseline),
                glyphs,
                faces[face].font.clone(),
                run,
                line.size,
                false,
            );
        }
        *x += *width;
        *width = 0.0;
        run.clear();
        glyphs.clear();
    };
    for c in line.text.chars() {
        let shaped = shaper.shape(c);
        if shaped.face != run_face && !run.is_empty() {
            flush(
                surface,
                &mut run,
                &mut glyphs,
                run_face,
                &mut x,
                &mut run_width,
            );
        }
        run_face = shaped.face;
        let start = run.len();
        run.push(c);
        glyphs.push(KrillaGlyph::new(
            GlyphId::new(shaped.glyph),
            shaped.advance,
            0.0,
            0.0,
            0.0,
            start..run.len(),
            None,
        ));
        run_width += shaped.advance * line.size;
    }
    if !run.is_empty() {
        flush(
            surface,
            &mut run,
            &mut glyphs,
            run_face,
            &mut x,
            &mut run_width,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_blocks() {
        let blocks = parse(
            "# Title\n\nline one\nline two\n\n- a\n- b\n  more\n1. first\n```\ncode  x\n```\n",
        );
        assert!(matches!(&blocks[0], Block::Heading(1, t) if t == "Title"));
        assert!(matches!(&blocks[1], Block::Paragraph(t) if t == "line one line two"));
        assert!(matches!(&blocks[2], Block::Item { text, ordered: false, .. } if text == "a"));
        assert!(matches!(&blocks[3], Block::Item { text, .. } if text == "b more"));
        assert!(matches!(&blocks[4], Block::Item { label, ordered: true, .. } if label == "1."));
        assert!(matches!(&blocks[5], Block::Code(lines) if lines == &["code  x"]));
    }

    #[test]
    fn cjk_lines_join_without_space() {
        let mut p = String::from("中文");
        join_line(&mut p, "测试");
        assert_eq!(p, "中文测试");
        join_line(&mut p, "Rust");
        assert_eq!(p, "中文测试 Rust");
    }

    #[test]
    fn wrapping_keeps_every_character() {
        let faces = faces().unwrap();
        let shaper = Shaper::new(faces).unwrap();
        let text = "Привет мир, café 中文文本测试与换行 supercalifragilisticexpialidocious";
        let lines = wrap(&shaper, text, 11.0, 60.0);
        assert!(lines.len() > 3);
        let joined: String = lines
            .concat()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let expected: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(joined, expected);
        for line in &lines {
            assert!(
                shaper.width(line, 11.0) <= 60.0 + 0.01 || line.chars().count() == 1,
                "{line}"
            );
        }
    }
}
