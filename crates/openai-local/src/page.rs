//! Cursor pagination as the API does it: `limit`, `order`, `after`, `before`, and pages with
//! `first_id`, `last_id` and `has_more`.

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

/// Orders `items` (creation sequence number, object) by creation, ascending or descending,
/// keeps those after `after` and before `before` in that order, and cuts a page of `limit`:
/// the first `limit` items, or with `before` alone the `limit` items closest to it.
/// `has_more` says whether more items lie beyond the page in the direction of travel.
pub(crate) fn paginate<T>(
    items: impl IntoIterator<Item = (u64, T)>,
    id_of: impl Fn(&T) -> &str,
    params: &ListParams,
) -> Page<T> {
    let mut items: Vec<(u64, T)> = items.into_iter().collect();
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
    let data: Vec<T> = if params.before.is_some() && params.after.is_none() {
        let skip = items.len().saturating_sub(params.limit);
        items.into_iter().skip(skip).map(|(_, t)| t).collect()
    } else {
        items
            .into_iter()
            .take(params.limit)
            .map(|(_, t)| t)
            .collect()
    };
    let first_id = data.first().map(|t| id_of(t).to_string());
    let last_id = data.last().map(|t| id_of(t).to_string());
    Page {
        data,
        first_id,
        last_id,
        has_more,
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
}
