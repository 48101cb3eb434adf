"""Results of grading, as plain data (no I/O)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class CheckResult:
    """One graded check on one submission."""

    name: str
    """The check's name, after the property it checks (e.g. one_hot_is_float32)."""
    score: float
    max_score: float
    passed: bool
    message: str = ""
    """What the student reads: empty when passed, what went wrong otherwise."""
    measured: dict[str, float] = field(default_factory=dict)
    """What the check measured on the grader's own data, passed or not (an accuracy, a test
    MSE), by name; empty for a check that measures nothing."""


@dataclass
class SubmissionResult:
    """All checks of one student's submission of one assignment."""

    student: str
    assignment: str
    notebook: str
    checks: list[CheckResult] = field(default_factory=list)
    problem: str | None = None
    """What went wrong running the submission as a whole (timeout, crash, unreadable file)."""
    digest: str = ""
    """Content hash of what was graded, so an unchanged submission need not be graded again."""
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    """CPU seconds the student's notebook used in its sandbox."""
    ungraded: str | None = None
    """Why the grader, not the student, kept this submission from being graded (a broken
    sandbox, a machine too busy): it has no score, and must be graded again."""
    note: str | None = None
    """Anything else the instructor should know about how it was graded."""
    stages: dict[str, float] = field(default_factory=dict)
    """Where its grading time went, in wall-clock seconds: the sandbox's stages (setup,
    worker, isolate, kernel_start, cells, export) and its share of the trusted checks."""

    @property
    def score(self) -> float:
        """Points earned (0 for an ungraded submission: see `to_dict`, which writes none)."""
        return round(sum(c.score for c in self.checks), 6)

    @property
    def max_score(self) -> float:
        return round(sum(c.max_score for c in self.checks), 6)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["score"] = None if self.ungraded else self.score
        data["max_score"] = self.max_score
        return data

    @classmethod
    def from_dict(cls, data: dict) -> SubmissionResult:
        checks = [CheckResult(**c) for c in data.get("checks", [])]
        fields = {k: data[k] for k in ("student", "assignment", "notebook", "problem", "digest",
                                       "seconds", "cpu_seconds", "ungraded", "note", "stages")
                  if k in data}
        return cls(checks=checks, **fields)
