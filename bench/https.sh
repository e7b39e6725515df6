#!/usr/bin/env bash
# Compares rws with axum (axum-server, rustls with ring on both sides) over HTTPS under h2load:
# HTTP/1.1 and HTTP/2 chosen by ALPN, a self-signed EC certificate made for the run. Installs
# h2load (nghttp2-client) and openssl if missing; writes bench/results/https.md.
#
#   bench/https.sh                                   # 3 rounds of 10 s per workload and server
#   BENCH_DURATION=3 BENCH_ROUNDS=1 bench/https.sh   # a quick look
set -euo pipefail
cd "$(dirname "$0")/.."
bench/need.sh h2load=nghttp2-client openssl=openssl
cargo build --release -p rws-bench --bins
exec python3 bench/https.py "$@"
