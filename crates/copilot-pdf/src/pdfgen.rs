//! A small PDF file writer for generated reports: numbered objects written in any order,
//! Flate-compressed streams, the cross-reference table and the trailer, and the syntax of
//! names, strings and numbers.

use std::fmt::Write as _;
use std::io::Write as _;

/// Writes the objects of one PDF file.
pub(crate) struct PdfWriter {
    /// The file so far.
    out: Vec<u8>,
    /// Byte offset of each object (index = object number − 1), once written.
    offsets: Vec<Option<usize>>,
}

impl PdfWriter {
    /// A file with its header (PDF 1.7 and a binary comment line).
    pub(crate) fn new() -> PdfWriter {
        PdfWriter {
            out: b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec(),
            offsets: Vec::new(),
        }
    }

    /// A new object number (the object is written later, with [`PdfWriter::object`] or
    /// [`PdfWriter::stream`]).
    pub(crate) fn alloc(&mut self) -> usize {
        self.offsets.push(None);
        self.offsets.len()
    }

    /// Writes object `id` with `body` (a dictionary, an array or any other object).
    pub(crate) fn object(&mut self, id: usize, body: &str) {
        self.start(id);
        self.out.extend_from_slice(body.as_bytes());
        self.out.extend_from_slice(b"\nendobj\n");
    }

    /// Writes object `id` as a stream of `data`, compressed with Flate; `entries` are more
    /// entries of the stream's dictionary (`/Length` and `/Filter` are added).
    pub(crate) fn stream(&mut self, id: usize, entries: &str, data: &[u8]) -> Result<(), String> {
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder
            .write_all(data)
            .and_then(|()| encoder.finish())
            .map_err(|e| format!("compressing a stream: {e}"))
            .map(|compressed| {
                self.start(id);
                let dict = format!(
                    "<< {entries} /Length {} /Filter /FlateDecode >>\nstream\n",
                    compressed.len()
                );
                self.out.extend_from_slice(dict.as_bytes());
                self.out.extend_from_slice(&compressed);
                self.out.extend_from_slice(b"\nendstream\nendobj\n");
            })
    }

    /// Records the offset of object `id` and writes its header.
    fn start(&mut self, id: usize) {
        if let Some(slot) = id.checked_sub(1).and_then(|i| self.offsets.get_mut(i)) {
            *slot = Some(self.out.len());
        }
        self.out
            .extend_from_slice(format!("{id} 0 obj\n").as_bytes());
    }

    /// The finished file: the cross-reference table and the trailer naming the catalog
    /// `root` and the document information dictionary `info`, with a file identifier
    /// derived from the content (the same objects give the same bytes).
    ///
    /// Errors: an object number allocated but never written.
    pub(crate) fn finish(mut self, root: usize, info: usize) -> Result<Vec<u8>, String> {
        let xref = self.out.len();
        let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", self.offsets.len() + 1);
        for (index, offset) in self.offsets.iter().enumerate() {
            let offset = offset.ok_or_else(|| format!("object {} not written", index + 1))?;
            let _ = writeln!(table, "{offset:010} 00000 n ");
        }
        let id = hex(&digest(&self.out));
        let _ = write!(
            table,
            "trailer\n<< /Size {} /Root {root} 0 R /Info {info} 0 R /ID [<{id}> <{id}>] >>\nstartxref\n{xref}\n%%EOF\n",
            self.offsets.len() + 1
        );
        self.out.extend_from_slice(table.as_bytes());
        Ok(self.out)
    }
}

/// A 128-bit digest of `data` (two FNV-1a hashes with different offsets): a file identifier,
/// not a cryptographic hash.
pub(crate) fn digest(data: &[u8]) -> [u8; 16] {
    let hash = |seed: u64| {
        data.iter().fold(seed, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01B3)
        })
    };
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&hash(0xCBF2_9CE4_8422_2325).to_be_bytes());
    out[8..].copy_from_slice(&hash(0x6C62_272E_07BB_0142).to_be_bytes());
    out
}

/// Upper-case hexadecimal digits of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02X}");
        s
    })
}

/// `text` as a PDF text string: a literal string when it is printable ASCII, otherwise
/// UTF-16BE with a byte order mark, in hexadecimal.
pub(crate) fn text_string(text: &str) -> String {
    if text.chars().all(|c| (' '..='~').contains(&c)) {
        let mut out = String::from("(");
        for c in text.chars() {
            if matches!(c, '(' | ')' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push(')');
        out
    } else {
        let units: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        format!("<FEFF{}>", hex(&units))
    }
}

/// `name` as a PDF name (with `/`), characters outside `!`..`~` and delimiters as `#xx`.
pub(crate) fn name(name: &str) -> String {
    let mut out = String::from("/");
    for b in name.bytes() {
        if (b'!'..=b'~').contains(&b) && !b"#()<>[]{}/%".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "#{b:02X}");
        }
    }
    out
}

/// A number for a content stream or a dictionary: at most three decimals, no exponent, no
/// trailing zeros.
pub(crate) fn real(value: f32) -> String {
    let value = if value.is_finite() { value } else { 0.0 };
    let mut s = format!("{value:.3}");
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    if s == "-0" {
        s = "0".into();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax() {
        assert_eq!(real(12.5), "12.5");
        assert_eq!(real(-0.0001), "0");
        assert_eq!(real(3.0), "3");
        assert_eq!(real(f32::NAN), "0");
        assert_eq!(text_string("a (b) \\"), "(a \\(b\\) \\\\)");
        assert_eq!(text_string("é"), "<FEFF00E9>");
        assert_eq!(name("A B#"), "/A#20B#23");
    }

    #[test]
    fn cross_reference_table_points_at_the_objects() {
        let mut w = PdfWriter::new();
        let a = w.alloc();
        let b = w.alloc();
        w.object(b, "<< /Type /Info >>");
        w.object(a, "<< /Type /Catalog >>");
        let pdf = w.finish(a, b).unwrap();
        let text = String::from_utf8_lossy(&pdf);
        let xref = text.find("xref\n").unwrap();
        for (number, line) in text[xref..].lines().skip(3).take(2).enumerate() {
            let offset: usize = line[..10].parse().unwrap();
            assert!(pdf[offset..].starts_with(format!("{} 0 obj", number + 1).as_bytes()));
        }
        let mut unfinished = PdfWriter::new();
        let c = unfinished.alloc();
        assert!(unfinished.finish(c, c).is_err());
    }
}
