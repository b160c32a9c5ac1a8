//! Running the PDF work in a child process with memory and time limits.
//!
//! Why a process: an allocation failure is not a panic, and Rust aborts the whole process
//! when the allocator says no. The PDF crates size allocations from the input (hayro inflates
//! a content stream without a limit; unpdf's reading-order pass, which once read the text,
//! sized histograms from damaged coordinates), and `catch_unwind` cannot catch an abort. A
//! worker process can die instead of the caller; see the crate documentation for what each
//! option cost.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::RwLock;
use std::thread;
use std::time::{Duration, Instant};

use crate::alt::AltTextOptions;
use crate::images::{ImageKey, PdfImages};
use crate::text::{Collected, PdfPageText, PdfText, TextEvent, TextFacts};
use crate::wire::{self, Malformed, Reader, Writer};
use crate::{PdfDocument, PdfError};

/// The first argument that makes a program a worker (see [`serve_worker_if_requested`]).
pub const WORKER_FLAG: &str = "--copilot-pdf-worker";

/// The environment variable naming a worker program (the `copilot-pdf-worker` binary, or any
/// program that calls [`serve_worker_if_requested`] first thing in `main`).
pub const WORKER_ENV: &str = "COPILOT_PDF_WORKER";

/// The name of the worker binary this crate builds.
pub const WORKER_BINARY: &str = "copilot-pdf-worker";

/// The worker's exit code when it cannot read or understand a request.
const REFUSED: i32 = 3;

/// How many times one text extraction may start a worker again after one died.
const MAX_RESTARTS: u32 = 16;

/// Where PDF work runs, and within which limits.
///
/// [`Isolation::current`] is what [`extract_text`](crate::extract_text),
/// [`extract_images`](crate::extract_images) and [`add_alt_texts`](crate::add_alt_texts) use:
/// the one set with [`Isolation::set_current`] (or by [`serve_worker_if_requested`]), else a
/// worker named by the `COPILOT_PDF_WORKER` environment variable (`in-process` there means
/// this process), else a `copilot-pdf-worker`
/// binary next to the running executable (or one folder up, as `cargo test` lays them out),
/// else this process.
///
/// In a worker, a document may use at most [`memory_limit`](Self::with_memory_limit) bytes
/// (by default 384 MiB plus 48 bytes per byte of PDF, at most 8 GiB) and a page at most
/// [`page_time`](Self::with_time_limits) (30 s; the whole document 10 min). Text extraction
/// streams pages back as they are done: when a page kills the worker (memory) or stalls it
/// (time), the worker is started again on the pages left, that page is left out with a
/// warning, and the rest of the document still comes back. In this process nothing is
/// limited: an input that makes a PDF crate ask for more memory than there is aborts the
/// process.
#[derive(Debug, Clone)]
pub struct Isolation {
    program: Option<(PathBuf, Vec<OsString>)>,
    memory: Option<u64>,
    page_time: Duration,
    total_time: Duration,
}

/// What a worker run cost, for tests and diagnostics ([`Isolation::run`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunStats {
    /// Worker processes started (0 in process).
    pub workers: u32,
    /// Workers that died (a memory limit, a crash) or were stopped (a time limit).
    pub workers_lost: u32,
    /// The largest peak resident memory a worker reported, in bytes (a lost worker reports
    /// none; its limit bounds it).
    pub peak_rss_bytes: Option<u64>,
    /// Why each lost worker was lost, in words (as in the warnings and errors).
    pub lost_reasons: Vec<String>,
}

/// A piece of PDF work for [`Isolation::run`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Job<'a> {
    /// [`extract_text`](crate::extract_text).
    Text,
    /// [`extract_images`](crate::extract_images).
    Images,
    /// [`add_alt_texts`](crate::add_alt_texts) with these descriptions.
    AltTexts(&'a [(ImageKey, String)]),
    /// [`add_alt_texts_with`](crate::add_alt_texts_with) with these descriptions and options.
    AltTextsWith(&'a [(ImageKey, String)], &'a AltTextOptions),
    /// [`find_figures`](crate::find_figures).
    Figures,
    /// [`locate_figures`](crate::locate_figures).
    LocateFigures,
    /// [`render_figures`](crate::render_figures) of these figures (answered with them,
    /// rendered, as [`JobOutput::Figures`]).
    RenderFigures(&'a [crate::PdfFigure]),
}

/// The result of a [`Job`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum JobOutput {
    /// The text of [`Job::Text`].
    Text(PdfText),
    /// The images of [`Job::Images`].
    Images(PdfImages),
    /// The PDF written by [`Job::AltTexts`].
    Pdf(Vec<u8>),
    /// The figures of [`Job::Figures`], [`Job::LocateFigures`] and [`Job::RenderFigures`].
    Figures(Vec<crate::PdfFigure>),
}

