//! Descriptions written back as alternative text, the standard way (ISO 32000-1 §14.7–14.9.3):
//! `/Alt` on a `/Figure` structure element that reaches the image's `Do` through a
//! marked-content id.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::images::ImageKey;
use super::objects::{
    as_dict, deref, get, page_operations, page_resources, walk_images, xobject, XObject,
};
use super::raw::{
    self, dict, name, reference, text_string, DictExt, Dictionary, Document, Object, ObjectId,
    Operation,
};
use super::{damaged, guarded, PdfDocument, PdfError};

/// Writes a copy of `doc` whose images carry `descriptions` as alternative text.
///
/// Each description is keyed by the image XObject ([`PdfImage::key`](crate::PdfImage)) and
/// applies to every place that image is drawn; or by a vector figure's structure element
/// ([`PdfFigure::key`](crate::PdfFigure::key)), whose `/Alt` it becomes. The text goes where assistive technology and
/// validators look for it: the `/Alt` entry of a `/Figure` structure element whose
/// marked-content id (`/Figure <</MCID n>> BDC … EMC` around the image's `Do`) links it to the
/// drawing, with the page's `/StructParents` and the `/ParentTree` mapping back, and
/// `/MarkInfo <</Marked true>>` on the catalog.
///
/// * **Tagged input** keeps its structure tree. An image already inside a structure element
///   gets the `/Alt` there (an element holding only that image becomes a `/Figure` if it was
///   not one, e.g. Word's `/InlineShape`); an image outside any marked content gets a new
///   `/Figure` appended to the tree. Images marked as `/Artifact` (decorative) are left alone.
/// * **Untagged input** gets a minimal tree, `Document` → `P` / `Figure` in content order:
///   every text block (`BT … ET`) is wrapped as part of a `P` element, so the text stays
///   readable once the file says it is tagged, and every image `Do` as a `Figure` (with `/Alt`
///   when a description was given). A Form XObject that draws images is a `Figure` too,
///   unless it also shows text: then it is kept as part of a `P` (its text stays readable)
///   and the images inside it get no `/Alt`. Paths and shadings drawn outside text are marked
///   as `/Artifact`, so all of a page's content is tagged or an artifact.
///
/// Closer to PDF/UA in every case: annotations join the tree (`/Link`, `/Form` or `/Annot`
/// elements holding an `/OBJR`, with `/Contents` on annotations that had none, a link's
/// naming its target), pages get `/Tabs /S`, the catalog `/MarkInfo <</Marked true>>` and
/// `/ViewerPreferences <</DisplayDocTitle true>>`, and `/Lang` and a title when the document
/// has none and [`add_alt_texts_with`] was given them.
///
/// Pages look the same: content streams only gain `BDC`/`EMC` marks (a page whose content
/// changes gets one new Flate-compressed stream in place of its old ones). Descriptions for
/// keys that are not images drawn in the document are ignored, as are empty descriptions.
///
/// The copy is an **incremental update** of the input: the input's bytes, unchanged, followed
/// by the new and changed objects, a new cross-reference section (a classic `xref` table
/// when the input's newest section is a table, a cross-reference stream when it is a stream)
/// and a trailer whose `/Prev` points at the input's. Nothing the input holds is rewritten,
/// so a digital signature over the original bytes stays valid (a viewer reports the signed
/// revision unchanged and a later update added). An input **encrypted** with an empty user
/// password stays encrypted: the update's strings and streams are encrypted with the
/// document's own key and cipher (RC4, AES-128 or AES-256), and `/Encrypt` is carried over.
/// Two kinds of input are written in full instead, every object reachable from the trailer
/// renumbered under a classic table: one whose cross-reference table is damaged and had to
/// be rebuilt (an update would point back at the broken table), and an encrypted one whose
/// crypt filter an update cannot reproduce (an identity or unknown filter), which is written
/// decrypted, without `/Encrypt`.
///
/// Errors are those of opening the file ([`PdfError::PasswordRequired`],
/// [`PdfError::Damaged`], …) and [`PdfError::Write`] if the copy cannot be written.
///
/// Runs in a worker process when [`Isolation::current`](crate::Isolation::current) has one.
pub fn add_alt_texts(
    doc: &PdfDocument,
    descriptions: &[(ImageKey, String)],
) -> Result<Vec<u8>, PdfError> {
    crate::Isolation::current().add_alt_texts(doc, descriptions)
}

/// What [`add_alt_texts_with`] adds beyond the descriptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AltTextOptions {
    /// The document's natural language as a BCP 47 tag (`en`, `de-CH`, `zh-Hans`), set as the
    /// catalog's `/Lang` when the document has none (a screen reader picks its voice by it).
    pub lang: Option<String>,
    /// The document's title, set in its information dictionary when it has none (viewers show
    /// it instead of the file name: `/DisplayDocTitle` is always set).
    pub title: Option<String>,
    /// Images that are decorative (a bullet, a rule, a logo repeated on every page): in an
    /// untagged document, where each image drawn becomes a `/Figure`, one drawn with no
    /// description whose images are all decorative is marked as an `/Artifact` instead, which
    /// assistive technology skips (a `/Figure` must have alternative text, PDF/UA 7.3).
    pub decorative: Vec<ImageKey>,
}

impl AltTextOptions {
    /// No language, no title: what [`add_alt_texts`] uses.
    pub fn new() -> Self {
        Self::default()
    }

    /// With `lang` as the language for a document that names none.
    pub fn lang(mut self, lang: impl Into<String>) -> Self {
        self.lang = Some(lang.into());
        self
    }

