//! The image-description copilot: every image and vector figure of the documents described
//! by a vision model, and the descriptions written back into the PDFs as alternative text.

use std::collections::hash_map::{DefaultHasher, Entry};
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use crate::completions::complete;
use crate::documents::{check_output, load_all, Loaded};
use crate::parallel::try_map;
use crate::progress::Stage;
use crate::{
    responses, CopilotBackend, CopilotError, CopilotStage, ImageDescriptionCopilotOptions,
    ImageDetail, TINY_IMAGE_PIXELS, TINY_IMAGE_POINTS,
};
use copilot_pdf::{
    add_alt_texts_with, extract_images, load_image_file, locate_figures, render_figures,
    AltTextOptions, EncodedImage, ImageKey, ImagePlacement, PdfFigure, PdfImage, PdfRect,
    SkippedImage,
};
use openai_blocking::types::*;
use openai_blocking::*;

/// The instructions an image copilot gives the model unless told otherwise.
const INSTRUCTIONS: &str = "You write short, accurate alternative text for images found in \
documents, for readers who cannot see them.";

/// What a description (or an [`NotDescribed`] entry) is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DescribedKind {
    /// A raster image of a PDF (an image XObject); the key is the image's object.
    Image,
    /// A vector figure of a tagged PDF (a diagram or chart drawn with paths and text, found
    /// by [`locate_figures`]), described from its rendered region; the key is its first
    /// `/Figure` structure element ([`PdfFigure::key`]), which gets the `/Alt`.
    Figure,
    /// An image file given as a document.
    ImageFile,
}

/// One image or figure and what the model said it shows.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ImageDescription {
    /// The image's resource name in the PDF (`Im1`), `Figure n` for the `n`-th vector
    /// figure of a PDF, or the image file's name.
    pub name: String,
    /// What is described: a PDF's raster image, a PDF's vector figure, or an image file.
    pub kind: DescribedKind,
    /// Where a PDF draws it: page and rectangle of each placement (a figure has one, with no
    /// resource name; empty for image files).
    pub placements: Vec<ImagePlacement>,
    /// The image as PNG or JPEG, soft mask composited on white; for a figure, its region of
    /// the page rendered as PNG.
    pub image: EncodedImage,
    /// The description.
    pub description: String,
    /// The image's object in the PDF, or the figure's structure element: the key
    /// [`add_alt_texts`](copilot_pdf::add_alt_texts) writes the description under (`None` for image files).
    pub key: Option<ImageKey>,
}

impl ImageDescription {
    /// The first page that shows the image (1-based), if it comes from a PDF.
    pub fn page(&self) -> Option<u32> {
        self.placements.first().map(|p| p.page)
    }
}

/// An image or figure found in a PDF and deliberately not described, and why.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NotDescribed {
    /// The image's resource name (`Im1`) or the figure's (`Figure n`).
    pub name: String,
    /// A raster image or a vector figure.
    pub kind: DescribedKind,
    /// The page it counts on: the first that draws it (1-based).
    pub page: u32,
    /// The image's object, or the figure's structure element.
    pub key: ImageKey,
    /// Why it was not described.
    pub reason: NotDescribedReason,
}

/// Why an image or figure was not described.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotDescribedReason {
    /// Too small to carry meaning, so taken as decorative (see
    /// [`ImageDescriptionCopilotOptions::skip_tiny_images`]).
    Tiny,
    /// Its page had more images and figures than
    /// [`max_images_per_page`](ImageDescriptionCopilotOptions::max_images_per_page), and
    /// larger ones were described.
    PageLimit,
    /// The document had more than
    /// [`max_images`](ImageDescriptionCopilotOptions::max_images), and earlier pages' were
    /// described.
    DocumentLimit,
    /// A raster image drawn only inside this vector figure (its key), which is described as
    /// a whole, the image included: one description, not two.
    InFigure(ImageKey),
    /// A vector figure whose region could not be rendered: why.
    NotRendered(String),
}

/// The descriptions of one document's images and figures.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ImageDescriptionResult {
    /// The document's path or name.
    pub source: String,
    /// Whether the document is a PDF (else a standalone image file).
    pub is_pdf: bool,
    /// One entry per distinct image or figure, page by page: on each page the raster images
    /// in the order first drawn, then the vector figures from the top.
    pub descriptions: Vec<ImageDescription>,
    /// Images that could not be decoded (e.g. damaged data), with the reason.
    pub skipped: Vec<SkippedImage>,
    /// Images and figures left out on purpose: tiny ones, those over the per-page or
    /// per-document limits, images a described figure covers, figures that could not be
    /// rendered; each with why, page by page.
    pub not_described: Vec<NotDescribed>,
    /// Content that could not be read: a page or form whose images are missing from every
    /// list, or why the document's vector figures could not be looked for.
    pub problems: Vec<String>,
    /// Images left without a description by a batch ([`ImageDescriptionCopilot::collect_image_batch`]):
    /// the image's name and why (the request failed, or did not run).
    pub failed: Vec<(String, String)>,
}

