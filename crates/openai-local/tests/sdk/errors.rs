//! Error paths as the API shapes them: 400 naming the field, 401, 404, the beta header, 413.

use crate::support::*;

/// A raw call through the SDK's transport with a hand-written JSON body: for bodies its
/// typed requests cannot express.
fn raw_post(client: &OpenAIClient, path: &str, body: Value) -> Result<ApiResponse<Value>, Error> {
    client.send(Request::post(path).json(&body)?)
}

/// A call with ureq alone, to send what the SDK always adds (the key, the beta header).
fn bare_get(url: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = agent.get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = request.call().expect("loopback answers");
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().expect("a body");
    (status, serde_json::from_str(&body).expect("JSON"))
}

/// The `error` object of a raw answer, checking its four fields are all there.
fn raw_error(body: &Value) -> ApiError {
    let e = &body["error"];
    for key in ["message", "type", "param", "code"] {
        assert!(e.get(key).is_some(), "no {key} in {body}");
    }
    serde_json::from_value(e.clone()).expect("an OpenAI error object")
}

/// The request number of an `x-request-id` (`req_` and hex).
fn request_number(id: Option<&str>) -> u64 {
    let id = id.expect("a request id");
    u64::from_str_radix(id.trim_start_matches("req_"), 16).expect("hex")
}

