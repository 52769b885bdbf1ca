"""Errors of connections as code: every problem names the file it was found in."""

from dataclasses import dataclass


@dataclass(frozen=True)
class AsCodeProblem:
    file: str  # relative to the folder being imported or exported, e.g. database-connections/x/login.js
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}" if self.file else self.message


class AsCodeRejected(Exception):
    """The files cannot be imported (or the export cannot be made) as they are; nothing was changed."""

    def __init__(self, problems: list[AsCodeProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
