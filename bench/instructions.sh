#!/usr/bin/env bash
# Instructions per request, counted by callgrind: repeatable where wall-clock load tests on a shared
# 2-core VM are not. Each server runs under valgrind; a client sends a warm-up, the counters are
# zeroed, then N requests over one keep-alive connection are counted.
#
#   bench/instructions.sh          # plaintext and echo for hyper, axum, rws
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)"; exit 1; }
cargo build --profile profiling -p rws-bench --bins
count() { # server workload -> instructions per request
  local s=$1 w=$2 port=$((18100 + RANDOM % 500)) n out
  out=$(mktemp -d)
  RWS_CONFIG_PORT=$port valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" "target/profiling/bench-$s" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 300); do python3 -c "import socket;socket.create_connection(('127.0.0.1',$port))" 2>/dev/null && break; sleep 0.1; done
  if [ "$w" = echo ]; then n=400; python3 bench/clients/echo.py "$port" 100; else n=2000; python3 bench/clients/get.py "$port" "/$w" 500; fi
  callgrind_control -z "$pid" >/dev/null
  if [ "$w" = echo ]; then python3 bench/clients/echo.py "$port" "$n"; else python3 bench/clients/get.py "$port" "/$w" "$n"; fi
  callgrind_control -d "$pid" >/dev/null
  sleep 1; kill -9 "$pid"; wait "$pid" 2>/dev/null || true
  local total; total=$(grep -hE "^(summary|totals):" "$out"/cg.out.* | head -1 | awk '{print $2}')
  echo $(( total / n ))
}
out=bench/results/instructions.md
{
  echo "# Instructions per request (callgrind, user space), $(date -u +%Y-%m-%d)"
  echo
  echo "Reproduce with \`bench/instructions.sh\`. Kernel time (syscalls, TCP) is the same for all three and not counted."
  echo
  echo "| workload | hyper | axum | rws | rws/hyper | rws/axum |"
  echo "|---|---|---|---|---|---|"
  for w in plaintext json echo; do
    h=$(count hyper "$w"); a=$(count axum "$w"); r=$(count rws "$w")
    python3 -c "print(f'| $w | {$h:,} | {$a:,} | {$r:,} | {$r/$h:.2f} | {$r/$a:.2f} |')"
  done
} > "$out"
cat "$out"
