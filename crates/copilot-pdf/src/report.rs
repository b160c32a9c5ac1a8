//! Generated report PDFs (summaries, answers): A4 pages, simple Markdown (headings, bullets,
//! numbered items, code blocks), per-character font fallback over the shipped faces, subset
//! font embedding ([`crate::pdffont`], [`crate::ttf_subset`]) and a tagged structure tree,
//! written with our own [`crate::pdfgen`].

use std::fmt::Write as _;
use std::sync::OnceLock;

use skrifa::instance::{LocationRef, Size};
use skrifa::raw::TableProvider;
use skrifa::MetadataProvider;

use super::PdfError;
use crate::pdffont::EmbeddedFont;
use crate::pdfgen::{name as pdf_name, real, text_string, PdfWriter};

/// Latin, Greek and Cyrillic (Noto Sans, OFL-1.1; see `assets/fonts/README.md`).
static LATIN: &[u8] = include_bytes!("../assets/fonts/NotoSans-Regular.ttf");
/// Chinese and Japanese ideographs and kana (Droid Sans Fallback, Apache-2.0).
static CJK: &[u8] = include_bytes!("../assets/fonts/DroidSansFallbackFull.ttf");

/// A4 width in points.
const PAGE_WIDTH: f32 = 595.0;
/// A4 height in points.
const PAGE_HEIGHT: f32 = 842.0;
/// Page margin on every side, in points.
const MARGIN: f32 = 56.0;
/// Font size of body text.
const BODY_SIZE: f32 = 11.0;
/// Line height as a multiple of the font size.
const LINE_SPACING: f32 = 1.45;
/// Indentation of list item text.
const LIST_INDENT: f32 = 18.0;

/// One shipped face: its file (embedded as a subset) and its em size.
struct Face {
    /// The TrueType file.
    data: &'static [u8],
    /// Font units per em.
    units_per_em: f32,
}

impl Face {
    /// The face of `data`, if skrifa reads its header.
    fn load(data: &'static [u8]) -> Option<Face> {
        let font = skrifa::FontRef::new(data).ok()?;
        let units_per_em = f32::from(font.head().ok()?.units_per_em().max(1));
        Some(Face { data, units_per_em })
    }
}

/// The shipped faces, loaded once: Noto Sans, then Droid Sans Fallback.
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
    /// Index of the face in [`faces`].
    face: usize,
    /// Glyph id in that face.
    glyph: u32,
    /// Advance in em.
    advance: f32,
}

/// Maps characters to (face, glyph, advance), trying each face in order; a character no face
/// has is drawn as the first face's missing-glyph box (its text is kept).
struct Shaper {
    /// Each face and its units per em.
    fonts: Vec<(skrifa::FontRef<'static>, f32)>,
}

impl Shaper {
    /// A shaper over `faces`, in fallback order.
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

    /// The face, glyph and advance drawing `c`.
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

    /// The width of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.shape(c).advance * size).sum()
    }
}

/// A block of the report.
enum Block {
    /// A heading: level (1–6) and text.
    Heading(u16, String),
    /// A paragraph, its lines joined.
    Paragraph(String),
    /// A list item.
    Item {
        /// `•` or the item's number with its `.` or `)`.
        label: String,
        /// The item's text.
        text: String,
        /// Numbered (not a bullet).
        ordered: bool,
    },
    /// A fenced code block, line by line.
    Code(Vec<String>),
}

/// Chinese, Japanese or Korean (lines break between such characters).
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
    /// The text of the block.
    Body,
    /// A list item's label.
    Label,
}

