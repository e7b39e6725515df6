//! The access log: one `tracing` event per request, in common, combined or JSON format.

use std::fmt::{self, Write as _};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use http::{Method, header};
use http_body::Body as _;
use serde::{Deserialize, Serialize};

use super::{Middleware, Next};
use crate::extract::ClientIp;
use crate::{Request, Response};

/// The access log's line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum AccessLogFormat {
    /// NCSA common log format: `peer - - [date] "GET / HTTP/1.1" 200 512`.
    Common,
    /// Combined: common plus `"referer" "user-agent"`.
    Combined,
    /// One JSON object per line.
    Json,
    /// No access log.
    Off,
}

/// Logs every request once its response is ready, as an `INFO` event of target `rws::access`
/// whose message is the formatted line, with the fields `method`, `path`, `status`, `bytes`,
/// `duration_us` and `peer` for structured subscribers.
///
/// `bytes` is the body's length when it is known up front (`-` for a stream); the duration runs
/// until the response head is ready. Wrap the whole app so that 404s are logged too:
///
/// ```
/// use rws::prelude::*;
/// use rws::middleware::{AccessLogLayer, AccessLogFormat};
///
/// let app = App::new().wrap(AccessLogLayer::new(AccessLogFormat::Combined));
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct AccessLogLayer {
    format: AccessLogFormat,
}

impl AccessLogLayer {
    /// An access log in `format`.
    pub fn new(format: AccessLogFormat) -> Self {
        AccessLogLayer { format }
    }
}

/// What is kept of the request until the response is there.
struct Seen {
    method: Method,
    target: String,
    version: http::Version,
    peer: Option<std::net::IpAddr>,
    referer: Option<String>,
    user_agent: Option<String>,
    // The trace and span ids of the request's OpenTelemetry span, when one is active.
    trace: Option<(String, String)>,
}

impl Middleware for AccessLogLayer {
    async fn handle(&self, req: Request, next: Next) -> Response {
        if self.format == AccessLogFormat::Off {
            return next.run(req).await;
        }
        let started = Instant::now();
        let seen = seen(&req);
        let res = next.run(req).await;
        let status = res.status().as_u16();
        let bytes = if seen.method == Method::HEAD {
            Some(0)
        } else {
            res.body().size_hint().exact()
        };
        let duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let line = format_line(
            self.format,
            &seen,
            status,
            bytes,
            duration_us,
            SystemTime::now(),
        );
        tracing::info!(
            target: "rws::access",
            method = %seen.method,
            path = %seen.target,
            status,
            bytes,
            duration_us,
            peer = seen.peer.map(tracing::field::display),
            "{line}"
        );
        res
    }
}

/// What the log line needs of the request.
fn seen(req: &Request) -> Seen {
    let header = |name| {
        req.headers()
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    Seen {
        method: req.method().clone(),
        target: req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_owned(), ToString::to_string),
        version: req.version(),
        peer: ClientIp::of(req.extensions(), req.headers()),
        referer: header(header::REFERER),
        user_agent: header(header::USER_AGENT),
        trace: current_trace(),
    }
}

/// The active OpenTelemetry span's ids (the request's, inside `OtelLayer`).
#[cfg(feature = "otel")]
fn current_trace() -> Option<(String, String)> {
    use opentelemetry::trace::TraceContextExt;
    let cx = opentelemetry::Context::current();
    let span = cx.span();
    let ids = span.span_context();
    ids.is_valid()
        .then(|| (ids.trace_id().to_string(), ids.span_id().to_string()))
}

#[cfg(not(feature = "otel"))]
fn current_trace() -> Option<(String, String)> {
    None
}

