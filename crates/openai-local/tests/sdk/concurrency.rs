//! Eight threads of fifty cycles each on one engine: nothing lost, nothing duplicated.

use crate::support::*;

#[test]
fn eight_threads_fifty_cycles_each_on_one_engine() -> TestResult {
    const THREADS: usize = 8;
    const CYCLES: usize = 50;
    let server = engine(ms(1));
    let client = client_of(&server);
    let assistant = client.create_assistant(&AssistantCreateRequest::new("gpt-4o-mini"))?;
    let started = Instant::now();

    // Each worker owns a conversation; every question carries a token no other has.
    let results: Vec<(String, Vec<(String, String)>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|w| {
                let client = client.clone();
                let assistant = assistant.id.clone();
                scope.spawn(move || -> Result<(String, Vec<(String, String)>), Error> {
                    let thread = client.create_thread(&ThreadCreateRequest::default())?;
                    let mut cycles = Vec::new();
                    for i in 0..CYCLES {
                        let question = format!(
                            "worker {w} cycle {i} token {:08x}",
                            (w * 7919 + i * 104_729) ^ 0x5bd1_e995
                        );
                        client.create_thread_message(
                            &thread.id,
                            &ThreadMessageCreateRequest::user(&question),
                        )?;
                        let run = client
                            .create_run_and_wait(&thread.id, &RunCreateRequest::new(&assistant))?;
                        assert_eq!(
                            run.status,
                            RunResponseStatus::Completed,
                            "{question}: {run:?}"
                        );
                        let answer =
                            client.wait_for_assistant_message(&thread.id, Some(&run.id))?;
                        assert_eq!(
                            answer.text(),
                            format!("You said: \"{question}\""),
                            "the answer to its own question"
                        );
                        cycles.push((run.id, question));
                    }
                    Ok((thread.id, cycles))
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("worker").expect("cycles"))
            .collect()
    });
    let elapsed = started.elapsed();

    // Afterwards, every conversation is whole: question, answer, question, answer... each
    // answer from the run made for it; no message lost, none duplicated, none elsewhere.
    let mut all_messages = HashSet::new();
    let mut all_runs = HashSet::new();
    for (thread, cycles) in &results {
        let messages: Vec<ThreadMessageResponse> = client
            .iter_thread_messages(
                thread,
                Some(ThreadMessageListQueryParameters {
                    order: Some(ListOrder::Asc),
                    limit: Some(100),
                    ..Default::default()
                }),
            )
            .collect::<Result<_, _>>()?;
        assert_eq!(messages.len(), 2 * CYCLES, "{thread}");
        for (pair, (run_id, question)) in messages.chunks(2).zip(cycles) {
            let (asked, answered) = (&pair[0], &pair[1]);
            assert_eq!(
                (asked.role.clone(), asked.text()),
                (ThreadMessageResponseRole::User, question.clone())
            );
            assert_eq!(answered.role, ThreadMessageResponseRole::Assistant);
            assert_eq!(answered.text(), format!("You said: \"{question}\""));
            assert_eq!(answered.run_id.as_deref(), Some(run_id.as_str()));
        }
        all_messages.extend(messages.into_iter().map(|m| m.id));
        let runs: Vec<RunResponse> = client
            .iter_runs(
                thread,
                Some(RunListQueryParameters {
                    order: Some(ListOrder::Asc),
                    limit: Some(100),
                    ..Default::default()
                }),
            )
            .collect::<Result<_, _>>()?;
        let run_ids: Vec<&str> = runs.iter().map(|r| r.id.as_str()).collect();
        let expected: Vec<&str> = cycles.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(run_ids, expected);
        assert!(runs
            .iter()
            .all(|r| r.status == RunResponseStatus::Completed));
        all_runs.extend(runs.into_iter().map(|r| r.id));
    }
    assert_eq!(
        all_messages.len(),
        THREADS * CYCLES * 2,
        "every id unique across threads"
    );
    assert_eq!(all_runs.len(), THREADS * CYCLES);
    eprintln!(
        "{} create-message-run-wait cycles on {THREADS} threads in {elapsed:.2?} ({:.0}/s)",
        THREADS * CYCLES,
        (THREADS * CYCLES) as f64 / elapsed.as_secs_f64()
    );

    // Eight writers on one thread at once: all 400 messages land, each writer's in order.
    let shared = client.create_thread(&ThreadCreateRequest::default())?;
    std::thread::scope(|scope| {
        for w in 0..THREADS {
            let client = client.clone();
            let thread = shared.id.clone();
            scope.spawn(move || {
                for i in 0..CYCLES {
                    client
                        .create_thread_message(
                            &thread,
                            &ThreadMessageCreateRequest::user(format!("{w}:{i}")),
                        )
                        .expect("a message");
                }
            });
        }
    });
    let texts: Vec<String> = client
        .iter_thread_messages(
            &shared.id,
            Some(ThreadMessageListQueryParameters {
                order: Some(ListOrder::Asc),
                limit: Some(100),
                ..Default::default()
            }),
        )
        .map(|m| m.map(|m| m.text()))
        .collect::<Result<_, _>>()?;
    assert_eq!(texts.len(), THREADS * CYCLES);
    assert_eq!(
        texts.iter().collect::<HashSet<_>>().len(),
        THREADS * CYCLES,
        "no duplicate"
    );
    for w in 0..THREADS {
        let mine: Vec<&String> = texts
            .iter()
            .filter(|t| t.starts_with(&format!("{w}:")))
            .collect();
        let expected: Vec<String> = (0..CYCLES).map(|i| format!("{w}:{i}")).collect();
        assert_eq!(
            mine,
            expected.iter().collect::<Vec<_>>(),
            "writer {w} in its own order"
        );
    }
    Ok(())
}
