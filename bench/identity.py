"""The driver behind bench/identity.sh: each server logs a client in once (its session cookie)
and issues it a token, then wrk replays them; interleaved rounds, medians, per-round ratios."""

import os
import subprocess
import sys
import urllib.request
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(__file__))
from compare import (  # noqa: E402
    CONNECTIONS, CORES, DURATION, PIN_SERVER, PORT, ROUNDS, port_in_use, ratio_cell, run_wrk, wait_port,
    median, write_result,
)

SERVERS = ["axum", "rws"]
WORKLOADS = [
    ("session-read", "GET, session loaded and read", "/session/read", "cookie"),
    ("session-write", "GET, session loaded, changed and saved", "/session/write", "cookie"),
    ("jwt", "GET, HS256 bearer token verified", "/jwt", "token"),
]


def credentials():
    """Logs in (the session cookie) and fetches a token from the running server."""
    base = f"http://127.0.0.1:{PORT}"
    login = urllib.request.urlopen(urllib.request.Request(f"{base}/login", data=b"", method="POST"))
    cookie = login.headers["set-cookie"].split(";")[0]
    token = urllib.request.urlopen(f"{base}/token").read().decode().strip('"')
    return {"cookie": f"Cookie: {cookie}", "token": f"Authorization: Bearer {token}"}


def one_run(server, workload):
    _, _, path, auth = workload
    env = dict(os.environ, RWS_CONFIG_ADDRESS="127.0.0.1", RWS_CONFIG_PORT=str(PORT), RUST_LOG="off",
               BENCH_IDENTITY="1")
    if port_in_use():
        raise SystemExit(f"port {PORT} is already in use: another server would be measured")
    proc = subprocess.Popen(PIN_SERVER + [f"target/release/bench-{server}"], env=env)
    try:
        wait_port(proc)
        header = credentials()[auth]
        rps, p50, p99 = run_wrk(path, None, None, [header])
    finally:
        proc.terminate()
        proc.wait()
    return {"rps": rps, "p50": p50, "p99": p99}


def main():
    runs = {}
    for r in range(ROUNDS):
        for workload in WORKLOADS:
            for server in SERVERS:
                result = one_run(server, workload)
                runs.setdefault((workload[0], server), []).append(result)
                print(f"round {r + 1}/{ROUNDS} {workload[0]:<13} {server:<5} {result['rps']:>10.0f} req/s "
                      f"p99 {result['p99']:.2f} ms", flush=True)

    def med(name, server, key):
        return median(runs, name, server, key)

    lines = [
        "# rws vs axum: sessions and JWT",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d}, {CORES} cores, server pinned to core {CORES - 1} with one tokio worker, "
        f"`wrk -t1 -c{CONNECTIONS} -d{DURATION}` pinned to core 0, {ROUNDS} interleaved rounds, medians. "
        "rws: `SessionLayer` over `MemoryStore`, `JwtLayer` + `Claims<T>`; axum: tower-sessions 0.15 "
        "(`MemoryStore`), jsonwebtoken 11 (rust_crypto) in the handler. One session and one token per "
        "server, replayed by every connection. Reproduce with `bench/identity.sh`.",
        "",
        "rws/axum is the median of each round's ratio (both servers run back to back in a round), with the range.",
        "",
        "| workload | server | requests/s | p50 | p99 | rws/axum (range) |",
        "|---|---|---|---|---|---|",
    ]
    for name, title, _, _ in WORKLOADS:
        for server in SERVERS:
            ratio = ""
            if server == "rws":
                ratio = ratio_cell(runs, name)
            lines.append(f"| {title} | {server} | {med(name, server, 'rps'):,.0f} | {med(name, server, 'p50'):.2f} ms | "
                         f"{med(name, server, 'p99'):.2f} ms | {ratio} |")
    write_result("identity.md", lines)

if __name__ == "__main__":
    sys.exit(main())