/// A line of text placed on a page.
struct Placed {
    /// Index of the block (`usize::MAX`: the title).
    block: usize,
    /// Which part of the block.
    part: Part,
    /// Left edge, in points from the page's left.
    x: f32,
    /// Baseline, in points from the page's top.
    baseline: f32,
    /// Font size.
    size: f32,
    /// The text of the line.
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

/// Where a marked line is: its page (index) and its marked-content id on that page.
#[derive(Clone, Copy)]
struct Mark {
    /// Page index.
    page: usize,
    /// Marked-content id (from 0 on each page).
    mcid: usize,
}

/// A child of a structure element.
enum Kid {
    /// Another element (index into the element list).
    Element(usize),
    /// A marked line.
    Mark(Mark),
}

/// A structure element of the tag tree.
struct Element {
    /// Structure type (`H1`, `P`, `L`, `LI`, `Lbl`, `LBody`).
    role: &'static str,
    /// `/T` (headings: their text).
    title: Option<String>,
    /// `/A`, an attribute dictionary (lists: their numbering).
    attributes: Option<&'static str>,
    /// Children in reading order.
    kids: Vec<Kid>,
}

/// The structure tree being built: elements, and the top-level ones in order.
#[derive(Default)]
struct Tree {
    /// Every element (children are added before their parents).
    elements: Vec<Element>,
    /// Children of the structure tree root.
    top: Vec<usize>,
}

impl Tree {
    /// Adds an element with `kids` (none if it has no children at all: an element drawing
    /// nothing is left out) and returns its index.
    fn add(
        &mut self,
        role: &'static str,
        title: Option<String>,
        attributes: Option<&'static str>,
        kids: Vec<Kid>,
    ) -> Option<usize> {
        if kids.is_empty() {
            return None;
        }
        self.elements.push(Element {
            role,
            title,
            attributes,
            kids,
        });
        Some(self.elements.len() - 1)
    }
}

/// The report as PDF bytes (see [`render_text_pdf`]).
fn render(title: Option<&str>, text: &str) -> Result<Vec<u8>, String> {
    let faces = faces()?;
    let shaper = Shaper::new(faces)?;
    let blocks = parse(text);
    let pages = layout(&shaper, title, &blocks);
    let title = title.map(str::trim).filter(|t| !t.is_empty());

    let mut writer = PdfWriter::new();
    let catalog = writer.alloc();
    let pages_id = writer.alloc();
    let tree_root = writer.alloc();
    let parent_tree = writer.alloc();
    let info = writer.alloc();
    let mut fonts: Vec<EmbeddedFont> = faces
        .iter()
        .map(|f| EmbeddedFont::new(f.data))
        .collect::<Result<_, _>>()?;
    let mut font_ids: Vec<Option<usize>> = vec![None; faces.len()];

    // Page content: each line a marked-content sequence.
    let mut marks: Vec<(usize, Part, Mark)> = Vec::new();
    let page_ids: Vec<usize> = pages.iter().map(|_| writer.alloc()).collect();
    let mut page_fonts: Vec<Vec<bool>> = Vec::new();
    let mut page_contents: Vec<usize> = Vec::new();
    for (page, lines) in pages.iter().enumerate() {
        let mut content = String::new();
        let mut used = vec![false; faces.len()];
        let mut mcid = 0;
        for line in lines {
            if line.text.is_empty() {
                continue;
            }
            let _ = writeln!(content, "/Span << /MCID {mcid} >> BDC\nBT");
            draw_line(&mut content, &mut fonts, &mut used, &shaper, line);
            content.push_str("ET\nEMC\n");
            marks.push((line.block, line.part, Mark { page, mcid }));
            mcid += 1;
        }
        let id = writer.alloc();
        writer.stream(id, "", content.as_bytes())?;
        page_contents.push(id);
        page_fonts.push(used);
    }

    // The structure tree, in the order of the blocks.
    let mut tree = Tree::default();
    let mut take = |block: usize, part: Part| -> Vec<Kid> {
        let mut taken = Vec::new();
        marks.retain(|(b, p, mark)| {
            if *b == block && *p == part {
                taken.push(Kid::Mark(*mark));
                false
            } else {
                true
            }
        });
        taken
    };
    if let Some(title) = title {
        let kids = take(usize::MAX, Part::Body);
        let element = tree.add("H1", Some(title.to_string()), None, kids);
        tree.top.extend(element);
    }
    // The open list: (ordered, its items).
    let mut list: Option<(bool, Vec<Kid>)> = None;
    let close = |tree: &mut Tree, list: &mut Option<(bool, Vec<Kid>)>| {
        if let Some((ordered, items)) = list.take() {
            let numbering = if ordered {
                "<< /O /List /ListNumbering /Decimal >>"
            } else {
                "<< /O /List /ListNumbering /Disc >>"
            };
            let element = tree.add("L", None, Some(numbering), items);
            tree.top.extend(element);
        }
    };
    for (index, block) in blocks.iter().enumerate() {
        if !matches!(block, Block::Item { .. }) {
            close(&mut tree, &mut list);
        }
        match block {
            Block::Heading(level, text) => {
                let role = match level {
                    1 => "H1",
                    2 => "H2",
                    3 => "H3",
                    4 => "H4",
                    5 => "H5",
                    _ => "H6",
                };
                let kids = take(index, Part::Body);
                let element = tree.add(role, Some(text.clone()), None, kids);
                tree.top.extend(element);
            }
            Block::Paragraph(_) | Block::Code(_) => {
                let kids = take(index, Part::Body);
                let element = tree.add("P", None, None, kids);
                tree.top.extend(element);
            }
            Block::Item { ordered, .. } => {
                if list.as_ref().is_some_and(|(o, _)| o != ordered) {
                    close(&mut tree, &mut list);
                }
                let label_kids = take(index, Part::Label);
                let label = tree.add("Lbl", None, None, label_kids);
                let body_kids = take(index, Part::Body);
                let body = tree.add("LBody", None, None, body_kids);
                let kids = label.into_iter().chain(body).map(Kid::Element).collect();
                let item = tree.add("LI", None, None, kids);
                list.get_or_insert_with(|| (*ordered, Vec::new()))
                    .1
                    .extend(item.map(Kid::Element));
            }
        }
    }
    close(&mut tree, &mut list);

    // Structure elements, each with its parent; the parent tree maps each page's MCIDs to
    // the elements owning them.
    let element_ids: Vec<usize> = tree.elements.iter().map(|_| writer.alloc()).collect();
    let mut parents = vec![tree_root; tree.elements.len()];
    let mut owners: Vec<Vec<usize>> = pages.iter().map(|_| Vec::new()).collect();
    for (index, element) in tree.elements.iter().enumerate() {
        for kid in &element.kids {
            match kid {
                Kid::Element(child) => parents[*child] = element_ids[index],
                Kid::Mark(mark) => {
                    let owner = &mut owners[mark.page];
                    if owner.len() <= mark.mcid {
                        owner.resize(mark.mcid + 1, element_ids[index]);
                    }
                    owner[mark.mcid] = element_ids[index];
                }
            }
        }
    }
    for (index, element) in tree.elements.iter().enumerate() {
        let page = element.kids.iter().find_map(|k| match k {
            Kid::Mark(mark) => Some(mark.page),
            Kid::Element(_) => None,
        });
        let mut dict = format!(
            "<< /Type /StructElem /S /{} /P {} 0 R",
            element.role, parents[index]
        );
        if let Some(title) = &element.title {
            let _ = write!(dict, " /T {}", text_string(title));
        }
        if let Some(attributes) = element.attributes {
            let _ = write!(dict, " /A {attributes}");
        }
        if let Some(page) = page {
            let _ = write!(dict, " /Pg {} 0 R", page_ids[page]);
        }
        dict.push_str(" /K [");
        for kid in &element.kids {
            match kid {
                Kid::Element(child) => {
                    let _ = write!(dict, " {} 0 R", element_ids[*child]);
                }
                Kid::Mark(mark) if Some(mark.page) == page => {
                    let _ = write!(dict, " {}", mark.mcid);
                }
                Kid::Mark(mark) => {
                    let _ = write!(
                        dict,
                        " << /Type /MCR /Pg {} 0 R /MCID {} >>",
                        page_ids[mark.page], mark.mcid
                    );
                }
            }
        }
        dict.push_str(" ] >>");
        writer.object(element_ids[index], &dict);
    }
    let top: String = tree
        .top
        .iter()
        .map(|&e| format!(" {} 0 R", element_ids[e]))
        .collect();
    writer.object(
        tree_root,
        &format!(
            "<< /Type /StructTreeRoot /K [{top} ] /ParentTree {parent_tree} 0 R /ParentTreeNextKey {} >>",
            pages.len()
        ),
    );
    let mut nums = String::new();
    for (page, owner) in owners.iter().enumerate() {
        if owner.is_empty() {
            continue;
        }
        let refs: String = owner.iter().map(|id| format!(" {id} 0 R")).collect();
        let _ = write!(nums, " {page} [{refs} ]");
    }
    writer.object(parent_tree, &format!("<< /Nums [{nums} ] >>"));

    // Fonts, used on some page.
    for (index, font) in fonts.iter().enumerate() {
        if page_fonts.iter().any(|used| used[index]) {
            let id = writer.alloc();
            font.write(&mut writer, id)?;
            font_ids[index] = Some(id);
        }
    }

    // Pages.
    for (page, id) in page_ids.iter().enumerate() {
        let mut resources = String::new();
        for (index, font) in font_ids.iter().enumerate() {
            if let (Some(font), true) = (font, page_fonts[page][index]) {
                let _ = write!(resources, " /F{index} {font} 0 R");
            }
        }
        let resources = if resources.is_empty() {
            String::new()
        } else {
            format!("/Font <<{resources} >>")
        };
        let struct_parents = if owners[page].is_empty() {
            String::new()
        } else {
            format!(" /StructParents {page}")
        };
        writer.object(
            *id,
            &format!(
                "<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {} {}] /Resources << {resources} >> /Contents {} 0 R{struct_parents} /Tabs /S >>",
                real(PAGE_WIDTH),
                real(PAGE_HEIGHT),
                page_contents[page]
            ),
        );
    }
    let kids: String = page_ids.iter().map(|id| format!(" {id} 0 R")).collect();
    writer.object(
        pages_id,
        &format!(
            "<< /Type /Pages /Kids [{kids} ] /Count {} >>",
            page_ids.len()
        ),
    );

    let mut info_dict = String::from("<< /Creator (openai-blocking)");
    let mut catalog_dict = format!(
        "<< /Type /Catalog /Pages {pages_id} 0 R /StructTreeRoot {tree_root} 0 R /MarkInfo << /Marked true >>"
    );
    if let Some(title) = title {
        let _ = write!(info_dict, " /Title {}", text_string(title));
        catalog_dict.push_str(" /ViewerPreferences << /DisplayDocTitle true >>");
    }
    info_dict.push_str(" >>");
    catalog_dict.push_str(" >>");
    writer.object(info, &info_dict);
    writer.object(catalog, &catalog_dict);
    writer.finish(catalog, info)
}

/// Draws one line into a page's content (inside `BT` … `ET`), switching faces where the
/// characters need it; `used` records the faces drawn with.
fn draw_line(
    content: &mut String,
    fonts: &mut [EmbeddedFont],
    used: &mut [bool],
    shaper: &Shaper,
    line: &Placed,
) {
    let mut x = line.x;
    let y = PAGE_HEIGHT - line.baseline;
    let mut current_face = usize::MAX;
    let mut chars = line.text.chars().peekable();
    while let Some(first) = chars.next() {
        let shaped = shaper.shape(first);
        let face = shaped.face;
        let mut run = vec![(first, shaped)];
        while let Some(&next) = chars.peek() {
            let next_shaped = shaper.shape(next);
            if next_shaped.face != face {
                break;
            }
            run.push((next, next_shaped));
            chars.next();
        }
        if face != current_face {
            let _ = writeln!(
                content,
                "{} {} Tf",
                pdf_name(&format!("F{face}")),
                real(line.size)
            );
            current_face = face;
        }
        used[face] = true;
        let _ = write!(content, "1 0 0 1 {} {} Tm <", real(x), real(y));
        for (c, shaped) in run {
            let glyph = u16::try_from(shaped.glyph).unwrap_or(0);
            let code = fonts[face].code(c, glyph);
            let _ = write!(content, "{code:04X}");
            x += shaped.advance * line.size;
        }
        content.push_str("> Tj\n");
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

    /// The objects of a written report: number → body (streams left out).
    fn objects(pdf: &[u8]) -> std::collections::BTreeMap<usize, String> {
        let text = String::from_utf8_lossy(pdf);
        let mut out = std::collections::BTreeMap::new();
        for part in text.split("endobj").filter(|p| p.contains(" 0 obj\n")) {
            let (head, body) = part.split_once(" 0 obj\n").unwrap();
            let number = head.rsplit(['\n', '\r']).next().unwrap().trim();
            let body = body.split("stream\n").next().unwrap();
            out.insert(number.parse().unwrap(), body.to_string());
        }
        out
    }

    /// The number of the object `key` refers to in `body` (`/key n 0 R`).
    fn reference(body: &str, key: &str) -> Option<usize> {
        let rest = &body[body.find(&format!("/{key} "))? + key.len() + 2..];
        rest.split(' ').next()?.parse().ok()
    }

    #[test]
    fn structure_tree_holds_every_marked_line() {
        let text = "# Heading\n\nA paragraph.\n\n- one\n- two\n\n1. first\n\n```\ncode\n```\n";
        let pdf = render(Some("Title"), text).unwrap();
        assert_eq!(pdf, render(Some("Title"), text).unwrap(), "deterministic");
        let objects = objects(&pdf);
        let find = |needle: &str| -> Vec<(usize, &String)> {
            objects
                .iter()
                .filter(|(_, b)| b.contains(needle))
                .map(|(n, b)| (*n, b))
                .collect()
        };
        let catalog = find("/Type /Catalog")[0].1;
        assert!(catalog.contains("/MarkInfo << /Marked true >>"));
        assert!(catalog.contains("/ViewerPreferences << /DisplayDocTitle true >>"));
        let root_id = reference(catalog, "StructTreeRoot").unwrap();
        let root = &objects[&root_id];
        assert!(root.contains("/Type /StructTreeRoot"));
        // Roles, in reading order of the tree's top level.
        let role = |id: usize| {
            let body = &objects[&id];
            body[body.find("/S /").unwrap() + 4..]
                .split(' ')
                .next()
                .unwrap()
                .to_string()
        };
        let kids = |body: &str| -> Vec<usize> {
            let list = &body[body.find("/K [").unwrap() + 4..];
            let list = &list[..list.find(']').unwrap()];
            list.split(" 0 R")
                .filter_map(|p| p.trim().parse().ok())
                .collect()
        };
        let top: Vec<String> = kids(root).into_iter().map(role).collect();
        assert_eq!(top, ["H1", "H1", "P", "L", "L", "P"]);
        let lists = find("/S /L ");
        assert_eq!(lists.len(), 2);
        assert!(
            lists[0].1.contains("/ListNumbering /Disc")
                || lists[1].1.contains("/ListNumbering /Disc")
        );
        assert!(lists
            .iter()
            .any(|(_, b)| b.contains("/A << /O /List /ListNumbering /Decimal >>")));
        for (id, list) in &lists {
            for item in kids(list) {
                assert_eq!(role(item), "LI");
                assert_eq!(reference(&objects[&item], "P"), Some(*id));
                let parts: Vec<String> = kids(&objects[&item]).into_iter().map(role).collect();
                assert_eq!(parts, ["Lbl", "LBody"]);
            }
        }
        assert!(find("/S /H1").iter().any(|(_, b)| b.contains("/T (Title)")));
        // The parent tree names, for each MCID of the page, the element whose /K holds it.
        let page = find("/Type /Page ")[0].1;
        assert!(page.contains("/StructParents 0") && page.contains("/Tabs /S"));
        let page_id = find("/Type /Page ")[0].0;
        let parent_tree = &objects[&reference(root, "ParentTree").unwrap()];
        let owners: Vec<usize> = parent_tree
            .split(" 0 R")
            .filter_map(|p| p.trim().rsplit(['[', ' ']).next()?.parse().ok())
            .collect();
        // Title, heading, paragraph, 3 labels + 3 item texts, code.
        assert_eq!(owners.len(), 10, "{parent_tree}");
        for (mcid, owner) in owners.iter().enumerate() {
            let element = &objects[owner];
            assert_eq!(reference(element, "Pg"), Some(page_id));
            let list = &element[element.find("/K [").unwrap() + 4..];
            assert!(
                list.split(']')
                    .next()
                    .unwrap()
                    .split(' ')
                    .any(|k| k == mcid.to_string()),
                "MCID {mcid} in {element}"
            );
        }
    }

    #[test]
    fn characters_no_face_has_stay_in_the_text() {
        let pdf = render(None, "Missing: \u{1F600} and \u{2603}, then ok.").unwrap();
        let doc = crate::PdfDocument::from_bytes("missing.pdf", pdf);
        let text = crate::extract_text(&doc).unwrap().text();
        assert!(
            text.contains("Missing: \u{1F600} and \u{2603}, then ok."),
            "{text:?}"
        );
    }

    #[test]
    fn any_input_gives_a_pdf() {
        for text in [
            "",
            "\u{0}",
            "```",
            "# ",
            "-",
            "1.",
            "\u{FFFF}\u{10FFFF}",
            "# **",
        ] {
            let pdf = render_text_pdf(Some(text), text).unwrap();
            assert!(pdf.starts_with(b"%PDF-1.7") && pdf.ends_with(b"%%EOF\n"));
        }
    }
}
