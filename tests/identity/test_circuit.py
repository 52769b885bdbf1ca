"""The legacy store's circuit breaker end to end (identity.circuit): a migration-mode connection on the
PostgreSQL template reaches the machine's PostgreSQL through a TCP relay this module starts and stops, so
"stopping the database" refuses connections exactly as a stopped server does; scripts really run in scriptd."""

import socket
import threading
import time

import pytest
from prometheus_client import REGISTRY

from connections_admin import services as connections
from connections_admin.models import AuditEvent
from identity import circuit, services
from identity.exceptions import FlowFailed
from identity.models import FlowEvent, LegacyCircuit
from scripts_editor.script_templates import template_bodies
from scripts_editor.services import scripts_save

from .test_real_stores import PASSWORD, STORES, LegacyTable, legacy_database  # noqa: F401  (module fixture)

pytestmark = [pytest.mark.scriptd, pytest.mark.django_db]


class Relay:
    """127.0.0.1:<port> relayed to PostgreSQL while up; refused (nothing listens) while down."""

    def __init__(self, target=("127.0.0.1", 5432)):
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.listener = None
        self.sockets: list[socket.socket] = []

    def start(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def stop(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() (close alone leaves it listening)
        except OSError:
            pass
        self.listener.close()
        for s in self.sockets:
            s.close()
        self.sockets.clear()

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@pytest.fixture
def relay():
    r = Relay()
    r.start()
    yield r
    r.stop()


@pytest.fixture
def circuit_settings(settings):
    settings.CIRCUIT_FAILURES, settings.CIRCUIT_WINDOW_S, settings.CIRCUIT_COOLDOWN_S = 3, 60, 1
    return settings


@pytest.fixture
def shop(relay, legacy_database, runtime, circuit_settings):  # noqa: F811
    LegacyTable("postgres", legacy_database).reset()
    connection = connections.connection_create(
        name="pg-circuit",
        by=None,
        use_own_database=True,
        import_users=True,
        egress_allowlist=[f"127.0.0.1:{relay.port}"],
    )
    variables = STORES["postgres"] | {"PG_PORT": str(relay.port), "PG_DATABASE": legacy_database}
    for key, value in variables.items():
        connections.configuration_variable_set(connection=connection, key=key, value=value, by=None)
    scripts_save(
        connection=connection, base_number=0, by=None, scripts=template_bodies("postgres", connection_name="pg-circuit")
    )
    return connection


def _login_reason(connection, email, password=PASSWORD) -> str:
    with pytest.raises(FlowFailed) as caught:
        services.user_login(connection=connection, username=email, password=password)
    return caught.value.reason


def _state(connection) -> str:
    return circuit.circuit_state(connection=connection)["state"]


def _audits(connection, action) -> int:
    return AuditEvent.objects.filter(connection=connection, action=action).count()


def _transitions(name: str) -> float:
    return REGISTRY.get_sample_value("trickle_legacy_circuit_transitions_total", {"transition": name}) or 0


def test_a_stopped_store_opens_the_circuit_logins_fail_fast_and_the_probe_closes_it(shop, relay):
    before = {name: _transitions(name) for name in ("opened", "reopened", "closed")}
    ada = services.user_login(connection=shop, username="ada@legacy.test", password=PASSWORD)
    assert ada.path == FlowEvent.Path.MIGRATED

    relay.stop()
    for _ in range(3):
        assert _login_reason(shop, "bob@legacy.test") == "script_error"  # ECONNREFUSED through the template
    assert _state(shop) == "open"
    assert _audits(shop, AuditEvent.Action.CIRCUIT_OPENED) == 1

    # Open: no script runs at all, the run record says why, and the answer is 503 legacy_unavailable.
    assert _login_reason(shop, "bob@legacy.test") == "legacy_unavailable"
    event = FlowEvent.objects.filter(connection=shop).first()
    assert [r["status"] for r in event.script_runs] == ["circuit_open"]
    assert FlowFailed("legacy_unavailable").status_code == 503
    # A migrated user never needs the legacy store.
    assert services.user_login(connection=shop, username="ada@legacy.test", password=PASSWORD).path == "managed"

    # After the cool-down one probe runs; the store is still down, so the circuit opens for another cool-down.
    time.sleep(1.2)
    assert _login_reason(shop, "bob@legacy.test") == "script_error"
    assert _state(shop) == "open"
    assert _login_reason(shop, "bob@legacy.test") == "legacy_unavailable"

    relay.start()
    time.sleep(1.2)
    bob = services.user_login(connection=shop, username="bob@legacy.test", password=PASSWORD)
    assert bob.path == FlowEvent.Path.MIGRATED
    assert _state(shop) == "closed"
    assert _audits(shop, AuditEvent.Action.CIRCUIT_CLOSED) == 1
    assert _audits(shop, AuditEvent.Action.CIRCUIT_OPENED) == 1  # the failed probe reopened, not a new outage
    assert {name: _transitions(name) - count for name, count in before.items()} == {
        "opened": 1,
        "reopened": 1,
        "closed": 1,
    }


def test_answers_of_the_store_never_count_and_reset_the_run_of_failures(shop, relay):
    for _ in range(5):
        assert _login_reason(shop, "ada@legacy.test", password="wrong") == "wrong_username_or_password"
        assert _login_reason(shop, "nobody@legacy.test") == "wrong_username_or_password"
    assert _state(shop) == "closed"

    relay.stop()
    for _ in range(2):
        assert _login_reason(shop, "bob@legacy.test") == "script_error"
    assert circuit.circuit_state(connection=shop)["failures"] == 2
    relay.start()
    assert _login_reason(shop, "bob@legacy.test", password="wrong") == "wrong_username_or_password"
    assert circuit.circuit_state(connection=shop)["failures"] == 0
    relay.stop()
    for _ in range(2):
        assert _login_reason(shop, "bob@legacy.test") == "script_error"
    assert _state(shop) == "closed"  # 2 + 2 failures, but never 3 in a row


def test_failures_outside_the_window_start_a_new_count(shop, relay, circuit_settings):
    circuit_settings.CIRCUIT_WINDOW_S = 1
    relay.stop()
    for _ in range(2):
        _login_reason(shop, "bob@legacy.test")
    time.sleep(1.2)
    _login_reason(shop, "bob@legacy.test")
    assert circuit.circuit_state(connection=shop)["failures"] == 1
    assert _state(shop) == "closed"


def test_timeouts_open_the_circuit_and_script_bugs_do_not(db, runtime, circuit_settings):
    from .conftest import connection_in_mode
    from .legacy_scripts import in_script_store

    hangs = connection_in_mode(
        name="hangs",
        mode="migration",
        scripts=in_script_store("hangs") | {"login": "function login(email, password, callback) {}"},
    )
    connections.connection_update(connection=hangs, by=None, script_timeout_s=1)
    for _ in range(3):
        assert _login_reason(hangs, "x@example.com") == "script_timeout"
    assert _state(hangs) == "open"

    buggy = connection_in_mode(
        name="buggy",
        mode="migration",
        scripts=in_script_store("buggy")
        | {"login": "function login(email, password, callback) { callback(new Error('bad column nmae')); }"},
    )
    for _ in range(4):
        assert _login_reason(buggy, "x@example.com") == "script_error"
    assert _state(buggy) == "closed"


@pytest.mark.parametrize(
    "message",
    [
        "Error: Could not read the user database: connect ECONNREFUSED 127.0.0.1:5499",
        "Error: Connection terminated unexpectedly",
        "Error: getaddrinfo ENOTFOUND db.internal",
        "Error: FATAL: sorry, too many clients already",
    ],
)
def test_connection_failures_of_the_drivers_count(message):
    assert circuit.is_infrastructure_failure(FlowFailed("script_error", message))


@pytest.mark.parametrize("reason", ["wrong_username_or_password", "no_profile", "user_exists", "unauthorized"])
def test_answers_never_count(reason):
    assert not circuit.is_infrastructure_failure(FlowFailed(reason, "ECONNREFUSED in a message changes nothing"))


def test_one_probe_at_a_time(shop, circuit_settings):
    LegacyCircuit.objects.create(connection=shop, state="open", failures=3, opened_at=_long_ago())
    first = circuit.circuit_admit(connection=shop)
    assert first.probe
    with pytest.raises(FlowFailed) as caught:
        circuit.circuit_admit(connection=shop)
    assert caught.value.reason == "legacy_unavailable"


def _long_ago():
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() - timedelta(minutes=5)


def test_the_api_sets_thresholds_and_reads_the_state(db, editor, api_for, circuit_settings):
    api = api_for(editor)
    created = api.post(
        "/api/v2/connections",
        {
            "name": "breaker",
            "options": {"enabledDatabaseCustomization": True, "trickle_circuit_breaker": {"failures": 2}},
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    options = created.json()["options"]
    assert options["trickle_circuit_breaker"] == {"failures": 2, "window_s": None, "cooldown_s": None}
    assert options["trickle_circuit"]["state"] == "closed"
    assert options["trickle_circuit"]["failure_threshold"] == 2 and options["trickle_circuit"]["cooldown_s"] == 1

    url = f"/api/v2/connections/{created.json()['id']}"
    for wrong, message in ({"cooldown_s": "5"}, "Must be a whole number"), ({"failures": 0}, "between 1 and 1000"):
        bad = api.patch(url, {"options": {"trickle_circuit_breaker": wrong}}, format="json")
        assert bad.status_code == 400 and message in bad.json()["message"], bad.json()

    connection = LegacyCircuit.objects.get(connection__public_id=created.json()["id"]).connection
    for _ in range(2):
        circuit.circuit_record(
            connection=connection,
            admission=circuit.Admission(),
            failure=FlowFailed("script_error", "Error: connect ECONNREFUSED 10.0.0.1:5432"),
        )
    read = api.get(url).json()["options"]["trickle_circuit"]
    assert read["state"] == "open" and read["last_failure"] == "script_error" and read["retry_at"]
    listed = api.get("/api/v2/connections").json()
    assert [c["options"]["trickle_circuit"]["state"] for c in listed] == ["open"]

    # options are replaced as a whole: a PATCH without the thresholds returns them to the defaults
    patched = api.patch(url, {"options": {"enabledDatabaseCustomization": True}}, format="json")
    assert patched.json()["options"]["trickle_circuit_breaker"]["failures"] is None
    assert (
        AuditEvent.objects.filter(connection=connection, detail__has_key="circuit_breaker").count() == 2
    )  # set, then reset


def test_the_connection_pages_show_the_circuit(db, viewer_client, circuit_settings):
    from .conftest import connection_in_mode

    shop = connection_in_mode(name="shown", mode="migration")
    page = viewer_client.get(f"/connections/{shop.public_id}/").content.decode()
    assert 'data-circuit="closed"' in page and "after 3 timeouts" in page
    for _ in range(3):
        circuit.circuit_record(
            connection=shop, admission=circuit.Admission(), failure=FlowFailed("script_timeout", "slow")
        )
    for path in ("", "activity/"):
        page = viewer_client.get(f"/connections/{shop.public_id}/{path}").content.decode()
        assert 'data-circuit="open"' in page and "Legacy store unavailable" in page and "script_timeout" in page
