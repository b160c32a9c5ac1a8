//! What the copilot tests share: sample texts, an engine, a mock client, temp folders.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use copilot_pdf::*;
use httpmock::MockServer;
use openai_blocking::*;
use openai_local::*;

pub const POLICY: &str = "Returns. Unused items may be returned within 30 days of delivery for a \
full refund. Items bought in the winter sale can be returned within 14 days only. The \
refund is paid to the original payment method within five working days.\n\nWarranty. \
Every appliance carries a warranty of 24 months from delivery. The warranty covers \
manufacturing defects but not damage caused by misuse, accidents or normal wear.\n\n\
Shipping. Orders above 50 euros ship free of charge. Smaller orders pay a flat fee of \
4.90 euros. Deliveries to islands take two extra days.";

pub const TRAINS: &str = "The night train leaves Vienna at 22:10 and reaches Venice at 08:35. \
Sleeping cars have two or four berths, and breakfast is served in the compartment. Bicycles \
travel in a dedicated car and must be booked in advance. Tickets go on sale six months \
before departure and can be refunded up to one day before travel.";

pub fn engine() -> (LocalServer, OpenAIClient) {
    let server = LocalServer::builder()
        .step_delay(Duration::from_millis(2))
        .start()
        .unwrap();
    let mut client = server.client().unwrap();
    client.set_polling_interval(Some(Duration::from_millis(5)));
    (server, client)
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("copilots-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A text PDF made with the crate's own report writer.
pub fn text_pdf(name: &str, text: &str) -> PdfDocument {
    PdfDocument::from_bytes(name, render_text_pdf(Some("Policy"), text).unwrap())
}

pub fn mock_client(server: &MockServer) -> OpenAIClient {
    OpenAIClient::create_with_api_key("sk-test")
        .with_base_url(server.base_url())
        .with_max_retries(0)
        .build()
        .unwrap()
}

pub fn png(rgb: [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, 8, 6);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&rgb.repeat(8 * 6)).unwrap();
    writer.finish().unwrap();
    out
}

/// A one-page PDF that draws one red image twice and a blue one once.
pub fn pdf_with_images() -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let image = |doc: &mut Document, rgb: [u8; 3]| {
        doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => 8, "Height" => 6,
                "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8,
            },
            rgb.repeat(8 * 6),
        ))
    };
    let red = image(&mut doc, [220, 20, 20]);
    let blue = image(&mut doc, [20, 20, 220]);
    let draw = |name: &str, x: i64, y: i64| {
        vec![
            Operation::new("q", vec![]),
            Operation::new(
                "cm",
                vec![80.into(), 0.into(), 0.into(), 60.into(), x.into(), y.into()],
            ),
            Operation::new("Do", vec![Object::Name(name.as_bytes().to_vec())]),
            Operation::new("Q", vec![]),
        ]
    };
    let mut ops = draw("Im1", 50, 700);
    ops.extend(draw("Im1", 200, 700));
    ops.extend(draw("Im2", 50, 500));
    let content = doc.add_object(Stream::new(
        dictionary! {},
        Content { operations: ops }.encode().unwrap(),
    ));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Resources" => dictionary! { "XObject" => dictionary! { "Im1" => red, "Im2" => blue } },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

/// Every `/Alt` string of a PDF, read back with lopdf's parser.
pub fn alt_texts(bytes: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(bytes).unwrap();
    let mut alts: Vec<String> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter_map(|d| d.get(b"Alt").ok())
        .map(|a| lopdf::decode_text_string(a).expect("/Alt is a text string"))
        .collect();
    alts.sort();
    alts
}

/// An 8×6 RGB image XObject of one colour.
fn rgb_image(doc: &mut lopdf::Document, rgb: [u8; 3]) -> lopdf::ObjectId {
    use lopdf::{dictionary, Stream};
    doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => 8, "Height" => 6,
            "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8,
        },
        rgb.repeat(8 * 6),
    ))
}

