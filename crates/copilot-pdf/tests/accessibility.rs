//! The accessible copy written by `add_alt_texts_with` is closer to PDF/UA: language, title,
//! annotations in the structure tree with descriptions. Read back with lopdf (parsing the
//! written bytes afresh), and checked with `qpdf --check` where qpdf is installed.

use std::process::Command;

use copilot_pdf::{add_alt_texts, add_alt_texts_with, extract_images, AltTextOptions, PdfDocument};
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Dictionary, Document, Object, ObjectId, Stream};

/// One page: text, an image, a link to a web page (no /Contents), a link inside the
/// document, a sticky note with its pop-up; `catalog` entries added to the catalog.
fn annotated_pdf(catalog_extra: Dictionary) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages = doc.new_object_id();
    let page_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
    "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
    let image = doc.add_object(Stream::new(
        dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => 2, "Height" => 1,
        "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8 },
        vec![0, 255],
    ));
    let ops = vec![
        Operation::new("BT", vec![]),
        Operation::new("Tf", vec!["F1".into(), 12.into()]),
        Operation::new("Td", vec![72.into(), 720.into()]),
        Operation::new("Tj", vec![Object::string_literal("See the report online")]),
        Operation::new("ET", vec![]),
        Operation::new("q", vec![]),
        Operation::new(
            "cm",
            vec![
                200.into(),
                0.into(),
                0.into(),
                100.into(),
                72.into(),
                500.into(),
            ],
        ),
        Operation::new("Do", vec!["Im1".into()]),
        Operation::new("Q", vec![]),
        // A rule under the text: decoration.
        Operation::new("m", vec![72.into(), 710.into()]),
        Operation::new("l", vec![300.into(), 710.into()]),
        Operation::new("S", vec![]),
    ];
    let content = doc.add_object(Stream::new(
        dictionary! {},
        Content { operations: ops }.encode().unwrap(),
    ));
    let rect = || vec![72.into(), 715.into(), 200.into(), 735.into()];
    let web = doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Link", "Rect" => rect(), "Border" => vec![0.into(), 0.into(), 0.into()],
        "A" => dictionary! { "S" => "URI", "URI" => Object::string_literal("https://example.com/report") } });
    let popup = doc.new_object_id();
    let note = doc.add_object(dictionary! {
    "Type" => "Annot", "Subtype" => "Text", "Rect" => rect(),
    "Contents" => Object::string_literal("Check these figures"), "Popup" => popup });
    doc.objects.insert(
        popup,
        dictionary! { "Type" => "Annot", "Subtype" => "Popup", "Rect" => rect(), "Parent" => note }
            .into(),
    );
    // A link given directly in the /Annots array, not as an object of its own.
    let internal = dictionary! {
    "Type" => "Annot", "Subtype" => "Link", "Rect" => rect(),
    "Dest" => vec![page_id.into(), "Fit".into()] };
    doc.objects.insert(
        page_id,
        dictionary! {
        "Type" => "Page", "Parent" => pages, "Contents" => content,
        "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        "Annots" => vec![web.into(), note.into(), popup.into(), internal.into()],
        "Resources" => dictionary! {
            "Font" => dictionary! { "F1" => font },
            "XObject" => dictionary! { "Im1" => image } } }
        .into(),
    );
    doc.objects.insert(
        pages,
        dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 }.into(),
    );
    let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages };
    for (k, v) in catalog_extra.iter() {
        catalog.set(k.clone(), v.clone());
    }
    let catalog = doc.add_object(catalog);
    doc.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

fn resolve<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(id) => doc.get_object(*id).unwrap(),
        other => other,
    }
}

fn dict<'a>(doc: &'a Document, o: &'a Object) -> &'a Dictionary {
    resolve(doc, o).as_dict().unwrap()
}

fn text(doc: &Document, d: &Dictionary, key: &[u8]) -> Option<String> {
    let bytes = resolve(doc, d.get(key).ok()?).as_str().ok()?;
    Some(match bytes.strip_prefix(&[0xFE, 0xFF]) {
        Some(utf16) => String::from_utf16(
            &utf16
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect::<Vec<_>>(),
        )
        .unwrap(),
        None => String::from_utf8_lossy(bytes).into_owned(),
    })
}

