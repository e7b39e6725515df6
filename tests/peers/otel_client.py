"""A client that traces its own requests with OpenTelemetry's Python SDK and sends its context
with the W3C and B3 propagators (`opentelemetry-propagator-b3`), for tests/otel.rs.

Usage: otel_client.py BASE_URL
Sends GET BASE_URL/healthz with `traceparent`, GET BASE_URL/ with a single `b3` header,
GET BASE_URL/healthz with `X-B3-*` headers, and GET BASE_URL/ with a malformed `traceparent`.
Prints one JSON object: for each, the trace and span id the client sent (hex) and the response
status and headers.
"""

import json
import sys
import urllib.request

from opentelemetry.propagators.b3 import B3MultiFormat, B3SingleFormat
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import format_span_id, format_trace_id
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

tracer = TracerProvider().get_tracer("rws-test-client")


def send(url, propagator, name):
    with tracer.start_as_current_span(name) as span:
        headers = {}
        propagator.inject(headers)
        ctx = span.get_span_context()
        res = urllib.request.urlopen(urllib.request.Request(url, headers=headers))
        return {
            "trace_id": format_trace_id(ctx.trace_id),
            "span_id": format_span_id(ctx.span_id),
            "sent": headers,
            "status": res.status,
            "headers": dict(res.headers),
        }


def main():
    base = sys.argv[1]
    report = {
        "w3c": send(f"{base}/healthz", TraceContextTextMapPropagator(), "w3c"),
        "b3": send(f"{base}/", B3SingleFormat(), "b3"),
        "b3multi": send(f"{base}/healthz", B3MultiFormat(), "b3multi"),
    }
    garbage = "00-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-00f067aa0ba902b7-01"
    res = urllib.request.urlopen(urllib.request.Request(f"{base}/", headers={"traceparent": garbage}))
    report["garbage"] = {"status": res.status, "headers": dict(res.headers)}
    print(json.dumps(report))


if __name__ == "__main__":
    sys.exit(main())
