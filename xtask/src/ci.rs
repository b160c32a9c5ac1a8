//! `cargo xtask ci`: every check CI runs, in order, stopping at the first failure. It first
//! prints the free space where the build writes (a warning below what a run needs), and a
//! failed step's message names the free space when it is nearly gone.
//!
//! 1. `cargo fmt --check`.
//! 2. clippy with `-D warnings` (all targets) and the tests, for each configuration of the
//!    feature matrix: the SDK alone with its default features, each member crate alone, and
//!    the whole workspace with every feature. The PDF layer's and the copilots' tests, whose
//!    code is the same alone and together, run once, with everything.
//! 3. clippy with `-D warnings` on the SDK's library with no API family, with each family
//!    alone (`--no-default-features --features chat`, ...), and with every family but neither
//!    `gzip` nor `both-ways`: each must build by itself.
//! 4. The docs, with warnings as errors.
//! 5. The spec check, when OpenAI's document is next to the checkout.
//! 6. The tests that need something outside the repository, each marked
//!    `#[ignore = "needs ..."]` with a `needs_<resource>` marker in its path: those whose
//!    resource is here run; the others are counted and reported as skipped, with why.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Where the official OpenAPI document sits next to a checkout.
pub const UPSTREAM: &str = "../shared/reference/openai-openapi.yaml";

/// One configuration of the feature matrix: a name, the cargo arguments that select it, and
/// whether its tests run. A crate whose code and dependencies' features are the same in the
/// whole workspace's build (the PDF layer has no features; the copilots' engine is built with
/// `pdf` either way) is only linted alone, tests included: its tests run with everything.
struct Config {
    name: &'static str,
    select: &'static [&'static str],
    test: bool,
}

/// The SDK's API families (its Cargo features); each builds alone.
const FAMILIES: &[&str] = &[
    "",
    "chat",
    "responses",
    "assistants",
    "files",
    "vector-stores",
    "batch",
    "embeddings",
    "moderations",
    "models",
    // Every family, without `gzip` and `both-ways`.
    "assistants,chat,responses,files,vector-stores,batch,embeddings,moderations,models",
];

const MATRIX: &[Config] = &[
    Config {
        name: "the SDK alone, default features",
        select: &["-p", "openai-blocking"],
        test: true,
    },
    Config {
        name: "the local engine alone",
        select: &["-p", "openai-local"],
        test: true,
    },
    Config {
        name: "the PDF layer alone",
        select: &["-p", "copilot-pdf"],
        test: false,
    },
    Config {
        name: "the copilots alone",
        select: &["-p", "openai-copilots"],
        test: false,
    },
    Config {
        name: "everything together, all features",
        select: &["--workspace", "--all-features"],
        test: true,
    },
];

/// A resource some ignored tests need, and how to tell whether it is here.
struct Resource {
    marker: &'static str,
    what: &'static str,
    present: fn(&Path) -> bool,
}

const RESOURCES: &[Resource] = &[
    Resource {
        marker: "needs_prism",
        what: "the Prism mock of the official spec at OPENAI_CONFORMANCE_URL (.ci/run starts it)",
        present: |_| prism_answers(),
    },
    Resource {
        marker: "needs_shared_spec",
        what: "../shared/reference/openai-openapi.yaml",
        present: |root| root.join(UPSTREAM).is_file(),
    },
    Resource {
        marker: "needs_pdf_samples",
        what: "../shared/pdf-samples/",
        present: |root| root.join("../shared/pdf-samples").is_dir(),
    },
    Resource {
        marker: "needs_extra_pdf_samples",
        what: "the samples outside ../shared (COPILOT_PDF_EXTRA_SAMPLES, a folder)",
        present: |_| {
            std::env::var_os("COPILOT_PDF_EXTRA_SAMPLES")
                .is_some_and(|dir| Path::new(&dir).is_dir())
        },
    },
    Resource {
        marker: "needs_qpdf",
        what: "the qpdf command",
        present: |_| command_runs("qpdf", &["--version"]),
    },
    Resource {
        marker: "needs_free_disk",
        what: "8 GB free in the temporary directory (a 2 GiB upload is written there twice)",
        present: |_| free_gb(&std::env::temp_dir()).is_some_and(|gb| gb >= 8.0),
    },
    Resource {
        marker: "needs_pdftoppm",
        what: "the pdftoppm command (poppler-utils)",
        present: |_| command_runs("pdftoppm", &["-v"]),
    },
];

/// About what a clean run needs on disk, rounded up: the target directory peaks at 5.3 GB
/// without debug info (8.4 GB with line tables; see `.ci/run`), and the 2 GiB upload test,
/// run when 8 GB are free, writes its file twice in the temporary directory.
const NEEDED_DISK_GB: f64 = 10.0;

/// Below this, a failed step's message mentions the free space.
const LOW_DISK_GB: f64 = 1.0;

/// The free space of the file system holding `dir`, in GB, as `df` reports it.
fn free_gb(dir: &Path) -> Option<f64> {
    let output = Command::new("df").arg("-Pk").arg(dir).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let kib: f64 = text
        .lines()
        .nth(1)?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()?;
    Some(kib * 1024.0 / 1e9)
}

/// Runs every check; see the module docs.
pub fn run() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let ci = Ci { root, cargo };
    match ci.all() {
        Ok(()) => ExitCode::SUCCESS,
        Err(failed) => {
            eprintln!("xtask ci: failed: {failed}");
            ExitCode::FAILURE
        }
    }
}

