//! The ceiling of `bench/compare.sh`: axum on tokio, as debrief uses them, answering the
//! slash-command POST with a fixed body and nothing else (no signature check, no parsing,
//! no database). No HTTP server built on this stack can answer the same request faster, so
//! debrief's `help` is measured as a fraction of it.
//!
//! Usage: ceiling [listen=127.0.0.1:3917]

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;
use bytes::Bytes;

/// About the size of a short ephemeral acknowledgement, like the peers send.
const REPLY: &str = r#"{"response_type":"ephemeral","text":"Got it."}"#;

/// Takes the body so the request is read in full, as every other target must.
async fn acknowledge(_body: Bytes) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], REPLY)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listen = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3917".into());
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    let app = Router::new().route("/slack/commands", post(acknowledge));
    axum::serve(listener, app).await
}
