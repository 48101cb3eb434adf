"""Right grades: every bundled sample, graded in one batch, gets exactly the score it deserves.

Solutions get full marks, blank releases 0 with every check explaining itself, each realistic
mistake loses exactly the checks it breaks (with a message), and other correct solutions lose
nothing.
"""

from __future__ import annotations

import pytest

import course_config
from autograder.checks import check_points
from autograder.samples import variants

ASSIGNMENTS = list(course_config.ASSIGNMENTS)
VARIANTS = [(a, v) for a in ASSIGNMENTS for v in variants(a)]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_solution_gets_full_marks(sample_result, assignment: str) -> None:
    result = sample_result("solution", assignment)
    failed = {c.name: c.message for c in result.checks if not c.passed}
    assert failed == {}
    assert result.score == result.max_score == sum(check_points(assignment).values())


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_blank_release_gets_zero_and_every_check_says_why(sample_result,
                                                               assignment: str) -> None:
    result = sample_result("blank-release", assignment)
    assert result.score == 0
    assert {c.name for c in result.checks} == set(check_points(assignment))
    for c in result.checks:
        assert not c.passed and c.message, c.name
        assert "could not evaluate" not in c.message, f"{c.name}: grader error: {c.message}"


@pytest.mark.parametrize("assignment,variant", VARIANTS,
                         ids=[f"{a}-{v.student}" for a, v in VARIANTS])
def test_each_variant_loses_exactly_the_checks_it_breaks(sample_result, assignment: str,
                                                         variant) -> None:
    result = sample_result(variant.student, assignment)
    failed = {c.name: c.message for c in result.checks if not c.passed}
    assert set(failed) == set(variant.loses), failed
    points = check_points(assignment)
    assert result.score == sum(points.values()) - sum(points[name] for name in variant.loses)
    for name, message in failed.items():
        assert len(message) > 30 and "could not evaluate" not in message, (name, message)


MISTAKES = [(a, v) for a, v in VARIANTS if v.loses]


@pytest.mark.parametrize("assignment,variant", MISTAKES,
                         ids=[f"{a}-{v.student}" for a, v in MISTAKES])
def test_each_mistake_is_told_what_it_changed(sample_result, assignment: str, variant) -> None:
    messages = {c.name: c.message for c in sample_result(variant.student, assignment).checks}
    assert variant.says, f"{variant.student} declares no phrase its messages must hold"
    assert set(variant.says) <= set(variant.loses)
    for check, phrase in variant.says.items():
        assert phrase.lower() in messages[check].lower(), (check, phrase, messages[check])


def test_there_are_enough_realistic_mistakes_and_correct_alternatives() -> None:
    for assignment in ASSIGNMENTS:
        mine = [v for a, v in VARIANTS if a == assignment]
        assert len([v for v in mine if v.loses]) >= 10, assignment
        assert len([v for v in mine if not v.loses]) >= 5, assignment
        assert all(v.why for v in mine), assignment  # each says which idiom or slip it is
