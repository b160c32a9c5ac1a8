//! Embedding a TrueType face in a report PDF: the codes drawn with it, and its `/Type0`
//! font with a `/CIDFontType2` descendant, a font descriptor, a subset font file and a
//! `/ToUnicode` map.
//!
//! A code is a glyph id of the subset (`/Identity-H` encoding, `/CIDToGIDMap /Identity`).
//! Each character drawn gets its own code, so the `/ToUnicode` map gives every character
//! back: a character whose glyph another character already uses (glyph 0, the box drawn
//! for characters no face has, above all) is drawn with a copy of the glyph numbered past
//! the font's own glyphs.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use skrifa::instance::{LocationRef, Size};
use skrifa::raw::TableProvider;
use skrifa::string::StringId;
use skrifa::{FontRef, GlyphId, MetadataProvider};

use crate::pdfgen::{hex, name, real, PdfWriter};
use crate::ttf_subset;

/// One face as used in a document.
pub(crate) struct EmbeddedFont {
    /// The font file.
    data: &'static [u8],
    /// The font's own glyph count (copies are numbered from here).
    num_glyphs: u16,
    /// Code (glyph id of the subset) → (glyph of the font, text it stands for).
    codes: BTreeMap<u16, (u16, String)>,
    /// Character → its code.
    by_char: BTreeMap<char, u16>,
    /// The next code for a copy of a glyph.
    next_copy: u32,
}

impl EmbeddedFont {
    /// A face with nothing drawn yet.
    pub(crate) fn new(data: &'static [u8]) -> Result<EmbeddedFont, String> {
        let num_glyphs = ttf_subset::glyph_count(data)?;
        Ok(EmbeddedFont {
            data,
            num_glyphs,
            codes: BTreeMap::new(),
            by_char: BTreeMap::new(),
            next_copy: u32::from(num_glyphs),
        })
    }

    /// The code that draws `c` with glyph `glyph` of the font.
    pub(crate) fn code(&mut self, c: char, glyph: u16) -> u16 {
        if let Some(&code) = self.by_char.get(&c) {
            return code;
        }
        let glyph = if glyph < self.num_glyphs { glyph } else { 0 };
        let code = match self.codes.get(&glyph) {
            None => glyph,
            Some(_) if self.next_copy < 0xFFFF => {
                self.next_copy += 1;
                (self.next_copy - 1) as u16
            }
            // No code left: the character shares the glyph (and the text) of another.
            Some(_) => glyph,
        };
        self.codes.entry(code).or_insert((glyph, c.to_string()));
        self.by_char.insert(c, code);
        code
    }

    /// Writes the font as object `id` (a `/Type0` font) and the objects it refers to.
    pub(crate) fn write(&self, writer: &mut PdfWriter, id: usize) -> Result<(), String> {
        let font = FontRef::new(self.data).map_err(|e| format!("font: {e}"))?;
        let head = font.head().map_err(|e| format!("font head: {e}"))?;
        let upem = f32::from(head.units_per_em().max(1));
        let scale = |v: f32| real(v * 1000.0 / upem);

        let glyphs: BTreeMap<u16, u16> = self.codes.iter().map(|(&c, (g, _))| (c, *g)).collect();
        let subset = ttf_subset::subset(self.data, &glyphs)?;
        let base = format!("{}+{}", tag(&glyphs), postscript_name(&font));

        let cid_font = writer.alloc();
        let descriptor = writer.alloc();
        let file = writer.alloc();
        let to_unicode = writer.alloc();

        writer.object(
            id,
            &format!(
                "<< /Type /Font /Subtype /Type0 /BaseFont {} /Encoding /Identity-H /DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>",
                name(&base)
            ),
        );

        // Widths of the codes, runs of consecutive codes in one array each.
        let metrics = font.glyph_metrics(Size::unscaled(), LocationRef::default());
        let mut widths = String::new();
        let mut previous: Option<u16> = None;
        for (&code, &(glyph, _)) in &self.codes {
            let advance = metrics
                .advance_width(GlyphId::new(u32::from(glyph)))
                .unwrap_or(0.0);
            if previous.is_some_and(|p| u32::from(p) + 1 == u32::from(code)) {
                widths.push(' ');
            } else {
                if previous.is_some() {
                    widths.push_str("] ");
                }
                let _ = write!(widths, "{code} [");
            }
            widths.push_str(&scale(advance));
            previous = Some(code);
        }
        if previous.is_some() {
            widths.push(']');
        }
        writer.object(
            cid_font,
            &format!(
                "<< /Type /Font /Subtype /CIDFontType2 /BaseFont {} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor {descriptor} 0 R /DW 1000 /W [{widths}] /CIDToGIDMap /Identity >>",
                name(&base)
            ),
        );

        let hhea = font.hhea().map_err(|e| format!("font hhea: {e}"))?;
        let os2 = font.os2().ok();
        let post = font.post().ok();
        let italic = post.as_ref().map_or(0.0, |p| p.italic_angle().to_f64()) as f32;
        let fixed = post.as_ref().is_some_and(|p| p.is_fixed_pitch() != 0);
        let ascent = f32::from(hhea.ascender().to_i16());
        let descent = f32::from(hhea.descender().to_i16());
        let cap = os2
            .as_ref()
            .and_then(|o| o.s_cap_height())
            .map_or(ascent, f32::from);
        let weight = os2
            .as_ref()
            .map_or(400.0, |o| f32::from(o.us_weight_class()));
        // Flags: symbolic (the codes are glyph ids, not a standard encoding), fixed pitch,
        // italic.
        let flags = 4 | if fixed { 1 } else { 0 } | if italic != 0.0 { 64 } else { 0 };
        let stem = 10.0 + 220.0 * (weight - 50.0).max(0.0) / 900.0;
        writer.object(
            descriptor,
            &format!(
                "<< /Type /FontDescriptor /FontName {} /Flags {flags} /FontBBox [{} {} {} {}] /ItalicAngle {} /Ascent {} /Descent {} /CapHeight {} /StemV {} /FontFile2 {file} 0 R >>",
                name(&base),
                scale(f32::from(head.x_min())),
                scale(f32::from(head.y_min())),
                scale(f32::from(head.x_max())),
                scale(f32::from(head.y_max())),
                real(italic),
                scale(ascent),
                scale(descent),
                scale(cap),
                real(stem.round()),
            ),
        );
        writer.stream(file, &format!("/Length1 {}", subset.len()), &subset)?;
        writer.stream(to_unicode, "", self.cmap().as_bytes())
    }

