//! Percent-encoding of path ids and query parameters.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::errors::Error;

/// Reject an empty (or all-blank) path id, else percent-encode it for use in a path.
pub fn encode_path_id(name: &'static str, id: &str) -> Result<String, Error> {
    if id.trim().is_empty() {
        return Err(Error::InvalidArgument {
            name,
            message: "must not be empty".into(),
        });
    }
    Ok(percent_encode(id))
}

/// Every byte outside the unreserved set `A-Za-z0-9-._~` of RFC 3986.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encode every byte outside the unreserved set `A-Za-z0-9-._~`.
pub(crate) fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, NOT_UNRESERVED).to_string()
}

/// Append `s` to `out`, percent-encoded as [`percent_encode`] does.
pub(crate) fn push_encoded(out: &mut String, s: &str) {
    out.extend(utf8_percent_encode(s, NOT_UNRESERVED));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding() {
        assert_eq!(percent_encode("a/b c"), "a%2Fb%20c");
        assert_eq!(percent_encode("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(percent_encode("é?&#%"), "%C3%A9%3F%26%23%25");
        assert_eq!(encode_path_id("thread_id", "thread_1").unwrap(), "thread_1");
        for blank in ["", " ", "\t\n"] {
            let err = encode_path_id("thread_id", blank).unwrap_err();
            assert!(matches!(
                err,
                Error::InvalidArgument {
                    name: "thread_id",
                    ..
                }
            ));
        }
    }
}
