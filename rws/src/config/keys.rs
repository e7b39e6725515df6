//! Every configuration key, with its kind and a line of documentation: the one list the
//! environment mapping, `--set`, `rws --help` and `--print-config` are built from.

/// What kind of value a key takes; tells how an environment or command-line string is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string (also sizes and durations, which parse their own text).
    Text,
    /// An integer.
    Integer,
    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    Bool,
    /// A list; from a string, comma-separated.
    List,
    /// An array of tables (`[[proxy]]`): only the configuration file can hold one.
    Tables,
}

/// One configuration key.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    /// The dotted key, as in the TOML file: `limits.body`.
    pub name: &'static str,
    /// Its kind.
    pub kind: Kind,
    /// What it does.
    pub doc: &'static str,
}

impl Key {
    /// The environment variable setting this key: `RWS_CONFIG_LIMITS_BODY`.
    pub fn env_var(&self) -> String {
        format!(
            "RWS_CONFIG_{}",
            self.name.replace('.', "_").to_ascii_uppercase()
        )
    }

    /// The key named `name`, if there is one.
    pub fn find(name: &str) -> Option<&'static Key> {
        KEYS.iter().find(|k| k.name == name)
    }
}

macro_rules! keys {
    ($($name:literal $kind:ident $doc:literal,)*) => {
        /// Every configuration key.
        pub const KEYS: &[Key] = &[$(Key { name: $name, kind: Kind::$kind, doc: $doc },)*];
    };
}

