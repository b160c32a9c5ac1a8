//! The Responses API: answers, chaining by `previous_response_id`, function calls, file
//! search with citations, input parts (images, files), structured outputs, token limits,
//! stored responses and their input items.

use crate::support::*;

/// A vector store holding the return policy (and the recipes), ready to search.
fn policy_store(client: &OpenAIClient) -> Result<(VectorStoreResponse, FileResponse), Error> {
    let policy = client.upload_file("assistants", "return-policy.md", POLICY.as_bytes())?;
    let recipes = client.upload_file("assistants", "recipes.txt", RECIPES.as_bytes())?;
    let store = client.create_vector_store_and_wait_to_complete(&VectorStoreCreateRequest::new(
        "docs",
        vec![policy.id.clone(), recipes.id.clone()],
    ))?;
    Ok((store, policy))
}

fn with_tools(request: ResponseCreateRequest, tools: Vec<Tool>) -> ResponseCreateRequest {
    ResponseCreateRequest {
        tools: Some(ToolsArray(tools)),
        ..request
    }
}

fn weather() -> Tool {
    Tool::function(
        "get_weather",
        "The current weather in a city",
        json!({
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"]
        }),
    )
}

#[test]
fn a_text_input_gets_a_stored_completed_answer() -> TestResult {
    let (server, clock) = engine_on_clock(ms(1000));
    let client = client_of(&server);
    let request = ResponseCreateRequest {
        instructions: Some("Be brief.".into()),
        metadata: Some(metadata(&[("case", "hello")])),
        ..ResponseCreateRequest::text("gpt-4.1-mini", "Hello there")
    };
    let response = client.create_response(&request)?;
    assert_eq!(response.status, Some(ResponseObjectStatus::Completed));
    assert!(response.id.starts_with("resp_"), "{}", response.id);
    assert_eq!(response.output_text(), "You said: \"Hello there\"");
    assert_eq!(response.model.0, "gpt-4.1-mini");
    assert_eq!(response.background, Some(false));
    let now = clock.now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as f64;
    assert_eq!(
        (response.created_at, response.completed_at),
        (now, Some(now))
    );
    assert_eq!(
        response
            .metadata
            .as_ref()
            .and_then(|m| m.get("case"))
            .map(String::as_str),
        Some("hello")
    );
    let usage = response.usage.clone().expect("usage");
    assert!(usage.input_tokens > 0 && usage.output_tokens > 0);
    assert_eq!(usage.total_tokens, usage.input_tokens + usage.output_tokens);
    let [OutputItem::Message { id, status, .. }] = response.output.as_slice() else {
        panic!("one message: {:?}", response.output)
    };
    assert!(id.starts_with("msg_"));
    assert_eq!(*status, OutputMessageStatus::Completed);

    // Stored: GET gives the same response; DELETE removes it.
    assert_eq!(client.get_response(&response.id, None)?, response);
    client.delete_response(&response.id)?;
    let error = expect_error(client.get_response(&response.id, None), 404);
    assert!(error.message.contains(&response.id), "{}", error.message);
    expect_error(client.delete_response(&response.id), 404);
    Ok(())
}

#[test]
fn store_false_answers_but_keeps_nothing() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let response = client.create_response(&ResponseCreateRequest {
        store: Some(false),
        ..ResponseCreateRequest::text("gpt-4o-mini", "Nothing kept")
    })?;
    assert_eq!(response.output_text(), "You said: \"Nothing kept\"");
    expect_error(client.get_response(&response.id, None), 404);
    let chained = ResponseCreateRequest {
        previous_response_id: Some(response.id.clone()),
        ..ResponseCreateRequest::text("gpt-4o-mini", "and then?")
    };
    let error = expect_error(client.create_response(&chained), 404);
    assert_eq!(error.param.as_deref(), Some("previous_response_id"));
    Ok(())
}

/// The instructions and the conversation a responder saw.
type Seen = (String, Vec<(ModelRole, String)>);

