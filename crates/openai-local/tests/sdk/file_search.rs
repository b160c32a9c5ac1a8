//! file_search over vector stores: cited answers from the right file, with offsets that frame their markers.

use crate::support::*;

#[test]
fn file_search_answers_with_a_citation_of_the_right_file() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let policy = client.upload_file("assistants", "return-policy.md", POLICY.as_bytes())?;
    let recipes = client.upload_file("assistants", "recipes.txt", RECIPES.as_bytes())?;
    assert_eq!(client.get_file_content(&policy.id)?, POLICY.as_bytes());
    assert_eq!(
        (policy.filename.as_str(), policy.bytes),
        ("return-policy.md", POLICY.len() as i64)
    );

    let store = client.create_vector_store_and_wait_to_complete(&VectorStoreCreateRequest::new(
        "docs",
        vec![policy.id.clone(), recipes.id.clone()],
    ))?;
    assert_eq!(store.status, Some(VectorStoreResponseStatus::Completed));
    assert_eq!(counts(&store), [0, 2, 0, 0, 2]);
    assert!(store.usage_bytes.is_some_and(|b| b > 0));

    let assistant = client.create_assistant(&AssistantCreateRequest {
        instructions: Some("Answer from the shop's documents and cite them.".into()),
        tools: Some(vec![AssistantTool::file_search()]),
        tool_resources: Some(AssistantCreateRequestToolResources::file_search(vec![
            store.id.clone(),
        ])),
        ..AssistantCreateRequest::new("gpt-4o-mini")
    })?;
    let thread = client.create_thread(&ThreadCreateRequest::default())?;
    let question = "How many days do I have to return unused items for a refund?";
    client.create_thread_message(&thread.id, &ThreadMessageCreateRequest::user(question))?;
    let run = client.create_run_and_wait(&thread.id, &RunCreateRequest::new(&assistant.id))?;
    assert_eq!(
        run.status,
        RunResponseStatus::Completed,
        "{:?}",
        run.last_error
    );

    // The answer quotes the policy and cites it; each annotation's offsets frame its marker.
    let answer = client.wait_for_assistant_message(&thread.id, Some(&run.id))?;
    let text = text_part(&answer);
    assert!(text.value.contains("30 days"), "{}", text.value);
    assert!(!text.annotations.is_empty());
    let mut cited = Vec::new();
    for (n, annotation) in text.annotations.iter().enumerate() {
        let TextAnnotation::FileCitation {
            start_index,
            end_index,
            text: marker,
            file_citation,
        } = annotation
        else {
            panic!("expected a file citation, got {annotation:?}");
        };
        let (start, end) = (*start_index as usize, *end_index as usize);
        let framed: String = text.value.chars().skip(start).take(end - start).collect();
        assert_eq!(
            &framed, marker,
            "offsets {start}..{end} of {:?}",
            text.value
        );
        assert_eq!(marker, &format!("【{n}†source】"));
        cited.push(file_citation.file_id.clone());
    }
    assert_eq!(
        cited[0], policy.id,
        "the best passage comes from the policy"
    );
    // The sentence before the first marker is the one that answers.
    let first_start = match &text.annotations[0] {
        TextAnnotation::FileCitation { start_index, .. } => *start_index as usize,
        _ => unreachable!(),
    };
    let quoted: String = text.value.chars().take(first_start).collect();
    assert!(quoted.contains("within 30 days of delivery"), "{quoted}");

    // Quotes and summaries are whole sentences of the file, even where its lines are
    // hard-wrapped, and never headings.
    let whole_text = POLICY.split_whitespace().collect::<Vec<_>>().join(" ");
    let ask = |question: &str| -> Result<String, Error> {
        let thread = client.create_thread(&ThreadCreateRequest {
            messages: Some(vec![ThreadMessageCreateRequest::user(question)]),
            ..Default::default()
        })?;
        client.run_and_get_assistant_response(&thread.id, &RunCreateRequest::new(&assistant.id))
    };
    let warranty = ask("How long is the warranty on tents?")?;
    assert_eq!(
        warranty,
        "Tents, backpacks and sleeping bags carry a two-year warranty against manufacturing \
         defects.【0†source】"
    );
    // Each quoted sentence is a whole sentence of the file, with no heading glued on.
    let headings: Vec<&str> = POLICY
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .collect();
    let check_sentences = |answer: &str, body: &str| {
        for sentence in body.split_inclusive(". ") {
            let sentence = sentence.trim();
            assert!(
                sentence.ends_with('.') && sentence.starts_with(char::is_uppercase),
                "{sentence:?} in {answer}"
            );
            assert!(whole_text.contains(sentence), "{sentence:?} in {answer}");
            // A heading glued to the sentence after it: "Return window You may return...".
            let glued = headings.iter().any(|h| {
                sentence
                    .strip_prefix(h)
                    .and_then(|rest| rest.strip_prefix(' '))
                    .is_some_and(|rest| rest.starts_with(char::is_uppercase))
            });
            assert!(!glued, "a heading in {answer}");
        }
    };
    let returns = ask("How long do I have to return unused items?")?;
    for (n, quote) in returns.split("\n\n").enumerate() {
        let body = quote
            .strip_suffix(&format!("【{n}†source】"))
            .unwrap_or_else(|| panic!("{returns}"));
        check_sentences(&returns, body);
    }
    let summary = ask("Please summarize the document.")?;
    let body = summary
        .strip_prefix("Summary of return-policy.md: ")
        .and_then(|s| s.strip_suffix("【0†source】"))
        .unwrap_or_else(|| panic!("{summary}"));
    check_sentences(&summary, body);
    assert!(!body.contains("Northwind Outfitters"), "{summary}");

    // Two steps: the file search, then the message.
    let query = RunStepListQueryParameters {
        order: Some(ListOrder::Asc),
        include: Some(vec![
            RunStepInclude::StepDetailsToolCallsFileSearchResultsContent,
        ]),
        ..Default::default()
    };
    let steps: Vec<RunStepResponse> = client
        .iter_run_steps(&thread.id, &run.id, Some(query))
        .collect::<Result<_, _>>()?;
    assert_eq!(steps.len(), 2, "{steps:#?}");
    assert_eq!(steps[0].type_, RunStepResponseType::ToolCalls);
    assert_eq!(steps[1].type_, RunStepResponseType::MessageCreation);
    let RunStepDetails::ToolCalls { tool_calls } = &steps[0].step_details else {
        panic!("expected tool calls: {:?}", steps[0].step_details);
    };
    let [RunStepToolCall::FileSearch { file_search, id }] = tool_calls.as_slice() else {
        panic!("expected one file search: {tool_calls:?}");
    };
    assert!(id.starts_with("call_"));
    let results = file_search.results.as_deref().unwrap_or_default();
    let best = &results[0];
    assert_eq!(
        (best.file_id.as_str(), best.file_name.as_str()),
        (policy.id.as_str(), "return-policy.md")
    );
    assert!(best.score > 0.0 && best.score < 1.0);
    assert!(best
        .content
        .iter()
        .flatten()
        .any(|c| c.text.as_deref().is_some_and(|t| t.contains("30 days"))));
    let scores: Vec<f64> = results.iter().map(|r| r.score).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "best first: {scores:?}"
    );
    // Without `include` the content is left out.
    let plain = client.get_run_step(&thread.id, &run.id, &steps[0].id)?;
    let RunStepDetails::ToolCalls { tool_calls } = &plain.step_details else {
        panic!("expected tool calls");
    };
    let RunStepToolCall::FileSearch { file_search, .. } = &tool_calls[0] else {
        panic!("expected a file search");
    };
    assert!(file_search
        .results
        .iter()
        .flatten()
        .all(|r| r.content.is_none()));

    // The search endpoint ranks the same passages.
    let found = client.search_vector_store(&store.id, &search_request("bake bread", Some(1)))?;
    assert_eq!(found.data.len(), 1);
    assert_eq!(
        (
            found.data[0].file_id.as_str(),
            found.data[0].filename.as_str()
        ),
        (recipes.id.as_str(), "recipes.txt")
    );
    assert!(found.data[0].content[0].text.contains("220 degrees"));
    let found =
        client.search_vector_store(&store.id, &search_request("winter sale returns", None))?;
    assert_eq!(found.data[0].file_id, policy.id);
    assert!(
        found.data[0].content[0].text.contains("14 days"),
        "{:?}",
        found.data[0]
    );

    // A file attached to a message for file search goes into the thread's own vector
    // store, and an assistant without stores of its own finds it there.
    let searcher = client.create_assistant(&AssistantCreateRequest {
        tools: Some(vec![AssistantTool::file_search()]),
        ..AssistantCreateRequest::new("gpt-4o-mini")
    })?;
    let thread = client.create_thread(&ThreadCreateRequest::default())?;
    let question = ThreadMessageCreateRequest::user("How long should I bake bread?")
        .with_attachment(&recipes.id, vec![AttachmentTool::FileSearch]);
    let message = client.create_thread_message(&thread.id, &question)?;
    assert_eq!(message.attachments.as_ref().map(Vec::len), Some(1));
    let run = client.create_run_and_wait(&thread.id, &RunCreateRequest::new(&searcher.id))?;
    assert_eq!(run.status, RunResponseStatus::Completed);
    let answer = client.wait_for_assistant_message(&thread.id, Some(&run.id))?;
    assert!(answer.text().contains("forty minutes"), "{}", answer.text());
    let cited: Vec<&str> = text_part(&answer)
        .annotations
        .iter()
        .filter_map(|a| match a {
            TextAnnotation::FileCitation { file_citation, .. } => {
                Some(file_citation.file_id.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(cited, [recipes.id.as_str()]);
    let thread_store = client
        .get_thread(&thread.id)?
        .tool_resources
        .and_then(|r| r.file_search)
        .and_then(|f| f.vector_store_ids)
        .unwrap_or_default();
    assert_eq!(thread_store.len(), 1, "the thread got a vector store");
    let files = client.get_vector_store_files(&thread_store[0], None)?;
    assert_eq!(
        files.data.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        [recipes.id.as_str()]
    );
    Ok(())
}
