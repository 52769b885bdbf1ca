"""Syntax check and lint through the Node linter in sandbox/lint (the same code the editor runs live).

Django spawns `node sandbox/lint/cli.js` per check, so validation never depends on scriptd running.
"""

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from scriptd_client import catalog, limits

from .exceptions import LintUnavailable, ScriptProblem
from .scripts import metadata_for_editor

SANDBOX_DIR = Path(settings.BASE_DIR) / "sandbox"
LINT_CLI = SANDBOX_DIR / "lint" / "cli.js"
ALLOWLIST_FILE = SANDBOX_DIR / "allowlist.json"
LINT_TIMEOUT_S = 30


@dataclass(frozen=True)
class Finding:
    script: str
    rule: str
    severity: str  # error, warning or info; findings never block a save
    line: int
    column: int
    message: str
    why: str
    start: int = 0  # character offsets, for the editor's gutter
    end: int = 0

    def as_json(self) -> dict:
        return {
            "script": self.script,
            "rule": self.rule,
            "severity": self.severity,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "why": self.why,
            "from": self.start,
            "to": self.end,
        }


@dataclass(frozen=True)
class LintReport:
    syntax_errors: list[ScriptProblem]
    findings: list[Finding]


def sandbox_allowlist() -> dict:
    """The modules scripts may require: Node's built-ins (sandbox/allowlist.json, owned by scriptd) and,
    as "catalog", the module catalog's packages and versions (scriptd_client.catalog); empty when missing."""
    try:
        allowlist = json.loads(ALLOWLIST_FILE.read_text())
    except FileNotFoundError:
        allowlist = {"modules": {}, "aliases": {}, "legacy_globals": []}
    allowlist["catalog"] = {
        name: {"default": pkg["default"], "versions": pkg["versions"], "subpaths": pkg["subpaths"]}
        for name, pkg in catalog.packages().items()
    }
    return allowlist


def scripts_lint(
    *,
    scripts: dict[str, str],
    mode: str = "legacy",
    context: bool = False,
    allowlist: dict | None = None,
    configuration_keys: list[str] | None = None,
) -> LintReport:
    """Parse and lint the scripts (against sandbox/allowlist.json unless `allowlist` is given).

    Raises LintUnavailable when Node cannot run the linter.
    """
    node = shutil.which("node")
    if node is None:
        raise LintUnavailable("Node.js is not installed, so the scripts' syntax cannot be checked.")
    request = {
        "scripts": scripts,
        "specs": metadata_for_editor(mode=mode, context=context),
        "allowlist": allowlist if allowlist is not None else sandbox_allowlist(),
        "sizeFindingBytes": limits.SOURCE_WARN_BYTES,
        "configurationKeys": configuration_keys,  # None: unknown, so missing keys are not reported
    }
    try:
        done = subprocess.run(
            [node, str(LINT_CLI)],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=LINT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise LintUnavailable(f"The script linter did not run: {e}") from e
    if done.returncode != 0:
        raise LintUnavailable(f"The script linter failed: {done.stderr.strip()[:500]}")
    result = json.loads(done.stdout)
    return LintReport(
        syntax_errors=[
            ScriptProblem(script=e["script"], message=e["message"], line=e["line"], column=e["column"])
            for e in result["syntaxErrors"]
        ],
        findings=[
            Finding(
                script=f["script"],
                rule=f["rule"],
                severity=f["severity"],
                line=f["line"],
                column=f["column"],
                message=f["message"],
                why=f["why"],
                start=f["from"],
                end=f["to"],
            )
            for f in result["findings"]
        ],
    )
