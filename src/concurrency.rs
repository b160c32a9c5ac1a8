//! A small worker pool on scoped threads, for uploads and image descriptions.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Applies `work` to every item with at most `limit` calls in flight and returns the results
/// in the order of `items`. After the first error, or once `stop` answers true, no new call
/// starts; the items never started have `None`.
pub(crate) fn bounded_map<T: Send, R: Send, E: Send>(
    items: Vec<T>,
    limit: usize,
    stop: &(dyn Fn() -> bool + Sync),
    work: impl Fn(T) -> Result<R, E> + Sync,
) -> Vec<Option<Result<R, E>>> {
    let count = items.len();
    let queue = Mutex::new(items.into_iter().enumerate());
    let results: Mutex<Vec<Option<Result<R, E>>>> = Mutex::new((0..count).map(|_| None).collect());
    let failed = AtomicBool::new(false);
    let worker = || loop {
        if failed.load(Ordering::SeqCst) || stop() {
            break;
        }
        // The queue lock is released before the work starts: it only hands out items.
        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
        let Some((index, item)) = next else { break };
        let result = work(item);
        if result.is_err() {
            failed.store(true, Ordering::SeqCst);
        }
        results.lock().unwrap_or_else(|e| e.into_inner())[index] = Some(result);
    };
    std::thread::scope(|scope| {
        for _ in 0..limit.clamp(1, count.max(1)) {
            scope.spawn(worker);
        }
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn results_keep_the_input_order_and_respect_the_limit() {
        let in_flight = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let out = bounded_map((0..40).collect(), 3, &|| false, |n: u64| {
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(1));
            in_flight.fetch_sub(1, Ordering::SeqCst);
            Ok::<_, ()>(n * 2)
        });
        let values: Vec<u64> = out.into_iter().map(|r| r.unwrap().unwrap()).collect();
        assert_eq!(values, (0..40).map(|n| n * 2).collect::<Vec<_>>());
        let peak = peak.load(Ordering::SeqCst);
        assert!((1..=3).contains(&peak), "peak {peak}");
    }

    #[test]
    fn an_error_stops_new_work() {
        let started = AtomicUsize::new(0);
        let out = bounded_map((0..100).collect(), 1, &|| false, |n: u32| {
            started.fetch_add(1, Ordering::SeqCst);
            if n == 5 {
                Err("boom")
            } else {
                Ok(n)
            }
        });
        assert_eq!(started.load(Ordering::SeqCst), 6);
        assert_eq!(out[5], Some(Err("boom")));
        assert!(out[6..].iter().all(Option::is_none));
    }

    #[test]
    fn the_stop_signal_is_obeyed_and_no_items_is_fine() {
        let out = bounded_map(vec![1, 2, 3], 2, &|| true, Ok::<_, ()>);
        assert!(out.iter().all(Option::is_none));
        let none: Vec<Option<Result<u8, ()>>> = bounded_map(Vec::new(), 4, &|| false, Ok);
        assert!(none.is_empty());
    }
}
