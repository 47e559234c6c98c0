#!/usr/bin/env bash
# Runs every test of Linli: formatting and lints, the unit and property tests, the
# store conformance suite and the API tests on SQLite AND PostgreSQL (a throwaway
# cluster the tests start themselves), the kill -9 crash test against the real
# binary, and the browser tests in headless Chromium. Installs what a fresh machine
# lacks first (scripts/setup-test-env.sh). CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n== %s ==\n' "$*"; }

step "installing what the tests need"
bash scripts/setup-test-env.sh

step "formatting"
cargo fmt --all -- --check

step "lints"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "unit, property, storage (SQLite + PostgreSQL), API and crash tests"
cargo test --workspace --locked --no-fail-fast

step "browser tests (headless Chromium)"
cargo build --locked -p linli-cli
LINLI_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/linli" node --test tests/browser/
