//! Every client method against the Prism mock of OpenAI's official OpenAPI document
//! (`../shared/conformance`, see its README): Prism validates each request against the spec
//! and answers `422` with a `validation` list when one breaks it; its placeholder answers must
//! decode into our types.
//!
//! The request bodies and list queries are the fixtures of `tests/shared/requests.rs`, the
//! same ones whose exact JSON the httpmock suite (`tests/api/`) checks on the wire: what the
//! SDK sends is checked once for its bytes and once against the spec. A few calls keep their
//! own smaller requests (no query, an empty body, the page walkers).
//!
//! Every test needs the mock, so every test is `#[ignore]`d and lives in `mod needs_prism`:
//! `cargo test` leaves them out, and CI (`.ci/run` starts Prism) runs them with
//! `cargo test --test conformance -- --ignored needs_prism`. The mock's URL comes from
//! `OPENAI_CONFORMANCE_URL` (default `http://127.0.0.1:4010`; paths are served at the root,
//! without `/v1`). A test that runs and finds no mock there fails, saying so.
//!
//! Each test covers one resource and reports every failing call at its end.

#[path = "shared/requests.rs"]
mod requests;

use std::fmt::Debug;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use openai_blocking::types::*;
use openai_blocking::ureq::http::Uri;
use openai_blocking::*;
use serde_json::Value;

const DEFAULT_URL: &str = "http://127.0.0.1:4010";

/// Collects the outcome of each call of one resource.
struct Conformance {
    client: OpenAIClient,
    checked: Vec<String>,
    failures: Vec<String>,
}

