//! The PDF document layer: text, images, alt text, reports, bad input.
//!
//! Most tests build their own PDFs with lopdf and need nothing outside this crate. Alt-text
//! outputs are read back with unpdf's object parser (a reader independent of the crate's,
//! which is hayro-syntax under an object layer of its own, and of its writer), and checked by
//! another independent implementation in `needs_qpdf`.
//!
//! Tests that need something outside are `#[ignore]`d and live in modules named after it, so
//! that a name filter picks them: `needs_pdf_samples` (the real-world files of
//! `../shared/pdf-samples/`), `needs_qpdf` (`qpdf --check` on our outputs) and
//! `needs_pdftoppm` (poppler renders inputs and outputs; its `pdftotext`, from the same
//! package, reads a report). Run them on purpose, where the resource is present:
//!
//! ```text
//! cargo test -p copilot-pdf -- --ignored needs_qpdf
//! ```
//!
//! Run that way with the resource missing, they fail and say what is missing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use copilot_pdf::{
    add_alt_texts, extract_images, extract_text, image_from_bytes, load_image_file,
    render_text_pdf, EncodedImage, ImageFormat, ImageKey, PdfDocument, PdfError, PdfImage,
};
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, ObjectId, Stream};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use unpdf::parser::raw::{PdfObject, RawDocument};

// ---------------------------------------------------------------------------------------
// Fixture PDFs, built with lopdf
// ---------------------------------------------------------------------------------------

/// A PDF under construction: pages share one /Pages node and a Helvetica font.
struct Builder {
    doc: Document,
    pages_id: ObjectId,
    font_id: ObjectId,
    pages: Vec<ObjectId>,
}

impl Builder {
    fn new() -> Self {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font_id = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
            "Encoding" => "WinAnsiEncoding",
        });
        Builder {
            doc,
            pages_id,
            font_id,
            pages: Vec::new(),
        }
    }

    /// An image XObject with Flate-compressed samples.
    fn image(&mut self, width: i64, height: i64, space: Object, bpc: i64, data: &[u8]) -> ObjectId {
        self.image_with(width, height, space, bpc, data, dictionary! {})
    }

    fn image_with(
        &mut self,
        width: i64,
        height: i64,
        space: Object,
        bpc: i64,
        data: &[u8],
        extra: lopdf::Dictionary,
    ) -> ObjectId {
        let mut dict = dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => width, "Height" => height,
            "ColorSpace" => space, "BitsPerComponent" => bpc,
        };
        for (k, v) in extra.iter() {
            dict.set(k.clone(), v.clone());
        }
        let mut stream = Stream::new(dict, data.to_vec());
        stream.compress().unwrap();
        self.doc.add_object(stream)
    }

    /// A JPEG image XObject (DCTDecode) from a fixture file.
    fn jpeg(
        &mut self,
        bytes: &[u8],
        width: i64,
        height: i64,
        space: &str,
        extra: lopdf::Dictionary,
    ) -> ObjectId {
        let mut dict = dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => width, "Height" => height,
            "ColorSpace" => space, "BitsPerComponent" => 8, "Filter" => "DCTDecode",
        };
        for (k, v) in extra.iter() {
            dict.set(k.clone(), v.clone());
        }
        self.doc.add_object(Stream::new(dict, bytes.to_vec()))
    }

    fn page(&mut self, ops: Vec<Operation>, xobjects: lopdf::Dictionary) -> ObjectId {
        let content = Content { operations: ops }.encode().unwrap();
        let content_id = self.doc.add_object(Stream::new(dictionary! {}, content));
        let page = self.doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => self.pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            "Contents" => content_id,
            "Resources" => dictionary! {
                "Font" => dictionary! { "F1" => self.font_id },
                "XObject" => xobjects,
            },
        });
        self.pages.push(page);
        page
    }

    fn finish(mut self) -> Vec<u8> {
        self.finish_catalog(dictionary! {})
    }

    fn finish_catalog(&mut self, extra: lopdf::Dictionary) -> Vec<u8> {
        let kids: Vec<Object> = self.pages.iter().map(|p| (*p).into()).collect();
        let count = kids.len() as i64;
        self.doc.objects.insert(
            self.pages_id,
            Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
        );
        let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => self.pages_id };
        for (k, v) in extra.iter() {
            catalog.set(k.clone(), v.clone());
        }
        let catalog_id = self.doc.add_object(catalog);
        self.doc.trailer.set("Root", catalog_id);
        let mut out = Vec::new();
        self.doc.save_to(&mut out).unwrap();
        out
    }
}

fn op(operator: &str, operands: Vec<Object>) -> Operation {
    Operation::new(operator, operands)
}

fn text_ops(x: i64, y: i64, text: &[u8]) -> Vec<Operation> {
    vec![
        op("BT", vec![]),
        op("Tf", vec!["F1".into(), 12.into()]),
        op("Td", vec![x.into(), y.into()]),
        op("Tj", vec![Object::string_literal(text.to_vec())]),
        op("ET", vec![]),
    ]
}

fn draw(name: &str, m: [f32; 6]) -> Vec<Operation> {
    vec![
        op("q", vec![]),
        op("cm", m.iter().map(|v| Object::Real(*v)).collect()),
        op("Do", vec![Object::Name(name.as_bytes().to_vec())]),
        op("Q", vec![]),
    ]
}

fn red_blue_jpeg() -> Vec<u8> {
    std::fs::read(fixture("red-blue-16x8.jpg")).unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Three pages, untagged: text, one image drawn three times (twice on page 1), a soft-masked
/// image, an image inside a Form XObject, a JPEG, a CMYK JPEG, gray with /Decode [1 0],
/// 1-bit Indexed, a CMYK raster, a stencil mask, and a damaged JPEG 2000 image.
fn images_pdf() -> Vec<u8> {
    let mut b = Builder::new();
    // 2×2 RGB: red, green / blue, white.
    let im_a = b.image(
        2,
        2,
        "DeviceRGB".into(),
        8,
        &[255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255],
    );
    // 3×1 black with alpha 0, 128, 255.
    let smask = b.image(3, 1, "DeviceGray".into(), 8, &[0, 128, 255]);
    let im_m = b.image_with(
        3,
        1,
        "DeviceRGB".into(),
        8,
        &[0; 9],
        dictionary! { "SMask" => smask },
    );
    // 2×2 gray, inverted by /Decode.
    let im_b = b.image_with(
        2,
        2,
        "DeviceGray".into(),
        8,
        &[0, 64, 128, 255],
        dictionary! {
            "Decode" => vec![1.into(), 0.into()],
        },
    );
    let form = {
        let content = Content {
            operations: draw("ImB", [3.0, 0.0, 0.0, 3.0, 1.0, 1.0]),
        }
        .encode()
        .unwrap();
        b.doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 10.into(), 10.into()],
                "Matrix" => vec![2.into(), 0.into(), 0.into(), 2.into(), 5.into(), 5.into()],
                "Resources" => dictionary! { "XObject" => dictionary! { "ImB" => im_b } },
            },
            content,
        ))
    };
    let jpeg = b.jpeg(&red_blue_jpeg(), 16, 8, "DeviceRGB", dictionary! {});
    let cmyk_jpeg = b.jpeg(
        &std::fs::read(fixture("cyan-cmyk-8x8.jpg")).unwrap(),
        8,
        8,
        "DeviceCMYK",
        dictionary! { "Decode" => vec![1.into(), 0.into(), 1.into(), 0.into(), 1.into(), 0.into(), 1.into(), 0.into()] },
    );
    // 1-bit Indexed: palette red (0) and blue (1); 8 pixels 1,0,1,0,0,0,0,0.
    let indexed = b.image(
        8,
        1,
        Object::Array(vec![
            "Indexed".into(),
            "DeviceRGB".into(),
            1.into(),
            Object::string_literal(vec![255, 0, 0, 0, 0, 255]),
        ]),
        1,
        &[0b1010_0000],
    );
    // CMYK raster: white, cyan, black.
    let cmyk = b.image(
        3,
        1,
        "DeviceCMYK".into(),
        8,
        &[0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 255],
    );
    // Stencil mask: 0 paints (black), 1 leaves white.
    let stencil = {
        let mut s = Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => 4, "Height" => 1,
                "ImageMask" => true, "BitsPerComponent" => 1,
            },
            vec![0b0101_0000],
        );
        s.compress().unwrap();
        b.doc.add_object(s)
    };
    let jpx = b.doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => 4, "Height" => 4,
            "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8, "Filter" => "JPXDecode",
        },
        b"not really jpeg 2000".to_vec(),
    ));

    let mut ops = text_ops(72, 720, b"Images page one: caf\xe9");
    ops.extend(draw("ImA", [100.0, 0.0, 0.0, 50.0, 72.0, 600.0]));
    ops.extend(draw("ImA", [20.0, 0.0, 0.0, 20.0, 300.0, 600.0]));
    ops.extend(draw("ImM", [30.0, 0.0, 0.0, 10.0, 72.0, 400.0]));
    ops.extend(text_ops(72, 300, b"After the images"));
    b.page(ops, dictionary! { "ImA" => im_a, "ImM" => im_m });

    let mut ops = text_ops(72, 720, b"Page two");
    ops.extend(draw("Fm1", [10.0, 0.0, 0.0, 10.0, 0.0, 0.0]));
    ops.extend(draw("ImA", [30.0, 0.0, 0.0, 30.0, 200.0, 200.0]));
    b.page(ops, dictionary! { "Fm1" => form, "ImA" => im_a });

    let mut ops = text_ops(72, 720, b"Page three");
    for (i, name) in ["Jp", "Cj", "Ix", "Ck", "St", "Jx"].iter().enumerate() {
        ops.extend(draw(
            name,
            [40.0, 0.0, 0.0, 20.0, 72.0, 600.0 - 50.0 * i as f32],
        ));
    }
    b.page(
        ops,
        dictionary! {
            "Jp" => jpeg, "Cj" => cmyk_jpeg, "Ix" => indexed, "Ck" => cmyk, "St" => stencil, "Jx" => jpx,
        },
    );
    b.finish()
}