keys! {
    "address" Text "IP address to listen on [127.0.0.1]",
    "port" Integer "port to listen on; 0 picks a free one [7878]",
    "root" Text "folder to serve; unset serves the welcome page",
    "workers" Integer "runtime worker threads [one per core]",
    "redirect_port" Integer "plain-HTTP port redirecting to HTTPS (needs TLS)",
    "trusted_proxies" List "proxies (addresses, CIDR ranges) whose forwarding header is believed",
    "forwarded_header" Text "the header they write: x-forwarded-for, forwarded or x-real-ip [x-forwarded-for]",
    "request_id" Bool "give each request an X-Request-Id [true]",
    "compression.enabled" Bool "compress responses on the fly [false]",
    "compression.encodings" List "codings offered: br, zstd, gzip, deflate [all]",
    "compression.min_size" Text "smallest response compressed [1KiB]",
    "rate_limit.requests" Integer "requests per period per key; 0 disables [0]",
    "rate_limit.period" Text "the period requests refill over [60s]",
    "rate_limit.key" Text "counted per: ip, global or header:NAME (trusted as sent) [ip]",
    "rate_limit.ipv6_prefix" Integer "IPv6 clients counted per network of this many bits [64]",
    "ip_filter.allow" List "only these addresses/CIDR ranges may pass",
    "ip_filter.deny" List "these addresses/CIDR ranges are refused (403)",
    "security_headers.enabled" Bool "nosniff, frame and referrer policies, HSTS on TLS [false]",
    "security_headers.content_security_policy" Text "a Content-Security-Policy to send",
    "cache.entries" Integer "responses the in-memory cache keeps; 0 disables it [0]",
    "cache.max_size" Text "bytes it keeps at most, headers and bodies [64MiB]",
    "cache.max_entry_size" Text "the largest body it stores [1MiB]",
    "cache.ttl" Text "freshness of responses that say nothing of theirs [60s]",
    "cache.vary_by" List "request headers that get an entry per value, e.g. Accept",
    "tls.cert" Text "TLS certificate chain, PEM",
    "tls.key" Text "TLS private key, PEM",
    "tls.redirect_hosts" List "hosts the HTTPS redirect may name; empty: those the certificate covers",
    "tls.redirect_301" Bool "redirect GET/HEAD with 301 instead of 308 [false]",
    "tls.http3" Bool "also serve HTTP/3 (QUIC) on the HTTPS port, over UDP [true]",
    "acme.domains" List "names to obtain and renew a certificate for from an ACME CA; empty: off",
    "acme.email" Text "the ACME account's contact address",
    "acme.directory" Text "the CA: letsencrypt, letsencrypt-staging or a directory URL [letsencrypt]",
    "acme.ca_root" Text "PEM roots trusted for the CA's own HTTPS (a private CA's)",
    "acme.cache" Text "folder keeping the account and certificates [rws-acme]",
    "acme.challenge" Text "tls-alpn-01 (on the HTTPS port) or http-01 (on redirect_port) [tls-alpn-01]",
    "acme.renew_before" Text "renew this long before expiry [30d]",
    "files.index" Text "a directory's index file; empty for none [index.html]",
    "files.listing" Bool "list directories without an index [false]",
    "files.precompressed" Bool "serve .br/.zst/.gz siblings by Accept-Encoding [true]",
    "files.cache_control" Text "Cache-Control header of file responses",
    "files.spa_fallback" Text "file served (200) for paths naming no file, e.g. index.html",
    "files.dotfiles" Bool "serve names starting with a dot (.env, .git/); .well-known is always served [false]",
    "cors.origins" List "allowed origins: exact, *, or https://*.example.com; empty disables CORS",
    "cors.methods" List "allowed methods [GET, HEAD, POST]",
    "cors.headers" List "allowed request headers",
    "cors.expose_headers" List "response headers scripts may read",
    "cors.credentials" Bool "allow credentials; not with origin * [false]",
    "cors.max_age" Text "how long a preflight answer may be cached, e.g. 10m",
    "limits.body" Text "largest request body, e.g. 2MiB [2MiB]",
    "limits.header_size" Text "largest request head [16KiB]",
    "limits.headers" Integer "most request headers [100]",
    "limits.connections" Integer "most connections at once [10000]",
    "limits.http2_streams" Integer "most concurrent HTTP/2 streams per connection [200]",
    "timeouts.header_read" Text "time to send a request head [10s]",
    "timeouts.keep_alive" Text "idle keep-alive connection lifetime [60s]",
    "timeouts.request" Text "time until a response starts; 0 for none [60s]",
    "timeouts.send" Text "time sending a response may make no progress; 0 for none [60s]",
    "timeouts.grace_period" Text "shutdown wait for in-flight requests [30s]",
    "endpoints.health" Text "liveness path; empty disables [/healthz]",
    "endpoints.ready" Text "readiness path; empty disables [/readyz]",
    "endpoints.metrics" Text "Prometheus metrics path; empty disables [/metrics]",
    "endpoints.metrics_allow" List "addresses/CIDR ranges that may read the metrics; empty: anyone",
    "endpoints.metrics_address" Text "serve the metrics on their own address, e.g. 127.0.0.1:9100",
    "log.level" Text "diagnostic log filter (RUST_LOG wins) [info]",
    "log.access" Text "access log: common, combined, json or off [common]",
    "telemetry.endpoint" Text "OTLP/HTTP collector to export traces to, e.g. http://127.0.0.1:4318 (OTEL_EXPORTER_OTLP_ENDPOINT wins)",
    "telemetry.service_name" Text "the service.name of exported spans (OTEL_SERVICE_NAME wins) [rws]",
    "telemetry.exclude" List "paths left untraced, e.g. /healthz, /readyz",
    "proxy" Tables "[[proxy]] tables: path, upstreams, weights, strategy, hash_key, health_check, health_interval, health_timeout, connect_timeout, response_timeout, idle_timeout, max_fails, fail_timeout, retries, strip_prefix, rewrite_host, http2, ca_root, via",
    "mcp.enabled" Bool "serve the root's files as MCP resources at mcp.path [false]",
    "mcp.path" Text "where the MCP endpoint is [/mcp]",
    "mcp.allowed_hosts" List "names the MCP endpoint answers to besides loopback, e.g. example.com",
    "telemetry.trace_id_header" Text "response header echoing the trace id, e.g. x-trace-id; empty: none",
}

/// `; did you mean `port`?` for a near miss.
pub(super) fn suggest(name: &str) -> String {
    KEYS.iter()
        .map(|k| (distance(name, k.name), k.name))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| format!("; did you mean `{k}`?"))
        .unwrap_or_default()
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}