fn format_line(
    format: AccessLogFormat,
    seen: &Seen,
    status: u16,
    bytes: Option<u64>,
    duration_us: u64,
    now: SystemTime,
) -> String {
    let peer = seen.peer.map_or_else(|| "-".to_owned(), |p| p.to_string());
    let version = match seen.version {
        http::Version::HTTP_09 => "HTTP/0.9",
        http::Version::HTTP_10 => "HTTP/1.0",
        http::Version::HTTP_2 => "HTTP/2.0",
        http::Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    };
    if format == AccessLogFormat::Json {
        let mut line = serde_json::json!({
            "time": Civil::from(now).rfc3339(),
            "peer": seen.peer.map(|p| p.to_string()),
            "method": seen.method.as_str(),
            "path": seen.target,
            "version": version,
            "status": status,
            "bytes": bytes,
            "duration_ms": f64::from(u32::try_from(duration_us).unwrap_or(u32::MAX)) / 1000.0,
            "referer": seen.referer,
            "user_agent": seen.user_agent,
        });
        if let Some((trace, span)) = &seen.trace {
            line["trace_id"] = trace.as_str().into();
            line["span_id"] = span.as_str().into();
        }
        return line.to_string();
    }
    let mut line = format!(
        "{peer} - - [{}] \"{} {} {version}\" {status} ",
        Civil::from(now).clf(),
        seen.method,
        Escaped(&seen.target),
    );
    match bytes {
        Some(bytes) => {
            let _ = write!(line, "{bytes}");
        }
        None => line.push('-'),
    }
    if format == AccessLogFormat::Combined {
        let field = |v: &Option<String>| v.as_deref().unwrap_or("-").to_owned();
        let _ = write!(
            line,
            " \"{}\" \"{}\"",
            Escaped(&field(&seen.referer)),
            Escaped(&field(&seen.user_agent))
        );
    }
    if let Some((trace, span)) = &seen.trace {
        let _ = write!(line, " trace_id={trace} span_id={span}");
    }
    line
}

/// A quoted log field: `"` and `\` escaped, control bytes as `\xNN`, so that a client cannot
/// forge a line.
struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                c if c.is_control() => write!(f, "\\x{:02x}", u32::from(c))?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// A UTC calendar time, without a date crate: days to civil date per Howard Hinnant's algorithm.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u64,
    minute: u64,
    second: u64,
    millis: u32,
}

impl From<SystemTime> for Civil {
    fn from(t: SystemTime) -> Self {
        let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        let secs = d.as_secs();
        let days = i64::try_from(secs / 86_400).unwrap_or(0);
        let rem = secs % 86_400;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
        let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
        let year = yoe + era * 400 + i64::from(month <= 2);
        Civil {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem % 3600 / 60,
            second: rem % 60,
            millis: d.subsec_millis(),
        }
    }
}

impl Civil {
    const MONTHS: [&'static str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];

    /// `10/Oct/2000:13:55:36 +0000`
    fn clf(&self) -> String {
        let month = Self::MONTHS[(self.month as usize).clamp(1, 12) - 1];
        format!(
            "{:02}/{month}/{}:{:02}:{:02}:{:02} +0000",
            self.day, self.year, self.hour, self.minute, self.second
        )
    }

    /// `2000-10-10T13:55:36.123Z`
    fn rfc3339(&self) -> String {
        format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.millis
        )
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn seen() -> Seen {
        Seen {
            method: Method::GET,
            target: "/a?b=\"c\"".to_owned(),
            version: http::Version::HTTP_11,
            peer: Some("10.0.0.1".parse().unwrap()),
            referer: None,
            user_agent: Some("curl/8 \"x\"\n".to_owned()),
            trace: None,
        }
    }

    // 2000-10-10T13:55:36.5Z
    fn when() -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(971_186_136_500)
    }

    #[test]
    fn common_and_combined_lines() {
        let common = format_line(
            AccessLogFormat::Common,
            &seen(),
            200,
            Some(512),
            1500,
            when(),
        );
        assert_eq!(
            common,
            r#"10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET /a?b=\"c\" HTTP/1.1" 200 512"#
        );
        let combined = format_line(AccessLogFormat::Combined, &seen(), 404, None, 1500, when());
        assert_eq!(
            combined,
            r#"10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET /a?b=\"c\" HTTP/1.1" 404 - "-" "curl/8 \"x\"\x0a""#
        );
    }

    #[test]
    fn json_lines() {
        let line = format_line(AccessLogFormat::Json, &seen(), 201, Some(3), 1500, when());
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["time"], "2000-10-10T13:55:36.500Z");
        assert_eq!(v["peer"], "10.0.0.1");
        assert_eq!(v["method"], "GET");
        assert_eq!(v["path"], "/a?b=\"c\"");
        assert_eq!(v["status"], 201);
        assert_eq!(v["bytes"], 3);
        assert_eq!(v["duration_ms"], 1.5);
        assert_eq!(v["referer"], serde_json::Value::Null);
    }

    #[test]
    fn civil_dates() {
        let leap = Civil::from(UNIX_EPOCH + Duration::from_secs(951_782_400)); // 2000-02-29
        assert_eq!((leap.year, leap.month, leap.day), (2000, 2, 29));
        let epoch = Civil::from(UNIX_EPOCH);
        assert_eq!(epoch.rfc3339(), "1970-01-01T00:00:00.000Z");
    }
}
