"""A suite run's page in a real browser with a real Celery worker and scriptd: "Run tests" opens it, and it
follows the run live (polling JSON) until every case has its verdict and a link to its run's logs."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from scripts_editor.models import ScriptTestSuiteRun
from scripts_editor.test_suites import script_test_suite_start, script_test_suites_sweep

from .test_test_cases import CASES, PASSWORD, suite  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_run_tests_opens_the_suite_page_which_shows_every_verdict(page_for, editor, suite):  # noqa: F811
    page = page_for(editor)
    page.goto(f"/connections/{suite.public_id}/scripts/tests/")
    page.click("#run-tests")
    expect(page).to_have_url(re.compile(r"/scripts/tests/suites/[0-9a-f-]{36}/$"))
    expect(page.locator("#test-summary")).to_have_text(f"{len(CASES)} passed, 0 failed.", timeout=60_000)
    expect(page.locator('#test-results [data-passed="true"]')).to_have_count(len(CASES))
    assert PASSWORD not in page.content()

    page.click('[data-test="ada logs in"] a:text("Run and logs")')
    expect(page).to_have_url(re.compile(r"/scripts/runs/[0-9a-f-]{36}/$"))


def test_the_page_follows_a_running_suite_without_a_reload(page_for, editor, suite):  # noqa: F811
    queued = script_test_suite_start(connection=suite, trigger="manual", by=editor, enqueue=False)
    page = page_for(editor)
    page.goto(f"/connections/{suite.public_id}/scripts/tests/suites/{queued.pk}/")
    expect(page.locator("#test-summary")).to_contain_text(f"{len(CASES)} to go")
    expect(page.locator('#test-results [data-passed="pending"]')).to_have_count(len(CASES))

    # Nobody steps it (as if its worker had died): the sweep gives it a task chain and the open page follows.
    assert script_test_suites_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    expect(page.locator("#test-summary")).to_have_text(f"{len(CASES)} passed, 0 failed.", timeout=60_000)
    expect(page.locator("#test-summary")).to_have_attribute("data-status", "passed")
    expect(page.locator('#test-results a:text("Run and logs")')).to_have_count(len(CASES))
    assert ScriptTestSuiteRun.objects.get(pk=queued.pk).status == "passed"
