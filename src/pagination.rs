//! Walking cursor-paginated lists (`has_more` + `after = last_id`).

use serde::de::DeserializeOwned;

use crate::errors::Error;
use crate::query::CursorQuery;

/// One page of a cursor-paginated list response.
pub trait Page: DeserializeOwned {
    /// The listed object type.
    type Item;

    /// Split the page into its items, whether more pages follow, and the id of its last item.
    fn into_page_parts(self) -> (Vec<Self::Item>, bool, Option<String>);
}

/// An iterator over every item of a cursor-paginated list, fetching pages as it goes; what
/// the client's `iter_*` methods return.
///
/// After an error it yields that error once and then ends. A server that reports more pages
/// but points back at a cursor already followed ends the walk with
/// [`Error::PaginationLoop`] instead of fetching the same pages forever.
#[must_use = "iterators are lazy: no page is fetched until the iterator is used"]
pub struct PageIter<'a, T> {
    items: std::vec::IntoIter<T>,
    /// Fetches the next page: its items, or `None` once the list is exhausted.
    next_page: Box<dyn FnMut() -> Option<Result<Vec<T>, Error>> + 'a>,
}

/// Walks every page of a list from `query`, calling `fetch` for each page with `after` set to
/// the last id of the page before, for as long as the server reports `has_more`.
pub(crate) fn pages<'a, P, Q>(
    query: Q,
    mut fetch: impl FnMut(&Q) -> Result<P, Error> + 'a,
) -> PageIter<'a, P::Item>
where
    P: Page,
    Q: CursorQuery + 'a,
{
    let mut next_query = Some(query);
    let mut followed = std::collections::HashSet::new();
    PageIter {
        items: Vec::new().into_iter(),
        next_page: Box::new(move || {
            let mut query = next_query.take()?;
            let page = match fetch(&query) {
                Ok(page) => page,
                Err(err) => return Some(Err(err)),
            };
            let (items, has_more, last_id) = page.into_page_parts();
            // An empty page or one without a cursor cannot lead anywhere: stop there.
            if let Some(last_id) = last_id.filter(|_| has_more && !items.is_empty()) {
                if !followed.insert(last_id.clone()) {
                    // The items of a repeated page were yielded already.
                    return Some(Err(Error::PaginationLoop { after: last_id }));
                }
                query.set_after(Some(last_id));
                next_query = Some(query);
            }
            Some(Ok(items))
        }),
    }
}

impl<T> Iterator for PageIter<'_, T> {
    type Item = Result<T, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.items.next() {
                return Some(Ok(item));
            }
            match (self.next_page)()? {
                Ok(items) => self.items = items.into_iter(),
                Err(err) => return Some(Err(err)),
            }
        }
    }
}

