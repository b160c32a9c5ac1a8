//! A 2 GiB file through the Uploads API with `upload_large_file` (parts of 64 MiB, 4 in
//! flight), client and engine in this process: the engine writes each part to disk as it
//! arrives, so the process's peak memory grows by a few buffers, not by the file.
//!
//! A test binary of its own, so that no other test moves the peak it measures. Ignored by
//! default (it writes 2 GiB to the temporary directory and takes tens of seconds in a debug
//! build):
//!
//! ```text
//! cargo test -p openai-local --test large_upload -- --ignored --nocapture needs_free_disk
//! ```

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Instant;

use openai_blocking::types::*;
use openai_local::LocalServer;

const SIZE: u64 = 2 << 30;
/// A marker is written in every part of this many bytes (the rest of the file is a hole:
/// zeros), each at its own place in its part.
const MARK_EVERY: u64 = 64 << 20;
/// The markers: one per part, and one at the very end.
const MARKS: u64 = SIZE / MARK_EVERY + 1;

/// Where marker `k` is.
fn mark_offset(k: u64) -> u64 {
    if k == MARKS - 1 {
        SIZE - 16
    } else {
        k * MARK_EVERY + k * 4099
    }
}

/// A `/proc/self/status` figure, in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// Resets the peak RSS (VmHWM) to the current RSS, where the kernel allows it.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn marker(k: u64) -> [u8; 16] {
    let mut m = *b"marker-0000000.!";
    m[7..14].copy_from_slice(format!("{k:07}").as_bytes());
    m
}

/// A sparse file of [`SIZE`] bytes: zeros, with the markers, so that a part out of place or
/// out of order shows.
fn sparse_input(path: &Path) {
    let mut f = File::create(path).expect("the input file");
    f.set_len(SIZE).expect("a 2 GiB sparse file");
    for k in 0..MARKS {
        f.seek(SeekFrom::Start(mark_offset(k))).unwrap();
        f.write_all(&marker(k)).unwrap();
    }
}

/// The files under `dir` and their total size.
fn bytes_under(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let meta = e.metadata().unwrap();
            if meta.is_dir() {
                bytes_under(&e.path())
            } else {
                meta.len()
            }
        })
        .sum()
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// `xtask ci` runs the tests of this module where the disk has room for them.
mod needs_free_disk {
    use super::*;

    #[test]
    #[ignore = "needs free disk: writes 2 GiB to the temporary directory (tens of seconds in a debug build)"]
    fn a_2_gib_upload_streams_through_the_engine_in_little_memory() {
        let dir = std::env::temp_dir().join(format!("openai-local-2gib-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("two-gib.jsonl");
        sparse_input(&input);
        let spool = dir.join("engine");
        let server = LocalServer::builder().temp_dir(&spool).start().unwrap();
        let client = server.client().unwrap();

        let reset = reset_peak();
        let (rss_before, peak_before) = (status_kib("VmRSS"), status_kib("VmHWM"));
        let started = Instant::now();
        let file = client
            .upload_large_file(&input, UploadCreateRequestPurpose::Batch)
            .expect("the upload");
        let upload_secs = started.elapsed().as_secs_f64();
        let peak_upload = status_kib("VmHWM");
        assert_eq!(file.bytes as u64, SIZE);
        assert_eq!(file.purpose, FileResponsePurpose::Batch);
        assert_eq!(
            bytes_under(&spool),
            SIZE,
            "the engine holds the file on disk, once"
        );

        // Read back as a stream, 1 MiB at a time (no marker crosses a MiB): the same size, each
        // marker where it was written.
        let started = Instant::now();
        let mut reader = client
            .get_file_content_reader(&file.id)
            .expect("a download");
        let mut chunk = vec![0u8; 1 << 20];
        let mut found = Vec::new();
        for at in (0..SIZE).step_by(chunk.len()) {
            reader.read_exact(&mut chunk).expect("the download");
            for k in 0..MARKS {
                let offset = mark_offset(k);
                if (at..at + chunk.len() as u64).contains(&offset) {
                    let i = (offset - at) as usize;
                    assert_eq!(chunk[i..i + 16], marker(k), "marker {k}");
                    found.push(k);
                }
            }
        }
        assert_eq!(reader.read(&mut chunk).unwrap(), 0, "nothing after 2 GiB");
        let download_secs = started.elapsed().as_secs_f64();
        let peak_download = status_kib("VmHWM");
        assert_eq!(found, (0..MARKS).collect::<Vec<_>>());

        println!(
            "large_upload: 2 GiB in 32 parts of 64 MiB, 4 in flight: upload {upload_secs:.1} s \
             ({:.0} MiB/s), download {download_secs:.1} s; RSS before {:.1} MiB, peak before {:.1} MiB \
             (peak reset: {reset}), peak after the upload {:.1} MiB (+{:.1} MiB), after the download \
             {:.1} MiB (+{:.1} MiB)",
            2048.0 / upload_secs,
            mib(rss_before),
            mib(peak_before),
            mib(peak_upload),
            mib(peak_upload.saturating_sub(peak_before)),
            mib(peak_download),
            mib(peak_download.saturating_sub(peak_before)),
        );
        // A part held in memory would be 64 MiB; four in flight, 256 MiB.
        assert!(
            peak_upload.saturating_sub(peak_before) < 48 << 10,
            "the upload raised the peak RSS by {:.1} MiB",
            mib(peak_upload - peak_before)
        );
        drop(server);
        assert_eq!(bytes_under(&spool), 0, "the engine's files go with it");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
