//! `cargo xtask build-cost [--before <git-rev>] [--pdf] [--release | --debug] [--rounds <n>]
//! [--only <names>]`: what a
//! user pays to build a hello world on this SDK, measured in one run next to its anchors (see
//! `shared/design/perf-notes.md`):
//!
//! * `sdk`: a hello world sending one chat completion with this checkout's SDK, its `chat`
//!   feature only (as the async-openai hello has only `chat-completion`);
//! * `sdk-all`: the same with every API family (the SDK's default features);
//! * `sdk-before`: the same hello on the SDK at `<git-rev>` (given `--before`);
//! * `async-openai`: the same call with async-openai 0.43 (tokio, `chat-completion` feature);
//! * `ureq`: the same call with bare ureq 3 (`json` feature) and serde_json;
//! * with `--pdf`, `pdf`: a hello reading a PDF's text with the PDF layer (`copilot-pdf`) of
//!   this checkout, and `pdf-before` the same at `<git-rev>` (given `--before`); their wall
//!   time is also given as a ratio to `sdk-all` (the issue's measure of the layer).
//!
//! `--release` skips the debug builds, `--debug` the release builds; `--only ureq,sdk-all,…`
//! keeps only the named hellos. `--rounds <n>` builds each hello `n` times, the hellos taking
//! turns, and reports the median with the range, and each ratio as the median of the rounds'
//! ratios (a hello against the anchor built in the same round) with their range: on a shared
//! machine one build can take a tenth longer than the next.
//!
//! Each is a project of its own under `target/build-cost/`, fetched first (downloads are not
//! timed), then built clean (fresh target directory) in release and in debug, one at a time.
//! Reported: wall and CPU seconds (user + system, from `/usr/bin/time`), the number of crates
//! compiled, the stripped release binary's size, and each figure's ratio to async-openai's.
//! Run it on a quiet machine: every build shares the same cores.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

/// One hello-world project: its name, the dependencies of its manifest, its `main.rs`.
struct Hello {
    name: &'static str,
    dependencies: String,
    main: &'static str,
}

const SDK_MAIN: &str = r#"use openai_blocking::types::*;
use openai_blocking::OpenAIClient;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = OpenAIClient::from_env()?;
    let request =
        CompletionCreateRequest::new("gpt-4.1-mini", vec![ChatCompletionRequestMessage::user("Say hello")]);
    let reply = client.create_completion(&request)?;
    println!("{:?}", reply.choices.first().map(|c| &c.message.content));
    Ok(())
}
"#;

const PDF_MAIN: &str = r#"fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: hello-pdf <file.pdf>")?;
    let doc = copilot_pdf::PdfDocument::from_path(path)?;
    println!("{}", copilot_pdf::extract_text(&doc)?.text());
    Ok(())
}
"#;

const ASYNC_OPENAI_MAIN: &str = r#"use async_openai::types::chat::{
    ChatCompletionRequestUserMessageArgs, CreateChatCompletionRequestArgs,
};
use async_openai::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::new();
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4.1-mini")
        .messages([ChatCompletionRequestUserMessageArgs::default()
            .content("Say hello")
            .build()?
            .into()])
        .build()?;
    let reply = client.chat().create(request).await?;
    println!("{:?}", reply.choices.first().map(|c| &c.message.content));
    Ok(())
}
"#;

const UREQ_MAIN: &str = r#"fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = std::env::var("OPENAI_API_KEY")?;
    let body = serde_json::json!({
        "model": "gpt-4.1-mini",
        "messages": [{"role": "user", "content": "Say hello"}]
    });
    let reply: serde_json::Value = ureq::post("https://api.openai.com/v1/chat/completions")
        .header("authorization", &format!("Bearer {key}"))
        .send_json(&body)?
        .body_mut()
        .read_json()?;
    println!("{:?}", reply["choices"][0]["message"]["content"]);
    Ok(())
}
"#;

/// One clean build's figures.
struct Figures {
    wall: f64,
    cpu: f64,
    crates: usize,
}

