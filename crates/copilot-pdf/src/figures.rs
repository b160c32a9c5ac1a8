//! Figures that are not images: `/Figure` structure elements without alternative text whose
//! content is drawn with paths and text (a diagram in Word, a chart), found with the region
//! they cover so it can be rendered and described.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::alt::{bdc_mcid, resolved_role};
use crate::images::{EncodedImage, ImageFormat, PdfRect};
use crate::objects::{
    as_dict, get, matrix_of, multiply, number, page_operations, page_resources, xobject, Matrix,
    XObject, IDENTITY,
};
use crate::raw::{DictExt, Dictionary, Document, Object, ObjectId, Operation};
use crate::{guarded, raw, PdfDocument, PdfError};

/// A figure drawn with vector graphics (and text): `/Figure` structure elements (after
/// `/RoleMap`; also Word's `/InlineShape`, which it maps to `/Sect`) without `/Alt`, or with
/// an empty one, whose marked content draws paths or text rather than only images (those
/// are in [`extract_images`](crate::extract_images)), and that are not inside an element
/// with `/Alt`. Word tags each shape of a drawing as a figure of its own: figures on one page
/// whose regions touch are one figure here.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PdfFigure {
    /// The structure elements: object number and generation of each.
    pub elements: Vec<(u32, u16)>,
    /// 1-based page number.
    pub page: u32,
    /// The region its content covers, in PDF points from the page's lower-left corner
    /// (clipped to the page's crop box).
    pub rect: PdfRect,
    /// How many path-painting, text-showing and image operations it holds.
    pub paths: usize,
    /// Text-showing operations.
    pub texts: usize,
    /// Images (and forms) drawn.
    pub images: usize,
    /// The region (and 4 points around it) rendered as PNG on white — all of the page's
    /// content there, not only the figure's — at 150 dpi, or less so that it stays within
    /// 4 million pixels.
    pub image: Option<EncodedImage>,
    /// Why the region could not be rendered (then `image` is `None`).
    pub render_problem: Option<String>,
}

impl PdfFigure {
    /// The key to give [`add_alt_texts`](crate::add_alt_texts) a description of this figure
    /// with: its first structure element (the one that comes first in the tree), which gets
    /// the `/Alt`. When the figure is several elements (the shapes of one drawing), the
    /// others are moved under the first, so its `/Alt` stands for the whole drawing.
    pub fn key(&self) -> crate::ImageKey {
        let (object, generation) = self.elements.first().copied().unwrap_or_default();
        crate::ImageKey::new(object, generation)
    }

    /// Where the figure is, as an [`ImagePlacement`](crate::ImagePlacement): its page and
    /// region, with no resource name (the page's own content draws it, not one XObject) and
    /// `in_form` false.
    pub fn placement(&self) -> crate::ImagePlacement {
        crate::ImagePlacement {
            page: self.page,
            rect: self.rect,
            resource_name: String::new(),
            in_form: false,
        }
    }
}

/// Deepest structure tree walked.
const MAX_DEPTH: usize = 64;

/// Lists the vector figures of a tagged PDF, page by page, each with its region rendered
/// (hayro) so a vision model can describe it (an untagged PDF names no figures: the list is
/// empty). To render only some of them (those a caller will describe), use
/// [`locate_figures`] and then [`render_figures`] on the ones chosen.
///
/// Errors are those of opening the file ([`PdfError::PasswordRequired`],
/// [`PdfError::Damaged`], …). Runs in a worker process when
/// [`Isolation::current`](crate::Isolation::current) has one.
pub fn find_figures(doc: &PdfDocument) -> Result<Vec<PdfFigure>, PdfError> {
    crate::Isolation::current().find_figures(doc)
}

/// [`find_figures`] without the rendering: the same figures, in the same order, each with
/// `image` and `render_problem` `None`. Cheap next to rendering; give the figures to
/// describe to [`render_figures`].
///
/// Errors and isolation are those of [`find_figures`].
pub fn locate_figures(doc: &PdfDocument) -> Result<Vec<PdfFigure>, PdfError> {
    crate::Isolation::current().locate_figures(doc)
}