static CURRENT: RwLock<Option<Isolation>> = RwLock::new(None);

impl Isolation {
    /// Work in this process: fastest, but an input that exhausts memory takes the process
    /// down with it. For trusted files, or where the caller isolates the work itself.
    pub fn in_process() -> Self {
        Isolation {
            program: None,
            memory: None,
            page_time: Duration::from_secs(30),
            total_time: Duration::from_secs(600),
        }
    }

    /// Work in child processes of `program`, run as `program --copilot-pdf-worker`: the
    /// `copilot-pdf-worker` binary, or a program whose `main` calls
    /// [`serve_worker_if_requested`] first.
    pub fn worker(program: impl Into<PathBuf>) -> Self {
        Isolation {
            program: Some((program.into(), Vec::new())),
            ..Isolation::in_process()
        }
    }

    /// Work in child processes of the running executable, which must call
    /// [`serve_worker_if_requested`] at the start of its `main`.
    pub fn this_executable() -> Result<Self, PdfError> {
        std::env::current_exe()
            .map(Isolation::worker)
            .map_err(|e| PdfError::Worker {
                name: "(worker)".into(),
                detail: format!("cannot tell which executable is running: {e}"),
            })
    }

    /// The most memory one worker may use, in bytes (its data segment: heap and mappings).
    /// Past it the worker's allocation fails and the worker dies, not the caller.
    pub fn with_memory_limit(mut self, bytes: u64) -> Self {
        self.memory = Some(bytes);
        self
    }

    /// The longest a worker may go without finishing a page (`page`), and the longest a whole
    /// document may take (`total`, over every worker it needed). Images and alternative text
    /// are bound by `total` alone.
    pub fn with_time_limits(mut self, page: Duration, total: Duration) -> Self {
        self.page_time = page;
        self.total_time = total;
        self
    }

    /// Whether work runs in a separate process.
    pub fn is_isolated(&self) -> bool {
        self.program.is_some()
    }

    /// The worker program, when there is one.
    pub fn program(&self) -> Option<&Path> {
        self.program.as_ref().map(|(p, _)| p.as_path())
    }

    /// The isolation the crate's functions use (see the type's documentation for how it is
    /// found when none was set).
    pub fn current() -> Isolation {
        if let Some(set) = CURRENT.read().ok().and_then(|c| c.clone()) {
            return set;
        }
        let found = discover();
        if let Ok(mut current) = CURRENT.write() {
            current.get_or_insert(found).clone()
        } else {
            found
        }
    }

    /// Makes `isolation` the one [`Isolation::current`] returns, for the whole process.
    pub fn set_current(isolation: Isolation) {
        match CURRENT.write() {
            Ok(mut current) => *current = Some(isolation),
            Err(poisoned) => *poisoned.into_inner() = Some(isolation),
        }
    }

    fn memory_for(&self, doc: &PdfDocument) -> u64 {
        self.memory.unwrap_or_else(|| {
            (384u64 << 20)
                .saturating_add((doc.bytes().len() as u64).saturating_mul(48))
                .min(8 << 30)
        })
    }

    /// [`extract_text`](crate::extract_text) under this isolation.
    pub fn extract_text(&self, doc: &PdfDocument) -> Result<PdfText, PdfError> {
        match self.run(doc, Job::Text).0? {
            JobOutput::Text(text) => Ok(text),
            _ => Err(protocol(doc, "answered with something other than text")),
        }
    }

    /// [`extract_images`](crate::extract_images) under this isolation.
    pub fn extract_images(&self, doc: &PdfDocument) -> Result<PdfImages, PdfError> {
        match self.run(doc, Job::Images).0? {
            JobOutput::Images(images) => Ok(images),
            _ => Err(protocol(doc, "answered with something other than images")),
        }
    }

    /// [`add_alt_texts`](crate::add_alt_texts) under this isolation.
    pub fn add_alt_texts(
        &self,
        doc: &PdfDocument,
        descriptions: &[(ImageKey, String)],
    ) -> Result<Vec<u8>, PdfError> {
        match self.run(doc, Job::AltTexts(descriptions)).0? {
            JobOutput::Pdf(pdf) => Ok(pdf),
            _ => Err(protocol(doc, "answered with something other than a PDF")),
        }
    }

