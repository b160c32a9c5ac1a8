//! Parallel clients on one engine: nothing lost, nothing duplicated.

use crate::support::*;

#[test]
fn parallel_clients_lose_and_duplicate_nothing() {
    let server = LocalServer::builder()
        .step_delay(Duration::from_millis(1))
        .start()
        .unwrap();
    let addr = server.addr();
    let asst = id(&Http { addr }.ok("POST", "/v1/assistants", Some(json!({"model": "m"}))));
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let asst = asst.clone();
            std::thread::spawn(move || {
                let http = Http { addr };
                let thread = id(&http.ok("POST", "/v1/threads", None));
                for i in 0..50 {
                    let text = format!("worker {w} message {i}");
                    http.ok(
                        "POST",
                        &format!("/v1/threads/{thread}/messages"),
                        Some(json!({"role": "user", "content": text})),
                    );
                    let run = id(&http.ok(
                        "POST",
                        &format!("/v1/threads/{thread}/runs"),
                        Some(json!({"assistant_id": asst})),
                    ));
                    assert_eq!(http.wait_run(&thread, &run)["status"], "completed");
                }
                let mut texts = Vec::new();
                let mut after = String::new();
                loop {
                    let page = http.ok(
                        "GET",
                        &format!("/v1/threads/{thread}/messages?order=asc&limit=100{after}"),
                        None,
                    );
                    for m in page["data"].as_array().unwrap() {
                        texts.push(
                            m["content"][0]["text"]["value"]
                                .as_str()
                                .unwrap()
                                .to_string(),
                        );
                    }
                    if page["has_more"] != true {
                        break;
                    }
                    after = format!("&after={}", page["last_id"].as_str().unwrap());
                }
                let expected: Vec<String> = (0..50)
                    .flat_map(|i| {
                        let t = format!("worker {w} message {i}");
                        [t.clone(), format!("You said: \"{t}\"")]
                    })
                    .collect();
                assert_eq!(texts, expected);
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
}