impl ImageDescriptionResult {
    /// How many images and figures the per-page and per-document limits left out.
    pub fn over_limit(&self) -> usize {
        self.not_described
            .iter()
            .filter(|n| {
                matches!(
                    n.reason,
                    NotDescribedReason::PageLimit | NotDescribedReason::DocumentLimit
                )
            })
            .count()
    }

    /// The descriptions of the document's vector figures.
    pub fn figures(&self) -> impl Iterator<Item = &ImageDescription> {
        self.descriptions
            .iter()
            .filter(|d| d.kind == DescribedKind::Figure)
    }
}

/// An image-description batch in flight, made by
/// [`ImageDescriptionCopilot::submit_image_batch`]; save it (it is JSON) to collect the
/// descriptions from a later process with the same documents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ImageBatch {
    /// The batch's id.
    pub batch_id: String,
    /// How many distinct images and figures it describes (request `img{n}` is the `n`-th,
    /// in the order of [`ImageDescriptionResult::descriptions`], documents in order; the
    /// documents, the limits and the tiny-image rule must be the same to collect it).
    pub images: usize,
}

/// Describes the images and figures of PDFs, and image files; made by
/// [`client.get_image_description_copilot(options)`](crate::CopilotClientExt::get_image_description_copilot).
///
/// What is described in a PDF: every raster image it draws ([`extract_images`]), and every
/// vector figure of a tagged PDF ([`locate_figures`]: a `/Figure` structure element without
/// `/Alt` that draws paths and text, such as a diagram made in Word), whose region of the
/// page is rendered ([`render_figures`], only for the figures described) and sent like an
/// image. Both go through the PDF layer's worker process
/// when one is set up ([`copilot_pdf::Isolation`]), so no document can abort the caller. A
/// figure that is only an image is described as that image; an image drawn only inside a
/// figure that is described is covered by the figure's description
/// ([`NotDescribedReason::InFigure`]). Tiny images are left out, and at most
/// [`max_images_per_page`](ImageDescriptionCopilotOptions::max_images_per_page) per page
/// and [`max_images`](ImageDescriptionCopilotOptions::max_images) per document are
/// described; what is left out is listed in
/// [`not_described`](ImageDescriptionResult::not_described).
///
/// Each distinct image is sent once (an image drawn on several pages, or found in several
/// documents, is described once) as a base64 data URL, a few at a time: to `/responses` as
/// an `input_image` part on the Responses backend (the default), else to
/// `/chat/completions`.
///
/// The descriptions are asked for once and kept: [`get_image_descriptions`](Self::get_image_descriptions)
/// then [`add_pdf_image_descriptions`](Self::add_pdf_image_descriptions) send each image
/// once in all. To write descriptions edited or obtained elsewhere, give them to
/// [`write_alt_texts`](Self::write_alt_texts).
#[derive(Debug)]
pub struct ImageDescriptionCopilot {
    client: OpenAIClient,
    options: ImageDescriptionCopilotOptions,
    /// The descriptions, once asked for.
    results: std::sync::Mutex<Option<Vec<ImageDescriptionResult>>>,
}

impl ImageDescriptionCopilot {
    /// A copilot that describes the images of the documents of `options`.
    pub(crate) fn new(client: &OpenAIClient, options: ImageDescriptionCopilotOptions) -> Self {
        Self {
            client: client.clone(),
            options,
            results: std::sync::Mutex::new(None),
        }
    }
}

/// An image or figure found in a document, before it is described.
struct Found {
    name: String,
    kind: DescribedKind,
    placements: Vec<ImagePlacement>,
    image: EncodedImage,
    key: Option<ImageKey>,
}

impl ImageDescriptionCopilot {
    /// The options it was made with.
    pub fn options(&self) -> &ImageDescriptionCopilotOptions {
        &self.options
    }

    /// Every image and vector figure of every document with its description, one result per
    /// document, in the documents' order. Asked for on the first call and kept.
    pub fn get_image_descriptions(&self) -> Result<Vec<ImageDescriptionResult>, CopilotError> {
        let mut kept = self.results.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(results) = kept.as_ref() {
            return Ok(results.clone());
        }
        let documents = load_all(&self.options.common)?;
        let results = self.describe_documents(&documents)?;
        *kept = Some(results.clone());
        Ok(results)
    }

    /// Writes a copy of each PDF into `output_dir`, named `name.alt.pdf` (`name-2.alt.pdf`...
    /// when two inputs share a name), whose images and figures carry their descriptions as
    /// alternative text (a figure's as `/Alt` on its `/Figure` structure element); image
    /// files are skipped. Returns the paths written. The descriptions are those
    /// of [`get_image_descriptions`](Self::get_image_descriptions), asked for now unless
    /// they were already.
    ///
    /// Nothing is sent or written when an output would be one of the input documents
    /// ([`CopilotError::WouldOverwriteInput`]) or is a file that exists
    /// ([`CopilotError::OutputExists`], unless the options allow it). Each copy is written
    /// whole or not at all.
    pub fn add_pdf_image_descriptions(
        &self,
        output_dir: impl AsRef<Path>,
    ) -> Result<Vec<PathBuf>, CopilotError> {
        let documents = load_all(&self.options.common)?;
        let outputs = self.output_paths(&documents, output_dir.as_ref())?;
        let results = self.get_image_descriptions()?;
        self.write_copies(&documents, &results, output_dir.as_ref(), &outputs)
    }