    /// With `title` as the title for a document that has none.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// With these images marked as decorative (see [`decorative`](Self::decorative)).
    pub fn decorative(mut self, images: impl IntoIterator<Item = ImageKey>) -> Self {
        self.decorative.extend(images);
        self
    }
}

/// [`add_alt_texts`], with a language and a title for documents that lack them.
pub fn add_alt_texts_with(
    doc: &PdfDocument,
    descriptions: &[(ImageKey, String)],
    options: &AltTextOptions,
) -> Result<Vec<u8>, PdfError> {
    crate::Isolation::current().add_alt_texts_with(doc, descriptions, options)
}

/// [`add_alt_texts_with`] in this process.
pub(crate) fn add_alt_texts_in_process(
    doc: &PdfDocument,
    descriptions: &[(ImageKey, String)],
    options: &AltTextOptions,
) -> Result<Vec<u8>, PdfError> {
    guarded(doc, || {
        let mut pdf = raw::open(doc)?;
        let alts: HashMap<ObjectId, String> = descriptions
            .iter()
            .filter(|(_, text)| !text.trim().is_empty())
            .map(|(key, text)| (key.id(), text.trim().to_string()))
            .collect();
        // Vector figures of several elements that are described, read before anything
        // changes: their other elements move under the first, which gets the /Alt.
        let drawings: Vec<Vec<ObjectId>> = if alts.is_empty() {
            Vec::new()
        } else {
            crate::figures::figures(&pdf)
                .into_iter()
                .filter(|f| f.elements.len() > 1 && alts.contains_key(&f.elements[0]))
                .map(|f| f.elements)
                .collect()
        };
        let root_id = pdf
            .trailer
            .at(b"Root")
            .and_then(Object::as_reference)
            .ok_or_else(|| damaged(doc, "the trailer has no /Root catalog"))?;
        let tree = pdf
            .get_dictionary(root_id)
            .and_then(|catalog| catalog.at(b"StructTreeRoot").cloned());
        let result = match tree {
            Some(Object::Reference(number, generation))
                if pdf.get_dictionary((number, generation)).is_some() =>
            {
                tag_tagged(&mut pdf, (number, generation), &alts)
            }
            Some(Object::Dict(tree)) => {
                // Move a direct tree root into its own object so elements can point at it.
                let tree_id = pdf.add_object(Object::Dict(tree));
                if let Some(catalog) = pdf.get_dictionary_mut(root_id) {
                    catalog.set("StructTreeRoot", reference(tree_id));
                }
                tag_tagged(&mut pdf, tree_id, &alts)
            }
            _ => {
                let decorative: HashSet<ObjectId> =
                    options.decorative.iter().map(|key| key.id()).collect();
                tag_untagged(&mut pdf, root_id, &alts, &decorative)
            }
        };
        result.map_err(|e| damaged(doc, e))?;
        let tree_id = pdf
            .get_dictionary(root_id)
            .and_then(|catalog| catalog.at(b"StructTreeRoot"))
            .and_then(Object::as_reference);
        if let Some(tree_id) = tree_id {
            tag_annotations(&mut pdf, tree_id).map_err(|e| damaged(doc, e))?;
        }
        // Keys of structure elements (a vector figure's, from find_figures): /Alt on the
        // element itself.
        for (id, text) in &alts {
            let is_element = pdf.get_dictionary(*id).is_some_and(|element| {
                element.has(b"S")
                    && element
                        .at(b"Type")
                        .and_then(Object::as_name)
                        .is_none_or(|t| t == b"StructElem")
            });
            if is_element {
                if let Some(element) = pdf.get_dictionary_mut(*id) {
                    element.set("Alt", text_string(text));
                }
            }
        }
        for drawing in &drawings {
            group_under_first(&mut pdf, drawing);
        }
        set_document_properties(&mut pdf, root_id, options).map_err(|e| damaged(doc, e))?;
        let old_version = pdf.version() < "1.4";
        let catalog = pdf
            .get_dictionary_mut(root_id)
            .ok_or_else(|| damaged(doc, "the /Root catalog is not a dictionary"))?;
        catalog.set(
            "MarkInfo",
            Object::Dict(dict([("Marked", Object::Bool(true))])),
        );
        if old_version && !catalog.has(b"Version") {
            // Tagged PDF is PDF 1.4; an update cannot change the header, the catalog can.
            catalog.set("Version", name("1.4"));
        }
        crate::write::save(&pdf, doc.bytes()).map_err(|detail| PdfError::Write {
            name: doc.name().to_string(),
            detail,
        })
    })
}