/// Renders the regions of `figures` (found in `doc` by [`locate_figures`]) as
/// [`find_figures`] does, setting each one's `image`, or its `render_problem` when its
/// region cannot be rendered. Figures that have an `image` already are left as they are.
///
/// Errors: those of opening the file, and those of the worker process (a
/// [`PdfError::LimitExceeded`] when rendering took longer or more memory than the
/// [`Isolation`](crate::Isolation) allows); `figures` are then left as they were.
pub fn render_figures(doc: &PdfDocument, figures: &mut [PdfFigure]) -> Result<(), PdfError> {
    crate::Isolation::current().render_figures(doc, figures)
}

/// [`find_figures`] in this process.
pub(crate) fn find_figures_in_process(doc: &PdfDocument) -> Result<Vec<PdfFigure>, PdfError> {
    let found = locate_figures_in_process(doc)?;
    render_figures_in_process(doc, found)
}

/// [`locate_figures`] in this process.
pub(crate) fn locate_figures_in_process(doc: &PdfDocument) -> Result<Vec<PdfFigure>, PdfError> {
    guarded(doc, || Ok(figures(&raw::open(doc)?)))
}

/// [`render_figures`] in this process: `figures` with their regions rendered (those without
/// an image).
pub(crate) fn render_figures_in_process(
    doc: &PdfDocument,
    mut figures: Vec<PdfFigure>,
) -> Result<Vec<PdfFigure>, PdfError> {
    if figures.iter().all(|f| f.image.is_some()) {
        return Ok(figures);
    }
    guarded(doc, || {
        crate::preflight(doc)?;
        let unrendered = figures.iter_mut().filter(|f| f.image.is_none());
        match hayro::hayro_syntax::Pdf::new(doc.shared_bytes()) {
            Ok(rendering) => {
                for figure in unrendered {
                    match render_region(&rendering, figure.page, figure.rect, RENDER_DPI) {
                        Ok(image) => {
                            figure.image = Some(image);
                            figure.render_problem = None;
                        }
                        Err(problem) => figure.render_problem = Some(problem),
                    }
                }
            }
            Err(e) => {
                for figure in unrendered {
                    figure.render_problem =
                        Some(format!("the renderer cannot read the file: {e:?}"));
                }
            }
        }
        Ok(figures)
    })
}

/// Resolution of a rendered figure.
const RENDER_DPI: f64 = 150.0;

/// Points of the page shown around a figure's region when it is rendered (strokes reach past
/// the points that define them).
const RENDER_MARGIN: f64 = 4.0;

/// Most pixels in a rendered figure (the resolution drops to stay within).
const MAX_RENDER_PIXELS: f64 = 4_000_000.0;

/// Renders `rect` of page `number` (1-based) at `dpi` or less, as PNG on white.
fn render_region(
    pdf: &hayro::hayro_syntax::Pdf,
    number: u32,
    rect: PdfRect,
    dpi: f64,
) -> Result<EncodedImage, String> {
    use hayro::hayro_interpret::util::TransformExt;
    use hayro::kurbo::{Affine, Rect};
    use hayro::vello_cpu;
    let pages = pdf.pages();
    let page = number
        .checked_sub(1)
        .and_then(|i| pages.get(i as usize))
        .ok_or_else(|| format!("the renderer finds no page {number}"))?;
    let initial = page.initial_transform(true).to_kurbo();
    let area = initial.transform_rect_bbox(Rect::new(
        rect.x0 - RENDER_MARGIN,
        rect.y0 - RENDER_MARGIN,
        rect.x1 + RENDER_MARGIN,
        rect.y1 + RENDER_MARGIN,
    ));
    let mut scale = dpi / 72.0;
    let pixels = area.width() * area.height() * scale * scale;
    if pixels > MAX_RENDER_PIXELS {
        scale *= (MAX_RENDER_PIXELS / pixels).sqrt();
    }
    let width = (area.width() * scale).round().clamp(1.0, 16_384.0) as u16;
    let height = (area.height() * scale).round().clamp(1.0, 16_384.0) as u16;
    let transform = Affine::scale(scale) * Affine::translate((-area.x0, -area.y0)) * initial;
    let cache = hayro::RenderCache::new();
    let mut ctx = vello_cpu::RenderContext::new(width, height);
    hayro::render_into(
        page,
        &cache,
        &hayro::hayro_interpret::InterpreterSettings::default(),
        &hayro::RenderSettings::default(),
        &mut ctx,
        transform,
    );
    ctx.flush();
    let mut pixmap = vello_cpu::Pixmap::new(width, height);
    ctx.render_with(
        &mut pixmap,
        &mut vello_cpu::Resources::default(),
        vello_cpu::RasterizerSettings {
            target_init: vello_cpu::TargetInit::Clear(vello_cpu::color::palette::css::WHITE),
            ..Default::default()
        },
    );
    // Opaque on white: premultiplied RGBA is plain RGBA; drop the alpha.
    let rgb: Vec<u8> = pixmap
        .data_as_u8_slice()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let bytes = crate::imgconv::encode_rgb_png(width as usize, height as usize, &rgb)?;
    Ok(EncodedImage {
        format: ImageFormat::Png,
        width: width as u32,
        height: height as u32,
        bytes,
    })
}