    /// Writes the given descriptions (edited, or obtained elsewhere) into copies of the PDFs
    /// as [`add_pdf_image_descriptions`](Self::add_pdf_image_descriptions) does, without
    /// asking the model anything. `results` are as [`get_image_descriptions`](Self::get_image_descriptions)
    /// returned them: one per document, in order; an entry whose `key` is unset is skipped.
    pub fn write_alt_texts(
        &self,
        results: &[ImageDescriptionResult],
        output_dir: impl AsRef<Path>,
    ) -> Result<Vec<PathBuf>, CopilotError> {
        let documents = load_all(&self.options.common)?;
        if results.len() != documents.len() {
            return Err(CopilotError::Document {
                name: "descriptions".into(),
                message: format!(
                    "{} results for {} documents: give one per document, in order",
                    results.len(),
                    documents.len()
                ),
            });
        }
        let outputs = self.output_paths(&documents, output_dir.as_ref())?;
        self.write_copies(&documents, results, output_dir.as_ref(), &outputs)
    }

    /// The copies' paths, each checked before anything is sent or written.
    fn output_paths(
        &self,
        documents: &[Loaded],
        output_dir: &Path,
    ) -> Result<Vec<PathBuf>, CopilotError> {
        let mut outputs: Vec<PathBuf> = Vec::new();
        for document in documents {
            if let Loaded::Pdf(pdf) = document {
                let path = unused_path(output_dir, pdf.file_name(), &outputs);
                check_output(&path, &self.options.common)?;
                outputs.push(path);
            }
        }
        Ok(outputs)
    }

    fn write_copies(
        &self,
        documents: &[Loaded],
        results: &[ImageDescriptionResult],
        output_dir: &Path,
        outputs: &[PathBuf],
    ) -> Result<Vec<PathBuf>, CopilotError> {
        std::fs::create_dir_all(output_dir).map_err(|e| CopilotError::io(output_dir, e))?;
        let pdfs = documents
            .iter()
            .zip(results)
            .filter_map(|(document, result)| match document {
                Loaded::Pdf(pdf) => Some((pdf, result)),
                _ => None,
            });
        for ((pdf, result), path) in pdfs.zip(outputs) {
            let descriptions: Vec<(ImageKey, String)> = result
                .descriptions
                .iter()
                .filter_map(|d| Some((d.key?, d.description.clone())))
                .collect();
            // Tiny images are decorative: an untagged document marks them as artifacts
            // rather than figures without text.
            let mut options = AltTextOptions::new().decorative(
                result
                    .not_described
                    .iter()
                    .filter(|n| n.reason == NotDescribedReason::Tiny)
                    .map(|n| n.key),
            );
            if let Some(lang) = &self.options.document_language {
                options = options.lang(lang.clone());
            }
            let bytes = add_alt_texts_with(pdf, &descriptions, &options)?;
            crate::output::write_atomically(path, &bytes)?;
        }
        Ok(outputs.to_vec())
    }

    fn describe_documents(
        &self,
        documents: &[Loaded],
    ) -> Result<Vec<ImageDescriptionResult>, CopilotError> {
        let gathered = gather(documents, &self.options)?;
        let stage = Stage::start(
            &self.options.common,
            CopilotStage::DescribingImages,
            gathered.unique.len(),
        );
        let unique: Vec<&EncodedImage> = gathered.unique_images().collect();
        let descriptions = try_map(&unique, self.options.max_concurrency, |image| {
            stage.check()?;
            let description = self.describe(image)?;
            stage.step();
            Ok::<_, CopilotError>(Ok(description))
        })?;
        Ok(gathered.assemble(descriptions))
    }

