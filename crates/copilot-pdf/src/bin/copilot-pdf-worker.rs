//! The PDF worker: does one piece of PDF work (text, images or alternative text) asked for
//! on standard input, within the memory limit given as its second argument, and answers on
//! standard output. Started by `copilot_pdf::Isolation` as
//! `copilot-pdf-worker --copilot-pdf-worker <memory bytes>`; not meant to be run by hand.

fn main() {
    copilot_pdf::serve_worker_if_requested();
    eprintln!(
        "copilot-pdf-worker: a helper process of the copilot-pdf crate, started by it with {}",
        copilot_pdf::WORKER_FLAG
    );
    std::process::exit(2);
}