impl<T> std::fmt::Debug for PageIter<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageIter")
            .field("buffered", &self.items.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct NumberPage {
        data: Vec<u32>,
        has_more: bool,
        last_id: Option<String>,
    }

    impl Page for NumberPage {
        type Item = u32;
        fn into_page_parts(self) -> (Vec<u32>, bool, Option<String>) {
            (self.data, self.has_more, self.last_id)
        }
    }

    #[derive(Clone, Default, Debug, PartialEq, serde::Serialize)]
    struct Query {
        limit: Option<u32>,
        after: Option<String>,
    }

    impl crate::query::QueryParameters for Query {}

    impl CursorQuery for Query {
        fn set_after(&mut self, after: Option<String>) {
            self.after = after;
        }
    }

    fn page(data: &[u32], has_more: bool) -> NumberPage {
        NumberPage {
            data: data.to_vec(),
            has_more,
            last_id: data.last().map(|n| format!("id_{n}")),
        }
    }

    #[test]
    fn walks_three_pages() {
        let mut seen = Vec::new();
        let query = Query {
            limit: Some(2),
            after: None,
        };
        let items: Vec<u32> = pages(query, |q: &Query| {
            seen.push(q.clone());
            Ok(match q.after.as_deref() {
                None => page(&[1, 2], true),
                Some("id_2") => page(&[3, 4], true),
                Some("id_4") => page(&[5], false),
                other => panic!("unexpected cursor {other:?}"),
            })
        })
        .collect::<Result<_, _>>()
        .unwrap();
        assert_eq!(items, [1, 2, 3, 4, 5]);
        let cursors: Vec<_> = seen.iter().map(|q| q.after.as_deref()).collect();
        assert_eq!(cursors, [None, Some("id_2"), Some("id_4")]);
        assert!(seen.iter().all(|q| q.limit == Some(2)));
    }

    #[test]
    fn stops_after_an_error() {
        let mut calls = 0;
        let mut iter = pages(Query::default(), |q: &Query| {
            calls += 1;
            match q.after {
                None => Ok(page(&[1], true)),
                Some(_) => Err(Error::Config("boom".into())),
            }
        });
        assert!(matches!(iter.next(), Some(Ok(1))));
        assert!(matches!(iter.next(), Some(Err(Error::Config(_)))));
        assert!(iter.next().is_none());
        assert!(iter.next().is_none());
        drop(iter);
        assert_eq!(calls, 2);
    }

    #[test]
    fn a_cursor_pointing_back_ends_with_an_error() {
        // A mock that answers every page with the same example: `has_more` and the same id.
        let mut calls = 0;
        let mut iter = pages(Query::default(), |q: &Query| {
            calls += 1;
            Ok(match q.after.as_deref() {
                None | Some("id_2") => page(&[1, 2], true),
                other => panic!("unexpected cursor {other:?}"),
            })
        });
        assert!(matches!(iter.next(), Some(Ok(1))));
        assert!(matches!(iter.next(), Some(Ok(2))));
        match iter.next() {
            Some(Err(Error::PaginationLoop { after })) => assert_eq!(after, "id_2"),
            other => panic!("expected a pagination loop, got {other:?}"),
        }
        assert!(iter.next().is_none());
        drop(iter);
        assert_eq!(calls, 2);
    }

    #[test]
    fn has_more_without_items_ends() {
        let mut calls = 0;
        let items: Vec<_> = pages(Query::default(), |_: &Query| {
            calls += 1;
            Ok(page(&[], true))
        })
        .collect();
        assert!(items.is_empty());
        assert_eq!(calls, 1);
    }
}

macro_rules! pages {
    ($($(#[$attr:meta])* $list:ty => $item:ty),* $(,)?) => {$(
        $(#[$attr])*
        impl Page for $list {
            type Item = $item;
            fn into_page_parts(self) -> (Vec<$item>, bool, Option<String>) {
                let last = self.data.last().map(|i| i.id.clone());
                (self.data, self.has_more, last)
            }
        }
    )*};
}

/// Lists whose items are unions (no common `id` field): the cursor is the page's `last_id`.
macro_rules! pages_by_last_id {
    ($($(#[$attr:meta])* $list:ty => $item:ty),* $(,)?) => {$(
        $(#[$attr])*
        impl Page for $list {
            type Item = $item;
            fn into_page_parts(self) -> (Vec<$item>, bool, Option<String>) {
                (self.data, self.has_more, self.last_id)
            }
        }
    )*};
}

pages_by_last_id!(
    #[cfg(feature = "responses")]
    crate::types::ResponseInputItemList => crate::types::ItemResource,
    #[cfg(feature = "responses")]
    crate::types::ConversationItemList => crate::types::ConversationItem,
);

pages!(
    #[cfg(feature = "assistants")]
    crate::AssistantListResponse => crate::AssistantResponse,
    #[cfg(feature = "assistants")]
    crate::ThreadMessageListResponse => crate::ThreadMessageResponse,
    #[cfg(feature = "assistants")]
    crate::RunListResponse => crate::RunResponse,
    #[cfg(feature = "assistants")]
    crate::RunStepListResponse => crate::RunStepResponse,
    #[cfg(feature = "vector-stores")]
    crate::VectorStoreListResponse => crate::VectorStoreResponse,
    #[cfg(feature = "vector-stores")]
    crate::VectorStoreFileListResponse => crate::VectorStoreFileResponse,
    #[cfg(feature = "files")]
    crate::FileListResponse => crate::FileResponse,
    #[cfg(feature = "batch")]
    crate::types::BatchListResponse => crate::types::BatchResponse,
);
