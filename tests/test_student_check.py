"""The students' local check (`python -m autograder check`): nbgrader's Validate with whole
messages, progress and an exit status that says whether a public test failed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
from nbgrader import utils

import course_config
from autograder.samples import sample_notebook

ROOT = Path(course_config.ROOT)

LONG_MESSAGE = ("the windows of 1..6 with step=2 should be [1, 2], [2, 3], [3, 4], [4, 5]; "
                "yours are [[1, 2], [2, 3], [3, 4]]: one window too few, the last one is missing")


def _cell(kind: str, source: str, grade_id: str, *, grade: bool = False,
          solution: bool = False, locked: bool = False) -> nbformat.NotebookNode:
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = make(source)
    cell.metadata["nbgrader"] = {"grade": grade, "grade_id": grade_id, "locked": locked,
                                 "schema_version": 3, "solution": solution, "task": False,
                                 **({"points": 1} if grade else {})}
    return cell


def _notebook(path: Path, answer: str, checksums: bool = False) -> Path:
    """A small nbgrader notebook (no TensorFlow, so it runs in seconds): an answer cell and
    two test cells, the second with a message longer than nbgrader's 90-character lines."""
    cells = [
        _cell("markdown", "Write `count(n)`.", "intro", locked=True),
        _cell("code", answer, "answer", solution=True),
        _cell("code", "assert count(3) == 3, 'count(3) should be 3'\nprint('OK')", "first_test",
              grade=True, locked=True),
        _cell("code", f"assert count(4) == 4, {LONG_MESSAGE!r}\nprint('OK')", "long_test",
              grade=True, locked=True),
    ]
    if checksums:
        for cell in cells:
            if cell.metadata["nbgrader"]["locked"] or cell.metadata["nbgrader"]["grade"]:
                cell.metadata["nbgrader"]["checksum"] = utils.compute_checksum(cell)
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    return path


def _check(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.student_check", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=600)


def test_a_failing_test_cell_exits_non_zero_with_its_whole_message(tmp_path: Path) -> None:
    notebook = _notebook(tmp_path / "nb.ipynb", "def count(n):\n    return min(n, 3)")
    proc = _check(str(notebook), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert len(LONG_MESSAGE) > 90
    lines = [line.strip() for line in proc.stdout.splitlines()]
    assert f"AssertionError: {LONG_MESSAGE}" in lines  # on one line, not cut at 90 characters
    assert "1 of 2 public test cells FAILED" in proc.stdout
    assert "test long_test" in proc.stdout and "test first_test" not in proc.stdout
    # progress on stderr: which code cell runs, and each test as soon as it has run
    assert "cell 1 of 3: answer" in proc.stderr and "cell 3 of 3: long_test" in proc.stderr
    assert "test first_test: passed" in proc.stderr
    assert "test long_test: FAILED" in proc.stderr


def test_nbgrader_validate_alone_exits_0_and_cuts_the_message(tmp_path: Path) -> None:
    """What the check is for: the same notebook through `nbgrader validate`."""
    notebook = _notebook(tmp_path / "nb.ipynb", "def count(n):\n    return min(n, 3)")
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(notebook)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0 and "VALIDATION FAILED" in proc.stdout
    assert LONG_MESSAGE not in proc.stdout


def test_a_passing_notebook_exits_0(tmp_path: Path) -> None:
    notebook = _notebook(tmp_path / "nb.ipynb", "def count(n):\n    return n")
    proc = _check("--quiet", str(notebook), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success! All 2 public test cells pass" in proc.stdout
    assert "cell 1 of 3" not in proc.stderr  # --quiet


def test_an_edited_test_cell_fails_and_a_missing_notebook_is_not_checked(tmp_path: Path) -> None:
    notebook = _notebook(tmp_path / "nb.ipynb", "def count(n):\n    return n", checksums=True)
    edited = nbformat.read(str(notebook), as_version=4)
    edited.cells[3].source = "print('OK')"  # the student "fixed" the test
    nbformat.write(edited, str(notebook))
    proc = _check(str(notebook), cwd=tmp_path)
    assert proc.returncode == 1 and "were edited" in proc.stdout, proc.stdout
    missing = _check(str(tmp_path / "absent.ipynb"), cwd=tmp_path)
    assert missing.returncode == 2 and "no notebook" in missing.stderr


def test_the_windows_split_test_names_make_windows_when_it_is_off(tmp_path: Path) -> None:
    """A real notebook: make_windows one window short and a right split_windows. The public
    split test blames make_windows, not a leak (cells up to that test only: no training)."""
    notebook = sample_notebook("windows", "mistake-loop-one-window-short")
    last = next(i for i, cell in enumerate(notebook.cells)
                if cell.metadata.get("nbgrader", {}).get("grade_id")
                == "split_keeps_test_out_of_training")
    notebook.cells = notebook.cells[:last + 1]
    path = tmp_path / "windows.ipynb"
    nbformat.write(notebook, str(path))
    proc = _check("--quiet", str(path), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    split = proc.stdout.split("test split_keeps_test_out_of_training", 1)[1]
    assert "fix make_windows first" in split and "leaking" not in split


def test_the_kits_cli_runs_the_same_check(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "autograder", "check", "--quiet",
                           str(tmp_path / "absent.ipynb")],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 2 and "no notebook" in proc.stderr
