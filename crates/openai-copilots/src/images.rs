//! The image-description copilot: every image of the documents described by a vision model,
//! and the descriptions written back into the PDFs as alternative text.

use std::collections::hash_map::{DefaultHasher, Entry};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use crate::completions::complete;
use crate::documents::{check_output, load_all, Loaded};
use crate::parallel::try_map;
use crate::progress::Stage;
use crate::{
    responses, CopilotBackend, CopilotError, CopilotStage, ImageDescriptionCopilotOptions,
    ImageDetail,
};
use copilot_pdf::{
    add_alt_texts, extract_images, load_image_file, EncodedImage, ImageKey, ImagePlacement,
    SkippedImage,
};
use openai_blocking::types::*;
use openai_blocking::*;

/// The instructions an image copilot gives the model unless told otherwise.
const INSTRUCTIONS: &str = "You write short, accurate alternative text for images found in \
documents, for readers who cannot see them.";

/// One image and what the model said it shows.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ImageDescription {
    /// The image's resource name in the PDF (`Im1`), or the image file's name.
    pub name: String,
    /// Where a PDF draws it: page and rectangle of each placement (empty for image files).
    pub placements: Vec<ImagePlacement>,
    /// The image as PNG or JPEG, soft mask composited on white.
    pub image: EncodedImage,
    /// The description.
    pub description: String,
    /// The image's object in the PDF (`None` for image files).
    pub key: Option<ImageKey>,
}

impl ImageDescription {
    /// The first page that shows the image (1-based), if it comes from a PDF.
    pub fn page(&self) -> Option<u32> {
        self.placements.first().map(|p| p.page)
    }
}

/// The descriptions of one document's images.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ImageDescriptionResult {
    /// The document's path or name.
    pub source: String,
    /// Whether the document is a PDF (else a standalone image file).
    pub is_pdf: bool,
    /// One entry per distinct image, in the order the document first draws them.
    pub descriptions: Vec<ImageDescription>,
    /// Images that could not be decoded (e.g. JPEG 2000), with the reason.
    pub skipped: Vec<SkippedImage>,
    /// Images left without a description by a batch ([`ImageDescriptionCopilot::collect_image_batch`]):
    /// the image's name and why (the request failed, or did not run).
    pub failed: Vec<(String, String)>,
}

/// An image-description batch in flight, made by
/// [`ImageDescriptionCopilot::submit_image_batch`]; save it (it is JSON) to collect the
/// descriptions from a later process with the same documents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ImageBatch {
    /// The batch's id.
    pub batch_id: String,
    /// How many distinct images it describes (request `img{n}` is the `n`-th, in the order
    /// the documents first draw them).
    pub images: usize,
}

/// Describes the images of PDFs and image files; made by
/// [`client.get_image_description_copilot(options)`](crate::CopilotClientExt::get_image_description_copilot).
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

/// An image found in a document, before it is described.
struct Found {
    name: String,
    placements: Vec<ImagePlacement>,
    image: EncodedImage,
    key: Option<ImageKey>,
}

impl ImageDescriptionCopilot {
    /// The options it was made with.
    pub fn options(&self) -> &ImageDescriptionCopilotOptions {
        &self.options
    }

    /// Every image of every document with its description, one result per document, in the
    /// documents' order. Asked for on the first call and kept.
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
    /// when two inputs share a name), whose images carry their descriptions as alternative
    /// text; image files are skipped. Returns the paths written. The descriptions are those
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
    /// returned them: one per document, in order; an image whose `key` is unset is skipped.
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
            let bytes = add_alt_texts(pdf, &descriptions)?;
            crate::output::write_atomically(path, &bytes)?;
        }
        Ok(outputs.to_vec())
    }

    fn describe_documents(
        &self,
        documents: &[Loaded],
    ) -> Result<Vec<ImageDescriptionResult>, CopilotError> {
        let gathered = gather(documents)?;
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

    /// Describes every distinct image through the Batch API (half the price on OpenAI, done
    /// within 24 hours): one request per image, uploaded as one batch. Collect the
    /// descriptions with [`collect_image_batch`](Self::collect_image_batch), in this process
    /// or a later one (save the [`ImageBatch`]).
    pub fn submit_image_batch(&self) -> Result<ImageBatch, CopilotError> {
        let documents = load_all(&self.options.common)?;
        let gathered = gather(&documents)?;
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
        let gathered = gather(&documents)?;
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

fn gather(documents: &[Loaded]) -> Result<Gathered, CopilotError> {
    let mut found = Vec::new();
    for document in documents {
        found.push(find_images(document)?);
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

/// The images of one document, ready to describe.
fn find_images(document: &Loaded) -> Result<(ImageDescriptionResult, Vec<Found>), CopilotError> {
    let mut result = ImageDescriptionResult {
        source: document.name(),
        is_pdf: false,
        descriptions: Vec::new(),
        skipped: Vec::new(),
        failed: Vec::new(),
    };
    match document {
        Loaded::Pdf(pdf) => {
            let images = extract_images(pdf)?;
            result.is_pdf = true;
            result.skipped = images.skipped;
            let found = images
                .images
                .into_iter()
                .map(|i| Found {
                    name: i.name,
                    placements: i.placements,
                    image: i.image,
                    key: Some(i.key),
                })
                .collect();
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

    #[test]
    fn output_names_do_not_collide() {
        let dir = Path::new("/out");
        let first = unused_path(dir, "a.pdf", &[]);
        assert_eq!(first, dir.join("a.alt.pdf"));
        let second = unused_path(dir, "a.pdf", std::slice::from_ref(&first));
        assert_eq!(second, dir.join("a-2.alt.pdf"));
    }
}
