"""The driver behind bench/https.sh: h2load against rws and axum-server over TLS, HTTP/1.1 and
HTTP/2 by ALPN, interleaved rounds, medians. Shares compare.py's helpers."""

import os
import re
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(__file__))
from compare import (  # noqa: E402
    CORES, PIN_LOAD, PIN_SERVER, PORT, ROUNDS, median, port_in_use, ratio_cell, status_kib, write_result,
)

SERVERS = ["axum", "rws"]
DURATION = int(os.environ.get("BENCH_DURATION", "10").rstrip("s"))
CLIENTS = os.environ.get("BENCH_CONNECTIONS", "64")
# (name, title, h2load protocol flags): HTTP/2 keeps 10 requests in flight per connection.
WORKLOADS = [
    ("h1", "HTTPS GET /plaintext, HTTP/1.1", ["--h1"]),
    ("h2", "HTTPS GET /plaintext, HTTP/2 (10 streams per connection)", ["-m", "10"]),
]


def certificate(folder):
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True)
    return cert, key


def wait_https(proc):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    for _ in range(500):
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode} before listening")
        try:
            urllib.request.urlopen(f"https://127.0.0.1:{PORT}/plaintext", timeout=1, context=context).read()
            return
        except Exception:
            time.sleep(0.02)
    raise SystemExit(f"server {proc.pid} did not start")


def run_h2load(flags):
    cmd = PIN_LOAD + ["h2load", "-t1", f"-c{CLIENTS}", f"-D{DURATION}", "--warm-up-time=1"] + flags
    cmd.append(f"https://127.0.0.1:{PORT}/plaintext")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out).group(1))
    status = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    failed = re.search(r"(\d+) failed, (\d+) errored", out)
    if status is None or int(status.group(1)) == 0 or any(int(g) for g in status.groups()[1:]):
        raise SystemExit(f"h2load saw non-2xx responses:\n{out}")
    if failed and (int(failed.group(1)) or int(failed.group(2))):
        raise SystemExit(f"h2load saw failures:\n{out}")
    protocol = re.search(r"Application protocol: (\S+)", out)
    return rps, protocol.group(1) if protocol else "?"


def one_run(server, flags, cert, key):
    env = dict(os.environ, RWS_CONFIG_ADDRESS="127.0.0.1", RWS_CONFIG_PORT=str(PORT), RUST_LOG="off",
               BENCH_TLS_CERT=cert, BENCH_TLS_KEY=key)
    if port_in_use():
        raise SystemExit(f"port {PORT} is already in use: another server would be measured")
    proc = subprocess.Popen(PIN_SERVER + [f"target/release/bench-{server}"], env=env)
    try:
        wait_https(proc)
        rps, protocol = run_h2load(flags)
        peak = status_kib(proc.pid, "VmHWM")
    finally:
        proc.terminate()
        proc.wait()
    return {"rps": rps, "protocol": protocol, "peak_kib": peak}


def main():
    cert, key = certificate(tempfile.mkdtemp())
    runs = {}
    for r in range(ROUNDS):
        for name, _, flags in WORKLOADS:
            for server in SERVERS:
                result = one_run(server, flags, cert, key)
                runs.setdefault((name, server), []).append(result)
                print(f"round {r + 1}/{ROUNDS} {name} {server:<5} {result['rps']:>10.0f} req/s "
                      f"({result['protocol']}) peak {result['peak_kib'] / 1024:.1f} MiB", flush=True)

    def med(name, server, key):
        return median(runs, name, server, key)

    lines = [
        "# rws vs axum over HTTPS",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d}, {CORES} cores, server pinned to core {CORES - 1} with one tokio worker, "
        f"`h2load -t1 -c{CLIENTS} -D{DURATION}` pinned to core 0, {ROUNDS} interleaved rounds, medians. Both servers "
        "use rustls 0.23 with the ring provider and a P-256 certificate; axum through axum-server. "
        "Reproduce with `bench/https.sh`.",
        "",
        "rws/axum is the median of each round's ratio (the two servers run back to back in a round), with the",
        "rounds' range: this machine's throughput drifts between rounds more than the servers differ.",
        "",
        "| workload | server | ALPN | requests/s | peak RSS | rws/axum (range) |",
        "|---|---|---|---|---|---|",
    ]
    for name, title, _ in WORKLOADS:
        for server in SERVERS:
            rps = med(name, server, "rps")
            ratio = ""
            if server == "rws":
                ratio = ratio_cell(runs, name)
            protocol = runs[(name, server)][0]["protocol"]
            lines.append(f"| {title} | {server} | {protocol} | {rps:,.0f} | "
                         f"{med(name, server, 'peak_kib') / 1024:.1f} MiB | {ratio} |")
    write_result("https.md", lines)

if __name__ == "__main__":
    sys.exit(main())