    /// Describes every distinct image and figure (as [`get_image_descriptions`](Self::get_image_descriptions)
    /// chooses them) through the Batch API (half the price on OpenAI, done within 24
    /// hours): one request per image, uploaded as one batch. Collect the
    /// descriptions with [`collect_image_batch`](Self::collect_image_batch), in this process
    /// or a later one (save the [`ImageBatch`]).
    pub fn submit_image_batch(&self) -> Result<ImageBatch, CopilotError> {
        let documents = load_all(&self.options.common)?;
        let gathered = gather(&documents, &self.options)?;
        if gathered.unique.is_empty() {
            return Err(CopilotError::Document {
                name: "documents".into(),
                message: "no image to describe".into(),
            });
        }
        let path = std::env::temp_dir().join(format!(
            "openai-copilots-images-{}-{}.jsonl",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        let mut writer = BatchWriter::create(&path)?;
        for (n, image) in gathered.unique_images().enumerate() {
            writer.push(format!("img{n}"), self.request(image))?;
        }
        let file = writer.finish()?;
        let submitted = self.client.submit_batch(&file, None);
        let _ = std::fs::remove_file(&path);
        Ok(ImageBatch {
            batch_id: submitted?.id,
            images: gathered.unique.len(),
        })
    }

    /// Waits for an image batch (with the client's polling interval and timeout, and the
    /// options' cancel flag), and returns the descriptions as
    /// [`get_image_descriptions`](Self::get_image_descriptions) does, keeping them for
    /// [`add_pdf_image_descriptions`](Self::add_pdf_image_descriptions). An image whose
    /// request failed or did not run is listed in its document's
    /// [`failed`](ImageDescriptionResult::failed), not among the descriptions.
    pub fn collect_image_batch(
        &self,
        batch: &ImageBatch,
    ) -> Result<Vec<ImageDescriptionResult>, CopilotError> {
        let documents = load_all(&self.options.common)?;
        let gathered = gather(&documents, &self.options)?;
        if gathered.unique.len() != batch.images {
            return Err(CopilotError::Document {
                name: "documents".into(),
                message: format!(
                    "the batch describes {} images, the documents hold {}: give the documents \
                     it was submitted with",
                    batch.images,
                    gathered.unique.len()
                ),
            });
        }
        let mut waiter = self.client.waiter();
        if let Some(flag) = &self.options.common.cancel {
            waiter = waiter.cancel_flag(flag.clone());
        }
        let done = waiter.wait_for_batch_to_complete(&batch.batch_id)?;
        let mut answers: Vec<Result<String, String>> = vec![
            Err(format!(
                "no result in batch {} ({:?})",
                done.id, done.status
            ));
            batch.images
        ];
        for result in self.client.batch_results(&done) {
            let result = result?;
            let Some(n) = result
                .custom_id
                .strip_prefix("img")
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| *n < batch.images)
            else {
                continue;
            };
            answers[n] = match result.outcome {
                Ok(BatchAnswer::Response(r)) => Ok(r.output_text()),
                Ok(BatchAnswer::ChatCompletion(c)) => Ok(c.text().unwrap_or_default().to_owned()),
                Ok(other) => Err(format!("an answer of another endpoint: {other:?}")),
                Err(e) => Err(e.to_string()),
            }
            .map(|t| t.trim().to_owned())
            .and_then(|t| {
                if t.is_empty() {
                    Err("the model answered with no text".to_owned())
                } else {
                    Ok(t)
                }
            });
        }
        let results = gathered.assemble(answers);
        *self.results.lock().unwrap_or_else(|e| e.into_inner()) = Some(results.clone());
        Ok(results)
    }

    /// One description's request, for a batch line.
    fn request(&self, image: &EncodedImage) -> BatchRequest {
        let common = &self.options.common;
        let instructions = common.instructions_or(INSTRUCTIONS);
        let prompt = &self.options.image_description_prompt;
        if common.backend == CopilotBackend::Responses {
            let url = image.data_url();
            responses::image_request(common, instructions, prompt, url, self.options.image_detail)
                .into()
        } else {
            let mut request =
                CompletionCreateRequest::new(&common.model, self.chat_messages(image));
            request.temperature = common.temperature;
            request.top_p = common.top_p;
            request.max_completion_tokens = common.max_completion_tokens;
            request.into()
        }
    }

    /// One description request: the prompt and the image as a data URL, as `input_image` on
    /// the Responses backend, else as a chat completion's `image_url` part.
    fn describe(&self, image: &EncodedImage) -> Result<String, CopilotError> {
        let url = image.data_url();
        let instructions = self.options.common.instructions_or(INSTRUCTIONS);
        let prompt = &self.options.image_description_prompt;
        if self.options.common.backend == CopilotBackend::Responses {
            let answer = responses::describe_image(
                &self.client,
                &self.options.common,
                instructions,
                prompt,
                url,
                self.options.image_detail,
            )?;
            return Ok(answer.trim().to_owned());
        }
        let messages = self.chat_messages(image);
        let answer = complete(&self.client, &self.options.common, messages)?;
        Ok(answer.trim().to_owned())
    }

    /// The chat-completions messages describing `image`.
    fn chat_messages(&self, image: &EncodedImage) -> Vec<ChatCompletionRequestMessage> {
        let detail = match self.options.image_detail {
            ImageDetail::Auto => ChatCompletionRequestMessageContentPartImageImageUrlDetail::Auto,
            ImageDetail::Low => ChatCompletionRequestMessageContentPartImageImageUrlDetail::Low,
            ImageDetail::High => ChatCompletionRequestMessageContentPartImageImageUrlDetail::High,
        };
        let parts = vec![
            ChatCompletionRequestUserMessageContentPart::Text {
                text: self.options.image_description_prompt.clone(),
                prompt_cache_breakpoint: None,
            },
            ChatCompletionRequestUserMessageContentPart::ImageUrl {
                image_url: ChatCompletionRequestMessageContentPartImageImageUrl {
                    url: image.data_url(),
                    detail: Some(detail),
                },
                prompt_cache_breakpoint: None,
            },
        ];
        vec![
            ChatCompletionRequestMessage::system(self.options.common.instructions_or(INSTRUCTIONS)),
            ChatCompletionRequestMessage::User {
                content: ChatCompletionRequestUserMessageContent::Array(parts),
                name: None,
            },
        ]
    }
}

/// The images of the documents, with identical ones (wherever they are) described once.
struct Gathered {
    found: Vec<(ImageDescriptionResult, Vec<Found>)>,
    /// `(document, image)` of each distinct image, in the order first drawn.
    unique: Vec<(usize, usize)>,
    /// For each document, for each of its images, its index in `unique`.
    slots: Vec<Vec<usize>>,
}

fn gather(
    documents: &[Loaded],
    options: &ImageDescriptionCopilotOptions,
) -> Result<Gathered, CopilotError> {
    let mut found = Vec::new();
    for document in documents {
        found.push(find_images(document, options)?);
    }
    let mut unique = Vec::new();
    let mut index_of: HashMap<u64, usize> = HashMap::new();
    let mut slots = Vec::new();
    for (d, (_, images)) in found.iter().enumerate() {
        let mut doc_slots = Vec::new();
        for (i, image) in images.iter().enumerate() {
            let mut hasher = DefaultHasher::new();
            image.image.bytes.hash(&mut hasher);
            let slot = match index_of.entry(hasher.finish()) {
                Entry::Occupied(e) => *e.get(),
                Entry::Vacant(e) => {
                    unique.push((d, i));
                    *e.insert(unique.len() - 1)
                }
            };
            doc_slots.push(slot);
        }
        slots.push(doc_slots);
    }
    Ok(Gathered {
        found,
        unique,
        slots,
    })
}

impl Gathered {
    fn unique_images(&self) -> impl Iterator<Item = &EncodedImage> {
        self.unique.iter().map(|&(d, i)| &self.found[d].1[i].image)
    }