/// Moves the structure elements `drawing[1..]` (shapes of one drawing) from their parents'
/// `/K` into the `/K` of `drawing[0]`, whose `/Alt` then stands for all of them. An element
/// that is an ancestor of the first, or whose parent does not list it, stays where it is.
fn group_under_first(doc: &mut Document, drawing: &[ObjectId]) {
    let Some((&first, rest)) = drawing.split_first() else {
        return;
    };
    let parent_of = |doc: &Document, id: ObjectId| {
        doc.get_dictionary(id)
            .and_then(|e| e.at(b"P"))
            .and_then(Object::as_reference)
    };
    let mut ancestors = Vec::new();
    let mut at = parent_of(doc, first);
    while let Some(id) = at {
        if ancestors.contains(&id) || ancestors.len() > 64 {
            break;
        }
        ancestors.push(id);
        at = parent_of(doc, id);
    }
    for &part in rest {
        if part == first || ancestors.contains(&part) {
            continue;
        }
        let Some(parent) = parent_of(doc, part) else {
            continue;
        };
        let listed = match doc.get_dictionary(parent).and_then(|p| p.at(b"K")) {
            Some(Object::Reference(n, g)) => (*n, *g) == part,
            Some(Object::Array(kids)) => kids.iter().any(|k| k.as_reference() == Some(part)),
            _ => false,
        };
        if !listed {
            continue;
        }
        let Some(parent_dict) = doc.get_dictionary_mut(parent) else {
            continue;
        };
        let listed = match parent_dict.get_mut(b"K".as_slice()) {
            Some(Object::Reference(n, g)) if (*n, *g) == part => {
                parent_dict.set("K", Object::Array(Vec::new()));
                true
            }
            Some(Object::Array(kids)) => {
                let before = kids.len();
                kids.retain(|k| k.as_reference() != Some(part));
                kids.len() < before
            }
            _ => false,
        };
        if !listed {
            continue;
        }
        if let Some(first_dict) = doc.get_dictionary_mut(first) {
            let kids = match first_dict.at(b"K") {
                Some(Object::Array(kids)) => kids.clone(),
                Some(kid) => vec![kid.clone()],
                None => Vec::new(),
            };
            let mut kids = kids;
            kids.push(reference(part));
            first_dict.set("K", Object::Array(kids));
        }
        if let Some(part_dict) = doc.get_dictionary_mut(part) {
            part_dict.set("P", reference(first));
        }
    }
}

/// Images drawn by each page-level operation: op index → image ids (direct `Do`, or through
/// a Form XObject).
fn images_by_op(
    doc: &Document,
    ops: &[Operation],
    resources: &Dictionary,
) -> BTreeMap<usize, Vec<ObjectId>> {
    let mut draws = Vec::new();
    walk_images(doc, ops, resources, &mut draws);
    let mut by_op: BTreeMap<usize, Vec<ObjectId>> = BTreeMap::new();
    for draw in draws {
        let ids = by_op.entry(draw.op_index).or_default();
        if !ids.contains(&draw.id) {
            ids.push(draw.id);
        }
    }
    by_op
}

/// Whether the images `ids` (drawn by one operation) are all decorative and none has a
/// description: the drawing is an artifact.
fn decorative_only(
    ids: &[ObjectId],
    alts: &HashMap<ObjectId, String>,
    decorative: &HashSet<ObjectId>,
) -> bool {
    !ids.is_empty()
        && ids
            .iter()
            .all(|id| decorative.contains(id) && !alts.contains_key(id))
}

/// The descriptions of `ids` (deduplicated), joined into one alternative text.
fn alt_for(ids: &[ObjectId], alts: &HashMap<ObjectId, String>) -> Option<String> {
    let mut texts: Vec<&str> = Vec::new();
    for id in ids {
        if let Some(text) = alts.get(id) {
            if !texts.contains(&text.as_str()) {
                texts.push(text);
            }
        }
    }
    (!texts.is_empty()).then(|| texts.join(" "))
}

/// Whether a `BDC`/`BMC` opens an `/Artifact` sequence.
fn is_artifact(op: &Operation) -> bool {
    op.operands
        .first()
        .and_then(Object::as_name)
        .is_some_and(|n| n == b"Artifact")
}

/// Whether the named Form XObject shows text (so wrapping its `Do` as a paragraph keeps
/// that text in the structure tree).
fn form_shows_text(doc: &Document, resources: &Dictionary, name: &[u8]) -> bool {
    let Some(XObject::Form(_, form)) = xobject(doc, resources, name) else {
        return false;
    };
    super::objects::form_operations(form)
        .map(|ops| {
            ops.iter()
                .any(|op| matches!(op.operator.as_str(), "Tj" | "TJ" | "'" | "\""))
        })
        .unwrap_or(false)
}

/// Whether the named Form XObject carries its own structure links (marking its `Do` would
/// nest marked content).
fn form_is_structured(doc: &Document, resources: &Dictionary, name: &[u8]) -> bool {
    matches!(
        xobject(doc, resources, name),
        Some(XObject::Form(_, form)) if form.dict.has(b"StructParents") || form.dict.has(b"StructParent")
    )
}

fn mark(tag: &str, mcid: i64) -> Operation {
    Operation::new(
        "BDC",
        vec![
            name(tag),
            Object::Dict(dict([("MCID", Object::Integer(mcid))])),
        ],
    )
}

fn emc() -> Operation {
    Operation::new("EMC", vec![])
}

/// Replaces a page's content with `ops`, as one new Flate-compressed stream object (the
/// page's old streams stay in the file, unused).
fn set_page_content(
    doc: &mut Document,
    page_id: ObjectId,
    ops: Vec<Operation>,
) -> Result<(), String> {
    let bytes = raw::encode_content(&ops);
    let stream = crate::write::flate_stream(Dictionary::new(), &bytes)?;
    let content_id = doc.add_object(stream);
    let page = doc
        .get_dictionary_mut(page_id)
        .ok_or("the page object is not a dictionary")?;
    page.set("Contents", reference(content_id));
    Ok(())
}

/// A structure element under construction: its id and its kids (MCIDs).
/// The next marked-content id, given to the open paragraph of the page (opened when there is
/// none) and recorded in the page's parent-tree list.
fn paragraph_mcid(
    doc: &mut Document,
    page: ObjectId,
    elements: &mut Vec<Element>,
    paragraph: &mut Option<usize>,
    parents: &mut Vec<Object>,
) -> i64 {
    let mcid = parents.len() as i64;
    let element = *paragraph.get_or_insert_with(|| {
        elements.push(Element {
            id: doc.new_object_id(),
            kind: "P",
            page,
            mcids: Vec::new(),
            alt: None,
        });
        elements.len() - 1
    });
    elements[element].mcids.push(mcid);
    parents.push(reference(elements[element].id));
    mcid
}

