//! The copilots' options: fluent, with our documented defaults.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use copilot_pdf::PdfDocument;
use openai_blocking::types::TruncationObject;

/// The model every copilot uses unless told otherwise: cheap, fast, 128k context, vision.
pub const DEFAULT_COPILOT_MODEL: &str = "gpt-4o-mini";

/// Which API a copilot talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CopilotBackend {
    /// The default: the Responses API, what live OpenAI serves today. Documents go in with
    /// the request when they fit ([`DocumentDelivery`]: PDFs as `input_file` parts, text as
    /// text), else into a vector store searched with the `file_search` tool. Chat keeps its
    /// context in a Conversation; images go as `input_image` parts.
    #[default]
    Responses,
    /// Extract the documents' text locally and ask `/chat/completions`, in chunks when the
    /// text is longer than the model's context, then a summary of the summaries. Reads every
    /// part of a long document; works with any server that speaks chat completions.
    ChatCompletions,
    /// The seed's way: upload the documents, put them in a vector store, create an assistant
    /// with file_search, a thread and a run. Works against the local engine and any server
    /// that speaks Assistants v2 (OpenAI switched these endpoints off on 2026-08-26).
    Assistants,
}

/// How the [`Responses`](CopilotBackend::Responses) backend gives documents to the model.
///
/// With [`Auto`](Self::Auto) the documents go in with the request when all three hold:
/// at most [`max_inline_documents`](CommonOptions::max_inline_documents) documents (10 by
/// default), their text (extracted locally to count it) within
/// [`max_inline_tokens`](CommonOptions::max_inline_tokens) (by default half of what the
/// model's context leaves for the prompt, so the answer and a conversation fit too), and
/// their files within [`MAX_INLINE_BYTES`] (OpenAI's cap on the file content of one
/// request). Otherwise they are uploaded into a vector store and the model searches them
/// with `file_search`, which scales to any number of documents but reads only the passages
/// the search returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DocumentDelivery {
    /// Inline when the documents fit, else `file_search` (the rule above).
    #[default]
    Auto,
    /// Always in the request: PDFs as `input_file` parts (base64 `file_data`), text
    /// documents as `input_text` parts. Nothing is uploaded; a request too large for the
    /// model fails at the server.
    Inline,
    /// Always uploaded into a vector store searched with `file_search`; the store and files
    /// are deleted when the copilot is done with them.
    FileSearch,
}

/// OpenAI's cap on the file content of one Responses request: 32 MB.
pub const MAX_INLINE_BYTES: usize = 32 * 1024 * 1024;

/// A plain-text document: a name and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextDocument {
    /// The name the document goes by (an upload is called this, with `.txt` added when it
    /// has no extension).
    pub name: String,
    /// The text.
    pub content: String,
}

impl TextDocument {
    /// A text document with a name.
    pub fn new(name: impl Into<String>, content: impl Into<String>) -> Self {
        TextDocument {
            name: name.into(),
            content: content.into(),
        }
    }
}

/// One document given to a copilot.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CopilotDocument {
    /// A file: a PDF (by its `.pdf` extension), plain text or Markdown; for the image
    /// copilot also PNG, JPEG, GIF or WebP images.
    Path(PathBuf),
    /// A PDF held in memory.
    Pdf(PdfDocument),
    /// A text held in memory.
    Text(TextDocument),
}

impl From<PathBuf> for CopilotDocument {
    fn from(path: PathBuf) -> Self {
        CopilotDocument::Path(path)
    }
}

impl From<&Path> for CopilotDocument {
    fn from(path: &Path) -> Self {
        CopilotDocument::Path(path.to_path_buf())
    }
}

impl From<PdfDocument> for CopilotDocument {
    fn from(pdf: PdfDocument) -> Self {
        CopilotDocument::Pdf(pdf)
    }
}

impl From<TextDocument> for CopilotDocument {
    fn from(text: TextDocument) -> Self {
        CopilotDocument::Text(text)
    }
}

