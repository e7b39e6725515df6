#!/usr/bin/env bash
# Static file throughput: the rws binary (`rws --root`) against nginx serving the same folder,
# same core, one worker each, in the same run. Installs wrk and nginx-light if missing, builds
# rws in release mode, prints the table and writes it to bench/results/static.md.
#
#   bench/static.sh                                   # 3 rounds of 10 s per workload (~4 min)
#   BENCH_DURATION=3s BENCH_ROUNDS=1 bench/static.sh  # a quick look
set -euo pipefail
cd "$(dirname "$0")/.."
bench/need.sh wrk=wrk nginx=nginx-light
# The package starts a system nginx on port 80; the benchmark runs its own.
service nginx stop >/dev/null 2>&1 || true
cargo build --release -p rws --bin rws
exec python3 bench/static.py "$@"
