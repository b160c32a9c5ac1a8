//! When to retry and how long to wait: the server's `retry-after-ms` / `retry-after`, else
//! exponential backoff with jitter.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ureq::http::HeaderMap;

use crate::errors::header_str;

/// Upper bound of the exponential backoff.
pub(crate) const MAX_RETRY_DELAY: Duration = Duration::from_secs(8);

/// The longest wait a server may ask for with `retry-after-ms` / `retry-after` and be obeyed:
/// a longer one ends the retries and the error is returned at once. This is openai-python's
/// rule (`MAX_RETRY_AFTER_DELAY`, two minutes) since 2.52.0 (PR #3555), unchanged in 3.3.1.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// The server-requested wait: `retry-after-ms` (milliseconds), else `retry-after` (seconds or
/// an HTTP date), as openai-python reads them.
///
/// - `None`: absent, not a number or a date, zero, negative, `inf`, `nan`, or a date not in
///   the future; the caller falls back to the exponential backoff.
/// - `Some(wait)`: a positive wait. Above [`MAX_RETRY_AFTER`] it ends the retries; a number
///   too large for a float (`1e400`) is such a wait and comes back as `Duration::MAX`.
///
/// A `retry-after-ms` that is a number (even zero, negative or non-finite) decides alone;
/// only one that is not a number lets `retry-after` speak.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(ms) = header_str(headers, "retry-after-ms").and_then(parse_number) {
        return ms.seconds(1000.0);
    }
    let value = header_str(headers, "retry-after")?;
    if let Some(secs) = parse_number(value) {
        return secs.seconds(1.0);
    }
    parse_http_date(value)?
        .duration_since(now)
        .ok()
        .filter(|wait| !wait.is_zero())
}

/// A header value read as a number.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Number {
    /// A finite number.
    Finite(f64),
    /// Digits whose value overflowed a float (`1e400`, `-1e400`): a wait too long to honour
    /// when positive.
    Overflow { negative: bool },
    /// `inf`, `infinity` or `nan` written as words: not a wait.
    NotFinite,
}

impl Number {
    /// The wait this number of `unit`ths of a second asks for (see [`retry_after`]).
    fn seconds(self, unit: f64) -> Option<Duration> {
        match self {
            Number::Finite(n) if n > 0.0 => {
                Some(Duration::try_from_secs_f64(n / unit).unwrap_or(Duration::MAX))
            }
            Number::Overflow { negative: false } => Some(Duration::MAX),
            _ => None,
        }
    }
}

fn parse_number(value: &str) -> Option<Number> {
    let value = value.trim();
    let n = value.parse::<f64>().ok()?;
    Some(if n.is_finite() {
        Number::Finite(n)
    } else if n.is_infinite() && value.bytes().any(|b| b.is_ascii_digit()) {
        Number::Overflow { negative: n < 0.0 }
    } else {
        Number::NotFinite
    })
}

