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