/// The structure elements of [`tagged_figures_pdf`], by object number.
pub struct TaggedFigures {
    pub bytes: Vec<u8>,
    /// A diagram of paths and a label (MCID 1).
    pub diagram: u32,
    /// A frame drawn around the red image `Im1` (MCID 2).
    pub framed_photo: u32,
    /// Only the blue image `Im2` (MCID 3).
    pub picture: u32,
    /// A thin rule (MCID 4).
    pub rule: u32,
}

/// A tagged one-page PDF as Word writes them: a paragraph (MCID 0), then `/Figure`
/// elements without `/Alt`: a diagram drawn with paths and a label (a black box at
/// 100..300 × 400..500 in a frame, MCID 1), a frame around the red image `Im1` (MCID 2), the
/// blue image `Im2` alone (MCID 3), and a rule 200 points long and 1 high (MCID 4).
pub fn tagged_figures_pdf() -> TaggedFigures {
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Document, Object, Stream};
    let op = |name: &str, operands: Vec<Object>| Operation::new(name, operands);
    let mcid = |n: i64| {
        Operation::new(
            "BDC",
            vec!["Figure".into(), dictionary! { "MCID" => n }.into()],
        )
    };
    let mut doc = Document::with_version("1.7");
    let pages = doc.new_object_id();
    let page = doc.new_object_id();
    let font = doc.add_object(dictionary! {
    "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
    let red = rgb_image(&mut doc, [220, 20, 20]);
    let blue = rgb_image(&mut doc, [20, 20, 220]);
    let n = |v: i64| Object::Integer(v);
    let ops = vec![
        Operation::new("BDC", vec!["P".into(), dictionary! { "MCID" => 0 }.into()]),
        op("BT", vec![]),
        op("Tf", vec!["F1".into(), 12.into()]),
        op("Td", vec![72.into(), 720.into()]),
        op(
            "Tj",
            vec![Object::string_literal("The system has two parts.")],
        ),
        op("ET", vec![]),
        op("EMC", vec![]),
        mcid(1),
        op("re", vec![n(100), n(400), n(200), n(100)]),
        op("f", vec![]),
        op("re", vec![n(90), n(390), n(220), n(120)]),
        op("S", vec![]),
        op("BT", vec![]),
        op("Tf", vec!["F1".into(), 10.into()]),
        op("Td", vec![120.into(), 480.into()]),
        op("Tj", vec![Object::string_literal("Server")]),
        op("ET", vec![]),
        op("EMC", vec![]),
        mcid(2),
        op("re", vec![n(350), n(390), n(160), n(120)]),
        op("S", vec![]),
        op("q", vec![]),
        op("cm", vec![n(140), n(0), n(0), n(100), n(360), n(400)]),
        op("Do", vec!["Im1".into()]),
        op("Q", vec![]),
        op("EMC", vec![]),
        mcid(3),
        op("q", vec![]),
        op("cm", vec![n(80), n(0), n(0), n(60), n(100), n(100)]),
        op("Do", vec!["Im2".into()]),
        op("Q", vec![]),
        op("EMC", vec![]),
        mcid(4),
        op("m", vec![n(100), n(300)]),
        op("l", vec![n(300), n(300)]),
        op("S", vec![]),
        op("EMC", vec![]),
    ];
    let content = doc.add_object(Stream::new(
        dictionary! {},
        Content { operations: ops }.encode().unwrap(),
    ));
    let tree = doc.new_object_id();
    let document = doc.new_object_id();
    let mut element = |role: &str, k: i64| {
        doc.add_object(dictionary! {
        "Type" => "StructElem", "S" => role, "P" => document, "Pg" => page, "K" => k })
    };
    let ids = [
        element("P", 0),
        element("Figure", 1),
        element("Figure", 2),
        element("Figure", 3),
        element("Figure", 4),
    ];
    let kids: Vec<Object> = ids.iter().map(|&id| id.into()).collect();
    let parent_tree = doc.add_object(dictionary! { "Nums" => vec![0.into(), kids.clone().into()] });
    doc.objects.insert(
        document,
        dictionary! { "Type" => "StructElem", "S" => "Document", "P" => tree, "K" => kids }.into(),
    );
    doc.objects.insert(
        tree,
        dictionary! { "Type" => "StructTreeRoot", "K" => document, "ParentTree" => parent_tree }
            .into(),
    );
    doc.objects.insert(
        page,
        dictionary! {
        "Type" => "Page", "Parent" => pages, "Contents" => content, "StructParents" => 0,
        "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        "Resources" => dictionary! {
            "Font" => dictionary! { "F1" => font },
            "XObject" => dictionary! { "Im1" => red, "Im2" => blue } } }
        .into(),
    );
    doc.objects.insert(
        pages,
        dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }.into(),
    );
    let catalog = doc.add_object(dictionary! {
    "Type" => "Catalog", "Pages" => pages, "StructTreeRoot" => tree,
    "MarkInfo" => dictionary! { "Marked" => true } });
    doc.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    TaggedFigures {
        bytes,
        diagram: ids[1].0,
        framed_photo: ids[2].0,
        picture: ids[3].0,
        rule: ids[4].0,
    }
}

