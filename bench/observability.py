"""The driver behind bench/observability.sh: the same rws server bare, with metrics, and with
OpenTelemetry (sampled and not), each round running every variant back to back; the cost is
the median of each round's throughput ratio to the bare server."""

import os
import statistics
import subprocess
import sys
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(__file__))
from compare import (  # noqa: E402
    CONNECTIONS, CORES, DURATION, PIN_SERVER, PORT, ROUNDS, median, port_in_use, run_wrk, wait_port,
    write_result,
)

WORKLOADS = [
    ("plaintext", "GET /plaintext", "/plaintext"),
    ("params", "GET /users/:user/posts/:post (150 routes)", "/users/42/posts/7"),
]
VARIANTS = [
    ("bare", "rws", {}),
    ("metrics", "rws + MetricsLayer", {"BENCH_OBSERVE": "metrics"}),
    ("otel", "rws + OtelLayer, sampled, OTLP export", {"BENCH_OBSERVE": "otel", "OTEL_TRACES_SAMPLER": "always_on"}),
    ("otel-off", "rws + OtelLayer, sampler off", {"BENCH_OBSERVE": "otel", "OTEL_TRACES_SAMPLER": "always_off"}),
]


class Sink(BaseHTTPRequestHandler):
    """An OTLP/HTTP endpoint that reads each export and answers 200."""
    received = 0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        Sink.received += 1
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def one_run(variant, path, sink_port):
    env = dict(os.environ, RWS_CONFIG_ADDRESS="127.0.0.1", RWS_CONFIG_PORT=str(PORT), RUST_LOG="off",
               OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{sink_port}", OTEL_SERVICE_NAME="bench")
    env.update(variant[2])
    if port_in_use():
        raise SystemExit(f"port {PORT} is already in use: another server would be measured")
    proc = subprocess.Popen(PIN_SERVER + ["target/release/bench-rws"], env=env)
    try:
        wait_port(proc)
        rps, p50, p99 = run_wrk(path, None, None)
    finally:
        proc.terminate()
        proc.wait()
    return {"rps": rps, "p50": p50, "p99": p99}


def main():
    sink = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    runs = {}
    for r in range(ROUNDS):
        for name, _, path in WORKLOADS:
            for variant in VARIANTS:
                result = one_run(variant, path, sink.server_address[1])
                runs.setdefault((name, variant[0]), []).append(result)
                print(f"round {r + 1}/{ROUNDS} {name:<10} {variant[0]:<9} {result['rps']:>10.0f} req/s "
                      f"p99 {result['p99']:.2f} ms", flush=True)

    lines = [
        "# What observability costs rws",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d}, {CORES} cores, server pinned to core {CORES - 1} with one tokio worker, "
        f"`wrk -t1 -c{CONNECTIONS} -d{DURATION}` pinned to core 0, {ROUNDS} interleaved rounds, medians. "
        "OTLP/HTTP protobuf export to a local sink (the driver) with the SDK's default batching. "
        f"{Sink.received} exports received. Reproduce with `bench/observability.sh`.",
        "",
        "vs bare is the median of each round's ratio to the bare server (all variants run back to back in a round), "
        "with the range. Goals: metrics ≥ 0.95, tracing with the sampler off ≥ 0.97.",
        "",
        "| workload | variant | requests/s | p50 | p99 | vs bare (range) |",
        "|---|---|---|---|---|---|",
    ]
    for name, title, _ in WORKLOADS:
        for key, label, _ in VARIANTS:
            ratio = ""
            if key != "bare":
                ratios = [v["rps"] / b["rps"] for v, b in zip(runs[(name, key)], runs[(name, "bare")])]
                ratio = f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})"
            lines.append(f"| {title} | {label} | {median(runs, name, key, 'rps'):,.0f} | "
                         f"{median(runs, name, key, 'p50'):.2f} ms | {median(runs, name, key, 'p99'):.2f} ms | {ratio} |")
    write_result("observability.md", lines)


if __name__ == "__main__":
    sys.exit(main())
