//! Throughput of the SDK against the local engine: create-message → create-run-and-wait →
//! read-answer cycles per second through `OpenAIClient`, with one client and with eight
//! threads in parallel.
//!
//! ```text
//! cargo bench --bench sdk_cycles
//! ```
//!
//! As in `engine_cycles` (the same cycle over raw HTTP), the step delay is zero, so a run
//! completes at its first poll: the figures measure the SDK (request building, JSON, the
//! connection pool, polling) and the engine, not waiting. Eight threads are measured twice:
//! sharing clones of one client (one connection pool), and each with a client of its own.

use std::time::{Duration, Instant};

use openai_blocking::types::*;
use openai_blocking::*;
use openai_local::*;

/// Runs `cycles` cycles on a thread of its own; returns how many completed.
fn cycles(client: &OpenAIClient, assistant: &str, cycles: usize) -> usize {
    let thread = client
        .create_thread(&ThreadCreateRequest::default())
        .expect("thread");
    let run = RunCreateRequest::new(assistant);
    for i in 0..cycles {
        let text = format!("cycle {i}");
        client
            .create_thread_message(&thread.id, &ThreadMessageCreateRequest::user(&text))
            .expect("message");
        let done = client.create_run_and_wait(&thread.id, &run).expect("run");
        assert_eq!(done.status, RunResponseStatus::Completed);
        let answer = client
            .get_thread_messages(
                &thread.id,
                Some(&ThreadMessageListQueryParameters {
                    limit: Some(1),
                    ..Default::default()
                }),
            )
            .expect("answer");
        assert_eq!(answer.data[0].text(), format!("You said: \"{text}\""));
    }
    cycles
}

/// A client polling at the same fixed interval as `engine_cycles` (never reached when the
/// step delay is zero).
fn client_of(server: &LocalServer) -> OpenAIClient {
    let mut client = server.client().expect("client");
    client.set_polling_interval(Some(Duration::from_micros(200)));
    client
}

fn report(label: &str, done: usize, start: Instant) {
    let secs = start.elapsed().as_secs_f64();
    println!(
        "sdk_cycles: {label}: {done} cycles in {secs:.2} s = {:.0} cycles/s",
        done as f64 / secs
    );
}

fn main() {
    let server = LocalServer::builder()
        .step_delay(Duration::ZERO)
        .start()
        .expect("start");
    let client = client_of(&server);
    let assistant = client
        .create_assistant(&AssistantCreateRequest::new("local"))
        .expect("assistant")
        .id;
    // Warm up: connections, allocator, page cache.
    cycles(&client, &assistant, 20);

    let start = Instant::now();
    let done = cycles(&client, &assistant, 400);
    report("1 client", done, start);

    for shared in [true, false] {
        let start = Instant::now();
        let done: usize = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..8)
                .map(|_| {
                    let client = if shared {
                        client.clone()
                    } else {
                        client_of(&server)
                    };
                    let assistant = &assistant;
                    scope.spawn(move || cycles(&client, assistant, 100))
                })
                .collect();
            workers.into_iter().map(|w| w.join().expect("worker")).sum()
        });
        let label = if shared {
            "8 threads, one shared client"
        } else {
            "8 threads, a client each"
        };
        report(label, done, start);
    }
}
