//! The command line: flags for the common settings, `--set` for any, and what to do.

// The doc comments below are the text of `rws --help`, not markdown.
#![allow(clippy::doc_markdown)]

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Parser;
use rws::config::{KEYS, Loader};

/// rws: serve a folder, or the welcome page, over HTTP/1.1 and HTTP/2.
///
/// Every setting comes from, in order of precedence: a flag, an RWS_CONFIG_* environment
/// variable, the configuration file (rws.config.toml in the working directory, or --config),
/// or its default.
#[derive(Debug, Parser)]
#[command(name = "rws", version, after_help = settings_help())]
pub(crate) struct Cli {
    /// The configuration file [default: rws.config.toml if present; env: RWS_CONFIG_FILE]
    #[arg(short, long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// IP address to listen on [default: 127.0.0.1]
    #[arg(short, long, value_name = "IP")]
    address: Option<String>,
    /// Port to listen on; 0 picks a free one [default: 7878]
    #[arg(short, long)]
    port: Option<String>,
    /// Folder to serve [default: the welcome page]
    #[arg(short, long, value_name = "DIR")]
    root: Option<String>,
    /// Runtime worker threads [default: one per core]
    #[arg(long, value_name = "N")]
    workers: Option<String>,
    /// List directories without an index
    #[arg(long)]
    listing: bool,
    /// Allow cross-origin requests from ORIGIN (exact, *, or https://*.example.com; repeatable)
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origins: Vec<String>,
    /// Diagnostic log level or filter (RUST_LOG wins) [default: info]
    #[arg(long, value_name = "FILTER")]
    log_level: Option<String>,
    /// Access log format: common, combined, json or off [default: common]
    #[arg(long, value_name = "FORMAT")]
    access_log: Option<String>,
    /// TLS certificate chain (PEM)
    #[arg(long, value_name = "FILE")]
    tls_cert: Option<String>,
    /// TLS private key (PEM)
    #[arg(long, value_name = "FILE")]
    tls_key: Option<String>,
    /// Plain-HTTP port redirecting to HTTPS
    #[arg(long, value_name = "PORT")]
    redirect_port: Option<String>,
    /// Obtain and renew a certificate for DOMAIN from an ACME CA (repeatable; see acme.*)
    #[arg(long = "acme-domain", value_name = "DOMAIN")]
    acme_domains: Vec<String>,
    /// The ACME account's contact address
    #[arg(long, value_name = "EMAIL")]
    acme_email: Option<String>,
    /// Set any setting (see the list below), e.g. --set limits.body=8MiB (repeatable)
    #[arg(short, long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Print the effective configuration, with where each value came from, and exit
    #[arg(long)]
    pub(crate) print_config: bool,
    /// Check the configuration and exit (0 if valid, 2 if not)
    #[arg(long)]
    pub(crate) check_config: bool,
}

impl Cli {
    /// Adds the flags that were given to `loader`, after the file and the environment.
    pub(crate) fn apply(&self, mut loader: Loader) -> Loader {
        let flags = [
            ("address", "--address", &self.address),
            ("port", "--port", &self.port),
            ("root", "--root", &self.root),
            ("workers", "--workers", &self.workers),
            ("log.level", "--log-level", &self.log_level),
            ("log.access", "--access-log", &self.access_log),
            ("tls.cert", "--tls-cert", &self.tls_cert),
            ("tls.key", "--tls-key", &self.tls_key),
            ("redirect_port", "--redirect-port", &self.redirect_port),
            ("acme.email", "--acme-email", &self.acme_email),
        ];
        for (key, flag, value) in flags {
            if let Some(value) = value {
                loader = loader.set(key, value, flag);
            }
        }
        if self.listing {
            loader = loader.set("files.listing", "true", "--listing");
        }
        if !self.acme_domains.is_empty() {
            loader = loader.set(
                "acme.domains",
                &self.acme_domains.join(","),
                "--acme-domain",
            );
        }
        if !self.cors_origins.is_empty() {
            loader = loader.set(
                "cors.origins",
                &self.cors_origins.join(","),
                "--cors-origin",
            );
        }
        for set in &self.sets {
            let (key, value) = set.split_once('=').unwrap_or((set.as_str(), ""));
            loader = loader.set(key.trim(), value, &format!("--set {}", key.trim()));
        }
        loader
    }
}

/// Every setting with its environment variable, for `--help`.
fn settings_help() -> String {
    let mut help = String::from("Settings (rws.config.toml key, environment variable):\n");
    for key in KEYS {
        let _ = writeln!(help, "  {:<22} {:<34} {}", key.name, key.env_var(), key.doc);
    }
    help.push_str(
        "\nSizes take units (16KiB, 2MiB), durations too (500ms, 10s, 2m). Lists from the environment\n\
         or --set are comma-separated. Exit codes: 0 stopped cleanly, 1 could not serve, 2 bad\n\
         configuration or flags.",
    );
    help
}
