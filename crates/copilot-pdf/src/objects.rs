//! Helpers over the object model of [`raw`](super::raw): inherited resources, XObject
//! lookup, matrices, and the content-stream walk shared by image extraction and alt text.

pub(crate) use super::raw::{as_dict, deref, get, number};
use super::raw::{
    decode_content, decoded, DictExt, Dictionary, Document, Object, ObjectId, Operation, Stream,
};

/// How deep Form XObjects may nest before we stop following them.
pub(crate) const MAX_FORM_DEPTH: usize = 12;

/// The `/Resources` a page uses: its own, or the nearest ancestor's (ISO 32000-1 §7.7.3.4).
pub(crate) fn page_resources(doc: &Document, page_id: ObjectId) -> Dictionary {
    let mut node_id = page_id;
    for _ in 0..64 {
        let Some(node) = doc.get_dictionary(node_id) else {
            break;
        };
        if let Some(res) = node.at(b"Resources").and_then(|r| as_dict(doc, r)) {
            return res.clone();
        }
        match node.at(b"Parent").and_then(Object::as_reference) {
            Some(parent) => node_id = parent,
            None => break,
        }
    }
    Dictionary::new()
}

/// What a `Do` operand names.
pub(crate) enum XObject<'a> {
    Image(ObjectId),
    Form(ObjectId, &'a Stream),
}

/// Resolves the XObject `name` in `resources`. XObjects must be indirect objects, so a
/// direct one (or anything that is not an image or form stream) is ignored.
pub(crate) fn xobject<'a>(
    doc: &'a Document,
    resources: &Dictionary,
    name: &[u8],
) -> Option<XObject<'a>> {
    let xobjects = resources.at(b"XObject")?;
    let xobjects = as_dict(doc, xobjects)?;
    let id = xobjects.at(name)?.as_reference()?;
    let stream = match doc.get_object(id)? {
        Object::Stream(s) => s,
        _ => return None,
    };
    match stream.dict.at(b"Subtype").and_then(Object::as_name) {
        Some(b"Image") => Some(XObject::Image(id)),
        Some(b"Form") => Some(XObject::Form(id, stream)),
        _ => None,
    }
}

/// A PDF transformation matrix `[a b c d e f]`.
pub(crate) type Matrix = [f64; 6];

/// The identity matrix.
pub(crate) const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `m × n`: first `m`, then `n` (what `cm` does with `m` on the current matrix `n`).
pub(crate) fn multiply(m: &Matrix, n: &Matrix) -> Matrix {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

/// Six numeric operands (of `cm`, or a form's `/Matrix`) as a matrix.
pub(crate) fn matrix_of(objects: &[Object]) -> Option<Matrix> {
    if objects.len() != 6 {
        return None;
    }
    let mut m = [0.0; 6];
    for (slot, object) in m.iter_mut().zip(objects) {
        *slot = number(object)?;
    }
    m.iter().all(|v| v.is_finite()).then_some(m)
}

/// The bounding box of the unit square under `m`: where an image drawn with CTM `m` lands,
/// as `[x0, y0, x1, y1]`.
pub(crate) fn unit_square_bounds(m: &Matrix) -> [f64; 4] {
    let corners = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)];
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for (x, y) in corners {
        let px = m[0] * x + m[2] * y + m[4];
        let py = m[1] * x + m[3] * y + m[5];
        b[0] = b[0].min(px);
        b[1] = b[1].min(py);
        b[2] = b[2].max(px);
        b[3] = b[3].max(py);
    }
    b
}

/// A page's content stream(s), decoded and concatenated, decoded into operations.
pub(crate) fn page_operations(doc: &Document, page_id: ObjectId) -> Result<Vec<Operation>, String> {
    let page = doc
        .get_dictionary(page_id)
        .ok_or("the page object is not a dictionary")?;
    let streams: Vec<&Object> = match page.at(b"Contents").map(|c| deref(doc, c)) {
        Some(Object::Array(items)) => items.iter().map(|item| deref(doc, item)).collect(),
        Some(Object::Null) | None => Vec::new(),
        Some(other) => vec![other],
    };
    let mut bytes = Vec::new();
    for stream in streams {
        let Object::Stream(stream) = stream else {
            return Err("content stream: not a stream".into());
        };
        let data = decoded(stream).map_err(|e| format!("content stream: {e}"))?;
        if bytes.len() + data.len() > super::MAX_STREAM_BYTES {
            return Err("content stream: too large".into());
        }
        bytes.extend_from_slice(&data);
        // Streams of one page are split at token boundaries.
        bytes.push(b'\n');
    }
    decode_content(&bytes).map_err(|e| format!("content stream: {e}"))
}

