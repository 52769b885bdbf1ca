"""The one masking rule (scriptd_client/masking.py), with the cases issue 14 reported."""

import json

from scriptd_client.masking import MASK, Masker

SENTENCE = "Wrong email or password, please retry later"


def test_a_one_character_secret_leaves_words_alone():
    mask = Masker.for_run(configuration={"FLAG": "e"}, plain_keys=(), passwords=())
    assert mask.text(SENTENCE) == SENTENCE
    assert mask.value({"message": SENTENCE, "e": "e"}) == {"message": SENTENCE, MASK: MASK}


def test_a_short_password_leaves_codes_alone_but_is_masked_where_it_stands_alone():
    mask = Masker(["x"])
    assert mask.text("user_exists") == "user_exists"
    assert mask.text("typed x, expected y") == f"typed {MASK}, expected y"
    assert mask.value({"code": "user_exists", "pw": "x", "note": "x-ray"}) == {
        "code": "user_exists",
        "pw": MASK,
        "note": f"{MASK}-ray",  # a hyphen is not part of a word
    }


def test_short_secrets_count_digits_and_underscores_as_word_characters():
    mask = Masker(["5432", "abc"])
    assert (
        mask.text("port 5432; next 54321; abc_def; abc9; (abc)") == f"port {MASK}; next 54321; abc_def; abc9; ({MASK})"
    )
    assert mask.text("naïveabc") == "naïveabc"  # letters beyond ASCII are word characters too


def test_plain_configuration_values_are_never_masked():
    configuration = {"PG_PORT": "5432", "PG_SSL": "true", "DB_PASSWORD": "s3cr3t-pa55word"}
    mask = Masker.for_run(configuration=configuration, plain_keys={"PG_PORT", "PG_SSL"}, passwords=())
    line = "connecting to db:5432 ssl=true with s3cr3t-pa55word"
    assert mask.text(line) == f"connecting to db:5432 ssl=true with {MASK}"
    assert mask.value({"port": "5432", "ssl": "true"}) == {"port": "5432", "ssl": "true"}


def test_a_long_secret_inside_a_longer_string_is_masked_in_logs_errors_stacks_and_results():
    mask = Masker.for_run(configuration={"DB_PASSWORD": "s3cr3t-pa55word"}, plain_keys=(), passwords=["hunter2-long"])
    url = "postgres://app:s3cr3t-pa55word@db/users"
    assert mask.text(url) == f"postgres://app:{MASK}@db/users"
    error = {
        "name": "Error",
        "message": f"connect failed: {url}",
        "stack": f"Error: connect failed: {url}\n    at login (script:3:9)",
    }
    assert mask.value(error) == {
        "name": "Error",
        "message": f"connect failed: postgres://app:{MASK}@db/users",
        "stack": f"Error: connect failed: postgres://app:{MASK}@db/users\n    at login (script:3:9)",
    }
    result = {"url": url, "nested": [{"pw": "was:hunter2-long!"}], "n": 5, "ok": True, "none": None}
    assert mask.value(result) == {
        "url": f"postgres://app:{MASK}@db/users",
        "nested": [{"pw": f"was:{MASK}!"}],
        "n": 5,
        "ok": True,
        "none": None,
    }


def test_secrets_are_masked_in_the_escaped_forms_json_and_util_inspect_print():
    secret = "pa\"55\\wo'rd-long"
    mask = Masker([secret])
    assert mask.text(json.dumps({"pw": secret})) == f'{{"pw": "{MASK}"}}'
    inspected = secret.replace("\\", "\\\\").replace("'", "\\'")
    assert mask.text(f"{{ pw: '{inspected}' }}") == f"{{ pw: '{MASK}' }}"


def test_one_pass_masks_the_longest_secret_whole_and_never_masks_the_mask():
    mask = Masker(["*", "long-secret-value", "secret"])
    assert mask.text("a long-secret-value and a secret * here") == f"a {MASK} and a {MASK} {MASK} here"


def test_no_secrets_means_no_change():
    mask = Masker.for_run(configuration={}, plain_keys=(), passwords=["", None])
    assert mask.text(SENTENCE) == SENTENCE
    assert mask.value({"a": [1, "b"]}) == {"a": [1, "b"]}


def test_a_secret_is_masked_whatever_its_case():
    # A flow lower-cases emails: a password inside one must not come back in clear.
    mask = Masker(["Tr0ub4dor-and-3", "Ab1"])
    assert mask.text("same+tr0ub4dor-and-3@x.test, AB1 ab1") == f"same+{MASK}@x.test, {MASK} {MASK}"


def test_case_folding_never_loses_an_exact_occurrence_of_a_non_ascii_secret():
    # A whole-string lower() lengthens "İ" and turns a final "Σ" into "ς": positions and matches would shift.
    mask = Masker(["İstanbul-ΟΔΟΣ-9", "ΟΔΟΣ"])
    assert mask.text("x İstanbul-ΟΔΟΣ-9 y") == f"x {MASK} y"
    assert mask.text("ΟΔΟΣ ΟΔΟΣΑ οδοσ") == f"{MASK} ΟΔΟΣΑ {MASK}"
