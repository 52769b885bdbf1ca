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
