//! `OtelLayer`: one server span per request, parented on the caller's trace.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use http::header::{HOST, USER_AGENT};
use http::{HeaderName, HeaderValue, Version};
use opentelemetry::global::BoxedTracer;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{FutureExt, SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};
use opentelemetry_http::HeaderExtractor;

use super::b3::{B3Encoding, B3Propagator};
use crate::context::RequestContext;
use crate::extract::MatchedPath;
use crate::middleware::{Middleware, Next};
use crate::{Request, Response};

/// Traces every request as an OpenTelemetry server span named `{method} {route}` (the route's
/// pattern, never the raw path), with the HTTP semantic-convention attributes and an error
/// status on 5xx. The caller's context is read with the propagators chosen
/// ([`propagate_w3c`](Self::propagate_w3c), [`propagate_b3`](Self::propagate_b3)); an absent
/// or invalid one starts a new trace. While the handler runs the span is the current
/// OpenTelemetry context, so `tracing` spans made inside nest under it (bridged by
/// [`Telemetry::tracing_layer`](super::Telemetry::tracing_layer)), and
/// [`otel::inject`](super::inject) carries it to outgoing requests.
///
/// ```
/// use rws::prelude::*;
/// use rws::otel::OtelLayer;
/// use opentelemetry::trace::TracerProvider as _;
///
/// let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
/// let tracer = provider.tracer("my-service");
/// let app = App::new()
///     .get("/users/:id", || async { "ada" })
///     .wrap(OtelLayer::new(tracer).propagate_b3().propagate_w3c());
/// ```
#[derive(Clone)]
pub struct OtelLayer {
    tracer: Arc<BoxedTracer>,
    // Read in order; a later one that finds a valid context wins.
    propagators: Vec<Arc<dyn TextMapPropagator + Send + Sync>>,
    // Every header the propagators read: a request carrying none of them starts a trace
    // without asking each propagator to look up its names by string.
    fields: Vec<HeaderName>,
    excluded: Vec<String>,
    echo: Option<HeaderName>,
}

impl std::fmt::Debug for OtelLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtelLayer")
            .field("propagators", &self.propagators)
            .field("excluded", &self.excluded)
            .field("echo", &self.echo)
            .finish_non_exhaustive()
    }
}

impl OtelLayer {
    /// Spans made with `tracer` (say `provider.tracer("my-service")`); no propagator yet: every
    /// request starts a trace until one is added.
    pub fn new<T>(tracer: T) -> Self
    where
        T: Tracer + Send + Sync + 'static,
        T::Span: Send + Sync + 'static,
    {
        OtelLayer {
            tracer: Arc::new(BoxedTracer::new(Box::new(tracer))),
            propagators: Vec::new(),
            fields: Vec::new(),
            excluded: Vec::new(),
            echo: None,
        }
    }

    fn propagate(mut self, propagator: impl TextMapPropagator + Send + Sync + 'static) -> Self {
        for field in propagator.fields() {
            if let Ok(name) = HeaderName::from_bytes(field.as_bytes())
                && !self.fields.contains(&name)
            {
                self.fields.push(name);
            }
        }
        self.propagators.push(Arc::new(propagator));
        self
    }

    /// Reads (and [`inject`](super::inject) writes) W3C Trace Context: `traceparent`,
    /// `tracestate`.
    #[must_use]
    pub fn propagate_w3c(self) -> Self {
        self.propagate(opentelemetry_sdk::propagation::TraceContextPropagator::new())
    }

    /// Reads B3, the single `b3` header and the multi `X-B3-*` ones; writes the single one.
    #[must_use]
    pub fn propagate_b3(self) -> Self {
        self.propagate(B3Propagator(B3Encoding::Single))
    }

    /// Reads B3 (both forms); writes the multi `X-B3-*` headers.
    #[must_use]
    pub fn propagate_b3_multi(self) -> Self {
        self.propagate(B3Propagator(B3Encoding::Multi))
    }

    /// Reads and writes W3C `baggage`.
    #[must_use]
    pub fn propagate_baggage(self) -> Self {
        self.propagate(opentelemetry_sdk::propagation::BaggagePropagator::new())
    }

    /// The propagators `OTEL_PROPAGATORS` names (`tracecontext`, `baggage`, `b3`, `b3multi`;
    /// `none`), default `tracecontext,baggage` as the specification says.
    #[must_use]
    pub fn propagate_from_env(self) -> Self {
        super::Propagators::from_env().apply(self)
    }

    /// Leaves requests to `path` untraced (`/healthz`, say).
    #[must_use]
    pub fn exclude(mut self, path: impl Into<String>) -> Self {
        self.excluded.push(path.into());
        self
    }

    /// Answers every traced request with its trace id in the header `name` (for instance
    /// `x-trace-id`), for clients to quote in bug reports. Off unless asked for.
    #[must_use]
    pub fn echo_trace_id(mut self, name: HeaderName) -> Self {
        self.echo = Some(name);
        self
    }

    /// The caller's context, read on an empty one: garbage or nothing starts a new trace.
    fn parent(&self, req: &Request) -> Context {
        if !req.headers().keys().any(|name| self.fields.contains(name)) {
            return Context::new();
        }
        let headers = HeaderExtractor(req.headers());
        self.propagators.iter().fold(Context::new(), |cx, p| {
            p.extract_with_context(&cx, &headers)
        })
    }
}