    /// The `/ToUnicode` CMap: each code → the text it stands for.
    fn cmap(&self) -> String {
        let mut out = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let entries: Vec<(u16, &String)> = self.codes.iter().map(|(&c, (_, t))| (c, t)).collect();
        for chunk in entries.chunks(100) {
            let _ = writeln!(out, "{} beginbfchar", chunk.len());
            for (code, text) in chunk {
                let units: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
                let _ = writeln!(out, "<{code:04X}> <{}>", hex(&units));
            }
            out.push_str("endbfchar\n");
        }
        out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        out
    }
}

/// The subset tag: six capital letters derived from the glyphs of the subset.
fn tag(glyphs: &BTreeMap<u16, u16>) -> String {
    let bytes: Vec<u8> = glyphs
        .iter()
        .flat_map(|(c, g)| [c.to_be_bytes(), g.to_be_bytes()].concat())
        .collect();
    let digest = crate::pdfgen::digest(&bytes);
    digest[..6]
        .iter()
        .map(|b| char::from(b'A' + b % 26))
        .collect()
}

/// The font's PostScript name (letters, digits, `-` and `_` kept), or `Font`.
fn postscript_name(font: &FontRef) -> String {
    let name: String = font
        .localized_strings(StringId::POSTSCRIPT_NAME)
        .english_or_first()
        .map(|s| s.chars().collect::<String>())
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(100)
        .collect();
    if name.is_empty() {
        "Font".into()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static NOTO: &[u8] = include_bytes!("../assets/fonts/NotoSans-Regular.ttf");

    #[test]
    fn each_character_gets_its_own_code() {
        let mut font = EmbeddedFont::new(NOTO).unwrap();
        let a = font.code('a', 68);
        assert_eq!(a, 68);
        assert_eq!(font.code('a', 68), 68);
        // Two characters no face has, both drawn as glyph 0: two codes, two texts.
        let first = font.code('\u{10FFFD}', 0);
        let second = font.code('\u{E000}', 0);
        assert_eq!(first, 0);
        assert!(second >= font.num_glyphs);
        let cmap = font.cmap();
        assert!(cmap.contains("<0000> <DBFFDFFD>"), "{cmap}");
        assert!(cmap.contains(&format!("<{second:04X}> <E000>")), "{cmap}");
        let mut writer = PdfWriter::new();
        let id = writer.alloc();
        font.write(&mut writer, id).unwrap();
        let root = writer.alloc();
        writer.object(root, "<< >>");
        let pdf = writer.finish(root, root).unwrap();
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains("+NotoSans-Regular /Encoding /Identity-H"),
            "{text}"
        );
        assert!(text.contains("/W [0 ["), "{text}");
    }
}