struct Element {
    id: ObjectId,
    kind: &'static str,
    page: ObjectId,
    mcids: Vec<i64>,
    alt: Option<String>,
}

impl Element {
    fn into_object(self, parent: ObjectId) -> (ObjectId, Object) {
        let kids = if self.mcids.len() == 1 {
            Object::Integer(self.mcids[0])
        } else {
            Object::Array(self.mcids.into_iter().map(Object::Integer).collect())
        };
        let mut element = dict([
            ("Type", name("StructElem")),
            ("S", name(self.kind)),
            ("P", reference(parent)),
            ("Pg", reference(self.page)),
            ("K", kids),
        ]);
        if let Some(alt) = self.alt {
            element.set("Alt", text_string(&alt));
        }
        (self.id, Object::Dict(element))
    }
}

/// Path construction and painting operators (ISO 32000-1, 8.5.2 and 8.5.3; `W`/`W*` clip).
const PATH_OPERATORS: [&str; 19] = [
    "m", "l", "c", "v", "y", "h", "re", "W", "W*", "S", "s", "f", "F", "f*", "B", "B*", "b", "b*",
    "n",
];

/// Operators that begin a path.
const PATH_STARTS: [&str; 2] = ["m", "re"];

/// Operators that end a path (painting it, or not: `n`).
const PATH_ENDS: [&str; 10] = ["S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n"];

/// Untagged input: a new tree, `StructTreeRoot` → `Document` → `P` / `Figure` elements.
fn tag_untagged(
    doc: &mut Document,
    root_id: ObjectId,
    alts: &HashMap<ObjectId, String>,
    decorative: &HashSet<ObjectId>,
) -> Result<(), String> {
    let pages: Vec<ObjectId> = doc.get_pages().values().copied().collect();
    let tree_id = doc.new_object_id();
    let document_id = doc.new_object_id();
    let mut elements: Vec<Element> = Vec::new();
    let mut nums: Vec<Object> = Vec::new();
    let mut next_key: i64 = 0;

    for page_id in pages {
        let Ok(ops) = page_operations(doc, page_id) else {
            // Unreadable content: the page is left as it was.
            continue;
        };
        let resources = page_resources(doc, page_id);
        let by_op = images_by_op(doc, &ops, &resources);
        let mut out: Vec<Operation> = Vec::with_capacity(ops.len() + 16);
        let mut parents: Vec<Object> = Vec::new(); // MCID → element
        let mut paragraph: Option<usize> = None; // index into `elements` of the open P
        let mut in_text = false;
        let mut depth = 0usize; // existing marked-content nesting
        let mut artifact_at: Option<usize> = None;

        // Whether an /Artifact sequence around a path is open.
        let mut path_mark = false;
        // Whether anything was marked as an artifact.
        let mut artifacts = false;
        for (index, op) in ops.into_iter().enumerate() {
            let free = !in_text && artifact_at.is_none();
            let operator = op.operator.as_str();
            if path_mark && !PATH_OPERATORS.contains(&operator) {
                // Something else before the path was painted (a damaged stream): close the
                // mark so marked content stays nested.
                out.push(emc());
                path_mark = false;
            }
            match operator {
                // Vector graphics (rules, borders, shading) outside text: artifacts, so that
                // all of the page's content is either tagged or an artifact (PDF/UA 7.1).
                op_name if free && PATH_OPERATORS.contains(&op_name) => {
                    if !path_mark && PATH_STARTS.contains(&op_name) {
                        out.push(Operation::new("BMC", vec![name("Artifact")]));
                        artifacts = true;
                        path_mark = true;
                    }
                    let ends = PATH_ENDS.contains(&op_name);
                    out.push(op);
                    if ends && path_mark {
                        out.push(emc());
                        path_mark = false;
                    }
                }
                "sh" if free => {
                    out.push(Operation::new("BMC", vec![name("Artifact")]));
                    artifacts = true;
                    out.push(op);
                    out.push(emc());
                }
                "BT" if free => {
                    in_text = true;
                    let mcid =
                        paragraph_mcid(doc, page_id, &mut elements, &mut paragraph, &mut parents);
                    out.push(mark("P", mcid));
                    out.push(op);
                }
                "ET" if in_text => {
                    in_text = false;
                    out.push(op);
                    out.push(emc());
                }
                "Do" if free => {
                    let drawn = op
                        .operands
                        .first()
                        .and_then(Object::as_name)
                        .unwrap_or_default()
                        .to_vec();
                    let shows_text = form_shows_text(doc, &resources, &drawn);
                    if form_is_structured(doc, &resources, &drawn) {
                        out.push(op);
                    } else if !shows_text
                        && by_op
                            .get(&index)
                            .is_some_and(|ids| decorative_only(ids, alts, decorative))
                    {
                        out.push(Operation::new("BMC", vec![name("Artifact")]));
                        artifacts = true;
                        out.push(op);
                        out.push(emc());
                    } else if let Some(ids) = by_op.get(&index).filter(|_| !shows_text) {
                        let mcid = parents.len() as i64;
                        let id = doc.new_object_id();
                        elements.push(Element {
                            id,
                            kind: "Figure",
                            page: page_id,
                            mcids: vec![mcid],
                            alt: alt_for(ids, alts),
                        });
                        paragraph = None;
                        parents.push(reference(id));
                        out.push(mark("Figure", mcid));
                        out.push(op);
                        out.push(emc());
                    } else if shows_text {
                        // A form with text (and perhaps images) stays readable as a
                        // paragraph; images inside it get no /Alt (see the docs).
                        let mcid = paragraph_mcid(
                            doc,
                            page_id,
                            &mut elements,
                            &mut paragraph,
                            &mut parents,
                        );
                        out.push(mark("P", mcid));
                        out.push(op);
                        out.push(emc());
                    } else {
                        out.push(op);
                    }
                }
                "BMC" | "BDC" => {
                    depth += 1;
                    if artifact_at.is_none() && !in_text && is_artifact(&op) {
                        artifact_at = Some(depth);
                    }
                    out.push(op);
                }
                "EMC" => {
                    if artifact_at == Some(depth) {
                        artifact_at = None;
                    }
                    depth = depth.saturating_sub(1);
                    out.push(op);
                }
                _ => out.push(op),
            }
        }
        if in_text || path_mark {
            // A text block or a path left open at the end of the stream.
            out.push(emc());
        }
        if parents.is_empty() {
            // Nothing tagged on the page; its artifacts (a decorative image, rules) are
            // still marked, so that all of its content is tagged or an artifact.
            if artifacts {
                set_page_content(doc, page_id, out)?;
            }
            continue;
        }
        set_page_content(doc, page_id, out)?;
        let page = doc
            .get_dictionary_mut(page_id)
            .ok_or("the page object is not a dictionary")?;
        page.set("StructParents", Object::Integer(next_key));
        page.set("Tabs", name("S"));
        nums.push(Object::Integer(next_key));
        nums.push(Object::Array(parents));
        next_key += 1;
    }

    let mut kids: Vec<Object> = Vec::with_capacity(elements.len());
    for element in elements {
        let (id, object) = element.into_object(document_id);
        kids.push(reference(id));
        doc.insert(id, object);
    }
    let parent_tree = doc.add_object(Object::Dict(dict([("Nums", Object::Array(nums))])));
    doc.insert(
        document_id,
        Object::Dict(dict([
            ("Type", name("StructElem")),
            ("S", name("Document")),
            ("P", reference(tree_id)),
            ("K", Object::Array(kids)),
        ])),
    );
    doc.insert(
        tree_id,
        Object::Dict(dict([
            ("Type", name("StructTreeRoot")),
            ("K", reference(document_id)),
            ("ParentTree", reference(parent_tree)),
            ("ParentTreeNextKey", Object::Integer(next_key)),
        ])),
    );
    let catalog = doc
        .get_dictionary_mut(root_id)
        .ok_or("the catalog is not a dictionary")?;
    catalog.set("StructTreeRoot", reference(tree_id));
    Ok(())
}

