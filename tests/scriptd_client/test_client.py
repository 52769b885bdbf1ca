"""The Python client: one clear exception when scriptd is away, and it finds scriptd again after a restart."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from scriptd_client import client as scriptd
from scripts_editor.scripts import BY_KEY
from tests.fixtures.scriptd import scriptd_running

pytestmark = pytest.mark.scriptd

LOGIN = BY_KEY["login"].for_scriptd()  # what scriptd is told about the login script

ROOT = Path(__file__).resolve().parents[2]
TRIVIAL = "function login(e, p, cb) { cb(null, 'ok'); }"


def test_a_missing_scriptd_raises_one_clear_exception(tmp_path):
    with pytest.raises(scriptd.ScriptdUnavailable, match=r"python manage.py scriptd"):
        scriptd.run_script_collect(**LOGIN, source=TRIVIAL, args=["a", "b"], socket_path=str(tmp_path / "none.sock"))


def test_the_client_reconnects_after_a_restart(tmp_path):
    with scriptd_running(tmp_path, workers=1) as socket_path:
        assert (
            scriptd.run_script_collect(**LOGIN, source=TRIVIAL, args=["a", "b"], socket_path=socket_path).value == "ok"
        )
    with pytest.raises(scriptd.ScriptdUnavailable):
        scriptd.ping(socket_path=socket_path)
    with scriptd_running(tmp_path, workers=1) as socket_path:
        assert (
            scriptd.run_script_collect(**LOGIN, source=TRIVIAL, args=["a", "b"], socket_path=socket_path).value == "ok"
        )


def test_a_second_scriptd_refuses_a_socket_in_use(scriptd_socket):
    argv, env = scriptd.scriptd_command(socket_path=scriptd_socket, workers=1)
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert "already listening" in done.stderr


def test_scriptd_gets_no_django_secrets(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "do-not-leak")
    _argv, env = scriptd.scriptd_command(socket_path="/tmp/x.sock")
    assert set(env) == {"PATH", "LANG"}


def test_ping_reports_workers(scriptd_socket):
    pong = scriptd.ping(socket_path=scriptd_socket)
    assert pong["type"] == "pong"
    # Two login workers and one Try worker (Try runs never share a worker with logins).
    assert [w["role"] for w in pong["workers"]] == ["login", "login", "try"]


def test_a_run_without_function_names_is_refused_before_sending(tmp_path):
    # scriptd knows no script kinds: a request that does not say which function to call is a caller's bug.
    with pytest.raises(ValueError, match="no function names"):
        next(
            scriptd.run_script(
                kind="change_username", function_names=(), source=TRIVIAL, args=[], socket_path=str(tmp_path / "x")
            )
        )


def test_the_management_command_starts_scriptd_on_the_given_socket(tmp_path):
    socket_path = str(tmp_path / "cmd.sock")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "scriptd", "--workers", "1", "--socket", socket_path],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                assert scriptd.ping(socket_path=socket_path)["type"] == "pong"
                break
            except scriptd.ScriptdUnavailable:
                time.sleep(0.05)
        else:
            raise AssertionError("manage.py scriptd did not start")
    finally:
        process.terminate()
        process.wait(10)


def test_the_extra_ca_setting_reaches_scriptd_which_refuses_a_file_without_a_certificate(settings, tmp_path):
    # The setting's file is passed as --extra-ca-file (tests/bridges test the trust itself); a wrong file
    # stops scriptd at once with a message naming it, rather than serving runs that trust nothing extra.
    junk = tmp_path / "not-a-ca.pem"
    junk.write_text("hello")
    settings.SCRIPTD_EXTRA_CA_FILE = str(junk)
    argv, env = scriptd.scriptd_command(socket_path=str(tmp_path / "s.sock"), workers=1)
    assert argv[argv.index("--extra-ca-file") + 1] == str(junk)
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode != 0 and f"{junk}: no PEM certificate in it" in done.stderr
