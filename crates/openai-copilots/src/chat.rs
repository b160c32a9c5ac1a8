//! The chat copilot: a conversation about documents.

use std::path::Path;

use crate::completions::{complete_streamed, estimate_tokens, prompt_budget, select_passages};
use crate::documents::{check_output, load_all, refuse_input};
use crate::streamed::TextSink;
use crate::{assistants, output, responses};
use crate::{ChatCopilotOptions, CopilotBackend, CopilotContext, CopilotError, SaveFormat};
use openai_blocking::types::TruncationObjectType;
use openai_blocking::{ChatCompletionRequestMessage, OpenAIClient};

/// The instructions a chat copilot gives the model unless told otherwise.
const INSTRUCTIONS: &str = "You answer questions about the documents you are given. Base \
every answer on them and say so when they do not contain the answer. Answer in the language \
of the question.";

/// Answers questions about documents, keeping the conversation; made by
/// [`client.get_chat_copilot(options)`](crate::CopilotClientExt::get_chat_copilot).
///
/// The conversation lives in a Conversation (Responses backend, the default), a thread
/// (Assistants backend) or the message history (chat completions). [`save_context`](Self::save_context) writes it to a JSON file from which a new
/// copilot can resume; [`delete_context`](Self::delete_context) deletes every object the
/// copilot created on the server and lets the conversation start anew.
///
/// # Ending a conversation
///
/// End a copilot with [`close`](Self::close): it deletes what the copilot created on the
/// server (unless the context was saved or restored, to be resumed later) and returns
/// [`CopilotError::Cleanup`], naming what is left, when a deletion fails.
///
/// Dropping a copilot that was neither closed, nor saved, nor emptied with `delete_context`
/// still cleans up, as a **best effort**: `Drop` sends the same DELETE requests (so dropping
/// one can block for as long as those requests take, retries included) and, since it cannot
/// return an error, writes any failure to standard error. Call `close` or `delete_context`
/// when you need to know it worked; after either, dropping the copilot sends nothing.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use openai_copilots::prelude::*;
///
/// # let server = openai_local::LocalServer::start()?;
/// # let client = server.client()?;
/// let mut chat = client.get_chat_copilot(
///     ChatCopilotOptions::new()
///         .with_backend(CopilotBackend::Assistants)
///         .with_document(TextDocument::new("notes.txt", "The meeting is on Tuesday.")),
/// );
/// println!("{}", chat.get_response("When is the meeting?")?);
/// chat.close()?; // deletes the thread, assistant, vector store and file; an error names any left
/// # assert!(client.get_files(None)?.data.is_empty());
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct ChatCopilot {
    client: OpenAIClient,
    options: ChatCopilotOptions,
    context: Option<CopilotContext>,
    /// The documents' text (chat completions backend), read once.
    texts: Option<Vec<(String, String)>>,
    /// The caller saved or restored the context: it outlives the copilot.
    keep: bool,
}

impl ChatCopilot {
    /// A copilot that chats about the documents of `options`.
    pub(crate) fn new(client: &OpenAIClient, options: ChatCopilotOptions) -> Self {
        Self {
            client: client.clone(),
            options,
            context: None,
            texts: None,
            keep: false,
        }
    }
}

impl ChatCopilot {
    /// The options it was made with.
    pub fn options(&self) -> &ChatCopilotOptions {
        &self.options
    }

    /// Whether a conversation exists (objects on the server, or a history).
    pub fn has_context(&self) -> bool {
        self.context.is_some()
    }

    /// The conversation's ids and history, once it has started.
    pub fn context(&self) -> Option<&CopilotContext> {
        self.context.as_ref()
    }

    fn instructions(&self) -> &str {
        self.options.common.instructions_or(INSTRUCTIONS)
    }

    /// Starts the conversation, or resumes the saved one when asked to.
    fn ensure_context(&mut self) -> Result<(), CopilotError> {
        if self.context.is_some() {
            return Ok(());
        }
        let backend = self.options.common.backend;
        if self.options.restore_context_from_backup {
            if let Some(path) = self.options.context_backup_path.clone() {
                if path.exists() {
                    let context = CopilotContext::load(&path)?;
                    if context.backend != backend {
                        return Err(CopilotError::Context {
                            path,
                            message: format!(
                                "it was saved with the {:?} backend, the options ask for {:?}",
                                context.backend, backend
                            ),
                        });
                    }
                    self.context = Some(context);
                    self.keep = true;
                    return Ok(());
                }
            }
        }
        let documents = load_all(&self.options.common)?;
        let context = match backend {
            CopilotBackend::Responses => responses::open(
                &self.client,
                &self.options.common,
                self.options
                    .common
                    .assistant_name
                    .as_deref()
                    .unwrap_or("Chat copilot"),
                self.options.vector_store_expire_days,
                &documents,
            )?,
            CopilotBackend::Assistants => {
                let setup = assistants::Setup {
                    common: &self.options.common,
                    default_name: "Chat copilot",
                    instructions: self.instructions(),
                    expire_days: self.options.vector_store_expire_days,
                };
                assistants::open(&self.client, &setup, &documents)?
            }
            CopilotBackend::ChatCompletions => {
                let texts = documents
                    .iter()
                    .map(|d| Ok((d.name(), d.text()?)))
                    .collect::<Result<Vec<_>, CopilotError>>()?;
                self.texts = Some(texts);
                CopilotContext::new(CopilotBackend::ChatCompletions)
            }
        };
        self.context = Some(context);
        Ok(())
    }

