//! Per-call cost of the SDK against a bare ureq call, method of `shared/design/perf-notes.md`:
//! a std-only keep-alive server on 127.0.0.1 answers `POST /threads/t/messages` with a ~1 KB
//! message; 2000 sequential ~300 B JSON bodies per round, decoded on both sides.
//! Run pinned to one core: `cargo bench --bench per_call` under `taskset -c 1`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

use openai_blocking::{ureq, OpenAIClient, Request, ThreadMessageCreateRequest};

const CALLS: u32 = 2000;

fn serve(stream: TcpStream, body: &str) {
    stream.set_nodelay(true).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: req_1\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    );
    loop {
        let mut len = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
        }
        let mut request_body = vec![0; len];
        reader.read_exact(&mut request_body).unwrap();
        out.write_all(response.as_bytes()).unwrap();
    }
}

fn micros_per_call(mut call: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..CALLS {
        call();
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS)
}

fn main() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let message = format!(
        r#"{{"id":"msg_1","object":"thread.message","created_at":1,"thread_id":"t","role":"assistant","content":[{{"type":"text","text":{{"value":"{}","annotations":[]}}}}],"metadata":{{}}}}"#,
        "x".repeat(800)
    );
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let message = message.clone();
            std::thread::spawn(move || serve(stream.unwrap(), &message));
        }
    });

    let payload = serde_json::json!({"role": "user", "content": "y".repeat(250)});
    let url = format!("http://127.0.0.1:{port}/v1/threads/t/messages");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let client = OpenAIClient::create_with_api_key("sk-bench")
        .with_base_url(format!("http://127.0.0.1:{port}/v1"))
        .build()
        .unwrap();

    // A warm-up round, then 9 measured ones; medians are reported.
    let question = ThreadMessageCreateRequest::user("y".repeat(250));
    let (mut bares, mut sends, mut typeds) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..=9 {
        let bare = micros_per_call(|| {
            let bytes = serde_json::to_vec(&payload).unwrap();
            let mut response = agent
                .post(&url)
                .header("content-type", "application/json")
                .header("authorization", "Bearer sk-bench")
                .header("openai-beta", "assistants=v2")
                .send(&bytes[..])
                .unwrap();
            let body = response.body_mut().read_to_vec().unwrap();
            std::hint::black_box(serde_json::from_slice::<serde_json::Value>(&body).unwrap());
        });
        let send = micros_per_call(|| {
            let request = Request::post("/threads/t/messages").json(&payload).unwrap();
            std::hint::black_box(client.send::<serde_json::Value>(request).unwrap());
        });
        // The typed method: a typed request, a typed answer (ThreadMessageResponse).
        let typed = micros_per_call(|| {
            std::hint::black_box(client.create_thread_message("t", &question).unwrap());
        });
        if round > 0 {
            bares.push(bare);
            sends.push(send);
            typeds.push(typed);
        }
    }
    let (bare, send, typed) = (median(bares), median(sends), median(typeds));
    println!("per call, median of 9 rounds of {CALLS} calls:");
    println!("  bare ureq (JSON in, serde_json::Value out)    {bare:6.1} us");
    println!(
        "  sdk send::<Value>                            {send:6.1} us  {:.3}x",
        send / bare
    );
    println!(
        "  sdk create_thread_message (typed in and out)  {typed:6.1} us  {:.3}x",
        typed / bare
    );
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
