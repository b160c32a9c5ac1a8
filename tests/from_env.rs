//! `OpenAIClient::from_env`. Environment variables are process-global, so this binary holds a
//! single test that sets them in sequence.

use httpmock::prelude::*;
use openai_blocking::{Error, OpenAIClient};

const VARS: [&str; 4] = [
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
];

fn set(pairs: &[(&str, &str)]) {
    // Edition 2021: `set_var`/`remove_var` are safe functions; this binary has one test, so
    // no other thread reads the environment meanwhile.
    for name in VARS {
        std::env::remove_var(name);
    }
    for (name, value) in pairs {
        std::env::set_var(name, value);
    }
}

fn config_error(result: Result<OpenAIClient, Error>) -> String {
    match result {
        Err(Error::Config(message)) => message,
        other => panic!("expected Error::Config, got {other:?}"),
    }
}

#[test]
fn from_env_reads_key_base_url_organization_and_project() {
    // No key at all, or a blank one: a typed configuration error naming the variable.
    set(&[]);
    let message = config_error(OpenAIClient::from_env());
    assert!(message.contains("OPENAI_API_KEY"), "{message}");
    set(&[("OPENAI_API_KEY", "   "), ("OPENAI_ORG_ID", "org_1")]);
    let message = config_error(OpenAIClient::from_env());
    assert!(message.contains("OPENAI_API_KEY"), "{message}");

    // All four set: every request goes to the base URL with the key, organization and project.
    let server = MockServer::start();
    let full = server.mock(|when, then| {
        when.method(GET)
            .path("/v1/files/file-1")
            .header("authorization", "Bearer sk-from-env")
            .header("openai-organization", "org_env")
            .header("openai-project", "proj_env");
        then.status(200).json_body(serde_json::json!({
            "id": "file-1", "object": "file", "bytes": 3, "created_at": 1732000000,
            "filename": "a.txt", "purpose": "assistants"
        }));
    });
    let base_url = format!("{}/v1", server.base_url());
    set(&[
        ("OPENAI_API_KEY", "sk-from-env"),
        ("OPENAI_BASE_URL", &base_url),
        ("OPENAI_ORG_ID", "org_env"),
        ("OPENAI_PROJECT_ID", "proj_env"),
    ]);
    let client = OpenAIClient::from_env().unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains("sk-from-env"), "{debug}");
    assert!(debug.contains(&base_url), "{debug}");
    let file = client.get_file("file-1").unwrap();
    assert_eq!(file.filename, "a.txt");
    full.assert();

    // Empty organization and project are treated as unset: no such headers.
    let bare = server.mock(|when, then| {
        when.method(GET)
            .path("/v1/files/file-2")
            .header("authorization", "Bearer sk-other")
            .header_missing("openai-organization")
            .header_missing("openai-project");
        then.status(200).json_body(serde_json::json!({
            "id": "file-2", "object": "file", "bytes": 3, "created_at": 1732000000,
            "filename": "b.txt", "purpose": "assistants"
        }));
    });
    set(&[
        ("OPENAI_API_KEY", "sk-other"),
        ("OPENAI_BASE_URL", &base_url),
        ("OPENAI_ORG_ID", ""),
        ("OPENAI_PROJECT_ID", " "),
    ]);
    let client = OpenAIClient::from_env().unwrap();
    assert_eq!(client.get_file("file-2").unwrap().filename, "b.txt");
    bare.assert();

    // Without OPENAI_BASE_URL the official endpoint is used (checked without a request).
    set(&[("OPENAI_API_KEY", "sk-default")]);
    let debug = format!("{:?}", OpenAIClient::from_env().unwrap());
    assert!(debug.contains("\"https://api.openai.com/v1\""), "{debug}");
    assert!(debug.contains("organization: None"), "{debug}");

    // A malformed base URL is a configuration error that names the variable and says why.
    for (url, why) in [
        ("ftp://example.com", "the scheme must be http or https"),
        ("localhost:8080/v1", "it has no scheme; expected http://"),
        ("http://", "the host is missing"),
        ("https://:8080/v1", "the host is missing"),
    ] {
        set(&[("OPENAI_API_KEY", "sk-x"), ("OPENAI_BASE_URL", url)]);
        let message = config_error(OpenAIClient::from_env());
        assert!(message.contains("OPENAI_BASE_URL"), "{url}: {message}");
        assert!(message.contains(why), "{url}: {message}");
        assert!(message.contains(url), "{url}: {message}");
    }
    set(&[]);
}
