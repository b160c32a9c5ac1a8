//! The macros every resource file uses to define its methods.

/// Defines client methods in pairs: `name` returns the decoded body; `name_with_response` returns
/// it with the response's status, headers, request id and rate limits. The block builds the
/// [`Request`](crate::transport::Request) and may use `?`: an invalid argument is an error
/// before anything is sent.
///
/// The methods are `#[inline]`: their code (building the request, decoding the answer's type)
/// is compiled in the crate that calls them, so a program pays only for the operations it
/// uses and the SDK's own build does not compile all of them up front.
macro_rules! endpoints {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident / $raw:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $out:ty $body:block
    )*) => {
        impl $crate::OpenAIClient {
            $(
                $(#[doc = $doc])*
                #[inline]
                pub fn $name(&self, $($arg: $ty),*) -> Result<$out, $crate::Error> {
                    let request: $crate::transport::Request = $body;
                    self.send_for_data(request)
                }

                #[doc = concat!("[`", stringify!($name), "`](Self::", stringify!($name),
                    "), with the response's status, headers, request id and rate limits.")]
                #[inline]
                pub fn $raw(&self, $($arg: $ty),*) -> Result<$crate::ApiResponse<$out>, $crate::Error> {
                    let request: $crate::transport::Request = $body;
                    self.send(request)
                }
            )*
        }
    };
}

/// A path with its ids percent-encoded; an empty id is an `InvalidArgument` error naming it.
macro_rules! api_path {
    ($fmt:literal $(, $id:ident)* $(,)?) => {
        format!($fmt $(, $crate::transport::encode_path_id(stringify!($id), $id)?)*)
    };
}

/// Defines `iter_*` methods that walk every page of a list (`after` = last id while
/// `has_more`). Arguments keep the types written in the invocation, whose borrows are tied to
/// the iterator by the lifetime `'a` (write `thread_id: &'a str`).
macro_rules! list_iterators {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident ( $($arg:ident : $ty:ty),* ) -> $item:ty = $list:ident ( $query:ty )
    )*) => {
        impl $crate::OpenAIClient {
            $(
                $(#[doc = $doc])*
                #[inline]
                pub fn $name<'a>(
                    &'a self,
                    $($arg: $ty,)*
                    query: Option<$query>,
                ) -> $crate::PageIter<'a, $item> {
                    $crate::pagination::pages(query.unwrap_or_default(), move |q: &$query| {
                        self.$list($($arg,)* Some(q))
                    })
                }
            )*
        }
    };
}

pub(crate) use {api_path, endpoints, list_iterators};

/// A method that returns one whole object refuses `stream: true` before sending: the answer
/// would be an event stream it cannot decode.
pub(crate) fn refuse_stream(stream: Option<bool>, method: &str) -> Result<(), crate::Error> {
    if stream == Some(true) {
        return Err(crate::Error::InvalidArgument {
            name: "stream",
            message: format!("{method} returns one whole answer; leave `stream` unset"),
        });
    }
    Ok(())
}
