//! The `rws` binary's configuration: precedence, --print-config, --check-config, --help, and
//! every kind of bad input refused with the key, the place and the reason, and exit code 2.

mod support;

use support::bin::{Folder, output, run, rws};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A config file with `text`, and its path.
fn config_file(name: &str, text: &str) -> (Folder, String) {
    let dir = Folder::new(name);
    dir.file("rws.config.toml", text);
    let path = dir.path().join("rws.config.toml").display().to_string();
    (dir, path)
}

#[test]
fn flags_beat_the_environment_which_beats_the_file() {
    let (_dir, path) = config_file(
        "precedence",
        "port = 1111\naddress = \"0.0.0.0\"\n\n[log]\nlevel = \"warn\"\naccess = \"json\"\n",
    );
    let out = output(
        rws()
            .args(["--config", &path, "--print-config", "--port", "3333"])
            .env("RWS_CONFIG_PORT", "2222")
            .env("RWS_CONFIG_LOG_LEVEL", "debug"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let line = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("{key} in\n{text}"))
            .to_owned()
    };
    assert_eq!(line("port"), "port = 3333  # command line --port");
    assert_eq!(
        line("log.level"),
        "log.level = \"debug\"  # environment variable RWS_CONFIG_LOG_LEVEL"
    );
    assert_eq!(
        line("address"),
        format!("address = \"0.0.0.0\"  # {path}:2")
    );
    assert_eq!(
        line("log.access"),
        format!("log.access = \"json\"  # {path}:6")
    );
    assert_eq!(line("limits.body"), "limits.body = \"2MiB\"  # default");
    assert!(text.contains("# root (unset)"), "{text}");
    // The printed configuration is itself a valid file.
    let (_again, printed) = config_file("reprint", &text);
    let check = run(&["--config", &printed, "--check-config"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
}

#[test]
fn check_config_accepts_a_valid_file() {
    let (_dir, path) = config_file(
        "valid",
        "[files]\nlisting = true\ncache_control = \"max-age=60\"\n[limits]\nbody = \"8MiB\"\n[timeouts]\nrequest = \"90s\"\n",
    );
    let out = run(&["--config", &path, "--check-config"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "rws: the configuration is valid");
}

fn refused(out: &std::process::Output, expected: &[&str]) {
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout {} stderr {}",
        stdout(out),
        stderr(out)
    );
    let err = stderr(out);
    assert!(err.starts_with("rws: invalid configuration:\n"), "{err}");
    for e in expected {
        assert!(err.contains(e), "{e:?} in\n{err}");
    }
}

#[test]
fn a_wrong_type_in_the_file_names_the_key_and_line() {
    let (_dir, path) = config_file("wrong-type", "# comment\n\nport = \"eighty\"\n");
    refused(
        &run(&["--config", &path]),
        &[&format!(
            "{path}:3: `port`: invalid type: string \"eighty\", expected u16"
        )],
    );
}

#[test]
fn an_out_of_range_value_in_a_table_names_the_dotted_key() {
    let (_dir, path) = config_file("range", "[limits]\nheaders = 10\nbody = \"lots\"\n");
    refused(
        &run(&["--config", &path]),
        &[&format!("{path}:3: `limits.body`: `lots` is not a size")],
    );
}

#[test]
fn an_unknown_key_gets_a_suggestion() {
    let (_dir, path) = config_file("unknown", "[files]\nlistin = true\n");
    refused(
        &run(&["--config", &path]),
        &[&format!(
            "{path}:2: unknown key `files.listin`; did you mean `files.listing`?"
        )],
    );
}

#[test]
fn a_toml_syntax_error_names_the_line() {
    let (_dir, path) = config_file("syntax", "port = 80\n[limits\n");
    refused(&run(&["--config", &path]), &[&format!("{path}:2: ")]);
}

#[test]
fn a_missing_config_file_is_refused() {
    refused(
        &run(&["--config", "/no/such/rws.config.toml"]),
        &["/no/such/rws.config.toml: cannot read the configuration file"],
    );
}

#[test]
fn bad_environment_values_and_unknown_variables() {
    let out = output(
        rws()
            .env("RWS_CONFIG_PORT", "seventy")
            .env("RWS_CONFIG_LISTNG", "1"),
    );
    refused(
        &out,
        &[
            "environment variable RWS_CONFIG_PORT=\"seventy\": `port` expects an integer",
            "environment variable RWS_CONFIG_LISTNG: not a setting",
        ],
    );
    let out = output(rws().env("RWS_CONFIG_ADDRESS", "localhost:80"));
    refused(
        &out,
        &["environment variable RWS_CONFIG_ADDRESS: `address`: invalid IP address syntax"],
    );
}

#[test]
fn bad_flag_values() {
    refused(
        &run(&["--set", "files.listing=maybe"]),
        &["command line --set files.listing \"maybe\": `files.listing` expects true or false"],
    );
    refused(
        &run(&["--set", "nope=1"]),
        &["command line --set nope: `nope` is not a setting"],
    );
    refused(
        &run(&["--access-log", "xml"]),
        &["command line --access-log: `log.access`: unknown variant `xml`, expected one of"],
    );
    refused(
        &run(&["--root", "/no/such/folder"]),
        &["command line --root: `root`: /no/such/folder is not a folder"],
    );
    // clap's own refusals (an unknown flag) exit with 2 as well.
    let out = run(&["--prot", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--prot"), "{}", stderr(&out));
}

#[test]
fn values_that_make_no_sense_together() {
    refused(
        &run(&["--cors-origin", "*", "--set", "cors.credentials=true"]),
        &[
            "command line --set cors.credentials: `cors.credentials`: cannot be true with the origin `*`",
        ],
    );
    refused(
        &run(&["--cors-origin", "app.example"]),
        &["command line --cors-origin: `cors.origins`: \"app.example\" is not an origin"],
    );
    refused(
        &run(&["--set", "endpoints.metrics=metrics"]),
        &["`endpoints.metrics`: \"metrics\" must start with `/`"],
    );
    refused(
        &run(&["--log-level", "loud"]),
        &["command line --log-level: `log.level`: \"loud\" is not a level"],
    );
    refused(
        &run(&["--workers", "0"]),
        &["`workers`: must be at least 1"],
    );
    refused(
        &run(&["--tls-key", "/etc/hostname"]),
        &["`tls.key`: is set without `tls.cert`"],
    );
}

#[test]
fn the_https_redirect_needs_tls() {
    refused(
        &run(&["--redirect-port", "8080", "--check-config"]),
        &[
            "command line --redirect-port: `redirect_port`: redirects to HTTPS, which needs `tls.cert` and `tls.key`",
        ],
    );
}

#[test]
fn a_bad_certificate_is_refused_with_the_file() {
    let dir = Folder::new("bad-cert");
    dir.file("cert.pem", "garbage\n")
        .file("key.pem", "garbage\n");
    let cert = dir.path().join("cert.pem").display().to_string();
    let key = dir.path().join("key.pem").display().to_string();
    refused(
        &run(&["--tls-cert", &cert, "--tls-key", &key, "--check-config"]),
        &[&format!("command line --tls-cert: `tls.cert`: {cert}: ")],
    );
}

#[test]
fn bad_traffic_settings_name_the_value() {
    let (_dir, path) = config_file(
        "traffic",
        "trusted_proxies = [\"10.0.0.0/8\", \"10.0.0.0/99\"]\n[ip_filter]\ndeny = [\"::1/200\"]\n\
         [compression]\nencodings = [\"gzip\", \"lzma\"]\n[rate_limit]\nrequests = 5\nkey = \"cookie\"\n",
    );
    refused(
        &run(&["--config", &path]),
        &[
            &format!(
                "{path}:1: `trusted_proxies`: \"10.0.0.0/99\" is not an IP address or CIDR range"
            ),
            &format!("{path}:3: `ip_filter.deny`: \"::1/200\" is not an IP address or CIDR range"),
            &format!("{path}:5: `compression.encodings`: \"lzma\" is not a coding"),
            &format!("{path}:8: `rate_limit.key`: \"cookie\" is not a key"),
        ],
    );
}

#[test]
fn help_documents_every_setting() {
    let out = run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    for key in rws::config::KEYS {
        assert!(
            help.contains(key.name) && help.contains(&key.env_var()),
            "{} in\n{help}",
            key.name
        );
    }
    for flag in [
        "--root",
        "--port",
        "--config",
        "--print-config",
        "--check-config",
        "--set",
    ] {
        assert!(help.contains(flag), "{flag}");
    }
}

#[test]
fn a_bad_cache_header_is_refused_with_its_key() {
    let out = run(&[
        "--set",
        "cache.entries=10",
        "--set",
        "cache.vary_by=bad header",
        "--check-config",
    ]);
    refused(
        &out,
        &["`cache.vary_by`", "\"bad header\" is not a header name"],
    );
}
