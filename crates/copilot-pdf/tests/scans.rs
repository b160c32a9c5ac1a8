//! Scanned pages stored as JPEG 2000 and JBIG2, decoded and checked against poppler's
//! renders of the same pages.
//!
//! ```text
//! COPILOT_PDF_EXTRA_SAMPLES=/path/to/dir cargo test -p copilot-pdf --test scans -- --ignored
//! ```
//!
//! (The test prints that it is skipped when the file is in neither folder.)
//!
//! ```text
//! ```
//!
//! The sample is `vicksburg-scan-ocr.pdf` (pypdf's `resources/Seige_of_Vicksburg_Sample_OCR.pdf`,
//! a LuraDocument scan: per page a 100 dpi JPEG 2000 background and a 75 dpi JPEG 2000
//! foreground whose soft mask is a 300 dpi JBIG2 bitmap), which `../shared/pdf-samples` lacks.

use std::path::PathBuf;
use std::process::Command;

use copilot_pdf::{extract_images, EncodedImage, ImageFormat, PdfDocument};

fn gray(png_bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let px: Vec<u8> = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| match channels {
            1 | 2 => p[0],
            _ => ((p[0] as u32 * 299 + p[1] as u32 * 587 + p[2] as u32 * 114) / 1000) as u8,
        })
        .collect();
    (info.width as usize, info.height as usize, px)
}

fn render(pdf: &std::path::Path, page: u32, dpi: u32) -> (usize, usize, Vec<u8>) {
    let out = std::env::temp_dir().join(format!(
        "copilot-pdf-scan-{}-{page}-{dpi}",
        std::process::id()
    ));
    let status = Command::new("pdftoppm")
        .args(["-gray", "-png", "-singlefile", "-r", &dpi.to_string()])
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .arg(&out)
        .status()
        .expect("pdftoppm (poppler-utils) runs");
    assert!(status.success());
    let path = out.with_extension("png");
    let bytes = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    gray(&bytes)
}

/// Of the pixels dark (< 128) in `ours`, the share that are not light (< 192) in `theirs`
/// (poppler smooths glyph edges, so its thin strokes come out gray).
fn dark_overlap(ours: &[u8], theirs: &[u8]) -> f64 {
    let (mut both, mut dark) = (0usize, 0usize);
    for (x, y) in ours.iter().zip(theirs) {
        if *x < 128 {
            dark += 1;
            both += (*y < 192) as usize;
        }
    }
    both as f64 / dark.max(1) as f64
}

/// `vicksburg-scan-ocr.pdf` from `COPILOT_PDF_EXTRA_SAMPLES` or `../shared/pdf-samples`.
fn vicksburg() -> Option<PathBuf> {
    let mut dirs =
        vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/pdf-samples")];
    dirs.extend(std::env::var_os("COPILOT_PDF_EXTRA_SAMPLES").map(PathBuf::from));
    dirs.into_iter()
        .map(|d| d.join("vicksburg-scan-ocr.pdf"))
        .find(|p| p.is_file())
}

#[test]
#[ignore = "needs pdf samples (vicksburg-scan-ocr.pdf, in ../shared/pdf-samples or COPILOT_PDF_EXTRA_SAMPLES) and pdftoppm"]
fn needs_pdf_samples_and_pdftoppm_jpeg2000_and_jbig2_scans_match_poppler() {
    let Some(path) = vicksburg() else {
        // The shared folder lacks this file (see the README): skipped, saying so.
        println!(
            "skipped: vicksburg-scan-ocr.pdf is neither in ../shared/pdf-samples nor in \
             COPILOT_PDF_EXTRA_SAMPLES"
        );
        return;
    };
    let images = extract_images(&PdfDocument::from_path(&path).unwrap()).unwrap();
    assert!(images.skipped.is_empty(), "{:?}", images.skipped);
    for page in 1..=6u32 {
        let on_page: Vec<&EncodedImage> = images
            .images
            .iter()
            .filter(|i| i.page() == page && i.image.width > 1)
            .map(|i| &i.image)
            .collect();
        assert_eq!(on_page.len(), 2, "page {page}: background and foreground");
        // The foreground (JPEG 2000 under a JBIG2 soft mask, composited on white) holds the
        // page's text: its dark pixels are dark in poppler's render at 75 dpi too (the render
        // also has the background's illustrations, so only our dark pixels are compared).
        let fg = on_page.iter().find(|i| i.width == 450).unwrap();
        assert_eq!((fg.format, fg.height), (ImageFormat::Png, 675));
        let (w, h, ours) = gray(&fg.bytes);
        let (rw, rh, theirs) = render(&path, page, 75);
        assert_eq!((w, h), (rw, rh), "page {page}");
        let overlap = dark_overlap(&ours, &theirs);

        let dark = ours.iter().filter(|p| **p < 128).count() as f64 / ours.len() as f64;
        println!(
            "page {page}: dark {:.1} %, overlap with poppler {:.1} %",
            dark * 100.0,
            overlap * 100.0
        );
        assert!(dark > 0.01, "page {page}: the text is there ({dark})");
        // 85 % on page 1, and far lower one pixel off in any direction (56 % or less): the
        // text is where poppler draws it; the rest is poppler smoothing the 300 dpi mask down
        // to 75 dpi where we sample it.
        assert!(overlap > 0.75, "page {page}: overlap {overlap}");
        // The background (JPEG 2000 at 100 dpi) is the paper: as light as poppler's render.
        let bg = on_page.iter().find(|i| i.width == 600).unwrap();
        let (_, _, ours) = gray(&bg.bytes);
        let mean = ours.iter().map(|p| *p as f64).sum::<f64>() / ours.len() as f64;
        let (_, _, theirs) = render(&path, page, 100);
        let theirs_mean = theirs.iter().map(|p| *p as f64).sum::<f64>() / theirs.len() as f64;
        println!("page {page}: background mean {mean:.1}, poppler page mean {theirs_mean:.1}");
        assert!(
            (mean - theirs_mean).abs() < 20.0,
            "page {page}: {mean} vs {theirs_mean}"
        );
    }
}
