"""Typed environment reads with embedded development defaults."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A local .env is optional; the real environment always wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