/// The parent tree, flattened.
fn parent_tree(doc: &Document, node: &Dictionary, out: &mut Vec<(i64, Object)>) {
    if let Ok(nums) = node.get(b"Nums").and_then(Object::as_array) {
        for pair in nums.chunks(2) {
            out.push((pair[0].as_i64().unwrap(), pair[1].clone()));
        }
    }
    if let Ok(kids) = node.get(b"Kids").and_then(Object::as_array) {
        for kid in kids {
            parent_tree(doc, dict(doc, kid), out);
        }
    }
}

struct Annotation {
    subtype: String,
    contents: Option<String>,
    /// The role of the structure element the annotation's /StructParent leads to, when that
    /// element holds an /OBJR pointing back at this annotation.
    role: Option<String>,
}

fn annotations(bytes: &[u8]) -> (Document, Vec<Annotation>) {
    let doc = Document::load_mem(bytes).unwrap();
    let catalog = doc.catalog().unwrap();
    let tree = dict(&doc, catalog.get(b"StructTreeRoot").unwrap());
    let mut entries = Vec::new();
    parent_tree(
        &doc,
        dict(&doc, tree.get(b"ParentTree").unwrap()),
        &mut entries,
    );
    let next_key = tree.get(b"ParentTreeNextKey").unwrap().as_i64().unwrap();
    assert!(entries.iter().all(|(k, _)| *k < next_key));
    let page_id = *doc.get_pages().get(&1).unwrap();
    let page = doc.get_dictionary(page_id).unwrap();
    assert_eq!(page.get(b"Tabs").unwrap().as_name().unwrap(), b"S");
    let mut out = Vec::new();
    for annot in resolve(&doc, page.get(b"Annots").unwrap())
        .as_array()
        .unwrap()
    {
        let Object::Reference(annot_id) = annot else {
            panic!("an annotation left direct: it cannot be referred to")
        };
        let a = doc.get_dictionary(*annot_id).unwrap();
        let role = a.get(b"StructParent").ok().map(|k| {
            let k = k.as_i64().unwrap();
            let (_, element) = entries.iter().find(|(key, _)| *key == k).unwrap();
            let element = dict(&doc, element);
            let objr = dict(&doc, element.get(b"K").unwrap());
            assert_eq!(objr.get(b"Type").unwrap().as_name().unwrap(), b"OBJR");
            let target: ObjectId = objr.get(b"Obj").unwrap().as_reference().unwrap();
            assert_eq!(target, *annot_id, "the /OBJR points back at the annotation");
            assert_eq!(element.get(b"Pg").unwrap().as_reference().unwrap(), page_id);
            String::from_utf8_lossy(element.get(b"S").unwrap().as_name().unwrap()).into_owned()
        });
        out.push(Annotation {
            subtype: String::from_utf8_lossy(a.get(b"Subtype").unwrap().as_name().unwrap())
                .into_owned(),
            contents: text(&doc, a, b"Contents"),
            role,
        });
    }
    (doc, out)
}

