#!/usr/bin/env bash
# Compares rws with axum (axum-server, rustls with ring on both sides) over HTTPS under h2load:
# HTTP/1.1 and HTTP/2 chosen by ALPN, a self-signed EC certificate made for the run. Installs
# h2load (nghttp2-client) and openssl if missing; writes bench/results/https.md.
#
#   bench/https.sh                                   # 3 rounds of 10 s per workload and server
#   BENCH_DURATION=3 BENCH_ROUNDS=1 bench/https.sh   # a quick look
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v h2load >/dev/null 2>&1 || missing+=(nghttp2-client)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
cargo build --release -p rws-bench --bins
exec python3 bench/https.py "$@"
