//! The two text formats a scraper may ask for, chosen by `Accept`.

use http::header::{ACCEPT, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue};
use prometheus_client::registry::Registry;

use crate::Response;

/// An exposition format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    /// `OpenMetrics` 1.0: what Prometheus asks for first.
    OpenMetrics,
    /// The Prometheus text format 0.0.4: for `curl`, older scrapers, anything else.
    Text,
}

impl Format {
    /// `OpenMetrics` when `Accept` ranks it above the plain text format (or names it and no
    /// text type), else text.
    pub(super) fn negotiate(headers: &HeaderMap) -> Format {
        let (mut open, mut text) = (0, 0);
        for (media, q) in crate::header_list::weighted(headers, &ACCEPT) {
            if media.eq_ignore_ascii_case("application/openmetrics-text") {
                open = open.max(q);
            } else if media.eq_ignore_ascii_case("text/plain") {
                text = text.max(q);
            }
        }
        if open > 0 && open >= text {
            Format::OpenMetrics
        } else {
            Format::Text
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
        }
    }

    pub(super) fn encode(self, registry: &Registry) -> String {
        let mut text = String::with_capacity(8192);
        // Writing into a String cannot fail.
        let _ = match self {
            Format::OpenMetrics => prometheus_client::encoding::text::encode(&mut text, registry),
            Format::Text => {
                prometheus_client::encoding::prometheus_text::encode(&mut text, registry)
            }
        };
        text
    }

    pub(super) fn response(self, body: String) -> Response {
        let mut res = Response::new(crate::Body::from(body));
        res.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(self.content_type()));
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn negotiate(accept: &str) -> Format {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(accept).unwrap());
        Format::negotiate(&headers)
    }

    #[test]
    fn prometheus_gets_openmetrics_and_curl_gets_text() {
        // What Prometheus 2.x sends.
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(negotiate(prometheus), Format::OpenMetrics);
        assert_eq!(negotiate("*/*"), Format::Text);
        assert_eq!(negotiate("text/plain"), Format::Text);
        assert_eq!(
            negotiate("text/plain;q=0.9, application/openmetrics-text;q=0.5"),
            Format::Text
        );
        assert_eq!(negotiate("application/openmetrics-text;q=0"), Format::Text);
        assert_eq!(Format::negotiate(&HeaderMap::new()), Format::Text);
    }
}