/// Options every copilot shares. Reach them through the `with_*` methods of each copilot's
/// options, or directly as the `common` field.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CommonOptions {
    /// Model id; default [`DEFAULT_COPILOT_MODEL`].
    pub model: String,
    /// Sampling temperature; default unset (the server's default).
    pub temperature: Option<f64>,
    /// Nucleus sampling; default unset.
    pub top_p: Option<f64>,
    /// Most prompt tokens a run may use (Assistants backend); with chat completions it caps
    /// how much document text goes into one request. Default unset.
    pub max_prompt_tokens: Option<i64>,
    /// Most tokens an answer may have; default unset.
    pub max_completion_tokens: Option<i64>,
    /// System instructions; default: a short instruction written for each copilot.
    pub instructions: Option<String>,
    /// Name of the assistant created on the Assistants backend; default per copilot.
    pub assistant_name: Option<String>,
    /// The documents to work on, in order.
    pub documents: Vec<CopilotDocument>,
    /// Which API to use; default [`CopilotBackend::Responses`].
    pub backend: CopilotBackend,
    /// The model's context window in tokens, when the built-in table does not know the model
    /// (it knows the gpt-3.5, gpt-4, gpt-4o, gpt-4.1, gpt-5 and o-series families).
    pub context_tokens: Option<usize>,
    /// How the Responses backend gives documents to the model; default
    /// [`DocumentDelivery::Auto`].
    pub document_delivery: DocumentDelivery,
    /// Most documents sent in the request under [`DocumentDelivery::Auto`]; default 10.
    pub max_inline_documents: usize,
    /// Most tokens of document text sent in the request under [`DocumentDelivery::Auto`];
    /// default unset: half the prompt budget of the model.
    pub max_inline_tokens: Option<usize>,
    /// Called as long work goes on (documents read, parts summarised, images described);
    /// default none.
    pub on_progress: Option<crate::ProgressCallback>,
    /// When set to `true`, the copilot starts no new request and returns
    /// [`CopilotError::Cancelled`](crate::CopilotError::Cancelled) (requests in flight
    /// finish; objects it created on the server are deleted as on any failure).
    pub cancel: Option<crate::progress::CancelFlag>,
    /// Whether saving may replace a file that exists (never one of the input documents);
    /// default `false`: an existing output is [`CopilotError::OutputExists`](crate::CopilotError::OutputExists).
    pub overwrite_outputs: bool,
}

impl CommonOptions {
    /// The caller's instructions, else the copilot's own `default`.
    pub(crate) fn instructions_or<'a>(&'a self, default: &'a str) -> &'a str {
        self.instructions.as_deref().unwrap_or(default)
    }
}

impl Default for CommonOptions {
    fn default() -> Self {
        CommonOptions {
            model: DEFAULT_COPILOT_MODEL.to_owned(),
            temperature: None,
            top_p: None,
            max_prompt_tokens: None,
            max_completion_tokens: None,
            instructions: None,
            assistant_name: None,
            documents: Vec::new(),
            backend: CopilotBackend::default(),
            context_tokens: None,
            document_delivery: DocumentDelivery::Auto,
            max_inline_documents: 10,
            max_inline_tokens: None,
            overwrite_outputs: false,
            on_progress: None,
            cancel: None,
        }
    }
}

