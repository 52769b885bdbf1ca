import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _start(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "TRICKLE_ENCRYPTION_KEYS"}}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)


def test_production_refuses_to_start_without_encryption_keys():
    result = _start({"TRICKLE_PRODUCTION": "true", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.test"})
    assert result.returncode != 0
    assert "TRICKLE_ENCRYPTION_KEYS must be set in production" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _start({"TRICKLE_PRODUCTION": "true", "ALLOWED_HOSTS": "example.test"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_development_starts_with_generated_keys():
    result = _start({})
    assert result.returncode == 0, result.stderr
