//! The summary copilot.

use std::path::Path;

use crate::documents::{load_all, refuse_input, Loaded};
use crate::{assistants, completions, output};
use crate::{CopilotBackend, CopilotError, PdfDocument, SaveFormat, SummaryCopilotOptions};
use openai_blocking::OpenAIClient;

/// The instructions a summary copilot gives the model unless told otherwise.
const INSTRUCTIONS: &str = "You summarise documents faithfully and concisely, in the language \
of the documents. You never add facts the documents do not state.";

/// Summarises documents; made by
/// [`client.get_summary_copilot(options)`](crate::CopilotClientExt::get_summary_copilot).
///
/// The summary is asked for once and kept: [`get_summary`](Self::get_summary),
/// [`get_summary_document`](Self::get_summary_document) and [`save_summary`](Self::save_summary)
/// reuse it. On the Assistants backend every object created for it is deleted afterwards,
/// whether the run succeeded or not.
#[derive(Debug)]
pub struct SummaryCopilot {
    client: OpenAIClient,
    options: SummaryCopilotOptions,
    summary: Option<String>,
}

impl SummaryCopilot {
    /// A copilot that summarises the documents of `options`.
    pub(crate) fn new(client: &OpenAIClient, options: SummaryCopilotOptions) -> Self {
        Self {
            client: client.clone(),
            options,
            summary: None,
        }
    }
}

impl SummaryCopilot {
    /// The options it was made with.
    pub fn options(&self) -> &SummaryCopilotOptions {
        &self.options
    }

    /// The summary's text (Markdown as the model wrote it), asked for on the first call.
    pub fn get_summary(&mut self) -> Result<String, CopilotError> {
        if let Some(summary) = &self.summary {
            return Ok(summary.clone());
        }
        let documents = load_all(&self.options.common.documents)?;
        let summary = match self.options.common.backend {
            CopilotBackend::ChatCompletions => self.summarise_locally(&documents)?,
            CopilotBackend::Assistants => self.summarise_with_assistant(&documents)?,
        };
        self.summary = Some(summary.clone());
        Ok(summary)
    }

    fn instructions(&self) -> &str {
        self.options.common.instructions_or(INSTRUCTIONS)
    }

    fn summarise_locally(&self, documents: &[Loaded]) -> Result<String, CopilotError> {
        let texts = documents
            .iter()
            .map(|d| Ok((d.name(), d.text()?)))
            .collect::<Result<Vec<_>, CopilotError>>()?;
        completions::summarize(
            &self.client,
            &self.options.common,
            self.instructions(),
            &self.options.summary_prompt,
            &texts,
        )
    }

    fn summarise_with_assistant(&self, documents: &[Loaded]) -> Result<String, CopilotError> {
        let setup = assistants::Setup {
            common: &self.options.common,
            default_name: "Summary copilot",
            instructions: self.instructions(),
            expire_days: Some(1),
        };
        let mut context = assistants::open(&self.client, &setup, documents)?;
        let prompt = [self.options.summary_prompt.clone()];
        let answer = assistants::ask(&self.client, &context, &self.options.common, &prompt, None);
        let cleanup = assistants::delete(&self.client, &mut context);
        let answer = answer?;
        cleanup?;
        Ok(answer)
    }

    /// The summary as a new tagged PDF named `summary.pdf`.
    pub fn get_summary_document(&mut self) -> Result<PdfDocument, CopilotError> {
        let summary = self.get_summary()?;
        let bytes = output::render_pdf("Summary", &summary)?;
        Ok(PdfDocument::from_bytes("summary.pdf", bytes))
    }

    /// Writes the summary to `path` as a PDF, Markdown or plain text.
    ///
    /// A `path` that is one of the input documents is refused with
    /// [`CopilotError::WouldOverwriteInput`] before anything is asked or written.
    pub fn save_summary(
        &mut self,
        path: impl AsRef<Path>,
        format: SaveFormat,
    ) -> Result<(), CopilotError> {
        let path = path.as_ref();
        refuse_input(path, &self.options.common.documents)?;
        let summary = self.get_summary()?;
        output::save(path, "Summary", &summary, format)
    }
}
