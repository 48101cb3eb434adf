"""The grader under conditions that are not the student's doing: a broken environment, a busy
machine, a stop in the middle of a batch, a folder without a notebook."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

import course_config
from autograder.discovery import find_submissions
from autograder.grading import grade
from autograder.sandbox import isolation
from samples.bank import notebooks

ROOT = Path(course_config.ROOT)


def _write(out: Path, student: str, assignment: str, notebook: nbformat.NotebookNode) -> Path:
    path = out / student / assignment / course_config.ASSIGNMENTS[assignment].notebook
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    return path


def _grader(*args: str, env: dict | None = None, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "autograder", "grade", *args], cwd=ROOT,
                            env={**os.environ, **(env or {})}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def _processes_using(folder: Path) -> list[str]:
    """Command lines that name `folder` (sandbox workers, trusted checks of one grader)."""
    return [" ".join(p.info["cmdline"]) for p in psutil.process_iter(["cmdline"])
            if str(folder) in " ".join(p.info["cmdline"] or [])]


def test_a_broken_environment_stops_the_grader_and_writes_no_grades(tmp_path: Path) -> None:
    """A sandbox Python without the kit (as in a venv where it was never installed)."""
    _write(tmp_path / "subs", "alice", "onehot", notebooks("onehot")[0])
    bare = Path(sys.base_prefix) / "bin" / "python3"
    proc = _grader(str(tmp_path / "subs"), "--json", str(tmp_path / "grades.json"),
                   env={"RNNKIT_SANDBOX_PYTHON": str(bare)})
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 3, err
    assert "broken" in err and "autograder" in err
    assert not (tmp_path / "grades.json").exists()
    assert "alice" not in out


def test_a_folder_without_a_notebook_gets_a_row(tmp_path: Path) -> None:
    (tmp_path / "bob" / "windows").mkdir(parents=True)
    (tmp_path / "bob" / "windows" / "notes.txt").write_text("forgot the notebook")
    (tmp_path / "carol" / "onehot").mkdir(parents=True)
    results = {r.student: r for r in grade(find_submissions([tmp_path]))}
    assert set(results) == {"bob", "carol"}
    bob = results["bob"]
    assert bob.assignment == "windows" and bob.score == 0 and bob.max_score > 0
    assert "notes.txt" in bob.problem and "windows.ipynb" in bob.problem
    assert "nothing" in results["carol"].problem


def test_sigterm_ends_every_child_and_keeps_stored_results(tmp_path: Path) -> None:
    solution, release = notebooks("onehot")
    _write(tmp_path / "subs", "blank", "onehot", release)
    store = tmp_path / "store"
    first = _grader(str(tmp_path / "subs"), "--store", str(store))
    first.communicate(timeout=300)
    stored = sorted(store.rglob("*.json"))
    assert first.returncode == 0 and len(stored) == 1
    _write(tmp_path / "subs", "alice", "onehot", solution)
    _write(tmp_path / "subs", "bob", "windows", notebooks("windows")[0])
    tmp = tmp_path / "tmp"  # the grader's temporary folders
    tmp.mkdir()
    proc = _grader(str(tmp_path / "subs"), "--store", str(store), "--workers", "2",
                   env={"TMPDIR": str(tmp)})
    deadline = time.monotonic() + 120
    while len(list(tmp.glob("*/*/control/job.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)  # kernels starting, TensorFlow importing
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    time.sleep(1)
    assert _processes_using(tmp) == []
    assert isolation.stray_processes(course_config.SANDBOX_UIDS,
                                     Path(course_config.SANDBOX_LOCK_DIR)) == []
    assert list(tmp.iterdir()) == []
    assert sorted(store.rglob("*.json")) == stored


@pytest.fixture
def busy_machine():
    """Four busy loops on the machine's cores, for as long as the test runs."""
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(4)]
    yield
    for loop in loops:
        loop.kill()
        loop.wait()


def test_a_busy_machine_changes_no_grade(busy_machine, sample_result, tmp_path: Path) -> None:
    for assignment in ("onehot", "windows"):
        _write(tmp_path, "solution", assignment, notebooks(assignment)[0])
    for result in grade(find_submissions([tmp_path])):
        alone = sample_result("solution", result.assignment)
        assert result.ungraded is None
        assert [(c.name, c.score, c.message) for c in result.checks] == \
            [(c.name, c.score, c.message) for c in alone.checks]
        assert result.score == result.max_score


def test_an_ungraded_result_has_no_score(tmp_path: Path) -> None:
    """An ungraded result is written without a score, never as a 0."""
    from autograder.scoring.results import SubmissionResult

    data = SubmissionResult("dave", "onehot", "onehot.ipynb", ungraded="the machine was busy")
    assert data.to_dict()["score"] is None
    assert json.loads(json.dumps(data.to_dict()))["ungraded"] == "the machine was busy"


def test_each_result_says_where_its_time_went(sample_result) -> None:
    result = sample_result("solution", "onehot")
    stages = result.stages
    assert set(stages) == {"setup", "worker", "isolate", "kernel_start", "cells", "export",
                           "checks"}
    assert all(seconds >= 0 for seconds in stages.values())
    assert stages["cells"] > 0 and stages["checks"] > 0
    assert sum(stages.values()) <= result.seconds + 1
