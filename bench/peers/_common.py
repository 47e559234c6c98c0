"""Shared helpers for the peer benchmarks: locate the real data in place."""
import os
from pathlib import Path

# bench/peers/ -> repo root is two levels up.
REPO_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """LINLI_DATA_DIR if set, else ../shared/data relative to the repo root."""
    env = os.environ.get("LINLI_DATA_DIR")
    d = Path(env) if env else (REPO_ROOT / ".." / "shared" / "data").resolve()
    if not d.is_dir():
        raise SystemExit(f"data dir not found: {d} (set LINLI_DATA_DIR)")
    return d
