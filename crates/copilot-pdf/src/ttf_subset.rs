//! Subsetting of TrueType (`glyf`) fonts for embedding in report PDFs.
//!
//! Glyph ids keep their numbers (so a PDF's `/CIDToGIDMap /Identity` stays right): the
//! subset holds the outlines of the glyphs asked for, of the components they are built
//! from, and of glyph 0; every other glyph is empty. A glyph id past the font's own glyphs
//! may be asked for as a copy of another glyph (a second code for the same outline, so a
//! PDF can map each code to its own text). Only the tables a PDF's embedded TrueType font
//! needs are written: `head`, `hhea`, `hmtx`, `maxp`, `loca`, `glyf`, and `cvt `, `fpgm`,
//! `prep` when the font has them.

use std::collections::{BTreeMap, BTreeSet};

/// Tables copied unchanged when present (hinting programs and their data).
const COPIED: [&[u8; 4]; 3] = [b"cvt ", b"fpgm", b"prep"];

/// Reads a big-endian `u16` at `at`.
fn u16_at(data: &[u8], at: usize) -> Result<u16, String> {
    data.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or_else(|| format!("font data ends before byte {at}"))
}

/// Reads a big-endian `u32` at `at`.
fn u32_at(data: &[u8], at: usize) -> Result<u32, String> {
    data.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| format!("font data ends before byte {at}"))
}

/// The tables of a font file (the first font of the file), by tag.
fn tables(data: &[u8]) -> Result<BTreeMap<[u8; 4], &[u8]>, String> {
    let version = u32_at(data, 0)?;
    if version != 0x0001_0000 && version != u32::from_be_bytes(*b"true") {
        return Err("not a TrueType font".into());
    }
    let count = usize::from(u16_at(data, 4)?);
    let mut tables = BTreeMap::new();
    for i in 0..count {
        let record = 12 + 16 * i;
        let tag = data
            .get(record..record + 4)
            .and_then(|t| <[u8; 4]>::try_from(t).ok())
            .ok_or("font table directory cut short")?;
        let offset = u32_at(data, record + 8)? as usize;
        let length = u32_at(data, record + 12)? as usize;
        let table = offset
            .checked_add(length)
            .and_then(|end| data.get(offset..end))
            .ok_or_else(|| format!("font table {} out of bounds", String::from_utf8_lossy(&tag)))?;
        tables.insert(tag, table);
    }
    Ok(tables)
}

/// The parts of a font a subset is made from.
struct Source<'a> {
    /// Every table of the font.
    tables: BTreeMap<[u8; 4], &'a [u8]>,
    /// `glyf`.
    glyf: &'a [u8],
    /// Glyph data offsets into `glyf` (`numGlyphs + 1` of them).
    loca: Vec<usize>,
    /// `numGlyphs` of `maxp`.
    num_glyphs: u16,
    /// `numberOfHMetrics` of `hhea`.
    long_metrics: u16,
    /// `hmtx`.
    hmtx: &'a [u8],
}

