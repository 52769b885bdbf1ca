"""The production smoke test: gunicorn with 2 workers, PostgreSQL, RabbitMQ, a Celery worker with 2 pool
processes, one beat and scriptd, all started as `make serve` and deploy/ start them, in production mode.
A TLS-terminating proxy is played by the test: it sends X-Forwarded-Proto from 127.0.0.1, a trusted proxy.

The tests run in order against one stack and each leaves it whole for the next."""

import json
import os
import re
import secrets
import signal
import subprocess
import sys

import psycopg
import pytest
import redis
import requests
from prometheus_client.parser import text_string_to_metric_families

from .stack import (
    CACHE_DB,
    POSTGRES,
    ROOT,
    VENV_BIN,
    Stack,
    database_drop,
    database_recreate,
    free_port,
    manage,
    production_env,
    wait_until,
)

pytestmark = [pytest.mark.production]

# A name of this run's own: a smoke run elsewhere on this server recreating a fixed name would end this one's
# sessions and tokens mid-run.
DATABASE = f"trickle_prod_smoke_{secrets.token_hex(4)}"
PASSWORD = "smoke-admin-pass-7431"
LOGIN_SCRIPT = """function login(email, password, callback) {
  var users = {"ada@smoke.test": "ada-pass", "bob@smoke.test": "bob-pass"};
  if (users[email] !== password) return callback(new WrongUsernameOrPasswordError(email));
  callback(null, {user_id: email.split("@")[0], email: email});
}"""
GET_USER_SCRIPT = """function getByEmail(email, callback) { callback(null); }"""
SLOW_SCRIPT = """function login(email, password, callback) {
  console.log("started");
  setTimeout(function () { callback(null, {user_id: "slow", email: email}); }, 30000);
}"""


