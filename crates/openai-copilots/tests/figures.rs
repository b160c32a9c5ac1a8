//! The image copilot and vector figures (diagrams drawn with paths and text in tagged PDFs),
//! and its limits on how much it describes.
//!
//! The test of `mod needs_extra_pdf_samples` reads `geobase-word-tagged.pdf` from
//! `../shared/pdf-samples/` or the folder named by `COPILOT_PDF_EXTRA_SAMPLES`; it is ignored
//! unless asked for (`cargo test -p openai-copilots --test figures -- --ignored
//! needs_extra_pdf_samples`) and fails when the file is absent.

use copilot_pdf::*;
use httpmock::prelude::*;
use openai_copilots::*;
use serde_json::json;

mod shared;
use shared::*;

fn key(object: u32) -> ImageKey {
    ImageKey::new(object, 0)
}

#[test]
fn vector_figures_are_described_once_and_get_alt_on_their_figure_elements() {
    let (_server, client) = engine();
    let dir = temp_dir("vector-figures");
    let input = dir.join("diagram.pdf");
    let pdf = tagged_figures_pdf();
    std::fs::write(&input, &pdf.bytes).unwrap();
    let copilot = client.get_image_description_copilot(
        ImageDescriptionCopilotOptions::new().with_document_path(&input),
    );

    let results = copilot.get_image_descriptions().unwrap();

    let result = &results[0];
    let described: Vec<(DescribedKind, Option<ImageKey>)> = result
        .descriptions
        .iter()
        .map(|d| (d.kind, d.key))
        .collect();
    // The blue picture is an image (its /Figure holds nothing else); the diagram and the
    // framed photo are figures, keyed by their /Figure elements; the red image inside the
    // frame is described as part of its figure, and the rule is too thin to mean anything.
    assert_eq!(described.len(), 3, "{result:#?}");
    assert_eq!(described[0].0, DescribedKind::Image);
    let figures: Vec<&ImageDescription> = result.figures().collect();
    let figure_keys: Vec<Option<ImageKey>> = figures.iter().map(|f| f.key).collect();
    assert_eq!(
        figure_keys,
        [Some(key(pdf.diagram)), Some(key(pdf.framed_photo))]
    );
    assert_eq!(figures[0].name, "Figure 1");
    assert_eq!(figures[0].placements.len(), 1);
    assert_eq!(figures[0].placements[0].page, 1);
    assert!(figures[0].image.width > 400, "{:?}", figures[0].image);
    assert!(result.descriptions[0].description.contains("blue"));
    assert!(figures[0].description.contains("black"), "{figures:#?}");
    assert!(figures[1].description.contains("red"), "{figures:#?}");
    let left_out: Vec<(&str, &NotDescribedReason)> = result
        .not_described
        .iter()
        .map(|n| (n.name.as_str(), &n.reason))
        .collect();
    assert_eq!(
        left_out,
        [
            ("Figure 3", &NotDescribedReason::Tiny),
            ("Im1", &NotDescribedReason::InFigure(key(pdf.framed_photo))),
        ]
    );
    assert_eq!(result.over_limit(), 0);

    // Written back: each description on its own element, once.
    let out = dir.join("out");
    let written = copilot.add_pdf_image_descriptions(&out).unwrap();
    let bytes = std::fs::read(&written[0]).unwrap();
    let description_of = |object: u32| {
        result
            .descriptions
            .iter()
            .find(|d| d.key == Some(key(object)))
            .map(|d| d.description.clone())
    };
    assert_eq!(alt_of(&bytes, pdf.diagram), description_of(pdf.diagram));
    assert_eq!(
        alt_of(&bytes, pdf.framed_photo),
        description_of(pdf.framed_photo)
    );
    let picture = &result.descriptions[0].description;
    assert_eq!(alt_of(&bytes, pdf.picture).as_ref(), Some(picture));
    assert_eq!(alt_of(&bytes, pdf.rule), None);
    assert_eq!(alt_texts(&bytes).len(), 3, "{:?}", alt_texts(&bytes));
    // What the PDF layer still finds without /Alt is the rule alone.
    let copy = PdfDocument::from_bytes("diagram.alt.pdf", bytes);
    let left = find_figures(&copy).unwrap();
    assert_eq!(left.len(), 1, "{left:#?}");
    assert_eq!(left[0].key(), key(pdf.rule));

    // Descriptions edited by hand land on the figures too.
    let mut edited = results.clone();
    for d in &mut edited[0].descriptions {
        d.description = format!("Edited: {}", d.description);
    }
    let rewritten = copilot
        .write_alt_texts(&edited, dir.join("edited"))
        .unwrap();
    let bytes = std::fs::read(&rewritten[0]).unwrap();
    assert!(alt_of(&bytes, pdf.diagram).unwrap().starts_with("Edited: "));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn tiny_figures_are_described_when_asked_and_limits_apply_to_figures_too() {
    let (_server, client) = engine();
    let dir = temp_dir("figure-limits");
    let input = dir.join("diagram.pdf");
    let pdf = tagged_figures_pdf();
    std::fs::write(&input, &pdf.bytes).unwrap();

    let all = client.get_image_description_copilot(
        ImageDescriptionCopilotOptions::new()
            .with_document_path(&input)
            .with_skip_tiny_images(false),
    );
    let result = &all.get_image_descriptions().unwrap()[0];
    assert_eq!(result.figures().count(), 3, "the rule too");
    assert_eq!(result.descriptions.len(), 4);

    // One per page: the largest, the diagram (its frame is 220 × 120 points, the framed
    // photo's 160 × 120, the picture 80 × 60).
    let one = client.get_image_description_copilot(
        ImageDescriptionCopilotOptions::new()
            .with_document_path(&input)
            .with_max_images_per_page(1),
    );
    let result = &one.get_image_descriptions().unwrap()[0];
    assert_eq!(result.descriptions.len(), 1);
    assert_eq!(result.descriptions[0].key, Some(key(pdf.diagram)));
    assert_eq!(result.over_limit(), 2);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn limits_cap_the_requests_per_page_and_per_document_and_report_the_rest() {
    let server = MockServer::start();
    let model = server.mock(|when, then| {
        when.method(POST).path("/chat/completions");
        then.status(200).json_body(json!({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": null,
                         "message": {"role": "assistant", "content": "A square.", "refusal": null}}]
        }));
    });
    let dir = temp_dir("image-limits");
    let input = dir.join("catalogue.pdf");
    std::fs::write(&input, pdf_with_many_images(12, 3)).unwrap();
    let options = || {
        ImageDescriptionCopilotOptions::new()
            .with_backend(CopilotBackend::ChatCompletions)
            .with_document_path(&input)
    };
    let copilot = mock_client(&server)
        .get_image_description_copilot(options().with_max_images_per_page(5).with_max_images(7));

    let result = &copilot.get_image_descriptions().unwrap()[0];

    assert_eq!(model.calls(), 7, "only what the limits allow is sent");
    let names: Vec<&str> = result
        .descriptions
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    // Page 1: the five largest, in the order drawn; page 2: two, the document's limit.
    assert_eq!(names, ["Im7", "Im8", "Im9", "Im10", "Im11", "Im0", "Im1"]);
    let reasons = |reason: NotDescribedReason| -> Vec<(u32, String)> {
        result
            .not_described
            .iter()
            .filter(|n| n.reason == reason)
            .map(|n| (n.page, n.name.clone()))
            .collect()
    };
    let page_limit: Vec<(u32, String)> = (0..7).map(|i| (1, format!("Im{i}"))).collect();
    assert_eq!(reasons(NotDescribedReason::PageLimit), page_limit);
    assert_eq!(
        reasons(NotDescribedReason::DocumentLimit),
        [(2, "Im2".to_owned())]
    );
    let mut tiny = reasons(NotDescribedReason::Tiny);
    tiny.sort();
    assert_eq!(tiny, [(1, "Bullet".to_owned()), (1, "Dot".to_owned())]);
    assert_eq!(result.over_limit(), 8);
    assert!(result
        .not_described
        .iter()
        .all(|n| n.kind == DescribedKind::Image));

    // The defaults describe all 15 (under 50 a page, 500 a document), tiny ones left out;
    // asked for, tiny ones are described too.
    assert_eq!(DEFAULT_MAX_IMAGES_PER_PAGE, 50);
    assert_eq!(DEFAULT_MAX_IMAGES, 500);
    let result = &mock_client(&server)
        .get_image_description_copilot(options())
        .get_image_descriptions()
        .unwrap()[0];
    assert_eq!(result.descriptions.len(), 15);
    assert_eq!(result.not_described.len(), 2);
    let result = &mock_client(&server)
        .get_image_description_copilot(options().with_skip_tiny_images(false))
        .get_image_descriptions()
        .unwrap()[0];
    assert_eq!(result.descriptions.len(), 17);
    assert!(result.not_described.is_empty());
    assert_eq!(model.calls(), 7 + 15 + 17);

    // None at all: nothing is sent, everything is reported.
    let none = mock_client(&server)
        .get_image_description_copilot(options().with_max_images(0))
        .get_image_descriptions()
        .unwrap();
    assert!(none[0].descriptions.is_empty());
    assert_eq!(none[0].over_limit(), 15);
    assert_eq!(model.calls(), 7 + 15 + 17);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Real-world PDFs through the copilot.
mod needs_extra_pdf_samples {
    use super::*;

    #[test]
    #[ignore = "needs pdf samples: geobase-word-tagged.pdf, in ../shared/pdf-samples or COPILOT_PDF_EXTRA_SAMPLES"]
    fn word_diagrams_of_a_real_pdf_are_described_and_get_alt() {
        let mut dirs =
            vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/pdf-samples")];
        dirs.extend(std::env::var_os("COPILOT_PDF_EXTRA_SAMPLES").map(std::path::PathBuf::from));
        let path = dirs
            .into_iter()
            .map(|d| d.join("geobase-word-tagged.pdf"))
            .find(|p| p.is_file())
            .expect(
                "needs_pdf_samples: geobase-word-tagged.pdf is neither in ../shared/pdf-samples \
                 nor in the folder COPILOT_PDF_EXTRA_SAMPLES names",
            );
        let figures = find_figures(&PdfDocument::from_path(&path).unwrap()).unwrap();
        let (_server, client) = engine();
        let dir = temp_dir("geobase");
        let copilot = client.get_image_description_copilot(
            ImageDescriptionCopilotOptions::new().with_document_path(&path),
        );
        let result = &copilot.get_image_descriptions().unwrap()[0];
        let described: Vec<ImageKey> = result.figures().filter_map(|f| f.key).collect();
        let expected: Vec<ImageKey> = figures.iter().map(|f| f.key()).collect();
        assert_eq!(described, expected, "every diagram is described");
        assert!(
            result.descriptions.len() > described.len(),
            "and the pictures"
        );

        let written = copilot.add_pdf_image_descriptions(&dir).unwrap();
        let bytes = std::fs::read(&written[0]).unwrap();
        // The copy's objects are numbered anew: the figures are found by their /Alt.
        let alts = alt_texts(&bytes);
        for figure in result.figures() {
            assert!(alts.contains(&figure.description), "{figure:?}");
        }
        let copy = PdfDocument::from_bytes("geobase.alt.pdf", bytes);
        assert_eq!(
            find_figures(&copy).unwrap(),
            [],
            "no figure is left without /Alt"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
