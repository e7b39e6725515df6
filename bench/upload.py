"""The driver behind bench/upload.sh: curl -F of one 100 MiB file to each server's /upload,
a fresh server per round (so its peak RSS is this upload's), rounds interleaved, medians and
per-round ratios."""

import os
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(__file__))
from compare import PIN_SERVER, PORT, port_in_use, status_kib, wait_port, write_result  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
# Uploads per round, one after another on one connection each: 100 MiB takes well under a second,
# so one alone would mostly measure curl starting.
UPLOADS = int(os.environ.get("BENCH_UPLOADS", "8"))
SIZE = 100 << 20
TICKS = os.sysconf("SC_CLK_TCK")
SERVERS = ["axum", "rws"]
CORES = os.cpu_count() or 1
PIN_LOAD = ["taskset", "-c", "0"] if CORES > 1 else []


def cpu_seconds(pid):
    """User + system CPU time of PID so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def one_run(server, path):
    env = dict(os.environ, RWS_CONFIG_ADDRESS="127.0.0.1", RWS_CONFIG_PORT=str(PORT), RUST_LOG="off")
    if port_in_use():
        raise SystemExit(f"port {PORT} is already in use: another server would be measured")
    proc = subprocess.Popen(PIN_SERVER + [f"target/release/bench-{server}"], env=env)
    try:
        wait_port(proc)
        idle = status_kib(proc.pid, "VmRSS")
        cpu_before = cpu_seconds(proc.pid)
        seconds = 0.0
        for _ in range(UPLOADS):
            out = subprocess.run(
                PIN_LOAD + ["curl", "-sS", "--fail-with-body", "-F", "note=bench", "-F", f"file=@{path}",
                            "-w", "\n%{time_total}", f"http://127.0.0.1:{PORT}/upload"],
                check=True, capture_output=True, text=True,
            ).stdout.split("\n")
            counted = int(out[0])
            seconds += float(out[1])
            if counted != SIZE + len("bench"):
                raise SystemExit(f"{server} counted {counted} bytes, not {SIZE + 5}")
        cpu = cpu_seconds(proc.pid) - cpu_before
        peak = status_kib(proc.pid, "VmHWM")
    finally:
        proc.terminate()
        proc.wait()
    mib = UPLOADS * SIZE / (1 << 20)
    return {"mibs": mib / seconds, "cpu": 1000 * cpu / (mib / 1024), "peak": peak, "idle": idle}


def main():
    runs = {s: [] for s in SERVERS}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "upload.bin")
        with open(path, "wb") as f:
            block = bytes(range(256)) * 4096
            for _ in range(SIZE // len(block)):
                f.write(block)
        for r in range(ROUNDS):
            for server in SERVERS:
                res = one_run(server, path)
                runs[server].append(res)
                print(f"round {r + 1}/{ROUNDS} {server:<5} {res['mibs']:8.1f} MiB/s  "
                      f"{res['cpu']:6.0f} ms CPU/GiB  peak RSS "
                      f"{res['peak'] / 1024:.1f} MiB (idle {res['idle'] / 1024:.1f})", flush=True)
    ratios = [rw["mibs"] / ax["mibs"] for rw, ax in zip(runs["rws"], runs["axum"])]
    cpu_ratios = [rw["cpu"] / ax["cpu"] for rw, ax in zip(runs["rws"], runs["axum"])]
    med = lambda s, k: statistics.median(x[k] for x in runs[s])  # noqa: E731
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# Multipart upload: 100 MiB by curl -F ({stamp})",
        "",
        f"One 100 MiB file and one text field per request, {UPLOADS} requests per round; each server fresh",
        f"per round, pinned to its own core, curl on the other; {ROUNDS} interleaved rounds, medians. Both",
        "stream every chunk and count it. CPU: the server's user + system time per GiB received.",
        "Reproduce: `bench/upload.sh`.",
        "",
        "| server | throughput (MiB/s) | CPU (ms/GiB) | peak RSS (MiB) | idle RSS (MiB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for s in SERVERS:
        lines.append(f"| {s} | {med(s, 'mibs'):.1f} | {med(s, 'cpu'):.0f} | {med(s, 'peak') / 1024:.1f} "
                     f"| {med(s, 'idle') / 1024:.1f} |")
    lines += [
        "",
        f"rws/axum throughput per round: {', '.join(f'{r:.2f}' for r in ratios)} "
        f"(median {statistics.median(ratios):.2f}, range {min(ratios):.2f}–{max(ratios):.2f})",
        "",
        f"rws/axum CPU per GiB per round: {', '.join(f'{r:.2f}' for r in cpu_ratios)} "
        f"(median {statistics.median(cpu_ratios):.2f}, range {min(cpu_ratios):.2f}–{max(cpu_ratios):.2f})",
    ]
    write_result("upload.md", lines)


if __name__ == "__main__":
    main()