impl<'a> Source<'a> {
    /// Reads the tables of `data` a subset needs.
    fn new(data: &'a [u8]) -> Result<Source<'a>, String> {
        let tables = tables(data)?;
        let table = |tag: &[u8; 4]| {
            tables
                .get(tag)
                .copied()
                .ok_or_else(|| format!("font has no {} table", String::from_utf8_lossy(tag)))
        };
        let head = table(b"head")?;
        let maxp = table(b"maxp")?;
        let hhea = table(b"hhea")?;
        let hmtx = table(b"hmtx")?;
        let glyf = table(b"glyf")?;
        let loca_table = table(b"loca")?;
        let num_glyphs = u16_at(maxp, 4)?;
        let long_metrics = u16_at(hhea, 34)?;
        let long_format = u16_at(head, 50)? == 1;
        let mut loca = Vec::with_capacity(usize::from(num_glyphs) + 1);
        for i in 0..=usize::from(num_glyphs) {
            loca.push(if long_format {
                u32_at(loca_table, 4 * i)? as usize
            } else {
                usize::from(u16_at(loca_table, 2 * i)?) * 2
            });
        }
        Ok(Source {
            tables,
            glyf,
            loca,
            num_glyphs,
            long_metrics,
            hmtx,
        })
    }

    /// The outline data of glyph `gid` (empty for an empty glyph or a bad location).
    fn glyph(&self, gid: u16) -> &'a [u8] {
        let i = usize::from(gid);
        match (self.loca.get(i), self.loca.get(i + 1)) {
            (Some(&start), Some(&end)) if start <= end => self.glyf.get(start..end).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Advance width and left side bearing of glyph `gid`, in font units.
    fn metrics(&self, gid: u16) -> (u16, u16) {
        let long = usize::from(self.long_metrics);
        let i = usize::from(gid);
        if long == 0 {
            return (0, 0);
        }
        if i < long {
            (
                u16_at(self.hmtx, 4 * i).unwrap_or(0),
                u16_at(self.hmtx, 4 * i + 2).unwrap_or(0),
            )
        } else {
            (
                u16_at(self.hmtx, 4 * (long - 1)).unwrap_or(0),
                u16_at(self.hmtx, 4 * long + 2 * (i - long)).unwrap_or(0),
            )
        }
    }
}

/// The glyph ids a composite glyph's outline is built from (none for a simple glyph).
pub(crate) fn components(glyph: &[u8]) -> Vec<u16> {
    let mut out = Vec::new();
    let Ok(contours) = u16_at(glyph, 0) else {
        return out;
    };
    if contours & 0x8000 == 0 {
        return out;
    }
    let mut at = 10;
    while let (Ok(flags), Ok(gid)) = (u16_at(glyph, at), u16_at(glyph, at + 2)) {
        out.push(gid);
        // Arguments: two words or two bytes; then a scale, an x and y scale or a 2×2 matrix.
        at += 4 + if flags & 0x0001 != 0 { 4 } else { 2 };
        at += if flags & 0x0008 != 0 {
            2
        } else if flags & 0x0040 != 0 {
            4
        } else if flags & 0x0080 != 0 {
            8
        } else {
            0
        };
        if flags & 0x0020 == 0 {
            break;
        }
    }
    out
}

/// The number of glyphs of a TrueType font.
pub(crate) fn glyph_count(data: &[u8]) -> Result<u16, String> {
    Ok(Source::new(data)?.num_glyphs)
}

/// A subset of the TrueType font `data`: `glyphs` maps each glyph id of the subset to the
/// glyph of `data` it draws. Ids below the font's glyph count must map to themselves; ids
/// past it are copies. Glyph 0 and the components of composite glyphs are kept too.
///
/// Errors: a font that is not a TrueType `glyf` font or whose tables are cut short, or a
/// mapping that renumbers one of the font's own glyphs.
pub(crate) fn subset(data: &[u8], glyphs: &BTreeMap<u16, u16>) -> Result<Vec<u8>, String> {
    let source = Source::new(data)?;
    let mut map: BTreeMap<u16, u16> = BTreeMap::new();
    map.insert(0, 0);
    for (&out, &from) in glyphs {
        if from >= source.num_glyphs || (out < source.num_glyphs && out != from) {
            return Err(format!("glyph {out} cannot be a copy of glyph {from}"));
        }
        map.insert(out, from);
    }
    // The closure over composite components (which name glyphs of the font by their ids).
    let mut pending: Vec<u16> = map.values().copied().collect();
    let mut seen: BTreeSet<u16> = BTreeSet::new();
    while let Some(gid) = pending.pop() {
        if !seen.insert(gid) {
            continue;
        }
        for part in components(source.glyph(gid)) {
            if part < source.num_glyphs {
                map.insert(part, part);
                pending.push(part);
            }
        }
    }

    let count = map
        .keys()
        .next_back()
        .map_or(1, |last| usize::from(*last) + 1);
    let mut glyf = Vec::new();
    let mut loca = Vec::with_capacity(4 * (count + 1));
    let mut hmtx = Vec::with_capacity(4 * count);
    for gid in 0..count {
        loca.extend_from_slice(&(glyf.len() as u32).to_be_bytes());
        let (advance, bearing) = match u16::try_from(gid).ok().and_then(|g| map.get(&g)) {
            Some(&from) => {
                glyf.extend_from_slice(source.glyph(from));
                while glyf.len() % 4 != 0 {
                    glyf.push(0);
                }
                source.metrics(from)
            }
            None => (0, 0),
        };
        hmtx.extend_from_slice(&advance.to_be_bytes());
        hmtx.extend_from_slice(&bearing.to_be_bytes());
    }
    loca.extend_from_slice(&(glyf.len() as u32).to_be_bytes());
    let count = u16::try_from(count).map_err(|_| "too many glyphs")?;

    let table = |tag: &[u8; 4]| source.tables.get(tag).map(|t| t.to_vec());
    let mut head = table(b"head").unwrap_or_default();
    let mut hhea = table(b"hhea").unwrap_or_default();
    let mut maxp = table(b"maxp").unwrap_or_default();
    if head.len() < 54 || hhea.len() < 36 || maxp.len() < 6 {
        return Err("font header tables cut short".into());
    }
    head[8..12].fill(0);
    head[50..52].copy_from_slice(&1u16.to_be_bytes());
    hhea[34..36].copy_from_slice(&count.to_be_bytes());
    maxp[4..6].copy_from_slice(&count.to_be_bytes());

    let mut out: BTreeMap<[u8; 4], Vec<u8>> = BTreeMap::new();
    out.insert(*b"head", head);
    out.insert(*b"hhea", hhea);
    out.insert(*b"maxp", maxp);
    out.insert(*b"hmtx", hmtx);
    out.insert(*b"loca", loca);
    out.insert(*b"glyf", glyf);
    for tag in COPIED {
        if let Some(data) = table(tag) {
            out.insert(*tag, data);
        }
    }
    Ok(write_font(&out))
}

/// The checksum of a table: the sum of its big-endian words, zero-padded.
fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// A font file of `tables` (sorted by tag), with its directory, checksums and the `head`
/// table's `checkSumAdjustment`.
fn write_font(tables: &BTreeMap<[u8; 4], Vec<u8>>) -> Vec<u8> {
    let count = tables.len() as u16;
    let mut power = 1u16;
    let mut selector = 0u16;
    while power * 2 <= count {
        power *= 2;
        selector += 1;
    }
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    out.extend_from_slice(&count.to_be_bytes());
    out.extend_from_slice(&(power * 16).to_be_bytes());
    out.extend_from_slice(&selector.to_be_bytes());
    out.extend_from_slice(&(count * 16 - power * 16).to_be_bytes());
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        if tag == b"head" {
            head_at = Some(offset);
        }
        offset += data.len().div_ceil(4) * 4;
    }
    for data in tables.values() {
        out.extend_from_slice(data);
        while out.len() % 4 != 0 {
            out.push(0);
        }
    }
    if let Some(at) = head_at {
        let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjustment.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use skrifa::instance::{LocationRef, Size};
    use skrifa::outline::{DrawSettings, OutlinePen};
    use skrifa::{FontRef, GlyphId, MetadataProvider};

    static NOTO: &[u8] = include_bytes!("../assets/fonts/NotoSans-Regular.ttf");

    /// Counts the drawing commands of an outline.
    struct Count(usize);

    impl OutlinePen for Count {
        fn move_to(&mut self, _: f32, _: f32) {
            self.0 += 1;
        }
        fn line_to(&mut self, _: f32, _: f32) {
            self.0 += 1;
        }
        fn quad_to(&mut self, _: f32, _: f32, _: f32, _: f32) {
            self.0 += 1;
        }
        fn curve_to(&mut self, _: f32, _: f32, _: f32, _: f32, _: f32, _: f32) {
            self.0 += 1;
        }
        fn close(&mut self) {}
    }

    /// The number of outline commands of glyph `gid` in `font`.
    fn commands(font: &FontRef, gid: u32) -> usize {
        let glyph = font.outline_glyphs().get(GlyphId::new(gid)).expect("glyph");
        let mut pen = Count(0);
        glyph
            .draw(
                DrawSettings::unhinted(Size::unscaled(), LocationRef::default()),
                &mut pen,
            )
            .expect("outline");
        pen.0
    }

    /// The glyph of `c` in Noto Sans.
    fn gid(c: char) -> u16 {
        let font = FontRef::new(NOTO).unwrap();
        font.charmap().map(c).unwrap().to_u32() as u16
    }

    #[test]
    fn subset_keeps_used_glyphs_and_empties_the_rest() {
        let used: BTreeMap<u16, u16> = "Hé".chars().map(|c| (gid(c), gid(c))).collect();
        let data = subset(NOTO, &used).unwrap();
        assert!(data.len() < NOTO.len() / 10, "{} bytes", data.len());
        let original = FontRef::new(NOTO).unwrap();
        let font = FontRef::new(&data).expect("the subset parses");
        let metrics = |f: &FontRef, g: u16| {
            f.glyph_metrics(Size::unscaled(), LocationRef::default())
                .advance_width(GlyphId::new(u32::from(g)))
        };
        for c in ['H', 'é'] {
            let g = gid(c);
            assert_eq!(metrics(&font, g), metrics(&original, g), "{c}");
            assert_eq!(
                commands(&font, u32::from(g)),
                commands(&original, u32::from(g)),
                "{c}"
            );
            assert!(commands(&font, u32::from(g)) > 0);
        }
        let unused = gid('x');
        assert!(commands(&original, u32::from(unused)) > 0);
        assert_eq!(commands(&font, u32::from(unused)), 0);
        // The table directory's checksums and the whole-file adjustment add up.
        assert_eq!(checksum(&data), 0xB1B0_AFBA);
    }

    #[test]
    fn composite_glyphs_keep_their_components_and_copies_draw_their_source() {
        let source = Source::new(NOTO).unwrap();
        let composite = (1..source.num_glyphs)
            .find(|&g| components(source.glyph(g)).len() >= 2)
            .expect("Noto Sans has composite glyphs");
        let parts = components(source.glyph(composite));
        let copy = source.num_glyphs + 3;
        let used = BTreeMap::from([(composite, composite), (copy, composite)]);
        let data = subset(NOTO, &used).unwrap();
        let font = FontRef::new(&data).unwrap();
        let original = FontRef::new(NOTO).unwrap();
        let expected = commands(&original, u32::from(composite));
        assert!(expected > 0);
        assert_eq!(commands(&font, u32::from(composite)), expected);
        assert_eq!(commands(&font, u32::from(copy)), expected);
        let subset_source = Source::new(&data).unwrap();
        assert_eq!(subset_source.num_glyphs, copy + 1);
        for part in parts {
            // The same outline data (padded to a multiple of four bytes).
            let data = source.glyph(part);
            assert!(!data.is_empty());
            assert_eq!(&subset_source.glyph(part)[..data.len()], data, "{part}");
        }
        // A renumbered glyph of the font itself is refused.
        assert!(subset(NOTO, &BTreeMap::from([(5, 6)])).is_err());
    }
}
