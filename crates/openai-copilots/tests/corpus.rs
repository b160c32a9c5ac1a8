//! Corpus summaries through the Batch API, end to end against the local engine: 200
//! generated documents, a long one in parts, an unreadable one; progress; resuming from a
//! saved batch in a new copilot; image descriptions through a batch.

use std::path::PathBuf;

use openai_copilots::*;

mod shared;
use shared::*;

/// Document `i`: a short report with a fact of its own.
fn report(i: usize) -> TextDocument {
    TextDocument::new(
        format!("reports/site-{i:03}.txt"),
        format!(
            "Site {i} inspection report. The inspectors visited site {i} in spring and counted \
             {} working pumps out of {}. The roof of the main hall needs repairs before winter, \
             and the budget for them is {} thousand euros. The next visit is planned for \
             autumn.",
            i % 7 + 3,
            i % 7 + 5,
            i * 3 + 10
        ),
    )
}

#[test]
fn two_hundred_documents_are_summarised_in_one_batch_keyed_by_name() {
    let (_server, client) = engine();
    let long = TextDocument::new("reports/annual.txt", POLICY.repeat(30));
    let missing = PathBuf::from("reports/missing.pdf");
    let options = SummaryCopilotOptions::new()
        .with_context_tokens(3000)
        .with_documents((0..200).map(report))
        .with_document(long)
        .with_document_path(&missing);
    let copilot = client.get_summary_copilot(options);

    let mut events = Vec::new();
    let corpus = copilot.summarize_each(|p| events.push(p)).unwrap();

    assert_eq!(corpus.summaries.len(), 201, "{:?}", corpus.failures);
    for i in [0, 17, 199] {
        let summary = &corpus.summaries[&format!("reports/site-{i:03}.txt")];
        assert!(
            summary.contains(&format!("site {i}")) || summary.contains(&format!("Site {i}")),
            "{summary}"
        );
    }
    assert!(
        corpus.summaries["reports/annual.txt"]
            .split_whitespace()
            .count()
            > 5
    );
    assert_eq!(corpus.failures.len(), 1);
    assert!(corpus.failures["reports/missing.pdf"].contains("missing.pdf"));

    // Progress: every document prepared, the batch's counts, the long one combined.
    let prepared = events
        .iter()
        .filter(|e| matches!(e, CorpusProgress::Prepared { total: 202, .. }))
        .count();
    assert_eq!(prepared, 202);
    let requests = events.iter().find_map(|e| match e {
        CorpusProgress::Submitted { requests, .. } => Some(*requests),
        _ => None,
    });
    assert!(requests.unwrap() > 201, "the long document went in parts");
    assert!(events.iter().any(
        |e| matches!(e, CorpusProgress::Waiting { total, .. } if *total as usize == requests.unwrap())
    ));
    assert!(events.contains(&CorpusProgress::Combined { done: 1, total: 1 }));
}

#[test]
fn a_saved_corpus_batch_is_collected_by_another_copilot() {
    let (_server, client) = engine();
    let dir = temp_dir("corpus-resume");
    let options = SummaryCopilotOptions::new()
        .with_backend(CopilotBackend::ChatCompletions)
        .with_documents((0..5).map(report));
    let batch = client
        .get_summary_copilot(options.clone())
        .submit_corpus_batch(|_| {})
        .unwrap();
    let saved = dir.join("batch.json");
    batch.save(&saved).unwrap();
    assert_eq!(
        client.get_batch(&batch.batch_id).unwrap().endpoint,
        "/v1/chat/completions"
    );

    // A later process: the batch from the file, a new copilot with the same options.
    let loaded = CorpusBatch::load(&saved).unwrap();
    assert_eq!(loaded, batch);
    let corpus = client
        .get_summary_copilot(options)
        .collect_corpus_batch(&loaded, |_| {})
        .unwrap();
    assert_eq!(corpus.summaries.len(), 5);
    assert!(corpus.failures.is_empty());
    assert!(corpus.summaries["reports/site-003.txt"].contains("3"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn images_are_described_through_a_batch_and_written_as_alt_text() {
    let (_server, client) = engine();
    let dir = temp_dir("image-batch");
    let figures = dir.join("figures.pdf");
    std::fs::write(&figures, pdf_with_images()).unwrap();
    let green = dir.join("green.png");
    std::fs::write(&green, png([20, 200, 20])).unwrap();
    let options = ImageDescriptionCopilotOptions::new()
        .with_document_path(&figures)
        .with_document_path(&green);

    let batch = client
        .get_image_description_copilot(options.clone())
        .submit_image_batch()
        .unwrap();
    assert_eq!(
        batch.images, 3,
        "red, blue and green: the red drawn twice is one"
    );
    // Collected by another copilot (another process would load the saved batch).
    let copilot = client.get_image_description_copilot(options);
    let results = copilot.collect_image_batch(&batch).unwrap();
    assert!(results.iter().all(|r| r.failed.is_empty()));
    assert_eq!(results[0].descriptions.len(), 2);
    assert!(results[0].descriptions[0].description.contains("red"));
    assert!(results[1].descriptions[0].description.contains("green"));

    // Kept: writing the copies asks nothing more.
    let written = copilot.add_pdf_image_descriptions(dir.join("out")).unwrap();
    let alts = alt_texts(&std::fs::read(&written[0]).unwrap());
    assert_eq!(alts.len(), 3, "one per placement");
    assert!(
        client.get_batches(None).unwrap().data.len() == 1,
        "one batch in all"
    );

    // Other documents than the batch's are refused, naming the counts.
    let other = client.get_image_description_copilot(
        ImageDescriptionCopilotOptions::new().with_document_path(&green),
    );
    let err = other.collect_image_batch(&batch).unwrap_err();
    assert!(err.to_string().contains("3 images"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}
