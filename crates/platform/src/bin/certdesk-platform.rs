//! `certdesk-platform serve`: the platform as its own service.

use anyhow::Context;
use certdesk_platform::{Platform, PlatformConfig};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "certdesk-platform", version, about = "CertDesk 平台服务")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the platform's HTTP API until Ctrl-C.
    Serve {
        /// A TOML file with any of: listen, data_dir, demo_data, max_quantity.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Overrides `listen` from the file (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Overrides `data_dir` from the file (default ./platform-data).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    match Cli::parse().command {
        Command::Serve { config, listen, data_dir } => {
            let mut cfg = match &config {
                Some(path) => {
                    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                    toml::from_str::<PlatformConfig>(&text).with_context(|| format!("parsing {}", path.display()))?
                }
                None => PlatformConfig::default(),
            };
            if let Some(listen) = listen {
                cfg.listen = listen;
            }
            if let Some(dir) = data_dir {
                cfg.data_dir = dir;
            }
            let handle = Platform::start(cfg).await.context("starting the platform")?;
            println!("CertDesk platform listening on {}", handle.url());
            handle.serve_until_signal().await?;
            Ok(())
        }
    }
}