#[test]
fn error_paths_through_the_sdk() -> TestResult {
    let server = LocalServer::builder()
        .step_delay(ms(5))
        .api_key("sk-local-right")
        .max_upload_bytes(64 * 1024)
        .start()?;
    let client = client_of(&server);

    // 400 for an invalid body, naming the field: missing, mistyped, unknown tool type.
    for (path, body, param) in [
        ("/assistants", json!({"name": "no model"}), "model"),
        ("/assistants", json!({"model": 42}), "model"),
        (
            "/assistants",
            json!({"model": "m", "tools": [{"type": "browser"}]}),
            "tools[0].type",
        ),
        (
            "/assistants",
            json!({"model": "m", "tools": [{"type": "function"}]}),
            "tools[0].function",
        ),
        (
            "/assistants",
            json!({"model": "m", "temperature": "hot"}),
            "temperature",
        ),
        (
            "/threads",
            json!({"messages": [{"role": "user"}]}),
            "messages[0].content",
        ),
        (
            "/threads",
            json!({"messages": [{"role": "robot", "content": "x"}]}),
            "messages[0].role",
        ),
        ("/vector_stores", json!({"file_ids": "file-1"}), "file_ids"),
        ("/chat/completions", json!({"model": "m"}), "messages"),
        (
            "/chat/completions",
            json!({"model": "m", "messages": [{"role": "wizard", "content": "x"}]}),
            "messages[0].role",
        ),
    ] {
        let e = api_error(raw_post(&client, path, body.clone()));
        assert_eq!(
            (e.status, e.kind()),
            (400, ApiErrorKind::BadRequest),
            "{path} {body}: {e}"
        );
        let error = e.error.as_ref().expect("an error object");
        assert_eq!(error.param.as_deref(), Some(param), "{path} {body}: {e}");
        assert_eq!(error.type_, "invalid_request_error");
    }
    // The same through typed requests that are well-formed JSON but invalid.
    let unknown_tool = AssistantCreateRequest {
        tools: Some(vec![AssistantTool::Unknown(json!({"type": "browser"}))]),
        ..AssistantCreateRequest::new("gpt-4o-mini")
    };
    let error = expect_error(client.create_assistant(&unknown_tool), 400);
    assert_eq!(error.param.as_deref(), Some("tools[0].type"));
    let bad_name = AssistantCreateRequest {
        tools: Some(vec![function_tool(
            "bad name",
            "spaces are not allowed",
            json!({"type": "object"}),
        )]),
        ..AssistantCreateRequest::new("gpt-4o-mini")
    };
    let error = expect_error(client.create_assistant(&bad_name), 400);
    assert_eq!(error.param.as_deref(), Some("tools[0].function.name"));
    let assistant = client.create_assistant(&AssistantCreateRequest::new("gpt-4o-mini"))?;
    let thread = client.create_thread(&ThreadCreateRequest::default())?;
    let hot = RunCreateRequest {
        temperature: Some(3.5),
        ..RunCreateRequest::new(&assistant.id)
    };
    let error = expect_error(client.create_run(&thread.id, &hot), 400);
    assert_eq!(error.param.as_deref(), Some("temperature"));
    let video = ThreadMessageCreateRequest {
        content: ThreadMessageCreateRequestContent::Array(vec![
            MessageRequestContentPart::Unknown(json!({"type": "video", "video": {"url": "x"}})),
        ]),
        ..ThreadMessageCreateRequest::user("")
    };
    let error = expect_error(client.create_thread_message(&thread.id, &video), 400);
    assert_eq!(error.param.as_deref(), Some("content[0].type"));
    let error = expect_error(
        client.create_completion(&CompletionCreateRequest::new("m", Vec::new())),
        400,
    );
    assert_eq!(error.param.as_deref(), Some("messages"));
    let error = expect_error(client.upload_file("homework", "a.txt", "x".as_bytes()), 400);
    assert_eq!(error.param.as_deref(), Some("purpose"));
    let big = api_error(client.upload_file("assistants", "big.bin", vec![7u8; 100 * 1024]));
    assert_eq!(
        (big.status, big.kind()),
        (413, ApiErrorKind::Other),
        "{big}"
    );
    // One upload of a batch refused: the others are deleted again and the error returned.
    let files_before = client.iter_files(None).count();
    let store = client.create_vector_store(&VectorStoreCreateRequest::new("b", Vec::new()))?;
    let result = client
        .waiter()
        .max_concurrency(1)
        .upload_files_to_vector_store_and_wait(
            &store.id,
            [
                FileSource::from_bytes("small-1.txt", "small one".as_bytes()),
                FileSource::from_bytes("big.bin", vec![7u8; 100 * 1024]),
                FileSource::from_bytes("small-2.txt", "small two".as_bytes()),
            ],
        );
    assert_eq!(api_error(result).status, 413);
    assert_eq!(
        client.iter_files(None).count(),
        files_before,
        "nothing left behind"
    );
    assert_eq!(counts(&client.get_vector_store(&store.id)?), [0; 5]);

    // 401: a wrong key through the SDK, no key at all around it.
    let wrong = OpenAIClient::create_with_api_key("sk-wrong")
        .with_base_url(server.base_url())
        .build()?;
    let e = api_error(wrong.get_files(None));
    assert_eq!((e.status, e.kind()), (401, ApiErrorKind::Authentication));
    assert_eq!(
        e.error.as_ref().and_then(|e| e.code.as_deref()),
        Some("invalid_api_key")
    );
    assert!(
        matches!(
            OpenAIClient::create_with_api_key("")
                .with_base_url(server.base_url())
                .build(),
            Err(Error::Config(_))
        ),
        "the SDK never sends an empty key"
    );
    let files_url = format!("{}/files", server.base_url());
    for headers in [
        &[][..],
        &[("Authorization", "Bearer ")],
        &[("Authorization", "Basic c2s6")],
    ] {
        let (status, body) = bare_get(&files_url, headers);
        assert_eq!(status, 401, "{headers:?}: {body}");
        let error = raw_error(&body);
        assert_eq!(error.type_, "invalid_request_error");
        assert!(error.message.contains("Bearer"), "{}", error.message);
    }

    // 404 for unknown ids, with the engine's message, no param and no code; not retried.
    let before = request_number(client.get_files_with_response(None)?.request_id.as_deref());
    let e = api_error(client.get_assistant("asst_nope"));
    assert_eq!((e.status, e.kind()), (404, ApiErrorKind::NotFound));
    assert_eq!(e.message(), "No assistant found with id 'asst_nope'.");
    let error = e.error.as_ref().expect("an error object");
    assert_eq!(
        (error.param.as_deref(), error.code.as_deref()),
        (None, None)
    );
    assert_eq!(error.type_, "invalid_request_error");
    assert_eq!(
        request_number(e.request_id.as_deref()),
        before + 1,
        "one attempt only"
    );
    let after = request_number(client.get_files_with_response(None)?.request_id.as_deref());
    assert_eq!(after, before + 2);
    let message =
        client.create_thread_message(&thread.id, &ThreadMessageCreateRequest::user("hi"))?;
    let run = client.create_run_and_wait(&thread.id, &RunCreateRequest::new(&assistant.id))?;
    let store = client.create_vector_store(&VectorStoreCreateRequest::new("s", Vec::new()))?;
    let not_found: Vec<(&str, Box<ApiErrorResponse>)> = vec![
        ("thread_nope", api_error(client.get_thread("thread_nope"))),
        (
            "thread_nope",
            api_error(client.get_thread_messages("thread_nope", None)),
        ),
        (
            "msg_nope",
            api_error(client.get_thread_message(&thread.id, "msg_nope")),
        ),
        (
            "run_nope",
            api_error(client.get_run(&thread.id, "run_nope")),
        ),
        (
            "run_nope",
            api_error(client.cancel_run(&thread.id, "run_nope")),
        ),
        (
            "step_nope",
            api_error(client.get_run_step(&thread.id, &run.id, "step_nope")),
        ),
        ("file-nope", api_error(client.get_file("file-nope"))),
        ("file-nope", api_error(client.get_file_content("file-nope"))),
        ("vs_nope", api_error(client.get_vector_store("vs_nope"))),
        (
            "file-nope",
            api_error(client.get_vector_store_file(&store.id, "file-nope")),
        ),
        (
            "vsfb_nope",
            api_error(client.get_vector_store_file_batch(&store.id, "vsfb_nope")),
        ),
        (
            "msg_nope",
            api_error(client.delete_thread_message(&thread.id, "msg_nope")),
        ),
    ];
    for (id, e) in &not_found {
        assert_eq!(
            (e.status, e.kind()),
            (404, ApiErrorKind::NotFound),
            "{id}: {e}"
        );
        assert!(e.message().contains(id), "{id}: {e}");
    }
    // The waiting helpers stop at once on a 404.
    let e = api_error(client.wait_for_run_to_complete(&thread.id, "run_nope"));
    assert_eq!(e.status, 404);
    let e = api_error(client.wait_for_vector_store_file_to_complete(&store.id, "file-nope"));
    assert_eq!(e.status, 404);
    // An unknown id inside a body is a 404 naming the field.
    let error = expect_error(
        client.create_run(&thread.id, &RunCreateRequest::new("asst_nope")),
        404,
    );
    assert_eq!(error.param.as_deref(), Some("assistant_id"));
    let error = expect_error(
        client.create_vector_store(&VectorStoreCreateRequest::new(
            "s",
            vec!["file-nope".into()],
        )),
        404,
    );
    assert_eq!(error.param.as_deref(), Some("file_ids[0]"));
    // Ids the SDK refuses before sending anything.
    assert!(matches!(
        client.get_thread(""),
        Err(Error::InvalidArgument {
            name: "thread_id",
            ..
        })
    ));
    assert!(matches!(
        client.get_thread_message(&thread.id, " "),
        Err(Error::InvalidArgument {
            name: "message_id",
            ..
        })
    ));
    assert_eq!(
        client.get_thread_message(&thread.id, &message.id)?.id,
        message.id
    );

    // 400 without `OpenAI-Beta: assistants=v2` on assistants and threads paths.
    let beta = HeaderName::from_static("openai-beta");
    for path in ["/assistants", &format!("/threads/{}", thread.id)] {
        let request =
            Request::get(path).header(beta.clone(), HeaderValue::from_static("assistants=v1"));
        let error = expect_error(client.send::<Value>(request), 400);
        assert_eq!(error.code.as_deref(), Some("invalid_beta"), "{path}");
    }
    let auth = ("Authorization", "Bearer sk-local-right");
    for path in ["assistants", "threads/x/runs"] {
        let (status, body) = bare_get(&format!("{}/{path}", server.base_url()), &[auth]);
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(raw_error(&body).code.as_deref(), Some("invalid_beta"));
    }
    let (status, body) = bare_get(
        &format!("{}/assistants", server.base_url()),
        &[auth, ("OpenAI-Beta", "assistants=v2")],
    );
    assert_eq!(status, 200, "{body}");
    // Files and vector stores do not need it.
    let (status, _) = bare_get(&format!("{}/vector_stores", server.base_url()), &[auth]);
    assert_eq!(status, 200);
    Ok(())
}
