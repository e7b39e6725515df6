"""The driver behind bench/compare.sh: runs wrk against each server, collects requests/s,
latency percentiles and memory, and writes the medians of interleaved rounds."""

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone

SERVERS = ["hyper", "axum", "rws"]
WORKLOADS = [
    ("plaintext", "GET /plaintext", "/plaintext", None),
    ("json", "GET /json", "/json", None),
    ("params", "GET /users/:user/posts/:post (150 routes)", "/users/42/posts/7", None),
    ("echo", "POST /echo, 16 KiB JSON", "/echo", "post"),
    # The same two with compression, request id and a never-tripping per-IP rate limit in front
    # (tower-http and tower_governor for axum; bare hyper has no such layers and sits out).
    ("plaintext+layers", "GET /plaintext + layers", "/plaintext", None),
    ("json+layers", "GET /json + layers", "/json", None),
]


def servers(workload):
    return ["axum", "rws"] if workload.endswith("+layers") else SERVERS
DURATION = os.environ.get("BENCH_DURATION", "10s")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "64")
PORT = int(os.environ.get("BENCH_PORT", "18080"))
CORES = os.cpu_count() or 1
# Server on the last core, load generator on the first, when there are two or more.
PIN_SERVER = ["taskset", "-c", str(CORES - 1)] if CORES > 1 else []
PIN_LOAD = ["taskset", "-c", "0"] if CORES > 1 else []


def ratio_cell(runs, name, ours="rws", theirs="axum"):
    """The median of each round's ratio (both servers run back to back in a round), and the
    rounds' range: this machine drifts between rounds more than the servers differ."""
    ratios = [o["rps"] / t["rps"] for o, t in zip(runs[(name, ours)], runs[(name, theirs)])]
    return f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})"


def median(runs, name, server, key):
    """The median of `key` over the rounds of `server` on workload `name`."""
    return statistics.median(run[key] for run in runs[(name, server)])


def write_result(name, lines):
    """Prints the table and writes it to bench/results/NAME."""
    table = "\n".join(lines) + "\n"
    print("\n" + table)
    os.makedirs("bench/results", exist_ok=True)
    with open(os.path.join("bench/results", name), "w") as f:
        f.write(table)


def echo_body(path):
    items = []
    i = 0
    while len(json.dumps({"items": items})) < 16 * 1024:
        items.append({"id": i, "name": f"item number {i}", "price": 1000 + i, "tags": ["a", "bb", "ccc"]})
        i += 1
    with open(path, "w") as f:
        json.dump({"items": items}, f)


def status_kib(pid, key):
    """A /proc/PID/status figure in KiB; 0 once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def port_in_use(port=PORT):
    import socket
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_port(proc, url=f"http://127.0.0.1:{PORT}/plaintext"):
    """Waits until `url` answers, failing if the server exits first."""
    for _ in range(500):
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode} before listening")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except Exception:
            time.sleep(0.02)
    raise SystemExit(f"server {proc.pid} did not start")


def to_ms(text):
    parsed = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not parsed:
        raise SystemExit(f"unexpected wrk latency {text!r}")
    value, unit = parsed.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(path, script, body_file, headers=()):
    cmd = PIN_LOAD + ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency"]
    for header in headers:
        cmd += ["-H", header]
    env = dict(os.environ)
    if script:
        cmd += ["-s", os.path.join(os.path.dirname(__file__), "post.lua")]
        env["BENCH_BODY"] = body_file
    cmd.append(f"http://127.0.0.1:{PORT}{path}")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if bad:
        raise SystemExit(f"{path}: {bad.group(1)} non-2xx responses:\n{out}")
    return rps, p50, p99


def one_run(server, workload, body_file):
    name, _, path, script = workload
    layered = name.endswith("+layers")
    env = dict(os.environ, RWS_CONFIG_ADDRESS="127.0.0.1", RWS_CONFIG_PORT=str(PORT), RUST_LOG="off",
               BENCH_LAYERS="1" if layered else "0")
    if port_in_use():
        raise SystemExit(f"port {PORT} is already in use: another server would be measured")
    proc = subprocess.Popen(PIN_SERVER + [f"target/release/bench-{server}"], env=env)
    try:
        wait_port(proc)
        idle = status_kib(proc.pid, "VmRSS")
        headers = ["Accept-Encoding: gzip, br"] if layered else []
        rps, p50, p99 = run_wrk(path, script, body_file, headers)
        peak = status_kib(proc.pid, "VmHWM")
    finally:
        proc.terminate()
        proc.wait()
    return {"rps": rps, "p50": p50, "p99": p99, "idle_kib": idle, "peak_kib": peak}


def main():
    body_file = os.path.join(tempfile.mkdtemp(), "echo.json")
    echo_body(body_file)
    runs = {}
    for r in range(ROUNDS):
        for workload in WORKLOADS:
            for server in servers(workload[0]):
                result = one_run(server, workload, body_file)
                runs.setdefault((workload[0], server), []).append(result)
                print(f"round {r + 1}/{ROUNDS} {workload[0]:<9} {server:<5} {result['rps']:>10.0f} req/s "
                      f"p50 {result['p50']:.2f} ms p99 {result['p99']:.2f} ms peak {result['peak_kib'] / 1024:.1f} MiB",
                      flush=True)

    def med(workload, server, key):
        return median(runs, workload, server, key)

    lines = [
        "# rws vs bare hyper vs axum",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d}, {CORES} cores, server pinned to core {CORES - 1} with one tokio worker, "
        f"`wrk -t1 -c{CONNECTIONS} -d{DURATION}` pinned to core 0, {ROUNDS} interleaved rounds, medians. "
        "Reproduce with `bench/compare.sh`.",
        "",
        "| workload | server | requests/s | p50 | p99 | idle RSS | peak RSS | rws/hyper | rws/axum |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, title, _, _ in WORKLOADS:
        for server in servers(name):
            rps = med(name, server, "rps")
            ratios = ["", ""]
            if server == "rws":
                hyper = f"{rps / med(name, 'hyper', 'rps'):.2f}" if "hyper" in servers(name) else "-"
                ratios = [hyper, f"{rps / med(name, 'axum', 'rps'):.2f}"]
            lines.append(
                f"| {title} | {server} | {rps:,.0f} | {med(name, server, 'p50'):.2f} ms | {med(name, server, 'p99'):.2f} ms | "
                f"{med(name, server, 'idle_kib') / 1024:.1f} MiB | {med(name, server, 'peak_kib') / 1024:.1f} MiB | "
                f"{ratios[0]} | {ratios[1]} |"
            )
    write_result("latest.md", lines)


if __name__ == "__main__":
    sys.exit(main())