/// One page, untagged, text only.
fn text_pdf(pages: &[&[u8]]) -> Vec<u8> {
    let mut b = Builder::new();
    for text in pages {
        b.page(text_ops(72, 720, text), dictionary! {});
    }
    b.finish()
}

/// A tagged PDF: a paragraph, a Figure with an old /Alt, an image in an element of a
/// role-mapped custom type, an image outside marked content, and a decorative /Artifact.
fn tagged_pdf() -> (Vec<u8>, [ObjectId; 4]) {
    let mut b = Builder::new();
    let im_a = b.image(2, 2, "DeviceRGB".into(), 8, &[9; 12]);
    let im_c = b.image(3, 3, "DeviceGray".into(), 8, &[7; 9]);
    let im_d = b.image(4, 4, "DeviceGray".into(), 8, &[5; 16]);
    let im_e = b.image(5, 5, "DeviceGray".into(), 8, &[3; 25]);
    let mcid = |tag: &str, n: i64| {
        op(
            "BDC",
            vec![
                Object::Name(tag.as_bytes().to_vec()),
                dictionary! { "MCID" => n }.into(),
            ],
        )
    };
    let mut ops = vec![mcid("P", 0)];
    ops.extend(text_ops(72, 720, b"Tagged text"));
    ops.push(op("EMC", vec![]));
    ops.push(mcid("Figure", 1));
    ops.extend(draw("ImA", [100.0, 0.0, 0.0, 100.0, 72.0, 500.0]));
    ops.push(op("EMC", vec![]));
    ops.push(mcid("InlineShape", 2));
    ops.extend(draw("ImC", [50.0, 0.0, 0.0, 50.0, 300.0, 500.0]));
    ops.push(op("EMC", vec![]));
    ops.extend(draw("ImD", [40.0, 0.0, 0.0, 40.0, 72.0, 300.0]));
    ops.push(op("BMC", vec!["Artifact".into()]));
    ops.extend(draw("ImE", [10.0, 0.0, 0.0, 10.0, 0.0, 0.0]));
    ops.push(op("EMC", vec![]));
    let page = b.page(
        ops,
        dictionary! { "ImA" => im_a, "ImC" => im_c, "ImD" => im_d, "ImE" => im_e },
    );
    b.doc
        .get_dictionary_mut(page)
        .unwrap()
        .set("StructParents", 0);

    let root = b.doc.new_object_id();
    let document = b.doc.new_object_id();
    let p = b.doc.add_object(dictionary! {
        "Type" => "StructElem", "S" => "P", "P" => document, "Pg" => page, "K" => 0,
    });
    let figure = b.doc.add_object(dictionary! {
        "Type" => "StructElem", "S" => "Figure", "P" => document, "Pg" => page, "K" => 1,
        "Alt" => Object::string_literal("old alt"),
    });
    let shape = b.doc.add_object(dictionary! {
        "Type" => "StructElem", "S" => "InlineShape", "P" => document, "Pg" => page,
        "K" => vec![2.into()],
    });
    b.doc.objects.insert(
        document,
        Object::Dictionary(dictionary! {
            "Type" => "StructElem", "S" => "Document", "P" => root,
            "K" => vec![p.into(), figure.into(), shape.into()],
        }),
    );
    let parent_tree = b.doc.add_object(dictionary! {
        "Nums" => vec![0.into(), vec![p.into(), figure.into(), shape.into()].into()],
    });
    b.doc.objects.insert(
        root,
        Object::Dictionary(dictionary! {
            "Type" => "StructTreeRoot", "K" => document, "ParentTree" => parent_tree,
            "ParentTreeNextKey" => 1, "RoleMap" => dictionary! { "InlineShape" => "Sect" },
        }),
    );
    let bytes = b.finish_catalog(dictionary! {
        "StructTreeRoot" => root, "MarkInfo" => dictionary! { "Marked" => true },
    });
    (bytes, [im_a, im_c, im_d, im_e])
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// The real-world samples folder; a test that needs it fails when it is absent (such tests
/// are ignored unless asked for, so being asked for without it is a mistake worth reporting).
fn samples() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/pdf-samples");
    assert!(
        dir.is_dir(),
        "needs_pdf_samples: {} is absent; this test reads the real-world PDFs of \
         ../shared/pdf-samples and can only run where that folder exists",
        dir.display()
    );
    dir
}

fn sample(dir: &Path, name: &str) -> PdfDocument {
    PdfDocument::from_path(dir.join(name)).unwrap()
}

/// Fails the test with a clear message when the command `name` cannot be run.
fn require_tool(name: &str, package: &str) {
    match Command::new(name).arg("-v").output() {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "`{name}` is not installed (it comes with the `{package}` package); this test \
             checks our output with it and cannot run without it"
        ),
        Err(e) => panic!("`{name}` could not be started: {e}"),
    }
}

/// `qpdf --check` on `bytes`.
fn qpdf_check(label: &str, bytes: &[u8]) {
    require_tool("qpdf", "qpdf");
    let path = temp_path(&format!("{label}.pdf"));
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(path);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.contains("No syntax or stream encoding errors"),
        "qpdf --check {label}: {text}"
    );
}

/// Renders every page with pdftoppm and asserts the two PDFs look the same.
fn same_rendering(label: &str, before: &[u8], after: &[u8]) {
    require_tool("pdftoppm", "poppler-utils");
    let render = |bytes: &[u8], suffix: &str| {
        let path = temp_path(&format!("{label}-{suffix}.pdf"));
        std::fs::write(&path, bytes).unwrap();
        let out = Command::new("pdftoppm")
            .args(["-r", "40"])
            .arg(&path)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(path);
        assert!(
            out.status.success(),
            "pdftoppm {label}-{suffix}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !out.stdout.is_empty(),
            "pdftoppm {label}-{suffix}: no image"
        );
        out.stdout
    };
    assert!(
        render(before, "in") == render(after, "out"),
        "{label}: pages render differently after adding alt text"
    );
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("oab-pdf-{}-{name}", std::process::id()))
}

fn decode_png(image: &EncodedImage) -> (u32, u32, png::ColorType, Vec<u8>) {
    assert_eq!(image.format, ImageFormat::Png);
    let mut decoder = png::Decoder::new(std::io::Cursor::new(&image.bytes[..]));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width, info.height, info.color_type, buf)
}

/// Gray or RGB pixels as RGB triples.
fn rgb(image: &EncodedImage) -> Vec<[u8; 3]> {
    let (_, _, color, data) = decode_png(image);
    match color {
        png::ColorType::Grayscale => data.iter().map(|v| [*v; 3]).collect(),
        png::ColorType::Rgb => data.chunks(3).map(|p| [p[0], p[1], p[2]]).collect(),
        other => panic!("unexpected PNG colour type {other:?}"),
    }
}

fn decode_jpeg(bytes: &[u8]) -> Vec<u8> {
    jpeg_decoder::Decoder::new(std::io::Cursor::new(bytes))
        .decode()
        .unwrap()
}

fn close(a: [u8; 3], b: [u8; 3], tolerance: u8) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= tolerance)
}

fn by_name<'a>(images: &'a [PdfImage], name: &str) -> &'a PdfImage {
    images
        .iter()
        .find(|i| i.name == name)
        .unwrap_or_else(|| panic!("no image {name}"))
}

// ---------------------------------------------------------------------------------------
// A reader for outputs: unpdf's raw object parser (the crate's own writer made them) plus a
// small content-stream tokenizer of the tests' own.
// ---------------------------------------------------------------------------------------

struct Reader {
    raw: RawDocument,
}

