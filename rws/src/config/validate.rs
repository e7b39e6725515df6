//! What serde cannot check: values that parse but make no sense together, or name things that
//! are not there.

use http::{HeaderName, HeaderValue, Method};

use super::{Config, Origin};
use crate::ip::IpRanges;
use crate::middleware::OriginPattern;

/// Every problem of `config`, each naming the key and where it was set.
pub(super) fn validate(config: &Config, origin: impl Fn(&str) -> Origin) -> Vec<String> {
    let mut problems = Vec::new();
    let mut problem = |key: &str, why: String| {
        problems.push(format!("{}: `{key}`: {why}", origin(key)));
    };
    traffic(config, &mut problem);
    cors(config, &mut problem);

    if let Some(root) = &config.root
        && !root.is_dir()
    {
        problem("root", format!("{} is not a folder", root.display()));
    }
    if config.workers == Some(0) {
        problem("workers", "must be at least 1".into());
    }
    if config.limits.connections == 0 {
        problem("limits.connections", "must be at least 1".into());
    }
    match (&config.tls.cert, &config.tls.key) {
        (Some(_), None) => problem("tls.cert", "is set without `tls.key`".into()),
        (None, Some(_)) => problem("tls.key", "is set without `tls.cert`".into()),
        _ => {}
    }
    for (key, path) in [("tls.cert", &config.tls.cert), ("tls.key", &config.tls.key)] {
        if let Some(path) = path
            && !path.is_file()
        {
            problem(key, format!("{} is not a readable file", path.display()));
        }
    }
    if config.redirect_port.is_some() && config.tls.cert.is_none() && !config.acme.enabled() {
        problem(
            "redirect_port",
            "redirects to HTTPS, which needs `tls.cert` and `tls.key` or `acme.domains`".into(),
        );
    }
    acme(config, &mut problem);
    if config.mcp.enabled && !config.mcp.path.starts_with('/') {
        problem(
            "mcp.path",
            format!("{:?} does not start with `/`", config.mcp.path),
        );
    }
    if config.mcp.enabled && config.root.is_none() {
        problem(
            "mcp.enabled",
            "offers the root's files, which needs `root`".into(),
        );
    }
    let header = &config.telemetry.trace_id_header;
    if !header.is_empty() && HeaderName::from_bytes(header.as_bytes()).is_err() {
        problem(
            "telemetry.trace_id_header",
            format!("{header:?} is not a valid header name"),
        );
    }
    let endpoint = &config.telemetry.endpoint;
    if !endpoint.is_empty()
        && !endpoint
            .parse::<http::Uri>()
            .is_ok_and(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some())
    {
        problem(
            "telemetry.endpoint",
            format!("{endpoint:?} is not an http:// or https:// URL"),
        );
    }
    if let Some(value) = &config.files.cache_control
        && HeaderValue::from_str(value).is_err()
    {
        problem(
            "files.cache_control",
            format!("{value:?} is not a valid header value"),
        );
    }
    for (key, path) in [
        ("endpoints.health", &config.endpoints.health),
        ("endpoints.ready", &config.endpoints.ready),
        ("endpoints.metrics", &config.endpoints.metrics),
    ] {
        if !path.is_empty() && !path.starts_with('/') {
            problem(
                key,
                format!("{path:?} must start with `/` (or be empty to disable it)"),
            );
        }
    }
    if !valid_filter(&config.log.level) {
        problem(
            "log.level",
            format!(
                "{:?} is not a level (error, warn, info, debug, trace, off) or a filter like `warn,rws=debug`",
                config.log.level
            ),
        );
    }
    proxies(config, &origin, &mut problems);
    problems
}

/// `[acme]`, and how it fits with `[tls]` and `redirect_port`.
fn acme(config: &Config, problem: &mut impl FnMut(&str, String)) {
    let acme = &config.acme;
    if !acme.enabled() {
        return;
    }
    if !cfg!(feature = "acme") {
        problem(
            "acme.domains",
            "this build of rws has no ACME support (feature `acme`)".into(),
        );
    }
    for (key, why) in acme.problems() {
        problem(&format!("acme.{key}"), why);
    }
    if config.tls.cert.is_some() {
        problem(
            "acme.domains",
            "certificates come either from `tls.cert`/`tls.key` or from ACME, not both".into(),
        );
    }
    if acme.challenge == super::AcmeChallenge::Http01 && config.redirect_port.is_none() {
        problem(
            "acme.challenge",
            "http-01 is answered on the plain-HTTP port: set `redirect_port` (80 for a public CA)"
                .into(),
        );
    }
}

