//! B3 propagation (Zipkin's; <https://github.com/openzipkin/b3-propagation>): the single `b3`
//! header and the multi `X-B3-*` headers. Extraction reads both (single first); injection
//! writes the form the propagator was made for.

use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{SpanContext, TraceContextExt, TraceFlags, TraceState};
use opentelemetry::{Context, SpanId, TraceId};

const SINGLE: &str = "b3";
const TRACE_ID: &str = "x-b3-traceid";
const SPAN_ID: &str = "x-b3-spanid";
const SAMPLED: &str = "x-b3-sampled";
const FLAGS: &str = "x-b3-flags";
static FIELDS: std::sync::LazyLock<[String; 5]> =
    std::sync::LazyLock::new(|| [SINGLE, TRACE_ID, SPAN_ID, SAMPLED, FLAGS].map(str::to_owned));

/// Which B3 headers a [`B3Propagator`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum B3Encoding {
    /// `b3: {trace}-{span}-{sampled}`
    Single,
    /// `X-B3-TraceId`, `X-B3-SpanId`, `X-B3-Sampled`
    Multi,
}

/// The B3 propagator.
#[derive(Debug, Clone, Copy)]
pub(crate) struct B3Propagator(pub(crate) B3Encoding);

/// A 64- or 128-bit trace id in lower hex (64-bit ones are left-padded, as B3 says).
fn trace_id(hex: &str) -> Option<TraceId> {
    let ok = (hex.len() == 16 || hex.len() == 32) && hex.bytes().all(|b| b.is_ascii_hexdigit());
    let id = TraceId::from_hex(hex).ok().filter(|_| ok)?;
    (id != TraceId::INVALID).then_some(id)
}

fn span_id(hex: &str) -> Option<SpanId> {
    let ok = hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    let id = SpanId::from_hex(hex).ok().filter(|_| ok)?;
    (id != SpanId::INVALID).then_some(id)
}

/// `1`/`d` (debug) sample, `0` does not, absent defers (taken as sampled: the caller asked us
/// to trace by sending ids). Anything else is invalid.
fn sampled(flag: Option<&str>) -> Option<TraceFlags> {
    match flag {
        None | Some("1" | "d" | "true") => Some(TraceFlags::SAMPLED),
        Some("0" | "false") => Some(TraceFlags::default()),
        Some(_) => None,
    }
}

fn remote(trace: TraceId, span: SpanId, flags: TraceFlags) -> SpanContext {
    SpanContext::new(trace, span, flags, true, TraceState::default())
}

/// `{trace}-{span}[-{sampled}[-{parent}]]`; a lone `0` (do not sample) carries no ids and
/// starts nothing.
fn single(value: &str) -> Option<SpanContext> {
    let mut parts = value.trim().split('-');
    let trace = trace_id(parts.next()?)?;
    let span = span_id(parts.next()?)?;
    let flags = sampled(parts.next())?;
    if let Some(parent) = parts.next() {
        span_id(parent)?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(remote(trace, span, flags))
}

fn multi(extractor: &dyn Extractor) -> Option<SpanContext> {
    let trace = trace_id(extractor.get(TRACE_ID)?.trim())?;
    let span = span_id(extractor.get(SPAN_ID)?.trim())?;
    let flags = if extractor.get(FLAGS).map(str::trim) == Some("1") {
        TraceFlags::SAMPLED
    } else {
        sampled(extractor.get(SAMPLED).map(str::trim))?
    };
    Some(remote(trace, span, flags))
}

impl TextMapPropagator for B3Propagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let context = span.span_context();
        if !context.is_valid() {
            return;
        }
        let flag = if context.is_sampled() { "1" } else { "0" };
        match self.0 {
            B3Encoding::Single => injector.set(
                SINGLE,
                format!("{}-{}-{flag}", context.trace_id(), context.span_id()),
            ),
            B3Encoding::Multi => {
                injector.set(TRACE_ID, context.trace_id().to_string());
                injector.set(SPAN_ID, context.span_id().to_string());
                injector.set(SAMPLED, flag.to_owned());
            }
        }
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let found = match extractor.get(SINGLE) {
            Some(value) => single(value),
            None => multi(extractor),
        };
        match found {
            Some(context) => cx.with_remote_span_context(context),
            None => cx.clone(),
        }
    }

    fn fields(&self) -> opentelemetry::propagation::text_map_propagator::FieldIter<'_> {
        opentelemetry::propagation::text_map_propagator::FieldIter::new(&*FIELDS)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn extract(headers: &[(&str, &str)]) -> SpanContext {
        let map: HashMap<String, String> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let cx = B3Propagator(B3Encoding::Single).extract_with_context(&Context::new(), &map);
        cx.span().span_context().clone()
    }

    #[test]
    fn single_and_multi_headers_are_read_and_garbage_is_not() {
        let trace = "463ac35c9f6413ad48485a3953bb6124";
        let got = extract(&[("b3", &format!("{trace}-0020000000000001-1"))]);
        assert_eq!(got.trace_id().to_string(), trace);
        assert_eq!(got.span_id().to_string(), "0020000000000001");
        assert!(got.is_sampled() && got.is_remote());
        // A 64-bit trace id is padded.
        let got = extract(&[("b3", "48485a3953bb6124-0020000000000001-0")]);
        assert_eq!(
            got.trace_id().to_string(),
            "000000000000000048485a3953bb6124"
        );
        assert!(!got.is_sampled());
        let got = extract(&[
            ("x-b3-traceid", trace),
            ("x-b3-spanid", "0020000000000001"),
            ("x-b3-sampled", "1"),
        ]);
        assert_eq!(got.trace_id().to_string(), trace);
        for garbage in [
            "0",
            "zz3ac35c9f6413ad48485a3953bb6124-0020000000000001-1",
            "00000000000000000000000000000000-0020000000000001-1",
            "463ac35c9f6413ad48485a3953bb6124-0000000000000000-1",
            "463ac35c9f6413ad48485a3953bb6124-0020000000000001-7",
            "463ac35c9f6413ad-48485a3953bb6124-0020000000000001-1-x",
            "463ac35c9f6413ad48485a3953bb612-0020000000000001",
        ] {
            assert!(!extract(&[("b3", garbage)]).is_valid(), "{garbage}");
        }
    }
}