/// The version as the semantic conventions spell it.
fn protocol_version(version: Version) -> &'static str {
    match version {
        Version::HTTP_09 => "0.9",
        Version::HTTP_10 => "1.0",
        Version::HTTP_2 => "2",
        Version::HTTP_3 => "3",
        _ => "1.1",
    }
}

/// The method as a static string when it is a standard one (no allocation), else owned.
fn method_value(method: &http::Method) -> Cow<'static, str> {
    const STANDARD: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE",
    ];
    match STANDARD.iter().find(|m| **m == method.as_str()) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(method.as_str().to_owned()),
    }
}

/// What samplers see at the span's start: cheap, no allocation for common requests.
fn sampler_attributes(req: &Request) -> Vec<KeyValue> {
    let secure = RequestContext::is_secure(req.extensions(), req.headers());
    vec![
        KeyValue::new("http.request.method", method_value(req.method())),
        KeyValue::new("url.scheme", if secure { "https" } else { "http" }),
        KeyValue::new("network.protocol.version", protocol_version(req.version())),
    ]
}

/// The rest of the request's attributes, for a span that records.
fn attributes(req: &Request) -> Vec<KeyValue> {
    let mut attrs = Vec::with_capacity(6);
    attrs.push(KeyValue::new("url.path", req.uri().path().to_owned()));
    let authority = req
        .uri()
        .authority()
        .map(|a| Cow::Borrowed(a.as_str()))
        .or_else(|| {
            let host = req.headers().get(HOST)?.to_str().ok()?;
            Some(Cow::Owned(host.to_owned()))
        });
    let connection = req
        .extensions()
        .get::<RequestContext>()
        .and_then(|ctx| ctx.connection.as_deref());
    if let Some(authority) = authority {
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
                (host.to_owned(), port.parse::<i64>().ok())
            }
            _ => (authority.into_owned(), None),
        };
        attrs.push(KeyValue::new("server.address", host));
        let port = port.or_else(|| connection.map(|c| i64::from(c.local_addr().port())));
        if let Some(port) = port {
            attrs.push(KeyValue::new("server.port", port));
        }
    }
    if let Some(connection) = connection {
        let mut address = String::with_capacity(15);
        crate::ip::push_ip(&mut address, connection.peer_addr().ip());
        attrs.push(KeyValue::new("client.address", address));
    }
    if let Some(agent) = req.headers().get(USER_AGENT).and_then(|v| v.to_str().ok()) {
        attrs.push(KeyValue::new("user_agent.original", agent.to_owned()));
    }
    attrs
}

impl Middleware for OtelLayer {
    // Not an `async fn`: the span is started and the request handed on before the returned
    // future exists, so that future holds no `Request` (an async fn keeps its arguments for
    // its whole life) and stays small enough for the allocator's fast path when boxed.
    fn handle(&self, mut req: Request, next: Next) -> impl Future<Output = Response> + Send {
        let inner = self;
        if inner.excluded.iter().any(|p| p == req.uri().path()) {
            return Either::Left {
                future: next.run(req),
            };
        }
        let parent = self.parent(&req);
        let method = method_value(req.method());
        let builder = inner
            .tracer
            .span_builder(method.clone())
            .with_kind(SpanKind::Server)
            .with_attributes(sampler_attributes(&req));
        let span = inner.tracer.build_with_context(builder, &parent);
        let cx = parent.with_span(span);
        let recording = cx.span().is_recording();
        if recording {
            cx.span().set_attributes(attributes(&req));
        }
        let trace = cx.span().span_context().clone();
        let current = tracing::Span::current();
        if trace.is_valid() && !current.is_disabled() {
            current.record("trace_id", tracing::field::display(trace.trace_id()));
            current.record("span_id", tracing::field::display(trace.span_id()));
        }
        // The route only names a span that records.
        let routed = recording.then(|| MatchedPath::after_routing(&mut req));
        let handled = next.run(req).with_context(cx.clone());
        Either::Right {
            future: async move {
                let mut res = handled.await;
                let span = cx.span();
                // A request no route matched is named by its method alone, as the conventions say.
                if let Some(route) = routed.and_then(|routed| routed.get()) {
                    span.update_name(format!("{method} {route}"));
                    span.set_attribute(KeyValue::new("http.route", route.as_str().to_owned()));
                }
                let status = res.status();
                if recording {
                    span.set_attribute(KeyValue::new(
                        "http.response.status_code",
                        i64::from(status.as_u16()),
                    ));
                }
                if recording && status.is_server_error() {
                    span.set_status(Status::error(status.as_str().to_owned()));
                }
                span.end();
                if let Some(name) = &inner.echo
                    && trace.is_valid()
                    && let Ok(value) = HeaderValue::from_str(&trace.trace_id().to_string())
                {
                    res.headers_mut().insert(name.clone(), value);
                }
                res
            },
        }
    }
}

pin_project_lite::pin_project! {
    /// An excluded request's future, or a traced one's.
    #[project = EitherProj]
    enum Either<L, R> {
        Left { #[pin] future: L },
        Right { #[pin] future: R },
    }
}

impl<L: Future, R: Future<Output = L::Output>> Future for Either<L, R> {
    type Output = L::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<L::Output> {
        match self.project() {
            EitherProj::Left { future } => future.poll(cx),
            EitherProj::Right { future } => future.poll(cx),
        }
    }
}