    /// The results, each image with the description of its distinct image (or listed as
    /// failed, with why).
    fn assemble(self, descriptions: Vec<Result<String, String>>) -> Vec<ImageDescriptionResult> {
        let mut results = Vec::new();
        for ((mut result, images), doc_slots) in self.found.into_iter().zip(self.slots) {
            for (image, slot) in images.into_iter().zip(doc_slots) {
                match &descriptions[slot] {
                    Ok(description) => result.descriptions.push(ImageDescription {
                        name: image.name,
                        kind: image.kind,
                        placements: image.placements,
                        image: image.image,
                        description: description.clone(),
                        key: image.key,
                    }),
                    Err(why) => result.failed.push((image.name, why.clone())),
                }
            }
            results.push(result);
        }
        results
    }
}

/// The images and figures of one document, ready to describe.
fn find_images(
    document: &Loaded,
    options: &ImageDescriptionCopilotOptions,
) -> Result<(ImageDescriptionResult, Vec<Found>), CopilotError> {
    let mut result = ImageDescriptionResult {
        source: document.name(),
        is_pdf: false,
        descriptions: Vec::new(),
        skipped: Vec::new(),
        not_described: Vec::new(),
        problems: Vec::new(),
        failed: Vec::new(),
    };
    match document {
        Loaded::Pdf(pdf) => {
            let images = extract_images(pdf)?;
            result.is_pdf = true;
            result.skipped = images.skipped;
            result.problems = images.problems;
            // The images could be read, so the file opens: what stops the figures (a
            // worker's time or memory limit) costs the figures only.
            let figures = locate_figures(pdf).unwrap_or_else(|e| {
                result
                    .problems
                    .push(format!("vector figures were not looked for: {e}"));
                Vec::new()
            });
            let mut render = |figures: &mut [PdfFigure]| render_figures(pdf, figures);
            let (found, not_described) = select(images.images, figures, options, &mut render);
            result.not_described = not_described;
            Ok((result, found))
        }
        Loaded::Image(path) => {
            let image = load_image_file(path)?;
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into(),
            );
            let found = Found {
                name,
                kind: DescribedKind::ImageFile,
                placements: Vec::new(),
                image,
                key: None,
            };
            Ok((result, vec![found]))
        }
        Loaded::Text(text) => Err(CopilotError::Document {
            name: text.name.clone(),
            message: "a text document has no images".into(),
        }),
    }
}

/// An image or figure of a PDF, by its place in the lists found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    Image(usize),
    Figure(usize),
}

/// An image or figure that may be described, with the page it counts on and the area it
/// covers there.
struct Candidate {
    pick: Pick,
    name: String,
    kind: DescribedKind,
    key: ImageKey,
    page: u32,
    area: f64,
}

/// Points an image may reach past a figure's region and still be inside it.
const INSIDE_TOLERANCE: f64 = 1.0;

/// Renders figures' regions in place (see [`copilot_pdf::render_figures`]).
type Render<'a> = dyn FnMut(&mut [PdfFigure]) -> Result<(), copilot_pdf::PdfError> + 'a;