#[test]
fn annotations_join_the_tree_with_descriptions_and_the_catalog_gets_language_and_title() {
    let input = PdfDocument::from_bytes("annotated.pdf", annotated_pdf(Dictionary::new()));
    let images = extract_images(&input).unwrap();
    let alts = vec![(images.images[0].key, "A gray bar".to_string())];
    let options = AltTextOptions::new().lang("de-CH").title("Quartalsbericht");
    let copy = add_alt_texts_with(&input, &alts, &options).unwrap();
    let (doc, annots) = annotations(&copy);

    let catalog = doc.catalog().unwrap();
    assert_eq!(text(&doc, catalog, b"Lang").as_deref(), Some("de-CH"));
    let marked = dict(&doc, catalog.get(b"MarkInfo").unwrap());
    assert!(marked.get(b"Marked").unwrap().as_bool().unwrap());
    let prefs = dict(&doc, catalog.get(b"ViewerPreferences").unwrap());
    assert!(prefs.get(b"DisplayDocTitle").unwrap().as_bool().unwrap());
    let info = dict(&doc, doc.trailer.get(b"Info").unwrap());
    assert_eq!(
        text(&doc, info, b"Title").as_deref(),
        Some("Quartalsbericht")
    );
    // … and as dc:title in XMP metadata, where PDF/UA reads it.
    let Object::Stream(xmp) = resolve(&doc, catalog.get(b"Metadata").unwrap()) else {
        panic!("no metadata stream")
    };
    assert_eq!(xmp.dict.get(b"Subtype").unwrap().as_name().unwrap(), b"XML");
    let xmp = String::from_utf8(xmp.content.clone()).unwrap();
    assert!(
        xmp.contains("<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">Quartalsbericht</rdf:li>"),
        "{xmp}"
    );

    let summary: Vec<(&str, Option<&str>, Option<&str>)> = annots
        .iter()
        .map(|a| (a.subtype.as_str(), a.contents.as_deref(), a.role.as_deref()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "Link",
                Some("Link to https://example.com/report"),
                Some("Link")
            ),
            ("Text", Some("Check these figures"), Some("Annot")),
            ("Popup", None, None),
            (
                "Link",
                Some("Link to another place in this document"),
                Some("Link")
            ),
        ]
    );
    // The picture still has its description.
    assert!(String::from_utf8_lossy(&copy).contains("A gray bar"));

    // The rule is an artifact: every piece of the page's content is tagged or an artifact.
    let page_id = *doc.get_pages().get(&1).unwrap();
    let content = Content::decode(&doc.get_page_content(page_id)).unwrap();
    let ops: Vec<String> = content
        .operations
        .iter()
        .map(|op| match op.operands.first() {
            Some(Object::Name(n)) if op.operator == "BMC" || op.operator == "BDC" => {
                format!("{} {}", op.operator, String::from_utf8_lossy(n))
            }
            _ => op.operator.clone(),
        })
        .collect();
    let rule = ops.iter().position(|o| o == "m").unwrap();
    assert_eq!(
        ops[rule - 1..rule + 4],
        ["BMC Artifact", "m", "l", "S", "EMC"],
        "{ops:?}"
    );
    assert_eq!(ops.first().map(String::as_str), Some("BDC P"), "{ops:?}");
}

#[test]
fn a_documents_own_language_and_title_are_kept() {
    let input = PdfDocument::from_bytes(
        "french.pdf",
        annotated_pdf(dictionary! { "Lang" => Object::string_literal("fr") }),
    );
    let options = AltTextOptions::new().lang("en");
    let copy = add_alt_texts_with(&input, &[], &options).unwrap();
    let doc = Document::load_mem(&copy).unwrap();
    assert_eq!(
        text(&doc, doc.catalog().unwrap(), b"Lang").as_deref(),
        Some("fr")
    );
    // Without options nothing is invented: no language, no title, but the annotations are
    // still tagged.
    let plain = PdfDocument::from_bytes("plain.pdf", annotated_pdf(Dictionary::new()));
    let copy = add_alt_texts(&plain, &[]).unwrap();
    let (doc, annots) = annotations(&copy);
    assert!(doc.catalog().unwrap().get(b"Lang").is_err());
    assert!(doc.trailer.get(b"Info").is_err());
    assert!(doc.catalog().unwrap().get(b"Metadata").is_err());
    assert_eq!(annots.iter().filter(|a| a.role.is_some()).count(), 3);
    // Tagging a copy again adds nothing twice.
    let again = add_alt_texts(&PdfDocument::from_bytes("copy.pdf", copy), &[]).unwrap();
    let (_, annots) = annotations(&again);
    assert_eq!(annots.iter().filter(|a| a.role.is_some()).count(), 3);
}

#[test]
#[ignore = "needs qpdf: `qpdf --check` validates the accessible copy with tagged annotations"]
fn needs_qpdf_accessible_copy_passes_qpdf_check() {
    let input = PdfDocument::from_bytes("annotated.pdf", annotated_pdf(Dictionary::new()));
    let copy = add_alt_texts_with(&input, &[], &AltTextOptions::new().lang("en")).unwrap();
    let path = std::env::temp_dir().join(format!("copilot-pdf-a11y-{}.pdf", std::process::id()));
    std::fs::write(&path, &copy).unwrap();
    let out = Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output()
        .expect("qpdf is installed");
    let _ = std::fs::remove_file(&path);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("No syntax or stream encoding errors"),
        "{stdout}"
    );
}