    /// The answer to one message.
    pub fn get_response(&mut self, message: &str) -> Result<String, CopilotError> {
        self.get_response_for(&[message])
    }

    /// One answer to several messages sent together.
    pub fn get_response_for<S: AsRef<str>>(
        &mut self,
        messages: &[S],
    ) -> Result<String, CopilotError> {
        self.respond(messages, None)
    }

    /// [`get_response`](Self::get_response), with the answer's text passed to `on_text` as
    /// it arrives (file_search citation markers left out); returns the whole answer.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use openai_copilots::prelude::*;
    /// # let server = openai_local::LocalServer::start()?;
    /// # let client = server.client()?;
    /// let notes = "The meeting is on Tuesday at ten, in room four. Bring the figures for the \
    ///              third quarter and the draft of the hiring plan, and tell Anna if you \
    ///              cannot come.";
    /// let mut chat = client
    ///     .get_chat_copilot(ChatCopilotOptions::new().with_document(TextDocument::new("notes.txt", notes)));
    /// let answer = chat.get_response_streamed("When is the meeting?", |text| print!("{text}"))?;
    /// assert!(answer.contains("Tuesday"));
    /// chat.close()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_response_streamed(
        &mut self,
        message: &str,
        mut on_text: impl FnMut(&str),
    ) -> Result<String, CopilotError> {
        let mut sink = TextSink::new(&mut on_text);
        self.respond(&[message], Some(&mut sink))
    }

    fn respond<S: AsRef<str>>(
        &mut self,
        messages: &[S],
        sink: Option<&mut TextSink<'_>>,
    ) -> Result<String, CopilotError> {
        let messages: Vec<String> = messages.iter().map(|m| m.as_ref().to_owned()).collect();
        self.ensure_context()?;
        let context = self.context.as_ref().expect("context was just ensured");
        match self.options.common.backend {
            CopilotBackend::Responses => responses::ask(
                &self.client,
                context,
                &self.options.common,
                self.instructions(),
                &messages,
                sink,
            ),
            CopilotBackend::Assistants => assistants::ask(
                &self.client,
                context,
                &self.options.common,
                &messages,
                self.options.truncation_strategy.as_ref(),
                sink,
            ),
            CopilotBackend::ChatCompletions => self.ask_with_history(messages, sink),
        }
    }

    fn ask_with_history(
        &mut self,
        messages: Vec<String>,
        sink: Option<&mut TextSink<'_>>,
    ) -> Result<String, CopilotError> {
        if self.texts.is_none() {
            // A restored conversation: the documents come from the options again.
            let documents = load_all(&self.options.common)?;
            let texts = documents
                .iter()
                .map(|d| Ok((d.name(), d.text()?)))
                .collect::<Result<Vec<_>, CopilotError>>()?;
            self.texts = Some(texts);
        }
        let instructions = self.instructions().to_owned();
        let texts = self.texts.as_deref().unwrap_or_default();
        let question = messages.join("\n\n");
        let budget = prompt_budget(&self.options.common);
        let fixed = estimate_tokens(&instructions) + estimate_tokens(&question) + 64;
        let history_budget = budget / 4;
        let documents_budget = budget.saturating_sub(fixed + history_budget).max(128);
        let passages = select_passages(&question, texts, documents_budget);

        let context = self.context.as_mut().expect("context was just ensured");
        let keep_last = match &self.options.truncation_strategy {
            Some(t) if t.type_ == TruncationObjectType::LastMessages => {
                t.last_messages.map_or(usize::MAX, |n| n.max(0) as usize)
            }
            _ => usize::MAX,
        };
        let mut used = 0;
        let earlier: Vec<ChatCompletionRequestMessage> = context
            .history
            .iter()
            .rev()
            .take(keep_last)
            .take_while(|m| {
                used += serde_json::to_string(m).map_or(0, |s| estimate_tokens(&s));
                used <= history_budget
            })
            .cloned()
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();

        let mut request = vec![ChatCompletionRequestMessage::system(format!(
            "{instructions}\n\n{passages}"
        ))];
        request.extend(earlier);
        let users: Vec<ChatCompletionRequestMessage> = messages
            .iter()
            .map(ChatCompletionRequestMessage::user)
            .collect();
        request.extend(users.iter().cloned());
        let answer = complete_streamed(&self.client, &self.options.common, request, sink)?;
        context.history.extend(users);
        context
            .history
            .push(ChatCompletionRequestMessage::assistant(answer.clone()));
        Ok(answer)
    }

    /// Asks `message` and writes the answer to `path` as PDF, Markdown or text; returns it.
    pub fn save_response(
        &mut self,
        message: &str,
        path: impl AsRef<Path>,
        format: SaveFormat,
    ) -> Result<String, CopilotError> {
        self.save_response_for(&[message], path, format)
    }

    /// Asks `messages` together and writes the answer to `path`; returns it.
    ///
    /// A `path` that is one of the input documents is refused with
    /// [`CopilotError::WouldOverwriteInput`], and an existing file with
    /// [`CopilotError::OutputExists`] unless the options allow it, before anything is asked
    /// or written. The file is written whole or not at all (a temporary file renamed).
    pub fn save_response_for<S: AsRef<str>>(
        &mut self,
        messages: &[S],
        path: impl AsRef<Path>,
        format: SaveFormat,
    ) -> Result<String, CopilotError> {
        let path = path.as_ref();
        check_output(path, &self.options.common)?;
        let answer = self.get_response_for(messages)?;
        output::save(path, "Answer", &answer, format)?;
        Ok(answer)
    }

    /// Writes the conversation's ids (and history) to `path` as JSON. A copilot made with
    /// [`with_context_backup_path(path)`](ChatCopilotOptions::with_context_backup_path) and
    /// [`with_restore_context_from_backup(true)`](ChatCopilotOptions::with_restore_context_from_backup)
    /// resumes from it. The server-side objects are then kept when this copilot is closed or
    /// dropped. A `path` that is one of the input documents is refused with
    /// [`CopilotError::WouldOverwriteInput`]; an existing file with
    /// [`CopilotError::OutputExists`], unless it is the options' context backup path (a
    /// context is saved there again as the chat goes on) or the options allow it. The file is
    /// written whole or not at all.
    pub fn save_context(&mut self, path: impl AsRef<Path>) -> Result<(), CopilotError> {
        let path = path.as_ref();
        if self.options.context_backup_path.as_deref() == Some(path) {
            refuse_input(path, &self.options.common.documents)?;
        } else {
            check_output(path, &self.options.common)?;
        }
        self.ensure_context()?;
        let context = self.context.as_ref().expect("context was just ensured");
        context.save(path)?;
        self.keep = true;
        Ok(())
    }

    /// Deletes every object the conversation created on the server (conversation, thread,
    /// assistant, vector store, files), saved or not, and forgets the history. The next question starts
    /// anew.
    ///
    /// When a deletion fails the error is [`CopilotError::Cleanup`]; what could not be
    /// deleted stays in the copilot's [`context`](Self::context), so calling this again
    /// retries it (and a drop would try once more).
    pub fn delete_context(&mut self) -> Result<(), CopilotError> {
        let Some(mut context) = self.context.take() else {
            return Ok(());
        };
        let result = assistants::delete(&self.client, &mut context);
        if result.is_err() {
            // Keep what could not be deleted, so a retry can finish the job.
            self.context = Some(context);
        } else {
            self.keep = false;
        }
        result
    }
}