/// What of a PDF's images and figures (found by [`locate_figures`], not yet rendered) is
/// described, and what is left out and why (see [`plan`]). Only the figures that are
/// described are rendered, with `render`: a figure whose region cannot be rendered is left
/// out as [`NotDescribedReason::NotRendered`] and the choice is made again without it, so
/// that what it would have pushed over a limit is described instead.
fn select(
    images: Vec<PdfImage>,
    mut figures: Vec<PdfFigure>,
    options: &ImageDescriptionCopilotOptions,
    render: &mut Render<'_>,
) -> (Vec<Found>, Vec<NotDescribed>) {
    // Each round renders or gives up on at least one figure: at most one round a figure.
    let (picks, left_out) = loop {
        let (picks, left_out) = plan(&images, &figures, options);
        let unrendered: Vec<usize> = picks
            .iter()
            .filter_map(|p| match *p {
                Pick::Figure(i) if figures[i].image.is_none() => Some(i),
                _ => None,
            })
            .collect();
        if unrendered.is_empty() {
            break (picks, left_out);
        }
        let mut batch: Vec<PdfFigure> = unrendered.iter().map(|&i| figures[i].clone()).collect();
        match render(&mut batch) {
            Ok(()) => {
                for (i, mut figure) in unrendered.into_iter().zip(batch) {
                    if figure.image.is_none() && figure.render_problem.is_none() {
                        figure.render_problem = Some("the renderer returned no image".into());
                    }
                    figures[i] = figure;
                }
            }
            Err(e) => {
                // The renderer itself failed (its worker's time or memory limit): no figure
                // not rendered yet is tried again.
                let why = format!("the figures could not be rendered: {e}");
                for figure in figures.iter_mut().filter(|f| f.image.is_none()) {
                    figure.render_problem = Some(why.clone());
                }
            }
        }
    };
    let mut images: Vec<Option<PdfImage>> = images.into_iter().map(Some).collect();
    let mut figures: Vec<Option<PdfFigure>> = figures.into_iter().map(Some).collect();
    let found = picks
        .into_iter()
        .filter_map(|pick| match pick {
            Pick::Image(i) => images[i].take().map(|image| Found {
                name: image.name,
                kind: DescribedKind::Image,
                placements: image.placements,
                image: image.image,
                key: Some(image.key),
            }),
            Pick::Figure(i) => figures[i].take().and_then(|figure| {
                Some(Found {
                    name: figure_name(i),
                    kind: DescribedKind::Figure,
                    placements: vec![figure.placement()],
                    key: Some(figure.key()),
                    image: figure.image?,
                })
            }),
        })
        .collect();
    (found, left_out)
}

/// The name of the `i`-th figure (from 0) of a PDF.
fn figure_name(i: usize) -> String {
    format!("Figure {}", i + 1)
}

/// What of a PDF's images and figures is described, and what is left out and why: tiny
/// ones, images a figure covers, figures not rendered, then the per-page and per-document
/// limits (the largest of a page kept, pages in order). A figure not rendered yet (no image
/// and no render problem) counts as one that will be.
fn plan(
    images: &[PdfImage],
    figures: &[PdfFigure],
    options: &ImageDescriptionCopilotOptions,
) -> (Vec<Pick>, Vec<NotDescribed>) {
    let tiny_rect = |r: &PdfRect| r.width() < TINY_IMAGE_POINTS || r.height() < TINY_IMAGE_POINTS;
    let mut left_out = Vec::new();
    let mut leave = |name: String, kind, page, key, reason| {
        left_out.push(NotDescribed {
            name,
            kind,
            page,
            key,
            reason,
        })
    };
    let mut figure_candidates = Vec::new();
    for (n, figure) in figures.iter().enumerate() {
        let (name, key, page) = (figure_name(n), figure.key(), figure.page);
        let kind = DescribedKind::Figure;
        if options.skip_tiny_images && tiny_rect(&figure.rect) {
            leave(name, kind, page, key, NotDescribedReason::Tiny);
            continue;
        }
        if let (None, Some(why)) = (&figure.image, &figure.render_problem) {
            leave(
                name,
                kind,
                page,
                key,
                NotDescribedReason::NotRendered(why.clone()),
            );
            continue;
        }
        figure_candidates.push((
            figure.images > 0,
            figure.rect,
            Candidate {
                pick: Pick::Figure(n),
                name,
                kind,
                key,
                page,
                area: figure.rect.width() * figure.rect.height(),
            },
        ));
    }
    let mut candidates = Vec::new();
    for (n, image) in images.iter().enumerate() {
        let (key, page, kind) = (image.key, image.page(), DescribedKind::Image);
        let name = || image.name.clone();
        let tiny = image.image.width < TINY_IMAGE_PIXELS
            || image.image.height < TINY_IMAGE_PIXELS
            || image.placements.iter().all(|p| tiny_rect(&p.rect));
        if options.skip_tiny_images && tiny {
            leave(name(), kind, page, key, NotDescribedReason::Tiny);
            continue;
        }
        // Drawn only inside figures that draw images: the figures' descriptions cover it.
        let covering = |p: &ImagePlacement| {
            figure_candidates.iter().find_map(|(draws_images, r, f)| {
                let inside = *draws_images
                    && f.page == p.page
                    && p.rect.x0 >= r.x0 - INSIDE_TOLERANCE
                    && p.rect.y0 >= r.y0 - INSIDE_TOLERANCE
                    && p.rect.x1 <= r.x1 + INSIDE_TOLERANCE
                    && p.rect.y1 <= r.y1 + INSIDE_TOLERANCE;
                inside.then_some(f.key)
            })
        };
        let covered: Option<Vec<ImageKey>> = image.placements.iter().map(covering).collect();
        if let Some(figure) = covered.and_then(|keys| keys.first().copied()) {
            leave(
                name(),
                kind,
                page,
                key,
                NotDescribedReason::InFigure(figure),
            );
            continue;
        }
        let area = image
            .placements
            .iter()
            .filter(|p| p.page == page)
            .map(|p| p.rect.width() * p.rect.height())
            .sum();
        candidates.push(Candidate {
            pick: Pick::Image(n),
            name: name(),
            kind,
            key,
            page,
            area,
        });
    }
    candidates.extend(figure_candidates.into_iter().map(|(_, _, c)| c));
    // Page by page: images in the order drawn, then figures from the top.
    let mut by_page: BTreeMap<u32, Vec<Candidate>> = BTreeMap::new();
    for candidate in candidates {
        by_page.entry(candidate.page).or_default().push(candidate);
    }
    let mut described = Vec::new();
    for (_, mut page) in by_page {
        let mut order: Vec<usize> = (0..page.len()).collect();
        order.sort_by(|&a, &b| page[b].area.total_cmp(&page[a].area).then(a.cmp(&b)));
        let mut kept = vec![false; page.len()];
        for &i in order.iter().take(options.max_images_per_page) {
            kept[i] = true;
        }
        for (candidate, kept) in page.drain(..).zip(kept) {
            let reason = if !kept {
                NotDescribedReason::PageLimit
            } else if described.len() >= options.max_images {
                NotDescribedReason::DocumentLimit
            } else {
                described.push(candidate.pick);
                continue;
            };
            let Candidate {
                name,
                kind,
                key,
                page,
                ..
            } = candidate;
            leave(name, kind, page, key, reason);
        }
    }
    left_out.sort_by_key(|n| n.page);
    (described, left_out)
}

