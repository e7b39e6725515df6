#!/usr/bin/env bash
# Multipart uploads: a 100 MiB file sent by curl -F through rws's `Multipart` and through axum's
# (multer under both), each server on its own core, fresh for each round, interleaved rounds.
# Throughput and the server's peak RSS; prints the table and writes bench/results/upload.md.
#
#   bench/upload.sh                  # 5 rounds of 8 uploads (~1 min)
#   BENCH_ROUNDS=1 bench/upload.sh   # a quick look
set -euo pipefail
cd "$(dirname "$0")/.."
bench/need.sh curl=curl
cargo build --release -p rws-bench --bin bench-rws --bin bench-axum
exec python3 bench/upload.py "$@"
