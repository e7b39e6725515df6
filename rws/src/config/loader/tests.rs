//! The loader's layering, origins and problem reports.
use super::*;

#[test]
fn the_key_list_names_every_field() {
    let mut full = Config {
        root: Some(".".into()),
        workers: Some(2),
        redirect_port: Some(80),
        ..Config::default()
    };
    full.tls.cert = Some("c".into());
    full.tls.key = Some("k".into());
    full.files.cache_control = Some("x".into());
    full.files.spa_fallback = Some("index.html".into());
    full.cors.max_age = Some(super::super::HumanDuration(std::time::Duration::from_secs(
        1,
    )));
    full.security_headers.content_security_policy = Some("default-src 'self'".into());
    full.endpoints.metrics_address = Some(([127, 0, 0, 1], 9100).into());
    full.acme.email = Some("admin@example.com".into());
    full.acme.ca_root = Some("ca.pem".into());
    let Value::Table(table) = Value::try_from(&full).unwrap() else {
        panic!()
    };
    let mut leaves = Vec::new();
    flatten(&table, "", &mut leaves);
    let mut fields: Vec<&str> = leaves.iter().map(|(k, _)| k.as_str()).collect();
    let mut keys: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
    fields.sort_unstable();
    keys.sort_unstable();
    assert_eq!(fields, keys);
}

#[test]
fn precedence_cli_over_env_over_file_over_default() {
    let loaded = Loader::new()
        .file_text(
            "f.toml",
            "port = 1\naddress = \"0.0.0.0\"\n[log]\nlevel = \"warn\"\n",
        )
        .env([
            ("RWS_CONFIG_PORT", "2"),
            ("RWS_CONFIG_LOG_LEVEL", "debug"),
            ("HOME", "/x"),
        ])
        .set("port", "3", "--port")
        .load()
        .unwrap();
    assert_eq!(loaded.config.port, 3);
    assert_eq!(loaded.config.log.level, "debug");
    assert_eq!(loaded.config.address.to_string(), "0.0.0.0");
    assert_eq!(loaded.origin("port"), &Origin::Cli("--port".into()));
    assert_eq!(
        loaded.origin("log.level"),
        &Origin::Env("RWS_CONFIG_LOG_LEVEL".into())
    );
    assert_eq!(
        loaded.origin("address"),
        &Origin::File {
            path: "f.toml".into(),
            line: 2
        }
    );
    assert_eq!(loaded.origin("limits.body"), &Origin::Default);
    let described = loaded.describe();
    assert!(
        described.contains("port = 3  # command line --port\n"),
        "{described}"
    );
    assert!(
        described.contains("address = \"0.0.0.0\"  # f.toml:2\n"),
        "{described}"
    );
    assert!(described.contains("# root (unset)"), "{described}");
}

fn problems(loader: Loader) -> Vec<String> {
    loader.load().unwrap_err().problems().to_vec()
}

#[test]
fn bad_values_name_the_key_the_place_and_why() {
    let file = |text: &str| problems(Loader::new().file_text("rws.config.toml", text));
    assert_eq!(
        file("\n\nport = 70000\n"),
        ["rws.config.toml:3: `port`: invalid value: integer `70000`, expected u16"]
    );
    assert_eq!(
        file("[limits]\nbody = \"lots\"\n")[0]
            .split(": ")
            .take(2)
            .collect::<Vec<_>>(),
        ["rws.config.toml:2", "`limits.body`"]
    );
    assert_eq!(
        file("prot = 1\n"),
        ["rws.config.toml:1: unknown key `prot`; did you mean `port`?"]
    );
    assert!(file("port = \n")[0].starts_with("rws.config.toml:1: "));
    assert!(file("[log]\naccess = \"xml\"\n")[0].contains("unknown variant `xml`"));
    assert_eq!(
        problems(Loader::new().env([("RWS_CONFIG_PORT", "http")])),
        ["environment variable RWS_CONFIG_PORT=\"http\": `port` expects an integer"]
    );
    assert_eq!(
        problems(Loader::new().env([("RWS_CONFIG_PROT", "1")])),
        ["environment variable RWS_CONFIG_PROT: not a setting; did you mean `port`?"]
    );
    assert_eq!(
        problems(Loader::new().set("files.listing", "maybe", "--listing")),
        ["command line --listing \"maybe\": `files.listing` expects true or false"]
    );
    assert_eq!(
        file("[telemetry]\nendpoint = \"collector:4318\"\ntrace_id_header = \"x trace\"\n"),
        [
            "rws.config.toml:3: `telemetry.trace_id_header`: \"x trace\" is not a valid header name",
            "rws.config.toml:2: `telemetry.endpoint`: \"collector:4318\" is not an http:// or https:// URL",
        ]
    );
}