#[derive(Debug)]
struct Figure {
    page: u32,
    mcid: i64,
    role: Vec<u8>,
    alt: Option<String>,
    /// Width × height of the image drawn inside the figure's marked content.
    image: (i64, i64),
}

impl Reader {
    fn new(bytes: &[u8]) -> Reader {
        // unpdf 0.52.1 does not read the `/XRefStm` streams of a hybrid-reference file (Word
        // writes them): the objects only they list, a structure tree among them, are
        // invisible to it. Such a file (an incremental update of one is one too) is read
        // after lopdf, which reads them, has written it out whole.
        let whole;
        let bytes = if bytes.windows(8).any(|w| w == b"/XRefStm") {
            let mut doc = Document::load_mem(bytes).expect("lopdf opens the output");
            let mut out = Vec::new();
            doc.save_to(&mut out).unwrap();
            whole = out;
            &whole[..]
        } else {
            bytes
        };
        Reader {
            raw: RawDocument::load(bytes).expect("the second parser opens the output"),
        }
    }

    fn get<'a>(
        &'a self,
        dict: &'a BTreeMap<Vec<u8>, PdfObject>,
        key: &[u8],
    ) -> Option<&'a PdfObject> {
        dict.get(key).map(|o| self.raw.resolve(o))
    }

    fn catalog(&self) -> &BTreeMap<Vec<u8>, PdfObject> {
        self.raw.catalog().unwrap()
    }

    fn is_marked(&self) -> bool {
        let mark_info = self
            .get(self.catalog(), b"MarkInfo")
            .and_then(|m| m.as_dict());
        matches!(
            mark_info.and_then(|m| self.get(m, b"Marked")),
            Some(PdfObject::Bool(true))
        )
    }

    fn parent_tree(&self) -> BTreeMap<i64, PdfObject> {
        let root = self
            .get(self.catalog(), b"StructTreeRoot")
            .and_then(|r| r.as_dict())
            .expect("StructTreeRoot");
        let mut out = BTreeMap::new();
        self.flatten(self.get(root, b"ParentTree").expect("ParentTree"), &mut out);
        out
    }

    fn flatten(&self, node: &PdfObject, out: &mut BTreeMap<i64, PdfObject>) {
        let node = self.raw.resolve(node).as_dict().expect("number tree node");
        if let Some(PdfObject::Array(nums)) = self.get(node, b"Nums") {
            for pair in nums.chunks(2) {
                out.insert(
                    pair[0].as_i64().unwrap(),
                    self.raw.resolve(&pair[1]).clone(),
                );
            }
        }
        if let Some(PdfObject::Array(kids)) = self.get(node, b"Kids") {
            for kid in kids {
                self.flatten(kid, out);
            }
        }
    }

    fn page_content(&self, page: &BTreeMap<Vec<u8>, PdfObject>) -> Vec<u8> {
        let streams: Vec<&PdfObject> = match page.get(b"Contents".as_slice()) {
            Some(PdfObject::Array(items)) => items.iter().collect(),
            Some(one) => vec![one],
            None => vec![],
        };
        let mut out = Vec::new();
        for s in streams {
            let stream = self.raw.resolve(s).as_stream().expect("content stream");
            out.extend(unpdf::parser::raw::stream::decompress(stream).unwrap());
            out.push(b'\n');
        }
        out
    }

    fn pages(&self) -> Vec<(u32, (u32, u16))> {
        self.raw.pages().into_iter().collect()
    }

    /// Every figure reachable from page content: (MCID → element through the parent tree),
    /// checked for consistency (the element's /Pg and /K point back).
    fn figures(&self) -> Vec<Figure> {
        let tree = self.parent_tree();
        let mut figures = Vec::new();
        for (number, page_id) in self.pages() {
            let page = self.raw.get_dict(page_id).unwrap();
            let ops = tokenize(&self.page_content(page));
            let Some(key) = self.get(page, b"StructParents").and_then(|k| k.as_i64()) else {
                continue;
            };
            let parents = tree
                .get(&key)
                .and_then(|a| a.as_array())
                .expect("parent tree entry")
                .to_vec();
            let resources = self
                .get(page, b"Resources")
                .and_then(|r| r.as_dict())
                .unwrap();
            let xobjects = self.get(resources, b"XObject").and_then(|x| x.as_dict());
            let mut stack: Vec<Option<i64>> = Vec::new();
            for (operator, operands) in &ops {
                match operator.as_str() {
                    "BDC" => stack.push(
                        operands
                            .get(1)
                            .and_then(|p| p.as_dict())
                            .and_then(|d| d.get(b"MCID".as_slice()))
                            .and_then(|m| m.as_i64()),
                    ),
                    "BMC" => stack.push(None),
                    "EMC" => {
                        stack.pop().expect("balanced marked content");
                    }
                    "Do" => {
                        let Some(mcid) = stack.iter().rev().flatten().next().copied() else {
                            continue;
                        };
                        let name = operands[0].as_name().unwrap();
                        let image = xobjects
                            .and_then(|x| self.get(x, name))
                            .and_then(|s| s.as_stream())
                            .expect("XObject");
                        if image
                            .dict
                            .get(b"Subtype".as_slice())
                            .and_then(|s| s.as_name())
                            != Some(b"Image".as_slice())
                        {
                            continue;
                        }
                        let element = self
                            .raw
                            .resolve(&parents[mcid as usize])
                            .as_dict()
                            .expect("element")
                            .clone();
                        let pg = element.get(b"Pg".as_slice()).and_then(|p| p.as_reference());
                        assert_eq!(pg, Some(page_id), "element /Pg points at its page");
                        let kids: Vec<i64> = match self.get(&element, b"K") {
                            Some(PdfObject::Integer(k)) => vec![*k],
                            Some(PdfObject::Array(items)) => {
                                items.iter().filter_map(|k| k.as_i64()).collect()
                            }
                            _ => vec![],
                        };
                        assert!(kids.contains(&mcid), "element /K holds MCID {mcid}");
                        let alt = self
                            .get(&element, b"Alt")
                            .and_then(|a| a.as_str_bytes())
                            .map(text_string);
                        let dim =
                            |k: &[u8]| self.get(&image.dict, k).and_then(|v| v.as_i64()).unwrap();
                        figures.push(Figure {
                            page: number,
                            mcid,
                            role: self
                                .get(&element, b"S")
                                .and_then(|s| s.as_name())
                                .unwrap()
                                .to_vec(),
                            alt,
                            image: (dim(b"Width"), dim(b"Height")),
                        });
                    }
                    _ => {}
                }
            }
            assert!(
                stack.is_empty(),
                "marked content left open on page {number}"
            );
        }
        figures
    }

    /// Text blocks (BT … ET) not inside any marked-content sequence with an MCID.
    fn untagged_text_blocks(&self) -> usize {
        let mut count = 0;
        for (_, page_id) in self.pages() {
            let page = self.raw.get_dict(page_id).unwrap();
            let mut stack: Vec<Option<i64>> = Vec::new();
            for (operator, operands) in tokenize(&self.page_content(page)) {
                match operator.as_str() {
                    "BDC" => stack.push(
                        operands
                            .get(1)
                            .and_then(|p| p.as_dict())
                            .and_then(|d| d.get(b"MCID".as_slice()))
                            .and_then(|m| m.as_i64()),
                    ),
                    "BMC" => stack.push(None),
                    "EMC" => {
                        stack.pop();
                    }
                    "BT" if stack.iter().all(Option::is_none) => count += 1,
                    _ => {}
                }
            }
        }
        count
    }
}

/// A PDF text string: UTF-16BE with a BOM, or (here) ASCII / PDFDocEncoding's Latin-1 part.
fn text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16(&units).unwrap()
    } else {
        bytes.iter().map(|b| char::from(*b)).collect()
    }
}

/// Splits a content stream into (operator, operands), using unpdf's object parser for the
/// operands (so dictionaries such as `<</MCID 3>>` survive).
fn tokenize(data: &[u8]) -> Vec<(String, Vec<PdfObject>)> {
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\0' | b'\x0C');
    let is_delim = |b: u8| b"()<>[]{}/%".contains(&b);
    let mut ops = Vec::new();
    let mut operands = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let c = data[pos];
        if is_space(c) {
            pos += 1;
        } else if c == b'%' {
            while pos < data.len() && data[pos] != b'\n' && data[pos] != b'\r' {
                pos += 1;
            }
        } else if c.is_ascii_alphabetic() || c == b'\'' || c == b'"' {
            let start = pos;
            while pos < data.len() && !is_space(data[pos]) && !is_delim(data[pos]) {
                pos += 1;
            }
            let word = String::from_utf8_lossy(&data[start..pos]).to_string();
            match word.as_str() {
                "true" => operands.push(PdfObject::Bool(true)),
                "false" => operands.push(PdfObject::Bool(false)),
                "null" => operands.push(PdfObject::Null),
                "BI" => {
                    // Inline image: skip to the EI that ends its data.
                    let end = (pos..data.len().saturating_sub(2))
                        .find(|&i| is_space(data[i]) && &data[i + 1..i + 3] == b"EI")
                        .unwrap_or(data.len() - 2);
                    pos = end + 3;
                    ops.push(("BI".to_string(), std::mem::take(&mut operands)));
                }
                _ => ops.push((word, std::mem::take(&mut operands))),
            }
        } else {
            let (object, next) =
                unpdf::parser::raw::tokenizer::parse_object(data, pos).expect("content operand");
            operands.push(object);
            pos = next;
        }
    }
    ops
}