/// Flattens a number tree (`/Nums` and `/Kids`) into `out`.
fn read_number_tree(doc: &Document, node: &Object, out: &mut BTreeMap<i64, Object>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Some(node) = as_dict(doc, node) else {
        return;
    };
    if let Some(Object::Array(nums)) = get(doc, node, b"Nums") {
        for pair in nums.chunks(2) {
            if let [Object::Integer(key), value] = pair {
                out.insert(*key, value.clone());
            }
        }
    }
    if let Some(Object::Array(kids)) = get(doc, node, b"Kids") {
        for kid in kids {
            read_number_tree(doc, kid, out, depth + 1);
        }
    }
}

/// An element's structure type with `/RoleMap` applied (up to a few steps).
pub(crate) fn resolved_role(
    doc: &Document,
    element: &Dictionary,
    role_map: Option<&Dictionary>,
) -> Vec<u8> {
    let mut role = get(doc, element, b"S")
        .and_then(Object::as_name)
        .unwrap_or_default()
        .to_vec();
    if let Some(map) = role_map {
        for _ in 0..8 {
            match get(doc, map, &role).and_then(Object::as_name) {
                Some(next) if next != role.as_slice() => role = next.to_vec(),
                _ => break,
            }
        }
    }
    role
}

/// Whether an element's content is exactly the one marked-content sequence `mcid`.
fn holds_only(doc: &Document, element: &Dictionary, mcid: i64) -> bool {
    let is_mcid = |kid: &Object| match deref(doc, kid) {
        Object::Integer(n) => *n == mcid,
        Object::Dict(d) => {
            d.at(b"Type").and_then(Object::as_name) == Some(b"MCR".as_slice())
                && d.at(b"MCID").and_then(Object::as_i64) == Some(mcid)
        }
        _ => false,
    };
    match get(doc, element, b"K") {
        Some(Object::Array(kids)) => kids.len() == 1 && is_mcid(&kids[0]),
        Some(kid) => is_mcid(kid),
        None => false,
    }
}

/// One entry on the marked-content stack while walking a tagged page.
#[derive(Clone, Copy)]
enum Marked {
    Mcid(i64),
    Artifact,
    Other,
}

/// The MCID a `BDC` opens, from its inline property list or a named one in `/Properties`.
pub(crate) fn bdc_mcid(doc: &Document, op: &Operation, resources: &Dictionary) -> Option<i64> {
    let props = match op.operands.get(1)? {
        Object::Dict(d) => d,
        Object::Name(name) => {
            let properties = as_dict(doc, resources.at(b"Properties")?)?;
            as_dict(doc, properties.at(name)?)?
        }
        _ => return None,
    };
    get(doc, props, b"MCID").and_then(Object::as_i64)
}

