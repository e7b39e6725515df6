#!/usr/bin/env bash
# Compares rws's SessionLayer and JwtLayer with axum + tower-sessions and jsonwebtoken under
# wrk: a session read, a session write (load + save), and an HS256 bearer token check per
# request. Installs wrk if missing; writes bench/results/identity.md.
#
#   bench/identity.sh                                   # 3 rounds of 10 s per workload and server
#   BENCH_DURATION=3s BENCH_ROUNDS=1 bench/identity.sh  # a quick look
set -euo pipefail
cd "$(dirname "$0")/.."
bench/need.sh wrk=wrk
cargo build --release -p rws-bench --bins
exec python3 bench/identity.py "$@"
