//! Text extraction speed on every sample, in the same run as poppler's `pdftotext`.
//!
//! ```text
//! cargo bench -p copilot-pdf --bench pdf_text [-- [--glyphs] [file.pdf …]]
//! ```
//!
//! Files: those given, else every readable PDF in `../shared/pdf-samples/` and in the folder
//! named by `COPILOT_PDF_EXTRA_SAMPLES` (larger documents that are not in the shared folder).
//! For each file, best of several runs (the machine is shared; the best run is the least
//! disturbed): `pdftotext` (a process, as poppler is used), `extract_text` in a worker
//! process (the default), and in this process. `speed` is pdftotext's time over the
//! worker's: 1.0 means as fast as pdftotext, 0.5 half as fast.
//!
//! `--glyphs` also times a bare pass of hayro's interpreter, which `extract_text` is built on:
//! every glyph of every page with its Unicode text and position, one thread, no layout and no
//! opening by the object layer — what the rest of `extract_text` adds is the difference.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use copilot_pdf::{Isolation, PdfDocument};

fn samples() -> Vec<PathBuf> {
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/pdf-samples")];
    if let Some(extra) = std::env::var_os("COPILOT_PDF_EXTRA_SAMPLES") {
        dirs.push(PathBuf::from(extra));
    }
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    files.sort();
    files
}

/// The best of `runs` timed runs after one warm-up; fewer runs for slow files.
fn best<F: FnMut()>(mut f: F) -> Duration {
    let start = Instant::now();
    f();
    let first = start.elapsed();
    let runs = if first > Duration::from_secs(2) { 2 } else { 5 };
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or(first)
}

/// Every glyph of every page through hayro's interpreter: the number of characters (see the
/// module docs).
fn glyph_pass(bytes: &[u8]) -> usize {
    use hayro::hayro_interpret::font::GlyphRun;
    use hayro::hayro_interpret::kurbo::{Affine, BezPath, Rect};
    use hayro::hayro_interpret::{
        interpret_page, BlendMode, ClipPath, Context, Device, DrawMode, DrawProps, Image,
        ImageDrawProps, InterpreterCache, InterpreterSettings, SoftMask,
    };

    /// Keeps each glyph's text and the origin of its text space.
    struct Glyphs(Vec<(char, f64, f64)>);

    impl<'a> Device<'a> for Glyphs {
        fn draw_path(&mut self, _: &BezPath, _: DrawProps<'a>, _: &DrawMode) {}
        fn push_clip_path(&mut self, _: &ClipPath) {}
        fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask<'a>>, _: BlendMode) {}
        fn draw_glyph_run(&mut self, run: &GlyphRun<'_, 'a>, _: DrawProps<'a>, _: &DrawMode) {
            use hayro::hayro_interpret::hayro_cmap::BfString;
            for glyph in run.glyphs() {
                let [.., x, y] = glyph.transform().as_coeffs();
                match glyph.as_unicode() {
                    Some(BfString::Char(c)) => self.0.push((c, x, y)),
                    Some(BfString::String(s)) => self.0.extend(s.chars().map(|c| (c, x, y))),
                    None => self.0.push(('\u{fffd}', x, y)),
                }
            }
        }
        fn draw_image(&mut self, _: Image<'a, '_>, _: ImageDrawProps<'a>) {}
        fn pop_clip(&mut self) {}
        fn pop_transparency_group(&mut self) {}
    }

    let Ok(pdf) = hayro::hayro_syntax::Pdf::new(bytes.to_vec()) else {
        return 0;
    };
    let cache = InterpreterCache::new();
    let mut glyphs = Glyphs(Vec::new());
    for page in pdf.pages().iter() {
        let mut context = Context::new(
            Affine::IDENTITY,
            Rect::new(0.0, 0.0, 1e5, 1e5),
            &cache,
            page.xref(),
            InterpreterSettings::default(),
        );
        interpret_page(page, &mut context, &mut glyphs);
    }
    glyphs.0.len()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let glyphs = args.iter().any(|a| a == "--glyphs");
    let mut files: Vec<PathBuf> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    if files.is_empty() {
        files = samples();
    }
    if files.is_empty() {
        println!("pdf_text: skipped: no PDF given and ../shared/pdf-samples/ is absent");
        return;
    }
    let have_pdftotext = Command::new("pdftotext").arg("-v").output().is_ok();
    let worker = Isolation::worker(env!("CARGO_BIN_EXE_copilot-pdf-worker"));
    let here = Isolation::in_process();
    println!(
        "{:<34} {:>5} {:>10} {:>10} {:>10} {:>6} {:>7}",
        "file", "pages", "pdftotext", "worker", "in-proc", "speed", "worker+",
    );
    if glyphs {
        println!("  (then: hayro's glyph pass, its characters, and its speed against pdftotext)");
    }
    for path in files {
        let doc = match PdfDocument::from_path(&path) {
            Ok(doc) => doc,
            Err(e) => {
                println!("{}: {e}", path.display());
                continue;
            }
        };
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let pages = match here.extract_text(&doc) {
            Ok(text) => text.pages().len(),
            Err(e) => {
                println!("{name:<34} skipped: {e}");
                continue;
            }
        };
        let poppler = have_pdftotext.then(|| {
            best(|| {
                let _ = Command::new("pdftotext")
                    .arg(&path)
                    .arg("/dev/null")
                    .stderr(std::process::Stdio::null())
                    .status();
            })
        });
        let isolated = best(|| {
            worker.extract_text(&doc).expect("text in a worker");
        });
        let in_process = best(|| {
            here.extract_text(&doc).expect("text");
        });
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
        println!(
            "{name:<34} {pages:>5} {:>10} {:>10} {:>10} {:>6} {:>7}",
            poppler.map_or("-".into(), ms),
            ms(isolated),
            ms(in_process),
            poppler.map_or("-".into(), |p| format!(
                "{:.2}",
                p.as_secs_f64() / isolated.as_secs_f64()
            )),
            format!(
                "{:+.0}%",
                (isolated.as_secs_f64() / in_process.as_secs_f64() - 1.0) * 100.0
            ),
        );
        if glyphs {
            let chars = glyph_pass(doc.bytes());
            let pass = best(|| {
                std::hint::black_box(glyph_pass(doc.bytes()));
            });
            println!(
                "  {:<32} {:>10} {chars:>9} chars {:>6}",
                "hayro glyph pass",
                ms(pass),
                poppler.map_or("-".into(), |p| format!(
                    "{:.2}",
                    p.as_secs_f64() / pass.as_secs_f64()
                )),
            );
        }
    }
}