/// Tagged input: `/Alt` on the elements that already hold the images; new `/Figure`
/// elements for images outside any marked content.
fn tag_tagged(
    doc: &mut Document,
    tree_id: ObjectId,
    alts: &HashMap<ObjectId, String>,
) -> Result<(), String> {
    let tree = doc
        .get_dictionary(tree_id)
        .ok_or("the structure tree root is not a dictionary")?
        .clone();
    let mut parent_tree: BTreeMap<i64, Object> = BTreeMap::new();
    if let Some(node) = tree.at(b"ParentTree") {
        read_number_tree(doc, node, &mut parent_tree, 0);
    }
    let role_map = tree.at(b"RoleMap").and_then(|m| as_dict(doc, m)).cloned();
    let mut next_key = parent_tree.keys().next_back().map_or(0, |k| k + 1).max(
        tree.at(b"ParentTreeNextKey")
            .and_then(Object::as_i64)
            .unwrap_or(0),
    );
    // Where new Figures go: the single top element (usually /Document), else the root.
    let top: ObjectId = match tree.at(b"K") {
        Some(Object::Reference(n, g)) if doc.get_dictionary((*n, *g)).is_some() => (*n, *g),
        _ => tree_id,
    };
    let mut new_top_kids: Vec<Object> = Vec::new();
    let mut tree_changed = false;

    let pages: Vec<ObjectId> = doc.get_pages().values().copied().collect();
    for page_id in pages {
        let Ok(ops) = page_operations(doc, page_id) else {
            continue;
        };
        let resources = page_resources(doc, page_id);
        let by_op = images_by_op(doc, &ops, &resources);
        if !by_op.values().flatten().any(|id| alts.contains_key(id)) {
            continue;
        }
        let struct_parents = doc
            .get_dictionary(page_id)
            .and_then(|p| p.at(b"StructParents"))
            .and_then(Object::as_i64);

        let mut stack: Vec<Marked> = Vec::new();
        let mut max_mcid: i64 = -1;
        let mut to_wrap: BTreeMap<usize, String> = BTreeMap::new();
        let mut updates: Vec<(ObjectId, i64, String)> = Vec::new();
        for (index, op) in ops.iter().enumerate() {
            match op.operator.as_str() {
                "BDC" => {
                    let entry = if is_artifact(op) {
                        Marked::Artifact
                    } else if let Some(mcid) = bdc_mcid(doc, op, &resources) {
                        max_mcid = max_mcid.max(mcid);
                        Marked::Mcid(mcid)
                    } else {
                        Marked::Other
                    };
                    stack.push(entry);
                }
                "BMC" => stack.push(if is_artifact(op) {
                    Marked::Artifact
                } else {
                    Marked::Other
                }),
                "EMC" => {
                    stack.pop();
                }
                "Do" => {
                    let Some(ids) = by_op.get(&index) else {
                        continue;
                    };
                    let Some(alt) = alt_for(ids, alts) else {
                        continue;
                    };
                    let innermost = stack
                        .iter()
                        .rev()
                        .find(|m| !matches!(m, Marked::Other))
                        .copied();
                    match innermost {
                        Some(Marked::Artifact) => {}
                        Some(Marked::Mcid(mcid)) => {
                            let element = struct_parents
                                .and_then(|k| parent_tree.get(&k))
                                .map(|entry| deref(doc, entry))
                                .and_then(Object::as_array)
                                .and_then(|array| array.get(usize::try_from(mcid).ok()?))
                                .and_then(Object::as_reference);
                            if let Some(element) = element {
                                updates.push((element, mcid, alt));
                            }
                        }
                        _ => {
                            let name = op
                                .operands
                                .first()
                                .and_then(Object::as_name)
                                .unwrap_or_default();
                            if !form_is_structured(doc, &resources, name) {
                                to_wrap.insert(index, alt);
                            }
                        }
                    }
                }
                _ => {}
            }
        }

        for (element_id, mcid, alt) in updates {
            let Some(element) = doc.get_dictionary(element_id) else {
                continue;
            };
            let role = resolved_role(doc, element, role_map.as_ref());
            let only = holds_only(doc, element, mcid);
            if role != b"Figure" && !only {
                // The image shares its marked content with other content: an /Alt here
                // would replace that content for assistive technology.
                continue;
            }
            let element = doc
                .get_dictionary_mut(element_id)
                .ok_or("a structure element is not a dictionary")?;
            if role != b"Figure" {
                element.set("S", name("Figure"));
            }
            element.set("Alt", text_string(&alt));
        }

        if to_wrap.is_empty() {
            continue;
        }
        let mut out: Vec<Operation> = Vec::with_capacity(ops.len() + 3 * to_wrap.len());
        let mut new_parents: Vec<(i64, ObjectId)> = Vec::new();
        for (index, op) in ops.into_iter().enumerate() {
            if let Some(alt) = to_wrap.remove(&index) {
                max_mcid += 1;
                let element = Element {
                    id: doc.new_object_id(),
                    kind: "Figure",
                    page: page_id,
                    mcids: vec![max_mcid],
                    alt: Some(alt),
                };
                new_parents.push((max_mcid, element.id));
                let (id, object) = element.into_object(top);
                doc.insert(id, object);
                new_top_kids.push(reference(id));
                out.push(mark("Figure", max_mcid));
                out.push(op);
                out.push(emc());
            } else {
                out.push(op);
            }
        }
        set_page_content(doc, page_id, out)?;
        let key = match struct_parents {
            Some(key) => key,
            None => {
                let key = next_key;
                next_key += 1;
                let page = doc
                    .get_dictionary_mut(page_id)
                    .ok_or("the page object is not a dictionary")?;
                page.set("StructParents", Object::Integer(key));
                key
            }
        };
        let mut array = parent_tree
            .get(&key)
            .map(|entry| deref(doc, entry))
            .and_then(Object::as_array)
            .map(<[Object]>::to_vec)
            .unwrap_or_default();
        for (mcid, element) in new_parents {
            let slot = usize::try_from(mcid).map_err(|_| "negative MCID".to_string())?;
            if array.len() <= slot {
                array.resize(slot + 1, Object::Null);
            }
            array[slot] = reference(element);
        }
        parent_tree.insert(key, Object::Array(array));
        tree_changed = true;
    }

    if tree_changed {
        // Append the new Figures to the top element's kids.
        let top_dict = doc
            .get_dictionary(top)
            .ok_or("a structure element is not a dictionary")?;
        let mut kids: Vec<Object> = match top_dict.at(b"K").map(|k| deref(doc, k)) {
            Some(Object::Array(kids)) => kids.clone(),
            Some(Object::Null) | None => Vec::new(),
            Some(_) => vec![top_dict.at(b"K").cloned().unwrap_or(Object::Null)],
        };
        kids.extend(new_top_kids);
        doc.get_dictionary_mut(top)
            .ok_or("a structure element is not a dictionary")?
            .set("K", Object::Array(kids));
        // Rewrite the parent tree as one flat node.
        let mut nums = Vec::with_capacity(parent_tree.len() * 2);
        for (key, value) in parent_tree {
            nums.push(Object::Integer(key));
            nums.push(value);
        }
        let parent_tree_id = doc.add_object(Object::Dict(dict([("Nums", Object::Array(nums))])));
        let tree = doc
            .get_dictionary_mut(tree_id)
            .ok_or("the structure tree root is not a dictionary")?;
        tree.set("ParentTree", reference(parent_tree_id));
        tree.set("ParentTreeNextKey", Object::Integer(next_key));
    }
    Ok(())
}