/// Parse an RFC 1123 date such as `Sun, 06 Nov 1994 08:49:37 GMT` (weekday optional).
fn parse_http_date(value: &str) -> Option<SystemTime> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let value = value.trim();
    let rest = value.split_once(',').map_or(value, |(_, rest)| rest);
    let mut parts = rest.split_whitespace();
    let day: i64 = parts.next()?.parse().ok()?;
    let month_name = parts.next()?;
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month_name))? as i64
        + 1;
    let year: i64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|p| p.parse::<i64>().ok());
    let (hour, minute, second) = (clock.next()??, clock.next()??, clock.next()??);
    let zone_ok = matches!(parts.next(), Some("GMT" | "UTC" | "+0000"));
    let valid = zone_ok
        && clock.next().is_none()
        && parts.next().is_none()
        && (1970..=9999).contains(&year)
        && (1..=31).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0..=60).contains(&second);
    if !valid {
        return None;
    }
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Some(UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `min(base * 2^attempt, 8 s)` reduced by up to 25 %; `unit` is uniform in `[0, 1)`.
pub(crate) fn backoff(base: Duration, attempt: u32, unit: f64) -> Duration {
    let exponential = base.as_secs_f64() * 2f64.powi(attempt.min(64) as i32);
    let capped = exponential.min(MAX_RETRY_DELAY.as_secs_f64());
    Duration::from_secs_f64(capped * (1.0 - 0.25 * unit))
}

/// 64 random bits from the standard library: each `RandomState` is keyed from the operating
/// system's random source (then from a per-thread counter), and a global counter makes every
/// call hash a different value.
pub(crate) fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

/// A pseudo-random float uniform in `[0, 1)`.
pub(crate) fn random_unit() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT` as a `SystemTime`.
    fn nov_1994() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(784_111_777)
    }

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(nov_1994())
        );
        assert_eq!(
            parse_http_date("06 Nov 1994 08:49:37 GMT"),
            Some(nov_1994())
        );
        assert_eq!(
            parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(UNIX_EPOCH)
        );
        assert_eq!(
            parse_http_date("Tue, 29 Feb 2028 12:00:00 GMT"),
            Some(UNIX_EPOCH + Duration::from_secs(1_835_438_400))
        );
        for bad in [
            "",
            "garbage",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "Sun, 06 Nov 99999999999999 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn retry_after_table() {
        let now = nov_1994();
        let ms = Duration::from_millis;
        let max = Some(Duration::MAX);
        type Case<'a> = (&'a [(&'static str, &'a str)], Option<Duration>);
        let cases: &[Case] = &[
            (&[], None),
            (&[("retry-after-ms", "100")], Some(ms(100))),
            (
                &[("retry-after-ms", "1.5")],
                Some(Duration::from_micros(1500)),
            ),
            (&[("retry-after", "2")], Some(ms(2000))),
            (&[("retry-after", " 0.5 ")], Some(ms(500))),
            (&[("retry-after", "20")], Some(ms(20_000))),
            (&[("retry-after", "61")], Some(ms(61_000))),
            (&[("retry-after", "120")], Some(ms(120_000))),
            (&[("retry-after", "121")], Some(ms(121_000))),
            (&[("retry-after", "1e9")], Some(ms(1_000_000_000_000))),
            // A numeric overflow is a (very) long wait; words are not numbers of seconds.
            (&[("retry-after", "1e400")], max),
            (&[("retry-after-ms", "1e400")], max),
            (&[("retry-after", "-1e400")], None),
            (&[("retry-after", "0")], None),
            (&[("retry-after", "-10")], None),
            (&[("retry-after", "inf")], None),
            (&[("retry-after", "-inf")], None),
            (&[("retry-after", "Infinity")], None),
            (&[("retry-after", "nan")], None),
            (&[("retry-after", "garbage")], None),
            (&[("retry-after", "")], None),
            (
                &[("retry-after", "Sun, 06 Nov 1994 08:49:40 GMT")],
                Some(ms(3000)),
            ),
            (&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")], None),
            (&[("retry-after", "Fri, 01 Jan 1971 00:00:00 GMT")], None),
            (
                &[("retry-after", "Fri, 01 Jan 2100 00:00:00 GMT")],
                Some(ms((4_102_444_800 - 784_111_777) * 1000)),
            ),
            // retry-after-ms decides whenever it is a number, else retry-after is used.
            (
                &[("retry-after-ms", "200"), ("retry-after", "5")],
                Some(ms(200)),
            ),
            (
                &[("retry-after-ms", "junk"), ("retry-after", "5")],
                Some(ms(5000)),
            ),
            (&[("retry-after-ms", "0"), ("retry-after", "5")], None),
            (&[("retry-after-ms", "nan"), ("retry-after", "5")], None),
            (&[("retry-after-ms", "-1"), ("retry-after", "5")], None),
        ];
        for (pairs, expected) in cases {
            assert_eq!(retry_after(&headers(pairs), now), *expected, "{pairs:?}");
        }
    }

    #[test]
    fn backoff_bounds() {
        let base = Duration::from_millis(500);
        let ms = Duration::from_millis;
        assert_eq!(backoff(base, 0, 0.0), ms(500));
        assert_eq!(backoff(base, 0, 1.0), ms(375));
        assert_eq!(backoff(base, 1, 0.0), ms(1000));
        assert_eq!(backoff(base, 1, 1.0), ms(750));
        assert_eq!(backoff(base, 4, 0.0), ms(8000));
        assert_eq!(backoff(base, 5, 0.0), ms(8000));
        assert_eq!(backoff(base, 1000, 1.0), ms(6000));
        for _ in 0..1000 {
            let d0 = backoff(base, 0, random_unit());
            assert!(d0 >= ms(375) && d0 <= ms(500), "{d0:?}");
            let d1 = backoff(base, 1, random_unit());
            assert!(d1 >= ms(750) && d1 <= ms(1000), "{d1:?}");
        }
    }

    #[test]
    fn random_unit_is_in_range_and_varies() {
        let samples: Vec<f64> = (0..100).map(|_| random_unit()).collect();
        assert!(samples.iter().all(|u| (0.0..1.0).contains(u)));
        assert!(samples.windows(2).any(|w| w[0] != w[1]));
    }
}
