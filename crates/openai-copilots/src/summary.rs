//! The summary copilot.

use std::path::Path;

use crate::documents::{check_output, load_all, Loaded};
use crate::streamed::TextSink;
use crate::{assistants, completions, output, responses};
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
/// reuse it. Every object created for it on the server (a vector store and files for
/// `file_search`, an assistant and thread on the Assistants backend) is deleted afterwards,
/// whether the request succeeded or not; on the Responses backend the response itself is not
/// stored (`store: false`).
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
        self.summary_to(None)
    }

    /// [`get_summary`](Self::get_summary), with the text passed to `on_text` as it arrives
    /// (file_search citation markers left out). A summary made in parts (chat completions
    /// backend, documents longer than the context) streams its final, combining request. A
    /// summary already made is passed whole, at once.
    pub fn get_summary_streamed(
        &mut self,
        mut on_text: impl FnMut(&str),
    ) -> Result<String, CopilotError> {
        let mut sink = TextSink::new(&mut on_text);
        if let Some(summary) = &self.summary {
            sink.push(summary);
            sink.finish();
            return Ok(summary.clone());
        }
        self.summary_to(Some(&mut sink))
    }

    fn summary_to(&mut self, sink: Option<&mut TextSink<'_>>) -> Result<String, CopilotError> {
        if let Some(summary) = &self.summary {
            return Ok(summary.clone());
        }
        let documents = load_all(&self.options.common)?;
        let summary = self.summarize_loaded(&documents, &self.options.summary_prompt, sink)?;
        self.summary = Some(summary.clone());
        Ok(summary)
    }

    /// A summary of `documents` asked with `prompt`, on the copilot's backend.
    pub(crate) fn summarize_loaded(
        &self,
        documents: &[Loaded],
        prompt: &str,
        sink: Option<&mut TextSink<'_>>,
    ) -> Result<String, CopilotError> {
        let common = &self.options.common;
        match common.backend {
            CopilotBackend::Responses => responses::summarize(
                &self.client,
                common,
                self.instructions(),
                prompt,
                documents,
                sink,
            ),
            CopilotBackend::ChatCompletions => {
                let texts = documents
                    .iter()
                    .map(|d| Ok((d.name(), d.text()?)))
                    .collect::<Result<Vec<_>, CopilotError>>()?;
                completions::summarize(
                    &self.client,
                    common,
                    self.instructions(),
                    prompt,
                    &texts,
                    sink,
                )
            }
            CopilotBackend::Assistants => self.summarise_with_assistant(documents, prompt, sink),
        }
    }

    /// The client it talks through.
    pub(crate) fn client(&self) -> &OpenAIClient {
        &self.client
    }

    pub(crate) fn instructions(&self) -> &str {
        self.options.common.instructions_or(INSTRUCTIONS)
    }

    fn summarise_with_assistant(
        &self,
        documents: &[Loaded],
        prompt: &str,
        sink: Option<&mut TextSink<'_>>,
    ) -> Result<String, CopilotError> {
        let setup = assistants::Setup {
            common: &self.options.common,
            default_name: "Summary copilot",
            instructions: self.instructions(),
            expire_days: Some(1),
        };
        let mut context = assistants::open(&self.client, &setup, documents)?;
        let prompt = [prompt.to_owned()];
        let answer = assistants::ask(
            &self.client,
            &context,
            &self.options.common,
            &prompt,
            None,
            sink,
        );
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
    /// [`CopilotError::WouldOverwriteInput`], and an existing file with
    /// [`CopilotError::OutputExists`] unless the options allow it, before anything is asked
    /// or written. The file is written whole or not at all (a temporary file renamed).
    pub fn save_summary(
        &mut self,
        path: impl AsRef<Path>,
        format: SaveFormat,
    ) -> Result<(), CopilotError> {
        let path = path.as_ref();
        check_output(path, &self.options.common)?;
        let summary = self.get_summary()?;
        output::save(path, "Summary", &summary, format)
    }
}
