"""The driver behind bench/cache.sh. Each round runs, back to back and pinned alike (the server
on the last core, wrk on core 0): rws's /plaintext, rws's /page (a handler rendering 2 KiB),
rws's /cached/page (the same handler behind CacheLayer), and nginx proxy_cache in front of an
rws origin serving /page (the origin on core 0: after the first request it is never asked)."""

import os
import subprocess
import sys
import tempfile
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(__file__))
from compare import (  # noqa: E402
    CONNECTIONS, CORES, DURATION, PIN_LOAD, PIN_SERVER, PORT, ROUNDS, median, port_in_use,
    ratio_cell, run_wrk, wait_port, write_result,
)

ORIGIN_PORT = PORT + 1
NGINX = "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else "nginx"
VARIANTS = [
    ("plaintext", "rws, GET /plaintext (no cache, the ceiling)", "/plaintext"),
    ("cached-plaintext", "rws, GET /plaintext's handler behind CacheLayer (hits)", "/cached/plaintext"),
    ("uncached", "rws, GET /page, uncached", "/page"),
    ("cached", "rws, GET /page behind CacheLayer (hits)", "/cached/page"),
    ("nginx", "nginx proxy_cache in front of rws's /page (hits)", "/page"),
]

NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log stderr error;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    keepalive_requests 1000000;
    proxy_cache_path {dir}/cache levels=1:2 keys_zone=pages:10m max_size=100m inactive=60m use_temp_path=off;
    upstream origin {{
        server 127.0.0.1:{origin};
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache pages;
            proxy_cache_valid 200 60s;
            proxy_cache_lock on;
        }}
    }}
}}
"""


def rws_env(port):
    return dict(os.environ, RWS_CONFIG_ADDRESS="127.0.0.1", RWS_CONFIG_PORT=str(port),
                RUST_LOG="off", BENCH_CACHE="1")


def one_run(variant, path, dir):
    if port_in_use():
        raise SystemExit(f"port {PORT} is already in use: another server would be measured")
    if variant == "nginx":
        conf = os.path.join(dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(dir=dir, port=PORT, origin=ORIGIN_PORT))
        proc = subprocess.Popen(PIN_SERVER + [NGINX, "-p", dir, "-c", conf, "-e", "stderr"])
    else:
        proc = subprocess.Popen(PIN_SERVER + ["target/release/bench-rws"], env=rws_env(PORT))
    try:
        wait_port(proc, f"http://127.0.0.1:{PORT}{path}")
        rps, p50, p99 = run_wrk(path, None, None)
    finally:
        proc.terminate()
        proc.wait()
    return {"rps": rps, "p50": p50, "p99": p99}


def main():
    with tempfile.TemporaryDirectory() as dir:
        origin = subprocess.Popen(PIN_LOAD + ["target/release/bench-rws"], env=rws_env(ORIGIN_PORT))
        try:
            wait_port(origin, f"http://127.0.0.1:{ORIGIN_PORT}/page")
            runs = {}
            for r in range(ROUNDS):
                for name, _, path in VARIANTS:
                    result = one_run(name, path, dir)
                    runs.setdefault(("page", name), []).append(result)
                    print(f"round {r + 1}/{ROUNDS} {name:<16} {result['rps']:>10.0f} req/s "
                          f"p99 {result['p99']:.2f} ms", flush=True)
        finally:
            origin.terminate()
            origin.wait()

    lines = [
        "# The response cache: hits against the handler, nginx proxy_cache and /plaintext",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d}, {CORES} cores, the server pinned to core {CORES - 1} "
        f"with one worker, `wrk -t1 -c{CONNECTIONS} -d{DURATION}` on core 0, {ROUNDS} interleaved "
        "rounds, medians. The handler renders a 2 KiB page of 50 items; `CacheLayer::memory(1000)"
        ".ttl(60)` on its route; nginx: one worker, `proxy_cache` (`proxy_cache_valid 200 60s`, "
        "`proxy_cache_lock on`) with a keep-alive upstream block to an rws origin serving the same "
        "handler. Reproduce with `bench/cache.sh`.",
        "",
        "Goal: a hit ≥ 0.9 × the plaintext throughput.",
        "",
        "| variant | requests/s | p50 | p99 |",
        "|---|---|---|---|",
    ]
    for name, title, _ in VARIANTS:
        lines.append(f"| {title} | {median(runs, 'page', name, 'rps'):,.0f} | "
                     f"{median(runs, 'page', name, 'p50'):.2f} ms | {median(runs, 'page', name, 'p99'):.2f} ms |")
    lines += [
        "",
        "Ratios, the median of the rounds' own ratios (range):",
        "",
        f"- cached plaintext / plaintext (what a hit costs over the handler it replaces): "
        f"{ratio_cell(runs, 'page', 'cached-plaintext', 'plaintext')}",
        f"- cached page / plaintext: {ratio_cell(runs, 'page', 'cached', 'plaintext')}",
        f"- cached / uncached: {ratio_cell(runs, 'page', 'cached', 'uncached')}",
        f"- cached / nginx proxy_cache: {ratio_cell(runs, 'page', 'cached', 'nginx')}",
    ]
    write_result("cache.md", lines)


if __name__ == "__main__":
    sys.exit(main())
