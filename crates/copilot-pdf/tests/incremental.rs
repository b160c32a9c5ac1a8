//! Alternative text is written as an incremental update: the input's bytes, unchanged, then
//! the new and changed objects and a cross-reference section of the input's kind. Checked
//! here: the copy starts with the input; it opens with unpdf's object parser and (in
//! `needs_qpdf`) passes `qpdf --check`; its structure tree has the `/Alt` texts exactly as
//! given, whatever bytes they hold; and a copy edited again (described twice) still works.
//!
//! The fixtures are written by hand (no PDF library), so that both kinds of cross-reference
//! section, a classic table and a cross-reference stream, are covered. `needs_pdf_samples`
//! runs the same checks on every real file of `../shared/pdf-samples/` (and of
//! `COPILOT_PDF_EXTRA_SAMPLES`) that alternative text can be written to.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use copilot_pdf::{
    add_alt_texts, add_alt_texts_with, extract_images, extract_text, AltTextOptions, ImageKey,
    PdfDocument,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use unpdf::parser::raw::{PdfObject, RawDocument};

// ---------------------------------------------------------------------------------------
// Fixtures written by hand
// ---------------------------------------------------------------------------------------

/// How a fixture's cross-reference section is written.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Xref {
    Table,
    Stream,
}

/// A PDF of `objects` (object `n` is `objects[n - 1]`, its body between `obj` and `endobj`),
/// catalog 1, with a cross-reference section of `kind`.
fn pdf(objects: &[Vec<u8>], kind: Xref) -> Vec<u8> {
    let mut out = b"%PDF-1.5\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (index, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", index + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let id = "<0123456789ABCDEF0123456789ABCDEF>";
    let at = out.len();
    match kind {
        Xref::Table => {
            out.extend_from_slice(format!("xref\n0 {}\n", objects.len() + 1).as_bytes());
            out.extend_from_slice(b"0000000000 65535 f\r\n");
            for offset in &offsets {
                out.extend_from_slice(format!("{offset:010} 00000 n\r\n").as_bytes());
            }
            out.extend_from_slice(
                format!(
                    "trailer\n<</Size {} /Root 1 0 R /ID [{id} {id}]>>\n",
                    objects.len() + 1
                )
                .as_bytes(),
            );
        }
        Xref::Stream => {
            // The stream is the last object; it lists itself.
            let number = objects.len() + 1;
            offsets.push(at);
            let mut data = vec![0u8, 0, 0, 0, 0, 0xFF, 0xFF];
            for offset in &offsets {
                data.push(1);
                data.extend_from_slice(&(*offset as u32).to_be_bytes());
                data.extend_from_slice(&[0, 0]);
            }
            out.extend_from_slice(
                format!(
                    "{number} 0 obj\n<</Type /XRef /Size {} /W [1 4 2] /Root 1 0 R \
                     /ID [{id} {id}] /Length {}>>\nstream\n",
                    number + 1,
                    data.len()
                )
                .as_bytes(),
            );
            out.extend_from_slice(&data);
            out.extend_from_slice(b"\nendstream\nendobj\n");
        }
    }
    out.extend_from_slice(format!("startxref\n{at}\n%%EOF\n").as_bytes());
    out
}