    /// [`add_alt_texts_with`](crate::add_alt_texts_with) under this isolation.
    pub fn add_alt_texts_with(
        &self,
        doc: &PdfDocument,
        descriptions: &[(ImageKey, String)],
        options: &AltTextOptions,
    ) -> Result<Vec<u8>, PdfError> {
        match self.run(doc, Job::AltTextsWith(descriptions, options)).0? {
            JobOutput::Pdf(pdf) => Ok(pdf),
            _ => Err(protocol(doc, "answered with something other than a PDF")),
        }
    }

    /// [`find_figures`](crate::find_figures) under this isolation.
    pub fn find_figures(&self, doc: &PdfDocument) -> Result<Vec<crate::PdfFigure>, PdfError> {
        match self.run(doc, Job::Figures).0? {
            JobOutput::Figures(figures) => Ok(figures),
            _ => Err(protocol(doc, "answered with something other than figures")),
        }
    }

    /// [`locate_figures`](crate::locate_figures) under this isolation.
    pub fn locate_figures(&self, doc: &PdfDocument) -> Result<Vec<crate::PdfFigure>, PdfError> {
        match self.run(doc, Job::LocateFigures).0? {
            JobOutput::Figures(figures) => Ok(figures),
            _ => Err(protocol(doc, "answered with something other than figures")),
        }
    }

    /// [`render_figures`](crate::render_figures) under this isolation: only the figures
    /// without an image are sent to the worker.
    pub fn render_figures(
        &self,
        doc: &PdfDocument,
        figures: &mut [crate::PdfFigure],
    ) -> Result<(), PdfError> {
        let wanted: Vec<usize> = (0..figures.len())
            .filter(|&i| figures[i].image.is_none())
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let sent: Vec<crate::PdfFigure> = wanted.iter().map(|&i| figures[i].clone()).collect();
        let rendered = match self.run(doc, Job::RenderFigures(&sent)).0? {
            JobOutput::Figures(rendered) if rendered.len() == sent.len() => rendered,
            _ => {
                return Err(protocol(
                    doc,
                    "answered with other figures than it was sent",
                ))
            }
        };
        for (i, figure) in wanted.into_iter().zip(rendered) {
            figures[i].image = figure.image;
            figures[i].render_problem = figure.render_problem;
        }
        Ok(())
    }

    /// Runs `job` on `doc` and says what it cost: the functions above, with the number of
    /// workers started and lost and their peak memory (the mutation runner reports these).
    pub fn run(&self, doc: &PdfDocument, job: Job<'_>) -> (Result<JobOutput, PdfError>, RunStats) {
        let mut stats = RunStats::default();
        let Some((program, args)) = &self.program else {
            let result = match job {
                Job::Text => crate::text::extract_text_in_process(doc).map(JobOutput::Text),
                Job::Images => crate::images::extract_images_in_process(doc).map(JobOutput::Images),
                Job::AltTexts(d) => {
                    crate::alt::add_alt_texts_in_process(doc, d, &AltTextOptions::default())
                        .map(JobOutput::Pdf)
                }
                Job::AltTextsWith(d, o) => {
                    crate::alt::add_alt_texts_in_process(doc, d, o).map(JobOutput::Pdf)
                }
                Job::Figures => {
                    crate::figures::find_figures_in_process(doc).map(JobOutput::Figures)
                }
                Job::LocateFigures => {
                    crate::figures::locate_figures_in_process(doc).map(JobOutput::Figures)
                }
                Job::RenderFigures(figures) => {
                    crate::figures::render_figures_in_process(doc, figures.to_vec())
                        .map(JobOutput::Figures)
                }
            };
            return (result, stats);
        };
        if let Err(e) = crate::preflight(doc) {
            return (Err(e), stats);
        }
        let launcher = Launcher {
            program,
            args,
            memory: self.memory_for(doc),
        };
        let deadline = Instant::now() + self.total_time;
        let result = match job {
            Job::Text => self.text(doc, &launcher, deadline, &mut stats),
            Job::Images
            | Job::AltTexts(_)
            | Job::AltTextsWith(..)
            | Job::Figures
            | Job::LocateFigures
            | Job::RenderFigures(_) => {
                let mut request = request(doc, job);
                if let Job::RenderFigures(figures) = job {
                    wire::put_figures(&mut request, figures);
                }
                let default = AltTextOptions::default();
                let alt = match job {
                    Job::AltTexts(d) => Some((d, &default)),
                    Job::AltTextsWith(d, o) => Some((d, o)),
                    _ => None,
                };
                if let Some((descriptions, options)) = alt {
                    wire::put_descriptions(&mut request, descriptions);
                    wire::put_alt_options(&mut request, options);
                }
                whole_job(doc, &launcher, request.buf, deadline, &mut stats)
            }
        };
        (result, stats)
    }

