//! Project tasks.
//!
//! `cargo xtask spec <openai-openapi.yaml>` regenerates `spec/openai.schema.json` (the JSON Schema
//! that `build.rs` hands to typify) and `spec/operations.json` (the table of operations) from
//! OpenAI's OpenAPI document, shaped by `spec/extract.toml`.
//! `cargo xtask spec --check <openai-openapi.yaml>` fails when the checked-in files differ from
//! what it would write.
//! `cargo xtask ci` runs every check CI runs: fmt, clippy, the spec check (when the upstream
//! document is there) and the tests.

mod extract;
mod rules;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str =
    "usage: cargo xtask spec [--check] <path/to/openai-openapi.yaml>\n       cargo xtask ci";

/// Where the official OpenAPI document sits next to a checkout.
const UPSTREAM: &str = "../shared/reference/openai-openapi.yaml";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("spec") => {}
        Some("ci") => return ci(),
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
    let upstream: serde_json::Value =
        serde_saphyr::from_str(&yaml).map_err(|e| format!("parsing {}: {e}", input.display()))?;
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

/// fmt, clippy, spec check and tests, stopping at the first failure.
fn ci() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let upstream = root.join(UPSTREAM);
    let mut steps: Vec<Vec<String>> = vec![
        vec!["fmt".into(), "--all".into(), "--check".into()],
        [
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]
        .map(String::from)
        .to_vec(),
    ];
    if upstream.exists() {
        steps.push(vec![
            "xtask".into(),
            "spec".into(),
            "--check".into(),
            upstream.display().to_string(),
        ]);
    } else {
        eprintln!("xtask ci: {UPSTREAM} is absent, skipping the spec check");
    }
    steps.push(
        ["test", "--workspace", "--all-features"]
            .map(String::from)
            .to_vec(),
    );
    for args in steps {
        eprintln!("xtask ci: cargo {}", args.join(" "));
        let ok = std::process::Command::new(&cargo)
            .args(&args)
            .current_dir(&root)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("xtask ci: `cargo {}` failed", args.join(" "));
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