/// `dir/name`, or `dir/stem-2.ext`, `-3`... when an earlier output took that name.
/// `name.alt.pdf` in `dir` for an input named `name.pdf`, or `name-2.alt.pdf`... when an
/// earlier input of the same name took it: never the input's own name.
fn unused_path(dir: &Path, name: &str, taken: &[PathBuf]) -> PathBuf {
    let stem = Path::new(name)
        .file_stem()
        .map_or("document".into(), |s| s.to_string_lossy());
    std::iter::once(dir.join(format!("{stem}.alt.pdf")))
        .chain((2..).map(|n| dir.join(format!("{stem}-{n}.alt.pdf"))))
        .find(|p| !taken.contains(p))
        .expect("an unused name exists")
}

#[cfg(test)]
mod tests {
    use super::*;
    use copilot_pdf::PdfDocument;
    use lopdf::{dictionary, Document, Object, Stream};

    /// A tagged PDF whose pages draw filled rectangles (x, y, width, height), each one a
    /// `/Figure` element of its own.
    fn figures_pdf(pages: &[&[(i64, i64, i64, i64)]]) -> PdfDocument {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let tree = doc.new_object_id();
        let mut page_ids = Vec::new();
        let mut elements: Vec<Object> = Vec::new();
        for rects in pages {
            let page = doc.new_object_id();
            let mut content = String::new();
            for (mcid, (x, y, w, h)) in rects.iter().enumerate() {
                content += &format!("/Figure <</MCID {mcid}>> BDC {x} {y} {w} {h} re f EMC\n");
                elements.push(
                    doc.add_object(dictionary! {
                        "Type" => "StructElem", "S" => "Figure", "P" => tree, "Pg" => page,
                        "K" => mcid as i64,
                    })
                    .into(),
                );
            }
            let content = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
            doc.objects.insert(
                page,
                dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content,
                "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()] }
                .into(),
            );
            page_ids.push(page.into());
        }
        doc.objects.insert(
            tree,
            dictionary! { "Type" => "StructTreeRoot", "K" => elements }.into(),
        );
        let count = page_ids.len() as i64;
        doc.objects.insert(
            pages_id,
            dictionary! { "Type" => "Pages", "Kids" => page_ids, "Count" => count }.into(),
        );
        let catalog = doc.add_object(
            dictionary! { "Type" => "Catalog", "Pages" => pages_id, "StructTreeRoot" => tree },
        );
        doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        PdfDocument::from_bytes("figures.pdf", bytes)
    }

    /// Page 1: figures of 300 × 200, 200 × 100 and 100 × 50 points and a 5-point square;
    /// page 2: 250 × 150 above 120 × 60.
    fn six_figures() -> PdfDocument {
        figures_pdf(&[
            &[
                (50, 500, 300, 200),
                (50, 300, 200, 100),
                (300, 300, 100, 50),
                (500, 100, 5, 5),
            ],
            &[(50, 500, 250, 150), (50, 200, 120, 60)],
        ])
    }