/// Defines the shared fluent setters on an options type with a `common` field.
macro_rules! common_setters {
    ($options:ident) => {
        impl $options {
            /// Options with our defaults (see each field).
            pub fn new() -> Self {
                Self::default()
            }

            /// Builds options with a closure, as the seed's `Create(configure)`.
            pub fn create(configure: impl FnOnce(Self) -> Self) -> Self {
                configure(Self::default())
            }

            /// The model id.
            pub fn with_model(mut self, model: impl Into<String>) -> Self {
                self.common.model = model.into();
                self
            }

            /// Sampling temperature (0 to 2).
            pub fn with_temperature(mut self, temperature: f64) -> Self {
                self.common.temperature = Some(temperature);
                self
            }

            /// Nucleus sampling (0 to 1).
            pub fn with_top_p(mut self, top_p: f64) -> Self {
                self.common.top_p = Some(top_p);
                self
            }

            /// Most prompt tokens per run (per request with chat completions).
            pub fn with_max_prompt_tokens(mut self, tokens: i64) -> Self {
                self.common.max_prompt_tokens = Some(tokens);
                self
            }

            /// Most tokens per answer.
            pub fn with_max_completion_tokens(mut self, tokens: i64) -> Self {
                self.common.max_completion_tokens = Some(tokens);
                self
            }

            /// System instructions, replacing the copilot's own.
            pub fn with_instructions(mut self, instructions: impl Into<String>) -> Self {
                self.common.instructions = Some(instructions.into());
                self
            }

            /// System instructions read from a text file.
            pub fn with_instructions_from_file(
                self,
                path: impl AsRef<std::path::Path>,
            ) -> std::io::Result<Self> {
                let text = std::fs::read_to_string(path)?;
                Ok(self.with_instructions(text))
            }

            /// Name of the assistant created on the Assistants backend.
            pub fn with_assistant_name(mut self, name: impl Into<String>) -> Self {
                self.common.assistant_name = Some(name.into());
                self
            }

            /// Adds a document: a path, a [`PdfDocument`] or a [`TextDocument`].
            pub fn with_document(mut self, document: impl Into<CopilotDocument>) -> Self {
                self.common.documents.push(document.into());
                self
            }

            /// Adds a document by path (PDF, text or Markdown).
            pub fn with_document_path(self, path: impl AsRef<std::path::Path>) -> Self {
                self.with_document(path.as_ref())
            }

            /// Adds several documents.
            pub fn with_documents<D: Into<CopilotDocument>>(
                mut self,
                documents: impl IntoIterator<Item = D>,
            ) -> Self {
                self.common
                    .documents
                    .extend(documents.into_iter().map(Into::into));
                self
            }

            /// Which API to use.
            pub fn with_backend(mut self, backend: CopilotBackend) -> Self {
                self.common.backend = backend;
                self
            }

            /// The model's context window in tokens, for models the built-in table lacks.
            pub fn with_context_tokens(mut self, tokens: usize) -> Self {
                self.common.context_tokens = Some(tokens);
                self
            }

            /// How the Responses backend gives documents to the model.
            pub fn with_document_delivery(mut self, delivery: crate::DocumentDelivery) -> Self {
                self.common.document_delivery = delivery;
                self
            }

            /// Most documents sent in the request under `DocumentDelivery::Auto`.
            pub fn with_max_inline_documents(mut self, documents: usize) -> Self {
                self.common.max_inline_documents = documents;
                self
            }

            /// Calls `callback` as long work goes on: the stage, steps done, steps in all.
            pub fn with_progress(
                mut self,
                callback: impl Fn(&crate::CopilotProgress) + Send + Sync + 'static,
            ) -> Self {
                self.common.on_progress =
                    Some(crate::ProgressCallback(std::sync::Arc::new(callback)));
                self
            }

            /// Stops the work (no new request) soon after `flag` becomes `true`.
            pub fn with_cancel_flag(
                mut self,
                flag: std::sync::Arc<std::sync::atomic::AtomicBool>,
            ) -> Self {
                self.common.cancel = Some(flag);
                self
            }

            /// Lets saving replace an existing file (never an input document).
            pub fn with_overwrite_outputs(mut self, overwrite: bool) -> Self {
                self.common.overwrite_outputs = overwrite;
                self
            }

            /// Most tokens of document text sent in the request under
            /// `DocumentDelivery::Auto`.
            pub fn with_max_inline_tokens(mut self, tokens: usize) -> Self {
                self.common.max_inline_tokens = Some(tokens);
                self
            }
        }
    };
}

/// Options of the [`SummaryCopilot`](crate::SummaryCopilot).
#[derive(Debug, Clone)]
#[non_exhaustive]
#[must_use = "options do nothing until given to a copilot"]
pub struct SummaryCopilotOptions {
    /// Options every copilot shares.
    pub common: CommonOptions,
    /// The request for a summary; default [`DEFAULT_SUMMARY_PROMPT`].
    pub summary_prompt: String,
}

/// The summary copilot's default request.
pub const DEFAULT_SUMMARY_PROMPT: &str = "Summarise the documents: their purpose and main \
points in the order they appear, with the key figures and conclusions, in a few short \
paragraphs. Use only what the documents say.";

impl Default for SummaryCopilotOptions {
    fn default() -> Self {
        SummaryCopilotOptions {
            common: CommonOptions::default(),
            summary_prompt: DEFAULT_SUMMARY_PROMPT.to_owned(),
        }
    }
}

common_setters!(SummaryCopilotOptions);

impl SummaryCopilotOptions {
    /// The request for a summary.
    pub fn with_summary_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.summary_prompt = prompt.into();
        self
    }
}

