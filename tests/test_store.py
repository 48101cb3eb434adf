"""The grade store keeps each result until its notebook or its checks change."""

from __future__ import annotations

from pathlib import Path

from autograder.scoring.results import CheckResult, SubmissionResult
from autograder.store import GradeStore, checks_version


def _result(score: float) -> SubmissionResult:
    return SubmissionResult("al/ice", "onehot", "onehot.ipynb", digest="abc",
                            checks=[CheckResult("one_hot_is_float32", score, 1.0, score == 1.0)])


def test_a_stored_result_comes_back_for_the_same_notebook_and_checks(tmp_path: Path) -> None:
    store = GradeStore(tmp_path)
    store.put(_result(1.0), "v1")
    again = store.get("al/ice", "onehot", "onehot.ipynb", "abc", "v1")
    assert again is not None and again.score == 1.0 and again.checks[0].passed


def test_a_changed_notebook_or_changed_checks_are_graded_again(tmp_path: Path) -> None:
    store = GradeStore(tmp_path)
    store.put(_result(1.0), "v1")
    assert store.get("al/ice", "onehot", "onehot.ipynb", "other-digest", "v1") is None
    assert store.get("al/ice", "onehot", "onehot.ipynb", "abc", "v2") is None


def test_a_torn_write_is_never_read_as_a_grade(tmp_path: Path) -> None:
    store = GradeStore(tmp_path)
    store.put(_result(1.0), "v1")
    path = next(tmp_path.rglob("*.json"))
    path.write_text(path.read_text()[:40])  # as if a crash cut the file (writes are atomic)
    assert store.get("al/ice", "onehot", "onehot.ipynb", "abc", "v1") is None
    assert not list(tmp_path.rglob(".*.json.*")), "no temporary files are left behind"


def test_the_checks_version_follows_the_checks() -> None:
    assert checks_version("onehot") == checks_version("onehot")
    assert len(checks_version("onehot")) == 16


def test_a_rerun_keeps_what_was_graded_and_regrade_does_it_again(tmp_path: Path) -> None:
    from autograder.discovery import find_submissions
    from autograder.grading import grade

    notebook = tmp_path / "submitted" / "bob" / "onehot" / "onehot.ipynb"
    notebook.parent.mkdir(parents=True)
    notebook.write_text("not a notebook")  # graded without running a kernel
    store, lines = GradeStore(tmp_path / "grades"), []
    first = grade(find_submissions([notebook]), store=store)
    second = grade(find_submissions([notebook]), progress=lines.append, store=store)
    assert any(line.startswith("kept bob/onehot") for line in lines)
    assert second[0].to_dict() == first[0].to_dict()
    lines.clear()
    grade(find_submissions([notebook]), progress=lines.append, store=store, regrade=True)
    assert not any(line.startswith("kept") for line in lines)