/// Operations with marked-content operators removed, operands kept exactly as parsed.
fn without_marks(ops: Vec<(String, Vec<PdfObject>)>) -> Vec<(String, Vec<PdfObject>)> {
    ops.into_iter()
        .filter(|(o, _)| !matches!(o.as_str(), "BDC" | "BMC" | "EMC"))
        .collect()
}

/// Every page's operations, without marked content: what is drawn.
fn drawing(bytes: &[u8]) -> Vec<Vec<(String, Vec<PdfObject>)>> {
    let reader = Reader::new(bytes);
    reader
        .pages()
        .into_iter()
        .map(|(_, id)| {
            without_marks(tokenize(
                &reader.page_content(reader.raw.get_dict(id).unwrap()),
            ))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Errors and damaged input
// ---------------------------------------------------------------------------------------

#[test]
fn empty_and_non_pdf_input_are_typed_errors() {
    let empty = PdfDocument::from_bytes("empty.pdf", Vec::new());
    assert!(
        matches!(extract_text(&empty), Err(PdfError::Empty { ref name }) if name == "empty.pdf")
    );
    assert!(matches!(
        extract_images(&empty),
        Err(PdfError::Empty { .. })
    ));
    assert!(matches!(
        add_alt_texts(&empty, &[]),
        Err(PdfError::Empty { .. })
    ));

    let html = PdfDocument::from_bytes("page.html", b"<html><body>hello</body></html>".to_vec());
    let err = extract_text(&html).unwrap_err();
    assert!(matches!(err, PdfError::NotPdf { .. }), "{err:?}");
    assert!(err.to_string().contains("page.html"), "{err}");
    assert!(matches!(
        extract_images(&html),
        Err(PdfError::NotPdf { .. })
    ));

    let missing = PdfDocument::from_path("/nonexistent/dir/report.pdf").unwrap_err();
    assert!(matches!(missing, PdfError::Io { .. }));
    assert_eq!(missing.name(), "/nonexistent/dir/report.pdf");
    assert!(std::error::Error::source(&missing).is_some());
}

#[test]
fn garbage_after_header_is_damaged() {
    let mut garbage = [0u8; 5000];
    StdRng::seed_from_u64(12345).fill(&mut garbage[..]);
    let bytes = [b"%PDF-1.4\n".as_slice(), &garbage].concat();
    let doc = PdfDocument::from_bytes("garbage.pdf", bytes);
    assert!(matches!(extract_text(&doc), Err(PdfError::Damaged { .. })));
    assert!(matches!(
        extract_images(&doc),
        Err(PdfError::Damaged { .. })
    ));
    assert!(matches!(
        add_alt_texts(&doc, &[]),
        Err(PdfError::Damaged { .. })
    ));
}

#[test]
fn truncated_generated_pdf_is_truncated() {
    let bytes = images_pdf();
    let doc = PdfDocument::from_bytes("cut.pdf", bytes[..bytes.len() * 2 / 3].to_vec());
    for result in [
        extract_text(&doc).map(|_| ()),
        extract_images(&doc).map(|_| ()),
        add_alt_texts(&doc, &[]).map(|_| ()),
    ] {
        assert!(
            matches!(result, Err(PdfError::Truncated { .. })),
            "{result:?}"
        );
    }
}

/// Encrypts a generated PDF with lopdf (AES-256, revision 6).
fn encrypted(user_password: &str) -> Vec<u8> {
    use lopdf::encryption::crypt_filters::{Aes256CryptFilter, CryptFilter};
    use std::sync::Arc;
    let mut doc = Document::load_mem(&text_pdf(&[b"Secret page text"])).unwrap();
    let filter: Arc<dyn CryptFilter> = Arc::new(Aes256CryptFilter);
    let key = [7u8; 32];
    let version = lopdf::EncryptionVersion::V5 {
        encrypt_metadata: true,
        crypt_filters: BTreeMap::from([(b"StdCF".to_vec(), filter)]),
        file_encryption_key: &key,
        stream_filter: b"StdCF".to_vec(),
        string_filter: b"StdCF".to_vec(),
        owner_password: "owner",
        user_password,
        permissions: lopdf::Permissions::PRINTABLE,
    };
    let state = lopdf::EncryptionState::try_from(version).unwrap();
    doc.encrypt(&state).unwrap();
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn aes256_with_empty_user_password_opens_and_with_a_password_does_not() {
    let open = PdfDocument::from_bytes("aes256-empty.pdf", encrypted(""));
    let text = extract_text(&open).unwrap();
    assert!(
        text.text().contains("Secret page text"),
        "{:?}",
        text.text()
    );
    // The text came out whole: no "may be incomplete" warning for being encrypted.
    assert_eq!(text.warnings(), [] as [String; 0]);
    extract_images(&open).unwrap();
    let copy = add_alt_texts(&open, &[]).unwrap();
    assert!(extract_text(&PdfDocument::from_bytes("copy.pdf", copy))
        .unwrap()
        .text()
        .contains("Secret page text"));

    let locked = PdfDocument::from_bytes("aes256-locked.pdf", encrypted("secret"));
    assert!(matches!(
        extract_text(&locked),
        Err(PdfError::PasswordRequired { .. })
    ));
    assert!(matches!(
        extract_images(&locked),
        Err(PdfError::PasswordRequired { .. })
    ));
    assert!(matches!(
        add_alt_texts(&locked, &[]),
        Err(PdfError::PasswordRequired { .. })
    ));
}

#[test]
fn image_only_pdf_has_no_text_layer() {
    let mut b = Builder::new();
    let im = b.image(1, 1, "DeviceGray".into(), 8, &[0]);
    b.page(
        draw("Im", [612.0, 0.0, 0.0, 792.0, 0.0, 0.0]),
        dictionary! { "Im" => im },
    );
    let doc = PdfDocument::from_bytes("scan.pdf", b.finish());
    match extract_text(&doc) {
        Err(PdfError::NoTextLayer { name, pages }) => {
            assert_eq!(name, "scan.pdf");
            assert_eq!(pages, 1);
        }
        other => panic!("expected NoTextLayer, got {other:?}"),
    }
    assert_eq!(extract_images(&doc).unwrap().images.len(), 1);
}

/// Truncations, byte flips and chunk edits of a generated PDF: every call returns (Ok or a
/// typed error) and nothing panics out of the library.
#[test]
fn mutation_corpus_never_panics() {
    let base = images_pdf();
    let mut mutants: Vec<Vec<u8>> = Vec::new();
    for i in 1..=24 {
        mutants.push(base[..base.len() * i / 25].to_vec());
    }
    let mut rng = StdRng::seed_from_u64(0x9E37_79B9_7F4A_7C15);
    for round in 0..48 {
        let mut m = base.clone();
        match round % 3 {
            0 => {
                for _ in 0..rng.random_range(1..=40) {
                    let at = rng.random_range(0..m.len());
                    m[at] = rng.random();
                }
            }
            1 => {
                let at = rng.random_range(0..m.len());
                let len = rng.random_range(1..=200).min(m.len() - at);
                m.drain(at..at + len);
            }
            _ => {
                let at = rng.random_range(0..m.len());
                let len = rng.random_range(1..=200).min(m.len() - at);
                let chunk = m[at..at + len].to_vec();
                m.splice(at..at, chunk);
            }
        }
        mutants.push(m);
    }
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for (i, bytes) in mutants.into_iter().enumerate() {
        let doc = PdfDocument::from_bytes(format!("mutant-{i}.pdf"), bytes);
        let text = extract_text(&doc);
        let images = extract_images(&doc);
        let keys: Vec<(ImageKey, String)> = images
            .as_ref()
            .map(|i| {
                i.images
                    .iter()
                    .map(|im| (im.key, "x".to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let alt = add_alt_texts(&doc, &keys);
        for (what, result) in [
            ("text", text.map(|_| ())),
            ("images", images.map(|_| ())),
            ("alt", alt.map(|_| ())),
        ] {
            let kind = match result {
                Ok(()) => "ok".to_string(),
                Err(e) => {
                    assert!(e.to_string().contains(&format!("mutant-{i}.pdf")), "{e}");
                    format!("{e:?}")
                        .split([' ', '{'])
                        .next()
                        .unwrap()
                        .to_string()
                }
            };
            *outcomes.entry(format!("{what}:{kind}")).or_default() += 1;
        }
    }
    println!("mutation outcomes: {outcomes:?}");
    assert!(outcomes.keys().any(|k| k.ends_with(":Truncated")));
}

// ---------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------

#[test]
fn text_of_a_generated_pdf_page_by_page() {
    let doc = PdfDocument::from_bytes(
        "three.pdf",
        text_pdf(&[
            b"First page text",
            b"Zweite Seite: \xfcber Stra\xdfe",
            b"Third",
        ]),
    );
    let text = extract_text(&doc).unwrap();
    assert_eq!(text.name(), "three.pdf");
    let pages = text.pages();
    assert_eq!(
        pages.iter().map(|p| p.number).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(pages[0].text.contains("First page text"));
    assert!(pages[1].text.contains("über Straße"), "{:?}", pages[1].text);
    assert!(pages[2].text.contains("Third"));
    assert!(text.text().find("First").unwrap() < text.text().find("Third").unwrap());
    assert!(text.pages_without_text().is_empty());
    assert!(text.char_count() > 20);
}

// ---------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------

#[test]
fn images_of_a_generated_pdf() {
    let doc = PdfDocument::from_bytes("images.pdf", images_pdf());
    let result = extract_images(&doc).unwrap();
    assert!(result.problems.is_empty(), "{:?}", result.problems);
    let names: Vec<&str> = result.images.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["ImA", "ImM", "ImB", "Jp", "Cj", "Ix", "Ck", "St"]);

    // Drawn three times, described once, every placement kept.
    let a = by_name(&result.images, "ImA");
    // Whole numbers in, whole numbers out: the placements are compared exactly.
    let rects: Vec<(u32, [f64; 4])> = a
        .placements
        .iter()
        .map(|p| (p.page, [p.rect.x0, p.rect.y0, p.rect.x1, p.rect.y1]))
        .collect();
    assert_eq!(
        rects,
        [
            (1, [72.0, 600.0, 172.0, 650.0]),
            (1, [300.0, 600.0, 320.0, 620.0]),
            (2, [200.0, 200.0, 230.0, 230.0])
        ]
    );
    assert_eq!((a.image.width, a.image.height), (2, 2));
    assert_eq!(
        rgb(&a.image),
        [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]
    );
    assert_eq!(a.page(), 1);

    // Soft mask composited on white: alpha 0 → white, 128 → mid gray, 255 → black.
    let m = by_name(&result.images, "ImM");
    assert_eq!(rgb(&m.image), [[255, 255, 255], [127, 127, 127], [0, 0, 0]]);

    // Inside a form XObject: the form's /Matrix and the page CTM both apply; /Decode [1 0].
    let b = by_name(&result.images, "ImB");
    assert!(b.placements[0].in_form);
    let r = b.placements[0].rect;
    assert_eq!([r.x0, r.y0, r.x1, r.y1], [70.0, 70.0, 130.0, 130.0]);
    assert_eq!(rgb(&b.image), [[255; 3], [191; 3], [127; 3], [0; 3]]);

    // A DCT JPEG without a mask is passed through unchanged.
    let jp = by_name(&result.images, "Jp");
    assert_eq!(jp.image.format, ImageFormat::Jpeg);
    assert_eq!(jp.image.bytes, red_blue_jpeg());
    assert_eq!((jp.image.width, jp.image.height), (16, 8));

    // A CMYK JPEG is converted to RGB PNG (cyan), honouring its /Decode.
    let cj = by_name(&result.images, "Cj");
    assert_eq!(cj.image.format, ImageFormat::Png);
    assert!(
        rgb(&cj.image).iter().all(|p| close(*p, [0, 255, 255], 24)),
        "{:?}",
        rgb(&cj.image)[0]
    );

    // 1-bit Indexed.
    let ix = by_name(&result.images, "Ix");
    let px = rgb(&ix.image);
    assert_eq!(px[0], [0, 0, 255]);
    assert_eq!(px[1], [255, 0, 0]);
    assert_eq!(px[2], [0, 0, 255]);
    assert_eq!(px[7], [255, 0, 0]);

    // CMYK raster: white, cyan, black.
    assert_eq!(
        rgb(&by_name(&result.images, "Ck").image),
        [[255, 255, 255], [0, 255, 255], [0, 0, 0]]
    );

    // Stencil mask: sample 0 paints black.
    assert_eq!(
        rgb(&by_name(&result.images, "St").image),
        [[0; 3], [255; 3], [0; 3], [255; 3]]
    );

    // Damaged JPEG 2000 data is skipped with a reason, not a failure.
    assert_eq!(result.skipped.len(), 1);
    assert_eq!(result.skipped[0].name, "Jx");
    assert!(
        result.skipped[0].reason.contains("JPEG 2000"),
        "{}",
        result.skipped[0].reason
    );
    assert_eq!(result.skipped[0].placements[0].page, 3);

    // Keys are the image objects.
    let raw = Document::load_mem(doc.bytes()).unwrap();
    for image in &result.images {
        let object = raw
            .get_object((image.key.object, image.key.generation))
            .unwrap();
        assert_eq!(
            object
                .as_stream()
                .unwrap()
                .dict
                .get(b"Subtype")
                .unwrap()
                .as_name()
                .unwrap(),
            b"Image"
        );
        assert_eq!(image.key.to_string(), format!("{} 0 R", image.key.object));
    }
}

#[test]
fn standalone_image_files() {
    let dir = temp_path("images");
    std::fs::create_dir_all(&dir).unwrap();
    let png_path = dir.join("dot.png");
    let mut png_bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png_bytes, 3, 2);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder
            .write_header()
            .unwrap()
            .write_image_data(&[0; 18])
            .unwrap();
    }
    std::fs::write(&png_path, &png_bytes).unwrap();
    let png_image = load_image_file(&png_path).unwrap();
    assert_eq!(
        (png_image.format, png_image.width, png_image.height),
        (ImageFormat::Png, 3, 2)
    );
    assert_eq!(png_image.bytes, png_bytes);
    assert_eq!(png_image.format.mime_type(), "image/png");
    let url = png_image.data_url();
    assert!(
        url.starts_with("data:image/png;base64,iVBORw0KGgo"),
        "{url}"
    );
    assert_eq!(
        url.len(),
        "data:image/png;base64,".len() + png_bytes.len().div_ceil(3) * 4
    );
    for (bytes, encoded) in [
        (&b"hello"[..], "aGVsbG8="),
        (b"hi!", "aGkh"),
        (b"a", "YQ=="),
    ] {
        let mut image = png_image.clone();
        image.bytes = bytes.to_vec();
        assert_eq!(image.data_url(), format!("data:image/png;base64,{encoded}"));
    }

    let jpeg = load_image_file(fixture("red-blue-16x8.jpg")).unwrap();
    assert_eq!(
        (jpeg.format, jpeg.width, jpeg.height),
        (ImageFormat::Jpeg, 16, 8)
    );

    let text = dir.join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    let err = load_image_file(&text).unwrap_err();
    assert!(matches!(err, PdfError::UnsupportedImage { .. }), "{err:?}");
    assert!(err.to_string().contains("notes.txt"));
    assert!(matches!(
        image_from_bytes("none.png", Vec::new()),
        Err(PdfError::Empty { .. })
    ));
    assert!(matches!(
        image_from_bytes("bad.png", b"\x89PNG\r\n\x1a\nxx".to_vec()),
        Err(PdfError::UnsupportedImage { .. })
    ));
    assert!(matches!(
        load_image_file(dir.join("absent.jpg")),
        Err(PdfError::Io { .. })
    ));
    let _ = std::fs::remove_dir_all(dir);
}

// ---------------------------------------------------------------------------------------
// Alt text
// ---------------------------------------------------------------------------------------

/// The description the untagged fixture's image `name` gets.
fn describe(name: &str) -> String {
    format!("Description of {name}: Würfel, 骰子 — «ok»")
}

/// [`images_pdf`] and its copy with every converted image described.
fn untagged_with_alt() -> (Vec<u8>, Vec<u8>) {
    let input = images_pdf();
    let doc = PdfDocument::from_bytes("images.pdf", input.clone());
    let descriptions: Vec<(ImageKey, String)> = extract_images(&doc)
        .unwrap()
        .images
        .iter()
        .map(|i| (i.key, describe(&i.name)))
        .collect();
    let output = add_alt_texts(&doc, &descriptions).unwrap();
    (input, output)
}

#[test]
fn alt_text_on_an_untagged_pdf() {
    let (input, output) = untagged_with_alt();
    let doc = PdfDocument::from_bytes("images.pdf", input.clone());
    let images = extract_images(&doc).unwrap().images;

    let reader = Reader::new(&output);
    assert!(reader.is_marked());
    assert_eq!(
        reader.untagged_text_blocks(),
        0,
        "every text block is in the tree"
    );
    let figures = reader.figures();
    // ImA ×3, ImM, the form (holding ImB: not visible at page level), 6 on page 3.
    let with = |w: i64, h: i64| {
        figures
            .iter()
            .filter(|f| f.image == (w, h))
            .collect::<Vec<_>>()
    };
    let a = with(2, 2);
    assert_eq!(
        a.len(),
        3,
        "every occurrence of ImA is a Figure: {figures:?}"
    );
    assert_eq!(a.iter().map(|f| f.page).collect::<Vec<_>>(), [1, 1, 2]);
    for f in &a {
        assert_eq!(f.role, b"Figure");
        assert_eq!(f.alt.as_deref(), Some(describe("ImA").as_str()));
    }
    assert_eq!(with(3, 1)[0].alt.as_deref(), Some(describe("ImM").as_str()));
    // MCIDs on a page are distinct.
    let page1: Vec<i64> = figures
        .iter()
        .filter(|f| f.page == 1)
        .map(|f| f.mcid)
        .collect();
    let mut unique = page1.clone();
    unique.dedup();
    assert_eq!(page1, unique);
    // The JPEG 2000 image (no description) is still a Figure, without /Alt.
    assert!(with(4, 4).iter().all(|f| f.alt.is_none()));

    // The form's Do carries the Figure for the image inside it: check on the raw content.
    let page2 = reader.raw.get_dict(reader.pages()[1].1).unwrap();
    let ops = tokenize(&reader.page_content(page2));
    let fm = ops
        .iter()
        .position(|(o, a)| o == "Do" && a[0].as_name() == Some(b"Fm1".as_slice()))
        .unwrap();
    assert!(ops[..fm]
        .iter()
        .rev()
        .find(|(o, _)| o == "BDC")
        .is_some_and(|(_, a)| a[0].as_name() == Some(b"Figure".as_slice())));

    // Pages draw exactly what they drew, and the text and images are unchanged.
    assert_eq!(drawing(&input), drawing(&output));
    let before = extract_text(&doc).unwrap().text();
    let after = extract_text(&PdfDocument::from_bytes("out.pdf", output.clone()))
        .unwrap()
        .text();
    assert_eq!(before, after);
    let again = extract_images(&PdfDocument::from_bytes("out.pdf", output.clone())).unwrap();
    assert_eq!(again.images.len(), images.len());
}

/// [`tagged_pdf`] and its copy with all four images described.
fn tagged_with_alt() -> (Vec<u8>, Vec<u8>) {
    let (input, [im_a, im_c, im_d, im_e]) = tagged_pdf();
    let doc = PdfDocument::from_bytes("tagged.pdf", input.clone());
    let descriptions = vec![
        (ImageKey::from(im_a), "New alt for A".to_string()),
        (ImageKey::from(im_c), "Shape C — Ω".to_string()),
        (ImageKey::from(im_d), "Loose image D".to_string()),
        (ImageKey::from(im_e), "Decorative E".to_string()),
    ];
    let output = add_alt_texts(&doc, &descriptions).unwrap();
    (input, output)
}

#[test]
fn alt_text_on_a_tagged_pdf_keeps_its_tree() {
    let (input, output) = tagged_with_alt();
    let reader = Reader::new(&output);
    assert!(reader.is_marked());
    let figures = reader.figures();
    let find = |size: (i64, i64)| figures.iter().find(|f| f.image == size);
    // The existing Figure gets the new text (the old one is replaced).
    let a = find((2, 2)).unwrap();
    assert_eq!((a.mcid, a.alt.as_deref()), (1, Some("New alt for A")));
    // The role-mapped element holding only the image becomes a Figure.
    let c = find((3, 3)).unwrap();
    assert_eq!(
        (c.role.as_slice(), c.alt.as_deref()),
        (b"Figure".as_slice(), Some("Shape C — Ω"))
    );
    // The loose image gets a new Figure with the next MCID, in the parent tree.
    let d = find((4, 4)).unwrap();
    assert_eq!((d.mcid, d.alt.as_deref()), (3, Some("Loose image D")));
    // The artifact stays an artifact.
    assert!(find((5, 5)).is_none());
    // The paragraph element is untouched and the new figure hangs under /Document.
    let tree = reader.parent_tree();
    let parents = tree[&0].as_array().unwrap();
    assert_eq!(parents.len(), 4);
    let p = reader.raw.resolve(&parents[0]).as_dict().unwrap();
    assert_eq!(
        p.get(b"S".as_slice()).and_then(|s| s.as_name()),
        Some(b"P".as_slice())
    );
    let document = reader
        .raw
        .resolve(p.get(b"P".as_slice()).unwrap())
        .as_dict()
        .unwrap();
    assert_eq!(
        document
            .get(b"K".as_slice())
            .and_then(|k| k.as_array())
            .map(|k| k.len()),
        Some(4)
    );

    assert_eq!(drawing(&input), drawing(&output));
}

// ---------------------------------------------------------------------------------------
// Generated reports
// ---------------------------------------------------------------------------------------

const REPORT: &str = "# Résumé des résultats\n\
\n\
Ce rapport résume les documents : café, naïve, Ærøskøbing, Straße, señor, œuvre.\n\
Second line of the same paragraph.\n\
\n\
## Раздел по-русски\n\
\n\
Съешь же ещё этих мягких французских булок, да выпей чаю.\n\
\n\
- 中文摘要：这是一个测试段落，包含汉字。\n\
- 日本語のテキストも含まれています。\n\
- Ελληνικά: καλημέρα\n\
\n\
1. First numbered point\n\
2. Second numbered point\n\
\n\
```\nfn main() { println!(\"code\"); }\n```\n";

/// [`REPORT`] as a PDF.
fn report_pdf() -> Vec<u8> {
    render_text_pdf(Some("Quarterly summary — Сводка — 摘要"), REPORT).unwrap()
}

#[test]
fn report_round_trips_every_character() {
    let pdf = report_pdf();
    println!(
        "report with Latin, Cyrillic, Greek and CJK text: {} bytes",
        pdf.len()
    );
    assert!(
        pdf.len() < 150_000,
        "subset fonts keep the report small: {} bytes",
        pdf.len()
    );
    let text = extract_text(&PdfDocument::from_bytes("report.pdf", pdf.clone()))
        .unwrap()
        .text();
    for needle in [
        "Quarterly summary — Сводка — 摘要",
        "Résumé des résultats",
        "café, naïve, Ærøskøbing, Straße, señor, œuvre.",
        "Раздел по-русски",
        "Съешь же ещё этих мягких французских булок, да выпей чаю.",
        "中文摘要：这是一个测试段落，包含汉字。",
        "日本語のテキストも含まれています。",
        "Ελληνικά: καλημέρα",
        "First numbered point",
        "println!(\"code\");",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in {text:?}");
    }
    assert!(!text.contains("**") && !text.contains("# "), "{text:?}");

    // Tagged, with embedded subset fonts.
    let reader = Reader::new(&pdf);
    assert!(reader.is_marked());
    reader.parent_tree();
    let page = reader.raw.get_dict(reader.pages()[0].1).unwrap();
    let fonts = reader
        .get(
            reader.get(page, b"Resources").unwrap().as_dict().unwrap(),
            b"Font",
        )
        .unwrap()
        .as_dict()
        .unwrap();
    assert_eq!(fonts.len(), 2, "Latin and CJK faces");
    for font in fonts.values() {
        let font = reader.raw.resolve(font).as_dict().unwrap();
        let base = reader.get(font, b"BaseFont").unwrap().as_name().unwrap();
        assert_eq!(
            base.get(6),
            Some(&b'+'),
            "subset tag in {}",
            String::from_utf8_lossy(base)
        );
    }
}

#[test]
fn long_report_breaks_pages_and_keeps_every_paragraph() {
    let body: String = (0..160)
        .map(|i| format!("Paragraph {i}: lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor {i}-end.\n\n"))
        .collect();
    let pdf = render_text_pdf(None, &body).unwrap();
    let text = extract_text(&PdfDocument::from_bytes("long.pdf", pdf)).unwrap();
    assert!(text.pages().len() > 3, "{} pages", text.pages().len());
    let all = text.text();
    for i in 0..160 {
        assert!(
            all.contains(&format!("Paragraph {i}:")) && all.contains(&format!("{i}-end.")),
            "paragraph {i}"
        );
    }
    // A word longer than the line is broken, not lost.
    let long_word = "x".repeat(400);
    let pdf = render_text_pdf(Some(""), &long_word).unwrap();
    let text = extract_text(&PdfDocument::from_bytes("word.pdf", pdf)).unwrap();
    assert_eq!(text.text().chars().filter(|c| *c == 'x').count(), 400);
}

#[test]
fn empty_report_is_a_valid_pdf() {
    let pdf = render_text_pdf(None, "").unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    Reader::new(&pdf);
    assert!(extract_images(&PdfDocument::from_bytes("empty.pdf", pdf))
        .unwrap()
        .images
        .is_empty());
}

/// A page drawing a form with text and an image, and a form holding only an image; and its
/// copy with both images described.
fn forms_with_alt() -> (Vec<u8>, Vec<u8>) {
    let mut b = Builder::new();
    let image = b.image(2, 1, "DeviceGray".into(), 8, &[0, 255]);
    let mut form_ops = text_ops(10, 10, b"Text inside a form");
    form_ops.extend(draw("Im", [5.0, 0.0, 0.0, 5.0, 0.0, 0.0]));
    let content = Content {
        operations: form_ops,
    }
    .encode()
    .unwrap();
    let font = b.font_id;
    let form = b.doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), 100.into(), 100.into()],
            "Resources" => dictionary! {
                "XObject" => dictionary! { "Im" => image },
                "Font" => dictionary! { "F1" => font },
            },
        },
        content,
    ));
    let logo = b.image(1, 1, "DeviceGray".into(), 8, &[0]);
    let logo_form = {
        let content = Content {
            operations: draw("Lg", [9.0, 0.0, 0.0, 9.0, 0.0, 0.0]),
        }
        .encode()
        .unwrap();
        b.doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 10.into(), 10.into()],
                "Resources" => dictionary! { "XObject" => dictionary! { "Lg" => logo } },
            },
            content,
        ))
    };
    let mut ops = draw("Fm", [1.0, 0.0, 0.0, 1.0, 100.0, 100.0]);
    ops.extend(draw("Lf", [1.0, 0.0, 0.0, 1.0, 300.0, 300.0]));
    b.page(ops, dictionary! { "Fm" => form, "Lf" => logo_form });
    let input = b.finish();
    let doc = PdfDocument::from_bytes("forms.pdf", input.clone());
    let descriptions: Vec<_> = extract_images(&doc)
        .unwrap()
        .images
        .iter()
        .map(|i| (i.key, format!("image {}", i.name)))
        .collect();
    let output = add_alt_texts(&doc, &descriptions).unwrap();
    (input, output)
}

