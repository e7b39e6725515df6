#!/usr/bin/env bash
# Compile cost of #[route]: a generated crate of N handlers declared with #[rws::get] against the
# same N handlers registered with the builder API. Debug builds of the crate alone (its
# dependencies built beforehand), interleaved rounds, medians. Writes bench/results/compile-cost.md.
#
#   bench/compile_cost.sh        # N=200, 3 rounds
set -euo pipefail
cd "$(dirname "$0")/.."
N=${COMPILE_COST_HANDLERS:-200}
ROUNDS=${COMPILE_COST_ROUNDS:-3}
root=$(pwd)
work=$root/target/compile-cost
mkdir -p "$work"
export CARGO_TARGET_DIR=$work/target

gen() { # name style
  local dir=$work/$1
  mkdir -p "$dir/src"
  cat > "$dir/Cargo.toml" <<TOML
[package]
name = "cost-$1"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
rws = { path = "$root/rws" }
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }

[workspace]
TOML
  python3 - "$dir/src/main.rs" "$2" "$N" <<'PY'
import sys
path, style, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = ["use rws::prelude::*;", ""]
for i in range(n):
    if style == "macros":
        out.append(f'#[rws::get("/r{i}/:id")]')
    out.append(f"async fn h{i}(Path(id): Path<u64>, q: Option<Query<std::collections::HashMap<String, String>>>) -> String {{")
    out.append(f'    format!("{i} {{id}} {{}}", q.map_or(0, |q| q.0.len()))')
    out.append("}")
if style == "macros":
    out.append("fn app() -> App { App::new() }")
else:
    out.append("fn app() -> App {")
    out.append("    App::empty()")
    for i in range(n):
        out.append(f'        .get("/r{i}/:id", h{i})')
    out.append("}")
out.append("fn main() { println!(\"{}\", app().routes().len()); }")
open(path, "w").write("\n".join(out) + "\n")
PY
}

gen macros macros
gen builder builder
# Dependencies first, so that only the generated crates are timed.
(cd "$work/macros" && cargo build -q)
(cd "$work/builder" && cargo build -q)

declare -A times
for r in $(seq "$ROUNDS"); do
  for style in builder macros; do
    (cd "$work/$style" && cargo clean -q -p "cost-$style")
    start=$(date +%s.%N)
    (cd "$work/$style" && cargo build -q)
    end=$(date +%s.%N)
    t=$(python3 -c "print(round($end - $start, 2))")
    times[$style]="${times[$style]:-} $t"
    echo "round $r $style ${t}s"
  done
done
routes=$("$CARGO_TARGET_DIR/debug/cost-macros")
[ "$routes" = "$N" ] || { echo "the macro crate serves $routes routes, expected $N"; exit 1; }
python3 - "${times[builder]}" "${times[macros]}" "$N" "$ROUNDS" > bench/results/compile-cost.md <<'PY'
import statistics, sys, datetime
b = [float(x) for x in sys.argv[1].split()]
m = [float(x) for x in sys.argv[2].split()]
n, rounds = sys.argv[3], sys.argv[4]
mb, mm = statistics.median(b), statistics.median(m)
print(f"# Compile cost of #[route], {datetime.date.today()}\n")
print(f"{n} handlers `async fn hN(Path<u64>, Option<Query<HashMap>>) -> String`, debug build of the crate alone "
      f"(dependencies built), {rounds} interleaved rounds, medians. Reproduce with `bench/compile_cost.sh`.\n")
print("| registration | build time | ratio |")
print("|---|---|---|")
print(f"| builder API (`App::empty().get(..)` x {n}) | {mb:.2f} s | 1.00 |")
print(f"| `#[rws::get]` on each handler | {mm:.2f} s | {mm / mb:.2f} |")
PY
cat bench/results/compile-cost.md
