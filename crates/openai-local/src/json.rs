//! Request bodies: JSON parsed into the generated request types, with errors that name the
//! offending field (`param`) the way the API does (`tools[0].function.name`).

use serde::de::DeserializeOwned;

use super::http::Failure;

/// Parses `body` as a `T`. A syntax error is a 400 without `param`; a missing, mistyped or
/// invalid field is a 400 whose `param` is the field's path.
pub(crate) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Failure> {
    parse_at(body, "")
}

/// [`parse`] for a document found at `base` in a larger one: `param` paths start there.
pub(crate) fn parse_at<T: DeserializeOwned>(body: &[u8], base: &str) -> Result<T, Failure> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Failure::invalid(
            "The request needs a JSON body; it was empty.",
        ));
    }
    // Syntax first, so that a data error can be located in a well-formed document.
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        return Err(Failure::invalid(format!(
            "The body of the request is not valid JSON ({}).",
            e
        )));
    }
    serde_json::from_slice::<T>(body).map_err(|e| data_error(body, &e, base))
}

fn data_error(body: &[u8], e: &serde_json::Error, base: &str) -> Failure {
    let text = e.to_string();
    let message = text
        .rfind(" at line ")
        .map_or(text.as_str(), |i| &text[..i])
        .to_string();
    let mut offset = byte_offset(body, e.line(), e.column());
    if message.starts_with("data did not match any variant") {
        // serde_json reports these one byte past the end of the offending value.
        offset = offset.saturating_sub(1);
    }
    let path = join(base, &path_at(body, offset));
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        let param = join(&path, field);
        return Failure::invalid(format!("Missing required parameter: '{param}'."))
            .param(param)
            .code("missing_required_parameter");
    }
    let shown = if path.is_empty() {
        "body".to_string()
    } else {
        path.clone()
    };
    let (detail, code) = if let Some(rest) = message.strip_prefix("invalid type: ") {
        (
            format!("Invalid type for '{shown}': got {rest}."),
            "invalid_type",
        )
    } else if message.starts_with("data did not match any variant") {
        (
            format!("Invalid value for '{shown}': it matches none of the accepted shapes."),
            "invalid_value",
        )
    } else {
        (
            format!("Invalid value for '{shown}': {message}."),
            "invalid_value",
        )
    };
    let failure = Failure::invalid(detail).code(code);
    if path.is_empty() {
        failure
    } else {
        failure.param(path)
    }
}

fn join(path: &str, field: &str) -> String {
    match (path.is_empty(), field.is_empty()) {
        (true, _) => field.to_string(),
        (false, true) => path.to_string(),
        (false, false) if field.starts_with('[') => format!("{path}{field}"),
        (false, false) => format!("{path}.{field}"),
    }
}

/// A check of one variant of a tagged union: parses the value's bytes as that variant's
/// fields, `param` being the value's path.
pub(crate) type VariantCheck<'a> = (&'a str, &'a dyn Fn(&[u8], &str) -> Result<(), Failure>);

/// Why `value`, at `param`, matched no variant of a union tagged by its field `tag` (the
/// generated types decode it as `Unknown`): the tag is missing, not one of `variants`, or the
/// fields of that variant are wrong (as its check finds).
pub(crate) fn explain_variant(
    value: &serde_json::Value,
    tag: &str,
    param: &str,
    variants: &[VariantCheck<'_>],
) -> Failure {
    let tag_param = join(param, tag);
    let names = variants
        .iter()
        .map(|(n, _)| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let Some(given) = value.get(tag) else {
        return Failure::invalid(format!("Missing required parameter: '{tag_param}'."))
            .param(tag_param)
            .code("missing_required_parameter");
    };
    let check = given
        .as_str()
        .and_then(|g| variants.iter().find(|(n, _)| *n == g));
    match check {
        None => Failure::invalid(format!(
            "Invalid value for '{tag_param}': {given}. Supported values are: {names}."
        ))
        .param(tag_param)
        .code("invalid_value"),
        Some((_, check)) => {
            let bytes = serde_json::to_vec(value).unwrap_or_default();
            check(&bytes, param).err().unwrap_or_else(|| {
                Failure::invalid(format!("Invalid value for '{param}'.")).param(param.to_string())
            })
        }
    }
}

/// The byte offset of serde_json's 1-based (line, column) position.
fn byte_offset(body: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match body[start..].iter().position(|&b| b == b'\n') {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    (start + column).min(body.len())
}

/// The path (`a.b[2].c`) of the innermost value whose span holds byte `offset`, in a
/// well-formed JSON document; empty for the root.
pub(crate) fn path_at(body: &[u8], offset: usize) -> String {
    let mut scan = Scan {
        s: body,
        i: 0,
        target: offset,
        best: (0, String::new()),
        path: Vec::new(),
    };
    scan.value();
    scan.best.1
}

enum Seg {
    Key(String),
    Index(usize),
}

struct Scan<'a> {
    s: &'a [u8],
    i: usize,
    target: usize,
    /// The deepest containing value so far: its depth and path.
    best: (usize, String),
    path: Vec<Seg>,
}

impl Scan<'_> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn value(&mut self) {
        self.ws();
        let start = self.i;
        match self.s.get(self.i) {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                self.string();
            }
            Some(_) => {
                while self
                    .s
                    .get(self.i)
                    .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
                {
                    self.i += 1;
                }
            }
            None => return,
        }
        let end = self.i;
        if start <= self.target && self.target <= end && self.path.len() >= self.best.0 {
            self.best = (self.path.len(), render(&self.path));
        }
    }

    fn string(&mut self) -> String {
        let start = self.i;
        self.i += 1;
        while let Some(&b) = self.s.get(self.i) {
            self.i += 1;
            match b {
                b'\\' => self.i += 1,
                b'"' => break,
                _ => {}
            }
        }
        let raw = &self.s[start..self.i.min(self.s.len())];
        serde_json::from_slice::<String>(raw).unwrap_or_default()
    }

    fn object(&mut self) {
        self.i += 1;
        loop {
            self.ws();
            match self.s.get(self.i) {
                Some(b'"') => {
                    let key = self.string();
                    self.ws();
                    self.i += 1; // ':'
                    self.path.push(Seg::Key(key));
                    self.value();
                    self.path.pop();
                }
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return;
                }
                _ => return,
            }
        }
    }

    fn array(&mut self) {
        self.i += 1;
        let mut index = 0;
        loop {
            self.ws();
            match self.s.get(self.i) {
                Some(b']') => {
                    self.i += 1;
                    return;
                }
                Some(b',') => self.i += 1,
                Some(_) => {
                    let before = self.i;
                    self.path.push(Seg::Index(index));
                    self.value();
                    self.path.pop();
                    if self.i == before {
                        return; // not JSON: stop rather than loop
                    }
                    index += 1;
                }
                None => return,
            }
        }
    }
}

