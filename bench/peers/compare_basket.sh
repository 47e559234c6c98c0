#!/usr/bin/env bash
# Side by side on this machine: mlxtend 0.25 fpgrowth and `linli analytics` FP-growth on
# Groceries at min support 0.001 (issue 4: at least 10x faster), three rounds each,
# alternating so both see the same machine load. Needs a release build of linli
# (cargo build --release -p linli-cli) and installs the Python peers if needed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
data="${LINLI_DATA_DIR:-$root/../shared/data}"
linli="${LINLI_BIN:-$root/target/release/linli}"
"$here/setup.sh" >/dev/null
for round in 1 2 3; do
  echo "round $round"
  "$here/.venv/bin/python" "$here/basket.py" --min-support 0.001
  "$linli" bench basket --input "$data/groceries-arules/groceries.csv" --min-support 0.001 --runs 20
done
