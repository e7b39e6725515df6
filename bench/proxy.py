"""The driver behind bench/proxy.sh: one nginx upstream, and in front of it in turn the `rws`
binary (a `[[proxy]]` table, one worker) and nginx (`proxy_pass` to a keep-alive upstream
block, one worker), each round running both back to back."""

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

UPSTREAM_PORT = PORT + 1
WORKLOADS = [
    ("small", "GET, 6-byte response", "/small"),
    ("64k", "GET, 64 KiB response", "/64k.bin"),
]
PROXIES = ["nginx", "rws"]
NGINX = "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else "nginx"

COMMON = """daemon off;
master_process off;
worker_processes 1;
pid {dir}/{name}.pid;
error_log stderr error;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/{name}-body;
    proxy_temp_path {dir}/{name}-proxy;
    fastcgi_temp_path {dir}/{name}-fastcgi;
    uwsgi_temp_path {dir}/{name}-uwsgi;
    scgi_temp_path {dir}/{name}-scgi;
    keepalive_requests 1000000;
    {body}
}}
"""

UPSTREAM = """server {{
        listen 127.0.0.1:{port};
        location = /small {{ default_type text/plain; return 200 "hello\\n"; }}
        location = /plaintext {{ return 200 "ok"; }}
        location / {{ root {dir}/files; }}
    }}"""

NGINX_PROXY = """upstream backend {{
        server 127.0.0.1:{upstream};
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_buffering on;
        }}
    }}"""


def nginx(dir, name, body, pin):
    conf = os.path.join(dir, f"{name}.conf")
    with open(conf, "w") as f:
        f.write(COMMON.format(dir=dir, name=name, body=body))
    return subprocess.Popen(pin + [NGINX, "-p", dir, "-c", conf, "-e", "stderr"])


def one_run(proxy, path, dir):
    if port_in_use():
        raise SystemExit(f"port {PORT} is already in use: another server would be measured")
    if proxy == "nginx":
        proc = nginx(dir, "proxy", NGINX_PROXY.format(port=PORT, upstream=UPSTREAM_PORT), PIN_SERVER)
    else:
        config = os.path.join(dir, "rws.config.toml")
        with open(config, "w") as f:
            f.write(f'address = "127.0.0.1"\nport = {PORT}\nworkers = 1\n\n[log]\naccess = "off"\n\n'
                    f'[[proxy]]\npath = "/"\nupstreams = ["http://127.0.0.1:{UPSTREAM_PORT}"]\n')
        proc = subprocess.Popen(PIN_SERVER + ["target/release/rws", "--config", config],
                                env=dict(os.environ, RUST_LOG="off"), stdout=subprocess.DEVNULL)
    try:
        wait_port(proc, f"http://127.0.0.1:{PORT}/small")
        rps, p50, p99 = run_wrk(path, None, None)
    finally:
        proc.terminate()
        proc.wait()
    return {"rps": rps, "p50": p50, "p99": p99}


def main():
    with tempfile.TemporaryDirectory() as dir:
        os.makedirs(os.path.join(dir, "files"))
        with open(os.path.join(dir, "files", "64k.bin"), "wb") as f:
            f.write(os.urandom(64 * 1024))
        upstream = nginx(dir, "upstream", UPSTREAM.format(port=UPSTREAM_PORT, dir=dir), PIN_LOAD)
        try:
            wait_port(upstream, f"http://127.0.0.1:{UPSTREAM_PORT}/small")
            runs = {}
            for r in range(ROUNDS):
                for name, _, path in WORKLOADS:
                    for proxy in PROXIES:
                        result = one_run(proxy, path, dir)
                        runs.setdefault((name, proxy), []).append(result)
                        print(f"round {r + 1}/{ROUNDS} {name:<6} {proxy:<6} {result['rps']:>10.0f} req/s "
                              f"p99 {result['p99']:.2f} ms", flush=True)
        finally:
            upstream.terminate()
            upstream.wait()

    lines = [
        "# rws as a reverse proxy vs nginx proxy_pass",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d}, {CORES} cores. The proxy pinned to core {CORES - 1} "
        "(rws: the `rws` binary with one `[[proxy]]` table and one worker, its default middleware on, "
        "access log off; nginx: one worker, `proxy_pass` to an `upstream` block with `keepalive 64`, "
        "access log off); the upstream (one nginx worker) and "
        f"`wrk -t1 -c{CONNECTIONS} -d{DURATION}` share core 0. {ROUNDS} interleaved rounds, medians. "
        "Reproduce with `bench/proxy.sh`.",
        "",
        "Goal: rws ≥ 1.0 × nginx's throughput, p99 ≤ nginx's.",
        "",
        "| workload | proxy | requests/s | p50 | p99 | rws/nginx (range) |",
        "|---|---|---|---|---|---|",
    ]
    for name, title, _ in WORKLOADS:
        for proxy in PROXIES:
            ratio = ratio_cell(runs, name, "rws", "nginx") if proxy == "rws" else ""
            lines.append(f"| {title} | {proxy} | {median(runs, name, proxy, 'rps'):,.0f} | "
                         f"{median(runs, name, proxy, 'p50'):.2f} ms | {median(runs, name, proxy, 'p99'):.2f} ms | {ratio} |")
    write_result("proxy.md", lines)


if __name__ == "__main__":
    sys.exit(main())
