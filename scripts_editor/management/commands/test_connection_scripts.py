"""python manage.py test_connection_scripts [--connection NAME ...] [--junit FILE]: run the saved test cases
(exit status 1 when one fails, so CI can gate on it). Needs the Celery worker and scriptd, as Try does.

Each connection's cases run as a suite run (scripts_editor.test_suites) like "Run tests", stepped here in the
command's own process, so it waits for the result and the run is in the dashboard's list afterwards."""

from pathlib import Path
from xml.etree import ElementTree

from django.core.management.base import BaseCommand, CommandError

from connections_admin.models import Connection
from scripts_editor.models import ScriptTestCaseResult, ScriptTestSuiteRun
from scripts_editor.test_suites import script_test_suite_start, script_test_suite_wait


class Command(BaseCommand):
    help = "Run the connections' saved script test cases through the Try machinery; non-zero exit on a failure."

    def add_arguments(self, parser):
        parser.add_argument("--connection", action="append", default=[], help="Only this connection (repeatable).")
        parser.add_argument("--junit", type=Path, help="Also write the results as JUnit XML to this file.")

    def handle(self, *args, connection: list[str], junit: Path | None, **options):
        connections = Connection.objects.filter(script_test_cases__isnull=False).distinct().order_by("name")
        if connection:
            unknown = sorted(
                set(connection) - set(Connection.objects.filter(name__in=connection).values_list("name", flat=True))
            )
            if unknown:
                raise CommandError(f"No connection named {', '.join(unknown)}.")
            connections = connections.filter(name__in=connection)
        results: dict[str, list[ScriptTestCaseResult]] = {}
        for c in connections:
            suite = script_test_suite_start(
                connection=c, trigger=ScriptTestSuiteRun.Trigger.COMMAND, by=None, enqueue=False
            )
            suite = script_test_suite_wait(suite=suite)
            results[c.name] = list(suite.results.select_related("run"))
            for r in results[c.name]:
                mark = self.style.SUCCESS("PASS") if r.passed else self.style.ERROR("FAIL")
                self.stdout.write(f"{mark} {c.name} / {r.name} ({r.script}): {r.reason}")
            if suite.error:
                self.stdout.write(self.style.WARNING(f"{c.name}: {suite.error}"))
        total = sum(len(rs) for rs in results.values())
        failed = sum(not r.passed for rs in results.values() for r in rs)
        if junit:
            _junit(results).write(junit, encoding="utf-8", xml_declaration=True)
        self.stdout.write(f"{total - failed} passed, {failed} failed, in {len(results)} connection(s).")
        if failed:
            raise SystemExit(1)


def _junit(results: dict[str, list[ScriptTestCaseResult]]) -> ElementTree.ElementTree:
    suites = ElementTree.Element("testsuites")
    for name, rs in results.items():
        suite = ElementTree.SubElement(
            suites, "testsuite", name=name, tests=str(len(rs)), failures=str(sum(not r.passed for r in rs))
        )
        for r in rs:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=f"{name}.{r.script}",
                name=r.name,
                time=f"{((r.run.duration_ms if r.run else 0) or 0) / 1000:.3f}",
            )
            if not r.passed:
                ElementTree.SubElement(case, "failure", message=r.reason)
    return ElementTree.ElementTree(suites)