fn render(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use openai_blocking::types::*;

    fn param_of<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> (Option<String>, String) {
        let f = parse::<T>(body.as_bytes()).unwrap_err();
        (f.param, f.message)
    }

    #[test]
    fn names_missing_and_mistyped_fields() {
        let (p, m) = param_of::<AssistantCreateRequest>(r#"{"name": "x"}"#);
        assert_eq!(p.as_deref(), Some("model"));
        assert_eq!(m, "Missing required parameter: 'model'.");
        let (p, _) = param_of::<AssistantCreateRequest>(r#"{"model": 5}"#);
        assert_eq!(p.as_deref(), Some("model"));
        let (p, m) = param_of::<AssistantCreateRequest>(
            "{\"model\": \"m\",\n \"tool_resources\": {\"file_search\": {\"vector_store_ids\": [1]}}}",
        );
        assert_eq!(p.as_deref(), Some("tool_resources.file_search"), "{m}");
        let (p, _) = param_of::<ThreadMessageCreateRequest>(r#"{"role": "user", "content": 12}"#);
        assert_eq!(p.as_deref(), Some("content"));
        let (p, _) = param_of::<RunCreateRequest>(r#"{"assistant_id": "a", "temperature": "hot"}"#);
        assert_eq!(p.as_deref(), Some("temperature"));
        let (p, _) = param_of::<ThreadCreateRequest>(r#"{"messages": [{"role": "user"}]}"#);
        assert_eq!(p.as_deref(), Some("messages[0].content"));
    }

    #[test]
    fn explains_unknown_variants() {
        let shape = |b: &[u8], p: &str| parse_at::<FunctionObject>(b, p).map(drop);
        let checks: [VariantCheck<'_>; 2] = [("function", &|_, _| Ok(())), ("named", &shape)];
        let f = explain_variant(
            &serde_json::json!({"kind": "named", "name": 3}),
            "kind",
            "tools[2]",
            &checks,
        );
        assert_eq!(f.param.as_deref(), Some("tools[2].name"));
        let f = explain_variant(
            &serde_json::json!({"kind": "other"}),
            "kind",
            "tools[2]",
            &checks,
        );
        assert_eq!(f.param.as_deref(), Some("tools[2].kind"));
        assert_eq!(f.code.as_deref(), Some("invalid_value"));
        let f = explain_variant(&serde_json::json!({}), "kind", "", &checks);
        assert_eq!(
            (f.param.as_deref(), f.code.as_deref()),
            (Some("kind"), Some("missing_required_parameter"))
        );
    }

    #[test]
    fn syntax_errors_have_no_param() {
        for body in ["", "{", "{\"model\": }", "[1,", "nul"] {
            let f = parse::<AssistantCreateRequest>(body.as_bytes()).unwrap_err();
            assert_eq!(f.status, 400);
            assert_eq!(f.param, None, "{body}");
        }
        let f = parse::<AssistantCreateRequest>(b"[]").unwrap_err();
        assert_eq!(f.status, 400);
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut seed = 0x1234_5678_u64;
        let alphabet = br#"{}[]":,0123456789 truefalsnl\"abc-.eE"#;
        for round in 0..3000 {
            let len = round % 64;
            let body: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let r = (seed >> 33) as usize;
                    if round % 3 == 0 {
                        (r & 0xff) as u8
                    } else {
                        alphabet[r % alphabet.len()]
                    }
                })
                .collect();
            let _ = parse::<RunCreateRequest>(&body);
            let _ = parse::<ThreadCreateRequest>(&body);
            for offset in [0, len / 2, len] {
                let _ = path_at(&body, offset);
            }
        }
    }
}
