//! Project tasks.
//!
//! `cargo xtask spec <openai-openapi.yaml>` regenerates `spec/openai.schema.json` (the JSON Schema
//! that `build.rs` hands to typify) and `spec/operations.json` (the table of operations) from
//! OpenAI's OpenAPI document, shaped by `spec/extract.toml`.
//! `cargo xtask spec --check <openai-openapi.yaml>` fails when the checked-in files differ from
//! what it would write.
//! `cargo xtask ci` runs every check CI runs: fmt, clippy and the tests over the feature
//! matrix, docs, the spec check (when the upstream document is there) and the tests that need
//! something outside the repository, when it is here (see `ci.rs`).
//! `cargo xtask build-cost [--before <git-rev>] [--pdf] [--release] [--only <names>]` times
//! clean builds of a hello world on the SDK next to async-openai's and bare ureq's, and with
//! `--pdf` of one on the PDF layer (see `build_cost.rs`).

mod build_cost;
mod ci;
mod extract;
mod rules;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask spec [--check] <path/to/openai-openapi.yaml>\n       \
                     cargo xtask ci\n       cargo xtask build-cost [--before <git-rev>] [--pdf] [--release] [--only <names>]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("spec") => {}
        Some("ci") => return ci::run(),
        Some("build-cost") => {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
            return build_cost::run(&root, &args[1..]);
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    let check = args.iter().any(|a| a == "--check");
    let Some(input) = args[1..].iter().find(|a| !a.starts_with("--")) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    match run(Path::new(input), check) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask spec: {e}");
            ExitCode::FAILURE
        }
    }
}

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec")
}

fn run(input: &Path, check: bool) -> Result<ExitCode, String> {
    let dir = spec_dir();
    let config_text = std::fs::read_to_string(dir.join("extract.toml"))
        .map_err(|e| format!("reading spec/extract.toml: {e}"))?;
    let config: extract::Config =
        toml::from_str(&config_text).map_err(|e| format!("spec/extract.toml: {e}"))?;
    let yaml =
        std::fs::read_to_string(input).map_err(|e| format!("reading {}: {e}", input.display()))?;
    let upstream: serde_json::Value = serde_saphyr::from_str_with_options(&yaml, yaml_1_2())
        .map_err(|e| format!("parsing {}: {e}", input.display()))?;
    let out = extract::extract(&upstream, &config)?;

    let files = [
        ("openai.schema.json", out.schema),
        ("operations.json", out.operations),
    ];
    let mut stale = Vec::new();
    for (name, text) in &files {
        let path = dir.join(name);
        if check {
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            if &current != text {
                stale.push(*name);
            }
        } else {
            std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
        }
    }
    if check && !stale.is_empty() {
        eprintln!(
            "spec/ is out of date: {} differ from what `cargo xtask spec {}` writes",
            stale.join(", "),
            input.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    eprintln!(
        "{} {} definitions, {} operations (upstream {})",
        if check {
            "spec/ is up to date:"
        } else {
            "wrote spec/:"
        },
        out.definitions,
        out.operation_count,
        out.upstream_version
    );
    Ok(ExitCode::SUCCESS)
}

/// YAML 1.2 scalars: `y`, `n`, `yes`, `on` stay strings (the document has `required: [x, y]`).
fn yaml_1_2() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options
}