struct Ci {
    root: PathBuf,
    cargo: String,
}

impl Ci {
    fn all(&self) -> Result<(), String> {
        match self.free_gb() {
            Some(gb) if gb < NEEDED_DISK_GB => eprintln!(
                "xtask ci: warning: {gb:.1} GB free where the build writes; a clean run needs \
                 about {NEEDED_DISK_GB} GB"
            ),
            Some(gb) => eprintln!("xtask ci: {gb:.1} GB free where the build writes"),
            None => {}
        }
        self.cargo(&["fmt", "--all", "--check"])?;
        for config in MATRIX {
            eprintln!("xtask ci: == {}", config.name);
            let mut clippy = vec!["clippy", "--all-targets"];
            clippy.extend(config.select);
            clippy.extend(["--", "-D", "warnings"]);
            self.cargo(&clippy)?;
            if config.test {
                let mut test = vec!["test"];
                test.extend(config.select);
                self.cargo(&test)?;
            }
        }
        for family in FAMILIES {
            eprintln!("xtask ci: == the SDK with API families [{family}]");
            self.cargo(&[
                "clippy",
                "-p",
                "openai-blocking",
                "--lib",
                "--no-default-features",
                "--features",
                family,
                "--",
                "-D",
                "warnings",
            ])?;
        }
        std::env::set_var("RUSTDOCFLAGS", "-D warnings");
        self.cargo(&["doc", "--workspace", "--no-deps", "--all-features"])?;
        let upstream = self.root.join(UPSTREAM);
        if upstream.is_file() {
            let upstream = upstream.display().to_string();
            self.cargo(&["xtask", "spec", "--check", &upstream])?;
        } else {
            eprintln!("xtask ci: {UPSTREAM} is absent, skipping the spec check");
        }
        self.resource_tests()
    }

    /// Runs the ignored tests whose resource is here and reports the rest.
    fn resource_tests(&self) -> Result<(), String> {
        let listed = self.ignored_tests()?;
        let unmarked: Vec<&String> = listed
            .iter()
            .filter(|t| !RESOURCES.iter().any(|r| t.contains(r.marker)))
            .collect();
        if !unmarked.is_empty() {
            return Err(format!(
                "ignored tests must name what they need with a needs_* marker: {unmarked:?}"
            ));
        }
        let mut run = Vec::new();
        let mut report = Vec::new();
        for resource in RESOURCES {
            let count = listed
                .iter()
                .filter(|t| t.contains(resource.marker))
                .count();
            if (resource.present)(&self.root) {
                report.push(format!(
                    "  {count:>3} run      {} ({})",
                    resource.marker, resource.what
                ));
                run.push(resource.marker);
            } else {
                report.push(format!(
                    "  {count:>3} skipped  {}: {} is not here",
                    resource.marker, resource.what
                ));
            }
        }
        if !run.is_empty() {
            let mut args = vec!["test", "--workspace", "--all-features", "--", "--ignored"];
            args.extend(&run);
            self.cargo(&args)?;
        }
        eprintln!(
            "xtask ci: tests that need something outside the repository ({} in all):\n{}",
            listed.len(),
            report.join("\n")
        );
        Ok(())
    }

    /// The names of every ignored test of the workspace (doc tests aside).
    fn ignored_tests(&self) -> Result<Vec<String>, String> {
        let args = [
            "test",
            "--workspace",
            "--all-features",
            "--lib",
            "--bins",
            "--tests",
            "--",
            "--list",
            "--ignored",
        ];
        let output = Command::new(&self.cargo)
            .args(args)
            .current_dir(&self.root)
            .output()
            .map_err(|e| format!("cargo {}: {e}", args.join(" ")))?;
        if !output.status.success() {
            return Err(format!(
                "cargo {}:\n{}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.strip_suffix(": test"))
            .map(str::to_owned)
            .collect())
    }

    fn cargo(&self, args: &[&str]) -> Result<(), String> {
        eprintln!("xtask ci: cargo {}", args.join(" "));
        let ok = Command::new(&self.cargo)
            .args(args)
            .current_dir(&self.root)
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Ok(());
        }
        let mut failed = format!("cargo {}", args.join(" "));
        // A full disk shows up as a linker killed by SIGBUS or an I/O error far from its
        // cause: say so next to the failure.
        if let Some(gb) = self.free_gb().filter(|&gb| gb < LOW_DISK_GB) {
            failed.push_str(&format!(
                " (only {gb:.1} GB left where the build writes; a full disk may be the cause)"
            ));
        }
        Err(failed)
    }

    /// The free space where the build writes (the target directory, or the checkout before
    /// it exists), in GB.
    fn free_gb(&self) -> Option<f64> {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| self.root.join("target"), PathBuf::from);
        free_gb(if target.is_dir() { &target } else { &self.root })
    }
}

fn command_runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether something accepts connections at `OPENAI_CONFORMANCE_URL` (`http://host:port`).
fn prism_answers() -> bool {
    let Ok(url) = std::env::var("OPENAI_CONFORMANCE_URL") else {
        return false;
    };
    let authority = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    use std::net::ToSocketAddrs;
    let Some(addr) = authority.to_socket_addrs().ok().and_then(|mut a| a.next()) else {
        return false;
    };
    std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(1)).is_ok()
}
