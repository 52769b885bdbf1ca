"""Domain errors of the script editor; views and the API turn them into messages and status codes."""

from dataclasses import dataclass


class ScriptConflict(Exception):
    """Someone saved a newer revision since `base_number`; `current` is that revision (HTTP 409)."""

    def __init__(self, *, current, base_number: int):
        self.current = current
        self.base_number = base_number
        super().__init__(f"revision {current.number} was saved since revision {base_number}")


@dataclass(frozen=True)
class ScriptProblem:
    """Why a script cannot be stored: a syntax error (with position) or its size."""

    script: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = f" (line {self.line}, column {self.column})" if self.line else ""
        return f"{self.script}: {self.message}{where}"


class ScriptsRejected(Exception):
    """The scripts cannot be saved as they are (syntax error, size, unknown key); nothing was stored."""

    def __init__(self, problems: list[ScriptProblem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class TryRunsBusy(Exception):
    """Too many Try runs of this user or connection are still waiting or running (HTTP 429)."""

    def __init__(self, message: str, *, retry_after_s: int):
        self.retry_after_s = retry_after_s
        super().__init__(message)


class LintUnavailable(Exception):
    """The Node linter could not run, so the scripts' syntax cannot be checked and the save is refused."""


class DeployConflict(Exception):
    """The live revision (or the deployment's version) moved since the caller read it: someone else deployed,
    saved live, or a canary started or ended. Nothing changed (HTTP 409 / 412)."""

    def __init__(self, *, live_number: int, version: int):
        self.live_number = live_number
        self.version = version
        self.kept_draft: int | None = None  # a gated save's revision, stored as a draft when its deploy lost
        super().__init__(f"the live revision is now {live_number} (deployment version {version})")


class TestsFailed(Exception):
    """The connection requires its saved test cases to pass before a revision goes live, and some did not.
    `failures` are the ScriptTestCaseResult of the failing cases; nothing went live."""

    __test__ = False  # not a pytest class

    def __init__(self, *, revision_number: int, failures: list):
        self.revision_number = revision_number
        self.failures = failures
        names = ", ".join(f.name for f in failures)
        super().__init__(f"revision {revision_number} failed its required test cases: {names}")