/// Options of the [`ChatCopilot`](crate::ChatCopilot).
#[derive(Debug, Clone)]
#[non_exhaustive]
#[must_use = "options do nothing until given to a copilot"]
pub struct ChatCopilotOptions {
    /// Options every copilot shares.
    pub common: CommonOptions,
    /// Days after its last use when the vector store expires (Assistants backend, and the
    /// Responses backend's `file_search`); default 7.
    pub vector_store_expire_days: Option<u32>,
    /// How a run trims the thread (Assistants backend) or how much history is resent (chat
    /// completions, `last_messages`); default unset: `auto`, the whole history that fits.
    pub truncation_strategy: Option<TruncationObject>,
    /// Where [`save_context`](crate::ChatCopilot::save_context) writes by default, and where a
    /// context is restored from.
    pub context_backup_path: Option<PathBuf>,
    /// Resume the conversation saved at `context_backup_path` instead of starting anew.
    pub restore_context_from_backup: bool,
}

impl Default for ChatCopilotOptions {
    fn default() -> Self {
        ChatCopilotOptions {
            common: CommonOptions::default(),
            vector_store_expire_days: Some(7),
            truncation_strategy: None,
            context_backup_path: None,
            restore_context_from_backup: false,
        }
    }
}

common_setters!(ChatCopilotOptions);

impl ChatCopilotOptions {
    /// Days after its last use when the vector store expires (`None`: never).
    pub fn with_vector_store_expire_days(mut self, days: Option<u32>) -> Self {
        self.vector_store_expire_days = days;
        self
    }

    /// How runs trim the conversation.
    pub fn with_truncation_strategy(mut self, strategy: TruncationObject) -> Self {
        self.truncation_strategy = Some(strategy);
        self
    }

    /// The JSON file a context is saved to and restored from.
    pub fn with_context_backup_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.context_backup_path = Some(path.into());
        self
    }

    /// Resume from the context saved at the backup path, when it exists.
    pub fn with_restore_context_from_backup(mut self, restore: bool) -> Self {
        self.restore_context_from_backup = restore;
        self
    }
}

/// How closely the vision model looks at an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ImageDetail {
    /// Let the model choose (the default).
    #[default]
    Auto,
    /// A 512 px preview: cheap and fast.
    Low,
    /// The full image in tiles: slower, reads small text.
    High,
}

/// Options of the [`ImageDescriptionCopilot`](crate::ImageDescriptionCopilot).
#[derive(Debug, Clone)]
#[non_exhaustive]
#[must_use = "options do nothing until given to a copilot"]
pub struct ImageDescriptionCopilotOptions {
    /// Options every copilot shares. On the Responses backend (the default) images go to
    /// `/responses` as `input_image` parts; on the others to `/chat/completions`; both as
    /// base64 data URLs.
    pub common: CommonOptions,
    /// The request for a description; default [`DEFAULT_IMAGE_DESCRIPTION_PROMPT`].
    pub image_description_prompt: String,
    /// How closely the model looks; default [`ImageDetail::Auto`].
    pub image_detail: ImageDetail,
    /// Description requests in flight at once; default 4.
    pub max_concurrency: usize,
    /// Most images and figures described on one page of a PDF; default
    /// [`DEFAULT_MAX_IMAGES_PER_PAGE`]. On a page with more, the largest (by the area they
    /// cover on it) are described; the rest are listed in
    /// [`not_described`](crate::ImageDescriptionResult::not_described) as
    /// [`PageLimit`](crate::NotDescribedReason::PageLimit). An image counts on the first
    /// page that draws it.
    pub max_images_per_page: usize,
    /// Most images and figures described in one document; default [`DEFAULT_MAX_IMAGES`].
    /// Past it, pages' images are listed as
    /// [`DocumentLimit`](crate::NotDescribedReason::DocumentLimit) instead, from the first
    /// page over the limit on.
    pub max_images: usize,
    /// Whether images too small to carry meaning are left out as decorative (default
    /// `true`): in a PDF, an image fewer than [`TINY_IMAGE_PIXELS`] pixels wide or high (a
    /// colour fill, a rule), or drawn everywhere less than [`TINY_IMAGE_POINTS`] points
    /// wide or high (a bullet, a spacer, a line); a vector figure whose region is less than
    /// [`TINY_IMAGE_POINTS`] wide or high. They are listed as
    /// [`Tiny`](crate::NotDescribedReason::Tiny), and count against no limit. Image files
    /// given as documents are always described.
    pub skip_tiny_images: bool,
    /// The language of the documents as a BCP 47 tag (`en`, `de-CH`), written as the `/Lang`
    /// of each copy [`add_pdf_image_descriptions`](crate::ImageDescriptionCopilot::add_pdf_image_descriptions)
    /// writes when the document names none (default none: a document's own is always kept).
    pub document_language: Option<String>,
}