/// An untagged one-page document drawing `images` gray images (2×1 pixels) and a line of
/// text: catalog 1, pages 2, page 3, content 4, font 5, images from 6.
fn untagged(images: usize, kind: Xref) -> Vec<u8> {
    let mut content = b"BT /F1 12 Tf 72 720 Td (Pictures) Tj ET\n".to_vec();
    let mut xobjects = String::new();
    for i in 0..images {
        content.extend_from_slice(
            format!("q 100 0 0 50 72 {} cm /Im{i} Do Q\n", 600 - 60 * i).as_bytes(),
        );
        xobjects.push_str(&format!("/Im{i} {} 0 R ", 6 + i));
    }
    let mut objects = vec![
        b"<</Type /Catalog /Pages 2 0 R>>".to_vec(),
        b"<</Type /Pages /Kids [3 0 R] /Count 1>>".to_vec(),
        format!(
            "<</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
             /Resources <</Font <</F1 5 0 R>> /XObject <<{xobjects}>>>>>>"
        )
        .into_bytes(),
        [
            format!("<</Length {}>>\nstream\n", content.len()).into_bytes(),
            content,
            b"\nendstream".to_vec(),
        ]
        .concat(),
        b"<</Type /Font /Subtype /Type1 /BaseFont /Helvetica>>".to_vec(),
    ];
    for i in 0..images {
        objects.push(
            [
                b"<</Type /XObject /Subtype /Image /Width 2 /Height 1 /ColorSpace /DeviceGray \
                  /BitsPerComponent 8 /Length 2>>\nstream\n"
                    .to_vec(),
                vec![(40 * i) as u8, 255],
                b"\nendstream".to_vec(),
            ]
            .concat(),
        );
    }
    pdf(&objects, kind)
}

// ---------------------------------------------------------------------------------------
// Reading the copy back
// ---------------------------------------------------------------------------------------

/// A PDF text string as text (UTF-16BE after a byte-order mark, else PDFDocEncoding read as
/// Latin-1).
fn text_string(bytes: &[u8]) -> String {
    match bytes.strip_prefix(&[0xFE, 0xFF]) {
        Some(utf16) => String::from_utf16_lossy(
            &utf16
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect::<Vec<_>>(),
        ),
        None => bytes.iter().map(|b| *b as char).collect(),
    }
}

/// Every `/Alt` of the structure tree, read with unpdf's object parser.
fn alt_texts(bytes: &[u8]) -> Vec<String> {
    let raw = RawDocument::load(bytes).expect("the copy opens with unpdf's object parser");
    let mut out = Vec::new();
    let Some(root) = raw
        .catalog()
        .ok()
        .and_then(|c| c.get(b"StructTreeRoot".as_slice()))
    else {
        return out;
    };
    let mut seen = HashSet::new();
    let mut stack = vec![(root.clone(), 0usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > 200 {
            continue;
        }
        if let PdfObject::Reference(n, g) = node {
            if !seen.insert((n, g)) {
                continue;
            }
        }
        match raw.resolve(&node) {
            PdfObject::Array(items) => stack.extend(items.iter().map(|i| (i.clone(), depth + 1))),
            PdfObject::Dict(dict) => {
                if let Some(alt) = dict
                    .get(b"Alt".as_slice())
                    .map(|a| raw.resolve(a))
                    .and_then(PdfObject::as_str_bytes)
                {
                    out.push(text_string(alt));
                }
                if let Some(kids) = dict.get(b"K".as_slice()) {
                    stack.push((kids.clone(), depth + 1));
                }
            }
            _ => {}
        }
    }
    out
}

/// The `/Alt` texts of a copy of a real file: its structure tree read with unpdf's object
/// parser, or, for a hybrid-reference file (a Word file's tree is in object streams only its
/// `/XRefStm` lists, and unpdf 0.52.1 does not read those), every `/Alt` lopdf finds.
fn alt_texts_of_copy(bytes: &[u8]) -> Vec<String> {
    if bytes.windows(8).any(|w| w == b"/XRefStm") {
        alt_texts_by_lopdf(bytes)
    } else {
        alt_texts(bytes)
    }
}

/// The title in the copy's information dictionary.
fn title(bytes: &[u8]) -> Option<String> {
    let raw = RawDocument::load(bytes).unwrap();
    let info = raw.trailer().get(b"Info".as_slice())?;
    let info = raw.resolve(info).as_dict()?;
    info.get(b"Title".as_slice())
        .map(|t| raw.resolve(t))
        .and_then(PdfObject::as_str_bytes)
        .map(text_string)
}

/// What the input's parse says about how the copy is written: an update unless its
/// cross-reference table had to be rebuilt (the encrypted samples use ciphers an update can
/// be encrypted with).
fn is_updated_in_place(input: &[u8]) -> bool {
    RawDocument::load(input).is_ok_and(|raw| !raw.xref_reconstructed())
}

/// Whether the newest cross-reference section of `bytes` is a table (else a stream).
fn newest_section_is_table(bytes: &[u8]) -> bool {
    let at = unpdf::parser::raw::xref::find_startxref(bytes).unwrap();
    // A `startxref` past the end (a damaged sample) points at no section of either kind.
    bytes
        .get(at..)
        .is_some_and(|rest| rest.trim_ascii_start().starts_with(b"xref"))
}

/// `qpdf --check` on `bytes`; panics with qpdf's words when it finds a problem.
fn qpdf_check(label: &str, bytes: &[u8]) {
    let path = std::env::temp_dir().join(format!(
        "copilot-pdf-incremental-{}-{label}.pdf",
        std::process::id()
    ));
    std::fs::write(&path, bytes).unwrap();
    let out = match Command::new("qpdf").arg("--check").arg(&path).output() {
        Ok(out) => out,
        Err(e) => panic!("`qpdf` could not be run ({e}); this test checks our output with it"),
    };
    let _ = std::fs::remove_file(&path);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.contains("No syntax or stream encoding errors"),
        "qpdf --check {label}: {text}"
    );
}

