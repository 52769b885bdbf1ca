"""Production settings, checked by starting `manage.py` in production mode with the documented variables."""

from .stack import ROOT, manage, production_env


def _env(tmp_path, **overrides):
    return production_env(database="trickle_settings_check", folder=tmp_path, **overrides)


def test_check_deploy_is_clean_with_the_documented_variables(tmp_path):
    result = manage(_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING", check=False)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_when_hsts_is_left_out(tmp_path):
    result = manage(_env(tmp_path, TRICKLE_HSTS_SECONDS="0"), "check", "--deploy", check=False)
    assert "security.W004" in result.stderr + result.stdout


def test_production_refuses_sqlite_saying_why(tmp_path):
    result = manage(_env(tmp_path, DATABASE_URL="sqlite:///" + str(tmp_path / "x.sqlite3")), "check", check=False)
    assert result.returncode != 0
    assert "DATABASE_URL is SQLite" in result.stderr and "TRICKLE_ALLOW_EMBEDDED=true" in result.stderr


def test_production_refuses_the_filesystem_broker_and_a_missing_cache(tmp_path):
    env = _env(tmp_path, CELERY_BROKER_URL="filesystem://")
    del env["CACHE_URL"]
    result = manage(env, "check", check=False)
    assert result.returncode != 0
    assert "filesystem broker" in result.stderr and "CACHE_URL is not set" in result.stderr


def test_embedded_parts_are_allowed_when_asked_for(tmp_path):
    env = _env(
        tmp_path,
        DATABASE_URL="sqlite:///" + str(tmp_path / "x.sqlite3"),
        CELERY_BROKER_URL="filesystem://",
        TRICKLE_ALLOW_EMBEDDED="true",
    )
    del env["CACHE_URL"]
    result = manage(env, "check", check=False)
    assert result.returncode == 0, result.stderr


def test_the_demo_legacy_api_is_not_routed_in_production(tmp_path):
    code = "from django.urls import resolve, Resolver404\ntry:\n resolve('/demo-legacy/users'); print('routed')\nexcept Resolver404: print('absent')"
    assert manage(_env(tmp_path), "shell", "-c", code).stdout.strip().endswith("absent")


def _env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / "deploy" / "trickle.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def test_the_env_file_example_passes_check_deploy_once_its_secrets_are_filled_in(tmp_path):
    example = _env_example()
    assert {name for name, value in example.items() if value == "change-me"} == {
        "SECRET_KEY",
        "TRICKLE_ENCRYPTION_KEYS",
        "TRICKLE_METRICS_TOKEN",
    }
    filled = _env(tmp_path)  # generated secrets, and a metrics folder of this test's own
    env = {
        **{k: v for k, v in filled.items() if not k.startswith(("TRICKLE_", "DATABASE_URL", "CELERY_", "CACHE_URL"))},
        **example,
        **{k: filled[k] for k in ("SECRET_KEY", "TRICKLE_ENCRYPTION_KEYS", "TRICKLE_METRICS_TOKEN")},
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING", check=False)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