/// Runs the measurement; see the module docs.
pub fn run(root: &Path, args: &[String]) -> ExitCode {
    let before = args
        .iter()
        .position(|a| a == "--before")
        .and_then(|i| args.get(i + 1));
    let flag = |name: &str| args.iter().any(|a| a == name);
    let only: Option<Vec<String>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|names| names.split(',').map(str::to_string).collect());
    let options = Options {
        before: before.map(String::as_str),
        pdf: flag("--pdf"),
        release_only: flag("--release"),
        debug_only: flag("--debug"),
        rounds: args
            .iter()
            .position(|a| a == "--rounds")
            .and_then(|i| args.get(i + 1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(1)
            .max(1),
        only,
    };
    match measure(root, &options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask build-cost: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What to measure (see the module docs).
struct Options<'a> {
    before: Option<&'a str>,
    pdf: bool,
    release_only: bool,
    debug_only: bool,
    rounds: usize,
    only: Option<Vec<String>>,
}

fn measure(root: &Path, options: &Options<'_>) -> Result<(), String> {
    let before = options.before;
    let root = fs::canonicalize(root).map_err(|e| format!("{}: {e}", root.display()))?;
    let dir = root.join("target/build-cost");
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let sdk = |path: &Path| format!("openai-blocking = {{ path = {:?} }}\n", path);
    let pdf = |path: &Path| {
        format!(
            "copilot-pdf = {{ path = {:?} }}\n",
            path.join("crates/copilot-pdf")
        )
    };
    let mut hellos = vec![
        Hello {
            name: "ureq",
            dependencies: "ureq = { version = \"3.5\", features = [\"json\"] }\nserde_json = \"1\"\n"
                .into(),
            main: UREQ_MAIN,
        },
        Hello {
            name: "async-openai",
            dependencies: "async-openai = { version = \"=0.43.0\", features = [\"chat-completion\"] }\n\
                           tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\n"
                .into(),
            main: ASYNC_OPENAI_MAIN,
        },
    ];
    if let Some(rev) = before {
        let src = dir.join("sdk-before-src");
        let _ = fs::remove_dir_all(&src);
        fs::create_dir_all(&src).map_err(|e| e.to_string())?;
        let archive = format!(
            "git -C {:?} archive {rev} | tar -x -C {:?}",
            root.display().to_string(),
            src.display().to_string()
        );
        run_quietly(Command::new("sh").args(["-c", &archive]))?;
        hellos.push(Hello {
            name: "sdk-before",
            dependencies: sdk(&src),
            main: SDK_MAIN,
        });
        if options.pdf {
            hellos.push(Hello {
                name: "pdf-before",
                dependencies: pdf(&src),
                main: PDF_MAIN,
            });
        }
    }
    if options.pdf {
        hellos.push(Hello {
            name: "pdf",
            dependencies: pdf(&root),
            main: PDF_MAIN,
        });
    }
    // As the async-openai hello turns on only its `chat-completion` family, this one turns on
    // only `chat`; `sdk-all` has every family (the default features).
    hellos.push(Hello {
        name: "sdk-all",
        dependencies: sdk(&root),
        main: SDK_MAIN,
    });
    hellos.push(Hello {
        name: "sdk",
        dependencies: format!(
            "openai-blocking = {{ path = {:?}, default-features = false, features = [\"chat\"] }}\n",
            root
        ),
        main: SDK_MAIN,
    });

    if let Some(only) = &options.only {
        hellos.retain(|h| only.iter().any(|n| n == h.name));
    }
    for hello in &hellos {
        write_project(&dir, hello)?;
        eprintln!("xtask build-cost: fetching {}", hello.name);
        run_quietly(cargo(&dir, hello.name).arg("fetch"))?;
    }
    let mut rows: Vec<Row> = Vec::new();
    let profiles: &[bool] = match (options.release_only, options.debug_only) {
        (true, false) => &[true],
        (false, true) => &[false],
        _ => &[true, false],
    };
    for &release in profiles {
        let profile = if release { "release" } else { "debug" };
        let first = rows.len();
        for round in 0..options.rounds {
            for (k, hello) in hellos.iter().enumerate() {
                eprintln!(
                    "xtask build-cost: clean {profile} build of {} (round {} of {})",
                    hello.name,
                    round + 1,
                    options.rounds
                );
                let target = dir.join(hello.name).join("target");
                let _ = fs::remove_dir_all(&target);
                let figures = build(&dir, hello.name, release)?;
                if round == 0 {
                    let size = if release {
                        Some(stripped_size(
                            &target.join("release").join(hello_bin(hello.name)),
                        )?)
                    } else {
                        None
                    };
                    rows.push(Row {
                        profile,
                        name: hello.name,
                        rounds: Vec::new(),
                        size,
                    });
                }
                rows[first + k].rounds.push(figures);
            }
        }
    }
    print_table(&rows);
    Ok(())
}

/// One hello in one profile: its figures in each round, and its stripped binary's size.
struct Row {
    profile: &'static str,
    name: &'static str,
    rounds: Vec<Figures>,
    size: Option<u64>,
}

/// The median of `values` (the lower middle one for an even count) and their range.
fn median(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let (low, high) = (values[0], values[values.len() - 1]);
    (values[(values.len() - 1) / 2], low, high)
}

/// `median (low–high)`, or the value alone when there is one.
fn spread(values: Vec<f64>, digits: usize, unit: &str) -> String {
    let n = values.len();
    let (m, low, high) = median(values);
    if n == 1 {
        format!("{m:.digits$}{unit}")
    } else {
        format!("{m:.digits$}{unit} ({low:.digits$}–{high:.digits$})")
    }
}

fn hello_bin(name: &str) -> String {
    format!("hello-{name}")
}

fn write_project(dir: &Path, hello: &Hello) -> Result<(), String> {
    let project = dir.join(hello.name);
    fs::create_dir_all(project.join("src")).map_err(|e| e.to_string())?;
    let manifest = format!(
        "[package]\nname = \"{}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\n{}\n# Not a member of the SDK's workspace.\n[workspace]\n",
        hello_bin(hello.name),
        hello.dependencies
    );
    fs::write(project.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    fs::write(project.join("src/main.rs"), hello.main).map_err(|e| e.to_string())
}

fn cargo(dir: &Path, name: &str) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(dir.join(name));
    command.env_remove("CARGO_TARGET_DIR");
    command
}

fn run_quietly(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// One clean build under `/usr/bin/time` (for the CPU seconds of cargo and every rustc).
fn build(dir: &Path, name: &str, release: bool) -> Result<Figures, String> {
    let times = dir.join(format!("{name}.time"));
    let cargo_bin = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new("/usr/bin/time");
    command
        .args(["-f", "%U %S", "-o"])
        .arg(&times)
        .arg(cargo_bin)
        .args(["build", "--offline"])
        .current_dir(dir.join(name))
        .env_remove("CARGO_TARGET_DIR")
        .stdout(Stdio::null());
    if release {
        command.arg("--release");
    }
    let start = Instant::now();
    let output = command
        .output()
        .map_err(|e| format!("/usr/bin/time cargo: {e}"))?;
    let wall = start.elapsed().as_secs_f64();
    let log = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("building {name} failed:\n{log}"));
    }
    let cpu = fs::read_to_string(&times)
        .map_err(|e| e.to_string())?
        .split_whitespace()
        .filter_map(|t| t.parse::<f64>().ok())
        .sum();
    let crates = log
        .lines()
        .filter(|l| l.trim_start().starts_with("Compiling "))
        .count();
    Ok(Figures { wall, cpu, crates })
}

fn stripped_size(binary: &Path) -> Result<u64, String> {
    let copy: PathBuf = binary.with_extension("stripped");
    fs::copy(binary, &copy).map_err(|e| format!("{}: {e}", binary.display()))?;
    run_quietly(Command::new("strip").arg(&copy))?;
    Ok(fs::metadata(&copy).map_err(|e| e.to_string())?.len())
}

fn print_table(rows: &[Row]) {
    println!(
        "| build | hello on | wall s | CPU s | crates | stripped binary | wall vs async-openai \
         | wall vs sdk-all |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    // Each round's ratio of a hello's wall time to the anchor's in the same round.
    let ratios = |row: &Row, anchor: &str| -> String {
        rows.iter()
            .find(|r| r.profile == row.profile && r.name == anchor)
            .map_or("".into(), |a| {
                let each = row.rounds.iter().zip(&a.rounds);
                spread(each.map(|(f, a)| f.wall / a.wall).collect(), 2, "x")
            })
    };
    for row in rows {
        let size = row
            .size
            .map_or("".into(), |s| format!("{:.2} MB", s as f64 / 1e6));
        println!(
            "| {} | {} | {} | {} | {} | {size} | {} | {} |",
            row.profile,
            row.name,
            spread(row.rounds.iter().map(|f| f.wall).collect(), 1, ""),
            spread(row.rounds.iter().map(|f| f.cpu).collect(), 1, ""),
            row.rounds[0].crates,
            ratios(row, "async-openai"),
            ratios(row, "sdk-all"),
        );
    }
}