    /// Text in workers, page by page: a worker that dies costs the page it died on.
    fn text(
        &self,
        doc: &PdfDocument,
        launcher: &Launcher,
        deadline: Instant,
        stats: &mut RunStats,
    ) -> Result<JobOutput, PdfError> {
        let mut collected = Collected::default();
        let mut lost: Vec<(u32, String)> = Vec::new();
        let mut remaining: Option<Vec<u32>> = None;
        let mut parallel = true;
        loop {
            let mut request = request(doc, Job::Text);
            request.bool(parallel);
            match &remaining {
                None => request.bool(false),
                Some(pages) => {
                    request.bool(true).u32(pages.len() as u32);
                    for page in pages {
                        request.u32(*page);
                    }
                    &mut request
                }
            };
            let mut error = None;
            let mut finished = false;
            let end = launcher.run(
                doc,
                request.buf,
                Some(self.page_time),
                deadline,
                stats,
                &mut |tag, body| {
                    let mut r = Reader::new(body);
                    match tag {
                        b'S' => collected.add(TextEvent::Start {
                            page_count: r.u32()?,
                        }),
                        b'P' => collected.add(TextEvent::Page(PdfPageText {
                            number: r.u32()?,
                            text: r.string()?,
                        })),
                        b'F' => collected.add(TextEvent::PageFailed {
                            number: r.u32()?,
                            reason: r.string()?,
                        }),
                        b'D' => {
                            collected.add(TextEvent::End(get_facts(&mut r)?));
                            finished = true;
                        }
                        b'E' => error = Some(wire::get_error(&mut r)?),
                        _ => return Err(Malformed("frame tag")),
                    }
                    Ok(())
                },
            );
            if let Some(e) = error {
                return Err(e);
            }
            let reason = match end {
                Ok(()) if finished => break,
                Ok(()) => "the worker ended without finishing".to_string(),
                Err(Stop::Fatal(e)) => return Err(e),
                Err(Stop::Lost(reason)) => reason,
            };
            if collected.page_count.is_none() {
                // The document did not even open within the limits.
                return Err(limit_error(doc, &reason));
            }
            let missing = collected.missing();
            let Some((&first, rest)) = missing.split_first() else {
                break; // every page came back; only the end was lost
            };
            if parallel {
                // Several pages were in flight: find the one at fault one page at a time.
                parallel = false;
                remaining = Some(missing.clone());
            } else {
                lost.push((first, reason));
                remaining = Some(rest.to_vec());
                parallel = true;
            }
            let give_up = if stats.workers > MAX_RESTARTS {
                Some(format!(
                    "not read: {MAX_RESTARTS} workers were lost on earlier pages"
                ))
            } else if Instant::now() >= deadline {
                Some(format!(
                    "not read: the document's time limit ({} s) ran out",
                    self.total_time.as_secs()
                ))
            } else {
                None
            };
            match (&remaining, give_up) {
                (Some(pages), _) if pages.is_empty() => break,
                (Some(pages), Some(why)) => {
                    lost.extend(pages.iter().map(|p| (*p, why.clone())));
                    break;
                }
                _ => {}
            }
        }
        collected.finish(doc, lost).map(JobOutput::Text)
    }
}

fn discover() -> Isolation {
    if let Some(program) = std::env::var_os(WORKER_ENV).filter(|p| !p.is_empty()) {
        if program == "in-process" {
            return Isolation::in_process();
        }
        return Isolation::worker(PathBuf::from(program));
    }
    let name = format!("{WORKER_BINARY}{}", std::env::consts::EXE_SUFFIX);
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1).take(2) {
            let candidate = dir.join(&name);
            if candidate.is_file() {
                return Isolation::worker(candidate);
            }
        }
    }
    Isolation::in_process()
}

fn protocol(doc: &PdfDocument, detail: &str) -> PdfError {
    PdfError::Worker {
        name: doc.name().to_string(),
        detail: format!("the PDF worker {detail} (is it the same version of copilot-pdf?)"),
    }
}

