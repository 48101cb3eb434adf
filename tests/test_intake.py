"""Finding submissions and reading notebooks: bad input becomes a clear message."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from autograder.discovery import DiscoveryError, discover, find_submissions
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


def test_a_notebook_deeper_in_a_students_folder_is_nobodys(tmp_path: Path) -> None:
    """A student cannot hand in a notebook as a classmate by nesting folders in their own."""
    tree = tmp_path / "submitted"
    _notebook(tree / "bob" / "onehot" / "onehot.ipynb")
    _notebook(tree / "mallory" / "onehot" / "onehot.ipynb")
    _notebook(tree / "mallory" / "onehot" / "bob" / "onehot" / "onehot.ipynb")
    _notebook(tree / "mallory" / "onehot" / "x" / "submitted" / "bob" / "onehot" / "onehot.ipynb")
    for root in (tree, tree / "mallory", tree / "mallory" / "onehot"):
        found = discover([root])
        assert [(s.student, s.assignment) for s in found.submissions] in (
            [("bob", "onehot"), ("mallory", "onehot")], [("mallory", "onehot")])
        assert all(s.notebook.parent.name == "onehot" and s.notebook.parent.parent.name
                   in ("bob", "mallory") for s in found.submissions)
        assert sum("below the assignment folder" in line for line in found.ignored) == 2


def test_only_the_assignments_own_notebook_is_graded(tmp_path: Path) -> None:
    folder = tmp_path / "alice" / "onehot"
    _notebook(folder / "onehot.ipynb")
    _notebook(folder / "scratch.ipynb")
    _notebook(folder / "\x1b]0;pwned\x07.ipynb")
    found = discover([tmp_path / "alice"])
    assert [s.notebook.name for s in found.submissions] == ["onehot.ipynb"]
    assert len(found.ignored) == 2
    assert all("\x1b" not in line and "\x07" not in line for line in found.ignored)
    assert any("\\x1b]0;pwned\\x07.ipynb" in line for line in found.ignored)


def test_several_notebooks_none_named_as_released_is_one_result(tmp_path: Path) -> None:
    folder = tmp_path / "alice" / "onehot"
    _notebook(folder / "try1.ipynb")
    _notebook(folder / "try2.ipynb")
    [sub] = find_submissions([tmp_path / "alice"])
    assert sub.problem and "2 notebooks" in sub.problem and sub.notebook.name == "onehot.ipynb"


def test_a_linked_notebook_is_not_graded(tmp_path: Path) -> None:
    target = _notebook(tmp_path / "submitted" / "bob" / "onehot" / "onehot.ipynb")
    folder = tmp_path / "submitted" / "mallory" / "onehot"
    folder.mkdir(parents=True)
    (folder / "onehot.ipynb").symlink_to(target)
    found = discover([tmp_path / "submitted"])
    mallory = [s for s in found.submissions if s.student == "mallory"]
    assert mallory and mallory[0].found is not None  # nothing to grade, not bob's notebook
    assert any("a link" in line for line in found.ignored)


def test_two_paths_cannot_give_one_student_two_submissions(tmp_path: Path) -> None:
    first = _notebook(tmp_path / "a" / "alice" / "onehot" / "onehot.ipynb")
    second = _notebook(tmp_path / "b" / "alice" / "onehot" / "onehot.ipynb")
    with pytest.raises(DiscoveryError, match="two submissions"):
        find_submissions([first, second])
    assert len(find_submissions([tmp_path / "a", first])) == 1  # the same file twice is one


def test_a_deep_folder_does_not_end_the_search(tmp_path: Path) -> None:
    folder = tmp_path / "alice" / "onehot"
    _notebook(folder / "onehot.ipynb")
    deep = folder
    for _ in range(200):
        deep = deep / "d"
    deep.mkdir(parents=True)
    _notebook(deep / "onehot.ipynb")
    assert [s.student for s in find_submissions([tmp_path / "alice"])] == ["alice"]


def _cell(metadata: object) -> dict:
    return {"cell_type": "code", "source": "x = 1", "metadata": metadata, "outputs": [],
            "execution_count": None}


def _raw_notebook(cells: list, metadata: object = None) -> bytes:
    return json.dumps({"cells": cells, "metadata": metadata or {}, "nbformat": 4,
                       "nbformat_minor": 5}).encode()


@pytest.mark.parametrize("content,message", [
    (b'{"cells": [], "metadata": {"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}",
     "nested too deeply"),
    (_raw_notebook([_cell({})], {"junk": [{} for _ in range(1_500_000)]}), "JSON objects"),
    (_raw_notebook([_cell({"nbgrader": "oops"})]), "not a mapping"),
    (_raw_notebook([_cell({"nbgrader": {"grade_id": ["a"], "solution": True}})]),
     "'grade_id' has the wrong type"),
    (_raw_notebook([_cell({"nbgrader": {"grade_id": "a", "points": "3"}})]),
     "'points' has the wrong type"),
])
def test_hostile_files_are_read_in_a_bounded_child(tmp_path: Path, content: bytes,
                                                   message: str) -> None:
    import resource

    from autograder.intake import read_submitted

    path = tmp_path / "onehot.ipynb"
    path.write_bytes(content)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(NotebookError, match=message):
        read_submitted(path, tmp_path / "read")
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown < 200 * 1024, f"the test's own process grew by {grown // 1024} MiB"


def test_a_read_notebook_keeps_only_what_running_it_needs(tmp_path: Path) -> None:
    from autograder.intake import read_submitted

    path = tmp_path / "onehot.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "x = 1", outputs=[nbformat.v4.new_output("stream", text="old output")],
        metadata={"nbgrader": {"grade_id": "a", "solution": True}, "tags": ["x"]})],
        metadata={"anything": {"the": "student wrote"}})
    nbformat.write(nb, str(path))
    [cell] = read_submitted(path, tmp_path / "read").cells
    assert cell.source == "x = 1" and cell.outputs == []
    assert cell.metadata == {"nbgrader": {"grade_id": "a", "solution": True}}


def test_no_output_keeps_one_of_two_results_for_a_student(tmp_path: Path, capsys) -> None:
    from autograder.cli import main
    from autograder.scoring.results import SubmissionResult

    rows = [SubmissionResult("alice", "onehot", "onehot.ipynb").to_dict() for _ in range(2)]
    results = tmp_path / "grades.json"
    results.write_text(json.dumps({"submissions": rows}))
    assert main(["export", str(results), "--csv", str(tmp_path / "grades.csv")]) != 0
    assert "more than one result for alice/onehot" in capsys.readouterr().err
    assert not (tmp_path / "grades.csv").exists()