/// The default of [`ImageDescriptionCopilotOptions::max_images_per_page`].
pub const DEFAULT_MAX_IMAGES_PER_PAGE: usize = 50;

/// The default of [`ImageDescriptionCopilotOptions::max_images`].
pub const DEFAULT_MAX_IMAGES: usize = 500;

/// An image with fewer pixels than this across or down is tiny (see
/// [`ImageDescriptionCopilotOptions::skip_tiny_images`]).
pub const TINY_IMAGE_PIXELS: u32 = 4;

/// An image drawn everywhere, or a figure, less than this many points (1/72 inch) wide or
/// high is tiny (see [`ImageDescriptionCopilotOptions::skip_tiny_images`]).
pub const TINY_IMAGE_POINTS: f64 = 6.0;

/// The image copilot's default request.
pub const DEFAULT_IMAGE_DESCRIPTION_PROMPT: &str = "Write alternative text for this image, \
as found in a document: one or two plain sentences saying what it shows and any text it \
contains. Do not start with \"Image of\".";

impl Default for ImageDescriptionCopilotOptions {
    fn default() -> Self {
        ImageDescriptionCopilotOptions {
            common: CommonOptions::default(),
            image_description_prompt: DEFAULT_IMAGE_DESCRIPTION_PROMPT.to_owned(),
            image_detail: ImageDetail::Auto,
            max_concurrency: 4,
            max_images_per_page: DEFAULT_MAX_IMAGES_PER_PAGE,
            max_images: DEFAULT_MAX_IMAGES,
            skip_tiny_images: true,
            document_language: None,
        }
    }
}

common_setters!(ImageDescriptionCopilotOptions);

impl ImageDescriptionCopilotOptions {
    /// The request for a description.
    pub fn with_image_description_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.image_description_prompt = prompt.into();
        self
    }

    /// How closely the model looks at each image.
    pub fn with_image_detail(mut self, detail: ImageDetail) -> Self {
        self.image_detail = detail;
        self
    }

    /// Description requests in flight at once (at least 1).
    pub fn with_max_concurrency(mut self, requests: usize) -> Self {
        self.max_concurrency = requests.max(1);
        self
    }

    /// Most images and figures described on one page (0: none); see
    /// [`max_images_per_page`](Self::max_images_per_page).
    pub fn with_max_images_per_page(mut self, images: usize) -> Self {
        self.max_images_per_page = images;
        self
    }

    /// Most images and figures described in one document (0: none); see
    /// [`max_images`](Self::max_images).
    pub fn with_max_images(mut self, images: usize) -> Self {
        self.max_images = images;
        self
    }

    /// Whether tiny images are left out as decorative; see
    /// [`skip_tiny_images`](Self::skip_tiny_images).
    pub fn with_skip_tiny_images(mut self, skip: bool) -> Self {
        self.skip_tiny_images = skip;
        self
    }

    /// The language of documents that name none; see
    /// [`document_language`](Self::document_language).
    pub fn with_document_language(mut self, lang: impl Into<String>) -> Self {
        self.document_language = Some(lang.into());
        self
    }
}

/// The formats a summary or an answer can be saved in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaveFormat {
    /// A tagged PDF with embedded, subset fonts.
    Pdf,
    /// The model's Markdown as it came.
    Markdown,
    /// Plain UTF-8 text, Markdown marks removed.
    Text,
}

impl SaveFormat {
    /// The format a file name's extension suggests: `.md`/`.markdown`, `.txt`, else PDF.
    pub fn from_path(path: impl AsRef<Path>) -> SaveFormat {
        let ext = path
            .as_ref()
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("md" | "markdown") => SaveFormat::Markdown,
            Some("txt" | "text") => SaveFormat::Text,
            _ => SaveFormat::Pdf,
        }
    }
}