#[test]
fn previous_response_id_carries_the_conversation_but_not_the_instructions() -> TestResult {
    let seen: Arc<std::sync::Mutex<Vec<Seen>>> = Arc::default();
    let log = seen.clone();
    let server = LocalServer::builder()
        .responder(move |r: &ModelRequest| -> Result<ModelReply, String> {
            let messages = r
                .messages
                .iter()
                .map(|m| (m.role, m.text.clone()))
                .collect();
            log.lock().unwrap().push((r.instructions.clone(), messages));
            Ok(ModelReply::text(format!("answer {}", r.messages.len())))
        })
        .start()?;
    let client = client_of(&server);
    let first = client.create_response(&ResponseCreateRequest {
        instructions: Some("Talk like a pirate.".into()),
        ..ResponseCreateRequest::text("gpt-4o-mini", "one")
    })?;
    let second = client.create_response(&ResponseCreateRequest {
        previous_response_id: Some(first.id.clone()),
        input: Some(InputParam::Array(vec![
            InputItem::developer("Be formal."),
            InputItem::user("two"),
        ])),
        ..ResponseCreateRequest::text("gpt-4o-mini", "")
    })?;
    assert_eq!(
        second.previous_response_id.as_deref(),
        Some(first.id.as_str())
    );
    assert_eq!(second.output_text(), "answer 3");
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].0, "Talk like a pirate.");
    assert_eq!(
        seen[1].0, "Be formal.",
        "the first request's instructions stay behind"
    );
    assert_eq!(
        seen[1].1,
        [
            (ModelRole::User, "one".to_string()),
            (ModelRole::Assistant, "answer 1".to_string()),
            (ModelRole::User, "two".to_string())
        ]
    );
    // The input items are this request's own, newest first by default.
    let items = client.get_response_input_items(&second.id, None)?;
    let roles: Vec<Value> = items
        .data
        .iter()
        .map(|i| serde_json::to_value(i).unwrap()["role"].clone())
        .collect();
    assert_eq!(roles, [json!("user"), json!("developer")]);
    Ok(())
}