#[test]
fn form_with_text_and_an_image_stays_a_paragraph() {
    let (input, output) = forms_with_alt();
    let doc = PdfDocument::from_bytes("forms.pdf", input.clone());
    let images = extract_images(&doc).unwrap().images;
    assert_eq!(images.len(), 2);
    assert!(images.iter().all(|i| i.placements[0].in_form));

    let reader = Reader::new(&output);
    let page = reader.raw.get_dict(reader.pages()[0].1).unwrap();
    let ops = tokenize(&reader.page_content(page));
    let tag_before = |form: &[u8]| {
        let at = ops
            .iter()
            .position(|(o, a)| o == "Do" && a[0].as_name() == Some(form))
            .unwrap();
        let (_, operands) = ops[..at].iter().rev().find(|(o, _)| o == "BDC").unwrap();
        operands[0].as_name().unwrap().to_vec()
    };
    // The text-bearing form is a paragraph; the image-only form is a Figure with its image's alt.
    assert_eq!(tag_before(b"Fm"), b"P");
    assert_eq!(tag_before(b"Lf"), b"Figure");
    let tree = reader.parent_tree();
    let parents = tree.values().next().unwrap().as_array().unwrap();
    let figure = reader.raw.resolve(&parents[1]).as_dict().unwrap();
    let alt = figure
        .get(b"Alt".as_slice())
        .and_then(|a| a.as_str_bytes())
        .map(text_string);
    assert_eq!(alt.as_deref(), Some("image Lg"));
    assert_eq!(drawing(&input), drawing(&output));
}