/// A Form XObject's content, decoded into operations.
pub(crate) fn form_operations(form: &Stream) -> Result<Vec<Operation>, String> {
    let bytes = decoded(form).map_err(|e| format!("form content: {e}"))?;
    decode_content(&bytes).map_err(|e| format!("form content: {e}"))
}

/// One image drawn by a content stream, found by [`walk_images`].
pub(crate) struct ImageDraw {
    /// The image XObject.
    pub id: ObjectId,
    /// The resource name the `Do` used.
    pub name: Vec<u8>,
    /// The current transformation matrix at the `Do`.
    pub ctm: Matrix,
    /// Index of the page-level operation the image is drawn by: the image's own `Do`, or the
    /// `Do` of the Form XObject that (directly or through nested forms) draws it.
    pub op_index: usize,
    /// Whether the image is drawn inside a Form XObject.
    pub in_form: bool,
}

/// Walks `ops` (a page's operations) tracking `q`/`Q`/`cm`, and reports every image XObject
/// drawn, following Form XObjects (with their `/Matrix` and `/Resources`) up to
/// [`MAX_FORM_DEPTH`]. Forms whose content cannot be decoded are skipped and named in the
/// returned list of problems.
pub(crate) fn walk_images(
    doc: &Document,
    ops: &[Operation],
    resources: &Dictionary,
    out: &mut Vec<ImageDraw>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut visiting = Vec::new();
    walk(
        doc,
        ops,
        resources,
        IDENTITY,
        None,
        &mut visiting,
        out,
        &mut problems,
    );
    problems
}

#[allow(clippy::too_many_arguments)]
fn walk(
    doc: &Document,
    ops: &[Operation],
    resources: &Dictionary,
    start: Matrix,
    page_op: Option<usize>,
    visiting: &mut Vec<ObjectId>,
    out: &mut Vec<ImageDraw>,
    problems: &mut Vec<String>,
) {
    let mut ctm = start;
    let mut stack: Vec<Matrix> = Vec::new();
    for (index, op) in ops.iter().enumerate() {
        match op.operator.as_str() {
            "q" => stack.push(ctm),
            "Q" => {
                if let Some(saved) = stack.pop() {
                    ctm = saved;
                }
            }
            "cm" => {
                if let Some(m) = matrix_of(&op.operands) {
                    ctm = multiply(&m, &ctm);
                }
            }
            "Do" => {
                let Some(name) = op.operands.first().and_then(Object::as_name) else {
                    continue;
                };
                let op_index = page_op.unwrap_or(index);
                match xobject(doc, resources, name) {
                    Some(XObject::Image(id)) => out.push(ImageDraw {
                        id,
                        name: name.to_vec(),
                        ctm,
                        op_index,
                        in_form: page_op.is_some(),
                    }),
                    Some(XObject::Form(id, form)) => {
                        if visiting.contains(&id) || visiting.len() >= MAX_FORM_DEPTH {
                            continue;
                        }
                        let form_ops = match form_operations(form) {
                            Ok(ops) => ops,
                            Err(e) => {
                                problems.push(format!("form XObject {} {}: {e}", id.0, id.1));
                                continue;
                            }
                        };
                        let matrix = get(doc, &form.dict, b"Matrix")
                            .and_then(Object::as_array)
                            .and_then(matrix_of)
                            .unwrap_or(IDENTITY);
                        let form_resources = form
                            .dict
                            .at(b"Resources")
                            .and_then(|r| as_dict(doc, r))
                            .cloned();
                        let form_resources = form_resources.as_ref().unwrap_or(resources);
                        visiting.push(id);
                        walk(
                            doc,
                            &form_ops,
                            form_resources,
                            multiply(&matrix, &ctm),
                            Some(op_index),
                            visiting,
                            out,
                            problems,
                        );
                        visiting.pop();
                    }
                    None => {}
                }
            }
            _ => {}
        }
    }
}
