#!/usr/bin/env bash
# What the response cache is worth: a handler rendering a 2 KiB page served uncached, the
# same handler behind CacheLayer (every request a hit), nginx proxy_cache in front of that
# handler, and rws's bare /plaintext as the ceiling, in one run. Installs wrk and nginx if
# missing; writes bench/results/cache.md.
#
#   bench/cache.sh                                   # 3 rounds of 10 s each
#   BENCH_DURATION=3s BENCH_ROUNDS=1 bench/cache.sh  # a quick look
set -euo pipefail
cd "$(dirname "$0")/.."
bench/need.sh wrk=wrk nginx=nginx
cargo build --release -p rws-bench --bin bench-rws
exec python3 bench/cache.py "$@"
