//! Cursor pagination as the API does it: `limit`, `order`, `after`, `before`, and pages with
//! `first_id`, `last_id` and `has_more`.

use serde::Serialize;

/// Validated list parameters; cursors are resolved to creation sequence numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ListParams {
    pub limit: usize,
    pub descending: bool,
    pub after: Option<u64>,
    pub before: Option<u64>,
}

/// One page of a list.
#[derive(Debug)]
pub(crate) struct Page<T> {
    pub data: Vec<T>,
    /// `None` (JSON null) on an empty page, as the real API sends.
    pub first_id: Option<String>,
    pub last_id: Option<String>,
    pub has_more: bool,
}

impl<T> Page<T> {
    /// The same page with every item turned into `f(item)`: paginate over references under the
    /// store's lock, and copy only the page.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            data: self.data.into_iter().map(f).collect(),
            first_id: self.first_id,
            last_id: self.last_id,
            has_more: self.has_more,
        }
    }
}

/// Whether the page is cut from the high end of the range of sequence numbers the cursors
/// leave (newest first, or `before` alone going oldest first) rather than from its low end.
fn from_high_end(params: &ListParams) -> bool {
    let before_alone = params.before.is_some() && params.after.is_none();
    params.descending != before_alone
}

/// The range of sequence numbers the cursors leave, both ends excluded: `(low, high)`.
fn bounds(params: &ListParams) -> (Option<u64>, Option<u64>) {
    if params.descending {
        (params.before, params.after)
    } else {
        (params.after, params.before)
    }
}

/// Orders `items` (creation sequence number, object) by creation, ascending or descending,
/// keeps those after `after` and before `before` in that order, and cuts a page of `limit`:
/// the first `limit` items, or with `before` alone the `limit` items closest to it.
/// `has_more` says whether more items lie beyond the page in the direction of travel.
///
/// The items come in any order (a map's); only the page is sorted. Items kept in creation
/// order are better served by [`paginate_sorted`], which does not visit them all.
pub(crate) fn paginate<T>(
    items: impl IntoIterator<Item = (u64, T)>,
    id_of: impl Fn(&T) -> &str,
    params: &ListParams,
) -> Page<T> {
    let (low, high) = bounds(params);
    let mut items: Vec<(u64, T)> = items
        .into_iter()
        .filter(|(seq, _)| low.is_none_or(|l| *seq > l) && high.is_none_or(|h| *seq < h))
        .collect();
    let n = items.len();
    let has_more = n > params.limit;
    let k = n.min(params.limit);
    // Keep the `k` items at the chosen end of the range, then sort only those.
    if k == 0 {
        items.clear();
    } else if k < n {
        if from_high_end(params) {
            items.select_nth_unstable_by_key(n - k, |(seq, _)| *seq);
            items.drain(..n - k);
        } else {
            items.select_nth_unstable_by_key(k, |(seq, _)| *seq);
            items.truncate(k);
        }
    }
    items.sort_unstable_by_key(|(seq, _)| *seq);
    if params.descending {
        items.reverse();
    }
    page_of(items.into_iter().map(|(_, t)| t).collect(), id_of, has_more)
}

/// [`paginate`] over items kept in creation order (ascending sequence numbers, as a thread's
/// messages, runs and steps and a conversation's items are): the cursors are found by binary
/// search, and only the page is visited and returned (as references), however long the list.
pub(crate) fn paginate_sorted<'a, T>(
    items: &'a [T],
    seq_of: impl Fn(&T) -> u64,
    id_of: impl Fn(&T) -> &str,
    params: &ListParams,
) -> Page<&'a T> {
    debug_assert!(
        items.windows(2).all(|w| seq_of(&w[0]) < seq_of(&w[1])),
        "items in creation order"
    );
    let (low, high) = bounds(params);
    let start = low.map_or(0, |l| items.partition_point(|t| seq_of(t) <= l));
    let end = high.map_or(items.len(), |h| items.partition_point(|t| seq_of(t) < h));
    let range = &items[start..end.max(start)];
    let n = range.len();
    let k = n.min(params.limit);
    let window = if from_high_end(params) {
        &range[n - k..]
    } else {
        &range[..k]
    };
    let data: Vec<&T> = if params.descending {
        window.iter().rev().collect()
    } else {
        window.iter().collect()
    };
    page_of(data, |t| id_of(t), n > params.limit)
}

/// A page of `data`, with its first and last ids.
fn page_of<T>(data: Vec<T>, id_of: impl Fn(&T) -> &str, has_more: bool) -> Page<T> {
    let first_id = data.first().map(|t| id_of(t).to_string());
    let last_id = data.last().map(|t| id_of(t).to_string());
    Page {
        data,
        first_id,
        last_id,
        has_more,
    }
}

/// The JSON of a page as the API sends a list: `data`, `first_id`, `has_more`, `last_id` and
/// `object: "list"`, fields in that order and the ids left out on an empty page, as the SDK's
/// list types (`ThreadMessageListResponse`...) write it; the items are borrowed, not copied.
#[derive(Debug, Serialize)]
pub(crate) struct ListBody<'a, T> {
    data: Vec<&'a T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_id: Option<&'a str>,
    has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_id: Option<&'a str>,
    object: &'static str,
}

