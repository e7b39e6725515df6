#!/usr/bin/env bash
# Router lookup benchmark: rws's tree against matchit on the GitHub API table, same run.
# Writes the medians to bench/results/router.md. Usage: bench/router.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p rws-bench --bench router "$@"
out=bench/results/router.md
{
  echo "# Router lookup: rws vs matchit $(grep -A1 'name = "matchit"' Cargo.lock | sed -n 's/version = "\(.*\)"/\1/p')"
  echo
  echo "GitHub REST API table ($(grep -c '^    "/' bench/src/github.rs | awk '{print $1/2}') patterns), criterion medians, $(date -u +%Y-%m-%d), $(nproc) cores, \`cargo bench -p rws-bench --bench router\`."
  echo
  echo "| lookup | rws | matchit | rws / matchit |"
  echo "|---|---|---|---|"
  for group in github_all_150_paths static one_param two_params wildcard; do
    python3 - "$group" <<'PY'
import json, sys
g = sys.argv[1]
med = lambda who: json.load(open(f"target/criterion/{g}/{who}/new/estimates.json"))["median"]["point_estimate"]
r, m = med("rws"), med("matchit")
unit = lambda ns: f"{ns/1000:.2f} µs" if ns > 1000 else f"{ns:.1f} ns"
print(f"| {g} | {unit(r)} | {unit(m)} | {r/m:.2f} |")
PY
  done
} > "$out"
cat "$out"
