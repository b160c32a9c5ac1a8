//! What a summary of a 100-page PDF costs on each backend: HTTP requests made and bytes sent,
//! counted by a loopback proxy between the client and the local engine.
//!
//! `cargo bench -p openai-copilots --bench summary_cost`

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use copilot_pdf::{render_text_pdf, PdfDocument};
use openai_blocking::OpenAIClient;
use openai_copilots::prelude::*;
use openai_local::LocalServer;

/// Requests and bytes that went from the client to the server.
#[derive(Default)]
struct Counts {
    requests: AtomicU64,
    bytes: AtomicU64,
}

/// A proxy on 127.0.0.1 forwarding to `target`, counting what the client sends. A request is
/// counted by its request line (`… HTTP/1.1\r\n`).
fn proxy(target: std::net::SocketAddr, counts: Arc<Counts>) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let server = TcpStream::connect(target).unwrap();
            let (mut c_read, mut s_write) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (mut s_read, mut c_write) = (server, client);
            let counts = counts.clone();
            std::thread::spawn(move || {
                let mut buf = vec![0; 64 * 1024];
                let mut tail: Vec<u8> = Vec::new();
                while let Ok(n) = c_read.read(&mut buf) {
                    if n == 0 || s_write.write_all(&buf[..n]).is_err() {
                        break;
                    }
                    counts.bytes.fetch_add(n as u64, Ordering::Relaxed);
                    tail.extend_from_slice(&buf[..n]);
                    let lines = tail.windows(11).filter(|w| w == b" HTTP/1.1\r\n").count();
                    counts.requests.fetch_add(lines as u64, Ordering::Relaxed);
                    let keep = tail.len().saturating_sub(10);
                    tail.drain(..keep);
                }
                let _ = s_write.shutdown(Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s_read, &mut c_write);
                let _ = c_write.shutdown(Shutdown::Write);
            });
        }
    });
    addr
}

fn main() {
    // About 100 pages of running text: ten paragraphs of report prose a page.
    let paragraph = "The committee reviewed the quarterly figures for each region, comparing \
        revenue, costs and staffing with the plan agreed in spring. Most regions met their \
        targets; the north fell short by four percent because of delayed deliveries, while the \
        coast exceeded its plan thanks to a strong tourist season and lower energy prices.\n\n";
    let text = paragraph.repeat(1030);
    let pdf = PdfDocument::from_bytes(
        "report.pdf",
        render_text_pdf(Some("Report"), &text).unwrap(),
    );
    let pages = copilot_pdf::extract_text(&pdf).unwrap().pages().len();
    println!(
        "document: {pages} pages, {} bytes of PDF, {} characters of text\n",
        pdf.bytes().len(),
        text.len()
    );
    println!("| backend | requests | bytes sent | time |");
    println!("|---|---:|---:|---:|");
    let cases: [(&str, CopilotBackend, Option<DocumentDelivery>); 5] = [
        ("Responses, auto", CopilotBackend::Responses, None),
        (
            "Responses, inline input_file",
            CopilotBackend::Responses,
            Some(DocumentDelivery::Inline),
        ),
        (
            "Responses, file_search",
            CopilotBackend::Responses,
            Some(DocumentDelivery::FileSearch),
        ),
        ("ChatCompletions", CopilotBackend::ChatCompletions, None),
        ("Assistants", CopilotBackend::Assistants, None),
    ];
    for (name, backend, delivery) in cases {
        let server = LocalServer::builder()
            .step_delay(Duration::from_millis(2))
            .start()
            .unwrap();
        let counts = Arc::new(Counts::default());
        let addr = proxy(server.addr(), counts.clone());
        let client = OpenAIClient::create_with_api_key("sk-local")
            .with_base_url(format!("http://{addr}/v1"))
            .with_polling_interval(Some(Duration::from_millis(20)))
            .build()
            .unwrap();
        let mut options = SummaryCopilotOptions::new()
            .with_backend(backend)
            .with_document(pdf.clone());
        if let Some(delivery) = delivery {
            options = options.with_document_delivery(delivery);
        }
        let started = Instant::now();
        let summary = client.get_summary_copilot(options).get_summary().unwrap();
        let took = started.elapsed();
        assert!(!summary.is_empty());
        println!(
            "| {name} | {} | {} | {:.0} ms |",
            counts.requests.load(Ordering::Relaxed),
            counts.bytes.load(Ordering::Relaxed),
            took.as_secs_f64() * 1000.0
        );
    }
}