/// A PDF of two pages of distinct images, each an 8×6 RGB image of its own colour drawn as
/// a square: page 1 draws `first` of them, of sides 20, 21, 22… points (the last drawn is
/// the largest); page 2 draws `second`, of 40 points; page 1 also draws a 2×2-pixel image
/// over 50 points and an 8×6 one over 3 × 3 points (both tiny).
pub fn pdf_with_many_images(first: usize, second: usize) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.5");
    let pages = doc.new_object_id();
    let draw = |name: &str, size: i64, x: i64, y: i64| {
        vec![
            Operation::new("q", vec![]),
            Operation::new(
                "cm",
                vec![
                    size.into(),
                    0.into(),
                    0.into(),
                    size.into(),
                    x.into(),
                    y.into(),
                ],
            ),
            Operation::new("Do", vec![Object::Name(name.as_bytes().to_vec())]),
            Operation::new("Q", vec![]),
        ]
    };
    let mut kids = Vec::new();
    let mut colour = 0u8;
    for (p, count) in [first, second].into_iter().enumerate() {
        let mut resources = Dictionary::new();
        let mut ops = Vec::new();
        for i in 0..count {
            colour += 1;
            let id = rgb_image(&mut doc, [colour, 255 - colour, colour.wrapping_mul(7)]);
            let name = format!("Im{i}");
            resources.set(name.as_bytes(), id);
            let size = if p == 0 { 20 + i as i64 } else { 40 };
            ops.extend(draw(
                &name,
                size,
                10 + (i as i64 % 10) * 55,
                700 - (i as i64 / 10) * 55,
            ));
        }
        if p == 0 {
            let dot = doc.add_object(Stream::new(
                dictionary! {
                    "Type" => "XObject", "Subtype" => "Image", "Width" => 2, "Height" => 2,
                    "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
                },
                vec![0, 255, 255, 0],
            ));
            let bullet = rgb_image(&mut doc, [250, 250, 0]);
            resources.set("Dot", dot);
            resources.set("Bullet", bullet);
            ops.extend(draw("Dot", 50, 10, 100));
            ops.extend(draw("Bullet", 3, 100, 100));
        }
        let content = doc.add_object(Stream::new(
            dictionary! {},
            Content { operations: ops }.encode().unwrap(),
        ));
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages, "Contents" => content,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Resources" => dictionary! { "XObject" => resources },
        });
        kids.push(page.into());
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages,
        dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }.into(),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    doc.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

/// The `/Alt` of structure element `object` (generation 0) of a PDF, read back with lopdf.
/// (The PDF layer numbers a copy's objects anew: for a fixture numbered without gaps, such as
/// [`tagged_figures_pdf`], the numbers stay.)
pub fn alt_of(bytes: &[u8], object: u32) -> Option<String> {
    let doc = lopdf::Document::load_mem(bytes).unwrap();
    let element = doc.get_dictionary((object, 0)).unwrap();
    element
        .get(b"Alt")
        .ok()
        .map(|a| lopdf::decode_text_string(a).expect("/Alt is a text string"))
}