#[test]
fn input_items_are_paginated() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let input: Vec<InputItem> = (0..5)
        .map(|i| InputItem::user(format!("line {i}")))
        .collect();
    let response = client.create_response(&ResponseCreateRequest::new("gpt-4o-mini", input))?;
    let text_of = |item: &ItemResource| {
        serde_json::to_value(item).unwrap()["content"][0]["text"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let query = ResponseInputItemListQueryParameters {
        limit: Some(2),
        order: Some(ListOrder::Asc),
        ..Default::default()
    };
    let page = client.get_response_input_items(&response.id, Some(&query))?;
    assert!(page.has_more);
    assert_eq!(
        page.data.iter().map(text_of).collect::<Vec<_>>(),
        ["line 0", "line 1"]
    );
    let all: Vec<String> = client
        .iter_response_input_items(&response.id, Some(query.clone()))
        .map(|i| i.map(|i| text_of(&i)))
        .collect::<Result<_, _>>()?;
    assert_eq!(all, ["line 0", "line 1", "line 2", "line 3", "line 4"]);
    let newest = client.get_response_input_items(&response.id, None)?;
    assert_eq!(text_of(&newest.data[0]), "line 4");
    assert_eq!(newest.first_id, Some(id_of(&newest.data[0])));
    let error = expect_error(
        client.get_response_input_items(
            &response.id,
            Some(&ResponseInputItemListQueryParameters {
                limit: Some(0),
                ..Default::default()
            }),
        ),
        400,
    );
    assert_eq!(error.param.as_deref(), Some("limit"));
    expect_error(client.get_response_input_items("resp_missing", None), 404);
    Ok(())
}

fn id_of(item: &ItemResource) -> String {
    serde_json::to_value(item).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_function_call_round_trip_by_previous_response_id() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let request = with_tools(
        ResponseCreateRequest::text("gpt-4o-mini", "Please get_weather city=Paris days=2"),
        vec![weather()],
    );
    let asked = client.create_response(&request)?;
    assert_eq!(asked.status, Some(ResponseObjectStatus::Completed));
    let calls = asked.function_calls();
    assert_eq!(calls.len(), 1, "{:?}", asked.output);
    assert_eq!(calls[0].name, "get_weather");
    let args: Value = serde_json::from_str(calls[0].arguments)?;
    assert_eq!(args, json!({"city": "Paris", "days": 2}));
    assert!(calls[0].call_id.starts_with("call_"));
    assert_eq!(asked.output_text(), "");

    // Answering without the output is refused; with it, the model finishes.
    let forgot = with_tools(
        ResponseCreateRequest {
            previous_response_id: Some(asked.id.clone()),
            ..ResponseCreateRequest::text("gpt-4o-mini", "well?")
        },
        vec![weather()],
    );
    let error = expect_error(client.create_response(&forgot), 400);
    assert_eq!(error.param.as_deref(), Some("input"));
    assert!(
        error.message.contains(calls[0].call_id),
        "{}",
        error.message
    );
    let wrong = ResponseCreateRequest {
        previous_response_id: Some(asked.id.clone()),
        ..ResponseCreateRequest::new(
            "gpt-4o-mini",
            vec![InputItem::function_call_output("call_unknown", "18C")],
        )
    };
    let error = expect_error(client.create_response(&wrong), 400);
    assert_eq!(error.param.as_deref(), Some("input[0].call_id"));

    let answered = client.create_response(&with_tools(
        ResponseCreateRequest {
            previous_response_id: Some(asked.id.clone()),
            ..ResponseCreateRequest::new(
                "gpt-4o-mini",
                vec![InputItem::function_call_output(
                    calls[0].call_id,
                    "18°C and sunny",
                )],
            )
        },
        vec![weather()],
    ))?;
    assert_eq!(
        answered.output_text(),
        "get_weather returned: 18°C and sunny"
    );
    assert!(answered.function_calls().is_empty());
    Ok(())
}

#[test]
fn tool_choice_forces_or_forbids_calls() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let asking = |choice: ToolChoiceParam| {
        with_tools(
            ResponseCreateRequest {
                tool_choice: Some(choice),
                ..ResponseCreateRequest::text("gpt-4o-mini", "What about city=Rome?")
            },
            vec![weather()],
        )
    };
    let forced = client.create_response(&asking(ToolChoiceParam::ToolChoiceFunction(
        ToolChoiceFunction {
            name: "get_weather".into(),
            type_: ToolChoiceFunctionType::Function,
        },
    )))?;
    let calls = forced.function_calls();
    assert_eq!((calls.len(), calls[0].arguments), (1, r#"{"city":"Rome"}"#));
    let none = client.create_response(&asking(ToolChoiceParam::ToolChoiceOptions(
        ToolChoiceOptions::None,
    )))?;
    assert!(none.function_calls().is_empty());
    let required = client.create_response(&asking(ToolChoiceParam::ToolChoiceOptions(
        ToolChoiceOptions::Required,
    )))?;
    assert_eq!(required.function_calls().len(), 1);
    let error = expect_error(
        client.create_response(&asking(ToolChoiceParam::ToolChoiceFunction(
            ToolChoiceFunction {
                name: "launch".into(),
                type_: ToolChoiceFunctionType::Function,
            },
        ))),
        400,
    );
    assert_eq!(error.param.as_deref(), Some("tool_choice.name"));
    Ok(())
}

#[test]
fn file_search_answers_with_file_citations() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let (store, policy) = policy_store(&client)?;
    let request = with_tools(
        ResponseCreateRequest::text(
            "gpt-4o-mini",
            "How many days do I have to return unused items for a refund?",
        ),
        vec![Tool::file_search([store.id.as_str()])],
    );
    let response = client.create_response(&request)?;
    let [OutputItem::FileSearchCall {
        queries,
        results,
        status,
        id,
    }, OutputItem::Message { .. }] = response.output.as_slice()
    else {
        panic!("a search then a message: {:?}", response.output)
    };
    assert!(id.starts_with("fs_"));
    assert_eq!(*status, FileSearchToolCallStatus::Completed);
    assert_eq!(queries, &[request_text(&request)]);
    assert_eq!(*results, None, "results only with include");
    let text = response.output_text();
    assert!(text.contains("30 days"), "{text}");
    assert!(!text.contains('【'), "markers become annotations: {text}");
    let citations = response.citations();
    assert!(!citations.is_empty());
    for c in &citations {
        let Annotation::FileCitation {
            file_id,
            filename,
            index,
        } = c
        else {
            panic!("a file citation: {c:?}")
        };
        assert_eq!(
            (file_id, filename.as_str()),
            (&policy.id, "return-policy.md")
        );
        // The citation stands right after the sentence it supports.
        let before: String = text.chars().take(*index as usize).collect();
        assert!(before.ends_with('.'), "{before:?}");
    }

    // With include, the results come along (on creation and on GET).
    let included = client.create_response(&ResponseCreateRequest {
        include: Some(vec![IncludeEnum::FileSearchCallResults]),
        ..request.clone()
    })?;
    let OutputItem::FileSearchCall {
        results: Some(results),
        ..
    } = &included.output[0]
    else {
        panic!("results: {:?}", included.output[0])
    };
    assert_eq!(results[0].file_id.as_deref(), Some(policy.id.as_str()));
    assert!(results[0]
        .text
        .as_deref()
        .is_some_and(|t| t.contains("30 days")));
    assert!(results[0].score.is_some_and(|s| s > 0.0 && s < 1.0));
    let plain = client.get_response(&response.id, None)?;
    assert!(matches!(
        &plain.output[0],
        OutputItem::FileSearchCall { results: None, .. }
    ));
    let asked = ResponseGetQueryParameters {
        include: Some(vec![IncludeEnum::FileSearchCallResults]),
        ..Default::default()
    };
    let fetched = client.get_response(&response.id, Some(&asked))?;
    assert!(
        matches!(&fetched.output[0], OutputItem::FileSearchCall { results: Some(r), .. } if !r.is_empty())
    );

    // A vector store that does not exist is a 404 naming it.
    let error = expect_error(
        client.create_response(&with_tools(
            ResponseCreateRequest::text("gpt-4o-mini", "refunds?"),
            vec![Tool::file_search(["vs_missing"])],
        )),
        404,
    );
    assert_eq!(error.param.as_deref(), Some("tools[0].vector_store_ids[0]"));
    Ok(())
}

fn request_text(request: &ResponseCreateRequest) -> String {
    match &request.input {
        Some(InputParam::String(s)) => s.clone(),
        other => panic!("a text input: {other:?}"),
    }
}

#[test]
fn other_tool_types_are_refused_by_name() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let web = Tool::WebSearch {
        external_web_access: None,
        filters: None,
        search_context_size: None,
        user_location: None,
    };
    let error = expect_error(
        client.create_response(&with_tools(
            ResponseCreateRequest::text("gpt-4o-mini", "news?"),
            vec![weather(), web],
        )),
        400,
    );
    assert_eq!(error.param.as_deref(), Some("tools[1].type"));
    assert!(error.message.contains("'web_search'"), "{}", error.message);
    Ok(())
}

