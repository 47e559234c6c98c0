#!/usr/bin/env bash
# Side by side on this machine: statsforecast 2.1 (ADIDA, AutoETS with season 12, one
# core as its script sets) and `linli analytics forecast` (adida, ets, auto; every core)
# on car parts, the last 12 months held out (issue 4: auto MASE at most 1.10; ETS within
# 1% of AutoETS and at least 20x faster). Needs a release build of linli.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
data="${LINLI_DATA_DIR:-$root/../shared/data}"
linli="${LINLI_BIN:-$root/target/release/linli}"
"$here/setup.sh" >/dev/null
"$here/.venv/bin/python" "$here/forecast.py"
for model in adida ets auto; do
  echo -n "linli $model: "
  "$linli" analytics forecast --input "$data/carparts/carparts.csv" --holdout 12 --model "$model"
done