/// One mistake never hides another: the file's, the environment's and the flags' problems,
/// type errors and checks alike, come in one report.
#[test]
fn every_problem_of_every_layer_is_reported_at_once() {
    let found = problems(
        Loader::new()
            .file_text(
                "rws.config.toml",
                "port = \"abc\"\nnope = 1\n[limits]\nbody = \"lots\"\n",
            )
            .env([
                ("RWS_CONFIG_ADDRESS", "not-an-ip"),
                ("RWS_CONFIG_BOGUS", "1"),
            ])
            .set("limits.connections", "many", "--set"),
    );
    let expect = [
        "rws.config.toml:2: unknown key `nope`",
        "environment variable RWS_CONFIG_BOGUS: not a setting",
        "command line --set \"many\": `limits.connections` expects an integer",
        "rws.config.toml:1: `port`: invalid type: string \"abc\", expected u16",
        "rws.config.toml:4: `limits.body`",
        "environment variable RWS_CONFIG_ADDRESS: `address`",
    ];
    assert_eq!(found.len(), expect.len(), "{found:#?}");
    for start in expect {
        assert!(
            found.iter().any(|line| line.starts_with(start)),
            "no problem starts with {start:?}: {found:#?}"
        );
    }
}

#[test]
fn acme_from_flags_file_and_environment_with_every_problem_named() {
    let loaded = Loader::new()
        .file_text(
            "rws.config.toml",
            "[acme]\ndomains = [\"example.com\"]\nrenew_before = \"20d\"\n",
        )
        .env([("RWS_CONFIG_ACME_CHALLENGE", "tls-alpn-01")])
        .set(
            "acme.directory",
            "letsencrypt-staging",
            "--set acme.directory",
        )
        .load()
        .unwrap();
    let acme = &loaded.config.acme;
    assert_eq!(acme.domains, ["example.com"]);
    assert_eq!(
        acme.renew_before.0,
        std::time::Duration::from_secs(20 * 86_400)
    );
    assert!(acme.directory_url().unwrap().contains("staging"));

    let err = Loader::new()
        .file_text(
            "rws.config.toml",
            "[tls]\ncert = \"c.pem\"\nkey = \"k.pem\"\n[acme]\ndomains = [\"*.example.com\"]\nchallenge = \"http-01\"\ndirectory = \"http://ca.example/dir\"\n",
        )
        .load()
        .unwrap_err()
        .to_string();
    for needle in [
        "rws.config.toml:5: `acme.domains`: \"*.example.com\": a wildcard",
        "rws.config.toml:7: `acme.directory`",
        "`acme.domains`: certificates come either from",
        "rws.config.toml:6: `acme.challenge`: http-01 is answered on the plain-HTTP port",
    ] {
        assert!(err.contains(needle), "{needle:?} not in:\n{err}");
    }
    let err = Loader::new()
        .file_text("rws.config.toml", "[acme]\nchallenge = \"dns-01\"\n")
        .load()
        .unwrap_err()
        .to_string();
    assert!(err.contains("rws.config.toml:2: `acme.challenge`"), "{err}");
}