fn limit_error(doc: &PdfDocument, reason: &str) -> PdfError {
    PdfError::LimitExceeded {
        name: doc.name().to_string(),
        detail: reason.to_string(),
    }
}

/// The start of every request: magic, crate version, job, document.
fn request(doc: &PdfDocument, job: Job<'_>) -> Writer {
    let mut w = Writer::default();
    w.buf.extend_from_slice(wire::MAGIC);
    w.str(env!("CARGO_PKG_VERSION"));
    w.u8(match job {
        Job::Text => b'T',
        Job::Images => b'I',
        Job::AltTexts(_) | Job::AltTextsWith(..) => b'A',
        Job::Figures => b'G',
        Job::LocateFigures => b'L',
        Job::RenderFigures(_) => b'R',
    });
    w.str(doc.name()).bytes(doc.bytes());
    w
}

fn put_facts(w: &mut Writer, f: &TextFacts) {
    w.bool(f.xref_reconstructed)
        .bool(f.pages_incomplete)
        .u64(f.declared_page_count.map_or(u64::MAX, u64::from))
        .u64(f.overflowed_pages)
        .u64(f.suppressed_text_runs)
        .u64(f.replacement_chars)
        .u64(f.chars);
}

fn get_facts(r: &mut Reader) -> Result<TextFacts, Malformed> {
    Ok(TextFacts {
        xref_reconstructed: r.bool()?,
        pages_incomplete: r.bool()?,
        declared_page_count: u32::try_from(r.u64()?).ok(),
        overflowed_pages: r.u64()?,
        suppressed_text_runs: r.u64()?,
        replacement_chars: r.u64()?,
        chars: r.u64()?,
    })
}

/// Images or alternative text: one answer at the end.
fn whole_job(
    doc: &PdfDocument,
    launcher: &Launcher,
    request: Vec<u8>,
    deadline: Instant,
    stats: &mut RunStats,
) -> Result<JobOutput, PdfError> {
    let mut answer: Option<Result<JobOutput, PdfError>> = None;
    let end = launcher.run(doc, request, None, deadline, stats, &mut |tag, body| {
        let mut r = Reader::new(body);
        answer = Some(match tag {
            b'I' => Ok(JobOutput::Images(wire::get_images(&mut r)?)),
            b'A' => Ok(JobOutput::Pdf(r.bytes()?.to_vec())),
            b'G' => Ok(JobOutput::Figures(wire::get_figures(&mut r)?)),
            b'E' => Err(wire::get_error(&mut r)?),
            _ => return Err(Malformed("frame tag")),
        });
        Ok(())
    });
    match (answer, end) {
        (Some(answer), _) => answer,
        (None, Err(Stop::Fatal(e))) => Err(e),
        (None, Err(Stop::Lost(reason))) => Err(limit_error(doc, &reason)),
        (None, Ok(())) => Err(protocol(doc, "ended without an answer")),
    }
}

/// Why a worker run ended early.
enum Stop {
    /// The worker died or was stopped: why, in words (a limit, a crash).
    Lost(String),
    /// Nothing more can be done (no worker could start, or it speaks another protocol).
    Fatal(PdfError),
}

/// Takes one frame (its tag and body) of a worker's answer.
type OnFrame<'a> = dyn FnMut(u8, &[u8]) -> Result<(), Malformed> + 'a;

struct Launcher<'a> {
    program: &'a Path,
    args: &'a [OsString],
    memory: u64,
}

enum Frame {
    Message(u8, Vec<u8>),
    End,
}

/// The largest frame a worker may send (a PDF written with alternative text, or all images).
const MAX_FRAME: u64 = 4 << 30;