/// Puts every annotation of every page that is not in the structure tree yet into it, as
/// PDF/UA asks (ISO 14289-1, 7.18.1): a `/Link` element for a link, `/Form` for a form field's
/// widget, `/Annot` otherwise, each holding an object reference (`/OBJR`) to its annotation,
/// with the annotation's `/StructParent` in the parent tree, and a `/Contents` description on
/// an annotation that has none (a link's says where it goes). Pops-ups and printer's marks
/// are not content and are left alone. Returns how many were added.
fn tag_annotations(doc: &mut Document, tree_id: ObjectId) -> Result<usize, String> {
    let tree = doc
        .get_dictionary(tree_id)
        .ok_or("the structure tree root is not a dictionary")?
        .clone();
    let mut parent_tree: BTreeMap<i64, Object> = BTreeMap::new();
    if let Some(node) = tree.at(b"ParentTree") {
        read_number_tree(doc, node, &mut parent_tree, 0);
    }
    let mut next_key = parent_tree.keys().next_back().map_or(0, |k| k + 1).max(
        tree.at(b"ParentTreeNextKey")
            .and_then(Object::as_i64)
            .unwrap_or(0),
    );
    let top: ObjectId = match tree.at(b"K") {
        Some(Object::Reference(n, g)) if doc.get_dictionary((*n, *g)).is_some() => (*n, *g),
        _ => tree_id,
    };
    let mut added: Vec<Object> = Vec::new();
    let pages: Vec<ObjectId> = doc.get_pages().values().copied().collect();
    for page_id in pages {
        let annots: Vec<Object> = match doc.get_dictionary(page_id).and_then(|p| p.at(b"Annots")) {
            Some(Object::Array(items)) => items.clone(),
            Some(Object::Reference(n, g)) => match doc.get_object((*n, *g)) {
                Some(Object::Array(items)) => items.clone(),
                _ => continue,
            },
            _ => continue,
        };
        let mut rewritten: Vec<Object> = Vec::with_capacity(annots.len());
        let mut changed = false;
        for annot in annots {
            // An annotation given directly in the array cannot be referred to: make it an
            // object of its own.
            let id = match annot {
                Object::Reference(n, g) => (n, g),
                Object::Dict(d) => {
                    changed = true;
                    doc.add_object(Object::Dict(d))
                }
                other => {
                    rewritten.push(other);
                    continue;
                }
            };
            rewritten.push(reference(id));
            let Some(annot) = doc.get_dictionary(id) else {
                continue;
            };
            let subtype = annot
                .at(b"Subtype")
                .and_then(Object::as_name)
                .unwrap_or(b"")
                .to_vec();
            if annot.has(b"StructParent") || matches!(subtype.as_slice(), b"Popup" | b"PrinterMark")
            {
                continue;
            }
            let role = match subtype.as_slice() {
                b"Link" => "Link",
                b"Widget" => "Form",
                _ => "Annot",
            };
            let has_contents = annot
                .at(b"Contents")
                .and_then(Object::as_str_bytes)
                .is_some_and(|c| !c.is_empty());
            let contents = (!has_contents).then(|| describe_annotation(doc, annot, &subtype));
            let element = doc.add_object(Object::Dict(dict([
                ("Type", name("StructElem")),
                ("S", name(role)),
                ("P", reference(top)),
                ("Pg", reference(page_id)),
                (
                    "K",
                    Object::Dict(dict([
                        ("Type", name("OBJR")),
                        ("Obj", reference(id)),
                        ("Pg", reference(page_id)),
                    ])),
                ),
            ])));
            if let Some(annot) = doc.get_dictionary_mut(id) {
                annot.set("StructParent", Object::Integer(next_key));
                if let Some(contents) = contents {
                    annot.set("Contents", text_string(&contents));
                }
            }
            parent_tree.insert(next_key, reference(element));
            next_key += 1;
            added.push(reference(element));
        }
        if let Some(page) = doc.get_dictionary_mut(page_id) {
            if changed {
                page.set("Annots", Object::Array(rewritten));
            }
            page.set("Tabs", name("S"));
        }
    }
    if added.is_empty() {
        return Ok(0);
    }
    let count = added.len();
    // The new elements join the top element's kids.
    let top_dict = doc
        .get_dictionary_mut(top)
        .ok_or("a structure element is not a dictionary")?;
    let mut kids = match top_dict.at(b"K") {
        Some(Object::Array(items)) => items.clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    };
    kids.extend(added);
    top_dict.set("K", Object::Array(kids));
    let mut nums = Vec::with_capacity(parent_tree.len() * 2);
    for (key, value) in parent_tree {
        nums.push(Object::Integer(key));
        nums.push(value);
    }
    let parent_tree_id = doc.add_object(Object::Dict(dict([("Nums", Object::Array(nums))])));
    let tree = doc
        .get_dictionary_mut(tree_id)
        .ok_or("the structure tree root is not a dictionary")?;
    tree.set("ParentTree", reference(parent_tree_id));
    tree.set("ParentTreeNextKey", Object::Integer(next_key));
    Ok(count)
}