// ---------------------------------------------------------------------------------------
// Fixtures: both kinds of cross-reference section
// ---------------------------------------------------------------------------------------

/// One update of `input` with a description per image, checked; returns the copy.
fn update_and_check(label: &str, input: &[u8], texts: &[String]) -> Vec<u8> {
    let doc = PdfDocument::from_bytes(format!("{label}.pdf"), input.to_vec());
    let images = extract_images(&doc).unwrap().images;
    assert_eq!(images.len(), texts.len(), "{label}");
    let descriptions: Vec<(ImageKey, String)> = images
        .iter()
        .zip(texts)
        .map(|(image, text)| (image.key, text.clone()))
        .collect();
    let output = add_alt_texts(&doc, &descriptions).unwrap();
    assert!(
        output.starts_with(input),
        "{label}: the input's bytes changed"
    );
    assert_eq!(
        newest_section_is_table(&output),
        newest_section_is_table(input),
        "{label}: the update's cross-reference section is not of the input's kind"
    );
    let mut alts = alt_texts(&output);
    alts.sort();
    let mut expected: Vec<String> = texts.iter().map(|t| t.trim().to_string()).collect();
    expected.sort();
    expected.dedup();
    alts.dedup();
    assert_eq!(alts, expected, "{label}");
    output
}

#[test]
fn an_update_appends_to_the_input_with_its_kind_of_cross_reference_section() {
    for kind in [Xref::Table, Xref::Stream] {
        let input = untagged(2, kind);
        let texts = [
            "A red (round) thing".to_string(),
            "Ein Würfel 骰子".to_string(),
        ];
        let once = update_and_check(&format!("{kind:?}-once"), &input, &texts);
        // The trailer of the update points back at the input's section.
        let raw = RawDocument::load(&once).unwrap();
        let previous = unpdf::parser::raw::xref::find_startxref(&input).unwrap();
        assert_eq!(
            raw.trailer()
                .get(b"Prev".as_slice())
                .and_then(PdfObject::as_i64),
            Some(previous as i64),
            "{kind:?}"
        );
        assert!(raw.trailer().contains_key(b"ID".as_slice()), "{kind:?}");
        assert!(
            !raw.xref_reconstructed(),
            "{kind:?}: the new section is used"
        );

        // Described again: an update of the update, with the new texts in place of the old.
        let again = ["Two".to_string(), "Zwei (2) \\ two".to_string()];
        let twice = update_and_check(&format!("{kind:?}-twice"), &once, &again);
        assert!(twice.starts_with(&input));
        let text = |bytes: &[u8]| {
            extract_text(&PdfDocument::from_bytes("x.pdf", bytes.to_vec()))
                .unwrap()
                .text()
        };
        assert_eq!(text(&twice), text(&input), "{kind:?}");
    }
}