impl Launcher<'_> {
    /// Starts one worker, sends `request`, hands each frame to `on_frame`, and waits for the
    /// worker to end, stopping it when `page_time` passes without a page frame or `deadline`
    /// passes.
    fn run(
        &self,
        doc: &PdfDocument,
        request: Vec<u8>,
        page_time: Option<Duration>,
        deadline: Instant,
        stats: &mut RunStats,
        on_frame: &mut OnFrame<'_>,
    ) -> Result<(), Stop> {
        let mut child = Command::new(self.program)
            .args(self.args)
            .arg(WORKER_FLAG)
            .arg(self.memory.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                Stop::Fatal(PdfError::Worker {
                    name: doc.name().to_string(),
                    detail: format!("cannot start {}: {e}", self.program.display()),
                })
            })?;
        stats.workers += 1;
        let mut stdin = child.stdin.take();
        let writer = thread::spawn(move || {
            if let Some(stdin) = stdin.as_mut() {
                // A worker that dies early closes the pipe: its exit says why.
                let _ = stdin.write_all(&request);
            }
        });
        let (tx, frames) = mpsc::channel();
        let stdout = child.stdout.take();
        let reader = thread::spawn(move || {
            if let Some(mut stdout) = stdout {
                read_frames(&mut stdout, &tx);
            }
            let _ = tx.send(Frame::End);
        });
        let stderr = child.stderr.take();
        let errors = thread::spawn(move || {
            let mut tail = Vec::new();
            if let Some(mut stderr) = stderr {
                let mut chunk = [0u8; 4096];
                while let Ok(n) = stderr.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    tail.extend_from_slice(&chunk[..n]);
                    if tail.len() > 16384 {
                        tail.drain(..tail.len() - 8192);
                    }
                }
            }
            tail
        });
        let outcome = self.drive(&mut child, &frames, page_time, deadline, stats, on_frame);
        let _ = writer.join();
        let _ = reader.join();
        let tail = errors.join().unwrap_or_default();
        match outcome {
            Driven::Exited(status) if status.success() => Ok(()),
            Driven::Exited(status) if status.code() == Some(REFUSED) => {
                let text = String::from_utf8_lossy(&tail);
                let last = text
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("");
                // Out of memory reading the request is a limit; anything else is a worker
                // that does not understand us (another version of this crate?).
                if text.contains("memory allocation of") {
                    stats.workers_lost += 1;
                    let why = crash_reason(status, &tail, self.memory);
                    stats.lost_reasons.push(why.clone());
                    return Err(Stop::Lost(why));
                }
                Err(Stop::Fatal(protocol(
                    doc,
                    &format!("refused the request: {}", last.trim()),
                )))
            }
            Driven::Exited(status) => {
                let why = crash_reason(status, &tail, self.memory);
                stats.workers_lost += 1;
                stats.lost_reasons.push(why.clone());
                Err(Stop::Lost(why))
            }
            Driven::Stopped(why) => {
                stats.workers_lost += 1;
                stats.lost_reasons.push(why.clone());
                Err(Stop::Lost(why))
            }
            Driven::Malformed(what) => Err(Stop::Fatal(protocol(
                doc,
                &format!("sent a message that does not parse ({what})"),
            ))),
        }
    }

    fn drive(
        &self,
        child: &mut Child,
        frames: &Receiver<Frame>,
        page_time: Option<Duration>,
        deadline: Instant,
        stats: &mut RunStats,
        on_frame: &mut OnFrame<'_>,
    ) -> Driven {
        let mut page_deadline = page_time.map(|t| Instant::now() + t);
        loop {
            let until = page_deadline.map_or(deadline, |p| p.min(deadline));
            let wait = until.saturating_duration_since(Instant::now());
            match frames.recv_timeout(wait) {
                Ok(Frame::Message(b'Z', body)) => {
                    if let Ok(peak) = Reader::new(&body).u64() {
                        stats.peak_rss_bytes = Some(stats.peak_rss_bytes.unwrap_or(0).max(peak));
                    }
                }
                Ok(Frame::Message(tag, body)) => {
                    if let Err(Malformed(what)) = on_frame(tag, &body) {
                        stop(child);
                        return Driven::Malformed(what);
                    }
                    if tag == b'P' || tag == b'F' || tag == b'S' {
                        page_deadline = page_time.map(|t| Instant::now() + t);
                    }
                }
                Ok(Frame::End) | Err(RecvTimeoutError::Disconnected) => {
                    // Output closed: the worker is ending (or died). Give it a moment.
                    let until = Instant::now() + Duration::from_secs(5);
                    loop {
                        match child.try_wait() {
                            Ok(Some(status)) => return Driven::Exited(status),
                            Ok(None) if Instant::now() < until => {
                                thread::sleep(Duration::from_millis(2))
                            }
                            _ => {
                                stop(child);
                                return Driven::Stopped(
                                    "the worker closed its output but did not exit".into(),
                                );
                            }
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    stop(child);
                    let why = if Instant::now() >= deadline {
                        "it took longer than the document's time limit".to_string()
                    } else {
                        format!(
                            "one page took longer than the page time limit ({} s)",
                            page_time.unwrap_or_default().as_secs_f64()
                        )
                    };
                    return Driven::Stopped(why);
                }
            }
        }
    }
}

enum Driven {
    Exited(ExitStatus),
    Stopped(String),
    Malformed(&'static str),
}

/// Kills our own child (by its handle) and reaps it.
fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn read_frames(stdout: &mut impl Read, tx: &mpsc::Sender<Frame>) {
    loop {
        let mut head = [0u8; 9];
        if stdout.read_exact(&mut head).is_err() {
            return;
        }
        let tag = head[0];
        let mut len = [0u8; 8];
        len.copy_from_slice(&head[1..]);
        let len = u64::from_le_bytes(len);
        if len > MAX_FRAME {
            return;
        }
        let mut body = Vec::new();
        if stdout.take(len).read_to_end(&mut body).is_err() || body.len() as u64 != len {
            return;
        }
        if tx.send(Frame::Message(tag, body)).is_err() {
            return;
        }
    }
}

/// Why a worker died, from its exit status and the end of what it printed.
fn crash_reason(status: ExitStatus, stderr: &[u8], memory: u64) -> String {
    let text = String::from_utf8_lossy(stderr);
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mib = memory >> 20;
    if text.contains("memory allocation of") || text.contains("capacity overflow") {
        format!("it needed more memory than the limit ({mib} MiB): {last}")
    } else if text.contains("overflowed its stack") {
        "it nested too deeply (the worker's stack overflowed)".to_string()
    } else if status.code() == Some(101) {
        format!("a PDF crate panicked outside the guards: {last}")
    } else {
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            if let Some(signal) = status.signal() {
                if signal == 9 {
                    return format!(
                        "the worker was killed (signal 9; out of memory? limit {mib} MiB)"
                    );
                }
                return format!("the worker crashed (signal {signal}): {last}");
            }
        }
        format!("the worker failed ({status}): {last}")
    }
}

/// When this process was started as a PDF worker (its first argument is
/// [`WORKER_FLAG`]), does the work asked on standard input, answers on standard output and
/// exits; otherwise returns at once, having made child processes of this executable the
/// [current isolation](Isolation::current) unless one was set already.
///
/// Call it first thing in `main` of a program that handles untrusted PDFs (the local engine,
/// a server), so that one file cannot abort or exhaust the program:
///
/// ```no_run
/// copilot_pdf::serve_worker_if_requested(); // first thing in `main`
/// // … the program; extract_text and friends now run in workers of this executable.
/// ```
pub fn serve_worker_if_requested() {
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref() != Some(WORKER_FLAG.as_ref()) {
        if let Ok(isolation) = Isolation::this_executable() {
            if let Ok(mut current) = CURRENT.write() {
                current.get_or_insert(isolation);
            }
        }
        return;
    }
    let memory = args
        .next()
        .and_then(|m| m.to_str().and_then(|m| m.parse::<u64>().ok()));
    if let Some(bytes) = memory {
        limit_memory(bytes);
    }
    let code = serve(&mut std::io::stdin().lock(), &mut std::io::stdout().lock());
    std::process::exit(code);
}

#[cfg(unix)]
fn limit_memory(bytes: u64) {
    use rustix::process::{setrlimit, Resource, Rlimit};
    let limit = Rlimit {
        current: Some(bytes),
        maximum: Some(bytes),
    };
    if let Err(e) = setrlimit(Resource::Data, limit) {
        eprintln!("copilot-pdf worker: cannot set the memory limit: {e}");
    }
}

#[cfg(not(unix))]
fn limit_memory(_bytes: u64) {}

/// The worker's peak resident memory, in bytes (Linux; 0 elsewhere).
fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn frame(out: &mut dyn Write, tag: u8, body: &[u8]) -> std::io::Result<()> {
    let mut head = [0u8; 9];
    head[0] = tag;
    head[1..].copy_from_slice(&(body.len() as u64).to_le_bytes());
    out.write_all(&head)?;
    out.write_all(body)?;
    out.flush()
}

/// Serves one request; returns the exit code.
fn serve(input: &mut dyn Read, out: &mut dyn Write) -> i32 {
    let mut request = Vec::new();
    if let Err(e) = input.read_to_end(&mut request) {
        if e.kind() == std::io::ErrorKind::OutOfMemory {
            // Worded as Rust's allocation failure is, which the parent reads as the limit.
            eprintln!(
                "copilot-pdf worker: memory allocation of the request failed after {} bytes",
                request.len()
            );
        } else {
            eprintln!("copilot-pdf worker: cannot read the request: {e}");
        }
        return REFUSED;
    }
    let result = answer(&request, out).and_then(|()| {
        let mut w = Writer::default();
        w.u64(peak_rss());
        frame(out, b'Z', &w.buf)
    });
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("copilot-pdf worker: {e}");
            REFUSED
        }
    }
}

