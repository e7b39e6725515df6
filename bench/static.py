"""The driver behind bench/static.sh: wrk against `rws --root DIR` and nginx on the same
folder, one worker each on the same core, interleaved rounds, medians."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone

# Shared with bench/compare.py, which lives beside this file.
from compare import median, port_in_use, status_kib, to_ms, wait_port, write_result

DURATION = os.environ.get("BENCH_DURATION", "10s")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PORT = int(os.environ.get("BENCH_PORT", "18090"))
CORES = os.cpu_count() or 1
PIN_SERVER = ["taskset", "-c", str(CORES - 1)] if CORES > 1 else []
PIN_LOAD = ["taskset", "-c", "0"] if CORES > 1 else []
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

# (name, title, path, size in bytes, connections)
WORKLOADS = [
    ("1k", "GET 1 KiB file", "/small/1k.css", 1024, 64),
    ("16k", "GET 16 KiB file", "/small/16k.js", 16 * 1024, 64),
    ("index", "GET / (4 KiB index.html)", "/", 4096, 64),
    ("large", "GET 256 MiB file", "/large.bin", 256 << 20, 4),
]


def make_site(root):
    os.makedirs(os.path.join(root, "small"))
    for name, size in [("1k.css", 1024), ("16k.js", 16 * 1024)]:
        with open(os.path.join(root, "small", name), "wb") as f:
            f.write(bytes((i * 7) % 251 for i in range(size)))
    with open(os.path.join(root, "index.html"), "w") as f:
        f.write("<!doctype html>" + "<p>rws static benchmark</p>\n" * 150)
        f.truncate(4096)
    with open(os.path.join(root, "large.bin"), "wb") as f:
        block = bytes(range(256)) * 4096
        for _ in range((256 << 20) // len(block)):
            f.write(block)


def nginx_conf(tmp, root):
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{PORT};
        root {root};
    }}
}}
""")
    return conf


def worker_pid(proc, server):
    """nginx serves from a child of the master; rws from its own process."""
    if server == "rws":
        return proc.pid
    out = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else proc.pid


def run_wrk(path, connections):
    cmd = PIN_LOAD + ["wrk", "-t1", f"-c{connections}", f"-d{DURATION}", "--latency", f"http://127.0.0.1:{PORT}{path}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if bad:
        raise SystemExit(f"{path}: {bad.group(1)} non-2xx responses:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    return rps, p99


def one_run(server, workload, root, conf):
    _, _, path, _, connections = workload
    if port_in_use(PORT):
        raise SystemExit(f"port {PORT} is already in use: another server would be measured")
    if server == "rws":
        cmd = ["target/release/rws", "--root", root, "--port", str(PORT), "--workers", "1",
               "--access-log", "off", "--log-level", "error"]
    else:
        cmd = [NGINX, "-c", conf, "-e", os.path.join(os.path.dirname(conf), "nginx-error.log")]
    proc = subprocess.Popen(PIN_SERVER + cmd, stdout=subprocess.DEVNULL)
    try:
        wait_port(proc, f"http://127.0.0.1:{PORT}/small/1k.css")
        rps, p99 = run_wrk(path, connections)
        peak = status_kib(worker_pid(proc, server), "VmHWM")
    finally:
        proc.terminate()
        proc.wait()
    return {"rps": rps, "p99": p99, "peak_kib": peak}


def main():
    tmp = tempfile.mkdtemp(prefix="rws-static-bench-")
    os.chmod(tmp, 0o755)
    root = os.path.join(tmp, "site")
    make_site(root)
    conf = nginx_conf(tmp, root)
    runs = {}
    try:
        for r in range(ROUNDS):
            for workload in WORKLOADS:
                for server in ["nginx", "rws"]:
                    result = one_run(server, workload, root, conf)
                    runs.setdefault((workload[0], server), []).append(result)
                    print(f"round {r + 1}/{ROUNDS} {workload[0]:<6} {server:<5} {result['rps']:>10.0f} req/s "
                          f"p99 {result['p99']:.2f} ms peak {result['peak_kib'] / 1024:.1f} MiB", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def med(name, server, key):
        return median(runs, name, server, key)

    lines = [
        "# Static files: rws vs nginx",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d}, {CORES} cores; `rws --root` (one tokio worker) and nginx "
        f"(`worker_processes 1`, `sendfile on`, access logs off in both) pinned to core {CORES - 1}, "
        f"`wrk -t1 -d{DURATION}` pinned to core 0, {ROUNDS} interleaved rounds, medians. "
        "Reproduce with `bench/static.sh`.",
        "",
        "| workload | connections | server | requests/s | MiB/s | p99 | peak RSS | rws/nginx |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, title, _, size, connections in WORKLOADS:
        for server in ["nginx", "rws"]:
            rps = med(name, server, "rps")
            ratio = f"{rps / med(name, 'nginx', 'rps'):.2f}" if server == "rws" else ""
            lines.append(
                f"| {title} | {connections} | {server} | {rps:,.0f} | {rps * size / (1 << 20):,.0f} | "
                f"{med(name, server, 'p99'):.2f} ms | {med(name, server, 'peak_kib') / 1024:.1f} MiB | {ratio} |"
            )
    write_result("static.md", lines)


if __name__ == "__main__":
    sys.exit(main())