#[test]
fn images_are_described_and_files_are_read() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let png = two_colour_png(40, 20, 40, [220, 20, 20], [0, 0, 0]);
    let url = format!("data:image/png;base64,{}", base64(&png));
    let described = client.create_response(&ResponseCreateRequest::new(
        "gpt-4o-mini",
        vec![InputItem::user_with_image("What is this?", url)],
    ))?;
    assert_eq!(
        described.output_text(),
        "The image is a 40×20 PNG (landscape). It is almost entirely red (100%)."
    );
    // The same image uploaded, by file id.
    let file = client.upload_file("vision", "red.png", png)?;
    let by_id = client.create_response(&ResponseCreateRequest::new(
        "gpt-4o-mini",
        vec![user_parts(vec![
            InputContent::InputText {
                prompt_cache_breakpoint: None,
                text: "And this?".into(),
            },
            InputContent::InputImage {
                detail: ImageDetail::Auto,
                file_id: Some(file.id.clone()),
                image_url: None,
                prompt_cache_breakpoint: None,
            },
        ])],
    ))?;
    assert_eq!(by_id.output_text(), described.output_text());

    // A text file inline and an uploaded one: questions are answered from them.
    let inline = client.create_response(&ResponseCreateRequest::new(
        "gpt-4o-mini",
        vec![user_parts(vec![
            input_text("How long does the warranty last?"),
            input_file_data("policy.md", POLICY.as_bytes()),
        ])],
    ))?;
    assert!(
        inline.output_text().contains("two-year warranty"),
        "{}",
        inline.output_text()
    );
    let uploaded = client.upload_file("user_data", "recipes.txt", RECIPES.as_bytes())?;
    let summary = client.create_response(&ResponseCreateRequest::new(
        "gpt-4o-mini",
        vec![user_parts(vec![
            input_text("Summarize this file."),
            InputContent::InputFile {
                detail: None,
                file_data: None,
                file_id: Some(uploaded.id.clone()),
                file_url: None,
                filename: None,
                prompt_cache_breakpoint: None,
            },
        ])],
    ))?;
    assert!(
        summary
            .output_text()
            .starts_with("Summary of recipes.txt: "),
        "{}",
        summary.output_text()
    );

    // Unknown files, unreadable ones and URLs are refused, naming the part.
    let missing = expect_error(
        client.create_response(&ResponseCreateRequest::new(
            "gpt-4o-mini",
            vec![user_parts(vec![InputContent::InputFile {
                detail: None,
                file_data: None,
                file_id: Some("file-missing".into()),
                file_url: None,
                filename: None,
                prompt_cache_breakpoint: None,
            }])],
        )),
        404,
    );
    assert_eq!(
        missing.param.as_deref(),
        Some("input[0].content[0].file_id")
    );
    let binary = expect_error(
        client.create_response(&ResponseCreateRequest::new(
            "gpt-4o-mini",
            vec![user_parts(vec![
                input_text("read"),
                input_file_data("blob.bin", &[0, 159, 146, 150, 1, 2, 3]),
            ])],
        )),
        400,
    );
    assert_eq!(binary.param.as_deref(), Some("input[0].content[1]"));
    let remote = expect_error(
        client.create_response(&ResponseCreateRequest::new(
            "gpt-4o-mini",
            vec![user_parts(vec![InputContent::InputFile {
                detail: None,
                file_data: None,
                file_id: None,
                file_url: Some("https://example.com/a.pdf".into()),
                filename: None,
                prompt_cache_breakpoint: None,
            }])],
        )),
        400,
    );
    assert_eq!(
        remote.param.as_deref(),
        Some("input[0].content[0].file_url")
    );
    Ok(())
}