/// A figure element and the marked content it owns: (page object, MCID) pairs.
struct Wanted {
    element: ObjectId,
    marks: Vec<(ObjectId, i64)>,
}

pub(crate) fn figures(pdf: &Document) -> Vec<PdfFigure> {
    let Some(tree) = pdf
        .catalog()
        .and_then(|c| get(pdf, c, b"StructTreeRoot"))
        .and_then(|t| as_dict(pdf, t))
    else {
        return Vec::new();
    };
    let role_map = get(pdf, tree, b"RoleMap").and_then(|m| as_dict(pdf, m));
    let mut wanted = Vec::new();
    let mut seen = HashSet::new();
    // Kids are read without resolving references: an element's object id names it.
    if let Some(kids) = tree.at(b"K") {
        walk_tree(pdf, kids, None, role_map, 0, &mut seen, &mut wanted);
    }
    if wanted.is_empty() {
        return Vec::new();
    }
    let numbers: HashMap<ObjectId, u32> = pdf.get_pages().iter().map(|(&n, &id)| (id, n)).collect();
    // Per page: MCID → figure index.
    let mut by_page: BTreeMap<ObjectId, HashMap<i64, usize>> = BTreeMap::new();
    for (index, figure) in wanted.iter().enumerate() {
        for (page, mcid) in &figure.marks {
            by_page.entry(*page).or_default().insert(*mcid, index);
        }
    }
    let mut extents: Vec<Extent> = vec![Extent::default(); wanted.len()];
    let mut pages_of: Vec<Option<ObjectId>> = vec![None; wanted.len()];
    for (page_id, mcids) in &by_page {
        let Ok(ops) = page_operations(pdf, *page_id) else {
            continue;
        };
        let resources = page_resources(pdf, *page_id);
        measure(pdf, &ops, &resources, mcids, &mut extents);
        for index in mcids.values() {
            pages_of[*index].get_or_insert(*page_id);
        }
    }
    let mut out = Vec::new();
    for ((figure, extent), page_id) in wanted.iter().zip(extents).zip(pages_of) {
        let Some(page_id) = page_id else { continue };
        let Some(&page) = numbers.get(&page_id) else {
            continue;
        };
        if extent.paths + extent.texts == 0 || !extent.x0.is_finite() {
            continue; // nothing drawn, or only images
        }
        // A straight line has no width or no height: give it the width of a thin stroke.
        let (mut x0, mut y0, mut x1, mut y1) = (extent.x0, extent.y0, extent.x1, extent.y1);
        if x1 - x0 < 1.0 {
            (x0, x1) = (x0 - 0.5, x1 + 0.5);
        }
        if y1 - y0 < 1.0 {
            (y0, y1) = (y0 - 0.5, y1 + 0.5);
        }
        let crop = page_box(pdf, page_id);
        let rect = PdfRect {
            x0: x0.max(crop[0]),
            y0: y0.max(crop[1]),
            x1: x1.min(crop[2]),
            y1: y1.min(crop[3]),
        };
        if rect.x1 <= rect.x0 || rect.y1 <= rect.y0 {
            continue;
        }
        out.push(PdfFigure {
            elements: vec![figure.element],
            page,
            rect,
            paths: extent.paths,
            texts: extent.texts,
            images: extent.images,
            image: None,
            render_problem: None,
        });
    }
    merge_touching(out)
}

