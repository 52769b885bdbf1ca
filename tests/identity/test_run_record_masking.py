from identity.runtime import _masked


def test_run_records_mask_tokens_and_passwords_at_any_depth():
    answer = {
        "user_id": "db|1",
        "access_token": "at-123",
        "identities": [{"provider": "auth0", "refresh_token": "rt-456"}],
        "meta": {"password": "pw"},
    }
    masked = _masked(answer)
    assert masked == {
        "user_id": "db|1",
        "access_token": "********",
        "identities": [{"provider": "auth0", "refresh_token": "********"}],
        "meta": {"password": "********"},
    }
    assert answer["identities"][0]["refresh_token"] == "rt-456"  # the flow's own copy is untouched
