"""The one sentence each outcome gets: what it means to the login flow."""

import pytest

from scripts_editor.runs.outcomes import explain_outcome


@pytest.mark.parametrize(
    ("script", "status", "value", "error", "words"),
    [
        ("get_user", "ok", None, None, "User not found"),
        ("get_user", "ok", {"user_id": "1", "email": "a@b.c"}, None, "sign-up with this email is refused"),
        ("login", "error", None, {"name": "WrongUsernameOrPasswordError"}, "“Wrong email or password”"),
        ("login", "ok", None, None, "“Wrong email or password”"),
        ("login", "ok", {"user_id": "1", "email": "a@b.c"}, None, "The user logs in"),
        ("create", "error", None, {"name": "ValidationError", "code": "user_exists"}, "The user already exists"),
        ("create", "ok", None, None, "Sign-up succeeds"),
        ("change_password", "ok", False, None, "password change fails"),
        ("login", "error", None, {"name": "Error", "message": "db down"}, "Error: db down"),
        ("login", "unavailable", None, {"message": "scriptd is not running"}, "did not run (scriptd is not running)"),
    ],
)
def test_each_outcome_is_explained_for_the_login_flow(script, status, value, error, words):
    assert words in explain_outcome(script=script, status=status, value=value, error=error).text


def test_a_timeout_says_after_how_long_the_login_fails():
    assert "the login fails after 20 s" in explain_outcome(script="login", status="timeout", timeout_s=20).text


def test_a_login_profile_without_user_id_is_warned_about():
    explanation = explain_outcome(script="login", status="ok", value={"email": "a@b.c"})
    assert explanation.tone == "success"
    assert any("no user_id" in w for w in explanation.warnings)