impl Conformance {
    /// A client for the mock; panics, saying why and what to do, when no mock answers.
    fn start(resource: &str) -> Self {
        let url = std::env::var("OPENAI_CONFORMANCE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_URL.to_owned());
        match probe(&url) {
            Ok(client) => Conformance {
                client,
                checked: Vec::new(),
                failures: Vec::new(),
            },
            Err(why) => panic!(
                "conformance ({resource}): no Prism mock of the official spec at {url}: {why}. \
                 Start it with `PRISM_PORT=4010 ../shared/conformance/prism.sh start` (and point \
                 OPENAI_CONFORMANCE_URL at it if it is not on {DEFAULT_URL}), or do not run the \
                 ignored `needs_prism` tests."
            ),
        }
    }

    /// Records one call: any error (a 422 with Prism's validation body, another status, a
    /// body that does not decode) is a failure.
    fn check<T: Debug>(
        &mut self,
        method: impl Into<String>,
        result: Result<T, Error>,
    ) -> Option<T> {
        let method = method.into();
        self.checked.push(method.clone());
        match result {
            Ok(value) => Some(value),
            Err(err) => {
                let detail = match &err {
                    Error::Api(api) => format!("HTTP {}: {}", api.status, api.body),
                    Error::Decode {
                        status, snippet, ..
                    } => format!("HTTP {status}, body does not decode: {err}\n    body: {snippet}"),
                    other => format!("{other}"),
                };
                self.failures.push(format!("{method}: {detail}"));
                None
            }
        }
    }

    /// Records a call that the mock cannot judge for a known reason in the spec: a 422 is
    /// accepted when every validation error lies under `location` (and printed), so the rest
    /// of the request is still checked; any other failure counts.
    fn check_known_gap<T: Debug>(
        &mut self,
        method: &'static str,
        location: &[&str],
        reason: &str,
        result: Result<T, Error>,
    ) {
        if let Err(Error::Api(api)) = &result {
            if api.status == 422 && validation_only_under(&api.body, location) {
                self.checked.push(method.to_owned());
                eprintln!(
                    "conformance: {method}: known gap ({reason}); Prism's errors are all under \
                     {location:?}: {}",
                    api.body
                );
                return;
            }
        }
        self.check(method, result);
    }

    /// Fails with every recorded failure.
    fn finish(self, resource: &str) {
        eprintln!(
            "conformance ({resource}): {} calls: {}",
            self.checked.len(),
            self.checked.join(", ")
        );
        assert!(
            self.failures.is_empty(),
            "conformance ({resource}): {} of {} calls failed:\n  {}",
            self.failures.len(),
            self.checked.len(),
            self.failures.join("\n  ")
        );
    }
}

/// TCP connect, then one listing with a short timeout; the answer must be a file list.
fn probe(url: &str) -> Result<OpenAIClient, String> {
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("OPENAI_CONFORMANCE_URL {url:?} is not a URL: {e}"))?;
    let host = uri.host().ok_or(format!("{url:?} has no host"))?;
    let port = uri.port_u16().unwrap_or(80);
    let addr = (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or(format!("cannot resolve {host}:{port}"))?;
    TcpStream::connect_timeout(&addr, Duration::from_millis(500))
        .map_err(|e| format!("nothing listens on {addr} ({e})"))?;
    let client = OpenAIClient::create_with_api_key("sk-conformance-test")
        .with_base_url(url)
        .with_max_retries(0)
        .with_connect_timeout(Duration::from_secs(2))
        .with_timeout(Duration::from_secs(15))
        .build()
        .map_err(|e| format!("cannot build a client for {url:?}: {e}"))?;
    match client.get_files(None) {
        Ok(list) if list.object == "list" => Ok(client),
        Ok(list) => Err(format!("{url} answers, but not like the mock: {list:?}")),
        Err(err) => Err(format!("{url} answers, but GET /files failed: {err}")),
    }
}

/// Whether Prism's 422 body lists validation errors and all of them start with `location`.
fn validation_only_under(body: &str, location: &[&str]) -> bool {
    let Ok(problem) = serde_json::from_str::<Value>(body) else {
        return false;
    };
    let Some(errors) = problem["validation"].as_array() else {
        return false;
    };
    !errors.is_empty()
        && errors.iter().all(|e| {
            let at: Vec<&str> = e["location"]
                .as_array()
                .map(|l| l.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            at.starts_with(location)
        })
}

/// Walks an `iter_*` to its end; the number of items, or the first error.
///
/// Prism answers some lists with their example page every time (`has_more: true`, the same
/// `last_id`): the SDK asks for the next page once, then stops with `PaginationLoop`. Both
/// requests having been accepted is what is checked, so that ends the walk here.
fn count<T>(iter: impl Iterator<Item = Result<T, Error>>) -> Result<usize, Error> {
    let mut n = 0;
    for item in iter {
        match item {
            Ok(_) => n += 1,
            Err(Error::PaginationLoop { .. }) => break,
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The comparison filters inside a compound filter, at any depth (nested compound filters are
/// untyped JSON in the generated types).
fn comparisons(filter: &CompoundFilter) -> Vec<ComparisonFilter> {
    let mut out = Vec::new();
    for item in &filter.filters {
        match item {
            CompoundFilterFiltersItem::Variant0(comparison) => out.push(comparison.clone()),
            CompoundFilterFiltersItem::Variant1(value) => {
                match serde_json::from_value::<VectorStoreSearchRequestFilters>(value.clone()) {
                    Ok(VectorStoreSearchRequestFilters::ComparisonFilter(comparison)) => {
                        out.push(comparison)
                    }
                    Ok(VectorStoreSearchRequestFilters::CompoundFilter(nested)) => {
                        out.extend(comparisons(&nested))
                    }
                    Err(err) => panic!("not a search filter: {value} ({err})"),
                }
            }
        }
    }
    out
}

/// The tests; each needs the mock (see the module docs), hence the module's name, which
/// `cargo test -- --ignored needs_prism` selects them by.
mod needs_prism {
    use std::io::Read;

    use openai_blocking::types::*;
    use openai_blocking::*;

    use super::{comparisons, count, Conformance};
    use crate::requests::*;

    #[test]
    #[ignore = "needs the Prism mock of the official spec at OPENAI_CONFORMANCE_URL (default http://127.0.0.1:4010; .ci/run starts it)"]
    fn assistants_conform() {
        let mut c = Conformance::start("assistants");
        let client = c.client.clone();
        let create = assistant_create().request;
        c.check("create_assistant", client.create_assistant(&create));
        c.check(
            "create_assistant_with_response",
            client.create_assistant_with_response(&create),
        );
        c.check(
            "create_assistant (with a new vector store)",
            client.create_assistant(&assistant_create_with_new_vector_store().request),
        );
        c.check(
            "get_assistants",
            client.get_assistants(Some(&assistants_query().request)),
        );
        c.check(
            "get_assistants_with_response",
            client.get_assistants_with_response(None),
        );
        c.check("get_assistant", client.get_assistant("asst_abc123"));
        c.check(
            "get_assistant_with_response",
            client.get_assistant_with_response("asst_abc123"),
        );
        let modify = assistant_modify().request;
        c.check(
            "modify_assistant",
            client.modify_assistant("asst_abc123", &modify),
        );
        c.check(
            "modify_assistant_with_response",
            client.modify_assistant_with_response("asst_abc123", &modify),
        );
        c.check(
            "modify_assistant (clearing)",
            client.modify_assistant("asst_abc123", &assistant_modify_clearing().request),
        );
        c.check("delete_assistant", client.delete_assistant("asst_abc123"));
        c.check(
            "delete_assistant_with_response",
            client.delete_assistant_with_response("asst_abc123"),
        );
        c.check(
            "iter_assistants",
            count(client.iter_assistants(Some(AssistantListQueryParameters {
                limit: Some(5),
                order: Some(ListOrder::Desc),
                ..Default::default()
            }))),
        );
        c.finish("assistants");
    }

    #[test]
    #[ignore = "needs the Prism mock of the official spec at OPENAI_CONFORMANCE_URL (default http://127.0.0.1:4010; .ci/run starts it)"]
    fn threads_conform() {
        let mut c = Conformance::start("threads");
        let client = c.client.clone();
        let create = thread_create().request;
        c.check("create_thread", client.create_thread(&create));
        // Empty id lists are sent as `[]`.
        let empty_ids = ThreadCreateRequest {
            tool_resources: Some(ThreadCreateRequestToolResources {
                code_interpreter: Some(ThreadCreateRequestToolResourcesCodeInterpreter {
                    file_ids: Some(vec![]),
                }),
                file_search: None,
            }),
            ..Default::default()
        };
        c.check(
            "create_thread (empty file_ids)",
            client.create_thread(&empty_ids),
        );
        c.check(
            "create_thread_with_response",
            client.create_thread_with_response(&create),
        );
        c.check(
            "create_thread (with vector store ids)",
            client.create_thread(&thread_create_with_vector_store_ids().request),
        );
        c.check(
            "create_thread (empty)",
            client.create_thread(&ThreadCreateRequest::default()),
        );
        c.check("get_thread", client.get_thread("thread_abc123"));
        c.check(
            "get_thread_with_response",
            client.get_thread_with_response("thread_abc123"),
        );
        let modify = thread_modify().request;
        c.check(
            "modify_thread",
            client.modify_thread("thread_abc123", &modify),
        );
        c.check(
            "modify_thread_with_response",
            client.modify_thread_with_response("thread_abc123", &modify),
        );
        c.check(
            "modify_thread (empty)",
            client.modify_thread("thread_abc123", &ThreadModifyRequest::default()),
        );
        c.check("delete_thread", client.delete_thread("thread_abc123"));
        c.check(
            "delete_thread_with_response",
            client.delete_thread_with_response("thread_abc123"),
        );
        let and_run = thread_and_run().request;
        c.check(
            "create_thread_and_run",
            client.create_thread_and_run(&and_run),
        );
        c.check(
            "create_thread_and_run_with_response",
            client.create_thread_and_run_with_response(&and_run),
        );
        c.check(
            "create_thread_and_run (assistant only)",
            client.create_thread_and_run(&RunThreadCreateRequest::new("asst_abc123")),
        );
        c.finish("threads");
    }

    #[test]
    #[ignore = "needs the Prism mock of the official spec at OPENAI_CONFORMANCE_URL (default http://127.0.0.1:4010; .ci/run starts it)"]
    fn messages_conform() {
        let mut c = Conformance::start("messages");
        let client = c.client.clone();
        let create = message_create().request;
        c.check(
            "create_thread_message",
            client.create_thread_message("thread_abc123", &create),
        );
        c.check(
            "create_thread_message_with_response",
            client.create_thread_message_with_response("thread_abc123", &create),
        );
        c.check(
            "create_thread_message (text only)",
            client.create_thread_message(
                "thread_abc123",
                &ThreadMessageCreateRequest::user("What is the return policy?"),
            ),
        );
        c.check(
            "get_thread_messages",
            client.get_thread_messages("thread_abc123", Some(&messages_query().request)),
        );
        c.check(
            "get_thread_messages_with_response",
            client.get_thread_messages_with_response("thread_abc123", None),
        );
        c.check(
            "get_thread_message",
            client.get_thread_message("thread_abc123", "msg_abc123"),
        );
        c.check(
            "get_thread_message_with_response",
            client.get_thread_message_with_response("thread_abc123", "msg_abc123"),
        );
        let modify = message_modify().request;
        c.check(
            "modify_thread_message",
            client.modify_thread_message("thread_abc123", "msg_abc123", &modify),
        );
        c.check(
            "modify_thread_message_with_response",
            client.modify_thread_message_with_response("thread_abc123", "msg_abc123", &modify),
        );
        c.check(
            "delete_thread_message",
            client.delete_thread_message("thread_abc123", "msg_abc123"),
        );
        c.check(
            "delete_thread_message_with_response",
            client.delete_thread_message_with_response("thread_abc123", "msg_abc123"),
        );
        c.check(
            "iter_thread_messages",
            count(client.iter_thread_messages(
                "thread_abc123",
                Some(ThreadMessageListQueryParameters {
                    limit: Some(100),
                    run_id: Some("run_abc123".into()),
                    ..Default::default()
                }),
            )),
        );
        c.finish("messages");
    }

    #[test]
    #[ignore = "needs the Prism mock of the official spec at OPENAI_CONFORMANCE_URL (default http://127.0.0.1:4010; .ci/run starts it)"]
    fn runs_conform() {
        let mut c = Conformance::start("runs");
        let client = c.client.clone();
        let create = run_create().request;
        c.check("create_run", client.create_run("thread_abc123", &create));
        let include = [RunStepInclude::StepDetailsToolCallsFileSearchResultsContent];
        c.check(
            "create_run_including",
            client.create_run_including("thread_abc123", &create, &include),
        );
        c.check(
            "create_run_with_response",
            client.create_run_with_response("thread_abc123", &create),
        );
        c.check(
            "create_run (auto settings)",
            client.create_run("thread_abc123", &run_create_with_auto_settings().request),
        );
        c.check(
            "get_runs",
            client.get_runs("thread_abc123", Some(&runs_query().request)),
        );
        c.check(
            "get_runs_with_response",
            client.get_runs_with_response("thread_abc123", None),
        );
        c.check("get_run", client.get_run("thread_abc123", "run_abc123"));
        c.check(
            "get_run_with_response",
            client.get_run_with_response("thread_abc123", "run_abc123"),
        );
        let modify = run_modify().request;
        c.check(
            "modify_run",
            client.modify_run("thread_abc123", "run_abc123", &modify),
        );
        c.check(
            "modify_run_with_response",
            client.modify_run_with_response("thread_abc123", "run_abc123", &modify),
        );
        c.check(
            "cancel_run",
            client.cancel_run("thread_abc123", "run_abc123"),
        );
        c.check(
            "cancel_run_with_response",
            client.cancel_run_with_response("thread_abc123", "run_abc123"),
        );
        let outputs = submit_tool_outputs().request;
        c.check(
            "submit_tool_outputs",
            client.submit_tool_outputs("thread_abc123", "run_abc123", &outputs),
        );
        c.check(
            "submit_tool_outputs_with_response",
            client.submit_tool_outputs_with_response("thread_abc123", "run_abc123", &outputs),
        );
        c.check(
            "iter_runs",
            count(client.iter_runs(
                "thread_abc123",
                Some(RunListQueryParameters {
                    limit: Some(2),
                    ..Default::default()
                }),
            )),
        );
        c.finish("runs");
    }

    #[test]
    #[ignore = "needs the Prism mock of the official spec at OPENAI_CONFORMANCE_URL (default http://127.0.0.1:4010; .ci/run starts it)"]
    fn run_steps_conform() {
        let mut c = Conformance::start("run steps");
        let client = c.client.clone();
        c.check(
            "get_run_steps",
            client.get_run_steps(
                "thread_abc123",
                "run_abc123",
                Some(&run_steps_query().request),
            ),
        );
        c.check(
            "get_run_steps_with_response",
            client.get_run_steps_with_response("thread_abc123", "run_abc123", None),
        );
        c.check(
            "get_run_step",
            client.get_run_step("thread_abc123", "run_abc123", "step_abc123"),
        );
        c.check(
            "get_run_step_with_response",
            client.get_run_step_with_response("thread_abc123", "run_abc123", "step_abc123"),
        );
        let include = [RunStepInclude::StepDetailsToolCallsFileSearchResultsContent];
        c.check(
            "get_run_step_including",
            client.get_run_step_including("thread_abc123", "run_abc123", "step_abc123", &include),
        );
        c.check(
            "iter_run_steps",
            count(client.iter_run_steps(
                "thread_abc123",
                "run_abc123",
                Some(RunStepListQueryParameters {
                    include: Some(vec![
                        RunStepInclude::StepDetailsToolCallsFileSearchResultsContent,
                    ]),
                    ..Default::default()
                }),
            )),
        );
        c.finish("run steps");
    }

    #[test]
    #[ignore = "needs the Prism mock of the official spec at OPENAI_CONFORMANCE_URL (default http://127.0.0.1:4010; .ci/run starts it)"]
    fn files_conform() {
        let mut c = Conformance::start("files");
        let client = c.client.clone();
        c.check(
            "upload_file",
            client.upload_file(
                "assistants",
                "faq.md",
                b"# FAQ\n\nItems can be returned within 30 days.\n".to_vec(),
            ),
        );
        let expiring = FileUploadRequest::new(
            "batch",
            FileSource::from_bytes("requests.jsonl", &b"{}\n"[..]),
        )
        .expires_after(std::time::Duration::from_secs(7 * 24 * 3600));
        c.check("create_file (expires_after)", client.create_file(expiring));
        let dir = std::env::temp_dir().join(format!("openai-conformance-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("requests.jsonl");
        std::fs::write(&path, "{\"custom_id\":\"1\"}\n").unwrap();
        let from_path = client.upload_file_from_path("batch", &path);
        std::fs::remove_dir_all(&dir).unwrap();
        c.check("upload_file_from_path", from_path);
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let len = png.len() as u64;
        c.check(
            "upload_file_from_reader",
            client.upload_file_from_reader(
                "vision",
                "logo.png",
                std::io::Cursor::new(png),
                Some(len),
            ),
        );
        c.check(
            "upload_file_with_response",
            client.upload_file_with_response(
                "user_data",
                FileSource::from_reader("notes.txt", std::io::Cursor::new(b"notes".to_vec()), None),
            ),
        );
        c.check("get_files", client.get_files(Some(&files_query().request)));
        c.check(
            "get_files_with_response",
            client.get_files_with_response(None),
        );
        c.check("get_file", client.get_file("file-abc123"));
        c.check(
            "get_file_with_response",
            client.get_file_with_response("file-abc123"),
        );
        c.check("get_file_content", client.get_file_content("file-abc123"));
        let streamed = client
            .get_file_content_reader("file-abc123")
            .and_then(|mut r| {
                let mut bytes = Vec::new();
                r.read_to_end(&mut bytes)?;
                Ok(bytes.len())
            });
        c.check("get_file_content_reader", streamed);
        c.check("delete_file", client.delete_file("file-abc123"));
        c.check(
            "delete_file_with_response",
            client.delete_file_with_response("file-abc123"),
        );
        c.check(
            "iter_files",
            count(client.iter_files(Some(FileListQueryParameters {
                purpose: Some("vision".into()),
                ..Default::default()
            }))),
        );
        c.finish("files");
    }

    #[test]
    #[ignore = "needs the Prism mock of the official spec at OPENAI_CONFORMANCE_URL (default http://127.0.0.1:4010; .ci/run starts it)"]
    fn vector_stores_conform() {
        let mut c = Conformance::start("vector stores");
        let client = c.client.clone();
        let create = vector_store_create().request;
        c.check("create_vector_store", client.create_vector_store(&create));
        c.check(
            "create_vector_store_with_response",
            client.create_vector_store_with_response(&create),
        );
        c.check(
            "create_vector_store (auto chunking)",
            client.create_vector_store(&vector_store_create_with_auto_chunking().request),
        );
        c.check(
            "get_vector_stores",
            client.get_vector_stores(Some(&vector_stores_query().request)),
        );
        c.check(
            "get_vector_stores_with_response",
            client.get_vector_stores_with_response(None),
        );
        c.check("get_vector_store", client.get_vector_store("vs_abc123"));
        c.check(
            "get_vector_store_with_response",
            client.get_vector_store_with_response("vs_abc123"),
        );
        let modify = vector_store_modify().request;
        c.check(
            "modify_vector_store",
            client.modify_vector_store("vs_abc123", &modify),
        );
        c.check(
            "modify_vector_store_with_response",
            client.modify_vector_store_with_response("vs_abc123", &modify),
        );
        c.check(
            "modify_vector_store (clearing)",
            client.modify_vector_store("vs_abc123", &vector_store_modify_clearing().request),
        );
        c.check(
            "delete_vector_store",
            client.delete_vector_store("vs_abc123"),
        );
        c.check(
            "delete_vector_store_with_response",
            client.delete_vector_store_with_response("vs_abc123"),
        );
        // The spec's CompoundFilter lists its items as `oneOf: [ComparisonFilter, {$recursiveRef:
        // "#"}]`, and Prism's validator ignores `$recursiveRef`. As published, every item then
        // matches both branches and any non-empty compound filter is refused ("must match exactly
        // one schema in oneOf"): a 422 under `filters` is accepted as a known gap. With the
        // harness's oneOf-as-anyOf patch the filter is accepted, but its items are not checked at
        // all (the recursive branch matches anything). Either way, each comparison inside it, at
        // any depth, is then sent alone as the search's filter, which Prism does check.
        let search = vector_store_search().request;
        c.check_known_gap(
            "search_vector_store",
            &["body", "filters"],
            "Prism cannot follow CompoundFilter's $recursiveRef",
            client.search_vector_store("vs_abc123", &search),
        );
        c.check_known_gap(
            "search_vector_store_with_response",
            &["body", "filters"],
            "Prism cannot follow CompoundFilter's $recursiveRef",
            client.search_vector_store_with_response("vs_abc123", &search),
        );
        let Some(VectorStoreSearchRequestFilters::CompoundFilter(compound)) = &search.filters
        else {
            panic!(
                "the search fixture has no compound filter: {:?}",
                search.filters
            );
        };
        for comparison in comparisons(compound) {
            let name = format!(
                "search_vector_store (the compound filter's comparison on {:?})",
                comparison.key
            );
            let alone = VectorStoreSearchRequest {
                filters: Some(VectorStoreSearchRequestFilters::ComparisonFilter(
                    comparison,
                )),
                ..search.clone()
            };
            c.check(name, client.search_vector_store("vs_abc123", &alone));
        }
        c.check(
            "search_vector_store (comparison filter)",
            client.search_vector_store("vs_abc123", &vector_store_search_comparison().request),
        );
        c.check("iter_vector_stores", count(client.iter_vector_stores(None)));
        c.finish("vector stores");
    }

    #[test]
    #[ignore = "needs the Prism mock of the official spec at OPENAI_CONFORMANCE_URL (default http://127.0.0.1:4010; .ci/run starts it)"]
    fn vector_store_files_conform() {
        let mut c = Conformance::start("vector store files");
        let client = c.client.clone();
        let create = vector_store_file_create().request;
        c.check(
            "create_vector_store_file",
            client.create_vector_store_file("vs_abc123", &create),
        );
        c.check(
            "create_vector_store_file_with_response",
            client.create_vector_store_file_with_response("vs_abc123", &create),
        );
        c.check(
            "create_vector_store_file (file id only)",
            client.create_vector_store_file(
                "vs_abc123",
                &VectorStoreFileCreateRequest::new("file-Q2r"),
            ),
        );
        c.check(
            "get_vector_store_files",
            client.get_vector_store_files("vs_abc123", Some(&vector_store_files_query().request)),
        );
        c.check(
            "get_vector_store_files_with_response",
            client.get_vector_store_files_with_response("vs_abc123", None),
        );
        c.check(
            "get_vector_store_file",
            client.get_vector_store_file("vs_abc123", "file-9Xy"),
        );
        c.check(
            "get_vector_store_file_with_response",
            client.get_vector_store_file_with_response("vs_abc123", "file-9Xy"),
        );
        let modify = vector_store_file_modify().request;
        c.check(
            "modify_vector_store_file",
            client.modify_vector_store_file("vs_abc123", "file-9Xy", &modify),
        );
        // Required and nullable: unset, `attributes` is sent as `null`.
        c.check(
            "modify_vector_store_file (attributes null)",
            client.modify_vector_store_file(
                "vs_abc123",
                "file-9Xy",
                &VectorStoreFileModifyRequest::default(),
            ),
        );
        c.check(
            "modify_vector_store_file_with_response",
            client.modify_vector_store_file_with_response("vs_abc123", "file-9Xy", &modify),
        );
        c.check(
            "delete_vector_store_file",
            client.delete_vector_store_file("vs_abc123", "file-9Xy"),
        );
        c.check(
            "delete_vector_store_file_with_response",
            client.delete_vector_store_file_with_response("vs_abc123", "file-9Xy"),
        );
        c.check(
            "iter_vector_store_files",
            count(client.iter_vector_store_files(
                "vs_abc123",
                Some(VectorStoreFileListQueryParameters {
                    filter: Some(VectorStoreFileStatusFilter::Completed),
                    ..Default::default()
                }),
            )),
        );
        c.finish("vector store files");
    }

    #[test]
    #[ignore = "needs the Prism mock of the official spec at OPENAI_CONFORMANCE_URL (default http://127.0.0.1:4010; .ci/run starts it)"]
    fn file_batches_conform() {
        let mut c = Conformance::start("file batches");
        let client = c.client.clone();
        let create = file_batch_create().request;
        c.check(
            "create_vector_store_file_batch",
            client.create_vector_store_file_batch("vs_abc123", &create),
        );
        c.check(
            "create_vector_store_file_batch_with_response",
            client.create_vector_store_file_batch_with_response("vs_abc123", &create),
        );
        c.check(
            "create_vector_store_file_batch (per-file settings)",
            client
                .create_vector_store_file_batch("vs_abc123", &file_batch_create_per_file().request),
        );
        c.check(
            "get_vector_store_file_batch",
            client.get_vector_store_file_batch("vs_abc123", "vsfb_abc123"),
        );
        c.check(
            "get_vector_store_file_batch_with_response",
            client.get_vector_store_file_batch_with_response("vs_abc123", "vsfb_abc123"),
        );
        c.check(
            "cancel_vector_store_file_batch",
            client.cancel_vector_store_file_batch("vs_abc123", "vsfb_abc123"),
        );
        c.check(
            "cancel_vector_store_file_batch_with_response",
            client.cancel_vector_store_file_batch_with_response("vs_abc123", "vsfb_abc123"),
        );
        c.check(
            "get_vector_store_file_batch_files",
            client.get_vector_store_file_batch_files(
                "vs_abc123",
                "vsfb_abc123",
                Some(&file_batch_files_query().request),
            ),
        );
        c.check(
            "get_vector_store_file_batch_files_with_response",
            client.get_vector_store_file_batch_files_with_response(
                "vs_abc123",
                "vsfb_abc123",
                None,
            ),
        );
        c.check(
            "iter_vector_store_file_batch_files",
            count(client.iter_vector_store_file_batch_files(
                "vs_abc123",
                "vsfb_abc123",
                Some(VectorStoreFileBatchFileListQueryParameters {
                    filter: Some(VectorStoreFileStatusFilter::Cancelled),
                    ..Default::default()
                }),
            )),
        );
        c.finish("file batches");
    }

    #[test]
    #[ignore = "needs the Prism mock of the official spec at OPENAI_CONFORMANCE_URL (default http://127.0.0.1:4010; .ci/run starts it)"]
    fn chat_conforms() {
        let mut c = Conformance::start("chat");
        let client = c.client.clone();
        let create = chat_completion().request;
        c.check("create_completion", client.create_completion(&create));
        c.check(
            "create_completion_with_response",
            client.create_completion_with_response(&create),
        );
        // A function message without content sends `"content": null` (required, nullable).
        let function_result = CompletionCreateRequest::new(
            "gpt-4o",
            vec![
                ChatCompletionRequestMessage::user("Run the check."),
                ChatCompletionRequestMessage::Function {
                    content: None,
                    name: "run_check".into(),
                },
            ],
        );
        c.check(
            "create_completion (function message without content)",
            client.create_completion(&function_result),
        );
        c.check(
            "create_completion (allowed tools)",
            client.create_completion(&chat_completion_allowed_tools().request),
        );
        c.check(
            "create_completion (custom tool)",
            client.create_completion(&chat_completion_custom_tool().request),
        );
        c.check(
            "create_completion (model and one message)",
            client.create_completion(&CompletionCreateRequest::new(
                "gpt-4o-mini",
                vec![ChatCompletionRequestMessage::user("Hi")],
            )),
        );
        c.finish("chat");
    }

    #[test]
    #[ignore = "needs the Prism mock of the official spec at OPENAI_CONFORMANCE_URL (default http://127.0.0.1:4010; .ci/run starts it)"]
    fn responses_conform() {
        let mut c = Conformance::start("responses");
        let client = c.client.clone();
        let create = response_create().request;
        c.check("create_response", client.create_response(&create));
        c.check(
            "create_response_with_response",
            client.create_response_with_response(&create),
        );
        c.check(
            "create_response (in a conversation)",
            client.create_response(&response_create_in_conversation().request),
        );
        c.check(
            "create_response (constructors)",
            client.create_response(&response_create_with_constructors().request),
        );
        c.check(
            "create_response (text)",
            client.create_response(&response_create_text().request),
        );
        let query = response_get_query().request;
        c.check(
            "get_response",
            client.get_response("resp_abc123", Some(&query)),
        );
        c.check(
            "get_response_with_response",
            client.get_response_with_response("resp_abc123", None),
        );
        c.check("cancel_response", client.cancel_response("resp_abc123"));
        c.check(
            "cancel_response_with_response",
            client.cancel_response_with_response("resp_abc123"),
        );
        c.check("delete_response", client.delete_response("resp_abc123"));
        c.check(
            "delete_response_with_response",
            client.delete_response_with_response("resp_abc123"),
        );
        c.check(
            "get_response_input_items",
            client.get_response_input_items(
                "resp_abc123",
                Some(&response_input_items_query().request),
            ),
        );
        c.check(
            "get_response_input_items_with_response",
            client.get_response_input_items_with_response("resp_abc123", None),
        );
        c.check(
            "iter_response_input_items",
            count(client.iter_response_input_items(
                "resp_abc123",
                Some(ResponseInputItemListQueryParameters {
                    limit: Some(5),
                    order: Some(ListOrder::Desc),
                    ..Default::default()
                }),
            )),
        );
        let tokens = response_input_tokens().request;
        c.check(
            "get_response_input_tokens",
            client.get_response_input_tokens(&tokens),
        );
        c.check(
            "get_response_input_tokens_with_response",
            client.get_response_input_tokens_with_response(&tokens),
        );
        c.check(
            "get_response_input_tokens (empty)",
            client.get_response_input_tokens(&ResponseInputTokensRequest::default()),
        );
        let compact = response_compact().request;
        c.check("compact_response", client.compact_response(&compact));
        c.check(
            "compact_response_with_response",
            client.compact_response_with_response(&compact),
        );
        c.check(
            "compact_response (previous response)",
            client.compact_response(&response_compact_previous().request),
        );
        c.finish("responses");
    }

    #[test]
    #[ignore = "needs the Prism mock of the official spec at OPENAI_CONFORMANCE_URL (default http://127.0.0.1:4010; .ci/run starts it)"]
    fn conversations_conform() {
        let mut c = Conformance::start("conversations");
        let client = c.client.clone();
        let create = conversation_create().request;
        c.check("create_conversation", client.create_conversation(&create));
        c.check(
            "create_conversation_with_response",
            client.create_conversation_with_response(&create),
        );
        c.check(
            "create_conversation (empty)",
            client.create_conversation(&ConversationCreateRequest::default()),
        );
        c.check("get_conversation", client.get_conversation("conv_123"));
        c.check(
            "get_conversation_with_response",
            client.get_conversation_with_response("conv_123"),
        );
        let modify = conversation_modify().request;
        c.check(
            "modify_conversation",
            client.modify_conversation("conv_123", &modify),
        );
        c.check(
            "modify_conversation_with_response",
            client.modify_conversation_with_response("conv_123", &modify),
        );
        // Required and nullable: unset, `metadata` is sent as `null`.
        c.check(
            "modify_conversation (metadata null)",
            client.modify_conversation("conv_123", &ConversationModifyRequest::default()),
        );
        c.check(
            "delete_conversation",
            client.delete_conversation("conv_123"),
        );
        c.check(
            "delete_conversation_with_response",
            client.delete_conversation_with_response("conv_123"),
        );
        let items = conversation_items_create().request;
        let include = conversation_items_create_query().request;
        c.check(
            "create_conversation_items",
            client.create_conversation_items("conv_123", &items, Some(&include)),
        );
        c.check(
            "create_conversation_items_with_response",
            client.create_conversation_items_with_response("conv_123", &items, None),
        );
        c.check(
            "get_conversation_items",
            client.get_conversation_items("conv_123", Some(&conversation_items_query().request)),
        );
        c.check(
            "get_conversation_items_with_response",
            client.get_conversation_items_with_response("conv_123", None),
        );
        let include = conversation_item_get_query().request;
        c.check(
            "get_conversation_item",
            client.get_conversation_item("conv_123", "msg_abc", Some(&include)),
        );
        c.check(
            "get_conversation_item_with_response",
            client.get_conversation_item_with_response("conv_123", "msg_abc", None),
        );
        c.check(
            "delete_conversation_item",
            client.delete_conversation_item("conv_123", "msg_abc"),
        );
        c.check(
            "delete_conversation_item_with_response",
            client.delete_conversation_item_with_response("conv_123", "msg_abc"),
        );
        c.check(
            "iter_conversation_items",
            count(client.iter_conversation_items(
                "conv_123",
                Some(ConversationItemListQueryParameters {
                    limit: Some(100),
                    order: Some(ListOrder::Asc),
                    ..Default::default()
                }),
            )),
        );
        c.finish("conversations");
    }

    #[test]
    #[ignore = "needs the Prism mock of the official spec at OPENAI_CONFORMANCE_URL (default http://127.0.0.1:4010; .ci/run starts it)"]
    fn models_conform() {
        let mut c = Conformance::start("models");
        let client = c.client.clone();
        c.check("get_models", client.get_models());
        c.check(
            "get_models_with_response",
            client.get_models_with_response(),
        );
        c.check("get_model", client.get_model("gpt-4o-mini"));
        c.check(
            "get_model (fine-tuned id)",
            client.get_model("ft:gpt-4o-mini-2024-07-18:acme:returns:9XyZ1aBc"),
        );
        c.check(
            "get_model_with_response",
            client.get_model_with_response("gpt-4o-mini"),
        );
        c.finish("models");
    }

    #[test]
    #[ignore = "needs the Prism mock of the official spec at OPENAI_CONFORMANCE_URL (default http://127.0.0.1:4010; .ci/run starts it)"]
    fn embeddings_conform() {
        let mut c = Conformance::start("embeddings");
        let client = c.client.clone();
        let create = embedding_create().request;
        c.check("create_embedding", client.create_embedding(&create));
        c.check(
            "create_embedding_with_response",
            client.create_embedding_with_response(&create),
        );
        c.check(
            "create_embedding (batch)",
            client.create_embedding(&embedding_create_batch().request),
        );
        // Prism answers with its float placeholder whatever the format asked, so this decodes
        // here; a real base64 answer does not (see tests/api/embeddings.rs).
        c.check(
            "create_embedding (token arrays, base64)",
            client.create_embedding(&embedding_create_tokens().request),
        );
        c.check(
            "create_embedding (one token array)",
            client.create_embedding(&EmbeddingCreateRequest {
                input: EmbeddingCreateRequestInput::Variant2(vec![9906, 1917]),
                ..EmbeddingCreateRequest::new("text-embedding-3-small", "")
            }),
        );
        c.finish("embeddings");
    }

    #[test]
    #[ignore = "needs the Prism mock of the official spec at OPENAI_CONFORMANCE_URL (default http://127.0.0.1:4010; .ci/run starts it)"]
    fn moderations_conform() {
        let mut c = Conformance::start("moderations");
        let client = c.client.clone();
        let create = moderation_create().request;
        c.check("create_moderation", client.create_moderation(&create));
        c.check(
            "create_moderation_with_response",
            client.create_moderation_with_response(&create),
        );
        c.check(
            "create_moderation (text and image)",
            client.create_moderation(&moderation_create_multimodal().request),
        );
        c.check(
            "create_moderation (several texts)",
            client.create_moderation(&moderation_create_texts().request),
        );
        c.finish("moderations");
    }

    /// The mock really validates: one request per area that breaks the spec must get a 422
    /// (otherwise a broken harness would let every conformance test pass).
    #[test]
    #[ignore = "needs the Prism mock of the official spec at OPENAI_CONFORMANCE_URL (default http://127.0.0.1:4010; .ci/run starts it)"]
    fn mock_rejects_requests_that_break_the_spec() {
        let mut c = Conformance::start("negative controls");
        let client = c.client.clone();
        let mut expect_422 = |what: &'static str, result: Result<(), Error>| match result {
            Err(Error::Api(api)) if api.status == 422 => c.checked.push(what.to_owned()),
            other => c.failures.push(format!(
                "{what}: expected a 422 from the mock, got {other:?}"
            )),
        };
        let too_hot = AssistantCreateRequest {
            temperature: Some(3.5),
            ..AssistantCreateRequest::new("gpt-4o")
        };
        expect_422(
            "create_assistant with temperature 3.5",
            client.create_assistant(&too_hot).map(drop),
        );
        let bad_truncation = RunCreateRequest {
            truncation_strategy: Some(TruncationObject {
                type_: TruncationObjectType::Unknown("everything".into()),
                last_messages: None,
            }),
            ..RunCreateRequest::new("asst_1")
        };
        expect_422(
            "create_run with an unknown truncation type",
            client.create_run("thread_1", &bad_truncation).map(drop),
        );
        expect_422(
            "create_completion without messages",
            client
                .create_completion(&CompletionCreateRequest::new("gpt-4o", Vec::new()))
                .map(drop),
        );
        expect_422(
            "upload_file with an unknown purpose",
            client
                .upload_file("nonsense", "a.txt", b"x".to_vec())
                .map(drop),
        );
        let tiny_chunks = VectorStoreFileCreateRequest {
            chunking_strategy: Some(ChunkingStrategyRequestParam::Static(
                StaticChunkingStrategy {
                    max_chunk_size_tokens: 50,
                    chunk_overlap_tokens: 10,
                },
            )),
            ..VectorStoreFileCreateRequest::new("file-1")
        };
        expect_422(
            "create_vector_store_file with 50-token chunks",
            client
                .create_vector_store_file("vs_1", &tiny_chunks)
                .map(drop),
        );
        let bad_include = RunStepListQueryParameters {
            include: Some(vec![RunStepInclude::Unknown(
                "step_details.everything".into(),
            )]),
            ..Default::default()
        };
        expect_422(
            "get_run_steps with an unknown include[]",
            client
                .get_run_steps("thread_1", "run_1", Some(&bad_include))
                .map(drop),
        );
        let bad_order = FileListQueryParameters {
            order: Some(ListOrder::Unknown("sideways".into())),
            ..Default::default()
        };
        expect_422(
            "get_files with order=sideways",
            client.get_files(Some(&bad_order)).map(drop),
        );
        c.finish("negative controls");
    }
}