/// How close (in points) two figures' regions may come and still be parts of one drawing.
const TOUCHING: f64 = 6.0;

/// Figures on one page whose regions touch or overlap, as one (in the order first seen).
fn merge_touching(figures: Vec<PdfFigure>) -> Vec<PdfFigure> {
    let mut out: Vec<PdfFigure> = Vec::new();
    for figure in figures {
        out.push(figure);
        // Merging can make a figure reach others: repeat until nothing merges.
        loop {
            let last = out.len() - 1;
            let Some(other) = (0..last).find(|&i| {
                let (a, b) = (&out[i], &out[last]);
                a.page == b.page
                    && a.rect.x0 - TOUCHING <= b.rect.x1
                    && b.rect.x0 - TOUCHING <= a.rect.x1
                    && a.rect.y0 - TOUCHING <= b.rect.y1
                    && b.rect.y0 - TOUCHING <= a.rect.y1
            }) else {
                break;
            };
            let b = out.remove(last);
            let a = &mut out[other];
            a.elements.extend(b.elements);
            a.rect = PdfRect {
                x0: a.rect.x0.min(b.rect.x0),
                y0: a.rect.y0.min(b.rect.y0),
                x1: a.rect.x1.max(b.rect.x1),
                y1: a.rect.y1.max(b.rect.y1),
            };
            a.paths += b.paths;
            a.texts += b.texts;
            a.images += b.images;
            // The merged figure moves to the end to be checked against the rest.
            let merged = out.remove(other);
            out.push(merged);
        }
    }
    out.sort_by(|a, b| a.page.cmp(&b.page).then(b.rect.y1.total_cmp(&a.rect.y1)));
    out
}

/// The page's crop box (else media box, else US Letter), inherited from its parents.
pub(crate) fn page_box(pdf: &Document, page_id: ObjectId) -> [f64; 4] {
    let node = pdf.get_dictionary(page_id);
    for key in [&b"CropBox"[..], b"MediaBox"] {
        let mut at = node;
        for _ in 0..32 {
            let Some(dict) = at else { break };
            if let Some(Object::Array(a)) = get(pdf, dict, key) {
                let v: Vec<f64> = a.iter().filter_map(number).collect();
                if v.len() == 4 {
                    return [
                        v[0].min(v[2]),
                        v[1].min(v[3]),
                        v[0].max(v[2]),
                        v[1].max(v[3]),
                    ];
                }
            }
            at = get(pdf, dict, b"Parent").and_then(|p| as_dict(pdf, p));
        }
    }
    [0.0, 0.0, 612.0, 792.0]
}

fn walk_tree(
    pdf: &Document,
    node: &Object,
    page: Option<ObjectId>,
    role_map: Option<&Dictionary>,
    depth: usize,
    seen: &mut HashSet<ObjectId>,
    out: &mut Vec<Wanted>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    match node {
        Object::Array(items) => {
            for item in items {
                walk_tree(pdf, item, page, role_map, depth + 1, seen, out);
            }
        }
        Object::Reference(number, generation) => {
            let id = (*number, *generation);
            if !seen.insert(id) {
                return;
            }
            let Some(element) = pdf.get_dictionary(id) else {
                return;
            };
            let is_element = element
                .at(b"Type")
                .and_then(Object::as_name)
                .is_none_or(|t| t == b"StructElem");
            if !is_element || !element.has(b"S") {
                return;
            }
            let page = element.at(b"Pg").and_then(Object::as_reference).or(page);
            let has_alt = get(pdf, element, b"Alt")
                .and_then(Object::as_str_bytes)
                .is_some_and(|a| !String::from_utf8_lossy(a).trim().is_empty());
            let word_shape = element
                .at(b"S")
                .and_then(Object::as_name)
                .is_some_and(|s| s == b"InlineShape");
            // Alternative text stands for all of an element's content, nested elements too.
            if has_alt {
                return;
            }
            if word_shape || resolved_role(pdf, element, role_map) == b"Figure" {
                let mut marks = Vec::new();
                if let Some(kids) = element.at(b"K") {
                    collect_marks(pdf, kids, page, depth + 1, &mut marks);
                }
                if !marks.is_empty() {
                    out.push(Wanted { element: id, marks });
                }
                return;
            }
            if let Some(kids) = element.at(b"K") {
                walk_tree(pdf, kids, page, role_map, depth + 1, seen, out);
            }
        }
        // An element written in place has no id to name it by: only its kids are looked at.
        Object::Dict(element) => {
            if let Some(kids) = element.at(b"K") {
                let page = element.at(b"Pg").and_then(Object::as_reference).or(page);
                walk_tree(pdf, kids, page, role_map, depth + 1, seen, out);
            }
        }
        _ => {}
    }
}

