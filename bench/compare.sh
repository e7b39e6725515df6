#!/usr/bin/env bash
# Compares rws with bare hyper and axum under wrk: same runtime settings, same responses.
# Builds the three servers in release mode, installs wrk if missing, runs interleaved rounds,
# prints the table and writes it to bench/results/latest.md.
#
#   bench/compare.sh                       # 3 rounds of 10 s per workload and server (~6 min)
#   BENCH_DURATION=3s BENCH_ROUNDS=1 bench/compare.sh   # a quick look
set -euo pipefail
cd "$(dirname "$0")/.."
bench/need.sh wrk=wrk
cargo build --release -p rws-bench --bins
exec python3 bench/compare.py "$@"
