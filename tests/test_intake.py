"""Finding submissions and reading notebooks: bad input becomes a clear message."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from autograder.discovery import DiscoveryError, find_submissions
from autograder.notebook_io import NotebookError, read_notebook


def _notebook(path: Path, code: str = "x = 1") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), str(path))
    return path


def test_a_submitted_tree_gives_student_and_assignment(tmp_path: Path) -> None:
    _notebook(tmp_path / "submitted" / "alice" / "onehot" / "onehot.ipynb")
    _notebook(tmp_path / "submitted" / "bob" / "onehot" / "onehot.ipynb")
    _notebook(tmp_path / "submitted" / "bob" / "onehot" / ".ipynb_checkpoints" / "x.ipynb")
    subs = find_submissions([tmp_path / "submitted"])
    assert [(s.student, s.assignment) for s in subs] == [("alice", "onehot"), ("bob", "onehot")]


def test_a_single_notebook_and_an_assignment_folder(tmp_path: Path) -> None:
    path = _notebook(tmp_path / "carol" / "onehot" / "onehot.ipynb")
    assert [(s.student, s.assignment) for s in find_submissions([path])] == [("carol", "onehot")]
    subs = find_submissions([tmp_path / "carol"])
    assert [(s.student, s.assignment) for s in subs] == [("carol", "onehot")]


def test_a_renamed_notebook_in_its_assignment_folder_is_still_graded(tmp_path: Path) -> None:
    path = _notebook(tmp_path / "dave" / "onehot" / "onehot (1).ipynb")
    assert find_submissions([path])[0].assignment == "onehot"


def test_an_unknown_notebook_has_no_assignment(tmp_path: Path) -> None:
    path = _notebook(tmp_path / "notes.ipynb")
    assert find_submissions([path])[0].assignment is None


@pytest.mark.parametrize("path", ["missing.ipynb", "empty-folder"])
def test_paths_without_notebooks_are_errors(tmp_path: Path, path: str) -> None:
    (tmp_path / "empty-folder").mkdir()
    with pytest.raises(DiscoveryError):
        find_submissions([tmp_path / path])


@pytest.mark.parametrize("content,message", [
    (b"not json at all", "not valid JSON"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (json.dumps({"hello": "world"}).encode(), "not a Jupyter notebook"),
    (json.dumps({"cells": "nope", "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode(),
     "malformed"),
    (json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode(),
     "no code"),
])
def test_unreadable_notebooks_say_why(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "onehot.ipynb"
    path.write_bytes(content)
    with pytest.raises(NotebookError, match=message):
        read_notebook(path)


def test_old_notebook_formats_are_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.ipynb"
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "code", "input": "x = 1", "language": "python", "outputs": []}]}]}
    path.write_text(json.dumps(v3))
    assert read_notebook(path).cells[0].source == "x = 1"