/// The (page, MCID) pairs under a figure, through its child elements too.
fn collect_marks(
    pdf: &Document,
    node: &Object,
    page: Option<ObjectId>,
    depth: usize,
    out: &mut Vec<(ObjectId, i64)>,
) {
    if depth > MAX_DEPTH || out.len() > 100_000 {
        return;
    }
    match node {
        Object::Integer(mcid) => {
            if let Some(page) = page {
                out.push((page, *mcid));
            }
        }
        Object::Array(items) => {
            for item in items {
                collect_marks(pdf, item, page, depth + 1, out);
            }
        }
        Object::Dict(d) => mark_of(pdf, d, page, depth, out),
        Object::Reference(number, generation) => {
            if let Some(d) = pdf.get_dictionary((*number, *generation)) {
                mark_of(pdf, d, page, depth, out);
            }
        }
        _ => {}
    }
}

fn mark_of(
    pdf: &Document,
    d: &Dictionary,
    page: Option<ObjectId>,
    depth: usize,
    out: &mut Vec<(ObjectId, i64)>,
) {
    let page = d.at(b"Pg").and_then(Object::as_reference).or(page);
    let kind = d.at(b"Type").and_then(Object::as_name);
    match kind {
        Some(b"MCR") => {
            if let (Some(page), Some(mcid)) = (page, get(pdf, d, b"MCID").and_then(Object::as_i64))
            {
                out.push((page, mcid));
            }
        }
        Some(b"OBJR") => {}
        _ => {
            if let Some(kids) = d.at(b"K") {
                collect_marks(pdf, kids, page, depth + 1, out);
            }
        }
    }
}

/// Bounds and counts of what one figure draws.
#[derive(Clone)]
struct Extent {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    paths: usize,
    texts: usize,
    images: usize,
}

impl Default for Extent {
    fn default() -> Self {
        Extent {
            x0: f64::INFINITY,
            y0: f64::INFINITY,
            x1: f64::NEG_INFINITY,
            y1: f64::NEG_INFINITY,
            paths: 0,
            texts: 0,
            images: 0,
        }
    }
}

impl Extent {
    fn add(&mut self, m: &Matrix, x: f64, y: f64) {
        let px = m[0] * x + m[2] * y + m[4];
        let py = m[1] * x + m[3] * y + m[5];
        if px.is_finite() && py.is_finite() {
            self.x0 = self.x0.min(px);
            self.y0 = self.y0.min(py);
            self.x1 = self.x1.max(px);
            self.y1 = self.y1.max(py);
        }
    }
}

