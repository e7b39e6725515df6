#!/usr/bin/env bash
# rws as a reverse proxy against nginx's proxy_pass, in front of the same nginx upstream, with
# keep-alive to it in both, the same core pinning (the proxy on the last core, wrk and the
# upstream on core 0), one run: requests/s and p99 for a small response and a 64 KiB one.
# Installs wrk and nginx if missing; writes bench/results/proxy.md.
#
#   bench/proxy.sh                                   # 3 rounds of 10 s each
#   BENCH_DURATION=3s BENCH_ROUNDS=1 bench/proxy.sh  # a quick look
set -euo pipefail
cd "$(dirname "$0")/.."
bench/need.sh wrk=wrk nginx=nginx
cargo build --release --bin rws
exec python3 bench/proxy.py "$@"
