//! The benchmark's baseline: a bare axum handler answering JSON, with nothing of the platform behind
//! it. `cargo xtask bench platform` runs it next to the platform in the same run, so the figures say
//! how much the platform's own work costs on this machine.

use axum::{Json, Router, routing::get};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let listen = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".into());
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let app = Router::new().route("/json", get(|| async { Json(serde_json::json!({"ok": true})) }));
    axum::serve(listener, app).await?;
    Ok(())
}
