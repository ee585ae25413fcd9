//! `certdesk-platform serve`: the platform as its own service.

use anyhow::Context;
use certdesk_platform::{Platform, PlatformConfig, staff};
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
    /// Manage staff accounts (审核, 制证, 现场办理, admin).
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Print the OpenAPI document of the HTTP API (as served at /v1/openapi.json).
    Openapi,
    /// Serve the platform's HTTP API until Ctrl-C.
    Serve {
        /// A TOML file (see the README): listen, data_dir, demo_data, max_quantity, [fees], [face], ….
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

#[derive(Subcommand)]
enum StaffCommand {
    /// Create a staff account. The password is read from CERTDESK_STAFF_PASSWORD, else from stdin.
    Add {
        #[arg(long)]
        username: String,
        /// The name shown in order histories, e.g. 王审核.
        #[arg(long)]
        name: String,
        /// Comma-separated: reviewer, producer, counter, admin.
        #[arg(long)]
        roles: String,
        /// The platform's data folder (default ./platform-data).
        #[arg(long, default_value = "platform-data")]
        data_dir: PathBuf,
        /// The platform's PostgreSQL database (`database_url` in platform.toml), when it has one.
        #[arg(long, env = "CERTDESK_DATABASE_URL")]
        database_url: Option<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    match Cli::parse().command {
        Command::Staff { command: StaffCommand::Add { username, name, roles, data_dir, database_url } } => {
            let roles = staff::parse_roles(&roles)?;
            let password = match std::env::var("CERTDESK_STAFF_PASSWORD") {
                Ok(password) => password,
                Err(_) => {
                    eprintln!("Password for {username} (at least 10 characters), then Enter:");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line).context("reading the password")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let staff = staff::NewStaff { username: username.clone(), display_name: name, password, roles };
            let id = staff::add_staff(&data_dir, database_url.as_deref(), &staff)?;
            let place = database_url.as_deref().map_or_else(|| data_dir.display().to_string(), redact_password);
            println!("staff account {username} created (id {id}) in {place}");
            Ok(())
        }
        Command::Openapi => {
            println!("{}", certdesk_platform::openapi_json());
            Ok(())
        }
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

/// `postgres://user:secret@host/db` without its secret, for printing.
fn redact_password(url: &str) -> String {
    match url.parse::<reqwest::Url>() {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}