/// `trusted_proxies`, `[ip_filter]`, `[compression]`, `[rate_limit]`, `[security_headers]`,
/// `[cache]`.
fn traffic(config: &Config, problem: &mut impl FnMut(&str, String)) {
    if let Err(e) = IpRanges::parse(config.trusted_proxies.iter().map(String::as_str)) {
        problem("trusted_proxies", e);
    }
    if let Err(e) = IpRanges::parse(config.endpoints.metrics_allow.iter().map(String::as_str)) {
        problem("endpoints.metrics_allow", e);
    }
    if crate::ip::ForwardedHeader::parse(&config.forwarded_header).is_none() {
        problem(
            "forwarded_header",
            format!(
                "{:?} is not one of x-forwarded-for, forwarded, x-real-ip",
                config.forwarded_header
            ),
        );
    }
    for (key, list) in [
        ("ip_filter.allow", &config.ip_filter.allow),
        ("ip_filter.deny", &config.ip_filter.deny),
    ] {
        if let Err(e) = IpRanges::parse(list.iter().map(String::as_str)) {
            problem(key, e);
        }
    }
    for e in &config.compression.encodings {
        if !["br", "zstd", "gzip", "deflate"].contains(&e.as_str()) {
            problem(
                "compression.encodings",
                format!("{e:?} is not a coding rws can produce (br, zstd, gzip, deflate)"),
            );
        }
    }
    if let Err(e) = config.rate_limit.layer() {
        let key = if e.contains("period") {
            "rate_limit.period"
        } else {
            "rate_limit.key"
        };
        problem(key, e);
    }
    for name in &config.cache.vary_by {
        if HeaderName::from_bytes(name.as_bytes()).is_err() {
            problem("cache.vary_by", format!("{name:?} is not a header name"));
        }
    }
    if let Some(csp) = &config.security_headers.content_security_policy
        && HeaderValue::from_str(csp).is_err()
    {
        problem(
            "security_headers.content_security_policy",
            format!("{csp:?} is not a valid header value"),
        );
    }
}

/// `[cors]`.
fn cors(config: &Config, problem: &mut impl FnMut(&str, String)) {
    let cors = &config.cors;
    for o in &cors.origins {
        if let Err(why) = OriginPattern::parse(o) {
            problem("cors.origins", why);
        }
    }
    if cors.credentials && cors.origins.iter().any(|o| o == "*") {
        problem(
            "cors.credentials",
            "cannot be true with the origin `*`: browsers refuse credentials for any origin; list the origins".into(),
        );
    }
    for m in &cors.methods {
        if m.parse::<Method>().is_err() {
            problem("cors.methods", format!("{m:?} is not an HTTP method"));
        }
    }
    for (key, list) in [
        ("cors.headers", &cors.headers),
        ("cors.expose_headers", &cors.expose_headers),
    ] {
        for h in list {
            if h != "*" && HeaderName::from_bytes(h.as_bytes()).is_err() {
                problem(key, format!("{h:?} is not a header name"));
            }
        }
    }
}

/// A comma-separated list of `level` or `target=level` directives. Stricter than tracing's own
/// parser, which reads a lone word as a target name, so that a misspelt level is not taken for
/// "everything from the target `loud`".
fn valid_filter(spec: &str) -> bool {
    const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];
    let level = |l: &str| LEVELS.iter().any(|k| k.eq_ignore_ascii_case(l.trim()));
    !spec.trim().is_empty()
        && spec
            .split(',')
            .all(|directive| match directive.split_once('=') {
                Some((target, l)) => !target.trim().is_empty() && level(l),
                None => level(directive),
            })
}

/// Each `[[proxy]]` table's problems, placed at the key's line, else at the table's.
fn proxies(config: &Config, origin: &impl Fn(&str) -> Origin, problems: &mut Vec<String>) {
    let mut paths = std::collections::HashMap::new();
    for (index, proxy) in config.proxy.iter().enumerate() {
        let table = format!("proxy[{index}]");
        let at = |field: &str| match origin(&format!("{table}.{field}")) {
            Origin::Default => origin(&table),
            found => found,
        };
        for (field, why) in proxy.problems() {
            problems.push(format!("{}: `{table}.{field}`: {why}", at(field)));
        }
        let path = proxy.path.trim_end_matches('/');
        if let Some(first) = paths.insert(path.to_owned(), index) {
            problems.push(format!(
                "{}: `{table}.path`: {:?} is proxied already by proxy[{first}]",
                at("path"),
                proxy.path
            ));
        }
        if path.is_empty() && config.root.is_some() {
            problems.push(format!(
                "{}: `{table}.path`: a proxy at / takes every path, and `root` serves them too",
                at("path")
            ));
        }
    }
}
