//! Time as the engine sees it: the machine's monotonic clock, or a [`ManualClock`] that moves
//! only when a test advances it. The Unix timestamps of API objects (`created_at`,
//! `expires_at`, ...) derive from the same clock, so they move with it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The longest span the engine handles: a clock advanced further, a step delay or a run
/// expiry longer than this, counts as this (about a thousand years).
pub(crate) const MAX_SPAN: Duration = Duration::from_secs(1000 * 365 * 86_400);

/// A clock that stands still until the test [`advance`](Self::advance)s it. Give it to
/// [`LocalServerBuilder::clock`](crate::LocalServerBuilder::clock): runs, vector-store files
/// and file batches then change status only when the clock passes their next step, and run
/// expiry follows it too, so no assertion races the machine's speed.
///
/// Clones share one time: keep a clone, give the other to the builder.
///
/// ```
/// use std::time::Duration;
/// use openai_local::ManualClock;
///
/// let clock = ManualClock::new();
/// let start = clock.now();
/// clock.clone().advance(Duration::from_secs(90));
/// assert_eq!(clock.elapsed(), Duration::from_secs(90));
/// assert_eq!(clock.now().duration_since(start).unwrap(), Duration::from_secs(90));
/// ```
#[derive(Clone)]
pub struct ManualClock {
    shared: Arc<Manual>,
}

struct Manual {
    /// The monotonic instant the clock started at.
    start: Instant,
    /// The time of day it started at, as a duration since the Unix epoch.
    start_unix: Duration,
    /// How far it has been advanced.
    advanced: Mutex<Duration>,
}

impl std::fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManualClock")
            .field("elapsed", &self.elapsed())
            .finish_non_exhaustive()
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl ManualClock {
    /// A clock showing the current time of day, standing still.
    pub fn new() -> Self {
        Self {
            shared: Arc::new(Manual {
                start: Instant::now(),
                start_unix: unix_time_now(),
                advanced: Mutex::new(Duration::ZERO),
            }),
        }
    }

    /// Moves the clock forward by `by` (the total stops at about a thousand years). Every
    /// server reading the clock sees the new time at its next request.
    pub fn advance(&self, by: Duration) {
        let mut advanced = self
            .shared
            .advanced
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *advanced = advanced.saturating_add(by).min(MAX_SPAN);
    }

    /// How far the clock has been advanced since it was created.
    pub fn elapsed(&self) -> Duration {
        *self
            .shared
            .advanced
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The time of day the clock shows: the time it was created plus everything advanced.
    /// The engine's Unix timestamps are this, in whole seconds.
    pub fn now(&self) -> SystemTime {
        UNIX_EPOCH + self.shared.start_unix + self.elapsed()
    }
}

/// A moment read from the engine's clock: the instant lifecycles compare, and the same moment
/// in Unix seconds for the timestamps of API objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Now {
    pub at: Instant,
    pub unix: i64,
    /// The same moment as a duration since the Unix epoch.
    since_epoch: Duration,
}

impl Now {
    /// The Unix time, in whole seconds, of another instant of the same clock.
    pub fn unix_at(&self, at: Instant) -> i64 {
        let t = if at >= self.at {
            self.since_epoch.saturating_add(at - self.at)
        } else {
            self.since_epoch.saturating_sub(self.at - at)
        };
        secs(t)
    }
}

/// The engine's clock.
#[derive(Clone, Debug)]
pub(crate) enum Clock {
    /// The machine's monotonic clock; Unix times count from the time of day at `start`.
    Monotonic {
        start: Instant,
        start_unix: Duration,
    },
    /// A clock the test moves.
    Manual(ManualClock),
}

impl Clock {
    /// The machine's clock, starting now.
    pub fn monotonic() -> Self {
        Clock::Monotonic {
            start: Instant::now(),
            start_unix: unix_time_now(),
        }
    }

    /// The current moment.
    pub fn now(&self) -> Now {
        let (start, start_unix, elapsed) = match self {
            Clock::Monotonic { start, start_unix } => (*start, *start_unix, start.elapsed()),
            Clock::Manual(m) => (m.shared.start, m.shared.start_unix, m.elapsed()),
        };
        let at = later(start, elapsed);
        let since_epoch = start_unix.saturating_add(at - start);
        Now {
            at,
            unix: secs(since_epoch),
            since_epoch,
        }
    }
}

/// `at + by`, or as close to it as `Instant` can represent (a moment centuries away is never
/// reached anyway).
pub(crate) fn later(at: Instant, by: Duration) -> Instant {
    let mut by = by.min(MAX_SPAN);
    loop {
        if let Some(t) = at.checked_add(by) {
            return t;
        }
        by /= 2;
    }
}

/// Whole seconds of `d`, saturating.
pub(crate) fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

fn unix_time_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced() {
        let manual = ManualClock::new();
        let clock = Clock::Manual(manual.clone());
        let first = clock.now();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(clock.now(), first, "real time does not move it");
        manual.advance(Duration::from_millis(1500));
        let second = clock.now();
        assert_eq!(second.at - first.at, Duration::from_millis(1500));
        assert!((1..=2).contains(&(second.unix - first.unix)), "{second:?}");
        manual.advance(Duration::from_secs(3600));
        assert_eq!(clock.now().unix - second.unix, 3600);
        assert_eq!(second.unix_at(clock.now().at), clock.now().unix);
        assert_eq!(clock.now().unix_at(second.at), second.unix);
    }

    #[test]
    fn huge_spans_saturate_instead_of_panicking() {
        let manual = ManualClock::new();
        manual.advance(Duration::MAX);
        manual.advance(Duration::MAX);
        assert_eq!(manual.elapsed(), MAX_SPAN);
        let now = Clock::Manual(manual).now();
        assert!(now.unix > 1000 * 365 * 86_400);
        let far = later(now.at, Duration::MAX);
        assert!(far >= now.at);
        assert!(now.unix_at(far) >= now.unix);
    }

    #[test]
    fn the_monotonic_clock_tells_the_time_of_day() {
        let now = Clock::monotonic().now();
        assert!((now.unix - secs(unix_time_now())).abs() <= 1);
    }
}