class Proxy:
    """What a reverse proxy terminating TLS sends on: X-Forwarded-Proto and -For. Cookies are kept by hand
    (they are Secure, which an http:// client would never send back)."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, headers: dict | None = None, **kwargs) -> requests.Response:
        sent = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.7",
            "Origin": f"https://127.0.0.1:{self.stack.port}",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **(headers or {}),
        }
        response = requests.request(
            method, self.stack.url + path, headers=sent, allow_redirects=False, timeout=120, **kwargs
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("production")
    port = free_port()
    env = production_env(database=DATABASE, folder=folder, TRICKLE_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2")
    (folder / "metrics").mkdir()
    database_recreate(DATABASE)
    redis.Redis(db=CACHE_DB).flushdb()
    running = Stack(env=env, folder=folder, port=port)
    try:
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "createsuperuser", "--noinput", "--username", "admin", "--email", "admin@smoke.test")
        manage(
            env,
            "shell",
            "-c",
            f"from django.contrib.auth.models import User; u = User.objects.get(username='admin'); u.set_password('{PASSWORD}'); u.save()",
        )
        for name in ("scriptd", "worker", "beat", "web"):
            running.start(name)
        wait_until(lambda: _ready(running), timeout_s=120, what=f"/readyz 200 (web log: {folder / 'web.log'})")
        wait_until(lambda: "ready." in running.log("worker"), timeout_s=60, what="the Celery worker")
        yield running
    finally:
        running.stop_all()
        database_drop(DATABASE)


def _ready(stack: Stack) -> bool:
    try:
        return requests.get(stack.url + "/readyz", timeout=30).status_code == 200
    except requests.RequestException:  # not listening yet, or too slow on a loaded machine: ask again
        return False


def _readyz(stack: Stack) -> tuple[int, dict]:
    response = requests.get(stack.url + "/readyz", timeout=30)
    return response.status_code, response.json()


@pytest.fixture(scope="module")
def admin(stack):
    proxy = Proxy(stack)
    page = proxy.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    signed_in = proxy.post(
        "/accounts/login/", data={"username": "admin", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert signed_in.status_code == 302, signed_in.text[:500]
    return proxy


@pytest.fixture(scope="module")
def api_token(stack):
    scopes = "read:connections create:connections update:connections run:scripts read:script_runs authenticate:users"
    return manage(stack.env, "issue_api_token", "--user", "admin", "--scopes", scopes).stdout.strip()


@pytest.fixture(scope="module")
def connection_id(stack, api_token):
    response = requests.post(
        stack.url + "/api/v2/connections",
        headers={"Authorization": f"Bearer {api_token}", "X-Forwarded-Proto": "https"},
        json={
            "name": "legacy-smoke",
            "strategy": "auth0",
            "options": {"enabledDatabaseCustomization": True, "import_mode": True, "trickle_script_timeout_s": 45},
        },
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _api(stack, token, method, path, **kwargs):
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-Proto": "https", **kwargs.pop("headers", {})}
    return requests.request(method, stack.url + path, headers=headers, timeout=120, **kwargs)


def _csrf(proxy: Proxy) -> dict:
    return {"X-CSRFToken": proxy.cookies["csrftoken"]}


def _try_run(admin: Proxy, connection_id: str, *, source: str | None = None, request_id: str | None = None) -> dict:
    body = {"script": "login", "args": {"email": "ada@smoke.test", "password": "ada-pass"}}
    if source is not None:
        body["source"] = source
    headers = {**_csrf(admin), **({"X-Request-ID": request_id} if request_id else {})}
    started = admin.post(f"/connections/{connection_id}/scripts/runs/start/", json=body, headers=headers)
    assert started.status_code == 202, started.text[:500]
    return started.json()


def _poll(admin: Proxy, run: dict) -> dict:
    return admin.get(run["pollUrl"]).json()


def _db_value(sql: str, *args):
    with psycopg.connect(f"{POSTGRES}/{DATABASE}") as conn:
        row = conn.execute(sql, args).fetchone()
    return row[0] if row else None


def _metrics(stack: Stack) -> dict[tuple[str, tuple], float]:
    response = requests.get(
        stack.url + "/metrics", headers={"Authorization": f"Bearer {stack.env['TRICKLE_METRICS_TOKEN']}"}, timeout=30
    )
    assert response.status_code == 200, response.text[:500]
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            samples[key] = samples.get(key, 0) + sample.value
    return samples


def _sample(samples, name: str, **labels) -> float:
    return sum(v for (n, ls), v in samples.items() if n == name and all((k, v2) in ls for k, v2 in labels.items()))


def test_the_stack_is_ready_and_health_needs_no_login(stack):
    assert requests.get(stack.url + "/healthz", timeout=10).json() == {"status": "ok"}
    status, report = _readyz(stack)
    assert status == 200 and report["status"] == "ok" and report["failed"] == []
    assert set(report["checks"]) == {"database", "migrations", "broker", "scriptd"}
    body = requests.get(stack.url + "/readyz", timeout=10).text
    for secret in (stack.env["SECRET_KEY"], stack.env["TRICKLE_ENCRYPTION_KEYS"], stack.env["TRICKLE_METRICS_TOKEN"]):
        assert secret not in body


def test_plain_http_is_redirected_to_https_with_hsts(stack):
    plain = requests.get(stack.url + "/accounts/login/", allow_redirects=False, timeout=10)
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
    # A client that is not a trusted proxy cannot claim HTTPS: its forwarding headers are dropped.
    secure = requests.get(
        stack.url + "/accounts/login/", headers={"X-Forwarded-Proto": "https"}, allow_redirects=False, timeout=10
    )
    assert secure.status_code == 200  # 127.0.0.1 is the trusted proxy here
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_the_demo_legacy_api_is_not_served_in_production(stack):
    assert (
        requests.get(stack.url + "/demo-legacy/users", headers={"X-Forwarded-Proto": "https"}, timeout=10).status_code
        == 404
    )


def test_an_admin_signs_in_saves_scripts_and_tries_them(stack, admin, connection_id):
    editor = admin.get(f"/connections/{connection_id}/scripts/")
    assert editor.status_code == 200
    scripts = {
        f"script_{key}": ""
        for key in ("login", "get_user", "create", "verify", "change_password", "delete", "change_email")
    }
    scripts.update(script_login=LOGIN_SCRIPT, script_get_user=GET_USER_SCRIPT)
    saved = admin.post(
        f"/connections/{connection_id}/scripts/save/",
        data={**scripts, "base_number": 0, "message": "smoke"},
        headers=_csrf(admin),
    )
    assert saved.status_code == 200, saved.text[:500]
    assert saved.json()["revision"]["number"] == 1

    run = _try_run(admin, connection_id, request_id="smoke-try-request-0001")
    done = wait_until(lambda: (p := _poll(admin, run))["done"] and p, timeout_s=90, what="the Try run")
    assert done["state"] == "succeeded" and done["result"]["user_id"] == "ada", done
    # The request id followed the request into the run record and the worker's scriptd call.
    assert (
        _db_value("SELECT request_id FROM scripts_editor_scriptrun WHERE id = %s", run["id"])
        == "smoke-try-request-0001"
    )
    worker_lines = [json.loads(line) for line in stack.log("worker").splitlines() if line.startswith("{")]
    assert any(
        line["request_id"] == "smoke-try-request-0001" and line["message"].startswith(f"scriptd run {run['id']}")
        for line in worker_lines
    )


def test_a_login_through_the_api_migrates_the_user(stack, api_token, connection_id, admin):
    answer = _api(
        stack,
        api_token,
        "POST",
        f"/api/v2/connections/{connection_id}/authenticate",
        json={"username": "ada@smoke.test", "password": "ada-pass"},
        headers={"X-Request-ID": "smoke-login-request-0001"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["trickle_path"] == "migrated" and answer.headers["X-Request-ID"] == "smoke-login-request-0001"
    assert (
        _db_value("SELECT path FROM identity_flowevent WHERE request_id = %s", "smoke-login-request-0001") == "migrated"
    )
    again = _api(
        stack,
        api_token,
        "POST",
        f"/api/v2/connections/{connection_id}/authenticate",
        json={"username": "ada@smoke.test", "password": "ada-pass"},
    )
    assert again.status_code == 200 and again.json()["trickle_path"] == "managed"


def test_without_scriptd_readyz_names_it_and_a_login_fails_clearly(stack, api_token, connection_id):
    stack.stop("scriptd")
    status, report = _readyz(stack)
    assert status == 503 and report["failed"] == ["scriptd"], report
    assert "scriptd" in report["checks"]["scriptd"]["error"]

    answer = _api(
        stack,
        api_token,
        "POST",
        f"/api/v2/connections/{connection_id}/authenticate",
        json={"username": "bob@smoke.test", "password": "bob-pass"},
    )
    assert answer.status_code == 503, answer.text
    assert answer.json()["errorCode"] == "scriptd_unavailable" and "scriptd" in answer.json()["message"]

    stack.start("scriptd")
    wait_until(lambda: _ready(stack), timeout_s=60, what="/readyz 200 after scriptd restarted")
    answer = _api(
        stack,
        api_token,
        "POST",
        f"/api/v2/connections/{connection_id}/authenticate",
        json={"username": "bob@smoke.test", "password": "bob-pass"},
    )
    assert answer.status_code == 200, answer.text


def _active_pool_pid(stack: Stack, run_id: str) -> int | None:
    inspected = subprocess.run(
        [str(VENV_BIN / "celery"), "-A", "config", "inspect", "active", "--json", "--timeout=5"],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    match = re.search(r"^\s*(\{.*\})\s*$", inspected.stdout, re.S | re.M)
    if not match:
        return None
    for tasks in json.loads(match.group(1)).values():
        for task in tasks:
            if run_id in json.dumps(task.get("args")):
                return task["worker_pid"]
    return None


def test_a_worker_killed_mid_run_ends_the_run_crashed_and_the_other_takes_the_next(stack, admin, connection_id):
    run = _try_run(admin, connection_id, source=SLOW_SCRIPT)
    wait_until(
        lambda: any(line["text"] == "started" for line in _poll(admin, run)["lines"]),
        timeout_s=60,
        what="the slow run to start",
    )
    pid = wait_until(lambda: _active_pool_pid(stack, run["id"]), timeout_s=60, what="the pool process running it")
    os.kill(pid, signal.SIGKILL)

    done = wait_until(lambda: (p := _poll(admin, run))["done"] and p, timeout_s=60, what="the killed run to end")
    assert done["state"] == "crashed" and done["error"]["name"] == "WorkerLost", done

    following = _try_run(admin, connection_id)
    done = wait_until(lambda: (p := _poll(admin, following))["done"] and p, timeout_s=90, what="the next Try run")
    assert done["state"] == "succeeded"


def test_api_rate_limits_are_shared_by_the_gunicorn_workers(stack, api_token):
    answers = [_api(stack, api_token, "GET", "/api/v2/connections").status_code for _ in range(45)]
    # 40/minute per token, counted in Redis: the two workers together grant 40, not 40 each.
    assert answers.count(200) <= 40 and answers[-1] == 429
    assert redis.Redis(db=CACHE_DB).keys("*throttle_token_token-*")


def test_metrics_are_protected_and_count_what_happened(stack):
    assert requests.get(stack.url + "/metrics", timeout=10).status_code == 403  # production: no network allowed
    samples = _metrics(stack)
    assert _sample(samples, "trickle_logins_total", store="migrated", result="succeeded") == 2  # ada, then bob
    assert _sample(samples, "trickle_logins_total", store="managed", result="succeeded") == 1
    assert _sample(samples, "trickle_logins_total", store="legacy", result="scriptd_unavailable") == 1
    assert _sample(samples, "trickle_script_runs_total", script="login", outcome="ok", mode="fresh") >= 2
    assert _sample(samples, "trickle_script_runs_total", script="login", outcome="ok", mode="warm") == 2
    assert _sample(samples, "trickle_script_runs_total", script="login", outcome="unavailable", mode="warm") == 1
    assert _sample(samples, "trickle_scriptd_run_duration_seconds_count", mode="warm") == 3
    assert _sample(samples, "trickle_try_runs_lost_total", reason="worker_lost") == 1
    assert _sample(samples, "trickle_celery_worker_process_starts_total") >= 3  # 2 at start, 1 replacement
    assert _sample(samples, "trickle_http_requests_total", route="api/v2/connections/<str:public_id>/authenticate") == 4
    assert _sample(samples, "trickle_http_requests_total", route="/readyz", status="503") >= 1
    assert _sample(samples, "trickle_scriptd_up") == 1 and _sample(samples, "trickle_broker_up") == 1
    assert ("trickle_celery_queue_depth", (("queue", stack.env["TRICKLE_CELERY_QUEUE"]),)) in samples
    assert _sample(samples, "trickle_try_runs_open", status="running") == 0


def test_gunicorn_serves_with_two_workers_and_a_timeout_above_the_longest_login(stack):
    from scriptd_client.client import DEADLINE_GRACE_S

    web = stack.processes["web"]
    children = subprocess.run(["pgrep", "-P", str(web.pid)], capture_output=True, text=True).stdout.split()
    assert len(children) == 2
    config = subprocess.run(
        [sys.executable, "-c", "import runpy; print(runpy.run_path('config/gunicorn.py')['timeout'])"],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
    )
    assert int(config.stdout) > 3 * (60 + DEADLINE_GRACE_S)