fn user_parts(parts: Vec<InputContent>) -> InputItem {
    InputItem::EasyInputMessage(EasyInputMessage {
        content: EasyInputMessageContent::InputMessageContentList(InputMessageContentList(parts)),
        phase: None,
        role: EasyInputMessageRole::User,
        type_: Some(EasyInputMessageType::Message),
    })
}

fn input_text(text: &str) -> InputContent {
    InputContent::InputText {
        prompt_cache_breakpoint: None,
        text: text.into(),
    }
}

fn input_file_data(filename: &str, bytes: &[u8]) -> InputContent {
    InputContent::InputFile {
        detail: None,
        file_data: Some(format!(
            "data:application/octet-stream;base64,{}",
            base64(bytes)
        )),
        file_id: None,
        file_url: None,
        filename: Some(filename.into()),
        prompt_cache_breakpoint: None,
    }
}

#[test]
fn a_json_schema_format_gets_a_value_that_fits_it() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let schema = json!({
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "days": {"type": "integer", "minimum": 1},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "note": {"type": "string"},
            "alerts": {"type": "array", "items": {"type": "string"}}
        },
        "required": ["city", "days", "unit", "note", "alerts"],
        "additionalProperties": false
    });
    let request = ResponseCreateRequest {
        text: Some(ResponseTextParam {
            format: Some(TextResponseFormatConfiguration::JsonSchema {
                description: None,
                name: "forecast".into(),
                schema: ResponseFormatJsonSchemaSchema(schema.as_object().unwrap().clone()),
                strict: Some(true),
            }),
            verbosity: None,
        }),
        ..ResponseCreateRequest::text("gpt-4o-mini", "Forecast city=Lyon days=4 in fahrenheit")
    };
    let response = client.create_response(&request)?;
    let value: Value = serde_json::from_str(&response.output_text())?;
    assert_eq!(
        value,
        json!({
            "city": "Lyon", "days": 4, "unit": "fahrenheit",
            "note": "You said: \"Forecast city=Lyon days=4 in fahrenheit\"",
            "alerts": ["You said: \"Forecast city=Lyon days=4 in fahrenheit\""]
        })
    );
    // A bad format name is refused.
    let mut bad = request.clone();
    if let Some(TextResponseFormatConfiguration::JsonSchema { name, .. }) =
        bad.text.as_mut().and_then(|t| t.format.as_mut())
    {
        *name = "no spaces allowed".into();
    }
    let error = expect_error(client.create_response(&bad), 400);
    assert_eq!(error.param.as_deref(), Some("text.format.name"));
    Ok(())
}