impl<T> Page<T> {
    /// The page's JSON body, each item written as `item(t)`: shared items (an `Arc`) are
    /// written from where they are, outside the store's lock.
    pub fn body<U>(&self, item: impl Fn(&T) -> &U) -> ListBody<'_, U> {
        ListBody {
            data: self.data.iter().map(item).collect(),
            first_id: self.first_id.as_deref(),
            has_more: self.has_more,
            last_id: self.last_id.as_deref(),
            object: "list",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(page: &Page<String>) -> Vec<&str> {
        page.data.iter().map(String::as_str).collect()
    }

    fn items() -> Vec<(u64, String)> {
        (1..=5).map(|i| (i, format!("o{i}"))).collect()
    }

    #[test]
    fn pages_forwards_and_backwards() {
        let p = |limit, descending, after, before| ListParams {
            limit,
            descending,
            after,
            before,
        };
        let page = paginate(items(), |s| s, &p(2, true, None, None));
        assert_eq!((ids(&page), page.has_more), (vec!["o5", "o4"], true));
        assert_eq!(
            (page.first_id.as_deref(), page.last_id.as_deref()),
            (Some("o5"), Some("o4"))
        );
        let page = paginate(items(), |s| s, &p(2, true, Some(4), None));
        assert_eq!((ids(&page), page.has_more), (vec!["o3", "o2"], true));
        let page = paginate(items(), |s| s, &p(2, true, Some(2), None));
        assert_eq!((ids(&page), page.has_more), (vec!["o1"], false));
        let page = paginate(items(), |s| s, &p(2, false, None, Some(4)));
        assert_eq!((ids(&page), page.has_more), (vec!["o2", "o3"], true));
        let page = paginate(items(), |s| s, &p(10, false, Some(1), Some(4)));
        assert_eq!((ids(&page), page.has_more), (vec!["o2", "o3"], false));
        let page = paginate(
            Vec::<(u64, String)>::new(),
            |s| s,
            &p(10, false, None, None),
        );
        assert_eq!(
            (page.first_id, page.last_id, page.has_more),
            (None, None, false)
        );
    }

    /// The pagination this module did before it cut pages without sorting whole lists: sort
    /// everything, filter, then take the page. The faster versions must agree with it.
    fn reference<T: Clone>(items: &[(u64, T)], params: &ListParams) -> (Vec<T>, bool) {
        let mut items = items.to_vec();
        items.sort_by_key(|(seq, _)| *seq);
        if params.descending {
            items.reverse();
        }
        let comes_after = |a: u64, b: u64| if params.descending { a < b } else { a > b };
        items.retain(|(seq, _)| {
            params.after.is_none_or(|c| comes_after(*seq, c))
                && params.before.is_none_or(|c| comes_after(c, *seq))
        });
        let has_more = items.len() > params.limit;
        let data = if params.before.is_some() && params.after.is_none() {
            let skip = items.len().saturating_sub(params.limit);
            items.into_iter().skip(skip).map(|(_, t)| t).collect()
        } else {
            items
                .into_iter()
                .take(params.limit)
                .map(|(_, t)| t)
                .collect()
        };
        (data, has_more)
    }

    #[test]
    fn fast_pages_agree_with_sorting_everything() {
        // Sequence numbers with gaps (other objects' ids in between), cursors on items and
        // between them, every limit and order.
        let sorted: Vec<(u64, String)> = [2, 3, 5, 8, 9, 12, 20]
            .into_iter()
            .map(|i| (i, format!("o{i}")))
            .collect();
        let mut shuffled = sorted.clone();
        shuffled.reverse();
        shuffled.swap(1, 4);
        let cursors: Vec<Option<u64>> = std::iter::once(None).chain((0..=22).map(Some)).collect();
        let mut checked = 0;
        for limit in 0..=8 {
            for descending in [false, true] {
                for &after in &cursors {
                    for &before in &cursors {
                        let params = ListParams {
                            limit,
                            descending,
                            after,
                            before,
                        };
                        let (want, want_more) = reference(&sorted, &params);
                        let page = paginate(shuffled.iter().cloned(), |s| s, &params);
                        assert_eq!(
                            (&page.data, page.has_more),
                            (&want, want_more),
                            "{params:?}"
                        );
                        assert_eq!(page.first_id.as_ref(), want.first(), "{params:?}");
                        assert_eq!(page.last_id.as_ref(), want.last(), "{params:?}");
                        let page = paginate_sorted(&sorted, |(seq, _)| *seq, |(_, s)| s, &params);
                        let got: Vec<String> = page.data.iter().map(|(_, s)| s.clone()).collect();
                        assert_eq!(
                            (got, page.has_more),
                            (want.clone(), want_more),
                            "{params:?}"
                        );
                        assert_eq!(page.first_id.as_ref(), want.first(), "{params:?}");
                        assert_eq!(page.last_id.as_ref(), want.last(), "{params:?}");
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 9 * 2 * 24 * 24);
    }

    #[test]
    fn list_body_is_written_like_the_sdk_list_types() {
        let page = Page {
            data: vec![std::sync::Arc::new("a".to_string())],
            first_id: Some("a".into()),
            last_id: Some("a".into()),
            has_more: true,
        };
        let json = serde_json::to_string(&page.body(|s| &**s)).unwrap();
        assert_eq!(
            json,
            r#"{"data":["a"],"first_id":"a","has_more":true,"last_id":"a","object":"list"}"#
        );
        let empty: Page<String> = Page {
            data: Vec::new(),
            first_id: None,
            last_id: None,
            has_more: false,
        };
        let json = serde_json::to_string(&empty.body(|s| s)).unwrap();
        assert_eq!(json, r#"{"data":[],"has_more":false,"object":"list"}"#);
    }
}
