"""Read the environment of the running local stack (written by deploy/local/stack.py)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STACK_ENV = ROOT / ".local" / "stack.env"


def load_stack_env() -> dict[str, str]:
    """Put the stack's resolved variables into os.environ (variables already set win)."""
    if not STACK_ENV.exists():
        raise RuntimeError("the local stack is not running: start it with `make infra`")
    values = dict(line.split("=", 1) for line in STACK_ENV.read_text().splitlines() if "=" in line)
    for key, value in values.items():
        os.environ.setdefault(key, value)
    return values
