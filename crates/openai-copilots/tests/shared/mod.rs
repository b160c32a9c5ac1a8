//! What the copilot tests share: sample texts, an engine, a mock client, temp folders.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use copilot_pdf::*;
use httpmock::MockServer;
use openai_blocking::*;
use openai_local::*;

pub const POLICY: &str = "Returns. Unused items may be returned within 30 days of delivery for a \
full refund. Items bought in the winter sale can be returned within 14 days only. The \
refund is paid to the original payment method within five working days.\n\nWarranty. \
Every appliance carries a warranty of 24 months from delivery. The warranty covers \
manufacturing defects but not damage caused by misuse, accidents or normal wear.\n\n\
Shipping. Orders above 50 euros ship free of charge. Smaller orders pay a flat fee of \
4.90 euros. Deliveries to islands take two extra days.";

pub const TRAINS: &str = "The night train leaves Vienna at 22:10 and reaches Venice at 08:35. \
Sleeping cars have two or four berths, and breakfast is served in the compartment. Bicycles \
travel in a dedicated car and must be booked in advance. Tickets go on sale six months \
before departure and can be refunded up to one day before travel.";

pub fn engine() -> (LocalServer, OpenAIClient) {
    let server = LocalServer::builder()
        .step_delay(Duration::from_millis(2))
        .start()
        .unwrap();
    let mut client = server.client().unwrap();
    client.set_polling_interval(Some(Duration::from_millis(5)));
    (server, client)
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("copilots-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A text PDF made with the crate's own report writer.
pub fn text_pdf(name: &str, text: &str) -> PdfDocument {
    PdfDocument::from_bytes(name, render_text_pdf(Some("Policy"), text).unwrap())
}

pub fn mock_client(server: &MockServer) -> OpenAIClient {
    OpenAIClient::create_with_api_key("sk-test")
        .with_base_url(server.base_url())
        .with_max_retries(0)
        .build()
        .unwrap()
}