// ---------------------------------------------------------------------------------------
// Tests that need something outside this crate: ignored by default, run on purpose with
// `cargo test -p copilot-pdf -- --ignored <module name>`; they fail when it is missing.
// ---------------------------------------------------------------------------------------

/// Real-world PDFs from `../shared/pdf-samples/` (see its SOURCE.md): text, images, alt text
/// and typed errors on files made by other software.
mod needs_pdf_samples {
    use super::*;

    #[test]
    #[ignore = "needs pdf samples: the truncated, garbage and encrypted real files of ../shared/pdf-samples"]
    fn real_broken_and_encrypted_samples_give_typed_errors() {
        let dir = samples();
        let expect = |name: &str, check: fn(&PdfError) -> bool| {
            let doc = sample(&dir, name);
            let text = extract_text(&doc);
            let images = extract_images(&doc);
            for result in [text.map(|_| ()), images.map(|_| ())] {
                match result {
                    Err(e) => {
                        assert!(check(&e), "{name}: unexpected {e:?}");
                        assert!(e.to_string().contains(name), "{e}");
                    }
                    Ok(()) => panic!("{name}: expected an error"),
                }
            }
        };
        expect("broken-empty.pdf", |e| matches!(e, PdfError::Empty { .. }));
        expect("broken-git-4k.pdf", |e| {
            matches!(e, PdfError::Truncated { .. })
        });
        expect("broken-lo-jpeg-30k.pdf", |e| {
            matches!(e, PdfError::Truncated { .. })
        });
        expect("broken-header-garbage.pdf", |e| {
            matches!(e, PdfError::Damaged { .. })
        });
        expect("enc-r3-needs-password.pdf", |e| {
            matches!(e, PdfError::PasswordRequired { .. })
        });

        // The overwritten startxref is repaired: the text comes back, with a warning.
        let repaired = extract_text(&sample(&dir, "broken-multilang-badstartxref.pdf")).unwrap();
        assert!(repaired.text().contains("Привет, мир"));
        assert!(!repaired.warnings().is_empty());

        // Empty user password (RC4-40, RC4-128): they open.
        for name in ["enc-r2-rc4-40-empty.pdf", "enc-r4-rc4-owneronly.pdf"] {
            let text = extract_text(&sample(&dir, name)).unwrap();
            assert!(
                text.text().contains("pdf encryption test"),
                "{name}: {:?}",
                text.text()
            );
            // Whole text, so no "encrypted: may be incomplete" warning.
            assert!(text.warnings().is_empty(), "{name}: {:?}", text.warnings());
        }
        // AES-256 R6: generated in `aes256_with_empty_user_password_opens_and_with_a_password_does_not`
        // (the sample set has no such file).

        match extract_text(&sample(&dir, "indexed-1bit.pdf")) {
            Err(PdfError::NoTextLayer { pages: 1, .. }) => {}
            other => panic!("indexed-1bit.pdf: expected NoTextLayer, got {other:?}"),
        }
    }