#[test]
fn nothing_to_describe_still_appends_a_valid_update() {
    for kind in [Xref::Table, Xref::Stream] {
        let input = untagged(0, kind);
        let doc = PdfDocument::from_bytes("plain.pdf", input.clone());
        let output = add_alt_texts(&doc, &[]).unwrap();
        assert!(output.starts_with(&input));
        let raw = RawDocument::load(&output).unwrap();
        assert!(!raw.xref_reconstructed(), "{kind:?}");
        assert_eq!(raw.page_count(), 1);
    }
}

/// A random description: printable text, PDF delimiters, escapes, control characters, line
/// ends, non-Latin and astral characters.
fn random_text(rng: &mut StdRng) -> String {
    const PIECES: &[&str] = &[
        "a",
        "Z",
        " ",
        "(",
        ")",
        "\\",
        "\r",
        "\n",
        "\r\n",
        "\t",
        "#",
        "/",
        "%",
        "<",
        ">",
        "[",
        "]",
        "{",
        "}",
        "é",
        "ß",
        "骰",
        "子",
        "Ж",
        "😀",
        "\u{0}",
        "\u{7}",
        "\u{7F}",
        "ÿ",
        "0",
        "-1.5",
        "endstream",
        "endobj",
        "startxref",
        "%%EOF",
        ")Tj",
        "\\)",
        "(\\",
    ];
    let len = rng.random_range(1..24);
    let mut text: String = (0..len)
        .map(|_| PIECES[rng.random_range(0..PIECES.len())])
        .collect();
    if text.trim().is_empty() {
        text.push('x');
    }
    text
}

/// Seeded random descriptions, titles and languages on both kinds of fixture: each copy
/// starts with its input, opens with unpdf's object parser, and gives back exactly the
/// texts it was given; so does a copy of the copy. Returns every copy written.
fn random_updates(cases: usize) -> Vec<(String, Vec<u8>)> {
    let mut rng = StdRng::seed_from_u64(0x1ac0_ffee);
    let mut outputs = Vec::new();
    for case in 0..cases {
        let kind = if case % 2 == 0 {
            Xref::Table
        } else {
            Xref::Stream
        };
        let count = rng.random_range(1..4);
        let input = untagged(count, kind);
        let texts: Vec<String> = (0..count).map(|_| random_text(&mut rng)).collect();
        let label = format!("random-{case}-{kind:?}");
        let once = update_and_check(&label, &input, &texts);

        // A title and a language, through the options.
        let doc = PdfDocument::from_bytes("once.pdf", once.clone());
        let title_text = random_text(&mut rng);
        let options = AltTextOptions::new()
            .title(title_text.clone())
            .lang("de-CH");
        let keys: Vec<_> = extract_images(&doc)
            .unwrap()
            .images
            .iter()
            .map(|i| i.key)
            .collect();
        let again: Vec<String> = (0..count).map(|_| random_text(&mut rng)).collect();
        let descriptions: Vec<_> = keys.into_iter().zip(again.iter().cloned()).collect();
        let twice = add_alt_texts_with(&doc, &descriptions, &options).unwrap();
        assert!(twice.starts_with(&once), "{label}");
        assert_eq!(title(&twice), Some(title_text.clone()), "{label}");
        let mut alts = alt_texts(&twice);
        alts.sort();
        alts.dedup();
        let mut expected: Vec<String> = again.iter().map(|t| t.trim().to_string()).collect();
        expected.sort();
        expected.dedup();
        assert_eq!(alts, expected, "{label}: second update");
        outputs.push((format!("{label}-once"), once));
        outputs.push((format!("{label}-twice"), twice));
    }
    outputs
}

