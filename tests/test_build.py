"""Releases and solutions are generated from source/, and releases leak nothing."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

import course_config
from autograder.build import HIDDEN_TESTS, SOLUTION_MARKERS, drift

ROOT = Path(course_config.ROOT)
ASSIGNMENTS = list(course_config.ASSIGNMENTS)


def _solution_lines(source: Path) -> set[str]:
    """Lines of code between the solution and hidden-test markers of a source notebook."""
    lines, inside = set(), False
    for cell in nbformat.read(str(source), as_version=4).cells:
        for line in cell.source.splitlines():
            stripped = line.strip()
            if stripped in (SOLUTION_MARKERS[0], HIDDEN_TESTS[0]):
                inside = True
            elif stripped in (SOLUTION_MARKERS[1], HIDDEN_TESTS[1]):
                inside = False
            elif inside and len(stripped) > 12 and not stripped.startswith("#"):
                lines.add(stripped)
    return lines


def leaks(release: Path, source: Path) -> list[str]:
    """What a release notebook gives away: markers, solution lines, hidden tests, outputs."""
    found = []
    secret = _solution_lines(source)
    for index, cell in enumerate(nbformat.read(str(release), as_version=4).cells):
        text = cell.source
        for marker in (*SOLUTION_MARKERS, *HIDDEN_TESTS, "autograder", "run_check"):
            if marker in text:
                found.append(f"cell {index}: contains {marker!r}")
        for line in text.splitlines():
            if line.strip() in secret:
                found.append(f"cell {index}: solution line {line.strip()!r}")
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count):
            found.append(f"cell {index}: has outputs")
    return found


def test_committed_releases_and_solutions_match_a_fresh_build() -> None:
    assert drift(ASSIGNMENTS) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_holds_no_solution_hidden_test_or_output(assignment: str) -> None:
    name = course_config.ASSIGNMENTS[assignment].notebook
    assert leaks(ROOT / "release" / assignment / name, ROOT / "source" / assignment / name) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_folder_holds_only_what_students_get(assignment: str) -> None:
    settings = course_config.ASSIGNMENTS[assignment]
    files = {p.name for p in (ROOT / "release" / assignment).iterdir()}
    assert files == {settings.notebook, *settings.support_files}


def test_the_leak_check_catches_a_leak(tmp_path: Path) -> None:
    name = course_config.ASSIGNMENTS["onehot"].notebook
    source = ROOT / "source" / "onehot" / name
    leaked = nbformat.read(str(source), as_version=4)  # the source itself, as if released
    nbformat.write(leaked, str(tmp_path / name))
    found = leaks(tmp_path / name, source)
    assert any("BEGIN SOLUTION" in f for f in found)
    assert any("solution line" in f for f in found)
    assert any("autograder" in f for f in found)


def test_nbgrader_reads_the_course_settings() -> None:
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert config.CourseDirectory.solution_directory == "solutions"
    assert config.CourseDirectory.course_id == course_config.COURSE_ID
    assert config.IgnorePattern.enabled is True
