//! `certdesk-gateway`: the sandbox payment gateway on its own, for staff training or a test
//! platform on another machine. Merchants register at `POST /sandbox/merchants`.

use anyhow::Context;
use certdesk_gateway::{Gateway, GatewayConfig};
use std::net::SocketAddr;
use std::path::PathBuf;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let mut args = std::env::args().skip(1);
    let mut config = GatewayConfig::local("gateway-data");
    config.listen = SocketAddr::from(([127, 0, 0, 1], 8090));
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => config.listen = args.next().context("--listen ADDR")?.parse().context("--listen ADDR")?,
            "--data-dir" => config.data_dir = PathBuf::from(args.next().context("--data-dir DIR")?),
            "-h" | "--help" => {
                println!("certdesk-gateway [--listen 127.0.0.1:8090] [--data-dir gateway-data]");
                return Ok(());
            }
            other => anyhow::bail!("unknown argument {other}; see --help"),
        }
    }
    let gateway = Gateway::start(config).await?;
    println!("沙箱支付网关: {}", gateway.url());
    gateway.serve_until_signal().await?;
    Ok(())
}
