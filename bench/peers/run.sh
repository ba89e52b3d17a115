#!/usr/bin/env bash
# whatif side by side with the tools a user would pick instead (issue 7, part 2):
# pgmpy (noisy-OR Bayesian network, forward sampling), numpy and scipy.sparse
# (fuzzy cognitive map), PySD and BPTK-Py (stocks and flows). Not part of
# `cargo test`: it needs PyPI and takes a few minutes (PySD's translation of
# the 1,000-stock model dominates: ~40 s on an idle 2-core machine).
#
#   bench/peers/run.sh [OUTDIR]      (default: target/peers)
#
# Creates a virtualenv in OUTDIR/venv (once), installs the pinned peers
# (requirements.txt), builds whatif, generates the three models from ONE
# generator (gen.py, seed 1), runs every tool in its own process, and prints
# times, ratios and agreement (peers.py). Exits non-zero on a disagreement.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/target/peers}"
mkdir -p "$out"
python="${PYTHON:-python3}"

if [ ! -x "$out/venv/bin/python" ]; then
  echo "== creating a virtualenv in $out/venv"
  "$python" -m venv "$out/venv"
fi
echo "== installing the pinned peers"
"$out/venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

echo "== building whatif and its eval benchmark"
(cd "$root" && cargo build --release --quiet && cargo bench --bench eval --no-run --quiet 2>/dev/null)
bench="$(ls -t "$root"/target/release/deps/eval-* | grep -v '\.d$' | head -1)"

echo "== generating the models (seed 1)"
"$out/venv/bin/python" "$here/gen.py" "$out/models" --seed 1

# The report also goes to OUTDIR/report.txt, which bench/run.sh quotes in
# docs/performance.md.
{
  echo "$(date -u +%Y-%m-%d), commit $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  "$out/venv/bin/python" "$here/peers.py" "$out/models" "$root/target/release/whatif" "$bench"
} | tee "$out/report.txt.new"
mv "$out/report.txt.new" "$out/report.txt"