    #[test]
    #[ignore = "needs pdf samples: mutates real files (LibreOffice, Word, Google Docs) of ../shared/pdf-samples"]
    fn real_samples_survive_mutation() {
        let dir = samples();
        let mut rng = StdRng::seed_from_u64(7);
        for name in ["lo-jpeg.pdf", "git-word365-tagged.pdf", "gdocs-tagged.pdf"] {
            let base = std::fs::read(dir.join(name)).unwrap();
            for round in 0..4 {
                let mut m = base.clone();
                if round == 0 {
                    m.truncate(base.len() / 2);
                } else {
                    for _ in 0..(round * 15) {
                        let at = rng.random_range(0..m.len());
                        m[at] ^= rng.random_range(1..=u8::MAX);
                    }
                }
                let doc = PdfDocument::from_bytes(format!("{name}-mutant-{round}"), m);
                let _ = extract_text(&doc);
                if let Ok(images) = extract_images(&doc) {
                    let keys: Vec<_> = images
                        .images
                        .iter()
                        .map(|i| (i.key, "d".to_string()))
                        .collect();
                    let _ = add_alt_texts(&doc, &keys);
                }
            }
        }
    }

    #[test]
    #[ignore = "needs pdf samples: text of real files (pdfTeX, LibreOffice, several scripts) in ../shared/pdf-samples"]
    fn text_of_real_samples() {
        let dir = samples();
        let r = extract_text(&sample(&dir, "r-intro.pdf")).unwrap();
        assert_eq!(r.pages().len(), 113);
        let all = r.text();
        assert!(all.contains("An Introduction to R"));
        // The fl ligature maps back to two letters.
        assert!(
            all.contains("inflexible") || all.contains("flexible"),
            "ligatures"
        );

        let es = extract_text(&sample(&dir, "gmpl-es.pdf")).unwrap();
        assert_eq!(es.pages().len(), 77);
        let all = es.text();
        for word in [
            "Lenguaje de Modelado GNU MathProg",
            "Versión",
            "traducción",
            "expresión",
        ] {
            assert!(all.contains(word), "gmpl-es: missing {word:?}");
        }

        let multi = extract_text(&sample(&dir, "lo-multilang.pdf"))
            .unwrap()
            .text();
        for word in ["Hello World", "Привет, мир", "مرحبا", "こんにちは"] {
            assert!(
                multi.contains(word),
                "lo-multilang: missing {word:?} in {multi:?}"
            );
        }
    }

