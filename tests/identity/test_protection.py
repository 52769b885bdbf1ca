"""Brute-force protection and suspicious-IP throttling, through the real scriptd and the in-script legacy store."""

import pytest

from connections_admin.models import AuditEvent
from identity import protection, services
from identity.exceptions import FlowFailed
from identity.models import FlowEvent, LogEvent, ManagedUser

from .legacy_scripts import PASSWORD

pytestmark = [pytest.mark.scriptd, pytest.mark.django_db]

ATTACKER = "203.0.113.7"


def _login(connection, password, *, username="ada@legacy.test", ip=ATTACKER):
    try:
        return services.user_login(connection=connection, username=username, password=password, ip=ip, user_agent="ua")
    except FlowFailed as e:
        return e


def test_the_eleventh_attempt_is_blocked_without_calling_the_legacy_script(runtime, migrating):
    failures = [_login(migrating, f"guess-{n}") for n in range(10)]
    assert [f.reason for f in failures] == ["wrong_username_or_password"] * 10
    assert all(f.event.script_runs[0]["script"] == "login" for f in failures)  # each guess asked the legacy store

    eleventh = _login(migrating, PASSWORD)  # even the right password: the pair is blocked

    assert eleventh.reason == "too_many_attempts" and eleventh.status_code == 429
    assert eleventh.event.script_runs == []  # no script ran, the legacy store was never asked
    assert not ManagedUser.objects.filter(connection=migrating).exists()
    assert list(LogEvent.objects.filter(type="limit_wc").values_list("ip", "user_name")) == [
        (ATTACKER, "ada@legacy.test"),  # the block itself
        (ATTACKER, "ada@legacy.test"),  # the refused attempt
    ]
    assert LogEvent.objects.filter(type="fp", ip=ATTACKER).count() == 10
    assert AuditEvent.objects.filter(detail__flow="brute_force", detail__outcome="blocked").count() == 1
    # The same user from their own IP is not blocked; the attacker's pair stays blocked.
    assert _login(migrating, PASSWORD, ip="198.51.100.2").path == "migrated"
    assert _login(migrating, PASSWORD).reason == "too_many_attempts"


def test_a_password_reset_or_an_admin_unblocks_the_pair(runtime, migrating, editor):
    for n in range(10):
        _login(migrating, f"guess-{n}")
    assert _login(migrating, PASSWORD).reason == "too_many_attempts"

    services.user_password_change(connection=migrating, email="ada@legacy.test", new_password="brand-new-1")
    assert _login(migrating, "brand-new-1").path == "managed"

    for n in range(10):
        _login(migrating, f"guess-{n}", username="ada")
    assert _login(migrating, "brand-new-1", username="ada").reason == "too_many_attempts"
    user = ManagedUser.objects.get(connection=migrating)
    blocks = protection.login_blocks_for(connection=migrating, identifiers=protection.user_identifiers(user))
    assert [(b.identifier, b.ip) for b in blocks] == [("ada", ATTACKER)]
    assert protection.login_blocks_clear(connection=migrating, identifiers=["ada"], by=editor) == 1
    assert _login(migrating, "brand-new-1", username="ada").path == "managed"
    assert AuditEvent.objects.filter(actor=editor, detail__outcome="unblocked").exists()


def test_only_consecutive_failures_count(runtime, migrating):
    for n in range(9):
        _login(migrating, f"guess-{n}")
    assert _login(migrating, PASSWORD).path == "migrated"
    for n in range(9):
        assert _login(migrating, f"again-{n}").reason == "wrong_username_or_password"
    assert _login(migrating, PASSWORD).path == "managed"


def test_an_ip_failing_across_many_accounts_is_throttled(runtime, migrating, settings):
    settings.TRICKLE_SUSPICIOUS_IP_MAX_FAILURES = 5
    for n in range(5):
        assert _login(migrating, "x", username=f"nobody{n}@legacy.test").reason == "wrong_username_or_password"

    refused = _login(migrating, PASSWORD)
    assert refused.reason == "ip_blocked" and refused.event.script_runs == []
    assert LogEvent.objects.filter(type="limit_mu").count() == 2  # the block and the refused attempt
    assert _login(migrating, PASSWORD, ip="198.51.100.2").path == "migrated"  # other IPs are unaffected

    assert protection.suspicious_ip_unblock(ip=ATTACKER, by=None)
    assert _login(migrating, PASSWORD).path == "managed"


def test_protection_is_configurable_and_skips_allow_listed_ips(runtime, migrating, settings):
    settings.TRICKLE_BRUTE_FORCE_MAX_ATTEMPTS = 3
    settings.TRICKLE_ATTACK_PROTECTION_ALLOWLIST = ["10.0.0.1"]
    for n in range(5):
        _login(migrating, f"guess-{n}", ip="10.0.0.1")
    assert _login(migrating, PASSWORD, ip="10.0.0.1").path == "migrated"
    for n in range(3):
        _login(migrating, f"guess-{n}")
    assert _login(migrating, PASSWORD).reason == "too_many_attempts"


def test_a_blocked_user_is_refused_before_any_script(runtime, migrating):
    _login(migrating, PASSWORD)
    ManagedUser.objects.filter(connection=migrating).update(blocked=True)
    refused = _login(migrating, PASSWORD, ip="198.51.100.2")
    assert refused.reason == "user_blocked" and refused.event.script_runs == []
    assert FlowEvent.objects.filter(reason="user_blocked").count() == 1


def test_the_api_counts_the_forwarded_end_user_ip(runtime, migrating, api_for, editor):
    api = api_for(editor, "authenticate:users")
    url = f"/api/v2/connections/{migrating.public_id}/authenticate"
    for n in range(10):
        r = api.post(
            url, {"username": "ada@legacy.test", "password": f"g{n}"}, format="json", HTTP_AUTH0_FORWARDED_FOR=ATTACKER
        )
        assert r.status_code == 401
    blocked = api.post(
        url, {"username": "ada@legacy.test", "password": PASSWORD}, format="json", HTTP_AUTH0_FORWARDED_FOR=ATTACKER
    )
    assert blocked.status_code == 429 and blocked.json()["errorCode"] == "too_many_attempts"
    ok = api.post(
        url,
        {"username": "ada@legacy.test", "password": PASSWORD},
        format="json",
        HTTP_AUTH0_FORWARDED_FOR="198.51.100.2",
    )
    assert ok.status_code == 200