/// Walks a page's operations, adding what is drawn inside each wanted MCID to its figure.
fn measure(
    pdf: &Document,
    ops: &[Operation],
    resources: &Dictionary,
    mcids: &HashMap<i64, usize>,
    extents: &mut [Extent],
) {
    let mut ctm = IDENTITY;
    let mut saved: Vec<Matrix> = Vec::new();
    // Marked content: the figure each open sequence belongs to (None: not a wanted one).
    let mut marks: Vec<Option<usize>> = Vec::new();
    // Path points since the last painting operator, in user space.
    let mut pending: Vec<(f64, f64)> = Vec::new();
    let mut pending_ctm = ctm;
    // Text state: the text matrix, the line matrix, the font size, the leading.
    let (mut tm, mut tlm) = (IDENTITY, IDENTITY);
    let (mut size, mut leading) = (0.0f64, 0.0f64);
    for op in ops {
        let current = marks.iter().rev().find_map(|m| *m);
        let nums: Vec<f64> = op.operands.iter().filter_map(number).collect();
        match op.operator.as_str() {
            "q" => saved.push(ctm),
            "Q" => ctm = saved.pop().unwrap_or(ctm),
            "cm" => {
                if let Some(m) = matrix_of(&op.operands) {
                    ctm = multiply(&m, &ctm);
                }
            }
            "BDC" => marks.push(bdc_mcid(pdf, op, resources).and_then(|m| mcids.get(&m).copied())),
            "BMC" => marks.push(None),
            "EMC" => {
                marks.pop();
            }
            "m" | "l" if nums.len() == 2 => {
                pending.push((nums[0], nums[1]));
                pending_ctm = ctm;
            }
            "c" if nums.len() == 6 => {
                pending.extend([(nums[0], nums[1]), (nums[2], nums[3]), (nums[4], nums[5])]);
            }
            "v" | "y" if nums.len() == 4 => {
                pending.extend([(nums[0], nums[1]), (nums[2], nums[3])]);
            }
            "re" if nums.len() == 4 => {
                let (x, y, w, h) = (nums[0], nums[1], nums[2], nums[3]);
                pending.extend([(x, y), (x + w, y + h)]);
                pending_ctm = ctm;
            }
            "S" | "s" | "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" => {
                if let Some(index) = current {
                    let extent = &mut extents[index];
                    for (x, y) in &pending {
                        extent.add(&pending_ctm, *x, *y);
                    }
                    extent.paths += 1;
                }
                pending.clear();
            }
            "n" => pending.clear(),
            "BT" => {
                tm = IDENTITY;
                tlm = IDENTITY;
            }
            "Tf" if nums.len() == 1 => size = nums[0],
            "TL" if nums.len() == 1 => leading = nums[0],
            "Tm" => {
                if let Some(m) = matrix_of(&op.operands) {
                    tm = m;
                    tlm = m;
                }
            }
            "Td" | "TD" if nums.len() == 2 => {
                if op.operator == "TD" {
                    leading = -nums[1];
                }
                tlm = multiply(&[1.0, 0.0, 0.0, 1.0, nums[0], nums[1]], &tlm);
                tm = tlm;
            }
            "T*" => {
                tlm = multiply(&[1.0, 0.0, 0.0, 1.0, 0.0, -leading], &tlm);
                tm = tlm;
            }
            "Tj" | "TJ" | "'" | "\"" => {
                if matches!(op.operator.as_str(), "'" | "\"") {
                    tlm = multiply(&[1.0, 0.0, 0.0, 1.0, 0.0, -leading], &tlm);
                    tm = tlm;
                }
                if let Some(index) = current {
                    let m = multiply(&tm, &ctm);
                    let extent = &mut extents[index];
                    // The start of the run and a font size above and across it (widths are
                    // not measured: a diagram's extent comes from its paths).
                    extent.add(&m, 0.0, -0.25 * size);
                    extent.add(&m, size, size);
                    extent.texts += 1;
                }
            }
            "Do" => {
                let Some(index) = current else { continue };
                let Some(name) = op.operands.first().and_then(Object::as_name) else {
                    continue;
                };
                let extent = &mut extents[index];
                match xobject(pdf, resources, name) {
                    Some(XObject::Image(_)) => {
                        for (x, y) in [(0.0, 0.0), (1.0, 1.0), (0.0, 1.0), (1.0, 0.0)] {
                            extent.add(&ctm, x, y);
                        }
                        extent.images += 1;
                    }
                    Some(XObject::Form(_, form)) => {
                        let matrix = get(pdf, &form.dict, b"Matrix")
                            .and_then(Object::as_array)
                            .and_then(matrix_of)
                            .unwrap_or(IDENTITY);
                        let bbox: Vec<f64> = get(pdf, &form.dict, b"BBox")
                            .and_then(Object::as_array)
                            .map(|a| a.iter().filter_map(number).collect())
                            .unwrap_or_default();
                        if bbox.len() == 4 {
                            let m = multiply(&matrix, &ctm);
                            for (x, y) in [
                                (bbox[0], bbox[1]),
                                (bbox[2], bbox[3]),
                                (bbox[0], bbox[3]),
                                (bbox[2], bbox[1]),
                            ] {
                                extent.add(&m, x, y);
                            }
                            // A form is drawing: count it as paths (what it holds is not
                            // looked into).
                            extent.paths += 1;
                        }
                    }
                    None => {}
                }
            }
            _ => {}
        }
    }
}