    #[test]
    #[ignore = "needs pdf samples: images of real files (soft masks, ICC, CCITT scans) in ../shared/pdf-samples"]
    fn images_of_real_samples() {
        let dir = samples();
        // LibreOffice, JPEG + soft mask: a PNG composited on white.
        let lo = extract_images(&sample(&dir, "lo-jpeg.pdf")).unwrap();
        assert_eq!(lo.images.len(), 1);
        let dice = &lo.images[0];
        assert_eq!(
            (dice.image.format, dice.image.width, dice.image.height),
            (ImageFormat::Png, 800, 600)
        );
        let px = rgb(&dice.image);
        assert_eq!(px[0], [255, 255, 255], "transparent corner is white");
        let jpeg = decode_jpeg(&{
            let raw = Document::load_mem(&std::fs::read(dir.join("lo-jpeg.pdf")).unwrap()).unwrap();
            let stream = raw
                .get_object((dice.key.object, dice.key.generation))
                .unwrap()
                .as_stream()
                .unwrap()
                .clone();
            stream.content
        });
        // Where the mask is opaque the picture is the JPEG's own colour.
        let centre = 300 * 800 + 400;
        assert!(close(
            px[centre],
            [jpeg[centre * 3], jpeg[centre * 3 + 1], jpeg[centre * 3 + 2]],
            6
        ));
        let r = dice.placements[0].rect;
        assert!(r.width() > 400.0 && r.height() > 300.0);

        // Word 365: the picture lives in the soft mask; on white it is a dark logo.
        let git = extract_images(&sample(&dir, "git-word365-tagged.pdf")).unwrap();
        assert_eq!(git.images.len(), 1);
        let logo = rgb(&git.images[0].image);
        assert_eq!(
            (git.images[0].image.width, git.images[0].image.height),
            (512, 512)
        );
        assert_eq!(logo[0], [255, 255, 255]);
        assert!(logo[30 * 512 + 256][0] < 40, "top of the circle is dark");

        // ImageMagick: six 16×16 images, one a JPEG passed through.
        let im = extract_images(&sample(&dir, "im-images.pdf")).unwrap();
        assert_eq!(im.images.len(), 6);
        assert!(im
            .images
            .iter()
            .all(|i| (i.image.width, i.image.height) == (16, 16)));
        assert_eq!(
            im.images
                .iter()
                .filter(|i| i.image.format == ImageFormat::Jpeg)
                .count(),
            1
        );
        assert_eq!(
            im.images.iter().map(|i| i.page()).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5, 6]
        );

        // Scanner output: CCITT G4 page images decoded to 1-bit PNGs.
        let scan = extract_images(&sample(&dir, "epson-scan.pdf")).unwrap();
        assert_eq!(scan.images.len(), 5);
        assert!(scan.skipped.is_empty());
        let (w, h, color, data) = decode_png(&scan.images[0].image);
        assert_eq!((w, h, color), (2550, 3300, png::ColorType::Grayscale));
        let dark = data.iter().filter(|v| **v < 128).count();
        assert!(
            dark > 10_000 && dark < data.len() / 4,
            "a page of text: {dark} dark pixels"
        );
    }

    #[test]
    #[ignore = "needs pdf samples: alt text in real tagged, untagged and encrypted files of ../shared/pdf-samples"]
    fn alt_text_on_real_samples() {
        let dir = samples();
        for name in [
            "lo-jpeg.pdf",
            "git-word365-tagged.pdf",
            "gdocs-tagged.pdf",
            "enc-r2-rc4-40-empty.pdf",
            "im-images.pdf",
        ] {
            let doc = sample(&dir, name);
            let images = extract_images(&doc).unwrap().images;
            let descriptions: Vec<_> = images
                .iter()
                .map(|i| (i.key, format!("{name} image {}: Würfel, 骰子", i.name)))
                .collect();
            let output = add_alt_texts(&doc, &descriptions).unwrap();
            let reader = Reader::new(&output);
            assert!(reader.is_marked(), "{name}");
            let figures = reader.figures();
            for image in &images {
                let expected = format!("{name} image {}: Würfel, 骰子", image.name);
                assert!(
                    figures
                        .iter()
                        .any(|f| f.alt.as_deref() == Some(expected.as_str())),
                    "{name}: no Figure with {expected:?}: {figures:?}"
                );
            }
            if name == "lo-jpeg.pdf" {
                assert_eq!(reader.untagged_text_blocks(), 0);
            }
            let original = std::fs::read(dir.join(name)).unwrap();
            assert_eq!(
                drawing(&original),
                drawing(&output),
                "{name}: drawing changed"
            );
        }
    }
}

/// `qpdf --check` (an independent PDF implementation) on every kind of output we write.
mod needs_qpdf {
    use super::*;

    #[test]
    #[ignore = "needs qpdf: `qpdf --check` validates the alt-text copy of an untagged PDF"]
    fn untagged_alt_text_copy_passes_qpdf_check() {
        qpdf_check("untagged-alt", &untagged_with_alt().1);
    }

    #[test]
    #[ignore = "needs qpdf: `qpdf --check` validates the alt-text copy of a tagged PDF"]
    fn tagged_alt_text_copy_passes_qpdf_check() {
        qpdf_check("tagged-alt", &tagged_with_alt().1);
    }

    #[test]
    #[ignore = "needs qpdf: `qpdf --check` validates the alt-text copy of a PDF with forms"]
    fn forms_alt_text_copy_passes_qpdf_check() {
        qpdf_check("forms-alt", &forms_with_alt().1);
    }

    #[test]
    #[ignore = "needs qpdf: `qpdf --check` validates generated reports"]
    fn reports_pass_qpdf_check() {
        qpdf_check("report", &report_pdf());
        qpdf_check("empty-report", &render_text_pdf(None, "").unwrap());
    }

    #[test]
    #[ignore = "needs qpdf: proves the check itself catches a damaged file"]
    fn qpdf_check_rejects_a_damaged_copy() {
        require_tool("qpdf", "qpdf");
        let (_, output) = untagged_with_alt();
        // Cut the file before its cross-reference table: qpdf must complain.
        let cut = &output[..output.len() * 2 / 3];
        let result = std::panic::catch_unwind(|| qpdf_check("cut-alt", cut));
        assert!(result.is_err(), "qpdf --check accepted a truncated file");
    }
}

/// Poppler: `pdftoppm` renders inputs and outputs (adding alt text must not change a pixel),
/// and its `pdftotext` (same package, poppler-utils) reads a report with a second extractor.
mod needs_pdftoppm {
    use super::*;

    #[test]
    #[ignore = "needs pdftoppm: renders an untagged PDF before and after adding alt text"]
    fn untagged_alt_text_copy_renders_like_its_input() {
        let (input, output) = untagged_with_alt();
        same_rendering("untagged-alt", &input, &output);
    }

    #[test]
    #[ignore = "needs pdftoppm: renders a tagged PDF before and after adding alt text"]
    fn tagged_alt_text_copy_renders_like_its_input() {
        let (input, output) = tagged_with_alt();
        same_rendering("tagged-alt", &input, &output);
    }

    #[test]
    #[ignore = "needs pdftoppm: renders a PDF with forms before and after adding alt text"]
    fn forms_alt_text_copy_renders_like_its_input() {
        let (input, output) = forms_with_alt();
        same_rendering("forms-alt", &input, &output);
    }

    #[test]
    #[ignore = "needs pdftoppm: proves the comparison itself sees a changed page"]
    fn rendering_comparison_sees_a_different_page() {
        require_tool("pdftoppm", "poppler-utils");
        let before = text_pdf(&[b"One text"]);
        let after = text_pdf(&[b"Another text"]);
        let result = std::panic::catch_unwind(|| same_rendering("differs", &before, &after));
        assert!(result.is_err(), "two different pages rendered the same");
    }

    #[test]
    #[ignore = "needs pdftoppm's package (poppler-utils): its pdftotext reads every script of a report"]
    fn poppler_pdftotext_reads_every_script_of_a_report() {
        require_tool("pdftotext", "poppler-utils");
        let path = temp_path("report-poppler.pdf");
        std::fs::write(&path, report_pdf()).unwrap();
        let out = Command::new("pdftotext")
            .arg(&path)
            .arg("-")
            .output()
            .unwrap();
        let _ = std::fs::remove_file(path);
        assert!(
            out.status.success(),
            "pdftotext: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let poppler = String::from_utf8_lossy(&out.stdout);
        for needle in [
            "Résumé des résultats",
            "Съешь же ещё",
            "包含汉字",
            "日本語のテキスト",
            "Ελληνικά",
        ] {
            assert!(
                poppler.contains(needle),
                "pdftotext misses {needle:?}: {poppler}"
            );
        }
    }
}
