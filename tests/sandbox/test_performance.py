"""A loose performance guard for CI (the figures themselves come from `make bench`)."""

import statistics
import time

import pytest

from scripts_editor import sandbox

from .conftest import TRIVIAL_LOGIN

pytestmark = pytest.mark.scriptd

BCRYPT_LOGIN = ("function login(email, password, callback) { require('bcrypt').compare(password, "
                "'$2b$10$abcdefghijklmnopqrstuujypkTRLifb3/auCCAWZnkN02ckDRJBW', (e, ok) => callback(e, ok)); }")


def p95_ms(scriptd_socket, source, count, **kwargs):
    times = []
    for _ in range(count + 1):
        started = time.perf_counter()
        outcome = sandbox.run_script_collect(kind="login", source=source, args=["a@b.c", "pa55word"],
                                             socket_path=scriptd_socket, **kwargs)
        times.append((time.perf_counter() - started) * 1000)
        assert outcome.status == "ok", outcome.result
    return statistics.quantiles(times[1:], n=20)[-1]


def test_warm_trivial_runs_stay_under_5_ms(scriptd_socket):
    assert p95_ms(scriptd_socket, TRIVIAL_LOGIN, 100, mode="warm", connection_id="con_perf") < 5


def test_fresh_trivial_runs_stay_under_15_ms(scriptd_socket):
    assert p95_ms(scriptd_socket, TRIVIAL_LOGIN, 50, mode="fresh") < 15


def test_a_bcrypt_login_stays_under_200_ms(scriptd_socket):
    assert p95_ms(scriptd_socket, BCRYPT_LOGIN, 10, mode="warm", connection_id="con_perf_bcrypt") < 200