#[test]
fn random_texts_survive_updates_exactly() {
    assert_eq!(random_updates(24).len(), 48);
}

// ---------------------------------------------------------------------------------------
// Encrypted inputs: the update is encrypted with the document's key
// ---------------------------------------------------------------------------------------

/// The ciphers of the standard security handler an update is encrypted with.
#[derive(Clone, Copy, Debug)]
enum Cipher {
    Rc4,
    Aes128,
    Aes256,
}

/// [`untagged`] with two images, encrypted by lopdf with `cipher` and an empty user password
/// (an owner password only).
fn encrypted(cipher: Cipher) -> Vec<u8> {
    use lopdf::encryption::crypt_filters::{Aes128CryptFilter, Aes256CryptFilter, CryptFilter};
    use std::sync::Arc;
    let mut doc = lopdf::Document::load_mem(&untagged(2, Xref::Table)).unwrap();
    let key = [9u8; 32];
    let version = match cipher {
        Cipher::Rc4 => lopdf::EncryptionVersion::V2 {
            document: &doc,
            owner_password: "owner",
            user_password: "",
            key_length: 128,
            permissions: lopdf::Permissions::all(),
        },
        Cipher::Aes128 => {
            let filter: Arc<dyn CryptFilter> = Arc::new(Aes128CryptFilter);
            lopdf::EncryptionVersion::V4 {
                document: &doc,
                encrypt_metadata: true,
                crypt_filters: BTreeMap::from([(b"StdCF".to_vec(), filter)]),
                stream_filter: b"StdCF".to_vec(),
                string_filter: b"StdCF".to_vec(),
                owner_password: "owner",
                user_password: "",
                permissions: lopdf::Permissions::all(),
            }
        }
        Cipher::Aes256 => {
            let filter: Arc<dyn CryptFilter> = Arc::new(Aes256CryptFilter);
            lopdf::EncryptionVersion::V5 {
                encrypt_metadata: true,
                crypt_filters: BTreeMap::from([(b"StdCF".to_vec(), filter)]),
                file_encryption_key: &key,
                stream_filter: b"StdCF".to_vec(),
                string_filter: b"StdCF".to_vec(),
                owner_password: "owner",
                user_password: "",
                permissions: lopdf::Permissions::all(),
            }
        }
    };
    let state = lopdf::EncryptionState::try_from(version).unwrap();
    doc.encrypt(&state).unwrap();
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// Every `/Alt` of a PDF, read with lopdf (which decrypts on its own).
fn alt_texts_by_lopdf(bytes: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(bytes).expect("lopdf opens the copy");
    let mut alts: Vec<String> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter_map(|d| d.get(b"Alt").ok())
        .filter_map(|a| a.as_str().ok())
        .map(text_string)
        .collect();
    alts.sort();
    alts
}

/// Updates of encrypted inputs, checked; returns (label, copy) of each.
fn encrypted_updates() -> Vec<(String, Vec<u8>)> {
    let mut outputs = Vec::new();
    for cipher in [Cipher::Rc4, Cipher::Aes128, Cipher::Aes256] {
        let label = format!("encrypted-{cipher:?}");
        let input = encrypted(cipher);
        let texts = [
            "Verschlüsselt (1) \\ 骰子".to_string(),
            "second image".to_string(),
        ];
        let once = update_and_check(&label, &input, &texts);
        let raw = RawDocument::load(&once).unwrap();
        assert!(raw.is_encrypted(), "{label}: the update dropped /Encrypt");
        let mut expected: Vec<String> = texts.to_vec();
        expected.sort();
        assert_eq!(alt_texts_by_lopdf(&once), expected, "{label}");
        // The new strings are stored encrypted: the plain text is nowhere in the update.
        let appended = &once[input.len()..];
        assert!(
            !appended
                .windows(b"second image".len())
                .any(|w| w == b"second image"),
            "{label}: an /Alt is stored in clear"
        );
        let doc = PdfDocument::from_bytes(format!("{label}.pdf"), once.clone());
        assert!(extract_text(&doc).unwrap().text().contains("Pictures"));
        // Again, from the copy.
        let again = ["eins".to_string(), "zwei".to_string()];
        let twice = update_and_check(&format!("{label}-twice"), &once, &again);
        assert_eq!(alt_texts_by_lopdf(&twice), again.to_vec(), "{label}");
        outputs.push((label.clone(), once));
        outputs.push((format!("{label}-twice"), twice));
    }
    outputs
}

#[test]
fn encrypted_inputs_are_updated_in_place_with_their_own_key() {
    assert_eq!(encrypted_updates().len(), 6);
}

/// `qpdf --check` on the updates (an independent PDF implementation).
mod needs_qpdf {
    use super::*;

    #[test]
    #[ignore = "needs qpdf: `qpdf --check` on incremental updates of both kinds"]
    fn random_updates_pass_qpdf_check() {
        for (label, bytes) in random_updates(24) {
            qpdf_check(&label, &bytes);
        }
    }

    #[test]
    #[ignore = "needs qpdf: `qpdf --check` on encrypted incremental updates"]
    fn encrypted_updates_pass_qpdf_check() {
        for (label, bytes) in encrypted_updates() {
            qpdf_check(&label, &bytes);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Real files
// ---------------------------------------------------------------------------------------

/// The sample folders: `../shared/pdf-samples` (required) and `COPILOT_PDF_EXTRA_SAMPLES`.
fn sample_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/pdf-samples");
    assert!(
        dir.is_dir(),
        "needs_pdf_samples: {} is absent; this test reads the real-world PDFs of \
         ../shared/pdf-samples and can only run where that folder exists",
        dir.display()
    );
    let mut dirs = vec![dir];
    dirs.extend(std::env::var_os("COPILOT_PDF_EXTRA_SAMPLES").map(PathBuf::from));
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    files.sort();
    files
}

/// A sample and its two copies: (name, input, first copy, second copy).
type SampleUpdate = (String, Vec<u8>, Vec<u8>, Vec<u8>);

/// Every sample alternative text can be written to, described twice.
fn sample_updates() -> Vec<SampleUpdate> {
    let mut out = Vec::new();
    for path in sample_files() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let input = std::fs::read(&path).unwrap();
        let doc = PdfDocument::from_bytes(name.clone(), input.clone());
        // Files that do not open (cut off, garbage, a password) give typed errors elsewhere.
        let Ok(images) = extract_images(&doc) else {
            println!("{name}: does not open; skipped");
            continue;
        };
        let describe = |round: &str, keys: &[ImageKey]| -> Vec<(ImageKey, String)> {
            keys.iter()
                .enumerate()
                .map(|(i, key)| (*key, format!("{round} {i}: Würfel (骰子) \\ {name}")))
                .collect()
        };
        let keys: Vec<ImageKey> = images.images.iter().map(|i| i.key).collect();
        let first = describe("first", &keys);
        let once = add_alt_texts(&doc, &first).unwrap_or_else(|e| {
            panic!("{name}: opens but alternative text cannot be written: {e}")
        });
        let in_place = is_updated_in_place(&input);
        if in_place {
            assert!(
                once.starts_with(&input),
                "{name}: the input's bytes changed"
            );
            assert_eq!(
                newest_section_is_table(&once),
                newest_section_is_table(&input),
                "{name}: the update's section is not of the input's kind"
            );
        }
        let raw = RawDocument::load(&once).expect("the copy opens with unpdf's object parser");
        assert!(
            !raw.xref_reconstructed(),
            "{name}: the copy's xref is broken"
        );
        assert_eq!(
            raw.page_count(),
            RawDocument::load(&input).unwrap().page_count(),
            "{name}"
        );
        let alts: HashSet<String> = alt_texts_of_copy(&once).into_iter().collect();
        // Every alternative text we wrote reads back whole (images inside artifacts or sharing
        // their marked content with text get none, so not every description need appear).
        let ours: Vec<&String> = alts.iter().filter(|a| a.starts_with("first ")).collect();
        for alt in &ours {
            assert!(
                first.iter().any(|(_, t)| &t == alt),
                "{name}: mangled {alt:?}"
            );
        }
        if !keys.is_empty() {
            assert!(!ours.is_empty(), "{name}: no description reached the tree");
        }

        // Described again, from the copy.
        let copy = PdfDocument::from_bytes(format!("{name}-once"), once.clone());
        let keys_again: Vec<ImageKey> = extract_images(&copy)
            .unwrap()
            .images
            .iter()
            .map(|i| i.key)
            .collect();
        assert_eq!(keys_again.len(), keys.len(), "{name}: images lost");
        let second = describe("second", &keys_again);
        let twice = add_alt_texts(&copy, &second).unwrap();
        // A copy is never encrypted and its xref is intact: updated in place.
        assert!(
            twice.starts_with(&once),
            "{name}: the first copy's bytes changed"
        );
        let alts: HashSet<String> = alt_texts_of_copy(&twice).into_iter().collect();
        let ours_again = alts.iter().filter(|a| a.starts_with("second ")).count();
        assert!(
            keys.is_empty() || ours_again >= ours.len(),
            "{name}: the second descriptions did not replace the first"
        );
        let text = |bytes: &[u8]| {
            extract_text(&PdfDocument::from_bytes("x.pdf", bytes.to_vec()))
                .map(|t| t.text())
                .ok()
        };
        assert_eq!(text(&twice), text(&once), "{name}: text changed");
        println!(
            "{name}: {} images, {} + {} bytes appended{}",
            keys.len(),
            once.len() as i64 - if in_place { input.len() as i64 } else { 0 },
            twice.len() - once.len(),
            if in_place { "" } else { " (written in full)" }
        );
        out.push((name, input, once, twice));
    }
    out
}

mod needs_pdf_samples {
    use super::*;

    #[test]
    #[ignore = "needs pdf samples: alt text as incremental updates of every real file of ../shared/pdf-samples"]
    fn real_samples_are_updated_in_place_and_described_twice() {
        let updates = sample_updates();
        let names: BTreeMap<_, _> = updates
            .iter()
            .map(|(name, input, ..)| (name.as_str(), is_updated_in_place(input)))
            .collect();
        // The samples cover both kinds of writing and both kinds of section.
        assert!(names.get("lo-jpeg.pdf") == Some(&true), "{names:?}");
        assert!(names.get("r-intro.pdf") == Some(&true), "{names:?}");
        // Encrypted files too (updated encrypted); only a rebuilt xref is written in full.
        assert!(
            names.get("enc-r2-rc4-40-empty.pdf") == Some(&true),
            "{names:?}"
        );
        assert!(
            names.get("broken-multilang-badstartxref.pdf") == Some(&false),
            "{names:?}"
        );
        // gmpl-es.pdf and r-intro.pdf end with cross-reference streams.
        assert!(updates
            .iter()
            .any(|(_, input, ..)| is_updated_in_place(input) && !newest_section_is_table(input)));
    }
}

mod needs_qpdf_and_pdf_samples {
    use super::*;

    #[test]
    #[ignore = "needs qpdf and pdf samples: `qpdf --check` on the updates of every real file"]
    fn real_sample_updates_pass_qpdf_check() {
        for (name, _, once, twice) in sample_updates() {
            qpdf_check(&format!("{name}-once"), &once);
            qpdf_check(&format!("{name}-twice"), &twice);
        }
    }
}