#[test]
fn max_output_tokens_makes_an_incomplete_response() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let long = "word ".repeat(40);
    let response = client.create_response(&ResponseCreateRequest {
        max_output_tokens: Some(16),
        ..ResponseCreateRequest::text("gpt-4o-mini", long.trim())
    })?;
    assert_eq!(response.status, Some(ResponseObjectStatus::Incomplete));
    assert_eq!(
        response.incomplete_details.and_then(|d| d.reason),
        Some(ResponseObjectIncompleteDetailsReason::MaxOutputTokens)
    );
    assert_eq!(response.completed_at, None);
    let usage = response.usage.expect("usage");
    assert!(usage.output_tokens <= 16, "{usage:?}");
    let OutputItem::Message {
        status, content, ..
    } = &response.output[0]
    else {
        panic!("a message")
    };
    assert_eq!(*status, OutputMessageStatus::Incomplete);
    let OutputMessageContent::OutputText { text, .. } = &content[0] else {
        panic!("text")
    };
    assert!(text.starts_with("You said: \"word word"), "{text}");
    // Under the API's minimum of 16: refused.
    let error = expect_error(
        client.create_response(&ResponseCreateRequest {
            max_output_tokens: Some(15),
            ..ResponseCreateRequest::text("gpt-4o-mini", "hi")
        }),
        400,
    );
    assert_eq!(error.param.as_deref(), Some("max_output_tokens"));
    Ok(())
}

#[test]
fn input_tokens_counts_what_a_request_would_send() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let count = |request: &ResponseInputTokensRequest| client.get_response_input_tokens(request);
    let short = count(&ResponseInputTokensRequest {
        input: Some(ResponseInputTokensRequestInput::String("hi".into())),
        ..Default::default()
    })?;
    let longer = count(&ResponseInputTokensRequest {
        input: Some(ResponseInputTokensRequestInput::String(
            "hi, this question is a good deal longer".into(),
        )),
        instructions: Some("Answer briefly and politely.".into()),
        ..Default::default()
    })?;
    assert!(short.input_tokens > 0);
    assert!(longer.input_tokens > short.input_tokens);
    // The same count as the usage of the response made from the same input.
    let made = client.create_response(&ResponseCreateRequest {
        instructions: Some("Answer briefly and politely.".into()),
        ..ResponseCreateRequest::text("gpt-4o-mini", "hi, this question is a good deal longer")
    })?;
    assert_eq!(made.usage.expect("usage").input_tokens, longer.input_tokens);
    let error = expect_error(
        count(&ResponseInputTokensRequest {
            previous_response_id: Some("resp_missing".into()),
            ..Default::default()
        }),
        404,
    );
    assert_eq!(error.param.as_deref(), Some("previous_response_id"));
    Ok(())
}

