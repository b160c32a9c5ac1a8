//! Document copilots: summaries, chat over documents and image descriptions.
//!
//! The PDF document layer they stand on (text, images, alternative text, generated report
//! PDFs) lives in [`pdf`], behind the cargo feature `pdf`.

#[cfg(feature = "pdf")]
pub mod pdf;
