//! Requests in flight side by side: part summaries and image descriptions.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Runs `work` on every item with at most `limit` calls at once, on scoped threads, and returns
/// the results in the order of `items`, or the first error (by position) once one call failed;
/// after a failure no new call starts.
pub(crate) fn try_map<T: Sync, R: Send, E: Send>(
    items: &[T],
    limit: usize,
    work: impl Fn(&T) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let slots: Vec<Mutex<Option<Result<R, E>>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..limit.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                while !failed.load(Ordering::SeqCst) {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(item) = items.get(index) else { break };
                    let result = work(item);
                    failed.fetch_or(result.is_err(), Ordering::SeqCst);
                    *slots[index].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                }
            });
        }
    });
    let mut out = Vec::with_capacity(items.len());
    let mut first_error = None;
    for slot in slots {
        match slot.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(Ok(value)) => out.push(value),
            Some(Err(e)) => {
                first_error.get_or_insert(e);
            }
            None => {}
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_order_and_the_limit() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let items: Vec<u32> = (0..40).collect();
        let out = try_map(&items, 3, |n| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(1));
            running.fetch_sub(1, Ordering::SeqCst);
            Ok::<_, ()>(n * 2)
        })
        .unwrap();
        assert_eq!(out, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        assert!(peak.load(Ordering::SeqCst) <= 3);
    }

    #[test]
    fn an_error_stops_new_work_and_is_returned() {
        let started = AtomicUsize::new(0);
        let items: Vec<u32> = (0..100).collect();
        let out = try_map(&items, 1, |&n| {
            started.fetch_add(1, Ordering::SeqCst);
            if n == 5 {
                Err("boom")
            } else {
                Ok(n)
            }
        });
        assert_eq!(out, Err("boom"));
        assert_eq!(started.load(Ordering::SeqCst), 6);
        assert_eq!(try_map(&[] as &[u8], 4, |_| Ok::<u8, ()>(0)), Ok(vec![]));
    }
}