/// A `/Contents` text for an annotation that has none.
fn describe_annotation(doc: &Document, annot: &Dictionary, subtype: &[u8]) -> String {
    if subtype == b"Link" {
        let action = get(doc, annot, b"A").and_then(|a| as_dict(doc, a));
        let uri = action
            .and_then(|a| get(doc, a, b"URI"))
            .and_then(Object::as_str_bytes)
            .map(|u| String::from_utf8_lossy(u).into_owned());
        return match uri {
            Some(uri) => format!("Link to {uri}"),
            None => "Link to another place in this document".to_string(),
        };
    }
    format!("{} annotation", String::from_utf8_lossy(subtype))
}

/// Catalog entries PDF/UA asks for: `/Lang` (the document's own, else `lang`),
/// `/ViewerPreferences /DisplayDocTitle`, a title (the document's own, else `title`), and
/// XMP metadata with that title as `dc:title` when the document has no metadata stream.
fn set_document_properties(
    doc: &mut Document,
    root_id: ObjectId,
    options: &AltTextOptions,
) -> Result<(), String> {
    let catalog = doc
        .get_dictionary_mut(root_id)
        .ok_or("the catalog is not a dictionary")?;
    let has_lang = catalog
        .at(b"Lang")
        .and_then(Object::as_str_bytes)
        .is_some_and(|l| !l.is_empty());
    if !has_lang {
        if let Some(lang) = options.lang.as_deref().filter(|l| !l.is_empty()) {
            catalog.set("Lang", text_string(lang));
        }
    }
    let mut preferences = match catalog.at(b"ViewerPreferences") {
        Some(Object::Dict(d)) => d.clone(),
        _ => Dictionary::new(),
    };
    preferences.set("DisplayDocTitle", Object::Bool(true));
    catalog.set("ViewerPreferences", Object::Dict(preferences));
    let info_id = doc.trailer.at(b"Info").and_then(Object::as_reference);
    let has_title = info_id
        .and_then(|id| doc.get_dictionary(id))
        .and_then(|info| info.at(b"Title"))
        .and_then(Object::as_str_bytes)
        .is_some_and(|t| !t.is_empty());
    if !has_title {
        if let Some(title) = options.title.as_deref().filter(|t| !t.is_empty()) {
            match info_id.filter(|id| doc.get_dictionary(*id).is_some()) {
                Some(id) => {
                    if let Some(info) = doc.get_dictionary_mut(id) {
                        info.set("Title", text_string(title));
                    }
                }
                None => {
                    let info = doc.add_object(Object::Dict(dict([("Title", text_string(title))])));
                    doc.trailer.set("Info", reference(info));
                }
            }
        }
    }
    // PDF/UA reads the title from the XMP metadata (dc:title): write a packet with it when
    // the document has a title and no metadata stream (an existing one is left as it is).
    let title = doc
        .trailer
        .at(b"Info")
        .and_then(Object::as_reference)
        .and_then(|id| doc.get_dictionary(id))
        .and_then(|info| info.at(b"Title"))
        .and_then(Object::as_str_bytes)
        .map(decode_text_string)
        .filter(|t| !t.trim().is_empty());
    let has_metadata = doc
        .get_dictionary(root_id)
        .is_none_or(|c| c.has(b"Metadata"));
    if let (Some(title), false) = (title, has_metadata) {
        // Uncompressed: XMP is meant to be readable by tools that know nothing of PDF.
        let stream = Object::Stream(raw::Stream {
            dict: dict([("Type", name("Metadata")), ("Subtype", name("XML"))]),
            raw_data: xmp_with_title(&title).into_bytes(),
        });
        let id = doc.add_object(stream);
        if let Some(catalog) = doc.get_dictionary_mut(root_id) {
            catalog.set("Metadata", reference(id));
        }
    }
    Ok(())
}

/// A PDF text string as text: UTF-16BE after a byte-order mark, else (PDFDocEncoding, read
/// as Latin-1, which it matches for letters).
fn decode_text_string(bytes: &[u8]) -> String {
    match bytes.strip_prefix(&[0xFE, 0xFF]) {
        Some(utf16) => String::from_utf16_lossy(
            &utf16
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect::<Vec<_>>(),
        ),
        None => bytes.iter().map(|b| *b as char).collect(),
    }
}

/// A minimal XMP packet holding `title` as `dc:title`.
fn xmp_with_title(title: &str) -> String {
    let escaped = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
         <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
         <rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n\
         <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{escaped}</rdf:li></rdf:Alt></dc:title>\n\
         </rdf:Description>\n\
         </rdf:RDF>\n\
         </x:xmpmeta>\n\
         <?xpacket end=\"w\"?>"
    )
}