    /// The figures of `doc` through [`select`] with a renderer that renders for real and
    /// records what it was asked to render, call by call; `fail` names a figure (by its
    /// name) whose rendering is made to fail.
    fn select_figures(
        doc: &PdfDocument,
        options: &ImageDescriptionCopilotOptions,
        fail: Option<&str>,
    ) -> (Vec<Found>, Vec<NotDescribed>, Vec<Vec<String>>) {
        let figures = locate_figures(doc).unwrap();
        assert!(figures.iter().all(|f| f.image.is_none()), "{figures:#?}");
        let names: HashMap<ImageKey, String> = figures
            .iter()
            .enumerate()
            .map(|(i, f)| (f.key(), figure_name(i)))
            .collect();
        let mut calls = Vec::new();
        let mut render = |batch: &mut [PdfFigure]| {
            calls.push(batch.iter().map(|f| names[&f.key()].clone()).collect());
            render_figures(doc, batch)?;
            for figure in batch.iter_mut() {
                if Some(names[&figure.key()].as_str()) == fail {
                    figure.image = None;
                    figure.render_problem = Some("made to fail".into());
                }
            }
            Ok(())
        };
        let (found, left_out) = select(Vec::new(), figures, options, &mut render);
        (found, left_out, calls)
    }

    fn reasons(left_out: &[NotDescribed]) -> Vec<(&str, &NotDescribedReason)> {
        left_out
            .iter()
            .map(|n| (n.name.as_str(), &n.reason))
            .collect()
    }

    #[test]
    fn only_the_figures_described_are_rendered() {
        let doc = six_figures();
        let options = ImageDescriptionCopilotOptions::new()
            .with_max_images_per_page(2)
            .with_max_images(3);

        let (found, left_out, calls) = select_figures(&doc, &options, None);

        // One call, with the two largest of page 1 and the first of page 2: not the tiny
        // square, not the one over the page's limit, not the one over the document's.
        assert_eq!(calls, [["Figure 1", "Figure 2", "Figure 5"]]);
        let described: Vec<&str> = found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(described, ["Figure 1", "Figure 2", "Figure 5"]);
        // Rendered at 150 dpi with 4 points around: 308 × 208 points is 642 × 433 pixels.
        assert_eq!((found[0].image.width, found[0].image.height), (642, 433));
        assert!(found.iter().all(|f| f.image.bytes.starts_with(b"\x89PNG")));
        assert_eq!(
            reasons(&left_out),
            [
                ("Figure 4", &NotDescribedReason::Tiny),
                ("Figure 3", &NotDescribedReason::PageLimit),
                ("Figure 6", &NotDescribedReason::DocumentLimit),
            ]
        );

        // No room at all: nothing is rendered.
        let none = ImageDescriptionCopilotOptions::new().with_max_images(0);
        let (found, left_out, calls) = select_figures(&doc, &none, None);
        assert!(found.is_empty() && calls.is_empty(), "{calls:?}");
        assert_eq!(left_out.len(), 6);
    }

    #[test]
    fn a_figure_that_cannot_be_rendered_gives_its_place_to_the_next() {
        let doc = six_figures();
        let options = ImageDescriptionCopilotOptions::new().with_max_images_per_page(2);

        let (found, left_out, calls) = select_figures(&doc, &options, Some("Figure 1"));

        // Figure 1 fails, so page 1's third largest is described in its place, rendered in
        // a second call.
        assert_eq!(
            calls,
            [
                vec!["Figure 1", "Figure 2", "Figure 5", "Figure 6"],
                vec!["Figure 3"]
            ]
        );
        let described: Vec<&str> = found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(described, ["Figure 2", "Figure 3", "Figure 5", "Figure 6"]);
        assert_eq!(
            reasons(&left_out),
            [
                (
                    "Figure 1",
                    &NotDescribedReason::NotRendered("made to fail".into())
                ),
                ("Figure 4", &NotDescribedReason::Tiny),
            ]
        );

        // A renderer that fails as a whole: every figure chosen is reported, none retried.
        let mut calls = 0;
        let mut broken = |_: &mut [PdfFigure]| {
            calls += 1;
            Err(copilot_pdf::PdfError::Worker {
                name: "figures.pdf".into(),
                detail: "lost".into(),
            })
        };
        let figures = locate_figures(&doc).unwrap();
        let (found, left_out) = select(Vec::new(), figures, &options, &mut broken);
        assert_eq!(calls, 1);
        assert!(found.is_empty());
        let not_rendered = left_out
            .iter()
            .filter(|n| matches!(&n.reason, NotDescribedReason::NotRendered(why) if why.contains("lost")))
            .count();
        assert_eq!(not_rendered, 5, "all but the tiny one: {left_out:#?}");
    }

    #[test]
    fn output_names_do_not_collide() {
        let dir = Path::new("/out");
        let first = unused_path(dir, "a.pdf", &[]);
        assert_eq!(first, dir.join("a.alt.pdf"));
        let second = unused_path(dir, "a.pdf", std::slice::from_ref(&first));
        assert_eq!(second, dir.join("a-2.alt.pdf"));
    }
}
