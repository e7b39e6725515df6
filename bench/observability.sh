#!/usr/bin/env bash
# What observability costs rws: /plaintext and the two-param route bare, with the per-route
# metrics layer, and with OtelLayer exporting over OTLP/HTTP to a local sink (sampler on, and
# sampler off), interleaved in one run. Installs wrk if missing; writes
# bench/results/observability.md.
#
#   bench/observability.sh                                   # 3 rounds of 10 s each
#   BENCH_DURATION=3s BENCH_ROUNDS=1 bench/observability.sh  # a quick look
set -euo pipefail
cd "$(dirname "$0")/.."
bench/need.sh wrk=wrk
cargo build --release -p rws-bench --bin bench-rws
exec python3 bench/observability.py "$@"
