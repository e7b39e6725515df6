#!/usr/bin/env bash
# Static file throughput: the rws binary (`rws --root`) against nginx serving the same folder,
# same core, one worker each, in the same run. Installs wrk and nginx-light if missing, builds
# rws in release mode, prints the table and writes it to bench/results/static.md.
#
#   bench/static.sh                                   # 3 rounds of 10 s per workload (~4 min)
#   BENCH_DURATION=3s BENCH_ROUNDS=1 bench/static.sh  # a quick look
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  # The package starts a system nginx on port 80; the benchmark runs its own.
  $SUDO service nginx stop >/dev/null 2>&1 || true
fi
cargo build --release -p rws --bin rws
exec python3 bench/static.py "$@"