/// One untagged page drawing three images: `Im1`, `Im2` and `Im3`.
fn three_images_pdf() -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages = doc.new_object_id();
    let page_id = doc.new_object_id();
    let mut xobjects = Dictionary::new();
    let mut ops = Vec::new();
    for (i, name) in ["Im1", "Im2", "Im3"].into_iter().enumerate() {
        let image = doc.add_object(Stream::new(
            dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => 2,
            "Height" => 1, "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8 },
            vec![0, 255],
        ));
        xobjects.set(name, image);
        let y = 100 + 150 * i as i64;
        ops.extend([
            Operation::new("q", vec![]),
            Operation::new(
                "cm",
                vec![
                    100.into(),
                    0.into(),
                    0.into(),
                    50.into(),
                    72.into(),
                    y.into(),
                ],
            ),
            Operation::new("Do", vec![name.into()]),
            Operation::new("Q", vec![]),
        ]);
    }
    let content = doc.add_object(Stream::new(
        dictionary! {},
        Content { operations: ops }.encode().unwrap(),
    ));
    doc.objects.insert(
        page_id,
        Object::Dictionary(dictionary! {
            "Type" => "Page", "Parent" => pages, "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            "Contents" => content, "Resources" => dictionary! { "XObject" => xobjects } }),
    );
    doc.objects.insert(
        pages,
        Object::Dictionary(dictionary! {
        "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    doc.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

/// The marked-content tags around each `Do` of the first page, in order.
fn marks_around_images(copy: &[u8]) -> Vec<String> {
    let doc = Document::load_mem(copy).unwrap();
    let page_id = *doc.get_pages().get(&1).unwrap();
    let ops = Content::decode(&doc.get_page_content(page_id))
        .unwrap()
        .operations;
    let mut open: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for op in &ops {
        match op.operator.as_str() {
            "BMC" | "BDC" => open.push(
                op.operands
                    .first()
                    .and_then(|o| o.as_name().ok())
                    .map(|n| String::from_utf8_lossy(n).into_owned())
                    .unwrap_or_default(),
            ),
            "EMC" => {
                open.pop();
            }
            "Do" => out.push(open.last().cloned().unwrap_or_default()),
            _ => {}
        }
    }
    out
}

#[test]
fn decorative_images_of_an_untagged_document_become_artifacts_not_figures_without_text() {
    let input = PdfDocument::from_bytes("three.pdf", three_images_pdf());
    let images = extract_images(&input).unwrap().images;
    let key = |name: &str| images.iter().find(|i| i.name == name).unwrap().key;
    let alts = vec![(key("Im1"), "A described picture".to_string())];
    // Im2 is decorative; Im3 is neither described nor decorative: it stays a /Figure (without
    // text, which a checker rightly reports); a decorative image with a description is a
    // /Figure with it.
    let options = AltTextOptions::new().decorative([key("Im2"), key("Im1")]);
    let worker = copilot_pdf::Isolation::worker(env!("CARGO_BIN_EXE_copilot-pdf-worker"));
    for isolation in [copilot_pdf::Isolation::in_process(), worker] {
        let copy = isolation
            .add_alt_texts_with(&input, &alts, &options)
            .unwrap();
        assert_eq!(
            marks_around_images(&copy),
            ["Figure", "Artifact", "Figure"],
            "isolated: {}",
            isolation.is_isolated()
        );
        let doc = Document::load_mem(&copy).unwrap();
        let figures: Vec<Option<String>> = doc
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .filter(|d| d.get(b"S").ok().and_then(|s| s.as_name().ok()) == Some(b"Figure"))
            .map(|d| text(&doc, d, b"Alt"))
            .collect();
        assert_eq!(figures.len(), 2, "{figures:?}");
        assert!(figures.contains(&Some("A described picture".to_string())));
        assert!(figures.contains(&None));
    }
    // Without the option every image is a /Figure, as before.
    let copy = add_alt_texts(&input, &alts).unwrap();
    assert_eq!(marks_around_images(&copy), ["Figure", "Figure", "Figure"]);
    // A page whose images are all decorative has nothing to tag, and is still marked.
    let all = AltTextOptions::new().decorative(images.iter().map(|i| i.key));
    let copy = add_alt_texts_with(&input, &[], &all).unwrap();
    assert_eq!(
        marks_around_images(&copy),
        ["Artifact", "Artifact", "Artifact"]
    );
}