#[test]
fn bad_fields_are_refused_naming_them() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let both = ResponseCreateRequest {
        previous_response_id: Some("resp_x".into()),
        conversation: Some(ConversationParam::String("conv_x".into())),
        ..ResponseCreateRequest::text("gpt-4o-mini", "hi")
    };
    let error = expect_error(client.create_response(&both), 400);
    assert_eq!(error.param.as_deref(), Some("previous_response_id"));
    assert!(error.message.contains("conversation"), "{}", error.message);

    let cases: Vec<(ResponseCreateRequest, &str, u16)> = vec![
        (
            ResponseCreateRequest {
                model: None,
                ..ResponseCreateRequest::text("m", "hi")
            },
            "model",
            400,
        ),
        (
            ResponseCreateRequest {
                input: None,
                ..ResponseCreateRequest::text("m", "hi")
            },
            "input",
            400,
        ),
        (
            ResponseCreateRequest {
                temperature: Some(3.0),
                ..ResponseCreateRequest::text("m", "hi")
            },
            "temperature",
            400,
        ),
        (
            ResponseCreateRequest {
                background: Some(true),
                store: Some(false),
                ..ResponseCreateRequest::text("m", "hi")
            },
            "background",
            400,
        ),
        (
            ResponseCreateRequest {
                include: Some(vec![IncludeEnum::Unknown("everything".into())]),
                ..ResponseCreateRequest::text("m", "hi")
            },
            "include",
            400,
        ),
        (
            ResponseCreateRequest {
                conversation: Some(ConversationParam::String("conv_missing".into())),
                ..ResponseCreateRequest::text("m", "hi")
            },
            "conversation",
            404,
        ),
        (
            ResponseCreateRequest::new(
                "m",
                vec![InputItem::EasyInputMessage(EasyInputMessage {
                    content: EasyInputMessageContent::String("hi".into()),
                    phase: None,
                    role: EasyInputMessageRole::Unknown("robot".into()),
                    type_: None,
                })],
            ),
            "input[0].role",
            400,
        ),
        (
            with_tools(
                ResponseCreateRequest::text("m", "hi"),
                vec![weather(), weather()],
            ),
            "tools[1].name",
            400,
        ),
    ];
    for (request, param, status) in cases {
        let error = expect_error(client.create_response(&request), status);
        assert_eq!(error.param.as_deref(), Some(param), "{}", error.message);
    }
    // A body the SDK's types cannot make: an item of an unknown type.
    let raw = client.send::<Value>(Request::post("/responses").json(&json!({
        "model": "m",
        "input": [{"type": "message", "role": "user", "content": "ok"},
                  {"type": "hologram", "data": 1}]
    }))?);
    let error = expect_error(raw, 400);
    assert_eq!(error.param.as_deref(), Some("input[1].type"));
    Ok(())
}

#[cfg(feature = "pdf")]
#[test]
fn a_pdf_input_is_read_through_its_text_layer() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let pdf = copilot_pdf::render_text_pdf(
        Some("Warranty"),
        "Tents carry a two-year warranty against manufacturing defects.\n\n\
         Shipping is free for orders above fifty euros.",
    )?;
    let ask = |file: InputContent| {
        client.create_response(&ResponseCreateRequest::new(
            "gpt-4o-mini",
            vec![user_parts(vec![
                input_text("How long is the tent warranty?"),
                file,
            ])],
        ))
    };
    let inline = ask(input_file_data("warranty.pdf", &pdf))?;
    assert_eq!(
        inline.output_text(),
        "Tents carry a two-year warranty against manufacturing defects."
    );
    let uploaded = client.upload_file("user_data", "warranty.pdf", pdf)?;
    let by_id = ask(InputContent::InputFile {
        detail: None,
        file_data: None,
        file_id: Some(uploaded.id.clone()),
        file_url: None,
        filename: None,
        prompt_cache_breakpoint: None,
    })?;
    assert_eq!(by_id.output_text(), inline.output_text());
    Ok(())
}

#[cfg(not(feature = "pdf"))]
#[test]
fn a_pdf_input_needs_the_pdf_feature() -> TestResult {
    let server = engine(ms(5));
    let client = client_of(&server);
    let error = expect_error(
        client.create_response(&ResponseCreateRequest::new(
            "gpt-4o-mini",
            vec![user_parts(vec![
                input_text("read it"),
                input_file_data("a.pdf", b"%PDF-1.4\n%%EOF\n"),
            ])],
        )),
        400,
    );
    assert_eq!(error.param.as_deref(), Some("input[0].content[1]"));
    assert!(error.message.contains("`pdf` feature"), "{}", error.message);
    Ok(())
}
