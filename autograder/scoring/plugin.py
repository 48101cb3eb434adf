"""A pytest plugin that runs the hidden checks over many submissions and records points.

Loaded with ``-p autograder.scoring.plugin`` in the trusted grading process. Every test that
takes the `art` fixture is run once per submission; its `check` marker gives points and the
student's headline, and the failure's own message gives the detail.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import ModuleType

import pytest

from autograder.boundary import Artefacts, StudentCodeError, StudentCodeRaised


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("autograder")
    group.addoption("--submissions", help="JSON file listing submissions and their artefacts")
    group.addoption("--results", help="where to write the check results (JSON)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "check(points, failure): a graded check")
    config._autograder_results = []  # type: ignore[attr-defined]


def _submissions(config: pytest.Config) -> list[dict]:
    path = config.getoption("--submissions")
    return json.loads(Path(path).read_text(encoding="utf-8")) if path else []


def _probes(module: ModuleType) -> list[dict] | None:
    """The probes declared next to a check module (they name what a failed probe called)."""
    try:
        return importlib.import_module(f"{module.__package__}.probes").PROBES
    except (ImportError, AttributeError):
        return None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "art" in metafunc.fixturenames:
        subs = _submissions(metafunc.config)
        probes = _probes(metafunc.module)
        metafunc.parametrize(
            "art",
            [Artefacts(Path(s["artefacts"]), s.get("failure"),
                       Path(s["saved"]) if s.get("saved") else None, probes) for s in subs],
            ids=[s["id"] for s in subs],
        )


def student_message(headline: str, exc: BaseException) -> str:
    """The message a student reads for a failed check."""
    if isinstance(exc, StudentCodeError):
        lead = "The grader ran your code:" if isinstance(exc, StudentCodeRaised) else \
            "Your code could not be checked:"
        return f"{headline} {lead} {exc}"
    if isinstance(exc, AssertionError):  # CheckFailed, or a plain assert in a check
        detail = str(exc).split("\nassert ")[0].strip()
        if detail.split(" ", 1)[0].isalpha():  # a word, not a name from the code
            detail = detail[:1].upper() + detail[1:]
        if detail.lower().startswith(headline.rstrip(". ").lower()):
            return detail  # the detail repeats the headline's sentence: say it once
        return f"{headline} {detail}".strip()
    return f"{headline} (The grader could not evaluate this: {type(exc).__name__}.)"


def _measured() -> dict[str, float]:
    """What the check that just ran measured (and forget it for the next one)."""
    from autograder.checks.lib import MEASURED

    measured = dict(MEASURED)
    MEASURED.clear()
    return measured


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    marker = item.get_closest_marker("check")
    if marker is None or call.when not in ("setup", "call"):
        return report
    if call.when == "setup" and report.passed:
        _measured()  # nothing measured before the check runs counts for it
        return report
    points = float(marker.kwargs["points"])
    headline = marker.kwargs["failure"]
    passed = report.passed and call.when == "call"
    message = "" if passed else student_message(headline, call.excinfo.value)
    item.config._autograder_results.append({  # type: ignore[attr-defined]
        "submission": item.callspec.id,
        "name": item.originalname.removeprefix("test_"),
        "score": points if passed else 0.0,
        "max_score": points,
        "passed": passed,
        "message": message,
        "measured": _measured(),
    })
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = session.config.getoption("--results")
    if path:
        Path(path).write_text(json.dumps(session.config._autograder_results), encoding="utf-8")