impl ChatCopilot {
    /// Ends the copilot, reporting whether its clean-up worked.
    ///
    /// A conversation that was saved with [`save_context`](Self::save_context) or restored
    /// from a backup is kept for the copilot that resumes it: nothing is sent. Otherwise
    /// every object the copilot created on the server (thread, assistant, vector store,
    /// files) is deleted, each one tried even when another fails; a failure is
    /// [`CopilotError::Cleanup`] with the objects left, which are not tried again (save
    /// them with [`CopilotContext::save`] to delete them later). A conversation held only
    /// locally (chat completions backend) needs no request.
    pub fn close(mut self) -> Result<(), CopilotError> {
        // Taken out, the context is gone for `Drop`, which then sends nothing.
        let Some(mut context) = self.context.take() else {
            return Ok(());
        };
        if self.keep || !context.has_server_objects() {
            return Ok(());
        }
        assistants::delete(&self.client, &mut context)
    }
}

/// Best effort for a copilot that was not closed: see [Ending a
/// conversation](ChatCopilot#ending-a-conversation).
impl Drop for ChatCopilot {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        if let Some(context) = self.context.as_mut() {
            if context.has_server_objects() {
                if let Err(e) = assistants::delete(&self.client, context) {
                    eprintln!(
                        "openai-copilots: a ChatCopilot dropped without close() could not \
                         clean up: {e}"
                    );
                }
            }
        }
    }
}