fn answer(request: &[u8], out: &mut dyn Write) -> std::io::Result<()> {
    let bad = |what: &str| std::io::Error::other(format!("malformed request ({what})"));
    let Some(body) = request.strip_prefix(wire::MAGIC.as_slice()) else {
        return Err(bad("not a copilot-pdf worker request"));
    };
    let mut r = Reader::new(body);
    let version = r.string().map_err(|_| bad("version"))?;
    if version != env!("CARGO_PKG_VERSION") {
        return Err(bad("sent by another version of copilot-pdf"));
    }
    let job = r.u8().map_err(|_| bad("job"))?;
    let name = r.string().map_err(|_| bad("name"))?;
    let bytes = r.bytes().map_err(|_| bad("document"))?.to_vec();
    let doc = PdfDocument::from_bytes(name, bytes);
    let mut w = Writer::default();
    match job {
        b'T' => {
            let parallel = r.bool().map_err(|_| bad("parallel"))?;
            let pages = if r.bool().map_err(|_| bad("pages"))? {
                let n = r.count(4).map_err(|_| bad("pages"))?;
                let mut pages = Vec::with_capacity(n);
                for _ in 0..n {
                    pages.push(r.u32().map_err(|_| bad("page"))?);
                }
                Some(pages)
            } else {
                None
            };
            let mut failure = None;
            let result = crate::text::stream_text(&doc, pages.as_deref(), parallel, &mut |event| {
                if failure.is_some() {
                    return;
                }
                let mut w = Writer::default();
                let tag = match event {
                    TextEvent::Start { page_count } => {
                        w.u32(page_count);
                        b'S'
                    }
                    TextEvent::Page(page) => {
                        w.u32(page.number).str(&page.text);
                        b'P'
                    }
                    TextEvent::PageFailed { number, reason } => {
                        w.u32(number).str(&reason);
                        b'F'
                    }
                    TextEvent::End(facts) => {
                        put_facts(&mut w, &facts);
                        b'D'
                    }
                };
                if let Err(e) = frame(out, tag, &w.buf) {
                    failure = Some(e);
                }
            });
            if let Some(e) = failure {
                return Err(e);
            }
            if let Err(e) = result {
                wire::put_error(&mut w, &e);
                frame(out, b'E', &w.buf)?;
            }
            Ok(())
        }
        b'I' => {
            match crate::images::extract_images_in_process(&doc) {
                Ok(images) => {
                    wire::put_images(&mut w, &images);
                    frame(out, b'I', &w.buf)?;
                }
                Err(e) => {
                    wire::put_error(&mut w, &e);
                    frame(out, b'E', &w.buf)?;
                }
            }
            Ok(())
        }
        b'A' => {
            let descriptions = wire::get_descriptions(&mut r).map_err(|_| bad("descriptions"))?;
            let options = wire::get_alt_options(&mut r).map_err(|_| bad("options"))?;
            match crate::alt::add_alt_texts_in_process(&doc, &descriptions, &options) {
                Ok(pdf) => {
                    w.bytes(&pdf);
                    frame(out, b'A', &w.buf)?;
                }
                Err(e) => {
                    wire::put_error(&mut w, &e);
                    frame(out, b'E', &w.buf)?;
                }
            }
            Ok(())
        }
        b'G' | b'L' | b'R' => {
            let result = match job {
                b'G' => crate::figures::find_figures_in_process(&doc),
                b'L' => crate::figures::locate_figures_in_process(&doc),
                _ => {
                    let figures = wire::get_figures(&mut r).map_err(|_| bad("figures"))?;
                    crate::figures::render_figures_in_process(&doc, figures)
                }
            };
            match result {
                Ok(figures) => {
                    wire::put_figures(&mut w, &figures);
                    frame(out, b'G', &w.buf)?;
                }
                Err(e) => {
                    wire::put_error(&mut w, &e);
                    frame(out, b'E', &w.buf)?;
                }
            }
            Ok(())
        }
        _ => Err(bad("unknown job")),
    }
}
