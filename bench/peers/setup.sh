#!/usr/bin/env bash
# Create (or update) the peer benchmark venv at bench/peers/.venv. Idempotent: re-running
# reuses the venv and pip only installs what is missing or pinned differently.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
.venv/bin/python -c "import mlxtend, statsforecast, lifetimes; print('peers ready:', 'mlxtend', mlxtend.__version__, '| statsforecast', statsforecast.__version__, '| lifetimes', lifetimes.__version__)"
